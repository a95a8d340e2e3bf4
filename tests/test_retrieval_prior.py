"""BM25 terms weighed by how common they are in Vietnamese at large (wordfreq), stored with the index."""

import json

import numpy as np

from indexer import IndexConfig, KnowledgeBase
from indexer.lexical import LexicalIndex, terms
from indexer.prior import VERSION, term_prior
from indexer.store import load_index


def test_common_words_weigh_less_than_rare_ones():
    common, marked_common, rare, number, pair = term_prior(["nay", "~là", "insulin", "30", "hien_nay"])
    assert common < 1.0 and marked_common < 1.0 < rare
    assert number == 1.0  # the word list has no numbers: they keep the documents' own weight
    assert pair == term_prior(["hien"])[0] or pair == term_prior(["nay"])[0]  # as common as its rarer part


def test_same_document_frequency_different_weight():
    # "hiện nay" and "insulin" are each in one passage: the documents alone cannot tell them apart.
    index = LexicalIndex.build([terms("hiện nay"), terms("insulin"), terms("chi bộ")])
    common, rare = index.scores(terms("nay")), index.scores(terms("insulin"))
    assert index.idf[index.term_ids["nay"]] == index.idf[index.term_ids["insulin"]]
    assert 0 < common[0] < rare[1]


def test_prior_is_saved_and_an_older_index_gets_it(tmp_path):
    index = LexicalIndex.build([terms("hiện nay"), terms("insulin")])
    index.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path)
    assert np.array_equal(loaded.prior, index.prior) and np.allclose(loaded.weights, index.weights)
    # An index written before the prior existed: computed when it is loaded.
    with np.load(tmp_path / "lexical.npz") as z:
        old = {k: z[k] for k in z.files if k != "prior"}
    np.savez(tmp_path / "lexical.npz", **old)
    assert np.allclose(LexicalIndex.load(tmp_path).weights, index.weights)


def test_index_built_without_the_prior_is_reweighted_without_embedding(tmp_path):
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "ke-hoach.txt").write_text("KẾ HOẠCH\n\nI. NỘI DUNG\n\n1. Tuyên truyền hiện nay về insulin.\n",
                                           encoding="utf-8")
    kb = KnowledgeBase(IndexConfig(knowledge, tmp_path / "var" / "index", model="hashing-64"))
    first = kb.build()
    manifest = json.loads((kb.config.index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["bm25"]["prior"] == VERSION

    # Pretend the index came from a version without the prior: the next build re-weighs BM25 only.
    manifest["bm25"].pop("prior")
    (kb.config.index_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    again = kb.build()
    assert again.chunks_embedded == 0 and again.build_id != first.build_id
    assert json.loads((kb.config.index_dir / "manifest.json").read_text(encoding="utf-8"))["bm25"]["prior"] == VERSION
    assert load_index(kb.config.index_dir).lexical.prior.min() < 1.0
