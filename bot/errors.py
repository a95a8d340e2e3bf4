"""Typed errors raised deep in services and turned into a friendly Vietnamese message at the edge."""


class LoaError(Exception):
    """Base class; `user_message` is safe to show to the user (Vietnamese, no internals)."""

    def __init__(self, user_message: str, detail: str = ""):
        super().__init__(detail or user_message)
        self.user_message = user_message


class NotAllowed(LoaError):
    """The user lacks the role (re-checked in the database) for this action."""


class NotFound(LoaError):
    """The object does not exist or is not visible to this user."""


class InvalidInput(LoaError):
    """The input is malformed; the message names the field and shows an example."""
