"""The audit log of board actions: who did what, when, for which board; read by that board and
by every board above it (the top board reads all)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import Database
from bot.db.models import AuditEntry, Member
from bot.scope import Scope
from bot.services.members import Actor, MembersService

DETAIL_CHARS = 2000


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    who: str
    board: str
    channel: str
    action: str
    target: str
    detail: str


def record(s: Session, scope: Scope, action: str, target: str, detail: str = "",
           channel: str = "chat") -> None:
    """Write one entry in the caller's transaction (the action and its entry commit together)."""
    s.add(AuditEntry(member_id=scope.member_id, telegram_id=scope.telegram_id,
                     board_unit_id=scope.unit_id, channel=channel, action=action,
                     target=target[:200], detail=detail[:DETAIL_CHARS]))


class AuditService:
    def __init__(self, db: Database, members: MembersService):
        self.db = db
        self.members = members

    def recent(self, actor: Actor, limit: int = 100) -> list[AuditLine]:
        """The latest entries of the viewer's board and the boards under it, newest first."""
        scope = self.members.as_scope(actor)
        with self.db.read() as s:
            rows = s.execute(
                select(AuditEntry, Member.full_name).outerjoin(Member, Member.id == AuditEntry.member_id)
                .where(scope.where(AuditEntry.board_unit_id))
                .order_by(AuditEntry.id.desc()).limit(limit)).all()
            boards = {u: self.members.board_title(s, u) for u in {e.board_unit_id for e, _ in rows}}
            # The command line acts as no one (telegram id 0): shown as such by the page.
            return [AuditLine(e.at, name or (str(e.telegram_id) if e.telegram_id else ""),
                              boards[e.board_unit_id], e.channel,
                              e.action, e.target, e.detail) for e, name in rows]
