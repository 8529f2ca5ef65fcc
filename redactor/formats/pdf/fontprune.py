"""After removal: forget, in the fonts that lost glyphs, every code no content draws any more.

A font's /Widths (or /W) and /ToUnicode tables list the codes of the document's glyphs. When
the only use of a code was inside a removed run ("Q" of "Quentin"), its width and Unicode
entry still tell that the letter was in the document and how wide it was (Bland et al.,
PETS 2023). For each font that lost glyphs, the codes still drawn anywhere in the file are
collected (pages, forms, tiling-pattern cells, annotation appearances); the width of every other code is set to 0
and its ToUnicode entry dropped, and its embedded glyph program emptied (fontprograms.py).
"""

from __future__ import annotations

import pikepdf

from .content import UsedCodes
from .fonts import FontMetrics


def used_codes(pdf: pikepdf.Pdf, fonts=None) -> dict[tuple[int, int], set[bytes]]:
    """Font (objgen) -> every glyph code some content stream of the file draws with it; only
    for the fonts (objgens) in ``fonts`` unless it is None."""
    walk = UsedCodes(pdf, fonts)
    scan = walk.scan

    for page in pdf.pages:
        resources = page.obj.get("/Resources", pikepdf.Dictionary())
        contents = page.obj.get("/Contents")
        if contents is not None:  # a page's streams may split between any tokens: scan them joined
            try:
                joined = pikepdf.Stream(pdf, b"\n".join(
                    c.read_bytes() for c in (contents if isinstance(contents, pikepdf.Array) else [contents])
                    if isinstance(c, pikepdf.Stream)))
                scan(joined, resources)
            except pikepdf.PdfError:
                pass
        for annot in page.obj.get("/Annots", []) or []:
            ap = annot.get("/AP") if isinstance(annot, pikepdf.Dictionary) else None
            if not isinstance(ap, pikepdf.Dictionary):
                continue
            for _, appearance in ap.items():
                states = [appearance] if isinstance(appearance, pikepdf.Stream) else (
                    [v for _, v in appearance.items()] if isinstance(appearance, pikepdf.Dictionary) else [])
                for st in states:
                    if isinstance(st, pikepdf.Stream):
                        scan(st, st.get("/Resources", resources))
    return walk.used


def prune_fonts(pdf: pikepdf.Pdf, touched: dict[tuple[int, int], set[bytes]]) -> tuple[int, int, list[str]]:
    """For each font that lost glyphs (font -> codes removed), zero the widths and drop the
    ToUnicode entries of the removed codes that nothing draws any more. Only removed codes are
    candidates, so a drawing the scan might miss can only ever keep a code, not lose one that
    was never removed. The embedded glyph programs of those codes are emptied too
    (fontprograms.py). Returns (codes forgotten, glyph programs emptied, notes)."""
    from .fontprograms import blank_glyphs

    if not touched:
        return 0, 0, []
    used = used_codes(pdf, set(touched))  # (only the fonts that lost glyphs are looked up)
    forgotten = blanked = 0
    notes: list[str] = []
    for objgen, removed in touched.items():
        try:
            font = pdf.get_object(objgen)
        except (pikepdf.PdfError, ValueError):
            continue
        if not isinstance(font, pikepdf.Dictionary):
            continue
        forget = removed - used.get(objgen, set())
        if not forget:
            continue
        subtype = str(font.get("/Subtype", ""))
        if subtype in ("/Type1", "/TrueType", "/MMType1", "/Type3"):
            forgotten += _prune_simple_widths(font, forget)
        elif subtype == "/Type0":
            forgotten += _prune_cid_widths(font, forget)
        _prune_tounicode(pdf, font, forget)
        n, note = blank_glyphs(pdf, font, forget, used.get(objgen, set()))
        blanked += n
        if note:
            notes.append(note)
    return forgotten, blanked, notes


def _prune_simple_widths(font, forget: set[bytes]) -> int:
    widths = font.get("/Widths")
    if not isinstance(widths, pikepdf.Array):
        return 0
    first = int(font.get("/FirstChar", 0))
    new, n = [], 0
    for i, w in enumerate(widths):
        if bytes((first + i,)) in forget and (first + i) != 32:
            n += 1 if float(w) else 0
            new.append(0)
        else:
            new.append(w)
    font.Widths = pikepdf.Array(new)
    return n


def _prune_cid_widths(font, forget: set[bytes]) -> int:
    enc = font.get("/Encoding")
    if not (isinstance(enc, pikepdf.Name) and str(enc) in ("/Identity-H", "/Identity-V")):
        return 0  # CIDs of other encodings would need the CMap; leave /W as it is
    descendants = font.get("/DescendantFonts")
    cidfont = descendants[0] if isinstance(descendants, pikepdf.Array) and len(descendants) else None
    if not isinstance(cidfont, pikepdf.Dictionary) or not isinstance(cidfont.get("/W"), pikepdf.Array):
        return 0
    metrics = FontMetrics(font)
    drop = {(c[0] << 8) | c[1] for c in forget if len(c) == 2}
    w = pikepdf.Array()
    for cid, width in sorted(metrics._cid_widths.items()):
        if cid not in drop:
            w.append(cid)
            w.append(pikepdf.Array([round(width * 1000, 3)]))
    cidfont.W = w
    return len(drop & set(metrics._cid_widths))


def _prune_tounicode(pdf: pikepdf.Pdf, font, forget: set[bytes]) -> None:
    stream = font.get("/ToUnicode")
    if not isinstance(stream, pikepdf.Stream):
        return
    from .cmaps import unicode_map

    try:
        cmap = unicode_map(stream.read_bytes())
    except Exception:
        return
    width = max((len(c) for c in forget), default=1)
    drop = {int.from_bytes(c, "big") for c in forget}
    entries = [(cid.to_bytes(width, "big"), value) for cid, value in sorted(cmap.cid2unichr.items())
               if cid not in drop and isinstance(value, str) and cid < 256 ** width]
    lines = [b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
             b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
             b"1 begincodespacerange <" + (b"00" * width) + b"> <" + (b"FF" * width) + b"> endcodespacerange"]
    for i in range(0, len(entries), 100):
        chunk = entries[i:i + 100]
        lines.append(f"{len(chunk)} beginbfchar".encode())
        for code, value in chunk:
            lines.append(b"<" + code.hex().upper().encode() + b"> <"
                         + value.encode("utf-16-be").hex().upper().encode() + b">")
        lines.append(b"endbfchar")
    lines += [b"endcmap CMapName currentdict /CMap defineresource pop end end"]
    font.ToUnicode = pdf.make_stream(b"\n".join(lines) + b"\n")
