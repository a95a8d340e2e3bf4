"""Phản ánh in the Telegram chat: a member sends one in a line and sees where theirs stand; the
board lists, answers, passes up and keeps them (the flow itself is bot/reflect.py)."""
from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import reflect
from bot.context import LoaContext
from bot.handlers.common import admin_only, args_text, reply_html
from bot.db.models import R_FILED, R_WORKING
from bot.text import number_and_text
from bot.texts import reflections as T

STATUS_WORDS = {"moi": "moi", "xuly": "dang_xu_ly", "dang_xu_ly": "dang_xu_ly", "traloi": "da_tra_loi",
                "da_tra_loi": "da_tra_loi", "chuyen": "chuyen_len", "luu": "luu"}


async def send_reflection(update: Update, context: LoaContext) -> None:
    """/phananh LOẠI | nội dung [| khẩn]: one phản ánh to the member's board (alone: how)."""
    loa = context.loa
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    line = args_text(update)
    if not line:   # the guided form: the kind by a button, then the words as the next message
        board = await loa.run(loa.members.serving_board, user.id)
        buttons = [[InlineKeyboardButton(label, callback_data=f"rk:{kind}")]
                   for kind, label in T.BTN_KIND.items()]
        await reply_html(update, T.HOW.format(board=board) + "\n\n" + T.GUIDED_KIND,
                         InlineKeyboardMarkup(buttons))
        return
    text = await reflect.submit(context.bot, loa, user.id, chat.id, line,
                                f"tg:{chat.id}:{message.message_id}")
    await reply_html(update, text)


async def photo_reflection(update: Update, context: LoaContext) -> None:
    """A photo captioned "/phananh LOẠI | nội dung": the phản ánh with its photo (a good
    practice, a screenshot of a false post)."""
    loa = context.loa
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    line = (message.caption or "").strip().split(maxsplit=1)
    text = await reflect.submit(context.bot, loa, user.id, chat.id, line[1] if len(line) > 1 else "",
                                f"tg:{chat.id}:{message.message_id}", message.photo[-1].file_id)
    await reply_html(update, text)


async def my_reflections(update: Update, context: LoaContext) -> None:
    """/phananh_cuatoi: the member's own phản ánh and the board's answers."""
    loa = context.loa
    items = await loa.run(loa.reflections.mine, update.effective_user.id)
    await reply_html(update, reflect.mine_blocks(items, loa.settings.tz))


@admin_only
async def list_reflections(update: Update, context: LoaContext) -> None:
    """/phananh_ds [moi|xuly|traloi|chuyen|luu]: what the board sees, urgent first."""
    loa = context.loa
    status = STATUS_WORDS.get(args_text(update).strip().lower())
    items, counts = await loa.run(loa.reflections.listing, context.scope, status)
    await reply_html(update, reflect.list_blocks(items, counts, loa.settings.tz, status))


@admin_only
async def answer_reflection(update: Update, context: LoaContext) -> None:
    """/phananh_traloi SỐ nội dung: the answer goes to the member on their channel."""
    rid, text = number_and_text(args_text(update))
    if rid is None or not text:
        await reply_html(update, T.ANSWER_USAGE)
        return
    confirm, _ = await reflect.answer(context.bot, context.loa, context.scope, rid, text)
    await reply_html(update, confirm)


@admin_only
async def escalate_reflection(update: Update, context: LoaContext) -> None:
    """/phananh_chuyen SỐ: to the board above, told at once."""
    rid, _ = number_and_text(args_text(update))
    if rid is None:
        await reply_html(update, T.NUMBER_USAGE.format(command="/phananh_chuyen"))
        return
    up = await reflect.escalate(context.bot, context.loa, context.scope, rid)
    await reply_html(update, T.PASSED.format(id=up.id, board=up.board))


async def _mark(update: Update, context: LoaContext, command: str, status: str) -> None:
    rid, _ = number_and_text(args_text(update))
    if rid is None:
        await reply_html(update, T.NUMBER_USAGE.format(command=command))
        return
    loa = context.loa
    r = await loa.run(loa.reflections.set_status, context.scope, rid, status)
    await reply_html(update, T.MARKED.format(id=r.id, status=T.STATUS[r.status]))


@admin_only
async def working_on(update: Update, context: LoaContext) -> None:
    """/phananh_xuly SỐ: the board is on it."""
    await _mark(update, context, "/phananh_xuly", R_WORKING)


@admin_only
async def file_away(update: Update, context: LoaContext) -> None:
    """/phananh_luu SỐ: kept for the record, no answer needed."""
    await _mark(update, context, "/phananh_luu", R_FILED)


TREND_DAYS = 28


@admin_only
async def orient(update: Update, context: LoaContext) -> None:
    """/phananh_dinhhuong SỐ nội dung: an orientation broadcast to the board's people about a
    false post; everyone who reported that post is told."""
    import html as html_lib

    from bot.services.broadcasts import Draft
    rid, text = number_and_text(args_text(update))
    if rid is None or not text:
        await reply_html(update, T.ORIENT_USAGE)
        return
    loa = context.loa
    await loa.run(loa.reflections.get, context.scope, rid)   # in scope, before anything is sent
    draft = loa.broadcasts.check_content(Draft(text=html_lib.escape(text, quote=False)))
    info = await loa.run(loa.broadcasts.queue, context.scope, draft)
    told = await reflect.orient(context.bot, loa, context.scope, rid, info.id, text)
    await reply_html(update, T.ORIENT_DONE.format(broadcast=info.id, count=told))


@admin_only
async def trends(update: Update, context: LoaContext) -> None:
    """/phananh_xuhuong: what the board's people report most, grouped by what it says."""
    loa = context.loa
    topics, total = await loa.run(loa.reflections.topics, context.scope, TREND_DAYS)
    await reply_html(update, reflect.trend_blocks(topics, total, TREND_DAYS))


OFFER_KEY = "reflect_offer"
KIND_KEY = "reflect_kind"   # the guided form: the kind chosen, the words awaited


async def on_kind(update: Update, context: LoaContext) -> None:
    """A kind chosen in the guided form: the next message is the phản ánh's words."""
    q = update.callback_query
    kind = q.data.split(":", 1)[1]
    context.user_data.pop(OFFER_KEY, None)
    context.user_data[KIND_KEY] = kind
    await q.answer()
    await reply_html(update, T.GUIDED_TEXT.format(kind=T.KINDS[kind]))


async def guided_text(update: Update, context: LoaContext) -> bool:
    """The words awaited by the guided form, sent as that kind; False when none is awaited."""
    kind = context.user_data.pop(KIND_KEY, None)
    if kind is None:
        return False
    loa, user, msg = context.loa, update.effective_user, update.effective_message
    text = await reflect.submit(context.bot, loa, user.id, update.effective_chat.id,
                                reflect.guided_line(kind, msg.text or ""),
                                f"tg:{msg.chat_id}:{msg.message_id}")
    await reply_html(update, text)
    return True


async def offer(update: Update, context: LoaContext, hint: str = "") -> None:
    """A forwarded post or a bare link: kept for a moment and offered as a phản ánh (the member
    picks its kind; nothing goes to the board unasked)."""
    msg = update.effective_message
    text = (msg.text or msg.caption or "").strip()
    context.user_data[OFFER_KEY] = {"text": text, "source": f"tg:{msg.chat_id}:{msg.message_id}"}
    buttons = [[InlineKeyboardButton(label, callback_data=f"rf:{kind}")]
               for kind, label in T.BTN_KIND.items()]
    await reply_html(update, (hint + "\n\n" if hint else "") + T.OFFER, InlineKeyboardMarkup(buttons))


async def on_offer(update: Update, context: LoaContext) -> None:
    """A kind chosen under an offered post: sent to the board as that kind."""
    q = update.callback_query
    kind = q.data.split(":", 1)[1]
    pending = context.user_data.pop(OFFER_KEY, None)
    await q.answer()
    if not pending:
        await reply_html(update, T.OFFER_GONE)
        return
    try:
        await q.edit_message_reply_markup(None)
    except Exception:  # noqa: BLE001 - the buttons stay; a second press finds nothing pending
        pass
    loa, user = context.loa, update.effective_user
    text = await reflect.submit(context.bot, loa, user.id, update.effective_chat.id,
                                f"{kind} | {pending['text']}", pending["source"])
    await reply_html(update, text)


def register(app: Application) -> None:
    p = filters.ChatType.PRIVATE
    for name, handler in (("phananh", send_reflection), ("phananh_cuatoi", my_reflections),
                          ("phananh_ds", list_reflections), ("phananh_traloi", answer_reflection),
                          ("phananh_chuyen", escalate_reflection), ("phananh_xuly", working_on),
                          ("phananh_luu", file_away), ("phananh_xuhuong", trends),
                          ("phananh_dinhhuong", orient)):
        app.add_handler(CommandHandler(name, handler, filters=p))
    app.add_handler(MessageHandler(p & filters.PHOTO & filters.CaptionRegex(r"^\s*/phananh\b"),
                                   photo_reflection))
    app.add_handler(CallbackQueryHandler(on_kind,
                                         pattern=r"^rk:(du_luan|sai_trai|mo_hinh|kien_nghi)$"))
    app.add_handler(CallbackQueryHandler(on_offer,
                                         pattern=r"^rf:(du_luan|sai_trai|mo_hinh|kien_nghi)$"))
