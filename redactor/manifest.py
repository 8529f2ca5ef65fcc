"""What OUTDIR already holds, so that a re-run does only what changed and a crashed run can be
finished without releasing anything twice.

``OUTDIR/manifest.jsonl`` has one JSON record per line, appended (and flushed to disk) as
documents are released, and rewritten whole, atomically, at the end of a run (one line per
document). A record says which document (its path in the release set), under which key it
was produced, and what came of it.

The **document key** is the SHA-256 of everything that decides a document's own plan: the
input's content hash, the policy's hash, the tool version and the settings that change a
release copy (model, requester, --flatten, --keep-positions). The **set key** hashes the
document keys of the whole release set: with the same set, the set-wide values (a name
withheld in one record is withheld in all) and the pseudonyms are the same, so a document
released under the same document and set keys is skipped without being read again.
When the set changed (a record was added), every document is planned again, because its
withheld values may reach the others; a document whose final plan hashes as before
(``plan_sha256``: the redactions' places, labels and exemptions, never their text) keeps
its release copy.

Releasing one document is: record ``pending`` (with the release copy's hash), rename the
verified copy into place, log it in the audit trail, record ``done``. A run killed between
any two steps is repaired by the next one (``recover``): a pending release whose copy is in
place with the recorded hash is finished (logged once, by its ``release_id``); any other is
forgotten and done again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterable

from . import __version__
from .outdir import fsync_dir, write_atomic

MANIFEST_NAME = "manifest.jsonl"
# Outcomes that a re-run can keep: the document was processed to its end. Failures are
# always tried again.
KEEPABLE = {"redacted", "unchanged", "needs_review", "withheld"}


def sha256_json(obj: Any) -> str:
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def policy_digest(policy) -> str:
    """The hash of the policy as loaded (rules, lists read from their files, exemptions,
    requester), so editing a list file the policy points at changes it too."""
    return sha256_json(dataclasses.asdict(policy))


def settings_digest(settings) -> str:
    """The settings that change what a release copy contains (not timeouts or worker counts).
    The PDF reader counts when it is not the default (so that manifests written before the
    setting existed still match)."""
    fields = {k: getattr(settings, k, None) for k in ("model", "flatten", "keep_positions")}
    if getattr(settings, "pdf_reader", "pdfminer") != "pdfminer":
        fields["pdf_reader"] = settings.pdf_reader
    return sha256_json(fields)


def document_key(input_sha256: str, policy_sha256: str, settings_sha256: str) -> str:
    return sha256_json({"input": input_sha256, "policy": policy_sha256, "settings": settings_sha256,
                        "tool": __version__})


def set_key(keys: Iterable[tuple[str, str]]) -> str:
    """(relpath, document key) of every document of the set, in any order."""
    return sha256_json(sorted(keys))


def plan_digest(plan) -> str:
    """What the release copy of ``plan`` withholds and where, without the withheld text:
    the same facts the report publishes (pages, offsets, boxes, labels, actions)."""
    def red(r):
        d = r.decision
        return [r.page, r.start, r.end, [[round(v, 3) for v in b] for b in r.boxes], d.action.value,
                list(d.exemptions), d.pseudonym, d.keep_last, d.rule, d.needs_review, d.propagated]

    return sha256_json({
        "redactions": [red(r) for r in plan.redactions],
        "withheld_pages": sorted((p, list(d.exemptions)) for p, d in plan.withheld_pages.items()),
        "withheld_document": list(plan.withheld_document.exemptions) if plan.withheld_document else None,
        "review": len(plan.review_reasons),
        "kept": [[d.finding.page, d.finding.start, d.finding.end, d.rule, d.needs_review] for d in plan.kept],
        "attachments": [plan_digest(a) for a in getattr(plan, "attachments", [])],
    })


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Manifest:
    """The records of OUTDIR/manifest.jsonl, the last record of each document winning.
    One writer at a time: the parent process, under the OUTDIR lock."""

    def __init__(self, outdir: Path):
        self.outdir = outdir
        self.path = outdir / MANIFEST_NAME
        self.records: dict[str, dict] = {}
        self.order: list[str] = []
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    rec = json.loads(line)
                except ValueError:  # a line cut short by a crash: never completed
                    continue
                if isinstance(rec, dict) and isinstance(rec.get("document"), str):
                    self._remember(rec)

    def _remember(self, rec: dict) -> None:
        if rec["document"] not in self.records:
            self.order.append(rec["document"])
        self.records[rec["document"]] = rec

    def get(self, document: str) -> dict | None:
        return self.records.get(document)

    def record(self, rec: dict) -> None:
        """Append one record and flush it to disk before returning."""
        line = json.dumps(rec, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            # A torn last line from a crash would swallow this record: start on a new line.
            if os.fstat(fd).st_size and not self._ends_with_newline():
                line = "\n" + line
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        self._remember(rec)

    def _ends_with_newline(self) -> bool:
        with open(self.path, "rb") as fh:
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) == b"\n"

    def done_unchanged(self, document: str, key: str, setkey: str) -> dict | None:
        """The record of ``document`` if it was completed under this document key and set key
        and its release copy (if any) is still what was released."""
        rec = self.records.get(document)
        if (rec is None or rec.get("state") != "done" or rec.get("key") != key or rec.get("set_key") != setkey
                or rec.get("status") not in KEEPABLE):
            return None
        return rec if self.output_intact(rec) else None

    def output_intact(self, rec: dict) -> bool:
        if not rec.get("output"):
            return True
        final = self.outdir / rec["output"]
        return final.is_file() and file_sha256(final) == rec.get("output_sha256")

    def pending(self) -> list[dict]:
        return [r for r in self.records.values() if r.get("state") == "pending"]

    def compact(self) -> None:
        """Rewrite the journal as one line per document, atomically."""
        text = "".join(json.dumps(self.records[d], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
                       + "\n" for d in self.order)
        write_atomic(self.path, text)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def recover(manifest: Manifest, audit_log) -> list[str]:
    """Finish or forget the releases a killed run left pending. Returns what was done, for
    the run's notes (document paths only)."""
    notes = []
    logged = audit_log.released_ids() if manifest.pending() else set()
    for rec in manifest.pending():
        if rec.get("output") and manifest.output_intact(rec):
            if rec.get("release_id") not in logged:
                audit_log.append("release", document=rec["document"], status=rec.get("status"),
                                 policy_sha256=rec.get("policy_sha256"), input_sha256=rec.get("input_sha256"),
                                 output_sha256=rec.get("output_sha256"),
                                 counts_by_exemption=rec.get("counts_by_exemption") or {},
                                 release_id=rec.get("release_id"))
            manifest.record({**rec, "state": "done"})
            notes.append(f"{rec['document']}: release interrupted by a crash completed")
        else:
            manifest.record({**rec, "state": "void"})
            notes.append(f"{rec['document']}: release interrupted by a crash, done again")
    return notes


__all__ = ["Manifest", "MANIFEST_NAME", "document_key", "set_key", "plan_digest", "policy_digest",
           "settings_digest", "recover", "file_sha256", "fsync_dir"]
