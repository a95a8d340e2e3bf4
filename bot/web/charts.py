"""Charts of the desk as inline SVG made here (nothing fetched, no script): they scale to the page."""
from __future__ import annotations

from html import escape

FONT = 11
CHAR_W = 6.8       # a generous width of one character at FONT (Vietnamese capitals with marks)
LABEL_W = 170      # the label column; a label wraps to two lines rather than run off the left
WIDTH = 380
LINE_CHARS = int((LABEL_W - 8) / CHAR_W)


def _lines(label: str) -> list[str]:
    """The label in at most two lines that fit the label column (the second cut with "…")."""
    label = " ".join(label.split())
    if len(label) <= LINE_CHARS:
        return [label]
    cut = label.rfind(" ", 0, LINE_CHARS + 1)
    cut = cut if cut > 0 else LINE_CHARS
    first, rest = label[:cut].rstrip(), label[cut:].strip()
    if len(rest) > LINE_CHARS:
        rest = rest[: LINE_CHARS - 1].rstrip() + "…"
    return [first, rest]


def bar_chart(items: list[tuple[str, int]], title: str) -> str:
    """Horizontal bars, one row per (label, value); long labels on two lines (the whole name on
    hover), values written at the end."""
    if not items:
        return ""
    top = max((v for _, v in items), default=0) or 1
    bar_room = WIDTH - LABEL_W - 44
    labels = [_lines(label) for label, _ in items]
    row = 34 if any(len(x) > 1 for x in labels) else 24
    height = row * len(items) + 6
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
             f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i, ((label, value), lines) in enumerate(zip(items, labels)):
        y = 3 + i * row
        mid = y + row / 2
        w = round(bar_room * value / top) if value else 0
        first = mid + 4 - (FONT / 2 + 1 if len(lines) > 1 else 0)
        spans = "".join(f'<tspan x="{LABEL_W - 6}" y="{first + k * (FONT + 2):.1f}">{escape(t)}</tspan>'
                        for k, t in enumerate(lines))
        parts.append(
            f'<g><title>{escape(label)}: {value}</title>'
            f'<text text-anchor="end" font-size="{FONT}">{spans}</text>'
            f'<rect x="{LABEL_W}" y="{mid - 8:.1f}" width="{max(w, 1 if value else 0)}" height="16"'
            f' rx="2" fill="{"#b71c1c" if value else "#ccc"}"/>'
            f'<text x="{LABEL_W + w + 4}" y="{mid + 4:.1f}" font-size="{FONT}">{value}</text></g>')
    parts.append("</svg>")
    return "".join(parts)
