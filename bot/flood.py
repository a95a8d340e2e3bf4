"""The per-person flood limit both channels apply before handling a message."""
from __future__ import annotations

import collections
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
