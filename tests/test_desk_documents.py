"""The board's documents on the desk: upload from the computer (the same checks as a file sent
in the chat), answered from at once for that commune's people; listed with owner and parts;
removed at once by the board that sent it, never by a sister commune, never the shipped plan."""
from __future__ import annotations

import re

import aiohttp
from sqlalchemy import select

from bot.db.models import AuditEntry
from tests.conftest import ADMIN_ID, running_bot
from tests.deskdata import ADMIN_A, ADMIN_B, MEMBER_A1, init_data, seed
from tests.test_desk import client
from tests.test_knowledge_upload import guide_docx

NAME = "huong-dan-45-ngay-hoi-doc-sach.docx"


def _token(page: str) -> str:
    return re.search(r'name="csrf" value="(\w+)"', page).group(1)


async def _upload(c, url: str, name: str, data: bytes, token: str | None):
    form = aiohttp.FormData()
    if token:
        form.add_field("csrf", token)
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    return await c.post(url + "/vanban/tai", form)


async def test_a_commune_board_uploads_and_removes_its_document(sqlite_url, own_kb):
    async with running_bot(sqlite_url, own_kb, web_url="https://desk.example.vn") as h, \
            client() as a, client() as b, client() as top:
        h.tree = seed(h.loa.db, h.loa.reports.today())
        url = h.app.bot_data["desk"].url
        assert (await a.signin(url, init_data(ADMIN_A, "Bảo")))[0] == 200
        assert (await b.signin(url, init_data(ADMIN_B, "Cường")))[0] == 200
        assert (await top.signin(url, init_data(ADMIN_ID, "Tỉnh")))[0] == 200
        status, page = await top.get(url + "/vanban")
        assert status == 200 and "Kế hoạch" in page and "tài liệu chung" in page
        assert 'action="vanban/go"' not in page          # the shipped plan is not removed here
        _, page = await a.get(url + "/vanban")
        token = _token(page)
        before = len(h.loa.kb.documents())

        # Without the token, or a file of the wrong type: nothing indexed.
        assert (await _upload(a, url, NAME, guide_docx(), None))[0] == 403
        status, _, text = await _upload(a, url, "virus.exe", b"MZ...", token)
        assert status == 400 and ".docx, .pdf, .txt, .md" in text
        assert len(h.loa.kb.documents()) == before

        status, _, page = await _upload(a, url, NAME, guide_docx(), token)
        assert status == 200 and "Đã thêm" in page, page[-800:]
        assert len(h.loa.kb.documents()) == before + 1
        saved = re.search(r'data-doc="([^"]+)"', page.split('id="docs"')[1]).group(1)
        row = page.split(f'data-doc="{saved}"')[1].split("</li>")[0]
        assert "của Xã An Phú" in row and 'action="vanban/go"' in row

        # A member of the commune is answered from it in Telegram at once.
        member = h.user("Nguyễn Văn An", user_id=MEMBER_A1)
        reply = await member.reply("ngay hoi doc sach to chuc vao khi nao")
        assert "tuần cuối tháng 10" in reply.text

        # A sister commune's board neither sees nor removes it.
        _, b_page = await b.get(url + "/vanban")
        assert saved not in b_page
        status, _, text = await b.post(url + "/vanban/go", {"file": saved, "csrf": _token(b_page)})
        assert status == 400 and "Không gỡ được" in text
        assert len(h.loa.kb.documents()) == before + 1

        status, _, page = await a.post(url + "/vanban/go", {"file": saved, "csrf": token})
        assert status == 200 and "Đã gỡ" in page and f'data-doc="{saved}"' not in page
        assert len(h.loa.kb.documents()) == before
        with h.loa.db.read() as s:
            log = [(e.action, e.channel, e.telegram_id) for e in
                   s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert log == [("document_upload", "desk", ADMIN_A), ("document_remove", "desk", ADMIN_A)]
        assert "gỡ tài liệu" in (await top.get(url + "/nhatky"))[1]
