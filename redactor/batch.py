"""Run the pipeline over a release set, in two phases, each document in a worker process
bounded in time and memory; a failure in one document never stops the others.

Phase 1 (plan): read -> detect -> decide -> plan, per document. Plans are written to
OUTDIR/.redactor-tmp/plans/ and only the values they withhold come back to the parent.
Between phases the parent collects the values withheld anywhere in the set (so a name found
in one record is withheld in all of them) and gives pseudonymised values their set-wide
labels ("Person 3").
Phase 2 (release): extend the plan with the set's values -> write the release copy to a
temporary file inside OUTDIR -> verify -> move into place. Only a verified copy is ever
moved into the release tree.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import shutil
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .errors import RedactorError, VerificationError
from .extract import read_document, sha256_file
from .ingest import InputFile
from .model import Action, Decision, DocumentResult, Plan, Status
from .plan import build_plan, extend_plan, normalize_value, set_values
from .policy import Policy, decide, deny_findings
from .redact import verify_release_copy, write_release_copy
from .settings import Settings

TMP_DIR_NAME = ".redactor-tmp"


@dataclass
class Job:
    input: InputFile
    outdir: Path
    plan_file: Path | None = None
    set_file: Path | None = None  # pickled (values withheld across the set, pseudonyms)


@dataclass
class PlanSummary:
    """What phase 1 hands back to the parent for one document."""

    result: DocumentResult | None  # set when the document already has its outcome (failed...)
    plan_file: Path | None = None
    values: list[tuple[str, Decision]] = field(default_factory=list)


def plan_document(path: Path, fmt: str, settings: Settings, policy: Policy, relpath: str = "") -> Plan:
    from .detect import detect, language_warnings

    document = read_document(path, fmt, password=settings.password)
    findings = detect(document, settings)
    pages = [p.text for p in document.pages]
    findings.extend(deny_findings(pages, policy))
    decisions = decide(findings, policy, relpath=relpath, pages=pages, fmt=document.format)
    plan = build_plan(document, decisions, policy.name, relpath=relpath)
    plan.review_reasons.extend(language_warnings(document, settings))
    return plan


def _failure(job: Job, exc: BaseException) -> DocumentResult:
    f = job.input
    result = DocumentResult(source=f.path, output=None, status=Status.FAILED, format=f.format or "")
    if isinstance(exc, VerificationError):
        result.error = str(exc)
        result.notes.extend(exc.problems)
    elif isinstance(exc, RedactorError):
        result.error = str(exc)
    elif isinstance(exc, MemoryError):
        result.error = "out of memory (limit reached): the document is too large or a decompression bomb"
    else:  # a bug or an unforeseen file: fail this document, keep the batch
        result.error = f"internal error: {type(exc).__name__}: {exc}"
        result.notes.append(traceback.format_exc(limit=8))
    return result


def plan_phase(job: Job, settings: Settings, policy: Policy) -> PlanSummary:
    f = job.input
    if f.error or not f.format:
        return PlanSummary(DocumentResult(source=f.path, output=None, status=Status.FAILED,
                                          format=f.format or "", error=f.error or "unsupported format"))
    try:
        plan = plan_document(f.path, f.format, settings, policy, relpath=f.relpath.as_posix())
    except BaseException as exc:  # noqa: BLE001 - every failure is this document's outcome
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return PlanSummary(_failure(job, exc))
    plans = job.outdir / TMP_DIR_NAME / "plans"
    plans.mkdir(parents=True, exist_ok=True)
    plan_file = plans / f"{uuid.uuid4().hex}.pickle"
    with open(plan_file, "wb") as fh:
        pickle.dump(plan, fh, protocol=pickle.HIGHEST_PROTOCOL)
    values = [] if plan.withheld_document else set_values(plan)
    return PlanSummary(None, plan_file, values)


def release_phase(job: Job, settings: Settings, policy: Policy) -> DocumentResult:
    """Write, verify and release one planned document."""
    f = job.input
    result = DocumentResult(source=f.path, output=None, status=Status.FAILED, format=f.format or "")
    tmp_path = job.outdir / TMP_DIR_NAME / f"{uuid.uuid4().hex}{f.path.suffix.lower()}"
    try:
        with open(job.plan_file, "rb") as fh:
            plan: Plan = pickle.load(fh)
        values, pseudonyms = [], {}
        if job.set_file is not None:
            with open(job.set_file, "rb") as fh:
                values, pseudonyms = pickle.load(fh)
        plan = extend_plan(plan, values, pseudonyms)
        result.input_sha256 = plan.document.sha256
        result.pages = plan.document.page_count
        result.redactions = plan.redactions
        result.kept = plan.kept
        result.withheld_pages = sorted(plan.withheld_pages)
        result.ocr_pages = [{"page": p.number, "kind": p.ocr.kind, "dpi": p.ocr.dpi, "orientation": p.ocr.orientation,
                             "confidence": p.ocr.confidence} for p in plan.document.pages if p.ocr is not None]
        result.notes.extend(plan.review_reasons)
        if plan.withheld_document is not None:
            d = plan.withheld_document
            result.status = Status.WITHHELD
            result.error = None
            result.notes.append(f"withheld in full under {'; '.join(d.exemptions)} (rule {d.rule}): {d.reason}")
            result.withheld_by = d
            return result
        if plan.review_reasons:
            # Something in it could not be checked: never release it unreviewed.
            result.status = Status.NEEDS_REVIEW
            result.error = plan.review_reasons[0]
            return result
        if sha256_file(f.path) != plan.document.sha256:
            raise RedactorError("the input changed between planning and release")
        notes, drawn = write_release_copy(plan, tmp_path, password=settings.password, flatten=settings.flatten,
                                         keep_positions=settings.keep_positions)
        result.notes.extend(notes)
        problems = verify_release_copy(plan, tmp_path, drawn)
        if problems:
            raise VerificationError(problems)
        final = job.outdir / f.relpath
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_path, final)
        result.output = f.relpath
        result.output_sha256 = sha256_file(final)
        flagged = any(d.needs_review for d in plan.kept)
        if flagged or any(r.decision.needs_review for r in plan.redactions):
            result.status = Status.NEEDS_REVIEW
        elif plan.redactions or plan.withheld_pages:
            result.status = Status.REDACTED
        else:
            result.status = Status.UNCHANGED
    except BaseException as exc:  # noqa: BLE001
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        failed = _failure(job, exc)
        failed.input_sha256, failed.pages = result.input_sha256, result.pages
        result = failed
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
    return result


def process_document(job: Job, settings: Settings, policy: Policy) -> DocumentResult:
    """Both phases for one document on its own (no release set): for tests and tools."""
    summary = plan_phase(job, settings, policy)
    if summary.result is not None:
        return summary.result
    job.plan_file = summary.plan_file
    job.set_file = _write_set_file(job.outdir, [], assign_pseudonyms([(job, summary)]))
    try:
        return release_phase(job, settings, policy)
    finally:
        summary.plan_file.unlink(missing_ok=True)
        job.set_file.unlink(missing_ok=True)


def _write_set_file(outdir: Path, values, pseudonyms) -> Path:
    path = outdir / TMP_DIR_NAME / f"set-{uuid.uuid4().hex}.pickle"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        pickle.dump((values, pseudonyms), fh, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def assign_pseudonyms(planned: list[tuple[Job, PlanSummary]]) -> dict[str, str]:
    """One label per distinct pseudonymised value across the set, numbered in path order."""
    labels: dict[str, str] = {}
    counters: dict[str, int] = {}
    for job, summary in sorted(planned, key=lambda js: js[0].input.relpath.as_posix()):
        for value, d in summary.values:
            if d.action is not Action.PSEUDONYMISE:
                continue
            key = normalize_value(value)
            if key in labels:
                continue
            prefix = "Person" if d.finding.entity == "PERSON" else d.finding.entity.replace("_", " ").title()
            counters[prefix] = counters.get(prefix, 0) + 1
            labels[key] = f"{prefix} {counters[prefix]}"
    return labels


# ---------------------------------------------------------------------------------------
# Worker processes: time and memory bounds per document
# ---------------------------------------------------------------------------------------

PHASES: dict[str, Callable] = {"plan": plan_phase, "release": release_phase}


def _worker_main(conn, settings: Settings, policy: Policy) -> None:
    try:
        import resource

        if settings.memory_limit:
            resource.setrlimit(resource.RLIMIT_AS, (settings.memory_limit, settings.memory_limit))
    except (ImportError, ValueError, OSError):
        pass
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg is None:
            return
        phase, job = msg
        conn.send(PHASES[phase](job, settings, policy))


class _Worker:
    def __init__(self, ctx, settings: Settings, policy: Policy):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, settings, policy), daemon=True)
        self.proc.start()
        child.close()
        self.job: Job | None = None
        self.started = 0.0

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        else:
            try:
                self.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        self.proc.join(timeout=10)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()


class WorkerPool:
    """Worker processes that run one phase of one document at a time; a worker that exceeds
    the time limit or dies is replaced and its document failed."""

    def __init__(self, settings: Settings, policy: Policy, size: int):
        self.settings, self.policy = settings, policy
        self.ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
        self.workers = [_Worker(self.ctx, settings, policy) for _ in range(max(1, size))]

    def run(self, phase: str, jobs: list[Job], on_start: Callable[[Job], None] | None = None,
            on_crash: Callable[[Job, str], object] | None = None) -> Iterator[tuple[Job, object]]:
        from multiprocessing.connection import wait

        pending = list(jobs)
        while pending or any(w.job for w in self.workers):
            for w in self.workers:
                if w.job is None and pending:
                    w.job = pending.pop(0)
                    if on_start:
                        on_start(w.job)
                    w.started = time.monotonic()
                    w.conn.send((phase, w.job))
            busy = [w for w in self.workers if w.job is not None]
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=1.0)
            now = time.monotonic()
            for i, w in enumerate(self.workers):
                job = w.job
                if job is None:
                    continue
                if w.conn in ready:
                    try:
                        out = w.conn.recv()
                    except (EOFError, OSError):
                        out = None
                    if out is not None:
                        w.job = None
                        yield job, out
                        continue
                timed_out = now - w.started > self.settings.document_timeout
                if not w.proc.is_alive() or timed_out or w.conn in ready:
                    w.stop(kill=True)
                    self.workers[i] = _Worker(self.ctx, self.settings, self.policy)
                    reason = (f"timed out after {self.settings.document_timeout:.0f} s (hostile or huge file?)"
                              if timed_out else
                              "the worker process died (out of memory or a crash in a PDF library)")
                    yield job, DocumentResult(source=job.input.path, output=None, status=Status.FAILED,
                                              format=job.input.format or "", error=reason)

    def close(self) -> None:
        for w in self.workers:
            w.stop(kill=w.job is not None)


def run_batch(jobs: list[Job], settings: Settings, policy: Policy, workers: int = 1,
              on_start: Callable[[Job], None] | None = None) -> Iterator[DocumentResult]:
    """Yield one result per job. Phase 1 plans every document; phase 2 releases them with the
    values withheld anywhere in the set."""
    if not jobs:
        return
    outdir = jobs[0].outdir
    pool = WorkerPool(settings, policy, min(workers, len(jobs)))
    try:
        planned: list[tuple[Job, PlanSummary]] = []
        for job, out in pool.run("plan", jobs, on_start=on_start):
            if isinstance(out, DocumentResult):
                yield out
            elif out.result is not None:
                yield out.result
            else:
                job.plan_file = out.plan_file
                planned.append((job, out))
        values = [(v, job.input.relpath.as_posix(), d) for job, s in planned for v, d in s.values]
        set_file = _write_set_file(outdir, values, assign_pseudonyms(planned))
        release_jobs = []
        for job, _ in planned:
            job.set_file = set_file
            release_jobs.append(job)
        for job, out in pool.run("release", release_jobs, on_start=on_start):
            yield out
    finally:
        pool.close()
        shutil.rmtree(outdir / TMP_DIR_NAME, ignore_errors=True)
