"""A thin client for the Zalo Bot API on aiohttp: JSON calls, the ok/result envelope, the send
budget, retries for replies, and texts cut to Zalo's 2,000 characters.

We do not use the `python-zalo-bot` package (see the README's "Zalo" section for why). The token
is part of every URL, so URLs are never logged or put in an exception.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp

from bot.budget import SendBudget
from bot.zalo.render import pieces

log = logging.getLogger(__name__)

RETRIES = 3              # transient failures of a reply are retried this often …
BACKOFF = 0.5            # … after 0.5, 1 and 2 seconds
RATE_PAUSE = 1.0         # Zalo gives no retry_after: a "too many" pauses the channel this long
RATE_WAIT_MAX = 30.0     # seconds a reply may wait for "too many" answers in total
SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendSticker", "sendVoice"})


class ZaloError(Exception):
    """Zalo answered ok:false (or not at all); `code` is its error_code (0: no answer)."""

    def __init__(self, code: int, description: str, sent: bool | None = False):
        super().__init__(f"Zalo error {code}: {description}")
        self.code = code
        self.description = description
        # Whether the message may have arrived anyway (a timeout after the request was written).
        self.maybe_sent = sent

    @property
    def rate_limited(self) -> bool:
        return self.code == 429 or "too many" in self.description.lower()

    @property
    def transient(self) -> bool:
        return self.code == 0 or self.code >= 500 or self.code == 408

    @property
    def unreachable(self) -> bool:
        d = self.description.lower()
        return self.code == 403 or any(h in d for h in ("blocked", "not found", "not exist"))


class ZaloClient:
    """Calls `<api_url>/bot<token>/<method>`; every message takes a slot of the Zalo budget."""

    def __init__(self, token: str, api_url: str, budget: SendBudget, timeout: float = 10.0):
        self._base = f"{api_url.rstrip('/')}/bot{token}/"
        self.budget = budget
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=None, connect=5.0))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(self, method: str, body: dict | None = None,
                   timeout: float | None = None) -> Any:
        """One call; the `result`, or ZaloError (never with the URL in it)."""
        await self.start()
        wait = self.timeout if timeout is None else timeout
        try:
            async with self._session.post(self._base + method, json=body or {},
                                          timeout=aiohttp.ClientTimeout(total=wait)) as r:
                try:
                    data = await r.json(content_type=None)
                except (ValueError, aiohttp.ContentTypeError):
                    raise ZaloError(r.status if r.status >= 500 else 0,
                                    f"HTTP {r.status}, not JSON") from None
        except asyncio.TimeoutError:
            raise ZaloError(0, f"{method} timed out", sent=method in SEND_METHODS) from None
        except aiohttp.ClientConnectorError:
            raise ZaloError(0, f"{method}: could not connect") from None
        except aiohttp.ClientError as e:
            raise ZaloError(0, f"{method}: {type(e).__name__}",
                            sent=method in SEND_METHODS) from None
        if not isinstance(data, dict) or not data.get("ok"):
            data = data if isinstance(data, dict) else {}
            raise ZaloError(int(data.get("error_code") or r.status or 0),
                            str(data.get("description") or "ok:false"))
        return data.get("result")

    # ------------------------------------------------------------ sends
    async def send_text(self, chat_id: str, text: str, urgent: bool = True) -> list[str]:
        """A plain text of any length, as pieces of ≤ 2,000 characters, each with its budget
        slot, retried on "too many" and transient failures. Returns the message ids."""
        ids = []
        for piece in pieces(text):
            ids.append(await self._retrying("sendMessage", {"chat_id": chat_id, "text": piece},
                                            urgent))
        return ids

    async def _retrying(self, method: str, body: dict, urgent: bool) -> str:
        waited, failures = 0.0, 0
        while True:
            await self.budget.acquire(urgent)
            try:
                result = await self.call(method, body)
                return str((result or {}).get("message_id", ""))
            except ZaloError as e:
                if e.rate_limited and waited < RATE_WAIT_MAX:
                    self.budget.pause(RATE_PAUSE)
                    waited += RATE_PAUSE
                    log.warning("Zalo: too many messages; waiting %.1fs", RATE_PAUSE)
                    await asyncio.sleep(RATE_PAUSE)
                    continue
                if e.transient and failures < RETRIES:
                    delay = BACKOFF * 2 ** failures
                    failures += 1
                    log.warning("Zalo %s failed (%s); retry %d in %.1fs", method, e, failures,
                                delay)
                    await asyncio.sleep(delay)
                    continue
                raise

    async def get_updates(self, timeout: int = 30) -> dict | None:
        """One long poll: an event (`{"event_name", "message"}`) or None when none came."""
        try:
            result = await self.call("getUpdates", {"timeout": timeout}, timeout=timeout + 10)
        except ZaloError as e:
            if e.code == 408:
                return None
            raise
        return result if isinstance(result, dict) else None
