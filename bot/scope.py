"""Who may see and act on what: a board member's scope is a unit and everything under it.

Worked out once per admin action from the database (never cached across updates), then passed
into every service query that reads or changes units, members, invites, broadcasts, reports,
questions or documents, so no service can forget the rule. The top-level board
(LOA_ADMIN_IDS, or an admin with no board unit) sees the whole tree.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from bot.db.models import Unit

MAX_DEPTH = 4   # root board › commune › chi bộ › tổ


@dataclass(frozen=True)
class Scope:
    """What one board member may see and act on."""
    telegram_id: int
    member_id: int | None
    unit_id: int | None               # the board's own unit; None: the top-level board
    unit_ids: frozenset[int] | None   # unit_id and every unit under it; None: every unit

    @property
    def is_top(self) -> bool:
        return self.unit_ids is None

    def covers(self, unit_id: int | None) -> bool:
        """Whether a unit (None: a member or object without a unit) is inside this scope."""
        if self.unit_ids is None:
            return True
        return unit_id is not None and unit_id in self.unit_ids

    def where(self, column) -> ColumnElement[bool]:
        """An SQL condition keeping rows whose unit column is inside this scope."""
        if self.unit_ids is None:
            return true()
        return column.in_(sorted(self.unit_ids))


# The command line (run by whoever runs the server) acts for the whole tree.
TOP = Scope(0, None, None, None)


def board_scope(unit_id: int | None, unit_ids: Iterable[int]) -> Scope:
    """A unit's board when the server acts for it, no person behind it (a quiz's reminder, a report
    draft): `unit_ids` is the unit and everything under it; None is the top board."""
    return TOP if unit_id is None else Scope(0, None, unit_id, frozenset(unit_ids))


def subtree(s: Session, unit_id: int | Iterable[int]) -> frozenset[int]:
    """`unit_id` (or each of several) and every unit under it (inactive ones too: their
    history stays visible)."""
    roots = [unit_id] if isinstance(unit_id, int) else list(unit_id)
    found = set(roots)
    frontier = list(roots)
    for _ in range(MAX_DEPTH + 1):   # a tree deeper than allowed (or a cycle) stops here
        if not frontier:
            break
        children = list(s.scalars(select(Unit.id).where(Unit.parent_id.in_(frontier))))
        frontier = [c for c in children if c not in found]
        found.update(frontier)
    return frozenset(found)


def path(s: Session, unit_id: int | None) -> list[Unit]:
    """The unit and its ancestors, root first (Tỉnh › Xã › Chi bộ)."""
    out: list[Unit] = []
    seen: set[int] = set()
    while unit_id is not None and unit_id not in seen and len(out) <= MAX_DEPTH:
        u = s.get(Unit, unit_id)
        if u is None:
            break
        out.append(u)
        seen.add(unit_id)
        unit_id = u.parent_id
    return list(reversed(out))


def children(s: Session, scope: Scope) -> list[Unit]:
    """The units one level below the scope's unit (the top-level units for the top board)."""
    parent = Unit.parent_id.is_(None) if scope.unit_id is None else Unit.parent_id == scope.unit_id
    return list(s.scalars(select(Unit).where(parent).order_by(Unit.name)))
