"""The withholding log (a "Vaughn index", after Vaughn v. Rosen, 1973): one row per withheld
item, as CSV and as a self-contained HTML page, to send to the requester (and, in
litigation, the court).

It is built from report.json only -- which never holds a withheld value -- plus the release
copies' page sizes (to say where on a page a box is) and the policy's exemption catalogue
(citations). So it cannot contain a withheld value either: the description names the kind
of information ("telephone number", "classified portion") and where it was, never what.
The reviewers' log WITH the values is a separate file (NOT-FOR-RELEASE/review-log.csv).

Columns: document, page, bates (when the copies were Bates-numbered), location, extent
(withheld in part / page withheld in full / document withheld in full), exemptions, statute,
category, description, justification, policy_version.
"""

from __future__ import annotations

import csv
import hashlib
import html
import os
from importlib import resources
from pathlib import Path
from typing import Iterable, Iterator

from .policy import Policy, entity_label
from .report import _joined

FIELDS = ["document", "page", "bates", "location", "extent", "exemptions", "statute", "category", "description",
          "justification", "policy_version"]


def policy_version(policy: Policy) -> str:
    """The policy's name and the first 12 hex digits of the SHA-256 of its file (shipped or
    not), so a log says exactly which rules decided."""
    data = b""
    src = Path(policy.source)
    if src.is_file():
        data = src.read_bytes()
    else:
        ref = resources.files("redactor").joinpath(f"policies/{policy.name}.yaml")
        if ref.is_file():
            data = ref.read_bytes()
    return f"{policy.name} sha256:{hashlib.sha256(data).hexdigest()[:12]}" if data else policy.name


def statute(codes: list[str], policy: Policy | None) -> str:
    out = []
    for code in codes:
        ex = policy.exemption(code) if policy else None
        cite = ex.citation if ex and ex.citation else code
        extra = code.split(":", 1)[1].strip() if ":" in code else ""  # "(b)(3): 26 U.S.C. 6103"
        out.append(f"{cite} ({extra})" if extra else cite)
    return "; ".join(out)


def _page_heights(path: Path) -> dict[int, tuple[float, float, float, float, int]]:
    """Page -> (x0, y0, x1, y1, rotate) of the release copy's page boxes."""
    try:
        import pikepdf

        with pikepdf.open(path) as pdf:
            out = {}
            for i, page in enumerate(pdf.pages, start=1):
                box = [float(v) for v in (page.obj.get("/CropBox") or page.mediabox)]
                out[i] = (min(box[0], box[2]), min(box[1], box[3]), max(box[0], box[2]), max(box[1], box[3]),
                          int(page.obj.get("/Rotate", 0)) % 360)
            return out
    except Exception:  # noqa: BLE001 -- the location falls back to "page N"
        return {}


def _where_on_page(boxes: list[list[float]], geom) -> str:
    if not boxes or not geom:
        return ""
    x0, y0, x1, y1, rot = geom
    cx = sum((b[0] + b[2]) / 2 for b in boxes) / len(boxes)
    cy = sum((b[1] + b[3]) / 2 for b in boxes) / len(boxes)
    # Fraction of the way down the page as displayed.
    down = {0: (y1 - cy) / ((y1 - y0) or 1), 90: (cx - x0) / ((x1 - x0) or 1),
            180: (cy - y0) / ((y1 - y0) or 1), 270: (x1 - cx) / ((x1 - x0) or 1)}.get(rot, 0.5)
    return "top" if down < 1 / 3 else ("middle" if down < 2 / 3 else "bottom")


def withholding_rows(report: dict, policy: Policy | None, outdir: Path | None,
                     withheld_pages_why: dict[tuple[str, int], dict] | None = None) -> list[dict]:
    """One row per withheld item of every document, in document and page order.
    ``withheld_pages_why`` maps (source, page) to {exemptions, rule, reason} for pages the
    policy withheld in full (the report lists those pages without their reason)."""
    return list(iter_withholding_rows(report, report["documents"], policy, outdir, withheld_pages_why))


def iter_withholding_rows(report: dict, documents: Iterable[dict], policy: Policy | None, outdir: Path | None,
                          withheld_pages_why: dict[tuple[str, int], dict] | None = None) -> Iterator[dict]:
    """``withholding_rows`` for the report's ``documents``, one document at a time."""
    version = policy_version(policy) if policy else report["policy"]["name"]
    for d in documents:
        rows: list[dict] = []
        name = d["output"] or Path(d["source"]).name
        bates = d.get("bates") or []  # Bates number of each page, when the copies were stamped

        def row(page, location, extent, codes, category, description, justification):
            rows.append({"document": name, "page": page,
                         "bates": (bates[page - 1] if page and page <= len(bates) else
                                   f"{bates[0]}-{bates[-1]}" if bates and not page else ""),
                         "location": location, "extent": extent, "exemptions": "; ".join(codes),
                         "statute": statute(codes, policy), "category": category, "description": description,
                         "justification": justification, "policy_version": version})

        whole = d.get("withheld_in_full")
        if d["status"] == "withheld":
            codes = (whole or {}).get("exemptions", [])
            row("", f"all {d['pages']} page(s)", "document withheld in full", codes, "entire document",
                "The whole document is withheld", (whole or {}).get("reason", ""))
            yield from rows
            continue
        if d["status"] == "failed" or not d["output"]:
            continue  # nothing was released: it is not part of this release's log
        geoms = _page_heights(outdir / d["output"]) if outdir and d["format"] == "pdf" else {}
        withheld = set(d.get("withheld_pages") or [])
        for page in sorted(withheld):
            why = (withheld_pages_why or {}).get((d["source"], page), {})
            row(page, "entire page", "page withheld in full", why.get("exemptions", []), "entire page",
                "The whole page is withheld", why.get("reason", ""))
        on_page: dict[int, int] = {}
        for r in d["redactions"]:
            on_page[r["page"]] = on_page.get(r["page"], 0) + 1
        seen: dict[int, int] = {}
        for r in sorted(d["redactions"], key=lambda r: (r["page"], int(r["id"][1:]))):
            if r["page"] in withheld:
                continue
            seen[r["page"]] = seen.get(r["page"], 0) + 1
            boxes = r.get("release_bbox") or []
            if d["format"] == "pdf":
                part = _where_on_page(boxes, geoms.get(r["page"]))
                lines = len(boxes)
                extent = "a region" if r.get("region") else f"{lines} line(s)"
                location = (f"{part} of page, " if part else "") + extent
            elif r.get("where"):  # a part of the file, in words ("header 1", "footnotes")
                location = r["where"]
            elif r.get("line"):
                location = f"line {r['line']}"
            else:
                location = ""
            location += f" (item {seen[r['page']]} of {on_page[r['page']]} on the page)"
            label = entity_label(r["entity"])
            what = label[0].upper() + label[1:]
            description = f"{what} withheld"
            if r.get("propagated"):
                description += " (the same information as withheld elsewhere in the release)"
            row(r["page"], location, "withheld in part", r["exemptions"], label, description, r["reason"])
        yield from rows


def write_withholding_log(rows: Iterable[dict], outdir: Path, report: dict, summary: dict | None = None
                          ) -> tuple[Path, Path]:
    """OUTDIR/withholding-log.csv and OUTDIR/withholding-log.html, each written atomically.
    ``rows`` are written as they come; the HTML page is written from the CSV file (it needs
    the count of rows first), so the rows are never all in memory."""
    from .outdir import write_atomic

    csv_path, html_path = outdir / "withholding-log.csv", outdir / "withholding-log.html"
    tmp = outdir / ".withholding-log.csv.tmp"
    count, bates = 0, False
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow(r)
            count += 1
            bates = bates or bool(r["bates"])
        fh.flush()
        os.fsync(fh.fileno())
    with open(tmp, encoding="utf-8", newline="") as fh:
        write_atomic(html_path, _log_html_parts(csv.DictReader(fh), count, bates, report, summary))
    os.replace(tmp, csv_path)
    return csv_path, html_path


_CSS = """body{font:13px/1.4 system-ui,sans-serif;margin:2em;color:#111}h1{font-size:1.4em}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eee}.small{color:#555;font-size:12px}@media print{body{margin:0}th{background:#ddd}}"""


def render_log_html(rows: list[dict], report: dict, summary: dict | None = None) -> str:
    return "".join(_log_html_parts(rows, len(rows), any(r["bates"] for r in rows), report, summary))


def _log_html_parts(rows: Iterable[dict], count: int, bates: bool, report: dict, summary: dict | None = None
                    ) -> Iterator[str]:
    """The HTML page of ``count`` rows (``bates``: some row has a Bates number), piece by piece."""
    e = html.escape
    heads = {"document": "Document", "page": "Page", "bates": "Bates", "location": "Location", "extent": "Extent",
             "exemptions": "Exemption(s)", "statute": "Statute", "category": "Category",
             "description": "Description", "justification": "Justification", "policy_version": "Policy"}
    cols = [c for c in FIELDS if c != "bates" or bates]
    out = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Withholding log</title>",
           f"<style>{_CSS}</style></head><body><h1>Withholding log</h1>",
           f"<p class='small'>Policy {e(report['policy']['name'])} ({e(report['policy']['title'])}) &middot; "
           f"{e(report['created'])} &middot; {count} item(s) withheld. Each row says where information was "
           "withheld and under which exemption; it does not reveal the information.</p>"]
    if summary:
        pg = summary["pages"]
        out.append(f"<p>Pages released in full: {pg['released_in_full']}; released in part: "
                   f"{pg['released_in_part']}; withheld in full: {pg['withheld_in_full']}.</p>")
    out.append("<table><tr>" + "".join(f"<th>{heads[c]}</th>" for c in cols) + "</tr>")
    yield from _joined(out)
    for r in rows:
        yield "\n<tr>" + "".join(f"<td>{e(str(r[c]))}</td>" for c in cols) + "</tr>"
    yield "\n</table></body></html>\n"
