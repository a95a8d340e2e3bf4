"""Charts of the desk as inline SVG made here (nothing fetched, no script): they scale to the page."""
from __future__ import annotations

from html import escape

ROW = 24
LABEL_W = 130
WIDTH = 340


def _short(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(items: list[tuple[str, int]], title: str) -> str:
    """Horizontal bars, one row per (label, value); labels shortened, values written at the end."""
    if not items:
        return ""
    top = max((v for _, v in items), default=0) or 1
    bar_room = WIDTH - LABEL_W - 40
    height = ROW * len(items) + 6
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
             f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(items):
        y = 3 + i * ROW
        w = round(bar_room * value / top) if value else 0
        parts.append(
            f'<text x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end" font-size="11">'
            f'{escape(_short(label))}</text>'
            f'<rect x="{LABEL_W}" y="{y + 3}" width="{max(w, 1 if value else 0)}" height="{ROW - 8}"'
            f' rx="2" fill="{"#b71c1c" if value else "#ccc"}"/>'
            f'<text x="{LABEL_W + w + 4}" y="{y + 15}" font-size="11">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)
