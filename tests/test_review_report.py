"""The reviewer's report (OUTDIR/NOT-FOR-RELEASE/report.html): every redaction and kept finding
with its withheld text, page images beside the release copy, box positions checked against
pdfium's own page transform, and kept apart from everything that can be released."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pikepdf
import pytest
from hypothesis import given, settings as hsettings, strategies as st
from typer.testing import CliRunner

from redactor.cli import app
from redactor.review_report import REVIEW_DIR_NAME, box_to_fraction, render_pages

from conftest import RECORDS
import yaml

EXPECTED = yaml.safe_load((RECORDS.parent / "expected.yaml").read_text())
STEMS = ["police/incident-report-2023-0417", "classified/memo-port-security"]
runner = CliRunner()


def review_model(html: str) -> dict:
    m = re.search(r"<script id='data' type='application/json'>(.*?)</script>", html, re.S)
    assert m, "no embedded data"
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    src = tmp_path_factory.mktemp("in")
    for stem in STEMS:
        for ext in (".pdf", ".txt"):
            (src / stem).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(RECORDS / f"{stem}{ext}", src / f"{stem}{ext}")
    out = tmp_path_factory.mktemp("out") / "release"
    result = runner.invoke(app, ["run", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return src, out


def test_review_bundle_is_apart_and_marked(run):
    _, out = run
    folder = out / REVIEW_DIR_NAME
    html = (folder / "report.html").read_text()
    assert "CONTAINS WITHHELD INFORMATION" in html and "NOT FOR RELEASE" in html
    assert "CONTAINS WITHHELD INFORMATION" in (folder / "README.txt").read_text()
    # The releasable files stay free of values; the reviewer's page holds every one of them.
    public = [(out / n).read_text() for n in ("report.json", "report.html", "withholding-log.csv",
                                              "withholding-log.html")]
    for stem in STEMS:
        for value in EXPECTED[stem]["withhold"]:
            assert all(value not in text for text in public), stem
    model = review_model(html)
    values = {it["value"] for d in model["documents"] for it in d["items"]}
    joined = " ".join(" ".join(v.split()) for v in values)
    for stem in STEMS:
        for value in EXPECTED[stem]["withhold"]:
            assert value in joined, (stem, "a withheld value is missing from the reviewer's page")


def test_self_contained_no_network(run):
    _, out = run
    html = (out / REVIEW_DIR_NAME / "report.html").read_text()
    assert "<link" not in html and not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"(src|href)\s*=\s*['\"]?(https?:)?//", html)
    assert "default-src 'none'" in html  # the page itself forbids network loads
    assert "@import" not in html and "url(http" not in html


def test_every_report_entry_is_in_the_review_model_with_its_reason(run):
    _, out = run
    report = json.loads((out / "report.json").read_text())
    model = review_model((out / REVIEW_DIR_NAME / "report.html").read_text())
    by_source = {d["source"]: d for d in model["documents"]}
    for d in report["documents"]:
        m = by_source[d["source"]]
        items = {it["id"]: it for it in m["items"]}
        for r in d["redactions"]:
            it = items[r["id"]]
            assert (it["page"], it["entity"], it["rule"], it["exemptions"], it["reason"]) == \
                (r["page"], r["entity"], r["rule"], r["exemptions"], r["reason"])
            assert it["kind"] == "redaction" and it["value"]
            if d["format"] == "pdf":
                assert len(it["boxes"]) == len(it["rboxes"]) == len(r["release_bbox"])
                for b in it["boxes"] + it["rboxes"]:
                    assert 0 <= b[0] <= 1 and 0 <= b[1] <= 1 and b[2] > 0 and b[3] > 0
        kept = [it for it in m["items"] if it["kind"] == "kept"]
        assert len(kept) == len(d["kept"])  # what will be released is visible too


def test_page_images_exist_and_match_the_pages(run):
    from PIL import Image

    _, out = run
    folder = out / REVIEW_DIR_NAME
    model = review_model((folder / "report.html").read_text())
    pdfs = [d for d in model["documents"] if d["format"] == "pdf"]
    assert pdfs
    for d in pdfs:
        with pikepdf.open(d["source"]) as pdf:
            assert len(d["pages"]) == len(pdf.pages)
        for p in d["pages"]:
            for key in ("orig", "red"):
                with Image.open(folder / p[key]) as im:
                    assert list(im.size) == p[key + "_px"]
                    # Aspect ratio of the displayed page (rotation and crop applied by pdfium).
                    crop, rot = p[key + "_geom"]
                    w, h = crop[2] - crop[0], crop[3] - crop[1]
                    w, h = (h, w) if rot in (90, 270) else (w, h)
                    assert abs(im.size[0] / im.size[1] - w / h) < 0.01


def test_text_documents_show_text_and_release_text(run):
    _, out = run
    model = review_model((out / REVIEW_DIR_NAME / "report.html").read_text())
    for d in model["documents"]:
        if d["format"] != "text":
            continue
        released = (out / d["output"]).read_text()
        assert d["pages"][0]["red_text"] == released  # the pane shows exactly the release copy


def test_internal_review_log_has_values(run):
    _, out = run
    rows = list(csv.DictReader((out / REVIEW_DIR_NAME / "review-log.csv").open(encoding="utf-8")))
    assert {r["kind"] for r in rows} == {"redaction", "kept"}
    texts = " ".join(" ".join(r["withheld_text"].split()) for r in rows)
    for value in EXPECTED["police/incident-report-2023-0417"]["withhold"]:
        assert value in texts


def test_no_review_report_option(tmp_path):
    out = tmp_path / "o"
    result = runner.invoke(app, ["run", str(RECORDS / "minutes" / "board-minutes-2023-05.txt"), "--out", str(out),
                                 "--no-review-report"])
    assert result.exit_code == 0, result.output
    assert not (out / REVIEW_DIR_NAME).exists()


def _pdfium_device(pdf_path: Path, x: float, y: float, size=(1000, 800)) -> tuple[float, float]:
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument(str(pdf_path))
    page = pdf[0]
    w, h = page.get_size()
    dx, dy = ctypes.c_int(), ctypes.c_int()
    # rotate=0: pdfium applies the page's own /Rotate; device size = displayed size * 10.
    ok = raw.FPDF_PageToDevice(page, 0, 0, int(w * 10), int(h * 10), 0, x, y, ctypes.byref(dx), ctypes.byref(dy))
    assert ok
    res = dx.value / (w * 10), dy.value / (h * 10)
    page.close()
    pdf.close()
    return res


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
@pytest.mark.parametrize("crop", [None, [30, 40, 500, 700]])
def test_box_fractions_agree_with_pdfium(tmp_path, rotate, crop):
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(612, 792))
    page = pdf.pages[0]
    if rotate:
        page.obj["/Rotate"] = rotate
    if crop:
        page.obj["/CropBox"] = pikepdf.Array(crop)
    path = tmp_path / "p.pdf"
    pdf.save(path)
    crop_box = tuple(crop) if crop else (0.0, 0.0, 612.0, 792.0)
    for x, y in [(100, 150), (400, 600), (250, 300)]:
        frac = box_to_fraction([x, y, x + 1e-9, y + 1e-9], crop_box, rotate)
        ex, ey = _pdfium_device(path, x, y)
        assert abs(frac[0] - ex) < 0.003 and abs(frac[1] - ey) < 0.003, (x, y, frac, (ex, ey))


@hsettings(max_examples=100, deadline=None)
@given(st.floats(0, 600), st.floats(0, 780), st.floats(1, 300), st.floats(1, 300), st.sampled_from([0, 90, 180, 270]))
def test_box_inside_the_page_stays_inside(x, y, w, h, rot):
    x1, y1 = min(612, x + w), min(792, y + h)
    left, top, width, height = box_to_fraction([x, y, x1, y1], (0, 0, 612, 792), rot)
    assert -1e-6 <= left and left + width <= 1 + 1e-6 and -1e-6 <= top and top + height <= 1 + 1e-6
    # Area is preserved whatever the rotation (fractions of a page of the same area).
    assert abs(width * height - (x1 - x) * (y1 - y) / (612 * 792)) < 1e-3


def test_render_failure_is_reported_not_raised(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\nthis is not a pdf\n")
    good = RECORDS / "minutes" / "board-minutes-2023-05.pdf"
    res = render_pages([(bad, tmp_path / "pages", "bad"), (good, tmp_path / "pages", "good")], workers=2)
    assert isinstance(res["bad"], str) and res["bad"].startswith("could not render")
    assert isinstance(res["good"], list) and len(res["good"]) == 2
    assert (tmp_path / "pages" / "good-p1.png").is_file()


def test_input_folder_named_like_the_review_folder_is_not_released_there(tmp_path):
    src = tmp_path / "in"
    (src / "not-for-release").mkdir(parents=True)
    shutil.copy(RECORDS / "minutes" / "board-minutes-2023-05.txt", src / "not-for-release" / "m.txt")
    shutil.copy(RECORDS / "minutes" / "board-minutes-2023-05.txt", src / "m.txt")
    out = tmp_path / "o"
    result = runner.invoke(app, ["run", str(src), "--out", str(out)])
    assert result.exit_code == 1  # that one document fails with a reason, the batch goes on
    assert "reviewers' folder" in result.output
    assert (out / "m.txt").is_file() and not (out / REVIEW_DIR_NAME / "m.txt").exists()


def test_email_pages_show_text_with_labels(tmp_path):
    """Formats whose pages are parts (an email's headers and body) show their text, labelled,
    beside the text as released; the attached PDF is a document of its own."""
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "Records Office <records@agency.gov>"
    msg["To"] = "clerk@agency.gov"
    msg["Subject"] = "Call back"
    msg.set_content("Please call the complainant, Patricia Nguyen, at (217) 555-9034.\n")
    src = tmp_path / "in"
    src.mkdir()
    (src / "mail.eml").write_bytes(bytes(msg))
    out = tmp_path / "o"
    r = runner.invoke(app, ["run", str(src), "--out", str(out)])
    assert r.exit_code in (0, 4), r.output
    model = review_model((out / REVIEW_DIR_NAME / "report.html").read_text())
    doc = model["documents"][0]
    assert doc["format"] == "email"
    assert all(p["text"] is not None and p["label"] for p in doc["pages"])
    body = next(p for p in doc["pages"] if "(217) 555-9034" in p["text"])
    assert "(217) 555-9034" not in body["red_text"] and "[WITHHELD" in body["red_text"]


@hsettings(max_examples=100, deadline=None)
@given(st.floats(0, 0.9), st.floats(0, 0.9), st.floats(0.01, 0.1), st.floats(0.01, 0.1),
       st.sampled_from([0, 90, 180, 270]))
def test_fraction_to_box_inverts_box_to_fraction(left, top, w, h, rot):
    from redactor.review_report import fraction_to_box

    crop = (30.0, 40.0, 500.0, 700.0)
    box = fraction_to_box([left, top, w, h], crop, rot)
    back = box_to_fraction(box, crop, rot)
    assert all(abs(a - b) < 1e-4 for a, b in zip(back, [left, top, w, h]))


def test_page_images_are_the_pages_pixels_grey_when_the_page_is(tmp_path):
    """A page drawn in greys is written as an 8-bit grey PNG (a third of the bytes to
    compress), one with colour as RGB; either way its pixels are exactly pdfium's rendering."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    from redactor.review_report import RENDER_SCALE, render_pdf

    pdf = pikepdf.new()
    for ops in (b"0.5 g 100 100 200 50 re f 0 G 2 w 50 700 m 500 700 l S",  # greys only
                b"0.5 g 100 100 200 50 re f 1 0 0 rg 300 300 40 40 re f"):  # and one red square
        pdf.add_blank_page(page_size=(612, 792))
        pdf.pages[-1].Contents = pdf.make_stream(ops)
    path = tmp_path / "p.pdf"
    pdf.save(path)
    pages = render_pdf(path, tmp_path / "pages", "p")
    images = [Image.open(tmp_path / "pages" / p["file"]) for p in pages]
    assert [im.mode for im in images] == ["L", "RGB"]
    doc = pdfium.PdfDocument(str(path))
    for i, im in enumerate(images):
        expected = np.asarray(doc[i].render(scale=RENDER_SCALE).to_pil().convert("RGB"))
        assert np.array_equal(np.asarray(im.convert("RGB")), expected)
        assert pages[i]["px"] == [im.width, im.height]
