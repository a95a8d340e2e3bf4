"""Text helpers: cleaning what users send, and escaping, shortening and dating what the bot shows."""
from __future__ import annotations

import html
import re
import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

# Control characters (NUL, escapes, C1) go; newline stays and tab becomes a space.
# Invisible characters go too: zero-width, bidi marks, embeddings, overrides and isolates
# (U+202E can show a name reversed), the soft hyphen and invisible operators; they hide text
# and break matching. Line and paragraph separators become newlines.
_DROP = ({c for c in range(0x20) if c not in (0x0A, 0x09)} | {0x7F} | set(range(0x80, 0xA0))
         | {0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E,
            0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2060, 0x2061, 0x2062, 0x2063,
            0x2064, 0x2066, 0x2067, 0x2068, 0x2069, 0x206A, 0x206B, 0x206C, 0x206D, 0x206E,
            0x206F, 0x3164, 0xFEFF, 0xFFA0}
         | set(range(0xFFF9, 0xFFFC)))
_TABLE = {c: None for c in _DROP} | {0x09: " ", 0x2028: "\n", 0x2029: "\n", 0x0D: "\n"}
_SPACES = re.compile(r"[ \u00a0\u2000-\u200a\u202f\u205f\u3000]+")
NAME_MAX = 200
TAG_RE = re.compile(r"<[^>]+>")


ID_DIGITS = 12            # ids a person may type or a button may carry: 1 to 999,999,999,999
_ID = re.compile(r"[0-9]{1,%d}" % ID_DIGITS)


def parse_id(value: str | None) -> int | None:
    """A record number typed or carried by a button: ASCII digits, at most 12 of them (so it
    fits every database's integer); None for anything else ("²", "٣", 40 digits, "-1")."""
    value = (value or "").strip().lstrip("#")
    return int(value) if _ID.fullmatch(value) else None


def number_and_text(args: str | None) -> tuple[int | None, str]:
    """"12 nội dung" (a record number, then what is said about it): (number or None, the rest)."""
    parts = (args or "").split(maxsplit=1)
    return (parse_id(parts[0]) if parts else None), (parts[1] if len(parts) > 1 else "")


def clean(text: str | None) -> str:
    """NFC, without control/invisible characters or lone surrogates, single spaces, newlines kept."""
    text = unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n")).translate(_TABLE)
    text = text.encode("utf-8", "ignore").decode("utf-8")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n")).strip()


def esc(value: object) -> str:
    """Escape any user or document string for Telegram HTML."""
    return html.escape(str(value if value is not None else ""), quote=False)


def plain(html_text: str | None) -> str:
    """What Telegram shows of an HTML text: tags dropped, entities decoded."""
    return html.unescape(TAG_RE.sub("", html_text or ""))


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters; a cut text ends in "…"."""
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def esc_short(text: str, limit: int) -> str:
    """Escaped and shortened so that the *escaped* text fits `limit` (escaping can grow it 5×)."""
    return esc(fit_escaped(text, limit))


def fit_escaped(text: str, limit: int) -> str:
    """`text` shortened (not escaped) so that its escaped form fits `limit`."""
    size = limit
    out = shorten(text, size)
    while len(esc(out)) > limit:
        size = int(size * 0.8)
        out = shorten(text, size)
    return out


def one_line(text: str) -> str:
    """Whitespace (newlines too) folded to single spaces."""
    return " ".join((text or "").split())


def fmt_date(d: date) -> str:
    """DD/MM/YYYY, the way dates are written in Vietnam."""
    return d.strftime("%d/%m/%Y")


def fmt_datetime(at: datetime | None, tz: ZoneInfo) -> str:
    """DD/MM/YYYY HH:MM in the bot's time zone (empty for None)."""
    return at.astimezone(tz).strftime("%d/%m/%Y %H:%M") if at else ""


def clean_name(text: str | None, limit: int = NAME_MAX) -> str:
    """A person's or unit's name: cleaned like report text, on one line, at most `limit` long."""
    return " ".join(clean(text).split())[:limit].strip()
