"""Broadcast use cases: compose, queue, cancel, follow up, remind, acknowledge, and digests.

A broadcast is queued as `scheduled` (scheduled_at = now for "send now"); the delivery worker's
periodic tick calls `tick()`, which starts due broadcasts — resolving the audience at that moment
and inserting one delivery row per member in the same transaction (the unique
(broadcast_id, member_id) makes that exactly one) — fires due digests, and closes finished
broadcasts. Because the schedule lives in the database, a broadcast due while the bot was down
fires at the next start, and one queued by another process (the `loa broadcast` CLI) is picked up
within a poll interval.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import and_, exists, func, insert, literal, or_, select, true, update
from sqlalchemy.orm import Session

from bot.address import is_zalo
from bot.config import Settings
from bot.db import Database
from bot.db.models import (
    B_CANCELLED, B_DONE, B_DRAFT, B_RUNNING, B_SCHEDULED, D_CANCELLED, D_FAILED, D_IN_DOUBT, D_QUEUED,
    D_SENDING, D_SENT, D_UNREACHABLE, Broadcast, Delivery, Digest, Member, Quiz, QuizAttempt, Unit, Upload,
    utcnow,
)
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.scope import TOP, Scope, path, subtree
from bot.services import audit
from bot.services.members import Actor, MembersService
from bot.text import esc, fmt_datetime, plain
from bot.texts import broadcast as T
from bot.texts import province as TP
from indexer.text import fold

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096      # Telegram's limit for a text message (after entity parsing)
CAPTION_LIMIT = 1024   # … and for a caption
KINDS = ("text", "photo", "document", "copy")
_TIME_RE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s+(\d{1,2})[:hg](\d{2})\s*$")
WEEKDAYS = {  # folded words -> Python weekday (0 = Monday)
    "thu 2": 0, "thu hai": 0, "t2": 0, "2": 0, "hai": 0, "monday": 0,
    "thu 3": 1, "thu ba": 1, "t3": 1, "3": 1, "ba": 1,
    "thu 4": 2, "thu tu": 2, "t4": 2, "4": 2, "tu": 2,
    "thu 5": 3, "thu nam": 3, "t5": 3, "5": 3, "nam": 3,
    "thu 6": 4, "thu sau": 4, "t6": 4, "6": 4, "sau": 4,
    "thu 7": 5, "thu bay": 5, "t7": 5, "7": 5, "bay": 5,
    "chu nhat": 6, "cn": 6, "8": 6,
}


def plain_length(html_text: str) -> int:
    """Length Telegram counts for an HTML text (tags dropped, entities decoded), in UTF-16 units."""
    return len(plain(html_text).encode("utf-16-le")) // 2


# ---------------------------------------------------------------- results
@dataclass(frozen=True)
class Content:
    """What a broadcast sends: text (HTML), a photo/document by file_id, or a copied message."""
    kind: str = "text"
    text: str = ""                       # HTML (the text or the caption)
    media_file_id: str | None = None
    source_chat_id: int | None = None
    source_message_id: int | None = None

    @property
    def content(self) -> "Content":
        """Just what is sent (a Draft without its audience and time)."""
        return Content(self.kind, self.text, self.media_file_id, self.source_chat_id,
                       self.source_message_id)

    @classmethod
    def of(cls, b: Broadcast) -> "Content":
        """What a stored broadcast sends."""
        return cls(b.kind, b.text or "", b.media_file_id, b.source_chat_id, b.source_message_id)


def signed(content: Content, board: str) -> Content:
    """The content as members receive it: the sending board's name above it, where it fits
    (a copied message is sent as it was)."""
    if content.kind == "copy" or not board:
        return content
    text = T.FROM_BOARD.format(board=esc(board)) + content.text
    limit = TEXT_LIMIT if content.kind == "text" else CAPTION_LIMIT
    return replace(content, text=text) if plain_length(text) <= limit else content


@dataclass(frozen=True)
class Draft(Content):
    """What an admin composed: the content, to whom and when; nothing is stored until `queue()`."""
    audience: dict = field(default_factory=lambda: {"all": True})
    scheduled_at: datetime | None = None  # aware UTC; None = now


@dataclass(frozen=True)
class BroadcastInfo:
    id: int
    status: str
    kind: str
    text: str
    audience: dict
    scheduled_at: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    recipients: int = 0


@dataclass(frozen=True)
class UnitPending:
    unit: str
    pending: int
    delivered: int
    names: list[str]


@dataclass(frozen=True)
class ReminderStats:
    """The reminders of one broadcast, shown with it rather than as broadcasts of their own."""
    count: int
    last_at: datetime | None
    last_recipients: int
    last_sent: int
    sending: bool


@dataclass(frozen=True)
class BroadcastStats:
    info: BroadcastInfo
    recipients: int
    queued: int
    sending: int
    sent: int
    failed: int
    unreachable: int
    in_doubt: int
    cancelled: int
    acked: int
    by_unit: list[UnitPending]
    audience: str = ""                # who it goes to, in words
    reminders: ReminderStats | None = None

    @property
    def delivered(self) -> int:
        """Messages that (may have) arrived: sent, plus in doubt (they may have)."""
        return self.sent

    def pct(self, n: int, of: int | None = None) -> int:
        total = self.recipients if of is None else of
        return round(100 * n / total) if total else 0


@dataclass(frozen=True)
class AckResult:
    delivery_id: int
    broadcast_id: int
    already: bool


@dataclass(frozen=True)
class LatestAck:
    """What typing "đã nắm" acknowledged: the member's latest broadcast not yet acknowledged."""
    delivery_id: int
    broadcast_id: int
    text: str
    sent_at: datetime | None


@dataclass(frozen=True)
class Overview:
    """Numbers for the status page."""
    pending_broadcasts: int
    queued_deliveries: int
    in_doubt: int


@dataclass(frozen=True)
class DigestInfo:
    id: int
    doc_id: str
    doc_title: str
    weekday: int
    at_time: str
    active: bool
    last_run_on: date | None


def _schedule(s: Session, creator: int | None, content: Content, audience: dict,
              at: datetime, digest_id: int | None = None,
              board_unit_id: int | None = None) -> Broadcast:
    """A new scheduled broadcast row (the worker starts it at `at`), inside the sending
    board's subtree (`board_unit_id`; None: the top-level board)."""
    b = Broadcast(created_by=creator, kind=content.kind, text=content.text,
                  media_file_id=content.media_file_id, source_chat_id=content.source_chat_id,
                  source_message_id=content.source_message_id, audience=dict(audience),
                  status=B_SCHEDULED, scheduled_at=at, digest_id=digest_id,
                  board_unit_id=board_unit_id)
    s.add(b)
    s.flush()
    return b


def _info(b: Broadcast, recipients: int = 0) -> BroadcastInfo:
    return BroadcastInfo(b.id, b.status, b.kind, b.text or "", dict(b.audience or {}),
                         b.scheduled_at, b.created_at, b.started_at, b.finished_at, recipients)


# ---------------------------------------------------------------- the service
class BroadcastsService:
    def __init__(self, db: Database, members: MembersService, settings: Settings, kb=None,
                 on_queued: Callable[[], None] | None = None):
        self.db = db
        self.members = members
        self.settings = settings
        self.kb = kb
        self.on_queued = on_queued   # wakes the delivery worker of this process (thread-safe)

    # ------------------------------------------------------------ input parsing
    def parse_time(self, text: str, now: datetime | None = None) -> datetime:
        """`DD/MM/YYYY HH:MM` in LOA_TIMEZONE → aware UTC; refuses bad formats and the past."""
        m = _TIME_RE.match(text or "")
        if not m:
            raise InvalidInput(T.TIME_BAD, example=self.example_time())
        day, month, year, hour, minute = map(int, m.groups())
        try:
            local = datetime(year, month, day, hour, minute, tzinfo=self.settings.tz)
        except ValueError:
            raise InvalidInput(T.TIME_BAD, example=self.example_time()) from None
        at = local.astimezone(timezone.utc)
        if at <= (now or utcnow()):
            raise InvalidInput(T.TIME_PAST, example=self.example_time())
        return at

    def example_time(self) -> str:
        tomorrow = (utcnow() + timedelta(days=1)).astimezone(self.settings.tz)
        return fmt_datetime(tomorrow.replace(hour=7, minute=30), self.settings.tz)

    def local(self, at: datetime | None) -> str:
        return fmt_datetime(at, self.settings.tz)

    def check_content(self, draft: Draft) -> Draft:
        """Refuse empty or over-long content with a message naming the limit."""
        if draft.kind not in KINDS:
            raise InvalidInput(T.CONTENT_UNSUPPORTED)
        if draft.kind == "text":
            if not plain(draft.text).strip():
                raise InvalidInput(T.CONTENT_EMPTY)
            if plain_length(draft.text) > TEXT_LIMIT:
                raise InvalidInput(T.TEXT_TOO_LONG, limit=TEXT_LIMIT,
                                   length=plain_length(draft.text))
        elif draft.kind in ("photo", "document"):
            if not draft.media_file_id:
                raise InvalidInput(T.CONTENT_UNSUPPORTED)
            if plain_length(draft.text) > CAPTION_LIMIT:
                raise InvalidInput(T.CAPTION_TOO_LONG, limit=CAPTION_LIMIT,
                                   length=plain_length(draft.text))
        elif not (draft.source_chat_id and draft.source_message_id):
            raise InvalidInput(T.CONTENT_UNSUPPORTED)
        return draft

    # ------------------------------------------------------------ audience
    def audience_filter(self, s: Session, audience: dict, within: int | None = None):
        """Who an audience is now: inside the sending board's subtree (`within`), a chosen
        unit meaning it and every unit under it."""
        base = and_(Member.active.is_(True), Member.unreachable.is_(False))
        if within is not None:
            base = and_(base, Member.unit_id.in_(sorted(subtree(s, within))))
        audience = audience or {}
        if audience.get("all"):
            return base
        if audience.get("units"):
            chosen = subtree(s, [int(u) for u in audience["units"]])
            return and_(base, Member.unit_id.in_(sorted(chosen)))
        if audience.get("role") == "reporter":
            return and_(base, Member.is_reporter.is_(True))
        if audience.get("quiz_pending"):
            # The quiz's own audience, less those who finished it (its one reminder).
            quiz = s.get(Quiz, int(audience["quiz_pending"]))
            if quiz is None:
                raise InvalidInput(T.AUDIENCE_EMPTY)
            finished = select(QuizAttempt.member_id).where(QuizAttempt.quiz_id == quiz.id,
                                                           QuizAttempt.finished_at.is_not(None))
            return and_(self.audience_filter(s, quiz.audience, within), Member.id.not_in(finished))
        if audience.get("remind_of"):
            parent = int(audience["remind_of"])
            # Everyone who may not have it in hand: delivered but not acknowledged, in doubt,
            # or failed after all retries (the reminder carries the full content).
            pending = select(Delivery.member_id).where(
                Delivery.broadcast_id == parent,
                Delivery.state.in_([D_SENT, D_IN_DOUBT, D_FAILED]),
                Delivery.acked_at.is_(None))
            return and_(base, Member.id.in_(pending))
        raise InvalidInput(T.AUDIENCE_EMPTY)

    def count_audience(self, audience: dict, sender_tid: int | None = None,
                       scope: Scope | None = None) -> int:
        """Recipients of `audience` now, inside the board's scope; the admin who sends it does
        not get it himself."""
        with self.db.read() as s:
            return s.scalar(select(func.count(Member.id)).where(
                self._recipients(s, audience, sender_tid, scope))) or 0

    def _recipients(self, s: Session, audience: dict, sender_tid: int | None,
                    scope: Scope | None):
        """Who `audience` reaches now inside the board's scope, the sender left out."""
        cond = self.audience_filter(s, audience, scope.unit_id if scope else None)
        return cond if sender_tid is None else and_(cond, Member.telegram_id != sender_tid)

    def recipients_by_channel(self, audience: dict, sender_tid: int | None = None,
                              scope: Scope | None = None) -> tuple[int, int]:
        """(Telegram, Zalo) recipients of `audience` now, as `count_audience` counts them."""
        with self.db.read() as s:
            chats = s.scalars(select(Member.chat_id).where(
                self._recipients(s, audience, sender_tid, scope))).all()
        zalo = sum(1 for c in chats if is_zalo(c))
        return len(chats) - zalo, zalo

    @staticmethod
    def _without_sender(cond, created_by: int | None):
        # The sender composed it and saw the preview: sending it to him too would only leave
        # him "not acknowledged" in /phatdi_ds.
        return cond if created_by is None else and_(cond, Member.id != created_by)

    def audience_label(self, audience: dict, scope: Scope | None = None) -> str:
        """Who an audience is, in words (plain text); a unit board's, "(trong <unit>)"."""
        with self.db.read() as s:
            label = self._label(s, audience)
            if scope is not None and scope.unit_id is not None:
                label += TP.AUD_WITHIN.format(unit=s.get(Unit, scope.unit_id).name)
            return label

    def _label(self, s: Session, audience: dict) -> str:
        audience = audience or {}
        if audience.get("all"):
            return T.AUD_ALL
        if audience.get("role") == "reporter":
            return T.AUD_REPORTERS
        if audience.get("remind_of"):
            return T.AUD_REMIND.format(id=audience["remind_of"])
        if audience.get("quiz_pending"):
            return T.AUD_QUIZ_PENDING.format(id=audience["quiz_pending"])
        if audience.get("units"):
            names = list(s.scalars(select(Unit.name).where(
                Unit.id.in_([int(u) for u in audience["units"]])).order_by(Unit.name)))
            return T.AUD_UNITS.format(units=", ".join(names))
        return "?"

    def resolve_units(self, refs: list[str], scope: Actor = None) -> list[int]:
        """Unit ids for names/ids typed by an admin or the CLI (each must match one unit inside
        the scope)."""
        scope = self.members.as_scope(scope)
        with self.db.read() as s:
            return [self.members.unit_in(s, scope, r).id for r in refs if r.strip()]

    # ------------------------------------------------------------ queue / cancel
    def _actor(self, actor: Actor) -> tuple[Scope, int | None]:
        """The acting board's scope (read fresh for a Telegram id; the whole tree for the
        trusted command line, None) and the member id recorded as the sender."""
        scope = self.members.as_scope(actor)
        if scope.member_id is None and scope.telegram_id:
            with self.db.read() as s:
                return scope, self.members.acting_member(s, scope)
        return scope, scope.member_id

    def _require_admin(self, actor: Actor) -> int | None:
        """The acting member's id (None for the trusted command line); re-checks the role."""
        return self._actor(actor)[1]

    def _check_units(self, s: Session, scope: Scope, audience: dict) -> None:
        """A board names only units inside its scope (forged or stale unit ids too)."""
        for ref in (audience or {}).get("units") or []:
            u = s.get(Unit, int(ref))
            if u is None:
                raise InvalidInput(T.AUDIENCE_EMPTY)
            self.members.require_unit_in(s, scope, u, str(ref))

    def _visible(self, s: Session, scope: Scope, b: Broadcast) -> bool:
        """A board sees its own broadcasts, those of boards under it, and those from above
        that reached its people (to follow up its own members)."""
        if scope.is_top or (b.board_unit_id is not None and scope.covers(b.board_unit_id)):
            return True
        return s.scalar(select(Delivery.id).join(Member, Member.id == Delivery.member_id).where(
            Delivery.broadcast_id == b.id, scope.where(Member.unit_id)).limit(1)) is not None

    def _owned(self, s: Session, scope: Scope, b: Broadcast | None, broadcast_id: int) -> Broadcast:
        if b is None:
            raise NotFound(T.NOT_FOUND, id=broadcast_id)
        if not (scope.is_top or (b.board_unit_id is not None and scope.covers(b.board_unit_id))):
            raise NotAllowed(TP.OUT_OF_SCOPE_BROADCAST, id=broadcast_id,
                             board=self.members.board_name(s, scope))
        return b

    def queue(self, actor: Actor, draft: Draft, digest_id: int | None = None,
              now: datetime | None = None, via: str = "chat") -> BroadcastInfo:
        """Store a broadcast for the worker, to the board's subtree; `actor` None means the
        command line (the whole tree)."""
        scope, creator = self._actor(actor)
        draft = self.check_content(draft)
        now = now or utcnow()
        at = draft.scheduled_at
        if at is not None and at <= now - timedelta(minutes=1):
            raise InvalidInput(T.TIME_PAST, example=self.example_time())
        with self.db.read() as s:
            self._check_units(s, scope, draft.audience)
            count = s.scalar(select(func.count(Member.id)).where(self._without_sender(
                self.audience_filter(s, draft.audience, scope.unit_id), creator))) or 0
        if count == 0:
            raise InvalidInput(T.NO_RECIPIENTS)
        with self.db.session() as s:
            b = _schedule(s, creator, draft, draft.audience, at or now, digest_id, scope.unit_id)
            info = _info(b, count)
            if digest_id is None:   # a scheduled digest is not a new action of the board
                audit.record(s, scope, "broadcast", f"lần gửi #{b.id} ({count} người)",
                             plain(draft.text), via)
        if self.on_queued:
            self.on_queued()
        return info

    def as_received(self, actor: Actor, content: Content) -> Content:
        """What the board's members will see: the content signed with the board's name."""
        scope, _ = self._actor(actor)
        with self.db.read() as s:
            return signed(content, self.members.board_name(s, scope))

    def waiting(self, actor: Actor, limit: int = 20) -> list[tuple[BroadcastInfo, str]]:
        """The board's own broadcasts (and its sub-boards') still to be sent or being sent, the
        soonest first, each with its audience in words: what it may still cancel."""
        scope, _ = self._actor(actor)
        with self.db.read() as s:
            rows = list(s.scalars(select(Broadcast).where(
                Broadcast.status.in_([B_SCHEDULED, B_RUNNING]), Broadcast.digest_id.is_(None),
                Broadcast.audience["remind_of"].as_integer().is_(None),
                scope.where(Broadcast.board_unit_id)).order_by(Broadcast.scheduled_at)
                .limit(limit)))
            return [(_info(b), self._label(s, dict(b.audience or {}))) for b in rows]

    def cancel(self, actor: Actor, broadcast_id: int, via: str = "chat") -> BroadcastInfo:
        """Stop a scheduled or running broadcast of the board's own (or a board's under it);
        messages already sent stay sent."""
        scope, _ = self._actor(actor)
        with self.db.session() as s:
            b = self._owned(s, scope, s.get(Broadcast, broadcast_id, with_for_update=True),
                            broadcast_id)
            if b.status not in (B_SCHEDULED, B_RUNNING):
                raise InvalidInput(T.CANNOT_CANCEL, id=b.id, status=T.STATUS[b.status])
            b.status = B_CANCELLED
            s.execute(update(Delivery).where(Delivery.broadcast_id == b.id,
                                             Delivery.state == D_QUEUED)
                      .values(state=D_CANCELLED))
            audit.record(s, scope, "cancel", f"lần gửi #{b.id}", plain(b.text or ""), via)
            return _info(b)

    def remind(self, actor: Actor, broadcast_id: int, via: str = "chat") -> BroadcastInfo:
        """A new small broadcast of the same content to those who have not acknowledged — of
        the board's own people only (a commune board reminds its members of the province's)."""
        scope, creator = self._actor(actor)
        with self.db.session() as s:
            parent = s.get(Broadcast, broadcast_id, with_for_update=True)
            if parent is None:
                raise NotFound(T.NOT_FOUND, id=broadcast_id)
            if not self._visible(s, scope, parent):
                raise NotAllowed(TP.OUT_OF_SCOPE_BROADCAST, id=broadcast_id,
                                 board=self.members.board_name(s, scope))
            mine = (Broadcast.board_unit_id.is_(None) if scope.unit_id is None
                    else Broadcast.board_unit_id == scope.unit_id)
            busy = s.scalar(select(Broadcast.id).where(
                Broadcast.status.in_([B_SCHEDULED, B_RUNNING]), mine,
                Broadcast.audience["remind_of"].as_integer() == parent.id))
            if busy:
                raise InvalidInput(T.REMIND_BUSY, id=parent.id)
            audience = {"remind_of": parent.id}
            count = s.scalar(select(func.count(Member.id)).where(self._without_sender(
                self.audience_filter(s, audience, scope.unit_id), creator))) or 0
            if count == 0:
                raise InvalidInput(T.REMIND_NOBODY, id=parent.id)
            content = Content.of(parent)
            if content.kind != "copy":
                prefixed = T.REMIND_PREFIX.format(id=parent.id) + content.text
                limit = TEXT_LIMIT if content.kind == "text" else CAPTION_LIMIT
                if plain_length(prefixed) <= limit:
                    content = replace(content, text=prefixed)
            b = _schedule(s, creator, content, audience, utcnow(), None, scope.unit_id)
            info = _info(b, count)
            audit.record(s, scope, "remind", f"lần gửi #{parent.id} ({count} người chưa nắm)",
                         "", via)
        if self.on_queued:
            self.on_queued()
        return info

    # ------------------------------------------------------------ follow-up
    def recent(self, actor: Actor, limit: int = 5) -> list[BroadcastStats]:
        """The latest broadcasts the board sees (its own, its sub-boards', and those from above
        that reached its people), counted for its people only; reminders are counted under
        the broadcast they remind of."""
        scope, _ = self._actor(actor)
        with self.db.read() as s:
            q = select(Broadcast.id).where(
                Broadcast.status != B_DRAFT,
                Broadcast.audience["remind_of"].as_integer().is_(None))
            if not scope.is_top:
                reached = exists().where(
                    Delivery.broadcast_id == Broadcast.id, Delivery.member_id == Member.id,
                    scope.where(Member.unit_id))
                q = q.where(or_(scope.where(Broadcast.board_unit_id), reached))
            ids = list(s.scalars(q.order_by(Broadcast.id.desc()).limit(limit)))
        return [self.stats(i, scope=scope) for i in ids]

    def _reminders(self, s: Session, broadcast_id: int,
                   scope: Scope | None = None) -> ReminderStats | None:
        q = select(Broadcast).where(
            Broadcast.audience["remind_of"].as_integer() == broadcast_id,
            Broadcast.status != B_CANCELLED)
        if scope is not None and not scope.is_top:
            q = q.where(scope.where(Broadcast.board_unit_id))
        rows = list(s.scalars(q.order_by(Broadcast.id)))
        if not rows:
            return None
        last = rows[-1]
        counts = dict(s.execute(select(Delivery.state, func.count())
                                .where(Delivery.broadcast_id == last.id)
                                .group_by(Delivery.state)).all())
        return ReminderStats(len(rows), last.started_at or last.scheduled_at,
                             sum(counts.values()), counts.get(D_SENT, 0),
                             last.status in (B_SCHEDULED, B_RUNNING))

    def stats(self, broadcast_id: int, names_per_unit: int = 8,
              scope: Scope | None = None) -> BroadcastStats:
        """Delivery and acknowledgement figures; for a board's scope, of its people only."""
        with self.db.read() as s:
            b = s.get(Broadcast, broadcast_id)
            if b is None:
                raise NotFound(T.NOT_FOUND, id=broadcast_id)
            mine = scope.where(Member.unit_id) if scope is not None else true()
            counts: dict[str, int] = {}
            acked = 0
            q = select(Delivery.state, func.count(), func.count(Delivery.acked_at)) \
                .where(Delivery.broadcast_id == b.id)
            if scope is not None and not scope.is_top:
                q = q.join(Member, Member.id == Delivery.member_id).where(mine)
            for state, n, a in s.execute(q.group_by(Delivery.state)):
                counts[state] = n
                acked += a
            recipients = sum(counts.values())
            if b.status == B_SCHEDULED:
                recipients = s.scalar(select(func.count(Member.id)).where(self._without_sender(
                    self.audience_filter(s, b.audience, b.board_unit_id), b.created_by),
                    mine)) or 0
            delivered_by_unit = dict(s.execute(
                select(Member.unit_id, func.count()).join(Delivery, Delivery.member_id == Member.id)
                .where(Delivery.broadcast_id == b.id, Delivery.state == D_SENT, mine)
                .group_by(Member.unit_id)).all())
            pending_rows = s.execute(
                select(Member.unit_id, Member.full_name, Member.telegram_id)
                .join(Delivery, Delivery.member_id == Member.id)
                .where(Delivery.broadcast_id == b.id, Delivery.state == D_SENT,
                       Delivery.acked_at.is_(None), mine)
                .order_by(Member.unit_id, Member.full_name).limit(2000)).all()
            unit_names = dict(s.execute(select(Unit.id, Unit.name)).all())
            pending_count = dict(s.execute(
                select(Member.unit_id, func.count()).join(Delivery, Delivery.member_id == Member.id)
                .where(Delivery.broadcast_id == b.id, Delivery.state == D_SENT,
                       Delivery.acked_at.is_(None), mine).group_by(Member.unit_id)).all())
            names: dict[int | None, list[str]] = {}
            for unit_id, full_name, tid in pending_rows:
                lst = names.setdefault(unit_id, [])
                if len(lst) < names_per_unit:
                    lst.append(full_name or str(tid))
            # Two communes' "Chi bộ Thôn 1" are told apart by their parent.
            shown = self.members.shown_names([(u, unit_names.get(u)) for u in pending_count])
            by_unit = [UnitPending(shown.get(u, T.NO_UNIT), n, delivered_by_unit.get(u, n),
                                   names.get(u, []))
                       for u, n in sorted(pending_count.items(),
                                          key=lambda kv: shown.get(kv[0], "") or "")]
            label = self._label(s, b.audience)
            if b.board_unit_id is not None:
                label += TP.AUD_WITHIN.format(unit=unit_names.get(b.board_unit_id, "?"))
            return BroadcastStats(
                _info(b, recipients), recipients, counts.get(D_QUEUED, 0),
                counts.get(D_SENDING, 0), counts.get(D_SENT, 0), counts.get(D_FAILED, 0),
                counts.get(D_UNREACHABLE, 0), counts.get(D_IN_DOUBT, 0),
                counts.get(D_CANCELLED, 0), acked, by_unit, label,
                self._reminders(s, b.id, scope))

    def overview(self, scope: Scope | None = None) -> Overview:
        """Numbers for the status page: pending broadcasts, queued and in-doubt deliveries (a
        unit's board: its own and its sub-boards' broadcasts, deliveries to its people)."""
        scope = scope or TOP
        with self.db.read() as s:
            pending = s.scalar(select(func.count(Broadcast.id)).where(
                Broadcast.status.in_([B_SCHEDULED, B_RUNNING]),
                scope.where(Broadcast.board_unit_id))) or 0
            deliveries = select(func.count(Delivery.id)).join(
                Member, Member.id == Delivery.member_id).where(scope.where(Member.unit_id))
            queued = s.scalar(deliveries.where(Delivery.state.in_([D_QUEUED, D_SENDING]))) or 0
            doubt = s.scalar(deliveries.where(Delivery.state == D_IN_DOUBT)) or 0
        return Overview(pending, queued, doubt)

    # ------------------------------------------------------------ acknowledgement
    def ack(self, telegram_id: int, delivery_id: int, message_id: int | None = None) -> AckResult:
        """Record ✅ for the pressing member's own delivery; idempotent; refuses anyone else's."""
        with self.db.session() as s:
            row = s.execute(select(Delivery, Member.telegram_id, Member.active)
                            .join(Member, Member.id == Delivery.member_id)
                            .where(Delivery.id == delivery_id)).first()
            if row is None or row[1] != telegram_id:
                raise NotAllowed(T.ACK_NOT_YOURS)
            if not row[2]:
                raise NotAllowed(T.DEACTIVATED, board=self.members.serving_board(telegram_id))
            d: Delivery = row[0]
            if d.state == D_IN_DOUBT:   # the member has it, so the send did arrive
                d.state = D_SENT
                d.message_id = d.message_id or message_id
                d.sent_at = d.sent_at or utcnow()
            if d.acked_at is not None:
                return AckResult(d.id, d.broadcast_id, True)
            now = utcnow()
            d.acked_at = now
            # Acknowledging a reminder acknowledges what it reminded of.
            b = s.get(Broadcast, d.broadcast_id)
            seen = set()
            while b is not None and (b.audience or {}).get("remind_of") and b.id not in seen:
                seen.add(b.id)
                parent_id = int(b.audience["remind_of"])
                s.execute(update(Delivery).where(Delivery.broadcast_id == parent_id,
                                                 Delivery.member_id == d.member_id,
                                                 Delivery.acked_at.is_(None))
                          .values(acked_at=now))
                b = s.get(Broadcast, parent_id)
            return AckResult(d.id, d.broadcast_id, False)

    def ack_latest(self, telegram_id: int) -> LatestAck | None:
        """Acknowledge the member's latest delivered broadcast not yet acknowledged (a typed
        "đã nắm", where there is no button); None when nothing waits."""
        with self.db.read() as s:
            row = s.execute(
                select(Delivery.id, Delivery.broadcast_id, Broadcast.text, Delivery.sent_at)
                .join(Member, Member.id == Delivery.member_id)
                .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
                .where(Member.telegram_id == telegram_id, Delivery.acked_at.is_(None),
                       Delivery.state.in_([D_SENT, D_IN_DOUBT]))
                .order_by(Delivery.id.desc()).limit(1)).first()
        if row is None:
            return None
        self.ack(telegram_id, row.id)
        return LatestAck(row.id, row.broadcast_id, row.text or "", row.sent_at)

    # ------------------------------------------------------------ the worker's tick
    def tick(self, now: datetime | None = None) -> None:
        """Start due broadcasts, fire due digests, close finished broadcasts."""
        now = now or utcnow()
        try:
            self.fire_due_digests(now)
        except Exception:  # noqa: BLE001 - a broken digest must not stop deliveries
            log.exception("digest tick failed")
        self.start_due(now)
        self.finish_done(now)

    def start_due(self, now: datetime | None = None) -> list[int]:
        """Resolve the audience of every due scheduled broadcast and create its delivery rows."""
        now = now or utcnow()
        started = []
        is_due = and_(Broadcast.status == B_SCHEDULED, Broadcast.scheduled_at <= now)
        if not self._any(is_due):
            return started
        with self.db.session() as s:
            due = list(s.scalars(select(Broadcast).where(is_due)
                .order_by(Broadcast.id).with_for_update(skip_locked=True)))
            for b in due:
                try:
                    cond = self._without_sender(
                        self.audience_filter(s, b.audience, b.board_unit_id), b.created_by)
                except InvalidInput:
                    b.status, b.finished_at = B_DONE, now
                    continue
                rows = select(literal(b.id), Member.id, Member.chat_id, literal(D_QUEUED),
                              literal(0)).where(cond).where(~exists().where(
                                  Delivery.broadcast_id == b.id, Delivery.member_id == Member.id))
                s.execute(insert(Delivery).from_select(
                    ["broadcast_id", "member_id", "chat_id", "state", "attempts"], rows))
                b.status, b.started_at = B_RUNNING, now
                started.append(b.id)
        if started:
            log.info("broadcast: started %s", started)
        return started

    def finish_done(self, now: datetime | None = None) -> None:
        now = now or utcnow()
        open_rows = exists().where(Delivery.broadcast_id == Broadcast.id,
                                   Delivery.state.in_([D_QUEUED, D_SENDING]))
        if not self._any(or_(Broadcast.status == B_RUNNING,
                             and_(Broadcast.status == B_CANCELLED,
                                  Broadcast.finished_at.is_(None)))):
            return
        with self.db.session() as s:
            # A row requeued by a worker after its broadcast was cancelled is cancelled here.
            cancelled = list(s.scalars(select(Broadcast.id).where(
                Broadcast.status == B_CANCELLED, Broadcast.finished_at.is_(None))))
            if cancelled:
                s.execute(update(Delivery).where(Delivery.broadcast_id.in_(cancelled),
                                                 Delivery.state == D_QUEUED)
                          .values(state=D_CANCELLED).execution_options(synchronize_session=False))
            s.execute(update(Broadcast).where(Broadcast.status == B_RUNNING, ~open_rows)
                      .values(status=B_DONE, finished_at=now)
                      .execution_options(synchronize_session=False))
            s.execute(update(Broadcast).where(Broadcast.status == B_CANCELLED,
                                              Broadcast.finished_at.is_(None), ~open_rows)
                      .values(finished_at=now).execution_options(synchronize_session=False))

    def _any(self, condition) -> bool:
        """Whether a broadcast matches (a read: the periodic tick takes the write lock only
        when it has something to write)."""
        with self.db.read() as s:
            return s.scalar(select(Broadcast.id).where(condition).limit(1)) is not None

    # ------------------------------------------------------------ digests
    def parse_weekday(self, text: str) -> int:
        key = " ".join(fold(text or "").replace("-", " ").split())
        if key not in WEEKDAYS:
            raise InvalidInput(T.DIGEST_USAGE)
        return WEEKDAYS[key]

    @staticmethod
    def parse_clock(text: str) -> str:
        m = re.match(r"^\s*(\d{1,2})[:hg](\d{2})\s*$", text or "")
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            raise InvalidInput(T.DIGEST_USAGE)
        return f"{int(m.group(1)):02d}:{m.group(2)}"

    def parse_digest_args(self, args: str) -> tuple[int, str]:
        """`<thứ> <HH:MM>`, e.g. `thu2 07:00`, `thứ hai 07:00`, `cn 18:30`."""
        parts = (args or "").split()
        if len(parts) < 2:
            raise InvalidInput(T.DIGEST_USAGE)
        at = self.parse_clock(parts[-1])
        day = " ".join(parts[:-1])
        folded = fold(day).replace(" ", "")
        if folded.startswith("thu") and folded[3:].isdigit():
            day = f"thu {folded[3:]}"
        return self.parse_weekday(day), at

    def documents(self, scope: Scope | None = None) -> list:
        """Documents a digest may quote; for a unit's board, not other units' own documents
        (its own, those of units above or below it, and the top-level knowledge)."""
        if self.kb is None:
            return []
        try:
            docs = list(self.kb.documents())
        except Exception:  # noqa: BLE001 - no index loaded: nothing to choose from
            log.warning("no documents for digests", exc_info=True)
            return []
        if scope is None or scope.is_top:
            return docs
        with self.db.read() as s:
            owned = dict(s.execute(select(Upload.file_name, Upload.unit_id)
                                   .where(Upload.unit_id.is_not(None))).all())
            if not owned:
                return docs
            near = set(scope.unit_ids or ()) | {u.id for u in path(s, scope.unit_id)}
        return [d for d in docs if owned.get(d.source_file, None) in (None, *near)]

    def digest_text(self, doc_id: str, points: list[int] | None = None) -> str:
        """The digest message: the document's key points, verbatim, cited, under the limit."""
        doc = next((d for d in self.documents() if d.doc_id == doc_id), None)
        if doc is None:
            raise NotFound(T.DIGEST_DOC_GONE)
        kps = list(self.kb.keypoints(doc_id))
        if points:
            kps = [kp for i, kp in enumerate(kps) if i in set(points)]
        title = " ".join(p for p in (getattr(doc, "number", None), doc.title) if p)
        return T.render_digest(title, [(int(getattr(kp, "level", 0)), f"{kp.label} {kp.text}")
                                       for kp in kps], TEXT_LIMIT - 50, plain_length)

    def add_digest(self, actor: Actor, weekday: int, at_time: str, doc_id: str,
                   audience: dict | None = None) -> DigestInfo:
        scope, creator = self._actor(actor)
        audience = dict(audience or {"all": True})
        if scope.unit_id is not None:
            audience["within"] = scope.unit_id   # the board's subtree, as its broadcasts
        doc = next((d for d in self.documents(scope) if d.doc_id == doc_id), None)
        if doc is None:
            raise NotFound(T.DIGEST_DOC_GONE)
        at_time = self.parse_clock(at_time)
        with self.db.session() as s:
            # Created after today's time has passed: the first run is next week, not now.
            local_now = utcnow().astimezone(self.settings.tz)
            last = local_now.date() if (local_now.weekday() == weekday
                                        and local_now.strftime("%H:%M") >= at_time) else None
            d = Digest(doc_id=doc_id, weekday=weekday, at_time=at_time,
                       audience=audience, created_by=creator, last_run_on=last)
            s.add(d)
            s.flush()
            return DigestInfo(d.id, d.doc_id, doc.title, d.weekday, d.at_time, d.active,
                              d.last_run_on)

    @staticmethod
    def _digest_in(scope: Scope, d: Digest) -> bool:
        within = (d.audience or {}).get("within")
        return scope.is_top or (within is not None and scope.covers(int(within)))

    def digests(self, actor: Actor) -> list[DigestInfo]:
        scope, _ = self._actor(actor)
        titles = {d.doc_id: d.title for d in self.documents()}
        with self.db.read() as s:
            return [DigestInfo(d.id, d.doc_id, titles.get(d.doc_id, d.doc_id), d.weekday,
                               d.at_time, d.active, d.last_run_on)
                    for d in s.scalars(select(Digest).where(Digest.active.is_(True))
                                       .order_by(Digest.id)) if self._digest_in(scope, d)]

    def remove_digest(self, actor: Actor, digest_id: int) -> None:
        scope, _ = self._actor(actor)
        with self.db.session() as s:
            d = s.get(Digest, digest_id)
            if d is None or not d.active:
                raise NotFound(T.DIGEST_NOT_FOUND, id=digest_id)
            if not self._digest_in(scope, d):
                raise NotAllowed(TP.OUT_OF_SCOPE_DIGEST, id=digest_id,
                                 board=self.members.board_name(s, scope))
            d.active = False

    def fire_due_digests(self, now: datetime | None = None) -> list[int]:
        """Queue a broadcast for each digest due today and not yet run (last_run_on guards)."""
        now = now or utcnow()
        local = now.astimezone(self.settings.tz)
        today, hhmm = local.date(), local.strftime("%H:%M")
        fired: list[int] = []
        is_due = and_(Digest.active.is_(True), Digest.weekday == local.weekday(),
                      Digest.at_time <= hhmm,
                      or_(Digest.last_run_on.is_(None), Digest.last_run_on < today))
        with self.db.read() as s:
            if s.scalar(select(Digest.id).where(is_due).limit(1)) is None:
                return fired
        with self.db.session() as s:
            due = list(s.scalars(select(Digest).where(is_due).with_for_update(skip_locked=True)))
            for d in due:
                d.last_run_on = today   # first, so a failure below never fires it twice
                try:
                    text = self.digest_text(d.doc_id, d.points or None)
                except Exception:  # noqa: BLE001 - document removed or index not loaded
                    log.exception("digest %s: could not compose", d.id)
                    continue
                audience = dict(d.audience or {"all": True})
                within = audience.pop("within", None)
                b = _schedule(s, d.created_by, Content(text=text), audience, now, d.id,
                              int(within) if within is not None else None)
                fired.append(b.id)
        return fired

