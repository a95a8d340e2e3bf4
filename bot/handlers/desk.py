"""/bangdieukhien: the board's dashboard, as a Mini App button or a one-time desktop link."""
from __future__ import annotations

from urllib.parse import urlparse

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, WebAppInfo
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CommandHandler, filters

from bot.context import LoaContext
from bot.handlers.common import args_text
from bot.text import esc
from bot.services.desk import Refused
from bot.text import fmt_datetime
from bot.texts import common as TC
from bot.texts import desk as T


async def open_desk(update: Update, context: LoaContext) -> None:
    """Send the dashboard's web_app button; `/bangdieukhien web` sends a one-time sign-in link."""
    loa = context.loa
    chat = update.effective_chat
    try:
        board = await loa.run(loa.desk.board_name, update.effective_user.id)
        if args_text(update).lower() in ("web", "link", "maytinh", "máy tính", "may tinh"):
            link = await loa.run(loa.desk.create_link, update.effective_user.id)
        else:
            link = None
    except Refused:
        await chat.send_message(TC.ADMIN_ONLY)
        return
    s = loa.settings
    if link is not None:
        url = f"{s.web_url}/dangnhap?t={link.token}"
        await chat.send_message(T.LINK.format(expires=fmt_datetime(link.expires_at, s.tz),
                                              link=esc(url)),
                                parse_mode=ParseMode.HTML, disable_web_page_preview=True)
        return
    text = T.OPEN.format(board=esc(board))
    # Under a path of the reverse proxy the page is that folder: https://example.vn/desk/
    home = s.web_url + "/" if urlparse(s.web_url).path else s.web_url
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(T.BTN_OPEN, web_app=WebAppInfo(home))]])
    try:
        await chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest:   # Telegram opens Mini Apps from HTTPS addresses only
        await chat.send_message(text + "\n\n" + T.NO_HTTPS.format(url=esc(s.web_url)),
                                parse_mode=ParseMode.HTML)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("bangdieukhien", open_desk, filters=filters.ChatType.PRIVATE))
