"""The knowledge base: build the index folder from the knowledge files, load it, search it, answer questions."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from indexer.answer import CELL, DECLINED_SMALL_TALK, Answer, Hit, _cut, compose, excerpt
from indexer.catalogue import Catalogue, citations_of, moved_citations
from indexer.diacritics import FILE as DIACRITICS_FILE
from indexer.diacritics import VERSION as DIACRITICS_VERSION
from indexer.diacritics import DiacriticsModel, SyllableCounts, marked_share
from indexer.embeddings import DEFAULT_MODEL, Embedder, engine_info, load_embedder
from indexer.evidence import ANSWER_CANDIDATES, choose
from indexer.errors import DocumentNotFound, DocumentUnreadable, IndexerError, IndexNotFound, ModelMismatch
from indexer.fusion import Channels, Fusion, fuse
from indexer.lexical import LexicalIndex, terms
from indexer.prior import VERSION as PRIOR_VERSION
from indexer.question import HOW_MANY, WHAT, analyse
from indexer.reader import is_candidate, read_document
from indexer.sentences import SentenceVectors, sentences
from indexer.store import (FORMAT_VERSION, READABLE_FORMATS, SENTENCES_SINCE, StoredIndex, adopt, current_build_id,
                           load_index, new_build_id, read_manifest, write_index)
from indexer.structure import CHUNKER_VERSION, Chunk, DocumentInfo, KeyPoint, parse_document, slug
from indexer.text import expand_abbreviations, fold
from indexer.vectorcache import VectorCache, cache_dir, embed_resumable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexConfig:
    """Where the knowledge lives, where its index goes and which embedding model builds it."""

    knowledge_dir: Path
    index_dir: Path
    model: str = DEFAULT_MODEL
    query_prefix: str = ""
    passage_prefix: str = ""
    dense_weight: float | None = None  # a fixed weight of the dense channel; None: adaptive fusion
    # More folders indexed together with knowledge_dir (the board's uploads under var/); a file
    # in a later folder replaces one of the same name in an earlier folder. Missing ones are skipped.
    extra_dirs: tuple[Path, ...] = ()
    embed_threads: int | None = None  # threads of the embedding engine; None: every allowed core



# Tuned on the public Vietnamese sets with `bench/bench_retrieval.py --tune` (see indexer/fusion.py);
# the coverage threshold on tests/devset.json with `bench/bench_index.py --devset`.
DEFAULT_FUSION = Fusion()

# A build writes a delta over the index's base (indexer.segments) while the delta's chunks and the base's masked
# ones stay within this share of the base's chunks, or within DELTA_MIN_CHUNKS (a small install: a delta costs
# nothing there either); beyond, it merges everything into a new base. Each update rewrites what earlier deltas
# held and each load merges the delta's postings with the base's, so the delta is kept small.
DELTA_SHARE = 0.1
DELTA_MIN_CHUNKS = 2000

# Below this share of marked syllables a question counts as typed without diacritics.
UNMARKED_SHARE = 0.3


@dataclass
class BuildReport:
    """What one `build()` did."""

    files_indexed: list[str] = field(default_factory=list)  # read (and embedded) this time
    files_reused: list[str] = field(default_factory=list)  # unchanged: chunks and vectors copied over
    errors: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)
    documents: int = 0
    chunks: int = 0
    seconds: float = 0.0
    rebuilt_reason: str | None = None  # why everything was rebuilt (model changed, --force…)
    files_removed: list[str] = field(default_factory=list)
    build_id: str | None = None
    chunks_embedded: int = 0
    chunks_resumed: int = 0  # of those, vectors an interrupted build had already made
    sentences_embedded: int = 0  # sentence vectors made this time (indexer.sentences), resumed ones not counted

    def lines(self) -> list[str]:
        out = []
        if self.rebuilt_reason:
            out.append(f"lập lại toàn bộ chỉ mục: {self.rebuilt_reason}")
        if self.chunks_resumed:
            out.append(f"tiếp tục: dùng lại {self.chunks_resumed} đoạn đã tính ở lần lập chỉ mục bị ngắt")
        out.append(
            f"{self.documents} văn bản, {self.chunks} đoạn trong {self.seconds:.1f} giây (đọc "
            f"{len(self.files_indexed)}, dùng lại {len(self.files_reused)}, bỏ {len(self.files_removed)} tệp)"
        )
        out += [f"đã lập chỉ mục: {name}" for name in self.files_indexed]
        return out


@dataclass(frozen=True)
class Section:
    """A whole section of a document (every chunk under one heading path), verbatim."""

    doc: DocumentInfo
    path: str
    text: str


@dataclass(frozen=True)
class IndexStats:
    documents: int
    chunks: int
    model: str
    dimension: int
    built_at: str
    build_id: str


def search_text(chunk: Chunk, doc: DocumentInfo | None) -> str:
    """What the channels see of a chunk: heading path, text, hidden metadata and expanded abbreviations."""
    parts = [chunk.section, chunk.text, chunk.search_extra]
    if doc is not None and chunk.kind != "header":
        # The document's own name, so "… of the plan for Directive 30" weighs every chunk of it alike.
        # A file without a header has its first line as title: do not count that line twice.
        title = doc.title if doc.title and doc.title not in chunk.text else ""
        parts.append(" ".join(p for p in (doc.doc_type, doc.number, title) if p))
    return expand_abbreviations("\n".join(p for p in parts if p))


class _Snapshot:
    """One loaded index version; immutable once built, so readers need no lock."""

    def __init__(self, stored: StoredIndex, embedder: Embedder):
        self.stored = stored
        self.embedder = embedder
        # Read with the index, not at the first question typed without diacritics: that question paid the
        # whole read (seconds for a large index).
        self._diacritics = DiacriticsModel.load(stored.folder)
        self.chunks = stored.chunks
        self.by_id = stored.chunks.by_id
        self.docs = {d.doc_id: d for d in stored.documents}
        self.display = {d.doc_id: d.display for d in stored.documents}
        self.vectors = stored.vectors()
        kinds = np.array([KIND_PRIOR.get(k, 1.0) for k in stored.chunks.kinds], dtype=np.float64)
        self.prior = kinds[stored.chunks.kind_of_row] if len(kinds) else np.zeros(0, dtype=np.float64)
        self._qcache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._qlock = threading.Lock()

    @property
    def build_id(self) -> str:
        return self.stored.build_id

    def query_vector(self, text: str) -> np.ndarray:
        with self._qlock:
            v = self._qcache.get(text)
            if v is not None:
                self._qcache.move_to_end(text)
                return v
        v = self.embedder.encode_queries([text])[0]
        with self._qlock:
            self._qcache[text] = v
            if len(self._qcache) > 512:
                self._qcache.popitem(last=False)
        return v

    def passages(self, doc_id: str) -> list[Chunk]:
        """One document's passages in reading order, read from the index file row by row."""
        return [self.chunks[i] for i in self.chunks.rows_of_doc.get(doc_id, ())]

    def diacritics(self) -> DiacriticsModel | None:
        """The index's syllable model (None for an index built before it existed)."""
        return self._diacritics

    def dense_text(self, query: str) -> str:
        """What the embedding model reads: the question with diacritics restored and abbreviations expanded."""
        if marked_share(query) < UNMARKED_SHARE:
            model = self.diacritics()
            if model is not None:
                query = model.restore(query)
        return expand_abbreviations(query)

    def channels(self, query: str, fusion: Fusion, vector: np.ndarray | None = None) -> Channels:
        """Both channels' candidates for `query`; `vector` is its embedding if already computed."""
        n = len(self.chunks)
        qtext = expand_abbreviations(query)
        qtok = terms(qtext)
        c = min(fusion.candidates, n)
        lexical = self.stored.lexical
        if self.stored.approximate:  # a large index: no score for every chunk (LexicalIndex.top)
            lex_cand = lexical.top(qtok, c)
        else:
            bm = lexical.scores(qtok)
            lex_cand = np.argpartition(-bm, c - 1)[:c] if n > c else np.arange(n)
            lex_cand = lex_cand[bm[lex_cand] > 0]
        qv = self.query_vector(self.dense_text(query)) if vector is None else vector
        _, ids = self.stored.faiss_index.search(qv[None, :], c)
        cand = np.union1d(lex_cand, ids[0][ids[0] >= 0]).astype(np.int64)
        scores = lexical.scores_of(qtok, cand) if self.stored.approximate else bm[cand]
        return Channels(rows=cand, lexical=scores, dense=self.vectors[cand] @ qv,
                        terms=len(self.stored.lexical.evidence_terms(qtok)),
                        marked=marked_share(query) >= UNMARKED_SHARE)

    def search(self, query: str, k: int, fusion: Fusion, vector: np.ndarray | None = None,
               exclude: frozenset[str] = frozenset()) -> list[Hit]:
        n = len(self.chunks)
        if n == 0 or not query.strip():
            return []
        vector = self.query_vector(self.dense_text(query)) if vector is None else vector
        ch = self.channels(query, fusion, vector)
        if exclude:  # documents the asker may not be answered from (the caller decides which)
            keep = np.array([self.chunks.doc_id(int(i)) not in exclude for i in ch.rows], dtype=bool)
            ch = replace(ch, rows=ch.rows[keep], lexical=ch.lexical[keep], dense=ch.dense[keep])
        if len(ch.rows) == 0:
            return []
        fused = fuse(ch, fusion)
        # Scores in 0..1 within the question (1 = best candidate), so ratios between hits mean something.
        lo, hi = float(fused.min()), float(fused.max())
        fused = (fused - lo) / (hi - lo) if hi - lo > 1e-12 else np.ones_like(fused)
        # The "Nơi nhận" list names every body in passing; it should win only when asked about.
        fused = fused * self.prior[ch.rows]
        order = np.argsort(-fused, kind="stable")[:k]
        evidence = self.stored.lexical.evidence_terms(terms(expand_abbreviations(query)))
        covered = self.stored.lexical.coverages(evidence, ch.rows[order].astype(np.int32))
        closest = self.stored.sentences.best(ch.rows[order], vector, ch.dense[order])
        hits = []
        for n, j in enumerate(order):
            i = int(ch.rows[j])
            chunk = self.chunks[i]
            hits.append(Hit(
                chunk_id=chunk.id, text=chunk.text, document=self.display.get(chunk.doc_id, chunk.doc_id),
                doc_id=chunk.doc_id, section=chunk.section, score=float(fused[j]),
                lexical_score=float(ch.lexical[j]), dense_score=float(ch.dense[j]),
                coverage=float(covered[n]), kind=chunk.kind, part=chunk.part, sentence_score=float(closest[n]),
            ))
        return hits

    def search_many(self, queries: list[str], k: int, fusion: Fusion) -> list[list[Hit]]:
        """`search` for each query, the questions embedded together in batches (faster on several cores)."""
        texts = [self.dense_text(q) if q.strip() else "" for q in queries]
        todo = sorted({t for t in texts if t})
        vectors = dict(zip(todo, self.embedder.encode_queries(todo)))
        return [self.search(q, k, fusion, vectors.get(t)) for q, t in zip(queries, texts)]


KIND_PRIOR = {"recipients": 0.8}


OUTLINE_LINE = 160  # each heading of an outline, cut at a word beyond this


def _outline(info, hit: Hit, snapshot) -> Hit | None:
    """What a numbered part of a document says ("mục III nói gì", "chương II quy chế"), when the part
    the question names spans several passages: its heading and the first line of each item under it,
    verbatim, in order — the outline a reader would scan. None when the passage found is not inside
    such a part or the part is one passage (then that passage is the answer)."""
    from indexer.evidence import _SECTION_ORDINALS, has_ordinals
    i = snapshot.by_id.get(hit.chunk_id)
    if i is None:
        return None
    chunk = snapshot.chunks[i]
    skip = 1 if chunk.part and chunk.path and chunk.path[0] == chunk.part else 0  # an attached Quy chế's name
    wanted = [(h, n) for h, n in info.ordinals if h in _SECTION_ORDINALS]
    if not wanted:
        return None
    heads = {h for h, _ in wanted}
    # "phần II mục 2": an item under the part (the part's own heading holds "II" for either word).
    for k in range(skip + (2 if {"phan", "muc"} <= heads else 1), len(chunk.path) + 1):
        section = " › ".join(chunk.path[skip:k])
        if has_ordinals(section, wanted):
            break
    else:
        return None
    prefix = chunk.path[:k]
    inside = [c for c in snapshot.passages(chunk.doc_id) if c.path[:k] == prefix]
    if len(inside) < 2 or all(len(c.path) <= k for c in inside):
        return None   # one passage, or no items below the part
    lines, seen = [prefix[-1]], set()
    for c in inside:
        head = c.path[k] if len(c.path) > k else ""
        if head in seen:
            continue  # an item that runs over several passages: once
        seen.add(head)
        first = next((ln.strip() for ln in c.text.split("\n") if ln.strip()), "")
        lines.append(_cut(first, OUTLINE_LINE, leading=False) if len(first) > OUTLINE_LINE else first)
    first_chunk = inside[0]
    return replace(hit, chunk_id=first_chunk.id, text="\n".join(lines), section=" › ".join(prefix),
                   kind="body")


class KnowledgeBase:
    """Build, load and query one knowledge index. Safe to query from several threads during a build."""

    def __init__(self, config: IndexConfig, fusion: Fusion | None = None):
        self.config = config
        if fusion is None:
            fusion = DEFAULT_FUSION
            if config.dense_weight is not None:
                fusion = replace(fusion, alpha=config.dense_weight)
        self.fusion = fusion
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()  # guards loading and swapping the snapshot
        self._build_lock = threading.Lock()
        self._first_load = threading.Lock()
        self._failed_build_id: str | None = None
        self._catalogues: tuple[_Snapshot, Catalogue] | None = None
        self._counts: tuple[Path, SyllableCounts] | None = None  # a base's syllable counts (_base_counts)

    # --- loading ---------------------------------------------------------------------------

    def _embedder(self) -> Embedder:
        c = self.config
        return load_embedder(c.model, c.query_prefix, c.passage_prefix, threads=c.embed_threads)

    def load(self) -> None:
        """Load the index folder; raise IndexNotFound or ModelMismatch."""
        previous = self._snapshot
        stored = load_index(self.config.index_dir, reuse=previous.stored if previous is not None else None)
        m = stored.manifest
        if m.get("format") not in READABLE_FORMATS:
            raise IndexNotFound(f"index at {self.config.index_dir} has an old format; run `loa index`")
        mismatch = _mismatch(m, self.config)
        if mismatch:
            raise ModelMismatch(f"index at {self.config.index_dir} {mismatch}; run `loa index` to rebuild it")
        embedder = self._embedder()
        if embedder.dimension != int(m["dimension"]):
            raise ModelMismatch(
                f"index vectors have dimension {m['dimension']} but model {self.config.model!r} gives "
                f"{embedder.dimension}; run `loa index --force`"
            )
        snapshot = _Snapshot(stored, embedder)
        catalogue = Catalogue(stored.documents, snapshot.chunks, stored.lexical)
        catalogue.prepare(stored.citations, previous=self._catalogues[1] if self._catalogues is not None else None)
        with self._lock:
            self._catalogues = (snapshot, catalogue)
            self._snapshot = snapshot

    def reload_if_changed(self) -> bool:
        """Pick up an index swapped in by another process; cheap when nothing changed."""
        snapshot = self._snapshot
        if snapshot is None:
            return False
        build_id = current_build_id(self.config.index_dir)
        if not build_id or build_id == snapshot.build_id or build_id == self._failed_build_id:
            return False
        try:
            self.load()
        except IndexerError as exc:  # keep serving the old index rather than nothing
            log.warning("new index %s not loaded: %s", build_id, exc)
            self._failed_build_id = build_id
            return False
        return True

    def _current(self) -> _Snapshot:
        snapshot = self._snapshot
        if snapshot is None:
            with self._first_load:  # several first questions at once load the index once
                if self._snapshot is None:
                    self.load()
            snapshot = self._snapshot
        assert snapshot is not None
        return snapshot

    # --- queries -----------------------------------------------------------------------------

    def search(self, query: str, k: int = 5, fusion: Fusion | None = None,
               exclude_docs: frozenset[str] = frozenset()) -> list[Hit]:
        """The k best passages for `query`, best first (never from the doc ids in `exclude_docs`)."""
        return self._current().search(query, k, fusion or self.fusion, exclude=exclude_docs)

    def search_many(self, queries: list[str], k: int = 5, fusion: Fusion | None = None) -> list[list[Hit]]:
        """`search` for each of `queries`, in order, in one pass (questions embedded in batches)."""
        return self._current().search_many(queries, k, fusion or self.fusion)

    def ask(self, question: str, fusion: Fusion | None = None, model=None,
            exclude_docs: frozenset[str] = frozenset()) -> Answer:
        """Answer with the passage that holds what is asked, quoted verbatim; or show the most related
        passage as not sure; or decline.

        `exclude_docs`: doc ids never quoted nor ranked for this question (e.g. another unit's own
        documents in a multi-level deployment). `model`: another fitted decision (indexer.decision), for
        experiments.

        On top of the fused ranking: the question's type, the documents it names and the signals of each
        candidate (indexer.question, indexer.evidence) go into one calibrated decision (indexer.decision).
        """
        fusion = fusion or self.fusion
        snapshot = self._current()
        catalogue = self._catalogue(snapshot)
        dates = catalogue.dates
        info = analyse(question, catalogue.known, catalogue)
        if info.small_talk:
            return compose(question, [], [], dates, reason=DECLINED_SMALL_TALK, kind=info.kind)
        hits = snapshot.search(info.search_text, ANSWER_CANDIDATES, fusion, exclude=exclude_docs)
        choice = choose(info, hits, catalogue, model)
        if not choice.passages:
            related = [excerpt(h.text, h.section, info.terms, choice.prefer) for h in choice.related]
            return compose(question, [], choice.ranked[:5], dates, reason=choice.reason, kind=info.kind,
                           missing=choice.missing, related=choice.related, related_excerpts=related,
                           confidence=choice.confidence, terms=info.terms, prefer=choice.prefer)
        passages = list(choice.passages)
        excerpts = [excerpt(h.text, h.section, info.terms, choice.prefer) for h in passages]
        outline = _outline(info, passages[0], snapshot) if info.ordinals and info.kind in (WHAT, HOW_MANY) else None
        if outline is not None:  # "mục III nói gì": the part's outline, then the passage found in it
            passages.insert(0, outline)
            excerpts.insert(0, outline.text)
        return compose(question, passages, choice.ranked[:5], dates, excerpts, kind=info.kind,
                       confidence=choice.confidence, terms=info.terms, prefer=choice.prefer)

    def candidates(self, question: str, fusion: Fusion | None = None):
        """(question info, weighed terms, unknown share, hits, catalogue) as `ask` sees them: for fitting
        the decision (bench/fit_decision.py)."""
        from indexer.evidence import question_weights
        snapshot = self._current()
        catalogue = self._catalogue(snapshot)
        info = analyse(question, catalogue.known, catalogue)
        if info.small_talk:
            return info, (), 0.0, [], catalogue
        hits = snapshot.search(info.search_text, ANSWER_CANDIDATES, fusion or self.fusion)
        terms, unknown = question_weights(info, catalogue)
        return info, terms, unknown, hits, catalogue

    def _catalogue(self, snapshot: "_Snapshot") -> Catalogue:
        """Reference lookups for the loaded index, made once per index version."""
        cached = self._catalogues
        if cached is not None and cached[0] is snapshot:
            return cached[1]
        catalogue = Catalogue(snapshot.stored.documents, snapshot.chunks, snapshot.stored.lexical)
        self._catalogues = (snapshot, catalogue)
        return catalogue

    def documents(self) -> list[DocumentInfo]:
        return list(self._current().stored.documents)

    def document(self, name: str) -> DocumentInfo:
        """Find a document by id, file name, stem or number (case and diacritics ignored)."""
        docs = self.documents()
        key = fold(name).strip()
        for d in docs:
            if d.doc_id in (key, slug(name)) or key in (fold(d.source_file), fold(Path(d.source_file).stem)):
                return d
        matches = [d for d in docs if key and (key in fold(d.number or "") or key in fold(d.title))]
        if len(matches) == 1:
            return matches[0]
        raise DocumentNotFound(f"no document {name!r}; known: {', '.join(d.doc_id for d in docs) or 'none'}")

    def keypoints(self, doc_id: str) -> list[KeyPoint]:
        """The outline of one document: parts, items and sub-items in order."""
        doc = self.document(doc_id)
        return list(self._current().stored.keypoints.get(doc.doc_id, []))

    def passages(self, doc_id: str) -> list[Chunk]:
        """One document's passages in reading order (e.g. for drafting quiz questions from it)."""
        return self._current().passages(doc_id)

    def section(self, chunk_id: str) -> Section:
        """All chunks under the heading path of `chunk_id`, joined verbatim."""
        snapshot = self._current()
        i = snapshot.by_id.get(chunk_id)
        if i is None:
            raise IndexerError(f"no passage {chunk_id!r} in the current index")
        chunk = snapshot.chunks[i]
        n = len(chunk.path)
        parts = [c.text for c in snapshot.passages(chunk.doc_id) if c.path[:n] == chunk.path]
        return Section(snapshot.docs[chunk.doc_id], chunk.section, "\n".join(parts).replace("\t", CELL))

    def stats(self) -> IndexStats:
        s = self._current()
        m = s.stored.manifest
        return IndexStats(len(s.docs), len(s.chunks), m["model"], int(m["dimension"]), m["built_at"], m["build_id"])

    def embedder(self) -> Embedder:
        """The loaded embedding model (shared with the index), e.g. for FAQ similarity in the bot."""
        snapshot = self._snapshot
        return snapshot.embedder if snapshot is not None else self._embedder()

    # --- building ----------------------------------------------------------------------------

    def build(self, force: bool = False, progress=None, merge: bool = False) -> BuildReport:
        """Index the knowledge folder: re-read changed files only, write a new version, swap it in.

        A few changed documents are written as a delta over the index's base (indexer.segments), in a time that
        grows with them, not with the index; a full build happens when the delta would exceed DELTA_SHARE of the
        base (and DELTA_MIN_CHUNKS), on `force`, or on `merge` (`loa index`: a delta is merged into a new base).
        `progress(done, total)` follows the embedding of new chunks (the long part of a big build).
        """
        started = time.perf_counter()
        cfg = self.config
        if not cfg.knowledge_dir.is_dir():
            raise IndexerError(f"knowledge folder {cfg.knowledge_dir} does not exist")
        with self._build_lock, _process_lock(cfg.index_dir):
            report = BuildReport()
            embedder = self._embedder()
            cache = VectorCache(cache_dir(cfg.index_dir), json.dumps(
                [cfg.model, engine_info(cfg.model), cfg.passage_prefix, embedder.dimension], sort_keys=True),
                embedder.dimension)
            if force:
                cache.clear()
            old: StoredIndex | None = None
            old_manifest = read_manifest(cfg.index_dir)
            if old_manifest is not None:
                reason = _mismatch(old_manifest, cfg)
                if force:
                    report.rebuilt_reason = "forced (--force)"
                elif old_manifest.get("format") not in (*READABLE_FORMATS, SENTENCES_SINCE - 1):
                    report.rebuilt_reason = "index format changed"
                elif old_manifest.get("chunker_version") != CHUNKER_VERSION:
                    report.rebuilt_reason = "chunker updated"
                elif reason:
                    report.rebuilt_reason = f"index {reason}"
                else:
                    try:
                        old = self._loaded(old_manifest)
                    except IndexNotFound as exc:
                        report.rebuilt_reason = f"previous index unreadable: {exc}"
            old_files = (old.manifest.get("files", {}) if old else {})
            old_rows: dict[str, list[int]] = old.chunks.rows_of_doc if old else {}
            old_docs = {d.doc_id: d for d in old.documents} if old else {}

            named = knowledge_files(cfg)
            files = [path for _, path in named]
            ids = _doc_ids(files)
            # One per document, in build order: (doc id, the parsed document or None, its rows in the old index).
            items: list[tuple[str, object, list[int]]] = []
            entries: dict[str, dict] = {}
            for name, path in named:
                doc_id = ids[path]
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    report.errors.append((name, f"cannot open: {exc.strerror or exc}"))
                    continue
                sha = hashlib.sha256(data).hexdigest()
                entry = old_files.get(name)
                if old and entry and entry["sha256"] == sha and entry["doc_id"] == doc_id and doc_id in old_docs:
                    rows = old_rows.get(doc_id, [])
                    items.append((doc_id, None, rows))
                    report.files_reused.append(name)
                    n_chunks = len(rows)
                else:
                    try:
                        parsed = parse_document(read_document(path), doc_id, name)
                    except DocumentUnreadable as exc:
                        report.errors.append((name, str(exc)))
                        continue
                    if not parsed.chunks:
                        report.errors.append((name, "no text"))
                        continue
                    items.append((doc_id, parsed, []))
                    report.files_indexed.append(name)
                    n_chunks = len(parsed.chunks)
                entries[name] = {"sha256": sha, "size": len(data), "doc_id": doc_id, "chunks": n_chunks}
            report.files_removed = sorted(set(old_files) - set(entries)) if old else []
            report.documents = len(items)
            report.chunks = sum(len(rows) if parsed is None else len(parsed.chunks) for _, parsed, rows in items)

            # A newer diacritics model is relearnt and written with the old vectors; nothing is re-embedded.
            # So are new BM25 parameters and word-frequency weights (from the stored term counts).
            current = (old is not None and old.has_sentences
                       and old.manifest.get("format") == FORMAT_VERSION  # an older one is rewritten
                       and old.manifest.get("diacritics", {}).get("version") == DIACRITICS_VERSION
                       and (old.lexical.k1, old.lexical.b) == (LexicalIndex.K1, LexicalIndex.B)
                       and old.manifest.get("bm25", {}).get("prior") == PRIOR_VERSION
                       and old.citations is not None)  # found by the code that reads references now
            changed = bool(report.files_indexed or report.files_removed)
            if current and not changed and not (merge and old.is_delta):
                report.build_id = old.build_id
            else:
                delta = self._delta_plan(old, items) if current and changed and not merge else None
                if delta is not None:
                    report.build_id = self._write_delta(old, items, delta, entries, report, embedder, cache,
                                                        progress)
                else:
                    report.build_id = self._write_full(old, items, entries, report, embedder, cache, progress)
            cache.clear()  # the index now holds every vector
            report.seconds = time.perf_counter() - started
        self.load()
        return report

    def _loaded(self, manifest: dict) -> StoredIndex:
        """The index now at index_dir: the one being served when it is that version (read already), else read."""
        snapshot = self._snapshot
        if snapshot is not None and snapshot.stored.folder == self.config.index_dir.resolve() \
                and snapshot.stored.manifest == manifest:  # the same version, not edited since it was read
            return snapshot.stored
        return load_index(self.config.index_dir, reuse=snapshot.stored if snapshot is not None else None)

    def _delta_plan(self, old: StoredIndex, items) -> list[bool] | None:
        """Which documents a delta over the old index's base would hold (True: in the delta), or None when
        a full build is due: the delta and the base's masked rows would exceed DELTA_SHARE of the base and
        DELTA_MIN_CHUNKS."""
        base = old.base if old.is_delta else old
        if old.is_delta and base.folder.parent != old.folder.parent:
            return None  # a copied delta carrying its base inside (store.copy_index): merged into a base of its own
        in_delta = []
        delta_chunks, kept_base = 0, 0
        for doc_id, parsed, rows in items:
            carried = parsed is None and old.is_delta and bool(rows) and bool(old.layout.delta[rows[0]])
            in_delta.append(parsed is not None or carried)
            if in_delta[-1]:
                delta_chunks += len(parsed.chunks) if parsed is not None else len(rows)
            else:
                kept_base += len(rows)
        masked = len(base.chunks) - kept_base
        if delta_chunks + masked > max(DELTA_SHARE * len(base.chunks), DELTA_MIN_CHUNKS):
            return None
        return in_delta

    def _embed(self, chunks: list[Chunk], vectors: list, sentence_parts: list, docs_by_id: dict, report: BuildReport,
               embedder: Embedder, cache: VectorCache, progress) -> tuple[np.ndarray, SentenceVectors, dict]:
        """Fill in the vectors and sentence vectors left None (embedded, or read back from an interrupted
        build's cache); return the passage matrix, the sentence vectors and the search texts embedded."""
        todo = [i for i, v in enumerate(vectors) if v is None]
        texts = {i: search_text(chunks[i], docs_by_id.get(chunks[i].doc_id)) for i in todo}
        units = {i: sentences(chunks[i]) for i, p in enumerate(sentence_parts) if p is None}
        n_units = sum(len(u) for u in units.values())
        fresh, report.chunks_resumed = embed_resumable(
            embedder.encode_passages, [texts[i] for i in todo], cache,
            progress and (lambda done, total: progress(done, total + n_units)))
        for j, i in enumerate(todo):
            vectors[i] = fresh[j]
        report.chunks_embedded = len(todo)
        flat = [u for i in sorted(units) for u in units[i]]
        unit_vectors, units_resumed = embed_resumable(
            embedder.encode_passages, flat, cache,
            progress and (lambda done, total: progress(len(todo) + done, len(todo) + total)))
        start = 0
        for i in sorted(units):
            sentence_parts[i] = unit_vectors[start:start + len(units[i])]
            start += len(units[i])
        report.sentences_embedded = len(flat) - units_resumed
        matrix = (np.vstack(vectors).astype(np.float32) if vectors
                  else np.zeros((0, embedder.dimension), dtype=np.float32))
        return matrix, SentenceVectors.from_parts(sentence_parts, embedder.dimension), texts

    def _manifest(self, documents: list[DocumentInfo], n_chunks: int, lexical: LexicalIndex,
                  diacritics: DiacriticsModel, entries: dict, report: BuildReport, dimension: int) -> dict:
        cfg = self.config
        return {
            "format": FORMAT_VERSION,
            "chunker_version": CHUNKER_VERSION,
            "model": cfg.model,
            "dimension": dimension,
            "query_prefix": cfg.query_prefix,
            "passage_prefix": cfg.passage_prefix,
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "build_id": new_build_id(),
            "documents": len(documents),
            "chunks": n_chunks,
            "bm25": {"k1": lexical.k1, "b": lexical.b, "prior": PRIOR_VERSION},
            "embedding": engine_info(cfg.model),
            "diacritics": {"file": DIACRITICS_FILE, "version": DIACRITICS_VERSION,
                           "syllables": len(diacritics.unigrams),
                           "pairs": len(diacritics.bigrams)},
            "files": entries,
            "errors": [list(e) for e in report.errors],
        }

    def _write_full(self, old: StoredIndex | None, items, entries: dict, report: BuildReport, embedder: Embedder,
                    cache: VectorCache, progress) -> str:
        """Write every document into a new base; return its build id."""
        old_vectors = old.vectors() if old else None
        old_sentences = old.sentences if old is not None and old.has_sentences else None
        documents: list[DocumentInfo] = []
        keypoints: dict[str, list[KeyPoint]] = {}
        chunks: list[Chunk] = []
        vectors: list[np.ndarray | None] = []  # one per chunk; None = to embed
        sentence_parts: list[np.ndarray | None] = []  # one (k, d) array per chunk; None = to embed
        sources: list[int] = []  # one per chunk: its row in the old index, -1 if read this time
        old_docs = {d.doc_id: d for d in old.documents} if old else {}
        for doc_id, parsed, rows in items:
            if parsed is None:
                documents.append(old_docs[doc_id])
                keypoints[doc_id] = old.keypoints.get(doc_id, [])
                chunks.extend(old.chunks[i] for i in rows)
                vectors.extend(old_vectors[i] for i in rows)
                sentence_parts.extend((np.asarray(old_sentences.of(i)) if old_sentences is not None else None)
                                      for i in rows)
                sources.extend(rows)
            else:
                documents.append(parsed.info)
                keypoints[doc_id] = parsed.keypoints
                chunks.extend(parsed.chunks)
                vectors.extend([None] * len(parsed.chunks))
                sentence_parts.extend([None] * len(parsed.chunks))
                sources.extend([-1] * len(parsed.chunks))
        docs_by_id = {d.doc_id: d for d in documents}
        matrix, sentence_vectors, texts = self._embed(chunks, vectors, sentence_parts, docs_by_id, report, embedder,
                                                      cache, progress)
        todo = sorted(texts)
        keep = np.full(len(old.chunks) if old is not None else 0, -1, dtype=np.int64)
        for new_row, old_row in enumerate(sources):
            if old_row >= 0:
                keep[old_row] = new_row
        if old is not None:  # reused chunks keep their term counts; only new text is tokenised
            lexical = old.lexical.rebuild(keep, [(i, terms(texts[i])) for i in todo], len(chunks))
        else:
            lexical = LexicalIndex.build([terms(texts[i]) for i in range(len(chunks))])
        # Relearnt from every chunk each time: counting syllables is cheap next to embedding.
        counts = SyllableCounts.of(f"{c.section}\n{c.text}" for c in chunks)
        diacritics = DiacriticsModel.from_counts(counts)
        # Reused passages keep the references found in them; only new text is read (every passage when the old
        # index has none stored, or found by other code).
        if old is not None and old.citations is not None:
            cited = moved_citations(old.citations, keep, [(i, chunks[i]) for i in todo])
        else:
            cited = citations_of(chunks)
        manifest = self._manifest(documents, len(chunks), lexical, diacritics, entries, report, embedder.dimension)
        write_index(self.config.index_dir, manifest, documents, keypoints, chunks, matrix, lexical, diacritics,
                    sentence_vectors, citations=cited, counts=counts)
        self._counts = None
        return manifest["build_id"]

    def _write_delta(self, old: StoredIndex, items, in_delta: list[bool], entries: dict, report: BuildReport,
                     embedder: Embedder, cache: VectorCache, progress) -> str:
        """Write the documents that differ from the old index's base as a delta over it; return its build id."""
        base = old.base if old.is_delta else old
        base_folder = adopt(self.config.index_dir) if not old.is_delta else base.folder
        if base_folder is None:
            raise IndexerError("the index disappeared during the build")
        old_docs = {d.doc_id: d for d in old.documents}
        old_vectors = old.vectors()
        documents: list[DocumentInfo] = []
        keypoints: dict[str, list[KeyPoint]] = {}
        chunks: list[Chunk] = []
        vectors: list[np.ndarray | None] = []
        sentence_parts: list[np.ndarray | None] = []
        kept_base: set[str] = set()
        for (doc_id, parsed, rows), delta in zip(items, in_delta):
            documents.append(parsed.info if parsed is not None else old_docs[doc_id])
            if not delta:
                kept_base.add(doc_id)
            elif parsed is None:  # in the old delta already: carried over
                keypoints[doc_id] = old.keypoints.get(doc_id, [])
                chunks.extend(old.chunks[i] for i in rows)
                vectors.extend(np.asarray(old_vectors[i]) for i in rows)
                sentence_parts.extend(np.asarray(old.sentences.of(i)) for i in rows)
            else:
                keypoints[doc_id] = parsed.keypoints
                chunks.extend(parsed.chunks)
                vectors.extend([None] * len(parsed.chunks))
                sentence_parts.extend([None] * len(parsed.chunks))
        docs_by_id = {d.doc_id: d for d in documents}
        matrix, sentence_vectors, _ = self._embed(chunks, vectors, sentence_parts, docs_by_id, report, embedder,
                                                  cache, progress)
        lexical = LexicalIndex.build([terms(search_text(c, docs_by_id.get(c.doc_id))) for c in chunks])
        # The base's syllable counts, less its passages no longer served, plus the delta's: the counts of a full
        # build of the same documents, so the same model.
        masked = [i for d, rows in base.chunks.rows_of_doc.items() if d not in kept_base for i in rows]
        counts = (self._base_counts(base_folder)
                  - SyllableCounts.of(f"{c.section}\n{c.text}" for c in (base.chunks[i] for i in masked))
                  + SyllableCounts.of(f"{c.section}\n{c.text}" for c in chunks))
        diacritics = DiacriticsModel.from_counts(counts)
        manifest = self._manifest(documents, report.chunks, lexical, diacritics, entries, report, embedder.dimension)
        manifest["base"] = {"folder": base_folder.name, "build_id": base.build_id}
        manifest["delta"] = {"documents": len(keypoints), "chunks": len(chunks), "masked": len(masked)}
        write_index(self.config.index_dir, manifest, documents, keypoints, chunks, matrix, lexical, diacritics,
                    sentence_vectors, citations=citations_of(chunks))
        return manifest["build_id"]

    def _base_counts(self, folder: Path) -> SyllableCounts:
        """The syllable counts stored with a base (kept for the next delta over it)."""
        cached = self._counts
        if cached is not None and cached[0] == folder:
            return cached[1]
        counts = SyllableCounts.load(folder)
        if counts is None:
            raise IndexerError(f"index at {folder} has no syllable counts; run `loa index --force`")
        self._counts = (folder, counts)
        return counts


def _mismatch(manifest: dict, cfg: IndexConfig) -> str | None:
    if manifest.get("model") != cfg.model:
        return f"was built with embedding model {manifest.get('model')!r}, configured model is {cfg.model!r}"
    if manifest.get("passage_prefix", "") != cfg.passage_prefix:
        return (f"was built with passage prefix {manifest.get('passage_prefix', '')!r}, "
                f"configured prefix is {cfg.passage_prefix!r}")
    return None


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def knowledge_files(cfg: IndexConfig) -> list[tuple[str, Path]]:
    """(name, path) of every file to index, by name: knowledge_dir, then each extra folder.

    The name is the path inside its folder, so files of knowledge_dir keep their names and ids
    whatever extra folders exist. A file whose name (case and diacritics aside) matches one in an
    earlier folder replaces it: the board's upload of `ke-hoach.txt` supersedes the shipped one.
    """
    chosen: list[tuple[str, Path]] = []
    for root in (cfg.knowledge_dir, *cfg.extra_dirs):
        if not root.is_dir():
            continue
        found = [(p.relative_to(root).as_posix(), p) for p in root.rglob("*")
                 if is_candidate(p) and not _hidden(p.relative_to(root))]
        replaced = {slug(name) for name, _ in found}
        chosen = [c for c in chosen if slug(c[0]) not in replaced] + found
    return sorted(chosen, key=lambda item: item[0])


def _doc_ids(files: list[Path]) -> dict[Path, str]:
    """File stem as id; files sharing a stem (plan.docx, plan.pdf) get the extension too."""
    by_stem: dict[str, list[Path]] = {}
    for p in files:
        by_stem.setdefault(slug(p.stem), []).append(p)
    out = {}
    for stem_id, paths in by_stem.items():
        for p in paths:
            out[p] = stem_id if len(paths) == 1 else slug(p.name)
    return out


@contextmanager
def _process_lock(index_dir: Path):
    """One build at a time across processes (the bot's upload and a `loa index` in a shell)."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(index_dir.parent / f".{index_dir.name}.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
