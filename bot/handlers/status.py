"""Handlers for the status feature (filled in by its issue)."""
from telegram.ext import Application


def register(app: Application) -> None:
    """Add this feature's handlers."""
