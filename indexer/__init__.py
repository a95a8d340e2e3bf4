"""Loa's knowledge engine: read the documents, index them (BM25 + embeddings), answer with verbatim citations."""

from indexer.answer import Answer, Citation, Hit
from indexer.errors import DocumentNotFound, IndexerError, IndexNotFound, ModelMismatch, ModelNotAvailable
from indexer.service import BuildReport, Fusion, IndexConfig, IndexStats, KnowledgeBase, Section
from indexer.structure import DocumentInfo, KeyPoint

__all__ = [
    "Answer", "BuildReport", "Citation", "DocumentInfo", "DocumentNotFound", "Fusion", "Hit", "IndexConfig",
    "IndexNotFound", "IndexStats", "IndexerError", "KeyPoint", "KnowledgeBase", "ModelMismatch",
    "ModelNotAvailable", "Section",
]
