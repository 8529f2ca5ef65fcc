"""The reader's fast path through content streams (formats/pdf/tokens.py) gives the objects
pdfminer's own content parser gives, or leaves the stream to it: on generated content (odd
numbers, escapes, hex strings, arrays, what it must leave alone, escapes on the edges of
pdfminer's 4096-byte blocks) and on every page of the shared corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from conftest import CORPUS


def _tagged(x):
    """An object with its type (1 and 1.0 and True compare equal; these must not)."""
    if isinstance(x, list):
        return ["list", *(_tagged(v) for v in x)]
    if isinstance(x, dict):
        return ["dict", *((k, _tagged(v)) for k, v in x.items())]
    return (type(x).__name__, getattr(x, "name", x))


def _stock(datas: list[bytes]) -> list:
    from pdfminer.pdfinterp import PDFContentParser
    from pdfminer.pdftypes import PDFStream
    from pdfminer.psparser import PSEOF

    out = []
    try:
        parser = PDFContentParser([PDFStream({}, d) for d in datas])
    except PSEOF:
        return out
    while True:
        try:
            out.append(parser.nextobject()[1])
        except PSEOF:
            return out


def _agree(datas: list[bytes]) -> bool:
    """True when the fast path read the streams (and then as pdfminer does)."""
    from redactor.formats.pdf.tokens import objects

    fast = objects(datas)
    if fast is None:
        return False
    assert _tagged(fast) == _tagged(_stock(datas))
    return True


# Pieces of content the fast path reads, and pieces it leaves to pdfminer.
_GOOD = [b"0", b"12", b"-3", b"+4", b"5.", b".5", b"-.25", b"1.2.3", b"007", b"1e5", b"/F1", b"/", b"/\xc3\xa9",
         b"/\xff", b"BT", b"ET", b"Tj", b"TJ", b"T*", b"'", b'"', b"d0", b"true", b"false", b"null", b"(Ab)",
         b"()", b"(a\\)b)", b"(\\101\\60x)", b"(\\1234)", b"(a\\\r\nb)", b"(a\\\nb)",
         b"(\\q\\n\\t\\r\\b\\f\\\\)", b"(\r\n)", b"<4142>", b"<41 4 2>", b"<>", b"[", b"]", b"[]",
         b"<< /MCID 0 >>", b"<</A [1 (x)] /B <</C <41> >> /A 2>>", b"<<>>", b"/Span<</ActualText(a\\)b)>>BDC"]
_BAD = [b"-", b"+.", b".", b"--5", b"/A#20B", b"(\\777)", b"(a(b)c)", b"(open", b"<414>", b"<41>>", b"<<",
        b">>", b"<< /A >>", b"<< 1 2 >>", b"<< /A null >>", b"<< /A 1 ]", b"[ /A >>", b"{", b"}", b"%c\n", b"BI", b"ID", b"EI", b"\x00", b"#", b")", b"<x>", b"[Tj]"]
_OPERATORS = {b"BT", b"ET", b"Tj", b"TJ", b"T*", b"'", b'"', b"d0", b"null", b"1e5",  # 1e5: 1, then e5
              b"/Span<</ActualText(a\\)b)>>BDC"}
_gaps = st.sampled_from([b" ", b"\n", b"\r\n", b"\t", b"", b"  \f"])


def _content(pieces) -> bytes:
    return b"".join(p + g for p, g in pieces)


@hsettings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.tuples(st.sampled_from(_GOOD), _gaps.filter(bool)), max_size=25), min_size=1, max_size=3))
def test_generated_content_reads_as_pdfminer_reads_it(streams):
    # What the fast path leaves to pdfminer among these: a bracket closing nothing or left
    # open, an operator inside an array (pdfminer keeps it there).
    depth, left = 0, False
    for piece, _gap in (p for s in streams for p in s):
        for ch in piece.count(b"[") * "[" + piece.count(b"]") * "]" if piece in (b"[", b"]", b"[]") else "":
            depth += 1 if ch == "[" else -1
            left = left or depth < 0
        left = left or (depth > 0 and piece in _OPERATORS)
    left = left or depth != 0
    assert _agree([_content(s) for s in streams]) is not left


@hsettings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.tuples(st.sampled_from(_GOOD + _BAD), _gaps), max_size=25), min_size=1, max_size=3))
def test_generated_odd_content_is_left_to_pdfminer_or_read_as_it_reads(streams):
    _agree([_content(s) for s in streams])


def test_common_content_is_read_fast():
    content = (b"q 1 0 0 1 72 720 cm BT /F1 12 Tf 14.4 TL (Ab\\(c\\) \\351t\\351) Tj T* "
               b"[(W) 120 (orld) -250.5 <0041>] TJ 0 -14 Td (x) ' 1 2 (y) \" ET Q 0.5 g 10 10 100 50 re f")
    assert _agree([content])
    assert _agree([b"BT /F1 1", b"2 Tf (a) Tj ET"])  # a token cut where one stream ends


@pytest.mark.parametrize("offset", range(4088, 4100))
def test_escapes_on_block_edges(offset):
    """pdfminer reads a stream 4096 bytes at a time, and an escape cut by that edge reads
    otherwise than a whole one: such a stream is left to pdfminer (or read as it reads it)."""
    for escape in (b"\\n", b"\\101", b"\\)", b"\\\r\n", b"\\12"):
        head = b"BT (" + b"a" * (offset - 4)
        _agree([head + escape + b"b) Tj ET"])
    for dictionary in (b"<</A 1>>", b"<</A <41>>>"):
        _agree([b"0 " * (offset // 2) + b" " * (offset % 2) + dictionary + b" BDC"])


@pytest.mark.parametrize("text, fast", [("Marie-\u00c9lise O'Neill (ret.) 50% <x> [y] {z}", True),
                                        ("a\\b \\101", True), ("\u00e9" * 3000, False)])
def test_generated_page_reads_as_pdfminer_reads_it(text, fast, tmp_path):
    """Escaped parentheses, backslashes and octal codes, as a PDF library writes them; a long
    line of octal escapes crosses pdfminer's block edges."""
    from reportlab.pdfgen import canvas

    from redactor.formats.pdf.read import read_pdf

    path = tmp_path / "p.pdf"
    c = canvas.Canvas(str(path))
    c.drawString(72, 700, text)
    c.save()
    read = [_agree(group) for group in _content_streams(path)]
    assert read and (all(read) if fast else True)
    assert text[:40] in read_pdf(path, ocr=False).pages[0].text


def _content_streams(path: Path) -> list[list[bytes]]:
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import PDFStream, list_value, resolve1, stream_value

    out = []
    with open(path, "rb") as fh:
        for page in PDFPage.create_pages(PDFDocument(PDFParser(fh))):
            groups = [[stream_value(s) for s in list_value(page.contents or [])]]
            xobjects = resolve1((page.resources or {}).get("XObject"))
            if isinstance(xobjects, dict):
                groups += [[x] for x in map(resolve1, xobjects.values()) if isinstance(x, PDFStream)]
            for group in groups:
                try:
                    out.append([s.get_data() for s in group])
                except Exception:  # noqa: BLE001 - a stream pdfminer cannot decode: not read fast either
                    continue
    return out


def _pdfs() -> list[Path]:
    return sorted(CORPUS.rglob("*.pdf")) if CORPUS.is_dir() else []


@pytest.mark.slow
@pytest.mark.skipif(not _pdfs(), reason="shared corpus not available")
def test_corpus_content_reads_as_pdfminer_reads_it():
    read_fast = 0
    for path in _pdfs():
        try:
            groups = _content_streams(path)
        except Exception:  # noqa: BLE001 - pdfminer cannot open it: read from qpdf's rewrite
            continue
        read_fast += sum(_agree(g) for g in groups)
    assert read_fast > 0


@pytest.mark.parametrize("gap", [b" ", b"\n", b"  \t"])
def test_dictionary_brackets_cut_by_a_block_edge_are_left_to_pdfminer(gap):
    """'<<' or '>>' whose second character begins one of pdfminer's 4096-byte blocks is read
    by pdfminer as two tokens: such a stream is left to pdfminer, wherever the white space
    before the bracket (read with it in one match) begins."""
    from redactor.formats.pdf.tokens import BUFSIZ, objects

    for at in (BUFSIZ - 2, BUFSIZ - 1, BUFSIZ):
        head = b"0 " * ((at - len(gap)) // 2) + b"0" * ((at - len(gap)) % 2)
        data = head + gap + b"<</MCID 0>> BDC"
        assert data.index(b"<<") == at
        assert (objects([data]) is None) == (at == BUFSIZ - 1)
        closing = b"/Span <</MCID 0" + b" " * (at - 15 - len(gap)) + gap + b">> BDC"
        assert closing.index(b">>") == at
        assert (objects([closing]) is None) == (at == BUFSIZ - 1)
