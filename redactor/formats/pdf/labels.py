"""The exemption labels printed in redaction boxes and on withheld pages: one font (the
standard Helvetica, never embedded), one width table, shared by the writer and --flatten."""

from __future__ import annotations

import pikepdf

from ...geometry import Box, contained

LABEL_FONT = "/RedactorLabel"
MIN_LABEL_SIZE = 3.0
LEGIBLE_LABEL_SIZE = 5.0  # boxes laid out anew are made at least wide enough for this size
MAX_LABEL_SIZE = 9.0


def _helvetica_widths() -> dict[str, int]:
    from pdfminer.fontmetrics import FONT_METRICS

    return dict(FONT_METRICS["Helvetica"][1])


HELVETICA_WIDTHS: dict[str, int] = _helvetica_widths()  # advance widths per 1000 em


def text_width(text: str, size: float) -> float:
    """The width of ``text`` set in Helvetica at ``size``."""
    return sum(HELVETICA_WIDTHS.get(ch, 556) for ch in text) * size / 1000.0


label_width = text_width


def label_font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """The label font's dictionary, as an indirect object of ``pdf``."""
    return pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica,
                                                Encoding=pikepdf.Name.WinAnsiEncoding))


def encode(text: str) -> bytes:
    """``text`` as a PDF string operand in the label font's encoding."""
    return pikepdf.String(text.encode("cp1252", errors="replace")).unparse()


def placeholder_text(exemptions: list[str]) -> str:
    return f"Page withheld in full under {'; '.join(exemptions)}"


def label_ops(entries: list[tuple[Box, str]]) -> tuple[list[bytes], list[tuple[Box, str]]]:
    """Content operators printing each box's label in white in the box (font LABEL_FONT). A
    box inside another box (a name inside a withheld portion) gets no label of its own.
    Returns the operators and the (box, label) pairs actually printed."""
    parts: list[bytes] = []
    drawn: list[tuple[Box, str]] = []
    for i, ((x0, y0, x1, y1), label) in enumerate(entries):
        box = (x0, y0, x1, y1)
        if any(j != i and contained(box, other) and not (contained(other, box) and j > i)
               for j, (other, _) in enumerate(entries)):
            continue
        w, h = x1 - x0, y1 - y0
        size = min(MAX_LABEL_SIZE, h * 0.8)
        lw = label_width(label, 1.0)
        if lw * size > w - 1:
            size = (w - 1) / lw if lw else size
        if size < MIN_LABEL_SIZE:
            continue  # too small to read; the report still gives the exemption
        tx = x0 + (w - lw * size) / 2
        ty = y0 + (h - size * 0.7) / 2
        parts.append(b"q BT 0 Tr 1 g " + LABEL_FONT.encode() + f" {size:.2f} Tf {tx:.3f} {ty:.3f} Td ".encode()
                     + encode(label) + b" Tj ET Q")
        drawn.append((box, label))
    return parts, drawn
