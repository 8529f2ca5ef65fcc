"""Scanned images as files (PNG, JPEG, multi-page TIFF): OCR in, boxes burned into the
pixels, metadata gone, and the release copy read again by Tesseract (called here directly,
not through redactor's OCR code) holds no withheld value while the kept text is found."""

from __future__ import annotations

import json
import subprocess
from email.message import EmailMessage
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from typer.testing import CliRunner

from redactor import ocr
from redactor.cli import app
from redactor.formats import for_file
from redactor.formats.image import pixels

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
needs_tesseract = pytest.mark.skipif(not ocr.available(), reason="tesseract is not installed")

NAME, SSN = "Margaret Holloway", "512-43-7789"
PAGE1 = ["Incident report filed by the county office.", f"Complainant: {NAME}", f"SSN: {SSN}",
         "The office reviewed the matter on 12 March 2021."]
PAGE2 = ["Second page of the record.", "Witness: Daniel Okafor was present."]
KEPT = ["Incident report filed by the county office", "reviewed the matter"]


def _font(size: int):
    return ImageFont.truetype(str(FONT), size) if FONT.is_file() else ImageFont.load_default(size=size)


def page(lines: list[str], size=(1700, 700)) -> Image.Image:
    """A 300 dpi scan of ``lines`` (10 pt text)."""
    im = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(im)
    for i, line in enumerate(lines):
        draw.text((100, 80 + 100 * i), line, fill="black", font=_font(42))
    return im


def artist_exif(value: str) -> Image.Exif:
    exif = Image.Exif()
    exif[0x013B] = value  # Artist
    exif[0x010E] = f"scan of a complaint by {value}"  # ImageDescription
    return exif


def tesseract(path: Path) -> str:
    """Every page of the image read by the tesseract program itself."""
    out = []
    with Image.open(path) as im:
        for i in range(getattr(im, "n_frames", 1)):
            im.seek(i)
            png = path.parent / f".{path.stem}-{i}.png"
            im.convert("L").save(png)
            out.append(subprocess.run(["tesseract", str(png), "-", "--psm", "3"], capture_output=True,
                                      text=True).stdout)
            png.unlink()
    return "\n".join(out)


def squeeze(s: str) -> str:
    return "".join(ch for ch in s.lower() if ch.isalnum())


def run(tmp_path: Path, *inputs: Path) -> tuple[Path, dict, object]:
    out = tmp_path / "release"
    result = CliRunner().invoke(app, ["run", *map(str, inputs), "--out", str(out)])
    report = json.loads((out / "report.json").read_text())
    return out, report, result


def documents(report: dict) -> dict[str, dict]:
    return {Path(d["source"]).name: d for d in report["documents"]}


def assert_released_clean(copy: Path, kind: str) -> str:
    with Image.open(copy) as im:
        assert im.format == kind
        assert len(im.getexif()) == 0 or kind == "TIFF"
        assert pixels.metadata_kinds(im) == []
        blob = json.dumps({k: str(v) for k, v in im.info.items()})
        assert "Holloway" not in blob
    raw = copy.read_bytes()
    assert b"Holloway" not in raw and b"Artist" not in raw
    seen = squeeze(tesseract(copy))
    assert squeeze(NAME) not in seen and "Holloway".lower() not in seen
    assert squeeze(SSN) not in seen
    for k in KEPT:
        assert squeeze(k) in seen, k
    return seen


def test_sniffing_by_magic_bytes(tmp_path):
    for kind, name in (("PNG", "x.dat"), ("JPEG", "x.png"), ("TIFF", "x")):
        p = tmp_path / name
        Image.new("L", (40, 40), 255).save(p, format=kind)
        assert for_file(p).name == "image"
        assert pixels.kind_of(p.read_bytes()[:16]) == kind
    gif = tmp_path / "x.gif"
    Image.new("L", (40, 40), 255).save(gif, format="GIF")
    with pytest.raises(Exception, match="GIF"):
        for_file(gif)


def test_box_merge_and_label_fit():
    merged = pixels.merge([((0, 0, 10, 10), "(b)(6)"), ((8, 0, 20, 10), "(b)(7)(C)"), ((50, 50, 60, 60), "(b)(6)")])
    assert merged == [((0, 0, 20, 10), "(b)(6); (b)(7)(C)"), ((50, 50, 60, 60), "(b)(6)")]
    box = pixels.render_box("L", (200, 40), "(b)(6)")
    colours = dict((c, n) for n, c in box.getcolors())
    assert set(colours) - {0, 255} and colours[0] > colours.get(255, 0)  # a label, mostly box
    # The margin is never reached by the label: the border ring is all box.
    ring = [box.getpixel((x, y)) for x in range(200) for y in (0, 1, 38, 39)]
    assert set(ring) == {0}
    tiny = pixels.render_box("1", (10, 6), "(b)(6)")
    assert tiny.getcolors() == [(60, 0)]  # too small for a label: all box


@needs_tesseract
def test_png_name_and_ssn_gone_kept_text_found_metadata_gone(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    page(PAGE1).save(src / "scan.png", dpi=(300, 300), exif=artist_exif(NAME))
    out, report, result = run(tmp_path, src / "scan.png")
    doc = documents(report)["scan.png"]
    assert doc["status"] == "redacted", result.output
    assert assert_released_clean(out / "scan.png", "PNG")
    assert doc["ocr_pages"][0]["confidence"] > 80
    entities = {r["entity"] for r in doc["redactions"]}
    assert {"PERSON", "US_SSN"} <= entities
    assert all(r.get("ocr_confidence") for r in doc["redactions"])
    assert any("metadata removed: EXIF" in n for n in doc["notes"])
    assert (src / "scan.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # input untouched
    with Image.open(src / "scan.png") as im:
        assert im.getexif()[0x013B] == NAME


@needs_tesseract
@pytest.mark.slow
def test_jpeg(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    page(PAGE1).save(src / "scan.jpg", dpi=(300, 300), exif=artist_exif(NAME), quality=90)
    out, report, result = run(tmp_path, src / "scan.jpg")
    assert documents(report)["scan.jpg"]["status"] == "redacted", result.output
    assert_released_clean(out / "scan.jpg", "JPEG")


@needs_tesseract
@pytest.mark.slow
def test_multipage_tiff_grey_and_bilevel(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    first = page(PAGE1).convert("L")
    second = page(PAGE2 + [f"Complaint filed by {NAME}."]).convert("1")
    first.save(src / "record.tif", dpi=(300, 300), save_all=True, append_images=[second],
               compression="tiff_lzw", tiffinfo={315: NAME, 270: f"complaint of {NAME}"})
    out, report, result = run(tmp_path, src / "record.tif")
    doc = documents(report)["record.tif"]
    assert doc["status"] == "redacted", result.output
    assert doc["pages"] == 2 and [p["page"] for p in doc["ocr_pages"]] == [1, 2]
    seen = assert_released_clean(out / "record.tif", "TIFF")
    assert squeeze("Second page of the record") in seen
    with Image.open(out / "record.tif") as im:
        assert im.n_frames == 2
        for i in range(2):
            im.seek(i)
            assert set(im.tag_v2) <= pixels.STRUCTURAL_TIFF_TAGS
        assert im.mode == "1"  # the bilevel page stays bilevel
        im.seek(0)
        assert im.mode == "L"


@needs_tesseract
@pytest.mark.slow
def test_email_with_logo_attachment_is_released_not_reviewed(tmp_path):
    logo = tmp_path / "logo.png"
    im = Image.new("RGBA", (120, 60), (0, 0, 0, 0))
    ImageDraw.Draw(im).ellipse((10, 5, 110, 55), fill=(20, 60, 160, 255))
    im.save(logo, pnginfo=_png_text("Author", "Margaret Holloway"))
    msg = EmailMessage()
    msg["From"] = "Permits Office <permits@riverton.gov>"
    msg["To"] = "Records Desk <records@riverton.gov>"
    msg["Subject"] = "Hearing schedule"
    msg["Date"] = "Tue, 01 Oct 2024 10:00:00 +0000"
    msg.set_content("The hearing is on 12 November 2024.\n")
    msg.add_attachment(logo.read_bytes(), maintype="image", subtype="png", filename="logo.png")
    src = tmp_path / "in"
    src.mkdir()
    (src / "msg.eml").write_bytes(msg.as_bytes())
    out, report, result = run(tmp_path, src / "msg.eml")
    doc = documents(report)["msg.eml"]
    assert doc["status"] in ("unchanged", "redacted"), (doc["status"], doc.get("error"), result.output)
    released = (out / "msg.eml").read_bytes()
    assert b"Holloway" not in released
    from email import policy as email_policy
    from email.parser import BytesParser

    parsed = BytesParser(policy=email_policy.default).parsebytes(released)
    parts = [p for p in parsed.iter_attachments() if p.get_content_type() == "image/png"]
    assert len(parts) == 1
    path = tmp_path / "released-logo.png"
    path.write_bytes(parts[0].get_content())
    with Image.open(path) as again, Image.open(logo) as before:
        assert again.size == before.size and not getattr(again, "text", {})
        assert again.convert("RGBA").tobytes() == before.convert("RGBA").tobytes()


def _png_text(key: str, value: str):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text(key, value)
    return info


def test_corrupt_image_is_one_line_error_and_batch_goes_on(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    good = page(["Nothing private here at all."], size=(900, 200))
    data = (tmp_path / "tmp.png")
    good.save(data, dpi=(300, 300))
    (src / "broken.png").write_bytes(data.read_bytes()[:300])  # cut short
    (src / "notes.txt").write_text("The office reviewed the matter on 12 March 2021.\n")
    out, report, result = run(tmp_path, src)
    docs = documents(report)
    assert docs["broken.png"]["status"] == "failed"
    error = docs["broken.png"]["error"]
    assert error and "\n" not in error and "image" in error
    assert docs["notes.txt"]["status"] == "unchanged"
    assert (out / "notes.txt").is_file() and not (out / "broken.png").exists()


def _hand_plan(src: Path, kind: str):
    """A plan withholding one box of a generated image, without OCR (the verifier then checks
    pixels and metadata only)."""
    from redactor.formats.base import sha256_file
    from redactor.model import Action, Decision, Document, Finding, Page, Plan, Redaction

    page(["Name: Jane Roe Example"], size=(900, 200)).save(src, format=kind, dpi=(300, 300))
    width, height = 900 * 72 / 300, 200 * 72 / 300
    value = "Jane Roe Example"
    f = Finding(page=1, start=6, end=6 + len(value), text=value, entity="PERSON", score=0.9, recognizer="test")
    d = Decision(finding=f, action=Action.REDACT, rule="test", exemptions=["(b)(6)"], reason="test")
    box = (35.0, 20.0, 110.0, 32.0)
    doc = Document(source=src, format="image", sha256=sha256_file(src),
                   pages=[Page(number=1, text=f"Name: {value}", char_boxes=[box] * 22, width=width,
                               height=height, has_text_layer=False, image_count=1)])
    return Plan(document=doc, redactions=[Redaction(1, 6, 6 + len(value), value, [box], d)], kept=[],
                policy_name="test")


@pytest.mark.parametrize("kind, suffix", [("PNG", ".png"), ("JPEG", ".jpg"), ("TIFF", ".tif")])
def test_verifier_accepts_the_written_copy_and_catches_tampering(tmp_path, kind, suffix):
    from redactor.formats.image import ImageFormat

    plan = _hand_plan(tmp_path / f"in{suffix}", kind)
    fmt, out = ImageFormat(), tmp_path / f"out{suffix}"
    written = fmt.write(plan, out, None)
    assert fmt.verify(plan, out, written) == []
    with Image.open(out) as im:
        clean = im.copy()
    # A box with the original pixels showing through part of it.
    with Image.open(plan.document.source) as original:
        rect = pixels.page_boxes(plan, 1, original.size)[0][0]
        holed = clean.copy()
        holed.paste(original.crop((rect[0], rect[1], rect[0] + 60, rect[3])).convert(clean.mode), rect[:2])
    holed.save(out, format=kind, dpi=(300, 300), **({"quality": 95} if kind == "JPEG" else {}))
    problems = fmt.verify(plan, out, written)
    assert any("box 1" in p and "not the opaque box" in p for p in problems), problems
    # Metadata holding the withheld value.
    clean.save(out, format=kind, dpi=(300, 300), exif=artist_exif("Jane Roe Example"))
    problems = fmt.verify(plan, out, written)
    assert any("metadata remains" in p for p in problems), problems
    assert any("metadata holds a withheld value" in p for p in problems), problems
    assert not any("Jane" in p for p in problems)  # problems say where, never what


def test_page_withheld_in_full_is_one_labelled_box(tmp_path):
    import dataclasses

    from redactor.formats.image import ImageFormat

    plan = _hand_plan(tmp_path / "in.png", "PNG")
    plan = dataclasses.replace(plan, redactions=[], withheld_pages={1: plan.redactions[0].decision})
    out = tmp_path / "out.png"
    written = ImageFormat().write(plan, out, None)
    assert ImageFormat().verify(plan, out, written) == []
    with Image.open(out) as im:
        counts = dict((c, n) for n, c in im.convert("L").getcolors(256 * 256))
        assert counts[0] > 0.9 * im.width * im.height and 255 in counts  # black, with its label


def test_exif_orientation_is_applied_then_dropped(tmp_path):
    from redactor.formats.image import ImageFormat

    src = tmp_path / "photo.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned a quarter clockwise
    Image.new("RGB", (300, 120), "white").save(src, exif=exif, dpi=(300, 300))
    scan = pixels.load(src)
    assert scan.pages[0].size == (120, 300) and scan.metadata == ["EXIF"]
    from redactor.formats.base import sha256_file
    from redactor.model import Document, Page, Plan

    doc = Document(source=src, format="image", sha256=sha256_file(src),
                   pages=[Page(number=1, text="", char_boxes=[], width=28.8, height=72.0, has_text_layer=False,
                               image_count=1)])
    plan = Plan(document=doc, redactions=[], kept=[], policy_name="test")
    out = tmp_path / "out.jpg"
    written = ImageFormat().write(plan, out, None)
    assert written.notes == ("metadata removed: EXIF",)
    with Image.open(out) as im:
        assert im.size == (120, 300) and len(im.getexif()) == 0  # upright as it was shown
