"""The pipeline, as a library: ingest -> extract -> detect -> decide -> plan -> write -> verify
-> report.

``run`` is `redactor run` without the command line::

    from redactor import Settings, run
    outcome = run(["records/"], "release/", Settings(policy_path=Path("us-foia"), jobs=2))
    print(outcome.report["summary"], outcome.failed)

A release set is processed in two phases, each a plain function of picklable arguments that an
executor runs per document (``batch.WorkerPool``: worker processes bounded in time and memory;
any object with the same ``run(fn, jobs, on_start)`` method will do):

- ``plan_phase``: extract -> detect -> decide -> plan for one document (``plan_document``).
  The plan is stored in OUTDIR/.redactor-tmp/plans/; only the values it withholds come back.
- between the phases the parent collects the values withheld anywhere in the set
  (``release_set``), so a name found in one record is withheld in all of them, and gives
  pseudonymised values their set-wide labels ("Person 3").
- ``apply_phase``: extend the plan with the set's values -> write -> verify -> move into
  place (``apply_plan``). Only a verified copy ever reaches the release tree.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import pickle
import shutil
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Protocol

from .errors import RedactorError, VerificationError
from .formats import by_name, sha256_file
from .ingest import InputFile
from .model import Action, Decision, Document, DocumentResult, Finding, Plan, Status, line_breaks
from .settings import Settings
from .values import normalize

if TYPE_CHECKING:  # pragma: no cover
    from .incremental import Previous, RunState
    from .policy import Policy

TMP_DIR_NAME = ".redactor-tmp"


# ---------------------------------------------------------------------------------------
# The whole run
# ---------------------------------------------------------------------------------------

@dataclass
class RunOutcome:
    # The report: its summary and (read from report.json when asked for) its documents.
    report: dict
    report_json: Path
    report_html: Path
    withholding_log: tuple[Path, Path]  # CSV and HTML, for the requester
    review_report: Path | None = None  # NOT-FOR-RELEASE/report.html: holds withheld text
    # Seconds per stage summed over the workers, and the largest worker's peak memory (MB).
    stats: dict = field(default_factory=dict)
    # The documents that failed or wait for review: source, status, error.
    problems: list[dict] = field(default_factory=list)

    @property
    def failed(self) -> list[dict]:
        return [d for d in self.problems if d["status"] == "failed"]

    @property
    def needs_review(self) -> list[dict]:
        return [d for d in self.problems if d["status"] == "needs_review"]


class Report(dict):
    """A written report without its documents in memory: report["documents"] reads them
    from report.json (a run of thousands of documents never holds them all)."""

    def __init__(self, data: dict, path: Path):
        super().__init__(data)
        self.path = path

    def __missing__(self, key):
        if key != "documents":
            raise KeyError(key)
        return json.loads(self.path.read_text(encoding="utf-8"))["documents"]


REPORT_SPOOL = ".redactor-report.spool"  # in OUTDIR, during a run


def run(inputs: Iterable[Path | str], out: Path | str, settings: Settings | None = None,
        policy: "Policy | None" = None, executor: "Executor | None" = None,
        on_start: Callable[["Job"], None] | None = None,
        on_result: Callable[[DocumentResult], None] | None = None) -> RunOutcome:
    """Redact ``inputs`` (files or folders) into ``out``; write out/report.json and
    out/report.html. A failure in one document is that document's outcome, never the run's;
    a bad policy or bad arguments raise ``RedactorError``. ``on_start`` hears of each job as
    it starts, ``on_result`` of each document's outcome (progress displays).

    Each document's report entries are written to disk as it finishes (report.DocumentSpool,
    review_report.ReviewSpool) and the reports written from there at the end: the run holds
    the summary's counts, not every document's outcome."""
    from .incremental import RunState
    from .outdir import OutdirLock
    from .report import DocumentSpool, previous_documents
    from .review_report import REVIEW_DIR_NAME, ReviewSpool

    settings = settings or Settings()
    policy = policy or load_run_policy(settings)
    out = Path(out)
    files = ingest([Path(p) for p in inputs], out)                      # ingest
    out.mkdir(parents=True, exist_ok=True)
    # One job at a time per OUTDIR; what earlier runs released there (manifest.jsonl) is
    # skipped, and every release is logged in the audit trail (audit.jsonl).
    with OutdirLock(out):
        state = RunState.open(out, policy, settings, force=settings.force)
        _remove_partial_reports(out)
        spool = DocumentSpool(out / REPORT_SPOOL, previous_documents(out))
        review = ReviewSpool(out) if settings.review_report else None
        if review is None:  # withheld values a killed run left there
            (out / REVIEW_DIR_NAME / ".documents.spool").unlink(missing_ok=True)
        try:
            stats: dict = {}
            for result in process(files, out, settings, policy, executor, on_start, state=state,  # extract .. verify
                                  stats=stats):
                for res in (result, *result.attachments):  # documents inside it, each listed on its own
                    spool.add(res)
                    if review is not None:
                        review.add(res)
                if on_result:
                    on_result(result)
            with stage("report (parent)"):
                outcome = write_reports(spool, out, settings, policy, state, review)  # report
        finally:
            spool.close()
            if review is not None:
                review.close()
    for k, v in take_stats()["seconds"].items():  # the parent's own stages
        stats.setdefault("seconds", {})[k] = stats.get("seconds", {}).get(k, 0.0) + v
    outcome.stats = stats
    return outcome


def _remove_partial_reports(out: Path) -> None:
    """The temporary files of reports a killed run was writing (each report is written to a
    temporary file, then renamed over the old one: the old report stays whole)."""
    from .review_report import REVIEW_DIR_NAME

    for pattern in (".report.json.*tmp", ".report.html.*tmp", ".withholding-log.*tmp", ".manifest.jsonl.*tmp"):
        for p in out.glob(pattern):
            p.unlink(missing_ok=True)
    for p in (out / REVIEW_DIR_NAME).glob(".*.tmp"):
        p.unlink(missing_ok=True)


def load_run_policy(settings: Settings) -> "Policy":
    """The settings' policy (a file, or the name of a shipped policy), with the requester's
    own data released to them."""
    from .policy import load_policy_spec

    policy = load_policy_spec(settings.policy_path)
    return policy.with_requester(list(settings.requester)) if settings.requester else policy


def ingest(inputs: list[Path], out: Path) -> list[InputFile]:
    from .ingest import discover

    return discover(inputs, out)


def report(results: list[DocumentResult], out: Path, settings: Settings, policy: "Policy",
           state: "RunState | None" = None, previous: dict | None = None) -> RunOutcome:
    """report.json and report.html, the withholding log for the requester, and (unless
    turned off) the reviewer's report in OUTDIR/NOT-FOR-RELEASE/, from results in memory (the
    report's documents stay in it). With a ``state``, the run's end goes into the manifest
    and the audit trail, whose head the report records."""
    from .report import build_report, write_report
    from .withholding_log import withholding_rows, write_withholding_log

    rep = build_report(results, policy, settings.model, previous=previous)
    if state is not None:
        rep["audit_head"] = state.finish(rep["summary"])
    json_path, html_path = write_report(rep, out)
    log = write_withholding_log(withholding_rows(rep, policy, out), out, rep, rep["summary"].get("release"))
    review_path = None
    if settings.review_report:
        from .review_report import write_run_review

        review_path = write_run_review(results, out, rep["policy"], workers=settings.jobs,
                                       password=settings.password, memory_limit=settings.memory_limit)
    problems = [{k: d.get(k) for k in ("source", "status", "error")} for d in rep["documents"]
                if d["status"] in ("failed", "needs_review")]
    return RunOutcome(rep, json_path, html_path, tuple(log), review_path, problems=problems)


def write_reports(spool, out: Path, settings: Settings, policy: "Policy", state: "RunState | None" = None,
                  review=None) -> RunOutcome:
    """``report`` for a run whose document entries are in ``spool`` (report.DocumentSpool) and
    ``review`` (review_report.ReviewSpool): each file is written from them, one entry at a
    time, and atomically."""
    from .report import report_head, write_report
    from .withholding_log import iter_withholding_rows, write_withholding_log

    rep = {**report_head(policy, settings.model), "summary": spool.totals.summary(), "documents": []}
    if state is not None:
        rep["audit_head"] = state.finish(rep["summary"])
    json_path, html_path = write_report(rep, out, documents=spool.documents)
    log = write_withholding_log(iter_withholding_rows(rep, spool.documents(), policy, out), out, rep,
                                rep["summary"].get("release"))
    review_path = None
    if review is not None:
        from .review_report import write_run_review

        review_path = write_run_review(review, out, rep["policy"], workers=settings.jobs,
                                       password=settings.password, memory_limit=settings.memory_limit)
    del rep["documents"]
    return RunOutcome(Report(rep, json_path), json_path, html_path, tuple(log), review_path,
                      problems=list(spool.problems))


# ---------------------------------------------------------------------------------------
# Where the time goes: seconds per stage, summed in each worker and handed back with each
# document's outcome (make bench prints them; RunOutcome.stats)
# ---------------------------------------------------------------------------------------

_seconds: dict[str, float] = {}


def _cpu_seconds() -> float:
    """This process's CPU time and that of the child processes it waited for (Tesseract and
    pdftoppm for OCR, page renderers)."""
    import resource

    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + c.ru_utime + c.ru_stime


@contextlib.contextmanager
def stage(name: str):
    """CPU seconds spent in ``name``, by this process and the programs it ran (robust to a
    busy machine)."""
    start = _cpu_seconds()
    try:
        yield
    finally:
        _seconds[name] = _seconds.get(name, 0.0) + _cpu_seconds() - start


def take_stats() -> dict:
    """This process's stage seconds since the last call, and its peak memory (MB)."""
    import resource

    out = {"seconds": dict(_seconds), "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    _seconds.clear()
    return out


# Python's cyclic garbage collector, tuned for a process that runs documents: with the
# default thresholds (a collection every 700 allocations) a document of a few pages set off
# dozens of full collections, each walking every object the process holds, the NLP
# pipeline's included: 15% of a worker's CPU time on the generated bench corpus (gc
# callbacks: 2.4 s of 16 s for 50 pages; 0.7 s tuned). The objects alive once the pipeline
# is loaded are moved out of the collector's reach (gc.freeze; reference counting still
# frees them), and collections run every 10,000 allocations. Garbage in reference cycles
# lives a little longer; no stage's result depends on when it goes.
GC_THRESHOLDS = (10_000, 10, 10)
_gc_tuned = False


def tune_gc(freeze: bool = False) -> None:
    """Set this process's collector thresholds (once); with ``freeze``, first collect and
    freeze what is alive now (the NLP pipeline just loaded)."""
    global _gc_tuned
    import gc

    if not _gc_tuned:
        gc.set_threshold(*GC_THRESHOLDS)
        _gc_tuned = True
    if freeze:
        gc.collect()
        gc.freeze()


def add_stats(total: dict, stats: dict | None) -> None:
    if not stats:
        return
    for k, v in stats.get("seconds", {}).items():
        total.setdefault("seconds", {})[k] = total.get("seconds", {}).get(k, 0.0) + v
    total["worker_peak_mb"] = max(total.get("worker_peak_mb", 0.0), stats.get("peak_mb", 0.0))


# ---------------------------------------------------------------------------------------
# One document: the stages
# ---------------------------------------------------------------------------------------

def plan_document(file: InputFile, settings: Settings, policy: "Policy") -> Plan:
    """extract -> detect -> decide -> plan, for one document on its own; the documents inside
    it (email attachments) are each planned the same way, as documents of their own, and
    withhold each other's values (attachments.py)."""
    from .attachments import plan_tree

    with stage("extract"):
        document = by_name(file.format).read(file.path, settings)              # extract
    plan = plan_read_document(document, settings, policy, file.relpath.as_posix())
    if document.attachments:
        plan = plan_tree(plan, lambda doc, rel: plan_read_document(doc, settings, policy, rel))
    return plan


def plan_read_document(document: Document, settings: Settings, policy: "Policy", relpath: str) -> Plan:
    """detect -> decide -> plan, for a document already read."""
    from .detect import detect, language_warnings
    from .plan import build_plan
    from .policy import decide, deny_findings

    pages = [p.text for p in document.pages]
    from .detect import analyzer

    with stage("load NLP pipeline (once per worker)"):
        from . import detect as _detect

        from .batch import on_pipeline_load  # set in a worker process

        builds = _detect.analyzer_builds
        loading = on_pipeline_load is not None and not _detect.analyzer_built(settings.model)
        if loading:
            on_pipeline_load(False)
        analyzer(settings.model)  # built on a worker's first document, then kept
        if loading:
            on_pipeline_load(True)
        tune_gc(freeze=_detect.analyzer_builds != builds)
    with stage("detect"):
        findings = detect(document, settings) + deny_findings(pages, policy)    # detect
    with stage("decide and plan"):
        from recognizers.records import document_attributes

        # what kind of record it is, from its content (a law enforcement record): rules and
        # overrides with `when` test it, and the reasons they give cite its evidence
        attributes = document_attributes(pages)
        decisions = decide(findings, policy, relpath=relpath, pages=pages, fmt=document.format,  # decide
                           document=attributes)
        plan = build_plan(document, decisions, policy.name, relpath=relpath)   # plan
    warnings = language_warnings(document, settings)
    return dataclasses.replace(plan, review_reasons=plan.review_reasons + warnings) if warnings else plan


@dataclass(frozen=True)
class ReleaseSet:
    """What the rest of the release set withholds: (value, document it came from, decision),
    and the set-wide labels of pseudonymised values (normalised value -> "Person 3").

    Built by ``SetBuilder``, it holds one entry per normalised value (the first found; the
    only one propagation uses) with ``sources`` listing every document that withholds it,
    and decisions cut to what propagation copies (``slim_decision``): every worker loads the
    whole set, so its size is what a worker's memory grows by with the size of the batch."""

    values: tuple[tuple[str, str, Decision], ...] = ()
    pseudonyms: dict[str, str] = field(default_factory=dict)
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)


_index: "tuple[ReleaseSet, Any] | None" = None
_loaded: "tuple[tuple, ReleaseSet] | None" = None


def set_index(release_set: ReleaseSet):
    """The release set's values indexed for propagation (plan.SetValues), built once per
    process for the set it works on."""
    global _index
    from .plan import SetValues

    if _index is None or _index[0] is not release_set:
        _index = (release_set, SetValues(release_set.values, release_set.sources))
    return _index[1]


def load_release_set(path: Path) -> ReleaseSet:
    """The pickled release set at ``path``, read once per process (every document of the set
    needs it; reading it per document made the apply phase grow with the square of the set)."""
    global _loaded
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    if _loaded is None or _loaded[0] != key:
        with open(path, "rb") as fh:
            _loaded = (key, pickle.load(fh))
    return _loaded[1]


def apply_plan(plan: Plan, release_set: ReleaseSet, settings: Settings, tmp_path: Path,
               final_path: Path | None, output: Path | None = None,
               previous: "Previous | None" = None,
               after_write: "Callable[[Plan, Path, Any], Any] | None" = None) -> DocumentResult:
    """write -> verify -> release, for one planned document. Raises on failure (the caller
    turns the exception into the document's outcome). With ``final_path`` None the verified
    copy stays at ``tmp_path`` for the caller to release (pipeline.process with a manifest);
    with a ``previous`` release of the same final plan, nothing is written: that copy stays."""
    from .attachments import attachment_results, extend_tree, status_of
    from .manifest import plan_digest

    source = plan.document.source
    with stage("propagate set-wide values"):
        plan = extend_tree(plan, set_index(release_set), release_set.pseudonyms)
    result = DocumentResult(source=source, output=None, status=Status.FAILED, format=plan.document.format,
                            pages=plan.document.page_count, input_sha256=plan.document.sha256,
                            redactions=plan.redactions, kept=plan.kept,
                            withheld_pages=sorted(plan.withheld_pages), notes=list(plan.review_reasons),
                            ocr_pages=[{"page": p.number, "kind": p.ocr.kind, "dpi": p.ocr.dpi,
                                        "orientation": p.ocr.orientation, "confidence": p.ocr.confidence}
                                       for p in plan.document.pages if p.ocr is not None],
                            page_labels=[p.label for p in plan.document.pages],
                            page_breaks=[line_breaks(p.text) for p in plan.document.pages],
                            plan_sha256=plan_digest(plan) if final_path is None else "")
    if plan.withheld_document is not None:
        d = plan.withheld_document
        result.status = Status.WITHHELD
        result.notes.append(f"withheld in full under {'; '.join(d.exemptions)} (rule {d.rule}): {d.reason}")
        result.withheld_by = d
        return result
    if plan.review_reasons:
        # Something in it could not be checked: never release it unreviewed.
        result.status = Status.NEEDS_REVIEW
        result.error = plan.review_reasons[0]
        result.attachments = attachment_results(plan, source, released=False, written_drawn=None)
        return result
    if (previous is not None and previous.output and previous.plan_sha256 == result.plan_sha256
            and previous.key):
        # The same input, policy, settings and final plan as the release already in place:
        # its copy would be the same byte for byte; keep it.
        result.output = output
        result.output_sha256 = previous.output_sha256 or ""
        result.status = status_of(plan)
        result.unchanged_since = previous.time or "an earlier run"
        result.attachments = attachment_results(plan, source, released=True, written_drawn=None,
                                                output=result.output, output_sha256=result.output_sha256)
        return result
    if sha256_file(source) != plan.document.sha256:
        raise RedactorError("the input changed between planning and release")
    fmt = by_name(plan.document.format)
    with stage("write"):
        written = fmt.write(plan, tmp_path, settings)                           # write
        if after_write is not None:  # e.g. Bates stamps (bates.py): added before verification
            written = after_write(plan, tmp_path, written)
    result.notes.extend(written.notes)
    if written.plan is not None:  # the plan as written (e.g. boxes moved by the PDF layout)
        plan = written.plan
        result.redactions = plan.redactions
    with stage("verify"):
        problems = fmt.verify(plan, tmp_path, written)                          # verify
    if problems:
        raise VerificationError(problems)
    if final_path is None:  # the caller releases it
        result.output = output
        result.output_sha256 = sha256_file(tmp_path)
    else:
        final_path.parent.mkdir(parents=True, exist_ok=True)                    # release
        os.replace(tmp_path, final_path)
        result.output = output if output is not None else final_path
        result.output_sha256 = sha256_file(final_path)
    result.status = status_of(plan)  # its own decisions and every attachment's
    result.attachments = attachment_results(plan, source, released=True, written_drawn=dict(written.drawn),
                                            output=result.output, output_sha256=result.output_sha256)
    return result


# ---------------------------------------------------------------------------------------
# The two phases as jobs an executor runs (plain functions, picklable arguments)
# ---------------------------------------------------------------------------------------

@dataclass
class Job:
    input: InputFile
    outdir: Path
    plan_file: Path | None = None
    set_file: Path | None = None  # the pickled ReleaseSet
    key: str = ""  # manifest document key (manifest.py)
    previous: "Previous | None" = None  # an earlier release of the same input under the same key
    # Leave the verified copy in OUTDIR/.redactor-tmp for the parent to release (manifest,
    # audit trail: incremental.py) instead of moving it into place in the worker.
    hand_back: bool = False


@dataclass
class Released:
    """What the apply phase hands back with ``job.hand_back``: the result and the verified
    copy waiting in OUTDIR/.redactor-tmp (None: nothing to release, or the copy in place
    is kept)."""

    result: DocumentResult
    tmp: Path | None


@dataclass
class PlanSummary:
    """What the plan phase hands back to the parent for one document."""

    result: DocumentResult | None  # set when the document already has its outcome (failed...)
    plan_file: Path | None = None
    # (value, the plan path it comes from: the document's or an attachment's, decision)
    values: list[tuple[str, str, Decision]] = field(default_factory=list)
    stats: dict = field(default_factory=dict)  # take_stats() of the worker that planned it


class Executor(Protocol):
    def run(self, fn: Callable, jobs: list[Job], on_start: Callable[[Job], None] | None = None
            ) -> Iterator[tuple[Job, object]]:
        """Run ``fn(job, settings, policy)`` for every job; yield (job, its return value), or
        (job, a failed DocumentResult) when the job could not finish (time, memory, crash)."""

    def close(self) -> None: ...


def make_executor(settings: Settings, policy: "Policy", documents: int) -> "Executor":
    """The executor the settings ask for: worker processes here (one per core by default,
    never more than documents), or the workers of a Dask cluster."""
    if settings.executor == "dask":
        from .dask_executor import DaskExecutor

        return DaskExecutor(settings, policy, settings.scheduler)
    from .batch import WorkerPool

    return WorkerPool(settings, policy, max(1, min(settings.jobs, documents)))


def failure(f: InputFile, exc: BaseException) -> DocumentResult:
    """A document's outcome when one of its stages raised."""
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


def plan_phase(job: Job, settings: Settings, policy: "Policy") -> PlanSummary:
    from .attachments import tree_values
    from .plan import set_values

    f = job.input
    if f.error or not f.format:
        return PlanSummary(DocumentResult(source=f.path, output=None, status=Status.FAILED,
                                          format=f.format or "", error=f.error or "unsupported format"))
    try:
        settings = _with_work_dir(settings, job.outdir)
        plan = plan_document(f, settings, policy)
    except BaseException as exc:  # noqa: BLE001 - every failure is this document's outcome
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return PlanSummary(failure(f, exc))
    plans = job.outdir / TMP_DIR_NAME / "plans"
    plans.mkdir(parents=True, exist_ok=True)
    plan_file = plans / f"{uuid.uuid4().hex}.pickle"
    with stage("save plan"):
        with open(plan_file, "wb") as fh:
            pickle.dump(plan, fh, protocol=pickle.HIGHEST_PROTOCOL)
        values = [] if plan.withheld_document else [(v, rel, slim_decision(d))
                                                     for v, rel, d in tree_values(plan, set_values)]
    return PlanSummary(None, plan_file, values, stats=take_stats())


def slim_decision(d: Decision) -> Decision:
    """What propagation copies of a decision withheld elsewhere in the set (plan.extend_plan:
    the finding's entity and score, and the decision's action, rule, exemptions, reason...):
    the rest of the finding (where it was, its text, Presidio's analysis, attributes) does
    not cross the process boundary nor sit in every worker's copy of the release set."""
    f = d.finding
    return dataclasses.replace(d, finding=Finding(page=0, start=0, end=0, text="", entity=f.entity, score=f.score,
                                                  recognizer=""))


def _with_work_dir(settings: Settings, outdir: Path) -> Settings:
    """Formats that unpack documents put their temporary files inside OUTDIR."""
    work = outdir / TMP_DIR_NAME
    work.mkdir(parents=True, exist_ok=True)
    return dataclasses.replace(settings, work_dir=work)


def apply_phase(job: Job, settings: Settings, policy: "Policy") -> DocumentResult | Released:
    """Write, verify and release one planned document (with ``job.hand_back``: write and
    verify it, and hand the verified copy back to the parent to release)."""
    tune_gc()
    out = _apply_phase(job, settings, policy)
    (out.result if isinstance(out, Released) else out).stats = take_stats()
    return out


def _apply_phase(job: Job, settings: Settings, policy: "Policy") -> DocumentResult | Released:
    f = job.input
    tmp_path = job.outdir / TMP_DIR_NAME / f"{uuid.uuid4().hex}{f.path.suffix.lower()}"
    plan = None
    try:
        with stage("load plan and release set"):
            with open(job.plan_file, "rb") as fh:
                plan = pickle.load(fh)
            release_set = ReleaseSet() if job.set_file is None else load_release_set(job.set_file)
        if not job.hand_back:
            return apply_plan(plan, release_set, _with_work_dir(settings, job.outdir), tmp_path,
                              job.outdir / f.relpath, output=f.relpath)
        result = apply_plan(plan, release_set, _with_work_dir(settings, job.outdir), tmp_path, None,
                            output=f.relpath, previous=job.previous)
        if result.output is None or result.unchanged_since or not tmp_path.exists():
            return Released(result, None)
        handed = tmp_path.with_name(tmp_path.name + ".verified")  # out of the finally's reach
        os.replace(tmp_path, handed)
        return Released(result, handed)
    except BaseException as exc:  # noqa: BLE001
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        failed = failure(f, exc)
        if plan is not None:
            from .attachments import attachment_results

            failed.input_sha256, failed.pages = plan.document.sha256, plan.document.page_count
            failed.attachments = attachment_results(plan, f.path, released=False, written_drawn=None,
                                                    parent_error="the document holding it failed")
        return failed
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


class SetBuilder:
    """The release set, gathered document by document as the plan phase hands back each
    one's values (so the parent never holds every document's list): the first entry of each
    normalised value, every document that withholds it, and where each pseudonymised value
    first occurs in path order (for its label)."""

    def __init__(self) -> None:
        # key -> (where its first entry is: (document path, n), the entry). Path order, not
        # the order in which workers hand documents back: the entry propagation copies (its
        # rule, exemptions and "withheld in" source) is the same whatever the run's timing.
        self.first: dict[str, tuple[tuple[str, int], tuple[str, str, Decision]]] = {}
        self.sources: dict[str, list[str]] = {}
        self.pseudonymised: dict[str, tuple[tuple[str, int], str]] = {}  # key -> ((path, n), prefix)
        self._shared: dict = {}  # one object per distinct path and decision: pickled once

    def _one(self, obj, key=None):
        return self._shared.setdefault(obj if key is None else key, obj)

    def add(self, relpath: str, values: list[tuple[str, str, Decision]]) -> None:
        """The values (value, plan path, decision) of the document at ``relpath``, in order."""
        for n, (value, src, d) in enumerate(values):
            key = normalize(value)
            src = self._one(src)
            mark = (relpath, n)
            if key not in self.first or mark < self.first[key][0]:
                slim = slim_decision(d)
                f = slim.finding
                slim = self._one(slim, ("decision", slim.action, slim.rule, tuple(slim.exemptions), slim.reason,
                                        slim.needs_review, slim.propagated, slim.keep_last, slim.pseudonym,
                                        f.entity, f.score))
                self.first[key] = (mark, (value, src, slim))
            srcs = self.sources.setdefault(key, [])
            if not srcs or srcs[-1] is not src:
                srcs.append(src)
            if d.action is Action.PSEUDONYMISE:
                mark = (relpath, n)
                if key not in self.pseudonymised or mark < self.pseudonymised[key][0]:
                    prefix = "Person" if d.finding.entity == "PERSON" else d.finding.entity.replace("_", " ").title()
                    self.pseudonymised[key] = (mark, prefix)

    def build(self) -> ReleaseSet:
        """The set, and one label per distinct pseudonymised value, numbered in path order."""
        labels: dict[str, str] = {}
        counters: dict[str, int] = {}
        for key, (_, prefix) in sorted(self.pseudonymised.items(), key=lambda kv: kv[1][0]):
            counters[prefix] = counters.get(prefix, 0) + 1
            labels[key] = f"{prefix} {counters[prefix]}"
        sources = {k: tuple(sorted(s)) for k, v in self.sources.items() if len(s := set(v)) > 1}
        values = tuple(entry for _, entry in sorted(self.first.values(), key=lambda me: me[0]))
        return ReleaseSet(values, labels, sources)


def release_set(planned: list[tuple[Job, PlanSummary]]) -> ReleaseSet:
    """The values withheld anywhere in the set, and one label per distinct pseudonymised value
    across the set, numbered in path order."""
    builder = SetBuilder()
    for job, summary in planned:
        builder.add(job.input.relpath.as_posix(), summary.values)
    return builder.build()


def process(files: list[InputFile], out: Path, settings: Settings, policy: "Policy",
            executor: "Executor | None" = None, on_start: Callable[[Job], None] | None = None,
            state: "RunState | None" = None, stats: dict | None = None) -> Iterator[DocumentResult]:
    """Yield one result per input file: every document planned (phase 1), then every planned
    document applied with the values withheld anywhere in the set (phase 2).

    With a ``state`` (OUTDIR's manifest and audit trail, incremental.py): documents released
    by an earlier run of this very set are skipped; the others are released by this process,
    each exactly once; after a run killed between the phases, the set's values it kept are
    used again and only the documents not yet released are planned."""
    jobs = [Job(f, out) for f in files]
    if not jobs:
        return
    tmp_dir = out / TMP_DIR_NAME
    skipped: list[Job] = []
    set_file = None
    if state is not None:
        from .incremental import skip_unchanged

        todo = []
        for job, done in skip_unchanged(jobs, state):
            if done is not None:
                skipped.append(job)
                yield done
            else:
                todo.append(job)
        jobs = todo
        if not jobs:
            shutil.rmtree(tmp_dir, ignore_errors=True)
            return
        set_file = tmp_dir / f"set-{state.set_key}.pickle"
    reuse = set_file is not None and set_file.exists()
    # Documents skipped still withhold values in the others: plan them too (not release).
    to_plan = jobs if reuse else skipped + jobs
    plan_only = {id(j) for j in skipped}
    own_executor = executor is None
    if executor is None:
        executor = make_executor(settings, policy, len(to_plan))
    try:
        to_apply: list[Job] = []
        builder = None if reuse else SetBuilder()
        for job, outcome in executor.run(plan_phase, to_plan, on_start=on_start):
            if stats is not None and isinstance(outcome, PlanSummary):
                add_stats(stats, outcome.stats)
            if isinstance(outcome, PlanSummary) and outcome.result is None and builder is not None:
                builder.add(job.input.relpath.as_posix(), outcome.values)
            if id(job) in plan_only:
                continue
            if isinstance(outcome, DocumentResult):
                yield _settle(job, outcome, state)
            elif outcome.result is not None:
                yield _settle(job, outcome.result, state)
            else:
                job.plan_file = outcome.plan_file
                to_apply.append(job)
        if builder is not None:
            set_file = set_file or tmp_dir / f"set-{uuid.uuid4().hex}.pickle"
            set_file.parent.mkdir(parents=True, exist_ok=True)
            part = set_file.with_name(set_file.name + ".part")
            with stage("set-wide values (parent)"), open(part, "wb") as fh:
                pickle.dump(builder.build(), fh, protocol=pickle.HIGHEST_PROTOCOL)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(part, set_file)  # whole or absent: a run after a crash may use it
            del builder
        for job in to_apply:
            job.set_file = set_file
            job.hand_back = state is not None
        for job, outcome in executor.run(apply_phase, to_apply, on_start=on_start):
            if stats is not None:
                add_stats(stats, (outcome.result if isinstance(outcome, Released) else outcome).stats)
            yield _settle(job, outcome, state)
    finally:
        if own_executor:
            executor.close()
    # Kept after an interruption (the set's values, for the next run); removed when done.
    shutil.rmtree(tmp_dir, ignore_errors=True)


def _settle(job: Job, outcome: "DocumentResult | Released", state: "RunState | None") -> DocumentResult:
    """Record one document's outcome in OUTDIR's manifest and audit trail: release its
    verified copy, or note it kept or failed."""
    if state is None:
        return outcome.result if isinstance(outcome, Released) else outcome
    from .incremental import settle

    with stage("release and record (parent)"):
        return settle(job, outcome, state)
