"""A broadcast with a photo or a file written on the desk: stored once, uploaded to Telegram
once (then sent by Telegram's file id), sent to Zalo members as the photo itself by its public
address (a document as a link, since Zalo cannot send files); each member gets it once."""
from __future__ import annotations

import asyncio
import re

import aiohttp
from sqlalchemy import select

from bot.db.models import Delivery
from tests.conftest import ADMIN_ID, FakeUser
from tests.deskdata import init_data
from tests.test_desk import client
from tests.zaloharness import running_zalo

# The smallest valid PNG (1x1), as a phone's photo would be, only smaller.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


async def _eventually(check, timeout: float = 20.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        got = check()
        if got or asyncio.get_running_loop().time() > deadline:
            return got
        await asyncio.sleep(0.1)


async def _preview(c, url, token, text, name, data):
    form = aiohttp.FormData()
    form.add_field("csrf", token)
    form.add_field("text", text)
    form.add_field("tep", data, filename=name, content_type="application/octet-stream")
    return await c.post(url + "/phatdi/xemtruoc", form)


async def test_a_photo_and_a_file_broadcast_from_the_desk_reach_both_channels(sqlite_url, tmp_path):
    async with running_zalo(sqlite_url, _kb(tmp_path), mode="polling", telegram=True,
                            web_url="https://desk.example.vn", media_dir=tmp_path / "media") as h, \
            client() as top:
        loa = h.loa
        loa.members.add_unit("Chi bộ Khu phố 1")
        inv = loa.members.create_invite("Chi bộ Khu phố 1")
        tg_users = [FakeUser(h.tg, 5_200_001 + i, f"Thành viên {i}") for i in range(2)]
        for u in tg_users:
            await u.reply(f"/start {inv.code}")
        z = h.user("Người dùng Zalo")
        await z.say(inv.code)
        url = h.app.bot_data["desk"].url
        assert (await top.signin(url, init_data(ADMIN_ID, "Ban")))[0] == 200
        _, page = await top.get(url + "/phatdi")
        token = re.search(r'name="csrf" value="(\w+)"', page).group(1)

        # A program not a broadcast file: refused, nothing kept.
        status, _, text = await _preview(top, url, token, "Xem", "virus.exe", b"MZ")
        assert status == 400 and ".jpg, .png" in text
        # The photo: the preview shows it and carries the stored name, not the bytes.
        status, _, page = await _preview(top, url, token, "Ảnh mô hình «Dân vận khéo» thôn 3",
                                         "mo-hinh.JPG", PNG)
        assert status == 200 and 'id="shown-photo"' in page
        name = re.search(r'name="media" value="(\w+\.jpg)"', page).group(1)
        async with aiohttp.ClientSession() as http:               # public: Zalo fetches it
            async with http.get(f"{url}/tep/{name}") as r:
                assert r.status == 200 and await r.read() == PNG
                assert r.headers["Content-Type"] == "image/jpeg"
            async with http.get(f"{url}/tep/..%2Fdatabase.db") as r:
                assert r.status == 404
        status, location, _ = await top.post(url + "/phatdi/gui", {
            "csrf": token, "text": "Ảnh mô hình «Dân vận khéo» thôn 3", "media": name})
        assert status == 303
        bid = int(re.search(r"da_gui=(\d+)", location).group(1))

        def sent_all():
            with loa.db.read() as s:
                rows = s.scalars(select(Delivery).where(Delivery.broadcast_id == bid)).all()
            return len(rows) == 3 and all(r.state == "sent" for r in rows)
        assert await _eventually(sent_all)
        photos = [c for c in h.tg.calls if c.method == "sendPhoto"]
        assert sorted(c.chat_id for c in photos) == sorted(u.id for u in tg_users)
        uploads = [c for c in photos if "photo" in c.files]
        assert len(uploads) == 1                             # uploaded once, then by file id
        assert all("Dân vận khéo" in c.text for c in photos)
        zalo_photo = [c for c in h.zalo.calls if c.method == "sendPhoto" and c.chat_id == z.id]
        assert len(zalo_photo) == 1
        assert zalo_photo[0].params["photo"] == f"https://desk.example.vn/tep/{name}"
        assert "Dân vận khéo" in zalo_photo[0].params["caption"]

        # A document: Telegram gets the file, Zalo the link.
        status, _, page = await _preview(top, url, token, "Tài liệu sinh hoạt tháng 12",
                                         "tai-lieu.pdf", b"%PDF-1.4 tai lieu")
        assert status == 200 and 'id="shown-file"' in page
        doc = re.search(r'name="media" value="(\w+\.pdf)"', page).group(1)
        status, location, _ = await top.post(url + "/phatdi/gui", {
            "csrf": token, "text": "Tài liệu sinh hoạt tháng 12", "media": doc})
        bid = int(re.search(r"da_gui=(\d+)", location).group(1))
        assert await _eventually(sent_all)
        assert len([c for c in h.tg.calls if c.method == "sendDocument"]) == 2
        link = [c for c in h.zalo.calls if c.method == "sendMessage" and c.chat_id == z.id
                and "Tài liệu sinh hoạt" in c.params.get("text", "")]
        assert len(link) == 1 and f"https://desk.example.vn/tep/{doc}" in link[0].params["text"]
        # A forged name is not a file of the store: refused.
        status, _, text = await top.post(url + "/phatdi/gui", {
            "csrf": token, "text": "x", "media": "../../var/loa.db"})
        assert status == 400


def _kb(tmp_path):
    from indexer import IndexConfig, KnowledgeBase
    return KnowledgeBase(IndexConfig(knowledge_dir=tmp_path / "none", index_dir=tmp_path / "noidx"))
