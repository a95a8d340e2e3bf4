"""Messages to people other than the one who wrote: the board's notice of a question and the
board's answer to its asker, each on the receiver's own channel (the bot routes Zalo addresses)."""
from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.address import is_zalo
from bot.render import DELIVERY_QUESTION_CHARS, notice_text, pack_html
from bot.text import esc, esc_short, fmt_date
from bot.texts import province as TP
from bot.texts import qa as T
from bot.texts import zalo as TZ

log = logging.getLogger(__name__)
FOLDED_CHARS = 200   # of each question in a folded notice (the whole one is in /cauhoi)


def escalate_markup(question_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(TP.BTN_ESCALATE,
                                                       callback_data=f"qa:esc:{question_id}")]])


async def notify_board(bot, loa, notice, body: str) -> None:
    """Send a question notice to the board it is handed to (a unit's board may pass it up).
    A board member on Zalo, who has no buttons and no replies, is told what to type. Past a
    few notices a minute to one chat, the rest wait and go as one message (NoticeFolder)."""
    markup = escalate_markup(notice.question_id) if notice.can_escalate else None
    folder = loa.notices
    for chat_id in notice.chat_ids:
        if not folder.admit(chat_id):
            line = T.FOLDED_LINE.format(id=notice.question_id,
                                        name=esc_short(notice.asker_name, 80),
                                        unit=esc_short(notice.unit_name or T.NOTICE_NO_UNIT, 80),
                                        question=esc_short(notice.question, FOLDED_CHARS))
            if folder.hold(chat_id, line):
                task = asyncio.create_task(
                    _send_folded(bot, folder, chat_id, folder.delay(chat_id)))
                folder.tasks.add(task)
                task.add_done_callback(folder.tasks.discard)
            continue
        text = body + (TZ.NOTICE_REPLY_HINT.format(id=notice.question_id)
                       if is_zalo(chat_id) else "")
        try:
            async with folder.turn(chat_id):
                msg = await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML,
                                             reply_markup=markup)
        except TelegramError as e:
            log.warning("could not notify admin chat %s about question %s: %s",
                        chat_id, notice.question_id, e)
            continue
        # At once, not after the other admins' notices (a reply faster than that still
        # finds its question by the number the notice carries).
        await loa.run(loa.questions.record_notice, notice.question_id, chat_id, msg.message_id)


async def escalate(bot, loa, scope, question_id: int, via: str = "chat"):
    """"⬆️ Chuyển lên cấp trên": hand an open question to the next board up and tell that board
    (from the chat or the desk); returns the Escalation."""
    esc_ = await loa.run(loa.questions.escalate, scope, question_id, via)
    n = esc_.notice
    body = TP.ESCALATED_NOTICE.format(from_board=esc(esc_.from_board), id=n.question_id) + \
        "\n" + notice_text(n)
    await notify_board(bot, loa, n, body)
    return esc_


async def _send_folded(bot, folder, chat_id: int, delay: float) -> None:
    """The notices held for one board chat, as one message when its minute is over."""
    try:
        await asyncio.sleep(delay)
    except asyncio.CancelledError:
        pass   # shutting down: what is held goes now rather than never
    lines = folder.take(chat_id)
    if not lines:
        return
    blocks = [T.FOLDED_HEADER.format(count=len(lines)), *lines, T.FOLDED_FOOTER]
    for text in pack_html(blocks):
        try:
            async with folder.turn(chat_id):
                await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
        except TelegramError as e:
            log.warning("could not send %d folded question notices to chat %s: %s",
                        len(lines), chat_id, e)
            return


async def flush_notices(folder) -> None:
    """Send every folded notice still waiting (at shutdown)."""
    tasks = list(folder.tasks)
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)


async def deliver_answer(bot, loa, scope, question_id: int, text: str, admin_chat_id: int | None,
                         admin_name: str, via: str = "chat") -> tuple[str, bool]:
    """Store a board member's answer, send it to the asker on their channel, tell the other
    board members under their notices; returns the confirmation for the one who answered and
    whether the asker got it."""
    ans = await loa.run(loa.questions.answer, scope, question_id, text, via)
    board = esc(ans.board)
    blocks = [T.BOARD_ANSWER.format(question=esc_short(ans.question, DELIVERY_QUESTION_CHARS),
                                    board=board),
              esc(ans.answer), T.FAQ_CITATION.format(date=fmt_date(ans.answered_on), board=board)]
    delivered = True
    try:
        for text in pack_html(blocks):
            await bot.send_message(ans.asker_chat_id, text, parse_mode=ParseMode.HTML)
    except (Forbidden, BadRequest) as e:
        log.info("answer to question %s not delivered: %s", question_id, e)
        delivered = False
    # The other admins got the same notice: tell them, under it, so nobody answers twice.
    admin = esc(admin_name)
    for chat_id, message_id in await loa.run(loa.questions.notices_of, question_id):
        if chat_id == admin_chat_id:
            continue
        try:
            await bot.send_message(
                chat_id, T.ANSWERED_BY_OTHER.format(id=question_id, admin=admin),
                parse_mode=ParseMode.HTML,
                reply_to_message_id=None if is_zalo(chat_id) else message_id)
        except TelegramError as e:
            log.info("could not tell admin chat %s that question %s is answered: %s",
                     chat_id, question_id, e)
    confirm = T.ANSWER_SENT if delivered else T.ANSWER_NOT_DELIVERED
    return confirm.format(id=question_id, name=esc(ans.asker_name)), delivered


async def tell_chats(bot, chats, blocks: list[str], about: str) -> int:
    """HTML blocks to each of a board's chats (Telegram or Zalo), packed into messages; a chat that
    cannot be reached is logged and the others still told. The number of chats told."""
    told = 0
    for chat_id in chats:
        try:
            for text in pack_html(blocks):
                await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
            told += 1
        except TelegramError as e:
            log.warning("could not tell board chat %s of %s: %s", chat_id, about, e)
    return told


async def tell_board_of_join(bot, loa, member_id: int) -> None:
    """Someone joined a board: that board and the one above hear of it at once, on their
    channels (a stranger with a leaked board link is seen the moment they are in)."""
    chats, name, unit = await loa.run(loa.members.board_join_chats, member_id)
    text = TP.BOARD_JOINED_NOTICE.format(name=esc(name or "?"), unit=esc(unit), id=member_id)
    await tell_chats(bot, chats, [text], "a new board member")
