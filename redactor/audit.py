"""The audit trail: an append-only, hash-chained log of what each run released, in OUTDIR.

``OUTDIR/audit.jsonl`` holds one JSON object per line, one per document outcome (and one
per run start and end): when, who (user, host), which tool version, the policy's hash, the
input's and the release copy's SHA-256, the counts of redactions by exemption, the previous
entry's hash and its own hash. It never holds a withheld value: only hashes of whole files
and counts, which the report already publishes.

Each entry's ``hash`` is the SHA-256 of its own line without the ``hash`` field, and that
line must be in canonical form (keys in order, compact separators), so changing any byte of
an entry is seen. ``prev`` links it to the entry before it and ``seq`` numbers it, so a
removed, inserted or reordered entry breaks the chain at a place `verify` names.
``OUTDIR/.audit-head`` records the last entry's sequence number and hash after each append,
so removing entries from the end is seen as well. A chain can always be rewritten whole by
someone who can write OUTDIR; against that, keep the head that each run prints (or that
``--json`` emits) somewhere else and give it to ``redactor audit verify --head``.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .outdir import fsync_dir

LOG_NAME = "audit.jsonl"
HEAD_NAME = ".audit-head"
GENESIS = "0" * 64
NL = b"\n"
# Fields in the order they are written; ``hash`` always comes last.
FIELDS = ("seq", "time", "event", "user", "host", "tool", "policy_sha256", "document", "status",
          "input_sha256", "output_sha256", "counts_by_exemption", "release_id", "prev")


def canonical(entry: dict[str, Any]) -> str:
    """The one serialisation of an entry (without its hash) that its hash covers."""
    return json.dumps({k: entry.get(k) for k in FIELDS}, ensure_ascii=False, separators=(",", ":"))


def entry_hash(entry: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(entry).encode("utf-8")).hexdigest()


def line_of(entry: dict[str, Any]) -> str:
    body = canonical(entry)
    return body[:-1] + f',"hash":"{hashlib.sha256(body.encode("utf-8")).hexdigest()}"}}'


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        return f"uid {os.getuid()}"


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> "Head":
        seq, _, digest = text.strip().partition(":")
        return cls(int(seq), digest)


class AuditLog:
    """Appends entries to OUTDIR/audit.jsonl. Use under the OUTDIR lock (one writer)."""

    def __init__(self, outdir: Path):
        self.path = outdir / LOG_NAME
        self.head_path = outdir / HEAD_NAME
        self.outdir = outdir
        self.notes: list[str] = []
        self._last = self._recover()
        self._who = (_user(), socket.gethostname())

    def _recover(self) -> Head:
        """The last complete entry. A line cut short by a crash (no final newline) is not an
        entry: it is cut off, and the repair is itself logged on the next append."""
        if not self.path.exists():
            return Head(0, GENESIS)
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1
            with open(self.path, "r+b") as fh:
                fh.truncate(keep)
                fh.flush()
                os.fsync(fh.fileno())
            self.notes.append(f"an incomplete last entry ({len(data) - keep} bytes, a write cut short by "
                              "a crash) was dropped")
            data = data[:keep]
        lines = data.splitlines()
        if not lines:
            return Head(0, GENESIS)
        last = json.loads(lines[-1])
        head = Head(int(last["seq"]), str(last["hash"]))
        # A crash between appending an entry and recording the head leaves the head one
        # entry behind: bring it up to date (only then; anything else is for verify to see).
        if len(lines) >= 2 and self.head_path.exists():
            try:
                recorded = Head.parse(self.head_path.read_text(encoding="utf-8"))
            except ValueError:
                recorded = None
            before = json.loads(lines[-2])
            if recorded == Head(int(before["seq"]), str(before["hash"])):
                self._last = head
                self._write_head()
        elif len(lines) == 1 and not self.head_path.exists():
            self._last = head
            self._write_head()
        return head

    @property
    def head(self) -> Head:
        return self._last

    def append(self, event: str, **fields: Any) -> Head:
        if self.notes:
            notes, self.notes = self.notes, []
            for note in notes:
                self._append("repair", {"status": note})
        return self._append(event, fields)

    def _append(self, event: str, fields: dict[str, Any]) -> Head:
        unknown = set(fields) - set(FIELDS)
        if unknown:
            raise ValueError(f"unknown audit field(s): {', '.join(sorted(unknown))}")
        entry = {k: None for k in FIELDS}
        entry.update(fields)
        entry.update(seq=self._last.seq + 1, prev=self._last.hash, event=event,
                     time=dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"),
                     user=self._who[0], host=self._who[1], tool=f"redactor {__version__}")
        line = line_of(entry)
        # One write of a whole line with O_APPEND, then fsync: a crash leaves either the
        # whole line or a short tail that _recover drops.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        self._last = Head(entry["seq"], json.loads(line)["hash"])
        self._write_head()
        return self._last

    def _write_head(self) -> None:
        tmp = self.outdir / f".audit-head.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(str(self._last) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.head_path)
        fsync_dir(self.outdir)

    def released_ids(self) -> set[str]:
        """release_id of every entry: lets crash recovery log a release exactly once."""
        ids: set[str] = set()
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                rid = json.loads(line).get("release_id")
                if rid:
                    ids.add(rid)
        return ids


def verify(outdir: Path, head: Head | None = None) -> tuple[list[str], int]:
    """(problems, number of entries). Each problem names the entry (line) it is about.

    ``head`` (seq:hash kept outside OUTDIR) is checked too; without it, OUTDIR/.audit-head is.
    """
    path = outdir / LOG_NAME
    if not path.exists():
        return [f"{path}: no audit log"], 0
    problems: list[str] = []
    raw = path.read_bytes()
    if raw and not raw.endswith(b"\n"):
        problems.append(f"line {raw.count(NL) + 1}: incomplete last entry (cut short)")
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    prev_hash, expected_seq = GENESIS, 1
    hashes: list[str] = []
    for n, raw_line in enumerate(lines, start=1):
        try:
            entry = json.loads(raw_line.decode("utf-8"))
            if not isinstance(entry, dict):
                raise ValueError
        except (UnicodeDecodeError, ValueError):
            problems.append(f"line {n}: edited (not a valid entry)")
            prev_hash, expected_seq = None, expected_seq + 1
            hashes.append("")
            continue
        seq = entry.get("seq")
        stored = entry.get("hash")
        own = entry_hash(entry)
        if raw_line.decode("utf-8") != line_of(entry) or stored != own:
            problems.append(f"line {n} (entry {seq}): edited (its content does not match its hash)")
        if prev_hash is not None and entry.get("prev") != prev_hash:
            if seq == expected_seq:
                problems.append(f"line {n} (entry {seq}): the entry before it was edited or replaced "
                                "(its link to the previous entry does not match)")
            elif isinstance(seq, int) and seq > expected_seq:
                gone = f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}-{seq - 1}"
                problems.append(f"line {n} (entry {seq}): entry {gone} removed before it")
            else:
                problems.append(f"line {n} (entry {seq}): out of order (expected entry {expected_seq})")
        elif seq != expected_seq:
            problems.append(f"line {n} (entry {seq}): out of order or renumbered (expected entry {expected_seq})")
        prev_hash = stored if isinstance(stored, str) else None
        expected_seq = (seq + 1) if isinstance(seq, int) else expected_seq + 1
        hashes.append(stored if isinstance(stored, str) else "")
    if head is None:
        head_path = outdir / HEAD_NAME
        if head_path.exists():
            try:
                head = Head.parse(head_path.read_text(encoding="utf-8"))
            except ValueError:
                problems.append(f"{HEAD_NAME}: not a head record (edited)")
    if head is not None:
        if head.seq > len(lines):
            problems.append(f"entries {len(lines) + 1}-{head.seq} removed from the end "
                            f"(the head records {head.seq} entries, the log has {len(lines)})")
        elif head.seq < 1 or hashes[head.seq - 1] != head.hash:
            problems.append(f"line {head.seq}: does not match the recorded head (edited, removed or replaced)")
        elif head.seq < len(lines):
            problems.append(f"lines {head.seq + 1}-{len(lines)}: after the recorded head (appended later)")
    return problems, len(lines)
