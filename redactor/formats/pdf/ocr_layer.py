"""The invisible text layer of a scanned page: the old one removed, a new one of the kept text.

An OCR layer that came with the input (text in render mode 3 under the page picture) carries
every word of the page, read however badly; the release copy keeps none of it. It is
removed whole, from the page content and from any Form XObject the page draws (private
copies, so a shared form elsewhere is untouched), and a new layer is written from redactor's
own OCR text minus what is withheld: one run per kept word (or kept part of a word), drawn
invisibly in Helvetica, stretched to the word's box and turned the way its line runs, so the
release copy stays searchable and copyable and selecting a word highlights it in the picture.
"""

from __future__ import annotations

import math

import pikepdf

from ...geometry import Box

HIDDEN_FONT = "/RedactorOcrText"
INVISIBLE = 3
_SHOW = {"Tj", "TJ"}


def _font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    return pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica,
                                                Encoding=pikepdf.Name.WinAnsiEncoding))


def strip_invisible_text(pdf: pikepdf.Pdf, page: pikepdf.Page) -> int:
    """Remove every text-showing operator drawn in render mode 3 from the page (and from
    private copies of the forms it draws). Returns how many were removed."""
    resources = page.obj.get("/Resources")
    if not isinstance(resources, pikepdf.Dictionary):
        resources = pikepdf.Dictionary()
    resources = pikepdf.Dictionary({k: v for k, v in resources.items()})
    ops, removed = _strip(pdf, pikepdf.parse_content_stream(page), resources, 0, depth=0)
    if removed:
        page.obj.Resources = resources
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(ops))
    return removed


def _strip(pdf, instructions, resources, tr: int, depth: int):
    out = []
    removed = 0
    stack: list[int] = []
    xobjects = resources.get("/XObject")
    copied_xobjects = False
    for inst in instructions:
        if isinstance(inst, pikepdf.ContentStreamInlineImage):
            out.append(inst)
            continue
        op = str(inst.operator)
        operands = list(inst.operands)
        if op == "q":
            stack.append(tr)
        elif op == "Q":
            tr = stack.pop() if stack else tr
        elif op == "Tr" and operands:
            try:
                tr = int(operands[0])
            except (TypeError, ValueError):
                pass
            if tr == INVISIBLE:
                # Everything it made invisible goes; left in place it would hide text drawn
                # after the page content (the labels in the boxes).
                removed += 1
                continue
        elif tr == INVISIBLE and op in _SHOW:
            removed += 1
            continue
        elif tr == INVISIBLE and op == "'":
            removed += 1
            out.append(pikepdf.ContentStreamInstruction([], pikepdf.Operator("T*")))
            continue
        elif tr == INVISIBLE and op == '"' and len(operands) == 3:
            removed += 1
            out.append(pikepdf.ContentStreamInstruction([operands[0]], pikepdf.Operator("Tw")))
            out.append(pikepdf.ContentStreamInstruction([operands[1]], pikepdf.Operator("Tc")))
            out.append(pikepdf.ContentStreamInstruction([], pikepdf.Operator("T*")))
            continue
        elif op == "Do" and operands and isinstance(xobjects, pikepdf.Dictionary) and depth < 12:
            name = operands[0]
            xobj = xobjects.get(name)
            if isinstance(xobj, pikepdf.Stream) and str(xobj.get("/Subtype", "")) == "/Form":
                inner_res = xobj.get("/Resources")
                inner_res = pikepdf.Dictionary({k: v for k, v in inner_res.items()}) \
                    if isinstance(inner_res, pikepdf.Dictionary) else pikepdf.Dictionary()
                try:
                    inner = pikepdf.parse_content_stream(xobj)
                except pikepdf.PdfError:
                    inner = None
                if inner is not None:
                    new_ops, n = _strip(pdf, inner, inner_res, tr, depth + 1)
                    if n:
                        removed += n
                        copy = pdf.make_stream(pikepdf.unparse_content_stream(new_ops))
                        for k, v in xobj.items():
                            if k not in ("/Length", "/Filter", "/DecodeParms", "/Resources"):
                                copy[k] = v
                        copy.Resources = inner_res
                        if not copied_xobjects:
                            xobjects = pikepdf.Dictionary({k: v for k, v in xobjects.items()})
                            resources.XObject = xobjects
                            copied_xobjects = True
                        xobjects[name] = copy
        out.append(inst)
    return out, removed


def runs(text: str, char_boxes: list[Box | None], withheld: list[tuple[int, int]],
         covered: list[Box] = ()) -> list[tuple[str, list[Box]]]:
    """Kept words (or kept parts of words): maximal runs of characters that have boxes, are
    not spaces, are not inside a withheld span and do not reach into a box drawn in
    ``covered`` (a neighbour OCR read overlapping the box: partly hidden by it)."""
    out: list[tuple[str, list[Box]]] = []
    gone = [False] * len(text)
    for s, e in withheld:
        for i in range(max(0, s), min(e, len(text))):
            gone[i] = True
    for i, box in enumerate(char_boxes[:len(text)]):
        if box is not None and covered and not gone[i]:
            # Any overlap, not only the centre: an extractor places the letter by its glyph
            # (a comma sits low in its box), so a letter reaching into a box is not written.
            gone[i] = any(b[0] - 0.5 < box[2] and box[0] < b[2] + 0.5 and b[1] - 0.5 < box[3] and box[1] < b[3] + 0.5
                          for b in covered)
    cur_t: list[str] = []
    cur_b: list[Box] = []

    def flush() -> None:
        if not cur_t:
            return
        x0, y0 = min(b[0] for b in cur_b) - 1, min(b[1] for b in cur_b) - 1
        x1, y1 = max(b[2] for b in cur_b) + 1, max(b[3] for b in cur_b) + 1
        if any(b[0] < x1 and x0 < b[2] and b[1] < y1 and y0 < b[3] for b in covered):
            # Beside a box: each letter drawn over its own box, so no letter stretched along
            # with its word can reach into the box.
            out.extend((t, [b]) for t, b in zip(cur_t, cur_b))
        else:
            out.append(("".join(cur_t), list(cur_b)))
        cur_t.clear()
        cur_b.clear()

    for i, ch in enumerate(text):
        box = char_boxes[i] if i < len(char_boxes) else None
        if box is None or ch.isspace() or gone[i]:
            flush()
            continue
        cur_t.append(ch)
        cur_b.append(box)
    flush()
    return out


def _direction(boxes: list[Box]) -> int | None:
    """0, 90, 180 or 270: which way a run of character boxes goes in user space."""
    if len(boxes) < 2:
        return None
    (a0, b0, a1, b1), (c0, d0, c1, d1) = boxes[0], boxes[-1]
    dx, dy = (c0 + c1 - a0 - a1) / 2, (d0 + d1 - b0 - b1) / 2
    if abs(dx) >= abs(dy):
        return 0 if dx >= 0 else 180
    return 90 if dy > 0 else 270


def _helvetica_width(text: str) -> float:
    from pdfminer.fontmetrics import FONT_METRICS

    widths = FONT_METRICS["Helvetica"][1]
    return sum(widths.get(ch, 556) for ch in text) / 1000.0


def text_layer_ops(items: list[tuple[str, list[Box]]]) -> bytes:
    """Content drawing each run invisibly (render mode 3) over its boxes."""
    dirs = [d for _, b in items if (d := _direction(b)) is not None]
    default = max(set(dirs), key=dirs.count) if dirs else 0
    parts = [b"q BT 3 Tr"]
    for text, boxes in items:
        angle = _direction(boxes)
        angle = default if angle is None else angle
        x0 = min(b[0] for b in boxes)
        y0 = min(b[1] for b in boxes)
        x1 = max(b[2] for b in boxes)
        y1 = max(b[3] for b in boxes)
        along, across = (x1 - x0, y1 - y0) if angle in (0, 180) else (y1 - y0, x1 - x0)
        size = max(1.0, across)
        natural = _helvetica_width(text) * size
        scale = 100.0 * along / natural if natural > 0 else 100.0
        base = 0.2 * size
        ox, oy = {0: (x0, y0 + base), 90: (x1 - base, y0), 180: (x1, y1 - base), 270: (x0 + base, y1)}[angle]
        c, s = round(math.cos(math.radians(angle))), round(math.sin(math.radians(angle)))
        string = pikepdf.String(text.encode("cp1252", errors="replace")).unparse()
        parts.append(f"{HIDDEN_FONT} {size:.2f} Tf {scale:.2f} Tz {c} {s} {-s} {c} {ox:.3f} {oy:.3f} Tm ".encode()
                     + string + b" Tj")
    parts.append(b"ET Q")
    return b"\n".join(parts) + b"\n"


def add_text_layer(pdf: pikepdf.Pdf, page: pikepdf.Page, items: list[tuple[str, list[Box]]]) -> None:
    """Draw ``items`` as an invisible text layer at the start of the page (under the boxes
    and labels drawn later), in a font of its own."""
    if not items:
        return
    resources = page.obj.get("/Resources")
    if not isinstance(resources, pikepdf.Dictionary):
        resources = pikepdf.Dictionary()
        page.obj.Resources = resources
    fonts = resources.get("/Font")
    fonts = pikepdf.Dictionary({k: v for k, v in fonts.items()}) if isinstance(fonts, pikepdf.Dictionary) \
        else pikepdf.Dictionary()
    fonts[HIDDEN_FONT] = _font(pdf)
    resources.Font = fonts
    layer = pdf.make_stream(text_layer_ops(items))
    contents = page.obj.get("/Contents")
    existing = list(contents) if isinstance(contents, pikepdf.Array) else [contents] if contents is not None else []
    # The page content is wrapped in q/Q so that a CTM it leaves behind cannot move the layer.
    page.obj.Contents = pikepdf.Array([pdf.make_stream(b"q\n"), *existing, pdf.make_stream(b"\nQ\n"), layer])
