"""Issue 23's week of a province board, done in a browser only: units from a CSV, a new chi bộ
and its invites, a broadcast to two communes, five answers, a document upload, the monthly
export — and every effect seen by members on Telegram and on Zalo."""
from __future__ import annotations

import asyncio
import html
import re

import aiohttp
from sqlalchemy import select

from bot.db.models import AuditEntry, Delivery, Question, Unit
from tests.conftest import ADMIN_ID, FakeUser
from tests.deskdata import init_data
from tests.test_desk import client
from tests.test_knowledge_upload import guide_docx
from tests.zaloharness import running_zalo

QUESTIONS_TG = ["Phụ cấp hàng tháng cho tuyên truyền viên là bao nhiêu tiền?",
                "giá lúa vụ đông năm nay bao nhiêu một cân",
                "lịch tiêm vắc xin cho trẻ ở trạm y tế xã là thứ mấy"]
QUESTIONS_ZALO = ["tiền điện tháng này tăng bao nhiêu phần trăm",
                  "đường liên thôn bao giờ được đổ bê tông"]


def _token(page: str) -> str:
    return re.search(r'name="csrf" value="(\w+)"', page).group(1)


def _unit(loa, name: str) -> int:
    with loa.db.read() as s:
        return s.scalar(select(Unit.id).where(Unit.name == name))


async def _ask_tg(h, user, text: str) -> None:
    """Ask; when Loa shows a related passage, send the question on to the board (its button)."""
    mark = await user.send(text)
    reply = await user.next_reply(mark)
    button = next((b for b in reply.buttons() if b.get("callback_data", "").startswith("qa:ask:")),
                  None)
    if button is not None:
        await user.press_data(button["callback_data"], reply)


async def _ask_zalo(z, text: str) -> None:
    reply = await z.say(text)
    if "3 để gửi câu hỏi cho Ban" in reply:
        reply = await z.say("3")
    assert "đã được chuyển đến" in reply, reply


async def test_a_province_boards_week_in_the_browser_reaches_both_channels(sqlite_url, own_kb):
    async with running_zalo(sqlite_url, own_kb, mode="polling", telegram=True,
                            web_url="https://desk.example.vn") as h, client() as desk:
        loa = h.loa
        url = h.app.bot_data["desk"].url
        assert (await desk.signin(url, init_data(ADMIN_ID, "Ban Tuyên giáo")))[0] == 200
        token = _token((await desk.get(url + "/phatdi"))[1])

        # Monday: the communes from Excel, then a new chi bộ, and an invite for each chi bộ.
        form = aiohttp.FormData()
        form.add_field("csrf", token)
        form.add_field("file", "\ufeffname;parent\r\nĐảng ủy xã An Bình;\r\nĐảng ủy xã Bình Minh;\r\n"
                       "Chi bộ Thôn 1;Đảng ủy xã An Bình\r\n".encode(), filename="donvi.csv")
        _, _, page = await desk.post(url + "/tochuc/nhap/xem", form)
        csv_text = html.unescape(re.search(r'<textarea name="csv" hidden>(.*?)</textarea>', page,
                                           re.S).group(1))
        assert "Đã nhập: 3 đơn vị mới" in (await desk.post(url + "/tochuc/nhap",
                                                            {"csv": csv_text, "csrf": token}))[2]
        _, _, page = await desk.post(url + "/tochuc/donvi/them", {
            "name": "Chi bộ Thôn 2", "parent": str(_unit(loa, "Đảng ủy xã Bình Minh")), "csrf": token})
        assert "Đã thêm đơn vị «Chi bộ Thôn 2»" in page
        codes = {}
        for unit in ("Chi bộ Thôn 1", "Chi bộ Thôn 2"):
            _, _, page = await desk.post(url + "/tochuc/moi", {
                "unit": str(_unit(loa, unit)), "role": "member", "csrf": token})
            codes[unit] = re.search(r"\?start=([\w-]+)", page).group(1)
            assert f"/start {codes[unit]}" in page          # the line to type on Zalo
        tg = FakeUser(h.tg, 5_300_001, "Nguyễn Văn Tê")
        assert "Chi bộ Thôn 1" in (await tg.reply(f"/start {codes['Chi bộ Thôn 1']}")).text
        z = h.user("Trần Thị Zalo")
        assert "Chi bộ Thôn 2" in await z.say(f"/start {codes['Chi bộ Thôn 2']}")

        # Tuesday: one broadcast to the two communes, once to each member on their channel.
        status, location, _ = await desk.post(url + "/phatdi/gui", {
            "csrf": token, "text": "Lịch học tập Chỉ thị 30 tuần này",
            "unit": [str(_unit(loa, "Đảng ủy xã An Bình")), str(_unit(loa, "Đảng ủy xã Bình Minh"))]})
        assert status == 303
        bid = int(re.search(r"da_gui=(\d+)", location).group(1))
        await h.tg.wait_for(lambda c: c.chat_id == tg.id and "Lịch học tập" in c.text)
        await h.zalo.wait_for(lambda c: c.chat_id == z.id and "Lịch học tập" in c.text)

        # Wednesday: five questions come in from both channels; five answers from the desk.
        for q in QUESTIONS_TG:
            await _ask_tg(h, tg, q)
        for q in QUESTIONS_ZALO:
            await _ask_zalo(z, q)
        _, page = await desk.get(url + "/cauhoi")
        ids = [int(i) for i in re.findall(r'data-question="(\d+)"', page)]
        assert len(ids) == 5, page[-1500:]
        for qid in ids:
            status, _, _ = await desk.post(f"{url}/cauhoi/{qid}/traloi", {
                "text": f"Ban trả lời câu hỏi số {qid}: sẽ thông báo tại buổi sinh hoạt.",
                "csrf": token})
            assert status == 303
        for qid in ids:
            with loa.db.read() as s:
                asker = s.get(Question, qid).chat_id
            if asker == tg.id:
                await h.tg.wait_for(lambda c, q=qid: c.chat_id == tg.id
                                    and f"câu hỏi số {q}:" in c.text)
            else:
                await h.zalo.wait_for(lambda c, q=qid: c.chat_id == z.id
                                      and f"câu hỏi số {q}:" in c.text)

        # Thursday: a guide uploaded from the computer answers a Zalo member at once.
        form = aiohttp.FormData()
        form.add_field("csrf", token)
        form.add_field("file", guide_docx(), filename="huong-dan-45-ngay-hoi-doc-sach.docx")
        assert "Đã thêm" in (await desk.post(url + "/vanban/tai", form))[2]
        assert "tuần cuối tháng 10" in await z.say("ngay hoi doc sach to chuc vao khi nao")

        # Friday: the month's export, and the log of the week.
        async with desk.http.get(url + "/xuat/xlsx", headers=desk._headers()) as r:
            assert r.status == 200 and r.headers["Content-Type"].startswith(
                "application/vnd.openxmlformats")
        with loa.db.read() as s:
            sent = s.scalars(select(Delivery).where(Delivery.broadcast_id == bid)).all()
            actions = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
                       if e.channel == "desk"]
        assert sorted(d.state for d in sent) == ["sent", "sent"]
        assert actions == (["unit_import", "unit_add", "invite", "invite", "broadcast"]
                           + ["answer"] * 5 + ["document_upload"])
        await asyncio.sleep(0.3)
        assert len([c for c in h.tg.sent(tg.id) if "Lịch học tập" in c.text]) == 1
        assert len([c for c in h.zalo.sent(z.id) if "Lịch học tập" in c.text]) == 1
