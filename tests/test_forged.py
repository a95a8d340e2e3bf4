"""Forged button data and ids (issue: 5 strangers made 100 error notices in 35 s): every id from
a button or a command is checked before it reaches the database, the presser gets a clear
answer, and error notices to the board are folded so a burst of faults cannot flood it."""
from __future__ import annotations

import pytest

from bot.handlers.guard import NOTICE_GAP, _fold_notice
from bot.text import parse_id
from tests.conftest import ADMIN_ID

FORGED = ["qa:up:" + "9" * 40, "qa:down:²", "ack:²", "ack:" + "1" * 30, "qa:sec:" + "7" * 25,
          "qa:more:12:٣", "qa:esc:-1", "qa:ask:99999999999999999999", "rep:ok:" + "5" * 20,
          "bcl:cancel:" + "8" * 19, "qa:faq:²", "dgx:" + "3" * 40]


@pytest.mark.parametrize("value,expected", [("12", 12), ("#7", 7), (" 42 ", 42),
                                            ("999999999999", 999999999999)])
def test_parse_id_takes_short_ascii_numbers(value, expected):
    assert parse_id(value) == expected


@pytest.mark.parametrize("value", ["", "²", "٣", "1" * 13, "-1", "1.5", "12a", None, "１２"])
def test_parse_id_refuses_everything_else(value):
    assert parse_id(value) is None


def test_error_notices_are_folded_within_a_minute():
    data: dict = {}
    assert _fold_notice(data, now=100.0) == 0                 # the first goes out
    assert all(_fold_notice(data, now=100.0 + i) is None for i in range(1, 30))
    assert _fold_notice(data, now=100.0 + NOTICE_GAP) == 29   # the next one counts the rest


async def test_forged_buttons_get_an_answer_and_no_error_notice(bot):
    h = bot
    strangers = [h.user(f"Lạ {i}") for i in range(3)]
    member = await h.member()
    mark = h.tg.mark()
    for user in strangers + [member]:
        for data in FORGED:
            await user.press_data(data)        # waits for the answer to the press
    await h.settled()
    notices = [c for c in h.tg.sent(chat_id=ADMIN_ID, since=mark) if "Lỗi" in (c.text or "")]
    assert notices == []
    answers = [c for c in h.tg.calls[mark:] if c.method == "answerCallbackQuery"]
    assert len(answers) == len(FORGED) * 4
    # The bot still answers.
    assert "Hướng dẫn" in (await member.reply("/huongdan")).text


async def test_commands_with_forged_numbers_are_refused_plainly(bot):
    h = bot
    await h.admin.reply("/start")
    for text in ["/traloi ² câu trả lời", "/traloi " + "9" * 30 + " trả lời",
                 "/thanhvien_ngung ²", "/thanhvien_ngung " + "4" * 25]:
        reply = (await h.admin.reply(text)).text
        assert "Cách dùng" in reply, (text, reply)


async def test_a_command_in_a_group_answers_with_a_button_to_the_private_chat(bot_sqlite):
    h = bot_sqlite
    u = h.user("Người trong nhóm")
    mark = await u.send("/baocao", chat_id=-100777)
    hint = await h.tg.wait_for(lambda c: c.chat_id == -100777, mark)
    assert "nhắn riêng" in hint.text.lower()
    [button] = hint.buttons()
    assert button["url"] == "https://t.me/loa_test_bot"
