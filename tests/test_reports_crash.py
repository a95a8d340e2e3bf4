"""Crash safety: kill -9 a real bot process during a burst of ✅ presses, restart, count reports."""
from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.config import Settings
from bot.db import Database
from bot.db.models import Report, ReportAudit, ReportDraft
from bot.services.members import MembersService
from tests.conftest import ADMIN_ID
from tests.botproc import spawn_bot
from tests.faketg import FakeTelegram, FakeUser

USERS = 60
SAVED_RE = re.compile(r"Đã lưu báo cáo số (\d+)")


def start_bot(tg: FakeTelegram, db_url: str, tmp: Path, n: int) -> subprocess.Popen:
    return spawn_bot(tg, db_url, tmp, f"bot{n}", LOA_ADMIN_IDS=str(ADMIN_ID),
                     LOA_FLOOD_LIMIT="100000")


async def wait_polling(tg: FakeTelegram, since: int, proc: subprocess.Popen, tmp: Path) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise AssertionError("bot exited: " + (tmp / "bot1.log").read_text()[-2000:])
        if any(c.method == "getUpdates" for c in tg.calls[since:]):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("bot did not start polling")


async def shut_down(proc: subprocess.Popen, tg: FakeTelegram, db: Database) -> None:
    """After a crash test: the bot killed if still running (a graceful stop waits out a long poll; the data
    is already checked), the fake Bot API stopped, the database let go."""
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)
    await tg.stop()
    db.dispose()


def integrity(db: Database) -> dict[int, int]:
    """Every saved draft has exactly one report and one create audit; nothing else exists."""
    with db.session() as s:
        drafts = dict(s.execute(select(ReportDraft.id, ReportDraft.status)).all())
        reports = s.execute(select(Report.draft_id, Report.id)).all()
        audits = dict(s.execute(select(ReportAudit.report_id, func.count())
                                .group_by(ReportAudit.report_id)).all())
    by_draft: dict[int, int] = {}
    for draft_id, report_id in reports:
        assert draft_id not in by_draft, f"draft {draft_id} saved twice"
        by_draft[draft_id] = report_id
    for draft_id, status in drafts.items():
        assert (status == "saved") == (draft_id in by_draft), (draft_id, status)
    assert sorted(audits) == sorted(by_draft.values())
    assert set(audits.values()) <= {1}
    return by_draft


async def test_kill_during_confirmation_burst_loses_and_doubles_nothing(db_url, tmp_path):
    db = Database(db_url)
    db.upgrade()
    members = MembersService(db, frozenset({ADMIN_ID}))
    tg = await FakeTelegram(latency=0.03).start()
    users = []
    for i in range(USERS):
        unit = f"Chi bộ Khu phố {i % 6 + 1}"
        members.add_unit(unit)
        inv = members.create_invite(unit)
        members.join(inv.code, 7_000_000 + i, 7_000_000 + i, f"Báo cáo viên {i}", None)
        users.append(FakeUser(tg, 7_000_000 + i, f"Báo cáo viên {i}"))
    proc = start_bot(tg, db_url, tmp_path, 1)
    try:
        await wait_polling(tg, 0, proc, tmp_path)
        today = datetime.now(ZoneInfo(Settings().timezone)).date()
        previews = await asyncio.gather(*(
            # One report per unit and day, so none is a likely duplicate of another.
            u.reply(f"/baocao {(today - timedelta(days=i // 6)).strftime('%d/%m/%Y')} | Hội nghị"
                    f" | Hoạt động số {i} | {i + 1}", timeout=60)
            for i, u in enumerate(users)))
        draft_of = {}
        for u, p in zip(users, previews):
            draft_of[u.id] = int(p.button("Lưu")["callback_data"].split(":")[-1])
        mark = tg.mark()
        for u, p in zip(users, previews):
            await u.press(p, "Lưu", wait=False)

        def confirmed() -> dict[int, int]:
            out = {}
            for c in tg.calls[mark:]:
                m = SAVED_RE.search(c.text) if c.status == 200 else None
                if m:
                    out[c.chat_id] = int(m.group(1))
            return out

        for _ in range(2000):
            if len(confirmed()) >= 5:
                break
            await asyncio.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        before = confirmed()
        assert 0 < len(before) < USERS, f"the kill did not land mid-burst ({len(before)})"

        # Right after the crash: nothing half-written, and every observed ✅ is stored once.
        saved = integrity(db)
        for user_id, report_id in before.items():
            assert saved[draft_of[user_id]] == report_id

        # Restart; every user presses ✅ again (as someone who saw no answer would).
        mark2 = tg.mark()
        proc = start_bot(tg, db_url, tmp_path, 2)
        await wait_polling(tg, mark2, proc, tmp_path)
        await asyncio.gather(*(u.press(p, "Lưu", timeout=60) for u, p in zip(users, previews)))
        final = integrity(db)
        assert sorted(final) == sorted(draft_of.values())  # every draft saved exactly once
        for user_id, report_id in before.items():
            assert final[draft_of[user_id]] == report_id
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(Report)) == USERS
        # Those confirmed before the crash were told it was already saved, not saved again.
        again = [c for c in tg.calls[mark2:] if c.method == "answerCallbackQuery"
                 and "đã được lưu" in (c.params.get("text") or "")]
        assert len(again) >= len(before)
    finally:
        await shut_down(proc, tg, db)


async def saved_step(db: Database, user_id: int, content: str, timeout: float = 30) -> None:
    """Wait until the wizard's state holds `content` and the form has moved on to the number of
    participants (two writes, both right after the step's reply)."""
    from bot.db.models import ConversationState, UserState
    deadline = time.monotonic() + timeout
    while True:
        with db.read() as s:
            data = s.scalar(select(UserState.data).where(UserState.user_id == user_id)) or {}
            state = s.scalar(select(ConversationState.state)
                             .where(ConversationState.name == "reports"))
        if data.get("report_draft", {}).get("content") == content and state == 3:  # PARTICIPANTS
            return
        assert time.monotonic() < deadline, f"the step was not stored: {data}, state {state}"
        await asyncio.sleep(0.05)


async def test_guided_entry_continues_after_kill_9(sqlite_url, tmp_path):
    """kill -9 between two steps of the report wizard: the restarted process asks the next step
    and saves what was typed before the crash."""
    db = Database(sqlite_url)
    db.upgrade()
    members = MembersService(db)
    members.add_unit("Chi bộ Khu phố 1")
    inv = members.create_invite("Chi bộ Khu phố 1", is_reporter=True)
    members.join(inv.code, 7_100_001, 7_100_001, "Trần Văn Chín", None)
    tg = await FakeTelegram().start()
    u = FakeUser(tg, 7_100_001, "Trần Văn Chín")
    proc = start_bot(tg, sqlite_url, tmp_path, 1)
    try:
        await wait_polling(tg, 0, proc, tmp_path)
        await u.reply("/baocao", timeout=60)
        await u.reply("hôm nay")
        await u.reply("Hội nghị")
        asked = await u.reply("Nội dung gõ trước khi bot bị tắt")
        assert "Bước 4/6" in asked.text
        await saved_step(db, u.id, "Nội dung gõ trước khi bot bị tắt")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        mark = tg.mark()
        proc = start_bot(tg, sqlite_url, tmp_path, 2)
        await wait_polling(tg, mark, proc, tmp_path)
        assert "Ghi chú" in (await u.reply("30", timeout=60)).text
        await u.reply("tại nhà văn hóa")
        preview = await u.reply("xong")
        assert "Nội dung gõ trước khi bot bị tắt" in preview.text
        mark = await u.press(preview, "Lưu", timeout=60)
        await tg.wait_for(lambda c: c.chat_id == u.id and "Đã lưu báo cáo" in c.text, mark)
        with db.read() as s:
            r = s.scalar(select(Report))
        assert (r.content, r.participants, r.note) == (
            "Nội dung gõ trước khi bot bị tắt", 30, "tại nhà văn hóa")
    finally:
        await shut_down(proc, tg, db)
