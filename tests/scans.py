"""Generated scans with known truth: a reportlab page of text is rendered to a picture (as a
scanner would see it), optionally turned, skewed, made bilevel or CMYK, and wrapped again as
an image-only PDF. Each word's box in the scan's PDF user space is known."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from redactor.geometry import Box

FONT = "Helvetica"


@dataclass(frozen=True)
class ScanWord:
    text: str
    box: Box  # user space of the scan PDF (before its /Rotate)


def _text_pdf(path: Path, lines: list[str], size: float, page: tuple[float, float]) -> list[ScanWord]:
    from reportlab.pdfbase.pdfmetrics import getAscent, getDescent, stringWidth
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=page)
    c.setFont(FONT, size)
    words = []
    y = page[1] - 72
    asc, desc = getAscent(FONT, size), getDescent(FONT, size)
    for line in lines:
        x = 54.0
        c.drawString(x, y, line)
        for w in line.split(" "):
            if w:
                words.append(ScanWord(w, (x, y + desc, x + stringWidth(w, FONT, size), y + asc)))
            x += stringWidth(w + " ", FONT, size)
        y -= size * 1.6
    c.save()
    return words


def make_scan(path: Path, lines: list[str], *, dpi: int = 200, mode: str = "L", size: float = 12.0,
              page: tuple[float, float] = (612.0, 792.0), turn: int = 0, rotate: int = 0,
              skew: float = 0.0) -> list[ScanWord]:
    """Write an image-only PDF of ``lines`` to ``path``; return each word with its box.

    ``turn`` (0/90/180/270): the paper lay turned in the scanner (picture turned clockwise, page
    size swapped, no /Rotate to fix it). ``rotate``: a /Rotate entry on the page. ``skew``:
    degrees the paper was askew (boxes are then only approximate). ``mode``: "L" grey, "1"
    bilevel (CCITT G4), "RGB", "CMYK" (JPEG)."""
    import pikepdf
    import pypdfium2 as pdfium
    from PIL import Image

    src = path.with_suffix(".src.pdf")
    words = _text_pdf(src, lines, size, page)
    doc = pdfium.PdfDocument(str(src))
    image = doc[0].render(scale=dpi / 72.0).to_pil().convert("L")
    doc.close()
    src.unlink()
    w_pt, h_pt = page
    if skew:
        image = image.rotate(skew, resample=Image.BICUBIC, fillcolor=255)
    if turn:
        image = image.rotate(-turn, expand=True)  # PIL turns counter-clockwise
        words = [ScanWord(w.text, _turn_box(w.box, turn, w_pt, h_pt)) for w in words]
    if mode == "1":
        image = image.point(lambda v: 255 if v > 160 else 0).convert("1")
    elif mode in ("RGB", "CMYK"):
        image = image.convert("RGB").convert(mode)
    image.save(path, format="PDF", resolution=dpi)
    if rotate:
        with pikepdf.open(path, allow_overwriting_input=True) as pdf:
            pdf.pages[0].obj.Rotate = rotate
            pdf.save(path)
    return words


def _turn_box(box: Box, turn: int, w: float, h: float) -> Box:
    """Where a box of a w x h page lands when the picture is turned clockwise by ``turn``."""
    x0, y0, x1, y1 = box
    pts = [(x, y) for x in (x0, x1) for y in (y0, y1)]
    if turn == 90:  # (x, y) -> (y, w - x)
        pts = [(y, w - x) for x, y in pts]
    elif turn == 180:
        pts = [(w - x, h - y) for x, y in pts]
    elif turn == 270:
        pts = [(h - y, x) for x, y in pts]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return (min(xs), min(ys), max(xs), max(ys))


def centre_inside(inner: Box, outer: Box, tol: float = 0.0) -> bool:
    cx, cy = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
    return outer[0] - tol <= cx <= outer[2] + tol and outer[1] - tol <= cy <= outer[3] + tol


def box_distance(a: Box, b: Box) -> float:
    """Largest difference between corresponding edges."""
    return max(abs(p - q) for p, q in zip(a, b))


__all__ = ["ScanWord", "make_scan", "centre_inside", "box_distance"]


def make_scanned_record(path: Path, pages: list[tuple[list[str], dict]]) -> list[list[ScanWord]]:
    """A multi-page scan: one (lines, make_scan options) per page."""
    import pikepdf

    truth = []
    out = pikepdf.new()
    for i, (lines, kw) in enumerate(pages):
        part = path.with_name(f"{path.stem}.part{i}.pdf")
        truth.append(make_scan(part, lines, **kw))
        with pikepdf.open(part) as src:
            out.pages.extend(src.pages)
        part.unlink()
    out.save(path)
    return truth


def make_table_scan(path: Path, header: list[str], rows: list[list[str]], columns: list[float], *,
                    dpi: int = 200, size: float = 10.0, jitter: float = 1.5, skew: float = 0.0,
                    seed: int = 0, page: tuple[float, float] = (612.0, 792.0), leading: float = 1.15,
                    shade: float | None = None, ruled: bool = False) -> None:
    """An image-only PDF of a table: ``header`` then ``rows``, cell k of each drawn at
    ``columns[k]`` (a cell with line breaks wrapped over lines ``leading`` sizes apart), each
    cell moved up to ``jitter`` points either way (a typed form's cells
    never line up exactly), the picture ``skew`` degrees askew. ``shade``: the header row on
    a grey of that level (0 black, 1 white); ``ruled``: a grid of lines round the cells."""
    import random

    import pypdfium2 as pdfium
    from PIL import Image
    from reportlab.pdfgen import canvas

    rnd = random.Random(seed)
    src = path.with_suffix(".src.pdf")
    c = canvas.Canvas(str(src), pagesize=page)
    c.setFont(FONT, size)
    y = page[1] - 90
    right = page[0] - 54
    if shade is not None:
        c.setFillGray(shade)
        c.rect(columns[0] - 6, y - size * 0.6, right - columns[0] + 6, size * 1.8, stroke=0, fill=1)
        c.setFillGray(0)
    for x, t in zip(columns, header):
        c.drawString(x, y, t)
    rules = [y + size * 1.2]  # where the grid's horizontal lines go: above each row
    for row in rows:
        rules.append(y - size * 0.6)
        y -= size * 1.8
        for x, t in zip(columns, row):
            dx, dy = rnd.uniform(-jitter, jitter), rnd.uniform(-jitter, jitter)
            for k, part in enumerate(t.split("\n")):  # a cell wrapped over lines
                c.drawString(x + dx, y + dy - k * size * leading, part)
        y -= (max(t.count("\n") for t in row) if row else 0) * size * leading
    rules.append(y - size * 0.6)
    if ruled:
        c.setLineWidth(0.8)
        for v in rules:
            c.line(columns[0] - 6, v, right, v)
        for x in [cx - 6 for cx in columns] + [right]:
            c.line(x, rules[0], x, rules[-1])
    c.save()
    doc = pdfium.PdfDocument(str(src))
    image = doc[0].render(scale=dpi / 72.0).to_pil().convert("L")
    doc.close()
    src.unlink()
    if skew:
        image = image.rotate(skew, resample=Image.BICUBIC, fillcolor=255)
    image.save(path, format="PDF", resolution=dpi)
