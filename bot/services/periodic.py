"""The periodic report draft (sơ kết, tổng kết): a board's figures for a period, as a .docx.

Figures only — activities by form and by child unit, participants, the share of units that
reported, broadcasts and their acknowledgement, questions and who answered them — laid out as a
Party document; the narrative (assessment, shortcomings, next steps) is left to the board as
"[Ban Tuyên giáo bổ sung]" placeholders. It never writes an assessment of its own.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from sqlalchemy import func, select

from bot.boards import header_lines
from bot.db.models import (
    Q_ANSWERED_BY_BOARD, Q_ANSWERED_BY_DOCS, Q_ANSWERED_BY_FAQ, Q_HELD, Q_OPEN, Broadcast,
    Delivery, D_SENT, Member, Question,
)
from bot.scope import TOP, Scope, board_scope
from bot.services.reports import Period, ReportsService, Summary, UnitRef, _Tree
from bot.text import plain, shorten
from bot.texts import periodic as T


@dataclass(frozen=True)
class BroadcastLine:
    id: int
    started: datetime | None
    text: str
    recipients: int          # members of the viewed subtree the broadcast was meant for
    delivered: int
    acknowledged: int

    @property
    def ack_rate(self) -> float:
        return self.acknowledged / self.delivered if self.delivered else 0.0


@dataclass(frozen=True)
class QuestionFigures:
    asked: int = 0
    by_documents: int = 0
    by_faq: int = 0
    by_board: int = 0
    waiting: int = 0


@dataclass(frozen=True)
class ReflectionFigures:
    by_kind: dict = field(default_factory=dict)   # kind -> count
    topics: list = field(default_factory=list)     # bot.services.reflections.Topic, largest first
    models: list = field(default_factory=list)     # (unit name, words) of good practices sent

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


@dataclass(frozen=True)
class PeriodicFigures:
    """Everything the draft shows, for one board's (sub)tree and one period."""
    summary: Summary
    broadcasts: list[BroadcastLine] = field(default_factory=list)
    questions: QuestionFigures = QuestionFigures()
    issuer: UnitRef | None = None    # the unit whose board issues the report
    parent: UnitRef | None = None    # the unit above it (the header's first line)
    board: str = ""                  # the issuing board's name (bot/boards.py)
    reflections: ReflectionFigures = ReflectionFigures()
    quizzes: list = field(default_factory=list)   # bot.services.quizzes.Results of quizzes open in the period

    @property
    def period(self) -> Period:
        return self.summary.period


def _utc_range(period: Period, tz) -> tuple[datetime, datetime]:
    start = datetime.combine(period.start, time.min, tz).astimezone(timezone.utc)
    end = datetime.combine(period.end, time.max, tz).astimezone(timezone.utc)
    return start, end


class PeriodicService:
    def __init__(self, reports: ReportsService, reflections=None, quizzes=None):
        self.reports = reports
        self.db = reports.db
        self.settings = reports.settings
        self.reflections = reflections   # ReflectionsService: the "dư luận xã hội" section
        self.quizzes = quizzes           # QuizzesService: the "học tập, quán triệt" section

    def figures(self, period: Period, scope: Scope | None = None,
                unit_id: int | None = None) -> PeriodicFigures:
        """The period's figures for the viewed subtree (the scope's, or `unit_id` inside it)."""
        summary = self.reports.summary(period, scope, unit_id)
        viewed = summary.unit
        start, end = _utc_range(period, self.settings.tz)
        with self.db.read() as s:
            tree = _Tree(s)
            # The top-level board's own view counts everything (also questions of people in
            # no unit, with LOA_OPEN_QA); a board of a unit, or a drill-down, its subtree only.
            whole = viewed is None or (summary.scope is None and unit_id is None)
            ids = None if whole else set(tree.subtree(viewed.unit_id))
            # Broadcasts that reached members of the subtree during the period.
            q = (select(Delivery.broadcast_id, func.count(Delivery.id),
                        func.count(Delivery.sent_at), func.count(Delivery.acked_at))
                 .join(Member, Member.id == Delivery.member_id)
                 .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
                 .where(func.coalesce(Broadcast.started_at, Broadcast.created_at) >= start,
                        func.coalesce(Broadcast.started_at, Broadcast.created_at) <= end))
            if ids is not None:
                q = q.where(Member.unit_id.in_(sorted(ids)))
            per = {bid: (n, sent, acked) for bid, n, sent, acked in
                   s.execute(q.group_by(Delivery.broadcast_id)).all()}
            delivered = dict(s.execute(
                select(Delivery.broadcast_id, func.count(Delivery.id))
                .join(Member, Member.id == Delivery.member_id)
                .where(Delivery.broadcast_id.in_(sorted(per) or [-1]),
                       Delivery.state == D_SENT,
                       *([Member.unit_id.in_(sorted(ids))] if ids is not None else []))
                .group_by(Delivery.broadcast_id)).all())
            lines = []
            for b in s.scalars(select(Broadcast).where(Broadcast.id.in_(sorted(per) or [-1]))
                               .order_by(Broadcast.id)):
                if (b.audience or {}).get("remind_of"):
                    continue   # a reminder is not another broadcast: its ✅ counts for the first
                n, _, acked = per[b.id]
                lines.append(BroadcastLine(b.id, b.started_at or b.created_at,
                                           shorten(" ".join(plain(b.text or "").split()), 120)
                                           or T.BROADCAST_MEDIA, n, delivered.get(b.id, 0),
                                           acked))
            # Questions asked by members of the subtree (the whole tree: anyone's).
            q = (select(Question.status, func.count(Question.id))
                 .where(Question.created_at >= start, Question.created_at <= end))
            if ids is not None:
                q = q.join(Member, Member.id == Question.member_id).where(
                    Member.unit_id.in_(sorted(ids)))
            counts = dict(s.execute(q.group_by(Question.status)).all())
            questions = QuestionFigures(
                sum(counts.values()), counts.get(Q_ANSWERED_BY_DOCS, 0),
                counts.get(Q_ANSWERED_BY_FAQ, 0), counts.get(Q_ANSWERED_BY_BOARD, 0),
                counts.get(Q_OPEN, 0) + counts.get(Q_HELD, 0))
            parent = None
            if viewed is not None and tree.parent.get(viewed.unit_id) is not None:
                parent = tree.ref(tree.parent[viewed.unit_id])
            board = self.reports.members.board_title(s, viewed.unit_id if viewed else None)
        reflections = ReflectionFigures()
        if self.reflections is not None:
            where = self.reflections.within(ids)
            topics, _ = self.reflections.topics_between(where, start, end, limit=5)
            reflections = ReflectionFigures(self.reflections.counts_between(where, start, end),
                                            topics, self.reflections.models_between(where, start, end))
        quizzes = []
        if self.quizzes is not None:
            scope = TOP if ids is None else board_scope(viewed.unit_id, ids)
            quizzes = self.quizzes.period_results(scope, start, end)
        return PeriodicFigures(summary, lines, questions, viewed, parent, board, reflections, quizzes)

    def board_figures(self, telegram_id: int, text: str | None) -> PeriodicFigures:
        """`/baocaodinhky <period>` (optionally a unit first): the admin's scope read fresh."""
        scope = self.reports.members.scope(telegram_id)
        unit, period = self.reports.view(scope, text)
        return self.figures(period, scope, unit.unit_id if unit else None)


# ---------------------------------------------------------------- the document
FONT = "Times New Roman"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%".replace(".", ",") if whole else "–"


ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def formal_label(period: Period) -> str:
    """The period as a report's title writes it: "quý IV năm 2026", "tháng 11 năm 2026"."""
    if period.kind == "month":
        return T.FORMAL_MONTH.format(month=period.number, year=period.year)
    if period.kind == "quarter":
        return T.FORMAL_QUARTER.format(quarter=ROMAN[period.number], year=period.year)
    return period.label


def _num(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def to_docx(f: PeriodicFigures, today: date, signer: str = "") -> bytes:
    """The draft as .docx bytes (python-docx), Times New Roman, Party document layout."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.top_margin, sec.bottom_margin = Cm(2), Cm(2)
    sec.left_margin, sec.right_margin = Cm(3), Cm(1.5)
    for name in ("Normal", "Table Grid"):
        style = doc.styles[name]
        style.font.name = FONT
        style.font.size = Pt(14 if name == "Normal" else 13)
        rpr = style.element.get_or_add_rPr()
        rpr.get_or_add_rFonts().set(qn("w:eastAsia"), FONT)

    def para(text: str = "", bold=False, italic=False, size=None, align=None, indent=True,
             underline=False, space_after=6):
        p = doc.add_paragraph()
        if align is not None:
            p.alignment = align
        elif indent:
            p.paragraph_format.first_line_indent = Cm(1)
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        p.paragraph_format.space_after = Pt(space_after)
        if text:
            r = p.add_run(text)
            r.bold, r.italic, r.underline = bold, italic, underline
            r.font.name = FONT
            if size:
                r.font.size = Pt(size)
        return p

    def cell_text(cell, text: str, bold=False, italic=False, size=13, align=None,
                  underline=False):
        p = cell.paragraphs[0] if not cell.paragraphs[0].text else cell.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER if align is None else align
        p.paragraph_format.space_after = Pt(0)
        r = p.add_run(text)
        r.bold, r.italic, r.underline = bold, italic, underline
        r.font.name = FONT
        r.font.size = Pt(size)

    # Header: issuing body on the left, the Party's name and the place/date line on the right.
    head = doc.add_table(rows=1, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = head.rows[0].cells
    lines = header_lines(f.board) if f.board else None
    if lines is not None:   # the committee, then its board: "ĐẢNG ỦY XÃ A" / "BAN XÂY DỰNG ĐẢNG"
        cell_text(left, lines[0].upper(), size=13)
        cell_text(left, lines[1].upper(), bold=True, size=13)
    else:
        if f.parent is not None:
            cell_text(left, f.parent.name.upper(), size=13)
        cell_text(left, (f.issuer.name if f.issuer else T.ISSUER_PLACEHOLDER).upper(),
                  bold=True, size=13)
    cell_text(left, "*", size=13)
    cell_text(left, T.NUMBER_LINE, size=13)
    cell_text(right, T.PARTY, bold=True, size=15, underline=True)
    cell_text(right, "", size=13)
    cell_text(right, T.PLACE_DATE.format(day=today.day, month=today.month, year=today.year),
              italic=True, size=14)

    para("", indent=False)
    para(T.TITLE, bold=True, size=15, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    para(T.SUBTITLE.format(label=formal_label(f.period)), bold=True, size=14,
         align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    para(T.SUBTITLE_RANGE.format(start=f.period.start.strftime("%d/%m/%Y"),
                                 end=f.period.end.strftime("%d/%m/%Y")),
         italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(T.PLACEHOLDER, italic=True)

    def table(header: list[str], rows: list[list[str]], total: list[str] | None = None):
        t = doc.add_table(rows=1, cols=len(header))
        t.style = doc.styles["Table Grid"]
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        for c, h in zip(t.rows[0].cells, header):
            cell_text(c, h, bold=True)
        for row in rows:
            cells = t.add_row().cells
            for i, (c, v) in enumerate(zip(cells, row)):
                cell_text(c, v, align=WD_ALIGN_PARAGRAPH.LEFT if i == 1 else None)
        if total:
            cells = t.add_row().cells
            for i, (c, v) in enumerate(zip(cells, total)):
                cell_text(c, v, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT if i == 1 else None)
        para("", indent=False, space_after=0)
        return t

    s = f.summary
    para(T.PART_1, bold=True, indent=False)
    para(T.PLACEHOLDER, italic=True)

    para(T.PART_2, bold=True, indent=False)
    para(T.SECTION_ACTIVITIES, bold=True)
    para(T.ACTIVITIES_LINE.format(count=_num(s.count), participants=_num(s.participants),
                                  reported=_num(s.units_reported), total=_num(s.units_total),
                                  share=_pct(s.units_reported, s.units_total)))
    para(T.TABLE_BY_FORM, italic=True, indent=False)
    forms = [(name, ft) for name, ft in s.by_form.items()]
    table(T.COLS_BY_FORM,
          [[str(i), name, _num(ft.count), _num(ft.participants)]
           for i, (name, ft) in enumerate(forms, 1)],
          ["", T.TOTAL, _num(s.count), _num(s.participants)])
    para(T.TABLE_BY_UNIT, italic=True, indent=False)
    table(T.COLS_BY_UNIT,
          [[str(i), (T.OWN.format(unit=u.name) if u.own else u.name), _num(u.count),
            _num(u.participants), f"{_num(u.units_reported)}/{_num(u.units_in_subtree)}",
            _pct(u.units_reported, u.units_in_subtree)]
           for i, u in enumerate(s.units, 1)],
          ["", T.TOTAL, _num(s.count), _num(s.participants),
           f"{_num(s.units_reported)}/{_num(s.units_total)}",
           _pct(s.units_reported, s.units_total)])
    silent = [u.path for u in s.silent]
    if silent:   # named, so the board knows whom to ask (the first 40, the rest counted)
        shown = "; ".join(silent[:40]) + (T.SILENT_MORE.format(count=len(silent) - 40)
                                          if len(silent) > 40 else "")
        para(T.SILENT_UNITS.format(count=len(silent), units=shown))
    para(T.PLACEHOLDER, italic=True)

    para(T.SECTION_BROADCASTS, bold=True)
    if f.broadcasts:
        delivered = sum(b.delivered for b in f.broadcasts)
        acked = sum(b.acknowledged for b in f.broadcasts)
        para(T.BROADCASTS_LINE.format(count=len(f.broadcasts), delivered=_num(delivered),
                                      acked=_num(acked), share=_pct(acked, delivered)))
        table(T.COLS_BROADCASTS,
              [[str(i), b.text, b.started.strftime("%d/%m/%Y") if b.started else "",
                _num(b.delivered), _num(b.acknowledged), _pct(b.acknowledged, b.delivered)]
               for i, b in enumerate(f.broadcasts, 1)],
              ["", T.TOTAL, "", _num(delivered), _num(acked), _pct(acked, delivered)])
    else:
        para(T.BROADCASTS_NONE)
    para(T.PLACEHOLDER, italic=True)

    q = f.questions
    para(T.SECTION_QUESTIONS, bold=True)
    table(T.COLS_QUESTIONS,
          [["1", T.Q_ASKED, _num(q.asked), "100%" if q.asked else "–"],
           ["2", T.Q_DOCS, _num(q.by_documents), _pct(q.by_documents, q.asked)],
           ["3", T.Q_FAQ, _num(q.by_faq), _pct(q.by_faq, q.asked)],
           ["4", T.Q_BOARD, _num(q.by_board), _pct(q.by_board, q.asked)],
           ["5", T.Q_WAITING, _num(q.waiting), _pct(q.waiting, q.asked)]])
    para(T.PLACEHOLDER, italic=True)

    r = f.reflections
    para(T.SECTION_REFLECTIONS, bold=True)
    if r.total:
        para(T.REFLECTIONS_LINE.format(total=_num(r.total), **{
            k: _num(r.by_kind.get(k, 0)) for k in ("du_luan", "sai_trai", "mo_hinh", "kien_nghi")}))
        if r.topics:
            para(T.TABLE_TOPICS, italic=True, indent=False)
            table(T.COLS_TOPICS, [[str(i), shorten(t.label, 160), _num(t.count), _num(t.units)]
                                  for i, t in enumerate(r.topics, 1)])
        if r.models:
            para(T.MODELS_HEAD, italic=True)
            for unit, words in r.models:
                para(T.MODEL_LINE.format(unit=unit, text=shorten(words, 300)))
    else:
        para(T.REFLECTIONS_NONE)
    para(T.PLACEHOLDER, italic=True)

    para(T.SECTION_QUIZZES, bold=True)
    for r in f.quizzes:
        q = r.quiz
        para(T.QUIZ_LINE.format(title=q.title, count=q.count, took=_num(r.took), expected=_num(r.expected),
                                pct=_pct(r.took, r.expected), average=f"{r.average:.1f}".replace(".", ",")))
        if r.units:
            table(T.COLS_QUIZ_UNITS, [[str(i), u.unit, f"{_num(u.took)}/{_num(u.expected)}",
                                       f"{u.average:.1f}".replace(".", ",")] for i, u in enumerate(r.units, 1)])
        if r.missed:
            para(T.QUIZ_MISSED.format(questions="; ".join(f"câu {m.number} ({shorten(m.text, 80)})"
                                                          for m in r.missed)))
    if not f.quizzes:
        para(T.QUIZZES_NONE)
    para(T.PLACEHOLDER, italic=True)

    para(T.PART_3, bold=True, indent=False)
    para(T.PART_3_ADVANTAGES, bold=True)
    para(T.PLACEHOLDER, italic=True)
    para(T.PART_3_SHORTCOMINGS, bold=True)
    para(T.PLACEHOLDER, italic=True)
    para(T.PART_4, bold=True, indent=False)
    para(T.PLACEHOLDER, italic=True)

    sign = doc.add_table(rows=1, cols=2)
    left, right = sign.rows[0].cells
    cell_text(left, T.RECIPIENTS, bold=True, italic=True, size=12,
              align=WD_ALIGN_PARAGRAPH.LEFT)
    for line in T.RECIPIENT_LINES:
        cell_text(left, line, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    for line in (signer or T.SIGNER).split("\n"):
        cell_text(right, line.strip(), bold=True, size=14)
    cell_text(right, T.SIGNER_PLACEHOLDER, italic=True, size=13)
    doc.core_properties.title = f"{T.TITLE} – {T.SUBTITLE.format(label=formal_label(f.period))}"
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
