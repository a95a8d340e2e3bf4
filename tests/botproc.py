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
               LOA_WEB_PORT="0",
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


def rss_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in kB: its resident memory now and at its peak."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


async def upload_rss(workdir: Path, db_url: str, name: str, content: bytes):
    """Send `content` as a document from the admin to a fresh bot process and sample its memory
    until the bot's final word on it; returns (that reply, RSS before, peak RSS sampled during
    the upload, high-water mark since the process started), in MB."""
    import asyncio

    from tests.conftest import ADMIN_ID
    from tests.faketg import FakeUser
    tg = await FakeTelegram().start()
    proc = spawn_bot(tg, db_url, workdir, "upload", LOA_ADMIN_IDS=str(ADMIN_ID),
                     LOA_UPLOAD_DIR=str(workdir / "uploads"))
    try:
        for _ in range(1200):
            if proc.poll() is not None:
                raise AssertionError((workdir / "upload.log").read_text()[-2000:])
            if any(c.method == "getUpdates" for c in tg.calls):
                break
            await asyncio.sleep(0.05)
        admin = FakeUser(tg, ADMIN_ID, "Ban Tuyên giáo")
        await admin.reply("/start", timeout=60)
        await asyncio.sleep(0.5)
        before = peak = rss_kb(proc.pid)[0]
        mark = await admin.send_document(name, content)
        waiting = asyncio.ensure_future(tg.wait_for(
            lambda c: c.chat_id == ADMIN_ID and not c.text.startswith("⏳"), mark, timeout=120))
        while not waiting.done():
            peak = max(peak, rss_kb(proc.pid)[0])
            await asyncio.sleep(0.005)
        return waiting.result(), before / 1024, peak / 1024, rss_kb(proc.pid)[1] / 1024
    finally:
        stop_bot(proc)
        await tg.stop()
