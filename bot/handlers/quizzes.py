"""Quizzes in the Telegram chat: /tracnghiem sends the member's next question as a poll, each poll
answer is stored once and answered with the next question or the result; /tracnghiem_kq gives the
board its results per unit (the wording is shared with Zalo in bot/quiz.py)."""
from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application, CallbackQueryHandler, CommandHandler, MessageHandler, PollAnswerHandler, filters,
)

from bot import quiz
from bot.context import LoaContext
from bot.errors import LoaError
from bot.handlers.common import admin_only, args_text, reply_html
from bot.services.quizzes import LETTERS, Step
from bot.text import esc, number_and_text, parse_id
from bot.texts import quizzes as T

log = logging.getLogger(__name__)
POLL_QUESTION = 300   # Telegram's limits on a poll's question and on each option
POLL_OPTION = 100
POLL_WAIT_STEPS = 30   # tenths of a second a poll answer waits for its poll to be recorded


async def send_step(bot, loa, chat_id: int, step: Step, lead: str = "") -> None:
    """Tell the member how the last answer went (`lead`), then the next question as a poll, or the
    end of the quiz with the review of what was wrong."""
    if step.finished is not None:
        await bot.send_message(chat_id, "\n\n".join(p for p in (lead, quiz.finished(step)) if p),
                               parse_mode=ParseMode.HTML)
        return
    q = step.question
    lead = quiz.lead(step, lead)
    question = f"Câu {q.number}/{q.count}. {q.text}"
    fits = len(question) <= POLL_QUESTION and all(len(o) <= POLL_OPTION for o in q.options)
    if not fits:   # the whole question as a message; the poll carries the letters
        whole = T.QUESTION.format(number=q.number, count=q.count, text=esc(q.text)) + "\n" + "\n".join(
            f"{LETTERS[i]}. {esc(o)}" for i, o in enumerate(q.options))
        lead = "\n\n".join(p for p in (lead, whole) if p)
        question = f"Câu {q.number}/{q.count}: chọn phương án"
    if lead:
        await bot.send_message(chat_id, lead, parse_mode=ParseMode.HTML)
    options = list(q.options) if fits else [LETTERS[i] for i in range(len(q.options))]
    # A regular poll, not a "quiz" poll: the right answer stays on the server until the member has
    # answered (and one question may have several right options); the first vote stands.
    message = await bot.send_poll(chat_id, question, options, is_anonymous=False,
                                  allows_multiple_answers=q.several, allows_revoting=False)
    await loa.run(loa.quizzes.record_poll, message.poll.id, step.attempt_id, q.id)


async def take_quiz(update: Update, context: LoaContext) -> None:
    """/tracnghiem [số bài]: the member's next question (a quiz left half-way goes on)."""
    loa = context.loa
    user, chat = update.effective_user, update.effective_chat
    step = await loa.run(loa.quizzes.start, user.id, parse_id(args_text(update)))
    if step is None:
        await reply_html(update, quiz.choose(await loa.run(loa.quizzes.available, user.id)))
        return
    await send_step(context.bot, loa, chat.id, step)


async def poll_answer(update: Update, context: LoaContext) -> None:
    """A member's answer to a question's poll: stored once, then the next question or the result."""
    loa = context.loa
    answer = update.poll_answer
    if answer is None or answer.user is None or not answer.option_ids:
        return   # a vote taken back: the first answer stands
    found = await loa.run(loa.quizzes.poll, answer.poll_id)
    for _ in range(POLL_WAIT_STEPS):   # a quick tap can arrive before the poll's id is stored
        if found is not None:
            break
        await asyncio.sleep(0.1)
        found = await loa.run(loa.quizzes.poll, answer.poll_id)
    member = await loa.run(loa.members.get, answer.user.id)
    if found is None or member is None:
        return   # not one of ours, or someone the bot does not know
    try:
        step = await loa.run(loa.quizzes.answer, answer.user.id, found[0], found[1], list(answer.option_ids))
    except LoaError as e:   # late, or no longer a member: said politely in their chat
        await context.bot.send_message(member.chat_id, e.user_message, parse_mode=ParseMode.HTML)
        return
    # A poll answered again is a replayed update (no revoting): the first answer stands, and the next
    # question goes out again in case the crash came before it did.
    await send_step(context.bot, loa, member.chat_id, step, "" if step.repeated else quiz.feedback(step))


@admin_only
async def quiz_results(update: Update, context: LoaContext) -> None:
    """/tracnghiem_kq SỐ_BÀI: took part / expected, the average and the most missed questions per unit."""
    loa = context.loa
    number, _ = number_and_text(args_text(update))
    if number is None:
        items = await loa.run(loa.quizzes.listing, context.scope)
        await reply_html(update, T.USAGE_RESULTS.format(lines=quiz.listing(items)))
        return
    await reply_html(update, quiz.results(await loa.run(loa.quizzes.results, context.scope, number)))


@admin_only
async def quiz_file(update: Update, context: LoaContext) -> None:
    """A .csv/.xlsx of questions sent by a board: a draft quiz (titled by the caption or the file's
    name), shown back with its answers, and a button to publish it to everyone (the desk edits it)."""
    from bot.services.quizzes import read_file
    loa = context.loa
    doc = update.effective_message.document
    if (doc.file_size or 0) > loa.settings.max_upload_mb * 1024 * 1024:
        await reply_html(update, T.FILE_KIND)
        return
    data = bytes(await (await doc.get_file()).download_as_bytearray())
    questions = await loa.run(read_file, data, doc.file_name or "")
    title = (update.effective_message.caption or "").strip() or (doc.file_name or "").rsplit(".", 1)[0]
    info = await loa.run(loa.quizzes.create, context.scope, title, questions)
    lines = [T.CHAT_DRAFTED.format(id=info.id, title=esc(info.title), count=info.count)]
    for n, q in enumerate(questions, start=1):
        right = ", ".join(LETTERS[i] for i in q.correct)
        lines.append(T.CHAT_DRAFT_LINE.format(number=n, text=esc(q.text), right=right))
    button = InlineKeyboardMarkup([[InlineKeyboardButton(T.BTN_PUBLISH_ALL, callback_data=f"qz:pub:{info.id}")]])
    await reply_html(update, "\n".join(lines), button)


@admin_only
async def on_publish(update: Update, context: LoaContext) -> None:
    """The draft's "publish to everyone" button: the board's scope and the quiz's owner re-checked."""
    loa = context.loa
    query = update.callback_query
    await query.answer()
    quiz_id = int(query.data.rsplit(":", 1)[1])
    info = await loa.run(loa.quizzes.publish, context.scope, quiz_id)
    await query.edit_message_reply_markup(None)
    await reply_html(update, T.DESK_PUBLISHED.format(id=info.id))


def register(app: Application) -> None:
    p = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("tracnghiem", take_quiz, filters=p))
    app.add_handler(CommandHandler("tracnghiem_kq", quiz_results, filters=p))
    app.add_handler(MessageHandler(p & (filters.Document.FileExtension("csv") | filters.Document.FileExtension("xlsx")),
                                   quiz_file))
    app.add_handler(CallbackQueryHandler(on_publish, pattern=r"^qz:pub:[0-9]{1,12}$"))
    app.add_handler(PollAnswerHandler(poll_answer))
