"""The glyph-position defence (issue #5, PETS 2023 "Story Beyond the Eye"): after redaction,
neither the box nor the text left on its line tells the removed text's width beyond a
quantum, even on a justified line whose word spacing was computed from the removed name.

Positions are read back with pdfium, an extractor independent of the removal engine.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from redactor.formats.pdf.fonts import FontMetrics
from redactor.formats.pdf.layout import QUANTUM_EM, quantise

from test_pdf_removal import _raw_pdf, assert_removed
from pdftools import xray_bad_redactions

SIZE = 9.0
MARGIN = 72.0
BEFORE = "Dear "
AFTER = ", the grant you asked us about in May was approved by the board today, as"


def _helvetica() -> FontMetrics:
    return FontMetrics(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                          BaseFont=pikepdf.Name.Helvetica, Encoding=pikepdf.Name.WinAnsiEncoding))


def natural(text: str) -> float:
    return sum(g.width for g in _helvetica().glyphs(text.encode("cp1252"))) * SIZE


def justified_pdf(tmp_path: Path, name: str, file: str) -> Path:
    """One justified line (word spacing Tw spreads it to LINE_END) with the name kerned
    glyph by glyph, as typesetting software writes it, and an ordinary line under it."""
    before, after = BEFORE, AFTER
    line = before + name + after
    spaces = line.count(" ")
    line_end = MARGIN + natural(before + after) + 90  # the same for every name
    tw = (line_end - MARGIN - natural(line)) / spaces
    kerned = b" ".join(pikepdf.String(ch).unparse() + b" -15" for ch in name)
    content = (f"BT /F1 {SIZE} Tf {MARGIN} 700 Td {tw:.4f} Tw 0.3 Tc [".encode()
               + pikepdf.String(before).unparse() + b" " + kerned + b" "
               + pikepdf.String(after).unparse() + b"] TJ ET "
               + f"BT 0 Tw 0 Tc /F1 {SIZE} Tf {MARGIN} 680 Td (Filed on 4 March 2021 by the clerk.) Tj ET".encode())
    return _raw_pdf(tmp_path, content, name=file)


def pdfium_chars(path: Path) -> list[tuple[str, tuple[float, float, float, float]]]:
    doc = pdfium.PdfDocument(str(path))
    try:
        tp = doc[0].get_textpage()
        out = []
        for i in range(tp.count_chars()):
            ch = tp.get_text_range(i, 1)
            if ch.strip():
                out.append((ch, tuple(round(v, 2) for v in tp.get_charbox(i))))
        return out
    finally:
        doc.close()


def kept_layout(path: Path) -> list[tuple[str, tuple]]:
    """Every character of the release copy (kept text and box labels) with its box."""
    return pdfium_chars(path)


def redact_name(src: Path, out: Path, name: str, exemptions: tuple[str, ...] = ("(b)(6)",), drawn_out=None):
    """Withhold the name however the extractor spaced it; return (plan, notes, problems)."""
    import re

    from redactor.formats.pdf.read import read_pdf
    from redactor.model import Action, Decision, Finding
    from redactor.formats.pdf.write import write_pdf
    from redactor.plan import build_plan
    from redactor.formats.pdf.verify import verify_pdf_output

    doc = read_pdf(src)
    decisions = []
    for page in doc.pages:
        for m in re.finditer(r"\s+".join(map(re.escape, name.split())), page.text):
            decisions.append(Decision(Finding(page.number, m.start(), m.end(), m.group(), "PERSON", 1.0, "test"),
                                      Action.REDACT, "test-rule", list(exemptions), "test"))
    plan = build_plan(doc, decisions, "test")
    written = write_pdf(plan, out)
    if drawn_out is not None:
        drawn_out.update(written.drawn)
    return written.plan, list(written.notes), verify_pdf_output(out, written.plan, written.drawn)


def redact(tmp_path: Path, name: str, tag: str):
    src = justified_pdf(tmp_path, name, f"in-{tag}.pdf")
    out = tmp_path / f"out-{tag}.pdf"
    plan, _, problems = redact_name(src, out, name)
    assert problems == []
    assert len(plan.redactions) == 1
    return src, out, plan.redactions[0].release_boxes[0]


def test_justified_line_keeps_no_trace_of_the_name(tmp_path):
    name = "Quentin Zweig"
    src, out, box = redact(tmp_path, name, "a")
    assert_removed(out, [name], ["Dear", "the grant you asked us about in May", "Filed on 4 March"],
                   tmp_path)
    assert xray_bad_redactions(out) == {}
    # The box is a whole number of quanta wide: the natural width rounded up.
    width = box[2] - box[0]
    assert width == pytest.approx(quantise(natural(name), SIZE), abs=0.01)
    assert (width / (QUANTUM_EM * SIZE)) == pytest.approx(round(width / (QUANTUM_EM * SIZE)), abs=1e-6)
    # No operator of the release copy keeps the justification: Tw and Tc of the line are 0.
    with pikepdf.open(out) as pdf:
        for inst in pikepdf.parse_content_stream(pdf.pages[0]):
            if str(inst.operator) in ("Tw", "Tc"):
                assert float(inst.operands[0]) == 0, inst
    # The ordinary line below is exactly where it was.
    below = [c for c in pdfium_chars(src) if c[1][1] < 690]
    assert [c for c in pdfium_chars(out) if c[1][1] < 690] == below


def test_same_bucket_same_page(tmp_path):
    """Two names of different widths in the same quantum: the release copies look the same
    to the last glyph position."""
    a, b = "Ann Lee", "Ann Lim"
    assert natural(a) != natural(b) and quantise(natural(a), SIZE) == quantise(natural(b), SIZE)
    _, out_a, box_a = redact(tmp_path, a, "a")
    _, out_b, box_b = redact(tmp_path, b, "b")
    assert box_a == pytest.approx(box_b)
    assert kept_layout(out_a) == kept_layout(out_b)


@hsettings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.text(alphabet="ABCDEFGHJKLMNOPRSTW", min_size=1, max_size=1).flatmap(
           lambda c: st.text(alphabet="aeilmnorstuvwy", min_size=2, max_size=7).map(lambda t: c + t)),
       last=st.text(alphabet="ABCDEFGHJKLMNOPRSTW", min_size=1, max_size=1).flatmap(
           lambda c: st.text(alphabet="aeilmnorstuvwy", min_size=2, max_size=9).map(lambda t: c + t)))
@pytest.mark.slow
def test_positions_depend_only_on_the_bucket(tmp_path, first, last):
    """Property: for any name, every kept glyph on the line lands where the reference name of
    the same bucket puts it; only the number of quanta can differ between names."""
    name = f"{first} {last}"
    reference_width = quantise(natural(name), SIZE)
    # A reference name of a different length in the same bucket: 'i's are narrow.
    reference = "Ti " + "i" * 200
    while natural(reference) > reference_width - 0.5 or quantise(natural(reference), SIZE) != reference_width:
        if quantise(natural(reference), SIZE) < reference_width:
            break
        reference = reference[:-1]
    if quantise(natural(reference), SIZE) != reference_width:
        pytest.skip("no narrow reference name in this bucket")
    _, out_n, box_n = redact(tmp_path, name, "n")
    _, out_r, box_r = redact(tmp_path, reference, "r")
    assert box_n == pytest.approx(box_r)
    assert kept_layout(out_n) == kept_layout(out_r)


@pytest.mark.parametrize("first, after, watched", [
    # A second column starts 1.6 em after the line: a standard-width box would run into it.
    ("Witness Li said", "BT /F1 {size} Tf {x16:.2f} 700 Td (Column two) Tj ET", "Column"),
    # An opaque box already in the input (a redaction done properly elsewhere) right after
    # the text: the text would run under it (x-ray calls hidden text a bad redaction).
    ("Witness Li said the car was red", "0 g {x02:.2f} 697 150 12 re f", "red"),
])
def test_no_room_keeps_positions_and_says_so(tmp_path, first, after, watched):
    """When a standard-width box does not fit, the line keeps its positions and the report
    says the box shows the width."""
    end = MARGIN + natural(first)
    content = (f"BT /F1 {SIZE} Tf {MARGIN} 700 Td ({first}) Tj ET "
               + after.format(size=SIZE, x16=end + 1.6 * SIZE, x02=end + 2)).encode()
    src = _raw_pdf(tmp_path, content)
    out = tmp_path / "out.pdf"
    plan, notes, problems = redact_name(src, out, "Li")
    assert problems == []
    assert any("keeps its exact width: no room" in n for n in notes), notes
    assert plan.redactions[0].release_boxes == plan.redactions[0].boxes
    assert xray_bad_redactions(out) == {}
    assert [c for c in pdfium_chars(out) if c[0] in watched] == [c for c in pdfium_chars(src) if c[0] in watched]


def test_a_standard_width_never_covers_text_of_another_direction(tmp_path):
    """A rotated stamp or table heading crosses the line just after the name: growing the
    box to a standard width would cover it, so the box keeps its exact width."""
    first = "Witness Li said so"
    li_end = MARGIN + natural("Witness Li")
    # A vertical 'Z' whose centre sits half an em after the name, on the line.
    x = li_end + 0.5 * SIZE + 0.35 * SIZE
    content = (f"BT /F1 {SIZE} Tf {MARGIN} 700 Td ({first}) Tj ET "
               f"BT /F1 {SIZE} Tf 0 1 -1 0 {x:.2f} 700 Tm (Z) Tj ET").encode()
    src = _raw_pdf(tmp_path, content)
    out = tmp_path / "out.pdf"
    plan, notes, problems = redact_name(src, out, "Li")
    assert problems == []
    assert any("would cover other text" in n for n in notes), notes
    assert plan.redactions[0].release_boxes == plan.redactions[0].boxes


def test_a_short_name_still_gets_a_legible_label(tmp_path):
    """The label is public: a box may be widened to fit it (then quantised) without telling
    anything, so even "Li" withheld under two exemptions shows both in its box."""
    src = _raw_pdf(tmp_path, f"BT /F1 {SIZE} Tf {MARGIN} 700 Td (Witness Li said the car was red) Tj ET".encode())
    drawn: dict = {}
    plan, _, problems = redact_name(src, tmp_path / "out.pdf", "Li", ("(b)(6)", "(b)(7)(C)"), drawn)
    assert problems == []
    (box,) = plan.redactions[0].release_boxes
    assert drawn[1] == [(box, "(b)(6); (b)(7)(C)")]
    from redactor.formats.pdf.labels import LEGIBLE_LABEL_SIZE, label_width
    assert box[2] - box[0] >= label_width("(b)(6); (b)(7)(C)", LEGIBLE_LABEL_SIZE)
    assert "b)(7)(C" in "".join(ch for ch, _ in pdfium_chars(tmp_path / "out.pdf"))
