"""Scanned records end to end: OCR -> the same detection and policy -> pixels removed, a
searchable release copy whose text layer and whose rendered pages (read again by Tesseract,
run here independently of redactor's own OCR code) hold no withheld value, while the kept
text is still found."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess

import jsonschema
import pikepdf
import pytest
from hypothesis import given, settings as hsettings, strategies as st
from typer.testing import CliRunner

from redactor import ocr
from redactor.cli import app
from redactor.formats.pdf.ocr_layer import add_text_layer, runs, strip_invisible_text
from redactor.report import report_schema
from pdftools import all_texts, squeeze
from scans import make_scanned_record

needs_tesseract = pytest.mark.skipif(not ocr.available(), reason="tesseract is not installed")

PAGE1 = ["Incident report 2024-0117, Springfield Police Department",
         "Witness Margaret Okonkwo, SSN 512-43-7789, lives at",
         "4127 Maple Avenue, Springfield, IL 62704.",
         "She called the department on March 3, 2024 about the vehicle."]
PAGE2 = ["Follow-up interview held on March 9, 2024 at the station.",
         "Second witness Thomas Whitfield, SSN 623-51-4410, confirmed",
         "that Margaret Okonkwo was present at the scene."]
WITHHELD = ["Okonkwo", "512-43-7789", "Whitfield", "623-51-4410", "4127 Maple"]
KEPT = ["Springfield Police Department", "Incident report", "Follow-up interview", "confirmed"]


def _tesseract_text(pdf, tmp):
    """The scorer's way: poppler renders at 300 dpi grey, tesseract --psm 3; each page also
    turned a quarter, a half and three quarters, so a page scanned sideways is read too."""
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", str(pdf), str(tmp / "p")], check=True)
    out = []
    for png in sorted(tmp.glob("p-*.png")):
        for turn in (0, 90, 180, 270):
            img = tmp / f"t{turn}.png"
            Image.open(png).rotate(turn, expand=True).save(img)
            out.append(subprocess.run(["tesseract", str(img), "-", "--psm", "3"], capture_output=True,
                                      text=True).stdout)
    return "\n".join(out)


@pytest.fixture(scope="module")
def scanned_run(tmp_path_factory):
    if not ocr.available():
        pytest.skip("tesseract is not installed")
    src = tmp_path_factory.mktemp("in")
    make_scanned_record(src / "report.pdf", [(PAGE1, dict(dpi=200, size=13.0)),
                                             (PAGE2, dict(dpi=300, mode="1", turn=90, size=13.0))])
    out = tmp_path_factory.mktemp("out") / "release"
    result = CliRunner().invoke(app, ["run", str(src), "--out", str(out)])
    return src, out, result


@pytest.mark.slow
def test_scanned_record_is_released_with_nothing_withheld_readable(scanned_run, tmp_path):
    _, out, result = scanned_run
    copy = out / "report.pdf"
    assert copy.is_file(), result.output
    texts = all_texts(copy)
    for name, text in texts.items():
        flat = squeeze(text)
        for v in WITHHELD:
            assert squeeze(v) not in flat, f"{name} reads a withheld value"
    # Searchable: the kept text is in the new text layer.
    for k in KEPT:
        assert squeeze(k) in squeeze(texts["pdfium"]), k
    seen = squeeze(_tesseract_text(copy, tmp_path))
    for v in WITHHELD:
        assert squeeze(v) not in seen
    for k in KEPT:
        assert squeeze(k) in seen, k


@pytest.mark.slow
def test_scanned_record_report_gives_ocr_pages_and_confidences(scanned_run):
    _, out, _ = scanned_run
    report = json.loads((out / "report.json").read_text())
    jsonschema.validate(report, report_schema())
    (doc,) = report["documents"]
    assert doc["status"] in ("redacted", "needs_review")
    pages = {p["page"]: p for p in doc["ocr_pages"]}
    assert set(pages) == {1, 2} and all(p["kind"] == "no text layer" for p in pages.values())
    assert pages[1]["confidence"] > 80 and pages[2]["orientation"] in (90, 270)
    assert doc["redactions"] and all(0 <= r["ocr_confidence"] <= 100 for r in doc["redactions"])
    # Names on the sideways page are covered by one box per line, not one per letter.
    assert all(len(r["release_bbox"]) == 1 for r in doc["redactions"] if r["page"] == 2)
    assert {r["page"] for r in doc["redactions"] if r["entity"] == "US_SSN"} == {1, 2}
    assert not any("Okonkwo" in json.dumps(r) for r in doc["redactions"])  # the report never repeats a value


@pytest.mark.slow
def test_ocr_check_reads_a_value_left_in_the_pixels(scanned_run):
    """The release check reads the rendered pages again round each box, each page the way up
    planning read it: handed the input (nothing burned) as if it were the release copy, it
    reads withheld values on both pages, the sideways one too, and says where, not what; the
    real release copy passes."""
    from pathlib import Path

    from redactor.formats.pdf.verify import check_ocr
    from redactor.ingest import InputFile
    from redactor.pipeline import plan_document
    from redactor.policy import load_policy
    from redactor.settings import Settings
    from redactor.values import withheld_values

    src, out, _ = scanned_run
    plan = plan_document(InputFile(src / "report.pdf", Path("report.pdf"), "pdf"), Settings(), load_policy())
    values = withheld_values(plan)
    assert {p.ocr.orientation for p in plan.document.pages} == {0, 90} or \
        {p.ocr.orientation for p in plan.document.pages} == {0, 270}
    assert check_ocr(out / "report.pdf", plan, values) == []
    problems = check_ocr(src / "report.pdf", plan, values)
    leaked = {p.split(":")[0] for p in problems if "reads a withheld value" in p}
    assert leaked == {"page 1", "page 2"}, problems
    assert not any(squeeze(v) in squeeze(p) for p in problems for v in WITHHELD)


def _image_page_with_ocr_layer(path, words):
    """A picture under an invisible text layer drawn in the page and in a form XObject, as
    OCR tools leave it, then visible text."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    image = pikepdf.Stream(pdf, b"\x80" * 64, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=8,
                           Height=8, ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=8)
    form = pikepdf.Stream(pdf, b"BT 3 Tr /F1 12 Tf 20 60 Td (formtext Okonkwo) Tj ET", Type=pikepdf.Name.XObject,
                          Subtype=pikepdf.Name.Form, BBox=[0, 0, 300, 200],
                          Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)))
    lines = b" ".join(pikepdf.String(w).unparse() + b" '" for w in words)
    content = (b"q 300 0 0 200 0 0 cm /Im Do Q\nBT /F1 12 Tf 14 TL 20 150 Td 3 Tr " + lines + b" ET\n"
               b"/Fm Do\nBT 0 Tr /F1 12 Tf 20 20 Td (visible words stay) Tj ET\n")
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 300, 200], Contents=pdf.make_stream(content),
                              Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font),
                                                           XObject=pikepdf.Dictionary(Im=image, Fm=form)))
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(path)


def test_ocr_layer_stripped_and_rebuilt_from_kept_words(tmp_path):
    """Fast: the old invisible layer goes (page and form), visible text stays; the new layer
    holds the kept words only, each where its boxes say."""
    import pypdfium2 as pdfium

    src, dst = tmp_path / "in.pdf", tmp_path / "out.pdf"
    _image_page_with_ocr_layer(src, ["Margaret Okonkwo", "hidden words"])
    text = "Case of Margaret Okonkwo\nfiled"
    boxes = [(50.0 + 6 * i, 100.0, 55.0 + 6 * i, 110.0) if not ch.isspace() else None for i, ch in enumerate(text)]
    okonkwo = text.index("Okonkwo")
    items = runs(text, boxes, [(okonkwo, okonkwo + 7)])
    assert [t for t, _ in items] == ["Case", "of", "Margaret", "filed"]
    # A box drawn over "Okonkwo" that OCR's boxes of "Margaret" reach into: the letter under
    # it is not written, the letters beside it are written one by one over their own boxes.
    box = (boxes[okonkwo - 2][0] - 0.5, 100.0, boxes[okonkwo + 6][2], 110.0)
    near = runs(text, boxes, [(okonkwo, okonkwo + 7)], [box])
    assert [t for t, _ in near] == ["Case", "of", *"Margare", "filed"]
    with pikepdf.open(src) as pdf:
        page = pdf.pages[0]
        assert strip_invisible_text(pdf, page) >= 3
        add_text_layer(pdf, page, items)
        pdf.save(dst)
    doc = pdfium.PdfDocument(str(dst))
    tp = doc[0].get_textpage()
    got = tp.get_text_range()
    assert "Okonkwo" not in got and "hidden" not in got and "formtext" not in got
    assert "visible words stay" in got and "Margaret" in got and "filed" in got
    i = got.index("Margaret")
    l, b, r, t = tp.get_charbox(i)
    assert abs(l - boxes[text.index("Margaret")][0]) < 2 and 99 <= (b + t) / 2 <= 111
    doc.close()


@pytest.mark.slow
@needs_tesseract
def test_every_corpus_scan_gets_an_outcome(corpus, tmp_path):
    """Every file of scanned/ is released (possibly flagged for review), none fails."""
    d = corpus / "scanned"
    if not d.is_dir():
        pytest.skip("no scanned/ in the corpus")
    src = tmp_path / "in"
    shutil.copytree(d, src, ignore=shutil.ignore_patterns("*.tsv"))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(src), "--out", str(out)])
    report = json.loads((out / "report.json").read_text())
    for doc in report["documents"]:
        assert doc["status"] in ("redacted", "unchanged", "needs_review"), (doc["source"], doc["error"])
        assert doc["output"], (doc["source"], doc["error"])
        assert doc["ocr_pages"], doc["source"]
    assert result.exit_code in (0, 4), result.output


@pytest.mark.slow
@needs_tesseract
def test_picture_of_text_on_a_text_page_is_read_and_redacted(tmp_path):
    """A pasted screenshot on a text-layer page: its words are read, the SSN in it is
    withheld by removing its pixels, the text layer stays as it was, and the kept words of
    the picture are added to it invisibly (searchable)."""
    import pypdfium2 as pdfium
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    shot = tmp_path / "shot.pdf"
    make_scanned_record(shot, [(["Attached statement of witness Margaret Okonkwo", "SSN 512-43-7789 on file"],
                                dict(dpi=200, size=13.0, page=(400.0, 100.0)))])
    doc = pdfium.PdfDocument(str(shot))
    picture = doc[0].render(scale=200 / 72).to_pil().convert("L")
    doc.close()
    src = tmp_path / "in"
    src.mkdir()
    c = canvas.Canvas(str(src / "memo.pdf"), pagesize=(612, 792))
    c.setFont("Helvetica", 12)
    c.drawString(72, 720, "Memorandum for the Springfield Police Department records unit")
    c.drawImage(ImageReader(picture), 72, 500, width=400, height=100)
    c.save()
    out = tmp_path / "out"
    CliRunner().invoke(app, ["run", str(src), "--out", str(out)])
    report = json.loads((out / "report.json").read_text())
    (d,) = report["documents"]
    assert d["output"], d["error"]
    assert [p["kind"] for p in d["ocr_pages"]] == ["images"]
    assert any(r["entity"] == "US_SSN" and "ocr_confidence" in r for r in d["redactions"])
    seen = squeeze(_tesseract_text(out / "memo.pdf", tmp_path))
    assert "512437789" not in seen and "okonkwo" not in seen
    assert "springfieldpolicedepartment" in seen and "attachedstatement" in seen
    texts = all_texts(out / "memo.pdf")
    assert "Memorandum for the Springfield" in texts["pdfium"]
    # The kept words of the picture are searchable too; the withheld ones are in no text.
    assert "attachedstatement" in squeeze(texts["pdfium"])
    for name, text in texts.items():
        assert "512437789" not in squeeze(text) and "okonkwo" not in squeeze(text), name


def _signed_statement(path, seed=1, dpi=200):
    """A scanned statement signed by hand: a scribble of pen strokes right of a 'Signature:'
    caption (as OCR sees handwriting: a few marks read with next to no confidence)."""
    import random

    import pypdfium2 as pdfium
    from reportlab.pdfgen import canvas

    rnd = random.Random(seed)
    src = path.with_suffix(".src.pdf")
    c = canvas.Canvas(str(src), pagesize=(612, 792))
    c.setFont("Helvetica", 12)
    c.drawString(54, 700, "Statement of witness Margaret Okonkwo, taken on March 3, 2024.")
    c.drawString(54, 680, "I confirm that the statement above is true and complete.")
    c.drawString(54, 600, "Signature:")
    c.drawString(54, 560, "Date: March 3, 2024")
    c.setLineWidth(1.6)
    x, y = 130.0, 602.0
    pen = c.beginPath()
    pen.moveTo(x, y)
    for _ in range(7):
        x2 = x + rnd.uniform(12, 22)
        pen.curveTo(x + rnd.uniform(-4, 8), y + rnd.uniform(8, 20), x2 + rnd.uniform(-8, 4), y + rnd.uniform(-14, -2),
                    x2, y + rnd.uniform(-3, 6))
        x = x2
    c.drawPath(pen, stroke=1, fill=0)
    c.save()
    doc = pdfium.PdfDocument(str(src))
    doc[0].render(scale=dpi / 72.0).to_pil().convert("L").save(path, format="PDF", resolution=dpi)
    doc.close()
    src.unlink()
    return (125.0, 580.0, x + 12, 625.0)  # where the pen went (user space)


def _ink(pdf, box, dpi=100, outside=()):
    """Share of dark pixels of ``pdf``'s page 1 inside ``box`` (user space) and outside the
    boxes ``outside``, as rendered."""
    import numpy as np
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    img = np.asarray(doc[0].render(scale=dpi / 72.0, grayscale=True).to_pil().convert("L")).copy()
    doc.close()
    s, h = dpi / 72.0, img.shape[0]
    for b in outside:
        img[int(h - b[3] * s) - 1:int(h - b[1] * s) + 1, int(b[0] * s) - 1:int(b[2] * s) + 1] = 255
    part = img[int(h - box[3] * s):int(h - box[1] * s), int(box[0] * s):int(box[2] * s)]
    return float((part < 128).mean())


@pytest.mark.slow
@needs_tesseract
def test_signature_by_caption_is_withheld_by_policy_or_flagged(tmp_path):
    """Handwriting by a 'Signature:' caption is found as a SIGNATURE region: a policy that
    withholds signatures (example-state) burns it out of the page picture and says why in the
    report; the default policy releases it for a reviewer, with its place. The printed text
    round it is not touched by the signature rule."""
    src = tmp_path / "in"
    src.mkdir()
    pen = _signed_statement(src / "statement.pdf")
    out = tmp_path / "state"
    result = CliRunner().invoke(app, ["run", str(src), "--out", str(out), "--policy", "example-state"])
    doc = json.loads((out / "report.json").read_text())["documents"][0]
    sig = [r for r in doc["redactions"] if r["entity"] == "SIGNATURE"]
    assert sig, result.output
    assert all(r["rule"] == "signatures" and r["exemptions"] == ["7(1)(c)"] for r in sig)
    assert all(pen[0] - 6 <= b[0] and b[2] <= pen[2] + 6 for r in sig for b in r["release_bbox"])
    # The pen's strokes are gone: round the boxes (now black, with their label) hardly any
    # ink is left of what was there.
    boxes = [b for r in sig for b in r["release_bbox"]]
    before = _ink(src / "statement.pdf", pen)
    assert before > 0.02
    assert _ink(out / "statement.pdf", pen, outside=boxes) < 0.25 * before
    out = tmp_path / "default"
    CliRunner().invoke(app, ["run", str(src), "--out", str(out)])
    doc = json.loads((out / "report.json").read_text())["documents"][0]
    assert not [r for r in doc["redactions"] if r["entity"] == "SIGNATURE"]
    flagged = [k for k in doc["kept"] if k["entity"] == "SIGNATURE"]
    assert flagged and all(k["needs_review"] and k.get("bbox") for k in flagged)
    assert doc["status"] == "needs_review"


# ----------------------------------------------------------------------------- boxes of slanted lines

def _slanted_page(slope: float, height: float, gap: float, widths: tuple[int, int, int]):
    """An OCR page of three lines of ``widths`` characters, each line's band running at
    ``slope`` (a scan fed in at a slant), ``gap`` points between bands; line 1 opens with a
    portion mark."""
    from redactor.model import OcrInfo, Page

    text, boxes = [], []
    lines = ["1. (TS) " + "x" * widths[0], "y" * widths[1], "3. (U) " + "z" * widths[2]]
    for n, line in enumerate(lines):
        top = 700 - n * (height + gap)
        for i, ch in enumerate(line):
            x = 72 + 6 * i
            dy = slope * (x - 300)
            text.append(ch)
            boxes.append(None if ch == " " else (x, top - height + dy, x + 6, top + dy))
        text.append("\n")
        boxes.append(None)
    info = OcrInfo(kind="no text layer", dpi=300, orientation=0, confidence=90, char_confidence=())
    return Page(number=1, text="".join(text), char_boxes=boxes, ocr=info)


@hsettings(max_examples=200, deadline=None)
@given(slope=st.floats(-0.03, 0.03), height=st.floats(6, 14), gap=st.floats(0, 4),
       widths=st.tuples(st.integers(1, 80), st.integers(1, 80), st.integers(1, 80)))
def test_boxes_of_a_slanted_withheld_portion_cover_it_and_spare_the_marks(slope, height, gap, widths):
    """A withheld portion on a slanted scan: every character withheld lies inside a box, and
    no box covers a kept character (the portion marks of its own and the next line) that the
    withheld characters' own boxes do not reach; an upright page's boxes are one per line."""
    from redactor.geometry import contained, intersects
    from redactor.model import Document
    from redactor.plan import _boxes_for, char_boxes_to_lines

    page = _slanted_page(slope, height, gap, widths)
    doc = Document(source=None, format="pdf", pages=[page], sha256="")
    start = page.text.index("x")
    end = page.text.index("3. (U)") - 1
    boxes = _boxes_for(doc, 1, start, end)
    withheld = [b for i, b in enumerate(page.char_boxes) if start <= i < end and b is not None]
    kept = [b for i, b in enumerate(page.char_boxes) if not start <= i < end and b is not None]
    for c in withheld:
        assert any(contained(c, b, tol=1e-6) for b in boxes)
    for k in kept:
        if not any(intersects(c, k) for c in withheld):
            assert not any(intersects(b, k) for b in boxes)
    if slope == 0:
        assert boxes == char_boxes_to_lines(withheld)
    upright = Document(source=None, format="pdf", pages=[dataclasses.replace(page, ocr=None)], sha256="")
    assert _boxes_for(upright, 1, start, end) == char_boxes_to_lines(withheld)
