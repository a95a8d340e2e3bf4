"""A real bot process (`python -m bot run`, the production entry point) against the fake Bot API,
configured only through the environment — for crash tests and the load bench."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.faketg import TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parent.parent


def spawn_bot(tg: FakeTelegram, db_url: str, workdir: Path, name: str = "bot",
              **env_overrides: str) -> subprocess.Popen:
    """Start the bot with a clean LOA_/TELEGRAM_ environment; its output goes to workdir/name.log.

    Without LOA_INDEX_DIR/LOA_KNOWLEDGE_DIR overrides it runs with no index (reports and
    broadcasts need none)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOA_", "TELEGRAM_"))}
    env.update(TELEGRAM_BOT_TOKEN=TOKEN, LOA_BOT_API_URL=tg.api_url, LOA_BOT_FILE_URL=tg.file_url,
               LOA_DATABASE_URL=db_url, LOA_INDEX_DIR=str(workdir / "no-index"),
               LOA_KNOWLEDGE_DIR=str(workdir / "no-knowledge"), LOA_LOG_LEVEL="WARNING",
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONPATH=str(ROOT))
    env.update(env_overrides)
    log = open(workdir / f"{name}.log", "ab")
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=workdir, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def stop_bot(p: subprocess.Popen, timeout: float = 20) -> None:
    """Graceful stop (SIGTERM), killed if it does not end in time."""
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
