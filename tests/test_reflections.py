"""Phản ánh (issue 24): members on Telegram and on Zalo send every kind in one line and get a
number; an urgent one reaches their commune's board at once; the commune answers one and passes
one up, the province answers it; both members get the answers on their own channel; a sister
commune's board neither sees nor touches them; a replayed message adds nothing."""
from __future__ import annotations

import html
import re

from sqlalchemy import select

from bot.db.models import AuditEntry, Reflection
from bot.services.reflections import parse_line
from tests.conftest import ADMIN_ID, FakeUser
from tests.zaloharness import running_zalo


def test_the_line_a_member_types():
    assert parse_line("dư luận | Bà con thôn 3 lo giá điện tăng") == (
        "du_luan", "Bà con thôn 3 lo giá điện tăng", False, False)
    assert parse_line("tin sai trai: clip bịa đặt https://fb.com/x | khẩn")[0::2] == ("sai_trai", True)
    assert parse_line("3 | Tổ dân vận khéo") == ("mo_hinh", "Tổ dân vận khéo", False, False)
    assert parse_line("kiến nghị sửa cầu thôn 5 | ẩn danh") == ("kien_nghi", "sửa cầu thôn 5", False, True)
    assert parse_line("gì đó | nội dung")[0] is None and parse_line("bà con lo giá điện")[0] is None


async def test_members_on_both_channels_report_and_boards_answer(sqlite_url, shared_kb):
    async with running_zalo(sqlite_url, shared_kb, mode="polling", telegram=True) as h:
        loa = h.loa
        loa.members.add_unit("Đảng ủy xã An Bình")
        loa.members.add_unit("Chi bộ Thôn 1", parent="Đảng ủy xã An Bình")
        loa.members.add_unit("Đảng ủy xã Bình Minh")
        province = FakeUser(h.tg, ADMIN_ID, "Ban Tuyên giáo Tỉnh")
        await province.reply("/start")
        commune = FakeUser(h.tg, 5_400_001, "Bí thư An Bình")
        await commune.reply(f"/start {loa.members.create_invite('Đảng ủy xã An Bình', admin=True).code}")
        sister = FakeUser(h.tg, 5_400_002, "Bí thư Bình Minh")
        await sister.reply(f"/start {loa.members.create_invite('Đảng ủy xã Bình Minh', admin=True).code}")
        code = loa.members.create_invite("Chi bộ Thôn 1").code
        tg = FakeUser(h.tg, 5_400_003, "Nguyễn Văn Tê")
        await tg.reply(f"/start {code}")
        z = h.user("Trần Thị Zalo")
        await z.say(f"/start {code}")

        # How to, then each kind in one line; a number back each time.
        assert "/phananh loại | nội dung" in (await tg.reply("/phananh")).text
        numbers = []
        for line in ("dư luận | Bà con thôn 1 lo giá điện tăng", "3 | Tổ dân vận khéo ở xóm Đông",
                     "kiến nghị | Sửa cầu tràn thôn 1 trước mùa mưa"):
            reply = (await tg.reply(f"/phananh {line}")).text
            numbers.append(int(re.search(r"phản ánh số <b>(\d+)</b>", reply).group(1)))
            assert "Ban Xây dựng Đảng Đảng ủy xã An Bình" in reply
        # An urgent false post from Zalo: the commune's board is told at once.
        mark = h.tg.mark()
        reply = await z.say("/phananh tin sai trái | Clip bịa đặt về sáp nhập xã https://fb.com/x | khẩn")
        urgent = int(re.search(r"phản ánh khẩn số (\d+)", reply).group(1))
        notice = await h.tg.wait_for(lambda c: c.chat_id == commune.id and "khẩn" in c.text, mark)
        assert "Trần Thị Zalo" in notice.text and "https://fb.com/x" in notice.text
        assert not [c for c in h.tg.sent(sister.id, since=mark) if "Clip" in c.text]
        with loa.db.read() as s:
            assert s.get(Reflection, urgent).link == "https://fb.com/x"
        assert "Chưa rõ loại" in (await tg.reply("/phananh bà con lo giá điện")).text
        # Every kind from each channel (the rest of them; kept for the record below).
        await tg.reply("/phananh tin sai trái | Ảnh chế về lãnh đạo xã trên nhóm Zalo")
        for line in ("1 | Bà con hỏi lịch cắt điện", "mô hình hay: Loa phát thanh tự quản xóm Tây",
                     "kiến nghị | Thêm đèn đường ngõ 4"):
            assert "Đã gửi phản ánh số" in await z.say(f"/phananh {line}")

        # The commune's board lists them (urgent first); the sister commune sees none.
        listing = (await commune.reply("/phananh_ds")).text
        assert listing.index(f"Số {urgent}") < listing.index(f"Số {numbers[0]}")
        assert "Số" not in (await sister.reply("/phananh_ds")).text.split("\n", 1)[-1]
        assert "Không có phản ánh số" in (await sister.reply(f"/phananh_traloi {numbers[0]} x")).text
        # It answers one (Telegram member) and the urgent one (Zalo member) ...
        mark = h.tg.mark()
        assert "Đã gửi trả lời" in (await commune.reply(
            f"/phananh_traloi {numbers[0]} Giá điện theo quyết định của Bộ Công Thương.")).text
        got = await h.tg.wait_for(lambda c: c.chat_id == tg.id and "Bộ Công Thương" in c.text, mark)
        assert f"phản ánh số {numbers[0]}" in got.text
        await commune.reply(f"/phananh_traloi {urgent} Ban đã báo công an xã xử lý clip.")
        await h.zalo.wait_for(lambda c: c.chat_id == z.id and "công an xã" in c.text)
        # ... passes one up: the province is told and answers it.
        mark = h.tg.mark()
        assert "Đã chuyển" in (await commune.reply(f"/phananh_chuyen {numbers[2]}")).text
        await h.tg.wait_for(lambda c: c.chat_id == ADMIN_ID and "chuyển lên phản ánh" in c.text, mark)
        assert "đang do" in (await commune.reply(f"/phananh_traloi {numbers[2]} muộn")).text
        await province.reply(f"/phananh_traloi {numbers[2]} Tỉnh đã giao Sở Giao thông khảo sát cầu.")
        await h.tg.wait_for(lambda c: c.chat_id == tg.id and "Sở Giao thông" in c.text)
        assert "đã lưu" in (await commune.reply(f"/phananh_luu {numbers[1]}")).text

        # The members see where theirs stand.
        mine = (await tg.reply("/phananh_cuatoi")).text
        assert "đã trả lời" in mine and "Sở Giao thông" in mine and "đã lưu" in mine
        assert "công an xã" in await z.say("/phananh_cuatoi")
        # The same message again (an update replayed after a crash) adds nothing.
        first = loa.reflections.submit(tg.id, tg.id, "du_luan", "Lặp lại", source="tg:1:77")
        again = loa.reflections.submit(tg.id, tg.id, "du_luan", "Lặp lại", source="tg:1:77")
        assert first.created and not again.created and again.id == first.id
        with loa.db.read() as s:
            count = len(s.scalars(select(Reflection)).all())
            actions = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
                       if e.action.startswith("reflection")]
        assert count == 9
        with loa.db.read() as s:
            kinds = {(r.chat_id == tg.id, r.kind) for r in s.scalars(select(Reflection))}
        assert {k for on_tg, k in kinds if on_tg} == {k for on_tg, k in kinds if not on_tg} == {
            "du_luan", "sai_trai", "mo_hinh", "kien_nghi"}
        assert actions == ["reflection_answer", "reflection_answer", "reflection_escalate",
                           "reflection_answer", "reflection_luu"]


async def test_a_board_triages_phan_anh_on_the_desk(sqlite_url, tmp_path):
    from tests.deskdata import ADMIN_A, ADMIN_B, MEMBER_A1, init_data
    from tests.test_desk import client, desk_bot
    async with desk_bot(sqlite_url, tmp_path) as h, client() as a, client() as b:
        loa = h.loa
        first = loa.reflections.submit(MEMBER_A1, MEMBER_A1, "du_luan", "Bà con lo giá điện tăng",
                                       urgent=True)
        second = loa.reflections.submit(MEMBER_A1, MEMBER_A1, "kien_nghi", "Sửa cầu tràn thôn 1")
        assert first.board == "Ban Xây dựng Đảng Đảng ủy xã An Phú"
        assert (await a.signin(h.url, init_data(ADMIN_A, "Bảo")))[0] == 200
        assert (await b.signin(h.url, init_data(ADMIN_B, "Cường")))[0] == 200
        status, page = await a.get(h.url + "/phananh")
        assert status == 200 and f'data-reflection="{first.id}"' in page and "KHẨN" in page
        assert page.index(f'data-reflection="{first.id}"') < page.index(f'data-reflection="{second.id}"')
        token = re.search(r'name="csrf" value="(\w+)"', page).group(1)
        _, b_page = await b.get(h.url + "/phananh")
        assert "giá điện" not in b_page                        # a sister commune sees nothing
        b_token = re.search(r'name="csrf" value="(\w+)"', (await b.get(h.url + "/phatdi"))[1]).group(1)
        status, _, text = await b.post(f"{h.url}/phananh/{first.id}/traloi",
                                       {"text": "chiếm", "csrf": b_token})
        assert status == 400 and "Không có phản ánh số" in text
        assert (await a.post(f"{h.url}/phananh/{first.id}/traloi", {"text": "x"}))[0] == 403

        mark = h.tg.mark()
        status, _, page = await a.post(f"{h.url}/phananh/{first.id}/traloi", {
            "text": "Giá điện theo quyết định của Bộ Công Thương <không đổi ở xã>.", "csrf": token})
        assert status == 200 and f"Đã gửi trả lời phản ánh số {first.id}" in page
        got = await h.tg.wait_for(lambda c: c.chat_id == MEMBER_A1 and "Bộ Công Thương" in c.text,
                                  mark)
        assert "&lt;không đổi ở xã&gt;" in got.text
        mark = h.tg.mark()
        status, _, page = await a.post(f"{h.url}/phananh/{second.id}/chuyenlen", {"csrf": token})
        assert status == 200 and "Đã chuyển phản ánh số" in page
        await h.tg.wait_for(lambda c: c.chat_id == ADMIN_ID and "Sửa cầu tràn" in c.text, mark)
        _, page = await a.get(h.url + "/phananh?tt=da_tra_loi")
        assert f'data-reflection="{first.id}"' in page and "Ban đã trả lời" in page
        with loa.db.read() as s:
            actions = [(e.action, e.channel) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions == [("reflection_answer", "desk"), ("reflection_escalate", "desk")]


async def test_phan_anh_are_grouped_by_what_they_say_for_trends_digest_and_report(sqlite_url,
                                                                                 shared_kb):
    import io
    from datetime import timedelta

    from docx import Document

    from bot.db.models import Reflection as R
    from bot.jobs import send_weekly_reflections
    from bot.services import periodic
    from tests.conftest import running_bot
    async with running_bot(sqlite_url, shared_kb) as h:
        loa = h.loa
        await h.admin.reply("/start")
        loa.members.add_unit("Xã An Bình")
        loa.members.add_unit("Chi bộ Thôn 1", parent="Xã An Bình")
        loa.members.add_unit("Chi bộ Thôn 2", parent="Xã An Bình")
        people = []
        for i, unit in enumerate(["Chi bộ Thôn 1", "Chi bộ Thôn 2", "Chi bộ Thôn 1"]):
            u = h.user(f"Người {i}")
            await u.reply(f"/start {loa.members.create_invite(unit).code}")
            people.append(u)
        said = [(0, "du_luan", "Bà con thôn 1 lo giá điện tăng"),
                (1, "du_luan", "Nhiều hộ phàn nàn tiền điện tháng này cao"),
                (2, "kien_nghi", "Giá điện tăng làm dân lo lắng, đề nghị giải thích"),
                (0, "kien_nghi", "Đường thôn 5 xuống cấp, bà con đề nghị sửa"),
                (1, "kien_nghi", "Người dân hỏi khi nào sửa đường liên thôn"),
                (2, "sai_trai", "Clip bịa đặt về sáp nhập xã trên facebook"),
                (0, "mo_hinh", "Tổ dân vận khéo ở xóm Đông")]
        for who, kind, text in said:
            loa.reflections.submit(people[who].id, people[who].id, kind, text)
        with loa.db.session() as s:    # two of them a week earlier
            for r in s.scalars(select(R).where(R.text.like("%tiền điện%") | R.text.like("%liên thôn%"))):
                r.created_at = r.created_at - timedelta(days=8)
        topics, total = loa.reflections.topics(None, 28)
        assert total == 6                                   # a good practice is not a worry
        assert [t.count for t in topics] == [3, 2, 1], [(t.label, t.count) for t in topics]
        assert "điện" in topics[0].label and topics[0].units == 2
        assert (topics[0].this_week, topics[0].last_week) == (2, 1)
        assert "đường" in topics[1].label.lower()

        text = (await h.admin.reply("/phananh_xuhuong")).text
        assert "3 phản ánh</b>, 2 đơn vị" in text and "↑" in text

        # The periodic draft has the section, with the largest topics.
        period = loa.reports.period("")
        f = loa.periodic.figures(period, None)
        start, end = periodic._utc_range(period, loa.settings.tz)
        with loa.db.read() as s:     # the two sent 8 days ago may be in last month
            in_period = [r.kind for r in s.scalars(select(R)) if start <= r.created_at <= end]
        assert f.reflections.total == len(in_period) >= 5
        assert f.reflections.by_kind["kien_nghi"] == in_period.count("kien_nghi")
        doc = Document(io.BytesIO(periodic.to_docx(f, loa.reports.today())))
        body = "\n".join(p.text for p in doc.paragraphs)
        cells = " ".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
        assert "Tình hình tư tưởng, dư luận xã hội" in body and f"{len(in_period)} phản ánh" in body
        assert "điện" in cells

        # Monday's digest reaches the top board with its week.
        mark = h.tg.mark()
        assert await send_weekly_reflections(h.app) >= 1
        digest = await h.tg.wait_for(lambda c: "Phản ánh tuần qua" in c.text, mark)
        assert digest.chat_id == h.admin.id and "điện" in digest.text


async def test_a_forwarded_post_or_a_bare_link_is_offered_as_phan_anh(bot_sqlite):
    h = bot_sqlite
    await h.admin.reply("/start")
    u = await h.member()
    origin = {"type": "hidden_user", "date": 1_700_000_000, "sender_user_name": "Trang lạ"}
    offer = await u.reply("Tin nóng: xã sắp bị xóa tên https://fb.com/tin-gia", forward_origin=origin)
    assert "tin chuyển tiếp" in offer.text and "phản ánh" in offer.text
    kinds = [b["callback_data"] for b in offer.buttons()]
    assert kinds == ["rf:sai_trai", "rf:du_luan", "rf:mo_hinh", "rf:kien_nghi"]
    mark = h.tg.mark()
    await u.press_data("rf:sai_trai", offer)
    done = await h.tg.wait_for(lambda c: c.chat_id == u.id and "Đã gửi phản ánh số" in c.text, mark)
    with h.loa.db.read() as s:
        r = s.scalars(select(Reflection)).one()
    assert r.kind == "sai_trai" and r.link == "https://fb.com/tin-gia" and "xóa tên" in r.text
    assert f"số <b>{r.id}</b>" in done.text
    # Pressed again (or after a restart): nothing pending, nothing sent twice.
    mark = h.tg.mark()
    await u.press_data("rf:sai_trai", offer)
    await h.tg.wait_for(lambda c: c.chat_id == u.id and "không còn để gửi" in c.text, mark)
    # A link alone is offered too; a question with a link is still a question.
    assert "phản ánh" in (await u.reply("https://zalo.me/tin-don")).text
    with h.loa.db.read() as s:
        assert len(s.scalars(select(Reflection)).all()) == 1


async def test_a_false_post_answered_by_an_orientation_broadcast_tells_its_reporters(sqlite_url,
                                                                                    tmp_path):
    from tests.deskdata import ADMIN_A, MEMBER_A1, init_data
    from tests.test_desk import client, desk_bot
    async with desk_bot(sqlite_url, tmp_path) as h, client() as a:
        loa = h.loa
        one = loa.reflections.submit(MEMBER_A1, MEMBER_A1, "sai_trai",
                                     "Clip nói xã sắp bị xóa tên https://fb.com/clip-gia")
        two = loa.reflections.submit(6_000_012, 6_000_012, "sai_trai",
                                     "Có người gửi tin xã bị xóa tên https://fb.com/clip-gia")
        other = loa.reflections.submit(6_000_021, 6_000_021, "sai_trai",
                                       "Tin đồn giá phân bón tăng gấp đôi")
        assert (await a.signin(h.url, init_data(ADMIN_A, "Bảo")))[0] == 200
        _, page = await a.get(h.url + "/phananh")
        assert f'href="phatdi?phananh={one.id}"' in page
        _, page = await a.get(h.url + f"/phatdi?phananh={one.id}")
        assert 'id="about"' in page and "xóa tên" in page
        token = re.search(r'name="csrf" value="(\w+)"', page).group(1)
        mark = h.tg.mark()
        status, location, _ = await a.post(h.url + "/phatdi/gui", {
            "csrf": token, "phananh": str(one.id),
            "text": "Thông tin xã bị xóa tên là bịa đặt: đề án sắp xếp không có xã ta."})
        assert status == 303 and "dinhhuong=2" in location
        for tid in (MEMBER_A1, 6_000_012):      # both reporters told (the same link)
            await h.tg.wait_for(lambda c, t=tid: c.chat_id == t and "định hướng về tin bạn phản ánh"
                                in c.text, mark)
        with loa.db.read() as s:
            assert {r.id: r.status for r in s.scalars(select(Reflection))} == {
                one.id: "da_tra_loi", two.id: "da_tra_loi", other.id: "moi"}
        _, page = await a.get(h.url + location)
        assert "Đã báo cho 2 người" in page


async def test_a_good_practice_with_its_photo_travels_and_is_in_the_report(sqlite_url, tmp_path):
    import io

    from docx import Document

    from bot.services import periodic
    from tests.conftest import FakeUser
    from tests.deskdata import ADMIN_A, MEMBER_A1, init_data
    from tests.test_desk import client, desk_bot
    async with desk_bot(sqlite_url, tmp_path) as h, client() as a:
        loa = h.loa
        member = FakeUser(h.tg, MEMBER_A1, "Nguyễn Văn An")
        mark = await member.send_photo(b"\x89PNG anh mo hinh",
                                       "/phananh mô hình hay | Tổ dân vận khéo xóm Đông giúp nhau làm đường")
        reply = await member.next_reply(mark)
        rid = int(re.search(r"phản ánh số <b>(\d+)</b>", reply.text).group(1))
        with loa.db.read() as s:
            r = s.get(Reflection, rid)
        assert r.kind == "mo_hinh" and r.photo and "làm đường" in r.text
        assert (await a.signin(h.url, init_data(ADMIN_A, "Bảo")))[0] == 200
        _, page = await a.get(h.url + "/phananh")
        assert f'href="phatdi?nhanrong={rid}"' in page
        _, page = await a.get(h.url + f"/phatdi?nhanrong={rid}")
        assert "Mô hình hay của Chi bộ Ấp 1: Tổ dân vận khéo" in page
        media = re.search(r'name="media" value="(\w+\.jpg)"', page).group(1)   # fetched from Telegram
        assert loa.media.path(media).read_bytes() == b"\x89PNG anh mo hinh"
        token = re.search(r'name="csrf" value="(\w+)"', page).group(1)
        text = re.search(r'<textarea id="bt" name="text"[^>]*>(.*?)</textarea>', page, re.S).group(1)
        mark = h.tg.mark()
        status, location, _ = await a.post(h.url + "/phatdi/gui", {
            "csrf": token, "text": html.unescape(text), "media": media, "phananh": str(rid)})
        assert status == 303
        await h.tg.wait_for(lambda c: c.chat_id == MEMBER_A1 and "nhân rộng mô hình bạn giới thiệu"
                            in c.text, mark)
        await h.tg.wait_for(lambda c: c.method == "sendPhoto" and c.chat_id == 6_000_021
                            and "Tổ dân vận khéo" in c.text, mark)
        f = loa.periodic.figures(loa.reports.period(""), None)
        doc = Document(io.BytesIO(periodic.to_docx(f, loa.reports.today())))
        body = "\n".join(p.text for p in doc.paragraphs)
        assert "Mô hình hay, cách làm tốt" in body and "– Chi bộ Ấp 1: Tổ dân vận khéo xóm Đông" in body


async def test_anonymous_when_the_province_allows_it_and_exports_for_boards_only(sqlite_url,
                                                                                 tmp_path):
    import io

    from openpyxl import load_workbook

    from bot.errors import InvalidInput
    from tests.deskdata import ADMIN_A, ADMIN_B, MEMBER_A1, init_data
    from tests.test_desk import client, desk_bot
    async with desk_bot(sqlite_url, tmp_path) as h, client() as a, client() as b, \
            client() as member:
        loa = h.loa
        try:
            loa.reflections.submit(MEMBER_A1, MEMBER_A1, "du_luan", "Ẩn danh thử", anonymous=True)
            raise AssertionError("anonymous accepted while the province has not enabled it")
        except InvalidInput as e:
            assert "ẩn danh" in e.plain()
        loa.reflections.allow_anonymous = True      # LOA_REFLECTION_ANONYMOUS=1
        hidden = loa.reflections.submit(MEMBER_A1, MEMBER_A1, "du_luan",
                                        "Có người nói cán bộ xã nhận quà =HYPERLINK(\"x\")", anonymous=True)
        named = loa.reflections.submit(MEMBER_A1, MEMBER_A1, "kien_nghi", "Sửa loa truyền thanh thôn")
        assert hidden.reporter == "" and named.reporter == "Nguyễn Văn An"
        assert (await a.signin(h.url, init_data(ADMIN_A, "Bảo")))[0] == 200
        _, page = await a.get(h.url + "/phananh")
        row = page.split(f'data-reflection="{hidden.id}"')[1].split("</li>")[0]
        assert "người gửi ẩn danh" in row and "Nguyễn Văn An" not in row
        async with a.http.get(h.url + "/phananh/xuat.xlsx", headers=a._headers()) as r:
            assert r.status == 200
            sheet = load_workbook(io.BytesIO(await r.read())).active
        rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert rows[hidden.id][5] in (None, "") and rows[named.id][5] == "Nguyễn Văn An"
        assert sheet.cell(row=2, column=7).data_type == "s"        # never a formula
        # Another commune's board: nothing of An Phú's; a member: no export at all.
        assert (await b.signin(h.url, init_data(ADMIN_B, "Cường")))[0] == 200
        async with b.http.get(h.url + "/phananh/xuat.xlsx", headers=b._headers()) as r:
            sheet = load_workbook(io.BytesIO(await r.read())).active
        assert sheet.max_row == 1
        assert (await member.signin(h.url, init_data(MEMBER_A1, "An")))[0] == 403   # not a board
        status, text = await member.get(h.url + "/phananh/xuat.xlsx")
        assert "data-signin" in text and "Sửa loa" not in text


async def test_the_guided_form_on_both_channels(sqlite_url, shared_kb):
    async with running_zalo(sqlite_url, shared_kb, mode="polling", telegram=True) as h:
        loa = h.loa
        loa.members.add_unit("Chi bộ Thôn 1")
        code = loa.members.create_invite("Chi bộ Thôn 1").code
        tg = FakeUser(h.tg, 5_500_001, "Nguyễn Văn Tê")
        await tg.reply(f"/start {code}")
        z = h.user("Trần Thị Zalo")
        await z.say(f"/start {code}")
        how = await tg.reply("/phananh")
        assert [b["callback_data"] for b in how.buttons()] == [
            "rk:sai_trai", "rk:du_luan", "rk:mo_hinh", "rk:kien_nghi"]
        mark = h.tg.mark()
        await tg.press_data("rk:du_luan", how)
        await h.tg.wait_for(lambda c: c.chat_id == tg.id and "Gõ nội dung phản ánh" in c.text, mark)
        done = await tg.reply("Bà con hỏi vì sao chưa có lịch họp dân")
        assert "Đã gửi phản ánh số" in done.text
        # /huy after choosing: nothing sent; the next message is a question as usual.
        mark = h.tg.mark()
        await tg.press_data("rk:kien_nghi", how)
        await h.tg.wait_for(lambda c: c.chat_id == tg.id and "Kiến nghị" in c.text, mark)
        assert "phản ánh chưa được gửi" in (await tg.reply("/huy")).text
        assert "1 gõ" not in (await z.say("/phananh")).lower()
        assert "nội dung phản ánh" in await z.say("2")
        assert "Đã gửi phản ánh số" in await z.say("Ảnh chế về cán bộ xã trên nhóm Zalo https://zalo.me/x")
        with loa.db.read() as s:
            got = sorted((r.chat_id == tg.id, r.kind, r.text) for r in s.scalars(select(Reflection)))
        assert got == [(False, "sai_trai", "Ảnh chế về cán bộ xã trên nhóm Zalo https://zalo.me/x"),
                       (True, "du_luan", "Bà con hỏi vì sao chưa có lịch họp dân")]
