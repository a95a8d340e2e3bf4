"""Joining by invite, unit and member administration, and access control through the real bot."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import Invite, Member, utcnow
from tests.conftest import ADMIN_ID


async def test_join_by_invite_confirms_unit(bot):
    u = await bot.member("Chi bộ Khu phố 3", "Trần Thị Bình")
    with bot.loa.db.session() as s:
        m = s.scalar(select(Member).where(Member.telegram_id == u.id))
        assert m.unit.name == "Chi bộ Khu phố 3"
        assert m.full_name == "Trần Thị Bình"
        assert m.role == "member"


async def test_start_without_code_explains_invites(bot):
    u = bot.user()
    reply = await u.reply("/start")
    assert "mã mời" in reply.text
    assert bot.loa.members.get(u.id) is None


async def test_invalid_expired_and_revoked_codes_are_refused(bot):
    bot.loa.members.add_unit("Chi bộ 5")
    u = bot.user()
    assert "không hợp lệ" in (await u.reply("/start khongcoma123")).text
    inv = bot.loa.members.create_invite("Chi bộ 5")
    with bot.loa.db.session() as s:
        s.scalar(select(Invite).where(Invite.code == inv.code)).expires_at = \
            utcnow() - timedelta(minutes=1)
    assert "hết hạn" in (await u.reply(f"/start {inv.code}")).text
    inv2 = bot.loa.members.create_invite("Chi bộ 5")
    assert bot.loa.members.revoke_invite(inv2.code)
    assert "thu hồi" in (await u.reply(f"/start {inv2.code}")).text
    assert bot.loa.members.get(u.id) is None


def test_invite_codes_are_unguessable(bot_sqlite):
    members = bot_sqlite.loa.members
    members.add_unit("Chi bộ 9")
    codes = {members.create_invite("Chi bộ 9").code for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) >= 16 for c in codes)


async def test_admin_creates_unit_and_invite_in_chat(bot):
    admin = bot.admin
    await admin.reply("/start")
    reply = await admin.reply("/donvi_them Chi bộ Khu phố <Mới>")
    assert "Chi bộ Khu phố &lt;Mới&gt;" in reply.text
    reply = await admin.reply("/moi Chi bộ Khu phố <Mới>")
    assert "https://t.me/loa_test_bot?start=" in reply.text
    code = reply.text.split("start=")[1].split()[0]
    u = bot.user("Lê Văn Cường")
    joined = await u.reply(f"/start {code}")
    assert "Chi bộ Khu phố &lt;Mới&gt;" in joined.text
    listing = await admin.reply("/donvi")
    assert "1 thành viên" in listing.text


async def test_member_cannot_use_admin_commands(bot):
    u = await bot.member()
    for cmd in ("/donvi", "/moi Chi bộ Khu phố 1", "/thanhvien", "/thanhvien_admin 1"):
        reply = await u.reply(cmd)
        assert "chỉ dành cho Ban Tuyên giáo" in reply.text, cmd
    with bot.loa.db.session() as s:
        assert s.scalar(select(Member.role).where(Member.telegram_id == u.id)) == "member"


async def test_admin_role_is_rechecked_in_database(bot):
    u = await bot.member()
    with bot.loa.db.session() as s:
        m = s.scalar(select(Member).where(Member.telegram_id == u.id))
        m.role = "admin"
    assert "Các đơn vị" in (await u.reply("/donvi")).text
    with bot.loa.db.session() as s:
        s.scalar(select(Member).where(Member.telegram_id == u.id)).role = "member"
    assert "chỉ dành cho Ban Tuyên giáo" in (await u.reply("/donvi")).text


async def test_admin_moves_and_deactivates_member(bot):
    u = await bot.member("Chi bộ A", "Phạm Văn Dũng")
    bot.loa.members.add_unit("Chi bộ B")
    mid = bot.loa.members.get(u.id).id
    await bot.admin.reply("/start")
    reply = await bot.admin.reply(f"/thanhvien_chuyen {mid} Chi bộ B")
    assert "Chi bộ B" in reply.text
    assert bot.loa.members.get(u.id).unit_name == "Chi bộ B"
    reply = await bot.admin.reply(f"/thanhvien_ngung {mid}")
    assert "tạm ngừng" in reply.text
    # A deactivated member loses access at once.
    reply = await u.reply("/start")
    assert "tạm ngừng" in reply.text


async def test_unknown_command_gets_help_pointer(bot_sqlite):
    u = await bot_sqlite.member()
    reply = await u.reply("/khongcolenhnay")
    assert "/huongdan" in reply.text


async def test_group_messages_are_ignored_and_commands_redirected(bot_sqlite):
    u = await bot_sqlite.member()
    mark = await u.send("chi thi 30 do ai ban hanh", chat_id=-100123)
    mark2 = await u.send("/hoi gì đó", chat_id=-100123)
    reply = await bot_sqlite.tg.wait_for(lambda c: c.chat_id == -100123, mark2)
    assert "nhắn riêng" in reply.text
    # the plain group message got no answer of its own
    assert len(bot_sqlite.tg.sent(chat_id=-100123, since=mark)) == 1


async def test_command_menu_set_with_admin_scope(bot_sqlite):
    calls = [c for c in bot_sqlite.tg.calls if c.method == "setMyCommands"]
    assert calls, "setMyCommands was not called"
    default = calls[0].params["commands"]
    assert any(c["command"] == "hoi" for c in default)
    assert not any(c["command"] == "phatdi" for c in default)
    admin_scoped = [c for c in calls if c.params.get("scope", {}).get("type") == "chat"]
    assert admin_scoped and admin_scoped[0].params["scope"]["chat_id"] == ADMIN_ID
    assert any(c["command"] == "phatdi" for c in admin_scoped[0].params["commands"])


async def test_flood_limit_answers_politely(sqlite_url, shared_kb):
    from tests.conftest import running_bot
    async with running_bot(sqlite_url, shared_kb, flood_limit=3, flood_window=60) as h:
        u = h.user()
        mark = h.tg.mark()
        for _ in range(6):
            await u.send("/start")
        await h.tg.wait_for(lambda c: "nhanh" in c.text and c.chat_id == u.id, mark)
        await h.settled()
        replies = h.tg.sent(chat_id=u.id, since=mark)
        assert len(replies) == 4  # three answers and one polite warning
