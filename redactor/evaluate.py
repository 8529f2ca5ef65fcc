"""`redactor eval`: precision, recall and F2 of detection on the labelled set in fixtures/eval,
per entity type and overall, beside Presidio's default recognizers on the same texts.

Scoring is about withholding, not tagging: a labelled span counts as found when predictions
of its type cover at least 90 % of its letters and digits (a half-covered name is a leak);
a prediction counts as correct when at least half of it lies on a labelled span of its type.
F2 weighs recall four times as much as precision, as a redaction tool must.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .model import Document, Page

MARKUP = re.compile(r"\[\[([A-Z_]+)\|(.*?)\]\]", re.S)

# Our entity types -> the labelled set's types.
OURS = {"US_STREET_ADDRESS": "ADDRESS", "UK_ADDRESS": "ADDRESS", "STREET_ADDRESS": "ADDRESS", "UNMARKED_PORTION": "CLASSIFIED_PORTION"}
# Presidio's default types -> the labelled set's types (DATE_TIME stands for DATE_OF_BIRTH and
# LOCATION for ADDRESS: Presidio has neither, and a user of its defaults would use these).
PRESIDIO = {"DATE_TIME": "DATE_OF_BIRTH", "LOCATION": "ADDRESS", "US_BANK_NUMBER": "US_BANK_NUMBER",
            "UK_NINO": "UK_NINO", "NHS": "UK_NHS", "UK_NHS": "UK_NHS", "ABA_ROUTING_NUMBER": "US_BANK_ROUTING"}

TARGETS = {"markings": 0.99, "checksum": 0.99, "names_addresses": 0.95, "precision": 0.92}
MARKING_TYPES = {"CLASSIFICATION_BANNER", "PORTION_MARK", "CLASSIFIED_PORTION", "CLASSIFICATION_AUTHORITY",
                 "CUI_DESIGNATION"}
CHECKSUM_TYPES = {"US_SSN", "US_ITIN", "US_EIN", "US_BANK_ROUTING", "CREDIT_CARD", "VIN", "UK_NHS", "UK_NINO"}


@dataclass
class Example:
    name: str
    text: str
    gold: list[tuple[int, int, str]]


def load_set(folder: Path) -> list[Example]:
    examples = []
    for path in sorted(folder.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        out, gold, pos = [], [], 0
        for m in MARKUP.finditer(raw):
            out.append(raw[pos:m.start()])
            start = sum(len(p) for p in out)
            out.append(m.group(2))
            gold.append((start, start + len(m.group(2)), m.group(1)))
            pos = m.end()
        out.append(raw[pos:])
        examples.append(Example(path.name, "".join(out), gold))
    return examples


@dataclass
class Score:
    gold: int = 0
    found: int = 0
    predicted: int = 0
    correct: int = 0

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else float("nan")

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else float("nan")

    @property
    def f2(self) -> float:
        p, r = self.precision, self.recall
        if not (p == p and r == r) or (4 * p + r) == 0:
            return float("nan")
        return 5 * p * r / (4 * p + r)


@dataclass
class Result:
    by_type: dict[str, Score] = field(default_factory=dict)
    overall: Score = field(default_factory=Score)


def _alnum_positions(text: str, start: int, end: int) -> set[int]:
    return {i for i in range(start, end) if text[i].isalnum()}


def _is_found(ex: Example, gs: int, ge: int, gt: str, preds) -> bool:
    need = _alnum_positions(ex.text, gs, ge)
    covered: set[int] = set()
    for ps, pe, pt in preds:
        if pt == gt:
            covered |= _alnum_positions(ex.text, max(gs, ps), min(ge, pe))
    return bool(need) and len(covered & need) >= 0.9 * len(need)


def _is_correct(ex: Example, ps: int, pe: int, pt: str) -> bool:
    length = max(1, pe - ps)
    return any(gt == pt and min(pe, ge) - max(ps, gs) >= 0.5 * length for gs, ge, gt in ex.gold)


def score(examples: list[Example], predictions: list[list[tuple[int, int, str]]]) -> Result:
    res = Result()
    types = {t for ex in examples for *_, t in ex.gold}
    for ex, preds in zip(examples, predictions):
        preds = [p for p in preds if p[2] in types]
        for gs, ge, gt in ex.gold:
            s = res.by_type.setdefault(gt, Score())
            s.gold += 1
            s.found += _is_found(ex, gs, ge, gt, preds)
        for ps, pe, pt in preds:
            s = res.by_type.setdefault(pt, Score())
            s.predicted += 1
            s.correct += _is_correct(ex, ps, pe, pt)
    for s in res.by_type.values():
        for k in ("gold", "found", "predicted", "correct"):
            setattr(res.overall, k, getattr(res.overall, k) + getattr(s, k))
    return res


def predict_ours(examples: list[Example], settings, min_score: float | None = None) -> list[list[tuple[int, int, str]]]:
    """What the product would withhold or mark: detection, findings at or above the policy's
    detection floor, and the other occurrences of each value found (in-document propagation,
    as plan.py does)."""
    from .detect import detect
    from .plan import MIN_PROPAGATE_CHARS
    from .values import value_pattern
    from .policy import load_policy

    floor = load_policy().min_score if min_score is None else min_score
    out = []
    for ex in examples:
        doc = Document(Path(ex.name), "text", [Page(1, ex.text, None)], "0" * 64)
        found = [f for f in detect(doc, settings) if f.score >= floor]
        preds = [(f.start, f.end, OURS.get(f.entity, f.entity)) for f in found]
        for f in found:
            if f.entity in MARKING_TYPES:
                continue
            if sum(ch.isalnum() for ch in f.text) < MIN_PROPAGATE_CHARS:
                continue
            pat = value_pattern(f.text)
            for m in pat.finditer(ex.text) if pat else []:
                # An occurrence inside another withheld value (a name inside an email address)
                # adds nothing: the product withholds it as part of that value.
                if any(s <= m.start() and m.end() <= e and (s, e) != (m.start(), m.end())
                       for s, e, _ in preds):
                    continue
                preds.append((m.start(), m.end(), OURS.get(f.entity, f.entity)))
        out.append(sorted(set(preds)))
    return out


def predict_presidio_default(examples: list[Example], model: str,
                             min_score: float = 0.4) -> list[list[tuple[int, int, str]]]:
    """Presidio's AnalyzerEngine with its predefined recognizers and default settings. The
    spaCy model is the one installed here (Presidio's default en_core_web_lg is not)."""
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from .detect import _offline_tldextract

    _offline_tldextract()
    nlp = NlpEngineProvider(nlp_configuration={"nlp_engine_name": "spacy",
                                               "models": [{"lang_code": "en", "model_name": model}]}).create_engine()
    engine = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])
    out = []
    for ex in examples:
        out.append([(r.start, r.end, PRESIDIO.get(r.entity_type, r.entity_type))
                    for r in engine.analyze(text=ex.text, language="en") if r.score >= min_score])
    return out


def targets_met(res: Result) -> list[str]:
    """Which of the issue's targets the result misses (empty: all met)."""
    missed = []
    for t, s in res.by_type.items():
        if not s.gold:
            continue
        want = (TARGETS["markings"] if t in MARKING_TYPES else TARGETS["checksum"] if t in CHECKSUM_TYPES
                else TARGETS["names_addresses"] if t in ("PERSON", "ADDRESS") else None)
        if want is not None and s.recall < want:
            missed.append(f"{t} recall {s.recall:.3f} < {want}")
    if res.overall.precision < TARGETS["precision"]:
        missed.append(f"overall precision {res.overall.precision:.3f} < {TARGETS['precision']}")
    return missed


def errors(examples: list[Example], predictions, types: set[str] | None = None) -> list[str]:
    """Missed labelled spans and wrong predictions, for tuning (``redactor eval --errors``)."""
    lines = []
    gold_types = {t for ex in examples for *_, t in ex.gold}
    for ex, preds in zip(examples, predictions):
        preds = [p for p in preds if p[2] in gold_types]
        for gs, ge, gt in ex.gold:
            if not (types and gt not in types) and not _is_found(ex, gs, ge, gt, preds):
                lines.append(f"MISSED {gt:22s} {ex.name}: {ex.text[gs:ge]!r}")
        for ps, pe, pt in preds:
            if not (types and pt not in types) and not _is_correct(ex, ps, pe, pt):
                lines.append(f"WRONG  {pt:22s} {ex.name}: {ex.text[ps:pe]!r}")
    return lines
