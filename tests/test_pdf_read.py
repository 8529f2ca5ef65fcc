"""Extraction reads every PDF that pikepdf (qpdf) opens: what pdfminer cannot parse itself
(an encryption scheme or crypt filter it does not know, linearized files with unusual
indirect objects such as the Epson sample) is read from qpdf's rewrite."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest

from conftest import CORPUS

HOSTILE = sorted((CORPUS / "hostile").glob("*.pdf")) if (CORPUS / "hostile").is_dir() else []


def _opens(path: Path) -> bool:
    try:
        pikepdf.open(path).close()
        return True
    except Exception:  # noqa: BLE001 - qpdf refuses it: not this test's concern
        return False


@pytest.mark.skipif(not HOSTILE, reason="shared corpus not available")
@pytest.mark.parametrize("path", [p for p in HOSTILE if _opens(p)], ids=lambda p: p.name)
def test_every_pdf_qpdf_opens_is_read(path):
    from redactor.formats.pdf.read import read_pdf

    with pikepdf.open(path) as pdf:
        pages = len(pdf.pages)
    document = read_pdf(path, ocr=False)
    assert document.page_count == pages


def test_indirect_rotate_and_object_streams_read(tmp_path):
    """The Epson sample's shape, made here: /Rotate an indirect object, objects in streams."""
    from reportlab.pdfgen import canvas

    from redactor.formats.pdf.read import read_pdf

    src = tmp_path / "src.pdf"
    c = canvas.Canvas(str(src))
    c.drawString(72, 700, "Report of Rosalind Achterberg")
    c.save()
    out = tmp_path / "indirect.pdf"
    with pikepdf.open(src) as pdf:
        pdf.pages[0].obj.Rotate = pdf.make_indirect(pikepdf.Object.parse(b"90"))
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, linearize=True)
    document = read_pdf(out, ocr=False)
    assert document.pages[0].rotation == 90
    assert "Achterberg" in document.pages[0].text
