"""`loa reports export|summary|draft`: the board's report files and totals from the command line."""
from __future__ import annotations

import sys
from pathlib import Path


def _service(settings):
    from bot.cli import _database
    from bot.services.members import MembersService
    from bot.services.reports import ReportsService
    db = _database(settings)
    return ReportsService(db, settings, MembersService(db, settings.admin_ids, top_board=settings.board_name)), db


def _write(path: str, data: bytes) -> Path:
    """Write through a .part file and rename, so a reader never sees half a file."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out


def cmd_export(args) -> int:
    from bot.services import exports
    reports, db = _service(args.settings)
    try:
        period = reports.period(args.period)
        unit = reports.find_unit(None, args.unit) if args.unit else None
        items = reports.reports(period, unit_id=unit.unit_id if unit else None)
        tz = reports.settings.tz
        data = (exports.to_xlsx(items, tz, period.label) if args.format == "xlsx"
                else exports.to_csv(items, tz))
    finally:
        db.dispose()
    out = _write(args.out, data)
    print(f"{len(items)} reports ({period.key}) -> {out}")
    return 0


def cmd_summary(args) -> int:
    reports, db = _service(args.settings)
    try:
        period = reports.period(args.period)
        unit = reports.find_unit(None, args.unit) if args.unit else None
        s = reports.summary(period, None, unit.unit_id if unit else None)
    finally:
        db.dispose()
    w = sys.stdout.write
    w(f"Period {period.key}: {period.start.isoformat()} .. {period.end.isoformat()}\n")
    if s.unit:
        w(f"Unit: {s.unit.path}\n")
    w("unit\tactivities\tparticipants\tforms\n")
    for u in s.units:
        forms = "; ".join(f"{f}={t.count}" for f, t in u.by_form.items())
        w(f"{u.name}\t{u.count}\t{u.participants}\t{forms}\n")
    w(f"TOTAL\t{s.count}\t{s.participants}\t{s.units_reported} units reported, "
      f"{len(s.silent)} without a report\n")
    for u in s.silent:
        w(f"no report: {u.path}\n")
    return 0


def cmd_draft(args) -> int:
    from bot.services.periodic import PeriodicService, to_docx
    reports, db = _service(args.settings)
    try:
        period = reports.period(args.period)
        unit = reports.find_unit(None, args.unit) if args.unit else None
        f = PeriodicService(reports).figures(period, None, unit.unit_id if unit else None)
        data = to_docx(f, reports.today(), args.settings.report_signer)
    finally:
        db.dispose()
    out = _write(args.out, data)
    who = f.issuer.path if f.issuer else "whole tree"
    print(f"draft {period.key} ({who}): {f.summary.count} activities, "
          f"{f.summary.participants} participants -> {out}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("reports", help="activity reports: export and summary")
    rp = p.add_subparsers(dest="reports_cmd", required=True)
    ex = rp.add_parser("export", help="export a period's reports as .xlsx or .csv")
    ex.add_argument("--period", default="", help="2024-06, 06/2024, Q2/2024 or 2024 "
                                                 "(default: this month)")
    ex.add_argument("--unit", default="", help="only this unit and the units under it")
    ex.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    ex.add_argument("--out", required=True, help="file to write")
    ex.set_defaults(func=cmd_export)
    sm = rp.add_parser("summary", help="activities and participants per unit")
    sm.add_argument("--period", default="")
    sm.add_argument("--unit", default="", help="one line per unit directly under this one")
    sm.set_defaults(func=cmd_summary)
    dr = rp.add_parser("draft", help="the draft of the periodic report (.docx) for a unit")
    dr.add_argument("--period", required=True,
                    help="Q4/2026, '6 tháng đầu năm 2026', 2026, 06/2026 ...")
    dr.add_argument("--unit", default="", help="the board's unit (default: the top level)")
    dr.add_argument("--out", required=True, help=".docx file to write")
    dr.set_defaults(func=cmd_draft)
