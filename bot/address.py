"""Zalo people in the integer space the services use for people and chats.

Services, the delivery ledger and the board's lists know a person by one integer (the column is
still called `telegram_id`) and a chat by another. Telegram's ids are below 10^13 in size; a
Zalo account with row id n is known as -(ZALO_BASE + n), both as its person key (until it is
linked to a Telegram member) and as its chat address. Anything that sends to an address first
asks `is_zalo()`: that is the whole of the routing. ZALO_BASE stays below 2^53, so the numbers
survive JSON and JavaScript on the web desk.
"""
from __future__ import annotations

ZALO_BASE = 4_000_000_000_000_000


def zalo_address(account_id: int) -> int:
    """The chat address (and the unlinked person key) of the Zalo account with this row id."""
    return -(ZALO_BASE + int(account_id))


def is_zalo(address: int | str | None) -> bool:
    """Whether a chat address (or person key) belongs to Zalo."""
    try:
        return address is not None and int(address) <= -ZALO_BASE
    except (TypeError, ValueError):
        return False


def account_of(address: int) -> int:
    """The Zalo account row id behind an address made by `zalo_address`."""
    return -int(address) - ZALO_BASE

