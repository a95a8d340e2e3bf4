"""How common each search term is in Vietnamese at large, as a weight on its BM25 score.

BM25 learns how telling a word is only from the indexed documents. A board's folder is small (the plan
alone is 16 chunks), so its idf is noisy: a word every passage happens to share counts for nothing, a
common word that a few passages happen to lack ("hiện nay") counts as rare. The frequency of the word in
Vietnamese at large (the `wordfreq` package: Wikipedia, subtitles, news, web text; Zipf scale, ~7 for
"là", "của", ~5 for "bệnh", "truyền", below 3 or absent for "insulin", "Erucic") corrects it:
each term's BM25 weight is multiplied by exp(-γ (zipf - 5)), γ = 0.1, i.e. ×0.8 for the commonest
words and up to ×1.65 for words the list does not have. A bigram counts as common as its rarer syllable.

Numbers are not in the list: they keep weight 1.

On the public sets (bench/bench_retrieval.py, the fusion's coefficients unchanged) BM25 alone gained
3.0 / 1.6 / 0.2 points of P@1 (ViMedAQA / ViQuAD2 / ViRe4MRC) and the fused ranking 0.4 / 0.1 / 0.7
(84.0 / 82.1 / 13.2): the held-out half of every set gained, no tuning half lost. γ was chosen on the
tuning halves (0.05–0.2 lie within 0.15 of each other there); a re-tuned fusion gained on the tuning
halves only, so the coefficients stayed.
On Loa's dev set one held-out "who" question of 75 is now answered from the body's own section instead
of the passage that names it as the core force (tests/devset.json; everything else unchanged).
"""

from __future__ import annotations

import functools
import logging
import math

import numpy as np

from indexer.text import fold

GAMMA = 0.1
REFERENCE_ZIPF = 5.0
LOW, HIGH = 0.3, 2.0
VERSION = f"wordfreq-vi/{GAMMA}/numbers-neutral"

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def _frequencies() -> tuple[dict[str, float], dict[str, float]]:
    """(marked word → frequency, folded word → frequency summed over its spellings); empty without wordfreq."""
    try:
        import wordfreq
    except ImportError:
        log.warning("wordfreq is not installed: BM25 terms get no weight for how common they are")
        return {}, {}
    marked = wordfreq.get_frequency_dict("vi")
    folded: dict[str, float] = {}
    for word, p in marked.items():
        key = fold(word)
        folded[key] = folded.get(key, 0.0) + p
    return marked, folded


def _zipf(p: float) -> float:
    return math.log10(p) + 9.0 if p > 0 else 0.0


def term_zipf(term: str) -> float:
    """Zipf frequency of an index term: "~bệnh" as spelled, "benh" over every spelling, "a_b" as its rarer part."""
    marked, folded = _frequencies()
    if "_" in term:
        return min(_zipf(folded.get(p, 0.0)) for p in term.split("_"))
    if term.startswith("~"):
        return _zipf(marked.get(term[1:], 0.0))
    return _zipf(folded.get(term, 0.0))


def term_prior(vocab: list[str]) -> np.ndarray:
    """The weight of each term of `vocab` (1.0 for all when wordfreq is missing)."""
    marked, _ = _frequencies()
    if not marked:
        return np.ones(len(vocab), dtype=np.float32)
    z = np.fromiter((term_zipf(t) for t in vocab), dtype=np.float64, count=len(vocab))
    out = np.clip(np.exp(-GAMMA * (z - REFERENCE_ZIPF)), LOW, HIGH).astype(np.float32)
    # The list has no numbers: it says nothing of "30" or "2024", which keep the documents' own weight.
    digits = np.fromiter((any(ch.isdigit() for ch in t) for t in vocab), dtype=bool, count=len(vocab))
    out[digits] = 1.0
    return out
