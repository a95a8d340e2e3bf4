"""Telegram updates are never lost to a crash: each is stored before Telegram learns it arrived,
and marked handled after its handlers ran; what a crash left unhandled runs at the next start.

"Handled" is recorded the moment the update's first reply is out, first in `HandledLog` (one
small append to a file: it survives kill -9 in microseconds, where a database write may wait
tens of milliseconds for SQLite's lock), then in the database. At start the log is folded into
the database before anything is replayed, so a reply that went out is not sent again.

Polling confirms an update by asking for the ones after it; the webhook by answering 200. Both
hand every update to `Application.update_queue.put` first, so `DurableQueue.put` stores it
there, before either can happen. `LoaApplication.process_update` marks it handled when its
handlers (and the error handler) are done. An update fetched twice (a fetch retried after a
failure) is put in the queue once. When the database cannot store it, the update is handled
anyway: an answer needs no write.
"""
from __future__ import annotations

import asyncio
import contextvars
import functools
import hashlib
import logging
import os
from pathlib import Path
from typing import Awaitable, Callable

from telegram import Update
from telegram.ext import Application

from bot.services.inbox import TELEGRAM

log = logging.getLogger(__name__)

# What this task is handling: [its key in the handled log, how to mark it in the database,
# the log, marked]. It is marked at its first message out, not only at the end: a crash after the reply
# went out must not send it again. The Zalo channel uses the same for its events.
CURRENT: contextvars.ContextVar[list | None] = contextvars.ContextVar("loa_update", default=None)


class HandledLog:
    """An append-only file of what was handled and not yet recorded in the database for sure."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def add(self, key: str) -> None:
        try:
            if self._fd is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.write(self._fd, (key.replace("\n", " ") + "\n").encode())
        except OSError:   # a full disk: the database mark still follows
            log.exception("handled log not written")

    def drain(self) -> list[str]:
        """What the log holds (the caller records it in the database, then `clear`s it)."""
        try:
            keys = self.path.read_text(encoding="utf-8").split("\n")
        except FileNotFoundError:
            return []
        return [k for k in keys if k]

    def clear(self) -> None:
        try:
            with open(self.path, "w"):
                pass
        except OSError:
            log.exception("handled log not emptied")

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def log_path(database_url: str) -> Path:
    """The handled log of one database: beside a SQLite file, else under var/."""
    if database_url.startswith("sqlite:///") and database_url != "sqlite:///:memory:":
        return Path(database_url[len("sqlite:///"):] + ".handled")
    digest = hashlib.sha1(database_url.encode()).hexdigest()[:12]
    return Path("var") / f"handled-{digest}.log"


def handling(loa, channel: str, key: str, journal: HandledLog | None) -> contextvars.Token:
    """Start handling an item of the inbox (`channel`, `key`): `mark_handled` records it."""
    mark = functools.partial(loa.run, loa.inbox.handled, channel, key)
    return CURRENT.set([f"{channel}:{key}", mark, journal, False])


_BACKGROUND: set[asyncio.Task] = set()


async def _mark_in_database(key: str, mark: Callable[[], Awaitable[object]]) -> None:
    try:
        await mark()
    except Exception:  # noqa: BLE001 - the log holds it; folded in at the next start
        log.exception("could not mark %s handled", key)


async def mark_handled(background: bool = False) -> None:
    """Mark what this task handles as handled (once): at its first message out, and at its end.

    `background` (a send): the log line is written at once and the database write runs beside
    the handler, which goes on without waiting (its next step, e.g. the form's new state,
    must not lag behind the reply the person already reads)."""
    current = CURRENT.get()
    if current is None or current[3]:
        return
    current[3] = True
    key, mark, journal = current[0], current[1], current[2]
    if journal is not None:
        journal.add(key)
    if background and journal is not None:
        task = asyncio.get_running_loop().create_task(_mark_in_database(key, mark))
        _BACKGROUND.add(task)
        task.add_done_callback(_BACKGROUND.discard)
        return
    await _mark_in_database(key, mark)


class DurableQueue(asyncio.Queue):
    """The Application's update queue, storing each Telegram update as it is put."""

    def __init__(self, loa):
        super().__init__()
        self.loa = loa

    async def put(self, item) -> None:
        if isinstance(item, Update):
            try:
                fresh = await self.loa.run(self.loa.inbox.receive, TELEGRAM,
                                           str(item.update_id), item.to_dict())
            except Exception:  # noqa: BLE001 - an answer needs no write: handle it anyway
                log.exception("update %s not stored; handling it anyway", item.update_id)
                fresh = None
            if fresh is False:   # fetched again after a failed poll: already queued once
                return
        await super().put(item)

    async def replay(self, bot) -> int:
        """Queue the updates a crash left unhandled (before the Application starts; the handled
        log is folded in first)."""
        payloads = await self.loa.run(self.loa.inbox.unhandled, TELEGRAM)
        for data in payloads:
            try:
                await super().put(Update.de_json(data, bot))
            except Exception:  # noqa: BLE001 - a payload that cannot be read is skipped
                log.exception("a stored update could not be read again")
        return len(payloads)


async def fold(loa, journal: HandledLog) -> None:
    """Record in the database what the handled log holds, then empty the log."""
    keys = journal.drain()
    if not keys:
        return
    by_channel: dict[str, list[str]] = {}
    for k in keys:
        channel, _, key = k.partition(":")
        if key:
            by_channel.setdefault(channel, []).append(key)
    for channel, items in by_channel.items():
        await loa.run(loa.inbox.handled_many, channel, items)
    journal.clear()


class LoaApplication(Application):
    """PTB's Application, marking each stored update handled once its handlers are done."""

    async def process_update(self, update: object) -> None:
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        token = handling(self.bot_data["loa"], TELEGRAM, str(update.update_id),
                         self.bot_data.get("handled_log"))
        try:
            await super().process_update(update)
            await mark_handled()
        finally:   # cancelled mid-way (a stop): left unhandled, handled at the next start
            CURRENT.reset(token)
