"""Propose, review, apply: `redactor scan` writes the plan (DIR/plan.json) and the review page
(DIR/report.html) without release copies; reviewers edit the plan (by hand or with
`redactor review DIR`); `redactor apply DIR --out RELEASE` writes release copies exactly from
the reviewed plan, refusing if any input changed since the scan.

Both phases run each document in the batch's worker processes (time and memory bounds, a
failure stays with its document). `apply` goes through the same write-verify-release step as
`redactor run`, so with no edits it produces the same copies.
"""

from __future__ import annotations

import json
import pickle
import shutil
import uuid
from pathlib import Path
from typing import Callable

from . import batch
from .batch import Job, PlanSummary, TMP_DIR_NAME, WorkerPool, assign_pseudonyms, _write_set_file
from .errors import UsageError
from .ingest import InputFile, discover
from .model import DocumentResult, Status
from .plan import _boxes_for, extend_plan
from .planfile import (PLAN_NAME, PlanFileError, changed_inputs, document_json, failed_document_json,
                       inconsistent_rejections,
                       load_plan, new_plan_file, plan_from_json, review_documents, save_plan)
from .policy import Policy, normalize
from .review_report import attach_renders, render_pages, review_model, text_views, write_review, write_review_log
from .settings import Settings


# ---------------------------------------------------------------------------------------
# Worker-side phases (registered with the batch's worker pool)
# ---------------------------------------------------------------------------------------

def export_phase(job: Job, settings: Settings, policy: Policy):
    """Phase 2 of scan: the document's plan with the set's values, as plan.json's entry."""
    try:
        with open(job.plan_file, "rb") as fh:
            plan = pickle.load(fh)
        values, pseudonyms = [], {}
        if job.set_file is not None:
            with open(job.set_file, "rb") as fh:
                values, pseudonyms = pickle.load(fh)
        plan = extend_plan(plan, values, pseudonyms)
        return document_json(plan, "", job.input.path, job.input.relpath.as_posix(), _boxes_for)
    except Exception as exc:  # noqa: BLE001 -- this document fails, the scan goes on
        return batch._failure(job, exc)


def apply_phase(job: Job, settings: Settings, policy: Policy) -> DocumentResult:
    """Rebuild the reviewed plan of one document and release it exactly as `run` does."""
    from .formats import by_name

    try:
        entry = json.loads(job.plan_file.read_text(encoding="utf-8"))
        document = by_name(entry["format"]).read(job.input.path, settings)
        plan = plan_from_json(entry, document, _boxes_for)
        plan.policy_name = policy.name
        work = job.outdir / TMP_DIR_NAME
        pfile = work / f"{uuid.uuid4().hex}.pickle"
        with open(pfile, "wb") as fh:
            pickle.dump(plan, fh, protocol=pickle.HIGHEST_PROTOCOL)
        pseudonyms = {normalize(r.decision.finding.text): r.decision.pseudonym for r in plan.redactions
                      if r.decision.pseudonym}
        set_file = work / f"set-{uuid.uuid4().hex}.pickle"
        with open(set_file, "wb") as fh:
            pickle.dump(([], pseudonyms), fh, protocol=pickle.HIGHEST_PROTOCOL)
        release_job = Job(job.input, job.outdir, plan_file=pfile, set_file=set_file)
        return batch.release_phase(release_job, settings, policy)
    except Exception as exc:  # noqa: BLE001
        return batch._failure(job, exc)


batch.PHASES.setdefault("export", export_phase)
batch.PHASES.setdefault("apply", apply_phase)


# ---------------------------------------------------------------------------------------
# scan
# ---------------------------------------------------------------------------------------

def scan(inputs: list[Path], workdir: Path, settings: Settings, policy: Policy, workers: int = 1,
         on_start: Callable[[Job], None] | None = None, on_done: Callable[[], None] | None = None) -> dict:
    files = discover(inputs, workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    jobs = [Job(f, workdir) for f in files]
    entries: dict[str, dict] = {}
    pool = WorkerPool(settings, policy, min(workers, max(1, len(jobs))))
    try:
        planned: list[tuple[Job, PlanSummary]] = []
        for job, out in pool.run("plan", jobs, on_start=on_start):
            result = out if isinstance(out, DocumentResult) else out.result
            if result is not None:
                entries[job.input.relpath.as_posix()] = failed_document_json(
                    "", job.input.path, job.input.relpath.as_posix(), job.input.format or "", "failed",
                    result.error, result.input_sha256, result.pages)
                if on_done:
                    on_done()
            else:
                job.plan_file = out.plan_file
                planned.append((job, out))
        values = [(v, job.input.relpath.as_posix(), d) for job, s in planned for v, d in s.values]
        set_file = _write_set_file(workdir, values, assign_pseudonyms(planned))
        export_jobs = []
        for job, _ in planned:
            job.set_file = set_file
            export_jobs.append(job)
        for job, out in pool.run("export", export_jobs, on_start=on_start):
            key = job.input.relpath.as_posix()
            if isinstance(out, DocumentResult):
                entries[key] = failed_document_json("", job.input.path, key, job.input.format or "", "failed",
                                                    out.error, out.input_sha256, out.pages)
            else:
                entries[key] = out
            if on_done:
                on_done()
    finally:
        pool.close()
        shutil.rmtree(workdir / TMP_DIR_NAME, ignore_errors=True)
    documents = []
    for i, key in enumerate(sorted(entries), start=1):
        entries[key]["id"] = f"d{i}"
        documents.append(entries[key])
    data = new_plan_file(policy, {"model": settings.model, "flatten": settings.flatten,
                                  "keep_positions": settings.keep_positions,
                                  "inputs": [str(p.resolve()) for p in inputs]}, documents)
    save_plan(workdir, data)
    (workdir / "README.txt").write_text(
        "This folder CONTAINS WITHHELD INFORMATION (plan.json, report.html, pages/): the text proposed\n"
        "for withholding, for reviewers. Do not release it. Review with `redactor review DIR`, then\n"
        "write the release copies with `redactor apply DIR --out RELEASE`.\n", encoding="utf-8")
    write_scan_review(data, workdir, workers=workers, password=settings.password,
                      memory_limit=settings.memory_limit)
    return data


def write_scan_review(data: dict, workdir: Path, workers: int = 1, password: str = "", memory_limit: int = 0,
                      render: bool = True, review: dict | None = None) -> str | Path:
    """DIR/report.html (and pages/ when ``render``) from the plan; with ``review`` set, return
    the page's HTML instead of writing it (the review server)."""
    docs = review_documents(data)
    renders: dict = {}
    if render:
        shutil.rmtree(workdir / "pages", ignore_errors=True)
        jobs = [(Path(d["source"]), workdir / "pages", f"{d['id']}-orig") for d in docs
                if d["format"] == "pdf" and d["status"] != "failed"]
        renders = render_pages(jobs, workers=workers, password=password, memory_limit=memory_limit) if jobs else {}
        (workdir / "pages" / "index.json").parent.mkdir(parents=True, exist_ok=True)
        (workdir / "pages" / "index.json").write_text(json.dumps(renders), encoding="utf-8")
    else:
        try:
            renders = json.loads((workdir / "pages" / "index.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            renders = {}
    for d in docs:
        if d["format"] == "pdf":
            attach_renders(d, renders.get(f"{d['id']}-orig"), None)
        text_views(d)
    model = review_model(docs, data["policy"], review=review)
    model["preview"] = True  # no release copies yet: the right pane previews them
    if review is not None:
        from .review_report import render_review_html

        return render_review_html(model, title="redactor review")
    write_review_log(docs, workdir / "review-log.csv")
    return write_review(model, workdir)


# ---------------------------------------------------------------------------------------
# apply
# ---------------------------------------------------------------------------------------

def apply(workdir: Path, out_dir: Path, settings: Settings, policy: Policy, workers: int = 1,
          on_start: Callable[[Job], None] | None = None) -> tuple[dict, list[DocumentResult]]:
    data = load_plan(workdir)
    mixed = inconsistent_rejections(data)
    if mixed:
        raise PlanFileError(mixed[0] + (f" (+{len(mixed) - 1} more)" if len(mixed) > 1 else ""))
    changed = changed_inputs(data)
    if changed:
        more = f" (+{len(changed) - 3} more)" if len(changed) > 3 else ""
        raise PlanFileError("input changed since the scan, scan again: " + ", ".join(changed[:3]) + more)
    out_abs = out_dir.resolve()
    for root in data["settings"].get("inputs", []):
        r = Path(root)
        if r.is_dir() and (out_abs == r or r in out_abs.parents):
            raise UsageError(f"--out {out_dir} is inside input folder {root}")
    if out_abs == workdir.resolve() or workdir.resolve() in out_abs.parents:
        raise UsageError("--out must not be the scan folder (it holds withheld values)")
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / TMP_DIR_NAME / "entries"
    tmp.mkdir(parents=True, exist_ok=True)
    results: list[DocumentResult] = []
    jobs = []
    try:
        for e in data["documents"]:
            f = InputFile(Path(e["source"]), Path(e["relpath"]), e["format"] or None)
            if e["status"] == "failed":
                results.append(DocumentResult(source=f.path, output=None, status=Status.FAILED, format=e["format"],
                                              pages=len(e["pages"]), input_sha256=e["sha256"], error=e["error"]))
                continue
            entry_file = tmp / f"{e['id']}.json"
            entry_file.write_text(json.dumps(e, ensure_ascii=False), encoding="utf-8")
            jobs.append(Job(f, out_dir, plan_file=entry_file))
        if jobs:
            pool = WorkerPool(settings, policy, min(workers, len(jobs)))
            try:
                for job, res in pool.run("apply", jobs, on_start=on_start):
                    results.append(res)
            finally:
                pool.close()
    finally:
        shutil.rmtree(out_dir / TMP_DIR_NAME, ignore_errors=True)
    write_review_log(review_documents(data), workdir / "review-log.csv")
    return data, results


def policy_for(data: dict, override: Path | None = None):
    """The policy a plan was scanned with (for the report and the withholding log)."""
    from .policy import load_policy

    if override is not None:
        return load_policy(override)
    src = data["policy"]["source"]
    if src.endswith(" (shipped)"):
        return load_policy(name=data["policy"]["name"])
    p = Path(src)
    if p.is_file():
        return load_policy(p)
    raise PlanFileError(f"the scan's policy file {src} is gone; give it with --policy")


__all__ = ["scan", "apply", "write_scan_review", "policy_for", "PLAN_NAME"]
