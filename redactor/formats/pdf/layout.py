"""The glyph-position defence: lay out every line that carries a redaction box anew, so that
neither the box nor the text left on the line tells how wide the removed text was.

Removing glyphs is not enough (Bland, Iyer, Levchenko, "Story Beyond the Eye", PETS 2023):
the box's width, the place where the text after it resumes, and the word and character
spacing of a justified line all encode the removed run's exact advance, which narrows a name
down to a handful of candidates. For each such line segment this module computes a new
layout from public facts only:

- the segment keeps its starting point; kept glyphs advance by their font's natural widths
  (no kerning, no ``Tc``/``Tw``, no ``TJ`` adjustments of the original);
- gaps become one of a few fixed sizes: none (inside a word, or next to a space glyph), a
  word gap (words placed apart without a space glyph), a box gap;
- each box's width is the removed run's *natural* width rounded up to a multiple of
  ``quantum_em`` font sizes (the quantum), so a box tells only its bucket.

The removal engine (content.py) then draws every kept glyph of the segment at its new
place and the page's boxes are drawn where this layout put them. Lines without a box keep
their text exactly where it was.

A segment is left as it was, with a note in the report, when the new layout cannot be used
safely: a box taller than a line (a withheld portion), text that is not horizontal or
vertical, invisible (OCR) text or an image under the box (the pixels would show the old
width), or no room before the next column, a filled shape or picture further along the line
(an earlier redaction's box, a table cell), or the page edge.
"""

from __future__ import annotations

import bisect
import itertools
import math
import operator
import statistics
from dataclasses import dataclass, field

from ...geometry import Box, BoxIndex, contained, contains_point, intersects, union

QUANTUM_EM = 2.0  # box widths are multiples of this many font sizes
WORD_GAP_EM = 0.25  # a gap between words that was drawn without a space glyph
BOX_GAP_EM = 0.25  # text and box that were apart
TOUCH_GAP_EM = 0.1  # text and box that touched (a comma after a name)
SEGMENT_GAP_EM = 1.5  # a wider gap separates independent segments (columns, table cells)
MULTILINE_EM = 2.2  # a box this many font sizes tall covers more than one line
_AXES = ((1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0))
_first = operator.itemgetter(0)


@dataclass(slots=True)
class GlyphPlacement:
    """One glyph as the content stream draws it (measured by the removal engine)."""

    key: tuple  # stable address: instruction indices down the form path, glyph ordinal
    x: float  # origin, user space
    y: float
    dx: float  # unit vector of the writing direction, user space
    dy: float
    advance: float  # natural advance in user space (no Tc, Tw or TJ adjustment)
    em: float  # font size in user space
    cx: float  # centre of the glyph box (the removal rule's point)
    cy: float
    removed: bool
    space: bool
    invisible: bool
    spacing_ops: tuple = ()  # keys of the Tc/Tw operators in effect for this glyph


@dataclass
class Layout:
    """What the removal engine must do to defend glyph positions on one page."""

    # Glyphs on laid-out segments -> their displacement (dx, dy) in user space (may be 0).
    shifts: dict[tuple, tuple[float, float]] = field(default_factory=dict)
    boxes: list[Box] = field(default_factory=list)  # the boxes to draw, aligned with the input
    zero_spacing: set[tuple] = field(default_factory=set)  # Tc/Tw operators to set to 0
    notes: list[str] = field(default_factory=list)

    @property
    def enter(self) -> set[tuple]:
        """Form paths the rewrite must enter even if no box touches the form."""
        out: set[tuple] = set()
        for key in self.shifts:  # (form path..., instruction, glyph)
            out.update(key[:j] for j in range(1, len(key) - 1))
        for key in self.zero_spacing:  # (form path..., instruction)
            out.update(key[:j] for j in range(1, len(key)))
        return out


class GlyphRun:
    """The glyphs of one text-showing operator that loses none of them and draws them all on
    one baseline ``u`` along ``axis``, at one size ``em``: one entry of a page's glyphs,
    placed (GlyphPlacements, as the measuring walk makes them) only when first asked for."""

    __slots__ = ("axis", "u", "em", "ops", "ops_space", "_place", "_glyphs", "_kinds", "_band")
    removed = False

    def __init__(self, axis: tuple[float, float], u: float, em: float, ops: tuple, ops_space: tuple,
                 place, kinds):
        self.axis, self.u, self.em = axis, u, em
        self.ops, self.ops_space = ops, ops_space  # spacing_ops of its other glyphs, of its space glyphs
        self._place = place  # () -> list[GlyphPlacement]
        self._kinds = kinds  # () -> (draws a space glyph, draws another glyph)
        self._glyphs: list[GlyphPlacement] | None = None
        self._band: tuple[float, float] | None = None

    def may_touch(self, box: Box) -> bool:
        """Can the box of any of its glyphs (``_glyph_box``: they all span the same extent
        across the axis) touch ``box``? False only if none can."""
        band = self._band
        if band is None:
            b = _box_from(self.axis, 0.0, 0.0, self.u - 0.2 * self.em, self.u + 0.75 * self.em)
            band = self._band = (b[1], b[3]) if self.axis[1] == 0.0 else (b[0], b[2])
        lo, hi = (box[1], box[3]) if self.axis[1] == 0.0 else (box[0], box[2])
        return lo + 0.1 < band[1] and band[0] + 0.1 < hi

    @property
    def placed(self) -> bool:
        return self._glyphs is not None

    @property
    def glyphs(self) -> list[GlyphPlacement]:
        if self._glyphs is None:
            self._glyphs = self._place()
        return self._glyphs

    def kinds(self) -> tuple[bool, bool]:
        return self._kinds()


class PageGlyphs:
    """Every glyph a page draws, as the measuring walk found them: one by one (in drawing
    order) those of operators that lose a glyph or do not draw along one baseline, and the
    others' by operator (GlyphRun): most of a page is far from every box, and the layout
    asks for few of its glyphs."""

    def __init__(self, glyphs: "list[GlyphPlacement] | tuple" = ()):
        self.glyphs: list[GlyphPlacement] = list(glyphs)
        self.runs: list[GlyphRun] = []

    def add(self, glyphs: list[GlyphPlacement]) -> None:
        self.glyphs.extend(glyphs)

    def add_run(self, run: GlyphRun) -> None:
        self.runs.append(run)

    def __iter__(self):
        """Every glyph (those of runs placed now if they were not)."""
        yield from self.glyphs
        for r in self.runs:
            yield from r.glyphs


def axis_of(dx: float, dy: float) -> tuple[float, float] | None:
    """The axis (of ``_AXES``) a writing direction (dx, dy) follows, if any."""
    if dx == 1.0 and dy == 0.0:  # the common case, as the loop below would find it
        return _AXES[0]
    for a in _AXES:
        if abs(dx - a[0]) < 1e-3 and abs(dy - a[1]) < 1e-3:
            return a
    return None


def _axis(g: GlyphPlacement) -> tuple[float, float] | None:
    return axis_of(g.dx, g.dy)


def _t(axis, x: float, y: float) -> float:
    return x * axis[0] + y * axis[1]


def _u(axis, x: float, y: float) -> float:
    return -x * axis[1] + y * axis[0]


baseline = _u  # a glyph's baseline across ``axis``, from its origin


def _members(entry) -> "list[GlyphPlacement] | tuple[GlyphPlacement]":
    return entry.glyphs if type(entry) is GlyphRun else (entry,)


def _extent(axis, box: Box, along: bool) -> tuple[float, float]:
    f = _t if along else _u
    vals = [f(axis, x, y) for x in (box[0], box[2]) for y in (box[1], box[3])]
    return min(vals), max(vals)


def _box_from(axis, t0: float, t1: float, u0: float, u1: float) -> Box:
    # Inverse of (t, u) = (x*ax + y*ay, -x*ay + y*ax) for an axis-aligned unit vector.
    ax, ay = axis
    # the four corners in the order (t0, u0), (t0, u1), (t1, u0), (t1, u1)
    x0, x1, x2, x3 = t0 * ax - u0 * ay, t0 * ax - u1 * ay, t1 * ax - u0 * ay, t1 * ax - u1 * ay
    y0, y1, y2, y3 = t0 * ay + u0 * ax, t0 * ay + u1 * ax, t1 * ay + u0 * ax, t1 * ay + u1 * ax
    return (min(x0, x1, x2, x3), min(y0, y1, y2, y3), max(x0, x1, x2, x3), max(y0, y1, y2, y3))


def quantise(width: float, em: float, quantum_em: float = QUANTUM_EM, up: bool = True) -> float:
    q = quantum_em * em
    n = width / q
    n = math.ceil(n - 1e-6) if up else math.floor(n + 1e-6)
    return max(1, n) * q


def natural_width(members: list[GlyphPlacement], axis, em: float) -> float:
    """The removed run's width as the font draws it without any spacing adjustment."""
    members = sorted(members, key=lambda g: _t(axis, g.x, g.y))
    width = 0.0
    prev = None
    for g in members:
        if prev is not None:
            gap = _t(axis, g.x, g.y) - (_t(axis, prev.x, prev.y) + prev.advance)
            if gap > 0.1 * em and not g.space and not prev.space:
                width += WORD_GAP_EM * em
        width += g.advance
        prev = g
    return width


@dataclass
class _Element:
    start: float
    end: float
    glyph: GlyphPlacement | None = None
    box: int | None = None  # index into the page's boxes
    width: float = 0.0  # natural width (boxes: quantised below)


def defend(glyphs: "list[GlyphPlacement] | PageGlyphs", boxes: list[Box], page_box: Box,
           image_boxes: list[Box], quantum_em: float = QUANTUM_EM,
           fill_boxes: list[Box] | None = None, owners: list[int] | None = None,
           min_widths: list[float] | None = None) -> Layout:
    """``image_boxes`` and ``fill_boxes``: where the page draws pictures and filled shapes;
    re-laid text never runs into one (an earlier redaction's box would hide it).
    ``owners[i]``: which redaction box ``i`` belongs to (its boxes on one line become one).
    ``min_widths[i]``: the width box ``i`` needs for its label to be legible (public, so a
    box may be widened to it before quantising without telling anything)."""
    page = glyphs if isinstance(glyphs, PageGlyphs) else PageGlyphs(glyphs)
    loose = page.glyphs  # glyphs one by one (every removed glyph is one of them)
    layout = Layout(boxes=list(boxes))
    owners = owners if owners is not None else list(range(len(boxes)))
    segments_done: list[tuple[list[tuple], list[int]]] = []  # (glyph keys, box indices) per segment
    # Shapes wholly inside a box go with it (the removal engine drops them); others stay.
    obstacles = list(image_boxes) + [f for f in (fill_boxes or [])
                                     if not any(contained(f, b) for b in boxes)]
    members: dict[int, list[GlyphPlacement]] = {}
    removed_at = BoxIndex(((g.cx, g.cy, g.cx, g.cy), g) for g in loose if g.removed)
    for i, b in enumerate(boxes):
        inside = [g for _, g in removed_at.near(b) if contains_point(b, g.cx, g.cy)]
        if inside:
            members[i] = inside
    single: dict[int, tuple] = {}  # box -> (axis, em, u of the baseline)
    for i, inside in members.items():
        axes = {_axis(g) for g in inside}
        if len(axes) != 1 or None in axes:
            layout.notes.append(_where(boxes[i]) + "keeps its exact width: the text under it is "
                                "neither horizontal nor vertical")
            continue
        axis = axes.pop()
        em = statistics.median(g.em for g in inside)
        u0, u1 = _extent(axis, boxes[i], along=False)
        if em <= 0 or u1 - u0 > MULTILINE_EM * em:
            continue  # a withheld block: its width is the column's, not the text's
        if any(g.invisible for g in inside):
            layout.notes.append(_where(boxes[i]) + "keeps its exact width: it covers invisible "
                                "(OCR) text over a picture")
            continue
        if any(intersects(boxes[i], im) for im in image_boxes):
            layout.notes.append(_where(boxes[i]) + "keeps its exact width: it covers an image")
            continue
        single[i] = (axis, em, statistics.median(_u(axis, g.x, g.y) for g in inside))
    blocks = [boxes[i] for i in members if i not in single]

    # Group the single-line boxes into lines.
    lines: list[list[int]] = []
    for i in sorted(single, key=lambda i: (single[i][0], single[i][2])):
        axis, em, u = single[i]
        for line in lines:
            a2, em2, u2 = single[line[0]]
            if a2 == axis and abs(u2 - u) < 0.3 * max(em, em2):
                line.append(i)
                break
        else:
            lines.append([i])

    by_axis: dict[tuple, list[tuple[float, GlyphPlacement]]] = {}
    no_axis: list[GlyphPlacement] = []
    horizontal = _AXES[0]
    for g in loose:
        if g.dx == 1.0 and g.dy == 0.0:  # _axis(g) is (1, 0): the common case, inlined
            column = by_axis.get(horizontal)
            if column is None:
                column = by_axis[horizontal] = []
            column.append((-g.x * 0.0 + g.y * 1.0, g))  # _u((1, 0), x, y)
            continue
        a = _axis(g)
        if a is not None:
            by_axis.setdefault(a, []).append((_u(a, g.x, g.y), g))
        else:
            no_axis.append(g)
    for r in page.runs:  # (the order of entries on one baseline matters to none of the uses)
        by_axis.setdefault(r.axis, []).append((r.u, r))
    for a in by_axis:
        by_axis[a].sort(key=_first)
    shifted: list[GlyphPlacement] = []  # every glyph the layout places (on a line of a box)
    for line in lines:
        axis, _, u_line = single[line[0]]
        em = statistics.median(single[i][1] for i in line)
        if any(intersects(boxes[i], blk) for i in line for blk in blocks):
            continue  # inside a withheld portion: the portion's box hides the line anyway
        column = by_axis.get(axis, [])
        lo = bisect.bisect_left(column, u_line - 0.5 * em, key=_first)
        hi = bisect.bisect_right(column, u_line + 0.5 * em, key=_first)
        on_line = sorted((g for u, e in column[lo:hi] if abs(u - u_line) < 0.5 * em for g in _members(e)),
                         key=lambda g: g.key)
        line_boxes = set(line)
        stray = [g for g in on_line if g.removed and not any(
            contains_point(boxes[i], g.cx, g.cy) for i in line_boxes)]
        if stray:
            layout.notes.append(_where(boxes[line[0]]) + "keeps its exact width: the line has "
                                "text removed by a box on another line")
            continue
        elements = [_Element(_t(axis, g.x, g.y), _t(axis, g.x, g.y) + g.advance, glyph=g, width=g.advance)
                    for g in on_line if not g.removed]
        # Boxes that overlap or touch along the line (two findings on the same words), or
        # belong to one redaction (a box per letter of vertical text), become one box.
        groups: list[list[int]] = []
        spans: list[list[float]] = []
        for i in sorted(line, key=lambda i: _extent(axis, boxes[i], along=True)):
            t0, t1 = _extent(axis, boxes[i], along=True)
            if spans and (t0 < spans[-1][1] + 0.15 * em or owners[i] in {owners[j] for j in groups[-1]}):
                groups[-1].append(i)
                spans[-1][1] = max(spans[-1][1], t1)
            else:
                groups.append([i])
                spans.append([t0, t1])
        group_of: dict[int, list[int]] = {}
        for grp, (t0, t1) in zip(groups, spans):
            removed = list({g.key: g for i in grp for g in members[i]}.values())
            need = max((min_widths[i] for i in grp), default=0.0) if min_widths else 0.0
            elements.append(_Element(t0, t1, box=grp[0], width=max(natural_width(removed, axis, em), need)))
            group_of[grp[0]] = grp
        elements.sort(key=lambda e: (e.start, e.box is None))
        segments: list[list[_Element]] = []
        reach = -math.inf
        for e in elements:
            if not segments or e.start > reach + SEGMENT_GAP_EM * em:
                segments.append([])
            segments[-1].append(e)
            reach = max(reach, e.end)
        page_end = _extent(axis, page_box, along=True)[1]
        for n, seg in enumerate(segments):
            if all(e.box is None for e in seg):
                continue
            limit = (segments[n + 1][0].start - em) if n + 1 < len(segments) else page_end - 0.25 * em
            band = (u_line - 0.3 * em, u_line + 0.8 * em)
            for o in obstacles:
                o_t0, o_t1 = _extent(axis, o, along=True)
                o_u0, o_u1 = _extent(axis, o, along=False)
                if o_u0 < band[1] and band[0] < o_u1 and o_t1 > seg[0].start + 0.1 * em:
                    if o_t0 <= seg[0].start + 0.1 * em:
                        continue  # a background or cell the whole segment sits on
                    limit = min(limit, o_t0 - 0.1 * em)
            for up in (True, False):
                placed = _place(seg, em, quantum_em, up)
                if placed[-1] <= limit:
                    break
            else:
                layout.notes.append(_where(boxes[seg_box(seg)]) + "keeps its exact width: no room "
                                    "on the line to make it a standard width")
                continue
            segments_done.append(([e.glyph.key for e in seg if e.glyph is not None],
                                  [i for e in seg if e.box is not None for i in group_of[e.box]]))
            for e, (start, end) in zip(seg, placed[0]):
                if e.glyph is not None:
                    # Every glyph of the segment is placed, even one that stays (the anchor):
                    # none of them may depend on the original spacing any more.
                    d = start - e.start
                    layout.shifts[e.glyph.key] = (d * axis[0], d * axis[1])
                    shifted.append(e.glyph)
                else:
                    for i in group_of[e.box]:
                        u0, u1 = _extent(axis, boxes[i], along=False)
                        layout.boxes[i] = _box_from(axis, start, end, u0, u1)

    # (given a list of every glyph, as the tests do, the check sees that list)
    _undo_collisions(layout, glyphs if isinstance(glyphs, list) else shifted, boxes, segments_done,
                     (by_axis, no_axis))

    # Character and word spacing that only moved or removed glyphs used would still tell how
    # a justified line was spread: set it to zero.
    needed: set[tuple] = set()
    used: set[tuple] = set()
    shifts = layout.shifts
    for g in itertools.chain(loose, *(r.glyphs for r in page.runs if r.placed)):
        ops = g.spacing_ops
        if ops:
            used.update(ops)
            if not g.removed and g.key not in shifts:
                needed.update(ops)
    for r in page.runs:
        if not r.placed and (r.ops or r.ops_space):  # its glyphs all stay where they were
            space, other = r.kinds()
            for ops in ((r.ops,) if other else ()) + ((r.ops_space,) if space else ()):
                used.update(ops)
                needed.update(ops)
    layout.zero_spacing = used - needed
    return layout


def _glyph_box(g: GlyphPlacement, shift: tuple[float, float]) -> Box | None:
    """The glyph's full box (advance by descent..ascent), where it is drawn after ``shift``."""
    if g.dx == 1.0 and g.dy == 0.0:
        # Along x (what _axis finds first): the arithmetic below, with the axis (1.0, 0.0)
        # written in (the same operations, so the same floats), without the calls.
        x, y = g.x + shift[0], g.y + shift[1]
        t, u = x * 1.0 + y * 0.0, -x * 0.0 + y * 1.0
        t0, t1, u0, u1 = t, t + g.advance, u - 0.2 * g.em, u + 0.75 * g.em
        x0, x1, x2, x3 = t0 * 1.0 - u0 * 0.0, t0 * 1.0 - u1 * 0.0, t1 * 1.0 - u0 * 0.0, t1 * 1.0 - u1 * 0.0
        y0, y1, y2, y3 = t0 * 0.0 + u0 * 1.0, t0 * 0.0 + u1 * 1.0, t1 * 0.0 + u0 * 1.0, t1 * 0.0 + u1 * 1.0
        return (min(x0, x1, x2, x3), min(y0, y1, y2, y3), max(x0, x1, x2, x3), max(y0, y1, y2, y3))
    axis = _axis(g)
    if axis is None:
        return None
    x, y = g.x + shift[0], g.y + shift[1]
    t, u = _t(axis, x, y), _u(axis, x, y)
    return _box_from(axis, t, t + g.advance, u - 0.2 * g.em, u + 0.75 * g.em)


def _touches(a: Box, b: Box) -> bool:
    # intersects(a, b, tol=0.1), inlined (called for every glyph near a moved box)
    return a[0] + 0.1 < b[2] and b[0] + 0.1 < a[2] and a[1] + 0.1 < b[3] and b[1] + 0.1 < a[3]


class _KeptGlyphs:
    """The kept glyphs of a page and their boxes where the content stream draws them, for
    "which glyphs touch this box" queries: boxes are computed on demand, once (a page has
    thousands of glyphs; the boxes a layout changes are on a few lines)."""

    def __init__(self, by_axis: dict[tuple, list[tuple[float, GlyphPlacement]]],
                 no_axis: list[GlyphPlacement]):
        self.by_axis = by_axis  # every glyph (or GlyphRun) along each axis, sorted by its baseline
        self.reach = {a: max(abs(g.em) for _, g in col) for a, col in by_axis.items() if col}
        self.no_axis = [g for g in no_axis if not g.removed]
        self._boxes: dict[tuple, Box] = {}

    def original(self, g: GlyphPlacement) -> Box:
        box = self._boxes.get(g.key)
        if box is None:
            box = self._boxes[g.key] = _glyph_box(g, (0.0, 0.0)) or (g.cx, g.cy, g.cx, g.cy)
        return box

    def near(self, box: Box) -> list[GlyphPlacement]:
        """Kept glyphs whose original box may touch ``box`` (a superset): those whose
        baseline lies within the largest glyph height of the box, across each axis, and
        whose origin lies within their advance of it, along the axis (a point of margin);
        of a GlyphRun, only if its glyphs' extent across the axis meets the box's."""
        out = list(self.no_axis)
        for a, column in self.by_axis.items():
            u0, u1 = _extent(a, box, along=False)
            t0, t1 = _extent(a, box, along=True)
            reach = self.reach.get(a, 0.0) + 1.0
            lo = bisect.bisect_left(column, u0 - reach, key=_first)
            hi = bisect.bisect_right(column, u1 + reach, key=_first)
            ax, ay = a
            for _, e in column[lo:hi]:
                if type(e) is GlyphRun and not e.may_touch(box):
                    continue  # (its glyphs are placed only if one may touch the box)
                for g in _members(e):
                    if g.removed:
                        continue
                    t, adv = g.x * ax + g.y * ay, abs(g.advance) + 1.0
                    if t - adv < t1 and t0 < t + adv:
                        out.append(g)
        return out


def _undo_collisions(layout: Layout, glyphs: list[GlyphPlacement], boxes: list[Box],
                     segments: list[tuple[list[tuple], list[int]]],
                     axes: tuple[dict, list[GlyphPlacement]] | None = None) -> None:
    """No drawn box may cover any part of a kept glyph it did not cover before, whatever the
    glyph's line or direction (a second column on another baseline, a rotated heading, a
    stamp): neither a box that grew or moved, nor a glyph that moved into any box. A segment
    that would is put back as it was; undoing one can expose another, so repeat until
    nothing collides.

    Glyph boxes are computed once, and only for glyphs near a moved box or moved
    themselves; undoing a segment only puts its glyphs and boxes back."""
    if axes is None:  # (glyphs by axis sorted by baseline, glyphs of no axis): as defend has them
        axes = ({}, [])
        for g in glyphs:
            a = _axis(g)
            if a is None:
                axes[1].append(g)
            else:
                axes[0].setdefault(a, []).append((_u(a, g.x, g.y), g))
        for col in axes[0].values():
            col.sort(key=_first)
    kept = _KeptGlyphs(*axes)
    # Glyphs drawn elsewhere than the content stream had them, and their boxes there.
    moved: dict[tuple, Box] = {}
    original_of: dict[tuple, GlyphPlacement] = {}
    shifts = layout.shifts
    if shifts:
        for g in glyphs:
            if g.removed:
                continue
            shift = shifts.get(g.key)
            if shift and shift != (0.0, 0.0):
                box = _glyph_box(g, shift)
                if box is not None:
                    moved[g.key] = box
                    original_of[g.key] = g
    moved_index = BoxIndex((b, k) for k, b in moved.items())
    for _ in range(len(segments) + 1):
        drawn = layout.boxes
        box_index = BoxIndex((b, None) for b in drawn)

        # every drawn box the index holds (one whose band range is empty, an upside-down box
        # within no band, is near nothing)
        indexed = list({id(e): e[0] for band in box_index.bands.values() for e in band}.values())

        def touches_glyph(i: int) -> bool:
            """Does drawn box ``i`` cover a kept glyph that its original box did not?"""
            d = drawn[i]
            for g in kept.near(d):
                if g.key in moved:
                    continue
                gbox = kept.original(g)
                if _touches(d, gbox) and not _touches(boxes[i], gbox):
                    return True
            d0, d2, d3 = d[0] + 0.1, d[2], d[3]
            d1 = d[1] + 0.1
            for gbox, k in moved_index.near(d):
                # _touches(d, gbox) written out (same operations), tested before the rest
                if (d0 < gbox[2] and gbox[0] + 0.1 < d2 and d1 < gbox[3] and gbox[1] + 0.1 < d3
                        and k in moved and not _touches(boxes[i], kept.original(original_of[k]))):
                    return True
            return False

        def collides(keys, idx) -> bool:
            if any(drawn[i] != boxes[i] and touches_glyph(i) for i in idx):
                return True
            # Does a moved glyph of the segment touch a drawn box? Only a box that touches
            # the extent of all of them can (a NaN coordinate touches nothing: left out).
            glyph_boxes = [moved[k] for k in keys if k in moved]
            if not glyph_boxes:
                return False
            extent = union(glyph_boxes)
            near = [b for b in indexed if _touches(b, extent)]
            if not near:
                return False
            # (every drawn box touching a glyph box is among those BoxIndex.near finds for it)
            return any(_touches(b, gbox) for gbox in glyph_boxes for b in near)

        bad = [(keys, idx) for keys, idx in segments if collides(keys, idx)]
        if not bad:
            # Every moved glyph was checked above: the layout moves only glyphs of recorded
            # segments, and undoing a segment forgets its glyphs from ``moved``.
            return
        for keys, idx in bad:
            for k in keys:
                layout.shifts.pop(k, None)
                moved.pop(k, None)
            for i in idx:
                layout.boxes[i] = boxes[i]
            layout.notes.append(_where(boxes[idx[0]]) + "keeps its exact width: a standard width "
                                "would cover other text")
            segments.remove((keys, idx))


def seg_box(seg: list[_Element]) -> int:
    return next(e.box for e in seg if e.box is not None)


def _place(seg: list[_Element], em: float, quantum_em: float, up: bool):
    """New (start, end) of every element of a segment; returns (positions, end)."""
    out: list[tuple[float, float]] = []
    cursor = seg[0].start
    prev: _Element | None = None
    prev_shift = 0.0
    for e in seg:
        if prev is None:
            start = cursor
        elif e.glyph is not None and prev.glyph is not None and e.start + 0.5 * e.width < prev.end:
            # Overprinted glyphs (fake bold, shadows): keep their offset to what they overlap.
            start = e.start + prev_shift
        else:
            # The choice of gap must not depend on how wide the original gap was beyond
            # "apart or not": on a justified line that width comes from the removed text.
            gap = e.start - prev.end
            spaced = any(x.glyph is not None and x.glyph.space for x in (e, prev))
            if e.box is not None or prev.box is not None:
                new_gap = (BOX_GAP_EM if gap > 0.1 * em and not spaced else TOUCH_GAP_EM) * em
            elif spaced or gap <= 0.1 * em:
                new_gap = 0.0
            else:
                new_gap = WORD_GAP_EM * em
            start = cursor + new_gap
        width = quantise(e.width, em, quantum_em, up) if e.box is not None else e.width
        out.append((start, start + width))
        cursor = max(cursor, start + width)
        prev_shift = start - e.start
        prev = e
    return out, cursor


def _where(box: Box) -> str:
    return f"box at ({box[0]:.0f}, {box[1]:.0f}) "
