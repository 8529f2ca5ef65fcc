"""The release copy of a scanned image: boxes burned into the pixels, no metadata."""

from __future__ import annotations

from pathlib import Path

from ...errors import RedactorError
from ...model import Plan
from ..base import WriteResult
from . import pixels


def write_image(plan: Plan, out_path: Path) -> WriteResult:
    scan = pixels.load(plan.document.source)
    if len(scan.pages) != len(plan.document.pages):
        raise RedactorError("the image has a different number of pages than was planned")
    pages = []
    boxes = 0
    for number, image in enumerate(scan.pages, start=1):
        image = image.copy()
        for rect, label in pixels.page_boxes(plan, number, image.size):
            image.paste(pixels.render_box(image.mode, (rect[2] - rect[0], rect[3] - rect[1]), label), rect[:2])
            boxes += 1
        pages.append(image)
    pixels.save(pages, scan.kind, out_path, scan.dpi if scan.dpi_known else None, scan.icc_profile)
    notes = []
    if boxes:
        notes.append(f"{boxes} box(es) burned into the pixels")
    if scan.metadata:
        notes.append(f"metadata removed: {', '.join(scan.metadata)}")
    if scan.frames > len(scan.pages):
        notes.append(f"the file holds {scan.frames} images; only the first is read and released")
    return WriteResult(notes=tuple(notes))
