"""Read a PDF into pages of text with character boxes, with pdfium (``--pdf-reader pdfium``).

The default reader (read.py) is pdfminer with layout analysis; this one reads each page with
pdfium, the C++ engine of Chromium's PDF viewer, at pdfium's speed: the page's characters in
pdfium's own reading order (the order a person selecting text in a browser gets, lines as
pdfium finds them), each with its box, in one call per character. What the two readers
produce is the same kind of ``Page``: text, a box per character (``None`` for the spaces and
line breaks the extractor inserts), the images, rules and dark boxes drawn on the page, text
hidden under dark boxes, annotation values and tiling-pattern text (both read from the
page's objects as read.py reads them).

A document read by pdfium is verified by pdfminer (verify.py): the release copy's text is
then checked by an extractor that shares no code with the one that read it.

What differs from the default reader: the order of text on pages whose drawing order is not
their reading order (tables drawn column by column, two-column pages drawn line across
line), which pdfminer's layout analysis reorders and pdfium does not; pdfium's line breaks
and word spaces where pdfminer's layout would put others. docs/design.md gives the figures.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
from pathlib import Path

from ...collector import collector_paused as _collector_paused
from ...errors import BadInputError
from ...geometry import Box, Matrix
from ...model import Document, Page, Picture
from ..base import sha256_file
from .read import (
    DARK_BOX,
    DARK_TEXT,
    DIGEST_MAX_AREA,
    MAX_PICTURES,
    MAX_RULES,
    MIN_RULE,
    RULE_THICKNESS,
    _LETTER_SPACED,
    _annotation_texts,
    _bleeds,
    _covered_spans,
    _darkness,
    _overlap,
    _pattern_text,
    _unspaced,
    pdfminer_errors,
    PdfminerPages,
    read_or_rewritten,
)


# A blank line (a paragraph break, as the default reader puts one between text boxes) where
# the next line starts further below the last than this many of its heights, or above it.
PARAGRAPH_GAP = 0.8
DUPLICATES_LOOKED_AT = 4  # earlier places of the same character on a line a glyph drawn again is looked for


def read_pdf(path: Path, password: str = "", ocr: bool = True) -> Document:
    """Pages of ``path`` read by pdfium; pages without a usable text layer read by OCR
    (ocr.py) unless ``ocr`` is False. A file pdfium or pdfminer's parser cannot open is
    rewritten by qpdf (via pikepdf) in memory and read again, as read.py does."""
    document = read_or_rewritten(lambda source, pw: _read(source, path, pw), path, password)
    if ocr:
        from ...ocr import read_document

        document = read_document(document, path, password)
    return document


def _read(source: Path | bytes, path: Path, password: str) -> Document:
    import pypdfium2 as pdfium

    pages: list[Page] = []
    with pdfminer_errors():
        with (open(source, "rb") if isinstance(source, Path) else contextlib.nullcontext(io.BytesIO(source))) as fh:
            structure = PdfminerPages(fh, password)  # page dictionaries: annotations, patterns, /Rotate
            try:
                pdf = pdfium.PdfDocument(source if isinstance(source, bytes) else str(source),
                                         password=password or None)
            except pdfium.PdfiumError as exc:
                raise BadInputError(f"unreadable PDF: pdfium: {exc}") from None
            try:
                if len(pdf) != len(structure.pages):
                    raise BadInputError(f"unreadable PDF: pdfium finds {len(pdf)} pages, "
                                        f"pdfminer {len(structure.pages)}")
                reader = _CharReader()
                for index, pdfpage in enumerate(structure.pages):
                    with _collector_paused():
                        page = pdf[index]
                        try:
                            pages.append(_read_page(index + 1, page, pdfpage, reader, structure))
                        finally:
                            page.close()
            finally:
                pdf.close()
    if not pages:
        raise BadInputError("PDF has no pages")
    return Document(source=path, format="pdf", pages=pages, sha256=sha256_file(path), reader="pdfium")


class _CharReader:
    """pdfium's per-character calls as bare C functions where pypdfium2 exposes its library
    (no ctypes argument conversion: a third of the cost of each call, made once per
    character of every page), with reused output buffers."""

    def __init__(self) -> None:
        import pypdfium2.raw as raw

        self.raw = raw
        self.rect = raw.FS_RECTF()
        self.rect_p = ctypes.byref(self.rect)
        self.loose_box = raw.FPDFText_GetLooseCharBox
        self.bare = False
        try:
            from pypdfium2_raw import bindings

            fn = bindings._libs["pdfium"]["FPDFText_GetLooseCharBox"]
            fn.restype = ctypes.c_int
            self.loose_box, self.bare = fn, True
        except (ImportError, AttributeError, KeyError, TypeError):
            pass
        self.rgba = [ctypes.c_uint() for _ in range(4)]

    def boxes(self, textpage, text: str) -> list[Box | None]:
        """The loose box (the glyph's advance by the font's ascent and descent, as a text
        selection shows it) of every character of ``text`` that is not white space."""
        handle = ctypes.cast(textpage.raw, ctypes.c_void_p) if self.bare else textpage.raw
        get, rect, rect_p = self.loose_box, self.rect, self.rect_p
        out: list[Box | None] = []
        add = out.append
        for i, ch in enumerate(text):
            if ch.isspace() or not get(handle, i, rect_p):
                add(None)
                continue
            add((rect.left, rect.bottom, rect.right, rect.top))
        return out

    def darkness(self, textpage, index: int) -> float:
        r, g, b, a = self.rgba
        if not self.raw.FPDFText_GetFillColor(textpage.raw, index, ctypes.byref(r), ctypes.byref(g),
                                              ctypes.byref(b), ctypes.byref(a)):
            return 1.0
        return _darkness((r.value / 255.0, g.value / 255.0, b.value / 255.0))


def _read_page(number: int, page, pdfpage, reader: _CharReader, structure) -> Page:
    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        raw_text = textpage.get_text_range(0, n) if n > 0 else ""
        if len(raw_text) != n:  # characters outside the BMP: one call per character instead
            raw_text = "".join(chr(reader.raw.FPDFText_GetUnicode(textpage.raw, i) or 0xFFFD) for i in range(n))
        raw_boxes = reader.boxes(textpage, raw_text)
        dark_boxes, rules, pictures, images = _objects(page)
        dark_at = _dark_characters(textpage, raw_boxes, dark_boxes, reader)
    finally:
        textpage.close()
    text, boxes, dark = _lines(raw_text, raw_boxes, dark_at)
    chars_seen = sum(1 for ch, box in zip(raw_text, raw_boxes) if box is not None)
    covered = _covered_spans(text, boxes, dark, dark_boxes)
    parts, part_boxes = [text], list(boxes)
    for value, rect in _annotation_texts(pdfpage):
        parts.append(value + "\n\n")
        part_boxes.extend([rect] * len(value) + [None, None])
    cell_text = _pattern_text(pdfpage, *structure.interpreter()) if structure.has_patterns(pdfpage) else ""
    if cell_text:
        parts.append("\n\n" + cell_text)
        part_boxes.extend([None] * (len(cell_text) + 2))
    x0, y0, x1, y1 = (float(v) for v in pdfpage.mediabox)
    return Page(
        number=number,
        text="".join(parts),
        char_boxes=part_boxes,
        width=abs(x1 - x0),
        height=abs(y1 - y0),
        rotation=structure.rotation(pdfpage),
        has_text_layer=chars_seen > 0,
        image_count=images,
        covered_spans=covered,
        dark_boxes=dark_boxes,
        pictures=pictures,
        rules=rules,
    )


def _lines(raw_text: str, raw_boxes: list[Box | None], dark_at: set[int]) -> tuple[str, list, list[bool]]:
    """pdfium's text as the default reader lays text out: a line break for pdfium's CR LF, a
    blank line between paragraphs (a gap of more than PARAGRAPH_GAP line heights, or a jump
    up the page: the next column), fake bold (a glyph or a word drawn again over itself) read
    once, letter-spaced headings read whole (read._unspaced). pdfium marks a hyphen it takes
    for a soft one with U+FFFE: it is a hyphen drawn on the page."""
    text_parts: list[str] = []
    boxes: list[Box | None] = []
    dark: list[bool] = []
    chars: list[str] = []  # the line being read: its characters, their boxes, their darkness
    char_boxes: list[Box | None] = []
    darks: list[bool] = []
    last_line_box: list[float] | None = None
    line_box: list[float] | None = None  # the box of the line's characters so far
    seen: dict[str, list] = {}  # the line's characters: [right edge of the rightmost, boxes of the last few]

    def flush() -> None:
        nonlocal last_line_box, line_box
        if line_box is not None:
            lb = line_box
            if last_line_box is not None and text_parts:
                height = max(lb[3] - lb[1], last_line_box[3] - last_line_box[1], 1.0)
                if lb[3] < last_line_box[1] - PARAGRAPH_GAP * height or lb[1] > last_line_box[3]:
                    text_parts.append("\n")
                    boxes.append(None)
                    dark.append(False)
            last_line_box = lb
        joined = "".join(chars)
        if _LETTER_SPACED.search(joined) is None:  # most lines: one box per character as read
            text_parts.append(joined)
            boxes.extend(char_boxes)
            dark.extend(darks)
        else:
            for piece, b, d in _unspaced(list(zip(chars, char_boxes, darks))):
                text_parts.append(piece)
                boxes.extend([b] * len(piece))
                dark.extend([d] * len(piece))
        text_parts.append("\n")
        boxes.append(None)
        dark.append(False)
        chars.clear()
        char_boxes.clear()
        darks.clear()
        seen.clear()
        line_box = None

    for i, (ch, box) in enumerate(zip(raw_text, raw_boxes)):
        if ch == "\r":
            continue
        if ch == "\n":
            flush()
            continue
        if ch == "\ufffe":
            ch = "-"
        elif ch == "\x00":
            ch = "\ufffd"
        if box is not None:
            # Fake bold draws each glyph, or each word, twice at nearly the same place: read
            # it once.
            x0, x1 = box[0], box[2]
            earlier = seen.get(ch)
            if earlier is None:
                seen[ch] = [x1, box]
            else:
                if x0 < earlier[0] and any(b[0] < x1 and x0 < b[2] and _overlap(box, b) > 0.6
                                           for b in earlier[1:]):
                    continue
                if x1 > earlier[0]:
                    earlier[0] = x1
                earlier.append(box)
                if len(earlier) > DUPLICATES_LOOKED_AT + 1:
                    del earlier[1]
            if line_box is None:
                line_box = list(box)
            else:
                if x0 < line_box[0]:
                    line_box[0] = x0
                if box[1] < line_box[1]:
                    line_box[1] = box[1]
                if x1 > line_box[2]:
                    line_box[2] = x1
                if box[3] > line_box[3]:
                    line_box[3] = box[3]
        chars.append(ch)
        char_boxes.append(box)
        darks.append(i in dark_at)
    if chars:
        flush()
    if text_parts:
        text_parts.append("\n")
        boxes.append(None)
        dark.append(False)
    return "".join(text_parts), boxes, dark


def _dark_characters(textpage, boxes: list[Box | None], dark_boxes: list[Box], reader: _CharReader) -> set[int]:
    """Indexes of dark characters whose centre lies under a dark box (only those can be text
    hidden under a box; the colour of the others is not asked)."""
    if not dark_boxes:
        return set()
    out = set()
    for i, box in enumerate(boxes):
        if box is None:
            continue
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        if any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in dark_boxes) and \
                reader.darkness(textpage, i) > DARK_TEXT:
            out.add(i)
    return out


def _objects(page) -> tuple[list[Box], list[Box], list[Picture], int]:
    """The dark boxes, rules and pictures drawn on ``page``, and how many images, from
    pdfium's page objects (form XObjects entered, their matrices applied), with the same
    thresholds as read.py."""
    import pypdfium2.raw as raw

    dark_boxes: list[Box] = []
    rules: list[Box] = []
    pictures: list[Picture] = []
    images = 0
    matrices: dict[int, Matrix] = {}  # form nesting level -> the form's matrix on the page
    page_box = tuple(float(v) for v in page.get_mediabox())
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    for obj in page.get_objects(max_depth=15):
        kind = obj.type
        if kind == raw.FPDF_PAGEOBJ_TEXT:
            continue
        level = getattr(obj, "level", 0)
        parent = matrices.get(level - 1) if level > 0 else None
        try:
            if kind == raw.FPDF_PAGEOBJ_FORM or kind == raw.FPDF_PAGEOBJ_IMAGE:
                m = Matrix.of(obj.get_matrix().get())
                full = m @ parent if parent is not None else m
                if kind == raw.FPDF_PAGEOBJ_FORM:
                    matrices[level] = full
                    continue
                images += 1
                if len(pictures) < MAX_PICTURES:
                    pictures.append(_picture(obj, full.transform_box((0, 0, 1, 1)), raw))
                continue
            if kind != raw.FPDF_PAGEOBJ_PATH:
                continue
            shapes = _subpaths(obj, parent, raw)
        except Exception:  # noqa: BLE001 - an object pdfium cannot measure is not read
            continue
        if not shapes or not raw.FPDFPath_GetDrawMode(obj.raw, ctypes.byref(fill_mode), ctypes.byref(stroke)):
            continue
        filled_dark = bool(fill_mode.value) and bool(raw.FPDFPageObj_GetFillColor(
            obj.raw, ctypes.byref(r), ctypes.byref(g), ctypes.byref(b), ctypes.byref(a))) and a.value > 0 and \
            _darkness((r.value / 255.0, g.value / 255.0, b.value / 255.0)) > DARK_BOX
        for box in shapes:
            if filled_dark:
                if _bleeds(box, page_box):
                    pass  # a background printed past the page's edges, not a box over text
                elif box[2] - box[0] > 2 and box[3] - box[1] > 4:
                    dark_boxes.append(box)
                elif box[3] - box[1] <= RULE_THICKNESS and box[2] - box[0] >= MIN_RULE and len(rules) < MAX_RULES:
                    rules.append(box)  # a thin filled bar: a rule
            elif stroke.value and len(rules) < MAX_RULES:
                if box[3] - box[1] <= RULE_THICKNESS and box[2] - box[0] >= MIN_RULE:
                    rules.append(box)  # a stroked line (a signature or fill-in line)
    return dark_boxes, rules, pictures, images


MAX_SEGMENTS = 4096  # a path with more segments (a chart, a map) is taken as one shape


def _subpaths(obj, parent: Matrix | None, raw) -> list[Box]:
    """The boxes of a path object's subpaths on the page. One path may hold many shapes ("re
    re re f": a redaction tool's boxes over three lines, drawn as one path); pdfium's bounds
    of the path would be one box over all of them and the text between, where pdfminer (and
    a person) sees three. A subpath starts at each move-to."""
    n = raw.FPDFPath_CountSegments(obj.raw)
    if n <= 5 or n > MAX_SEGMENTS:  # one shape (a rectangle is 4 or 5 segments), or too many to split
        box = tuple(obj.get_bounds())
        return [parent.transform_box(box) if parent is not None else box]
    m = Matrix.of(obj.get_matrix().get())
    full = m @ parent if parent is not None else m
    x, y = ctypes.c_float(), ctypes.c_float()
    px, py = ctypes.byref(x), ctypes.byref(y)
    shapes: list[list[float]] = []
    for i in range(n):
        seg = raw.FPDFPath_GetPathSegment(obj.raw, i)
        if not seg or not raw.FPDFPathSegment_GetPoint(seg, px, py):
            continue
        if raw.FPDFPathSegment_GetType(seg) == raw.FPDF_SEGMENT_MOVETO or not shapes:
            shapes.append([x.value, y.value, x.value, y.value])
        else:
            s = shapes[-1]
            s[0], s[1], s[2], s[3] = min(s[0], x.value), min(s[1], y.value), max(s[2], x.value), max(s[3], y.value)
    return [full.transform_box(tuple(s)) for s in shapes]


def _picture(obj, box: Box, raw) -> Picture:
    """An image as ``Picture``. Its digest is of the image's stream data as stored (pdfium's
    raw data): verification looks for it among the release copy's image streams, raw and
    decoded (verify._check_withheld_pictures)."""
    import hashlib

    from ...geometry import area

    try:
        w, h = obj.get_px_size()
    except Exception:  # noqa: BLE001
        w = h = 0
    digest = ""
    if area(box) <= DIGEST_MAX_AREA and w * h <= 4_000_000:
        try:
            size = raw.FPDFImageObj_GetImageDataRaw(obj.raw, None, 0)
            if size:
                buf = ctypes.create_string_buffer(size)
                raw.FPDFImageObj_GetImageDataRaw(obj.raw, buf, size)
                digest = hashlib.sha256(buf.raw[:size]).hexdigest()
        except Exception:  # noqa: BLE001 - an image pdfium cannot give gets no digest
            digest = ""
    return Picture(box=box, pixels=(int(w), int(h)), sha256=digest)
