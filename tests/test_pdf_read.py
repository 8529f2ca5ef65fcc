"""Extraction reads every PDF that pikepdf (qpdf) opens: what pdfminer cannot parse itself
(an encryption scheme or crypt filter it does not know, linearized files with unusual
indirect objects such as the Epson sample) is read from qpdf's rewrite."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest

from conftest import CORPUS
from pdftools import qpdf_opens

HOSTILE = sorted((CORPUS / "hostile").glob("*.pdf")) if (CORPUS / "hostile").is_dir() else []


@pytest.mark.skipif(not HOSTILE, reason="shared corpus not available")
@pytest.mark.parametrize("path", [p for p in HOSTILE if qpdf_opens(p)], ids=lambda p: p.name)
def test_every_pdf_qpdf_opens_is_read(path):
    from redactor.formats.pdf.read import read_pdf

    with pikepdf.open(path) as pdf:
        pages = len(pdf.pages)
    document = read_pdf(path, ocr=False)
    assert document.page_count == pages


def test_indirect_rotate_and_object_streams_read(tmp_path):
    """The Epson sample's shape, made here: /Rotate an indirect object, objects in streams."""
    from reportlab.pdfgen import canvas

    from redactor.formats.pdf.read import read_pdf

    src = tmp_path / "src.pdf"
    c = canvas.Canvas(str(src))
    c.drawString(72, 700, "Report of Rosalind Achterberg")
    c.save()
    out = tmp_path / "indirect.pdf"
    with pikepdf.open(src) as pdf:
        pdf.pages[0].obj.Rotate = pdf.make_indirect(pikepdf.Object.parse(b"90"))
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, linearize=True)
    document = read_pdf(out, ocr=False)
    assert document.pages[0].rotation == 90
    assert "Achterberg" in document.pages[0].text


# The reader's per-character path and line grouping (read._aggregator) must make the same
# characters and lines as pdfminer's own: compared attribute by attribute, without layout analysis (whose order of
# equal-distance text boxes depends on object ids in pdfminer, so two runs of pdfminer itself
# may order them differently).
_CHAR_ATTRS = ("_text", "matrix", "fontname", "adv", "upright", "x0", "y0", "x1", "y1", "width", "height",
               "bbox", "size")


def _chars(source, fast: bool) -> list[tuple]:
    import io

    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LTChar, LTContainer
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    from redactor.formats.pdf.cmaps import resource_manager
    from redactor.formats.pdf.read import _aggregator
    from redactor.formats.pdf.tokens import interpreter_class

    out = []
    with (open(source, "rb") if isinstance(source, Path) else io.BytesIO(source)) as fh:
        doc = PDFDocument(PDFParser(fh))
        # the reader's fonts (ToUnicode maps through cmaps.py) against pdfminer's own
        rsrc = resource_manager(caching=True) if fast else PDFResourceManager(caching=True)
        device = _aggregator(rsrc, None) if fast else PDFPageAggregator(rsrc, laparams=None)
        interp = (interpreter_class() if fast else PDFPageInterpreter)(rsrc, device)
        for page in PDFPage.create_pages(doc):
            interp.process_page(page)
            stack = [device.get_result()]
            while stack:
                node = stack.pop()
                if isinstance(node, LTChar):
                    out.append(tuple(getattr(node, a) for a in _CHAR_ATTRS)
                               + (node.ncs.name, getattr(node.graphicstate, "ncolor", None)))
                elif isinstance(node, LTContainer):
                    stack.extend(reversed(list(node)))
    return out


def _lines(source, fast: bool) -> list[list[tuple]]:
    """Per page, the text lines and text boxes of the reader's layout analysis (as a sorted
    list: the order of boxes depends on object ids in pdfminer)."""
    import io

    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams, LTContainer, LTTextBox, LTTextLine
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    from redactor.formats.pdf.read import _aggregator

    out = []
    with (open(source, "rb") if isinstance(source, Path) else io.BytesIO(source)) as fh:
        doc = PDFDocument(PDFParser(fh))
        rsrc = PDFResourceManager(caching=True)
        laparams = LAParams(all_texts=True, line_margin=0.8)
        device = _aggregator(rsrc, laparams) if fast else PDFPageAggregator(rsrc, laparams=laparams)
        interp = PDFPageInterpreter(rsrc, device)
        for page in PDFPage.create_pages(doc):
            interp.process_page(page)
            found = []
            stack = [device.get_result()]
            while stack:
                node = stack.pop()
                if isinstance(node, (LTTextBox, LTTextLine)):
                    found.append((type(node).__name__, node.get_text(), node.bbox, len(node._objs)))
                if isinstance(node, LTContainer):
                    stack.extend(node)
            out.append(sorted(found))
    return out


def _tree(source, fast: bool, ordered: bool = True) -> list:
    """Per page, the reader's layout analysis in order: text boxes, their lines, the lines'
    characters and spaces, and the other objects. ``fast``: the reader's own ``analyze``;
    otherwise pdfminer's ``LTLayoutContainer.analyze`` and ``group_objects`` (with the reader's
    tie-breaking of equally distant boxes, so that both are deterministic). Without
    ``ordered``, text boxes are not grouped into reading order (``boxes_flow=None``, as
    verification reads a release copy)."""
    import io

    from pdfminer.layout import LAParams, LTAnno, LTChar, LTContainer, LTFigure, LTLayoutContainer
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    from redactor.formats.pdf import read

    fast_page = read._page_class()

    class StockPage(fast_page):
        analyze = LTLayoutContainer.analyze
        group_objects = LTLayoutContainer.group_objects

    def shape(node):
        if isinstance(node, LTAnno):
            return ("anno", node.get_text())
        if isinstance(node, LTChar):
            return ("char", node.get_text(), node.bbox)
        if isinstance(node, LTFigure):  # analysed by pdfminer itself, either way
            return ("figure", node.bbox)
        kids = [shape(n) for n in node] if isinstance(node, LTContainer) else []
        kind = "page" if isinstance(node, fast_page) else type(node).__name__
        return (kind, getattr(node, "bbox", None), getattr(node, "_x1", None), kids)

    out = []
    with (open(source, "rb") if isinstance(source, Path) else io.BytesIO(source)) as fh:
        doc = PDFDocument(PDFParser(fh))
        rsrc = PDFResourceManager(caching=True)
        device = read._aggregator(rsrc, None)  # no analysis: done below, one way or the other
        interp = PDFPageInterpreter(rsrc, device)
        for page in PDFPage.create_pages(doc):
            interp.process_page(page)
            layout = device.get_result()
            if device.all_upright:  # the reader then skips _text_direction: it would say 0
                assert read._text_direction(layout) == 0
            layout.__class__ = fast_page if fast else StockPage
            laparams = LAParams(all_texts=True, line_margin=0.8)
            if not ordered:
                laparams.boxes_flow = None
            layout.analyze(laparams)
            out.append(shape(layout))
    return out


def _stock_chars(path: Path) -> list[tuple] | None:
    try:
        return _chars(path, False)
    except Exception:  # noqa: BLE001 - read from qpdf's rewrite instead: not this test's concern
        return None


# Odd fonts and shapes, in the quick tier; every hostile file in the slow one.
_ODD = {"type3-font-nomapping.pdf", "truetype-font-nomapping.pdf", "multicolumn.pdf", "arabic-rotated.pdf",
        "formxobject.pdf", "duplicate-chars.pdf", "pdflatex-forms.pdf", "negzero.pdf"}


@pytest.mark.skipif(not HOSTILE, reason="shared corpus not available")
@pytest.mark.parametrize("path", [pytest.param(p, marks=() if p.name in _ODD else pytest.mark.slow)
                                  for p in HOSTILE], ids=lambda p: p.name)
def test_fast_characters_are_pdfminers(path):
    """Odd fonts (Type3, no mapping, CID), rotated and multi-column pages, forms, overlays."""
    stock = _stock_chars(path)
    if stock is None:
        pytest.skip("pdfminer does not read it itself (read from qpdf's rewrite)")
    assert _chars(path, True) == stock
    assert _lines(path, True) == _lines(path, False)
    assert _tree(path, True) == _tree(path, False)
    assert _tree(path, True, ordered=False) == _tree(path, False, ordered=False)


@pytest.mark.slow
@pytest.mark.skipif(not (CORPUS / "records").is_dir(), reason="shared corpus not available")
def test_fast_characters_are_pdfminers_on_real_records():
    paths = sorted((CORPUS / "records").glob("*.pdf"))
    assert paths
    for path in paths:
        stock = _stock_chars(path)
        if stock is not None:
            assert _chars(path, True) == stock, path.name
            assert _lines(path, True) == _lines(path, False), path.name
            assert _tree(path, True) == _tree(path, False), path.name
            assert _tree(path, True, ordered=False) == _tree(path, False, ordered=False), path.name


from hypothesis import HealthCheck, given, settings as hsettings, strategies as st  # noqa: E402

_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCXYZ,.-0123456789\u00e9\u00fc", min_size=1, max_size=40)


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    runs=st.lists(st.tuples(_words, st.floats(-40, 40), st.floats(-2, 2), st.sampled_from([0, 3]),
                            st.sampled_from([100, 80, 130])), min_size=1, max_size=6),
    font=st.sampled_from(["Helvetica", "Times-Roman", "Courier-Bold", "Symbol"]),
    size=st.floats(min_value=4, max_value=30),
    angle=st.sampled_from([0, 90, 180, 270, 17.5, -33]),
    flip=st.booleans(),
)
def test_fast_characters_on_generated_text(runs, font, size, angle, flip):
    """Text drawn through every text-state parameter the per-character path uses (rise, char
    and word spacing, horizontal scaling, TJ adjustments) under rotated, mirrored and scaled
    matrices: the same characters as pdfminer's."""
    import io

    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(612, 792), invariant=1)
    c.translate(300, 400)
    c.rotate(angle)
    if flip:
        c.scale(-1.5, 0.75)
    t = c.beginText(-100, 0)
    t.setFont(font, size)
    for words, rise, char_space, word_space, scale in runs:
        t.setRise(rise)
        t.setCharSpace(char_space)
        t.setWordSpace(word_space)
        t.setHorizScale(scale)
        t.textOut(words)
    c.drawText(t)
    c.setFont(font, size)
    c._code.append("BT 10 20 Td [(Ab) -250 (cd) 120.5 (e f)] TJ ET")  # kerned pieces
    c.showPage()
    c.save()
    data = buf.getvalue()
    fast = _chars(data, True)
    assert fast and fast == _chars(data, False)
    assert _lines(data, True) == _lines(data, False)
    assert _tree(data, True) == _tree(data, False)


@hsettings(max_examples=30, deadline=None)
@given(words=st.lists(st.tuples(_words, st.floats(30, 560), st.floats(30, 760), st.floats(5, 16),
                                st.sampled_from([None, "rule", "box", "line"])),
                      min_size=0, max_size=25))
def test_fast_lines_on_scattered_text(words):
    """Words scattered over a page, overlapping, touching and apart (columns, tables, stray
    labels), with rules, filled boxes and lines drawn between them (the reader's analyze
    sorts characters from the page's other objects in the same pass as it makes lines), or
    no words at all: the reader's lines are pdfminer's lines."""
    import io

    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(612, 792), invariant=1)
    for text, x, y, size, shape in words:
        c.setFont("Helvetica", size)
        c.drawString(x, y, text)
        if shape == "rule":
            c.rect(x, y - 3, 90, 1, fill=1)
        elif shape == "box":
            c.rect(x - 5, y - 5, 40, size + 4, fill=1)
        elif shape == "line":
            c.line(x, y - 2, x + 120, y - 2)
    if not words:
        c.rect(50, 50, 100, 100, fill=1)
    c.showPage()
    c.save()
    data = buf.getvalue()
    assert _lines(data, True) == _lines(data, False)
    assert _tree(data, True) == _tree(data, False)


def test_text_boxes_group_the_same_whatever_their_memory_addresses():
    """pdfminer breaks ties between equally distant text boxes by id(), a memory address: the
    reader groups them by the page's own order instead, so a file reads the same on every run
    (a plan made by scan must match what apply reads). Four boxes at equal distances, made in
    two allocation orders, passed in the same page order, group identically."""
    from pdfminer.layout import LAParams, LTTextBoxHorizontal

    from redactor.formats.pdf import read

    def box(x, y):
        b = LTTextBoxHorizontal()
        b.set_bbox((x, y, x + 50, y + 10))
        b.label = (x, y)
        return b

    where = [(0, 0), (100, 0), (0, 100), (100, 100), (200, 0), (200, 100)]

    def order(made_backwards: bool):
        made = [box(x, y) for x, y in (reversed(where) if made_backwards else where)]
        by_place = {b.label: b for b in made}
        page = read._page_class()(1, (0, 0, 400, 400))
        tree = page.group_textboxes(LAParams(), [by_place[w] for w in where])
        return _flatten(tree)

    firsts = {tuple(order(k % 2 == 1)) for k in range(6)}
    assert len(firsts) == 1


def _flatten(node) -> list:
    if hasattr(node, "label"):
        return [node.label]
    return [x for child in node for x in _flatten(child)]


@hsettings(max_examples=200, deadline=None)
@given(pieces=st.lists(st.sampled_from(["a", "B", "1", " ", " ", "\u00e9", ".", "\n"]), max_size=30))
def test_lines_not_letter_spaced_are_read_as_they_stand(pieces):
    """The reader's fast path for a line (read.emit_line): a line without four letters set
    apart by single spaces is one _unspaced leaves as it is."""
    from redactor.formats.pdf.read import _LETTER_SPACED, _unspaced

    line = [(ch, (float(i), 0.0, i + 1.0, 10.0) if ch.strip() else None, i % 3 == 0) for i, ch in enumerate(pieces)]
    if _LETTER_SPACED.search("".join(pieces)) is None:
        assert _unspaced(line) == line


def _pages_pdf(path: Path, pages: int = 3) -> Path:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    for n in range(pages):
        for i in range(40):
            c.drawString(72, 760 - 18 * i, f"Page {n + 1} line {i}: Rosalind Achterberg, 12 Elm St")
        c.rect(60, 60, 200, 10, fill=1)
        c.showPage()
    c.save()
    return path


def test_collector_paused_only_while_a_page_is_read(tmp_path, monkeypatch):
    """read._collector_paused holds the cyclic collector off while a page is read: the document
    is the same as read with the collector running throughout, the pause does happen, and the
    collector runs again afterwards, also when the file is refused, and is left off when the
    caller had it off."""
    import contextlib
    import gc

    from redactor.errors import BadInputError
    from redactor.formats.pdf import read

    src = _pages_pdf(tmp_path / "three.pdf")
    seen = []
    layout = read._page_from_layout

    def spy(*args):
        seen.append(gc.isenabled())
        return layout(*args)

    monkeypatch.setattr(read, "_page_from_layout", spy)
    assert gc.isenabled()
    paused = read.read_pdf(src, ocr=False)
    assert seen == [False, False, False] and gc.isenabled()
    with monkeypatch.context() as m:
        m.setattr(read, "_collector_paused", contextlib.nullcontext)
        plain = read.read_pdf(src, ocr=False)
    assert repr(paused) == repr(plain)

    def fails(*args):
        raise ValueError("a page pdfminer cannot lay out")

    monkeypatch.setattr(read, "_page_from_layout", fails)
    with pytest.raises(BadInputError):
        read.read_pdf(src, ocr=False)
    assert gc.isenabled()
    monkeypatch.setattr(read, "_page_from_layout", layout)

    gc.disable()
    try:
        read.read_pdf(src, ocr=False)
        assert not gc.isenabled()
    finally:
        gc.enable()


def _plain_line(items, to_user, translation) -> tuple[str, list]:
    """A text line as the reader reads it, written plainly: characters (a fake-bold repeat
    dropped), spaces, then letter-spaced lines through _unspaced; (text, boxes)."""
    from pdfminer.layout import LTChar

    from redactor.formats.pdf.read import _LETTER_SPACED, _overlap, _unspaced

    pieces: list = []
    prev = (None, None)
    for item in items:
        if isinstance(item, LTChar):
            if translation is not None:
                x0, y0, x1, y1 = item.bbox
                box = (x0 + translation[0], y0 + translation[1], x1 + translation[0], y1 + translation[1])
            else:
                box = to_user.transform_box(item.bbox)
            if item._text == prev[0] and _overlap(box, prev[1]) > 0.6:
                continue
            pieces.append((item._text, box, True))
            prev = (item._text, box)
        else:
            pieces.append((item._text, None, False))
    text = "".join(p[0] for p in pieces)
    if not all(len(p[0]) == 1 for p in pieces) or _LETTER_SPACED.search(text):
        pieces = _unspaced(pieces)
    return "".join(p[0] for p in pieces), [p[1] for p in pieces for _ in p[0]]


@hsettings(max_examples=300, deadline=None)
@given(items=st.lists(st.tuples(st.sampled_from(["a", "B", "l", " ", "fi", "", "\u00e9", "anno", "anno2"]),
                                st.integers(0, 60), st.booleans()), max_size=40),
       origin=st.sampled_from([(0.0, 0.0), (-20.0, 13.5)]), rotate=st.sampled_from([0, 90]))
def test_line_read_as_plainly_read(items, origin, rotate):
    """The reader's emit_line (pieces appended with their boxes, a line's pieces all one
    character long judged from its text's length) reads a line as the plain loop does: fake
    bold repeats, ligatures, empty texts, spaces, letter-spaced runs, shifted and rotated pages."""
    from pdfminer.layout import LTAnno, LTChar, LTPage, LTTextBoxHorizontal, LTTextLineHorizontal

    from redactor.formats.pdf.read import _page_from_layout
    from redactor.geometry import rotation_matrix

    line = LTTextLineHorizontal(0.1)
    for text, x, twice in items:
        if text.startswith("anno"):
            line._objs.append(LTAnno(" " if text == "anno" else "\n"))
            continue
        for k in range(2 if twice else 1):  # drawn twice, nearly in place: fake bold
            ch = LTChar.__new__(LTChar)
            ch._text = text
            ch.graphicstate = None
            ch.bbox = (origin[0] + 6.0 * x + 0.3 * k, origin[1] + 100.0, origin[0] + 6.0 * x + 5.0 + 0.3 * k, origin[1] + 110.0)
            line._objs.append(ch)
    box = LTTextBoxHorizontal()
    box._objs.append(line)
    mediabox = (origin[0], origin[1], origin[0] + 612.0, origin[1] + 792.0)
    layout = LTPage(1, mediabox)
    layout._objs.append(box)

    class PdfPage:
        pass

    pdfpage = PdfPage()
    pdfpage.mediabox, pdfpage.rotate, pdfpage.attrs, pdfpage.annots = mediabox, rotate, {}, None
    page = _page_from_layout(1, pdfpage, layout)
    to_user = rotation_matrix(rotate, mediabox).inverse()
    translation = (to_user.e, to_user.f) if (to_user.a, to_user.b, to_user.c, to_user.d) == (1, 0, 0, 1) else None
    text, boxes = _plain_line(line._objs, to_user, translation)
    assert page.text == text + "\n"
    assert page.char_boxes == boxes + [None]
