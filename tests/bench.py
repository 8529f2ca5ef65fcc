"""`make bench`: redactor's throughput beside two baselines, measured side by side in one run.

Sets: a generated corpus of text-layer PDFs (tests/bench_corpus.py, >= 300 pages, built once
into build/bench-corpus/) and ../shared/corpus/records/ when present.

Per set it runs, each in a fresh process so that peak memory is its own:
- redactor:   `redactor run SET --out TMP --jobs N --no-review-report` for each N of --jobs
              (default 1,2), and once more with the reviewer's report (redactor's default)
              with the last N, to show what that report adds;
- spaCy NER:  the same model's full pipeline over the same page text (read with pdfium
              beforehand, not timed), in N processes (nlp.pipe), model loading included;
- naive:      the recipe a user would write instead, in one process: PyMuPDF reads each
              page, Presidio's AnalyzerEngine (default recognizers, same spaCy model)
              analyses it, each finding becomes a PyMuPDF redaction annotation, applied,
              saved. PyMuPDF (AGPL) is used here only, never by the product.
The two baselines run as their user would run them: spaCy's defaults, whose matrix products go
to the BLIS that thinc bundles (on CPUs that BLIS build has no kernels for, such as this
project's AMD EPYC, its generic C code). redactor builds its models on numpy's BLAS instead
(redactor/detect.py). Each baseline is measured a second time the same way ("numpy BLAS"
rows), so the ratios can be read both ways; `--no-same-blas` skips those runs.
Wall times include start-up (model loading) for all three. It prints pages/s, characters/s,
peak memory per process (parent and worst worker), redactor's time per stage (summed over
workers), and the ratios the issue sets targets for. Speed is measured here, not asserted
in tests: the machine is shared.

Then, per set, reading alone: redactor's PDF reader (text layer, no OCR) beside the
permissively licensed extractors on the same files, each in a fresh process: pypdfium2 with
a box per character (what placing a redaction needs) and text only, pdfminer.six as its users
call it, and pypdf's text. It prints CPU seconds, pages/s, characters/s, the files each could
not read, and how much of redactor's reading is layout analysis (which pypdfium2 does not do).

    python tests/bench.py [--pages 300] [--jobs 1,2] [--no-records] [--no-review] [--no-same-blas] [--repeat N]
    python tests/bench.py --memory 300,3000 [--jobs 2]   # peak memory as the batch grows
    python tests/bench.py --extractors [--repeat N]     # reading alone

With ``--memory`` it only runs redactor, on generated sets of each size, and prints the peak
memory of the parent and of the largest worker for each: neither may grow with the batch
beyond the set-wide values and a few kilobytes per document (the report entries are spooled to
disk as documents finish).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from bench_corpus import build  # noqa: E402
from conftest import CORPUS  # noqa: E402


def _peak_mb(who) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def _pdfs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.pdf") if not p.name.startswith("."))


def _texts(files: list[Path]) -> list[str]:
    import pypdfium2 as pdfium

    out = []
    for f in files:
        doc = pdfium.PdfDocument(str(f))
        try:
            for i in range(len(doc)):
                out.append(doc[i].get_textpage().get_text_range())
        finally:
            doc.close()
    return out


# --- the measured runs, each in its own process ------------------------------------------

def measure_redactor(folder: Path, jobs: int, review: bool = False) -> dict:
    from redactor.pipeline import run
    from redactor.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        # The reviewer's report (page images for reviewers, on by default) is measured in a
        # run of its own ("+ review report"): the ratios are those of the release itself.
        outcome = run([folder], Path(tmp) / "out", Settings(jobs=jobs, review_report=review))
        wall = time.perf_counter() - t
    summary = outcome.report["summary"]
    return {"wall": wall, "pages": summary["pages"], "stages": outcome.stats.get("seconds", {}),
            "statuses": summary["by_status"], "redactions": summary["redactions"],
            "cpu": _cpu(), "parent_mb": _peak_mb(resource.RUSAGE_SELF),
            "worker_mb": outcome.stats.get("worker_peak_mb", 0.0)}


def _cpu() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


_nlp = None


def _blas(kind: str):
    """The BLAS a baseline's models are built on: "default" (spaCy's: BLIS) or "numpy" (as
    redactor's: numpy's BLAS, one thread per process)."""
    import contextlib

    if kind == "default":
        return contextlib.nullcontext()
    from redactor.detect import _numpy_blas, _one_blas_thread

    _one_blas_thread()
    return _numpy_blas()


def _spacy_init(model: str, blas: str = "default") -> None:
    global _nlp
    import spacy

    with _blas(blas):
        _nlp = spacy.load(model)


def _spacy_chunk(texts: list[str]) -> int:
    return sum(len(doc.ents) for doc in _nlp.pipe(texts, batch_size=32))


def measure_spacy(folder: Path, jobs: int, blas: str = "default") -> dict:
    import multiprocessing as mp

    from redactor.settings import Settings

    texts = _texts(_pdfs(folder))
    model = Settings().model
    t = time.perf_counter()
    if jobs == 1:
        _spacy_init(model, blas)
        ents = _spacy_chunk(texts)
    else:
        chunks = [texts[i::jobs * 4] for i in range(jobs * 4)]
        with mp.get_context("fork").Pool(jobs, initializer=_spacy_init, initargs=(model, blas)) as pool:
            ents = sum(pool.map(_spacy_chunk, chunks, chunksize=1))
    wall = time.perf_counter() - t
    return {"wall": wall, "pages": len(texts), "entities": ents, "cpu": _cpu(),
            "parent_mb": _peak_mb(resource.RUSAGE_SELF),
            "worker_mb": _peak_mb(resource.RUSAGE_CHILDREN) if jobs > 1 else _peak_mb(resource.RUSAGE_SELF)}


def measure_naive(folder: Path, jobs: int, blas: str = "default") -> dict:
    import fitz  # PyMuPDF: bench and tests only
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from redactor.detect import _offline_tldextract
    from redactor.settings import Settings

    files = _pdfs(folder)
    t = time.perf_counter()
    _offline_tldextract()
    with _blas(blas):
        nlp = NlpEngineProvider(nlp_configuration={
            "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": Settings().model}]}).create_engine()
    engine = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])
    pages = found = 0
    with tempfile.TemporaryDirectory() as tmp:
        for f in files:
            doc = fitz.open(f)
            for page in doc:
                text = page.get_text()
                for r in engine.analyze(text=text, language="en"):
                    for rect in page.search_for(text[r.start:r.end]):
                        page.add_redact_annot(rect, fill=(0, 0, 0))
                        found += 1
                page.apply_redactions()
                pages += 1
            doc.save(Path(tmp) / f.name, garbage=3, deflate=True)
            doc.close()
    wall = time.perf_counter() - t
    return {"wall": wall, "pages": pages, "redactions": found, "cpu": _cpu(),
            "parent_mb": _peak_mb(resource.RUSAGE_SELF),
            "worker_mb": _peak_mb(resource.RUSAGE_SELF)}


# --- extraction alone: redactor's reader beside the permissively licensed extractors ------

def measure_extract(folder: Path, how: str) -> dict:
    """CPU seconds to read every page's text of ``folder``'s PDFs in this process, one way:

    - ``redactor``: redactor's reader (formats/pdf/read.py: pdfminer's interpreter with
      characters made in one function, layout analysis into lines and blocks; no OCR), with
      the part spent in layout analysis timed apart;
    - ``redactor-pdfium``: redactor's pdfium reader (``--pdf-reader pdfium``,
      formats/pdf/read_pdfium.py: characters, boxes, rules, dark boxes, pictures; no OCR);
    - ``pdfium-boxes``: pypdfium2, every character with its box (what a reader needs to place
      a redaction), one call per character as pypdfium2's API offers it;
    - ``pdfium-text``: pypdfium2, each page's text in one call, no boxes;
    - ``pdfminer``: pdfminer.six as its users call it (``extract_pages``, default layout
      analysis);
    - ``pypdf``: pypdf's ``extract_text`` (no boxes).
    A file an extractor cannot read is counted, not timed out of the figure."""
    import pypdf  # noqa: F401 - every extractor imported before the clock starts
    import pypdfium2.raw  # noqa: F401
    from pdfminer import high_level  # noqa: F401

    if how == "redactor-pdfium":
        import redactor.formats.pdf.read_pdfium  # noqa: F401
    read = _EXTRACTOR_READS[how]
    layout = [0.0]
    if how == "redactor":
        from redactor.formats.pdf import read as reader

        page_class = reader._Page = reader._page_class()
        analyze = page_class.analyze

        def timed(self, laparams):
            t0 = time.process_time()
            try:
                return analyze(self, laparams)
            finally:
                layout[0] += time.process_time() - t0

        page_class.analyze = timed
    files = _pdfs(folder)
    pages = chars = failed = 0
    t = time.process_time()
    for f in files:
        try:
            n, c = read(f)
        except Exception:  # noqa: BLE001 - counted: what a reader cannot open is part of its figure
            failed += 1
            continue
        pages, chars = pages + n, chars + c
    return {"cpu": time.process_time() - t, "pages": pages, "chars": chars, "layout": layout[0],
            "failed": failed, "files": len(files)}


def _read_redactor(path: Path) -> tuple[int, int]:
    from redactor.formats.pdf.read import _read_pdf_text

    document = _read_pdf_text(path)
    return len(document.pages), sum(len(p.text) for p in document.pages)


def _read_redactor_pdfium(path: Path) -> tuple[int, int]:
    from redactor.formats.pdf.read_pdfium import read_pdf

    document = read_pdf(path, ocr=False)
    return len(document.pages), sum(len(p.text) for p in document.pages)


def _read_pdfium(path: Path, boxes: bool) -> tuple[int, int]:
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pages = chars = 0
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    doc = pdfium.PdfDocument(str(path))
    try:
        for page in doc:
            textpage = page.get_textpage()
            if boxes:
                found = []
                for i in range(raw.FPDFText_CountChars(textpage.raw)):
                    code = raw.FPDFText_GetUnicode(textpage.raw, i)
                    raw.FPDFText_GetCharBox(textpage.raw, i, left, right, bottom, top)
                    found.append((chr(code), left.value, bottom.value, right.value, top.value))
                chars += len(found)
            else:
                chars += len(textpage.get_text_range())
            pages += 1
            textpage.close()
            page.close()
    finally:
        doc.close()
    return pages, chars


def _read_pdfminer(path: Path) -> tuple[int, int]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer

    pages = chars = 0
    for layout_page in extract_pages(path):
        chars += sum(len(o.get_text()) for o in layout_page if isinstance(o, LTTextContainer))
        pages += 1
    return pages, chars


def _read_pypdf(path: Path) -> tuple[int, int]:
    from pypdf import PdfReader

    texts = [page.extract_text() for page in PdfReader(path).pages]
    return len(texts), sum(len(t) for t in texts)


_EXTRACTOR_READS = {"redactor": _read_redactor, "redactor-pdfium": _read_redactor_pdfium, "pdfium-boxes": lambda p: _read_pdfium(p, True),
                    "pdfium-text": lambda p: _read_pdfium(p, False), "pdfminer": _read_pdfminer,
                    "pypdf": _read_pypdf}


EXTRACTORS = [("redactor's reader", "redactor"), ("--pdf-reader pdfium", "redactor-pdfium"),
              ("pypdfium2, boxes", "pdfium-boxes"),
              ("pypdfium2, text only", "pdfium-text"), ("pdfminer.six as is", "pdfminer"),
              ("pypdf, text only", "pypdf")]


MEASURES = {"redactor": measure_redactor, "spacy": measure_spacy, "naive": measure_naive,
            "spacy-numpy": lambda folder, jobs: measure_spacy(folder, jobs, blas="numpy"),
            "naive-numpy": lambda folder, jobs: measure_naive(folder, jobs, blas="numpy"),
            "redactor-review": lambda folder, jobs: measure_redactor(folder, jobs, review=True),
            **{f"extract-{how}": (lambda folder, jobs, how=how: measure_extract(folder, how)) for _, how in EXTRACTORS}}


def run_measure(what: str, folder: Path, jobs: int) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--measure", what, str(folder), str(jobs)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{what} (jobs {jobs}) failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- the report ----------------------------------------------------------------------------

def bench_set(name: str, folder: Path, jobs_list: list[int], review: bool = True, same_blas: bool = True,
              repeat: int = 1) -> None:
    files = _pdfs(folder)
    chars = sum(len(t) for t in _texts(files))
    print(f"\n== {name}: {folder} ({len(files)} PDFs, {chars:,} characters of text)")
    # What is measured, in the order of one round; with --repeat N, N rounds one after the
    # other, and each row is its median run (the range of walls beside it): the machine's
    # speed drifts from minute to minute, and a round measures everything within minutes.
    specs = [("naive recipe", "naive", 1)]
    if same_blas:
        specs.append(("  numpy BLAS", "naive-numpy", 1))
    for j in jobs_list:
        specs.append(("spaCy NER alone", "spacy", j))
        if same_blas:
            specs.append(("  numpy BLAS", "spacy-numpy", j))
        specs.append(("redactor run", "redactor", j))
    if review:  # redactor's defaults: as many workers as cores, the reviewer's report on
        specs.append(("+ review report", "redactor-review", jobs_list[-1]))
    runs: dict[tuple[str, int], list[dict]] = {(what, j): [] for _, what, j in specs}
    for n in range(repeat):
        if repeat > 1:
            print(f"round {n + 1} of {repeat} ...", flush=True)
        for _, what, j in specs:
            runs[(what, j)].append(run_measure(what, folder, j))
    median = {k: sorted(v, key=lambda m: m["wall"])[(len(v) - 1) // 2] for k, v in runs.items()}
    rows = [(label, j, median[(what, j)], runs[(what, j)]) for label, what, j in specs]
    naive = median[("naive", 1)]
    naive_np = median.get(("naive-numpy", 1))
    spacy = {j: median[("spacy", j)] for j in jobs_list}
    spacy_np = {j: median[("spacy-numpy", j)] for j in jobs_list if ("spacy-numpy", j) in median}
    ours = {j: median[("redactor", j)] for j in jobs_list}
    with_review = (jobs_list[-1], median[("redactor-review", jobs_list[-1])]) if review else None
    pages = ours[jobs_list[0]]["pages"]
    print(f"{'':18s} {'procs':>5s} {'wall s':>8s} {'pages/s':>8s} {'chars/s':>9s} {'CPU s':>7s} "
          f"{'parent MB':>9s} {'worker MB':>9s}" + ("  wall s of the runs" if repeat > 1 else ""))
    for label, j, m, all_runs in rows:
        spread = " ".join(f"{r['wall']:.1f}" for r in all_runs)
        print(f"{label:18s} {j:5d} {m['wall']:8.1f} {pages / m['wall']:8.2f} {chars / m['wall']:9.0f} "
              f"{m['cpu']:7.1f} {m['parent_mb']:9.0f} {m['worker_mb']:9.0f}" + (f"  {spread}" if repeat > 1 else ""))
    for j in jobs_list:
        m = ours[j]
        print(f"redactor, {j} worker(s): throughput vs naive recipe (1 process) {naive['wall'] / m['wall']:.2f}x, "
              f"vs spaCy NER alone ({j} process(es)) {spacy[j]['wall'] / m['wall']:.2f}x; "
              f"CPU time vs naive {naive['cpu'] / m['cpu']:.2f}x, vs spaCy {spacy[j]['cpu'] / m['cpu']:.2f}x; "
              "statuses " + ", ".join(f"{k} {v}" for k, v in m["statuses"].items() if v))
        if same_blas:
            print(f"  against the baselines on numpy's BLAS too: vs naive recipe {naive_np['wall'] / m['wall']:.2f}x, "
                  f"vs spaCy NER alone {spacy_np[j]['wall'] / m['wall']:.2f}x")
        if m["stages"]:
            # CPU seconds: the workers' stages and the parent's own, and what no stage covers
            # (start-up, model loading, moving results between processes).
            stages = dict(m["stages"])
            stages["outside any stage"] = max(0.0, m["cpu"] - sum(stages.values()))
            print(f"  CPU time per stage (workers summed, parent's marked; total {m['cpu']:.1f} s): " + ", ".join(
                f"{k} {v:.1f} s ({100 * v / m['cpu']:.0f}%)" for k, v in stages.items()))


    if with_review is not None:
        j, m = with_review
        print(f"reviewer's report ({j} worker(s)): +{m['cpu'] - ours[j]['cpu']:.1f} CPU s "
              f"(+{100 * (m['cpu'] / ours[j]['cpu'] - 1):.0f}%), +{m['wall'] - ours[j]['wall']:.1f} s wall; "
              f"throughput with it vs naive recipe {naive['wall'] / m['wall']:.2f}x")


def bench_extractors(folder: Path, repeat: int = 1) -> None:
    """Reading alone, each extractor in a fresh process over the same PDFs (the median of
    ``repeat`` runs): pages/s and characters/s of CPU time."""
    print(f"\n== reading alone ({folder}), CPU time in one process; redactor's reader beside the "
          "permissively licensed extractors")
    print(f"{'':22s} {'CPU s':>7s} {'pages':>6s} {'pages/s':>8s} {'chars/s':>10s} {'files not read':>14s}  layout analysis")
    results = {}
    for label, how in EXTRACTORS:
        runs = sorted((run_measure(f"extract-{how}", folder, 1) for _ in range(repeat)), key=lambda m: m["cpu"])
        m = results[how] = runs[(len(runs) - 1) // 2]
        layout = f"  {m['layout']:.2f} s" if how == "redactor" else ""
        print(f"{label:22s} {m['cpu']:7.2f} {m['pages']:6d} {m['pages'] / m['cpu']:8.1f} {m['chars'] / m['cpu']:10.0f} "
              f"{m['failed']:>5d} of {m['files']:<5d}{layout}")
    ours, boxes = results["redactor"], results["pdfium-boxes"]
    print(f"redactor's reader: {boxes['cpu'] / ours['cpu']:.2f}x pypdfium2's speed with boxes; without its layout "
          f"analysis (which pypdfium2 does not do) {boxes['cpu'] / (ours['cpu'] - ours['layout']):.2f}x; "
          f"{results['pdfminer']['cpu'] / ours['cpu']:.2f}x pdfminer.six as is")
    fast = results["redactor-pdfium"]
    print(f"--pdf-reader pdfium: {boxes['cpu'] / fast['cpu']:.2f}x pypdfium2's speed with boxes, "
          f"{ours['cpu'] / fast['cpu']:.2f}x redactor's default reader")


def bench_memory(sizes: list[int], jobs: int) -> None:
    print(f"\n== peak memory as the batch grows (redactor run, {jobs} worker(s), generated text-layer PDFs)")
    print(f"{'pages':>6s} {'wall s':>8s} {'pages/s':>8s} {'parent MB':>9s} {'worker MB':>9s}  statuses")
    for n in sizes:
        m = run_measure("redactor", build(n), jobs)
        print(f"{m['pages']:6d} {m['wall']:8.1f} {m['pages'] / m['wall']:8.2f} {m['parent_mb']:9.0f} "
              f"{m['worker_mb']:9.0f}  " + ", ".join(f"{k} {v}" for k, v in m["statuses"].items() if v), flush=True)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--jobs", default="1,2")
    ap.add_argument("--no-records", action="store_true")
    ap.add_argument("--no-review", action="store_true", help="skip the run with the reviewer's report")
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds of every measure, one after the other; each row is its median run")
    ap.add_argument("--no-same-blas", action="store_true",
                    help="skip the baselines' second runs with their models on numpy's BLAS")
    ap.add_argument("--extractors", action="store_true",
                    help="only the reading-alone comparison (redactor's reader beside pypdfium2, pdfminer.six, pypdf)")
    ap.add_argument("--memory", metavar="PAGES,PAGES", help="peak memory of redactor runs on generated sets of these sizes")
    ap.add_argument("--measure", nargs=3, metavar=("WHAT", "FOLDER", "JOBS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        what, folder, jobs = args.measure
        print(json.dumps(MEASURES[what](Path(folder), int(jobs))))
        return
    jobs_list = [int(j) for j in args.jobs.split(",")]
    if args.memory:
        bench_memory([int(n) for n in args.memory.split(",")], max(jobs_list))
        return
    print(f"machine: {_cpu_model()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} at start")
    records = CORPUS / "records"
    with_records = records.is_dir() and not args.no_records
    if args.extractors:
        bench_extractors(build(args.pages), args.repeat)
        if with_records:
            bench_extractors(records, args.repeat)
        return
    bench_set("generated text-layer PDFs", build(args.pages), jobs_list, review=not args.no_review,
              same_blas=not args.no_same_blas, repeat=args.repeat)
    bench_extractors(build(args.pages), args.repeat)
    if with_records:
        bench_set("shared corpus records", records, jobs_list, review=not args.no_review,
                  same_blas=not args.no_same_blas, repeat=args.repeat)
        bench_extractors(records, args.repeat)


if __name__ == "__main__":
    main()
