"""Incremental, crash-safe runs: the manifest, the OUTDIR lock, atomic writes, recovery of
releases a killed run left pending, and (slow) whole batches killed with SIGKILL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from redactor import audit
from redactor.audit import AuditLog
from redactor.errors import EXIT_USAGE
from redactor.manifest import (MANIFEST_NAME, Manifest, document_key, file_sha256, policy_digest, recover,
                               set_key, settings_digest)
from redactor.outdir import OutdirLock, OutdirLocked, write_atomic


def _rec(doc: str, key="k", setk="s", state="done", status="redacted", output=None, sha=None, rid=None):
    return {"document": doc, "key": key, "set_key": setk, "state": state, "status": status, "output": output,
            "output_sha256": sha, "release_id": rid or f"rid-{doc}", "input_sha256": "i" * 64,
            "policy_sha256": "p" * 64, "counts_by_exemption": {"(b)(6)": 1}}


def test_keys_change_with_what_changes_a_release_copy(policy):
    from redactor.settings import Settings

    p = policy_digest(policy)
    s = settings_digest(Settings())
    base = document_key("a" * 64, p, s)
    assert base == document_key("a" * 64, p, s)
    assert base != document_key("b" * 64, p, s)
    assert base != document_key("a" * 64, policy_digest(policy.with_requester(["Jane Roe"])), s)
    assert base != document_key("a" * 64, p, settings_digest(Settings(flatten=True)))
    assert base != document_key("a" * 64, p, settings_digest(Settings(keep_positions=True)))
    assert settings_digest(Settings(document_timeout=5)) == s  # not an output setting
    assert set_key([("a", "1"), ("b", "2")]) == set_key([("b", "2"), ("a", "1")])
    assert set_key([("a", "1"), ("b", "2")]) != set_key([("a", "1"), ("b", "3")])


def test_records_survive_a_reload_and_a_torn_last_line(tmp_path):
    m = Manifest(tmp_path)
    m.record(_rec("a.txt"))
    m.record(_rec("b.txt", state="pending"))
    with open(tmp_path / MANIFEST_NAME, "a") as fh:
        fh.write('{"document": "c.txt", "sta')  # killed mid-write
    m2 = Manifest(tmp_path)
    assert set(m2.records) == {"a.txt", "b.txt"}
    m2.record(_rec("b.txt"))  # the next record starts on its own line
    m3 = Manifest(tmp_path)
    assert m3.get("b.txt")["state"] == "done"
    m3.compact()
    lines = (tmp_path / MANIFEST_NAME).read_text().splitlines()
    assert [json.loads(l)["document"] for l in lines] == ["a.txt", "b.txt"]


def test_done_unchanged_needs_same_keys_and_an_intact_copy(tmp_path):
    out = tmp_path / "a.txt"
    out.write_text("released")
    m = Manifest(tmp_path)
    m.record(_rec("a.txt", output="a.txt", sha=file_sha256(out)))
    assert m.done_unchanged("a.txt", "k", "s")
    assert not m.done_unchanged("a.txt", "k2", "s")
    assert not m.done_unchanged("a.txt", "k", "s2")
    out.write_text("edited after release")
    assert not m.done_unchanged("a.txt", "k", "s")
    m.record(_rec("b.txt", status="failed"))
    assert not m.done_unchanged("b.txt", "k", "s")
    m.record(_rec("c.txt", status="withheld"))
    assert m.done_unchanged("c.txt", "k", "s")


def test_recover_finishes_a_release_in_place_and_forgets_one_not(tmp_path):
    (tmp_path / "in.txt").write_text("copy")
    m = Manifest(tmp_path)
    log = AuditLog(tmp_path)
    m.record(_rec("in.txt", state="pending", output="in.txt", sha=file_sha256(tmp_path / "in.txt"), rid="r1"))
    m.record(_rec("lost.txt", state="pending", output="lost.txt", sha="0" * 64, rid="r2"))
    notes = recover(m, log)
    assert len(notes) == 2
    assert m.get("in.txt")["state"] == "done" and m.get("lost.txt")["state"] == "void"
    assert log.released_ids() == {"r1"}
    # recovering again (a crash during recovery) logs nothing twice
    m.record(_rec("in.txt", state="pending", output="in.txt", sha=file_sha256(tmp_path / "in.txt"), rid="r1"))
    recover(m, AuditLog(tmp_path))
    entries = [json.loads(l) for l in (tmp_path / audit.LOG_NAME).read_text().splitlines()]
    assert [e["release_id"] for e in entries] == ["r1"]
    assert audit.verify(tmp_path) == ([], 1)


def test_write_atomic_replaces_whole_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old")
    write_atomic(target, '{"new": true}\n')
    assert target.read_text() == '{"new": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_lock_refuses_a_second_job_and_dies_with_its_holder(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from redactor.outdir import OutdirLock
        OutdirLock(Path({str(tmp_path)!r})).acquire()
        print("locked", flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(OutdirLocked) as exc:
            OutdirLock(tmp_path).acquire()
        assert exc.value.exit_code == EXIT_USAGE
        assert str(holder.pid) in str(exc.value)
    finally:
        holder.kill()
        holder.wait()
    with OutdirLock(tmp_path):  # a killed holder leaves no stale lock
        pass


# --- whole runs killed with SIGKILL --------------------------------------------------------

REDACTOR = [str(Path(sys.executable).parent / "redactor")]


def _run(args: list[str], env_extra: dict | None = None, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(REDACTOR + ["run", *args], capture_output=True, text=True, env=env, **kw)


def _text_set(tmp_path: Path) -> Path:
    """The sample records' text versions: a small set that runs in seconds."""
    from conftest import RECORDS

    src = tmp_path / "in"
    for txt in sorted(RECORDS.rglob("*.txt")):
        dst = src / txt.relative_to(RECORDS)
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(txt.read_bytes())
    return src


def _check_outdir(out: Path, inputs: Path) -> None:
    """Every document released exactly once and whole; report, manifest and audit agree."""
    import jsonschema

    from redactor.report import report_schema

    report = json.loads((out / "report.json").read_text())
    jsonschema.validate(report, report_schema())
    docs = sorted(p.relative_to(inputs).as_posix() for p in inputs.rglob("*") if p.is_file())
    assert sorted(d["output"] for d in report["documents"]) == docs
    problems, _ = audit.verify(out)
    assert problems == []
    entries = [json.loads(l) for l in (out / audit.LOG_NAME).read_text().splitlines()]
    releases = [e for e in entries if e["event"] == "release"]
    assert sorted(e["document"] for e in releases) == docs, "each document released exactly once"
    manifest = Manifest(out)
    for d in report["documents"]:
        final = out / d["output"]
        sha = file_sha256(final)
        assert sha == d["output_sha256"] == manifest.get(d["output"])["output_sha256"]
        assert [e["output_sha256"] for e in releases if e["document"] == d["output"]] == [sha]
        assert manifest.get(d["output"])["state"] == "done"
    stray = [p for p in out.rglob("*") if p.is_file() and (".tmp" in p.name or ".redactor-tmp" in p.parts)]
    assert stray == []


@pytest.mark.slow
@pytest.mark.parametrize("step", ["pending", "renamed", "audited"])
def test_run_killed_inside_a_release_is_completed_by_the_next(tmp_path, step):
    inputs = _text_set(tmp_path)
    out = tmp_path / "out"
    killed = _run([str(inputs), "--out", str(out)], {"REDACTOR_TEST_CRASH": f"{step}:2"})
    assert killed.returncode == -9
    first = Manifest(out)
    assert first.pending() or step == "audited"
    done = _run([str(inputs), "--out", str(out)])
    assert done.returncode == 0, done.stderr
    _check_outdir(out, inputs)
    again = _run([str(inputs), "--out", str(out)])  # nothing left to do, nothing released again
    assert again.returncode == 0
    _check_outdir(out, inputs)


@pytest.mark.slow
def test_batch_killed_at_random_moments_ends_released_exactly_once(tmp_path):
    """SIGKILL at random moments (start-up, planning, releasing), then a run to the end."""
    import random
    import shutil
    import time

    from conftest import RECORDS

    rng = random.Random(int(os.environ.get("REDACTOR_KILL_SEED", "14")))
    inputs = _text_set(tmp_path)
    for pdf in sorted(RECORDS.rglob("*.pdf"))[:2]:
        dst = inputs / pdf.relative_to(RECORDS)
        shutil.copy(pdf, dst)
    out = tmp_path / "out"
    args = [str(inputs), "--out", str(out), "--jobs", "2"]
    for attempt in range(3):
        proc = subprocess.Popen(REDACTOR + ["run", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        released_before = len(Manifest(out).records) if out.exists() else 0
        if attempt == 1:  # while releasing: once a new document has been recorded
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and proc.poll() is None:
                if out.exists() and len(Manifest(out).records) > released_before:
                    time.sleep(rng.uniform(0, 0.5))
                    break
                time.sleep(0.05)
        else:
            time.sleep(rng.uniform(0.5, 6.0))
        if proc.poll() is None:
            os.kill(proc.pid, 9)
        proc.wait()
    final = _run(args)
    assert final.returncode == 0, final.stderr
    _check_outdir(out, inputs)


def test_second_job_on_the_same_outdir_exits_2(tmp_path):
    holder = OutdirLock(tmp_path / "out").acquire()
    try:
        r = _run([str(_text_set(tmp_path)), "--out", str(tmp_path / "out")])
    finally:
        holder.release()
    assert r.returncode == EXIT_USAGE
    assert "another redactor job" in r.stderr
