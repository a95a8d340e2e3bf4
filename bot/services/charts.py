"""PNG charts of reports per unit (matplotlib, Agg backend, a font with Vietnamese glyphs)."""
from __future__ import annotations

import io
import threading

from bot.text import shorten
from bot.texts import reports as T

MAX_UNITS = 40
_lock = threading.Lock()  # pyplot state is global; charts are drawn one at a time


def activity_chart(summary) -> bytes:
    """Two horizontal bar panels (activities, participants) per unit, as PNG bytes."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    units = sorted(summary.units, key=lambda u: (-u.count, -u.participants))
    hidden = max(0, len(units) - MAX_UNITS)
    units = list(reversed(units[:MAX_UNITS]))  # largest at the top
    names = [shorten(u.name, 32) for u in units]
    height = max(3.0, 0.38 * len(units) + 1.8)
    with _lock, matplotlib.rc_context({"font.family": "DejaVu Sans", "font.size": 9}):
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, height), sharey=True)
        try:
            y = range(len(units))
            bars = ax1.barh(y, [u.count for u in units], color="#c62828")
            ax1.bar_label(bars, padding=2, fontsize=8)
            ax1.set_yticks(list(y), names)
            ax1.set_title(T.CHART_ACTIVITIES)
            bars = ax2.barh(y, [u.participants for u in units], color="#1565c0")
            ax2.bar_label(bars, padding=2, fontsize=8)
            ax2.set_title(T.CHART_PARTICIPANTS)
            for ax in (ax1, ax2):
                ax.xaxis.get_major_locator().set_params(integer=True)
                ax.margins(x=0.15)
                ax.spines[["top", "right"]].set_visible(False)
            title = T.CHART_TITLE.format(label=summary.period.label)
            if hidden:
                title += " " + T.CHART_MORE.format(count=hidden)
            fig.suptitle(title, fontsize=12, fontweight="bold")
            fig.tight_layout()
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=110)
            return buf.getvalue()
        finally:
            plt.close(fig)
