"""One email message as pages of text, and its release copy rebuilt from the same reading.

``analyse`` parses the message (the standard library's parser, ``email.policy.default``) into:

- page "headers": the released header fields, one per line, with display names and addresses
  as separate pieces, and one line per attachment name;
- one page per text body part ("body (text/plain)", "body (text/html)"), decoded from its
  transfer encoding and charset (a wrong charset falls back to UTF-8, then Windows-1252);
- the attachments (nested messages included), as bytes with a sanitised name.

The writer runs ``analyse`` again on the same bytes, replaces the withheld spans of each page
piece by piece, and writes a new message from those pieces only: anything the reading did not
put on a page (unknown headers, preambles, comments in HTML, signatures) is not released.
"""

from __future__ import annotations

import base64
import codecs
import email
import email.header
import email.policy
import email.utils
import hashlib
import mimetypes
import quopri
import unicodedata
import urllib.parse
from dataclasses import dataclass, field

import regex as re

from ...errors import BadInputError
from . import html as html_body

MAX_MIME_DEPTH = 30  # multipart inside multipart: deeper is hostile, not mail
MAX_PARTS = 5000
MAX_NAME_BYTES = 120

# Header fields whose values are released (read for detection, written back redacted);
# every other field is dropped from the release copy and named in a note.
ADDRESS_HEADERS = {
    "from", "to", "cc", "bcc", "reply-to", "sender", "resent-from", "resent-to", "resent-cc",
    "resent-bcc", "resent-sender", "return-path", "delivered-to", "x-original-to",
    "disposition-notification-to", "return-receipt-to", "errors-to", "mail-followup-to",
}
TEXT_HEADERS = {
    "subject", "date", "message-id", "in-reply-to", "references", "received", "resent-date",
    "resent-message-id", "thread-topic", "comments", "keywords", "importance", "priority",
    "x-priority", "organization", "x-mailer", "user-agent", "content-language",
}
SIGNATURE_TYPES = {"application/pkcs7-signature", "application/x-pkcs7-signature",
                   "application/pgp-signature"}
ENCRYPTED_TYPES = {"application/pkcs7-mime", "application/x-pkcs7-mime", "application/pgp-encrypted"}
_SINGLE_BYTE = re.compile(r"^(us-?ascii|ascii|ansi_x3\.4-1968|iso[-_]?8859[-_]?\d+|latin[-_]?\d|l\d|"
                          r"(windows|cp|x-cp)[-_]?125\d|cp\d{3}|ibm\d{3}|koi8-[ru])$")
_TOKEN = re.compile(r"^[A-Za-z0-9!#$&^_.+-]{1,64}/[A-Za-z0-9!#$&^_.+-]{1,64}$")
_RESERVED_NAMES = {"CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$", "CONOUT$",
                   *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}


# ---------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------

def decode_text(data: bytes, charset: str | None) -> str:
    """Text of a part. A declared single-byte charset (or none) over bytes that are valid UTF-8
    is a mislabel: UTF-8 wins. An unknown or wrong charset falls back to UTF-8, then cp1252."""
    cs = (charset or "").strip().strip('"').lower()
    try:
        utf8: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = None
    if utf8 is not None and (not cs or _SINGLE_BYTE.match(cs) or cs in ("utf-8", "utf8")):
        return utf8
    if cs:
        try:
            if codecs.lookup(cs)._is_text_encoding:
                return data.decode(cs)
        except (LookupError, UnicodeDecodeError, ValueError):
            pass
    if utf8 is not None:
        return utf8
    return data.decode("cp1252", errors="replace")


def safe_name(name: str, fallback: str = "attachment") -> str:
    """A file name that is one plain name whatever ``name`` holds: no folders (``../``, absolute
    paths, drive letters), no control or format characters, no Windows device names, not
    hidden, at most MAX_NAME_BYTES bytes (the extension kept)."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join("_" if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch for ch in name)
    name = re.sub(r'[<>:"|?*]', "_", name)
    name = name.strip(" .")
    if not name:
        name = fallback
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 10 or not stem:
        stem, ext = name, ""
    if stem.split(".")[0].upper().rstrip(" ") in _RESERVED_NAMES:
        stem = "_" + stem
    while len((stem + ("." + ext if ext else "")).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    stem = stem.rstrip(" .") or fallback
    return stem + ("." + ext if ext else "")


def _unique(name: str, taken: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, k = name, 1
    while candidate.lower() in taken:
        k += 1
        candidate = f"{stem}-{k}" + (f".{ext}" if ext else "")
    taken.add(candidate.lower())
    return candidate


def _one_line(s: str) -> str:
    """Header text on one line, with raw 8-bit bytes the parser kept as surrogate escapes
    decoded (UTF-8, else Windows-1252)."""
    if any("\udc80" <= ch <= "\udcff" for ch in s):
        s = decode_text(s.encode("utf-8", "surrogateescape"), None)
    return re.sub(r"[\r\n\x00]+", " ", s)


# ---------------------------------------------------------------------------------------
# The reading
# ---------------------------------------------------------------------------------------

@dataclass
class HeaderField:
    name: str
    kind: str  # "address" or "text"
    text: str = ""  # decoded value of a text field
    # address fields: (group name or None, [(display name, address)])
    groups: list[tuple[str | None, list[tuple[str, str]]]] = field(default_factory=list)


@dataclass
class PageLayout:
    label: str
    text: str
    # (start, end, key): the piece text[start:end] is the field, address, text run... ``key``
    segments: list[tuple[int, int, tuple]]
    kind: str  # "headers", "plain", "html"
    html: html_body.HtmlLayout | None = None


@dataclass
class Attachment:
    number: int  # 1-based, in the order of the message
    name: str  # sanitised, unique within the message
    given_name: bool  # the message named it (its name line is on the headers page)
    content_type: str
    data: bytes
    nested: bool = False  # a message/rfc822 part


@dataclass
class Node:
    kind: str  # "multipart", "body", "attachment", "dropped"
    content_type: str
    children: list["Node"] = field(default_factory=list)
    page: int = 0  # body: 1-based page number
    attachment: int = 0  # attachment: 1-based number


@dataclass
class Mail:
    fields: list[HeaderField]
    dropped_headers: list[str]
    root: Node
    pages: list[PageLayout]
    attachments: list[Attachment]
    notes: list[str]


def parse(raw: bytes) -> email.message.EmailMessage:
    try:
        return email.message_from_bytes(raw, policy=email.policy.default)
    except RecursionError:
        raise BadInputError(f"MIME structure nested too deeply (more than {MAX_MIME_DEPTH} levels)") from None


def _address_field(name: str, header) -> HeaderField:
    groups: list[tuple[str | None, list[tuple[str, str]]]] = []
    text = _one_line(str(header))
    if hasattr(header, "groups"):
        for g in header.groups:
            addrs = [(_one_line(a.display_name or ""), _one_line(a.addr_spec or "")) for a in g.addresses]
            addrs = [(d, a if a != "<>" else "") for d, a in addrs]
            groups.append((_one_line(g.display_name) if g.display_name is not None else None, addrs))
    else:  # a field the parser does not know as an address list (Return-Path, Delivered-To...)
        pairs = email.utils.getaddresses([text])
        if pairs and all(a or d for d, a in pairs):
            groups = [(None, [(_one_line(d), _one_line(a)) for d, a in pairs])]
    if not groups and text.strip():
        # Unparseable: the whole value is one piece of text, released as a group's name.
        groups = [(text, [])]
    return HeaderField(name=name, kind="address", groups=groups)


def _parsed(msg, name: str, raw_value):
    """The parsed header, or (when the parser trips on a damaged value) its text decoded as
    plain encoded words."""
    try:
        header = msg.policy.header_fetch_parse(name, raw_value)
        str(header)
        if hasattr(header, "groups"):
            header.groups  # noqa: B018 - parsed lazily: make it fail here if it fails
        return header
    except Exception:  # noqa: BLE001 - a stdlib parser bug on a hostile value
        try:
            return str(email.header.make_header(email.header.decode_header(str(raw_value))))
        except Exception:  # noqa: BLE001
            return str(raw_value)


def _canonical(name: str) -> str:
    return "-".join(w[:1].upper() + w[1:].lower() for w in name.split("-")) if name.lower() != "message-id" \
        else "Message-ID"


def analyse(raw: bytes) -> Mail:
    msg = parse(raw)
    fields: list[HeaderField] = []
    dropped: list[str] = []
    for name, raw_value in msg.raw_items():
        key = name.strip().lower()
        value = _parsed(msg, name, raw_value)
        if key in ADDRESS_HEADERS:
            try:
                fields.append(_address_field(_canonical(key), value))
            except Exception:  # noqa: BLE001
                fields.append(HeaderField(_canonical(key), "text", text=_one_line(str(value))))
        elif key in TEXT_HEADERS:
            fields.append(HeaderField(_canonical(key), "text", text=_one_line(str(value))))
        elif not key.startswith("content-") and key != "mime-version":
            dropped.append(name if re.fullmatch(r"[A-Za-z0-9-]{1,60}", name) else "(unnamed)")
    notes: list[str] = []
    attachments: list[Attachment] = []
    bodies: list[tuple[str, str]] = []  # (content type, text)
    taken: set[str] = set()
    count = [0]

    def walk(part, depth: int) -> Node:
        count[0] += 1
        if depth > MAX_MIME_DEPTH:
            raise BadInputError(f"MIME structure nested too deeply (more than {MAX_MIME_DEPTH} levels)")
        if count[0] > MAX_PARTS:
            raise BadInputError(f"more than {MAX_PARTS} MIME parts")
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "message/global"):
            return attachment(part, ctype, nested=True)
        if part.is_multipart():
            if ctype == "multipart/encrypted":
                raise BadInputError("encrypted message (multipart/encrypted): its content cannot be read")
            if ctype == "multipart/signed":
                notes.append("the message's signature is not released (a redacted message no longer "
                             "matches it)")
                ctype = "multipart/mixed"
            payload = part.get_payload()
            return Node("multipart", ctype, children=[walk(p, depth + 1) for p in payload])
        if ctype in SIGNATURE_TYPES:
            return Node("dropped", ctype)
        if ctype in ENCRYPTED_TYPES:
            raise BadInputError(f"encrypted message ({ctype}): its content cannot be read")
        disposition = part.get_content_disposition()
        filename = _filename(part)
        if ctype.startswith("multipart/") or (ctype.startswith("text/") and disposition != "attachment"
                                              and not filename):
            # A multipart without (or with a missing) boundary is read as plain text: all of it.
            text = decode_text(_payload(part), part.get_content_charset())
            kind = "text/html" if ctype == "text/html" else "text/plain"
            if ctype not in ("text/plain", "text/html"):
                notes.append(f"a {ctype} part is released as text/plain")
            bodies.append((kind, text.replace("\r\n", "\n").replace("\r", "\n")))
            return Node("body", kind, page=len(bodies) + 1)
        return attachment(part, ctype)

    def attachment(part, ctype: str, nested: bool = False) -> Node:
        filename = _filename(part)
        if nested:
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                data = inner[0].as_bytes(policy=email.policy.compat32)
            else:
                data = _payload(part)
            fallback = "message.eml"
        else:
            data = _payload(part)
            if ctype.startswith("text/"):
                # Text attachments are handed on as UTF-8 whatever their charset.
                data = decode_text(data, part.get_content_charset()).encode("utf-8")
            fallback = "attachment" + (mimetypes.guess_extension(ctype) or ".bin")
        name = safe_name(filename or "", fallback)
        if nested and not name.lower().endswith(".eml"):
            name += ".eml"
        name = _unique(name, taken)
        attachments.append(Attachment(number=len(attachments) + 1, name=name, given_name=bool(filename),
                                      content_type=ctype if _TOKEN.match(ctype) else "application/octet-stream",
                                      data=data, nested=nested))
        return Node("attachment", ctype, attachment=len(attachments))

    try:
        root = walk(msg, 0)
    except RecursionError:
        raise BadInputError(f"MIME structure nested too deeply (more than {MAX_MIME_DEPTH} levels)") from None
    if msg.preamble and msg.preamble.strip():
        notes.append("the MIME preamble (text before the first part) is not released")
    if msg.epilogue and msg.epilogue.strip():
        notes.append("text after the last MIME part (the epilogue) is not released")
    pages = [_headers_page(fields, attachments)]
    counts: dict[str, int] = {}
    for kind, _ in bodies:
        counts[kind] = counts.get(kind, 0) + 1
    for i, (kind, text) in enumerate(bodies, start=1):
        label = f"body ({kind})" if counts[kind] == 1 else f"body part {i} ({kind})"
        if kind == "text/html":
            lay = html_body.layout(text)
            pages.append(PageLayout(label, lay.text, lay.segments, "html", html=lay))
        else:
            pages.append(PageLayout(label, text, [(0, len(text), ("text",))], "plain"))
    if dropped:
        notes.append(f"{len(dropped)} header field(s) not released (not on the list of released fields): "
                     + ", ".join(sorted(set(dropped))[:20]))
    return Mail(fields, dropped, root, pages, attachments, notes)


def _filename(part) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - a malformed parameter
        name = None
    if isinstance(name, str) and name.strip():
        return _one_line(name)
    return None


def _payload(part) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - damaged transfer encoding: the raw text
        data = None
    if data is None:
        raw = part.get_payload()
        data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    return data


def _headers_page(fields: list[HeaderField], attachments: list[Attachment]) -> PageLayout:
    parts: list[str] = []
    segments: list[tuple[int, int, tuple]] = []
    pos = 0

    def add(s: str, key: tuple | None = None) -> None:
        nonlocal pos
        if key is not None and s:
            segments.append((pos, pos + len(s), key))
        parts.append(s)
        pos += len(s)

    for fi, f in enumerate(fields):
        add(f"{f.name}: ")
        if f.kind == "text":
            add(f.text, ("hdr", fi, "text"))
        else:
            for gi, (gname, addrs) in enumerate(f.groups):
                if gi:
                    add(", ")
                if gname is not None:
                    add(gname, ("hdr", fi, "group", gi))
                    add(": ")
                for ai, (display, addr) in enumerate(addrs):
                    if ai:
                        add(", ")
                    if display:
                        add(display, ("hdr", fi, "display", gi, ai))
                        add(" <")
                        add(addr, ("hdr", fi, "addr", gi, ai))
                        add(">")
                    else:
                        add(addr, ("hdr", fi, "addr", gi, ai))
                if gname is not None:
                    add(";")
        add("\n")
    for a in attachments:
        if a.given_name:
            add(f"Attachment {a.number}: ")
            add(a.name, ("attname", a.number))
            add("\n")
    return PageLayout("headers", "".join(parts), segments, "headers")


# ---------------------------------------------------------------------------------------
# Replacing withheld spans piece by piece
# ---------------------------------------------------------------------------------------

def replace_segments(text: str, segments: list[tuple[int, int, tuple]],
                     spans: list[tuple[int, int, str]]) -> dict[tuple, str]:
    """``spans``: (start, end, placeholder) over ``text``, not overlapping. Each segment the
    spans touch gets its new text; a span across several segments puts its placeholder in the
    first and removes its characters from the others."""
    out: dict[tuple, str] = {}
    emitted: set[int] = set()
    spans = sorted(spans)
    for a, b, key in segments:
        touching = [(k, s, e, label) for k, (s, e, label) in enumerate(spans) if s < b and e > a]
        if not touching:
            continue
        pieces, pos = [], a
        for k, s, e, label in touching:
            if s > pos:
                pieces.append(text[pos:s])
            if k not in emitted:
                pieces.append(label)
                emitted.add(k)
            pos = max(pos, min(e, b))
        pieces.append(text[pos:b])
        out[key] = "".join(pieces)
    return out


# ---------------------------------------------------------------------------------------
# Writing a message
# ---------------------------------------------------------------------------------------

def _quoted(s: str) -> str:
    if s.isascii():
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return email.header.Header(s, "utf-8").encode()


def _fold(name: str, value: str) -> str:
    """``Name: value`` folded at spaces to lines of 78 characters where it can be; non-ASCII
    text becomes RFC 2047 encoded words."""
    value = _one_line(value)
    if not value.isascii() or any(len(w) > 900 for w in value.split(" ")):
        return f"{name}: " + email.header.Header(value, "utf-8", header_name=name).encode(linesep="\n")
    lines, line = [], f"{name}:"
    for word in value.split(" "):
        if len(line) + 1 + len(word) > 78 and line.strip() and line != f"{name}:":
            lines.append(line)
            line = " " + word
        else:
            line = f"{line} {word}"
    lines.append(line)
    return "\n".join(lines)


def _fold_list(name: str, items: list[str]) -> str:
    lines, line = [], f"{name}:"
    for i, item in enumerate(items):
        piece = item + ("," if i < len(items) - 1 else "")
        if len(line) + 1 + len(piece) > 78 and line != f"{name}:":
            lines.append(line)
            line = " " + piece
        else:
            line = f"{line} {piece}"
    lines.append(line)
    return "\n".join(lines)


def _address(display: str, addr: str, display_changed: bool, addr_changed: bool) -> str:
    if addr_changed or (addr and not re.fullmatch(r"[^\s<>(),;:\"\[\]\\]+@[^\s<>(),;:\"\[\]\\]+", addr)):
        # The address itself is withheld: the entry becomes an empty group whose name shows
        # what is left and the exemption (valid RFC 5322, no made-up address).
        shown = f"{display} <{addr}>" if display and addr else (display or addr)
        return _quoted(shown) + ": ;"
    if not addr:
        return _quoted(display) + ": ;" if display else ""
    if display:
        plain = display.isascii() and not re.search(r'[][\\()<>@,:;".]', display)
        return f"{display if plain else _quoted(display)} <{addr}>"
    return addr


# Fields whose value is an identifier: one that held withheld text is not released at all
# (a placeholder is not a valid message id, and mail readers trip on it).
ID_HEADERS = {"Message-ID", "In-Reply-To", "References", "Resent-Message-Id"}


def header_lines(mail: Mail, replaced: dict[tuple, str], notes: list[str] | None = None) -> list[str]:
    out = []
    for fi, f in enumerate(mail.fields):
        if f.kind == "text":
            value = replaced.get(("hdr", fi, "text"), f.text)
            if f.name in ID_HEADERS and ("hdr", fi, "text") in replaced:
                if notes is not None:
                    notes.append(f"{f.name} not released: it held withheld text")
                continue
            out.append(_fold(f.name, value))
            continue
        items = []
        for gi, (gname, addrs) in enumerate(f.groups):
            rendered = []
            extra = []
            for ai, (display, addr) in enumerate(addrs):
                dkey, akey = ("hdr", fi, "display", gi, ai), ("hdr", fi, "addr", gi, ai)
                d2, a2 = replaced.get(dkey, display), replaced.get(akey, addr)
                entry = _address(d2, a2, dkey in replaced, akey in replaced)
                if f.name == "Return-Path" and entry == a2:
                    entry = f"<{a2}>"  # the conventional form of the envelope sender
                if gname is not None and entry.endswith(": ;"):
                    extra.append(f"{d2} <{a2}>" if d2 else a2)
                elif entry:
                    rendered.append(entry)
            if gname is not None:
                g2 = " ".join([replaced.get(("hdr", fi, "group", gi), gname)] + extra)
                items.append(_quoted(g2) + ": " + ", ".join(rendered) + ";")
            else:
                items.extend(rendered)
        if items:
            out.append(_fold_list(f.name, items))
    return out


def _param(name: str, value: str) -> str:
    value = _one_line(value)
    if value.isascii():
        return f'{name}="' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name}*=utf-8''" + urllib.parse.quote(value.encode("utf-8"), safe="")


def encode_text_body(text: str) -> tuple[str, bytes]:
    """(transfer encoding, body bytes) for UTF-8 text: 7bit when it can be, else
    quoted-printable."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.endswith("\n"):
        text += "\n"
    data = text.encode("utf-8")
    if text.isascii() and all(len(line) <= 900 for line in text.split("\n")) and "\x00" not in text:
        return "7bit", data
    return "quoted-printable", quopri.encodestring(data)


def _base64(data: bytes) -> bytes:
    enc = base64.b64encode(data)
    return b"\n".join(enc[i:i + 76] for i in range(0, len(enc), 76)) + b"\n"


@dataclass
class Rendered:
    headers: list[str]
    body: bytes


def render_part(headers: list[str], body: bytes) -> bytes:
    return ("\n".join(headers) + "\n\n").encode("utf-8") + body


def new_boundary(content: bytes, attempt: int = 0) -> str:
    """A boundary for a multipart of released ``content``, the same in every run (a re-run
    writes the same copy, byte for byte: its hash in the manifest and audit log stays the
    same). It is derived from the released content only, never from the original."""
    return f"=_redactor_{hashlib.sha256(content + attempt.to_bytes(4, 'big')).hexdigest()[:32]}"


def multipart(subtype: str, children: list[Rendered]) -> Rendered:
    parts = [render_part(c.headers, c.body) for c in children]
    content = subtype.encode("utf-8") + b"".join(hashlib.sha256(p).digest() for p in parts)
    attempt = 0
    while True:
        boundary = new_boundary(content, attempt)
        if not any(boundary.encode() in p for p in parts):
            break
        attempt += 1
    chunks = []
    for rendered in parts:
        chunks.append(b"--" + boundary.encode() + b"\n" + rendered + (b"" if rendered.endswith(b"\n") else b"\n"))
    body = b"".join(chunks) + b"--" + boundary.encode() + b"--\n"
    return Rendered([f'Content-Type: {subtype}; boundary="{boundary}"'], body)


def text_part(subtype: str, text: str) -> Rendered:
    cte, body = encode_text_body(text)
    return Rendered([f'Content-Type: text/{subtype}; charset="utf-8"', f"Content-Transfer-Encoding: {cte}"], body)


def attachment_part(content_type: str, name: str | None, data: bytes, nested: bool) -> Rendered:
    disposition = "Content-Disposition: attachment" + (f"; {_param('filename', name)}" if name else "")
    if nested:
        cte = "8bit" if not data.isascii() else "7bit"
        return Rendered(["Content-Type: message/rfc822", f"Content-Transfer-Encoding: {cte}", disposition],
                        data if data.endswith(b"\n") else data + b"\n")
    ctype = f"Content-Type: {content_type}" + (f"; {_param('name', name)}" if name else "")
    return Rendered([ctype, "Content-Transfer-Encoding: base64", disposition], _base64(data))
