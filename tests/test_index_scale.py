"""A large index: chunks read from disk on demand, an approximate vector search above a size, a format-3 index
completed without re-embedding, and the catalogue's document lookups made at load; answers unchanged."""

import json
import re

import faiss
import numpy as np
import pytest

import indexer.catalogue as catalogue_module
import indexer.store as store
from indexer.catalogue import Catalogue, _number_parts, same_suffix
from indexer.question import _aligned_fold, references_in
from indexer.store import DENSE, FORMAT_VERSION, KEYPOINTS, StoredChunks, load_index
from indexer.text import fold

from tests.test_index_resume import _kb, small_slices  # noqa: F401  (fixture)
from tests.test_indexer_service import samples

QUESTIONS = [
    "Chỉ thị 30 do ai ban hành",
    "chi thi 30 do ai ban hanh",
    "Nhiệm vụ của tuyên truyền viên nòng cốt là gì",
    "Kế hoạch 30 giao Ban Tuyên giáo làm gì",
    "báo cáo viên được cung cấp thông tin định kỳ",
    "Quy chế cung cấp thông tin chương II nói gì",
    "mức chi cho báo cáo viên là bao nhiêu",
    "hội nghị báo cáo viên họp ở đâu",
]


def _answer(kb, question):
    a = kb.ask(question)
    return a.outcome, a.answer, [h.chunk_id for h in a.hits], [round(h.score, 6) for h in a.hits]


def test_stored_chunks_read_back_what_was_written(tmp_path, small_slices):  # noqa: F811
    kb = _kb(tmp_path, samples.build_knowledge(tmp_path / "knowledge"))
    kb.build()
    folder = kb.config.index_dir.resolve()
    written = [json.loads(line) for line in (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
    chunks = StoredChunks(folder / "chunks.jsonl")
    assert len(chunks) == len(written) > 50
    assert [c.to_dict() for c in chunks] == written
    assert chunks[-1].to_dict() == written[-1] and [c.id for c in chunks[3:6]] == [w["id"] for w in written[3:6]]
    assert [chunks.doc_id(i) for i in range(len(chunks))] == [w["doc_id"] for w in written]
    assert [chunks.kind(i) for i in range(len(chunks))] == [w["kind"] for w in written]
    assert all(chunks.by_id[w["id"]] == i for i, w in enumerate(written))
    for doc_id, rows in chunks.rows_of_doc.items():
        assert rows == [i for i, w in enumerate(written) if w["doc_id"] == doc_id]
    with pytest.raises(IndexError):
        chunks[len(written)]


def test_a_large_index_searches_approximately_and_answers_alike(tmp_path, small_slices, monkeypatch):  # noqa: F811
    knowledge = samples.build_knowledge(tmp_path / "knowledge")
    exact = _kb(tmp_path, knowledge, "exact")
    exact.build()
    assert isinstance(load_index(exact.config.index_dir).faiss_index, faiss.IndexFlatIP)
    assert not (exact.config.index_dir / DENSE).exists()

    monkeypatch.setattr(store, "APPROXIMATE_FROM", 10)  # the samples' ~80 chunks count as a large index
    approx = _kb(tmp_path, knowledge, "approx")
    approx.build()
    stored = load_index(approx.config.index_dir)
    assert stored.approximate and isinstance(stored.faiss_index, faiss.IndexHNSWSQ)
    # The exact vectors stay beside the graph: candidates' cosines are computed from them.
    exact_stored = load_index(exact.config.index_dir)  # kept alive: vectors() is a view on its FAISS memory
    assert np.array_equal(stored.vectors(), exact_stored.vectors())
    # A graph over 80 vectors explored 128 deep finds every neighbour: the same answers.
    for q in QUESTIONS:
        assert _answer(approx, q) == _answer(exact, q), q


def test_an_index_of_format_3_is_read_and_completed_without_reembedding(tmp_path, small_slices):  # noqa: F811
    kb = _kb(tmp_path, samples.build_knowledge(tmp_path / "knowledge"))
    kb.build()
    before = {q: _answer(kb, q) for q in QUESTIONS[:4]}
    first = load_index(kb.config.index_dir)  # kept alive: vectors() is a view on its FAISS memory
    vectors = first.vectors().copy()
    folder = kb.config.index_dir.resolve()
    outlines = {d.doc_id: kb.keypoints(d.doc_id) for d in kb.documents()}
    assert sum(map(len, outlines.values())) > 20
    # What format 3 wrote: each document's keypoints inside documents.json, no keypoints.jsonl.
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["format"] = 3
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    docs = json.loads((folder / "documents.json").read_text(encoding="utf-8"))
    for d in docs:
        d["keypoints"] = [k.to_dict() for k in outlines[d["info"]["doc_id"]]]
    (folder / "documents.json").write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
    (folder / KEYPOINTS).unlink()

    old = _kb(tmp_path, kb.config.knowledge_dir)
    old.load()  # a bot started on the old folder keeps answering
    assert {q: _answer(old, q) for q in before} == before
    assert {d.doc_id: old.keypoints(d.doc_id) for d in old.documents()} == outlines
    small_slices.embedded = 0
    report = old.build()
    assert report.rebuilt_reason is None and report.chunks_embedded == 0 and small_slices.embedded == 0
    assert report.build_id != manifest["build_id"]
    after = load_index(kb.config.index_dir)
    assert after.manifest["format"] == FORMAT_VERSION and np.array_equal(after.vectors(), vectors)
    assert {q: _answer(old, q) for q in before} == before
    assert (after.folder / KEYPOINTS).exists()
    assert {d.doc_id: old.keypoints(d.doc_id) for d in old.documents()} == outlines
    assert old.build().build_id == report.build_id  # now current: nothing rewritten


def _held(docs, ref):
    """Catalogue.held as it was: every document's title read at every question."""
    out = []
    for d in docs:
        types = {fold(t) for t in (d.doc_type, *d.attachments) if t}
        if not types & set(ref.types):
            continue
        if ref.types == ("luat",):
            if ref.number in fold(d.title or ""):
                out.append(d.doc_id)
            continue
        number, suffix = _number_parts(d.number)
        if number and number == ref.number and same_suffix(ref.suffix, suffix):
            out.append(d.doc_id)
        elif not ref.suffix and (not number or number != ref.number) \
                and any(r.number == ref.number for r in references_in(d.title or "")):
            out.append(d.doc_id)
    return tuple(out)


def _cited_in(chunks, ref):
    """Catalogue.cited_in as it was (a numbered document): every passage holding the number read."""
    return frozenset(c.id for c in chunks if any(
        f.number == ref.number and set(f.types) & set(ref.types) and same_suffix(ref.suffix, f.suffix)
        for f in references_in(c.text)))


def _cites_with_date(chunk, ref):
    """Catalogue.cites_with_date as it was: the passage's references read, their dates looked for."""
    _, folded = _aligned_fold(chunk.text)
    for f in references_in(chunk.text):
        at = folded.find(fold(f.text))
        if f.number == ref.number and set(f.types) & set(ref.types) and at >= 0 \
                and re.search(r"^\W*(?:ngay\s*)?\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{4}|^\W*ngay\s+\d{1,2}\s+thang",
                              folded[at + len(f.text):at + len(f.text) + 30]):
            return True
    return False


def test_document_lookups_are_those_of_reading_every_title_and_passage(tmp_path, small_slices):  # noqa: F811
    kb = _kb(tmp_path, samples.build_knowledge(tmp_path / "knowledge"))
    kb.build()
    stored = load_index(kb.config.index_dir)
    prepared = Catalogue(stored.documents, stored.chunks, stored.lexical)
    prepared.prepare()  # every passage's and title's references read at load
    lazy = Catalogue(stored.documents, list(stored.chunks), stored.lexical)  # read per number asked
    refs = {(r.types, r.number, r.suffix): r for c in stored.chunks for r in references_in(c.text)}
    refs.update({(r.types, r.number, r.suffix): r for q in QUESTIONS for r in references_in(q)})
    assert len(refs) > 5
    cited = held = dated = 0
    for ref, catalogue in ((ref, c) for ref in refs.values() for c in (prepared, lazy)):
        for _ in range(2):  # the second time from what the first one kept
            assert catalogue.held(ref) == _held(stored.documents, ref), ref
            if ref.types != ("luat",):
                assert catalogue.cited_in(ref) == _cited_in(stored.chunks, ref), ref
                for c in stored.chunks:
                    assert catalogue.cites_with_date(c.id, ref) == _cites_with_date(c, ref), (ref, c.id)
        cited += bool(catalogue.cited_in(ref))
        held += bool(catalogue.held(ref))
        dated += any(catalogue.cites_with_date(c, ref) for c in catalogue.cited_in(ref))
    assert cited > 3 and held > 1 and dated > 1


def test_a_passages_terms_are_those_of_its_text_and_its_documents_name():
    from indexer.lexical import terms
    from indexer.structure import Chunk, DocumentInfo
    from indexer.text import expand_abbreviations

    # The title goes on where the text stops: "Mặt trận" + "Tổ quốc" is read as one name (MTTQ) only together.
    docs = [DocumentInfo("a", None, None, "Tổ quốc Việt Nam", None, None, None, None, "a.txt"),
            DocumentInfo("b", "12-KH/UBND", "Kế hoạch", "Về chuyển đổi số", None, None, None, None, "b.txt")]
    chunks = [Chunk("a#1", "a", ("I. NỘI DUNG",), "body", "Ủy ban Mặt trận"),
              Chunk("b#1", "b", ("1. BTG",), "body", "Ban Tuyên giáo phối hợp với MTTQ, 30-CT/TW ngày 5/2/2024"),
              Chunk("b#2", "b", ("Nơi nhận",), "recipients", "- Lưu VP.", "Nơi nhận, gửi tới")]
    catalogue = Catalogue(docs, chunks, None)
    for c in chunks:
        d = catalogue.docs[c.doc_id]
        name = " ".join(p for p in (d.doc_type, d.number, d.title) if p)
        assert set(catalogue.terms(c.id)) == set(terms(expand_abbreviations(
            "\n".join((c.section, c.text, c.search_extra, name))))), c.id
    assert "mttq" in catalogue.terms("a#1") and "mttq" not in catalogue.own_terms("a#1")


def test_the_catalogue_keeps_a_bounded_number_of_passages(tmp_path, small_slices, monkeypatch):  # noqa: F811
    kb = _kb(tmp_path, samples.build_knowledge(tmp_path / "knowledge"))
    kb.build()
    before = {q: _answer(kb, q) for q in QUESTIONS}
    monkeypatch.setattr(catalogue_module, "PASSAGES_KEPT", 3)
    monkeypatch.setattr(catalogue_module, "DOCUMENTS_KEPT", 2)
    monkeypatch.setattr(catalogue_module, "WHOLE_DOCUMENTS_KEPT", 1)
    small = _kb(tmp_path, kb.config.knowledge_dir)
    small.load()
    assert {q: _answer(small, q) for q in QUESTIONS} == before
    catalogue = small._catalogue(small._current())
    assert 0 < len(catalogue._folded) <= 3 and len(catalogue._terms) <= 3 and len(catalogue._doc_dates) <= 1 \
        and len(catalogue._doc_folded) <= 1


# (full pass share, search share, seed scored): 0 never one pass over every posting; a search share of 0 searches
# every term's postings for the documents in scores_of, 10**9 walks them all; a seed of 1 k scored picks the seed's best.
@pytest.mark.parametrize("shares", [(8, 16, 8), (0, 16, 8), (8, 0, 1), (0, 10**9, 1)])
def test_the_k_best_lexical_scores_without_scoring_every_chunk(tmp_path, small_slices, monkeypatch,  # noqa: F811
                                                               shares):
    from indexer.lexical import LexicalIndex, terms

    for name, value in zip(("FULL_PASS_SHARE", "SEARCH_SHARE", "SEED_SCORED"), shares):
        monkeypatch.setattr(LexicalIndex, name, value)
    from indexer.text import expand_abbreviations

    kb = _kb(tmp_path, samples.build_knowledge(tmp_path / "knowledge"))
    kb.build()
    lexical = load_index(kb.config.index_dir).lexical
    rng = np.random.default_rng(3)
    for q in QUESTIONS + ["xã", "khen thưởng tổ chức đảng", "nhiệm vụ"]:
        query = terms(expand_abbreviations(q))
        full = lexical.scores(query)
        for n in (3, 40):
            docs = np.sort(rng.choice(len(full), n, replace=False))
            assert np.array_equal(lexical.scores_of(query, docs), full[docs])  # the same float32 additions
        for k in (1, 5, 20):
            got = lexical.top(query, k)
            assert np.all(np.diff(got) > 0) and np.all(full[got] > 0)
            best = np.sort(full[full > 0])[::-1][:k]
            assert np.array_equal(np.sort(full[got])[::-1], best), (q, k)  # the k best scores (ties aside)
