"""Operations: migrations without drift, backups, status, token redaction, webhook secret."""
from __future__ import annotations

import io
import json
import logging
import sqlite3
import socket

import httpx
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.db import Database
from bot.db.migrations import current
from bot.db.models import Base, Unit
from bot.logs import JsonFormatter, RedactToken
from bot.services.status import backup
from tests.faketg import TOKEN


def test_upgrade_empty_database_to_head_without_drift(db_url):
    db = Database(db_url)
    try:
        db.upgrade()
        assert current(db.engine) is not None
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn,
                                    opts={"compare_type": True}), Base.metadata)
        assert diff == [], diff
        db.upgrade()  # idempotent
    finally:
        db.dispose()


def test_sqlite_runs_in_wal_mode(sqlite_url):
    db = Database(sqlite_url)
    db.upgrade()
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    db.dispose()


def test_backup_copies_database_and_index(tmp_path, sqlite_url, shared_kb):
    db = Database(sqlite_url)
    db.upgrade()
    with db.session() as s:
        s.add(Unit(name="Chi bộ Sao lưu"))
    # Keep a write transaction open while backing up: the online API still copies safely.
    result = backup(sqlite_url, shared_kb.config.index_dir, tmp_path / "backups")
    db.dispose()
    copy = sqlite3.connect(result.database)
    assert copy.execute("select name from units").fetchall() == [("Chi bộ Sao lưu",)]
    copy.close()
    assert result.index is not None and any(result.index.rglob("manifest.json"))


def test_token_never_logged():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactToken(TOKEN))
    logger = logging.getLogger("test.redact")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info("HTTP Request: POST https://api.telegram.org/bot%s/getMe", TOKEN)
        logger.info("other token 987654321:AAbbCCddEEffGGhhIIjjKKllMMnnOOpp leaked?")
        try:
            raise RuntimeError(f"failed url /bot{TOKEN}/sendMessage")
        except RuntimeError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert TOKEN not in out
    assert "AAbbCCddEEffGGhhIIjjKKllMMnnOOpp" not in out
    assert out.count("<token>") >= 3
    for line in out.strip().splitlines():
        json.loads(line)


async def test_status_for_admin_only(bot):
    await bot.admin.reply("/start")
    reply = await bot.admin.reply("/trangthai")
    assert "Tình trạng hệ thống" in reply.text
    assert bot.loa.db.backend in reply.text
    assert "văn bản" in reply.text
    u = await bot.member()
    assert "chỉ dành cho Ban Tuyên giáo" in (await u.reply("/trangthai")).text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_webhook_checks_secret_token(sqlite_url, shared_kb):
    from tests.conftest import make_settings, start_harness, stop_harness
    h = await start_harness(make_settings(sqlite_url, shared_kb), shared_kb)
    await h.app.updater.stop()
    port = _free_port()
    await h.app.updater.start_webhook(listen="127.0.0.1", port=port, url_path="tg",
                                      webhook_url="https://example.invalid/tg",
                                      secret_token="s3cret-value")
    try:
        assert h.tg.webhook == "https://example.invalid/tg"
        update = {"update_id": 1, "message": h.user().message("/start")}
        async with httpx.AsyncClient() as client:
            bad = await client.post(f"http://127.0.0.1:{port}/tg", json=update,
                                    headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
            assert bad.status_code == 403
            mark = h.tg.mark()
            good = await client.post(f"http://127.0.0.1:{port}/tg", json=update,
                                     headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-value"})
            assert good.status_code == 200
        reply = await h.tg.wait_for(lambda c: c.method == "sendMessage", mark)
        assert "mã mời" in reply.text
        assert len([c for c in h.tg.calls if c.method == "sendMessage"]) == 1
    finally:
        await stop_harness(h)
