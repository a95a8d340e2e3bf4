"""The `loa` command line for units, invites and the database, on a real database."""
from __future__ import annotations

from bot.cli import main
from bot.db import Database
from bot.services.members import MembersService


def test_units_add_import_list_and_invite(tmp_path, monkeypatch, capsys, db_url):
    monkeypatch.setenv("LOA_DATABASE_URL", db_url)
    monkeypatch.setenv("LOA_BOT_USERNAME", "loa_thuan_thanh_bot")
    monkeypatch.chdir(tmp_path)
    assert main(["db", "upgrade"]) == 0
    assert main(["units", "add", "Chi", "bộ", "Khu", "phố", "1"]) == 0
    csv_file = tmp_path / "units.csv"
    csv_file.write_text("name,kind\nChi bộ Khu phố 2,chi_bo\nĐảng bộ xã Hà Mãn,\n"
                        "Chi bộ Khu phố 1,\n", encoding="utf-8-sig")
    assert main(["units", "import", str(csv_file)]) == 0
    out = capsys.readouterr().out
    assert "2 added, 1 already present" in out
    assert main(["units", "list"]) == 0
    listing = capsys.readouterr().out
    assert "Đảng bộ xã Hà Mãn\tdang_bo_co_so" in listing
    assert main(["invite", "khu pho 2", "--reporter"]) == 0
    out = capsys.readouterr().out
    assert "Chi bộ Khu phố 2" in out
    link = [line for line in out.splitlines() if line.startswith("Link:")][0]
    assert "https://t.me/loa_thuan_thanh_bot?start=" in link
    code = link.rsplit("=", 1)[1]
    db = Database(db_url)
    try:
        joined = MembersService(db).join(code, 42, 42, "Người Báo Cáo", None)
        assert joined.unit_name == "Chi bộ Khu phố 2" and joined.member.is_reporter
    finally:
        db.dispose()


def test_unknown_unit_is_one_clear_line(tmp_path, monkeypatch, capsys, sqlite_url):
    monkeypatch.setenv("LOA_DATABASE_URL", sqlite_url)
    monkeypatch.chdir(tmp_path)
    assert main(["invite", "Không có"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("Không tìm thấy đơn vị") and "<" not in err
