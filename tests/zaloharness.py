"""Loa with its Zalo channel against the fake Zalo Bot API (and, when asked, the fake Telegram
one): the real Application, services, database and index; events in by long polling or by
posting to the webhook, like Zalo does."""
from __future__ import annotations

import asyncio
import contextlib
import itertools
from dataclasses import dataclass, field, replace

import aiohttp
from sqlalchemy import func, select

from bot.db.models import InboxItem
from tests.conftest import make_settings, watch_event_loop
from tests.fakezalo import TOKEN as ZTOKEN, FakeZalo
from tests.faketg import FakeTelegram

SECRET = "zalo-webhook-secret-0123"
_ids = itertools.count(1)


@dataclass
class ZaloHarness:
    zalo: FakeZalo
    app: object
    loa: object
    tg: FakeTelegram | None
    mode: str
    on_loop: list = field(default_factory=list)

    @property
    def webhook_url(self) -> str:
        return self.app.bot_data["desk"].url + "/zalo/webhook"

    def user(self, name: str = "Trần Thị Bình") -> "ZaloUser":
        return ZaloUser(self, f"{next(_ids):04x}5e7b0d2468ace0ff", name)

    async def post(self, body: dict, secret: str | None = SECRET, raw: bytes | None = None):
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Bot-Api-Secret-Token"] = secret
        async with aiohttp.ClientSession() as http:
            async with http.post(self.webhook_url, json=None if raw is not None else body,
                                 data=raw, headers=headers) as r:
                return r.status, await r.text()

    async def send(self, body: dict) -> None:
        """One event into Loa the way the harness's mode receives them."""
        if self.mode == "polling":
            await self.zalo.push(body)
        else:
            status, text = await self.post(body)
            assert status == 200, (status, text)

    def pending(self) -> int:
        with self.loa.db.read() as s:
            return s.scalar(select(func.count()).select_from(InboxItem)
                            .where(InboxItem.channel == "zalo",
                                   InboxItem.handled_at.is_(None))) or 0

    def received(self) -> int:
        with self.loa.db.read() as s:
            return s.scalar(select(func.count()).select_from(InboxItem)
                            .where(InboxItem.channel == "zalo")) or 0

    async def settled(self, expected: int, timeout: float = 30.0) -> None:
        """`expected` events were stored and every one is handled (its replies sent)."""
        deadline = asyncio.get_running_loop().time() + timeout
        channel = self.app.bot_data["zalo"]
        while self.received() < expected or self.pending() or not channel.idle:
            assert asyncio.get_running_loop().time() < deadline, \
                f"Zalo events not handled: {self.received()} of {expected}, {self.pending()} open"
            await asyncio.sleep(0.02)


class ZaloUser:
    """A Zalo user writing to the bot in a private chat."""

    def __init__(self, h: ZaloHarness, zalo_id: str, name: str):
        self.h = h
        self.id = zalo_id
        self.name = name

    async def say(self, text: str) -> str:
        """Send a text and return everything the bot answered to this chat, as one string."""
        mark = self.h.zalo.mark()
        expected = self.h.received() + 1
        await self.h.send(self.h.zalo.text_event(self.id, text, name=self.name))
        await self.h.settled(expected)
        return "\n".join(self.h.zalo.texts(self.id, since=mark))

    async def photo(self, url: str) -> str:
        mark = self.h.zalo.mark()
        expected = self.h.received() + 1
        await self.h.send(self.h.zalo.image_event(self.id, url, name=self.name))
        await self.h.settled(expected)
        return "\n".join(self.h.zalo.texts(self.id, since=mark))

    def key(self) -> int:
        from bot.db.models import ZaloAccount
        from bot.services.zalo import _account
        with self.h.loa.db.read() as s:
            return _account(s.scalar(select(ZaloAccount).where(ZaloAccount.zalo_id == self.id))).key

    async def join(self, unit: str = "Chi bộ Khu phố 1", reporter: bool = False,
                   admin: bool = False) -> str:
        loa = self.h.loa
        if not loa.members.units() or unit not in {u.name for u in loa.members.units()}:
            loa.members.add_unit(unit)
        inv = loa.members.create_invite(unit, is_reporter=reporter, admin=admin)
        reply = await self.say(f"/start {inv.code}")
        assert unit in reply, reply
        return reply


async def start_zalo(db_url: str, kb, mode: str = "polling", telegram: bool = False,
                     **overrides) -> ZaloHarness:
    from bot.app import build_application
    from bot.context import Loa
    zalo = await FakeZalo(poll_cap=0.2).start()
    tg = await FakeTelegram().start() if telegram else None
    overrides = {"zalo_send_rate": 200.0, **overrides}
    settings = make_settings(db_url, kb, zalo_token=ZTOKEN, zalo_api_url=zalo.api_url,
                             zalo_mode=mode, zalo_webhook_secret=SECRET, **overrides)
    if tg is not None:
        settings = replace(settings, api_url=tg.api_url, file_url=tg.file_url)
    else:
        settings = replace(settings, token="")
    loa = Loa.build(settings, kb=kb)
    await asyncio.to_thread(loa.db.upgrade)
    app = build_application(settings, loa, owns_db=True)
    h = ZaloHarness(zalo, app, loa, tg, mode)
    watch_event_loop(loa.db.engine, h.on_loop)
    await app.initialize()
    await app.post_init(app)
    await app.start()
    if tg is not None:
        await app.updater.start_polling(poll_interval=0.0, timeout=0.2, allowed_updates=None)
    return h


async def stop_zalo(h: ZaloHarness) -> None:
    app = h.app
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
    await app.post_shutdown(app)
    await h.zalo.stop()
    if h.tg is not None:
        await h.tg.stop()
    assert not h.on_loop, f"database statements ran on the event loop: {h.on_loop[:5]}"


@contextlib.asynccontextmanager
async def running_zalo(db_url: str, kb, **kw):
    h = await start_zalo(db_url, kb, **kw)
    try:
        yield h
    finally:
        await stop_zalo(h)
