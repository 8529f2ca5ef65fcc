"""Read a PDF into pages of text with character boxes.

PDF text comes from pdfminer.six with layout analysis, so multi-column pages and glyphs stored
out of reading order read as a person reads them. Verification uses a different extractor
(pdfium) on purpose: see verify.py.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from pathlib import Path

from ...collector import collector_paused as _collector_paused
from ...errors import BadInputError
from ...geometry import Box, area, intersection_area, rotation_matrix
from ...model import Document, Page, Picture
from ..base import sha256_file

log = logging.getLogger(__name__)

# pdfminer logs every oddity of every hostile file at WARNING; keep our output readable.
for _name in ("pdfminer", "pdfminer.pdfpage", "pdfminer.pdfinterp", "pdfminer.converter",
              "pdfminer.psparser", "pdfminer.pdfdocument", "pdfminer.cmapdb", "pdfminer.pdffont"):
    logging.getLogger(_name).setLevel(logging.ERROR)


def read_pdf(path: Path, password: str = "", ocr: bool = True, reading_order: bool = True) -> Document:
    """Pages of ``path``. A file pdfminer cannot parse (broken xref chains, odd objects) is
    repaired by qpdf (via pikepdf) in memory and read again; the removal engine opens the
    original with qpdf too, so both see the same repaired document. Pages without a usable
    text layer are read by OCR (ocr.py) unless ``ocr`` is False. Without ``reading_order``
    the page's text boxes are not grouped into reading order (pdfminer's ``boxes_flow=None``:
    top to bottom), which verification uses: on a release copy whose lines were laid out
    anew the grouping, quadratic in the boxes, is most of the reading time."""
    document = _read_pdf_text(path, password, reading_order)
    if ocr:
        from ...ocr import read_document

        document = read_document(document, path, password)
    return document


def _read_pdf_text(path: Path, password: str = "", reading_order: bool = True) -> Document:
    return read_or_rewritten(lambda source, pw: _read_pdf(source, path, pw, reading_order), path, password)


def read_or_rewritten(read, path: Path, password: str) -> Document:
    """``read(path, password)``, or, if that fails on the file (not on its password),
    ``read(data, "")`` of qpdf's rewrite of it (via pikepdf, in memory): what qpdf opens, a
    reader reads once qpdf has rewritten it: decrypted (crypt filters pdfminer does not
    know), without object streams (linearized files with unusual indirect objects, e.g. the
    Epson sample), cross-reference table rebuilt. If qpdf cannot open it either, the first
    error stands."""
    try:
        return read(path, password)
    except BadInputError as first:
        if str(first).startswith("encrypted:"):  # a password is missing or wrong
            raise
        import io

        import pikepdf

        try:
            with pikepdf.open(path, password=password) as pdf:
                buf = io.BytesIO()
                pdf.save(buf, object_stream_mode=pikepdf.ObjectStreamMode.disable)
        except Exception:
            raise first from None
        return read(buf.getvalue(), "")


def _read_pdf(source: Path | bytes, path: Path, password: str = "", reading_order: bool = True) -> Document:
    from pdfminer.pdfpage import PDFPage

    pages: list[Page] = []
    with pdfminer_errors():
        with (open(source, "rb") if isinstance(source, Path) else io.BytesIO(source)) as fh:
            doc = _pdfminer_document(fh, password)
            interp, device = _interpreter(reading_order)
            for number, pdfpage in enumerate(PDFPage.create_pages(doc), start=1):
                with _collector_paused():
                    # Lay the page out in the orientation its text runs in, so that layout analysis
                    # reads lines (a /Rotate'd page or sideways text would read one char a line).
                    pdfpage.rotate = 0
                    interp.process_page(pdfpage)
                    layout = device.get_result()
                    turn = 0 if device.all_upright else _text_direction(layout)
                    if turn:
                        pdfpage.rotate = turn
                        interp.process_page(pdfpage)
                        layout = device.get_result()
                    page = _page_from_layout(number, pdfpage, layout)
                    cell_text = _pattern_text(pdfpage, interp, device)
                    if cell_text:
                        # Text inside tiling-pattern cells has no single place on the page: it is
                        # read for detection, without positions (a finding there needs a person).
                        page.text += "\n\n" + cell_text
                        page.char_boxes.extend([None] * (len(cell_text) + 2))
                    pages.append(page)
                    # the page's layout freed now, before the collector runs again
                    layout = device.result = device.cur_item = None
    if not pages:
        raise BadInputError("PDF has no pages")
    return Document(source=path, format="pdf", pages=pages, sha256=sha256_file(path), reader="pdfminer")


def _interpreter(reading_order: bool = True):
    """(interpreter, device) as the reader reads pages: fonts' ToUnicode maps read once per
    process (cmaps.py), content read as pdfminer reads it (tokens.py), characters made and
    laid out by ``_aggregator``; without ``reading_order``, text boxes are not grouped
    (pdfminer's ``boxes_flow=None``)."""
    from pdfminer.layout import LAParams

    from .cmaps import resource_manager
    from .tokens import interpreter_class

    rsrc = resource_manager(caching=True)
    laparams = LAParams(all_texts=True, line_margin=0.8)
    if not reading_order:
        laparams.boxes_flow = None
    device = _aggregator(rsrc, laparams=laparams)
    return interpreter_class()(rsrc, device), device


def _pdfminer_document(fh, password: str):
    """pdfminer's document of the open file ``fh``; a missing or wrong password is a
    BadInputError starting "encrypted:"."""
    from pdfminer.pdfdocument import PDFDocument, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFParser

    try:
        return PDFDocument(PDFParser(fh), password=password)
    except PDFPasswordIncorrect:
        raise BadInputError(
            "encrypted: a password is needed to open it (use --password)"
            if not password else "encrypted: the password given does not open it"
        ) from None


@contextlib.contextmanager
def pdfminer_errors():
    """pdfminer's exceptions on a bad file as one-line BadInputErrors (the batch reports the
    document and goes on); a MemoryError is the worker's limit at work and passes."""
    from pdfminer.pdfdocument import PDFEncryptionError
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        yield
    except (BadInputError, MemoryError):
        raise
    except PDFEncryptionError as exc:
        raise BadInputError(f"encrypted with an unsupported scheme: {exc}") from None
    except (PDFSyntaxError, ValueError, TypeError, KeyError, AttributeError, IndexError,
            AssertionError, RecursionError, OSError) as exc:
        raise BadInputError(f"unreadable PDF: {type(exc).__name__}: {exc}".strip()) from None
    except Exception as exc:  # pdfminer raises many private exception types on bad files
        raise BadInputError(f"unreadable PDF: {type(exc).__name__}: {exc}".strip()) from None


class PdfminerPages:
    """The page dictionaries of an open PDF as pdfminer parses them, for a reader that takes
    the pages' content from another engine (read_pdfium.py): their annotations, /Rotate, and
    the text of their tiling patterns, read by this module's own functions."""

    def __init__(self, fh, password: str) -> None:
        from pdfminer.pdfpage import PDFPage

        self.pages = list(PDFPage.create_pages(_pdfminer_document(fh, password)))
        self._interp = None

    def interpreter(self):
        """(interpreter, device) for ``_pattern_text``, made when first needed."""
        if self._interp is None:
            self._interp = _interpreter()
        return self._interp

    @staticmethod
    def has_patterns(pdfpage) -> bool:
        from pdfminer.pdftypes import resolve1

        return isinstance(resolve1((pdfpage.resources or {}).get("Pattern")), dict)

    @staticmethod
    def rotation(pdfpage) -> int:
        from pdfminer.pdftypes import resolve1

        # /Rotate may be an indirect object (the Epson linearized sample)
        return int(resolve1(pdfpage.attrs.get("Rotate", 0)) or 0) % 360 if hasattr(pdfpage, "attrs") else 0


def _aggregator(rsrc, laparams):
    """pdfminer's page aggregator, with its per-character work done in one function: the
    same ``LTChar`` objects (text, box, matrix, advance, font, colour), made without the
    six nested calls per character of pdfminer's own path (a third of its reading time).
    tests/test_pdf_read.py checks that both give the same characters."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LTChar, LTContainer, LTPage
    from pdfminer.pdffont import PDFUnicodeNotDefined

    global _Page
    if _Page is None:
        _Page = _page_class()

    class Aggregator(PDFPageAggregator):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._chars: dict = {}  # font -> {cid: (text, width)}
            self.all_upright = True  # see begin_page

        def render_string_horizontal(self, seq, matrix, pos, font, fontsize, scaling, charspace,
                                     wordspace, rise, dxscale, ncs, graphicstate):
            container = self.cur_item
            if type(container).add is not LTContainer.add:
                return super().render_string_horizontal(seq, matrix, pos, font, fontsize, scaling,
                                                        charspace, wordspace, rise, dxscale, ncs,
                                                        graphicstate)
            append = container._objs.append
            chars = self._chars.get(font)
            if chars is None:
                chars = self._chars[font] = {}
            fontname = font.fontname
            a, b, c, d, e, f = matrix
            descent = font.get_descent() * fontsize
            by0, by1 = descent + rise, descent + rise + fontsize
            upright = a * d * scaling > 0 and b * c <= 0
            if not (b == 0 and a > 0):
                self.all_upright = False
            new = LTChar.__new__
            # The corners' terms that do not change along the string (each corner is summed
            # in pdfminer's order: (first product + second product) + translation).
            left1_k, bottom1_k = a * 0 + c * by0, b * 0 + d * by0
            left2_k, top2_k = a * 0 + c * by1, b * 0 + d * by1
            c_by0, d_by0, c_by1, d_by1 = c * by0, d * by0, c * by1, d * by1
            # what a character code's glyph adds along this string, once per code: its text,
            # advance, and the terms of the right and the upper corners that do not change
            # (a * adv + c * by0 and so on, summed before the translation as pdfminer sums)
            glyphs: dict = {}
            (x, y) = pos
            needcharspace = False
            for obj in seq:
                if isinstance(obj, (int, float)):
                    x -= obj * dxscale
                    needcharspace = True
                elif isinstance(obj, bytes):
                    for cid in font.decode(obj):
                        if needcharspace:
                            x += charspace
                        glyph = glyphs.get(cid)
                        if glyph is None:
                            known = chars.get(cid)
                            if known is None:
                                try:
                                    text = font.to_unichr(cid)
                                    assert isinstance(text, str), str(type(text))
                                except PDFUnicodeNotDefined:
                                    text = self.handle_undefined_char(font, cid)
                                known = chars[cid] = (text, font.char_width(cid))
                            text, textwidth = known
                            adv = textwidth * fontsize * scaling
                            a_adv, b_adv = a * adv, b * adv
                            glyph = glyphs[cid] = (text, adv, a_adv + c_by0, b_adv + d_by0, a_adv + c_by1,
                                                   b_adv + d_by1)
                        text, adv, right1_k, bottom2_k, right2_k, top1_k = glyph
                        # As pdfminer computes them: translate_matrix, then LTChar's box
                        # (apply_matrix_rect of (0, descent + rise, adv, descent + rise + size)).
                        e2 = x * a + y * c + e
                        f2 = x * b + y * d + f
                        left1, bottom1 = left1_k + e2, bottom1_k + f2
                        right1, bottom2 = right1_k + e2, bottom2_k + f2
                        right2, top1 = right2_k + e2, top1_k + f2
                        left2, top2 = left2_k + e2, top2_k + f2
                        # min() and max() of the four corners, as the builtins pick them
                        x0 = x1 = left1
                        if left2 < x0:
                            x0 = left2
                        if right1 < x0:
                            x0 = right1
                        if right2 < x0:
                            x0 = right2
                        if left2 > x1:
                            x1 = left2
                        if right1 > x1:
                            x1 = right1
                        if right2 > x1:
                            x1 = right2
                        y0 = y1 = bottom1
                        if bottom2 < y0:
                            y0 = bottom2
                        if top1 < y0:
                            y0 = top1
                        if top2 < y0:
                            y0 = top2
                        if bottom2 > y1:
                            y1 = bottom2
                        if top1 > y1:
                            y1 = top1
                        if top2 > y1:
                            y1 = top2
                        item = new(LTChar)
                        item._text = text
                        item.matrix = (a, b, c, d, e2, f2)
                        item.fontname = fontname
                        item.ncs = ncs
                        item.graphicstate = graphicstate
                        item.adv = adv
                        item.upright = upright
                        item.x0, item.y0, item.x1, item.y1 = x0, y0, x1, y1
                        item.width = x1 - x0
                        item.height = y1 - y0
                        item.bbox = (x0, y0, x1, y1)
                        item.size = item.height
                        append(item)
                        x += adv
                        if cid == 32 and wordspace:
                            x += wordspace
                        needcharspace = True
                else:
                    super().render_string_horizontal([obj], matrix, (x, y), font, fontsize, scaling,
                                                     charspace, wordspace, rise, dxscale, ncs,
                                                     graphicstate)
            return (x, y)

        def render_char(self, *args, **kwargs):
            self.all_upright = False  # pdfminer's own path: _text_direction looks at it
            return super().render_char(*args, **kwargs)

        def begin_page(self, page, ctm) -> None:
            # Every character of the page upright (text running left to right, as
            # _text_direction counts it), so far: the page needs no turning.
            self.all_upright = True
            super().begin_page(page, ctm)
            if type(self.cur_item) is LTPage:
                self.cur_item.__class__ = _Page

    return Aggregator(rsrc, laparams=laparams)


class _StableIds:
    """Numbers for pdfminer's grouping of text boxes in place of ``id()``: pdfminer breaks
    ties between equally distant boxes by their ids, that is by memory addresses, so one file
    could read in another order from one run to the next (a plan made by ``scan`` would then
    not match the text ``apply`` reads). These count objects in the order the grouping first
    sees them, which follows the page's own order."""

    def __init__(self) -> None:
        self._ids: dict = {}

    def __call__(self, obj) -> int:
        n = self._ids.get(obj)
        if n is None:
            n = self._ids[obj] = len(self._ids)
        return n


def _page_class():
    import types

    from pdfminer.layout import (
        INF,
        IndexAssigner,
        LTAnno,
        LTChar,
        LTLayoutContainer,
        LTPage,
        LTTextBoxHorizontal,
        LTTextBoxVertical,
        LTTextGroupLRTB,
        LTTextLineHorizontal,
    )

    grouping = LTLayoutContainer.group_textboxes

    def _line(word_margin, members, x0, y0, x1, y1, last_x1):
        """An LTTextLineHorizontal of ``members`` with the box its adds made."""
        line = LTTextLineHorizontal(word_margin)
        line._objs = members
        line._x1 = last_x1
        line.set_bbox((x0, y0, x1, y1))
        return line

    def _analyze_line(line, laparams) -> None:
        """LTTextLine.analyze of a line of ``_group_lines``: its items' analyze (a no-op for the
        characters and spaces it holds), then the line break."""
        line._objs.append(LTAnno("\n"))

    def _analyze_group(obj, laparams) -> None:
        """``analyze`` of a text group or box, as pdfminer's classes do it."""
        kind = type(obj)
        if kind is LTTextGroupLRTB:
            for child in obj._objs:
                _analyze_group(child, laparams)
            boxes_flow = laparams.boxes_flow
            obj._objs.sort(key=lambda o: (1 - boxes_flow) * o.x0 - (1 + boxes_flow) * (o.y0 + o.y1))
        elif kind is LTTextBoxHorizontal:
            for line in obj._objs:
                if type(line) is LTTextLineHorizontal:
                    _analyze_line(line, laparams)
                else:
                    line.analyze(laparams)
            obj._objs.sort(key=lambda o: -o.y1)
        else:
            obj.analyze(laparams)

    class Page(LTPage):
        """pdfminer's page, whose first step of layout analysis (characters into lines) is
        done in one function: the same lines, with the same spaces, as pdfminer's own
        ``group_objects`` makes (checked by tests/test_pdf_read.py)."""

        def group_textboxes(self, laparams, boxes):
            # pdfminer's own grouping, run with _StableIds for its id() (a copy of the
            # function with that one global replaced; pdfminer's module is not touched)
            fn = types.FunctionType(grouping.__code__, {**grouping.__globals__, "id": _StableIds()},
                                    grouping.__name__, grouping.__defaults__, grouping.__closure__)
            return fn(self, laparams, boxes)

        def analyze(self, laparams):
            """pdfminer's ``LTLayoutContainer.analyze`` for horizontal text, with its per-character
            steps done in one pass each: characters into lines (``_group_lines``), a line's
            emptiness from its text joined once, and the text boxes' own ``analyze`` (which
            calls the no-op ``analyze`` of every character) done by ``_analyze_group``. The
            same boxes, lines and order (tests/test_pdf_read.py compares both)."""
            if laparams.detect_vertical:
                return super().analyze(laparams)
            # the characters into lines, and the other objects apart, in one pass over the page
            otherobjs: list = []
            lines = self._group_lines(laparams, self._objs, otherobjs)
            for obj in otherobjs:
                obj.analyze(laparams)
            if not lines:  # no characters
                return
            textlines = []
            empties = []
            for line in lines:
                # LTTextLine.is_empty: no extent, or text that is all spaces (a line that starts
                # with a character whose text is not all spaces is not: its text is read only
                # when it does, as a line starts with a character)
                first = line._objs[0]._text
                if line.width <= 0 or line.height <= 0 or (
                        (not first or first.isspace()) and "".join([o._text for o in line._objs]).isspace()):
                    empties.append(line)
                else:
                    textlines.append(line)
            for line in empties:
                _analyze_line(line, laparams)
            textboxes = list(self.group_textlines(laparams, textlines))
            if laparams.boxes_flow is None:
                # no reading order across text boxes (verification): pdfminer's own sort of
                # them, top to bottom, without grouping them (quadratic in the boxes)
                for box in textboxes:
                    _analyze_group(box, laparams)
                textboxes.sort(key=lambda box: (0, -box.x1, -box.y0) if isinstance(box, LTTextBoxVertical)
                               else (1, -box.y0, box.x0))
                self._objs = textboxes + otherobjs + empties
                return
            self.groups = self.group_textboxes(laparams, textboxes)
            assigner = IndexAssigner()
            for group in self.groups:
                _analyze_group(group, laparams)
                assigner.run(group)
            textboxes.sort(key=lambda box: box.index)
            self._objs = textboxes + otherobjs + empties

        def group_objects(self, laparams, objs):
            if laparams.detect_vertical:
                yield from super().group_objects(laparams, objs)
                return
            yield from self._group_lines(laparams, objs)

        @staticmethod
        def _group_lines(laparams, objs, others: list | None = None) -> list:
            """pdfminer's ``group_objects`` for horizontal text (characters, in the order drawn,
            into lines, with a space where two stand further apart than the word margin) in
            one loop: each character's box is read once, each line's box set once. With
            ``others``, ``objs`` may hold objects other than characters: they are put there,
            in their order, and no lines are made of them (no characters: no lines)."""
            line_overlap, char_margin, word_margin = laparams.line_overlap, laparams.char_margin, laparams.word_margin
            lines = []
            members = None  # the characters (and spaces) of the line being made
            # the line's box and right edge (_x1), as LTTextLineHorizontal.add keeps them:
            # min() and max() as the builtins pick them
            lx0 = ly0 = lx1 = ly1 = last_x1 = 0.0
            px0 = py0 = px1 = py1 = pw = ph = 0.0  # the previous character's box
            obj0 = None
            for obj1 in objs:
                if others is not None and type(obj1) is not LTChar and not isinstance(obj1, LTChar):
                    others.append(obj1)
                    continue
                x0, y0, x1, y1 = obj1.bbox  # set with x0, y0, x1, y1 (LTComponent.set_bbox)
                w, h = obj1.width, obj1.height
                if obj0 is not None:
                    # halign of pdfminer's group_objects (valign needs detect_vertical)
                    halign = False
                    if y0 <= py1 and py0 <= y1:  # is_voverlap
                        a, b = abs(py0 - y1), abs(py1 - y0)
                        voverlap = b if b < a else a
                        if (h if h < ph else ph) * line_overlap < voverlap:
                            if x0 <= px1 and px0 <= x1:  # is_hoverlap
                                hdistance = 0
                            else:
                                a, b = abs(px0 - x1), abs(px1 - x0)
                                hdistance = b if b < a else a
                            halign = hdistance < (w if w > pw else pw) * char_margin
                    if halign and members is not None:
                        pass  # obj1 joins the line below
                    elif members is not None:
                        lines.append(_line(word_margin, members, lx0, ly0, lx1, ly1, last_x1))
                        members = None
                    else:
                        # a new line starting with obj0 (alone when obj1 does not join it)
                        members = [obj0]
                        lx0, ly0, lx1, ly1, last_x1 = px0, py0, px1, py1, px1
                        if not (INF > px0):
                            lx0 = INF
                        if not (INF > py0):
                            ly0 = INF
                        if not (-INF < px1):
                            lx1 = -INF
                        if not (-INF < py1):
                            ly1 = -INF
                        if not halign:
                            lines.append(_line(word_margin, members, lx0, ly0, lx1, ly1, last_x1))
                            members = None
                    if halign and members is not None:
                        if word_margin and last_x1 < x0 - word_margin * (h if h > w else w):
                            members.append(LTAnno(" "))
                        last_x1 = x1
                        members.append(obj1)
                        if x0 < lx0:
                            lx0 = x0
                        if y0 < ly0:
                            ly0 = y0
                        if x1 > lx1:
                            lx1 = x1
                        if y1 > ly1:
                            ly1 = y1
                obj0 = obj1
                px0, py0, px1, py1, pw, ph = x0, y0, x1, y1, w, h
            if obj0 is None and others is not None:
                return lines  # no characters
            if members is None:
                assert obj0 is not None
                lx0, ly0, lx1, ly1 = (px0 if px0 < INF else INF), (py0 if py0 < INF else INF), \
                    (px1 if px1 > -INF else -INF), (py1 if py1 > -INF else -INF)
                lines.append(_line(word_margin, [obj0], lx0, ly0, lx1, ly1, px1))
            else:
                lines.append(_line(word_margin, members, lx0, ly0, lx1, ly1, last_x1))
            return lines

    return Page


_Page = None


class _PatternCell:
    """A tiling pattern's cell, shaped like a pdfminer page so the interpreter can read it."""

    def __init__(self, stream, bbox):
        from pdfminer.pdftypes import resolve1

        self.pageid = id(stream)
        self.attrs: dict = {}
        res = resolve1(stream.attrs.get("Resources"))
        self.resources = res if isinstance(res, dict) else {}
        self.contents = [stream]
        self.mediabox = self.cropbox = bbox
        self.rotate = 0
        self.annots = None
        self.beads = None


def _pattern_text(pdfpage, interp, device, limit: int = 32) -> str:
    """The text drawn inside the cells of the page's tiling patterns."""
    from pdfminer.layout import LTTextBox, LTTextLine
    from pdfminer.pdftypes import PDFStream, resolve1

    patterns = resolve1((pdfpage.resources or {}).get("Pattern"))
    if not isinstance(patterns, dict):
        return ""
    texts = []
    for ref in list(patterns.values())[:limit]:
        pat = resolve1(ref)
        if not isinstance(pat, PDFStream) or resolve1(pat.attrs.get("PatternType")) != 1:
            continue
        try:
            bbox = tuple(float(resolve1(v)) for v in resolve1(pat.attrs.get("BBox")))
            if len(bbox) != 4:
                continue
            interp.process_page(_PatternCell(pat, bbox))
        except (TypeError, ValueError):
            continue
        for obj in device.get_result():
            if isinstance(obj, (LTTextBox, LTTextLine)):
                t = " ".join(obj.get_text().split())
                if t:
                    texts.append(t)
    return "\n".join(texts)


def _text_direction(layout) -> int:
    """The page rotation (0, 90, 180, 270) that makes most characters upright."""
    import math

    from pdfminer.layout import LTChar, LTContainer

    votes = {0: 0, 90: 0, 180: 0, 270: 0}
    stack = [layout]
    seen = 0
    while stack and seen < 2000:
        node = stack.pop()
        if isinstance(node, LTChar):
            a, b = node.matrix[0], node.matrix[1]
            if b == 0 and a > 0:  # upright (most text): atan2 is 0
                votes[0] += 1
            else:
                angle = math.degrees(math.atan2(b, a)) % 360
                votes[int(((angle + 45) % 360) // 90) * 90] += 1
            seen += 1
        elif isinstance(node, LTContainer):
            stack.extend(node)
    best = max(votes, key=votes.get)
    return best if votes[best] > votes[0] else 0


def _page_from_layout(number: int, pdfpage, layout) -> Page:
    from pdfminer.layout import LTAnno, LTChar, LTCurve, LTFigure, LTImage, LTTextBox, LTTextLine

    mediabox = tuple(float(v) for v in pdfpage.mediabox)
    to_user = rotation_matrix(pdfpage.rotate, mediabox).inverse()
    page_box = to_user.transform_box(mediabox)  # the MediaBox in user space
    text_parts: list[str] = []
    boxes: list[Box | None] = []
    dark_text: list[bool] = []
    dark_boxes: list[Box] = []
    images = 0
    pictures: list[Picture] = []
    rules: list[Box] = []
    chars_seen = 0

    def emit(s: str, box: Box | None, dark: bool = False) -> None:
        text_parts.append(s)
        boxes.extend([box] * len(s))
        dark_text.extend([dark] * len(s))

    # The page's layout space differs from user space by a translation (the MediaBox origin)
    # on unrotated pages: boxes are moved by it directly, the same sums transform_box does.
    translation = (to_user.e, to_user.f) if (to_user.a, to_user.b, to_user.c, to_user.d) == (1, 0, 0, 1) else None
    darkness: dict[int, float] = {}  # id(graphic state) -> _darkness (states live as long as the page)

    def emit_line(line) -> None:
        nonlocal chars_seen
        prev_text: str | None = None
        prev_box: Box | None = None
        # the line's pieces (a character or a space, its box, whether it is dark), as lists
        texts: list[str] = []
        line_boxes: list[Box | None] = []
        darks: list[bool] = []
        last_gs, last_dark = None, False
        count = 0
        add_text, add_box, add_dark = texts.append, line_boxes.append, darks.append
        e, f = translation if translation is not None else (0.0, 0.0)
        for item in line:
            if type(item) is LTChar or isinstance(item, LTChar):
                count += 1
                if translation is not None:
                    x0, y0, x1, y1 = item.bbox
                    box = (x0 + e, y0 + f, x1 + e, y1 + f)
                else:
                    box = to_user.transform_box(item.bbox)
                ch = item._text
                # Fake bold draws each glyph twice at nearly the same place: read it once.
                if ch == prev_text and _overlap(box, prev_box) > 0.6:
                    continue
                gs = item.graphicstate
                if gs is not last_gs or last_gs is None:
                    dark = darkness.get(id(gs))
                    if dark is None:
                        dark = darkness[id(gs)] = _darkness(getattr(gs, "ncolor", None)) > DARK_TEXT
                    last_gs, last_dark = gs, dark
                add_text(ch)
                add_box(box)
                add_dark(last_dark)
                prev_text, prev_box = ch, box
            elif isinstance(item, LTAnno):
                add_text(item._text)
                add_box(None)
                add_dark(False)
        chars_seen += count
        text = "".join(texts)
        # every piece one character long (not a ligature's "fi", not ""): with no piece
        # empty, as many characters as pieces
        single = len(text) == len(texts) and "" not in texts
        if single and _LETTER_SPACED.search(text) is None:
            # most lines: not letter-spaced (_unspaced leaves them), one box per character
            text_parts.append(text)
            boxes.extend(line_boxes)
            dark_text.extend(darks)
            return
        for s, box, dark in _unspaced(list(zip(texts, line_boxes, darks))):
            text_parts.append(s)
            if len(s) == 1:
                boxes.append(box)
                dark_text.append(dark)
            else:
                boxes.extend([box] * len(s))
                dark_text.extend([dark] * len(s))

    def walk(container) -> None:
        nonlocal images
        for obj in container:
            if isinstance(obj, LTTextBox):
                for line in obj:
                    if isinstance(line, LTTextLine):
                        emit_line(line)
                emit("\n", None)  # a blank line between text boxes: a paragraph break
            elif isinstance(obj, LTTextLine):
                emit_line(obj)
                emit("\n", None)
            elif isinstance(obj, LTFigure):
                walk(obj)
            elif isinstance(obj, LTImage):
                images += 1
                if len(pictures) < MAX_PICTURES:
                    pictures.append(_picture(obj, to_user.transform_box(obj.bbox)))
            elif isinstance(obj, LTCurve) and obj.fill and _darkness(obj.non_stroking_color) > DARK_BOX:
                box = to_user.transform_box(obj.bbox)
                if _bleeds(box, page_box):
                    pass  # a background printed past the page's edges (a photograph's dark
                    # surround), not a box over text: "Exh. B - 4" stamped on it is in sight
                elif box[2] - box[0] > 2 and box[3] - box[1] > 4:
                    dark_boxes.append(box)
                elif box[3] - box[1] <= RULE_THICKNESS and box[2] - box[0] >= MIN_RULE and len(rules) < MAX_RULES:
                    rules.append(box)  # a thin filled bar: a rule
            elif isinstance(obj, LTCurve) and obj.stroke and len(rules) < MAX_RULES:
                box = to_user.transform_box(obj.bbox)
                if box[3] - box[1] <= RULE_THICKNESS and box[2] - box[0] >= MIN_RULE:
                    rules.append(box)  # a stroked line (a signature or fill-in line)
            elif isinstance(obj, LTChar):  # stray chars outside any text box
                emit_line([obj])
                emit("\n", None)

    walk(layout)
    covered = _covered_spans("".join(text_parts), boxes, dark_text, dark_boxes)
    # Text that lives in annotations (form field values, comments) is not in the page's
    # content but ships with the file: read it too, placed at the annotation's rectangle, so
    # detection sees it and a redaction removes the annotation.
    for value, rect in _annotation_texts(pdfpage):
        emit(value, rect)
        emit("\n\n", None)
    text = "".join(text_parts)
    x0, y0, x1, y1 = mediabox
    return Page(
        number=number,
        text=text,
        char_boxes=boxes,
        width=abs(x1 - x0),
        height=abs(y1 - y0),
        rotation=PdfminerPages.rotation(pdfpage),
        has_text_layer=chars_seen > 0,
        image_count=images,
        covered_spans=covered,
        dark_boxes=dark_boxes,
        pictures=pictures,
        rules=rules,
    )


DARK_TEXT = 0.6  # the darkness (0 white .. 1 black) above which text counts as dark
DARK_BOX = 0.75  # ... and a filled shape as a dark box: an earlier redaction's

# Images and rules are recorded for finding signatures (recognizers/signatures.py): a page
# may draw thousands of each (a chart, a ruled form); beyond these many the rest are not.
MAX_PICTURES = 200
MAX_RULES = 400
RULE_THICKNESS = 2.5  # points: a line this thin or thinner is a rule
MIN_RULE = 36.0  # points: half an inch
# The digest of an image's data is taken for small images only (a signature's size: a large
# picture is never taken for one, and decoding it would cost time on every scan).
DIGEST_MAX_AREA = 4.0 * 72 * 72


def _picture(obj, box: Box) -> Picture:
    """An image of the page as ``Picture``: the digest of its data as pdfminer decodes it
    (verification compares it with every image of the release copy)."""
    import hashlib

    try:
        w, h = (int(v) for v in obj.srcsize)
    except (TypeError, ValueError):
        w = h = 0
    digest = ""
    if area(box) <= DIGEST_MAX_AREA and w * h <= 4_000_000:
        try:
            digest = hashlib.sha256(obj.stream.get_data()).hexdigest()
        except Exception:  # noqa: BLE001 - an image pdfminer cannot decode gets no digest
            digest = ""
    return Picture(box=box, pixels=(w, h), sha256=digest)


_LETTER_SPACED = re.compile(r"(?:\S ){3}\S")  # four letters set apart by single spaces


def _unspaced(pieces: list) -> list:
    """A letter-spaced line ("B I N T   L L C", a heading set with wide character spacing)
    read as a person reads it ("BINT LLC"): the layout analysis puts a space between letters
    that stand further apart than a word gap, so a name in such a line would not be found
    as a word, while other extractors (pdfium) read it whole. Single spaces between single
    letters are dropped, a run of spaces becomes one. Text and boxes stay aligned (only
    spaces are dropped)."""
    text = "".join(p[0] for p in pieces)
    tokens = text.split()
    singles = sum(1 for t in tokens if len(t) == 1)
    if len(tokens) < 4 or singles < 0.8 * len(tokens) or not _LETTER_SPACED.search(text):
        return pieces
    out = []
    i = 0
    while i < len(pieces):
        if pieces[i][0].isspace():
            j = i
            while j < len(pieces) and pieces[j][0].isspace():
                j += 1
            if j - i >= 2 and out and j < len(pieces):
                out.append((" ", None, False))  # a word gap
            elif j >= len(pieces):
                out.extend(pieces[i:j])  # the line's end (its line break) stays
            i = j
            continue
        out.append(pieces[i])
        i += 1
    return out


def _annotation_texts(pdfpage) -> list[tuple[str, Box]]:
    from pdfminer.pdftypes import resolve1
    from pdfminer.psparser import PSLiteral

    out = []
    annots = resolve1(getattr(pdfpage, "annots", None))
    if not isinstance(annots, list):
        return out
    for ref in annots[:500]:
        a = resolve1(ref)
        if not isinstance(a, dict):
            continue
        rect = resolve1(a.get("Rect"))
        try:
            x0, y0, x1, y1 = (float(resolve1(v)) for v in rect)
        except (TypeError, ValueError):
            continue
        box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        if box[2] - box[0] < 1 or box[3] - box[1] < 1:
            continue
        values = []
        node, depth = a, 0
        while isinstance(node, dict) and depth < 10:  # a field's value may sit on its parent
            v = resolve1(node.get("V"))
            if v is not None:
                values.append(v)
                break
            node, depth = resolve1(node.get("Parent")), depth + 1
        values.append(resolve1(a.get("Contents")))
        for v in values:
            if isinstance(v, PSLiteral):
                v = v.name
            if isinstance(v, bytes):
                v = _pdf_string(v)
            if isinstance(v, str) and v.strip() and v.strip() not in ("Off", "Yes", "On"):
                out.append((" ".join(v.split()), box))
    return out


def _pdf_string(raw: bytes) -> str:
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be", errors="replace")
    from pdfminer.utils import decode_text

    return decode_text(raw)


def _darkness(color) -> float:
    """0 (white) .. 1 (black) for a pdfminer colour value (grey, RGB or CMYK); unknown: 1."""
    if color is None:
        return 1.0
    if isinstance(color, (int, float)):
        return 1.0 - float(color)
    from pdfminer.psparser import PSLiteral

    if isinstance(color, (str, PSLiteral)) or (isinstance(color, (list, tuple))
                                               and any(isinstance(v, (str, PSLiteral)) for v in color)):
        return 0.0  # a pattern (hatching, a watermark, a background), not an opaque box
    try:
        values = [float(v) for v in color]
    except (TypeError, ValueError):
        return 1.0
    if len(values) == 1:
        return 1.0 - values[0]
    if len(values) == 3:
        return 1.0 - (0.299 * values[0] + 0.587 * values[1] + 0.114 * values[2])
    if len(values) == 4:
        c, m, y, k = values
        return 1.0 - (1 - min(1, c + k)) * 0.299 - (1 - min(1, m + k)) * 0.587 - (1 - min(1, y + k)) * 0.114
    return 1.0


def _bleeds(box: Box, page_box: Box) -> bool:
    """Does a filled shape run past the page (``page_box``, the MediaBox in user space) on two
    sides or more, by more than a tenth of an inch each: a background, not a redaction box
    (those are drawn on the page)?"""
    x0, y0, x1, y1 = page_box
    over = 7.2
    sides = (box[0] < x0 - over) + (box[1] < y0 - over) + (box[2] > x1 + over) + (box[3] > y1 + over)
    return sides >= 2


def _covered_spans(text, boxes, dark_text, dark_boxes) -> list[tuple[int, int]]:
    """Runs of dark characters whose centre lies under an opaque dark box: text a reader
    cannot see but any extractor can (the classic bad redaction)."""
    if not dark_boxes:
        return []
    spans: list[tuple[int, int]] = []
    start = None
    last = None
    for i, (ch, box, dark) in enumerate(zip(text, boxes, dark_text)):
        hidden = False
        if box is not None and dark and not ch.isspace():
            cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
            hidden = any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in dark_boxes)
        if hidden:
            if start is None:
                start = i
            last = i
        elif box is not None and not ch.isspace() and start is not None:
            spans.append((start, last + 1))
            start = None
    if start is not None:
        spans.append((start, last + 1))
    return spans


def _overlap(a: Box, b: Box) -> float:
    smaller = min(area(a), area(b)) or 1.0
    return intersection_area(a, b) / smaller
