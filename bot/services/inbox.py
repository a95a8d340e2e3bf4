"""Received Telegram updates kept until handled (see bot/inbox.py for when each step happens)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from bot.db import Database
from bot.db.models import InboxUpdate, utcnow

KEEP_DAYS = 7           # handled updates are kept this long (a repeat within it is ignored)
REPLAY_HOURS = 24       # at start, updates younger than this never handled are handled


class InboxService:
    def __init__(self, db: Database):
        self.db = db

    def receive(self, update_id: int, payload: dict) -> bool:
        """Keep an update before it is confirmed; False when it was received before."""
        try:
            with self.db.session() as s:
                if s.get(InboxUpdate, update_id) is not None:
                    return False
                s.add(InboxUpdate(update_id=update_id, payload=payload))
            return True
        except IntegrityError:
            return False

    def handled(self, update_id: int) -> None:
        with self.db.session() as s:
            s.execute(update(InboxUpdate).where(InboxUpdate.update_id == update_id,
                                                InboxUpdate.handled_at.is_(None))
                      .values(handled_at=utcnow()))

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
