"""ToUnicode maps: pdfminer's parser with its ranges expanded at once, and the maps of a
process kept by content.

A font's ToUnicode CMap says which text each character code stands for. pdfminer expands a
``bfrange`` entry one code at a time, each through a method call and a UTF-16 decode; OCR
tools write ``<0000> <FFFF> <0000>`` (65,536 codes) into every text layer they make, and the
real records of the shared corpus spent a fifth of their reading time there. Here:

- ``Parser`` expands a range whose target is one UTF-16 code unit that does not wrap (almost
  every range there is) with one dictionary comprehension: the same values as pdfminer's
  (a lone surrogate decodes to the empty string; a non-breaking space does not replace a
  space already mapped). Every other entry is read by pdfminer's own code.
- ``unicode_map`` parses a stream once per process: the same bytes give the same map, so a
  batch whose records come from one scanner or one template reads their fonts' maps once.
  The maps are kept in a small cache bounded by their total number of entries.
- ``font_classes`` are pdfminer's font classes whose constructors read ToUnicode streams
  through ``unicode_map``: copies of pdfminer's own functions run with the two names
  replaced (pdfminer's modules are not changed, so other users of pdfminer in the same
  process are not affected). Without those names (another pdfminer), pdfminer's classes.

tests/test_pdf_cmaps.py checks both against pdfminer's parser: generated maps (hypothesis)
and every ToUnicode stream of the shared corpus.
"""

from __future__ import annotations

import hashlib
import io
import threading
import types
from collections import OrderedDict

from pdfminer.cmapdb import CMapParser, FileUnicodeMap
from pdfminer.utils import choplist, nunpack

# Codes kept in the cache, all maps together: about 11 MB per 65,536 codes, so 35 MB at most
# (a worker's memory target is 400 MB; it peaks near 300 without the cache).
MAX_ENTRIES = 200_000

_cache: OrderedDict[bytes, tuple[dict, dict]] = OrderedDict()  # sha256 -> (attrs, cid2unichr)
_cached_entries = 0
_lock = threading.Lock()


class Parser(CMapParser):
    """pdfminer's CMap parser; ``endbfrange`` entries of one UTF-16 code unit expanded at once."""

    def do_keyword(self, pos, token) -> None:
        if (token is not self.KEYWORD_ENDBFRANGE or not self._in_cmap
                or type(self.cmap) is not FileUnicodeMap):
            return super().do_keyword(pos, token)
        objs = [obj for (__, obj) in self.popall()]
        rest: list = []  # the entries pdfminer's own code reads, in their order
        for entry in choplist(3, objs):
            if rest or not self._fast_range(*entry):
                rest.extend(entry)
        if rest:
            # pdfminer's handling of what is left: pushed back and read by its own code
            for obj in rest:
                self.push((pos, obj))
            super().do_keyword(pos, token)

    def _fast_range(self, start_byte, end_byte, code) -> bool:
        """Expand one range at once if it is the common shape; False leaves it to pdfminer."""
        if not (type(start_byte) is bytes and type(end_byte) is bytes and type(code) is bytes
                and len(start_byte) == len(end_byte) and len(code) == 2):
            return False
        start, end, base = nunpack(start_byte), nunpack(end_byte), nunpack(code)
        if end < start or base + (end - start) > 0xFFFF:
            return False  # empty, or wrapping within two bytes: pdfminer's code
        mapping = self.cmap.cid2unichr
        nbsp = 0xA0 - base + start  # the code mapped to a non-breaking space, if any
        keep_space = start <= nbsp <= end and mapping.get(nbsp) == " "
        mapping.update({cid: ("" if 0xD800 <= value <= 0xDFFF else chr(value))
                        for cid, value in zip(range(start, end + 1), range(base, base + end - start + 1))})
        if keep_space:
            mapping[nbsp] = " "  # pdfminer: a non-breaking space does not replace a space
        return True


def unicode_map(data: bytes) -> FileUnicodeMap:
    """The ToUnicode map of a stream's decoded ``data``, as pdfminer's parser reads it; a new
    object each time (its dictionaries copied from the cache)."""
    global _cached_entries
    key = hashlib.sha256(data).digest()
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
    cmap = FileUnicodeMap()
    if hit is not None:
        cmap.attrs, cmap.cid2unichr = dict(hit[0]), dict(hit[1])
        return cmap
    Parser(cmap, io.BytesIO(data)).run()
    entries = len(cmap.cid2unichr)
    if entries <= MAX_ENTRIES // 2:
        with _lock:
            if key not in _cache:
                _cache[key] = (dict(cmap.attrs), dict(cmap.cid2unichr))
                _cached_entries += entries
                while _cached_entries > MAX_ENTRIES:
                    _, (_, old) = _cache.popitem(last=False)
                    _cached_entries -= len(old)
    return cmap


class _StreamParser:
    """Stands in for pdfminer's ``CMapParser(cmap, BytesIO(data)).run()`` in its fonts'
    constructors: fills ``cmap`` (a new, empty map) from ``unicode_map``."""

    def __init__(self, cmap, fp) -> None:
        self.cmap, self.fp = cmap, fp

    def run(self) -> None:
        if type(self.cmap) is not FileUnicodeMap or self.cmap.cid2unichr or not hasattr(self.fp, "getvalue"):
            return CMapParser(self.cmap, self.fp).run()
        parsed = unicode_map(self.fp.getvalue())
        self.cmap.attrs, self.cmap.cid2unichr = parsed.attrs, parsed.cid2unichr


def _run_in(fn, scope: dict):
    """A copy of function ``fn`` that looks its global names up in ``scope``."""
    return types.FunctionType(fn.__code__, scope, fn.__name__, fn.__defaults__, fn.__closure__)


_classes: dict | None = None
_manager = None  # the resource manager class, made once


def font_classes() -> dict:
    """{pdfminer font class name: class reading its ToUnicode map through ``unicode_map``};
    empty when this pdfminer's fonts are not built the way these copies expect."""
    global _classes
    if _classes is not None:
        return _classes
    try:
        from pdfminer import pdffont

        names = ("PDFSimpleFont", "PDFType1Font", "PDFTrueTypeFont", "PDFType3Font", "PDFCIDFont")
        if "CMapParser" not in pdffont.__dict__ or not all(n in pdffont.__dict__ for n in names):
            raise LookupError("pdfminer's fonts are not built as expected")
        scope = dict(pdffont.__dict__)
        scope["CMapParser"] = _StreamParser
        # PDFType1Font and PDFType3Font call PDFSimpleFont.__init__ by name: that name, in the
        # copies' scope, is a class holding the copy of it.
        simple = type("PDFSimpleFont", (pdffont.PDFSimpleFont,),
                      {"__init__": _run_in(pdffont.PDFSimpleFont.__init__, scope), "__module__": __name__})
        scope["PDFSimpleFont"] = simple
        made = {}
        for name in names[1:]:
            base = pdffont.__dict__[name]
            made[name] = type(name, (base,), {"__init__": _run_in(base.__init__, scope), "__module__": __name__})
        _classes = made
    except Exception:  # noqa: BLE001 - pdfminer's own classes then: slower, the same text
        _classes = {}
    return _classes


def resource_manager(**kwargs):
    """pdfminer's resource manager, making fonts with ``font_classes``."""
    global _manager
    from pdfminer import pdfinterp

    if _manager is None:
        classes = font_classes()
        if not classes or "get_font" not in vars(pdfinterp.PDFResourceManager):
            _manager = pdfinterp.PDFResourceManager
        else:
            get_font = _run_in(pdfinterp.PDFResourceManager.get_font, {**pdfinterp.__dict__, **classes})
            _manager = type("PDFResourceManager", (pdfinterp.PDFResourceManager,),
                            {"get_font": get_font, "__module__": __name__})
    return _manager(**kwargs)
