"""When the database fails: an answer from the documents still goes out when nothing can be
written (a full disk), and in an outage nobody is told "the board has been notified" unless
it was."""
from __future__ import annotations

import sqlite3

from sqlalchemy import event

from bot.texts import common as TC

ISSUER = "Ban Bí thư Trung ương Đảng khóa XIII"


def _break(engine, how: str) -> None:
    """Every new connection read-only (a full disk: reads work, writes fail) or refused (an
    outage); the pool is emptied so no old connection escapes it."""
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        if how == "outage":
            raise sqlite3.OperationalError("unable to open database file")
        dbapi_conn.execute("PRAGMA query_only = 1")
    engine.dispose()


async def test_a_full_disk_still_answers_from_the_documents(bot_sqlite):
    h = bot_sqlite
    u = await h.member()
    _break(h.loa.db.engine, "read-only")
    reply = await u.reply("chi thi 30 do ai ban hanh")
    assert ISSUER in reply.text


async def test_an_outage_does_not_claim_the_board_was_told(bot_sqlite):
    h = bot_sqlite
    u = await h.member()
    await h.admin.reply("/start")
    mark = h.tg.mark()
    _break(h.loa.db.engine, "outage")
    reply = await u.reply("giá lúa năm nay thế nào")
    assert reply.text == TC.ERROR_NOT_NOTIFIED
    assert "đã được thông báo" not in reply.text
    assert not [c for c in h.tg.sent(since=mark) if c.chat_id == h.admin.id]
