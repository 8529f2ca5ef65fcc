"""Withheld values never leave through messages: a ``Withheld`` says where, never what; a
batch whose verification fails on purpose names pages and redaction ids, and no withheld
value reaches stdout, stderr, report.json, report.html or the withholding log. And the
verifier does not fail a document for a line of a withheld portion that the record also
keeps elsewhere, while staying strict for values withheld for what they are."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

from typer.testing import CliRunner

from redactor.cli import app
from redactor.formats.pdf import PdfFormat
from redactor.formats.text import TextFormat
from redactor.ingest import discover
from redactor.model import Action, Decision, Document, Finding, Page, Plan, Redaction
from redactor.pipeline import plan_document
from redactor.values import Withheld, find_values, withheld_values

from conftest import RECORDS

runner = CliRunner()  # stdout and stderr apart


def test_withheld_str_repr_format_say_where_never_what():
    v = Withheld("Patricia Nguyen", "page 2, redaction r5 (PERSON)")
    for shown in (str(v), repr(v), f"{v}", f"{v!r}", "%s" % v, str([v]), str({"x": v})):
        assert "Patricia" not in shown and "Nguyen" not in shown
        assert "page 2, redaction r5 (PERSON)" in shown
    assert v.reveal() == "Patricia Nguyen"
    assert pickle.loads(pickle.dumps(v)).reveal() == "Patricia Nguyen"  # plans travel to workers


def _leave_everything(self, plan, out_path, settings):
    """A broken writer: the release copy is the input, unchanged."""
    from redactor.formats.base import WriteResult

    shutil.copyfile(plan.document.source, out_path)
    return WriteResult()


def test_failed_verification_leaks_no_value(tmp_path, monkeypatch, settings, policy):
    src = tmp_path / "in"
    src.mkdir()
    for rel in ("police/incident-report-2023-0417.txt", "police/incident-report-2023-0417.pdf",
                "hr/memo-personnel-action.pdf"):
        shutil.copyfile(RECORDS / rel, src / Path(rel).name)
    # The values the plans withhold, as the verifier will look for them.
    values = set()
    for f in discover([src], tmp_path / "probe"):
        values.update(v.reveal() for v in withheld_values(plan_document(f, settings, policy)))
    assert len(values) >= 10
    monkeypatch.setattr(TextFormat, "write", _leave_everything)  # inherited by forked workers
    monkeypatch.setattr(PdfFormat, "write", _leave_everything)
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(src), "--out", str(out), "--no-review-report"])
    assert result.exit_code == 1
    report = json.loads((out / "report.json").read_text())
    assert {d["status"] for d in report["documents"]} == {"failed"}
    for d in report["documents"]:
        assert d["error"].startswith("verification failed: ")
        assert "redaction r" in d["error"] or "redaction boxes (r" in d["error"], d["error"]
    assert not [p for p in out.glob("*") if p.suffix in (".pdf", ".txt")]  # nothing released
    outputs = {"stdout": result.stdout, "stderr": result.stderr,
               "report.json": (out / "report.json").read_text(), "report.html": (out / "report.html").read_text()}
    outputs.update({p.name: p.read_text() for p in out.glob("withholding-log.*")})
    assert "verification failed" in outputs["stderr"] + outputs["stdout"]
    for name, text in outputs.items():
        assert find_values(text, sorted(values), strict=True) == [], name


def _plan(text: str, spans: list[tuple[int, int, str]]) -> Plan:
    doc = Document(Path("memo.txt"), "text", [Page(1, text, None)], "0" * 64)
    redactions = []
    for start, end, entity in spans:
        f = Finding(page=1, start=start, end=end, text=text[start:end], entity=entity, score=1.0, recognizer="t")
        d = Decision(finding=f, action=Action.WITHHOLD_PORTION if "PORTION" in entity else Action.REDACT,
                     rule="t", exemptions=["(b)(1)"], reason="t")
        redactions.append(Redaction(page=1, start=start, end=end, text=text[start:end], boxes=[], decision=d))
    return Plan(document=doc, redactions=redactions, kept=[], policy_name="t")


KEPT_LINE = "Deputy Director Alan Whitcombe, Office of Security"
MEMO = (f"(U) Signed for the agency by\n{KEPT_LINE}\n\n"
        f"(S//NF) The port survey was briefed on 4 May by\n{KEPT_LINE}\nto the allied liaison officers.\n")


def test_portion_line_also_kept_elsewhere_does_not_fail_verification(tmp_path):
    start = MEMO.index("(S//NF)")
    plan = _plan(MEMO, [(start, len(MEMO), "CLASSIFIED_PORTION")])
    values = withheld_values(plan)
    line = next(v for v in values if v.reveal() == KEPT_LINE)
    assert line.allowed == 1  # stands once in the kept text
    out = tmp_path / "memo.txt"
    TextFormat().write(plan, out, None)
    assert TextFormat().verify(plan, out, None) == []
    # ...but a copy that still holds the portion fails, saying where and not what.
    out.write_text(MEMO, encoding="utf-8")
    problems = TextFormat().verify(plan, out, None)
    assert problems and all("page 1, redaction r1 (CLASSIFIED_PORTION)" in p for p in problems)
    assert not any("Whitcombe" in p or "port survey" in p for p in problems)


def test_values_withheld_for_what_they_are_stay_strict(tmp_path):
    """A name withheld as a value may not remain anywhere, even where the plan keeps text."""
    name = "Alan Whitcombe"
    first = MEMO.index(name)
    plan = _plan(MEMO, [(first, first + len(name), "PERSON")])
    (v,) = withheld_values(plan)
    assert v.allowed == 0
    out = tmp_path / "memo.txt"
    TextFormat().write(plan, out, None)  # only the first occurrence is in the plan
    problems = TextFormat().verify(plan, out, None)
    assert problems == ["withheld value still present in text: page 1, redaction r1 (PERSON)"]
