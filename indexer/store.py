"""The index folder: manifest, chunks, documents, FAISS vectors and lexical data, swapped in atomically.

`LOA_INDEX_DIR` (e.g. var/index) is a symlink to `.index.versions/<build_id>/`. A build writes a new
version folder and then replaces the symlink with `os.replace`, so a reader resolves either the old or
the new folder, never a half-written one. Old versions are kept for a while so a process that resolved
the old link just before the swap can finish reading it.
"""

from __future__ import annotations

import json
import mmap
import os
import shutil
import threading
import uuid
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from indexer.diacritics import DiacriticsModel
from indexer.errors import IndexNotFound
from indexer.lexical import LexicalIndex
from indexer.sentences import SentenceVectors
from indexer.structure import Chunk, DocumentInfo, KeyPoint

if TYPE_CHECKING:  # annotations only: segments imports this module
    from indexer.diacritics import SyllableCounts
    from indexer.segments import Layout

# 3: sentence vectors (an index of format 2 is completed, not re-embedded). 4: a large index searches its
# vectors approximately (HNSW) and keeps them exactly in vectors.npy; a format-3 folder is still read (it is
# a format-4 one that searches exactly) and rewritten by the next `loa index` without re-embedding.
# 5: the passages' citations found at build time (catalogue.CITATIONS), the diacritics model's raw counts, and a
# version folder may be a delta over a base (indexer.segments); a format-4 folder is read (citations found at
# load) and rewritten by the next `loa index`.
FORMAT_VERSION = 5
READABLE_FORMATS = (3, 4, 5)
SENTENCES_SINCE = 3
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
DOCUMENTS = "documents.json"
KEYPOINTS = "keypoints.jsonl"  # format 4; before, each document's keypoints were inside documents.json
VECTORS = "vectors.faiss"
DENSE = "vectors.npy"  # the passage vectors of an approximate index, memory-mapped (exact cosines of candidates)

# From this many chunks the dense channel's candidates come from an HNSW graph over 8-bit vectors instead of
# comparing the question with every vector. Below, exact search costs a few milliseconds and a small install
# keeps exactly the ranking it had. At 100,000 x 384 (the synthetic corpus of bench/bench_index.py) the exact
# search took 40 ms a question (median, a busy 2-core machine) and 154 MB; the graph 1.2 ms and ~70 MB.
APPROXIMATE_FROM = 50_000
HNSW_NEIGHBOURS = 32
HNSW_BUILD_DEPTH = 80
HNSW_SEARCH_DEPTH = 128  # candidates explored per question (at least the 50 asked for)
KEEP_VERSIONS = 3
BASE_INSIDE = "base"  # a delta copied on its own carries its base in this subfolder (`copy_index`)


def random_access(mapped) -> None:
    """Tell the kernel a mapping is read a record at a time: no read-ahead around each page read, which made a
    few dozen vectors a question bring most of a 150 MB file into the process's resident memory."""
    target = getattr(mapped, "_mmap", mapped)  # a numpy memmap keeps its mmap there
    if isinstance(target, mmap.mmap) and hasattr(mmap, "MADV_RANDOM"):
        target.madvise(mmap.MADV_RANDOM)


class JsonLines:
    """A JSON-lines file, memory-mapped: line i is read and parsed when asked for."""

    def __init__(self, path: Path):
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        data = np.frombuffer(self._map, dtype=np.uint8) if size else np.zeros(0, dtype=np.uint8)
        # JSON escapes a newline inside a string, so every raw newline ends a record.
        ends = np.flatnonzero(data == 10)
        if size and data[-1] != 10:
            ends = np.append(ends, size)
        starts = np.concatenate([[0], ends[:-1] + 1]).astype(np.int64) if len(ends) else np.zeros(0, np.int64)
        keep = ends > starts  # blank lines
        self._starts, self._ends = starts[keep], ends[keep].astype(np.int64)
        del data

    def forget(self) -> None:
        """Let go of the pages read so far (a first full pass would otherwise stay counted as resident)."""
        if isinstance(self._map, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
            self._map.madvise(mmap.MADV_DONTNEED)
            random_access(self._map)


    def __len__(self) -> int:
        return len(self._starts)

    def __getitem__(self, i: int):
        return json.loads(self._map[int(self._starts[i]):int(self._ends[i])])


class StoredKeypoints:
    """Each document's outline, read from keypoints.jsonl when asked for (a large index has ~20 a document)."""

    def __init__(self, path: Path):
        self._lines = JsonLines(path)
        self._row = {self._lines[i]["doc_id"]: i for i in range(len(self._lines))}
        self._lines.forget()

    def get(self, doc_id: str, default=None):
        i = self._row.get(doc_id)
        return default if i is None else [KeyPoint(**k) for k in self._lines[i]["keypoints"]]


def checked_row(i, n: int) -> int:
    """A sequence index as a row number in 0..n-1 (negative from the end); IndexError outside."""
    i = int(i)
    if i < 0:
        i += n
    if not 0 <= i < n:
        raise IndexError(i)
    return i


class StoredChunks(Sequence):
    """The chunks of `chunks.jsonl`, each read from the memory-mapped file when asked for.

    At 100,000 chunks the chunks as Python objects held about 300 MB and gave the garbage collector millions
    of objects to walk; a question reads a few dozen of them. What a question needs for every candidate
    (id, document, kind) stays in memory as compact arrays. Recently read chunks are kept (a question's
    candidates are read several times: search, answer checks, excerpts).
    """

    RECENT = 2048

    def __init__(self, path: Path):
        self._lines = JsonLines(path)
        n = len(self._lines)
        self.ids: list[str] = []
        doc_rows: dict[str, int] = {}
        doc = np.zeros(n, dtype=np.int32)
        kind = np.zeros(n, dtype=np.int8)
        kind_codes: dict[str, int] = {}
        for i in range(n):
            d = self._lines[i]
            self.ids.append(d["id"])
            doc[i] = doc_rows.setdefault(d["doc_id"], len(doc_rows))
            kind[i] = kind_codes.setdefault(d["kind"], len(kind_codes))
        self.doc_ids = list(doc_rows)  # one per document, in order of first appearance
        self.kinds = list(kind_codes)
        self.doc_of_row = doc
        self.kind_of_row = kind
        self._lines.forget()
        self.by_id = {c: i for i, c in enumerate(self.ids)}
        order = np.argsort(doc, kind="stable")
        bounds = np.searchsorted(doc[order], np.arange(len(self.doc_ids) + 1))
        self.rows_of_doc = {d: order[bounds[j]:bounds[j + 1]].tolist() for j, d in enumerate(self.doc_ids)}
        self._recent: OrderedDict[int, Chunk] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._lines)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = checked_row(i, len(self))
        with self._lock:
            chunk = self._recent.get(i)
            if chunk is not None:
                self._recent.move_to_end(i)
                return chunk
        chunk = Chunk.from_dict(self._lines[i])
        with self._lock:
            self._recent[i] = chunk
            if len(self._recent) > self.RECENT:
                self._recent.popitem(last=False)
        return chunk

    def __iter__(self):
        for i in range(len(self)):
            yield Chunk.from_dict(self._lines[i])  # a full pass does not flush the recent ones

    def forget(self) -> None:
        """Let go of the file's pages after a full pass (JsonLines.forget)."""
        self._lines.forget()

    def doc_id(self, i: int) -> str:
        return self.doc_ids[int(self.doc_of_row[i])]

    def kind(self, i: int) -> str:
        return self.kinds[int(self.kind_of_row[i])]


@dataclass
class StoredIndex:
    """Everything in one index folder: the small parts in memory, chunk texts and large vectors read on demand."""

    folder: Path
    manifest: dict
    documents: list[DocumentInfo]
    keypoints: "dict[str, list[KeyPoint]] | StoredKeypoints"
    chunks: StoredChunks
    faiss_index: object
    lexical: LexicalIndex
    sentences: SentenceVectors
    dense: np.ndarray | None = None  # vectors.npy, memory-mapped, when the FAISS index is approximate
    citations: "Mapping | None" = None  # catalogue.StoredCitations: None when not stored (format 4) or stale
    base: "StoredIndex | None" = None  # a delta's base, read without its lexical index (indexer.segments)
    layout: "Layout | None" = None  # a delta's logical rows
    vocabulary: "tuple[list[str], dict[str, int]] | None" = None  # a base's lexical vocabulary, once read

    @property
    def is_delta(self) -> bool:
        return self.base is not None

    @property
    def has_sentences(self) -> bool:
        """Whether the build stored sentence vectors (an index of an older format has none)."""
        return int(self.manifest.get("format", 0)) >= SENTENCES_SINCE

    @property
    def build_id(self) -> str:
        return self.manifest["build_id"]

    @property
    def approximate(self) -> bool:
        if self.base is not None:
            return self.base.approximate
        return self.dense is not None

    def vectors(self) -> np.ndarray:
        """The stored vectors as an (n, d) array: a view on the exact FAISS index's memory, or the memory-mapped
        vectors.npy beside an approximate one; never a copy."""
        import faiss

        if self.dense is not None:
            return self.dense
        n, d = self.faiss_index.ntotal, int(self.manifest["dimension"])
        if n == 0:
            return np.zeros((0, d), dtype=np.float32)
        try:
            return faiss.rev_swig_ptr(self.faiss_index.get_xb(), n * d).reshape(n, d)
        except AttributeError:
            return self.faiss_index.reconstruct_n(0, n)


def new_build_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


def versions_root(index_dir: Path) -> Path:
    return index_dir.parent / f".{index_dir.name}.versions"


def read_manifest(index_dir: Path) -> dict | None:
    try:
        return json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, ValueError):
        return None


def current_build_id(index_dir: Path) -> str | None:
    """Cheap: the symlink target's name is the build id; a plain folder falls back to its manifest."""
    try:
        if index_dir.is_symlink():
            return Path(os.readlink(index_dir)).name
    except OSError:
        return None
    manifest = read_manifest(index_dir)
    return manifest.get("build_id") if manifest else None


def load_index(index_dir: Path, reuse: StoredIndex | None = None) -> StoredIndex:
    """Read one consistent version of the index (the link is resolved once, up front).

    A delta is read with its base (indexer.segments); `reuse`, an index loaded before, lends its base when it is
    the same folder (the bot reloading after an upload reads only the delta).
    """
    folder = index_dir.resolve()
    manifest = read_manifest(folder)
    if manifest is None:
        raise IndexNotFound(f"no index at {index_dir}; run `loa index` first")
    try:
        if manifest.get("base"):
            return _load_delta(folder, manifest, reuse)
        return _load_folder(folder, manifest)
    except (OSError, ValueError, KeyError, RuntimeError, AttributeError) as exc:
        raise IndexNotFound(f"index at {index_dir} is incomplete ({exc}); run `loa index --force`") from exc
    except IndexNotFound as exc:
        raise IndexNotFound(f"index at {index_dir} {exc}; run `loa index --force`") from exc


def _load_folder(folder: Path, manifest: dict, lexical: bool = True, documents: list | None = None) -> StoredIndex:
    """One version folder as it is (a delta's own documents only); `lexical=False`: its lexical index is not read
    (a base about to be merged with a delta reads its arrays then)."""
    import faiss

    from indexer.catalogue import StoredCitations

    has_keypoints = (folder / KEYPOINTS).exists()
    docs_data = json.loads((folder / DOCUMENTS).read_text(encoding="utf-8")) \
        if documents is None or not has_keypoints else None
    if documents is None:
        documents = [DocumentInfo.from_dict(d["info"]) for d in docs_data]
    if has_keypoints:
        keypoints = StoredKeypoints(folder / KEYPOINTS)
    else:
        keypoints = {d["info"]["doc_id"]: [KeyPoint(**k) for k in d["keypoints"]] for d in docs_data}
    del docs_data
    chunks = StoredChunks(folder / CHUNKS)
    faiss_index = faiss.read_index(str(folder / VECTORS))
    dense = None
    if not isinstance(faiss_index, faiss.IndexFlat):
        dense = np.load(folder / DENSE, mmap_mode="r")
        random_access(dense)
        faiss.downcast_index(faiss_index).hnsw.efSearch = HNSW_SEARCH_DEPTH
    lex = LexicalIndex.load(folder) if lexical else None
    if faiss_index.ntotal != len(chunks) or (lex is not None and lex.n_docs != len(chunks)) \
            or (dense is not None and dense.shape != (len(chunks), int(manifest["dimension"]))):
        raise IndexNotFound("is inconsistent")
    sentences = SentenceVectors.load(folder, len(chunks), int(manifest["dimension"]))
    return StoredIndex(folder, manifest, documents, keypoints, chunks, faiss_index, lex, sentences, dense,
                       citations=StoredCitations.load(folder))


def _load_delta(folder: Path, manifest: dict, reuse: StoredIndex | None) -> StoredIndex:
    from indexer.segments import (Layout, SegmentedChunks, SegmentedCitations, SegmentedKeypoints, SegmentedSearch,
                                  SegmentedSentences, SegmentedVectors, merge_lexical)

    base_folder = folder.parent / manifest["base"]["folder"]
    if not base_folder.is_dir() and (folder / BASE_INSIDE).is_dir():
        base_folder = folder / BASE_INSIDE  # a copy (`copy_index`)
    base = None
    if reuse is not None:
        lent = reuse.base if reuse.base is not None else reuse
        if lent.folder == base_folder and lent.build_id == manifest["base"]["build_id"]:
            base = lent
            if lent.lexical is not None:  # a whole index served so far: its weights are not kept alive by the delta
                base = replace(lent, lexical=None, vocabulary=(lent.lexical.vocab, lent.lexical.term_ids))
    if base is None:
        base_manifest = read_manifest(base_folder)
        if base_manifest is None or base_manifest.get("build_id") != manifest["base"]["build_id"]:
            raise IndexNotFound(f"has lost its base {manifest['base']['folder']}")
        base = _load_folder(base_folder, base_manifest, lexical=False)
    documents = [DocumentInfo.from_dict(d["info"]) for d in
                 json.loads((folder / DOCUMENTS).read_text(encoding="utf-8"))]
    delta = _load_folder(folder, manifest, documents=documents)
    layout = Layout(documents, base.chunks.rows_of_doc, delta.chunks.rows_of_doc, len(base.chunks), len(delta.chunks))
    if len(layout) != int(manifest["chunks"]):
        raise IndexNotFound("is inconsistent with its base")
    if base.vocabulary is None:  # the base's vocabulary, kept with it for the next delta
        if base.lexical is not None:
            base.vocabulary = (base.lexical.vocab, base.lexical.term_ids)
        else:
            vocab = json.loads((base_folder / "vocab.json").read_text(encoding="utf-8"))
            base.vocabulary = (vocab, {t: i for i, t in enumerate(vocab)})
    lexical = merge_lexical(base_folder, *base.vocabulary, delta.lexical, layout)
    citations = None
    if base.citations is not None and delta.citations is not None:
        citations = SegmentedCitations(base.citations, delta.citations, layout)
    return StoredIndex(
        folder, manifest, documents, SegmentedKeypoints(base.keypoints, delta.keypoints),
        SegmentedChunks(base.chunks, delta.chunks, documents, layout),
        SegmentedSearch(base.faiss_index, delta.faiss_index, layout), lexical,
        SegmentedSentences(base.sentences, delta.sentences, layout),
        SegmentedVectors(base.vectors(), delta.vectors(), layout), citations=citations, base=base, layout=layout)


def vector_index(vectors: np.ndarray, dimension: int, exact: bool = False):
    """The FAISS index of the passage vectors: exact (inner product = cosine of unit vectors) below
    APPROXIMATE_FROM chunks or when asked (a delta), else an HNSW graph over 8-bit scalar-quantised vectors."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if exact or len(vectors) < APPROXIMATE_FROM:
        index = faiss.IndexFlatIP(dimension)
    else:
        index = faiss.IndexHNSWSQ(dimension, faiss.ScalarQuantizer.QT_8bit, HNSW_NEIGHBOURS,
                                  faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_BUILD_DEPTH
        index.train(vectors)
    if len(vectors):
        index.add(vectors)
    return index


def write_index(index_dir: Path, manifest: dict, documents: list[DocumentInfo],
                keypoints: dict[str, list[KeyPoint]], chunks: list[Chunk], vectors: np.ndarray,
                lexical: LexicalIndex, diacritics: DiacriticsModel | None = None,
                sentences: SentenceVectors | None = None, citations: dict | None = None,
                counts: "SyllableCounts | None" = None) -> Path:
    """Write a new version folder and point `index_dir` at it atomically; return the version folder.

    A delta (`manifest["base"]` names its base folder) holds the chunks, vectors, lexical postings, keypoints and
    citations of its own documents only, and `documents` in full (indexer.segments)."""
    import faiss

    from indexer.catalogue import save_citations

    root = versions_root(index_dir)
    root.mkdir(parents=True, exist_ok=True)
    build_id = manifest["build_id"]
    tmp = root / f"{build_id}.tmp"
    final = root / build_id
    tmp.mkdir()
    try:
        docs_data = [{"info": d.to_dict()} for d in documents]
        (tmp / DOCUMENTS).write_text(json.dumps(docs_data, ensure_ascii=False, indent=1), encoding="utf-8")
        with open(tmp / KEYPOINTS, "w", encoding="utf-8") as f:
            for d in documents:
                if d.doc_id not in keypoints:
                    continue  # a delta's base holds it
                points = [k.to_dict() for k in keypoints[d.doc_id]]
                f.write(json.dumps({"doc_id": d.doc_id, "keypoints": points}, ensure_ascii=False) + "\n")
        with open(tmp / CHUNKS, "w", encoding="utf-8") as f:
            for c in chunks:
                f.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
        index = vector_index(vectors, int(manifest["dimension"]), exact=bool(manifest.get("base")))
        faiss.write_index(index, str(tmp / VECTORS))
        if not isinstance(index, faiss.IndexFlat):
            np.save(tmp / DENSE, np.ascontiguousarray(vectors, dtype=np.float32))
        lexical.save(tmp)
        if sentences is not None:
            sentences.save(tmp)
        if diacritics is not None:
            diacritics.save(tmp)
        if counts is not None:
            counts.save(tmp)
        if citations is not None:
            save_citations(tmp, citations, chunks)
        # The manifest goes last: a folder with a manifest is complete.
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _swap(index_dir, final)
    _prune(root, keep={final.name})
    return final


def copy_index(index_dir: Path, dest: Path) -> Path:
    """Copy the index's current version to `dest`, a folder that loads on its own (a backup): a delta takes its
    base along."""
    folder = index_dir.resolve()
    manifest = read_manifest(folder) or {}
    shutil.copytree(folder, dest, ignore=shutil.ignore_patterns(BASE_INSIDE))
    if manifest.get("base"):
        base = folder.parent / manifest["base"]["folder"]
        shutil.copytree(base if base.is_dir() else folder / BASE_INSIDE, dest / BASE_INSIDE)
    return dest


def adopt(index_dir: Path) -> Path | None:
    """The version folder `index_dir` points to, made one if it is a plain folder (copied in by hand): a delta
    names its base by its place among the versions. None when there is no index."""
    if not index_dir.is_symlink():
        manifest = read_manifest(index_dir)
        if manifest is None:
            return None
        root = versions_root(index_dir)
        root.mkdir(parents=True, exist_ok=True)
        kept = root / str(manifest.get("build_id") or "")
        if not manifest.get("build_id") or kept.exists():
            kept = root / f"legacy-{new_build_id()}"
        os.replace(index_dir, kept)
        _swap(index_dir, kept)
        return kept
    return index_dir.resolve()


def _swap(index_dir: Path, target: Path) -> None:
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    if index_dir.exists() and not index_dir.is_symlink():
        # A plain folder from elsewhere (copied in by hand): keep it as an old version.
        os.replace(index_dir, versions_root(index_dir) / f"legacy-{new_build_id()}")
    link = index_dir.parent / f".{index_dir.name}.{target.name}.link"
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(os.path.relpath(target, index_dir.parent), link)
    os.replace(link, index_dir)


def _prune(root: Path, keep: set[str]) -> None:
    import time

    now = time.time()
    entries = [p for p in root.iterdir() if p.is_dir()]
    for stale in (p for p in entries if p.name.endswith(".tmp") and now - p.stat().st_mtime > 3600):
        shutil.rmtree(stale, ignore_errors=True)  # left by a build that crashed
    versions = sorted((p for p in entries if not p.name.endswith(".tmp")), key=lambda p: p.stat().st_mtime,
                      reverse=True)
    keep = set(keep)
    for kept in versions[:KEEP_VERSIONS] + [root / k for k in list(keep)]:
        base = (read_manifest(kept) or {}).get("base")  # a delta kept keeps its base
        if base:
            keep.add(base["folder"])
    for old in versions[KEEP_VERSIONS:]:
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
