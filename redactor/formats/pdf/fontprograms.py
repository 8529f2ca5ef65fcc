"""Empty the embedded glyph programs that only removed text drew.

A subset font embedded in a PDF holds only the glyphs the document uses. After removal, the
outline of a glyph that only the removed name used (the "Q" of "Quentin") still tells that
the letter was there, even once its width and Unicode entries are gone (fontprune.py):
render the glyph and you can read it. This module replaces each such glyph's program by an
empty one, in place (glyph ids and every other glyph stay as they were, so nothing else in
the file moves):

- TrueType outlines (``/FontFile2``, and ``/FontFile3`` OpenType with ``glyf``): the glyph's
  record is zeroed in place (zero contours), byte for byte, nothing else rewritten;
- CFF charstrings (``/FontFile3`` ``/Type1C``, ``/CIDFontType0C`` and OpenType ``CFF ``):
  the charstring becomes ``endchar``;
- Type1 programs (``/FontFile``): in the decrypted eexec part, the charstring becomes
  ``hsbw endchar`` padded to its old length, re-encrypted, so no offset or length changes;
- Type3 glyph procedures: the ``/CharProcs`` entry becomes an empty procedure.

Which glyph a code draws follows PDF 2.0 section 9.6.5 / 9.7.4: for simple fonts through
the (3,0), (1,0) and (3,1) cmaps and the encoding's glyph names, for CID fonts through the
CMap and ``/CIDToGIDMap``. Every mapping a code may take is considered, and a glyph is
emptied only if no code still drawn maps to it by any of them, so a kept letter never loses
its shape. A program that cannot be read (hex eexec, a damaged font) is left as it is, with a
note in the report.
"""

from __future__ import annotations

import io

import pikepdf

from .fonts import FontMetrics, encoding_of


def blank_glyphs(pdf: pikepdf.Pdf, font: pikepdf.Dictionary, forget: set[bytes],
                 kept: set[bytes]) -> tuple[int, str | None]:
    """Empty the programs of glyphs only ``forget`` codes draw. Returns (glyphs emptied,
    a note when the font's programs could not be handled)."""
    subtype = str(font.get("/Subtype", ""))
    if subtype == "/Type3":
        return _blank_type3(pdf, font, forget, kept), None
    if subtype == "/Type0":
        descendants = font.get("/DescendantFonts")
        cidfont = descendants[0] if isinstance(descendants, pikepdf.Array) and len(descendants) else None
        if not isinstance(cidfont, pikepdf.Dictionary):
            return 0, None
        descriptor = cidfont.get("/FontDescriptor")
        to_glyphs = _cid_mapper(font, cidfont)
    else:
        descriptor = font.get("/FontDescriptor")
        to_glyphs = None
    if not isinstance(descriptor, pikepdf.Dictionary):
        return 0, None  # not embedded: the reader's own font draws it, nothing to empty
    for key in ("/FontFile2", "/FontFile3", "/FontFile"):
        stream = descriptor.get(key)
        if isinstance(stream, pikepdf.Stream):
            break
    else:
        return 0, None
    try:
        if key == "/FontFile":
            n, new = _blank_type1(stream, font, forget, kept)
            if n:
                stream.write(new)
            return n, None
        data = stream.read_bytes()
        if key == "/FontFile3" and str(stream.get("/Subtype", "")) in ("/Type1C", "/CIDFontType0C"):
            n, new = _blank_bare_cff(data, font, forget, kept, to_glyphs)
        else:
            n, new = _blank_sfnt(data, font, forget, kept, to_glyphs)
    except Exception as exc:  # fontTools raises many types on damaged fonts
        return 0, f"font {_name(font)}: glyph programs not emptied ({type(exc).__name__})"
    if n:
        stream.write(new)
        if key == "/FontFile2":
            stream.Length1 = len(new)
    return n, None


def _name(font) -> str:
    return str(font.get("/BaseFont", "?")).lstrip("/")


# -- code -> glyph -------------------------------------------------------------------------

def _simple_names(font, code: int) -> set[str]:
    """Glyph names the font's encoding gives a code (base encoding and /Differences)."""
    from pdfminer.latin_enc import ENCODING

    base, differences = encoding_of(font)
    names = {differences[code]} if code in differences else set()
    column = {"StandardEncoding": 1, "MacRomanEncoding": 2, "WinAnsiEncoding": 3, "PDFDocEncoding": 4}
    cols = [column[base]] if base in column else [1, 3]
    for row in ENCODING:
        for col in cols:
            if row[col] == code:
                names.add(row[0])
    return names


def _simple_glyphs(tt, font, code: int) -> set[str]:
    """Glyph names a simple TrueType/OpenType font may draw for ``code`` (every mapping)."""
    from pdfminer.encodingdb import name2unicode

    out: set[str] = set()
    cmap = tt["cmap"] if "cmap" in tt else None
    names = _simple_names(font, code)
    order = set(tt.getGlyphOrder())
    out.update(n for n in names if n in order)
    if cmap is not None:
        for table in cmap.tables:
            key = (table.platformID, table.platEncID)
            m = table.cmap
            if key == (3, 0):
                for c in (code, 0xF000 + code, 0xF100 + code, 0xF200 + code):
                    if c in m:
                        out.add(m[c])
            elif key == (1, 0) and code in m:
                out.add(m[code])
            elif table.platformID in (0, 3) and key != (3, 0):
                for n in names:
                    try:
                        u = ord(name2unicode(n))
                    except (KeyError, ValueError, TypeError):
                        continue
                    if u in m:
                        out.add(m[u])
    return out


def _cid_mapper(font, cidfont):
    """code -> CID (the font's CMap) -> GID (/CIDToGIDMap)."""
    metrics = FontMetrics(font)
    gid_map = cidfont.get("/CIDToGIDMap")
    table = gid_map.read_bytes() if isinstance(gid_map, pikepdf.Stream) else None

    def cids(code: bytes) -> tuple[int, int | None]:
        if metrics._cmap is None:
            cid = int.from_bytes(code, "big") if len(code) == 2 else None
        else:
            node = metrics._cmap
            for b in code:
                node = node.get(b) if isinstance(node, dict) else None
            cid = node if isinstance(node, int) else None
        if cid is None:
            return -1, None
        if table is None:
            return cid, cid
        gid = int.from_bytes(table[2 * cid:2 * cid + 2], "big") if 2 * cid + 2 <= len(table) else None
        return cid, gid

    return cids


# -- TrueType / OpenType -------------------------------------------------------------------

def _blank_sfnt(data: bytes, font, forget, kept, to_glyphs) -> tuple[int, bytes]:
    from fontTools.ttLib import TTFont

    tt = TTFont(io.BytesIO(data), lazy=True)
    order = tt.getGlyphOrder()
    cff_cid = "CFF " in tt and hasattr(tt["CFF "].cff.topDictIndex[0], "ROS")

    def glyphs(code: bytes) -> set[str]:
        if to_glyphs is not None:
            cid, gid = to_glyphs(code)
            if cff_cid:
                return {f"cid{cid:05d}"} if cid >= 0 else set()
            return {order[gid]} if gid is not None and 0 <= gid < len(order) else set()
        return _simple_glyphs(tt, font, code[0]) if len(code) == 1 else set()

    drop = set().union(*(glyphs(c) for c in forget)) - set().union(*(glyphs(c) for c in kept), {".notdef"})
    if not drop:
        return 0, data
    if "glyf" in tt:
        # In place, byte for byte: the glyph's record is zeroed (zero contours, no
        # instructions), so nothing else in the font changes and damaged tables elsewhere
        # (common in subset fonts) do not matter.
        return _zero_glyphs(data, sorted(tt.getGlyphID(name) for name in drop))
    n = _blank_charstrings(tt["CFF "].cff, drop) if "CFF " in tt else 0
    if not n:
        return 0, data
    out = io.BytesIO()
    tt.save(out)
    return n, out.getvalue()


def _zero_glyphs(data: bytes, gids: list[int]) -> tuple[int, bytes]:
    """Zero the ``glyf`` records of ``gids`` in an sfnt (TrueType) font program."""
    import struct

    num_tables = struct.unpack(">H", data[4:6])[0]
    tables = {}
    for i in range(num_tables):
        tag, _, offset, length = struct.unpack(">4sIII", data[12 + 16 * i:28 + 16 * i])
        tables[tag] = (offset, length)
    head, loca, glyf = tables[b"head"], tables[b"loca"], tables[b"glyf"]
    long_offsets = struct.unpack(">h", data[head[0] + 50:head[0] + 52])[0] == 1
    size = 4 if long_offsets else 2
    out = bytearray(data)
    n = 0
    for gid in gids:
        at = loca[0] + gid * size
        if at + 2 * size > loca[0] + loca[1]:
            continue
        start, end = struct.unpack(">II" if long_offsets else ">HH", data[at:at + 2 * size])
        if not long_offsets:
            start, end = start * 2, end * 2
        if end - start >= 10 and glyf[0] + end <= len(data) and any(data[glyf[0] + start:glyf[0] + end]):
            out[glyf[0] + start:glyf[0] + end] = bytes(end - start)
            n += 1
    return n, bytes(out)


# -- Type1 ---------------------------------------------------------------------------------

def _blank_type1(stream, font, forget, kept) -> tuple[int, bytes]:
    """Type1 (/FontFile): in the eexec-encrypted part, each dropped glyph's charstring is
    replaced by ``sbx wx hsbw endchar`` padded to its old length, so every offset and length
    in the file stays as it was."""
    import re

    from fontTools.misc.eexec import decrypt, encrypt
    from fontTools.misc.psCharStrings import T1CharString

    data = stream.read_bytes()
    clear_len = int(stream.get("/Length1", 0))
    enc_len = int(stream.get("/Length2", 0))
    if not (0 < clear_len < len(data)) or enc_len <= 4:
        raise ValueError("no eexec section")
    clear, cipher = data[:clear_len], data[clear_len:clear_len + enc_len]
    if all(c in b"0123456789abcdefABCDEF \r\n\t" for c in cipher[:16]):
        raise ValueError("hex eexec section")
    plain, _ = decrypt(cipher, 55665)
    plain = bytearray(plain)
    m = re.search(rb"/lenIV\s+(\d+)", plain)
    len_iv = int(m.group(1)) if m else 4

    builtin = {int(c): n.decode("latin-1") for c, n in re.findall(rb"dup\s+(\d+)\s*/(\S+)\s+put", clear)}

    def names(code: bytes) -> set[str]:
        if len(code) != 1:
            return set()
        out = _simple_names(font, code[0]) if "/Encoding" in font else set()
        if code[0] in builtin:
            out.add(builtin[code[0]])
        return out

    drop = set().union(*(names(c) for c in forget)) - set().union(*(names(c) for c in kept), {".notdef"})
    start = plain.find(b"/CharStrings")
    if not drop or start < 0:
        return 0, data
    entry = re.compile(rb"/([^\s/\[\]{}()<>%]+)\s+(\d+)\s+(?:RD|-\|)\s")
    pos, n = start + len(b"/CharStrings"), 0
    while True:
        m = entry.search(plain, pos)
        if m is None:
            break
        name, length = m.group(1).decode("latin-1"), int(m.group(2))
        body_at = m.end()
        if name in drop and length > len_iv:
            body, _ = decrypt(bytes(plain[body_at:body_at + length]), 4330)
            cs = T1CharString(bytecode=body[len_iv:])
            cs.decompile()
            prog = cs.program
            if len(prog) >= 3 and prog[2] == "hsbw":
                empty = T1CharString(program=[prog[0], prog[1], "hsbw", "endchar"])
                empty.compile()
                code = empty.bytecode
                if len(code) <= length - len_iv:
                    new_body = body[:len_iv] + code + bytes(length - len_iv - len(code))
                    plain[body_at:body_at + length], _ = encrypt(new_body, 4330)
                    n += 1
        pos = body_at + length
    if not n:
        return 0, data
    new_cipher, _ = encrypt(bytes(plain), 55665)
    return n, clear + new_cipher + data[clear_len + enc_len:]


# -- bare CFF ------------------------------------------------------------------------------

def _blank_bare_cff(data: bytes, font, forget, kept, to_glyphs) -> tuple[int, bytes]:
    from fontTools.cffLib import CFFFontSet
    from fontTools.ttLib import TTFont

    host = TTFont()  # cffLib wants an OpenType font around the CFF; an empty one will do
    cff = CFFFontSet()
    cff.decompile(io.BytesIO(data), host, isCFF2=False)
    top = cff.topDictIndex[0]
    cid_keyed = hasattr(top, "ROS")
    builtin = getattr(top, "Encoding", None)

    def glyphs(code: bytes) -> set[str]:
        if to_glyphs is not None:
            cid, gid = to_glyphs(code)
            if cid < 0:
                return set()
            if cid_keyed:
                return {f"cid{cid:05d}"}
            charset = top.charset
            return {charset[gid]} if gid is not None and 0 <= gid < len(charset) else set()
        if len(code) != 1:
            return set()
        names = _simple_names(font, code[0]) if "/Encoding" in font else set()
        if isinstance(builtin, list) and code[0] < len(builtin) and builtin[code[0]] != ".notdef":
            names.add(builtin[code[0]])
        return names

    drop = set().union(*(glyphs(c) for c in forget)) - set().union(*(glyphs(c) for c in kept), {".notdef"})
    n = _blank_charstrings(cff, drop)
    if not n:
        return 0, data
    out = io.BytesIO()
    cff.compile(out, host, isCFF2=False)
    return n, out.getvalue()


def _blank_charstrings(cff, drop: set[str]) -> int:
    top = cff.topDictIndex[0]
    strings = top.CharStrings
    n = 0
    for name in drop:
        if name in strings:
            cs = strings[name]
            cs.decompile()
            if cs.program and cs.program != ["endchar"]:
                cs.program = ["endchar"]
                n += 1
    return n


# -- Type3 ---------------------------------------------------------------------------------

def _blank_type3(pdf: pikepdf.Pdf, font, forget, kept) -> int:
    procs = font.get("/CharProcs")
    if not isinstance(procs, pikepdf.Dictionary):
        return 0
    drop: set[str] = set()
    for c in forget:
        if len(c) == 1:
            drop |= _simple_names(font, c[0])
    for c in kept:
        if len(c) == 1:
            drop -= _simple_names(font, c[0])
    n = 0
    for name in drop:
        key = "/" + name
        if key in procs:
            # A new, empty procedure (the old stream may be shared with a kept glyph's name).
            procs[key] = pdf.make_stream(b"0 0 d0\n")
            n += 1
    return n
