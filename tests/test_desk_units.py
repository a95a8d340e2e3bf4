"""The board keeps its tree and its invites from the desk: a new chi bộ, an invite shown as a
Telegram link, a Zalo line and a QR code that a member then joins with; rename and stop a unit;
revoke a code. Every request needs the session's CSRF token, stays inside the board's scope
(another commune's unit or code cannot be touched by number), and is logged."""
from __future__ import annotations

import html
import re

from sqlalchemy import select

from bot.db.models import AuditEntry, Invite, Member, Unit
from tests.conftest import ADMIN_ID
from tests.deskdata import ADMIN_A, ADMIN_B, init_data
from tests.test_desk import client, desk_bot


def _token(page: str) -> str:
    return re.search(r'name="csrf" value="(\w+)"', page).group(1)


def _unit(h, name: str) -> Unit | None:
    with h.loa.db.read() as s:
        return s.scalar(select(Unit).where(Unit.name == name))


async def test_a_board_adds_a_chi_bo_invites_and_a_member_joins(sqlite_url, tmp_path):
    async with desk_bot(sqlite_url, tmp_path) as h, client() as a, client() as b, \
            client() as top:
        ids = h.tree.units
        assert (await a.signin(h.url, init_data(ADMIN_A, "Bảo")))[0] == 200
        assert (await b.signin(h.url, init_data(ADMIN_B, "Cường")))[0] == 200
        assert (await top.signin(h.url, init_data(ADMIN_ID, "Tỉnh")))[0] == 200
        status, page = await a.get(h.url + "/tochuc")
        assert status == 200 and "Chi bộ Ấp 1" in page and "Ấp Đông" not in page  # its own tree
        # The board's own unit is not changed from its own desk (the board above does that).
        assert f'tochuc/donvi/{ids["Xã An Phú"]}/doiten' not in page
        assert f'tochuc/donvi/{ids["Chi bộ Ấp 1"]}/doiten' in page
        token = _token(page)
        add = {"name": "Chi bộ Thôn Mới <3>", "parent": str(ids["Xã An Phú"])}

        # Without the token nothing is added; with it, the chi bộ is under the commune.
        assert (await a.post(h.url + "/tochuc/donvi/them", add))[0] == 403
        assert _unit(h, "Chi bộ Thôn Mới <3>") is None
        status, _, page = await a.post(h.url + "/tochuc/donvi/them", add | {"csrf": token})
        assert status == 200 and "Đã thêm đơn vị «Chi bộ Thôn Mới &lt;3&gt;»" in page
        new = _unit(h, "Chi bộ Thôn Mới <3>")
        assert new.parent_id == ids["Xã An Phú"] and new.active
        # Under another commune's unit (a forged number): refused, nothing added.
        status, _, page = await a.post(h.url + "/tochuc/donvi/them", {
            "name": "Chi bộ Lạ", "parent": str(ids["Xã Bình Minh"]), "csrf": token})
        assert status == 400 and "không thuộc phạm vi" in page and _unit(h, "Chi bộ Lạ") is None

        # An invite for it: the link, the Zalo line and a QR code; then a member joins with it.
        status, _, page = await a.post(h.url + "/tochuc/moi", {
            "unit": str(new.id), "role": "member", "uses": "5", "days": "", "csrf": token})
        assert status == 200, page
        with h.loa.db.read() as s:
            inv = s.scalar(select(Invite).where(Invite.unit_id == new.id))
        assert inv.max_uses == 5 and inv.role == "member"
        assert f"https://t.me/loa_test_bot?start={inv.code}" in page
        assert 'id="qr"' in page and 'src="data:image/svg+xml;base64,' in page
        assert f'data-invite="{inv.code}"' in page and "còn 5/5 lượt" in page
        joined = h.user("Người Mới")
        assert "Chi bộ Thôn Mới" in (await joined.reply(f"/start {inv.code}")).text
        with h.loa.db.read() as s:
            m = s.scalar(select(Member).where(Member.telegram_id == joined.id))
        assert m.unit_id == new.id and m.active

        # A sister commune's board can touch neither the unit nor the code by number.
        _, b_page = await b.get(h.url + "/tochuc")
        b_token = _token(b_page)
        assert f'data-unit="{new.id}"' not in b_page and inv.code not in b_page
        status, _, text = await b.post(h.url + f"/tochuc/donvi/{new.id}/doiten",
                                       {"name": "Chiếm", "csrf": b_token})
        assert status == 400 and _unit(h, "Chi bộ Thôn Mới <3>") is not None
        status, _, text = await b.post(h.url + f"/tochuc/donvi/{new.id}/ngung", {"csrf": b_token})
        assert status == 400 and _unit(h, "Chi bộ Thôn Mới <3>").active
        status, _, text = await b.post(h.url + "/tochuc/moi/thuhoi",
                                       {"code": inv.code, "csrf": b_token})
        assert status == 400 and "không còn dùng được" in text
        with h.loa.db.read() as s:
            assert s.get(Invite, inv.id).revoked_at is None
        # Nor can it make an invite for A's unit.
        status, _, _ = await b.post(h.url + "/tochuc/moi", {
            "unit": str(new.id), "role": "board", "csrf": b_token})
        assert status == 400
        with h.loa.db.read() as s:
            assert s.scalar(select(Invite).where(Invite.unit_id == new.id, Invite.role == "admin")) is None

        # Rename, revoke, stop: each done, each logged.
        status, _, page = await a.post(h.url + f"/tochuc/donvi/{new.id}/doiten",
                                       {"name": "Chi bộ Thôn 4", "csrf": token})
        assert status == 200 and "Đã đổi tên thành «Chi bộ Thôn 4»" in page
        status, _, page = await a.post(h.url + "/tochuc/moi/thuhoi", {"code": inv.code, "csrf": token})
        assert status == 200 and "Đã thu hồi mã mời" in page
        assert "thu hồi" in (await h.user("Người Muộn").reply(f"/start {inv.code}")).text
        status, _, page = await a.post(h.url + f"/tochuc/donvi/{new.id}/ngung", {"csrf": token})
        assert status == 200 and "Đã ngừng đơn vị «Chi bộ Thôn 4»" in page
        assert not _unit(h, "Chi bộ Thôn 4").active
        assert f'data-unit="{new.id}"' not in page
        # A commune with units under it is not stopped.
        status, _, page = await top.post(h.url + f"/tochuc/donvi/{ids['Xã An Phú']}/ngung",
                                         {"csrf": _token((await top.get(h.url + "/tochuc"))[1])})
        assert status == 400 and _unit(h, "Xã An Phú").active

        with h.loa.db.read() as s:
            log = [(e.action, e.channel) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert log == [("unit_add", "desk"), ("invite", "desk"), ("unit_rename", "desk"),
                       ("invite_revoke", "desk"), ("unit_deactivate", "desk")]
        shown = (await top.get(h.url + "/nhatky"))[1]     # the board above reads it
        assert "thêm đơn vị" in shown and "tạo mã mời" in shown and "ngừng đơn vị" in shown
        assert "thêm đơn vị" not in (await b.get(h.url + "/nhatky"))[1]


async def test_a_board_manages_its_people_and_moves_a_unit(sqlite_url, tmp_path):
    from tests.deskdata import MEMBER_A1
    async with desk_bot(sqlite_url, tmp_path) as h, client() as a, client() as b:
        ids = h.tree.units
        assert (await a.signin(h.url, init_data(ADMIN_A, "Bảo")))[0] == 200
        assert (await b.signin(h.url, init_data(ADMIN_B, "Cường")))[0] == 200
        with h.loa.db.read() as s:
            an = s.scalar(select(Member).where(Member.telegram_id == MEMBER_A1))
            dong = s.scalar(select(Member).where(Member.full_name == "Đỗ Thị Mai"))
        status, page = await a.get(h.url + "/tochuc/thanhvien")
        assert status == 200 and "Nguyễn Văn An" in page and "Đỗ Thị Mai" not in page
        token = _token(page)
        # Filtered by unit: only that unit's people.
        _, page = await a.get(h.url + f"/tochuc/thanhvien?donvi={ids['Chi bộ Ấp 2']}")
        assert "Võ Văn Dũng" in page and "Nguyễn Văn An" not in page

        base = h.url + f"/tochuc/thanhvien/{an.id}"
        assert (await a.post(base + "/thoibaocao", {}))[0] == 403                 # no token
        status, _, page = await a.post(base + "/thoibaocao", {"csrf": token})
        assert status == 200 and "Đã cập nhật: Nguyễn Văn An" in page
        status, _, page = await a.post(base + "/chuyen", {"unit": str(ids["Chi bộ Ấp 3"]),
                                                          "csrf": token})
        assert status == 200 and "(Chi bộ Ấp 3)" in page
        # Into another commune's unit, or a sister commune's person: refused.
        status, _, _ = await a.post(base + "/chuyen", {"unit": str(ids["Chi bộ Ấp Đông"]),
                                                       "csrf": token})
        assert status == 400
        status, _, _ = await a.post(h.url + f"/tochuc/thanhvien/{dong.id}/ngung", {"csrf": token})
        assert status == 400
        status, _, _ = await b.post(base + "/vaoban", {"csrf": _token((await b.get(
            h.url + "/tochuc/thanhvien"))[1])})
        assert status == 400
        assert (await a.post(base + "/xoa", {"csrf": token}))[0] == 404           # no such verb
        status, _, page = await a.post(base + "/vaoban", {"csrf": token})
        assert status == 200 and "thành viên Ban" in page
        with h.loa.db.read() as s:
            m = s.get(Member, an.id)
            assert (m.unit_id, m.is_reporter, m.role, m.board_unit_id) == (
                ids["Chi bộ Ấp 3"], False, "admin", ids["Xã An Phú"])
            assert s.get(Member, dong.id).active
        # The new board member signs in to the desk and sees the commune's board page.
        async with client() as an_desk:
            assert (await an_desk.signin(h.url, init_data(MEMBER_A1, "An")))[0] == 200
            assert "Chi bộ Ấp 1" in (await an_desk.get(h.url + "/tochuc"))[1]
        status, _, page = await a.post(base + "/ngung", {"csrf": token})
        assert status == 200 and "đã ngừng" in page

        # A unit moves under another of the board's units; not under another commune's.
        status, _, page = await a.post(h.url + f"/tochuc/donvi/{ids['Chi bộ Ấp 3']}/chuyen",
                                       {"parent": str(ids["Chi bộ Ấp 1"]), "csrf": token})
        assert status == 200 and "Đã chuyển «Chi bộ Ấp 3»" in page
        status, _, _ = await a.post(h.url + f"/tochuc/donvi/{ids['Chi bộ Ấp 2']}/chuyen",
                                    {"parent": str(ids["Xã Bình Minh"]), "csrf": token})
        assert status == 400
        assert _unit(h, "Chi bộ Ấp 3").parent_id == ids["Chi bộ Ấp 1"]
        assert _unit(h, "Chi bộ Ấp 2").parent_id == ids["Xã An Phú"]
        with h.loa.db.read() as s:
            log = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert log == ["member_not_reporter", "member_move", "member_board", "member_deactivate",
                       "unit_move"]


async def test_a_board_imports_units_from_an_excel_csv_after_a_preview(sqlite_url, tmp_path):
    import aiohttp

    async def send(c, url, data: bytes, token):
        form = aiohttp.FormData()
        form.add_field("csrf", token)
        form.add_field("file", data, filename="donvi.csv", content_type="text/csv")
        return await c.post(url + "/tochuc/nhap/xem", form)

    async with desk_bot(sqlite_url, tmp_path) as h, client() as a:
        ids = h.tree.units
        assert (await a.signin(h.url, init_data(ADMIN_A, "Bảo")))[0] == 200
        token = _token((await a.get(h.url + "/tochuc"))[1])
        # Excel's Vietnamese defaults: a BOM, ";" between cells, CRLF.
        csv_bytes = ("\ufeffname;parent\r\nChi bộ Thôn 5;\r\nTổ Tuyên truyền;Chi bộ Thôn 5\r\n"
                     "Chi bộ Ấp 1;Xã An Phú\r\n").encode("utf-8")
        status, _, page = await send(a, h.url, csv_bytes, token)
        assert status == 200 and "2 đơn vị mới, 1 đơn vị đã có" in page, page[-600:]
        assert "Thêm mới: Tổ Tuyên truyền" in page and "Đã có: Xã An Phú › Chi bộ Ấp 1" in page
        assert _unit(h, "Chi bộ Thôn 5") is None                       # a preview changes nothing
        carried = re.search(r'<textarea name="csv" hidden>(.*?)</textarea>', page, re.S).group(1)
        status, _, page = await a.post(h.url + "/tochuc/nhap", {
            "csv": html.unescape(carried), "csrf": token})
        assert status == 200 and "Đã nhập: 2 đơn vị mới, 1 đơn vị đã có" in page
        thon5 = _unit(h, "Chi bộ Thôn 5")
        assert thon5.parent_id == ids["Xã An Phú"] and _unit(h, "Tổ Tuyên truyền").parent_id == thon5.id
        # Again: nothing new (idempotent).
        status, _, page = await send(a, h.url, csv_bytes, token)
        assert "0 đơn vị mới, 3 đơn vị đã có" in page
        # A line under another commune is refused with its line; nothing of the file is kept.
        bad = "name,parent\nChi bộ Mới 9,Xã An Phú\nChi bộ Lạ,Xã Bình Minh\n".encode("utf-8")
        status, _, page = await send(a, h.url, bad, token)
        assert status == 400 and "Dòng 3" in page and "ngoài phạm vi" in page
        status, _, page = await a.post(h.url + "/tochuc/nhap", {"csv": bad.decode(), "csrf": token})
        assert status == 400 and _unit(h, "Chi bộ Mới 9") is None and _unit(h, "Chi bộ Lạ") is None
        # Saved by Excel in the old Windows encoding: told how to save it, nothing read.
        status, _, page = await send(a, h.url, b"name\nChi b\xf4 \xc2p M\xf3i\n", token)
        assert status == 400 and "CSV UTF-8" in page
        # Without the token: refused.
        assert (await a.post(h.url + "/tochuc/nhap", {"csv": csv_bytes.decode()}))[0] == 403
        with h.loa.db.read() as s:
            log = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert log == ["unit_import"]
