"""Bates numbering: every page of the PDF release copies gets a unique, sequential number
("AGENCY-000001", "AGENCY-000002", ... across the documents in release order), stamped in
the bottom margin of the page as displayed, and carried into report.json and the withholding
log.

The stamp is drawn into the copy BEFORE verification (``pipeline.apply_plan``'s
``after_write``), as a label the verifier knows: it never sits in a redaction box (a corner
whose stamp would touch a box is skipped for the next one), and its text (prefix and digits
only) cannot be a withheld value. Pages withheld in full are stamped too, their stamp is
declared as one of the page's labels.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import UsageError

_SPEC = re.compile(r"^(?P<prefix>[A-Za-z][A-Za-z0-9_.-]{0,30}?[-_ ]?)(?P<digits>[0-9]{1,12})$")
FONT_SIZE = 8.0
MARGIN = 14.0
CHAR_W = 0.6 * FONT_SIZE  # Courier: every glyph is 0.6 em wide


def parse(spec: str) -> tuple[str, int, int]:
    """'AGENCY-000001' -> ('AGENCY-', 1, 6): prefix, first number, digits."""
    m = _SPEC.match(spec or "")
    if not m:
        raise UsageError(f"--bates {spec!r}: give a prefix and a first number, e.g. AGENCY-000001")
    return m["prefix"], int(m["digits"]), len(m["digits"])


def label(prefix: str, number: int, width: int) -> str:
    return f"{prefix}{number:0{width}d}"


def _intersects(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def stamp_pdf(path: Path, first: int, prefix: str, width: int, avoid: dict[int, list]) -> dict[int, tuple]:
    """Stamp page k of ``path`` (in place) with number ``first + k - 1``. ``avoid``: page ->
    boxes (default user space) the stamp must not touch. Returns page -> (stamp box, text)."""
    import pikepdf

    out: dict[int, tuple] = {}
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                    BaseFont=pikepdf.Name.Courier,
                                                    Encoding=pikepdf.Name.WinAnsiEncoding))
        for number, page in enumerate(pdf.pages, start=1):
            text = label(prefix, first + number - 1, width)
            box = [float(v) for v in (page.obj.get("/CropBox") or page.mediabox)]
            x0, y0, x1, y1 = min(box[0], box[2]), min(box[1], box[3]), max(box[0], box[2]), max(box[1], box[3])
            rot = int(page.obj.get("/Rotate", 0)) % 360
            tw, th = CHAR_W * len(text), FONT_SIZE
            stamp = None
            # Corners of the page as displayed, bottom right first; each as (text origin,
            # rotation) in user space so the stamp reads upright on screen.
            for corner in ("br", "bl", "tr", "tl"):
                origin, rect = _place(corner, rot, (x0, y0, x1, y1), tw, th)
                if not any(_intersects(rect, b) for b in avoid.get(number, [])):
                    stamp = (origin, rect)
                    break
            if stamp is None:
                raise UsageError(f"page {number}: no free corner for the Bates stamp (every corner is redacted)")
            (ox, oy), rect = stamp
            cos, sin = {0: (1, 0), 90: (0, 1), 180: (-1, 0), 270: (0, -1)}[rot]
            resources = page.obj.get("/Resources")
            if resources is None:
                page.obj.Resources = resources = pikepdf.Dictionary()
            fonts = resources.get("/Font")
            if fonts is None:
                resources.Font = fonts = pikepdf.Dictionary()
            fonts["/RdBates"] = font
            content = (f"q BT /RdBates {FONT_SIZE:g} Tf 0 g {cos} {sin} {-sin} {cos} {ox:.2f} {oy:.2f} Tm "
                       f"({text}) Tj ET Q\n").encode("latin-1")
            page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
            page.contents_add(pdf.make_stream(b"Q\n" + content), prepend=False)
            out[number] = (tuple(rect), text)
        pdf.save(path)
    return out


def _place(corner: str, rot: int, page_box, tw: float, th: float):
    """Text origin and bounding rect (user space) of a stamp in a corner of the displayed page."""
    x0, y0, x1, y1 = page_box
    # In display space (origin top-left, width dw, height dh), the stamp's top-left corner:
    dw, dh = ((x1 - x0), (y1 - y0)) if rot in (0, 180) else ((y1 - y0), (x1 - x0))
    left = dw - MARGIN - tw if corner[1] == "r" else MARGIN
    top = dh - MARGIN - th if corner[0] == "b" else MARGIN - 4
    # Baseline-left point of the text in display space, and the rect's opposite corners.
    base = (left, top + th)
    corners = [(left, top), (left + tw, top + th + 2)]

    def to_user(px, py):
        if rot == 90:
            return x0 + py, y0 + px
        if rot == 180:
            return x1 - px, y0 + py
        if rot == 270:
            return x1 - py, y1 - px
        return x0 + px, y1 - py

    (ax, ay), (bx, by) = (to_user(*c) for c in corners)
    rect = [min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)]
    return to_user(*base), rect
