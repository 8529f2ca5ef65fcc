"""Remove the pixels of images that lie under redaction boxes, in the image data itself.

The image is decoded to raw samples, the covered samples are set to a uniform value (0 for
colour and grey images, "paint nothing" for stencil masks), and the image is written back
Flate-compressed. The redacted image is a copy made for this placement (see content.py),
so the same image drawn elsewhere is untouched. An image that cannot be decoded here fails
the document: pixels we cannot change are pixels we cannot vouch for.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import pikepdf

from ...errors import UnsupportedContentError
from ...geometry import Box, intersects, pixel_rect
from .content import ImagePlacement

_COMPONENTS = {"/DeviceGray": 1, "/CalGray": 1, "/DeviceRGB": 3, "/CalRGB": 3, "/Lab": 3,
               "/DeviceCMYK": 4}
MAX_PIXELS = 200_000_000  # refuse decompression bombs rather than decode them


# A page-sized scan compresses to within a few per cent at level 3 of what level 6 gives, in
# half the time.
FLATE_LEVEL = 3


def _components(colorspace) -> int:
    if isinstance(colorspace, pikepdf.Name):
        return _COMPONENTS.get(str(colorspace), 0)
    if isinstance(colorspace, pikepdf.Array) and len(colorspace):
        kind = str(colorspace[0])
        if kind == "/ICCBased":
            return int(colorspace[1].get("/N", 3))
        if kind in ("/Indexed", "/I"):
            return 1
        if kind in ("/CalRGB", "/Lab"):
            return 3
        if kind == "/CalGray":
            return 1
        if kind in ("/Separation",):
            return 1
        if kind == "/DeviceN" and len(colorspace) > 1:
            return len(colorspace[1])
    return 0


def _blank_samples(data: bytes, width: int, height: int, ncomp: int, bpc: int,
                   rects: list[tuple[int, int, int, int]], bit_value: int) -> bytes:
    row_bytes = (width * ncomp * bpc + 7) // 8
    need = row_bytes * height
    buf = np.frombuffer(data[:need].ljust(need, b"\0"), dtype=np.uint8).reshape(height, row_bytes).copy()
    if bpc == 8:
        for x0, y0, x1, y1 in rects:
            buf[y0:y1, x0 * ncomp:x1 * ncomp] = 255 if bit_value else 0
    else:
        bits = np.unpackbits(buf, axis=1)
        for x0, y0, x1, y1 in rects:
            bits[y0:y1, x0 * ncomp * bpc:x1 * ncomp * bpc] = bit_value
        buf = np.packbits(bits, axis=1)[:, :row_bytes]
    return buf.tobytes()


def redact_image(pdf: pikepdf.Pdf, placement: ImagePlacement, boxes: list[Box]) -> int:
    """Blank the pixels under ``boxes``; returns how many boxes touched the image."""
    xobj = placement.xobject
    width = int(xobj.get("/Width", 0))
    height = int(xobj.get("/Height", 0))
    if width <= 0 or height <= 0:
        return 0
    if width * height > MAX_PIXELS:
        raise UnsupportedContentError(f"image of {width}x{height} pixels under a box is too large")
    rects = [r for b in boxes
             if intersects(placement.ctm.transform_box((0, 0, 1, 1)), b)
             and (r := pixel_rect(placement.ctm, b, width, height)) is not None]
    if not rects:
        return 0
    is_mask = bool(xobj.get("/ImageMask", False))
    bpc = 1 if is_mask else int(xobj.get("/BitsPerComponent", 8))
    ncomp = 1 if is_mask else _components(xobj.get("/ColorSpace"))
    filters = xobj.get("/Filter")
    filter_names = [str(f) for f in (filters if isinstance(filters, pikepdf.Array) else [filters] if filters else [])]
    raw: bytes | None = None
    if ncomp and not any(f in ("/JBIG2Decode", "/CCITTFaxDecode", "/JPXDecode") for f in filter_names):
        try:
            raw = xobj.read_bytes(decode_level=pikepdf.StreamDecodeLevel.all)
        except Exception:
            raw = None
    if raw is not None:
        if is_mask:
            decode = xobj.get("/Decode")
            inverted = isinstance(decode, pikepdf.Array) and len(decode) == 2 and float(decode[0]) == 1
            value = 0 if inverted else 1  # the sample value that leaves the page unpainted
        else:
            value = 0
        data = _blank_samples(raw, width, height, ncomp, bpc, rects, value)
        xobj.write(zlib.compress(data, FLATE_LEVEL), filter=pikepdf.Name.FlateDecode)
        if "/DecodeParms" in xobj:
            del xobj["/DecodeParms"]
    else:
        _redact_via_pil(xobj, rects, is_mask)
    _redact_soft_mask(pdf, xobj, rects)
    return len(rects)


def _redact_via_pil(xobj: pikepdf.Stream, rects, is_mask: bool) -> None:
    """CCITT, JBIG2, JPX and odd colour spaces: decode with pikepdf/Pillow, write back grey."""
    from PIL import ImageDraw

    try:
        img = pikepdf.PdfImage(xobj).as_pil_image()
    except Exception as exc:
        raise UnsupportedContentError(f"cannot decode an image under a box ({exc})") from None
    if img.mode not in ("1", "L", "RGB", "CMYK"):
        img = img.convert("RGB")
    draw = ImageDraw.Draw(img)
    fill = {"1": 1 if is_mask else 0, "L": 0, "RGB": (0, 0, 0), "CMYK": (0, 0, 0, 255)}[img.mode]
    for x0, y0, x1, y1 in rects:
        draw.rectangle([x0, y0, x1 - 1, y1 - 1], fill=fill)
    for key in ("/DecodeParms", "/Decode", "/ColorSpace", "/BitsPerComponent"):
        if key in xobj:
            del xobj[key]
    if is_mask:
        xobj.BitsPerComponent = 1
    else:
        xobj.ColorSpace = {"1": pikepdf.Name.DeviceGray, "L": pikepdf.Name.DeviceGray,
                           "RGB": pikepdf.Name.DeviceRGB, "CMYK": pikepdf.Name.DeviceCMYK}[img.mode]
        xobj.BitsPerComponent = 1 if img.mode == "1" else 8
    xobj.write(zlib.compress(img.tobytes(), FLATE_LEVEL), filter=pikepdf.Name.FlateDecode)


def _redact_soft_mask(pdf: pikepdf.Pdf, xobj: pikepdf.Stream, rects) -> None:
    """A soft mask can carry the same shapes as the image: make the covered area opaque in a
    copy of it, or drop it when it cannot be decoded."""
    for key in ("/SMask", "/Mask"):
        mask = xobj.get(key)
        if not isinstance(mask, pikepdf.Stream):
            continue
        try:
            raw = mask.read_bytes(decode_level=pikepdf.StreamDecodeLevel.all)
            w, h = int(mask.Width), int(mask.Height)
            scale_x, scale_y = w / int(xobj.Width), h / int(xobj.Height)
            mrects = [(int(x0 * scale_x), int(y0 * scale_y), math.ceil(x1 * scale_x), math.ceil(y1 * scale_y))
                      for x0, y0, x1, y1 in rects]
            bpc = 1 if key == "/Mask" else int(mask.get("/BitsPerComponent", 8))
            value = 1 if key == "/SMask" else 0
            copy = pdf.make_stream(_blank_samples(raw, w, h, 1, bpc, mrects, value))
            for k, v in mask.items():
                if k not in ("/Length", "/Filter", "/DecodeParms"):
                    copy[k] = v
            xobj[key] = copy
        except Exception:
            del xobj[key]
