"""How cadres type, read back: chat abbreviations written out and typos corrected against the documents' words.

"ct30 gui cho ai vs", "vịec của ttv", "qan trọng", "k dc" — a phone keyboard, no time, no marks. Before
a question is searched, `respell` writes out the chat shorthand that is unambiguous in this domain and
corrects a word no document uses to the document word one keystroke away (the most frequent such word).
A word the documents use is never changed, and neither is a number, a document number or a word of two
letters or fewer unless it is a known shorthand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.text import fold, nfc, strip_tones

# Chat shorthand -> what it stands for, by folded spelling. Only forms with one reading in questions to a
# propaganda board: "dv" is "đảng viên" here (cadres write "đơn vị" out), "k" is "không".
CHAT = {
    "vs": "với", "k": "không", "ko": "không", "hok": "không", "khg": "không", "kg": "không", "kh0ng": "không",
    "dc": "được", "j": "gì", "ji": "gì", "ntn": "như thế nào", "bn": "bao nhiêu", "bnhieu": "bao nhiêu",
    "dv": "đảng viên", "cb": "cán bộ", "cbcc": "cán bộ, công chức", "cbccvc": "cán bộ, công chức, viên chức",
    "ng": "người", "trc": "trước", "mn": "mọi người", "mng": "mọi người", "d/c": "đồng chí", "cq": "cơ quan",
    "nv": "nhiệm vụ", "tg": "thời gian", "bc": "báo cáo", "hd": "hướng dẫn", "tp": "thành phố",
    "nq": "nghị quyết", "ct": "chỉ thị", "kh": "kế hoạch", "cv": "công văn", "tb": "thông báo", "vb": "văn bản",
    "dt": "điện thoại", "bh": "bao giờ", "bjo": "bao giờ", "bgio": "bao giờ", "cx": "cũng", "cg": "cũng",
    "r": "rồi", "z": "vậy", "ak": "à", "xd": "xây dựng", "ql": "quản lý",
}
# Shorthand that is also a word of the documents ("tt" Thường trực, "kh" in "KH/TU", "thi" in "thi đua") is
# only written out when the documents do not use it as a word of their own (see `respell`).
_GLUED = re.compile(r"(?i)\b(ct|kh|qd|qđ|nq|hd|tb|cv|kl)(\d{1,4})\b")  # "ct30", "kh129", "qđ98"
_WORD = re.compile(r"[0-9A-Za-zÀ-ỹĐđ]+(?:[/-][0-9A-Za-zÀ-ỹĐđ]+)*")
_VOWELS = "aeiouy"


@dataclass(frozen=True)
class Respelling:
    text: str  # the question as searched
    changes: tuple[tuple[str, str], ...] = ()  # (as typed, as read)


def _edits1(word: str) -> set[str]:
    """Folded words one edit away (insert, delete, substitute, swap) over a-z."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in letters}
    out |= {a + c + b for a, b in splits for c in letters}
    out.discard(word)
    return out


def respell(text: str, vocabulary) -> Respelling:
    """The question with chat shorthand written out and unknown words corrected to document words.

    `vocabulary.count(folded_word)` says how many passages use a folded syllable (0: none) and
    `vocabulary.marked(word)` whether some passage spells a word with exactly its marks.
    """
    text = nfc(text)
    text = _GLUED.sub(lambda m: f"{m.group(1)} {m.group(2)}", text)
    changes: list[tuple[str, str]] = []
    found = list(_WORD.finditer(text))
    words = [m.group(0) for m in found]
    index = {m.start(): i for i, m in enumerate(found)}  # a word's place among its neighbours
    # A question typed without any mark gets its shorthand written out without marks too: one way of writing
    # for the whole question ("kh nay can cu vao vb nao": "ke hoach … van ban", not "kế hoạch … văn bản" among
    # unmarked words, which read as other words and search differently).
    plain = text.isascii()

    def written(full: str) -> str:
        return fold(full) if plain else full

    def fix(m: re.Match) -> str:
        word = m.group(0)
        f = fold(word)
        i = index[m.start()]
        if any(c.isdigit() for c in word) or (("/" in word or "-" in word) and f not in CHAT):
            return word  # numbers, "30-CT/TW", "CT-XH": as typed
        if f == "dv" and i > 0 and fold(words[i - 1]) in ("cq", "quan"):
            changes.append((word, written("đơn vị")))  # "cq, đv": "cơ quan, đơn vị", the documents' pair
            return written("đơn vị")
        if word.lower() in _EITHER:  # "hđ": "hoạt động" or "hội đồng", whichever the documents say more
            full = max(_EITHER[word.lower()], key=lambda r: vocabulary.count("_".join(fold(r).split())))
            changes.append((word, full))
            return full
        if f in CHAT and not (word.isupper() and len(word) > 1) and (vocabulary.count(f) == 0 or f in _ALWAYS):
            full = written(CHAT[f])
            if full != word:
                changes.append((word, full))
            return full
        if f in _STOP or word.lower() in _STOP:
            return word  # "nhờ", "cho", "gì": how it is asked, never a typo to correct
        if vocabulary.count(f) > 0 or len(f) < 3:
            if vocabulary.count(f) > 0 and f != word.lower() and (
                    _marks_unknown(word, vocabulary) or _pair_known(words, i, vocabulary)):
                changes.append((word, f))
                return f  # a known word with a wrong mark ("vịec", "phương thúc"): read it by its letters
            return word
        if _SYLLABLE.match(f) or f != word.lower():
            return word  # a Vietnamese word the documents happen not to use ("chót", "kênh"): not a typo
        best, best_count = None, 0
        for candidate in _edits1(f):
            count = vocabulary.count(candidate)
            if count > best_count and _plausible(f, candidate):
                best, best_count = candidate, count
        if best is None:
            return word
        changes.append((word, best))
        return best

    out = _WORD.sub(fix, text)
    return Respelling(out, tuple(changes))


# Shorthand with more than one reading, as typed: the reading the documents use most is taken ("hđ" with its
# "đ" is never "hướng dẫn", which "hd" stays).
_EITHER = {"hđ": ("hoạt động", "hội đồng")}

# Function words and question words, as typed (with or without marks): never corrected.
_STOP = frozenset("là gì nào ai bao nhiêu thế như sao của và các những có không được trong về cho với ở tại để do này "
                  "đó kia hay hoặc một mọi nhé ạ à ư vậy thì mà nếu khi đâu gồm bị bởi ra vào lên nên cần phải theo từ "
                  "đến hỏi xin biết hãy em anh chị tôi mình ta mấy giờ lúc làm nhỉ nha hả đã sẽ rồi muốn rõ hơn lắm "
                  "quá rất cũng vẫn đang nữa chứ thôi nhờ ơn vui lòng bạn ad admin ơi dạ vâng".split())

# Shorthand written out even where a document uses the same letters as a word of its own: in a question
# they are almost always the shorthand ("k" is never the letter k, "vs" never a word).
_ALWAYS = frozenset({"vs", "k", "ko", "hok", "khg", "j", "ntn", "bn", "dc", "dv", "ng", "trc", "cbcc", "cbccvc", "xd",
                     "d/c", "mn", "mng", "bnhieu", "bjo", "bgio", "cx", "bc", "cq", "nv", "vb", "tb", "cv", "nq",
                     "kh", "ct", "hd"})


def _marks_unknown(word: str, vocabulary) -> bool:
    """Whether a word typed with marks is a mistyped document word rather than a word of its own.

    "vịec": a vowel pair that Vietnamese always writes with its marks ("iê", "uô", "ươ", "yê") typed without
    them, the mark on the wrong letter; "nhiêm": typed without its tone, and a document has it with one
    ("nhiệm"). "sổ", "nhờ" are words of their own the documents happen not to use: left as typed.
    """
    word = nfc(word).lower()
    if vocabulary.marked(word):
        return False
    plain = strip_tones(word)
    if _BARE_PAIR.search(plain):
        return True
    return plain == word and vocabulary.shaped(word)


def _pair_known(words: list[str], i: int, vocabulary) -> bool:
    """Whether a word the documents never spell with these marks makes, by its letters, a pair of words the
    documents use with a neighbour typed as they spell it: "phương thúc" is "phương thức" mistyped (no
    document has "thúc"; "phương thức" is theirs). A word they do spell so is never changed."""
    if vocabulary.marked(words[i]):
        return False
    for j, pair in ((i - 1, (i - 1, i)), (i + 1, (i, i + 1))):
        if 0 <= j < len(words) and not any(c.isdigit() for c in words[j]) and len(words[j]) > 1:
            neighbour = words[j]
            if fold(neighbour) != neighbour.lower() and not vocabulary.marked(neighbour):
                continue  # the neighbour is no document word as typed either: no evidence
            if vocabulary.count("_".join(fold(words[k]) for k in pair)) > 0:
                return True
    return False


# Vowel pairs written only with their marks: "ie" is "iê", "uo" is "uô"/"ươ", "ye" is "yê" ("uy", "ua" aside).
_BARE_PAIR = re.compile(r"(?<!g)ie|uo(?!i$)|ye")


def _plausible(typed: str, candidate: str) -> bool:
    """A correction keeps the word's first letter and is itself a Vietnamese syllable."""
    return typed[0] == candidate[0] and bool(_SYLLABLE.match(candidate))


# A possible Vietnamese syllable, folded: onset, vowels, final consonant. A typed word that is none ("qan",
# "nhiem vu" is fine, "ttruyen" is not) is a typo; one that is ("chot", "kenh") is a word, left alone.
_SYLLABLE = re.compile(r"^(?:ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdghklmnprstvx])?"
                       r"(?:[aeiouy]{1,3})(?:ch|nh|ng|[cmnpt])?$")
