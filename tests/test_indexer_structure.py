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
