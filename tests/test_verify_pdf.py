"""The PDF verifier's own checks, apart from the removal engine: the character-in-box test finds
exactly the characters a plain per-character test finds, and a release copy with live text
under a box fails even when the text is no withheld value."""

from __future__ import annotations

import math
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from redactor.formats.pdf.read import read_pdf
from redactor.formats.pdf.verify import _chars_in, verify_pdf_output
from redactor.geometry import contains_point
from redactor.model import Action, Decision, Finding
from redactor.plan import build_plan

from conftest import CORPUS
from pdftools import make_text_pdf

LINES = [(72, 700 - 14 * i, f"Line {i}: the quarterly review of grant {1000 + 37 * i} was filed")
         for i in range(30)] + [(320, 300, "A second column at another x"), (40, 60, "Footer text, page 1")]


def _naive(textpage, boxes):
    """The per-character test as the verifier wrote it before: every character's box, every box."""
    out = []
    for i in range(textpage.count_chars()):
        try:
            l, b, r, t = textpage.get_charbox(i)
        except Exception:
            continue
        cx, cy = (l + r) / 2, (b + t) / 2
        if any(contains_point(bx, cx, cy, tol=-0.25) for bx in boxes):
            out.append(i)
    return out


@pytest.fixture(scope="module")
def page_pdf(tmp_path_factory) -> Path:
    return make_text_pdf(tmp_path_factory.mktemp("v") / "lines.pdf", LINES, size=10)


_box = st.tuples(st.floats(0, 612), st.floats(0, 792), st.floats(0.5, 300), st.floats(0.5, 120)).map(
    lambda t: (t[0], t[1], t[0] + t[2], t[1] + t[3]))


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(boxes=st.lists(_box, min_size=1, max_size=12), whole_page=st.booleans())
def test_chars_in_boxes_same_as_per_character_test(page_pdf, boxes, whole_page):
    if whole_page:
        boxes = boxes + [(-1e9, -1e9, 1e9, 1e9)]
    pdf = pdfium.PdfDocument(str(page_pdf))
    try:
        page = pdf[0]
        tp = page.get_textpage()
        got = [i for i, _, _ in _chars_in(tp, tp.count_chars(), boxes, pdfium_c)]
        assert got == _naive(tp, boxes)
        for i, cx, cy in _chars_in(tp, tp.count_chars(), boxes, pdfium_c):
            assert math.isfinite(cx) and any(contains_point(b, cx, cy, tol=-0.25) for b in boxes)
        tp.close()
        page.close()
    finally:
        pdf.close()


def test_chars_in_boxes_on_a_rotated_real_page():
    """A /Rotate'd real record: char boxes in user space, the same as the per-character test."""
    path = CORPUS / "hostile" / "nics-rotated.pdf"
    if not path.exists():
        pytest.skip("shared corpus absent")
    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[0]
        tp = page.get_textpage()
        w, h = page.get_size()
        boxes = [(x, y, x + w / 3, y + h / 5) for x in (0, w / 3) for y in (0, h / 2)]
        got = [i for i, _, _ in _chars_in(tp, tp.count_chars(), boxes, pdfium_c)]
        assert got == _naive(tp, boxes)
        tp.close()
        page.close()
    finally:
        pdf.close()


def test_box_over_live_text_that_is_no_withheld_value_fails(tmp_path):
    """A box drawn over live text fails the copy by the character-in-box check alone: the text
    under it ("quarterly") is not a withheld value, so no text search would find it."""
    import pikepdf

    src = make_text_pdf(tmp_path / "in.pdf", [(72, 700, "Informant Carlos Mendez filed the quarterly report.")])
    doc = read_pdf(src, ocr=False)
    page = doc.pages[0]
    i = page.text.index("Carlos Mendez")
    f = Finding(1, i, i + len("Carlos Mendez"), "Carlos Mendez", "TEST", 1.0, "test")
    plan = build_plan(doc, [Decision(f, Action.REDACT, "r", ["(b)(6)"], "test")], "test")
    j = page.text.index("quarterly")
    boxes = [b for b in page.char_boxes[j:j + len("quarterly")] if b is not None]
    box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    # The "release copy": the input itself with the withheld name drawn nowhere (replaced by
    # spaces in its string) but the box's redaction claimed over "quarterly".
    out = tmp_path / "out.pdf"
    with pikepdf.open(src) as pdf:
        stream = pdf.pages[0].Contents
        stream.write(stream.read_bytes().replace(b"Carlos Mendez", b" " * len("Carlos Mendez")))
        pdf.save(out)
    import dataclasses

    red = dataclasses.replace(plan.redactions[0], boxes=[box])
    plan = dataclasses.replace(plan, redactions=[red])
    problems = verify_pdf_output(out, plan, {})
    assert any("page 1:" in p and "inside redaction boxes (r1)" in p for p in problems), problems
    assert not any("Carlos" in p or "quarterly" in p for p in problems)


def test_strings_among_numbers_in_content_streams_are_searched(tmp_path):
    """The object walk searches every string a content stream holds outside text-showing
    operators (a marked-content /ActualText, a string in an array operand), between the
    numbers that make most of a stream; the text drawn by Tj is the extractors' business."""
    import pikepdf

    from redactor.formats.pdf.verify import _check_objects
    from redactor.values import Withheld

    def pdf_with(content: bytes) -> Path:
        pdf = pikepdf.new()
        font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                    BaseFont=pikepdf.Name.Helvetica))
        pdf.pages.append(pikepdf.Page(pikepdf.Dictionary(
            Type=pikepdf.Name.Page, MediaBox=[0, 0, 612, 792], Contents=pdf.make_stream(content),
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)))))
        path = tmp_path / f"p{len(list(tmp_path.iterdir()))}.pdf"
        pdf.save(path, compress_streams=True)
        return path

    numbers = b"q 1 0 0 1 10.5 20 cm 0 0 100 50 re f Q "
    values = [Withheld("Quentin Zweig", "page 1, redaction r1 (PERSON)")]
    actual = pdf_with(numbers + b"/Span << /ActualText (Quentin Zweig) >> BDC BT /F1 9 Tf 72 700 Td (x) Tj ET EMC")
    array = pdf_with(numbers + b"[ 3 (Quentin Zweig) 4.5 ] 0 d")
    shown = pdf_with(numbers + b"BT /F1 9 Tf 72 700 Td (Quentin Zweig) Tj ET")
    assert len(_check_objects(actual, values)) == 1
    assert len(_check_objects(array, values)) == 1
    assert _check_objects(shown, values) == []
