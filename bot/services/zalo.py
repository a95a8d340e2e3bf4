"""The Zalo channel's own records: who wrote to the bot (and their key in Loa), where each person
is in a typed conversation, and link codes (its events are in the one inbox: services/inbox.py)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.db import Database
from bot.db.models import LinkCode, Member, ZaloAccount, ZaloSession, utcnow
from bot.errors import InvalidInput, NotAllowed
from bot.texts import zalo as T
from bot.address import account_of, is_zalo, zalo_address

LINK_TTL = timedelta(minutes=15)


@dataclass(frozen=True)
class Account:
    id: int
    key: int            # the person key services use (Member.telegram_id)
    address: int        # the chat address: a send to it goes out on Zalo
    chat_id: str        # Zalo's chat id
    name: str
    linked: bool        # the key is a Telegram member's id


def _account(a: ZaloAccount) -> Account:
    address = zalo_address(a.id)
    key = a.user_key if a.user_key is not None else address
    return Account(a.id, key, address, a.chat_id, a.display_name, not is_zalo(key))


class ZaloStore:
    def __init__(self, db: Database):
        self.db = db
        self._chats: dict[int, str] = {}

    # ------------------------------------------------------------ accounts
    def account(self, zalo_id: str, chat_id: str, name: str) -> Account:
        """The account of whoever sent an event (made on their first message)."""
        name = (name or "").strip()[:200]
        for _ in range(2):
            try:
                with self.db.session() as s:
                    a = s.scalar(select(ZaloAccount).where(ZaloAccount.zalo_id == zalo_id))
                    if a is None:
                        a = ZaloAccount(zalo_id=zalo_id, chat_id=chat_id, display_name=name)
                        s.add(a)
                        s.flush()
                    elif a.chat_id != chat_id or (name and a.display_name != name):
                        a.chat_id = chat_id
                        a.display_name = name or a.display_name
                    a.last_seen_at = utcnow()
                    self._chats[zalo_address(a.id)] = a.chat_id
                    return _account(a)
            except IntegrityError:   # the same person's first two messages at once
                continue
        raise RuntimeError("could not record the Zalo account")

    def chat_of(self, address: int) -> str | None:
        """Zalo's chat id behind an address (None: no such account)."""
        chat = self._chats.get(address)
        if chat is None:
            with self.db.read() as s:
                chat = s.scalar(select(ZaloAccount.chat_id)
                                .where(ZaloAccount.id == account_of(address)))
            if chat is not None:
                self._chats[address] = chat
        return chat

    # ------------------------------------------------------------ conversation state
    def session(self, key: int) -> dict:
        with self.db.read() as s:
            row = s.get(ZaloSession, key)
            return dict(row.data or {}) if row else {}

    def save_session(self, key: int, data: dict) -> None:
        with self.db.session() as s:
            row = s.get(ZaloSession, key)
            if row is None:
                s.add(ZaloSession(user_key=key, data=data))
            else:
                row.data = data

    # ------------------------------------------------------------ linking one person
    def link_code(self, telegram_id: int) -> str:
        """A one-use code (valid 15 minutes) that links the member's Zalo account."""
        with self.db.session() as s:
            m = s.scalar(select(Member).where(Member.telegram_id == telegram_id))
            if m is None or not m.active:
                raise NotAllowed(T.LINK_NOT_MEMBER)
            code = f"{secrets.randbelow(10**8):08d}"
            s.add(LinkCode(code=code, telegram_id=telegram_id, expires_at=utcnow() + LINK_TTL))
            return code

    def link(self, account: Account, code: str) -> str:
        """Link the Zalo account to the member who got `code`; broadcasts now reach them on
        Zalo. Returns the member's name."""
        now = utcnow()
        with self.db.session() as s:
            lc = s.scalar(select(LinkCode).where(LinkCode.code == code.strip()[:16]))
            if lc is None or lc.used_at is not None or lc.expires_at < now:
                raise InvalidInput(T.LINK_INVALID)
            own = s.scalar(select(Member).where(Member.telegram_id == account.key))
            if own is not None and own.telegram_id != lc.telegram_id and is_zalo(own.telegram_id):
                raise InvalidInput(T.LINK_ALREADY_MEMBER)
            m = s.scalar(select(Member).where(Member.telegram_id == lc.telegram_id))
            if m is None or not m.active:
                raise NotAllowed(T.LINK_NOT_MEMBER)
            lc.used_at = now
            s.execute(update(ZaloAccount).where(ZaloAccount.id == account.id)
                      .values(user_key=lc.telegram_id))
            m.chat_id = account.address
            return m.full_name
