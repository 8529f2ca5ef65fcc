"""`redactor diff OLD NEW`: redactions added, removed, or under another exemption between
two runs, from their reports only (so never a withheld value)."""

from __future__ import annotations

import copy
import json
import shutil

import pytest
import yaml
from typer.testing import CliRunner

from redactor.cli import app
from redactor.diff import diff_reports, load_run

from conftest import RECORDS

runner = CliRunner()
EXPECTED = yaml.safe_load((RECORDS.parent / "expected.yaml").read_text())
STEM = "police/incident-report-2023-0417"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("runs")
    src = base / "in" / "police"
    src.mkdir(parents=True)
    shutil.copy(RECORDS / f"{STEM}.txt", src)
    shutil.copy(RECORDS / "minutes" / "board-minutes-2023-05.txt", base / "in")
    # A site policy built on us-foia that releases telephone numbers.
    site = base / "site.yaml"
    site.write_text("policy: site\ntitle: site\nextends: us-foia\nrules:\n"
                    "  - id: phones-released\n    entities: [PHONE_NUMBER]\n    action: keep\n"
                    "    reason: phone numbers are released under this policy\n")
    outs = {}
    for name, pol in (("us", "us-foia"), ("uk", "uk-foia"), ("site", str(site))):
        outs[name] = base / name
        r = runner.invoke(app, ["run", str(base / "in"), "--out", str(outs[name]), "--policy", pol,
                                "--no-review-report"])
        assert r.exit_code in (0, 4), r.output
    return outs


def test_same_run_no_changes(runs):
    d = diff_reports(load_run(runs["us"]), load_run(runs["us"]))
    assert d.changes == []


def test_other_policy_changes_exemptions(runs):
    old, new = load_run(runs["us"]), load_run(runs["uk"])
    d = diff_reports(old, new)
    changed = [c for c in d.changes if c.kind == "exemption"]
    assert changed
    assert {c.old for c in changed} <= {"(b)(6)", "(b)(7)(C)", "(b)(1)"}
    assert all(c.new.startswith("s.") or "EIR" in c.new for c in changed)


def test_policy_that_releases_phones_shows_removed_redactions(runs):
    old, new = load_run(runs["us"]), load_run(runs["site"])
    d = diff_reports(old, new)
    removed = [c for c in d.changes if c.kind == "removed"]
    old_phones = [(doc["output"], r["page"], r["id"]) for doc in old["documents"] for r in doc["redactions"]
                  if r["entity"] == "PHONE_NUMBER"]
    assert old_phones and len(removed) == len(old_phones)
    assert all(c.entity == "PHONE_NUMBER" for c in removed)
    assert d.count("added") == 0
    # And the other direction: the same redactions come back as added.
    back = diff_reports(new, old)
    assert back.count("added") == len(old_phones) and back.count("removed") == 0


def test_synthetic_changes_are_each_reported(runs):
    old = load_run(runs["us"])
    new = copy.deepcopy(old)
    doc = next(d for d in new["documents"] if d["output"].startswith("police/"))
    gone = doc["redactions"].pop(0)
    doc["redactions"][0]["exemptions"] = ["(b)(7)(F)"]
    doc["redactions"].append(dict(gone, id="r9999", line=gone["line"] + 10000))
    doc["withheld_pages"] = [1]
    d = diff_reports(old, new)
    assert (d.count("removed"), d.count("exemption"), d.count("added"), d.count("page_withheld")) == (1, 1, 1, 1)


def test_cli_table_and_html_without_values(runs, tmp_path):
    page = tmp_path / "diff.html"
    r = runner.invoke(app, ["diff", str(runs["us"]), str(runs["site"]), "--html", str(page)])
    assert r.exit_code == 0, r.output
    n = len([1 for doc in load_run(runs["us"])["documents"] for x in doc["redactions"] if x["entity"] == "PHONE_NUMBER"])
    assert f"0 added, {n} removed" in " ".join(r.output.split())
    html = page.read_text()
    assert "PHONE_NUMBER" in html and "redaction removed" in html
    for value in EXPECTED[STEM]["withhold"]:
        assert value not in html and value not in r.output


def test_cli_bad_folder(tmp_path):
    r = runner.invoke(app, ["diff", str(tmp_path / "nope"), str(tmp_path)])
    assert r.exit_code == 2 and "cannot read" in r.output
