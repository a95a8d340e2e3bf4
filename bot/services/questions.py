"""Questions: answer from the documents (or a board FAQ), show a related passage when not sure, hand the
rest to the board, keep every question."""
from __future__ import annotations

import hashlib
import logging
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from sqlalchemy import func, select, update

from bot.db import DatabaseBusy
from bot.db.models import (
    Q_ANSWERED_BY_BOARD, Q_ANSWERED_BY_DOCS, Q_ANSWERED_BY_FAQ, Q_HELD, Q_OPEN, Q_RELATED, Faq, Member,
    Question, QuestionNotice, Unit, Upload, utcnow,
)
from bot.errors import InvalidInput, LoaError, NotAllowed, NotFound
from bot.scope import Scope, path, subtree
from bot.services import audit
from bot.text import clean, clean_name, fmt_date, plain
from bot.texts import province as TP
from bot.texts import qa as T
from indexer.lexical import STOPWORDS
from indexer.question import small_talk
from indexer.text import fold, normalize, tokens

log = logging.getLogger(__name__)

Q_SMALL_TALK = "chat"      # a greeting, thanks, "ok": answered kindly, never stored as a question
QUERY_CHARS = 500          # a longer question is searched by its beginning (it is still stored whole)
ANSWER_MAX_CHARS = 3000    # a board answer must fit one message together with the question
KEYPOINTS_PER_PAGE = 10
KEYPOINTS_PAGE_CHARS = 3000
KEYPOINT_CHARS = 500       # an outline line; longer first sentences end in "…"
# Weighted Dice similarity over folded syllables and bigrams (see FaqMatcher), calibrated on the
# pairs in tests/test_qa_faq.py: paraphrases (with or without diacritics) score 0.68-1.0, other
# questions on the same topics up to 0.61. Precision first: a miss only hands the question to the
# board again, while a false match would give someone the board's answer to another question.
FAQ_THRESHOLD = 0.62
STOPWORD_WEIGHT = 0.15
# Question phrasing beyond the indexer's stopwords ("bao giờ", "mỗi", "mức", "những", "thế nào"…):
# wording, not topic, so two phrasings of one question still meet.
QUESTION_WORDS = frozenset({"gio", "moi", "muc", "nhung", "the", "vay", "dien", "hang"})
_FUNCTION = STOPWORDS | QUESTION_WORDS


# ------------------------------------------------------------------ results
@dataclass(frozen=True)
class Asker:
    telegram_id: int
    chat_id: int
    name: str
    member_id: int | None
    unit_name: str | None
    unit_id: int | None = None
    # The units whose own documents and FAQ entries may answer this asker: the asker's unit
    # and every unit above it (for a board member, also the board's unit, those above and those
    # under it); None: every unit (the top board).
    reach: frozenset[int] | None = frozenset()


@dataclass(frozen=True)
class Passage:
    """One verbatim passage to quote, with where it comes from."""
    chunk_id: str
    document: str
    section: str
    text: str
    score: float
    excerpt: str = ""      # the part that answers, verbatim, "…" where cut (phone-length)
    heading: str = ""      # the heading path to show once above the excerpt
    label: str = ""        # short section for the source line: "mục III.1", "Điều 4"
    doc_id: str = ""
    owner: str = ""        # the unit whose own document it is (empty: the top-level knowledge)
    focus: str = ""        # the sentence of `excerpt` that answers (verbatim), to mark; "" when none


@dataclass(frozen=True)
class FaqAnswer:
    faq_id: int
    question: str
    answer: str
    answered_on: date
    score: float
    board: str = ""      # the board whose answer it is, as it signs


@dataclass(frozen=True)
class AdminNotice:
    """What to tell the admins about a question the documents don't answer."""
    question_id: int
    question: str
    asker_name: str
    unit_name: str | None
    chat_ids: list[int]
    board_unit_id: int | None = None   # the board it is handed to (None: the top-level board)
    board_name: str = ""               # that board, as it signs

    @property
    def can_escalate(self) -> bool:
        """A unit's board may pass it up ("⬆️ Chuyển lên cấp trên"); the top board may not."""
        return self.board_unit_id is not None


@dataclass(frozen=True)
class QuestionLog:
    """The row a question answered from the documents or the FAQ becomes, written by `record()`
    after the answer went out (its id is reserved: the answer's buttons carry it)."""
    id: int
    asker: Asker
    text: str
    status: str
    score: float | None = None
    top_chunk: str | None = None
    faq_id: int | None = None
    board_unit_id: int | None = None
    message_id: int | None = None     # the asker's message (an edit of it is answered again)


@dataclass(frozen=True)
class QuestionResult:
    question_id: int
    status: str                       # docs | faq | related | open | held
    passages: list[Passage]           # docs: those that answer; related: the most related, best first
    faq: FaqAnswer | None = None
    notice: AdminNotice | None = None  # None when the same open question was already handed off
    truncated: bool = False
    log: QuestionLog | None = None     # to `record()` once the answer is sent (docs and faq)
    handoff_limit: int = 0            # for `held`: the daily number of hand-offs already reached
    small_talk: str | None = None     # greeting, thanks, ack, help, symbols: not a question
    missing: tuple[str, ...] = ()     # documents named in the question that the knowledge does not hold
    board: str = ""                   # open / held: the board it went to (or waits at), as it signs

    @property
    def more(self) -> bool:
        """Whether other passages also answer ("Xem thêm")."""
        return len(self.passages) > 1


@dataclass(frozen=True)
class OpenQuestion:
    id: int
    text: str
    asker_name: str
    unit_name: str | None
    asked_at: datetime
    board: str | None = None       # the board it waits at, when not the viewer's own
    held: bool = False             # kept back by the asker's daily hand-off limit (no notice sent)


@dataclass(frozen=True)
class BoardAnswer:
    question_id: int
    question: str
    answer: str
    asker_chat_id: int
    asker_name: str
    answered_on: date
    board: str = ""      # the answering board, as it signs


@dataclass(frozen=True)
class Escalation:
    """A question passed up to the next board."""
    question_id: int
    board: str
    from_board: str
    notice: AdminNotice


@dataclass(frozen=True)
class MorePassage:
    """Another passage that also answers an earlier question ("Xem thêm")."""
    question_id: int
    index: int
    passage: Passage
    more: bool  # yet another one after it


@dataclass(frozen=True)
class SectionText:
    document: str
    section: str
    text: str
    owner: str = ""        # the unit whose own document it is (empty: the top-level knowledge)


@dataclass(frozen=True)
class AnsweredQuestion:
    """A question the board (or a board under it) answered, and its FAQ entry if saved."""
    id: int
    text: str
    answer: str
    answered_at: datetime | None
    faq_id: int | None


@dataclass(frozen=True)
class FaqEntry:
    id: int
    question: str
    answer: str
    active: bool
    board: str               # the board whose people it answers
    created_at: datetime | None


FAQ_ANSWER_CHARS = 3500   # a Telegram message with its signature


@dataclass(frozen=True)
class DocumentChoice:
    key: str          # short stable handle for callback data (doc ids can exceed 64 bytes)
    doc_id: str
    title: str        # the citation form: "Kế hoạch số …-KH/TU (tháng 6/2024) – Thị ủy …"
    label: str        # for a button: type, number and the document's own title


@dataclass(frozen=True)
class KeyPointPage:
    key: str
    document: str
    lines: list[tuple[int, str, str]]  # (level, label, text)
    page: int
    pages: int


# ------------------------------------------------------------------ FAQ similarity
def _weights(text: str) -> dict[str, float]:
    """Folded syllables and bigrams of a question; function words count little."""
    out: dict[str, float] = {}
    for t in tokens(normalize(text)):
        parts = t.split("_")
        w = STOPWORD_WEIGHT if all(p in _FUNCTION for p in parts) else \
            (0.5 if any(p in _FUNCTION for p in parts) else 1.0)
        out[t] = max(out.get(t, 0.0), w)
    return out


def search_head(text: str) -> str:
    """What a long question is searched by: its first QUERY_CHARS characters, never a word cut in two."""
    if len(text) <= QUERY_CHARS:
        return text
    head = text[:QUERY_CHARS]
    if text[QUERY_CHARS].isalnum() and " " in head:
        head = head.rsplit(" ", 1)[0]
    return head


def similarity(a: dict[str, float], b: dict[str, float]) -> float:
    """Weighted Dice coefficient of two token-weight maps (0..1), symmetric.

    Both directions must be covered: a question that only shares the directive's name
    ("Chỉ thị 30 …") with an FAQ entry stays well below the threshold.
    """
    total = sum(a.values()) + sum(b.values())
    if total <= 0:
        return 0.0
    shared = sum(min(a[t], b[t]) for t in a.keys() & b.keys())
    return 2.0 * shared / total


class FaqMatcher:
    """Active FAQ entries with their token weights, refreshed when the table changes."""

    def __init__(self, threshold: float = FAQ_THRESHOLD):
        self.threshold = threshold
        self._version: tuple | None = None
        self._entries: list[tuple[int, dict[str, float]]] = []
        self._lock = threading.Lock()

    def forget(self) -> None:
        """Read the entries again at the next question (an entry's wording changed)."""
        with self._lock:
            self._version = None

    def best(self, s, question: str,
             reach: frozenset[int] | None = None) -> tuple[int, float] | None:
        """The closest FAQ entry above the threshold; with `reach`, only entries for everyone
        or saved by a board of one of those units (a commune's answers serve the commune)."""
        version = s.execute(select(func.count(Faq.id), func.max(Faq.id))
                            .where(Faq.active.is_(True))).one()
        version = tuple(version)
        with self._lock:
            if version != self._version:
                rows = s.execute(select(Faq.id, Faq.question, Faq.unit_id)
                                 .where(Faq.active.is_(True))).all()
                self._entries = [(fid, unit, _weights(q)) for fid, q, unit in rows]
                self._version = version
            entries = self._entries
        if reach is not None:
            entries = [e for e in entries if e[1] is None or e[1] in reach]
        if not entries:
            return None
        q = _weights(question)
        best = max(((fid, similarity(q, w)) for fid, _, w in entries), key=lambda t: t[1])
        return best if best[1] >= self.threshold else None


def doc_key(doc_id: str) -> str:
    return hashlib.sha1(doc_id.encode()).hexdigest()[:10]


def _fold_key(text: str) -> str:
    return " ".join(fold(text).split())


# ------------------------------------------------------------------ the service
class QuestionsService:
    def __init__(self, db, kb, members, settings):
        self.db = db
        self.kb = kb
        self.members = members
        self.settings = settings
        self.faqs = FaqMatcher()

    # -------------------------------------------------------------- who may ask
    def asker(self, telegram_id: int, chat_id: int, telegram_name: str) -> Asker:
        """The member asking; anyone (not deactivated) when LOA_OPEN_QA is on."""
        member = self.members.get(telegram_id)
        if member is None and not self.settings.open_qa:
            member = self.members.require_member(telegram_id)  # raises NotAllowed(NOT_REGISTERED)
        if member is not None and not member.active:
            self.members.require_member(telegram_id)  # raises NotAllowed(DEACTIVATED)
        if member is None:
            return Asker(telegram_id, chat_id, clean_name(telegram_name), None, None)
        with self.db.read() as s:
            reach = self._reach(s, member)
        return Asker(telegram_id, chat_id, member.full_name or clean_name(telegram_name),
                     member.id, member.unit_name, member.unit_id, reach)

    def reach_of(self, telegram_id: int) -> frozenset[int]:
        """The units whose own documents may answer this user (see Asker.reach)."""
        member = self.members.get(telegram_id)
        if member is None:
            return frozenset()
        with self.db.read() as s:
            return self._reach(s, member)

    def _reach(self, s, member) -> frozenset[int] | None:
        """Units whose own documents may answer a member: their unit and those above it; for a
        board member also every unit under the board (so a province reads what its communes
        uploaded); the top board: all (None)."""
        reach = frozenset(u.id for u in path(s, member.unit_id)) | frozenset(
            u.id for u in path(s, member.board_unit_id))
        if member.is_admin or member.telegram_id in self.members.admin_ids:
            if member.board_unit_id is None:
                return None
            reach |= subtree(s, member.board_unit_id)
        return reach

    def _uploads(self) -> dict[str, int]:
        """File name -> owner unit of every document a unit's board uploaded."""
        with self.db.read() as s:
            return dict(s.execute(select(Upload.file_name, Upload.unit_id)
                                  .where(Upload.unit_id.is_not(None))).all())

    def _excluded(self, reach: frozenset[int] | None) -> frozenset[str]:
        """Doc ids of other units' own documents: never quoted to this asker (None: reaches all)."""
        if reach is None:
            return frozenset()
        foreign = {name for name, unit in self._uploads().items() if unit not in reach}
        if not foreign:
            return frozenset()
        return frozenset(d.doc_id for d in self.kb.documents() if d.source_file in foreign)

    def _owners(self) -> dict[str, str]:
        """Doc id -> the unit whose own document it is (for "tài liệu của …" in citations)."""
        owned = self._uploads()
        if not owned:
            return {}
        with self.db.read() as s:
            names = dict(s.execute(select(Unit.id, Unit.name)
                                   .where(Unit.id.in_(set(owned.values())))).all())
        return {d.doc_id: names.get(owned[d.source_file], "")
                for d in self.kb.documents() if d.source_file in owned}

    def can_ask(self, telegram_id: int) -> bool:
        if self.settings.open_qa and self.members.get(telegram_id) is None:
            return True
        try:
            self.members.require_member(telegram_id)
            return True
        except LoaError:
            return False

    # -------------------------------------------------------------- asking
    def ask(self, telegram_id: int, chat_id: int, telegram_name: str, text: str,
            message_id: int | None = None) -> QuestionResult:
        """Check the asker and answer from the FAQ or the documents, or show the most related
        passage when the documents may not answer (the asker decides whether to send it on).

        An answer needs no write: it comes with a `log` for `record()` (its id reserved, so the
        answer's buttons can carry it), and the caller stores it before or after sending, so
        another user's long write never delays an answer. A question handed to the board is
        stored here, first (the board answers it by its number). `message_id` is the asker's
        message: an edit of it is answered again (`asked_in`).
        """
        asker = self.asker(telegram_id, chat_id, telegram_name)
        text = normalize(clean(text))
        if not text:
            raise InvalidInput(T.EMPTY_QUESTION)
        chat = small_talk(text)
        if chat is not None:
            return chat_result(chat, self.members.serving_board(telegram_id))
        query = search_head(text)
        truncated = len(text) > QUERY_CHARS

        with self.db.read() as s:
            match = self.faqs.best(s, query, asker.reach)
            if match is not None:
                faq_id, score = match
                faq = s.get(Faq, faq_id)
                if faq is not None and faq.active:
                    answered = s.scalar(select(Question.answered_at)
                                        .where(Question.id == faq.source_question_id))
                    log = QuestionLog(self.db.reserve_id(Question), asker, text,
                                      Q_ANSWERED_BY_FAQ, score=score, faq_id=faq.id,
                                      message_id=message_id)
                    on = (answered or faq.created_at).astimezone(self.settings.tz).date()
                    board = self.members.board_title(s, faq.unit_id)
                    return QuestionResult(log.id, Q_ANSWERED_BY_FAQ, [],
                                          FaqAnswer(faq.id, faq.question, faq.answer, on, score,
                                                    board),
                                          truncated=truncated, log=log)

        answer = self._search(query, asker.reach)
        if answer.found:
            passages = _passages(answer.quotes, self._owners())
            log = QuestionLog(self.db.reserve_id(Question), asker, text, Q_ANSWERED_BY_DOCS,
                              score=passages[0].score, top_chunk=passages[0].chunk_id,
                              message_id=message_id)
            return QuestionResult(log.id, Q_ANSWERED_BY_DOCS, passages, truncated=truncated,
                                  log=log)
        if answer.related:
            # Not sure it answers: shown as related; nothing goes to the board unless the asker
            # presses "📨 Gửi câu hỏi cho Ban" (`send_to_board`).
            passages = _passages(answer.related, self._owners())
            log = QuestionLog(self.db.reserve_id(Question), asker, text, Q_RELATED,
                              score=passages[0].score, top_chunk=passages[0].chunk_id,
                              message_id=message_id)
            return QuestionResult(log.id, Q_RELATED, passages, truncated=truncated, log=log)
        missing = tuple(answer.missing)

        with self.db.read() as s:
            earlier = self._earlier_open(s, asker.telegram_id, text)
            handed_off = self._handed_off_today(s, asker.telegram_id)
            # The board of the asker's nearest unit with an active board member; else the top.
            board = self.members.nearest_board(s, asker.unit_id)
            title = self.members.board_title(s, board)
        if earlier is not None:
            return QuestionResult(earlier, Q_OPEN, [], None, None, truncated, missing=missing,
                                  board=title)
        top = answer.hits[0] if answer.hits else None
        limit = self.settings.handoff_daily_limit
        status = Q_HELD if limit > 0 and handed_off >= limit else Q_OPEN
        log = QuestionLog(self.db.reserve_id(Question), asker, text, status,
                          score=top.score if top else None, board_unit_id=board,
                          message_id=message_id)
        self.record(log)
        if status == Q_HELD:
            # Kept for the board's list, but no notice: one member cannot flood every admin.
            return QuestionResult(log.id, Q_HELD, [], None, None, truncated, handoff_limit=limit,
                                  missing=missing, board=title)
        return QuestionResult(log.id, Q_OPEN, [], None,
                              self._notice(log.id, text, asker, board, title), truncated,
                              missing=missing, board=title)

    def send_to_board(self, question_id: int, telegram_id: int, chat_id: int,
                      telegram_name: str = "") -> QuestionResult:
        """"📨 Gửi câu hỏi cho Ban" under a related passage: hand the asker's own question to the
        board, once. Like a question nothing answers: the same open question is not sent twice,
        and over the daily limit it is held (listed for the board, no notice)."""
        asker = self.asker(telegram_id, chat_id, telegram_name)
        with self.db.read() as s:
            q = s.get(Question, question_id)
            if q is None or q.telegram_id != telegram_id:
                raise NotFound(T.QUESTION_NOT_YOURS)
            if q.status in (Q_OPEN, Q_HELD, Q_ANSWERED_BY_BOARD):
                raise InvalidInput(T.SEND_DONE, id=question_id)
            if q.status != Q_RELATED:
                raise InvalidInput(T.SEND_NOT_NEEDED, id=question_id)
            text = q.text
            earlier = self._earlier_open(s, telegram_id, text)
            handed_off = self._handed_off_today(s, telegram_id)
            board = self.members.nearest_board(s, asker.unit_id)
            title = self.members.board_title(s, board)
        if earlier is not None:
            return QuestionResult(earlier, Q_OPEN, [], None, None, board=title)
        limit = self.settings.handoff_daily_limit
        status = Q_HELD if limit > 0 and handed_off >= limit else Q_OPEN
        with self.db.session() as s:
            # Conditional: of two presses (or two devices), one sends it.
            done = s.execute(update(Question).where(
                Question.id == question_id, Question.telegram_id == telegram_id,
                Question.status == Q_RELATED)
                .values(status=status, board_unit_id=board,
                        handed_off_at=utcnow() if status == Q_OPEN else None)).rowcount
        if not done:
            raise InvalidInput(T.SEND_DONE, id=question_id)
        if status == Q_HELD:
            return QuestionResult(question_id, Q_HELD, [], None, None, handoff_limit=limit,
                                  board=title)
        return QuestionResult(question_id, Q_OPEN, [], None,
                              self._notice(question_id, text, asker, board, title), board=title)

    def _earlier_open(self, s, telegram_id: int, text: str) -> int | None:
        """The same person's open question that says the same (or in other words): the board is
        not bothered twice."""
        key = _fold_key(text)
        weights = _weights(search_head(text))
        earlier = s.execute(select(Question.id, Question.text).where(
            Question.telegram_id == telegram_id, Question.status == Q_OPEN)
            .order_by(Question.id.desc()).limit(20)).all()
        for qid, qtext in earlier:
            if _fold_key(qtext) == key or \
                    similarity(weights, _weights(search_head(qtext))) >= FAQ_THRESHOLD:
                return qid
        return None

    def _notice(self, question_id: int, text: str, asker: Asker, board: int | None,
                board_name: str) -> AdminNotice:
        # A board member's own question is not sent to themself (the others on the board get it).
        chats = [c for c in self.members.board_chats(board) if c != asker.chat_id]
        return AdminNotice(question_id, text, asker.name, asker.unit_name, chats, board,
                           board_name)

    def asked_in(self, telegram_id: int, chat_id: int, message_id: int) -> bool:
        """Whether this user's message was taken as a question (so an edit of it is one too)."""
        with self.db.read() as s:
            return s.scalar(select(Question.id).where(
                Question.telegram_id == telegram_id, Question.chat_id == chat_id,
                Question.message_id == message_id).limit(1)) is not None

    def record(self, log: QuestionLog, wait: float | None = None) -> bool:
        """Store a question (every question is kept, answered or not).

        With `wait`, give up (False) when the database is busy for longer than that: the
        answer then goes out first and the question is stored after it."""
        a = log.asker
        try:
            with self.db.session(wait=wait) as s:
                s.add(Question(id=log.id, member_id=a.member_id, telegram_id=a.telegram_id,
                               chat_id=a.chat_id, text=log.text, status=log.status,
                               score=log.score, top_chunk=log.top_chunk, faq_id=log.faq_id,
                               unit_id=a.unit_id, board_unit_id=log.board_unit_id,
                               handed_off_at=utcnow() if log.status == Q_OPEN else None,
                               message_id=log.message_id))
        except DatabaseBusy:
            return False
        return True

    def _handed_off_today(self, s, telegram_id: int) -> int:
        """Questions of this asker sent to the board since midnight (LOA_TIMEZONE): only those
        the board was told of, not the held ones nor those shown as related and kept."""
        tz = self.settings.tz
        midnight = datetime.combine(utcnow().astimezone(tz).date(), time(0), tzinfo=tz)
        return s.scalar(select(func.count(Question.id)).where(
            Question.telegram_id == telegram_id,
            Question.handed_off_at >= midnight.astimezone(timezone.utc))) or 0

    def _search(self, query: str, reach: frozenset[int] | None = None):
        """Ask the index; with `reach`, other units' own documents are left out."""
        from indexer import IndexerError
        try:
            self.kb.reload_if_changed()
            if reach is None:
                return self.kb.ask(query)
            exclude = self._excluded(reach)
            return self.kb.ask(query, exclude_docs=exclude) if exclude else self.kb.ask(query)
        except IndexerError as e:
            log.error("knowledge base unavailable: %s", e)
            raise LoaError(T.KB_UNAVAILABLE) from e

    # -------------------------------------------------------------- feedback
    def rate(self, telegram_id: int, question_id: int, value: int) -> None:
        """Store 👍 (+1) / 👎 (-1) on the asker's own question."""
        value = 1 if value > 0 else -1
        with self.db.session() as s:
            done = s.execute(update(Question).where(
                Question.id == question_id, Question.telegram_id == telegram_id)
                .values(rating=value)).rowcount
        if not done:
            raise NotFound(T.QUESTION_NOT_YOURS)

    def section_of(self, telegram_id: int, question_id: int, shown: str | None = None,
                   index: int = 0) -> SectionText:
        """The whole section the answer (or its `index`-th other passage) was quoted from.

        `shown` is the answer message as the user sees it: chunk ids are positions, so after the
        document is replaced the same id may name another section — then we say it is gone.
        """
        with self.db.read() as s:
            q = s.get(Question, question_id)
            if q is None or q.telegram_id != telegram_id:
                raise NotFound(T.QUESTION_NOT_YOURS)
            chunk_id, text = q.top_chunk, q.text
        if not chunk_id:
            raise NotFound(T.SECTION_NONE)
        if index > 0:
            chunk_id = self._quoted(text, index, self.reach_of(telegram_id)).chunk_id
        from indexer import IndexerError
        from indexer.answer import section_label
        try:
            self.kb.reload_if_changed()
            sec = self.kb.section(chunk_id)
        except IndexerError as e:
            raise NotFound(T.SECTION_GONE) from e
        if shown is not None:
            seen = _plain(shown)
            if _plain(section_label(sec.path)) not in seen or _plain(sec.doc.display) not in seen:
                raise NotFound(T.SECTION_GONE)
        if sec.doc.doc_id in self._excluded(self.reach_of(telegram_id)):
            raise NotFound(T.SECTION_GONE)   # another unit's own document (the asker moved)
        return SectionText(sec.doc.display, sec.path, sec.text,
                           self._owners().get(sec.doc.doc_id, ""))

    def more(self, telegram_id: int, question_id: int, index: int) -> MorePassage:
        """The `index`-th other passage that also answers the asker's question ("Xem thêm")."""
        with self.db.read() as s:
            q = s.get(Question, question_id)
            if q is None or q.telegram_id != telegram_id:
                raise NotFound(T.QUESTION_NOT_YOURS)
            if q.status != Q_ANSWERED_BY_DOCS:
                raise NotFound(T.MORE_NONE)
            text = q.text
        passages = self._answer_passages(text, self.reach_of(telegram_id))
        if not 0 < index < len(passages):
            raise NotFound(T.MORE_NONE)
        return MorePassage(question_id, index, passages[index], index + 1 < len(passages))

    def _answer_passages(self, text: str, reach: frozenset[int] | None = None) -> list[Passage]:
        """The passages that answer a stored question, asked again (the same index gives the same ones)."""
        answer = self._search(search_head(normalize(clean(text))), reach)
        return _passages(answer.quotes, self._owners()) if answer.found else []

    def _quoted(self, text: str, index: int, reach: frozenset[int] | None = None) -> Passage:
        passages = self._answer_passages(text, reach)
        if not 0 <= index < len(passages):
            raise NotFound(T.SECTION_GONE)
        return passages[index]

    # -------------------------------------------------------------- the board
    def record_notice(self, question_id: int, chat_id: int, message_id: int) -> None:
        """Remember which admin message is about which question (so a reply answers it)."""
        with self.db.session() as s:
            s.add(QuestionNotice(question_id=question_id, chat_id=chat_id, message_id=message_id))

    def notices_of(self, question_id: int) -> list[tuple[int, int]]:
        """(chat id, message id) of every admin notice about the question."""
        with self.db.read() as s:
            return [tuple(r) for r in s.execute(
                select(QuestionNotice.chat_id, QuestionNotice.message_id)
                .where(QuestionNotice.question_id == question_id)).all()]

    def question_for_notice(self, chat_id: int, message_id: int,
                            notice_text: str | None = None) -> int | None:
        """The question a bot message in `chat_id` is a notice about, or None.

        The stored (chat, message) pair answers it; a reply that arrives before the notice's
        id was stored (an admin replying the instant it arrived) is matched by the question
        number the notice carries (the caller checked the message is the bot's own)."""
        with self.db.read() as s:
            qid = s.scalar(select(QuestionNotice.question_id).where(
                QuestionNotice.chat_id == chat_id, QuestionNotice.message_id == message_id))
            if qid is not None:
                return qid
            m = _NOTICE_REF.match(plain(notice_text or "").strip())
            if m is None:
                return None
            return s.scalar(select(Question.id).where(Question.id == int(m.group(1))))

    def _board_names(self, s, ids) -> dict[int | None, str]:
        return {i: self.members.board_title(s, i) for i in {None, *ids}}

    def _require_question_in(self, s, scope: Scope, q: Question) -> Question:
        """A board acts on the questions handed to it or to a board under it."""
        if not scope.covers(q.board_unit_id):
            raise NotAllowed(TP.OUT_OF_SCOPE_QUESTION, id=q.id,
                             board=self.members.board_name(s, scope))
        return q

    def open_questions(self, actor, limit: int = 30) -> tuple[list[OpenQuestion], int]:
        """Questions waiting for the board or any board under it (the top board: all): those
        handed off, and those the daily hand-off limit held back (marked `held`)."""
        scope = self.members.as_scope(actor)
        mine = Question.board_unit_id.in_(sorted(scope.unit_ids)) if not scope.is_top else None
        with self.db.read() as s:
            cond = [Question.status.in_([Q_OPEN, Q_HELD])] + ([mine] if mine is not None else [])
            total = s.scalar(select(func.count(Question.id)).where(*cond))
            rows = s.execute(
                select(Question, Member.full_name, Unit.name)
                .outerjoin(Member, Member.id == Question.member_id)
                .outerjoin(Unit, Unit.id == Member.unit_id)
                .where(*cond).order_by(Question.id).limit(limit)).all()
            boards = self._board_names(s, [q.board_unit_id for q, _, _ in rows])
            items = [OpenQuestion(q.id, q.text, name or str(q.telegram_id), unit, q.created_at,
                                  None if q.board_unit_id == scope.unit_id
                                  else boards.get(q.board_unit_id), q.status == Q_HELD)
                     for q, name, unit in rows]
        return items, int(total or 0)

    def answer(self, actor, question_id: int, text: str, via: str = "chat") -> BoardAnswer:
        """Record the board's answer once (two admins answering at once: the first one wins);
        only a question handed to this board or one under it."""
        scope = self.members.as_scope(actor)
        text = normalize(clean(text))
        if not text:
            raise InvalidInput(T.ANSWER_USAGE)
        if len(text) > ANSWER_MAX_CHARS:
            raise InvalidInput(T.ANSWER_TOO_LONG, length=len(text), limit=ANSWER_MAX_CHARS)
        now = utcnow()
        with self.db.session() as s:
            q = s.get(Question, question_id)
            if q is None:
                raise NotFound(T.QUESTION_NOT_FOUND, id=question_id)
            self._require_question_in(s, scope, q)
            admin_id = self.members.acting_member(s, scope)
            # Conditional update: only one answer per question, even with concurrent admins.
            done = s.execute(update(Question).where(
                Question.id == question_id, Question.status != Q_ANSWERED_BY_BOARD)
                .values(status=Q_ANSWERED_BY_BOARD, answer_text=text, answered_by=admin_id,
                        answered_at=now)).rowcount
            s.refresh(q)
            if not done:
                raise InvalidInput(T.ALREADY_ANSWERED, id=q.id,
                                   date=fmt_date(self._day(q.answered_at)),
                                   answer=q.answer_text or "")
            name = s.scalar(select(Member.full_name).where(Member.id == q.member_id)) \
                if q.member_id else None
            audit.record(s, scope, "answer", f"câu hỏi số {q.id}", text, via)
            return BoardAnswer(q.id, q.text, text, q.chat_id, name or str(q.telegram_id),
                               self._day(now), self.members.board_name(s, scope))

    def escalate(self, actor, question_id: int, via: str = "chat") -> Escalation:
        """"⬆️ Chuyển lên cấp trên": hand an open question to the next board up (the nearest
        unit above with an active board member; else the top-level board)."""
        scope = self.members.as_scope(actor)
        with self.db.session() as s:
            q = s.get(Question, question_id)
            if q is None:
                raise NotFound(T.QUESTION_NOT_FOUND, id=question_id)
            self._require_question_in(s, scope, q)
            if q.status != Q_OPEN:
                raise InvalidInput(TP.ESCALATE_NOT_OPEN, id=q.id)
            if q.board_unit_id is None:
                raise InvalidInput(TP.ESCALATE_TOP, id=q.id)
            old = q.board_unit_id
            new = self.members.nearest_board(s, old, above=True)
            # Conditional: two board members pressing at once pass it up one level, not two.
            done = s.execute(update(Question).where(
                Question.id == q.id, Question.board_unit_id == old, Question.status == Q_OPEN)
                .values(board_unit_id=new)).rowcount
            if not done:
                raise InvalidInput(TP.ESCALATE_NOT_OPEN, id=q.id)
            boards = self._board_names(s, [old, new])
            asker = s.scalar(select(Member.full_name).where(Member.id == q.member_id)) \
                if q.member_id else None
            unit = s.scalar(select(Unit.name).where(Unit.id == q.unit_id)) if q.unit_id else None
            text = q.text
            audit.record(s, scope, "escalate", f"câu hỏi số {q.id} → {boards[new]}", text, via)
        notice = AdminNotice(question_id, text, asker or str(q.telegram_id), unit,
                             self.members.board_chats(new), new)
        return Escalation(question_id, boards[new], boards[old], notice)

    def answered(self, actor, limit: int = 20) -> list[AnsweredQuestion]:
        """The latest questions answered by the board or a board under it, newest first."""
        scope = self.members.as_scope(actor)
        with self.db.read() as s:
            q = (select(Question, Faq.id).outerjoin(Faq, Faq.source_question_id == Question.id)
                 .where(Question.status == Q_ANSWERED_BY_BOARD, scope.where(Question.board_unit_id))
                 .order_by(Question.answered_at.desc(), Question.id.desc()).limit(limit))
            return [AnsweredQuestion(x.id, x.text, x.answer_text or "", x.answered_at, fid)
                    for x, fid in s.execute(q)]

    def faq_entries(self, actor, include_retired: bool = True) -> list[FaqEntry]:
        """The FAQ entries the board keeps: its own and its sub-boards' (the top board: all)."""
        scope = self.members.as_scope(actor)
        with self.db.read() as s:
            q = select(Faq).where(scope.where(Faq.unit_id)).order_by(Faq.active.desc(), Faq.id.desc())
            if not include_retired:
                q = q.where(Faq.active.is_(True))
            rows = list(s.scalars(q))
            boards = {u: self.members.board_title(s, u) for u in {f.unit_id for f in rows}}
            return [FaqEntry(f.id, f.question, f.answer, f.active, boards[f.unit_id], f.created_at)
                    for f in rows]

    def _faq_in(self, s, scope: Scope, faq_id: int) -> Faq:
        f = s.get(Faq, faq_id, with_for_update=True)
        if f is None or not (scope.is_top or (f.unit_id is not None and scope.covers(f.unit_id))):
            raise NotFound(T.FAQ_NOT_FOUND, id=faq_id)   # another board's entry: as if none
        return f

    def edit_faq(self, actor, faq_id: int, question: str, answer: str,
                 via: str = "chat") -> FaqEntry:
        """New wording of an entry (what it matches, what it answers); logged."""
        scope = self.members.as_scope(actor)
        question, answer = clean(question)[:QUERY_CHARS * 2].strip(), clean(answer).strip()
        if not question or not answer:
            raise InvalidInput(T.FAQ_EMPTY)
        if len(answer) > FAQ_ANSWER_CHARS:
            raise InvalidInput(T.FAQ_TOO_LONG, limit=FAQ_ANSWER_CHARS)
        with self.db.session() as s:
            f = self._faq_in(s, scope, faq_id)
            f.question, f.answer = question, answer
            audit.record(s, scope, "faq_edit", f"hỏi đáp số {f.id}", f"{question}\n{answer}", via)
            entry = FaqEntry(f.id, f.question, f.answer, f.active,
                             self.members.board_title(s, f.unit_id), f.created_at)
        self.faqs.forget()
        return entry

    def retire_faq(self, actor, faq_id: int, via: str = "chat") -> FaqEntry:
        """No longer answer with this entry (kept, and shown as retired); logged."""
        scope = self.members.as_scope(actor)
        with self.db.session() as s:
            f = self._faq_in(s, scope, faq_id)
            f.active = False
            audit.record(s, scope, "faq_retire", f"hỏi đáp số {f.id}", f.question, via)
            entry = FaqEntry(f.id, f.question, f.answer, False,
                             self.members.board_title(s, f.unit_id), f.created_at)
        self.faqs.forget()
        return entry

    def save_faq(self, actor, question_id: int, via: str = "chat") -> tuple[int, bool]:
        """Turn a board answer into an FAQ entry (once); returns (faq id, created). It serves
        the saving board's subtree (the top board's: everyone)."""
        scope = self.members.as_scope(actor)
        with self.db.session() as s:
            q = s.get(Question, question_id, with_for_update=True)
            if q is None:
                raise NotFound(T.QUESTION_NOT_FOUND, id=question_id)
            self._require_question_in(s, scope, q)
            if q.status != Q_ANSWERED_BY_BOARD or not q.answer_text:
                raise InvalidInput(T.FAQ_NOT_ANSWERED, id=question_id)
            existing = s.scalar(select(Faq.id).where(Faq.source_question_id == q.id))
            if existing:
                return existing, False
            admin_id = self.members.acting_member(s, scope)
            faq = Faq(question=q.text[:QUERY_CHARS * 2], answer=q.answer_text,
                      source_question_id=q.id, created_by=admin_id, unit_id=scope.unit_id)
            s.add(faq)
            s.flush()
            audit.record(s, scope, "faq_save", f"hỏi đáp số {faq.id} (câu hỏi số {q.id})", q.text, via)
            return faq.id, True

    def _day(self, when: datetime | None) -> date:
        return (when or utcnow()).astimezone(self.settings.tz).date()

    # -------------------------------------------------------------- inline search
    def passages(self, query: str, k: int = 5, telegram_id: int | None = None) -> list[Passage]:
        """The best passages for an inline query; nothing when the documents don't cover it."""
        query = search_head(normalize(clean(query)))
        if not query:
            return []
        if small_talk(query) is not None:
            return []
        reach = self.reach_of(telegram_id) if telegram_id is not None else None
        answer = self._search(query, reach)
        if not answer.found:
            return []
        return _passages(answer.quotes, self._owners())[:k]  # only passages that hold what is asked

    # -------------------------------------------------------------- key points
    def documents(self, telegram_id: int | None = None) -> list[DocumentChoice]:
        """The documents to choose from (for a user: without other units' own documents)."""
        from indexer import IndexerError
        try:
            self.kb.reload_if_changed()
            docs = self.kb.documents()
        except IndexerError as e:
            raise LoaError(T.KB_UNAVAILABLE) from e
        if telegram_id is not None:
            hidden = self._excluded(self.reach_of(telegram_id))
            docs = [d for d in docs if d.doc_id not in hidden]
        return [DocumentChoice(doc_key(d.doc_id), d.doc_id, d.display, _label(d)) for d in docs]

    def keypoints_page(self, key: str, page: int, telegram_id: int | None = None) -> KeyPointPage:
        choice = next((d for d in self.documents(telegram_id) if d.key == key), None)
        if choice is None:
            raise NotFound(T.KP_DOC_GONE)
        from indexer import IndexerError
        try:
            points = self.kb.keypoints(choice.doc_id)
        except IndexerError as e:
            raise NotFound(T.KP_DOC_GONE) from e
        pages: list[list[tuple[int, str, str]]] = []
        current: list[tuple[int, str, str]] = []
        size = 0
        for p in points:
            text = p.text if len(p.text) <= KEYPOINT_CHARS else p.text[:KEYPOINT_CHARS - 1] + "…"
            line = (p.level, p.label, text)
            n = len(p.label) + len(text) + 8
            if current and (len(current) >= KEYPOINTS_PER_PAGE or size + n > KEYPOINTS_PAGE_CHARS):
                pages.append(current)
                current, size = [], 0
            current.append(line)
            size += n
        if current:
            pages.append(current)
        if not pages:
            return KeyPointPage(key, choice.title, [], 1, 1)
        page = min(max(page, 1), len(pages))
        return KeyPointPage(key, choice.title, pages[page - 1], page, len(pages))


def _label(doc) -> str:
    head = " ".join(p for p in (doc.doc_type, doc.number) if p)
    if head and doc.title:
        return f"{head}: {doc.title}"
    return head or doc.title or doc.display


def _passages(quotes, owners: dict[str, str] | None = None) -> list[Passage]:
    """Passages of an answer's quotes (the first answers, the others also do: "Xem thêm") or of
    its related quotes (best first)."""
    owners = owners or {}
    return [Passage(q.chunk_id, q.document, q.section, q.text, float(q.score), q.excerpt, q.heading,
                    q.label, q.doc_id, owners.get(q.doc_id, ""), q.focus)
            for q in quotes]


def chat_result(kind: str, board: str = "") -> QuestionResult:
    """Small talk: a friendly reply, nothing stored, nothing for the board."""
    return QuestionResult(0, Q_SMALL_TALK, [], small_talk=kind, board=board)


def _plain(text: str) -> str:
    """Text without tags or entities, folded and with single spaces (for comparing)."""
    return " ".join(fold(plain(text)).split())


# The start of a notice as the admin's Telegram shows it ("❓ Câu hỏi mới số 12 …").
_NOTICE_REF = re.compile(re.escape(plain(T.NOTICE.split("{id}")[0]).strip()) + r"\s*(\d+)")


__all__ = ["QuestionsService", "QuestionResult", "QuestionLog", "Passage", "FaqAnswer",
           "AdminNotice", "BoardAnswer", "OpenQuestion", "SectionText", "DocumentChoice",
           "KeyPointPage", "MorePassage", "Escalation", "similarity"]
