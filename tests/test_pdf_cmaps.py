"""ToUnicode maps (formats/pdf/cmaps.py): the fast range expansion and the per-process cache
give exactly the maps pdfminer's own parser gives, on generated maps and on every ToUnicode
stream of the shared corpus, and the cache stays within its bound."""

from __future__ import annotations

import io

import pikepdf
import pytest
from hypothesis import given, settings as hsettings, strategies as st
from pdfminer.cmapdb import CMapParser, FileUnicodeMap

from conftest import CORPUS

from redactor.formats.pdf import cmaps


def _pdfminer(data: bytes) -> FileUnicodeMap:
    cmap = FileUnicodeMap()
    CMapParser(cmap, io.BytesIO(data)).run()
    return cmap


def _parser(data: bytes) -> FileUnicodeMap:
    cmap = FileUnicodeMap()
    cmaps.Parser(cmap, io.BytesIO(data)).run()
    return cmap


def _hex(n: int, width: int) -> str:
    return "<" + n.to_bytes(width, "big").hex().upper() + ">"


# One entry of a ToUnicode map: a bfchar, a bfrange onto a code (of 1 to 4 bytes, so both the
# fast shape and pdfminer's others), or a bfrange onto an array of strings.
_code = st.integers(0, 0xFFFF)
_bfchar = st.tuples(st.just("char"), _code, st.integers(0, 0xFFFF))
_bfrange = st.tuples(st.just("range"), _code, st.integers(0, 300), st.one_of(
    st.integers(0, 0xFFFF).map(lambda v: (v, 2)),
    # around the places the fast path must get right: surrogates, the no-break space, wrapping
    st.sampled_from([0xD7F0, 0xD800, 0xDBFF, 0xDFFF, 0x009F, 0x00A0, 0xFFF0, 0xFFFF]).map(lambda v: (v, 2)),
    st.integers(0, 0xFF).map(lambda v: (v, 1)),
    st.integers(0, 0xFFFFFF).map(lambda v: (v, 3)),
    st.integers(0, 0xFFFFFFF0).map(lambda v: (v, 4))))
_bfarray = st.tuples(st.just("array"), _code, st.lists(st.integers(0x20, 0x2FF), min_size=0, max_size=6))


def _map_text(entries, width: int) -> bytes:
    lines = ["/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
             "/CMapName /Test-UCS def /CMapType 2 def",
             f"1 begincodespacerange {_hex(0, width)} {_hex(256 ** width - 1, width)} endcodespacerange"]
    for kind, start, *rest in entries:
        start %= 256 ** width
        if kind == "char":
            lines += ["1 beginbfchar", f"{_hex(start, width)} {_hex(rest[0], 2)}", "endbfchar"]
        elif kind == "range":
            span, (value, vwidth) = rest
            end = min(start + span, 256 ** width - 1)
            lines += ["1 beginbfrange", f"{_hex(start, width)} {_hex(end, width)} {_hex(value, vwidth)}", "endbfrange"]
        else:
            values = rest[0]
            end = min(start + max(len(values) - 1, 0), 256 ** width - 1)
            array = " ".join(_hex(v, 2) for v in values)
            lines += ["1 beginbfrange", f"{_hex(start, width)} {_hex(end, width)} [{array}]", "endbfrange"]
    lines.append("endcmap CMapName currentdict /CMap defineresource pop end end")
    return "\n".join(lines).encode()


@hsettings(max_examples=150, deadline=None)
@given(entries=st.lists(st.one_of(_bfchar, _bfrange, _bfarray), max_size=12), width=st.sampled_from([1, 2]),
       space_first=st.booleans())
def test_generated_maps_read_as_pdfminer_reads_them(entries, width, space_first):
    if space_first:  # a space mapped before a range that maps the same code to a no-break space
        entries = [("char", 0x41, 0x20), ("range", 0x41 - 0x10, 0x20, (0xA0 - 0x10, 2))] + entries
    data = _map_text(entries, width)
    try:
        stock = _pdfminer(data)
    except Exception as exc:  # noqa: BLE001 - pdfminer fails on it (a 4-byte target past 2**32): so must we
        for parse in (_parser, cmaps.unicode_map):
            with pytest.raises(type(exc)):
                parse(data)
        return
    for ours in (_parser(data), cmaps.unicode_map(data), cmaps.unicode_map(data)):  # parsed, then cached
        assert ours.cid2unichr == stock.cid2unichr
        assert ours.attrs == stock.attrs


def test_a_map_pdfminer_cannot_read_fails_the_same_way():
    """A 4-byte target past 2**32 makes pdfminer's parser raise (struct.error); the reader
    must fail on that font as pdfminer does (the file is then read from qpdf's rewrite or
    reported unreadable), not read it some other way. A hypothesis draw in CI."""
    data = _map_text([("range", 0, 16, (0xFFFFFFF0, 4))], 1)
    with pytest.raises(Exception) as stock:
        _pdfminer(data)
    for parse in (_parser, cmaps.unicode_map):
        with pytest.raises(stock.type):
            parse(data)


def test_several_ranges_in_one_block_keep_their_order():
    """A block where a later range overrides an earlier one, with a range pdfminer's code
    reads (3-byte target) between two the fast path reads."""
    data = (b"begincmap 3 beginbfrange <0000> <0010> <0041> <0005> <0008> <000001> "
            b"<0006> <0007> <0061> endbfrange endcmap")
    assert _parser(data).cid2unichr == _pdfminer(data).cid2unichr
    assert _parser(data).cid2unichr[6] == "a"


def test_a_lone_surrogate_reads_as_nothing_and_a_no_break_space_keeps_a_space():
    data = b"begincmap 1 beginbfchar <0002> <0020> endbfchar 1 beginbfrange <0000> <0003> <D7FE> endbfrange endcmap"
    got = _parser(data).cid2unichr
    assert got == _pdfminer(data).cid2unichr
    assert got[2] == ""  # 0xD800: a lone surrogate
    data = b"begincmap 1 beginbfchar <0001> <0020> endbfchar 1 beginbfrange <0000> <0002> <009F> endbfrange endcmap"
    got = _parser(data).cid2unichr
    assert got == _pdfminer(data).cid2unichr == {0: "\x9f", 1: " ", 2: "\xa1"}


def test_cached_maps_are_copies_and_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(cmaps, "MAX_ENTRIES", 2000)
    monkeypatch.setattr(cmaps, "_cache", type(cmaps._cache)())
    monkeypatch.setattr(cmaps, "_cached_entries", 0)
    data = b"begincmap 1 beginbfrange <0000> <00FF> <0041> endbfrange endcmap"
    first = cmaps.unicode_map(data)
    first.cid2unichr[0] = "changed"
    assert cmaps.unicode_map(data).cid2unichr[0] == "A"  # the cache holds its own copy
    for n in range(40):  # 40 maps of 256 codes: far more than the bound
        cmaps.unicode_map(b"begincmap 1 beginbfrange <0000> <00FF> " + _hex(0x100 * n, 2).encode()
                          + b" endbfrange endcmap")
        assert cmaps._cached_entries <= 2000
        assert cmaps._cached_entries == sum(len(m) for _, m in cmaps._cache.values())


def _tounicode_streams(paths) -> list[bytes]:
    found = []
    for path in paths:
        try:
            pdf = pikepdf.open(path)
        except Exception:  # noqa: BLE001 - not a file qpdf opens: not this test's concern
            continue
        with pdf:
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Dictionary) and isinstance(obj.get("/ToUnicode"), pikepdf.Stream):
                    try:
                        found.append(obj.ToUnicode.read_bytes())
                    except Exception:  # noqa: BLE001 - a stream qpdf cannot decode
                        continue
    return found


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")
def test_every_tounicode_map_of_the_corpus_reads_as_pdfminer_reads_it():
    streams = _tounicode_streams(sorted(CORPUS.rglob("*.pdf")))
    assert len(streams) > 20
    big = 0
    for data in streams:
        try:
            stock = _pdfminer(data)
        except Exception:  # noqa: BLE001 - then ours must fail too
            with pytest.raises(Exception):
                _parser(data)
            continue
        big += len(stock.cid2unichr) >= 65536
        assert _parser(data).cid2unichr == stock.cid2unichr
        assert cmaps.unicode_map(data).cid2unichr == stock.cid2unichr
    assert big  # the OCR layers' whole-range maps, the shape the fast path is for


def test_fonts_read_their_maps_through_the_cache(tmp_path, monkeypatch):
    """The reader's fonts are pdfminer's classes with their ToUnicode streams read by
    cmaps.unicode_map: a page whose font maps codes by a bfrange reads the mapped text."""
    import hashlib
    import re

    from redactor.formats.pdf.read import read_pdf

    assert cmaps.font_classes(), "pdfminer's font classes are not built as cmaps.py expects"
    monkeypatch.setattr(cmaps, "_cache", type(cmaps._cache)())
    monkeypatch.setattr(cmaps, "_cached_entries", 0)
    data = b"begincmap 1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfrange <41> <5A> <0061> endbfrange endcmap"
    pdf = pikepdf.new()
    to_unicode = pdf.make_stream(data)
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica, ToUnicode=to_unicode))
    page = pdf.add_blank_page(page_size=(200, 100))
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.obj.Contents = pdf.make_stream(b"BT /F1 12 Tf 20 50 Td (HELLO WORLD) Tj ET")
    pdf.save(tmp_path / "mapped.pdf")
    for _ in range(2):  # parsed, then from the cache
        text = read_pdf(tmp_path / "mapped.pdf", ocr=False).pages[0].text
        assert re.sub(r"\s+", " ", text).strip() == "hello world"
        assert list(cmaps._cache) == [hashlib.sha256(data).digest()]
