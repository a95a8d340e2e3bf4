"""The board sends a file: it is checked, saved, indexed, and answered from at once; bad files change nothing."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.services.knowledge import safe_name
from bot.texts import qa as T
from tests.conftest import running_bot

FIXTURES = Path(__file__).parent / "fixtures" / "knowledge"

GUIDE_LINES = [
    "THỊ ỦY THUẬN THÀNH",
    "BAN TUYÊN GIÁO",
    "Số 45-HD/BTGTU",
    "Thuận Thành, ngày 10 tháng 9 năm 2024",
    "HƯỚNG DẪN",
    "Tổ chức Ngày hội đọc sách trong các chi bộ",
    "I. MỤC ĐÍCH, YÊU CẦU",
    "1. Khơi dậy phong trào đọc sách, nâng cao hiểu biết của đảng viên về lịch sử địa phương.",
    "II. NỘI DUNG",
    "1. Mỗi chi bộ tổ chức Ngày hội đọc sách vào tuần cuối tháng 10 hằng năm.",
    "2. Kinh phí tổ chức Ngày hội đọc sách do chi bộ tự cân đối từ nguồn đảng phí được để lại.",
    "III. TỔ CHỨC THỰC HIỆN",
    "1. Các chi bộ báo cáo kết quả về Ban Tuyên giáo Thị ủy trước ngày 15 tháng 11.",
]


def guide_docx() -> bytes:
    import docx
    document = docx.Document()
    for line in GUIDE_LINES:
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def blank_pdf() -> bytes:
    from pypdf import PdfWriter
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)  # what a scan without OCR looks like to a reader
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def folder_state(h) -> dict[str, bytes]:
    """Every file of the shipped knowledge folder and of the upload folder, as folder/name."""
    cfg = h.loa.kb.config
    return {f"{root.name}/{p.name}": p.read_bytes()
            for root in (cfg.knowledge_dir, *cfg.extra_dirs) if root.is_dir()
            for p in root.iterdir() if p.is_file()}


@pytest.fixture
async def board(sqlite_url, own_kb):
    """The bot over a writable copy of the knowledge folder and its index."""
    async with running_bot(sqlite_url, own_kb) as h:
        yield h


async def upload(h, user, name, content):
    """Send a file and wait for the bot's final word on it (summary or refusal)."""
    mark = await user.send_document(name, content)
    return await h.tg.wait_for(
        lambda c: c.chat_id == user.id and c.method == "sendMessage"
        and not c.text.startswith("⏳"), mark, timeout=120)


async def test_admin_uploads_docx_and_the_bot_answers_from_it(board):
    h = board
    u = await h.member()
    docs_before = len(h.loa.kb.documents())
    summary = await upload(h, h.admin, "huong-dan-45-ngay-hoi-doc-sach.docx", guide_docx())
    assert "Đã bổ sung tài liệu" in summary.text
    assert "Hướng dẫn số 45-HD/BTGTU" in summary.text
    assert "Tổ chức Ngày hội đọc sách trong các chi bộ" in summary.text
    assert "Số đoạn đã lập chỉ mục: <b>" in summary.text
    assert (h.loa.knowledge.folder / "huong-dan-45-ngay-hoi-doc-sach.docx").is_file()
    assert not (h.loa.kb.config.knowledge_dir / "huong-dan-45-ngay-hoi-doc-sach.docx").exists()
    assert len(h.loa.kb.documents()) == docs_before + 1
    # No restart: the running bot quotes the new document right away.
    answer = await u.reply("chi bo to chuc ngay hoi doc sach vao luc nao")
    assert "tuần cuối tháng 10 hằng năm" in answer.text
    assert "📄 Hướng dẫn số 45-HD/BTGTU" in answer.text


async def test_markdown_upload_then_same_name_replaces_it(board):
    h = board
    u = await h.member()
    md = (FIXTURES / "quy-che-cung-cap-thong-tin.md").read_text(encoding="utf-8")
    summary = await upload(h, h.admin, "quy-che-cung-cap-thong-tin.md", md.encode())
    assert "Đã bổ sung tài liệu" in summary.text and "05-QC/TU" in summary.text
    count = len(h.loa.kb.documents())
    answer = await u.reply("thong tin ve vu viec nhay cam duoc cung cap khi nao")
    assert "sau khi có ý kiến của Thường trực Thị ủy" in answer.text

    changed = md.replace("sau khi có ý kiến của Thường trực Thị ủy",
                         "sau khi có ý kiến bằng văn bản của Ban Thường vụ Thị ủy")
    summary = await upload(h, h.admin, "quy-che-cung-cap-thong-tin.md", changed.encode())
    assert T.UPLOAD_ACTION_REPLACED in summary.text
    assert len(h.loa.kb.documents()) == count
    names = [n for n in folder_state(h) if "quy-che" in n]
    assert names == ["uploads/quy-che-cung-cap-thong-tin.md"]
    answer = await u.reply("thông tin về vụ việc nhạy cảm được cung cấp khi nào?")
    assert "ý kiến bằng văn bản của Ban Thường vụ Thị ủy" in answer.text
    assert "ý kiến của Thường trực Thị ủy" not in answer.text


async def test_member_file_is_refused(board):
    h = board
    u = await h.member()
    before = folder_state(h)
    mark = await u.send_document("tai-lieu.docx", guide_docx())
    reply = await u.next_reply(mark)
    assert "Chỉ Ban Tuyên giáo được bổ sung tài liệu" in reply.text
    assert folder_state(h) == before
    assert h.tg.sent(method="getFile", since=mark) == []


async def test_wrong_types_are_refused_naming_the_allowed_ones(board):
    h = board
    before = folder_state(h)
    for name in ("cai-dat.exe", "anh-chup.jpg", "van-ban.doc"):
        mark = await h.admin.send_document(name, b"MZ\x90\x00 not a document")
        reply = await h.admin.next_reply(mark)
        assert f"Không nhận tệp «{name}»" in reply.text
        assert ".docx, .pdf, .txt, .md" in reply.text
        assert h.tg.sent(method="getFile", since=mark) == []
    assert folder_state(h) == before


async def test_oversized_file_is_refused(sqlite_url, own_kb):
    async with running_bot(sqlite_url, own_kb, max_upload_mb=1) as h:
        before = folder_state(h)
        mark = await h.admin.send_document("rat-dai.txt", b"a" * (1024 * 1024 + 10))
        reply = await h.admin.next_reply(mark)
        assert "vượt giới hạn 1 MB" in reply.text
        assert h.tg.sent(method="getFile", since=mark) == []
        assert folder_state(h) == before


async def test_unreadable_files_are_reported_and_the_index_keeps_serving(board):
    h = board
    u = await h.member()
    before = folder_state(h)
    build_id = h.loa.kb.stats().build_id
    cases = [
        ("hong.docx", b"PK\x03\x04 this is not really a docx", "bị hỏng"),
        ("ban-scan.pdf", blank_pdf(), "không có chữ"),
        ("trong.txt", b"   \n\n ", "không có chữ"),
        ("latin1.txt", "Kế hoạch số 7".encode("cp1258", errors="replace") + b"\xff\xfe\xfa", "UTF-8"),
    ]
    for name, content, reason in cases:
        reply = await upload(h, h.admin, name, content)
        assert f"Không đọc được tệp «{name}»" in reply.text, reply.text
        assert reason in reply.text, reply.text
        assert "vẫn giữ nguyên" in reply.text
    # Nothing was added (no leftovers either) and the same index still answers.
    assert folder_state(h) == before
    assert h.loa.kb.stats().build_id == build_id
    answer = await u.reply("chi thi 30 do ai ban hanh")
    assert "Ban Bí thư Trung ương Đảng khóa XIII" in answer.text


@pytest.mark.parametrize("raw,expected", [
    ("../../etc/passwd.md", "passwd.md"),
    ("C:\\Users\\btg\\Kế hoạch 45.DOCX", "Kế hoạch 45.docx"),
    (".an.md", "an.md"),
    ("~$tam.docx", "tam.docx"),
    ("<b>x</b>;rm -rf.txt", "b_rm -rf.txt"),
])
def test_file_names_are_sanitised(raw, expected):
    assert safe_name(raw) == expected


async def test_index_rebuilt_by_another_process_is_picked_up(board):
    """`loa index` run in a shell swaps the index folder; the running bot answers from it."""
    import asyncio

    from indexer import KnowledgeBase
    h = board
    u = await h.member()
    md = (FIXTURES / "quy-che-cung-cap-thong-tin.md").read_bytes()
    (h.loa.kb.config.knowledge_dir / "quy-che-cung-cap-thong-tin.md").write_bytes(md)
    other = KnowledgeBase(h.loa.kb.config)  # another process's view of the same folders
    await asyncio.to_thread(other.build)
    answer = await u.reply("thong tin ve vu viec nhay cam duoc cung cap khi nao")
    assert "sau khi có ý kiến của Thường trực Thị ủy" in answer.text
    assert "📄 Quy chế số 05-QC/TU" in answer.text


async def test_full_section_of_a_replaced_document_is_not_mixed_up(board):
    h = board
    u = await h.member()
    answer = await u.reply("nhiệm vụ của Trung tâm Văn hóa, Thể thao và Truyền thông thị xã")
    assert "4. Trung tâm Văn hóa" in answer.text
    plan = next(p for p in h.loa.kb.config.knowledge_dir.iterdir() if p.suffix == ".txt")
    text = plan.read_text(encoding="utf-8")
    head, tail = text.split("4. Trung tâm Văn hóa, Thể thao và Truyền thông thị xã", 1)
    shorter = "2. Các tổ chức đảng\n\n- Quán triệt kế hoạch này.\n\n" + head + "Nơi nhận:" + \
        tail.split("Nơi nhận:", 1)[1]
    summary = await upload(h, h.admin, plan.name, shorter.encode())
    assert T.UPLOAD_ACTION_REPLACED in summary.text
    mark = await u.press(answer, T.BTN_SECTION)
    ack = h.tg.sent(method="answerCallbackQuery", since=mark)[0]
    assert ack.params.get("text") == T.SECTION_GONE
    assert h.tg.sent(u.id, "sendMessage", since=mark) == []


def test_interrupted_upload_is_tidied_up_at_start(own_kb):
    from bot.config import Settings
    from bot.services.knowledge import KnowledgeService
    folder = own_kb.config.extra_dirs[-1]
    folder.mkdir(parents=True, exist_ok=True)
    # Died after the new version was in place: the hidden backup goes.
    (folder / "huong-dan.md").write_text("# Bản mới\n", encoding="utf-8")
    (folder / ".huong-dan.md.bak-1a2b3c4d").write_text("# Bản cũ\n", encoding="utf-8")
    # Died between moving the old version aside and putting the new one in: it comes back.
    (folder / ".quy-che.md.bak-5e6f7a8b").write_text("# Quy chế\n", encoding="utf-8")
    svc = KnowledgeService(own_kb, None, Settings())
    assert sorted(svc.recover()) == ["huong-dan.md", "quy-che.md"]
    assert (folder / "huong-dan.md").read_text(encoding="utf-8") == "# Bản mới\n"
    assert (folder / "quy-che.md").read_text(encoding="utf-8") == "# Quy chế\n"
    assert not list(folder.glob(".*.bak-*"))


async def test_an_upload_killed_mid_index_is_finished_at_start_and_its_board_told(
        sqlite_url, own_kb):
    """kill -9 during an upload's re-index left the new file and its marker, not the index: the
    next start indexes it (it answers at once) and tells the board member who sent it."""
    import json
    from bot.db import Database
    from bot.services.members import MembersService
    from tests.conftest import ADMIN_ID, make_settings, start_harness, stop_harness
    db = Database(sqlite_url)
    db.upgrade()
    admin = MembersService(db, frozenset({ADMIN_ID})).ensure_admin(ADMIN_ID, ADMIN_ID, "Ban")
    db.dispose()
    folder = own_kb.config.extra_dirs[-1]
    folder.mkdir(parents=True, exist_ok=True)
    text = ("# Thông báo lịch tiếp dân\n\n1. Lịch tiếp dân\n\nTrưởng ban tiếp dân vào sáng thứ "
            "Năm hằng tuần tại phòng tiếp công dân của Ủy ban.\n")
    (folder / "lich-tiep-dan.md").write_text(text, encoding="utf-8")
    (folder / ".pending-0123abcd.json").write_text(
        json.dumps({"name": "lich-tiep-dan.md", "member_id": admin.id}), encoding="utf-8")
    assert not [d for d in own_kb.documents() if d.source_file == "lich-tiep-dan.md"]
    h = await start_harness(make_settings(sqlite_url, own_kb), own_kb)
    try:
        told = await h.tg.wait_for(lambda c: c.chat_id == ADMIN_ID
                                   and "lich-tiep-dan.md" in (c.text or ""), 0, timeout=60)
        assert "đã được đưa vào kho" in told.text
        assert [d for d in h.loa.kb.documents() if d.source_file == "lich-tiep-dan.md"]
        assert not list(folder.glob(".pending-*"))
    finally:
        await stop_harness(h)
