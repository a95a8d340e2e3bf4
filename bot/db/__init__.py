"""Database layer: models, engine/session factory, migrations."""
from bot.db.engine import Database
from bot.db import models

__all__ = ["Database", "models"]
