"""Structure of Vietnamese administrative documents: header, legal bases, parts/items, recipients, signature.

`parse_document` turns the plain text of one file into its `DocumentInfo`, its chunks (each with a
heading path and verbatim text) and its key-point outline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from indexer.text import fold, nfc

CHUNKER_VERSION = "4"
MAX_CHUNK_CHARS = 1200
PATH_SEP = " › "

HEADER_PATH = "Tiêu đề"
BASIS_PATH = "Căn cứ ban hành"
PREAMBLE_PATH = "Mở đầu"
CONTENT_PATH = "Nội dung"
RECIPIENTS_PATH = "Nơi nhận"
SIGNATURE_PATH = "Người ký"

_TYPES = {
    fold(t): t
    for t in (
        "Kế hoạch", "Chỉ thị", "Hướng dẫn", "Quy chế", "Quyết định", "Nghị quyết", "Thông báo", "Báo cáo",
        "Quy định", "Kết luận", "Chương trình", "Thông tri", "Công văn", "Tờ trình", "Đề án", "Thông tư",
        "Nghị định", "Luật",
    )
}
_MOTTO = {fold(m) for m in ("ĐẢNG CỘNG SẢN VIỆT NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")}

_MD_HEADING = re.compile(r"^(#{1,6})\s+")
_BULLET = re.compile(r"^[-–•+*]\s*")
_PART = re.compile(r"^(?P<label>[IVX]{1,5}\.)\s+(?P<text>\S.*)$")
_CHAPTER = re.compile(r"^(?P<label>(?:PHẦN|Phần|CHƯƠNG|Chương|MỤC|Mục)\s+(?:[IVX]{1,5}|\d{1,2}|thứ\s+\w+|THỨ\s+\w+))\.?\s*[:.\-–]?\s*(?P<text>.*)$")
_ARTICLE = re.compile(r"^(?P<label>Điều\s+\d{1,3}\.?)\s*(?P<text>.*)$")
_SUBNUM = re.compile(r"^(?P<label>\d{1,2}\.\d{1,2}\.?)\s+(?P<text>\S.*)$")
_ITEM = re.compile(r"^(?P<label>\d{1,2}\.)\s+(?P<text>\S.*)$")
_LETTER = re.compile(r"^(?P<label>[a-zđ]\))\s+(?P<text>\S.*)$")
_BASIS = re.compile(r"^(?:Căn cứ|Thực hiện|Xét|Theo đề nghị|Thi hành|Trên cơ sở)\b", re.IGNORECASE)
_NUMBER_LINE = re.compile(r"^Số\s*[:.]?\s*(?P<rest>.*)$")
_LEGAL_NUMBER = re.compile(r"(?P<n>\d+)\s*/\s*(?P<y>\d{4})\s*/\s*(?P<s>[A-ZĐ]+(?:-[A-ZĐ]+)+)")
_PARTY_NUMBER = re.compile(r"(?P<n>\d+)?\s*[*…._]*\s*-\s*(?P<s>[A-ZĐ]+(?:/[A-ZĐ]+)+(?:-[A-ZĐ]+)*)")
_PLACE_DATE = re.compile(r"^(?P<place>[^,\d]{2,40}),\s*(?P<date>ngày\b.*)$", re.IGNORECASE)
_DATE_PARTS = re.compile(r"ngày\s*(?P<d>\d{1,2})?\s*tháng\s*(?P<m>\d{1,2})?\s*năm\s*(?P<y>\d{4})", re.IGNORECASE)
_RECIPIENTS = re.compile(r"^Nơi nhận\s*:?", re.IGNORECASE)
_SIGN_START = re.compile(r"^(?:T/M|K/T|TM\.|KT\.|TL\.|TUQ\.|Q\.)\s*\S")
_ROLE = re.compile(r"(BÍ THƯ|CHỦ TỊCH|TRƯỞNG BAN|GIÁM ĐỐC|CHÁNH VĂN PHÒNG|TRƯỞNG PHÒNG|THỦ TRƯỞNG)")
_ORGAN_IN_TEXT = re.compile(r"Ban Thường vụ (Thị ủy|Tỉnh ủy|Huyện ủy|Thành ủy|Đảng ủy)")

# Canonical spelling of organ names met in upper-case header lines.
_ORGANS = [
    "Ban Tuyên giáo", "Ban Thường vụ", "Ban Chấp hành", "Ban Tổ chức", "Ban Dân vận", "Ban Bí thư",
    "Ban Chỉ đạo", "Ủy ban nhân dân", "Hội đồng nhân dân", "Mặt trận Tổ quốc", "Văn phòng", "Trung tâm",
    "Thị ủy", "Tỉnh ủy", "Huyện ủy", "Thành ủy", "Đảng ủy", "Đảng bộ", "Trung ương",
]
_LEVEL_WORDS = ["thành phố", "thị xã", "tỉnh", "huyện", "xã", "phường", "thị trấn"]


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

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Chunk:
    """One searchable passage: verbatim text under a heading path inside one document."""

    id: str
    doc_id: str
    path: tuple[str, ...]
    kind: str  # header | basis | body | recipients | signature
    text: str
    search_extra: str = ""  # searchable, never shown (e.g. "Cơ quan ban hành: …" on the header)

    @property
    def section(self) -> str:
        return PATH_SEP.join(self.path)

    def to_dict(self) -> dict:
        return {
            "id": self.id, "doc_id": self.doc_id, "path": list(self.path), "kind": self.kind,
            "text": self.text, "search_extra": self.search_extra,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Chunk":
        return cls(d["id"], d["doc_id"], tuple(d["path"]), d["kind"], d["text"], d.get("search_extra", ""))


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


@dataclass
class _Node:
    level: int
    label: str = ""
    text: str = ""
    heading_line: str = ""
    lines: list[str] = field(default_factory=list)
    children: list["_Node"] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return _heading_text(self.heading_line)

    def all_lines(self) -> list[str]:
        out = [self.heading_line] if self.heading_line else []
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


def _is_upper(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _proper_case(line: str) -> str:
    """"THỊ ỦY THUẬN THÀNH" → "Thị ủy Thuận Thành": known organs canonical, levels lower, names titled."""
    words = line.split()
    out: list[str] = []
    i = 0
    folded_words = [fold(w) for w in words]
    while i < len(words):
        for canon in sorted(_ORGANS + _LEVEL_WORDS, key=lambda c: -len(c.split())):
            n = len(canon.split())
            if folded_words[i : i + n] == fold(canon).split():
                out.append(canon)
                i += n
                break
        else:
            out.append(words[i][:1].upper() + words[i][1:].lower())
            i += 1
    return " ".join(out)


def _parse_number(rest: str) -> str | None:
    m = _LEGAL_NUMBER.search(rest)
    if m:
        return f"{m.group('n')}/{m.group('y')}/{m.group('s')}"
    m = _PARTY_NUMBER.search(rest)
    if m:
        return f"{m.group('n') or '…'}-{m.group('s')}"
    return rest.strip() or None


def _structure(line: str, md_level: int) -> tuple[int, str, str] | None:
    """(level, label, text) when the line opens a part, an item or a sub-item."""
    for pattern, level in ((_CHAPTER, 0), (_PART, 0), (_ARTICLE, 1), (_SUBNUM, 2), (_ITEM, 1), (_LETTER, 2)):
        m = pattern.match(line)
        if m:
            return level, m.group("label"), m.group("text")
    if md_level:
        return min(md_level - 1, 2), "", line
    return None


def slug(stem: str) -> str:
    """A stable ascii id from a file stem: "Kế hoạch 129" → "ke-hoach-129"."""
    s = re.sub(r"[^a-z0-9]+", "-", fold(stem)).strip("-")
    return s or "document"


def parse_document(text: str, doc_id: str, source_file: str) -> ParsedDocument:
    """Parse the text of one file into document info, chunks and key points."""
    raw = [_clean(l) for l in nfc(text).split("\n")]
    lines = [(l, lvl) for l, lvl in raw if l]

    # --- header: everything up to the type line and the title after it
    type_at = None
    for i, (line, _) in enumerate(lines[:30]):
        key = fold(line).strip(" .:")
        if key in _TYPES and _is_upper(line):
            type_at = i
            break
    doc_type = _TYPES[fold(lines[type_at][0]).strip(" .:")] if type_at is not None else None
    number = date = place = None
    issuer_lines: list[str] = []
    header_lines: list[str] = []
    if type_at is not None:
        header_lines = [l for l, _ in lines[: type_at + 1]]
        for line in header_lines[:-1]:
            if (m := _NUMBER_LINE.match(line)) and number is None:
                number = _parse_number(m.group("rest"))
            elif (m := _PLACE_DATE.match(line)) and date is None:
                place, date = m.group("place").strip(), " ".join(m.group("date").split())
            elif _is_upper(line) and fold(line) not in _MOTTO and any(c.isalpha() for c in line):
                issuer_lines.append(line)
        body_start = type_at + 1
        title = ""
        nxt = lines[body_start][0] if body_start < len(lines) else ""
        # "Thực hiện Chỉ thị …" can be a title; a bulleted line or "Căn cứ …" is already a legal basis.
        if nxt and not _structure(*lines[body_start]) and not _BULLET.match(nxt) and not nxt.startswith("Căn cứ"):
            title = lines[body_start][0]
            header_lines.append(title)
            body_start += 1
            # A title wrapped over several lines continues in lower case ("Về việc …\ncủa Ban …").
            while body_start < len(lines) and lines[body_start][0][:1].islower():
                title += " " + lines[body_start][0]
                header_lines.append(lines[body_start][0])
                body_start += 1
    else:
        body_start = 0
        title = lines[0][0] if lines else source_file
        if lines and lines[0][1]:  # a markdown title line is the title, not a section
            header_lines = [lines[0][0]]
            body_start = 1

    # --- body, recipients, signature
    root = _Node(level=-1)
    stack = [root]
    preamble: list[str] = []
    recipients: list[str] = []
    signature: list[str] = []
    mode = "preamble"
    ended = False  # the body closed with "./."
    for line, md_level in lines[body_start:]:
        if _RECIPIENTS.match(line):
            mode = "recipients"
            recipients.append(line)
            continue
        starts_signature = bool(_SIGN_START.match(line)) or (
            (mode == "recipients" or ended) and _is_upper(line) and bool(_ROLE.search(line))
        )
        if mode != "signature" and starts_signature and (mode == "recipients" or ended or _SIGN_START.match(line)):
            mode = "signature"
            signature.append(line)
            continue
        if mode == "recipients":
            recipients.append(line)
            continue
        if mode == "signature":
            signature.append(line)
            continue
        st = _structure(line, md_level)
        if st:
            mode = "body"
            level, label, text_ = st
            if level >= 1 and not label.startswith("Điều") and any(n.label.startswith("Điều") for n in stack):
                level += 1  # "1.", "a)" inside an article ("Điều 3.") sit below it
            node = _Node(level=level, label=label, text=text_, heading_line=line)
            while stack[-1].level >= level:
                stack.pop()
            stack[-1].children.append(node)
            stack.append(node)
        elif mode == "preamble":
            preamble.append(line)
        else:
            stack[-1].lines.append(line)
        if line.rstrip().endswith("./."):
            ended = True

    issuer = _issuer(issuer_lines, text, place)
    signer, signer_role = _signature(signature)
    info = DocumentInfo(
        doc_id=doc_id, number=number, doc_type=doc_type, title=title, date=date, issuer=issuer,
        signer=signer, signer_role=signer_role, source_file=source_file, place=place,
    )

    chunks: list[Chunk] = []

    def add(path: tuple[str, ...], kind: str, body_lines: list[str], extra: str = "") -> None:
        for piece in _split(body_lines, MAX_CHUNK_CHARS):
            chunks.append(Chunk(f"{doc_id}:{len(chunks)}", doc_id, path, kind, piece, extra))

    if header_lines:
        meta = [f"Loại văn bản: {doc_type}" if doc_type else "", f"Số hiệu: {number}" if number else "",
                f"Cơ quan ban hành: {issuer}" if issuer else "", f"Ngày ban hành: {date}" if date else "",
                f"Trích yếu: {title}" if title else ""]
        add((HEADER_PATH,), "header", header_lines, ". ".join(m for m in meta if m))
    if preamble:
        is_basis = any(_BASIS.match(_BULLET.sub("", l)) for l in preamble)
        path = BASIS_PATH if is_basis else (PREAMBLE_PATH if root.children else CONTENT_PATH)
        add((path,), "basis" if is_basis else "body", preamble)
    for node in root.children:
        _emit(node, (node.heading,), add)
    if recipients:
        add((RECIPIENTS_PATH,), "recipients", recipients, "Văn bản được gửi đến, gửi tới các nơi nhận")
    if signature:
        add((SIGNATURE_PATH,), "signature", signature, "Người ký, chức vụ, chữ ký")

    keypoints: list[KeyPoint] = []

    def outline(node: _Node, path: tuple[str, ...]) -> None:
        if node.level <= 2:
            text_ = node.text.strip().rstrip(":") if node.level == 0 else first_sentence(node.text)
            keypoints.append(KeyPoint(node.level, node.label, text_, PATH_SEP.join(path)))
        for c in node.children:
            outline(c, path + (c.heading,))

    for node in root.children:
        outline(node, (node.heading,))
    return ParsedDocument(replace(info, chunks=len(chunks)), chunks, keypoints)


def _emit(node: _Node, path: tuple[str, ...], add) -> None:
    """Chunk a node: an item with its sub-items and bullets in one chunk when short, else split."""
    whole = node.all_lines()
    if node.level >= 1 and len("\n".join(whole)) <= MAX_CHUNK_CHARS:
        add(path, "body", whole)
        return
    if not node.children:
        add(path, "body", whole)
        return
    own = node.lines
    if own:
        add(path, "body", [node.heading_line] + own)
    for child in node.children:
        _emit(child, path + (child.heading,), add)


def _split(lines: list[str], limit: int) -> list[str]:
    """Group lines into pieces of at most `limit` characters; a longer line is cut between sentences."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        parts = [line] if len(line) <= limit else _sentences(line, limit)
        for part in parts:
            if current and size + len(part) + 1 > limit:
                pieces.append("\n".join(current))
                current, size = [], 0
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


def _issuer(issuer_lines: list[str], text: str, place: str | None) -> str | None:
    if issuer_lines:
        last = _proper_case(issuer_lines[-1])
        if last.startswith("Ban ") and len(issuer_lines) > 1:
            return f"{last} {_proper_case(issuer_lines[-2])}"
        return last
    m = _ORGAN_IN_TEXT.search(nfc(text))
    if not m:
        return None
    organ = m.group(1)
    if place and organ in ("Thị ủy", "Huyện ủy", "Thành ủy"):
        return f"{organ} {place}"
    return organ


def _signature(lines: list[str]) -> tuple[str | None, str | None]:
    roles = [l for l in lines if _is_upper(l)]
    names = [l for l in lines if not _is_upper(l) and not l.startswith("(") and 1 < len(l.split()) <= 6]
    signer = names[-1] if names else None
    return signer, (", ".join(roles) if roles else None)
