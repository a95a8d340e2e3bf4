"""An index rebuild killed mid-way (kill -9 of a real `loa index`) leaves the previous index serving,
and the next build completes."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from indexer import IndexConfig, KnowledgeBase
from indexer.store import current_build_id, versions_root

ROOT = Path(__file__).resolve().parent.parent

PARAGRAPH = ("{n}. Chi bộ khu dân cư số {n} tổ chức tuyên truyền miệng về chủ đề {topic}, "
             "phân công báo cáo viên nòng cốt phụ trách từng tổ dân phố và báo cáo kết quả "
             "hằng tháng về Ban Tuyên giáo Thị ủy.\n\n")
TOPICS = ["chuyển đổi số", "phòng chống tham nhũng", "bảo vệ nền tảng tư tưởng",
          "xây dựng nông thôn mới", "an toàn giao thông", "bảo vệ môi trường"]


DOCS = 8


def _big_document(i: int) -> str:
    body = "".join(PARAGRAPH.format(n=n, topic=TOPICS[(i + n) % len(TOPICS)])
                   for n in range(1, 26))
    return (f"THỊ ỦY THUẬN THÀNH\n\nSố {100 + i}-HD/BTGTU\n\nHƯỚNG DẪN\n\n"
            f"Về tuyên truyền miệng đợt {i}\n\nI. NỘI DUNG\n\n{body}")


def test_killed_rebuild_leaves_previous_index_serving(own_kb):
    kb = own_kb
    knowledge, index_dir = kb.config.knowledge_dir, kb.config.index_dir
    before_id = current_build_id(index_dir)
    before = kb.ask("chi thi 30 do ai ban hanh")
    assert before.found

    # Enough new text that embedding it takes a while, then kill -9 in the middle of the build.
    for i in range(DOCS):
        (knowledge / f"huong-dan-{i}.txt").write_text(_big_document(i), encoding="utf-8")
    env = {**os.environ, "LOA_KNOWLEDGE_DIR": str(knowledge), "LOA_INDEX_DIR": str(index_dir),
           "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "bot", "index", "--force"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    versions = versions_root(index_dir)
    # Kill when the new version folder is being written, or after a few seconds of embedding.
    deadline = time.monotonic() + 6
    while proc.poll() is None and time.monotonic() < deadline:
        if any(p.name.endswith(".tmp") for p in versions.glob("*")):
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the build finished before it could be interrupted"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)

    assert current_build_id(index_dir) == before_id
    fresh = KnowledgeBase(IndexConfig(knowledge_dir=knowledge, index_dir=index_dir))
    fresh.load()
    after = fresh.ask("chi thi 30 do ai ban hanh")
    assert after.found and after.hits[0].chunk_id == before.hits[0].chunk_id
    assert fresh.stats().documents == kb.stats().documents
    assert kb.reload_if_changed() is False  # the running bot keeps the same index

    # The next build is not blocked by the dead process and includes the new documents.
    report = fresh.build()
    assert not report.errors
    assert fresh.stats().documents == kb.stats().documents + DOCS
    assert current_build_id(index_dir) != before_id
