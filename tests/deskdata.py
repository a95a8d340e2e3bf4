"""A small two-commune tree with reports, a broadcast and questions, and Mini App init data signed
the way Telegram signs it — shared by the desk's HTTP and browser tests."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from urllib.parse import quote, urlencode

from bot.db.models import (
    B_DONE, D_SENT, Q_OPEN, ROLE_ADMIN, Broadcast, Delivery, Member, Question, Report, Unit,
)
from bot.web.auth import sign_init_data
from tests.faketg import TOKEN

ADMIN_A = 6_000_001      # board of Xã An Phú
ADMIN_B = 6_000_002      # board of Xã Bình Minh
MEMBER_A1 = 6_000_011    # a propagandist of Chi bộ Ấp 1 (not a board member)


@dataclass
class Tree:
    units: dict[str, int]
    broadcast_id: int


def seed(db, today: date) -> Tree:
    """Xã An Phú › Chi bộ Ấp 1, Ấp 2, Ấp 3 (Ấp 3 has no report); Xã Bình Minh › Chi bộ Ấp Đông.

    Reports this month: Ấp 1 two (30 + 20 people), Ấp 2 one (15), Ấp Đông one (99).
    Broadcast: Ấp 1 got it twice (one ✅), Ấp 2 once (✅), Ấp Đông once (✅).
    Open questions: one from Ấp 1, one from Ấp Đông."""
    ids: dict[str, int] = {}
    now = datetime.now(timezone.utc)
    with db.session() as s:
        for name, parent in [("Xã An Phú", None), ("Xã Bình Minh", None),
                             ("Chi bộ Ấp 1", "Xã An Phú"), ("Chi bộ Ấp 2", "Xã An Phú"),
                             ("Chi bộ Ấp 3", "Xã An Phú"), ("Chi bộ Ấp Đông", "Xã Bình Minh")]:
            u = Unit(name=name, parent_id=ids.get(parent), kind="xa" if parent is None else "chi_bo")
            s.add(u)
            s.flush()
            ids[name] = u.id
        people = {}
        for tid, name, unit, role, board in [
                (ADMIN_A, "Trần Thị Bảo", "Xã An Phú", ROLE_ADMIN, "Xã An Phú"),
                (ADMIN_B, "Lê Văn Cường", "Xã Bình Minh", ROLE_ADMIN, "Xã Bình Minh"),
                (MEMBER_A1, "Nguyễn Văn An", "Chi bộ Ấp 1", "member", None),
                (6_000_012, "Phạm Thị Hoa", "Chi bộ Ấp 1", "member", None),
                (6_000_021, "Võ Văn Dũng", "Chi bộ Ấp 2", "member", None),
                (6_000_031, "Đỗ Thị Mai", "Chi bộ Ấp Đông", "member", None)]:
            m = Member(telegram_id=tid, chat_id=tid, full_name=name, unit_id=ids[unit], role=role,
                       board_unit_id=ids[board] if board else None, is_reporter=board is None)
            s.add(m)
            s.flush()
            people[tid] = m.id
        for unit, who, n in [("Chi bộ Ấp 1", MEMBER_A1, 30), ("Chi bộ Ấp 1", 6_000_012, 20),
                             ("Chi bộ Ấp 2", 6_000_021, 15), ("Chi bộ Ấp Đông", 6_000_031, 99)]:
            s.add(Report(unit_id=ids[unit], member_id=people[who], activity_date=today,
                         form="Hội nghị", content="Quán triệt Chỉ thị 30-CT/TW", participants=n))
        b = Broadcast(kind="text", text="Tuyên truyền kỷ niệm Ngày thành lập Mặt trận",
                      audience={"all": True}, status=B_DONE, created_at=now, started_at=now,
                      finished_at=now)
        s.add(b)
        s.flush()
        for tid, acked in [(MEMBER_A1, True), (6_000_012, False), (6_000_021, True),
                           (6_000_031, True)]:
            s.add(Delivery(broadcast_id=b.id, member_id=people[tid], chat_id=tid, state=D_SENT,
                           sent_at=now, acked_at=now if acked else None))
        for tid, text in [(MEMBER_A1, "Mức hỗ trợ cho tuyên truyền viên năm nay là bao nhiêu?"),
                          (6_000_031, "Khi nào có tài liệu sinh hoạt chi bộ tháng này?")]:
            s.add(Question(member_id=people[tid], telegram_id=tid, chat_id=tid, text=text,
                           status=Q_OPEN, created_at=now - timedelta(hours=1)))
        return Tree(ids, b.id)


def init_data(telegram_id: int, first_name: str = "Cán bộ", token: str = TOKEN,
              auth_date: int | None = None, tamper: bool = False) -> str:
    """Init data as Telegram builds it for a Mini App, with its `hash`."""
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps({"id": telegram_id, "first_name": first_name, "language_code": "vi"},
                           ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
    }
    fields["hash"] = sign_init_data(fields, token)
    if tamper:   # someone edits the user id after Telegram signed it
        fields["user"] = fields["user"].replace(str(telegram_id), str(telegram_id + 1))
    return urlencode(fields, quote_via=quote)


def mini_app_url(base: str, data: str) -> str:
    """The URL Telegram opens: init data in the fragment, as `tgWebAppData`, plus its extras."""
    return (f"{base}/#tgWebAppData={quote(data, safe='')}&tgWebAppVersion=8.0"
            f"&tgWebAppPlatform=android")
