"""Reading knowledge files (.txt, .md, .docx, .pdf) into plain NFC text, one paragraph per line."""

from __future__ import annotations

import re
from pathlib import Path

from indexer.errors import DocumentUnreadable
from indexer.text import nfc

SUPPORTED = (".txt", ".md", ".docx", ".pdf")
# Office formats people are likely to drop in by mistake: reported, not silently skipped.
KNOWN_UNSUPPORTED = (".doc", ".rtf", ".odt", ".xls", ".xlsx", ".ppt", ".pptx", ".jpg", ".jpeg", ".png")

_MARKER = re.compile(r"^\s*(?:[IVX]+\.|\d+(?:\.\d+)*\.|[a-zđ]\)|[-–•+*]|Nơi nhận|T/M|K/T|TM\.|KT\.)", re.IGNORECASE)


def is_candidate(path: Path) -> bool:
    """Whether a file in the knowledge folder is meant to be indexed (or reported as unreadable)."""
    if path.name.startswith((".", "~$")) or not path.is_file():
        return False
    return path.suffix.lower() in SUPPORTED + KNOWN_UNSUPPORTED


def read_document(path: Path) -> str:
    """Return the text of `path`, NFC, paragraphs on their own lines; raise DocumentUnreadable with a reason."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DocumentUnreadable(f"unsupported file type {suffix or '(none)'}; use .docx, .pdf, .md or .txt")
    try:
        if suffix in (".txt", ".md"):
            text = _read_text(path)
        elif suffix == ".docx":
            text = _read_docx(path)
        else:
            text = _read_pdf(path)
    except DocumentUnreadable:
        raise
    except Exception as exc:  # any parser failure is a property of the file, not a bug of the build
        raise DocumentUnreadable(f"cannot read {suffix[1:]} file: {type(exc).__name__}: {exc}".strip()) from exc
    text = nfc(text).replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    if not text.strip():
        raise DocumentUnreadable("no text (scanned PDF?)" if suffix == ".pdf" else "the file is empty")
    return text


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Notepad's "Unicode"
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentUnreadable("text is not UTF-8; save the file as UTF-8") from None


def _read_docx(path: Path) -> str:
    import docx  # python-docx; imported lazily so plain-text builds don't pay for it
    from docx.oxml.ns import qn

    document = docx.Document(str(path))
    lines: list[str] = []
    # Walk the body in order so tables (the usual two-column header and signature) stay in place.
    for block in document.element.body.iterchildren():
        if block.tag == qn("w:p"):
            lines.extend(_docx_paragraph_lines(block))
        elif block.tag == qn("w:tbl"):
            for row in block.iter(qn("w:tr")):
                for cell in row.iter(qn("w:tc")):
                    for p in cell.iter(qn("w:p")):
                        lines.extend(_docx_paragraph_lines(p))
    return "\n".join(lines)


def _docx_paragraph_lines(p) -> list[str]:
    from docx.oxml.ns import qn

    parts: list[str] = []
    for node in p.iter():
        if node.tag == qn("w:t") and node.text:
            parts.append(node.text)
        elif node.tag in (qn("w:br"), qn("w:cr")):
            parts.append("\n")
        elif node.tag == qn("w:tab"):
            parts.append("\t")
    return "".join(parts).split("\n")


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception as exc:
                raise DocumentUnreadable("the PDF is password-protected") from exc
        pages = [page.extract_text() or "" for page in reader.pages]
    except PdfReadError as exc:
        raise DocumentUnreadable(f"not a valid PDF: {exc}") from exc
    lines: list[str] = []
    for page in pages:
        lines.extend(_unwrap(page.split("\n")))
    text = "\n".join(lines)
    if not text.strip():
        raise DocumentUnreadable("no text (scanned PDF?)")
    return text


def _unwrap(lines: list[str]) -> list[str]:
    """Join the lines a PDF wrapped inside one paragraph back together.

    A line continues the previous one when it starts in lower case, or when the previous one was
    (nearly) full width and did not end a sentence; structural markers (I., 1., a), bullets) never continue.
    """
    stripped = [ln.rstrip() for ln in lines]
    width = max((len(ln) for ln in stripped), default=0)
    out: list[str] = []
    for ln in stripped:
        s = ln.strip()
        if not s:
            out.append("")
            continue
        if out and out[-1].strip() and not _MARKER.match(s):
            prev = out[-1]
            starts_lower = s[0].islower()
            full_prev = len(prev) >= 0.8 * width and not prev.rstrip().endswith((".", ":", ";", "!", "?"))
            if starts_lower or full_prev:
                out[-1] = prev.rstrip() + " " + s
                continue
        out.append(s)
    return out
