"""Executors: run one phase of the pipeline (``pipeline.plan_phase``, ``pipeline.apply_phase``)
for each document of a release set.

``WorkerPool`` runs each document in a worker process bounded in time (``settings.
document_timeout``) and memory (``settings.memory_limit``); a worker that runs out of time
or dies is replaced and its document failed, and the batch goes on. ``InProcess`` runs the
jobs in the calling process, without bounds (for tools and tests). Another executor (a
cluster) only needs the same ``run(fn, jobs, on_start)`` method: ``fn`` is a top-level
function and every argument is picklable.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from typing import TYPE_CHECKING, Callable, Iterator

from .model import DocumentResult, Status
from .settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    from .pipeline import Job
    from .policy import Policy


class InProcess:
    """Run every job here, one after the other: no time or memory bounds."""

    def __init__(self, settings: Settings, policy: "Policy"):
        self.settings, self.policy = settings, policy

    def run(self, fn: Callable, jobs: list["Job"], on_start: Callable[["Job"], None] | None = None
            ) -> Iterator[tuple["Job", object]]:
        for job in jobs:
            if on_start:
                on_start(job)
            yield job, fn(job, self.settings, self.policy)

    def close(self) -> None:
        pass


# ---------------------------------------------------------------------------------------
# Worker processes: time and memory bounds per document
# ---------------------------------------------------------------------------------------

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


# A worker whose resident memory, once the heap's free memory is handed back to the system,
# has grown by more than this since its first document retires, and a fresh one takes its
# place: what a worker keeps from one document to the next (spaCy's vocabulary grows with
# every new word, caches, a fragmented heap) must not add up over a batch of thousands.
# (Relative to the first document: a worker forked from a larger parent starts larger.)
RETIRE_GROWTH_MB = 100.0


def _rss_mb() -> float:
    """This process's resident memory now (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 ** 2
    except (OSError, ValueError, IndexError):
        return 0.0


def _release_memory(collect: bool = False) -> float:
    """Hand the heap's free memory back to the system (glibc keeps it otherwise, and the next
    document's peak would stack on it), after a full garbage collection with ``collect``
    (about 0.1 s with the NLP pipeline loaded: only when it matters); the resident memory
    after."""
    if collect:
        import gc

        gc.collect()
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass
    return _rss_mb()


def _worker_main(conn, settings: Settings, policy: "Policy", parent: int = 0) -> None:
    if parent:
        _die_with_parent(parent)
    try:
        import resource

        if settings.memory_limit:
            resource.setrlimit(resource.RLIMIT_AS, (settings.memory_limit, settings.memory_limit))
    except (ImportError, ValueError, OSError):
        pass
    base = None  # resident MB after the first document
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg is None:
            return
        fn, job = msg
        out = fn(job, settings, policy)
        rss = _release_memory(collect=base is None)
        if base is None:
            base = rss
        elif rss > base + RETIRE_GROWTH_MB:  # garbage in reference cycles does not count
            rss = _release_memory(collect=True)
        retire = rss > base + RETIRE_GROWTH_MB
        conn.send((out, retire))
        if retire:
            return


class _Worker:
    def __init__(self, ctx, settings: Settings, policy: "Policy"):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, settings, policy, os.getpid()), daemon=True)
        self.proc.start()
        child.close()
        self.job: "Job | None" = None
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


def _size(job: "Job") -> int:
    path = getattr(getattr(job, "input", None), "path", None)
    try:
        return os.stat(path).st_size if path is not None else 0
    except OSError:
        return 0


class WorkerPool:
    """Worker processes that run one phase of one document at a time; a worker that exceeds
    the time limit or dies is replaced and its document failed."""

    def __init__(self, settings: Settings, policy: "Policy", size: int | None = None):
        size = settings.jobs if size is None else size
        self.settings, self.policy = settings, policy
        self.ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
        self.workers = [_Worker(self.ctx, settings, policy) for _ in range(max(1, size))]

    def run(self, fn: Callable, jobs: list["Job"], on_start: Callable[["Job"], None] | None = None
            ) -> Iterator[tuple["Job", object]]:
        from multiprocessing.connection import wait

        pending = list(jobs)
        if len(self.workers) > 1:
            # Largest first: a batch ends when its last document does, and a large document
            # taken last keeps one worker busy while the others wait (a file's size stands
            # for its work; equal sizes keep their order).
            pending.sort(key=_size, reverse=True)
        while pending or any(w.job for w in self.workers):
            for w in self.workers:
                if w.job is None and pending:
                    w.job = pending.pop(0)
                    if on_start:
                        on_start(w.job)
                    w.started = time.monotonic()
                    w.conn.send((fn, w.job))
            busy = [w for w in self.workers if w.job is not None]
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=1.0)
            now = time.monotonic()
            for i, w in enumerate(self.workers):
                job = w.job
                if job is None:
                    continue
                if w.conn in ready:
                    try:
                        out, retired = w.conn.recv()
                    except (EOFError, OSError):
                        out = None
                    if out is not None:
                        w.job = None
                        if retired:  # it kept too much memory: a fresh worker takes its place
                            w.stop()
                            self.workers[i] = _Worker(self.ctx, self.settings, self.policy)
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
