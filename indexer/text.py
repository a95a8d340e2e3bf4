"""Vietnamese text helpers: Unicode and tone-mark normalisation, diacritic folding, search tokens, abbreviations."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "ABBREVIATIONS",
    "dates_in",
    "expand_abbreviations",
    "expand_numbers",
    "fold",
    "nfc",
    "normalize",
    "ordinals_in",
    "rewrite_numbers",
    "roman_to_int",
    "tokens",
]

# Tone marks as combining characters (NFD). Vowel-quality marks (circumflex, breve, horn) are not tones.
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_VOWELS = set("aeiouy")
# A word that may carry a tone on an oa/oe/uy pair: cheap pre-filter so most words skip the slow path.
_PAIR_HINT = re.compile(
    r"[oòóỏõọuùúủũụ][aàáảãạeèéẻẽẹyỳýỷỹỵ]", re.IGNORECASE
)
_PAIR_WORD = re.compile(r"\w*" + _PAIR_HINT.pattern + r"\w*", re.IGNORECASE)


def nfc(s: str) -> str:
    """Return `s` in Unicode NFC."""
    return unicodedata.normalize("NFC", s)


def _clusters(word: str) -> list[list[str]]:
    """Split a word into [base letter, quality marks, tone mark] clusters (NFD)."""
    out: list[list[str]] = []
    for ch in unicodedata.normalize("NFD", word):
        if unicodedata.combining(ch) and out:
            if ch in _TONES:
                out[-1][2] = ch
            else:
                out[-1][1] += ch
        else:
            out.append([ch, "", ""])
    return out


@lru_cache(maxsize=65536)
def _normalize_syllable(word: str) -> str:
    """Put the tone of an oa/oe/uy syllable where the traditional spelling puts it (hoà→hòa, uỷ→ủy).

    Without a final consonant the tone sits on the first vowel of the pair (hòa, khỏe, thủy);
    with one it sits on the second (hoàng, hoạch, huỳnh). "qu" is an onset, so quý is left alone.
    """
    cl = _clusters(word)
    plain = "".join(c[0].lower() for c in cl)
    for pair in ("oa", "oe", "uy"):
        i = plain.find(pair)
        while i != -1:
            j = i + 1
            before = plain[i - 1] if i > 0 else ""
            after = plain[j + 1] if j + 1 < len(plain) else ""
            clean_pair = not cl[i][1] and not cl[j][1]
            onset_ok = before not in _VOWELS and before != "q"
            if clean_pair and onset_ok and after not in _VOWELS:
                tones = [k for k, c in enumerate(cl) if c[2]]
                if len(tones) == 1:
                    target = i if after == "" else j
                    source = tones[0]
                    if source in (i, j) and source != target:
                        cl[target][2], cl[source][2] = cl[source][2], ""
                        return nfc("".join("".join(c) for c in cl))
                return word
            i = plain.find(pair, i + 1)
    return word


def strip_tones(word: str) -> str:
    """The word without its tone mark, vowel marks kept: "việc" → "viêc", "sổ" → "sô", "vịec" → "viec"."""
    return nfc("".join(c for c in unicodedata.normalize("NFD", word) if c not in _TONES))


def normalize(s: str) -> str:
    """NFC plus one tone-mark placement for oa/oe/uy syllables, so hoà/hòa and uỷ/ủy compare equal."""
    s = nfc(s)
    if not _PAIR_HINT.search(s):
        return s
    return _PAIR_WORD.sub(lambda m: _normalize_syllable(m.group(0)), s)


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x00C0, 0x1EFF + 1):
        ch = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if base and base != ch and len(base) == 1:
            table[code] = base
    table[ord("đ")] = "d"
    table[ord("Đ")] = "D"
    for mark in range(0x0300, 0x0370):  # stray combining marks left after NFC
        table[mark] = None  # type: ignore[assignment]
    return table


_FOLD = _fold_table()


def fold(s: str) -> str:
    """Lower-case, strip diacritics and map đ→d: "Đảng ủy" → "dang uy"."""
    return nfc(s).translate(_FOLD).lower()


# --- search tokens -----------------------------------------------------------------------------

# Order matters: "15/2024/QĐ-UBND" before dates, dates before "30-CT/TW".
_LEGAL_NO = re.compile(r"\b\d+/\d{4}/[a-z]+(?:-[a-z]+)+\b")
_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_DOC_NO = re.compile(r"(?:\b\d+[a-z]?|\*|…|\.{2,})?\s?-\s?[a-z]+(?:/[a-z]+)+(?:-[a-z]+)*\b")
_SEGMENT = re.compile(r"[.,;:!?()\[\]{}“”\"'«»…\n\r\t|]+")
_SYLLABLE = re.compile(r"[a-z0-9]+")


def _doc_number_token(raw: str) -> str:
    return re.sub(r"\s+", "", raw).lstrip("*….")


def tokens(s: str) -> list[str]:
    """Folded syllables and syllable bigrams; document numbers (30-ct/tw) and dates (5/2/2024) stay whole.

    The parts of a document number are also emitted as syllables, so "chỉ thị 30" meets "30-CT/TW".
    """
    text = fold(s)
    out: list[str] = []

    def take(pattern: re.Pattern[str], render) -> None:
        nonlocal text
        def repl(m: re.Match[str]) -> str:
            out.extend(render(m))
            return " . "
        text = pattern.sub(repl, text)

    take(_LEGAL_NO, lambda m: [m.group(0), *_SYLLABLE.findall(m.group(0))])
    take(_DATE, lambda m: [f"{int(m.group(1))}/{int(m.group(2))}/{m.group(3)}", f"{int(m.group(2))}/{m.group(3)}"])

    def doc_no(m: re.Match[str]) -> list[str]:
        whole = _doc_number_token(m.group(0))
        # "-kh/tu" without a number is still a useful whole token (a placeholder number).
        return [whole, *_SYLLABLE.findall(whole)[1 if whole[:1].isdigit() else 0 :]]

    # The number itself stays in the running text so "chỉ thị 30" and "chỉ thị số 30" make bigrams.
    def keep_number(m: re.Match[str]) -> str:
        out.extend(doc_no(m))
        lead = re.match(r"\d+", m.group(0))
        return f" {lead.group(0)} . " if lead else " . "

    text = _DOC_NO.sub(keep_number, text)
    for segment in _SEGMENT.split(text):
        words = _SYLLABLE.findall(segment)
        out.extend(words)
        out.extend(f"{a}_{b}" for a, b in zip(words, words[1:]))
    return out


# --- abbreviations -----------------------------------------------------------------------------

# (abbreviations, full forms, may match when typed in lower case). An abbreviation that folds to a
# common syllable (TU ~ tư/tự, HU ~ hủ, ĐU ~ dù) only counts when written in capitals.
ABBREVIATIONS: tuple[tuple[tuple[str, ...], tuple[str, ...], bool], ...] = (
    (("CT-XH", "CTXH"), ("chính trị - xã hội",), True),
    (("MTTQ",), ("Mặt trận Tổ quốc",), True),
    (("BTGTU",), ("Ban Tuyên giáo Tỉnh ủy",), True),
    (("BTG",), ("Ban Tuyên giáo",), True),
    (("TU",), ("Tỉnh ủy", "Thị ủy"), False),
    (("HU",), ("Huyện ủy",), False),
    (("ĐU",), ("Đảng ủy",), False),
    (("TW",), ("Trung ương",), True),
    (("KH",), ("Kế hoạch",), True),
    (("HD",), ("Hướng dẫn",), True),
    (("CT",), ("Chỉ thị",), True),
    (("NQ",), ("Nghị quyết",), True),
    (("QĐ",), ("Quyết định",), True),
    (("BCV",), ("báo cáo viên",), True),
    (("TTV",), ("tuyên truyền viên",), True),
    (("TTM",), ("tuyên truyền miệng",), True),
    (("VH TT", "VHTT", "VH-TT"), ("Văn hóa Thể thao",), True),
    (("TT",), ("Thường trực",), True),
    (("HĐND",), ("Hội đồng nhân dân",), True),
    (("UBND",), ("Ủy ban nhân dân",), True),
    (("BCH",), ("Ban Chấp hành",), True),
    (("BTV",), ("Ban Thường vụ",), True),
    (("ĐBCS", "DBCS"), ("đảng bộ cơ sở",), True),
    (("CNTT",), ("công nghệ thông tin",), True),
    (("VT",), ("Văn thư",), True),
    (("BBT",), ("Ban Bí thư",), True),
    (("BCT",), ("Bộ Chính trị",), True),
    (("BTC",), ("Ban Tổ chức",), True),
    (("MXH",), ("mạng xã hội",), True),
    (("PCCC",), ("phòng cháy, chữa cháy",), True),
    (("LLCT",), ("lý luận chính trị",), True),
    (("BCĐ", "BCD"), ("Ban Chỉ đạo",), True),
    (("ĐTN",), ("Đoàn Thanh niên",), True),
    (("HLHPN", "HPN"), ("Hội Liên hiệp Phụ nữ",), True),
    (("UBKT",), ("Ủy ban kiểm tra",), True),
    (("VP",), ("Văn phòng",), False),
    (("UB",), ("Ủy ban",), True),
    (("TN",), ("Thanh niên",), True),
    (("PN",), ("Phụ nữ",), True),
    (("TTVH",), ("Trung tâm Văn hóa",), True),
    (("SĐT", "SDT"), ("số điện thoại",), True),
    (("CBĐV", "CBDV"), ("cán bộ, đảng viên",), True),
    (("PBT",), ("Phó Bí thư",), True),
)

_ABBR_WORD = re.compile(r"[0-9A-Za-zÀ-ỹĐđ]+")


def _build_abbreviation_maps():
    """Word-sequence lookups: abbreviations (case-sensitive when ambiguous) and folded full forms."""
    exact: dict[tuple[str, ...], int] = {}  # original spelling, e.g. ("TU",)
    folded: dict[tuple[str, ...], int] = {}  # folded spelling, e.g. ("ct", "xh")
    full: dict[tuple[str, ...], int] = {}
    for idx, (abbrs, fulls, safe) in enumerate(ABBREVIATIONS):
        for a in abbrs:
            words = tuple(_ABBR_WORD.findall(a))
            if safe:
                folded[tuple(fold(w) for w in words)] = idx
            else:
                exact[words] = idx
        for f in fulls:
            full[tuple(fold(w) for w in _ABBR_WORD.findall(f))] = idx
    return exact, folded, full


_ABBR_EXACT, _ABBR_FOLDED, _ABBR_FULL = _build_abbreviation_maps()
# The words of the abbreviations that are safe in any case ("ttv", "btg", "ct", "xh"): a text that
# spells them out does not contain them.
ABBREVIATION_WORDS = frozenset(w for key in _ABBR_FOLDED for w in key if len(w) > 1)


def _starts(mapping: dict[tuple[str, ...], int]) -> dict[str, list[int]]:
    out: dict[str, set[int]] = {}
    for key in mapping:
        out.setdefault(key[0], set()).add(len(key))
    return {k: sorted(v, reverse=True) for k, v in out.items()}


_START_EXACT, _START_FOLDED, _START_FULL = _starts(_ABBR_EXACT), _starts(_ABBR_FOLDED), _starts(_ABBR_FULL)


def _scan(words: list[str], folded: list[str], abbreviations: bool) -> list[int]:
    """Longest-first, non-overlapping matches over the word sequence."""
    found = []
    i, n = 0, len(words)
    while i < n:
        idx = None
        size = 1
        if abbreviations:
            for size in _START_FOLDED.get(folded[i], ()):
                idx = _ABBR_FOLDED.get(tuple(folded[i : i + size]))
                if idx is not None:
                    break
            if idx is None:
                for size in _START_EXACT.get(words[i], ()):
                    idx = _ABBR_EXACT.get(tuple(words[i : i + size]))
                    if idx is not None:
                        break
        else:
            for size in _START_FULL.get(folded[i], ()):
                idx = _ABBR_FULL.get(tuple(folded[i : i + size]))
                if idx is not None:
                    break
        if idx is not None:
            found.append(idx)
            i += size
        else:
            i += 1
    return found


def expand_abbreviations(s: str) -> str:
    """Return `s` followed by the full forms of its abbreviations and the abbreviations of its full forms.

    Both directions, so "MTTQ" and "Mặt trận Tổ quốc" share search terms whichever way a text is spelled.
    """
    text = nfc(s)
    words = _ABBR_WORD.findall(text)
    folded = _ABBR_WORD.findall(fold(text))
    if len(folded) != len(words):  # folding changed a word boundary (rare symbols): word by word
        folded = [fold(w) for w in words]
    extra: list[str] = []
    seen: set[tuple[int, bool]] = set()
    for idx in _scan(words, folded, abbreviations=True):
        if (idx, True) not in seen:
            seen.add((idx, True))
            extra.extend(ABBREVIATIONS[idx][1])
    for idx in _scan(words, folded, abbreviations=False):
        if (idx, False) not in seen:
            seen.add((idx, False))
            extra.append(ABBREVIATIONS[idx][0][0])
    if not extra:
        return text
    return text + "\n(" + "; ".join(extra) + ")"


# --- numbers written either way -------------------------------------------------------------------
# "quý IV" / "quý 4", "phần II" / "phần 2", "ngày 5/6" / "05/06" / "ngày 5 tháng 6", "mùng 5" / "ngày 5".

_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
_ROMAN_WORD = re.compile(r"^(?=[ivxlc]+$)m{0,3}(c[md]|d?c{0,3})(x[cl]|l?x{0,3})(i[xv]|v?i{0,3})$")
# Words after which a number is an ordinal that documents write in Roman or Arabic numerals alike.
_ORDINAL_HEADS = ("quy", "phan", "muc", "chuong", "dieu", "khoa", "dot", "giai doan")
_ORDINAL = re.compile(r"\b(" + "|".join(h.replace(" ", r"\s+") for h in _ORDINAL_HEADS)
                      + r")\s+(?:thu\s+)?([ivxlc]+|\d{1,2})\b")
_DOTTED = re.compile(r"\b(phan|muc)\s+([ivx]+)\s*\.\s*(\d{1,2})\b")  # "mục III.2": part III, its item 2
_DAY_MONTH = re.compile(r"\b(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{4}))?\b")
_SPELLED_DATE = re.compile(r"\b(?:ngay|mung|mong)\s+(\d{1,2})\s+thang\s+(\d{1,2})(?:\s+nam\s+(\d{4}))?\b")
_MUNG = re.compile(r"\b(?:mùng|mồng|mung|mong)\s+(\d{1,2})\b", re.IGNORECASE)


def roman_to_int(word: str) -> int | None:
    """"iv" → 4; None when `word` is not a Roman numeral (case ignored)."""
    w = word.lower()
    if not w or not _ROMAN_WORD.match(w):
        return None
    total = 0
    for a, b in zip(w, w[1:] + " "):
        value = _ROMAN[a]
        total += -value if b != " " and _ROMAN[b] > value else value
    return total


def int_to_roman(n: int) -> str:
    out = []
    for value, letters in ((100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"),
                           (1, "I")):
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)


def ordinals_in(s: str) -> set[tuple[str, int]]:
    """Ordinals after "quý", "phần", "mục", "chương", "điều", "khóa", "đợt": {("quy", 4)} for "quý IV" or "quy 4";
    "mục III.2" is item 2 of part III: {("phan", 3), ("muc", 2)}."""
    out = set()
    folded = fold(s)
    for m in _ORDINAL.finditer(folded):
        raw = m.group(2)
        n = int(raw) if raw.isdigit() else roman_to_int(raw)
        if n:
            out.add((" ".join(m.group(1).split()), n))
    for m in _DOTTED.finditer(folded):
        part = roman_to_int(m.group(2))
        if part:
            out.discard((m.group(1), part))
            out |= {("phan", part), ("muc", int(m.group(3)))}
    return out


def dates_in(s: str) -> set[tuple[int, int, int | None]]:
    """Day-month dates, whichever way written: (5, 6, None) for "5/6", "05/06", "ngày 5 tháng 6", "mùng 5/6"."""
    text = fold(s)
    out = set()
    for pattern in (_DAY_MONTH, _SPELLED_DATE):
        for m in pattern.finditer(text):
            d, mo = int(m.group(1)), int(m.group(2))
            if 1 <= d <= 31 and 1 <= mo <= 12:
                out.add((d, mo, int(m.group(3)) if m.group(3) else None))
    return out


def expand_numbers(s: str) -> str:
    """Return `s` followed by the other spellings of its ordinals and dates, for searching.

    Like `expand_abbreviations`: the text itself is kept; "quý 4" gains "quý IV", "ngày 5/6" gains
    "ngày 05/06" and "ngày 5 tháng 6", "mùng 5" gains "ngày 5".
    """
    extra: list[str] = []
    for head, n in sorted(ordinals_in(s)):
        extra += [f"{head} {n}", f"{head} {int_to_roman(n)}"]
    for d, mo, y in sorted(dates_in(s), key=lambda t: (t[0], t[1], t[2] or 0)):
        year = f"/{y}" if y else ""
        spelled_year = f" năm {y}" if y else ""
        extra += [f"ngày {d}/{mo}{year}", f"ngày {d:02d}/{mo:02d}{year}", f"ngày {d} tháng {mo}{spelled_year}",
                  f"ngày {d:02d} tháng {mo:02d}{spelled_year}"]
    for m in _MUNG.finditer(nfc(s)):
        extra.append(f"ngày {int(m.group(1))}")
    if not extra:
        return s
    return s + "\n(" + "; ".join(dict.fromkeys(extra)) + ")"


def rewrite_numbers(s: str, known) -> str:
    """`s` with each ordinal and day-month date spelled the way the documents spell it.

    `known(term)` tells whether a search term (a folded bigram such as "quy_iv") occurs in the index; the
    spelling as typed is kept when it occurs or when no other one does.
    """
    def ordinal(m: re.Match[str]) -> str:
        head, raw = m.group(1), m.group(2)
        n = int(raw) if raw.isdigit() else roman_to_int(raw)
        if not n:
            return m.group(0)
        last = fold(head).split()[-1]
        for form in (raw, str(n), int_to_roman(n)):
            if known(f"{last}_{fold(form)}"):
                return m.group(0)[: m.start(2) - m.start(0)] + form
        return m.group(0)

    def date(m: re.Match[str]) -> str:
        if m.group(3):  # a full date is one search term whatever its zeros
            return m.group(0)
        d, mo = int(m.group(1)), int(m.group(2))
        if not (1 <= d <= 31 and 1 <= mo <= 12):
            return m.group(0)
        for form in (f"{d}/{mo}", f"{d:02d}/{mo:02d}", f"{d}/{mo:02d}", f"{d:02d}/{mo}"):
            a, b = form.split("/")
            if known(f"{a}_{b}"):
                return form
        for a, b in ((d, mo), (f"{d:02d}", f"{mo:02d}"), (f"{d:02d}", mo)):
            if known(f"{a}_thang") and known(f"thang_{b}"):
                return f"{a} tháng {b}"
        return m.group(0)

    text = nfc(s)
    text = _MUNG.sub(lambda m: f"ngày {int(m.group(1))}", text)
    text = _ORDINAL_TYPED.sub(ordinal, text)
    return _DAY_MONTH_TYPED.sub(date, text)


_ORDINAL_TYPED = re.compile(r"(?i)\b(quý|quy|phần|phan|mục|muc|chương|chuong|khóa|khoá|khoa|đợt|dot|giai đoạn|giai doan)"
                            r"\s+(?:thứ\s+|thu\s+)?([ivxlcIVXLC]+|\d{1,2})\b")
_DAY_MONTH_TYPED = re.compile(r"\b(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{4}))?\b")
