"""Chat shorthand and typos read back as the words meant, against the documents' own vocabulary."""

import pytest

from indexer.spelling import respell
from indexer.text import fold, normalize, strip_tones


class Vocabulary:
    """A stand-in for the index's vocabulary (indexer.catalogue.Catalogue has the same three questions)."""

    def __init__(self, words: str):
        self.words = [normalize(w).lower() for w in words.split()]
        self.folded = {fold(w) for w in self.words}
        # Pairs of neighbouring words, as the index holds them ("phuong_thuc").
        self.folded |= {f"{fold(a)}_{fold(b)}" for a, b in zip(self.words, self.words[1:])}
        self.shapes = {strip_tones(w) for w in self.words}

    def count(self, folded: str) -> int:
        return int(folded in self.folded)

    def marked(self, word: str) -> bool:
        return normalize(word).lower() in self.words

    def shaped(self, word: str) -> bool:
        return strip_tones(normalize(word).lower()) in self.shapes


DOCS = Vocabulary("việc quan trọng nhiệm vụ tuyên truyền viên đảng chỉ thị kế hoạch số thị ủy gửi thứ hai")


@pytest.mark.parametrize("typed, read", [
    ("qan trọng vs dv k", "quan trọng với đảng viên không"),
    ("qan trong vs dv k", "quan trong voi dang vien khong"),  # a letter dropped; chat shorthand
    ("vịec của ttv", "viec của ttv"),  # the mark on the wrong vowel: read by its letters
    ("nhiêm vụ", "nhiem vụ"),  # no tone typed where the documents have one
    ("ct30 gui cho ai", "chi thi 30 gui cho ai"),  # glued number; no mark typed: written out without marks
    ("ct30 gửi cho ai", "chỉ thị 30 gửi cho ai"),  # typed with marks: with marks
    ("kh129 cua TU", "ke hoach 129 cua TU"),  # capitals are an abbreviation of the documents, kept
    ("kh nay can cu vao nhung vb nao", "ke hoach nay can cu vao nhung van ban nao"),
    ("nhiem vu dc giao j", "nhiem vu duoc giao gi"),
    ("ai tham mưu xd kh", "ai tham mưu xây dựng kế hoạch"),
    ("ở từng cq, đv có đc vận dụng k", "ở từng cơ quan, đơn vị có được vận dụng không"),  # "cq, đv": the pair
])
def test_shorthand_and_typos_are_read_back(typed, read):
    assert respell(typed, DOCS).text == read


@pytest.mark.parametrize("typed", [
    "thủ tục cấp sổ đỏ",  # "sổ", "đỏ": words of their own, not typos of "số"
    "hạn chót là ngày nào", "han chot la ngay nao",  # real words the documents do not use
    "nhờ ad cho biết",  # how it is asked is never corrected
    "zalo", "CT-XH", "30-CT/TW", "ngày 5/2/2024",
])
def test_real_words_numbers_and_document_numbers_are_left_alone(typed):
    assert respell(typed, DOCS).text == typed


PAIRS = Vocabulary("phương thức tuyên truyền đẩy mạnh hình thức")


@pytest.mark.parametrize("typed, read", [
    ("phương thúc mới", "phương thuc mới"),  # no document has "thúc" after "phương"; "phương thức" is theirs
    ("hình thưc tuyên truyền", "hình thuc tuyên truyền"),
    ("thúc đẩy tuyên truyền", "thúc đẩy tuyên truyền"),  # "thuc day" is no pair of theirs: a word of its own
    ("phương thúc", "phương thuc"),
    ("phuơng thúc", "phuơng thúc"),  # the neighbour is no document word as typed either: no evidence
])
def test_a_mark_typed_wrong_inside_a_pair_the_documents_use(typed, read):
    assert respell(typed, PAIRS).text == read


def test_shorthand_of_two_readings_takes_the_one_the_documents_use():
    activity = Vocabulary("kinh phí hoạt động của ban chỉ đạo")
    council = Vocabulary("thành viên hội đồng thi đua khen thưởng")
    assert respell("kinh phí hđ của bcđ", activity).text == "kinh phí hoạt động của bcđ"
    assert respell("thành viên hđ thi đua", council).text == "thành viên hội đồng thi đua"
    assert respell("hd 105 noi gi", activity).text == "huong dan 105 noi gi"  # no "đ": the document type
