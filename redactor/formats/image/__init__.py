"""Scanned images delivered as files: PNG, JPEG and TIFF (a multi-page TIFF is one page per
frame), in and out in the same format.

- read: each page is read by OCR (``redactor.ocr``: Tesseract words with boxes and
  confidences, orientation by OSD) into a ``Page`` whose character boxes are in a PDF-like
  user space (points, origin bottom left: ``pixels.user_matrix``), so detection and planning
  treat it like an OCR'd PDF page. An image without text (a logo) reads as an empty page and
  is released unchanged except for its metadata. Without tesseract the pages have no text
  and the plan sends the image to review.
- write (``write.py``): opaque boxes burned into the pixels, each labelled with its
  exemption codes; every piece of metadata (EXIF with GPS, XMP, IPTC, PNG text chunks, TIFF
  descriptive tags) dropped, since the copy is built from pixel data alone (the ICC colour
  profile and the resolution are kept).
- verify (``verify.py``): the pixels in each box are the box and its label (re-rendered and
  compared), the copy carries no metadata, and OCR of the copy finds no withheld value.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from ...errors import BadInputError
from ...model import Document, OcrInfo, Page, Plan
from ..base import DocumentFormat, WriteResult
from . import pixels

if TYPE_CHECKING:  # pragma: no cover
    from ...settings import Settings


class ImageFormat(DocumentFormat):
    name: ClassVar[str] = "image"
    description: ClassVar[str] = "scanned image (PNG, JPEG, TIFF)"
    suffixes: ClassVar[tuple[str, ...]] = (".png", ".jpg", ".jpeg", ".tif", ".tiff")

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        return pixels.kind_of(head) is not None

    def read(self, path: Path, settings: "Settings") -> Document:
        return read_image(path)

    def write(self, plan: Plan, out_path: Path, settings: "Settings") -> WriteResult:
        from .write import write_image

        return write_image(plan, out_path)

    def verify(self, plan: Plan, out_path: Path, written: WriteResult) -> list[str]:
        from .verify import verify_image

        return verify_image(plan, out_path)


def read_image(path: Path) -> Document:
    from ... import ocr

    raw = path.read_bytes()
    scan = pixels.load(path)
    use_ocr = ocr.available()
    pages = []
    for number, image in enumerate(scan.pages, start=1):
        width, height = pixels.page_size(image, scan.dpi)
        page = Page(number=number, text="", char_boxes=[], width=width, height=height, has_text_layer=False,
                    image_count=1)
        if use_ocr:
            try:
                read = pixels.ocr_page(image, width, height, number)
            except ocr.OcrUnavailable as exc:
                raise BadInputError(f"page {number}: {exc}") from None
            text = ocr.page_text(read.words)
            page.text, page.char_boxes = text.text, list(text.char_boxes)
            page.ocr = OcrInfo(kind="no text layer", dpi=round(read.dpi, 1), orientation=read.orientation,
                               confidence=round(read.confidence, 1), char_confidence=tuple(text.confidence),
                               signature_ink=read.signature_ink)
        pages.append(page)
    return Document(source=path, format=ImageFormat.name, pages=pages, sha256=hashlib.sha256(raw).hexdigest())


__all__ = ["ImageFormat", "read_image"]
