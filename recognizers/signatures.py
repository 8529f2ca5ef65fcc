"""Where a signature is on a page: by its caption, its line, or its place in a signature block.

A signature is a place, not text: a picture pasted on a text page (a scanned signature, an
e-signature's image), or pen strokes on a scanned page that OCR reads as nothing. What points
to one is around it:

- a **caption**: a short line saying "Signature", "Signed", "Sign here", "Signatory",
  "Signature of applicant", or "/s/";
- a **signature line**: a short rule (a drawn line half an inch to four and a half inches
  long, or a run of underscores) with a caption beside or under it, or under a closing;
- a **signature block**: a closing ("Sincerely,", "Respectfully submitted,") above, a typed
  name under.

Pure geometry on text with character boxes (PDF user space, y up); the pixels are looked at
in ``redactor/ocr.py`` (``signature_ink``), the images listed by the PDF reader. Nothing here
decides: the findings are entity ``SIGNATURE`` and the policy says whether a signature is
withheld (as a region) or released for a reviewer to look at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

Box = tuple[float, float, float, float]

INCH = 72.0
# A signature picture is small: a wide short strip (under 3 x 1.2 inches), not a logo's or a
# seal's square nor a photograph.
MAX_WIDTH, MAX_HEIGHT = 3.0 * INCH, 1.2 * INCH
MIN_WIDTH, MIN_HEIGHT = 0.3 * INCH, 0.12 * INCH
NEAR_CAPTION = 1.0 * INCH  # a picture this close to a caption is the signature it names
NEAR_LINE = 0.5 * INCH  # a picture sitting on a signature line (or just above it)
# A signature line is a short rule; a rule across the text column is a letterhead's or a
# section's, not one to sign on.
MIN_LINE, MAX_LINE = 0.75 * INCH, 4.5 * INCH
# The letterhead band: a picture there is a logo or a seal unless a caption stands by it.
TOP_BAND = 0.18

# The caption of a signature, as a line's words read: "Signature", "Signature:", "Signed",
# "Sign here", "Signature of Applicant", "(Signature)", "/s/", "Signatory".
CAPTION = re.compile(r"(?i)(?<![\w/])(?:signatures?|signed|sign(?:\s+here)?|signatory|signat[uv]re|/s/?)"
                     r"(?![\w])[:.,;)]*")
# A closing above a signature: "Sincerely,", "Respectfully submitted,", "Very truly yours,".
CLOSING = re.compile(r"(?i)^\s*(?:sincerely(?: yours)?|respectfully(?: submitted| yours)?|(?:very )?truly yours|"
                     r"yours (?:truly|sincerely|faithfully)|(?:best |kind |warm )?regards|cordially|"
                     r"faithfully|with (?:best |kind )?regards|approved(?: by)?|signed|attest(?:ed)?)\s*[,:.]?\s*$")
UNDERSCORES = re.compile(r"_{6,}")
MAX_CAPTION_WORDS = 8  # a caption is a short line; "signed" in a sentence is not one


@dataclass(frozen=True)
class Anchor:
    """What points to a signature: a caption, a signature line, a closing, a typed name."""

    box: Box
    kind: str  # "caption", "line", "closing", "name"
    label: str  # in words, for the finding's explanation: "the caption 'Signature'"


@dataclass(frozen=True)
class Line:
    """One line of a page's text with its box (the union of its characters')."""

    start: int
    end: int
    text: str
    box: Box


def text_lines(text: str, char_boxes: Sequence[Box | None] | None) -> list[Line]:
    """The lines of ``text`` that have character boxes."""
    if not char_boxes:
        return []
    out = []
    pos = 0
    for raw in text.split("\n"):
        s, e = pos, pos + len(raw)
        pos = e + 1
        boxes = [b for i, b in enumerate(char_boxes[s:e]) if b is not None and not raw[i].isspace()]
        if not boxes or not raw.strip():
            continue
        out.append(Line(s, e, raw, _union(boxes)))
    return out


def _union(boxes: Sequence[Box]) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _span_box(char_boxes: Sequence[Box | None], s: int, e: int) -> Box | None:
    boxes = [b for b in char_boxes[s:e] if b is not None]
    return _union(boxes) if boxes else None


def captions(text: str, char_boxes: Sequence[Box | None] | None) -> list[Anchor]:
    """Signature captions of a page (and runs of underscores: lines to sign on, as text)."""
    out = []
    for line in text_lines(text, char_boxes):
        short = len(line.text.split()) <= MAX_CAPTION_WORDS
        for m in CAPTION.finditer(line.text):
            word = m.group(0)
            if not (short or word.endswith(":") or word.lower().startswith("/s")):
                continue
            box = _span_box(char_boxes, line.start + m.start(), line.start + m.end())
            if box is not None:
                out.append(Anchor(box, "caption", f"the caption '{word.rstrip(':.,;)')}'"))
        for m in UNDERSCORES.finditer(line.text):
            box = _span_box(char_boxes, line.start + m.start(), line.start + m.end())
            if box is not None and MIN_LINE <= box[2] - box[0] <= MAX_LINE:
                out.append(Anchor((box[0], box[1], box[2], box[1] + 1.0), "rule", "a line of underscores"))
    return out


def closings(text: str, char_boxes: Sequence[Box | None] | None) -> list[Anchor]:
    return [Anchor(line.box, "closing", f"the closing '{line.text.strip().rstrip(',:.')}'")
            for line in text_lines(text, char_boxes) if CLOSING.match(line.text)]


def _gap(a: Box, b: Box) -> float:
    """The distance between two boxes (0 when they touch or overlap)."""
    dx = max(0.0, a[0] - b[2], b[0] - a[2])
    dy = max(0.0, a[1] - b[3], b[1] - a[3])
    return (dx * dx + dy * dy) ** 0.5


def _x_overlap(a: Box, b: Box) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0]))


def signature_lines(rules: Sequence[Box], anchors: Sequence[Anchor]) -> list[Anchor]:
    """The rules a signature goes on: short ones (MIN_LINE..MAX_LINE) with a caption on their
    line to the left or just under them, or a closing above them (within two inches)."""
    out = []
    caps = [a for a in anchors if a.kind == "caption"]
    shut = [a for a in anchors if a.kind == "closing"]
    for r in rules:
        length = r[2] - r[0]
        if not (MIN_LINE <= length <= MAX_LINE) or r[3] - r[1] > 3.0:
            continue
        y = (r[1] + r[3]) / 2
        by = None
        for c in caps:
            h = max(c.box[3] - c.box[1], 6.0)
            beside = c.box[1] - 0.5 * h <= y <= c.box[3] + 0.5 * h and -12.0 <= r[0] - c.box[2] <= 1.0 * INCH
            under = 0 <= y - c.box[3] <= 0.5 * INCH and _x_overlap(c.box, r) > 0
            if beside or under:
                by = c.label
                break
        if by is None:
            for c in shut:
                if 0 < c.box[1] - y <= 2.0 * INCH and abs(c.box[0] - r[0]) <= 2.0 * INCH:
                    by = c.label
                    break
        if by is not None:
            out.append(Anchor(r, "line", f"a signature line by {by}"))
    return out


def _is_picture_sized(box: Box) -> bool:
    w, h = box[2] - box[0], box[3] - box[1]
    return MIN_WIDTH <= w <= MAX_WIDTH and MIN_HEIGHT <= h <= MAX_HEIGHT and w >= 1.2 * h


def _typed_name_under(box: Box, lines: Sequence[Line]) -> Line | None:
    """A short line of capitalised words just under ``box`` and starting near its left edge:
    the typed name of a signature block."""
    for line in lines:
        gap = box[1] - line.box[3]
        if not (-6.0 <= gap <= 0.75 * INCH) or abs(line.box[0] - box[0]) > 1.5 * INCH:
            continue
        words = [w for w in re.split(r"[\s,]+", line.text.strip()) if w]
        if 2 <= len(words) <= 5 and all(w[:1].isupper() or w in ("de", "van", "von", "da") for w in words) \
                and sum(ch.isdigit() for ch in line.text) == 0:
            return line
    return None


def signature_pictures(page_box: Box, text: str, char_boxes: Sequence[Box | None] | None,
                       pictures: Sequence[Box], rules: Sequence[Box]) -> list[tuple[int, str]]:
    """Which of ``pictures`` (their boxes on a text-layer page) are signatures: (index, why in
    words). A picture of a signature's size within an inch of a caption, on a signature line,
    or between a closing and a typed name. A picture in the letterhead band (the top of the
    page) counts only by a caption beside it."""
    if not pictures:
        return []
    lines = text_lines(text, char_boxes)
    caps = captions(text, char_boxes)
    shut = closings(text, char_boxes)
    sig_lines = signature_lines(rules, caps + shut) + [a for a in caps if a.kind == "rule"]
    top = page_box[3] - TOP_BAND * (page_box[3] - page_box[1])
    out = []
    for i, box in enumerate(pictures):
        if not _is_picture_sized(box):
            continue
        why = None
        near = [c for c in caps if c.kind == "caption" and _gap(box, c.box) <= NEAR_CAPTION]
        if near:
            why = f"within an inch of {min(near, key=lambda c: _gap(box, c.box)).label}"
        elif box[1] < top:
            cy = (box[1] + box[3]) / 2
            for ln in sig_lines:
                ly = (ln.box[1] + ln.box[3]) / 2
                on = ly - 0.25 * INCH <= box[1] <= ly + NEAR_LINE and cy > ly - 0.1 * INCH
                if on and _x_overlap(box, ln.box) >= 0.3 * (box[2] - box[0]):
                    why = f"on {ln.label}"
                    break
            if why is None:
                above = [c for c in shut if 0 <= c.box[1] - box[3] <= 1.5 * INCH and abs(c.box[0] - box[0]) <= 2 * INCH]
                name = _typed_name_under(box, lines)
                if above and name is not None:
                    why = f"in a signature block (under {above[0].label}, above a typed name)"
        if why is not None:
            out.append((i, why))
    return out


def ink_bands(anchors: Sequence[Anchor], words: Sequence[Box], page_box: Box) -> list[tuple[Box, str]]:
    """Where pen strokes of a signature would be on a scanned page (user space, y up), from its
    captions and signature lines: right of a caption on its line (up to the next word read
    there, at most four inches), above a caption (a signature line the caption is under),
    and above a signature line. ``words``: boxes of the words OCR read with confidence (a
    band stops at them)."""
    out = []
    for a in anchors:
        x0, y0, x1, y1 = a.box
        if a.kind == "caption":
            h = max(y1 - y0, 6.0)
            top, bottom = y1 + 1.2 * h, y0 - 0.6 * h
            right = x1 + 4.0 * INCH
            for w in words:  # the next word on the caption's line ends the band
                wy = (w[1] + w[3]) / 2
                if y0 - 0.3 * h <= wy <= y1 + 0.3 * h and w[0] > x1 + 2.0:
                    right = min(right, w[0] - 2.0)
            if right - x1 >= 0.3 * INCH:
                out.append(((x1 + 2.0, bottom, right, top), f"right of {a.label}"))
            out.append(((x0 - 0.25 * INCH, y1 + 1.0, x0 + 3.5 * INCH, y1 + 0.6 * INCH), f"above {a.label}"))
        elif a.kind in ("line", "rule"):
            out.append(((x0 - 0.1 * INCH, y0 - 0.12 * INCH, x1 + 0.1 * INCH, y1 + 0.6 * INCH), f"on {a.label}"))
    clipped = []
    for (x0, y0, x1, y1), why in out:
        box = (max(x0, page_box[0]), max(y0, page_box[1]), min(x1, page_box[2]), min(y1, page_box[3]))
        if box[2] - box[0] > 4 and box[3] - box[1] > 4:
            clipped.append((box, why))
    return clipped


def _caption_line(text: str) -> str | None:
    """The caption word of ``text`` when the line is a signature caption (or a line to sign
    on: underscores), else None."""
    line = text.strip()
    if UNDERSCORES.search(line):
        rest = UNDERSCORES.sub(" ", line).strip()
        m = CAPTION.search(rest) if rest else None
        return m.group(0).rstrip(":.,;)") if m else "a signature line"
    m = CAPTION.search(line)
    if m and (len(line.split()) <= MAX_CAPTION_WORDS or m.group(0).endswith(":")):
        return m.group(0).rstrip(":.,;)")
    return None


def _typed_name(text: str) -> bool:
    words = [w for w in re.split(r"[\s,]+", text.strip()) if w]
    return (2 <= len(words) <= 5 and all(w[:1].isupper() or w in ("de", "van", "von", "da") for w in words)
            and not any(ch.isdigit() for ch in text))


def signature_picture_in_text(width: float, height: float, own: str, before: Sequence[str],
                              after: Sequence[str]) -> str | None:
    """A picture drawn in flowing text (DOCX: ``width`` x ``height`` points, its own
    paragraph's text, the nearest non-empty paragraphs before, nearest first, and after):
    why it is a signature, or None. It must be of a signature's size, and be captioned (its
    own paragraph, or the paragraph just before or after it, is a signature caption or a line
    to sign on), or stand between a closing (one of the two paragraphs before) and a typed
    name (the paragraph after)."""
    if not _is_picture_sized((0.0, 0.0, width, height)):
        return None
    for text, where in ((own, "beside it"), (after[0] if after else "", "under it"),
                        (before[0] if before else "", "above it")):
        label = _caption_line(text) if text else None
        if label:
            return (f"captioned by {label} {where}" if label == "a signature line"
                    else f"captioned '{label}' {where}")
    closing = next((t for t in before[:2] if CLOSING.match(t)), None)
    if closing and after and _typed_name(after[0]):
        return f"in a signature block (under the closing '{closing.strip().rstrip(',:.')}', above a typed name)"
    return None
