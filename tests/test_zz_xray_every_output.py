"""Standing check, run last: x-ray (Free Law Project's bad-redaction finder) over every PDF
release copy that the earlier tests of this session wrote. A copy may only show what x-ray
already finds in its input (a form whose fill overlaps its own text)."""

from __future__ import annotations

import json
from pathlib import Path

import pikepdf

from pdftools import xray_bad_redactions


def _release_copies(base: Path):
    for pdf_path in base.rglob("*.pdf"):
        if ".redactor-tmp" in pdf_path.parts or ".qdf." in pdf_path.name:
            continue
        try:
            with pikepdf.open(pdf_path) as pdf:
                producer = str(pdf.docinfo.get("/Producer", ""))
        except Exception:
            continue
        if producer == "redactor":
            yield pdf_path


def _source_of(copy: Path) -> Path | None:
    for parent in copy.parents:
        report = parent / "report.json"
        if report.is_file():
            rel = copy.relative_to(parent).as_posix()
            for d in json.loads(report.read_text())["documents"]:
                if d["output"] == rel:
                    return Path(d["source"])
            return None
    return None


def test_no_release_copy_of_this_session_has_a_bad_redaction(tmp_path_factory):
    base = tmp_path_factory.getbasetemp()
    checked = 0
    problems = []
    for copy in _release_copies(base):
        checked += 1
        found = xray_bad_redactions(copy)
        if not found:
            continue
        source = _source_of(copy)
        before = xray_bad_redactions(source) if source and source.exists() else {}
        texts = {x["text"] for v in found.values() for x in v}
        if not texts <= {x["text"] for v in before.values() for x in v}:
            problems.append(f"{copy}: {sorted(texts)[:3]}")
    assert problems == []
