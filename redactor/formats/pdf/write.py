"""Write a PDF release copy from a plan: remove what is under each box, draw the box with its
exemption label, scrub the document, write the file whole."""

from __future__ import annotations

import dataclasses
import warnings
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

import pikepdf

from ...collector import collector_paused as _collector_paused
from ...errors import BadInputError, UnsupportedContentError
from ...geometry import Box, Matrix, intersects
from ...model import Plan, Redaction
from ...ocr import LOW_CONFIDENCE
from ..base import WriteResult
from .content import MEASURING, ContentWalker, draws_text
from .layout import defend
from .ocr_layer import add_text_layer, runs, strip_invisible_text
from .images import redact_image
from .labels import LABEL_FONT, LEGIBLE_LABEL_SIZE, encode, label_font, label_ops, label_width, placeholder_text
from .sanitize import sanitize, scrub_strings

if TYPE_CHECKING:  # pragma: no cover
    from ...settings import Settings

def open_pdf(path: Path, password: str = "") -> pikepdf.Pdf:
    try:
        return pikepdf.open(path, password=password)
    except pikepdf.PasswordError:
        raise BadInputError("encrypted: a password is needed to open it (use --password)"
                            if not password else "encrypted: the password given does not open it") from None
    except pikepdf.PdfError as exc:
        raise BadInputError(f"unreadable PDF: {exc}") from None


def _inherited(page_obj, key):
    node = page_obj
    for _ in range(64):
        if key in node:
            return node[key]
        node = node.get("/Parent")
        if not isinstance(node, pikepdf.Dictionary):
            return None
    return None


def write_pdf(plan: Plan, out_path: Path, settings: "Settings | None" = None) -> WriteResult:
    """Apply ``plan`` to its source PDF and write the release copy. Returns report notes, per
    page the labels drawn in boxes (verification must tell them from leaked text), and the plan
    as written: unless ``settings.keep_positions``, every line that carries a box is laid out
    anew (layout.py) and each redaction's ``drawn`` boxes say where its boxes ended up."""
    from ...settings import Settings

    settings = settings or Settings()
    password, flatten = settings.password, settings.flatten
    notes: list[str] = []
    drawn: dict[int, list[tuple[Box, str]]] = {}
    touched_fonts: dict = {}
    boxes_by_page: dict[int, list[tuple[Box, str]]] = defaultdict(list)
    owners: dict[int, list[tuple[Redaction, int]]] = defaultdict(list)  # page -> (redaction, box index)
    drawn_boxes: dict[int, list[Box]] = {id(r): list(r.boxes) for r in plan.redactions}  # redaction -> as drawn
    for r in plan.redactions:
        if r.page in plan.withheld_pages:
            continue  # the whole page is replaced
        for k, box in enumerate(r.boxes):
            boxes_by_page[r.page].append((box, r.label))
            owners[r.page].append((r, k))
    stripped: dict[int, int] = {}  # OCR'd page -> text operators of its old OCR layer removed
    with open_pdf(plan.document.source, password) as pdf:
        font = label_font(pdf)  # one label font for the whole file
        for number, page in enumerate(pdf.pages, start=1):
            # Make inherited attributes explicit before we touch the page.
            for key in ("/Resources", "/MediaBox", "/CropBox", "/Rotate"):
                if key not in page.obj:
                    value = _inherited(page.obj, key)
                    if value is not None:
                        page.obj[key] = value
            if number in plan.withheld_pages:
                drawn[number] = [(_page_box(page), placeholder_text(plan.withheld_pages[number].exemptions))]
                _placeholder_page(pdf, page, plan.withheld_pages[number].exemptions, font)
                notes.append(f"page {number} withheld in full")
                continue
            ocr_page = plan.document.pages[number - 1].ocr if number <= len(plan.document.pages) else None
            if ocr_page is not None and ocr_page.kind != "images":
                # The input's own OCR layer goes before anything is measured or removed: the
                # page is a picture, and its new text layer is drawn from redactor's OCR.
                stripped[number] = strip_invisible_text(pdf, page)
            entries = boxes_by_page.get(number)
            if not entries:
                continue
            boxes = [b for b, _ in entries]
            with _collector_paused():
                page_notes, new_boxes = _redact_page(pdf, page, number, boxes, touched_fonts, settings.keep_positions,
                                                     [id(r) for r, _ in owners[number]],
                                                     [label_width(label, LEGIBLE_LABEL_SIZE) + 2
                                                      for _, label in entries])
            notes.extend(page_notes)
            entries = [(b, label) for b, (_, label) in zip(new_boxes, entries)]
            for b, (r, k) in zip(new_boxes, owners[number]):
                drawn_boxes[id(r)][k] = b
            drawn[number] = _draw_boxes(pdf, page, entries, font, flatten=flatten)
        notes.extend(_ocr_layers(pdf, plan, stripped, drawn_boxes))
        from .fontprune import prune_fonts

        with _collector_paused():  # (a walk of every content stream; no cycle per page)
            forgotten, blanked, font_notes = prune_fonts(pdf, touched_fonts)
        if forgotten:
            notes.append(f"{forgotten} glyph width(s) used only by removed text forgotten from font tables")
        if blanked:
            notes.append(f"{blanked} embedded glyph outline(s) used only by removed text emptied")
        notes.extend(font_notes)
        notes.extend(sanitize(pdf))
        from ...values import withheld_values

        with _collector_paused():
            scrubbed = scrub_strings(pdf, withheld_values(plan))
        if scrubbed:
            notes.append(f"{scrubbed} string(s) outside page content (annotations, form fields, "
                         "outlines) contained withheld values and were replaced")
        target = out_path.with_suffix(".unflattened.pdf") if flatten else out_path
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", pikepdf.PageCopyWarning)
                pdf.save(target, compress_streams=True, deterministic_id=True,
                         fix_metadata_version=False,
                         object_stream_mode=pikepdf.ObjectStreamMode.disable)
            # pikepdf warns on stderr of form widgets the form's field tree does not reach (as
            # in the input): a note in the report says it instead, where a reviewer reads it.
            for w in caught:
                if issubclass(w.category, pikepdf.PageCopyWarning):
                    count = "".join(ch for ch in str(w.message).split("annotation")[0] if ch.isdigit()) or "some"
                    notes.append(f"{count} form widget(s) that no field of the form (/AcroForm) reaches, "
                                 "as in the input: viewers may not show them as form fields")
        except pikepdf.PdfError as exc:
            raise BadInputError(f"cannot write release copy: {exc}") from None
    if flatten:
        from .flatten import flatten_pages

        touched = {n: drawn[n] for n in drawn if n not in plan.withheld_pages}
        try:
            notes.extend(flatten_pages(target, out_path, touched))
        finally:
            target.unlink(missing_ok=True)
    written = dataclasses.replace(plan, redactions=[dataclasses.replace(r, drawn=drawn_boxes[id(r)])
                                                    for r in plan.redactions])
    return WriteResult(notes=tuple(notes), drawn=drawn, plan=written)


def _ocr_layers(pdf: pikepdf.Pdf, plan: Plan, stripped: dict[int, int],
                drawn_boxes: dict[int, list[Box]]) -> list[str]:
    """Scanned pages (their own invisible OCR layer already stripped): a new text layer holding
    only the kept OCR text is drawn, so the release copy stays searchable. Pictures of text on
    a text-layer page get one of the kept words OCR read in them (the page's own text stays
    as it is)."""
    notes = []
    for p in plan.document.pages:
        if p.ocr is None or p.number in plan.withheld_pages:
            continue
        page = pdf.pages[p.number - 1]
        removed = stripped.get(p.number, 0)
        withheld = [(r.start, r.end) for r in plan.redactions if r.page == p.number]
        covered = [b for r in plan.redactions if r.page == p.number for b in drawn_boxes[id(r)]]
        boxes = p.char_boxes
        if p.ocr.kind == "images":
            # only the characters OCR read (they carry a confidence): the text layer's own are
            # drawn already. Not those read with little confidence ("eee" in a photograph's
            # shadow), nor those over the page's own text (a picture the text layer already
            # spells): they would only garble what extractors read there.
            conf = p.ocr.char_confidence
            own = [b for i, b in enumerate(p.char_boxes)
                   if b is not None and (i >= len(conf) or conf[i] is None)]
            boxes = [b if i < len(conf) and conf[i] is not None and conf[i] >= LOW_CONFIDENCE
                     and not _over_text(b, own) else None for i, b in enumerate(p.char_boxes)]
        items = runs(p.text, boxes, withheld, covered)
        add_text_layer(pdf, page, items)
        if p.ocr.kind == "images":
            if items:
                notes.append(f"page {p.number}: pictures of text read by OCR ({p.ocr.dpi:.0f} dpi, confidence "
                             f"{p.ocr.confidence:.0f}%); text layer of {len(items)} kept word(s) added over them")
            continue
        notes.append(f"page {p.number}: read by OCR ({p.ocr.kind}, {p.ocr.dpi:.0f} dpi, confidence "
                     f"{p.ocr.confidence:.0f}%)" + ("; its own OCR text layer removed" if removed else "")
                     + f"; text layer of {len(items)} kept word(s) added")
    return notes


def _over_text(box, own) -> bool:
    """Does ``box`` (an OCR character) lie mostly over one of the page's own characters?"""
    if box is None:
        return False
    x0, y0, x1, y1 = box
    size = max((x1 - x0) * (y1 - y0), 1e-6)
    for a0, b0, a1, b1 in own:
        w, h = min(x1, a1) - max(x0, a0), min(y1, b1) - max(y0, b0)
        if w > 0 and h > 0 and w * h > 0.3 * size:
            return True
    return False


def _pattern_with_text(page: pikepdf.Page) -> bool:
    """Does the page use a tiling pattern whose cell draws text?"""
    resources = page.obj.get("/Resources")
    patterns = resources.get("/Pattern") if isinstance(resources, pikepdf.Dictionary) else None
    if not isinstance(patterns, pikepdf.Dictionary):
        return False
    return any(isinstance(pat, pikepdf.Stream) and int(pat.get("/PatternType", 0)) == 1 and draws_text(pat)
               for _, pat in patterns.items())


def _page_box(page: pikepdf.Page) -> Box:
    mb = [float(v) for v in page.obj.get("/MediaBox", [0, 0, 612, 792])]
    return (min(mb[0], mb[2]), min(mb[1], mb[3]), max(mb[0], mb[2]), max(mb[1], mb[3]))


def _placeholder_page(pdf: pikepdf.Pdf, page: pikepdf.Page, exemptions: list[str], font: pikepdf.Object) -> None:
    """Replace everything on the page by one line naming the exemption; the page keeps its
    size and place so page numbers in the release still match the record."""
    x0, y0, x1, y1 = _page_box(page)
    text = placeholder_text(exemptions)
    size = 14.0
    width = label_width(text, size)
    if width > (x1 - x0) * 0.9:
        size *= (x1 - x0) * 0.9 / width
        width = label_width(text, size)
    rotate = int(page.obj.get("/Rotate", 0)) % 360
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    # Draw the line upright as the page is displayed.
    m = {0: (1, 0, 0, 1), 90: (0, 1, -1, 0), 180: (-1, 0, 0, -1), 270: (0, -1, 1, 0)}[rotate]
    string = encode(text)
    content = (f"q {m[0]} {m[1]} {m[2]} {m[3]} {cx:.3f} {cy:.3f} cm BT {LABEL_FONT} {size:.2f} Tf "
               f"{-width / 2:.3f} {-size / 3:.3f} Td ").encode() + string + b" Tj ET Q\n"
    page.obj.Contents = pdf.make_stream(content)
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary({LABEL_FONT: font}))
    for key in ("/Annots", "/Group", "/StructParents", "/Tabs"):
        if key in page.obj:
            del page.obj[key]


def _redact_page(pdf: pikepdf.Pdf, page: pikepdf.Page, number: int, boxes: list[Box],
                 touched_fonts: dict, keep_positions: bool,
                 owners: list[int] | None = None,
                 min_widths: list[float] | None = None) -> tuple[list[str], list[Box]]:
    """Remove what is under ``boxes``; return notes and the boxes to draw."""
    notes: list[str] = []
    try:
        layout = None
        if not keep_positions and _pattern_with_text(page):
            # Glyphs of pattern cells repeat across the page; the new layout cannot place them.
            notes.append(f"page {number}: boxes keep their exact widths: the page draws text "
                         "in a tiling pattern")
            keep_positions = True
        if not keep_positions:
            measurer = ContentWalker(pdf, boxes, hooks=MEASURING)
            measurer.runs = {}  # the rewrite below reuses where each glyph is drawn
            glyphs = measurer.measure_page(page, Matrix())
            layout = defend(glyphs, boxes, _visible_box(page), measurer.image_boxes,
                            fill_boxes=measurer.fill_boxes, owners=owners, min_widths=min_widths)
            notes.extend(f"page {number}: {n}" for n in layout.notes)
        rewriter = ContentWalker(pdf, boxes, layout)
        if layout is not None:
            rewriter.runs = measurer.runs
        new_content = rewriter.rewrite_page(page, Matrix(), measurer.instructions if layout is not None else None)
    except UnsupportedContentError:
        raise
    except (pikepdf.PdfError, RecursionError, ValueError) as exc:
        raise UnsupportedContentError(f"page {number}: content cannot be rewritten safely ({exc})") from None
    for placement in rewriter.stats.images:
        redact_image(pdf, placement, boxes)
    for font, codes in rewriter.stats.fonts_touched.items():
        touched_fonts.setdefault(font, set()).update(codes)
    page.obj.Contents = pdf.make_stream(new_content)
    if rewriter.stats.inline_images_removed:
        notes.append(f"page {number}: {rewriter.stats.inline_images_removed} inline image(s) under a box removed")
    if rewriter.stats.patterns_rewritten:
        notes.append(f"page {number}: text under boxes removed from {rewriter.stats.patterns_rewritten} "
                     "tiling pattern(s)")
    if rewriter.stats.paths_removed:
        notes.append(f"page {number}: {rewriter.stats.paths_removed} vector shape(s) under boxes removed")
    if rewriter.stats.images:
        notes.append(f"page {number}: pixels under boxes removed from {len(rewriter.stats.images)} image(s)")
    notes.extend(_remove_annotations(pdf, page, number, boxes))
    return notes, (layout.boxes if layout is not None else list(boxes))


def _visible_box(page: pikepdf.Page) -> Box:
    crop = page.obj.get("/CropBox")
    if isinstance(crop, pikepdf.Array) and len(crop) == 4:
        x0, y0, x1, y1 = (float(v) for v in crop)
        return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    return _page_box(page)


def _remove_annotations(pdf: pikepdf.Pdf, page: pikepdf.Page, number: int, boxes: list[Box]) -> list[str]:
    annots = page.obj.get("/Annots")
    if not isinstance(annots, pikepdf.Array):
        return []
    keep, removed = [], []
    for annot in annots:
        rect = annot.get("/Rect") if isinstance(annot, pikepdf.Dictionary) else None
        hit = False
        if isinstance(rect, pikepdf.Array) and len(rect) == 4:
            x0, y0, x1, y1 = (float(v) for v in rect)
            hit = any(intersects((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), b) for b in boxes)
        (removed if hit else keep).append(annot)
    if not removed:
        return []
    removed_ids = {a.objgen for a in removed if a.is_indirect}
    # A popup belongs to its parent annotation: drop it with its parent.
    keep = [a for a in keep if not (isinstance(a, pikepdf.Dictionary) and isinstance(a.get("/Parent"), pikepdf.Dictionary)
                                    and a.Parent.is_indirect and a.Parent.objgen in removed_ids)]
    page.obj.Annots = pikepdf.Array(keep)
    acroform = pdf.Root.get("/AcroForm")
    if isinstance(acroform, pikepdf.Dictionary) and isinstance(acroform.get("/Fields"), pikepdf.Array):
        fields = [f for f in acroform.Fields if not (f.is_indirect and f.objgen in removed_ids)]
        acroform.Fields = pikepdf.Array(fields)
    return [f"page {number}: {len(removed)} annotation(s) or form field(s) under a box removed"]


def _draw_boxes(pdf: pikepdf.Pdf, page: pikepdf.Page, entries: list[tuple[Box, str]], font: pikepdf.Object,
                flatten: bool = False) -> list[tuple[Box, str]]:
    """Fill every box and print its exemption label in it. A box inside another box (a name
    inside a withheld portion) gets no label of its own. Returns the labels drawn (or, with
    ``flatten``, the labels to draw later, over the flattened page)."""
    resources = page.obj.get("/Resources")
    if not isinstance(resources, pikepdf.Dictionary):
        resources = pikepdf.Dictionary()
        page.obj.Resources = resources
    fonts = resources.get("/Font")
    if not isinstance(fonts, pikepdf.Dictionary):
        fonts = pikepdf.Dictionary()
        resources.Font = fonts
    if LABEL_FONT not in fonts:
        fonts[LABEL_FONT] = font
    parts = [b"q 0 g 0 G"]
    for (x0, y0, x1, y1) in (b for b, _ in entries):
        parts.append(f"{x0:.3f} {y0:.3f} {x1 - x0:.3f} {y1 - y0:.3f} re f".encode())
    parts.append(b"Q")
    ops, drawn = label_ops(entries)
    if not flatten:  # a flattened page gets its labels over the picture (flatten.py)
        parts += ops
    stream = pdf.make_stream(b"\n".join(parts) + b"\n")
    page.obj.Contents = pikepdf.Array([page.obj.Contents, stream])
    return drawn
