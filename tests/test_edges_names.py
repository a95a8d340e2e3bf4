"""Names stored before they were cleaned (bidi overrides, invisible marks) are cleaned when the
bot starts on the old database (migration 0003), so /thanhvien shows them the right way round."""
from __future__ import annotations

from sqlalchemy import text

from bot.db import Database
from bot.db.migrations import current, head, upgrade
from bot.db.models import utcnow
from tests.conftest import running_bot


async def test_old_dirty_names_are_cleaned_when_the_bot_starts(db_url, shared_kb):
    db = Database(db_url)
    try:
        upgrade(db.engine, "0001")
        now = utcnow().replace(tzinfo=None)
        with db.engine.begin() as conn:
            for name in ("Chi bộ \u202eKhu phố 3", "Chi bộ Khu phố 3", "Chi bộ\u200f Khu phố 5"):
                conn.execute(text("INSERT INTO units (name, kind, active, created_at) "
                                  "VALUES (:n, 'chi_bo', true, :t)"), {"n": name, "t": now})
            conn.execute(text(
                "INSERT INTO members (telegram_id, chat_id, full_name, unit_id, role, is_reporter,"
                " active, unreachable, joined_at) VALUES (5550001, 5550001, :n, 3, 'member',"
                " false, true, false, :t)"), {"n": "\u202eAn\u00ad Văn\u2028Nguyễn\u2066", "t": now})
        assert current(db.engine) == "0001"
    finally:
        db.dispose()
    async with running_bot(db_url, shared_kb) as h:
        await h.admin.reply("/start")
        listing = await h.admin.reply("/thanhvien")
        assert "An Văn Nguyễn – Chi bộ Khu phố 5" in listing.text
        units = await h.admin.reply("/donvi")
        # Two units that would clash once cleaned stay two, told apart by number.
        assert "1. Chi bộ Khu phố 3 (#1)" in units.text and "2. Chi bộ Khu phố 3 –" in units.text
        assert "\u202e" not in units.text
        assert "3. Chi bộ Khu phố 5" in units.text
        with h.loa.db.session() as s:
            assert current(s.get_bind()) == head()
