"""The font pruning's shortcuts (issue #14) change nothing it finds: the codes of a string
taken without making a Glyph per byte are the codes of its glyphs, for simple and composite
fonts and any bytes; the scan of the codes still drawn, restricted to the fonts that lost
glyphs, finds for those fonts what the scan of every font finds (generated files, the
fixtures and the shared corpus)."""

from __future__ import annotations

import pikepdf
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from redactor.formats.pdf import content as C
from redactor.formats.pdf.fontprune import used_codes
from redactor.formats.pdf.fonts import FontMetrics

from conftest import CORPUS, FIXTURES


def _fonts(pdf: pikepdf.Pdf) -> list:
    simple = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                BaseFont=pikepdf.Name.Helvetica, Encoding=pikepdf.Name.WinAnsiEncoding)
    widths = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.TrueType, BaseFont=pikepdf.Name.Arial,
                                FirstChar=30, LastChar=40, Widths=[500 + i for i in range(11)])
    identity = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0, BaseFont=pikepdf.Name.Foo,
        Encoding=pikepdf.Name("/Identity-H"),
        DescendantFonts=[pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.CIDFontType2,
                                            BaseFont=pikepdf.Name.Foo, W=[1, [600, 700]])])
    cmap = pdf.make_stream(b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
                           b"1 begincodespacerange <00> <80> endcodespacerange\n"
                           b"1 begincodespacerange <8100> <FFFF> endcodespacerange\n"
                           b"1 begincidrange <00> <80> 1 endcidrange\n"
                           b"1 begincidrange <8100> <FFFF> 200 endcidrange\n"
                           b"endcmap CMapName currentdict /CMap defineresource pop end end\n")
    embedded = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0, BaseFont=pikepdf.Name.Bar, Encoding=cmap,
        DescendantFonts=[pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.CIDFontType0,
                                            BaseFont=pikepdf.Name.Bar)])
    return [simple, widths, identity, embedded]


@hsettings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=40) | st.lists(st.sampled_from([b" ", b"a", b"\x00", b"\x81", b"\xff"]),
                                                 max_size=20).map(b"".join),
       which=st.integers(0, 3))
def test_codes_are_the_codes_of_the_glyphs(data, which):
    pdf = pikepdf.new()
    metrics = FontMetrics(_fonts(pdf)[which])
    assert metrics.codes(data) == {g.code for g in metrics.glyphs(data)}


def _generated(tmp_path) -> pikepdf.Pdf:
    """Two pages, four fonts (simple and composite), a form drawn twice with a font of its own,
    an annotation appearance drawing text."""
    pdf = pikepdf.new()
    fonts = [pdf.make_indirect(f) for f in _fonts(pdf)]
    form_font = pdf.make_indirect(_fonts(pdf)[0])
    form = pdf.make_stream(b"BT /G1 9 Tf 10 10 Td (form text) Tj ET",
                           Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form, BBox=[0, 0, 100, 100],
                           Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(G1=form_font)))
    names = pikepdf.Dictionary({f"/F{i}": f for i, f in enumerate(fonts)})
    for n, content in enumerate([
            b"BT /F0 10 Tf 60 700 Td (Quentin Zweig) Tj /F1 10 Tf [(\x1e\x1f) -20 ( !\")] TJ ET /X Do",
            b"BT /F2 10 Tf <00010002> Tj /F3 10 Tf <0041810082ff> Tj ET q 1 0 0 1 50 50 cm /X Do Q "
            b"BT /F0 12 Tf 1 2 (kept words) \" ET"]):
        page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 612, 792],
                                  Resources=pikepdf.Dictionary(Font=names, XObject=pikepdf.Dictionary(X=form)),
                                  Contents=pdf.make_stream(content))
        if n == 1:
            ap = pdf.make_stream(b"BT /F1 8 Tf (#$) Tj ET", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                                 BBox=[0, 0, 50, 20], Resources=pikepdf.Dictionary(Font=names))
            page.Annots = [pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.FreeText,
                                              Rect=[0, 0, 50, 20], AP=pikepdf.Dictionary(N=ap))]
        pdf.pages.append(pikepdf.Page(page))
    path = tmp_path / "fonts.pdf"
    pdf.save(path)
    return pikepdf.open(path)


def _files():
    out = sorted(FIXTURES.rglob("*.pdf"))
    if CORPUS.is_dir():
        out += sorted(CORPUS.rglob("*.pdf"))
    return out


def _check_restricted_scan(pdf: pikepdf.Pdf) -> int:
    every = used_codes(pdf)
    fonts = sorted(every)
    # every font, each font alone, every other font, and fonts no content draws
    for chosen in [set(fonts), *({f} for f in fonts), set(fonts[::2]), {(999999, 0)}]:
        restricted = used_codes(pdf, chosen)
        assert restricted == {f: every[f] for f in chosen if f in every}
    return len(fonts)


def test_scan_of_the_touched_fonts_finds_what_the_scan_of_every_font_finds(tmp_path):
    with _generated(tmp_path) as pdf:
        assert _check_restricted_scan(pdf) == 5


@pytest.mark.slow
def test_scan_of_the_touched_fonts_on_real_files():
    checked = 0
    for path in _files():
        try:
            pdf = pikepdf.open(path)
        except (pikepdf.PdfError, pikepdf.PasswordError):
            continue
        with pdf:
            checked += _check_restricted_scan(pdf) > 0
    assert checked >= 3
