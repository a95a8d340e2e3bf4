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

from bot.boards import unit_board_title
from bot.db import Database
from bot.db.models import ROLE_ADMIN, ROLE_MEMBER, Invite, InviteFailure, Member, Unit, utcnow
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.scope import MAX_DEPTH, TOP, Scope, path, subtree
from bot.text import clean_name
from bot.texts import common as T
from bot.texts import province as TP
from indexer.text import fold

# A unit written with its parents: "Xã A › Chi bộ 1" (also "Xã A / Chi bộ 1", "Xã A > Chi bộ 1").
PATH_SEPARATORS = ("›", ">", "/")
Actor = Scope | int | None   # a board's scope; a Telegram id (its scope is read); None: the CLI


@dataclass(frozen=True)
class UnitInfo:
    id: int
    name: str
    kind: str
    active: bool
    members: int = 0
    parent_id: int | None = None
    depth: int = 0          # levels below the listing's root (0: top level, or the board's unit)


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
    board_unit_id: int | None = None

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
    is_admin: bool = False    # joiners become board members of the unit

    @property
    def uses_left(self) -> int | None:
        """Joins still allowed; None when the invite has no limit."""
        return None if self.max_uses is None else max(0, self.max_uses - self.uses)


def _invite_info(inv: Invite) -> InviteInfo:
    return InviteInfo(inv.code, inv.unit_id, inv.unit.name, inv.expires_at, inv.max_uses,
                      inv.uses, inv.is_reporter, inv.created_at, inv.role == ROLE_ADMIN)


@dataclass(frozen=True)
class JoinResult:
    member: MemberInfo
    unit_name: str
    moved: bool
    already: bool
    board: bool = False      # joined the unit's board (an --admin invite)


def _unit_info(u: Unit) -> UnitInfo:
    return UnitInfo(u.id, u.name, u.kind, u.active, parent_id=u.parent_id)


def _member_info(m: Member) -> MemberInfo:
    return MemberInfo(m.id, m.telegram_id, m.chat_id, m.full_name, m.username, m.unit_id,
                      m.unit.name if m.unit else None, m.role, m.is_reporter, m.active,
                      m.unreachable, m.board_unit_id)


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
                 invite_fail_window: float = 600.0, top_board: str = ""):
        self.db = db
        self.top_board = top_board
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

    def as_scope(self, actor: Actor) -> Scope:
        """The scope a service acts in: a board's (read fresh for a Telegram id), or the whole
        tree for the command line (None), which only whoever runs the server can use."""
        if actor is None:
            return TOP
        if isinstance(actor, Scope):
            return actor
        return self.scope(int(actor))

    @staticmethod
    def acting_member(s: Session, scope: Scope) -> int | None:
        """The member id of whoever acts in `scope` (an admin of LOA_ADMIN_IDS is found by their
        Telegram id; the command line is no one)."""
        if scope.member_id is not None or not scope.telegram_id:
            return scope.member_id
        return s.scalar(select(Member.id).where(Member.telegram_id == scope.telegram_id))

    def board_name(self, s: Session, scope: Scope) -> str:
        """The scope's board as it signs ("Ban Xây dựng Đảng Đảng ủy xã A")."""
        return self.board_title(s, scope.unit_id)

    def board_title(self, s: Session, board_unit_id: int | None) -> str:
        """The name of the board of a unit (None: the top board)."""
        return unit_board_title(s, board_unit_id, self.top_board)

    def serving_board(self, telegram_id: int | None) -> str:
        """The name of the board that speaks to a person: a board member's own board; for a
        member, the nearest board at or above their unit that has a member (the one their
        questions go to); the top board for anyone else."""
        if telegram_id is None or telegram_id in self.admin_ids:
            with self.db.read() as s:
                return unit_board_title(s, None, self.top_board)
        with self.db.read() as s:
            row = s.execute(select(Member.unit_id, Member.role, Member.board_unit_id)
                            .where(Member.telegram_id == telegram_id)).first()
            if row is not None and row.role == ROLE_ADMIN:
                return unit_board_title(s, row.board_unit_id, self.top_board)
            unit_id = row.unit_id if row is not None else None
            return unit_board_title(s, self.nearest_board(s, unit_id) if unit_id else None,
                                    self.top_board)

    def require_unit_in(self, s: Session, scope: Scope, unit: Unit,
                        ref: str | None = None) -> Unit:
        """The unit, or NotAllowed when it lies outside the scope. The refusal repeats what was
        typed (`ref`), never the unit's own name: a number or a part of a name must not tell a
        commune's board what lies outside its subtree."""
        if not scope.covers(unit.id):
            shown = clean_name(ref or "", limit=80) or TP.THIS_UNIT
            raise NotAllowed(TP.OUT_OF_SCOPE_UNIT, unit=shown, board=self.board_name(s, scope))
        return unit

    def unit_in(self, s: Session, scope: Scope, ref: str) -> Unit:
        """The unit `ref` names, inside the scope (NotFound / NotAllowed otherwise)."""
        return self.require_unit_in(s, scope, self.find_unit(s, ref, scope), ref)

    def board_chats(self, board_unit_id: int | None) -> list[int]:
        """Chats of a board's active members: of one unit, or (None) the top-level board."""
        with self.db.read() as s:
            rows = s.execute(select(Member.telegram_id, Member.chat_id).where(
                Member.role == ROLE_ADMIN, Member.active.is_(True),
                Member.board_unit_id == board_unit_id if board_unit_id is not None
                else Member.board_unit_id.is_(None))).all()
        if board_unit_id is not None:
            return sorted({chat for tid, chat in rows if tid not in self.admin_ids})
        chats = {chat for _, chat in rows}
        # LOA_ADMIN_IDS sit on the top board whatever their row says, even before they /start.
        with self.db.read() as s:
            known = dict(s.execute(select(Member.telegram_id, Member.chat_id).where(
                Member.telegram_id.in_(sorted(self.admin_ids)))).all()) if self.admin_ids else {}
        chats.update(known.get(t, t) for t in self.admin_ids)
        return sorted(chats)

    def nearest_board(self, s: Session, unit_id: int | None, above: bool = False) -> int | None:
        """The nearest unit at or above `unit_id` (strictly above with `above`) whose board has
        an active member; None: the top-level board."""
        chain = [u.id for u in reversed(path(s, unit_id))]
        if above:
            chain = chain[1:]
        if not chain:
            return None
        staffed = set(s.scalars(select(Member.board_unit_id).where(
            Member.board_unit_id.in_(chain), Member.role == ROLE_ADMIN,
            Member.active.is_(True), Member.telegram_id.not_in(sorted(self.admin_ids) or [0]))))
        return next((u for u in chain if u in staffed), None)

    def require_admin(self, telegram_id: int) -> None:
        if not self.is_admin(telegram_id):
            raise NotAllowed(T.ADMIN_ONLY)

    def require_member(self, telegram_id: int) -> MemberInfo:
        """An active registered member (admins from LOA_ADMIN_IDS are registered on first use)."""
        m = self.get(telegram_id)
        if m is None and telegram_id in self.admin_ids:
            m = self.ensure_admin(telegram_id, telegram_id, "")
        if m is None:
            raise NotAllowed(T.NOT_REGISTERED, board=self.serving_board(None))
        if not m.active:
            raise NotAllowed(T.DEACTIVATED, board=self.serving_board(telegram_id))
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
    def add_unit(self, name: str, kind: str | None = None, parent: str | None = None,
                 scope: Actor = None, via: str = "chat") -> tuple[UnitInfo, bool]:
        """Add a unit (or find it among its siblings). A board adds only inside its subtree:
        without a parent, under its own unit; the top-level board and the CLI at the top."""
        scope = self.as_scope(scope)
        name = clean_name(name, limit=10_000)
        if not name or len(name) > 200:
            raise InvalidInput(TP.UNIT_ADD_USAGE)
        with self.db.session() as s:
            if parent and parent.strip():
                p = self.unit_in(s, scope, parent)
            else:
                p = s.get(Unit, scope.unit_id) if scope.unit_id is not None else None
            if p is not None:
                if len(path(s, p.id)) >= MAX_DEPTH:
                    raise InvalidInput(TP.UNIT_TOO_DEEP, name=name, parent=p.name, max=MAX_DEPTH)
            u, created = self._sibling_or_new(s, name, p.id if p else None, kind)
            if created:
                _audit(s, scope, "unit_add", f"{u.name} (số {u.id})", p.name if p else "", via)
            return _unit_info(u), created

    @staticmethod
    def _sibling_or_new(s: Session, name: str, parent_id: int | None,
                        kind: str | None) -> tuple[Unit, bool]:
        parent_cond = Unit.parent_id.is_(None) if parent_id is None else Unit.parent_id == parent_id
        key = fold(name)
        u = next((x for x in s.scalars(select(Unit).where(parent_cond))
                  if fold(x.name) == key), None)
        if u is not None:
            if kind and u.kind != kind:
                u.kind = kind        # a re-import updates, never duplicates
            return u, False
        u = Unit(name=name, kind=kind or guess_kind(name), parent_id=parent_id)
        s.add(u)
        s.flush()
        return u, True

    def rename_unit(self, ref: str, new_name: str, scope: Actor = None,
                    via: str = "chat") -> UnitInfo:
        """Rename a unit inside the scope (a board's own unit only by the board above)."""
        scope = self.as_scope(scope)
        new_name = clean_name(new_name, limit=10_000)
        if not new_name or len(new_name) > 200:
            raise InvalidInput(TP.UNIT_RENAME_USAGE)
        with self.db.session() as s:
            u = self._changeable(s, scope, ref)
            siblings = s.scalars(select(Unit).where(
                Unit.parent_id.is_(None) if u.parent_id is None else Unit.parent_id == u.parent_id,
                Unit.id != u.id))
            if any(fold(x.name) == fold(new_name) for x in siblings):
                raise InvalidInput(TP.UNIT_NAME_TAKEN, name=new_name)
            _audit(s, scope, "unit_rename", f"{u.name} → {new_name} (số {u.id})", "", via)
            u.name = new_name
            s.flush()
            return _unit_info(u)

    def move_unit(self, ref: str, parent_ref: str, scope: Actor = None,
                  via: str = "chat") -> UnitInfo:
        """Put a unit (and everything under it) under another unit of the scope."""
        scope = self.as_scope(scope)
        with self.db.session() as s:
            u = self._changeable(s, scope, ref)
            parent = self.unit_in(s, scope, parent_ref)
            if parent.id in subtree(s, u.id):
                raise InvalidInput(TP.UNIT_MOVE_CYCLE, name=u.name, parent=parent.name)
            u.parent_id = parent.id
            _audit(s, scope, "unit_move", f"{u.name} (số {u.id}) → {parent.name}", "", via)
            s.flush()
            return _unit_info(u)

    def deactivate_unit(self, ref: str, scope: Actor = None, via: str = "chat") -> UnitInfo:
        """Take a unit out of lists, summaries, invites and audiences (its reports and members
        stay in the database); refused while an active unit is still under it."""
        scope = self.as_scope(scope)
        with self.db.session() as s:
            u = self._changeable(s, scope, ref)
            below = s.scalar(select(func.count(Unit.id)).where(Unit.parent_id == u.id,
                                                               Unit.active.is_(True)))
            if below:
                raise InvalidInput(TP.UNIT_HAS_CHILDREN, name=u.name, count=below)
            u.active = False
            s.execute(update(Invite).where(Invite.unit_id == u.id, Invite.revoked_at.is_(None))
                      .values(revoked_at=utcnow()))
            _audit(s, scope, "unit_deactivate", f"{u.name} (số {u.id})", "", via)
            s.flush()
            return _unit_info(u)

    def name_board(self, ref: str, board_name: str, scope: Actor = None) -> tuple[UnitInfo, str]:
        """Set how a unit's board signs (its own board may: it is its name); "-" or empty goes
        back to the name read from the unit's. Returns the unit and the name now in use."""
        scope = self.as_scope(scope)
        board_name = clean_name(board_name, limit=10_000)
        if len(board_name) > 200:
            raise InvalidInput(TP.UNIT_BOARD_NAME_USAGE)
        with self.db.session() as s:
            u = self.unit_in(s, scope, ref)
            u.board_name = None if board_name in ("", "-") else board_name
            s.flush()
            return _unit_info(u), unit_board_title(s, u.id, self.top_board)

    def _changeable(self, s: Session, scope: Scope, ref: str) -> Unit:
        """A unit this board may change: inside its scope, and not its own board's unit."""
        u = self.unit_in(s, scope, ref)
        if not scope.is_top and u.id == scope.unit_id:
            raise NotAllowed(TP.UNIT_OWN_BOARD, name=u.name)
        return u

    def import_units(self, csv_text: str, scope: Actor = None, dry_run: bool = False,
                     via: str = "cli") -> list[tuple[UnitInfo, bool]]:
        """CSV with a header row: `name` (required), `parent` (the parent's name or path, empty:
        top level — for a unit's board, its own unit), `kind`. Idempotent; parents may come after
        their children or already exist. All or nothing: the first problem stops it with the
        line it is on; a board's file may only add or update units inside its scope. With
        `dry_run` nothing is kept: the result says what would be added (True) or is there.
        (A file without a header, one name a line, or `name,kind`, is still read as before.)"""
        scope = self.as_scope(scope)
        text = csv_text.lstrip("\ufeff")
        rows = list(csv.reader(io.StringIO(text), delimiter=_delimiter(text)))
        cols = {"name": 0, "kind": 1}
        first = 1
        if rows and rows[0]:
            head = [" ".join(fold(c).split()) for c in rows[0]]
            names = {"name", "ten", "ten don vi", "don vi"}
            if not any(h in names for h in head) and any(h in _HEADER_WORDS for h in head):
                # A header, but not one Loa reads: refuse it rather than import it as units.
                raise InvalidInput(TP.IMPORT_LINE_ERROR, line=1, reason=TP.IMPORT_HEADER_UNKNOWN)
            if any(h in names for h in head):
                cols = {}
                for i, h in enumerate(head):
                    if h in names:
                        cols.setdefault("name", i)
                    elif h in {"parent", "cap tren", "don vi cap tren", "thuoc"}:
                        cols.setdefault("parent", i)
                    elif h in {"kind", "loai"}:
                        cols.setdefault("kind", i)
                rows = rows[1:]
                first = 2

        def cell(row: list[str], key: str) -> str:
            i = cols.get(key)
            return row[i].strip() if i is not None and i < len(row) else ""

        entries: list[tuple[int, str, str, str]] = []   # (line, name, parent, kind)
        for n, row in enumerate(rows, start=first):
            if not any(c.strip() for c in row):
                continue
            name = clean_name(cell(row, "name"), limit=10_000)
            if not name:
                raise InvalidInput(TP.IMPORT_LINE_ERROR, line=n, reason=TP.IMPORT_NO_NAME)
            if len(name) > 200:
                raise InvalidInput(TP.IMPORT_LINE_ERROR, line=n, reason=TP.IMPORT_TOO_LONG)
            entries.append((n, name, clean_name(cell(row, "parent"), limit=10_000),
                            cell(row, "kind")))
        try:
            with self.db.session() as s:
                default = s.get(Unit, scope.unit_id) if not scope.is_top else None
                run = _Import(self, s, entries, default)
                out = run.run()
                if not scope.is_top:
                    run.require_inside(scope)
                if dry_run:
                    raise _DryRun(out)
                added = sum(created for _, created in out)
                _audit(s, scope, "unit_import", f"{added} đơn vị mới / {len(out)} dòng",
                       ", ".join(u.name for u, c in out if c)[:1000], via)
                return out
        except _DryRun as d:   # rolled back: nothing of it stays
            return d.result

    def units(self, include_inactive: bool = False, scope: Actor = None,
              root: str | None = None) -> list[UnitInfo]:
        """Units in tree order (each after its parent), indented by `depth`; a board sees its
        own unit and everything under it; with `root`, that unit's subtree (inside the scope)."""
        scope = self.as_scope(scope)
        if root:
            with self.db.read() as s:
                unit = self.unit_in(s, scope, root)
                scope = Scope(scope.telegram_id, scope.member_id, unit.id, subtree(s, unit.id))
        with self.db.read() as s:
            counts = dict(s.execute(
                select(Member.unit_id, func.count(Member.id))
                .where(Member.active.is_(True)).group_by(Member.unit_id)).all())
            q = select(Unit).where(scope.where(Unit.id)).order_by(Unit.id)
            if not include_inactive:
                q = q.where(Unit.active.is_(True))
            found = list(s.scalars(q))
        ids = {u.id for u in found}
        kids: dict[int | None, list[Unit]] = {}
        for u in found:
            # A unit whose parent is not listed (inactive, or above the board) is a root here.
            kids.setdefault(u.parent_id if u.parent_id in ids else None, []).append(u)
        out: list[UnitInfo] = []
        stack = [(u, 0) for u in reversed(kids.get(None, []))]
        while stack:
            u, depth = stack.pop()
            out.append(UnitInfo(u.id, u.name, u.kind, u.active, counts.get(u.id, 0),
                                u.parent_id, depth))
            if depth < MAX_DEPTH + 1:
                stack.extend((c, depth + 1) for c in reversed(kids.get(u.id, [])))
        return out

    def unit_path(self, unit_id: int | None) -> str:
        """"Tỉnh › Xã › Chi bộ" for a unit (empty for none)."""
        with self.db.read() as s:
            return " › ".join(u.name for u in path(s, unit_id))

    def shown_names(self, units: list[tuple[int | None, str | None]]) -> dict[int, str]:
        """How a list shows each unit: its name, or, where two different units of the list
        share a name ("Chi bộ Thôn 1" of two communes), the name with its parent."""
        ids_by_name: dict[str, set[int]] = {}
        for uid, name in units:
            if uid is not None and name:
                ids_by_name.setdefault(fold(name), set()).add(uid)
        shared = sorted({u for ids in ids_by_name.values() if len(ids) > 1 for u in ids})
        paths = self.unit_paths(shared) if shared else {}
        out = {}
        for uid, name in units:
            if uid is None or not name:
                continue
            if uid in paths and " › " in paths[uid]:
                parent = paths[uid].split(" › ")[-2]
                out[uid] = f"{name} ({parent})"
            else:
                out[uid] = name
        return out

    def unit_paths(self, unit_ids: list[int]) -> dict[int, str]:
        """unit_path() of many units from one read of the tree (a province's 2,101 units: one
        query, not one per unit and level)."""
        with self.db.read() as s:
            rows = s.execute(select(Unit.id, Unit.name, Unit.parent_id)).all()
        by_id = {r.id: r for r in rows}
        out: dict[int, str] = {}
        for uid in unit_ids:
            names, seen, r = [], set(), by_id.get(uid)
            while r is not None and r.id not in seen and len(names) <= MAX_DEPTH:
                names.append(r.name)
                seen.add(r.id)
                r = by_id.get(r.parent_id) if r.parent_id else None
            out[uid] = " › ".join(reversed(names))
        return out

    def find_unit(self, s: Session, ref: str, scope: Scope | None = None,
                  partial: bool = True) -> Unit:
        """The unit an admin or the CLI named: its number, its name (case and diacritics aside),
        its path ("Xã A › Chi bộ 1") or one unambiguous part of its name. With a scope, units
        inside it win over namesakes elsewhere (the caller still checks the result is inside)."""
        ref = clean_name(ref, limit=10_000)
        if ref.isdigit():
            u = s.get(Unit, int(ref))
            if u:
                return u
        units = list(s.scalars(select(Unit).where(Unit.active.is_(True))))
        by_id = {u.id: u for u in units}
        parts = [fold(p).strip() for p in _split_path(ref)]
        f = parts[-1] if parts else ""

        def ancestors_match(u: Unit) -> bool:
            p = by_id.get(u.parent_id) if u.parent_id else None
            for want in reversed(parts[:-1]):
                if p is None or " ".join(fold(p.name).split()) != " ".join(want.split()):
                    return False
                p = by_id.get(p.parent_id) if p.parent_id else None
            return True

        def pick(found: list[Unit]) -> Unit | None:
            if len(found) == 1:
                return found[0]
            if len(found) > 1 and scope is not None and not scope.is_top:
                inside = [u for u in found if scope.covers(u.id)]
                if len(inside) == 1:
                    return inside[0]
            if len(found) > 1:
                paths = [" › ".join(x.name for x in _chain(by_id, u)) for u in found[:5]]
                raise NotFound(TP.UNIT_AMBIGUOUS, name=ref, paths="; ".join(paths),
                               example=paths[0])
            return None

        exact = [u for u in units if fold(u.name) == f and ancestors_match(u)]
        u = pick(exact)
        if u is not None:
            return u
        if len(parts) == 1 and partial:
            some = [u for u in units if f and f in fold(u.name)]
            if scope is not None and not scope.is_top:   # a part of a name finds only inside
                some = [u for u in some if scope.covers(u.id)]
            if len(some) == 1:
                return some[0]
        raise NotFound(T.UNIT_NOT_FOUND, name=ref)

    # ------------------------------------------------------------ invites
    def create_invite(self, unit_ref: str, created_by_tid: int | None = None,
                      ttl_days: int | None = -1, is_reporter: bool = False,
                      max_uses: int | None = None, admin: bool = False,
                      scope: Actor = None, via: str = "chat") -> InviteInfo:
        """A new code for `unit_ref` inside the creator's scope; `max_uses` joins at most (None:
        until it expires); with `admin` whoever joins sits on the unit's board."""
        if ttl_days == -1:
            ttl_days = self.invite_ttl_days
        if admin and max_uses is None:
            max_uses = 1     # a board seat: one person, unless the board asks for more
        if max_uses is not None and not 1 <= max_uses <= 100_000:
            raise InvalidInput(T.INVITE_USES_BAD)
        scope = self.as_scope(scope if scope is not None else created_by_tid)
        with self.db.session() as s:
            unit = self.unit_in(s, scope, unit_ref)
            creator = None
            if created_by_tid is not None:
                creator = s.scalar(select(Member.id).where(Member.telegram_id == created_by_tid))
            # 96 bits of randomness: unguessable, and short enough for a deep link (<= 64 chars).
            code = secrets.token_urlsafe(12)
            expires = utcnow() + timedelta(days=ttl_days) if ttl_days else None
            inv = Invite(code=code, unit_id=unit.id, created_by=creator, expires_at=expires,
                         is_reporter=is_reporter, max_uses=max_uses, uses=0, created_at=utcnow(),
                         role=ROLE_ADMIN if admin else ROLE_MEMBER)
            s.add(inv)
            s.flush()
            role = "board" if admin else ("reporter" if is_reporter else "member")
            _audit(s, scope, "invite", f"{unit.name} (số {unit.id})",
                   f"{role}; {max_uses or '∞'}; {ttl_days or '∞'}", via)
            return InviteInfo(code, unit.id, unit.name, expires, max_uses, 0, is_reporter,
                              inv.created_at, admin)

    def invites(self, include_spent: bool = False, scope: Actor = None) -> list[InviteInfo]:
        """Invites that can still be used, newest first (all of them with `include_spent`);
        a board sees those for units inside its scope."""
        now = utcnow()
        scope = self.as_scope(scope)
        with self.db.session() as s:
            q = select(Invite).where(scope.where(Invite.unit_id)).order_by(Invite.id.desc())
            if not include_spent:
                q = q.join(Unit, Unit.id == Invite.unit_id).where(
                    Invite.revoked_at.is_(None), Unit.active.is_(True),
                    or_(Invite.expires_at.is_(None), Invite.expires_at >= now),
                    or_(Invite.max_uses.is_(None), Invite.uses < Invite.max_uses))
            return [_invite_info(inv) for inv in s.scalars(q)]

    def revoke_invite(self, code: str, scope: Actor = None, via: str = "chat") -> InviteInfo | None:
        """Revoke an invite of a unit inside the scope; None when there is no such usable code
        there (one outside the scope is not told apart from one that does not exist)."""
        scope = self.as_scope(scope)
        with self.db.session() as s:
            inv = s.scalar(select(Invite).where(Invite.code == (code or "").strip()[:64]))
            if not inv or inv.revoked_at or not scope.covers(inv.unit_id):
                return None
            inv.revoked_at = utcnow()
            _audit(s, scope, "invite_revoke", f"{inv.unit.name} (số {inv.unit_id})", "", via)
            return _invite_info(inv)

    def board_join_chats(self, member_id: int) -> tuple[list[int], str, str]:
        """Who is told at once that someone joined a board: that board's other members and the
        board above (the top board when there is none). (chats, person's name, unit's name)."""
        with self.db.read() as s:
            m = s.get(Member, member_id)
            unit = s.get(Unit, m.board_unit_id) if m and m.board_unit_id else None
            if m is None or unit is None:
                return [], "", ""
            above = self.nearest_board(s, unit.id, above=True)
            name, unit_name = m.full_name, unit.name
            joiner = m.chat_id
        chats = set(self.board_chats(unit.id)) | set(self.board_chats(above))
        chats.discard(joiner)
        return sorted(chats), name, unit_name

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
            raise InvalidInput(T.INVITE_INVALID, board=self.serving_board(telegram_id))
        with self.db.session() as s:
            inv = s.scalar(select(Invite).where(Invite.code == (code or "")[:64]))
            m = s.scalar(select(Member).where(Member.telegram_id == telegram_id))
            if m is not None and not m.active:
                raise NotAllowed(T.DEACTIVATED, board=self.serving_board(telegram_id))
            board = inv.role == ROLE_ADMIN
            if m is not None and m.unit_id == inv.unit_id and (
                    not board or (m.role == ROLE_ADMIN and m.board_unit_id == inv.unit_id)):
                # Tapping the link again changes nothing and uses nothing up.
                s.refresh(m)
                return JoinResult(_member_info(m), inv.unit.name, False, True, board)
            if spent:
                raise InvalidInput(T.INVITE_USED_UP, board=self.serving_board(telegram_id))
            # Conditional update: two people racing for the last use cannot both get in.
            taken = s.execute(update(Invite).where(
                Invite.id == inv.id,
                or_(Invite.max_uses.is_(None), Invite.uses < Invite.max_uses))
                .values(uses=Invite.uses + 1)).rowcount
            if not taken:
                raise InvalidInput(T.INVITE_USED_UP, board=self.serving_board(telegram_id))
            moved = False
            if m is None:
                m = Member(telegram_id=telegram_id, chat_id=chat_id, full_name=full_name,
                           username=username, unit_id=inv.unit_id, role=ROLE_MEMBER,
                           is_reporter=inv.is_reporter)
                if telegram_id in self.admin_ids:
                    m.role = ROLE_ADMIN
                s.add(m)
            else:
                moved = m.unit_id is not None and m.unit_id != inv.unit_id
                m.unit_id = inv.unit_id
                m.is_reporter = inv.is_reporter
                m.full_name = full_name or m.full_name
            if board:
                # A board member of the unit: an admin for it and everything under it.
                m.role = ROLE_ADMIN
                m.board_unit_id = inv.unit_id
            s.flush()
            s.refresh(m)
            return JoinResult(_member_info(m), inv.unit.name, moved, False, board)

    # ------------------------------------------------------------ members admin
    def members(self, unit_ref: str | None = None, scope: Actor = None) -> list[MemberInfo]:
        """Members (of one unit) inside the scope: of its units, or on its boards."""
        scope = self.as_scope(scope)
        with self.db.read() as s:
            q = select(Member).order_by(Member.id)
            if not scope.is_top:
                q = q.where(or_(scope.where(Member.unit_id), scope.where(Member.board_unit_id)))
            if unit_ref:
                unit = self.unit_in(s, scope, unit_ref)
                q = q.where(Member.unit_id == unit.id)
            return [_member_info(m) for m in s.scalars(q)]

    def _require_member_in(self, s: Session, scope: Scope, m: Member) -> Member:
        """A board acts on its own people only: members of its units, and board members of
        units under it (never a member of a board at or above its own, nor LOA_ADMIN_IDS)."""
        if scope.is_top:
            return m
        inside = scope.covers(m.unit_id) if m.role != ROLE_ADMIN else (
            m.telegram_id not in self.admin_ids and m.board_unit_id is not None
            and scope.covers(m.board_unit_id) and scope.covers(m.unit_id))
        if not inside:
            raise NotAllowed(TP.OUT_OF_SCOPE_MEMBER, id=m.id, board=self.board_name(s, scope))
        return m

    def _member(self, s: Session, member_id: int) -> Member:
        m = s.get(Member, member_id)
        if m is None:
            raise NotFound(T.MEMBER_NOT_FOUND, id=member_id)
        return m

    def _change(self, actor: Actor, member_id: int, action: str, via: str = "chat",
                **changes) -> MemberInfo:
        """Apply an admin's change to a member, the role and scope re-checked first; logged."""
        scope = self.as_scope(actor)
        with self.db.session() as s:
            m = self._require_member_in(s, scope, self._member(s, member_id))
            if "unit_ref" in changes:
                changes["unit_id"] = self.unit_in(s, scope, changes.pop("unit_ref")).id
            if changes.get("role") == ROLE_ADMIN and not scope.is_top:
                # Granted by a unit's board: a member of that board, not of the top one.
                changes["board_unit_id"] = scope.unit_id
            for key, value in changes.items():
                setattr(m, key, value)
            s.flush()
            s.refresh(m)
            where = f" → {m.unit.name}" if action == "member_move" and m.unit is not None else ""
            _audit(s, scope, action, f"{m.full_name} (số {m.id}){where}", "", via)
            return _member_info(m)

    def move(self, actor: Actor, member_id: int, unit_ref: str, via: str = "chat") -> MemberInfo:
        return self._change(actor, member_id, "member_move", via, unit_ref=unit_ref,
                            is_reporter=False)

    def deactivate(self, actor: Actor, member_id: int, via: str = "chat") -> MemberInfo:
        return self._change(actor, member_id, "member_deactivate", via, active=False)

    def set_reporter(self, actor: Actor, member_id: int, value: bool = True,
                     via: str = "chat") -> MemberInfo:
        return self._change(actor, member_id, "member_reporter" if value else "member_not_reporter",
                            via, is_reporter=value)

    def set_admin(self, actor: Actor, member_id: int, value: bool = True,
                  via: str = "chat") -> MemberInfo:
        """Grant the board role, or (value False) take it back: the person stays a member."""
        if value:
            return self._change(actor, member_id, "member_board", via, role=ROLE_ADMIN)
        return self._change(actor, member_id, "member_not_board", via, role=ROLE_MEMBER,
                            board_unit_id=None)

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


_HEADER_WORDS = frozenset({
    "name", "ten", "ten don vi", "don vi", "unit", "parent", "kind", "loai", "cap tren",
    "don vi cap tren", "thuoc", "stt", "id", "ma", "ma don vi", "type", "ghi chu", "note"})


def _audit(s: Session, scope: Scope, action: str, target: str, detail: str, via: str) -> None:
    """One entry in the board's log, in the action's transaction (bot.services.audit imports this
    module, hence the import here)."""
    from bot.services.audit import record
    record(s, scope, action, target, detail, via)


def _delimiter(text: str) -> str:
    """`;` (Excel's default with Vietnamese settings), a tab, or `,`: whichever the first line
    holds most of, outside quotes."""
    line = text.split("\n", 1)[0]
    outside, quoted = [], False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted:
            outside.append(ch)
    counts = {d: outside.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _split_path(ref: str) -> list[str]:
    for sep in PATH_SEPARATORS:
        if sep in ref:
            return [p.strip() for p in ref.split(sep) if p.strip()]
    return [ref]


def _chain(by_id: dict[int, Unit], u: Unit) -> list[Unit]:
    """The unit and its ancestors, root first (from units already loaded)."""
    out, seen = [], set()
    while u is not None and u.id not in seen and len(out) <= MAX_DEPTH:
        out.append(u)
        seen.add(u.id)
        u = by_id.get(u.parent_id) if u.parent_id else None
    return list(reversed(out))


class _DryRun(Exception):
    """Carries an import's result out of its transaction, which it rolls back."""

    def __init__(self, result):
        super().__init__("dry run")
        self.result = result


class _Import:
    """One `loa units import`: resolve each line's parent (in the file or the database), then
    add or update the units, parents first, in the caller's transaction. The tree is held in
    memory for the run (a province is a few thousand units): one query, not one per line."""

    def __init__(self, members: MembersService, s: Session,
                 entries: list[tuple[int, str, str, str]], default_parent: Unit | None = None):
        self.members = members
        self.s = s
        self.entries = entries
        self.default_parent = default_parent   # a line without a parent goes here
        self.by_name: dict[str, list[int]] = {}
        for i, (_, name, _, _) in enumerate(entries):
            self.by_name.setdefault(fold(name), []).append(i)
        self.done: dict[int, Unit] = {}
        self.results: dict[int, tuple[Unit, bool]] = {}
        self.seen: set[int] = set()             # units (by object) already in the results
        self.pending: list[Unit] = []           # added, not flushed yet (no id)
        units = list(s.scalars(select(Unit)))
        self.by_id: dict[int, Unit] = {u.id: u for u in units}
        self.by_key: dict[tuple[int | None, str], Unit] = {}
        self.db_names: dict[str, list[Unit]] = {}
        for u in units:
            self.by_key.setdefault((u.parent_id, fold(u.name)), u)
            if u.active:
                self.db_names.setdefault(fold(u.name), []).append(u)

    def fail(self, i: int, reason: str):
        raise InvalidInput(TP.IMPORT_LINE_ERROR, line=self.entries[i][0], reason=reason)

    def run(self) -> list[tuple[UnitInfo, bool]]:
        for i in range(len(self.entries)):
            self.resolve(i, ())
        self.s.flush()
        out = []
        for i in range(len(self.entries)):
            u, created = self.results[i]
            out.append((_unit_info(u), created))
        return out

    def depth(self, u: Unit) -> int:
        """Levels from the top down to `u` (1: a top-level unit)."""
        n, seen = 0, set()
        while u is not None and u.id not in seen and n <= MAX_DEPTH:
            seen.add(u.id)
            n += 1
            u = self.by_id.get(u.parent_id) if u.parent_id else None
        return n

    def resolve(self, i: int, visiting: tuple[int, ...]) -> Unit:
        if i in self.done:
            return self.done[i]
        line, name, parent_ref, kind = self.entries[i]
        if i in visiting:
            self.fail(i, TP.IMPORT_CYCLE.format(name=name))
        parent = self.parent(i, parent_ref, visiting + (i,)) if parent_ref else self.default_parent
        if parent is not None:
            self._ensure_id(parent)     # flushed only when a unit is someone's parent
            if self.depth(parent) >= MAX_DEPTH:
                self.fail(i, plain_too_deep(name, parent.name))
        pid = parent.id if parent is not None else None
        key = (pid, fold(name))
        u = self.by_key.get(key)
        if u is None:
            u = Unit(name=name, kind=kind or guess_kind(name), parent_id=pid)
            self.s.add(u)
            self.pending.append(u)
            self.by_key[key] = u
            first = True
        else:
            if kind and u.kind != kind:
                u.kind = kind       # a re-import updates, never duplicates
            # The same unit twice in the file is one unit (created once).
            first = False
        if id(u) in self.seen:
            first = False
        self.seen.add(id(u))
        self.done[i] = u
        self.results[i] = (u, first)
        return u

    def require_inside(self, scope: Scope) -> None:
        """A board's file adds units only under its own, and updates only its own."""
        created = {u.id for u, first in self.results.values() if first}
        for i, (u, _) in sorted(self.results.items()):
            inside = (u.parent_id in created or scope.covers(u.parent_id)) if u.id in created \
                else scope.covers(u.id)
            if not inside:
                self.fail(i, TP.IMPORT_OUTSIDE.format(name=u.name))

    def _ensure_id(self, u: Unit) -> None:
        if u.id is None:
            self.s.flush()
            for p in self.pending:
                self.by_id[p.id] = p
            self.pending.clear()

    def parent(self, i: int, ref: str, visiting: tuple[int, ...]) -> Unit:
        parts = _split_path(ref)
        key = fold(parts[-1]).strip()
        in_file = [j for j in self.by_name.get(key, []) if j != i]
        if len(parts) > 1 and len(in_file) > 1:
            want = fold(parts[-2]).strip()
            in_file = [j for j in in_file if self.entries[j][2] and
                       fold(_split_path(self.entries[j][2])[-1]).strip() == want]
        if len(in_file) > 1:
            self.fail(i, TP.IMPORT_PARENT_AMBIGUOUS.format(parent=ref))
        if in_file:
            return self.resolve(in_file[0], visiting)
        if ref.isdigit() and int(ref) in self.by_id:
            return self.by_id[int(ref)]
        found = [u for u in self.db_names.get(key, []) if self._ancestors_are(u, parts[:-1])]
        if len(found) > 1:
            self.fail(i, TP.IMPORT_PARENT_AMBIGUOUS.format(parent=ref))
        if not found:
            self.fail(i, TP.IMPORT_PARENT_UNKNOWN.format(parent=ref))
        return found[0]

    def _ancestors_are(self, u: Unit, names: list[str]) -> bool:
        p = self.by_id.get(u.parent_id) if u.parent_id else None
        for want in reversed(names):
            if p is None or fold(p.name).strip() != fold(want).strip():
                return False
            p = self.by_id.get(p.parent_id) if p.parent_id else None
        return True


def plain_too_deep(name: str, parent: str) -> str:
    from bot.text import plain
    return plain(TP.UNIT_TOO_DEEP).format(name=name, parent=parent, max=MAX_DEPTH)
