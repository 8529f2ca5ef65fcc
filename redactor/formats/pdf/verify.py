"""Independent verification of a release copy before it is released.

The checks here read the written file with other code than the reader that detection used:
the page text and character boxes with the engine that did not read the document (pdfium, a
C++ PDF engine, when the default reader read it with pdfminer; the default reader, read.py,
when pdfium did: read_pdfium.py is never imported here), image pixels with pdfium, and a
walk of every object and decoded stream with pikepdf for metadata,
annotations, outlines and anything else that can carry a string. Any problem fails the
document. A problem says where (page, redaction id, entity), never what: withheld values
are ``values.Withheld``.
"""

from __future__ import annotations

import collections
import logging
from decimal import Decimal
from pathlib import Path

import numpy as np
import regex as re

from ...geometry import Box, Matrix, contains_point, intersects, pixel_rect
from ...model import Plan
from ...values import find_values, normalize, withheld_values

log = logging.getLogger(__name__)


def verify_pdf_output(out_path: Path, plan: Plan, drawn_labels: dict[int, list[tuple[Box, str]]],
                      reader: str = "pdfminer") -> list[str]:
    """The problems of the release copy ``out_path`` of ``plan`` (none: it may be released).

    ``reader`` is the extractor that read the document for detection ("pdfminer" or
    "pdfium"). The page text is checked by the other one: an extractor's blind spot (a font
    whose codes it maps to the wrong text, characters it places wrongly or drops) would
    otherwise hide the same text from detection and from verification. Image pixels are
    always checked with pdfium, which decodes them; pdfminer does not."""
    if reader not in ("pdfminer", "pdfium"):
        raise ValueError(f"unknown PDF reader {reader!r}")
    problems: list[str] = []
    values = withheld_values(plan)
    boxes_by_page: dict[int, list[tuple[Box, str]]] = collections.defaultdict(list)  # (box, redaction id)
    for i, r in enumerate(plan.redactions, start=1):
        boxes_by_page[r.page].extend((b, f"r{i}") for b in r.release_boxes)
    for number in plan.withheld_pages:
        # A page withheld in full: its one box is the whole page, its label the placeholder.
        boxes_by_page[number] = [(b, "page withheld in full") for b, _ in drawn_labels.get(number, [])] or [
            ((-1e9, -1e9, 1e9, 1e9), "page withheld in full")]
    if reader == "pdfium":
        problems += _check_with_pdfminer(out_path, values, boxes_by_page, drawn_labels)
        problems += _check_with_pdfium(out_path, values, boxes_by_page, drawn_labels, text=False)
    else:
        problems += _check_with_pdfium(out_path, values, boxes_by_page, drawn_labels)
    problems += _check_objects(out_path, values)
    problems += _check_withheld_pictures(out_path, plan)
    problems += check_ocr(out_path, plan, values)
    return problems


def _check_withheld_pictures(out_path: Path, plan: Plan) -> list[str]:
    """A picture withheld whole (a signature's image: its finding carries the SHA-256 of the
    image's data as the reader decoded it) must not be in the release copy: no image stream of
    the file may have that data, drawn or not. (The pixels under every box are checked by
    rendering, in _check_images; this catches a copy left anywhere else in the file.)"""
    import hashlib

    import pikepdf

    wanted: dict[str, str] = {}
    for i, r in enumerate(plan.redactions, start=1):
        digest = r.decision.finding.attributes.get("image_sha256") if r.decision.finding.is_region else None
        if digest and r.page not in plan.withheld_pages:
            wanted.setdefault(digest, f"page {r.page}, redaction r{i} ({r.decision.finding.entity})")
    if not wanted:
        return []
    problems = []
    with pikepdf.open(out_path) as pdf:
        for obj in pdf.objects:
            if not (isinstance(obj, pikepdf.Stream) and str(obj.get("/Subtype", "")) == "/Image"):
                continue
            digests = set()
            for read in (obj.read_raw_bytes, obj.read_bytes):
                try:
                    digests.add(hashlib.sha256(read()).hexdigest())
                except Exception:  # noqa: BLE001 - data pikepdf cannot decode is compared raw only
                    continue
            for d in digests & wanted.keys():
                problems.append(f"the withheld picture of {wanted[d]} is still in the file (PDF object {obj.objgen[0]})")
    return problems


MIN_KEPT_FOUND = 0.5  # of the kept words OCR read confidently, the share OCR must find again


def check_ocr(out_path: Path, plan: Plan, values: list[str]) -> list[str]:
    """Scanned pages that carry a box are rendered from the release copy and read again by
    Tesseract round each box (its line, half a line beyond it on either side and half an inch
    along the line before and after it, no word cut; the windows of a page set on one sheet,
    turned the way up planning read the page, and read by one Tesseract call): no withheld
    value may be read there, and most kept words there must still be.

    The rest of the page is not read again: its pixels are those of the input, which OCR
    already read for planning, and any withheld value read there was withheld (propagation
    uses the same notion of a match as this check)."""
    from ... import ocr

    boxes: dict[int, list[Box]] = collections.defaultdict(list)
    for r in plan.redactions:
        if r.page not in plan.withheld_pages:
            boxes[r.page].extend(r.release_boxes)
    pages = {p.number: p for p in plan.document.pages if p.ocr is not None and p.number in boxes}
    if not pages:
        return []
    regions: dict[int, list[Box]] = {}
    for n, p in pages.items():
        if p.ocr.kind == "images":
            regions[n] = [g for g in p.ocr.regions if any(intersects(g, b) for b in boxes[n])]
        else:
            regions[n] = ocr.bands(p, boxes[n], lines=0.5, reach=36.0)
    dpi = max(p.ocr.dpi for p in pages.values())
    # Each page is read the way up planning read it (no orientation asked again), unless the
    # windows then read much worse than the page did.
    known = {n: (p.ocr.orientation, p.ocr.confidence) for n, p in pages.items() if p.ocr.kind != "images"}
    try:
        read = ocr.ocr_pages(out_path, sorted(pages), dpi=dpi, regions=regions, known=known)
    except ocr.OcrUnavailable as exc:
        return [f"scanned pages cannot be checked by OCR: {exc}"]
    problems = []
    for n, p in sorted(pages.items()):
        text = ocr.page_text([w for r in read.get(n, []) for w in r.words]).text
        for v in find_values(text, values):
            problems.append(f"page {n}: OCR of the rendered release page reads a withheld value: {v.where}")
        withheld = [(r.start, r.end) for r in plan.redactions if r.page == n]
        kept = _confident_kept_words(p, withheld, regions[n])
        if len(kept) >= 10:
            found = set(normalize(text).split())
            share = sum(1 for w in kept if w in found) / len(kept)
            if share < MIN_KEPT_FOUND:
                problems.append(f"page {n}: OCR of the rendered release page finds only {share:.0%} of the kept "
                                "words round the boxes (the page picture was damaged)")
    return problems


def _confident_kept_words(page, withheld: list[tuple[int, int]], regions: list[Box]) -> list[str]:
    """Kept words of four letters or more that OCR read with confidence inside ``regions``."""
    conf = page.ocr.char_confidence
    out = []
    for m in re.finditer(r"[^\W_]{4,}", page.text):
        s, e = m.span()
        c = conf[s] if s < len(conf) else None
        if c is None or c < 85 or any(a < e and s < b for a, b in withheld):
            continue
        box = page.char_boxes[s]
        if box is None or not any(contains_point(g, (box[0] + box[2]) / 2, (box[1] + box[3]) / 2) for g in regions):
            continue
        out.append(normalize(m.group(0)))
    return out


def _check_with_pdfium(out_path, values, boxes_by_page, drawn_labels, text: bool = True) -> list[str]:
    """With pdfium: (with ``text``) no character inside a redaction box but the drawn labels'
    and no withheld value in the page text; and the image pixels under every box removed.
    Without ``text`` only the pixels are checked (another extractor checked the text), on the
    pages that carry a box: no text page is made."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    problems = []
    pdf = pdfium.PdfDocument(str(out_path))
    try:
        if not text:
            for number in sorted(n for n, owned in boxes_by_page.items() if owned and 1 <= n <= len(pdf)):
                page = pdf[number - 1]
                problems += _check_images(page, number, [b for b, _ in boxes_by_page[number]], pdfium_c)
                page.close()
            return problems
        all_text = []
        for index in range(len(pdf)):
            number = index + 1
            page = pdf[index]
            textpage = page.get_textpage()
            n = textpage.count_chars()
            text = textpage.get_text_range(0, n) if n else ""
            all_text.append(text)
            owned = boxes_by_page.get(number, [])
            boxes = [b for b, _ in owned]
            if boxes:
                inside = _Inside(drawn_labels.get(number, []))
                for i, cx, cy in _chars_in(textpage, n, boxes, pdfium_c):
                    ch = textpage.get_text_range(i, 1)
                    if not ch or ch.isspace() or ch == "\ufffe":
                        continue
                    owner = next((rid for bx, rid in owned if contains_point(bx, cx, cy, tol=-0.25)), None)
                    if owner is not None:
                        inside.add(ch, owner)
                problems += inside.problems(number)
                problems += _check_images(page, number, boxes, pdfium_c)
            textpage.close()
            page.close()
        for v in find_values("\n".join(all_text), values):
            problems.append(f"withheld value still extractable from page text: {v.where}")
    finally:
        pdf.close()
    return problems


def _check_with_pdfminer(out_path, values, boxes_by_page, drawn_labels) -> list[str]:
    """The text checks of ``_check_with_pdfium``, made with pdfminer for a document that pdfium
    read for detection: no character inside a redaction box but the drawn labels' (each label
    character excuses one character inside a box of its page), and no withheld value in the
    page text. The release copy is read by the default reader (read.py: pdfminer's parser,
    fonts and layout analysis, with its per-character work done in one function and checked
    against pdfminer's own code): the two readers share no code, so each one checks the
    documents the other read. Text boxes are not put in reading order (a release copy's lines
    laid out anew make many boxes, and grouping them is quadratic); lines and words are.
    Its boxes are in default user space, whatever the page's /Rotate or MediaBox; its layout
    analysis puts the spaces between words that
    ``find_values`` needs (glyphs set apart with no space glyph between them would otherwise
    read as one word). A glyph pdfminer finds no text for ("(cid:N)") counts as one
    character: it is drawn there all the same.

    A file the reader cannot read is a problem, never an exception: the copy is not released
    unread."""
    from ...errors import BadInputError
    from .read import read_pdf

    problems: list[str] = []
    try:
        document = read_pdf(out_path, ocr=False, reading_order=False)
    except MemoryError:
        raise  # the worker's limit at work: the batch reports it as such
    except BadInputError as exc:
        kind = str(exc).split(":", 1)[0]
        return [f"release copy unreadable by the independent checker (pdfminer): {kind}"]
    except Exception as exc:  # noqa: BLE001 - any failure to read is a problem, not a crash
        return [f"release copy unreadable by the independent checker (pdfminer): {type(exc).__name__}"]
    for page in document.pages:
        owned = boxes_by_page.get(page.number, [])
        if not owned or page.char_boxes is None:
            continue
        near = _box_bands(owned)
        inside = _Inside(drawn_labels.get(page.number, []))
        text = page.text
        i, n = 0, len(text)
        while i < n:
            box = page.char_boxes[i]
            ch = text[i]
            j = i + 1
            while box is not None and j < n and page.char_boxes[j] is box:
                j += 1  # the reader gives the characters of one glyph ("(cid:N)", a ligature) one box
            glyph = text[i:j]
            i = j
            if box is None or ch.isspace():
                continue
            owner = near((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
            if owner is None:
                continue
            for c in ([glyph] if glyph.startswith("(cid:") else [c for c in glyph if not c.isspace()]):
                inside.add(c, owner)
        problems += inside.problems(page.number)
    if not document.pages:
        problems.append("release copy unreadable by the independent checker (pdfminer): no pages")
    for v in find_values("\n".join(p.text for p in document.pages), values):
        problems.append(f"withheld value still extractable from page text: {v.where}")
    return problems


class _Inside:
    """The characters a page still draws inside its redaction boxes, less those of the
    exemption labels drawn there (each label character excuses one character of its page)."""

    def __init__(self, labels: list[tuple[Box, str]]) -> None:
        self.pool = collections.Counter(ch for _, label in labels for ch in label if not ch.isspace())
        self.leaked = 0
        self.where: list[str] = []  # the redaction ids, in the order first seen

    def add(self, ch: str, owner: str) -> None:
        if self.pool[ch] > 0:
            self.pool[ch] -= 1
            return
        self.leaked += 1
        if owner not in self.where:
            self.where.append(owner)

    def problems(self, number: int) -> list[str]:
        if not self.leaked:
            return []
        where = self.where
        return [f"page {number}: {self.leaked} character(s) still inside redaction boxes "
                f"({', '.join(where[:8])}{' ...' if len(where) > 8 else ''})"]


def _box_bands(owned: list[tuple[Box, str]]):
    """A function (x, y) -> the redaction id of the first of ``owned`` whose box holds the
    point (``contains_point(box, x, y, tol=-0.25)``), or None. Boxes are looked up by
    horizontal bands of the page: nearly every character of a release page is far from every
    box."""
    import math

    band = 8.0
    always: list[tuple[int, Box, str]] = []  # boxes too tall to index (a page withheld in full)
    bands: dict[int, list[tuple[int, Box, str]]] = collections.defaultdict(list)
    for k, (bx, rid) in enumerate(owned):
        lo, hi = bx[1] + 0.25, bx[3] - 0.25
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo > 400 * band:
            always.append((k, bx, rid))
            continue
        for j in range(math.floor(lo / band), math.floor(hi / band) + 1):
            bands[j].append((k, bx, rid))
    band_of = bands.get

    def owner(x: float, y: float) -> str | None:
        near = band_of(math.floor(y / band), ()) if math.isfinite(y) else ()
        if not near and not always:
            return None
        hits = [(k, rid) for k, bx, rid in (*near, *always) if contains_point(bx, x, y, tol=-0.25)]
        return min(hits)[1] if hits else None

    return owner


def _chars_in(textpage, n: int, boxes: list[Box], pdfium_c) -> list[tuple[int, float, float]]:
    """(index, centre x, centre y) of the characters of ``textpage`` whose tight box's centre
    lies inside one of ``boxes`` (in char order; the same test as ``contains_point(box, cx,
    cy, tol=-0.25)``). Boxes are read with one pdfium call per character into reused buffers
    and looked up by horizontal bands of the page: on a release copy nearly every character
    is far from every box."""
    import ctypes
    import math

    band = 8.0
    always: list[Box] = []  # boxes too tall to index (a page withheld in full)
    bands: dict[int, list[Box]] = collections.defaultdict(list)
    for bx in boxes:
        lo, hi = bx[1] + 0.25, bx[3] - 0.25
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo > 400 * band:
            always.append(bx)
            continue
        for k in range(math.floor(lo / band), math.floor(hi / band) + 1):
            bands[k].append(bx)
    l, r, b, t = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    pl, pr, pb, pt = ctypes.byref(l), ctypes.byref(r), ctypes.byref(b), ctypes.byref(t)
    get_box, raw = _char_box_function(pdfium_c), textpage.raw
    if get_box is None:
        get_box = pdfium_c.FPDFText_GetCharBox
    else:
        raw = ctypes.cast(raw, ctypes.c_void_p)
    out = []
    band_of, floor, isfinite = bands.get, math.floor, math.isfinite
    for i in range(n):
        if not get_box(raw, i, pl, pr, pb, pt):
            continue
        cy = (b.value + t.value) / 2
        near = band_of(floor(cy / band)) if isfinite(cy) else None
        if near is None and not always:
            continue  # (the x of a character in no band is not needed)
        cx = (l.value + r.value) / 2
        if (near and any(contains_point(bx, cx, cy, tol=-0.25) for bx in near)) or (
                always and any(contains_point(bx, cx, cy, tol=-0.25) for bx in always)):
            out.append((i, cx, cy))
    return out


def _char_box_function(pdfium_c):
    """pdfium's FPDFText_GetCharBox(text_page, int index, double* left, double* right,
    double* bottom, double* top) as a bare C function (no ctypes argument types: the call
    costs a third as much, on every character of every checked page), or None if this
    pypdfium2 does not expose its library."""
    import ctypes

    try:
        from pypdfium2_raw import bindings

        fn = bindings._libs["pdfium"]["FPDFText_GetCharBox"]
    except (ImportError, AttributeError, KeyError, TypeError):
        return None
    fn.restype = ctypes.c_int  # FPDF_BOOL
    return fn


def _check_images(page, number: int, boxes: list[Box], pdfium_c) -> list[str]:
    """Pixels of every image drawn under a box must be uniform there (content gone)."""
    problems = []
    matrices: dict[int, Matrix] = {}
    for obj in page.get_objects(filter=None, max_depth=15):
        kind = obj.type
        if kind != pdfium_c.FPDF_PAGEOBJ_FORM and kind != pdfium_c.FPDF_PAGEOBJ_IMAGE:
            continue  # text and paths: neither pixels nor the matrix of what is inside them
        level = getattr(obj, "level", 0)
        try:
            m = Matrix.of(obj.get_matrix().get())
        except Exception:
            continue
        parent = matrices.get(level - 1) if level > 0 else None
        full = m @ parent if parent is not None else m
        if obj.type == pdfium_c.FPDF_PAGEOBJ_FORM:
            matrices[level] = full
            continue
        if obj.type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
            continue
        placed = full.transform_box((0, 0, 1, 1))
        hits = [b for b in boxes if intersects(placed, b)]
        if not hits:
            continue
        try:
            bitmap = obj.get_bitmap(render=False)
            arr = np.asarray(bitmap.to_pil())
        except Exception as exc:
            problems.append(f"page {number}: an image under a box cannot be decoded for checking ({exc})")
            continue
        h, w = arr.shape[:2]
        for b in hits:
            rect = pixel_rect(full, b, w, h)
            if rect is None:
                continue
            x0, y0, x1, y1 = rect
            # Shrink by one pixel: resampling at the edge of the box is not content.
            region = arr[y0 + 1:max(y0 + 1, y1 - 1), x0 + 1:max(x0 + 1, x1 - 1)]
            if region.size and np.ptp(region.reshape(-1, *region.shape[2:]), axis=0).max() > 0:
                problems.append(f"page {number}: image pixels under a redaction box are not removed")
                break
    return problems


def _check_objects(out_path: Path, values: list[str]) -> list[str]:
    """Search every string and every decoded stream of the file. Content streams are parsed:
    the strings they show are the extractors' business (a word split across TJ pieces would
    look like separate words here), every other string in them (marked-content properties
    such as /ActualText) is searched."""
    import pikepdf

    problems = []
    if not values:
        return problems
    with pikepdf.open(out_path) as pdf:
        content_ids = set()
        for page in pdf.pages:
            contents = page.obj.get("/Contents")
            for c in (contents if isinstance(contents, pikepdf.Array) else [contents]):
                if isinstance(c, pikepdf.Stream) and c.is_indirect:
                    content_ids.add(c.objgen)
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream) and (obj.objgen in content_ids
                                                     or str(obj.get("/Subtype", "")) == "/Form"):
                found = _search_content_stream(obj, values)
            else:
                found = _search_object(obj, values)
            if found:
                problems.append(f"withheld value in PDF object {obj.objgen[0]}: {found[0].where}")
                if len(problems) > 20:
                    break
    return problems


_SHOW_OPS = {"Tj", "TJ", "'", '"'}


def _search_content_stream(stream, values: list[str]) -> list[str]:
    import pikepdf

    hits = []
    for _, v in stream.stream_dict.items() if hasattr(stream, "stream_dict") else stream.items():
        if not (isinstance(v, pikepdf.Object) and v.is_indirect):
            hits += _search_object(v, values, 1)
    try:
        instructions = pikepdf.parse_content_stream(stream)
    except Exception:
        return hits + find_values(stream.read_bytes().decode("latin-1"), values)
    inline_image = pikepdf.ContentStreamInlineImage
    for inst in instructions:
        if isinstance(inst, inline_image):
            continue
        # Numbers carry no string (_search_object finds nothing in them): most operands.
        operands = [o for o in inst.operands if type(o) not in _NUMBERS]
        if not operands or str(inst.operator) in _SHOW_OPS:
            continue
        for operand in operands:
            hits += _search_object(operand, values, 1)
    return hits


_NUMBERS = (int, float, Decimal, bool)


_FONT_PROGRAM_SUBTYPES = {"/Type1C", "/CIDFontType0C", "/OpenType"}


def _search_object(obj, values: list[str], depth: int = 0) -> list[str]:
    import pikepdf

    if depth > 32:
        return []
    if isinstance(obj, pikepdf.String):
        return find_values(_string_text(obj), values)
    if isinstance(obj, pikepdf.Stream):
        hits = []
        subtype = str(obj.get("/Subtype", ""))
        is_font_program = "/Length1" in obj or subtype in _FONT_PROGRAM_SUBTYPES
        if subtype != "/Image" and not is_font_program:
            try:
                data = obj.read_bytes()
            except Exception:
                data = b""
            if data:
                hits = find_values(data.decode("latin-1"), values)
                if not hits and data[:2] in (b"\xfe\xff", b"\xff\xfe"):
                    hits = find_values(data.decode("utf-16", errors="ignore"), values)
        for _, v in obj.items():
            if not (isinstance(v, pikepdf.Object) and v.is_indirect):
                hits += _search_object(v, values, depth + 1)
        return hits
    if isinstance(obj, pikepdf.Dictionary):
        hits = []
        for _, v in obj.items():
            if not (isinstance(v, pikepdf.Object) and v.is_indirect):
                hits += _search_object(v, values, depth + 1)
        return hits
    if isinstance(obj, pikepdf.Array):
        hits = []
        for v in obj:
            if not (isinstance(v, pikepdf.Object) and v.is_indirect):
                hits += _search_object(v, values, depth + 1)
        return hits
    return []


def _string_text(s) -> str:
    try:
        return str(s)
    except Exception:
        return bytes(s).decode("latin-1")
