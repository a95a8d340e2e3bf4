"""Broadcast handlers: /phatdi (guided or quick), ✅ Đã nắm, /phatdi_ds and digests.

The composed draft lives in `user_data` (JSON only: the database keeps it across a restart);
the delivery worker that sends queued broadcasts is started in bot.app.
"""
from __future__ import annotations

import logging
import re
import warnings
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    Application, CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler,
    filters,
)

from bot.context import LoaContext
from bot.db.models import B_RUNNING, B_SCHEDULED
from bot.errors import InvalidInput, NotAllowed
from bot.handlers.common import admin_only, args_text, reply_html
from bot.services.broadcasts import BroadcastStats, Draft
from bot.text import esc, one_line, parse_id, plain, shorten
from bot.texts import broadcast as T
from bot.transport import send_content

log = logging.getLogger(__name__)

# Conversation states of /phatdi.
CONTENT, AUDIENCE, UNITS, WHEN, CONFIRM = range(5)
DRAFT_KEY = "broadcast_draft"


# ---------------------------------------------------------------- markup
def ack_markup(delivery_id: int | str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(T.BTN_ACK,
                                                       callback_data=f"ack:{delivery_id}")]])


def acked_markup(delivery_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(T.BTN_ACKED,
                                                       callback_data=f"ack:{delivery_id}")]])


# ---------------------------------------------------------------- compose: helpers
def _draft(context: LoaContext) -> dict:
    return context.user_data.setdefault(DRAFT_KEY, {"audience": {"all": True}})


def _to_draft(d: dict) -> Draft:
    """The draft kept in user_data (plain JSON: the time is an ISO string) as a Draft."""
    at = d.get("scheduled_at")
    return Draft(kind=d.get("kind", "text"), text=d.get("text", ""),
                 media_file_id=d.get("media_file_id"), source_chat_id=d.get("source_chat_id"),
                 source_message_id=d.get("source_message_id"),
                 audience=dict(d.get("audience") or {"all": True}),
                 scheduled_at=datetime.fromisoformat(at) if at else None)


def _args_html(message: Message) -> str:
    """The HTML of what follows the command word (keeps the admin's bold/italic/links)."""
    text = message.text_html if message.text else ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def _ask_audience(chat) -> int:
    await chat.send_message(T.ASK_AUDIENCE, reply_markup=InlineKeyboardMarkup([
        [InlineKeyboardButton(T.BTN_ALL, callback_data="bca:all")],
        [InlineKeyboardButton(T.BTN_UNITS, callback_data="bca:units")],
        [InlineKeyboardButton(T.BTN_REPORTERS, callback_data="bca:rep")],
    ]))
    return AUDIENCE


async def _ask_time(chat, context: LoaContext) -> int:
    await chat.send_message(
        T.ASK_TIME.format(example=context.loa.broadcasts.example_time()),
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(T.BTN_NOW,
                                                                 callback_data="bct:now")]]))
    return WHEN


def _units_markup(units, chosen: set[int]) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(("☑️ " if u.id in chosen else "⬜ ") + u.name[:50],
                                  callback_data=f"bcu:{u.id}")]
            for u in units]
    rows.append([InlineKeyboardButton(T.BTN_UNITS_DONE, callback_data="bcu:done")])
    return InlineKeyboardMarkup(rows)


async def _preview(update: Update, context: LoaContext) -> int:
    loa = context.loa
    d = _draft(context)
    draft = loa.broadcasts.check_content(_to_draft(d))
    chat = update.effective_chat
    await chat.send_message(T.PREVIEW_INTRO, parse_mode=ParseMode.HTML)
    shown = await loa.run(loa.broadcasts.as_received, context.scope, draft.content)
    await send_content(context.bot, chat.id, shown, ack_markup("preview"))
    count = await loa.run(loa.broadcasts.count_audience, draft.audience, update.effective_user.id,
                          context.scope)
    label = await loa.run(loa.broadcasts.audience_label, draft.audience, context.scope)
    when = loa.broadcasts.local(draft.scheduled_at) if draft.scheduled_at else T.WHEN_NOW
    # Kept so that ✅/❌ can replace the hint with what was done (the buttons go away).
    d["summary"] = T.SUMMARY.format(audience=esc(label), count=count, when=when)
    await chat.send_message(
        d["summary"] + T.SUMMARY_HINT,
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup([[
            InlineKeyboardButton(T.BTN_SEND, callback_data="bcf:send"),
            InlineKeyboardButton(T.BTN_CANCEL, callback_data="bcf:cancel")]]))
    return CONFIRM


# ---------------------------------------------------------------- compose: steps
@admin_only
async def compose_start(update: Update, context: LoaContext) -> int:
    """Start composing (/phatdi), or go straight to the preview with /phatdi <nội dung>."""
    context.user_data.pop(DRAFT_KEY, None)
    text = _args_html(update.effective_message)
    if text:
        context.user_data[DRAFT_KEY] = {"kind": "text", "text": text,
                                        "audience": {"all": True}, "scheduled_at": None}
        return await _preview(update, context)
    _draft(context)
    await update.effective_chat.send_message(T.ASK_CONTENT, parse_mode=ParseMode.HTML)
    return CONTENT


def _set_content(context: LoaContext, **values) -> None:
    d = _draft(context)
    for key in ("kind", "text", "media_file_id", "source_chat_id", "source_message_id"):
        d[key] = values.get(key)
    d["text"] = d["text"] or ""
    context.loa.broadcasts.check_content(_to_draft(d))


@admin_only
async def content_forwarded(update: Update, context: LoaContext) -> int:
    """A forwarded message: every recipient gets a copy of it."""
    msg = update.effective_message
    _set_content(context, kind="copy", source_chat_id=msg.chat_id,
                 source_message_id=msg.message_id)
    return await _ask_audience(update.effective_chat)


@admin_only
async def content_text(update: Update, context: LoaContext) -> int:
    """Typed text (formatting kept)."""
    _set_content(context, kind="text", text=update.effective_message.text_html)
    return await _ask_audience(update.effective_chat)


@admin_only
async def content_photo(update: Update, context: LoaContext) -> int:
    """A photo with an optional caption, re-sent by its file_id."""
    msg = update.effective_message
    _set_content(context, kind="photo", media_file_id=msg.photo[-1].file_id,
                 text=msg.caption_html or "")
    return await _ask_audience(update.effective_chat)


@admin_only
async def content_document(update: Update, context: LoaContext) -> int:
    """A document with an optional caption, re-sent by its file_id."""
    msg = update.effective_message
    _set_content(context, kind="document", media_file_id=msg.document.file_id,
                 text=msg.caption_html or "")
    return await _ask_audience(update.effective_chat)


async def content_other(update: Update, context: LoaContext) -> None:
    """Anything else while waiting for content: say what is accepted."""
    await update.effective_chat.send_message(T.CONTENT_UNSUPPORTED)


@admin_only
async def audience_chosen(update: Update, context: LoaContext) -> int | None:
    """Everyone, reporters, or go on to choose units."""
    q = update.callback_query
    await q.answer()
    choice = q.data.split(":", 1)[1]
    d = _draft(context)
    await q.edit_message_reply_markup(None)
    if choice == "units":
        units = await _choosable_units(context)
        if not units:
            await update.effective_chat.send_message(T.NO_UNITS)
            return await _ask_audience(update.effective_chat)
        d["units"] = []
        await update.effective_chat.send_message(T.ASK_UNITS, parse_mode=ParseMode.HTML,
                                                 reply_markup=_units_markup(units, set()))
        return UNITS
    d["audience"] = {"role": "reporter"} if choice == "rep" else {"all": True}
    return await _ask_time(update.effective_chat, context)


CHOOSABLE_MAX = 95   # Telegram allows 100 buttons under a message; one is "done"


async def _choosable_units(context: LoaContext) -> list:
    """The units a board may pick: the level below its own (a chosen unit brings everything
    under it); a flat list of units as it is."""
    loa = context.loa
    units = await loa.run(loa.members.units, scope=context.scope)
    roots = [u for u in units if u.depth == 0]
    if len(roots) == 1 and any(u.depth == 1 for u in units):
        return [u for u in units if u.depth == 1][:CHOOSABLE_MAX]
    return roots[:CHOOSABLE_MAX]


@admin_only
async def unit_toggled(update: Update, context: LoaContext) -> int:
    """Tick or untick one unit."""
    q = update.callback_query
    d = _draft(context)
    chosen = set(d.get("units") or [])
    unit_id = int(q.data.split(":", 1)[1])
    units = await _choosable_units(context)
    if unit_id not in {u.id for u in units}:
        await q.answer(T.NO_UNITS, show_alert=True)
        return UNITS
    chosen ^= {unit_id}
    d["units"] = sorted(chosen)
    await q.answer()
    await q.edit_message_reply_markup(_units_markup(units, chosen))
    return UNITS


@admin_only
async def units_done(update: Update, context: LoaContext) -> int:
    """Units chosen: go on to the time."""
    q = update.callback_query
    d = _draft(context)
    if not d.get("units"):
        await q.answer(T.UNITS_NONE_CHOSEN, show_alert=True)
        return UNITS
    await q.answer()
    await q.edit_message_reply_markup(None)
    d["audience"] = {"units": list(d["units"])}
    return await _ask_time(update.effective_chat, context)


@admin_only
async def time_now(update: Update, context: LoaContext) -> int:
    """Send as soon as confirmed."""
    q = update.callback_query
    await q.answer()
    await q.edit_message_reply_markup(None)
    _draft(context)["scheduled_at"] = None
    return await _preview(update, context)


@admin_only
async def time_typed(update: Update, context: LoaContext) -> int:
    """A typed DD/MM/YYYY HH:MM in LOA_TIMEZONE (bad or past times are refused)."""
    at = context.loa.broadcasts.parse_time(update.effective_message.text)
    _draft(context)["scheduled_at"] = at.isoformat()
    return await _preview(update, context)


@admin_only
async def confirmed(update: Update, context: LoaContext) -> int:
    """✅ Gửi queues the broadcast (once, even if pressed twice); ❌ Hủy drops it."""
    q = update.callback_query
    d = context.user_data.get(DRAFT_KEY)
    if d is None or d.get("queued"):
        await q.answer(T.SESSION_EXPIRED, show_alert=True)
        return ConversationHandler.END
    if q.data == "bcf:cancel":
        context.user_data.pop(DRAFT_KEY, None)
        await q.answer()
        await _close_summary(q, d, T.SUMMARY_CANCELLED)
        await update.effective_chat.send_message(T.COMPOSE_CANCELLED)
        return ConversationHandler.END
    d["queued"] = True   # set before any await: a second press sees it
    loa = context.loa
    try:
        info = await loa.run(loa.broadcasts.queue, context.scope, _to_draft(d))
    except Exception:
        d["queued"] = False
        raise
    context.user_data.pop(DRAFT_KEY, None)
    await q.answer()
    await _close_summary(q, d, T.SUMMARY_QUEUED.format(id=info.id))
    if d.get("scheduled_at"):
        text = T.QUEUED_LATER.format(id=info.id, count=info.recipients,
                                     when=context.loa.broadcasts.local(info.scheduled_at))
    else:
        text = T.QUEUED_NOW.format(id=info.id, count=info.recipients)
    await update.effective_chat.send_message(text, parse_mode=ParseMode.HTML)
    return ConversationHandler.END


async def _close_summary(q, d: dict, outcome: str) -> None:
    """The summary without its buttons, saying what was done instead of "press ✅ or ❌"."""
    if not d.get("summary"):
        await q.edit_message_reply_markup(None)
        return
    try:
        await q.edit_message_text(d["summary"] + outcome, parse_mode=ParseMode.HTML,
                                  reply_markup=None)
    except BadRequest:  # too old to edit: at least take the buttons away
        try:
            await q.edit_message_reply_markup(None)
        except BadRequest:
            pass


async def compose_cancel(update: Update, context: LoaContext) -> int:
    """/huy: drop the draft."""
    context.user_data.pop(DRAFT_KEY, None)
    await update.effective_chat.send_message(T.COMPOSE_CANCELLED)
    return ConversationHandler.END


async def stale_button(update: Update, context: LoaContext) -> None:
    """A compose button pressed after its conversation ended."""
    await update.callback_query.answer(T.SESSION_EXPIRED, show_alert=True)


# ---------------------------------------------------------------- recipients: ✅ Đã nắm
async def acknowledge(update: Update, context: LoaContext) -> None:
    """Record ✅ Đã nắm for the presser's own delivery and show it was recorded."""
    q = update.callback_query
    ref = (q.data or "").split(":", 1)[-1]
    if ref == "preview":
        await q.answer(T.ACK_PREVIEW, show_alert=True)
        return
    delivery_id = parse_id(ref)
    if delivery_id is None:
        raise NotAllowed(T.ACK_NOT_YOURS)
    message_id = q.message.message_id if q.message else None
    loa = context.loa
    result = await loa.run(loa.broadcasts.ack, update.effective_user.id, delivery_id, message_id)
    await q.answer(T.ACK_ALREADY if result.already else T.ACK_THANKS)
    try:
        await q.edit_message_reply_markup(acked_markup(result.delivery_id))
    except BadRequest:  # already shows it (second press), or the message is too old
        pass


# ---------------------------------------------------------------- follow-up: /phatdi_ds
def _excerpt(html_text: str, limit: int = 90) -> str:
    return esc(shorten(one_line(plain(html_text)), limit))


def render_stats(st: BroadcastStats, broadcasts) -> str:
    b = st.info
    when = broadcasts.local(b.started_at or b.scheduled_at or b.created_at)
    kind = T.KIND.get(b.kind, "")
    audience = esc(st.audience)
    if b.status == B_SCHEDULED:
        return T.ITEM_SCHEDULED.format(id=b.id, when=when, kind=kind,
                                       excerpt=_excerpt(b.text) or "…", audience=audience,
                                       recipients=st.recipients)
    waiting = st.queued + st.sending
    lines = [T.ITEM.format(
        id=b.id, status=T.STATUS.get(b.status, b.status), when=when, kind=kind,
        excerpt=_excerpt(b.text) or "…", audience=audience, recipients=st.recipients,
        sent=st.sent, sent_pct=st.pct(st.sent), failed=st.failed, unreachable=st.unreachable,
        in_doubt=st.in_doubt, queued=T.ITEM_QUEUED.format(n=waiting) if waiting else "",
        acked=st.acked, acked_pct=st.pct(st.acked, st.sent))]
    if st.in_doubt:
        lines.append(T.IN_DOUBT_NOTE.format(n=st.in_doubt))
    r = st.reminders
    if r is not None:
        lines.append(T.REMINDERS.format(count=r.count, when=broadcasts.local(r.last_at),
                                        sent=r.last_sent, recipients=r.last_recipients,
                                        sending=T.REMINDERS_SENDING if r.sending else ""))
    if st.by_unit:
        lines.append(T.PENDING_BY_UNIT)
        for u in st.by_unit:
            names = ", ".join(esc(n) for n in u.names)
            more = "…" if u.pending > len(u.names) else ""
            lines.append(T.PENDING_UNIT.format(unit=esc(u.unit), pending=u.pending,
                                               delivered=u.delivered,
                                               names=f" – {names}{more}" if names else ""))
    return "\n".join(lines)


@admin_only
async def list_broadcasts(update: Update, context: LoaContext) -> None:
    """Recent broadcasts with delivery and acknowledgement figures, and cancel/remind buttons."""
    loa = context.loa
    svc = loa.broadcasts
    items = await loa.run(svc.recent, context.scope, limit=5)
    if not items:
        await update.effective_chat.send_message(T.LIST_EMPTY)
        return
    rows = []
    for st in items:
        row = []
        if st.info.status in (B_SCHEDULED, B_RUNNING):
            row.append(InlineKeyboardButton(T.BTN_LIST_CANCEL.format(id=st.info.id),
                                            callback_data=f"bcl:cancel:{st.info.id}"))
        if st.sent > st.acked:
            row.append(InlineKeyboardButton(T.BTN_LIST_REMIND.format(id=st.info.id),
                                            callback_data=f"bcl:remind:{st.info.id}"))
        if row:
            rows.append(row)
    blocks = [T.LIST_HEADER] + [render_stats(st, svc) for st in items]
    await reply_html(update, blocks, InlineKeyboardMarkup(rows) if rows else None)


@admin_only
async def list_action(update: Update, context: LoaContext) -> None:
    """Cancel a broadcast, or remind those who have not acknowledged it."""
    q = update.callback_query
    m = re.fullmatch(r"bcl:(cancel|remind):([0-9]{1,12})", q.data or "")
    if not m:
        raise InvalidInput(T.NOT_FOUND, id="?")
    action, bid = m.group(1), int(m.group(2))
    loa = context.loa
    if action == "cancel":
        info = await loa.run(loa.broadcasts.cancel, context.scope, bid)
        text = T.CANCELLED.format(id=info.id)
    else:
        info = await loa.run(loa.broadcasts.remind, context.scope, bid)
        text = T.REMIND_QUEUED.format(id=info.id, count=info.recipients, parent=bid)
    await q.answer()
    await update.effective_chat.send_message(text, parse_mode=ParseMode.HTML)


# ---------------------------------------------------------------- digests
@admin_only
async def digest_command(update: Update, context: LoaContext) -> None:
    """/diemchinh_dinhky THỨ HH:MM → choose a document; without arguments list the schedules."""
    loa = context.loa
    svc = loa.broadcasts
    args = args_text(update)
    if not args:
        items = await loa.run(svc.digests, context.scope)
        if not items:
            await reply_html(update, [T.DIGEST_LIST_EMPTY, T.DIGEST_USAGE])
            return
        lines = [T.DIGEST_LIST_HEADER] + [
            T.DIGEST_LINE.format(id=d.id, day=T.WEEKDAY_NAMES[d.weekday], at=d.at_time,
                                 title=esc(d.doc_title)) for d in items]
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(
            T.BTN_DIGEST_REMOVE.format(id=d.id), callback_data=f"dgx:{d.id}")] for d in items])
        await reply_html(update, ["\n".join(lines), T.DIGEST_USAGE], markup)
        return
    weekday, at = svc.parse_digest_args(args)
    docs = await loa.run(svc.documents, context.scope)
    if not docs:
        await update.effective_chat.send_message(T.DIGEST_NO_DOCS)
        return
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(
        (" ".join(p for p in (d.number, d.title) if p))[:60] or d.doc_id,
        callback_data=f"dg:{weekday}:{at.replace(':', '')}:{i}")] for i, d in enumerate(docs[:30])])
    await update.effective_chat.send_message(
        T.DIGEST_CHOOSE_DOC.format(day=T.WEEKDAY_NAMES[weekday], at=at),
        parse_mode=ParseMode.HTML, reply_markup=markup)


@admin_only
async def digest_chosen(update: Update, context: LoaContext) -> None:
    """A document was chosen: store the weekly digest."""
    q = update.callback_query
    m = re.fullmatch(r"dg:([0-6]):([0-9]{4}):([0-9]{1,3})", q.data or "")
    loa = context.loa
    docs = await loa.run(loa.broadcasts.documents, context.scope)
    if not m or int(m.group(3)) >= len(docs):
        raise InvalidInput(T.DIGEST_DOC_GONE)
    weekday, hhmm, doc = int(m.group(1)), m.group(2), docs[int(m.group(3))]
    info = await loa.run(loa.broadcasts.add_digest, context.scope, weekday,
                         f"{hhmm[:2]}:{hhmm[2:]}", doc.doc_id)
    await q.answer()
    await q.edit_message_text(
        T.DIGEST_CREATED.format(title=esc(info.doc_title), day=T.WEEKDAY_NAMES[info.weekday],
                                at=info.at_time, id=info.id), parse_mode=ParseMode.HTML)


@admin_only
async def digest_removed(update: Update, context: LoaContext) -> None:
    """Remove a weekly digest."""
    q = update.callback_query
    m = re.fullmatch(r"dgx:([0-9]{1,12})", q.data or "")
    if not m:
        raise InvalidInput(T.DIGEST_NOT_FOUND, id="?")
    loa = context.loa
    await loa.run(loa.broadcasts.remove_digest, context.scope, int(m.group(1)))
    await q.answer()
    await update.effective_chat.send_message(T.DIGEST_REMOVED.format(id=m.group(1)))


# ---------------------------------------------------------------- wiring
def conversation() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND
    with warnings.catch_warnings():
        # per_message=False is intended: the flow mixes typed messages and buttons.
        warnings.filterwarnings("ignore", message=".*per_message.*")
        return ConversationHandler(
            entry_points=[CommandHandler("phatdi", compose_start)],
            states={
                CONTENT: [MessageHandler(filters.FORWARDED, content_forwarded),
                          MessageHandler(filters.PHOTO, content_photo),
                          MessageHandler(filters.Document.ALL, content_document),
                          MessageHandler(text, content_text),
                          MessageHandler(~filters.COMMAND, content_other)],
                AUDIENCE: [CallbackQueryHandler(audience_chosen, pattern=r"^bca:(all|units|rep)$")],
                UNITS: [CallbackQueryHandler(units_done, pattern=r"^bcu:done$"),
                        CallbackQueryHandler(unit_toggled, pattern=r"^bcu:[0-9]{1,12}$")],
                WHEN: [CallbackQueryHandler(time_now, pattern=r"^bct:now$"),
                       MessageHandler(text, time_typed)],
                CONFIRM: [CallbackQueryHandler(confirmed, pattern=r"^bcf:(send|cancel)$")],
            },
            fallbacks=[CommandHandler("huy", compose_cancel)],
            allow_reentry=True,
            per_user=True,
            per_chat=True,
            conversation_timeout=3600,
            name="broadcast_compose",
            persistent=True,
        )


def register(app: Application) -> None:
    """Add this feature's handlers (the conversation before qa's catch-all text handler)."""
    app.add_handler(conversation())
    app.add_handler(CallbackQueryHandler(acknowledge, pattern=r"^ack:"))
    app.add_handler(CommandHandler("phatdi_ds", list_broadcasts))
    app.add_handler(CallbackQueryHandler(list_action, pattern=r"^bcl:"))
    app.add_handler(CommandHandler("diemchinh_dinhky", digest_command))
    app.add_handler(CallbackQueryHandler(digest_chosen, pattern=r"^dg:"))
    app.add_handler(CallbackQueryHandler(digest_removed, pattern=r"^dgx:"))
    app.add_handler(CallbackQueryHandler(stale_button, pattern=r"^bc[auft]:"))

