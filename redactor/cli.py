"""Command line: `redactor run`, `redactor policy check|show`, `redactor recognizers list`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .errors import EXIT_DOCUMENT_FAILED, EXIT_NEEDS_REVIEW, EXIT_OK, RedactorError
from .settings import DEFAULT_MODEL, Settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Redact public records for release: true removal, labelled exemptions, verified output.")
policy_app = typer.Typer(no_args_is_help=True, help="Check or show a disclosure policy.")
recognizers_app = typer.Typer(no_args_is_help=True, help="Inspect the recognizers.")
app.add_typer(policy_app, name="policy")
app.add_typer(recognizers_app, name="recognizers")
audit_app = typer.Typer(no_args_is_help=True, help="Check the audit trail of an output folder.")
app.add_typer(audit_app, name="audit")

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _load(policy: Optional[Path]):
    """A policy file, or the name of a shipped policy (us-foia, uk-foia, example-state)."""
    from .policy import load_policy

    if policy is None:
        return load_policy()
    if not policy.exists() and policy.suffix == "" and "/" not in str(policy):
        return load_policy(name=str(policy))
    return load_policy(policy)


def _fail(exc: RedactorError) -> None:
    err.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(exc.exit_code)


@app.command()
def run(
    inputs: Optional[List[Path]] = typer.Argument(None, help="Files or folders (recursed) to process."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for release copies and the report."),
    policy: Optional[Path] = typer.Option(None, "--policy", "-p", help="Disclosure policy YAML, or a shipped "
                                          "policy's name: us-foia (default), uk-foia, example-state."),
    model: str = typer.Option(None, "--model", help=f"spaCy pipeline for names (default {DEFAULT_MODEL}, "
                                                     "or $REDACTOR_MODEL)."),
    password: str = typer.Option("", "--password", help="Password for encrypted PDFs."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Documents processed in parallel."),
    timeout: float = typer.Option(600.0, "--timeout", help="Seconds one document may take."),
    strict: bool = typer.Option(False, "--strict", help="Exit non-zero when anything needs review."),
    flatten: bool = typer.Option(False, "--flatten", help="Rasterise pages that carry a redaction (boxes burned "
                                 "into the pixels) with an invisible text layer of the kept text."),
    keep_positions: bool = typer.Option(False, "--keep-positions", help="Keep kept text exactly where it "
                                        "was and boxes at the removed text's width (turns off the "
                                        "glyph-position defence; box widths then reveal lengths)."),
    requester: List[str] = typer.Option([], "--requester", help="First-party request: the requester's name "
                                        "(repeatable); their own data is released to them."),
    job: Optional[Path] = typer.Option(None, "--job", help="A job file (YAML) with the run's options; "
                                       "options given on the command line win."),
    force: bool = typer.Option(False, "--force", help="Process every document again, even those released "
                               "unchanged by an earlier run into OUTDIR (see OUTDIR/manifest.jsonl)."),
) -> None:
    """Redact INPUT files into OUTDIR and write OUTDIR/report.json and report.html."""
    from .batch import Job, run_batch
    from .incremental import RunState
    from .ingest import discover
    from .jobfile import load_job
    from .outdir import OutdirLock
    from .report import build_report, previous_documents, write_report

    if job is not None:
        try:
            j = load_job(job)
        except RedactorError as exc:
            _fail(exc)
        inputs = inputs or j.get("inputs")
        out_dir = out_dir or j.get("out")
        policy = policy or j.get("policy")
        model = model or j.get("model")
        password = password or j.get("password", "")
        requester = list(requester) + j.get("requester", [])
        strict = strict or j.get("strict", False)
        flatten = flatten or j.get("flatten", False)
        keep_positions = keep_positions or j.get("keep_positions", False)
        force = force or j.get("force", False)
        jobs = j.get("jobs", jobs) if jobs == 1 else jobs
        timeout = j.get("timeout", timeout) if timeout == 600.0 else timeout
    if not inputs or out_dir is None:
        err.print("[red]error:[/red] give INPUT... and --out OUTDIR (or a --job file that has them)")
        raise typer.Exit(2)

    settings = Settings(policy_path=policy, password=password, strict=strict, document_timeout=timeout,
                        flatten=flatten, keep_positions=keep_positions,
                        **({"model": model} if model else {}))
    try:
        pol = _load(policy)
        if requester:
            pol = pol.with_requester(requester)
        files = discover(inputs, out_dir)
    except RedactorError as exc:
        _fail(exc)
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        lock = OutdirLock(out_dir).acquire()
    except RedactorError as exc:
        _fail(exc)
    try:
        state = RunState.open(out_dir, pol, settings, force=force)
        previous = previous_documents(out_dir)
        job_list = [Job(f, out_dir) for f in files]
        results = []
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, transient=True) as progress:
            task = progress.add_task("redacting", total=len(job_list))
            for res in run_batch(job_list, settings, pol, workers=jobs, state=state,
                                 on_start=lambda j: progress.update(task, description=f"redacting {j.input.relpath}")):
                results.append(res)
                progress.advance(task)
        report = build_report(results, pol, settings.model, previous=previous)
        head = state.finish(report["summary"])
        report["audit_head"] = head
        json_path, html_path = write_report(report, out_dir)
    finally:
        lock.release()
    _summary(report)
    failed = [d for d in report["documents"] if d["status"] == "failed"]
    review = [d for d in report["documents"] if d["status"] == "needs_review"]
    for d in failed:
        err.print(f"[red]FAILED[/red] {d['source']}: {d['error']}")
    for d in review:
        why = d["error"] or "some decisions are flagged for review (see the report)"
        err.print(f"[yellow]REVIEW[/yellow] {d['source']}: {why}")
    out.print(f"Release copies: {out_dir}")
    out.print(f"Report: {json_path} and {html_path}")
    out.print(f"Audit trail: {out_dir / 'audit.jsonl'} (head {head}; keep it to check the log later)",
              soft_wrap=True)
    if failed:
        raise typer.Exit(EXIT_DOCUMENT_FAILED)
    if strict and review:
        raise typer.Exit(EXIT_NEEDS_REVIEW)
    raise typer.Exit(EXIT_OK)


def _summary(report: dict) -> None:
    s = report["summary"]
    t = Table(title="redactor run", show_header=False)
    t.add_column("what")
    t.add_column("count", justify="right")
    t.add_row("documents", str(s["documents"]))
    for status, n in s["by_status"].items():
        t.add_row(f"  {status}", str(n))
    t.add_row("pages", str(s["pages"]))
    t.add_row("redactions", str(s["redactions"]))
    for code, n in s["by_exemption"].items():
        t.add_row(f"  under {code}", str(n))
    out.print(t)


@policy_app.command("check")
def policy_check(file: Path = typer.Argument(..., help="Policy YAML file.")) -> None:
    """Validate a policy file; print the first problem with its line number."""

    try:
        pol = _load(file)
    except RedactorError as exc:
        _fail(exc)
    out.print(f"{file}: OK ({len(pol.rules)} rules, policy '{pol.name}')")


@policy_app.command("show")
def policy_show(file: Optional[Path] = typer.Argument(None, help="Policy YAML (default: shipped US FOIA).")) -> None:
    """Show the rule table of a policy, in the order rules are tried."""
    from .policy import describe

    try:
        pol = _load(file)
    except RedactorError as exc:
        _fail(exc)
    t = Table(title=f"{pol.name}: {pol.title}")
    for col in ("rule", "when", "action", "exemptions", "review"):
        t.add_column(col)
    for row in describe(pol):
        t.add_row(*row.values())
    out.print(t)


@recognizers_app.command("list")
def recognizers_list(
    policy: Optional[Path] = typer.Option(None, "--policy", "-p"),
    model: str = typer.Option(None, "--model"),
) -> None:
    """Each recognizer with its entities, kind, and what the policy does with them."""
    from .detect import list_recognizers
    from .model import Finding

    try:
        pol = _load(policy)
        infos = list_recognizers(Settings(**({"model": model} if model else {})))
    except RedactorError as exc:
        _fail(exc)
    t = Table(title="recognizers")
    for col in ("recognizer", "entity", "kind", "policy"):
        t.add_column(col)
    for info in sorted(infos, key=lambda i: i.name):
        for entity in info.entities:
            probe = Finding(page=1, start=0, end=1, text="", entity=entity, score=1.0, recognizer=info.name,
                            attributes={"classified": True})
            rule = next((r for r in pol.rules if r.matches(probe)), pol.default)
            what = rule.action.value + (f" {'; '.join(rule.exemptions)}" if rule.exemptions else "")
            t.add_row(info.name, entity, info.kind, f"{what} ({rule.id})")
    out.print(t)


@audit_app.command("verify")
def audit_verify(
    outdir: Path = typer.Argument(..., help="The --out folder of earlier runs."),
    head: Optional[str] = typer.Option(None, "--head", help="SEQ:HASH printed by a run and kept elsewhere; "
                                       "checked instead of OUTDIR/.audit-head."),
) -> None:
    """Check OUTDIR/audit.jsonl: every entry unedited, none removed, none reordered."""
    from .audit import Head, verify

    try:
        expected = Head.parse(head) if head else None
    except ValueError:
        err.print("[red]error:[/red] --head is SEQ:HASH, as a run prints it")
        raise typer.Exit(2)
    problems, n = verify(outdir, expected)
    for p in problems:
        out.print(f"TAMPERED {p}", markup=False, soft_wrap=True)
    if problems:
        raise typer.Exit(EXIT_DOCUMENT_FAILED)
    out.print(f"{outdir / 'audit.jsonl'}: OK, {n} entries, chain intact", soft_wrap=True)


@app.command("eval")
def evaluate(
    folder: Path = typer.Option(Path("fixtures/eval"), "--set", help="Folder of labelled .txt records."),
    model: str = typer.Option(None, "--model"),
    baseline: bool = typer.Option(True, "--baseline/--no-baseline", help="Also score Presidio's defaults."),
    show_errors: bool = typer.Option(False, "--errors", help="List missed spans and wrong predictions."),
) -> None:
    """Precision, recall and F2 per entity type on a labelled set, beside Presidio's defaults."""
    from . import evaluate as ev

    settings = Settings(**({"model": model} if model else {}))
    examples = ev.load_set(folder)
    if not examples:
        err.print(f"[red]error:[/red] no labelled .txt records in {folder}")
        raise typer.Exit(2)
    predictions = ev.predict_ours(examples, settings)
    ours = ev.score(examples, predictions)
    if show_errors:
        for line in ev.errors(examples, predictions):
            out.print(line, markup=False)
    base = ev.score(examples, ev.predict_presidio_default(examples, settings.model)) if baseline else None
    t = Table(title=f"detection on {folder} ({len(examples)} records, {ours.overall.gold} labelled spans)")
    for col in ("entity", "spans", "recall", "precision", "F2"):
        t.add_column(col, justify="right" if col != "entity" else "left")
    if base:
        for col in ("Presidio recall", "Presidio precision", "Presidio F2"):
            t.add_column(col, justify="right")

    def fmt(x: float) -> str:
        return "-" if x != x else f"{x:.3f}"

    for name in sorted(t2 for t2, s in ours.by_type.items() if s.gold) + ["overall"]:
        s = ours.overall if name == "overall" else ours.by_type[name]
        row = [name, str(s.gold), fmt(s.recall), fmt(s.precision), fmt(s.f2)]
        if base:
            b = base.overall if name == "overall" else base.by_type.get(name, ev.Score(gold=s.gold))
            row += [fmt(b.recall), fmt(b.precision), fmt(b.f2)]
        t.add_row(*row)
    out.print(t)
    missed = ev.targets_met(ours)
    out.print("targets: all met" if not missed else "targets missed: " + "; ".join(missed))


@app.command()
def version() -> None:
    """Print the version."""
    out.print(f"redactor {__version__}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


