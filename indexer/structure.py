"""Structure of Vietnamese Party and State documents: header, bases, body levels, recipients, signature,
attached documents (Quy chế, Quy định, Điều lệ, Kế hoạch…), appendices and footnotes.

`parse_document` turns the plain text of one file into its `DocumentInfo`, its chunks (each with a
heading path and verbatim text) and its key-point outline. The layout follows the rules for Party
documents (Quy định 66-QĐ/TW, Hướng dẫn 36-HD/VPTW) and State documents (Nghị định 30/2020/NĐ-CP):
issuing body under its parent, number, place and date, a type line (none in a công văn: "V/v …" and
"Kính gửi"), title, legal bases, body (Phần / Chương / Mục / Điều / khoản / điểm, or I. / 1. / a) / –),
"Nơi nhận", the signature block; then, after the signature, what the document issues ("ban hành kèm
theo"), its appendices (Phụ lục, Mẫu số) and its footnotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from indexer.text import fold, nfc

CHUNKER_VERSION = "6"
MAX_CHUNK_CHARS = 1200
PATH_SEP = " › "

HEADER_PATH = "Tiêu đề"
BASIS_PATH = "Căn cứ ban hành"
PREAMBLE_PATH = "Mở đầu"
CONTENT_PATH = "Nội dung"
ADDRESSEES_PATH = "Kính gửi"
RECIPIENTS_PATH = "Nơi nhận"
SIGNATURE_PATH = "Người ký"
FOOTNOTES_PATH = "Chú thích"

_TYPE_NAMES = (
    "Kế hoạch", "Chỉ thị", "Hướng dẫn", "Quy chế", "Quyết định", "Nghị quyết", "Thông báo", "Báo cáo",
    "Quy định", "Kết luận", "Chương trình", "Thông tri", "Công văn", "Tờ trình", "Đề án", "Thông tư",
    "Nghị định", "Luật", "Công điện", "Điều lệ", "Nội quy",
)
_TYPES = {fold(t): t for t in _TYPE_NAMES}
# What a decision issues "kèm theo" itself: a document of its own after the signature.
_ATTACHED_TYPES = {fold(t): t for t in (
    "Quy chế", "Quy định", "Điều lệ", "Kế hoạch", "Hướng dẫn", "Chương trình", "Đề án", "Nội quy",
    "Danh mục", "Quy trình", "Tiêu chí", "Bộ tiêu chí",
)}
_MOTTO = {fold(m) for m in ("ĐẢNG CỘNG SẢN VIỆT NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")}

_MD_HEADING = re.compile(r"^(#{1,6})\s+")
_BULLET = re.compile(r"^[-–•+*]\s*")
_PART_WORD = re.compile(r"^(?P<label>(?:PHẦN|Phần)\s+(?:[IVX]{1,5}|\d{1,2}|thứ\s+\w+|THỨ\s+\w+))\.?\s*[:.\-–]?\s*(?P<text>.*)$")
_CHAPTER = re.compile(r"^(?P<label>(?:CHƯƠNG|Chương)\s+(?:[IVX]{1,5}|\d{1,2}))\.?\s*[:.\-–]?\s*(?P<text>.*)$")
_SECTION = re.compile(r"^(?P<label>(?:MỤC|Mục)\s+(?:[IVX]{1,5}|\d{1,2}))\.?\s*[:.\-–]?\s*(?P<text>.*)$")
_ROMAN = re.compile(r"^(?P<label>[IVX]{1,5}[.\-–])\s*(?P<text>\S.*)$")
_ARTICLE = re.compile(r"^(?P<label>Điều\s+\d{1,3}[a-z]?\.?)\s*(?P<text>.*)$")
_SUBNUM3 = re.compile(r"^(?P<label>\d{1,2}\.\d{1,2}\.\d{1,2}\.?)\s+(?P<text>\S.*)$")
_SUBNUM = re.compile(r"^(?P<label>\d{1,2}\.\d{1,2}\.?)\s+(?P<text>\S.*)$")
_ITEM = re.compile(r"^(?P<label>\d{1,2}\.)\s*(?P<text>\S.*)$")
_LETTER = re.compile(r"^(?P<label>[a-zđ]\))\s*(?P<text>\S.*)$")
# Ranks of the body levels: a line opens a node below every open node of a smaller rank.
_RANKS = ((_PART_WORD, 0), (_CHAPTER, 1), (_ROMAN, 1), (_SECTION, 2), (_ARTICLE, 3), (_SUBNUM3, 6),
          (_SUBNUM, 5), (_ITEM, 4), (_LETTER, 7))
_HEADING_RANKS = 2  # Phần, Chương, roman parts and Mục are headings; an Điều and below is content

_BASIS = re.compile(r"^(?:Căn cứ|Thực hiện|Xét|Theo đề nghị|Thi hành|Trên cơ sở|Triển khai)\b", re.IGNORECASE)
_NUMBER_LINE = re.compile(r"^Số\s*[:.]?\s*(?P<rest>.*)$")
_LEGAL_NUMBER = re.compile(r"(?P<n>\d+)\s*/\s*(?P<y>\d{4})\s*/\s*(?P<s>[A-ZĐ]+(?:\s*-\s*[A-ZĐ][A-Za-zĐđ]*)+)")
_STATE_NUMBER = re.compile(r"(?P<n>\d+)\s*/\s*(?P<s>[A-ZĐ][A-Za-zĐđ0-9&]*(?:\s*-\s*[A-ZĐ][A-Za-zĐđ0-9&]*)*)")
_PARTY_NUMBER = re.compile(r"(?P<n>\d+)?\s*[*…._]*\s*-\s*(?P<s>[A-ZĐ]+(?:/[A-ZĐ]+)+(?:-[A-ZĐ]+)*)")
_PLACE_DATE = re.compile(r"^(?P<place>[^,\d]{2,40}),\s*(?P<date>ngày\b.*)$", re.IGNORECASE)
_DATE_PARTS = re.compile(r"ngày\s*(?P<d>\d{1,2})?\s*tháng\s*(?P<m>\d{1,2})?\s*năm\s*(?P<y>\d{4})", re.IGNORECASE)
_SUBJECT = re.compile(r"^(?:V/v|V/V|Về việc)\s*[:.]?\s*(?P<text>.*)$")
_ADDRESSEES = re.compile(r"^(?:Kính gửi|KÍNH GỬI)\s*:?\s*(?P<text>.*)$")
_WIRED_TO = re.compile(r"\bđiện\s*:\s*$")  # "THỦ TƯỚNG CHÍNH PHỦ điện:" opens a công điện's addressees
_RECIPIENTS = re.compile(r"^Nơi nhận\s*:?", re.IGNORECASE)
_SIGN_START = re.compile(r"^(?:T/M|K/T|TM\.|KT\.|TL\.|TUQ\.|Q\.|T\.M\.|K\.T\.)\s*\S")
_FOOTNOTE = re.compile(r"^\[(?:\d{1,3}|[ivxIVX]{1,5})\]\s*\S")
_APPENDIX = re.compile(r"^(?:PHỤ LỤC|Phụ lục|PHỤ BIỂU|Phụ biểu)(?:\s+(?:SỐ|số)?\s*[IVX0-9]{1,5}[A-Za-z]?)?\s*[:.\-–]?\s*$|"
                       r"^(?:PHỤ LỤC|PHỤ BIỂU)\b[^a-zà-ỹđ]{0,120}$")
_FORM = re.compile(r"^(?:Mẫu số|MẪU SỐ|Mẫu|MẪU)\s*[:.]?\s*\d{1,2}[A-Za-z]?\b(?P<text>.*)$")
_ISSUED_WITH = re.compile(r"^\(\s*(?:Ban hành|ban hành|Kèm theo|kèm theo|Ban hành kèm theo)\b", re.IGNORECASE)
# The office whose name opens the decision part ("TỔNG KIỂM TOÁN NHÀ NƯỚC", "CHÍNH PHỦ"), not the title.
_ORGAN_IN_TEXT = re.compile(r"Ban Thường vụ (Thị ủy|Tỉnh ủy|Huyện ủy|Thành ủy|Đảng ủy)")

# Canonical spelling of organ heads met in upper-case header lines.
_ORGANS = [
    "Ban Tuyên giáo và Dân vận", "Ban Tuyên giáo", "Ban Thường vụ", "Ban Chấp hành", "Ban Tổ chức", "Ban Dân vận",
    "Ban Bí thư", "Ban Chỉ đạo", "Ủy ban nhân dân", "Uỷ ban nhân dân", "Hội đồng nhân dân", "Mặt trận Tổ quốc",
    "Văn phòng", "Trung tâm", "Thị ủy", "Tỉnh ủy", "Huyện ủy", "Thành ủy", "Đảng ủy", "Đảng bộ", "Trung ương",
    "Chính phủ", "Thủ tướng", "Kiểm toán nhà nước", "Bộ", "Sở", "Cục", "Ban", "Tổng cục", "Viện", "Tòa án",
]
_LEVEL_WORDS = ["thành phố", "thị xã", "tỉnh", "huyện", "xã", "phường", "thị trấn", "đặc khu"]


@dataclass(frozen=True)
class DocumentInfo:
    """What a document is: its identity, as read from its header and signature."""

    doc_id: str
    number: str | None
    doc_type: str | None
    title: str
    date: str | None
    issuer: str | None
    signer: str | None
    signer_role: str | None
    source_file: str
    chunks: int = 0
    place: str | None = None
    attachments: tuple[str, ...] = ()  # types of what it issues "kèm theo" ("Quy chế", "Phụ lục 01")

    @property
    def date_display(self) -> str | None:
        """"19/3/2024", or "tháng 6/2024" when the day is left blank, or the date as written."""
        if not self.date:
            return None
        m = _DATE_PARTS.search(self.date)
        if not m:
            return self.date
        d, mo, y = m.group("d"), m.group("m"), m.group("y")
        if d and mo:
            return f"{int(d)}/{int(mo)}/{y}"
        if mo:
            return f"tháng {int(mo)}/{y}"
        return f"năm {y}"

    @property
    def display(self) -> str:
        """Citation line: "Kế hoạch số …-KH/TU (tháng 6/2024) – Thị ủy Thuận Thành"."""
        if self.doc_type and self.number:
            name = f"{self.doc_type} số {self.number}"
        elif self.doc_type:
            name = f"{self.doc_type} “{_shorten(self.title, 80)}”" if self.title else self.doc_type
        else:
            name = _shorten(self.title, 80) or self.source_file
        if self.date_display:
            name += f" ({self.date_display})"
        if self.issuer:
            name += f" – {self.issuer}"
        return name

    @property
    def short_name(self) -> str:
        """"Quyết định số 98/2025/QĐ-UBND" (type and number), or the title when there is no number."""
        if self.doc_type and self.number:
            return f"{self.doc_type} số {self.number}"
        return self.doc_type or _shorten(self.title, 60) or self.source_file

    def to_dict(self) -> dict:
        out = dict(self.__dict__)
        out["attachments"] = list(self.attachments)
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "DocumentInfo":
        d = dict(d)
        d["attachments"] = tuple(d.get("attachments") or ())
        return cls(**d)


@dataclass(frozen=True)
class Chunk:
    """One searchable passage: verbatim text under a heading path inside one document."""

    id: str
    doc_id: str
    path: tuple[str, ...]
    kind: str  # header | basis | body | recipients | signature | footnote
    text: str
    search_extra: str = ""  # searchable, never shown (e.g. "Cơ quan ban hành: …" on the header)
    part: str = ""  # the attached document it is in ("Quy chế ban hành kèm theo Quyết định số …"); "" = main text

    @property
    def section(self) -> str:
        return PATH_SEP.join(self.path)

    def to_dict(self) -> dict:
        out = {
            "id": self.id, "doc_id": self.doc_id, "path": list(self.path), "kind": self.kind,
            "text": self.text, "search_extra": self.search_extra,
        }
        if self.part:
            out["part"] = self.part
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "Chunk":
        return cls(d["id"], d["doc_id"], tuple(d["path"]), d["kind"], d["text"], d.get("search_extra", ""),
                   d.get("part", ""))


@dataclass(frozen=True)
class KeyPoint:
    """One line of a document's outline: a part, an item or a sub-item."""

    level: int  # 0 part, 1 item, 2 sub-item
    label: str  # "I.", "1.", "a)"
    text: str  # the heading, or the item's first sentence, verbatim
    path: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ParsedDocument:
    info: DocumentInfo
    chunks: list[Chunk]
    keypoints: list[KeyPoint]


class Line(NamedTuple):
    text: str
    md: int = 0  # markdown heading level (0: none)
    row: bool = False  # a table row (cells separated by tabs): never a heading


@dataclass
class _Node:
    rank: int
    label: str = ""
    text: str = ""
    heading_line: str = ""
    lines: list[Line] = field(default_factory=list)
    children: list["_Node"] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return _heading_text(self.heading_line)

    def all_lines(self) -> list[Line]:
        out = [Line(self.heading_line)] if self.heading_line else []
        out += self.lines
        for c in self.children:
            out += c.all_lines()
        return out


def _shorten(s: str, n: int) -> str:
    s = " ".join(s.split())
    if len(s) <= n:
        return s
    cut = s[: n - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def _heading_text(text: str) -> str:
    """A heading fit for a path: short items whole, long ones to their first clause."""
    text = text.replace("\t", " ")
    text = text.strip().rstrip(":;.").strip() if not text.endswith("./.") else text[:-3].strip()
    if len(text) <= 90:
        return text
    m = re.search(r"[;:.](?:\s|$)", text[20:])  # first clause
    if m and 20 + m.start() <= 90:
        return text[: 20 + m.start()]
    return _shorten(text, 80)


def first_sentence(text: str) -> str:
    """The item's first sentence or clause, verbatim (used by key points)."""
    text = text.strip()
    m = re.search(r"(?:[;:]|\.(?=\s|$))", text)
    if m and m.start() >= 15:
        return text[: m.start()].strip()
    return _shorten(text, 250)


def _clean(line: str) -> tuple[str, int]:
    """Strip markdown decoration; return the line and its markdown heading level (0 if none)."""
    line = line.strip()
    level = 0
    m = _MD_HEADING.match(line)
    if m:
        level = len(m.group(1))
        line = line[m.end():]
    line = line.replace("**", "").replace("__", "")
    if line.startswith("> "):
        line = line[2:]
    return " ".join(line.split()) if line.strip() else "", level


def _read_lines(text: str) -> list[Line]:
    """The non-empty lines, cleaned; rows of a data table (a blank-line block with tab-separated cells) marked.

    A table row keeps its tabs (one per cell boundary) and is never read as a heading: "1\tChi tổ chức
    hội nghị" is a row of the table, not item 1 of the document.
    """
    raw = nfc(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[Line] = []
    block: list[str] = []

    def flush() -> None:
        tabbed = sum("\t" in b.strip() for b in block)
        table = tabbed >= 2 or (tabbed == 1 and len(block) > 1 and "\t" in block[0].strip())
        for b in block:
            if table or "\t" in b.strip():
                cells = [" ".join(c.replace("**", "").split()) for c in b.strip().split("\t")]
                while cells and not cells[-1]:
                    cells.pop()
                row = "\t".join(cells)
                if row.strip():
                    out.append(Line(row, 0, True))
                continue
            cleaned, level = _clean(b)
            if cleaned:
                out.append(Line(cleaned, level))
        block.clear()

    for r in raw:
        if r.strip():
            block.append(r)
        else:
            flush()
    flush()
    return out


def _is_upper(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _proper_case(line: str) -> str:
    """"ỦY BAN NHÂN DÂN TỈNH NGHỆ AN" → "Ủy ban nhân dân tỉnh Nghệ An": known organs canonical, the first
    word of an organ's own name capitalised ("Bộ Nội vụ"), level words lower case and the place after them
    titled, abbreviations ("UBND") kept."""
    words = line.split()
    out: list[str] = []
    i = 0
    folded_words = [fold(w) for w in words]
    capitalise_next = False
    place = False
    while i < len(words):
        w = words[i]
        if w.upper() in _KEEP_UPPER:
            out.append(w.upper())
            i += 1
            continue
        if not capitalise_next:
            for canon in sorted(_ORGANS + _LEVEL_WORDS, key=lambda c: -len(c.split())):
                n = len(canon.split())
                if folded_words[i : i + n] == fold(canon).split():
                    out.append(canon)
                    i += n
                    place = canon in _LEVEL_WORDS or canon in _COMMITTEES
                    capitalise_next = not place and canon in _NAMED_ORGANS
                    break
            else:
                canon = ""
            if canon:
                continue
        if place or capitalise_next:
            out.append(w[:1].upper() + w[1:].lower())
            capitalise_next = False
        elif w.lower() == "và":
            out.append("và")
            capitalise_next = True
        else:
            out.append(w.lower())
        i += 1
    text = " ".join(out)
    return text[:1].upper() + text[1:]


# Organ heads whose own name follows ("Bộ Nội vụ", "Sở Y tế"), and abbreviations kept as they are.
_NAMED_ORGANS = frozenset(("Bộ", "Sở", "Cục", "Vụ", "Ban", "Tổng cục", "Viện", "Văn phòng", "Trung tâm"))
_COMMITTEES = frozenset(("Thị ủy", "Tỉnh ủy", "Huyện ủy", "Thành ủy", "Đảng ủy", "Đảng bộ"))
_KEEP_UPPER = frozenset(("UBND", "HĐND", "MTTQ", "TW", "TP", "BCH", "BTV", "ĐBQH", "KTNN", "VPCP"))


def _parse_number(rest: str) -> str | None:
    for pattern, shape in ((_LEGAL_NUMBER, "{n}/{y}/{s}"), (_PARTY_NUMBER, "{n}-{s}"), (_STATE_NUMBER, "{n}/{s}")):
        m = pattern.search(rest)
        if m:
            parts = {k: re.sub(r"\s+", "", v) if v else "…" for k, v in m.groupdict().items()}
            return shape.format(**parts)
    return rest.strip() or None


def _structure(line: Line) -> tuple[int, str, str] | None:
    """(rank, label, text) when the line opens a part, an article, an item or a sub-item."""
    if line.row:
        return None
    for pattern, rank in _RANKS:
        m = pattern.match(line.text)
        if m:
            if pattern is _ROMAN and m.group("label").endswith(("-", "–")) and not _is_upper(m.group("text")[:30]):
                continue  # "I- QUY ĐỊNH CHUNG" is a part; "V- …" in running text is not
            return rank, m.group("label"), m.group("text")
    if line.md:
        return min(line.md - 1, 2), "", line.text
    return None


def slug(stem: str) -> str:
    """A stable ascii id from a file stem: "Kế hoạch 129" → "ke-hoach-129"."""
    s = re.sub(r"[^a-z0-9]+", "-", fold(stem)).strip("-")
    return s or "document"


def _type_of(line: Line) -> tuple[str, str] | None:
    """(type, the rest of the line) for a type line: "QUYẾT ĐỊNH", "THÔNG BÁO KẾT LUẬN", "# QUY CHẾ"."""
    if line.row or not _is_upper(line.text):
        return None
    key = fold(line.text).strip(" .:")
    if key in _TYPES:
        return _TYPES[key], ""
    for t in sorted(_TYPES, key=len, reverse=True):
        if key.startswith(t + " ") and t in ("thong bao", "bao cao"):
            return _TYPES[t], line.text[len(t):].strip()  # "THÔNG BÁO KẾT LUẬN", "BÁO CÁO TÓM TẮT"
    return None


def _attached_type(line: Line) -> str | None:
    """The type of a document a decision issues, on its own line after the signature ("QUY CHẾ")."""
    if line.row or not _is_upper(line.text):
        return None
    key = fold(line.text).strip(" .:")
    return _ATTACHED_TYPES.get(key)


def _is_appendix(line: Line) -> bool:
    return not line.row and bool(_APPENDIX.match(line.text)) and len(line.text) <= 140


def _is_form(line: Line) -> bool:
    """"Mẫu số 01" on a line of its own (or with its short name): a form after the text."""
    return not line.row and bool(_FORM.match(line.text)) and len(line.text) <= 200


_AUTHORITY = re.compile(r"^(?:TRƯỞNG|TỔNG|BỘ TRƯỞNG|CHỦ TỊCH|THỦ TƯỚNG|CHÍNH PHỦ|ỦY BAN|UỶ BAN|HỘI ĐỒNG|BAN |"
                        r"GIÁM ĐỐC|CHÁNH|VIỆN TRƯỞNG|KIỂM TOÁN)")


def _is_name(line: str) -> bool:
    """A signer's name: 2-6 words, capitalised, no digits, not upper case, not in brackets."""
    words = line.split()
    return (1 < len(words) <= 6 and not _is_upper(line) and not line.startswith(("(", "-", "+", "["))
            and not any(c.isdigit() for c in line) and all(w[:1].isupper() for w in words))


# --- the parse -----------------------------------------------------------------------------------------

@dataclass
class _Part:
    """The main text, or one thing after its signature: an attached document, an appendix, the footnotes."""

    kind: str  # main | attached | appendix | footnotes
    lines: list[Line] = field(default_factory=list)
    type_name: str = ""  # attached: "Quy chế"; appendix: "Phụ lục 01"


def _split_parts(lines: list[Line]) -> list[_Part]:
    """Cut the document after its signature block: attached documents, appendices and footnotes.

    The main text ends with its signature (a "T/M", "KT.", "TL." line or an upper-case office after
    "Nơi nhận" or "./.", then the signer's name). What follows is an attached document when a type line
    opens it ("QUY CHẾ", "ĐIỀU LỆ", "KẾ HOẠCH"…), an appendix at "PHỤ LỤC …" or a lone "Mẫu số 01",
    and footnotes at "[1] …". An attached document ends at the next appendix.
    """
    parts = [_Part("main")]
    state = "text"  # text | recipients | signature | after
    ended = False
    for line in lines:
        current = parts[-1]
        if state == "after" or (current.kind != "appendix" and state in ("signature",)):
            if _FOOTNOTE.match(line.text) and not line.row:
                parts.append(_Part("footnotes", [line]))
                state = "after"
                continue
            if current.kind == "footnotes" and not (_attached_type(line) or _is_appendix(line) or _is_form(line)):
                current.lines.append(line)
                continue
        if current.kind in ("main", "attached") or state == "after":
            start_appendix = _is_appendix(line) or (_is_form(line) and (state == "after" or current.kind == "attached")
                                                    and not _FORM.match(line.text).group("text").strip(" :.")[:1])
            attached = _attached_type(line) if (state in ("after", "signature")) else None
            if start_appendix and (state in ("after", "signature") or current.kind == "attached"):
                parts.append(_Part("appendix", [line], _appendix_name(line.text)))
                state, ended = "text", False
                continue
            if attached:
                parts.append(_Part("attached", [line], attached))
                state, ended = "text", False
                continue
        if current.kind == "appendix":
            if _is_appendix(line):
                parts.append(_Part("appendix", [line], _appendix_name(line.text)))
                continue
            current.lines.append(line)
            continue
        if state == "after":
            # Something after the signature that is neither: keep it with the footnotes (rare; never lost).
            if current.kind != "footnotes":
                parts.append(_Part("footnotes"))
            parts[-1].lines.append(line)
            continue
        if state == "signature":
            if _is_name(line.text):
                current.lines.append(line)
                state = "after"
                continue
            if _is_upper(line.text) or line.text.startswith("("):
                current.lines.append(line)
                continue
            state = "after"  # the block ended without a name line
            parts.append(_Part("footnotes", [line]))
            continue
        # text or recipients
        if not line.row and _RECIPIENTS.match(line.text):
            state = "recipients"
        elif not line.row and (_SIGN_START.match(line.text) or (
                (state == "recipients" or ended) and _is_upper(line.text) and len(line.text) <= 90
                and not _BULLET.match(line.text) and not _structure(line) and not _type_of(line))):
            state = "signature"
        current.lines.append(line)
        if line.text.rstrip().endswith("./."):
            ended = True
    return [p for p in parts if p.lines]


def _appendix_name(text: str) -> str:
    """"PHỤ LỤC 01" → "Phụ lục 01"; "PHỤ LỤC" + title words → "Phụ lục"; "Mẫu số 01: …" → "Mẫu số 01"."""
    m = re.match(r"(?i)(phụ lục|phụ biểu)(?:\s+(số\s+)?([IVX0-9]{1,5}[A-Za-z]?))?\b", text)
    if m:
        return m.group(1).capitalize() + (f" {m.group(3)}" if m.group(3) else "")
    m = re.match(r"(?i)(mẫu(?: số)?)\s*[:.]?\s*(\d{1,2}[A-Za-z]?)", text)
    if m:
        return f"Mẫu số {m.group(2)}"
    return _heading_text(text)


def parse_document(text: str, doc_id: str, source_file: str) -> ParsedDocument:
    """Parse the text of one file into document info, chunks and key points."""
    lines = _read_lines(text)
    parts = _split_parts(lines)
    main = parts[0].lines if parts and parts[0].kind == "main" else []
    head = _header(main, source_file)
    chunks: list[Chunk] = []
    keypoints: list[KeyPoint] = []

    def add(path: tuple[str, ...], kind: str, body: list[Line], extra: str = "", part: str = "") -> None:
        for piece in _split(body, MAX_CHUNK_CHARS):
            chunks.append(Chunk(f"{doc_id}:{len(chunks)}", doc_id, path, kind, piece, extra, part))

    if head.header_lines:
        meta = [f"Loại văn bản: {head.doc_type}" if head.doc_type else "",
                f"Số hiệu: {head.number}" if head.number else "",
                f"Cơ quan ban hành: {head.issuer}" if head.issuer else "",
                f"Ngày ban hành: {head.date}" if head.date else "",
                f"Trích yếu: {head.title}" if head.title else ""]
        add((HEADER_PATH,), "header", head.header_lines, ". ".join(m for m in meta if m))
    if head.addressees:
        add((ADDRESSEES_PATH,), "recipients", head.addressees, "Văn bản gửi đến, kính gửi")
    body = _body(main[head.body_start:], conventional=head.doc_type != "Công văn")
    _emit_body(body, (), "", add, keypoints)
    signer, signer_role = _signature(body.signature)

    main_name = head.short_name
    attachments: list[str] = []
    for part in parts[1:]:
        if part.kind == "attached":
            name, title, heading_lines, rest = _attached_heading(part)
            label = f"{part.type_name} ban hành kèm theo {main_name}" if main_name else part.type_name
            attachments.append(part.type_name)
            root = (label,)
            extra = f"{part.type_name} {title}".strip()
            add(root, "header", heading_lines, f"{label}. {extra}", label)
            keypoints.append(KeyPoint(0, "", _shorten(f"{name} {title}".strip(), 250), root[0]))
            inner = _body(rest, conventional=False)
            _emit_body(inner, root, label, add, keypoints, extra=extra, outline_from=1)
        elif part.kind == "appendix":
            name = part.type_name
            attachments.append(name)
            following = part.lines[1] if len(part.lines) > 1 else None
            title = following.text if following is not None and _is_upper(following.text) and not following.row \
                and not _is_form(following) else ""
            root = (_heading_text(f"{name}. {title}" if title else name),)
            keypoints.append(KeyPoint(0, "", _shorten(f"{name} {title}".strip(), 250), root[0]))
            _emit_appendix(part.lines, root, name, f"{name} {title}".strip(), add)
        else:
            add((FOOTNOTES_PATH,), "footnote", part.lines, "Chú thích, ghi chú cuối văn bản")

    info = DocumentInfo(
        doc_id=doc_id, number=head.number, doc_type=head.doc_type, title=head.title, date=head.date,
        issuer=head.issuer or _issuer_in_text(text, head.place), signer=signer, signer_role=signer_role,
        source_file=source_file, place=head.place, attachments=tuple(attachments),
    )
    return ParsedDocument(replace(info, chunks=len(chunks)), chunks, keypoints)


@dataclass
class _Header:
    doc_type: str | None = None
    number: str | None = None
    date: str | None = None
    place: str | None = None
    title: str = ""
    issuer: str | None = None
    header_lines: list[Line] = field(default_factory=list)
    addressees: list[Line] = field(default_factory=list)
    body_start: int = 0

    @property
    def short_name(self) -> str:
        if self.doc_type and self.number:
            return f"{self.doc_type} số {self.number}"
        return self.doc_type or ""


def _header(lines: list[Line], source_file: str) -> _Header:
    """The header block: issuer, number, place and date, the type line and title (or a công văn's V/v
    subject and "Kính gửi")."""
    h = _Header()
    type_at = next((i for i, ln in enumerate(lines[:30]) if _type_of(ln)), None)
    top = lines[: type_at if type_at is not None else min(len(lines), 14)]
    subject_at = next((i for i, ln in enumerate(top) if _SUBJECT.match(ln.text)), None)
    number_at = next((i for i, ln in enumerate(top) if _NUMBER_LINE.match(ln.text)), None)
    addressed_at = next((i for i, ln in enumerate(lines[:16]) if _ADDRESSEES.match(ln.text)), None)
    issuer_lines: list[str] = []
    if type_at is None and number_at is not None and (subject_at is not None or addressed_at is not None):
        # A công văn: no type line; the subject after "V/v" is its title, "Kính gửi" its addressees.
        h.doc_type = "Công văn"
        end = addressed_at if addressed_at is not None else (max(i for i in (number_at, subject_at) if i is not None) + 2)
        for i, ln in enumerate(lines[:end]):
            if (m := _SUBJECT.match(ln.text)) and not h.title:
                h.title = m.group("text").strip()
            elif i == number_at:
                h.number = _parse_number(_NUMBER_LINE.match(ln.text).group("rest"))
            elif (m := _PLACE_DATE.match(ln.text)) and h.date is None:
                h.place, h.date = m.group("place").strip(), " ".join(m.group("date").split())
            elif _is_upper(ln.text) and fold(ln.text) not in _MOTTO and not h.date and not h.number:
                issuer_lines.append(ln.text)
        h.header_lines = lines[:end]
        h.body_start = end
        if addressed_at is not None:
            j = addressed_at + 1
            while j < len(lines) and (_BULLET.match(lines[j].text) or lines[j].text.startswith("(")) \
                    and not _structure(lines[j]):
                j += 1
            h.addressees = lines[addressed_at:j]
            h.body_start = j
    elif type_at is not None:
        doc_type, rest = _type_of(lines[type_at])
        h.doc_type = doc_type
        h.header_lines = lines[: type_at + 1]
        for ln in lines[:type_at]:
            if (m := _NUMBER_LINE.match(ln.text)) and h.number is None:
                h.number = _parse_number(m.group("rest"))
            elif (m := _PLACE_DATE.match(ln.text)) and h.date is None:
                h.place, h.date = m.group("place").strip(), " ".join(m.group("date").split())
            elif _is_upper(ln.text) and fold(ln.text) not in _MOTTO and any(c.isalpha() for c in ln.text) \
                    and h.number is None and h.date is None:
                issuer_lines.append(ln.text)
        j = type_at + 1
        title: list[str] = [rest] if rest else []
        while j < len(lines):
            ln = lines[j]
            if ln.row or _structure(ln) or _BULLET.match(ln.text) or _ADDRESSEES.match(ln.text) \
                    or _WIRED_TO.search(ln.text) or (title and _BASIS.match(ln.text)) or ln.text.startswith("Căn cứ"):
                break
            if title and not (_is_upper(ln.text) and _is_upper(title[-1])) and not ln.text[:1].islower():
                break
            if title and _is_upper(ln.text) and _AUTHORITY.match(ln.text) and j + 1 < len(lines) \
                    and _BASIS.match(_BULLET.sub("", lines[j + 1].text)):
                break  # the office that decides ("TỔNG KIỂM TOÁN NHÀ NƯỚC"): it opens the bases, not the title
            title.append(ln.text)
            h.header_lines.append(ln)
            j += 1
            if len(" ".join(title)) > 600:
                break
        h.title = " ".join(title)
        h.body_start = j
        # A công điện opens with its addressees ("THỦ TƯỚNG CHÍNH PHỦ điện: - …").
        if j < len(lines) and (_WIRED_TO.search(lines[j].text) or _ADDRESSEES.match(lines[j].text)):
            k = j + 1
            while k < len(lines) and _BULLET.match(lines[k].text) and not _structure(lines[k]):
                k += 1
            h.addressees = lines[j:k]
            h.body_start = k
    elif (start := _after_issuing_body(lines, h, issuer_lines)) is not None:
        # No type line, but the header of a Party or State body ("ĐẢNG BỘ XÃ … / ĐẢNG ỦY XÃ / * /
        # ĐẢNG CỘNG SẢN VIỆT NAM"): the title is what follows it ("QUY CHẾ HOẠT ĐỘNG …").
        j = start + 1
        title = [lines[start].text]
        while j < len(lines) and len(" ".join(title)) < 400 and not lines[j].row \
                and not _structure(lines[j]) and not _BULLET.match(lines[j].text) \
                and (_is_upper(lines[j].text) == _is_upper(title[-1])
                     or (j == start + 1 and lines[j].text[:1].islower())):
            title.append(lines[j].text)
            j += 1
        h.title = " ".join(title)
        h.header_lines = lines[:j]
        h.body_start = j
    else:
        h.title = lines[0].text if lines else source_file
        if lines and lines[0].md:  # a markdown title line is the title, not a section
            h.header_lines = [lines[0]]
            h.body_start = 1
    h.issuer = _issuer(issuer_lines)
    return h


# The first line of an issuing body in a header (not of a title: "HỘI NGHỊ …" is not one).
_ISSUING_BODY = re.compile(r"^(?:ĐẢNG BỘ|ĐẢNG ỦY|ĐẢNG UỶ|BAN |TỈNH ỦY|TỈNH UỶ|THÀNH ỦY|THÀNH UỶ|HUYỆN ỦY|"
                           r"THỊ ỦY|QUẬN ỦY|ỦY BAN|UỶ BAN|HỘI ĐỒNG NHÂN DÂN|CHI BỘ|CHI ỦY|MẶT TRẬN|BỘ |"
                           r"SỞ |CHÍNH PHỦ|VĂN PHÒNG|BAN CHẤP HÀNH)")


def _after_issuing_body(lines: list[Line], h: _Header, issuer_lines: list[str]) -> int | None:
    """Where the title starts when the text opens with an issuing body's header but has no type
    line; None when it does not open so (or nothing usable follows). Fills the header's number,
    place and date and the issuer's lines on the way."""
    if not lines or lines[0].md or not _is_upper(lines[0].text) or not _ISSUING_BODY.match(lines[0].text):
        return None
    i = 0
    while i < min(len(lines), 12):
        t = lines[i].text
        if (m := _NUMBER_LINE.match(t)) and h.number is None:
            h.number = _parse_number(m.group("rest"))
        elif (m := _PLACE_DATE.match(t)) and h.date is None:
            h.place, h.date = m.group("place").strip(), " ".join(m.group("date").split())
        elif fold(t) in _MOTTO or not t.strip(" *-–_."):
            pass
        elif _is_upper(t) and not h.date and (i == 0 or _ISSUING_BODY.match(t) or len(issuer_lines) < 2
                                              and len(t) <= 40):
            issuer_lines.append(t)
        else:
            break
        i += 1
    if i >= len(lines) or lines[i].row or _structure(lines[i]) or _BULLET.match(lines[i].text):
        issuer_lines.clear()
        return None
    return i


@dataclass
class _Body:
    root: _Node
    basis: list[Line]
    preamble: list[Line]
    recipients: list[Line]
    signature: list[Line]


def _body(lines: list[Line], conventional: bool = True) -> _Body:
    """The body tree, the legal bases and text before the first heading, "Nơi nhận" and the signature.

    `conventional`: the text before the first heading may open with legal bases ("Căn cứ …", "Thực hiện
    …", "QUYẾT ĐỊNH:"); a công văn and an attached document have no such block.
    """
    root = _Node(rank=-1)
    stack = [root]
    preamble: list[Line] = []
    recipients: list[Line] = []
    signature: list[Line] = []
    mode = "preamble"
    ended = False
    for ln in lines:
        line = ln.text
        if not ln.row and _RECIPIENTS.match(line) and mode != "signature":
            mode = "recipients"
            recipients.append(ln)
            continue
        starts_signature = not ln.row and (bool(_SIGN_START.match(line)) or (
            (mode == "recipients" or ended) and _is_upper(line) and len(line) <= 90 and not _BULLET.match(line)
            and not _structure(ln)))
        if mode != "signature" and starts_signature:
            mode = "signature"
            signature.append(ln)
            continue
        if mode == "recipients":
            recipients.append(ln)
            continue
        if mode == "signature":
            signature.append(ln)
            continue
        st = _structure(ln)
        if st:
            mode = "body"
            rank, label, text_ = st
            node = _Node(rank=rank, label=label, text=text_, heading_line=line)
            while stack[-1].rank >= rank:
                stack.pop()
            stack[-1].children.append(node)
            stack.append(node)
        elif mode == "preamble":
            preamble.append(ln)
        else:
            top = stack[-1]
            # "Chương I" / "NHỮNG QUY ĐỊNH CHUNG": a heading's name on the next line belongs to it.
            if top.rank <= 2 and not top.text and not top.lines and not top.children and _is_upper(line):
                top.text = line
                top.heading_line = f"{top.heading_line.rstrip(' .:')}. {line}"
                continue
            top.lines.append(ln)
        if line.rstrip().endswith("./."):
            ended = True
    basis: list[Line] = []
    if conventional and preamble:
        last = max((i for i, ln in enumerate(preamble) if _BASIS.match(_BULLET.sub("", ln.text))), default=-1)
        if last >= 0:
            k = last + 1
            # The closing line of the bases: "… chỉ đạo triển khai thực hiện như sau:", "QUYẾT ĐỊNH:".
            while k < len(preamble) and len(preamble[k].text) <= 300 and (
                    preamble[k].text.rstrip().endswith((":", ",", ";")) or _is_upper(preamble[k].text)):
                k += 1
            # A closing sentence names who acts ("Ban Thường vụ Thị ủy chỉ đạo tổ chức triển khai thực hiện
            # như sau:"): it opens the content, it is no basis. "QUYẾT ĐỊNH:" (capitals) stays with the bases.
            if k - 1 > last and not _is_upper(preamble[k - 1].text) and preamble[k - 1].text.rstrip().endswith(":"):
                k -= 1
            basis, preamble = preamble[:k], preamble[k:]
    return _Body(root, basis, preamble, recipients, signature)


def _emit_body(body: _Body, root: tuple[str, ...], part: str, add, keypoints: list[KeyPoint],
               extra: str = "", outline_from: int = 0) -> None:
    """Chunks and outline lines of one body (the main text, or an attached document under `root`)."""
    if body.basis:
        add(root + (BASIS_PATH,), "basis", body.basis, extra, part)
    if body.preamble:
        path = PREAMBLE_PATH if body.root.children else CONTENT_PATH
        add(root + (path,) if not root else root, "body", body.preamble, extra, part)
    for node in body.root.children:
        _emit(node, root + (node.heading,), add, extra, part)
    if body.recipients:
        add(root + (RECIPIENTS_PATH,), "recipients", body.recipients,
            "Văn bản được gửi đến, gửi tới các nơi nhận", part)
    if body.signature:
        add(root + (SIGNATURE_PATH,), "signature", body.signature, "Người ký, chức vụ, chữ ký", part)

    def outline(node: _Node, path: tuple[str, ...], depth: int) -> None:
        if depth <= 2:
            text_ = node.text.strip().rstrip(":") if node.rank <= _HEADING_RANKS else first_sentence(node.text)
            keypoints.append(KeyPoint(depth, node.label, text_, PATH_SEP.join(path)))
        for c in node.children:
            outline(c, path + (c.heading,), depth + 1)

    for node in body.root.children:  # an item at the top of a text without parts is still an item (level 1)
        outline(node, root + (node.heading,), outline_from + (0 if node.rank <= _HEADING_RANKS else 1))


def _emit(node: _Node, path: tuple[str, ...], add, extra: str = "", part: str = "") -> None:
    """Chunk a node: an article or item with its sub-items and bullets in one chunk when short, else split."""
    whole = node.all_lines()
    if node.rank > _HEADING_RANKS and len("\n".join(ln.text for ln in whole)) <= MAX_CHUNK_CHARS:
        add(path, "body", whole, extra, part)
        return
    if not node.children:
        add(path, "body", whole, extra, part)
        return
    if node.lines:
        add(path, "body", [Line(node.heading_line)] + node.lines, extra, part)
    for child in node.children:
        _emit(child, path + (child.heading,), add, extra, part)


def _attached_heading(part: _Part) -> tuple[str, str, list[Line], list[Line]]:
    """(type line, title, heading lines, the rest) of an attached document: "QUY CHẾ" / "TIẾP NHẬN, XỬ LÝ…"
    / "(Ban hành kèm theo Quyết định số 98/2025/QĐ-UBND …)"."""
    lines = part.lines
    heading = [lines[0]]
    title: list[str] = []
    j = 1
    while j < len(lines) and _is_upper(lines[j].text) and not lines[j].row and not _structure(lines[j]):
        title.append(lines[j].text)
        heading.append(lines[j])
        j += 1
    if j < len(lines) and _ISSUED_WITH.match(lines[j].text):
        while j < len(lines):
            heading.append(lines[j])
            j += 1
            if heading[-1].text.rstrip().endswith(")"):
                break
    return lines[0].text, " ".join(title), heading, lines[j:]


def _emit_appendix(lines: list[Line], root: tuple[str, ...], name: str, extra: str, add) -> None:
    """An appendix or form, verbatim: one section per "Mẫu số …", tables kept row by row."""
    sections: list[tuple[tuple[str, ...], list[Line]]] = [(root, [])]
    for ln in lines:
        if _is_form(ln) and sections[-1][1]:
            sections.append((root + (_heading_text(ln.text),), [ln]))
        else:
            sections[-1][1].append(ln)
    for path, body in sections:
        if body:
            add(path, "body", body, extra, name)


def _split(lines: list[Line], limit: int) -> list[str]:
    """Group lines into pieces of at most `limit` characters; a longer line is cut between sentences.

    A table cut in two keeps its header row on top of the next piece, so each piece reads on its own.
    """
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    header: str | None = None  # the first row of the table being read
    previous_row = False
    for ln in lines:
        if ln.row and not previous_row:
            header = ln.text
        elif not ln.row:
            header = None
        previous_row = ln.row
        parts = [ln.text] if len(ln.text) <= limit else _sentences(ln.text, limit)
        for part in parts:
            if current and size + len(part) + 1 > limit:
                pieces.append("\n".join(current))
                current, size = [], 0
                if header is not None and part != header and len(header) < limit // 3:
                    current, size = [header], len(header) + 1
            current.append(part)
            size += len(part) + 1
    if current:
        pieces.append("\n".join(current))
    return pieces


def _sentences(line: str, limit: int) -> list[str]:
    out: list[str] = []
    start = 0
    for m in re.finditer(r"(?<=[.;!?])\s+(?=[A-ZĐÀ-Ỹ\-–])", line):
        if m.start() - start > limit * 0.6:
            out.append(line[start : m.start()])
            start = m.end()
    out.append(line[start:])
    final: list[str] = []
    for s in out:  # no sentence boundary at all: cut at a space
        while len(s) > limit:
            cut = s.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            final.append(s[:cut])
            s = s[cut:].lstrip()
        final.append(s)
    return final


def _issuer(lines: list[str]) -> str | None:
    """The issuing body from the header's upper-case lines, under its parent.

    "ỦY BAN NHÂN DÂN / TỈNH NGHỆ AN" → "Ủy ban nhân dân tỉnh Nghệ An"; "BAN CHẤP HÀNH TRUNG ƯƠNG / BAN TỔ
    CHỨC" → "Ban Tổ chức Trung ương"; "BỘ TÀI CHÍNH / CỤC THUẾ" → "Cục Thuế – Bộ Tài chính"; "THỊ ỦY THUẬN
    THÀNH" → "Thị ủy Thuận Thành".
    """
    lines = [ln for ln in lines if not _SIGN_START.match(ln)]
    if not lines:
        return None
    if len(lines) == 1:
        return _proper_case(lines[0])
    parent, own = lines[-2], lines[-1]
    place = re.match(r"dang bo ((?:xa|phuong|dac khu|tinh|thanh pho) .+)$", fold(parent))
    if place and fold(own) in ("dang uy", "dang uy xa", "dang uy phuong", "dang uy dac khu",
                                "tinh uy", "thanh uy"):
        # "ĐẢNG BỘ XÃ HOÀI THƯỢNG / ĐẢNG ỦY XÃ": the committee of the place its parent names.
        kind_words = 2 if place.group(1).startswith(("thanh pho", "dac khu")) else 1
        rest = parent.split()[2 if fold(own) == "dang uy" else 2 + kind_words:]
        return _proper_case(" ".join([own] + rest))
    if re.match(r"(tinh|thanh pho|huyen|xa|phuong|thi xa|thi tran|dac khu) ", fold(own)):
        return _proper_case(f"{parent} {own}")  # the second line names the place of the first
    if re.match(r"(thi|tinh|huyen|thanh|dang) uy |dang bo ", fold(own)):
        return _proper_case(own)  # a Party committee under its parent: "ĐẢNG BỘ TỈNH … / THỊ ỦY THUẬN THÀNH"
    if fold(parent) == "ban chap hanh trung uong":
        return _proper_case(own) + (" Trung ương Đảng" if fold(own) == "van phong" else " Trung ương")
    if fold(own).startswith("ban "):
        return f"{_proper_case(own)} {_proper_case(parent)}"  # "Ban Tuyên giáo Tỉnh ủy Bắc Ninh"
    return f"{_proper_case(own)} – {_proper_case(parent)}"


def _issuer_in_text(text: str, place: str | None) -> str | None:
    """A header without an issuing line: the organ named in "Ban Thường vụ Thị ủy …" in the text."""
    m = _ORGAN_IN_TEXT.search(nfc(text))
    if not m:
        return None
    organ = m.group(1)
    if place and organ in ("Thị ủy", "Huyện ủy", "Thành ủy"):
        return f"{organ} {place}"
    return organ


def _signature(lines: list[Line]) -> tuple[str | None, str | None]:
    roles = [ln.text for ln in lines if _is_upper(ln.text)]
    names = [ln.text for ln in lines if _is_name(ln.text)]
    signer = names[-1] if names else None
    return signer, (", ".join(roles) if roles else None)
