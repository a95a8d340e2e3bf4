"""Activity reports end to end through the fake Bot API: entry, validation, confirmation, own reports."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from bot.db.models import Member, Report, ReportAudit, ReportDraft

UNIT = "Chi bộ Khu phố 1"
LINE = "{d} | Hội nghị | Quán triệt Chỉ thị 30-CT/TW | 45 | tại nhà văn hóa"


def today(h):
    return h.loa.reports.today()


def ddmmyyyy(d) -> str:
    return d.strftime("%d/%m/%Y")


def stored(h, **where) -> list[Report]:
    with h.loa.db.session() as s:
        q = select(Report)
        for k, v in where.items():
            q = q.where(getattr(Report, k) == v)
        return list(s.scalars(q.order_by(Report.id)))


def count(h, model) -> int:
    with h.loa.db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


async def saved_message(h, user, mark):
    return await h.tg.wait_for(lambda c: c.chat_id == user.id and "Đã lưu báo cáo" in c.text, mark)


async def quick(h, user, line):
    """Send a quick line, press ✅ Lưu, and return the confirmation call."""
    preview = await user.reply("/baocao " + line)
    assert "Kiểm tra báo cáo" in preview.text, preview.text
    mark = await user.press(preview, "Lưu")
    return await saved_message(h, user, mark)


# ---------------------------------------------------------------- quick line
async def test_quick_line_saves_exactly_the_parsed_report(bot):
    u = await bot.member(UNIT, "Nguyễn Văn An", reporter=True)
    d = today(bot) - timedelta(days=2)
    preview = await u.reply("/baocao " + LINE.format(d=ddmmyyyy(d)))
    assert "Quán triệt Chỉ thị 30-CT/TW" in preview.text
    assert "Hội nghị" in preview.text and "45" in preview.text and UNIT in preview.text
    labels = [b["text"] for b in preview.buttons()]
    assert labels == ["✅ Lưu", "❌ Hủy"]
    assert stored(bot) == []  # nothing saved before ✅
    mark = await u.press(preview, "Lưu")
    done = await saved_message(bot, u, mark)
    assert "Quán triệt" in done.text
    [r] = stored(bot)
    assert (r.activity_date, r.form, r.content, r.participants, r.note) == \
        (d, "Hội nghị", "Quán triệt Chỉ thị 30-CT/TW", 45, "tại nhà văn hóa")
    with bot.loa.db.session() as s:
        member = s.scalar(select(Member).where(Member.telegram_id == u.id))
        assert r.member_id == member.id and r.unit_id == member.unit_id
        audit = s.scalars(select(ReportAudit)).all()
        assert [(a.action, a.after["content"]) for a in audit] == \
            [("create", "Quán triệt Chỉ thị 30-CT/TW")]
        assert s.scalar(select(ReportDraft.status)) == "saved"


async def test_variants_of_date_form_and_participants_are_understood(bot_sqlite):
    h = bot_sqlite
    u = await h.member(UNIT, reporter=True)
    t = today(h)
    await quick(h, u, "hom nay | SINH HOAT CHI BO | Học tập nghị quyết | 45 người")
    await quick(h, u, f"{t.strftime('%d/%m')} | mxh | Chia sẻ bài viết về Chỉ thị 30 | 120")
    await quick(h, u, "Hôm nay | hoi nghi | Hội nghị quán triệt khác hẳn | 1.200 người | ghi chú")
    rows = stored(h)
    assert [(r.activity_date, r.form, r.participants) for r in rows] == [
        (t, "Sinh hoạt chi bộ", 45), (t, "Mạng xã hội", 120), (t, "Hội nghị", 1200)]


async def test_cancel_saves_nothing(bot_sqlite):
    h = bot_sqlite
    u = await h.member(UNIT)
    preview = await u.reply("/baocao hôm nay | Khác | Nói chuyện chuyên đề | 30")
    mark = await u.press(preview, "Hủy")
    edit = await h.tg.wait_for(lambda c: c.method == "editMessageText" and c.chat_id == u.id, mark)
    assert "Đã hủy" in edit.text
    await u.press(preview, "Lưu")  # pressing ✅ on the cancelled preview saves nothing
    assert stored(h) == []


async def test_each_invalid_field_is_named_with_an_example_and_nothing_saved(bot_sqlite):
    h = bot_sqlite
    u = await h.member(UNIT)
    t = today(h)
    future = ddmmyyyy(t + timedelta(days=1))
    old = ddmmyyyy(t - timedelta(days=h.loa.settings.report_max_age_days + 1))
    long_content = "x" * (h.loa.settings.report_content_max + 1)
    cases = {
        "hôm nay | Hội nghị | Nội dung": "ít nhất 4 phần",
        "32/13/2024 | Hội nghị | Nội dung | 10": "<b>Ngày</b> không hợp lệ",
        f"{future} | Hội nghị | Nội dung | 10": "chưa tới",
        f"{old} | Hội nghị | Nội dung | 10": "đã quá",
        "hôm nay | Múa lân | Nội dung | 10": "<b>Hình thức</b> «Múa lân»",
        "hôm nay | Hội nghị |   | 10": "<b>Nội dung</b> đang để trống",
        f"hôm nay | Hội nghị | {long_content} | 10": "<b>Nội dung</b> dài",
        "hôm nay | Hội nghị | Nội dung | 0": "<b>Số người</b> phải là số nguyên dương",
        "hôm nay | Hội nghị | Nội dung | bốn mươi": "<b>Số người</b>",
        "hôm nay | Hội nghị | Nội dung | -5": "<b>Số người</b>",
        f"hôm nay | Hội nghị | Nội dung | 5 | {long_content}": "<b>Ghi chú</b> dài",
    }
    for line, expected in cases.items():
        reply = await u.reply("/baocao " + line)
        assert expected in reply.text, (line, reply.text)
        assert "Ví dụ một dòng đúng" in reply.text and f"/baocao {ddmmyyyy(t)} |" in reply.text
        assert not reply.buttons()
    assert count(h, ReportDraft) == 0 and stored(h) == []


async def test_non_members_cannot_report(bot_sqlite):
    h = bot_sqlite
    stranger = h.user("Người lạ")
    reply = await stranger.reply("/baocao hôm nay | Hội nghị | Nội dung | 10")
    assert "chưa đăng ký" in reply.text
    u = await h.member(UNIT, "Trần Văn Bình")
    with h.loa.db.session() as s:
        s.scalar(select(Member).where(Member.telegram_id == u.id)).active = False
    reply = await u.reply("/baocao hôm nay | Hội nghị | Nội dung | 10")
    assert "tạm ngừng" in reply.text
    # The configured admin has no unit: refused with the reason.
    reply = await h.admin.reply("/baocao hôm nay | Hội nghị | Nội dung | 10")
    assert "chưa thuộc đơn vị" in reply.text
    assert count(h, ReportDraft) == 0 and stored(h) == []


async def test_deactivated_after_draft_cannot_confirm(bot_sqlite):
    h = bot_sqlite
    u = await h.member(UNIT)
    preview = await u.reply("/baocao hôm nay | Hội nghị | Nội dung | 10")
    with h.loa.db.session() as s:
        s.scalar(select(Member).where(Member.telegram_id == u.id)).active = False
    mark = await u.press(preview, "Lưu")
    alert = await h.tg.wait_for(lambda c: c.method == "answerCallbackQuery", mark)
    assert "tạm ngừng" in alert.params["text"]
    assert stored(h) == []


# ---------------------------------------------------------------- exactly once
async def test_double_press_and_forged_draft_ids_save_once(bot):
    u = await bot.member(UNIT, "Nguyễn Văn An")
    other = await bot.member("Chi bộ Khu phố 2", "Lê Thị Cúc")
    preview = await u.reply("/baocao hôm nay | Hội nghị | Quán triệt Chỉ thị 30 | 45")
    draft_id = int(preview.button("Lưu")["callback_data"].split(":")[-1])
    # Another user forges the callback data with this draft's id.
    mark = await other.press_data(f"rep:ok:{draft_id}")
    alert = await bot.tg.wait_for(lambda c: c.method == "answerCallbackQuery", mark)
    assert "Không tìm thấy" in alert.params["text"]
    assert stored(bot) == []
    # Two presses at once, then a late third one.
    marks = await asyncio.gather(u.press(preview, "Lưu"), u.press(preview, "Lưu"))
    await saved_message(bot, u, min(marks))
    mark = await u.press(preview, "Lưu")
    alert = await bot.tg.wait_for(lambda c: c.method == "answerCallbackQuery"
                                  and "đã được lưu" in (c.params.get("text") or ""), mark)
    assert len(stored(bot)) == 1
    assert count(bot, ReportAudit) == 1
    # Over-long, malformed and unknown ids change nothing and get an answer.
    for data in ("rep:ok:" + "9" * 40, "rep:ok:abc", "rep:hack:1", "rep:ok:999999", "rep:" + "x" * 60):
        mark = await u.press_data(data)
        answer = await bot.tg.wait_for(lambda c: c.method == "answerCallbackQuery", mark)
        assert answer.params.get("text"), data
    assert len(stored(bot)) == 1


async def test_likely_duplicate_needs_second_confirmation(bot_sqlite):
    h = bot_sqlite
    u = await h.member(UNIT, reporter=True)
    await quick(h, u, "hôm nay | Hội nghị | Quán triệt Chỉ thị 30-CT/TW | 45")
    preview = await u.reply("/baocao hom nay | hoi nghi | quan triet chi thi 30-CT/TW cho dang vien | 40")
    assert "gần giống" in preview.text
    mark = await u.press(preview, "Lưu")
    warning = await h.tg.wait_for(lambda c: c.chat_id == u.id and "Có thể trùng" in c.text, mark)
    assert [b["text"] for b in warning.buttons()] == ["✅ Vẫn lưu", "❌ Hủy"]
    assert len(stored(h)) == 1
    mark = await u.press(warning, "Vẫn lưu")
    await saved_message(h, u, mark)
    assert len(stored(h)) == 2
    # A different activity the same day and form is not a duplicate.
    preview = await u.reply("/baocao hôm nay | Hội nghị | Triển khai nghị quyết đại hội | 30")
    assert "gần giống" not in preview.text


# ---------------------------------------------------------------- guided entry
async def test_guided_flow_saves_with_photos(bot):
    u = await bot.member(UNIT, "Phạm Thị Dung", reporter=True)
    ask = await u.reply("/baocao")
    assert "Hôm nay" in ask.button("Hôm nay")["text"]
    mark = await u.press(ask, "Hôm nay")
    form_q = await bot.tg.wait_for(lambda c: c.chat_id == u.id and "hình thức" in c.text, mark)
    assert [b["text"] for b in form_q.buttons()] == list(bot.loa.settings.report_forms)
    mark = await u.press(form_q, "Truyền thanh")
    await bot.tg.wait_for(lambda c: c.chat_id == u.id and "nội dung" in c.text, mark)
    assert "người" in (await u.reply("Phát thanh bài về <chuyển đổi số> & an ninh")).text
    reply = await u.reply("không rõ")  # invalid participants: asked again, state kept
    assert "<b>Số người</b>" in reply.text
    note_q = await u.reply("120 người")
    assert "Ghi chú" in note_q.text
    photos_q = await u.reply("Loa phường <b>số 3</b>")
    assert "ảnh" in photos_q.text
    mark = await u.send_photo(b"\xff\xd8 photo one")
    await u.next_reply(mark)
    mark = await u.send_photo(b"\xff\xd8 photo two")
    await u.next_reply(mark)
    mark = await u.press(photos_q, "Xong")
    preview = await bot.tg.wait_for(lambda c: c.chat_id == u.id and "Kiểm tra" in c.text, mark)
    assert "&lt;chuyển đổi số&gt; &amp; an ninh" in preview.text
    assert "Ảnh minh chứng: 2" in preview.text
    mark = await u.press(preview, "Lưu")
    await saved_message(bot, u, mark)
    [r] = stored(bot)
    assert (r.activity_date, r.form, r.content, r.participants, r.note) == (
        today(bot), "Truyền thanh cơ sở", "Phát thanh bài về <chuyển đổi số> & an ninh", 120,
        "Loa phường <b>số 3</b>")
    assert len(r.photos) == 2 and all(p.startswith("FILE") for p in r.photos)


async def test_guided_flow_typed_values_skip_and_cancel(bot_sqlite):
    h = bot_sqlite
    u = await h.member(UNIT)
    ask = await u.reply("📝 Báo cáo")  # the reply-keyboard button
    assert "Hôm nay" in ask.text
    reply = await u.reply("30/02/2024")
    assert "<b>Ngày</b> không hợp lệ" in reply.text
    form_q = await u.reply(ddmmyyyy(today(h)))
    assert form_q.buttons()
    assert "<b>Hình thức</b>" in (await u.reply("nhảy múa")).text
    await u.reply("sinh hoat chi bo")
    await u.reply("Sinh hoạt chuyên đề tháng")
    note_q = await u.reply("25")
    mark = await u.press(note_q, "Bỏ qua")
    photos_q = await h.tg.wait_for(lambda c: c.chat_id == u.id and "ảnh" in c.text, mark)
    assert photos_q.button("Xong")
    preview = await u.reply("xong")
    assert "Sinh hoạt chi bộ" in preview.text and "Ghi chú" not in preview.text
    # /huy in the middle of a second guided entry leaves nothing behind.
    await u.reply("/baocao")
    mark = await u.press(await u.reply("hôm nay"), "Khác")
    await h.tg.wait_for(lambda c: c.chat_id == u.id and "Bước 3/6" in c.text, mark)
    reply = await u.reply("/huy")
    assert "không được lưu" in reply.text
    # After /huy a plain text is not taken as a report step.
    assert stored(h) == []
    mark = await u.press(preview, "Lưu")
    await saved_message(h, u, mark)
    [r] = stored(h)
    assert r.form == "Sinh hoạt chi bộ" and r.note is None and r.participants == 25


async def test_stale_guided_button_is_answered(bot_sqlite):
    h = bot_sqlite
    u = await h.member(UNIT)
    mark = await u.press_data("rg:form:99")
    answer = await h.tg.wait_for(lambda c: c.method == "answerCallbackQuery", mark)
    assert answer.params.get("show_alert")
    ask = await u.reply("/baocao")
    mark = await u.press(ask, "Hôm nay")
    form_q = await h.tg.wait_for(lambda c: c.chat_id == u.id and "Bước 2/6" in c.text, mark)
    mark = await u.press_data("rg:form:99")  # forged index inside the conversation
    answer = await h.tg.wait_for(lambda c: c.method == "answerCallbackQuery", mark)
    assert "không hợp lệ" in answer.params["text"]
    assert form_q is not None and count(h, ReportDraft) == 0


# ---------------------------------------------------------------- own reports
async def test_edit_and_delete_within_window_are_audited(bot_sqlite):
    h = bot_sqlite
    u = await h.member(UNIT, "Nguyễn Văn An", reporter=True)
    colleague = await h.member(UNIT, "Đỗ Văn Em")
    await quick(h, u, "hôm nay | Hội nghị | Quán triệt Chỉ thị 30 | 45")
    [r] = stored(h)
    listing = await u.reply("/baocao_cua_toi")
    assert "Quán triệt Chỉ thị 30" in listing.text and "Nguyễn Văn An" in listing.text
    mark = await u.press(listing, f"Sửa số {r.id}")
    prompt = await u.next_reply(mark)
    assert "Quán triệt Chỉ thị 30 | 45" in prompt.text
    reply = await u.reply("hôm nay | Hội nghị | Quán triệt Chỉ thị 30-CT/TW (bổ sung) | 50")
    assert "Đã sửa báo cáo" in reply.text
    [r] = stored(h)
    assert (r.content, r.participants) == ("Quán triệt Chỉ thị 30-CT/TW (bổ sung)", 50)
    assert r.updated_at is not None
    # A colleague of the same unit sees it but has no buttons, and a forged delete is refused.
    other_listing = await colleague.reply("/baocao_cua_toi")
    assert "bổ sung" in other_listing.text and not other_listing.buttons()
    mark = await colleague.press_data(f"rep:delok:{r.id}")
    alert = await h.tg.wait_for(lambda c: c.method == "answerCallbackQuery", mark)
    assert "Chỉ người đã gửi" in alert.params["text"]
    mark = await u.press(listing, f"Xóa số {r.id}")
    ask = await u.next_reply(mark)
    mark = await u.press(ask, "🗑 Xóa")
    await h.tg.wait_for(lambda c: c.chat_id == u.id and "Đã xóa" in c.text, mark)
    [r] = stored(h)
    assert r.deleted_at is not None
    with h.loa.db.session() as s:
        audit = s.scalars(select(ReportAudit).order_by(ReportAudit.id)).all()
        assert [a.action for a in audit] == ["create", "edit", "delete"]
        assert audit[1].before["participants"] == 45 and audit[1].after["participants"] == 50
        assert audit[2].after["deleted_at"] is not None
    assert "chưa có báo cáo" in (await u.reply("/baocao_cua_toi")).text


async def test_edit_outside_window_is_refused(bot_sqlite):
    h = bot_sqlite
    u = await h.member(UNIT, reporter=True)
    await quick(h, u, "hôm nay | Hội nghị | Quán triệt Chỉ thị 30 | 45")
    listing = await u.reply("/baocao_cua_toi")
    [r] = stored(h)
    hours = h.loa.settings.report_edit_hours
    with h.loa.db.session() as s:
        s.get(Report, r.id).created_at = r.created_at - timedelta(hours=hours, minutes=1)
    mark = await u.press(listing, f"Sửa số {r.id}")
    alert = await h.tg.wait_for(lambda c: c.method == "answerCallbackQuery", mark)
    assert f"quá {hours} giờ" in alert.params["text"]
    mark = await u.press_data(f"rep:delok:{r.id}")
    alert = await h.tg.wait_for(lambda c: c.method == "answerCallbackQuery", mark)
    assert f"quá {hours} giờ" in alert.params["text"]
    assert not (await u.reply("/baocao_cua_toi")).buttons()
    [after] = stored(h)
    assert after.deleted_at is None and after.content == "Quán triệt Chỉ thị 30"
    assert count(h, ReportAudit) == 1


async def test_edit_with_invalid_line_keeps_report_and_waits(bot_sqlite):
    h = bot_sqlite
    u = await h.member(UNIT, reporter=True)
    await quick(h, u, "hôm nay | Hội nghị | Quán triệt | 45")
    [r] = stored(h)
    listing = await u.reply("/baocao_cua_toi")
    await u.next_reply(await u.press(listing, "Sửa"))
    reply = await u.reply("hôm nay | Hội nghị | Quán triệt | không biết")
    assert "<b>Số người</b>" in reply.text
    assert stored(h)[0].participants == 45
    # A question typed while the edit waits is not taken as the replacement line.
    reply = await u.reply("Chỉ thị 30 do ai ban hành?", timeout=60)
    assert "Số người" not in reply.text and "4 phần" not in reply.text
    assert stored(h)[0].participants == 45
    reply = await u.reply("/huy")
    assert "thôi sửa" in reply.text
    assert count(h, ReportAudit) == 1


# ---------------------------------------------------------------- hostile input
async def test_hostile_text_is_escaped_cleaned_and_bounded(bot_sqlite):
    h = bot_sqlite
    u = await h.member(UNIT, reporter=True)
    limit = h.loa.settings.report_content_max
    # Markup and entities are shown as typed and stored as typed; NUL and zero-width-only refused.
    content = "<b>Họp</b> & <a href='x'>tổ</a> 'dân' \"phố\"; DROP TABLE reports; --"
    done = await quick(h, u, f"hôm nay | Hội nghị | {content} | 12 | 😀 ghi\x00 chú")
    assert "&lt;b&gt;Họp&lt;/b&gt; &amp; &lt;a href='x'&gt;" in done.text
    [r] = stored(h)
    assert r.content == content and r.note == "😀 ghi chú"
    for line in ("hôm nay | Hội nghị | \u200b\u200b | 12", "hôm nay | Hội nghị | \x00 | 12"):
        assert "<b>Nội dung</b> đang để trống" in (await u.reply("/baocao " + line)).text
    huge = await u.reply("/baocao hôm nay | Hội nghị | " + "a" * 10_000 + " | 5")
    assert "<b>Nội dung</b> dài 10000 ký tự" in huge.text
    # The longest allowed content, all characters that grow when escaped, still confirms.
    worst = "&<a" * (limit // 3)
    preview = await u.reply(f"/baocao hôm nay | Khác | {worst} | 5 | " + "&b" * (limit // 2))
    mark = await u.press(preview, "Lưu")
    confirmation = await saved_message(h, u, mark)
    assert len(confirmation.text) <= 4096
    assert len(stored(h)) == 2 and stored(h)[1].content == worst
    assert h.tg.sent(chat_id=u.id, since=mark)[-1].text == confirmation.text  # no error after it


async def test_unconfirmed_drafts_are_purged_and_saved_ones_kept(bot):
    u = await bot.member(UNIT, reporter=True)
    d = ddmmyyyy(today(bot))
    await quick(bot, u, LINE.format(d=d))
    stale = await u.reply("/baocao " + LINE.format(d=d).replace("45", "12"))
    cancelled = await u.reply("/baocao " + LINE.format(d=d).replace("45", "13"))
    await u.press(cancelled, "Hủy")
    fresh = await u.reply("/baocao " + LINE.format(d=d).replace("45", "14"))
    assert count(bot, ReportDraft) == 4
    later = bot.loa.reports.now() + timedelta(days=8)
    with bot.loa.db.session() as s:  # the fresh draft was made just now, not 8 days ago
        s.get(ReportDraft, int(fresh.button("Lưu")["callback_data"].rsplit(":", 1)[1])) \
            .created_at = later
    assert bot.loa.reports.purge_drafts(days=7, now=later) == 2
    assert count(bot, ReportDraft) == 2  # the saved one and the fresh one
    assert count(bot, Report) == 1
    # ✅ on a purged draft saves nothing and says so.
    mark = await u.press(stale, "Lưu")
    answer = await bot.tg.wait_for(lambda c: c.method == "answerCallbackQuery", mark)
    assert answer.params.get("text")
    assert count(bot, Report) == 1


# ---------------------------------------------------------------- state that survives a restart
async def test_guided_entry_continues_after_a_restart(db_url, shared_kb):
    from bot.db.models import ConversationState, UserState
    from tests.conftest import eventually, make_settings, start_harness, stop_harness
    from tests.faketg import FakeTelegram
    settings = make_settings(db_url, shared_kb)
    tg = await FakeTelegram().start()
    h = await start_harness(settings, shared_kb, tg=tg)
    try:
        u = await h.member(UNIT, "Lê Văn Tám", reporter=True)
        ask = await u.reply("/baocao")
        mark = await u.press(ask, "Hôm nay")
        form_q = await h.tg.wait_for(lambda c: c.chat_id == u.id and "Bước 2/6" in c.text, mark)
        mark = await u.press(form_q, "Hội nghị")
        await h.tg.wait_for(lambda c: c.chat_id == u.id and "Bước 3/6" in c.text, mark)
        assert "Bước 4/6" in (await u.reply("Quán triệt Chỉ thị 30 <trước khi khởi động lại>")).text
        # Written as soon as the step is done, not when the bot stops.
        def form() -> tuple:
            with h.loa.db.read() as s:
                data = s.scalar(select(UserState.data).where(UserState.user_id == u.id)) or {}
                return (data.get("report_draft", {}).get("content"),
                        s.scalar(select(ConversationState.state)
                                 .where(ConversationState.name == "reports")))
        # user_data and the conversation state are two writes: wait for both.
        expected = ("Quán triệt Chỉ thị 30 <trước khi khởi động lại>", 3)  # PARTICIPANTS
        assert await eventually(lambda: form() == expected), form()
    finally:
        await stop_harness(h, stop_server=False)
    h = await start_harness(settings, shared_kb, tg=tg)
    try:
        note_q = await u.reply("45")             # the next step, in the new process
        assert "Ghi chú" in note_q.text
        mark = await u.press(note_q, "Bỏ qua")
        photos_q = await h.tg.wait_for(lambda c: c.chat_id == u.id and "ảnh" in c.text, mark)
        mark = await u.press(photos_q, "Xong")
        preview = await h.tg.wait_for(lambda c: c.chat_id == u.id and "Kiểm tra" in c.text, mark)
        assert "&lt;trước khi khởi động lại&gt;" in preview.text
        mark = await u.press(preview, "Lưu")
        await saved_message(h, u, mark)
        [r] = stored(h)
        assert (r.form, r.content, r.participants) == (
            "Hội nghị", "Quán triệt Chỉ thị 30 <trước khi khởi động lại>", 45)
        # The finished form leaves nothing behind.
        assert await eventually(lambda: form() == (None, None))
    finally:
        await stop_harness(h)
