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
    assert "Đã thêm 2 đơn vị; 1 đơn vị đã có từ trước." in out
    assert main(["units", "list"]) == 0
    listing = capsys.readouterr().out
    assert "Đảng bộ xã Hà Mãn\tdang_bo_co_so" in listing
    assert main(["invite", "khu pho 2", "--reporter"]) == 0
    out = capsys.readouterr().out
    assert "Chi bộ Khu phố 2" in out
    link = [line for line in out.splitlines() if line.startswith("Đường link:")][0]
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


def test_units_import_prints_each_path_from_one_read_of_the_tree(tmp_path, monkeypatch, capsys,
                                                                  db_url):
    """A province's import prints every unit's full path without a query per unit and level
    (2,101 units took 13-19 s that way, the import itself 1.4 s)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    monkeypatch.setenv("LOA_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    rows = ["name,parent,kind", "Tỉnh ủy Thử,,tinh"]
    for c in range(3):
        rows.append(f"Đảng ủy xã {c},Tỉnh ủy Thử,xa_phuong")
        rows += [f"Chi bộ {j} xã {c},Đảng ủy xã {c},chi_bo" for j in range(20)]
    csv_file = tmp_path / "don-vi.csv"
    csv_file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    selects = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "units" in statement:
            selects.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        assert main(["units", "import", str(csv_file)]) == 0
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    out = capsys.readouterr().out
    assert "Đã thêm 64 đơn vị; 0 đơn vị đã có từ trước." in out
    printed = {line.split("\t")[2] for line in out.splitlines() if line.startswith("đã thêm\t")}
    assert "Tỉnh ủy Thử" in printed and "Tỉnh ủy Thử › Đảng ủy xã 2" in printed
    assert "Tỉnh ủy Thử › Đảng ủy xã 1 › Chi bộ 19 xã 1" in printed and len(printed) == 64
    # One read of the tree for the import and one for the paths (a few more for the
    # migration check), not one per printed unit.
    assert len(selects) < 10, len(selects)
