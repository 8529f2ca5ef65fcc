"""Email: a message (``.eml``) or a mailbox (``.mbox``) in, the same kind of file out.

A message reads as pages: "headers" (the released header fields and the attachments'
names), then one page per text body ("body (text/plain)", "body (text/html)"). Attachments
and attached messages are documents of their own (``Document.attachments``), each read by
its own format; an attachment no format can read becomes a page that cannot be checked, so
the message goes to review. A mailbox reads as its messages, each a document of its own.

Outlook ``.msg`` files are not read: the one maintained Python reader (extract-msg) is GPL, and
the product's runtime dependencies are permissively licensed.
"""

from __future__ import annotations

import contextvars
import dataclasses
import hashlib
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import regex as re

from ...errors import BadInputError
from ...model import Document, Page, Plan
from ..base import DocumentFormat, WriteResult

if TYPE_CHECKING:  # pragma: no cover
    from ...settings import Settings

MAX_MESSAGE_NESTING = 8  # a message attached to a message attached to ...
_DEPTH: contextvars.ContextVar[int] = contextvars.ContextVar("email_depth", default=0)
_FIELD = rb"(?:[A-Za-z0-9-]{1,60}):[ \t]*[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*"
_MESSAGE_HEAD = re.compile(rb"^(?:\xef\xbb\xbf)?(?:" + _FIELD + rb"){2,}")
_KNOWN = re.compile(rb"^(from|to|subject|date|received|return-path|message-id|mime-version|delivered-to)\s*:",
                    re.IGNORECASE | re.MULTILINE)
TEXT_SUFFIXES = {".txt", ".text", ".md", ".csv"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _work_dir(settings: "Settings") -> str | None:
    d = getattr(settings, "work_dir", None)
    return str(d) if d else None


def find_format(head: bytes, name: str):
    from .. import formats

    for fmt in formats():
        try:
            if fmt.sniff(head, Path(name)):
                return fmt
        except Exception:  # noqa: BLE001 - a sniffer that trips on odd bytes does not claim them
            continue
    return None


def read_attachments(parent: Path, attachments, settings: "Settings") -> tuple[list[Document], list[Page]]:
    """The attachments as documents (each by its own format), and for each one that cannot be
    read, a page that cannot be checked (so the message goes to review)."""
    docs: list[Document] = []
    unchecked: list[Page] = []
    for att in attachments:
        reason = ""
        suffix = Path(att.name).suffix if len(Path(att.name).suffix) <= 10 else ""
        try:
            with tempfile.TemporaryDirectory(prefix="redactor-attachment-", dir=_work_dir(settings)) as td:
                p = Path(td) / f"attachment{suffix}"
                p.write_bytes(att.data)
                fmt = EmailFormat() if att.nested else find_format(att.data[:8192], p)
                if fmt is None:
                    reason = "not a format redactor reads"
                else:
                    doc = fmt.read(p, settings)
                    docs.append(dataclasses.replace(doc, source=parent / "attachments" / att.name, name=att.name))
                    continue
        except BadInputError as exc:
            reason = f"cannot be read: {exc}"
        unchecked.append(unreadable_page(f"attachment {att.number}, {att.content_type}: {reason}"))
    return docs, unchecked


def unreadable_page(label: str) -> Page:
    """A part no format could read: no text, so nothing in it was checked, and the plan sends
    the document to review (``plan.build_plan``)."""
    return Page(number=0, text="", char_boxes=None, has_text_layer=False, image_count=0, label=label)


class EmailFormat(DocumentFormat):
    name: ClassVar[str] = "email"
    description: ClassVar[str] = "email message (.eml)"
    suffixes: ClassVar[tuple[str, ...]] = (".eml",)

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        suffix = path.suffix.lower()
        if head.startswith((b"%PDF", b"PK\x03\x04", OLE_MAGIC)) or b"\x00" in head[:1024]:
            return False
        if suffix == ".eml":
            return True
        if suffix in TEXT_SUFFIXES or head.startswith(b"From "):
            return False
        return bool(_MESSAGE_HEAD.match(head)) and len(_KNOWN.findall(head)) >= 2

    def read(self, path: Path, settings: "Settings") -> Document:
        from .message import analyse

        depth = _DEPTH.get()
        if depth >= MAX_MESSAGE_NESTING:
            raise BadInputError(f"messages attached inside messages more than {MAX_MESSAGE_NESTING} deep")
        token = _DEPTH.set(depth + 1)
        try:
            raw = path.read_bytes()
            if not raw.strip():
                raise BadInputError("empty file, not an email message")
            mail = analyse(raw)
            pages = [Page(number=i, text=lay.text, char_boxes=None, label=lay.label)
                     for i, lay in enumerate(mail.pages, start=1)]
            docs, unchecked = read_attachments(path, mail.attachments, settings)
        finally:
            _DEPTH.reset(token)
        for p in unchecked:
            pages.append(dataclasses.replace(p, number=len(pages) + 1))
        return Document(source=path, format=self.name, pages=pages, sha256=hashlib.sha256(raw).hexdigest(),
                        attachments=docs)

    def write(self, plan: Plan, out_path: Path, settings: "Settings") -> WriteResult:
        from .release import write_message

        raw = plan.document.source.read_bytes()
        if hashlib.sha256(raw).hexdigest() != plan.document.sha256:
            raise BadInputError("the message changed between planning and release")
        data, notes, drawn = write_message(plan, raw, settings, out_path.parent)
        out_path.write_bytes(data)
        return WriteResult(notes=tuple(notes), drawn=drawn)

    def verify(self, plan: Plan, out_path: Path, written: WriteResult) -> list[str]:
        from .check import verify_message

        return verify_message(out_path.read_bytes(), plan, written, out_path.parent)


# ---------------------------------------------------------------------------------------
# Mailboxes
# ---------------------------------------------------------------------------------------

def split_mbox(raw: bytes) -> list[bytes]:
    """The messages of an mbox file: every line that starts with "From " begins one."""
    messages: list[bytes] = []
    current: list[bytes] | None = None
    for line in raw.splitlines(keepends=True):
        if line.startswith(b"From "):
            if current is not None:
                messages.append(b"".join(current))
            current = []
            continue
        if current is None:
            if line.strip():
                raise BadInputError("not a mailbox: it does not start with a 'From ' line")
            continue
        current.append(line)
    if current is not None:
        messages.append(b"".join(current))
    return messages


class MboxFormat(DocumentFormat):
    name: ClassVar[str] = "mbox"
    description: ClassVar[str] = "mailbox (.mbox)"
    suffixes: ClassVar[tuple[str, ...]] = (".mbox", ".mbx")

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        if b"\x00" in head[:1024]:
            return False
        if path.suffix.lower() in cls.suffixes:
            return True
        if path.suffix.lower() in TEXT_SUFFIXES or not head.startswith(b"From "):
            return False
        rest = head.split(b"\n", 1)[1] if b"\n" in head else b""
        return bool(_MESSAGE_HEAD.match(rest)) and len(_KNOWN.findall(rest)) >= 2

    def read(self, path: Path, settings: "Settings") -> Document:
        raw = path.read_bytes()
        messages = split_mbox(raw)
        if not messages:
            raise BadInputError("empty mailbox: no messages")
        docs: list[Document] = []
        unchecked: list[Page] = []
        email_format = EmailFormat()
        for i, data in enumerate(messages, start=1):
            name = f"message-{i:04d}.eml"
            try:
                with tempfile.TemporaryDirectory(prefix="redactor-mbox-", dir=_work_dir(settings)) as td:
                    p = Path(td) / name
                    p.write_bytes(data)
                    doc = email_format.read(p, settings)
                docs.append(dataclasses.replace(doc, source=path / "messages" / name, name=name))
            except BadInputError as exc:
                unchecked.append(unreadable_page(f"message {i}: cannot be read: {exc}"))
        pages = [Page(number=1, text="", char_boxes=None, label="mailbox")]
        for p in unchecked:
            pages.append(dataclasses.replace(p, number=len(pages) + 1))
        return Document(source=path, format=self.name, pages=pages, sha256=hashlib.sha256(raw).hexdigest(),
                        attachments=docs)

    def write(self, plan: Plan, out_path: Path, settings: "Settings") -> WriteResult:
        from .release import release_attachment
        from .message import Attachment

        raw = plan.document.source.read_bytes()
        if hashlib.sha256(raw).hexdigest() != plan.document.sha256:
            raise BadInputError("the mailbox changed between planning and release")
        plans = {p.document.name: p for p in plan.attachments}
        chunks: list[bytes] = []
        released = []
        notes: list[str] = []
        for i, data in enumerate(split_mbox(raw), start=1):
            name = f"message-{i:04d}.eml"
            mp = plans.get(name)
            if mp is None or mp.withheld_document is not None:
                why = ("withheld in full under " + "; ".join(mp.withheld_document.exemptions)) if mp else \
                    "could not be checked"
                notes.append(f"message {i} {why}: not released")
                continue
            out, written = release_attachment(Attachment(i, name, False, "message/rfc822", data, True), mp,
                                              settings, out_path.parent)
            # mboxrd: a body line that starts with "From " (or ">From ") gains one ">"
            out = re.sub(rb"(?m)^(>*From )", rb">\1", out)
            chunks.append(b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n" + out.rstrip(b"\n") + b"\n\n")
            released.append((name, name, written))
        out_path.write_bytes(b"".join(chunks))
        return WriteResult(notes=tuple(notes), drawn={"attachments": released})

    def verify(self, plan: Plan, out_path: Path, written: WriteResult) -> list[str]:
        import mailbox

        from .check import all_values, verify_message
        from ._shared import find_values

        values = all_values(plan)
        problems = []
        if find_values(out_path.read_bytes().decode("utf-8", "replace"), list(values)):
            problems.append("mailbox file: a withheld value is still present")
        plans = {p.document.name: p for p in plan.attachments}
        box = mailbox.mbox(str(out_path), create=False)
        try:
            keys = list(box.keys())
            released = list((written.drawn or {}).get("attachments", []))
            if len(keys) != len(released):
                problems.append(f"mailbox holds {len(keys)} message(s), {len(released)} were written")
            for k, (name, _, w) in zip(keys, released):
                data = box.get_bytes(k)
                data = re.sub(rb"(?m)^>(>*From )", rb"\1", data)
                problems += [f"message {name}: {x}" for x in
                             verify_message(data, plans[name], w, out_path.parent, values)]
        finally:
            box.close()
        return problems
