"""The board's side of reports: summaries, xlsx/csv exports, the chart, reminders and the CLI."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.db.models import Member, Reminder
from bot.jobs import send_reminders
from bot.services.reports import ParsedReport, month_period
from tests.conftest import ADMIN_ID

A, B, C = "Chi bộ Khu phố 1", "Chi bộ Khu phố 2", "Đoàn Thanh niên phường"


async def setup_units(h):
    """Unit A reported twice this month, B has a reporter but no report, C has no reporter."""
    a = await h.member(A, "Nguyễn Văn An", reporter=True)
    b = await h.member(B, "Trần Thị Bình", reporter=True)
    h.loa.members.add_unit(C)
    svc = h.loa.reports
    t = svc.today()
    d = t.replace(day=1) if t.day > 1 else t
    saved = []
    for form, content, n, note in (
            ("Hội nghị", "Quán triệt Chỉ thị 30-CT/TW về đổi mới công tác tuyên truyền miệng", 45,
             "tại nhà văn hóa – khu phố 1"),
            ("Mạng xã hội", "=HYPERLINK(\"http://x\") chia sẻ bài viết “Đảng ủy” về chuyển đổi số",
             120, None)):
        draft = svc.create_draft(a.id, ParsedReport(d, form, content, n, note))
        saved.append(svc.confirm(a.id, draft.id).report)
    return a, b, saved


async def test_summary_per_unit_with_missing_units(bot_sqlite):
    h = bot_sqlite
    await setup_units(h)
    reply = await h.admin.reply("/tonghop")
    text = reply.text
    assert "Tổng hợp báo cáo tháng" in text
    assert f"<b>{A}</b>: 2 hoạt động, 165 lượt người" in text
    assert "Hội nghị: 1 (45 người)" in text and "Mạng xã hội: 1 (120 người)" in text
    assert "<b>Tổng cộng</b>: 2 hoạt động, 165 lượt người, 1 đơn vị có báo cáo." in text
    assert "<b>Chưa báo cáo</b> (2)" in text and B in text and C in text
    # The same month named explicitly, its quarter and its year agree on the totals.
    p = month_period(h.loa.reports.today().year, h.loa.reports.today().month)
    q = (p.number - 1) // 3 + 1
    for arg in (f"{p.number:02d}/{p.year}", f"Q{q}/{p.year}", f"quý {q}/{p.year}", str(p.year)):
        assert "2 hoạt động, 165 lượt người" in (await h.admin.reply(f"/tonghop {arg}")).text, arg
    last_year = await h.admin.reply(f"/tonghop {p.year - 1}")
    assert "Chưa có báo cáo nào" in last_year.text
    bad = await h.admin.reply("/tonghop tháng mười")
    assert "<b>Kỳ</b>" in bad.text and "Q2/2024" in bad.text


async def test_board_commands_are_admin_only(bot_sqlite):
    h = bot_sqlite
    a, _, _ = await setup_units(h)
    mark = h.tg.mark()
    for cmd in ("/tonghop", "/xuatbaocao", "/bieudo"):
        assert "chỉ dành cho Ban Tuyên giáo" in (await a.reply(cmd)).text, cmd
    assert not h.tg.sent(chat_id=a.id, method="sendDocument", since=mark)
    assert not h.tg.sent(chat_id=a.id, method="sendPhoto", since=mark)
    # Promoting then demoting in the database takes effect at once.
    with h.loa.db.session() as s:
        s.scalar(select(Member).where(Member.telegram_id == a.id)).role = "admin"
    assert "Tổng hợp" in (await a.reply("/tonghop")).text
    with h.loa.db.session() as s:
        s.scalar(select(Member).where(Member.telegram_id == a.id)).role = "member"
    assert "chỉ dành cho" in (await a.reply("/tonghop")).text


async def test_export_xlsx_and_csv_keep_vietnamese_and_defuse_formulas(bot_sqlite):
    from openpyxl import load_workbook
    h = bot_sqlite
    _, _, saved = await setup_units(h)
    mark = await h.admin.send("/xuatbaocao")
    await h.tg.wait_for(lambda c: c.method == "sendDocument"
                        and c.params["document"]["filename"].endswith(".csv"), mark)
    docs = h.tg.sent(chat_id=ADMIN_ID, method="sendDocument", since=mark)
    files = {c.files["document"][0]: c.files["document"][1] for c in docs}
    period = month_period(saved[0].activity_date.year, saved[0].activity_date.month)
    xlsx_name, csv_name = f"bao-cao-{period.key}.xlsx", f"bao-cao-{period.key}.csv"
    assert set(files) == {xlsx_name, csv_name}
    assert "2 dòng" in docs[0].text

    ws = load_workbook(io.BytesIO(files[xlsx_name])).active
    header = [c.value for c in ws[1]]
    assert header[:8] == ["STT", "Đơn vị", "Người báo cáo", "Ngày", "Hình thức", "Nội dung",
                          "Số người", "Ghi chú"]
    assert all(c.font.b for c in ws[1])
    assert ws.column_dimensions["F"].width >= 40
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert len(body) == 2
    assert body[0][1:3] == [A, "Nguyễn Văn An"]
    assert body[0][3].date() == saved[0].activity_date
    assert body[0][5] == "Quán triệt Chỉ thị 30-CT/TW về đổi mới công tác tuyên truyền miệng"
    assert body[0][6] == 45 and body[0][7] == "tại nhà văn hóa – khu phố 1"
    # Text that looks like a formula stays text, exactly as typed.
    assert body[1][5].startswith("=HYPERLINK") and ws.cell(3, 6).data_type == "s"
    assert "“Đảng ủy”" in body[1][5]

    raw = files[csv_name]
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][1] == "Đơn vị" and len(rows) == 3
    assert rows[1][5] == "Quán triệt Chỉ thị 30-CT/TW về đổi mới công tác tuyên truyền miệng"
    assert rows[1][3] == saved[0].activity_date.strftime("%d/%m/%Y")
    assert rows[2][5].startswith("'=HYPERLINK")  # neutralised for spreadsheet programs


async def test_export_of_empty_period_says_so(bot_sqlite):
    h = bot_sqlite
    await setup_units(h)
    reply = await h.admin.reply("/xuatbaocao 2001")
    assert "Không có báo cáo nào trong năm 2001" in reply.text


async def test_chart_is_a_png_matplotlib_can_read(bot_sqlite):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.image as mpimg
    h = bot_sqlite
    await setup_units(h)
    mark = await h.admin.send("/bieudo")
    call = await h.tg.wait_for(lambda c: c.method == "sendPhoto", mark)
    name, png = call.files["photo"]
    assert name.endswith(".png") and png.startswith(b"\x89PNG\r\n\x1a\n")
    img = mpimg.imread(io.BytesIO(png), format="png")
    assert img.shape[0] > 200 and img.shape[1] > 600
    assert "Biểu đồ hoạt động tháng" in call.text


def test_chart_uses_a_font_with_vietnamese_glyphs(bot_sqlite, recwarn):
    from bot.services import charts
    h = bot_sqlite
    h.loa.members.add_unit("Đảng ủy phường Hòa Bình – Tổ dân phố số 7")
    s = h.loa.reports.summary(h.loa.reports.period(""))
    png = charts.activity_chart(s)
    assert png.startswith(b"\x89PNG")
    missing = [w for w in recwarn if "missing from font" in str(w.message)]
    assert not missing, missing[0].message


async def test_reminder_goes_only_to_units_without_a_report(bot_sqlite):
    h = bot_sqlite
    a, b, _ = await setup_units(h)
    c_reporter_less = h.loa.members.add_unit("Chi bộ Khu phố 9")  # no member at all
    assert c_reporter_less
    settings = h.loa.settings
    t = h.loa.reports.today()
    hh, mm = (int(x) for x in settings.reminder_time.split(":"))
    day = min(settings.reminder_day, month_period(t.year, t.month).end.day)
    due = datetime(t.year, t.month, day, hh, mm, tzinfo=settings.tz)

    early = await send_reminders(h.app, due - timedelta(minutes=1))
    assert not early.due and not early.reminded
    mark = h.tg.mark()
    run = await send_reminders(h.app, due)
    assert [t.unit_name for t in run.reminded] == [B]
    assert sorted(run.no_reporter) == sorted([C, "Chi bộ Khu phố 9"])
    reminder = await h.tg.wait_for(lambda c: c.chat_id == b.id, mark)
    assert "Nhắc báo cáo" in reminder.text and B in reminder.text
    assert not h.tg.sent(chat_id=a.id, since=mark)  # A has reported
    board = await h.tg.wait_for(lambda c: c.chat_id == ADMIN_ID, mark)
    assert "Đã nhắc báo cáo" in board.text and B in board.text
    assert "chưa có người báo cáo" in board.text and C in board.text

    # A second run (the next day, or after a restart) reminds nobody again.
    mark = h.tg.mark()
    again = await send_reminders(h.app, due + timedelta(days=1))
    assert again.due and not again.reminded and not again.no_reporter
    assert not h.tg.sent(since=mark)
    with h.loa.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Reminder)) == 3


async def test_reminder_job_is_scheduled_daily(bot_sqlite):
    jobs = bot_sqlite.app.job_queue.get_jobs_by_name("report-reminders")
    assert len(jobs) == 1
    assert jobs[0].next_t is not None


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
async def test_cli_export(bot_sqlite, tmp_path, monkeypatch, fmt, capsys):
    from bot.cli import main
    h = bot_sqlite
    _, _, saved = await setup_units(h)
    d = saved[0].activity_date
    monkeypatch.setenv("LOA_DATABASE_URL", h.loa.settings.database_url)
    out = tmp_path / f"out.{fmt}"
    assert main(["reports", "export", "--period", f"{d.year}-{d.month:02d}", "--format", fmt,
                 "--out", str(out)]) == 0
    data = out.read_bytes()
    if fmt == "xlsx":
        from openpyxl import load_workbook
        ws = load_workbook(io.BytesIO(data)).active
        assert ws.cell(2, 2).value == A and ws.max_row == 3
    else:
        assert "Quán triệt Chỉ thị 30-CT/TW" in data.decode("utf-8-sig")
    assert "2 báo cáo" in capsys.readouterr().out
    assert main(["reports", "summary", "--period", str(d.year)]) == 0
    assert f"{A}\t2\t165" in capsys.readouterr().out
    assert main(["reports", "summary", "--period", "13/2024"]) == 2
    assert "Kỳ" in capsys.readouterr().err
