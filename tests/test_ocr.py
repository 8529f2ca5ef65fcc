"""OCR building blocks (redactor/ocr.py): Tesseract words mapped back to PDF user space.

Generated scans (tests/scans.py) have known word boxes; the real scans of the shared corpus
(scanned/, see its MANIFEST.tsv) exercise CCITT, JBIG2, /Rotate, baked-in rotation, skew,
2400 dpi and an existing OCR layer."""

from __future__ import annotations

import pytest

from redactor import ocr
from scans import centre_inside, make_scan, make_table_scan

pytestmark = pytest.mark.skipif(not ocr.available(), reason="tesseract is not installed")

LINES = ["Case officer Margaret Okonkwo", "SSN 512-43-7789 recorded", "Filed at Springfield office"]


def _words(path, **kw):
    pages = ocr.ocr_pages(path, **kw)
    assert len(pages) == 1 and len(pages[1]) == 1
    return pages[1][0]


def _match(page, truth, tol):
    """Each truth word read by OCR at its place: the OCR box (ink only) inside the truth box
    (ascent to descent, advance widths) give or take ``tol`` points, its edges along the line
    within ``tol`` of the truth's."""
    found = {}
    for t in truth:
        horizontal = t.box[2] - t.box[0] > t.box[3] - t.box[1] or len(t.text) < 3
        for w in page.words:
            if w.text.strip(".,") != t.text:
                continue
            along = (0, 2) if horizontal else (1, 3)
            across = (1, 3) if horizontal else (0, 2)
            if (all(abs(w.box[i] - t.box[i]) <= tol for i in along)
                    and w.box[across[0]] >= t.box[across[0]] - tol and w.box[across[1]] <= t.box[across[1]] + tol):
                found[t.text] = w
    return found


def test_small_scan_words_and_boxes(tmp_path):
    """Fast: one short grey scan, every word read at the right place, characters inside it."""
    path = tmp_path / "scan.pdf"
    truth = make_scan(path, LINES[:2], dpi=200, page=(300.0, 140.0))
    page = _words(path)
    assert page.dpi == ocr.MIN_DPI  # 200 dpi is read at 300
    found = _match(page, truth, tol=3.0)
    assert set(found) == {t.text for t in truth}
    for w in found.values():
        assert len(w.char_boxes) == len(w.text)
        assert all(centre_inside(c, w.box, tol=0.5) for c in w.char_boxes)
        assert w.confidence > 80
    text = ocr.page_text(page.words)
    assert "512-43-7789" in text.text
    i = text.text.index("512-43-7789")
    assert text.char_boxes[i] is not None and text.confidence[i] > 80
    assert ocr.span_confidence(text.confidence, i, i + 11) == found["512-43-7789"].confidence


def test_parse_hocr_angles_and_char_boxes():
    hocr = """<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><body>
<div class='ocr_page' title='bbox 0 0 100 200'><div class='ocr_carea' title="bbox 0 0 100 200">
<span class='ocr_line' title="bbox 10 10 30 110; textangle 270">
<span class='ocrx_word' title='bbox 10 10 30 50; x_wconf 91'><span class='ocrx_cinfo' title='x_bboxes 0 0 0 0'>A</span><span class='ocrx_cinfo' title='x_bboxes 0 0 0 0'>b</span></span>
</span></div>
<div class='ocr_carea' title="bbox 0 0 100 200"><span class='ocr_line' title="bbox 0 150 100 170">
<span class='ocrx_word' title='bbox 0 150 40 170; x_wconf 42'><span class='ocrx_cinfo' title='x_bboxes 0 150 20 170'>&amp;</span><span class='ocrx_cinfo' title='x_bboxes 20 150 40 170'>c</span></span>
</span></div></div></body></html>"""
    words = ocr.parse_hocr(hocr)
    assert [(w.text, w.angle, w.block, w.confidence) for w in words] == [("Ab", 270, 1, 91.0), ("&c", 0, 2, 42.0)]
    # Top to bottom in pixels, so the second letter is below the first; y is flipped in user
    # space by the matrix.
    a, b = ocr._pixel_char_boxes(words[0])
    assert a == (10.0, 10.0, 30.0, 30.0) and b == (10.0, 30.0, 30.0, 50.0)
    assert ocr._pixel_char_boxes(words[1]) == [(0.0, 150.0, 20.0, 170.0), (20.0, 150.0, 40.0, 170.0)]
    user = ocr.to_user(words, ocr.Matrix(0.5, 0, 0, -0.5, 0, 100))
    assert user[1].box == (0.0, 15.0, 20.0, 25.0)
    text = ocr.page_text(user)
    assert text.text == "Ab\n\n&c\n"


@pytest.mark.slow
@pytest.mark.parametrize("kw", [
    dict(mode="1"), dict(mode="CMYK"), dict(mode="RGB", dpi=150), dict(dpi=400),
    dict(rotate=90), dict(rotate=270), dict(turn=90), dict(turn=180), dict(turn=270),
], ids=lambda kw: "-".join(f"{k}{v}" for k, v in kw.items()))
def test_generated_scans_map_exactly(tmp_path, kw):
    """Bilevel (CCITT), CMYK JPEG, 150-400 dpi, /Rotate and paper turned in the scanner: every
    word is read and lands where the page draws it."""
    path = tmp_path / "scan.pdf"
    truth = make_scan(path, LINES, size=14.0, **kw)
    page = _words(path)
    found = _match(page, truth, tol=2.0)
    assert len(found) >= len(truth) - 1, sorted(w.text for w in page.words)
    assert "512-43-7789" in found


@pytest.mark.slow
def test_skewed_scan_boxes_cover_words(tmp_path):
    path = tmp_path / "scan.pdf"
    truth = make_scan(path, LINES, size=14.0, skew=2.0)
    page = _words(path)
    ssn = [w for w in page.words if w.text == "512-43-7789"]
    assert ssn
    t = next(t for t in truth if t.text == "512-43-7789")
    # The paper turned 2 degrees about the page centre: the word moved by at most a few
    # points, and its OCR box (axis-aligned round the tilted word) still holds its centre.
    assert centre_inside(t.box, ssn[0].box, tol=6.0)


SCANNED = ["c02-22.pdf", "cardinal.pdf", "ccitt.pdf", "graph-ocred.pdf", "jbig2.pdf",
           "jfk-104-10076-10371.pdf", "jfk-104-10326-10087.pdf", "linn.pdf", "rotated-skew.pdf",
           "skew.pdf", "typewriter-2400dpi.pdf"]


@pytest.fixture(scope="module")
def scanned(corpus):
    d = corpus / "scanned"
    if not d.is_dir():
        pytest.skip("no scanned/ in the corpus")
    return d


@pytest.mark.slow
def test_corpus_survey_says_why_each_page_needs_ocr(scanned):
    kinds = {name: [s.kind for s in ocr.survey(scanned / name)] for name in SCANNED if (scanned / name).exists()}
    assert kinds["cardinal.pdf"] == ["no text layer"] * 4
    assert kinds["graph-ocred.pdf"] == ["OCR text layer"]
    assert set(kinds["jfk-104-10326-10087.pdf"]) == {"OCR text layer"}
    assert all(k is not None for ks in kinds.values() for k in ks)


@pytest.mark.slow
def test_corpus_cardinal_orientations(scanned):
    """Four pages turned 0/90/180/270 in the picture: all read upright, boxes on the page."""
    pages = ocr.ocr_pages(scanned / "cardinal.pdf")
    angles = []
    boxes = {s.number: s.page_box for s in ocr.survey(scanned / "cardinal.pdf")}
    for n in range(1, 5):
        (p,) = pages[n]
        text = ocr.page_text(p.words).text
        assert "LinnSequencer" in text
        assert p.confidence > 80
        angles.append(p.orientation)
        x0, y0, x1, y1 = boxes[n]
        for w in p.words:
            assert x0 - 1 <= w.box[0] and w.box[2] <= x1 + 1 and y0 - 1 <= w.box[1] and w.box[3] <= y1 + 1
    assert len(set(angles)) == 4


@pytest.mark.slow
@pytest.mark.parametrize("name,needle", [("ccitt.pdf", None), ("jbig2.pdf", None),
                                         ("rotated-skew.pdf", "LinnSequencer"),
                                         ("typewriter-2400dpi.pdf", "linzen")])
def test_corpus_encodings_and_rotation(scanned, name, needle):
    pages = ocr.ocr_pages(scanned / name)
    (p,) = pages[1]
    text = ocr.page_text(p.words).text
    assert len(text.split()) >= 20 and p.confidence > 70
    if needle:
        assert needle in text
    if name == "typewriter-2400dpi.pdf":
        assert p.dpi == ocr.MAX_DPI


def _page(lines, vertical=False):
    """An OCR'd page of ``lines`` (12 pt lines 20 pt apart, 6 pt characters)."""
    from redactor.model import OcrInfo, Page

    text, boxes = "", []
    for n, line in enumerate(lines):
        for i, ch in enumerate(line):
            a, b = 72 + 6 * i, 700 - 20 * n
            box = (a, b, a + 6, b + 12) if not vertical else (b, 792 - a - 6, b + 12, 792 - a)
            boxes.append(None if ch == " " else box)
        text += line + "\n"
        boxes.append(None)
    info = OcrInfo("no text layer", 300, 0, 90.0, tuple(90.0 if b else None for b in boxes))
    return Page(number=1, text=text, char_boxes=boxes, ocr=info)


@pytest.mark.parametrize("vertical", [False, True])
def test_bands_take_whole_lines_round_each_box(vertical):
    page = _page([f"line {n} of the page" for n in range(10)], vertical)
    assert ocr.text_runs_along_x(page) is not vertical
    box_on = lambda n: page.char_boxes[19 * n + 5]  # noqa: E731 - the "n" of line n
    (band,) = ocr.bands(page, [box_on(3)])
    across = (1, 3) if not vertical else (0, 2)
    lines_in = [n for n in range(10) if band[across[0]] <= box_on(n)[across[0]] and box_on(n)[across[1]] <= band[across[1]]]
    assert lines_in == [2, 3, 4]  # a line either side, none cut
    two = ocr.bands(page, [box_on(3), box_on(4)])
    assert len(two) == 1  # neighbouring boxes share a band
    apart = ocr.bands(page, [box_on(1), box_on(8)])
    assert len(apart) == 2


@pytest.mark.parametrize("vertical", [False, True])
def test_bands_reach_an_inch_along_the_line_without_cutting_a_word(vertical):
    """On long lines a window reaches about an inch either side of its box, not across the
    page, and ends between words, never inside one."""
    words = ["word%02d" % k for k in range(12)]
    line = " ".join(words)  # 12 words of 6 characters: 83 characters, 498 pt
    page = _page([line] * 6, vertical)
    stride = len(line) + 1
    along = (0, 2) if not vertical else (1, 3)
    first = 7 * 4  # the first letter of word04 on line 0
    box = page.char_boxes[stride * 2 + first]
    (window,) = ocr.bands(page, [box])
    lo, hi = sorted((window[along[0]], window[along[1]]))
    assert hi - lo < 0.6 * 498
    for n, ch in enumerate(line):
        b = page.char_boxes[stride * 2 + n]
        if b is None:
            continue
        inside = lo <= b[along[0]] and b[along[1]] <= hi
        cut = not inside and b[along[0]] < hi and lo < b[along[1]]
        assert not cut, n
    assert page.char_boxes[stride * 2 + first] and all(
        lo <= page.char_boxes[stride * 2 + first + k][along[0]] for k in range(6))


TABLE_HEADER = ["Name", "Date of Birth", "DL Number", "Status"]
TABLE_ROWS = [["Maria Alvarez", "03/14/1987", "D4581273", "Active"],
              ["John Whitfield", "11/02/1990", "W2291847", "Closed"],
              ["Li Chen", "07/22/1975", "C7718290", "Pending"],
              ["Samuel Okafor", "01/09/1962", "K3320981", "Active"]]


@pytest.mark.parametrize("skew,jitter", [(1.0, 1.0), pytest.param(0.0, 1.5, marks=pytest.mark.slow),
                                         pytest.param(-1.5, 1.0, marks=pytest.mark.slow),
                                         pytest.param(0.0, 4.0, marks=pytest.mark.slow)])
def test_scanned_table_rows_keep_their_columns(tmp_path, skew, jitter):
    """A scanned table of DOB and licence columns whose cells jitter and whose paper lay
    askew: OCR'd rows still fall under their headers, every name, date of birth and licence
    number is withheld by its column, and the status column gives nothing."""
    from recognizers import tables

    path = tmp_path / "table.pdf"
    make_table_scan(path, TABLE_HEADER, TABLE_ROWS, [54, 200, 320, 440], skew=skew, jitter=jitter, seed=3)
    text = ocr.page_text(_words(path).words)
    hits = tables.find(text.text, text.char_boxes)
    withheld = {e: " ".join(text.text[s:t] for h in hits if h.entity == e for s, t in h.spans).split()
                for e in ("PERSON", "DATE_OF_BIRTH", "US_DRIVER_LICENSE")}
    for row in TABLE_ROWS:
        assert set(row[0].split()) <= set(withheld["PERSON"])
        assert row[1] in withheld["DATE_OF_BIRTH"]
        assert row[2] in withheld["US_DRIVER_LICENSE"]
    assert all(h.recognizer == tables.TABLE for h in hits)
    assert not any(text.text[s:t] in ("Active", "Closed", "Pending") for h in hits for s, t in h.spans)


NARROW_HEADER = ["Role", "Name", "DOB", "Address", "Card No."]
NARROW_ROWS = [["Victim", "Douglas\nBowman", "07/31/1996", "653 Casey\nRun,\nTanyaborough,\nLA 30800",
                "5131 0427\n8841 2214"],
               ["Witness", "Haley Guzman", "02/14/1971", "65310 Johnson\nWay Suite 513,\nSouth\nEugenetown,\nKY 52317",
                "4532 7715\n0924 8816"],
               ["Suspect", "Cory Perez", "1997-11-01", "unknown", "3782 822463\n10005"]]


def test_scanned_table_cells_wrapped_over_many_lines(tmp_path):
    """A scanned table of narrow columns: a name, an address and a card number wrapped over
    up to five lines, the lines of a cell set less evenly than a PDF's. Each cell is
    withheld whole by its column, to its last line; the role column and the placeholder
    give nothing."""
    from recognizers import tables

    path = tmp_path / "narrow.pdf"
    make_table_scan(path, NARROW_HEADER, NARROW_ROWS, [54, 120, 200, 280, 390], size=10.0, jitter=0.8, seed=5,
                    leading=1.5)
    text = ocr.page_text(_words(path).words)
    hits = tables.find(text.text, text.char_boxes)
    withheld = {e: " ".join(text.text[s:t] for h in hits if h.entity == e for s, t in h.spans).split()
                for e in ("PERSON", "STREET_ADDRESS", "CREDIT_CARD", "DATE_OF_BIRTH")}
    for row in NARROW_ROWS:
        assert set(row[1].split()) <= set(withheld["PERSON"])
        assert row[2] in withheld["DATE_OF_BIRTH"]
        assert set(row[4].split()) <= set(withheld["CREDIT_CARD"])
    for row in NARROW_ROWS[:2]:
        assert set(w.strip(",") for w in row[3].split()) <= set(w.strip(",") for w in withheld["STREET_ADDRESS"])
    assert not any(text.text[s:t] in ("Victim", "Witness", "Suspect", "unknown") for h in hits for s, t in h.spans)


@pytest.mark.parametrize("shade", [0.85, pytest.param(0.8, marks=pytest.mark.slow)])
def test_ruled_table_with_a_shaded_header(tmp_path, shade):
    """A ruled table whose header row is shaded grey (as police and court forms print them):
    the header is read, so every column keeps its meaning down to the last row."""
    from recognizers import tables

    path = tmp_path / "shaded.pdf"
    header = ["Role", "Name", "DOB", "Address", "Phone", "DL #"]
    rows = [["Victim", "Douglas\nBowman", "07/31/1996", "653 Casey\nRun,", "843-276-6264", "S85561340"],
            ["Suspect", "Cory Perez", "1997-11-01", "unknown", "", "D316-5052-87\n33"]]
    make_table_scan(path, header, rows, [54, 130, 215, 300, 390, 480], dpi=300, size=10.0, jitter=0.5,
                    seed=2, shade=shade, ruled=True, leading=1.25)
    text = ocr.page_text(_words(path).words)
    hits = tables.find(text.text, text.char_boxes)
    got = {e: " ".join(text.text[s:t] for h in hits if h.entity == e for s, t in h.spans).split()
           for e in ("PERSON", "DATE_OF_BIRTH", "US_DRIVER_LICENSE")}
    assert {"Douglas", "Bowman", "Cory", "Perez"} <= set(got["PERSON"])
    assert {"07/31/1996", "1997-11-01"} <= set(got["DATE_OF_BIRTH"])
    # (OCR may read the licence's S as "$": the column takes it all the same)
    assert {"85561340", "D316-5052-87"} <= {v.lstrip("S$") for v in got["US_DRIVER_LICENSE"]}


def test_text_layer_lines_are_level():
    """Only a slope that OCR read moves a row: characters on level lines are not levelled."""
    from recognizers import layout

    text = "Name  Date of Birth\nAnn Lee  01/02/1990\n"
    boxes = []
    for y, line in ((700.0, "Name  Date of Birth"), (680.0, "Ann Lee  01/02/1990")):
        boxes += [(54 + 6 * i, y, 60 + 6 * i, y + 10) if ch != " " else None for i, ch in enumerate(line)] + [None]
    turn = layout._orientation(text, boxes)
    assert layout._skew(text, boxes, turn) == 0.0
