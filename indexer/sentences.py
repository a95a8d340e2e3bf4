"""Sentence vectors: each passage's lines and sentences embedded on their own, stored beside the index.

A passage's vector blends all it says; a question often asks what one line of it says ("ai chủ trì", one
clause of a 700-character bullet). The best cosine between the question and one of the passage's sentences
tells the decision whether one line answers, and is read relative to the best candidate's (a chatty or
paraphrased question scores low everywhere; what matters is which passage holds the closest sentence).
Embedded once at build (about as many tokens as the passages themselves) and kept as float16, memory-mapped.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from indexer.structure import Chunk

VECTORS = "sentences.npy"
ROWS = "sentence_rows.npy"
MAX_PER_CHUNK = 12  # a long table or list: its first lines (the rest is rarely asked one line at a time)
LONG_LINE = 260  # a line longer than this is cut into sentences
MIN_WORDS = 2  # "a)" or a lone number says nothing on its own
_SENTENCE_END = re.compile(r"(?<=[.;])\s+")


def sentences(chunk: Chunk) -> list[str]:
    """The passage's lines, long ones cut into sentences, verbatim (at most MAX_PER_CHUNK)."""
    out: list[str] = []
    for line in chunk.text.split("\n"):
        line = line.replace("\t", " ").strip()
        for unit in (_SENTENCE_END.split(line) if len(line) > LONG_LINE else [line]):
            unit = unit.strip()
            if len(unit.split()) >= MIN_WORDS:
                out.append(unit)
                if len(out) == MAX_PER_CHUNK:
                    return out
    return out


class SentenceVectors:
    """Rows `rows[i]:rows[i+1]` of `vectors` are chunk i's sentences (float16, unit length)."""

    def __init__(self, vectors: np.ndarray, rows: np.ndarray):
        self.vectors = vectors
        self.rows = rows

    @classmethod
    def empty(cls, n_chunks: int, dimension: int) -> "SentenceVectors":
        return cls(np.zeros((0, dimension), dtype=np.float16), np.zeros(n_chunks + 1, dtype=np.int64))

    @classmethod
    def from_parts(cls, parts: list[np.ndarray], dimension: int) -> "SentenceVectors":
        """One (k, d) array per chunk, in chunk order."""
        counts = np.array([len(p) for p in parts], dtype=np.int64)
        rows = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        kept = [p for p in parts if len(p)]
        vectors = (np.vstack(kept).astype(np.float16) if kept else np.zeros((0, dimension), dtype=np.float16))
        return cls(vectors, rows)

    def of(self, i: int) -> np.ndarray:
        return self.vectors[int(self.rows[i]):int(self.rows[i + 1])]

    def best(self, rows: np.ndarray, query: np.ndarray, fallback: np.ndarray) -> np.ndarray:
        """For each chunk row, its best sentence cosine with `query`; `fallback[j]` for a chunk without
        sentences (a heading alone, an index from before sentence vectors)."""
        out = np.asarray(fallback, dtype=np.float64).copy()
        q = query.astype(np.float32)
        for j, i in enumerate(rows):
            v = self.of(int(i))
            if len(v):
                out[j] = float((v.astype(np.float32) @ q).max())
        return out

    def save(self, folder: Path) -> None:
        np.save(folder / VECTORS, np.ascontiguousarray(self.vectors, dtype=np.float16))
        np.save(folder / ROWS, self.rows)

    @classmethod
    def load(cls, folder: Path, n_chunks: int, dimension: int) -> "SentenceVectors":
        """The stored vectors, memory-mapped; empty for an index built before they were stored."""
        try:
            vectors = np.load(folder / VECTORS, mmap_mode="r")
            rows = np.load(folder / ROWS)
        except (OSError, ValueError):
            return cls.empty(n_chunks, dimension)
        if len(rows) != n_chunks + 1 or vectors.ndim != 2 or vectors.shape[1] != dimension \
                or int(rows[-1]) != len(vectors):
            return cls.empty(n_chunks, dimension)
        from indexer.store import random_access
        random_access(vectors)
        return cls(vectors, rows)
