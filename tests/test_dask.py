"""The Dask executor against a local cluster of worker processes on 127.0.0.1: the same
release as the local worker pool, byte for byte, with the set-wide values crossing workers,
each worker loading the pipeline once, and the parent releasing (manifest, audit trail)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

pytestmark = [pytest.mark.slow, pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"])]


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, memory_limit="2GiB") as c:
        yield c


def _set(tmp_path: Path) -> Path:
    """Two records that name the same person; only one says she is a complainant, so the
    other withholds her name only through the set-wide values (planned on another worker)."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "a-complaint.txt").write_text("Complaint received from Rosalind Achterberg, 14 Elm Court, "
                                         "Springfield, IL 62704, phone 217-555-0143.\n")
    (src / "b-followup.txt").write_text("Follow-up: the inspector visited the site on May 3, 2023.\n"
                                        "Copy sent to achterberg for comment.\nRosalind Achterberg\n")
    (src / "c-minutes.txt").write_text("The board approved the budget for fiscal year 2024.\n")
    return src


def test_dask_run_matches_local_run_and_releases_once(tmp_path, cluster):
    from redactor import audit
    from redactor.pipeline import run
    from redactor.settings import Settings

    src = _set(tmp_path)
    local = run([src], tmp_path / "local", Settings(jobs=1, review_report=False))
    dask = run([src], tmp_path / "dask", Settings(executor="dask", scheduler=cluster.scheduler_address,
                                                   review_report=False))
    assert [d["status"] for d in dask.report["documents"]] == [d["status"] for d in local.report["documents"]]
    for d_local, d_dask in zip(local.report["documents"], dask.report["documents"]):
        assert d_dask["output_sha256"] == d_local["output_sha256"]
        assert (tmp_path / "dask" / d_dask["output"]).read_bytes() == (tmp_path / "local" / d_local["output"]).read_bytes()
    followup = (tmp_path / "dask" / "b-followup.txt").read_text()
    assert "Achterberg" not in followup  # withheld through the set's values
    assert audit.verify(tmp_path / "dask") == ([], 4)  # 3 releases and the run's end
    # each worker process built the pipeline once, whatever the number of documents it had
    loads = cluster_loads(cluster)
    assert all(n == 1 for n in loads.values()) and len(loads) == 2


def cluster_loads(cluster) -> dict:
    from distributed import Client

    def count():
        from redactor import detect

        return detect.analyzer_builds

    with Client(cluster.scheduler_address, set_as_default=False) as c:
        return c.run(count)


def test_cli_dask_executor_and_json_events(tmp_path, cluster):
    from typer.testing import CliRunner

    from redactor.cli import app

    src = _set(tmp_path)
    r = CliRunner().invoke(app, ["run", str(src), "--out", str(tmp_path / "o"), "--executor", "dask",
                                 "--scheduler", cluster.scheduler_address, "--json", "--no-review-report"])
    assert r.exit_code == 0, r.output
    events = [json.loads(line) for line in r.stdout.splitlines()]
    done = [e for e in events if e["event"] == "done"]
    assert sorted(Path(e["source"]).name for e in done) == ["a-complaint.txt", "b-followup.txt", "c-minutes.txt"]
    assert events[-1]["event"] == "run" and events[-1]["exit_code"] == 0


def test_unreachable_scheduler_is_a_usage_error(tmp_path):
    from typer.testing import CliRunner

    from redactor.cli import app

    r = CliRunner().invoke(app, ["run", str(_set(tmp_path)), "--out", str(tmp_path / "o"), "--executor", "dask",
                                 "--scheduler", "tcp://127.0.0.1:9"])
    assert r.exit_code == 2
