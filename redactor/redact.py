"""Application: write a release copy from a plan, in the document's own format, and check it.

Format-specific work sits behind two functions per format (write, verify); a new format
touches this table, one writer module and its tests.
"""

from __future__ import annotations

from pathlib import Path

from .model import Plan, Redaction
from .verify import verify_pdf_output, verify_text_output


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


def write_text(plan: Plan, out_path: Path) -> tuple[list[str], dict]:
    page = plan.document.pages[0]
    if page.number in plan.withheld_pages:
        codes = "; ".join(plan.withheld_pages[page.number].exemptions)
        with open(out_path, "w", encoding="utf-8", newline="") as fh:
            fh.write(f"[DOCUMENT TEXT WITHHELD IN FULL UNDER {codes}]\n")
        return ["text withheld in full"], {}
    text = page.text
    out = []
    pos = 0
    for s, e, codes, pseudonym in merged_spans(plan.redactions):
        out.append(text[pos:s])
        out.append(text_placeholder(codes, pseudonym))
        pos = e
    out.append(text[pos:])
    with open(out_path, "w", encoding="utf-8", newline="") as fh:
        fh.write("".join(out))
    return [], {}


def write_release_copy(plan: Plan, out_path: Path, password: str = "", flatten: bool = False,
                       keep_positions: bool = False) -> tuple[list[str], dict]:
    if plan.document.format == "pdf":
        from .pdf_redact import write_pdf

        return write_pdf(plan, out_path, password=password, flatten=flatten,
                         defend_positions=not keep_positions)
    return write_text(plan, out_path)


def verify_release_copy(plan: Plan, out_path: Path, drawn_labels: dict) -> list[str]:
    if plan.document.format == "pdf":
        return verify_pdf_output(out_path, plan, drawn_labels)
    return verify_text_output(out_path, plan)
