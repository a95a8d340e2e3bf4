"""`loa reports export|summary|draft`: the board's report files and totals from the command line."""
from __future__ import annotations

import sys
from pathlib import Path

from bot.texts import cli as T


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
    print(T.EXPORTED.format(count=len(items), period=period.key, out=out))
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
    w(T.SUMMARY_PERIOD.format(period=period.key, start=period.start.isoformat(),
                              end=period.end.isoformat()) + "\n")
    if s.unit:
        w(T.SUMMARY_UNIT.format(path=s.unit.path) + "\n")
    w(T.SUMMARY_HEADER + "\n")
    for u in s.units:
        forms = "; ".join(f"{f}={t.count}" for f, t in u.by_form.items())
        w(f"{u.name}\t{u.count}\t{u.participants}\t{forms}\n")
    w(T.SUMMARY_TOTAL.format(count=s.count, participants=s.participants,
                             reported=s.units_reported, silent=len(s.silent)) + "\n")
    for u in s.silent:
        w(T.SUMMARY_SILENT.format(path=u.path) + "\n")
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
    who = f.issuer.path if f.issuer else T.WHOLE_TREE
    print(T.DRAFTED.format(period=period.key, who=who, count=f.summary.count,
                           participants=f.summary.participants, out=out))
    return 0


def register(sub) -> None:
    p = sub.add_parser("reports", help="báo cáo hoạt động: xuất tệp, tổng hợp, dự thảo")
    rp = p.add_subparsers(dest="reports_cmd", required=True)
    ex = rp.add_parser("export", help="xuất báo cáo của một kỳ ra .xlsx hoặc .csv")
    ex.add_argument("--period", default="", help="2024-06, 06/2024, Q2/2024 hoặc 2024 "
                                                 "(mặc định: tháng này)")
    ex.add_argument("--unit", default="", help="chỉ đơn vị này và các đơn vị trực thuộc")
    ex.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    ex.add_argument("--out", required=True, help="tệp ghi ra")
    ex.set_defaults(func=cmd_export)
    sm = rp.add_parser("summary", help="số hoạt động và lượt người theo đơn vị")
    sm.add_argument("--period", default="")
    sm.add_argument("--unit", default="", help="mỗi đơn vị trực thuộc đơn vị này một dòng")
    sm.set_defaults(func=cmd_summary)
    dr = rp.add_parser("draft", help="dự thảo báo cáo định kỳ (.docx) của một đơn vị")
    dr.add_argument("--period", required=True,
                    help="Q4/2026, '6 tháng đầu năm 2026', 2026, 06/2026 ...")
    dr.add_argument("--unit", default="", help="đơn vị của Ban (mặc định: cấp cao nhất)")
    dr.add_argument("--out", required=True, help="tệp .docx ghi ra")
    dr.set_defaults(func=cmd_draft)
