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
CLI_MODULES = ("bot.cli.broadcast", "bot.cli.reports", "bot.cli.ops", "bot.cli.zalo")


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
    print(f"Database {db.backend} at revision {current(db.engine)}")
    db.dispose()
    return 0


def _members(settings: Settings):
    from bot.services.members import MembersService
    return MembersService(_database(settings), settings.admin_ids, top_board=settings.board_name,
                          invite_fail_limit=settings.invite_fail_limit,
                          invite_fail_window=settings.invite_fail_window)


def cmd_units_add(args) -> int:
    members = _members(args.settings)
    unit, created = members.add_unit(" ".join(args.name), args.kind, args.parent)
    where = members.unit_path(unit.id)
    print(f"{'added' if created else 'exists'}\t{unit.id}\t{where}")
    return 0


def cmd_units_import(args) -> int:
    members = _members(args.settings)
    text = Path(args.file).read_text(encoding="utf-8-sig")
    results = members.import_units(text)
    added = sum(1 for _, created in results if created)
    paths = members.unit_paths([unit.id for unit, _ in results])
    for unit, created in results:
        print(f"{'added' if created else 'exists'}\t{unit.id}\t{paths[unit.id]}")
    print(f"{added} added, {len(results) - added} already present")
    return 0


def cmd_units_rename(args) -> int:
    u = _members(args.settings).rename_unit(args.unit, " ".join(args.name))
    print(f"renamed\t{u.id}\t{u.name}")
    return 0


def cmd_units_board_name(args) -> int:
    u, board = _members(args.settings).name_board(args.unit, " ".join(args.name))
    print(f"board name\t{u.id}\t{u.name}\t{board}")
    return 0


def cmd_units_move(args) -> int:
    members = _members(args.settings)
    u = members.move_unit(args.unit, args.parent)
    print(f"moved\t{u.id}\t{members.unit_path(u.id)}")
    return 0


def cmd_units_deactivate(args) -> int:
    u = _members(args.settings).deactivate_unit(" ".join(args.unit))
    print(f"deactivated\t{u.id}\t{u.name}")
    return 0


def cmd_units_list(args) -> int:
    members = _members(args.settings)
    # The tree, each unit under its parent, two spaces deeper per level.
    for u in members.units(include_inactive=True):
        print(f"{u.id}\t{'  ' * u.depth}{u.name}\t{u.kind}\t{u.members} members"
              f"{'' if u.active else ' (inactive)'}")
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
                                is_reporter=args.reporter, max_uses=args.uses, admin=args.admin)
    username = args.bot or settings.bot_username or _bot_username(settings) or "<ten_bot>"
    print(f"Unit:   {members.unit_path(inv.unit_id)}")
    if inv.is_admin:
        print("Role:   board member of the unit (admin for it and everything under it)")
    print(f"Code:   {inv.code}")
    if settings.telegram_on or not settings.zalo_on:
        print(f"Link:   https://t.me/{username}?start={inv.code}")
    if settings.zalo_on:
        print(f"Zalo:   the member sends the Zalo bot the line  /start {inv.code}")
    print(f"Expires: {_local(inv.expires_at, settings) if inv.expires_at else 'never'}")
    print(f"Uses:   {_uses(inv)}")
    return 0


def _local(at, settings: Settings) -> str:
    return at.astimezone(settings.tz).strftime("%d/%m/%Y %H:%M")


def _uses(inv) -> str:
    return "unlimited" if inv.max_uses is None else f"{inv.uses_left} of {inv.max_uses} left"


def cmd_invites(args) -> int:
    settings = args.settings
    members = _members(settings)
    if args.revoke:
        inv = members.revoke_invite(args.revoke)
        if inv is None:
            print(f"No usable invite {args.revoke!r}.")
            return 1
        print(f"Revoked {inv.code} ({inv.unit_name}): nobody can join with it any more.")
        return 0
    items = members.invites(include_spent=args.all)
    shown = members.shown_names([(i.unit_id, i.unit_name) for i in items])
    for inv in items:
        role = "board" if inv.is_admin else "reporter" if inv.is_reporter else "member"
        expires = _local(inv.expires_at, settings) if inv.expires_at else "never"
        print(f"{inv.code}\t{shown.get(inv.unit_id, inv.unit_name)}\t{role}\tused {inv.uses}, {_uses(inv)}"
              f"\texpires {expires}")
    print(f"{len(items)} invite(s){'' if args.all else ' that can still be used'}")
    return 0


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return n


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="loa", description="Loa – Telegram bot for propagandists")
    sub = p.add_subparsers(dest="command", required=True)

    sp = sub.add_parser("run", help="run the Telegram bot (or loa chat without a token)")
    sp.set_defaults(func=cmd_run)

    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db_cmd",
                                                                           required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)

    units = sub.add_parser("units", help="manage units").add_subparsers(dest="units_cmd",
                                                                         required=True)
    ua = units.add_parser("add", help="add a unit")
    ua.add_argument("name", nargs="+")
    ua.add_argument("--kind", default=None)
    ua.add_argument("--parent", default=None,
                    help="the unit above (name or path 'Xã A › Chi bộ 1'); default: top level")
    ua.set_defaults(func=cmd_units_add)
    ui = units.add_parser("import", help="import units from CSV (header: name[,parent][,kind])")
    ui.add_argument("file")
    ui.set_defaults(func=cmd_units_import)
    units.add_parser("list", help="list units as a tree").set_defaults(func=cmd_units_list)
    ur = units.add_parser("rename", help="rename a unit")
    ur.add_argument("unit", help="the unit (name, path or number)")
    ur.add_argument("name", nargs="+", help="its new name")
    ur.set_defaults(func=cmd_units_rename)
    ub = units.add_parser("board-name", help="how the unit's board signs its answers and "
                                             "broadcasts ('-': read from the unit's name)")
    ub.add_argument("unit", help="the unit (name, path or number)")
    ub.add_argument("name", nargs="+", help='e.g. "Ban Xây dựng Đảng Đảng ủy xã Hoài Thượng"')
    ub.set_defaults(func=cmd_units_board_name)
    um = units.add_parser("move", help="put a unit under another")
    um.add_argument("unit")
    um.add_argument("--parent", required=True, help="the new unit above")
    um.set_defaults(func=cmd_units_move)
    ud = units.add_parser("deactivate", help="take a unit out of lists, summaries and invites")
    ud.add_argument("unit", nargs="+")
    ud.set_defaults(func=cmd_units_deactivate)

    inv = sub.add_parser("invite", help="create an invite code and deep link for a unit")
    inv.add_argument("unit", nargs="+")
    inv.add_argument("--days", type=int, default=30, help="days until it expires (0 = never)")
    inv.add_argument("--reporter", action="store_true", help="joiners become the unit's reporter")
    inv.add_argument("--uses", type=_positive, default=None, metavar="N",
                     help="at most N people may join with it (default: no limit; "
                          "a board invite (--admin): 1)")
    inv.add_argument("--admin", action="store_true",
                     help="joiners become board members of the unit (its admins)")
    inv.add_argument("--bot", default="", help="bot username for the link")
    inv.set_defaults(func=cmd_invite)
    invs = sub.add_parser("invites", help="list invites with their uses left")
    invs.add_argument("--all", action="store_true",
                      help="also expired, revoked and used-up invites")
    invs.add_argument("--revoke", default="", metavar="CODE", help="revoke this invite code")
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
        print(f"error: {e}", file=sys.stderr)
        return 2
    except LoaError as e:
        print(e.plain(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())
