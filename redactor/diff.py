"""`redactor diff OLD NEW`: what changed between two runs (or two policy versions) over the same
records -- redactions added, removed, or withheld under another exemption, per document and
page; documents whose outcome changed; pages withheld in full added or removed.

It reads the two runs' report.json files only, so, like them, it never shows a withheld
value: a redaction is identified by document, page and character span (the same extraction
gives the same offsets in both runs) and described by entity, rule and exemption.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError as DiffError


@dataclass
class Change:
    document: str
    page: int | None
    kind: str  # added | removed | exemption | document | page_withheld | page_released
    where: str
    entity: str = ""
    old: str = ""  # exemptions (or status) before
    new: str = ""  # after
    rule_old: str = ""
    rule_new: str = ""


@dataclass
class Diff:
    old: dict
    new: dict
    changes: list[Change] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)


def load_run(path: Path) -> dict:
    p = path / "report.json" if path.is_dir() else path
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DiffError(f"{p}: cannot read the run's report ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise DiffError(f"{p}:{exc.lineno}: not a report.json ({exc.msg})") from None


def _doc_key(d: dict) -> str:
    return d["output"] or Path(d["source"]).name


def _span(r: dict) -> str:
    if r.get("region") and r.get("release_bbox"):
        x0, y0, x1, y1 = r["release_bbox"][0]
        return f"region ({x0:.0f}, {y0:.0f})-({x1:.0f}, {y1:.0f})"
    return f"line {r['line']}" if r.get("line") else "on the page"


def _keyed(redactions: list[dict]) -> dict[tuple, dict]:
    """Each redaction by (page, line, entity, n): the n-th of that entity on that line.

    report.json gives no character offsets (they would tell a withheld value's length), so
    two runs' redactions of the same records are matched by where they are in words: the
    same entity on the same line of the same page, in order. A redaction added before
    another of the same entity on the same line shifts the order, and the diff then shows
    the later one as changed rather than unchanged.
    """
    out: dict[tuple, dict] = {}
    seen: dict[tuple, int] = {}
    for r in sorted(redactions, key=lambda r: (r["page"], r.get("line") or 0, int(r["id"][1:]))):
        k = (r["page"], r.get("line") or 0, r["entity"])
        seen[k] = seen.get(k, 0) + 1
        out[k + (seen[k],)] = r
    return out


def diff_reports(old: dict, new: dict) -> Diff:
    out = Diff(old, new)
    olds = {_doc_key(d): d for d in old["documents"]}
    news = {_doc_key(d): d for d in new["documents"]}
    # Documents released under another name in one run (e.g. failed there): match by content.
    by_sha = {d.get("input_sha256"): k for k, d in olds.items() if d.get("input_sha256")}
    for k in list(news):
        if k not in olds and news[k].get("input_sha256") in by_sha and by_sha[news[k]["input_sha256"]] not in news:
            news[by_sha[news[k]["input_sha256"]]] = news.pop(k)
    for key in sorted(set(olds) | set(news)):
        a, b = olds.get(key), news.get(key)
        if a is None or b is None:
            out.changes.append(Change(key, None, "document", "whole document",
                                      old=a["status"] if a else "not in run", new=b["status"] if b else "not in run"))
            continue
        if a["status"] != b["status"]:
            out.changes.append(Change(key, None, "document", "whole document", old=a["status"], new=b["status"]))
        wa, wb = set(a.get("withheld_pages") or []), set(b.get("withheld_pages") or [])
        for p in sorted(wb - wa):
            out.changes.append(Change(key, p, "page_withheld", "entire page"))
        for p in sorted(wa - wb):
            out.changes.append(Change(key, p, "page_released", "entire page"))
        ra, rb = _keyed(a["redactions"]), _keyed(b["redactions"])
        for span in sorted(set(ra) | set(rb)):
            x, y = ra.get(span), rb.get(span)
            if x is None:
                out.changes.append(Change(key, y["page"], "added", _span(y), y["entity"], "", "; ".join(y["exemptions"]),
                                          "", y["rule"]))
            elif y is None:
                out.changes.append(Change(key, x["page"], "removed", _span(x), x["entity"], "; ".join(x["exemptions"]),
                                          "", x["rule"], ""))
            elif x["exemptions"] != y["exemptions"]:
                out.changes.append(Change(key, x["page"], "exemption", _span(x), y["entity"], "; ".join(x["exemptions"]),
                                          "; ".join(y["exemptions"]), x["rule"], y["rule"]))
    out.changes.sort(key=lambda c: (c.document, c.page or 0))
    return out


KIND_LABELS = {"added": "redaction added", "removed": "redaction removed", "exemption": "exemption changed",
               "document": "outcome changed", "page_withheld": "page withheld in full",
               "page_released": "page no longer withheld in full"}


def summary_line(d: Diff) -> str:
    return (f"{d.count('added')} added, {d.count('removed')} removed, {d.count('exemption')} with another "
            f"exemption, {d.count('document')} document outcome(s) changed, "
            f"{d.count('page_withheld') + d.count('page_released')} page(s) withheld or released in full")


def rich_table(d: Diff):
    from rich.table import Table

    t = Table(title=f"redactor diff: {d.old['policy']['name']} ({d.old['created']}) -> "
                    f"{d.new['policy']['name']} ({d.new['created']})")
    for col in ("document", "page", "change", "where", "entity", "old", "new", "rule"):
        t.add_column(col, justify="right" if col == "page" else "left")
    styles = {"added": "red", "removed": "green", "exemption": "yellow"}
    short = {"added": "added", "removed": "removed", "exemption": "exemption", "document": "outcome",
             "page_withheld": "page withheld", "page_released": "page released"}
    for c in d.changes:
        rule = c.rule_new if c.rule_old in ("", c.rule_new) else (f"{c.rule_old} -> {c.rule_new}" if c.rule_new else c.rule_old)
        t.add_row(c.document, str(c.page or ""), short[c.kind], c.where.replace("characters ", ""), c.entity, c.old, c.new, rule,
                  style=styles.get(c.kind))
    return t


_CSS = """body{font:13px/1.4 system-ui,sans-serif;margin:2em;color:#111}table{border-collapse:collapse}
td,th{border:1px solid #bbb;padding:3px 6px;text-align:left}th{background:#eee}.added{background:#fde0e0}
.removed{background:#e0f5e0}.exemption{background:#fff5cc}.small{color:#555}"""


def render_html(d: Diff) -> str:
    e = html.escape
    out = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>redactor diff</title>",
           f"<style>{_CSS}</style></head><body><h1>What changed between two runs</h1>",
           f"<p class='small'>old: policy {e(d.old['policy']['name'])}, {e(d.old['created'])} &middot; new: policy "
           f"{e(d.new['policy']['name'])}, {e(d.new['created'])}</p>",
           f"<p>{e(summary_line(d))}</p>",
           "<table><tr><th>Document</th><th>Page</th><th>Change</th><th>Where</th><th>Entity</th><th>Old</th>"
           "<th>New</th><th>Rule (old / new)</th></tr>"]
    for c in d.changes:
        out.append(f"<tr class='{e(c.kind)}'><td>{e(c.document)}</td><td>{c.page or ''}</td>"
                   f"<td>{e(KIND_LABELS[c.kind])}</td><td>{e(c.where)}</td><td>{e(c.entity)}</td><td>{e(c.old)}</td>"
                   f"<td>{e(c.new)}</td><td>{e(c.rule_old)} / {e(c.rule_new)}</td></tr>")
    out.append("</table></body></html>\n")
    return "\n".join(out)
