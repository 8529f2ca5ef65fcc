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
from redactor.formats.pdf import layout as L
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


# The collision check as it was before it computed glyph boxes on demand (every kept glyph's
# box, every pass): the oracle the incremental one must agree with exactly.
def _reference_undo_collisions(layout, glyphs, boxes,
                                segments: list[tuple[list[tuple], list[int]]]) -> None:
    """No drawn box may cover any part of a kept glyph it did not cover before, whatever the
    glyph's line or direction (a second column on another baseline, a rotated heading, a
    stamp): neither a box that grew or moved, nor a glyph that moved into any box. A segment
    that would is put back as it was; undoing one can expose another, so repeat until
    nothing collides."""
    kept = [g for g in glyphs if not g.removed]
    original = {g.key: L._glyph_box(g, (0.0, 0.0)) or (g.cx, g.cy, g.cx, g.cy) for g in kept}
    for _ in range(len(segments) + 1):
        where = {}
        for g in kept:
            shift = layout.shifts.get(g.key)
            where[g.key] = original[g.key] if not shift or shift == (0.0, 0.0) else (
                L._glyph_box(g, shift) or original[g.key])
        moved_glyphs = [k for k in where if where[k] is not original[k]]
        drawn = layout.boxes
        glyph_index = L.BoxIndex((where[g.key], g.key) for g in kept)
        box_index = L.BoxIndex((b, None) for b in drawn)

        def collides(keys, idx) -> bool:
            for i in idx:
                if drawn[i] != boxes[i]:
                    for gbox, k in glyph_index.near(drawn[i]):
                        if L._touches(drawn[i], gbox) and not L._touches(boxes[i], original[k]):
                            return True
            for k in keys:
                if where[k] is original[k]:
                    continue
                if any(L._touches(b, where[k]) for b, _ in box_index.near(where[k])):
                    return True
            return False

        bad = [(keys, idx) for keys, idx in segments if collides(keys, idx)]
        if not bad and not any(any(L._touches(b, where[k]) for b, _ in box_index.near(where[k]))
                               for k in moved_glyphs):
            return
        if not bad:  # a glyph of no recorded segment collides: put everything back
            bad = list(segments)
        for keys, idx in bad:
            for k in keys:
                layout.shifts.pop(k, None)
            for i in idx:
                layout.boxes[i] = boxes[i]
            layout.notes.append(L._where(boxes[idx[0]]) + "keeps its exact width: a standard width "
                                "would cover other text")
            segments.remove((keys, idx))


_LINE_AXES = [(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0), (0.6, 0.8)]


@st.composite
def _pages(draw):
    """Lines of glyphs in any direction (and one slanted), on baselines close enough for
    boxes to reach across lines; runs of removed glyphs each under a box; boxes over no
    glyph; filled shapes."""
    from redactor.formats.pdf.layout import GlyphPlacement

    glyphs, boxes = [], []
    for n in range(draw(st.integers(1, 6))):
        axis = draw(st.sampled_from(_LINE_AXES))
        em = draw(st.sampled_from([6.0, 9.0, 12.0]))
        x, y = draw(st.floats(50, 500)), draw(st.floats(50, 700))
        run: list = []
        for i in range(draw(st.integers(1, 30))):
            adv = draw(st.sampled_from([0.3, 0.5, 0.6, 0.28])) * em
            removed, space = draw(st.booleans()), draw(st.integers(0, 5)) == 0
            gx, gy = x, y
            g = GlyphPlacement(key=(n, i), x=gx, y=gy, dx=axis[0], dy=axis[1], advance=adv, em=em,
                               cx=gx + axis[0] * adv / 2 - axis[1] * 0.3 * em,
                               cy=gy + axis[1] * adv / 2 + axis[0] * 0.3 * em,
                               removed=removed, space=space, invisible=False)
            glyphs.append(g)
            if removed:
                run.append(g)
            if run and (not removed or i % 7 == 6):
                xs = [v for r in run for v in (r.cx - 0.4 * r.advance - 1, r.cx + 0.4 * r.advance + 1)]
                ys = [v for r in run for v in (r.cy - 0.5 * r.em, r.cy + 0.5 * r.em)]
                boxes.append((min(xs), min(ys), max(xs), max(ys)))
                run = []
            gap = draw(st.sampled_from([0.0, 0.0, 0.1, 2.0]))
            x += axis[0] * (adv + gap)
            y += axis[1] * (adv + gap)
        if run:
            xs = [v for r in run for v in (r.cx - 0.4 * r.advance - 1, r.cx + 0.4 * r.advance + 1)]
            ys = [v for r in run for v in (r.cy - 0.5 * r.em, r.cy + 0.5 * r.em)]
            boxes.append((min(xs), min(ys), max(xs), max(ys)))
    fills = [(x0, y0, x0 + w, y0 + h) for x0, y0, w, h in draw(st.lists(
        st.tuples(st.floats(0, 600), st.floats(0, 780), st.floats(1, 80), st.floats(1, 30)), max_size=3))]
    # Boxes over no glyph (they keep their place and width): only a glyph that moves can
    # run into one. Placed near a glyph, so that one may.
    for _ in range(draw(st.integers(0, 3))):
        g = draw(st.sampled_from(glyphs))
        dx, dy = draw(st.floats(-15, 15)), draw(st.floats(-6, 6))
        w, h = draw(st.floats(0.5, 6)), draw(st.floats(1, 12))
        boxes.append((g.x + dx, g.y + dy, g.x + dx + w, g.y + dy + h))
    return glyphs, boxes, fills


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page=_pages())
def test_collision_check_computed_on_demand_is_the_full_one(page):
    """Glyph boxes computed once and only near what moved give the very layout (shifts, boxes,
    notes) that recomputing every glyph's box on every pass gives."""
    import copy
    from unittest import mock

    glyphs, boxes, fills = page
    calls = []
    incremental = L._undo_collisions

    def both(layout, glyphs, boxes, segments, axes=None):
        reference, ref_segments = copy.deepcopy(layout), list(segments)
        _reference_undo_collisions(reference, glyphs, boxes, ref_segments)
        incremental(layout, glyphs, boxes, segments, axes)
        calls.append(bool(reference.notes))
        assert (layout.shifts, layout.boxes, layout.notes, segments) == (
            reference.shifts, reference.boxes, reference.notes, ref_segments)

    with mock.patch.object(L, "_undo_collisions", both):
        L.defend(glyphs, boxes, (0.0, 0.0, 612.0, 792.0), [], fill_boxes=fills)
    assert len(calls) == 1
