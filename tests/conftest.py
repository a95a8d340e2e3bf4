"""Shared fixtures: databases (SQLite, and PostgreSQL when reachable), the knowledge index,
and a fake Telegram Bot API server driving the real PTB Application."""
from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bot.config import Settings  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.db.models import Unit  # noqa: E402
from tests import pg  # noqa: E402
from tests.faketg import TOKEN, FakeTelegram, FakeUser  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
ADMIN_ID = 9000001

_pg_skips: list[str] = []
browser_skips: list[str] = []   # desk tests that found no Chromium (tests/test_desk_browser.py)


# ------------------------------------------------------------------ databases
def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'loa.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty database URL on each backend (PostgreSQL skipped loudly if absent)."""
    if request.param == "sqlite":
        yield _sqlite_url(tmp_path)
        return
    ok, why = pg.available()
    if not ok:
        _pg_skips.append(request.node.nodeid)
        pytest.skip(f"PostgreSQL not reachable ({why})")
    url = pg.create_database()
    try:
        yield url
    finally:
        pg.drop_database(url)


@pytest.fixture
def sqlite_url(tmp_path):
    return _sqlite_url(tmp_path)


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


def pytest_runtest_logreport(report):
    """Collect the skips of both kinds from every report: with pytest-xdist (make test runs two
    workers) the fixtures run in the workers, and only the reports reach this process."""
    if not report.skipped or not report.longrepr:
        return
    reason = str(report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr)
    if "PostgreSQL not reachable" in reason and report.nodeid not in _pg_skips:
        _pg_skips.append(report.nodeid)
    elif "Chromium" in reason and report.nodeid not in browser_skips:
        browser_skips.append(report.nodeid)


def pytest_terminal_summary(terminalreporter):
    if _pg_skips:
        ok, why = False, "see the skipped tests above"
    else:
        ok, why = pg.available()
    if _pg_skips or not ok:
        terminalreporter.write_sep("!", "PostgreSQL NOT TESTED", red=True, bold=True)
        terminalreporter.write_line(f"PostgreSQL was not reachable: {why}")
        terminalreporter.write_line(f"{len(_pg_skips)} PostgreSQL test(s) skipped; "
                                    "start it (pg_ctlcluster ... start) to test that backend.")
    else:
        terminalreporter.write_line("PostgreSQL: tested against " + pg.ADMIN_URL.split("@")[-1])
    if browser_skips:
        terminalreporter.write_sep("!", "BROWSER NOT TESTED", red=True, bold=True)
        terminalreporter.write_line(f"{len(browser_skips)} dashboard browser test(s) skipped: "
                                    "no Chromium. apt-get install chromium (make test does it "
                                    "when it can) or set LOA_TEST_CHROMIUM.")


# ------------------------------------------------------------------ knowledge
@pytest.fixture(scope="session")
def shared_kb(tmp_path_factory):
    """The real plan, indexed once per test session with the packaged model."""
    from indexer import IndexConfig, KnowledgeBase
    index_dir = tmp_path_factory.mktemp("index")
    kb = KnowledgeBase(IndexConfig(knowledge_dir=KNOWLEDGE, index_dir=index_dir))
    kb.build()
    return kb


@pytest.fixture
def own_kb(tmp_path, shared_kb):
    """A knowledge folder, an upload folder (var/uploads in a real run) and an index of this
    test's own, reusing the loaded model."""
    from indexer import IndexConfig, KnowledgeBase
    kdir = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, kdir)
    shutil.copytree(shared_kb.config.index_dir, tmp_path / "index", symlinks=True)
    kb = KnowledgeBase(IndexConfig(knowledge_dir=kdir, index_dir=tmp_path / "index",
                                   extra_dirs=(tmp_path / "uploads",)))
    kb.load()
    return kb


class DecidedKB:
    """The real knowledge base deciding with other thresholds (`KnowledgeBase.ask(model=…)`), so a
    test does not hang on one question's probability today: `DecidedKB(kb, sure=0.999, related=0.0)`
    shows as related every question the decision weighs (a few, such as who issued the directive
    the plan carries out, are answered by a rule of their own), `DecidedKB(kb, related=1.01)` never
    shows one as related."""

    def __init__(self, kb, **thresholds):
        from indexer.decision import load_model
        self._kb = kb
        self.model = replace(load_model(), **thresholds)

    def ask(self, question: str, **kwargs):
        return self._kb.ask(question, model=self.model, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._kb, name)


async def eventually(fetch, timeout: float = 20.0):
    """The value of fetch() once it is truthy, or the last value after `timeout` seconds (for
    what the bot writes just after its reply)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = fetch()
        if value or loop.time() > deadline:
            return value
        await asyncio.sleep(0.02)


# ------------------------------------------------------------------ bot harness
@dataclass
class Harness:
    tg: FakeTelegram
    app: object
    loa: object
    admin: FakeUser
    _next_user: int = 100
    # SQL the bot ran on the event loop (it must run in its worker threads): (task, statement)
    on_loop: list = field(default_factory=list)

    def user(self, first_name: str = "Tuyên truyền viên", user_id: int | None = None,
             username: str | None = None) -> FakeUser:
        if user_id is None:
            self._next_user += 1
            user_id = 5_000_000 + self._next_user
        return FakeUser(self.tg, user_id, first_name, username)

    async def settled(self, timeout: float = 20.0) -> None:
        """Every update pushed so far was fetched and fully handled, its replies sent (waits on
        the bot's own bookkeeping, not on a guessed delay)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self.tg.acked_offset <= self.tg.last_update_id:
            assert asyncio.get_running_loop().time() < deadline, "updates not fetched"
            await asyncio.sleep(0.01)
        await asyncio.wait_for(self.app.update_queue.join(), timeout)

    async def member(self, unit: str = "Chi bộ Khu phố 1", first_name: str = "Nguyễn Văn An",
                     reporter: bool = False, user_id: int | None = None) -> FakeUser:
        """A user who joined `unit` through a real invite link (/start <code>)."""
        with self.loa.db.read() as s:   # a unit of a tree made by the test is used as it is
            known = s.scalar(select(func.count(Unit.id)).where(Unit.name == unit))
        if not known:
            self.loa.members.add_unit(unit)
        inv = self.loa.members.create_invite(unit, is_reporter=reporter)
        u = self.user(first_name, user_id)
        reply = await u.reply(f"/start {inv.code}")
        assert unit in reply.text, reply.text
        return u


def watch_event_loop(engine, found: list) -> None:
    """Record every statement the bot runs on the event loop: in the tasks where PTB handles
    updates and jobs, or in the delivery worker's tasks (test code itself may query freely)."""
    @event.listens_for(engine, "before_cursor_execute")
    def _check(conn, cursor, statement, parameters, context, executemany):
        try:
            task = asyncio.current_task()
        except RuntimeError:   # no event loop in this thread: a worker thread, as it should be
            return
        name = task.get_name() if task is not None else ""
        if name.startswith(("Application:", "Job:", "loa-")) or "reminder" in name:
            found.append((name, statement.split()[0] if statement else ""))


async def start_harness(settings: Settings, kb, tg: FakeTelegram | None = None,
                        db: Database | None = None) -> Harness:
    from bot.app import build_application
    from bot.context import Loa
    if tg is None:
        tg = await FakeTelegram().start()
    settings = replace(settings, api_url=tg.api_url, file_url=tg.file_url)
    loa = Loa.build(settings, kb=kb, db=db)
    await asyncio.to_thread(loa.db.upgrade)
    app = build_application(settings, loa, owns_db=db is None)
    h = Harness(tg, app, loa, FakeUser(tg, ADMIN_ID, "Ban Tuyên giáo", "btg_admin"))
    watch_event_loop(loa.db.engine, h.on_loop)
    await app.initialize()
    await app.post_init(app)
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=0.2, allowed_updates=None)
    return h


async def stop_harness(h: Harness, stop_server: bool = True) -> None:
    app = h.app
    if app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()           # writes the last conversation state …
    await app.post_shutdown(app)   # … before the services close (PTB's own order)
    if stop_server:
        await h.tg.stop()
    assert not h.on_loop, f"database statements ran on the event loop: {h.on_loop[:5]}"


def make_settings(db_url: str, kb, **overrides) -> Settings:
    base = Settings(token=TOKEN, database_url=db_url, admin_ids=frozenset({ADMIN_ID}),
                    knowledge_dir=kb.config.knowledge_dir, index_dir=kb.config.index_dir,
                    bot_username="loa_test_bot", flood_limit=1000,
                    web_port=0)   # the dashboard on a free port: tests run side by side
    return replace(base, **overrides)


@contextlib.asynccontextmanager
async def running_bot(db_url: str, kb, **overrides):
    """The real Application polling a fresh fake Bot API server, stopped on the way out."""
    h = await start_harness(make_settings(db_url, kb, **overrides), kb)
    try:
        yield h
    finally:
        await stop_harness(h)


@pytest.fixture
def settings_overrides():
    """Override in a test module to change settings for the `bot` fixture."""
    return {}


@pytest.fixture
async def bot(db_url, shared_kb, settings_overrides):
    """The real Application polling the fake Bot API, on each database backend."""
    async with running_bot(db_url, shared_kb, **settings_overrides) as h:
        yield h


@pytest.fixture
async def bot_sqlite(sqlite_url, shared_kb, settings_overrides):
    """Same as `bot`, SQLite only (for tests whose backend does not matter)."""
    async with running_bot(sqlite_url, shared_kb, **settings_overrides) as h:
        yield h
