"""What a passage holds of what a question asks: the kind of answer, the named body, the date, the amount,
the share of the question's topical weight; and the choice among the candidates (indexer.decision weighs
these signals into one calibrated probability).
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass, field

from indexer.answer import Hit
from indexer.catalogue import Catalogue, Passages
from indexer.question import (
    BODY_HEADS, HOW_MANY, HOW_MUCH, WHEN, WHERE, WHO, WHO_ISSUED, WHO_SIGNED, QuestionInfo, body_named,
)
from indexer.lexical import STOPWORDS
from indexer.text import ABBREVIATION_WORDS, expand_abbreviations, fold, int_to_roman, normalize, tokens

TIME = re.compile(
    r"\b\d{1,2}\s*/\s*\d{1,2}\b|\bngay\s+\d|\bthang\s+(\d|dau|cuoi|[ivx]+\b)|\bnam\s+(19|20)\d\d|"
    r"\bquy\s+([ivx]+|\d)\b|\b\d+\s*gio\b|\bhang\s+(ngay|tuan|thang|quy|nam)\b|\bdinh ky\b|"
    r"\btuan\s+(dau|cuoi|\d)|\bthu\s+(hai|ba|tu|nam|sau|bay)\b|\bchu nhat\b|\bke tu\b|\btu ngay\b|"
    r"\btruoc ngay\b|\bbuoi\s+(sang|chieu|toi)\b|\bmoi\s+(nam|thang|quy|tuan)\b|\bngay ky\b|\bdot xuat\b|"
    r"\bthoi gian\b|\bthoi han\b|\bhieu luc\b|\bnhiem ky\b|\bthang (mot|hai|ba)\b|\b(sau|truoc|ngay) khi\b|\bkhi co\b"
)
DAY = re.compile(r"\b\d{1,2}\s*/\s*\d{1,2}\b|\bngay\s+\d|\b(mung|mong)\s+\d|\bthu\s+(hai|ba|tu|nam|sau|bay)\b|"
                 r"\bchu nhat\b|\bhang ngay\b|\bngay (dau|cuoi)\b")  # "hằng tháng" does not say which day
YEAR = re.compile(r"(?<![\d/])(19|20)\d\d\b")
MONTH = re.compile(r"\bthang\s+(\d|[ivx]+\b|dau|cuoi)|\b\d{1,2}\s*/\s*\d{1,2}\b|\b\d{1,2}\s*/\s*(19|20)\d\d\b")
_WHEN_FORMS = {"day": DAY, "year": YEAR, "month": MONTH}
# A number (not an item's "8." before "Tỷ lệ …") with its unit of money.
AMOUNT = re.compile(r"\d(?:[\d.,]*\d)?\s*(dong|vnd|nghin|ngan|trieu|ty(?! le))\b|\d(?:[\d.,]*\d)?\s*d(?![)\w])|"
                    r"\b(trieu|ty|nghin|ngan)\s+dong\b")
COUNT = re.compile(r"\d|\b(mot|hai|ba|bon|tu|nam|sau|bay|tam|chin|muoi|tram|nghin|nhieu nhat|it nhat)\b|"
                   r"\bhang\s+(ngay|tuan|thang|quy|nam)\b|\bmoi\s+(nam|thang|quy|tuan)\b|\bdinh ky\b")
PHONE = re.compile(r"\b0\d{2,3}[ .]?\d{3,4}[ .]?\d{3,4}\b|\b1\d{2,3}\b(?=\D{0,20}(duong day|hotline|tong dai))")
PLACE_LINE = re.compile(r"\bdia diem\b")
PLACE = re.compile(r"\bhoi truong\b|\btru so\b|\bnha van hoa\b|\bso \d+ duong\b|\bphong hop\b")
# "tại Hà Nội", "ở Trung tâm …": a place named after "tại" / "ở" (capitalised), in the passage as written.
_PLACE_NAMED = re.compile(r"\b(?:tại|ở)\s+(?:[A-ZĐÀ-Ỹ]|hội trường|trụ sở|nhà văn hóa|sân|quảng trường|điểm cầu)")
_BODY_SUBJECT = re.compile(r"^(?:[a-z0-9]{1,4}\s+)?(?:cac\s+)?(" + "|".join(BODY_HEADS) +
                           r"|chi bo|dang bo|dang uy|doan the|to chuc|co quan|bao cao vien|tuyen truyen vien|"
                           r"cong an|doi ngu|cap uy)\b")
_CHAIR = re.compile(r"\b(chu tri|phu trach|dau moi)\b")
# Ordinals that name a part of a document ("phần II", "mục 3") rather than something in its text.
_SECTION_ORDINALS = ("phan", "muc", "chuong", "dieu")
def holds_kind(info: QuestionInfo, hit: Hit, folded: str) -> bool:
    """Whether the passage holds the kind of answer asked: a signature, an amount, a time, a count, a place."""
    if info.kind == WHO_SIGNED:
        return hit.kind == "signature"
    if info.kind == WHERE and info.asks_recipients and hit.kind == "recipients":
        return True  # "gửi những nơi nào", "lưu ở đâu": the list of recipients is the answer (no date for "… gửi
        # báo cáo ngày nào": the list names no day)
    if info.kind == WHERE:
        return bool(PLACE_LINE.search(folded) or PLACE.search(folded) or _PLACE_NAMED.search(hit.text))
    if info.kind == HOW_MUCH:
        return bool(AMOUNT.search(folded))
    if info.kind == WHEN:  # the part of a date asked for (QuestionInfo.when_asked), else any time
        if hit.kind == "header":  # the date of issue as printed, its day often left blank to be written in
            return bool(TIME.search(folded))
        return bool(_WHEN_FORMS.get(info.when_asked, TIME).search(folded))
    if info.kind == HOW_MANY:
        if info.asks_recipients and hit.kind == "recipients":
            return True  # "gửi tới bao nhiêu nơi": the list of recipients is counted
        if info.counted:
            return counts(folded, info.counted)
        return bool(COUNT.search(folded))
    return True


_NUMBER = r"(?:\d+|mot|hai|ba|bon|tu|nam|sau|bay|tam|chin|muoi|it nhat mot|vai)"
# A count of people may be written with who they are: "cử 01 đội gồm 03 tuyên truyền viên" answers "mấy người".
_PEOPLE = r"(?:nguoi|tuyen truyen vien|bao cao vien|dai bieu|dong chi|can bo|dang vien|thanh vien|ho)"


# Nouns naming the items of a list ("mấy nội dung", "bao nhiêu nhiệm vụ"): a passage of an introducing line and
# two or more after it (one per item; the folded passage's first line is its heading path) answers them.
_LISTED = frozenset(("noi dung", "y", "nhiem vu", "giai phap", "muc", "diem", "buoc", "yeu cau", "don vi", "co quan",
                     "hinh thuc", "phuong thuc", "tieu chi", "tieu chuan", "bien phap", "nhom", "loai", "linh vuc",
                     "muc tieu", "viec", "noi"))


def counts(folded: str, noun: str) -> bool:
    """Whether a number goes with the counted noun ("15 hộ", "mỗi quý một lần", "nhiệm kỳ 5 năm")."""
    if noun.split()[0] in ("phan", "ty"):  # "bao nhiêu phần trăm", "tỷ lệ bao nhiêu": "80%"
        return bool(re.search(r"\d\s*%|\bphan tram\b", folded))
    head = noun.split()[0]
    if head == "lau":  # "bao lâu": a length of time
        return bool(re.search(rf"\b{_NUMBER}\s+(nam|thang|ngay|tuan|quy|gio|phut)\b|\b(hang|moi)\s+(nam|thang|quy|tuan|"
                              rf"ngay)\b|\bdinh ky\b", folded))  # "bao lâu một lần": also "hằng năm", "định kỳ"
    if (noun in _LISTED or head in _LISTED) and sum(1 for line in folded.split("\n")[1:] if line.strip()) >= 3:
        return True  # "tập trung vào mấy nội dung": documents list them (a line each) rather than count them
    # The noun as asked, or its head word alone: "mấy ngày cơ quan phải trả lời" counts "ngày".
    targets = {_PEOPLE} if head == "nguoi" else {re.escape(noun), re.escape(head)}
    # Up to three words between: "03 tuyên truyền viên giỏi", "100% các tỉnh ủy" ("100 phan tram cac tinh uy").
    return any(re.search(rf"\b{_NUMBER}(?:\s+(?!\d)\w+){{0,3}}\s+{t}\b", folded) for t in targets)


def preference(info: QuestionInfo, hit: Hit, folded: str, catalogue: Catalogue) -> float:
    """How much better than its rank a passage is for this kind of question (1.0 = no change)."""
    weight = 1.0
    last = catalogue.folded_heading(hit.chunk_id)
    lines = folded.split("\n")[1:]  # the first line is the heading path
    subject_heading = bool(_BODY_SUBJECT.match(last.strip()))
    if info.kind == WHO:
        if subject_heading:
            weight *= 1.3
        elif any(_BODY_SUBJECT.match(line.strip()) and _CHAIR.search(line) for line in lines):
            weight *= 1.15
        if any(re.match(r"^(?:\d+\s+)?chu tri\b", line.strip()) for line in lines):
            weight *= 1.3
    elif info.kind == WHO_ISSUED and hit.kind in ("header", "basis"):
        weight *= 1.3
    if info.asks_basis and hit.kind == "basis":
        weight *= 1.5
    if info.asks_recipients and hit.kind == "recipients":
        weight *= 1.6
    elif info.kind == WHERE:
        if PLACE_LINE.search(folded):
            weight *= 1.5
        elif PLACE.search(folded):
            weight *= 1.05
    elif info.kind == WHEN and re.search(r"\bthoi gian\b|\d{1,2}\s*/\s*\d{1,2}", folded):
        weight *= 1.15
    weight *= subject_weight(info, last)
    for head, n in info.ordinals:
        if head in _SECTION_ORDINALS and _section_has_ordinal(body_section(hit), head, n):
            weight *= 1.5
    return weight


def subject_weight(info: QuestionInfo, heading: str) -> float:
    """"BTG Thị ủy có nhiệm vụ gì": the body's own section is the answer, most of all when its heading is the
    body alone (1.6), less when the heading says more (1.3); 1.0 when the passage is not under such a heading."""
    if info.bodies and _BODY_SUBJECT.match(heading.strip()) and all(body_named(heading, b) for b in info.bodies):
        return 1.6 if len(heading.split()) <= 2 + sum(len(" ".join(b).split()) for b in info.bodies) else 1.3
    return 1.0


def _section_has_ordinal(section: str, head: str, n: int, item: bool = False) -> bool:
    """Whether a heading path is in "phần III" (a top-level part: "III." or "Phần III"), "chương 2",
    "điều 4", "mục 3" (an item "3." or "Mục 3" at any level below the top, or part III when the
    document's parts are numbered I, II, III: "mục III nói gì" — not when `item`: "phần II mục 2" names the
    part as well, so "mục 2" is an item of it)."""
    parts = section.split(" › ")
    roman = int_to_roman(n)
    named = re.compile(rf"(?i)(chương|phần|mục)\s+({n}|{roman})\b")
    first_label = parts[0].split(" ", 1)[0].rstrip(".-–")
    if head == "phan":
        return first_label in (roman, str(n)) or bool(re.match(rf"(?i)phần\s+({n}|{roman})\b", parts[0]))
    if head in ("chuong", "dieu"):
        word = "chương" if head == "chuong" else "điều"
        return any(re.match(rf"(?i){word}\s+({n}|{roman})\b", p) for p in parts)
    labels = [p.split(" ", 1)[0].rstrip(".)") for p in parts[1:]]  # mục
    return (str(n) in labels or (first_label == roman and not item)
            or any(named.match(p) and p.lower().startswith("mục") for p in parts))


def has_ordinals(section: str, ordinals) -> bool:
    """Whether a heading path is in every one of the (head, n) parts named ("phần II mục 2": item 2 of part II)."""
    item = {"phan", "muc"} <= {h for h, _ in ordinals}
    return all(_section_has_ordinal(section, h, n, item) for h, n in ordinals)


def body_section(hit) -> str:
    """The heading path below the document a passage is in (an attached Quy chế's own "Chương II …")."""
    part = getattr(hit, "part", "")
    prefix = part + " › "
    return hit.section[len(prefix):] if part and hit.section.startswith(prefix) else hit.section


# How something is asked, not what about; dates are checked on their own (any spelling).
_TYPOS = {"ki": "ky", "j": "gì", "ko": "không", "k": "không", "dc": "được", "đc": "được", "bn": "bao nhiêu"}
_STOP_FOLDED = STOPWORDS | {"lam", "j", "ko", "k", "nhe", "ha", "vay", "may", "gio", "luc", "bn", "sao", "da", "se",
                            "roi", "muon", "hon", "ro", "rat", "nua", "ad", "admin", "vui", "e"}
_DATES = re.compile(r"\b(?:(?:ngày|ngay|mùng|mồng|mung|mong)\s+)?\d{1,2}\s*[/.-]\s*\d{1,2}(?:\s*[/.-]\s*\d{4})?\b|\b(?:ngày|ngay|mùng|mồng|mung|mong)\s+"
                    r"\d{1,2}(?:\s+(?:tháng|thang)\s+\d{1,2}(?:\s+(?:năm|nam)\s+\d{4})?)?\b")


# Function and question words as spelled with their marks: "đỏ", "độ" are not "do", "báo" is not "bao".
_STOP_MARKED = frozenset(
    "là gì nào ai bao nhiêu thế như sao của và các những có không được trong về cho với ở tại để do này đó kia "
    "hay hoặc một mọi nhé ạ à ư vậy thì mà nếu khi đâu gồm bị bởi ra vào lên nên cần phải theo từ đến hỏi xin "
    "biết hãy em anh chị tôi mình ta mấy giờ lúc làm sao nhỉ nha hả đã sẽ rồi muốn rõ hơn lắm quá rất cũng vẫn đang nữa chứ thôi nhờ ad admin ơn vui lòng e bạn".split()
)
_EXPANSION_SEAM = re.compile(r"[\n;()]")
_WORD_RE = re.compile(r"[0-9a-zà-ỹđ]+(?:[/-][0-9a-zà-ỹđ]+)*", re.IGNORECASE)


def _question_words(text: str) -> list[str]:
    """The words of a question as its terms are read: abbreviations written out, dates left out."""
    text = _DATES.sub(" . ", normalize(expand_abbreviations(text)).lower())
    # The written-out forms follow the question in brackets: no pair of words across that seam ("cán bộ
    # công chức (quyết định)" has no "chức quyết").
    words: list[str] = []
    for part in _EXPANSION_SEAM.split(text):
        if words:
            words.append(".")
        words.extend(m.group(0) for m in _WORD_RE.finditer(part))
    return words


# How "what is this document about" is put (folded words; function words such as "gì" are stop words already).
_ABOUT_PHRASES = (("van", "de"), ("noi", "ve"), ("ve", "viec"), ("cai",), ("linh", "vuc"), ("trich", "yeu"))


def question_terms(info: QuestionInfo) -> list[str]:
    """The question's topical search terms: folded syllables and bigrams, function words left out.

    A question typed with diacritics is read by its marks ("sổ đỏ" keeps "đỏ"); one typed without is read
    folded. Dates are checked on their own (any spelling), so they are no terms here.
    """
    marked = any(not c.isascii() for c in info.search_text if c.isalpha())
    words = []
    for typed_word in _question_words(info.search_text):
        w = _TYPOS.get(typed_word, typed_word)
        stop = w in _STOP_MARKED if marked and w.isalpha() and not w.isascii() else fold(w) in _STOP_FOLDED
        if marked and w.isascii() and w in _STOP_MARKED:
            stop = True
        words.append("." if stop else w)
    if info.about_document:  # "… về vấn đề gì", "… nói về cái gì": how the subject is asked, not a subject
        folded = [fold(w) for w in words]
        for phrase in _ABOUT_PHRASES:
            n = len(phrase)
            for i in range(len(words) - n + 1):
                if tuple(folded[i:i + n]) == phrase:
                    words[i:i + n] = ["."] * n
    # Typed with its marks, a word means that word: "đỏ" is not "do", "sản" is not "san" (the index keeps
    # each marked word as "~word" beside its folded form).
    marked_words = {fold(w): "~" + w for w in words if marked and w.isalpha() and not w.isascii()}
    out = []
    for t in (marked_words.get(t, t) for t in tokens(" ".join(words))):
        # "kế hoạch 30": the number is a term, the pair is phrasing the documents need not share; so is
        # "btg thị": a document that spells out "Ban Tuyên giáo Thị ủy" has no such pair.
        if "_" in t and any(p.isdigit() or p in ABBREVIATION_WORDS for p in t.split("_")):
            continue
        if t not in out:
            out.append(t)
    return out


def weigh(terms: list[str], catalogue: Catalogue) -> tuple[tuple[str, float], ...]:
    """Each topical term with its weight as evidence (idf; a term the index lacks weighs most)."""
    out = []
    for t in terms:
        w = catalogue.idf(t)
        if "_" in t and not catalogue.known(t):
            # A pair no passage has weighs at most as much as its two words: "ký kế" (ký | kế hoạch) is
            # phrasing, "kết nạp" (a rare word) still weighs fully.
            a, b = t.split("_", 1)
            w = min(w, catalogue.idf(a) + catalogue.idf(b))
        out.append((t, w))
    return tuple(out)


def coverage(terms: list[str] | tuple[tuple[str, float], ...], passage: Container[str],
             catalogue: Catalogue | None = None) -> float:
    """Share of the question's topical weight the passage holds; `terms` as weighed by `weigh`
    (or plain terms, weighed here with `catalogue`)."""
    weighted = weigh(terms, catalogue) if terms and isinstance(terms[0], str) else terms
    total = got = 0.0
    for t, w in weighted:
        total += w
        if t in passage:
            got += w
    return got / total if total > 0 else 0.0


def _names_document(terms: tuple[tuple[str, float], ...], hit: Hit, catalogue: Catalogue) -> float:
    """Share of the question's topical weight found in the name of the passage's document (type, number,
    title, issuer, place): "… của xã Song Hồ ai ký" names which document's signature is meant."""
    name = catalogue.name_terms(hit.doc_id)
    return coverage(terms, name, catalogue)


# Groups whose members have a role of their own: a passage about one is not about another.
ROLE_GROUPS = ("tuyen truyen vien", "bao cao vien", "phong vien", "nha bao", "giao vien", "hoc sinh", "sinh vien")

# "Chi bộ thôn sinh hoạt vào ngày nào": a body's list of tasks holding some date answers when the body
# does what is asked only if that task is on the list. Words that say when or how much, or that an event
# takes place, are not the task.
_ACTIVITY_KINDS = {WHEN, HOW_MANY, HOW_MUCH}
_NOT_ACTIVITY = frozenset(
    "ngay thang nam quy tuan gio buoi lan dot ky han chot thoi gian tien muc phi dong to chuc dien ra bat dau "
    "ket thuc khai mac be mac".split())
_PLACES = frozenset("thon xom ap khu pho xa phuong thi tran huyen tinh".split())


def _term_words(term: str) -> list[str]:
    """The folded words of a search term: "~thôn" → ["thon"], "sinh_hoat" → ["sinh", "hoat"]."""
    return fold(term.lstrip("~")).split("_")


def _activity_share(info: QuestionInfo, hit: Hit, catalogue: Catalogue,
                    terms: tuple[tuple[str, float], ...]) -> float:
    """How much of what the question asks a named body to do a passage that names the body says (0..1).

    "Chi bộ thôn sinh hoạt vào ngày nào": the chi bộ's list of tasks with a deadline for its report does
    not answer it. The body itself, places, how the question asks (dates, amounts, "tổ chức") and
    abbreviations are set aside; the passage's heading counts with every line; 1.0 when nothing is left to
    check or the body is not named.
    """
    body_text = catalogue.folded(hit.chunk_id)
    if not any(body_named(body_text, body) for body in info.bodies):
        return 1.0
    heading = catalogue.folded_heading(hit.chunk_id)
    subject = set(_PLACES)
    subject |= {w for body in info.bodies for part in body for w in part.split()}
    activity = []
    for t, w in terms:
        parts = _term_words(t)
        if any(p in subject or p in _NOT_ACTIVITY or p.isdigit() or p in ABBREVIATION_WORDS for p in parts):
            continue
        activity.append((" ".join(parts), w))
    total = sum(w for _, w in activity)
    if total <= 0:
        return 1.0
    if info.kind == WHEN:  # the date must be that of the task asked: the lines that give one must say it
        body_text = "\n".join(line for line in body_text.split("\n") if holds_kind(info, hit, line))
    # The heading says the task of every line below it ("b) Rà soát … thiệt hại": "… trước ngày 08/12").
    got = sum(w for phrase, w in activity if re.search(rf"\b{re.escape(phrase)}\b", body_text + "\n" + heading))
    return got / total


# --- choosing the passages to quote -------------------------------------------------------------------

ANSWER_CANDIDATES = 30  # passages of the fused ranking judged per question
MORE_PASSAGES = 2


@dataclass
class Choice:
    """The passages to quote (best first), the candidates reordered, or why nothing is quoted."""

    passages: list[Hit]
    ranked: list[Hit]
    reason: str = ""
    missing: list[str] = field(default_factory=list)
    prefer: object = None  # folded unit -> bool: the sentences that hold the kind of answer asked
    outcome: str = "none"  # indexer.decision: sure | related | none
    related: list[Hit] = field(default_factory=list)  # "related" outcome: the passages shown as not sure
    confidence: float = 0.0  # the best passage's probability of answering


def _unit_preference(info: QuestionInfo):
    pattern = {HOW_MUCH: AMOUNT, WHEN: TIME, HOW_MANY: COUNT, WHERE: PLACE_LINE}.get(info.kind)
    if info.kind == WHO:
        pattern = _CHAIR
    return None if pattern is None else (lambda unit: bool(pattern.search(unit)))


def scope(info: QuestionInfo, catalogue: Catalogue) -> tuple[set[str] | None, Passages | None, list[str]]:
    """(allowed documents, allowed passages, documents not held) for the documents a question names.

    A held document is answered from itself, and so is one whose title says it carries out or concerns the
    document named ("Kế hoạch thực hiện Chỉ thị 30-CT/TW" for "Chỉ thị 30"). A document only cited by held ones may be answered about
    what the citing text says of it (issuer, date, subject) or when it is named as what is carried out
    ("thực hiện Chỉ thị 30"); asking what it says is declined — never another document's text for it.
    """
    docs: set[str] | None = None
    chunks: set[str] | None = None
    missing: list[str] = []
    resolved = [(ref, catalogue.resolve(ref)) for ref in info.references]
    held_numbers = {ref.number for ref, found in resolved if found.held}
    about = info.about_document or info.kind == WHO_ISSUED
    carriers = {ref: catalogue.carried_out_by(ref) if not found.held and not about else () for ref, found in resolved}
    # The documents the question names that answer from their own text: held, or carrying out the one named.
    named = {d for ref, found in resolved for d in (found.held or carriers[ref])}
    for ref, found in resolved:
        if not found.held and ref.number in held_numbers:
            continue  # "thông báo kết luận 432": one document, named by two type words
        if found.held:
            docs = (docs or set()) | set(found.held)
        elif carriers[ref]:
            # "Chỉ thị 30 phổ biến tới những ai": the plan whose title carries out Directive 30 answers from
            # its own text, cited as itself.
            docs = (docs or set()) | set(carriers[ref])
        elif not found.cited_in:
            missing.append(ref.display)
        elif named & catalogue.documents_of(found.cited_in):
            continue  # "ngoài KH 129 thì KH CT30 còn thực hiện theo văn bản nào": what a named document says of it
        elif ref.context:
            docs = (docs or set()) | catalogue.documents_of(found.cited_in)
        elif about:
            # What a held document says of it (its date, issuer, subject) may be quoted; what it says may not.
            cited = found.cited_in
            dated = catalogue.dated_citing(ref)
            if info.kind == WHEN or dated:
                # "… ban hành ngày nào", "… do ai ban hành": where it is cited in full (number, date, issuer);
                # a date is what must be there for "ngày nào". The title of the plan that carries it out
                # names it with its issuer too ("Thực hiện Chỉ thị 30-CT/TW của Ban Bí thư …").
                cited = dated if info.kind == WHEN else dated | catalogue.headers(catalogue.carried_out_by(ref))
            chunks = cited if chunks is None else chunks | cited
        else:
            missing.append(ref.display)
    return docs, chunks, missing


# Words of how a question is put, not of what it is about ("lấy ở đâu", "bao lâu", "tên gì", "vì sao", "ai lo").
_PHRASING_FOLDED = frozenset(fold(w) for w in (
    "lấy đi muốn vì lâu tên kênh xuống nghìn chót hơn rõ nhất lắm quá rất thêm cũng vẫn đang chưa luôn ngay "
    "nữa chứ mà thôi nhiều ít đồng chí trước sau lần văn bản cái việc hướng đâu thế nào lo ngoài bên").split())


def unknown_words(words: list[str], catalogue: Catalogue) -> list[str]:
    """The question's single words that no indexed passage contains: as typed when typed with marks ("sổ",
    "đỏ": the documents have "số", "do", not these words), by their letters when typed without; phrasing
    and abbreviations left out. (Mistyped marks were read back to the document word before: indexer.spelling.)"""
    out = []
    for t in words:
        word = t.lstrip("~")
        if "_" in t or len(word) < 2 or not word.isalpha() or catalogue.known(t) \
                or (not t.startswith("~") and catalogue.known(fold(word))) \
                or fold(word) in _PHRASING_FOLDED or fold(word) in ABBREVIATION_WORDS:
            continue
        out.append(word)
    return out


UNKNOWN_HEAD = 0.5  # the unknown share of a question whose first topical word no document uses


def question_weights(info: QuestionInfo, catalogue: Catalogue) -> tuple[tuple[tuple[str, float], ...], float]:
    """The question's weighed topical terms ("phần III" and the like left to the heading check), and the
    share of their weight in words no document uses."""
    words = question_terms(info)
    navigation = {w for head, n in info.ordinals if head in _SECTION_ORDINALS
                  for w in (head, str(n), int_to_roman(n).lower())}
    if navigation:  # "phần III", "chương 2": where to look, checked on the heading path
        words = [t for t in words if not any(p in navigation for p in _term_words(t))]
    terms = weigh(words, catalogue)
    unknown = set(unknown_words(words, catalogue))
    total = sum(w for _, w in terms)
    share = sum(w for t, w in terms if t.lstrip("~") in unknown) / total if total > 0 else 0.0
    head = next((t.lstrip("~") for t in words if "_" not in t), "")
    if head and head in unknown:
        # What the question is about comes first ("mẫu danh sách …", "lương …"): a word no document uses.
        share = max(share, UNKNOWN_HEAD)
    return terms, share


def choose(info: QuestionInfo, hits: list[Hit], catalogue: Catalogue, model=None) -> Choice:
    """The calibrated decision over the fused ranking's candidates (indexer.decision): sure, related or none."""
    from indexer.answer import DECLINED_NOT_FOUND, DECLINED_NOT_HELD, DECLINED_UNSURE
    from indexer.decision import NONE, RELATED, SURE, decide, lacks, load_model, rank_candidates

    model = model or load_model()
    docs, chunks, missing = scope(info, catalogue)
    if missing:
        return Choice([], hits, DECLINED_NOT_HELD, missing, outcome=NONE)
    terms, unknown = question_weights(info, catalogue)
    allowed = allowed_in(docs, chunks)

    shown = navigate(info, hits, catalogue, terms, docs)
    if shown:  # "mục III nói gì": the part asked for, from its beginning
        return Choice(shown, shown + [h for h in hits if h.chunk_id not in {s.chunk_id for s in shown}], "", [],
                      None, SURE, [], 1.0)
    candidates = rank_candidates(info, hits, catalogue, terms, unknown, model, allowed)
    outcome = decide(candidates, model)
    if docs is None and chunks is not None:
        # Asked what a document is (its date, issuer, subject) and it is not held: only the passages that
        # cite it in full are allowed, and each states what is asked; the first in its document comes first
        # (the title of the plan that carries it out before its bases), however the question was typed.
        allowed_first = sorted((c for c in candidates if c.signals is not None),
                               key=lambda c: (lacks(c.signals), catalogue.position(c.hit.chunk_id)))
        candidates = allowed_first + [c for c in candidates if c.signals is None]
        if candidates and candidates[0].signals is not None and not lacks(candidates[0].signals):
            outcome = SURE
    for c in candidates:
        c.hit.answers = c.signals is not None and c.probability >= model.sure
        c.hit.check = c.reason or f"p={c.probability:.2f}"
        c.hit.probability = c.probability
    ranked = [c.hit for c in candidates]
    best = candidates[0] if candidates and candidates[0].signals is not None else None
    confidence = best.probability if best is not None else 0.0
    if outcome == SURE:
        floor = min(model.sure, best.probability)
        passages = [best.hit] + [c.hit for c in candidates[1:] if c.signals is not None
                                 and c.probability >= floor][:MORE_PASSAGES]
        return Choice(passages, ranked, "", [], _unit_preference(info), SURE, [], confidence)
    if outcome == RELATED:
        return Choice([], ranked, DECLINED_UNSURE, [], _unit_preference(info), RELATED, [best.hit], confidence)
    return Choice([], ranked, DECLINED_NOT_FOUND, outcome=NONE, confidence=confidence)


def allowed_in(docs: set[str] | None, chunks: Passages | None):
    """`hit -> why not` for the documents and passages a question's named documents allow (`scope`)."""

    def allowed(hit: Hit) -> str:
        if docs is not None and hit.doc_id not in docs and (chunks is None or hit.chunk_id not in chunks):
            return "other document"
        if docs is None and chunks is not None and hit.chunk_id not in chunks:
            return "does not name the document"
        return ""

    return allowed


# Words that only ask to see a part ("phần II gồm những gì", "mục III nói gì", "nội dung chương 2").
_SHOW_WORDS = frozenset("noi gom gi nhung noi_dung dung quy_dinh quy dinh cu_the cu the chinh the nao ve xem "
                        "toan van trinh bay de cap co may bao nhieu muc y diem phan khoan".split())
# (… and "phần III có mấy mục", "mục II gồm bao nhiêu ý": the part, from its beginning, is what to count.)


def navigate(info: QuestionInfo, hits: list[Hit], catalogue: Catalogue, terms, docs) -> list[Hit]:
    """The passages of the part a question asks to see ("mục III nói gì", "chương II quy chế cung cấp thông
    tin"), in order, when it asks nothing else than that part of a document: every other word of it names
    the document. The document is the one named, else the best ranked one whose name it uses."""
    parts = [(h, n) for h, n in info.ordinals if h in _SECTION_ORDINALS]
    if not parts:
        return []
    words = {w for t, _ in terms for w in _term_words(t) if w not in _SHOW_WORDS and not w.isdigit()}
    order = list(dict.fromkeys([h.doc_id for h in hits if docs is None or h.doc_id in docs] + sorted(docs or ())))
    for doc_id in order:
        named = catalogue.name_words(doc_id)
        if not words <= named:
            continue  # it asks something in that part, or names another document
        sections = list(zip(catalogue.rows_of(doc_id), catalogue.sections(doc_id)))
        # "mục III" is part III when the document has one (its parts numbered I, II, III), else item 3.
        as_parts = parts if any(h == "phan" for h, _ in parts) else [("phan" if h == "muc" else h, n) for h, n in parts]
        for reading in as_parts, parts:  # "phần II mục 2": item 2 of part II, never part II twice
            reading = list(reading)
            rows = [r for r, section in sections if has_ordinals(section, reading)]
            if rows:
                return [catalogue.hit(r) for r in rows[:1 + MORE_PASSAGES]]
    return []
