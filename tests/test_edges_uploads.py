"""Documents the board sends go under the data folder (var/uploads), never into the checkout's
knowledge/, and are indexed together with it; the shipped documents keep their ids."""
from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from indexer import KnowledgeBase
from tests.conftest import running_bot
from tests.test_knowledge_upload import guide_docx, upload


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} if folder.is_dir() \
        else {}


def test_upload_folder_is_a_setting_under_var_and_is_indexed():
    s = Settings.from_env({})
    assert s.upload_dir == Path("var/uploads")
    assert s.index_config.extra_dirs == (Path("var/uploads"),)
    s = Settings.from_env({"LOA_UPLOAD_DIR": "/srv/loa/uploads"})
    assert s.index_config.extra_dirs == (Path("/srv/loa/uploads"),)


async def test_upload_goes_to_the_upload_folder_and_is_indexed_with_knowledge(sqlite_url, own_kb,
                                                                             shared_kb):
    knowledge = own_kb.config.knowledge_dir
    shipped = _files(knowledge)
    ids_before = {d.source_file: d.doc_id for d in shared_kb.documents()}
    async with running_bot(sqlite_url, own_kb) as h:
        u = await h.member()
        summary = await upload(h, h.admin, "huong-dan-45-ngay-hoi-doc-sach.docx", guide_docx())
        assert "Đã bổ sung tài liệu" in summary.text
        uploads = h.loa.knowledge.folder
        assert uploads == own_kb.config.extra_dirs[-1] and uploads.name == "uploads"
        assert list(_files(uploads)) == ["huong-dan-45-ngay-hoi-doc-sach.docx"]
        assert _files(knowledge) == shipped          # the checkout is untouched
        answer = await u.reply("chi bo to chuc ngay hoi doc sach vao luc nao")
        assert "tuần cuối tháng 10 hằng năm" in answer.text
        # Shipped documents keep their ids (old questions' sections and digests still resolve).
        ids_after = {d.source_file: d.doc_id for d in h.loa.kb.documents()}
        assert {k: ids_after[k] for k in ids_before} == ids_before
        old = await u.reply("chi thi 30 do ai ban hanh")
        assert "Ban Bí thư Trung ương Đảng khóa XIII" in old.text
    # Another process (`loa index` in a shell) over the same folders sees both, unchanged.
    other = KnowledgeBase(own_kb.config)
    report = other.build()
    assert report.files_indexed == [] and not report.errors
    assert sorted(report.files_reused) == sorted([*shipped, "huong-dan-45-ngay-hoi-doc-sach.docx"])


async def test_upload_of_a_shipped_name_replaces_it_in_the_index_only(sqlite_url, own_kb):
    knowledge = own_kb.config.knowledge_dir
    plan = next(p for p in knowledge.iterdir() if p.suffix == ".txt")
    shipped = plan.read_bytes()
    doc_id = next(d.doc_id for d in own_kb.documents() if d.source_file == plan.name)
    text = shipped.decode("utf-8").replace("Ban Bí thư Trung ương Đảng khóa XIII",
                                           "Ban Bí thư Trung ương Đảng (bản cập nhật)")
    async with running_bot(sqlite_url, own_kb) as h:
        u = await h.member()
        summary = await upload(h, h.admin, plan.name, text.encode("utf-8"))
        assert "cập nhật (thay bản cũ cùng tên)" in summary.text
        assert plan.read_bytes() == shipped                      # the shipped file stays as is
        assert (h.loa.knowledge.folder / plan.name).read_text(encoding="utf-8") == text
        docs = [d for d in h.loa.kb.documents() if d.source_file == plan.name]
        assert [d.doc_id for d in docs] == [doc_id]              # one document, same id
        answer = await u.reply("chi thi 30 do ai ban hanh")
        assert "(bản cập nhật)" in answer.text


def test_backup_copies_the_uploads_too(tmp_path, monkeypatch, capsys, sqlite_url, shared_kb):
    from bot.cli import main
    uploads = tmp_path / "var" / "uploads"
    uploads.mkdir(parents=True)
    (uploads / "huong-dan-45.docx").write_bytes(guide_docx())
    (uploads / ".upload-123.docx").write_bytes(b"half written")
    monkeypatch.setenv("LOA_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("LOA_INDEX_DIR", str(shared_kb.config.index_dir))
    monkeypatch.setenv("LOA_UPLOAD_DIR", str(uploads))
    monkeypatch.chdir(tmp_path)
    assert main(["db", "upgrade"]) == 0
    assert main(["backup", "--out", str(tmp_path / "backups")]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("Tài liệu tải lên:"))
    copy = Path(line.split(":", 1)[1].strip())
    assert sorted(p.name for p in copy.iterdir()) == ["huong-dan-45.docx"]
    assert (copy / "huong-dan-45.docx").read_bytes() == (uploads / "huong-dan-45.docx").read_bytes()
