"""Rendering helpers shared by handlers: message splitting, access guards, errors as messages."""
from __future__ import annotations

import functools
from typing import Awaitable, Callable

from telegram import ReplyParameters, Update
from telegram.constants import ParseMode

from bot.context import LoaContext
from bot.errors import LoaError, NotAllowed
from bot.text import esc, esc_short, plain  # noqa: F401 - esc and esc_short shared by handlers
from bot.texts import common as T

LIMIT = 4096
SAFE_LIMIT = 4000  # leave room for a header or page marker


def pack_html(blocks: list[str], limit: int = SAFE_LIMIT) -> list[str]:
    """Pack self-contained (tag-balanced) HTML blocks into messages under the limit.

    A block that alone is too long is split on line and then word boundaries after its tags
    are dropped, so no message ever carries a broken tag or entity.
    """
    pieces: list[str] = []
    for block in blocks:
        if len(block) <= limit:
            pieces.append(block)
            continue
        for part in _split_plain(plain(block), limit):
            pieces.append(esc(part))
    messages: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}\n\n{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
        else:
            if current:
                messages.append(current)
            current = piece
    if current:
        messages.append(current)
    return messages or [""]


def _split_plain(text: str, limit: int) -> list[str]:
    # Escaping can grow text (& -> &amp;): split the raw text with a margin.
    limit = max(100, limit // 2)
    out, current = [], ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            if current:
                out.append(current)
                current = ""
            out.append(line[:cut])
            line = line[cut:].lstrip(" ")
        if len(current) + len(line) > limit:
            out.append(current)
            current = ""
        current += line
    if current.strip():
        out.append(current)
    return [p.strip("\n") for p in out if p.strip()]


async def reply_html(update: Update, blocks: list[str] | str, reply_markup=None,
                     markup_on_last: bool = True):
    """Send HTML blocks as one or more messages; the keyboard goes on the last one. The reply to
    an edited message quotes it (the edit may be far up the chat)."""
    if isinstance(blocks, str):
        blocks = [blocks]
    messages = pack_html(blocks)
    chat = update.effective_chat
    edited = update.edited_message
    sent = None
    for i, text in enumerate(messages):
        last = i == len(messages) - 1
        markup = reply_markup if (last == markup_on_last or len(messages) == 1) else None
        quoted = ReplyParameters(edited.message_id, allow_sending_without_reply=True) \
            if edited is not None and i == 0 else None
        sent = await chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=markup,
                                       disable_web_page_preview=True, reply_parameters=quoted)
    return sent


def args_text(update: Update) -> str:
    """The text after the command word (keeps the user's own spacing inside)."""
    text = (update.effective_message.text or update.effective_message.caption or "") \
        if update.effective_message else ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


Handler = Callable[[Update, LoaContext], Awaitable[object]]


def admin_only(func: Handler) -> Handler:
    """Work out the board member's scope from the database on every call (`context.scope`,
    which the handler hands to the services), then run the handler."""
    @functools.wraps(func)
    async def wrapper(update: Update, context: LoaContext):
        user = update.effective_user
        loa = context.loa
        scope = None
        if user is not None:
            try:
                scope = await loa.run(loa.members.scope, user.id)
            except NotAllowed:
                scope = None
        context.scope = scope
        if scope is None:
            if update.callback_query:
                await update.callback_query.answer(T.ADMIN_ONLY, show_alert=True)
            elif update.effective_chat:
                await update.effective_chat.send_message(T.ADMIN_ONLY)
            return None
        return await func(update, context)
    return wrapper


async def tell_error(update: Update, error: LoaError) -> None:
    """Turn a typed service error into the user's message."""
    if update.callback_query:
        await update.callback_query.answer(error.plain()[:190], show_alert=True)
    elif update.effective_chat:
        await update.effective_chat.send_message(error.user_message, parse_mode=ParseMode.HTML)
