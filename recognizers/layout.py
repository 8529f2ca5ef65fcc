"""A page as rows of cells, the way a reader sees a form or a table.

Plain text: a row is a line; its cells are set apart by ``|``, tabs, or runs of two or more
spaces (aligned columns). A text-layer PDF: the characters' positions (``char_boxes``, PDF
user space) are turned to reading orientation, each extracted line is cut where a gap wider
than a space separates its characters, and pieces whose baselines agree form one row,
whatever order the extractor read them in (pdfminer reads a table column by column, a label
column before its value column).

Every cell keeps the offsets of its characters in the page text, so whatever a reader of
the rows decides about a cell maps straight back to spans of the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import median
from typing import Sequence

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Cell:
    """A run of text on one row. ``u`` runs along the text, ``v`` down the page; units are
    characters and lines for plain text, points for PDF, cell indexes for ``|``/tab rows."""

    u0: float
    u1: float
    v0: float
    v1: float
    start: int  # offsets in the page text (the cell is one contiguous span of it)
    end: int
    text: str
    # PDF: (offset, u0, u1) of each drawn character, so a reader who knows where columns
    # start can cut a cell whose text runs up to the next column's
    marks: tuple[tuple[int, float, float], ...] = ()


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    v0: float
    v1: float
    gap: float  # empty space above the row, in line heights (blank lines for plain text)
    delimited: str  # "|" or "\t" when cells are set apart by it (u is then the cell's index), else ""
    height: float  # a line's height in u/v units


@dataclass(frozen=True)
class Grid:
    rows: tuple[Row, ...]
    tol: float  # how far apart two left edges may be and still be one column
    geometric: bool  # rows come from character positions (PDF)


_GAP = re.compile(r"\t| {2,}")


def text_grid(text: str) -> Grid:
    rows: list[Row] = []
    pos = 0
    blank = 0
    for number, line in enumerate(text.split("\n")):
        line_start = pos
        pos += len(line) + 1
        if not line.strip():
            blank += 1
            continue
        delimited, cells = _delimited_cells(line, line_start, number)
        if cells is None:
            cells = _aligned_cells(line, line_start, number)
        rows.append(Row(tuple(cells), number, number + 1, blank, delimited, 1.0))
        blank = 0
    return Grid(tuple(rows), tol=2.0, geometric=False)


def _delimited_cells(line: str, offset: int, number: int) -> tuple[str, list[Cell] | None]:
    for sep in ("|", "\t"):
        if line.count(sep) < 1:
            continue
        parts = line.split(sep)
        # "| a | b |": the empty pieces outside the edge bars are not cells
        first = 1 if not parts[0].strip() and sep == "|" else 0
        last = len(parts) - 1 if not parts[-1].strip() and sep == "|" else len(parts)
        if last - first < 2:
            continue
        cells = []
        pos = offset + sum(len(p) + 1 for p in parts[:first])
        for index, part in enumerate(parts[first:last]):
            stripped = part.strip()
            if stripped:
                s = pos + part.index(stripped)
                cells.append(Cell(index, index + 0.5, number, number + 1, s, s + len(stripped), stripped))
            pos += len(part) + 1
        return sep, cells
    return "", None


def _aligned_cells(line: str, offset: int, number: int) -> list[Cell]:
    cells = []
    pos = 0
    for piece in _GAP.split(line) if line else []:
        at = line.index(piece, pos) if piece else pos
        pos = at + len(piece)
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            s = at + lead
            t = piece.strip()
            cells.append(Cell(s, s + len(t), number, number + 1, offset + s, offset + s + len(t), t))
    return cells


def _orientation(text: str, boxes: Sequence[Box | None]):
    """A function from a box to (u0, u1, v0, v1) in reading orientation: text runs towards
    +u, lines follow each other towards +v."""
    votes = {"+x": 0, "-x": 0, "+y": 0, "-y": 0}
    n = 0
    for i in range(len(boxes) - 1):
        a, b = boxes[i], boxes[i + 1]
        if a is None or b is None or not text[i].isalnum() or not text[i + 1].isalnum():
            continue
        dx = (b[0] + b[2]) / 2 - (a[0] + a[2]) / 2
        dy = (b[1] + b[3]) / 2 - (a[1] + a[3]) / 2
        if abs(dx) >= abs(dy):
            votes["+x" if dx > 0 else "-x"] += 1
        else:
            votes["+y" if dy > 0 else "-y"] += 1
        n += 1
        if n > 400:
            break
    way = max(votes, key=votes.get)
    if way == "-x":
        return lambda b: (-b[2], -b[0], b[1], b[3])
    if way == "+y":
        return lambda b: (b[1], b[3], b[0], b[2])
    if way == "-y":
        return lambda b: (-b[3], -b[1], -b[2], -b[0])
    return lambda b: (b[0], b[2], -b[3], -b[1])


def _skew(text: str, boxes: Sequence[Box | None], turn) -> float:
    """How far (dv per du) the lines of the page climb or fall along the text: a scan whose
    paper lay askew, read by OCR, keeps its slope, and cells of one table row then stand
    lower at each column; a text layer's lines are level (0)."""
    slopes = []
    pos = 0
    for line in text.split("\n"):
        pts = []
        for i in range(pos, pos + len(line)):
            b = boxes[i] if i < len(boxes) else None
            if b is not None and not text[i].isspace():
                u0, u1, v0, v1 = turn(b)
                pts.append(((u0 + u1) / 2, (v0 + v1) / 2, v1 - v0))
        pos += len(line) + 1
        if len(pts) < 6:
            continue
        h = median(p[2] for p in pts) or 1.0
        us = [p[0] for p in pts]
        if max(us) - min(us) < 3 * h:
            continue
        mu, mv = sum(us) / len(pts), sum(p[1] for p in pts) / len(pts)
        den = sum((u - mu) ** 2 for u in us)
        slopes.append(sum((p[0] - mu) * (p[1] - mv) for p in pts) / den)
        if len(slopes) >= 200:
            break
    if len(slopes) < 2:
        return 0.0
    s = median(slopes)
    return s if 0.002 <= abs(s) <= 0.1 else 0.0


def pdf_grid(text: str, boxes: Sequence[Box | None]) -> Grid:
    turn = _orientation(text, boxes)
    slope = _skew(text, boxes, turn)
    if slope:
        level = turn

        def turn(b, level=level):  # noqa: F811 - lines levelled: v measured from the line's slope
            u0, u1, v0, v1 = level(b)
            dv = slope * (u0 + u1) / 2
            return (u0, u1, v0 - dv, v1 - dv)
    pieces: list[Cell] = []
    heights: list[float] = []
    pos = 0
    for line in text.split("\n"):
        line_start = pos
        pos += len(line) + 1
        run: list[tuple[int, tuple[float, float, float, float]]] = []
        for i in range(line_start, line_start + len(line)):
            b = boxes[i] if i < len(boxes) else None
            if b is None or text[i].isspace():
                continue
            run.append((i, turn(b)))
        if not run:
            continue
        h = median(v1 - v0 for _, (u0, u1, v0, v1) in run) or 1.0
        heights.append(h)
        # cut where the gap between neighbouring characters is wider than a word space
        group = [run[0]]
        for prev, cur in zip(run, run[1:]):
            if cur[1][0] - prev[1][1] > 0.9 * h or cur[1][0] < prev[1][0] - h:
                pieces.append(_piece(text, group))
                group = []
            group.append(cur)
        pieces.append(_piece(text, group))
    if not pieces:
        return Grid((), tol=1.0, geometric=True)
    h = median(heights)
    pieces.sort(key=lambda c: ((c.v0 + c.v1) / 2, c.u0))
    rows: list[list[Cell]] = []
    for c in pieces:
        mid = (c.v0 + c.v1) / 2
        if rows:
            last = rows[-1]
            row_mid = sum((x.v0 + x.v1) / 2 for x in last) / len(last)
            if abs(mid - row_mid) <= 0.45 * h:
                last.append(c)
                continue
        rows.append([c])
    out: list[Row] = []
    prev_v1 = None
    for cells in rows:
        cells.sort(key=lambda c: c.u0)
        v0 = min(c.v0 for c in cells)
        v1 = max(c.v1 for c in cells)
        gap = 0.0 if prev_v1 is None else max(0.0, (v0 - prev_v1) / h)
        out.append(Row(tuple(cells), v0, v1, gap, "", h))
        prev_v1 = v1
    return Grid(tuple(out), tol=0.6 * h, geometric=True)


def _piece(text: str, group) -> Cell:
    start = group[0][0]
    end = group[-1][0] + 1
    return Cell(min(b[0] for _, b in group), max(b[1] for _, b in group), min(b[2] for _, b in group),
                max(b[3] for _, b in group), start, end, text[start:end],
                tuple((i, b[0], b[1]) for i, b in group))


def split_at(text: str, cell: Cell, edges: Sequence[float], min_gap: float) -> list[Cell]:
    """``cell`` cut where a column starts (``edges``) in a gap of at least ``min_gap``
    between two of its characters (PDF cells only; others come back whole)."""
    if len(cell.marks) < 2:
        return [cell]
    cuts = []
    for k in range(1, len(cell.marks)):
        prev, cur = cell.marks[k - 1], cell.marks[k]
        if cur[1] - prev[2] >= min_gap and any(prev[2] <= e <= cur[1] + min_gap for e in edges):
            cuts.append(k)
    if not cuts:
        return [cell]
    out = []
    for a, b in zip([0] + cuts, cuts + [len(cell.marks)]):
        marks = cell.marks[a:b]
        start, end = marks[0][0], marks[-1][0] + 1
        out.append(Cell(marks[0][1], max(m[2] for m in marks), cell.v0, cell.v1, start, end, text[start:end], marks))
    return out


# The pages laid out last, newest first: (text, boxes, grid). Detection lays out a page for
# its fields and tables, again for the labels beside officials' names, and for authority
# lines; a grid is immutable, so each reader gets the same one.
_LAID_OUT: list[tuple[str, object, Grid]] = []
_LAID_OUT_MAX = 32


def grid(text: str, boxes: Sequence[Box | None] | None) -> Grid:
    """Rows of cells of one page: by character positions when the page has them."""
    for i, (t, b, g) in enumerate(_LAID_OUT):
        if b is boxes and t == text:
            if i:
                _LAID_OUT.insert(0, _LAID_OUT.pop(i))
            return g
    if boxes and sum(b is not None for b in boxes) >= max(1, len(text.strip()) // 4):
        g = pdf_grid(text, boxes)
    else:
        g = text_grid(text)
    _LAID_OUT.insert(0, (text, boxes, g))
    del _LAID_OUT[_LAID_OUT_MAX:]
    return g
