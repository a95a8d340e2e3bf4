"""Builds the python-telegram-bot Application and wires services, handlers and lifecycle."""
from __future__ import annotations

import asyncio
import logging
import secrets
import signal

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler
from telegram.request import HTTPXRequest

from bot import jobs
from bot.address import is_zalo
from bot.config import Settings
from bot.context import Loa, LoaContext
from bot.handlers import admin, broadcast, desk, guard, qa, quizzes, reflections, reports, start, status
from bot.inbox import DurableQueue, HandledLog, LoaApplication, fold, log_path
from bot.persistence import DatabasePersistence
from bot.relay import flush_notices
from bot.text import esc
from bot.texts import common as T
from bot.texts import qa as TQ
from bot.texts import zalo as TZ
from bot.transport import BudgetLimiter, broadcast_bot, make_sender
from bot.web.server import DeskServer
from bot.zalo.channel import ZaloChannel, make_outbox
from bot.zalo.outbound import OFFLINE_TOKEN, RoutingBot

log = logging.getLogger(__name__)

# Order matters: conversations and commands before the catch-all question handler in `qa`.
FEATURES = (start, admin, status, desk, broadcast, reflections, quizzes, reports, qa)
PERSIST_GROUP = 99   # after every feature's handlers


async def _set_commands(app: Application, loa: Loa) -> None:
    if not loa.settings.telegram_on:
        return
    extra = [TZ.CMD_LINK] if loa.settings.zalo_on else []
    member_cmds = [BotCommand(c, d) for c, d in T.CMD_MEMBER + extra]
    admin_cmds = [BotCommand(c, d) for c, d in T.CMD_ADMIN + extra]
    try:
        await app.bot.set_my_commands(member_cmds, scope=BotCommandScopeDefault())
        for chat_id in await loa.run(loa.members.admin_chats):
            if is_zalo(chat_id):
                continue
            await app.bot.set_my_commands(admin_cmds, scope=BotCommandScopeChat(chat_id))
    except TelegramError as e:
        log.warning("could not set the command menu: %s", e)


def _load_index(loa: Loa) -> list[tuple[str, int | None]]:
    """Load the index; finish uploads a crash interrupted (returned, to tell their boards)."""
    try:
        loa.kb.stats()  # loads the index unless a ready KnowledgeBase was handed over
    except Exception as e:  # noqa: BLE001 - the bot still serves reports and broadcasts
        log.error("knowledge index not loaded: %s", e)
    try:
        finished = loa.knowledge.finish_interrupted()
    except Exception:  # noqa: BLE001 - the previous index keeps serving
        log.exception("could not finish an interrupted knowledge upload")
        return []
    if finished:
        log.warning("finished knowledge uploads a stop interrupted: %s",
                    ", ".join(name for name, _ in finished))
    return finished


async def _tell_uploaders(app: Application, loa: Loa, finished) -> None:
    chats = await loa.run(loa.knowledge.uploaders, [m for _, m in finished if m is not None])
    for name, member_id in finished:
        chat = chats.get(member_id)
        if chat is None:
            continue
        try:
            await app.bot.send_message(chat, TQ.UPLOAD_FINISHED_AFTER_RESTART.format(
                name=esc(name)), parse_mode=ParseMode.HTML)
        except TelegramError as e:
            log.warning("could not tell the uploader of %s: %s", name, e)


async def post_init(app: Application) -> None:
    """Load the index, set the menus, schedule the jobs, start the delivery worker and the desk."""
    loa: Loa = app.bot_data["loa"]
    finished = await loa.run(_load_index, loa)
    # What went out before a crash is recorded first, so neither channel replays it.
    await fold(loa, app.bot_data["handled_log"])
    replayed = await app.bot_data["inbox"].replay(app.bot)
    if replayed:
        log.warning("handling %d update(s) received before the last stop but never handled",
                    replayed)
    await _set_commands(app, loa)
    jobs.schedule(app, loa)
    s = loa.settings
    if s.telegram_on:
        bot = broadcast_bot(s.token, s.api_url, s.file_url, s.broadcast_in_flight,
                            s.send_timeout)
        await bot.initialize()
        app.bot_data["broadcast_bot"] = bot
        await loa.delivery.start(make_sender(bot, broadcast.ack_markup, loa.media))
    routes = []
    channel = app.bot_data.get("zalo")
    if channel is not None:
        await channel.start()
        routes.append(("POST", "/zalo/webhook", channel.webhook))
    desk_server = DeskServer(loa, routes, app.bot)
    app.bot_data["desk"] = desk_server
    await desk_server.start()
    if finished:
        await _tell_uploaders(app, loa, finished)


async def post_stop(app: Application) -> None:
    """Before the bot closes: the question notices still folded go out now."""
    await flush_notices(app.bot_data["loa"].notices)


async def post_shutdown(app: Application) -> None:
    """Let broadcast sends in flight finish and record them, then close everything."""
    loa: Loa = app.bot_data["loa"]
    desk_server = app.bot_data.pop("desk", None)
    if desk_server is not None:
        await desk_server.stop()
    channel = app.bot_data.get("zalo")
    if channel is not None:
        await channel.stop()
    try:
        await loa.delivery.stop()
    except Exception:  # noqa: BLE001 - shutting down anyway
        log.exception("error while stopping the delivery worker")
    bot = app.bot_data.pop("broadcast_bot", None)
    if bot is not None:
        await bot.shutdown()
    journal = app.bot_data.get("handled_log")
    if journal is not None:
        journal.close()
    loa.close(dispose_db=app.bot_data.get("owns_db", True))


async def persist(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """After every update: write what changed in a guided form now, not a minute later."""
    app = context.application
    if update.effective_user is not None:
        app.mark_data_for_update_persistence(user_ids=update.effective_user.id)
    await app.update_persistence()


async def serve_without_telegram(app: Application,
                                 stop: asyncio.Event | None = None) -> None:
    """Run the Application's machinery (jobs, persistence, Zalo, the desk) with no Telegram
    updater, until SIGINT/SIGTERM or `stop` is set."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    await app.initialize()
    try:
        await post_init(app)
        await app.start()
        log.info("Loa is running without Telegram (Zalo and the desk)")
        await stop.wait()
        await app.stop()
        await post_stop(app)
    finally:
        await post_shutdown(app)
        await app.shutdown()


def build_application(settings: Settings, loa: Loa | None = None,
                      owns_db: bool | None = None) -> Application:
    """The Application over `loa` (built from the settings when not given); migrate first."""
    if loa is None:
        loa = Loa.build(settings)
        owns_db = True if owns_db is None else owns_db
    outbox = make_outbox(loa) if settings.zalo_on else None
    # The bot every handler and job sends with: Zalo addresses go to Zalo (bot/zalo/outbound).
    bot = RoutingBot(
        settings.token or OFFLINE_TOKEN, base_url=settings.api_url,
        base_file_url=settings.file_url,
        request=HTTPXRequest(connection_pool_size=max(16, settings.concurrent_updates + 4),
                             pool_timeout=30),
        get_updates_request=HTTPXRequest(),
        rate_limiter=BudgetLimiter(loa.budget), zalo=outbox, telegram=settings.telegram_on)
    queue = DurableQueue(loa)
    builder = (
        Application.builder()
        .application_class(LoaApplication)
        .update_queue(queue)
        .bot(bot)
        .context_types(ContextTypes(context=LoaContext))
        .concurrent_updates(settings.concurrent_updates)
        .persistence(DatabasePersistence(loa.db, loa.run))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
    )
    if not settings.telegram_on:
        builder = builder.updater(None)
    app = builder.build()
    app.bot_data["loa"] = loa
    app.bot_data["inbox"] = queue
    app.bot_data["handled_log"] = HandledLog(log_path(settings.database_url))
    if outbox is not None:
        app.bot_data["zalo"] = ZaloChannel(loa, bot, outbox, app.bot_data["handled_log"])
    app.bot_data["owns_db"] = bool(owns_db)
    guard.register_gate(app, settings.flood_limit, settings.flood_window)
    qa.register_edits(app)   # first: no form or command ever sees an edited message
    for feature in FEATURES:
        feature.register(app)
    guard.register_fallbacks(app)
    app.add_handler(TypeHandler(Update, persist), group=PERSIST_GROUP)
    return app


def run(settings: Settings) -> None:
    """Migrate, then run until interrupted: Telegram by webhook when LOA_WEBHOOK_URL is set,
    else by polling; without a Telegram token, Zalo (and the desk) alone."""
    app = build_application(settings)
    app.bot_data["loa"].db.upgrade()
    if not settings.telegram_on:
        asyncio.run(serve_without_telegram(app))
        return
    allowed = Update.ALL_TYPES
    if settings.webhook_url:
        from urllib.parse import urlparse
        path = urlparse(settings.webhook_url).path.lstrip("/") or "telegram"
        # Telegram sends this secret in X-Telegram-Bot-Api-Secret-Token and PTB rejects requests
        # without it; a fresh random one is registered at each start unless one is configured.
        secret = settings.webhook_secret or secrets.token_urlsafe(32)
        app.run_webhook(listen=settings.webhook_listen, port=settings.webhook_port,
                        url_path=path, webhook_url=settings.webhook_url, secret_token=secret,
                        allowed_updates=allowed, drop_pending_updates=False)
    else:
        app.run_polling(allowed_updates=allowed)
