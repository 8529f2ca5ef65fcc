"""Helpers for tests: build PDFs with known content, and read them back with every
independent extractor we can get (pdfminer, pypdfium2, pypdf, PyMuPDF, poppler's pdftotext)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def withhold_everywhere(doc, values: list[str], exemption: str = "(b)(6)"):
    """A plan of ``doc`` that withholds every occurrence of each value (as test decisions)."""
    from redactor.model import Action, Decision, Finding
    from redactor.plan import build_plan

    decisions = []
    for page in doc.pages:
        for v in values:
            start = 0
            while (i := page.text.find(v, start)) != -1:
                f = Finding(page.number, i, i + len(v), v, "TEST", 1.0, "test")
                decisions.append(Decision(f, Action.REDACT, "test-rule", [exemption], "test"))
                start = i + len(v)
    return build_plan(doc, decisions, "test")


def qpdf_opens(path: Path) -> bool:
    """Does qpdf (pikepdf) open ``path``? (What every reader must read.)"""
    import pikepdf

    try:
        pikepdf.open(path).close()
        return True
    except Exception:  # noqa: BLE001 - qpdf refuses it
        return False


def text_pdfminer(path: Path) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(str(path))


def text_pdfium(path: Path) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def text_pypdf(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def text_mupdf(path: Path) -> str:
    import pymupdf

    with pymupdf.open(str(path)) as doc:
        return "\n".join(page.get_text() for page in doc)


def text_pdftotext(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        raise RuntimeError("pdftotext (poppler-utils) is not installed; .ci/run installs it")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          timeout=120).stdout.decode("utf-8", "replace")


EXTRACTORS = {"pdfminer": text_pdfminer, "pdfium": text_pdfium, "pypdf": text_pypdf,
              "mupdf": text_mupdf, "pdftotext": text_pdftotext}


def all_texts(path: Path) -> dict[str, str]:
    return {name: fn(path) for name, fn in EXTRACTORS.items()}


def squeeze(s: str) -> str:
    return "".join(ch for ch in s.lower() if ch.isalnum())


def qdf_bytes(path: Path, tmp: Path) -> bytes:
    """The file with every stream decompressed (qpdf --qdf), for raw searches."""
    out = tmp / (path.stem + ".qdf.pdf")
    if shutil.which("qpdf") is None:
        import pikepdf

        with pikepdf.open(path) as pdf:
            pdf.save(out, qdf=True, object_stream_mode=pikepdf.ObjectStreamMode.disable,
                     compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.generalized)
    else:
        subprocess.run(["qpdf", "--qdf", "--object-streams=disable", str(path), str(out)], check=False)
    return out.read_bytes()


def xray_bad_redactions(path: Path) -> dict:
    import asyncio
    import inspect

    import xray

    result = xray.inspect(str(path))
    return asyncio.run(result) if inspect.iscoroutine(result) else result


def chars_in_boxes_mupdf(path: Path, boxes_by_page: dict[int, list[tuple]]) -> list[str]:
    """Characters (by PyMuPDF, in unrotated user space) whose centre lies in a box."""
    import pymupdf

    found = []
    with pymupdf.open(str(path)) as doc:
        for pno, boxes in boxes_by_page.items():
            page = doc[pno - 1]
            h = page.mediabox.height
            y_off = page.mediabox.y0
            x_off = page.mediabox.x0
            raw = page.get_text("rawdict", flags=0)
            for block in raw.get("blocks", []):
                for line in block.get("lines", []):
                    for span in line.get("spans", []):
                        for ch in span.get("chars", []):
                            x0, y0, x1, y1 = ch["bbox"]  # top-left origin, unrotated page
                            pt = (pymupdf.Point((x0 + x1) / 2, (y0 + y1) / 2) * page.derotation_matrix) \
                                if page.rotation else pymupdf.Point((x0 + x1) / 2, (y0 + y1) / 2)
                            cx, cy = pt.x + x_off, (h - pt.y) + y_off
                            for b in boxes:
                                if b[0] + 0.3 < cx < b[2] - 0.3 and b[1] + 0.3 < cy < b[3] - 0.3:
                                    found.append(ch["c"])
    return found


def make_text_pdf(path: Path, lines: list[tuple[float, float, str]], *, font="Helvetica", size=11,
                  pagesize=(612, 792), author: str | None = None, char_space: float = 0.0) -> Path:
    """A one-page PDF with each (x, y, text) drawn as a line."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=pagesize, invariant=1)
    if author:
        c.setAuthor(author)
    for x, y, text in lines:
        t = c.beginText(x, y)
        t.setFont(font, size)
        if char_space:
            t.setCharSpace(char_space)
        t.textLine(text)
        c.drawText(t)
    c.showPage()
    c.save()
    return path


