"""Loa on Zalo, end to end against the fake Zalo Bot API: joining by code, answers with typed
choices, broadcasts once with "đã nắm", quick and guided reports, the board on Zalo, the
webhook's secret and repeats, and Telegram and Zalo members side by side."""
from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import select

from bot.db.models import Delivery, InboxItem, Member, Question, Report
from bot.services.broadcasts import Draft
from bot.address import is_zalo
from bot.zalo.conversation import is_ack
from bot.zalo.render import pieces, plain
from tests.conftest import ADMIN_ID, eventually
from tests.faketg import FakeUser
from tests.zaloharness import SECRET, running_zalo

ANSWERABLE = "nhiệm vụ của các chi bộ, đảng bộ cơ sở"


def _deliveries(loa, broadcast_id):
    with loa.db.read() as s:
        return list(s.execute(select(Delivery.member_id, Delivery.state, Delivery.acked_at)
                              .where(Delivery.broadcast_id == broadcast_id)).all())


# ------------------------------------------------------------------ pure parts
def test_pieces_cut_at_sentences_within_2000():
    sentence = "Đây là một câu khá dài nói về nhiệm vụ tuyên truyền miệng của chi bộ. "
    text = "Tiêu đề\n" + sentence * 80 + "\n" + "x" * 4500
    parts = pieces(text)
    assert all(0 < len(p) <= 2000 for p in parts)
    assert "".join(p.replace("\n", "").replace(" ", "") for p in parts) == \
        text.replace("\n", "").replace(" ", "")
    assert parts[0].endswith(".")            # the long line was cut after a sentence


def test_plain_drops_tags_keeps_text_and_links():
    assert plain("<b>Đậm</b> &lt;b&gt; <a href=\"https://x.vn/a\">trang</a>") == \
        "Đậm <b> trang (https://x.vn/a)"


@pytest.mark.parametrize("text", ["đã nắm", "Da nam", "đã nắm ạ", "em đã nắm rồi", "đã nhận"])
def test_typed_acknowledgements(text):
    assert is_ack(text)


@pytest.mark.parametrize("text", ["năm nay có gì mới", "đã nắm được nội dung gì chưa ạ?",
                                  "nam dinh"])
def test_questions_are_not_acknowledgements(text):
    assert not is_ack(text)


# ------------------------------------------------------------------ Zalo alone
async def test_zalo_only_member_joins_asks_reads_acks_and_reports(db_url, shared_kb):
    """Only LOA_ZALO_BOT_TOKEN: join by code, an answer with typed choices, the section in
    full, a broadcast once and "đã nắm", a quick report the board's summary counts."""
    async with running_zalo(db_url, shared_kb, mode="polling") as h:
        loa = h.loa
        assert h.app.updater is None               # no Telegram at all
        stranger = h.user("Người lạ")
        assert "mã mời" in await stranger.say("xin chao")
        u = h.user()
        joined = await u.join(reporter=True)
        assert "Chi bộ Khu phố 1" in joined and "/baocao" in joined
        m = loa.members.get(u.key())
        assert m is not None and is_zalo(m.chat_id)

        answer = await u.say(ANSWERABLE)
        assert "Trích văn bản" in answer and "Gõ 1" in answer and "<" not in answer
        # The same passage Telegram would quote: the service's answer, rendered as plain text.
        same = loa.questions.ask(u.key(), m.chat_id, "", ANSWERABLE)
        assert plain(same.passages[0].excerpt or same.passages[0].text)[:60] in answer
        section = await u.say("1")
        assert "Toàn văn" in section or "toàn văn" in section.lower() or len(section) > 200
        assert all(len(c.text) <= 2000 for c in h.zalo.sent(u.id))

        info = loa.broadcasts.queue(None, Draft(text="<b>Điểm chính</b> tháng 12: học Chỉ thị 30."))
        call = await h.zalo.wait_for(lambda c: c.chat_id == u.id and "Điểm chính" in c.text)
        assert "đã nắm" in call.text and "<b>" not in call.text
        rows = await eventually(lambda: [r for r in _deliveries(loa, info.id) if r.state == "sent"])
        assert len(rows) == 1
        acked = await u.say("đã nắm")
        assert "Đã ghi nhận" in acked and "Điểm chính" in acked
        assert _deliveries(loa, info.id)[0].acked_at is not None
        assert "Chưa có nội dung" in await u.say("da nam")
        await asyncio.sleep(0.3)
        assert len([c for c in h.zalo.sent(u.id)
                    if "Điểm chính tháng 12" in c.text and "👉" in c.text]) == 1

        preview = await u.say("/baocao hôm nay | Hội nghị | Quán triệt Chỉ thị 30 | 45")
        assert "Kiểm tra báo cáo" in preview and "Gõ 1" in preview
        saved = await u.say("1")
        assert "Đã lưu báo cáo số" in saved
        again = await u.say("1")             # a repeated "1" saves nothing more
        with loa.db.read() as s:
            assert len(s.scalars(select(Report)).all()) == 1
        assert "Đã lưu" not in again
        summary = loa.reports.summary(loa.reports.period(None))
        assert summary.count == 1
        from bot.services.exports import to_csv
        csv = to_csv(loa.reports.reports(loa.reports.period(None)), loa.settings.tz).decode("utf-8-sig")
        assert "Quán triệt Chỉ thị 30" in csv and "Trần Thị Bình" in csv
        mine = await u.say("/baocao_cua_toi")
        assert "Quán triệt Chỉ thị 30" in mine


async def test_guided_report_as_numbered_steps_with_a_photo(db_url, shared_kb):
    async with running_zalo(db_url, shared_kb) as h:
        u = h.user()
        await u.join(reporter=True)
        assert "bước 1/5" in (await u.say("/baocao")).lower()
        assert "Gõ số" in await u.say("1")
        assert "Nội dung" in await u.say("2")
        assert "người" in await u.say("Sinh hoạt chuyên đề về Chỉ thị 30")
        bad = await u.say("bốn mươi")
        assert "Bước 5/5" not in bad                     # refused, asked again
        assert "Bước 5/5" in await u.say("38")
        assert "Đã nhận ảnh (1)" in await u.photo("https://zalo.example/p/1.jpg")
        preview = await u.say("Tại nhà văn hóa thôn")
        assert "Sinh hoạt chi bộ" in preview and "38" in preview and "Ảnh" in preview
        assert "Đã hủy" in await u.say("2")
        with h.loa.db.read() as s:
            assert s.scalars(select(Report)).all() == []
        assert "Không có việc" in await u.say("/huy")


async def test_not_answered_goes_to_board_on_zalo_who_answers_by_typing(db_url, shared_kb):
    """A question nothing answers reaches the board member on Zalo with what to type; /traloi
    delivers the answer to the asker."""
    async with running_zalo(db_url, shared_kb) as h:
        loa = h.loa
        board = h.user("Lê Văn Ban")
        loa.members.add_unit("Đảng ủy xã An Bình")
        await board.join("Đảng ủy xã An Bình", admin=True)
        loa.members.add_unit("Chi bộ Thôn 1", parent="Đảng ủy xã An Bình")
        asker = h.user("Phạm Thị Hỏi")
        await asker.join("Chi bộ Thôn 1")
        mark = h.zalo.mark()
        reply = await asker.say("giá lúa vụ đông năm nay bao nhiêu một cân")
        if "3 để gửi câu hỏi cho Ban" in reply:     # shown as related: the asker sends it on
            reply = await asker.say("3")
        assert "đã được chuyển đến" in reply, reply
        notice = await h.zalo.wait_for(lambda c: c.chat_id == board.id and "/traloi" in c.text,
                                       since=mark)
        with loa.db.read() as s:
            qid = s.scalar(select(Question.id).where(Question.status == "open"))
        assert f"/traloi {qid}" in notice.text
        assert "Đã" in await board.say(f"/traloi {qid} Giá lúa do thị trường quyết định.")
        got = await h.zalo.wait_for(lambda c: c.chat_id == asker.id and "thị trường" in c.text)
        assert "<" not in got.text
        # Saved to the FAQ, the board's answer serves the next Zalo member who asks the same.
        loa.questions.save_faq(None, qid)
        other = h.user("Đỗ Văn Sau")
        await other.join("Chi bộ Thôn 1")
        faq = await other.say("giá lúa vụ đông năm nay bao nhiêu một cân")
        assert "thị trường" in faq and "<" not in faq
        assert "chỉ dành cho Ban" in await asker.say(f"/traloi {qid} tôi tự trả lời")


# ------------------------------------------------------------------ the webhook
async def test_webhook_secret_unknown_events_and_repeats(db_url, shared_kb):
    async with running_zalo(db_url, shared_kb, mode="webhook") as h:
        u = h.user()
        body = h.zalo.text_event(u.id, "xin chào")
        assert (await h.post(body, secret="wrong-secret"))[0] in (401, 403)
        assert (await h.post(body, secret=None))[0] in (401, 403)
        assert h.received() == 0 and h.zalo.sent(u.id) == []
        status, _ = await h.post({"ok": True, "result": {"event_name": "user.follow",
                                                         "message": {"message_id": "zz1"}}})
        assert status == 200 and h.received() == 0
        assert (await h.post({}, raw=b"{not json"))[0] == 400
        assert (await h.post({}, raw=b"x" * 70_000))[0] == 413
        mark = h.zalo.mark()
        assert (await h.post(body))[0] == 200
        assert (await h.post(body))[0] == 200            # Zalo delivers the same event again
        await h.settled(1)
        await asyncio.sleep(0.3)
        assert h.received() == 1
        assert len(h.zalo.sent(u.id, since=mark)) == 1


async def test_events_stored_but_not_handled_are_handled_at_start(db_url, shared_kb):
    """An event acknowledged just before a crash is handled when Loa starts again, once."""
    async with running_zalo(db_url, shared_kb, mode="webhook") as h:
        u = h.user()
        await u.say("xin chào")
        body = h.zalo.text_event(u.id, "cảm ơn")
        h.loa.inbox.receive("zalo", body["result"]["message"]["message_id"], body["result"])
    async with running_zalo(db_url, shared_kb, mode="webhook") as h2:
        await h2.settled(2)
        got = await h2.zalo.wait_for(lambda c: c.chat_id == u.id)
        assert got.text
        with h2.loa.db.read() as s:
            assert all(e.handled_at for e in s.scalars(select(InboxItem)))


# ------------------------------------------------------------------ both channels
async def test_one_broadcast_reaches_telegram_and_zalo_members_once(db_url, shared_kb):
    async with running_zalo(db_url, shared_kb, mode="webhook", telegram=True) as h:
        loa = h.loa
        loa.members.add_unit("Chi bộ Khu phố 1")
        inv = loa.members.create_invite("Chi bộ Khu phố 1")
        tg_user = FakeUser(h.tg, 5_100_001, "Nguyễn Văn Tê")
        assert "Chi bộ Khu phố 1" in (await tg_user.reply(f"/start {inv.code}")).text
        z_users = [h.user(f"Zalo {i}") for i in range(3)]
        for z in z_users:
            await z.say(inv.code)                        # the bare code joins too
        with loa.db.read() as s:
            assert s.scalar(select(Member).where(Member.telegram_id == z_users[0].key())) is not None
        # The same question, the same passage on both channels.
        tg_answer = (await tg_user.reply(ANSWERABLE)).text
        z_answer = await z_users[0].say(ANSWERABLE)
        assert plain(tg_answer).split("\n")[1][:50] in z_answer

        info = loa.broadcasts.queue(None, Draft(text="Lịch học tập Nghị quyết tháng 12."))
        rows = await eventually(lambda: [r for r in _deliveries(loa, info.id) if r.state == "sent"]
                                if len([r for r in _deliveries(loa, info.id)
                                        if r.state == "sent"]) == 4 else [])
        assert len(rows) == 4
        await asyncio.sleep(0.5)
        for z in z_users:
            assert len([c for c in h.zalo.sent(z.id) if "Lịch học tập" in c.text]) == 1
        tg_got = [c for c in h.tg.sent(tg_user.id) if "Lịch học tập" in (c.text or "")]
        assert len(tg_got) == 1 and tg_got[0].buttons()      # Telegram keeps its ✅ button
        status = loa.broadcasts.stats(info.id)
        assert status.delivered == 4


async def test_a_telegram_member_links_zalo_and_stays_one_member(db_url, shared_kb):
    """/lienket on Telegram gives a code; typed to the Zalo bot it links the accounts: one
    member, broadcasts now on Zalo, the board's list says so."""
    async with running_zalo(db_url, shared_kb, mode="webhook", telegram=True) as h:
        loa = h.loa
        loa.members.add_unit("Chi bộ Khu phố 1")
        inv = loa.members.create_invite("Chi bộ Khu phố 1")
        tg_user = FakeUser(h.tg, 5_100_002, "Hoàng Văn Nối")
        await tg_user.reply(f"/start {inv.code}")
        code_msg = (await tg_user.reply("/lienket")).text
        code = code_msg.split("Zalo của bạn: ")[1].split()[0]
        z = h.user("Hoàng Văn Nối (Zalo)")
        assert "Mã liên kết không đúng" in await z.say("/lienket 00000000")
        assert "Đã liên kết" in await z.say(f"/lienket {code}")
        assert "không đúng" in await h.user("Kẻ khác").say(f"/lienket {code}")   # one use
        with loa.db.read() as s:
            members = s.scalars(select(Member)).all()
        assert len(members) == 1 and members[0].telegram_id == tg_user.id
        assert is_zalo(members[0].chat_id)
        assert "Chi bộ Khu phố 1" in await z.say("/start")           # known on Zalo too
        info = loa.broadcasts.queue(None, Draft(text="Tin sau khi liên kết"))
        await h.zalo.wait_for(lambda c: c.chat_id == z.id and "Tin sau khi liên kết" in c.text)
        await eventually(lambda: [r for r in _deliveries(loa, info.id) if r.state == "sent"])
        assert not [c for c in h.tg.sent(tg_user.id) if "Tin sau khi" in (c.text or "")]
        z2 = h.user("Chỉ dùng Zalo")
        await z2.say(inv.code)
        admin = FakeUser(h.tg, ADMIN_ID, "Ban Tuyên giáo")
        listing = (await admin.reply("/thanhvien")).text
        assert "Hoàng Văn Nối – Chi bộ Khu phố 1 · Zalo" in listing
        assert "Chỉ dùng Zalo – Chi bộ Khu phố 1 · Zalo" in listing


async def test_zalo_send_rate_is_kept_and_a_blocked_member_is_marked(db_url, shared_kb):
    """With LOA_ZALO_SEND_RATE at the fake's limit a broadcast never meets "too many"; a member
    Zalo refuses (403) is marked unreachable, not retried."""
    from tests.test_zalo_crash import add_zalo_members
    async with running_zalo(db_url, shared_kb, zalo_send_rate=10.0) as h:
        loa = h.loa
        h.zalo.limits, h.zalo.rate = True, 10.0
        loa.members.add_unit("Chi bộ Khu phố 1")
        chats = add_zalo_members(loa.db, 25)
        blocked_address, blocked_chat = next(iter(chats.items()))
        h.zalo.fail("sendMessage", code=403, chat_id=blocked_chat, description="user blocked bot")
        info = loa.broadcasts.queue(None, Draft(text="Nhịp gửi Zalo"))
        def done():
            rows = _deliveries(loa, info.id)
            return len(rows) == 25 and all(r.state in ("sent", "unreachable") for r in rows)
        await eventually(done, timeout=30)
        states = [r.state for r in _deliveries(loa, info.id)]
        assert states.count("unreachable") == 1 and states.count("sent") == 24
        assert h.zalo.throttled == 0
        with loa.db.read() as s:
            m = s.scalar(select(Member).where(Member.chat_id == blocked_address))
        assert m.unreachable


async def test_loa_zalo_webhook_set_info_delete_and_invite_line(monkeypatch, tmp_path, capsys):
    from bot.cli import main
    from tests.fakezalo import TOKEN as ZTOKEN, FakeZalo
    zalo = await FakeZalo().start()
    try:
        monkeypatch.chdir(tmp_path)
        for k, v in dict(LOA_ZALO_BOT_TOKEN=ZTOKEN, LOA_ZALO_API_URL=zalo.api_url,
                         LOA_ZALO_WEBHOOK_SECRET=SECRET, TELEGRAM_BOT_TOKEN="",
                         LOA_WEB_URL="http://127.0.0.1:8080",
                         LOA_DATABASE_URL=f"sqlite:///{tmp_path / 'loa.db'}").items():
            monkeypatch.setenv(k, v)
        assert await asyncio.to_thread(main, ["zalo", "webhook", "set"]) == 2   # not HTTPS
        assert "HTTPS" in capsys.readouterr().out and zalo.webhook in (None, "")
        monkeypatch.setenv("LOA_WEB_URL", "https://loa.example.vn/desk")
        assert await asyncio.to_thread(main, ["zalo", "webhook", "set"]) == 0
        assert zalo.webhook == "https://loa.example.vn/desk/zalo/webhook"
        assert zalo.webhook_secret == SECRET
        assert await asyncio.to_thread(main, ["zalo", "webhook", "info"]) == 0
        assert "https://loa.example.vn/desk/zalo/webhook" in capsys.readouterr().out
        assert await asyncio.to_thread(main, ["zalo", "webhook", "delete"]) == 0
        assert not zalo.webhook
        assert await asyncio.to_thread(main, ["units", "add", "Chi bộ Thôn 2"]) == 0
        assert await asyncio.to_thread(main, ["invite", "Chi bộ Thôn 2"]) == 0
        out = capsys.readouterr().out
        code = out.split("Mã mời:")[1].split()[0]
        assert f"/start {code}" in out and "t.me" not in out    # Zalo only: no Telegram link
        assert not [c for c in zalo.calls if ZTOKEN in json.dumps(c.params)]
    finally:
        await zalo.stop()


async def test_key_points_flood_limit_and_monthly_reminder_on_zalo(db_url, shared_kb):
    from datetime import datetime
    from bot.jobs import send_reminders
    from bot.services.reports import month_period
    async with running_zalo(db_url, shared_kb, flood_limit=12) as h:
        loa = h.loa
        u = h.user()
        await u.join(reporter=True)
        listing = await u.say("/diemchinh")
        assert "1. " in listing and "Gõ số" in listing
        outline = await u.say("1")
        assert "Điểm chính" in outline and all(len(c.text) <= 2000 for c in h.zalo.sent(u.id))
        assert "Không có lệnh" in await u.say("/lenhla")
        assert "Telegram" in await u.say("/tonghop")          # board work: desk or Telegram

        settings = loa.settings
        t = loa.reports.today()
        hh, mm = (int(x) for x in settings.reminder_time.split(":"))
        day = min(settings.reminder_day, month_period(t.year, t.month).end.day)
        mark = h.zalo.mark()
        run = await send_reminders(h.app, datetime(t.year, t.month, day, hh, mm, tzinfo=settings.tz))
        assert [x.unit_name for x in run.reminded] == ["Chi bộ Khu phố 1"]
        got = await h.zalo.wait_for(lambda c: c.chat_id == u.id, since=mark)
        assert "Chi bộ Khu phố 1" in got.text and "<b>" not in got.text

        replies = [await u.say(f"xin chào {i}") for i in range(8)]
        assert any("gửi hơi nhanh" in r for r in replies)
        assert sum("gửi hơi nhanh" in r for r in replies) == 1     # warned once, then quiet


async def test_a_report_typed_on_zalo_is_offered_as_a_report(db_url, shared_kb):
    async with running_zalo(db_url, shared_kb) as h:
        u = h.user()
        await u.join(reporter=True)
        offer = await u.say("Báo cáo: hôm nay chi bộ tổ chức hội nghị quán triệt Chỉ thị 30, "
                            "42 người dự")
        assert "Lưu làm báo cáo?" in offer and "Gõ 1" in offer
        assert "Đã lưu báo cáo" in await u.say("1")
        with h.loa.db.read() as s:
            assert s.scalar(select(Report.participants)) == 42
            assert s.scalars(select(Question)).all() == []
