"""One bot for a whole province, through Telegram: a unit tree imported from CSV, commune boards
joined by --admin invites, broadcasts and questions kept inside each board's subtree, a commune's
own documents answering only that commune, and every cross-scope attempt refused."""
from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.db.models import ROLE_ADMIN, Delivery, Faq, Member, Question, Unit
from bot.errors import NotAllowed
from bot.services.broadcasts import Draft
from bot.texts import province as TP
from tests.conftest import eventually, running_bot

PROVINCE = "Ban Tuyên giáo và Dân vận Tỉnh ủy"
AN_BINH = "Đảng ủy xã An Bình"
BINH_MINH = "Đảng ủy xã Bình Minh"
# Children before their parents, one chi bộ name in both communes (unique among siblings only).
TREE_CSV = (
    "name,parent,kind\n"
    f"Chi bộ Thôn 1,{AN_BINH},chi_bo\n"
    f"{PROVINCE},,tinh\n"
    f"{AN_BINH},{PROVINCE},xa_phuong\n"
    f"{BINH_MINH},{PROVINCE},xa_phuong\n"
    f"Chi bộ Thôn 1,{BINH_MINH},chi_bo\n"
    f"Chi bộ Thôn 2,{BINH_MINH},\n"
)
UNANSWERABLE = "Phụ cấp hàng tháng cho tuyên truyền viên là bao nhiêu tiền?"


def unit_id(h, name: str, parent: str | None = None) -> int:
    with h.loa.db.read() as s:
        rows = s.execute(select(Unit.id, Unit.parent_id).where(Unit.name == name)).all()
        if parent is None:
            [(uid, _)] = rows
            return uid
        pid = s.scalar(select(Unit.id).where(Unit.name == parent))
        return next(uid for uid, p in rows if p == pid)


def cli(*argv: str) -> int:
    return main(list(argv))


async def import_tree(h, tmp_path, monkeypatch, capsys) -> str:
    """`loa units import` of TREE_CSV into the bot's database; returns what it printed."""
    monkeypatch.setenv("LOA_DATABASE_URL", h.loa.settings.database_url)
    monkeypatch.setenv("LOA_BOT_USERNAME", "loa_test_bot")
    monkeypatch.chdir(tmp_path)
    csv_file = tmp_path / "don-vi.csv"
    csv_file.write_text(TREE_CSV, encoding="utf-8")
    assert await asyncio.to_thread(cli, "units", "import", str(csv_file)) == 0
    return capsys.readouterr().out


async def join_link(user, link_text: str) -> str:
    code = re.search(r"start=([\w-]+)", link_text).group(1)
    return (await user.reply(f"/start {code}")).text


async def setup_province(h, tmp_path, monkeypatch, capsys):
    """The tree, a board for each commune (one by chat /moi --admin, one by the CLI), and a
    member in each chi bộ joined by the commune board's own invite."""
    out = await import_tree(h, tmp_path, monkeypatch, capsys)
    await h.admin.reply("/start")
    a_board = h.user("Trần Thị Ân")
    link = await h.admin.reply(f"/moi {AN_BINH} --admin")
    assert "thành viên Ban" in link.text
    assert "Bạn đã là thành viên <b>Ban Xây dựng Đảng Đảng ủy xã" in await join_link(a_board, link.text)
    b_board = h.user("Lê Văn Bình")
    assert await asyncio.to_thread(cli, "invite", BINH_MINH, "--admin") == 0
    printed = capsys.readouterr().out
    assert "thành viên Ban của đơn vị" in printed and f"{PROVINCE} › {BINH_MINH}" in printed
    assert "Bạn đã là thành viên <b>Ban Xây dựng Đảng Đảng ủy xã" in await join_link(b_board, printed)
    # A commune board's invite for "Chi bộ Thôn 1" is its own (the other commune has one too).
    a1 = h.user("Nguyễn Văn A1")
    link = await a_board.reply("/moi Chi bộ Thôn 1")
    assert "Chi bộ Thôn 1" in await join_link(a1, link.text)
    b1, b2 = h.user("Phạm Văn B1"), h.user("Hoàng Thị B2")
    link = await b_board.reply("/moi Chi bộ Thôn 1")
    await join_link(b1, link.text)
    link = await b_board.reply("/moi Chi bộ Thôn 2")
    await join_link(b2, link.text)
    with h.loa.db.read() as s:
        m = {r.telegram_id: r for r in s.scalars(select(Member))}
    assert m[a_board.id].role == ROLE_ADMIN and m[a_board.id].board_unit_id == unit_id(h, AN_BINH)
    assert m[b_board.id].board_unit_id == unit_id(h, BINH_MINH)
    assert m[a1.id].unit_id == unit_id(h, "Chi bộ Thôn 1", AN_BINH)
    assert m[b1.id].unit_id == unit_id(h, "Chi bộ Thôn 1", BINH_MINH)
    return out, a_board, b_board, a1, b1, b2


async def test_csv_tree_boards_and_unit_scope(bot, tmp_path, monkeypatch, capsys):
    h = bot
    out, a_board, b_board, a1, b1, b2 = await setup_province(h, tmp_path, monkeypatch, capsys)
    assert "Đã thêm 6 đơn vị; 0 đơn vị đã có từ trước." in out
    assert f"{PROVINCE} › {AN_BINH} › Chi bộ Thôn 1" in out
    # Idempotent: a second import updates, never duplicates.
    assert await asyncio.to_thread(cli, "units", "import", str(tmp_path / "don-vi.csv")) == 0
    assert "Đã thêm 0 đơn vị; 6 đơn vị đã có từ trước." in capsys.readouterr().out
    assert await asyncio.to_thread(cli, "units", "list") == 0
    listing = capsys.readouterr().out
    assert f"\t{PROVINCE}\ttinh" in listing
    assert f"\t  {AN_BINH}\txa_phuong" in listing and "\t    Chi bộ Thôn 1\tchi_bo" in listing
    # Errors name the line; nothing of the file is written.
    bad = tmp_path / "sai.csv"
    bad.write_text("name,parent\nChi bộ Mới,Đảng ủy xã Không Có\n", encoding="utf-8")
    assert await asyncio.to_thread(cli, "units", "import", str(bad)) == 2
    err = capsys.readouterr().err
    assert "Dòng 2" in err and "Đảng ủy xã Không Có" in err
    deep = tmp_path / "sau.csv"
    deep.write_text(f"name,parent\nTổ 1,Chi bộ Thôn 2\nNhóm 1,Tổ 1\n", encoding="utf-8")
    assert await asyncio.to_thread(cli, "units", "import", str(deep)) == 2
    err = capsys.readouterr().err
    assert "Dòng 3" in err and "tối đa 4 cấp" in err
    nameless = tmp_path / "thieu.csv"
    nameless.write_text("name,parent\nChi bộ Mới,\n,Xã\n", encoding="utf-8")
    assert await asyncio.to_thread(cli, "units", "import", str(nameless)) == 2
    err = capsys.readouterr().err
    assert "Dòng 3" in err and "thiếu tên" in err
    with h.loa.db.read() as s:
        assert s.scalar(select(Unit.id).where(Unit.name.in_(["Chi bộ Mới", "Tổ 1"]))) is None

    # The commune board sees and changes only its own subtree.
    units = await a_board.reply("/donvi")
    assert AN_BINH in units.text and "Chi bộ Thôn 1" in units.text
    assert BINH_MINH not in units.text and "Thôn 2" not in units.text and PROVINCE not in units.text
    added = await a_board.reply("/donvi_them Tổ 1 | Chi bộ Thôn 1")
    assert "Đã thêm đơn vị <b>Tổ 1</b>" in added.text and "An Bình" in added.text
    assert unit_id(h, "Tổ 1", "Chi bộ Thôn 1") in h.loa.members.scope(a_board.id).unit_ids
    refused = await a_board.reply(f"/donvi_them Chi bộ Thôn 9 | {BINH_MINH}")
    assert "không thuộc phạm vi" in refused.text
    refused = await a_board.reply("/moi Chi bộ Thôn 2 --admin")
    assert "không thuộc phạm vi" in refused.text and "Chi bộ Thôn 2" in refused.text
    members = await a_board.reply("/thanhvien")
    assert "Nguyễn Văn A1" in members.text and "Phạm Văn B1" not in members.text
    b1_id = h.loa.members.get(b1.id).id
    refused = await a_board.reply(f"/thanhvien_ngung {b1_id}")
    assert "không thuộc phạm vi" in refused.text
    assert h.loa.members.get(b1.id).active
    province_admin_id = h.loa.members.get(h.admin.id).id
    refused = await a_board.reply(f"/thanhvien_ngung {province_admin_id}")
    assert "không thuộc phạm vi" in refused.text
    # The province sees the whole tree, indented.
    units = await h.admin.reply("/donvi")
    assert f"\n    " in units.text and BINH_MINH in units.text and AN_BINH in units.text
    # A name two communes share needs its path from the province; the path works.
    ambiguous = await h.admin.reply("/moi Chi bộ Thôn 1")
    assert "Có nhiều đơn vị tên" in ambiguous.text and f"{BINH_MINH} › Chi bộ Thôn 1" in ambiguous.text
    link = await h.admin.reply(f"/moi {BINH_MINH} › Chi bộ Thôn 1")
    assert "Mã mời cho <b>Chi bộ Thôn 1</b>" in link.text
    # Admin rights granted by a commune board are that commune's board.
    a1_id = h.loa.members.get(a1.id).id
    assert "quyền quản trị" in (await a_board.reply(f"/thanhvien_admin {a1_id}")).text
    assert h.loa.members.scope(a1.id).unit_id == unit_id(h, AN_BINH)
    one = await h.admin.reply(f"/donvi {BINH_MINH}")
    assert "Chi bộ Thôn 2" in one.text and AN_BINH not in one.text and PROVINCE not in one.text
    refused = await a_board.reply("/donvi Chi bộ Thôn 2")
    assert "không thuộc phạm vi" in refused.text


async def test_broadcasts_cascade_within_each_board(bot, tmp_path, monkeypatch, capsys):
    h = bot
    _, a_board, b_board, a1, b1, b2 = await setup_province(h, tmp_path, monkeypatch, capsys)

    async def broadcast(admin, text: str) -> int:
        mark = await admin.send(f"/phatdi {text}")
        summary = await h.tg.wait_for(
            lambda c: c.chat_id == admin.id and "bcf:send" in str(c.markup), mark)
        mark = h.tg.mark()
        await admin.press(summary, "Gửi")
        queued = await h.tg.wait_for(lambda c: c.chat_id == admin.id and "#" in c.text, mark)
        return int(re.search(r"#(\d+)", queued.text).group(1))

    def receivers(text: str) -> set[int]:
        """Who got the broadcast itself (not the sender's preview of it)."""
        return {c.chat_id for c in h.tg.sent(method="sendMessage") if text in c.text
                and "ack:" in str(c.markup) and "ack:preview" not in str(c.markup)}

    # A commune broadcast reaches exactly its subtree (the sender does not get his own).
    bid = await broadcast(a_board, "Tin riêng của xã An Bình")
    assert await eventually(lambda: receivers("Tin riêng của xã An Bình") == {a1.id})
    await asyncio.sleep(0.5)
    assert receivers("Tin riêng của xã An Bình") == {a1.id}
    with h.loa.db.read() as s:
        assert len(list(s.scalars(select(Delivery).where(Delivery.broadcast_id == bid)))) == 1

    # A province broadcast reaches everyone.
    pid = await broadcast(h.admin, "Điểm tin của Tỉnh")
    everyone = {a_board.id, b_board.id, a1.id, b1.id, b2.id}
    assert await eventually(lambda: receivers("Điểm tin của Tỉnh") == everyone)

    # The commune board follows up its own people only, and reminds them (once, only them).
    listing = await a_board.reply("/phatdi_ds")
    assert f"#{pid}" in listing.text and "Nguyễn Văn A1" in listing.text
    assert "Phạm Văn B1" not in listing.text and "Hoàng Thị B2" not in listing.text
    mark = h.tg.mark()
    await a_board.press_data(f"bcl:remind:{pid}")
    assert await eventually(lambda: any(
        c.chat_id == a1.id and "Điểm tin của Tỉnh" in c.text
        for c in h.tg.sent(method="sendMessage", since=mark)))
    await asyncio.sleep(0.5)
    reminded = {c.chat_id for c in h.tg.sent(method="sendMessage", since=mark)
                if "Điểm tin của Tỉnh" in c.text and "ack:" in str(c.markup)}
    assert reminded == {a1.id}

    # Cross-scope: a forged cancel of the province's broadcast, units outside the scope.
    mark = h.tg.mark()
    await a_board.press_data(f"bcl:cancel:{pid}")
    [alert] = [c for c in h.tg.sent(method="answerCallbackQuery", since=mark)]
    assert "không thuộc phạm vi" in alert.params.get("text", "")
    scope = h.loa.members.scope(a_board.id)
    with pytest.raises(NotAllowed):
        h.loa.broadcasts.queue(scope, Draft(text="x", audience={
            "units": [unit_id(h, "Chi bộ Thôn 2")]}))
    with pytest.raises(NotAllowed):
        h.loa.broadcasts.resolve_units(["Chi bộ Thôn 2"], scope)
    # … also through the guided flow's buttons (a forged unit id is not among the choices).
    await a_board.reply("/phatdi")
    ask = await a_board.reply("Nội dung thử")
    units_msg = await h.tg.wait_for(lambda c: c.chat_id == a_board.id and "bcu:" in str(c.markup),
                                    (await a_board.press(ask, "Chọn đơn vị", wait=False)))
    labels = [b["text"] for b in units_msg.buttons()]
    assert any("Chi bộ Thôn 1" in t for t in labels) and not any("Thôn 2" in t for t in labels)
    mark = h.tg.mark()
    await a_board.press_data(f"bcu:{unit_id(h, 'Chi bộ Thôn 2')}", units_msg)
    alert = h.tg.sent(method="answerCallbackQuery", since=mark)[-1]
    assert alert.params.get("show_alert")


async def test_questions_go_to_the_nearest_board_and_up(bot, tmp_path, monkeypatch, capsys):
    h = bot
    _, a_board, b_board, a1, b1, b2 = await setup_province(h, tmp_path, monkeypatch, capsys)
    mark = await a1.send(UNANSWERABLE)
    await a1.next_reply(mark)
    notice = await h.tg.wait_for(lambda c: c.chat_id == a_board.id and "Câu hỏi mới" in c.text,
                                 mark)
    qid = int(re.search(r"Câu hỏi mới số (\d+)", notice.text).group(1))
    await asyncio.sleep(0.3)
    others = {c.chat_id for c in h.tg.sent(method="sendMessage", since=mark)
              if "Câu hỏi mới" in c.text}
    assert others == {a_board.id}          # not the other commune's board, not the province
    with h.loa.db.read() as s:
        q = s.get(Question, qid)
        assert q.board_unit_id == unit_id(h, AN_BINH) and q.unit_id == unit_id(h, "Chi bộ Thôn 1",
                                                                                AN_BINH)
    # The other commune's board may neither see nor answer it.
    assert f"{qid}." not in (await b_board.reply("/cauhoi")).text
    refused = await b_board.reply(f"/traloi {qid} Trả lời sai phạm vi")
    assert "không thuộc phạm vi" in refused.text
    mark = h.tg.mark()
    await b_board.press_data(f"qa:esc:{qid}")
    alert = h.tg.sent(method="answerCallbackQuery", since=mark)[-1]
    assert "không thuộc phạm vi" in alert.params.get("text", "")
    # The province sees everything below in /cauhoi, with the board it waits at.
    listing = await h.admin.reply("/cauhoi")
    assert f"{qid}." in listing.text and AN_BINH in listing.text

    # ⬆️ Chuyển lên cấp trên: the province gets it; the commune can no longer answer it.
    mark = h.tg.mark()
    await a_board.press(notice, "Chuyển lên cấp trên")
    up = await h.tg.wait_for(lambda c: c.chat_id == h.admin.id and "Câu hỏi mới" in c.text, mark)
    assert AN_BINH in up.text and UNANSWERABLE in up.text
    assert not up.buttons()                 # the top board has nowhere to pass it
    told = await h.tg.wait_for(lambda c: c.chat_id == a_board.id and "Đã chuyển" in c.text, mark)
    assert PROVINCE in told.text
    refused = await a_board.reply(f"/traloi {qid} Muộn rồi")
    assert "không thuộc phạm vi" in refused.text
    mark = await h.admin.send(f"/traloi {qid} Mức phụ cấp do từng xã quyết định.")
    answer = await a1.next_reply(mark)
    assert "Mức phụ cấp do từng xã quyết định." in answer.text

    # A commune board's FAQ answer serves its own subtree only.
    again = "Năm nay xã có tổ chức giải bóng chuyền hơi cho đoàn viên không?"
    mark = await b2.send(again)
    notice = await h.tg.wait_for(lambda c: c.chat_id == b_board.id and "Câu hỏi mới" in c.text,
                                 mark)
    qid2 = int(re.search(r"Câu hỏi mới số (\d+)", notice.text).group(1))
    mark = await b_board.send(f"/traloi {qid2} Có, vào tháng 10 tại nhà văn hóa xã.")
    confirm = await b_board.next_reply(mark)
    await b_board.press(confirm, "Lưu")
    with h.loa.db.read() as s:
        assert s.scalar(select(Faq.unit_id)) == unit_id(h, BINH_MINH)
    assert "tháng 10 tại nhà văn hóa xã" in (await b1.reply(again)).text
    assert "tháng 10 tại nhà văn hóa xã" not in (await a1.reply(again)).text


async def test_commune_document_answers_only_that_commune(db_url, own_kb, tmp_path,
                                                          monkeypatch, capsys):
    async with running_bot(db_url, own_kb) as h:
        _, a_board, b_board, a1, b1, b2 = await setup_province(h, tmp_path, monkeypatch, capsys)
        doc = ("ĐẢNG ỦY XÃ AN BÌNH\nSố 07-QC/ĐU\nQUY CHẾ\nHoạt động của tổ tuyên truyền thôn\n"
               "Điều 1. Tổ tuyên truyền thôn họp giao ban vào sáng thứ Bảy tuần đầu tiên "
               "của mỗi tháng tại nhà văn hóa thôn.\n").encode()
        mark = await a_board.send_document("quy-che-to-tuyen-truyen.txt", doc)
        done = await h.tg.wait_for(lambda c: c.chat_id == a_board.id and "Đã bổ sung" in c.text,
                                   mark, timeout=180)
        assert "quy-che-to-tuyen-truyen" in done.text
        question = "Tổ tuyên truyền thôn họp giao ban vào lúc nào?"
        answer = await a1.reply(question)
        assert "thứ Bảy tuần đầu tiên" in answer.text
        assert TP.OWNER.format(unit=AN_BINH) in answer.text
        mark = h.tg.mark()
        await a1.press(answer, "Toàn văn")
        section = await a1.next_reply(mark)
        assert "thứ Bảy tuần đầu tiên" in section.text and TP.OWNER.format(unit=AN_BINH) in section.text
        other = await b1.reply(question)
        assert "thứ Bảy tuần đầu tiên" not in other.text
        assert "chưa có nội dung trả lời" in other.text
        # The province board reads and searches what its communes uploaded (a sister commune's
        # board does not), and sees it in the list of documents.
        top = await h.admin.reply(question)
        assert "thứ Bảy tuần đầu tiên" in top.text and TP.OWNER.format(unit=AN_BINH) in top.text
        assert "thứ Bảy tuần đầu tiên" not in (await b_board.reply(question)).text
        listing = await h.admin.reply("/diemchinh")
        assert "quy" in str(listing.markup).lower() and "tuyên truyền thôn" in str(listing.markup)
        # The province's own knowledge still answers everyone.
        assert "📄" in (await b1.reply("nhiem vu cua bao cao vien la gi")).text


def test_a_flat_database_keeps_everything(db_url):
    """Migration 0005 on a populated flat database: every unit stays (top level, names kept),
    admins stay the top board, and old questions, FAQ entries and broadcasts are the top board's."""
    from sqlalchemy import text

    from bot.db import Database
    from bot.db.migrations import current, head, upgrade
    from bot.db.models import Broadcast, utcnow
    from bot.services.members import MembersService

    db = Database(db_url)
    try:
        upgrade(db.engine, "0004")
        now = utcnow().replace(tzinfo=None)
        with db.engine.begin() as conn:
            for name in ("Chi bộ Khu phố 1", "Chi bộ Khu phố 2"):
                conn.execute(text("INSERT INTO units (name, kind, active, created_at) "
                                  "VALUES (:n, 'chi_bo', true, :t)"), {"n": name, "t": now})
            conn.execute(text(
                "INSERT INTO members (telegram_id, chat_id, full_name, unit_id, role, is_reporter,"
                " active, unreachable, joined_at) VALUES (777, 777, 'Quản trị', 1, 'admin',"
                " false, true, false, :t)"), {"t": now})
            conn.execute(text(
                "INSERT INTO questions (telegram_id, chat_id, text, status, created_at) "
                "VALUES (777, 777, 'Câu hỏi cũ', 'open', :t)"), {"t": now})
            conn.execute(text(
                "INSERT INTO faqs (question, answer, created_at, active) "
                "VALUES ('Hỏi cũ', 'Đáp cũ', :t, true)"), {"t": now})
            conn.execute(text(
                "INSERT INTO broadcasts (kind, text, audience, status, created_at) "
                "VALUES ('text', 'Tin cũ', '{\"all\": true}', 'done', :t)"), {"t": now})
        db.upgrade()
        assert current(db.engine) == head()
        members = MembersService(db)
        assert [(u.name, u.parent_id, u.depth) for u in members.units()] == [
            ("Chi bộ Khu phố 1", None, 0), ("Chi bộ Khu phố 2", None, 0)]
        assert members.scope(777).is_top
        with db.read() as s:
            q = s.scalar(select(Question))
            assert (q.text, q.board_unit_id, q.unit_id) == ("Câu hỏi cũ", None, None)
            assert s.scalar(select(Faq.unit_id)) is None and s.scalar(select(Faq.answer)) == "Đáp cũ"
            assert s.scalar(select(Broadcast.board_unit_id)) is None
        # Names are now unique among siblings: the same name under another parent is allowed,
        # the same name at the same level is the same unit.
        members.add_unit("Chi bộ Khu phố 1", parent="Chi bộ Khu phố 2")
        assert members.add_unit("chi bo khu pho 2")[1] is False
        assert len(members.units()) == 3
    finally:
        db.dispose()


async def test_a_commune_digest_stays_in_the_commune(bot_sqlite, tmp_path, monkeypatch, capsys):
    h = bot_sqlite
    _, a_board, b_board, a1, b1, b2 = await setup_province(h, tmp_path, monkeypatch, capsys)
    svc = h.loa.broadcasts
    a_scope, b_scope = h.loa.members.scope(a_board.id), h.loa.members.scope(b_board.id)
    doc = svc.documents(a_scope)[0]
    from bot.db.models import Broadcast, Digest, utcnow
    now = utcnow()
    local = now.astimezone(h.loa.settings.tz)
    info = await asyncio.to_thread(svc.add_digest, a_scope, local.weekday(), "00:00", doc.doc_id)
    assert [d.id for d in svc.digests(a_scope)] == [info.id] and svc.digests(b_scope) == []
    with pytest.raises(NotAllowed):
        svc.remove_digest(b_scope, info.id)
    with h.loa.db.session() as s:       # due now (it was made after today's time)
        s.get(Digest, info.id).last_run_on = None
    # The running delivery worker's tick may fire it first: either way it fires once.
    await asyncio.to_thread(svc.fire_due_digests, now)
    with h.loa.db.read() as s:
        [bid] = s.scalars(select(Broadcast.id).where(Broadcast.digest_id == info.id)).all()
    await asyncio.to_thread(svc.start_due, now)
    with h.loa.db.read() as s:
        assert s.get(Broadcast, bid).board_unit_id == unit_id(h, AN_BINH)
        got = set(s.scalars(select(Member.telegram_id).join(Delivery, Delivery.member_id == Member.id)
                            .where(Delivery.broadcast_id == bid)))
    assert got == {a1.id}


async def test_a_province_list_shows_two_levels_and_drills_down(bot_sqlite):
    h = bot_sqlite
    rows = ["name,parent", f"{PROVINCE},"]
    for c in range(1, 8):
        rows.append(f"Đảng ủy xã {c},{PROVINCE}")
        rows += [f"Chi bộ Thôn {k},Đảng ủy xã {c}" for k in range(1, 21)]
    await asyncio.to_thread(h.loa.members.import_units, "\n".join(rows))
    await h.admin.reply("/start")
    listing = await h.admin.reply("/donvi")
    assert "Các đơn vị</b> (148)" in listing.text
    assert "Đảng ủy xã 7 – 0 thành viên · 20 đơn vị trực thuộc" in listing.text
    assert "Chi bộ Thôn" not in listing.text and "/donvi Tên hoặc số" in listing.text
    one = await h.admin.reply("/donvi Đảng ủy xã 7")
    assert "Chi bộ Thôn 20" in one.text and "Đảng ủy xã 6" not in one.text
