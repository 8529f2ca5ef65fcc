"""The reviewer's report: one self-contained HTML page (inline CSS and JavaScript, no network,
no external fonts) that shows, per document and page, the original beside the release copy,
every proposed redaction and every kept finding as a box coloured by exemption, and, for the
selected box, the withheld text and why it is withheld.

It CONTAINS WITHHELD VALUES, so it is never written beside the release copies' report: it
goes to a folder of its own (``OUTDIR/NOT-FOR-RELEASE/`` for ``redactor run``, the work folder
for ``redactor scan``), with the rendered page images in ``pages/`` next to it. The page says
so at the top in red.

Data flow: ``review_documents`` turns run results (or a plan file's documents) into plain
dicts (the "review model"), ``render_pages`` draws PDF pages to PNG in child processes (a
hostile input that crashes pdfium takes down a child, not the run), ``write_review`` writes
the page. The same page, with ``review`` set, is what ``redactor review`` serves.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import json
import multiprocessing as mp
import os
import time
from importlib import resources
from pathlib import Path
from typing import Iterable, Iterator

from .model import DocumentResult, Redaction
from .policy import entity_label

REVIEW_DIR_NAME = "NOT-FOR-RELEASE"  # under OUTDIR for `redactor run`
RENDER_SCALE = 1.5  # 108 dpi: readable, small enough for a thousand pages
RENDER_TIMEOUT = 120.0  # seconds per document
# Colours for exemption codes, in order of first use (sorted codes), readable on white and
# distinct from the grey of kept findings.
PALETTE = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#843c39", "#7b4173"]
KEPT_COLOUR = "#888888"


# ---------------------------------------------------------------------------------------
# Geometry: PDF default user space -> fractions of the page as displayed (and rendered)
# ---------------------------------------------------------------------------------------

def box_to_fraction(box, crop, rotation: int) -> list[float]:
    """[left, top, width, height] as fractions of the displayed page for a box
    [x0, y0, x1, y1] in default user space, given the page's crop box (l, b, r, t) and /Rotate."""
    x0, y0, x1, y1 = box
    cl, cb, cr, ct = crop
    w, h = (cr - cl) or 1.0, (ct - cb) or 1.0
    rot = rotation % 360

    def m(x, y):
        if rot == 90:
            return (y - cb) / h, (x - cl) / w
        if rot == 180:
            return (cr - x) / w, (y - cb) / h
        if rot == 270:
            return (ct - y) / h, (cr - x) / w
        return (x - cl) / w, (ct - y) / h

    (a, b), (c, d) = m(x0, y0), m(x1, y1)
    return [round(min(a, c), 5), round(min(b, d), 5), round(abs(c - a), 5), round(abs(d - b), 5)]


def fraction_to_box(frac, crop, rotation: int) -> list[float]:
    """The inverse of ``box_to_fraction``: [left, top, width, height] of the displayed page
    -> [x0, y0, x1, y1] in default user space."""
    left, top, width, height = frac
    cl, cb, cr, ct = crop
    w, h = (cr - cl) or 1.0, (ct - cb) or 1.0
    rot = rotation % 360

    def m(fx, fy):
        if rot == 90:
            return cl + fy * w, cb + fx * h
        if rot == 180:
            return cr - fx * w, cb + fy * h
        if rot == 270:
            return cr - fy * w, ct - fx * h
        return cl + fx * w, ct - fy * h

    (a, b), (c, d) = m(left, top), m(left + width, top + height)
    return [round(min(a, c), 3), round(min(b, d), 3), round(max(a, c), 3), round(max(b, d), 3)]


# ---------------------------------------------------------------------------------------
# Rendering, in child processes bounded in time and memory
# ---------------------------------------------------------------------------------------

def render_pdf(path: Path, dest: Path, stem: str, scale: float = RENDER_SCALE, password: str = "") -> list[dict]:
    """Render every page of ``path`` to ``dest/<stem>-p<N>.png``; return per page the file
    name, pixel size, crop box and rotation."""
    import pypdfium2 as pdfium

    dest.mkdir(parents=True, exist_ok=True)
    pdf = pdfium.PdfDocument(str(path), password=password or None)
    pages = []
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            crop = tuple(float(v) for v in page.get_cropbox())
            rotation = page.get_rotation()
            image = page_image(page.render(scale=scale))
            name = f"{stem}-p{i + 1}.png"
            tmp = dest / f".{name}.tmp"
            image.save(tmp, format="PNG", compress_level=1)
            os.replace(tmp, dest / name)
            pages.append({"file": name, "px": [image.width, image.height], "crop": crop, "rotation": rotation})
            page.close()
    finally:
        pdf.close()
    return pages


def page_image(bitmap):
    """A rendered page (a pypdfium2 bitmap) as a PIL image: 8-bit grey when every pixel is
    grey, as on most records (black text on white): the same pixels, a third of the bytes to
    compress (PNG encoding was most of the reviewer's report's cost: 23 ms a page in colour,
    9 in grey)."""
    import numpy as np
    from PIL import Image

    pixels = bitmap.to_numpy()
    if (pixels.ndim == 3 and pixels.shape[2] == 3 and bitmap.mode in ("BGR", "RGB")
            and np.array_equal(pixels[..., 0], pixels[..., 1]) and np.array_equal(pixels[..., 1], pixels[..., 2])):
        return Image.fromarray(np.ascontiguousarray(pixels[..., 0]), mode="L")
    return bitmap.to_pil()


def read_texts(path: Path, fmt: str, password: str = "") -> list[dict]:
    """The pages (text and label) of a non-PDF document, read by its format."""
    from .formats import by_name
    from .settings import Settings

    doc = by_name(fmt).read(Path(path), Settings(password=password))
    return [{"text": p.text, "label": p.label} for p in doc.pages]


def _child(conn, kind, path, dest, stem, scale, password, memory_limit) -> None:
    try:
        import resource

        if memory_limit:
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    except (ImportError, ValueError, OSError):
        pass
    try:
        if kind == "render":
            conn.send(("ok", render_pdf(Path(path), Path(dest), stem, scale, password)))
        else:  # kind is a format name: read the pages' text
            conn.send(("ok", read_texts(Path(path), kind, password)))
    except BaseException as exc:  # noqa: BLE001 -- reported to the parent, never raised there
        conn.send(("error", f"{type(exc).__name__}"))


def render_pages(jobs: list[tuple[Path, Path, str]], *, workers: int = 1, timeout: float = RENDER_TIMEOUT,
                 password: str = "", memory_limit: int = 0,
                 scale: float = RENDER_SCALE) -> dict[str, list[dict] | str]:
    """Render each (pdf, dest folder, stem) job in its own child process, ``workers`` at a
    time. Returns stem -> page list, or stem -> a short error (never the document's text).
    A job (path, None, key, fmt) reads a non-PDF document's pages instead."""
    from multiprocessing.connection import wait

    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    if ctx.get_start_method() == "fork" and any(len(job) == 3 for job in jobs):
        # Imported once here, not in every child: a child per document is forked with them.
        import numpy  # noqa: F401
        import PIL.PngImagePlugin  # noqa: F401
        import pypdfium2  # noqa: F401
    results: dict[str, list[dict] | str] = {}
    pending = list(jobs)
    running: list[tuple[object, object, str, float]] = []
    while pending or running:
        while pending and len(running) < max(1, workers):
            path, dest, stem, *kind = pending.pop(0)
            parent, child = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, daemon=True,
                               args=(child, kind[0] if kind else "render", str(path), str(dest), stem, scale,
                                     password, memory_limit))
            proc.start()
            child.close()
            running.append((proc, parent, stem, time.monotonic()))
        wait([c for _, c, _, _ in running] + [p.sentinel for p, _, _, _ in running], timeout=0.5)
        still = []
        for proc, conn, stem, started in running:
            if conn.poll():
                try:
                    status, value = conn.recv()
                except (EOFError, OSError):
                    status, value = "error", "the renderer died"
                results[stem] = value if status == "ok" else f"could not render ({value})"
                proc.join(timeout=5)
                conn.close()
            elif not proc.is_alive():
                results[stem] = "could not render (the renderer died)"
                conn.close()
            elif time.monotonic() - started > timeout:
                proc.kill()
                proc.join()
                results[stem] = f"could not render (timed out after {timeout:.0f} s)"
                conn.close()
            else:
                still.append((proc, conn, stem, started))
        running = still
    return results


# ---------------------------------------------------------------------------------------
# The review model: plain dicts, the same whether built from run results or a plan file
# ---------------------------------------------------------------------------------------

def released_text(text: str, spans: list[tuple[int, int, list[str], str | None]]) -> str:
    """What a text-like release copy shows for ``text`` with withheld ``spans`` (start, end,
    exemption codes, pseudonym): the writer's own placeholders."""
    from .formats.text import text_placeholder

    merged: list[list] = []
    for s, e, codes, pseudonym in sorted(spans, key=lambda x: (x[0], -x[1])):
        if merged and s < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
            merged[-1][2] += [c for c in codes if c not in merged[-1][2]]
            merged[-1][3] = None
        else:
            merged.append([s, e, list(codes), pseudonym])
    out, pos = [], 0
    for s, e, codes, pseudonym in merged:
        out.append(text[pos:s])
        out.append(text_placeholder("; ".join(codes), pseudonym))
        pos = e
    out.append(text[pos:])
    return "".join(out)


def redaction_item(i: int, r: Redaction) -> dict:
    d, f = r.decision, r.decision.finding
    return {
        "id": f"r{i}", "kind": "redaction", "page": r.page, "start": r.start, "end": r.end,
        "value": r.text, "entity": f.entity, "entity_label": entity_label(f.entity),
        "recognizer": f.recognizer, "explanation": f.explanation, "rule": d.rule,
        "action": d.action.value, "exemptions": list(d.exemptions), "score": round(f.score, 4),
        "reason": d.reason, "needs_review": d.needs_review, "propagated": d.propagated,
        "pseudonym": d.pseudonym, "bbox": [list(b) for b in r.boxes],
        "release_bbox": [list(b) for b in r.release_boxes], "status": "proposed",
    }


def kept_item(i: int, d) -> dict:
    f = d.finding
    return {
        "id": f"k{i}", "kind": "kept", "page": f.page, "start": f.start, "end": f.end, "value": f.text,
        "entity": f.entity, "entity_label": entity_label(f.entity), "recognizer": f.recognizer,
        "explanation": f.explanation, "rule": d.rule, "action": d.action.value, "exemptions": [],
        "score": round(f.score, 4), "reason": d.reason, "needs_review": d.needs_review,
        "propagated": d.propagated, "pseudonym": None, "bbox": [], "release_bbox": [], "status": "kept",
    }


def result_document(res: DocumentResult, page_texts: list[str] | None = None,
                    page_labels: list[str] | None = None) -> dict:
    """The review model of one processed document. ``page_texts`` are the pages' extracted
    text (shown for non-PDF formats); ids match report.json's (r1.., and k1.. in its order)."""
    items = [redaction_item(i, r) for i, r in enumerate(res.redactions, start=1)]
    kept = sorted(res.kept, key=lambda d: (d.finding.page, d.finding.start))
    items += [kept_item(i, d) for i, d in enumerate(kept, start=1)]
    pages = []
    for n in range(1, (res.pages or 0) + 1):
        pages.append({"n": n, "label": page_labels[n - 1] if page_labels and n <= len(page_labels) else "",
                      "text": page_texts[n - 1] if page_texts and n <= len(page_texts) else None})
    return {
        "source": str(res.source), "output": str(res.output) if res.output else None,
        "format": res.format or "", "status": res.status.value, "error": res.error,
        "withheld_pages": list(res.withheld_pages),
        "withheld_document": ("; ".join(res.withheld_by.exemptions) if res.withheld_by else None),
        "pages": pages, "items": items,
    }


def attach_renders(doc: dict, original: list[dict] | str | None, release: list[dict] | str | None,
                   prefix: str = "pages/") -> None:
    """Add image files and box fractions to a PDF document of the review model."""
    notes = []
    for key, rendered in (("orig", original), ("red", release)):
        if isinstance(rendered, str):
            notes.append(f"{'original' if key == 'orig' else 'release copy'}: {rendered}")
            continue
        for page, info in zip(doc["pages"], rendered or []):
            page[key] = prefix + info["file"]
            page[key + "_px"] = info["px"]
            page[key + "_geom"] = [info["crop"], info["rotation"]]
    if notes:
        doc["render_notes"] = notes
    for it in doc["items"]:
        page = doc["pages"][it["page"] - 1] if 0 < it["page"] <= len(doc["pages"]) else None
        if page is None:
            continue
        if "orig_geom" in page:
            crop, rot = page["orig_geom"]
            it["boxes"] = [box_to_fraction(b, crop, rot) for b in it["bbox"]]
        geom = page.get("red_geom") or page.get("orig_geom")
        if geom:
            it["rboxes"] = [box_to_fraction(b, geom[0], geom[1]) for b in it["release_bbox"]]


def text_views(doc: dict) -> None:
    """For non-PDF documents: each page's text as released (the writer's placeholders)."""
    for page in doc["pages"]:
        if page.get("text") is None:
            continue
        spans = [(it["start"], it["end"], it["exemptions"], it.get("pseudonym")) for it in doc["items"]
                 if it["kind"] == "redaction" and it["status"] != "rejected" and it["page"] == page["n"]]
        if page["n"] in doc.get("withheld_pages", []) or doc.get("withheld_document"):
            page["red_text"] = "[WITHHELD IN FULL]"
        else:
            page["red_text"] = released_text(page["text"], spans)


def exemption_colours(docs: Iterable[dict]) -> dict[str, str]:
    codes = sorted({c for d in docs for it in d["items"] for c in it["exemptions"]})
    return {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(codes)}


def review_model(docs: list[dict], policy: dict, created: str | None = None, review: dict | None = None) -> dict:
    for i, d in enumerate(docs, start=1):
        d.setdefault("id", f"d{i}")
    return {
        "version": 1,
        "created": created or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "policy": policy,
        "colours": exemption_colours(docs),
        "kept_colour": KEPT_COLOUR,
        "documents": docs,
        "review": review,  # set by `redactor review`: {"token": ..., "exemptions": [...]}
    }


# ---------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------

def _asset(name: str) -> str:
    return resources.files("redactor").joinpath(f"templates/{name}").read_text(encoding="utf-8")


def _json_for_script(data) -> str:
    return _script_safe(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def _script_safe(text: str) -> str:
    # Inside <script>: no "</" may end the element early, no U+2028/9 may end a JS line.
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _model_json_pieces(model: dict, documents: Iterable[dict]) -> Iterator[str]:
    """``_json_for_script(model)`` piece by piece, with ``documents`` as model["documents"]."""
    yield "{"
    for i, (key, value) in enumerate(model.items()):
        yield ("," if i else "") + _json_for_script(key) + ":"
        if key != "documents":
            yield _json_for_script(value)
            continue
        yield "["
        for n, d in enumerate(documents):
            yield ("," if n else "") + _json_for_script(d)
        yield "]"
    yield "}"


def render_review_html(model: dict, title: str = "redactor review") -> str:
    return "".join(_review_html_parts(model, model["documents"], title))


def _review_html_parts(model: dict, documents: Iterable[dict], title: str = "redactor review") -> Iterator[str]:
    e = html.escape
    yield from ([
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        # No network: nothing outside this file and its pages/ folder may load.
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; img-src 'self' data:; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'\">",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{e(title)} - CONTAINS WITHHELD INFORMATION</title>",
        f"<style>{_asset('review.css')}</style></head><body>",
        "<div id='banner' role='alert'>CONTAINS WITHHELD INFORMATION &mdash; internal review copy, "
        "NOT FOR RELEASE</div>",
        "<noscript><p>This page needs JavaScript to show the documents.</p></noscript>",
        "<div id='app'></div>",
        "<script id='data' type='application/json'>"])
    yield from _model_json_pieces(model, documents)
    yield from ["</script>",
                f"<script>{_asset('review.js')}</script>",
                "</body></html>\n"]


def write_review(model: dict, folder: Path, name: str = "report.html",
                 documents: Iterable[dict] | None = None) -> Path:
    """The page in ``folder``, written atomically; with ``documents``, they are the model's
    documents (written as they come), not model["documents"]."""
    from .outdir import write_atomic

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "README.txt").write_text(
        "This folder CONTAINS WITHHELD INFORMATION: the text that was withheld from the release\n"
        "copies, for reviewers. Do not release it, publish it, or send it to a requester.\n",
        encoding="utf-8")
    docs = model["documents"] if documents is None else documents
    return write_atomic(folder / name, _review_html_parts(model, docs))


# ---------------------------------------------------------------------------------------
# The internal review log: every decision with its value, as CSV (never released)
# ---------------------------------------------------------------------------------------

REVIEW_LOG_FIELDS = ["document", "page", "id", "kind", "status", "withheld_text", "entity", "exemptions",
                     "rule", "action", "confidence", "needs_review", "propagated", "reason", "recognizer",
                     "decided_by", "decided_at"]


def write_review_log(docs: Iterable[dict], path: Path) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(REVIEW_LOG_FIELDS)
        for d in docs:
            _review_log_rows(w, d)
    os.replace(tmp, path)
    return path


def _review_log_rows(w, d: dict) -> None:
    for it in sorted(d["items"], key=lambda it: (it["page"], it["start"])):
        w.writerow([d.get("relpath") or d["source"], it["page"], it["id"], it["kind"], it["status"],
                    it["value"], it["entity"], "; ".join(it["exemptions"]), it["rule"], it["action"],
                    f"{it['score']:.2f}", "yes" if it["needs_review"] else "",
                    "yes" if it["propagated"] else "", it["reason"], it["recognizer"],
                    it.get("decided_by", ""), it.get("decided_at", "")])


# ---------------------------------------------------------------------------------------
# `redactor run`: the whole review bundle from the run's results
# ---------------------------------------------------------------------------------------

class ReviewSpool:
    """The review model's documents of a run, appended as documents finish to a file in
    OUTDIR/NOT-FOR-RELEASE/ (they hold withheld values: never beside the release copies),
    so the parent holds only the exemption codes and, per document, where its entry is."""

    def __init__(self, outdir: Path):
        self.outdir = outdir
        self.folder = outdir / REVIEW_DIR_NAME
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / ".documents.spool"
        self.fh = open(self.path, "w+b")  # a spool a killed run left behind is started again
        self.index: list[tuple[str, int, int]] = []  # (source, offset, length), in arrival order
        self.codes: set[str] = set()

    def add(self, res: DocumentResult) -> None:
        doc = result_document(res, None, list(getattr(res, "page_labels", []) or []))
        if res.output:
            doc["relpath"] = str(res.output)
        self.codes.update(c for it in doc["items"] for c in it["exemptions"])
        data = json.dumps(doc, ensure_ascii=False).encode("utf-8") + b"\n"
        self.fh.seek(0, 2)
        self.index.append((doc["source"], self.fh.tell(), len(data)))
        self.fh.write(data)

    def documents(self) -> Iterator[dict]:
        """The spooled documents, by source (``write_run_review``'s order), with their ids."""
        self.fh.flush()
        for i, (_, offset, length) in enumerate(sorted(self.index, key=lambda e: e[0]), start=1):
            self.fh.seek(offset)
            doc = json.loads(self.fh.read(length))
            relpath = doc.pop("relpath", None)
            doc["id"] = f"d{i}"
            if relpath is not None:
                doc["relpath"] = relpath
            yield doc

    def close(self) -> None:
        self.fh.close()
        self.path.unlink(missing_ok=True)


def _render_jobs(doc: dict, outdir: Path, pages_dir: Path) -> list[tuple]:
    i, n = doc["id"], len(doc["pages"])
    if doc["format"] == "pdf" and n:
        return [(Path(doc["source"]), pages_dir, f"{i}-orig")] + (
            [(outdir / doc["output"], pages_dir, f"{i}-rel")] if doc["output"] else [])
    if doc["format"] and n and Path(doc["source"]).is_file():  # (an attachment has no file)
        return [(Path(doc["source"]), None, f"{i}-text", doc["format"])]
    return []


def write_run_review(results: "list[DocumentResult] | ReviewSpool", outdir: Path, policy: dict, *, workers: int = 1,
                     password: str = "", memory_limit: int = 0, timeout: float = RENDER_TIMEOUT) -> Path:
    """OUTDIR/NOT-FOR-RELEASE/report.html (+ pages/, review-log.csv) for a finished run, from
    its results or its ``ReviewSpool``. Documents are rendered and written a few at a time."""
    import itertools
    import shutil

    spool = results if isinstance(results, ReviewSpool) else None
    if spool is None:
        spool = ReviewSpool(outdir)
        for res in results:
            spool.add(res)
    try:
        folder = outdir / REVIEW_DIR_NAME
        pages_dir = folder / "pages"
        shutil.rmtree(pages_dir, ignore_errors=True)  # images of an earlier run into the same OUTDIR
        model = review_model([], policy)
        model["colours"] = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(sorted(spool.codes))}
        log = folder / ".review-log.csv.tmp"
        with open(log, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(REVIEW_LOG_FIELDS)

            def finished() -> Iterator[dict]:
                docs = spool.documents()
                while chunk := list(itertools.islice(docs, max(16, 8 * workers))):
                    jobs = [j for doc in chunk for j in _render_jobs(doc, outdir, pages_dir)]
                    renders = render_pages(jobs, workers=workers, password=password, memory_limit=memory_limit,
                                           timeout=timeout) if jobs else {}
                    for doc in chunk:
                        _attach(doc, renders)
                        _review_log_rows(w, doc)
                        yield doc

            path = write_review(model, folder, documents=finished())
        os.replace(log, folder / "review-log.csv")
        return path
    finally:
        spool.close()


def _attach(doc: dict, renders: dict) -> None:
    if doc["format"] == "pdf":
        attach_renders(doc, renders.get(f"{doc['id']}-orig"), renders.get(f"{doc['id']}-rel"))
    else:
        pages = renders.get(f"{doc['id']}-text")
        if isinstance(pages, list) and len(pages) == len(doc["pages"]):
            for page, read in zip(doc["pages"], pages):
                page["text"] = read["text"]
                page["label"] = page["label"] or read["label"]
        elif isinstance(pages, str):
            doc["render_notes"] = [f"text: {pages}"]
    text_views(doc)
