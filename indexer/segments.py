"""A base index and a delta over it, read as the one index a full build of the same files would give.

An upload at 100,000 chunks rebuilt everything (lexical index, HNSW graph, catalogue, every file: ~25 s) to add
a few dozen chunks. Instead a build that changes few documents writes a small version folder, the delta: the
chunks, vectors, sentence vectors and lexical postings of every document that differs from the base (changed,
added, or carried over from an earlier delta), the full document list in build order, and the whole diacritics
model. The base's rows of documents no longer there, or now in the delta, are masked. The logical row order is
the full build's (documents by file name, passages in document order), so rankings, ties and positions
are those of a full rebuild; the lexical index is merged into one with the statistics of the whole (see
`merge_lexical`), so BM25 scores are the same numbers.

Every delta is taken against the base alone (a second upload's delta holds the first's documents too), so a
version folder is complete with its base, and a later full build merges it away (service.DELTA_SHARE).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from indexer.catalogue import CitingPairs
from indexer.lexical import LexicalIndex
from indexer.sentences import SentenceVectors
from indexer.store import checked_row
from indexer.structure import Chunk, DocumentInfo


class Layout:
    """Where each logical row comes from: `delta[i]` says which segment, `row[i]` the row inside it."""

    def __init__(self, documents: list[DocumentInfo], base_rows: dict[str, list[int]],
                 delta_rows: dict[str, list[int]], n_base: int, n_delta: int):
        parts, delta, counts = [], [], []
        for d in documents:
            if d.doc_id in delta_rows:
                rows, from_delta = delta_rows[d.doc_id], True
            else:
                rows, from_delta = base_rows[d.doc_id], False  # KeyError: a delta without its document
            parts.append(np.asarray(rows, dtype=np.int64))
            delta.append(from_delta)
            counts.append(len(rows))
        counts_arr = np.asarray(counts, dtype=np.int64)
        self.row = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        self.delta = np.repeat(np.asarray(delta, dtype=bool), counts_arr)
        self.doc_of_row = np.repeat(np.arange(len(documents), dtype=np.int32), counts_arr)
        self.bounds = np.concatenate([[0], np.cumsum(counts_arr)]).astype(np.int64)
        # Segment row -> logical row (-1: masked). Kept base rows keep their order, so each term's postings
        # stay sorted when mapped (merge_lexical).
        self.of_base = np.full(n_base, -1, dtype=np.int64)
        self.of_base[self.row[~self.delta]] = np.flatnonzero(~self.delta)
        self.of_delta = np.full(n_delta, -1, dtype=np.int64)
        self.of_delta[self.row[self.delta]] = np.flatnonzero(self.delta)
        if np.any(np.diff(self.of_base[self.of_base >= 0]) <= 0):
            raise ValueError("the base's documents are not in build order")

    def __len__(self) -> int:
        return len(self.row)


class SegmentedChunks(Sequence):
    """`StoredChunks` over a base and a delta (the same attributes: ids, by_id, rows_of_doc, doc_id, kind)."""

    def __init__(self, base, delta, documents: list[DocumentInfo], layout: Layout):
        self.base, self.delta_part, self.layout = base, delta, layout
        row, delta_mask = layout.row, layout.delta
        self.ids = [delta.ids[r] if d else base.ids[r] for r, d in zip(row.tolist(), delta_mask.tolist())]
        self.doc_ids = [d.doc_id for d in documents]
        self.doc_of_row = layout.doc_of_row
        self.kinds = list(base.kinds) + [k for k in delta.kinds if k not in base.kinds]
        code = {k: i for i, k in enumerate(self.kinds)}
        base_codes = np.asarray([code[k] for k in base.kinds] or [0], dtype=np.int8)
        delta_codes = np.asarray([code[k] for k in delta.kinds] or [0], dtype=np.int8)
        kind = np.zeros(len(row), dtype=np.int8)
        if len(row):
            kind[~delta_mask] = base_codes[base.kind_of_row[row[~delta_mask]]]
            kind[delta_mask] = delta_codes[delta.kind_of_row[row[delta_mask]]]
        self.kind_of_row = kind
        self.by_id = {c: i for i, c in enumerate(self.ids)}
        b = layout.bounds.tolist()
        self.rows_of_doc = {d: list(range(b[j], b[j + 1])) for j, d in enumerate(self.doc_ids)}

    def __len__(self) -> int:
        return len(self.ids)

    def _part(self, i: int):
        return (self.delta_part if self.layout.delta[i] else self.base), int(self.layout.row[i])

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        part, row = self._part(checked_row(i, len(self)))
        return part[row]

    def __iter__(self):
        for i in range(len(self)):
            part, row = self._part(i)
            yield Chunk.from_dict(part._lines[row])  # a full pass does not flush the recent ones

    def forget(self) -> None:
        self.base.forget()
        self.delta_part.forget()

    def doc_id(self, i: int) -> str:
        return self.doc_ids[int(self.doc_of_row[i])]

    def kind(self, i: int) -> str:
        return self.kinds[int(self.kind_of_row[i])]


class SegmentedVectors:
    """The passage vectors of logical rows, gathered from the base's and the delta's (never copied whole)."""

    def __init__(self, base: np.ndarray, delta: np.ndarray, layout: Layout):
        self.base, self.delta, self.layout = base, delta, layout
        self.shape = (len(layout), base.shape[1] if base.ndim == 2 else delta.shape[1])
        self.dtype = np.float32

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows):
        if np.isscalar(rows) or (isinstance(rows, np.ndarray) and rows.ndim == 0):
            i = int(rows)
            return (self.delta if self.layout.delta[i] else self.base)[int(self.layout.row[i])]
        rows = np.asarray(rows, dtype=np.int64)
        out = np.empty((len(rows), self.shape[1]), dtype=np.float32)
        in_delta = self.layout.delta[rows]
        src = self.layout.row[rows]
        if np.any(~in_delta):
            out[~in_delta] = self.base[src[~in_delta]]
        if np.any(in_delta):
            out[in_delta] = self.delta[src[in_delta]]
        return out

    def __array__(self, dtype=None, copy=None):
        return self[np.arange(len(self))] if dtype is None else self[np.arange(len(self))].astype(dtype)


class SegmentedSearch:
    """The FAISS search of a base and a delta as one: the base's masked rows filtered out inside the search
    (an HNSW graph keeps exploring past them), both segments' best merged, ids given as logical rows."""

    def __init__(self, base_index, delta_index, layout: Layout):
        import faiss

        self.base, self.delta, self.layout = base_index, delta_index, layout
        self.ntotal = len(layout)
        self._params = None
        kept = layout.of_base >= 0
        if not kept.all():
            self._bitmap = np.packbits(kept, bitorder="little")
            self._selector = faiss.IDSelectorBitmap(len(kept), faiss.swig_ptr(self._bitmap))
            if isinstance(base_index, faiss.IndexFlat):
                self._params = faiss.SearchParameters(sel=self._selector)
            else:
                hnsw = faiss.downcast_index(base_index).hnsw
                self._params = faiss.SearchParametersHNSW(sel=self._selector, efSearch=hnsw.efSearch)
        self._kept = int(kept.sum())

    def search(self, queries: np.ndarray, k: int):
        scores, ids = [], []
        if self._kept and k > 0:
            d, i = self.base.search(queries, min(k, self._kept), params=self._params)
            ok = i >= 0
            scores.append(np.where(ok, d, -np.inf))
            ids.append(np.where(ok, self.layout.of_base[np.maximum(i, 0)], -1))
        if self.delta.ntotal and k > 0:
            d, i = self.delta.search(queries, min(k, self.delta.ntotal))
            ok = i >= 0
            scores.append(np.where(ok, d, -np.inf))
            ids.append(np.where(ok, self.layout.of_delta[np.maximum(i, 0)], -1))
        if not scores:
            return np.zeros((len(queries), 0), dtype=np.float32), np.zeros((len(queries), 0), dtype=np.int64)
        d, i = np.hstack(scores), np.hstack(ids)
        # Best first; equal scores in logical row order, as one exact search over every row gives them.
        order = np.lexsort((np.where(i >= 0, i, np.iinfo(np.int64).max), -d), axis=1)[:, :k]
        return np.take_along_axis(d, order, 1).astype(np.float32), np.take_along_axis(i, order, 1)


class SegmentedSentences(SentenceVectors):
    """Sentence vectors of logical rows: the base's or the delta's, by the layout."""

    def __init__(self, base: SentenceVectors, delta: SentenceVectors, layout: Layout):
        self.base, self.delta, self.layout = base, delta, layout
        self.vectors = base.vectors  # dimension and dtype, for callers that look
        self.rows = None

    def of(self, i: int) -> np.ndarray:
        i = int(i)
        return (self.delta if self.layout.delta[i] else self.base).of(int(self.layout.row[i]))


class SegmentedKeypoints:
    """Each document's outline: the delta's for its documents, the base's for the others."""

    def __init__(self, base, delta):
        self.base, self.delta = base, delta

    def get(self, doc_id: str, default=None):
        found = self.delta.get(doc_id)
        return found if found is not None else self.base.get(doc_id, default)


class SegmentedCitations(Mapping):
    """The citations stored with each segment (catalogue.StoredCitations), by logical row."""

    def __init__(self, base, delta, layout: Layout):
        self.base, self.delta, self.layout = base, delta, layout

    def __getitem__(self, number: str) -> dict:
        found = self.pairs(number)
        if found is None or not len(found.rows):
            raise KeyError(number)
        return found.by_row()

    def pairs(self, number: str):
        """Both segments' pairs for the number, by logical row (catalogue.StoredCitations.pairs)."""
        parts = [(mapping, found) for part, mapping in ((self.base, self.layout.of_base),
                                                        (self.delta, self.layout.of_delta))
                 for found in [part.pairs(number)] if found is not None]
        return CitingPairs.joined(parts)

    def __iter__(self):
        return iter(set(self.base) | set(self.delta))

    def __len__(self) -> int:
        return len(set(self.base) | set(self.delta))


def merge_lexical(base_folder: Path, base_vocab: list[str], base_term_ids: dict[str, int], delta: LexicalIndex,
                  layout: Layout) -> LexicalIndex:
    """One lexical index over the logical rows, as `LexicalIndex.rebuild` would make it from the same documents.

    Masked rows' postings go and the delta's are inserted in place: each term's postings stay sorted by logical
    row, because kept base rows keep their order. The vocabulary is the base's followed by the delta's new terms
    (a term of a masked document only stays, as it does through `rebuild`). Document frequencies and lengths,
    so idf and the average length, are those of the whole: every posting weight is the one a full build
    computes, and so is every score. The merged term frequencies are not kept (made again if a full build
    asks: LexicalIndex.tfs).
    """
    base = LexicalIndex.arrays(base_folder)
    vocab = list(base_vocab)
    term_ids = dict(base_term_ids)
    n_base_terms = len(vocab)
    delta_term = np.empty(len(delta.vocab), dtype=np.int64)
    for i, t in enumerate(delta.vocab):
        j = term_ids.get(t)
        if j is None:
            j = term_ids[t] = len(vocab)
            vocab.append(t)
        delta_term[i] = j
    plan = _Plan(base, delta, delta_term, len(vocab), layout)
    lengths = np.zeros(len(layout), dtype=np.float32)
    from_base = ~layout.delta
    lengths[from_base] = base["lengths"][layout.row[from_base]]
    lengths[layout.delta] = delta.lengths[layout.row[layout.delta]]
    prior = base["prior"]
    if prior is not None and len(prior) == n_base_terms and len(vocab) > n_base_terms:
        from indexer.prior import term_prior
        prior = np.concatenate([prior, term_prior(vocab[n_base_terms:])]).astype(prior.dtype)
    tfs = plan.merge(base["tfs"])
    k1, b = base["k1"], base["b"]
    del base

    def merged_tfs() -> np.ndarray:
        return plan.merge(LexicalIndex.arrays(base_folder)["tfs"])

    return LexicalIndex(vocab, plan.indptr, plan.postings, tfs, lengths, k1, b, term_ids=term_ids,
                        prior=prior, source=merged_tfs)


class _Plan:
    """Where the base's kept postings and the delta's go in the merged arrays: computed once, applied to the
    postings and to the term frequencies, each in one copy of the base's arrays (`_splice`)."""

    def __init__(self, base: dict, delta: LexicalIndex, delta_term: np.ndarray, n_terms: int, layout: Layout):
        indptr, postings = base["indptr"], base["postings"]
        n_base_terms = len(indptr) - 1
        # The base's postings as logical rows; a masked row as the next kept row's, so each term's stay sorted.
        kept_row = layout.of_base >= 0
        key = np.where(kept_row, layout.of_base, len(layout))[::-1]
        key = np.minimum.accumulate(key)[::-1].astype(np.int32) if len(key) else key.astype(np.int32)
        moved = key[postings]
        masked = ~kept_row
        self.gone = np.flatnonzero(masked[postings]) if masked.any() else np.zeros(0, dtype=np.int64)
        gone_terms = np.searchsorted(indptr, self.gone, side="right") - 1
        counts = np.zeros(n_terms, dtype=np.int64)
        counts[:n_base_terms] = np.diff(indptr) - np.bincount(gone_terms, minlength=n_base_terms)
        terms = np.repeat(delta_term, np.diff(delta.indptr))
        rows = layout.of_delta[delta.postings]
        order = np.lexsort((rows, terms))
        terms, rows = terms[order], rows[order].astype(np.int32)
        self.delta_tfs = np.asarray(delta.tfs, dtype=np.float32)[order]
        # Each delta posting goes before the first base posting of its term on a later row (a term new to the
        # base: after every base posting, in term order).
        self.at = np.full(len(terms), len(postings), dtype=np.int64)
        if len(terms):
            starts = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1]])
            ends = np.r_[starts[1:], len(terms)]
            for s, e in zip(starts.tolist(), ends.tolist()):
                t = int(terms[s])
                if t < n_base_terms:
                    lo, hi = int(indptr[t]), int(indptr[t + 1])
                    self.at[s:e] = lo + np.searchsorted(moved[lo:hi], rows[s:e])
        self.postings = _splice(moved, self.gone, self.at, rows)
        counts += np.bincount(terms, minlength=n_terms)
        self.indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def merge(self, base_tfs: np.ndarray) -> np.ndarray:
        """The merged term frequencies."""
        return _splice(base_tfs, self.gone, self.at, self.delta_tfs)


def _splice(values: np.ndarray, gone: np.ndarray, at: np.ndarray, inserted: np.ndarray) -> np.ndarray:
    """`values` without the positions `gone`, with `inserted[j]` put before position `at[j]` (both sorted): one
    copy of the pieces between these few places."""
    inserted = inserted.astype(values.dtype, copy=False)
    gone_at, insert_at = gone.tolist(), at.tolist()
    pieces, start, g, a = [], 0, 0, 0
    while g < len(gone_at) or a < len(insert_at):
        if a < len(insert_at) and (g >= len(gone_at) or insert_at[a] <= gone_at[g]):
            p = insert_at[a]
            e = a
            while e < len(insert_at) and insert_at[e] == p:
                e += 1
            pieces += [values[start:p], inserted[a:e]]
            start, a = p, e
        else:
            p = gone_at[g]
            pieces.append(values[start:p])
            start, g = p + 1, g + 1
    pieces.append(values[start:])
    return np.concatenate(pieces)
