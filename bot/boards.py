"""How each board is named in what members read: greetings, hand-offs, answers, broadcasts.

Since July 2025 the Party's propaganda work sits with the "Ban Tuyên giáo và Dân vận" of a
province's committee and with the "Ban Xây dựng Đảng" of a commune's or ward's committee. A unit
may carry the exact name its board signs with (`units.board_name`, set with
`loa units board-name` or /donvi_tenban); otherwise the name is read from the unit's own name,
and where the unit's name says nothing certain the text falls back to "Ban của <unit>" rather than
guess a body that may not exist.
"""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Unit
from indexer.text import fold

# What the top board is called when nothing else tells (no LOA_BOARD_NAME, several top units).
DEFAULT_TOP = "Ban Tuyên giáo"

# Folded name prefix -> how the board of such a unit is called ({name}: the unit's name,
# {rest}: the name after the prefix, as typed).
_RULES: tuple[tuple[str, str], ...] = (
    ("ban ", "{name}"),
    ("tinh uy ", "Ban Tuyên giáo và Dân vận {name}"),
    ("thanh uy ", "Ban Tuyên giáo và Dân vận {name}"),
    ("dang uy xa ", "Ban Xây dựng Đảng {name}"),
    ("dang uy phuong ", "Ban Xây dựng Đảng {name}"),
    ("dang uy dac khu ", "Ban Xây dựng Đảng {name}"),
    ("dang bo xa ", "Ban Xây dựng Đảng Đảng ủy xã {rest}"),
    ("dang bo phuong ", "Ban Xây dựng Đảng Đảng ủy phường {rest}"),
    ("dang bo dac khu ", "Ban Xây dựng Đảng Đảng ủy đặc khu {rest}"),
    ("xa ", "Ban Xây dựng Đảng Đảng ủy xã {rest}"),
    ("phuong ", "Ban Xây dựng Đảng Đảng ủy phường {rest}"),
    ("dac khu ", "Ban Xây dựng Đảng Đảng ủy đặc khu {rest}"),
    ("huyen uy ", "Ban Tuyên giáo {name}"),
    ("thi uy ", "Ban Tuyên giáo {name}"),
    ("quan uy ", "Ban Tuyên giáo {name}"),
    ("chi bo ", "Chi ủy {lower}"),
)
# Prefixes of a committee whose board can be the top board of an install.
_COMMITTEES = tuple(p for p, _ in _RULES if p != "chi bo ")


def board_title(unit_name: str, board_name: str | None = None) -> str:
    """The name a unit's board signs with: its own setting, else read from the unit's name."""
    if board_name and board_name.strip():
        return board_name.strip()
    name = " ".join(unit_name.split())
    folded = fold(name) + " "
    for prefix, form in _RULES:
        if folded.startswith(prefix):
            words = len(prefix.split())
            rest = " ".join(name.split()[words:])
            return form.format(name=name, rest=rest, lower=name[:1].lower() + name[1:])
    return f"Ban của {name}"


def top_title(s: Session, configured: str = "") -> str:
    """The top board's name: LOA_BOARD_NAME, else that of the one top-level unit, else generic."""
    if configured.strip():
        return configured.strip()
    tops = s.execute(select(Unit.name, Unit.board_name).where(
        Unit.parent_id.is_(None), Unit.active.is_(True)).limit(2)).all()
    if len(tops) == 1:
        name, own = tops[0]
        # A province's or commune's committee at the top names the top board; a chi bộ or an
        # unknown body alone at the top does not (the board above it is not in the tree).
        if (own and own.strip()) or (fold(name) + " ").startswith(_COMMITTEES):
            return board_title(name, own)
    return DEFAULT_TOP


def unit_board_title(s: Session, unit_id: int | None, configured: str = "") -> str:
    """The name of the board of `unit_id` (None: the top board)."""
    if unit_id is None:
        return top_title(s, configured)
    row = s.execute(select(Unit.name, Unit.board_name, Unit.parent_id)
                    .where(Unit.id == unit_id)).first()
    if row is None:
        return top_title(s, configured)
    if row.parent_id is None and configured.strip() and not row.board_name:
        # The one top unit's board is the top board: LOA_BOARD_NAME names it.
        only = s.scalar(select(Unit.id).where(Unit.parent_id.is_(None), Unit.active.is_(True),
                                              Unit.id != unit_id).limit(1)) is None
        if only:
            return configured.strip()
    return board_title(row.name, row.board_name)


_COMMITTEE = re.compile(r"\b(?:Tỉnh ủy|Thành ủy|Đảng ủy|Huyện ủy|Thị ủy|Quận ủy)\b", re.IGNORECASE)


def header_lines(title: str) -> tuple[str, str] | None:
    """A board's name as a Party document's header writes it: the committee it serves on the
    first line, the board itself below ("ĐẢNG ỦY XÃ AN BÌNH" / "BAN XÂY DỰNG ĐẢNG"); None
    when the name holds no committee."""
    m = _COMMITTEE.search(title)
    if m is None or m.start() == 0:
        return None
    return title[m.start():].strip(), title[:m.start()].strip()
