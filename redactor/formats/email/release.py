"""Writing the release copy of a message: pages redacted piece by piece, attachments released
by their own format (written, then verified, before they are embedded)."""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import RedactorError, VerificationError
from ...model import Plan
from ..base import WriteResult
from . import html as html_body
from ._shared import merged_spans, text_placeholder
from .message import (Attachment, Mail, Node, Rendered, analyse, attachment_part, header_lines, multipart,
                      replace_segments, safe_name, text_part)

if TYPE_CHECKING:  # pragma: no cover
    from ...settings import Settings


def page_spans(plan: Plan, number: int, length: int) -> list[tuple[int, int, str]]:
    """(start, end, placeholder) of what page ``number`` withholds."""
    if number in plan.withheld_pages:
        codes = "; ".join(plan.withheld_pages[number].exemptions)
        return [(0, length, f"[WITHHELD IN FULL {codes}]")]
    rs = [r for r in plan.redactions if r.page == number]
    return [(s, e, text_placeholder(codes, pseudonym)) for s, e, codes, pseudonym in merged_spans(rs)]


def check_reading(mail: Mail, plan: Plan) -> None:
    pages = plan.document.pages
    for lay, page in zip(mail.pages, pages):
        if lay.text != page.text:
            raise RedactorError(f"{lay.label}: the message reads differently than when it was planned")


def replacements(mail: Mail, plan: Plan) -> dict[int, dict[tuple, str]]:
    out = {}
    for number, lay in enumerate(mail.pages, start=1):
        spans = page_spans(plan, number, len(lay.text))
        out[number] = replace_segments(lay.text, lay.segments, spans) if spans else {}
    return out


def release_attachment(att: Attachment, plan: Plan, settings: "Settings", workdir: Path) -> tuple[bytes, WriteResult]:
    """The attachment's release copy, written and verified by its own format."""
    from .. import by_name

    fmt = by_name(plan.document.format)
    if hashlib.sha256(att.data).hexdigest() != plan.document.sha256:
        raise RedactorError(f"attachment {att.number}: its content differs from what was planned")
    suffix = Path(att.name).suffix if len(Path(att.name).suffix) <= 10 else ""
    with tempfile.TemporaryDirectory(dir=workdir, prefix=".attachment-") as td:
        src = Path(td) / f"in{suffix}"
        src.write_bytes(att.data)
        dst = Path(td) / f"out{suffix}"
        p = dataclasses.replace(plan, document=dataclasses.replace(plan.document, source=src))
        written = fmt.write(p, dst, settings)
        problems = fmt.verify(p, dst, written)
        if problems:
            raise VerificationError([f"attachment {att.number} ({fmt.name}): {x}" for x in problems])
        return dst.read_bytes(), written


def attachment_plans(plan: Plan) -> dict[str, Plan]:
    return {p.document.name: p for p in plan.attachments}


def released_name(att: Attachment, headers_replaced: dict[tuple, str]) -> str | None:
    if not att.given_name:
        return None
    return safe_name(headers_replaced.get(("attname", att.number), att.name), "attachment")


def write_message(plan: Plan, raw: bytes, settings: "Settings", workdir: Path) -> tuple[bytes, list[str], dict]:
    """Release copy bytes of the message ``raw`` planned by ``plan``, the notes, and what was
    drawn (the attachments' own write results, by name)."""
    mail = analyse(raw)
    check_reading(mail, plan)
    repl = replacements(mail, plan)
    notes = list(mail.notes)
    plans = attachment_plans(plan)
    released: list[tuple[str, str | None, WriteResult]] = []  # (plan name, released name, result)
    parts: dict[int, Rendered] = {}
    for att in mail.attachments:
        name = released_name(att, repl.get(1, {}))
        ap = plans.get(att.name)
        if ap is None:
            notes.append(f"attachment {att.number} ({att.content_type}) could not be checked and is not released")
            parts[att.number] = text_part("plain", f"[ATTACHMENT {att.number} NOT RELEASED: IT COULD NOT BE CHECKED]")
            continue
        if ap.withheld_document is not None:
            codes = "; ".join(ap.withheld_document.exemptions)
            notes.append(f"attachment {att.number} withheld in full under {codes}")
            parts[att.number] = text_part("plain", f"[ATTACHMENT {att.number} WITHHELD IN FULL {codes}]")
            continue
        data, written = release_attachment(att, ap, settings, workdir)
        parts[att.number] = attachment_part(att.content_type, name, data, att.nested)
        released.append((att.name, name, written))

    def emit(node: Node) -> Rendered | None:
        if node.kind == "multipart":
            children = [c for c in (emit(ch) for ch in node.children) if c is not None]
            if not children:
                children = [text_part("plain", "")]
            return multipart(node.content_type, children)
        if node.kind == "attachment":
            return parts[node.attachment]
        if node.kind == "body":
            lay = mail.pages[node.page - 1]
            r = repl.get(node.page, {})
            if lay.kind == "html":
                return text_part("html", html_body.render(lay.html, r))
            return text_part("plain", r.get(("text",), lay.text))
        return None  # dropped (signatures)

    root = emit(mail.root) or text_part("plain", "")
    headers = header_lines(mail, repl.get(1, {}), notes) + ["MIME-Version: 1.0"] + root.headers
    data = ("\n".join(headers) + "\n\n").encode("utf-8") + root.body
    return data, notes, {"attachments": released}
