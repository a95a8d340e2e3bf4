"""`loa search --batch FILE [--k N] --json`: one question per line in, one JSON object per line out, in order."""

import io
import json
import shutil
import sys
from pathlib import Path

import pytest

from indexer import IndexConfig, KnowledgeBase
from indexer.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    shutil.copytree(ROOT / "knowledge", root / "knowledge")
    kb = KnowledgeBase(IndexConfig(root / "knowledge", root / "index"))
    kb.build()
    return kb


@pytest.fixture
def env(kb, monkeypatch):
    monkeypatch.setenv("LOA_KNOWLEDGE_DIR", str(kb.config.knowledge_dir))
    monkeypatch.setenv("LOA_INDEX_DIR", str(kb.config.index_dir))
    monkeypatch.delenv("LOA_EMBEDDING_MODEL", raising=False)
    monkeypatch.delenv("LOA_DENSE_WEIGHT", raising=False)


QUESTIONS = ["Chỉ thị 30 do ai ban hành", "nhiem vu cua tuyen truyen vien nong cot la gi",
             "Trung tâm Văn hóa, Thể thao và Truyền thông thị xã có nhiệm vụ gì"]


def test_batch_json_lines_in_order(env, kb, tmp_path, capsys):
    f = tmp_path / "q.txt"
    # A BOM, Windows line ends and a blank line, as a board's list typed in Notepad would have.
    f.write_bytes(("\ufeff" + "\r\n".join([QUESTIONS[0], "", QUESTIONS[1], QUESTIONS[2]]) + "\r\n").encode("utf-8"))
    assert cli_main(["search", "--batch", str(f), "--k", "2", "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    rows = [json.loads(line) for line in lines]
    assert [r["q"] for r in rows] == QUESTIONS
    for row, q in zip(rows, QUESTIONS):
        assert set(row) == {"q", "hits"} and len(row["hits"]) == 2
        for hit in row["hits"]:
            assert set(hit) == {"doc_id", "document", "section", "score", "text"}
            assert isinstance(hit["score"], float)
        # The batch gives what a single search gives.
        single = kb.search(q, 2)
        assert [h["text"] for h in row["hits"]] == [h.text for h in single]
    assert "Ban Bí thư Trung ương Đảng khóa XIII" in rows[0]["hits"][0]["text"]
    assert rows[2]["hits"][0]["section"].endswith("Trung tâm Văn hóa, Thể thao và Truyền thông thị xã")


def test_batch_from_standard_input_as_text(env, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("tuyên truyền miệng\n".encode("utf-8"))))
    assert cli_main(["search", "--batch", "-"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## tuyên truyền miệng\n1. [") and "bm25=" in out


def test_batch_errors_are_one_line(env, tmp_path, capsys):
    assert cli_main(["search", "--batch", str(tmp_path / "none.txt"), "--json"]) == 1
    assert capsys.readouterr().err.startswith("lỗi: không đọc được")
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("c\xe2u h\xf3i".encode("latin-1"))
    assert cli_main(["search", "--batch", str(bad), "--json"]) == 1
    assert "không phải văn bản UTF-8" in capsys.readouterr().err
    assert cli_main(["search", "x", "--batch", str(bad)]) == 1
    assert cli_main(["search"]) == 1
    assert cli_main(["search", "x", "--k", "0"]) == 1
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    assert cli_main(["search", "--batch", str(empty), "--json"]) == 0
    assert capsys.readouterr().out == ""
