"""`--flatten`: pages that carry a redaction are replaced by a picture of themselves (boxes
burned into the pixels) with an invisible text layer of the text that was kept.

This is the strongest defence against what survives in a rewritten page: no original font
program, width table, glyph position or drawing operator of a flattened page is left, so
nothing about the removed text can be inferred from them (Bland et al., PETS 2023). The text
layer is made from the redacted page's own text (not OCR), drawn in render mode 3 with a
standard font, one line at a time, stretched to the line's width.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pikepdf

from ...geometry import Box, Matrix, rotation_matrix, union
from .labels import LABEL_FONT, encode, label_font, label_ops, text_width

DEFAULT_DPI = 200


def flatten_pages(src: Path, dst: Path, pages: dict[int, list[tuple[Box, str]]],
                  dpi: int = DEFAULT_DPI) -> list[str]:
    """Flatten ``pages`` (page number -> its boxes and labels, rendered without labels) of
    ``src`` into ``dst``; the labels are printed over the picture as text."""
    import pypdfium2 as pdfium

    from .read import read_pdf

    if not pages:
        src.replace(dst)
        return []
    kept = read_pdf(src, ocr=False)
    rendered: dict[int, bytes] = {}
    doc = pdfium.PdfDocument(str(src))
    try:
        for number in pages:
            page = doc[number - 1]
            # Render without /Rotate: the picture is placed in unrotated user space.
            image = page.render(scale=dpi / 72.0, rotation=0, may_draw_forms=True).to_pil().convert("RGB")
            # Lossless, so the boxes are exactly black in the picture (verification checks it).
            arr = np.asarray(image)
            if (arr[..., 0] == arr[..., 1]).all() and (arr[..., 1] == arr[..., 2]).all():
                data, cs = arr[..., 0].tobytes(), pikepdf.Name.DeviceGray
            else:
                data, cs = arr.tobytes(), pikepdf.Name.DeviceRGB
            rendered[number] = (zlib.compress(data, 6), image.width, image.height, cs)
            page.close()
    finally:
        doc.close()
    with pikepdf.open(src) as pdf:
        font = label_font(pdf)
        for number in sorted(pages):
            page = pdf.pages[number - 1]
            data, w, h, cs = rendered[number]
            mb = [float(v) for v in page.obj.MediaBox]
            x0, y0, x1, y1 = min(mb[0], mb[2]), min(mb[1], mb[3]), max(mb[0], mb[2]), max(mb[1], mb[3])
            rotate = int(page.obj.get("/Rotate", 0)) % 360
            wd, hd = (y1 - y0, x1 - x0) if rotate in (90, 270) else (x1 - x0, y1 - y0)
            # pdfium renders the page as displayed; place the picture so that /Rotate shows it
            # upright again: displayed rectangle -> user space.
            cm = Matrix(wd, 0, 0, hd, 0, 0) @ rotation_matrix(rotate, (x0, y0, x1, y1)).inverse()
            img = pikepdf.Stream(pdf, data, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=w,
                                 Height=h, ColorSpace=cs, BitsPerComponent=8, Filter=pikepdf.Name.FlateDecode)
            parts = [("q " + " ".join(f"{v:.4f}" for v in cm.as_list()) + " cm /Flat Do Q").encode()]
            text_page = kept.pages[number - 1]
            parts += [b"q", *_text_layer(text_page), b"Q"]  # Tr 3 must not reach the labels
            parts += label_ops(pages[number])[0]
            page.obj.Contents = pdf.make_stream(b"\n".join(parts) + b"\n")
            page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Flat=img),
                                                    Font=pikepdf.Dictionary({"/Hidden": font, LABEL_FONT: font}))
            for key in ("/Annots", "/Group", "/StructParents"):
                if key in page.obj:
                    del page.obj[key]
        pdf.save(dst, compress_streams=True, deterministic_id=True, fix_metadata_version=False,
                 object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return [f"page {n} flattened to an image at {dpi} dpi with a text layer of the kept text" for n in sorted(pages)]


def _text_layer(page) -> list[bytes]:
    """One invisible Tj per line of kept text, scaled horizontally to the line's width."""
    out = []
    line_chars: list[tuple[str, Box]] = []

    def flush() -> None:
        if not line_chars:
            return
        text = "".join(c for c, _ in line_chars).strip()
        boxes = [b for _, b in line_chars]
        line_chars.clear()
        if not text:
            return
        lx0, ly0, lx1, ly1 = union(boxes)
        size = max(1.0, ly1 - ly0)
        natural = text_width(text, size)  # Tz stretches it to the segment's width
        scale = 100.0 * (lx1 - lx0) / natural if natural else 100.0
        s = encode(text)
        out.append(f"BT 3 Tr /Hidden {size:.2f} Tf {scale:.2f} Tz {lx0:.3f} {ly0 + 0.2 * size:.3f} Td ".encode()
                   + s + b" Tj ET")

    prev: Box | None = None
    for ch, box in zip(page.text, page.char_boxes):
        if ch == "\n":
            flush()
            prev = None
            continue
        if box is None:
            if line_chars and ch == " ":
                line_chars.append((ch, line_chars[-1][1]))
            continue
        height = max(prev[3] - prev[1], 1e-6) if prev is not None else 0
        if prev is not None and (abs((box[1] + box[3]) / 2 - (prev[1] + prev[3]) / 2) > 0.5 * height
                                 or box[0] - prev[2] > 1.2 * height):
            flush()  # a new line, or a gap (where a box now stands): a new segment
        line_chars.append((ch, box))
        prev = box
    flush()
    return out
