"""Turn decisions into a plan: the exact spans and boxes a release copy withholds.

Two things happen here besides geometry. A value withheld once is withheld wherever it occurs
in the document (propagation), so a name the recognizers found on page 1 but missed on page 3
is still withheld, and the report says which occurrences were propagated. And pages that
cannot be checked (no text layer) make the whole document wait for review.
"""

from __future__ import annotations

import dataclasses

from .geometry import Box, BoxIndex, intersects, union
from .model import Action, Decision, Document, Finding, Plan, Redaction
from .values import POSITION_ONLY, FoldedText, ValueFinder, normalize as normalize_value
from .values import value_pattern  # noqa: F401 - planfile.py imports it from here

MIN_PROPAGATE_CHARS = 4  # shorter values ("Li", "Ng") would match inside too many words


def char_boxes_to_lines(boxes: list[Box]) -> list[Box]:
    """Group character boxes into lines (same baseline band, left to right; or same column,
    for text running up or down) and return one box per line."""
    return [union(line) for line in _char_lines(boxes)]


def _char_lines(boxes: list[Box]) -> list[list[Box]]:
    lines: list[list[Box]] = []
    for b in boxes:
        if lines:
            last = lines[-1][-1]
            h = max(last[3] - last[1], b[3] - b[1], 1e-6)
            same_band = abs((b[1] + b[3]) / 2 - (last[1] + last[3]) / 2) < 0.5 * h
            if same_band and b[0] >= last[0] - 0.5 * h:
                lines[-1].append(b)
                continue
            # A line running up or down the page (a sideways scan, rotated text): the next
            # character sits in the same column, a character's advance away.
            w = max(last[2] - last[0], b[2] - b[0], 1e-6)
            same_column = abs((b[0] + b[2]) / 2 - (last[0] + last[2]) / 2) < 0.25 * w
            if same_column and abs((b[1] + b[3]) / 2 - (last[1] + last[3]) / 2) < 1.5 * h:
                lines[-1].append(b)
                continue
        lines.append([b])
    return lines


def _boxes_for(document: Document, page: int, start: int, end: int) -> list[Box]:
    p = document.pages[page - 1]
    if p.char_boxes is None:  # a format without positions
        return []
    chosen = [p.char_boxes[i] for i in range(start, min(end, len(p.char_boxes)))
              if p.char_boxes[i] is not None and not p.text[i].isspace()]
    if not chosen:
        return []
    lines = _char_lines(chosen)
    if p.ocr is None:
        return [union(line) for line in lines]
    index = _char_index(p)
    out: list[Box] = []
    for line in lines:
        out.extend(_clear_of(line, index, start, end))
    return out


_CHAR_INDEXES: list[tuple[object, BoxIndex]] = []  # the last few pages' (char_boxes, index)


def _char_index(page) -> BoxIndex:
    """The page's character boxes (but spaces), indexed, each with its offset; kept for the
    last few pages a plan asked about (a page's redactions are planned one after another)."""
    for boxes, index in _CHAR_INDEXES:
        if boxes is page.char_boxes:
            return index
    index = BoxIndex((b, i) for i, b in enumerate(page.char_boxes) if b is not None and not page.text[i].isspace())
    _CHAR_INDEXES.insert(0, (page.char_boxes, index))
    del _CHAR_INDEXES[4:]
    return index


def _clear_of(line: list[Box], index: BoxIndex, start: int, end: int) -> list[Box]:
    """The box of an OCR line, or, where that box would also cover the text of a line above
    or below (a scanned line runs at a slant, and its box is upright: one end reaches into the
    next line's band, over a portion mark or a word kept), boxes of consecutive parts of the
    line, each as wide as it can be without covering that text. Every character's own box
    stays covered; text that a character's own box reaches is covered as before."""
    box = union(line)
    near = [b for b, i in index.near(box) if not start <= i < end and intersects(box, b)]
    if not near:
        return [box]
    avoid = [b for b in near if not any(intersects(c, b) for c in line)]
    if not avoid:
        return [box]
    pieces: list[Box] = []
    current: Box | None = None
    for c in line:
        grown = c if current is None else union([current, c])
        if current is not None and any(intersects(grown, b) for b in avoid):
            pieces.append(current)
            grown = c
        current = grown
    pieces.append(current)
    # the gap between two parts, at the height of the part on its left, where that is clear
    for i in range(len(pieces) - 1):
        a, b = pieces[i], pieces[i + 1]
        bridged = (a[0], a[1], max(a[2], b[0]), a[3])
        if not any(intersects(bridged, o) for o in avoid):
            pieces[i] = bridged
    return pieces


SPAN_ACTIONS = {Action.REDACT, Action.WITHHOLD_PORTION, Action.MASK, Action.PSEUDONYMISE}
VALUE_ACTIONS = {Action.REDACT, Action.MASK, Action.PSEUDONYMISE}  # withheld values that propagate


def masked_span(text: str, start: int, end: int, keep_last: int) -> tuple[int, int]:
    """The part of text[start:end] to withhold so that its last ``keep_last`` letters or
    digits stay visible ("512-43-7789" -> withhold "512-43-", keep "7789")."""
    kept = 0
    cut = end
    while cut > start and kept < keep_last:
        cut -= 1
        if text[cut].isalnum():
            kept += 1
    return start, cut


def build_plan(document: Document, decisions: list[Decision], policy_name: str, relpath: str = "") -> Plan:
    """The plan for one document on its own (phase 1). ``extend_plan`` later adds what the
    rest of the release set withholds (phase 2)."""
    withheld = _dedupe([d for d in decisions if d.action in SPAN_ACTIONS])
    kept = [d for d in decisions if d.action in (Action.KEEP, Action.FLAG)]
    withheld.extend(_propagate(document, withheld, withheld))
    withheld = [with_ocr_confidence(document, d) for d in withheld]
    kept = [with_ocr_confidence(document, d) for d in kept]
    withheld_pages: dict[int, Decision] = {}
    withheld_document = None
    for d in decisions:
        if d.action is Action.WITHHOLD_PAGE:
            withheld_pages.setdefault(d.finding.page, d)
        elif d.action is Action.WITHHOLD_DOCUMENT and withheld_document is None:
            withheld_document = d
    redactions, reasons = _redactions(document, withheld)
    # A picture of a format without positions (a DOCX's embedded image) that a region withholds
    # is withheld whole (its writer replaces it): nothing of it is left to check.
    whole = {r.page for r in redactions if r.decision.finding.is_region
             and document.pages[r.page - 1].char_boxes is None}
    for p in document.pages:
        if p.number in withheld_pages or p.number in whole:
            continue
        if not p.has_text_layer and (p.image_count or p.label) and p.ocr is None:
            where = f"page {p.number} ({p.label})" if p.label else f"page {p.number}"
            if p.image_count:
                reasons.append(f"{where} has no text layer (a scan?) and could not be read by OCR "
                               "(tesseract is not installed, or failed on it), so nothing on it could be checked")
            elif p.label:  # a part no format could read (an email attachment)
                reasons.append(f"{where}: nothing in it could be checked")
        kept.extend(_uncertain(redactions, p))
    return Plan(document=document, redactions=redactions, kept=kept, policy_name=policy_name,
                review_reasons=reasons, withheld_pages=withheld_pages, withheld_document=withheld_document,
                relpath=relpath)


def with_ocr_confidence(document: Document, d: Decision) -> Decision:
    """The decision with its finding's OCR confidence (lowest word confidence, 0-100) as the
    attribute ``ocr_confidence`` when the finding's text was read by OCR."""
    from .ocr import span_confidence

    f = d.finding
    if not (1 <= f.page <= len(document.pages)) or f.end <= f.start:
        return d
    page = document.pages[f.page - 1]
    if page.ocr is None or "ocr_confidence" in f.attributes:
        return d
    c = span_confidence(list(page.ocr.char_confidence), f.start, f.end)
    if c is None:
        return d
    return dataclasses.replace(d, finding=dataclasses.replace(f, attributes={**f.attributes, "ocr_confidence": round(c, 1)}))


def _uncertain(redactions: list[Redaction], page) -> list[Decision]:
    """Regions OCR read with low confidence that may hold personal data (handwriting, a stamp
    over a name): released as they are, but a reviewer must look at each (shown with its place)."""
    from .geometry import intersects
    from .ocr import uncertain_regions

    out = []
    withheld = [b for r in redactions if r.page == page.number for b in r.boxes]
    for start, end, box, conf in uncertain_regions(page):
        if any(intersects(box, b) for b in withheld):
            continue
        where = ", ".join(f"{v:.0f}" for v in box)
        f = Finding(page=page.number, start=start, end=end, text=page.text[start:end], entity="OCR_UNCERTAIN",
                    score=round(conf / 100.0, 3), recognizer="ocr",
                    explanation=f"read by OCR with {conf:.0f}% confidence", attributes={"ocr_confidence": round(conf, 1), "bbox": box})
        out.append(Decision(finding=f, action=Action.FLAG, rule="ocr-low-confidence", exemptions=[],
                            reason=f"page {page.number}: text at ({where}) could not be read with confidence "
                                   f"({conf:.0f}%); it may hold personal data: check the picture",
                            needs_review=True))
    return out


def _dedupe(decisions: list[Decision]) -> list[Decision]:
    """Several recognizers often find the same span: keep one decision per span and action,
    the most confident (the others add nothing to the release copy or the report)."""
    best: dict[tuple, Decision] = {}
    for d in decisions:
        key = (d.finding.page, d.finding.start, d.finding.end, d.finding.region, d.action)
        if key not in best or d.finding.score > best[key].finding.score:
            best[key] = d
    return list(best.values())


def _redactions(document: Document, decisions: list[Decision]) -> tuple[list[Redaction], list[str]]:
    """The redactions of ``decisions``, and why any of them cannot be placed (review)."""
    redactions: list[Redaction] = []
    reasons: list[str] = []
    for d in sorted(decisions, key=lambda d: (d.finding.page, d.finding.start, -d.finding.end)):
        f = d.finding
        if f.is_region:
            # A place, not text (a signature's picture or pen strokes): withheld by position,
            # whatever lies in it; no span of the page's text is withheld with it.
            redactions.append(Redaction(page=f.page, start=0, end=0, text="", boxes=[tuple(f.region)], decision=d))
            continue
        start, end = f.start, f.end
        if d.action is Action.MASK:
            start, end = masked_span(document.pages[f.page - 1].text, start, end, d.keep_last)
            if end <= start:
                continue
        boxes = _boxes_for(document, f.page, start, end)
        if document.pages[f.page - 1].char_boxes is not None and not boxes:
            reasons.append(f"page {f.page}: {f.entity} at characters {start}-{end} has no "
                           "position on the page")
            continue
        text = document.pages[f.page - 1].text[start:end]
        redactions.append(Redaction(page=f.page, start=start, end=end, text=text, boxes=boxes, decision=d))
    return redactions, reasons


def set_values(plan: Plan) -> list[tuple[str, Decision]]:
    """The values this document withholds that must be withheld across the release set.

    Stricter than within one document: a name must have two words or more (a lone "Type" or
    "Grant" tagged as a name in one record must not blank that word in every other record),
    other values six letters or digits or more."""
    out = []
    for r in plan.redactions:
        d = r.decision
        if d.action not in VALUE_ACTIONS or d.propagated or d.finding.entity in POSITION_ONLY:
            continue
        value = " ".join(d.finding.text.split())
        tokens = normalize_value(value).split()
        if d.finding.entity == "PERSON" and len(tokens) < 2:
            continue
        if sum(len(t) for t in tokens) < 6:
            continue
        out.append((value, d))
    return out


class SetValues:
    """The values withheld anywhere in a release set ((value, the document it came from, its
    decision), in set order), indexed once (per worker) by normalised value and its first
    token, so each document looks only at the values that can occur in it."""

    def __init__(self, values, sources: "dict[str, tuple[str, ...]] | None" = None):
        self.values = list(values)
        # Every document a value is withheld in, by normalised value, when ``values`` holds
        # one entry per normalised value (pipeline.SetBuilder); otherwise each entry's own.
        self.sources = sources or {}
        self.keys = [normalize_value(v) for v, _, _ in self.values]
        self.by_key: dict[str, list[int]] = {}
        self.by_first: dict[str, list[int]] = {}
        self.anywhere: list[int] = []  # keys FoldedText cannot rule out (non-ASCII)
        for i, key in enumerate(self.keys):
            self.by_key.setdefault(key, []).append(i)
            if key and key.isascii():
                self.by_first.setdefault(key.split(" ", 1)[0], []).append(i)
            else:
                self.anywhere.append(i)

    def __len__(self) -> int:
        return len(self.values)

    def sources_of(self, i: int) -> tuple[str, ...]:
        """The documents that withhold the value of entry ``i``."""
        return self.sources.get(self.keys[i]) or (self.values[i][1],)

    def candidates(self, document: Document) -> list[int]:
        """Indices (in set order) of the values whose pattern may match in ``document``: every
        one that does, and some that do not."""
        text = FoldedText(p.text for p in document.pages)
        found = set(self.anywhere)
        for token in text.vocabulary:
            for i in self.by_first.get(token, ()):
                if text.may_hold(self.keys[i]):
                    found.add(i)
        return sorted(found)


def extend_plan(plan: Plan, values: "list[tuple[str, str, Decision]] | SetValues", pseudonyms: dict[str, str]) -> Plan:
    """Phase 2: a new plan that also withholds here the values other documents of the release
    set withhold (``values``: value, the document it came from, its decision), and gives
    pseudonymised values the label assigned for the whole set."""
    index = values if isinstance(values, SetValues) else SetValues(values)
    own = {normalize_value(v) for v, _ in set_values(plan)}
    in_role = in_role_values(plan)
    # Values that cannot occur here are left out before propagation: all the values of one
    # normalised form go together, so _propagate finds exactly what it would have found.
    foreign = [index.values[i] for i in index.candidates(plan.document)
               if index.keys[i] not in own and index.values[i][1] != plan.relpath and index.keys[i] not in in_role]
    # A value this document keeps as an official acting in role (or the agency's own contact)
    # is not carried here from a document that withholds it (a law enforcement record, where
    # officers are withheld under (b)(7)(C)): this record ties the name to its office, with
    # evidence; the kept decision says so.
    sources = {key: srcs for key in sorted(set(in_role) - own)
               if (srcs := [s for i in index.by_key.get(key, ()) for s in index.sources_of(i) if s != plan.relpath])}
    kept = plan.kept
    if sources:
        kept = [dataclasses.replace(d, reason=f"{d.reason}; withheld in "
                                              f"{', '.join(sorted(set(sources[normalize_value(d.finding.text)])))}, "
                                              "not carried over: here acting in role")
                if normalize_value(d.finding.text) in sources and d.action is Action.KEEP
                and d.finding.attributes.get("role") in IN_ROLE and "not carried over" not in d.reason else d
                for d in plan.kept]
    redactions, reasons = list(plan.redactions), list(plan.review_reasons)
    if foreign:
        templates = []
        for v, src, d in foreign:
            f = dataclasses.replace(d.finding, page=0, start=0, end=0, text=v, recognizer="propagation",
                                    explanation=f"same value as withheld in {src}", analysis=None)
            templates.append(dataclasses.replace(d, finding=f))
        current = [r.decision for r in plan.redactions]
        extra = _propagate(plan.document, templates, current, cross_document=True)
        extra, why = _redactions(plan.document, [with_ocr_confidence(plan.document, d) for d in extra])
        redactions = sorted(redactions + extra, key=lambda r: (r.page, r.start, -r.end))
        reasons += why
    redactions = [dataclasses.replace(r, decision=dataclasses.replace(
                      r.decision, pseudonym=pseudonyms.get(normalize_value(r.decision.finding.text))))
                  if r.decision.action is Action.PSEUDONYMISE else r for r in redactions]
    return dataclasses.replace(plan, redactions=redactions, review_reasons=reasons, kept=kept)


IN_ROLE = ("official", "agency")  # finding attribute ``role`` (recognizers/officials.py)


def in_role_values(plan: Plan) -> dict[str, list[Decision]]:
    """The values ``plan`` keeps as an official acting in role or the agency's own contact
    (normalised value -> those kept decisions)."""
    out: dict[str, list[Decision]] = {}
    for d in plan.kept:
        if d.action is Action.KEEP and d.finding.attributes.get("role") in IN_ROLE:
            out.setdefault(normalize_value(d.finding.text), []).append(d)
    return out


def _propagate(document: Document, sources: list[Decision], already: list[Decision],
               cross_document: bool = False) -> list[Decision]:
    covered: dict[int, list[tuple[int, int]]] = {}
    for d in already:
        covered.setdefault(d.finding.page, []).append((d.finding.start, d.finding.end))
    extra: list[Decision] = []
    seen_values: set[str] = set()
    finders: dict[int, ValueFinder] = {}
    for d in sources:
        f = d.finding
        if f.entity in POSITION_ONLY or d.action not in VALUE_ACTIONS:
            continue
        value = " ".join(f.text.split())
        key = normalize_value(value)
        if key in seen_values or sum(ch.isalnum() for ch in value) < MIN_PROPAGATE_CHARS:
            continue
        seen_values.add(key)
        for page in document.pages:
            # what value_pattern(value).finditer(page.text) finds, without a pattern per value
            finder = finders.get(page.number)
            if finder is None:
                finder = finders[page.number] = ValueFinder(page.text)
            for start, end in finder.find(value):
                spans = covered.setdefault(page.number, [])
                if any(s <= start and end <= e for s, e in spans):
                    continue
                spans.append((start, end))
                why = f.explanation if cross_document else f"same value as withheld on page {f.page}"
                finding = Finding(page=page.number, start=start, end=end, text=page.text[start:end],
                                  entity=f.entity, score=f.score, recognizer="propagation", explanation=why)
                extra.append(dataclasses.replace(d, finding=finding, propagated=True))
    return extra
