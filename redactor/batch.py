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
    # The NLP pipeline loads on the worker's first document: say when the load starts and
    # ends, so that the document's time limit does not count it.
    global on_pipeline_load
    on_pipeline_load = lambda done: conn.send(LOADED if done else LOADING)  # noqa: E731
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
        self.loading = False  # loading the NLP pipeline (its time is not the document's)

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


# A worker's messages while it loads the NLP pipeline, on its first document. The load is
# bounded on its own (a worker stuck loading is replaced).
LOADING, LOADED = "nlp-pipeline-loading", "nlp-pipeline-loaded"
LOAD_LIMIT = 600.0  # seconds
# Called in a worker before (False) and after (True) it loads its NLP pipeline (pipeline.py).
on_pipeline_load: "Callable[[bool], None] | None" = None


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

        def hand_out(w: _Worker) -> None:
            if w.job is None and pending:
                w.job = pending.pop(0)
                if on_start:
                    on_start(w.job)
                w.started, w.loading = time.monotonic(), False
                w.conn.send((fn, w.job))

        while pending or any(w.job for w in self.workers):
            for w in self.workers:
                hand_out(w)
            busy = [w for w in self.workers if w.job is not None]
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=1.0)
            now = time.monotonic()
            for i, w in enumerate(self.workers):
                job = w.job
                if job is None:
                    continue
                if w.conn in ready:
                    try:
                        msg = w.conn.recv()
                    except (EOFError, OSError):
                        msg = None
                    if msg in (LOADING, LOADED):  # the document's time starts when the load ends
                        w.loading = msg == LOADING
                        w.started = time.monotonic()
                        continue
                    out, retired = msg if msg is not None else (None, False)
                    if out is not None:
                        w.job = None
                        if retired:  # it kept too much memory: a fresh worker takes its place
                            w.stop()
                            self.workers[i] = _Worker(self.ctx, self.settings, self.policy)
                        # The next document before this one's outcome is recorded (release,
                        # manifest, audit trail: a file synced to disk each): the worker does
                        # not wait for the parent.
                        hand_out(self.workers[i])
                        yield job, out
                        continue
                limit = max(self.settings.document_timeout, LOAD_LIMIT) if w.loading else self.settings.document_timeout
                timed_out = now - w.started > limit
                if not w.proc.is_alive() or timed_out or w.conn in ready:
                    w.stop(kill=True)
                    self.workers[i] = _Worker(self.ctx, self.settings, self.policy)
                    if timed_out and w.loading:
                        reason = (f"timed out after {limit:.0f} s loading the NLP pipeline "
                                  f"({self.settings.model}), before reading the document")
                    elif timed_out:
                        reason = f"timed out after {limit:.0f} s (hostile or huge file?)"
                    else:
                        reason = "the worker process died (out of memory or a crash in a PDF library)"
                    yield job, DocumentResult(source=job.input.path, output=None, status=Status.FAILED,
                                              format=job.input.format or "", error=reason)

    def close(self) -> None:
        for w in self.workers:
            w.stop(kill=w.job is not None)
