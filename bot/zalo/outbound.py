"""Sends to Zalo addresses, wherever in Loa they start.

Every message Loa sends to a person starts from an integer address (bot/address.py): a
reply, a board's notice, the board's answer to a question, a reminder, a broadcast. `RoutingBot`
is the Application's bot: a send to a Zalo address goes to the Zalo client as plain text (no
buttons exist there: the wording carries typed choices), anything else to Telegram as before.
Broadcasts to Zalo members have their own delivery worker and sender (`zalo_sender`), with
Zalo's own budget, so the exactly-once ledger is the same for both channels.

With no Telegram token (a Zalo-only deployment) the bot never calls Telegram: `get_me` answers
locally and a send to a Telegram address fails as "not reachable".
"""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timezone

from telegram import Chat, Message, User
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError
from telegram.ext import ExtBot

from bot.inbox import mark_handled
from bot.services.broadcasts import Content
from bot.transport import is_message
from bot.services.delivery import Ambiguous, Job, RateLimited, Rejected, Sender, Transient, Unreachable
from bot.texts import zalo as T
from bot.address import is_zalo
from bot.zalo.client import RATE_PAUSE, ZaloClient, ZaloError
from bot.media import MediaStore
from bot.zalo.render import TEXT_LIMIT, plain
from bot.services.zalo import ZaloStore

log = logging.getLogger(__name__)
OFFLINE_TOKEN = "0:telegram-not-configured"


def numeric_id(zalo_message_id: str) -> int:
    """A stable integer for Zalo's string message id (Loa's records hold integers)."""
    return int(hashlib.sha1(str(zalo_message_id).encode()).hexdigest()[:12], 16)


class ZaloOutbox:
    """Plain-text sends to Zalo addresses (the client and where each address's chat is)."""

    def __init__(self, client: ZaloClient, store: ZaloStore, run):
        self.client = client
        self.store = store
        self.run = run          # Loa.run: database reads off the event loop

    async def chat(self, address: int) -> str:
        chat = await self.run(self.store.chat_of, address)
        if chat is None:
            raise Forbidden("Zalo chat not found")
        return chat

    async def send(self, address: int, text: str, html: bool = True, urgent: bool = True) -> int:
        """Send `text` (Telegram-HTML unless `html` is False); the last piece's numeric id."""
        chat = await self.chat(address)
        body = plain(text) if html else (text or "").strip()
        try:
            ids = await self.client.send_text(chat, body or "…", urgent=urgent)
        except ZaloError as e:
            if e.unreachable:
                raise Forbidden(f"Zalo: {e.description}") from None
            if e.transient or e.rate_limited:
                raise NetworkError(f"Zalo: {e.description}") from None
            raise BadRequest(f"Zalo: {e.description}") from None
        return numeric_id(ids[-1] if ids else "")


def _message(bot: ExtBot, chat_id: int, message_id: int) -> Message:
    m = Message(message_id=message_id, date=datetime.now(timezone.utc),
                chat=Chat(id=chat_id, type=Chat.PRIVATE))
    m.set_bot(bot)
    return m


class RoutingBot(ExtBot):
    """PTB's bot, with sends to Zalo addresses handed to the Zalo outbox."""

    def __init__(self, *args, zalo: ZaloOutbox | None = None, telegram: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self._zalo = zalo
        self._telegram = telegram

    def _to_zalo(self, chat_id) -> bool:
        if is_zalo(chat_id):
            if self._zalo is None:
                raise Forbidden("Zalo is not configured")
            return True
        if not self._telegram:
            raise Forbidden("Telegram is not configured")
        return False

    async def _post(self, endpoint: str, *args, **kwargs):
        result = await super()._post(endpoint, *args, **kwargs)
        if is_message(endpoint):
            await mark_handled(background=True)   # the reply is out: never send it again
        return result

    async def get_me(self, *args, **kwargs) -> User:
        if self._telegram:
            return await super().get_me(*args, **kwargs)
        self._bot_user = User(id=0, first_name="Loa", is_bot=True, username="loa")
        return self._bot_user

    async def set_my_commands(self, *args, **kwargs) -> bool:
        if not self._telegram:
            return True
        return await super().set_my_commands(*args, **kwargs)

    async def send_message(self, chat_id, text, *args, **kwargs):
        if self._to_zalo(chat_id):
            html = kwargs.get("parse_mode") == ParseMode.HTML
            urgent = not (kwargs.get("rate_limit_args") or {}).get("bulk", False)
            sent = _message(self, chat_id, await self._zalo.send(chat_id, text, html, urgent))
            await mark_handled(background=True)
            return sent
        return await super().send_message(chat_id, text, *args, **kwargs)

    async def _caption_to_zalo(self, chat_id, caption: str | None) -> Message:
        """A photo or document for a Zalo member: Telegram's file ids mean nothing to Zalo, so
        the caption goes, saying a file came with it."""
        text = (caption and plain(caption) or "") + T.BROADCAST_MEDIA
        return _message(self, chat_id, await self._zalo.send(chat_id, text, False))

    async def send_photo(self, chat_id, photo, *args, **kwargs):
        if self._to_zalo(chat_id):
            return await self._caption_to_zalo(chat_id, kwargs.get("caption"))
        return await super().send_photo(chat_id, photo, *args, **kwargs)

    async def send_document(self, chat_id, document, *args, **kwargs):
        if self._to_zalo(chat_id):
            return await self._caption_to_zalo(chat_id, kwargs.get("caption"))
        return await super().send_document(chat_id, document, *args, **kwargs)

    async def send_chat_action(self, chat_id, action, *args, **kwargs):
        if self._to_zalo(chat_id):
            return True
        return await super().send_chat_action(chat_id, action, *args, **kwargs)


# ---------------------------------------------------------------- broadcasts to Zalo members
def broadcast_text(content: Content, shown: str | None = None) -> str:
    """A broadcast as Zalo shows it: plain text, what cannot be shown said, how to acknowledge.
    `shown`: the public address of the file attached on the desk ("photo": sent as the photo
    with this text as its caption; "document": given as a link), when there is one."""
    text = plain(content.text) if content.text else ""
    link = T.BROADCAST_FILE_LINK.format(url=shown) if shown and content.kind == "document" else ""
    if content.kind in ("photo", "document", "copy") and not shown:
        text = (text + T.BROADCAST_MEDIA) if text else T.BROADCAST_NO_TEXT
    room = TEXT_LIMIT - len(T.BROADCAST_FOOTER) - len(link)
    if len(text) > room:
        text = text[:room - 1].rstrip() + "…"
    return text + link + T.BROADCAST_FOOTER


def _shown(content: Content, media: MediaStore | None) -> str | None:
    """The public address of a file attached on the desk (None: a Telegram file, or no
    public address configured)."""
    name = MediaStore.name_of(content.media_file_id)
    return media.url(name) if name and media is not None and media.path(name) else None


def zalo_sender(outbox: ZaloOutbox, media: MediaStore | None = None) -> Sender:
    """The Zalo delivery worker's sender: one message per delivery, errors mapped to outcomes."""
    async def send(job: Job) -> int:
        try:
            chat = await outbox.run(outbox.store.chat_of, job.chat_id)
        except Exception as e:  # noqa: BLE001 - the database: nothing was sent
            raise Transient(str(e)) from e
        if chat is None:
            raise Unreachable("no such Zalo account")
        shown = _shown(job.content, media)
        text = broadcast_text(job.content, shown)
        try:
            if job.content.kind == "photo" and shown:
                result = await outbox.client.call("sendPhoto", {"chat_id": chat, "photo": shown,
                                                               "caption": text})
            else:
                result = await outbox.client.call("sendMessage", {"chat_id": chat, "text": text})
        except ZaloError as e:
            if e.rate_limited:
                raise RateLimited(RATE_PAUSE, e.description) from e
            if e.maybe_sent:
                raise Ambiguous(e.description) from e
            if e.transient:
                raise Transient(e.description) from e
            if e.unreachable:
                raise Unreachable(e.description) from e
            raise Rejected(e.description) from e
        return numeric_id((result or {}).get("message_id", ""))
    return send

