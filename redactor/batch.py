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
from .incremental import Previous, RunState
from .manifest import plan_digest

TMP_DIR_NAME = ".redactor-tmp"


@dataclass
class Job:
    input: InputFile
    outdir: Path
    plan_file: Path | None = None
    set_file: Path | None = None  # pickled (values withheld across the set, pseudonyms)
    key: str = ""  # manifest document key (incremental.py)
    previous: Previous | None = None  # an earlier release of the same input under the same key
    # Leave the verified copy in OUTDIR/.redactor-tmp for the parent to publish (with a
    # RunState: manifest, audit) instead of moving it into place here.
    hand_back: bool = False


@dataclass
class Released:
    """What phase 2 hands back when the parent publishes: the result, the verified copy
    waiting in OUTDIR/.redactor-tmp (None: nothing to release), the final plan's digest, and
    whether an earlier identical release was kept instead."""

    result: DocumentResult
    tmp: Path | None
    plan_sha256: str | None
    kept_since: str | None = None


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


def release_phase(job: Job, settings: Settings, policy: Policy) -> DocumentResult | Released:
    """Write, verify and release one planned document (with ``job.hand_back``: write and
    verify it, and hand the verified copy back to the parent to release)."""
    f = job.input
    digest = None
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
        digest = plan_digest(plan) if job.hand_back else None
        result.input_sha256 = plan.document.sha256
        result.pages = plan.document.page_count
        result.redactions = plan.redactions
        result.kept = plan.kept
        result.withheld_pages = sorted(plan.withheld_pages)
        result.notes.extend(plan.review_reasons)
        if plan.withheld_document is not None:
            d = plan.withheld_document
            result.status = Status.WITHHELD
            result.error = None
            result.notes.append(f"withheld in full under {'; '.join(d.exemptions)} (rule {d.rule}): {d.reason}")
            result.withheld_by = d
            return Released(result, None, digest) if job.hand_back else result
        if plan.review_reasons:
            # Something in it could not be checked: never release it unreviewed.
            result.status = Status.NEEDS_REVIEW
            result.error = plan.review_reasons[0]
            return Released(result, None, digest) if job.hand_back else result
        flagged = any(d.needs_review for d in plan.kept)
        if flagged or any(r.decision.needs_review for r in plan.redactions):
            status = Status.NEEDS_REVIEW
        elif plan.redactions or plan.withheld_pages:
            status = Status.REDACTED
        else:
            status = Status.UNCHANGED
        prev = job.previous
        if prev is not None and digest is not None and prev.plan_sha256 == digest and prev.output:
            # The same input, policy, settings and final plan as a release already in place:
            # the copy would be byte for byte the same, keep it.
            result.status, result.output, result.output_sha256 = status, f.relpath, prev.output_sha256
            return Released(result, None, digest, kept_since=prev.time)
        if sha256_file(f.path) != plan.document.sha256:
            raise RedactorError("the input changed between planning and release")
        notes, drawn = write_release_copy(plan, tmp_path, password=settings.password, flatten=settings.flatten,
                                         keep_positions=settings.keep_positions)
        result.notes.extend(notes)
        problems = verify_release_copy(plan, tmp_path, drawn)
        if problems:
            raise VerificationError(problems)
        result.status = status
        result.output = f.relpath
        if job.hand_back:
            handed = tmp_path.with_name(tmp_path.name + ".verified")
            os.replace(tmp_path, handed)
            return Released(result, handed, digest)
        final = job.outdir / f.relpath
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_path, final)
        result.output_sha256 = sha256_file(final)
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


def _write_set_file(outdir: Path, values, pseudonyms, path: Path | None = None) -> Path:
    path = path or outdir / TMP_DIR_NAME / f"set-{uuid.uuid4().hex}.pickle"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump((values, pseudonyms), fh, protocol=pickle.HIGHEST_PROTOCOL)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)  # complete or absent: a re-run after a crash may reuse it
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


def _die_with_parent(parent: int) -> None:
    """A worker must not outlive its parent: a killed run's workers would go on writing in
    OUTDIR/.redactor-tmp and hold the inherited OUTDIR lock. Linux: PR_SET_PDEATHSIG."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the call
        os._exit(1)


def _worker_main(conn, settings: Settings, policy: Policy, parent: int = 0) -> None:
    if parent:
        _die_with_parent(parent)
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
        self.proc = ctx.Process(target=_worker_main, args=(child, settings, policy, os.getpid()), daemon=True)
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
              on_start: Callable[[Job], None] | None = None, state: RunState | None = None
              ) -> Iterator[DocumentResult]:
    """Yield one result per job. Phase 1 plans every document; phase 2 releases them with the
    values withheld anywhere in the set. With a ``state`` (manifest and audit trail of OUTDIR)
    documents already released under the same keys are skipped, and the parent publishes
    each verified copy exactly once."""
    if not jobs:
        return
    outdir = jobs[0].outdir
    tmp_dir = outdir / TMP_DIR_NAME
    set_path = None
    skipped: list[Job] = []
    if state is not None:
        todo = []
        for job, res in _skip_unchanged(jobs, state):
            if res is not None:
                skipped.append(job)
                yield res
            else:
                todo.append(job)
        jobs = todo
        if not jobs:
            state.notes.append("nothing changed since the last run")
            shutil.rmtree(tmp_dir, ignore_errors=True)
            return
        # The set's withheld values, kept from a run of this very set that was killed after
        # planning: the documents it released need not be planned again.
        set_path = tmp_dir / f"set-{state.set_key}.pickle"
    pool = WorkerPool(settings, policy, min(workers, len(jobs)))
    try:
        release_jobs: list[Job] = []
        if set_path is not None and set_path.exists():
            to_plan, reuse = jobs, set_path
        else:
            # Documents skipped still withhold values in the others: plan them (not release).
            to_plan, reuse = skipped + jobs, None
        plan_only = {id(j) for j in skipped}
        planned: list[tuple[Job, PlanSummary]] = []
        for job, out in pool.run("plan", to_plan, on_start=on_start):
            if id(job) in plan_only:
                if not isinstance(out, DocumentResult) and out.result is None:
                    planned.append((job, out))
                continue
            if isinstance(out, DocumentResult):
                yield _settle(job, out, state)
            elif out.result is not None:
                yield _settle(job, out.result, state)
            else:
                job.plan_file = out.plan_file
                planned.append((job, out))
        if reuse is not None:
            set_file = reuse
        else:
            values = [(v, job.input.relpath.as_posix(), d) for job, s in planned for v, d in s.values]
            set_file = _write_set_file(outdir, values, assign_pseudonyms(planned), path=set_path)
        for job, _ in planned:
            if id(job) in plan_only:
                continue
            job.set_file = set_file
            job.hand_back = state is not None
            release_jobs.append(job)
        for job, out in pool.run("release", release_jobs, on_start=on_start):
            yield _settle(job, out, state)
    finally:
        pool.close()
    shutil.rmtree(tmp_dir, ignore_errors=True)


def _skip_unchanged(jobs: list[Job], state: RunState) -> Iterator[tuple[Job, DocumentResult | None]]:
    """Key every job; yield (job, result) for documents already released in this very set
    (nothing to do), (job, None) for the rest, each with its earlier release if any."""
    digests = {}
    for job in jobs:
        if job.input.format and not job.input.error:
            try:
                digests[job.input.relpath.as_posix()] = sha256_file(job.input.path)
            except OSError:
                pass
    keys = state.keys(sorted(digests.items()))
    for job in jobs:
        rel = job.input.relpath.as_posix()
        job.key = keys.get(rel, "")
        rec = state.skippable(rel, job.key) if job.key else None
        if rec is None:
            job.previous = state.previous(rel, job.key) if job.key else None
            yield job, None
            continue
        f = job.input
        res = DocumentResult(source=f.path, output=Path(rec["output"]) if rec.get("output") else None,
                             status=Status(rec["status"]), format=f.format or "", input_sha256=digests[rel],
                             output_sha256=rec.get("output_sha256") or "")
        res.unchanged_since = rec.get("time") or "an earlier run"
        yield job, res


def _settle(job: Job, out: DocumentResult | Released, state: RunState | None) -> DocumentResult:
    """Record one document's outcome: publish its release copy, or note it kept or failed."""
    if state is None:
        return out.result if isinstance(out, Released) else out
    rel = job.input.relpath.as_posix()
    if not isinstance(out, Released):  # failed (in a worker, or the worker died)
        state.failed(rel, job.key or None, out.input_sha256 or None, out.error or "")
        return out
    res = out.result
    counts: dict[str, int] = {}
    for r in res.redactions:
        for code in r.decision.exemptions:
            counts[code] = counts.get(code, 0) + 1
    if out.kept_since is not None:
        state.unchanged(rel, job.key, job.previous)
        res.unchanged_since = out.kept_since
        return res
    try:
        sha = state.publish(rel, job.key, status=res.status.value, input_sha256=res.input_sha256,
                            tmp=out.tmp, plan_sha256=out.plan_sha256, counts=dict(sorted(counts.items())))
    except OSError as exc:
        failed = DocumentResult(source=res.source, output=None, status=Status.FAILED, format=res.format,
                                pages=res.pages, input_sha256=res.input_sha256,
                                error=f"could not release the verified copy: {exc.strerror}")
        state.failed(rel, job.key or None, res.input_sha256 or None, failed.error)
        return failed
    if sha:
        res.output_sha256 = sha
    return res
