"""Reading a question (type, named documents, bodies, small talk), numbers written either way, trimmed quotes."""

import pytest

from indexer.answer import excerpt, section_label, shown_heading
from indexer.question import (
    HOW_MANY, HOW_MUCH, WHAT, WHEN, WHERE, WHO, WHO_ISSUED, WHO_SIGNED, YES_NO, analyse, body_named, fold_passage,
    references_in, small_talk, strip_greeting,
)
from indexer.text import dates_in, expand_numbers, ordinals_in, rewrite_numbers, roman_to_int


@pytest.mark.parametrize("question, kind", [
    ("ai chủ trì hội nghị báo cáo viên", WHO),
    ("đồng chí nào phụ trách tuyên truyền viên", WHO),
    ("ai la nguoi da ky ke hoach thuc hien chi thi 30", WHO_SIGNED),
    ("Chỉ thị 30 do ai ban hành", WHO_ISSUED),
    ("hạn chót gửi danh sách là ngày nào", WHEN),
    ("hoi nghi to chuc bao gio", WHEN),
    ("hội nghị họp ở đâu", WHERE),
    ("dia diem to chuc hoi thi", WHERE),
    ("mức chi cho báo cáo viên", HOW_MUCH),
    ("phu cap hang thang bao nhieu tien", HOW_MUCH),
    ("mỗi tuyên truyền viên phụ trách bao nhiêu hộ", HOW_MANY),
    ("có phải thành lập đội dân phòng không", YES_NO),
    ("nhiệm vụ của ban tuyên giáo", WHAT),
])
def test_question_kinds(question, kind):
    assert analyse(question).kind == kind


@pytest.mark.parametrize("question, kind, counted", [
    # A quantity asked with a unit of time, count or share is a count, whatever the topic (not money).
    ("vay von quy bao ve moi truong duoc toi da may nam", HOW_MANY, "nam"),
    ("cb muốn đc bổ nhiệm thì phải giữ chức vụ ít nhất bn lâu a", HOW_MANY, "lau"),
    ("sinh hoạt chi bộ về phòng cháy bao lâu một lần", HOW_MANY, "lau"),
    ("tỷ lệ bao nhiêu %", HOW_MANY, "phan tram"),
    ("lãi suất tối đa bn so vs lãi suất ngân hàng", HOW_MANY, ""),  # a comparison follows, not a noun
    ("phu cap hang thang bao nhieu tien", HOW_MUCH, ""),
    ("mấy giờ họp", WHEN, "gio hop"),
    # Where money comes from is a source, not a place.
    ("kinh phí hoạt động của ban chỉ đạo lấy ở đâu", WHAT, ""),
    # A date given as a condition is not what is asked.
    ("cán bộ nhận tiền công trước ngày 19/2/2025 thì có bị tính thuế không", YES_NO, ""),
    ("chi bộ gửi báo cáo trước ngày nào", WHEN, ""),
])
def test_what_a_quantity_question_counts(question, kind, counted):
    info = analyse(question)
    assert (info.kind, info.counted) == (kind, counted)


def test_what_a_count_goes_with():
    from indexer.evidence import counts
    assert counts(fold_passage("trả lời phản ánh là 07 ngày kể từ ngày tiếp nhận"), "ngay co")  # its head word
    assert counts(fold_passage("100% các tỉnh uỷ đã triển khai"), "tinh uy")
    assert counts(fold_passage("Ít nhất 80% người hưởng trợ cấp"), "phan tram")
    assert counts(fold_passage("tối đa không quá 03 năm"), "lau")
    assert counts(fold_passage("đánh giá trong báo cáo tổng kết hằng năm"), "lau")
    assert not counts(fold_passage("đánh giá trong báo cáo tổng kết"), "lau")
    assert not counts(fold_passage("mỗi xã cử 03 tuyên truyền viên"), "ho")
    # Documents list what "mấy nội dung / mấy ý" counts rather than give the number.
    listed = "II › 1.\n1. Tổ chức hội nghị, tập trung vào nội dung trọng tâm sau:\n- Những điểm mới\n- Những quy định mới"
    assert counts(fold_passage(listed), "noi dung") and counts(fold_passage(listed), "y")
    assert not counts(fold_passage("II › Nội dung\ntập trung vào nội dung trọng tâm"), "noi dung")
    assert not counts(fold_passage(listed), "ho")  # a list of topics counts no households


def test_an_amount_is_a_number_with_its_money():
    from indexer.evidence import AMOUNT
    assert AMOUNT.search(fold_passage("mức chi 1.000.000 đồng/người")) and AMOUNT.search(fold_passage("10 tỷ đồng"))
    assert AMOUNT.search(fold_passage("hỗ trợ 50.000 đ/buổi"))
    assert not AMOUNT.search(fold_passage("8. Tỷ lệ cán bộ xếp loại hoàn thành xuất sắc nhiệm vụ"))  # item 8


def test_a_dotted_part_and_item():
    assert ordinals_in("mục III.2 gồm những cơ quan nào") == {("phan", 3), ("muc", 2)}
    assert ordinals_in("phan ii.1 noi ve j") == {("phan", 2), ("muc", 1)}
    assert ordinals_in("mục 3 phần II") == {("phan", 2), ("muc", 3)}


def test_documents_named_in_a_question():
    refs = references_in("Nghị quyết 43-NQ/TW và chi thi 12 noi gi, con Luật Báo chí?")
    assert [(r.types, r.number, r.suffix) for r in refs] == [
        (("nghi quyet",), "43", "nq/tw"), (("chi thi",), "12", ""), (("luat",), "bao chi", "")]
    assert [r.display for r in refs] == ["Nghị quyết 43-NQ/TW", "Chỉ thị 12", "Luật Báo chí"]
    [plain] = references_in("nghi quyet 43-nq/tw noi gi")   # typed without marks, shown with them
    assert plain.display == "Nghị quyết 43-NQ/TW"
    [bare] = references_in("30-CT/TW ngày 05/02/2024 nói về gì")
    assert bare.types == ("chi thi",) and bare.display == "Chỉ thị 30-CT/TW"
    [qd] = references_in("QĐ 69 nói gì")
    assert set(qd.types) == {"quy dinh", "quyet dinh"}
    # Counts, years and ordinary words are not documents.
    for text in ("quy định 2 lần một năm", "kế hoạch 2025", "kỷ luật đảng viên", "vi phạm pháp luật",
                 "xây dựng quy định mới về chế độ", "quý 4"):
        assert references_in(text) == [], text
    # "Thực hiện Chỉ thị 30" names what is carried out, not the source of the answer.
    assert references_in("nhiệm vụ của BTG trong thực hiện Chỉ thị 30")[0].context
    assert not references_in("theo Chỉ thị 30 thì tuyên truyền viên phải làm gì")[0].context


def test_bodies_and_their_level():
    info = analyse("BTG thị ủy có nhiệm vụ gì")
    assert info.bodies == (("ban tuyen giao", "thi uy"),)
    assert body_named(fold_passage("1. Ban Tuyên giáo Thị ủy"), info.bodies[0])
    assert not body_named(fold_passage("Ban Tuyên giáo Đảng ủy xã chủ trì"), info.bodies[0])
    assert body_named(fold_passage("Ban Tuyên giáo Đảng ủy xã"), ("ban tuyen giao", "xa"))
    assert not body_named(fold_passage("Công an thị xã cung cấp thông tin về tình hình"), ("cong an", "tinh"))
    assert analyse("hướng dẫn 105-HD/BTGTU ban hành ngày nào").bodies == ()  # a number, not the board
    # "thì UBND xã" folds to "thi uy ban nhan dan xa": the Ủy ban, not a Thị ủy.
    assert analyse("bị đánh giá 1 sao thi ubnd xa phai lam gi").bodies == (("uy ban nhan dan", "xa"),)
    assert analyse("Thị ủy ban hành kế hoạch nào").bodies == (("thi uy", ""),)
    # The Tổng Bí thư who signed is not the office asked about.
    assert analyse("theo kết luận của Tổng Bí thư thì ai tiếp nhận").roles == ()
    assert analyse("ai là bí thư chi bộ").roles == ("bi thu",)


@pytest.mark.parametrize("text, kind", [
    ("xin chào", "greeting"), ("Chào Loa!", "greeting"), ("cảm ơn ạ", "thanks"), ("dạ em cảm ơn nhiều", "thanks"),
    ("thank you", "thanks"), ("ok", "ack"), ("Vâng ạ", "ack"), ("👍", "symbols"), ("?", "symbols"),
    ("bạn là ai", "help"), ("chào anh, cho hỏi chỉ thị 30 do ai ban hành", None), ("hội thi", None),
    ("ok 30 người", None), ("ad ơi", "greeting"), ("Loa ơi", "greeting"), ("bác ơi", "greeting"),
    ("ad ơi btg làm gì", None),
])
def test_small_talk(text, kind):
    assert small_talk(text) == kind


def test_numbers_written_either_way():
    assert roman_to_int("iv") == 4 and roman_to_int("XIII") == 13 and roman_to_int("vx") is None
    assert ordinals_in("hội nghị quý 4") == ordinals_in("HỘI NGHỊ QUÝ IV") == {("quy", 4)}
    assert ordinals_in("phần II") == {("phan", 2)}
    assert dates_in("ngày 5/6") == dates_in("05/06") == dates_in("ngày 5 tháng 6") == dates_in("mùng 5 tháng 6") \
        == {(5, 6, None)}
    assert dates_in("ngày 07/11/2024") == {(7, 11, 2024)}
    assert "quy IV" in expand_numbers("quý 4") and "ngày 05/06" in expand_numbers("ngày 5/6")
    known = {"quy_iv", "05_thang", "thang_06"}.__contains__
    assert rewrite_numbers("hội nghị quý 4 ở đâu", known) == "hội nghị quý IV ở đâu"
    assert rewrite_numbers("họp ngày 5/6", known) == "họp ngày 05 tháng 06"
    assert rewrite_numbers("mùng 5 tháng 6", known).startswith("ngày 5")


def test_excerpt_keeps_the_sentences_that_answer_verbatim():
    lines = ["1. Tổ chức hội nghị quán triệt trong cán bộ, đảng viên:"] + [
        f"- Nội dung thứ {i} về công tác tuyên truyền miệng ở cơ sở, gồm nhiều ý dài dòng cần đọc kỹ." for i in range(12)]
    lines.insert(7, "- Thời gian: ngày 07/11/2024, tại Hội trường tầng 3.")
    text = "\n".join(lines)
    cut = excerpt(text, "II. NỘI DUNG › 1. Tổ chức hội nghị quán triệt trong cán bộ, đảng viên",
                  ("thoi", "gian", "hoi", "truong"), prefer=lambda u: "07" in u, limit=300)
    assert len(cut) <= 300 and "- Thời gian: ngày 07/11/2024, tại Hội trường tầng 3." in cut
    assert cut.startswith("…") and "…" in cut
    for piece in cut.replace("…", "\n").split("\n"):
        assert piece.strip() in text
    short = "1. Ban Tuyên giáo Thị ủy\n- Tham mưu cấp ủy."
    assert excerpt(short, "III. TỔ CHỨC THỰC HIỆN › 1. Ban Tuyên giáo Thị ủy") == "- Tham mưu cấp ủy."


def test_table_values_stay_with_their_row():
    rows = ["Nội dung chi", "Mức chi"] + [x for i in range(10) for x in (f"Khoản chi số {i} cho hội nghị báo cáo viên"
                                                                         f" thị xã và các xã", f"{i + 1}00.000 đồng/buổi")]
    text = "\n".join(rows)
    cut = excerpt(text, "II. MỨC CHI › 1. Mức chi", ("khoan", "chi", "so", "7"), prefer=lambda u: "dong" in u,
                  limit=200)
    assert "Khoản chi số 7 cho hội nghị báo cáo viên thị xã và các xã\n800.000 đồng/buổi" in cut


def test_section_labels_and_heading_shown_once():
    assert section_label("III. TỔ CHỨC THỰC HIỆN › 1. Ban Tuyên giáo Thị ủy") == "mục III.1"
    assert section_label("II. NỘI DUNG › 1. Hội nghị › a) Thời gian") == "mục II.1.a"
    assert section_label("Chương II. HÌNH THỨC › Điều 4. Trách nhiệm") == "Điều 4"
    assert section_label("2. Địa điểm: Hội trường") == "mục 2"
    assert section_label("Căn cứ ban hành") == "Căn cứ ban hành"
    assert shown_heading("II. NỘI DUNG › 1. Tổ chức hội nghị nghiên cứu…", "1. Tổ chức hội nghị nghiên cứu, học") \
        == "II. NỘI DUNG"
    assert shown_heading("III. TỔ CHỨC › 1. Ban Tuyên giáo", "- Tham mưu") == "III. TỔ CHỨC › 1. Ban Tuyên giáo"


@pytest.mark.parametrize("typed, question", [
    ("ad ơi nhiệm vụ của ttv là gì", "nhiệm vụ của ttv là gì"),
    ("Loa ơi, cho hỏi btg làm gì", "cho hỏi btg làm gì"),
    ("ad oi btg lam gi", "btg lam gi"),
    ("alo ban tuyên giáo làm gì", "ban tuyên giáo làm gì"),
    ("ủa btg làm gì", "btg làm gì"),
    ("chào ad, btg làm gì", "btg làm gì"),
    ("câu hỏi: btg làm gì", "btg làm gì"),
    ("thắc mắc về nhiệm vụ của btg", "nhiệm vụ của btg"),
    ("ai là bí thư", "ai là bí thư"),
    # Who is asking is no part of it either: the bodies named there are the asker's.
    ("Dạ em làm ở văn phòng đảng ủy xã, cho em hỏi đơn vị nào làm đầu mối ạ?", "cho em hỏi đơn vị nào làm đầu mối ạ?"),
    ("em la ttv o khu pho, cho em hoi ke hoach la gi", "cho em hoi ke hoach la gi"),
    ("em là bí thư chi bộ thì phải làm gì", "em là bí thư chi bộ thì phải làm gì"),  # no question after it
    ("dạ cho em hỏi mục III.2 nói về ai ạ", "cho em hỏi mục III.2 nói về ai ạ"),  # "III.2" ends no greeting
    # Nor are the thanks after it.
    ("cho em hỏi chi bộ phải làm gì ạ, em cảm ơn nhiều", "cho em hỏi chi bộ phải làm gì ạ"),
    ("hoi nghi ngay nao vay, cam on ad", "hoi nghi ngay nao vay"),
    ("cảm ơn bot nhé", "cảm ơn bot nhé"),  # nothing before the thanks: small talk, kept
])
def test_calling_out_before_the_question_is_no_part_of_it(typed, question):
    assert strip_greeting(typed) == question
