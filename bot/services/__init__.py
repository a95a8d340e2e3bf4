"""Use cases. They own the transaction and return plain dataclasses; no Telegram objects inside."""
