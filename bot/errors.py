"""Typed errors raised deep in services and turned into a friendly Vietnamese message at the edge.

An error carries a template from bot/texts and the raw values to fill in; the edge renders it:
the chat escapes the values for Telegram HTML, the command line prints plain text. So a
service never escapes or formats HTML itself.
"""
from __future__ import annotations

from bot.text import esc, plain


class LoaError(Exception):
    """Base class: `template` (Vietnamese, may hold HTML tags) filled with `values` when shown."""

    def __init__(self, template: str, /, **values: object):
        super().__init__(template)
        self.template = template
        self.values = values

    @property
    def user_message(self) -> str:
        """Telegram HTML: the template's own tags kept, every value escaped."""
        return self.template.format(**{k: esc(v) for k, v in self.values.items()})

    def plain(self) -> str:
        """Plain text for the command line: tags dropped, values as they were."""
        return plain(self.template).format(**self.values)

    def __str__(self) -> str:
        return self.plain()


class NotAllowed(LoaError):
    """The user lacks the role (re-checked in the database) for this action."""


class NotFound(LoaError):
    """The object does not exist or is not visible to this user."""


class InvalidInput(LoaError):
    """The input is malformed; the message names the field and shows an example."""
