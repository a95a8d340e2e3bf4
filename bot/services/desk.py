"""The board's desk: the dashboard's figures for one board member's scope, and one-time sign-in links.

Every call takes the viewer's Telegram id and reads their role and scope from the database
first (MembersService.scope), so a member demoted a minute ago sees nothing, and a unit outside
the scope is refused before anything about it is read.
"""
from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, true, update
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.db import Database
from bot.db.models import (
    B_DRAFT, D_SENT, Q_HELD, Q_OPEN, Broadcast, Delivery, DeskLink, Member, Question, Unit,
)
from bot.errors import NotAllowed, NotFound
from bot.scope import Scope
from bot.services.members import MembersService
from bot.address import ZALO_BASE
from bot.services.reports import PATH_SEP, Period, ReportsService
from indexer.text import fold
from bot.texts import desk as T

LINK_MINUTES = 10
BROADCASTS_SHOWN = 3
QUESTIONS_SHOWN = 5


class Refused(NotAllowed):
    """The viewer may not see this page; `reason` picks the refusal page (see bot/texts/desk)."""

    def __init__(self, reason: str):
        super().__init__(T.REFUSAL[reason][1])
        self.reason = reason


@dataclass(frozen=True)
class UnitRow:
    """One child unit's activity over its whole subtree in the period."""
    unit_id: int | None
    name: str
    count: int
    participants: int
    units: int            # units in its subtree (itself included)
    reported: int         # of those, units with at least one report
    has_children: bool


@dataclass(frozen=True)
class AckRow:
    unit_id: int | None
    name: str
    received: int         # delivered to members of the unit's subtree
    acked: int            # of those, pressed "✅ Đã nắm"

    @property
    def pending(self) -> int:
        return self.received - self.acked


@dataclass(frozen=True)
class BroadcastPanel:
    id: int
    text: str
    at: datetime | None
    received: int
    acked: int
    rows: list[AckRow]

    @property
    def pending(self) -> int:
        return self.received - self.acked


@dataclass(frozen=True)
class WaitingQuestion:
    id: int
    text: str
    asker: str
    unit: str
    created_at: datetime
    held: bool = False    # kept back by the asker's daily hand-off limit (the board was not told)


@dataclass(frozen=True)
class Crumb:
    unit_id: int | None
    name: str


@dataclass
class Overview:
    """The dashboard of one unit (the board's own, or a unit below it) for one period."""
    viewer: str
    unit_id: int | None
    title: str
    crumbs: list[Crumb]
    period: Period
    members: int
    units: int
    rows: list[UnitRow]           # one per child unit, rolled up over its subtree
    silent: list[Crumb]           # units expected to report that have not (path below the view)
    count: int
    participants: int
    expected: int                 # units of the subtree expected to report
    reported: int                 # of those, units that did
    broadcasts: list[BroadcastPanel] = field(default_factory=list)
    questions: list[WaitingQuestion] = field(default_factory=list)
    questions_total: int = 0
    zalo_members: int = 0         # of `members`, those Loa reaches on Zalo


@dataclass(frozen=True)
class Questions:
    viewer: str
    title: str
    items: list[WaitingQuestion]
    total: int
    can_escalate: bool = False    # a unit's board (the top board has no board above)


@dataclass(frozen=True)
class Link:
    token: str
    expires_at: datetime


def _relative(path: str, viewed) -> str:
    """A unit's path below the viewed unit ("Xã A › Chi bộ 1" seen from the province)."""
    if viewed is not None and path.startswith(viewed.path + PATH_SEP):
        return path[len(viewed.path + PATH_SEP):]
    return path


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class _Tree:
    """Every unit's parent, read once per page (a province has a few thousand units)."""

    def __init__(self, s: Session):
        self.units = {u.id: u for u in s.execute(
            select(Unit.id, Unit.name, Unit.parent_id, Unit.active)).all()}
        self.kids: dict[int | None, list[int]] = defaultdict(list)
        for u in self.units.values():
            self.kids[u.parent_id if u.parent_id in self.units else None].append(u.id)

    def below(self, unit_id: int | None) -> set[int]:
        """Units under `unit_id` with itself (every unit for None)."""
        if unit_id is None:
            return set(self.units)
        out, frontier = {unit_id}, [unit_id]
        while frontier:
            nxt = [k for u in frontier for k in self.kids.get(u, ()) if k not in out]
            out.update(nxt)
            frontier = nxt
        return out

    def within(self, column, ids: set[int]):
        """`column IN ids`, or just `column IS NOT NULL` when ids are every unit (a province's
        thousands of ids would be sent as parameters for nothing)."""
        if len(ids) >= len(self.units):
            return column.is_not(None)
        return column.in_(sorted(ids))

    def children(self, unit_id: int | None) -> list[int]:
        kids = [k for k in self.kids.get(unit_id, ()) if self.units[k].active]
        return sorted(kids, key=lambda k: fold(self.units[k].name))

    def path(self, unit_id: int | None) -> list[int]:
        out: list[int] = []
        while unit_id is not None and unit_id in self.units and unit_id not in out:
            out.append(unit_id)
            unit_id = self.units[unit_id].parent_id
        return list(reversed(out))


class DeskService:
    def __init__(self, db: Database, settings: Settings, members: MembersService,
                 reports: ReportsService):
        self.db = db
        self.settings = settings
        self.members = members
        self.reports = reports

    # ------------------------------------------------------------ who is looking
    def scope(self, telegram_id: int) -> Scope:
        """The viewer's scope, fresh from the database; Refused('member') for anyone else."""
        try:
            return self.members.scope(telegram_id)
        except NotAllowed:
            raise Refused("member") from None

    def board_name(self, telegram_id: int) -> str:
        """The name of the viewer's board unit (the top-level board's own label)."""
        scope = self.scope(telegram_id)
        with self.db.read() as s:
            return self.members.board_name(s, scope)

    def viewer_name(self, telegram_id: int) -> str:
        with self.db.read() as s:
            return self._viewer(s, telegram_id)

    def _viewer(self, s: Session, telegram_id: int) -> str:
        return s.scalar(select(Member.full_name).where(Member.telegram_id == telegram_id)) or ""

    def scope_of_view(self, telegram_id: int, unit_id: int | None) -> Scope:
        """The viewer's scope, refused ("outside") when the unit asked for lies outside it."""
        scope = self.scope(telegram_id)
        self._view(scope, unit_id)
        return scope

    def _view(self, scope: Scope, unit_id: int | None) -> int | None:
        """The unit a page shows: the board's own by default; one outside the scope is refused."""
        if unit_id is None:
            return scope.unit_id
        if not scope.covers(unit_id):
            raise Refused("outside")
        return unit_id

    # ------------------------------------------------------------ pages
    def period(self, text: str | None) -> Period:
        return self.reports.period(text)

    def overview(self, telegram_id: int, period: Period, unit_id: int | None = None) -> Overview:
        """Members, units, reports per child unit (the roll-up of ReportsService.summary), units
        without a report, the last broadcasts' acknowledgement per child unit and the questions
        waiting for the board."""
        scope = self.scope(telegram_id)
        self._view(scope, unit_id)
        try:
            summary = self.reports.summary(period, scope, unit_id)
        except (NotAllowed, NotFound):
            raise Refused("outside") from None
        view = summary.unit.unit_id if summary.unit is not None else None
        with self.db.read() as s:
            tree = _Tree(s)
            inside = tree.below(view)
            kids = tree.children(view)
            groups = {k: tree.below(k) for k in kids}
            title = tree.units[view].name if view is not None else T.TOP_BOARD
            crumbs = [Crumb(u, tree.units[u].name) for u in tree.path(view) if scope.covers(u)]
            if scope.is_top and view is not None and len(tree.children(None)) > 1:
                crumbs.insert(0, Crumb(None, T.TOP_BOARD))
            members = s.scalar(select(func.count(Member.id)).where(
                Member.active.is_(True), tree.within(Member.unit_id, inside))) or 0
            zalo_members = s.scalar(select(func.count(Member.id)).where(
                Member.active.is_(True), tree.within(Member.unit_id, inside),
                Member.chat_id <= -ZALO_BASE)) or 0
            units = sum(1 for u in inside if u != view and tree.units[u].active)
            rows = [UnitRow(r.unit_id, T.OWN_REPORTS.format(name=r.name) if r.own else r.name,
                            r.count, r.participants, r.units_in_subtree, r.units_reported,
                            not r.own and bool(tree.children(r.unit_id)))
                    for r in summary.units]
            silent = [Crumb(u.unit_id, _relative(u.path, summary.unit)) for u in summary.silent]
            overview = Overview(self._viewer(s, telegram_id), view, title, crumbs, period,
                                members, units, rows, silent, summary.count,
                                summary.participants, summary.units_total,
                                summary.units_reported)
            overview.zalo_members = zalo_members
            # The top-level board's own page also shows what belongs to no unit (members without
            # one, questions from unregistered users when LOA_OPEN_QA is on).
            everything = scope.is_top and unit_id is None
            overview.broadcasts = self._broadcasts(s, tree, view, kids, groups,
                                                   None if everything else inside)
            overview.questions, overview.questions_total = self._questions(
                s, tree, None if everything else inside, QUESTIONS_SHOWN)
            return overview

    def questions(self, telegram_id: int, limit: int = 100) -> Questions:
        """The questions waiting for the board from the viewer's scope (held ones too), oldest first."""
        scope = self.scope(telegram_id)
        with self.db.read() as s:
            tree = _Tree(s)
            inside = None if scope.is_top else tree.below(scope.unit_id)
            items, total = self._questions(s, tree, inside, limit)
            title = tree.units[scope.unit_id].name if scope.unit_id in tree.units else T.TOP_BOARD
            return Questions(self._viewer(s, telegram_id), title, items, total, not scope.is_top)

    # ------------------------------------------------------------ panels
    def _broadcasts(self, s: Session, tree: _Tree, view: int | None, kids: list[int],
                    groups: dict[int, set[int]], inside: set[int] | None) -> list[BroadcastPanel]:
        # inside None: the top-level board's own view, which also counts members of no unit
        scoped = true() if inside is None else tree.within(Member.unit_id, inside)
        ids = list(s.scalars(
            select(Broadcast.id).where(
                Broadcast.status != B_DRAFT,
                Broadcast.audience["remind_of"].as_integer().is_(None),
                select(Delivery.id).join(Member, Member.id == Delivery.member_id)
                .where(Delivery.broadcast_id == Broadcast.id, scoped).exists())
            .order_by(Broadcast.id.desc()).limit(BROADCASTS_SHOWN)))
        owner = {u: k for k, g in groups.items() for u in g}
        panels = []
        for bid in ids:
            b = s.get(Broadcast, bid)
            counts: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
            for unit_id, n, acked in s.execute(
                    select(Member.unit_id, func.count(), func.count(Delivery.acked_at))
                    .join(Delivery, Delivery.member_id == Member.id)
                    .where(Delivery.broadcast_id == bid, Delivery.state == D_SENT, scoped)
                    .group_by(Member.unit_id)):
                key = owner.get(unit_id, unit_id)   # a child's subtree, the unit itself, or None
                counts[key][0] += n
                counts[key][1] += acked
            rows = [AckRow(k, tree.units[k].name, *counts.get(k, (0, 0))) for k in kids]
            if view is not None and view in counts:
                rows.insert(0, AckRow(view, T.OWN_REPORTS.format(name=tree.units[view].name),
                                      *counts[view]))
            if inside is None and None in counts:
                rows.append(AckRow(None, T.NO_UNIT, *counts[None]))
            panels.append(BroadcastPanel(
                bid, b.text or T.MEDIA, b.started_at or b.scheduled_at or b.created_at,
                sum(r.received for r in rows), sum(r.acked for r in rows), rows))
        return panels

    def _questions(self, s: Session, tree: _Tree, inside: set[int] | None,
                   limit: int) -> tuple[list[WaitingQuestion], int]:
        q = (select(Question.id, Question.text, Member.full_name, Member.unit_id,
                    Question.created_at, Question.status)
             .outerjoin(Member, Member.id == Question.member_id)
             .where(Question.status.in_([Q_OPEN, Q_HELD])))
        if inside is not None:
            q = q.where(tree.within(Member.unit_id, inside))
        total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
        items = [WaitingQuestion(qid, text, name or "", tree.units[u].name if u in tree.units
                                 else "", at, status == Q_HELD)
                 for qid, text, name, u, at, status in s.execute(
                     q.order_by(Question.created_at, Question.id).limit(limit)).all()]
        return items, total

    # ------------------------------------------------------------ one-time desktop links
    def create_link(self, telegram_id: int, now: datetime | None = None) -> Link:
        """A sign-in link for a desktop browser: valid LINK_MINUTES, single use."""
        self.scope(telegram_id)
        now = now or datetime.now(timezone.utc)
        token = secrets.token_urlsafe(32)
        expires = now + timedelta(minutes=LINK_MINUTES)
        with self.db.session() as s:
            s.add(DeskLink(token_hash=_hash(token), telegram_id=telegram_id, created_at=now,
                           expires_at=expires))
        return Link(token, expires)

    def session_valid(self, telegram_id: int, issued: float) -> bool:
        """Whether a desk session issued at `issued` (epoch seconds) was not signed out since."""
        with self.db.read() as s:
            out = s.scalar(select(Member.desk_signed_out_at)
                           .where(Member.telegram_id == telegram_id))
        # Both to the second: a session from the very second of the sign-out is kept (the new
        # one a person opens right after signing out must work).
        return out is None or issued >= out.timestamp()

    def sign_out(self, telegram_id: int) -> None:
        """End every desk session of this person, on every device."""
        with self.db.session() as s:
            s.execute(update(Member).where(Member.telegram_id == telegram_id)
                      .values(desk_signed_out_at=datetime.now(timezone.utc).replace(microsecond=0)))

    def link_owner(self, token: str, now: datetime | None = None) -> tuple[str, str]:
        """Whose desk an unspent link opens: (name, board), without spending it; Refused as
        `redeem_link` would be."""
        now = now or datetime.now(timezone.utc)
        with self.db.read() as s:
            row = s.execute(select(DeskLink.telegram_id, DeskLink.expires_at, DeskLink.used_at)
                            .where(DeskLink.token_hash == _hash(token or ""))).first()
            if row is None:
                raise Refused("link")
            if row.used_at is not None:
                raise Refused("link_used")
            if row.expires_at <= now:
                raise Refused("link_expired")
            name = self._viewer(s, row.telegram_id)
        return name, self.board_name(row.telegram_id)

    def redeem_link(self, token: str, now: datetime | None = None) -> int:
        """The Telegram id a link was made for; it is spent by this call (Refused('link') when
        unknown, used or expired; Refused('member') when its owner is no longer on a board)."""
        now = now or datetime.now(timezone.utc)
        with self.db.session() as s:
            row = s.execute(select(DeskLink.id, DeskLink.telegram_id, DeskLink.expires_at)
                            .where(DeskLink.token_hash == _hash(token or ""))).first()
            if row is None:
                raise Refused("link")
            if row.expires_at <= now:
                raise Refused("link_expired")
            # The conditional update is the single use: of two requests, one changes the row.
            spent = s.execute(update(DeskLink).where(DeskLink.id == row.id,
                                                     DeskLink.used_at.is_(None))
                              .values(used_at=now)).rowcount
            if spent != 1:
                raise Refused("link_used")
            tid = row.telegram_id
        self.scope(tid)
        return tid
