"""The `loa` command line: run the bot, manage units and invites, and the indexer commands."""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from indexer import cli as indexer_cli

from bot.config import Settings, SettingsError
from bot.errors import LoaError
from bot.texts import cli as T

NO_TOKEN = """\
TELEGRAM_BOT_TOKEN chưa được đặt, nên bot Telegram chưa chạy.
Cách lấy token: mở Telegram, nhắn cho @BotFather, gõ /newbot, đặt tên bot; BotFather trả lại
một token dạng 123456789:ABC... Ghi vào tệp .env ở thư mục này:
    TELEGRAM_BOT_TOKEN=123456789:ABC...
    LOA_ADMIN_IDS=<mã số Telegram của bạn>
rồi chạy lại: make run

Trong lúc chờ, đây là chế độ hỏi đáp trên máy (loa chat) với cùng bộ tài liệu:
"""

# Feature modules that add their own subcommands with `register(subparsers)`.
CLI_MODULES = ("bot.cli.broadcast", "bot.cli.reports", "bot.cli.ops", "bot.cli.zalo", "bot.cli.quiz")


def _database(settings: Settings):
    from bot.db import Database
    db = Database(settings.database_url)
    db.upgrade()
    return db


def cmd_run(args) -> int:
    settings = args.settings
    from bot.logs import setup_logging
    if not settings.token and not settings.zalo_token:
        print(NO_TOKEN)
        # `make run` without a token: the same knowledge, in the console.
        chat = build_parser().parse_args(["chat"])
        chat.settings = settings
        return chat.func(chat)
    setup_logging(settings.log_level, settings.token, settings.zalo_token)
    from bot.app import run
    run(settings)  # migrates before the bot starts
    return 0


def cmd_db_upgrade(args) -> int:
    db = _database(args.settings)
    from bot.db.migrations import current
    print(T.DB_AT.format(backend=db.backend, revision=current(db.engine)))
    db.dispose()
    return 0


def _members(settings: Settings):
    from bot.services.members import MembersService
    return MembersService(_database(settings), settings.admin_ids, top_board=settings.board_name,
                          invite_fail_limit=settings.invite_fail_limit,
                          invite_fail_window=settings.invite_fail_window)


def cmd_units_add(args) -> int:
    members = _members(args.settings)
    unit, created = members.add_unit(" ".join(args.name), args.kind, args.parent, via="cli")
    where = members.unit_path(unit.id)
    print(f"{T.UNIT_ADDED if created else T.UNIT_EXISTS}\t{unit.id}\t{where}")
    return 0


def cmd_units_import(args) -> int:
    members = _members(args.settings)
    text = Path(args.file).read_text(encoding="utf-8-sig")
    results = members.import_units(text)
    added = sum(1 for _, created in results if created)
    paths = members.unit_paths([unit.id for unit, _ in results])
    for unit, created in results:
        print(f"{T.UNIT_ADDED if created else T.UNIT_EXISTS}\t{unit.id}\t{paths[unit.id]}")
    print(T.UNITS_IMPORTED.format(added=added, present=len(results) - added))
    return 0


def cmd_units_rename(args) -> int:
    u = _members(args.settings).rename_unit(args.unit, " ".join(args.name), via="cli")
    print(f"{T.UNIT_RENAMED}\t{u.id}\t{u.name}")
    return 0


def cmd_units_board_name(args) -> int:
    u, board = _members(args.settings).name_board(args.unit, " ".join(args.name))
    print(f"{T.UNIT_BOARD_NAME}\t{u.id}\t{u.name}\t{board}")
    return 0


def cmd_units_move(args) -> int:
    members = _members(args.settings)
    u = members.move_unit(args.unit, args.parent, via="cli")
    print(f"{T.UNIT_MOVED}\t{u.id}\t{members.unit_path(u.id)}")
    return 0


def cmd_units_deactivate(args) -> int:
    u = _members(args.settings).deactivate_unit(" ".join(args.unit), via="cli")
    print(f"{T.UNIT_DEACTIVATED}\t{u.id}\t{u.name}")
    return 0


def cmd_units_list(args) -> int:
    members = _members(args.settings)
    # The tree, each unit under its parent, two spaces deeper per level.
    for u in members.units(include_inactive=True):
        print(T.UNIT_LINE.format(id=u.id, indent="  " * u.depth, name=u.name, kind=u.kind,
                                 members=u.members, inactive="" if u.active else T.UNIT_INACTIVE))
    return 0


def _bot_username(settings: Settings) -> str:
    """Ask the Bot API who we are (getMe); empty when there is no token or no answer."""
    if not settings.token:
        return ""
    try:
        import httpx
        r = httpx.get(f"{settings.api_url}{settings.token}/getMe", timeout=5)
        return r.json()["result"]["username"]
    except Exception:  # noqa: BLE001 - the link falls back to a placeholder
        return ""


def cmd_invite(args) -> int:
    settings = args.settings
    members = _members(settings)
    inv = members.create_invite(" ".join(args.unit), ttl_days=args.days or None,
                                is_reporter=args.reporter, max_uses=args.uses, admin=args.admin, via="cli")
    username = args.bot or settings.bot_username or _bot_username(settings) or "<ten_bot>"
    print(T.INVITE_UNIT.format(unit=members.unit_path(inv.unit_id)))
    if inv.is_admin:
        print(T.INVITE_ROLE_BOARD)
    print(T.INVITE_CODE.format(code=inv.code))
    if settings.telegram_on or not settings.zalo_on:
        print(T.INVITE_LINK.format(bot=username, code=inv.code))
    if settings.zalo_on:
        print(T.INVITE_ZALO.format(code=inv.code))
    print(T.INVITE_EXPIRES.format(
        expires=_local(inv.expires_at, settings) if inv.expires_at else T.NEVER))
    print(T.INVITE_USES.format(uses=_uses(inv)))
    return 0


def _local(at, settings: Settings) -> str:
    return at.astimezone(settings.tz).strftime("%d/%m/%Y %H:%M")


def _uses(inv) -> str:
    return T.UNLIMITED if inv.max_uses is None else T.USES_LEFT.format(left=inv.uses_left,
                                                                       max=inv.max_uses)


def cmd_invites(args) -> int:
    settings = args.settings
    members = _members(settings)
    if args.revoke:
        inv = members.revoke_invite(args.revoke, via="cli")
        if inv is None:
            print(T.INVITE_UNKNOWN.format(code=args.revoke))
            return 1
        print(T.INVITE_REVOKED.format(code=inv.code, unit=inv.unit_name))
        return 0
    items = members.invites(include_spent=args.all)
    shown = members.shown_names([(i.unit_id, i.unit_name) for i in items])
    for inv in items:
        role = T.ROLE_BOARD if inv.is_admin else T.ROLE_REPORTER if inv.is_reporter \
            else T.ROLE_MEMBER
        expires = _local(inv.expires_at, settings) if inv.expires_at else T.NEVER
        print(T.INVITE_LINE.format(code=inv.code, unit=shown.get(inv.unit_id, inv.unit_name),
                                   role=role, uses=inv.uses, left=_uses(inv), expires=expires))
    print(T.INVITES_COUNT.format(count=len(items)) + ("" if args.all else T.INVITES_USABLE))
    return 0


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError(T.AT_LEAST_ONE)
    return n


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="loa", description="Loa – trợ lý của Ban cho báo cáo viên, "
                                "tuyên truyền viên (Telegram, Zalo, trang web)")
    sub = p.add_subparsers(dest="command", required=True)

    sp = sub.add_parser("run", help="chạy bot (Telegram, Zalo, bảng điều khiển); "
                                    "chưa có token: hỏi đáp trên máy")
    sp.set_defaults(func=cmd_run)

    db = sub.add_parser("db", help="bảo trì cơ sở dữ liệu").add_subparsers(dest="db_cmd",
                                                                           required=True)
    db.add_parser("upgrade", help="nâng cấp lược đồ cơ sở dữ liệu").set_defaults(func=cmd_db_upgrade)

    units = sub.add_parser("units", help="quản lý đơn vị").add_subparsers(dest="units_cmd",
                                                                         required=True)
    ua = units.add_parser("add", help="thêm đơn vị")
    ua.add_argument("name", nargs="+")
    ua.add_argument("--kind", default=None)
    ua.add_argument("--parent", default=None,
                    help="đơn vị cấp trên (tên hoặc đường dẫn 'Xã A › Chi bộ 1'); mặc định: cấp cao nhất")
    ua.set_defaults(func=cmd_units_add)
    ui = units.add_parser("import", help="nhập đơn vị từ tệp CSV "
                                         "(dòng tiêu đề: name[,parent][,kind]; dấu , hoặc ;)")
    ui.add_argument("file")
    ui.set_defaults(func=cmd_units_import)
    units.add_parser("list", help="danh sách đơn vị dạng cây").set_defaults(func=cmd_units_list)
    ur = units.add_parser("rename", help="đổi tên đơn vị")
    ur.add_argument("unit", help="đơn vị (tên, đường dẫn hoặc số)")
    ur.add_argument("name", nargs="+", help="tên mới")
    ur.set_defaults(func=cmd_units_rename)
    ub = units.add_parser("board-name", help="tên Ban của đơn vị dùng khi ký trả lời, gửi nội dung "
                                             "('-': lấy theo tên đơn vị)")
    ub.add_argument("unit", help="đơn vị (tên, đường dẫn hoặc số)")
    ub.add_argument("name", nargs="+", help='ví dụ "Ban Xây dựng Đảng Đảng ủy xã Hoài Thượng"')
    ub.set_defaults(func=cmd_units_board_name)
    um = units.add_parser("move", help="chuyển đơn vị sang cấp trên khác")
    um.add_argument("unit")
    um.add_argument("--parent", required=True, help="đơn vị cấp trên mới")
    um.set_defaults(func=cmd_units_move)
    ud = units.add_parser("deactivate", help="ngừng đơn vị (không còn trong danh sách, tổng hợp, mã mời)")
    ud.add_argument("unit", nargs="+")
    ud.set_defaults(func=cmd_units_deactivate)

    inv = sub.add_parser("invite", help="tạo mã mời và đường link tham gia cho đơn vị")
    inv.add_argument("unit", nargs="+")
    inv.add_argument("--days", type=int, default=30, help="số ngày còn hiệu lực (0 = không hết hạn)")
    inv.add_argument("--reporter", action="store_true", help="người tham gia là người báo cáo của đơn vị")
    inv.add_argument("--uses", type=_positive, default=None, metavar="N",
                     help="tối đa N người dùng mã này (mặc định: không giới hạn; "
                          "mã mời vào Ban (--admin): 1)")
    inv.add_argument("--admin", action="store_true",
                     help="người tham gia vào Ban của đơn vị (quản trị đơn vị)")
    inv.add_argument("--bot", default="", help="tên bot Telegram trong đường link")
    inv.set_defaults(func=cmd_invite)
    invs = sub.add_parser("invites", help="danh sách mã mời và số lượt còn lại")
    invs.add_argument("--all", action="store_true",
                      help="cả mã đã hết hạn, đã thu hồi, đã dùng hết")
    invs.add_argument("--revoke", default="", metavar="CODE", help="thu hồi mã mời này")
    invs.set_defaults(func=cmd_invites)

    indexer_cli.register(sub, config=lambda args: args.settings.index_config)
    for name in CLI_MODULES:
        importlib.import_module(name).register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    args = build_parser().parse_args(argv)
    try:
        # The one reading of the configuration (environment, then .env) for every subcommand.
        args.settings = Settings.from_env()
        rc = args.func(args)
    except SettingsError as e:
        print(T.ERROR.format(error=e), file=sys.stderr)
        return 2
    except LoaError as e:
        print(e.plain(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())
