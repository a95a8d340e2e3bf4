"""/start with an invite code, /help, and the persistent reply keyboard."""
from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.context import LoaContext
from bot.errors import LoaError
from bot.relay import tell_board_of_join
from bot.text import esc
from bot.texts import common as T
from bot.texts import province as TP
from bot.texts import zalo as TZ


def main_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(T.BTN_ASK), KeyboardButton(T.BTN_KEYPOINTS)],
         [KeyboardButton(T.BTN_REPORT), KeyboardButton(T.BTN_HELP)]],
        resize_keyboard=True, is_persistent=True)


def help_text(is_admin: bool, zalo: bool = False) -> str:
    """The usage guide; with Zalo on, how to link this account to Zalo too."""
    return (T.HELP_MEMBER + (TZ.HELP_LINK if zalo else "")
            + (T.HELP_ADMIN_EXTRA if is_admin else ""))


async def start(update: Update, context: LoaContext) -> None:
    """Join a unit by invite code, or explain how to get one."""
    loa = context.loa
    user = update.effective_user
    chat = update.effective_chat
    code = context.args[0] if context.args else ""
    full_name = user.full_name or ""
    zalo = loa.settings.zalo_on
    if user.id in loa.settings.admin_ids and not code:
        await loa.run(loa.members.ensure_admin, user.id, chat.id, full_name, user.username)
        board = await loa.run(loa.members.serving_board, user.id)
        await chat.send_message(T.WELCOME_ADMIN.format(help=help_text(True, zalo),
                                                       board=esc(board)),
                                parse_mode=ParseMode.HTML, reply_markup=main_keyboard())
        return
    if code:
        try:
            result = await loa.run(loa.members.join, code, user.id, chat.id, full_name,
                                   user.username)
        except LoaError as e:
            await chat.send_message(e.user_message, parse_mode=ParseMode.HTML)
            return
        is_admin = await loa.run(loa.members.is_admin, user.id)
        if result.board and not result.already:
            await tell_board_of_join(context.bot, loa, result.member.id)
            board = await loa.run(loa.members.serving_board, user.id)
            text = TP.JOINED_BOARD.format(unit=esc(result.unit_name), board=esc(board))
        elif result.already:
            text = T.ALREADY_JOINED.format(unit=esc(result.unit_name))
        elif result.moved:
            text = T.MOVED_BY_INVITE.format(unit=esc(result.unit_name))
        else:
            text = T.JOINED.format(unit=esc(result.unit_name), help=help_text(is_admin, zalo))
            if result.member.is_reporter:   # what being the unit's reporter means, at once
                text = text.replace("\n\n", "\n\n" + T.JOINED_REPORTER.format(
                    day=loa.settings.reminder_day), 1)
        await chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=main_keyboard())
        return
    member = await loa.run(loa.members.get, user.id)
    if member and member.active:
        await chat.send_message(
            T.WELCOME_BACK.format(unit=esc(member.unit_name or T.NO_UNIT),
                                  help=help_text(member.is_admin, zalo)),
            parse_mode=ParseMode.HTML, reply_markup=main_keyboard())
        return
    board = await loa.run(loa.members.serving_board, user.id)
    if member and not member.active:
        await chat.send_message(T.DEACTIVATED.format(board=esc(board)), parse_mode=ParseMode.HTML)
        return
    text = T.WELCOME_UNREGISTERED.format(board=esc(board)) + (
        T.WELCOME_OPEN_QA if loa.settings.open_qa else "")
    await chat.send_message(text, parse_mode=ParseMode.HTML)


async def help_command(update: Update, context: LoaContext) -> None:
    """Show the usage guide with examples (admins see their commands too)."""
    loa = context.loa
    is_admin = await loa.run(loa.members.is_admin, update.effective_user.id)
    await update.effective_chat.send_message(help_text(is_admin, loa.settings.zalo_on),
                                             parse_mode=ParseMode.HTML,
                                             reply_markup=main_keyboard())


async def link_command(update: Update, context: LoaContext) -> None:
    """/lienket: a one-use code that links this member's Zalo account (one person, one member)."""
    loa = context.loa
    if loa.zalo_store is None:
        await update.effective_chat.send_message(TZ.LINK_NO_ZALO)
        return
    try:
        code = await loa.run(loa.zalo_store.link_code, update.effective_user.id)
    except LoaError as e:
        await update.effective_chat.send_message(e.user_message, parse_mode=ParseMode.HTML)
        return
    await update.effective_chat.send_message(TZ.LINK_CODE.format(code=code))


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    if app.bot_data["loa"].settings.zalo_on:
        app.add_handler(CommandHandler("lienket", link_command, filters=private))
    app.add_handler(CommandHandler("start", start, filters=private))
    app.add_handler(CommandHandler(["help", "huongdan"], help_command, filters=private))
    app.add_handler(MessageHandler(private & filters.Text([T.BTN_HELP]), help_command))
