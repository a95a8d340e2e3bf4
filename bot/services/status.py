"""System status for the board (/trangthai) and consistent backups (`loa backup`)."""
from __future__ import annotations

import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sqlalchemy import func, select

from bot.db import Database
from bot.db.models import Member
from bot.scope import TOP, Scope
from bot.services.broadcasts import BroadcastsService


def app_version() -> str:
    try:
        return version("loa")
    except PackageNotFoundError:
        return "dev"


@dataclass(frozen=True)
class Status:
    version: str
    uptime_seconds: float
    backend: str
    documents: int | None
    chunks: int | None
    model: str | None
    index_built_at: str | None
    index_error: str | None
    members: int
    active_members: int
    pending_broadcasts: int
    queued_deliveries: int
    in_doubt_deliveries: int
    board: str = ""          # whose figures the member and broadcast lines are


@dataclass(frozen=True)
class BackupResult:
    folder: Path
    database: Path | None
    index: Path | None
    database_note: str
    uploads: Path | None = None


class StatusService:
    def __init__(self, db: Database, kb, broadcasts: BroadcastsService):
        self.db = db
        self.kb = kb
        self.broadcasts = broadcasts
        self.started_at = time.time()

    def status(self, scope: Scope | None = None) -> Status:
        docs = chunks = None
        model = built = err = None
        try:
            st = self.kb.stats()
            docs, chunks, model, built = st.documents, st.chunks, st.model, st.built_at
        except Exception as e:  # noqa: BLE001 - status must show the problem, not fail
            err = str(e)[:200]
        scope = scope or TOP
        with self.db.read() as s:
            # A unit's board counts its own people; the top board everyone.
            mine = scope.where(Member.unit_id)
            members = s.scalar(select(func.count(Member.id)).where(mine)) or 0
            active = s.scalar(select(func.count(Member.id)).where(
                mine, Member.active.is_(True))) or 0
            board = self.broadcasts.members.board_name(s, scope)
        sending = self.broadcasts.overview(scope)
        return Status(app_version(), time.time() - self.started_at, self.db.backend, docs,
                      chunks, model, built, err, members, active, sending.pending_broadcasts,
                      sending.queued_deliveries, sending.in_doubt, board)


def backup(database_url: str, index_dir: Path, out_dir: Path,
           upload_dir: Path | None = None) -> BackupResult:
    """Copy the SQLite database with the online backup API (safe while the bot runs), the index
    and the documents the board uploaded."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = out_dir / f"loa-backup-{stamp}"
    folder.mkdir(parents=True, exist_ok=False)
    db_copy = None
    if database_url.startswith("sqlite:///"):
        src_path = database_url[len("sqlite:///"):]
        db_copy = folder / "loa.db"
        src = sqlite3.connect(src_path, timeout=30)
        dst = sqlite3.connect(db_copy)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        note = "SQLite chép bằng online backup API (nhất quán khi bot đang chạy)"
    else:
        note = "PostgreSQL: sao lưu bằng pg_dump (xem README)"
    index_copy = None
    index_dir = Path(index_dir)
    if index_dir.exists():
        index_copy = folder / "index"
        # The current version (a delta with its base), as a folder that loads on its own.
        from indexer.store import copy_index
        copy_index(index_dir, index_copy)
    uploads_copy = None
    if upload_dir is not None and Path(upload_dir).is_dir():
        uploads_copy = folder / "uploads"
        shutil.copytree(Path(upload_dir), uploads_copy,
                        ignore=shutil.ignore_patterns(".*"))  # no half-written uploads
    return BackupResult(folder, db_copy, index_copy, note, uploads_copy)

