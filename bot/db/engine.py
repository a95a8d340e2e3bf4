"""Engine and session factory; SQLite gets WAL and a busy timeout, PostgreSQL is used as is.

Two kinds of transaction: `session()` may write, `read()` only reads. On SQLite a writing
transaction takes the write lock at BEGIN (so writers queue instead of failing half-way), while
a reading one starts deferred and reads its WAL snapshot without waiting for any writer: a
long write never delays someone who only reads.
"""
from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

READ_ONLY = "loa_read_only"
WAIT_MS = "loa_wait_ms"
BUSY_TIMEOUT_MS = 30000   # how long a writer waits for SQLite's write lock by default


class DatabaseBusy(Exception):
    """A writer did not get SQLite's write lock within the wait it asked for."""


def make_engine(url: str, connections: int = 10, **kw) -> Engine:
    """An engine whose pool holds `connections` (one per worker thread that may use it)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kw.setdefault("pool_size", connections)
        kw.setdefault("max_overflow", 4)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kw)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # Python's sqlite3 opens transactions lazily; take control so BEGIN IMMEDIATE works.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # Writers queue on the lock at BEGIN instead of failing mid-transaction; readers
            # start deferred and never wait for the write lock (WAL snapshot).
            options = conn.get_execution_options()
            wait = int(options.get(WAIT_MS, BUSY_TIMEOUT_MS))
            conn.exec_driver_sql(f"PRAGMA busy_timeout={wait}")
            conn.exec_driver_sql("BEGIN" if options.get(READ_ONLY, False) else "BEGIN IMMEDIATE")

        return engine
    kw.setdefault("pool_pre_ping", True)
    kw.setdefault("pool_size", connections)
    kw.setdefault("max_overflow", 20)
    return create_engine(url, **kw)


class Database:
    """One engine and its session factories; services open `session()` or `read()`."""

    def __init__(self, url: str, connections: int = 10):
        self.url = url
        self.engine = make_engine(url, connections)
        self._factory = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(self.engine.execution_options(**{READ_ONLY: True}),
                                    expire_on_commit=False)
        self._ids: dict[str, int] = {}
        self._ids_lock = threading.Lock()

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def session(self, wait: float | None = None) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any error.

        `wait`: give up with DatabaseBusy when SQLite's write lock is not free within that many
        seconds (the default waits up to 30 s); PostgreSQL has no such lock and ignores it."""
        if wait is None or self.backend != "sqlite":
            with self._factory() as s:
                with s.begin():
                    yield s
            return
        bind = self.engine.execution_options(**{WAIT_MS: max(1, int(wait * 1000))})
        try:
            with Session(bind, expire_on_commit=False) as s:
                with s.begin():
                    yield s
        except OperationalError as e:
            if "locked" in str(e).lower() or "busy" in str(e).lower():
                raise DatabaseBusy(str(e)) from e
            raise

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction: never waits for SQLite's write lock; always rolled back,
        so a write made in it by mistake is lost (and shows in tests)."""
        s = self._reader()
        s.begin()
        try:
            yield s
        finally:
            s.close()   # rolls back; unlike rollback() it leaves loaded objects readable

    def reserve_id(self, model) -> int:
        """An id for a row of `model` that will be inserted later, without writing now.

        PostgreSQL takes it from the table's sequence (safe across processes). SQLite counts
        on from the highest id in this process, which is right for the one bot process a
        SQLite database has (see README); every insert into such a table must use this.
        """
        table = model.__table__
        if self.backend == "postgresql":
            with self.engine.connect() as conn:
                return conn.execute(text("SELECT nextval(pg_get_serial_sequence(:t, 'id'))"),
                                    {"t": table.name}).scalar_one()
        with self._ids_lock:
            if table.name not in self._ids:
                with self.read() as s:
                    self._ids[table.name] = s.scalar(select(func.max(table.c.id))) or 0
            self._ids[table.name] += 1
            return self._ids[table.name]

    def upgrade(self) -> None:
        from bot.db.migrations import upgrade
        upgrade(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
