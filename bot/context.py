"""The long-lived services of a running bot, the one way handlers call them, and the typed PTB context.

Services are plain synchronous classes (the command line uses them as they are). Handlers call
them through `await loa.run(service.method, *args)`, which runs the call in the bot's own pool
of worker threads: the event loop never waits for the database (SQLite's write lock can be
held for seconds) or for a search. The pool has a thread for every update PTB processes at
once, plus a few for jobs, so a call waiting for a lock never keeps another one from starting.
"""
from __future__ import annotations

import asyncio
import contextvars
import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, ParamSpec, TypeVar

from telegram.ext import Application, CallbackContext, ExtBot

from bot.budget import SendBudget
from bot.flood import NoticeFolder
from bot.media import MediaStore
from bot.config import Settings
from bot.db import Database
from bot.services.audit import AuditService
from bot.services.broadcasts import BroadcastsService
from bot.services.delivery import DeliveryWorker
from bot.services.desk import DeskService
from bot.services.inbox import InboxService
from bot.services.knowledge import KnowledgeService
from bot.services.members import MembersService
from bot.services.periodic import PeriodicService
from bot.services.questions import QuestionsService
from bot.services.quizzes import QuizzesService
from bot.services.reflections import ReflectionsService
from bot.services.reports import ReportsService
from bot.services.status import StatusService

if TYPE_CHECKING:
    from bot.scope import Scope
    from bot.services.zalo import ZaloStore
    from indexer import KnowledgeBase

P = ParamSpec("P")
R = TypeVar("R")
EXTRA_THREADS = 4   # jobs, persistence and the error handler, beside the updates in flight


@dataclass
class Loa:
    """Every service of the bot, built once by `build()`; fields are read-only by convention."""
    settings: Settings
    db: Database
    kb: "KnowledgeBase"
    budget: SendBudget
    members: MembersService
    questions: QuestionsService
    knowledge: KnowledgeService
    broadcasts: BroadcastsService
    delivery: DeliveryWorker
    reports: ReportsService
    periodic: PeriodicService
    status: StatusService
    desk: DeskService
    executor: ThreadPoolExecutor
    inbox: InboxService
    audit: AuditService
    # The Zalo channel (None when LOA_ZALO_BOT_TOKEN is not set): its own send budget, its
    # own delivery worker over the same ledger, and its records (accounts, events, sessions).
    zalo_budget: SendBudget | None = None
    zalo_delivery: DeliveryWorker | None = None
    zalo_store: "ZaloStore | None" = None
    # Question notices to a board chat beyond a few a minute, folded into one message.
    notices: NoticeFolder = field(default_factory=NoticeFolder)
    # Files attached to broadcasts from the desk.
    media: MediaStore | None = None
    reflections: ReflectionsService | None = None
    quizzes: QuizzesService | None = None

    @classmethod
    def build(cls, settings: Settings, kb: "KnowledgeBase | None" = None,
              db: Database | None = None) -> "Loa":
        """Wire the services; tests pass a prepared KnowledgeBase and Database."""
        threads = settings.concurrent_updates + EXTRA_THREADS
        if db is None:
            db = Database(settings.database_url, connections=threads + 2)
        if kb is None:
            from indexer import KnowledgeBase
            kb = KnowledgeBase(settings.index_config)
        budget = SendBudget(settings.send_rate)
        members = MembersService(db, settings.admin_ids, top_board=settings.board_name,
                                 invite_fail_limit=settings.invite_fail_limit,
                                 invite_fail_window=settings.invite_fail_window)
        # The workers are woken by a queue; they are made just below (the lambda reads them).
        broadcasts = BroadcastsService(db, members, settings, kb,
                                       on_queued=lambda: [w.wake() for w in workers])
        zalo_budget = zalo_delivery = zalo_store = None
        if settings.zalo_on:
            from bot.db.models import Delivery
            from bot.address import ZALO_BASE
            from bot.services.zalo import ZaloStore
            # Each channel's worker claims its own members' rows; one of them runs the tick.
            zalo_budget = SendBudget(settings.zalo_send_rate)
            zalo_store = ZaloStore(db)
            delivery = DeliveryWorker(db, settings, budget, tick=broadcasts.tick,
                                      only=Delivery.chat_id > -ZALO_BASE, name="telegram")
            zalo_delivery = DeliveryWorker(
                db, settings, zalo_budget, only=Delivery.chat_id <= -ZALO_BASE, name="zalo",
                tick=None if settings.telegram_on else broadcasts.tick)
        else:
            delivery = DeliveryWorker(db, settings, budget, tick=broadcasts.tick)
        workers = [w for w in (delivery, zalo_delivery) if w is not None]
        reports = ReportsService(db, settings, members)
        quizzes = QuizzesService(db, members, broadcasts, settings.tz)
        reflections = ReflectionsService(db, members, settings.reflection_anonymous,
                                         embed=lambda texts: kb.embedder().encode_queries(texts))
        return cls(
            settings=settings, db=db, kb=kb, budget=budget, members=members,
            notices=NoticeFolder(settings.notice_fold_after, settings.notice_fold_window),
            questions=QuestionsService(db, kb, members, settings),
            knowledge=KnowledgeService(kb, members, settings),
            broadcasts=broadcasts, delivery=delivery,
            reports=reports, periodic=PeriodicService(reports, reflections, quizzes),
            status=StatusService(db, kb, broadcasts),
            desk=DeskService(db, settings, members, reports),
            executor=ThreadPoolExecutor(max_workers=threads, thread_name_prefix="loa-service"),
            inbox=InboxService(db),
            audit=AuditService(db, members),
            zalo_budget=zalo_budget, zalo_delivery=zalo_delivery, zalo_store=zalo_store,
            media=MediaStore(settings.media_dir, settings.web_url),
            reflections=reflections,
            quizzes=quizzes,
        )

    async def run(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call a (synchronous) service method in a worker thread and await its result."""
        loop = asyncio.get_running_loop()
        call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
        return await loop.run_in_executor(self.executor, call)

    def close(self, dispose_db: bool = True) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        if dispose_db:
            self.db.dispose()


class LoaContext(CallbackContext[ExtBot, dict, dict, dict]):
    """CallbackContext with `context.loa` (the services) — see PTB's contexttypesbot example."""

    def __init__(self, application: Application, chat_id: int | None = None,
                 user_id: int | None = None):
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        # The acting board member's scope, worked out once for this update by `admin_only`
        # (a new context is made for every update, so it is never stale).
        self.scope: "Scope | None" = None

    @property
    def loa(self) -> Loa:
        return self.application.bot_data["loa"]
