"""Rough edges a new user hit, as the user now sees them through the real Application and the
fake Bot API: the help's examples work, every command is listed for its role, the broadcast
preview after ✅, the sender is no recipient, reminders stay under their broadcast, the
reporters' audience label, and /trangthai in local time."""
from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
from sqlalchemy import func, select
from telegram.ext import CommandHandler, ConversationHandler

from bot.db.models import Broadcast, Report
from bot.texts import broadcast as TB
from bot.texts import common as T
from tests.conftest import ADMIN_ID
from tests.test_broadcast import FAST, broadcast_sends, wait_done


@pytest.fixture
def settings_overrides():
    return dict(FAST)


async def said(h, mark, text: str, chat_id: int = ADMIN_ID):
    return await h.tg.wait_for(lambda c: c.chat_id == chat_id and text in c.text, mark)


# ------------------------------------------------------------------ help and commands
async def test_help_quick_report_example_works_when_copied(bot_sqlite):
    bot = bot_sqlite
    u = await bot.member("Chi bộ Khu phố 1", "Người Mới", reporter=True)
    help_text = (await u.reply("/huongdan")).text
    examples = [html.unescape(c) for c in re.findall(r"<code>(/baocao [^<]*)</code>", help_text)]
    assert examples, help_text
    for example in examples:
        preview = await u.reply(example)
        assert "quá" not in preview.text, preview.text   # was: "quá 90 ngày" for 12/06/2024
        assert any("Lưu" in b["text"] for b in preview.buttons()), preview.text
        mark = await u.press(preview, "Lưu")
        await bot.tg.wait_for(lambda c: c.chat_id == u.id and "Đã lưu" in c.text, mark)
    with bot.loa.db.session() as s:
        assert s.scalar(select(func.count(Report.id))) == len(examples)


def _commands(app) -> set[str]:
    """Every command word the application answers to, conversations included."""
    found: set[str] = set()

    def visit(handler):
        if isinstance(handler, CommandHandler):
            found.update(handler.commands)
        elif isinstance(handler, ConversationHandler):
            for h in handler.entry_points + handler.fallbacks:
                visit(h)
            for hs in handler.states.values():
                for h in hs:
                    visit(h)
    for handlers in app.handlers.values():
        for h in handlers:
            visit(h)
    return found - {"start", "help"}   # /start comes with the invite link; /help = /huongdan


async def test_every_command_is_listed_for_the_role_that_has_it(bot_sqlite):
    bot = bot_sqlite
    member = await bot.member()
    await bot.admin.reply("/start")
    member_help = (await member.reply("/huongdan")).text
    admin_help = (await bot.admin.reply("/huongdan")).text
    menus = {}
    for call in bot.tg.calls:
        if call.method == "setMyCommands":
            scope = call.params.get("scope") or {}
            menus[scope.get("type", "default")] = {c["command"] for c in call.params["commands"]}
    commands = _commands(bot.app)
    assert {"donvi_them", "moi_ds", "thanhvien_chuyen", "huy"} <= commands
    for cmd in sorted(commands):
        reply = await member.reply(f"/{cmd}")
        await member.reply("/huy")   # leave any conversation the command started
        admin_only = "chỉ dành cho Ban Tuyên giáo" in reply.text
        if admin_only:
            assert f"/{cmd}" not in member_help.replace(f"/{cmd}_", ""), cmd
            assert re.search(rf"/{cmd}\b", admin_help), f"/{cmd} missing from the admin help"
            assert cmd in menus["chat"] and cmd not in menus["default"], cmd
        else:
            assert re.search(rf"/{cmd}\b", member_help), f"/{cmd} missing from the member help"
            assert cmd in menus["default"] and cmd in menus["chat"], cmd
    assert "Không có việc gì đang làm dở" in (await member.reply("/huy")).text


# ------------------------------------------------------------------ broadcasts
async def test_preview_after_send_or_cancel_says_what_was_done(bot_sqlite):
    h = bot_sqlite
    await h.admin.reply("/start")
    await h.member()
    mark = h.tg.mark()
    await h.admin.reply("/phatdi Nội dung định hướng tuần này")
    summary = await said(h, mark, "Xác nhận gửi")
    assert "Bấm ✅ Gửi để phát đi" in summary.text
    m = await h.admin.press(summary, "Gửi")
    edit = await h.tg.wait_for(lambda c: c.method == "editMessageText"
                               and int(c.params["message_id"]) == summary.result["message_id"], m)
    with h.loa.db.session() as s:
        bid = s.scalar(select(Broadcast.id))
    assert "Bấm ✅ Gửi" not in edit.text and "❌ Hủy để bỏ" not in edit.text
    assert f"Đã xác nhận – lần gửi <b>#{bid}</b>" in edit.text
    assert "Người nhận: <b>Tất cả thành viên</b> – 1 người" in edit.text
    assert not edit.buttons()
    mark = h.tg.mark()
    await h.admin.reply("/phatdi Bản nháp sẽ hủy")
    summary = await said(h, mark, "Xác nhận gửi")
    m = await h.admin.press(summary, "Hủy")
    edit = await h.tg.wait_for(lambda c: c.method == "editMessageText"
                               and int(c.params["message_id"]) == summary.result["message_id"], m)
    assert "Đã hủy, không gửi" in edit.text and "Bấm ✅ Gửi" not in edit.text
    assert not edit.buttons()


async def test_sender_gets_no_copy_and_reminders_stay_under_their_broadcast(bot_sqlite):
    h = bot_sqlite
    admin = h.admin
    await admin.reply("/start")
    a = await h.member("Chi bộ Khu phố 1", "Nguyễn Văn An")
    b = await h.member("Chi bộ Khu phố 1", "Trần Thị Bình")
    mark = h.tg.mark()
    await admin.reply("/phatdi Nội dung cần nắm")
    summary = await said(h, mark, "Xác nhận gửi")
    assert "– 2 người" in summary.text          # the two members, not the admin
    await admin.press(summary, "Gửi")
    with h.loa.db.session() as s:
        bid = s.scalar(select(Broadcast.id))
    await wait_done(h.loa, bid)
    sends = {c.chat_id: c for c in broadcast_sends(h.tg, mark)}
    assert set(sends) == {a.id, b.id}
    await a.press(sends[a.id], "Đã nắm")
    listing = await admin.reply("/phatdi_ds")
    assert "Đã nắm: <b>1/2</b>" in listing.text
    assert "Trần Thị Bình" in listing.text and "Ban Tuyên giáo" not in listing.text.split(
        "Chưa nắm")[-1]
    # The reminder is told as a reminder of #bid, never as a broadcast of its own number.
    mark = h.tg.mark()
    m = await admin.press(listing, f"Nhắc #{bid}")
    queued = await said(h, m, "lời nhắc")
    assert f"Đã xếp lời nhắc lại lần gửi <b>#{bid}</b> tới 1 người" in queued.text
    with h.loa.db.session() as s:
        rid = s.scalar(select(Broadcast.id).where(Broadcast.id != bid))
    assert f"#{rid}" not in queued.text
    await wait_done(h.loa, rid)
    reminder = {c.chat_id: c for c in broadcast_sends(h.tg, mark)}
    assert set(reminder) == {b.id}
    assert f"Nhắc lại</b> (lần gửi #{bid})" in reminder[b.id].text
    listing = await admin.reply("/phatdi_ds")
    assert f"#{rid}" not in listing.text
    assert "🔔 Đã nhắc 1 lần" in listing.text and "gửi 1/1 người" in listing.text
    labels = [x["text"] for x in listing.buttons()]
    assert labels == [f"🔔 Nhắc #{bid}"]
    await b.press(reminder[b.id], "Đã nắm")
    listing = await admin.reply("/phatdi_ds")
    assert "Đã nắm: <b>2/2</b>" in listing.text and not listing.buttons()


async def test_reporters_audience_is_not_called_bao_cao_vien(bot_sqlite):
    h = bot_sqlite
    await h.admin.reply("/start")
    await h.member("Chi bộ Khu phố 1", "Người Báo Cáo", reporter=True)
    await h.member("Chi bộ Khu phố 1", "Tuyên Truyền Viên")
    await h.admin.reply("/phatdi")
    audience = await h.admin.reply("Nội dung cho người báo cáo")
    labels = [x["text"] for x in audience.buttons()]
    assert not [x for x in labels if "Báo cáo viên" in x or "báo cáo viên" in x], labels
    m = await h.admin.press(audience, "Người gửi báo cáo")
    when = await said(h, m, "Bước 3/3")
    m = await h.admin.press(when, "Gửi ngay")
    summary = await said(h, m, "Xác nhận gửi")
    assert f"{TB.AUD_REPORTERS}</b> – 1 người" in summary.text
    assert "Báo cáo viên" not in summary.text


# ------------------------------------------------------------------ status
async def test_status_shows_index_time_in_local_time(bot_sqlite):
    bot = bot_sqlite
    await bot.admin.reply("/start")
    status = await bot.admin.reply("/trangthai")
    line = next(x for x in status.text.splitlines() if x.startswith("Lập chỉ mục lúc"))
    built = datetime.fromisoformat(bot.loa.kb.stats().built_at).astimezone(bot.loa.settings.tz)
    assert line == f"Lập chỉ mục lúc: {built.strftime('%H:%M ngày %d/%m/%Y')}"
    assert "+00:00" not in status.text and not re.search(r"\d{4}-\d{2}-\d{2}T", status.text)
