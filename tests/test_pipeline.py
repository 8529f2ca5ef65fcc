"""The pipeline as a library: `redactor.run` does what `redactor run` does; the plan and apply
phases are plain functions; one Settings object, with job-file values over defaults and
command-line values over the job file (also when they equal the default)."""

from __future__ import annotations

import json
import pickle
import shutil

import pytest
import yaml
from typer.testing import CliRunner

import redactor
import redactor.pipeline as pipeline
from redactor.batch import InProcess
from redactor.cli import app
from redactor.ingest import discover
from redactor.settings import Settings

from conftest import RECORDS

INCIDENT = RECORDS / "police" / "incident-report-2023-0417.txt"


@pytest.mark.slow
def test_library_run_matches_the_command_line(tmp_path):
    outcome = redactor.run([INCIDENT], tmp_path / "lib", Settings(review_report=False))
    result = CliRunner().invoke(app, ["run", str(INCIDENT), "--out", str(tmp_path / "cli"), "--no-review-report"])
    assert result.exit_code == 0
    assert outcome.failed == [] and outcome.report_json == tmp_path / "lib" / "report.json"
    lib = (tmp_path / "lib" / INCIDENT.name).read_text()
    assert lib == (tmp_path / "cli" / INCIDENT.name).read_text()
    assert "[WITHHELD" in lib
    cli_report = json.loads((tmp_path / "cli" / "report.json").read_text())
    assert [d["redactions"] for d in outcome.report["documents"]] == [d["redactions"] for d in cli_report["documents"]]


def test_plan_and_apply_are_separate_functions_of_picklable_arguments(tmp_path, settings, policy):
    (file,) = discover([INCIDENT], tmp_path)
    plan = pipeline.plan_document(file, settings, policy)
    assert plan.redactions and not plan.review_reasons
    plan = pickle.loads(pickle.dumps(plan))  # a plan can be stored and applied later
    final = tmp_path / "release" / INCIDENT.name
    result = pipeline.apply_plan(plan, pipeline.ReleaseSet(), settings, tmp_path / "tmp.txt", final)
    assert result.status.value == "redacted" and final.exists() and not (tmp_path / "tmp.txt").exists()
    assert result.output_sha256 and result.input_sha256 == plan.document.sha256


def test_executor_is_swappable(tmp_path, settings, policy):
    """The same results from the in-process executor as from the worker processes."""
    src = tmp_path / "in"
    shutil.copytree(RECORDS / "police", src)
    outs = []
    for name, executor in (("pool", None), ("here", InProcess(settings, policy))):
        out = tmp_path / name
        out.mkdir()
        results = list(pipeline.process(discover([src], out), out, settings, policy, executor=executor))
        outs.append(sorted((r.source.name, r.status.value, len(r.redactions)) for r in results))
    assert outs[0] == outs[1] and len(outs[0]) == 2


def _settings_of(args, monkeypatch) -> Settings:
    seen = {}

    def fake_run(inputs, out, settings, **kwargs):
        seen["settings"] = settings
        raise SystemExit(0)

    monkeypatch.setattr(pipeline, "run", fake_run)
    CliRunner().invoke(app, args)
    return seen["settings"]


def test_command_line_overrides_job_file_even_with_default_values(tmp_path, monkeypatch):
    job = tmp_path / "job.yaml"
    job.write_text(yaml.safe_dump({"inputs": [str(INCIDENT)], "out": str(tmp_path / "o"), "jobs": 3,
                                   "keep_positions": True, "strict": True, "timeout": 30, "policy": "uk-foia"}))
    from_job = _settings_of(["run", "--job", str(job)], monkeypatch)
    assert (from_job.jobs, from_job.keep_positions, from_job.strict, from_job.document_timeout) == (3, True, True, 30.0)
    assert str(from_job.policy_path) == "uk-foia"
    given = _settings_of(["run", "--job", str(job), "--jobs", "1", "--timeout", "600", "--policy", "us-foia"],
                         monkeypatch)
    assert (given.jobs, given.document_timeout, str(given.policy_path)) == (1, 600.0, "us-foia")
    assert given.keep_positions and given.strict  # not given on the command line: the job file's
    negated = _settings_of(["run", "--job", str(job), "--no-strict", "--no-keep-positions"], monkeypatch)
    assert not negated.strict and not negated.keep_positions and negated.jobs == 3
    defaults = _settings_of(["run", str(INCIDENT), "--out", str(tmp_path / "o")], monkeypatch)
    assert defaults == Settings()
