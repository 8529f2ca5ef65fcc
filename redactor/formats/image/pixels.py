"""Pixels of a scanned image: loading (every page upright, in a mode the writer can draw in),
the mapping between pixels and the user space its pages are read in, OCR of one page, and
what a redaction box looks like (shared by the writer, which burns it in, and the verifier,
which re-renders it to compare with the release copy's pixels).

User space is the PDF one: points (1/72 inch, at the image's resolution, 300 dpi when the
file does not say), origin at the bottom left, y up; so layout-aware recognizers read an
image page as they read an OCR'd PDF page.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import BadInputError
from ...geometry import Box, Matrix

KINDS = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"))
DEFAULT_DPI = 300.0  # a scan whose file does not say (or says something implausible)
OCR_DPI = 300.0  # scans below this are enlarged for Tesseract (never beyond ocr.MAX_PIXELS)
BOX_COLOUR = 0  # black, in every mode
LABEL_COLOUR = 255  # white
MIN_LABEL_PX = 8  # a box too small for a legible label is left unlabelled


def kind_of(head: bytes) -> str | None:
    """"PNG", "JPEG" or "TIFF" from a file's first bytes; None for anything else."""
    for magic, kind in KINDS:
        if head.startswith(magic):
            return kind
    return None


@dataclass
class Scan:
    kind: str  # PNG, JPEG, TIFF
    pages: list  # PIL images, upright (EXIF orientation applied), modes 1, L, RGB or RGBA
    dpi: float
    dpi_known: bool
    frames: int  # images in the file (only TIFF pages beyond the first are read)
    icc_profile: bytes | None = None
    metadata: list[str] = field(default_factory=list)  # kinds of metadata the file carries


def _mode(image):
    """``image`` in a mode the writer draws in and its format saves."""
    mode = image.mode
    if mode in ("1", "L", "RGB", "RGBA"):
        return image
    if mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if mode in ("LA", "PA", "La", "RGBa"):
        return image.convert("RGBA")
    if mode.startswith("I") or mode == "F":
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L") if mode.startswith("I;16") \
            else image.convert("L")
    return image.convert("RGB")  # CMYK, YCbCr, LAB, HSV


def metadata_kinds(image) -> list[str]:
    """The kinds of metadata a Pillow image carries (names only, never their content)."""
    found = []
    info = image.info
    if info.get("exif") or (image.format != "TIFF" and len(image.getexif())):
        found.append("EXIF")
    if info.get("xmp") or info.get("XML:com.adobe.xmp"):
        found.append("XMP")
    if info.get("photoshop") or info.get("iptc"):
        found.append("IPTC/Photoshop")
    if info.get("comment"):
        found.append("comment")
    if getattr(image, "text", None):
        found.append("PNG text")
    tags = getattr(image, "tag_v2", None)
    if tags is not None and any(t not in STRUCTURAL_TIFF_TAGS for t in tags):
        found.append("TIFF tags")
    return found


# TIFF tags that only say how the pixels are stored (what any copy must carry).
STRUCTURAL_TIFF_TAGS = frozenset({
    254, 255, 256, 257, 258, 259, 262, 266, 273, 274, 277, 278, 279, 282, 283, 284, 292, 293, 296, 317,
    320, 322, 323, 324, 325, 338, 339, 340, 341, 529, 530, 531, 532, 34675})


def load(path: Path) -> Scan:
    """The pages of the image at ``path``; ``BadInputError`` (one line) when it cannot be read."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            kind = {"MPO": "JPEG"}.get(im.format or "", im.format or "")
            if kind not in ("PNG", "JPEG", "TIFF"):
                raise BadInputError(f"not a PNG, JPEG or TIFF image (Pillow reads it as {im.format})")
            frames = getattr(im, "n_frames", 1)
            dpi_info = im.info.get("dpi")
            icc = im.info.get("icc_profile")
            kinds = metadata_kinds(im)
            pages = []
            for index in range(frames if kind == "TIFF" else 1):
                im.seek(index)
                im.load()
                pages.append(_mode(ImageOps.exif_transpose(im)))
    except BadInputError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise BadInputError(f"cannot read image: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") \
            from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BadInputError(f"cannot read image: {msg}") from None
    dpi, known = DEFAULT_DPI, False
    try:
        d = float(dpi_info[0]) if dpi_info else 0.0
    except (TypeError, ValueError, IndexError):
        d = 0.0
    if 100.0 <= d <= 1200.0:
        dpi, known = d, True
    return Scan(kind, pages, dpi, known, frames, icc if isinstance(icc, bytes) else None, kinds)


def page_size(image, dpi: float) -> tuple[float, float]:
    """The page's width and height in points."""
    return image.width * 72.0 / dpi, image.height * 72.0 / dpi


def user_matrix(size: tuple[int, int], page_width: float, page_height: float) -> Matrix:
    """Pixels (edge coordinates, y down) -> user space of a page ``page_width`` x
    ``page_height`` points drawn by an image of ``size`` pixels."""
    kx, ky = page_width / size[0], page_height / size[1]
    return Matrix(kx, 0.0, 0.0, -ky, 0.0, page_height)


def to_pixels(box: Box, size: tuple[int, int], page_width: float, page_height: float) -> tuple[int, int, int, int]:
    """A user-space box as the pixel rectangle (left, top, right, bottom) it covers, padded
    so that the ink of characters OCR boxed tightly is covered too, inside the image."""
    import math

    x0, y0, x1, y1 = user_matrix(size, page_width, page_height).inverse().transform_box(box)
    pad = max(3.0, 0.2 * (y1 - y0))
    left, top = max(0, math.floor(x0 - pad)), max(0, math.floor(y0 - pad))
    right, bottom = min(size[0], math.ceil(x1 + pad)), min(size[1], math.ceil(y1 + pad))
    return left, top, right, bottom


def merge(rects: list[tuple[tuple[int, int, int, int], str]]) -> list[tuple[tuple[int, int, int, int], str]]:
    """Rectangles that overlap or touch merged into one (their labels joined), so that no box
    is drawn over another's label."""
    out = [(r, [lab]) for r, lab in rects]
    changed = True
    while changed:
        changed = False
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                a, b = out[i][0], out[j][0]
                if a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]:
                    labels = out[i][1] + [x for x in out[j][1] if x not in out[i][1]]
                    out[i] = ((min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])), labels)
                    del out[j]
                    changed = True
                    break
            if changed:
                break
    return [(r, "; ".join(dict.fromkeys(c for lab in labs for c in lab.split("; ") if c))) for r, labs in out]


def page_boxes(plan, number: int, size: tuple[int, int]) -> list[tuple[tuple[int, int, int, int], str]]:
    """The boxes to burn into page ``number`` (pixel rectangles with their labels): the
    whole page when it is withheld in full, else each redaction's boxes, merged."""
    page = plan.document.pages[number - 1]
    if number in plan.withheld_pages:
        return [((0, 0, size[0], size[1]), "; ".join(plan.withheld_pages[number].exemptions))]
    rects = []
    for r in plan.redactions:
        if r.page != number:
            continue
        for box in r.release_boxes:
            rect = to_pixels(box, size, page.width, page.height)
            if rect[2] > rect[0] and rect[3] > rect[1]:
                rects.append((rect, r.label))
    return merge(rects)


def _font(size: int):
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def render_box(mode: str, size: tuple[int, int], label: str):
    """A redaction box of ``size`` pixels: opaque black, its label in white in the middle
    when it fits (inside a margin the label never reaches)."""
    from PIL import Image, ImageDraw

    w, h = size
    fill = (BOX_COLOUR,) * 3 + (255,) if mode == "RGBA" else (BOX_COLOUR,) * 3 if mode == "RGB" else BOX_COLOUR
    ink = (LABEL_COLOUR,) * 3 + (255,) if mode == "RGBA" else (LABEL_COLOUR,) * 3 if mode == "RGB" \
        else (1 if mode == "1" else LABEL_COLOUR)
    patch = Image.new(mode, size, fill)
    margin = max(2, min(w, h) // 8)
    text = label.strip()
    if not text:
        return patch
    px = min(int(0.6 * h), 96)
    draw = ImageDraw.Draw(patch)
    while px >= MIN_LABEL_PX:
        font = _font(px)
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        if right - left <= w - 2 * margin and bottom - top <= h - 2 * margin:
            x = (w - (right - left)) // 2 - left
            y = (h - (bottom - top)) // 2 - top
            draw.text((x, y), text, fill=ink, font=font)
            break
        px -= 2
    return patch


def grey_for_ocr(image):
    """A greyscale copy for Tesseract (transparent parts on white)."""
    from PIL import Image

    if image.mode == "RGBA":
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, image).convert("L")
    return image if image.mode in ("1", "L") else image.convert("L")


def ocr_page(image, page_width: float, page_height: float, number: int):
    """``ocr.OcrPage`` of one image page, word boxes in its user space. A page read with low
    confidence is asked again turned the way orientation detection says (as ``ocr`` does
    for PDF pages), and the better reading kept."""
    from PIL import Image

    from ... import ocr

    grey = grey_for_ocr(image)
    dpi = image.width * 72.0 / page_width
    scale = 1.0
    if dpi < OCR_DPI:
        scale = min(OCR_DPI / dpi, (ocr.MAX_PIXELS / max(1, image.width * image.height)) ** 0.5, 4.0)
    matrix = user_matrix(image.size, page_width, page_height)
    if scale > 1.01:
        w, h = round(image.width * scale), round(image.height * scale)
        matrix = Matrix(image.width / w, 0, 0, image.height / h, 0, 0) @ matrix
        grey = grey.convert("L").resize((w, h), Image.LANCZOS)
        dpi *= scale

    def read(picture, m: Matrix, turned: int):
        words = ocr.to_user(ocr.parse_hocr(ocr.tesseract_hocr(picture, dpi)), m)
        angles: dict[int, int] = {}
        for word in words:
            angles[word.angle] = angles.get(word.angle, 0) + len(word.text)
        orientation = ((max(angles, key=angles.get) if angles else 0) - turned) % 360
        return ocr.OcrPage(number, dpi, tuple(words), orientation)

    page = read(grey, matrix, 0)
    if page.confidence < ocr.LOW_CONFIDENCE and sum(len(w.text) for w in page.words) >= 20:
        turn = ocr.osd_turn(grey, dpi) or 180
        w, h = grey.size
        back = {90: Matrix(0, 1, -1, 0, w, 0), 180: Matrix(-1, 0, 0, -1, w, h), 270: Matrix(0, -1, 1, 0, 0, h)}[turn]
        again = read(grey.rotate(turn, expand=True), back @ matrix, turn)
        if again.confidence > page.confidence + 10:
            return again
    return _with_signature_ink(page, grey, matrix, dpi)


def _with_signature_ink(page, grey, matrix: Matrix, dpi: float):
    """The page with the pen strokes OCR read as nothing by a signature caption or line
    (ocr.signature_ink), looked for in the picture with its rules (signature lines among
    them) taken out, as the PDF pages' are."""
    import dataclasses

    from ... import ocr

    if grey.mode != "L" or not any(ocr._SIGNATURE_LABEL.match(w.text) for w in page.words):
        return page
    hlines: list = []
    clean = ocr._without_rules(grey, dpi, hlines)
    ink = ocr.signature_ink(ocr._Job(page.number, dpi, clean, matrix, hlines=hlines), page)
    return dataclasses.replace(page, signature_ink=ink) if ink else page


def save(pages: list, kind: str, out_path: Path, dpi: float | None, icc_profile: bytes | None) -> None:
    """Write ``pages`` as a new ``kind`` file built from their pixel data alone: none of the
    source's metadata can reach it (the resolution and the ICC colour profile are set)."""
    from PIL import Image

    clean = [Image.frombytes(p.mode, p.size, p.tobytes()) for p in pages]
    opts: dict = {}
    if dpi:
        opts["dpi"] = (dpi, dpi)
    if icc_profile and kind in ("PNG", "JPEG", "TIFF"):
        opts["icc_profile"] = icc_profile
    if kind == "JPEG":
        first = clean[0] if clean[0].mode in ("L", "RGB") else clean[0].convert("RGB")
        first.save(out_path, format="JPEG", quality=95, subsampling=0, **opts)
    elif kind == "PNG":
        clean[0].save(out_path, format="PNG", **opts)
    else:
        compression = "group4" if all(p.mode == "1" for p in clean) else "tiff_lzw"
        clean[0].save(out_path, format="TIFF", save_all=len(clean) > 1, append_images=clean[1:],
                      compression=compression, **opts)
