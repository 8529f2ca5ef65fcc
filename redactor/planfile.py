"""The plan file (DIR/plan.json) of `redactor scan`: every proposed redaction and every kept
finding of a release set, with decision, rule, exemption, confidence and reason, that
reviewers edit (by hand or through `redactor review`) and `redactor apply` releases exactly.

Format: JSON, versioned (``plan_version``), schema in ``schema/plan.schema.json``, described
in docs/report-format.md. IT CONTAINS THE WITHHELD VALUES (and the pages' text, for search),
so it stays with the reviewers and is never released.

Review statuses of an item:
- redactions: ``proposed`` (as scanned), ``accepted``, ``rejected`` (released after all),
  ``added`` (by a reviewer); a changed exemption keeps ``accepted`` with the new codes;
- kept findings: ``kept`` (as scanned), ``withhold`` (a reviewer withholds it after all).
Every change is stamped with ``decided_by`` / ``decided_at`` and appended to ``history``.

A value rejected once is released everywhere in the set: the same text withheld in one place
and released in another would be no secret (and would fail verification), so a rejection
applies to every item of the set with the same value. Additions by text search likewise
cover every occurrence in the set.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from . import __version__
from .errors import RedactorError, UsageError
from .model import Action, Decision, Document, Explanation, Finding, Plan, Redaction
from .policy import Policy, entity_label, normalize

PLAN_VERSION = 1
PLAN_NAME = "plan.json"
REVIEWER_RULE = "reviewer"
ADDED_ENTITY = "MANUAL_REDACTION"
REGION_ENTITY = "MANUAL_REGION"  # withheld by position (values.POSITION_ONLY)
WARNING = ("CONTAINS WITHHELD INFORMATION: the text of every proposed redaction and of every page. "
           "For reviewers only; never release this file.")


class PlanFileError(UsageError):
    """plan.json is missing, malformed, or does not match the inputs."""


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def plan_schema() -> dict:
    return json.loads(resources.files("redactor").joinpath("schema/plan.schema.json").read_text())


# ---------------------------------------------------------------------------------------
# Plan (in memory) <-> JSON
# ---------------------------------------------------------------------------------------

def _finding_json(f: Finding) -> dict:
    return {"page": f.page, "start": f.start, "end": f.end, "text": f.text, "entity": f.entity, "score": f.score,
            "recognizer": f.recognizer, "explanation": f.explanation,
            "attributes": json.loads(json.dumps(f.attributes, default=str)),
            **({"analysis": f.analysis.as_dict()} if f.analysis is not None else {}),
            **({"region": [float(v) for v in f.region]} if f.region is not None else {})}


def _decision_fields(d: Decision) -> dict:
    return {"rule": d.rule, "action": d.action.value, "exemptions": list(d.exemptions), "reason": d.reason,
            "needs_review": d.needs_review, "propagated": d.propagated, "keep_last": d.keep_last,
            "pseudonym": d.pseudonym}


def _item_common(f: Finding) -> dict:
    return {"entity": f.entity, "entity_label": entity_label(f.entity), "recognizer": f.recognizer,
            "explanation": f.explanation, "score": round(f.score, 4)}


def redaction_json(i: int, r: Redaction) -> dict:
    f = r.decision.finding
    return {"id": f"r{i}", "kind": "redaction", "status": "proposed", "page": r.page, "start": r.start,
            "end": r.end, "value": r.text, "bbox": [list(b) for b in r.boxes], **_item_common(f),
            **_decision_fields(r.decision), "finding": _finding_json(f),
            **({"region": True} if f.is_region else {})}


def kept_json(i: int, d: Decision, boxes: list) -> dict:
    f = d.finding
    if f.is_region:
        boxes = [f.region]
    return {"id": f"k{i}", "kind": "kept", "status": "kept", "page": f.page, "start": f.start, "end": f.end,
            "value": f.text, "bbox": [list(b) for b in boxes], **_item_common(f), **_decision_fields(d),
            "finding": _finding_json(f), **({"region": True} if f.is_region else {})}


def _why(d: Decision) -> dict:
    return {"exemptions": list(d.exemptions), "rule": d.rule, "reason": d.reason, "action": d.action.value,
            "finding": _finding_json(d.finding)}


def document_json(plan: Plan, doc_id: str, source: Path, relpath: str, boxes_for) -> dict:
    """One document of plan.json from an in-memory plan (after set-wide propagation).
    ``boxes_for(document, page, start, end)`` gives the boxes of a kept finding."""
    doc = plan.document
    kept = sorted(plan.kept, key=lambda d: (d.finding.page, d.finding.start))
    return {
        "id": doc_id, "source": str(source), "relpath": relpath, "format": doc.format, "sha256": doc.sha256,
        "status": "planned", "error": None, "reviewed": False,
        "review_reasons": list(plan.review_reasons),
        "pages": [{"n": p.number, "label": p.label, "width": p.width, "height": p.height, "rotation": p.rotation,
                   "text": p.text} for p in doc.pages],
        "withheld_document": _why(plan.withheld_document) if plan.withheld_document else None,
        "withheld_pages": [dict(_why(d), page=n) for n, d in sorted(plan.withheld_pages.items())],
        "redactions": [redaction_json(i, r) for i, r in enumerate(plan.redactions, start=1)],
        "kept": [kept_json(i, d, boxes_for(doc, d.finding.page, d.finding.start, d.finding.end) if d.finding.page else [])
                 for i, d in enumerate(kept, start=1)],
        # Documents inside this one (email attachments): entries of their own, in order.
        "name": doc.name,
        "attachments": [document_json(sub, "", sub.document.source, sub.relpath, boxes_for) for sub in plan.attachments],
    }


def assign_ids(entry: dict, doc_id: str) -> None:
    """d1, d2... for documents; d3.a1, d3.a2... for what is inside d3."""
    entry["id"] = doc_id
    for k, sub in enumerate(entry.get("attachments", []), start=1):
        assign_ids(sub, f"{doc_id}.a{k}")


def all_entries(data: dict):
    """Every document entry of the plan, attachments included (depth first)."""
    def walk(e):
        yield e
        for sub in e.get("attachments", []):
            yield from walk(sub)
    for e in data["documents"]:
        yield from walk(e)


def failed_document_json(doc_id: str, source: Path, relpath: str, fmt: str, status: str, error: str | None,
                         sha256: str = "", pages: int = 0) -> dict:
    return {"id": doc_id, "source": str(source), "relpath": relpath, "format": fmt or "", "sha256": sha256,
            "status": status, "error": error, "reviewed": False, "review_reasons": [],
            "pages": [{"n": n, "label": "", "width": 0, "height": 0, "rotation": 0, "text": ""}
                      for n in range(1, pages + 1)],
            "withheld_document": None, "withheld_pages": [], "redactions": [], "kept": [], "name": "",
            "attachments": []}


def new_plan_file(policy: Policy, settings: dict, documents: list[dict]) -> dict:
    return {
        "plan_version": PLAN_VERSION,
        "warning": WARNING,
        "tool": {"name": "redactor", "version": __version__},
        "created": now(),
        "policy": {"name": policy.name, "title": policy.title, "source": policy.source},
        "exemptions": {code: {"title": e.title, "citation": e.citation, "reason": e.reason}
                       for code, e in sorted(policy.exemptions.items())},
        "settings": settings,
        "documents": documents,
        "history": [],
    }


def _finding(fj: dict) -> Finding:
    region = fj.get("region")
    return Finding(page=fj["page"], start=fj["start"], end=fj["end"], text=fj["text"], entity=fj["entity"],
                   score=fj["score"], recognizer=fj["recognizer"], explanation=fj.get("explanation", ""),
                   attributes=dict(fj.get("attributes") or {}), analysis=_analysis(fj.get("analysis")),
                   region=tuple(float(v) for v in region) if region else None)


def _analysis(aj: dict | None) -> Explanation | None:
    if not aj:
        return None
    return Explanation(**{**aj, "context_words": tuple(aj.get("context_words") or ())})


def _decision(item: dict, finding: Finding) -> Decision:
    return Decision(finding=finding, action=Action(item["action"]), rule=item["rule"],
                    exemptions=list(item["exemptions"]), reason=item["reason"],
                    needs_review=bool(item["needs_review"]), propagated=bool(item.get("propagated")),
                    keep_last=int(item.get("keep_last") or 0), pseudonym=item.get("pseudonym"))


def withheld_items(entry: dict) -> list[dict]:
    """The items the release copy withholds after review, in page order."""
    out = [it for it in entry["redactions"] if it["status"] != "rejected"]
    out += [it for it in entry["kept"] if it["status"] == "withhold"]
    return sorted(out, key=lambda it: (it["page"], it["start"], -it["end"]))


def released_items(entry: dict) -> list[dict]:
    out = [it for it in entry["kept"] if it["status"] != "withhold"]
    out += [it for it in entry["redactions"] if it["status"] == "rejected"]
    return sorted(out, key=lambda it: (it["page"], it["start"]))


def plan_from_json(entry: dict, document: Document, boxes_for, policy_name: str = "") -> Plan:
    """The in-memory plan that `apply` writes: exactly the reviewed items. Items without
    boxes (added by a reviewer) get them from the document's character boxes."""
    if document.sha256 != entry["sha256"]:
        raise PlanFileError(f"{entry['relpath']}: the input changed since the scan (SHA-256 differs)")
    reasons: list[str] = [] if entry.get("reviewed") else list(entry.get("review_reasons", []))
    redactions: list[Redaction] = []
    kept: list[Decision] = []
    withheld_pages: dict[int, Decision] = {}
    for it in withheld_items(entry):
        page = document.pages[it["page"] - 1]
        if it.get("region"):
            redactions.append(region_redaction(it, page))
            continue
        text = page.text[it["start"]:it["end"]]
        if text != it["value"]:
            raise PlanFileError(f"{entry['relpath']}: item {it['id']} on page {it['page']} does not match the "
                                "document's text at its offsets (was the plan edited by hand?)")
        finding = _finding(it["finding"]) if it.get("finding") else Finding(
            page=it["page"], start=it["start"], end=it["end"], text=text, entity=it["entity"], score=it["score"],
            recognizer=it["recognizer"], explanation=it.get("explanation", ""))
        d = _decision(it, finding)
        if d.action not in (Action.REDACT, Action.WITHHOLD_PORTION, Action.MASK, Action.PSEUDONYMISE):
            d = dataclasses.replace(d, action=Action.REDACT)
        boxes = [tuple(b) for b in it.get("bbox") or []]
        if not boxes and page.char_boxes and any(page.char_boxes):
            boxes = boxes_for(document, it["page"], it["start"], it["end"])
            if not boxes:
                reasons.append(f"page {it['page']}: item {it['id']} has no position on the page")
                continue
        redactions.append(Redaction(page=it["page"], start=it["start"], end=it["end"], text=text,
                                    boxes=boxes, decision=d))
    for it in released_items(entry):
        if not it.get("finding"):
            continue
        kept.append(_decision(it, _finding(it["finding"])) if it["kind"] == "kept" else
                    Decision(finding=_finding(it["finding"]), action=Action.KEEP, rule=it["rule"],
                             exemptions=[], reason=it["reason"], needs_review=False))
    for wp in entry.get("withheld_pages", []):
        withheld_pages[wp["page"]] = Decision(finding=_finding(wp["finding"]), action=Action(wp["action"]),
                                              rule=wp["rule"], exemptions=list(wp["exemptions"]),
                                              reason=wp["reason"])
    wd = entry.get("withheld_document")
    withheld_document = Decision(finding=_finding(wd["finding"]), action=Action(wd["action"]), rule=wd["rule"],
                                 exemptions=list(wd["exemptions"]), reason=wd["reason"]) if wd else None
    subs = entry.get("attachments", [])
    if len(subs) != len(document.attachments):
        raise PlanFileError(f"{entry['relpath']}: the plan has {len(subs)} attachment(s), the document "
                            f"{len(document.attachments)}")
    attachments = []
    for sub_entry, sub_doc in zip(subs, document.attachments):
        if sub_entry.get("name", "") != sub_doc.name:
            raise PlanFileError(f"{sub_entry['relpath']}: attachment name differs from the scan")
        attachments.append(plan_from_json(sub_entry, sub_doc, boxes_for, policy_name))
    return Plan(document=document, redactions=redactions, kept=kept, policy_name=policy_name,
                review_reasons=reasons, withheld_pages=withheld_pages, withheld_document=withheld_document,
                relpath=entry["relpath"], attachments=attachments)


# ---------------------------------------------------------------------------------------
# Reading and writing plan.json (atomic: temp file in the same folder, fsync, rename)
# ---------------------------------------------------------------------------------------

def load_plan(folder: Path) -> dict:
    path = folder / PLAN_NAME if folder.is_dir() else folder
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot read the plan ({exc.strerror}); run `redactor scan` first") from None
    except json.JSONDecodeError as exc:
        raise PlanFileError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict) or data.get("plan_version") != PLAN_VERSION:
        raise PlanFileError(f"{path}: not a plan of version {PLAN_VERSION}")
    import jsonschema

    try:
        jsonschema.validate(data, plan_schema())
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path)
        raise PlanFileError(f"{path}: {where or 'top level'}: {exc.message[:200]}") from None
    return data


def save_plan(folder: Path, data: dict) -> Path:
    path = folder / PLAN_NAME
    fd, tmp = tempfile.mkstemp(prefix=".plan-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)  # it holds withheld values
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# ---------------------------------------------------------------------------------------
# Reviewer decisions
# ---------------------------------------------------------------------------------------

def _entry(data: dict, doc_id: str) -> dict:
    for d in all_entries(data):
        if d["id"] == doc_id:
            return d
    raise PlanFileError(f"no document {doc_id} in the plan")


def _item(entry: dict, item_id: str) -> dict:
    for it in entry["redactions"] + entry["kept"]:
        if it["id"] == item_id:
            return it
    raise PlanFileError(f"no item {item_id} in document {entry['id']}")


def _reason(data: dict, entity: str, codes: list[str], note: str) -> str:
    label = entity_label(entity)
    why = "; ".join(data["exemptions"][c]["reason"] for c in codes if c in data["exemptions"])
    return f"{label[0].upper()}{label[1:]} withheld under {'; '.join(codes)}" + (f": {why}" if why else "") + f" ({note})"


def _check_codes(data: dict, codes: list[str] | None) -> list[str]:
    if not codes or not all(isinstance(c, str) for c in codes):
        raise PlanFileError("give the exemption code(s)")
    unknown = [c for c in codes if c.split(":")[0].strip() not in data["exemptions"]]
    if unknown:
        raise PlanFileError(f"exemption {unknown[0]!r} is not in the policy's catalogue")
    return list(codes)


def _stamp(data: dict, entry: dict, it: dict, action: str, reviewer: str, before: dict) -> None:
    at = now()
    it["decided_by"], it["decided_at"] = reviewer, at
    data["history"].append({"at": at, "by": reviewer, "document": entry["id"], "item": it["id"], "action": action,
                            "before": before, "after": {"status": it["status"], "exemptions": it["exemptions"]}})


def decide(data: dict, doc_id: str, item_id: str, action: str, reviewer: str,
           exemptions: list[str] | None = None) -> list[tuple[dict, dict]]:
    """Record one decision: ``accept``, ``reject``, ``exemption`` (new codes) or ``withhold``
    (a kept finding). Returns the (document, item) pairs changed (a rejection changes every
    item of the set with the same value)."""
    if not reviewer or not reviewer.strip():
        raise PlanFileError("say who you are (reviewer name) before deciding")
    reviewer = reviewer.strip()[:100]
    entry = _entry(data, doc_id)
    it = _item(entry, item_id)
    changed: list[tuple[dict, dict]] = []
    before = {"status": it["status"], "exemptions": list(it["exemptions"])}
    if action == "accept":
        if it["kind"] != "redaction":
            raise PlanFileError("only a redaction can be accepted")
        it["status"] = "accepted" if it["status"] != "added" else "added"
        it["needs_review"] = False
        changed.append((entry, it))
    elif action == "reject":
        if it["kind"] != "redaction" and it["status"] != "withhold":
            raise PlanFileError("only a withheld item can be rejected")
        key = normalize(" ".join(it["value"].split()))
        for e in all_entries(data):
            for other in e["redactions"] + e["kept"]:
                withheld = other["kind"] == "redaction" and other["status"] != "rejected" or other["status"] == "withhold"
                if withheld and (other is it or (key and normalize(" ".join(other["value"].split())) == key)):
                    b = {"status": other["status"], "exemptions": list(other["exemptions"])}
                    other["status"] = "rejected" if other["kind"] == "redaction" else "kept"
                    other["needs_review"] = False
                    other["reason"] = (f"released by reviewer {reviewer}" if other is it else
                                       f"released by reviewer {reviewer} (same value as {entry['id']}:{it['id']})")
                    _stamp(data, e, other, "reject", reviewer, b)
                    changed.append((e, other))
        return changed
    elif action == "exemption":
        if it["kind"] != "redaction" or it["status"] == "rejected":
            raise PlanFileError("only a withheld item can change exemption")
        codes = _check_codes(data, exemptions)
        it["exemptions"], it["rule"] = codes, REVIEWER_RULE
        it["reason"] = _reason(data, it["entity"], codes, f"exemption set by reviewer {reviewer}")
        it["needs_review"] = False
        if it["status"] == "proposed":
            it["status"] = "accepted"
        changed.append((entry, it))
    elif action == "withhold":
        if it["kind"] != "kept":
            raise PlanFileError("only a kept finding can be withheld instead")
        codes = _check_codes(data, exemptions)
        it.update(status="withhold", exemptions=codes, rule=REVIEWER_RULE, action=Action.REDACT.value,
                  needs_review=False, reason=_reason(data, it["entity"], codes, f"withheld by reviewer {reviewer}"))
        changed.append((entry, it))
    else:
        raise PlanFileError(f"unknown decision {action!r}")
    _stamp(data, entry, it, action, reviewer, before)
    return changed


def add_by_text(data: dict, query: str, exemptions: list[str], reviewer: str, reason: str = "",
                value_pattern=None) -> dict[str, list[dict]]:
    """Withhold every occurrence of ``query`` (whole words, any case or spacing) in every
    document of the set that is not already withheld. Returns document id -> new items."""
    if value_pattern is None:
        from .plan import value_pattern
    if not reviewer or not reviewer.strip():
        raise PlanFileError("say who you are (reviewer name) before deciding")
    reviewer = reviewer.strip()[:100]
    codes = _check_codes(data, exemptions)
    query = " ".join((query or "").split())
    if sum(ch.isalnum() for ch in query) < 2:
        raise PlanFileError("the text to withhold needs at least two letters or digits")
    pattern = value_pattern(query)
    if pattern is None:
        raise PlanFileError("the text to withhold needs letters or digits")
    added: dict[str, list[dict]] = {}
    note = f"added by reviewer {reviewer}" + (f": {reason.strip()[:300]}" if reason and reason.strip() else "")
    for entry in all_entries(data):
        if entry["status"] != "planned":
            continue
        taken = [(it["page"], it["start"], it["end"]) for it in withheld_items(entry)]
        n = len(entry["redactions"])
        for page in entry["pages"]:
            for m in pattern.finditer(page["text"]):
                if any(p == page["n"] and s <= m.start() and m.end() <= e for p, s, e in taken):
                    continue
                n += 1
                it = {"id": f"r{n}", "kind": "redaction", "status": "added", "page": page["n"], "start": m.start(),
                      "end": m.end(), "value": m.group(0), "bbox": [], "entity": ADDED_ENTITY,
                      "entity_label": entity_label(ADDED_ENTITY), "recognizer": REVIEWER_RULE,
                      "explanation": f"text search for a value given by {reviewer}", "score": 1.0,
                      "rule": REVIEWER_RULE, "action": Action.REDACT.value, "exemptions": codes,
                      "reason": _reason(data, ADDED_ENTITY, codes, note), "needs_review": False,
                      "propagated": False, "keep_last": 0, "pseudonym": None, "finding": None}
                entry["redactions"].append(it)
                taken.append((page["n"], m.start(), m.end()))
                _stamp(data, entry, it, "add", reviewer, {"status": None, "exemptions": []})
                added.setdefault(entry["id"], []).append(it)
    return added


def region_redaction(it: dict, page) -> Redaction:
    """A region a reviewer drew: every character whose centre lies in it is withheld (the
    span from the first to the last, in reading order, for the report), and the writer
    removes whatever is drawn under the box (text, images, shapes). A region found by a
    recognizer (a signature: the item's finding has a ``region``) stays as it was planned: its
    finding and decision, its box (the item's ``bbox``), no text span."""
    fj = it.get("finding")
    if fj and fj.get("region"):
        box = tuple(float(v) for v in it["bbox"][0]) if it.get("bbox") else tuple(float(v) for v in fj["region"])
        finding = dataclasses.replace(_finding(fj), start=0, end=0, text="", region=box)
        d = _decision(it, finding)
        if d.action not in (Action.REDACT, Action.WITHHOLD_PORTION, Action.MASK, Action.PSEUDONYMISE):
            d = dataclasses.replace(d, action=Action.REDACT)  # a kept region a reviewer withholds
        return Redaction(page=it["page"], start=0, end=0, text="", boxes=[box], decision=d)
    x0, y0, x1, y1 = it["bbox"][0]
    inside = [i for i, b in enumerate(page.char_boxes or []) if b is not None and not page.text[i].isspace()
              and x0 <= (b[0] + b[2]) / 2 <= x1 and y0 <= (b[1] + b[3]) / 2 <= y1]
    start, end = (inside[0], inside[-1] + 1) if inside else (0, 0)
    finding = Finding(page=it["page"], start=start, end=end, text=page.text[start:end], entity=REGION_ENTITY,
                      score=1.0, recognizer=REVIEWER_RULE, explanation=it.get("explanation", ""))
    d = Decision(finding=finding, action=Action.REDACT, rule=it["rule"], exemptions=list(it["exemptions"]),
                 reason=it["reason"], needs_review=False)
    return Redaction(page=it["page"], start=start, end=end, text=page.text[start:end],
                     boxes=[tuple(b) for b in it["bbox"]], decision=d)


def add_region(data: dict, doc_id: str, page: int, box: list[float], exemptions: list[str], reviewer: str,
               reason: str = "") -> dict:
    """Withhold a region of a PDF page (``box`` in default user space), whatever is in it."""
    if not reviewer or not reviewer.strip():
        raise PlanFileError("say who you are (reviewer name) before deciding")
    reviewer = reviewer.strip()[:100]
    codes = _check_codes(data, exemptions)
    entry = _entry(data, doc_id)
    if entry["format"] != "pdf" or entry["status"] != "planned":
        raise PlanFileError("regions can be drawn on the pages of a planned PDF only")
    if not (1 <= page <= len(entry["pages"])):
        raise PlanFileError(f"no page {page} in {entry['relpath']}")
    if len(box) != 4 or not all(isinstance(v, (int, float)) for v in box) or box[2] - box[0] < 1 or box[3] - box[1] < 1:
        raise PlanFileError("draw a region at least one point wide and high")
    note = f"region drawn by reviewer {reviewer}" + (f": {reason.strip()[:300]}" if reason and reason.strip() else "")
    it = {"id": f"r{len(entry['redactions']) + 1}", "kind": "redaction", "status": "added", "page": page, "start": 0,
          "end": 0, "value": "", "region": True, "bbox": [[float(v) for v in box]], "entity": REGION_ENTITY,
          "entity_label": entity_label(REGION_ENTITY), "recognizer": REVIEWER_RULE,
          "explanation": f"page region drawn by {reviewer}", "score": 1.0, "rule": REVIEWER_RULE,
          "action": Action.REDACT.value, "exemptions": codes, "reason": _reason(data, REGION_ENTITY, codes, note),
          "needs_review": False, "propagated": False, "keep_last": 0, "pseudonym": None, "finding": None}
    entry["redactions"].append(it)
    _stamp(data, entry, it, "add_region", reviewer, {"status": None, "exemptions": []})
    return it


def review_documents(data: dict) -> list[dict]:
    """plan.json's documents as the review page's model (review_report)."""
    docs = []
    for e in all_entries(data):
        items = []
        for it in e["redactions"] + e["kept"]:
            x = {k: v for k, v in it.items() if k != "finding"}
            x.setdefault("release_bbox", it.get("bbox", []))
            items.append(x)
        docs.append({
            "id": e["id"], "source": e["source"], "relpath": e["relpath"], "output": None, "format": e["format"],
            "status": e["status"] if e["status"] != "planned" else ("needs_review" if e["review_reasons"] else "planned"),
            "error": e["error"] or (e["review_reasons"][0] if e["review_reasons"] else None),
            "withheld_pages": [w["page"] for w in e["withheld_pages"]],
            "withheld_document": "; ".join(e["withheld_document"]["exemptions"]) if e["withheld_document"] else None,
            "pages": [{"n": p["n"], "label": p["label"], "text": p["text"] if e["format"] != "pdf" else None}
                      for p in e["pages"]],
            "items": items,
        })
    return docs


def inconsistent_rejections(data: dict) -> list[str]:
    """Items released (rejected) while the same text is still withheld elsewhere in the set
    (possible after editing plan.json by hand): such a copy would fail verification, and the
    value would be public anyway. Says where, never what."""
    withheld: dict[str, list[str]] = {}
    for e in all_entries(data):
        for it in withheld_items(e):
            key = normalize(" ".join(it["value"].split()))
            if key:
                withheld.setdefault(key, []).append(f"{e['id']}:{it['id']}")
    out = []
    for e in all_entries(data):
        for it in e["redactions"]:
            if it["status"] != "rejected":
                continue
            others = withheld.get(normalize(" ".join(it["value"].split())), [])
            if others:
                more = f" (+{len(others) - 3} more)" if len(others) > 3 else ""
                out.append(f"{e['id']}:{it['id']} ({e['relpath']} page {it['page']}) is rejected but the same text is "
                           f"still withheld at {', '.join(others[:3])}{more}: reject all of them or none")
    return out


def changed_inputs(data: dict) -> list[str]:
    """Documents whose input is missing or differs from the scan (by SHA-256)."""
    from .formats import sha256_file

    out = []
    for e in data["documents"]:
        if not e.get("sha256"):
            continue
        try:
            same = sha256_file(Path(e["source"])) == e["sha256"]
        except OSError:
            same = False
        if not same:
            out.append(e["relpath"])
    return out


def _jsonable(x: Any) -> Any:  # pragma: no cover - debugging aid
    return json.loads(json.dumps(x, default=str))
