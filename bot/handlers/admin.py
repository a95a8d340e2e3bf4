"""Admin chat commands for units, invites and members (role re-checked on every call)."""
from __future__ import annotations

import re

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, CommandHandler, filters

from bot.context import LoaContext
from bot.db.models import ROLE_ADMIN
from bot.address import is_zalo
from bot.errors import InvalidInput, NotFound
from bot.handlers.common import admin_only, args_text, reply_html
from bot.services.members import InviteInfo
from bot.text import esc, fmt_date, parse_id
from bot.texts import common as T
from bot.texts import province as TP
from bot.texts import zalo as TZ


def invite_link(username: str, code: str) -> str:
    return f"https://t.me/{username}?start={code}"


def _expires(inv: InviteInfo, tz) -> str:
    return fmt_date(inv.expires_at.astimezone(tz)) if inv.expires_at else T.INVITE_NO_EXPIRY


def _uses_left(inv: InviteInfo) -> str:
    if inv.max_uses is None:
        return T.INVITE_UNLIMITED
    return T.INVITE_USES_LEFT.format(left=inv.uses_left, max=inv.max_uses)


def render_invite(inv: InviteInfo, username: str, tz, zalo: bool = False) -> str:
    text = T.INVITE_CREATED.format(unit=esc(inv.unit_name), code=esc(inv.code),
                                   link=esc(invite_link(username, inv.code)),
                                   expires=_expires(inv, tz), uses=_uses_left(inv))
    if zalo:   # the same code, typed to the Zalo bot
        text += "\n" + esc(TZ.INVITE_ZALO.format(code=inv.code))
    if inv.is_admin:
        text += TP.INVITE_ADMIN_CREATED_NOTE.format(unit=esc(inv.unit_name))
    return text


ADMIN_FLAG = re.compile(r"(?:^|\s)(?:--admin|—admin|–admin)(?=\s|$|\|)", re.IGNORECASE)


def parse_invite_args(text: str) -> tuple[str, int | None, bool]:
    """`UNIT`, `UNIT | N` (N joins at most; "5 lượt" works too), either with `--admin` (the
    joiners sit on the unit's board)."""
    admin = bool(ADMIN_FLAG.search(text))
    text = ADMIN_FLAG.sub(" ", text).strip()
    ref, uses = _parse_uses(text)
    return ref, uses, admin


def _parse_uses(text: str) -> tuple[str, int | None]:
    ref, sep, uses = text.partition("|")
    ref = ref.strip()
    if not ref:
        raise InvalidInput(T.INVITE_USAGE)
    if not sep:
        return ref, None
    m = re.fullmatch(r"\s*(\d{1,6})\s*(?:lượt|luot)?\s*", uses, re.IGNORECASE)
    if not m:
        raise InvalidInput(T.INVITE_USES_BAD)
    return ref, int(m.group(1))


UNITS_SHOWN = 120   # beyond this, /donvi shows two levels and how many units lie under each


@admin_only
async def units(update: Update, context: LoaContext) -> None:
    """List the units of the board's scope (or of one unit in it: /donvi UNIT) as a tree."""
    loa = context.loa
    items = await loa.run(loa.members.units, False, context.scope, args_text(update) or None)
    if not items:
        await update.effective_chat.send_message(T.UNITS_EMPTY, parse_mode=ParseMode.HTML)
        return
    lines = [T.UNITS_HEADER.format(count=len(items))]
    if len(items) <= UNITS_SHOWN:
        lines += [TP.UNIT_TREE_LINE.format(indent="    " * u.depth, id=u.id, name=esc(u.name),
                                           members=u.members) for u in items]
        await reply_html(update, ["\n".join(lines)])
        return
    # A province: one line per unit of the first two levels, with the number below it.
    below: dict[int, int] = {}
    top: int | None = None
    for u in items:
        if u.depth <= 1:
            top = u.id
            below[top] = 0
        elif top is not None:
            below[top] += 1
    lines += [TP.UNIT_TREE_LINE.format(indent="    " * u.depth, id=u.id, name=esc(u.name),
                                       members=u.members)
              + (TP.UNIT_BELOW.format(count=below[u.id]) if below.get(u.id) else "")
              for u in items if u.depth <= 1]
    await reply_html(update, ["\n".join(lines), TP.UNITS_DRILL])


@admin_only
async def unit_add(update: Update, context: LoaContext) -> None:
    """Add a unit: /donvi_them NAME [| PARENT] (a board adds under its own unit by default)."""
    loa = context.loa
    name, _, parent = args_text(update).partition("|")
    unit, created = await loa.run(loa.members.add_unit, name, None, parent.strip() or None,
                                  context.scope)
    if created and unit.parent_id is not None:
        where = await loa.run(loa.members.unit_path, unit.parent_id)
        text = TP.UNIT_ADDED_UNDER.format(name=esc(unit.name), id=unit.id, parent=esc(where))
    else:
        text = (T.UNIT_ADDED if created else T.UNIT_EXISTS).format(name=esc(unit.name),
                                                                   id=unit.id)
    await update.effective_chat.send_message(text, parse_mode=ParseMode.HTML)


@admin_only
async def invite(update: Update, context: LoaContext) -> None:
    """Create an invite code and deep link for a unit: /moi UNIT [| N] [--admin]."""
    ref, uses, admin = parse_invite_args(args_text(update))
    loa = context.loa
    inv = await loa.run(loa.members.create_invite, ref, update.effective_user.id, max_uses=uses,
                        admin=admin, scope=context.scope)
    await update.effective_chat.send_message(
        render_invite(inv, context.bot.username, context.loa.settings.tz,
                      zalo=context.loa.settings.zalo_on),
        parse_mode=ParseMode.HTML, disable_web_page_preview=True)


@admin_only
async def invites(update: Update, context: LoaContext) -> None:
    """List the invites that can still be used, with the uses left: /moi_ds."""
    loa = context.loa
    items = await loa.run(loa.members.invites, scope=context.scope)
    if not items:
        await update.effective_chat.send_message(T.INVITES_EMPTY, parse_mode=ParseMode.HTML)
        return
    tz = context.loa.settings.tz
    shown = await loa.run(loa.members.shown_names, [(i.unit_id, i.unit_name) for i in items])
    lines = [T.INVITES_HEADER.format(count=len(items))]
    lines += [T.INVITE_LINE.format(unit=esc(shown.get(inv.unit_id, inv.unit_name)),
                                   code=esc(inv.code),
                                   reporter=(TP.INVITE_ADMIN if inv.is_admin else
                                             T.INVITE_REPORTER if inv.is_reporter else ""),
                                   uses=_uses_left(inv), used=inv.uses,
                                   expires=_expires(inv, tz)) for inv in items]
    await reply_html(update, lines)


@admin_only
async def members(update: Update, context: LoaContext) -> None:
    """List members (optionally of one unit): /thanhvien [UNIT]."""
    loa = context.loa
    items = await loa.run(loa.members.members, args_text(update) or None, context.scope)
    if not items:
        await update.effective_chat.send_message(T.MEMBERS_EMPTY)
        return
    shown = await loa.run(loa.members.shown_names, [(m.unit_id, m.unit_name) for m in items])
    lines = [T.MEMBERS_HEADER.format(count=len(items))]
    for m in items:
        flags = ((T.FLAG_ADMIN if m.role == ROLE_ADMIN else "")
                 + (T.FLAG_REPORTER if m.is_reporter else "")
                 + (T.FLAG_INACTIVE if not m.active else "")
                 + (T.FLAG_UNREACHABLE if m.unreachable else "")
                 + (TZ.FLAG_ZALO if is_zalo(m.chat_id) else ""))
        lines.append(T.MEMBER_LINE.format(
            id=m.id, name=esc(m.full_name or m.telegram_id),
            username=f" (@{esc(m.username)})" if m.username else "",
            unit=esc(shown.get(m.unit_id) or m.unit_name or T.NO_UNIT), flags=flags))
    await reply_html(update, ["\n".join(lines), T.MEMBER_USAGE])


def _member_id_and_rest(update: Update) -> tuple[int, str]:
    parts = args_text(update).split(maxsplit=1)
    member_id = parse_id(parts[0]) if parts else None
    if member_id is None:
        raise InvalidInput(T.MEMBER_USAGE)
    return member_id, (parts[1] if len(parts) > 1 else "")


async def _change_member(update: Update, context: LoaContext, change, *args,
                         template: str) -> None:
    """/thanhvien_… ID: apply `change` (a MembersService method) and say what it did."""
    member_id, _ = _member_id_and_rest(update)
    loa = context.loa
    m = await loa.run(change, context.scope, member_id, *args)
    await update.effective_chat.send_message(
        template.format(name=esc(m.full_name), unit=esc(m.unit_name or T.NO_UNIT)),
        parse_mode=ParseMode.HTML)


@admin_only
async def member_move(update: Update, context: LoaContext) -> None:
    """Move a member to another unit: /thanhvien_chuyen ID UNIT."""
    _, unit = _member_id_and_rest(update)
    if not unit:
        raise InvalidInput(T.MEMBER_USAGE)
    await _change_member(update, context, context.loa.members.move, unit,
                         template=T.MEMBER_MOVED)


@admin_only
async def member_deactivate(update: Update, context: LoaContext) -> None:
    """Deactivate a member: /thanhvien_ngung ID."""
    await _change_member(update, context, context.loa.members.deactivate,
                         template=T.MEMBER_DEACTIVATED)


@admin_only
async def member_reporter(update: Update, context: LoaContext) -> None:
    """Mark a member as their unit's reporter: /thanhvien_baocao ID."""
    await _change_member(update, context, context.loa.members.set_reporter, True,
                         template=T.MEMBER_REPORTER)


def _two_refs(update: Update, usage: str) -> tuple[str, str]:
    first, sep, second = args_text(update).partition("|")
    if not first.strip() or not sep or not second.strip():
        raise InvalidInput(usage)
    return first.strip(), second.strip()


@admin_only
async def unit_rename(update: Update, context: LoaContext) -> None:
    """Rename a unit: /donvi_doiten UNIT | NEW NAME."""
    ref, name = _two_refs(update, TP.UNIT_RENAME_USAGE)
    loa = context.loa
    u = await loa.run(loa.members.rename_unit, ref, name, context.scope)
    await update.effective_chat.send_message(TP.UNIT_RENAMED.format(name=esc(u.name)),
                                             parse_mode=ParseMode.HTML)


@admin_only
async def unit_board_name(update: Update, context: LoaContext) -> None:
    """Set how a unit's board signs: /donvi_tenban UNIT | BOARD NAME."""
    ref, name = _two_refs(update, TP.UNIT_BOARD_NAME_USAGE)
    loa = context.loa
    u, board = await loa.run(loa.members.name_board, ref, name, context.scope)
    await update.effective_chat.send_message(
        TP.UNIT_BOARD_NAMED.format(unit=esc(u.name), board=esc(board)), parse_mode=ParseMode.HTML)


@admin_only
async def unit_move(update: Update, context: LoaContext) -> None:
    """Put a unit under another: /donvi_chuyen UNIT | NEW PARENT."""
    ref, parent = _two_refs(update, TP.UNIT_MOVE_USAGE)
    loa = context.loa
    u = await loa.run(loa.members.move_unit, ref, parent, context.scope)
    where = await loa.run(loa.members.unit_path, u.parent_id)
    await update.effective_chat.send_message(
        TP.UNIT_MOVED.format(name=esc(u.name), parent=esc(where)), parse_mode=ParseMode.HTML)


@admin_only
async def unit_stop(update: Update, context: LoaContext) -> None:
    """Deactivate a unit: /donvi_ngung UNIT."""
    ref = args_text(update).strip()
    if not ref:
        raise InvalidInput(TP.UNIT_STOP_USAGE)
    loa = context.loa
    u = await loa.run(loa.members.deactivate_unit, ref, context.scope)
    await update.effective_chat.send_message(TP.UNIT_STOPPED.format(name=esc(u.name)),
                                             parse_mode=ParseMode.HTML)


@admin_only
async def invite_revoke(update: Update, context: LoaContext) -> None:
    """Revoke an invite code: /moi_huy CODE."""
    code = args_text(update).split()[0] if args_text(update) else ""
    if not code:
        raise InvalidInput(TP.INVITE_REVOKE_USAGE)
    loa = context.loa
    inv = await loa.run(loa.members.revoke_invite, code, context.scope)
    if inv is None:
        raise NotFound(TP.INVITE_REVOKE_UNKNOWN, code=code[:64])
    await update.effective_chat.send_message(
        TP.INVITE_REVOKED.format(code=esc(inv.code), unit=esc(inv.unit_name)),
        parse_mode=ParseMode.HTML)


@admin_only
async def member_unadmin(update: Update, context: LoaContext) -> None:
    """Take the board role back, the person staying a member: /thanhvien_bo_admin ID."""
    await _change_member(update, context, context.loa.members.set_admin, False,
                         template=TP.MEMBER_UNADMIN)


@admin_only
async def member_admin(update: Update, context: LoaContext) -> None:
    """Grant the admin role: /thanhvien_admin ID."""
    await _change_member(update, context, context.loa.members.set_admin, True,
                         template=T.MEMBER_ADMIN)


COMMANDS = {
    "donvi": units, "donvi_them": unit_add, "moi": invite, "moi_ds": invites, "thanhvien": members,
    "thanhvien_chuyen": member_move, "thanhvien_ngung": member_deactivate,
    "thanhvien_baocao": member_reporter, "thanhvien_admin": member_admin,
    "moi_huy": invite_revoke, "thanhvien_bo_admin": member_unadmin,
    "donvi_doiten": unit_rename, "donvi_chuyen": unit_move, "donvi_ngung": unit_stop,
    "donvi_tenban": unit_board_name,
}


def register(app: Application) -> None:
    for name, callback in COMMANDS.items():
        app.add_handler(CommandHandler(name, callback, filters=filters.ChatType.PRIVATE))
