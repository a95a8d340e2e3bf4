"""The long-lived services of a running bot and the typed PTB context that reaches them."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.db import Database
from bot.services.members import MembersService


@dataclass
class Loa:
    settings: Settings
    db: Database
    kb: Any                      # indexer.KnowledgeBase
    members: MembersService
    started_at: float = field(default_factory=time.time)
    # Feature services, set in bot.app.create_services; typed loosely to keep imports one-way.
    questions: Any = None
    broadcasts: Any = None
    delivery: Any = None
    reports: Any = None
    status: Any = None
    knowledge: Any = None        # board uploads (bot.services.knowledge), attached by questions


class LoaContext(CallbackContext[ExtBot, dict, dict, dict]):
    """CallbackContext with `context.loa` (the services) — see PTB's contexttypesbot example."""

    def __init__(self, application: Application, chat_id: int | None = None,
                 user_id: int | None = None):
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def loa(self) -> Loa:
        return self.application.bot_data["loa"]
