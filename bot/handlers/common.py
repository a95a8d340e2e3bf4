"""Rendering helpers shared by handlers: message splitting, access guards, errors as messages."""
from __future__ import annotations

import functools
from typing import Awaitable, Callable

from telegram import ReplyParameters, Update
from telegram.constants import ParseMode

from bot.context import LoaContext
from bot.errors import LoaError, NotAllowed
from bot.render import pack_html
from bot.texts import common as T



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
