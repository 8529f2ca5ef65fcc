"""recognizers/layout.py lays out a PDF page column by column (no call per character) and
skips the exact slope of level lines when the median cannot depend on it: the rows, cells,
offsets and coordinates are the very ones of the straightforward layout below (the code as
it was before: a function call per character, every slope computed), on generated pages in
the four reading orientations, level or askew, with spaces, characters without a box and
glyphs of other heights, and on the text-layer PDFs of the fixtures and the shared corpus."""

from __future__ import annotations

from statistics import median

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from conftest import CORPUS, FIXTURES
from recognizers import layout
from recognizers.layout import Cell, Grid, Row


# ------------------------------------------------------------------ the straightforward layout

def _ref_orientation(text, boxes):
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


def _ref_skew(text, boxes, turn):
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


def _ref_piece(text, group):
    start = group[0][0]
    end = group[-1][0] + 1
    return Cell(min(b[0] for _, b in group), max(b[1] for _, b in group), min(b[2] for _, b in group),
                max(b[3] for _, b in group), start, end, text[start:end],
                tuple((i, b[0], b[1]) for i, b in group))


def ref_pdf_grid(text, boxes):
    turn = _ref_orientation(text, boxes)
    slope = _ref_skew(text, boxes, turn)
    if slope:
        level = turn

        def turn(b, level=level):  # noqa: F811
            u0, u1, v0, v1 = level(b)
            dv = slope * (u0 + u1) / 2
            return (u0, u1, v0 - dv, v1 - dv)
    pieces = []
    heights = []
    pos = 0
    for line in text.split("\n"):
        line_start = pos
        pos += len(line) + 1
        run = []
        for i in range(line_start, line_start + len(line)):
            b = boxes[i] if i < len(boxes) else None
            if b is None or text[i].isspace():
                continue
            run.append((i, turn(b)))
        if not run:
            continue
        h = median(v1 - v0 for _, (u0, u1, v0, v1) in run) or 1.0
        heights.append(h)
        group = [run[0]]
        for prev, cur in zip(run, run[1:]):
            if cur[1][0] - prev[1][1] > 0.9 * h or cur[1][0] < prev[1][0] - h:
                pieces.append(_ref_piece(text, group))
                group = []
            group.append(cur)
        pieces.append(_ref_piece(text, group))
    if not pieces:
        return Grid((), tol=1.0, geometric=True)
    h = median(heights)
    pieces.sort(key=lambda c: ((c.v0 + c.v1) / 2, c.u0))
    rows = []
    for c in pieces:
        mid = (c.v0 + c.v1) / 2
        if rows:
            last = rows[-1]
            row_mid = sum((x.v0 + x.v1) / 2 for x in last) / len(last)
            if abs(mid - row_mid) <= 0.45 * h:
                last.append(c)
                continue
        rows.append([c])
    out = []
    prev_v1 = None
    for cells in rows:
        cells.sort(key=lambda c: c.u0)
        v0 = min(c.v0 for c in cells)
        v1 = max(c.v1 for c in cells)
        gap = 0.0 if prev_v1 is None else max(0.0, (v0 - prev_v1) / h)
        out.append(Row(tuple(cells), v0, v1, gap, "", h))
        prev_v1 = v1
    return Grid(tuple(out), tol=0.6 * h, geometric=True)


# ------------------------------------------------------------------------------ generated pages

def _turn_back(way, u0, u1, v0, v1):
    """A box (x0, y0, x1, y1) that the page's orientation turns to (u0, u1, v0, v1)."""
    if way == "-x":
        return (-u1, v0, -u0, v1)
    if way == "+y":
        return (v0, u0, v1, u1)
    if way == "-y":
        return (-v1, -u1, -v0, -u0)
    return (u0, -v1, u1, -v0)


_CHARS = st.sampled_from(list("abcdefghijklmnopqrstuvwxyzABCDEFG0123456789.,:-/#") + [" ", " ", "  ", "\t"])


@st.composite
def pages(draw):
    way = draw(st.sampled_from(["+x", "-x", "+y", "-y"]))
    slope = draw(st.sampled_from([0.0, 0.0, 0.003, -0.02, 0.05, 0.15, 1e-4]))
    size = draw(st.sampled_from([6.0, 10.0, 11.5, 0.0, -2.0]))  # a glyph's height (0, < 0: broken PDFs)
    origin = draw(st.sampled_from([0.0, 54.0, 612.3, -300.7, 1e5]))
    lines = draw(st.lists(st.lists(_CHARS, min_size=0, max_size=40).map("".join), min_size=0, max_size=24))
    texts, boxes = [], []
    v = origin
    for number, line in enumerate(lines):
        u = origin + draw(st.sampled_from([0.0, 3.5, 72.0]))
        jitter = draw(st.sampled_from([0.0, 0.0, 0.3]))  # glyphs of other heights on the line
        for ch in line:
            width = draw(st.sampled_from([5.5, 6.0, 3.0]))
            if ch.isspace() and draw(st.booleans()):
                boxes.append(None)
            elif draw(st.integers(0, 30)) == 0:
                boxes.append(None)  # a character the extractor inserted
            else:
                lift = jitter * draw(st.integers(-1, 1))
                top = v + slope * (u - origin) + lift
                boxes.append(_turn_back(way, u, u + width, top, top + size))
            u += width + draw(st.sampled_from([0.0, 0.0, 0.5, 12.0, -40.0]))
        texts.append(line)
        boxes.append(None)
        v += draw(st.sampled_from([12.0, 14.0, 30.0, 3.0]))
    text = "\n".join(texts)
    return text, boxes[:len(text)]


def _same(a, b):
    return repr(a) == repr(b)


@hsettings(max_examples=200, deadline=None)
@given(pages())
def test_layout_is_the_straightforward_one(page):
    text, boxes = page
    try:
        want = ref_pdf_grid(text, boxes)
    except ZeroDivisionError:
        with pytest.raises(ZeroDivisionError):
            layout.pdf_grid(text, boxes)
        return
    assert _same(layout.pdf_grid(text, boxes), want)
    turn = layout._orientation(text, boxes)
    assert layout._skew(text, boxes, turn) == _ref_skew(text, boxes, _ref_orientation(text, boxes))


@hsettings(max_examples=200, deadline=None)
@given(n=st.integers(6, 400), c=st.floats(-1e4, 1e4), start=st.floats(-1e4, 1e4), width=st.floats(0.5, 20),
       gaps=st.lists(st.floats(0, 50), min_size=1, max_size=5))
def test_a_level_lines_slope_is_below_what_is_skipped(n, c, start, width, gaps):
    """The bound ``_tiny_slope`` vouches for holds for the slope as the floats compute it."""
    us = []
    u = start
    for k in range(n):
        us.append((u + u + width) / 2)
        u += width + gaps[k % len(gaps)]
    vs = [c] * n
    mu, mv = sum(us) / n, sum(vs) / n
    lo, hi = min(us), max(us)
    if layout._tiny_slope(n, vs[0] - mv, lo, hi):
        assert abs(layout._least_squares(us, mu, vs, mv)) < 1e-6


def test_the_median_skips_only_what_cannot_move_it():
    """Level lines among askew ones: when the middle of the slopes is the askew lines', the
    level lines' exact slopes are computed and the median is the exact one."""
    lines = ["abcdefghijklmnop"] * 9
    for askew in range(10):
        text, boxes = "", []
        for k, line in enumerate(lines):
            slope = 0.01 if k < askew else 0.0
            for i, ch in enumerate(line):
                top = 700.0 - 14 * k + slope * 6 * i
                boxes.append((54 + 6 * i + 0.1, -(top + 10), 60 + 6 * i + 0.1, -top))
            boxes.append(None)
            text += line + "\n"
        assert _same(layout.pdf_grid(text, boxes), ref_pdf_grid(text, boxes))
        turn = layout._orientation(text, boxes)
        assert layout._skew(text, boxes, turn) == _ref_skew(text, boxes, turn)


def _text_layer_pages():
    from redactor.formats.pdf.read import read_pdf

    paths = sorted((FIXTURES).rglob("*.pdf"))
    if CORPUS.is_dir():
        paths += sorted((CORPUS / "records").rglob("*.pdf"))[:30]
    for path in paths:
        try:
            doc = read_pdf(path)
        except Exception:
            continue
        for page in doc.pages:
            if page.char_boxes:
                yield path, page


@pytest.mark.slow
def test_real_pages_lay_out_as_before():
    seen = 0
    for path, page in _text_layer_pages():
        assert _same(layout.pdf_grid(page.text, page.char_boxes), ref_pdf_grid(page.text, page.char_boxes)), \
            f"{path.name} page {page.number}"
        seen += 1
    if not seen:
        pytest.skip("no text-layer PDF among the fixtures or the corpus")
