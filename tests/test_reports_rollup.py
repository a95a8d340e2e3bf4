"""Reports roll up the unit tree: each board sees its subtree grouped by the next level down."""
from __future__ import annotations

from datetime import date

import pytest

from bot.config import Settings
from bot.errors import NotAllowed, NotFound
from bot.services.members import MembersService
from bot.services.reports import ReportsService, month_period, parse_period
from tests.conftest import ADMIN_ID
from tests.rollup_tree import BOARD_A, BOARD_B, ROOT, make_tree

DAY = date(2026, 6, 10)
JUNE = month_period(2026, 6)


def _service(db) -> ReportsService:
    members = MembersService(db, frozenset({ADMIN_ID}))
    return ReportsService(db, Settings(admin_ids=frozenset({ADMIN_ID})), members)


def test_province_sees_one_row_per_commune_rolled_up(db):
    ids = make_tree(db, DAY)
    svc = _service(db)
    s = svc.summary(JUNE, svc.members.scope(ADMIN_ID))
    assert s.scope is None and s.unit.name == ROOT     # one root: its communes are the rows
    rows = {r.name: r for r in s.units}
    assert list(rows) == ["Xã An Bình", "Xã Bình Minh"]
    a, b = rows["Xã An Bình"], rows["Xã Bình Minh"]
    assert (a.count, a.participants, a.units_in_subtree, a.units_reported) == (2, 30, 2, 1)
    assert (b.count, b.participants, b.units_in_subtree, b.units_reported) == (2, 12, 3, 2)
    assert a.path == f"{ROOT} › Xã An Bình" and a.unit_id == ids["Xã An Bình"]
    assert {f: t.count for f, t in a.by_form.items()} == {"Hội nghị": 1, "Mạng xã hội": 1}
    assert (s.count, s.participants, s.units_total, s.units_reported) == (4, 42, 5, 3)
    assert s.by_form["Hội nghị"].count == 2 and s.by_form["Hội nghị"].participants == 15
    assert s.by_form["Sinh hoạt chi bộ"].count == 0         # every configured form is listed
    assert [u.path for u in s.silent] == [f"{ROOT} › Xã An Bình › Chi bộ An Bình 2",
                                          f"{ROOT} › Xã Bình Minh › Chi bộ Bình Minh 2"]
    # Rows always add up to the totals.
    assert sum(r.count for r in s.units) == s.count
    assert sum(r.units_in_subtree for r in s.units) == s.units_total
    # The command line (no scope) sees the same as the top-level board; another month is empty.
    assert svc.summary(JUNE).count == 4
    assert svc.summary(month_period(2026, 5)).count == 0


def test_commune_sees_only_its_subtree_and_its_own_reports(db):
    ids = make_tree(db, DAY)
    svc = _service(db)
    scope = svc.members.scope(BOARD_B)
    s = svc.summary(JUNE, scope)
    assert s.scope.name == "Xã Bình Minh" and s.unit.name == "Xã Bình Minh"
    assert [(r.name, r.own, r.count, r.participants, r.units_in_subtree, r.units_reported)
            for r in s.units] == [("Xã Bình Minh", True, 1, 7, 1, 1),
                                  ("Chi bộ Bình Minh 1", False, 1, 5, 1, 1),
                                  ("Chi bộ Bình Minh 2", False, 0, 0, 1, 0)]
    assert (s.count, s.participants, s.units_total, s.units_reported) == (2, 12, 3, 2)
    assert [u.name for u in s.silent] == ["Chi bộ Bình Minh 2"]
    # A Telegram id is turned into its scope, read fresh.
    assert svc.summary(JUNE, BOARD_B).count == 2
    # Drill down inside the scope; outside it is refused.
    d = svc.summary(JUNE, scope, ids["Chi bộ Bình Minh 1"])
    assert [(r.name, r.count) for r in d.units] == [("Tổ Bình Minh 1a", 1)]
    with pytest.raises(NotAllowed):
        svc.summary(JUNE, scope, ids["Chi bộ An Bình 1"])
    with pytest.raises(NotAllowed):
        svc.summary(JUNE, scope, ids[ROOT])
    with pytest.raises(NotFound):
        svc.summary(JUNE, scope, 987654)
    # The province drills into a commune and sees what the commune sees.
    top = svc.summary(JUNE, svc.members.scope(ADMIN_ID), ids["Xã Bình Minh"])
    assert [(r.name, r.count) for r in top.units] == [(r.name, r.count) for r in s.units]


def test_exports_rows_carry_paths_and_stay_in_scope(db):
    make_tree(db, DAY)
    svc = _service(db)
    rows = svc.reports(JUNE, scope=svc.members.scope(BOARD_A))
    assert [r.unit_path for r in rows] == [f"{ROOT} › Xã An Bình › Chi bộ An Bình 1"] * 2
    everything = svc.reports(JUNE, ADMIN_ID)
    assert len(everything) == 4
    assert f"{ROOT} › Xã Bình Minh › Chi bộ Bình Minh 1 › Tổ Bình Minh 1a" in {
        r.unit_path for r in everything}


def test_unit_names_and_periods_in_one_argument(db):
    ids = make_tree(db, DAY)
    svc = _service(db)
    b = svc.members.scope(BOARD_B)
    unit, period = svc.view(b, "Chi bộ Bình Minh 1 Q2/2026")
    assert unit.unit_id == ids["Chi bộ Bình Minh 1"] and period.key == "2026-Q2"
    unit, period = svc.view(b, "chi bo binh minh 2")
    assert unit.name == "Chi bộ Bình Minh 2" and period.kind == "month"
    assert svc.view(b, "06/2026") == (None, JUNE)
    assert svc.view(b, "1a 6 tháng đầu năm 2026")[0].name == "Tổ Bình Minh 1a"
    with pytest.raises(NotAllowed) as e:
        svc.view(b, "Chi bộ An Bình 1 06/2026")
    assert "không thuộc phạm vi" in e.value.plain()
    with pytest.raises(NotFound):
        svc.view(b, "An Bình")            # a partial name is matched only inside the scope


def test_half_year_periods():
    today = date(2026, 11, 30)
    h1 = parse_period("6 tháng đầu năm 2026", today)
    assert (h1.kind, h1.start, h1.end, h1.key) == ("half", date(2026, 1, 1), date(2026, 6, 30),
                                                   "2026-H1")
    h2 = parse_period("6 thang cuoi nam 2026", today)
    assert (h2.start, h2.end) == (date(2026, 7, 1), date(2026, 12, 31))
    assert parse_period("H2/2026", today) == h2
    assert h1.label == "6 tháng đầu năm 2026"
    assert parse_period("quý 4/2026", today).key == "2026-Q4"
    assert parse_period("Q4/2026", today).end == date(2026, 12, 31)
    # Every period's key (used in file names and links) reads back as the same period.
    for text in ("11/2026", "Q4/2026", "6 tháng đầu năm 2026", "H2/2026", "2026"):
        p = parse_period(text, today)
        assert parse_period(p.key, today) == p, p.key


def test_cli_summary_and_export_of_a_unit(db, tmp_path, monkeypatch, capsys):
    from openpyxl import load_workbook

    from bot.cli import main
    make_tree(db, DAY)
    monkeypatch.setenv("LOA_DATABASE_URL", db.url)
    assert main(["reports", "summary", "--period", "06/2026"]) == 0
    out = capsys.readouterr().out
    assert f"Đơn vị: {ROOT}" in out and "Xã An Bình\t2\t30" in out and "Xã Bình Minh\t2\t12" in out
    assert f"chưa báo cáo: {ROOT} › Xã An Bình › Chi bộ An Bình 2" in out
    assert main(["reports", "summary", "--period", "06/2026", "--unit", "Xã An Bình"]) == 0
    out = capsys.readouterr().out
    assert "Chi bộ An Bình 1\t2\t30" in out and "Bình Minh" not in out
    xlsx = tmp_path / "a.xlsx"
    assert main(["reports", "export", "--period", "06/2026", "--unit", "Xã An Bình",
                 "--out", str(xlsx)]) == 0
    ws = load_workbook(xlsx).active
    assert ws.cell(1, 12).value == "Đơn vị theo cấp" and ws.max_row == 3
    assert ws.cell(2, 12).value == f"{ROOT} › Xã An Bình › Chi bộ An Bình 1"
    assert main(["reports", "summary", "--period", "06/2026", "--unit", "Xã Không Có"]) != 0


@pytest.mark.parametrize("text,key", [
    ("tháng 11", "2026-11"), ("thang 11", "2026-11"), ("t11", "2026-11"), ("tháng 12", "2026-12"),
    ("tháng này", "2026-12"), ("tháng trước", "2026-11"), ("quý 4", "2026-Q4"), ("q3", "2026-Q3"),
    ("quý này", "2026-Q4"), ("quý trước", "2026-Q3"), ("năm nay", "2026"), ("năm ngoái", "2025"),
    ("6 tháng đầu năm", "2026-H1"), ("6 thang cuoi nam", "2026-H2")])
def test_periods_as_people_type_them(text, key):
    assert parse_period(text, date(2026, 12, 7)).key == key


def test_a_month_or_quarter_still_ahead_means_last_years():
    jan = date(2027, 1, 15)
    assert parse_period("tháng 12", jan).key == "2026-12"
    assert parse_period("quý 4", jan).key == "2026-Q4"
    assert parse_period("tháng trước", jan).key == "2026-12"
    assert parse_period("quý trước", jan).key == "2026-Q4"
    assert parse_period("tháng 1", jan).key == "2027-01"
