"""Settings for the bot, read once from the environment and an optional .env file."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_FILE_URL = "https://api.telegram.org/file/bot"


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "có", "co"}


def _ids(value: str | None) -> frozenset[int]:
    out = set()
    for part in (value or "").replace(";", ",").split(","):
        part = part.strip()
        if part.lstrip("-").isdigit():
            out.add(int(part))
    return frozenset(out)


def _list(value: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if not value:
        return default
    return tuple(p.strip() for p in value.split(",") if p.strip())


DEFAULT_REPORT_FORMS = (
    "Hội nghị",
    "Sinh hoạt chi bộ",
    "Tuyên truyền trực tiếp tại khu dân cư",
    "Truyền thanh cơ sở",
    "Mạng xã hội",
    "Khác",
)


@dataclass(frozen=True)
class Settings:
    token: str = ""
    api_url: str = DEFAULT_API_URL
    file_url: str = DEFAULT_FILE_URL
    database_url: str = "sqlite:///var/loa.db"
    admin_ids: frozenset[int] = frozenset()
    knowledge_dir: Path = Path("knowledge")
    index_dir: Path = Path("var/index")
    embedding_model: str = ""
    query_prefix: str = ""
    passage_prefix: str = ""
    dense_weight: float | None = None
    embed_threads: int | None = None
    timezone: str = "Asia/Ho_Chi_Minh"
    open_qa: bool = False
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    broadcast_rate: float = 25.0
    broadcast_in_flight: int = 8
    flood_limit: int = 20          # messages per user ...
    flood_window: float = 60.0     # ... per this many seconds
    report_forms: tuple[str, ...] = DEFAULT_REPORT_FORMS
    report_max_age_days: int = 90
    report_edit_hours: int = 48
    report_content_max: int = 1000
    reminder_day: int = 25
    reminder_time: str = "08:00"
    max_upload_mb: int = 20
    bot_username: str = ""
    log_level: str = "INFO"
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def index_config(self):
        """The indexer's configuration (indexer.IndexConfig) for these settings."""
        from indexer import IndexConfig
        kwargs = dict(knowledge_dir=self.knowledge_dir, index_dir=self.index_dir,
                      query_prefix=self.query_prefix, passage_prefix=self.passage_prefix,
                      dense_weight=self.dense_weight, embed_threads=self.embed_threads)
        if self.embedding_model:
            kwargs["model"] = self.embedding_model
        return IndexConfig(**kwargs)

    @classmethod
    def from_env(cls, env: dict | None = None, dotenv: bool = True) -> "Settings":
        """Build settings from the environment; a .env file fills what the environment lacks."""
        if env is None:
            if dotenv:
                try:
                    from dotenv import dotenv_values
                    file_values = {k: v for k, v in dotenv_values(".env").items() if v is not None}
                except Exception:  # a broken .env must not stop the bot; env still applies
                    file_values = {}
            else:
                file_values = {}
            env = {**file_values, **os.environ}
        g = env.get
        return cls(
            token=g("TELEGRAM_BOT_TOKEN", "").strip(),
            api_url=g("LOA_BOT_API_URL") or DEFAULT_API_URL,
            file_url=g("LOA_BOT_FILE_URL") or DEFAULT_FILE_URL,
            database_url=g("LOA_DATABASE_URL") or "sqlite:///var/loa.db",
            admin_ids=_ids(g("LOA_ADMIN_IDS")),
            knowledge_dir=Path(g("LOA_KNOWLEDGE_DIR") or "knowledge"),
            index_dir=Path(g("LOA_INDEX_DIR") or "var/index"),
            embedding_model=g("LOA_EMBEDDING_MODEL", "") or "",
            query_prefix=g("LOA_QUERY_PREFIX", "") or "",
            passage_prefix=g("LOA_PASSAGE_PREFIX", "") or "",
            dense_weight=(min(1.0, max(0.0, float(g("LOA_DENSE_WEIGHT"))))
                          if (g("LOA_DENSE_WEIGHT") or "").strip() else None),
            embed_threads=int(g("LOA_EMBED_THREADS")) if (g("LOA_EMBED_THREADS") or "").strip() else None,
            timezone=g("LOA_TIMEZONE") or "Asia/Ho_Chi_Minh",
            open_qa=_bool(g("LOA_OPEN_QA")),
            webhook_url=g("LOA_WEBHOOK_URL", "") or "",
            webhook_secret=g("LOA_WEBHOOK_SECRET", "") or "",
            webhook_listen=g("LOA_WEBHOOK_LISTEN") or "127.0.0.1",
            webhook_port=int(g("LOA_WEBHOOK_PORT") or 8443),
            broadcast_rate=float(g("LOA_BROADCAST_RATE") or 25),
            broadcast_in_flight=int(g("LOA_BROADCAST_IN_FLIGHT") or 8),
            flood_limit=int(g("LOA_FLOOD_LIMIT") or 20),
            flood_window=float(g("LOA_FLOOD_WINDOW") or 60),
            report_forms=_list(g("LOA_REPORT_FORMS"), DEFAULT_REPORT_FORMS),
            report_max_age_days=int(g("LOA_REPORT_MAX_AGE_DAYS") or 90),
            report_edit_hours=int(g("LOA_REPORT_EDIT_HOURS") or 48),
            report_content_max=int(g("LOA_REPORT_CONTENT_MAX") or 1000),
            reminder_day=int(g("LOA_REMINDER_DAY") or 25),
            reminder_time=g("LOA_REMINDER_TIME") or "08:00",
            max_upload_mb=int(g("LOA_MAX_UPLOAD_MB") or 20),
            bot_username=(g("LOA_BOT_USERNAME") or "").lstrip("@"),
            log_level=g("LOA_LOG_LEVEL") or "INFO",
        )

    def sqlite_path(self) -> Path | None:
        if self.database_url.startswith("sqlite:///"):
            return Path(self.database_url[len("sqlite:///"):])
        return None
