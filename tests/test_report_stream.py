"""A run writes its reports from entries spooled to disk as documents finish (report.DocumentSpool,
review_report.ReviewSpool), so the parent's memory does not grow with the batch: the files are
exactly what the in-memory writers make of the same documents, and what the parent holds per
document stays small."""

from __future__ import annotations

import csv
import gc
import io
import json
import re
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st

import redactor.pipeline as pipeline
from redactor.report import PreviousReport, build_report, render_html, report_json_pieces
from redactor.review_report import REVIEW_DIR_NAME, _json_for_script, _model_json_pieces, render_review_html
from redactor.settings import Settings
from redactor.withholding_log import FIELDS, render_log_html, withholding_rows

from conftest import RECORDS

_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                     max_leaves=20)


@hsettings(max_examples=300, deadline=None)
@given(head=st.dictionaries(st.text(), _json, max_size=4), docs=st.lists(st.dictionaries(st.text(), _json),
                                                                        max_size=4),
       tail=st.dictionaries(st.text(min_size=1).map(lambda k: "x" + k), _json, max_size=2))
def test_report_json_pieces_are_json_dumps(head, docs, tail):
    report = {**{k: v for k, v in head.items() if k != "documents"}, "documents": docs,
              **{k: v for k, v in tail.items() if k not in head and k != "documents"}}
    assert "".join(report_json_pieces(report, iter(docs))) == json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    assert "".join(_model_json_pieces(report, iter(docs))) == _json_for_script(report)


def _review_data(html: str) -> dict:
    m = re.search(r"<script id='data' type='application/json'>(.*?)</script>", html, re.S)
    assert m
    return json.loads(m.group(1))


@pytest.mark.slow
def test_streamed_reports_are_the_in_memory_reports(tmp_path, policy):
    """report.json, report.html, the withholding log and the reviewer's report of a run are
    what the in-memory writers make of the run's documents, byte for byte."""
    results = []
    out = tmp_path / "out"
    outcome = pipeline.run([RECORDS], out, Settings(jobs=2), policy=policy,
                           on_result=lambda r: results.extend([r, *r.attachments]))
    text = (out / "report.json").read_text(encoding="utf-8")
    report = json.loads(text)
    assert len(report["documents"]) == len(results) >= 10
    assert text == json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    expected = build_report(results, policy, Settings().model)
    for key in ("created", "audit_head"):
        expected.pop(key, None)
    assert {k: v for k, v in report.items() if k not in ("created", "audit_head")} == expected
    assert (out / "report.html").read_text(encoding="utf-8") == render_html(report)
    rows = withholding_rows(report, policy, out)
    assert rows
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=FIELDS)
    w.writeheader()
    w.writerows(rows)
    with open(out / "withholding-log.csv", encoding="utf-8", newline="") as fh:
        assert fh.read() == buf.getvalue()
    assert (out / "withholding-log.html").read_text(encoding="utf-8") == render_log_html(
        rows, report, report["summary"]["release"])
    # The outcome: the summary in memory, the documents read back from report.json.
    assert outcome.report["summary"] == report["summary"]
    assert outcome.report["documents"] == report["documents"]
    assert outcome.problems == [{"source": d["source"], "status": d["status"], "error": d["error"]}
                                for d in report["documents"] if d["status"] in ("failed", "needs_review")]
    # The reviewer's page: one document per result, in the report's order, ids d1..dN.
    page = (out / REVIEW_DIR_NAME / "report.html").read_text(encoding="utf-8")
    model = _review_data(page)
    assert render_review_html(model) == page
    assert [d["source"] for d in model["documents"]] == [d["source"] for d in report["documents"]]
    assert [d["id"] for d in model["documents"]] == [f"d{i}" for i in range(1, len(results) + 1)]
    assert sorted(model["colours"]) == sorted({c for d in report["documents"] for c in d["counts_by_exemption"]})
    assert sum(len(d["items"]) for d in model["documents"]) == sum(
        len(d["redactions"]) + len(d["kept"]) for d in report["documents"])
    with open(out / REVIEW_DIR_NAME / "review-log.csv", encoding="utf-8", newline="") as fh:
        assert len(list(csv.reader(fh))) == 1 + sum(len(d["items"]) for d in model["documents"])
    # Nothing of the spools is left behind.
    assert not (out / pipeline.REPORT_SPOOL).exists()
    assert not list((out / REVIEW_DIR_NAME).glob(".*spool*"))
    # A later run finds each entry of this report without reading it whole.
    previous = PreviousReport(out / "report.json")
    assert len(previous.index) == len(report["documents"]) and not previous.loaded
    for d in report["documents"]:
        assert previous.get(d["source"]) == d


def _documents(folder: Path, n: int) -> None:
    """``n`` small records, each with a dozen values withheld and the same number kept."""
    folder.mkdir(parents=True, exist_ok=True)
    first = ["James", "Maria", "Robert", "Linda", "Michael", "Patricia", "David", "Jennifer"]
    last = ["Whitaker", "Okafor", "Lindqvist", "Moreno", "Castellano", "Haverford", "Brennan"]
    for i in range(n):
        lines = [f"Case file {1000 + i}. Reviewed on March {1 + i % 28}, 2022 by the Department of Labor."]
        for k in range(12):
            name = f"{first[(i + k) % len(first)]} {last[(i * 3 + k) % len(last)]}"
            lines.append(f"The complainant, {name}, can be reached at (555) {200 + i % 700:03d}-{1000 + k * 37 + i}.")
        (folder / f"case-{i:04d}.txt").write_text("\n".join(lines) + "\n")


@pytest.mark.slow
def test_the_parent_holds_little_per_document(tmp_path, policy, monkeypatch):
    """What the run's parent process holds when the last document is done (before writing the
    reports) grows by a few kilobytes per document at most, not by its outcome (redactions,
    kept findings, reasons: tens of kilobytes): measured with tracemalloc on batches of N and
    3N documents, in the parent only (the documents are processed in a worker)."""
    held = {}
    real = pipeline.write_reports

    def measured(*args, **kwargs):
        gc.collect()
        held["bytes"] = tracemalloc.get_traced_memory()[0]
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "write_reports", measured)
    per_run = {}
    for n in (2, 8, 24):  # the first run imports what the run's end needs: not counted
        _documents(tmp_path / f"in{n}", n)
        gc.collect()
        tracemalloc.start()
        try:
            outcome = pipeline.run([tmp_path / f"in{n}"], tmp_path / f"out{n}", Settings(jobs=1, review_report=True),
                                   policy=policy)
        finally:
            tracemalloc.stop()
        assert outcome.report["summary"]["documents"] == n and outcome.report["summary"]["redactions"] >= 10 * n
        per_run[n] = held["bytes"]
    per_document = (per_run[24] - per_run[8]) / 16
    # Measured: 2.6 KB (the manifest's record, the job and its input's paths, where the
    # report entry is); 44 KB when the parent kept every document's outcome for the report.
    assert per_document < 8000, f"the parent holds {per_document:.0f} bytes more per document"


def test_a_run_removes_the_partial_reports_a_killed_run_left(tmp_path, policy):
    """A run killed while writing its reports leaves their temporary files (the reports in
    place stay whole); the next run removes them, and its spools."""
    _documents(tmp_path / "in", 1)
    out = tmp_path / "out"
    review = out / REVIEW_DIR_NAME
    review.mkdir(parents=True)
    stale = [out / ".report.json.4242.tmp", out / ".report.html.4242.tmp", out / ".withholding-log.csv.tmp",
             out / ".withholding-log.html.4242.tmp", review / ".report.html.4242.tmp", review / ".review-log.csv.tmp",
             out / pipeline.REPORT_SPOOL, review / ".documents.spool"]
    for p in stale:
        p.write_text("partial")
    pipeline.run([tmp_path / "in"], out, Settings(jobs=1), policy=policy)
    assert [p for p in stale if p.exists()] == []
    assert json.loads((out / "report.json").read_text())["summary"]["documents"] == 1
