"""The PDF verifier's text checks made with pdfminer.six, for documents that pdfium read for
detection: characters inside redaction boxes and withheld values in the page text are found
as pdfium's checks find them (also on /Rotate'd pages and pages whose MediaBox does not
start at 0, 0), drawn labels are not leaks, a file pdfminer cannot read is a problem, and
``verify_pdf_output(..., reader="pdfium")`` passes a written release copy and fails a leaky one
without making pdfium text pages."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest

from redactor.formats.pdf.read import read_pdf
from redactor.formats.pdf.verify import _check_with_pdfium, _check_with_pdfminer, verify_pdf_output
from redactor.formats.pdf.write import write_pdf
from redactor.settings import Settings
from redactor.values import Withheld, withheld_values

from pdftools import make_text_pdf, withhold_everywhere

JOHN = [Withheld("John Smith", "page 1, redaction r1 (PERSON)")]
LEAK = "release copy unreadable by the independent checker (pdfminer)"


def _pdf(path: Path, pages: list[dict]) -> Path:
    """A PDF of ``pages``, each {"content": bytes, "mediabox": (...), "rotate": int}, its text
    in Helvetica (F1); an image /Im1 (16x16 grey pixels, no two alike) is
    available to every page."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica,
                                                Encoding=pikepdf.Name.WinAnsiEncoding))
    image = pdf.make_stream(bytes(range(256)), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image,
                            Width=16, Height=16, ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=8)
    for spec in pages:
        page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=list(spec.get("mediabox", (0, 0, 612, 792))),
                                  Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font),
                                                               XObject=pikepdf.Dictionary(Im1=image)),
                                  Contents=pdf.make_stream(spec["content"]))
        if spec.get("rotate"):
            page.Rotate = spec["rotate"]
        pdf.pages.append(pikepdf.Page(page))
    pdf.save(path)
    return path


def _box_of(path: Path, number: int, text: str, pad: float = 2.0):
    """The box round ``text`` on page ``number``, from pdfium's character boxes (user space),
    grown by ``pad`` (a redaction box covers the line's height, not the glyphs' ink)."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        tp = pdf[number - 1].get_textpage()
        full = tp.get_text_range(0, tp.count_chars())
        i = full.index(text)
        boxes = [tp.get_charbox(k) for k in range(i, i + len(text)) if not full[k].isspace()]
    finally:
        pdf.close()
    return (min(b[0] for b in boxes) - pad, min(b[1] for b in boxes) - pad,
            max(b[2] for b in boxes) + pad, max(b[3] for b in boxes) + pad)


def _leaks(problems: list[str]) -> list[str]:
    return [p for p in problems if "inside redaction boxes" in p]


LINE = b"BT /F1 12 Tf 72 700 Td (John Smith lives here) Tj ET"


def test_text_under_a_box_and_a_withheld_value_are_reported(tmp_path):
    path = _pdf(tmp_path / "leak.pdf", [{"content": LINE}])
    box = _box_of(path, 1, "John Smith")
    problems = _check_with_pdfminer(path, JOHN, {1: [(box, "r1")]}, {})
    assert problems == ["page 1: 9 character(s) still inside redaction boxes (r1)",
                        "withheld value still extractable from page text: page 1, redaction r1 (PERSON)"]
    assert not any("John" in p or "Smith" in p for p in problems)
    # the same file, the same findings as pdfium's checks
    assert _check_with_pdfium(path, JOHN, {1: [(box, "r1")]}, {}) == problems


def test_a_clean_copy_has_no_problems(tmp_path):
    """The value gone and nothing under the box; the kept words either side of the box are
    outside it (a character is where its centre is)."""
    path = _pdf(tmp_path / "clean.pdf", [{"content": LINE}])
    box = _box_of(path, 1, "John Smith", pad=0.0)
    # "Mr" just before the box, and the rest of the line where it was (a space's width after
    # the name's last glyph), the name gone
    clean = _pdf(tmp_path / "out.pdf", [{"content": b"BT /F1 12 Tf 55 700 Td (Mr) Tj ET "
                                                    b"BT /F1 12 Tf %.2f 700 Td (lives here) Tj ET" % (box[2] + 3.34)}])
    assert _check_with_pdfminer(clean, JOHN, {1: [(box, "r1")]}, {}) == []
    assert _check_with_pdfium(clean, JOHN, {1: [(box, "r1")]}, {}) == []


def test_words_placed_apart_are_separate_words(tmp_path):
    """Two words drawn apart with no space glyph between them read as two words (layout
    analysis puts the space in): the value is found."""
    path = _pdf(tmp_path / "apart.pdf", [{"content": b"BT /F1 12 Tf 72 700 Td (John) Tj 34 0 Td (Smith) Tj ET"}])
    assert _check_with_pdfminer(path, JOHN, {}, {}) == [
        "withheld value still extractable from page text: page 1, redaction r1 (PERSON)"]


def test_pages_without_boxes_are_searched_too(tmp_path):
    path = _pdf(tmp_path / "two.pdf", [{"content": b"BT /F1 12 Tf 72 700 Td (Nothing here) Tj ET"},
                                       {"content": b"BT /F1 12 Tf 72 300 Td (Signed, John) Tj "
                                                   b"0 -14 Td (Smith, clerk) Tj ET"}])
    problems = _check_with_pdfminer(path, JOHN, {1: [((60, 690, 200, 715), "r1")]}, {})
    # page 1's box holds "Nothing here": that is a leak too; page 2 holds the value across a line break
    assert problems == ["page 1: 11 character(s) still inside redaction boxes (r1)",
                        "withheld value still extractable from page text: page 1, redaction r1 (PERSON)"]


@pytest.mark.parametrize("spec", [
    {"rotate": 90}, {"rotate": 180}, {"rotate": 270},
    {"mediabox": (100, 200, 712, 992)},
    {"mediabox": (-300, -400, 312, 392), "rotate": 90},
], ids=["rotate90", "rotate180", "rotate270", "offset-mediabox", "negative-origin-rotate90"])
def test_a_character_under_a_box_is_caught_on_rotated_and_offset_pages(tmp_path, spec):
    """Boxes are in default user space, as pdfium places characters: pdfminer must lay the
    page out unrotated and add the MediaBox origin back. Both extractors report the same
    leak; a box beside the text (on the rotated layout's place for it) reports none."""
    x0, y0 = spec.get("mediabox", (0, 0))[:2]
    content = (b"BT /F1 12 Tf 1 0 0 1 %d %d Tm (Witness John Smith saw the truck.) Tj ET"
               % (x0 + 72, y0 + 500))
    path = _pdf(tmp_path / "p.pdf", [{"content": content, **spec}])
    box = _box_of(path, 1, "John Smith")
    boxes = {1: [(box, "r1")]}
    by_pdfium = _check_with_pdfium(path, JOHN, boxes, {})
    by_pdfminer = _check_with_pdfminer(path, JOHN, boxes, {})
    assert _leaks(by_pdfminer) == _leaks(by_pdfium) == ["page 1: 9 character(s) still inside redaction boxes (r1)"]
    # only the text check: the value itself not withheld
    assert _check_with_pdfminer(path, [], boxes, {}) == _leaks(by_pdfium)
    # a box elsewhere (the first turned half round the MediaBox's centre) holds nothing
    w, h = x0 + (x0 + 612), y0 + (y0 + 792)  # twice the centre
    turned = (w - box[2], h - box[3], w - box[0], h - box[1])
    assert _check_with_pdfminer(path, [], {1: [(turned, "r1")]}, {}) == []
    assert _check_with_pdfium(path, [], {1: [(turned, "r1")]}, {}) == []


def test_a_label_drawn_in_the_box_is_not_a_leak(tmp_path):
    label = "(b)(6)"
    path = _pdf(tmp_path / "label.pdf", [{"content": b"BT /F1 9 Tf 80 700 Td ((b)(6)) Tj ET "
                                                     b"BT /F1 12 Tf 160 700 Td (lives here) Tj ET"}])
    box = (76, 694, 150, 712)
    drawn = {1: [(box, label)]}
    assert _check_with_pdfminer(path, JOHN, {1: [(box, "r1")]}, drawn) == []
    # without the label drawn there, its six characters are six characters under a box
    assert _check_with_pdfminer(path, JOHN, {1: [(box, "r1")]}, {}) == [
        "page 1: 6 character(s) still inside redaction boxes (r1)"]
    # one character more than the label holds is a leak
    extra = _pdf(tmp_path / "extra.pdf", [{"content": b"BT /F1 9 Tf 80 700 Td ((b)(6)) Tj ( J) Tj ET"}])
    assert _check_with_pdfminer(extra, JOHN, {1: [(box, "r1")]}, drawn) == [
        "page 1: 1 character(s) still inside redaction boxes (r1)"]


def test_a_page_withheld_in_full_holds_only_its_placeholder(tmp_path):
    path = _pdf(tmp_path / "whole.pdf", [{"content": b"BT /F1 12 Tf 72 700 Td (Withheld in full) Tj ET"}])
    whole = (-1e9, -1e9, 1e9, 1e9)
    assert _check_with_pdfminer(path, [], {1: [(whole, "page withheld in full")]},
                                {1: [(whole, "Withheld in full")]}) == []
    assert _check_with_pdfminer(path, [], {1: [(whole, "page withheld in full")]}, {}) == [
        "page 1: 14 character(s) still inside redaction boxes (page withheld in full)"]


@pytest.mark.parametrize("data", [b"this is not a PDF at all\n", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog"],
                         ids=["garbage", "truncated"])
def test_an_unreadable_copy_is_a_problem_not_an_exception(tmp_path, data):
    path = tmp_path / "bad.pdf"
    path.write_bytes(data)
    problems = _check_with_pdfminer(path, JOHN, {1: [((0, 0, 100, 100), "r1")]}, {})
    assert len(problems) == 1 and problems[0].startswith(LEAK + ": "), problems


def test_pixels_alone_are_checked_by_pdfium_when_text_is_not(tmp_path, monkeypatch):
    """``text=False``: an image under a box is still checked; no text page is made (and text
    under the box is not pdfium's to report)."""
    path = _pdf(tmp_path / "img.pdf", [{"content": b"q 100 0 0 100 72 600 cm /Im1 Do Q "
                                                   b"BT /F1 12 Tf 72 560 Td (John Smith) Tj ET"}])
    boxes = {1: [((72, 550, 172, 700), "r1")]}
    with_text = _check_with_pdfium(path, JOHN, boxes, {})
    assert "page 1: image pixels under a redaction box are not removed" in with_text
    assert _leaks(with_text)

    def no_text_page(*args, **kwargs):
        raise AssertionError("a text page was made")

    monkeypatch.setattr(pdfium.PdfPage, "get_textpage", no_text_page)
    assert _check_with_pdfium(path, JOHN, boxes, {}, text=False) == [
        "page 1: image pixels under a redaction box are not removed"]


def _release(tmp_path: Path, src: Path, values: list[str]):
    plan = withhold_everywhere(read_pdf(src, ocr=False), values)
    out = tmp_path / "out.pdf"
    written = write_pdf(plan, out, Settings())
    return out, written


@pytest.mark.parametrize("spec", [{}, {"rotate": 90}, {"mediabox": (100, 200, 712, 992)}],
                         ids=["plain", "rotate90", "offset-mediabox"])
def test_a_written_release_copy_passes(tmp_path, monkeypatch, spec):
    """The writer's copy passes pdfminer's checks: its labels, the kept text either side of
    the boxes and on the lines above and below are no leaks. pdfium makes no text page."""
    x0, y0 = spec.get("mediabox", (0, 0))[:2]
    content = b"".join(b"BT /F1 11 Tf 1 0 0 1 %d %d Tm (%s) Tj ET " % (x0 + 72, y0 + 700 - 13 * k, line)
                       for k, line in enumerate([b"Case 2021-0042, filed by the clerk.",
                                                 b"Applicant Jane Roe, SSN 512-43-7789, lives in Ohio.",
                                                 b"Jane Roe signed; the permit was approved."]))
    src = _pdf(tmp_path / "in.pdf", [{"content": content, **spec}])
    out, written = _release(tmp_path, src, ["Jane Roe", "512-43-7789"])
    assert len(written.plan.redactions) == 3 and written.drawn
    assert verify_pdf_output(out, written.plan, written.drawn) == []
    monkeypatch.setattr(pdfium.PdfPage, "get_textpage", lambda *a, **k: pytest.fail("pdfium read the text"))
    assert verify_pdf_output(out, written.plan, written.drawn, reader="pdfium") == []


def test_a_leaky_release_copy_fails(tmp_path, monkeypatch):
    """Removal skipped (the boxes and labels drawn over live text): pdfminer's checks fail the
    copy, by position and by value, saying where and never what."""
    import redactor.formats.pdf.content as pc

    src = make_text_pdf(tmp_path / "in.pdf", [(72, 700, "Informant Carlos Mendez met the agent."),
                                              (72, 680, "The agent wrote the report.")])
    monkeypatch.setattr(pc.ContentWalker, "_under_box", lambda self, x, y: False)
    out, written = _release(tmp_path, src, ["Carlos Mendez"])
    monkeypatch.undo()
    values = withheld_values(written.plan)
    boxes = {1: [(b, "r1") for b in written.plan.redactions[0].release_boxes]}
    assert _check_with_pdfminer(out, values, boxes, dict(written.drawn)) == [
        "page 1: 12 character(s) still inside redaction boxes (r1)",
        "withheld value still extractable from page text: page 1, redaction r1 (TEST)"]
    problems = verify_pdf_output(out, written.plan, written.drawn, reader="pdfium")
    assert "page 1: 12 character(s) still inside redaction boxes (r1)" in problems
    assert "withheld value still extractable from page text: page 1, redaction r1 (TEST)" in problems
    assert not any("Carlos" in p or "Mendez" in p for p in problems)


def test_an_unknown_reader_is_refused(tmp_path):
    src = make_text_pdf(tmp_path / "in.pdf", [(72, 700, "Nothing withheld here.")])
    out, written = _release(tmp_path, src, [])
    with pytest.raises(ValueError):
        verify_pdf_output(out, written.plan, written.drawn, reader="pypdf")
