"""Cleaning of text that users send before it is stored or searched."""
from __future__ import annotations

import re
import unicodedata

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


def clean(text: str | None) -> str:
    """NFC, without control/invisible characters or lone surrogates, single spaces, newlines kept."""
    text = unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n")).translate(_TABLE)
    text = text.encode("utf-8", "ignore").decode("utf-8")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n")).strip()


def clean_name(text: str | None, limit: int = NAME_MAX) -> str:
    """A person's or unit's name: cleaned like report text, on one line, at most `limit` long."""
    return " ".join(clean(text).split())[:limit].strip()
