"""The release summary: the figures agencies report each year, computed from report.json's
documents (so it holds no withheld value either).

- pages released in full (nothing withheld), released in part (at least one redaction),
  withheld in full (pages replaced by a placeholder, and every page of a document withheld
  in full), and not released (documents that failed or wait for review without a copy);
- documents released, withheld in full, failed, needing review;
- per exemption code: how many redactions, pages and documents cite it.
"""

from __future__ import annotations

import collections


class ReleaseSummary:
    """The summary, added to one document entry at a time (a run streams its entries to disk
    and keeps only these counts)."""

    def __init__(self) -> None:
        self.pages = collections.Counter({"released_in_full": 0, "released_in_part": 0, "withheld_in_full": 0,
                                          "not_released": 0})
        self.docs = collections.Counter({"released": 0, "withheld_in_full": 0, "failed": 0, "needs_review": 0})
        self.by_code: dict[str, dict[str, int]] = {}

    def _cite(self, code: str, kind: str, n: int = 1) -> None:
        self.by_code.setdefault(code, {"redactions": 0, "pages": 0, "documents": 0})[kind] += n

    def add(self, d: dict) -> None:
        pages, docs, cite = self.pages, self.docs, self._cite
        status = d["status"]
        if status == "failed":
            docs["failed"] += 1
        if status == "needs_review":
            docs["needs_review"] += 1
        withheld_doc = d.get("withheld_in_full")
        if status == "withheld":
            docs["withheld_in_full"] += 1
            pages["withheld_in_full"] += d["pages"]
            for code in (withheld_doc or {}).get("exemptions", []):
                cite(code, "documents")
                cite(code, "pages", d["pages"])
            return
        if not d.get("output"):
            pages["not_released"] += d["pages"]
            return
        docs["released"] += 1
        withheld_pages = set(d.get("withheld_pages") or [])
        redacted_pages: dict[int, set[str]] = {}
        for r in d["redactions"]:
            if r["page"] in withheld_pages:
                continue
            redacted_pages.setdefault(r["page"], set()).update(r["exemptions"])
            for code in r["exemptions"]:
                cite(code, "redactions")
        for codes in redacted_pages.values():
            for code in codes:
                cite(code, "pages")
        for code in sorted({c for cs in redacted_pages.values() for c in cs}):
            cite(code, "documents")
        pages["withheld_in_full"] += len(withheld_pages)
        pages["released_in_part"] += len(redacted_pages)
        pages["released_in_full"] += max(0, d["pages"] - len(withheld_pages) - len(redacted_pages))

    def result(self) -> dict:
        return {"pages": dict(self.pages), "documents": dict(self.docs),
                "by_exemption": {k: self.by_code[k] for k in sorted(self.by_code)}}


def release_summary(documents: list[dict]) -> dict:
    summary = ReleaseSummary()
    for d in documents:
        summary.add(d)
    return summary.result()
