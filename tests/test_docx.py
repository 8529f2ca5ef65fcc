"""DOCX: reading every place text hides, the release copy, and its independent verification.

Fixtures are generated from WordprocessingML snippets with known truth (docxtools.make_docx)
or with python-docx; the real samples of the shared corpus are read by path (skipped when
absent). A withheld value must be gone from every member of the package, checked with
docxtools.parts_holding (zip + regex, the way the project's scorer reads a DOCX).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from redactor.errors import BadInputError
from redactor.formats.docx import DocxFormat
from redactor.model import Action, Decision, Finding
from redactor.plan import build_plan, value_pattern

from conftest import CORPUS
from docxtools import NS, PNG, XMLNS, make_docx, para, parts_holding, run

FMT = DocxFormat()
NAME = "Margaret Okafor"


def _plan(doc, values, action=Action.REDACT, codes=("(b)(6)",)):
    """Withhold the first occurrence of each value (propagation finds the others)."""
    decisions = []
    for value in values:
        pattern = value_pattern(value)
        for page in doc.pages:
            m = pattern.search(page.text)
            if m:
                f = Finding(page=page.number, start=m.start(), end=m.end(), text=m.group(0), entity="PERSON",
                            score=0.9, recognizer="test", explanation="test value")
                decisions.append(Decision(f, action, "test", list(codes), "test"))
                break
        else:
            raise AssertionError("value not read from the document")
    return build_plan(doc, decisions, "test")


def _release(tmp_path, src, values, settings, **kw):
    doc = FMT.read(src, settings)
    plan = _plan(doc, values, **kw)
    out = tmp_path / ("release-" + src.name)
    written = FMT.write(plan, out, settings)
    return doc, plan, out, written, FMT.verify(plan, out, written)


def _label(doc, label):
    return next(p for p in doc.pages if p.label == label)


def _xml(out: Path, part: str) -> str:
    with zipfile.ZipFile(out) as zf:
        return zf.read(part).decode()


# ---------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------

def test_sniff(tmp_path, settings):
    src = make_docx(tmp_path / "a.docx", para(run("hello")))
    head = src.read_bytes()[:1024]
    assert DocxFormat.sniff(head, src)
    renamed = tmp_path / "a.zipx"
    renamed.write_bytes(src.read_bytes())
    assert DocxFormat.sniff(head, renamed)  # by content, not name
    other = tmp_path / "b.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("x.txt", "x")
    assert not DocxFormat.sniff(other.read_bytes()[:1024], other)
    assert not DocxFormat.sniff(b"%PDF-1.7", tmp_path / "c.docx")


def test_value_split_across_runs_reads_as_one(tmp_path, settings):
    src = make_docx(tmp_path / "split.docx", para(run("Complainant: "), run("Marg", bold=True),
                                                   run("aret Oka", italic=True), run("for reported it.")))
    doc = FMT.read(src, settings)
    assert doc.format == "docx"
    assert _label(doc, "body").text == f"Complainant: {NAME} reported it."


def test_every_story_is_a_labelled_page(tmp_path, settings):
    body = (para(run("Body text.")) +
            "<w:tbl><w:tr><w:tc>" + para(run("cell one")) + "</w:tc><w:tc>" + para(run("cell two")) +
            "</w:tc></w:tr></w:tbl>" +
            para(run("kept "), '<w:ins w:id="1" w:author="Editor A">' + run("inserted") + "</w:ins>",
                 '<w:del w:id="2" w:author="Editor A"><w:r><w:delText>deleted words</w:delText></w:r></w:del>') +
            para('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> HYPERLINK "mailto:a@</w:instrText>'
                 '</w:r><w:r><w:instrText>example.org" </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/>'
                 '</w:r>' + run("write to us") + '<w:r><w:fldChar w:fldCharType="end"/></w:r>') +
            para('<w:hyperlink r:id="rIdL1" w:tooltip="tip text">' + run("a link") + "</w:hyperlink>") +
            para('<w:r><w:drawing><wp:inline><wp:docPr id="1" name="Picture 1" descr="photo of the front door"/>'
                 '</wp:inline></w:drawing></w:r>'))
    src = make_docx(tmp_path / "stories.docx", body,
                    headers=(para(run("Header words")),), footers=(para(run("Footer words")),),
                    footnotes='<w:footnote w:id="1">' + para(run("Footnote words")) + "</w:footnote>",
                    comments='<w:comment w:id="0" w:author="Reviewer">' + para(run("Comment words")) + "</w:comment>",
                    core="<dc:title>Title words</dc:title><dc:creator>Author Name</dc:creator>",
                    custom='<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Case">'
                           "<vt:lpwstr>Custom words</vt:lpwstr></property>",
                    links={"rIdL1": "https://example.org/a%20page"})
    doc = FMT.read(src, settings)
    labels = [p.label for p in doc.pages]
    assert labels == ["body", "header 1", "footer 1", "footnotes", "comments", "tracked deletions",
                      "field codes and link targets", "alt text and object names", "document properties"]
    body_text = _label(doc, "body").text
    assert "cell one\tcell two" in body_text and "kept inserted" in body_text  # a row is one line
    assert "deleted" not in body_text and "HYPERLINK" not in body_text  # neither seen by a reader
    assert _label(doc, "tracked deletions").text == "deleted words"
    fields = _label(doc, "field codes and link targets").text.split("\n")
    assert ' HYPERLINK "mailto:a@example.org" ' in fields  # one field split over two runs
    assert "https://example.org/a page" in fields  # relationship targets, percent-decoded
    alt = _label(doc, "alt text and object names").text
    assert "photo of the front door" in alt and "tip text" in alt
    props = _label(doc, "document properties").text
    assert "title: Title words" in props and "Case: Custom words" in props
    assert "Author Name" not in props  # cleared in every copy, not read as content


def test_table_rows_read_as_tab_separated_lines(tmp_path, settings):
    def cell(*paras):
        return "<w:tc>" + "".join(paras) + "</w:tc>"

    body = ("<w:tbl><w:tblPr><w:tblCaption w:val=\"Persons table\"/></w:tblPr>"
            "<w:tr>" + cell(para(run("Name"))) + cell(para(run("DOB"))) + cell(para(run("Address"))) + "</w:tr>"
            "<w:tr>" + cell(para(run("Ann "), run("Lee"))) + cell(para()) +
            cell(para(run("12 High St")), para(run("Springfield"))) + "</w:tr>"
            '<w:tr><w:trPr><w:del w:id="1" w:author="x"/></w:trPr>' + cell(para(run("Row gone"))) + "</w:tr>"
            "</w:tbl>")
    src = make_docx(tmp_path / "table.docx", body)
    doc = FMT.read(src, settings)
    assert _label(doc, "body").text == "Name\tDOB\tAddress\nAnn Lee\t\t12 High St Springfield"
    assert _label(doc, "tracked deletions").text == "Row gone"
    assert _label(doc, "alt text and object names").text == "Persons table"
    plan = _plan(doc, ["Ann Lee"])
    out = tmp_path / "out.docx"
    assert FMT.verify(plan, out, FMT.write(plan, out, settings)) == []
    assert parts_holding(out, "Ann Lee") == [] and parts_holding(out, "Row gone") == []
    assert "12 High St" in _xml(out, "word/document.xml")


def test_images_hold_the_document_for_review_without_ocr(tmp_path, settings, monkeypatch):
    from redactor import ocr

    monkeypatch.setattr(ocr, "available", lambda: False)
    body = para('<w:r><w:drawing><wp:inline><wp:docPr id="1" name="Picture 1"/><a:graphic><a:graphicData>'
                '<pic:pic><pic:blipFill><a:blip r:embed="rIdImg1"/></pic:blipFill></pic:pic></a:graphicData>'
                '</a:graphic></wp:inline></w:drawing></w:r>')
    src = make_docx(tmp_path / "image.docx", body, images=1)
    doc = FMT.read(src, settings)
    image = doc.pages[-1]
    assert image.label == "embedded image word/media/image1.png"
    assert not image.has_text_layer and image.image_count == 1
    plan = build_plan(doc, [], "test")
    assert plan.review_reasons and f"page {image.number}" in plan.review_reasons[0]


def _text_png(text: str) -> bytes:
    import io

    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (900, 160), "white")
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 56)
    ImageDraw.Draw(image).text((30, 40), text, fill="black", font=font)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(300, 300))
    return out.getvalue()


@pytest.mark.parametrize("picture, withheld", [("Margaret Okafor", True), ("Annual Report 2024", False)])
def test_images_read_by_ocr(tmp_path, settings, picture, withheld):
    """With OCR, an image's text is a page of its own: an image that shows a withheld value is
    withheld whole (black, same size and format); one that does not is released as it is."""
    from redactor import ocr

    if not ocr.available() or not Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").is_file():
        pytest.skip("tesseract or the DejaVu font not installed")
    body = para(run(f"Photo of the badge of {NAME}:")) + para(
        '<w:r><w:drawing><wp:inline><wp:docPr id="1" name="Picture 1"/><a:graphic><a:graphicData>'
        '<pic:pic><pic:blipFill><a:blip r:embed="rIdImg1"/></pic:blipFill></pic:pic></a:graphicData>'
        '</a:graphic></wp:inline></w:drawing></w:r>')
    src = make_docx(tmp_path / "ocr.docx", body, images=1)
    original = _text_png(picture)
    with zipfile.ZipFile(src) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["word/media/image1.png"] = original
    _zip(src, members)
    doc = FMT.read(src, settings)
    image = _label(doc, "embedded image word/media/image1.png")
    assert image.has_text_layer and picture.split()[-1] in image.text
    doc, plan, out, written, problems = _release(tmp_path, src, [NAME], settings)
    assert not plan.review_reasons and problems == []
    with zipfile.ZipFile(out) as zf:
        released = zf.read("word/media/image1.png")
    if withheld:
        import io

        from PIL import Image

        with Image.open(io.BytesIO(released)) as im:
            assert im.format == "PNG" and im.size == (900, 160)
            assert im.convert("L").getextrema() == (0, 0)  # all black
        assert any("withheld in full" in n for n in written.notes)
    else:
        assert released == original


def test_strict_namespaces_are_read(tmp_path, settings):
    strict = "http://purl.oclc.org/ooxml/wordprocessingml/main"
    src = make_docx(tmp_path / "strict.docx", para(run(f"Signed {NAME}")))
    with zipfile.ZipFile(src) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["word/document.xml"] = members["word/document.xml"].replace(NS["w"].encode(), strict.encode())
    strict_src = tmp_path / "strict2.docx"
    with zipfile.ZipFile(strict_src, "w") as zf:
        for n, b in members.items():
            zf.writestr(n, b)
    assert NAME in _label(FMT.read(strict_src, settings), "body").text


# ---------------------------------------------------------------------------------------
# Hostile packages: one-line errors
# ---------------------------------------------------------------------------------------

def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, b in members.items():
            info = zipfile.ZipInfo(n)  # taken as given: no name clean-up
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, b)
    return path


def _valid_members(tmp_path) -> dict[str, bytes]:
    src = make_docx(tmp_path / "valid.docx", para(run("hello")))
    with zipfile.ZipFile(src) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


@pytest.mark.parametrize("case, message", [
    ("dotdot", "leaves the package"),
    ("absolute", "absolute"),
    ("duplicate", "same name"),
    ("dtd", "DTD"),
    ("bomb", "bomb"),
    ("notxml", "not well-formed"),
    ("nomain", "no main document"),
])
def test_hostile_packages_fail_with_one_line(tmp_path, settings, case, message):
    members = _valid_members(tmp_path)
    path = tmp_path / f"{case}.docx"
    if case == "dotdot":
        members["../../evil.xml"] = b"<x/>"
    elif case == "absolute":
        members["/etc/evil.xml"] = b"<x/>"
    elif case == "duplicate":
        _zip(path, members)
        with zipfile.ZipFile(path, "a") as zf, pytest.warns(UserWarning):
            zf.writestr("word/document.xml", members["word/document.xml"])
    elif case == "dtd":
        members["word/document.xml"] = (b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa">'
                                        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>' + members["word/document.xml"]
                                        .split(b"?>", 1)[1])
    elif case == "bomb":
        members["word/media/big.bin"] = b"\0" * (16 * 1024 ** 2)
    elif case == "notxml":
        members["word/document.xml"] = b"<w:document><unclosed>"
    elif case == "nomain":
        del members["word/document.xml"]
    if case != "duplicate":
        _zip(path, members)
    with pytest.raises(BadInputError) as err:
        FMT.read(path, settings)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_not_a_zip_and_encrypted(tmp_path, settings):
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(BadInputError, match="not a valid DOCX"):
        FMT.read(bad, settings)
    ole = tmp_path / "locked.docx"
    ole.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 600)
    assert DocxFormat.sniff(ole.read_bytes()[:1024], ole)
    with pytest.raises(BadInputError, match="encrypted"):
        FMT.read(ole, settings)


# ---------------------------------------------------------------------------------------
# Release copies
# ---------------------------------------------------------------------------------------

def test_done_when_name_gone_from_body_header_comment_deletion_and_properties(tmp_path, settings):
    """Issue #11: a withheld name in the body, a header, a comment, a tracked deletion and
    the document properties is gone from every part, the exemption visible where it was."""
    body = (para(run("The complainant, "), '<w:commentRangeStart w:id="0"/>', run(NAME),
                 '<w:commentRangeEnd w:id="0"/>',
                 '<w:r><w:commentReference w:id="0"/></w:r>', run(", reported the theft on 3 May 2024."))
            + para(run("Interviewed: "), f'<w:del w:id="5" w:author="{NAME}"><w:r><w:delText>{NAME}</w:delText>'
                   '</w:r></w:del>', '<w:ins w:id="6" w:author="Clerk">' + run("the witness") + "</w:ins>"))
    src = make_docx(tmp_path / "done.docx", body,
                    headers=(para(run(f"Case file: {NAME}")),),
                    comments=f'<w:comment w:id="0" w:author="Clerk">{para(run(f"Call {NAME} back"))}</w:comment>',
                    core=f"<dc:title>Complaint of {NAME}</dc:title><dc:subject>{NAME}</dc:subject>"
                         f"<dc:creator>{NAME}</dc:creator><cp:lastModifiedBy>{NAME}</cp:lastModifiedBy>",
                    custom='<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Party">'
                           f"<vt:lpwstr>{NAME}</vt:lpwstr></property>")
    assert parts_holding(src, NAME)  # the fixture does hold it
    doc, plan, out, written, problems = _release(tmp_path, src, [NAME], settings)
    assert problems == []
    assert parts_holding(out, NAME) == []
    assert parts_holding(out, "Okafor") == []
    document = _xml(out, "word/document.xml")
    header = _xml(out, "word/header1.xml")
    for xml in (document, header):
        assert "(b)(6)</w:t>" in xml and 'w:fill="000000"' in xml
    assert "the witness" in document and "<w:ins" not in document and "<w:del" not in document
    assert "commentReference" not in document and "commentRangeStart" not in document
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        rels = zf.read("word/_rels/document.xml.rels").decode()
        ct = zf.read("[Content_Types].xml").decode()
    assert "word/comments.xml" not in names and "comments" not in rels and "comments" not in ct
    assert "reported the theft on 3 May 2024." in document  # the rest stays as it was
    assert any("comments removed" in n for n in written.notes)


def test_label_has_fixed_width_and_keeps_font_size(tmp_path, settings):
    short, long = "Al Fu", "Bartholomew Featherstonehaugh-Worthington"
    src = make_docx(tmp_path / "w.docx", para(run("To ", size=28), run(short, size=28), run(" and ", size=28),
                                              run(long, size=28), run(" today.", size=28)))
    *_, out, _, problems = _release(tmp_path, src, [short, long], settings)
    assert problems == []
    from lxml import etree

    root = etree.fromstring(_xml(out, "word/document.xml").encode())
    labels = [r for r in root.iter(f"{{{NS['w']}}}r") if r.find(f".//{{{NS['w']}}}shd") is not None]
    assert [r.findtext(f"{{{NS['w']}}}t") for r in labels] == ["(b)(6)", "(b)(6)"]
    for r in labels:
        assert r.find(f".//{{{NS['w']}}}sz").get(f"{{{NS['w']}}}val") == "28"
        assert r.find(f".//{{{NS['w']}}}color").get(f"{{{NS['w']}}}val") == "FFFFFF"
    text = "".join(t.text for t in root.iter(f"{{{NS['w']}}}t"))
    assert text == "To (b)(6) and (b)(6) today."


def test_split_runs_keep_their_formatting(tmp_path, settings):
    src = make_docx(tmp_path / "s.docx", para(run("Dear Mrs "), run("Marg", bold=True), run("aret Okafor, wel", italic=True),
                                              run("come.")))
    *_, out, _, problems = _release(tmp_path, src, [NAME], settings)
    assert problems == [] and parts_holding(out, NAME) == []
    document = _xml(out, "word/document.xml")
    assert ">, wel</w:t>" in document  # the tail of the italic run, still italic
    assert document.index("<w:i/>") < document.index(">, wel</w:t>")


def test_hyperlink_targets_fields_alt_text_and_footnotes(tmp_path, settings):
    email = "m.okafor@example.org"
    body = (para('<w:hyperlink r:id="rIdL1">' + run("mail her") + "</w:hyperlink>") +
            para('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> HYPERLINK "mailto:m.oka'
                 '</w:instrText></w:r><w:r><w:instrText>for@example.org" </w:instrText></w:r>'
                 '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + run("write") +
                 '<w:r><w:fldChar w:fldCharType="end"/></w:r>') +
            para(f'<w:fldSimple w:instr=" MERGEFIELD {NAME} ">' + run("merged") + "</w:fldSimple>") +
            para(f'<w:r><w:drawing><wp:inline><wp:docPr id="1" name="Shape" descr="Portrait of {NAME}"/>'
                 '</wp:inline></w:drawing></w:r>') +
            para('<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent>'
                 + para(run(f"Box: {NAME}")) + '</w:txbxContent></wps:txbx></w:drawing></mc:Choice><mc:Fallback>'
                 '<w:pict><v:textbox><w:txbxContent>' + para(run(f"Box: {NAME}")) +
                 "</w:txbxContent></v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r>"))
    src = make_docx(tmp_path / "links.docx", body, links={"rIdL1": f"mailto:{email}"},
                    footnotes='<w:footnote w:id="1">' + para(run(f"Statement of {NAME}.")) + "</w:footnote>")
    doc, plan, out, _, problems = _release(tmp_path, src, [NAME, email], settings)
    assert problems == []
    for value in (NAME, email, "okafor"):
        assert parts_holding(out, value) == [], value
    assert "(b)(6)" in _xml(out, "word/footnotes.xml")


def test_whole_page_withheld(tmp_path, settings):
    src = make_docx(tmp_path / "page.docx", para(run("Public body text.")),
                    headers=(para(run("Header line that is withheld in full here")),))
    doc = FMT.read(src, settings)
    header = _label(doc, "header 1")
    f = Finding(page=header.number, start=0, end=len(header.text), text=header.text, entity="PORTION",
                score=1.0, recognizer="test")
    plan = build_plan(doc, [Decision(f, Action.WITHHOLD_PAGE, "test", ["(b)(1)"], "test")], "test")
    out = tmp_path / "out.docx"
    problems = FMT.verify(plan, out, FMT.write(plan, out, settings))
    assert problems == []
    assert parts_holding(out, "withheld in full here") == []
    assert "(b)(1)" in _xml(out, "word/header1.xml")
    assert "Public body text." in _xml(out, "word/document.xml")


def test_embedded_objects_thumbnails_and_macros_are_removed(tmp_path, settings):
    body = para(run("See the sheet: "), '<w:r><w:object><v:shape id="s1"/><o:OLEObject ProgID="Excel.Sheet.12" '
                'r:id="rIdOle"/></w:object></w:r>')
    src = make_docx(tmp_path / "ole.docx", body, extra_parts={"word/embeddings/sheet.xlsx": b"PK secret sheet"})
    with zipfile.ZipFile(src) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["word/_rels/document.xml.rels"] = members["word/_rels/document.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdOle" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/package" Target="embeddings/sheet.xlsx"/></Relationships>')
    members["_rels/.rels"] = members["_rels/.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdT" Type="http://schemas.openxmlformats.org/package/2006/'
        b'relationships/metadata/thumbnail" Target="docProps/thumbnail.png"/></Relationships>')
    members["docProps/thumbnail.png"] = PNG
    _zip(src, members)
    doc = FMT.read(src, settings)
    assert all(p.has_text_layer for p in doc.pages)  # the thumbnail is not content
    plan = build_plan(doc, [], "test")
    out = tmp_path / "out.docx"
    written = FMT.write(plan, out, settings)
    assert FMT.verify(plan, out, written) == []
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
    assert "word/embeddings/sheet.xlsx" not in names and "docProps/thumbnail.png" not in names
    document = _xml(out, "word/document.xml")
    assert "OLEObject" not in document and "[embedded object removed]" in document
    assert any("embedded object" in n for n in written.notes)


def test_external_references_other_than_hyperlinks_are_cut(tmp_path, settings):
    body = para('<w:r><w:drawing><wp:inline><wp:docPr id="1" name="Picture 1"/><a:graphic><a:graphicData>'
                '<pic:pic><pic:blipFill><a:blip r:link="rIdRemote"/></pic:blipFill></pic:pic></a:graphicData>'
                '</a:graphic></wp:inline></w:drawing></w:r>') + para('<w:hyperlink r:id="rIdL">' + run("site") +
                                                                    "</w:hyperlink>")
    src = make_docx(tmp_path / "remote.docx", body, links={"rIdL": "https://example.org/"})
    with zipfile.ZipFile(src) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["word/_rels/document.xml.rels"] = members["word/_rels/document.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdRemote" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/image" Target="https://tracker.example.net/pixel.png" TargetMode="External"/>'
        b"</Relationships>")
    _zip(src, members)
    doc = FMT.read(src, settings)
    plan = build_plan(doc, [], "test")
    assert not plan.review_reasons  # a linked picture is not an embedded one
    out = tmp_path / "out.docx"
    written = FMT.write(plan, out, settings)
    assert FMT.verify(plan, out, written) == []
    rels = _xml(out, "word/_rels/document.xml.rels")
    assert "tracker.example.net" not in rels and "https://example.org/" in rels
    assert 'r:link="rIdRemote"' not in _xml(out, "word/document.xml")
    assert "external references removed" in written.notes


def test_drawing_paths_are_not_revision_marks(tmp_path, settings):
    """DrawingML's a:moveTo (a path operator) is not WordprocessingML's w:moveTo (a move)."""
    shape = ('<w:r><w:drawing><wp:anchor><wp:docPr id="2" name="Arrow"/><a:graphic><a:graphicData><a:custGeom>'
             '<a:pathLst><a:path w="10" h="10"><a:moveTo><a:pt x="0" y="0"/></a:moveTo><a:lnTo><a:pt x="10" y="10"/>'
             "</a:lnTo></a:path></a:pathLst></a:custGeom></a:graphicData></a:graphic></wp:anchor></w:drawing></w:r>")
    src = make_docx(tmp_path / "shape.docx", para(run(f"See {NAME}"), shape))
    *_, out, _, problems = _release(tmp_path, src, [NAME], settings)
    assert problems == [] and "<a:moveTo>" in _xml(out, "word/document.xml")


def test_date_control_keeps_no_machine_copy_of_a_withheld_date(tmp_path, settings):
    body = para(run("Born "), '<w:sdt><w:sdtPr><w:date w:fullDate="1969-01-28T00:00:00Z"><w:dateFormat w:val="d MMMM yyyy"/>'
                '</w:date></w:sdtPr><w:sdtContent>' + run("28 January 1969") + "</w:sdtContent></w:sdt>")
    src = make_docx(tmp_path / "date.docx", body)
    *_, out, _, problems = _release(tmp_path, src, ["28 January 1969"], settings)
    assert problems == []
    document = _xml(out, "word/document.xml")
    assert "1969" not in document and "(b)(6)" in document


def test_mail_merge_settings_are_removed(tmp_path, settings):
    settings_xml = (f'<w:settings {XMLNS}><w:mailMerge><w:mainDocumentType w:val="formLetters"/>'
                    '<w:query w:val="SELECT * FROM C:\\Users\\mokafor\\contacts.xlsx"/></w:mailMerge>'
                    '<w:docVars><w:docVar w:name="client" w:val="Margaret Okafor"/></w:docVars></w:settings>').encode()
    src = make_docx(tmp_path / "merge.docx", para(run(f"Dear {NAME},")), extra_parts={"word/settings.xml": settings_xml})
    with zipfile.ZipFile(src) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["word/_rels/document.xml.rels"] = members["word/_rels/document.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdSet" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/settings" Target="settings.xml"/></Relationships>')
    _zip(src, members)
    doc = FMT.read(src, settings)
    assert "Margaret Okafor" in _label(doc, "alt text and object names").text  # document variables are read
    *_, out, written, problems = _release(tmp_path, src, [NAME], settings)
    assert problems == []
    xml = _xml(out, "word/settings.xml")
    assert "mailMerge" not in xml and "mokafor" not in xml and "Okafor" not in xml
    assert "mail merge settings removed: 1" in written.notes


def test_release_is_reproducible(tmp_path, settings):
    src = make_docx(tmp_path / "r.docx", para(run(f"Dear {NAME},")), headers=(para(run(NAME)),))
    doc = FMT.read(src, settings)
    plan = _plan(doc, [NAME])
    a, b = tmp_path / "a.docx", tmp_path / "b.docx"
    FMT.write(plan, a, settings)
    FMT.write(plan, b, settings)
    assert a.read_bytes() == b.read_bytes()


def test_input_changed_since_planning_is_refused(tmp_path, settings):
    src = make_docx(tmp_path / "c.docx", para(run(f"Dear {NAME},")))
    plan = _plan(FMT.read(src, settings), [NAME])
    make_docx(src, para(run(f"Dear {NAME} and others,")))
    with pytest.raises(BadInputError, match="reads differently"):
        FMT.write(plan, tmp_path / "out.docx", settings)


# ---------------------------------------------------------------------------------------
# Verification is independent of the writer
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["app", "attribute", "comment", "binary", "deletion"])
def test_verification_finds_what_the_writer_missed(tmp_path, settings, where):
    src = make_docx(tmp_path / "v.docx", para(run(f"Dear {NAME},")))
    doc, plan, out, written, problems = _release(tmp_path, src, [NAME], settings)
    assert problems == []
    with zipfile.ZipFile(out) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    leak = NAME.upper().replace(" ", "  ").encode()
    if where == "app":
        members["docProps/app.xml"] = (b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                                       b'extended-properties"><Company>' + leak + b"</Company></Properties>")
    elif where == "attribute":
        members["word/styles.xml"] = members["word/styles.xml"].replace(b"/>", b' w:x="' + leak + b'"/>', 1)
    elif where == "comment":
        members["word/styles.xml"] = members["word/styles.xml"] + b"<!-- " + leak + b" -->"
    elif where == "binary":
        members["word/media/x.bin"] = b"\x00\x01" + leak + b"\x02"
    elif where == "deletion":
        members["word/document.xml"] = members["word/document.xml"].replace(
            b"</w:body>", b'<w:p><w:del w:id="9" w:author="x"><w:r><w:delText>gone</w:delText></w:r></w:del></w:p></w:body>')
    _zip(out, members)
    problems = FMT.verify(plan, out, written)
    assert problems
    for p in problems:
        assert "okafor" not in p.lower() and "margaret" not in p.lower()  # where, never what


# ---------------------------------------------------------------------------------------
# Property: any name split across any runs is gone from every part
# ---------------------------------------------------------------------------------------

_first = st.sampled_from(["Margaret", "Tobias", "Ngozi", "Li", "Ana-Maria", "Seán", "Zhao"])
_last = st.sampled_from(["Okafor", "Featherstone", "Nguyen", "O'Brien", "Kowalczyk", "Øster"])


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=_first, last=_last, cuts=st.lists(st.integers(min_value=1, max_value=40), max_size=8),
       styles=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=9, max_size=9),
       before=st.sampled_from(["", "Witness ", "Dear Ms. "]), after=st.sampled_from(["", " said so.", ", Esq."]))
def test_any_name_split_across_any_runs_is_gone(tmp_path_factory, settings, first, last, cuts, styles, before, after):
    tmp = tmp_path_factory.mktemp("prop")
    name = f"{first} {last}"
    text = before + name + after
    points = sorted({c for c in cuts if c < len(text)})
    pieces = [text[a:b] for a, b in zip([0] + points, points + [len(text)])]
    runs = "".join(run(p, bold=s[0], italic=s[1]) for p, s in zip(pieces, styles))
    src = make_docx(tmp / "p.docx", para(runs) + para(run("Unrelated closing line.")),
                    headers=(para(run(name.upper())),))
    doc, plan, out, _, problems = _release(tmp, src, [name], settings)
    assert problems == []
    assert parts_holding(out, name) == []
    assert "Unrelated closing line." in _xml(out, "word/document.xml")
    assert "(b)(6)" in _xml(out, "word/document.xml") and "(b)(6)" in _xml(out, "word/header1.xml")


# ---------------------------------------------------------------------------------------
# Real samples of the shared corpus
# ---------------------------------------------------------------------------------------

def _corpus_file(name: str) -> Path:
    path = CORPUS / "other" / name
    if not path.is_file():
        pytest.skip(f"{name} not in the shared corpus")
    return path


def test_corpus_comments_sample(tmp_path, settings):
    src = _corpus_file("python-docx-comments-rich-para.docx")
    doc = FMT.read(src, settings)
    comments = _label(doc, "comments")
    assert "Text with hyperlink" in comments.text  # read for detection...
    plan = _plan(doc, ["worthy of note"])
    out = tmp_path / "out.docx"
    written = FMT.write(plan, out, settings)
    assert FMT.verify(plan, out, written) == []
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
    assert not [n for n in names if "comment" in n.lower()]  # ...and removed from the copy
    assert parts_holding(out, "worthy of note") == [] and parts_holding(out, "Text with hyperlink") == []
    import docx

    released = docx.Document(str(out))  # still a valid document
    assert "Document text" in [p.text for p in released.paragraphs]


def test_corpus_header_footer_sample(tmp_path, settings):
    src = _corpus_file("python-docx-hdr-header-footer.docx")
    doc = FMT.read(src, settings)
    assert [p.label for p in doc.pages[:3]] == ["body", "header 2", "footer 2"]
    plan = _plan(doc, ["section 1"])
    out = tmp_path / "out.docx"
    written = FMT.write(plan, out, settings)
    assert FMT.verify(plan, out, written) == []
    assert parts_holding(out, "section 1") == []
    assert "(b)(6)" in _xml(out, "word/footer2.xml")
    with zipfile.ZipFile(src) as zf:
        assert b"<dc:creator>" in zf.read("docProps/core.xml")
    core = _xml(out, "docProps/core.xml")
    assert "<dc:creator/>" in core or "<dc:creator></dc:creator>" in core


def test_python_docx_document_round_trip(tmp_path, settings):
    import docx

    d = docx.Document()
    d.core_properties.author = NAME
    d.core_properties.keywords = f"complaint {NAME}"
    d.sections[0].header.paragraphs[0].text = f"Re: {NAME}"
    p = d.add_paragraph("Statement taken from ")
    p.add_run("Margaret").bold = True
    p.add_run(" Okafor on 3 May 2024.")
    t = d.add_table(rows=1, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "Name", NAME
    src = tmp_path / "pd.docx"
    d.save(src)
    *_, out, _, problems = _release(tmp_path, src, [NAME], settings)
    assert problems == [] and parts_holding(out, NAME) == [] and parts_holding(out, "Okafor") == []
    released = docx.Document(str(out))
    assert released.paragraphs[-1].text == "Statement taken from (b)(6) on 3 May 2024."
    assert released.tables[0].cell(0, 1).text == "(b)(6)"
    assert released.core_properties.author == ""


# ---------------------------------------------------------------------------------------
# PDF rendering (LibreOffice headless; skipped where it is not installed)
# ---------------------------------------------------------------------------------------

@pytest.mark.slow
def test_pdf_rendering_of_a_release_copy(tmp_path, settings):
    from redactor.formats.docx.render import render_pdf, soffice, verify_pdf_rendering

    if soffice() is None:
        pytest.skip("LibreOffice (soffice) not installed")
    src = make_docx(tmp_path / "r.docx", para(run("Statement of "), run("Marg", bold=True), run("aret Okafor today.")),
                    headers=(para(run(f"Re: {NAME}")),), core=f"<dc:title>File of {NAME}</dc:title>")
    *_, out, _, problems = _release(tmp_path, src, [NAME], settings)
    assert problems == []
    doc = FMT.read(src, settings)
    plan = _plan(doc, [NAME])
    pdf = tmp_path / "r.pdf"
    render_pdf(out, pdf)
    assert verify_pdf_rendering(plan, pdf) == []
    import pypdfium2 as pdfium

    text = pdfium.PdfDocument(str(pdf))[0].get_textpage().get_text_range()
    assert "Statement of (b)(6) today." in text and "Okafor" not in text
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("render-")) == []  # no leftovers


# ---------------------------------------------------------------------------------------
# End to end: `redactor run` with real detection
# ---------------------------------------------------------------------------------------

def test_run_end_to_end_done_when(tmp_path):
    """Issue #11's DOCX case through the command line: the name is found by detection in
    the body and withheld in every other place it occurs; the report says where."""
    import json

    from typer.testing import CliRunner

    from redactor.cli import app

    body = (para(run("The complainant, "), '<w:commentRangeStart w:id="0"/>', run("Marg", bold=True),
                 run("aret Okafor"), '<w:commentRangeEnd w:id="0"/>', '<w:r><w:commentReference w:id="0"/></w:r>',
                 run(", reported the theft on 3 May 2024."))
            + para(run("Interviewed: "), f'<w:del w:id="5" w:author="Clerk"><w:r><w:delText>{NAME}</w:delText></w:r>'
                   '</w:del>', '<w:ins w:id="6" w:author="Clerk">' + run("the witness") + "</w:ins>"))
    inputs = tmp_path / "in"
    inputs.mkdir()
    src = make_docx(inputs / "complaint.docx", body, headers=(para(run(f"Case file: {NAME}")),),
                    comments=f'<w:comment w:id="0" w:author="Clerk">{para(run(f"Call {NAME} back"))}</w:comment>',
                    core=f"<dc:title>Complaint of {NAME}</dc:title><dc:creator>{NAME}</dc:creator>",
                    custom='<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Party">'
                           f"<vt:lpwstr>{NAME}</vt:lpwstr></property>")
    before = src.read_bytes()
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(inputs), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert src.read_bytes() == before
    copy = out / "complaint.docx"
    assert parts_holding(copy, NAME) == [] and parts_holding(copy, "Okafor") == []
    assert "(b)(6)</w:t>" in _xml(copy, "word/document.xml") and "(b)(6)</w:t>" in _xml(copy, "word/header1.xml")
    report = json.loads((out / "report.json").read_text())
    (doc,) = report["documents"]
    assert doc["status"] == "redacted" and doc["format"] == "docx"
    assert {r["page"] for r in doc["redactions"]} >= {1, 2}  # body and header at least
    assert {r["where"] for r in doc["redactions"]} >= {"body", "header 1", "comments", "tracked deletions"}
    import jsonschema

    from redactor.report import report_schema

    jsonschema.validate(report, report_schema())
    log = (out / "withholding-log.csv").read_text()
    assert "header 1" in log and NAME not in log
    assert all(r["exemptions"] == ["(b)(6)"] for r in doc["redactions"])
    assert "comments removed" in doc["notes"]
    assert NAME not in (out / "report.json").read_text()

