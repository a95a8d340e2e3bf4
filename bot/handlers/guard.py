"""Cross-cutting handlers: flood limit, group chats, unknown commands, odd messages, errors."""
from __future__ import annotations

import logging
import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    Application, ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, MessageHandler,
    TypeHandler, filters,
)

from bot.context import LoaContext
from bot.errors import LoaError
from bot.handlers.common import tell_error
from bot.text import esc
from bot.flood import FloodGate
from bot.texts import common as T
from bot.texts import reports as TR

log = logging.getLogger(__name__)


async def gate(update: Update, context: LoaContext) -> None:
    """Runs before every handler: drop group chatter, enforce the per-user flood limit."""
    chat = update.effective_chat
    msg = update.effective_message
    if chat is not None and chat.type != "private" and update.callback_query is None:
        # In groups the bot only points people to a private chat when addressed by command.
        if msg is not None and msg.text and msg.text.startswith("/") and update.message:
            username = context.bot.username
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(
                T.BTN_OPEN_PRIVATE, url=f"https://t.me/{username}")]]) if username else None
            try:
                await chat.send_message(T.GROUP_HINT, reply_markup=markup)
            except TelegramError:
                pass
        raise ApplicationHandlerStop
    if update.edited_channel_post is not None:
        raise ApplicationHandlerStop
    # An edited private message goes on (through the flood limit) to `qa.on_edited` alone.
    user = update.effective_user
    if user is None or update.inline_query is not None:
        return
    gatekeeper: FloodGate = context.bot_data["flood"]
    wait = gatekeeper.check(user.id)
    if wait:
        if gatekeeper.warn_due(user.id):
            if update.callback_query:
                await update.callback_query.answer(T.FLOOD.format(seconds=int(wait) + 1))
            elif chat is not None:
                await chat.send_message(T.FLOOD.format(seconds=int(wait) + 1))
        raise ApplicationHandlerStop


async def unknown_command(update: Update, context: LoaContext) -> None:
    """Answer commands nobody handles."""
    await update.effective_chat.send_message(T.UNKNOWN_COMMAND)


async def nothing_to_cancel(update: Update, context: LoaContext) -> None:
    """/huy outside a guided form: drop a report waiting for ✅, or say there is nothing."""
    loa = context.loa
    # A phản ánh whose kind was chosen and whose words are awaited (bot/handlers/reflections.py).
    if context.user_data.pop("reflect_kind", None) is not None:
        from bot.texts import reflections as TF
        await update.effective_chat.send_message(TF.GUIDED_CANCELLED)
        return
    dropped = await loa.run(loa.reports.cancel_pending, update.effective_user.id)
    await update.effective_chat.send_message(TR.CANCELLED if dropped else T.NOTHING_TO_CANCEL)


async def unsupported(update: Update, context: LoaContext) -> None:
    """Stickers, voice, locations…: explain politely what the bot can read."""
    await update.effective_chat.send_message(T.UNSUPPORTED_MESSAGE)


async def stale_button(update: Update, context: LoaContext) -> None:
    """Buttons nobody handles (old, forged or garbled callback data): say so, change nothing."""
    await update.callback_query.answer(T.STALE_BUTTON, show_alert=True)


async def on_error(update: object, context: LoaContext) -> None:
    """The one error handler: typed errors become messages; others are logged and apologised for."""
    error = context.error
    if isinstance(update, Update) and isinstance(error, LoaError):
        try:
            await tell_error(update, error)
        except TelegramError:
            log.warning("could not tell the user about %s", type(error).__name__)
        return
    if isinstance(error, Forbidden):
        log.info("forbidden while handling an update: %s", error)
        return
    log.error("error while handling an update", exc_info=error)
    # The board first: the person is told it knows only when it does (in a database outage
    # the board cannot even be looked up).
    notified = await _notify_board_of(context, error)
    apology = T.ERROR if notified else T.ERROR_NOT_NOTIFIED
    if isinstance(update, Update):
        try:
            if update.callback_query:
                await update.callback_query.answer(apology[:190], show_alert=True)
            elif update.effective_chat and update.effective_chat.type == "private":
                await update.effective_chat.send_message(apology)
        except TelegramError:
            pass


async def _notify_board_of(context: LoaContext, error: BaseException) -> bool:
    """Tell the top board of an unexpected error (one notice a minute, the rest counted);
    True when the board has been told (now, or by a notice less than a minute ago)."""
    loa = context.application.bot_data.get("loa")
    folded = _fold_notice(context.application.bot_data)
    if folded is None:
        return True
    if loa is None:
        return False
    text = T.ERROR_ADMIN_NOTICE.format(error=esc(f"{type(error).__name__}: {error}"[:300]))
    if folded:
        text += T.ERROR_ADMIN_FOLDED.format(count=folded)
    try:
        # The top-level board runs the bot; a commune's board is not told of its faults.
        chats = await loa.run(loa.members.board_chats, None)
    except Exception:  # noqa: BLE001 - the database may be what failed
        log.exception("could not look up the admins to tell them about the error")
        context.application.bot_data["error_notices"]["at"] = float("-inf")  # try next time
        return False
    told = False
    for chat_id in chats[:5]:
        try:
            await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
            told = True
        except TelegramError:
            pass
    return told


NOTICE_GAP = 60.0   # seconds between two error notices to the board; the errors between are counted


def _fold_notice(bot_data: dict, now: float | None = None) -> int | None:
    """None while a notice went out less than NOTICE_GAP ago (this error is counted instead);
    else how many errors were counted since the last notice (0: none), which this one reports."""
    now = time.monotonic() if now is None else now
    state = bot_data.setdefault("error_notices", {"at": float("-inf"), "folded": 0})
    if now - state["at"] < NOTICE_GAP:
        state["folded"] += 1
        return None
    folded, state["at"], state["folded"] = state["folded"], now, 0
    return folded


def register_gate(app: Application, limit: int, window: float) -> None:
    app.bot_data["flood"] = FloodGate(limit, window)
    app.add_handler(TypeHandler(Update, gate), group=-1)


def register_fallbacks(app: Application) -> None:
    p = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("huy", nothing_to_cancel, filters=p))
    app.add_handler(MessageHandler(p & filters.COMMAND, unknown_command))
    app.add_handler(MessageHandler(
        p & (filters.Sticker.ALL | filters.VOICE | filters.AUDIO | filters.VIDEO
             | filters.VIDEO_NOTE | filters.LOCATION | filters.CONTACT | filters.ANIMATION
             | filters.POLL | filters.Dice.ALL | filters.VENUE | filters.PHOTO
             | filters.Document.ALL), unsupported))
    app.add_handler(CallbackQueryHandler(stale_button))
    app.add_error_handler(on_error)
