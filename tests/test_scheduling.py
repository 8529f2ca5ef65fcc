"""For schedulers: `--json` writes one JSON line per document event and nothing else on
stdout, `--quiet` prints nothing when all is well, exit codes stay as documented, and the
job file takes every option of `redactor run`."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from typer.testing import CliRunner

from redactor.cli import app
from redactor.report import report_schema

runner = CliRunner()


def _inputs(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    (src / "note.txt").write_text("Call Rosalind Achterberg at 217-555-0143 about the permit.\n")
    (src / "broken.pdf").write_bytes(b"not a pdf at all")
    return src


def test_json_lines_one_per_event_and_nothing_else(tmp_path):
    r = runner.invoke(app, ["run", str(_inputs(tmp_path)), "--out", str(tmp_path / "o"), "--json", "-j", "1",
                            "--no-review-report"])
    assert r.exit_code == 1  # one document failed: the documented code
    events = [json.loads(line) for line in r.stdout.splitlines()]  # every line is JSON
    kinds = [e["event"] for e in events]
    assert kinds.count("done") == 2 and kinds[-1] == "run"
    done = {Path(e["source"]).name: e for e in events if e["event"] == "done"}
    assert done["note.txt"]["status"] == "redacted" and done["note.txt"]["output"] == "note.txt"
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    entry = next(d for d in report["documents"] if d["output"] == "note.txt")
    assert done["note.txt"]["counts_by_exemption"] == entry["counts_by_exemption"] != {}
    assert done["note.txt"]["output_sha256"] == entry["output_sha256"]
    assert len(done["note.txt"]["output_sha256"]) == 64
    assert done["broken.pdf"]["status"] == "failed" and "PDF" in done["broken.pdf"]["error"]
    starts = [(e["phase"], e["document"]) for e in events if e["event"] == "start"]
    assert ("plan", "note.txt") in starts and ("release", "note.txt") in starts
    assert events[-1]["exit_code"] == 1 and events[-1]["audit_head"]
    assert "Achterberg" not in r.stdout and "555-0143" not in r.stdout


def test_quiet_prints_nothing_when_all_is_well(tmp_path):
    src = tmp_path / "quiet"
    src.mkdir()
    (src / "minutes.txt").write_text("The board approved the budget for fiscal year 2024.\n")
    r = runner.invoke(app, ["run", str(src), "--out", str(tmp_path / "o"), "--quiet", "-j", "1"])
    assert r.exit_code == 0
    assert r.output == ""
    r = runner.invoke(app, ["run", str(_inputs(tmp_path)), "--out", str(tmp_path / "o2"), "--quiet", "-j", "1"])
    assert r.exit_code == 1
    assert r.stdout == "" and "FAILED" in r.stderr and "broken.pdf" in r.stderr


def test_job_file_takes_every_run_option():
    import click
    import typer.main

    from redactor.jobfile import KEYS

    command = typer.main.get_command(app).commands["run"]
    options = {p.name for p in command.params if isinstance(p, click.Option)} - {"job"}
    # option name -> job file key where they differ
    renamed = {"out_dir": "out", "json_lines": "json", "password": "password_env"}
    assert {renamed.get(o, o) for o in options} <= KEYS
    assert "inputs" in KEYS


def test_job_file_json_quiet_force_and_executor(tmp_path):
    src = _inputs(tmp_path)
    (src / "broken.pdf").unlink()
    job = tmp_path / "nightly.yaml"
    job.write_text(f"inputs: [{src}]\nout: {tmp_path / 'o'}\njson: true\nforce: true\njobs: 1\n"
                   "review_report: false\nexecutor: local\n")
    r = runner.invoke(app, ["run", "--job", str(job)])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout.splitlines()[-1])["event"] == "run"
    r = runner.invoke(app, ["run", "--job", str(job)])  # force: done again, not skipped
    done = [json.loads(line) for line in r.stdout.splitlines() if '"done"' in line]
    assert done and all(e["unchanged_since"] is None for e in done)
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"inputs: [{src}]\nout: {tmp_path / 'o'}\nexecutor: spark\n")
    assert runner.invoke(app, ["run", "--job", str(bad)]).exit_code == 2


def test_rerun_skips_unchanged_documents(tmp_path):
    src = _inputs(tmp_path)
    (src / "broken.pdf").unlink()
    out = tmp_path / "o"
    args = ["run", str(src), "--out", str(out), "--json", "-j", "1", "--no-review-report"]
    first = runner.invoke(app, args)
    before = json.loads((out / "report.json").read_text())["documents"][0]
    again = runner.invoke(app, args)
    assert first.exit_code == again.exit_code == 0
    done = [json.loads(line) for line in again.stdout.splitlines() if '"done"' in line]
    assert done[0]["unchanged_since"] and done[0]["status"] == "redacted"
    assert not any(json.loads(line).get("phase") for line in again.stdout.splitlines())  # nothing started
    report = json.loads((out / "report.json").read_text())
    after = report["documents"][0]
    assert after["redactions"] == before["redactions"] != []  # the earlier entry, carried over


def test_rerun_carries_no_offsets_from_an_older_report(tmp_path):
    """A report written by an earlier version gave character offsets and source boxes (they
    tell a withheld value's length); an unchanged document's carried entry drops them."""
    src = _inputs(tmp_path)
    (src / "broken.pdf").unlink()
    out = tmp_path / "o"
    args = ["run", str(src), "--out", str(out), "-j", "1", "--no-review-report"]
    assert runner.invoke(app, args).exit_code == 0
    report = json.loads((out / "report.json").read_text())
    for d in report["documents"]:
        for r in d["redactions"]:
            r.update(bbox=[[1, 2, 3, 4]], start=10, end=25, length=15)
        for k in d["kept"]:
            k.update(start=3, end=9)
    (out / "report.json").write_text(json.dumps(report))
    assert runner.invoke(app, args).exit_code == 0
    again = json.loads((out / "report.json").read_text())
    jsonschema.validate(again, report_schema())
    carried = [d for d in again["documents"] if d.get("unchanged_since")]
    assert carried and any(d["redactions"] for d in carried)
    for d in carried:
        assert all(not {"bbox", "start", "end", "length"} & set(r) for r in d["redactions"])
        assert all(not {"start", "end"} & set(k) for k in d["kept"])
