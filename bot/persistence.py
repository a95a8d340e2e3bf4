"""Guided forms survive a restart: PTB's conversation states and `user_data` in the bot's database.

`DatabasePersistence` is PTB's persistence interface over the same SQLAlchemy database as
everything else (SQLite or PostgreSQL; tables `conversation_states` and `user_states`). PTB
reads it once at start-up; the bot writes changes after every update (see `bot.app`), not
once a minute, so a process killed between two steps of a form loses nothing the user saw
acknowledged. Only what changed is written; a user with no form open has no row.

Limit: PTB keeps the states in memory after start-up, so two processes answering the same
user at once (webhook behind a load balancer) would each follow their own copy; route a
user's updates to one process, or run one process for chat and others for broadcasts.
"""
from __future__ import annotations

import json
import logging
from typing import Awaitable, Callable

from sqlalchemy import delete, select
from telegram.ext import BasePersistence, PersistenceInput

from bot.db import Database
from bot.db.models import ConversationState, UserState

log = logging.getLogger(__name__)

Runner = Callable[..., Awaitable]


def _key(key: tuple) -> str:
    return json.dumps(list(key), separators=(",", ":"))


class DatabasePersistence(BasePersistence[dict, dict, dict]):
    """Conversation states and user_data as rows; every database call runs through `run`
    (the bot's worker threads), never on the event loop."""

    def __init__(self, db: Database, run: Runner, update_interval: float = 60):
        super().__init__(store_data=PersistenceInput(bot_data=False, chat_data=False,
                                                     user_data=True, callback_data=False),
                         update_interval=update_interval)
        self.db = db
        self._run = run
        self._users: dict[int, str] = {}                 # user id -> JSON last stored
        self._states: dict[tuple[str, str], str] = {}    # (name, key) -> JSON last stored

    # ------------------------------------------------------------ loading (once, at start)
    async def get_user_data(self) -> dict[int, dict]:
        rows = await self._run(self._load, select(UserState.user_id, UserState.data))
        out = {}
        for user_id, data in rows:
            self._users[user_id] = json.dumps(data, sort_keys=True)
            out[user_id] = dict(data)
        return out

    async def get_conversations(self, name: str) -> dict:
        rows = await self._run(self._load, select(ConversationState.key, ConversationState.state)
                               .where(ConversationState.name == name))
        out = {}
        for key, state in rows:
            self._states[(name, key)] = json.dumps(state)
            out[tuple(json.loads(key))] = state
        return out

    def _load(self, query) -> list:
        with self.db.read() as s:
            return [tuple(r) for r in s.execute(query).all()]

    async def get_chat_data(self) -> dict[int, dict]:
        return {}

    async def get_bot_data(self) -> dict:
        return {}

    async def get_callback_data(self) -> None:
        return None

    # ------------------------------------------------------------ writing (what changed)
    async def update_user_data(self, user_id: int, data: dict) -> None:
        try:
            encoded = json.dumps(data, sort_keys=True)
        except TypeError:
            log.error("user_data of %s is not JSON; not stored: %r", user_id, data)
            return
        if self._users.get(user_id, "{}") == encoded:
            return
        await self._run(self._put_user, user_id, json.loads(encoded))
        self._users[user_id] = encoded

    def _put_user(self, user_id: int, data: dict) -> None:
        with self.db.session() as s:
            if data:
                s.merge(UserState(user_id=user_id, data=data))
            else:
                s.execute(delete(UserState).where(UserState.user_id == user_id))

    async def drop_user_data(self, user_id: int) -> None:
        self._users.pop(user_id, None)
        await self._run(self._put_user, user_id, {})

    async def update_conversation(self, name: str, key: tuple, new_state: object) -> None:
        k = _key(key)
        encoded = json.dumps(new_state)
        if self._states.get((name, k), "null") == encoded:
            return
        await self._run(self._put_state, name, k, new_state)
        self._states[(name, k)] = encoded

    def _put_state(self, name: str, key: str, state: object) -> None:
        with self.db.session() as s:
            if state is None:
                s.execute(delete(ConversationState).where(ConversationState.name == name,
                                                          ConversationState.key == key))
            else:
                s.merge(ConversationState(name=name, key=key, state=state))

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        """Not stored (the bot keeps nothing per chat)."""

    async def update_bot_data(self, data: dict) -> None:
        """Not stored (bot_data holds the live services)."""

    async def update_callback_data(self, data) -> None:
        """Not stored (callback data are plain strings)."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Nothing stored per chat."""

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        """Nothing to refresh: this process wrote it."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        """Nothing stored per chat."""

    async def refresh_bot_data(self, bot_data: dict) -> None:
        """Nothing stored for the bot."""

    async def flush(self) -> None:
        """Every change is already written."""
