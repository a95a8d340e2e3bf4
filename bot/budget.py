"""The send budget: Telegram's overall message limit, shared by replies and broadcasts, replies first."""
from __future__ import annotations

import asyncio
import collections
import time
from typing import Callable

# Telegram counts at its end, after a network trip whose length varies: spacing starts 10 % wider
# than the limit means a message may arrive up to ~100 ms late relative to one sent a second
# earlier before Telegram could see one too many in a second (at 30/s: 27.3 messages a second).
# 5 % (~50 ms) was not enough while the bot also answered questions: a strict fake Bot API saw
# 31 arrivals in a second in about half the runs (tests/test_sending.py); one 429 pauses every
# send for a second, which costs more than the 4 % of rate given up here.
SLACK = 0.10
CHAT_GAP = 1.0        # Telegram: about one message a second to one chat
CHAT_MEMORY = 60.0    # seconds a chat's last sends are remembered


class SendBudget:
    """At most `rate` message starts a second, on an evenly spaced grid, urgent ones first.

    Starts fall on a grid of `interval` = 1/rate × (1 + SLACK). A start that wakes up a little
    late keeps the grid (so event-loop lateness does not eat the rate), but two starts are never
    closer than half a slot, and a start later than half a slot earns no catch-up burst. On top
    of the grid a sliding window holds the hard limit: never more than `limit` starts within
    `window` seconds. `pause()` (Telegram answered 429) holds every start until it is over.

    Urgent starts (replies to users) go first: while one waits, bulk starts (broadcasts) hold
    back, so a reply waits at most one slot however busy a broadcast keeps the budget.
    """

    def __init__(self, rate: float = 30.0, clock: Callable[[], float] = time.monotonic,
                 slack: float = SLACK):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.limit = max(1, int(rate))
        self.window = self.limit / rate * (1 + slack)
        self.interval = self.window / self.limit
        self.clock = clock
        self.recent: collections.deque[float] = collections.deque(maxlen=self.limit)
        self.next_at = 0.0
        self.resume_at = 0.0
        self.urgent_waiting = 0
        self.started = 0
        # Per chat: the last two send starts, and until when a chat is held after a 429 that
        # only its own limit (one message a second in a chat) can explain.
        self.to_chat: dict[int, tuple[float, float]] = {}
        self.chat_resume: dict[int, float] = {}

    def delay(self, urgent: bool = True) -> float:
        """Seconds until a start of this kind is allowed (0 if now)."""
        at = max(self.next_at, self.resume_at)
        if len(self.recent) == self.limit:
            at = max(at, self.recent[0] + self.window)
        wait = max(0.0, at - self.clock())
        if not urgent and self.urgent_waiting:
            wait = max(wait, self.interval)
        return wait

    def take(self) -> float:
        """Record a start now (the caller checked `delay()` is 0); returns its time."""
        now = self.clock()
        self.next_at = max(self.next_at + self.interval, now + self.interval / 2)
        self.recent.append(now)
        self.started += 1
        return now

    async def acquire(self, urgent: bool = True) -> float:
        """Wait for a slot and take it; returns the start time."""
        if urgent:
            self.urgent_waiting += 1
        try:
            while (wait := self.delay(urgent)) > 0:
                await asyncio.sleep(wait)
            return self.take()
        finally:
            if urgent:
                self.urgent_waiting -= 1

    def pause(self, seconds: float) -> None:
        self.resume_at = max(self.resume_at, self.clock() + max(0.0, seconds))

    # ------------------------------------------------------------ one chat's limit
    def note_send(self, chat_id) -> None:
        """A message to `chat_id` starts now."""
        if chat_id is None:
            return
        now = self.clock()
        self.to_chat[chat_id] = (self.to_chat.get(chat_id, (float("-inf"), float("-inf")))[1],
                                 now)
        if len(self.to_chat) > 20000:   # forget chats idle for a while
            self.to_chat = {c: t for c, t in self.to_chat.items() if now - t[1] < CHAT_MEMORY}
            self.chat_resume = {c: t for c, t in self.chat_resume.items() if t > now}

    def limited(self, chat_id, seconds: float) -> bool:
        """Telegram answered 429 to a message to `chat_id`: hold that chat alone when the message
        before it to the same chat started less than CHAT_GAP earlier (only the per-chat limit
        explains it), else pause every send (the overall limit). True when all were paused."""
        now = self.clock()
        prev = self.to_chat.get(chat_id, (float("-inf"), float("-inf")))[0] \
            if chat_id is not None else float("-inf")
        if now - prev < CHAT_GAP + self.interval:
            self.chat_resume[chat_id] = max(self.chat_resume.get(chat_id, 0.0),
                                            now + max(0.0, seconds))
            return False
        self.pause(seconds)
        return True

    def chat_delay(self, chat_id) -> float:
        """Seconds until `chat_id` may receive again after its own 429 (0 if now)."""
        if chat_id is None:
            return 0.0
        return max(0.0, self.chat_resume.get(chat_id, 0.0) - self.clock())
