"""Regenerate the initial migration from the models (pre-release only): python -m bot.db.autogen"""
from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from bot.db.engine import make_engine
from bot.db.migrations import HERE, alembic_config


def main() -> None:
    target = HERE / "versions" / "0001_initial_schema.py"
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'autogen.db'}")
        command.revision(alembic_config(engine), message="initial schema", autogenerate=True,
                         rev_id="0001")
        engine.dispose()
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
