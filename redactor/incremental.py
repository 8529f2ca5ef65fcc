"""A run's bookkeeping in OUTDIR: which documents can be skipped, publishing each verified
release copy exactly once (manifest record, atomic rename, audit entry), and the end of the
run (compact manifest, audit entry). The parent process does all of it, under the OUTDIR lock;
workers only leave verified temporary copies in OUTDIR/.redactor-tmp/.

The order of one release is what makes a SIGKILL at any moment harmless (manifest.py):

    pending record (with the copy's hash) -> rename into place -> audit entry -> done record
"""

from __future__ import annotations

import collections
import os
import signal
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .audit import AuditLog
from .manifest import (Manifest, document_key, file_sha256, now, plan_digest, policy_digest, recover, set_key,
                       settings_digest)
from .outdir import fsync_dir, fsync_file

# Files of the run itself in OUTDIR; no release copy may take these names.
RUN_FILES = ("report.json", "report.html", "manifest.jsonl", "audit.jsonl")


def _crash_point(name: str) -> None:
    """Tests only: REDACTOR_TEST_CRASH=<step>:<n> kills the run with SIGKILL at that step of
    its n-th release, to check that the next run repairs every window of a release."""
    spec = os.environ.get("REDACTOR_TEST_CRASH")
    if not spec or not spec.startswith(name + ":"):
        return
    _crash_counts[name] = _crash_counts.get(name, 0) + 1
    if _crash_counts[name] == int(spec.split(":")[1]):
        os.kill(os.getpid(), signal.SIGKILL)


_crash_counts: dict[str, int] = {}


@dataclass
class Previous:
    """What an earlier run recorded for a document, handed to the worker that releases it."""

    key: str
    plan_sha256: str | None
    output: str | None
    output_sha256: str | None
    status: str
    time: str


@dataclass
class RunState:
    outdir: Path
    policy_sha256: str
    settings_sha256: str
    force: bool = False
    manifest: Manifest = field(init=False)
    audit: AuditLog = field(init=False)
    set_key: str = ""
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.manifest = Manifest(self.outdir)
        self.audit = AuditLog(self.outdir)
        self.notes.extend(recover(self.manifest, self.audit))

    @classmethod
    def open(cls, outdir: Path, policy, settings, force: bool = False) -> "RunState":
        return cls(outdir, policy_digest(policy), settings_digest(settings), force)

    def keys(self, docs: list[tuple[str, str]]) -> dict[str, str]:
        """{relpath: document key} for (relpath, input sha256) pairs; sets the set key."""
        keys = {rel: document_key(sha, self.policy_sha256, self.settings_sha256) for rel, sha in docs}
        self.set_key = set_key(keys.items())
        return keys

    def skippable(self, relpath: str, key: str) -> dict | None:
        """The record of a document completed under this key in this very set (nothing to do)."""
        if self.force:
            return None
        return self.manifest.done_unchanged(relpath, key, self.set_key)

    def previous(self, relpath: str, key: str) -> Previous | None:
        """A completed earlier release of the same input, for the worker to compare plans with."""
        rec = self.manifest.get(relpath)
        if self.force or rec is None or rec.get("state") != "done" or rec.get("key") != key:
            return None
        if not self.manifest.output_intact(rec):
            return None
        return Previous(key, rec.get("plan_sha256"), rec.get("output"), rec.get("output_sha256"),
                        rec.get("status", ""), rec.get("time", ""))

    def publish(self, relpath: str, key: str, *, status: str, input_sha256: str, tmp: Path | None,
                plan_sha256: str | None, counts: dict[str, int]) -> str | None:
        """Release one document: the verified copy at ``tmp`` (None for outcomes without a
        copy) goes to OUTDIR/relpath. Returns the output's SHA-256."""
        rid = uuid.uuid4().hex
        out_sha = file_sha256(tmp) if tmp is not None else None
        rec = {"document": relpath, "key": key, "set_key": self.set_key, "status": status,
               "input_sha256": input_sha256, "policy_sha256": self.policy_sha256, "plan_sha256": plan_sha256,
               "output": relpath if tmp is not None else None, "output_sha256": out_sha,
               "counts_by_exemption": counts, "release_id": rid, "time": now()}
        self.manifest.record({**rec, "state": "pending"})
        _crash_point("pending")
        if tmp is not None:
            final = self.outdir / relpath
            final.parent.mkdir(parents=True, exist_ok=True)
            fsync_file(tmp)
            os.replace(tmp, final)
            fsync_dir(final.parent)
        _crash_point("renamed")
        self.audit.append("release" if tmp is not None else status, document=relpath, status=status,
                          policy_sha256=self.policy_sha256, input_sha256=input_sha256, output_sha256=out_sha,
                          counts_by_exemption=counts, release_id=rid)
        _crash_point("audited")
        self.manifest.record({**rec, "state": "done"})
        return out_sha

    def unchanged(self, relpath: str, key: str, previous: Previous | None) -> None:
        """A document whose copy in place is kept: recorded under this run's set key."""
        old = self.manifest.get(relpath) or {}
        if old.get("set_key") != self.set_key:
            self.manifest.record({**old, "set_key": self.set_key, "key": key, "state": "done"})

    def failed(self, relpath: str, key: str | None, input_sha256: str | None, error: str) -> None:
        """A failure is logged (what failed, not why in detail) and tried again next run."""
        self.audit.append("failed", document=relpath, status="failed", policy_sha256=self.policy_sha256,
                          input_sha256=input_sha256 or None)
        self.manifest.record({"document": relpath, "key": key, "set_key": self.set_key, "status": "failed",
                              "state": "done", "time": now(), "input_sha256": input_sha256})

    def finish(self, summary: dict) -> str:
        """Compact the manifest and log the run's end; returns the audit head (SEQ:HASH)."""
        self.manifest.compact()
        by = collections.Counter(summary.get("by_status", {}))
        self.audit.append("run_end", status=", ".join(f"{k} {v}" for k, v in sorted(by.items()) if v),
                          policy_sha256=self.policy_sha256,
                          counts_by_exemption=dict(summary.get("by_exemption", {})))
        return str(self.audit.head)




def skip_unchanged(jobs: list, state: RunState):
    """Key every job; yield (job, result) for documents already released in this very set
    (nothing to do), (job, None) for the rest, each given its earlier release if any."""
    from .formats import sha256_file
    from .model import DocumentResult, Status

    digests = {}
    for job in jobs:
        if job.input.format and not job.input.error:
            try:
                digests[job.input.relpath.as_posix()] = sha256_file(job.input.path)
            except OSError:
                pass
    keys = state.keys(sorted(digests.items()))
    for job in jobs:
        rel = job.input.relpath.as_posix()
        job.key = keys.get(rel, "")
        rec = state.skippable(rel, job.key) if job.key else None
        if rec is None:
            job.previous = state.previous(rel, job.key) if job.key else None
            yield job, None
            continue
        f = job.input
        yield job, DocumentResult(source=f.path, output=Path(rec["output"]) if rec.get("output") else None,
                                  status=Status(rec["status"]), format=f.format or "",
                                  input_sha256=digests[rel], output_sha256=rec.get("output_sha256") or "",
                                  unchanged_since=rec.get("time") or "an earlier run")


def settle(job, outcome, state: RunState):
    """Record one document's outcome: publish its verified copy (pending -> rename -> audit
    -> done), or note it kept, withheld, held for review, or failed."""
    from .model import DocumentResult, Status

    rel = job.input.relpath.as_posix()
    if isinstance(outcome, DocumentResult):  # failed (in a worker, or the worker died)
        state.failed(rel, job.key or None, outcome.input_sha256 or None, outcome.error or "")
        return outcome
    res = outcome.result
    if res.unchanged_since is not None:
        state.unchanged(rel, job.key, job.previous)
        return res
    counts: dict[str, int] = {}
    for r in res.redactions:
        for code in r.decision.exemptions:
            counts[code] = counts.get(code, 0) + 1
    try:
        sha = state.publish(rel, job.key, status=res.status.value, input_sha256=res.input_sha256,
                            tmp=outcome.tmp, plan_sha256=res.plan_sha256 or None,
                            counts=dict(sorted(counts.items())))
    except OSError as exc:
        failed = DocumentResult(source=res.source, output=None, status=Status.FAILED, format=res.format,
                                pages=res.pages, input_sha256=res.input_sha256,
                                error=f"could not release the verified copy: {exc.strerror}")
        state.failed(rel, job.key or None, res.input_sha256 or None, failed.error or "")
        return failed
    if sha:
        res.output_sha256 = sha
    return res


__all__ = ["RunState", "Previous", "RUN_FILES", "plan_digest", "skip_unchanged", "settle"]
