"""Settings: one frozen object, each field read once from the environment (or `.env`)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_FILE_URL = "https://api.telegram.org/file/bot"
DEFAULT_ZALO_API_URL = "https://bot-api.zaloplatforms.com"
# Zalo publishes no send limits: a cautious default, raised by LOA_ZALO_SEND_RATE once known.
DEFAULT_ZALO_SEND_RATE = 5.0
DEFAULT_REPORT_FORMS = (
    "Hội nghị",
    "Sinh hoạt chi bộ",
    "Tuyên truyền trực tiếp tại khu dân cư",
    "Truyền thanh cơ sở",
    "Mạng xã hội",
    "Khác",
)


class SettingsError(ValueError):
    """A variable has a value that cannot be used; the message names it."""


# ---------------------------------------------------------------- parsers (text -> value)
def _text(value: str) -> str:
    return value.strip()


def _raw(value: str) -> str:
    return value  # prefixes such as "query: " keep their trailing space


def _bool(value: str) -> bool:
    v = value.strip().lower()
    if v in {"1", "true", "yes", "on", "có", "co"}:
        return True
    if v in {"0", "false", "no", "off", "không", "khong"}:
        return False
    raise ValueError("expected true or false")


def _ids(value: str) -> frozenset[int]:
    out = set()
    for part in value.replace(";", ",").split(","):
        part = part.strip()
        if part:
            out.add(int(part))
    return frozenset(out)


def _list(value: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split(",") if p.strip())


def _unit_interval(value: str) -> float:
    return min(1.0, max(0.0, float(value)))


def _positive(kind: type) -> Callable[[str], float | int]:
    def parse(value: str):
        number = kind(value)
        if number <= 0:
            raise ValueError("expected a number above 0")
        return number
    return parse


def _not_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("expected 0 or more")
    return number


def _clock(value: str) -> str:
    hh, mm = (int(x) for x in value.strip().split(":"))
    if not (0 <= hh <= 23 and 0 <= mm <= 59):
        raise ValueError("expected HH:MM")
    return f"{hh:02d}:{mm:02d}"


def _zone(value: str) -> str:
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError("unknown time zone") from e
    return value.strip()


def _zalo_mode(value: str) -> str:
    v = value.strip().lower()
    if v not in {"webhook", "polling"}:
        raise ValueError("expected webhook or polling")
    return v


def _username(value: str) -> str:
    return value.strip().lstrip("@")


def var(name: str, parse: Callable[[str], object] = _text, default=None, **kw):
    """A settings field read from the variable `name` (an empty value means the default)."""
    if "default_factory" in kw:
        return field(metadata={"env": name, "parse": parse}, **kw)
    return field(default=default, metadata={"env": name, "parse": parse}, **kw)


@dataclass(frozen=True)
class Settings:
    """Every knob of the bot; each field is documented in the README's configuration table."""
    # Telegram
    token: str = var("TELEGRAM_BOT_TOKEN", default="")
    api_url: str = var("LOA_BOT_API_URL", default=DEFAULT_API_URL)
    file_url: str = var("LOA_BOT_FILE_URL", default=DEFAULT_FILE_URL)
    bot_username: str = var("LOA_BOT_USERNAME", _username, default="")
    admin_ids: frozenset[int] = var("LOA_ADMIN_IDS", _ids, default=frozenset())
    # The top board's name as it signs ("Ban Tuyên giáo và Dân vận Tỉnh ủy …"); empty: read from
    # the one top-level unit's name (bot/boards.py).
    board_name: str = var("LOA_BOARD_NAME", lambda v: " ".join(v.split()), default="")
    open_qa: bool = var("LOA_OPEN_QA", _bool, default=False)
    webhook_url: str = var("LOA_WEBHOOK_URL", default="")
    webhook_secret: str = var("LOA_WEBHOOK_SECRET", default="")
    webhook_listen: str = var("LOA_WEBHOOK_LISTEN", default="127.0.0.1")
    webhook_port: int = var("LOA_WEBHOOK_PORT", int, default=8443)
    concurrent_updates: int = var("LOA_CONCURRENT_UPDATES", _positive(int), default=16)
    flood_limit: int = var("LOA_FLOOD_LIMIT", _positive(int), default=20)
    flood_window: float = var("LOA_FLOOD_WINDOW", _positive(float), default=60.0)
    # Zalo (a second channel; either token alone is enough)
    zalo_token: str = var("LOA_ZALO_BOT_TOKEN", default="")
    zalo_api_url: str = var("LOA_ZALO_API_URL", lambda v: v.strip().rstrip("/"),
                            default=DEFAULT_ZALO_API_URL)
    zalo_webhook_secret: str = var("LOA_ZALO_WEBHOOK_SECRET", default="")
    zalo_mode: str = var("LOA_ZALO_MODE", _zalo_mode, default="webhook")
    zalo_send_rate: float = var("LOA_ZALO_SEND_RATE", _positive(float),
                                default=DEFAULT_ZALO_SEND_RATE)
    # Sending: one budget for replies and broadcasts together (per channel)
    send_rate: float = var("LOA_SEND_RATE", _positive(float), default=30.0)
    send_timeout: float = var("LOA_SEND_TIMEOUT", _positive(float), default=10.0)
    broadcast_in_flight: int = var("LOA_BROADCAST_IN_FLIGHT", _positive(int), default=12)
    broadcast_poll: float = var("LOA_BROADCAST_POLL", _positive(float), default=1.0)
    broadcast_lease: float = var("LOA_BROADCAST_LEASE", _positive(float), default=30.0)
    broadcast_max_attempts: int = var("LOA_BROADCAST_MAX_ATTEMPTS", _positive(int), default=5)
    broadcast_backoff: float = var("LOA_BROADCAST_BACKOFF", _positive(float), default=2.0)
    # Storage and knowledge
    database_url: str = var("LOA_DATABASE_URL", default="sqlite:///var/loa.db")
    knowledge_dir: Path = var("LOA_KNOWLEDGE_DIR", Path, default=Path("knowledge"))
    index_dir: Path = var("LOA_INDEX_DIR", Path, default=Path("var/index"))
    embedding_model: str = var("LOA_EMBEDDING_MODEL", default="")
    query_prefix: str = var("LOA_QUERY_PREFIX", _raw, default="")
    passage_prefix: str = var("LOA_PASSAGE_PREFIX", _raw, default="")
    dense_weight: float | None = var("LOA_DENSE_WEIGHT", _unit_interval, default=None)
    embed_threads: int | None = var("LOA_EMBED_THREADS", _positive(int), default=None)
    upload_dir: Path = var("LOA_UPLOAD_DIR", Path, default=Path("var/uploads"))
    max_upload_mb: int = var("LOA_MAX_UPLOAD_MB", _positive(int), default=20)
    # Phản ánh: a member may send one anonymously (the board sees the unit, not the name).
    reflection_anonymous: bool = var("LOA_REFLECTION_ANONYMOUS", _bool, default=False)
    # Photos and files a board attaches to a broadcast from the desk (bot/media.py).
    media_dir: Path = var("LOA_MEDIA_DIR", Path, default=Path("var/media"))
    # Questions and invites: limits against abuse
    handoff_daily_limit: int = var("LOA_HANDOFF_DAILY_LIMIT", _not_negative, default=5)
    # Question notices to one board chat: this many a window one by one, the rest in one message.
    notice_fold_after: int = var("LOA_NOTICE_FOLD_AFTER", _positive(int), default=3)
    notice_fold_window: float = var("LOA_NOTICE_FOLD_WINDOW", _positive(float), default=60.0)
    invite_fail_limit: int = var("LOA_INVITE_FAIL_LIMIT", _positive(int), default=30)
    invite_fail_window: float = var("LOA_INVITE_FAIL_WINDOW", _positive(float), default=600.0)
    # Reports
    timezone: str = var("LOA_TIMEZONE", _zone, default="Asia/Ho_Chi_Minh")
    report_forms: tuple[str, ...] = var("LOA_REPORT_FORMS", _list, default=DEFAULT_REPORT_FORMS)
    report_max_age_days: int = var("LOA_REPORT_MAX_AGE_DAYS", _positive(int), default=90)
    report_edit_hours: int = var("LOA_REPORT_EDIT_HOURS", _positive(int), default=48)
    report_content_max: int = var("LOA_REPORT_CONTENT_MAX", _positive(int), default=1000)
    # How the periodic report draft is signed ("\n" between lines), as the board signs.
    report_signer: str = var("LOA_REPORT_SIGNER", lambda v: v.strip().replace("\\n", "\n"),
                             default="K/T TRƯỞNG BAN\nPHÓ TRƯỞNG BAN")
    reminder_day: int = var("LOA_REMINDER_DAY", _positive(int), default=25)
    reminder_time: str = var("LOA_REMINDER_TIME", _clock, default="08:00")
    log_level: str = var("LOA_LOG_LEVEL", lambda v: v.strip().upper(), default="INFO")
    # The board's desk (dashboard web app), served by `loa run` beside the bot
    web_listen: str = var("LOA_WEB_LISTEN", default="127.0.0.1")
    web_port: int = var("LOA_WEB_PORT", _not_negative, default=8080)
    web_url: str = var("LOA_WEB_URL", lambda v: v.strip().rstrip("/"),
                       default="http://127.0.0.1:8080")

    @property
    def telegram_on(self) -> bool:
        return bool(self.token)

    @property
    def zalo_on(self) -> bool:
        return bool(self.zalo_token)

    @property
    def secret_key(self) -> str:
        """What signs the desk's sessions: a bot token, which only the server knows."""
        return self.token or self.zalo_token

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def index_config(self):
        """The indexer's configuration (indexer.IndexConfig): the one place Settings map to it."""
        from indexer import IndexConfig
        kwargs = dict(knowledge_dir=self.knowledge_dir, index_dir=self.index_dir,
                      extra_dirs=(self.upload_dir,), query_prefix=self.query_prefix,
                      passage_prefix=self.passage_prefix,
                      dense_weight=self.dense_weight, embed_threads=self.embed_threads)
        if self.embedding_model:
            kwargs["model"] = self.embedding_model
        return IndexConfig(**kwargs)

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Field name of each environment variable."""
        return {f.metadata["env"]: f.name for f in fields(cls) if "env" in f.metadata}

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, dotenv: str | None = ".env") -> "Settings":
        """Read every variable once: the environment, with `.env` filling what it lacks.

        A value that cannot be used raises SettingsError naming the variable."""
        if env is None:
            values: dict[str, str] = {}
            if dotenv and Path(dotenv).is_file():
                from dotenv import dotenv_values
                values = {k: v for k, v in dotenv_values(dotenv).items() if v is not None}
            env = {**values, **os.environ}
        given = {}
        for f in fields(cls):
            name = f.metadata.get("env")
            raw = env.get(name) if name else None
            if raw is None or raw.strip() == "":
                continue
            try:
                given[f.name] = f.metadata["parse"](raw)
            except (ValueError, TypeError) as e:
                raise SettingsError(f"{name}={raw!r}: {e}") from None
        return cls(**given)

    def sqlite_path(self) -> Path | None:
        if self.database_url.startswith("sqlite:///"):
            return Path(self.database_url[len("sqlite:///"):])
        return None
