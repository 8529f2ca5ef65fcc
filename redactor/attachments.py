"""Documents inside documents (email attachments, attached messages, the messages of a
mailbox): each is planned as a document of its own, with the same policy, and the values
withheld anywhere in the tree are withheld everywhere in it.

The parent and its attachments are one record: a value withheld in an email's body is
withheld in its attachments, and a value withheld in an attachment is withheld in the body
and headers, with the release set's rule (``plan.set_values``: names of two words or more,
other values of six letters or digits or more), as between any two documents of the set.

Attachments are named in plans by number (``msg.eml/attachments/2``): their file names can
hold a withheld value, and plan paths end up in explanations and notes. The report shows
each attachment under its released (redacted) name.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable, Iterator

from .model import Decision, DocumentResult, Plan, Status, line_breaks
from .plan import SetValues, extend_plan, set_values

MAX_ATTACHMENT_DEPTH = 10


def attachment_relpath(parent: str, number: int) -> str:
    return f"{parent}/attachments/{number}"


def plan_tree(plan: Plan, plan_one: Callable[..., Plan], depth: int = 0) -> Plan:
    """``plan`` with its attachments planned (``plan_one(document, relpath)`` plans one
    document on its own), recursively; then the tree's values propagated across it. An
    attachment that needs review makes its parent need review."""
    if not plan.document.attachments:
        return plan
    subplans = []
    reasons = list(plan.review_reasons)
    for k, doc in enumerate(plan.document.attachments, start=1):
        sub = plan_one(doc, attachment_relpath(plan.relpath, k))
        if depth < MAX_ATTACHMENT_DEPTH:
            sub = plan_tree(sub, plan_one, depth + 1)
        subplans.append(sub)
    plan = dataclasses.replace(plan, attachments=subplans, review_reasons=reasons)
    if depth == 0:
        plan = propagate_tree(plan)
        plan = dataclasses.replace(plan, review_reasons=plan.review_reasons + tree_review_reasons(plan))
    return plan


def nodes(plan: Plan) -> Iterator[Plan]:
    yield plan
    for sub in plan.attachments:
        yield from nodes(sub)


def tree_review_reasons(plan: Plan, prefix: str = "") -> list[str]:
    """Why any attachment (at any depth) needs review, said by attachment number and format."""
    out = []
    for k, sub in enumerate(plan.attachments, start=1):
        where = f"{prefix}attachment {k} ({sub.document.format})"
        if sub.withheld_document is not None:
            continue
        out += [f"{where}: {r}" for r in sub.review_reasons if not r.startswith("attachment ")]
        out += tree_review_reasons(sub, prefix=f"{where}, ")
    return out


def propagating_values(plan: Plan) -> list[tuple[str, Decision]]:
    """The values ``plan`` withholds that every other document of its record (and of the
    release set) withholds too: the set-wide rule (``plan.set_values``), so a lone word a
    recognizer took for a name in an attachment does not blank that word in the message."""
    return set_values(plan)


def tree_values(plan: Plan, values: Callable[[Plan], list[tuple[str, Decision]]]) -> list[tuple[str, str, Decision]]:
    """(value, the plan path it comes from, decision) for every node of the tree."""
    return [(v, node.relpath, d) for node in nodes(plan) for v, d in values(node)]


def propagate_tree(plan: Plan) -> Plan:
    """Every node withholds the values withheld anywhere in the tree."""
    values = tree_values(plan, propagating_values)
    if not values:
        return plan

    def extend(node: Plan) -> Plan:
        node = extend_plan(node, values, {})
        return dataclasses.replace(node, attachments=[extend(s) for s in node.attachments])

    return extend(plan)


def extend_tree(plan: Plan, values: "list[tuple[str, str, Decision]] | SetValues", pseudonyms: dict[str, str]) -> Plan:
    """Phase 2 for a tree: every node gets the release set's values and pseudonyms."""
    values = values if isinstance(values, SetValues) else SetValues(values)
    plan = extend_plan(plan, values, pseudonyms)
    return dataclasses.replace(plan, attachments=[extend_tree(s, values, pseudonyms) for s in plan.attachments])


def tree_needs_review(plan: Plan) -> bool:
    return any(d.needs_review for node in nodes(plan) if node.withheld_document is None
               for d in [*node.kept, *(r.decision for r in node.redactions)])


def status_of(plan: Plan) -> Status:
    if plan.withheld_document is not None:
        return Status.WITHHELD
    if plan.review_reasons or tree_needs_review(plan):
        return Status.NEEDS_REVIEW
    if any(node.redactions or node.withheld_pages for node in nodes(plan)):
        return Status.REDACTED
    return Status.UNCHANGED


def attachment_results(plan: Plan, parent_source: Path, released: bool, written_drawn: dict | None,
                       parent_error: str | None = None, output: Path | None = None,
                       output_sha256: str = "") -> list[DocumentResult]:
    """One result per attachment (recursively), for the report: each listed as a document of
    its own under its released name, with its own status. ``released``: the parent's copy
    was written and verified (so each attachment in it was too); ``output``: that copy, which
    is where each attachment's release copy is."""
    names = {}
    drawn = {}
    for entry in (written_drawn or {}).get("attachments", []):
        plan_name, released_name, w = entry
        names[plan_name] = released_name
        drawn[plan_name] = w.drawn if w is not None else {}
    out = []
    for k, sub in enumerate(plan.attachments, start=1):
        doc = sub.document
        shown = names.get(doc.name) or f"attachment-{k}{Path(doc.name).suffix}"
        source = parent_source / "attachments" / shown
        res = DocumentResult(source=source, output=output if released else None, status=status_of(sub),
                             format=doc.format, output_sha256=output_sha256 if released else "",
                             pages=doc.page_count, input_sha256=doc.sha256,
                             redactions=list(sub.redactions), kept=list(sub.kept),
                             page_labels=[p.label for p in doc.pages],
                             page_breaks=[line_breaks(p.text) for p in doc.pages],
                             withheld_pages=sorted(sub.withheld_pages))
        res.notes.extend(sub.review_reasons)
        if sub.withheld_document is not None:
            d = sub.withheld_document
            res.withheld_by = d
            res.notes.append(f"withheld in full under {'; '.join(d.exemptions)} (rule {d.rule}): {d.reason}")
        elif not released:
            res.status = Status.FAILED if parent_error else res.status
            res.error = parent_error or (sub.review_reasons[0] if sub.review_reasons else None)
            res.notes.append("not released: the message that holds it was not released")
        else:
            res.notes.append(f"released inside {parent_source.name}")
        out.append(res)
        out.extend(attachment_results(sub, source, released, drawn.get(doc.name), parent_error, output,
                                      output_sha256))
    return out
