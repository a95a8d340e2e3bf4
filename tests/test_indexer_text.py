"""Vietnamese text helpers: tone marks, folding, tokens, abbreviations."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from indexer.text import expand_abbreviations, fold, nfc, normalize, tokens

VIETNAMESE = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệioòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ "


def test_tone_marks_move_to_the_traditional_place():
    assert normalize("hoà bình") == "hòa bình"
    assert normalize("Uỷ ban") == "Ủy ban"
    assert normalize("thuỳ, khoẻ, Thuý, HOÀ") == "thùy, khỏe, Thúy, HÒA"


def test_tone_marks_left_alone_where_both_spellings_agree():
    for word in ("hoàng", "hoạch", "huỳnh", "quý", "quà", "khuya", "thuở", "người"):
        assert normalize(word) == word


def test_decomposed_input_is_composed():
    decomposed = unicodedata.normalize("NFD", "Thị ủy Thuận Thành")
    assert nfc(decomposed) == "Thị ủy Thuận Thành"
    assert normalize(decomposed) == "Thị ủy Thuận Thành"


def test_fold_strips_marks_and_d():
    assert fold("Đảng ủy Thuận Thành") == "dang uy thuan thanh"


def test_tokens_keep_document_numbers_and_dates_whole():
    toks = tokens("Chỉ thị số 30-CT/TW, ngày 05/02/2024; Kế hoạch số 129-KH/TU")
    assert "30-ct/tw" in toks and "129-kh/tu" in toks
    assert "5/2/2024" in toks
    assert "chi_thi" in toks and "so_30" in toks  # the number still joins its neighbours


def test_tokens_same_with_and_without_diacritics():
    assert tokens("Ban Tuyên giáo Thị ủy") == tokens("ban tuyen giao thi uy")


def test_abbreviations_expand_both_ways():
    assert "Mặt trận Tổ quốc" in expand_abbreviations("MTTQ và các tổ chức CT-XH")
    assert "chính trị - xã hội" in expand_abbreviations("MTTQ và các tổ chức CT-XH")
    assert "MTTQ" in expand_abbreviations("mặt trận tổ quốc")
    assert "BTG" in expand_abbreviations("Ban Tuyên giáo Thị ủy")
    assert "Văn hóa Thể thao" in expand_abbreviations("Trung tâm VH TT và Truyền thông")
    assert "Thanh niên" in expand_abbreviations("đoàn tn xã") and "Phụ nữ" in expand_abbreviations("hội pn")
    assert "Ủy ban" in expand_abbreviations("UB thị xã")
    # as cadres type them: "ttvh thị xã", "sđt/sdt", "cbđv", "pbt"
    assert "Trung tâm Văn hóa" in expand_abbreviations("ttvh thị xã")
    assert "số điện thoại" in expand_abbreviations("sdt báo vắng")
    assert "số điện thoại" in expand_abbreviations("SĐT báo vắng")
    assert "cán bộ, đảng viên" in expand_abbreviations("CBĐV") and "Phó Bí thư" in expand_abbreviations("pbt")


def test_ambiguous_abbreviation_needs_capitals():
    assert expand_abbreviations("tự do, tu bổ") == "tự do, tu bổ"
    assert "Tỉnh ủy" in expand_abbreviations("Kế hoạch số 129-KH/TU")


@given(st.text(alphabet=VIETNAMESE, max_size=40))
def test_normalize_and_fold_are_idempotent(s):
    assert normalize(normalize(s)) == normalize(s)
    assert fold(fold(s)) == fold(s)
    assert fold(normalize(s)) == fold(s)


@given(st.text(alphabet=VIETNAMESE, max_size=40))
def test_folded_text_gives_the_same_tokens(s):
    assert tokens(fold(s)) == tokens(s)
