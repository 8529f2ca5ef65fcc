"""The run's report: report.json (machine-readable, schema in schema/report.schema.json) and
report.html (self-contained, for reviewers).

The report never contains a withheld value: it says where (page, box, character offsets in
the extracted page text), what kind, and why, so it can sit in the release folder.
"""

from __future__ import annotations

import bisect
import collections
import datetime as dt
import html
import json
from importlib import resources
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import __version__
from .model import DocumentResult, Redaction, Status
from .policy import Policy, entity_label
from .release_summary import ReleaseSummary

REPORT_VERSION = 1


def _where(labels: list[str], page: int) -> dict:
    """ "where": the page's label in words, for formats whose pages are parts ("header 1")."""
    label = labels[page - 1] if 0 < page <= len(labels) else ""
    return {"where": label} if label else {}


def _line(breaks: list[tuple[int, ...]], page: int, offset: int) -> dict:
    """ "line": the 1-based line of the page's text an offset is on. The report gives lines,
    not character offsets or source boxes: those would tell the length and width of what was
    withheld, which the release copy hides (docs/design.md, the glyph-position defence)."""
    if not 0 < page <= len(breaks):
        return {}
    return {"line": bisect.bisect_left(breaks[page - 1], offset) + 1}


def _redaction_json(i: int, r: Redaction, labels: list[str] = (), breaks: list[tuple[int, ...]] = ()) -> dict:
    d = r.decision
    f = d.finding
    return {
        "id": f"r{i}",
        "page": r.page,
        **(_line(breaks, r.page, r.start) if not f.is_region else {"region": True}),
        "release_bbox": [[round(v, 2) for v in b] for b in r.release_boxes],
        "entity": f.entity,
        "recognizer": f.recognizer,
        "explanation": f.explanation,
        **({"analysis": f.analysis.as_dict()} if f.analysis is not None else {}),
        "rule": d.rule,
        "action": d.action.value,
        "exemptions": list(d.exemptions),
        "label": "; ".join(d.exemptions),
        "score": round(f.score, 4),
        "reason": d.reason,
        "needs_review": d.needs_review,
        "propagated": d.propagated,
        **_where(labels, r.page),
        **_ocr_json(f),
    }


def _region_html(r: dict) -> str:
    """Where a region (a signature) is: its rectangle on the page, in points."""
    if not r.get("region") or not r.get("release_bbox"):
        return ""
    x0, y0, x1, y1 = r["release_bbox"][0]
    return f"<br><span class='small'>region ({x0:.0f}, {y0:.0f})&ndash;({x1:.0f}, {y1:.0f}) pt</span>"


def _ocr_json(f) -> dict:
    c = f.attributes.get("ocr_confidence") if isinstance(f.attributes, dict) else None
    return {"ocr_confidence": round(float(c), 1)} if c is not None else {}


def _kept_json(d, labels: list[str] = (), breaks: list[tuple[int, ...]] = ()) -> dict:
    f = d.finding
    return {"page": f.page, **(_line(breaks, f.page, f.start) if not f.is_region else {"region": True}),
            "entity": f.entity, "recognizer": f.recognizer,
            "rule": d.rule, "action": d.action.value, "score": round(f.score, 4), "reason": d.reason,
            "needs_review": d.needs_review, **_where(labels, f.page), **_ocr_json(f),
            **({"bbox": [[round(v, 2) for v in f.attributes["bbox"]]]} if "bbox" in f.attributes else {})}


def document_json(res: DocumentResult) -> dict:
    by_ex = collections.Counter(code for r in res.redactions for code in r.decision.exemptions)
    return {
        "source": str(res.source),
        "output": str(res.output) if res.output else None,
        "format": res.format or None,
        "status": res.status.value,
        "pages": res.pages,
        "input_sha256": res.input_sha256 or None,
        "output_sha256": res.output_sha256 or None,
        "error": res.error,
        "notes": [n for n in res.notes if "Traceback" not in n],
        "withheld_pages": list(res.withheld_pages),
        "redaction_count": len(res.redactions),
        "counts_by_exemption": dict(sorted(by_ex.items())),
        "redactions": [_redaction_json(i, r, res.page_labels, res.page_breaks)
                       for i, r in enumerate(res.redactions, start=1)],
        "kept": [_kept_json(d, res.page_labels, res.page_breaks)
                 for d in sorted(res.kept, key=lambda d: (d.finding.page, d.finding.start))],
        **({"ocr_pages": res.ocr_pages} if res.ocr_pages else {}),
    } | ({"withheld_in_full": {"exemptions": list(res.withheld_by.exemptions), "rule": res.withheld_by.rule,
                               "reason": res.withheld_by.reason}} if res.withheld_by else {}) | (
        {"unchanged_since": res.unchanged_since} if res.unchanged_since else {})


class PreviousReport:
    """The document entries of the report an earlier run left in OUTDIR, by source, so a
    document skipped as unchanged keeps its full entry (redactions, reasons) in the new one.

    Only where each entry is in report.json is held, not the entries: ``report_json_pieces``
    writes each at the same place (from a line "    {" to a line "    }"), so one is read
    when asked for. A report.json of another shape is read whole."""

    def __init__(self, path: Path):
        self.path = path
        self.index: dict[str, tuple[int, int]] = {}  # source -> (offset, length)
        self.loaded: dict[str, dict] = {}  # a report.json of another shape
        try:
            self._scan()
        except (OSError, ValueError):
            self.index = {}
        if not self.index:
            try:
                report = json.loads(path.read_text(encoding="utf-8"))
                self.loaded = {d["source"]: d for d in report.get("documents", [])
                               if isinstance(d, dict) and "source" in d}
            except (OSError, ValueError, AttributeError, TypeError):
                self.loaded = {}

    def _scan(self) -> None:
        with open(self.path, "rb") as fh:
            offset, start, source, in_documents = 0, None, None, False
            for line in fh:
                if not in_documents:
                    in_documents = line == b'  "documents": [\n'
                elif line == b"    {\n":
                    start, source = offset, None
                elif start is not None and source is None and line.startswith(b'      "source": '):
                    source = json.loads(line[len(b'      "source": '):].rstrip().rstrip(b","))
                elif start is not None and line in (b"    }\n", b"    },\n"):
                    if isinstance(source, str):
                        self.index[source] = (start, offset + 5 - start)
                    start = None
                elif line.startswith(b"  ]"):
                    break
                offset += len(line)

    def get(self, source: str, default: dict | None = None) -> dict | None:
        if source in self.loaded:
            return self.loaded[source]
        where = self.index.get(source)
        if where is None:
            return default
        try:
            with open(self.path, "rb") as fh:
                fh.seek(where[0])
                d = json.loads(fh.read(where[1]))
        except (OSError, ValueError):
            return default
        return d if isinstance(d, dict) and d.get("source") == source else default

    def __len__(self) -> int:
        return len(self.index) or len(self.loaded)


def previous_documents(outdir: Path) -> PreviousReport:
    """The document entries of the report an earlier run left in OUTDIR (``PreviousReport``)."""
    return PreviousReport(outdir / "report.json")


def _carried(res: DocumentResult, previous: "PreviousReport | dict[str, dict]") -> dict:
    """A skipped document's entry: the earlier report's, when it describes the same copy."""
    mine = document_json(res)
    old = previous.get(mine["source"])
    if (not res.pages and not res.redactions and res.unchanged_since and old is not None
            and old.get("output_sha256") == mine["output_sha256"] and old.get("status") == mine["status"]):
        return {**_without_extents(old), "unchanged_since": res.unchanged_since}
    return mine


def _without_extents(d: dict) -> dict:
    """An earlier report's entry without what reports no longer give (source boxes and
    character offsets of withheld spans: they tell a value's length)."""
    def clean(item: dict, kept: bool) -> dict:
        drop = {"start", "end", "length"} | (set() if kept else {"bbox"})
        return {k: v for k, v in item.items() if k not in drop}

    return {**d, "redactions": [clean(r, False) for r in d.get("redactions") or []],
            "kept": [clean(k, True) for k in d.get("kept") or []]}


class Totals:
    """The report's summary, added to one document entry at a time."""

    def __init__(self) -> None:
        self.documents = self.pages = self.redactions = 0
        self.by_status: collections.Counter = collections.Counter()
        self.by_exemption: collections.Counter = collections.Counter()
        self.release = ReleaseSummary()

    def add(self, d: dict) -> None:
        self.documents += 1
        self.pages += d["pages"]
        self.redactions += d["redaction_count"]
        self.by_status[d["status"]] += 1
        self.by_exemption.update(d["counts_by_exemption"])
        self.release.add(d)

    def summary(self) -> dict:
        return {
            "documents": self.documents,
            "pages": self.pages,
            "redactions": self.redactions,
            "by_status": {s.value: self.by_status.get(s.value, 0) for s in Status},
            "by_exemption": dict(sorted(self.by_exemption.items())),
            "release": self.release.result(),
        }


def report_head(policy: Policy, model: str, created: dt.datetime | None = None) -> dict:
    """The report's first keys, before its summary and documents."""
    return {
        "report_version": REPORT_VERSION,
        "tool": {"name": "redactor", "version": __version__},
        "created": (created or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds"),
        "policy": {"name": policy.name, "title": policy.title, "source": policy.source},
        "model": model,
        "coordinates": "PDF default user space, points, origin bottom-left, before /Rotate",
    }


def build_report(results: list[DocumentResult], policy: Policy, model: str,
                 created: dt.datetime | None = None, previous: dict[str, dict] | None = None) -> dict:
    docs = [_carried(r, previous or {}) for r in sorted(results, key=lambda r: str(r.source))]
    totals = Totals()
    for d in docs:
        totals.add(d)
    return {**report_head(policy, model, created), "summary": totals.summary(), "documents": docs}


class DocumentSpool:
    """A run's report entries, appended to a file (in OUTDIR) as documents finish, so the
    parent process holds only the summary's counts and, per document, where its entry is:
    the report is written from the file at the end, entry by entry (``documents``), in the
    order ``build_report`` gives (by source)."""

    def __init__(self, path: Path, previous: "PreviousReport | dict[str, dict] | None" = None):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.fh = open(path, "w+b")  # a spool a killed run left behind is started again
        self.previous = previous or {}
        self.index: list[tuple[str, int, int]] = []  # (source, offset, length), in arrival order
        self.totals = Totals()
        # What the command line says at the end about documents that failed or wait for review.
        self.problems: list[dict] = []

    def add(self, res: DocumentResult) -> dict:
        """Spool ``res``'s report entry; returns it."""
        d = _carried(res, self.previous)
        data = json.dumps(d, ensure_ascii=False).encode("utf-8") + b"\n"
        self.fh.seek(0, 2)
        self.index.append((d["source"], self.fh.tell(), len(data)))
        self.fh.write(data)
        self.totals.add(d)
        if d["status"] in ("failed", "needs_review"):
            self.problems.append({k: d.get(k) for k in ("source", "status", "error")})
        return d

    def documents(self) -> Iterator[dict]:
        """The spooled entries, by source (in arrival order for the same source)."""
        self.fh.flush()
        for _, offset, length in sorted(self.index, key=lambda e: e[0]):
            self.fh.seek(offset)
            yield json.loads(self.fh.read(length))

    def close(self) -> None:
        self.fh.close()
        self.path.unlink(missing_ok=True)


def report_schema() -> dict:
    return json.loads(resources.files("redactor").joinpath("schema/report.schema.json").read_text())


def write_report(report: dict, outdir: Path, documents: Callable[[], Iterable[dict]] | None = None
                 ) -> tuple[Path, Path]:
    """OUTDIR/report.json and report.html, each written atomically; with ``documents``, the
    report's document entries are ``documents()`` (called once per file), not report["documents"]."""
    from .outdir import write_atomic

    docs = documents or (lambda: report["documents"])
    json_path = write_atomic(outdir / "report.json", report_json_pieces(report, docs()))
    html_path = write_atomic(outdir / "report.html", _joined(_html_parts(report, docs())))
    return json_path, html_path


def report_json_pieces(report: dict, documents: Iterable[dict]) -> Iterator[str]:
    """``json.dumps(report, indent=2, ensure_ascii=False) + "\\n"``, piece by piece, with
    ``documents`` as report["documents"] (one entry in memory at a time)."""
    def dumps(value, indent: str) -> str:
        return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)

    keys = list(report) if "documents" in report else [*report, "documents"]
    yield "{"
    for i, key in enumerate(keys):
        yield ("," if i else "") + "\n  " + json.dumps(key, ensure_ascii=False) + ": "
        if key != "documents":
            yield dumps(report[key], "  ")
            continue
        n = 0
        for d in documents:
            yield ("[\n    " if n == 0 else ",\n    ") + dumps(d, "    ")
            n += 1
        yield "\n  ]" if n else "[]"
    yield "\n}\n" if keys else "}\n"


def _joined(parts: Iterable[str], sep: str = "\n") -> Iterator[str]:
    """``sep.join(parts)``, piece by piece."""
    for i, part in enumerate(parts):
        yield sep + part if i else part


_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#111}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f2f2f2}.status{font-weight:bold;padding:1px 6px;border-radius:3px}
.redacted{background:#dfe}.unchanged{background:#eee}.failed{background:#fcc}.needs_review{background:#ffd}
.small{color:#555;font-size:12px}code{font-size:12px}
"""


def render_html(report: dict) -> str:
    return "\n".join(_html_parts(report, report["documents"]))


def _html_parts(report: dict, documents: Iterable[dict]) -> Iterator[str]:
    e = html.escape
    s = report["summary"]
    yield from [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>redactor report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Redaction report</h1>",
        f"<p class='small'>redactor {e(report['tool']['version'])} &middot; policy "
        f"<b>{e(report['policy']['name'])}</b> ({e(report['policy']['title'])}) &middot; "
        f"{e(report['created'])}</p>",
        "<table><tr><th>Documents</th><th>Pages</th><th>Redactions</th>"
        + "".join(f"<th>{e(k)}</th>" for k in s["by_status"]) + "</tr><tr>"
        f"<td>{s['documents']}</td><td>{s['pages']}</td><td>{s['redactions']}</td>"
        + "".join(f"<td>{v}</td>" for v in s["by_status"].values()) + "</tr></table>",
    ]
    out: list[str] = []
    rel = s.get("release")
    if rel:
        pg, dc = rel["pages"], rel["documents"]
        out.append("<h2>Release summary</h2><table><tr><th>Pages released in full</th><th>released in part</th>"
                   "<th>withheld in full</th><th>not released (failed or waiting for review)</th></tr>"
                   f"<tr><td>{pg['released_in_full']}</td><td>{pg['released_in_part']}</td>"
                   f"<td>{pg['withheld_in_full']}</td><td>{pg['not_released']}</td></tr></table>")
        out.append("<table><tr><th>Documents released</th><th>withheld in full</th><th>failed</th>"
                   f"<th>needing review</th></tr><tr><td>{dc['released']}</td><td>{dc['withheld_in_full']}</td>"
                   f"<td>{dc['failed']}</td><td>{dc['needs_review']}</td></tr></table>")
    if s["by_exemption"]:
        by = (rel or {}).get("by_exemption", {})
        out.append("<table><tr><th>Exemption</th><th>Redactions</th><th>Pages</th><th>Documents</th></tr>")
        out += [f"<tr><td>{e(k)}</td><td>{v}</td><td>{by.get(k, {}).get('pages', '')}</td>"
                f"<td>{by.get(k, {}).get('documents', '')}</td></tr>" for k, v in s["by_exemption"].items()]
        out.append("</table>")
    yield from out
    for d in documents:
        out = [f"<h2>{e(d['source'])}</h2>"]
        out.append(f"<p><span class='status {e(d['status'])}'>{e(d['status'])}</span> &middot; "
                   f"{d['pages']} page(s) &middot; {d['redaction_count']} redaction(s)"
                   + (f" &middot; release copy <code>{e(d['output'])}</code>" if d["output"] else "")
                   + "</p>")
        if d["error"]:
            out.append(f"<p><b>Reason:</b> {e(d['error'])}</p>")
        if d["counts_by_exemption"]:
            out.append("<p>" + ", ".join(f"{e(k)}: {v}" for k, v in d["counts_by_exemption"].items()) + "</p>")
        if d["redactions"]:
            out.append("<table><tr><th>#</th><th>Page</th><th>What</th><th>Exemption</th><th>Rule</th>"
                       "<th>Score</th><th>Reason</th><th>Found by</th></tr>")
            for r in d["redactions"]:
                flag = " (review)" if r["needs_review"] else ""
                found = r["recognizer"] + (" (propagated)" if r["propagated"] else "")
                out.append(
                    f"<tr><td>{e(r['id'])}</td><td>{r['page']}{' (' + e(r['where']) + ')' if r.get('where') else ''}"
                    f"{_region_html(r)}</td>"
                    f"<td>{e(entity_label(r['entity']))}</td>"
                    f"<td>{e(r['label'])}</td><td>{e(r['rule'])}</td><td>{r['score']:.2f}</td>"
                    f"<td>{e(r['reason'])}{flag}</td><td class='small'>{e(found)}: {e(r['explanation'])}</td></tr>")
            out.append("</table>")
        if d["kept"]:
            by_rule = collections.Counter((k["rule"], k["reason"]) for k in d["kept"])
            flagged = sum(1 for k in d["kept"] if k["needs_review"])
            out.append(f"<details><summary>{len(d['kept'])} finding(s) released"
                       + (f", {flagged} flagged for review" if flagged else "") + "</summary><table>"
                       "<tr><th>Rule</th><th>Reason</th><th>Count</th></tr>"
                       + "".join(f"<tr><td>{e(rule)}</td><td>{e(reason)}</td><td>{n}</td></tr>"
                                 for (rule, reason), n in sorted(by_rule.items()))
                       + "</table></details>")
        if d["notes"]:
            out.append("<ul class='small'>" + "".join(f"<li>{e(n)}</li>" for n in d["notes"]) + "</ul>")
        yield from out
    yield "</body></html>\n"
