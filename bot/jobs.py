"""Scheduled work of the running bot: the monthly report reminders and the nightly draft purge.

Like a handler, a job is an edge: the reports service decides (and claims, once) who is to be
reminded and returns it as data; the job renders it with bot/texts and sends it. Reminders
are bulk sends: they yield the send budget to replies.
"""
from __future__ import annotations

import logging
from datetime import datetime, time

from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

from bot.context import Loa
from bot.relay import tell_chats
from bot.render import pack_html
from bot.services.reports import ReminderRun
from bot.text import esc
from bot.texts import reports as T

log = logging.getLogger(__name__)
BULK = {"bulk": True}


NAMES_SHOWN = 40   # units named in a board's notice; the rest are counted


def _relative(path: str, board) -> str:
    if board is not None and path.startswith(board.path + " › "):
        return path[len(board.path) + 3:]
    return path


def _names(units, board) -> str:
    """Unit paths below the board, the first NAMES_SHOWN of them (a province may have hundreds)."""
    text = ", ".join(esc(_relative(u.path, board)) for u in units[:NAMES_SHOWN])
    if len(units) > NAMES_SHOWN:
        text += T.REMINDER_BOARD_MORE.format(count=len(units) - NAMES_SHOWN)
    return text


async def send_reminders(app: Application, now: datetime | None = None) -> ReminderRun:
    """Remind the reporters of units without a report this month, then tell each board (the
    top-level board and every unit's board) about the silent units of its own subtree."""
    loa: Loa = app.bot_data["loa"]
    run = await loa.run(loa.reports.claim_reminders, now)
    if not run.due:
        return run
    label = run.period.label
    failed: list[tuple[int, str]] = []   # (unit id, name)
    for target in run.reminded:
        text = T.REMINDER.format(unit=esc(target.unit_name), label=label)
        for person in target.recipients:
            try:
                await app.bot.send_message(person.chat_id, text, parse_mode=ParseMode.HTML,
                                           rate_limit_args=BULK)
            except Forbidden:
                await loa.run(loa.members.mark_unreachable, person.member_id)
                failed.append((target.unit_id, person.name))
            except TelegramError as e:
                log.warning("reminder to member %s failed: %s", person.member_id, e)
                failed.append((target.unit_id, person.name))
    notices = await loa.run(loa.reports.claim_board_reminders, now)
    for notice in notices:
        blocks = []
        if notice.board is not None:
            blocks.append(T.REMINDER_BOARD_OF.format(unit=esc(notice.board.name)))
        if notice.reminded:
            blocks.append(T.REMINDER_BOARD.format(
                label=label, count=len(notice.reminded),
                units=_names(notice.reminded, notice.board)))
        if notice.no_reporter:
            blocks.append(T.REMINDER_BOARD_NO_REPORTER.format(
                count=len(notice.no_reporter),
                units=_names(notice.no_reporter, notice.board)))
        mine = {u.unit_id for u in notice.reminded}
        names = [n for unit_id, n in failed if unit_id in mine]
        if names:
            blocks.append(T.REMINDER_BOARD_UNREACHABLE.format(names=", ".join(esc(n) for n in names)))
        for chat_id in notice.chats:
            for text in pack_html(blocks):
                try:
                    await app.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML,
                                               rate_limit_args=BULK)
                except TelegramError as e:
                    log.warning("reminder summary to admin chat %s failed: %s", chat_id, e)
    return run


async def reminder_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Daily at LOA_REMINDER_TIME; acts from LOA_REMINDER_DAY on (catches up after downtime)."""
    await send_reminders(context.application)


async def purge_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Nightly: forget report drafts that were never confirmed."""
    loa: Loa = context.application.bot_data["loa"]
    purged = await loa.run(loa.reports.purge_drafts)
    if purged:
        log.info("purged %d unconfirmed report drafts", purged)
    await loa.run(loa.inbox.purge)


async def send_weekly_reflections(app: Application, now: datetime | None = None) -> int:
    """Monday morning: each board hears the week's phản ánh of its subtree, grouped by what
    they say; the number of boards told."""
    from bot import reflect
    from bot.texts import reflections as TF
    loa: Loa = app.bot_data["loa"]
    told = 0
    for board, chats, topics, total in await loa.run(loa.reflections.weekly, now):
        blocks = [TF.WEEKLY_HEAD.format(board=board), *reflect.trend_blocks(topics, total, 7),
                  TF.WEEKLY_FOOTER]
        told += await tell_chats(app.bot, chats, blocks, "the weekly phản ánh digest")
    return told


async def weekly_reflections_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await send_weekly_reflections(context.application)


async def quiz_reminder_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one reminder of each quiz closing within a day, queued as a broadcast (sent once each)."""
    loa: Loa = context.application.bot_data["loa"]
    if loa.quizzes is not None:
        await loa.run(loa.quizzes.reminders_due)


def schedule(app: Application, loa: Loa) -> None:
    """The daily reminder check and the nightly draft clean-up, in LOA_TIMEZONE."""
    if app.job_queue is None:
        log.warning("no job queue: report reminders are disabled")
        return
    tz = loa.settings.tz
    app.job_queue.run_daily(reminder_job, time=loa.reports.reminder_clock().replace(tzinfo=tz),
                            name="report-reminders")
    app.job_queue.run_daily(purge_job, time=time(3, 0, tzinfo=tz), name="report-draft-purge")
    # PTB counts days from Sunday (0): Monday is 1.
    app.job_queue.run_daily(weekly_reflections_job, time=time(7, 30, tzinfo=tz), days=(1,),
                            name="weekly-reflections")
    # Every quarter of an hour: a reminder is claimed in the database, so it goes out once.
    app.job_queue.run_repeating(quiz_reminder_job, interval=900, first=60, name="quiz-reminders")
