"""Questions and answers (sure, related or handed to the board), edits answered again, the board's
hand-off, key points, inline search and knowledge uploads."""
from __future__ import annotations

import hashlib
import logging

from telegram import (
    InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResultArticle, InputTextMessageContent,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application, CallbackQueryHandler, CommandHandler, InlineQueryHandler, MessageHandler, filters,
)

from bot.context import LoaContext
from bot.errors import InvalidInput, NotAllowed
from bot.handlers.common import admin_only, args_text, pack_html, reply_html
from bot.db.models import Q_ANSWERED_BY_DOCS, Q_ANSWERED_BY_FAQ, Q_RELATED
from bot.services.questions import QUERY_CHARS, Q_SMALL_TALK, KeyPointPage, QuestionResult
from bot.text import esc, esc_short, fmt_datetime, one_line, parse_id, shorten
from bot.texts import common as TC
from bot.texts import province as TP
from bot.texts import qa as T
from bot.handlers.reports import offer_free_report
from bot.relay import deliver_answer, escalate, notify_board
from bot.render import (
    faq_blocks, hand_off_text, keypoints_text, notice_body, quote_message, small_talk_text,
)

log = logging.getLogger(__name__)

INLINE_TEXT_CHARS = 3500
RECORD_WAIT = 0.2              # seconds an answer waits to store its question before going out


# ------------------------------------------------------------------ rendering
def answer_markup(question_id: int, with_section: bool, more: bool = False) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(T.BTN_UP, callback_data=f"qa:up:{question_id}"),
             InlineKeyboardButton(T.BTN_DOWN, callback_data=f"qa:down:{question_id}")]]
    if with_section:
        rows.append(passage_buttons(question_id, 0, more))
    return InlineKeyboardMarkup(rows)


def related_markup(question_id: int, can_send: bool = True) -> InlineKeyboardMarkup:
    """"📄 Toàn văn mục" for the related passage and, until it is pressed, "📨 Gửi câu hỏi cho Ban"."""
    rows = [passage_buttons(question_id, 0, False)]
    if can_send:
        rows.append([InlineKeyboardButton(T.BTN_SEND, callback_data=f"qa:ask:{question_id}")])
    return InlineKeyboardMarkup(rows)


def passage_buttons(question_id: int, index: int, more: bool) -> list[InlineKeyboardButton]:
    """"📄 Toàn văn mục" for the passage shown, "Xem thêm" when another passage also answers."""
    section = f"qa:sec:{question_id}" + (f":{index}" if index else "")
    row = [InlineKeyboardButton(T.BTN_SECTION, callback_data=section)]
    if more:
        row.append(InlineKeyboardButton(T.BTN_MORE, callback_data=f"qa:more:{question_id}:{index + 1}"))
    return row


# ------------------------------------------------------------------ asking
async def _ask(update: Update, context: LoaContext, text: str, message_id: int | None = None) -> None:
    """Answer `text`; `message_id`: the asker's message when it is the question itself (typed, not
    a command), so that an edit of it is answered again."""
    loa = context.loa
    user = update.effective_user
    result = await loa.run(loa.questions.ask, user.id, update.effective_chat.id,
                           user.full_name or "", text, message_id)
    # Keep the question before answering when the database lets us at once; when another
    # writer holds it, answer first and keep the question afterwards. An answer needs no
    # write: a database that cannot write (a full disk) never keeps it from going out.
    stored = result.log is None or await _record(loa, result.log, RECORD_WAIT)
    try:
        await _answer(update, context, result)
    finally:
        if not stored:
            await _record(loa, result.log)


async def _record(loa, question_log, wait: float | None = None) -> bool:
    """Store an answered question; False when it must wait (busy) or cannot be written now."""
    try:
        return await loa.run(loa.questions.record, question_log, wait)
    except Exception:  # noqa: BLE001 - the answer goes out all the same
        log.exception("question %s not stored", question_log.id)
        return wait is None


async def _answer(update: Update, context: LoaContext, result: QuestionResult) -> None:
    note = [T.LONG_QUESTION_NOTE.format(chars=QUERY_CHARS)] if result.truncated else []
    if result.status == Q_SMALL_TALK:
        await reply_html(update, small_talk_text(result))
    elif result.status == Q_ANSWERED_BY_DOCS:
        text = quote_message(T.ANSWER_HEADER, result.passages[0], note)
        await reply_html(update, text, answer_markup(result.question_id, True, result.more))
    elif result.status == Q_RELATED:
        # Not sure it answers: shown as related; the member decides whether to ask the board.
        text = quote_message(T.RELATED_HEADER, result.passages[0], [T.RELATED_HINT] + note)
        await reply_html(update, text, related_markup(result.question_id))
    elif result.status == Q_ANSWERED_BY_FAQ:
        faq = result.faq
        await reply_html(update, faq_blocks(faq) + note, answer_markup(result.question_id, False))
    else:
        await _hand_off(update, context, result)


async def _hand_off(update: Update, context: LoaContext, result: QuestionResult,
                    nothing_found: bool = True) -> None:
    """Tell the asker plainly, then notify every admin (a reply to the notice answers it).
    `nothing_found`: say first that the documents hold no answer (not after a related passage)."""
    await reply_html(update, hand_off_text(result, nothing_found))
    body = notice_body(result)
    if body is not None:
        await notify_board(context.bot, context.loa, result.notice, body)


async def ask_command(update: Update, context: LoaContext) -> None:
    """/hoi <câu hỏi>: answer the question (alone: ask for it)."""
    text = args_text(update)
    if not text:
        await ask_button(update, context)
        return
    await _ask(update, context, text)


async def ask_button(update: Update, context: LoaContext) -> None:
    """The "❓ Hỏi đáp" keyboard button: invite the user to type a question."""
    loa = context.loa
    await loa.run(loa.questions.asker, update.effective_user.id, update.effective_chat.id, "")
    await reply_html(update, T.ASK_PROMPT)


async def on_text(update: Update, context: LoaContext) -> None:
    """Plain text is a question — unless an admin is replying to a question notice, or the
    words of a phản ánh whose kind was just chosen are awaited."""
    from bot.handlers.reflections import guided_text
    if await guided_text(update, context):
        return
    msg = update.effective_message
    reply_to = msg.reply_to_message
    if reply_to is not None and reply_to.from_user and reply_to.from_user.id == context.bot.id:
        loa = context.loa
        qid = await loa.run(loa.questions.question_for_notice, update.effective_chat.id,
                            reply_to.message_id, reply_to.text)
        if qid is not None:
            try:
                context.scope = await loa.run(loa.members.scope, update.effective_user.id)
            except NotAllowed:
                context.scope = None
        if qid is not None and context.scope is not None:
            await _deliver(update, context, qid, msg.text)
            return
    if await offer_free_report(update, context, msg.text):
        return   # a report typed as a message is offered as a report, never asked
    if msg.forward_origin is not None or _bare_link(msg.text):
        # Forwarded news, or a link alone, is not the member's question: not asked, not counted;
        # offered as a phản ánh instead (nothing goes to the board unasked).
        from bot.handlers.reflections import offer
        await offer(update, context, T.FORWARDED if msg.forward_origin is not None else "")
        return
    await _ask(update, context, msg.text, msg.message_id)


def _bare_link(text: str | None) -> bool:
    """A message that is a link and little else (a post someone wants the board to see)."""
    import re
    m = re.search(r"https?://\S+", text or "")
    return bool(m) and len((text or "").strip()) - len(m.group(0)) <= 25


async def on_edited(update: Update, context: LoaContext) -> None:
    """An edited question is answered again (editing is how people fix the typo that just failed).

    Only an edit of a message that was taken as a question: not a command, not an admin's reply
    to a notice (already delivered as the answer), not what was typed into a form. Every edited
    message ends here, so no form or command ever sees one."""
    msg = update.edited_message
    chat = update.effective_chat
    if msg is None or not msg.text or msg.text.startswith("/") or chat is None \
            or chat.type != ChatType.PRIVATE or update.effective_user is None:
        return
    loa = context.loa
    if await loa.run(loa.questions.asked_in, update.effective_user.id, chat.id, msg.message_id):
        await _ask(update, context, msg.text, msg.message_id)


async def on_send(update: Update, context: LoaContext) -> None:
    """"📨 Gửi câu hỏi cho Ban" under a related passage: hand the question to the board, once."""
    q = update.callback_query
    user = update.effective_user
    chat_id = update.effective_chat.id if update.effective_chat else user.id
    loa = context.loa
    qid = _qid(q.data)
    result = await loa.run(loa.questions.send_to_board, qid, user.id, chat_id,
                           user.full_name or "")
    await q.answer()
    try:
        await q.edit_message_reply_markup(related_markup(qid, can_send=False))
    except TelegramError:
        pass  # an old message keeps its button; pressing it again only says it was sent
    await _hand_off(update, context, result, nothing_found=False)


# ------------------------------------------------------------------ feedback buttons
def _qid(data: str) -> int:
    return _ids(data)[0]


def _ids(data: str) -> tuple[int, int]:
    """(question id, passage index) from "qa:<action>:<id>[:<index>]"."""
    parts = data.split(":")
    qid = parse_id(parts[2]) if len(parts) > 2 else None
    index = parse_id(parts[3]) if len(parts) > 3 else 0
    if qid is None or index is None:
        raise InvalidInput(T.QUESTION_NOT_YOURS)
    return qid, index


async def on_rate(update: Update, context: LoaContext) -> None:
    """👍 / 👎 on an answer: stored on the asker's own question only."""
    q = update.callback_query
    up = q.data.startswith("qa:up:")
    loa = context.loa
    await loa.run(loa.questions.rate, update.effective_user.id, _qid(q.data), 1 if up else -1)
    await q.answer(T.RATED_UP if up else T.RATED_DOWN)


async def on_section(update: Update, context: LoaContext) -> None:
    """"📄 Toàn văn mục": send the whole section the answer was quoted from."""
    q = update.callback_query
    shown = getattr(q.message, "text", None)  # None when the message is too old to read
    loa = context.loa
    qid, index = _ids(q.data)
    sec = await loa.run(loa.questions.section_of, update.effective_user.id, qid, shown, index)
    await q.answer()
    owner = TP.OWNER.format(unit=esc_short(sec.owner, 120)) if sec.owner else ""
    blocks = [T.SECTION_HEADER.format(document=esc(sec.document) + owner, section=esc(sec.section))]
    blocks += [esc(line) for line in sec.text.splitlines() if line.strip()]
    await reply_html(update, blocks)


async def on_more(update: Update, context: LoaContext) -> None:
    """"Xem thêm": the next passage that also answers, with its own "📄 Toàn văn mục"."""
    q = update.callback_query
    qid, index = _ids(q.data)
    loa = context.loa
    more = await loa.run(loa.questions.more, update.effective_user.id, qid, index)
    await q.answer()
    text = quote_message(T.MORE_HEADER, more.passage)
    await reply_html(update, text, InlineKeyboardMarkup([passage_buttons(qid, index, more.more)]))


# ------------------------------------------------------------------ the board answers
async def _deliver(update: Update, context: LoaContext, question_id: int, text: str) -> None:
    confirm, _ = await deliver_answer(context.bot, context.loa, context.scope, question_id, text,
                                   update.effective_chat.id,
                                   update.effective_user.full_name or "Ban Tuyên giáo")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(
        T.BTN_SAVE_FAQ, callback_data=f"qa:faq:{question_id}")]])
    await update.effective_chat.send_message(confirm, parse_mode=ParseMode.HTML,
                                             reply_markup=markup)


@admin_only
async def answer_command(update: Update, context: LoaContext) -> None:
    """/traloi <số> <nội dung>: answer an open question and deliver it to the asker."""
    parts = args_text(update).split(maxsplit=1)
    qid = parse_id(parts[0]) if parts else None
    if len(parts) < 2 or qid is None:
        raise InvalidInput(T.ANSWER_USAGE)
    await _deliver(update, context, qid, parts[1])


@admin_only
async def open_questions(update: Update, context: LoaContext) -> None:
    """/cauhoi: the questions waiting for the board."""
    loa = context.loa
    items, total = await loa.run(loa.questions.open_questions, context.scope)
    if not items:
        await reply_html(update, T.OPEN_EMPTY)
        return
    tz = loa.settings.tz
    blocks = [T.OPEN_HEADER.format(count=total)]
    blocks += [T.OPEN_LINE.format(id=q.id, date=fmt_datetime(q.asked_at, tz),
                                  name=esc(q.asker_name), unit=esc(q.unit_name or T.NOTICE_NO_UNIT),
                                  question=esc_short(q.text, 300))
               + (TP.OPEN_AT_BOARD.format(board=esc(q.board)) if q.board else "")
               + (T.OPEN_HELD if q.held else "")
               for q in items]
    if total > len(items):
        blocks.append(T.OPEN_MORE.format(more=total - len(items)))
    blocks.append(T.OPEN_FOOTER)
    await reply_html(update, blocks)


@admin_only
async def on_save_faq(update: Update, context: LoaContext) -> None:
    """"💾 Lưu vào hỏi đáp": keep the board's answer for similar questions."""
    q = update.callback_query
    loa = context.loa
    faq_id, created = await loa.run(loa.questions.save_faq, context.scope, _qid(q.data))
    await q.answer(T.FAQ_SAVED_SHORT)
    try:
        await q.edit_message_reply_markup(None)
    except TelegramError:
        pass  # the button stays; pressing it again is harmless
    await reply_html(update, (T.FAQ_SAVED if created else T.FAQ_ALREADY).format(id=faq_id))


@admin_only
async def on_escalate(update: Update, context: LoaContext) -> None:
    """"⬆️ Chuyển lên cấp trên": hand the question to the next board up and tell it."""
    q = update.callback_query
    esc_ = await escalate(context.bot, context.loa, context.scope, _qid(q.data))
    await q.answer()
    try:
        await q.edit_message_reply_markup(None)
    except TelegramError:
        pass
    await reply_html(update, TP.ESCALATED.format(id=esc_.question_id, board=esc(esc_.board)))


# ------------------------------------------------------------------ key points
async def documents_markup(context: LoaContext, user_id: int | None = None
                           ) -> InlineKeyboardMarkup | None:
    loa = context.loa
    docs = await loa.run(loa.questions.documents, user_id)
    if not docs:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(shorten(d.label, 60),
                                                       callback_data=f"kp:{d.key}:1")]
                                 for d in docs])


def keypoints_markup(page: KeyPointPage) -> InlineKeyboardMarkup:
    nav = []
    if page.page > 1:
        nav.append(InlineKeyboardButton(T.BTN_PREV, callback_data=f"kp:{page.key}:{page.page - 1}"))
    if page.page < page.pages:
        nav.append(InlineKeyboardButton(T.BTN_NEXT, callback_data=f"kp:{page.key}:{page.page + 1}"))
    rows = [nav] if nav else []
    rows.append([InlineKeyboardButton(T.BTN_DOCS, callback_data="kp:list")])
    return InlineKeyboardMarkup(rows)


async def keypoints_command(update: Update, context: LoaContext) -> None:
    """/diemchinh: choose a document to read its key points."""
    user = update.effective_user
    loa = context.loa
    await loa.run(loa.questions.asker, user.id, update.effective_chat.id, user.full_name or "")
    markup = await documents_markup(context, user.id)
    if markup is None:
        await reply_html(update, T.KP_EMPTY)
        return
    await reply_html(update, T.KP_CHOOSE, markup)


async def on_keypoints(update: Update, context: LoaContext) -> None:
    """Open a document's outline, or turn its pages (editing the same message)."""
    q = update.callback_query
    user = update.effective_user
    loa = context.loa
    await loa.run(loa.questions.asker, user.id, update.effective_chat.id, user.full_name or "")
    if q.data == "kp:list":
        text, markup = T.KP_CHOOSE, await documents_markup(context, user.id)
        if markup is None:
            text = T.KP_EMPTY
    else:
        _, key, page = q.data.split(":")
        kp = await loa.run(loa.questions.keypoints_page, key, int(page), user.id)
        text, markup = keypoints_text(kp), keypoints_markup(kp)
    await q.answer()
    text = pack_html([text])[0]
    try:
        await q.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup,
                                  disable_web_page_preview=True)
    except BadRequest as e:
        if "not modified" not in str(e).lower():
            raise


# ------------------------------------------------------------------ inline mode
def _article(key: str, title: str, description: str, html_text: str) -> InlineQueryResultArticle:
    rid = hashlib.sha1(key.encode()).hexdigest()[:32]
    return InlineQueryResultArticle(
        id=rid, title=shorten(title, 100), description=shorten(description, 150),
        input_message_content=InputTextMessageContent(
            html_text, parse_mode=ParseMode.HTML, link_preview_options=None))


async def on_inline(update: Update, context: LoaContext) -> None:
    """@bot <câu hỏi> in any chat: the best passages as shareable quotes.

    Inline queries come from anyone who knows the bot's name: registered members (or anyone
    when LOA_OPEN_QA is on) get passages; others get one article explaining how to join.
    """
    iq = update.inline_query
    loa = context.loa
    bot_name = context.bot.username or loa.settings.bot_username
    board = await loa.run(loa.members.serving_board, iq.from_user.id)
    if not await loa.run(loa.questions.can_ask, iq.from_user.id):
        results = [_article("join", T.INLINE_JOIN_TITLE, T.INLINE_JOIN_DESC.format(board=board),
                            T.INLINE_JOIN_TEXT.format(board=esc(board)))]
        await iq.answer(results, cache_time=60, is_personal=True)
        return
    query = (iq.query or "").strip()
    if not query:
        results = [_article("help", T.INLINE_HELP_TITLE, T.INLINE_HELP_DESC.format(bot=bot_name),
                            T.INLINE_HELP_TEXT.format(bot=esc(bot_name), board=esc(board)))]
        await iq.answer(results, cache_time=30, is_personal=True)
        return
    passages = await loa.run(loa.questions.passages, query, 5, iq.from_user.id)
    if not passages:
        results = [_article("none:" + query, T.INLINE_NONE_TITLE,
                            T.INLINE_NONE_DESC.format(board=board),
                            T.INLINE_NONE_TEXT.format(query=esc_short(query, 300)))]
    else:
        results = []
        for p in passages:
            quote = esc_short(p.text, INLINE_TEXT_CHARS - 400)
            body = T.PASSAGE.format(section=esc(shorten(p.section, 200)), text=quote,
                                    citation=esc(shorten(T.CITATION.format(
                                        document=p.document, section=p.section), 200))
                                    + (TP.OWNER.format(unit=esc_short(p.owner, 120))
                                       if p.owner else ""))
            results.append(_article(p.chunk_id, p.section, one_line(p.text), body))
    await iq.answer(results, cache_time=10, is_personal=True)


# ------------------------------------------------------------------ knowledge uploads
async def on_document(update: Update, context: LoaContext) -> None:
    """A file sent by the board: save it into the knowledge folder and re-index at once."""
    loa = context.loa
    user = update.effective_user
    doc = update.effective_message.document
    try:
        scope = await loa.run(loa.members.scope, user.id)
    except NotAllowed:
        await reply_html(update, T.UPLOAD_NOT_ADMIN)
        return
    name = await loa.run(loa.knowledge.check, scope, doc.file_name, doc.file_size)
    await reply_html(update, T.UPLOAD_RECEIVED.format(name=esc(name)))
    tg_file = await doc.get_file()
    data = bytes(await tg_file.download_as_bytearray())
    r = await loa.run(loa.knowledge.install, scope, name, data)
    await reply_html(update, T.UPLOAD_DONE.format(
        action=T.UPLOAD_ACTION_REPLACED if r.replaced else T.UPLOAD_ACTION_NEW,
        name=esc(r.file_name), kind=esc(r.doc_type or T.UPLOAD_KIND_UNKNOWN),
        number=T.UPLOAD_NUMBER.format(number=esc(r.number)) if r.number else "",
        title=esc(shorten(r.title, 300)) if r.title else T.UPLOAD_NO_TITLE,
        chunks=r.chunks, documents=r.documents, total_chunks=r.total_chunks))


def register_edits(app: Application) -> None:
    """Edited messages: registered before every feature, so they reach `on_edited` and nothing else."""
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, on_edited))


def register(app: Application) -> None:
    """Add this feature's handlers (the catch-all question handler goes last)."""
    p = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("hoi", ask_command, filters=p))
    app.add_handler(CommandHandler("diemchinh", keypoints_command, filters=p))
    app.add_handler(CommandHandler("cauhoi", open_questions, filters=p))
    app.add_handler(CommandHandler("traloi", answer_command, filters=p))
    app.add_handler(MessageHandler(p & filters.Text([TC.BTN_ASK]), ask_button))
    app.add_handler(MessageHandler(p & filters.Text([TC.BTN_KEYPOINTS]), keypoints_command))
    app.add_handler(CallbackQueryHandler(on_rate, pattern=r"^qa:(up|down):[0-9]{1,12}$"))
    app.add_handler(CallbackQueryHandler(on_section, pattern=r"^qa:sec:[0-9]{1,12}(:[0-9]{1,2})?$"))
    app.add_handler(CallbackQueryHandler(on_more, pattern=r"^qa:more:[0-9]{1,12}:[0-9]{1,2}$"))
    app.add_handler(CallbackQueryHandler(on_save_faq, pattern=r"^qa:faq:[0-9]{1,12}$"))
    app.add_handler(CallbackQueryHandler(on_escalate, pattern=r"^qa:esc:[0-9]{1,12}$"))
    app.add_handler(CallbackQueryHandler(on_send, pattern=r"^qa:ask:[0-9]{1,12}$"))
    app.add_handler(CallbackQueryHandler(on_keypoints, pattern=r"^kp:(list|[0-9a-f]{10}:[0-9]{1,4})$"))
    app.add_handler(InlineQueryHandler(on_inline))
    app.add_handler(MessageHandler(p & filters.Document.ALL, on_document))
    # Buttons of other features are theirs even if their handler is missing or declines them.
    app.add_handler(MessageHandler(
        p & filters.TEXT & ~filters.COMMAND & ~filters.Text([TC.BTN_REPORT, TC.BTN_HELP]), on_text))
