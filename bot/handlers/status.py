"""/trangthai: the board's view of the running system."""
from __future__ import annotations

from datetime import datetime, timezone

from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from bot.context import LoaContext
from bot.handlers.common import admin_only, reply_html
from bot.text import esc
from bot.texts import status as T


def local_time(iso: str | None, tz) -> str | None:
    """An ISO time (the index manifest's, in UTC) as Vietnamese write it, in LOA_TIMEZONE."""
    if not iso:
        return None
    try:
        at = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(tz).strftime(T.TIME_FORMAT)


def _uptime(seconds: float) -> str:
    minutes = int(seconds // 60)
    return T.UPTIME.format(days=minutes // 1440, hours=minutes % 1440 // 60, minutes=minutes % 60)


@admin_only
async def show_status(update: Update, context: LoaContext) -> None:
    """Show version, uptime, index, members, broadcasts and the database backend."""
    loa = context.loa
    st = await loa.run(loa.status.status, context.scope)
    text = T.STATUS.format(
        version=esc(st.version), uptime=_uptime(st.uptime_seconds), backend=esc(st.backend),
        documents=st.documents if st.documents is not None else T.UNKNOWN,
        chunks=st.chunks if st.chunks is not None else T.UNKNOWN,
        model=esc(st.model or T.UNKNOWN),
        built_at=esc(local_time(st.index_built_at, context.loa.settings.tz) or T.UNKNOWN),
        index_error=T.INDEX_ERROR.format(error=esc(st.index_error)) if st.index_error else "",
        members=st.members, active_members=st.active_members, pending=st.pending_broadcasts,
        queued=st.queued_deliveries, in_doubt=st.in_doubt_deliveries, board=esc(st.board))
    await reply_html(update, [text])


def register(app: Application) -> None:
    app.add_handler(CommandHandler("trangthai", show_status, filters=filters.ChatType.PRIVATE))
