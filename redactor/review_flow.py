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

from .errors import UsageError
from .ingest import InputFile, discover
from .model import DocumentResult, Status
from .pipeline import (TMP_DIR_NAME, Job, PlanSummary, ReleaseSet, apply_plan, failure, plan_phase,
                       release_set)
from .attachments import extend_tree, nodes
from .plan import SetValues, _boxes_for
from .planfile import (PLAN_NAME, PlanFileError, assign_ids, changed_inputs, document_json, failed_document_json,
                       inconsistent_rejections, load_plan, new_plan_file, plan_from_json, review_documents,
                       save_plan)
from .policy import Policy
from .review_report import attach_renders, render_pages, review_model, text_views, write_review, write_review_log
from .settings import Settings
from .values import normalize


# ---------------------------------------------------------------------------------------
# The phases, as jobs the pipeline's executors run (plain functions, picklable arguments)
# ---------------------------------------------------------------------------------------

def export_phase(job: Job, settings: Settings, policy: Policy):
    """Phase 2 of scan: the document's plan with the set's values, as plan.json's entry."""
    try:
        with open(job.plan_file, "rb") as fh:
            plan = pickle.load(fh)
        rs = ReleaseSet()
        if job.set_file is not None:
            with open(job.set_file, "rb") as fh:
                rs = pickle.load(fh)
        plan = extend_tree(plan, SetValues(rs.values, rs.sources), rs.pseudonyms)
        return document_json(plan, "", job.input.path, job.input.relpath.as_posix(), _boxes_for)
    except Exception as exc:  # noqa: BLE001 -- this document fails, the scan goes on
        return failure(job.input, exc)


def reviewed_apply_phase(job: Job, settings: Settings, policy: Policy) -> DocumentResult:
    """Rebuild the reviewed plan of one document and release it through the pipeline's own
    write-verify-release step (``pipeline.apply_plan``), as `run` does."""
    from .formats import by_name

    f = job.input
    tmp_path = job.outdir / TMP_DIR_NAME / f"{uuid.uuid4().hex}{f.path.suffix.lower()}"
    try:
        entry = json.loads(job.plan_file.read_text(encoding="utf-8"))
        document = by_name(entry["format"]).read(f.path, settings)
        plan = plan_from_json(entry, document, _boxes_for, policy.name)
        pseudonyms = {normalize(r.decision.finding.text): r.decision.pseudonym for node in nodes(plan)
                      for r in node.redactions if r.decision.pseudonym}
        hook = None
        if entry.get("bates_first") is not None and entry["format"] == "pdf":
            hook = _bates_hook(entry["bates_first"], entry["bates_prefix"], entry["bates_width"])
        return apply_plan(plan, ReleaseSet((), pseudonyms), settings, tmp_path, job.outdir / f.relpath,
                          output=f.relpath, after_write=hook)
    except Exception as exc:  # noqa: BLE001
        return failure(f, exc)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _bates_hook(first: int, prefix: str, width: int):
    """Stamp the written copy before verification; the stamps of pages withheld in full join
    those pages' labels (the verifier allows a label's characters inside its box)."""
    import dataclasses

    from .bates import stamp_pdf

    def hook(plan, path, written):
        avoid: dict[int, list] = {}
        for r in plan.redactions:
            avoid.setdefault(r.page, []).extend([*r.boxes, *r.release_boxes])
        drawn = {k: list(v) for k, v in (written.drawn or {}).items()}
        for page, items in drawn.items():
            if isinstance(page, int) and page not in plan.withheld_pages:
                avoid.setdefault(page, []).extend(b for b, _ in items)
        stamps = stamp_pdf(path, first, prefix, width, avoid)
        for page in plan.withheld_pages:
            if page in stamps and page in drawn:
                drawn[page].append(stamps[page])
        return dataclasses.replace(written, drawn=drawn)

    return hook


def bates_labels(data: dict, spec: str) -> dict[str, list[str]]:
    """Bates numbers of every page of the PDF documents, in release order (relpath), from
    ``spec`` ("AGENCY-000001"); sets each entry's first number for the workers."""
    from .bates import label, parse

    prefix, n, width = parse(spec)
    out: dict[str, list[str]] = {}
    for e in data["documents"]:  # sorted by relpath at scan
        if e["format"] != "pdf" or e["status"] != "planned" or e.get("withheld_document"):
            continue
        e["bates_first"], e["bates_prefix"], e["bates_width"] = n, prefix, width
        out[e["relpath"]] = [label(prefix, n + k, width) for k in range(len(e["pages"]))]
        n += len(e["pages"])
    return out


def _executor(settings: Settings, policy: Policy, n: int):
    from .batch import WorkerPool

    return WorkerPool(settings, policy, max(1, min(settings.jobs, n)))


# ---------------------------------------------------------------------------------------
# scan
# ---------------------------------------------------------------------------------------

def scan(inputs: list[Path], workdir: Path, settings: Settings, policy: Policy,
         on_start: Callable[[Job], None] | None = None) -> dict:
    files = discover(inputs, workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    jobs = [Job(f, workdir) for f in files]
    entries: dict[str, dict] = {}

    def failed(job: Job, result: DocumentResult) -> None:
        key = job.input.relpath.as_posix()
        entries[key] = failed_document_json("", job.input.path, key, job.input.format or "", "failed",
                                            result.error, result.input_sha256, result.pages)

    executor = _executor(settings, policy, len(jobs)) if jobs else None
    try:
        planned: list[tuple[Job, PlanSummary]] = []
        for job, out in (executor.run(plan_phase, jobs, on_start=on_start) if executor else []):
            result = out if isinstance(out, DocumentResult) else out.result
            if result is not None:
                failed(job, result)
            else:
                job.plan_file = out.plan_file
                planned.append((job, out))
        set_file = workdir / TMP_DIR_NAME / f"set-{uuid.uuid4().hex}.pickle"
        set_file.parent.mkdir(parents=True, exist_ok=True)
        with open(set_file, "wb") as fh:
            pickle.dump(release_set(planned), fh, protocol=pickle.HIGHEST_PROTOCOL)
        for job, _ in planned:
            job.set_file = set_file
        for job, out in (executor.run(export_phase, [j for j, _ in planned], on_start=on_start) if planned else []):
            if isinstance(out, DocumentResult):
                failed(job, out)
            else:
                entries[job.input.relpath.as_posix()] = out
    finally:
        if executor:
            executor.close()
        shutil.rmtree(workdir / TMP_DIR_NAME, ignore_errors=True)
    documents = []
    for i, key in enumerate(sorted(entries), start=1):
        assign_ids(entries[key], f"d{i}")
        documents.append(entries[key])
    data = new_plan_file(policy, {"model": settings.model, "flatten": settings.flatten,
                                  "keep_positions": settings.keep_positions, "pdf_reader": settings.pdf_reader,
                                  "inputs": [str(p.resolve()) for p in inputs]}, documents)
    save_plan(workdir, data)
    (workdir / "README.txt").write_text(
        "This folder CONTAINS WITHHELD INFORMATION (plan.json, report.html, pages/): the text proposed\n"
        "for withholding, for reviewers. Do not release it. Review with `redactor review DIR`, then\n"
        "write the release copies with `redactor apply DIR --out RELEASE`.\n", encoding="utf-8")
    write_scan_review(data, workdir, workers=settings.jobs, password=settings.password,
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

def apply(workdir: Path, out_dir: Path, settings: Settings, policy: Policy,
          on_start: Callable[[Job], None] | None = None,
          bates: str | None = None) -> tuple[dict, list[DocumentResult], dict[str, list[str]]]:
    """Release copies from the reviewed plan. With ``bates`` ("AGENCY-000001"), PDF copies
    are Bates-numbered; returns relpath -> page labels for the report and the log."""
    data = load_plan(workdir)
    labels = bates_labels(data, bates) if bates else {}
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
            executor = _executor(settings, policy, len(jobs))
            try:
                for job, res in executor.run(reviewed_apply_phase, jobs, on_start=on_start):
                    results.append(res)
                    results.extend(res.attachments)  # documents inside it, each listed on its own
            finally:
                executor.close()
    finally:
        shutil.rmtree(out_dir / TMP_DIR_NAME, ignore_errors=True)
    write_review_log(review_documents(data), workdir / "review-log.csv")
    for e in data["documents"]:
        for k in ("bates_first", "bates_prefix", "bates_width"):
            e.pop(k, None)
    return data, results, labels


def policy_for(data: dict, override: Path | None = None):
    """The policy a plan was scanned with (for the report and the withholding log)."""
    from .policy import load_policy, load_policy_spec

    if override is not None:
        return load_policy_spec(override)
    src = data["policy"]["source"]
    if src.endswith(" (shipped)"):
        return load_policy(name=data["policy"]["name"])
    p = Path(src)
    if p.is_file():
        return load_policy(p)
    raise PlanFileError(f"the scan's policy file {src} is gone; give it with --policy")


__all__ = ["scan", "apply", "write_scan_review", "policy_for", "PLAN_NAME"]
