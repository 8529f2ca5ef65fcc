"""The PDF writer's fast paths (issue #14: the glyph-position defence made cheap) change no
byte of a release copy: on generated pages (lines of words, kerned TJ arrays, character and
word spacing, several sizes, tight line spacing, rotated pages, withheld words anywhere) the
writer with its shortcuts and the writer made to take the general path everywhere write the
same file, the same boxes and the same notes."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from redactor.formats.pdf import content as C
from redactor.formats.pdf.read import read_pdf
from redactor.formats.pdf.write import write_pdf
from pdftools import withhold_everywhere

from test_pdf_removal import _raw_pdf

WORDS = ["the", "grant", "Quentin", "Zweig", "board", "approved", "May", "clerk", "Filed", "on", "4",
         "March", "2021", "by", "Ashley", "McAllister", "555-0142", "Dear", "office", "report"]


def slow_paths(monkeypatch) -> None:
    """Make the writer take its general path everywhere: every glyph placed as soon as it is
    met, every operator re-laid glyph by glyph, and the page's content parsed again for the
    rewrite."""
    monkeypatch.setattr(C, "LAZY_RUNS", False)
    real = C._Removal.show

    def every_run_may_lose_glyphs(w, gs, tm, arr, prefix, drift, inst):
        run = w.glyph_run(gs, tm, arr, prefix)
        removed, run.removed = run.removed, True
        try:
            return real(w, gs, tm, arr, prefix, drift, inst)
        finally:
            run.removed = removed

    monkeypatch.setattr(C._Removal, "show", staticmethod(every_run_may_lose_glyphs))
    rewrite = C.ContentWalker.rewrite_page

    def parse_again(self, page, base, instructions=None):  # not the measuring walk's parse
        return rewrite(self, page, base)

    monkeypatch.setattr(C.ContentWalker, "rewrite_page", parse_again)


@st.composite
def pages(draw):
    """(content stream, withheld words) of one generated page."""
    parts = []
    used = []
    y = 740.0
    turn = draw(st.sampled_from(["", "", "0 1 -1 0 612 0 cm "]))
    for _ in range(draw(st.integers(1, 10))):
        words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=9))
        used += words
        size = draw(st.sampled_from([8.0, 10.0, 12.0]))
        spacing = draw(st.sampled_from(["", "", "0.3 Tc ", "1.2 Tw ", "0.2 Tc 0.8 Tw "]))
        if draw(st.booleans()):
            kern = draw(st.sampled_from(["0", "-15", "40"]))
            items = f" {kern} ".join(pikepdf.String(w + " ").unparse().decode("latin-1") for w in words)
            show = f"[{items}] TJ"
        elif len(words) > 1 and draw(st.booleans()):  # two operators, the second where the first ends
            cut = draw(st.integers(1, len(words) - 1))
            show = " ".join(pikepdf.String(" ".join(part) + " ").unparse().decode("latin-1") + " Tj"
                            for part in (words[:cut], words[cut:]))
        else:
            show = pikepdf.String(" ".join(words)).unparse().decode("latin-1") + " Tj"
        parts.append(f"BT {spacing}/F1 {size} Tf 60 {y:.1f} Td {show} ET")
        y -= draw(st.sampled_from([6.0, 11.0, 14.0, 30.0]))
    withheld = draw(st.lists(st.sampled_from(sorted(set(used))), min_size=1, max_size=3, unique=True))
    return (turn + " ".join(parts)).encode("latin-1"), withheld


def _write(src: Path, out: Path, withheld: list[str]):
    written = write_pdf(withhold_everywhere(read_pdf(src), withheld), out)
    return written, out.read_bytes()


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(page=pages())
def test_fast_and_general_paths_write_the_same_file(tmp_path, monkeypatch, page):
    content, withheld = page
    src = _raw_pdf(tmp_path, content)
    fast, fast_bytes = _write(src, tmp_path / "fast.pdf", withheld)
    with monkeypatch.context() as m:
        slow_paths(m)
        slow, slow_bytes = _write(src, tmp_path / "slow.pdf", withheld)
    assert fast_bytes == slow_bytes
    assert (fast.notes, fast.drawn) == (slow.notes, slow.drawn)



_any_float = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 1e-300, 1e308])


@hsettings(max_examples=300, deadline=None)
@given(x=_any_float, y=_any_float, advance=_any_float, em=_any_float, shift=st.tuples(_any_float, _any_float))
def test_glyph_box_along_x_is_the_general_one_bit_for_bit(x, y, advance, em, shift):
    """The collision check's glyph box for text along x (written out) is the general
    computation's, to the bit, whatever the numbers (zeros of either sign, infinities, NaN)."""
    import struct

    from redactor.formats.pdf import layout as L

    g = L.GlyphPlacement((0,), x, y, 1.0, 0.0, advance, em, 0.0, 0.0, False, False, False)
    axis = L._axis(g)
    sx, sy = g.x + shift[0], g.y + shift[1]
    t, u = L._t(axis, sx, sy), L._u(axis, sx, sy)
    general = L._box_from(axis, t, t + g.advance, u - 0.2 * g.em, u + 0.75 * g.em)
    assert [struct.pack("<d", v) for v in L._glyph_box(g, shift)] == [struct.pack("<d", v) for v in general]


def test_collector_paused_only_while_a_page_is_rewritten(tmp_path, monkeypatch):
    """write._collector_paused holds the cyclic collector off while a page is rewritten (and
    while the fonts are pruned and strings scrubbed): the release copy, notes and boxes are
    those written with the collector running throughout, the pause does happen, and the
    collector runs again afterwards, also when a page cannot be rewritten, and is left off
    when the caller had it off."""
    import contextlib
    import gc

    from redactor.errors import UnsupportedContentError
    from redactor.formats.pdf import write as W

    content = b" ".join(b"BT /F1 10 Tf 60 %d Td (Filed by Ashley McAllister on 4 March 2021) Tj ET" % y
                        for y in range(700, 400, -14))
    src = _raw_pdf(tmp_path, content)
    seen = []
    redact = W._redact_page

    def spy(*args):
        seen.append(gc.isenabled())
        return redact(*args)

    monkeypatch.setattr(W, "_redact_page", spy)
    assert gc.isenabled()
    paused, paused_bytes = _write(src, tmp_path / "paused.pdf", ["Ashley McAllister"])
    assert seen == [False] and gc.isenabled()
    with monkeypatch.context() as m:
        m.setattr(W, "_collector_paused", contextlib.nullcontext)
        plain, plain_bytes = _write(src, tmp_path / "plain.pdf", ["Ashley McAllister"])
    assert seen == [False, True]
    assert paused_bytes == plain_bytes and (paused.notes, paused.drawn) == (plain.notes, plain.drawn)

    def fails(*args):
        raise UnsupportedContentError("page 1: content cannot be rewritten safely")

    monkeypatch.setattr(W, "_redact_page", fails)
    with pytest.raises(UnsupportedContentError):
        _write(src, tmp_path / "failed.pdf", ["Ashley McAllister"])
    assert gc.isenabled()
    monkeypatch.setattr(W, "_redact_page", redact)

    gc.disable()
    try:
        _write(src, tmp_path / "off.pdf", ["Ashley McAllister"])
        assert not gc.isenabled()
    finally:
        gc.enable()
