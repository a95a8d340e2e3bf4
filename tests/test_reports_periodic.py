"""The periodic report draft: a .docx of the board's figures, whose totals match /tonghop."""
from __future__ import annotations

import io
import re
import unicodedata

from sqlalchemy import select

from bot.db.models import (
    B_DONE, D_SENT, Q_ANSWERED_BY_BOARD, Q_ANSWERED_BY_DOCS, Q_OPEN, Broadcast, Delivery, Member,
    Question, utcnow,
)
from tests.rollup_tree import BOARD_B, ROOT, make_tree


def _activity(h):
    """A province broadcast to every unit member (two acknowledge: one in each commune) and
    four questions: three from Bình Minh (documents, board, open), one from An Bình."""
    with h.loa.db.session() as s:
        people = {m.full_name: m for m in s.scalars(select(Member).where(
            Member.full_name.like("Người %")))}
        b = Broadcast(text="Tuyên truyền kỷ niệm Ngày thành lập Đảng", status=B_DONE,
                      audience={"all": True}, started_at=utcnow(), finished_at=utcnow())
        s.add(b)
        s.flush()
        for i, m in enumerate(sorted(people.values(), key=lambda m: m.id)):
            s.add(Delivery(broadcast_id=b.id, member_id=m.id, chat_id=m.chat_id, state=D_SENT,
                           sent_at=utcnow(), acked_at=utcnow() if i in (1, 5) else None))
        by_unit = {m.unit_id: m for m in people.values()}
        units = {u: i for i, u in enumerate(sorted(by_unit))}
        ordered = [by_unit[u] for u in sorted(units)]
        for m, status in ((ordered[5], Q_ANSWERED_BY_DOCS), (ordered[6], Q_ANSWERED_BY_BOARD),
                          (ordered[3], Q_ANSWERED_BY_DOCS), (ordered[7], Q_OPEN)):
            s.add(Question(member_id=m.id, telegram_id=m.telegram_id, chat_id=m.chat_id,
                           text="Chỉ thị 30 yêu cầu gì?", status=status))


def _cells(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


async def test_periodic_draft_holds_the_same_totals_as_tonghop(bot):
    from docx import Document
    h = bot
    today = h.loa.reports.today()
    make_tree(h.loa.db, today)
    _activity(h)
    q = (today.month - 1) // 3 + 1
    commune = h.user("Ban Tuyên giáo xã", BOARD_B)
    summary = (await commune.reply(f"/tonghop Q{q}/{today.year}")).text
    count, people = (int(x) for x in re.search(
        r"Tổng cộng</b>: (\d+) hoạt động, (\d+) lượt người", summary).groups())
    assert (count, people) == (2, 12)

    mark = await commune.send(f"/baocaodinhky quý {q}/{today.year}")
    call = await h.tg.wait_for(lambda c: c.method == "sendDocument" and c.chat_id == BOARD_B,
                               mark)
    name, data = call.files["document"]
    assert name.endswith(".docx") and f"quý {q}/{today.year}" in call.text
    doc = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert unicodedata.is_normalized("NFC", text)
    header = _cells(doc.tables[0])[0]
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in header[1]
    # The Party hierarchy of the commune: its committee, then its board — not the province's board.
    assert header[0].split("\n")[:2] == ["ĐẢNG ỦY XÃ BÌNH MINH", "BAN XÂY DỰNG ĐẢNG"], header[0]
    assert ROOT.upper() not in header[0]
    assert re.search(r"……, ngày \d+ tháng \d+ năm \d{4}", header[1])
    roman = {1: "I", 2: "II", 3: "III", 4: "IV"}[q]
    assert "BÁO CÁO" in text and f"quý {roman} năm {today.year}" in text
    for part in ("I. ", "II. KẾT QUẢ THỰC HIỆN", "III. ĐÁNH GIÁ CHUNG", "IV. PHƯƠNG HƯỚNG"):
        assert part in text
    assert text.count("[Ban Tuyên giáo bổ sung]") >= 5
    assert doc.styles["Normal"].font.name == "Times New Roman"

    by_form, by_unit, broadcasts, questions = (_cells(t) for t in doc.tables[1:5])
    assert by_form[-1][1:] == ["Tổng cộng", str(count), str(people)]
    assert sum(int(r[2]) for r in by_form[1:-1]) == count
    assert ["Hội nghị", "1", "5"] == next(r[1:] for r in by_form if r[1] == "Hội nghị")
    assert by_unit[-1][1:4] == ["Tổng cộng", str(count), str(people)]
    assert by_unit[-1][4:] == ["2/3", "66,7%"]
    assert [r[1] for r in by_unit[1:-1]] == ["Xã Bình Minh (báo cáo của chính đơn vị)",
                                             "Chi bộ Bình Minh 1", "Chi bộ Bình Minh 2"]
    # The province's broadcast as it reached this commune's four members; one acknowledged.
    assert broadcasts[1][1] == "Tuyên truyền kỷ niệm Ngày thành lập Đảng"
    assert broadcasts[-1][3:] == ["4", "1", "25,0%"]
    # Questions of this commune's members only.
    assert [r[2] for r in questions[1:]] == ["3", "1", "0", "1", "1"]
    assert "An Bình" not in text + "".join(c for row in by_unit for c in row)

    # Without a period it says how to give one; a plain member is refused.
    assert "Q4/2026" in (await commune.reply("/baocaodinhky")).text
    member = await h.member("Chi bộ Bình Minh 2", "Lê Văn Cường")
    assert "chỉ dành cho" in (await member.reply(f"/baocaodinhky {today.year}")).text


def test_cli_draft_for_a_unit(db, tmp_path, monkeypatch, capsys):
    from docx import Document

    from bot.cli import main
    today = utcnow().date()
    make_tree(db, today)
    monkeypatch.setenv("LOA_DATABASE_URL", db.url)
    out = tmp_path / "draft.docx"
    assert main(["reports", "draft", "--period", str(today.year), "--unit", "Xã An Bình",
                 "--out", str(out)]) == 0
    assert "2 hoạt động, 30 lượt người" in capsys.readouterr().out
    doc = Document(str(out))
    assert _cells(doc.tables[2])[-1][1:4] == ["Tổng cộng", "2", "30"]
    assert main(["reports", "draft", "--period", "6 tháng đầu năm 2001", "--out",
                 str(out)]) == 0
    assert "0 hoạt động" in capsys.readouterr().out


def test_draft_counts_a_reminder_once_writes_plain_text_names_silent_units(db):
    """A reminder of a broadcast is not a second broadcast (its ✅ counts for the first), the
    broadcast's HTML is not printed as tags, the quarter is written "quý IV năm 2026", units
    with no report are named, and the signature is the configured one."""
    from datetime import date

    from docx import Document

    from bot.config import Settings
    from bot.services.members import MembersService
    from bot.services.periodic import PeriodicService, to_docx
    from bot.services.reports import ReportsService, parse_period
    today = date(2026, 12, 7)
    make_tree(db, today)
    with db.session() as s:
        people = sorted(s.scalars(select(Member).where(Member.full_name.like("Người %"))),
                        key=lambda m: m.id)
        first = Broadcast(text="<b>Tuyên truyền</b> kỷ niệm &amp; học tập", status=B_DONE,
                          audience={"all": True}, started_at=utcnow(), finished_at=utcnow())
        s.add(first)
        s.flush()
        again = Broadcast(text="Nhắc: <b>Tuyên truyền</b>", status=B_DONE,
                          audience={"all": True, "remind_of": first.id}, started_at=utcnow(),
                          finished_at=utcnow())
        s.add(again)
        s.flush()
        for i, m in enumerate(people):
            s.add(Delivery(broadcast_id=first.id, member_id=m.id, chat_id=m.chat_id,
                           state=D_SENT, sent_at=utcnow(), acked_at=utcnow() if i < 2 else None))
            s.add(Delivery(broadcast_id=again.id, member_id=m.id, chat_id=m.chat_id,
                           state=D_SENT, sent_at=utcnow()))
    settings = Settings(database_url=db.url)
    reports = ReportsService(db, settings, MembersService(db))
    f = PeriodicService(reports).figures(parse_period("Q4/2026", today))
    assert len(f.broadcasts) == 1 and f.broadcasts[0].delivered == len(people)
    assert "<b>" not in f.broadcasts[0].text and "&amp;" not in f.broadcasts[0].text
    doc = Document(io.BytesIO(to_docx(f, today, "TRƯỞNG BAN")))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "quý IV năm 2026" in text
    assert "Chi bộ An Bình 2" in text and "Chi bộ Bình Minh 2" in text   # silent, named
    assert "TRƯỞNG BAN" in cells and "T/M BAN THƯỜNG VỤ" not in cells
    assert "<b>" not in cells
