"""Diacritics restoration: the syllable model learnt from the documents, stored with the index, used for the dense channel."""

import json
from pathlib import Path

import pytest

from indexer import IndexConfig, KnowledgeBase
from indexer.diacritics import DiacriticsModel, marked_share
from indexer.service import Fusion
from indexer.text import fold

ROOT = Path(__file__).resolve().parents[1]
PLAN = (ROOT / "knowledge" / "ke-hoach-thuc-hien-chi-thi-30-CT-TW.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def model():
    return DiacriticsModel.learn([PLAN])


@pytest.mark.parametrize("typed, restored", [
    ("nhiem vu cua tuyen truyen vien nong cot la gi", "nhiệm vụ của tuyên truyền viên nòng cốt là gì"),
    ("chi thi 30 do ai ban hanh", "chỉ thị 30 do ai ban hành"),
    ("ban tuyen giao thi uy co trach nhiem gi", "ban tuyên giáo thị ủy có trách nhiệm gì"),
])
def test_restores_questions_typed_without_diacritics(model, typed, restored):
    assert model.restore(typed) == restored


def test_keeps_case_punctuation_numbers_and_marked_words(model):
    assert model.restore("Ban Tuyen giao Thi uy, 30-CT/TW?") == "Ban Tuyên giáo Thị ủy, 30-CT/TW?"
    assert model.restore("MTTQ va BTG") == "MTTQ và BTG"
    # A syllable typed with its marks is kept as typed, even where the documents would spell it otherwise.
    assert model.restore("bản tuyen giao") == "bản tuyên giáo"
    assert model.restore("xyzw qwerty") == "xyzw qwerty"  # unknown words pass through


def test_marked_share_tells_typed_with_from_without():
    assert marked_share("nhiem vu cua tuyen truyen vien") == 0.0
    assert marked_share("nhiệm vụ của tuyên truyền viên") == 1.0
    assert marked_share("Chỉ thị 30 do ai ban hành") >= 0.5
    assert marked_share("2024") == 0.0


def test_model_round_trips_through_the_index_folder(model, tmp_path):
    model.save(tmp_path)
    again = DiacriticsModel.load(tmp_path)
    assert again is not None and again.unigrams == model.unigrams and again.bigrams == model.bigrams
    assert DiacriticsModel.load(tmp_path / "nowhere") is None


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    root = tmp_path_factory.mktemp("dia")
    kb = KnowledgeBase(IndexConfig(ROOT / "knowledge", root / "index"))
    kb.build()
    return kb


QUESTIONS = [
    "Nhiệm vụ của tuyên truyền viên nòng cốt là gì",
    "Trung tâm Văn hóa, Thể thao và Truyền thông thị xã có nhiệm vụ gì",
    "kiện toàn đội ngũ báo cáo viên theo hướng nào",
    "Ban Tuyên giáo Thị ủy có nhiệm vụ gì",
    "đóng góp của tuyên truyền miệng trong lịch sử đấu tranh cách mạng",
    "các chi bộ, đảng bộ cơ sở có trách nhiệm gì",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_dense_channel_reads_the_restored_question(kb, question):
    """Dense channel alone: the folded question finds what the marked one finds, with the same vector."""
    snapshot = kb._current()
    assert snapshot.dense_text(fold(question)) == snapshot.dense_text(question.lower())
    dense_only = Fusion(alpha=1.0)
    assert kb.search(fold(question), 1, dense_only)[0].chunk_id == kb.search(question, 1, dense_only)[0].chunk_id
    assert kb.search(fold(question), 1)[0].chunk_id == kb.search(question, 1)[0].chunk_id


def test_index_records_the_model_and_learns_new_documents(tmp_path):
    (tmp_path / "k").mkdir()
    (tmp_path / "k" / "a.txt").write_text(PLAN, encoding="utf-8")
    kb = KnowledgeBase(IndexConfig(tmp_path / "k", tmp_path / "index", model="hashing-64"))
    kb.build()
    assert kb._current().dense_text("chua chay") == "chua chay"  # nothing to learn from yet
    (tmp_path / "k" / "b.txt").write_text("Công tác phòng cháy, chữa cháy ở khu dân cư.", encoding="utf-8")
    kb.build()
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["diacritics"]["file"] == "diacritics.json" and manifest["diacritics"]["syllables"] > 300
    # The dense channel reads the restored words (then the expansion of their abbreviation, PCCC).
    assert kb._current().dense_text("phong chay chua chay").split("\n")[0] == "phòng cháy chữa cháy"
