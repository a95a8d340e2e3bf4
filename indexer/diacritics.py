"""Diacritics restoration: a syllable bigram model learnt from the indexed documents puts the marks back.

Cadres often type without diacritics ("nhiem vu cua tuyen truyen vien"). The lexical channel matches
folded text and does not care, but the embedding model reads "nhiem vu" as a different string from
"nhiệm vụ". So before a question is embedded, each unmarked syllable is given the spelling that the
documents themselves use most in that context: a Viterbi search over the spellings seen for each
folded syllable, scored with bigram counts (interpolated with unigram counts) taken from the same
documents. The model is built with the index and stored in its folder (`diacritics.json`).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path
from typing import Iterable

from indexer.text import fold, normalize

FILE = "diacritics.json"
VERSION = 2

# A syllable as typed: letters (with or without marks) and digits.
_WORD = re.compile(r"[^\W_]+")
# Punctuation that ends a context: bigrams do not cross it.
_BREAK = re.compile(r"[.,;:!?()\[\]{}“”\"'«»…\n\r\t|/]+")
# Questions use words that documents rarely contain; these phrases count as if seen this many times.
QUESTION_PHRASES = (
    "là gì; là ai; do ai; của ai; ai là; bao nhiêu; bao giờ; khi nào; ở đâu; tại sao; vì sao; thế nào; "
    "như thế nào; ra sao; làm gì; có không; được không; những gì; gồm những gì; nào; hay không; phải không; "
    "có phải; cho biết; xin hỏi; tôi muốn biết; là bao nhiêu; mấy; có nhiệm vụ gì; có trách nhiệm gì; "
    "có vai trò gì; có quyền gì; phải làm gì; cần làm gì; được làm gì; có được không; có cần không; "
    "đâu là; từ đâu; đến đâu; ở nơi nào; lúc nào; vào lúc nào; năm nào; loại nào; cách nào; thì sao; thì có; "
    "thì được; thì là; khi đó thì; nếu vậy thì; dùng để làm gì; nêu; nêu rõ"
)
# Each phrase counts once per this many segments of the documents (at least 3 times), so that the
# question words keep their weight in a large corpus ("nào" against "não" in medical texts).
QUESTION_SHARE = 50
START, END = "<s>", "</s>"  # segment boundaries: "nào" and "đâu" end questions, "não" and "đầu" rarely
_INTERPOLATION = 0.8  # weight of the bigram estimate against the unigram one
_FLOOR = 1e-7  # probability of a spelling never seen in this context nor alone


def _segments(text: str) -> Iterable[list[str]]:
    for part in _BREAK.split(normalize(text).lower()):
        words = _WORD.findall(part)
        if words:
            yield words


def marked_share(text: str) -> float:
    """Share of the letter syllables in `text` that carry a diacritic (0 for "nhiem vu", ~0.7 for Vietnamese)."""
    words = [w for w in _WORD.findall(text) if not w.isdigit()]
    if not words:
        return 0.0
    return sum(1 for w in words if fold(w) != w.lower()) / len(words)


class DiacriticsModel:
    """Spelling counts per folded syllable and per folded syllable pair, from the indexed text."""

    def __init__(self, unigrams: dict[str, int], bigrams: dict[str, int]):
        self.unigrams = unigrams  # "nhiệm" -> count
        self.bigrams = bigrams  # "nhiệm vụ" -> count
        self.total = max(1, sum(unigrams.values()))
        self.spellings: dict[str, list[str]] = {}
        # Equal counts in the order of the spellings themselves, not of the documents that hold them: a delta
        # merged with its base (indexer.segments) counts the same syllables in another order.
        for w in sorted(unigrams, key=lambda w: (-unigrams[w], w)):
            if w not in (START, END):
                self.spellings.setdefault(fold(w), []).append(w)

    @classmethod
    def learn(cls, texts: Iterable[str]) -> "DiacriticsModel":
        """Count syllables and syllable pairs of `texts` (as spelled, lower case)."""
        return cls.from_counts(SyllableCounts.of(texts))

    @classmethod
    def from_counts(cls, counts: "SyllableCounts") -> "DiacriticsModel":
        """The model of the documents counted: their counts, the question phrases, the pairs that help."""
        uni: Counter[str] = Counter(counts.unigrams)
        bi: Counter[str] = Counter(counts.bigrams)
        times = max(3, counts.segments // QUESTION_SHARE)
        for words in _segments(QUESTION_PHRASES.replace(";", "\n")):
            _count(uni, bi, words, times)
        # A pair only helps when one of its syllables has more than one spelling.
        folded_spellings: Counter[str] = Counter(fold(w) for w in uni)
        ambiguous = {w for w in uni if folded_spellings[fold(w)] > 1}
        bi = Counter({k: c for k, c in bi.items()
                      if any(w in ambiguous for w in k.split(" ") if w not in (START, END))})
        return cls(dict(uni), dict(bi))

    def restore(self, text: str) -> str:
        """`text` with its unmarked syllables spelled as the documents spell them; other characters kept.

        Syllables that already carry marks are kept as typed and serve as context.
        """
        pieces = re.split(r"([^\W_]+)", normalize(text))
        # pieces alternate: separator, word, separator, word, ..., separator
        words = pieces[1::2]
        if not words:
            return text
        restored = list(words)
        # Runs of words between context breaks are restored independently.
        start = 0
        for k in range(len(words) + 1):
            boundary = k == len(words) or (k > 0 and _BREAK.search(pieces[2 * k]))
            if boundary and k > start:
                restored[start:k] = self._restore_run(words[start:k])
                start = k
        out = list(pieces)
        out[1::2] = [_match_case(orig, new) for orig, new in zip(words, restored)]
        return "".join(out)

    def _options(self, word: str) -> list[str]:
        low = word.lower()
        if low.isdigit() or fold(low) != low:  # a number, or already marked: keep
            return [low]
        return self.spellings.get(low) or [low]

    def _logp(self, prev: str, word: str) -> float:
        uni = (self.unigrams.get(word, 0) + 0.1) / self.total
        pair = self.bigrams.get(f"{prev} {word}", 0)
        prev_count = self.unigrams.get(prev, 0)
        bi = pair / prev_count if prev_count else 0.0
        return math.log(_INTERPOLATION * bi + (1 - _INTERPOLATION) * uni + _FLOOR)

    def _restore_run(self, words: list[str]) -> list[str]:
        options = [self._options(w) for w in words]
        if all(len(o) == 1 for o in options):
            return [o[0] for o in options]
        # Viterbi over the spellings of each syllable, from the segment start to its end.
        scores = {START: 0.0}
        back: list[dict[str, str]] = []
        for opts in [*options, [END]]:
            step: dict[str, float] = {}
            ptr: dict[str, str] = {}
            for w in opts:
                best_prev, best = None, -math.inf
                for p, s in scores.items():
                    v = s + self._logp(p, w)
                    if v > best:
                        best_prev, best = p, v
                step[w], ptr[w] = best, best_prev  # type: ignore[assignment]
            back.append(ptr)
            scores = step
        path = [END]
        for ptr in reversed(back):
            path.append(ptr[path[-1]])
        return path[::-1][1:-1]

    def to_dict(self) -> dict:
        return {"version": VERSION, "unigrams": self.unigrams, "bigrams": self.bigrams}

    def save(self, folder: Path) -> None:
        (folder / FILE).write_text(json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")),
                                   encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "DiacriticsModel | None":
        """The model stored in an index folder, or None if there is none (an index built before it existed)."""
        data = _read(folder / FILE)
        return cls(data["unigrams"], data["bigrams"]) if data is not None else None


def _read(path: Path) -> dict | None:
    """A stored file of this module, or None when it is missing, unreadable or of another VERSION."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if data.get("version") == VERSION else None


def _count(uni: Counter, bi: Counter, words: list[str], times: int = 1) -> None:
    words = [START, *(w for w in words if not w.isdigit()), END]
    for w in words:
        uni[w] += times
    for a, b in zip(words, words[1:]):
        bi[f"{a} {b}"] += times


COUNTS_FILE = "diacritics-counts.json"


class SyllableCounts:
    """The syllables and syllable pairs of some passages, before the question phrases and the pair filter
    (`DiacriticsModel.from_counts`): counts of a base and a delta add up, those of removed passages come off."""

    def __init__(self, unigrams: Counter, bigrams: Counter, segments: int):
        self.unigrams, self.bigrams, self.segments = unigrams, bigrams, segments

    @classmethod
    def of(cls, texts: Iterable[str]) -> "SyllableCounts":
        uni: Counter[str] = Counter()
        bi: Counter[str] = Counter()
        segments = 0
        for text in texts:
            for words in _segments(text):
                _count(uni, bi, words)
                segments += 1
        return cls(uni, bi, segments)

    def __add__(self, other: "SyllableCounts") -> "SyllableCounts":
        return SyllableCounts(self.unigrams + other.unigrams, self.bigrams + other.bigrams,
                              self.segments + other.segments)

    def __sub__(self, other: "SyllableCounts") -> "SyllableCounts":
        return SyllableCounts(self.unigrams - other.unigrams, self.bigrams - other.bigrams,
                              self.segments - other.segments)

    def save(self, folder: Path) -> None:
        (folder / COUNTS_FILE).write_text(json.dumps(
            {"version": VERSION, "segments": self.segments, "unigrams": self.unigrams, "bigrams": self.bigrams},
            ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "SyllableCounts | None":
        data = _read(folder / COUNTS_FILE)
        return cls(Counter(data["unigrams"]), Counter(data["bigrams"]), int(data["segments"])) if data is not None else None


def _match_case(original: str, restored: str) -> str:
    if original.isupper() and len(original) > 1:
        return restored.upper()
    if original[:1].isupper():
        return restored[:1].upper() + restored[1:]
    return restored
