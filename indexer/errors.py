"""Typed errors of the knowledge engine; the CLI and the bot turn them into one friendly line."""


class IndexerError(Exception):
    """Base class: anything the indexer reports to a user."""


class IndexNotFound(IndexerError):
    """There is no index folder yet (or it is incomplete)."""


class ModelMismatch(IndexerError):
    """The index was built with another embedding model than the configured one."""


class ModelNotAvailable(IndexerError):
    """The configured embedding model cannot be loaded offline."""


class DocumentUnreadable(IndexerError):
    """One knowledge file cannot be read; the build records it and goes on."""


class DocumentNotFound(IndexerError):
    """No indexed document matches the name asked for."""
