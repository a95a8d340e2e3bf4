"""Units, members, invites and roles. Every admin check reads the role from the database."""
from __future__ import annotations

import csv
import io
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot.db import Database
from bot.db.models import ROLE_ADMIN, ROLE_MEMBER, Invite, InviteFailure, Member, Unit, utcnow
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.scope import Scope, subtree
from bot.text import clean_name
from bot.texts import common as T
from indexer.text import fold


@dataclass(frozen=True)
class UnitInfo:
    id: int
    name: str
    kind: str
    active: bool
    members: int = 0


@dataclass(frozen=True)
class MemberInfo:
    id: int
    telegram_id: int
    chat_id: int
    full_name: str
    username: str | None
    unit_id: int | None
    unit_name: str | None
    role: str
    is_reporter: bool
    active: bool
    unreachable: bool

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN and self.active


@dataclass(frozen=True)
class InviteInfo:
    code: str
    unit_id: int
    unit_name: str
    expires_at: datetime | None
    max_uses: int | None = None
    uses: int = 0
    is_reporter: bool = False
    created_at: datetime | None = None

    @property
    def uses_left(self) -> int | None:
        """Joins still allowed; None when the invite has no limit."""
        return None if self.max_uses is None else max(0, self.max_uses - self.uses)


def _invite_info(inv: Invite) -> InviteInfo:
    return InviteInfo(inv.code, inv.unit_id, inv.unit.name, inv.expires_at, inv.max_uses,
                      inv.uses, inv.is_reporter, inv.created_at)


@dataclass(frozen=True)
class JoinResult:
    member: MemberInfo
    unit_name: str
    moved: bool
    already: bool


def _member_info(m: Member) -> MemberInfo:
    return MemberInfo(m.id, m.telegram_id, m.chat_id, m.full_name, m.username, m.unit_id,
                      m.unit.name if m.unit else None, m.role, m.is_reporter, m.active,
                      m.unreachable)


UNIT_KINDS = {
    "chi bo": "chi_bo", "dang bo": "dang_bo_co_so", "xa": "xa_phuong", "phuong": "xa_phuong",
    "mttq": "mttq", "mat tran": "mttq", "doan": "doan_the", "hoi": "doan_the",
}


def guess_kind(name: str) -> str:
    f = fold(name)
    for prefix, kind in UNIT_KINDS.items():
        if f.startswith(prefix):
            return kind
    return "khac"


class MembersService:
    def __init__(self, db: Database, admin_ids: frozenset[int] = frozenset(),
                 invite_ttl_days: int | None = 30, invite_fail_limit: int = 30,
                 invite_fail_window: float = 600.0):
        self.db = db
        self.admin_ids = admin_ids
        self.invite_ttl_days = invite_ttl_days
        # Invalid invite codes tolerated from all users together per window (seconds): beyond
        # it nobody's code is checked until the window has passed, so guessing stays hopeless.
        self.invite_fail_limit = invite_fail_limit
        self.invite_fail_window = invite_fail_window

    # ------------------------------------------------------------ lookups / access
    def get(self, telegram_id: int) -> MemberInfo | None:
        with self.db.read() as s:
            m = s.scalar(select(Member).where(Member.telegram_id == telegram_id))
            return _member_info(m) if m else None

    def is_admin(self, telegram_id: int) -> bool:
        """Fresh check on every call: the configured ids, or an active admin row."""
        if telegram_id in self.admin_ids:
            return True
        with self.db.read() as s:
            role, active = s.execute(
                select(Member.role, Member.active).where(Member.telegram_id == telegram_id)
            ).first() or (None, False)
            return role == ROLE_ADMIN and bool(active)

    def scope(self, telegram_id: int) -> Scope:
        """The board member's scope, read fresh from the database; NotAllowed for anyone else.

        LOA_ADMIN_IDS and admins without a board unit are the top-level board (the whole tree);
        an admin of a unit sees and acts on that unit and everything under it."""
        with self.db.read() as s:
            row = s.execute(select(Member.id, Member.role, Member.active, Member.board_unit_id)
                            .where(Member.telegram_id == telegram_id)).first()
            if telegram_id in self.admin_ids:
                return Scope(telegram_id, row.id if row else None, None, None)
            if row is None or row.role != ROLE_ADMIN or not row.active:
                raise NotAllowed(T.ADMIN_ONLY)
            if row.board_unit_id is None:
                return Scope(telegram_id, row.id, None, None)
            return Scope(telegram_id, row.id, row.board_unit_id, subtree(s, row.board_unit_id))

    def require_admin(self, telegram_id: int) -> None:
        if not self.is_admin(telegram_id):
            raise NotAllowed(T.ADMIN_ONLY)

    def require_member(self, telegram_id: int) -> MemberInfo:
        """An active registered member (admins from LOA_ADMIN_IDS are registered on first use)."""
        m = self.get(telegram_id)
        if m is None and telegram_id in self.admin_ids:
            m = self.ensure_admin(telegram_id, telegram_id, "")
        if m is None:
            raise NotAllowed(T.NOT_REGISTERED)
        if not m.active:
            raise NotAllowed(T.DEACTIVATED)
        return m

    def ensure_admin(self, telegram_id: int, chat_id: int, full_name: str,
                     username: str | None = None) -> MemberInfo:
        full_name = clean_name(full_name)
        with self.db.session() as s:
            m = s.scalar(select(Member).where(Member.telegram_id == telegram_id))
            if m is None:
                m = Member(telegram_id=telegram_id, chat_id=chat_id, full_name=full_name,
                           username=username, role=ROLE_ADMIN)
                s.add(m)
            else:
                m.role = ROLE_ADMIN
                m.active = True
                m.full_name = full_name or m.full_name
            s.flush()
            return _member_info(m)

    # ------------------------------------------------------------ units
    def add_unit(self, name: str, kind: str | None = None) -> tuple[UnitInfo, bool]:
        name = clean_name(name, limit=10_000)
        if not name:
            raise InvalidInput(T.UNIT_ADD_USAGE)
        if len(name) > 200:
            raise InvalidInput(T.UNIT_ADD_USAGE)
        with self.db.session() as s:
            u = s.scalar(select(Unit).where(func.lower(Unit.name) == name.lower()))
            if u:
                return UnitInfo(u.id, u.name, u.kind, u.active), False
            u = Unit(name=name, kind=kind or guess_kind(name))
            s.add(u)
            s.flush()
            return UnitInfo(u.id, u.name, u.kind, u.active), True

    def import_units(self, csv_text: str) -> list[tuple[UnitInfo, bool]]:
        """CSV with a header `name[,kind]` (or a bare list of names, one a line)."""
        rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))
        if rows and rows[0] and fold(rows[0][0]) in {"name", "ten", "ten don vi", "don vi"}:
            rows = rows[1:]
        out = []
        for row in rows:
            if not row or not row[0].strip():
                continue
            out.append(self.add_unit(row[0], row[1].strip() if len(row) > 1 and row[1].strip()
                                     else None))
        return out

    def units(self, include_inactive: bool = False) -> list[UnitInfo]:
        with self.db.read() as s:
            counts = dict(s.execute(
                select(Member.unit_id, func.count(Member.id))
                .where(Member.active.is_(True)).group_by(Member.unit_id)).all())
            q = select(Unit).order_by(Unit.id)
            if not include_inactive:
                q = q.where(Unit.active.is_(True))
            return [UnitInfo(u.id, u.name, u.kind, u.active, counts.get(u.id, 0))
                    for u in s.scalars(q)]

    def find_unit(self, s: Session, ref: str) -> Unit:
        ref = clean_name(ref, limit=10_000)
        if ref.isdigit():
            u = s.get(Unit, int(ref))
            if u:
                return u
        units = list(s.scalars(select(Unit).where(Unit.active.is_(True))))
        f = fold(ref)
        exact = [u for u in units if fold(u.name) == f]
        if exact:
            return exact[0]
        partial = [u for u in units if f and f in fold(u.name)]
        if len(partial) == 1:
            return partial[0]
        raise NotFound(T.UNIT_NOT_FOUND, name=ref)

    # ------------------------------------------------------------ invites
    def create_invite(self, unit_ref: str, created_by_tid: int | None = None,
                      ttl_days: int | None = -1, is_reporter: bool = False,
                      max_uses: int | None = None) -> InviteInfo:
        """A new code for `unit_ref`; `max_uses` joins at most (None: until it expires)."""
        if ttl_days == -1:
            ttl_days = self.invite_ttl_days
        if max_uses is not None and not 1 <= max_uses <= 100_000:
            raise InvalidInput(T.INVITE_USES_BAD)
        with self.db.session() as s:
            unit = self.find_unit(s, unit_ref)
            creator = None
            if created_by_tid is not None:
                creator = s.scalar(select(Member.id).where(Member.telegram_id == created_by_tid))
            # 96 bits of randomness: unguessable, and short enough for a deep link (<= 64 chars).
            code = secrets.token_urlsafe(12)
            expires = utcnow() + timedelta(days=ttl_days) if ttl_days else None
            inv = Invite(code=code, unit_id=unit.id, created_by=creator, expires_at=expires,
                         is_reporter=is_reporter, max_uses=max_uses, uses=0, created_at=utcnow())
            s.add(inv)
            s.flush()
            return InviteInfo(code, unit.id, unit.name, expires, max_uses, 0, is_reporter,
                              inv.created_at)

    def invites(self, include_spent: bool = False) -> list[InviteInfo]:
        """Invites that can still be used, newest first (all of them with `include_spent`)."""
        now = utcnow()
        with self.db.session() as s:
            q = select(Invite).order_by(Invite.id.desc())
            if not include_spent:
                q = q.join(Unit, Unit.id == Invite.unit_id).where(
                    Invite.revoked_at.is_(None), Unit.active.is_(True),
                    or_(Invite.expires_at.is_(None), Invite.expires_at >= now),
                    or_(Invite.max_uses.is_(None), Invite.uses < Invite.max_uses))
            return [_invite_info(inv) for inv in s.scalars(q)]

    def revoke_invite(self, code: str) -> bool:
        with self.db.session() as s:
            inv = s.scalar(select(Invite).where(Invite.code == code))
            if not inv or inv.revoked_at:
                return False
            inv.revoked_at = utcnow()
            return True

    def _invite_lockout(self, s: Session, now: datetime) -> int:
        """Minutes to wait when too many invalid codes came in lately (0: codes are checked)."""
        since = now - timedelta(seconds=self.invite_fail_window)
        recent = list(s.scalars(select(InviteFailure.at).where(InviteFailure.at >= since)
                                .order_by(InviteFailure.at.desc())
                                .limit(self.invite_fail_limit)))
        if len(recent) < self.invite_fail_limit:
            return 0
        # Open again once the oldest of the last `limit` failures leaves the window.
        free_at = recent[-1] + timedelta(seconds=self.invite_fail_window)
        return max(1, math.ceil((free_at - now).total_seconds() / 60))

    def _record_invite_failure(self, telegram_id: int, now: datetime) -> None:
        with self.db.session() as s:
            s.add(InviteFailure(telegram_id=telegram_id, at=now))
            s.execute(delete(InviteFailure).where(
                InviteFailure.at < now - timedelta(seconds=self.invite_fail_window)))

    def join(self, code: str, telegram_id: int, chat_id: int, full_name: str,
             username: str | None) -> JoinResult:
        now = utcnow()
        full_name = clean_name(full_name)
        with self.db.session() as s:
            wait = self._invite_lockout(s, now)
            if wait:
                raise InvalidInput(T.INVITE_TOO_MANY, minutes=wait)
            inv = s.scalar(select(Invite).where(Invite.code == (code or "")[:64]))
            valid = not (inv is None or inv.revoked_at is not None
                         or (inv.expires_at is not None and inv.expires_at < now)
                         or not inv.unit.active)
            spent = valid and inv.max_uses is not None and inv.uses >= inv.max_uses
        if not valid:
            self._record_invite_failure(telegram_id, now)
            raise InvalidInput(T.INVITE_INVALID)
        with self.db.session() as s:
            inv = s.scalar(select(Invite).where(Invite.code == (code or "")[:64]))
            m = s.scalar(select(Member).where(Member.telegram_id == telegram_id))
            if m is not None and not m.active:
                raise NotAllowed(T.DEACTIVATED)
            if m is not None and m.unit_id == inv.unit_id:
                # Tapping the link again changes nothing and uses nothing up.
                s.refresh(m)
                return JoinResult(_member_info(m), inv.unit.name, False, True)
            if spent:
                raise InvalidInput(T.INVITE_USED_UP)
            # Conditional update: two people racing for the last use cannot both get in.
            taken = s.execute(update(Invite).where(
                Invite.id == inv.id,
                or_(Invite.max_uses.is_(None), Invite.uses < Invite.max_uses))
                .values(uses=Invite.uses + 1)).rowcount
            if not taken:
                raise InvalidInput(T.INVITE_USED_UP)
            moved = False
            if m is None:
                m = Member(telegram_id=telegram_id, chat_id=chat_id, full_name=full_name,
                           username=username, unit_id=inv.unit_id, role=ROLE_MEMBER,
                           is_reporter=inv.is_reporter)
                if telegram_id in self.admin_ids:
                    m.role = ROLE_ADMIN
                s.add(m)
            else:
                moved = m.unit_id is not None
                m.unit_id = inv.unit_id
                m.is_reporter = inv.is_reporter
                m.full_name = full_name or m.full_name
            s.flush()
            s.refresh(m)
            return JoinResult(_member_info(m), inv.unit.name, moved, False)

    # ------------------------------------------------------------ members admin
    def members(self, unit_ref: str | None = None) -> list[MemberInfo]:
        with self.db.read() as s:
            q = select(Member).order_by(Member.id)
            if unit_ref:
                q = q.where(Member.unit_id == self.find_unit(s, unit_ref).id)
            return [_member_info(m) for m in s.scalars(q)]

    def _member(self, s: Session, member_id: int) -> Member:
        m = s.get(Member, member_id)
        if m is None:
            raise NotFound(T.MEMBER_NOT_FOUND, id=member_id)
        return m

    def _change(self, actor_tid: int, member_id: int, **changes) -> MemberInfo:
        """Apply an admin's change to a member, the role re-checked first."""
        self.require_admin(actor_tid)
        with self.db.session() as s:
            m = self._member(s, member_id)
            if "unit_ref" in changes:
                changes["unit_id"] = self.find_unit(s, changes.pop("unit_ref")).id
            for key, value in changes.items():
                setattr(m, key, value)
            s.flush()
            s.refresh(m)
            return _member_info(m)

    def move(self, actor_tid: int, member_id: int, unit_ref: str) -> MemberInfo:
        return self._change(actor_tid, member_id, unit_ref=unit_ref, is_reporter=False)

    def deactivate(self, actor_tid: int, member_id: int) -> MemberInfo:
        return self._change(actor_tid, member_id, active=False)

    def set_reporter(self, actor_tid: int, member_id: int, value: bool = True) -> MemberInfo:
        return self._change(actor_tid, member_id, is_reporter=value)

    def set_admin(self, actor_tid: int, member_id: int, value: bool = True) -> MemberInfo:
        return self._change(actor_tid, member_id, role=ROLE_ADMIN if value else ROLE_MEMBER)

    def admin_chats(self) -> list[int]:
        """Chats of every active admin (configured ids included, even before they /start)."""
        with self.db.read() as s:
            rows = s.execute(select(Member.telegram_id, Member.chat_id).where(
                Member.role == ROLE_ADMIN, Member.active.is_(True))).all()
        chats = {chat for _, chat in rows}
        known = {tid for tid, _ in rows}
        chats.update(t for t in self.admin_ids if t not in known)
        return sorted(chats)

    def mark_unreachable(self, member_id: int) -> None:
        with self.db.session() as s:
            m = s.get(Member, member_id)
            if m:
                m.unreachable = True
