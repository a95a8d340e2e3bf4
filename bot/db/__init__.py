"""Database layer: models, engine/session factory, migrations."""
from bot.db.engine import Database, DatabaseBusy
from bot.db import models

__all__ = ["Database", "DatabaseBusy", "models"]
