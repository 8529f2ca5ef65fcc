"""Signatures found as regions, carried end to end: detection -> plan (plan.json, review,
apply) -> policy -> write -> verify -> report.

Fixtures are drawn here with known truth: a text-layer letter (reportlab) with a picture of a
signature by a caption, on a signature line or in a signature block, and a logo in its
letterhead; a scanned form (rendered to a picture) with pen strokes on a signature line that
OCR reads as nothing. The checks are independent of redactor's own code: pikepdf lists the
images of the release copy, pypdfium2 renders it, pdftotext reads its text.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from typer.testing import CliRunner

from recognizers.signatures import captions, signature_lines, signature_pictures
from redactor import ocr
from redactor.cli import app
from pdftools import text_pdfium, text_pdftotext

runner = CliRunner()
needs_tesseract = pytest.mark.skipif(not ocr.available(), reason="tesseract is not installed")

SIG_PIXELS = (360, 110)
LOGO_PIXELS = (200, 200)


# ----------------------------------------------------------------------------- fixtures


def _scribble(seed: int = 1):
    """A picture of a signature: a pen line wandering across a white strip."""
    from PIL import Image, ImageDraw

    rnd = random.Random(seed)
    w, h = SIG_PIXELS
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    x, y = 10, h // 2
    pts = [(x, y)]
    while x < w - 20:
        x += rnd.randint(8, 22)
        y = max(8, min(h - 8, y + rnd.randint(-30, 30)))
        pts.append((x, y))
    d.line(pts, fill=(10, 10, 60), width=4)
    return img


def _logo():
    from PIL import Image, ImageDraw

    w, h = LOGO_PIXELS
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    d.ellipse((10, 10, w - 10, h - 10), outline=(0, 60, 120), width=12)
    d.rectangle((70, 70, 130, 130), fill=(0, 60, 120))
    return img


BODY = ["March 3, 2024", "", "Dear Resident,", "Your permit application 2024-117 has been approved.",
        "Please keep this letter with your records.", "", "Sincerely,"]


def _letter(path: Path, how: str | None, *, seal: bool = False) -> tuple[float, float, float, float] | None:
    """A one-page letter with a logo in its letterhead (and a rule across the page under it)
    and, by ``how``, a signature picture: ``caption`` (a "Signature" caption under it),
    ``line`` (on a short rule, no caption), ``block`` (between "Sincerely," and a typed name,
    no rule, no caption), or None. ``seal``: a round seal (a square picture) by the caption
    of a second, empty signature line. Returns the signature picture's box."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=(612, 792))
    c.drawImage(ImageReader(_logo()), 54, 690, width=60, height=60)
    c.setFont("Helvetica-Bold", 14)
    c.drawString(130, 725, "Springfield Department of Public Works")
    c.setLineWidth(1)
    c.line(54, 680, 558, 680)
    c.setFont("Helvetica", 11)
    y = 640
    for line in BODY:
        c.drawString(54, y, line)
        y -= 16
    box = None
    if how is not None:
        c.drawImage(ImageReader(_scribble()), 54, 470, width=144, height=44)
        box = (54.0, 470.0, 198.0, 514.0)
        if how in ("caption", "line"):
            c.line(54, 466, 234, 466)
        if how == "caption":
            c.drawString(54, 452, "Signature")
    c.drawString(54, 420, "Harold Q. Whitcombe")
    c.drawString(54, 406, "Permit Applicant")
    if seal:
        c.drawImage(ImageReader(_logo()), 380, 440, width=54, height=54)
        c.line(330, 436, 520, 436)
        c.drawString(330, 422, "Signature of witness")
    c.save()
    return box


def _images(path: Path) -> dict[str, tuple[int, int]]:
    """The SHA-256 of the decoded data of every image in the file (drawn or not) -> size."""
    out = {}
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image":
                out[hashlib.sha256(obj.read_bytes()).hexdigest()] = (int(obj.Width), int(obj.Height))
    return out


def _digest_of(path: Path, size: tuple[int, int]) -> str:
    found = [d for d, s in _images(path).items() if s == size]
    assert len(found) == 1
    return found[0]


def _render(path: Path, dpi: float = 72.0) -> np.ndarray:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        return np.asarray(doc[0].render(scale=dpi / 72.0, grayscale=True).to_pil().convert("L")).copy()
    finally:
        doc.close()


def _px(box, dpi: float = 72.0, height: float = 792.0):
    s = dpi / 72.0
    return (slice(int(round((height - box[3]) * s)), int(round((height - box[1]) * s))),
            slice(int(round(box[0] * s)), int(round(box[2] * s))))


def _contains(outer, inner, tol=0.01) -> bool:
    return (outer[0] <= inner[0] + tol and outer[1] <= inner[1] + tol and outer[2] >= inner[2] - tol
            and outer[3] >= inner[3] - tol)


def _run(src: Path, out: Path, *args: str) -> dict:
    result = runner.invoke(app, ["run", str(src), "--out", str(out), "--no-review-report", *args])
    assert result.exit_code in (0, 4), result.output
    return json.loads((out / "report.json").read_text())


# ----------------------------------------------------------------------------- text pages


@pytest.mark.parametrize("how", ["caption", pytest.param("line", marks=pytest.mark.slow),
                                 pytest.param("block", marks=pytest.mark.slow)])
def test_signature_picture_is_withheld_whole_by_policy(tmp_path, how):
    """example-state withholds a signature's picture found by its caption, its line or its
    place in a signature block: the report lists the region (page and rectangle, entity,
    rule, exemption, why), the picture's data is in no image of the release copy, its place
    renders as the uniform box, and the logo and the letter's text round it are released."""
    src = tmp_path / "in"
    src.mkdir()
    pic = _letter(src / "letter.pdf", how)
    sig = _digest_of(src / "letter.pdf", SIG_PIXELS)
    logo = _digest_of(src / "letter.pdf", LOGO_PIXELS)
    report = _run(src, tmp_path / "out", "--policy", "example-state")
    doc = report["documents"][0]
    assert doc["status"] == "redacted", doc
    regions = [r for r in doc["redactions"] if r["entity"] == "SIGNATURE"]
    assert len(regions) == 1, doc["redactions"]
    r = regions[0]
    assert r["region"] is True and "line" not in r and r["page"] == 1
    assert r["rule"] == "signatures" and r["exemptions"] == ["7(1)(c)"] and r["recognizer"] == "SignatureImage"
    assert "image" in r["explanation"] and r["reason"]
    (box,) = r["release_bbox"]
    assert _contains(box, pic) and box[2] - box[0] < (pic[2] - pic[0]) + 4 and box[3] - box[1] < (pic[3] - pic[1]) + 4
    out = tmp_path / "out" / "letter.pdf"
    images = _images(out)
    assert sig not in images  # the signature's pixels are in no image of the file
    assert logo in images  # the letterhead's logo is released as it was
    # Rendered independently: the signature's place is the box (uniform), the logo as before.
    before, after = _render(src / "letter.pdf"), _render(out)
    inner = _px((pic[0] + 1, pic[1] + 1, pic[2] - 1, pic[3] - 1))
    assert (before[inner] < 128).mean() > 0.01  # there was ink
    assert (after[inner] < 40).mean() > 0.85  # the black box (its label printed in white)
    with pikepdf.open(out) as pdf:  # an image left at that size has uniform pixels
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image" and \
                    (int(obj.Width), int(obj.Height)) == SIG_PIXELS:
                pixels = np.asarray(pikepdf.PdfImage(obj).as_pil_image())
                assert pixels.min() == pixels.max()
    logo_px = _px((54, 690, 114, 750))
    assert np.array_equal(before[logo_px], after[logo_px])
    text = text_pdftotext(out)
    for kept in ("Springfield Department of Public Works", "Your permit application 2024-117 has been approved",
                 "Sincerely", "Permit Applicant"):
        assert kept in " ".join(text.split()), kept
    if how == "caption":
        assert "Signature" in text  # the caption is no name: it stays
    log = (tmp_path / "out" / "withholding-log.csv").read_text()
    assert "a region" in log


@pytest.mark.slow
def test_signature_picture_is_flagged_by_default_policy(tmp_path):
    """The default policy releases the picture for a reviewer to look at: a kept SIGNATURE
    region with its rectangle, the document held for review, the picture untouched."""
    src = tmp_path / "in"
    src.mkdir()
    pic = _letter(src / "letter.pdf", "caption")
    sig = _digest_of(src / "letter.pdf", SIG_PIXELS)
    report = _run(src, tmp_path / "out")
    doc = report["documents"][0]
    assert not [r for r in doc["redactions"] if r["entity"] == "SIGNATURE"]
    (k,) = [k for k in doc["kept"] if k["entity"] == "SIGNATURE"]
    assert k["region"] is True and k["needs_review"] and k["rule"] == "signatures-for-review"
    assert _contains(k["bbox"][0], pic)
    assert doc["status"] == "needs_review"
    assert sig in _images(tmp_path / "out" / "letter.pdf")


@pytest.mark.slow
def test_logo_and_seal_are_not_signatures(tmp_path):
    """A logo in the letterhead (above a rule across the page) and a round seal by a
    signature caption are not taken for signatures: under example-state both are released
    as they were, and nothing on the page is a SIGNATURE."""
    src = tmp_path / "in"
    src.mkdir()
    _letter(src / "letter.pdf", None, seal=True)
    before = _images(src / "letter.pdf")
    report = _run(src, tmp_path / "out", "--policy", "example-state")
    doc = report["documents"][0]
    assert not [r for r in doc["redactions"] + doc["kept"] if r["entity"] == "SIGNATURE"]
    assert set(before) <= set(_images(tmp_path / "out" / "letter.pdf"))


def test_signature_pictures_geometry():
    """The rules of recognizers/signatures.py on boxes alone (user space, y up)."""
    page = (0.0, 0.0, 612.0, 792.0)
    text = "Sincerely,\nSignature\nJane Q. Roe"
    boxes = [(54 + 6 * i, 600, 60 + 6 * i, 611) for i in range(10)] + [None] \
        + [(54 + 6 * i, 452, 60 + 6 * i, 463) for i in range(9)] + [None] \
        + [(54 + 6 * i, 420, 60 + 6 * i, 431) for i in range(11)]
    assert [a.kind for a in captions(text, boxes)] == ["caption"]
    sig = (54.0, 470.0, 198.0, 514.0)
    # by its caption; too big; too tall for its width (a seal); in the letterhead band
    assert signature_pictures(page, text, boxes, [sig], []) == [(0, "within an inch of the caption 'Signature'")]
    assert signature_pictures(page, text, boxes, [(54, 470, 300, 514)], []) == []
    assert signature_pictures(page, text, boxes, [(54, 470, 110, 526)], []) == []
    far = "Report\n" + "x" * 9
    fb = [(54 + 6 * i, 300, 60 + 6 * i, 311) for i in range(6)] + [None] + [(54 + 6 * i, 280, 60 + 6 * i, 291) for i in range(9)]
    assert signature_pictures(page, far, fb, [sig], []) == []
    # a rule across the column is no signature line; a short one under a closing is
    closing = [a for a in captions(text, boxes)] + []
    from recognizers.signatures import closings
    shut = closings(text, boxes)
    assert [a.kind for a in shut] == ["closing"]
    assert signature_lines([(54, 466, 558, 466)], shut) == []
    assert [a.kind for a in signature_lines([(54, 466, 234, 466)], shut)] == ["line"]
    assert closing


def test_plan_carries_the_region_through_review_and_apply(tmp_path):
    """scan writes the region into plan.json (valid against its schema: the item is a region
    with no text span, the finding has its rectangle); apply releases exactly that; a reviewer
    who rejects it releases the picture."""
    from redactor.planfile import decide, load_plan, save_plan

    src = tmp_path / "in"
    src.mkdir()
    pic = _letter(src / "letter.pdf", "line")
    sig = _digest_of(src / "letter.pdf", SIG_PIXELS)
    work = tmp_path / "scan"
    result = runner.invoke(app, ["scan", str(src), "--out", str(work), "--policy", "example-state"])
    assert result.exit_code in (0, 4), result.output
    data = load_plan(work)  # validated against plan.schema.json
    entry = data["documents"][0]
    (it,) = [it for it in entry["redactions"] if it["entity"] == "SIGNATURE"]
    assert it["region"] is True and it["value"] == "" and it["start"] == it["end"] == 0
    assert _contains(it["finding"]["region"], pic) and it["bbox"] == [it["finding"]["region"]]
    result = runner.invoke(app, ["apply", str(work), "--out", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert sig not in _images(tmp_path / "a" / "letter.pdf")
    doc = json.loads((tmp_path / "a" / "report.json").read_text())["documents"][0]
    assert [r["region"] for r in doc["redactions"] if r["entity"] == "SIGNATURE"] == [True]
    decide(data, entry["id"], it["id"], "reject", "rev")
    save_plan(work, data)
    result = runner.invoke(app, ["apply", str(work), "--out", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert sig in _images(tmp_path / "b" / "letter.pdf")


def test_verification_fails_a_copy_that_still_holds_the_picture(tmp_path):
    """Verification independently looks for a withheld picture's data in every image of the
    copy: a copy written without removing it fails, saying where, not what."""
    import dataclasses

    from redactor.formats.pdf.read import read_pdf
    from redactor.formats.pdf.verify import verify_pdf_output
    from redactor.model import Action, Decision
    from redactor.plan import build_plan
    from redactor.detect import _signature_findings

    path = tmp_path / "letter.pdf"
    _letter(path, "caption")
    document = read_pdf(path, ocr=False)
    (f,) = [f for f in _signature_findings(document.pages[0]) if f.is_region]
    d = Decision(finding=f, action=Action.REDACT, rule="signatures", exemptions=["7(1)(c)"], reason="test")
    plan = build_plan(document, [d], "example-state")
    (r,) = plan.redactions
    assert r.text == "" and r.boxes == [f.region]
    problems = verify_pdf_output(path, dataclasses.replace(plan, redactions=[r]), {})
    assert any("withheld picture" in p and "r1" in p for p in problems), problems


# ----------------------------------------------------------------------------- scans


def _pen(c, x, y, rnd, n=7):
    p = c.beginPath()
    p.moveTo(x, y)
    for _ in range(n):
        x2 = x + rnd.uniform(12, 22)
        p.curveTo(x + rnd.uniform(-4, 8), y + rnd.uniform(8, 18), x2 + rnd.uniform(-8, 4), y + rnd.uniform(-14, -2),
                  x2, y + rnd.uniform(-3, 6))
        x = x2
    c.drawPath(p, stroke=1, fill=0)
    return x


def _signed_form_scan(path: Path, *, signed: bool = True, typed: bool = False, seed: int = 3, dpi: int = 200):
    """A scanned form: two lines of print, a signature line with the caption "Signature of
    applicant" under it and a "Date" line beside it; pen strokes on the signature line (OCR
    reads them as nothing), or a typed name there, or nothing. Returns the pen's box (user
    space) and the page rendered without the pen (to tell the pen's pixels from the rest)."""
    import pypdfium2 as pdfium
    from reportlab.pdfgen import canvas

    def draw(target: Path, pen: bool) -> float:
        rnd = random.Random(seed)
        c = canvas.Canvas(str(target), pagesize=(612, 792))
        c.setFont("Helvetica", 12)
        c.drawString(54, 700, "Application for a residential parking permit, Springfield.")
        c.drawString(54, 680, "I certify that the information given above is correct.")
        c.setLineWidth(0.8)
        c.line(54, 600, 270, 600)
        c.drawString(54, 586, "Signature of applicant")
        c.line(330, 600, 500, 600)
        c.drawString(330, 586, "Date")
        if typed:
            c.drawString(70, 606, "Harold Whitcombe")
        x1 = 0.0
        if pen:
            c.setLineWidth(1.6)
            x1 = _pen(c, 80, 606, rnd)
        c.save()
        return x1

    def scan(pdf: Path):
        doc = pdfium.PdfDocument(str(pdf))
        image = doc[0].render(scale=dpi / 72.0).to_pil().convert("L")
        doc.close()
        return image

    src = path.with_suffix(".src.pdf")
    x1 = draw(src, signed)
    image = scan(src)
    image.save(path, format="PDF", resolution=dpi)
    draw(src, False)
    clean = scan(src)
    src.unlink()
    return (74.0, 580.0, x1 + 12, 632.0), np.asarray(image), np.asarray(clean)


@pytest.mark.slow
@needs_tesseract
def test_pen_strokes_ocr_reads_as_nothing_are_burned_out(tmp_path):
    """Pen strokes on a signature line (the caption under it) that OCR reads as nothing are
    a SIGNATURE region: example-state burns them out of the page picture -- every pixel of the
    pen is under the box in the rendered release copy, and the page image's pixels in the
    region are uniform -- while the caption, the line's rest and the print are kept; the
    default policy flags the region for review."""
    src = tmp_path / "in"
    src.mkdir()
    pen, signed, clean = _signed_form_scan(src / "permit.pdf")
    report = _run(src, tmp_path / "out", "--policy", "example-state")
    doc = report["documents"][0]
    regions = [r for r in doc["redactions"] if r["entity"] == "SIGNATURE"]
    assert regions and all(r.get("region") for r in regions), doc["redactions"]
    assert all(r["recognizer"] == "SignatureInkByCaption" and r["exemptions"] == ["7(1)(c)"] for r in regions)
    boxes = [b for r in regions for b in r["release_bbox"]]
    assert all(_contains(pen, b, tol=2) for b in boxes)  # no wider than the pen's place
    out = tmp_path / "out" / "permit.pdf"
    # Every pixel of the pen (dark in the signed scan, paper in the unsigned one) is, in the
    # rendered copy, inside a box, and nothing dark is left of it outside the boxes.
    dpi = 200.0
    rendered = _render(out, dpi)
    pen_px = (signed < 128) & (clean > 200)
    assert pen_px.sum() > 200
    under = np.zeros_like(pen_px)
    for b in boxes:
        under[_px(b, dpi)] = True
    assert (pen_px & ~under).sum() <= 0.01 * pen_px.sum()
    assert (rendered[pen_px & ~under] < 128).sum() == 0
    # the page image's own pixels in the region are uniform (burned, not covered)
    with pikepdf.open(out) as pdf:
        (name, raw), = [(k, v) for k, v in pdf.pages[0].Resources.XObject.items()
                        if v.get("/Subtype") == "/Image" and int(v.Width) > 1000]
        pixels = np.asarray(pikepdf.PdfImage(raw).as_pil_image().convert("L"))
    s = pixels.shape[1] / 612.0
    for b in boxes:
        inner = (slice(int((792 - b[3]) * s) + 2, int((792 - b[1]) * s) - 2), slice(int(b[0] * s) + 2, int(b[2] * s) - 2))
        assert pixels[inner].max() == pixels[inner].min()
    text = " ".join(text_pdfium(out).split())
    assert "Signature of applicant" in text and "Date" in text and "certify that the information" in text
    report = _run(src, tmp_path / "default")
    doc = report["documents"][0]
    flagged = [k for k in doc["kept"] if k["entity"] == "SIGNATURE" and k.get("region")]
    assert flagged and all(k["needs_review"] and k["bbox"] for k in flagged)
    assert doc["status"] == "needs_review"


@pytest.mark.slow
@needs_tesseract
@pytest.mark.parametrize("kind", ["unsigned", "typed"])
def test_no_signature_region_without_pen_strokes(tmp_path, kind):
    """An empty signature line, or one with a typed name OCR reads with confidence, is no
    signature region."""
    src = tmp_path / "in"
    src.mkdir()
    _signed_form_scan(src / "permit.pdf", signed=False, typed=kind == "typed")
    from redactor.formats.pdf.read import read_pdf
    from redactor.detect import _signature_findings

    document = read_pdf(src / "permit.pdf")
    page = document.pages[0]
    assert page.ocr is not None and "Signature" in page.text
    assert page.ocr.signature_ink == ()
    assert not [f for f in _signature_findings(page) if f.is_region]


# ----------------------------------------------------------------------------- real records


@pytest.mark.slow
def test_real_records_signature_regions_are_small_and_by_their_anchor(corpus):
    """On the shared corpus's text-layer records (court filings with signature blocks, forms,
    newsletters with photographs and logos), every picture taken for a signature is small and
    by a caption, line or block, and no logo, photograph or chart of a record without a
    signature anchor is taken: the records listed here have none."""
    from redactor.detect import _signature_findings
    from redactor.formats.pdf.read import read_pdf

    none_expected = ["records/ag-energy-round-up-2017-02-24.pdf", "records/ca-warn-report.pdf",
                     "records/federal-register-2020-17221.pdf", "records/san-jose-pd-firearm-sample.pdf",
                     "records/wi-dsp-milw-505-90d.pdf", "hostile/formxobject.pdf"]
    checked = 0
    for rel in none_expected:
        path = corpus / rel
        if not path.exists():
            continue
        document = read_pdf(path, ocr=False)
        for page in document.pages:
            found = [f for f in _signature_findings(page) if f.is_region]
            assert not found, (rel, page.number, [f.explanation for f in found])
        checked += 1
    if not checked:
        pytest.skip("none of the records is in the corpus")


@pytest.mark.slow
@needs_tesseract
def test_pen_strokes_on_a_scanned_image_are_burned_out(tmp_path):
    """The same signed form as a PNG scan: the pen strokes are a SIGNATURE region, and every
    pen pixel is under a box in the released picture (compared pixel for pixel)."""
    from PIL import Image

    src = tmp_path / "in"
    src.mkdir()
    _, signed, clean = _signed_form_scan(tmp_path / "permit.pdf")
    Image.fromarray(signed).save(src / "permit.png", dpi=(200, 200))
    report = _run(src, tmp_path / "out", "--policy", "example-state")
    doc = report["documents"][0]
    regions = [r for r in doc["redactions"] if r["entity"] == "SIGNATURE" and r.get("region")]
    assert regions, doc["redactions"]
    out = np.asarray(Image.open(tmp_path / "out" / "permit.png").convert("L"))
    assert out.shape == signed.shape
    pen_px = (signed < 128) & (clean > 200)
    under = np.zeros_like(pen_px)
    for r in regions:
        for b in r["release_bbox"]:
            under[_px(b, 200.0)] = True
    assert (pen_px & ~under).sum() <= 0.01 * pen_px.sum()
    # nothing of the pen is left outside the boxes, and the print outside them is as it was
    assert (out[pen_px & ~under] < 128).sum() == 0
    far = np.ones_like(pen_px)
    for r in doc["redactions"]:
        for b in r["release_bbox"]:
            m = 2.0 + 0.25 * (b[3] - b[1])  # the image writer pads a box by a fifth of its height
            far[_px((b[0] - m, b[1] - m, b[2] + m, b[3] + m), 200.0)] = False
    assert np.array_equal(out[far], signed[far])


# ----------------------------------------------------------------------------- DOCX


def _docx_letter(path: Path, signed: str | None) -> tuple[bytes, bytes]:
    """A letter in Word: a logo in the first paragraph, the body, and by ``signed`` a
    signature picture in a signature block ("block": between "Sincerely," and the typed name)
    or above a "Signature" caption ("caption"), or none. Returns the picture files' bytes
    (signature, logo)."""
    import docx
    from docx.shared import Inches

    def png(img) -> bytes:
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        return buf.getvalue()

    sig, logo = png(_scribble()), png(_logo())
    d = docx.Document()
    d.add_picture(io.BytesIO(logo), width=Inches(0.8), height=Inches(0.8))
    d.add_paragraph("Springfield Department of Public Works")
    for line in BODY:
        d.add_paragraph(line)
    if signed:
        d.add_picture(io.BytesIO(sig), width=Inches(2.0), height=Inches(0.6))
        if signed == "caption":
            d.add_paragraph("Signature")
    d.add_paragraph("Harold Q. Whitcombe")
    d.add_paragraph("Permit Applicant")
    d.save(str(path))
    return sig, logo


def _members(path: Path) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


@pytest.mark.slow
@pytest.mark.parametrize("signed", ["block", "caption"])
def test_docx_signature_picture_is_withheld_by_policy(tmp_path, signed):
    """A picture in a Word letter's signature block (or above a "Signature" caption) is a
    SIGNATURE region: example-state replaces the picture's data (no member of the copy holds
    its bytes), the logo and the letter's text are released; the default policy flags it."""
    src = tmp_path / "in"
    src.mkdir()
    sig, logo = _docx_letter(src / "letter.docx", signed)
    report = _run(src, tmp_path / "out", "--policy", "example-state")
    doc = report["documents"][0]
    regions = [r for r in doc["redactions"] if r["entity"] == "SIGNATURE"]
    assert len(regions) == 1 and regions[0]["region"] is True, doc
    assert regions[0]["where"].startswith("embedded image") and regions[0]["rule"] == "signatures"
    assert doc["status"] == "redacted", doc
    members = _members(tmp_path / "out" / "letter.docx")
    assert sig not in members.values() and logo in members.values()
    body = members["word/document.xml"].decode()
    assert "Sincerely," in body and "Permit Applicant" in body
    report = _run(src, tmp_path / "default")
    doc = report["documents"][0]
    assert [k["region"] for k in doc["kept"] if k["entity"] == "SIGNATURE"] == [True]
    assert doc["status"] == "needs_review"


@pytest.mark.slow
def test_docx_logo_is_no_signature(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    _, logo = _docx_letter(src / "letter.docx", None)
    report = _run(src, tmp_path / "out", "--policy", "example-state")
    doc = report["documents"][0]
    assert not [r for r in doc["redactions"] + doc["kept"] if r["entity"] == "SIGNATURE"]
    assert logo in _members(tmp_path / "out" / "letter.docx").values()


def _variant_scan(path: Path, variant: str, mode: str, dpi: int, seed: int = 5):
    """Scanned affidavits signed in other ways: ``right`` (pen right of "Signed:", a date
    further along the line), ``sincerely`` (under a closing, on a line over the typed name),
    ``crossing`` (heavy strokes across the line over a "Signature" caption), ``empty`` (the
    line unsigned) and ``checkbox`` (a small printed box on the line, no pen). ``mode`` "1"
    makes the scan bilevel. Returns the scan's pixels with and without the pen."""
    import pypdfium2 as pdfium
    from reportlab.pdfgen import canvas

    def draw(target: Path, pen: bool):
        rnd = random.Random(seed)
        c = canvas.Canvas(str(target), pagesize=(612, 792))
        c.setFont("Helvetica", 12)
        c.drawString(54, 700, "Affidavit of service, Springfield County Court, case 24-CV-1187.")
        c.drawString(54, 680, "I declare under penalty of perjury that the foregoing is true.")
        if variant == "right":
            c.drawString(54, 600, "Signed:")
            c.drawString(360, 600, "Date: March 3, 2024")
            c.setLineWidth(1.6)
            pen and _pen(c, 110, 602, rnd)
        elif variant == "sincerely":
            c.drawString(54, 620, "Sincerely,")
            c.setLineWidth(0.8)
            c.line(54, 570, 250, 570)
            c.drawString(54, 556, "Margaret Okonkwo")
            c.setLineWidth(1.6)
            pen and _pen(c, 60, 585, rnd, n=9)
        else:
            c.setLineWidth(0.8)
            c.line(54, 600, 300, 600)
            c.drawString(54, 586, "Signature")
            c.drawString(330, 586, "Date")
            if variant == "checkbox":
                c.rect(80, 606, 8, 8)
            c.setLineWidth(2.2)
            pen and variant == "crossing" and _pen(c, 70, 598, rnd, n=10)
        c.save()
        doc = pdfium.PdfDocument(str(target))
        img = doc[0].render(scale=dpi / 72.0).to_pil().convert("L")
        doc.close()
        if mode == "1":
            img = img.point(lambda v: 255 if v > 160 else 0).convert("1")
        return img

    src = path.with_suffix(".src.pdf")
    signed = draw(src, True)
    clean = draw(src, False)
    src.unlink()
    signed.save(path, format="PDF", resolution=dpi)
    return np.asarray(signed.convert("L")), np.asarray(clean.convert("L"))


@pytest.mark.slow
@needs_tesseract
@pytest.mark.parametrize("variant,mode,dpi", [("right", "1", 300), ("crossing", "L", 300), ("sincerely", "L", 200),
                                              ("empty", "1", 200), ("checkbox", "L", 300)])
def test_pen_strokes_found_whole_in_other_layouts(tmp_path, variant, mode, dpi):
    """Whatever the caption, line or closing, grey or bilevel, 200 or 300 dpi: every pixel of
    the pen lies in the SIGNATURE regions found; an unsigned line or a printed checkbox gives
    none."""
    from redactor.detect import _signature_findings
    from redactor.formats.pdf.read import read_pdf

    signed, clean = _variant_scan(tmp_path / "scan.pdf", variant, mode, dpi)
    page = read_pdf(tmp_path / "scan.pdf").pages[0]
    regions = [f.region for f in _signature_findings(page) if f.is_region]
    pen = (signed < 128) & (clean > 200)
    if variant in ("empty", "checkbox"):
        assert pen.sum() == 0 and regions == []
        return
    assert pen.sum() > 200 and regions
    under = np.zeros_like(pen)
    for b in regions:
        under[_px(b, float(dpi))] = True
    assert (pen & ~under).sum() <= 0.005 * pen.sum()
    # and no wider than the pen's own extent plus a margin
    ys, xs = np.nonzero(pen)
    s = dpi / 72.0
    for b in regions:
        assert b[0] >= xs.min() / s - 6 and b[2] <= (xs.max() + 1) / s + 6


def test_docx_pictures_read_with_their_place(tmp_path):
    """The DOCX reader records where each picture is drawn (its size, the paragraphs round
    it), and the rules tell the signature in a signature block from the letterhead's logo."""
    from redactor.detect import _signature_findings
    from redactor.formats.docx import DocxFormat
    from redactor.settings import Settings
    from recognizers.signatures import signature_picture_in_text

    sig, logo = _docx_letter(tmp_path / "letter.docx", "block")
    document = DocxFormat().read(tmp_path / "letter.docx", Settings())
    pictures = {p.pictures[0].sha256: p for p in document.pages if p.pictures}
    s_page, l_page = pictures[hashlib.sha256(sig).hexdigest()], pictures[hashlib.sha256(logo).hexdigest()]
    (s_pic,) = s_page.pictures
    assert s_pic.box == pytest.approx((0, 0, 144, 43.2)) and s_pic.before[0] == "Sincerely,"
    assert s_pic.after[0] == "Harold Q. Whitcombe" and s_pic.pixels == SIG_PIXELS
    assert [f.region for f in _signature_findings(s_page)] == [(0.0, 0.0, 144.0, 43.2)]
    assert _signature_findings(l_page) == []
    # captioned beside, under or above; a closing alone, or a name alone, is not enough
    assert signature_picture_in_text(144, 43, "", ("Sincerely,",), ("Signature",)) == "captioned 'Signature' under it"
    assert signature_picture_in_text(144, 43, "/s/", (), ()) == "captioned '/s/' beside it"
    assert signature_picture_in_text(144, 43, "", ("Sincerely,",), ("Permit application 2024-117",)) is None
    assert signature_picture_in_text(144, 43, "", ("Dear Resident,",), ("Harold Q. Whitcombe",)) is None
    assert signature_picture_in_text(60, 60, "", ("Signature",), ()) is None  # a seal's square


def test_the_same_signature_picture_elsewhere_is_withheld_too(tmp_path):
    """A signature picture drawn again on a later page without any caption (the same image
    object: initials on every page) is a signature there too, so the copy holds none of it
    (verification would fail the copy otherwise)."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from redactor.detect import _same_pictures, _signature_findings
    from redactor.formats.pdf.read import read_pdf

    path = tmp_path / "two.pdf"
    c = canvas.Canvas(str(path), pagesize=(612, 792))
    sig = ImageReader(_scribble())
    c.drawString(54, 700, "I agree to the terms above.")
    c.drawImage(sig, 54, 600, width=144, height=44)
    c.drawString(54, 586, "Signature")
    c.showPage()
    c.drawString(54, 700, "Schedule A, continued.")
    c.drawImage(sig, 400, 60, width=72, height=22)
    c.save()
    document = read_pdf(path, ocr=False)
    first = [f for p in document.pages for f in _signature_findings(p) if f.is_region]
    assert [f.page for f in first] == [1]
    (again,) = _same_pictures(document, first)
    assert again.page == 2 and again.region == (399.0, 59.0, 473.0, 83.0) and "page 1" in again.explanation
