"""Find the documents to process, tell their format from their bytes, and decide where each
release copy goes. Nothing here opens a file for writing."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

TEXT_SUFFIXES = {".txt", ".text", ".md"}
PLANNED = {".docx": "DOCX", ".doc": "Word", ".eml": "email", ".msg": "Outlook email",
           ".tif": "TIFF image", ".tiff": "TIFF image", ".png": "image", ".jpg": "image",
           ".jpeg": "image"}
RESERVED_OUTPUTS = {Path("report.json"), Path("report.html"), Path("manifest.jsonl"), Path("audit.jsonl")}


@dataclass
class InputFile:
    path: Path  # as found (absolute)
    relpath: Path  # where its release copy goes, relative to OUTDIR
    format: str | None  # "pdf", "text", or None when it cannot be processed
    error: str | None = None


def sniff(path: Path) -> tuple[str | None, str | None]:
    """(format, error) from the file's first bytes and name."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        return None, f"cannot read: {exc.strerror}"
    suffix = path.suffix.lower()
    if b"%PDF-" in head:
        return "pdf", None
    if suffix == ".pdf":
        if not head:
            return None, "not a PDF: the file is empty"
        return None, "not a PDF: no %PDF header"
    if suffix in TEXT_SUFFIXES:
        if b"\x00" in head:
            return None, "not text: binary content"
        return "text", None
    if suffix in PLANNED:
        return None, f"unsupported format: {PLANNED[suffix]} input is not supported yet"
    return None, f"unsupported format: '{suffix or path.name}' (supported: PDF, plain text)"


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.relative_to(parent)
        return True
    except ValueError:
        return False


def discover(inputs: list[Path], outdir: Path) -> list[InputFile]:
    out_abs = outdir.resolve()
    found: list[InputFile] = []
    for given in inputs:
        src = given.resolve()
        if src.is_dir():
            if _inside(out_abs, src):
                raise UsageError(f"--out {outdir} is inside input folder {given}: choose an output "
                                 "folder outside the inputs")
            if _inside(src, out_abs):
                raise UsageError(f"input folder {given} is inside --out {outdir}")
            for root, dirs, files in os.walk(src, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    p = Path(root) / name
                    if not p.is_file():
                        continue
                    fmt, err = sniff(p)
                    found.append(InputFile(p, p.relative_to(src), fmt, err))
        elif src.is_file():
            if _inside(src, out_abs):
                raise UsageError(f"input {given} is inside --out {outdir}")
            fmt, err = sniff(src)
            found.append(InputFile(src, Path(src.name), fmt, err))
        else:
            found.append(InputFile(src, Path(given.name), None, "no such file or folder"))
    seen: dict[Path, Path] = {}
    for f in found:
        if f.relpath in RESERVED_OUTPUTS:
            f.format, f.error = None, f"its release copy would overwrite the run's {f.relpath}"
        elif f.relpath in seen and f.error is None:
            f.format, f.error = None, f"release copy name {f.relpath} collides with {seen[f.relpath]}"
        else:
            seen.setdefault(f.relpath, f.path)
    return found
