"""A build interrupted while embedding resumes where it stopped; a long build shows its progress."""

import io
import re

import numpy as np
import pytest

import indexer.vectorcache as vectorcache
from indexer import IndexConfig, KnowledgeBase
from indexer.cli import BuildProgress
from indexer.embeddings import HashingEncoder, register_model
from indexer.store import load_index
from indexer.vectorcache import cache_dir

from tests.test_indexer_service import samples


class PowerCut(Exception):
    pass


class CountingEncoder:
    """The hashing stand-in, counting what it embeds; it fails once it has embedded `fail_after` passages."""

    dimension = 64

    def __init__(self):
        self.embedded = 0
        self.fail_after: int | None = None
        self._inner = HashingEncoder(64)

    def encode(self, texts):
        if self.fail_after is not None and self.embedded >= self.fail_after:
            raise PowerCut("the machine went down mid-build")
        self.embedded += len(texts)
        return self._inner.encode(texts)


ENCODER = CountingEncoder()
register_model("counting-64", lambda: ENCODER)


@pytest.fixture
def small_slices(monkeypatch):
    monkeypatch.setattr(vectorcache, "SLICE", 5)
    ENCODER.embedded, ENCODER.fail_after = 0, None
    return ENCODER


def _kb(root, knowledge, name="var"):
    return KnowledgeBase(IndexConfig(knowledge, root / name / "index", model="counting-64"))


def _interrupted(tmp_path, encoder, after: int) -> KnowledgeBase:
    """A knowledge base whose first build lost power after embedding `after` passages."""
    kb = _kb(tmp_path, samples.build_knowledge(tmp_path / "knowledge"))
    encoder.fail_after = after
    with pytest.raises(PowerCut):
        kb.build()
    encoder.embedded, encoder.fail_after = 0, None
    return kb


def test_interrupted_build_resumes_with_what_was_embedded(tmp_path, small_slices):
    kb = _interrupted(tmp_path, small_slices, 10)  # two slices of five are on disk when the power goes
    assert len(list(cache_dir(kb.config.index_dir).glob("slice-*.npz"))) == 2

    report = kb.build()
    assert report.chunks_resumed == 10
    # Only the rest was embedded again (then each passage's sentences: indexer.sentences).
    assert small_slices.embedded == report.chunks - 10 + report.sentences_embedded
    assert "dùng lại 10 đoạn" in "\n".join(report.lines())
    assert not cache_dir(kb.config.index_dir).exists()  # the index holds every vector now

    # The same vectors as a build that was never interrupted, and the index answers.
    clean = _kb(tmp_path, kb.config.knowledge_dir, "clean")
    clean.build()
    resumed, whole = load_index(kb.config.index_dir), load_index(clean.config.index_dir)
    assert [c.id for c in resumed.chunks] == [c.id for c in whole.chunks]
    assert np.allclose(resumed.vectors(), whole.vectors())
    assert kb.ask("chi thi 30 do ai ban hanh").found


def test_forced_build_embeds_everything_again(tmp_path, small_slices):
    kb = _interrupted(tmp_path, small_slices, 5)
    report = kb.build(force=True)
    assert report.chunks_resumed == 0 and small_slices.embedded == report.chunks + report.sentences_embedded


def test_damaged_slice_is_embedded_again(tmp_path, small_slices):
    kb = _interrupted(tmp_path, small_slices, 10)
    first = sorted(cache_dir(kb.config.index_dir).glob("slice-*.npz"))[0]
    first.write_bytes(b"not a slice")
    report = kb.build()
    assert report.chunks_resumed == 5 and small_slices.embedded == report.chunks - 5 + report.sentences_embedded


def test_progress_lines_for_a_long_build():
    out = io.StringIO()
    progress = BuildProgress(out, every=0)
    for done in (40, 140, 240, 300):  # 40 found from an interrupted build, then slices
        progress(done, 300)
    lines = out.getvalue().splitlines()
    assert lines[0] == "tiếp tục: 40/300 đoạn đã được tính ở lần lập chỉ mục bị ngắt"
    assert re.fullmatch(r"tính vector: 140/300 đoạn \(\d+(\.\d)?/giây, còn khoảng \d+ (giây|phút)\)",
                        lines[1])
    assert lines[-1].startswith("tính vector: 300/300 đoạn (") and "còn khoảng" not in lines[-1]


def test_short_build_prints_no_progress(tmp_path, small_slices):
    knowledge = samples.build_knowledge(tmp_path / "knowledge")
    out = io.StringIO()
    report = _kb(tmp_path, knowledge).build(progress=BuildProgress(out, every=3600))
    assert report.chunks_embedded > 0 and out.getvalue() == ""
