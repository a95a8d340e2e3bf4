"""Find (or start) the local PostgreSQL server for tests, and make throw-away databases."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import uuid

ADMIN_URL = os.environ.get("LOA_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

_state: dict = {}


def _connect_ok() -> str | None:
    try:
        import psycopg
        dsn = ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, connect_timeout=3) as conn:
            conn.execute("select 1")
        return None
    except Exception as e:  # noqa: BLE001 - any failure means "not reachable"
        return f"{type(e).__name__}: {e}".strip()


def _try_start() -> None:
    if shutil.which("pg_ctlcluster") is None:
        return
    for version_dir in sorted(glob.glob("/etc/postgresql/*")):
        version = os.path.basename(version_dir)
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                       capture_output=True, timeout=60)


def available() -> tuple[bool, str]:
    """True if PostgreSQL answers (starting the local cluster once if it does not)."""
    if "ok" not in _state:
        err = _connect_ok()
        if err:
            try:
                _try_start()
            except Exception:  # noqa: BLE001
                pass
            err = _connect_ok()
        _state["ok"] = err is None
        _state["why"] = err or ""
    return _state["ok"], _state["why"]


def create_database() -> str:
    import psycopg
    name = "loa_test_" + uuid.uuid4().hex[:12]
    dsn = ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_database(url: str) -> None:
    import psycopg
    name = url.rsplit("/", 1)[1]
    dsn = ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
