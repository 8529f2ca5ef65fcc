"""Plain text: read as one page (UTF-8, or cp1252 for older files), write with each withheld
span replaced by a fixed-width placeholder naming its exemptions (through presidio-anonymizer's
operators), verify by searching the written text again for every withheld value."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BadInputError
from ..model import Document, Page, Plan, Redaction
from ..values import find_values, withheld_values
from .base import DocumentFormat, WriteResult

if TYPE_CHECKING:  # pragma: no cover
    from ..settings import Settings

TEXT_SUFFIXES = (".txt", ".text", ".md")


class TextFormat(DocumentFormat):
    name = "text"
    description = "plain text"
    suffixes = TEXT_SUFFIXES

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        return path.suffix.lower() in TEXT_SUFFIXES and b"\x00" not in head

    @classmethod
    def mismatch(cls, head: bytes, path: Path) -> str | None:
        return "not text: binary content" if path.suffix.lower() in TEXT_SUFFIXES else None

    def read(self, path: Path, settings: "Settings") -> Document:
        return read_text(path)

    def write(self, plan: Plan, out_path: Path, settings: "Settings") -> WriteResult:
        return WriteResult(notes=tuple(write_text(plan, out_path)))

    def verify(self, plan: Plan, out_path: Path, written: WriteResult) -> list[str]:
        return verify_text_output(out_path, plan)


def read_text(path: Path) -> Document:
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise BadInputError("binary file, not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return Document(source=path, format=TextFormat.name, pages=[Page(number=1, text=text, char_boxes=None)],
                    sha256=hashlib.sha256(raw).hexdigest())


def text_placeholder(codes: str, pseudonym: str | None = None) -> str:
    # Fixed width whatever the withheld length: the placeholder must not encode the value.
    if pseudonym:  # "[Person 3 (b)(6)]": the same person has the same label across the set
        return f"[{pseudonym} {codes}]"
    return f"[WITHHELD {codes}]"


def merged_spans(redactions: list[Redaction]) -> list[tuple[int, int, str, str | None]]:
    """Overlapping withheld spans of one page merged; the label lists their exemption codes
    in order (a pseudonymised span keeps its pseudonym when nothing overlaps it)."""
    spans: list[tuple[int, int, list[Redaction]]] = []
    for r in sorted(redactions, key=lambda r: (r.start, -r.end)):
        if spans and r.start < spans[-1][1]:
            s, e, rs = spans[-1]
            spans[-1] = (s, max(e, r.end), rs + [r])
        else:
            spans.append((r.start, r.end, [r]))
    out = []
    for s, e, rs in spans:
        codes: list[str] = []
        for r in rs:
            codes += [c for c in r.decision.exemptions if c not in codes]
        pseudonym = rs[0].decision.pseudonym if len(rs) == 1 else None
        out.append((s, e, "; ".join(codes), pseudonym))
    return out


def write_text(plan: Plan, out_path: Path) -> list[str]:
    page = plan.document.pages[0]
    if page.number in plan.withheld_pages:
        codes = "; ".join(plan.withheld_pages[page.number].exemptions)
        with open(out_path, "w", encoding="utf-8", newline="") as fh:
            fh.write(f"[DOCUMENT TEXT WITHHELD IN FULL UNDER {codes}]\n")
        return ["text withheld in full"]
    with open(out_path, "w", encoding="utf-8", newline="") as fh:
        fh.write(anonymize(page.text, merged_spans(plan.redactions)))
    return []


def anonymize(text: str, spans: list[tuple[int, int, str, str | None]]) -> str:
    """``text`` with each withheld span (start, end, exemption codes, pseudonym) replaced, through
    presidio-anonymizer's operators as a Presidio user knows them: ``replace`` with the
    fixed-width placeholder, and a ``custom`` operator for set-wide pseudonyms. Each span is its
    own entity, so Presidio never merges neighbouring spans."""
    if not spans:
        return text
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    results, operators = [], {}
    for i, (s, e, codes, pseudonym) in enumerate(spans):
        key = f"WITHHELD_{i}"
        results.append(RecognizerResult(entity_type=key, start=s, end=e, score=1.0))
        if pseudonym:
            label = text_placeholder(codes, pseudonym)
            operators[key] = OperatorConfig("custom", {"lambda": lambda _value, label=label: label})
        else:
            operators[key] = OperatorConfig("replace", {"new_value": text_placeholder(codes)})
    return AnonymizerEngine().anonymize(text=text, analyzer_results=results, operators=operators).text


def verify_text_output(out_path: Path, plan: Plan) -> list[str]:
    text = out_path.read_text(encoding="utf-8")
    return [f"withheld value still present in text: {v.where}" for v in find_values(text, withheld_values(plan))]
