"""Sentence vectors: cut verbatim, stored with the index, reused for unchanged files, read by each hit."""

import json

import numpy as np

from indexer.sentences import LONG_LINE, MAX_PER_CHUNK, ROWS, VECTORS, sentences
from indexer.store import load_index
from indexer.structure import Chunk

from tests.test_index_resume import _kb, small_slices  # noqa: F401  (fixture)
from tests.test_indexer_service import samples


def _chunk(text: str) -> Chunk:
    return Chunk("c1", "d1", ("I. NHIỆM VỤ",), "body", text)


def test_lines_are_sentences_and_a_long_line_is_cut_at_its_full_stops():
    long_line = ("a) Ban Tuyên giáo chủ trì, phối hợp với Trung tâm Chính trị tổ chức quán triệt Chỉ thị. "
                 + "Thời gian hoàn thành trước ngày 30/6/2025; " + "báo cáo kết quả về Thường trực " * 8)
    assert len(long_line) > LONG_LINE
    got = sentences(_chunk("1. Tổ chức học tập\n" + long_line + "\n2)\n\tCột một\tCột hai"))
    assert got[0] == "1. Tổ chức học tập"
    assert got[1] == "a) Ban Tuyên giáo chủ trì, phối hợp với Trung tâm Chính trị tổ chức quán triệt Chỉ thị."
    assert got[2] == "Thời gian hoàn thành trước ngày 30/6/2025;"
    assert got[3].startswith("báo cáo kết quả về Thường trực")
    assert got[4] == "Cột một Cột hai"  # table cells read as words; "2)" alone says nothing
    assert len(got) == 5
    # Every sentence is verbatim text of the passage (cells aside).
    assert all(s in long_line or s.replace(" ", "") in "1. Tổ chức học tập Cột một Cột hai".replace(" ", "")
               for s in got)


def test_a_long_list_keeps_its_first_lines():
    text = "\n".join(f"- Nội dung thứ {i} của kế hoạch" for i in range(30))
    got = sentences(_chunk(text))
    assert len(got) == MAX_PER_CHUNK and got[0] == "- Nội dung thứ 0 của kế hoạch"


def test_build_stores_one_run_of_sentences_per_passage(tmp_path, small_slices):  # noqa: F811
    kb = _kb(tmp_path, samples.build_knowledge(tmp_path / "knowledge"))
    report = kb.build()
    stored = load_index(kb.config.index_dir)
    assert (stored.folder / VECTORS).exists() and (stored.folder / ROWS).exists()
    counts = [len(sentences(c)) for c in stored.chunks]
    assert report.sentences_embedded == sum(counts) > len(stored.chunks)
    assert [len(stored.sentences.of(i)) for i in range(len(stored.chunks))] == counts
    # The stored vectors are the passages' sentences embedded (float16 of unit vectors).
    i = max(range(len(counts)), key=counts.__getitem__)
    expected = kb.embedder().encode_passages(sentences(stored.chunks[i]))
    assert np.allclose(np.asarray(stored.sentences.of(i), dtype=np.float32), expected, atol=2e-3)


def test_unchanged_files_keep_their_sentence_vectors(tmp_path, small_slices):  # noqa: F811
    kb = _kb(tmp_path, samples.build_knowledge(tmp_path / "knowledge"))
    kb.build()
    md = kb.config.knowledge_dir / "quy-che-cung-cap-thong-tin.md"
    md.write_text(md.read_text(encoding="utf-8").replace("định kỳ 6 tháng", "định kỳ 3 tháng"), encoding="utf-8")
    small_slices.embedded = 0
    report = kb.build()
    stored = load_index(kb.config.index_dir)
    changed = [c for c in stored.chunks if c.doc_id == "quy-che-cung-cap-thong-tin"]
    assert report.chunks_embedded == len(changed)
    assert report.sentences_embedded == sum(len(sentences(c)) for c in changed)
    assert small_slices.embedded == report.chunks_embedded + report.sentences_embedded


def test_an_index_of_the_previous_format_gets_its_sentences_without_reembedding(tmp_path, small_slices):  # noqa: F811
    kb = _kb(tmp_path, samples.build_knowledge(tmp_path / "knowledge"))
    kb.build()
    folder = kb.config.index_dir.resolve()
    old = load_index(kb.config.index_dir)  # kept alive: vectors() is a view on its FAISS memory
    before = old.vectors().copy()
    # What an index built before sentence vectors looks like: format 2, no sentence files.
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["format"] = 2
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / VECTORS).unlink()
    (folder / ROWS).unlink()
    small_slices.embedded = 0
    report = kb.build()
    assert report.rebuilt_reason is None and report.chunks_embedded == 0
    assert small_slices.embedded == report.sentences_embedded > 0
    after = load_index(kb.config.index_dir)
    assert after.has_sentences and np.array_equal(after.vectors(), before)


def test_each_hit_reads_its_closest_sentence(tmp_path, small_slices):  # noqa: F811
    kb = _kb(tmp_path, samples.build_knowledge(tmp_path / "knowledge"))
    kb.build()
    stored = load_index(kb.config.index_dir)
    by_id = {c.id: i for i, c in enumerate(stored.chunks)}
    question = "báo cáo viên được cung cấp thông tin định kỳ"
    snapshot = kb._current()  # the question as the search embeds it (diacritics, abbreviations)
    q = snapshot.query_vector(snapshot.dense_text(question))
    hits = kb.search(question, 5)
    assert hits
    for hit in hits:
        v = np.asarray(stored.sentences.of(by_id[hit.chunk_id]), dtype=np.float32)
        expected = float((v @ q).max()) if len(v) else hit.dense_score
        assert abs(hit.sentence_score - expected) < 1e-4
