"""The /phatdi conversation, /phatdi_ds follow-up (cancel, remind), digests and the CLI."""
from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import Broadcast, Delivery, Digest, utcnow
from tests.conftest import ADMIN_ID
from tests.test_broadcast import (
    FAST, FROM_TOP, add_members, broadcast_sends, is_broadcast_send, queue_text, unit_id, wait_done,
)


@pytest.fixture
def settings_overrides():
    return dict(FAST)


async def said(h, mark, text: str, chat_id: int = ADMIN_ID):
    return await h.tg.wait_for(lambda c: c.chat_id == chat_id and text in c.text, mark)


async def to_everyone_now(h, mark) -> int:
    """Steps 2 and 3 of /phatdi after the content sent at `mark`: everyone, now."""
    audience = await said(h, mark, "Bước 2/3")
    m = await h.admin.press(audience, "Tất cả")
    when = await said(h, m, "Bước 3/3")
    return await h.admin.press(when, "Gửi ngay")


async def test_guided_flow_units_and_schedule(bot_sqlite):
    h = bot_sqlite
    admin = h.admin
    await admin.reply("/start")
    add_members(h.loa.db, 3, "Chi bộ Khu phố 1", first_id=7_200_000)
    two = add_members(h.loa.db, 2, "Chi bộ Khu phố 2", first_id=7_300_000)
    reply = await admin.reply("/phatdi")
    assert "Bước 1/3" in reply.text
    audience = await admin.reply("Học tập & làm theo <tư tưởng>")
    assert "Bước 2/3" in audience.text
    m = await admin.press(audience, "Chọn đơn vị")
    units_msg = await said(h, m, "Chọn một hoặc nhiều đơn vị")
    m = await admin.press(units_msg, "Chi bộ Khu phố 2")
    edit = await h.tg.wait_for(lambda c: c.method == "editMessageReplyMarkup", m)
    assert "☑️ Chi bộ Khu phố 2" in [b["text"] for b in edit.buttons()]
    m = await admin.press(units_msg, "Xong")
    await said(h, m, "Bước 3/3")
    bad = await admin.reply("31/02/2030 07:00")
    assert "chưa đúng dạng" in bad.text and "ví dụ" in bad.text
    past = await admin.reply("01/01/2020 07:00")
    assert "đã qua" in past.text
    tz = h.loa.settings.tz
    local = (datetime.now(tz) + timedelta(days=2)).replace(hour=7, minute=30, second=0,
                                                           microsecond=0)
    m = await admin.send(local.strftime("%d/%m/%Y %H:%M"))
    preview = await said(h, m, "Học tập &amp; làm theo &lt;tư tưởng&gt;")
    summary = await said(h, m, "Xác nhận")
    assert "2 người" in summary.text and "Chi bộ Khu phố 2" in summary.text
    assert local.strftime("%d/%m/%Y %H:%M") in summary.text
    assert preview.button("Đã nắm")["callback_data"] == "ack:preview"
    m = await admin.press(summary, "Gửi")
    await said(h, m, "Đã hẹn")
    unit2 = unit_id(h.loa.db, "Chi bộ Khu phố 2")
    with h.loa.db.session() as s:
        b = s.scalar(select(Broadcast))
        assert b.status == "scheduled"
        assert b.scheduled_at == local.astimezone(b.scheduled_at.tzinfo)
        assert b.audience == {"units": [unit2]}
        assert s.scalar(select(Delivery.id)) is None   # rows are created when it starts
    # The board can see and cancel it before it fires.
    listing = await admin.reply("/phatdi_ds")
    assert f"#{b.id}" in listing.text and "đã hẹn giờ" in listing.text
    m = await admin.press(listing, f"Hủy #{b.id}")
    await said(h, m, "Đã hủy lần gửi")
    with h.loa.db.session() as s:
        assert s.get(Broadcast, b.id).status == "cancelled"
    assert [c for c in h.tg.calls if c.chat_id in two] == []
    # Stale buttons after the conversation ended do nothing.
    m = await admin.press(summary, "Gửi")
    answer = await h.tg.wait_for(lambda c: c.method == "answerCallbackQuery", m)
    assert "kết thúc" in answer.params["text"]
    with h.loa.db.session() as s:
        assert len(s.scalars(select(Broadcast)).all()) == 1


async def test_photo_broadcast_reuses_file_id_and_double_press_sends_once(bot_sqlite):
    h = bot_sqlite
    admin = h.admin
    await admin.reply("/start")
    ids = add_members(h.loa.db, 4)
    await admin.reply("/phatdi")
    m = await admin.send_photo(caption="Pano tuyên truyền <mới>")
    m = await to_everyone_now(h, m)
    preview = await h.tg.wait_for(lambda c: c.method == "sendPhoto" and c.chat_id == ADMIN_ID, m)
    summary = await said(h, m, "Xác nhận")
    m1 = await admin.press(summary, "Gửi", wait=False)
    await admin.press(summary, "Gửi")
    await said(h, m1, "Đã xếp lần gửi")
    with h.loa.db.session() as s:
        bids = s.scalars(select(Broadcast.id)).all()
    assert len(bids) == 1
    await wait_done(h.loa, bids[0])
    photos = [c for c in broadcast_sends(h.tg, m1) if c.method == "sendPhoto"]
    assert sorted(c.chat_id for c in photos) == sorted(ids)   # not the admin who sent it
    assert {c.params["photo"] for c in photos} == {preview.params["photo"]}
    assert photos[0].params["caption"] == FROM_TOP + "Pano tuyên truyền &lt;mới&gt;"


async def test_forwarded_message_is_copied(bot_sqlite):
    h = bot_sqlite
    admin = h.admin
    await admin.reply("/start")
    ids = add_members(h.loa.db, 3)
    await admin.reply("/phatdi")
    m = await admin.send("Bài báo chuyển tiếp", forward_origin={
        "type": "hidden_user", "sender_user_name": "Báo Nhân Dân", "date": int(time.time())})
    fwd_id = h.tg.updates[-1]["message"]["message_id"] if h.tg.updates else None
    m = await to_everyone_now(h, m)
    summary = await said(h, m, "Xác nhận")
    m = await admin.press(summary, "Gửi")
    with h.loa.db.session() as s:
        b = s.scalar(select(Broadcast))
    assert b.kind == "copy" and b.source_chat_id == ADMIN_ID
    assert fwd_id is None or b.source_message_id == fwd_id
    await wait_done(h.loa, b.id)
    copies = [c for c in broadcast_sends(h.tg, m) if c.method == "copyMessage"]
    assert sorted(c.chat_id for c in copies) == sorted(ids)   # not the admin who sent it
    assert all(int(c.params["from_chat_id"]) == ADMIN_ID for c in copies)


async def test_huy_cancels_composing(bot_sqlite):
    h = bot_sqlite
    await h.admin.reply("/start")
    add_members(h.loa.db, 2)
    await h.admin.reply("/phatdi")
    reply = await h.admin.reply("/huy")
    assert "Đã hủy" in reply.text
    with h.loa.db.session() as s:
        assert s.scalar(select(Broadcast.id)) is None


async def test_follow_up_lists_acks_by_unit_and_reminds_only_non_acknowledgers(bot_sqlite):
    h = bot_sqlite
    admin = h.admin
    await admin.reply("/start")
    ids = add_members(h.loa.db, 3, "Chi bộ Khu phố 7", first_id=7_400_000)
    users = [h.user(f"TV {i}", user_id=tid) for i, tid in enumerate(ids)]
    mark = h.tg.mark()
    bid = queue_text(h.loa, "Nội dung cần nắm", audience={"units": [
        unit_id(h.loa.db, "Chi bộ Khu phố 7")]})
    await wait_done(h.loa, bid)
    msgs = {c.chat_id: c for c in broadcast_sends(h.tg, mark)}
    await users[0].press(msgs[ids[0]], "Đã nắm")
    listing = await admin.reply("/phatdi_ds")
    assert "Đã nắm: <b>1/3</b> (33%)" in listing.text
    assert "Chi bộ Khu phố 7: 2/3" in listing.text and "TV Chi bộ Khu phố 7 1" in listing.text
    # A member cannot press the board's buttons.
    m = await users[1].press_data(f"bcl:remind:{bid}", msgs[ids[1]])
    answer = await h.tg.wait_for(lambda c: c.method == "answerCallbackQuery", m)
    assert "chỉ dành cho Ban Tuyên giáo" in answer.params["text"]
    with h.loa.db.session() as s:
        assert len(s.scalars(select(Broadcast)).all()) == 1
    mark = h.tg.mark()
    m = await admin.press(listing, f"Nhắc #{bid}")
    queued = await said(h, m, "lời nhắc")
    assert "2 người" in queued.text
    with h.loa.db.session() as s:
        rid = s.scalar(select(Broadcast.id).where(Broadcast.id != bid))
    await wait_done(h.loa, rid)
    reminders = {c.chat_id: c for c in broadcast_sends(h.tg, mark)}
    assert set(reminders) == {ids[1], ids[2]}
    assert "Nhắc lại" in reminders[ids[1]].text and "Nội dung cần nắm" in reminders[ids[1]].text
    # Acknowledging the reminder acknowledges the original.
    await users[1].press(reminders[ids[1]], "Đã nắm")
    st = h.loa.broadcasts.stats(bid)
    assert st.acked == 2 and [u.pending for u in st.by_unit] == [1]
    # A second reminder goes to the last one only, once.
    mark = h.tg.mark()
    r2 = h.loa.broadcasts.remind(ADMIN_ID, bid)
    await wait_done(h.loa, r2.id)
    assert Counter(c.chat_id for c in broadcast_sends(h.tg, mark)) == Counter({ids[2]: 1})


async def test_weekly_digest_is_scheduled_and_fires_once(bot_sqlite):
    h = bot_sqlite
    admin = h.admin
    await admin.reply("/start")
    ids = add_members(h.loa.db, 2)
    bad = await admin.reply("/diemchinh_dinhky thu9 25:00")
    assert "Ví dụ" in bad.text
    choose = await admin.reply("/diemchinh_dinhky thứ hai 07:00")
    assert "Thứ Hai 07:00" in choose.text
    doc = h.loa.kb.documents()[0]
    m = await admin.press(choose, (" ".join(p for p in (doc.number, doc.title) if p))[:20])
    await h.tg.wait_for(lambda c: c.method == "editMessageText" and "Đã hẹn" in c.text, m)
    with h.loa.db.session() as s:
        d = s.scalar(select(Digest))
    assert (d.weekday, d.at_time, d.doc_id) == (0, "07:00", doc.doc_id)
    listing = await admin.reply("/diemchinh_dinhky")
    assert f"#{d.id}" in listing.text
    tz = h.loa.settings.tz
    today = datetime.now(tz)
    monday = (today + timedelta(days=7 - today.weekday())).replace(hour=7, minute=5, second=0,
                                                                    microsecond=0)
    svc = h.loa.broadcasts
    assert svc.fire_due_digests(monday.replace(hour=6, minute=59)) == []   # not yet
    fired = svc.fire_due_digests(monday)
    assert len(fired) == 1
    assert svc.fire_due_digests(monday + timedelta(hours=2)) == []          # once a day
    mark = h.tg.mark()
    with h.loa.db.session() as s:   # send it now rather than next Monday
        s.get(Broadcast, fired[0]).scheduled_at = utcnow()
    h.loa.delivery.wake()
    await wait_done(h.loa, fired[0])
    sends = broadcast_sends(h.tg, mark)
    assert sorted(c.chat_id for c in sends) == sorted(ids)   # not the admin who sent it
    first_point = h.loa.kb.keypoints(doc.doc_id)[0]
    assert "Điểm chính" in sends[0].text and first_point.text[:30] in sends[0].text
    m = await admin.press(listing, f"Bỏ lịch #{d.id}")
    await said(h, m, "Đã bỏ lịch")
    assert svc.fire_due_digests(monday + timedelta(days=7)) == []


async def test_cli_queues_for_the_running_bot(bot_sqlite, monkeypatch, tmp_path, capsys):
    from bot.cli import main
    h = bot_sqlite
    one = add_members(h.loa.db, 3, "Chi bộ Khu phố 1", first_id=7_500_000)
    add_members(h.loa.db, 2, "Chi bộ Khu phố 2", first_id=7_600_000)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOA_DATABASE_URL", h.loa.settings.database_url)
    assert main(["broadcast", "--text", "Hẹn giờ sai", "--at", "01/01/2020 07:00",
                 "--yes"]) == 2
    assert "đã qua" in capsys.readouterr().err
    assert main(["broadcast", "--text", "Từ dòng lệnh <b>", "--units", "Khu phố 1",
                 "--yes"]) == 0
    out = capsys.readouterr().out
    assert "3 người" in out
    with h.loa.db.session() as s:
        bid = s.scalar(select(Broadcast.id))
    mark = h.tg.mark()
    await wait_done(h.loa, bid)   # picked up by polling: nothing woke the worker
    sends = broadcast_sends(h.tg, mark)
    assert sorted(c.chat_id for c in sends) == one
    assert sends[0].text == FROM_TOP + "Từ dòng lệnh &lt;b&gt;"


async def test_cancel_running_broadcast_stops_sending(bot_sqlite):
    h = bot_sqlite
    admin = h.admin
    await admin.reply("/start")
    add_members(h.loa.db, 300)
    mark = h.tg.mark()
    # After the 30th message, Telegram "takes its time" until the board has cancelled.
    gate = h.tg.hold(lambda c: is_broadcast_send(c) and len(broadcast_sends(h.tg, mark)) >= 30)
    bid = queue_text(h.loa, "Sẽ bị hủy giữa chừng")
    await h.tg.wait_for(lambda c: len(broadcast_sends(h.tg, mark)) >= 30, mark)
    listing = await admin.reply("/phatdi_ds")
    assert "đang gửi" in listing.text
    m = await admin.press(listing, f"Hủy #{bid}")
    await said(h, m, "Đã hủy lần gửi")
    at_cancel = len(broadcast_sends(h.tg, mark))
    gate.set()
    deadline = time.monotonic() + 20
    while True:
        with h.loa.db.session() as s:
            b = s.get(Broadcast, bid)
            if b.finished_at is not None or time.monotonic() > deadline:
                break
        await asyncio.sleep(0.1)
    assert b.status == "cancelled" and b.finished_at is not None
    with h.loa.db.session() as s:
        st = Counter(s.scalars(select(Delivery.state).where(Delivery.broadcast_id == bid)))
    total = len(broadcast_sends(h.tg, mark))
    in_flight = h.loa.settings.broadcast_in_flight
    assert total <= at_cancel + in_flight   # only what was already in flight
    assert set(st) <= {"sent", "cancelled"} and st["cancelled"] >= 300 - total
    assert st["sent"] == total
