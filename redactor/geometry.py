"""Affine matrices and boxes in PDF user space.

Every box in redactor is ``(x0, y0, x1, y1)`` in PDF *default user space*: points, origin
bottom-left of the coordinate system the page's content stream starts in, before ``/Rotate``
is applied for display and without subtracting the MediaBox origin. That is the space the
removal engine works in, so report boxes can be fed back to it unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True, slots=True)
class Matrix:
    """A PDF transformation matrix ``[a b c d e f]`` (row-vector convention)."""

    a: float = 1.0
    b: float = 0.0
    c: float = 0.0
    d: float = 1.0
    e: float = 0.0
    f: float = 0.0

    @classmethod
    def of(cls, values: Iterable[float]) -> "Matrix":
        a, b, c, d, e, f = (float(v) for v in values)
        return cls(a, b, c, d, e, f)

    def __matmul__(self, other: "Matrix") -> "Matrix":
        """``self @ other``: apply ``self`` first, then ``other`` (as PDF's ``cm`` composes)."""
        return Matrix(
            self.a * other.a + self.b * other.c,
            self.a * other.b + self.b * other.d,
            self.c * other.a + self.d * other.c,
            self.c * other.b + self.d * other.d,
            self.e * other.a + self.f * other.c + other.e,
            self.e * other.b + self.f * other.d + other.f,
        )

    def apply(self, x: float, y: float) -> tuple[float, float]:
        return (self.a * x + self.c * y + self.e, self.b * x + self.d * y + self.f)

    def inverse(self) -> "Matrix":
        det = self.a * self.d - self.b * self.c
        if det == 0:
            raise ValueError("singular matrix")
        a, b, c, d = self.d / det, -self.b / det, -self.c / det, self.a / det
        return Matrix(a, b, c, d, -(self.e * a + self.f * c), -(self.e * b + self.f * d))

    def transform_box(self, box: "Box") -> "Box":
        """The axis-aligned box enclosing ``box`` after transformation."""
        pts = [self.apply(x, y) for x in (box[0], box[2]) for y in (box[1], box[3])]
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        return (min(xs), min(ys), max(xs), max(ys))

    def as_list(self) -> list[float]:
        return [self.a, self.b, self.c, self.d, self.e, self.f]


IDENTITY = Matrix()

Box = tuple[float, float, float, float]


def contains_point(box: Box, x: float, y: float, tol: float = 0.0) -> bool:
    return box[0] - tol <= x <= box[2] + tol and box[1] - tol <= y <= box[3] + tol


def intersects(a: Box, b: Box, tol: float = 0.0) -> bool:
    """Do the boxes share area (more than ``tol`` deep on both axes)?"""
    return a[0] + tol < b[2] and b[0] + tol < a[2] and a[1] + tol < b[3] and b[1] + tol < a[3]


def contained(inner: Box, outer: Box, tol: float = 0.5) -> bool:
    """Is ``inner`` inside ``outer``, give or take ``tol``?"""
    return (outer[0] - tol <= inner[0] and outer[1] - tol <= inner[1]
            and inner[2] <= outer[2] + tol and inner[3] <= outer[3] + tol)


def intersection_area(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def union(boxes: Iterable[Box]) -> Box:
    bs = list(boxes)
    return (
        min(b[0] for b in bs),
        min(b[1] for b in bs),
        max(b[2] for b in bs),
        max(b[3] for b in bs),
    )


def rotation_matrix(rotate: int, mediabox: Box) -> Matrix:
    """Matrix from default user space to the *displayed* page (``/Rotate`` applied), origin
    at the displayed page's bottom-left. Mirrors what viewers do."""
    x0, y0, x1, y1 = mediabox
    rotate %= 360
    if rotate == 90:
        return Matrix(0, -1, 1, 0, -y0, x1)
    if rotate == 180:
        return Matrix(-1, 0, 0, -1, x1, y1)
    if rotate == 270:
        return Matrix(0, 1, -1, 0, y1, -x0)
    return Matrix(1, 0, 0, 1, -x0, -y0)


class BoxIndex:
    """Boxes bucketed by horizontal bands of ``cell`` points, for "which boxes may touch
    this one" queries on pages with thousands of glyphs and hundreds of boxes."""

    def __init__(self, items: Iterable[tuple[Box, object]], cell: float = 24.0):
        self.cell = cell
        self.bands: dict[int, list[tuple[Box, object]]] = {}
        for box, item in items:
            for band in range(int(box[1] // cell), int(box[3] // cell) + 1):
                self.bands.setdefault(band, []).append((box, item))

    def near(self, box: Box) -> list[tuple[Box, object]]:
        """Entries whose band range meets ``box``'s (a superset of those intersecting it)."""
        lo, hi = int(box[1] // self.cell), int(box[3] // self.cell)
        if lo == hi:
            return self.bands.get(lo, [])
        seen: dict[int, tuple[Box, object]] = {}
        for band in range(lo, hi + 1):
            for entry in self.bands.get(band, []):
                seen[id(entry)] = entry
        return list(seen.values())


def pixel_rect(placement_ctm, box: Box, width: int, height: int) -> tuple[int, int, int, int] | None:
    """The pixel rectangle (x0, y0, x1, y1; row 0 at the top) of ``box`` in an image drawn
    with ``placement_ctm``, or None if the box misses the image."""
    inv = placement_ctm.inverse()
    u0, v0, u1, v1 = inv.transform_box(box)
    u0, u1 = max(0.0, u0), min(1.0, u1)
    v0, v1 = max(0.0, v0), min(1.0, v1)
    if u0 >= u1 or v0 >= v1:
        return None
    x0 = max(0, math.floor(u0 * width))
    x1 = min(width, math.ceil(u1 * width))
    y0 = max(0, math.floor((1.0 - v1) * height))
    y1 = min(height, math.ceil((1.0 - v0) * height))
    if x0 >= x1 or y0 >= y1:
        return None
    return (x0, y0, x1, y1)
