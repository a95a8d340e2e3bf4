"""Received Telegram updates kept until handled (see bot/inbox.py for when each step happens)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from bot.db import Database, DatabaseBusy
from bot.db.models import InboxUpdate, utcnow

WAIT = 0.2              # seconds an update waits for SQLite's write lock before it is handled
                        # without being stored (an answer needs no write)
KEEP_DAYS = 7           # handled updates are kept this long (a repeat within it is ignored)
REPLAY_HOURS = 24       # at start, updates younger than this never handled are handled


class InboxService:
    def __init__(self, db: Database):
        self.db = db

    def receive(self, update_id: int, payload: dict, wait: float | None = WAIT) -> bool | None:
        """Keep an update before it is confirmed: True, or False when it was received before;
        None when the database stayed busy longer than `wait` (handle it unstored)."""
        try:
            with self.db.session(wait=wait) as s:
                if s.get(InboxUpdate, update_id) is not None:
                    return False
                s.add(InboxUpdate(update_id=update_id, payload=payload))
            return True
        except IntegrityError:
            return False
        except DatabaseBusy:
            return None

    def handled(self, update_id: int, wait: float | None = WAIT) -> None:
        """Mark an update handled; when the database is busy the handled log keeps it (folded in
        at the next start)."""
        try:
            with self.db.session(wait=wait) as s:
                s.execute(update(InboxUpdate).where(InboxUpdate.update_id == update_id,
                                                    InboxUpdate.handled_at.is_(None))
                          .values(handled_at=utcnow()))
        except DatabaseBusy:
            pass

    def handled_many(self, update_ids: list[int]) -> None:
        with self.db.session() as s:
            for k in range(0, len(update_ids), 500):
                s.execute(update(InboxUpdate).where(InboxUpdate.update_id.in_(update_ids[k:k + 500]),
                                                    InboxUpdate.handled_at.is_(None))
                          .values(handled_at=utcnow()))

    def unhandled(self, now: datetime | None = None) -> list[dict]:
        """Updates received but never handled (the process died first), oldest first."""
        since = (now or utcnow()) - timedelta(hours=REPLAY_HOURS)
        with self.db.read() as s:
            return [u.payload for u in s.scalars(
                select(InboxUpdate).where(InboxUpdate.handled_at.is_(None),
                                          InboxUpdate.received_at >= since)
                .order_by(InboxUpdate.update_id))]

    def purge(self, now: datetime | None = None) -> int:
        before = (now or utcnow()) - timedelta(days=KEEP_DAYS)
        with self.db.session() as s:
            return s.execute(delete(InboxUpdate).where(InboxUpdate.received_at < before)).rowcount
