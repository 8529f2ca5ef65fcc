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
