"""Invites with a number of uses (CLI `--uses N`, chat `/moi UNIT | N`), uses left in the invite
lists, and one rate limit on invalid codes across all users."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.db.models import Invite, InviteFailure, Member
from bot.texts import common as T


def _members(loa, unit: str) -> int:
    with loa.db.session() as s:
        return s.scalar(select(func.count(Member.id)).join(Member.unit)
                        .where(Member.unit.has(name=unit))) or 0


def test_cli_invite_with_uses_and_the_invite_list(tmp_path, monkeypatch, capsys, db_url):
    monkeypatch.setenv("LOA_DATABASE_URL", db_url)
    monkeypatch.setenv("LOA_BOT_USERNAME", "loa_thuan_thanh_bot")
    monkeypatch.chdir(tmp_path)
    assert main(["units", "add", "Chi bộ Khu phố 7"]) == 0
    assert main(["invite", "Chi bộ Khu phố 7", "--uses", "2"]) == 0
    out = capsys.readouterr().out
    assert "Số lượt:   còn 2/2 lượt" in out
    code = [line for line in out.splitlines() if line.startswith("Mã mời:")][0].split()[-1]
    assert main(["invite", "Chi bộ Khu phố 7"]) == 0
    assert "Số lượt:   không giới hạn" in capsys.readouterr().out
    # A wrong number is refused by the parser, before anything is created.
    with pytest.raises(SystemExit):
        main(["invite", "Chi bộ Khu phố 7", "--uses", "0"])
    capsys.readouterr()
    from bot.db import Database
    from bot.services.members import MembersService
    db = Database(db_url)
    try:
        svc = MembersService(db)
        svc.join(code, 71, 71, "Người Một", None)
        svc.join(code, 71, 71, "Người Một", None)   # the same person again uses nothing up
        assert main(["invites"]) == 0
        listing = capsys.readouterr().out
        line = next(x for x in listing.splitlines() if x.startswith(code))
        assert "đã dùng 1, còn 1/2 lượt" in line
        assert "2 mã mời còn dùng được" in listing
        svc.join(code, 72, 72, "Người Hai", None)
        with pytest.raises(Exception) as refused:
            svc.join(code, 73, 73, "Người Ba", None)
        assert refused.value.user_message == T.INVITE_USED_UP.format(board="Ban Tuyên giáo")
        assert main(["invites"]) == 0
        assert code not in capsys.readouterr().out          # used up: no longer listed
        assert main(["invites", "--all"]) == 0
        assert "đã dùng 2, còn 0/2 lượt" in capsys.readouterr().out
    finally:
        db.dispose()


async def test_chat_invite_with_uses_is_used_up_and_listed(bot_sqlite):
    bot = bot_sqlite
    admin = bot.admin
    await admin.reply("/start")
    await admin.reply("/donvi_them Chi bộ Khu phố 8")
    reply = await admin.reply("/moi Chi bộ Khu phố 8 | 2 lượt")
    assert "Số lượt dùng: còn 2/2 lượt" in reply.text
    code = reply.text.split("start=")[1].split()[0]
    first, second, third = bot.user("Người Một"), bot.user("Người Hai"), bot.user("Người Ba")
    assert "Chi bộ Khu phố 8" in (await first.reply(f"/start {code}")).text
    listing = await admin.reply("/moi_ds")
    assert "Chi bộ Khu phố 8" in listing.text and code in listing.text
    assert "còn 1/2 lượt" in listing.text and "đã dùng 1" in listing.text
    assert "Chi bộ Khu phố 8" in (await second.reply(f"/start {code}")).text
    # The third person finds the invite used up; nobody was added.
    assert (await third.reply(f"/start {code}")).text == T.INVITE_USED_UP.format(board="Ban Tuyên giáo")
    assert bot.loa.members.get(third.id) is None
    assert _members(bot.loa, "Chi bộ Khu phố 8") == 2
    assert code not in (await admin.reply("/moi_ds")).text
    # Bad numbers are explained.
    for bad in ("/moi Chi bộ Khu phố 8 | 0", "/moi Chi bộ Khu phố 8 | nhiều"):
        assert "Số lượt dùng mã mời" in (await admin.reply(bad)).text
    assert "lượt" in (await admin.reply("/moi")).text    # usage shows the form
    # Members cannot list invites.
    member = await bot.member("Chi bộ Khu phố 1")
    assert "chỉ dành cho Ban Tuyên giáo" in (await member.reply("/moi_ds")).text


@pytest.fixture
def settings_overrides():
    return {"invite_fail_limit": 5, "invite_fail_window": 600.0}


async def test_invalid_codes_are_rate_limited_across_all_users(bot):
    bot.loa.members.add_unit("Chi bộ Khu phố 9")
    good = bot.loa.members.create_invite("Chi bộ Khu phố 9")
    # Five guessers, one wrong code each: every one is told plainly that the code is wrong.
    for i in range(5):
        guesser = bot.user(f"Người đoán {i}")
        assert (await guesser.reply(f"/start doan-ma-{i}-xxxxxxxx")).text == T.INVITE_INVALID.format(board="Ban Tuyên giáo")
    # Now nobody's code is checked, not even a valid one: guessing gets nowhere.
    late = bot.user("Người đến sau")
    reply = await late.reply(f"/start {good.code}")
    assert "quá nhiều mã mời sai" in reply.text and "phút" in reply.text
    assert bot.loa.members.get(late.id) is None
    with bot.loa.db.session() as s:
        assert s.scalar(select(Invite.uses).where(Invite.code == good.code)) == 0
        assert s.scalar(select(func.count(InviteFailure.id))) == 5   # a refused try is no guess
    # Once the window has passed (the failures are older), codes are checked again.
    with bot.loa.db.session() as s:
        for failure in s.scalars(select(InviteFailure)):
            failure.at = failure.at - timedelta(seconds=601)
    assert "Chi bộ Khu phố 9" in (await late.reply(f"/start {good.code}")).text
    assert bot.loa.members.get(late.id).unit_name == "Chi bộ Khu phố 9"
