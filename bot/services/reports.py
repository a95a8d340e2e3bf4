"""Activity reports: parse and validate, draft and confirm exactly once, edit/delete, summaries, reminders."""
from __future__ import annotations

import calendar
import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from bot.config import Settings
from bot.db import Database
from bot.db.models import (
    ROLE_ADMIN, BoardReminder, DRAFT_CANCELLED, DRAFT_PENDING, DRAFT_SAVED, Member, Reminder, Report, ReportAudit,
    ReportDraft, Unit, utcnow,
)
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.scope import Scope
from bot.services.members import MembersService
from bot.text import clean, esc, fmt_date, one_line, shorten
from bot.texts import common as TC
from bot.texts import reports as T
from indexer.text import fold

log = logging.getLogger(__name__)

MAX_PARTICIPANTS = 1_000_000
MAX_PHOTOS = 10
DUPLICATE_JACCARD = 0.6


# ---------------------------------------------------------------- results
@dataclass(frozen=True)
class ParsedReport:
    """A report that passed validation; not saved yet."""
    activity_date: date
    form: str
    content: str
    participants: int
    note: str | None = None
    photos: tuple[str, ...] = ()

    def to_payload(self) -> dict:
        return {"activity_date": self.activity_date.isoformat(), "form": self.form,
                "content": self.content, "participants": self.participants,
                "note": self.note, "photos": list(self.photos)}

    @classmethod
    def from_payload(cls, p: dict) -> "ParsedReport":
        return cls(date.fromisoformat(p["activity_date"]), p["form"], p["content"],
                   int(p["participants"]), p.get("note"), tuple(p.get("photos") or ()))


@dataclass(frozen=True)
class FieldError:
    """Why a field was refused: the field's key, a template from bot/texts and its values."""
    field: str
    template: str
    values: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        """Telegram HTML, the values escaped."""
        return self.template.format(**{k: esc(v) for k, v in self.values.items()})

    def error(self, today: date) -> InvalidInput:
        """The same refusal as a typed error, with an example of a correct quick line."""
        return InvalidInput(self.template + T.EXAMPLE_HINT, **self.values,
                            example=example_line(today))


@dataclass(frozen=True)
class Rules:
    """Everything validation depends on, so the parser stays a pure function."""
    today: date
    forms: tuple[str, ...]
    max_age_days: int = 90
    content_max: int = 1000


@dataclass(frozen=True)
class ReportView:
    id: int
    unit_id: int
    unit_name: str
    member_id: int
    reporter_name: str
    activity_date: date
    form: str
    content: str
    participants: int
    note: str | None
    photos: tuple[str, ...]
    created_at: datetime
    updated_at: datetime | None
    deleted_at: datetime | None = None
    unit_path: str = ""               # "Tỉnh › Xã › Chi bộ"

    @property
    def parsed(self) -> ParsedReport:
        return ParsedReport(self.activity_date, self.form, self.content, self.participants,
                            self.note, self.photos)


@dataclass(frozen=True)
class DraftView:
    id: int
    unit_name: str
    report: ParsedReport
    duplicate: ReportView | None = None


CONFIRM_SAVED = "saved"
CONFIRM_ALREADY = "already"
CONFIRM_CANCELLED = "cancelled"
CONFIRM_DUPLICATE = "duplicate"
CONFIRM_LARGE = "large"          # a head count beyond PLAUSIBLE_PARTICIPANTS: asked once more
PLAUSIBLE_PARTICIPANTS = 2000    # a chi bộ's or a commune's activity rarely gathers more


@dataclass(frozen=True)
class Confirmation:
    status: str                      # saved | already | cancelled | duplicate
    draft_id: int
    report: ReportView | None = None
    duplicate: ReportView | None = None


@dataclass(frozen=True)
class OwnReports:
    unit_name: str
    items: list[tuple[ReportView, bool]]  # (report, the viewer may edit/delete it now)
    edit_hours: int


@dataclass(frozen=True)
class Period:
    kind: str    # month | quarter | half | year
    year: int
    number: int  # month 1-12, quarter 1-4, half 1-2, or 0 for a year
    start: date
    end: date    # inclusive

    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.number}"
        if self.kind == "half":
            return f"{self.year}-H{self.number}"
        return str(self.year)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return T.PERIOD_MONTH.format(month=self.number, year=self.year)
        if self.kind == "quarter":
            return T.PERIOD_QUARTER.format(quarter=self.number, year=self.year)
        if self.kind == "half":
            return (T.PERIOD_HALF_FIRST if self.number == 1 else T.PERIOD_HALF_LAST).format(
                year=self.year)
        return T.PERIOD_YEAR.format(year=self.year)


@dataclass
class FormTotal:
    count: int = 0
    participants: int = 0


PATH_SEP = " › "


@dataclass(frozen=True)
class UnitRef:
    """A unit named with its place in the tree."""
    unit_id: int
    name: str
    path: str          # root first, joined by " › ": "Tỉnh › Xã › Chi bộ"
    kind: str = ""


@dataclass
class UnitSummary:
    """One row of a summary: a child unit of the viewed unit, rolled up over its whole subtree."""
    unit_id: int
    name: str
    path: str = ""
    count: int = 0
    participants: int = 0
    by_form: dict[str, FormTotal] = field(default_factory=dict)
    units_in_subtree: int = 0     # units of its subtree that are expected to report
    units_reported: int = 0       # of those, units with at least one report in the period
    own: bool = False             # the viewed unit's own reports, not a child's

    @property
    def share(self) -> float:
        """Share of its units that reported (0..1; 0 when none is expected to report)."""
        return self.units_reported / self.units_in_subtree if self.units_in_subtree else 0.0


@dataclass
class Summary:
    """A period's reports in one board's view, grouped by the next level down.

    `rows` sum to the totals: every report of the viewed subtree is counted in exactly one row
    (a report filed by the viewed unit itself is in its `own` row)."""
    period: Period
    scope: UnitRef | None            # the board's own unit; None: the top-level board
    unit: UnitRef | None             # the unit being looked at; None: the whole tree
    units: list[UnitSummary]         # one row per child unit (and the `own` row), by name
    count: int
    participants: int
    by_form: dict[str, FormTotal]
    units_total: int = 0             # units of the viewed subtree expected to report
    units_reported: int = 0
    silent: list[UnitRef] = field(default_factory=list)  # expected, no report in the period

    @property
    def rows(self) -> list[UnitSummary]:
        return self.units

    @property
    def reported(self) -> list[UnitSummary]:
        return [u for u in self.units if u.count]

    @property
    def missing(self) -> list[UnitSummary]:
        return [u for u in self.units if not u.count]

    @property
    def share(self) -> float:
        return self.units_reported / self.units_total if self.units_total else 0.0


class _Tree:
    """Every unit's name, parent and state, read once per call (a province has ~2,000)."""

    def __init__(self, s: Session):
        rows = s.connection().execute(
            select(Unit.id, Unit.name, Unit.parent_id, Unit.active, Unit.kind)).all()
        self.name, self.kind, self.parent, self.active = {}, {}, {}, {}
        for uid, name, parent, active, kind in rows:
            self.name[uid], self.kind[uid] = name, kind
            self.parent[uid], self.active[uid] = parent, bool(active)
        self.kids: dict[int | None, list[int]] = {}
        for uid, parent in self.parent.items():
            self.kids.setdefault(parent if parent in self.name else None, []).append(uid)
        self._paths: dict[int, str] = {}
        self._tops: dict[tuple[int, int | None], int] = {}

    def children(self, unit_id: int | None) -> list[int]:
        return self.kids.get(unit_id, [])

    def subtree(self, unit_id: int | None) -> list[int]:
        """The unit and everything under it (None: every unit)."""
        if unit_id is None:
            return list(self.name)
        out, stack, seen = [], [unit_id], set()
        while stack:
            u = stack.pop()
            if u in seen:
                continue
            seen.add(u)
            out.append(u)
            stack.extend(self.kids.get(u, ()))
        return out

    def chain(self, unit_id: int) -> list[int]:
        out, seen = [], set()
        u: int | None = unit_id
        while u is not None and u in self.name and u not in seen:
            out.append(u)
            seen.add(u)
            u = self.parent[u]
        return list(reversed(out))

    def path(self, unit_id: int) -> str:
        p = self._paths.get(unit_id)
        if p is None:
            p = self._paths[unit_id] = PATH_SEP.join(self.name[u] for u in self.chain(unit_id))
        return p

    def ref(self, unit_id: int | None) -> UnitRef | None:
        if unit_id is None or unit_id not in self.name:
            return None
        return UnitRef(unit_id, self.name[unit_id], self.path(unit_id), self.kind[unit_id])

    def top_of(self, unit_id: int, viewed: int | None) -> int:
        """The child of `viewed` on the way down to `unit_id` (or `viewed` itself)."""
        key = (unit_id, viewed)
        top = self._tops.get(key)
        if top is None:
            chain = self.chain(unit_id)
            if viewed is None:
                top = chain[0]
            else:
                i = chain.index(viewed)
                top = chain[i + 1] if i + 1 < len(chain) else viewed
            self._tops[key] = top
        return top


@dataclass(frozen=True)
class Recipient:
    member_id: int
    chat_id: int
    name: str


@dataclass(frozen=True)
class ReminderTarget:
    unit_id: int
    unit_name: str
    recipients: tuple[Recipient, ...]


@dataclass(frozen=True)
class BoardNotice:
    """What one board is told about its own silent units in a month."""
    board: UnitRef | None                 # None: the top-level board
    chats: tuple[int, ...]
    reminded: tuple[UnitRef, ...]         # silent units whose reporters were reminded
    no_reporter: tuple[UnitRef, ...]      # silent units nobody could be reminded in


@dataclass
class ReminderRun:
    period: Period
    due: bool
    reminded: list[ReminderTarget] = field(default_factory=list)
    no_reporter: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- pure parsing
_PIPES = str.maketrans({"｜": "|", "¦": "|", "│": "|"})
_SPACES = re.compile(r"[ \t\u00a0]+")


def _show(value: str, limit: int = 40) -> str:
    """What the user typed, on one line and short, to quote back in an error."""
    return shorten(one_line(value), limit + 1)


def _has_text(s: str) -> bool:
    return any(ch.isalnum() for ch in s)


_DATE_RE = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?:\s*[/.\-]\s*(\d{4}|\d{2}))?")
_TODAY_WORDS = {"hom nay", "homnay", "hnay", "nay", "today"}
_YESTERDAY_WORDS = {"hom qua", "homqua", "qua", "yesterday"}


def parse_date(value: str, rules: Rules) -> date | FieldError:
    """DD/MM/YYYY, DD/MM (this year), or "hôm nay"/"hom nay"; not future, not too old."""
    raw = clean(value)
    f = _SPACES.sub(" ", fold(raw)).strip().removeprefix("ngay ").strip()
    today = rules.today
    d: date | None = None
    if f in _TODAY_WORDS:
        d = today
    elif f in _YESTERDAY_WORDS:
        d = today - timedelta(days=1)
    else:
        m = _DATE_RE.fullmatch(f)
        if m:
            day, month = int(m.group(1)), int(m.group(2))
            year = m.group(3)
            y = today.year if year is None else (2000 + int(year) if len(year) == 2 else int(year))
            try:
                d = date(y, month, day)
            except ValueError:
                d = None
    if d is None:
        return FieldError("date", T.ERR_DATE, {"value": _show(raw), "today": fmt_date(today)})
    if d > today:
        return FieldError("date", T.ERR_DATE_FUTURE, {"value": fmt_date(d),
                                                      "today": fmt_date(today)})
    if (today - d).days > rules.max_age_days:
        return FieldError("date", T.ERR_DATE_OLD, {"value": fmt_date(d),
                                                   "days": rules.max_age_days})
    return d


def _key(s: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", fold(s)))


# Everyday names for the default forms (folded), applied only when that form is configured.
FORM_ALIASES = {
    "hn": "hoi nghi", "hoi nghi bao cao vien": "hoi nghi",
    "shcb": "sinh hoat chi bo", "sinh hoat": "sinh hoat chi bo", "chi bo": "sinh hoat chi bo",
    "truc tiep": "tuyen truyen truc tiep tai khu dan cu",
    "tuyen truyen truc tiep": "tuyen truyen truc tiep tai khu dan cu",
    "khu dan cu": "tuyen truyen truc tiep tai khu dan cu",
    "khu pho": "tuyen truyen truc tiep tai khu dan cu",
    "to dan pho": "tuyen truyen truc tiep tai khu dan cu",
    "loa": "truyen thanh co so", "loa phat thanh": "truyen thanh co so",
    "phat thanh": "truyen thanh co so", "truyen thanh": "truyen thanh co so",
    "dai truyen thanh": "truyen thanh co so",
    "mxh": "mang xa hoi", "facebook": "mang xa hoi", "fb": "mang xa hoi", "zalo": "mang xa hoi",
    "tiktok": "mang xa hoi", "online": "mang xa hoi", "truc tuyen": "mang xa hoi",
    "other": "khac", "khac nhau": "khac",
}


def match_form(value: str, forms: tuple[str, ...]) -> str | FieldError:
    """The configured form meant by `value`: exact, known alias, initials, or unique prefix."""
    raw = clean(value)
    f = _key(raw)
    keyed = [(form, _key(form)) for form in forms]
    if f:
        for form, k in keyed:
            if k == f:
                return form
        alias = FORM_ALIASES.get(f)
        if alias:
            for form, k in keyed:
                if k == alias:
                    return form
        initials = [form for form, k in keyed if "".join(w[0] for w in k.split()) == f.replace(" ", "")
                    and len(f) >= 2]
        if len(initials) == 1:
            return initials[0]
        prefix = [form for form, k in keyed if k.startswith(f)]
        if len(prefix) == 1:
            return prefix[0]
        if len(prefix) > 1 and len(f) >= 2:
            return FieldError("form", T.ERR_FORM_AMBIGUOUS, {"value": _show(raw),
                                                             "options": ", ".join(prefix)})
        inside = [form for form, k in keyed if len(f) >= 4 and f" {f} " in f" {k} "]
        if len(inside) == 1:
            return inside[0]
    return FieldError("form", T.ERR_FORM, {"value": _show(raw), "forms": ", ".join(forms)})


_PARTICIPANTS_RE = re.compile(
    r"(\d{1,3}(?:[.,]\d{3})+|\d{1,12})\s*(?:nguoi(?: tham du| tham gia)?|ng|luot(?: nguoi)?"
    r"|dai bieu|db|nguoi dan)?\s*\.?")


def parse_participants(value: str) -> int | FieldError:
    """A positive whole number; "45", "45 người", "1.200" all accepted."""
    raw = clean(value)
    f = _SPACES.sub(" ", fold(raw)).strip()
    m = _PARTICIPANTS_RE.fullmatch(f)
    if not m:
        return FieldError("participants", T.ERR_PARTICIPANTS, {"value": _show(raw)})
    n = int(re.sub(r"[.,]", "", m.group(1)))
    if n <= 0:
        return FieldError("participants", T.ERR_PARTICIPANTS, {"value": _show(raw)})
    if n > MAX_PARTICIPANTS:
        return FieldError("participants", T.ERR_PARTICIPANTS_BIG, {
            "value": n, "limit": f"{MAX_PARTICIPANTS:,}".replace(",", ".")})
    return n


# A report typed as an ordinary message ("Báo cáo: hôm nay chi bộ thôn Bình Cầu tổ chức hội nghị
# quán triệt Chỉ thị 30, 42 người dự"): a "báo cáo:" lead, or an activity with a head count.
_REPORT_LEAD = re.compile(r"^\s*(?:bao cao|bc)\s*[:\-–]\s*")
_REPORT_COUNT = re.compile(
    r"(\d{1,3}(?:[.,]\d{3})+|\d{1,6})\s*(?:nguoi|dong chi|d/c|dc|dang vien|dv|doan vien|hoi vien"
    r"|luot nguoi|dai bieu|quan chung|ho dan|ho)\b")
_REPORT_ACTIVITY = re.compile(
    r"\b(?:to chuc|hoi nghi|sinh hoat|quan triet|tuyen truyen|trien khai|hop|buoi|phat thanh"
    r"|noi chuyen|hoc tap)\b")
_NOT_A_REPORT = re.compile(r"\?|\b(?:bao nhieu|the nao|khi nao|o dau|tai sao|vi sao|co phai"
                           r"|phai khong|duoc khong|lam sao|gi|ai|nao|cho hoi|xin hoi|em hoi"
                           r"|hoi ve|can gi|co can|co nen|nen lam|phai lam)\b")
# Without a "báo cáo:" lead, the head count must say people took part ("42 người dự").
_REPORT_TOOK_PART = re.compile(r"^\s*(?:\w+\s+){0,2}?(?:du|tham du|tham gia|nghe|co mat|den du)\b")
_TEXT_DATE = re.compile(r"\b(?:ngay\s*)?(\d{1,2}[/.\-]\d{1,2}(?:[/.\-]\d{2,4})?)\b")
_FORM_HINTS = (("hoi nghi", "hoi nghi"), ("quan triet", "hoi nghi"),
               ("sinh hoat", "sinh hoat chi bo"), ("truyen thanh", "truyen thanh co so"),
               ("loa", "truyen thanh co so"), ("phat thanh", "truyen thanh co so"),
               ("mang xa hoi", "mang xa hoi"), ("facebook", "mang xa hoi"),
               ("zalo", "mang xa hoi"), ("khu dan cu", "tuyen truyen truc tiep tai khu dan cu"),
               ("tan nha", "tuyen truyen truc tiep tai khu dan cu"))


def read_free_report(text: str, rules: Rules, forms: tuple[str, ...]) -> ParsedReport | None:
    """A report typed as an ordinary message, its fields read as well as they can be (the
    member checks them before anything is saved); None when it does not read like one."""
    raw = clean(text)
    f = _SPACES.sub(" ", fold(raw)).strip()
    lead = _REPORT_LEAD.match(f)
    count = _REPORT_COUNT.search(f)
    if _NOT_A_REPORT.search(f) or not count:
        return None
    if not lead and not (_REPORT_ACTIVITY.search(f) and _REPORT_TOOK_PART.match(f[count.end():])):
        return None
    participants = parse_participants(count.group(1))
    if isinstance(participants, FieldError):
        return None
    day = rules.today
    if re.search(r"\bhom qua\b", f):
        day = rules.today - timedelta(days=1)
    elif (m := _TEXT_DATE.search(f)) and not isinstance(d := parse_date(m.group(1), rules), FieldError):
        day = d
    keyed = {_key(form): form for form in forms}
    form = next((keyed[k] for hint, k in _FORM_HINTS if hint in f and k in keyed),
                keyed.get("khac") or forms[-1])
    content = raw
    if lead:   # drop the "Báo cáo:" the member typed (same length folded and raw)
        content = raw[lead.end():] if len(fold(raw[:lead.end()])) == lead.end() else raw
    content = content.strip()[:rules.content_max]
    if not _has_text(content):
        return None
    return ParsedReport(day, form, content, participants, None, ())


def check_content(value: str, rules: Rules) -> str | FieldError:
    text = clean(value)
    if not _has_text(text):
        return FieldError("content", T.ERR_CONTENT_EMPTY)
    if len(text) > rules.content_max:
        return FieldError("content", T.ERR_CONTENT_LONG, {"length": len(text),
                                                          "limit": rules.content_max})
    return text


def check_note(value: str | None, rules: Rules) -> str | None | FieldError:
    text = clean(value or "")
    if not _has_text(text):
        return None
    if len(text) > rules.content_max:
        return FieldError("note", T.ERR_NOTE_LONG, {"length": len(text),
                                                    "limit": rules.content_max})
    return text


_COMMAND_RE = re.compile(r"^/baocao(?:@\w+)?(?=\s|$)", re.IGNORECASE)


def parse_quick(text: str, rules: Rules) -> ParsedReport | FieldError:
    """Parse `[/baocao] date | form | content | participants [| note]`; never raises."""
    body = _COMMAND_RE.sub("", (text or "").strip(), count=1).translate(_PIPES)
    parts = [p for p in body.split("|")]
    if len(parts) < 4:
        return FieldError("format", T.ERR_FORMAT)
    # A "|" inside the note is kept as part of the note.
    note_raw = "|".join(parts[4:]) if len(parts) > 4 else None
    d = parse_date(parts[0], rules)
    if isinstance(d, FieldError):
        return d
    form = match_form(parts[1], rules.forms)
    if isinstance(form, FieldError):
        return form
    content = check_content(parts[2], rules)
    if isinstance(content, FieldError):
        return content
    n = parse_participants(parts[3])
    if isinstance(n, FieldError):
        return n
    note = check_note(note_raw, rules)
    if isinstance(note, FieldError):
        return note
    return ParsedReport(d, form, content, n, note)


def quick_line(r: ParsedReport, command: bool = True) -> str:
    """The quick line that would produce `r` (used to prefill an edit)."""
    parts = [fmt_date(r.activity_date), r.form, r.content.replace("|", "/"), str(r.participants)]
    if r.note:
        parts.append(r.note)
    return ("/baocao " if command else "") + " | ".join(p.replace("\n", " ") for p in parts)


def example_line(today: date) -> str:
    return T.EXAMPLE_LINE.format(date=fmt_date(today))


def _words(s: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", fold(s)))


def similar(a: str, b: str, threshold: float = DUPLICATE_JACCARD) -> bool:
    """Folded word-set Jaccard similarity at or above `threshold`."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return fold(a).strip() == fold(b).strip()
    return len(wa & wb) / len(wa | wb) >= threshold


_PERIOD_MONTH = re.compile(r"(?:thang )?(\d{1,2}) ?[/.\-] ?(\d{4})")
_PERIOD_MONTH_ISO = re.compile(r"(\d{4}) ?[/.\-] ?(\d{1,2})")
_PERIOD_QUARTER = re.compile(r"(?:q|quy) ?([1-4]) ?[/.\- ]? ?(\d{4})")
_PERIOD_QUARTER_ISO = re.compile(r"(\d{4}) ?[/.\- ]? ?(?:q|quy) ?([1-4])")
_PERIOD_YEAR = re.compile(r"(?:nam )?(\d{4})")
_LOOKS_LIKE_PERIOD = re.compile(r"\s*(?:thang|quy|nam|ky|q ?\d|h ?\d|\d)")
_PERIOD_HALF = re.compile(r"(?:6 thang|nua) (dau|cuoi) (?:nam )?(\d{4})")
_PERIOD_HALF_SHORT = re.compile(r"h ?([12]) ?[/.\- ]? ?(\d{4})")
_PERIOD_HALF_ISO = re.compile(r"(\d{4}) ?[/.\- ]? ?h ?([12])")   # Period.key: 2026-H1
# As people type them, the year implied: "tháng 11", "t11", "quý 4", "q4", "6 tháng đầu năm".
_PERIOD_MONTH_ONLY = re.compile(r"(?:thang|t) ?(\d{1,2})")
_PERIOD_QUARTER_ONLY = re.compile(r"(?:quy|q) ?([1-4])")
_PERIOD_HALF_ONLY = re.compile(r"(?:6 thang|nua) (dau|cuoi)(?: nam)?(?: nay)?")
_PERIOD_RELATIVE = {
    "thang nay": ("month", 0), "thang hien tai": ("month", 0), "thang truoc": ("month", -1),
    "thang vua roi": ("month", -1), "quy nay": ("quarter", 0), "quy truoc": ("quarter", -1),
    "nam nay": ("year", 0), "nam truoc": ("year", -1), "nam ngoai": ("year", -1),
}


def _relative_period(f: str, today: date) -> Period | None:
    """"tháng này", "tháng trước", "quý này", "năm ngoái", "tháng 11", "quý 4", "6 tháng đầu
    năm": the year implied (a month or quarter still ahead this year means last year's)."""
    if f in _PERIOD_RELATIVE:
        kind, step = _PERIOD_RELATIVE[f]
        if kind == "month":
            n = today.year * 12 + today.month - 1 + step
            return month_period(n // 12, n % 12 + 1)
        if kind == "quarter":
            n = today.year * 4 + (today.month - 1) // 3 + step
            return _quarter(n // 4, n % 4 + 1)
        return Period("year", today.year + step, 0, date(today.year + step, 1, 1),
                      date(today.year + step, 12, 31))
    m = _PERIOD_MONTH_ONLY.fullmatch(f)
    if m and 1 <= int(m.group(1)) <= 12:
        month = int(m.group(1))
        return month_period(today.year - (month > today.month), month)
    m = _PERIOD_QUARTER_ONLY.fullmatch(f)
    if m:
        quarter = int(m.group(1))
        return _quarter(today.year - (quarter > (today.month - 1) // 3 + 1), quarter)
    m = _PERIOD_HALF_ONLY.fullmatch(f)
    if m:
        half = 1 if m.group(1) == "dau" else 2
        year = today.year - (half == 2 and today.month <= 6)
        return Period("half", year, half, date(year, 1 if half == 1 else 7, 1),
                      date(year, 6, 30) if half == 1 else date(year, 12, 31))
    return None


def _quarter(year: int, number: int) -> Period:
    first = 3 * (number - 1) + 1
    return Period("quarter", year, number, date(year, first, 1), month_period(year, first + 2).end)


def month_period(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period("month", year, month, date(year, month, 1), date(year, month, last))


def parse_period(text: str | None, today: date) -> Period:
    """MM/YYYY, YYYY-MM, Q2/2024, quý 2/2024, 2024-Q2, "6 tháng đầu/cuối năm 2024", H1/2024
    or YYYY; empty means this month."""
    raw = clean(text or "")
    f = _SPACES.sub(" ", fold(raw)).strip()
    if not f:
        return month_period(today.year, today.month)
    m = _PERIOD_HALF.fullmatch(f) or _PERIOD_HALF_SHORT.fullmatch(f)
    iso = _PERIOD_HALF_ISO.fullmatch(f)
    if iso:
        m, (half_text, year_text) = iso, (iso.group(2), iso.group(1))
    elif m:
        half_text, year_text = m.group(1), m.group(2)
    if m and 2000 <= int(year_text) <= 2100:
        year, half = int(year_text), 1 if half_text in ("dau", "1") else 2
        return Period("half", year, half, date(year, 1 if half == 1 else 7, 1),
                      date(year, 6, 30) if half == 1 else date(year, 12, 31))
    for regex, kind, order in ((_PERIOD_MONTH, "month", (2, 1)), (_PERIOD_MONTH_ISO, "month", (1, 2)),
                               (_PERIOD_QUARTER, "quarter", (2, 1)),
                               (_PERIOD_QUARTER_ISO, "quarter", (1, 2)),
                               (_PERIOD_YEAR, "year", (1, 0))):
        m = regex.fullmatch(f)
        if not m:
            continue
        year = int(m.group(order[0]))
        number = int(m.group(order[1])) if order[1] else 0
        if not 2000 <= year <= 2100:
            break
        if kind == "month" and 1 <= number <= 12:
            return month_period(year, number)
        if kind == "quarter":
            first = 3 * (number - 1) + 1
            return Period("quarter", year, number, date(year, first, 1),
                          month_period(year, first + 2).end)
        if kind == "year":
            return Period("year", year, 0, date(year, 1, 1), date(year, 12, 31))
        break
    relative = _relative_period(f, today)
    if relative is not None:
        return relative
    raise InvalidInput(T.PERIOD_INVALID, value=_show(raw))


# ---------------------------------------------------------------- the service
def _view(r: Report, unit_path: str = "") -> ReportView:
    return ReportView(r.id, r.unit_id, r.unit.name if r.unit else "", r.member_id,
                      r.member.full_name if r.member else "", r.activity_date, r.form, r.content,
                      r.participants, r.note, tuple(r.photos or ()), r.created_at, r.updated_at,
                      r.deleted_at, unit_path or (r.unit.name if r.unit else ""))


def _snapshot(r: Report) -> dict:
    return {"activity_date": r.activity_date.isoformat(), "form": r.form, "content": r.content,
            "participants": r.participants, "note": r.note, "photos": list(r.photos or ()),
            "deleted_at": r.deleted_at.isoformat() if r.deleted_at else None}


class ReportsService:
    def __init__(self, db: Database, settings: Settings, members: MembersService):
        self.db = db
        self.settings = settings
        self.members = members

    # ------------------------------------------------------------ helpers
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def today(self) -> date:
        return datetime.now(self.settings.tz).date()

    def rules(self, today: date | None = None) -> Rules:
        s = self.settings
        return Rules(today or self.today(), tuple(s.report_forms), s.report_max_age_days,
                     s.report_content_max)

    def reporter(self, telegram_id: int):
        """The active member of a unit sending a report (refuses non-members and unit-less)."""
        m = self.members.require_member(telegram_id)
        if m.unit_id is None:
            raise NotAllowed(T.NO_UNIT)
        return m

    def parse(self, text: str, today: date | None = None) -> ParsedReport:
        """Parse a quick line or raise InvalidInput naming the field, with an example line."""
        rules = self.rules(today)
        result = parse_quick(text, rules)
        if isinstance(result, FieldError):
            raise result.error(rules.today)
        return result

    def _lock(self, q):
        return q.with_for_update() if self.db.backend == "postgresql" else q

    def _duplicate(self, s: Session, unit_id: int, r: ParsedReport,
                   exclude: int | None = None) -> Report | None:
        q = select(Report).where(Report.unit_id == unit_id,
                                 Report.activity_date == r.activity_date,
                                 Report.form == r.form, Report.deleted_at.is_(None))
        if exclude is not None:
            q = q.where(Report.id != exclude)
        for other in s.scalars(q.order_by(Report.id)):
            if similar(other.content, r.content):
                return other
        return None

    # ------------------------------------------------------------ entry
    def draft_quick(self, telegram_id: int, text: str) -> DraftView:
        """Validate a quick line from a member and keep it as a draft awaiting ✅."""
        member = self.reporter(telegram_id)
        return self.create_draft(telegram_id, self.parse(text), member)

    def draft_free_text(self, telegram_id: int, text: str,
                        photos: tuple[str, ...] = ()) -> DraftView | None:
        """A message that reads like a report (or a photo's caption): a draft to confirm, or
        None when it does not read like one. Refuses (NotAllowed) someone who cannot report."""
        report = read_free_report(text, self.rules(), self.settings.report_forms)
        if report is None:
            return None
        member = self.reporter(telegram_id)
        if photos:
            report = ParsedReport(**{**asdict(report), "photos": tuple(photos)[:MAX_PHOTOS]})
        return self.create_draft(telegram_id, report, member)

    def create_draft(self, telegram_id: int, report: ParsedReport, member=None) -> DraftView:
        member = member or self.reporter(telegram_id)
        if len(report.photos) > MAX_PHOTOS:
            report = ParsedReport(**{**asdict(report), "photos": report.photos[:MAX_PHOTOS]})
        with self.db.session() as s:
            d = ReportDraft(member_id=member.id, unit_id=member.unit_id,
                            payload=report.to_payload(), status=DRAFT_PENDING)
            s.add(d)
            s.flush()
            dup = self._duplicate(s, member.unit_id, report)
            return DraftView(d.id, member.unit_name or "", report, _view(dup) if dup else None)

    def confirm(self, telegram_id: int, draft_id: int, force: bool = False) -> Confirmation:
        """Save a draft as a report exactly once; only its author can, and a repeat saves nothing."""
        try:
            with self.db.session() as s:
                d = s.scalar(self._lock(select(ReportDraft).where(ReportDraft.id == draft_id)))
                m = s.scalar(select(Member).where(Member.telegram_id == telegram_id))
                if d is None or m is None or d.member_id != m.id:
                    raise NotFound(T.DRAFT_NOT_FOUND)
                if d.status == DRAFT_SAVED:
                    r = s.scalar(select(Report).where(Report.draft_id == d.id))
                    return Confirmation(CONFIRM_ALREADY, d.id, _view(r) if r else None)
                if d.status == DRAFT_CANCELLED:
                    return Confirmation(CONFIRM_CANCELLED, d.id)
                if not m.active:
                    raise NotAllowed(TC.DEACTIVATED,
                                     board=self.members.serving_board(m.telegram_id))
                parsed = ParsedReport.from_payload(d.payload)
                if not force:
                    dup = self._duplicate(s, d.unit_id, parsed)
                    if dup is not None:
                        return Confirmation(CONFIRM_DUPLICATE, d.id, duplicate=_view(dup))
                    if parsed.participants > PLAUSIBLE_PARTICIPANTS:   # 4.200 for 42?
                        return Confirmation(CONFIRM_LARGE, d.id)
                r = Report(unit_id=d.unit_id, member_id=d.member_id, draft_id=d.id,
                           activity_date=parsed.activity_date, form=parsed.form,
                           content=parsed.content, participants=parsed.participants,
                           note=parsed.note, photos=list(parsed.photos), created_at=utcnow())
                s.add(r)
                s.flush()
                s.add(ReportAudit(report_id=r.id, member_id=m.id, action="create", before=None,
                                  after=_snapshot(r)))
                d.status = DRAFT_SAVED
                return Confirmation(CONFIRM_SAVED, d.id, _view(r))
        except IntegrityError:
            # A concurrent press won the unique draft_id: report what it saved.
            with self.db.session() as s:
                r = s.scalar(select(Report).where(Report.draft_id == draft_id))
                if r is None:
                    raise
                return Confirmation(CONFIRM_ALREADY, draft_id, _view(r))

    def cancel_pending(self, telegram_id: int) -> int:
        """/huy with a report waiting for ✅: drop this member's pending drafts of the last day
        (a saved report stays saved); how many were dropped."""
        member = self.members.get(telegram_id)
        if member is None:
            return 0
        since = utcnow() - timedelta(days=1)
        with self.db.session() as s:
            return s.execute(update(ReportDraft).where(
                ReportDraft.member_id == member.id, ReportDraft.status == DRAFT_PENDING,
                ReportDraft.created_at >= since).values(status=DRAFT_CANCELLED)).rowcount

    def cancel(self, telegram_id: int, draft_id: int) -> Confirmation:
        """Drop a pending draft; a saved one stays saved."""
        member = self.members.get(telegram_id)
        with self.db.session() as s:
            d = s.scalar(self._lock(select(ReportDraft).where(ReportDraft.id == draft_id)))
            if d is None or member is None or d.member_id != member.id:
                raise NotFound(T.DRAFT_NOT_FOUND)
            if d.status == DRAFT_SAVED:
                r = s.scalar(select(Report).where(Report.draft_id == d.id))
                return Confirmation(CONFIRM_ALREADY, d.id, _view(r) if r else None)
            d.status = DRAFT_CANCELLED
            return Confirmation(CONFIRM_CANCELLED, d.id)

    # ------------------------------------------------------------ own reports
    def _editable(self, r: Report, member_id: int, now: datetime) -> bool:
        return (r.member_id == member_id and r.deleted_at is None
                and now - r.created_at <= timedelta(hours=self.settings.report_edit_hours))

    def recent(self, telegram_id: int, limit: int = 10) -> OwnReports:
        """The unit's latest reports, newest first, each marked editable or not for this member."""
        member = self.reporter(telegram_id)
        now = self.now()
        with self.db.read() as s:
            rows = s.scalars(select(Report).where(Report.unit_id == member.unit_id,
                                                  Report.deleted_at.is_(None))
                             .order_by(Report.activity_date.desc(), Report.id.desc()).limit(limit))
            items = [(_view(r), self._editable(r, member.id, now)) for r in rows]
        return OwnReports(member.unit_name or "", items, self.settings.report_edit_hours)

    def _own(self, s: Session, telegram_id: int, report_id: int,
             lock: bool = True) -> tuple[Report, int]:
        member = self.reporter(telegram_id)
        q = select(Report).where(Report.id == report_id)
        r = s.scalar(self._lock(q) if lock else q)
        if r is None or r.deleted_at is not None or r.unit_id != member.unit_id:
            raise NotFound(T.REPORT_NOT_FOUND, id=report_id)
        if r.member_id != member.id:
            raise NotAllowed(T.NOT_YOURS, id=report_id)
        if not self._editable(r, member.id, self.now()):
            raise NotAllowed(T.EDIT_WINDOW_OVER, id=report_id,
                             hours=self.settings.report_edit_hours)
        return r, member.id

    def editable(self, telegram_id: int, report_id: int) -> ReportView:
        """The report if this member may still change it (else NotFound/NotAllowed)."""
        with self.db.read() as s:
            r, _ = self._own(s, telegram_id, report_id, lock=False)
            return _view(r)

    def edit(self, telegram_id: int, report_id: int, text: str) -> ReportView:
        """Replace a report's fields from a new quick line; the change is audited."""
        parsed = self.parse(text)
        with self.db.session() as s:
            r, member_id = self._own(s, telegram_id, report_id)
            before = _snapshot(r)
            r.activity_date, r.form, r.content = parsed.activity_date, parsed.form, parsed.content
            r.participants, r.note = parsed.participants, parsed.note
            r.updated_at = utcnow()
            s.add(ReportAudit(report_id=r.id, member_id=member_id, action="edit", before=before,
                              after=_snapshot(r)))
            s.flush()
            return _view(r)

    def delete(self, telegram_id: int, report_id: int) -> ReportView:
        """Soft-delete a report (kept for the audit trail)."""
        with self.db.session() as s:
            r, member_id = self._own(s, telegram_id, report_id)
            before = _snapshot(r)
            r.deleted_at = utcnow()
            s.add(ReportAudit(report_id=r.id, member_id=member_id, action="delete",
                              before=before, after=_snapshot(r)))
            s.flush()
            return _view(r)

    # ------------------------------------------------------------ board
    def _check_admin(self, actor_tid: int | None) -> None:
        # None is the local operator (CLI); chat callers always pass their Telegram id.
        if actor_tid is not None:
            self.members.require_admin(actor_tid)

    def period(self, text: str | None) -> Period:
        return parse_period(text, self.today())

    def _scope(self, scope: Scope | None, actor_tid: int | None) -> Scope | None:
        """The caller's scope: given, read fresh for a chat user, or None (the local operator)."""
        if scope is None and actor_tid is not None:
            return self.members.scope(actor_tid)
        return scope

    def _viewed(self, tree: _Tree, scope: Scope | None, unit_id: int | None) -> int | None:
        """The unit a board looks at: `unit_id` if inside its scope, else the scope's unit."""
        if unit_id is not None:
            if unit_id not in tree.name:
                raise NotFound(T.UNIT_UNKNOWN, name=str(unit_id))
            if scope is not None and not scope.covers(unit_id):
                raise NotAllowed(T.UNIT_OUT_OF_SCOPE, name=tree.name[unit_id])
            return unit_id
        if scope is not None and scope.unit_id is not None:
            return scope.unit_id
        roots = tree.children(None)
        if len(roots) == 1 and tree.children(roots[0]):
            return roots[0]   # one province at the top: its communes are the rows
        return None

    def _expected(self, s: Session, tree: _Tree, ids, reported: set[int]) -> set[int]:
        """Units expected to report: active ones without an active unit below (a chi bộ; every
        unit of a flat list), those with an active reporter, and any unit that did report."""
        q = select(Member.unit_id).where(Member.is_reporter.is_(True), Member.active.is_(True),
                                         Member.unit_id.is_not(None)).distinct()
        ids = list(ids)
        if len(ids) <= 900:
            q = q.where(Member.unit_id.in_(sorted(ids)))
        reporters = set(s.connection().execute(q).scalars())
        out = set()
        for u in ids:
            if u in reported:
                out.add(u)
            elif tree.active[u] and (u in reporters or not any(
                    tree.active[c] for c in tree.children(u))):
                out.add(u)
        return out

    def find_unit(self, scope: Scope | None, ref: str) -> UnitRef:
        """A unit named (folded exact name, id, or a unique part of a name) inside the scope.

        A unit that exists outside the scope is refused by name (NotAllowed); a partial name
        is matched only inside the scope, so nothing outside it is revealed."""
        name = clean(ref)
        f = fold(name).strip()
        with self.db.read() as s:
            tree = _Tree(s)
        inside = (lambda u: True) if scope is None else scope.covers
        ids = list(tree.name)
        exact = [u for u in ids if fold(tree.name[u]) == f] or (
            [int(f)] if f.isdigit() and int(f) in tree.name else [])
        if exact:
            mine = [u for u in exact if inside(u)]
            if not mine:
                raise NotAllowed(T.UNIT_OUT_OF_SCOPE, name=_show(name, 80))
            return tree.ref(mine[0])
        partial = [u for u in ids if f and f in fold(tree.name[u]) and inside(u)]
        if len(partial) == 1:
            return tree.ref(partial[0])
        raise NotFound(T.UNIT_UNKNOWN, name=_show(name, 80))

    def view(self, scope: Scope | None, text: str | None) -> tuple[UnitRef | None, Period]:
        """Split `/tonghop [unit] [period]` arguments: a period alone, a unit alone, or both."""
        raw = clean(text or "")
        if not raw:
            return None, self.period("")
        try:
            return None, self.period(raw)
        except InvalidInput:
            pass
        words = raw.split()
        for cut in range(1, len(words)):
            head, tail = " ".join(words[:cut]), " ".join(words[cut:])
            try:
                period = self.period(tail)
            except InvalidInput:
                continue
            try:   # "Chi bộ Tổ T3" is a unit, not "Chi bộ Tổ" in March
                return self.find_unit(scope, head), period
            except NotFound:
                continue
        try:
            return self.find_unit(scope, raw), self.period("")
        except NotFound:
            # Neither a unit nor a period: if it was meant as a period, say what one looks like.
            if _LOOKS_LIKE_PERIOD.match(fold(raw)):
                self.period(raw)
            raise

    def reports(self, period: Period, actor_tid: int | None = None, *,
                scope: Scope | None = None, unit_id: int | None = None) -> list[ReportView]:
        """Every live report of the period in the viewed subtree, by unit path then date.

        The subtree is the scope's (or `unit_id`'s, which must be inside the scope); without a
        scope (the command line) the whole tree. Each row carries the unit's path."""
        scope = self._scope(scope, actor_tid)
        with self.db.read() as s:
            tree = _Tree(s)
            viewed = self._viewed(tree, scope, unit_id)
            q = (select(Report).options(joinedload(Report.unit), joinedload(Report.member))
                 .where(Report.deleted_at.is_(None), Report.activity_date >= period.start,
                        Report.activity_date <= period.end))
            ids = set(tree.subtree(viewed))
            if viewed is not None and len(ids) <= 900:
                q = q.where(Report.unit_id.in_(sorted(ids)))
            rows = [r for r in s.scalars(q) if r.unit_id in ids]
            rows.sort(key=lambda r: (fold(tree.path(r.unit_id)), r.activity_date, r.id))
            return [_view(r, tree.path(r.unit_id)) for r in rows]

    def summary(self, period: Period, scope: Scope | int | None = None,
                unit_id: int | None = None) -> Summary:
        """A period's reports as one board sees them, rolled up by the next level down.

        For the desk (web dashboard) and the chat alike:
        - `scope`: the viewer's Scope from MembersService.scope(telegram_id), read fresh per
          request; None is the top-level board (the command line). A Telegram id is accepted
          too and turned into its scope.
        - `unit_id`: drill down into that unit; it must be inside the scope, else NotAllowed
          (NotFound if there is no such unit). Default: the scope's unit; for the top-level
          board the whole tree, or the single top-level unit when there is only one (a
          province), so the rows are its communes.
        - Rows (`Summary.units`): one per child unit of the viewed unit, each rolled up over its
          whole subtree (count, participants, by_form, units_in_subtree, units_reported), plus
          an `own=True` row when the viewed unit filed reports itself. Rows sum to the totals.
        - Units "expected to report" (the denominators) are active units with no active unit
          below them, plus units with an active reporter and any unit that reported; `silent`
          lists those of the viewed subtree with no report in the period, with their paths.
        """
        if isinstance(scope, int):
            scope = self.members.scope(scope)
        with self.db.read() as s:
            tree = _Tree(s)
            viewed = self._viewed(tree, scope, unit_id)
            ids = tree.subtree(viewed)
            q = (select(Report.unit_id, Report.form, func.count(Report.id),
                        func.coalesce(func.sum(Report.participants), 0))
                 .where(Report.deleted_at.is_(None), Report.activity_date >= period.start,
                        Report.activity_date <= period.end))
            if viewed is not None and len(ids) <= 900:
                q = q.where(Report.unit_id.in_(sorted(ids)))
            idset = set(ids)
            rows = [r for r in s.execute(q.group_by(Report.unit_id, Report.form)).all()
                    if r[0] in idset]
            reported = {r[0] for r in rows}
            expected = self._expected(s, tree, ids, reported)
        per_row: dict[int, UnitSummary] = {}

        def row(uid: int) -> UnitSummary:
            r = per_row.get(uid)
            if r is None:
                r = per_row[uid] = UnitSummary(uid, tree.name[uid], tree.path(uid),
                                               own=uid == viewed)
            return r

        for c in tree.children(viewed):
            if tree.active[c]:
                row(c)
        by_form: dict[str, FormTotal] = {f: FormTotal() for f in self.settings.report_forms}
        for uid, form, count, people in rows:
            r = row(tree.top_of(uid, viewed))
            r.count += count
            r.participants += int(people)
            ft = r.by_form.setdefault(form, FormTotal())
            ft.count += count
            ft.participants += int(people)
            total = by_form.setdefault(form, FormTotal())
            total.count += count
            total.participants += int(people)
        for uid in expected:
            r = row(tree.top_of(uid, viewed))
            r.units_in_subtree += 1
            r.units_reported += uid in reported
        ordered = sorted(per_row.values(), key=lambda u: (not u.own, fold(u.name)))
        silent = sorted((tree.ref(u) for u in expected - reported), key=lambda u: fold(u.path))
        return Summary(period, tree.ref(scope.unit_id) if scope else None, tree.ref(viewed),
                       ordered, sum(u.count for u in ordered),
                       sum(u.participants for u in ordered), by_form,
                       len(expected), len(expected & reported), silent)

    def board_summary(self, telegram_id: int, text: str | None) -> Summary:
        """`/tonghop [unit] [period]`: the admin's scope read fresh, the unit checked against it."""
        scope = self.members.scope(telegram_id)
        unit, period = self.view(scope, text)
        return self.summary(period, scope, unit.unit_id if unit else None)

    def board_reports(self, telegram_id: int,
                      text: str | None) -> tuple[Period, UnitRef | None, list[ReportView]]:
        """`/xuatbaocao [unit] [period]`: the period's reports of the admin's (sub)tree."""
        scope = self.members.scope(telegram_id)
        unit, period = self.view(scope, text)
        items = self.reports(period, scope=scope, unit_id=unit.unit_id if unit else None)
        return period, unit, items

    # ------------------------------------------------------------ reminders
    def purge_drafts(self, days: int = 7, now: datetime | None = None) -> int:
        """Delete drafts never saved (pending or cancelled) older than `days`; saved ones stay,
        since their report points at them. A ✅ on a purged draft is answered as not found."""
        cutoff = (now or self.now()) - timedelta(days=days)
        with self.db.session() as s:
            return s.execute(delete(ReportDraft).where(
                ReportDraft.status != DRAFT_SAVED, ReportDraft.created_at < cutoff,
                ~exists().where(Report.draft_id == ReportDraft.id))).rowcount or 0

    def reminder_clock(self) -> time:
        """LOA_REMINDER_TIME as a time (checked when the settings were read)."""
        return time.fromisoformat(self.settings.reminder_time)

    def reminder_due(self, now: datetime) -> bool:
        """From LOA_REMINDER_DAY (capped at the month's last day) and time on, in LOA_TIMEZONE."""
        local = now.astimezone(self.settings.tz)
        last = calendar.monthrange(local.year, local.month)[1]
        day = max(1, min(self.settings.reminder_day, last))
        return local.day > day or (local.day == day and local.time() >= self.reminder_clock())

    def claim_reminders(self, now: datetime | None = None) -> ReminderRun:
        """Units to remind this month (no report yet, not reminded yet), claimed in the database.

        The Reminder row is written before anything is sent, so a restart or a second bot process
        never reminds a unit twice in a month; a crash between claim and send loses one reminder
        rather than repeating it.
        """
        now = now or self.now()
        local = now.astimezone(self.settings.tz).date()
        period = month_period(local.year, local.month)
        run = ReminderRun(period, self.reminder_due(now))
        if not run.due:
            return run
        with self.db.session() as s:
            reported = set(s.scalars(select(Report.unit_id).where(
                Report.deleted_at.is_(None), Report.activity_date >= period.start,
                Report.activity_date <= period.end).distinct()))
            done = set(s.scalars(select(Reminder.unit_id).where(Reminder.period == period.key)))
            tree = _Tree(s)
            expected = self._expected(s, tree, list(tree.name), reported)
            units = s.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.name))
            for unit in units:
                # A commune whose chi bộ report for it is not reminded itself (unless it has
                # a reporter of its own).
                if unit.id in reported or unit.id in done or unit.id not in expected:
                    continue
                try:
                    with s.begin_nested():
                        s.add(Reminder(unit_id=unit.id, period=period.key, sent_at=utcnow()))
                except IntegrityError:
                    continue  # another process claimed it
                people = s.execute(select(Member.id, Member.chat_id, Member.full_name).where(
                    Member.unit_id == unit.id, Member.is_reporter.is_(True),
                    Member.active.is_(True)).order_by(Member.id)).all()
                if people:
                    run.reminded.append(ReminderTarget(unit.id, unit.name, tuple(
                        Recipient(mid, chat, name) for mid, chat, name in people)))
                else:
                    run.no_reporter.append(unit.name)
        return run


    def claim_board_reminders(self, now: datetime | None = None) -> list[BoardNotice]:
        """Each board (of a unit, and the top-level board) with silent units in its subtree this
        month, claimed in the database before anything is sent: told once, even across a
        restart or a second process (a crash after the claim loses one notice, never repeats)."""
        now = now or self.now()
        local = now.astimezone(self.settings.tz).date()
        period = month_period(local.year, local.month)
        if not self.reminder_due(now):
            return []
        out: list[BoardNotice] = []
        with self.db.session() as s:
            tree = _Tree(s)
            reported = set(s.scalars(select(Report.unit_id).where(
                Report.deleted_at.is_(None), Report.activity_date >= period.start,
                Report.activity_date <= period.end).distinct()))
            silent = self._expected(s, tree, list(tree.name), reported) - reported
            if not silent:
                return out
            reporters = set(s.scalars(select(Member.unit_id).where(
                Member.is_reporter.is_(True), Member.active.is_(True),
                Member.unit_id.is_not(None)).distinct()))
            boards: dict[int | None, set[int]] = {None: set()}
            admins = s.execute(select(Member.telegram_id, Member.chat_id, Member.board_unit_id)
                               .where(Member.role == ROLE_ADMIN, Member.active.is_(True))).all()
            for _, chat, board in admins:
                if board is None or board in tree.name:   # never widen a lost unit to the top
                    boards.setdefault(board, set()).add(chat)
            known = {tid for tid, _, _ in admins}
            boards[None].update(t for t in self.members.admin_ids if t not in known)
            done = set(s.scalars(select(BoardReminder.board).where(
                BoardReminder.period == period.key)))
            for board, chats in sorted(boards.items(), key=lambda kv: (kv[0] is not None,
                                                                      kv[0] or 0)):
                key = "top" if board is None else f"unit:{board}"
                here = sorted((u for u in silent & set(tree.subtree(board))),
                              key=lambda u: fold(tree.path(u)))
                if not chats or not here or key in done:
                    continue
                try:
                    with s.begin_nested():
                        s.add(BoardReminder(board=key, period=period.key, sent_at=utcnow()))
                except IntegrityError:
                    continue  # another process told this board
                out.append(BoardNotice(
                    tree.ref(board), tuple(sorted(chats)),
                    tuple(tree.ref(u) for u in here if u in reporters),
                    tuple(tree.ref(u) for u in here if u not in reporters)))
        return out
