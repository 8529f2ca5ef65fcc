"""Letter-spaced lines (headings set with wide character spacing) read as words, so a name in
one is found and withheld; pdfium, which verification uses, reads such lines whole."""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfgen import canvas

from redactor.formats import by_name
from redactor.formats.pdf.read import _unspaced
from redactor.settings import Settings


def pieces(text: str) -> list:
    return [(ch, None if ch.isspace() else (0, 0, 1, 1), False) for ch in text]


def test_single_letters_join_and_word_gaps_stay():
    out = "".join(p[0] for p in _unspaced(pieces("B I N T   L L C\n")))
    assert out == "BINT LLC\n"


def test_ordinary_lines_are_left_alone():
    for line in ("A B testing of 3 items\n", "Case 4:21-cv-00518   Page 4 of 21\n", "I am here\n"):
        assert "".join(p[0] for p in _unspaced(pieces(line))) == line


def test_boxes_stay_aligned_with_text():
    out = _unspaced(pieces("J O H N   S M I T H"))
    assert "".join(p[0] for p in out) == "JOHN SMITH"
    assert all((p[1] is None) == p[0].isspace() for p in out)


def test_letter_spaced_pdf_heading_reads_as_words(tmp_path: Path):
    path = tmp_path / "spaced.pdf"
    c = canvas.Canvas(str(path))
    t = c.beginText(72, 700)
    t.setFont("Helvetica", 12)
    t.setCharSpace(6)
    t.textLine("MARGARET OKONKWO")
    t.setCharSpace(0)
    t.textLine("An ordinary line of text.")
    c.drawText(t)
    c.save()
    page = by_name("pdf").read(path, Settings()).pages[0]
    assert "MARGARET OKONKWO" in page.text
    assert "An ordinary line of text." in page.text
    assert len(page.text) == len(page.char_boxes)
