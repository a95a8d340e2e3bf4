"""Reading knowledge files (.txt, .md, .docx, .pdf) into plain NFC text, one paragraph per line."""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
from pathlib import Path

from indexer.errors import DocumentUnreadable
from indexer.text import nfc

SUPPORTED = (".txt", ".md", ".docx", ".pdf")
# Office formats people are likely to drop in by mistake: reported, not silently skipped.
KNOWN_UNSUPPORTED = (".doc", ".rtf", ".odt", ".xls", ".xlsx", ".ppt", ".pptx", ".jpg", ".jpeg", ".png")

# Limits that keep a hostile file (a "zip bomb": 1 MB that unpacks to 1 GB) from taking the
# process's memory. A .docx is checked against its zip directory before anything is unpacked, then
# its XML parts are unpacked a slice at a time, never past the size they declare (a member that
# inflates further is cut there and fails its checksum); a .pdf is bounded stream by stream while
# its text is extracted. Real documents stay far below these.
TEXT_MAX_BYTES = 50 * 1024 * 1024          # a .txt/.md file
DOCX_MAX_PARTS = 2_000                     # members of the zip
DOCX_MAX_XML = 40 * 1024 * 1024            # all XML parts together, unpacked (images are skipped)
PDF_MAX_STREAM = 10 * 1024 * 1024          # one decoded stream
PDF_MAX_CONTENT = 50 * 1024 * 1024         # the decoded page contents of the whole document
PDF_MAX_PAGES = 5_000

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


def _too_large(what: str, size: float, limit: float, unit: str = "MB") -> DocumentUnreadable:
    """The one wording of "over a limit" (the bot recognises "too large" in it)."""
    if unit == "MB":
        size, limit = size / 1024 / 1024, limit / 1024 / 1024
        return DocumentUnreadable(f"too large: {what} {size:.0f} MB, limit {limit:.0f} MB")
    return DocumentUnreadable(f"too large: {what} {size:.0f}, limit {limit:.0f}")


def _read_text(path: Path) -> str:
    size = path.stat().st_size
    if size > TEXT_MAX_BYTES:
        raise _too_large("text file of", size, TEXT_MAX_BYTES)
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

    document = docx.Document(unpack_docx(path))
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


def unpack_docx(path: Path) -> io.BytesIO:
    """The .docx's XML parts, unpacked within the limits, as a stored zip for python-docx.

    python-docx reads each part whole, and zipfile's whole read inflates all the compressed data
    before cutting it to the declared size; so the parts are read here in slices instead. Images,
    fonts and embedded files are not needed for the text and are left empty (never inflated).
    """
    with zipfile.ZipFile(path) as z:
        parts = [p for p in z.infolist() if not p.is_dir()]
        if len(parts) > DOCX_MAX_PARTS:
            raise _too_large("docx with parts:", len(parts), DOCX_MAX_PARTS, unit="")
        xml = [p for p in parts if p.filename.lower().endswith((".xml", ".rels"))]
        declared = sum(p.file_size for p in xml)
        if declared > DOCX_MAX_XML:
            raise _too_large("docx text parts unpack to", declared, DOCX_MAX_XML)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as packed:
            for part in parts:
                data = b""
                if part in xml:
                    with z.open(part) as f:  # stops at the declared size, checks the CRC there
                        data = b"".join(iter(lambda: f.read(1024 * 1024), b""))
                packed.writestr(part.filename, data)
    out.seek(0)
    return out


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


def _pdf_limits():
    """pypdf's own decoding limits, tightened for this thread (recent pypdf's Configuration)."""
    try:
        from pypdf import apply_configuration
    except ImportError:  # older pypdf: its module-wide zlib limit, lowered for the whole process
        from pypdf import filters
        if getattr(filters, "ZLIB_MAX_OUTPUT_LENGTH", 0) > PDF_MAX_STREAM:
            filters.ZLIB_MAX_OUTPUT_LENGTH = PDF_MAX_STREAM
        return contextlib.nullcontext()
    import dataclasses

    from pypdf import Configuration
    known = {f.name for f in dataclasses.fields(Configuration)}
    limits = dict(
        zlib_maximum_output_length=PDF_MAX_STREAM, lzw_maximum_output_length=PDF_MAX_STREAM,
        run_length_maximum_output_length=PDF_MAX_STREAM,
        brotli_maximum_output_length=PDF_MAX_STREAM,
        array_based_stream_maximum_output_length=PDF_MAX_STREAM,
        stream_decoding_work_maximum_length=2 * PDF_MAX_STREAM,
        image_maximum_buffer_size=PDF_MAX_STREAM)
    return apply_configuration(**{k: v for k, v in limits.items() if k in known})


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PyPdfError

    try:
        with _pdf_limits():
            reader = PdfReader(str(path))
            if reader.is_encrypted:
                try:
                    reader.decrypt("")
                except Exception as exc:
                    raise DocumentUnreadable("the PDF is password-protected") from exc
            if len(reader.pages) > PDF_MAX_PAGES:
                raise _too_large("PDF with pages:", len(reader.pages), PDF_MAX_PAGES, unit="")
            pages, content = [], 0
            for page in reader.pages:
                # Decoded page contents stay cached in the reader: bound them for the document.
                stream = page.get_contents()
                content += len(stream.get_data()) if stream is not None else 0
                if content > PDF_MAX_CONTENT:
                    raise _too_large("PDF page contents unpack to more than", content,
                                     PDF_MAX_CONTENT)
                pages.append(page.extract_text() or "")
    except DocumentUnreadable:
        raise
    except PyPdfError as exc:
        if "limit" in str(exc).lower():  # LimitReachedError: pypdf refused a stream's size
            raise DocumentUnreadable(f"too large: a PDF stream unpacks past "
                                     f"{PDF_MAX_STREAM // 1024 // 1024} MB ({exc})") from exc
        if isinstance(exc, PdfReadError):
            raise DocumentUnreadable(f"not a valid PDF: {exc}") from exc
        raise
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
