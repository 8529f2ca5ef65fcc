"""Turn decisions into a plan: the exact spans and boxes a release copy withholds.

Two things happen here besides geometry. A value withheld once is withheld wherever it occurs
in the document (propagation), so a name the recognizers found on page 1 but missed on page 3
is still withheld, and the report says which occurrences were propagated. And pages that
cannot be checked (no text layer) make the whole document wait for review.
"""

from __future__ import annotations

import dataclasses

import regex as re

from .geometry import Box, union
from .model import Action, Decision, Document, Finding, Plan, Redaction

MIN_PROPAGATE_CHARS = 4  # shorter values ("Li", "Ng") would match inside too many words
PORTION_ENTITIES = {"CLASSIFIED_PORTION", "UNMARKED_PORTION", "PORTION"}


def value_pattern(value: str) -> re.Pattern | None:
    """A pattern for ``value`` as whole words: any case, and any run of spaces, line breaks or
    punctuation between its letters-and-digits tokens ("512-43-7789" also matches
    "512 43\n7789"). verify.find_values uses the same notion of a match, so every occurrence
    verification would flag is one propagation has withheld."""
    tokens = re.findall(r"[0-9A-Za-z]+", value)
    if not tokens:
        return None
    body = r"[^0-9A-Za-z]+".join(re.escape(t) for t in tokens)
    return re.compile(r"(?<![0-9A-Za-z])" + body + r"(?![0-9A-Za-z])", re.IGNORECASE)


def char_boxes_to_lines(boxes: list[Box]) -> list[Box]:
    """Group character boxes into lines (same baseline band, left to right) and return one
    box per line."""
    lines: list[list[Box]] = []
    for b in boxes:
        if lines:
            last = lines[-1][-1]
            h = max(last[3] - last[1], b[3] - b[1], 1e-6)
            same_band = abs((b[1] + b[3]) / 2 - (last[1] + last[3]) / 2) < 0.5 * h
            if same_band and b[0] >= last[0] - 0.5 * h:
                lines[-1].append(b)
                continue
        lines.append([b])
    return [union(line) for line in lines]


def _boxes_for(document: Document, page: int, start: int, end: int) -> list[Box]:
    p = document.pages[page - 1]
    if document.format != "pdf":
        return []
    chosen = [p.char_boxes[i] for i in range(start, min(end, len(p.char_boxes)))
              if p.char_boxes[i] is not None and not p.text[i].isspace()]
    return char_boxes_to_lines(chosen) if chosen else []


def build_plan(document: Document, decisions: list[Decision], policy_name: str) -> Plan:
    withheld = [d for d in decisions if d.action in (Action.REDACT, Action.WITHHOLD_PORTION)]
    kept = [d for d in decisions if d.action is Action.KEEP]
    withheld.extend(_propagate(document, withheld))
    redactions = []
    review: list[str] = []
    for d in sorted(withheld, key=lambda d: (d.finding.page, d.finding.start, -d.finding.end)):
        f = d.finding
        boxes = _boxes_for(document, f.page, f.start, f.end)
        if document.format == "pdf" and not boxes:
            review.append(f"page {f.page}: {f.entity} at characters {f.start}-{f.end} has no position on the page")
            continue
        redactions.append(Redaction(page=f.page, start=f.start, end=f.end, text=f.text, boxes=boxes, decision=d))
    for p in document.pages:
        if not p.has_text_layer and p.image_count:
            review.append(f"page {p.number} has no text layer (a scan?); OCR is not available yet, "
                          "so nothing on it could be checked")
    return Plan(document=document, redactions=redactions, kept=kept, policy_name=policy_name,
                review_reasons=review)


def _propagate(document: Document, withheld: list[Decision]) -> list[Decision]:
    covered: dict[int, list[tuple[int, int]]] = {}
    for d in withheld:
        covered.setdefault(d.finding.page, []).append((d.finding.start, d.finding.end))
    extra: list[Decision] = []
    seen_values: set[str] = set()
    for d in withheld:
        f = d.finding
        if f.entity in PORTION_ENTITIES or d.action is not Action.REDACT:
            continue
        value = " ".join(f.text.split())
        key = value.lower()
        if key in seen_values or sum(ch.isalnum() for ch in value) < MIN_PROPAGATE_CHARS:
            continue
        seen_values.add(key)
        pattern = value_pattern(value)
        if pattern is None:
            continue
        for page in document.pages:
            for m in pattern.finditer(page.text, timeout=5.0):
                spans = covered.setdefault(page.number, [])
                if any(s <= m.start() and m.end() <= e for s, e in spans):
                    continue
                spans.append((m.start(), m.end()))
                finding = Finding(page=page.number, start=m.start(), end=m.end(), text=m.group(0),
                                  entity=f.entity, score=f.score, recognizer="propagation",
                                  explanation=f"same value as withheld on page {f.page}")
                extra.append(dataclasses.replace(d, finding=finding, propagated=True))
    return extra
