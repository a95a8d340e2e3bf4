"""Files a board attaches to a broadcast from the desk: kept once by their content, sent to
Telegram as an upload (then by the file id Telegram gives back) and to Zalo by their public
address on the desk (Zalo's sendPhoto takes a URL; it cannot send files, so a document goes
as a link)."""
from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

PREFIX = "loa-media:"   # a broadcast's media_file_id naming a file of this store
PHOTO_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
DOCUMENT_TYPES = {
    ".pdf": "application/pdf", ".txt": "text/plain; charset=utf-8",
    ".doc": "application/msword", ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint", ".zip": "application/zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
PHOTO_MB = 10       # Telegram's limit for a photo sent by upload
DOCUMENT_MB = 20    # a broadcast document on a cheap phone: keep it small


@dataclass(frozen=True)
class Stored:
    name: str    # "<sha256 first 24 hex>.<ext>": unguessable, the same file stored once
    kind: str    # "photo" or "document"


def media_id(name: str) -> str:
    """How a broadcast names a stored file (its media_file_id); MediaStore.name_of reads it."""
    return PREFIX + name


class MediaStore:
    def __init__(self, folder: Path, public_url: str = ""):
        self.folder = Path(folder)
        self.public_url = public_url.rstrip("/")
        self._telegram_ids: dict[str, str] = {}   # name -> Telegram's file id after one upload
        self._lock = threading.Lock()
        self._uploads: dict[str, asyncio.Lock] = {}   # one upload of a file at a time

    @staticmethod
    def kind_of(file_name: str) -> str | None:
        ext = os.path.splitext(file_name or "")[1].lower()
        return "photo" if ext in PHOTO_TYPES else ("document" if ext in DOCUMENT_TYPES else None)

    @staticmethod
    def limit_mb(kind: str) -> int:
        return PHOTO_MB if kind == "photo" else DOCUMENT_MB

    def save(self, file_name: str, data: bytes) -> Stored:
        """Keep the file (written whole under a temporary name, then renamed: never half)."""
        kind = self.kind_of(file_name)
        if kind is None:
            raise ValueError(f"not a broadcast file: {file_name!r}")
        ext = os.path.splitext(file_name)[1].lower().replace(".jpeg", ".jpg")
        name = hashlib.sha256(data).hexdigest()[:24] + ext
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / name
        if not target.exists():
            tmp = self.folder / f".{uuid.uuid4().hex}{ext}"
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        return Stored(name, kind)

    @staticmethod
    def name_of(media_id: str | None) -> str | None:
        """The stored file a broadcast names, or None (a Telegram file id)."""
        if not media_id or not media_id.startswith(PREFIX):
            return None
        name = media_id[len(PREFIX):]
        return name if name and "/" not in name and not name.startswith(".") else None

    def path(self, name: str) -> Path | None:
        """The file of `name` when it is one of this store's (nothing else is ever served)."""
        if not name or "/" in name or "\\" in name or name.startswith("."):
            return None
        ext = os.path.splitext(name)[1]
        if ext not in PHOTO_TYPES and ext not in DOCUMENT_TYPES:
            return None
        p = self.folder / name
        return p if p.is_file() else None

    @staticmethod
    def content_type(name: str) -> str:
        ext = os.path.splitext(name)[1]
        return PHOTO_TYPES.get(ext) or DOCUMENT_TYPES.get(ext) or "application/octet-stream"

    def url(self, name: str) -> str | None:
        """Where Zalo (and a member's phone) fetches it: the desk's public address."""
        return f"{self.public_url}/tep/{name}" if self.public_url else None

    def telegram_id(self, name: str) -> str | None:
        with self._lock:
            return self._telegram_ids.get(name)

    def upload_lock(self, name: str) -> asyncio.Lock:
        """Held while a file goes up to Telegram: the sends in flight beside it wait and then
        use the id it got, instead of uploading the same file again (the event loop only)."""
        with self._lock:
            return self._uploads.setdefault(name, asyncio.Lock())

    def remember(self, name: str, file_id: str | None) -> None:
        """Telegram's id of an uploaded file: every later recipient gets it without an upload."""
        if file_id:
            with self._lock:
                self._telegram_ids.setdefault(name, file_id)
