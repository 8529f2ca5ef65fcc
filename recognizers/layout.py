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
from bisect import bisect_left
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


# A box (x0, y0, x1, y1) as (u0, u1, v0, v1) in reading orientation, by the way the text runs.
_TURNS = {
    "+x": lambda b: (b[0], b[2], -b[3], -b[1]),
    "-x": lambda b: (-b[2], -b[0], b[1], b[3]),
    "+y": lambda b: (b[1], b[3], b[0], b[2]),
    "-y": lambda b: (-b[3], -b[1], -b[2], -b[0]),
}


def _way(text: str, boxes: Sequence[Box | None]) -> str:
    """Which way the text runs ("+x", "-x", "+y", "-y"): the direction most pairs of
    neighbouring letters or digits step in (the first 400 pairs are enough)."""
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
    return max(votes, key=votes.get)


def _orientation(text: str, boxes: Sequence[Box | None]):
    """A function from a box to (u0, u1, v0, v1) in reading orientation: text runs towards
    +u, lines follow each other towards +v."""
    return _TURNS[_way(text, boxes)]


class _Line:
    """The drawn characters of one line (not spaces, with a box) in reading orientation, as
    columns: their offsets in the page text, and u0, u1, v0, v1 of each. ``level``: all drawn
    in one band (a text layer's line); ``h`` the median height of its characters (1.0 when
    that is 0)."""

    __slots__ = ("offsets", "u0", "u1", "v0", "v1", "level", "h")

    def __init__(self, offsets, u0, u1, v0, v1):
        self.offsets, self.u0, self.u1, self.v0, self.v1 = offsets, u0, u1, v0, v1
        n = len(v0)
        self.level = v0.count(v0[0]) == n and v1.count(v1[0]) == n
        # the median of n equal heights is that height
        self.h = ((v1[0] - v0[0]) if self.level else median([b - a for a, b in zip(v0, v1)])) or 1.0


def _lines(text: str, boxes: Sequence[Box | None], way: str) -> list[_Line]:
    """The page's lines that draw a character, turned to reading orientation (``_TURNS[way]``,
    column by column: a page of thousands of characters makes no call per character)."""
    drawn = [i for i, c, b in zip(range(len(text)), text, boxes) if b is not None and not c.isspace()]
    if not drawn:
        return []
    bs = [boxes[i] for i in drawn]
    if way == "-x":
        u0, u1, v0, v1 = [-b[2] for b in bs], [-b[0] for b in bs], [b[1] for b in bs], [b[3] for b in bs]
    elif way == "+y":
        u0, u1, v0, v1 = [b[1] for b in bs], [b[3] for b in bs], [b[0] for b in bs], [b[2] for b in bs]
    elif way == "-y":
        u0, u1, v0, v1 = [-b[3] for b in bs], [-b[1] for b in bs], [-b[2] for b in bs], [-b[0] for b in bs]
    else:
        u0, u1, v0, v1 = [b[0] for b in bs], [b[2] for b in bs], [-b[3] for b in bs], [-b[1] for b in bs]
    out = []
    a = 0  # the first drawn character of the line
    end = -1
    while a < len(drawn):
        end = text.find("\n", drawn[a])
        b = bisect_left(drawn, end, a) if end >= 0 else len(drawn)
        out.append(_Line(drawn[a:b], u0[a:b], u1[a:b], v0[a:b], v1[a:b]))
        a = b
    return out


def _skew(text: str, boxes: Sequence[Box | None], turn) -> float:
    """How far (dv per du) the lines of the page climb or fall along the text: a scan whose
    paper lay askew, read by OCR, keeps its slope, and cells of one table row then stand
    lower at each column; a text layer's lines are level (0). ``turn``: ``_orientation``'s."""
    way = next(k for k, f in _TURNS.items() if f is turn)
    return _slope(_lines(text, boxes, way))


def _slope(lines: list[_Line]) -> float:
    """``_skew`` of the lines: the median of the least-squares slopes of the first 200 lines
    of six characters or more that run three line heights or more, when it is a skew's
    (0.002 to 0.1), else 0.

    A level line (every character in one band) has a slope of rounding errors only, far
    below 0.001: it is computed only when the median may depend on it, which it cannot when
    the middle of the sorted slopes is among those below 0.001 either way."""
    slopes: list[float] = []
    level: dict[int, tuple] = {}  # index in ``slopes`` -> what its exact value is computed from
    for line in lines:
        n = len(line.offsets)
        if n < 6:
            continue
        us = [(a + b) / 2 for a, b in zip(line.u0, line.u1)]
        lo, hi = min(us), max(us)
        if hi - lo < 3 * line.h:
            continue
        mu = sum(us) / n
        if line.level:
            vs = [(line.v0[0] + line.v1[0]) / 2] * n
        else:
            vs = [(a + b) / 2 for a, b in zip(line.v0, line.v1)]
        mv = sum(vs) / n
        if line.level and _tiny_slope(n, vs[0] - mv, lo, hi):
            level[len(slopes)] = (us, mu, vs, mv)
            slopes.append(0.0)
        else:
            slopes.append(_least_squares(us, mu, vs, mv))
        if len(slopes) >= 200:
            break
    if len(slopes) < 2:
        return 0.0
    if level:
        count = len(slopes)
        known = [s for k, s in enumerate(slopes) if k not in level]
        below = sum(1 for s in known if s <= -0.001)
        above = sum(1 for s in known if s >= 0.001)
        middle = (count // 2,) if count % 2 else (count // 2 - 1, count // 2)
        if all(below <= m < count - above for m in middle):
            return 0.0  # the median is of slopes below 0.001 (the level lines' among them)
        for k, args in level.items():
            slopes[k] = _least_squares(*args)
    s = median(slopes)
    return s if 0.002 <= abs(s) <= 0.1 else 0.0


def _least_squares(us: list[float], mu: float, vs: list[float], mv: float) -> float:
    den = sum((u - mu) ** 2 for u in us)
    return sum((u - mu) * (v - mv) for u, v in zip(us, vs)) / den


def _tiny_slope(n: int, d: float, lo: float, hi: float) -> bool:
    """Is the least-squares slope of a level line of ``n`` characters whose middles run from
    ``lo`` to ``hi``, each v less its mean being ``d``, surely below 1e-6? Its numerator is at
    most n * |d| * (hi - lo) (each |u - mean| is below the run, the mean's own rounding being
    far below it), its denominator at least (hi - lo)**2 / 2 (the two ends' squares)."""
    run = hi - lo
    return run > 0 and n * max(abs(lo), abs(hi)) * 1e-12 < run and 4 * n * abs(d) < 1e-6 * run


def _levelled(line: _Line, slope: float) -> _Line:
    """``line`` with v measured from the page's slope."""
    dvs = [slope * (a + b) / 2 for a, b in zip(line.u0, line.u1)]
    return _Line(line.offsets, line.u0, line.u1, [v - d for v, d in zip(line.v0, dvs)],
                 [v - d for v, d in zip(line.v1, dvs)])


def pdf_grid(text: str, boxes: Sequence[Box | None]) -> Grid:
    lines = _lines(text, boxes, _way(text, boxes))
    slope = _slope(lines)
    if slope:  # lines levelled: v measured from the line's slope
        lines = [_levelled(line, slope) for line in lines]
    pieces: list[Cell] = []
    heights: list[float] = []
    for line in lines:
        h = line.h
        heights.append(h)
        # cut where the gap between neighbouring characters is wider than a word space
        wide = 0.9 * h
        u0, u1 = line.u0, line.u1
        cuts = [k for k in range(1, len(u0)) if u0[k] - u1[k - 1] > wide or u0[k] < u0[k - 1] - h]
        for a, b in zip([0, *cuts], [*cuts, len(u0)]):
            pieces.append(_piece(text, line, a, b))
    if not pieces:
        return Grid((), tol=1.0, geometric=True)
    h = median(heights)
    pieces.sort(key=lambda c: ((c.v0 + c.v1) / 2, c.u0))
    rows: list[list[Cell]] = []
    mids: list[float] = []  # the middles of the last row's cells
    for c in pieces:
        mid = (c.v0 + c.v1) / 2
        if rows and abs(mid - sum(mids) / len(mids)) <= 0.45 * h:
            rows[-1].append(c)
            mids.append(mid)
            continue
        rows.append([c])
        mids = [mid]
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


def _piece(text: str, line: _Line, a: int, b: int) -> Cell:
    """The characters ``a`` to ``b`` of ``line`` as one cell."""
    offsets, u0, u1 = line.offsets[a:b], line.u0[a:b], line.u1[a:b]
    start, end = offsets[0], offsets[-1] + 1
    if line.level:
        v0, v1 = line.v0[0], line.v1[0]
    else:
        v0, v1 = min(line.v0[a:b]), max(line.v1[a:b])
    return Cell(min(u0), max(u1), v0, v1, start, end, text[start:end], tuple(zip(offsets, u0, u1)))


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
    if boxes and len(boxes) - list(boxes).count(None) >= max(1, len(text.strip()) // 4):
        g = pdf_grid(text, boxes)
    else:
        g = text_grid(text)
    _LAID_OUT.insert(0, (text, boxes, g))
    del _LAID_OUT[_LAID_OUT_MAX:]
    return g
