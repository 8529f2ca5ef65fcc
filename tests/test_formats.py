"""The format registry: a file's format by its bytes, one clear message for every file no
format takes, and the interface each format implements."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from redactor.errors import BadInputError
from redactor.formats import REGISTRY, by_name, for_file, formats
from redactor.formats.base import DocumentFormat
from redactor.settings import Settings


def _reason(path: Path) -> str:
    with pytest.raises(BadInputError) as info:
        for_file(path)
    return str(info.value)


def test_registry_lines_load_formats_with_distinct_names():
    loaded = formats()
    assert len(loaded) == len(REGISTRY)
    assert all(isinstance(f, DocumentFormat) for f in loaded)
    assert len({f.name for f in loaded}) == len(loaded)
    assert by_name("pdf").name == "pdf" and by_name("text").name == "text"


def test_pdf_is_told_by_its_bytes_not_its_name(tmp_path):
    p = tmp_path / "scan.txt"
    p.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    assert for_file(p).name == "pdf"
    t = tmp_path / "notes.txt"
    t.write_text("Minutes of the meeting.\n")
    assert for_file(t).name == "text"


@pytest.mark.parametrize("name, content, expected", [
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "unsupported format: looks like a Word document (.doc)"),
    ("mail.msg", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "unsupported format: looks like an Outlook message (.msg)"),
    ("anim.gif", b"GIF89a" + b"\0" * 40, "unsupported format: looks like an image (GIF)"),
    ("letter.rtf", b"{\\rtf1\\ansi hello}", "unsupported format: looks like a Rich Text document (RTF)"),
    ("empty.pdf", b"", "not a PDF: the file is empty"),
    ("notes.pdf", b"just some text\n", "not a PDF: no %PDF header"),
    ("blob.txt", b"abc\x00\x01\x02", "not text: binary content"),
    ("data.xyz", b"whatever", "unsupported format: '.xyz' (supported: PDF, email message (.eml), mailbox (.mbox), "
                                  "plain text, Word document (DOCX), scanned image (PNG, JPEG, TIFF))"),
])
def test_unsupported_files_get_one_line_naming_what_they_look_like(tmp_path, name, content, expected):
    p = tmp_path / name
    p.write_bytes(content)
    reason = _reason(p)
    assert reason == expected
    assert "\n" not in reason


def test_office_zip_is_named_by_its_parts(tmp_path):
    p = tmp_path / "sheet.bin"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    assert _reason(p) == "unsupported format: looks like an Excel workbook (XLSX)"
    misnamed = tmp_path / "sheet.pdf"
    misnamed.write_bytes(p.read_bytes())
    assert _reason(misnamed) == "not a PDF: looks like an Excel workbook (XLSX)"


def test_word_document_is_told_by_its_parts_not_its_name(tmp_path):
    p = tmp_path / "memo.bin"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    assert for_file(p).name == "docx"
    misnamed = tmp_path / "memo.pdf"
    misnamed.write_bytes(p.read_bytes())
    assert for_file(misnamed).name == "docx"


def test_email_by_its_headers(tmp_path):
    p = tmp_path / "message"
    p.write_bytes(b"Received: from mx\nFrom: a@example.org\nTo: b@example.org\nSubject: hi\n\nbody\n")
    assert for_file(p).name == "email"  # taken by its headers, whatever its name


def test_text_format_round_trip_has_no_positions(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("Call Patricia Nguyen.\n", encoding="utf-8")
    doc = for_file(p).read(p, Settings())
    assert doc.format == "text" and doc.pages[0].char_boxes is None
    assert doc.pages[0].text == "Call Patricia Nguyen.\n"


def test_text_replacements_go_through_presidio_operators():
    """The text writer's replacements (presidio-anonymizer: replace, and a custom operator for
    pseudonyms) give exactly the fixed-width placeholders, also for spans that touch."""
    from redactor.formats.text import anonymize, text_placeholder

    text = "Ann Lee,Bob Roe called 555-0100 about Ann Lee.\n"
    spans = [(0, 7, "(b)(6)", "Person 1"), (8, 15, "(b)(6)", None), (23, 31, "(b)(6); (b)(7)(C)", None),
             (38, 45, "(b)(6)", "Person 1")]
    expected, pos = [], 0
    for s, e, codes, pseudonym in spans:
        expected += [text[pos:s], text_placeholder(codes, pseudonym)]
        pos = e
    expected.append(text[pos:])
    assert anonymize(text, spans) == "".join(expected)
    assert anonymize(text, []) == text
