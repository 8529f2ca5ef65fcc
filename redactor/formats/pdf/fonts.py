"""Font metrics for the removal engine: how a string operand splits into glyph codes, and how
far each glyph advances. This is all the removal engine needs to know where every glyph lands;
it never needs to know which character a glyph shows.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pikepdf

from ...errors import UnsupportedContentError

_STD14_ALIASES = {
    "Arial": "Helvetica",
    "Arial,Bold": "Helvetica-Bold",
    "Arial,Italic": "Helvetica-Oblique",
    "Arial,BoldItalic": "Helvetica-BoldOblique",
    "ArialMT": "Helvetica",
    "Arial-BoldMT": "Helvetica-Bold",
    "Arial-ItalicMT": "Helvetica-Oblique",
    "Arial-BoldItalicMT": "Helvetica-BoldOblique",
    "TimesNewRoman": "Times-Roman",
    "TimesNewRomanPSMT": "Times-Roman",
    "TimesNewRoman,Bold": "Times-Bold",
    "TimesNewRoman,Italic": "Times-Italic",
    "TimesNewRoman,BoldItalic": "Times-BoldItalic",
    "CourierNew": "Courier",
    "CourierNew,Bold": "Courier-Bold",
    "CourierNew,Italic": "Courier-Oblique",
    "CourierNew,BoldItalic": "Courier-BoldOblique",
}


@dataclass(frozen=True, slots=True)
class Glyph:
    code: bytes  # the bytes of this glyph in the string operand
    width: float  # horizontal advance in text space per unit font size (glyph units / 1000)
    is_space: bool  # a single-byte code 32: word spacing (Tw) applies


_ONE_BYTE = [bytes((b,)) for b in range(256)]


def _num(obj, default: float = 0.0) -> float:
    try:
        return float(obj)
    except (TypeError, ValueError):
        return default


class FontMetrics:
    """Glyph segmentation and advance widths of one PDF font dictionary."""

    def __init__(self, font: pikepdf.Dictionary | None):
        self.font = font
        self.vertical = False
        self.ascent = 0.8
        self.descent = -0.2
        self._simple_widths: dict[int, float] = {}
        self._default_width = 0.5
        self._cid_widths: dict[int, float] = {}
        self._cmap: dict | None = None  # nested code2cid, or None for Identity (2-byte)
        self._composite = False
        self._simple_glyphs: list[Glyph] | None = None
        if font is None:
            return
        subtype = str(font.get("/Subtype", ""))
        if subtype == "/Type0":
            self._init_composite(font)
        elif subtype == "/Type3":
            self._init_type3(font)
        else:
            self._init_simple(font)

    # -- construction -------------------------------------------------------------------
    def _descriptor_extents(self, descriptor, scale: float = 0.001) -> None:
        if not isinstance(descriptor, pikepdf.Dictionary):
            return
        asc = _num(descriptor.get("/Ascent"), 0.0) * scale
        desc = _num(descriptor.get("/Descent"), 0.0) * scale
        if asc > 0 and asc > desc and asc - desc < 3:
            self.ascent, self.descent = asc, min(desc, 0.0)

    def _init_simple(self, font) -> None:
        descriptor = font.get("/FontDescriptor")
        self._descriptor_extents(descriptor)
        missing = _num(descriptor.get("/MissingWidth"), 0.0) if isinstance(
            descriptor, pikepdf.Dictionary) else 0.0
        widths = font.get("/Widths")
        if isinstance(widths, pikepdf.Array) and len(widths):
            first = int(_num(font.get("/FirstChar"), 0))
            for i, w in enumerate(widths):
                self._simple_widths[first + i] = _num(w, missing) / 1000.0
            self._default_width = missing / 1000.0
            return
        # No /Widths: a standard 14 font; take widths from its AFM metrics by glyph.
        from pdfminer.fontmetrics import FONT_METRICS

        base = str(font.get("/BaseFont", "/Helvetica"))[1:]
        base = base.split("+", 1)[-1]
        base = _STD14_ALIASES.get(base, base)
        descr, by_char = FONT_METRICS.get(base, FONT_METRICS["Helvetica"])
        self.ascent = descr.get("Ascent", 718) / 1000.0
        self.descent = descr.get("Descent", -207) / 1000.0
        code_to_char = _simple_encoding(font, base)
        for code in range(256):
            ch = code_to_char.get(code)
            if ch is not None and ch in by_char:
                self._simple_widths[code] = by_char[ch] / 1000.0
        self._default_width = (missing or 500) / 1000.0

    def _init_type3(self, font) -> None:
        fm = font.get("/FontMatrix")
        scale = _num(fm[0], 0.001) if isinstance(fm, pikepdf.Array) and len(fm) == 6 else 0.001
        widths = font.get("/Widths")
        first = int(_num(font.get("/FirstChar"), 0))
        if isinstance(widths, pikepdf.Array):
            for i, w in enumerate(widths):
                self._simple_widths[first + i] = _num(w) * scale
        self._default_width = 0.0
        bbox = font.get("/FontBBox")
        if isinstance(bbox, pikepdf.Array) and len(bbox) == 4:
            yscale = _num(fm[3], 0.001) if isinstance(fm, pikepdf.Array) and len(fm) == 6 else 0.001
            lo, hi = sorted((_num(bbox[1]) * yscale, _num(bbox[3]) * yscale))
            if hi > lo and hi - lo < 3:
                self.ascent, self.descent = hi, min(lo, 0.0)

    def _init_composite(self, font) -> None:
        self._composite = True
        enc = font.get("/Encoding")
        name = str(enc)[1:] if isinstance(enc, pikepdf.Name) else ""
        if isinstance(enc, pikepdf.Name):
            if name in ("Identity-H", "Identity-V"):
                self._cmap = None
            else:
                from pdfminer.cmapdb import CMapDB

                try:
                    cmap = CMapDB.get_cmap(name)
                except Exception as exc:  # unknown predefined CMap name
                    raise UnsupportedContentError(f"unknown CMap {name}") from exc
                self._cmap = getattr(cmap, "code2cid", None)
            self.vertical = name.endswith("-V")
        elif isinstance(enc, pikepdf.Stream):
            from pdfminer.cmapdb import CMap, CMapParser

            cmap = CMap()
            try:
                CMapParser(cmap, io.BytesIO(enc.read_bytes())).run()
            except Exception as exc:
                raise UnsupportedContentError(f"unreadable embedded CMap: {exc}") from exc
            self._cmap = cmap.code2cid
            self.vertical = int(_num(enc.get("/WMode"), 0)) == 1
        descendants = font.get("/DescendantFonts")
        cidfont = descendants[0] if isinstance(descendants, pikepdf.Array) and len(descendants) else None
        if not isinstance(cidfont, pikepdf.Dictionary):
            return
        self._descriptor_extents(cidfont.get("/FontDescriptor"))
        self._default_width = _num(cidfont.get("/DW"), 1000.0) / 1000.0
        w = cidfont.get("/W")
        if isinstance(w, pikepdf.Array):
            items = list(w)
            i = 0
            while i < len(items):
                first = int(_num(items[i]))
                nxt = items[i + 1] if i + 1 < len(items) else None
                if isinstance(nxt, pikepdf.Array):
                    for k, width in enumerate(nxt):
                        self._cid_widths[first + k] = _num(width) / 1000.0
                    i += 2
                elif i + 2 < len(items):
                    last = int(_num(nxt))
                    width = _num(items[i + 2]) / 1000.0
                    if last - first > 70000:
                        raise UnsupportedContentError("implausible /W range in CID font")
                    for cid in range(first, last + 1):
                        self._cid_widths[cid] = width
                    i += 3
                else:
                    break

    # -- use ----------------------------------------------------------------------------
    def codes(self, data: bytes) -> set[bytes]:
        """The set of the codes of ``glyphs(data)`` (for a simple font, its distinct bytes:
        no Glyph is made)."""
        if not self._composite:
            return {_ONE_BYTE[b] for b in set(data)}
        return {g.code for g in self.glyphs(data)}

    def glyphs(self, data: bytes) -> list[Glyph]:
        if not self._composite:
            table = self._simple_glyphs
            if table is None:  # one (immutable) Glyph per code, made once per font
                dw = self._default_width
                table = self._simple_glyphs = [Glyph(bytes((b,)), self._simple_widths.get(b, dw), b == 32)
                                               for b in range(256)]
            return [table[b] for b in data]
        if self._cmap is None:  # Identity: two bytes a glyph
            out = []
            for i in range(0, len(data) - 1, 2):
                cid = (data[i] << 8) | data[i + 1]
                out.append(Glyph(data[i:i + 2], self._cid_widths.get(cid, self._default_width), False))
            return out
        out = []
        node = self._cmap
        start = 0
        for i, byte in enumerate(data):
            nxt = node.get(byte) if isinstance(node, dict) else None
            if isinstance(nxt, dict):
                node = nxt
                continue
            cid = nxt if isinstance(nxt, int) else 0
            code = data[start:i + 1]
            out.append(Glyph(code, self._cid_widths.get(cid, self._default_width),
                             len(code) == 1 and code == b" "))
            node = self._cmap
            start = i + 1
        if start < len(data):  # a truncated multi-byte code at the end: still a glyph
            out.append(Glyph(data[start:], self._default_width, False))
        return out


def encoding_of(font) -> tuple[str | None, dict[int, str]]:
    """A simple font's /Encoding: the name of its base encoding (None when the font does not
    say) and its /Differences as code -> glyph name."""
    enc = font.get("/Encoding")
    base, differences = None, {}
    if isinstance(enc, pikepdf.Name):
        base = str(enc)[1:]
    elif isinstance(enc, pikepdf.Dictionary):
        if isinstance(enc.get("/BaseEncoding"), pikepdf.Name):
            base = str(enc.get("/BaseEncoding"))[1:]
        diffs = enc.get("/Differences")
        if isinstance(diffs, pikepdf.Array):
            code = 0
            for item in diffs:
                if isinstance(item, pikepdf.Name):
                    differences[code] = str(item)[1:]
                    code += 1
                else:
                    code = int(_num(item))
    return base, differences


def _simple_encoding(font, base: str) -> dict[int, str]:
    """Code -> character for a simple font without /Widths (standard 14). Symbol and
    ZapfDingbats fall back to StandardEncoding: their built-in encodings map codes to glyphs
    whose AFM widths are keyed by name, not by Unicode."""
    from pdfminer.encodingdb import EncodingDB, name2unicode

    base_name, differences = encoding_of(font)
    table = dict(EncodingDB.encodings.get(base_name or "StandardEncoding", EncodingDB.std2unicode))
    for code, name in differences.items():
        try:
            table[code] = name2unicode(name)
        except (KeyError, ValueError):
            pass
    return table
