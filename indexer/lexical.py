"""BM25 over folded syllables and bigrams, stored as a compressed inverted index (CSR arrays)."""

from __future__ import annotations

import json
import math
from collections import Counter
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from indexer.prior import term_prior
from indexer.text import fold, normalize, tokens

# Question words and function words: they carry no topic, so they do not count as evidence.
STOPWORDS = frozenset(
    fold(w)
    for w in (
        "là gì nào ai bao nhiêu thế như sao của và các những có không được trong về cho với ở tại để do "
        "này đó kia hay hoặc một mọi nhé ạ à ư vậy thì mà nếu khi nào đâu gồm bị bởi ra vào lên nên "
        "cần phải theo từ đến hỏi xin cho biết hãy em anh chị tôi mình ta"
    ).split()
)


_WORD = re.compile(r"\w+")


def terms(text: str) -> list[str]:
    """Index terms: the folded tokens, plus "~" + each syllable as spelled when it has diacritics.

    A question typed with diacritics then prefers the exact word (ký over kỳ) while one typed without
    still meets every spelling through the folded tokens.
    """
    out = tokens(text)
    for w in _WORD.findall(normalize(text).lower()):
        if not w.isascii():
            out.append("~" + w)
    return out


def average_length(lengths: np.ndarray) -> float:
    """The mean document length as float32 arithmetic gives it for an exact total (every total below 2**24,
    as numpy's float32 mean did), whatever the order of the documents: a delta merged with its base
    (indexer.segments) then has the average length of a full build, to the last bit."""
    total = float(np.sum(lengths, dtype=np.float64))  # whole numbers: exact up to 2**53
    return float(np.float32(total) / np.float32(len(lengths)))


class LexicalIndex:
    """Okapi BM25 with per-posting weights precomputed, so a query only touches its terms' postings.

    k1 = 1.2 and b = 0.9 (stronger length normalisation than the textbook 0.75) came out best on the
    public Vietnamese sets in bench/bench_retrieval.py (P@1 of BM25 alone +2.3 on ViMedAQA, +2.1 on
    ViQuAD against the earlier 1.6 / 0.5), with the dev set's ranking unchanged after fusion (hit@1
    0.947). Parameters are stored with the index; a build with other parameters re-weights every
    posting from the stored term counts (nothing is re-read).
    """

    K1 = 1.2
    B = 0.9
    FULL_PASS_SHARE = 8  # `top` scores every document when more than 1/8 of them are candidates
    SEARCH_SHARE = 16  # `scores_of` searches a term's postings for each document when they are 16 times more
    SEED_SCORED = 8  # `top` scores at most 8 k documents exactly for its first k-th best score

    def __init__(self, vocab: list[str], indptr: np.ndarray, postings: np.ndarray, tfs: np.ndarray,
                 lengths: np.ndarray, k1: float, b: float, term_ids: dict[str, int] | None = None,
                 prior: np.ndarray | None = None, source: "Path | Callable[[], np.ndarray] | None" = None):
        self.vocab = vocab
        self.term_ids = term_ids if term_ids is not None else {t: i for i, t in enumerate(vocab)}
        self.indptr = indptr
        self.postings = postings  # document index of each posting, sorted within a term
        # Term frequency of each posting: only a rebuild needs them once the weights are made, so an index
        # read from `source` (its folder, or a function that makes them again) reads them again then (at 100,000
        # chunks they are ~100 MB).
        self._tfs = tfs if source is None else None
        self._source = source
        self.lengths = lengths  # tokens per document
        self.n_docs = len(lengths)
        self.k1 = k1
        self.b = b
        n = self.n_docs
        df = np.diff(indptr).astype(np.float32)
        self.idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)  # the documents' own (evidence)
        # How common each term is in Vietnamese at large (indexer/prior.py) weighs on the ranking only.
        self.prior = prior if prior is not None and len(prior) == len(vocab) else term_prior(vocab)
        avgdl = max(average_length(lengths), 1e-9) if n else 1.0
        # idf · prior · tf · (k1 + 1) / (tf + k1 · (1 - b + b · length / avgdl)), each operation in the same order
        # and precision as one expression over every posting, with the per-term and per-document factors made
        # first and fewer temporaries (a base merged with a delta is weighed again at each upload).
        norm = k1 * (1.0 - b + b * lengths / avgdl)
        weights = (self.idf * self.prior)[np.repeat(np.arange(len(vocab), dtype=np.int32), np.diff(indptr))]
        weights *= tfs
        weights *= np.float32(k1 + 1.0)
        denominator = norm.astype(np.float32)[postings]
        denominator += tfs
        weights /= denominator
        del denominator
        self.weights = weights
        self.max_idf = math.log(1.0 + (n + 0.5) / 0.5)
        # Each term's largest posting weight: what it can add to a document's score at most (see `top`).
        self.max_weight = np.zeros(len(vocab), dtype=np.float32)
        filled = np.flatnonzero(np.diff(indptr) > 0)
        if len(filled):
            self.max_weight[filled] = np.maximum.reduceat(self.weights, indptr[filled])

    @property
    def tfs(self) -> np.ndarray:
        if self._tfs is None:
            if callable(self._source):
                return self._source()  # not kept: made again by the next caller (a rare full build)
            with np.load(self._source / "lexical.npz") as z:
                self._tfs = z["tfs"]
        return self._tfs

    @classmethod
    def _from_triplets(cls, vocab: dict[str, int], terms: np.ndarray, docs: np.ndarray, tfs: np.ndarray,
                       lengths: np.ndarray, k1: float, b: float) -> "LexicalIndex":
        # Sort by (term, document): a stable sort on terms of document-ordered triplets does it.
        order = np.lexsort((docs, terms))
        terms, docs, tfs = terms[order], docs[order], tfs[order]
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum(np.bincount(terms, minlength=len(vocab)))
        inv = [""] * len(vocab)
        for t, i in vocab.items():
            inv[i] = t
        return cls(inv, indptr, docs.astype(np.int32), tfs.astype(np.float32), lengths.astype(np.float32), k1, b,
                   term_ids=vocab)

    @staticmethod
    def _count(vocab: dict[str, int], docs: list[tuple[int, list[str]]]):
        terms, rows, tfs = [], [], []
        lengths = {}
        for d, toks in docs:
            counts = Counter(toks)
            lengths[d] = len(toks)
            terms.append(np.fromiter((vocab.setdefault(t, len(vocab)) for t in counts), dtype=np.int64,
                                     count=len(counts)))
            tfs.append(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
            rows.append(np.full(len(counts), d, dtype=np.int64))
        cat = lambda parts, dt: np.concatenate(parts) if parts else np.zeros(0, dtype=dt)  # noqa: E731
        return cat(terms, np.int64), cat(rows, np.int64), cat(tfs, np.float32), lengths

    @classmethod
    def build(cls, docs: list[list[str]], k1: float = K1, b: float = B) -> "LexicalIndex":
        """Index token lists; document i is docs[i]."""
        vocab: dict[str, int] = {}
        terms, rows, tfs, lengths = cls._count(vocab, list(enumerate(docs)))
        length_arr = np.array([lengths[d] for d in range(len(docs))], dtype=np.float32)
        return cls._from_triplets(vocab, terms, rows, tfs, length_arr, k1, b)

    def rebuild(self, keep: np.ndarray, new_docs: list[tuple[int, list[str]]], n_docs: int) -> "LexicalIndex":
        """A new index from this one without re-reading kept documents.

        keep[old document] is its index in the new index, or -1 if it is gone; new_docs are the
        (new index, tokens) of documents read this time. Statistics (idf, average length) are recomputed,
        with the current default parameters.
        """
        vocab = dict(self.term_ids)
        term_of = np.repeat(np.arange(len(self.vocab), dtype=np.int64), np.diff(self.indptr))
        moved = keep[self.postings]
        mask = moved >= 0
        terms, rows, tfs, lengths = self._count(vocab, new_docs)
        length_arr = np.zeros(n_docs, dtype=np.float32)
        kept = keep >= 0
        length_arr[keep[kept]] = self.lengths[kept]
        for d, n in lengths.items():
            length_arr[d] = n
        return self._from_triplets(
            vocab, np.concatenate([term_of[mask], terms]), np.concatenate([moved[mask].astype(np.int64), rows]),
            np.concatenate([self.tfs[mask], tfs]), length_arr, self.K1, self.B,
        )

    def scores(self, query: list[str]) -> np.ndarray:
        """BM25 score of every document for the query tokens."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        for t in set(query):
            i = self.term_ids.get(t)
            if i is None:
                continue
            s, e = self.indptr[i], self.indptr[i + 1]
            out[self.postings[s:e]] += self.weights[s:e]
        return out

    def scores_of(self, query: list[str], docs: np.ndarray) -> np.ndarray:
        """`scores(query)[docs]` for sorted `docs`, without a score for every document (the same additions in the
        same order, so the same float32 values).

        A term whose postings are many times more than the documents is searched for each document; the
        postings of a commoner term are walked once against a mark per document instead (at 100,000 chunks,
        searching 30,000 documents in each of 40 terms' postings took 40 ms, walking them 10)."""
        out = np.zeros(len(docs), dtype=np.float32)
        if len(docs) == 0:
            return out
        dense = member = None  # by document, once a term is walked
        for t in set(query):
            i = self.term_ids.get(t)
            if i is None:
                continue
            s, e = self.indptr[i], self.indptr[i + 1]
            if s == e:
                continue
            postings, weights = self.postings[s:e], self.weights[s:e]
            if len(docs) * self.SEARCH_SHARE < e - s:
                at = np.minimum(np.searchsorted(postings, docs), e - s - 1)
                found = postings[at] == docs
                if dense is None:
                    out[found] += weights[at[found]]
                else:
                    dense[docs[found]] += weights[at[found]]
                continue
            if dense is None:
                dense = np.zeros(self.n_docs, dtype=np.float32)
                dense[docs] = out
                member = np.zeros(self.n_docs, dtype=bool)
                member[docs] = True
            inside = member[postings]
            dense[postings[inside]] += weights[inside]
        return out if dense is None else dense[docs]

    def top(self, query: list[str], k: int) -> np.ndarray:
        """The documents of the k best BM25 scores (those above 0), sorted by row, without adding up every
        posting of the common terms (MaxScore).

        At 100,000 chunks a question's common words ("xã", "thực hiện") have postings in most chunks, and
        scoring every document cost more than the rest of the search. A document that has only terms whose
        largest weights add up to less than the k-th best score found so far cannot be among the k best, so
        only the postings of the other terms are candidates, each scored exactly. Ties at the k-th score
        may be broken otherwise than an argpartition over every document would.
        """
        ids = sorted({self.term_ids[t] for t in query if t in self.term_ids},
                     key=lambda i: -float(self.max_weight[i]))
        ids = [i for i in ids if self.indptr[i + 1] > self.indptr[i]]
        if not ids or k <= 0:
            return np.zeros(0, dtype=np.int64)
        postings = lambda i: self.postings[self.indptr[i]:self.indptr[i + 1]]  # noqa: E731

        def union(term_ids) -> np.ndarray:  # a mark per document beats sorting 100,000 postings
            mark = np.zeros(self.n_docs, dtype=bool)
            for i in term_ids:
                mark[postings(i)] = True
            return np.flatnonzero(mark).astype(self.postings.dtype)

        # A first k-th best score: from the documents of the strongest terms.
        j, size = 1, int(self.indptr[ids[0] + 1] - self.indptr[ids[0]])
        while size < 4 * k and j < len(ids):
            size += int(self.indptr[ids[j] + 1] - self.indptr[ids[j]])
            j += 1
        if size > self.SEED_SCORED * k:
            # Any documents' k-th best score will do as a bound, the higher the better: those of the seed terms'
            # documents that these terms alone score best (at 100,000 chunks a seed of a rare number and a
            # common abbreviation held 30,000 documents, 40 ms to score exactly).
            partial = np.zeros(self.n_docs, dtype=np.float32)
            for i in ids[:j]:
                partial[postings(i)] += self.weights[self.indptr[i]:self.indptr[i + 1]]
            seed = np.flatnonzero(partial)
            if len(seed) > self.SEED_SCORED * k:
                seed = np.sort(seed[np.argpartition(-partial[seed], self.SEED_SCORED * k - 1)[:self.SEED_SCORED * k]])
            seed = seed.astype(self.postings.dtype)
        else:
            seed = union(ids[:j])
        seed_scores = self.scores_of(query, seed)
        threshold = float(np.partition(seed_scores, len(seed) - k)[len(seed) - k]) if len(seed) >= k else 0.0
        # Weakest terms first: those whose bounds add up below the threshold cannot make a document on their own.
        bounds = np.cumsum([float(self.max_weight[i]) for i in reversed(ids)])
        weak = int(np.searchsorted(bounds, threshold, side="left"))  # bounds[:weak] < threshold
        strong = ids[:len(ids) - weak]
        docs = union(strong) if strong else seed
        if len(docs) * self.FULL_PASS_SHARE > self.n_docs:  # one pass over every posting is cheaper then
            scores = self.scores(query)
            docs = np.flatnonzero(scores > 0)
            got = scores[docs]
        else:
            got = self.scores_of(query, docs)
        if len(docs) > k:
            keep = np.argpartition(-got, k - 1)[:k]
            docs, got = docs[keep], got[keep]
        return np.sort(docs[got > 0]).astype(np.int64)

    def evidence_terms(self, query: list[str]) -> list[tuple[str, float]]:
        """The query's topical terms with their idf: content syllables and bigrams without stopwords."""
        terms: dict[str, float] = {}
        for t in query:
            if t.startswith("~"):
                continue
            parts = t.split("_")
            if any(p in STOPWORDS for p in parts):
                continue
            i = self.term_ids.get(t)
            terms[t] = float(self.idf[i]) if i is not None else self.max_idf
        return list(terms.items())

    def coverage(self, terms: list[tuple[str, float]], doc: int) -> float:
        """Share of the query's topical weight that document `doc` contains (0..1)."""
        total = sum(w for _, w in terms)
        if total <= 0:
            return 0.0
        got = 0.0
        for t, w in terms:
            i = self.term_ids.get(t)
            if i is None:
                continue
            s, e = self.indptr[i], self.indptr[i + 1]
            j = s + np.searchsorted(self.postings[s:e], doc)
            if j < e and self.postings[j] == doc:
                got += w
        return got / total

    def coverages(self, terms: list[tuple[str, float]], docs: np.ndarray) -> np.ndarray:
        """`coverage` of each of `docs` at once: one pass over each term's postings, not one search per document."""
        out = np.zeros(len(docs), dtype=np.float64)
        total = sum(w for _, w in terms)
        if total <= 0 or len(docs) == 0:
            return out
        for t, w in terms:
            i = self.term_ids.get(t)
            if i is None:
                continue
            postings = self.postings[self.indptr[i] : self.indptr[i + 1]]  # sorted
            if len(postings) == 0:  # a term of a removed file only (the vocabulary keeps it)
                continue
            at = np.minimum(np.searchsorted(postings, docs), len(postings) - 1)
            out += w * (postings[at] == docs)
        return out / total

    def save(self, folder: Path) -> None:
        np.savez(folder / "lexical.npz", indptr=self.indptr, postings=self.postings, tfs=self.tfs,
                 lengths=self.lengths, params=np.array([self.k1, self.b], dtype=np.float64), prior=self.prior)
        (folder / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")

    @staticmethod
    def arrays(folder: Path) -> dict:
        """What `save` wrote, as arrays, without computing any weight (a base read to be merged with a delta)."""
        with np.load(folder / "lexical.npz") as z:
            out = {name: z[name] for name in ("indptr", "postings", "tfs", "lengths")}
            out["k1"], out["b"] = z["params"].tolist()
            out["prior"] = z["prior"] if "prior" in z.files else None
        return out

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        with np.load(folder / "lexical.npz") as z:
            k1, b = z["params"].tolist()
            arrays = z["indptr"], z["postings"], z["tfs"], z["lengths"]
            prior = z["prior"] if "prior" in z.files else None  # an index from before the prior: computed now
        vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        return cls(vocab, *arrays, k1=k1, b=b, prior=prior, source=folder)
