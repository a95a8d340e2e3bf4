"""Zalo's wire text: Loa's HTML messages as plain text, cut into pieces of at most 2,000
characters at a sentence or line end."""
from __future__ import annotations

import html
import re

TEXT_LIMIT = 2000          # Zalo's limit for a text message (and a caption)

_LINK = re.compile(r'<a\s+href="([^"]*)"[^>]*>(.*?)</a>', re.S | re.I)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?>")
_BREAK = re.compile(r"(?<=[.!?…;:])\s+")


def plain(html_text: str) -> str:
    """Telegram-HTML as plain text: tags dropped, entities decoded, a link kept with its URL."""
    def link(m: re.Match) -> str:
        url, label = html.unescape(m.group(1)), m.group(2)
        return label if url in label else f"{label} ({url})"
    text = _LINK.sub(link, html_text or "")
    text = _TAG.sub("", text)
    return html.unescape(text).strip()


def pieces(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """`text` in messages of at most `limit` characters: whole lines together where they fit, a
    long line cut after a sentence, a sentence longer than a message cut at a space."""
    text = (text or "").strip()
    if len(text) <= limit:
        return [text] if text else []
    out: list[str] = []
    current = ""

    def flush() -> None:
        nonlocal current
        if current.strip():
            out.append(current.strip())
        current = ""

    for line in text.split("\n"):
        for part in _fit(line, limit):
            joined = f"{current}\n{part}" if current else part
            if len(joined) <= limit:
                current = joined
            else:
                flush()
                current = part
    flush()
    return out


def _fit(line: str, limit: int) -> list[str]:
    """One line as parts of at most `limit` characters (sentences first, then words)."""
    if len(line) <= limit:
        return [line]
    parts: list[str] = []
    current = ""
    for sentence in _BREAK.split(line):
        for chunk in _words(sentence, limit):
            joined = f"{current} {chunk}" if current else chunk
            if len(joined) <= limit:
                current = joined
            else:
                parts.append(current)
                current = chunk
    if current:
        parts.append(current)
    return parts


def _words(sentence: str, limit: int) -> list[str]:
    if len(sentence) <= limit:
        return [sentence]
    out, current = [], ""
    for word in sentence.split(" "):
        while len(word) > limit:   # no space to cut at: cut hard
            if current:
                out.append(current)
                current = ""
            out.append(word[:limit])
            word = word[limit:]
        joined = f"{current} {word}" if current else word
        if len(joined) <= limit:
            current = joined
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    return out
