"""An executor on a Dask distributed cluster (`redactor run --executor dask --scheduler
tcp://HOST:PORT`), for release sets larger than one machine can process overnight.

It runs the same two phases as the local worker pool (``pipeline.plan_phase`` and
``pipeline.apply_phase``, plain functions of picklable jobs), one Dask task per document and
phase. The run itself stays in the calling process: it plans every document on the cluster,
collects the values withheld anywhere in the set, then has the cluster write and verify every
copy, and releases each verified copy itself (manifest, audit trail). So the set-wide
consistency is the same as on one machine, and only this process writes the release tree.

Inputs and OUTDIR must be on storage every worker sees under the same paths (plans and
verified copies go through OUTDIR/.redactor-tmp/). Each worker process loads the NLP
pipeline once, when it joins (a worker plugin), and keeps it for every document it is given.
Dask bounds a worker's memory (its --memory-limit; the nanny restarts a worker over it), not
the time of one task: a stuck document holds its worker until the run ends.

Dask (BSD) is an optional dependency: `pip install redactor[dask]`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterator

from .errors import UsageError
from .model import DocumentResult, Status
from .settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    from .pipeline import Job
    from .policy import Policy


class LoadPipeline:
    """Worker plugin: load the NLP pipeline when a worker starts, once per worker process."""

    name = "redactor-pipeline"

    def __init__(self, model: str):
        self.model = model

    def setup(self, worker=None) -> None:
        from .detect import analyzer

        analyzer(self.model)


def _call(fn: Callable, job: "Job", settings: Settings, policy: "Policy"):
    """On a worker: one phase of one document. ``analyzer`` is a per-process cache, so the
    pipeline is built once per worker process, by the plugin or by its first document."""
    return fn(job, settings, policy)


class DaskExecutor:
    """Runs each job's phase as a Dask task; the same ``run(fn, jobs, on_start)`` as
    ``batch.WorkerPool``."""

    def __init__(self, settings: Settings, policy: "Policy", scheduler: str | None = None, client=None):
        try:
            from distributed import Client
        except ImportError:
            raise UsageError("--executor dask needs Dask distributed: pip install 'redactor[dask]'") from None
        self.settings, self.policy = settings, policy
        self._own_client = client is None
        if client is None:
            address = scheduler or settings.scheduler
            if not address:
                raise UsageError("--executor dask needs --scheduler tcp://HOST:PORT")
            try:
                client = Client(address, set_as_default=False, timeout="10s")
            except (OSError, TimeoutError) as exc:
                raise UsageError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self.client = client
        try:
            self.client.register_plugin(LoadPipeline(settings.model), name=LoadPipeline.name)
        except Exception:  # noqa: BLE001 - an older distributed: the first task loads it instead
            pass
        # Settings and policy travel to each worker once, not with every task.
        [self._settings] = self.client.scatter([settings], broadcast=True, hash=False)
        [self._policy] = self.client.scatter([policy], broadcast=True, hash=False)

    def run(self, fn: Callable, jobs: list["Job"], on_start: Callable[["Job"], None] | None = None
            ) -> Iterator[tuple["Job", object]]:
        from distributed import as_completed

        from .batch import _size

        futures = {}
        for job in jobs:
            if on_start:
                on_start(job)
            # Largest first, as the local worker pool does: a large document the scheduler
            # starts last would keep one worker busy while the others wait.
            fut = self.client.submit(_call, fn, job, self._settings, self._policy, pure=False,
                                     priority=_size(job))
            futures[fut] = job
        for fut in as_completed(list(futures), loop=self.client.loop):
            job = futures.pop(fut)
            try:
                out = fut.result()
            except Exception as exc:  # noqa: BLE001 - the worker died or the task raised
                out = DocumentResult(source=job.input.path, output=None, status=Status.FAILED,
                                     format=job.input.format or "",
                                     error=f"the Dask worker failed on this document ({type(exc).__name__})")
            fut.release()
            yield job, out

    def close(self) -> None:
        if self._own_client:
            self.client.close()
