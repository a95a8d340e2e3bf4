"""Học tập số: a short quiz after a quán triệt, taken one question at a time, with results per unit.

Attendance says who came; a quiz says what was understood. The board makes one from a file (CSV/xlsx)
or from drafts Loa proposes from a document (a verbatim sentence with one key term blanked, the options
other terms of the same kind in the same document), publishes it to units, reporters or everyone for a
window of time, and reads, unit by unit, who took it, the average score and the questions most missed.

Each answer is stored once (a replayed button, poll answer or typed number adds nothing); an attempt left
half-way resumes at its next question; an answer after the window closes is refused politely and not
counted. Boards see only their own quizzes and the members of their own subtree.
"""
from __future__ import annotations

import csv
import hashlib
import io
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import Database
from bot.db.models import (
    QZ_CLOSED, QZ_DRAFT, QZ_OPEN, Member, Quiz, QuizAnswer, QuizAttempt, QuizPoll, QuizQuestion, utcnow,
)
from bot.errors import InvalidInput, LoaError, NotAllowed, NotFound
from bot.scope import Scope, board_scope, children, subtree
from bot.services import audit
from bot.services.members import Actor, MembersService
from bot.services.reports import _Tree
from bot.text import clean, esc
from bot.texts import quizzes as T
from indexer.question import body_spans
from indexer.text import fold

MAX_QUESTIONS = 30
MAX_OPTIONS = 6
TEXT_LIMIT = 600       # a question or an option, in characters
LETTERS = "ABCDEF"
REMIND_BEFORE = timedelta(hours=24)  # the one reminder goes out this long before the window closes
MISSED_SHOWN = 3


# ---------------------------------------------------------------- drafts and files
@dataclass(frozen=True)
class QuestionDraft:
    """A question before it is stored: from a file, from a document, or as the board edited it."""
    text: str
    options: tuple[str, ...]
    correct: tuple[int, ...]          # 0-based option indexes
    explanation: str = ""
    source: str = ""                  # citation: "document, section"
    source_text: str = ""             # the passage it was taken from, verbatim
    blank: str = ""                   # drafted from a document: the term blanked out of the sentence
    kind: str = ""                    # …and its kind (body, document, date, share, quantity)


_HEADERS = {
    "question": ("cau hoi", "noi dung cau hoi", "cau"),
    "answer": ("dap an", "dap an dung", "phuong an dung"),
    "explanation": ("giai thich", "ghi chu"),
    "source": ("nguon", "trich dan", "can cu"),
}


def _column(name: str) -> str | int | None:
    key = " ".join(fold(name).replace("_", " ").split())
    for field, names in _HEADERS.items():
        if key in names:
            return field
    m = re.fullmatch(r"(?:phuong an|pa|lua chon)?\s*([a-f])", key)
    return LETTERS.index(m.group(1).upper()) if m else None


def _rows(data: bytes, name: str) -> list[list[str]]:
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise InvalidInput(T.FILE_KIND) from exc
        return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    if not name.lower().endswith(".csv"):
        raise InvalidInput(T.FILE_KIND)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(T.FILE_NOT_UTF8) from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def read_file(data: bytes, name: str) -> list[QuestionDraft]:
    """Questions from a CSV (as Excel saves it, `;` or `,`) or .xlsx file whose first row names the columns:
    Câu hỏi, A…F, Đáp án (letters: "B" or "A, C"), Giải thích, Nguồn. Each problem names its line."""
    rows = _rows(data, name)
    header = next((i for i, r in enumerate(rows) if any(c.strip() for c in r)), None)
    if header is None:
        raise InvalidInput(T.FILE_EMPTY)
    columns = [_column(c) for c in rows[header]]
    if "question" not in columns or "answer" not in columns:
        raise InvalidInput(T.FILE_NO_HEADER)
    out: list[QuestionDraft] = []
    for n, row in enumerate(rows[header + 1:], start=header + 2):
        cells: dict = {}
        options: dict[int, str] = {}
        for col, value in zip(columns, row):
            value = clean(value)
            if isinstance(col, int):
                if value:
                    options[col] = value
            elif col is not None:
                cells[col] = value
        if not any(cells.values()) and not options:
            continue  # an empty line
        text = cells.get("question", "")
        if not text:
            raise InvalidInput(T.LINE_NO_QUESTION, line=n)
        letters = sorted(options)
        listed = tuple(options[i] for i in letters)
        if not 2 <= len(listed) <= MAX_OPTIONS:
            raise InvalidInput(T.LINE_OPTIONS, line=n, count=len(listed))
        if len(text) > TEXT_LIMIT or any(len(o) > TEXT_LIMIT for o in listed):
            raise InvalidInput(T.LINE_TOO_LONG, line=n, limit=TEXT_LIMIT)
        answer = cells.get("answer", "")
        picked = re.findall(r"[A-Fa-f]", fold(answer).replace("dap an", ""))
        correct = tuple(sorted({letters.index(LETTERS.index(c.upper())) for c in picked
                                if LETTERS.index(c.upper()) in options}))
        if not picked or len(correct) != len(set(c.upper() for c in picked)):
            raise InvalidInput(T.LINE_ANSWER, line=n, answer=answer)
        out.append(QuestionDraft(text, listed, correct, cells.get("explanation", ""), cells.get("source", "")))
    if not out:
        raise InvalidInput(T.FILE_EMPTY)
    if len(out) > MAX_QUESTIONS:
        raise InvalidInput(T.FILE_TOO_MANY, count=len(out), limit=MAX_QUESTIONS)
    return out


# Terms a drafted question blanks out, by kind: the options of a question are terms of its own kind.
_TERM_KINDS = (
    ("document", re.compile(r"\b\d{1,4}(?:/\d{4})?[-/](?:[A-ZĐ]{1,6})(?:/[A-ZĐ0-9-]{1,12})+")),
    ("date", re.compile(r"\b(?:ngày\s+)?\d{1,2}/\d{1,2}/\d{4}\b|\bngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}")),
    ("share", re.compile(r"\b\d{1,3}(?:[,.]\d+)?\s?%")),
    ("quantity", re.compile(r"\b\d{1,4}\s+(?:ngày|tháng|năm|lần|buổi|giờ|phút|người|đồng chí|tuần)\b")),
)
_SENTENCE = re.compile(r"(?<=[.;:])\s+")
_NUMBERED = re.compile(r"^(?:[0-9IVX]+(?:\.\d+)*[.)]|[a-zđ]\))\s")
BLANK = "……"
HEADING_CHARS = 140


# Bodies as a document names them, by the heads the answer checks know (indexer.question): "Ban Tuyên giáo
# Thị ủy", "Trung tâm Chính trị", "Ủy ban Mặt trận Tổ quốc"; not a level alone ("chi bộ", "cấp xã").
_BODY_HEADS = ("ban ", "uy ban", "hoi ", "mat tran", "trung tam", "van phong", "doan ", "lien doan", "cong an",
               "dai ", "phong ", "bo ")


def _terms(text: str) -> list[tuple[str, str]]:
    """(kind, term) of each blankable term in `text`, in order; a term inside a longer one is skipped."""
    found: list[tuple[int, int, str, str]] = []
    for start, end, head in body_spans(text):
        if head.startswith(_BODY_HEADS) and head != "ban chi dao":
            found.append((start, end, "body", text[start:end]))
    for kind, pattern in _TERM_KINDS:
        for m in pattern.finditer(text):
            term = m.group(0).strip()
            if any(s <= m.start() < e or s < m.end() <= e for s, e, _, _ in found):
                continue
            found.append((m.start(), m.end(), kind, term))
    return [(k, t) for _, _, k, t in sorted(found)]


def draft_questions(chunks, citation, count: int = 5, options: int = 4) -> list[QuestionDraft]:
    """Up to `count` questions from a document's passages (`chunks`: its indexer Chunks in order;
    `citation(chunk)`: "document, section"). Each is one verbatim sentence with one term blanked;
    its options are that term and other terms of the same kind from the same document. Never
    published as they are: the board accepts, edits or drops each."""
    sentences: list[tuple[str, str, object]] = []   # (sentence, its one term's kind, chunk)
    pool: dict[str, list[str]] = {}
    candidates = []
    for chunk in chunks:
        if getattr(chunk, "kind", "body") not in ("body", "basis"):
            continue
        # The bases feed the options (their dates, numbers) but ask nothing worth learning: the date of the
        # Nghị định a decision rests on is trivia, not what the quán triệt was about.
        asks = chunk.kind == "body"
        for line in chunk.text.split("\n"):
            line = line.replace("\t", " ").strip(" -–•+")
            numbered = _NUMBERED.match(line)
            if numbered and len(line) < HEADING_CHARS:
                continue   # a heading ("4. Trung tâm Văn hóa, Thể thao và Truyền thông thị xã")
            for sentence in _SENTENCE.split(line[numbered.end():] if numbered else line):
                sentence = sentence.strip(" -–•+")
                terms = _terms(sentence)
                for kind, term in terms:
                    values = pool.setdefault(kind, [])
                    if term not in values and not term.isupper():   # "ỦY BAN NHÂN DÂN" of a header: not an option
                        values.append(term)
                # A sentence that says something: not a heading ("4. Trung tâm Văn hóa…"), not a lead-in
                # ("… như sau:"), one term to blank.
                if (asks and len(terms) == 1 and 50 <= len(sentence) <= 320 and len(sentence.split()) >= 10
                        and not sentence.endswith(":")
                        and len(terms[0][1].split()) * 5 <= len(sentence.split()) * 2):   # the blank ≤ 40 %
                    candidates.append((sentence, terms[0], chunk))
    assigned, heads = _assignments(chunks, options)
    candidates += assigned
    pool["assignee"] = heads
    for sentence, (kind, term), chunk in candidates:
        others = {fold(v) for v in pool.get(kind, []) if fold(v) not in fold(term) and fold(term) not in fold(v)}
        if len(others) >= options - 1:
            sentences.append((sentence, kind, chunk))
    # Spread over the document and over kinds: every k-th candidate, kinds in turn.
    picked: list[tuple[str, str, object]] = []
    by_kind: dict[str, list] = {}
    for item in sentences:
        by_kind.setdefault(item[1], []).append(item)
    while len(picked) < count and any(by_kind.values()):
        for kind in list(by_kind):
            if by_kind[kind] and len(picked) < count:
                items = by_kind[kind]
                picked.append(items.pop(len(items) // 2 if len(picked) % 2 else 0))
    out = []
    for sentence, kind, chunk in picked:
        term = (sentence.split("\n", 1)[0] if kind == "assignee"
                else next(t for k, t in _terms(sentence) if k == kind))
        rng = random.Random(hashlib.sha256(sentence.encode("utf-8")).digest())
        # Not the answer again in other words ("Ban Tuyên giáo" beside "Ban Tuyên giáo Trung ương").
        others = [v for v in pool[kind] if fold(v) not in fold(term) and fold(term) not in fold(v)]
        distinct: list[str] = []
        for v in rng.sample(others, len(others)):
            if fold(v) not in {fold(d) for d in distinct}:
                distinct.append(v)
        choices = [term] + distinct[:options - 1]
        rng.shuffle(choices)
        source = citation(chunk)
        out.append(QuestionDraft(
            text=sentence.replace(term, BLANK, 1), options=tuple(choices), correct=(choices.index(term),),
            explanation=T.DRAFTED_EXPLANATION.format(source=source), source=source, source_text=sentence,
            blank=term, kind=kind))
    return out


def _assignments(chunks, options: int) -> tuple[list[tuple[str, tuple[str, str], object]], list[str]]:
    """Who does what: in a part whose numbered items are headed by bodies ("1. Ban Tuyên giáo Thị ủy",
    "2. Các chi bộ, đảng bộ cơ sở", …), each item's heading and a task line of its own (one no sibling
    has) make a sentence whose blank is the heading; the options are the sibling headings (returned too)."""
    parts: dict[tuple, list] = {}
    every: list[str] = []
    for c in chunks:
        if len(c.path) >= 2:
            parts.setdefault(tuple(c.path[:-1]), []).append(c)
    out = []
    for items in parts.values():
        firsts = {}
        for c in items:
            firsts.setdefault(c.path[-1], c)
        heads = {h: _NUMBERED.sub("", h).strip() for h in firsts}
        bodies = [h for h, name in heads.items()
                  if not name.endswith("…") and len(name.split()) <= 20 and body_spans(name)]
        if len(heads) < options or len(bodies) * 2 < len(heads):
            continue
        every += [heads[h] for h in bodies]
        for h in bodies:
            c = firsts[h]
            lines = [ln.strip() for ln in c.text.split("\n")]
            if not lines or fold(lines[0]) != fold(h):
                continue
            siblings = " ".join(fold(o.text) for o in items if o.path[-1] != h)
            task = next((ln for ln in lines[1:] if len(ln.split()) >= 8 and fold(ln.strip(" -–•+;.")) not in siblings),
                        None)
            if task is not None:
                out.append((heads[h] + "\n" + task, ("assignee", heads[h]), c))
    return out, every


# ---------------------------------------------------------------- results of the service
@dataclass(frozen=True)
class QuizInfo:
    id: int
    title: str
    status: str
    count: int                # questions
    attempts: int             # allowed per member
    opens_at: datetime | None
    closes_at: datetime | None
    board_unit_id: int | None


@dataclass(frozen=True)
class QuestionView:
    """A question as a member sees it: never its right answer."""
    id: int
    number: int               # 1-based position
    count: int
    text: str
    options: tuple[str, ...]
    several: bool             # more than one option is right (choose all that are)


@dataclass(frozen=True)
class Review:
    number: int
    text: str
    right: str                # the right option(s), as written
    explanation: str
    source: str
    source_text: str


@dataclass(frozen=True)
class Finished:
    score: int
    count: int
    wrong: tuple[Review, ...]
    attempts_left: int


@dataclass(frozen=True)
class Step:
    """What a member sees next: a question (with the attempt it belongs to) or the end of the quiz."""
    quiz: QuizInfo
    attempt_id: int
    question: QuestionView | None = None
    finished: Finished | None = None
    resumed: bool = False
    # The answer just given (None when the step starts or resumes the quiz):
    right: bool | None = None
    right_answer: str = ""    # the right option(s) when it was wrong
    repeated: bool = False    # that question had been answered already: the first answer stands


@dataclass(frozen=True)
class UnitResult:
    unit_id: int | None
    unit: str
    expected: int
    took: int
    average: float            # best score of each who took it, averaged


@dataclass(frozen=True)
class Missed:
    number: int
    text: str
    wrong: int
    answered: int


@dataclass(frozen=True)
class Results:
    quiz: QuizInfo
    expected: int
    took: int
    average: float
    units: tuple[UnitResult, ...]
    missed: tuple[Missed, ...]


@dataclass(frozen=True)
class MemberRow:
    unit: str
    name: str
    attempts: int
    best: int | None          # best finished attempt's score (None: not finished)
    finished_at: datetime | None


def _info(s: Session, q: Quiz, count: int | None = None) -> QuizInfo:
    """The quiz as the channels show it; `count` (its questions) when already counted."""
    if count is None:
        count = s.scalar(select(func.count(QuizQuestion.id)).where(QuizQuestion.quiz_id == q.id)) or 0
    return QuizInfo(q.id, q.title, q.status, count, q.attempts, q.opens_at, q.closes_at, q.board_unit_id)


def _right_text(question: QuizQuestion) -> str:
    return "; ".join(f"{LETTERS[i]}. {question.options[i]}" for i in question.correct)


class QuizzesService:
    def __init__(self, db: Database, members: MembersService, broadcasts, tz=None):
        self.db = db
        self.members = members
        self.broadcasts = broadcasts   # the invitation and the reminder go out as broadcasts
        self.tz = tz

    # ------------------------------------------------------------ the board
    def _scope(self, actor: Actor) -> tuple[Scope, int | None]:
        scope = self.members.as_scope(actor)
        with self.db.read() as s:
            return scope, self.members.acting_member(s, scope)

    def _owned(self, s: Session, scope: Scope, quiz_id: int) -> Quiz:
        q = s.get(Quiz, quiz_id)
        if q is None:
            raise NotFound(T.NOT_FOUND, id=quiz_id)
        if not (scope.is_top or (q.board_unit_id is not None and scope.covers(q.board_unit_id))):
            raise NotAllowed(T.OUT_OF_SCOPE, id=quiz_id, board=self.members.board_name(s, scope))
        return q

    def _seen(self, s: Session, scope: Scope, quiz_id: int) -> Quiz:
        """A quiz the board may read the results of: its own or its sub-boards', or one from above whose
        audience holds its people (it follows up its own members; the rows stay inside its subtree)."""
        q = s.get(Quiz, quiz_id)
        if q is not None and q.status != QZ_DRAFT and not scope.is_top and not (
                q.board_unit_id is not None and scope.covers(q.board_unit_id)):
            if s.scalar(select(Member.id).where(self._expected(s, q), scope.where(Member.unit_id)).limit(1)):
                return q
        return self._owned(s, scope, quiz_id)

    def create(self, actor: Actor, title: str, questions: list[QuestionDraft], audience: dict | None = None,
               closes_at: datetime | None = None, opens_at: datetime | None = None, attempts: int = 1,
               via: str = "chat") -> QuizInfo:
        """A draft quiz of the acting board (nothing is sent until `publish`)."""
        scope, creator = self._scope(actor)
        title = " ".join(clean(title).split())[:200]
        if not title:
            raise InvalidInput(T.TITLE_EMPTY)
        if not questions:
            raise InvalidInput(T.NO_QUESTIONS)
        if len(questions) > MAX_QUESTIONS:
            raise InvalidInput(T.FILE_TOO_MANY, count=len(questions), limit=MAX_QUESTIONS)
        if not 1 <= attempts <= 5:
            raise InvalidInput(T.ATTEMPTS_BAD)
        if closes_at is not None and (closes_at <= utcnow() or (opens_at and closes_at <= opens_at)):
            raise InvalidInput(T.WINDOW_BAD)
        audience = audience or {"all": True}
        with self.db.session() as s:
            self.broadcasts._check_units(s, scope, audience)
            q = Quiz(title=title, board_unit_id=scope.unit_id, created_by=creator, status=QZ_DRAFT,
                     audience=audience, attempts=attempts, opens_at=opens_at, closes_at=closes_at)
            s.add(q)
            s.flush()
            for i, d in enumerate(questions, start=1):
                s.add(self._question(q.id, i, d))
            audit.record(s, scope, "quiz", f"trắc nghiệm #{q.id}", f"{title} ({len(questions)} câu)", via)
            s.flush()
            return _info(s, q)

    @staticmethod
    def _question(quiz_id: int, position: int, d: QuestionDraft) -> QuizQuestion:
        options = [clean(o)[:TEXT_LIMIT] for o in d.options]
        if not 2 <= len(options) <= MAX_OPTIONS or not all(options):
            raise InvalidInput(T.LINE_OPTIONS, line=position, count=len([o for o in options if o]))
        if not clean(d.text):
            raise InvalidInput(T.LINE_NO_QUESTION, line=position)
        if not d.correct or any(not 0 <= i < len(options) for i in d.correct):
            raise InvalidInput(T.LINE_ANSWER, line=position, answer=",".join(map(str, d.correct)))
        return QuizQuestion(quiz_id=quiz_id, position=position, text=clean(d.text)[:TEXT_LIMIT],
                            options=options, correct=sorted(set(d.correct)), explanation=clean(d.explanation),
                            source=clean(d.source), source_text=d.source_text)

    def questions(self, actor: Actor, quiz_id: int) -> tuple[QuizInfo, list[QuestionDraft]]:
        """The quiz and its questions with their answers (for the board that owns it)."""
        scope, _ = self._scope(actor)
        with self.db.read() as s:
            q = self._owned(s, scope, quiz_id)
            rows = s.scalars(select(QuizQuestion).where(QuizQuestion.quiz_id == q.id)
                             .order_by(QuizQuestion.position)).all()
            return _info(s, q), [QuestionDraft(r.text, tuple(r.options), tuple(r.correct), r.explanation,
                                               r.source, r.source_text) for r in rows]

    def edit_question(self, actor: Actor, quiz_id: int, number: int, draft: QuestionDraft | None,
                      via: str = "chat") -> QuizInfo:
        """Replace question `number` of a draft quiz with `draft`, or drop it (None); the rest renumbered."""
        scope, _ = self._scope(actor)
        with self.db.session() as s:
            q = self._owned(s, scope, quiz_id)
            if q.status != QZ_DRAFT:
                raise InvalidInput(T.NOT_DRAFT, id=quiz_id)
            rows = s.scalars(select(QuizQuestion).where(QuizQuestion.quiz_id == q.id)
                             .order_by(QuizQuestion.position)).all()
            if not 1 <= number <= len(rows):
                raise NotFound(T.NO_SUCH_QUESTION, id=quiz_id, number=number)
            old = rows[number - 1]
            if draft is None:
                s.delete(old)
                for i, r in enumerate([r for r in rows if r is not old], start=1):
                    r.position = i
            else:
                new = self._question(q.id, number, draft)
                old.text, old.options, old.correct = new.text, new.options, new.correct
                old.explanation, old.source = new.explanation, new.source
                old.source_text = new.source_text or old.source_text
            audit.record(s, scope, "quiz", f"trắc nghiệm #{q.id}",
                         f"{'bỏ' if draft is None else 'sửa'} câu {number}", via)
            s.flush()
            return _info(s, q)

    def publish(self, actor: Actor, quiz_id: int, now: datetime | None = None, via: str = "chat",
                audience: dict | None = None, closes_at: datetime | None = None,
                attempts: int | None = None) -> QuizInfo:
        """Open the quiz and invite its audience (a broadcast: sent once to each, even across a crash);
        the audience, deadline and attempts chosen at the last moment replace the draft's."""
        from bot.services.broadcasts import Draft

        scope, _ = self._scope(actor)
        now = now or utcnow()
        with self.db.session() as s:
            q = self._owned(s, scope, quiz_id)
            if q.status != QZ_DRAFT:
                raise InvalidInput(T.NOT_DRAFT, id=quiz_id)
            if audience is not None:
                self.broadcasts._check_units(s, scope, audience)
                q.audience = audience
            if closes_at is not None:
                q.closes_at = closes_at
            if attempts is not None:
                if not 1 <= attempts <= 5:
                    raise InvalidInput(T.ATTEMPTS_BAD)
                q.attempts = attempts
            if q.closes_at is not None and q.closes_at <= now:
                raise InvalidInput(T.WINDOW_BAD)
            s.flush()
            info = _info(s, q)
            if info.count == 0:
                raise InvalidInput(T.NO_QUESTIONS)
        until = T.INVITATION_UNTIL.format(until=self._local(info.closes_at)) if info.closes_at else ""
        text = T.INVITATION.format(title=esc(info.title), count=info.count, until=until)
        # Open before the invitation is queued: a member who taps /tracnghiem the second it arrives must
        # find the quiz open. If nobody can be invited, it goes back to being a draft.
        with self.db.session() as s:
            q = s.get(Quiz, quiz_id)
            audience, opens_at = q.audience, q.opens_at   # the invitation goes when the quiz opens
            q.status, q.published_at = QZ_OPEN, now
            q.opens_at = q.opens_at or now
        try:
            sent = self.broadcasts.queue(scope, Draft(text=text, audience=audience, scheduled_at=opens_at), via=via)
        except LoaError:
            with self.db.session() as s:
                q = s.get(Quiz, quiz_id)
                q.status, q.published_at, q.opens_at = QZ_DRAFT, None, opens_at
            raise
        with self.db.session() as s:
            q = s.get(Quiz, quiz_id)
            q.broadcast_id = sent.id
            audit.record(s, scope, "quiz", f"trắc nghiệm #{q.id}", "phát hành", via)
            s.flush()
            return _info(s, q)

    def close(self, actor: Actor, quiz_id: int, via: str = "chat") -> QuizInfo:
        scope, _ = self._scope(actor)
        with self.db.session() as s:
            q = self._owned(s, scope, quiz_id)
            q.status = QZ_CLOSED
            audit.record(s, scope, "quiz", f"trắc nghiệm #{q.id}", "đóng", via)
            s.flush()
            return _info(s, q)

    def listing(self, actor: Actor) -> list[tuple[QuizInfo, int]]:
        """The board's quizzes (and its sub-boards'), newest first, each with how many took it."""
        scope, _ = self._scope(actor)
        with self.db.read() as s:
            rows = s.scalars(select(Quiz).where(scope.where(Quiz.board_unit_id))
                             .order_by(Quiz.id.desc()).limit(50)).all()
            ids = [q.id for q in rows]   # the desk's overview asks at every view: two counts, not two a quiz
            counts = dict(s.execute(select(QuizQuestion.quiz_id, func.count(QuizQuestion.id)).where(
                QuizQuestion.quiz_id.in_(ids)).group_by(QuizQuestion.quiz_id)).all())
            took = dict(s.execute(select(QuizAttempt.quiz_id, func.count(func.distinct(QuizAttempt.member_id)))
                                  .where(QuizAttempt.quiz_id.in_(ids), QuizAttempt.finished_at.is_not(None))
                                  .group_by(QuizAttempt.quiz_id)).all())
            return [(_info(s, q, counts.get(q.id, 0)), took.get(q.id, 0)) for q in rows]

    # ------------------------------------------------------------ the member
    def _expected(self, s: Session, q: Quiz):
        """Who the quiz is for now: its audience inside its board's subtree, in a unit (a province board
        member outside every unit is not counted as expected)."""
        return and_(self.broadcasts.audience_filter(s, q.audience, q.board_unit_id), Member.unit_id.is_not(None))

    def _is_open(self, q: Quiz, now: datetime) -> bool:
        return q.status == QZ_OPEN and (q.opens_at is None or q.opens_at <= now) and (
            q.closes_at is None or now < q.closes_at)

    def available(self, telegram_id: int, now: datetime | None = None) -> list[tuple[QuizInfo, str]]:
        """Open quizzes for this member, each with where they stand (new, going, done)."""
        member = self.members.require_member(telegram_id)
        now = now or utcnow()
        with self.db.read() as s:
            out = []
            for q in s.scalars(select(Quiz).where(Quiz.status == QZ_OPEN).order_by(Quiz.id)).all():
                if not self._is_open(q, now) or not self._for(s, q, member.id):
                    continue
                info = _info(s, q)
                last = self._last_attempt(s, q.id, member.id)
                if last is None:
                    state = T.STATE_NEW
                elif last.finished_at is None:
                    state = T.STATE_GOING.format(next=self._answered(s, last.id) + 1, count=info.count)
                else:
                    state = T.STATE_DONE.format(score=last.score, count=info.count)
                out.append((info, state))
            return out

    def _for(self, s: Session, q: Quiz, member_id: int) -> bool:
        return s.scalar(select(Member.id).where(Member.id == member_id, self._expected(s, q))) is not None

    @staticmethod
    def _last_attempt(s: Session, quiz_id: int, member_id: int) -> QuizAttempt | None:
        return s.scalar(select(QuizAttempt).where(QuizAttempt.quiz_id == quiz_id,
                                                  QuizAttempt.member_id == member_id)
                        .order_by(QuizAttempt.number.desc()).limit(1))

    @staticmethod
    def _answered(s: Session, attempt_id: int) -> int:
        return s.scalar(select(func.count(QuizAnswer.id)).where(QuizAnswer.attempt_id == attempt_id)) or 0

    def start(self, telegram_id: int, quiz_id: int | None = None, now: datetime | None = None) -> Step | None:
        """The member's next question: the attempt left half-way resumes; a finished one starts another
        when attempts are left. None when no quiz is open for them (several: `quiz_id` chooses)."""
        member = self.members.require_member(telegram_id)
        now = now or utcnow()
        try:
            return self._start(member, quiz_id, now)
        except IntegrityError:   # two starts at once: the other's attempt is there now, and resumes
            return self._start(member, quiz_id, now)

    def _start(self, member, quiz_id: int | None, now: datetime) -> Step | None:
        with self.db.session() as s:
            if quiz_id is None:
                open_ids = [q.id for q in s.scalars(select(Quiz).where(Quiz.status == QZ_OPEN)).all()
                            if self._is_open(q, now) and self._for(s, q, member.id)]
                if len(open_ids) != 1:
                    return None
                quiz_id = open_ids[0]
            q = s.get(Quiz, quiz_id)
            if q is None or q.status == QZ_DRAFT:
                raise NotFound(T.NOT_FOUND, id=quiz_id)
            self._check_window(q, now)
            if not self._for(s, q, member.id):
                raise NotAllowed(T.NOT_FOR_YOU)
            last = self._last_attempt(s, q.id, member.id)
            if last is not None and last.finished_at is None:
                return self._next(s, q, last, resumed=self._answered(s, last.id) > 0)
            info = _info(s, q)
            if last is not None and last.number >= q.attempts:
                raise InvalidInput(T.NO_ATTEMPTS_LEFT, title=q.title, count=last.number, limit=q.attempts,
                                   score=last.score, total=info.count)
            attempt = QuizAttempt(quiz_id=q.id, member_id=member.id, number=(last.number + 1) if last else 1,
                                  unit_id=member.unit_id, started_at=now)
            s.add(attempt)
            s.flush()   # two starts at once: the unique (quiz, member, number) lets one through
            return self._next(s, q, attempt)

    def _check_window(self, q: Quiz, now: datetime) -> None:
        if q.opens_at is not None and now < q.opens_at:
            raise InvalidInput(T.NOT_YET, title=q.title, opens=self._local(q.opens_at))
        if q.status == QZ_CLOSED or (q.closes_at is not None and now >= q.closes_at):
            raise InvalidInput(T.CLOSED, title=q.title, until=self._local(q.closes_at or now))

    def _next(self, s: Session, q: Quiz, attempt: QuizAttempt, resumed: bool = False, **given) -> Step:
        info = _info(s, q)
        done = set(s.scalars(select(QuizAnswer.question_id).where(QuizAnswer.attempt_id == attempt.id)))
        rows = s.scalars(select(QuizQuestion).where(QuizQuestion.quiz_id == q.id)
                         .order_by(QuizQuestion.position)).all()
        todo = [r for r in rows if r.id not in done]
        if todo:
            r = todo[0]
            view = QuestionView(r.id, r.position, len(rows), r.text, tuple(r.options), len(r.correct) > 1)
            return Step(info, attempt.id, question=view, resumed=resumed, **given)
        if attempt.finished_at is None:
            attempt.finished_at = utcnow()
            attempt.score = s.scalar(select(func.count(QuizAnswer.id)).where(
                QuizAnswer.attempt_id == attempt.id, QuizAnswer.right.is_(True))) or 0
        wrong_ids = set(s.scalars(select(QuizAnswer.question_id).where(
            QuizAnswer.attempt_id == attempt.id, QuizAnswer.right.is_(False))))
        wrong = tuple(Review(r.position, r.text, _right_text(r), r.explanation, r.source, r.source_text)
                      for r in rows if r.id in wrong_ids)
        finished = Finished(attempt.score or 0, len(rows), wrong, max(0, q.attempts - attempt.number))
        return Step(info, attempt.id, finished=finished, **given)

    def answer(self, telegram_id: int, attempt_id: int, question_id: int, chosen: list[int],
               now: datetime | None = None) -> Step:
        """Store one answer (once: a repeat keeps the first) and give the next step. The attempt must be
        the member's own (a forged button names another's: refused) and the window still open."""
        member = self.members.require_member(telegram_id)
        now = now or utcnow()
        try:
            return self._answer(member, attempt_id, question_id, chosen, now)
        except IntegrityError:   # the same answer arrived twice at once: the first stands
            return self._answer(member, attempt_id, question_id, chosen, now)

    def _answer(self, member, attempt_id: int, question_id: int, chosen: list[int], now: datetime) -> Step:
        with self.db.session() as s:
            attempt = s.get(QuizAttempt, attempt_id)
            if attempt is None or attempt.member_id != member.id:
                raise NotFound(T.NOT_FOUND, id=attempt_id)
            q = s.get(Quiz, attempt.quiz_id)
            question = s.get(QuizQuestion, question_id)
            if question is None or question.quiz_id != q.id:
                raise NotFound(T.NOT_FOUND, id=q.id)
            existing = s.scalar(select(QuizAnswer).where(QuizAnswer.attempt_id == attempt.id,
                                                         QuizAnswer.question_id == question.id))
            if existing is not None:
                return self._next(s, q, attempt, right=existing.right, repeated=True,
                                  right_answer="" if existing.right else _right_text(question))
            if attempt.finished_at is not None:
                return self._next(s, q, attempt, repeated=True)
            self._check_window(q, now)
            picked = sorted({int(c) for c in chosen})
            if not picked or any(not 0 <= c < len(question.options) for c in picked):
                raise InvalidInput(T.ANSWER_BAD, n=len(question.options))
            right = picked == sorted(question.correct)
            s.add(QuizAnswer(attempt_id=attempt.id, question_id=question.id, chosen=picked, right=right,
                             answered_at=now))
            s.flush()
            return self._next(s, q, attempt, right=right, right_answer="" if right else _right_text(question))

    def record_poll(self, poll_id: str, attempt_id: int, question_id: int) -> None:
        """A Telegram poll sent for one question of one attempt (its answer finds them by the poll id)."""
        with self.db.session() as s:
            if s.get(QuizPoll, poll_id) is None:
                s.add(QuizPoll(poll_id=poll_id, attempt_id=attempt_id, question_id=question_id))

    def poll(self, poll_id: str) -> tuple[int, int] | None:
        with self.db.read() as s:
            p = s.get(QuizPoll, poll_id)
            return (p.attempt_id, p.question_id) if p is not None else None

    # ------------------------------------------------------------ results and reminders
    def results(self, actor: Actor, quiz_id: int) -> Results:
        """Took part / expected and the average best score, per unit under the board (rolled up the
        tree), and the questions most often answered wrong."""
        scope, _ = self._scope(actor)
        with self.db.read() as s:
            q = self._seen(s, scope, quiz_id)
            info = _info(s, q)
            expected = dict(s.execute(select(Member.id, Member.unit_id).where(
                self._expected(s, q), scope.where(Member.unit_id))).all())
            best = dict(s.execute(select(QuizAttempt.member_id, func.max(QuizAttempt.score)).join(
                Member, Member.id == QuizAttempt.member_id).where(
                QuizAttempt.quiz_id == q.id, QuizAttempt.finished_at.is_not(None),
                scope.where(Member.unit_id)).group_by(QuizAttempt.member_id)).all())
            unit_of = dict(s.execute(select(Member.id, Member.unit_id).where(Member.id.in_(list(best)))).all())
            unit_of.update(expected)
            # Each member counts for the unit just under the board on the way to theirs (as /tonghop rolls
            # up): the tree read once, not a subtree query per unit.
            tree = _Tree(s)
            expected_in: dict[int, list[int]] = {}
            took_in: dict[int, list[int]] = {}
            for members, into in ((expected, expected_in), ({m: unit_of.get(m) for m in best}, took_in)):
                for m, u in members.items():
                    if u is not None:
                        into.setdefault(tree.top_of(u, scope.unit_id), []).append(m)
            rows = []
            for unit in children(s, scope):
                exp, took = expected_in.get(unit.id, []), took_in.get(unit.id, [])
                if not exp and not took:
                    continue   # outside the audience
                rows.append(UnitResult(unit.id, unit.name, len(exp), len(took),
                                       sum(best[m] for m in took) / len(took) if took else 0.0))
            answered = s.execute(select(QuizQuestion.position, QuizQuestion.text, func.count(QuizAnswer.id),
                                        func.sum(case((QuizAnswer.right.is_(False), 1), else_=0)))
                                 .join(QuizAnswer, QuizAnswer.question_id == QuizQuestion.id)
                                 .join(QuizAttempt, QuizAttempt.id == QuizAnswer.attempt_id)
                                 .join(Member, Member.id == QuizAttempt.member_id)
                                 .where(QuizQuestion.quiz_id == q.id, scope.where(Member.unit_id))
                                 .group_by(QuizQuestion.id, QuizQuestion.position, QuizQuestion.text)).all()
            missed = sorted((Missed(p, t, int(w or 0), int(n)) for p, t, n, w in answered if w),
                            key=lambda m: (-m.wrong / m.answered, -m.wrong, m.number))[:MISSED_SHOWN]
            took_all = list(best)
            return Results(info, len(expected), len(took_all),
                           sum(best.values()) / len(took_all) if took_all else 0.0, tuple(rows), tuple(missed))

    def member_rows(self, actor: Actor, quiz_id: int) -> list[MemberRow]:
        """Each expected member inside the board's scope (and anyone who took it), for the export."""
        scope, _ = self._scope(actor)
        with self.db.read() as s:
            q = self._seen(s, scope, quiz_id)
            expected = set(s.scalars(select(Member.id).where(self._expected(s, q), scope.where(Member.unit_id))))
            stats = {m: (n, best, last) for m, n, best, last in s.execute(
                select(QuizAttempt.member_id, func.count(QuizAttempt.id), func.max(QuizAttempt.score),
                       func.max(QuizAttempt.finished_at)).join(Member, Member.id == QuizAttempt.member_id)
                .where(QuizAttempt.quiz_id == q.id, scope.where(Member.unit_id))
                .group_by(QuizAttempt.member_id)).all()}
            ids = sorted(expected | set(stats))
            people = s.execute(select(Member.id, Member.full_name, Member.unit_id).where(Member.id.in_(ids))).all()
        paths = self.members.unit_paths([u for _, _, u in people if u is not None])
        rows = [MemberRow(paths.get(unit, ""), name, *stats.get(mid, (0, None, None))) for mid, name, unit in people]
        return sorted(rows, key=lambda r: (r.unit, r.name))

    def period_results(self, scope: Scope, start: datetime, end: datetime) -> list[Results]:
        """Results, inside `scope`, of every published quiz open at some time between start and end that
        the scope's board may read (for the periodic report)."""
        with self.db.read() as s:
            ids = list(s.scalars(select(Quiz.id).where(
                Quiz.status != QZ_DRAFT, Quiz.published_at <= end,
                (Quiz.closes_at.is_(None)) | (Quiz.closes_at >= start)).order_by(Quiz.id)))
        out = []
        for quiz_id in ids:
            try:
                r = self.results(scope, quiz_id)
            except (NotAllowed, NotFound):
                continue
            if r.expected or r.took:
                out.append(r)
        return out

    def reminders_due(self, now: datetime | None = None) -> list[int]:
        """Queue the one reminder of each open quiz closing within REMIND_BEFORE, to those of its audience
        who have not finished it (a broadcast: once each, even across a crash); the quiz ids reminded."""
        from bot.services.broadcasts import Draft

        now = now or utcnow()
        done = []
        with self.db.read() as s:
            due = [(q.id, q.title, q.closes_at, q.board_unit_id) for q in s.scalars(select(Quiz).where(
                Quiz.status == QZ_OPEN, Quiz.reminded_at.is_(None), Quiz.closes_at.is_not(None),
                Quiz.closes_at > now, Quiz.closes_at <= now + REMIND_BEFORE)).all()]
        for quiz_id, title, closes_at, board_unit_id in due:
            with self.db.session() as s:   # claimed first: two workers never remind twice
                claimed = s.execute(Quiz.__table__.update().where(
                    Quiz.id == quiz_id, Quiz.reminded_at.is_(None)).values(reminded_at=now)).rowcount
            if not claimed:
                continue
            scope = self._board_scope(board_unit_id)
            text = T.REMINDER.format(title=esc(title), until=self._local(closes_at))
            try:
                self.broadcasts.queue(scope, Draft(text=text, audience={"quiz_pending": quiz_id}), via="cli")
            except InvalidInput:
                pass   # everyone has taken it: nothing to remind
            done.append(quiz_id)
        return done

    def _board_scope(self, board_unit_id: int | None) -> Scope:
        with self.db.read() as s:
            return board_scope(board_unit_id, subtree(s, board_unit_id) if board_unit_id is not None else ())

    def _local(self, at: datetime | None) -> str:
        if at is None:
            return ""
        return (at.astimezone(self.tz) if self.tz else at).strftime("%H:%M %d/%m/%Y")
