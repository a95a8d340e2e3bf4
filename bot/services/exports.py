"""Report exports: an .xlsx workbook (openpyxl) and a UTF-8-with-BOM .csv, both as bytes."""
from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from bot.text import fmt_date, fmt_datetime
from bot.texts import reports as T

# Text that a spreadsheet would run as a formula (CSV/formula injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# openpyxl refuses these characters in cells.
_ILLEGAL = {c: None for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)}


def _safe(text: str | None, guard: bool = True) -> str:
    text = (text or "").translate(_ILLEGAL)
    return "'" + text if guard and text.startswith(_FORMULA_START) else text


def rows(reports, tz: ZoneInfo, guard: bool = True) -> list[list]:
    """One row per report, in the column order of T.COLUMNS (dates left as `date`).

    `guard` prefixes text a spreadsheet would take for a formula with an apostrophe (CSV);
    the workbook marks such cells as plain strings instead and keeps the text as typed.
    """
    out = []
    for i, r in enumerate(reports, 1):
        g = guard
        out.append([i, _safe(r.unit_name, g), _safe(r.reporter_name, g), r.activity_date,
                    _safe(r.form, g), _safe(r.content, g), r.participants, _safe(r.note, g),
                    len(r.photos),
                    fmt_datetime(r.created_at, tz), fmt_datetime(r.updated_at, tz),
                    _safe(r.unit_path or r.unit_name, g)])
    return out


def to_csv(reports, tz: ZoneInfo) -> bytes:
    """CSV with a BOM so Excel opens Vietnamese text correctly."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(T.COLUMNS)
    for row in rows(reports, tz):
        row[3] = fmt_date(row[3])
        w.writerow(row)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


WIDTHS = (6, 28, 22, 12, 26, 60, 10, 30, 8, 17, 17, 50)


def to_xlsx(reports, tz: ZoneInfo, title: str = "") -> bytes:
    """A workbook with a bold, frozen header row, sized columns and real date cells."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = T.SHEET_TITLE
    ws.append(list(T.COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row in rows(reports, tz, guard=False):
        ws.append(row)
        r = ws.max_row
        ws.cell(r, 4).number_format = "DD/MM/YYYY"
        for col in (2, 3, 5, 6, 8, 12):
            cell = ws.cell(r, col)
            cell.data_type = "s"  # never a formula, whatever the text starts with
            cell.alignment = Alignment(wrap_text=col in (6, 8), vertical="top")
    for i, width in enumerate(WIDTHS, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    if title:
        wb.properties.title = title
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def reflections_xlsx(items, tz: ZoneInfo) -> bytes:
    """The board's phản ánh as a workbook (boards only: the desk's export): number, time, kind,
    status, unit, who (blank when anonymous), words, link, the board's answer."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from bot.texts import reflections as TF
    wb = Workbook()
    ws = wb.active
    ws.title = TF.SHEET_TITLE
    ws.append(list(TF.SHEET_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in items:
        ws.append([r.id, r.created_at.astimezone(tz).replace(tzinfo=None), TF.KINDS[r.kind],
                   TF.STATUS[r.status], r.unit, r.reporter, r.text, r.link or "", r.answer or ""])
        row = ws.max_row
        ws.cell(row, 2).number_format = "DD/MM/YYYY HH:MM"
        for col in range(3, 10):
            ws.cell(row, col).data_type = "s"   # never a formula, whatever a member typed
            ws.cell(row, col).alignment = Alignment(wrap_text=col in (7, 9), vertical="top")
    for letter, width in zip("ABCDEFGHI", (8, 17, 14, 16, 24, 22, 60, 30, 50)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def quiz_xlsx(results, rows, tz: ZoneInfo) -> bytes:
    """A quiz's results as a workbook: one sheet per unit under the board (took part, expected,
    average, the most missed questions below), one row per member (attempts, best score, when)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from bot.texts import quizzes as TQZ
    wb = Workbook()
    ws = wb.active
    ws.title = TQZ.SHEET_UNITS
    ws.append(list(TQZ.SHEET_UNIT_COLUMNS))
    for u in results.units:
        ws.append([u.unit, u.took, u.expected, round(u.average, 2)])
    ws.append([TQZ.SHEET_TOTAL, results.took, results.expected, round(results.average, 2)])
    ws.append([])
    ws.append([TQZ.SHEET_MISSED])
    for m in results.missed:
        ws.append([f"{m.number}. {m.text}", m.wrong, m.answered])
    people = wb.create_sheet(TQZ.SHEET_MEMBERS)
    people.append(list(TQZ.SHEET_MEMBER_COLUMNS))
    for r in rows:
        people.append([r.unit, r.name, r.attempts, r.best if r.best is not None else "",
                       r.finished_at.astimezone(tz).replace(tzinfo=None) if r.finished_at else ""])
        if r.finished_at:
            people.cell(people.max_row, 5).number_format = "DD/MM/YYYY HH:MM"
        for col in (1, 2):
            people.cell(people.max_row, col).data_type = "s"   # never a formula, whatever a name holds
    for sheet in (ws, people):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDE", (40, 28, 12, 12, 18)):
        people.column_dimensions[letter].width = width
    ws.column_dimensions["A"].width = 50
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
