"""Reading and structure parsing of administrative documents: the real plan and our own samples."""

import importlib.util
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.errors import DocumentUnreadable
from indexer.reader import read_document
from indexer.structure import parse_document, slug

HERE = Path(__file__).resolve().parent
PLAN = HERE.parent / "knowledge" / "ke-hoach-thuc-hien-chi-thi-30-CT-TW.txt"


def _samples():
    spec = importlib.util.spec_from_file_location("loa_knowledge_samples", HERE / "fixtures/knowledge/build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


samples = _samples()


def parse(path: Path):
    return parse_document(read_document(path), slug(path.stem), path.name)


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    return samples.build_knowledge(tmp_path_factory.mktemp("knowledge"), real=False)


def test_real_plan_header():
    info = parse(PLAN).info
    assert info.doc_type == "Kế hoạch"
    assert info.number == "…-KH/TU"  # the file has a placeholder "Số * -KH/TU"
    assert info.date == "ngày tháng 6 năm 2024" and info.place == "Thuận Thành"
    assert info.date_display == "tháng 6/2024"
    assert info.title.startswith("Thực hiện Chỉ thị 30-CT/TW của Ban Bí thư Trung ương Đảng khóa XIII")
    assert info.issuer == "Thị ủy Thuận Thành"
    assert info.signer == "Văn Quốc Cường"
    assert info.signer_role == "T/M BAN THƯỜNG VỤ, PHÓ BÍ THƯ THƯỜNG RỰC"  # verbatim, typo included
    assert info.display == "Kế hoạch số …-KH/TU (tháng 6/2024) – Thị ủy Thuận Thành"


def test_real_plan_chunks_follow_the_structure():
    doc = parse(PLAN)
    kinds = [c.kind for c in doc.chunks]
    assert kinds[0] == "header" and kinds[1] == "basis" and kinds[-2:] == ["recipients", "signature"]
    sections = [c.section for c in doc.chunks]
    assert "III. TỔ CHỨC THỰC HIỆN › 4. Trung tâm Văn hóa, Thể thao và Truyền thông thị xã" in sections
    assert "III. TỔ CHỨC THỰC HIỆN › 1. Ban Tuyên giáo Thị ủy" in sections
    basis = doc.chunks[1].text
    assert basis.startswith("- Căn cứ Kế hoạch số 129-KH/TU") and "105-HD/BTGTU" in basis
    # The sentence closing the bases says who acts: it opens the content, it is no basis.
    assert "chỉ đạo tổ chức triển khai" not in basis
    opening = doc.chunks[2]
    assert (opening.kind, opening.section) == ("body", "Mở đầu")
    assert opening.text == "Ban Thường vụ Thị ủy chỉ đạo tổ chức triển khai thực hiện như sau:"
    # One item with its bullets is one chunk, and the text is the source verbatim.
    item = next(c for c in doc.chunks if c.section.endswith("1. Ban Tuyên giáo Thị ủy"))
    assert item.text in PLAN.read_text(encoding="utf-8").replace("\n\n", "\n")
    assert item.text.count("\n- ") == 2
    assert all(len(c.text) <= 1200 for c in doc.chunks)
    assert "BTG Tỉnh ủy (báo cáo)" in doc.chunks[-2].text


def test_real_plan_keypoints():
    kps = parse(PLAN).keypoints
    parts = [k.text for k in kps if k.level == 0]
    assert parts == ["MỤC ĐÍCH, YÊU CẦU", "NỘI DUNG", "TỔ CHỨC THỰC HIỆN"]
    items = [k for k in kps if k.level == 1]
    assert items[0].label == "1." and items[0].text.startswith("Nâng cao nhận thức của các cấp ủy")
    assert any(k.text == "Kiện toàn đội ngũ báo cáo viên, tuyên truyền viên" for k in items)


def test_directive_docx(sample_dir):
    doc = parse(sample_dir / "chi-thi-phong-chay.docx")
    info = doc.info
    assert (info.doc_type, info.number, info.issuer) == ("Chỉ thị", "08-CT/TU", "Thị ủy Thuận Thành")
    assert info.date_display == "15/8/2024"
    assert info.title.startswith("về tăng cường sự lãnh đạo của Đảng")
    assert (info.signer, info.signer_role) == ("Nguyễn Văn Hùng", "T/M BAN THƯỜNG VỤ, BÍ THƯ")
    sections = [c.section for c in doc.chunks]
    assert "Mở đầu" in sections  # a directive opens with paragraphs, not legal bases
    assert "2. Đẩy mạnh tuyên truyền, phổ biến kiến thức phòng cháy, chữa cháy" in sections
    subs = [k for k in doc.keypoints if k.level == 2]
    assert [k.label for k in subs] == ["a)", "b)", "c)"]


def test_guidance_pdf(sample_dir):
    doc = parse(sample_dir / "huong-dan-bao-cao-vien.pdf")
    info = doc.info
    assert (info.doc_type, info.number) == ("Hướng dẫn", "21-HD/BTGTU")
    assert info.issuer == "Ban Tuyên giáo Thị ủy"
    assert (info.signer, info.signer_role) == ("Trần Thị Lan", "K/T TRƯỞNG BAN, PHÓ TRƯỞNG BAN")
    item = next(c for c in doc.chunks if c.section == "II. NỘI DUNG › 3. Tiêu chuẩn báo cáo viên")
    # A paragraph the PDF wrapped over two lines comes back as one line.
    assert "trình độ lý luận chính trị từ trung cấp trở lên, có kinh nghiệm thực tiễn" in item.text


def test_rules_markdown(sample_dir):
    doc = parse(sample_dir / "quy-che-cung-cap-thong-tin.md")
    assert (doc.info.doc_type, doc.info.number) == ("Quy chế", "05-QC/TU")
    assert "**" not in "".join(c.text for c in doc.chunks)
    by_label = {k.label: k for k in doc.keypoints}
    assert by_label["Điều 3."].level == 1 and by_label["Điều 3."].path.startswith("Chương II.")
    numbered = [k for k in doc.keypoints if k.path.startswith("Chương II. HÌNH THỨC VÀ TRÁCH NHIỆM › Điều 3.")]
    assert [k.level for k in numbered] == [1, 2, 2, 2]  # "1." inside an article sits below it


def test_unreadable_files(tmp_path):
    (tmp_path / "broken.docx").write_bytes(b"not a zip file")
    with pytest.raises(DocumentUnreadable, match="cannot read docx"):
        read_document(tmp_path / "broken.docx")
    samples.write_pdf([], tmp_path / "scan.pdf")
    with pytest.raises(DocumentUnreadable, match=r"no text \(scanned PDF\?\)"):
        read_document(tmp_path / "scan.pdf")
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DocumentUnreadable, match="unsupported file type .doc"):
        read_document(tmp_path / "old.doc")


LINE = st.one_of(
    st.sampled_from(["KẾ HOẠCH", "I. NỘI DUNG", "II. TỔ CHỨC THỰC HIỆN", "Nơi nhận:", "T/M BAN THƯỜNG VỤ", "BÍ THƯ",
                     "Số 12-KH/TU", "Thuận Thành, ngày 5 tháng 6 năm 2024", "Điều 1. Phạm vi", "Chương I. CHUNG"]),
    st.builds(lambda m, t: f"{m} {t}", st.sampled_from(["1.", "2.", "a)", "b)", "-", "+", "1.1.", "**", "#"]),
              st.text(alphabet="abcdeđơưáàạ ,.;:", min_size=1, max_size=300)),
    st.text(alphabet="Thị ủy Ban Tuyên giáo ,.;", min_size=1, max_size=2500),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(LINE, max_size=25))
def test_any_text_parses_into_bounded_verbatim_chunks(lines):
    text = "\n".join(lines)
    doc = parse_document(text, "doc", "doc.txt")
    flat = " ".join(" ".join(line.replace("**", "").split()) for line in lines)
    for chunk in doc.chunks:
        assert len(chunk.text) <= 1200
        for piece in chunk.text.split("\n"):
            assert piece.strip("# ") in flat


# --- real documents as they are written (tests/fixtures/real-docs: 40 public 2025 documents) -------------

REAL = HERE / "fixtures" / "real-docs"


def real(stem: str):
    path = next(REAL.glob(stem + "*.txt"))
    return parse(path)


def test_every_real_document_has_its_identity():
    for path in sorted(REAL.glob("*.txt")):
        doc = parse(path)
        info = doc.info
        assert info.doc_type and info.number and info.date_display, path.name
        assert info.issuer and info.title, path.name
        assert doc.chunks and all(len(c.text) <= 1200 for c in doc.chunks), path.name
        signatures = [c for c in doc.chunks if c.kind == "signature"]
        # The signature block is the signature only: what follows it (a Quy chế, a Phụ lục) is content.
        assert len(signatures) <= 1 and all(c.text.count("\n") <= 5 for c in signatures), path.name


def test_every_real_passage_is_verbatim():
    for path in sorted(REAL.glob("*.txt")):
        source = " ".join(path.read_text(encoding="utf-8").replace("**", "").split())
        for chunk in parse(path).chunks:
            for line in chunk.text.split("\n"):
                assert " ".join(line.split()) in source, (path.name, line[:80])


@pytest.mark.parametrize("stem, doc_type, number, issuer, signer, attached", [
    ("quyet-dinh-98-", "Quyết định", "98/2025/QĐ-UBND", "Ủy ban nhân dân tỉnh Nghệ An", "Bùi Thanh An", ("Quy chế",)),
    ("quyet-dinh-1760", "Quyết định", "1760/QĐ-KTNN", "Kiểm toán nhà nước", "Ngô Văn Tuấn",
     ("Quy định", "Phụ lục 01", "Phụ lục 02", "Phụ lục 03", "Phụ lục 04", "Phụ lục 05")),
    ("quyet-dinh-2623", "Quyết định", "2623/QĐ-TTg", "Thủ tướng Chính phủ", "Phạm Minh Chính", ("Kế hoạch",)),
    ("quyet-dinh-2696", "Quyết định", "2696/QĐ-UBND", "Ủy ban nhân dân tỉnh Quảng Trị", "Hoàng Nam", ("Điều lệ",)),
    ("quyet-dinh-71-", "Quyết định", "71/2025/QĐ-UBND", "Ủy ban nhân dân thành phố Hà Nội", "Dương Đức Tuấn",
     ("Quy chế", "Mẫu số 01")),
    ("quy-dinh-383", "Quy định", "383-QĐ/TW", "Ban Chấp hành Trung ương", "Trần Cẩm Tú", ()),
    ("huong-dan-45", "Hướng dẫn", "45-HD/BTCTW", "Ban Tổ chức Trung ương", "Hoàng Đăng Quang", ()),
    ("ket-luan-07", "Kết luận", "07-KL/VPTW", "Văn phòng Trung ương Đảng", "Lê Khánh Toàn", ()),
    ("thong-bao-ket-luan-432", "Thông báo", "432-TB/VPTW", "Văn phòng Trung ương Đảng", "Lâm Thị Phương Thanh", ()),
    ("cong-van-5680", "Công văn", "5680/CT-CS", "Cục Thuế – Bộ Tài chính", "Nguyễn Thị Thanh Hằng", ()),
    ("cong-van-5095", "Công văn", "5095/SGDĐT-CTTTHSSV", "Sở Giáo dục và Đào tạo – UBND thành phố Hà Nội",
     "Nguyễn Quang Tuấn", ()),
    ("cong-dien-224", "Công điện", "224/CĐ-TTg", "Thủ tướng Chính phủ", "Phạm Minh Chính", ()),
    ("nghi-quyet-82", "Nghị quyết", "82/2025/NQ-HĐND", "Hội đồng nhân dân thành phố Hà Nội", "Phùng Thị Hồng Hà",
     ("Phụ lục",)),
])
def test_real_document_shapes(stem, doc_type, number, issuer, signer, attached):
    info = real(stem).info
    assert (info.doc_type, info.number, info.issuer, info.signer) == (doc_type, number, issuer, signer)
    assert info.attachments == attached


def test_a_decision_issues_its_rules_as_a_document_of_their_own():
    doc = real("quyet-dinh-98-")
    part = "Quy chế ban hành kèm theo Quyết định số 98/2025/QĐ-UBND"
    rules = [c for c in doc.chunks if c.part == part]
    assert len(rules) > 40 and all(c.section.startswith(part + " › ") or c.section == part for c in rules)
    deadline = next(c for c in rules if "Điều 5. Thời hạn giải quyết" in c.section)
    assert "Chương I. NHỮNG QUY ĐỊNH CHUNG" in deadline.section
    from indexer.answer import section_label
    clause = next(c for c in rules if " › Điều 6. " in c.section and c.text.startswith("2. "))
    assert section_label(clause.section, clause.part) == f"{part}, Điều 6, khoản 2"
    # The decision's own articles stay the main text; its signature is four lines.
    main = [c for c in doc.chunks if not c.part]
    assert [c.section[:7] for c in main if c.section.startswith("Điều")] == ["Điều 1.", "Điều 2.", "Điều 3."]
    assert next(c for c in main if c.kind == "signature").text.split("\n")[-1] == "Bùi Thanh An"


def test_an_official_letter_has_its_subject_and_addressees():
    doc = real("cong-van-10989")
    assert doc.info.title == "đề xuất biên chế giai đoạn 2026-2031 theo vị trí việc làm"
    kinds = {c.section: c.kind for c in doc.chunks}
    assert kinds["Kính gửi"] == "recipients" and kinds["Nơi nhận"] == "recipients"
    body = [c for c in doc.chunks if c.section == "Nội dung"]
    assert body and "trước ngày 26/11/2025" in " ".join(c.text for c in body)  # content, not "legal bases"
    note = next(c for c in doc.chunks if c.kind == "footnote")
    assert note.text.startswith("[i] Tổng số vị trí việc làm")


def test_a_party_regulation_with_dash_parts_and_a_table_appendix():
    doc = real("quy-dinh-384")
    sections = [c.section for c in doc.chunks]
    assert any(s.startswith("Chương II") and "Điều 6." in s for s in sections)
    table = [c for c in doc.chunks if c.part == "Phụ lục"]
    assert len(table) >= 2
    header = "STT\tNhóm lĩnh vực dữ liệu\tDữ liệu\tCơ quan chủ quản dữ liệu"
    # A table cut in two keeps its header row on top of the next piece.
    assert sum(c.text.startswith(header) or header in c.text.split("\n")[:3] for c in table) >= 2
    doc383 = real("quy-dinh-383")
    assert any(c.section.startswith("I- QUY ĐỊNH CHUNG › Điều 1.") for c in doc383.chunks)


def test_wired_addressees_footnotes_and_forms():
    doc = real("cong-dien-224")
    addressees = next(c for c in doc.chunks if c.section == "Kính gửi")
    assert addressees.text.startswith("THỦ TƯỚNG CHÍNH PHỦ điện:") and "Báo Nhân dân" in addressees.text
    assert len([c for c in doc.chunks if c.kind == "footnote"]) >= 1
    assert "Tuyên Quang, Cao Bằng" in " ".join(c.text for c in doc.chunks if c.kind == "footnote")
    forms = real("nghi-quyet-83")
    assert [a for a in forms.info.attachments] == ["Phụ lục I", "Phụ lục II", "Phụ lục III"]
    assert any(c.section.startswith("Phụ lục I › Mẫu số 01") for c in forms.chunks)


def test_a_text_without_type_line_under_a_party_header_gets_its_real_title():
    """A commune's .docx opening with its issuing body and the motto, then "QUY CHẾ HOẠT ĐỘNG"
    (no "QUYẾT ĐỊNH" type line): the title is the rule's, not "ĐẢNG BỘ XÃ …"."""
    text = ("ĐẢNG BỘ XÃ HOÀI THƯỢNG\nĐẢNG ỦY XÃ\n*\nĐẢNG CỘNG SẢN VIỆT NAM\n"
            "Hoài Thượng, ngày 5 tháng 9 năm 2025\nQUY CHẾ HOẠT ĐỘNG\n"
            "của Ban Chỉ đạo công tác tuyên truyền miệng\n"
            "Điều 1. Phạm vi\nQuy chế này quy định việc tuyên truyền miệng.\n"
            "Điều 2. Đối tượng\nBáo cáo viên các cấp.\n")
    info = parse_document(text, "qc", "quy-che.docx").info
    assert info.title == "QUY CHẾ HOẠT ĐỘNG của Ban Chỉ đạo công tác tuyên truyền miệng"
    assert info.issuer == "Đảng ủy xã Hoài Thượng"
    assert info.date == "ngày 5 tháng 9 năm 2025"
    sections = {c.section for c in parse_document(text, "qc", "quy-che.docx").chunks}
    assert any(s.startswith("Điều 1") for s in sections), sections
    # A heading that merely starts like a body ("HỘI NGHỊ …") is still the title.
    assert parse_document("HỘI NGHỊ BÁO CÁO VIÊN\n1. Nội dung\nBáo cáo tình hình.\n", "h",
                          "h.txt").info.title == "HỘI NGHỊ BÁO CÁO VIÊN"


def test_the_enacting_word_stays_with_the_bases():
    """"QUYẾT ĐỊNH:" closes the bases of a decision and says nothing of its own: no passage of its own."""
    doc = parse(next(REAL.glob("quyet-dinh-170-*.txt")))
    basis = next(c for c in doc.chunks if c.kind == "basis")
    assert basis.text.splitlines()[-1] == "QUYẾT ĐỊNH:"
    assert not any(c.section.endswith("Mở đầu") for c in doc.chunks)
