"""Run the pipeline over a batch: one document at a time per worker process, each bounded in
time and memory, a failure in one never stopping the others.

Per document: read -> detect -> decide -> plan -> write to a temporary file inside OUTDIR ->
verify -> move into place. Only a verified copy is ever moved into the release tree.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import tempfile
import traceback
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from .errors import BadInputError, RedactorError, VerificationError
from .extract import read_document, sha256_file
from .ingest import InputFile
from .model import Action, DocumentResult, Plan, Status
from .plan import build_plan
from .policy import Policy, decide
from .redact import verify_release_copy, write_release_copy
from .settings import Settings

TMP_DIR_NAME = ".redactor-tmp"


@dataclass
class Job:
    input: InputFile
    outdir: Path


def plan_document(path: Path, fmt: str, settings: Settings, policy: Policy) -> Plan:
    from .detect import detect

    document = read_document(path, fmt, password=settings.password)
    findings = detect(document, settings)
    decisions = decide(findings, policy)
    return build_plan(document, decisions, policy.name)


def process_document(job: Job, settings: Settings, policy: Policy) -> DocumentResult:
    """The whole pipeline for one document. Never raises for a problem with the document."""
    f = job.input
    result = DocumentResult(source=f.path, output=None, status=Status.FAILED, format=f.format or "")
    if f.error or not f.format:
        result.error = f.error or "unsupported format"
        return result
    tmpdir = job.outdir / TMP_DIR_NAME
    tmp_path = tmpdir / f"{uuid.uuid4().hex}{f.path.suffix.lower()}"
    try:
        result.input_sha256 = sha256_file(f.path)
        plan = plan_document(f.path, f.format, settings, policy)
        result.pages = plan.document.page_count
        result.redactions = plan.redactions
        result.notes.extend(plan.review_reasons)
        if plan.review_reasons:
            # Something in it could not be checked: never release it unreviewed.
            result.status = Status.NEEDS_REVIEW
            result.error = plan.review_reasons[0]
            return result
        tmpdir.mkdir(parents=True, exist_ok=True)
        notes, drawn = write_release_copy(plan, tmp_path, password=settings.password)
        result.notes.extend(notes)
        problems = verify_release_copy(plan, tmp_path, drawn)
        if problems:
            raise VerificationError(problems)
        final = job.outdir / f.relpath
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_path, final)
        result.output = f.relpath
        result.output_sha256 = sha256_file(final)
        if any(r.decision.needs_review for r in plan.redactions):
            result.status = Status.NEEDS_REVIEW
        elif plan.redactions:
            result.status = Status.REDACTED
        else:
            result.status = Status.UNCHANGED
    except VerificationError as exc:
        result.status = Status.FAILED
        result.error = str(exc)
        result.notes.extend(exc.problems)
    except RedactorError as exc:
        result.status = Status.FAILED
        result.error = str(exc)
    except MemoryError:
        result.status = Status.FAILED
        result.error = "out of memory (limit reached): the document is too large or a decompression bomb"
    except Exception as exc:  # a bug or an unforeseen file: fail this document, keep the batch
        result.status = Status.FAILED
        result.error = f"internal error: {type(exc).__name__}: {exc}"
        result.notes.append(traceback.format_exc(limit=8))
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
    return result


# ---------------------------------------------------------------------------------------
# Worker processes: time and memory bounds per document
# ---------------------------------------------------------------------------------------

def _worker_main(conn, settings: Settings, policy: Policy) -> None:
    try:
        import resource

        if settings.memory_limit:
            resource.setrlimit(resource.RLIMIT_AS, (settings.memory_limit, settings.memory_limit))
    except (ImportError, ValueError, OSError):
        pass
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        conn.send(process_document(job, settings, policy))


class _Worker:
    def __init__(self, ctx, settings: Settings, policy: Policy):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, settings, policy), daemon=True)
        self.proc.start()
        child.close()
        self.job: Job | None = None

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


def run_batch(jobs: list[Job], settings: Settings, policy: Policy, workers: int = 1,
              on_start: Callable[[Job], None] | None = None) -> Iterator[DocumentResult]:
    """Yield one result per job (in completion order). Each document runs in a worker
    process; one that exceeds the time limit or dies is failed and its worker replaced."""
    import time
    from multiprocessing.connection import wait

    if not jobs:
        return
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    pending = list(jobs)
    pool = [_Worker(ctx, settings, policy) for _ in range(max(1, min(workers, len(jobs))))]
    started: dict[int, float] = {}
    try:
        while pending or any(w.job for w in pool):
            for i, w in enumerate(pool):
                if w.job is None and pending:
                    w.job = pending.pop(0)
                    if on_start:
                        on_start(w.job)
                    started[i] = time.monotonic()
                    w.conn.send(w.job)
            busy = [w for w in pool if w.job is not None]
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=1.0)
            now = time.monotonic()
            for i, w in enumerate(pool):
                if w.job is None:
                    continue
                if w.conn in ready:
                    try:
                        result = w.conn.recv()
                    except (EOFError, OSError):
                        result = None
                    if result is not None:
                        w.job = None
                        yield result
                        continue
                dead = not w.proc.is_alive()
                timed_out = now - started[i] > settings.document_timeout
                if dead or timed_out or (w.conn in ready):
                    job = w.job
                    w.stop(kill=True)
                    _cleanup_tmp(job.outdir)
                    reason = (f"timed out after {settings.document_timeout:.0f} s (hostile or huge file?)"
                              if timed_out else
                              "the worker process died (out of memory or a crash in a PDF library)")
                    pool[i] = _Worker(ctx, settings, policy)
                    yield DocumentResult(source=job.input.path, output=None, status=Status.FAILED,
                                         format=job.input.format or "", error=reason)
    finally:
        for w in pool:
            w.stop(kill=w.job is not None)
        for job in jobs[:1]:
            _cleanup_tmp(job.outdir, remove_dir=True)


def _cleanup_tmp(outdir: Path, remove_dir: bool = False) -> None:
    tmp = outdir / TMP_DIR_NAME
    if remove_dir:
        shutil.rmtree(tmp, ignore_errors=True)


__all__ = ["Job", "process_document", "run_batch", "plan_document", "Action", "BadInputError",
           "tempfile"]
