"""`redactor run` end to end on the bundled sample records, with sockets blocked (pytest
addopts), checked with independent extractors and against fixtures/expected.yaml."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from redactor.cli import app
from redactor.report import report_schema

from conftest import RECORDS
from pdftools import all_texts, squeeze, xray_bad_redactions

EXPECTED = yaml.safe_load((RECORDS.parent / "expected.yaml").read_text())
runner = CliRunner()


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    src = tmp_path_factory.mktemp("in") / "records"
    shutil.copytree(RECORDS, src)
    before = {p: _sha(p) for p in src.rglob("*") if p.is_file()}
    out = tmp_path_factory.mktemp("out") / "release"
    result = runner.invoke(app, ["run", str(src), "--out", str(out)])
    return src, out, result, before


def test_run_succeeds_and_writes_everything(sample_run):
    src, out, result, _ = sample_run
    assert result.exit_code == 0, result.output
    assert "Release copies:" in result.output and "report.json" in result.output
    for stem in EXPECTED:
        for ext in (".txt", ".pdf"):
            assert (out / f"{stem}{ext}").is_file(), f"{stem}{ext} not released"
    assert (out / "report.json").is_file() and (out / "report.html").is_file()
    assert not (out / ".redactor-tmp").exists()


def test_inputs_never_modified(sample_run):
    src, _, _, before = sample_run
    assert {p: _sha(p) for p in src.rglob("*") if p.is_file()} == before


def test_report_is_valid_and_explains_every_redaction(sample_run):
    _, out, _, _ = sample_run
    report = json.loads((out / "report.json").read_text())
    jsonschema.validate(report, report_schema())
    assert report["summary"]["documents"] == 2 * len(EXPECTED) + 0
    for doc in report["documents"]:
        assert doc["status"] in ("redacted", "needs_review"), doc
        for r in doc["redactions"]:
            assert r["exemptions"] and r["reason"] and r["rule"]
            assert "withheld under" in r["reason"]
            if doc["format"] == "pdf":
                assert r["release_bbox"] and r["line"] >= 1, r
                assert not {"bbox", "start", "end", "length"} & set(r), r  # they would tell its length
    html = (out / "report.html").read_text()
    assert "(b)(6)" in html and "(b)(1)" in html
    # The report may sit in the release folder: it must not repeat a withheld value.
    for exp in EXPECTED.values():
        for value in exp["withhold"]:
            assert value not in html and value not in json.dumps(report)


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_pdf_release_copy_withholds_and_keeps(sample_run, stem):
    _, out, _, _ = sample_run
    path = out / f"{stem}.pdf"
    texts = all_texts(path)
    for name, text in texts.items():
        flat = squeeze(text)
        for value in EXPECTED[stem]["withhold"]:
            assert squeeze(value) not in flat, f"{name} extracts withheld {value!r} from {stem}.pdf"
        for value in EXPECTED[stem]["keep"]:
            assert squeeze(value) in flat, f"{name} lost kept {value!r} in {stem}.pdf"
    assert xray_bad_redactions(path) == {}
    import pikepdf

    with pikepdf.open(path) as pdf:
        assert "Whitfield" not in str(dict(pdf.docinfo)), "Info metadata not scrubbed"
        assert "/Metadata" not in pdf.Root


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_text_release_copy_withholds_and_keeps(sample_run, stem):
    _, out, _, _ = sample_run
    text = (out / f"{stem}.txt").read_text()
    for value in EXPECTED[stem]["withhold"]:
        assert value not in text
    for value in EXPECTED[stem]["keep"]:
        assert value in text
    assert "[WITHHELD (b)(" in text


@pytest.mark.slow
def test_bad_files_fail_alone(tmp_path, records_copy):
    (records_copy / "corrupt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage \x00\xff")
    (records_copy / "notes.pdf").write_text("this is not a pdf at all")
    (records_copy / "letter.docx").write_bytes(b"PK\x03\x04 not really a docx")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(records_copy), "--out", str(out)])
    assert result.exit_code == 1
    report = json.loads((out / "report.json").read_text())
    jsonschema.validate(report, report_schema())
    by_name = {Path(d["source"]).name: d for d in report["documents"]}
    for bad in ("corrupt.pdf", "notes.pdf", "letter.docx"):
        assert by_name[bad]["status"] == "failed" and by_name[bad]["error"], by_name[bad]
        assert by_name[bad]["output"] is None and not (out / bad).exists()
        assert bad in result.output or bad in (result.stderr if hasattr(result, "stderr") else "")
    assert by_name["notes.pdf"]["error"] == "not a PDF: no %PDF header"
    released = [d for d in report["documents"] if d["status"] in ("redacted", "needs_review")]
    assert len(released) == 2 * len(EXPECTED)


def test_outdir_inside_input_is_refused(records_copy):
    result = runner.invoke(app, ["run", str(records_copy), "--out", str(records_copy / "release")])
    assert result.exit_code == 2
    assert "inside input folder" in result.output
    assert not (records_copy / "release").exists()


@pytest.mark.slow
def test_single_file_goes_to_outdir_by_name(tmp_path):
    out = tmp_path / "o"
    src = RECORDS / "police" / "incident-report-2023-0417.txt"
    result = runner.invoke(app, ["run", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "incident-report-2023-0417.txt").is_file()
    written = {p.relative_to(out) for p in out.rglob("*") if p.is_file()}
    assert {p for p in written if p.parts[0] != "NOT-FOR-RELEASE"} == {
        Path("incident-report-2023-0417.txt"), Path("report.json"), Path("report.html"),
        Path("withholding-log.csv"), Path("withholding-log.html"),
        # the run's own bookkeeping (tests/test_manifest.py, tests/test_audit.py)
        Path("manifest.jsonl"), Path("audit.jsonl"), Path(".audit-head"), Path(".redactor.lock")}
    assert Path("NOT-FOR-RELEASE/report.html") in written


def test_bad_policy_stops_before_running(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("policy: x\nrules:\n  - id: r1\n    action: shred\n")
    result = runner.invoke(app, ["run", str(RECORDS), "--out", str(tmp_path / "o"), "--policy", str(bad)])
    assert result.exit_code == 3
    assert "bad.yaml:4" in result.output and "shred" in result.output
    assert not (tmp_path / "o").exists()


def test_golden_report_for_incident_report(tmp_path):
    """The report for one record is stable; regenerate with REDACTOR_UPDATE_GOLDEN=1."""
    import os

    out = tmp_path / "o"
    src = RECORDS / "police" / "incident-report-2023-0417.txt"
    result = runner.invoke(app, ["run", str(src), "--out", str(out)])
    assert result.exit_code == 0
    report = json.loads((out / "report.json").read_text())
    report["created"] = "<created>"
    report["audit_head"] = "<audit head>" if report["audit_head"] else None
    for d in report["documents"]:
        d["source"] = Path(d["source"]).name
    golden = Path(__file__).parent / "golden" / "report-incident.json"
    if os.environ.get("REDACTOR_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    assert report == json.loads(golden.read_text())


@pytest.mark.slow
def test_keep_positions_option_and_job_key(tmp_path):
    """By default boxes on PDF lines get standard widths; --keep-positions, or keep_positions
    in a job file, keeps every box exactly on its text (so the boxes differ between the two)."""
    src = RECORDS / "hr" / "memo-personnel-action.pdf"
    runner.invoke(app, ["run", str(src), "--out", str(tmp_path / "a")])
    default = json.loads((tmp_path / "a" / "report.json").read_text())["documents"][0]["redactions"]
    job = tmp_path / "job.yaml"
    job.write_text(yaml.safe_dump({"inputs": [str(src)], "out": str(tmp_path / "b"), "keep_positions": True}))
    for args in (["run", str(src), "--out", str(tmp_path / "c"), "--keep-positions"], ["run", "--job", str(job)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    kept = {out: json.loads((tmp_path / out / "report.json").read_text())["documents"][0]["redactions"]
            for out in ("b", "c")}
    assert kept["b"] and kept["b"] == kept["c"]
    assert len(kept["c"]) == len(default)
    assert any(k["release_bbox"] != d["release_bbox"] for k, d in zip(kept["c"], default))
