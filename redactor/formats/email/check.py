"""Independent verification of a released message.

Different code from the reader: the standard library's parser with the ``compat32`` policy
(the reader uses ``default``), transfer encodings decoded here with ``base64``/``quopri``,
headers decoded with ``email.header.decode_header``, HTML read with a regular expression
instead of ``html.parser``. Every header, every part (decoded and raw), the raw bytes of the
whole file, and each attachment through its own format's ``verify``. Problems say where (the
part, the redaction's entity), never the value.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.header
import email.policy
import email.utils
import html
import quopri
import tempfile
from pathlib import Path

import regex as re

from ...model import Plan
from ..base import WriteResult
from ._shared import Withheld, find_values, withheld_values

_TAG = re.compile(r"<[^>]*>", re.DOTALL)
_ACTIVE_TAG = re.compile(r"<\s*/?\s*(script|iframe|frame|object|embed|applet|form|input|button|link|meta|base|svg)\b",
                         re.IGNORECASE)
_ACTIVE_ATTR = re.compile(r"\son[a-z]+\s*=|javascript:|url\s*\(|@import|expression\s*\(|\ssrc\s*=|"
                          r"\sbackground\s*=", re.IGNORECASE)
_STYLE = re.compile(r"<style[^>]*>(.*?)</style", re.IGNORECASE | re.DOTALL)


def active_content(html_text: str) -> bool:
    """Scripts, frames, forms, event handlers or remote references in the markup (tags and
    style blocks; text that merely mentions them is text)."""
    for tag in _TAG.findall(html_text):
        if _ACTIVE_TAG.match(tag) or _ACTIVE_ATTR.search(tag):
            return True
    return any(_ACTIVE_ATTR.search(" " + css) for css in _STYLE.findall(html_text))


def all_values(plan: Plan) -> list[Withheld]:
    """What this plan withholds, and what every attachment withholds that propagates across
    the message (see ``redactor.attachments``): those must be nowhere in the message's own
    headers and parts. Each attachment's own copy is checked by its format against its own
    plan."""
    from ...attachments import nodes, propagating_values

    out = list(withheld_values(plan))
    seen = {w.reveal() for w in out}
    for k, sub in enumerate(plan.attachments, start=1):
        for node in nodes(sub):
            for v, d in propagating_values(node):
                if v not in seen:
                    seen.add(v)
                    out.append(Withheld(v, f"attachment {k} ({d.finding.entity})"))
    return out


def _where(found: list, place: str) -> list[str]:
    return [f"{place}: withheld value still present ({w.where if isinstance(w, Withheld) else 'a value'})"
            for w in found]


def decode_transfer(part) -> bytes:
    payload = part.get_payload()
    if not isinstance(payload, str):
        return b""
    raw = payload.encode("utf-8", "surrogateescape")
    cte = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if cte == "base64":
        try:
            return base64.b64decode(re.sub(rb"[^A-Za-z0-9+/=]", b"", raw) + b"==", validate=False)
        except (binascii.Error, ValueError):
            return raw
    if cte == "quoted-printable":
        return quopri.decodestring(raw)
    return raw


def header_text(value: str) -> str:
    """A header's text: raw 8-bit bytes (the parser keeps them as surrogate escapes) read as
    the UTF-8 the writer wrote, encoded words decoded."""
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except Exception:  # noqa: BLE001 - undecodable: the raw value is checked
        return value


def verify_message(data: bytes, plan: Plan, written: WriteResult, workdir: Path,
                   values: list | None = None) -> list[str]:
    from .. import by_name

    keys = all_values(plan) if values is None else values
    problems: list[str] = []
    problems += _readable(data)
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    raw = _without_structure(data, msg)
    # The copy is UTF-8 throughout: its raw bytes are read as UTF-8 (read as Latin-1, a letter
    # such as "È" becomes two symbols, and a name glued to it would look like a word of its own).
    # Line by line: the decoded checks below read values across lines; this one only backs them
    # up, and must not join the end of one part to the start of the next.
    found: dict[int, object] = {}
    for line in raw.decode("utf-8", "replace").splitlines():
        for w in find_values(line, keys):
            found.setdefault(id(w), w)
    problems += _where(list(found.values()), "raw message")
    released = list((written.drawn or {}).get("attachments", []))
    plans = {p.document.name: p for p in plan.attachments}
    results = iter(released)
    count = 0
    for n, part in enumerate(_walk(msg), start=1):
        ctype = part.get_content_type()
        where = f"MIME part {n} ({ctype})"
        for name, value in part.raw_items():  # raw: 8-bit bytes kept as surrogate escapes
            if name.lower().startswith("content-") or name.lower() == "mime-version":
                continue  # MIME structure: its words are syntax; the names in it are checked below
            problems += _where(find_values(header_text(str(value)), keys), f"{where}, header {name}")
        for label, param in (("file name", part.get_filename()), ("name", part.get_param("name"))):
            if param:
                text = email.utils.collapse_rfc2231_value(param) if isinstance(param, tuple) else str(param)
                problems += _where(find_values(header_text(text), keys), f"{where}, {label}")
        is_attachment = ctype == "message/rfc822" or "attachment" in str(part.get("Content-Disposition", "")).lower()
        if is_attachment:
            count += 1
            try:
                plan_name, _released_name, att_written = next(results)
            except StopIteration:
                problems.append(f"{where}: an attachment the writer did not release")
                continue
            if ctype == "message/rfc822":
                inner = part.get_payload()
                blob = inner[0].as_bytes() if isinstance(inner, list) and inner else decode_transfer(part)
            else:
                blob = decode_transfer(part)
            ap = plans[plan_name]
            fmt = by_name(ap.document.format)
            suffix = Path(plan_name).suffix if len(Path(plan_name).suffix) <= 10 else ""
            with tempfile.TemporaryDirectory(dir=workdir, prefix=".verify-") as td:
                p = Path(td) / f"copy{suffix}"
                p.write_bytes(blob)
                problems += [f"attachment {count} ({where}): {x}" for x in fmt.verify(ap, p, att_written)]
            continue
        if part.is_multipart():
            continue
        body = decode_transfer(part)
        charset = part.get_content_charset() or "utf-8"
        try:
            text = body.decode(charset, errors="replace")
        except LookupError:
            text = body.decode("utf-8", errors="replace")
        problems += _where(find_values(text, keys), where)
        problems += _where(find_values(body.decode("utf-8", "replace"), keys), f"{where} (bytes)")
        if ctype == "text/html":
            visible = html.unescape(_TAG.sub(" ", text))
            problems += _where(find_values(visible, keys), f"{where} (rendered text)")
            if active_content(text):
                problems.append(f"{where}: active content or a remote reference remains")
    leftover = list(results)
    if leftover:
        problems.append(f"{len(leftover)} released attachment(s) missing from the release copy")
    return problems


_STRUCTURE = re.compile(rb"(?mi)^(content-[a-z-]+|mime-version)[ \t]*:.*(?:\r?\n[ \t].*)*$")


def _without_structure(data: bytes, msg) -> bytes:
    """The raw bytes less MIME syntax (Content-* fields, boundary lines) and encoded bodies
    (base64 letters are random; quoted-printable puts "=C3=BF" where a letter was; both are
    checked decoded), so that a withheld word that happens to be a MIME keyword ("name",
    "type"), or a word that was glued to a letter, is not taken for a leak."""
    for part in msg.walk():
        boundary = part.get_boundary() if part.is_multipart() else None
        if boundary:
            data = data.replace(b"--" + boundary.encode("latin-1", "replace"), b"\n")
        if str(part.get("Content-Transfer-Encoding", "")).strip().lower() in ("base64", "quoted-printable"):
            payload = part.get_payload()
            if isinstance(payload, str) and payload:
                data = data.replace(payload.encode("utf-8", "surrogateescape"), b"\n", 1)
    return _STRUCTURE.sub(b"", data)


def _readable(data: bytes) -> list[str]:
    """A mail reader must be able to open the copy: every header parses (the modern policy's
    structured parsers are stricter than the compat32 reading above)."""
    problems = []
    msg = email.message_from_bytes(data, policy=email.policy.default)
    for part in _walk(msg):
        for name in part.keys():
            try:
                str(part[name])
            except Exception:  # noqa: BLE001 - any parser failure is a problem with the copy
                problems.append(f"header {name}: a mail reader cannot parse it")
    return problems


def _walk(msg):
    """Parts in order, without descending into attached messages (their own check does)."""
    yield msg
    if msg.get_content_type() == "message/rfc822":
        return
    if msg.is_multipart():
        for sub in msg.get_payload():
            if msg.get_content_type() == "message/rfc822":
                continue
            yield from _walk(sub)
