"""Crafted PDFs, one per removal path beyond page text: earlier bad redactions, vector shapes,
annotations, links, outlines, metadata, scripts, attachments, encryption."""

from __future__ import annotations

import json
from pathlib import Path

import pikepdf
import pytest
from typer.testing import CliRunner

from redactor.cli import app

from conftest import CORPUS
from pdftools import qdf_bytes, text_pdfium, xray_bad_redactions
from test_pdf_removal import _raw_pdf, redact_values

runner = CliRunner()


@pytest.mark.slow
def test_earlier_box_over_live_text_is_found_and_removed(tmp_path):
    content = (b"BT /F1 12 Tf 72 700 Td (Informant: Carlos Mendez, met at the pier.) Tj ET "
               b"0 g 128 695 83 16 re f")  # a black box drawn over "Carlos Mendez"
    src = _raw_pdf(tmp_path, content)
    assert xray_bad_redactions(src), "the crafted input should be a bad redaction"
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    doc = report["documents"][0]
    assert doc["status"] == "needs_review"
    prior = [r for r in doc["redactions"] if r["entity"] == "PRIOR_REDACTION"]
    assert prior and prior[0]["needs_review"]
    assert "Mendez" not in text_pdfium(out / src.name)
    assert "met at the pier" in text_pdfium(out / src.name)
    assert xray_bad_redactions(out / src.name) == {}


@pytest.mark.parametrize("content, hidden", [
    # a box drawn over the words, on the page: the classic bad redaction
    (b"BT /F1 12 Tf 72 700 Td (Exhibit 4 Carlos Mendez) Tj ET 0 g 128 695 83 16 re f", True),
    # a dark background printed past the page's edges (a photograph's surround) with an
    # exhibit stamp on it: in sight, not an earlier redaction
    (b"0.1 0.1 0.15 rg -70 -290 745 745 re f 0 g BT /F1 12 Tf 72 300 Td (Exhibit 4 Carlos Mendez) Tj ET", False),
])
def test_a_background_past_the_page_edges_is_no_earlier_redaction(tmp_path, content, hidden):
    from redactor.formats.pdf.read import read_pdf

    src = _raw_pdf(tmp_path, content)
    page = read_pdf(src, ocr=False).pages[0]
    assert bool(page.covered_spans) is hidden


def test_vector_shape_under_box_is_removed(tmp_path):
    # An underline drawn under the name, and a table rule crossing the whole line.
    content = (b"BT /F1 12 Tf 72 700 Td (Signed: Patricia Nguyen today) Tj ET "
               b"0.5 w 120 698.5 m 200 698.5 l S "
               b"0.5 w 60 690 m 500 690 l S")
    src = _raw_pdf(tmp_path, content)
    out = tmp_path / "out.pdf"
    _, problems = redact_values(src, out, ["Patricia Nguyen"])
    assert problems == []
    with pikepdf.open(out) as pdf:
        ops = [str(i.operator) for i in pikepdf.parse_content_stream(pdf.pages[0])]
    strokes = ops.count("S")
    assert strokes == 1, "the underline under the box should go, the long rule should stay"


def test_annotations_links_outlines_metadata_scripts_attachments(tmp_path):
    content = b"BT /F1 12 Tf 72 700 Td (Complainant Robert Kowalski called.) Tj ET"
    src = _raw_pdf(tmp_path, content, name="in.pdf")
    with pikepdf.open(src, allow_overwriting_input=True) as pdf:
        page = pdf.pages[0]
        note = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text,
                                                    Rect=[150, 695, 170, 715],
                                                    Contents=pikepdf.String("call Robert Kowalski back")))
        link = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[400, 100, 500, 120],
            A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://example.org/?q=Robert+Kowalski"))))
        page.obj.Annots = pdf.make_indirect(pikepdf.Array([note, link]))
        with pdf.open_outline() as outline:
            outline.root.append(pikepdf.OutlineItem("Statement of Robert Kowalski", 0))
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:creator"] = ["Robert Kowalski"]
        pdf.docinfo["/Author"] = "Robert Kowalski"
        pdf.Root.OpenAction = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript,
                                                                   JS=pikepdf.String("app.alert('x')")))
        pdf.attachments["statement.txt"] = pikepdf.AttachedFileSpec(pdf, b"Robert Kowalski statement",
                                                                    mime_type="text/plain")
        pdf.save(src)
    out = tmp_path / "out.pdf"
    plan, problems = redact_values(src, out, ["Robert Kowalski"])
    assert problems == []
    raw = qdf_bytes(out, tmp_path)
    assert b"Kowalski" not in raw
    with pikepdf.open(out) as pdf:
        assert "/OpenAction" not in pdf.Root and "/Metadata" not in pdf.Root
        assert len(pdf.attachments) == 0
        annots = pdf.pages[0].obj.get("/Annots", [])
        assert all(str(a.get("/Subtype")) != "/Text" for a in annots), "note under the box not removed"
        with pdf.open_outline() as outline:
            assert outline.root[0].title == "[withheld]"


def test_page_with_unbalanced_restore_keeps_boxes_in_place(tmp_path):
    content = b"Q Q 2 0 0 2 0 0 cm BT /F1 10 Tf 36 350 Td (Witness Dana Whitlock) Tj ET"
    src = _raw_pdf(tmp_path, content)
    out = tmp_path / "out.pdf"
    plan, problems = redact_values(src, out, ["Dana Whitlock"])
    assert problems == []
    box = plan.redactions[0].boxes[0]
    assert box[0] > 100  # the text is drawn at x >= 72 * 2 after the CTM scale


@pytest.mark.parametrize("name, password", [("password-example.pdf", "test"),
                                            ("qpdf-enc-aes256-user-view.pdf", "view")])
def test_encrypted_inputs(tmp_path, name, password):
    src = CORPUS / "hostile" / name
    if not src.exists():
        pytest.skip("shared corpus not available")
    result = runner.invoke(app, ["run", str(src), "--out", str(tmp_path / "a")])
    report = json.loads((tmp_path / "a" / "report.json").read_text())
    assert report["documents"][0]["status"] == "failed"
    assert report["documents"][0]["error"].startswith("encrypted")
    assert result.exit_code == 1
    result = runner.invoke(app, ["run", str(src), "--out", str(tmp_path / "b"), "--password", password])
    report = json.loads((tmp_path / "b" / "report.json").read_text())
    doc = report["documents"][0]
    assert doc["status"] in ("redacted", "unchanged", "needs_review"), doc
    if doc["output"]:
        with pikepdf.open(tmp_path / "b" / doc["output"]) as pdf:
            assert not pdf.is_encrypted  # the release copy opens for anyone


def test_flatten_leaves_no_original_fonts_or_glyph_positions(tmp_path):
    from pdftools import make_text_pdf

    src = tmp_path / "in"
    src.mkdir()
    make_text_pdf(src / "memo.pdf", [(72, 700, "Employee Gregory Lindqvist, SSN 384-21-9076, moved."),
                                     (72, 680, "The North District Garage is open.")], font="Times-Roman")
    make_text_pdf(src / "clean.pdf", [(72, 700, "The North District Garage is open.")], font="Times-Roman")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(src), "--out", str(out), "--flatten"])
    assert result.exit_code == 0, result.output
    with pikepdf.open(out / "memo.pdf") as pdf:
        page = pdf.pages[0]
        fonts = {str(f.BaseFont) for f in page.Resources.Font.values()}
        assert fonts == {"/Helvetica"}, "an original font survived flattening"
        images = [x for x in page.Resources.XObject.values() if str(x.Subtype) == "/Image"]
        assert len(images) == 1
    text = text_pdfium(out / "memo.pdf")
    assert "384-21-9076" not in text and "Lindqvist" not in text
    assert "North District Garage" in text and "(b)(6)" in text
    assert xray_bad_redactions(out / "memo.pdf") == {}
    # A page without redactions is not flattened.
    with pikepdf.open(out / "clean.pdf") as pdf:
        assert "/Times-Roman" in {str(f.BaseFont) for f in pdf.pages[0].Resources.Font.values()}


@pytest.mark.slow
def test_form_field_values_and_comments_are_read_and_withheld(tmp_path):
    content = b"BT /F1 12 Tf 72 700 Td (Applicant name:) Tj ET"
    src = _raw_pdf(tmp_path, content, name="form.pdf")
    with pikepdf.open(src, allow_overwriting_input=True) as pdf:
        field = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, FT=pikepdf.Name.Tx,
            T=pikepdf.String("applicant"), V=pikepdf.String("Complainant: Patricia Nguyen"),
            Rect=[180, 695, 400, 715]))
        note = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text, Rect=[420, 695, 440, 715],
            Contents=pikepdf.String("SSN 384-21-9076 checked")))
        pdf.pages[0].obj.Annots = pikepdf.Array([field, note])
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]))
        pdf.save(src)
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    raw = qdf_bytes(out / "form.pdf", tmp_path)
    assert b"Nguyen" not in raw and b"384-21-9076" not in raw
    report = json.loads((out / "report.json").read_text())
    entities = {r["entity"] for r in report["documents"][0]["redactions"]}
    assert {"PERSON", "US_SSN"} <= entities
    assert "Applicant name:" in text_pdfium(out / "form.pdf")


def _type3_pdf(tmp_path: Path) -> Path:
    """Capital letters drawn by a Type3 font (each glyph a filled box), with a ToUnicode map."""
    pdf = pikepdf.new()
    procs = {}
    for code in range(65, 91):
        procs[f"/g{code}"] = pdf.make_stream(b"600 0 0 0 500 700 d1 50 0 400 700 re f")
    diffs = pikepdf.Array([65] + [pikepdf.Name(f"/g{c}") for c in range(65, 91)])
    tounicode = pdf.make_stream(b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap "
                                b"/CMapName /T3 def 1 begincodespacerange <00> <FF> endcodespacerange "
                                b"1 beginbfrange <41> <5A> <0041> endbfrange "
                                b"1 beginbfrange <20> <20> <0020> endbfrange endcmap "
                                b"CMapName currentdict /CMap defineresource pop end end")
    font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type3, FontBBox=[0, 0, 600, 700],
        FontMatrix=[0.001, 0, 0, 0.001, 0, 0], CharProcs=pikepdf.Dictionary(procs),
        Encoding=pikepdf.Dictionary(Type=pikepdf.Name.Encoding, Differences=diffs),
        FirstChar=32, LastChar=90, Widths=[600] * (90 - 32 + 1), ToUnicode=tounicode,
        Resources=pikepdf.Dictionary()))
    content = b"BT /T3 14 Tf 72 700 Td (WITNESS ROBERT KOWALSKI SAW IT) Tj ET"
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 612, 792],
                              Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(T3=font)),
                              Contents=pdf.make_stream(content))
    pdf.pages.append(pikepdf.Page(page))
    path = tmp_path / "type3.pdf"
    pdf.save(path)
    return path


def test_type3_font_glyphs_are_removed(tmp_path):
    src = _type3_pdf(tmp_path)
    out = tmp_path / "out.pdf"
    plan, problems = redact_values(src, out, ["ROBERT KOWALSKI"])
    assert plan.redactions and problems == []
    text = text_pdfium(out)
    assert "KOWALSKI" not in text and "WITNESS" in text and "SAW IT" in text


def test_user_unit_page(tmp_path):
    content = b"BT /F1 10 Tf 36 300 Td (Caller Dana Whitlock phoned.) Tj ET"
    src = _raw_pdf(tmp_path, content, mediabox=(0, 0, 306, 396))
    with pikepdf.open(src, allow_overwriting_input=True) as pdf:
        pdf.pages[0].obj.UserUnit = 2.0
        pdf.save(src)
    out = tmp_path / "out.pdf"
    _, problems = redact_values(src, out, ["Dana Whitlock"])
    assert problems == []
    text = text_pdfium(out)
    assert "Whitlock" not in text and "Caller" in text and "phoned" in text


@pytest.mark.slow
def test_structure_alt_text_named_destinations_thumbnails_piece_info_hidden_layers(tmp_path):
    content = (b"/OC /Hidden BDC BT /F1 12 Tf 72 650 Td (Hidden note on Carlos Mendez) Tj ET EMC "
               b"BT /F1 12 Tf 72 700 Td (Photo of Carlos Mendez at the pier.) Tj ET")
    src = _raw_pdf(tmp_path, content, name="tagged.pdf")
    with pikepdf.open(src, allow_overwriting_input=True) as pdf:
        page = pdf.pages[0]
        ocg = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.OCG, Name=pikepdf.String("notes")))
        page.obj.Resources.Properties = pikepdf.Dictionary(Hidden=ocg)
        pdf.Root.OCProperties = pikepdf.Dictionary(OCGs=[ocg], D=pikepdf.Dictionary(OFF=[ocg]))
        figure = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Figure,
                                                      Alt=pikepdf.String("Carlos Mendez, informant"),
                                                      P=pikepdf.Dictionary()))
        pdf.Root.StructTreeRoot = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot,
                                                                       K=[figure]))
        dest = pikepdf.Array([page.obj, pikepdf.Name.Fit])
        pdf.Root.Names = pikepdf.Dictionary(Dests=pikepdf.Dictionary(
            Names=[pikepdf.String("Carlos Mendez statement"), dest]))
        page.obj.Thumb = pdf.make_stream(b"\x00" * 12, Width=2, Height=2, ColorSpace=pikepdf.Name.DeviceRGB,
                                         BitsPerComponent=8)
        page.obj.PieceInfo = pikepdf.Dictionary(Editor=pikepdf.Dictionary(
            Private=pikepdf.String("Carlos Mendez draft")))
        pdf.save(src)
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    raw = qdf_bytes(out / "tagged.pdf", tmp_path)
    assert b"Mendez" not in raw
    with pikepdf.open(out / "tagged.pdf") as pdf:
        assert "/Thumb" not in pdf.pages[0].obj and "/PieceInfo" not in pdf.pages[0].obj
    notes = json.loads((out / "report.json").read_text())["documents"][0]["notes"]
    assert any("hidden layer" in n for n in notes)


def _pattern_pdf(tmp_path, cell: bytes, fill: bytes, line: bytes, step=(200, 12)):
    def pattern(pdf, font):
        return pdf.make_indirect(pikepdf.Stream(
            pdf, cell, Type=pikepdf.Name.Pattern, PatternType=1, PaintType=1, TilingType=1,
            BBox=[0, 0, step[0], step[1]], XStep=step[0], YStep=step[1],
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))))

    src = _raw_pdf(tmp_path, b"/Pattern cs /P1 scn " + fill + b" re f BT /F1 12 Tf 72 700 Td (" + line + b") Tj ET",
                   name="pattern.pdf")
    with pikepdf.open(src, allow_overwriting_input=True) as pdf:
        font = pdf.pages[0].Resources.Font.F1
        pdf.pages[0].Resources.Pattern = pikepdf.Dictionary(P1=pattern(pdf, font))
        pdf.save(src)
    return src


@pytest.mark.slow
def test_text_inside_a_tiling_pattern_under_a_box_is_removed(tmp_path):
    """A watermark drawn as a text pattern behind the page: the copies of its glyphs that fall
    under a box go (from the pattern cell, so from every copy); the rest stays."""
    src = _pattern_pdf(tmp_path, b"BT /F1 8 Tf 100 2 Td (draft copy - draft copy - draft copy) Tj ET", b"0 0 612 792",
                       b"Informant Carlos Mendez met the agent.", step=(300, 12))
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "report.json").read_text())["documents"][0]
    assert doc["status"] == "redacted", doc
    assert any("tiling pattern" in n for n in doc["notes"])
    raw = qdf_bytes(out / "pattern.pdf", tmp_path)
    assert b"Mendez" not in raw
    with pikepdf.open(out / "pattern.pdf") as pdf:
        cell = pdf.pages[0].Resources.Pattern.P1
        ops = [i for i in pikepdf.parse_content_stream(cell) if str(i.operator) == "TJ"]
        assert ops, "the pattern cell was not rewritten"
        kept = b"".join(bytes(x) for i in ops for x in i.operands[0] if isinstance(x, pikepdf.String))
        assert 0 < len(kept) < len(b"draft copy - draft copy - draft copy")  # some glyphs fall under the box, others not
    # The original cell is not reachable from the page any more.
    assert raw.count(b"(draft copy - draft copy - draft copy)") == 0
    assert xray_bad_redactions(out / "pattern.pdf") == {}


@pytest.mark.slow
def test_personal_data_inside_a_tiling_pattern_needs_review(tmp_path):
    """Pattern text is read for detection, but it has no single place on the page: personal
    data found there holds the document for a person, and nothing is released."""
    src = _pattern_pdf(tmp_path, b"BT /F1 8 Tf 0 2 Td (Carlos Mendez) Tj ET", b"72 600 200 60",
                       b"Informant Carlos Mendez met the agent.")
    out = tmp_path / "out"
    runner.invoke(app, ["run", str(src), "--out", str(out)])
    doc = json.loads((out / "report.json").read_text())["documents"][0]
    assert doc["status"] == "needs_review" and "no position on the page" in doc["error"], doc
    assert not (out / "pattern.pdf").exists()


def test_orphan_form_widgets_are_a_note_not_a_warning_on_stderr(tmp_path):
    """A widget annotation that no field of /AcroForm reaches (as some real forms ship): the
    copy keeps it, and the report says so; pikepdf's warning does not reach a cron job's mail."""
    import warnings

    src = _raw_pdf(tmp_path, b"BT /F1 12 Tf 72 700 Td (Applicant Robert Kowalski signed.) Tj ET", name="in.pdf")
    with pikepdf.open(src, allow_overwriting_input=True) as pdf:
        widget = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget,
                                                      FT=pikepdf.Name.Tx, T=pikepdf.String("box1"),
                                                      Rect=[300, 100, 400, 120]))
        pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([widget]))
        pdf.save(src)
    out = tmp_path / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("error", pikepdf.PageCopyWarning)
        result = runner.invoke(app, ["run", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "report.json").read_text())["documents"][0]
    assert any("1 form widget(s) that no field of the form" in n for n in doc["notes"]), doc["notes"]
