"""The delivery worker: sends queued broadcast deliveries at a strict rate, exactly once.

State machine of a delivery row::

    queued --claim--> sending --Telegram answered--> sent | failed | unreachable
       ^                 |  \\--429 / transient error (before the message could exist)--> queued
       |                 |                                        (next_attempt_at = backoff)
       |                 \\--ambiguous answer (TimedOut) or the process died--> in_doubt
       \\--broadcast cancelled--> cancelled

Exactly once. A row is claimed (state ``sending``, ``claimed_by`` = this worker, ``claimed_at``)
in its own short transaction *before* Telegram is called, and the outcome is recorded right after
the call returns. A crash between "Telegram accepted it" and "we recorded it" therefore leaves
the row in ``sending``; such rows become ``in_doubt`` and are never sent again: we prefer a
possibly missed message (counted and shown to the board in /phatdi_ds, and healed to ``sent`` if
the member presses ✅ on it) over a duplicate. A ``TimedOut`` (or a connection that broke after
the request was written) is treated the same way, because the message may have arrived. Only
errors that prove nothing was delivered (429, 5xx answers, connect/pool timeouts, refused
connections) put the row back in the queue.

Bounded doubt. At most ``broadcast_in_flight`` rows per worker are ever in ``sending``
(claimed-but-not-started rows count too), so a kill -9 leaves at most that many in doubt.

Leases. Several bot processes may share one database. Claims use ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL (SQLite serialises writers with ``BEGIN IMMEDIATE``), so no row is claimed twice. A
worker never touches another live worker's ``sending`` rows: every few seconds it refreshes
``claimed_at`` on the rows it has in flight (a heartbeat on the rows themselves). A ``sending``
row is declared ``in_doubt`` by another worker only when (a) its owner ran on this host and that
process no longer exists (checked by pid, so a restart after kill -9 recovers at once), or
(b) its ``claimed_at`` is older than the lease (``broadcast_lease``, default 30 s, much longer
than the heartbeat and than any single send with its HTTP timeouts). If a slow owner records its
outcome after all, ``in_doubt`` may still become ``sent`` (that only sharpens the record).

Rate. One dispatcher starts sends at evenly spaced instants (a token bucket of capacity 1, so
there is never a burst): at most ``broadcast_rate`` starts in any one-second window, at most
one per second to the same chat, with up to ``broadcast_in_flight`` sends in flight at once so
the rate is reached with a slow round trip. A 429 pauses every start for ``retry_after``.
Running broadcasts share the budget: claims take rows from each running broadcast in turn.

The worker knows nothing of Telegram: the bot gives it a ``sender`` coroutine that raises the
outcome exceptions below.
"""
from __future__ import annotations

import asyncio
import logging
import math
import os
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Awaitable, Callable, Protocol

from sqlalchemy import and_, or_, select, update

from bot.config import Settings
from bot.db import Database
from bot.db.models import (
    B_CANCELLED, B_RUNNING, D_CANCELLED, D_FAILED, D_IN_DOUBT, D_QUEUED, D_SENDING, D_SENT,
    D_UNREACHABLE, Broadcast, Delivery, Member, utcnow,
)

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- outcomes raised by a sender
class SendError(Exception):
    """A send did not produce a message; the subclass says what that means for the row."""


class RateLimited(SendError):
    """Telegram said 429: pause everything, then retry this delivery (not counted as a try)."""

    def __init__(self, retry_after: float, detail: str = ""):
        super().__init__(detail or f"retry after {retry_after}s")
        self.retry_after = retry_after


class Unreachable(SendError):
    """The chat can never be reached (blocked the bot, deleted, chat not found)."""


class Transient(SendError):
    """Nothing was delivered and trying again later may work (5xx, connect failure)."""


class Ambiguous(SendError):
    """The message may or may not have arrived (timeout after the request was sent)."""


class Rejected(SendError):
    """Telegram refused this content for good (bad request): retrying cannot help."""


# ---------------------------------------------------------------- what is sent
@dataclass(frozen=True)
class Content:
    """What a broadcast sends: text (HTML), a photo/document by file_id, or a copied message."""
    kind: str = "text"
    text: str = ""
    media_file_id: str | None = None
    source_chat_id: int | None = None
    source_message_id: int | None = None


@dataclass(frozen=True)
class Job:
    delivery_id: int
    broadcast_id: int
    member_id: int
    chat_id: int
    attempts: int
    content: Content


class Sender(Protocol):
    def __call__(self, job: Job) -> Awaitable[int]:
        """Send the job's content to its chat; return the message id or raise a SendError."""


# ---------------------------------------------------------------- the limiter
class RateLimiter:
    """Strict start-time spacing: consecutive starts are at least 1/rate seconds apart.

    The next slot is computed from the *actual* previous start, so a late wake-up never lets
    two starts bunch together, and any half-open one-second window holds at most `rate`
    starts. `pause()` (a 429) holds every start until the pause is over.
    """

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self.clock = clock
        self.next_at = 0.0
        self.resume_at = 0.0

    def delay(self) -> float:
        """Seconds until a start is allowed (0 if now)."""
        return max(0.0, max(self.next_at, self.resume_at) - self.clock())

    def take(self) -> float:
        """Record a start now (the caller checked `delay()` is 0); returns its time."""
        now = self.clock()
        self.next_at = now + self.interval
        return now

    async def acquire(self) -> float:
        while True:
            wait = self.delay()
            if wait <= 0:
                return self.take()
            await asyncio.sleep(wait)

    def pause(self, seconds: float) -> None:
        self.resume_at = max(self.resume_at, self.clock() + max(0.0, seconds))


# ---------------------------------------------------------------- helpers
def _host_pid(worker_id: str | None) -> tuple[str, int] | None:
    try:
        host, pid, _ = (worker_id or "").rsplit(":", 2)
        return host, int(pid)
    except ValueError:
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed but not yet reaped child is a zombie: dead for our purpose
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


@dataclass
class WorkerStats:
    started: int = 0
    sent: int = 0
    failed: int = 0
    unreachable: int = 0
    in_doubt: int = 0
    retried: int = 0
    rate_limited: int = 0
    recovered_in_doubt: int = 0


class DeliveryWorker:
    """Claims due deliveries from the database and sends them under the limits above."""

    def __init__(self, db: Database, settings: Settings,
                 tick: Callable[[], object] | None = None):
        self.db = db
        extra = settings.extra or {}
        self.rate = float(settings.broadcast_rate)
        self.in_flight = max(1, int(settings.broadcast_in_flight))
        self.poll = float(extra.get("broadcast_poll", 1.0))
        self.lease = float(extra.get("broadcast_lease", 30.0))
        self.heartbeat = min(5.0, self.lease / 3)
        self.max_attempts = int(extra.get("broadcast_max_attempts", 5))
        self.backoff = float(extra.get("broadcast_backoff", 2.0))  # 2, 4, 8, 16 s
        self.per_chat_gap = float(extra.get("broadcast_chat_gap", 1.0))
        self.stop_grace = float(extra.get("broadcast_stop_grace", 10.0))
        self.tick = tick            # the broadcasts service: start due broadcasts, digests, finish
        self.host = socket.gethostname()
        self.worker_id = f"{self.host}:{os.getpid()}:{secrets.token_hex(3)}"
        self.limiter = RateLimiter(self.rate)
        self.stats = WorkerStats()
        self.starts: list[float] | None = None   # set to [] to record start times (bench)
        self._sender: Sender | None = None
        self._buffer: list[Job] = []           # claimed, not started yet
        self._tasks: dict[int, asyncio.Task] = {}  # delivery id -> send in flight
        self._chat_next: dict[int, float] = {}
        self._content: dict[int, Content] = {}
        self._rr = 0
        self._wake: asyncio.Event | None = None
        self._main: asyncio.Task | None = None
        self._stopping = False

    # ------------------------------------------------------------ lifecycle
    @property
    def running(self) -> bool:
        return self._main is not None and not self._main.done()

    async def start(self, sender: Sender) -> None:
        """Recover rows left in flight by dead workers, then run the dispatcher."""
        if self.running:
            return
        self._sender = sender
        self._stopping = False
        self._wake = asyncio.Event()
        n = await asyncio.to_thread(self.recover)
        if n:
            log.warning("broadcast: %d deliveries left in flight by a dead worker are in doubt "
                        "(not re-sent)", n)
        self._main = asyncio.create_task(self._run(), name="loa-delivery")

    def wake(self) -> None:
        """Look for work now (a broadcast was queued in this process)."""
        if self._wake is not None:
            self._wake.set()

    async def stop(self) -> None:
        """Stop claiming, let sends in flight finish (bounded), give back unstarted claims."""
        if self._main is None:
            return
        self._stopping = True
        self.wake()
        try:
            await self._main
        except Exception:  # noqa: BLE001 - already logged by the loop
            pass
        self._main = None
        buffered, self._buffer = self._buffer, []
        if buffered:
            await asyncio.to_thread(self._release, [j.delivery_id for j in buffered])
        if self._tasks:
            done, pending = await asyncio.wait(list(self._tasks.values()),
                                               timeout=self.stop_grace)
            for t in pending:
                t.cancel()
            if pending:
                await asyncio.wait(pending, timeout=2)
        leftover = list(self._tasks)
        if leftover:  # cancelled mid-call: the message may have gone out
            await asyncio.to_thread(self._mark_in_doubt, leftover, "stopped mid-send")
        self._tasks.clear()

    # ------------------------------------------------------------ the dispatcher
    async def _run(self) -> None:
        next_maint = 0.0
        next_beat = time.monotonic() + self.heartbeat
        idle = False   # the last claim found nothing: do not ask again before a poll or a wake
        while not self._stopping:
            try:
                now = time.monotonic()
                if now >= next_maint:
                    await asyncio.to_thread(self.maintain)
                    next_maint = time.monotonic() + self.poll
                    idle = False
                if now >= next_beat:
                    await asyncio.to_thread(self._beat, list(self._tasks) +
                                            [j.delivery_id for j in self._buffer])
                    next_beat = time.monotonic() + self.heartbeat
                free = self.in_flight - len(self._buffer) - len(self._tasks)
                if free > 0 and not idle and (not self._buffer
                                              or free >= max(1, self.in_flight // 2)):
                    jobs = await asyncio.to_thread(self.claim, free)
                    self._buffer.extend(jobs)
                    idle = not jobs
                job, chat_wait = self._next_ready()
                if job is None:
                    # Wait for a finished send, new work, a chat's gap, or the next poll.
                    timeout = next_maint - time.monotonic()
                    if chat_wait is not None:
                        timeout = min(timeout, chat_wait)
                    await self._sleep(timeout)
                    if self._wake.is_set():
                        self._wake.clear()
                        idle = False
                    continue
                delay = self.limiter.delay()
                if delay > 0:
                    await asyncio.sleep(delay)
                    continue
                self._buffer.remove(job)
                started = self.limiter.take()
                self._chat_next[job.chat_id] = started + self.per_chat_gap
                if self.starts is not None:
                    self.starts.append(started)
                self.stats.started += 1
                self._tasks[job.delivery_id] = asyncio.create_task(self._send(job))
                if len(self._chat_next) > 1000:
                    self._chat_next = {c: t for c, t in self._chat_next.items() if t > started}
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a DB hiccup must not kill the worker
                log.exception("broadcast worker loop error; retrying shortly")
                await asyncio.sleep(min(5.0, self.poll))

    def _next_ready(self) -> tuple[Job | None, float | None]:
        """The first buffered job whose chat may receive now, else the wait until one may."""
        if not self._buffer:
            return None, None
        now = time.monotonic()
        best = None
        for job in self._buffer:
            at = self._chat_next.get(job.chat_id, 0.0)
            if at <= now:
                return job, 0.0
            best = at if best is None else min(best, at)
        return None, max(0.0, best - now)

    async def _sleep(self, seconds: float, wake_on_event: bool = True) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        if not wake_on_event:
            await asyncio.sleep(seconds)
            return
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass

    async def _send(self, job: Job) -> None:
        outcome: tuple = ("in_doubt", None, "unknown")
        try:
            message_id = await self._sender(job)
            outcome = ("sent", message_id, None)
        except RateLimited as e:
            self.limiter.pause(e.retry_after)
            self.stats.rate_limited += 1
            log.warning("broadcast: 429, pausing all sends for %.1fs", e.retry_after)
            outcome = ("retry", e.retry_after, str(e))
        except Unreachable as e:
            outcome = ("unreachable", None, str(e))
        except Transient as e:
            outcome = ("transient", None, str(e))
        except Rejected as e:
            outcome = ("failed", None, str(e))
        except Ambiguous as e:
            outcome = ("in_doubt", None, str(e))
        except asyncio.CancelledError:
            raise   # stop() marks the row in doubt
        except Exception as e:  # noqa: BLE001 - unknown: the message may have been sent
            log.exception("broadcast: unexpected error sending delivery %s", job.delivery_id)
            outcome = ("in_doubt", None, f"{type(e).__name__}: {e}")
        for attempt in range(5):
            try:
                await asyncio.to_thread(self._record, job, *outcome)
                break
            except Exception:  # noqa: BLE001 - keep trying; the lease sweep is the last resort
                log.exception("broadcast: could not record delivery %s", job.delivery_id)
                await asyncio.sleep(0.5 * (attempt + 1))
        self._tasks.pop(job.delivery_id, None)
        self._wake.set()

    # ------------------------------------------------------------ database steps
    def claim(self, n: int) -> list[Job]:
        """Mark up to n due deliveries `sending` for this worker, round-robin over broadcasts."""
        now = utcnow()
        with self.db.session() as s:
            running = list(s.scalars(select(Broadcast.id).where(Broadcast.status == B_RUNNING)
                                     .order_by(Broadcast.id)))
            if not running:
                return []
            k = self._rr % len(running)
            self._rr += 1
            order = running[k:] + running[:k]
            due = and_(Delivery.state == D_QUEUED,
                       or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now))
            ids: list[int] = []
            active = list(order)
            while len(ids) < n and active:
                per = max(1, math.ceil((n - len(ids)) / len(active)))
                still = []
                for bid in active:
                    want = min(per, n - len(ids))
                    if want <= 0:
                        break
                    got = list(s.scalars(
                        select(Delivery.id).where(Delivery.broadcast_id == bid, due)
                        .order_by(Delivery.id).limit(want).with_for_update(skip_locked=True)))
                    ids += got
                    if len(got) == want:
                        still.append(bid)
                active = still
            if not ids:
                return []
            s.execute(update(Delivery).where(Delivery.id.in_(ids), Delivery.state == D_QUEUED)
                      .values(state=D_SENDING, claimed_by=self.worker_id, claimed_at=now,
                              attempts=Delivery.attempts + 1)
                      .execution_options(synchronize_session=False))
            rows = s.execute(select(Delivery.id, Delivery.broadcast_id, Delivery.member_id,
                                    Delivery.chat_id, Delivery.attempts, Delivery.claimed_by)
                             .where(Delivery.id.in_(ids))).all()
            missing = {r.broadcast_id for r in rows} - set(self._content)
            for b in s.scalars(select(Broadcast).where(Broadcast.id.in_(missing))):
                self._content[b.id] = Content(b.kind, b.text or "", b.media_file_id,
                                              b.source_chat_id, b.source_message_id)
        by_id = {r.id: r for r in rows if r.claimed_by == self.worker_id}
        return [Job(i, by_id[i].broadcast_id, by_id[i].member_id, by_id[i].chat_id,
                    by_id[i].attempts, self._content[by_id[i].broadcast_id])
                for i in ids if i in by_id]

    def _record(self, job: Job, outcome: str, value, error: str | None) -> None:
        now = utcnow()
        mine = and_(Delivery.id == job.delivery_id, Delivery.claimed_by == self.worker_id)
        err = (error or "")[:500] or None
        with self.db.session() as s:
            if outcome == "sent":
                s.execute(update(Delivery).where(mine, Delivery.state.in_([D_SENDING, D_IN_DOUBT]))
                          .values(state=D_SENT, message_id=value, sent_at=now, last_error=None))
                self.stats.sent += 1
                return
            if outcome == "unreachable":
                s.execute(update(Delivery).where(mine, Delivery.state.in_([D_SENDING, D_IN_DOUBT]))
                          .values(state=D_UNREACHABLE, last_error=err))
                s.execute(update(Member).where(Member.id == job.member_id)
                          .values(unreachable=True))
                self.stats.unreachable += 1
                return
            if outcome == "failed" or (outcome == "transient"
                                       and job.attempts >= self.max_attempts):
                s.execute(update(Delivery).where(mine, Delivery.state == D_SENDING)
                          .values(state=D_FAILED, last_error=err))
                self.stats.failed += 1
                return
            if outcome in ("transient", "retry"):
                if outcome == "retry":   # 429 is Telegram's pacing, not a failed attempt
                    delay, attempts = float(value or 1), Delivery.attempts - 1
                else:
                    delay = min(300.0, self.backoff * 2 ** max(0, job.attempts - 1))
                    attempts = Delivery.attempts
                s.execute(update(Delivery).where(mine, Delivery.state == D_SENDING)
                          .values(state=D_QUEUED, claimed_by=None, claimed_at=None,
                                  attempts=attempts, last_error=err,
                                  next_attempt_at=now + timedelta(seconds=delay)))
                self.stats.retried += 1
                return
            s.execute(update(Delivery).where(mine, Delivery.state == D_SENDING)
                      .values(state=D_IN_DOUBT, last_error=err or "in doubt"))
            self.stats.in_doubt += 1

    def _release(self, ids: list[int]) -> None:
        """Give back claims that were never handed to Telegram."""
        with self.db.session() as s:
            s.execute(update(Delivery).where(Delivery.id.in_(ids), Delivery.state == D_SENDING,
                                             Delivery.claimed_by == self.worker_id)
                      .values(state=D_QUEUED, claimed_by=None, claimed_at=None,
                              attempts=Delivery.attempts - 1)
                      .execution_options(synchronize_session=False))

    def _mark_in_doubt(self, ids: list[int], why: str) -> None:
        with self.db.session() as s:
            s.execute(update(Delivery).where(Delivery.id.in_(ids), Delivery.state == D_SENDING,
                                             Delivery.claimed_by == self.worker_id)
                      .values(state=D_IN_DOUBT, last_error=why)
                      .execution_options(synchronize_session=False))

    def _beat(self, ids: list[int]) -> None:
        """Refresh the lease on the rows this worker has in flight."""
        if not ids:
            return
        with self.db.session() as s:
            s.execute(update(Delivery).where(Delivery.id.in_(ids), Delivery.state == D_SENDING,
                                             Delivery.claimed_by == self.worker_id)
                      .values(claimed_at=utcnow())
                      .execution_options(synchronize_session=False))

    def recover(self) -> int:
        """Turn `sending` rows of dead or silent workers into `in_doubt`; returns how many."""
        now = utcnow()
        stale_before = now - timedelta(seconds=self.lease)
        mine_in_flight = set(self._tasks) | {j.delivery_id for j in self._buffer}
        with self.db.session() as s:
            active = list(s.scalars(select(Broadcast.id).where(
                Broadcast.status.in_([B_RUNNING, B_CANCELLED]), Broadcast.finished_at.is_(None))))
            if not active:
                return 0
            rows = s.execute(select(Delivery.id, Delivery.claimed_by, Delivery.claimed_at)
                             .where(Delivery.broadcast_id.in_(active),
                                    Delivery.state == D_SENDING)
                             .with_for_update(skip_locked=True)).all()
            dead: list[int] = []
            for r in rows:
                if r.claimed_by == self.worker_id and r.id in mine_in_flight:
                    continue
                owner = _host_pid(r.claimed_by)
                gone = (owner is not None and owner[0] == self.host and r.claimed_by != self.worker_id
                        and owner[1] != os.getpid() and not _pid_alive(owner[1]))
                if gone or r.claimed_at is None or r.claimed_at < stale_before:
                    dead.append(r.id)
            if dead:
                s.execute(update(Delivery).where(Delivery.id.in_(dead),
                                                 Delivery.state == D_SENDING)
                          .values(state=D_IN_DOUBT,
                                  last_error="in flight when its worker stopped; not re-sent")
                          .execution_options(synchronize_session=False))
        self.stats.recovered_in_doubt += len(dead)
        return len(dead)

    def maintain(self) -> None:
        """Periodic work: due broadcasts and digests, dead workers' rows, finished broadcasts."""
        if self.tick is not None:
            self.tick()
        self.recover()
        if self._buffer:
            self._drop_cancelled()

    def _drop_cancelled(self) -> None:
        bids = {j.broadcast_id for j in self._buffer}
        with self.db.session() as s:
            cancelled = set(s.scalars(select(Broadcast.id).where(
                Broadcast.id.in_(bids), Broadcast.status == B_CANCELLED)))
            if not cancelled:
                return
            drop = [j.delivery_id for j in self._buffer if j.broadcast_id in cancelled]
            s.execute(update(Delivery).where(Delivery.id.in_(drop), Delivery.state == D_SENDING,
                                             Delivery.claimed_by == self.worker_id)
                      .values(state=D_CANCELLED, claimed_by=None)
                      .execution_options(synchronize_session=False))
        self._buffer = [j for j in self._buffer if j.broadcast_id not in cancelled]
