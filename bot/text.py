"""Cleaning of text that users send before it is stored or searched."""
from __future__ import annotations

import re
import unicodedata

# Control characters (NUL, escapes, C1) go; newline stays and tab becomes a space.
# Zero-width and bidi-override characters are dropped too: they hide text and break matching.
_DROP = ({c for c in range(0x20) if c not in (0x0A, 0x09)} | {0x7F} | set(range(0x80, 0xA0))
         | {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
            0x2066, 0x2067, 0x2068, 0x2069})
_TABLE = {c: None for c in _DROP} | {0x09: " "}
_SPACES = re.compile(r"[ \u00a0\u3000]+")


def clean(text: str | None) -> str:
    """NFC, without control/invisible characters or lone surrogates, single spaces, newlines kept."""
    text = unicodedata.normalize("NFC", text or "").translate(_TABLE)
    text = text.encode("utf-8", "ignore").decode("utf-8")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n")).strip()
