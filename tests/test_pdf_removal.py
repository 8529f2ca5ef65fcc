"""The removal engine: after redaction no extractor finds a withheld value, kept text is still
real text at its place, nothing is left inside a box, metadata is scrubbed. Values are chosen
by the tests (not by detection), so these tests exercise removal alone."""

from __future__ import annotations

import zlib
from pathlib import Path

import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from redactor.formats.pdf.read import read_pdf
from redactor.formats.pdf.write import write_pdf
from redactor.settings import Settings
from redactor.formats.pdf.verify import verify_pdf_output

from pdftools import (all_texts, chars_in_boxes_mupdf, make_text_pdf, qdf_bytes, squeeze, text_pdfium,
                      withhold_everywhere, xray_bad_redactions)


def redact_values(src: Path, out: Path, values: list[str], exemption: str = "(b)(6)", defend: bool = True):
    """Withhold every occurrence of each value; return (plan, problems found by verify)."""
    plan = withhold_everywhere(read_pdf(src), values, exemption)
    written = write_pdf(plan, out, Settings(keep_positions=not defend))
    return written.plan, verify_pdf_output(out, written.plan, written.drawn)


def assert_removed(path: Path, withheld: list[str], kept: list[str], tmp_path: Path) -> None:
    texts = all_texts(path)
    for name, text in texts.items():
        for v in withheld:
            assert squeeze(v) not in squeeze(text), f"{name} still finds {v!r}"
        for k in kept:
            assert squeeze(k) in squeeze(text), f"{name} lost kept text {k!r}"
    raw = qdf_bytes(path, tmp_path)
    for v in withheld:
        assert v.encode() not in raw, f"{v!r} in decompressed file bytes"


def test_simple_line(tmp_path):
    src = make_text_pdf(tmp_path / "in.pdf", [(72, 700, "Applicant Jane Roe, SSN 512-43-7789, lives in Ohio."),
                                              (72, 680, "The permit was approved on May 2, 2021.")],
                        author="Jane Roe")
    out = tmp_path / "out.pdf"
    plan, problems = redact_values(src, out, ["Jane Roe", "512-43-7789"])
    assert problems == []
    assert len(plan.redactions) == 2
    assert_removed(out, ["Jane Roe", "512-43-7789"], ["Applicant", "lives in Ohio", "approved on May 2, 2021"],
                   tmp_path)
    with pikepdf.open(out) as pdf:
        assert "Jane" not in repr(dict(pdf.docinfo))
        assert "/Metadata" not in pdf.Root
    assert xray_bad_redactions(out) == {}
    boxes = {1: [b for r in plan.redactions for b in r.release_boxes]}
    assert chars_in_boxes_mupdf(out, boxes) == list("(b)(6)(b)(6)") or all(
        c in "(b)6" for c in chars_in_boxes_mupdf(out, boxes))


def test_kept_text_keeps_its_position(tmp_path):
    """Lines without a box keep every glyph in place; with --keep-positions so does the text
    after a box on its own line."""
    src = make_text_pdf(tmp_path / "in.pdf", [(72, 700, "Name: Jane Roe  Case 2021-0042 closed"),
                                              (72, 680, "Filed 2021-03-04 by the clerk")])
    before = read_pdf(src).pages[0]
    for defend, moved in ((True, "2021-03-04"), (False, "2021-0042")):
        out = tmp_path / f"out-{defend}.pdf"
        _, problems = redact_values(src, out, ["Jane Roe"], defend=defend)
        assert problems == []
        after = read_pdf(out).pages[0]
        for value in {"2021-03-04", moved}:
            i, j = before.text.index(value), after.text.index(value)
            for k in range(len(value)):
                assert after.char_boxes[j + k] == pytest.approx(before.char_boxes[i + k], abs=0.05)


def test_kerned_text_with_char_spacing(tmp_path):
    src = make_text_pdf(tmp_path / "in.pdf", [(72, 700, "Phone 217-555-4821 after hours")],
                        font="Times-Roman", size=12, char_space=0.7)
    out = tmp_path / "out.pdf"
    _, problems = redact_values(src, out, ["217-555-4821"])
    assert problems == []
    assert_removed(out, ["217-555-4821"], ["Phone", "after hours"], tmp_path)


def _raw_pdf(tmp_path: Path, content: bytes, *, mediabox=(0, 0, 612, 792), rotate=0, extra_xobjects=None,
             name="raw.pdf") -> Path:
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica,
                                                Encoding=pikepdf.Name.WinAnsiEncoding))
    resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    if extra_xobjects:
        resources.XObject = pikepdf.Dictionary({k: v(pdf, font) for k, v in extra_xobjects.items()})
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=list(mediabox), Resources=resources,
                              Contents=pdf.make_stream(content))
    if rotate:
        page.Rotate = rotate
    pdf.pages.append(pikepdf.Page(page))
    path = tmp_path / name
    pdf.save(path)
    return path


def test_rotated_page(tmp_path):
    content = b"BT /F1 12 Tf 72 500 Td (Witness Robert Kowalski saw the truck.) Tj ET"
    src = _raw_pdf(tmp_path, content, rotate=90)
    out = tmp_path / "out.pdf"
    plan, problems = redact_values(src, out, ["Robert Kowalski"])
    assert problems == []
    assert plan.redactions and plan.redactions[0].boxes
    assert_removed(out, ["Robert Kowalski"], ["Witness", "saw the truck"], tmp_path)


def test_offset_mediabox_and_scaled_ctm(tmp_path):
    content = (b"q 1.5 0 0 1.5 -30 40 cm BT /F1 10 Tf 1 0 0 1 150 300 Tm "
               b"(Complainant Patricia Nguyen reported) Tj ET Q")
    src = _raw_pdf(tmp_path, content, mediabox=(100, 200, 712, 992))
    out = tmp_path / "out.pdf"
    _, problems = redact_values(src, out, ["Patricia Nguyen"])
    assert problems == []
    assert_removed(out, ["Patricia Nguyen"], ["Complainant", "reported"], tmp_path)


def test_text_in_shared_form_xobject(tmp_path):
    """A form drawn on the page holds the value; it is redacted in a copy of the form."""

    def form(pdf, font):
        return pdf.make_indirect(pikepdf.Stream(pdf, b"BT /F1 11 Tf 0 0 Td (Badge 4471 Officer Dana Whitlock) Tj ET",
                                                Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                                                BBox=[0, 0, 400, 20],
                                                Resources=pikepdf.Dictionary(
                                                    Font=pikepdf.Dictionary(F1=font))))

    content = b"q 1 0 0 1 72 600 cm /Fm1 Do Q BT /F1 11 Tf 72 560 Td (Unrelated closing line) Tj ET"
    src = _raw_pdf(tmp_path, content, extra_xobjects={"/Fm1": form})
    out = tmp_path / "out.pdf"
    _, problems = redact_values(src, out, ["Dana Whitlock"])
    assert problems == []
    assert_removed(out, ["Dana Whitlock"], ["Badge 4471 Officer", "Unrelated closing line"], tmp_path)


def test_invisible_ocr_text_and_image_pixels(tmp_path):
    """A scan with a hidden OCR layer (render mode 3): the hidden glyphs go, and so do the
    image pixels under the box."""
    import numpy as np

    w, h = 200, 50
    pixels = np.full((h, w), 255, dtype=np.uint8)
    pixels[10:40, 20:180] = np.random.default_rng(1).integers(0, 255, (30, 160), dtype=np.uint8)

    def image(pdf, font):
        return pdf.make_indirect(pikepdf.Stream(pdf, zlib.compress(pixels.tobytes()), Type=pikepdf.Name.XObject,
                                                Subtype=pikepdf.Name.Image, Width=w, Height=h,
                                                ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=8,
                                                Filter=pikepdf.Name.FlateDecode))

    content = (b"q 400 0 0 100 72 600 cm /Im1 Do Q "
               b"BT 3 Tr /F1 20 Tf 80 640 Td (SSN 512-43-7789 on file) Tj ET")
    src = _raw_pdf(tmp_path, content, extra_xobjects={"/Im1": image})
    out = tmp_path / "out.pdf"
    plan, problems = redact_values(src, out, ["512-43-7789"])
    assert problems == []
    assert_removed(out, ["512-43-7789"], ["SSN", "on file"], tmp_path)
    # The image data under the box is uniform now; outside it is unchanged.
    with pikepdf.open(out) as pdf:
        xobjs = pdf.pages[0].Resources.XObject
        redacted = [x for k, x in xobjs.items() if k != "/Im1" and str(x.get("/Subtype")) == "/Image"]
        assert len(redacted) == 1
        data = np.frombuffer(redacted[0].read_bytes(), dtype=np.uint8).reshape(h, w)
    box = plan.redactions[0].boxes[0]
    from redactor.geometry import Matrix
    from redactor.geometry import pixel_rect

    x0, y0, x1, y1 = pixel_rect(Matrix(400, 0, 0, 100, 72, 600), box, w, h)
    assert np.ptp(data[y0:y1, x0:x1]) == 0
    assert (data[:, :x0] == pixels[:, :x0]).all()


def test_verification_catches_a_box_over_live_text(tmp_path, monkeypatch):
    """If removal is skipped, verification must fail: a box over live text never passes."""
    import redactor.formats.pdf.content as pc

    src = make_text_pdf(tmp_path / "in.pdf", [(72, 700, "Informant Carlos Mendez met the agent.")])
    out = tmp_path / "out.pdf"
    monkeypatch.setattr(pc.ContentWalker, "_under_box", lambda self, x, y: False)
    _, problems = redact_values(src, out, ["Carlos Mendez"])
    assert problems, "verification passed a box drawn over live text"
    assert any("inside redaction boxes" in p or "still extractable" in p for p in problems)
    assert "Carlos Mendez" in text_pdfium(out)


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    prefix=st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCDEFGH,.", min_size=0, max_size=30),
    suffix=st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCDEFGH,.", min_size=0, max_size=30),
    digits=st.tuples(st.integers(100, 665), st.integers(10, 99), st.integers(1000, 9999)),
    font=st.sampled_from(["Helvetica", "Times-Roman", "Courier", "Helvetica-Bold"]),
    size=st.floats(min_value=7, max_value=24),
    char_space=st.sampled_from([0.0, 0.2, 0.5]),
)
def test_nothing_withheld_survives(tmp_path, prefix, suffix, digits, font, size, char_space):
    value = f"{digits[0]}-{digits[1]}-{digits[2]}"
    src = make_text_pdf(tmp_path / "p.pdf", [(40, 500, f"{prefix} {value} {suffix}")], font=font, size=size,
                        char_space=char_space)
    out = tmp_path / "o.pdf"
    plan, problems = redact_values(src, out, [value])
    assert plan.redactions, "the value was not found in the extracted text"
    assert problems == []
    for name, text in all_texts(out).items():
        assert value.replace("-", "") not in squeeze(text), name
    kept = squeeze(prefix + suffix)
    assert kept in squeeze(text_pdfium(out)).replace("b6", "")


def test_font_tables_forget_codes_used_only_by_removed_text(tmp_path):
    """Widths and ToUnicode entries of letters that only the removed name used are dropped;
    those of kept letters stay (glyph-position defence)."""
    pdf = pikepdf.new()
    widths = [500] * (126 - 32 + 1)
    tounicode = pdf.make_stream(b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap "
                                b"1 begincodespacerange <00> <FF> endcodespacerange "
                                b"1 beginbfrange <20> <7E> <0020> endbfrange endcmap "
                                b"CMapName currentdict /CMap defineresource pop end end")
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica, FirstChar=32, LastChar=126,
                                                Widths=widths, ToUnicode=tounicode))
    content = b"BT /F1 12 Tf 72 700 Td (Tip from Quentin Zweig about the barn.) Tj ET"
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 612, 792],
                              Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
                              Contents=pdf.make_stream(content))
    pdf.pages.append(pikepdf.Page(page))
    src = tmp_path / "in.pdf"
    pdf.save(src)
    out = tmp_path / "out.pdf"
    _, problems = redact_values(src, out, ["Quentin Zweig"])
    assert problems == []
    with pikepdf.open(out) as result:
        f = result.pages[0].Resources.Font.F1
        w = {32 + i: float(v) for i, v in enumerate(f.Widths)}
        assert w[ord("Q")] == 0 and w[ord("Z")] == 0 and w[ord("w")] == 0  # only in the name
        assert w[ord("T")] == 500 and w[ord("b")] == 500 and w[ord("e")] == 500  # kept letters
        cmap = f.ToUnicode.read_bytes()
        assert b"<51>" not in cmap and b"<5A>" not in cmap and b"<54>" in cmap
    assert "Tip from" in text_pdfium(out) and "about the barn." in text_pdfium(out)


def _two_lines_in(font_name: str, path: Path) -> Path:
    """A page with a line holding a name and an untouched line, in a registered font."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), invariant=1)
    c.setFont(font_name, 12)
    c.drawString(72, 700, "Tip from Quentin Zweig about the barn.")
    c.drawString(72, 600, "The barn report is final.")
    c.showPage()
    c.save()
    return path


def _assert_untouched_line_renders_the_same(src: Path, out: Path) -> None:
    """The line at y=600 renders pixel for pixel as before (no kept glyph lost its shape)."""
    import numpy as np
    import pypdfium2 as pdfium

    def render(path: Path):
        doc = pdfium.PdfDocument(str(path))
        try:
            return np.asarray(doc[0].render(scale=2).to_pil().convert("L"))
        finally:
            doc.close()

    before, after = render(src), render(out)
    h = before.shape[0]
    band = slice(int(h - 2 * 615), int(h - 2 * 590))
    assert (before[band] == after[band]).all()
    assert before[band].min() < 128  # the band does hold the line


def test_embedded_glyph_outlines_used_only_by_removed_text_are_emptied(tmp_path):
    """A subset TrueType font keeps the outline of every letter the document drew; after
    removal the outlines that only the removed name used are empty, every other letter
    still renders exactly as before."""
    import io

    import reportlab
    from fontTools.ttLib import TTFont
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont as RLTTFont

    pdfmetrics.registerFont(RLTTFont("Vera", str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf")))
    src = _two_lines_in("Vera", tmp_path / "in.pdf")

    def outlines(path: Path) -> int:
        with pikepdf.open(path) as pdf:
            fonts = [f for f in pdf.pages[0].Resources.Font.values() if "/FontDescriptor" in f]
            data = fonts[0].FontDescriptor.FontFile2.read_bytes()
        tt = TTFont(io.BytesIO(data))
        return sum(1 for name in tt.getGlyphOrder() if tt["glyf"][name].numberOfContours != 0)

    out = tmp_path / "out.pdf"
    _, problems = redact_values(src, out, ["Quentin Zweig"])
    assert problems == []
    # Q, Z, w and g appear only in the name.
    assert outlines(src) - outlines(out) == 4
    _assert_untouched_line_renders_the_same(src, out)


def test_image_shared_by_two_pages_is_redacted_once_where_the_box_is(tmp_path):
    """One image XObject drawn on two pages (a letterhead, a scanned form): page 1 gets a
    redacted copy, page 2 keeps the original pixels, and the original is not reachable
    from page 1."""
    import numpy as np

    w, h = 200, 50
    pixels = np.random.default_rng(7).integers(0, 255, (h, w), dtype=np.uint8)
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica, Encoding=pikepdf.Name.WinAnsiEncoding))
    image = pdf.make_indirect(pikepdf.Stream(pdf, zlib.compress(pixels.tobytes()), Type=pikepdf.Name.XObject,
                                             Subtype=pikepdf.Name.Image, Width=w, Height=h,
                                             ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=8,
                                             Filter=pikepdf.Name.FlateDecode))
    resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font), XObject=pikepdf.Dictionary(Im1=image))
    for text in (b"Witness Dana Whitlock signed", b"Witness statement continued"):
        content = b"q 400 0 0 100 72 600 cm /Im1 Do Q BT /F1 20 Tf 80 640 Td (" + text + b") Tj ET"
        pdf.pages.append(pikepdf.Page(pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 612, 792],
                                                         Resources=resources, Contents=pdf.make_stream(content))))
    src = tmp_path / "shared.pdf"
    pdf.save(src)
    out = tmp_path / "out.pdf"
    _, problems = redact_values(src, out, ["Dana Whitlock"])
    assert problems == []
    with pikepdf.open(out) as result:
        imgs = [list(p.Resources.XObject.values()) for p in result.pages]
        assert len(imgs[0]) == 1 and len(imgs[1]) == 1
        one = np.frombuffer(imgs[0][0].read_bytes(), dtype=np.uint8).reshape(h, w)
        two = np.frombuffer(imgs[1][0].read_bytes(), dtype=np.uint8).reshape(h, w)
        assert imgs[0][0].objgen != imgs[1][0].objgen
    assert (two == pixels).all()  # page 2: untouched
    changed = one != pixels
    assert changed.any() and changed.mean() < 0.5  # page 1: only the part under the box


@pytest.mark.parametrize("rotate", [0, 90])
def test_cropped_page(tmp_path, rotate):
    """A /CropBox smaller than the /MediaBox (and rotated): boxes land on the glyphs, and a
    standard-width box never runs past the visible edge of the page."""
    content = b"BT /F1 12 Tf 120 500 Td (Witness Robert Kowalski saw it) Tj ET"
    src = _raw_pdf(tmp_path, content, rotate=rotate)
    with pikepdf.open(src, allow_overwriting_input=True) as pdf:
        pdf.pages[0].obj.CropBox = [100, 400, 330, 600]  # "it" ends near the right edge
        pdf.save(src)
    out = tmp_path / "out.pdf"
    plan, problems = redact_values(src, out, ["Robert Kowalski"])
    assert problems == []
    assert_removed(out, ["Robert Kowalski"], ["Witness", "saw it"], tmp_path)
    assert xray_bad_redactions(out) == {}
    (box,) = plan.redactions[0].release_boxes
    assert 100 <= box[0] and box[2] <= 330 and 400 <= box[1] and box[3] <= 600


def test_type1_glyph_programs_used_only_by_removed_text_are_emptied(tmp_path):
    """An embedded Type1 font (/FontFile): the charstrings of letters only the removed name
    used become empty (advance kept), every other glyph is untouched and renders as before."""
    import reportlab
    from fontTools.t1Lib import T1Font
    from reportlab.pdfbase import pdfmetrics

    fonts = Path(reportlab.__file__).parent / "fonts"
    face = pdfmetrics.EmbeddedType1Face(str(fonts / "_a______.afm"), str(fonts / "_a______.pfb"))
    pdfmetrics.registerTypeFace(face)
    pdfmetrics.registerFont(pdfmetrics.Font("T1Test", face.name, "WinAnsiEncoding"))
    src = _two_lines_in("T1Test", tmp_path / "in.pdf")

    def charstrings(path: Path) -> dict:
        with pikepdf.open(path) as pdf:
            font = [f for f in pdf.pages[0].Resources.Font.values() if "/FontDescriptor" in f][0]
            (tmp_path / "font.bin").write_bytes(font.FontDescriptor.FontFile.read_bytes())
        t1 = T1Font(str(tmp_path / "font.bin"), kind="OTHER")
        t1.parse()
        out = {}
        for name in ("Q", "Z", "w", "g", "T", "b", "e"):
            cs = t1.font["CharStrings"][name]
            cs.decompile()
            out[name] = [x for x in cs.program if x != "endchar"]
        return out

    out = tmp_path / "out.pdf"
    _, problems = redact_values(src, out, ["Quentin Zweig"])
    assert problems == []
    before, after = charstrings(src), charstrings(out)
    for name in "QZwg":  # only in the name: nothing but the advance is left
        assert len(before[name]) > 3 and after[name] == before[name][:3] and after[name][2] == "hsbw"
    for name in "Tbe":
        assert after[name] == before[name]
    _assert_untouched_line_renders_the_same(src, out)
