"""The delivery worker: sends queued broadcast deliveries at a strict rate, exactly once.

State machine of a delivery row::

    queued --claim--> sending --Telegram answered--> sent | failed | unreachable
       ^                 |  \\--429 / transient error (before the message could exist)--> queued
       |                 |                                        (next_attempt_at = backoff)
       |                 \\--ambiguous answer (TimedOut) or the process died--> in_doubt
       \\--broadcast cancelled--> cancelled

Exactly once. A row is claimed (state ``sending``, ``claimed_by`` = this worker, ``claimed_at``)
in a short, committed transaction *before* Telegram is called, and the outcome is recorded as
soon as the call returns (outcomes that finish together share one transaction with the next
claim; a slot is not reused until its outcome is committed). A crash between "Telegram accepted it" and "we recorded it" therefore leaves
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

Rate. One dispatcher starts sends on the grid of the process's send budget (bot.budget: evenly
spaced slots, never a burst, a hard cap per window, and replies to users first: the worker takes
bulk slots, so a reply never waits behind a broadcast for more than one slot), at most one per
second to the same chat (in this process; a second process sharing the database keeps its own
per-chat clock), with up to ``broadcast_in_flight`` sends in flight at once so the rate is
reached with a slow round trip. A 429 pauses the whole budget for ``retry_after`` and the row
goes back to the queue without counting as an attempt. Running broadcasts share the budget:
claims take rows from each running broadcast in turn. The budget is per process: two bot
processes on one database each use the full rate (set LOA_SEND_RATE to half of it).

Tasks. Maintenance (due broadcasts, digests, dead workers, heartbeat; every
``broadcast_poll`` s, so rows queued by another process such as ``loa broadcast`` are found),
the pump (record outcomes + claim, on one database thread) and the dispatcher (starts sends)
run as separate asyncio tasks, so a database round trip never delays a start.

The worker knows nothing of Telegram: the bot gives it a ``sender`` coroutine that raises the
outcome exceptions below.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import math
import os
import secrets
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Awaitable, Callable, Protocol

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from bot.boards import unit_board_title
from bot.budget import SendBudget
from bot.config import Settings
from bot.db import Database
from bot.db.models import (
    B_CANCELLED, B_RUNNING, D_CANCELLED, D_FAILED, D_IN_DOUBT, D_QUEUED, D_SENDING, D_SENT,
    D_UNREACHABLE, Broadcast, Delivery, Member, utcnow,
)
from bot.services.broadcasts import Content, signed

log = logging.getLogger(__name__)

CHAT_GAP = 1.0      # seconds between two messages to one chat (Telegram's per-chat limit)
RETRY = "retry"           # outcome of a 429: back to the queue after retry_after, not an attempt
TRANSIENT = "transient"   # outcome of a failure that delivered nothing: back off, then retry
STOP_GRACE = 10.0   # seconds a stop waits for the sends in flight


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

    def __init__(self, db: Database, settings: Settings, budget: SendBudget,
                 tick: Callable[[], object] | None = None, only=None, name: str = ""):
        self.db = db
        # A condition on Delivery (e.g. the chats of one channel): this worker claims only the
        # rows it holds, so each channel sends at its own rate with its own sender.
        self.only = only
        self.board_name = settings.board_name   # the top board's, to sign what it sends
        self.in_flight = settings.broadcast_in_flight
        self.poll = settings.broadcast_poll
        self.lease = settings.broadcast_lease
        self.heartbeat = min(5.0, self.lease / 3)
        self.max_attempts = settings.broadcast_max_attempts
        self.backoff = settings.broadcast_backoff  # 2, 4, 8, 16 s
        self.per_chat_gap = CHAT_GAP
        self.stop_grace = STOP_GRACE
        self.tick = tick            # the broadcasts service: start due broadcasts, digests, finish
        self.host = socket.gethostname()
        self.worker_id = f"{self.host}:{os.getpid()}:{name + '-' if name else ''}{secrets.token_hex(3)}"
        self.budget = budget        # shared with replies, which go first
        self.stats = WorkerStats()
        self.starts: list[float] | None = None   # set to [] to record start times (bench)
        self._sender: Sender | None = None
        self._buffer: list[Job] = []           # claimed, not started yet
        self._tasks: dict[int, asyncio.Task] = {}  # delivery id -> send in flight
        self._chat_next: dict[int, float] = {}
        self._content: dict[int, Content] = {}
        self._rr = 0
        self._kick: asyncio.Event | None = None
        self._ready: asyncio.Event | None = None
        self._stop_ev: asyncio.Event | None = None
        self._tick_ev: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="loa-delivery-db")
        self._results: list[tuple] = []      # finished sends waiting to be recorded
        self._recording: list[tuple] = []    # … being recorded now
        self._pump_task: asyncio.Task | None = None
        self._loops: list[asyncio.Task] = []
        self._main: asyncio.Task | None = None
        self._stopping = False

    # ------------------------------------------------------------ lifecycle
    @property
    def running(self) -> bool:
        return self._main is not None and not self._main.done()

    async def start(self, sender: Sender) -> None:
        """Recover rows left in flight by dead workers, then run the worker's loops."""
        if self.running:
            return
        self._sender = sender
        self._stopping = False
        self._kick = asyncio.Event()    # a slot was freed or work may have appeared: claim
        self._ready = asyncio.Event()   # the buffer got jobs: dispatch
        self._stop_ev = asyncio.Event()
        self._tick_ev = asyncio.Event()  # run the maintenance now (a broadcast was queued)
        self._loop = asyncio.get_running_loop()
        n = await self._db(self.recover)
        if n:
            log.warning("broadcast: %d deliveries left in flight by a dead worker are in doubt "
                        "(not re-sent)", n)
        self._results, self._recording = [], []
        self._pump_task = asyncio.create_task(self._pump(), name="loa-delivery-pump")
        self._loops = [asyncio.create_task(self._maintenance(), name="loa-delivery-maint"),
                       asyncio.create_task(self._dispatcher(), name="loa-delivery-send")]
        self._main = self._loops[1]

    def _held(self) -> int:
        """Rows this worker holds in `sending`: buffered, in flight, or not yet recorded."""
        return len(self._buffer) + len(self._tasks) + len(self._results) + len(self._recording)

    def _held_ids(self) -> list[int]:
        return ([j.delivery_id for j in self._buffer] + list(self._tasks)
                + [r[0].delivery_id for r in self._results + self._recording])

    def wake(self) -> None:
        """Look for work now (a broadcast was queued in this process). Thread-safe: services
        call it from worker threads."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._wake)
        except RuntimeError:  # the loop closed meanwhile: nobody to wake
            pass

    def _wake(self) -> None:
        if self._tick_ev is not None:
            self._tick_ev.set()
        if self._kick is not None:
            self._kick.set()

    async def stop(self) -> None:
        """Stop claiming, let sends in flight finish (bounded), give back unstarted claims."""
        if self._main is None:
            return
        self._stopping = True
        self._kick.set()
        self._ready.set()
        self._stop_ev.set()
        self._tick_ev.set()
        for t in self._loops:
            try:
                await t
            except Exception:  # noqa: BLE001 - already logged by the loop
                pass
        self._main = None
        if self._tasks:
            done, pending = await asyncio.wait(list(self._tasks.values()),
                                               timeout=self.stop_grace)
            for t in pending:
                t.cancel()
            if pending:
                await asyncio.wait(pending, timeout=2)
        leftover = list(self._tasks)   # cancelled mid-call: the message may have gone out
        self._tasks.clear()
        self._kick.set()
        try:   # the pump records what finished, then returns
            await asyncio.wait_for(self._pump_task, timeout=self.stop_grace)
        except Exception:  # noqa: BLE001
            log.exception("broadcast: pump did not finish")
        leftover += [r[0].delivery_id for r in self._results + self._recording]
        if leftover:
            await self._db(self._mark_in_doubt, leftover, "stopped mid-send")
        buffered, self._buffer = self._buffer, []
        if buffered:   # claimed but never handed to Telegram: back to the queue
            await self._db(self._release, [j.delivery_id for j in buffered])

    async def _db(self, fn, *args):
        """Run a database step on the worker's own single thread.

        One thread serialises the worker's transactions: on SQLite, writers from several
        threads would collide on the database lock and sleep in the busy handler (milliseconds
        each time), which costs more than queueing them here.
        """
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args))

    # ------------------------------------------------------------ the loops
    # Three tasks so that database round trips never delay a start: maintenance (due
    # broadcasts, digests, dead workers, heartbeat), the claimer (keeps a small buffer of
    # claimed jobs) and the dispatcher (starts sends on the budget's grid).
    async def _maintenance(self) -> None:
        next_beat = time.monotonic() + self.heartbeat
        while not self._stopping:
            try:
                cancelled = await self._db(self.maintain, set(self._held_ids()),
                                           {j.broadcast_id for j in self._buffer})
                if cancelled:   # never start buffered jobs of a cancelled broadcast
                    drop = [j.delivery_id for j in self._buffer if j.broadcast_id in cancelled]
                    self._buffer = [j for j in self._buffer if j.broadcast_id not in cancelled]
                    await self._db(self._cancel_rows, drop)
                self._kick.set()
                if time.monotonic() >= next_beat:
                    await self._db(self._beat, self._held_ids())
                    next_beat = time.monotonic() + self.heartbeat
            except Exception:  # noqa: BLE001 - a DB hiccup must not kill the worker
                log.exception("broadcast maintenance error; retrying")
            await self._wait(self._tick_ev, self.poll)
            self._tick_ev.clear()

    async def _pump(self) -> None:
        """Record finished sends and claim new ones, both in one short transaction."""
        while True:
            results, self._results = self._results, []
            self._recording = results
            want, avoid = 0, set()
            if not self._stopping:
                free = self.in_flight - len(self._buffer) - len(self._tasks) - len(self._results)
                if free > 0 and (not self._buffer or free >= max(1, self.in_flight // 2)):
                    want = free
                    # Chats still inside the per-chat gap are skipped at claim time, so a
                    # slot is never held by a job that has to wait.
                    now = time.monotonic()
                    avoid = {c for c, t in self._chat_next.items() if t > now}
                    avoid.update(j.chat_id for j in self._buffer)
            if not results and not want:
                self._recording = []
                if self._stopping and not self._tasks:
                    return
                self._kick.clear()
                await self._wait_any(self._kick, self.poll)
                continue
            self._kick.clear()
            try:
                jobs = await self._db(self._pump_tx, results, want, avoid)
            except Exception:  # noqa: BLE001 - keep the results and try again
                log.exception("broadcast: database step failed; retrying")
                self._results = results + self._results
                self._recording = []
                await asyncio.sleep(0.5)
                continue
            self._recording = []
            if jobs and self._stopping:
                await self._db(self._release, [j.delivery_id for j in jobs])
            elif jobs:
                self._buffer.extend(jobs)
                self._ready.set()
            if want and not jobs and not self._results:
                await self._wait_any(self._kick, self.poll)   # nothing due: wait for news

    async def _dispatcher(self) -> None:
        while not self._stopping:
            try:
                job, chat_wait = self._next_ready()
                if job is None:
                    self._ready.clear()
                    await self._wait(self._ready, chat_wait if chat_wait is not None
                                     else self.poll)
                    continue
                delay = self.budget.delay(urgent=False)
                if delay > 0:
                    await self._wait(self._stop_ev, delay)
                    continue
                self._buffer.remove(job)
                started = self.budget.take()
                self.budget.note_send(job.chat_id)
                self._chat_next[job.chat_id] = started + self.per_chat_gap
                if self.starts is not None:
                    self.starts.append(started)
                self.stats.started += 1
                self._tasks[job.delivery_id] = asyncio.create_task(self._send(job))
                if len(self._chat_next) > 1000:
                    self._chat_next = {c: t for c, t in self._chat_next.items() if t > started}
            except Exception:  # noqa: BLE001
                log.exception("broadcast dispatch error; retrying")
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

    async def _wait(self, event: asyncio.Event, seconds: float) -> None:
        if self._stopping:
            return
        try:
            await asyncio.wait_for(event.wait(), timeout=max(0.0, seconds))
        except asyncio.TimeoutError:
            pass

    async def _send(self, job: Job) -> None:
        outcome: tuple = (D_IN_DOUBT, None, "unknown")
        try:
            message_id = await self._sender(job)
            outcome = (D_SENT, message_id, None)
        except RateLimited as e:
            self.stats.rate_limited += 1
            if self.budget.limited(job.chat_id, e.retry_after):
                log.warning("broadcast: 429, pausing all sends for %.1fs", e.retry_after)
            else:   # that chat's own limit (a reply just went there): only it waits
                self._chat_next[job.chat_id] = time.monotonic() + e.retry_after
            outcome = (RETRY, e.retry_after, str(e))
        except Unreachable as e:
            outcome = (D_UNREACHABLE, None, str(e))
        except Transient as e:
            outcome = (TRANSIENT, None, str(e))
        except Rejected as e:
            outcome = (D_FAILED, None, str(e))
        except Ambiguous as e:
            outcome = (D_IN_DOUBT, None, str(e))
        except asyncio.CancelledError:
            raise   # stop() marks the row in doubt
        except Exception as e:  # noqa: BLE001 - unknown: the message may have been sent
            log.exception("broadcast: unexpected error sending delivery %s", job.delivery_id)
            outcome = (D_IN_DOUBT, None, f"{type(e).__name__}: {e}")
        # Hand the outcome to the recorder; the slot stays taken until it is in the database,
        # so rows not yet recorded still count toward the in-flight (in-doubt) bound.
        self._tasks.pop(job.delivery_id, None)
        self._results.append((job, *outcome))
        self._kick.set()

    async def _wait_any(self, event: asyncio.Event, seconds: float) -> None:
        try:
            await asyncio.wait_for(event.wait(), timeout=max(0.0, seconds))
        except asyncio.TimeoutError:
            pass

    # ------------------------------------------------------------ database steps
    def _pump_tx(self, results: list[tuple], want: int, avoid: set[int]) -> list[Job]:
        if not results and not self._running():
            return []   # idle: no write transaction (SQLite's lock is for those with work)
        with self.db.session() as s:
            if results:
                self._record_many(s, results)
            return self._claim(s, want, avoid) if want else []

    def claim(self, n: int, avoid_chats: set[int] | None = None) -> list[Job]:
        """Mark up to n due deliveries `sending` for this worker (own transaction)."""
        with self.db.session() as s:
            return self._claim(s, n, avoid_chats)

    def _claim(self, s: Session, n: int, avoid_chats: set[int] | None = None) -> list[Job]:
        """Mark up to n due deliveries `sending` for this worker, round-robin over broadcasts,
        skipping chats in `avoid_chats` (sent to less than the per-chat gap ago)."""
        now = utcnow()
        avoid = set(avoid_chats or ())
        running = list(s.scalars(select(Broadcast.id).where(Broadcast.status == B_RUNNING)
                                 .order_by(Broadcast.id)))
        if not running:
            return []
        k = self._rr % len(running)
        self._rr += 1
        order = running[k:] + running[:k]
        if len(running) == 1:
            # One broadcast has one row per member, so it cannot repeat a chat within the gap;
            # skip the NOT IN list (a chat still warm from a just-finished broadcast merely
            # waits in the buffer for its gap).
            avoid = set()
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
                q = select(Delivery.id, Delivery.chat_id).where(
                    Delivery.broadcast_id == bid, due)
                if self.only is not None:
                    q = q.where(self.only)
                if avoid:
                    q = q.where(Delivery.chat_id.notin_(avoid))
                got = s.execute(q.order_by(Delivery.id).limit(want)
                                .with_for_update(skip_locked=True)).all()
                ids += [r.id for r in got]
                avoid.update(r.chat_id for r in got)
                if len(got) == want:
                    still.append(bid)
            active = still
        if not ids:
            return []
        t = Delivery.__table__
        rows = s.connection().execute(
            update(t).where(t.c.id.in_(ids), t.c.state == D_QUEUED)
            .values(state=D_SENDING, claimed_by=self.worker_id, claimed_at=now,
                    attempts=t.c.attempts + 1)
            .returning(t.c.id, t.c.broadcast_id, t.c.member_id, t.c.chat_id, t.c.attempts,
                       t.c.claimed_by)).all()
        missing = {r.broadcast_id for r in rows} - set(self._content)
        for b in s.scalars(select(Broadcast).where(Broadcast.id.in_(missing))):
            self._content[b.id] = signed(Content.of(b), unit_board_title(
                s, b.board_unit_id, self.board_name))
        by_id = {r.id: r for r in rows if r.claimed_by == self.worker_id}
        return [Job(i, by_id[i].broadcast_id, by_id[i].member_id, by_id[i].chat_id,
                    by_id[i].attempts, self._content[by_id[i].broadcast_id])
                for i in ids if i in by_id]

    def _record_many(self, s: Session, batch: list[tuple]) -> None:
        sent = [(job, value) for job, outcome, value, _ in batch if outcome == D_SENT]
        if sent:   # the common case, as one executemany
            t = Delivery.__table__
            s.connection().execute(
                update(t).where(t.c.id == bindparam("d_id"), t.c.claimed_by == self.worker_id,
                                or_(t.c.state == D_SENDING, t.c.state == D_IN_DOUBT))
                .values(state=D_SENT, message_id=bindparam("m_id"), sent_at=utcnow(),
                        last_error=None),
                [{"d_id": job.delivery_id, "m_id": value} for job, value in sent])
            self.stats.sent += len(sent)
        for job, outcome, value, error in batch:
            if outcome != D_SENT:
                self._record(s, job, outcome, value, error)

    def _record(self, s: Session, job: Job, outcome: str, value, error: str | None) -> None:
        now = utcnow()
        mine = and_(Delivery.id == job.delivery_id, Delivery.claimed_by == self.worker_id)
        err = (error or "")[:500] or None
        if outcome == D_SENT:
            s.execute(update(Delivery).where(mine, Delivery.state.in_([D_SENDING, D_IN_DOUBT]))
                      .values(state=D_SENT, message_id=value, sent_at=now, last_error=None))
            self.stats.sent += 1
            return
        if outcome == D_UNREACHABLE:
            s.execute(update(Delivery).where(mine, Delivery.state.in_([D_SENDING, D_IN_DOUBT]))
                      .values(state=D_UNREACHABLE, last_error=err))
            s.execute(update(Member).where(Member.id == job.member_id)
                      .values(unreachable=True))
            self.stats.unreachable += 1
            return
        if outcome == D_FAILED or (outcome == TRANSIENT
                                   and job.attempts >= self.max_attempts):
            s.execute(update(Delivery).where(mine, Delivery.state == D_SENDING)
                      .values(state=D_FAILED, last_error=err))
            self.stats.failed += 1
            return
        if outcome in (TRANSIENT, RETRY):
            if outcome == RETRY:   # 429 is Telegram's pacing, not a failed attempt
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

    def _running(self) -> bool:
        """Whether any broadcast is running or being cancelled (a read)."""
        with self.db.read() as s:
            return s.scalar(select(Broadcast.id).where(
                Broadcast.status.in_([B_RUNNING, B_CANCELLED]), Broadcast.finished_at.is_(None))
                .limit(1)) is not None

    def recover(self, held: set[int] | None = None) -> int:
        """Turn `sending` rows of dead or silent workers into `in_doubt`; returns how many.

        `held`: ids this worker still holds (never touched; its other rows fall to the lease)."""
        now = utcnow()
        stale_before = now - timedelta(seconds=self.lease)
        mine_in_flight = set(held or ())
        if not self._running():
            return 0
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

    def maintain(self, held: set[int] | None = None,
                 buffered_broadcasts: set[int] | None = None) -> set[int]:
        """Periodic work: due broadcasts and digests, dead workers' rows, finished broadcasts.

        Runs on the database thread, so it gets copies of the loop's state; returns the ids
        of cancelled broadcasts among `buffered_broadcasts` (their buffered jobs are dropped).
        """
        if self.tick is not None:
            self.tick()
        self.recover(held)
        if not buffered_broadcasts:
            return set()
        with self.db.read() as s:
            return set(s.scalars(select(Broadcast.id).where(
                Broadcast.id.in_(buffered_broadcasts), Broadcast.status == B_CANCELLED)))

    def _cancel_rows(self, ids: list[int]) -> None:
        with self.db.session() as s:
            s.execute(update(Delivery).where(Delivery.id.in_(ids), Delivery.state == D_SENDING,
                                             Delivery.claimed_by == self.worker_id)
                      .values(state=D_CANCELLED, claimed_by=None)
                      .execution_options(synchronize_session=False))
