"""Activity reports in chat: quick line and guided entry, ✅ confirmation, own reports, board views.

What a user typed so far in the guided entry lives in `user_data` (JSON only: the database
keeps it, and the step they are at, across a restart)."""
from __future__ import annotations

import logging
import re
import warnings
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application, CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler,
    TypeHandler, filters,
)
from telegram.warnings import PTBUserWarning

from bot.context import LoaContext
from bot.handlers.common import admin_only, args_text, reply_html
from bot.services import charts, exports, periodic
from bot.services.reports import (
    CONFIRM_ALREADY, CONFIRM_CANCELLED, CONFIRM_DUPLICATE, CONFIRM_LARGE, MAX_PHOTOS,
    PLAUSIBLE_PARTICIPANTS, FieldError, ParsedReport,
    check_content, check_note, match_form, parse_date, parse_participants, quick_line,
)
from bot.text import esc, esc_short, fmt_date
from bot.texts import common as TC
from bot.texts import periodic as TP
from bot.texts import reports as T
from bot.render import duplicate_warning, own_report_line, preview_text
from bot.render import report_block as render

log = logging.getLogger(__name__)

# Conversation states (guided entry and editing).
DATE, FORM, CONTENT, PARTICIPANTS, NOTE, PHOTOS, EDIT = range(7)
GUIDED_TIMEOUT = 30 * 60

_REPORT_CB = re.compile(r"^rep:(ok|force|no|del|delok|keep):([0-9]{1,12})$")
_FORM_CB = re.compile(r"^rg:form:([0-9]{1,3})$")
_DRAFT_KEY = "report_draft"
_EDIT_KEY = "report_edit"


# ---------------------------------------------------------------- rendering
def confirm_markup(draft_id: int, anyway: bool = False) -> InlineKeyboardMarkup:
    save = InlineKeyboardButton(T.BTN_SAVE_ANYWAY if anyway else T.BTN_SAVE,
                                callback_data=f"rep:{'force' if anyway else 'ok'}:{draft_id}")
    return InlineKeyboardMarkup([[save, InlineKeyboardButton(T.BTN_CANCEL,
                                                             callback_data=f"rep:no:{draft_id}")]])


async def send_preview(update: Update, draft, lead: str = "") -> None:
    await reply_html(update, preview_text(draft, lead) + T.PREVIEW_FOOTER,
                     reply_markup=confirm_markup(draft.id))


# ---------------------------------------------------------------- entry
def _is_command(update: Update) -> bool:
    return (update.effective_message.text or "").startswith("/")


async def report_entry(update: Update, context: LoaContext) -> int:
    """Start a report: a quick line drafts at once, /baocao alone starts the guided steps."""
    loa = context.loa
    user_id = update.effective_user.id
    context.user_data.pop(_EDIT_KEY, None)
    if _is_command(update) and args_text(update):
        draft = await loa.run(loa.reports.draft_quick, user_id, update.effective_message.text)
        await send_preview(update, draft)
        return ConversationHandler.END
    await loa.run(loa.reports.reporter, user_id)
    context.user_data[_DRAFT_KEY] = {"photos": []}
    today = loa.reports.today()
    await update.effective_chat.send_message(
        T.ASK_DATE.format(today=fmt_date(today)), parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(T.BTN_TODAY,
                                                                 callback_data="rg:today")]]))
    return DATE


def _draft(context: LoaContext) -> dict:
    return context.user_data.setdefault(_DRAFT_KEY, {"photos": []})


async def _refuse(update: Update, error: FieldError) -> None:
    await update.effective_chat.send_message(error.message, parse_mode=ParseMode.HTML)


async def _picked(update: Update, text: str) -> None:
    """Acknowledge a button press by replacing the prompt's buttons with the choice."""
    q = update.callback_query
    try:
        await q.edit_message_text(text, parse_mode=ParseMode.HTML)
    except BadRequest:
        pass
    await q.answer()


async def ask_form(update: Update, context: LoaContext) -> int:
    forms = context.loa.settings.report_forms
    buttons = [[InlineKeyboardButton(f, callback_data=f"rg:form:{i}")] for i, f in enumerate(forms)]
    await update.effective_chat.send_message(T.ASK_FORM, parse_mode=ParseMode.HTML,
                                             reply_markup=InlineKeyboardMarkup(buttons))
    return FORM


async def date_today(update: Update, context: LoaContext) -> int:
    """Step 1 by button: the activity took place today."""
    d = context.loa.reports.today()
    _draft(context)["date"] = d.isoformat()
    await _picked(update, T.DATE_PICKED.format(date=fmt_date(d)))
    return await ask_form(update, context)


async def date_typed(update: Update, context: LoaContext) -> int | None:
    """Step 1 by text: a typed date, validated like the quick line."""
    d = parse_date(update.effective_message.text, context.loa.reports.rules())
    if isinstance(d, FieldError):
        await _refuse(update, d)
        return None
    _draft(context)["date"] = d.isoformat()
    return await ask_form(update, context)


async def _after_form(update: Update, context: LoaContext, form: str) -> int:
    _draft(context)["form"] = form
    await update.effective_chat.send_message(T.ASK_CONTENT, parse_mode=ParseMode.HTML)
    return CONTENT


async def form_button(update: Update, context: LoaContext) -> int | None:
    """Step 2 by button (the index is checked: callback data may be forged)."""
    forms = context.loa.settings.report_forms
    i = int(_FORM_CB.match(update.callback_query.data).group(1))
    if i >= len(forms):
        await update.callback_query.answer(T.BAD_BUTTON, show_alert=True)
        return None
    await _picked(update, T.FORM_PICKED.format(form=esc(forms[i])))
    return await _after_form(update, context, forms[i])


async def form_typed(update: Update, context: LoaContext) -> int | None:
    """Step 2 by text: matched like the quick line (diacritics and case ignored)."""
    form = match_form(update.effective_message.text, context.loa.settings.report_forms)
    if isinstance(form, FieldError):
        await _refuse(update, form)
        return None
    return await _after_form(update, context, form)


async def content_typed(update: Update, context: LoaContext) -> int | None:
    """Step 3: what was done."""
    content = check_content(update.effective_message.text, context.loa.reports.rules())
    if isinstance(content, FieldError):
        await _refuse(update, content)
        return None
    _draft(context)["content"] = content
    await update.effective_chat.send_message(T.ASK_PARTICIPANTS, parse_mode=ParseMode.HTML)
    return PARTICIPANTS


async def participants_typed(update: Update, context: LoaContext) -> int | None:
    """Step 4: how many people took part."""
    n = parse_participants(update.effective_message.text)
    if isinstance(n, FieldError):
        await _refuse(update, n)
        return None
    _draft(context)["participants"] = n
    await update.effective_chat.send_message(
        T.ASK_NOTE, parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(T.BTN_SKIP,
                                                                 callback_data="rg:skip")]]))
    return NOTE


async def _ask_photos(update: Update) -> int:
    await update.effective_chat.send_message(
        T.ASK_PHOTOS.format(limit=MAX_PHOTOS), parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(T.BTN_DONE,
                                                                 callback_data="rg:done")]]))
    return PHOTOS


async def note_typed(update: Update, context: LoaContext) -> int | None:
    """Step 5 by text: an optional note."""
    note = check_note(update.effective_message.text, context.loa.reports.rules())
    if isinstance(note, FieldError):
        await _refuse(update, note)
        return None
    _draft(context)["note"] = note
    return await _ask_photos(update)


async def note_skip(update: Update, context: LoaContext) -> int:
    """Step 5 by button: no note."""
    _draft(context)["note"] = None
    await _picked(update, T.ASK_NOTE.split(" – ")[0] + " – " + T.BTN_SKIP)
    return await _ask_photos(update)


async def photo_added(update: Update, context: LoaContext) -> int | None:
    """Step 6: keep the largest size of each photo by its Telegram file id."""
    photos = _draft(context).setdefault("photos", [])
    if len(photos) >= MAX_PHOTOS:
        await update.effective_chat.send_message(T.PHOTO_LIMIT.format(limit=MAX_PHOTOS))
        return None
    photos.append(update.effective_message.photo[-1].file_id)
    await update.effective_chat.send_message(T.PHOTO_ADDED.format(count=len(photos)))
    return None


async def photos_done(update: Update, context: LoaContext) -> int:
    """End of the steps: store the draft and show the same confirmation as the quick line."""
    if update.callback_query:
        await _picked(update, T.BTN_DONE)
    d = context.user_data.pop(_DRAFT_KEY, None) or {}
    try:
        report = ParsedReport(date.fromisoformat(d["date"]), d["form"], d["content"],
                              int(d["participants"]), d.get("note"), tuple(d.get("photos") or ()))
    except (KeyError, TypeError, ValueError):
        await update.effective_chat.send_message(T.GUIDED_EXPIRED)
        return ConversationHandler.END
    loa = context.loa
    draft = await loa.run(loa.reports.create_draft, update.effective_user.id, report)
    await send_preview(update, draft)
    return ConversationHandler.END


async def photos_text(update: Update, context: LoaContext) -> int | None:
    """Typed "xong" ends step 6 like the button."""
    if (update.effective_message.text or "").strip().lower() in {"xong", "xong.", "done"}:
        return await photos_done(update, context)
    await update.effective_chat.send_message(T.ASK_PHOTOS.format(limit=MAX_PHOTOS),
                                             parse_mode=ParseMode.HTML)
    return None


async def cancel(update: Update, context: LoaContext) -> int:
    """/huy: leave the guided entry or the edit without saving anything."""
    editing = context.user_data.pop(_EDIT_KEY, None)
    context.user_data.pop(_DRAFT_KEY, None)
    await update.effective_chat.send_message(T.EDIT_CANCELLED if editing else T.GUIDED_CANCELLED)
    return ConversationHandler.END


async def timed_out(update: Update, context: LoaContext) -> None:
    """The guided entry was left idle: forget it and say so."""
    context.user_data.pop(_DRAFT_KEY, None)
    context.user_data.pop(_EDIT_KEY, None)
    if update and update.effective_chat:
        try:
            await update.effective_chat.send_message(T.GUIDED_EXPIRED)
        except TelegramError:
            pass


async def stale_step_button(update: Update, context: LoaContext) -> None:
    """A guided-entry button pressed outside the conversation (old message, restart)."""
    await update.callback_query.answer(T.GUIDED_EXPIRED, show_alert=True)


# ---------------------------------------------------------------- confirmation buttons
async def _edit_or_send(update: Update, text: str, markup=None) -> None:
    try:
        await update.callback_query.edit_message_text(text, parse_mode=ParseMode.HTML,
                                                      reply_markup=markup)
    except BadRequest:
        await update.effective_chat.send_message(text, parse_mode=ParseMode.HTML,
                                                 reply_markup=markup)


async def report_button(update: Update, context: LoaContext) -> None:
    """✅ / ❌ / delete buttons; the ids in callback data are re-checked against the presser."""
    q = update.callback_query
    m = _REPORT_CB.match(q.data or "")
    if not m:
        await q.answer(T.BAD_BUTTON, show_alert=True)
        return
    action, obj_id = m.group(1), int(m.group(2))
    loa = context.loa
    reports = loa.reports
    user_id = update.effective_user.id
    if action in ("ok", "force"):
        result = await loa.run(reports.confirm, user_id, obj_id, force=action == "force")
        if result.status == CONFIRM_ALREADY:
            await q.answer(T.ALREADY_SAVED.format(id=result.report.id if result.report else "?"),
                           show_alert=True)
        elif result.status == CONFIRM_CANCELLED:
            await q.answer(T.ALREADY_CANCELLED, show_alert=True)
        elif result.status == CONFIRM_DUPLICATE:
            await _edit_or_send(update, duplicate_warning(result.duplicate),
                                confirm_markup(obj_id, anyway=True))
            await q.answer()
        elif result.status == CONFIRM_LARGE:
            await _edit_or_send(update, T.LARGE_WARNING.format(limit=PLAUSIBLE_PARTICIPANTS),
                                confirm_markup(obj_id, anyway=True))
            await q.answer()
        else:
            r = result.report
            await _edit_or_send(update, T.SAVED.format(id=r.id, block=render(r.parsed,
                                                                              r.unit_name)))
            await q.answer("✅")
    elif action == "no":
        result = await loa.run(reports.cancel, user_id, obj_id)
        if result.status == CONFIRM_ALREADY:
            await q.answer(T.ALREADY_SAVED.format(id=result.report.id if result.report else "?"),
                           show_alert=True)
            return
        await _edit_or_send(update, T.CANCELLED)
        await q.answer()
    elif action == "del":
        r = await loa.run(reports.editable, user_id, obj_id)
        markup = InlineKeyboardMarkup([[
            InlineKeyboardButton(T.BTN_DELETE_YES, callback_data=f"rep:delok:{r.id}"),
            InlineKeyboardButton(T.BTN_DELETE_NO, callback_data=f"rep:keep:{r.id}")]])
        await reply_html(update, T.DELETE_CONFIRM.format(id=r.id, block=render(r.parsed,
                                                                                r.unit_name)),
                         reply_markup=markup)
        await q.answer()
    elif action == "delok":
        r = await loa.run(reports.delete, user_id, obj_id)
        await _edit_or_send(update, T.DELETED.format(id=r.id))
        await q.answer()
    else:  # keep
        await _edit_or_send(update, T.DELETE_KEPT)
        await q.answer()


async def offer_free_report(update: Update, context: LoaContext, text: str,
                            photos: tuple[str, ...] = ()) -> bool:
    """A message (or a photo's caption) that reads like a report: show it as one, with ✅/❌ to
    save it, instead of taking it for a question. False when it does not read like a report."""
    loa = context.loa
    draft = await loa.run(loa.reports.draft_free_text, update.effective_user.id, text, photos)
    if draft is None:
        return False
    await send_preview(update, draft, T.FREE_REPORT_LEAD)
    return True


async def photo_report(update: Update, context: LoaContext) -> None:
    """A photo with a caption outside the guided steps: a report with its photo, if the caption
    reads like one; otherwise the usual word about what Loa reads."""
    msg = update.effective_message
    if msg.caption and await offer_free_report(update, context, msg.caption,
                                               (msg.photo[-1].file_id,)):
        return
    await update.effective_chat.send_message(T.PHOTO_WITHOUT_REPORT)


# ---------------------------------------------------------------- own reports
async def my_reports(update: Update, context: LoaContext) -> None:
    """/baocao_cua_toi: the unit's recent reports, with edit/delete for the reporter's own."""
    loa = context.loa
    own = await loa.run(loa.reports.recent, update.effective_user.id)
    if not own.items:
        await reply_html(update, T.MY_EMPTY.format(unit=esc(own.unit_name)))
        return
    blocks = [T.MY_HEADER.format(unit=esc(own.unit_name), count=len(own.items))]
    rows = []
    for r, editable in own.items:
        blocks.append(own_report_line(r))
        if editable:
            rows.append([InlineKeyboardButton(T.BTN_EDIT.format(id=r.id),
                                              callback_data=f"rep:edit:{r.id}"),
                         InlineKeyboardButton(T.BTN_DELETE.format(id=r.id),
                                              callback_data=f"rep:del:{r.id}")])
    if rows:
        blocks.append(T.MY_FOOTER.format(hours=own.edit_hours))
    await reply_html(update, blocks, reply_markup=InlineKeyboardMarkup(rows) if rows else None)


async def edit_start(update: Update, context: LoaContext) -> int | None:
    """✏️ pressed: check the window now, then wait for the replacement line."""
    q = update.callback_query
    report_id = int(q.data.rsplit(":", 1)[1])
    loa = context.loa
    r = await loa.run(loa.reports.editable, update.effective_user.id, report_id)
    context.user_data.pop(_DRAFT_KEY, None)
    context.user_data[_EDIT_KEY] = r.id
    await update.effective_chat.send_message(
        T.EDIT_PROMPT.format(id=r.id,
                             line=esc_short(quick_line(r.parsed, command=False), 3000)),
        parse_mode=ParseMode.HTML)
    await q.answer()
    return EDIT


async def edit_typed(update: Update, context: LoaContext) -> int:
    """The replacement line: validated like a new report, audited, window re-checked."""
    report_id = context.user_data.get(_EDIT_KEY)
    if report_id is None:
        return ConversationHandler.END
    loa = context.loa
    r = await loa.run(loa.reports.edit, update.effective_user.id, report_id,
                      update.effective_message.text)
    context.user_data.pop(_EDIT_KEY, None)
    await reply_html(update, T.EDITED.format(id=r.id, block=render(r.parsed, r.unit_name)))
    return ConversationHandler.END


# ---------------------------------------------------------------- board
FORMS_PER_ROW_UP_TO = 12   # rows; beyond that each row is one line
LINES_PER_BLOCK = 25
SILENT_SHOWN = 40   # silent units listed by name; the rest are counted (drill down to see them)


def _relative(path: str, viewed) -> str:
    """A unit's path below the viewed unit (the province need not read its own name 40 times)."""
    if viewed and path.startswith(viewed.path + " › "):
        return path[len(viewed.path) + 3:]
    return path


def _summary_blocks(summary) -> list[str]:
    p = summary.period
    head = T.SUMMARY_HEADER.format(label=p.label, start=fmt_date(p.start), end=fmt_date(p.end))
    if summary.unit:
        head += "\n" + T.SUMMARY_OF.format(path=esc(summary.unit.path))
    blocks = [head]
    if not summary.count:
        blocks.append(T.SUMMARY_EMPTY)
    # One line per unit when there are many (a province's hundred communes), several lines to
    # a block; the forms of each are one drill-down away.
    with_forms = len(summary.units) <= FORMS_PER_ROW_UP_TO
    compact: list[str] = []
    for u in summary.units:
        if not u.count and u.units_in_subtree <= 1:
            continue    # a single silent unit is named in the "not reported" list below
        name = T.SUMMARY_OWN.format(unit=esc(u.name)) if u.own else esc(u.name)
        line = T.SUMMARY_UNIT.format(unit=name, count=u.count, participants=u.participants)
        if u.units_in_subtree > 1:
            line += T.SUMMARY_UNIT_SHARE.format(reported=u.units_reported,
                                                total=u.units_in_subtree)
        if not with_forms:
            compact.append(line)
            continue
        lines = [line]
        for form, ft in sorted(u.by_form.items(), key=lambda kv: -kv[1].count):
            lines.append(T.SUMMARY_FORM.format(form=esc(form), count=ft.count,
                                               participants=ft.participants))
        blocks.append("\n".join(lines))
    for i in range(0, len(compact), LINES_PER_BLOCK):
        blocks.append("\n".join(compact[i:i + LINES_PER_BLOCK]))
    if summary.count:
        lines = [T.SUMMARY_TOTAL.format(count=summary.count, participants=summary.participants,
                                        units=summary.units_reported),
                 T.SUMMARY_SHARE.format(reported=summary.units_reported,
                                        total=summary.units_total,
                                        percent=round(100 * summary.share)),
                 T.SUMMARY_BY_FORM]
        for form, ft in summary.by_form.items():
            if ft.count:
                lines.append(T.SUMMARY_FORM.format(form=esc(form), count=ft.count,
                                                   participants=ft.participants))
        blocks.append("\n".join(lines))
    silent = summary.silent
    if silent:
        names = ", ".join(esc(_relative(u.path, summary.unit)) for u in silent[:SILENT_SHOWN])
        if len(silent) > SILENT_SHOWN:
            names += T.SUMMARY_MISSING_MORE.format(count=len(silent) - SILENT_SHOWN)
        blocks.append(T.SUMMARY_MISSING.format(count=len(silent), units=names))
    elif summary.units_total:
        blocks.append(T.SUMMARY_ALL_REPORTED)
    return blocks


@admin_only
async def summary(update: Update, context: LoaContext) -> None:
    """/tonghop [unit] [period]: the admin's subtree by the next level down, with totals."""
    loa = context.loa
    s = await loa.run(loa.reports.board_summary, update.effective_user.id, args_text(update))
    await reply_html(update, _summary_blocks(s))


@admin_only
async def export(update: Update, context: LoaContext) -> None:
    """/xuatbaocao [unit] [period]: the subtree's reports as .xlsx and .csv documents."""
    loa = context.loa
    period, unit, items = await loa.run(loa.reports.board_reports, update.effective_user.id,
                                        args_text(update))
    if not items:
        await reply_html(update, T.EXPORT_EMPTY.format(label=period.label))
        return
    tz = loa.settings.tz
    xlsx = await loa.run(exports.to_xlsx, items, tz, period.label)
    csv_bytes = await loa.run(exports.to_csv, items, tz)
    caption = T.EXPORT_CAPTION.format(label=period.label, count=len(items))
    if unit:
        caption += " " + T.EXPORT_OF.format(unit=unit.name)
    stem = f"bao-cao-{period.key}" + (f"-{unit.unit_id}" if unit else "")
    chat = update.effective_chat
    await chat.send_document(InputFile(xlsx, filename=f"{stem}.xlsx"), caption=caption)
    await chat.send_document(InputFile(csv_bytes, filename=f"{stem}.csv"), caption=caption)


@admin_only
async def chart(update: Update, context: LoaContext) -> None:
    """/bieudo [unit] [period]: a PNG chart of activities and participants per child unit."""
    loa = context.loa
    s = await loa.run(loa.reports.board_summary, update.effective_user.id, args_text(update))
    if not s.units:
        await reply_html(update, T.SUMMARY_EMPTY)
        return
    png = await loa.run(charts.activity_chart, s)
    caption = T.CHART_CAPTION.format(label=s.period.label)
    if s.unit:
        caption += " " + T.EXPORT_OF.format(unit=s.unit.name)
    await update.effective_chat.send_photo(
        InputFile(png, filename=f"bieu-do-{s.period.key}.png"), caption=caption)


@admin_only
async def periodic_draft(update: Update, context: LoaContext) -> None:
    """/baocaodinhky <period>: the draft of the board's periodic report as a .docx."""
    loa = context.loa
    text = args_text(update)
    if not text:
        await reply_html(update, TP.USAGE)
        return
    f = await loa.run(loa.periodic.board_figures, update.effective_user.id, text)
    data = await loa.run(periodic.to_docx, f, loa.reports.today(), loa.settings.report_signer)
    unit = TP.CAPTION_UNIT.format(unit=f.issuer.name) if f.issuer else ""
    stem = f"du-thao-bao-cao-{f.period.key}" + (f"-{f.issuer.unit_id}" if f.issuer else "")
    await update.effective_chat.send_document(
        InputFile(data, filename=f"{stem}.docx"),
        caption=TP.CAPTION.format(label=f.period.label, unit=unit))


# ---------------------------------------------------------------- wiring
def conversation() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND
    with warnings.catch_warnings():
        # Buttons are tracked per user, not per message, on purpose (one entry at a time).
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                CommandHandler("baocao", report_entry, filters=filters.ChatType.PRIVATE),
                MessageHandler(filters.ChatType.PRIVATE & filters.Text([TC.BTN_REPORT]),
                               report_entry),
                CallbackQueryHandler(edit_start, pattern=r"^rep:edit:[0-9]{1,12}$"),
            ],
            states={
                DATE: [CallbackQueryHandler(date_today, pattern=r"^rg:today$"),
                       MessageHandler(text, date_typed)],
                FORM: [CallbackQueryHandler(form_button, pattern=_FORM_CB),
                       MessageHandler(text, form_typed)],
                CONTENT: [MessageHandler(text, content_typed)],
                PARTICIPANTS: [MessageHandler(text, participants_typed)],
                NOTE: [CallbackQueryHandler(note_skip, pattern=r"^rg:skip$"),
                       MessageHandler(text, note_typed)],
                PHOTOS: [MessageHandler(filters.PHOTO, photo_added),
                         CallbackQueryHandler(photos_done, pattern=r"^rg:done$"),
                         MessageHandler(text, photos_text)],
                # Only a line with "|" is taken as the replacement; a question typed meanwhile
                # still reaches the question handler.
                EDIT: [MessageHandler(text & filters.Regex(r"[|｜]"), edit_typed)],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[CommandHandler("huy", cancel)],
            allow_reentry=True,
            per_user=True,
            per_chat=True,
            conversation_timeout=GUIDED_TIMEOUT,
            name="reports",
            persistent=True,
        )


def register(app: Application) -> None:
    """Add this feature's handlers (before qa's catch-all text handler)."""
    private = filters.ChatType.PRIVATE
    app.add_handler(conversation())
    app.add_handler(CallbackQueryHandler(report_button, pattern=r"^rep:"))
    app.add_handler(CallbackQueryHandler(stale_step_button, pattern=r"^rg:"))
    app.add_handler(CommandHandler("baocao_cua_toi", my_reports, filters=private))
    app.add_handler(MessageHandler(private & filters.PHOTO, photo_report))
    app.add_handler(CommandHandler("tonghop", summary, filters=private))
    app.add_handler(CommandHandler("xuatbaocao", export, filters=private))
    app.add_handler(CommandHandler("bieudo", chart, filters=private))
    app.add_handler(CommandHandler("baocaodinhky", periodic_draft, filters=private))
