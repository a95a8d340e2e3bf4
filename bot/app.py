"""Builds the python-telegram-bot Application and wires services, handlers and lifecycle."""
from __future__ import annotations

import logging
import secrets

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot import jobs
from bot.config import Settings
from bot.context import Loa, LoaContext
from bot.handlers import admin, broadcast, desk, guard, qa, reports, start, status
from bot.persistence import DatabasePersistence
from bot.texts import common as T
from bot.transport import BudgetLimiter, broadcast_bot, make_sender
from bot.web.server import DeskServer

log = logging.getLogger(__name__)

# Order matters: conversations and commands before the catch-all question handler in `qa`.
FEATURES = (start, admin, status, desk, broadcast, reports, qa)
PERSIST_GROUP = 99   # after every feature's handlers


async def _set_commands(app: Application, loa: Loa) -> None:
    member_cmds = [BotCommand(c, d) for c, d in T.CMD_MEMBER]
    admin_cmds = [BotCommand(c, d) for c, d in T.CMD_ADMIN]
    try:
        await app.bot.set_my_commands(member_cmds, scope=BotCommandScopeDefault())
        for chat_id in await loa.run(loa.members.admin_chats):
            await app.bot.set_my_commands(admin_cmds, scope=BotCommandScopeChat(chat_id))
    except TelegramError as e:
        log.warning("could not set the command menu: %s", e)


def _load_index(loa: Loa) -> None:
    try:
        loa.kb.stats()  # loads the index unless a ready KnowledgeBase was handed over
    except Exception as e:  # noqa: BLE001 - the bot still serves reports and broadcasts
        log.error("knowledge index not loaded: %s", e)
    recovered = loa.knowledge.recover()
    if recovered:
        log.warning("cleaned up after an interrupted knowledge upload: %s", ", ".join(recovered))


async def post_init(app: Application) -> None:
    """Load the index, set the menus, schedule the jobs, start the delivery worker and the desk."""
    loa: Loa = app.bot_data["loa"]
    await loa.run(_load_index, loa)
    await _set_commands(app, loa)
    jobs.schedule(app, loa)
    s = loa.settings
    bot = broadcast_bot(s.token, s.api_url, s.file_url, s.broadcast_in_flight, s.send_timeout)
    await bot.initialize()
    app.bot_data["broadcast_bot"] = bot
    await loa.delivery.start(make_sender(bot, broadcast.ack_markup))
    desk_server = DeskServer(loa)
    app.bot_data["desk"] = desk_server
    await desk_server.start()


async def post_shutdown(app: Application) -> None:
    """Let broadcast sends in flight finish and record them, then close everything."""
    loa: Loa = app.bot_data["loa"]
    desk_server = app.bot_data.pop("desk", None)
    if desk_server is not None:
        await desk_server.stop()
    try:
        await loa.delivery.stop()
    except Exception:  # noqa: BLE001 - shutting down anyway
        log.exception("error while stopping the delivery worker")
    bot = app.bot_data.pop("broadcast_bot", None)
    if bot is not None:
        await bot.shutdown()
    loa.close(dispose_db=app.bot_data.get("owns_db", True))


async def persist(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """After every update: write what changed in a guided form now, not a minute later."""
    app = context.application
    if update.effective_user is not None:
        app.mark_data_for_update_persistence(user_ids=update.effective_user.id)
    await app.update_persistence()


def build_application(settings: Settings, loa: Loa | None = None,
                      owns_db: bool | None = None) -> Application:
    """The Application over `loa` (built from the settings when not given); migrate first."""
    if loa is None:
        loa = Loa.build(settings)
        owns_db = True if owns_db is None else owns_db
    app = (
        Application.builder()
        .token(settings.token)
        .base_url(settings.api_url)
        .base_file_url(settings.file_url)
        .context_types(ContextTypes(context=LoaContext))
        .concurrent_updates(settings.concurrent_updates)
        .rate_limiter(BudgetLimiter(loa.budget))
        .persistence(DatabasePersistence(loa.db, loa.run))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .connection_pool_size(max(16, settings.concurrent_updates + 4))
        .pool_timeout(30)
        .build()
    )
    app.bot_data["loa"] = loa
    app.bot_data["owns_db"] = bool(owns_db)
    guard.register_gate(app, settings.flood_limit, settings.flood_window)
    qa.register_edits(app)   # first: no form or command ever sees an edited message
    for feature in FEATURES:
        feature.register(app)
    guard.register_fallbacks(app)
    app.add_handler(TypeHandler(Update, persist), group=PERSIST_GROUP)
    return app


def run(settings: Settings) -> None:
    """Migrate, then run until interrupted: webhook when LOA_WEBHOOK_URL is set, else polling."""
    app = build_application(settings)
    app.bot_data["loa"].db.upgrade()
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
