"""The withholding log (Vaughn index) a requester is sent: one row per withheld item with
where, extent, exemption, statute, category, a description and the justification -- and never
a withheld value. Also the release summary (pages released in full / in part / withheld)."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
import yaml
from typer.testing import CliRunner

from redactor.cli import app
from redactor.release_summary import release_summary
from redactor.withholding_log import FIELDS, policy_version, withholding_rows

from conftest import RECORDS

EXPECTED = yaml.safe_load((RECORDS.parent / "expected.yaml").read_text())
runner = CliRunner()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    src = tmp_path_factory.mktemp("in")
    shutil.copytree(RECORDS, src / "records")
    out = tmp_path_factory.mktemp("out") / "release"
    result = runner.invoke(app, ["run", str(src / "records"), "--out", str(out), "--no-review-report"])
    assert result.exit_code == 0, result.output
    return src / "records", out


def _rows(out):
    with open(out / "withholding-log.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_log_never_holds_a_withheld_value(run):
    _, out = run
    texts = [(out / "withholding-log.csv").read_text(), (out / "withholding-log.html").read_text()]
    for stem, exp in EXPECTED.items():
        for value in exp["withhold"]:
            for text in texts:
                assert value not in text and value.lower() not in text.lower(), stem
                # Nor split over a line break or with other spacing.
                assert " ".join(value.split()) not in " ".join(text.split())


def test_one_row_per_redaction_with_every_column(run):
    _, out = run
    report = json.loads((out / "report.json").read_text())
    rows = _rows(out)
    assert list(rows[0]) == FIELDS
    assert len(rows) == sum(d["redaction_count"] for d in report["documents"])
    for r in rows:
        assert r["extent"] == "withheld in part"
        assert r["exemptions"] and r["statute"].startswith("5 U.S.C. 552")
        assert r["category"] and r["description"] and r["justification"]
        assert r["policy_version"].startswith("us-foia sha256:")
        assert r["location"]
    # Every exemption of the report appears with its count.
    by_code: dict[str, int] = {}
    for r in rows:
        for c in r["exemptions"].split("; "):
            by_code[c] = by_code.get(c, 0) + 1
    assert by_code == report["summary"]["by_exemption"]


def test_text_locations_name_the_right_line(run):
    """For a text record, the line named in the log is the line of the source that held the
    withheld item, and the same line of the release copy carries its label (checked against
    the files, without the log ever holding the value)."""
    src, out = run
    report = json.loads((out / "report.json").read_text())
    rows = [r for r in _rows(out) if r["document"] == "police/incident-report-2023-0417.txt"]
    doc = next(d for d in report["documents"] if d["output"] == "police/incident-report-2023-0417.txt")
    source = (src / "police" / "incident-report-2023-0417.txt").read_text().splitlines()
    released = (out / "police" / "incident-report-2023-0417.txt").read_text().splitlines()
    assert rows and len(rows) == len(doc["redactions"]) and len(source) == len(released)
    for row, red in zip(rows, sorted(doc["redactions"], key=lambda r: (r["page"], int(r["id"][1:])))):
        n = int(row["location"].split()[1])
        assert n == red["line"] and red["label"] in released[n - 1]
        assert released[n - 1] != source[n - 1]


def test_pdf_locations_say_where_on_the_page(run):
    _, out = run
    rows = [r for r in _rows(out) if r["document"].endswith(".pdf")]
    assert rows and all(r["location"].split()[0] in ("top", "middle", "bottom") for r in rows)
    # The memo's classified portions sit in the middle of page 1.
    memo = [r for r in rows if r["document"] == "classified/memo-port-security.pdf"]
    assert memo and {r["location"].split()[0] for r in memo} == {"middle"}


def test_withheld_document_row(tmp_path, policy):
    report = {"policy": {"name": "p", "title": "t", "source": "x"}, "created": "now", "documents": [
        {"source": "/in/a.pdf", "output": None, "format": "pdf", "status": "withheld", "pages": 3,
         "withheld_pages": [], "redactions": [], "kept": [],
         "withheld_in_full": {"exemptions": ["(b)(5)"], "rule": "drafts", "reason": "Draft withheld under (b)(5)"}},
        {"source": "/in/b.pdf", "output": None, "format": "pdf", "status": "failed", "pages": 1,
         "withheld_pages": [], "redactions": [], "kept": []}]}
    rows = withholding_rows(report, policy, None)
    assert len(rows) == 1  # a failed document released nothing and is not in the log
    assert rows[0]["extent"] == "document withheld in full" and rows[0]["exemptions"] == "(b)(5)"
    assert rows[0]["statute"] == "5 U.S.C. 552(b)(5)"


def test_policy_version_changes_with_the_policy(tmp_path):
    from redactor.policy import load_policy

    src = RECORDS.parent.parent / "redactor" / "policies" / "us-foia.yaml"
    a = tmp_path / "a.yaml"
    a.write_text(src.read_text())
    v1 = policy_version(load_policy(a))
    a.write_text(src.read_text() + "\n# edited\n")
    assert policy_version(load_policy(a)) != v1


def _doc(status, pages, output=True, reds=(), withheld_pages=()):
    return {"status": status, "pages": pages, "output": "x" if output else None, "withheld_pages": list(withheld_pages),
            "redactions": [{"page": p, "exemptions": codes} for p, codes in reds]}


def test_release_summary_counts():
    docs = [
        _doc("redacted", 5, reds=[(1, ["(b)(6)"]), (1, ["(b)(6)"]), (3, ["(b)(1)", "(b)(6)"])], withheld_pages=[4]),
        _doc("unchanged", 2),
        _doc("failed", 7, output=False),
        _doc("needs_review", 3, output=False),
        _doc("needs_review", 1, reds=[(1, ["(b)(7)(C)"])]),
        dict(_doc("withheld", 4, output=False), withheld_in_full={"exemptions": ["(b)(5)"], "rule": "r", "reason": "x"}),
    ]
    s = release_summary(docs)
    assert s["pages"] == {"released_in_full": 2 + 2, "released_in_part": 2 + 1, "withheld_in_full": 1 + 4,
                          "not_released": 7 + 3}
    assert s["documents"] == {"released": 3, "withheld_in_full": 1, "failed": 1, "needs_review": 2}
    assert s["by_exemption"]["(b)(6)"] == {"redactions": 3, "pages": 2, "documents": 1}
    assert s["by_exemption"]["(b)(5)"] == {"redactions": 0, "pages": 4, "documents": 1}
    assert s["by_exemption"]["(b)(1)"] == {"redactions": 1, "pages": 1, "documents": 1}


def test_release_summary_in_report_adds_up(run):
    _, out = run
    report = json.loads((out / "report.json").read_text())
    rel = report["summary"]["release"]
    assert sum(rel["pages"].values()) == report["summary"]["pages"]
    assert rel["pages"]["released_in_part"] > 0
    assert "Release summary" in (out / "report.html").read_text()


def test_page_withheld_in_full_row_says_why(tmp_path):
    """A policy that withholds the whole page holding an SSN: the log's row for that page
    gives the exemption and the justification (scan + apply keep the page's decision)."""
    pol = tmp_path / "pages.yaml"
    pol.write_text("policy: pages\ntitle: pages\nextends: us-foia\nrules:\n"
                   "  - id: ssn-page\n    entities: [US_SSN]\n    action: withhold_page\n"
                   "    exemptions: [\"(b)(6)\"]\n")
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(RECORDS / "police" / "incident-report-2023-0417.pdf", src)
    work, out = tmp_path / "scan", tmp_path / "release"
    assert runner.invoke(app, ["scan", str(src), "--out", str(work), "--policy", str(pol)]).exit_code == 0
    r = runner.invoke(app, ["apply", str(work), "--out", str(out)])
    assert r.exit_code in (0, 4), r.output
    rows = [x for x in _rows(out) if x["extent"] == "page withheld in full"]
    assert rows, "the page with the SSN is withheld in full"
    for x in rows:
        # The record is a police incident report (recognised by its content, wherever it is
        # filed): us-foia's law-enforcement override turns the rule's (b)(6) into (b)(7)(C).
        assert x["exemptions"] == "(b)(7)(C)" and x["statute"] == "5 U.S.C. 552(b)(7)(C)" and x["justification"]
        assert "512-43-7789" not in json.dumps(x)
