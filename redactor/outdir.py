"""How a run writes OUTDIR so that a crash at any moment leaves it usable: one job at a time
(a lock), and every file that appears in it complete (written to a temporary file inside
OUTDIR, flushed to disk, then renamed over its final name in one step)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Iterable

from .errors import UsageError

LOCK_NAME = ".redactor.lock"
TMP_DIR_NAME = ".redactor-tmp"


class OutdirLocked(UsageError):
    """Another job is writing this OUTDIR (exit code 2)."""


class OutdirLock:
    """An exclusive, non-blocking flock on OUTDIR/.redactor.lock, held for the whole run.

    The kernel releases it when the process dies, however it dies, so a SIGKILLed run never
    leaves a stale lock behind. Held by the parent only (workers are started before or
    without it and never take it)."""

    def __init__(self, outdir: Path):
        self.path = outdir / LOCK_NAME
        self.fd: int | None = None

    def acquire(self) -> "OutdirLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                holder = os.read(fd, 64).decode("ascii", "replace").strip()
            finally:
                os.close(fd)
            who = f" (process {holder})" if holder else ""
            raise OutdirLocked(f"{self.path.parent}: another redactor job is writing this folder{who}; "
                               "wait for it to finish or choose another --out") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> "OutdirLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(tmp: Path, final: Path) -> None:
    """Move a complete temporary file (on the same file system) over ``final`` atomically:
    readers see the old file or the new one, never part of one."""
    fsync_file(tmp)
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, final)
    fsync_dir(final.parent)


def write_atomic(final: Path, data: "bytes | str | Iterable[str]", tmp_dir: Path | None = None) -> Path:
    """Write ``data`` (or its pieces, written as they come: a large report is never whole in
    memory) to ``final`` through a temporary file beside it (or in ``tmp_dir``, which must be
    on the same file system)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    where = tmp_dir or final.parent
    where.mkdir(parents=True, exist_ok=True)
    tmp = where / f".{final.name}.{os.getpid()}.tmp"
    with open(tmp, "wb") as fh:
        if isinstance(data, bytes):
            fh.write(data)
        else:
            for piece in data:
                fh.write(piece.encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, final)
    fsync_dir(final.parent)
    return final
