"""The per-person flood limit both channels apply before handling a message."""
from __future__ import annotations

import asyncio
import collections
import contextlib
import time


class FloodGate:
    """Sliding-window limit per user; warns once per window instead of answering every message."""

    def __init__(self, limit: int, window: float):
        self.limit = limit
        self.window = window
        self.hits: dict[int, collections.deque] = {}
        self.warned: dict[int, float] = {}

    def check(self, user_id: int, now: float | None = None) -> float:
        """0 if allowed, else seconds to wait."""
        now = time.monotonic() if now is None else now
        q = self.hits.setdefault(user_id, collections.deque())
        while q and now - q[0] > self.window:
            q.popleft()
        if len(q) >= self.limit:
            return self.window - (now - q[0])
        q.append(now)
        if len(self.hits) > 10000:  # forget idle users so memory stays bounded
            for uid in [u for u, d in self.hits.items() if not d or now - d[-1] > self.window]:
                self.hits.pop(uid, None)
        return 0.0

    def warn_due(self, user_id: int, now: float | None = None) -> bool:
        """Whether a limited user is told so now: once per half window, not at every message."""
        now = time.monotonic() if now is None else now
        if now - self.warned.get(user_id, 0) > self.window / 2:
            self.warned[user_id] = now
            return True
        return False


class NoticeFolder:
    """Question notices to one board chat: the first `after` of a window go one by one (each
    can be answered by replying to it), at least `gap` seconds apart; the rest wait and go
    together as one message when the window ends. A busy minute then costs a board chat a few
    messages instead of one a question, and never Telegram's per-chat limit (1 msg/s), whose 429
    would hold that chat."""

    def __init__(self, after: int = 3, window: float = 60.0, gap: float = 1.05):
        self.after = after
        self.window = window
        self.gap = gap
        self._sent: dict[int, collections.deque] = {}
        self._held: dict[int, list] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._last: dict[int, float] = {}
        self.tasks: set = set()   # the scheduled folded messages (sent at once on shutdown)

    def admit(self, chat_id: int, now: float | None = None) -> bool:
        """True: send this notice on its own (it is counted); False: hold it for the folded one."""
        now = time.monotonic() if now is None else now
        q = self._sent.setdefault(chat_id, collections.deque())
        while q and now - q[0] >= self.window:
            q.popleft()
        if chat_id in self._held or len(q) >= self.after:
            return False
        q.append(now)
        if len(self._sent) > 10000:
            for c in [c for c, d in self._sent.items() if not d and c not in self._held]:
                self._sent.pop(c, None)
                self._last.pop(c, None)
                self._locks.pop(c, None)
        return True

    def hold(self, chat_id: int, item) -> bool:
        """Keep a notice for the folded message; True for the first one held (the caller then
        schedules the flush)."""
        held = self._held.setdefault(chat_id, [])
        held.append(item)
        return len(held) == 1

    def delay(self, chat_id: int, now: float | None = None) -> float:
        """Seconds until the chat's window has room again (when the folded message goes)."""
        now = time.monotonic() if now is None else now
        q = self._sent.get(chat_id)
        return max(1.0, self.window - (now - q[0])) if q else 1.0

    def take(self, chat_id: int, now: float | None = None) -> list:
        """The notices held for a chat, which now go as one message (counted as one send)."""
        now = time.monotonic() if now is None else now
        self._sent.setdefault(chat_id, collections.deque()).append(now)
        return self._held.pop(chat_id, [])

    @contextlib.asynccontextmanager
    async def turn(self, chat_id: int):
        """One notice at a time to a chat, `gap` after the previous one was sent."""
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
            wait = self._last.get(chat_id, float("-inf")) + self.gap - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                yield
            finally:
                self._last[chat_id] = time.monotonic()
