"""Memory of a real bot process (`python -m bot run`) while the admin uploads hostile documents
through the fake Bot API: a 1 MB .docx that unpacks to 1 GB, one whose zip directory lies about
it, one of 20,000 parts, a PDF whose stream inflates to 1 GB and one of 7 pages of 9 MB; and the
peak memory of `loa index` with both 1 GB bombs in the knowledge folder.

    python bench/bench_bomb.py

Printed per case: the bot's answer (refused, and why), RSS before the upload, the peak sampled
every 5 ms until the answer, and the process's high-water mark (VmHWM, which also catches a spike
between two samples but includes start-up). Before the limits, the first case took 1.9 GB.
"""
from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import bombs  # noqa: E402
from tests.botproc import upload_rss  # noqa: E402

CASES = [("bom-nen.docx", bombs.docx_bomb), ("bom-khai-gian.docx", bombs.docx_lying_bomb),
         ("qua-nhieu-phan.docx", bombs.docx_many_parts), ("bom-nen.pdf", bombs.pdf_bomb),
         ("nhieu-trang.pdf", lambda: bombs.pdf_bomb(9 * bombs.MB, pages=7))]


async def uploads() -> None:
    for name, build in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            content = build()
            reply, before, peak, high = await upload_rss(Path(tmp), f"sqlite:///{tmp}/loa.db",
                                                         name, content)
            answer = re.sub(r"<[^>]+>", "", reply.text).split("\n")[0][:90]
            print(f"{name:22} {len(content) / 1024 / 1024:4.1f} MB file | RSS before "
                  f"{before:5.0f} MB, peak {peak:5.0f} MB (+{peak - before:4.1f}), "
                  f"VmHWM {high:5.0f} MB | {answer}")


def index() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        knowledge = Path(tmp) / "knowledge"
        knowledge.mkdir()
        for p in (ROOT / "knowledge").iterdir():
            (knowledge / p.name).write_bytes(p.read_bytes())
        (knowledge / "bom-nen.docx").write_bytes(bombs.docx_bomb())
        (knowledge / "bom-nen.pdf").write_bytes(bombs.pdf_bomb())
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOA_")}
        env.update(LOA_KNOWLEDGE_DIR=str(knowledge), LOA_INDEX_DIR=f"{tmp}/index",
                   LOA_UPLOAD_DIR=f"{tmp}/uploads", PYTHONPATH=str(ROOT))
        script = ("import atexit, sys\n"
                  "atexit.register(lambda: sys.stderr.write(next(l for l in "
                  "open('/proc/self/status') if l.startswith('VmHWM'))))\n"
                  "from bot.cli import main\nsys.exit(main(['index']))\n")
        r = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp,
                           capture_output=True, text=True, timeout=600)
        peak = int(r.stderr.rsplit("VmHWM:", 1)[1].split()[0]) / 1024
        errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
        print(f"loa index (packaged model) with both 1 GB bombs in knowledge/: peak RSS "
              f"{peak:.0f} MB; {len(errors)} files refused:")
        for line in errors:
            print("   ", line[:120])


if __name__ == "__main__":
    asyncio.run(uploads())
    index()
