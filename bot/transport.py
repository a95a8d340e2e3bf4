"""Talking to the Bot API: every send through the shared budget, with retries, and the broadcast sender.

Replies go through `BudgetLimiter`, PTB's rate-limiter hook on the application's bot: each
message takes an urgent slot of the budget; a 429 pauses the whole budget for `retry_after`
(bounded) and the request is made again; a timeout or a 5xx is retried a few times. A reply
whose first send timed out may, rarely, arrive twice: better than not at all.

Broadcasts use a Bot of their own (own connection pool, so they never starve replies) and no
retries here: the delivery worker takes bulk slots of the same budget and decides itself what
a failure means, because a broadcast must never be sent twice.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any, Callable, Coroutine

import httpx
from telegram import Bot, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import BaseRateLimiter
from telegram.request import HTTPXRequest

from bot.budget import SendBudget
from bot.media import MediaStore
from bot.services.delivery import (
    Ambiguous, Job, RateLimited, Rejected, Sender, Transient, Unreachable,
)
from bot.services.broadcasts import Content

log = logging.getLogger(__name__)

RETRY_AFTER_MAX = 30.0   # seconds a reply may wait for Telegram's 429s in total, then it fails
RETRIES = 3              # timeouts / 5xx / refused connections retried this often …
BACKOFF = 0.5            # … after 0.5, 1 and 2 seconds
MESSAGE_METHODS = frozenset({"copyMessage", "copyMessages", "forwardMessage", "forwardMessages"})


def is_message(endpoint: str) -> bool:
    """Whether a Bot API method puts a message in a chat (what Telegram's limit counts)."""
    return ((endpoint.startswith("send") and endpoint != "sendChatAction")
            or endpoint in MESSAGE_METHODS)


def seconds(value) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class BudgetLimiter(BaseRateLimiter[dict]):
    """PTB's rate-limiter hook: urgent budget slots for messages, retries for every request.

    `rate_limit_args={"bulk": True}` on a call makes it a bulk send (e.g. monthly reminders),
    which yields to replies like a broadcast does.
    """

    def __init__(self, budget: SendBudget, retry_after_max: float = RETRY_AFTER_MAX,
                 retries: int = RETRIES, backoff: float = BACKOFF):
        self.budget = budget
        self.retry_after_max = retry_after_max
        self.retries = retries
        self.backoff = backoff

    async def initialize(self) -> None:
        """Nothing to set up: the budget belongs to the bot's services."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, Any]],
                              args: Any, kwargs: dict[str, Any], endpoint: str,
                              data: dict[str, Any], rate_limit_args: dict | None) -> Any:
        counted = is_message(endpoint)
        urgent = not (rate_limit_args or {}).get("bulk", False)
        chat = (data or {}).get("chat_id") if counted else None
        waited, failures = 0.0, 0
        while True:
            if counted:
                # A chat held after its own 429 waits without holding a slot of the budget.
                while (hold := self.budget.chat_delay(chat)) > 0:
                    await asyncio.sleep(hold)
                await self.budget.acquire(urgent)
                self.budget.note_send(chat)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as e:
                pause = seconds(e.retry_after)
                everyone = self.budget.limited(chat, pause)
                waited += pause
                if waited > self.retry_after_max:
                    raise
                log.warning("429 on %s (%s): waiting %.1fs, then sending again", endpoint,
                            "every chat" if everyone else "this chat", pause)
                if everyone:
                    await asyncio.sleep(pause)
            except (TimedOut, NetworkError) as e:
                if isinstance(e, BadRequest) or failures >= self.retries:
                    raise
                delay = self.backoff * 2 ** failures
                failures += 1
                log.warning("%s failed (%s); retry %d in %.1fs", endpoint, e, failures, delay)
                await asyncio.sleep(delay)


# ---------------------------------------------------------------- broadcasts
def broadcast_bot(token: str, api_url: str, file_url: str, in_flight: int,
                  read_timeout: float) -> Bot:
    """The delivery worker's own Bot: a pool sized for its sends in flight, no retries."""
    request = HTTPXRequest(connection_pool_size=in_flight + 2, connect_timeout=5.0,
                           read_timeout=read_timeout, write_timeout=10.0, pool_timeout=5.0)
    return Bot(token, base_url=api_url, base_file_url=file_url, request=request)


def _media(content: Content, media: MediaStore | None):
    """(what to send as the photo or document, the stored file's name or None): a file attached
    on the desk goes up once, then by the id Telegram gave back."""
    name = MediaStore.name_of(content.media_file_id)
    if name is None or media is None:
        return content.media_file_id, None
    known = media.telegram_id(name)
    if known:
        return known, None
    path = media.path(name)
    if path is None:
        raise Rejected(f"the attached file {name} is gone")
    return InputFile(path.read_bytes(), filename=name), name


async def send_content(bot: Bot, chat_id: int, content: Content,
                       markup: InlineKeyboardMarkup | None, media: MediaStore | None = None) -> int:
    """Send a broadcast's content to one chat exactly as recipients see it; the message id."""
    name = MediaStore.name_of(content.media_file_id) if media is not None else None
    if name is not None and media.telegram_id(name) is None:
        async with media.upload_lock(name):   # the first send uploads; the others wait for its id
            return await _send_content(bot, chat_id, content, markup, media)
    return await _send_content(bot, chat_id, content, markup, media)


async def _send_content(bot: Bot, chat_id: int, content: Content,
                        markup: InlineKeyboardMarkup | None, media: MediaStore | None) -> int:
    if content.kind == "photo":
        what, uploaded = _media(content, media)
        m = await bot.send_photo(chat_id, what, caption=content.text or None,
                                 parse_mode=ParseMode.HTML, reply_markup=markup)
        if uploaded and m.photo:
            media.remember(uploaded, m.photo[-1].file_id)
    elif content.kind == "document":
        what, uploaded = _media(content, media)
        m = await bot.send_document(chat_id, what,
                                    caption=content.text or None, parse_mode=ParseMode.HTML,
                                    reply_markup=markup)
        if uploaded and m.document:
            media.remember(uploaded, m.document.file_id)
    elif content.kind == "copy":
        m = await bot.copy_message(chat_id, content.source_chat_id, content.source_message_id,
                                   reply_markup=markup)
    else:
        m = await bot.send_message(chat_id, content.text, parse_mode=ParseMode.HTML,
                                   reply_markup=markup)
    return m.message_id


_UNREACHABLE_HINTS = ("chat not found", "user is deactivated", "peer_id_invalid",
                      "bot was blocked", "user not found")


def make_sender(bot: Bot, markup: Callable[[int], InlineKeyboardMarkup],
                media: MediaStore | None = None) -> Sender:
    """The worker's sender: one delivery to Telegram, errors mapped to delivery outcomes."""
    async def send(job: Job) -> int:
        try:
            return await send_content(bot, job.chat_id, job.content, markup(job.delivery_id),
                                      media)
        except RetryAfter as e:
            raise RateLimited(seconds(e.retry_after), str(e)) from e
        except Forbidden as e:
            raise Unreachable(str(e)) from e
        except BadRequest as e:
            if any(h in str(e).lower() for h in _UNREACHABLE_HINTS):
                raise Unreachable(str(e)) from e
            raise Rejected(str(e)) from e
        except TimedOut as e:
            # Pool/connect timeouts happen before the request leaves: safe to retry.
            if isinstance(e.__cause__, (httpx.PoolTimeout, httpx.ConnectTimeout)):
                raise Transient(str(e)) from e
            raise Ambiguous(f"timed out: {e}") from e
        except NetworkError as e:
            # A 5xx answer (no cause) or a refused connection delivered nothing; a connection
            # broken after the request was written may have.
            if e.__cause__ is None or isinstance(e.__cause__, httpx.ConnectError):
                raise Transient(str(e)) from e
            raise Ambiguous(str(e)) from e
        except TelegramError as e:
            raise Transient(str(e)) from e
    return send
