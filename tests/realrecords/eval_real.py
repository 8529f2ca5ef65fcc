"""Precision and recall of names on real public records, read from the release copies.

    .venv/bin/python tests/realrecords/eval_real.py [--policy NAME|FILE] [--out DIR] [--json FILE]
                                                    [--min-names 0.9] [--min-keep 0.9]

Runs ``redactor run`` on the records that ``labels.yaml`` names (under the shared corpus,
``../shared/corpus`` or ``REDACTOR_CORPUS``), then reads each release copy back with two
extractors (poppler's ``pdftotext``, plain and ``-layout``, and pdfium) and prints, per
record and overall:

* names withheld: the private persons' names of which no extractor finds the name or any of
  its ``also`` strings in the copy (a missing copy withholds nothing);
* keep retained: the keep values that the copy's text holds as many times as the record's.

The last line reads ``names_withheld=... keep_retained=... failed=...``. ``--min-names`` and
``--min-keep`` make it exit 1 when missed. The labels are the truth; this script never looks
at what the product reported.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LABELS = HERE / "labels.yaml"
_FOLD = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\u00ad": "",
         "\u2010": "-", "\u2011": "-", "\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'",
         "\u201c": '"', "\u201d": '"', "\u00a0": " "}


def corpus_root() -> Path:
    return Path(os.environ.get("REDACTOR_CORPUS", ROOT.parent / "shared" / "corpus"))


def load_labels(path: Path = LABELS) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["records"]


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    for a, b in _FOLD.items():
        text = text.replace(a, b)
    return re.sub(r"\s+", " ", text.lower())


def count(value: str, text: str) -> int:
    """Occurrences of ``value`` in the normalised ``text``, as whole words."""
    v = normalise(value).strip()
    pat = (r"(?<![0-9a-z])" if v[:1].isalnum() else "") + re.escape(v) + (r"(?![0-9a-z])" if v[-1:].isalnum() else "")
    return len(re.findall(pat, text))


def pdftotext(path: Path, layout: bool = False) -> str:
    args = ["pdftotext", "-q", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=False).stdout


def pdfium_text(path: Path) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def extractions(path: Path) -> list[str]:
    """The file's text as each extractor reads it (pdftotext plain, pdftotext -layout, pdfium),
    normalised."""
    return [normalise(t) for t in (pdftotext(path), pdftotext(path, layout=True), pdfium_text(path))]


@dataclass
class RecordScore:
    path: str
    status: str
    names: int = 0
    withheld: int = 0
    keep: int = 0
    retained: int = 0
    leaked: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)


def check_labels(label: dict, src: list[str]) -> None:
    """Every labelled value is in the record (as some extractor reads it)."""
    for value in [i["value"] for i in label.get("withhold") or []] + list(label.get("keep") or []):
        if not any(count(value, t) for t in src):
            raise SystemExit(f"labels.yaml: {label['path']}: {value!r} is not in the record")


def score_record(label: dict, src: list[str], copy: Path | None, status: str) -> RecordScore:
    """``src``: the record's extractions; ``copy``: its release copy (None: no copy)."""
    texts = extractions(copy) if copy is not None and copy.exists() else None
    rs = RecordScore(label["path"], status)
    for item in label.get("withhold") or []:
        units = [item["value"], *item.get("also", [])]
        rs.names += 1
        if texts is not None and not any(count(u, t) for u in units for t in texts):
            rs.withheld += 1
        else:
            rs.leaked.append(item["value"])
    for value in label.get("keep") or []:
        rs.keep += 1
        # retained: some extractor reads it in the copy as often as it reads it in the record
        if texts is not None and any(count(value, s) and count(value, t) >= count(value, s)
                                     for s, t in zip(src, texts)):
            rs.retained += 1
        else:
            rs.lost.append(value)
    return rs


def run(policy: str | None, out: Path, labels: list[dict], corpus: Path) -> dict[str, tuple[str, Path | None]]:
    """Run redactor on the labelled records; {label path: (status, release copy or None)}."""
    sources = [corpus / label["path"] for label in labels]
    names = [p.name for p in sources]
    if len(set(names)) != len(names):
        raise SystemExit("labels.yaml: two records share a file name (their copies would collide in --out)")
    exe = Path(sys.executable).parent / "redactor"
    cmd = [str(exe), "run", *map(str, sources), "--out", str(out), "--quiet", "--jobs", "2"]
    if policy:
        cmd += ["--policy", policy]
    subprocess.run(cmd, check=False)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    by_source = {Path(d["source"]).name: d for d in report.get("documents", [])}
    result = {}
    for label, src in zip(labels, sources):
        doc = by_source.get(src.name, {})
        status = doc.get("status", "missing")
        copy = out / src.name
        result[label["path"]] = (status, copy if copy.exists() else None)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--policy")
    ap.add_argument("--out", type=Path, help="keep the release copies here (default: a temporary folder)")
    ap.add_argument("--json", type=Path, help="write every figure, per record, to this file")
    ap.add_argument("--min-names", type=float)
    ap.add_argument("--min-keep", type=float)
    args = ap.parse_args(argv)
    corpus = corpus_root()
    if not corpus.is_dir():
        print(f"no shared corpus at {corpus}: nothing to measure", file=sys.stderr)
        return 2
    labels = load_labels()
    sources = {label["path"]: extractions(corpus / label["path"]) for label in labels}
    for label in labels:
        check_labels(label, sources[label["path"]])
    with tempfile.TemporaryDirectory(prefix="eval-real-") as tmp:
        out = args.out or Path(tmp) / "out"
        outcomes = run(args.policy, out, labels, corpus)
        scores = []
        for label in labels:
            status, copy = outcomes[label["path"]]
            scores.append(score_record(label, sources[label["path"]], copy, status))
    names = sum(s.names for s in scores)
    withheld = sum(s.withheld for s in scores)
    keep = sum(s.keep for s in scores)
    retained = sum(s.retained for s in scores)
    failed = sum(s.status not in ("redacted", "unchanged", "needs_review") for s in scores)
    for s in scores:
        line = f"{s.path}: {s.status}; names withheld {s.withheld}/{s.names}, keep retained {s.retained}/{s.keep}"
        if s.leaked:
            line += f"; left in the copy: {', '.join(s.leaked)}"
        if s.lost:
            line += f"; keep values lost: {', '.join(s.lost)}"
        print(line)
    nw = withheld / names if names else 1.0
    kr = retained / keep if keep else 1.0
    if args.json:
        args.json.write_text(json.dumps({"names_withheld": nw, "keep_retained": kr, "failed": failed,
                                         "records": [s.__dict__ for s in scores]}, indent=2), encoding="utf-8")
    print(f"names_withheld={nw:.3f} ({withheld}/{names}) keep_retained={kr:.3f} ({retained}/{keep}) failed={failed}")
    if (args.min_names is not None and nw < args.min_names) or (args.min_keep is not None and kr < args.min_keep):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
