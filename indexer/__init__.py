"""Loa's knowledge engine: read the documents, index them (BM25 + embeddings), answer with verbatim citations."""

import os

# OpenMP threads (the embedding engine's, FAISS's) spin briefly after each parallel region, then sleep.
# Read when each runtime loads, hence here, before anything imports FAISS or the engine. A query runs
# hundreds of small parallel regions: sleeping at once after each (OMP_WAIT_POLICY=passive) made a
# question's encoding ~1.8x slower; the default spin (300,000 rounds) burns CPU against the bot.
if "OMP_WAIT_POLICY" not in os.environ:
    os.environ.setdefault("GOMP_SPINCOUNT", "10000")

from indexer.answer import Answer, Citation, Hit  # noqa: E402
from indexer.errors import DocumentNotFound, IndexerError, IndexNotFound, ModelMismatch, ModelNotAvailable  # noqa: E402
from indexer.service import BuildReport, Fusion, IndexConfig, IndexStats, KnowledgeBase, Section  # noqa: E402
from indexer.structure import DocumentInfo, KeyPoint  # noqa: E402

__all__ = [
    "Answer", "BuildReport", "Citation", "DocumentInfo", "DocumentNotFound", "Fusion", "Hit", "IndexConfig",
    "IndexNotFound", "IndexStats", "IndexerError", "KeyPoint", "KnowledgeBase", "ModelMismatch",
    "ModelNotAvailable", "Section",
]
