"""A few changed documents are written as a delta over the index's base: the same rankings, scores and answers as
a full rebuild, in a time of their own; a crash during the update leaves the old index serving; the bot serves an
upload without rebuilding the rest."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import indexer.service as service
from indexer import IndexConfig, KnowledgeBase
from indexer.store import FORMAT_VERSION, current_build_id, load_index, read_manifest, versions_root

from tests.test_index_resume import small_slices  # noqa: F401  (fixture)
from tests.test_indexer_service import samples
from tests.test_knowledge_upload import board, guide_docx, upload  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent
MODEL = "counting-64"  # tests.test_index_resume: the hashing stand-in, counting what it embeds

QUESTIONS = [
    "Chi bộ họp vào ngày nào",
    "chi bo hop vao ngay nao",
    "nhiệm vụ chuyển đổi số của chi bộ thôn",
    "Quy chế cung cấp thông tin chương II nói gì",
    "báo cáo viên được cung cấp thông tin định kỳ",
    "hội nghị báo cáo viên họp ở đâu",
    "mức chi cho báo cáo viên là bao nhiêu",
    "Chỉ thị 30 do ai ban hành",
    "Kế hoạch xã Song Hồ giao ai thực hiện",
    "đảng viên vắng mặt phải báo cáo ai",
]

NEW_DOCUMENT = ("THÔNG BÁO\n\nSố 99-TB/ĐU\n\nVề lịch họp chi bộ tháng 12\n\nI. NỘI DUNG\n\n"
                "1. Chi bộ họp vào ngày 5 hằng tháng tại hội trường thôn Đông, thực hiện Chỉ thị 30-CT/TW.\n\n"
                "2. Đảng viên vắng mặt phải báo cáo bí thư chi bộ trước buổi họp.")


def _kb(folder: Path, knowledge: Path) -> KnowledgeBase:
    return KnowledgeBase(IndexConfig(knowledge, folder / "index", model=MODEL))


def _searched(kb: KnowledgeBase, question: str):
    return [(h.chunk_id, h.score, h.lexical_score, h.dense_score, h.coverage, h.sentence_score)
            for h in kb.search(question, 10)]


def _answered(kb: KnowledgeBase, question: str):
    a = kb.ask(question)
    return a.outcome, a.answer, [h.chunk_id for h in a.hits], [h.score for h in a.hits]


def _weights(kb: KnowledgeBase) -> dict:
    """Every posting's BM25 weight by (term, chunk id): what a score is made of, whatever the row numbers."""
    stored = kb._current().stored
    lex, ids = stored.lexical, stored.chunks.ids
    out = {}
    for t, term in enumerate(lex.vocab):
        s, e = lex.indptr[t], lex.indptr[t + 1]
        for row, w in zip(lex.postings[s:e].tolist(), lex.weights[s:e].tolist()):
            out[(term, ids[row])] = w
    return out


def _edit(knowledge: Path) -> None:
    """Change one document, add one, remove one."""
    changed = knowledge / "ke-hoach-xa-song-ho.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("Song Hồ", "Song Hồ mới", 2)
                       + "\n\n5. Bổ sung nhiệm vụ chuyển đổi số cho chi bộ thôn.", encoding="utf-8")
    (knowledge / "zz-thong-bao-lich-hop.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
    (knowledge / "thong-bao-hoi-nghi-bao-cao-vien.txt").unlink()


def _same(delta: KnowledgeBase, full: KnowledgeBase, approximate: bool = False) -> None:
    """`approximate`: both search HNSW graphs over 8-bit vectors, each trained on its own rows, so the dense
    channel's candidates may differ at the margin: the fused scores, normalised over the candidates, are then
    compared to 1e-3 (the passages, their BM25 and exact cosines, and the answers stay equal)."""
    assert [d.doc_id for d in delta.documents()] == [d.doc_id for d in full.documents()]
    assert delta._current().stored.chunks.ids == full._current().stored.chunks.ids
    assert _weights(delta) == _weights(full)
    for q in QUESTIONS:
        got, want = _searched(delta, q), _searched(full, q)
        if approximate:
            assert [h[:1] + h[2:] for h in got] == [h[:1] + h[2:] for h in want], q
            assert np.allclose([h[1] for h in got], [h[1] for h in want], atol=1e-3), q
            (o1, a1, ids1, s1), (o2, a2, ids2, s2) = _answered(delta, q), _answered(full, q)
            assert (o1, a1, ids1) == (o2, a2, ids2) and np.allclose(s1, s2, atol=1e-3), q
        else:
            assert got == want, q
            assert _answered(delta, q) == _answered(full, q), q
    for d in full.documents():
        assert delta.keypoints(d.doc_id) == full.keypoints(d.doc_id)
        assert [c.to_dict() for c in delta.passages(d.doc_id)] == [c.to_dict() for c in full.passages(d.doc_id)]
    dm, fm = delta._current().diacritics(), full._current().diacritics()
    assert (dm.unigrams, dm.bigrams) == (fm.unigrams, fm.bigrams)


@pytest.fixture
def wide_deltas(monkeypatch):
    """Deltas whatever their size (the samples, ~80 chunks, are within DELTA_MIN_CHUNKS anyway)."""
    monkeypatch.setattr(service, "DELTA_SHARE", 1.0)


def test_a_delta_answers_as_a_full_rebuild(tmp_path, small_slices, wide_deltas):  # noqa: F811
    knowledge = samples.build_knowledge(tmp_path / "knowledge")
    kb = _kb(tmp_path / "delta", knowledge)
    first = kb.build()
    # The state before the update, copied: the same update rebuilt in full there.
    shutil.copytree(tmp_path / "delta", tmp_path / "full", symlinks=True)
    _edit(knowledge)

    small_slices.embedded = 0
    report = kb.build()
    stored = load_index(kb.config.index_dir)
    assert stored.is_delta and stored.manifest["base"]["build_id"] == first.build_id
    assert stored.manifest["format"] == FORMAT_VERSION
    assert report.files_indexed == ["ke-hoach-xa-song-ho.txt", "zz-thong-bao-lich-hop.txt"]
    assert report.files_removed == ["thong-bao-hoi-nghi-bao-cao-vien.txt"]
    # Only the two documents read were embedded; the delta holds their chunks alone.
    new_chunks = stored.manifest["delta"]["chunks"]
    assert report.chunks_embedded == new_chunks < report.chunks / 3
    assert small_slices.embedded == new_chunks + report.sentences_embedded
    assert len(list((stored.folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines())) == new_chunks

    full = _kb(tmp_path / "full", knowledge)
    full.build(merge=True)
    assert not load_index(full.config.index_dir).is_delta
    _same(kb, full)
    # The added document answers; the removed one is gone from the search.
    assert kb.ask("Chi bộ họp vào ngày nào").hits[0].doc_id == "zz-thong-bao-lich-hop"
    assert all(h.doc_id != "thong-bao-hoi-nghi-bao-cao-vien" for q in QUESTIONS for h in kb.search(q, 20))
    # Built from nothing, the same files rank the same passages with the same scores (a build from nothing
    # forgets the removed document's words, which a rebuild keeps in its vocabulary: answers may differ there).
    scratch = _kb(tmp_path / "scratch", knowledge)
    scratch.build()
    for q in QUESTIONS:
        assert _searched(kb, q) == _searched(scratch, q), q


def test_a_second_update_carries_the_first_and_a_merge_changes_nothing(tmp_path, small_slices, wide_deltas):  # noqa: F811
    knowledge = samples.build_knowledge(tmp_path / "knowledge")
    kb = _kb(tmp_path / "delta", knowledge)
    base = kb.build().build_id
    _edit(knowledge)
    kb.build()
    shutil.copytree(tmp_path / "delta", tmp_path / "full", symlinks=True)
    rules = knowledge / "quy-che-cung-cap-thong-tin.md"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n\nĐiều 12. Báo cáo viên được cấp thẻ báo cáo viên.",
                     encoding="utf-8")
    small_slices.embedded = 0
    report = kb.build()
    stored = load_index(kb.config.index_dir)
    assert stored.is_delta and stored.manifest["base"]["build_id"] == base  # against the base, not the delta
    assert report.files_indexed == ["quy-che-cung-cap-thong-tin.md"]
    assert report.chunks_embedded < stored.manifest["delta"]["chunks"]  # the first delta's are carried, not re-embedded
    full = _kb(tmp_path / "full", knowledge)
    full.build(merge=True)
    _same(kb, full)
    assert kb.ask("báo cáo viên được cấp thẻ gì").hits[0].doc_id == "quy-che-cung-cap-thong-tin"

    before = {q: _answered(kb, q) for q in QUESTIONS}
    small_slices.embedded = 0
    merged = kb.build(merge=True)  # what `loa index` does
    assert not load_index(kb.config.index_dir).is_delta and merged.chunks_embedded == 0 == small_slices.embedded
    assert {q: _answered(kb, q) for q in QUESTIONS} == before
    assert kb.build(merge=True).build_id == merged.build_id  # now nothing to do


def test_an_update_past_the_share_is_a_full_build(tmp_path, small_slices, monkeypatch):  # noqa: F811
    monkeypatch.setattr(service, "DELTA_MIN_CHUNKS", 0)  # the samples count as a large index
    knowledge = samples.build_knowledge(tmp_path / "knowledge")
    kb = _kb(tmp_path / "var", knowledge)
    kb.build()
    (knowledge / "zz-thong-bao-lich-hop.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
    kb.build()
    assert load_index(kb.config.index_dir).is_delta  # a few chunks: a delta
    _edit(knowledge)  # with the added one, about a third of the samples' chunks
    kb.build()
    assert not load_index(kb.config.index_dir).is_delta


def test_the_cli_merges_a_delta(tmp_path, small_slices, monkeypatch, capsys):  # noqa: F811
    from indexer.cli import main as cli_main
    knowledge = samples.build_knowledge(tmp_path / "knowledge")
    kb = _kb(tmp_path / "var", knowledge)
    kb.build()
    (knowledge / "zz-thong-bao-lich-hop.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
    kb.build()
    assert load_index(kb.config.index_dir).is_delta
    monkeypatch.setenv("LOA_KNOWLEDGE_DIR", str(knowledge))
    monkeypatch.setenv("LOA_INDEX_DIR", str(kb.config.index_dir))
    monkeypatch.setenv("LOA_EMBEDDING_MODEL", MODEL)
    monkeypatch.setenv("LOA_UPLOAD_DIR", str(tmp_path / "uploads"))
    assert cli_main(["index"]) == 0
    assert not load_index(kb.config.index_dir).is_delta


# --- a crash during an update ---------------------------------------------------------------------------

CRASHING_BUILD = """
import os, sys
sys.path.insert(0, {root!r})
import tests.test_index_resume  # registers the stand-in model
import indexer.service as service
import indexer.store as store
from indexer import IndexConfig, KnowledgeBase
from pathlib import Path
service.DELTA_SHARE = 1.0
where = sys.argv[3]
if where == "writing":  # the power goes while the delta's files are written
    real = store.SentenceVectors.save
    def save(self, folder):
        real(self, folder)
        os._exit(9)
    store.SentenceVectors.save = save
else:  # the power goes once the delta is written, before it is swapped in
    store._swap = lambda *a: os._exit(9)
kb = KnowledgeBase(IndexConfig(Path(sys.argv[1]), Path(sys.argv[2]), model="counting-64"))
kb.build()
"""


@pytest.mark.parametrize("where", ["writing", "swapping"])
def test_a_crash_during_an_update_leaves_the_old_index_serving(tmp_path, small_slices, wide_deltas, where):  # noqa: F811
    knowledge = samples.build_knowledge(tmp_path / "knowledge")
    kb = _kb(tmp_path / "var", knowledge)
    kb.build()
    (knowledge / "zz-thong-bao-lich-hop.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
    kb.build()  # the index serving is a delta already: the crash hits the second one
    serving = current_build_id(kb.config.index_dir)
    before = {q: _answered(kb, q) for q in QUESTIONS}
    rules = knowledge / "quy-che-cung-cap-thong-tin.md"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n\nĐiều 12. Báo cáo viên được cấp thẻ báo cáo viên.",
                     encoding="utf-8")

    script = tmp_path / "crash.py"
    script.write_text(CRASHING_BUILD.format(root=str(ROOT)), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script), str(knowledge), str(kb.config.index_dir), where],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 9, proc.stderr
    versions = versions_root(kb.config.index_dir)
    if where == "writing":
        assert any(p.name.endswith(".tmp") for p in versions.iterdir())  # half written, left by the crash

    # The link has not moved: a bot starting now, and the one running, serve the old index.
    assert current_build_id(kb.config.index_dir) == serving
    assert kb.reload_if_changed() is False
    fresh = _kb(tmp_path / "var", knowledge)
    fresh.load()
    assert {q: _answered(fresh, q) for q in QUESTIONS} == before

    # The next build finishes the work: the new text serves, what the crash embedded is not embedded again.
    report = fresh.build()
    assert report.files_indexed == ["quy-che-cung-cap-thong-tin.md"]
    assert report.chunks_resumed == report.chunks_embedded > 0
    assert current_build_id(fresh.config.index_dir) != serving
    assert load_index(fresh.config.index_dir).is_delta
    assert fresh.ask("báo cáo viên được cấp thẻ gì").hits[0].doc_id == "quy-che-cung-cap-thong-tin"
    assert kb.reload_if_changed() is True
    assert kb.ask("báo cáo viên được cấp thẻ gì").hits[0].doc_id == "quy-che-cung-cap-thong-tin"


def test_a_kept_delta_keeps_its_base(tmp_path, small_slices, wide_deltas):  # noqa: F811
    knowledge = samples.build_knowledge(tmp_path / "knowledge")
    kb = _kb(tmp_path / "var", knowledge)
    base = kb.build().build_id
    for i in range(5):  # more versions than are kept: each a delta over the same base
        (knowledge / f"zz-thong-bao-{i}.txt").write_text(NEW_DOCUMENT.replace("99-TB", f"{90 + i}-TB"),
                                                        encoding="utf-8")
        kb.build()
    names = {p.name for p in versions_root(kb.config.index_dir).iterdir()}
    assert base in names
    fresh = _kb(tmp_path / "var", knowledge)
    fresh.load()
    assert len(fresh.documents()) == len(kb.documents())


def test_an_index_of_format_4_is_read_and_rewritten(tmp_path, small_slices):  # noqa: F811
    """Format 4 had no stored citations nor syllable counts: found at load, written by the next build."""
    from indexer.catalogue import CITATION_NUMBERS, CITATIONS
    from indexer.diacritics import COUNTS_FILE
    knowledge = samples.build_knowledge(tmp_path / "knowledge")
    kb = _kb(tmp_path / "var", knowledge)
    kb.build()
    before = {q: _answered(kb, q) for q in QUESTIONS}
    folder = kb.config.index_dir.resolve()
    for name in (CITATIONS, CITATION_NUMBERS, COUNTS_FILE):
        (folder / name).unlink()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["format"] = 4
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    old = _kb(tmp_path / "var", knowledge)
    old.load()
    assert old._current().stored.citations is None
    assert {q: _answered(old, q) for q in QUESTIONS} == before
    small_slices.embedded = 0
    report = old.build()
    assert report.build_id != manifest["build_id"] and report.chunks_embedded == 0 == small_slices.embedded
    after = load_index(kb.config.index_dir)
    assert after.manifest["format"] == FORMAT_VERSION and after.citations is not None
    assert (after.folder / COUNTS_FILE).exists()
    assert {q: _answered(old, q) for q in QUESTIONS} == before


def test_stored_citations_are_those_found_at_load(tmp_path, small_slices, wide_deltas):  # noqa: F811
    from indexer.catalogue import citations_of
    knowledge = samples.build_knowledge(tmp_path / "knowledge")
    kb = _kb(tmp_path / "var", knowledge)
    kb.build()
    _edit(knowledge)
    kb.build()
    stored = kb._current().stored
    assert stored.is_delta
    found = citations_of(stored.chunks)
    assert found and {n: stored.citations[n] for n in found} == found
    assert all(n in found for n in stored.citations if stored.citations.get(n))


# --- the bot -----------------------------------------------------------------------------------------------

async def test_an_upload_serves_without_rebuilding_the_rest(board):  # noqa: F811
    h = board
    u = await h.member()
    kb = h.loa.kb
    before = read_manifest(kb.config.index_dir)
    summary = await upload(h, h.admin, "huong-dan-45-ngay-hoi-doc-sach.docx", guide_docx())
    assert "Đã bổ sung tài liệu" in summary.text
    stored = load_index(kb.config.index_dir)
    # A delta over the index the bot was serving: only the new document's chunks were written and embedded.
    assert stored.is_delta and stored.manifest["base"]["build_id"] == before["build_id"]
    assert stored.manifest["delta"]["documents"] == 1
    assert stored.manifest["delta"]["chunks"] == stored.manifest["files"]["huong-dan-45-ngay-hoi-doc-sach.docx"]["chunks"]
    assert kb._current().stored.is_delta  # the bot serves it
    answer = await u.reply("chi bo to chuc ngay hoi doc sach vao luc nao")
    assert "tuần cuối tháng 10 hằng năm" in answer.text
    answer = await u.reply("Chỉ thị 30 do ai ban hành")  # the base still answers
    assert "Ban Bí thư Trung ương Đảng khóa XIII" in answer.text


def test_a_copied_delta_loads_and_builds_on_its_own(tmp_path, small_slices, wide_deltas):  # noqa: F811
    """`loa backup` copies the current version: a delta takes its base along, and the copy put back in place of
    the index answers alike; the next build there merges it."""
    from bot.services.status import backup
    knowledge = samples.build_knowledge(tmp_path / "knowledge")
    kb = _kb(tmp_path / "var", knowledge)
    kb.build()
    _edit(knowledge)
    kb.build()
    before = {q: _answered(kb, q) for q in QUESTIONS}
    result = backup("postgresql://unused", kb.config.index_dir, tmp_path / "backups")
    restored = tmp_path / "restored"
    shutil.copytree(result.index, restored / "index")
    again = _kb(restored, knowledge)
    again.load()
    assert again._current().stored.is_delta
    assert {q: _answered(again, q) for q in QUESTIONS} == before
    assert again.build().build_id == again.stats().build_id  # nothing changed: nothing written
    (knowledge / "zz-thong-bao-2.txt").write_text(NEW_DOCUMENT.replace("99-TB", "98-TB"), encoding="utf-8")
    small_slices.embedded = 0
    report = again.build()
    assert report.files_indexed == ["zz-thong-bao-2.txt"] and not load_index(again.config.index_dir).is_delta
    assert report.chunks_embedded == small_slices.embedded - report.sentences_embedded < 10
    assert {q: _answered(again, q)[0] for q in QUESTIONS} == {q: a[0] for q, a in before.items()}


def test_a_delta_over_an_approximate_base_answers_as_a_full_rebuild(tmp_path, small_slices, wide_deltas,  # noqa: F811
                                                                     monkeypatch):
    """A large base searches an HNSW graph: its masked rows are filtered inside the graph search."""
    import faiss

    import indexer.store as store
    monkeypatch.setattr(store, "APPROXIMATE_FROM", 10)  # the samples' ~80 chunks count as a large index
    knowledge = samples.build_knowledge(tmp_path / "knowledge")
    kb = _kb(tmp_path / "delta", knowledge)
    kb.build()
    shutil.copytree(tmp_path / "delta", tmp_path / "full", symlinks=True)
    _edit(knowledge)
    kb.build()
    stored = load_index(kb.config.index_dir)
    assert stored.is_delta and stored.approximate and isinstance(stored.base.faiss_index, faiss.IndexHNSWSQ)
    full = _kb(tmp_path / "full", knowledge)
    full.build(merge=True)
    assert load_index(full.config.index_dir).approximate
    _same(kb, full, approximate=True)
    # The graph never hands back a masked row, however many are asked for.
    masked = {int(r) for r in np.flatnonzero(stored.layout.of_base < 0)}
    assert masked
    _, rows = stored.base.faiss_index.search(kb._current().vectors[np.arange(3)], 80)
    assert masked & set(rows.ravel().tolist())  # unfiltered, the base has them
    _, logical = stored.faiss_index.search(kb._current().vectors[np.arange(3)], 80)
    assert (logical >= 0).all() and (logical < len(stored.chunks)).all()
    assert all(stored.chunks.doc_id(int(r)) != "thong-bao-hoi-nghi-bao-cao-vien" for r in logical.ravel())
