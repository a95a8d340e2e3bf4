"""The calibrated answer decision: the fitted model, its outcomes and the checks that cap it."""

from dataclasses import replace

import numpy as np

from bench.fit_decision import fit
from indexer.answer import Hit
from indexer.decision import FEATURES, NONE, RELATED, SURE, UNKNOWN_SURE, Candidate, Model, decide, load_model


def candidate(model: Model, probability: float, **signals) -> Candidate:
    x = np.array(model.mean, dtype=np.float64)
    for name, value in signals.items():
        x[FEATURES.index(name)] = value
    hit = Hit("d:0", "text", "Kế hoạch", "d", "I. A", 1.0, 1.0, 0.9)
    return Candidate(hit, x, "", probability)


def test_the_shipped_model_is_fitted_on_these_signals():
    model = load_model()
    assert len(model.weights) == len(model.mean) == len(model.scale) == len(FEATURES)
    assert 0.0 < model.related < model.sure < 1.0
    assert "tuning parts" in model.fitted_on and Model.from_json(model.to_json()) == model
    # The signals that must push towards an answer do, and a failed check pushes away.
    w = dict(zip(FEATURES, model.weights))
    assert w["coverage"] > 0 and w["fused"] > 0 and w["failed_any"] < 0


def test_three_outcomes_and_what_caps_them():
    model = replace(load_model(), sure=0.6, related=0.2)
    assert decide([candidate(model, 0.9, failed_any=0.0, unknown=0.0)], model) == SURE
    assert decide([candidate(model, 0.4, failed_any=0.0, unknown=0.0)], model) == RELATED
    assert decide([candidate(model, 0.1, failed_any=0.0, unknown=0.0)], model) == NONE
    assert decide([], model) == NONE
    # Lacking what the question names (a date for "ngày nào"…), or asked in words no document uses: never sure.
    assert decide([candidate(model, 0.99, failed_any=1.0, unknown=0.0)], model) == RELATED
    assert decide([candidate(model, 0.99, failed_any=0.0, unknown=UNKNOWN_SURE)], model) == RELATED


def test_words_no_document_uses_lower_the_probability():
    """"thủ tục cấp sổ đỏ": the same best passage is less likely to answer a question much in words no document
    uses; a question's own signals cannot rank its candidates, only weigh on the best."""
    model = load_model()
    x = np.array([model.mean, model.mean], dtype=np.float64)
    x[0, FEATURES.index("coverage")] += 0.3
    known, unknown = x.copy(), x.copy()
    unknown[:, FEATURES.index("unknown")] = 0.5
    assert np.allclose(model.scores(known) - model.scores(unknown), 0.0)
    assert model.probability(unknown)[0] < model.probability(known)[0]


def test_the_fit_recovers_which_signal_matters():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2000, 3))
    y = (x[:, 0] - 0.5 * x[:, 1] + rng.normal(scale=0.3, size=2000) > 0).astype(float)
    w, bias = fit(x, y, l2=1.0)
    assert w[0] > 1.0 and w[1] < -0.5 and abs(w[2]) < 0.3


def test_no_pair_of_words_across_the_written_out_abbreviations():
    from indexer.evidence import question_terms
    from indexer.question import analyse

    # "qd" is written out after the question in brackets: "… công chức\n(quyết định)". A pair across that
    # seam ("chuc_quyet") is in no passage and weighed as a rare phrase: it sank the passage that answers.
    terms = question_terms(analyse("hieu luc qd 212 ve danh gia can bo cong chuc"))
    assert "cong_chuc" in terms and "quyet_dinh" in terms
    assert "chuc_quyet" not in terms
    assert not any(t.startswith("chuc_") for t in terms)


def test_the_sentence_signal_is_read_next_to_the_best_candidate():
    from indexer.decision import signals
    from indexer.question import analyse

    w = dict(zip(FEATURES, load_model().weights))
    assert w["sentence_gap"] > 0  # the passage holding the closest sentence is the likelier answer
    hit = Hit("d:0", "text", "Kế hoạch", "d", "I. A", 1.0, 1.0, 0.9, sentence_score=0.82)

    class Nothing:  # the catalogue calls signals() makes, answered with nothing held
        def __getattr__(self, name):
            return lambda *a, **k: frozenset() if name.endswith("terms") else (
                [] if name == "units" else ("" if name.startswith("folded") else 0.0))

    x = signals(analyse("ai chủ trì"), hit, 0, Nothing(), (), 0.0, 0.9, 0.86)
    assert abs(x[FEATURES.index("sentence_gap")] - (0.82 - 0.86)) < 1e-9


def test_the_issue_date_of_a_named_document_is_its_header(shared_kb):
    """"Kế hoạch … ban hành ngày nào": a held document is dated by its header (its bases hold the dates of
    other documents); "Chỉ thị 30 ban hành ngày nào", not held, by the basis that cites it with its date."""
    held = shared_kb.ask("Kế hoạch thực hiện Chỉ thị 30 của Thị ủy Thuận Thành ban hành ngày nào?")
    assert held.found and held.hits[0].kind == "header"
    cited = shared_kb.ask("chi thi 30 ban hanh ngay nao")
    assert cited.found and cited.hits[0].kind == "basis" and "05/02/2024" in cited.hits[0].text


def test_the_article_on_taking_effect_is_the_form_asked_for():
    """"hiệu lực từ ngày nào", "thay thế quyết định nào": the article "… có hiệu lực kể từ …, thay thế …" is
    the part of a decision asked for, however few of the question's words it holds."""
    from indexer.decision import _form
    from indexer.question import analyse
    from indexer.text import fold

    article = Hit("d:5", "Điều 2. Quyết định này có hiệu lực kể từ ngày 01 tháng 12 năm 2025 và thay thế "
                  "Quyết định số 17/2024/QĐ-UBND.", "Quyết định", "d", "Điều 2", 1.0, 1.0, 0.9)
    other = Hit("d:6", "Điều 3. Chánh Văn phòng, Giám đốc các sở chịu trách nhiệm thi hành Quyết định này.",
                "Quyết định", "d", "Điều 3", 1.0, 1.0, 0.9)
    for asked in ("hieu luc qd 212 hai phong", "quy chế này có hiệu lực từ ngày nào",
                  "qd ban hanh dieu le thay the nhung quyet dinh nao"):
        info = analyse(asked)
        assert info.asks_effect, asked
        assert _form(info, article, fold(article.text)) == 1.0
        assert _form(info, other, fold(other.text)) == 0.0
    assert not analyse("hiệu quả công tác tuyên truyền miệng").asks_effect


def test_the_answer_asked_has_its_own_form():
    """"vào năm nào" is answered by a year ("hằng năm" is none), "tháng mấy" by a month; "gửi những nơi nào",
    "lưu ở đâu" by the list of recipients, which names no place."""
    from indexer.evidence import holds_kind
    from indexer.question import analyse
    from indexer.text import fold

    def holds(question: str, text: str, kind: str = "body") -> bool:
        return holds_kind(analyse(question), Hit("d:1", text, "Kế hoạch", "d", "I", 1.0, 1.0, 0.9, kind=kind),
                          fold(text))

    yearly = "Hàng năm, đánh giá hiệu quả công tác tuyên truyền miệng. Tổ chức sơ kết Chỉ thị số 30-CT/TW."
    assert not holds("so ket ct30 vao nam nao vay", yearly)
    assert holds("so ket ct30 vao nam nao vay", "Sơ kết 5 năm thực hiện Chỉ thị vào năm 2029.")
    assert holds("sơ kết chỉ thị khi nào", yearly)  # "khi nào" is answered by "hằng năm"
    assert not holds("hội nghị họp tháng mấy", "Hội nghị họp hằng tháng.")
    assert holds("hội nghị họp tháng mấy", "Hội nghị họp vào tháng 6 năm 2025.")
    recipients = "Nơi nhận:\n- BTG Tỉnh ủy (báo cáo),\n- Các chi bộ, đảng bộ cơ sở,\n- Lưu: VT."
    assert holds("ke hoach nay gui nhung noi nao", recipients, "recipients")
    assert holds("kh nay luu o dau", recipients, "recipients")
    assert not holds("hội nghị tổ chức ở đâu", recipients, "recipients")


def test_the_plan_answers_how_cadres_ask(shared_kb):
    """The plan, asked as cadres ask: who acts (its opening sentence), "ai lo" (how it is asked, not what
    about), where it was sent (the recipients, though they name no place)."""
    opening = shared_kb.ask("cơ qan nào chỉ đạo tổ chức triển khai kh này")
    assert opening.found and opening.hits[0].section == "Mở đầu"
    assert "Ban Thường vụ Thị ủy chỉ đạo" in opening.quotes[0].excerpt
    funds = shared_kb.ask("ai lo kinh phí cho đội ngũ tuyên truyền viên")
    assert funds.found and funds.hits[0].section.startswith("III. TỔ CHỨC THỰC HIỆN › 2.")
    sent = shared_kb.ask("ke hoach nay gui nhung noi nao")
    shown = sent.quotes or sent.related
    assert shown and shown[0].section == "Nơi nhận"


def test_a_notices_labelled_field_is_the_form_asked_for():
    """"họp ở đâu": "2. Địa điểm: …"; "khi nào": "1. Thời gian: …" — the notice's own field answers it."""
    from indexer.decision import _form
    from indexer.question import analyse
    from indexer.text import fold

    place = Hit("n:3", "2. Địa điểm: Hội trường tầng 3, Trung tâm Chính trị thị xã.", "Thông báo", "n", "2. Địa điểm",
                1.0, 1.0, 0.9)
    time = Hit("n:2", "1. Thời gian: 01 buổi, khai mạc lúc 7 giờ 30 phút, thứ Năm, ngày 07/11/2024.", "Thông báo",
               "n", "1. Thời gian", 1.0, 1.0, 0.9)
    elsewhere = Hit("n:5", "Hội nghị tổ chức tại địa điểm do Ban Tuyên giáo bố trí.", "Thông báo", "n", "5.",
                    1.0, 1.0, 0.9)
    where, when = analyse("hội nghị báo cáo viên quý 4 họp ở đâu"), analyse("hội nghị báo cáo viên khai mạc khi nào")
    assert _form(where, place, fold(place.text)) == 1.0 and _form(when, time, fold(time.text)) == 1.0
    assert _form(where, time, fold(time.text)) == 0.0 and _form(where, elsewhere, fold(elsewhere.text)) == 0.0


def test_the_recipients_list_dates_nothing():
    """"hạn chót gửi báo cáo là ngày nào?": "gửi" does not make the recipients list, which names no day, a date."""
    from indexer.evidence import holds_kind
    from indexer.question import analyse
    from indexer.text import fold

    text = "Nơi nhận:\n- BTG Tỉnh ủy (báo cáo),\n- Lưu: VT."
    hit = Hit("d:9", text, "Kế hoạch", "d", "Nơi nhận", 1.0, 1.0, 0.9, kind="recipients")
    assert not holds_kind(analyse("hạn chót gửi báo cáo là ngày nào?"), hit, fold(text))
