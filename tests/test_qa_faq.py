"""FAQ similarity: paraphrases of a board answer's question match; other questions don't."""
from __future__ import annotations

import pytest

from bot.services.questions import FAQ_THRESHOLD, _weights, similarity

PAY = "Phụ cấp hàng tháng cho tuyên truyền viên là bao nhiêu tiền?"
REVIEW = "Khi nào tổ chức hội nghị sơ kết Chỉ thị 30 của thị xã?"
CONTEST = "Hội thi tuyên truyền viên giỏi năm nay tổ chức ở đâu?"

PARAPHRASES = [
    (PAY, "phu cap hang thang cua tuyen truyen vien bao nhieu"),
    (PAY, "tuyen truyen vien duoc phu cap bao nhieu moi thang"),
    (PAY, "cho hỏi mức phụ cấp hằng tháng của tuyên truyền viên"),
    (REVIEW, "hoi nghi so ket chi thi 30 cua thi xa to chuc khi nao"),
    (CONTEST, "hoi thi tuyen truyen vien gioi nam nay to chuc o dau"),
    (CONTEST, "hội thi tuyên truyền viên giỏi diễn ra ở đâu"),
    (CONTEST, "HỘI THI TUYÊN TRUYỀN VIÊN GIỎI NĂM NAY TỔ CHỨC Ở ĐÂU"),
]
UNRELATED = [
    (PAY, "nhiệm vụ của tuyên truyền viên là gì"),
    (PAY, "Phụ cấp của báo cáo viên là bao nhiêu?"),
    (PAY, "tuyên truyền viên cần những tiêu chuẩn gì"),
    (REVIEW, "Chỉ thị 30 do ai ban hành?"),
    (REVIEW, "khi nào tổng kết chỉ thị 30"),
    (REVIEW, "thị xã tổ chức hội nghị quán triệt chỉ thị 30 khi nào"),
    (CONTEST, "năm nay có tổ chức hội nghị báo cáo viên không"),
    (CONTEST, "tuyên truyền viên giỏi được khen thưởng thế nào"),
]


@pytest.mark.parametrize("faq,asked", PARAPHRASES)
def test_paraphrase_matches(faq, asked):
    assert similarity(_weights(faq), _weights(asked)) >= FAQ_THRESHOLD


@pytest.mark.parametrize("faq,asked", UNRELATED)
def test_other_question_does_not_match(faq, asked):
    assert similarity(_weights(faq), _weights(asked)) < FAQ_THRESHOLD


def test_similarity_is_symmetric_and_bounded():
    a, b = _weights(PAY), _weights(PARAPHRASES[0][1])
    assert similarity(a, b) == pytest.approx(similarity(b, a))
    assert similarity(a, a) == pytest.approx(1.0)
    assert similarity(a, {}) == 0.0
