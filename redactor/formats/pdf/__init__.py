"""PDF: read with pdfminer or pdfium (text and character boxes), write by rewriting the content
streams with pikepdf (true removal of text, images, vector shapes, annotations, font entries),
verify with the other engine (pdfium or pdfminer) and a walk of every object.

Modules, from the bottom up:

- ``read``: pages of text with character boxes (pdfminer layout analysis), the default.
- ``read_pdfium``: the same from pdfium (``--pdf-reader pdfium``), faster, pdfium's order.
- ``fonts``: font metrics and encodings (widths, code -> text) for the content walker.
- ``layout``: the glyph-position defence (boxes of standard width, kept text moved).
- ``content``: the one content-stream walker, with hook sets that remove what is under boxes,
  measure glyphs, and collect the codes still drawn (for ``fontprune``).
- ``images``: removes the pixels of images under boxes.
- ``fontprograms``, ``fontprune``: forget widths, Unicode entries and glyph outlines used only
  by removed text.
- ``sanitize``: metadata, scripts, attachments, strings outside page content.
- ``labels``: the exemption labels (one font, one width table).
- ``flatten``: ``--flatten``, pages as pictures with an invisible text layer.
- ``ocr_layer``: a scanned page's own OCR text layer removed, a new one of the kept words
  drawn (the OCR itself is ``redactor/ocr.py``; ``read`` calls it for scanned pages).
- ``write``: the writer, using all of the above.
- ``verify``: the verifier; it imports none of the writer's modules (only geometry, values).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..base import DocumentFormat, WriteResult

if TYPE_CHECKING:  # pragma: no cover
    from ...model import Document, Plan
    from ...settings import Settings


class PdfFormat(DocumentFormat):
    name = "pdf"
    description = "PDF"
    suffixes = (".pdf",)

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        return b"%PDF-" in head[:1024]

    @classmethod
    def mismatch(cls, head: bytes, path: Path) -> str | None:
        if path.suffix.lower() != ".pdf":
            return None
        return "not a PDF: the file is empty" if not head else "not a PDF: no %PDF header"

    def read(self, path: Path, settings: "Settings") -> "Document":
        if getattr(settings, "pdf_reader", "pdfminer") == "pdfium":
            from .read_pdfium import read_pdf as read_with_pdfium

            return read_with_pdfium(path, password=settings.password)
        from .read import read_pdf

        return read_pdf(path, password=settings.password)

    def write(self, plan: "Plan", out_path: Path, settings: "Settings") -> WriteResult:
        from .write import write_pdf

        return write_pdf(plan, out_path, settings)

    def verify(self, plan: "Plan", out_path: Path, written: WriteResult) -> list[str]:
        from .verify import verify_pdf_output

        checked = written.plan or plan
        return verify_pdf_output(out_path, checked, dict(written.drawn), reader=checked.document.reader or "pdfminer")
