"""Document formats and the registry the pipeline asks.

One line per format, in the order files are sniffed (most specific first). A new format is
one new module or package here plus one line in ``REGISTRY``. ``for_file`` tells a file's
format from its bytes (its name only as a hint); a file no format takes gets one clear
message saying what it looks like.
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache
from pathlib import Path

from ..errors import BadInputError
from .base import DocumentFormat, WriteResult, sha256_file

REGISTRY: tuple[str, ...] = (
    "redactor.formats.pdf:PdfFormat",
    "redactor.formats.email:EmailFormat",
    "redactor.formats.email:MboxFormat",
    "redactor.formats.text:TextFormat",
    "redactor.formats.docx:DocxFormat",
    "redactor.formats.image:ImageFormat",
)

HEAD_BYTES = 8192  # how much of a file sniffing reads


@lru_cache(maxsize=None)
def formats() -> tuple[DocumentFormat, ...]:
    out = []
    for spec in REGISTRY:
        module, _, cls = spec.partition(":")
        out.append(getattr(importlib.import_module(module), cls)())
    return tuple(out)


def by_name(name: str) -> DocumentFormat:
    for fmt in formats():
        if fmt.name == name:
            return fmt
    raise KeyError(name)


def for_file(path: Path) -> DocumentFormat:
    """The format of the file at ``path``, or ``BadInputError`` with a one-line reason that
    names what the file was taken for ("unsupported format: looks like a Word document
    (.doc)")."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise BadInputError(f"cannot read: {exc.strerror}") from None
    for fmt in formats():
        if fmt.sniff(head, path):
            return fmt
    looks = looks_like(head, path)
    for fmt in formats():
        why = fmt.mismatch(head, path)
        if why:
            raise BadInputError(f"{why.split(':')[0]}: looks like {looks}" if looks and head else why)
    if looks:
        raise BadInputError(f"unsupported format: looks like {looks}")
    supported = ", ".join(f.description for f in formats())
    raise BadInputError(f"unsupported format: '{path.suffix.lower() or path.name}' (supported: {supported})")


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_KINDS = {".msg": "an Outlook message (.msg)", ".xls": "an Excel workbook (.xls)",
              ".ppt": "a PowerPoint presentation (.ppt)"}
_ZIP_KINDS = ((b"word/", ".docx", "a Word document (DOCX)"), (b"xl/", ".xlsx", "an Excel workbook (XLSX)"),
              (b"ppt/", ".pptx", "a PowerPoint presentation (PPTX)"))
_MAGIC = ((b"\x89PNG", "an image (PNG)"), (b"\xff\xd8\xff", "an image (JPEG)"), (b"II*\x00", "an image (TIFF)"),
          (b"MM\x00*", "an image (TIFF)"), (b"GIF8", "an image (GIF)"), (b"{\\rtf", "a Rich Text document (RTF)"))
_EMAIL_HEADER = re.compile(rb"^(?:From|Received|Return-Path|Delivered-To|MIME-Version|Message-ID|Subject|To):",
                           re.IGNORECASE | re.MULTILINE)


def looks_like(head: bytes, path: Path) -> str | None:
    """What a file no registered format takes appears to be, from its first bytes."""
    suffix = path.suffix.lower()
    if head.startswith(_OLE):
        return _OLE_KINDS.get(suffix, "a Word document (.doc)")
    if head.startswith(b"PK\x03\x04"):
        for marker, ext, what in _ZIP_KINDS:
            if marker in head or suffix == ext:
                return what
        return "a ZIP archive"
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    start = head.lstrip()[:512]
    if start.lower().startswith((b"<!doctype html", b"<html")):
        return "a web page (HTML)"
    if suffix in (".eml", ".mbox") or (b"\x00" not in head and len(_EMAIL_HEADER.findall(head[:4096])) >= 2
                                       and _EMAIL_HEADER.match(head)):
        return "an email message (.eml)"
    return None


__all__ = ["DocumentFormat", "WriteResult", "REGISTRY", "formats", "by_name", "for_file", "looks_like",
           "sha256_file"]
