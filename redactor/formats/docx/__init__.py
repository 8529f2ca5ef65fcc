"""Word documents (DOCX, WordprocessingML in an OPC zip package).

- ``package``: the zip read safely (hostile names, sizes, bombs, DTDs refused).
- ``stories``: where the text lives (body, headers, footers, notes, comments, tracked
  deletions, field codes and link targets, alt text, properties, other parts), one page each,
  with a map from every character back to the run, element or attribute it came from.
- ``write``: the release copy (black runs with the exemption code; comments, revisions,
  authors, thumbnails and embedded objects removed).
- ``verify``: an independent re-read of every member of the copy (zipfile + expat).

Embedded images are pages without a text layer: the document waits for review until OCR can
read them (``image_text`` is the hook).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from ..base import DocumentFormat, WriteResult

if TYPE_CHECKING:  # pragma: no cover
    from ...model import Document, Plan
    from ...settings import Settings

ZIP_MAGIC = b"PK\x03\x04"
SUFFIXES = (".docx", ".docm", ".dotx", ".dotm")


MAX_IMAGE_PIXELS = 50_000_000  # larger embedded images are not decoded (bombs): review


def image_text(data: bytes, settings: "Settings") -> str | None:
    """The text of an embedded image by OCR (tesseract, ``redactor.ocr``), one line per OCR
    line; "" for an image without text. None sends the document to review: no OCR engine,
    an image that cannot be decoded (EMF, WMF...), or a word OCR read with low confidence
    (handwriting, a stamp: it could be a name). An image whose text holds anything withheld
    is withheld whole by the writer (a black image of the same size)."""
    from ... import ocr

    if not ocr.available():
        return None
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.width * im.height > MAX_IMAGE_PIXELS:
                return None
            dpi = float((im.info.get("dpi") or (300, 300))[0] or 300)
            image = im.convert("RGB")
        words = ocr.parse_hocr(ocr.tesseract_hocr(image, dpi=max(dpi, 70.0)))
    except Exception:  # noqa: BLE001 - any image OCR cannot read is one a person must look at
        return None
    if any(w.confidence < ocr.LOW_CONFIDENCE and sum(ch.isalnum() for ch in w.text) >= 2 for w in words):
        return None
    lines: dict[tuple[int, int], list[str]] = {}
    for w in words:
        lines.setdefault((w.block, w.line), []).append(w.text)
    return "\n".join(" ".join(ws) for ws in lines.values())


def _pictures(data: bytes, uses) -> list:
    """The places an embedded image is drawn (model.Picture each: its size in points, the
    text round it), with the image's digest and pixel size: for finding signature pictures."""
    import io

    from PIL import Image

    from ...model import Picture

    try:
        with Image.open(io.BytesIO(data)) as im:
            pixels = im.size
    except Exception:  # noqa: BLE001 - an image Pillow cannot open keeps no pixel size
        pixels = (0, 0)
    digest = hashlib.sha256(data).hexdigest()
    return [Picture(box=(0.0, 0.0, u.width, u.height), pixels=pixels, sha256=digest, own=u.own,
                    before=u.before, after=u.after) for u in uses[:20]]


class DocxFormat(DocumentFormat):
    name = "docx"
    description = "Word document (DOCX)"
    suffixes = SUFFIXES

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        if head.startswith(ZIP_MAGIC):
            if path.suffix.lower() in SUFFIXES:
                return True
            import zipfile

            try:
                with zipfile.ZipFile(path) as zf:
                    return "word/document.xml" in zf.namelist()
            except (zipfile.BadZipFile, OSError, ValueError):
                return False
        # An encrypted DOCX is an OLE container: claim it so the reader says why it is refused.
        from .package import OLE_MAGIC

        return head.startswith(OLE_MAGIC) and path.suffix.lower() in SUFFIXES

    def read(self, path: Path, settings: "Settings") -> "Document":
        from ...model import Document, Page
        from .package import open_package
        from .stories import picture_uses, read_units

        pkg = open_package(path)
        units, lay = read_units(pkg)
        uses = picture_uses(pkg, lay) if lay.images else {}
        pages = []
        for number, unit in enumerate(units, start=1):
            if unit.image:
                ocr = image_text(pkg.data[unit.image], settings)
                pages.append(Page(number=number, text=ocr or "", char_boxes=None,
                                  has_text_layer=ocr is not None, image_count=1, label=unit.label,
                                  pictures=_pictures(pkg.data[unit.image], uses.get(unit.image, []))))
                continue
            text, _ = unit.text_and_map()
            pages.append(Page(number=number, text=text, char_boxes=None, label=unit.label))
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return Document(source=path, format=self.name, pages=pages, sha256=digest)

    def write(self, plan: "Plan", out_path: Path, settings: "Settings") -> WriteResult:
        from .write import write_docx

        return WriteResult(notes=tuple(write_docx(plan, out_path)))

    def verify(self, plan: "Plan", out_path: Path, written: WriteResult) -> list[str]:
        from .verify import verify_docx

        return verify_docx(plan, out_path)
