"""What people send, kept until handled (see bot/inbox.py for when each step happens): one
inbox for every channel, each item keyed by its channel and its own id there."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from bot.db import Database, DatabaseBusy
from bot.db.models import InboxItem, utcnow

TELEGRAM, ZALO = "tg", "zalo"
WAIT = 0.2              # seconds an item waits for SQLite's write lock before it is handled
                        # without being stored (an answer needs no write)
KEEP_DAYS = 7           # handled items are kept this long (a repeat within it is ignored)
REPLAY_HOURS = 24       # at start, items younger than this never handled are handled


class InboxService:
    def __init__(self, db: Database):
        self.db = db

    def receive(self, channel: str, key: str, payload: dict,
                wait: float | None = WAIT) -> bool | None:
        """Keep an item before it is confirmed: True, or False when it was received before;
        None when the database stayed busy longer than `wait` (handle it unstored)."""
        try:
            with self.db.session(wait=wait) as s:
                if s.get(InboxItem, (channel, key)) is not None:
                    return False
                s.add(InboxItem(channel=channel, key=key, payload=payload))
            return True
        except IntegrityError:
            return False
        except DatabaseBusy:
            return None

    def handled(self, channel: str, key: str, wait: float | None = WAIT) -> None:
        """Mark an item handled; when the database is busy the handled log keeps it (folded in
        at the next start)."""
        try:
            with self.db.session(wait=wait) as s:
                s.execute(update(InboxItem).where(InboxItem.channel == channel,
                                                  InboxItem.key == key,
                                                  InboxItem.handled_at.is_(None))
                          .values(handled_at=utcnow()))
        except DatabaseBusy:
            pass

    def handled_many(self, channel: str, keys: list[str]) -> None:
        with self.db.session() as s:
            for k in range(0, len(keys), 500):
                s.execute(update(InboxItem).where(InboxItem.channel == channel,
                                                  InboxItem.key.in_(keys[k:k + 500]),
                                                  InboxItem.handled_at.is_(None))
                          .values(handled_at=utcnow()))

    def unhandled(self, channel: str, now: datetime | None = None) -> list[dict]:
        """Items received but never handled (the process died first), oldest first."""
        since = (now or utcnow()) - timedelta(hours=REPLAY_HOURS)
        with self.db.read() as s:
            return [i.payload for i in s.scalars(
                select(InboxItem).where(InboxItem.channel == channel,
                                        InboxItem.handled_at.is_(None),
                                        InboxItem.received_at >= since)
                .order_by(InboxItem.received_at, InboxItem.key))]

    def purge(self, now: datetime | None = None) -> int:
        before = (now or utcnow()) - timedelta(days=KEEP_DAYS)
        with self.db.session() as s:
            return s.execute(delete(InboxItem).where(InboxItem.received_at < before)).rowcount
