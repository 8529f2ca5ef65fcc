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
err = Console(stderr=True, highlight=False, soft_wrap=True)  # one error, one line: never wrapped


def _load(policy: Optional[Path]):
    """A policy file, or the name of a shipped policy (us-foia, uk-foia, example-state)."""
    from .pipeline import load_run_policy

    return load_run_policy(Settings(policy_path=policy))


def _fail(exc: RedactorError) -> None:
    err.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(exc.exit_code)


# Command-line parameters of `run` -> the Settings field each one sets.
_RUN_SETTINGS = {"policy": "policy_path", "model": "model", "password": "password", "requester": "requester",
                 "strict": "strict", "flatten": "flatten", "keep_positions": "keep_positions", "jobs": "jobs",
                 "timeout": "document_timeout", "review_report": "review_report", "force": "force",
                 "executor": "executor", "scheduler": "scheduler", "pdf_reader": "pdf_reader"}


PDF_READER_HELP = ("The engine that reads PDF text: pdfminer (default; layout analysis reads columns and tables "
                   "in reading order) or pdfium (faster; pdfium's reading order). Release copies are verified "
                   "by the other engine.")


def _check_pdf_reader(name: str) -> None:
    if name not in ("pdfminer", "pdfium"):
        err.print(f"[red]error:[/red] --pdf-reader is pdfminer or pdfium, not {name}")
        raise typer.Exit(2)


@app.command()
def run(
    ctx: typer.Context,
    inputs: Optional[List[Path]] = typer.Argument(None, help="Files or folders (recursed) to process."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for release copies and the report."),
    policy: Optional[Path] = typer.Option(None, "--policy", "-p", help="Disclosure policy YAML, or a shipped "
                                          "policy's name: us-foia (default), uk-foia, example-state."),
    model: str = typer.Option(None, "--model", help=f"spaCy pipeline for names (default {DEFAULT_MODEL}, "
                                                     "or $REDACTOR_MODEL)."),
    password: str = typer.Option("", "--password", help="Password for encrypted PDFs."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Documents processed in parallel "
                                       "(default: the number of cores)."),
    timeout: float = typer.Option(600.0, "--timeout", help="Seconds one document may take."),
    strict: bool = typer.Option(False, "--strict/--no-strict", help="Exit non-zero when anything needs review."),
    flatten: bool = typer.Option(False, "--flatten/--no-flatten",
                                 help="Rasterise pages that carry a redaction (boxes burned into the pixels) "
                                 "with an invisible text layer of the kept text."),
    keep_positions: bool = typer.Option(False, "--keep-positions/--no-keep-positions",
                                        help="Keep kept text exactly where it was and boxes at the removed "
                                        "text's width (turns off the glyph-position defence; box widths then "
                                        "reveal lengths)."),
    requester: List[str] = typer.Option([], "--requester", help="First-party request: the requester's name "
                                        "(repeatable); their own data is released to them."),
    job: Optional[Path] = typer.Option(None, "--job", help="A job file (YAML) with the run's options; "
                                       "options given on the command line win."),
    review_report: bool = typer.Option(True, "--review-report/--no-review-report",
                                       help="Also write the reviewer's report (with the withheld text, page "
                                       "images) to OUTDIR/NOT-FOR-RELEASE/."),
    force: bool = typer.Option(False, "--force", help="Process every document again, even those an earlier "
                               "run released unchanged into OUTDIR (see OUTDIR/manifest.jsonl)."),
    json_lines: bool = typer.Option(False, "--json", help="One JSON line per document event on stdout (and "
                                    "a last line for the run), nothing else there; for schedulers."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but failures and documents held "
                               "for review (stderr); for cron."),
    executor: str = typer.Option("local", "--executor", help="local (worker processes here) or dask (the "
                                 "workers of a Dask cluster: --scheduler)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="The Dask scheduler's address, "
                                            "tcp://HOST:PORT (with --executor dask)."),
    pdf_reader: str = typer.Option("pdfminer", "--pdf-reader", envvar="REDACTOR_PDF_READER",
                                   help=PDF_READER_HELP),
) -> None:
    """Redact INPUT files into OUTDIR and write OUTDIR/report.json and report.html."""
    from .jobfile import load_job
    from .pipeline import run as run_pipeline

    # Defaults, then the job file, then every option given on the command line (also when
    # it equals the default).
    settings, given = Settings(), {}
    if job is not None:
        try:
            given = load_job(job)
        except RedactorError as exc:
            _fail(exc)
        settings = settings.merged(given)
    cli = {}
    for param, name in _RUN_SETTINGS.items():
        source = ctx.get_parameter_source(param)
        if source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT"):
            cli[name] = ctx.params[param]
    settings = settings.merged(cli)
    inputs = inputs or given.get("inputs")
    out_dir = out_dir or given.get("out")
    if not inputs or out_dir is None:
        err.print("[red]error:[/red] give INPUT... and --out OUTDIR (or a --job file that has them)")
        raise typer.Exit(2)
    json_lines = json_lines or bool(given.get("json"))
    quiet = quiet or bool(given.get("quiet"))
    if settings.executor not in ("local", "dask"):
        err.print(f"[red]error:[/red] --executor is local or dask, not {settings.executor}")
        raise typer.Exit(2)
    _check_pdf_reader(settings.pdf_reader)
    if settings.executor == "dask" and not settings.scheduler:
        err.print("[red]error:[/red] --executor dask needs --scheduler tcp://HOST:PORT")
        raise typer.Exit(2)
    events = _JsonEvents() if json_lines else None
    try:
        if events is not None or quiet:
            outcome = run_pipeline(inputs, out_dir, settings, on_start=events.start if events else None,
                                   on_result=events.result if events else None)
        else:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=err, transient=True) as progress:
                task = progress.add_task("redacting")

                def started(j) -> None:
                    progress.update(task, description=f"redacting {j.input.relpath}")

                outcome = run_pipeline(inputs, out_dir, settings, on_start=started,
                                       on_result=lambda _: progress.advance(task))
    except RedactorError as exc:
        if events is not None:
            events.emit({"event": "error", "error": str(exc), "exit_code": exc.exit_code})
        _fail(exc)
    code = EXIT_OK
    if outcome.failed:
        code = EXIT_DOCUMENT_FAILED
    elif settings.strict and outcome.needs_review:
        code = EXIT_NEEDS_REVIEW
    if not json_lines:
        for d in outcome.failed:
            err.print(f"[red]FAILED[/red] {d['source']}: {d['error']}", soft_wrap=True)
        for d in outcome.needs_review:
            why = d["error"] or "some decisions are flagged for review (see the report)"
            err.print(f"[yellow]REVIEW[/yellow] {d['source']}: {why}", soft_wrap=True)
    if events is not None:
        events.emit({"event": "run", "summary": outcome.report["summary"], "report": str(outcome.report_json),
                     "audit_head": outcome.report.get("audit_head"), "exit_code": code,
                     "seconds_by_stage": {k: round(v, 2) for k, v in outcome.stats.get("seconds", {}).items()}})
    elif not quiet:
        _summary(outcome.report)
        out.print(f"Release copies: {out_dir}")
        out.print(f"Report: {outcome.report_json} and {outcome.report_html}")
        out.print(f"Withholding log (for the requester): {outcome.withholding_log[0]} and "
                  f"{outcome.withholding_log[1]}")
        if outcome.review_report:
            out.print(f"Reviewer's report (CONTAINS WITHHELD INFORMATION, do not release): {outcome.review_report}")
        if outcome.report.get("audit_head"):
            out.print(f"Audit trail: {Path(out_dir) / 'audit.jsonl'} (head {outcome.report['audit_head']}; keep "
                      "it elsewhere to check the log later with redactor audit verify --head)", soft_wrap=True)
    raise typer.Exit(code)


class _JsonEvents:
    """`run --json`: one line per event on stdout. A document starts (phase plan, then
    release) and ends (its outcome: status, release copy and its hash, counts by exemption,
    error). Like the report, never a withheld value."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    @staticmethod
    def emit(obj: dict) -> None:
        import json

        sys.stdout.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
        sys.stdout.flush()

    def start(self, job) -> None:
        rel = job.input.relpath.as_posix()
        phase = "release" if rel in self.seen else "plan"
        self.seen.add(rel)
        self.emit({"event": "start", "phase": phase, "document": rel})

    def result(self, res) -> None:
        import collections

        for r in [res, *res.attachments]:
            counts = collections.Counter(c for x in r.redactions for c in x.decision.exemptions)
            self.emit({"event": "done", "source": str(r.source), "output": str(r.output) if r.output else None,
                       "status": r.status.value, "pages": r.pages, "input_sha256": r.input_sha256 or None,
                       "output_sha256": r.output_sha256 or None, "redactions": len(r.redactions),
                       "counts_by_exemption": dict(sorted(counts.items())),
                       "unchanged_since": r.unchanged_since, "error": r.error})


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
    rel = s.get("release")
    if rel:
        for key, n in rel["pages"].items():
            t.add_row(f"pages {key.replace('_', ' ')}", str(n))
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


def _settings_and_policy(policy, model, password, flatten, keep_positions, timeout, requester, jobs,
                         pdf_reader="pdfminer"):
    from .pipeline import load_run_policy

    _check_pdf_reader(pdf_reader)
    settings = Settings(policy_path=policy, password=password, document_timeout=timeout, flatten=flatten,
                        keep_positions=keep_positions, requester=tuple(requester), jobs=jobs,
                        pdf_reader=pdf_reader, **({"model": model} if model else {}))
    try:
        pol = load_run_policy(settings)
    except RedactorError as exc:
        _fail(exc)
    return settings, pol


@app.command()
def scan(
    inputs: List[Path] = typer.Argument(..., help="Files or folders (recursed) to scan."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Work folder for the plan and the review page "
                                 "(it will hold withheld values: keep it private)."),
    policy: Optional[Path] = typer.Option(None, "--policy", "-p", help="Policy file or shipped policy's name."),
    model: str = typer.Option(None, "--model", help="spaCy pipeline for names."),
    password: str = typer.Option("", "--password", help="Password for encrypted PDFs."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1),
    timeout: float = typer.Option(600.0, "--timeout"),
    flatten: bool = typer.Option(False, "--flatten", help="Recorded in the plan for apply (see run)."),
    keep_positions: bool = typer.Option(False, "--keep-positions", help="Recorded in the plan for apply (see run)."),
    requester: List[str] = typer.Option([], "--requester"),
    pdf_reader: str = typer.Option("pdfminer", "--pdf-reader", envvar="REDACTOR_PDF_READER",
                                   help=PDF_READER_HELP + " Recorded in the plan for apply."),
) -> None:
    """Propose redactions: write DIR/plan.json and DIR/report.html (no release copies)."""
    from .review_flow import scan as do_scan

    settings, pol = _settings_and_policy(policy, model, password, flatten, keep_positions, timeout, requester, jobs,
                                         pdf_reader)
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, transient=True) as progress:
            task = progress.add_task("scanning", total=None)
            data = do_scan(inputs, out_dir, settings, pol,
                           on_start=lambda j: progress.update(task, description=f"scanning {j.input.relpath}"))
    except RedactorError as exc:
        _fail(exc)
    docs = data["documents"]
    n_red = sum(len(d["redactions"]) for d in docs)
    out.print(f"Scanned {len(docs)} document(s): {n_red} proposed redaction(s), "
              f"{sum(len(d['kept']) for d in docs)} kept finding(s), "
              f"{sum(1 for d in docs if d['status'] == 'failed')} failed.")
    for d in docs:
        if d["status"] == "failed":
            err.print(f"[red]FAILED[/red] {d['source']}: {d['error']}")
    out.print(f"Plan (CONTAINS WITHHELD INFORMATION): {out_dir / 'plan.json'}")
    out.print(f"Review page: {out_dir / 'report.html'}  (or: redactor review {out_dir})")
    out.print(f"Then: redactor apply {out_dir} --out RELEASE")
    raise typer.Exit(EXIT_DOCUMENT_FAILED if any(d["status"] == "failed" for d in docs) else EXIT_OK)


@app.command()
def review(
    workdir: Path = typer.Argument(..., help="The folder `redactor scan` wrote."),
    port: int = typer.Option(0, "--port", help="Port on 127.0.0.1 (default: a free one)."),
    reviewer: str = typer.Option("", "--reviewer", help="Your name, recorded with each decision "
                                 "(default: the login name)."),
) -> None:
    """Serve the review page on 127.0.0.1 with a session token; decisions go to DIR/plan.json."""
    import getpass

    from .review_server import serve

    try:
        name = reviewer or getpass.getuser()
    except Exception:  # noqa: BLE001
        name = reviewer

    def ready(server):
        out.print(f"Review {workdir} at {server.url}", soft_wrap=True)
        out.print("Only this machine can reach it; the token in the URL is this session's key. Ctrl-C to stop.")

    try:
        serve(workdir, port=port, reviewer=name, ready=ready)
    except RedactorError as exc:
        _fail(exc)
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot listen on 127.0.0.1:{port}: {exc.strerror}")
        raise typer.Exit(2)


@app.command("apply")
def apply_cmd(
    workdir: Path = typer.Argument(..., help="The folder `redactor scan` wrote (with the reviewed plan)."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Folder for release copies and the report."),
    policy: Optional[Path] = typer.Option(None, "--policy", "-p", help="The scan's policy (a file, or a shipped policy's name), if its file moved."),
    password: str = typer.Option("", "--password", help="Password for encrypted PDFs."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1),
    timeout: float = typer.Option(600.0, "--timeout"),
    strict: bool = typer.Option(False, "--strict", help="Exit non-zero when anything needs review."),
    bates: Optional[str] = typer.Option(None, "--bates", help="Bates-number the PDF copies' pages from this "
                                        "label on (e.g. AGENCY-000001), stamped before verification."),
) -> None:
    """Write release copies exactly from the reviewed plan; refuse if any input changed."""
    import dataclasses

    from .pipeline import report as pipeline_report
    from .planfile import load_plan
    from .review_flow import apply as do_apply, policy_for

    try:
        data = load_plan(workdir)
        pol = policy_for(data, policy)
        st = data["settings"]
        settings = Settings(password=password, document_timeout=timeout, strict=strict, jobs=jobs,
                            flatten=bool(st.get("flatten")), keep_positions=bool(st.get("keep_positions")),
                            pdf_reader=str(st.get("pdf_reader") or "pdfminer"),
                            **({"model": st["model"]} if st.get("model") else {}))
        if bates:
            from .bates import parse

            parse(bates)  # a bad label is refused before anything is written
        data, results, labels = do_apply(workdir, out_dir, settings, pol, bates=bates)
    except RedactorError as exc:
        _fail(exc)
    outcome = pipeline_report(results, out_dir, dataclasses.replace(settings, review_report=False), pol)
    report, json_path, html_path = outcome.report, outcome.report_json, outcome.report_html
    log_csv, log_html = outcome.withholding_log
    from .planfile import all_entries

    why = {(e["source"], w["page"]): w for e in all_entries(data) for w in e.get("withheld_pages", [])}
    if labels or why:  # Bates numbers, and why pages were withheld in full, into the report and the log
        from .report import write_report
        from .withholding_log import withholding_rows, write_withholding_log

        for d in report["documents"]:
            if d.get("output") in labels:
                d["bates"] = labels[d["output"]]
        json_path, html_path = write_report(report, out_dir)
        log_csv, log_html = write_withholding_log(withholding_rows(report, pol, out_dir, why), out_dir, report,
                                                  report["summary"].get("release"))
    _summary(report)
    failed = [d for d in report["documents"] if d["status"] == "failed"]
    review_docs = [d for d in report["documents"] if d["status"] == "needs_review"]
    for d in failed:
        err.print(f"[red]FAILED[/red] {d['source']}: {d['error']}")
    for d in review_docs:
        err.print(f"[yellow]REVIEW[/yellow] {d['source']}: {d['error'] or 'decisions still flagged for review'}")
    decided = len(data["history"])
    out.print(f"Applied the plan ({decided} reviewer decision(s)). Release copies: {out_dir}")
    out.print(f"Report: {json_path} and {html_path}")
    out.print(f"Withholding log (for the requester): {log_csv} and {log_html}")
    if failed:
        raise typer.Exit(EXIT_DOCUMENT_FAILED)
    if strict and review_docs:
        raise typer.Exit(EXIT_NEEDS_REVIEW)
    raise typer.Exit(EXIT_OK)


@app.command()
def diff(
    old: Path = typer.Argument(..., help="The earlier run's output folder (or its report.json)."),
    new: Path = typer.Argument(..., help="The later run's output folder (or its report.json)."),
    html_out: Optional[Path] = typer.Option(None, "--html", help="Also write the differences as an HTML page."),
) -> None:
    """What changed between two runs: redactions added, removed or under another exemption."""
    from . import diff as df

    try:
        d = df.diff_reports(df.load_run(old), df.load_run(new))
    except RedactorError as exc:
        _fail(exc)
    if d.changes:
        out.print(df.rich_table(d))
    out.print(df.summary_line(d))
    if html_out is not None:
        html_out.write_text(df.render_html(d), encoding="utf-8")
        out.print(f"HTML: {html_out}")


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


