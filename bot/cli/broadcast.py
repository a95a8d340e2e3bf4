"""`loa broadcast`: queue a broadcast from the command line for the running bot to send.

The bot's delivery worker polls the database, so a broadcast queued here (another process)
starts within about a second, or at --at.
"""
from __future__ import annotations

import html
import sys

from bot.texts import broadcast as T


def cmd_broadcast(args) -> int:
    from bot.cli import _database
    from bot.services.broadcasts import BroadcastsService, Draft
    from bot.services.members import MembersService
    settings = args.settings
    db = _database(settings)
    try:
        members = MembersService(db, settings.admin_ids, top_board=settings.board_name)
        svc = BroadcastsService(db, members, settings)
        audience: dict = {"all": True}
        if args.units:
            audience = {"units": svc.resolve_units(args.units.split(","))}
        elif args.reporters:
            audience = {"role": "reporter"}
        at = svc.parse_time(args.at) if args.at else None
        # Text from the shell is plain text: escape it so it is shown exactly as typed.
        draft = svc.check_content(Draft(text=html.escape(args.text, quote=False),
                                        audience=audience, scheduled_at=at))
        count = svc.count_audience(audience)
        when = svc.local(at) if at else T.WHEN_NOW
        print(T.CLI_PREVIEW.format(audience=svc.audience_label(audience), count=count,
                                   when=when, text=args.text))
        if not args.yes:
            if not sys.stdin.isatty():
                print(T.CLI_ABORTED + " (--yes)")
                return 1
            if input(T.CLI_CONFIRM).strip().lower() not in {"c", "co", "có", "y", "yes"}:
                print(T.CLI_ABORTED)
                return 1
        info = svc.queue(None, draft, via="cli")
        print(T.CLI_QUEUED.format(id=info.id, count=info.recipients, when=when))
        return 0
    finally:
        db.dispose()


def register(sub) -> None:
    p = sub.add_parser("broadcast", help="xếp lịch gửi nội dung cho bot đang chạy")
    p.add_argument("--text", required=True, help="nội dung (văn bản thường)")
    p.add_argument("--units", default="",
                   help="tên hoặc số đơn vị, cách nhau bởi dấu phẩy (mặc định: tất cả)")
    p.add_argument("--reporters", action="store_true", help="chỉ người báo cáo của các đơn vị")
    p.add_argument("--at", default="", help='thời điểm gửi "DD/MM/YYYY HH:MM" (giờ LOA_TIMEZONE)')
    p.add_argument("--yes", action="store_true", help="không hỏi xác nhận")
    p.set_defaults(func=cmd_broadcast)
