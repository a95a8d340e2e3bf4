"""Rolled-up reports through Telegram: each board sees its own subtree, and no more."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.db.models import BoardReminder
from bot.jobs import send_reminders
from bot.services.reports import month_period
from tests.conftest import ADMIN_ID
from tests.rollup_tree import BOARD_A, BOARD_B, ROOT, make_tree


async def test_province_and_commune_summaries_exports_and_refusals(bot):
    h = bot
    make_tree(h.loa.db, h.loa.reports.today())
    province = (await h.admin.reply("/tonghop")).text
    assert f"Đơn vị: {ROOT}" in province
    assert "<b>Xã An Bình</b>: 2 hoạt động, 30 lượt người · 1/2 đơn vị đã báo cáo" in province
    assert "<b>Xã Bình Minh</b>: 2 hoạt động, 12 lượt người · 2/3 đơn vị đã báo cáo" in province
    assert "<b>Tổng cộng</b>: 4 hoạt động, 42 lượt người, 3 đơn vị có báo cáo." in province
    assert "Tỷ lệ đơn vị đã báo cáo: 3/5 (60%)." in province
    assert "Chưa báo cáo</b> (2): Xã An Bình › Chi bộ An Bình 2, " \
           "Xã Bình Minh › Chi bộ Bình Minh 2" in province
    assert "Chi bộ An Bình 1</b>" not in province      # chi bộ are inside their commune's line

    commune = h.user("Ban Tuyên giáo xã", BOARD_B)
    mine = (await commune.reply("/tonghop")).text
    assert "Đơn vị: " + ROOT + " › Xã Bình Minh" in mine
    assert "<b>Xã Bình Minh (báo cáo của chính đơn vị)</b>: 1 hoạt động, 7 lượt người" in mine
    assert "<b>Chi bộ Bình Minh 1</b>: 1 hoạt động, 5 lượt người" in mine
    assert "<b>Tổng cộng</b>: 2 hoạt động, 12 lượt người" in mine
    assert "An Bình" not in mine
    # Drill down inside the scope; another commune's unit, or the province, is refused.
    drill = (await commune.reply("/tonghop Chi bộ Bình Minh 1")).text
    assert "<b>Tổ Bình Minh 1a</b>: 1 hoạt động, 5 lượt người" in drill
    for other in ("Chi bộ An Bình 1", "Xã An Bình 06/2026", ROOT):
        refusal = (await commune.reply(f"/tonghop {other}")).text
        assert "không thuộc phạm vi phụ trách của bạn" in refusal, other
        assert "hoạt động" not in refusal
    # The province drills into a commune and sees the commune's own lines.
    assert "<b>Chi bộ Bình Minh 1</b>: 1 hoạt động" in (
        await h.admin.reply("/tonghop Xã Bình Minh")).text

    # Exports hold only the commune's reports, each with its unit's path.
    mark = await commune.send("/xuatbaocao")
    await h.tg.wait_for(lambda c: c.method == "sendDocument" and c.chat_id == BOARD_B
                        and c.params["document"]["filename"].endswith(".csv"), mark)
    files = {c.files["document"][0]: c.files["document"][1]
             for c in h.tg.sent(chat_id=BOARD_B, method="sendDocument", since=mark)}
    rows = list(csv.reader(io.StringIO(files[next(f for f in files if f.endswith(".csv"))]
                                       .decode("utf-8-sig"))))
    assert rows[0][-1] == "Đơn vị theo cấp"
    assert sorted(r[-1] for r in rows[1:]) == [
        f"{ROOT} › Xã Bình Minh",
        f"{ROOT} › Xã Bình Minh › Chi bộ Bình Minh 1 › Tổ Bình Minh 1a"]
    mark = h.tg.mark()
    refusal = (await commune.reply("/xuatbaocao Chi bộ An Bình 1")).text
    assert "không thuộc phạm vi" in refusal
    assert not h.tg.sent(chat_id=BOARD_B, method="sendDocument", since=mark)

    # The chart is of the commune's child units.
    mark = await commune.send("/bieudo")
    photo = await h.tg.wait_for(lambda c: c.method == "sendPhoto" and c.chat_id == BOARD_B, mark)
    assert photo.files["photo"][1].startswith(b"\x89PNG") and "Xã Bình Minh" in photo.text


async def test_each_board_is_told_once_about_its_own_silent_units(bot_sqlite):
    h = bot_sqlite
    make_tree(h.loa.db, h.loa.reports.today())
    settings = h.loa.settings
    t = h.loa.reports.today()
    hh, mm = (int(x) for x in settings.reminder_time.split(":"))
    day = min(settings.reminder_day, month_period(t.year, t.month).end.day)
    due = datetime(t.year, t.month, day, hh, mm, tzinfo=settings.tz)
    mark = h.tg.mark()
    run = await send_reminders(h.app, due)
    assert sorted(x.unit_name for x in run.reminded) == ["Chi bộ An Bình 2", "Chi bộ Bình Minh 2"]
    assert not run.no_reporter      # the communes report through their chi bộ
    a = await h.tg.wait_for(lambda c: c.chat_id == BOARD_A and "Đã nhắc" in (c.text or ""), mark)
    b = await h.tg.wait_for(lambda c: c.chat_id == BOARD_B and "Đã nhắc" in (c.text or ""), mark)
    top = await h.tg.wait_for(lambda c: c.chat_id == ADMIN_ID and "Đã nhắc" in (c.text or ""),
                              mark)
    assert "Chi bộ An Bình 2" in a.text and "Bình Minh 2" not in a.text
    assert "Chi bộ Bình Minh 2" in b.text and "An Bình 2" not in b.text
    assert "Chi bộ An Bình 2" in top.text and "Chi bộ Bình Minh 2" in top.text
    # A second run (a restart, the next day) tells no board again.
    mark = h.tg.mark()
    await send_reminders(h.app, due + timedelta(days=1))
    assert not h.tg.sent(since=mark)
    with h.loa.db.read() as s:
        assert s.scalar(select(func.count()).select_from(BoardReminder)) == 3


async def test_a_board_notice_names_at_most_forty_units(bot_sqlite):
    from bot.db.models import Unit
    h = bot_sqlite
    ids = make_tree(h.loa.db, h.loa.reports.today())
    with h.loa.db.session() as s:
        for i in range(60):
            s.add(Unit(name=f"Chi bộ mới {i:02d}", parent_id=ids["Xã An Bình"]))
    settings = h.loa.settings
    t = h.loa.reports.today()
    hh, mm = (int(x) for x in settings.reminder_time.split(":"))
    day = min(settings.reminder_day, month_period(t.year, t.month).end.day)
    mark = h.tg.mark()
    await send_reminders(h.app, datetime(t.year, t.month, day, hh, mm, tzinfo=settings.tz))
    a = await h.tg.wait_for(lambda c: c.chat_id == BOARD_A and "chưa có người báo cáo" in (
        c.text or ""), mark)
    assert "(60)" in a.text and "Chi bộ mới 39" in a.text and "Chi bộ mới 40" not in a.text
    assert "… và 20 đơn vị khác" in a.text and len(a.text) < 4096
