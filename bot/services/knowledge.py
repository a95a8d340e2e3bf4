"""Board uploads of knowledge files: check, save into the upload folder, re-index, never break the index."""
from __future__ import annotations

import json
import logging
import os
import re
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from bot.db.models import Member, Upload, utcnow
from bot.errors import InvalidInput, LoaError
from bot.texts import qa as T
from indexer.text import nfc

log = logging.getLogger(__name__)

ALLOWED = (".docx", ".pdf", ".txt", ".md")
NAME_MAX = 100


@dataclass(frozen=True)
class DocumentRow:
    """A document of the index as the desk lists it: whose it is, how many parts, removable."""
    file_name: str
    title: str
    chunks: int
    owner: str          # the uploading unit's name; "" for the shipped knowledge or the top board's
    removable: bool     # an upload of this board or of a unit under it


@dataclass(frozen=True)
class UploadResult:
    file_name: str
    replaced: bool
    doc_type: str | None
    number: str | None
    title: str
    chunks: int
    documents: int
    total_chunks: int


def safe_name(name: str | None) -> str:
    """A plain file name we can store: no folders, no hidden/temporary prefixes, no odd characters."""
    name = nfc(name or "").replace("\\", "/").split("/")[-1]
    stem, ext = os.path.splitext(name)
    stem = re.sub(r"[^\w\-. ()]+", "_", stem)
    stem = re.sub(r"\s+", " ", stem).strip(" ._-~$")
    return (stem[:NAME_MAX].strip(" ._-") or "tai-lieu") + ext.lower()


def _reason(detail: str, ext: str) -> str:
    """The indexer's English reason, told to the board in Vietnamese."""
    d = detail.lower()
    if "too large" in d:
        return T.REASON_TOO_BIG
    if "no text" in d or "empty" in d:
        return T.REASON_EMPTY
    if "password" in d:
        return T.REASON_PASSWORD
    if "utf-8" in d:
        return T.REASON_ENCODING
    if "cannot read" in d or "not a valid" in d or "unsupported" in d:
        return T.REASON_CORRUPT.format(ext=ext)
    return T.REASON_OTHER.format(detail=detail)


class KnowledgeService:
    def __init__(self, kb, members, settings):
        self.kb = kb
        self.members = members
        self.settings = settings
        self._lock = threading.Lock()  # one upload at a time in this process

    @staticmethod
    def owned_name(unit_id: int | None, name: str) -> str:
        """A unit board's upload is saved under a name of its own ("dv12-ke-hoach.docx"): it
        never replaces the province's document or another unit's of the same name."""
        if unit_id is None:
            return name
        prefix = f"dv{unit_id}-"
        return name if name.startswith(prefix) else prefix + name

    def finish_interrupted(self) -> list[tuple[str, int | None]]:
        """Uploads a process died in the middle of (a marker left behind): tidy up, rebuild the
        index so they serve, and return (file name, uploading member id) to tell each board."""
        folder = self.folder
        markers = sorted(folder.glob(".pending-*.json")) if folder.is_dir() else []
        pending = []
        for marker in markers:
            try:
                data = json.loads(marker.read_text(encoding="utf-8"))
                pending.append((str(data["name"]), data.get("member_id")))
            except (OSError, ValueError, KeyError):
                log.warning("unreadable upload marker %s", marker.name)
        self.recover()
        if markers:
            self.kb.build()
            for marker in markers:
                marker.unlink(missing_ok=True)
        return [(name, mid) for name, mid in pending if (folder / name).exists()]

    def uploaders(self, member_ids: list[int]) -> dict[int, int]:
        """Chat of each member (to tell them an interrupted upload was finished)."""
        with self.members.db.read() as s:
            return dict(s.execute(select(Member.id, Member.chat_id)
                                  .where(Member.id.in_(member_ids))).all())

    def recover(self) -> list[str]:
        """Tidy up after a process that died during an upload's rebuild.

        The new file had been validated before it replaced the old one, so it stays and the
        hidden backup goes; a backup whose document is missing altogether is put back."""
        done = []
        folder = self.folder
        if not folder.is_dir():
            return done
        for bak in folder.glob(".*.bak-*"):
            original = folder / bak.name[1:].rsplit(".bak-", 1)[0]
            if original.exists():
                bak.unlink(missing_ok=True)
            else:
                os.replace(bak, original)
            done.append(original.name)
        return done

    @property
    def folder(self) -> Path:
        """Where uploads go: the knowledge base's last extra folder (LOA_UPLOAD_DIR in a real run),
        indexed together with the shipped knowledge folder, which is never written to."""
        config = getattr(self.kb, "config", None)
        if config is None:
            return Path(self.settings.upload_dir)
        extra = tuple(getattr(config, "extra_dirs", ()) or ())
        return Path(extra[-1] if extra else config.knowledge_dir)

    def _shadowed(self, name: str) -> list[Path]:
        """Files of the other indexed folders that an upload called `name` replaces in the index."""
        from indexer.structure import slug
        config = getattr(self.kb, "config", None)
        if config is None:
            return []
        roots = [Path(config.knowledge_dir), *map(Path, getattr(config, "extra_dirs", ()) or ())]
        return [p for root in roots if root.is_dir() and root.resolve() != self.folder.resolve()
                for p in root.iterdir()
                if p.is_file() and not p.name.startswith(".") and slug(p.name) == slug(name)]

    def check(self, actor, file_name: str | None, size: int | None) -> str:
        """Refuse before downloading: role, file type and size. Returns the name it will be saved
        as (a unit board's own name, see `owned_name`)."""
        scope = self.members.as_scope(actor)
        if not file_name:
            raise InvalidInput(T.UPLOAD_NO_NAME)
        name = self.owned_name(scope.unit_id, safe_name(file_name))
        ext = os.path.splitext(name)[1]
        if ext not in ALLOWED:
            raise InvalidInput(T.UPLOAD_BAD_TYPE, name=file_name, allowed=", ".join(ALLOWED))
        limit = self.settings.max_upload_mb
        if size is not None and size > limit * 1024 * 1024:
            raise InvalidInput(T.UPLOAD_TOO_BIG, name=file_name, size=f"{size / 1024 / 1024:.1f}",
                               limit=limit)
        return name

    def install(self, actor, file_name: str, data: bytes, via: str = "chat") -> UploadResult:
        """Check, save, record whose document it is, and re-index (slow: handlers run it in a
        worker thread). A unit board's document answers only that unit's subtree."""
        scope = self.members.as_scope(actor)
        name = self.check(scope, file_name, len(data))
        # Recorded before the index can serve it: a question in between never sees it unowned.
        self._record(scope, name)
        ext = os.path.splitext(name)[1]
        folder = self.folder
        folder.mkdir(parents=True, exist_ok=True)
        # Hidden name: the indexer skips dot-files, so a half-written upload is never indexed.
        tmp = folder / f".upload-{uuid.uuid4().hex}{ext}"
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            self._validate(tmp, name, ext)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        # A marker until the index serves it: a process killed meanwhile finishes it at start.
        marker = folder / f".pending-{uuid.uuid4().hex}.json"
        marker.write_text(json.dumps({"name": name, "member_id": scope.member_id}),
                          encoding="utf-8")
        try:
            with self._lock:
                result = self._swap_in(tmp, name, ext)
        finally:
            marker.unlink(missing_ok=True)
        from bot.services.audit import record
        with self.members.db.session() as s:
            record(s, scope, "document_upload", name,
                   f"{result.doc_type or ''} {result.number or ''} {result.title}".strip(), via)
        return result

    def listing(self, actor, visible: frozenset[str] | None) -> list[DocumentRow]:
        """The indexed documents this board reads (`visible`: their doc ids, None: all), each with
        its owner and whether the board may remove it."""
        from bot.db.models import Unit
        scope = self.members.as_scope(actor)
        with self.members.db.read() as s:
            uploads = {u.file_name: u.unit_id for u in s.scalars(select(Upload))}
            names = dict(s.execute(select(Unit.id, Unit.name)).all())
        rows = []
        for d in self.kb.documents():
            if visible is not None and d.doc_id not in visible:
                continue
            uploaded = d.source_file in uploads
            unit = uploads.get(d.source_file)
            removable = uploaded and (scope.is_top or (unit is not None and scope.covers(unit)))
            rows.append(DocumentRow(d.source_file, d.display, d.chunks,
                                    names.get(unit, "") if unit is not None else "", removable))
        return rows

    def remove(self, actor, file_name: str, via: str = "chat") -> str:
        """Take an uploaded document out of the index at once (the shipped knowledge folder is
        never written to). Only the board that uploaded it or a board above; logged. Returns
        its name."""
        from bot.services.audit import record
        scope = self.members.as_scope(actor)
        name = safe_name(file_name)
        with self.members.db.read() as s:
            row = s.scalar(select(Upload).where(Upload.file_name == name))
        path = self.folder / name
        if row is None or not path.is_file() or not (
                scope.is_top or (row.unit_id is not None and scope.covers(row.unit_id))):
            raise InvalidInput(T.DOC_REMOVE_GONE, name=file_name)
        with self._lock:
            bak = self.folder / f".{name}.bak-{uuid.uuid4().hex[:8]}"
            os.replace(path, bak)
            try:
                self.kb.build()
            except Exception as e:  # noqa: BLE001 - put it back; the old index still serves
                os.replace(bak, path)
                log.exception("index build failed after removing %s", name)
                raise LoaError(T.UPLOAD_BUILD_FAILED, name=name, reason=type(e).__name__) from e
            bak.unlink(missing_ok=True)
        with self.members.db.session() as s:
            s.execute(Upload.__table__.delete().where(Upload.file_name == name))
            record(s, scope, "document_remove", name, "", via)
        return name

    def _record(self, scope, name: str) -> None:
        db = self.members.db
        with db.session() as s:
            row = s.scalar(select(Upload).where(Upload.file_name == name))
            if row is None:
                s.add(Upload(file_name=name, unit_id=scope.unit_id, uploaded_by=scope.member_id,
                             uploaded_at=utcnow()))
            else:
                row.unit_id, row.uploaded_by, row.uploaded_at = \
                    scope.unit_id, scope.member_id, utcnow()

    def _validate(self, path: Path, name: str, ext: str) -> None:
        """Read and chunk the file before it touches the knowledge folder."""
        from indexer.errors import DocumentUnreadable
        from indexer.reader import read_document
        from indexer.structure import parse_document, slug
        try:
            parsed = parse_document(read_document(path), slug(Path(name).stem), name)
        except DocumentUnreadable as e:
            raise InvalidInput(T.UPLOAD_UNREADABLE, name=name, reason=_reason(str(e), ext)) from e
        if not parsed.chunks:
            raise InvalidInput(T.UPLOAD_UNREADABLE, name=name, reason=T.REASON_NO_CHUNKS)

    def _swap_in(self, tmp: Path, name: str, ext: str) -> UploadResult:
        from indexer.structure import slug
        folder = self.folder
        target = folder / name
        # The same document under another spelling of its name (case, diacritics) is the same
        # document too: two files with one id would clash in the index.
        same = [p for p in folder.iterdir()
                if p.is_file() and not p.name.startswith(".") and slug(p.name) == slug(name)]
        # A shipped document of that name stays where it is; the upload replaces it in the index.
        shadowed = bool(self._shadowed(name))
        backups: list[tuple[Path, Path]] = []
        for old in same:
            bak = folder / f".{old.name}.bak-{uuid.uuid4().hex[:8]}"
            os.replace(old, bak)
            backups.append((old, bak))
        os.replace(tmp, target)

        def restore() -> None:
            target.unlink(missing_ok=True)
            for old, bak in backups:
                os.replace(bak, old)
            try:
                self.kb.build()  # back to the previous files; usually reuses every vector
            except Exception:  # noqa: BLE001 - the previous index version is still being served
                log.exception("rebuild after a failed upload failed")

        try:
            report = self.kb.build()
        except Exception as e:  # noqa: BLE001 - any failure: put the old files back
            log.exception("index build failed after uploading %s", name)
            restore()
            raise LoaError(T.UPLOAD_BUILD_FAILED, name=name, reason=type(e).__name__) from e
        failed = dict(report.errors).get(name)
        if failed is not None:
            restore()
            raise InvalidInput(T.UPLOAD_UNREADABLE, name=name, reason=_reason(failed, ext))
        for _, bak in backups:
            bak.unlink(missing_ok=True)
        info = next((d for d in self.kb.documents() if d.source_file == name), None)
        log.info("knowledge upload %s: %s chunks (%s)", name, info.chunks if info else 0,
                 "replaced" if backups or shadowed else "new")
        return UploadResult(name, bool(backups) or shadowed, info.doc_type if info else None,
                            info.number if info else None, info.title if info else "",
                            info.chunks if info else 0, report.documents, report.chunks)

