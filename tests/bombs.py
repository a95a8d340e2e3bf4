"""Hostile documents from the security probe: zip bombs dressed as .docx and a PDF whose streams
inflate far past what any document needs. Built in memory, deterministically, in about a second."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

GB = 1024 ** 3
MB = 1024 ** 2

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '</Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
_DOC_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
             '<w:body><w:p><w:r><w:t>Kế hoạch tuyên truyền</w:t></w:r></w:p>'
             '<w:p><w:r><w:t>').encode()
_DOC_TAIL = b"</w:t></w:r></w:p></w:body></w:document>"


def _piece(data: bytes) -> bytes:
    """`data` as self-contained, non-final raw-deflate blocks (full flush: no back-references
    before it), so pieces can be concatenated, and repeated, into one valid stream."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    return comp.compress(data) + comp.flush(zlib.Z_FULL_FLUSH)


_END = zlib.compressobj(9, zlib.DEFLATED, -15).flush()   # the final (empty) block


def _deflated(size: int, head: bytes = b"", tail: bytes = b"") -> tuple[bytes, int]:
    """head + `size` spaces + tail as raw deflate (about 1 KB per MB) and their CRC-32."""
    block = b" " * MB
    unit = _piece(block)
    whole, rest = divmod(size, MB)
    parts = [_piece(head)] if head else []
    parts += [unit] * whole
    if rest:
        parts.append(_piece(block[:rest]))
    if tail:
        parts.append(_piece(tail))
    parts.append(_END)
    crc = zlib.crc32(head)
    for _ in range(whole):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, zlib.crc32(block[:rest], crc))
    return b"".join(parts), crc


def _zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of (name, raw deflate data, crc, uncompressed size), headers written by hand so a
    1 GB member never has to exist uncompressed."""
    buf = io.BytesIO()
    central = []
    for name, data, crc, size in members:
        offset = buf.tell()
        n = name.encode()
        buf.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data),
                              size, len(n), 0) + n + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc,
                                   len(data), size, len(n), 0, 0, 0, 0, 0, offset) + n)
    start = buf.tell()
    for entry in central:
        buf.write(entry)
    buf.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central),
                          buf.tell() - start, start, 0))
    return buf.getvalue()


def _small(name: str, text: str) -> tuple[str, bytes, int, int]:
    raw = text.encode()
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    return name, comp.compress(raw) + comp.flush(), zlib.crc32(raw), len(raw)


def docx_bomb(unpacked: int = GB) -> bytes:
    """A .docx of about 1 MB whose document.xml unpacks to `unpacked` bytes (well-formed XML)."""
    data, crc = _deflated(unpacked - len(_DOC_HEAD) - len(_DOC_TAIL), _DOC_HEAD, _DOC_TAIL)
    return _zip([_small("[Content_Types].xml", _CONTENT_TYPES), _small("_rels/.rels", _RELS),
                 ("word/document.xml", data, crc, unpacked)])


def docx_lying_bomb(unpacked: int = GB) -> bytes:
    """A .docx whose zip directory claims a small document.xml that really inflates to 1 GB."""
    data, crc = _deflated(unpacked - len(_DOC_HEAD) - len(_DOC_TAIL), _DOC_HEAD, _DOC_TAIL)
    return _zip([_small("[Content_Types].xml", _CONTENT_TYPES), _small("_rels/.rels", _RELS),
                 ("word/document.xml", data, crc, 4096)])


def docx_many_parts(parts: int = 20_000) -> bytes:
    """A .docx of tens of thousands of tiny parts (each one a ZipInfo and a read if opened)."""
    members = [_small("[Content_Types].xml", _CONTENT_TYPES), _small("_rels/.rels", _RELS),
               _small("word/document.xml", _DOC_HEAD.decode() + "x" + _DOC_TAIL.decode())]
    filler = _small("a", "")
    members += [(f"word/media/p{i}.bin", filler[1], filler[2], 0) for i in range(parts)]
    return _zip(members)


def pdf_bomb(unpacked: int = GB, pages: int = 1) -> bytes:
    """A PDF with `pages` pages whose content streams each inflate to `unpacked` bytes."""
    stream, _ = _deflated(unpacked)
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(pages))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i in range(pages):
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                       f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>"
                       .encode())
        objects.append(f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode()
                       + _zlib_wrap(stream) + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{n} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
              .encode())
    return out.getvalue()


def _zlib_wrap(raw_deflate: bytes) -> bytes:
    """zlib framing around a raw deflate stream (FlateDecode expects it); the checksum is left
    zero: the stream is refused long before it would be checked."""
    return b"\x78\xda" + raw_deflate + b"\x00\x00\x00\x00"
