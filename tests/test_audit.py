"""The audit trail: hash-chained, append-only; any edit, removal or reordering is found and
named; a crash's torn last line is dropped and the repair logged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from redactor import audit
from redactor.audit import AuditLog, Head, verify


def _fill(outdir: Path, n: int, counts: list[dict] | None = None) -> AuditLog:
    log = AuditLog(outdir)
    for i in range(n):
        log.append("release", document=f"dir/doc{i}.pdf", status="redacted", policy_sha256="p" * 64,
                   input_sha256=f"{i:064x}", output_sha256=f"{i + 1000:064x}",
                   counts_by_exemption=(counts[i] if counts else {"(b)(6)": i}), release_id=f"id{i}")
    return log


def _lines(outdir: Path) -> list[str]:
    return (outdir / audit.LOG_NAME).read_text(encoding="utf-8").splitlines()


def _write(outdir: Path, lines: list[str]) -> None:
    (outdir / audit.LOG_NAME).write_text("".join(l + "\n" for l in lines), encoding="utf-8")


def test_fresh_log_verifies_and_chains(tmp_path):
    log = _fill(tmp_path, 4)
    problems, n = verify(tmp_path)
    assert problems == [] and n == 4
    entries = [json.loads(l) for l in _lines(tmp_path)]
    assert [e["seq"] for e in entries] == [1, 2, 3, 4]
    assert entries[0]["prev"] == audit.GENESIS
    assert all(b["prev"] == a["hash"] for a, b in zip(entries, entries[1:]))
    assert log.head == Head(4, entries[-1]["hash"])
    for e in entries:
        for key in ("time", "user", "host", "tool", "policy_sha256", "input_sha256", "output_sha256",
                    "counts_by_exemption", "prev", "hash"):
            assert e[key] is not None, key
        assert e["tool"].startswith("redactor ")


def test_reopened_log_continues_the_chain(tmp_path):
    _fill(tmp_path, 2)
    log = AuditLog(tmp_path)
    log.append("run_end", status="done")
    assert verify(tmp_path) == ([], 3)
    assert log.released_ids() == {"id0", "id1"}


def test_unknown_field_refused(tmp_path):
    with pytest.raises(ValueError):
        AuditLog(tmp_path).append("release", text="a withheld value has no field to go in")


def test_torn_last_line_is_dropped_and_the_repair_logged(tmp_path):
    _fill(tmp_path, 3)
    with open(tmp_path / audit.LOG_NAME, "ab") as fh:
        fh.write(b'{"seq":4,"time":"2026-')  # a crash in the middle of a write
    problems, _ = verify(tmp_path)
    assert any("incomplete" in p for p in problems)
    log = AuditLog(tmp_path)
    log.append("run_start")
    assert verify(tmp_path) == ([], 5)
    repair = json.loads(_lines(tmp_path)[3])
    assert repair["event"] == "repair" and "crash" in repair["status"]


def test_head_one_behind_after_a_crash_is_brought_up_to_date(tmp_path):
    _fill(tmp_path, 3)
    first_two = _lines(tmp_path)[1]
    (tmp_path / audit.HEAD_NAME).write_text(f"2:{json.loads(first_two)['hash']}\n")
    assert any("after the recorded head" in p for p in verify(tmp_path)[0])
    AuditLog(tmp_path)
    assert verify(tmp_path) == ([], 3)


def test_external_head_detects_a_rewritten_chain(tmp_path):
    log = _fill(tmp_path, 3)
    kept = log.head
    (tmp_path / audit.LOG_NAME).unlink()
    (tmp_path / audit.HEAD_NAME).unlink()
    _fill(tmp_path, 3, counts=[{}, {}, {}])  # a forger rebuilds a consistent chain
    assert verify(tmp_path) == ([], 3)
    problems, _ = verify(tmp_path, head=kept)
    assert problems and "line 3" in problems[0]


def test_cli_audit_verify(tmp_path):
    from typer.testing import CliRunner

    from redactor.cli import app

    _fill(tmp_path, 3)
    r = CliRunner().invoke(app, ["audit", "verify", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "3 entries" in r.output
    lines = _lines(tmp_path)
    lines[1] = lines[1].replace('"(b)(6)":1', '"(b)(6)":0')
    _write(tmp_path, lines)
    r = CliRunner().invoke(app, ["audit", "verify", str(tmp_path)])
    assert r.exit_code == 1
    assert "line 2" in r.output and "edited" in r.output


# --- property: any single edit, removal or swap is detected and located -------------------

N = 6
mutation = st.one_of(
    st.tuples(st.just("edit_byte"), st.integers(0, N - 1), st.integers(0, 10_000), st.integers(1, 255)),
    st.tuples(st.just("edit_field"), st.integers(0, N - 1), st.sampled_from(
        ["time", "user", "document", "status", "input_sha256", "output_sha256", "counts_by_exemption",
         "seq", "prev"]), st.integers(0, 10)),
    st.tuples(st.just("edit_and_rehash"), st.integers(0, N - 1), st.integers(0, 10)),
    st.tuples(st.just("remove"), st.integers(0, N - 1)),
    st.tuples(st.just("swap"), st.integers(0, N - 1), st.integers(0, N - 1)),
)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("pristine")
    _fill(d, N)
    return d


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(m=mutation)
def test_any_single_edit_removal_or_swap_is_detected(pristine, tmp_path_factory, m):
    d = tmp_path_factory.mktemp("mut")
    lines = _lines(pristine)
    (d / audit.HEAD_NAME).write_bytes((pristine / audit.HEAD_NAME).read_bytes())
    kind, i = m[0], m[1]
    expect_line = i + 1
    if kind == "edit_byte":
        raw = bytearray(lines[i].encode())
        pos = m[2] % len(raw)
        raw[pos] = (raw[pos] + m[3]) % 256 or 1
        if raw[pos] == ord("\n"):
            raw[pos] = ord("x")
        lines[i] = bytes(raw).decode("utf-8", errors="replace")
        if lines[i] == _lines(pristine)[i]:
            return
    elif kind == "edit_field":
        entry = json.loads(lines[i])
        field, k = m[2], m[3]
        old = entry[field]
        entry[field] = (old + 1 + k) if isinstance(old, int) else (
            {"(b)(6)": 99 + k} if isinstance(old, dict) else f"{old}x{k}")
        lines[i] = json.dumps(entry, separators=(",", ":"))
    elif kind == "edit_and_rehash":
        entry = json.loads(lines[i])
        entry["counts_by_exemption"] = {"(b)(6)": 100 + m[2]}
        lines[i] = audit.line_of(entry)  # a forger recomputes this entry's own hash
        expect_line = i + 2 if i + 1 < N else i + 1  # the next link (or the head) breaks
    elif kind == "remove":
        del lines[i]
        expect_line = i + 1 if i < N - 1 else None  # the last one: the head says so
    else:
        j = m[2]
        if i == j:
            return
        lines[i], lines[j] = lines[j], lines[i]
        expect_line = min(i, j) + 1
    _write(d, lines)
    problems, _ = verify(d)
    assert problems, f"{m} not detected"
    if expect_line is not None:
        assert any(p.startswith(f"line {expect_line}") for p in problems), (m, problems)
    else:
        assert any("removed from the end" in p for p in problems), (m, problems)
