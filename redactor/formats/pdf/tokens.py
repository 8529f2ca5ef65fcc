"""The reader's fast path through a page's content streams: the objects (operands and
operators) pdfminer's content parser makes, made by one regular expression per stream.

pdfminer reads content one character at a time in Python; most content (numbers, names,
strings, arrays, operators) is read here in one pass of ``re`` instead. Only what this module
is sure to read exactly as pdfminer does is read here: a stream with anything else (comments,
inline images, procedures, nested or unterminated strings, name escapes, odd numbers, NUL
bytes, an operator inside an array or a dictionary) is left to pdfminer's own parser, whole
(``objects`` returns None). tests/test_pdf_read.py compares both on the shared corpus and on
generated content.
"""

from __future__ import annotations

import re

from pdfminer.psparser import KWD, LIT, PSBaseParser, PSKeyword, PSLiteral, literal_name

BUFSIZ = PSBaseParser.BUFSIZ  # the size of the blocks pdfminer reads a stream in

# One token: white space, a name, a number, a keyword (an operator; "true", "false"), a
# literal string, a hex string, or an array bracket. pdfminer's rules, as psparser.py has them:
# a name or a keyword runs to [#/%[]()<>{} or white space; a number is digits with at most one
# point ("1.2.3" is 1.2 then .3); a keyword starts with an ASCII letter.
# White space before a token is read with it (one match a token); a match of white space
# alone (no group) is the end of the stream, or a character none of these reads.
_TOKEN = re.compile(
    rb"[ \t\n\r\f\v]*(?:"
    rb"/(?P<name>[^#/%\[\]()<>{}\s]*)"
    rb"|(?P<num>[-+]?[0-9]*\.[0-9]*|[-+]?[0-9]+)"
    rb"|(?P<kw>[A-Za-z][^#/%\[\]()<>{}\s]*)"
    rb"|\((?P<str>(?:[^()\\]|\\[\s\S])*)\)"
    rb"|(?P<dopen><<)|(?P<dclose>>>)"
    rb"|<(?P<hex>[0-9A-Fa-f \t\n\r\f\v]*)>"
    rb"|(?P<open>\[)|(?P<close>\])|(?P<quote>['\"])"
    rb")?"
)
# A backslash escape in a literal string, as pdfminer's _parse_string_1 reads it: up to three
# octal digits, a known letter, a backslash + CR LF (dropped), any other character (dropped).
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|\r\n|[\s\S])")
_ESCAPED = {b"b": b"\x08", b"t": b"\t", b"n": b"\n", b"f": b"\x0c", b"r": b"\r",
            b"(": b"(", b")": b")", b"\\": b"\\"}
# After these the next token must not follow at once: a name stopped by "#" is an escape,
# a hex string's ">" followed by ">" closes a dictionary for pdfminer.
_INLINE_IMAGE = (KWD(b"BI"), KWD(b"ID"), KWD(b"EI"))
_SPACE = re.compile(rb"[ \t\n\r\f\v]")


class _Declined(Exception):
    pass


def _unescape(m: re.Match) -> bytes:
    s = m.group(1)
    if s[:1] in b"01234567":
        code = int(s, 8)
        if code > 255:
            raise _Declined  # pdfminer asserts on it
        return bytes((code,))
    return _ESCAPED.get(s, b"")


def tokens(data: bytes) -> list | None:
    """pdfminer's tokens of one content stream (numbers, booleans, names as PSLiteral,
    strings as bytes, operators and brackets as PSKeyword), or None when the stream holds
    anything this module leaves to pdfminer."""
    if b"\x00" in data:
        return None
    out: list = []
    append = out.append
    pos = 0
    end = len(data)
    match = _TOKEN.match
    try:
        while pos < end:
            m = match(data, pos)
            if m is None:
                return None
            pos = m.end()
            kind = m.lastgroup
            if kind is None:  # white space only
                if pos == end:
                    break
                return None
            if kind == "num":
                text = m.group(kind)
                try:
                    append(float(text) if b"." in text else int(text))
                except ValueError:
                    return None  # "-", "+.", "." : pdfminer drops them
            elif kind == "kw":
                text = m.group(kind)
                if text == b"true":
                    append(True)
                elif text == b"false":
                    append(False)
                else:
                    append(KWD(text))
            elif kind == "name":
                if data[pos:pos + 1] == b"#":
                    return None
                raw = m.group(kind)
                try:
                    append(LIT(str(raw, "utf-8")))
                except UnicodeDecodeError:
                    append(LIT(raw))
            elif kind == "str":
                raw = m.group(kind)
                if b"\\" in raw:
                    start = m.start(kind)
                    for esc in _ESCAPE.finditer(raw):
                        # pdfminer reads a stream 4096 bytes at a time and an escape cut by
                        # that edge reads otherwise ("\\" ending a block escapes nothing)
                        if (start + esc.start()) // BUFSIZ != (start + esc.end() - 1) // BUFSIZ:
                            return None
                    raw = _ESCAPE.sub(_unescape, raw)
                append(raw)
            elif kind == "hex":
                if data[pos:pos + 1] == b">":
                    return None
                digits = _SPACE.sub(b"", m.group(kind))
                if len(digits) % 2:
                    return None
                append(bytes.fromhex(digits.decode("ascii")))
            elif kind == "dopen" or kind == "dclose":
                if (m.start(kind) + 1) % BUFSIZ == 0:
                    return None  # cut by a block's edge, pdfminer reads two tokens
                append(_DOPEN if kind == "dopen" else _DCLOSE)
            else:  # [ ] ' "
                append(KWD(m.group(kind)))
    except _Declined:
        return None
    return out


_OPEN, _CLOSE = KWD(b"["), KWD(b"]")
_DOPEN, _DCLOSE = KWD(b"<<"), KWD(b">>")


def objects(datas: list[bytes]) -> list | None:
    """The objects pdfminer's PDFContentParser gives for streams of these data, in order:
    arrays made into lists, dictionaries (of names) into dicts, every other token as it is;
    or None (pdfminer's parser then)."""
    out: list = []
    stack: list[list] = []  # open arrays and dictionaries
    kinds: list = []  # _OPEN or _DOPEN, for each
    for data in datas:
        toks = tokens(data)
        if toks is None:
            return None
        for tok in toks:
            if tok is _OPEN or tok is _DOPEN:
                stack.append([])
                kinds.append(tok)
            elif tok is _CLOSE or tok is _DCLOSE:
                if not stack or kinds.pop() is not (_OPEN if tok is _CLOSE else _DOPEN):
                    return None
                done = stack.pop()
                if tok is _DCLOSE:
                    # PSStackParser.nextobject: names as keys (pdfminer raises on an odd
                    # count, and takes a key that is not a name as its str())
                    if len(done) % 2 or not all(type(k) is PSLiteral for k in done[::2]):
                        return None
                    done = {literal_name(k): v for k, v in zip(done[::2], done[1::2]) if v is not None}
                (stack[-1] if stack else out).append(done)
            elif stack:
                if isinstance(tok, PSKeyword):
                    return None  # an operator inside an array: pdfminer's own
                stack[-1].append(tok)
            else:
                if tok in _INLINE_IMAGE:
                    return None
                out.append(tok)
    if stack:
        return None
    return out


_Interpreter = None


def interpreter_class():
    """pdfminer's page interpreter, reading content streams through ``objects`` when it
    reads them and through pdfminer's own parser otherwise; operators are run as pdfminer's
    ``execute`` runs them."""
    global _Interpreter
    if _Interpreter is not None:
        return _Interpreter
    from pdfminer import settings
    from pdfminer.pdfinterp import PDFInterpreterError, PDFPageInterpreter
    from pdfminer.pdftypes import stream_value

    methods: dict = {}  # (interpreter class, operator) -> (function, number of operands) or None

    class Interpreter(PDFPageInterpreter):
        def execute(self, streams) -> None:
            # The streams pdfminer's execute runs (not those already running above this
            # one: a form drawing itself), read here without side effects first.
            valid = []
            for obj in streams:
                stream = stream_value(obj)
                if stream.objid is None or stream.objid in self.parent_stream_ids:
                    continue
                valid.append(stream)
            objs = None
            if valid:
                try:
                    objs = objects([stream.get_data() for stream in valid])
                except Exception:  # noqa: BLE001 - pdfminer's execute meets it where it does
                    objs = None
            if objs is None:
                return super().execute(streams)
            self.stream_ids.clear()
            for stream in valid:
                self.stream_ids.add(stream.objid)
            cls = type(self)
            for obj in objs:
                if type(obj) is not PSKeyword:
                    self.argstack.append(obj)  # PDFPageInterpreter.push
                    continue
                known = methods.get((cls, obj), False)
                if known is False:
                    name = str(obj.name, "utf-8", "ignore")
                    method = "do_" + name.replace("*", "_a").replace('"', "_w").replace("'", "_q")
                    func = getattr(cls, method, None)
                    known = methods[(cls, obj)] = None if func is None else (func, func.__code__.co_argcount - 1, name)
                if known is None:
                    if settings.STRICT:
                        raise PDFInterpreterError(f"Unknown operator: {str(obj.name, 'utf-8', 'ignore')!r}")
                    continue
                func, nargs, _name = known
                if nargs:
                    args = self.pop(nargs)
                    if len(args) == nargs:
                        func(self, *args)
                else:
                    func(self)

    _Interpreter = Interpreter
    return Interpreter
