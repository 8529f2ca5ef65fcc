"""Job files for scheduled, unattended runs: everything `redactor run` takes, in one YAML file
that a scheduler can point at (`redactor run --job nightly.yaml`). Paths are relative to the
job file. A password is never written in the file: name an environment variable instead."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from .errors import UsageError

# Every option of `redactor run` (tests/test_scheduling.py checks that none is missing).
KEYS = {"inputs", "out", "policy", "requester", "strict", "flatten", "keep_positions", "force", "jobs", "timeout",
        "model", "password_env", "review_report", "json", "quiet", "executor", "scheduler", "pdf_reader"}


def load_job(path: Path) -> dict:
    """The job file's values, keyed by ``Settings`` field name (``policy_path``,
    ``document_timeout``, ``password``...) plus ``inputs`` and ``out``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise UsageError(f"{path}: cannot read job file: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UsageError(f"{path}:{mark.line + 1 if mark else 0}: not valid YAML") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: a job file is a mapping of run options")
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise UsageError(f"{path}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(KEYS))}")
    base = path.parent
    job: dict = {}
    if "inputs" in data:
        inputs = data["inputs"] if isinstance(data["inputs"], list) else [data["inputs"]]
        job["inputs"] = [base / str(p) for p in inputs]
    if "out" in data:
        job["out"] = base / str(data["out"])
    if "policy" in data:
        p = Path(str(data["policy"]))
        job["policy_path"] = p if (p.suffix == "" and "/" not in str(p)) else base / p
    if "requester" in data:
        r = data["requester"]
        job["requester"] = [str(x) for x in (r if isinstance(r, list) else [r])]
    for key in ("strict", "flatten", "keep_positions", "force", "review_report", "json", "quiet"):
        if key in data:
            job[key] = bool(data[key])
    for key in ("executor", "scheduler", "pdf_reader"):
        if key in data:
            job[key] = str(data[key])
    if "jobs" in data:
        job["jobs"] = int(data["jobs"])
    if "timeout" in data:
        job["document_timeout"] = float(data["timeout"])
    if "model" in data:
        job["model"] = str(data["model"])
    if "password_env" in data:
        name = str(data["password_env"])
        if name not in os.environ:
            raise UsageError(f"{path}: password_env names ${name}, which is not set")
        job["password"] = os.environ[name]
    return job
