"""The pdfium reader (``--pdf-reader pdfium``, formats/pdf/read_pdfium.py) against the default
reader on real and hostile PDFs: the same pages, words at the same places, the same earlier
bad redactions, rules, dark boxes and pictures; and end to end, release copies read by
pdfium, written, and verified by pdfminer with nothing withheld left."""

from __future__ import annotations

import collections
import hashlib
import json
import re

import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from typer.testing import CliRunner

from conftest import CORPUS
from pdftools import all_texts, make_text_pdf, qpdf_opens, squeeze

from redactor.cli import app
from redactor.errors import BadInputError
from redactor.formats.pdf.read import read_pdf as read_pdfminer
from redactor.formats.pdf.read_pdfium import read_pdf as read_pdfium

HOSTILE = sorted((CORPUS / "hostile").glob("*.pdf")) if (CORPUS / "hostile").is_dir() else []
RECORDS = sorted((CORPUS / "records").glob("*.pdf")) if (CORPUS / "records").is_dir() else []
runner = CliRunner()


@pytest.mark.skipif(not HOSTILE, reason="shared corpus not available")
@pytest.mark.parametrize("path", [p for p in HOSTILE if qpdf_opens(p)], ids=lambda p: p.name)
def test_every_pdf_qpdf_opens_is_read(path):
    with pikepdf.open(path) as pdf:
        pages = len(pdf.pages)
    try:
        document = read_pdfium(path, ocr=False)
    except BadInputError as exc:
        assert str(exc).startswith("encrypted:"), exc  # only a missing password stops it
        return
    assert document.page_count == pages
    assert document.reader == "pdfium"
    for page in document.pages:
        assert len(page.char_boxes) == len(page.text)


def _words(page) -> dict[str, list[tuple[float, float]]]:
    """Words of five letters or digits, each with the centre of its characters' boxes."""
    out = collections.defaultdict(list)
    for m in re.finditer(r"[^\W_]{5,}", page.text):
        boxes = [b for b in page.char_boxes[m.start():m.end()] if b is not None]
        if len(boxes) == m.end() - m.start():
            out[m.group()].append(((min(b[0] for b in boxes) + max(b[2] for b in boxes)) / 2,
                                   (min(b[1] for b in boxes) + max(b[3] for b in boxes)) / 2,
                                   max(b[3] for b in boxes) - min(b[1] for b in boxes)))
    return out


_PLACES = [*RECORDS, *(p for p in HOSTILE if p.name in (
    "nics-rotated.pdf", "multicolumn.pdf", "formxobject.pdf",
    "qpdf-append-xref-loop.pdf", "xray-rectangles-yes.pdf", "negzero.pdf"))]


@pytest.mark.skipif(not RECORDS, reason="shared corpus not available")
@pytest.mark.parametrize("path", _PLACES, ids=lambda p: p.name)
def test_words_read_at_the_places_pdfminer_reads_them(path):
    """Boxes are in default user space, whatever the page's /Rotate, MediaBox origin or form
    matrices: every word both readers find once on a page sits within 3 points (a quarter of
    its height for large type) of where pdfminer puts it (pdfium's boxes span the font's
    ascent and descent, pdfminer's its size), and the
    two read nearly the same words."""
    mine, theirs = read_pdfium(path, ocr=False), read_pdfminer(path, ocr=False)
    assert mine.page_count == theirs.page_count
    compared = 0
    for a, b in zip(mine.pages, theirs.pages):
        wa, wb = _words(a), _words(b)
        for word in wa.keys() & wb.keys():
            if len(wa[word]) == 1 and len(wb[word]) == 1:
                (x1, y1, _), (x2, y2, height) = wa[word][0], wb[word][0]
                near = max(3.0, 0.25 * height)  # a 38-point heading's ascent reaches far above its size
                assert abs(x1 - x2) < near and abs(y1 - y2) < near, (a.number, word, wa[word], wb[word])
                compared += 1
        assert a.has_text_layer == b.has_text_layer
    ours = collections.Counter(w for p in mine.pages for w in p.text.split())
    pdfminers = collections.Counter(w for p in theirs.pages for w in p.text.split())
    if pdfminers:
        shared = sum((ours & pdfminers).values())
        # words pdfium reads whole where pdfminer reads letters (vertical text, superscripts
        # set against a word, a footer after a line-end hyphen) differ; the rest is the same
        assert shared >= 0.85 * sum(pdfminers.values()), (shared, sum(pdfminers.values()))
        assert compared > 0 or sum(pdfminers.values()) < 20


@pytest.mark.skipif(not HOSTILE, reason="shared corpus not available")
@pytest.mark.parametrize("name, covered", [("xray-rectangles-yes.pdf", 3), ("xray-rectangles-yes-2.pdf", 1),
                                           ("xray-bad-cross-hatched-redactions.pdf", 10),
                                           ("xray-multi-line-redaction-ok.pdf", 0),
                                           ("xray-whitespace-redactions.pdf", 0),
                                           ("xray-partial-intersections-ok.pdf", 0)])
def test_earlier_bad_redactions_found_as_pdfminer_finds_them(name, covered):
    """Text under an opaque dark box: one path of several rectangles (a multi-line box) is
    several boxes, not one over the lines between them."""
    path = CORPUS / "hostile" / name
    mine, theirs = read_pdfium(path, ocr=False), read_pdfminer(path, ocr=False)
    assert sum(len(p.covered_spans) for p in mine.pages) == covered
    assert sum(len(p.covered_spans) for p in theirs.pages) == covered
    for a, b in zip(mine.pages, theirs.pages):
        assert len(a.dark_boxes) == len(b.dark_boxes)


@pytest.mark.skipif(not RECORDS, reason="shared corpus not available")
@pytest.mark.parametrize("name", ["court-filing-rect-ordering-1.pdf", "ca-warn-report.pdf", "irs-f1040nr.pdf",
                                  "sf424-page2.pdf", "chelsea-pdta.pdf", "jfk-176-10036-10173.pdf"])
def test_rules_boxes_and_pictures_as_pdfminer_reads_them(name):
    """What signature detection looks at: images (how many, where) and rules."""
    path = CORPUS / "records" / name
    mine, theirs = read_pdfium(path, ocr=False), read_pdfminer(path, ocr=False)
    for a, b in zip(mine.pages, theirs.pages):
        assert a.image_count == b.image_count
        assert len(a.pictures) == len(b.pictures)
        for pa in a.pictures:  # each picture is one pdfminer finds at the same place, the same size
            assert any(all(abs(u - v) < 1.0 for u, v in zip(pa.box, pb.box)) and pa.pixels == pb.pixels
                       for pb in b.pictures), (a.number, pa)
        # pdfminer's curves and pdfium's paths differ at the margins (a chart's strokes): the
        # rules of a page are the same but for a few
        assert abs(len(a.rules) - len(b.rules)) <= max(2, len(b.rules) // 10), (a.number, len(a.rules), len(b.rules))
        assert len(a.dark_boxes) == len(b.dark_boxes)


@pytest.mark.skipif(not RECORDS, reason="shared corpus not available")
def test_picture_digests_are_of_image_streams_in_the_file():
    """Verification finds a withheld picture by the digest the reader took: each digest must
    be that of an image stream's data in the file, as pikepdf reads it raw."""
    path = CORPUS / "records" / "chelsea-pdta.pdf"
    digests = {p.sha256 for page in read_pdfium(path, ocr=False).pages for p in page.pictures if p.sha256}
    assert digests
    with pikepdf.open(path) as pdf:
        raw = {hashlib.sha256(o.read_raw_bytes()).hexdigest() for o in pdf.objects
               if isinstance(o, pikepdf.Stream) and str(o.get("/Subtype", "")) == "/Image"}
    assert digests <= raw


@pytest.mark.skipif(not HOSTILE, reason="shared corpus not available")
@pytest.mark.parametrize("name, password", [("password-example.pdf", "test"),
                                            ("qpdf-enc-aes256-user-view.pdf", "view"),
                                            ("libreoffice-writer-password.pdf", "openpassword")])
def test_encrypted_files_need_their_password(name, password):
    path = CORPUS / "hostile" / name
    with pytest.raises(BadInputError, match="^encrypted: a password is needed"):
        read_pdfium(path, ocr=False)
    with pytest.raises(BadInputError, match="^encrypted: the password given does not open it"):
        read_pdfium(path, password=password + "x", ocr=False)
    document = read_pdfium(path, password=password, ocr=False)
    assert squeeze("".join(p.text for p in document.pages)) == squeeze(
        "".join(p.text for p in read_pdfminer(path, password=password, ocr=False).pages))


@pytest.mark.skipif(not HOSTILE, reason="shared corpus not available")
@pytest.mark.parametrize("name", ["pdflatex-forms.pdf", "libreoffice-form.pdf", "annotations.pdf"])
def test_annotation_values_are_read(name):
    """Form field values and comments ship with the file: both readers append them, placed
    at the annotation's rectangle."""
    path = CORPUS / "hostile" / name
    mine, theirs = read_pdfium(path, ocr=False), read_pdfminer(path, ocr=False)
    for a, b in zip(mine.pages, theirs.pages):
        tail = [ln for ln in b.text.split("\n\n") if ln.strip()][-3:]
        for line in tail:
            assert line.strip() in a.text


def test_paragraphs_fake_bold_and_letter_spacing(tmp_path):
    """Paragraphs and columns apart; a line or a word drawn twice over itself read once; a
    heading set with wide character spacing read as words."""
    src = make_text_pdf(tmp_path / "in.pdf", [(72, 700, "First line of the first paragraph"),
                                              (72, 686, "its second line."),
                                              (72, 600, "A paragraph far below."),
                                              (300, 760, "A column up the page.")])
    text = read_pdfium(src, ocr=False).pages[0].text
    assert "First line of the first paragraph\nits second line.\n\nA paragraph far below.\n\n" \
           "A column up the page." in text
    bold = tmp_path / "bold.pdf"
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(bold), invariant=1)
    for dx in (0, 0.3):  # fake bold: the same line drawn twice, a third of a point apart
        c.setFont("Helvetica", 11)
        c.drawString(72 + dx, 700, "Report of Rosalind Achterberg")
    for dx in (0, 0.3):  # ... and the second time word by word
        for word, x in (("Filed", 72), ("by", 110)):
            c.drawString(x + dx, 650, word)
    c.save()
    page = read_pdfium(bold, ocr=False).pages[0]
    assert "Report of Rosalind Achterberg\n" in page.text
    assert page.text.count("Achterberg") == 1
    assert page.text.count("Filed") == 1 and page.text.count("by") == 1
    assert len(page.char_boxes) == len(page.text)
    spaced = make_text_pdf(tmp_path / "spaced.pdf", [(72, 600, "BINT LLC Rosalind")], char_space=6)
    assert "BINT LLC Rosalind" in read_pdfium(spaced, ocr=False).pages[0].text


_WORD = st.text(alphabet="ABCDEFGHJKLMNPRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789", min_size=2, max_size=10)


@given(words=st.lists(st.tuples(st.integers(40, 450), st.integers(0, 33), _WORD), min_size=1, max_size=12,
                      unique_by=lambda w: w[1]),
       size=st.sampled_from([7, 9, 11, 14]))
@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_drawn_word_is_read_inside_where_it_was_drawn(tmp_path, words, size):
    """Words drawn anywhere across the page, one to a row (rows 20 points apart), are all
    read, and each character's box lies inside the band of the line it was drawn on."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    words = [(x, 60 + 20 * row, w) for x, row, w in words]
    src = make_text_pdf(tmp_path / "w.pdf", words, size=size)
    page = read_pdfium(src, ocr=False).pages[0]
    assert len(page.char_boxes) == len(page.text)
    drawn = [(x, y, x + stringWidth(w, "Helvetica", size), w) for x, y, w in words]
    for ch, box in zip(page.text, page.char_boxes):
        if box is None:
            continue
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        assert any(x0 - 0.5 <= cx <= x1 + 0.5 and y - size <= cy <= y + size and ch in w
                   for x0, y, x1, w in drawn), (ch, box)
    letters = collections.Counter(c for _, _, w in words for c in w)
    assert collections.Counter(c for c in page.text if not c.isspace()) == letters


def _doc(report: dict) -> dict:
    assert len(report["documents"]) == 1
    return report["documents"][0]


def test_run_with_pdfium_reader_withholds_and_verifies_with_pdfminer(tmp_path):
    (tmp_path / "in").mkdir()
    src = make_text_pdf(tmp_path / "in" / "memo.pdf", [
        (72, 700, "Complainant Rosalind Achterberg, SSN 512-43-7789, called the office."),
        (72, 680, "The permit was approved on May 2, 2021 by the Department of Transportation.")])
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(src.parent), "--out", str(out), "--pdf-reader", "pdfium",
                                 "--no-review-report", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    doc = _doc(json.loads((out / "report.json").read_text()))
    assert doc["status"] == "redacted"
    texts = all_texts(out / doc["output"])
    for name, text in texts.items():
        for value in ("Achterberg", "512-43-7789"):
            assert squeeze(value) not in squeeze(text), (name, value)
        assert squeeze("approved on May 2, 2021") in squeeze(text), name
    manifest = (out / "manifest.jsonl").read_text()
    # the reader is part of the key: the default reader redoes the document
    result = runner.invoke(app, ["run", str(src.parent), "--out", str(out), "--no-review-report", "--jobs", "1",
                                 "--json"])
    events = [json.loads(ln) for ln in result.output.splitlines() if ln.startswith("{")]
    done = [e for e in events if e.get("event") == "done"]
    assert done and done[0]["unchanged_since"] is None
    assert (out / "manifest.jsonl").read_text() != manifest


def test_unknown_reader_is_a_usage_error(tmp_path):
    src = make_text_pdf(tmp_path / "a.pdf", [(72, 700, "text")])
    result = runner.invoke(app, ["run", str(src), "--out", str(tmp_path / "o"), "--pdf-reader", "mupdf"])
    assert result.exit_code == 2
    assert "pdfminer or pdfium" in result.output
    assert not (tmp_path / "o").exists()


def test_scan_records_the_reader_for_apply(tmp_path):
    src = make_text_pdf(tmp_path / "a.pdf", [(72, 700, "Complainant Rosalind Achterberg called.")])
    work = tmp_path / "work"
    result = runner.invoke(app, ["scan", str(src), "--out", str(work), "--pdf-reader", "pdfium"])
    assert result.exit_code == 0, result.output
    plan = json.loads((work / "plan.json").read_text())
    assert plan["settings"]["pdf_reader"] == "pdfium"
    result = runner.invoke(app, ["apply", str(work), "--out", str(tmp_path / "rel")])
    assert result.exit_code == 0, result.output
    doc = _doc(json.loads((tmp_path / "rel" / "report.json").read_text()))
    assert doc["status"] == "redacted"
    for text in all_texts(tmp_path / "rel" / doc["output"]).values():
        assert "Achterberg" not in text


def test_job_file_sets_the_reader(tmp_path):
    from redactor.jobfile import load_job

    job = tmp_path / "job.yaml"
    job.write_text("inputs: [in]\nout: out\npdf_reader: pdfium\n", encoding="utf-8")
    assert load_job(job)["pdf_reader"] == "pdfium"
