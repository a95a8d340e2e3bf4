"""Builds the python-telegram-bot Application and wires services, handlers and lifecycle."""
from __future__ import annotations

import secrets
import logging

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.config import Settings
from bot.context import Loa, LoaContext
from bot.db import Database
from bot.handlers import admin, broadcast, guard, qa, reports, start, status
from bot.services import broadcasts, questions
from bot.services import reports as reports_service
from bot.services import status as status_service
from bot.services.members import MembersService
from bot.texts import common as T

log = logging.getLogger(__name__)

# Order matters: conversations and commands before the catch-all question handler in `qa`.
FEATURES = (start, admin, status, broadcast, reports, qa)
# Service modules that add themselves to the container with `attach(loa)`.
SERVICE_MODULES = (questions, broadcasts, reports_service, status_service)


def create_loa(settings: Settings, kb=None, db: Database | None = None) -> Loa:
    """The long-lived services; tests pass a prepared KnowledgeBase and Database."""
    if db is None:
        db = Database(settings.database_url)
    if kb is None:
        from indexer import KnowledgeBase
        kb = KnowledgeBase(settings.index_config)
    members = MembersService(db, settings.admin_ids, invite_fail_limit=settings.invite_fail_limit,
                             invite_fail_window=settings.invite_fail_window)
    loa = Loa(settings=settings, db=db, kb=kb, members=members)
    for module in SERVICE_MODULES:
        module.attach(loa)
    return loa


async def _set_commands(app: Application, loa: Loa) -> None:
    member_cmds = [BotCommand(c, d) for c, d in T.CMD_MEMBER]
    admin_cmds = [BotCommand(c, d) for c, d in T.CMD_ADMIN]
    try:
        await app.bot.set_my_commands(member_cmds, scope=BotCommandScopeDefault())
        for chat_id in loa.members.admin_chats():
            await app.bot.set_my_commands(admin_cmds, scope=BotCommandScopeChat(chat_id))
    except TelegramError as e:
        log.warning("could not set the command menu: %s", e)


async def post_init(app: Application) -> None:
    loa: Loa = app.bot_data["loa"]
    loa.db.upgrade()
    try:
        loa.kb.stats()  # loads the index unless a ready KnowledgeBase was handed over
    except Exception as e:  # noqa: BLE001 - the bot still serves reports and broadcasts
        log.error("knowledge index not loaded: %s", e)
    await _set_commands(app, loa)
    for feature in FEATURES:
        hook = getattr(feature, "on_start", None)
        if hook:
            await hook(app)


async def post_shutdown(app: Application) -> None:
    loa: Loa = app.bot_data["loa"]
    for feature in reversed(FEATURES):
        hook = getattr(feature, "on_stop", None)
        if hook:
            try:
                await hook(app)
            except Exception:  # noqa: BLE001 - shutting down anyway
                log.exception("error while stopping %s", feature.__name__)
    if app.bot_data.get("owns_db", True):
        loa.db.dispose()


def build_application(settings: Settings, loa: Loa | None = None,
                      owns_db: bool | None = None) -> Application:
    if loa is None:
        loa = create_loa(settings)
        owns_db = True if owns_db is None else owns_db
    builder = (
        Application.builder()
        .token(settings.token)
        .base_url(settings.api_url)
        .base_file_url(settings.file_url)
        .context_types(ContextTypes(context=LoaContext))
        .concurrent_updates(int(settings.extra.get("concurrent_updates", 16)))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .connection_pool_size(max(16, settings.broadcast_in_flight * 2))
        .pool_timeout(30)
    )
    app = builder.build()
    app.bot_data["loa"] = loa
    app.bot_data["owns_db"] = bool(owns_db)
    guard.register_gate(app, settings.flood_limit, settings.flood_window)
    for feature in FEATURES:
        feature.register(app)
    guard.register_fallbacks(app)
    return app


def run(settings: Settings) -> None:
    """Run until interrupted: webhook when LOA_WEBHOOK_URL is set, else long polling."""
    app = build_application(settings)
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
