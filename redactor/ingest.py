"""Find the documents to process, tell their format from their bytes, and decide where each
release copy goes. Nothing here opens a file for writing."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

RESERVED_OUTPUTS = {Path("report.json"), Path("report.html"), Path("withholding-log.csv"),
                    Path("withholding-log.html"), Path("manifest.jsonl"), Path("audit.jsonl")}
RESERVED_FOLDER = "NOT-FOR-RELEASE"  # the reviewers' folder (review_report.REVIEW_DIR_NAME)


@dataclass
class InputFile:
    path: Path  # as found (absolute)
    relpath: Path  # where its release copy goes, relative to OUTDIR
    format: str | None  # a format name of redactor.formats, or None when it cannot be processed
    error: str | None = None


def sniff(path: Path) -> tuple[str | None, str | None]:
    """(format name, error) from the file's first bytes (its name only as a hint)."""
    from .errors import BadInputError
    from .formats import for_file

    try:
        return for_file(path).name, None
    except BadInputError as exc:
        return None, str(exc)


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
        elif f.relpath.parts and f.relpath.parts[0].lower() == RESERVED_FOLDER.lower():
            f.format, f.error = None, f"its release copy would go into the reviewers' folder {RESERVED_FOLDER}/"
        elif f.relpath in seen and f.error is None:
            f.format, f.error = None, f"release copy name {f.relpath} collides with {seen[f.relpath]}"
        else:
            seen.setdefault(f.relpath, f.path)
    return found
