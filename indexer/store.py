"""The index folder: manifest, chunks, documents, FAISS vectors and lexical data, swapped in atomically.

`LOA_INDEX_DIR` (e.g. var/index) is a symlink to `.index.versions/<build_id>/`. A build writes a new
version folder and then replaces the symlink with `os.replace`, so a reader resolves either the old or
the new folder, never a half-written one. Old versions are kept for a while so a process that resolved
the old link just before the swap can finish reading it.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from indexer.diacritics import DiacriticsModel
from indexer.errors import IndexNotFound
from indexer.lexical import LexicalIndex
from indexer.sentences import SentenceVectors
from indexer.structure import Chunk, DocumentInfo, KeyPoint

FORMAT_VERSION = 3  # 3: sentence vectors (an index of format 2 is completed, not re-embedded)
SENTENCES_SINCE = 3
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
DOCUMENTS = "documents.json"
VECTORS = "vectors.faiss"
KEEP_VERSIONS = 3


@dataclass
class StoredIndex:
    """Everything in one index folder, loaded in memory."""

    folder: Path
    manifest: dict
    documents: list[DocumentInfo]
    keypoints: dict[str, list[KeyPoint]]
    chunks: list[Chunk]
    faiss_index: object
    lexical: LexicalIndex
    sentences: SentenceVectors

    @property
    def has_sentences(self) -> bool:
        """Whether the build stored sentence vectors (an index of an older format has none)."""
        return int(self.manifest.get("format", 0)) >= SENTENCES_SINCE

    @property
    def build_id(self) -> str:
        return self.manifest["build_id"]

    def vectors(self) -> np.ndarray:
        """The stored vectors as an (n, d) array; a view on the FAISS index's memory, not a copy."""
        import faiss

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


def load_index(index_dir: Path) -> StoredIndex:
    """Read one consistent version of the index (the link is resolved once, up front)."""
    import faiss

    folder = index_dir.resolve()
    manifest = read_manifest(folder)
    if manifest is None:
        raise IndexNotFound(f"no index at {index_dir}; run `loa index` first")
    try:
        docs_data = json.loads((folder / DOCUMENTS).read_text(encoding="utf-8"))
        documents = [DocumentInfo.from_dict(d["info"]) for d in docs_data]
        keypoints = {d["info"]["doc_id"]: [KeyPoint(**k) for k in d["keypoints"]] for d in docs_data}
        with open(folder / CHUNKS, encoding="utf-8") as f:
            chunks = [Chunk.from_dict(json.loads(line)) for line in f if line.strip()]
        faiss_index = faiss.read_index(str(folder / VECTORS))
        lexical = LexicalIndex.load(folder)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise IndexNotFound(f"index at {index_dir} is incomplete ({exc}); run `loa index --force`") from exc
    if faiss_index.ntotal != len(chunks) or lexical.n_docs != len(chunks):
        raise IndexNotFound(f"index at {index_dir} is inconsistent; run `loa index --force`")
    sentences = SentenceVectors.load(folder, len(chunks), int(manifest["dimension"]))
    return StoredIndex(folder, manifest, documents, keypoints, chunks, faiss_index, lexical, sentences)


def write_index(index_dir: Path, manifest: dict, documents: list[DocumentInfo],
                keypoints: dict[str, list[KeyPoint]], chunks: list[Chunk], vectors: np.ndarray,
                lexical: LexicalIndex, diacritics: DiacriticsModel | None = None,
                sentences: SentenceVectors | None = None) -> Path:
    """Write a new version folder and point `index_dir` at it atomically; return the version folder."""
    import faiss

    root = versions_root(index_dir)
    root.mkdir(parents=True, exist_ok=True)
    build_id = manifest["build_id"]
    tmp = root / f"{build_id}.tmp"
    final = root / build_id
    tmp.mkdir()
    try:
        docs_data = [{"info": d.to_dict(), "keypoints": [k.to_dict() for k in keypoints.get(d.doc_id, [])]}
                     for d in documents]
        (tmp / DOCUMENTS).write_text(json.dumps(docs_data, ensure_ascii=False, indent=1), encoding="utf-8")
        with open(tmp / CHUNKS, "w", encoding="utf-8") as f:
            for c in chunks:
                f.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
        index = faiss.IndexFlatIP(int(manifest["dimension"]))
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        faiss.write_index(index, str(tmp / VECTORS))
        lexical.save(tmp)
        if sentences is not None:
            sentences.save(tmp)
        if diacritics is not None:
            diacritics.save(tmp)
        # The manifest goes last: a folder with a manifest is complete.
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _swap(index_dir, final)
    _prune(root, keep={final.name})
    return final


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
    for old in versions[KEEP_VERSIONS:]:
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
