"""Verification of an image release copy, by re-reading the written file:

1. the pixels inside each box are the opaque box and its label (the box re-rendered and
   compared: exactly for PNG and TIFF, within JPEG's loss for JPEG);
2. the file carries no metadata (no EXIF, XMP, IPTC, comment, PNG text chunk or
   descriptive TIFF tag), and no string it does carry holds a withheld value;
3. OCR of every page of the copy (tesseract again) finds no withheld value.

Problems say where (page, box number, kind of metadata), never the value.
"""

from __future__ import annotations

from pathlib import Path

from ...model import Plan
from ...values import find_values, withheld_values
from . import pixels

JPEG_TOLERANCE = 96  # a pixel differing from the rendered box by more is "different"
JPEG_MAX_DIFFERENT = 0.01  # share of different pixels a JPEG box may have (edge ringing)


def verify_image(plan: Plan, out_path: Path) -> list[str]:
    from PIL import Image

    problems: list[str] = []
    try:
        scan = pixels.load(out_path)
    except Exception as exc:  # noqa: BLE001 - an unreadable copy is a failed copy
        return [f"the release copy cannot be read back: {exc}"]
    if len(scan.pages) != len(plan.document.pages):
        return [f"the release copy has {len(scan.pages)} page(s), the plan {len(plan.document.pages)}"]
    values = withheld_values(plan)
    with Image.open(out_path) as im:
        problems += _metadata_problems(im, scan.kind, values)
    for number, image in enumerate(scan.pages, start=1):
        problems += _box_problems(plan, number, image, scan.kind)
        page = plan.document.pages[number - 1]
        if values and page.ocr is not None:
            from ... import ocr

            read = pixels.ocr_page(image, page.width, page.height, number)
            text = ocr.page_text(read.words).text
            problems += [f"page {number}: OCR of the release copy finds a withheld value ({v})"
                         for v in find_values(text, values)]
    return problems


def _box_problems(plan: Plan, number: int, image, kind: str) -> list[str]:
    from PIL import ImageChops

    out = []
    for k, (rect, label) in enumerate(pixels.page_boxes(plan, number, image.size), start=1):
        size = (rect[2] - rect[0], rect[3] - rect[1])
        expected = pixels.render_box(image.mode, size, label).convert("L")
        found = image.crop(rect).convert("L")
        hist = ImageChops.difference(expected, found).histogram()
        total = size[0] * size[1]
        if kind == "JPEG":
            different = sum(hist[JPEG_TOLERANCE + 1:])
            bad = different > JPEG_MAX_DIFFERENT * total
        else:
            different = sum(hist[1:])
            bad = different > 0
        if bad:
            out.append(f"page {number}, box {k}: {100.0 * different / total:.1f}% of its pixels are not "
                       "the opaque box")
    return out


def _strings(value) -> list[str]:
    if isinstance(value, bytes):
        return [value.decode("utf-8", "ignore"), value.decode("latin-1")]
    if isinstance(value, str):
        return [value]
    if isinstance(value, (tuple, list)):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    return []


def _metadata_problems(im, kind: str, values) -> list[str]:
    out = []
    frames = getattr(im, "n_frames", 1) if kind == "TIFF" else 1
    for index in range(frames):
        im.seek(index)
        where = f"page {index + 1}: " if frames > 1 else ""
        out += [f"{where}metadata remains ({what})" for what in pixels.metadata_kinds(im)]
        strings = _strings(dict(im.info))
        tags = getattr(im, "tag_v2", None)
        if tags is not None:
            strings += [s for t in tags for s in _strings(tags.get(t))]
        else:
            strings += [s for v in im.getexif().values() for s in _strings(v)]
        out += [f"{where}metadata holds a withheld value ({v})" for v in find_values("\n".join(strings), values)]
    return out
