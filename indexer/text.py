"""Vietnamese text helpers: Unicode and tone-mark normalisation, diacritic folding, search tokens, abbreviations."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "ABBREVIATIONS",
    "expand_abbreviations",
    "fold",
    "nfc",
    "normalize",
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
