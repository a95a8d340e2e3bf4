"""What a question asks: its type, the documents it names, the content an answer must hold, or small talk."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.spelling import respell
from indexer.text import dates_in, expand_numbers, fold, nfc, ordinals_in, rewrite_numbers

# --- question types -------------------------------------------------------------------------------

WHO = "who"  # ai, đồng chí nào, cơ quan nào
WHO_SIGNED = "who_signed"  # ai ký
WHO_ISSUED = "who_issued"  # do ai ban hành
WHEN = "when"  # khi nào, ngày nào, bao giờ, thời hạn
WHERE = "where"  # ở đâu, địa điểm
HOW_MUCH = "how_much"  # bao nhiêu tiền, mức chi
HOW_MANY = "how_many"  # bao nhiêu, mấy
HOW = "how"  # thế nào, ra sao
YES_NO = "yes_no"  # có phải … không
WHAT = "what"  # everything else

# Each pattern runs on the folded question (no diacritics, lower case), padded with spaces.
_KIND_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern)) for kind, pattern in (
        (WHO_SIGNED, r" (ai|nguoi nao|dong chi nao|nguoi) (da |dung ra |la nguoi )?(ky|ki)( |$)|"
                     r" ky boi | ky ten | nguoi ky | (ky|ki) (la|boi) ai | ai la nguoi ky |"
                     r" (ky|ki) ( ?[a-z0-9]+){1,6} (ten gi|ten la gi|la ai|la dong chi nao)( |$)|"
                     r" (ky|ki) ( ?[a-z0-9]+){0,6} (chuc vu|chuc danh) (gi|nao)( |$)"),
        (WHO_ISSUED, r" (do )?(ai|co quan nao|don vi nao|cap nao) (da )?ban hanh | ban hanh boi |"
                     r" co quan ban hanh | cua (ai|co quan nao) ( |$)| ai ra (chi thi|nghi quyet|van ban)"),
        (HOW_MUCH, r" (bao nhieu|may|nhieu) (tien|dong|trieu|nghin|ngan)|"
                   r" (phu cap|thu lao|kinh phi|tien thuong|thuong|boi duong|luong|hoc phi|le phi|ho tro|dong gop|"
                   r"muc phat|muc chi|tro cap|phat tien|von|ngan sach|chi phi)( [a-z0-9]+){0,16} (bao nhieu|may|nhieu|bn)( |$)|"
                   r" (chi|gia|phi|dong|thuong|tra) (bao nhieu|may|bn)( |$)"),
        (WHEN, r" (khi nao|luc nao|bao gio|ngay nao|ngay may|hom nao|thoi gian nao|thoi han|han chot|han cuoi|"
               r"thang may|thang nao|nam nao|may gio|gio nao|tu khi nao|hieu luc|thoi diem|dip nao|tuan nao|"
               r"truoc ngay(?! \d)|vao ngay(?! \d)|ngay bao nhieu|thoi gian|luc may gio|bao lau)( |$)"),
        (WHERE, r" (o dau|tai dau|dia diem|cho nao|noi nao|o cho nao|dia chi|dau ha|dau vay|di dau)( |$)|"
                r" (hop|to chuc|dien ra) o ( |$)"),
        (WHO, r"(^| )(ai|dong chi nao|co quan nao|don vi nao|bo phan nao|to chuc nao|nguoi nao|ben nao|"
              r"cap nao|ca nhan nao|luc luong nao|thanh phan)( |$)| (chu tri|phu trach|dau moi) la "),
        (HOW_MANY, r" (bao nhieu|so luong|ty le|bao lau|toi thieu|toi da|gom may|co may|may lan|may buoi|may nguoi|"
                   r"may ho|may doi|may buoc|may nhom|may noi dung|may phan|may muc|may dieu|may ngay|may thang|"
                   r"may nam|may loai|may hinh thuc|may nhiem vu|may tuyen)( |$)"),
        (YES_NO, r" co phai | phai khong( |$)| duoc khong( |$)| dung khong( |$)| hay khong( |$)|"
                 r" co [a-z ]+ khong( |$)| (da|duoc) [a-z ]+ chua( |$)"),
        (HOW, r" (the nao|nhu the nao|ra sao|cach nao|bang cach nao|lam sao|theo huong nao|the nao)( |$)"),
    )
)


# "mức chi cho báo cáo viên" asks an amount even without "bao nhiêu" — unless another question word
# says what is asked ("hướng dẫn mức chi thay thế văn bản nào").
_AMOUNT_TOPIC = re.compile(r" muc (chi|ho tro|phu cap|thu lao|thuong|phat|luong|dong|boi duong|tro cap) ")
_QUANTITY = re.compile(r" (bao nhieu|may|bn) ")
_OTHER_ASKING = re.compile(r" (nao|gi|ai|sao|dau|khi|the) ")
# After its noun "mấy" asks which one ("khóa mấy", "lần thứ mấy"); before it, how many.
_HOW_MANY_OF = re.compile(r" may (?!(?:gio|nam nay|hom|ngay nay|thu|lan thu)\b)[a-z]+ ")


def question_kind(text: str) -> str:
    """The type of a question, from its wording (with or without diacritics)."""
    padded = " " + " ".join(_WORDS.findall(fold(_percent(text)))) + " "
    if _QUANTITY_OF.search(padded):  # "vay vốn tối đa mấy năm": a count of years, not an amount of money
        return HOW_MANY
    if _AMOUNT_TOPIC.search(padded) and _QUANTITY.search(padded):
        return HOW_MUCH
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(padded):
            if kind == WHERE and _SOURCE_ASKED.search(padded):
                return WHAT  # "kinh phí lấy ở đâu": a source of money, not a place
            return kind
    if _AMOUNT_TOPIC.search(padded) and not _OTHER_ASKING.search(padded):
        return HOW_MUCH
    if _HOW_MANY_OF.search(padded):  # "mấy số", "mấy cuộc": before its noun "mấy" asks a count
        return HOW_MANY
    return WHAT


_WORDS = re.compile(r"[a-z0-9]+")
# A quantity asked with its unit of time, count or share: whatever the topic, not an amount of money.
_QUANTITY_OF = re.compile(r" (bao nhieu|may|bn) (nam|thang|ngay|tuan|quy|lan|luot|nguoi|phan tram|lau) | bao lau ")
# "Kinh phí … lấy ở đâu", "nguồn vốn từ đâu": where money comes from is a source, not a place.
_SOURCE_ASKED = re.compile(r" (kinh phi|nguon|von|chi phi|tien|ngan sach)( [a-z0-9]+){0,12} (lay|tu) (o )?dau ")


def _percent(text: str) -> str:
    """"80%" written out ("80 phần trăm"): folding keeps letters and digits only."""
    return text.replace("%", " phần trăm ")


# --- documents named in a question ------------------------------------------------------------------

# Folded type name -> the spellings that name it, abbreviations included.
DOC_TYPES: dict[str, tuple[str, ...]] = {
    "chi thi": ("chi thi", "ct"),
    "nghi quyet": ("nghi quyet", "nq"),
    "quy dinh": ("quy dinh", "qd"),
    "quyet dinh": ("quyet dinh",),
    "thong bao": ("thong bao", "tb"),
    "ket luan": ("ket luan", "kl"),
    "ke hoach": ("ke hoach", "kh"),
    "huong dan": ("huong dan", "hd"),
    "quy che": ("quy che", "qc"),
    "cong van": ("cong van", "cv"),
    "nghi dinh": ("nghi dinh", "nd"),
    "thong tu": ("thong tu", "tt"),
    "chuong trinh": ("chuong trinh", "ctr"),
    "thong tri": ("thong tri",),
    "de an": ("de an",),
    "to trinh": ("to trinh", "ttr"),
    "bao cao": ("bao cao", "bc"),
    "luat": ("luat",),
}
# The letters after a document number name its type: 30-CT/TW, 15/2024/QĐ-UBND ("qd" is either decision kind).
SUFFIX_TYPES: dict[str, tuple[str, ...]] = {
    "ct": ("chi thi",), "nq": ("nghi quyet",), "qd": ("quy dinh", "quyet dinh"), "tb": ("thong bao",),
    "kl": ("ket luan",), "kh": ("ke hoach",), "hd": ("huong dan",), "qc": ("quy che",), "cv": ("cong van",),
    "nd": ("nghi dinh",), "tt": ("thong tu",), "ctr": ("chuong trinh",), "tt-tu": ("thong tri",),
    "da": ("de an",), "ttr": ("to trinh",), "bc": ("bao cao",), "ttg": ("quyet dinh", "chi thi"),
}
_SPELLINGS = sorted(((s, t) for t, spellings in DOC_TYPES.items() for s in spellings if t != "luat"),
                    key=lambda p: -len(p[0]))
_TYPE_OF = {s: t for s, t in _SPELLINGS}
_NUMBER = r"(\d{1,4}[a-z]?(?:\s*[/-]\s*(?:\d{4}|[a-z]+))*)"
_TYPED_REF = re.compile(
    r"\b(" + "|".join(re.escape(s).replace(r"\ ", r"\s+") for s, _ in _SPELLINGS) + r")\s*(?:so\s*)?[:.]?\s*" + _NUMBER
    + r"(?![\w/])"
)
_BARE_REF = re.compile(r"(?<![\w/])(\d{1,4}[a-z]?)\s*-\s*([a-z]{1,4})(?:\s*/\s*[a-z]+)+(?:\s*-\s*[a-z]+)*(?![\w/])|"
                       r"(?<![\w/])(\d{1,4})\s*/\s*(\d{4})\s*/\s*([a-z]{1,4})\s*-\s*[a-z]+(?![\w/])")
_LAW = re.compile(r"(?<!phap )(?<!ky )(?<!quy )(?<!dieu )(?<!theo )\bluat\s+((?:[a-z]+\s*){1,4})")
_LAW_STOP = frozenset(
    "quy dinh co la gi ve nhu the nao thi khong noi nam so moi cua cho va hay neu khi duoc phai bi do sua doi "
    "nao ra sao dieu chinh hien hanh moi nhat ban hanh hieu luc su le phap chua".split()
)
# After a number these words make it a count, not a document number: "quy định 2 lần".
_UNIT_AFTER = re.compile(r"\s*(lan|nguoi|ho|buoi|gio|phut|ngay|thang|tuan|%|phan tram|dong|trieu|nghin|muc|buoc|"
                         r"diem|noi dung|nhiem vu|giai phap|doi|cap|loai)\b")
# Verbs that make a named document the context of the question ("thực hiện Chỉ thị 30"), not its source.
_CONTEXT_BEFORE = re.compile(r"(thuc hien|trien khai|quan triet|tuyen truyen|hoc tap|pho bien|so ket|tong ket|"
                             r"kiem tra|giam sat|danh gia|cu the hoa|viec|thi hanh|ke hoach|kh|chuong trinh)\s+(?:viec\s+)?(?:thuc hien\s+)?"
                             r"(?:cac\s+)?$")
_CONTEXT_AFTER = re.compile(r"^\s*(?:[a-z0-9/-]+\s+){0,3}?(?:duoc|da|se)\s+(?:duoc\s+)?(trien khai|thuc hien|"
                            r"quan triet|pho bien|tuyen truyen|so ket|tong ket)")
# When a document takes effect and what it replaces: its article "… có hiệu lực kể từ …, thay thế …".
_EFFECT = re.compile(r" (hieu luc|co hieu luc|het hieu luc|thay the|bai bo|ap dung tu|thi hanh tu)( |$)")
# Which part of a date "khi nào" asks for: "ngày nào" is answered by a day (not a quarter), "vào năm nào" by a
# year (not "hằng năm"), "tháng mấy" by a month (not "hằng tháng").
_ASKS = (("day", re.compile(r" (ngay nao|ngay may|hom nao|ngay bao nhieu|thu may) ")),
         ("year", re.compile(r" nam (nao|may|bao nhieu) ")),
         ("month", re.compile(r" thang (nao|may|bao nhieu) ")))


def _when_asked(padded: str) -> str:
    """"day", "year", "month" or "" (see _ASKS), read on the question's folded words (" ngay nao? " has its
    "?" apart from the word)."""
    return next((unit for unit, pattern in _ASKS if pattern.search(padded)), "")


# Wording that asks what a named document itself is (issuer, date, number, subject), which the
# document that cites it may state: "Chỉ thị 30 do ai ban hành", "… ngày nào", "… nói về gì".
_ABOUT_DOCUMENT = re.compile(r" (ky ngay|ngay ky|so hieu|ky hieu|trich yeu|noi ve|ve van de|ve viec gi|ve linh vuc|"
                             r"la van ban gi|ban hanh ngay|ban hanh khi|ban hanh luc|ban hanh bao gio|ban hanh nam|"
                             r"ngay ban hanh|ban hanh vao|ban hanh thoi gian|so may|so bao nhieu|khoa may|khoa nao|"
                             r"ra ngay|ra khi nao|ra luc nao|ra bao gio|ra truoc|ra sau|co truoc|truoc hay sau|"
                             r"ve cai gi|noi ve cai gi|la gi)( |$)| ve gi( |$)| cua ai( |$)|"
                             r" (ai|co quan nao|don vi nao|cap nao) ban hanh| (do|boi) (ai|co quan nao)|"
                             r" la (chi thi|nghi quyet|ke hoach|huong dan|quyet dinh|quy dinh|van ban)[a-z ]* (nao|gi)( |$)")


@dataclass(frozen=True)
class DocumentReference:
    """A document named in a question: "Chỉ thị 12", "43-NQ/TW", "Luật Báo chí"."""

    types: tuple[str, ...]  # folded type names it may be ("quy dinh", "quyet dinh" for a bare "QĐ")
    number: str  # leading number ("43"), or the folded name of a law ("bao chi")
    suffix: str = ""  # folded letters after the number ("nq/tw"), empty when not typed
    text: str = ""  # as typed in the question
    context: bool = False  # named as what is being carried out ("thực hiện Chỉ thị 30"), not as a source

    @property
    def display(self) -> str:
        """As typed ("Chỉ thị 12", "Luật Báo chí"); a bare number gets its type's name in front, and
        a numbered document typed without marks ("chi thi 12") is written with them ("Chỉ thị 12")."""
        plain = (self.text.lower() == fold(self.text) and self.number.isdigit()
                 and len(self.types) == 1 and self.types[0] in DISPLAY_TYPES)
        if self.text and not self.text[:1].isdigit() and not plain:
            return self.text
        if self.text and not self.text[:1].isdigit():
            suffix = f"-{self.suffix.upper()}" if self.suffix else ""
            return f"{DISPLAY_TYPES[self.types[0]]} {self.number}{suffix}"
        name = self.types[0] if self.types else ""
        return f"{DISPLAY_TYPES.get(name, '')} {self.text or self.number}".strip()


DISPLAY_TYPES = {
    "chi thi": "Chỉ thị", "nghi quyet": "Nghị quyết", "quy dinh": "Quy định", "quyet dinh": "Quyết định",
    "thong bao": "Thông báo", "ket luan": "Kết luận", "ke hoach": "Kế hoạch", "huong dan": "Hướng dẫn",
    "quy che": "Quy chế", "cong van": "Công văn", "nghi dinh": "Nghị định", "thong tu": "Thông tư",
    "chuong trinh": "Chương trình", "thong tri": "Thông tri", "de an": "Đề án", "to trinh": "Tờ trình",
    "bao cao": "Báo cáo", "luat": "Luật",
}


def _clean_number(raw: str) -> tuple[str, str]:
    """("30", "ct/tw") from "30-ct/tw"; ("15", "2024/qd-ubnd") from "15/2024/qd-ubnd"."""
    raw = re.sub(r"\s+", "", raw)
    m = re.match(r"(\d+[a-z]?)(?:[/-](.*))?$", raw)
    if not m:
        return raw, ""
    return m.group(1).lstrip("0") or "0", (m.group(2) or "")


def _suffix_types(suffix: str) -> tuple[str, ...]:
    """Types implied by the letters of a number's suffix: "ct/tw" → Chỉ thị; "2024/qd-ubnd" → QĐ."""
    parts = [p for p in re.split(r"[/-]", suffix) if p and not p.isdigit()]
    return SUFFIX_TYPES.get(parts[0], ()) if parts else ()


def _aligned_fold(text: str) -> tuple[str, str]:
    """(original, folded) of equal length, so a span found in the folded text shows as typed."""
    original = nfc(text)
    folded = fold(original)
    if len(folded) != len(original):  # a stray combining mark or an odd capital: character by character
        folded = "".join((fold(c) or " ")[:1] for c in original)
    folded = re.sub(r"[?!,;\"“”()\n\t]", " ", folded)
    return original, folded


def references_in(text: str) -> list[DocumentReference]:
    """Documents the question names by type and number (or a law by name), with or without diacritics."""
    original, folded = _aligned_fold(text)
    out: list[DocumentReference] = []
    taken: list[tuple[int, int]] = []

    def add(ref: DocumentReference, span: tuple[int, int]) -> None:
        key = (ref.types, ref.number)
        if all(k != key for k in ((r.types, r.number) for r in out)):
            before = " ".join(folded[max(0, span[0] - 40) : span[0]].split()) + " "
            after = " " + " ".join(folded[span[1] : span[1] + 60].split())
            context = bool(_CONTEXT_BEFORE.search(before) or _CONTEXT_AFTER.search(after))
            shown = " ".join(original[span[0] : span[1]].split())
            out.append(DocumentReference(ref.types, ref.number, ref.suffix, shown[:1].upper() + shown[1:], context))
        taken.append(span)

    for m in _TYPED_REF.finditer(folded):
        spelling = " ".join(m.group(1).split())
        number, suffix = _clean_number(m.group(2))
        if not suffix:
            if re.fullmatch(r"(19|20)\d\d", number):  # "kế hoạch 2025": a year
                continue
            if _UNIT_AFTER.match(folded[m.end() :]):
                continue
            # A two-letter abbreviation needs its number close: "ct 30", not "tt 5 năm".
            if len(spelling) <= 3 and not re.match(r"\s*(?:so\s*)?\d", folded[m.end(1) :]):
                continue
        types = (_TYPE_OF[spelling],)
        implied = _suffix_types(suffix)
        if spelling == "qd":
            types = implied or ("quy dinh", "quyet dinh")
        elif (implied and types[0] not in implied and len(spelling) <= 3):
            types = implied or types
        add(DocumentReference(types, number, suffix), m.span())
    for m in _BARE_REF.finditer(folded):
        if any(s <= m.start() < e for s, e in taken):
            continue
        if m.group(1):
            number, suffix = _clean_number(m.group(0))
        else:
            number, suffix = m.group(3).lstrip("0") or "0", f"{m.group(4)}/{m.group(5)}"
            suffix = _clean_number(m.group(0))[1]
        types = _suffix_types(suffix)
        if types:
            add(DocumentReference(types, number, suffix), m.span())
    for m in _LAW.finditer(folded):
        words = []
        for w in m.group(1).split():
            if w in _LAW_STOP or w.isdigit():
                break
            words.append(w)
        if words:
            add(DocumentReference(("luat",), " ".join(words)), (m.start(), m.start() + 5 + len(" ".join(words))))
    return out


# --- named bodies ---------------------------------------------------------------------------------------

# Folded heads of the bodies a question may name; an answer must name the same body.
BODY_HEADS = tuple(sorted((
    "ban tuyen giao", "ban to chuc", "ban dan van", "ban thuong vu", "ban chap hanh", "ban chi dao", "ban bi thu",
    "bo chinh tri", "uy ban kiem tra", "uy ban nhan dan", "hoi dong nhan dan", "mat tran to quoc", "cong an",
    "van phong", "trung tam van hoa", "trung tam chinh tri", "doan thanh nien", "hoi phu nu",
    "hoi lien hiep phu nu", "hoi nong dan", "hoi cuu chien binh", "lien doan lao dong", "thuong truc",
    "dai truyen thanh", "bo tai chinh", "quan su", "toa an", "vien kiem sat", "phong van hoa",
    "thi uy", "tinh uy", "huyen uy", "thanh uy", "dang uy", "chi bo", "dang bo",
    "cap tinh", "cap huyen", "cap xa", "cap thi xa", "cap co so", "cap trung uong",
), key=lambda h: -len(h)))
# Other spellings of a body's head in documents.
BODY_ALIASES = {"hoi phu nu": ("hoi lien hiep phu nu",), "doan thanh nien": ("doan tncs", "doan thanh nien cong san"),
                "uy ban nhan dan": ("ubnd",), "mat tran to quoc": ("mttq",)}
LEVELS = ("thi uy", "tinh uy", "huyen uy", "thanh uy", "trung uong", "dang uy xa", "dang uy", "thi xa", "xa",
          "phuong", "tinh", "huyen", "thi tran")
# "thì UBND xã" reads "thi uy ban nhan dan": the "ủy" there begins "Ủy ban", it does not end "Thị ủy".
_BODY = re.compile(r"\b(" + "|".join(BODY_HEADS) + r")\b(?!\s+ban\s+(?:nhan dan|kiem tra)\b)"
                   r"(?:\s+(" + "|".join(LEVELS) + r")\b)?")


def bodies_in(text: str) -> list[tuple[str, str]]:
    """(head, level) of each body the text names: ("ban tuyen giao", "thi uy") for "BTG Thị ủy"."""
    text = _DOC_NUMBER.sub(" ", nfc(text))  # "105-HD/BTGTU" names a document, not the board
    return [(m.group(1), m.group(2) or "") for m in _BODY.finditer(_fold_expanded(text))]


def body_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, head) of each body `text` names as written ("Ban Tuyên giáo Thị ủy" in a passage), spans
    of `text` itself (folded letter by letter, so offsets hold; abbreviations are not written out here)."""
    letters = [fold(ch) for ch in nfc(text)]
    if any(len(f) != 1 for f in letters):
        return []
    folded = "".join(letters).lower()
    return [(m.start(), m.end(), m.group(1)) for m in _BODY.finditer(folded)]


_DOC_NUMBER = re.compile(r"\d+\s*[-/]\s*[A-Za-zĐđ]+(?:\s*[/-]\s*[A-Za-zĐđ0-9]+)*")


_WORD_ANY = re.compile(r"[0-9A-Za-zÀ-ỹĐđ]+(?:-[A-Za-zĐđ]+)?")


def _expand_word(m: re.Match) -> str:
    w = m.group(0)
    if len(w) > 5:  # longer than any abbreviation
        return w
    full = _ABBR_IN_PLACE.get(w) or _ABBR_IN_PLACE.get(w.upper() if w.isupper() or len(w) > 2 else "")
    return f" {full} " if full else w


def _fold_expanded(text: str) -> str:
    """Folded words of the text with its abbreviations written out in place ("BTG" → "ban tuyen giao").

    The text is folded once, not word by word: passages are folded like this on a question's path.
    """
    return " ".join(_WORDS.findall(fold(_WORD_ANY.sub(_expand_word, nfc(_percent(text))))))


_ABBR_IN_PLACE = {
    "BTG": "Ban Tuyên giáo", "UBND": "Ủy ban nhân dân", "HĐND": "Hội đồng nhân dân", "MTTQ": "Mặt trận Tổ quốc",
    "BTV": "Ban Thường vụ", "BCH": "Ban Chấp hành", "BTC": "Ban Tổ chức", "UBKT": "Ủy ban kiểm tra",
    "TU": "Thị ủy", "ĐU": "Đảng ủy", "HU": "Huyện ủy", "TT": "Thường trực", "BDV": "Ban Dân vận",
    "BTGTU": "Ban Tuyên giáo Tỉnh ủy", "VP": "Văn phòng", "TTV": "tuyên truyền viên", "BCV": "báo cáo viên",
}


def body_named(passage_folded: str, body: tuple[str, str]) -> bool:
    """Whether folded text names the body: its head, and the level asked as the first level after it.

    "Công an thị xã … tình hình" does not name "Công an tỉnh": the first level after the head is "thị xã".
    """
    head, level = body
    for spelling in (head, *BODY_ALIASES.get(head, ())):
        for m in re.finditer(r"\b" + spelling + r"\b", passage_folded):
            if not level:
                return True
            following = " ".join(passage_folded[m.end() : m.end() + 60].split()[:8])
            first = _LEVEL.search(" " + following)
            if first and first.group(1) in _SAME_LEVEL.get(level, (level,)):
                return True
    return False


# A commune's party committee is at the commune level: "BTG xã" is "Ban Tuyên giáo Đảng ủy xã".
_SAME_LEVEL = {"xa": ("xa", "dang uy xa"), "dang uy": ("dang uy", "dang uy xa")}
_LEVEL = re.compile(r"\s(" + "|".join(LEVELS) + r")\b")


def fold_passage(text: str) -> str:
    """A passage folded line by line for content checks, abbreviations written out in place."""
    return "\n".join(_fold_expanded(line) for line in text.split("\n"))


# Groups of people a question may be about; an answer must be about the same group ("nhiệm kỳ của
# tuyên truyền viên" is not answered by the term of office of báo cáo viên).
PEOPLE_GROUPS = tuple(sorted((
    "tuyen truyen vien", "bao cao vien", "phong vien", "nha bao", "doan vien", "hoi vien", "giao vien", "hoc sinh",
    "sinh vien", "cong chuc", "vien chuc", "dai bieu", "dang vien", "can bo",
), key=lambda g: -len(g)))
_GROUP = re.compile(r"\b(" + "|".join(PEOPLE_GROUPS) + r")\b")


def groups_in(text: str) -> list[str]:
    """Folded names of the groups of people the text names: "tuyen truyen vien" for "TTV"."""
    return [m.group(1) for m in _GROUP.finditer(_fold_expanded(_DOC_NUMBER.sub(" ", nfc(text))))]


# --- small talk -------------------------------------------------------------------------------------

GREETING, THANKS, ACK, HELP, SYMBOLS = "greeting", "thanks", "ack", "help", "symbols"
_SMALL_TALK_WORDS = {
    THANKS: "cam on camon cammon tks thanks thank thankyou you ty tk".split(),
    GREETING: "chao xin hello hi hii helo alo allo hey chaoo".split(),
    HELP: "giup help tro giup lam duoc gi la ai huong dan su dung".split(),
    ACK: "ok oke okay okie oki okela okê uh uhm um u vang da duoc roi ro hieu nhat tri tot hay qua tuyet good "
         "nice yes dc vg d r uk oce ok".split(),
}
_FILLER = set(
    "a ah a nhe nha nhe nhieu lam qua ban bot loa anh chi em ad admin add ban moi nguoi minh to toi nhe ha hihi "
    "haha hehe oi oi nhe nhi nhe ne vay nhe nhe buoi sang chieu toi tot lanh ca nha cac dong chi dong chi thay co "
    "bac chu co gi may sep ot ak ah dat ad roi nha ua e ne".split()
)
_HELP_PHRASES = re.compile(r"^(ban|bot|loa|em|may)? ?(la ai|lam (duoc )?gi|giup (duoc )?gi|co the lam gi|"
                           r"dung the nao|su dung the nao|hoat dong the nao)$|^(help|giup (toi|em|minh)? ?(voi)?|"
                           r"tro giup)$")


def small_talk(text: str) -> str | None:
    """The kind of small talk a message is (greeting, thanks, ok, help, emoji or a bare "?"), else None.

    Only a message made entirely of such words counts: "chào anh, cho hỏi Chỉ thị 30…" is a question.
    """
    folded = fold(nfc(text))
    words = _WORDS.findall(folded)
    if not words:
        return SYMBOLS if text.strip() else None
    if len(words) > 10 or any(w.isdigit() for w in words):
        return None
    joined = " ".join(words)
    if _HELP_PHRASES.match(joined):
        return HELP
    core = {kind: set(ws) for kind, ws in _SMALL_TALK_WORDS.items()}
    vocabulary = set().union(*core.values()) | _FILLER
    if not all(w in vocabulary for w in words):
        return None
    if re.search(r"\b(cam on|camon|cammon|tks|thanks?|thank you|thankyou)\b", joined):
        return THANKS
    if re.search(r"\b(chao|hello|hi|hii|helo|alo|allo|hey)\b", joined):
        return GREETING
    if any(w in core[ACK] for w in words):
        return ACK
    if "oi" in words or words[0] in ("ua", "e", "ne"):  # "ad ơi", "Loa ơi", "bác ơi": a call, answered as a greeting
        return GREETING
    return None


_GREETING_PREFIX = re.compile(
    r"^\s*(?:(?:xin\s+)?ch[aà]o|hello|hi|alo|d[aạ]|v[aâ]ng|ok)\b[^,.!?\n]{0,25}?[,.!?\n]+(?:\s+|$)", re.IGNORECASE
)


# Calling someone or an interjection before the question: "ad ơi", "Loa ơi,", "bác ơi", "alo", "ủa";
# "câu hỏi:", "thắc mắc về".
_CALL_PREFIX = re.compile(
    r"^\s*(?:(?:alo|a lô|ủa|ơ|ê|à|dạ|vâng|ừ|ok)\b\s*[,.!]*\s*)*(?:(?:[^\W\d_]+\s+){1,3}(?:ơi|oi)\b\s*[,.!]*\s*)?"
    r"(?:(?:câu hỏi|cau hoi|thắc mắc|thac mac)\b\s*(?:về\b|ve\b)?\s*[:,.!-]*\s*)?",
    re.IGNORECASE)


# Who is asking, before the question: "em làm ở văn phòng Đảng ủy xã, cho em hỏi …", "em là ttv ở khu phố,
# cho em hỏi …" (matched on the folded text). The bodies named there are the asker's, not what is asked.
_INTRODUCTION = re.compile(
    r"^\s*(?:em|toi|minh|chau|con)\s+(?:la|lam|o|cong tac|dang)\b[^?\n]{0,120}?[,.]\s*"
    r"(?=(?:cho|xin|muon)\s+(?:(?:em|toi|minh|chau|con)\s+)?(?:duoc\s+)?hoi\b)")


# Thanks after the question: "…, em cảm ơn nhiều", "… ạ. Cám ơn anh chị!", "… nhé, thanks".
_THANKS_SUFFIX = re.compile(r"[,.!?;\s]+(?:(?:em|con|cháu|chau|mình|minh|tôi|toi)\s+)?(?:xin\s+)?"
                            r"(?:cảm ơn|cám ơn|cam on|thanks|thank you|tks|thank)\b[^?]{0,40}$", re.IGNORECASE)


def strip_greeting(text: str) -> str:
    """"Chào ad, cho em hỏi …", "ad ơi …", "alo …", "em làm ở xã X, cho em hỏi …" → "cho em hỏi …"; "…, em cảm
    ơn nhiều" → "…" (none of it is part of the question)."""
    stripped = _THANKS_SUFFIX.sub("", text, count=1)
    stripped = _GREETING_PREFIX.sub("", stripped, count=1)
    stripped = _CALL_PREFIX.sub("", stripped, count=1)
    folded = fold(stripped)
    m = _INTRODUCTION.match(folded) if len(folded) == len(stripped) else None
    if m:
        stripped = stripped[m.end():]
    return stripped if stripped.strip() else text


# --- what a count or a person must go with ------------------------------------------------------------

_COUNT_WORD = re.compile(r"\b(?:bao nhieu|may|so luong|bn)\s+([a-z]+(?:\s+[a-z]+){0,2})")
_NOT_NOUNS = frozenset("la thi co duoc tien dong trieu nghin ngan mot".split())
_ROLE_ASKED = re.compile(r"(?<!tong)\s(pho bi thu|bi thu|pho truong ban|truong ban|pho chu tich|chu tich|giam doc|"
                         r"pho giam doc|chanh van phong|truong phong|uy vien)\s")


_AFTER_COUNT = _NOT_NOUNS | {"cua", "cho", "trong", "o", "tai", "moi", "de", "thi", "khong"}
# The same words as spelled with their marks: typed with marks, "chỗ" (a seat) is not "cho" (for).
_AFTER_COUNT_MARKED = frozenset("là thì có được tiền đồng triệu nghìn ngàn một của cho trong ở tại mỗi để không".split())


def _counted(text: str) -> str:
    """The noun a "bao nhiêu/mấy" asks to count: "bao nhiêu hộ" → "ho", "mấy chỗ ngồi" → "cho ngoi"."""
    spelled = re.findall(r"[0-9a-zà-ỹđ]+", nfc(_percent(text)).lower())
    folded = [fold(w) for w in spelled]
    if re.search(r"\b(bao|bn) lau\b", " ".join(folded)):
        return "lau"  # "bao lâu": a length of time (indexer.evidence.counts)
    m = _COUNT_WORD.search(" ".join(folded))
    if not m:
        return ""
    start = len(" ".join(folded)[: m.start(1)].split())
    marked = any(not w.isascii() for w in spelled)
    words = []
    for w, f in zip(spelled[start:], m.group(1).split()):
        if (w in _AFTER_COUNT_MARKED) if marked and not w.isascii() else (f in _AFTER_COUNT):
            break
        words.append(f)
    if words[:1] == ["so"] and words[1:2] in (["voi"], ["vs"]):
        return ""  # "tối đa bao nhiêu so với …": a comparison follows, not the noun counted
    return " ".join(words[:2]) if words and words[0] != "vien" else ""


# --- the analysis -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionInfo:
    """What a question asks and what an answer to it must contain."""

    text: str
    kind: str
    references: tuple[DocumentReference, ...] = ()
    bodies: tuple[tuple[str, str], ...] = ()
    dates: frozenset = frozenset()  # (day, month, year or None)
    ordinals: frozenset = frozenset()  # ("quy", 4)
    years: frozenset = frozenset()
    asks_phone: bool = False  # "số điện thoại": an answer must give one
    counted: str = ""  # "bao nhiêu hộ": the folded noun a count must go with ("ho")
    roles: tuple[str, ...] = ()  # "ai là bí thư": offices an answer must name ("bi thu")
    groups: tuple[str, ...] = ()  # "phóng viên", "tuyên truyền viên": people an answer must be about
    asks_basis: bool = False  # "căn cứ vào văn bản nào", "thực hiện kế hoạch nào": the legal bases
    asks_issue: bool = False  # "ban hành ngày nào", "ký khi nào", "số mấy": the header's date, number
    asks_recipients: bool = False  # "gửi cho ai", "nơi nhận": the recipients list
    asks_effect: bool = False  # "hiệu lực từ ngày nào", "thay thế quyết định nào": the article on taking effect
    when_asked: str = ""  # "day" ("ngày nào"), "year" ("năm nào"), "month" ("tháng mấy"), or "" (any time)
    about_document: bool = False  # asks what a named document is (issuer, date, subject), not what it says
    small_talk: str | None = None
    search_text: str = ""
    terms: tuple[str, ...] = field(default=())  # folded content syllables, for choosing sentences
    respelled: tuple[tuple[str, str], ...] = ()  # (as typed, as read): shorthand written out, typos corrected

    def to_json(self) -> dict:
        return {"kind": self.kind, "references": [r.display for r in self.references],
                "small_talk": self.small_talk}


# Function words and question words: they say how something is asked, not what about.
_QUESTION_WORDS = frozenset(
    "la gi nao ai bao nhieu the nhu sao cua va cac nhung co khong duoc trong ve cho voi o tai de do nay "
    "do kia hay hoac mot moi nhe a u vay thi ma neu khi dau gom bi boi ra vao len nen can phai theo tu den hoi "
    "xin biet hay em anh chi toi minh ta gio luc ngay may muc dong chi ban".split()
)


def analyse(text: str, known=None, vocabulary=None) -> QuestionInfo:
    """Read a question: its type, named documents and bodies, dates and ordinals, or small talk.

    `known(term)` (the index's vocabulary) lets "quý 4" be searched as "quý IV" when that is how the
    documents write it; `vocabulary` (indexer.spelling) reads chat shorthand and typos ("ct30", "vs",
    "qan") as the words meant.
    """
    text = nfc(text).strip()
    talk = small_talk(text)
    question = strip_greeting(text)
    respelled = respell(question, vocabulary) if vocabulary is not None else None
    if respelled is not None:
        question = respelled.text
    search = rewrite_numbers(question, known) if known is not None else expand_numbers(question)
    folded = fold(question)
    refs = tuple(references_in(question))
    padded = " " + " ".join(_WORDS.findall(folded)) + " "
    terms = tuple(dict.fromkeys(w for w in _WORDS.findall(_fold_expanded(question))
                                if w not in _QUESTION_WORDS and len(w) > 1))
    years = frozenset(int(y) for y in re.findall(r"(?<![/\d])(?:nam\s+)(20\d\d|19\d\d)\b", folded))
    return QuestionInfo(
        text=text,
        kind=question_kind(question),
        references=refs,
        bodies=tuple(dict.fromkeys(bodies_in(question))),
        groups=tuple(dict.fromkeys(groups_in(question))),
        dates=frozenset(dates_in(question)),
        ordinals=frozenset(ordinals_in(question)),
        years=years,
        counted=_counted(question),
        roles=tuple(dict.fromkeys(m.group(1) for m in _ROLE_ASKED.finditer(" " + folded + " ")
                                  if not folded[:max(m.start(1) - 1, 0)].rstrip().endswith("ban"))),  # "Ban Bí thư" is a body
        asks_phone=bool(re.search(r"\b(so dien thoai|dien thoai|sdt|so dt|hotline|duong day nong|tong dai)\b", folded)),
        asks_basis=bool(re.search(r"\bcan cu\b|\b(thuc hien|trien khai|cu the hoa|dua tren|dua vao|theo|thi hanh)\b"
                                  r"[a-z0-9 ]{0,40}\b(nao|gi)\b", " ".join(_WORDS.findall(folded)))),
        asks_recipients=bool(re.search(r"\b(gui|noi nhan|gui toi|gui den|nhan duoc|pho bien den|duoc nhan|co nhan|"
                                       r"luu o|luu tai|luu (o )?dau|kinh gui)\b", folded)),
        about_document=bool(_ABOUT_DOCUMENT.search(padded)),
        asks_effect=bool(_EFFECT.search(padded)),
        when_asked=_when_asked(padded),
        asks_issue=bool(re.search(r" (ban hanh|ky|ra|so hieu|so may|so bao nhieu|ngay thang)( |$)", padded)),
        small_talk=talk,
        search_text=search,
        terms=terms,
        respelled=respelled.changes if respelled is not None else (),
    )
