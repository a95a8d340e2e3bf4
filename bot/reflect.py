"""Phản ánh through any channel: the same parsing, wording and notices for a member on Telegram
or Zalo and for a board in the chat or on the desk (the bot routes Zalo addresses)."""
from __future__ import annotations

import logging

from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.relay import tell_chats
from bot.render import pack_html
from bot.services.reflections import parse_line
from bot.text import esc, esc_short, fmt_datetime
from bot.texts import reflections as T

log = logging.getLogger(__name__)
LIST_TEXT_CHARS = 300


def _who(reporter: str) -> str:
    return esc(reporter) if reporter else T.ANONYMOUS


async def submit(bot, loa, telegram_id: int, chat_id: int, line: str, source: str | None,
                 photo: str | None = None) -> str:
    """Record what a member typed after /phananh (an urgent one told to its board at once);
    the reply to the member, HTML. Someone not registered is told so before anything else."""
    await loa.run(loa.members.require_member, telegram_id)
    kind, text, urgent, anonymous = parse_line(line)
    if kind is None:
        return T.KIND_UNKNOWN
    got = await loa.run(loa.reflections.submit, telegram_id, chat_id, kind, text, urgent,
                        anonymous, photo, source)
    if not got.created:
        return T.SENT_AGAIN.format(id=got.id)
    kind_name = T.KINDS[got.kind]
    if got.urgent:
        notice = T.NOTICE_URGENT.format(id=got.id, kind=kind_name, who=_who(got.reporter),
                                        unit=esc(got.unit or T.NO_UNIT), text=esc(got.text))
        await tell_chats(bot, got.board_chats, [notice], "a phản ánh")
    return (T.SENT_URGENT if got.urgent else T.SENT).format(id=got.id, kind=kind_name,
                                                           board=esc(got.board))


def guided_line(kind: str, words: str) -> str:
    """The line a guided form's answers make: the kind chosen, the words typed ("khẩn …" at their
    start marks it urgent)."""
    words = words.strip()
    urgent = words.lower().startswith(("khẩn", "khan", "gấp", "gap"))
    return f"{kind} | {words}" + (" | khẩn" if urgent else "")


def mine_blocks(items, tz) -> list[str]:
    if not items:
        return [T.MINE_NONE]
    blocks = [T.MINE_HEAD.format(count=len(items))]
    for r in items:
        line = T.MINE_LINE.format(id=r.id, kind=T.KINDS[r.kind], status=T.STATUS[r.status],
                                  when=fmt_datetime(r.created_at, tz),
                                  text=esc_short(r.text, 200))
        if r.answer:
            line += "\n" + T.MINE_ANSWER.format(answer=esc_short(r.answer, 500))
        blocks.append(line)
    return blocks


def list_blocks(items, counts: dict[str, int], tz, status: str | None = None) -> list[str]:
    """What a board sees: urgent first, who (unless anonymous), where, where it stands."""
    head = T.LIST_HEAD.format(what=T.STATUS.get(status, T.LIST_OPEN), shown=len(items),
                              new=counts.get("moi", 0) + counts.get("chuyen_len", 0),
                              working=counts.get("dang_xu_ly", 0),
                              answered=counts.get("da_tra_loi", 0))
    if not items:
        return [head, T.LIST_NONE]
    lines = [T.LIST_LINE.format(urgent=T.URGENT + " " if r.urgent else "", id=r.id,
                                kind=T.KINDS[r.kind], status=T.STATUS[r.status],
                                who=_who(r.reporter), unit=esc(r.unit or T.NO_UNIT),
                                when=fmt_datetime(r.created_at, tz),
                                text=esc_short(r.text, LIST_TEXT_CHARS)) for r in items]
    return [head, *lines, T.LIST_FOOTER]


async def answer(bot, loa, scope, reflection_id: int, text: str, via: str = "chat"
                 ) -> tuple[str, bool]:
    """The board's answer, stored and sent to the member on their channel; (confirmation,
    whether the member got it)."""
    done = await loa.run(loa.reflections.answer, scope, reflection_id, text, via)
    message = T.ANSWER_TO_MEMBER.format(board=esc(done.board), id=done.id,
                                        text=esc_short(done.text, 200), answer=esc(done.answer))
    delivered = True
    try:
        for part in pack_html([message]):
            await bot.send_message(done.chat_id, part, parse_mode=ParseMode.HTML)
    except (Forbidden, BadRequest) as e:
        log.info("answer to phản ánh %s not delivered: %s", reflection_id, e)
        delivered = False
    return (T.ANSWERED if delivered else T.ANSWERED_NOT_DELIVERED).format(id=done.id), delivered


async def escalate(bot, loa, scope, reflection_id: int, via: str = "chat"):
    """Pass it to the board above, which is told at once; the PassedUp."""
    up = await loa.run(loa.reflections.escalate, scope, reflection_id, via)
    r = up.info
    await tell_chats(bot, up.board_chats, [T.NOTICE_PASSED.format(
        from_board=esc(up.from_board), id=r.id, kind=T.KINDS[r.kind], who=_who(r.reporter),
        unit=esc(r.unit or T.NO_UNIT), text=esc(r.text))], "a phản ánh passed up")
    return up


def trend_blocks(topics, total: int, days: int) -> list[str]:
    """The largest topics, with how many, from how many units, and this week against the last."""
    if not topics:
        return [T.TRENDS_NONE.format(days=days)]
    lines = []
    for t in topics:
        template = T.TREND_UP if t.this_week > t.last_week else (
            T.TREND_DOWN if t.this_week < t.last_week else T.TREND_SAME)
        lines.append(T.TRENDS_LINE.format(count=t.count, units=t.units,
                                          trend=template.format(now=t.this_week, before=t.last_week),
                                          label=esc_short(t.label, 200)))
    return [T.TRENDS_HEAD.format(days=days, total=total), *lines]


async def orient(bot, loa, scope, reflection_id: int, broadcast_id: int, text: str,
                 via: str = "chat") -> int:
    """After an orientation broadcast: the false post's phản ánh answered with it, each
    reporter told on their channel; how many were told."""
    done = await loa.run(loa.reflections.orient, scope, reflection_id, broadcast_id, text, via)
    told = 0
    for h in done:
        if h.kind == "mo_hinh":
            message = T.MODEL_TOLD.format(board=esc(h.board), id=h.id, text=esc_short(h.text, 200))
        else:
            message = T.ORIENT_TOLD.format(board=esc(h.board), id=h.id,
                                           text=esc_short(h.text, 200), answer=esc(text))
        try:
            for part in pack_html([message]):
                await bot.send_message(h.chat_id, part, parse_mode=ParseMode.HTML)
            told += 1
        except TelegramError as e:
            log.info("could not tell the reporter of phản ánh %s: %s", h.id, e)
    return told
