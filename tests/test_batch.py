"""The batch runner: a stuck or crashing document fails alone, parallel runs give the same
result as serial ones, and nothing is left in OUTDIR but the release and the report."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

import redactor.pipeline as pipeline
from redactor.ingest import discover
from redactor.policy import load_policy
from redactor.settings import Settings

from conftest import RECORDS


def _run(src: Path, out: Path, settings: Settings, policy=None) -> list:
    out.mkdir(parents=True, exist_ok=True)
    return list(pipeline.process(discover([src], out), out, settings, policy or load_policy()))


@pytest.mark.slow
def test_stuck_and_crashing_documents_fail_alone(tmp_path, monkeypatch):
    src = tmp_path / "in"
    src.mkdir()
    (src / "ok.txt").write_text("Patricia Nguyen called.\n")
    (src / "slow.txt").write_text("slow\n")
    (src / "crash.txt").write_text("crash\n")
    real = pipeline.plan_document

    def hostile(file, settings, policy):
        if file.path.name == "slow.txt":
            time.sleep(60)
        if file.path.name == "crash.txt":
            os._exit(9)  # a native library taking the process down
        return real(file, settings, policy)

    monkeypatch.setattr(pipeline, "plan_document", hostile)  # inherited by forked workers
    out = tmp_path / "out"
    started = time.monotonic()
    results = {r.source.name: r for r in _run(src, out, Settings(document_timeout=15))}
    assert time.monotonic() - started < 50
    assert results["slow.txt"].status.value == "failed" and "timed out" in results["slow.txt"].error
    assert results["crash.txt"].status.value == "failed" and "worker process died" in results["crash.txt"].error
    assert results["ok.txt"].status.value == "redacted", results["ok.txt"].error
    assert (out / "ok.txt").read_text() == "[WITHHELD (b)(6)] called.\n"
    assert not (out / ".redactor-tmp").exists()


@pytest.mark.slow
def test_parallel_run_matches_serial_run(tmp_path):
    src = tmp_path / "records"
    shutil.copytree(RECORDS, src)
    pol = load_policy()
    reports = []
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        results = _run(src, out, Settings(jobs=workers), pol)
        reports.append({r.source.name: (r.status.value, [(x.page, x.start, x.end, x.label) for x in r.redactions])
                        for r in results})
        for f in sorted(p for p in out.rglob("*") if p.is_file()):
            assert f.suffix in (".pdf", ".txt"), f
    assert reports[0] == reports[1]
    pairs = list(zip(sorted((tmp_path / "out1").rglob("*.*")), sorted((tmp_path / "out2").rglob("*.*"))))
    assert len(pairs) == 10
    for a, b in pairs:  # release copies are reproducible, byte for byte
        assert a.read_bytes() == b.read_bytes(), a.name


def _bomb_pdf(path: Path, inflated: int) -> None:
    """A one-page PDF whose content stream inflates to ``inflated`` bytes of spaces."""
    import zlib

    import pikepdf

    comp = zlib.compressobj(9)
    chunk = b" " * (1 << 24)
    parts = [comp.compress(b"BT /F1 12 Tf 72 700 Td (Patricia Nguyen) Tj ET ")]
    for _ in range(inflated // len(chunk)):
        parts.append(comp.compress(chunk))
    parts.append(comp.flush())
    pdf = pikepdf.new()
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 612, 792],
                              Contents=pdf.make_stream(b""))
    pdf.pages.append(pikepdf.Page(page))
    stream = pdf.pages[0].obj.Contents
    stream.write(b"".join(parts), filter=pikepdf.Name.FlateDecode)
    pdf.save(path)


@pytest.mark.slow
def test_decompression_bomb_is_bounded(tmp_path):
    """A 3 MB file that inflates to 3 GB fails alone with a memory reason; the rest of the
    batch is released."""
    src = tmp_path / "in"
    src.mkdir()
    _bomb_pdf(src / "bomb.pdf", 3 << 30)
    assert (src / "bomb.pdf").stat().st_size < 8 << 20
    (src / "ok.txt").write_text("Patricia Nguyen called.\n")
    # The cap is on address space: what this process already maps, plus 1.5 GB.
    vm = next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmSize:"))
    settings = Settings(memory_limit=vm + (3 << 29), document_timeout=120)
    results = {r.source.name: r for r in _run(src, tmp_path / "out", settings)}
    assert results["bomb.pdf"].status.value == "failed", results["bomb.pdf"]
    assert results["bomb.pdf"].error.startswith("out of memory"), results["bomb.pdf"].error
    assert results["ok.txt"].status.value == "redacted", results["ok.txt"].error
    assert not (tmp_path / "out" / "bomb.pdf").exists()


@pytest.mark.slow
def test_huge_page_count_is_bounded_by_the_time_limit(tmp_path):
    """10,000 pages: the document fails with a clear reason when its time is up; the batch
    goes on."""
    import pikepdf

    src = tmp_path / "in"
    src.mkdir()
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    content = pdf.make_stream(b"BT /F1 12 Tf 72 700 Td (Patricia Nguyen, page of a very long file) Tj ET")
    for _ in range(10_000):
        pdf.pages.append(pikepdf.Page(pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 612, 792],
                                                         Resources=resources, Contents=content)))
    pdf.save(src / "huge.pdf")
    (src / "ok.txt").write_text("Patricia Nguyen called.\n")
    started = time.monotonic()
    results = {r.source.name: r for r in _run(src, tmp_path / "out", Settings(document_timeout=10))}
    assert time.monotonic() - started < 60
    assert results["huge.pdf"].status.value == "failed" and "timed out" in results["huge.pdf"].error
    assert results["ok.txt"].status.value == "redacted", results["ok.txt"].error


_KEPT: list[bytearray] = []  # what a worker keeps across jobs


def _pid_and_ballast(job, settings, policy):
    """A job that keeps 8 MB in its worker (as spaCy's vocabulary grows) and says where it ran."""
    _KEPT.append(bytearray(b"x" * (8 * 1024 ** 2)))  # written: resident, not just reserved
    return (job, os.getpid())


def test_a_worker_that_keeps_memory_retires_and_the_batch_goes_on(monkeypatch):
    """Memory a worker keeps from one document to the next must not add up over a batch: a
    worker that has grown beyond the allowance since its first document is replaced, and
    every job still gets its own result, once, in a worker whose memory stayed bounded."""
    from redactor import batch

    monkeypatch.setattr(batch, "RETIRE_GROWTH_MB", 20.0)  # inherited by forked workers
    pool = batch.WorkerPool(Settings(jobs=1), load_policy(), 1)
    try:
        outcomes = list(pool.run(_pid_and_ballast, list(range(8))))
    finally:
        pool.close()
    assert sorted(job for job, _ in outcomes) == list(range(8))
    assert all(out[0] == job for job, out in outcomes)
    pids = [out[1] for _, out in sorted(outcomes)]
    # 8 MB kept per job, 20 MB allowed: a worker does at most 4 jobs (its first sets the base)
    assert len(set(pids)) >= 2
    assert all(pids.count(p) <= 4 for p in set(pids))


def test_a_worker_that_keeps_nothing_is_not_replaced():
    from redactor import batch

    pool = batch.WorkerPool(Settings(jobs=1), load_policy(), 1)
    try:
        outcomes = list(pool.run(_pid_of, list(range(6))))
    finally:
        pool.close()
    assert len({pid for _, pid in outcomes}) == 1
    assert sorted(job for job, _ in outcomes) == list(range(6))


def _pid_of(job, settings, policy):
    return os.getpid()


def _name_of(job, settings, policy):
    return job.input.path.name


def test_two_workers_take_the_largest_documents_first(tmp_path):
    """A batch ends when its last document does: with several workers the largest files
    are handed out first (a large one taken last would keep one worker busy alone), and
    every job still gets its own result."""
    from types import SimpleNamespace

    from redactor import batch

    jobs = []
    for name, kb in (("a", 1), ("b", 50), ("c", 10), ("d", 30), ("e", 10)):
        path = tmp_path / name
        path.write_bytes(b"x" * kb * 1024)
        jobs.append(SimpleNamespace(input=SimpleNamespace(path=path)))
    started: list[str] = []
    pool = batch.WorkerPool(Settings(jobs=2), load_policy(), 2)
    try:
        outcomes = list(pool.run(_name_of, jobs, on_start=lambda job: started.append(job.input.path.name)))
    finally:
        pool.close()
    assert started == ["b", "d", "c", "e", "a"]  # by size, ties in the order given
    assert sorted(out for _, out in outcomes) == ["a", "b", "c", "d", "e"]
    assert all(job.input.path.name == out for job, out in outcomes)


def _slow_first_load(tmp_path, monkeypatch, seconds: float):
    """A folder holding one short note, and a pipeline whose first load (in a worker) takes
    ``seconds``: a slow disk, a busy machine."""
    from redactor import detect

    real = detect.analyzer

    def slow_to_load(model):
        if detect._engine is None:
            time.sleep(seconds)
        return real(model)

    # Forked workers inherit these: the pipeline is not loaded yet, and loads slowly.
    monkeypatch.setattr(detect, "_engine", None)
    monkeypatch.setattr(detect, "_engine_model", None)
    monkeypatch.setattr(detect, "analyzer", slow_to_load)
    src = tmp_path / "in"
    src.mkdir()
    (src / "note.txt").write_text("Patricia Nguyen called about the permit.\n")
    return src


def test_the_time_limit_does_not_count_the_workers_model_load(tmp_path, monkeypatch):
    """A worker loads the NLP pipeline on its first document; on a slow or busy machine that
    load must not use up the document's time limit (unattended jobs set tight limits)."""
    src = _slow_first_load(tmp_path, monkeypatch, 5)  # longer than the document's limit
    results = _run(src, tmp_path / "out", Settings(jobs=1, document_timeout=4))
    assert [r.status.value for r in results] == ["redacted"], results[0].error


def test_a_model_load_that_never_ends_fails_the_document_saying_so(tmp_path, monkeypatch):
    """The load has a bound of its own (batch.LOAD_LIMIT): past it the document fails, the
    batch goes on, and the message names the load and that bound, not the document's limit."""
    from redactor import batch

    src = _slow_first_load(tmp_path, monkeypatch, 30)
    monkeypatch.setattr(batch, "LOAD_LIMIT", 3.0)
    results = _run(src, tmp_path / "out", Settings(jobs=1, document_timeout=1))
    assert [r.status.value for r in results] == ["failed"]
    assert results[0].error.startswith("timed out after 3 s loading the NLP pipeline"), results[0].error
