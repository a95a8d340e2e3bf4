"""Passage vectors of a build in progress, kept on disk so an interrupted build resumes where it stopped.

Embedding is nearly all of a build's time (about 10 passages a second on two cores with the default
model: 20,000 chunks take over half an hour). A build embeds in slices and writes each slice here as
it is done; a build stopped by Ctrl-C, a reboot or a crash finds them by the hash of what was embedded
(model, engine, prefix and passage text) and embeds only the rest. A build that completes removes the
folder: the new index holds every vector, and unchanged files are reused from it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path

import numpy as np

SLICE = 256  # passages embedded between two writes (~25 s with the default model on two cores)


def cache_dir(index_dir: Path) -> Path:
    """Beside the index link and its versions: `.index.vectors-cache/`."""
    return index_dir.parent / f".{index_dir.name}.vectors-cache"


class VectorCache:
    """Slices of (key, vector) written atomically; keys name the model as well as the text."""

    def __init__(self, folder: Path, model_key: str, dimension: int):
        self.folder = folder
        self.model_key = model_key
        self.dimension = dimension

    def key(self, text: str) -> bytes:
        # Hex, not raw digest bytes: numpy's fixed-width bytes drop trailing NULs on the way back.
        return hashlib.sha256(f"{self.model_key}\0{text}".encode("utf-8")).hexdigest()[:40].encode("ascii")

    def load(self, wanted: set[bytes]) -> dict[bytes, np.ndarray]:
        """The cached vectors of the keys asked for (unreadable or foreign slices are skipped)."""
        found: dict[bytes, np.ndarray] = {}
        if not wanted or not self.folder.is_dir():
            return found
        for path in sorted(self.folder.glob("slice-*.npz")):
            try:
                with np.load(path, allow_pickle=False) as z:
                    keys, vectors = z["keys"], z["vectors"]
            except (OSError, ValueError, KeyError):
                continue  # a damaged slice: its passages are embedded again
            if vectors.ndim != 2 or vectors.shape[1] != self.dimension or len(keys) != len(vectors):
                continue
            for k, v in zip(keys.tolist(), vectors):
                if k in wanted:
                    found[k] = v
        return found

    def add(self, keys: list[bytes], vectors: np.ndarray) -> None:
        """Write one slice: to a temporary name first, so a reader never sees half a file."""
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"slice-{uuid.uuid4().hex}"
        tmp = self.folder / f"{name}.tmp"
        with open(tmp, "wb") as f:
            np.savez(f, keys=np.array(keys, dtype="S40"), vectors=np.asarray(vectors, dtype=np.float32))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.folder / f"{name}.npz")

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def embed_resumable(encode, texts: list[str], cache: VectorCache, progress=None) -> tuple[np.ndarray, int]:
    """Vectors for `texts` (in order) and how many came from the cache; `encode` embeds a list of texts.

    `progress(done, total)` is called after the cache lookup and after each slice.
    """
    total = len(texts)
    out = np.zeros((total, cache.dimension), dtype=np.float32)
    keys = [cache.key(t) for t in texts]
    found = cache.load(set(keys))
    missing = [j for j, k in enumerate(keys) if k not in found]
    for j, k in enumerate(keys):
        if k in found:
            out[j] = found[k]
    done = total - len(missing)
    if progress is not None:
        progress(done, total)
    for start in range(0, len(missing), SLICE):
        part = missing[start:start + SLICE]
        vectors = np.asarray(encode([texts[j] for j in part]), dtype=np.float32)
        out[part] = vectors
        cache.add([keys[j] for j in part], vectors)
        done += len(part)
        if progress is not None:
            progress(done, total)
    return out, total - len(missing)
