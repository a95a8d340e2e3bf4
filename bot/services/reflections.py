"""Phản ánh: what members hear and see — what people say (dư luận), a false or hostile post (tin
sai trái), a good practice (mô hình hay), a proposal (kiến nghị) — sent in seconds to the board
that serves them, triaged there (answered, passed up, kept), and told back to the member.

A phản ánh is held by the nearest staffed board above the member's unit and seen only by the
boards above that unit (never by a sister commune). An urgent one is told to the holding board
at once. Each comes from one member message: a replayed update adds nothing.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

import numpy as np

from sqlalchemy import ColumnElement, func, select, true, update

from bot.db import Database
from bot.db.models import (
    R_ANSWERED, R_FILED, R_KINDS, R_NEW, R_PASSED_UP, R_WORKING, ROLE_ADMIN, Member, Reflection, Unit,
    utcnow,
)
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.scope import Scope, subtree
from bot.services import audit
from bot.services.members import Actor, MembersService
from bot.text import clean
from bot.texts import reflections as T
from indexer.text import fold

TEXT_CHARS = 3000
ANSWER_CHARS = 3000
LINK = re.compile(r"https?://\S+", re.IGNORECASE)
# The kinds as typed (folded), the first one that matches the start of the line wins.
KIND_WORDS = (
    ("du_luan", ("du luan", "dl", "1")),
    ("sai_trai", ("tin sai trai", "sai trai", "tin sai", "tin xau", "thu dich", "st", "2")),
    ("mo_hinh", ("mo hinh hay", "mo hinh", "dien hinh", "cach lam hay", "mh", "3")),
    ("kien_nghi", ("kien nghi", "de xuat", "gop y", "kn", "4")),
)
URGENT_WORDS = ("khan", "gap", "khan cap")
ANONYMOUS_WORDS = ("an danh", "giau ten", "khong ghi ten")
OPEN = (R_NEW, R_WORKING, R_PASSED_UP)


@dataclass(frozen=True)
class Submitted:
    id: int
    kind: str
    urgent: bool
    board: str                  # the board holding it, by name
    board_chats: list[int]      # told at once when urgent
    unit: str
    reporter: str               # "" when sent anonymously
    text: str
    created: bool               # False: this message had already been recorded


@dataclass(frozen=True)
class ReflectionInfo:
    id: int
    kind: str
    text: str
    link: str | None
    photo: str | None
    urgent: bool
    status: str
    unit: str
    reporter: str               # "" when anonymous
    board: str                  # the board holding it
    created_at: datetime
    answer: str | None
    answered_at: datetime | None
    mine: bool = False          # held by the viewer's board (it may answer, pass up, keep)


@dataclass(frozen=True)
class Topic:
    """Phản ánh that say the same thing: the member's own words closest to all of them, how
    many, from how many units, this week against the week before."""
    label: str
    count: int
    units: int
    this_week: int
    last_week: int
    kinds: tuple[str, ...]
    ids: tuple[int, ...]


@dataclass(frozen=True)
class Handled:
    id: int
    chat_id: int                # the reporter's chat (Telegram or Zalo address)
    text: str
    answer: str
    board: str
    kind: str = ""


@dataclass(frozen=True)
class PassedUp:
    id: int
    board: str                  # the board now holding it
    from_board: str
    board_chats: list[int]
    info: ReflectionInfo


def kind_of(word: str) -> str | None:
    """The kind a word names ("dư luận", "du luan", "1", "sai_trai"), or None."""
    if word.strip() in R_KINDS:   # the kind's own id ("sai_trai": a button's choice)
        return word.strip()
    folded = " ".join(fold(word).split())
    return next((kind for kind, words in KIND_WORDS if folded in words), None)


def parse_line(text: str) -> tuple[str | None, str, bool, bool]:
    """`KIND | content [| khẩn] [| ẩn danh]`, `KIND: content`, or the kind's first words then the
    content: (kind or None, content, urgent, anonymous). The kind is typed with or without
    marks, or as 1–4."""
    parts = [p.strip() for p in re.split(r"\s*\|\s*", (text or "").strip())]
    urgent = anonymous = False
    while len(parts) > 1:
        last = " ".join(fold(parts[-1]).split())
        if last in URGENT_WORDS:
            urgent = True
        elif last in ANONYMOUS_WORDS:
            anonymous = True
        else:
            break
        parts = parts[:-1]
    if len(parts) > 1:
        return kind_of(parts[0]), " | ".join(parts[1:]).strip(), urgent, anonymous
    line = parts[0]
    m = re.match(r"([^:\n]{1,24}):\s*(.+)$", line, re.S)
    if m and kind_of(m.group(1)):
        return kind_of(m.group(1)), m.group(2).strip(), urgent, anonymous
    folded = fold(line)   # as long as the line (one letter for one letter)
    for kind, words in KIND_WORDS:
        for w in words:
            if len(w) < 3:
                continue   # "dl", "1" only as a kind of their own, before "|" or ":"
            m = re.match(r"\s+".join(w.split()) + r"\b[\s:,.–-]*", folded)
            if m and len(folded) > m.end():
                return kind, line[m.end():].strip(), urgent, anonymous
    return None, line.strip(), urgent, anonymous


# Every Vietnamese sentence is near every other in the embedding (multilingual-e5-small: one topic
# 0.90–0.92, different topics 0.81–0.90 on members' sentences, "bà con … thôn" alone makes 0.90).
# What members' sentences share whatever they are about is taken out first: the mean of these
# (on the same sentences, one topic 0.45–0.49, different ones 0.00–0.37). Two phản ánh say the same
# when the centred cosine to the topic's centre is at least TOPIC_COSINE; without the model, when
# this share of their words is shared.
GENERIC = ("Bà con trong thôn phản ánh với chi bộ", "Người dân trong xã đề nghị Ban xem xét",
           "Có ý kiến của nhân dân về việc này", "Đảng viên trong chi bộ nêu ý kiến tại buổi sinh hoạt",
           "Nhiều hộ gia đình quan tâm đến vấn đề này", "Tuyên truyền viên ghi nhận ý kiến của quần chúng",
           "Cử tri kiến nghị với chính quyền địa phương", "Trên mạng xã hội có thông tin",
           "Bà con mong muốn được giải thích rõ", "Tổ dân phố họp bàn")
TOPIC_COSINE = 0.41
VECTORS_KEPT = 20_000   # phản ánh vectors kept between groupings (~30 MB at 384 dimensions)
TOPIC_WORDS = 0.5
TOPIC_KINDS = ("du_luan", "sai_trai", "kien_nghi")   # a good practice is not a worry


class ReflectionsService:
    def __init__(self, db: Database, members: MembersService, allow_anonymous: bool = False,
                 embed: Callable[[list[str]], np.ndarray] | None = None):
        self.db = db
        self.members = members
        self.allow_anonymous = allow_anonymous
        self.embed = embed   # texts -> vectors (the loaded embedding model), or None
        self._generic: np.ndarray | None = None   # the mean of GENERIC, once
        # Each phản ánh's vector, once: the desk's page and the digest group the same weeks again.
        self._seen_vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ members
    def submit(self, telegram_id: int, chat_id: int, kind: str, text: str, urgent: bool = False,
               anonymous: bool = False, photo: str | None = None,
               source: str | None = None) -> Submitted:
        """Record a member's phản ánh with their unit, for the nearest staffed board above it."""
        member = self.members.require_member(telegram_id)
        if kind not in R_KINDS:
            raise InvalidInput(T.KIND_UNKNOWN)
        text = clean(text or "").strip()
        if not text and not photo:
            raise InvalidInput(T.EMPTY)
        if len(text) > TEXT_CHARS:
            raise InvalidInput(T.TOO_LONG, limit=TEXT_CHARS, length=len(text))
        if anonymous and not self.allow_anonymous:
            raise InvalidInput(T.ANONYMOUS_OFF)
        link = LINK.search(text)
        with self.db.session() as s:
            if source:
                done = s.scalar(select(Reflection).where(Reflection.source == source))
                if done is not None:
                    return self._submitted(s, done, False)
            board = self.members.nearest_board(s, member.unit_id)
            r = Reflection(member_id=member.id, chat_id=chat_id, unit_id=member.unit_id,
                           board_unit_id=board, kind=kind, text=text or T.PHOTO_ONLY,
                           link=link.group(0)[:500] if link else None, photo=photo,
                           urgent=urgent, anonymous=anonymous, status=R_NEW, source=source)
            s.add(r)
            s.flush()   # the same message recorded meanwhile by a replay: the unique source refuses it
            return self._submitted(s, r, True)

    @staticmethod
    def _who(s, r: Reflection) -> tuple[str, str]:
        """(the reporter's unit, their name — "" when sent anonymously)."""
        unit = s.get(Unit, r.unit_id).name if r.unit_id else ""
        return unit, "" if r.anonymous else (s.get(Member, r.member_id).full_name or "")

    def _submitted(self, s, r: Reflection, created: bool) -> Submitted:
        unit, reporter = self._who(s, r)
        return Submitted(r.id, r.kind, r.urgent, self.members.board_title(s, r.board_unit_id),
                         self.members.board_chats(r.board_unit_id), unit, reporter, r.text,
                         created)

    def mine(self, telegram_id: int, limit: int = 10) -> list[ReflectionInfo]:
        """The member's own phản ánh, newest first, with where each stands."""
        member = self.members.require_member(telegram_id)
        with self.db.read() as s:
            rows = list(s.scalars(select(Reflection).where(Reflection.member_id == member.id)
                                  .order_by(Reflection.id.desc()).limit(limit)))
            return [self._info(s, r, None) for r in rows]

    # ------------------------------------------------------------------ boards
    def _info(self, s, r: Reflection, scope: Scope | None) -> ReflectionInfo:
        unit, reporter = self._who(s, r)
        mine = scope is not None and self._holds(scope, r)
        return ReflectionInfo(r.id, r.kind, r.text, r.link, r.photo, r.urgent, r.status, unit,
                              reporter, self.members.board_title(s, r.board_unit_id),
                              r.created_at, r.answer_text, r.answered_at, mine)

    @staticmethod
    def _holds(scope: Scope, r: Reflection) -> bool:
        """The viewer's board (or one under it) holds it: it may answer, pass up or keep."""
        return scope.is_top or (r.board_unit_id is not None and scope.covers(r.board_unit_id))

    @staticmethod
    def _sees(scope: Scope, r: Reflection) -> bool:
        """Only the boards above the reporter's unit see it (and the board it was passed to)."""
        return scope.is_top or (r.unit_id is not None and scope.covers(r.unit_id)) or \
            (r.board_unit_id is not None and scope.covers(r.board_unit_id))

    def listing(self, actor: Actor, status: str | None = None, limit: int = 50,
                everything: bool = False) -> tuple[list[ReflectionInfo], dict[str, int]]:
        """What the board sees, urgent and newest first (one status, or those still open), and
        the count per status."""
        scope = self.members.as_scope(actor)
        with self.db.read() as s:
            seen = self._seen(scope)
            counts = dict(s.execute(select(Reflection.status, func.count())
                                    .where(seen).group_by(Reflection.status)).all())
            q = select(Reflection).where(seen)
            if status:
                q = q.where(Reflection.status == status)
            elif not everything:
                q = q.where(Reflection.status.in_(OPEN))
            rows = list(s.scalars(q.order_by(Reflection.urgent.desc(), Reflection.id.desc())
                                  .limit(limit)))
            return [self._info(s, r, scope) for r in rows], counts

    @staticmethod
    def _seen(scope: Scope):
        if scope.is_top:
            return true()
        return scope.where(Reflection.unit_id) | scope.where(Reflection.board_unit_id)

    @staticmethod
    def within(unit_ids) -> ColumnElement[bool]:
        """Phản ánh from these units (None: from anywhere): a subtree's, for its report."""
        return true() if unit_ids is None else Reflection.unit_id.in_(sorted(unit_ids))

    def _held(self, s, scope: Scope, reflection_id: int) -> Reflection:
        r = s.get(Reflection, reflection_id, with_for_update=True)
        if r is None or not self._sees(scope, r):
            raise NotFound(T.NOT_FOUND, id=reflection_id)   # another commune's: as if none
        if not self._holds(scope, r):
            raise NotAllowed(T.NOT_HELD, id=r.id, board=self.members.board_title(s, r.board_unit_id))
        return r

    def answer(self, actor: Actor, reflection_id: int, text: str, via: str = "chat") -> Handled:
        """The board's answer to the member (delivered by the caller on their channel)."""
        scope = self.members.as_scope(actor)
        text = clean(text or "").strip()
        if not text:
            raise InvalidInput(T.ANSWER_EMPTY)
        if len(text) > ANSWER_CHARS:
            raise InvalidInput(T.TOO_LONG, limit=ANSWER_CHARS, length=len(text))
        with self.db.session() as s:
            r = self._held(s, scope, reflection_id)
            if r.status == R_ANSWERED:
                raise InvalidInput(T.ALREADY_ANSWERED, id=r.id)
            admin = self.members.acting_member(s, scope)
            r.status, r.answer_text, r.answered_by, r.answered_at = R_ANSWERED, text, admin, utcnow()
            board = self.members.board_title(s, r.board_unit_id)
            audit.record(s, scope, "reflection_answer", f"phản ánh số {r.id}", text, via)
            return Handled(r.id, r.chat_id, r.text, text, board)

    def orient(self, actor: Actor, reflection_id: int, broadcast_id: int, text: str,
               via: str = "chat") -> list[Handled]:
        """A false post answered by an orientation broadcast: the phản ánh, and every other still
        open one of the board's people about the same post (the same link, or saying the same),
        are answered with it; their reporters are to be told (the Handled, for the caller)."""
        scope = self.members.as_scope(actor)
        with self.db.session() as s:
            r = self._held(s, scope, reflection_id)
            if r.status in (R_ANSWERED, R_FILED) and r.kind != "mo_hinh":
                raise InvalidInput(T.ALREADY_ANSWERED, id=r.id)
            model = r.kind == "mo_hinh"   # a good practice shared: itself, told it travels
            answer = (T.MODEL_SHARED if model else T.ORIENTED).format(
                id=broadcast_id, text=clean(text)[:ANSWER_CHARS])
            others = [] if model else [o for o in s.scalars(select(Reflection).where(
                self._seen(scope), Reflection.kind == r.kind, Reflection.status.in_(OPEN),
                Reflection.id != r.id)) if self._holds(scope, o)]
            same = [o for o in others if r.link and o.link == r.link]
            rest = [o for o in others if o not in same]
            if rest:
                vectors = self._vectors([r.text] + [o.text for o in rest])
                groups = _group([r.text] + [o.text for o in rest], vectors)
                mine = next(g for g, _ in groups if 0 in g)
                same += [rest[i - 1] for i in mine if i]
            admin = self.members.acting_member(s, scope)
            out = []
            for x in [r] + same:
                x.status, x.answer_text, x.answered_by, x.answered_at = \
                    R_ANSWERED, answer, admin, utcnow()
                out.append(Handled(x.id, x.chat_id, x.text, answer,
                                   self.members.board_title(s, x.board_unit_id), x.kind))
            audit.record(s, scope, "reflection_orient",
                         f"phản ánh số {', '.join(str(h.id) for h in out)} → lần gửi #{broadcast_id}",
                         text, via)
            return out

    def set_status(self, actor: Actor, reflection_id: int, status: str,
                   via: str = "chat") -> ReflectionInfo:
        """Mark it as being handled, or keep it for the record (no answer to the member)."""
        if status not in (R_WORKING, R_FILED):
            raise InvalidInput(T.STATUS_BAD)
        scope = self.members.as_scope(actor)
        with self.db.session() as s:
            r = self._held(s, scope, reflection_id)
            if r.status == R_ANSWERED:
                raise InvalidInput(T.ALREADY_ANSWERED, id=r.id)
            r.status = status
            audit.record(s, scope, "reflection_" + status, f"phản ánh số {r.id}", r.text, via)
            s.flush()
            return self._info(s, r, scope)

    def escalate(self, actor: Actor, reflection_id: int, via: str = "chat") -> PassedUp:
        """Hand it to the next staffed board up, which is told at once."""
        scope = self.members.as_scope(actor)
        with self.db.session() as s:
            r = self._held(s, scope, reflection_id)
            if r.status in (R_ANSWERED, R_FILED):
                raise InvalidInput(T.ALREADY_ANSWERED, id=r.id)
            if r.board_unit_id is None:
                raise InvalidInput(T.ESCALATE_TOP, id=r.id)
            old = r.board_unit_id
            new = self.members.nearest_board(s, old, above=True)
            done = s.execute(update(Reflection).where(
                Reflection.id == r.id, Reflection.board_unit_id == old)
                .values(board_unit_id=new, status=R_PASSED_UP)).rowcount
            if not done:
                raise InvalidInput(T.ALREADY_ANSWERED, id=r.id)
            s.refresh(r)
            to_board = self.members.board_title(s, new)
            audit.record(s, scope, "reflection_escalate", f"phản ánh số {r.id} → {to_board}",
                         r.text, via)
            return PassedUp(r.id, to_board, self.members.board_title(s, old),
                            self.members.board_chats(new), self._info(s, r, None))

    def get(self, actor: Actor, reflection_id: int) -> ReflectionInfo:
        scope = self.members.as_scope(actor)
        with self.db.read() as s:
            r = s.get(Reflection, reflection_id)
            if r is None or not self._sees(scope, r):
                raise NotFound(T.NOT_FOUND, id=reflection_id)
            return self._info(s, r, scope)

    # ------------------------------------------------------------------ trends
    def topics(self, actor: Actor, days: int = 28, now: datetime | None = None,
               limit: int = 10) -> tuple[list[Topic], int]:
        """What the board's people report most over the last `days`, grouped by what it says
        (not by row): the largest topics first, and the number of phản ánh counted."""
        scope = self.members.as_scope(actor)
        now = now or utcnow()
        return self.topics_between(self._seen(scope), now - timedelta(days=days), now, limit)

    def topics_between(self, where, start: datetime, end: datetime,
                       limit: int = 10) -> tuple[list[Topic], int]:
        """Topics of the phản ánh matching `where` sent between `start` and `end`."""
        with self.db.read() as s:
            rows = s.execute(select(Reflection.id, Reflection.text, Reflection.kind,
                                    Reflection.unit_id, Reflection.created_at)
                             .where(where, Reflection.created_at >= start,
                                    Reflection.created_at <= end,
                                    Reflection.kind.in_(TOPIC_KINDS))
                             .order_by(Reflection.id)).all()
        if not rows:
            return [], 0
        groups = _group([r.text for r in rows], self._vectors([r.text for r in rows]))
        week = end - timedelta(days=7)
        out = []
        for members, label_index in groups:
            picked = [rows[i] for i in members]
            out.append(Topic(
                label=rows[label_index].text, count=len(picked),
                units=len({r.unit_id for r in picked}),
                this_week=sum(r.created_at >= week for r in picked),
                last_week=sum(week - timedelta(days=7) <= r.created_at < week for r in picked),
                kinds=tuple(sorted({r.kind for r in picked})), ids=tuple(r.id for r in picked)))
        out.sort(key=lambda t: (-t.count, -t.this_week, t.ids[0]))
        return out[:limit], len(rows)

    def weekly(self, now: datetime | None = None) -> list[tuple[str, list[int], list[Topic], int]]:
        """Each staffed board's week of phản ánh from its own subtree (boards with none are
        skipped): (board name, its chats, largest topics, count)."""
        now = now or utcnow()
        with self.db.read() as s:
            boards = set(s.scalars(select(Member.board_unit_id).where(
                Member.role == ROLE_ADMIN, Member.active.is_(True)).distinct()))
            trees = {b: (None if b is None else frozenset(subtree(s, b))) for b in boards}
        out = []
        for board, units in sorted(trees.items(), key=lambda kv: (kv[0] is not None, kv[0] or 0)):
            topics, total = self.topics_between(self.within(units), now - timedelta(days=7), now,
                                                limit=5)
            if total:
                with self.db.read() as s:
                    name = self.members.board_title(s, board)
                out.append((name, self.members.board_chats(board), topics, total))
        return out

    def models_between(self, where, start: datetime, end: datetime,
                       limit: int = 10) -> list[tuple[str, str]]:
        """(unit, words) of the good practices sent between `start` and `end`, first first."""
        with self.db.read() as s:
            rows = s.execute(select(Unit.name, Reflection.text)
                             .outerjoin(Unit, Unit.id == Reflection.unit_id)
                             .where(where, Reflection.kind == "mo_hinh",
                                    Reflection.created_at >= start, Reflection.created_at <= end)
                             .order_by(Reflection.id).limit(limit)).all()
        return [(unit or T.NO_UNIT, text) for unit, text in rows]

    def counts_between(self, where, start: datetime, end: datetime) -> dict[str, int]:
        """Phản ánh per kind sent between `start` and `end` (for the periodic report)."""
        with self.db.read() as s:
            return dict(s.execute(select(Reflection.kind, func.count())
                                  .where(where, Reflection.created_at >= start,
                                         Reflection.created_at <= end)
                                  .group_by(Reflection.kind)).all())

    def _vectors(self, texts: list[str]) -> np.ndarray | None:
        """Unit vectors of the texts with what all members' sentences share taken out."""
        if self.embed is None:
            return None
        try:
            if self._generic is None:
                g = _unit(np.asarray(self.embed(list(GENERIC)), dtype=np.float32))
                self._generic = g.mean(axis=0)
            with self._lock:   # the service runs in worker threads
                unique = list(dict.fromkeys(texts))
                new = [t for t in unique if t not in self._seen_vectors]
                if len(self._seen_vectors) + len(new) > VECTORS_KEPT:
                    self._seen_vectors.clear()
                    new = unique
                if new:
                    for t, v in zip(new, _unit(np.asarray(self.embed(new), dtype=np.float32))):
                        self._seen_vectors[t] = v
                v = np.vstack([self._seen_vectors[t] for t in texts])
        except Exception:  # noqa: BLE001 - no model loaded (no index yet): group by words
            return None
        return _unit(v - self._generic)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", fold(text)) if len(w) > 1}


def _group(texts: list[str], vectors: np.ndarray | None) -> list[tuple[list[int], int]]:
    """Greedy topics in arrival order: each phản ánh joins the topic whose centre is closest if
    close enough, else starts one. (members, index of the one closest to the centre)."""
    centres: list[np.ndarray] = []
    words: list[set[str]] = []
    members: list[list[int]] = []
    for i, text in enumerate(texts):
        best, score = None, 0.0
        if vectors is not None:
            for k, c in enumerate(centres):
                sim = float(vectors[i] @ c / max(np.linalg.norm(c), 1e-9))
                if sim >= TOPIC_COSINE and sim > score:
                    best, score = k, sim
        else:
            mine = _words(text)
            for k, w in enumerate(words):
                sim = 2 * len(mine & w) / max(len(mine) + len(w), 1)
                if sim >= TOPIC_WORDS and sim > score:
                    best, score = k, sim
        if best is None:
            members.append([i])
            centres.append(vectors[i].copy() if vectors is not None else np.zeros(1))
            words.append(_words(text))
        else:
            members[best].append(i)
            if vectors is not None:
                centres[best] = centres[best] + vectors[i]
    out = []
    for k, group in enumerate(members):
        if vectors is not None:
            c = centres[k] / max(np.linalg.norm(centres[k]), 1e-9)
            label = max(group, key=lambda i: float(vectors[i] @ c))
        else:
            label = group[0]
        out.append((group, label))
    return out
