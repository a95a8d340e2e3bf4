"""The Zalo channel's lifecycle: events in (webhook or long polling), stored before they are
acknowledged, handled once each and in order per person, and the Zalo delivery worker.

An event is written to the inbox (channel "zalo") before the webhook answers 200 (or, when polling, before
the next poll): a crash after that loses nothing, because events never marked handled are
handled at the next start. The same `message_id` stored twice is handled once.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging

from aiohttp import web

from bot.context import Loa
from bot.flood import FloodGate
from bot.inbox import CURRENT, HandledLog, handling, mark_handled
from bot.services.inbox import ZALO
from bot.texts import common as TC
from bot.zalo.client import ZaloClient, ZaloError
from bot.zalo.conversation import ZaloConversation
from bot.zalo.outbound import ZaloOutbox, zalo_sender

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Bot-Api-Secret-Token"
MAX_EVENT = 64 * 1024      # bytes: a text event is a few KB at most
KNOWN_EVENTS = frozenset({
    "message.text.received", "message.image.received", "message.sticker.received",
    "message.voice.received", "message.unsupported.received",
})
POLL_TIMEOUT = 30


def make_outbox(loa: Loa) -> ZaloOutbox:
    """The Zalo client (with the channel's own budget) and where each address's chat is."""
    s = loa.settings
    client = ZaloClient(s.zalo_token, s.zalo_api_url, loa.zalo_budget, timeout=s.send_timeout)
    return ZaloOutbox(client, loa.zalo_store, loa.run)


def event_key(event: dict) -> str:
    """The key that makes handling an event twice harmless: Zalo's message id, else a digest."""
    msg = event.get("message") if isinstance(event.get("message"), dict) else {}
    mid = msg.get("message_id")
    if mid:
        return str(mid)[:100]
    raw = json.dumps(event, sort_keys=True, ensure_ascii=False).encode()
    return "sha1:" + hashlib.sha1(raw).hexdigest()


class ZaloChannel:
    def __init__(self, loa: Loa, bot, outbox: ZaloOutbox, journal: HandledLog | None = None):
        s = loa.settings
        self.journal = journal
        self.loa = loa
        self.client = outbox.client
        self.outbox = outbox
        self.conversation = ZaloConversation(loa, bot, self._reply,
                                             FloodGate(s.flood_limit, s.flood_window))
        self.secret = s.zalo_webhook_secret
        self.polling = s.zalo_mode == "polling"
        self.workers = max(2, s.concurrent_updates)
        self._queue: asyncio.Queue[dict] = asyncio.Queue()
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: list[asyncio.Task] = []
        self._stopping = False
        self._busy = 0

    @property
    def idle(self) -> bool:
        """Nothing queued or being handled (tests wait for this)."""
        return self._queue.empty() and self._busy == 0

    # ------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Handle what a crash left unhandled (the handled log was folded in by post_init), then
        take new events; start the Zalo worker."""
        await self.client.start()
        self._stopping = False
        for event in await self.loa.run(self.loa.inbox.unhandled, ZALO):
            self._queue.put_nowait(event)
        self._tasks = [asyncio.create_task(self._work(), name=f"loa-zalo-{i}")
                       for i in range(self.workers)]
        if self.polling:
            self._tasks.append(asyncio.create_task(self._poll(), name="loa-zalo-poll"))
        elif not self.secret:
            log.error("LOA_ZALO_WEBHOOK_SECRET is not set: the Zalo webhook refuses every event")
        if self.loa.zalo_delivery is not None:
            await self.loa.zalo_delivery.start(zalo_sender(self.outbox, self.loa.media))

    async def stop(self) -> None:
        self._stopping = True
        if self.loa.zalo_delivery is not None:
            try:
                await self.loa.zalo_delivery.stop()
            except Exception:  # noqa: BLE001 - shutting down anyway
                log.exception("error while stopping the Zalo delivery worker")
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.client.close()

    # ------------------------------------------------------------ events in
    async def accept(self, event: dict) -> bool:
        """Store a new event and queue it; False for one seen before or one Loa ignores."""
        if not isinstance(event, dict) or event.get("event_name") not in KNOWN_EVENTS:
            return False
        fresh = await self.loa.run(self.loa.inbox.receive, ZALO, event_key(event), event)
        if fresh is not False:   # None: the database is busy; handled all the same
            self._queue.put_nowait(event)
        return fresh is not False

    async def webhook(self, request: web.Request) -> web.Response:
        """POST /zalo/webhook: the secret first (constant time), then a bounded body."""
        given = request.headers.get(SECRET_HEADER, "")
        if not self.secret or not hmac.compare_digest(given.encode(), self.secret.encode()):
            return web.json_response({"ok": False, "description": "forbidden"}, status=403)
        if (request.content_length or 0) > MAX_EVENT:
            return web.json_response({"ok": False, "description": "too large"}, status=413)
        body = await request.content.read(MAX_EVENT + 1)
        if len(body) > MAX_EVENT:
            return web.json_response({"ok": False, "description": "too large"}, status=413)
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return web.json_response({"ok": False, "description": "not JSON"}, status=400)
        event = data.get("result", data) if isinstance(data, dict) else None
        try:
            await self.accept(event)
        except Exception:  # noqa: BLE001 - not stored: let Zalo deliver it again
            log.exception("Zalo event not stored")
            return web.json_response({"ok": False}, status=503)
        return web.json_response({"ok": True})

    async def _poll(self) -> None:
        delay = 1.0
        while not self._stopping:
            try:
                event = await self.client.get_updates(POLL_TIMEOUT)
                delay = 1.0
                if event is not None:
                    await self.accept(event)
            except asyncio.CancelledError:
                raise
            except ZaloError as e:
                log.warning("Zalo getUpdates failed: %s; again in %.0fs", e, delay)
                await asyncio.sleep(delay)
                delay = min(60.0, delay * 2)
            except Exception:  # noqa: BLE001 - the channel keeps polling
                log.exception("Zalo polling error")
                await asyncio.sleep(delay)
                delay = min(60.0, delay * 2)

    # ------------------------------------------------------------ handling
    async def _work(self) -> None:
        while True:
            event = await self._queue.get()
            who = str(((event.get("message") or {}).get("from") or {}).get("id") or "")
            lock = self._locks.setdefault(who, asyncio.Lock())
            self._busy += 1
            try:
                async with lock:
                    await self._handle(event)
            finally:
                self._busy -= 1
            if not lock.locked() and len(self._locks) > 10000:
                self._locks = {k: v for k, v in self._locks.items() if v.locked()}

    async def _reply(self, chat_id: str, text: str) -> list[str]:
        ids = await self.client.send_text(chat_id, text)
        await mark_handled(background=True)   # the reply is out: never send it again
        return ids

    async def _handle(self, event: dict) -> None:
        key = event_key(event)
        token = handling(self.loa, ZALO, key, self.journal)
        done = False
        try:
            await self.conversation.handle(event)
            done = True
        except asyncio.CancelledError:
            raise   # stopped mid-way: left unhandled, handled again at the next start
        except Exception:  # noqa: BLE001 - one bad event never stops the channel
            done = True
            log.exception("Zalo event %s failed", key)
            chat = ((event.get("message") or {}).get("chat") or {}).get("id")
            if chat:
                try:
                    await self.client.send_text(str(chat), TC.ERROR_NOT_NOTIFIED)
                except ZaloError:
                    pass
        finally:
            if done:
                await mark_handled()
            CURRENT.reset(token)
