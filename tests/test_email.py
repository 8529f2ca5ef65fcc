"""Email: .eml and .mbox in, the same kind of file out, with every part read and every withheld
value gone from every decoded part of the release copy.

Most tests build messages with the standard library (known truth) and plan them by hand (the
value to withhold, wherever it occurs), so they test the format on its own; the end-to-end
tests at the bottom run the whole pipeline through the CLI.
"""

from __future__ import annotations

import base64
import json
import email
import email.policy
import html as html_lib
import mailbox
import quopri
import re
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from redactor.errors import BadInputError
from redactor.formats.email import EmailFormat, MboxFormat
from redactor.formats.email.message import MAX_NAME_BYTES, analyse, decode_text, safe_name
from redactor.values import value_pattern
from redactor.model import Action, Decision, Document, Finding, Plan, Redaction

CODE = "(b)(6)"
PLACEHOLDER = f"[WITHHELD {CODE}]"


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------

def withhold(doc: Document, values: list[str]) -> Plan:
    """A plan that withholds every occurrence of each value on every page, as propagation finds
    them (any case, any punctuation between words), in the document and, recursively, in its
    attachments."""
    reds = []
    for page in doc.pages:
        for value in values:
            for m in value_pattern(value).finditer(page.text):
                f = Finding(page=page.number, start=m.start(), end=m.end(), text=m.group(0), entity="PERSON",
                            score=0.9, recognizer="test")
                d = Decision(finding=f, action=Action.REDACT, rule="test", exemptions=[CODE], reason="test")
                reds.append(Redaction(page=page.number, start=m.start(), end=m.end(), text=m.group(0), boxes=[],
                                      decision=d))
    return Plan(document=doc, redactions=reds, kept=[], policy_name="test",
                attachments=[withhold(a, values) for a in doc.attachments])


def release(tmp_path: Path, raw: bytes, values: list[str], settings, name="msg.eml", fmt=None):
    """Read, plan, write and verify ``raw``; the release copy's bytes, problems and notes."""
    fmt = fmt or EmailFormat()
    src = tmp_path / name
    src.write_bytes(raw)
    doc = fmt.read(src, settings)
    plan = withhold(doc, values)
    out = tmp_path / f"out-{name}"
    written = fmt.write(plan, out, settings)
    return doc, out.read_bytes(), fmt.verify(plan, out, written), written


def decoded_parts(data: bytes) -> list[str]:
    """Every header and every part of ``data``, decoded the way a mail client would (the
    standard library's modern policy, as the project's scorer reads release copies)."""
    msg = email.message_from_bytes(data, policy=email.policy.default)
    out = []
    for part in msg.walk():
        out.extend(f"{k}: {v}" for k, v in part.items())
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        try:
            text = payload.decode(part.get_content_charset() or "utf-8", "replace")
        except LookupError:  # an unknown charset: what a client falls back to
            text = payload.decode("utf-8", "replace")
        out.append(text)
        if part.get_content_type() == "text/html":
            out.append(html_lib.unescape(re.sub(r"<[^>]+>", " ", text)))
    out.append(data.decode("latin-1"))
    return out


def assert_gone(data: bytes, value: str) -> None:
    for text in decoded_parts(data):
        assert value.lower() not in " ".join(text.split()).lower()


def simple_message(**headers) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = headers.get("From", "Records Office <records@agency.gov>")
    msg["To"] = headers.get("To", "Jordan Blake <jordan.blake@example.com>")
    msg["Subject"] = headers.get("Subject", "Your request")
    msg["Date"] = "Tue, 01 Oct 2024 10:00:00 +0000"
    for name, value in headers.items():
        if name not in msg:
            msg[name] = value
    return msg


# ---------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------

def test_pages_are_labelled_in_words(tmp_path, settings):
    msg = simple_message()
    msg.set_content("Hello Jordan Blake,\nsee below.")
    msg.add_alternative("<p>Hello <b>Jordan</b> Blake,</p><p>see below.</p>", subtype="html")
    p = tmp_path / "m.eml"
    p.write_bytes(msg.as_bytes())
    doc = EmailFormat().read(p, settings)
    assert [pg.label for pg in doc.pages] == ["headers", "body (text/plain)", "body (text/html)"]
    assert "To: Jordan Blake <jordan.blake@example.com>" in doc.pages[0].text
    assert "Hello Jordan Blake," in doc.pages[2].text  # a name across tags reads as one
    assert [pg.number for pg in doc.pages] == [1, 2, 3]


def test_value_in_headers_and_both_bodies_is_gone_and_labelled(tmp_path, settings):
    msg = simple_message(Cc="Jordan Blake <jb@example.com>, Clerk <clerk@agency.gov>",
                         Subject="Complaint from Jordan Blake")
    msg["Reply-To"] = "jordan.blake@example.com"
    msg.set_content("Dear Jordan Blake, thank you.")
    msg.add_alternative("<p>Dear Jordan Blake, thank you.</p>", subtype="html")
    doc, out, problems, _ = release(tmp_path, msg.as_bytes(), ["Jordan Blake", "jordan.blake@example.com",
                                                               "jb@example.com"], settings)
    assert problems == []
    assert_gone(out, "Jordan Blake")
    assert_gone(out, "jordan.blake@example.com")
    parsed = email.message_from_bytes(out, policy=email.policy.default)
    assert str(parsed["Subject"]) == f"Complaint from {PLACEHOLDER}"
    assert PLACEHOLDER in str(parsed["To"])
    assert "clerk@agency.gov" in str(parsed["Cc"])  # what is not withheld stays
    assert not any(h.defects for _, h in parsed.items())  # still a well-formed message
    assert PLACEHOLDER in parsed.get_body(("plain",)).get_content()
    assert PLACEHOLDER in parsed.get_body(("html",)).get_content()


def test_received_lines_and_unlisted_headers(tmp_path, settings):
    raw = (b"Return-Path: <bounces@agency.gov>\n"
           b"Received: from mx.example.com by mail.agency.gov for <jordan.blake@example.com>;"
           b" Tue, 1 Oct 2024 10:00:00 +0000\n"
           b"X-Originating-Email: jordan.blake@example.com\n"
           b"From: Jordan Blake <jordan.blake@example.com>\nTo: records@agency.gov\nSubject: hi\n\nbody\n")
    doc, out, problems, written = release(tmp_path, raw, ["jordan.blake@example.com", "Jordan Blake"], settings)
    assert problems == []
    assert_gone(out, "jordan.blake@example.com")
    parsed = email.message_from_bytes(out, policy=email.policy.default)
    assert "mail.agency.gov" in str(parsed["Received"]) and PLACEHOLDER in str(parsed["Received"])
    assert parsed["X-Originating-Email"] is None
    assert b"Return-Path: <bounces@agency.gov>\n" in out
    assert any("X-Originating-Email" in n for n in written.notes)


@pytest.mark.parametrize("name, value", [
    ("Message-ID", "<jordan.blake.1234@example.com>"),
    ("In-Reply-To", "<jordan.blake.99@example.com>"),
    ("References", "<a1@agency.gov> <jordan.blake.99@example.com>"),
    ("Date", "Tue, 01 Oct 2024 10:00:00 +0000 (Jordan Blake)"),
    ("Sender", "Jordan Blake <jb@example.com>"),
    ("Return-Path", "<jordan.blake@example.com>"),
    ("Delivered-To", "jordan.blake@example.com"),
    ("Resent-To", "Jordan Blake <jb@example.com>"),
    ("Organization", "Household of Jordan Blake"),
    ("Bcc", "undisclosed: Jordan Blake <jb@example.com>;"),
])
def test_every_released_header_kind_stays_readable(tmp_path, settings, name, value):
    raw = f"From: records@agency.gov\nTo: clerk@agency.gov\nSubject: s\n{name}: {value}\n\nbody\n".encode()
    doc, out, problems, written = release(tmp_path, raw, ["Jordan Blake"], settings)
    if name != "Date":  # the date parser drops comments: neither read nor released
        assert "Jordan Blake".lower() in doc.pages[0].text.lower().replace(".", " ")
    assert problems == []
    assert_gone(out, "Jordan Blake")  # decoded_parts parses every header with the modern policy


def test_html_active_content_stripped_hidden_text_read(tmp_path, settings):
    body = """<html><head><style>p {color: red}</style><style>body {background: url(http://t.example/x.png)}</style>
<script>alert('Jordan Blake')</script><link rel=stylesheet href="http://t.example/s.css"></head>
<body onload="track()"><p onclick="x()">Visible text.</p>
<div style="display:none">Hidden: Jordan Blake</div>
<span style="font-size:1px">tiny Jordan Blake</span><font color="#ffffff">white Jordan Blake</font>
<img src="http://tracker.example/pixel.gif?u=jb" alt="photo of Jordan Blake">
<iframe src="http://evil.example/"></iframe><form action="http://evil.example/"><input value="x"></form>
<a href="mailto:jordan.blake@example.com">write to me</a> <a href="javascript:evil()">js</a>
<div style="background-image:url('http://t.example/bg')">bg</div><!-- comment Jordan Blake --></body></html>"""
    msg = simple_message()
    msg.set_content(body, subtype="html")
    doc, out, problems, _ = release(tmp_path, msg.as_bytes(), ["Jordan Blake", "jordan.blake@example.com"],
                                    settings)
    page = doc.pages[1]
    assert page.label == "body (text/html)"
    for hidden in ("Hidden: Jordan Blake", "tiny Jordan Blake", "white Jordan Blake", "photo of Jordan Blake",
                   "mailto:jordan.blake@example.com"):
        assert hidden in page.text
    assert "alert" not in page.text and "comment" not in page.text  # never released, never read
    assert problems == []
    assert_gone(out, "Jordan Blake")
    released = email.message_from_bytes(out, policy=email.policy.default).get_body(("html",)).get_content()
    low = released.lower()
    for active in ("<script", "onload", "onclick", "<iframe", "<form", "<input", "javascript:", "url(",
                   "http://tracker", "<link", "src=", "<!--"):
        assert active not in low
    assert "Visible text." in released and "p {color: red}" in released
    assert f"Hidden: {PLACEHOLDER}" in released  # hidden text stays hidden, redacted
    assert f'alt="photo of {PLACEHOLDER}"' in released


@pytest.mark.parametrize("cte", ["base64", "quoted-printable", "8bit"])
@pytest.mark.parametrize("declared, encoding", [
    ("utf-8", "utf-8"),
    ("iso-8859-1", "utf-8"),  # UTF-8 bytes labelled Latin-1: UTF-8 wins
    ("utf-8", "cp1252"),  # Windows bytes labelled UTF-8: cp1252 fallback
    ("x-no-such-charset", "utf-8"),
    ("iso-8859-1", "iso-8859-1"),
    ("utf-16", "utf-16"),
])
def test_transfer_encodings_and_charsets(tmp_path, settings, cte, declared, encoding):
    text = "Bonjour José Müller, votre dossier est prêt.\n"
    payload = text.encode(encoding)
    if cte == "base64":
        body = base64.encodebytes(payload)
    elif cte == "quoted-printable":
        body = quopri.encodestring(payload)
    else:
        if encoding == "utf-16":
            pytest.skip("UTF-16 is not sent as 8bit")
        body = payload
    raw = (b"From: a@agency.gov\nTo: b@agency.gov\nSubject: dossier\nMIME-Version: 1.0\n"
           + f'Content-Type: text/plain; charset="{declared}"\nContent-Transfer-Encoding: {cte}\n\n'.encode()
           + body)
    doc, out, problems, _ = release(tmp_path, raw, ["José Müller"], settings)
    assert doc.pages[1].text == text
    assert problems == []
    assert_gone(out, "José Müller")
    assert_gone(out, "Jos Mller")
    assert "votre dossier est prêt" in decoded_parts(out)[-2] or any("votre dossier est prêt" in t
                                                                       for t in decoded_parts(out))


def test_encoded_word_headers(tmp_path, settings):
    raw = (b"From: =?utf-8?q?Jos=C3=A9_M=C3=BCller?= <jm@example.com>\n"
           b"To: records@agency.gov\nSubject: =?iso-8859-1?b?UmVxdWVzdCBmcm9tIEpvc+kgTfxsbGVy?=\n\nbody\n")
    doc, out, problems, _ = release(tmp_path, raw, ["José Müller"], settings)
    assert "From: José Müller <jm@example.com>" in doc.pages[0].text
    assert "Subject: Request from José Müller" in doc.pages[0].text
    assert problems == []
    assert_gone(out, "José Müller")
    parsed = email.message_from_bytes(out, policy=email.policy.default)
    assert str(parsed["Subject"]) == f"Request from {PLACEHOLDER}"


def test_missing_boundary_is_read_as_text(tmp_path, settings):
    raw = (b"From: a@agency.gov\nTo: b@agency.gov\nSubject: x\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed\n\n--zzz\nContent-Type: text/plain\n\nCall Jordan Blake.\n--zzz--\n")
    doc, out, problems, _ = release(tmp_path, raw, ["Jordan Blake"], settings)
    assert "Jordan Blake" in doc.pages[1].text
    assert problems == []
    assert_gone(out, "Jordan Blake")


def test_boundary_never_found(tmp_path, settings):
    raw = (b"From: a@agency.gov\nTo: b@agency.gov\nSubject: x\nMIME-Version: 1.0\n"
           b'Content-Type: multipart/mixed; boundary="nope"\n\n--other\n\nCall Jordan Blake.\n')
    doc, out, problems, _ = release(tmp_path, raw, ["Jordan Blake"], settings)
    assert any("Jordan Blake" in p.text for p in doc.pages)
    assert problems == []
    assert_gone(out, "Jordan Blake")


def test_release_copy_is_the_same_every_run(tmp_path, settings):
    """A multipart copy written twice is the same byte for byte (its boundaries come from
    the released content, not from chance), so a re-run's output hash, as the manifest and
    the audit log record it, does not change."""
    msg = simple_message()
    msg.set_content("Call Jordan Blake on Monday.")
    msg.add_alternative("<p>Call <b>Jordan Blake</b> on Monday.</p>", subtype="html")
    msg.add_attachment(b"Jordan Blake's notes", maintype="text", subtype="plain", filename="notes.txt")
    raw = msg.as_bytes()
    copies = []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        _, out, problems, _ = release(tmp_path / run, raw, ["Jordan Blake"], settings)
        assert problems == []
        assert_gone(out, "Jordan Blake")
        copies.append(out)
    assert copies[0] == copies[1]
    assert email.message_from_bytes(copies[0], policy=email.policy.default).is_multipart()


def test_boundary_is_not_in_the_content(monkeypatch):
    """A boundary found in a part's content is not used: the next one derived is."""
    from redactor.formats.email import message

    derived = message.new_boundary
    monkeypatch.setattr(message, "new_boundary",
                        lambda content, attempt=0: "=_taken" if attempt == 0 else derived(content, attempt))
    clash = message.Rendered(["Content-Type: text/plain"], b"a line that reads --=_taken\n")
    out = message.multipart("multipart/mixed", [clash])
    boundary = out.headers[0].split('boundary="')[1].rstrip('"')
    assert boundary != "=_taken" and boundary.startswith("=_redactor_")
    assert message.multipart("multipart/mixed", [clash]).body == out.body


def test_deep_mime_nesting_is_bounded(tmp_path, settings):
    depth = 200
    head = b"From: a@agency.gov\nTo: b@agency.gov\nSubject: deep\nMIME-Version: 1.0\n"
    body = b"Content-Type: text/plain\n\nJordan Blake\n"
    for i in range(depth):
        body = (f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n'.encode() + body
                + f"\n--b{i}--\n".encode())
    p = tmp_path / "deep.eml"
    p.write_bytes(head + body)
    with pytest.raises(BadInputError, match="nested too deeply"):
        EmailFormat().read(p, settings)


@pytest.mark.slow
def test_huge_header(tmp_path, settings):
    subject = ("lorem ipsum " * 20000) + "Jordan Blake"
    raw = f"From: a@agency.gov\nTo: b@agency.gov\nSubject: {subject}\n\nbody\n".encode()
    doc, out, problems, _ = release(tmp_path, raw, ["Jordan Blake"], settings)
    assert problems == []
    assert_gone(out, "Jordan Blake")
    assert max(len(line) for line in out.split(b"\n")) <= 998


def test_nested_message(tmp_path, settings):
    inner = simple_message(Subject="Original from Jordan Blake")
    inner.set_content("I am Jordan Blake, my number is below.")
    outer = simple_message(Subject="Fwd: request")
    outer.set_content("Forwarding the message below.")
    outer.add_attachment(inner)
    doc, out, problems, _ = release(tmp_path, outer.as_bytes(), ["Jordan Blake"], settings)
    assert [a.format for a in doc.attachments] == ["email"]
    nested = doc.attachments[0]
    assert nested.name.endswith(".eml")
    assert [p.label for p in nested.pages] == ["headers", "body (text/plain)"]
    assert problems == []
    assert_gone(out, "Jordan Blake")
    parsed = email.message_from_bytes(out, policy=email.policy.default)
    attached = [p for p in parsed.walk() if p.get_content_type() == "message/rfc822"]
    assert len(attached) == 1
    assert PLACEHOLDER in attached[0].get_content().get_body(("plain",)).get_content()


def test_messages_nested_too_deep_cannot_be_checked(tmp_path, settings):
    msg = simple_message()
    msg.set_content("innermost: Jordan Blake")
    for _ in range(12):
        outer = simple_message()
        outer.set_content("forward")
        outer.add_attachment(msg)
        msg = outer
    p = tmp_path / "deep.eml"
    p.write_bytes(msg.as_bytes())
    doc = EmailFormat().read(p, settings)
    chain, d = [], doc
    while d.attachments:
        d = d.attachments[0]
        chain.append(d)
    # The last readable level holds a page that cannot be checked, saying why.
    unchecked = [pg for pg in d.pages if not pg.has_text_layer]
    assert len(unchecked) == 1 and "more than 8 deep" in unchecked[0].label


def test_signature_parts_not_released(tmp_path, settings):
    raw = (b"From: a@agency.gov\nTo: b@agency.gov\nSubject: s\nMIME-Version: 1.0\n"
           b'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary="s"\n\n'
           b"--s\nContent-Type: text/plain\n\nSigned text.\n--s\nContent-Type: application/pkcs7-signature\n"
           b"Content-Transfer-Encoding: base64\n\nMIIB\n--s--\n")
    doc, out, problems, written = release(tmp_path, raw, [], settings)
    assert problems == []
    parsed = email.message_from_bytes(out, policy=email.policy.default)
    assert [p.get_content_type() for p in parsed.walk()] == ["multipart/mixed", "text/plain"]
    assert any("signature" in n for n in written.notes)


def test_encrypted_message_is_a_clear_error(tmp_path, settings):
    raw = (b"From: a@agency.gov\nTo: b@agency.gov\nSubject: s\nMIME-Version: 1.0\n"
           b'Content-Type: application/pkcs7-mime; smime-type=enveloped-data\nContent-Transfer-Encoding: base64\n\nMIIB\n')
    p = tmp_path / "enc.eml"
    p.write_bytes(raw)
    with pytest.raises(BadInputError, match="encrypted"):
        EmailFormat().read(p, settings)


# ---------------------------------------------------------------------------------------
# Attachment names
# ---------------------------------------------------------------------------------------

HOSTILE_NAMES = ["../../../etc/passwd", "/etc/shadow", "C:\\Windows\\System32\\evil.dll", "CON", "nul.txt",
                 "com1.pdf", "LPT9", "a\x00b\x1fc.txt", "\u202etxt.exe", "..", ".", ".hidden", "x" * 600 + ".pdf",
                 "é" * 300 + ".txt", " trailing. ", "", "a/b\\c:d*e?f\"g<h>i|j"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_safe_name(name):
    safe = safe_name(name)
    assert safe and "/" not in safe and "\\" not in safe
    assert not any(ord(ch) < 32 or ch in '<>:"|?*\u202e' for ch in safe)
    assert not safe.startswith(".") and safe not in (".", "..")
    assert safe.split(".")[0].upper() not in {"CON", "NUL", "COM1", "LPT9", "PRN", "AUX"}
    assert len(safe.encode("utf-8")) <= MAX_NAME_BYTES
    if name.endswith(".pdf"):
        assert safe.endswith(".pdf")


def test_attachment_names_are_sanitised_and_unique(tmp_path, settings):
    msg = simple_message()
    msg.set_content("see attached")
    for name in ("../../evil.bin", "../../evil.bin", "CON", "a\x07b.bin"):
        msg.add_attachment(b"\x00\x01binary", maintype="application", subtype="octet-stream", filename=name)
    mail = analyse(msg.as_bytes())
    names = [a.name for a in mail.attachments]
    assert names == ["evil.bin", "evil-2.bin", "_CON", "a_b.bin"]


def test_unreadable_attachment_is_a_page_that_cannot_be_checked(tmp_path, settings):
    msg = simple_message()
    msg.set_content("see attached")
    msg.add_attachment(b"PK\x03\x04zipped", maintype="application", subtype="zip", filename="Jordan Blake.zip")
    doc, out, problems, written = release(tmp_path, msg.as_bytes(), ["Jordan Blake"], settings)
    unchecked = [p for p in doc.pages if not p.has_text_layer]
    assert len(unchecked) == 1 and "application/zip" in unchecked[0].label
    assert "Jordan Blake" not in unchecked[0].label  # labels never carry the name
    assert "Attachment 1: Jordan Blake.zip" in doc.pages[0].text  # the name is read for detection
    assert problems == []
    assert b"PK\x03\x04" not in out and b"zipped" not in out
    assert_gone(out, "Jordan Blake")


def test_withheld_word_that_is_also_mime_syntax(tmp_path, settings):
    # A recognizer's stray single-word finding ("Name", "Type") must not fail the copy because
    # MIME syntax (name="...", Content-Type) holds the same word.
    msg = simple_message()
    msg.set_content("Name: Jordan Blake\nType: complaint")
    msg.add_attachment(b"\x00\x01", maintype="application", subtype="octet-stream", filename="data.bin")
    doc, out, problems, _ = release(tmp_path, msg.as_bytes(), ["Name", "Type"], settings)
    assert problems == []
    body = email.message_from_bytes(out, policy=email.policy.default).get_body(("plain",)).get_content()
    assert body.startswith(f"{PLACEHOLDER}: Jordan Blake\n{PLACEHOLDER}: complaint")


# ---------------------------------------------------------------------------------------
# Mailboxes
# ---------------------------------------------------------------------------------------

def test_mbox(tmp_path, settings):
    box = mailbox.mbox(str(tmp_path / "in.mbox"))
    for i, body in enumerate(["First, from Jordan Blake.", "Second.\nFrom the desk of the clerk.",
                              "Third: Jordan Blake again."]):
        m = simple_message(Subject=f"message {i}")
        m.set_content(body)
        box.add(mailbox.mboxMessage(m.as_bytes()))
    box.flush()
    box.close()
    raw = (tmp_path / "in.mbox").read_bytes()
    assert MboxFormat.sniff(raw[:1024], Path("export"))
    doc, out, problems, _ = release(tmp_path, raw, ["Jordan Blake"], settings, name="box.mbox", fmt=MboxFormat())
    assert [a.name for a in doc.attachments] == ["message-0001.eml", "message-0002.eml", "message-0003.eml"]
    assert problems == []
    released = mailbox.mbox(str(tmp_path / "out-box.mbox"), create=False)
    try:
        assert len(released) == 3
        bodies = [m.get_payload(decode=True).decode() for m in released]
    finally:
        released.close()
    assert PLACEHOLDER in bodies[0] and PLACEHOLDER in bodies[2]
    assert "From the desk of the clerk." in bodies[1]
    assert "jordan blake" not in out.decode().lower()


def test_sniffing():
    assert EmailFormat.sniff(b"Return-Path: <a@b.c>\nReceived: from x\nFrom: a@b.c\nSubject: s\n\nbody", Path("x"))
    assert EmailFormat.sniff(b"anything", Path("x.eml"))
    assert not EmailFormat.sniff(b"From: a@b.c\nSubject: s\n\nbody", Path("thread.txt"))
    assert not EmailFormat.sniff(b"%PDF-1.7", Path("x.eml"))
    assert not EmailFormat.sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", Path("x.msg"))
    assert MboxFormat.sniff(b"From a@b.c Thu Jan  1 00:00:00 1970\nFrom: a@b.c\nDate: x\n", Path("box"))


def test_decode_text_fallbacks():
    assert decode_text("é".encode("utf-8"), "us-ascii") == "é"
    assert decode_text("é".encode("cp1252"), "utf-8") == "é"
    assert decode_text(b"abc", "base64") == "abc"  # not a text encoding: ignored
    assert decode_text("ж".encode("koi8-r"), "koi8-r") == "ж"


# ---------------------------------------------------------------------------------------
# Property: wherever a value is placed and however it is encoded, it is gone
# ---------------------------------------------------------------------------------------

_first = st.sampled_from(["Jordan", "Zoë", "Renée", "Ōta", "Marguerite", "Sam"])
_last = st.sampled_from(["Blakemore", "Müller", "O'Neil-Hart", "Nakamura", "Szabó"])
_place = st.sampled_from(["subject", "to-display", "cc-address", "reply-to", "plain", "html", "html-hidden",
                          "html-alt", "received"])
_cte = st.sampled_from(["base64", "quoted-printable", "8bit", "7bit"])
_charset = st.sampled_from(["utf-8", "iso-8859-1", "windows-1252", "x-unknown"])


@pytest.mark.slow
@given(first=_first, last=_last, place=_place, cte=_cte, charset=_charset)
@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_property_withheld_value_gone_everywhere(tmp_path_factory, first, last, place, cte, charset):
    from redactor.settings import Settings

    tmp = tmp_path_factory.mktemp("prop")
    value = f"{first} {last}"
    local = re.sub(r"[^a-z]", "", (first + "." + last).lower()) or "x"
    address = f"{local}@example.com"
    headers = {"To": "records@agency.gov", "Subject": "request", "Cc": "clerk@agency.gov"}
    plain, html_body = "Thank you.", "<p>Thank you.</p>"
    received = "from mx.example.com by mail.agency.gov"
    if place == "subject":
        headers["Subject"] = f"Request from {value}"
    elif place == "to-display":
        headers["To"] = f'"{value}" <{address}>'
    elif place == "cc-address":
        headers["Cc"] = f"clerk@agency.gov, {address}"
    elif place == "received":
        received += f" for <{address}>"
    elif place == "plain":
        plain = f"Dear {value},\nthank you."
    elif place == "html":
        html_body = f"<p>Dear <b>{first}</b> {last},</p>"
    elif place == "html-hidden":
        html_body = f'<p>Hi</p><div style="display:none">{value}</div>'
    elif place == "html-alt":
        html_body = f'<p>Hi</p><img alt="{value}">'
    withheld = [value, address]

    def encode(text: str) -> bytes:
        cs = charset if charset != "x-unknown" else "utf-8"
        data = text.encode(cs, errors="ignore" if cs != "utf-8" else "strict")
        if cte == "base64":
            return base64.encodebytes(data)
        if cte == "quoted-printable":
            return quopri.encodestring(data)
        return data if cte == "8bit" else quopri.encodestring(data)  # 7bit: ASCII-safe

    def header(v: str) -> str:
        return str(email.header.Header(v, "utf-8").encode()) if not v.isascii() else v

    lines = [f"Received: {received}", "From: Records <records@agency.gov>", f"To: {header(headers['To'])}",
             f"Cc: {headers['Cc']}", f"Subject: {header(headers['Subject'])}"]
    if place == "reply-to":
        lines.append(f"Reply-To: {address}")
    lines += ["MIME-Version: 1.0", 'Content-Type: multipart/alternative; boundary="BB"']
    cte_name = "quoted-printable" if cte == "7bit" else cte
    part_head = f'Content-Transfer-Encoding: {cte_name}\n'
    raw = ("\n".join(lines) + "\n\n--BB\n" + f'Content-Type: text/plain; charset="{charset}"\n' + part_head
           + "\n").encode() + encode(plain) + (f'\n--BB\nContent-Type: text/html; charset="{charset}"\n'
                                              + part_head + "\n").encode() + encode(html_body) + b"\n--BB--\n"
    if not any(value.lower() in p.lower() or address in p for p in decoded_parts(raw)):
        return  # the charset could not carry the value: nothing to withhold
    doc, out, problems, _ = release(tmp, raw, withheld, Settings())
    assert problems == []
    for v in withheld:
        assert_gone(out, v)


_TOKENS = [b"\n", b"--", b"boundary=", b"=?utf-8?q?", b"?=", b'Content-Type: multipart/mixed; boundary="x"\n',
           b"=\n", b"\x00", b"\xff", b"<", b">", b'"', b";", b"Content-Transfer-Encoding: base64\n",
           b'charset="x"', b"<script>", b"</b>", b"&amp;", b"&#x", b'filename="../a"', b"\r", b"\xc3\xa9"]


@given(data=st.data())
@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
def test_property_damaged_messages_fail_cleanly_or_release_clean(tmp_path_factory, data):
    """Any damage to a message (bytes cut, inserted, changed): reading either succeeds or says
    why in one BadInputError, and a copy that is written verifies clean."""
    from redactor.settings import Settings

    m = simple_message(Cc="Jordan Blake <jb@example.com>")
    m.set_content("Dear Jordan Blake")
    m.add_alternative("<p>Dear <b>Jordan</b> Blake<img src=x alt='Jordan Blake'></p>", subtype="html")
    m.add_attachment(b"Jordan Blake notes\n", maintype="text", subtype="plain", filename="n.txt")
    inner = simple_message()
    inner.set_content("inner Jordan Blake")
    m.add_attachment(inner)
    raw = bytearray(m.as_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        op = data.draw(st.sampled_from(["insert", "cut", "change"]))
        if op == "insert":
            raw[pos:pos] = data.draw(st.sampled_from(_TOKENS))
        elif op == "cut":
            del raw[pos:pos + data.draw(st.integers(1, 20))]
        else:
            raw[pos] = data.draw(st.integers(0, 255))
    try:
        _, out, problems, _ = release(tmp_path_factory.mktemp("dmg"), bytes(raw), ["Jordan Blake", "jb@example.com"],
                                      Settings())
    except BadInputError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert problems == []


# ---------------------------------------------------------------------------------------
# Real samples (by path)
# ---------------------------------------------------------------------------------------

def _samples():
    from conftest import CORPUS

    return sorted((CORPUS / "other").glob("*.eml")) if (CORPUS / "other").is_dir() else []


@pytest.mark.parametrize("path", _samples() or [pytest.param(None, marks=pytest.mark.skip("corpus absent"))],
                         ids=lambda p: p.name if p else "none")
def test_real_samples(tmp_path, settings, path):
    raw = path.read_bytes()
    mail = analyse(raw)
    sender = [f for f in mail.fields if f.name == "From"][0].groups[0][1][0][1]
    assert "@" in sender
    doc, out, problems, _ = release(tmp_path, raw, [sender], settings, name=path.name)
    assert doc.pages[0].label == "headers" and sender in doc.pages[0].text
    assert any(p.label.startswith("body") for p in doc.pages)
    assert problems == []
    assert_gone(out, sender)
    assert path.read_bytes() == raw  # the input is never modified


# ---------------------------------------------------------------------------------------
# End to end: `redactor run` on messages (the whole pipeline, attachments recursively)
# ---------------------------------------------------------------------------------------

NAME = "Jordan Blakemore"


def _pdf_with(text_lines: list[str]) -> bytes:
    import io

    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    y = 720
    for line in text_lines:
        c.drawString(72, y, line)
        y -= 18
    c.showPage()
    c.save()
    return buf.getvalue()


def _pdf_text(data: bytes) -> str:
    import io

    import pypdf

    return "\n".join(p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def _run(tmp_path: Path, *inputs: Path) -> tuple[Path, dict, object]:
    import json

    from typer.testing import CliRunner

    from redactor.cli import app

    out = tmp_path / "release"
    result = CliRunner().invoke(app, ["run", *map(str, inputs), "--out", str(out)])
    report = json.loads((out / "report.json").read_text())
    return out, report, result


@pytest.fixture(scope="module")
def done_when(tmp_path_factory):
    """The issue's "done when": a withheld name in a header, the HTML body and a PDF
    attachment."""
    tmp = tmp_path_factory.mktemp("done")
    msg = EmailMessage()
    msg["From"] = "Permits Office <permits@riverton.gov>"
    msg["To"] = f"{NAME} <jordan.blakemore@example.com>"
    msg["Subject"] = "Your fence variance application"
    msg["Date"] = "Tue, 01 Oct 2024 10:00:00 +0000"
    msg.set_content(f"Dear {NAME},\n\nYour application was received. The hearing is on 12 November 2024.\n")
    msg.add_alternative(f"<html><body><p>Dear <b>{NAME}</b>,</p><p>Your application was received. The "
                        f"hearing is on 12 November 2024.</p><img src='http://tracker.example/p.gif'>"
                        f"<script>track()</script></body></html>", subtype="html")
    msg.add_attachment(_pdf_with(["Variance application summary", f"Applicant: {NAME}",
                                  "Parcel: 14-220-031", "Hearing: 12 November 2024"]),
                       maintype="application", subtype="pdf", filename="application summary.pdf")
    src = tmp / "in"
    src.mkdir()
    (src / "variance.eml").write_bytes(msg.as_bytes())
    out, report, result = _run(tmp, src / "variance.eml")
    return src, out, report, result


def test_done_when_value_gone_from_every_part(done_when):
    src, out, report, result = done_when
    released = (out / "variance.eml").read_bytes()
    assert_gone(released, NAME)
    assert_gone(released, "Blakemore")
    msg = email.message_from_bytes(released, policy=email.policy.default)
    pdfs = [p for p in msg.walk() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1 and pdfs[0].get_filename() == "application summary.pdf"
    pdf_text = _pdf_text(pdfs[0].get_payload(decode=True))
    assert "Blakemore" not in pdf_text and "Variance application summary" in pdf_text


def test_done_when_exemption_visible_where_removed(done_when):
    _, out, _, _ = done_when
    msg = email.message_from_bytes((out / "variance.eml").read_bytes(), policy=email.policy.default)
    assert "(b)(6)" in str(msg["To"])
    html_body = msg.get_body(("html",)).get_content()
    assert f"<b>{PLACEHOLDER}</b>" in html_body or PLACEHOLDER in html_body
    assert "<script" not in html_body and "tracker.example" not in html_body
    pdf = [p for p in msg.walk() if p.get_content_type() == "application/pdf"][0]
    assert "(b)(6)" in _pdf_text(pdf.get_payload(decode=True))  # the label drawn on the box


def test_done_when_report_lists_the_attachment(done_when):
    import jsonschema

    from redactor.report import report_schema

    src, out, report, result = done_when
    jsonschema.validate(report, report_schema())
    by_source = {Path(d["source"]).relative_to(src).as_posix(): d for d in report["documents"]}
    assert set(by_source) == {"variance.eml", "variance.eml/attachments/application summary.pdf"}
    parent, pdf = by_source["variance.eml"], by_source["variance.eml/attachments/application summary.pdf"]
    assert parent["status"] == "redacted" and parent["format"] == "email"
    assert pdf["status"] == "redacted" and pdf["format"] == "pdf" and pdf["redaction_count"] >= 1
    assert all(r["exemptions"] == ["(b)(6)"] for r in pdf["redactions"])
    # where, in words, in the message; a PDF attachment's pages are pages
    assert {r.get("where") for r in parent["redactions"]} >= {"headers", "body (text/html)"}
    assert all("where" not in r for r in pdf["redactions"])
    assert "Blakemore" not in json.dumps(report)
    assert result.exit_code == 0, result.output


def test_attachment_needing_review_holds_the_message(tmp_path):
    msg = simple_message(To=f"{NAME} <jb@example.com>")
    msg.set_content(f"Dear {NAME}, the archive is attached.")
    msg.add_attachment(b"PK\x03\x04 not really", maintype="application", subtype="zip", filename="files.zip")
    (tmp_path / "m.eml").write_bytes(msg.as_bytes())
    out, report, result = _run(tmp_path, tmp_path / "m.eml")
    doc = report["documents"][0]
    assert doc["status"] == "needs_review" and "application/zip" in doc["error"]
    assert not (out / "m.eml").exists()  # never released with an unchecked attachment


def test_hostile_attachment_names_write_nothing_outside_out(tmp_path):
    msg = simple_message()
    msg.set_content(f"Attached, {NAME}.")
    for name in ["../../../../tmp/escape.txt", "/etc/cron.d/x.txt", "..\\..\\win.txt", "CON.txt",
                 "a\x00b\x1b[31m.txt", "z" * 400 + ".txt"]:
        msg.add_attachment(f"Notes for {NAME}.\n".encode(), maintype="text", subtype="plain", filename=name)
    src = tmp_path / "in"
    src.mkdir()
    (src / "m.eml").write_bytes(msg.as_bytes())
    before = {p for p in tmp_path.parent.rglob("*")}
    out, report, result = _run(tmp_path, src / "m.eml")
    created = {p for p in tmp_path.parent.rglob("*")} - before
    assert created and all(p == out or out in p.parents for p in created)
    assert (out / "m.eml").is_file()
    # no attachment became a file of its own, anywhere (the attachments are all .txt)
    assert not [p for p in out.rglob("*.txt") if "NOT-FOR-RELEASE" not in p.parts]
    released = email.message_from_bytes((out / "m.eml").read_bytes(), policy=email.policy.default)
    names = [p.get_filename() for p in released.walk() if p.get_filename()]
    assert len(names) == 6
    for n in names:
        assert n == safe_name(n) and "/" not in n and "\\" not in n
    assert_gone((out / "m.eml").read_bytes(), "Blakemore")


def test_mbox_end_to_end(tmp_path):
    box = mailbox.mbox(str(tmp_path / "export.mbox"))
    for body in [f"From {NAME}: please call.", "Routine notice.", f"Reply to {NAME}."]:
        m = simple_message()
        m.set_content(body)
        box.add(mailbox.mboxMessage(m.as_bytes()))
    box.flush()
    box.close()
    out, report, result = _run(tmp_path, tmp_path / "export.mbox")
    sources = sorted(Path(d["source"]).name for d in report["documents"])
    assert sources == ["export.mbox", "message-0001.eml", "message-0002.eml", "message-0003.eml"]
    released = mailbox.mbox(str(out / "export.mbox"), create=False)
    try:
        assert len(released) == 3
    finally:
        released.close()
    assert "blakemore" not in (out / "export.mbox").read_text().lower()


def test_outlook_msg_is_a_clear_one_line_error(tmp_path):
    p = tmp_path / "note.msg"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    out, report, result = _run(tmp_path, p)
    doc = report["documents"][0]
    assert doc["status"] == "failed" and "Outlook" in doc["error"] and "\n" not in doc["error"]


@pytest.mark.slow
def test_eval_emails_release_with_attachments(tmp_path):
    from conftest import CORPUS

    docs = CORPUS.parent / "eval" / "dev" / "docs"
    emails = sorted(docs.glob("*.eml"))[:3] if docs.is_dir() else []
    if not emails:
        pytest.skip("eval set absent")
    out, report, result = _run(tmp_path, *emails)
    for d in report["documents"]:
        assert d["status"] != "failed", d["error"]


def test_set_wide_consistency_with_attachments(tmp_path):
    """A name withheld where it is recognised (the email's header and salutation) is withheld
    where it is not (lower case, in the email's text attachment and in another record of the
    set)."""
    src = tmp_path / "in"
    src.mkdir()
    msg = simple_message(To=f"{NAME} <jb@example.com>")
    msg.set_content(f"Dear {NAME},\nyour request is attached.")
    msg.add_attachment(f"log entry: call from {NAME.lower()} about the permit.\n".encode(),
                       maintype="text", subtype="plain", filename="log.txt")
    (src / "request.eml").write_bytes(msg.as_bytes())
    (src / "notes.txt").write_text(f"Follow-up owed to {NAME.lower()} next week.\n")
    out, report, result = _run(tmp_path, src)
    for name in ("request.eml", "notes.txt"):
        assert "blakemore" not in (out / name).read_text().lower()
    released = email.message_from_bytes((out / "request.eml").read_bytes(), policy=email.policy.default)
    log = [p for p in released.walk() if p.get_filename() == "log.txt"][0].get_content()
    assert "blakemore" not in log.lower() and PLACEHOLDER in log
    by_name = {Path(d["source"]).name: d for d in report["documents"]}
    assert any(r["propagated"] for r in by_name["log.txt"]["redactions"])
    assert any(r["propagated"] for r in by_name["notes.txt"]["redactions"])
