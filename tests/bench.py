"""`make bench`: throughput of each stage on the sample records and the shared corpus records.
Prints figures; asserts nothing (speed is measured here, not in tests)."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import CORPUS, RECORDS  # noqa: E402

from redactor.detect import analyzer, detect  # noqa: E402
from redactor.formats.pdf.read import read_pdf  # noqa: E402
from redactor.formats.pdf.write import write_pdf  # noqa: E402
from redactor.plan import build_plan  # noqa: E402
from redactor.policy import decide, load_policy  # noqa: E402
from redactor.settings import Settings  # noqa: E402
from redactor.formats.pdf.verify import verify_pdf_output  # noqa: E402


def main() -> None:
    settings, policy = Settings(), load_policy()
    t = time.perf_counter()
    analyzer(settings.model)
    print(f"analyzer start-up: {time.perf_counter() - t:.2f} s")
    files = sorted(RECORDS.rglob("*.pdf")) + sorted((CORPUS / "records").glob("*.pdf"))
    totals = dict(extract=0.0, detect=0.0, write=0.0, verify=0.0)
    pages = 0
    with tempfile.TemporaryDirectory() as tmp:
        for f in files:
            t0 = time.perf_counter()
            doc = read_pdf(f)
            t1 = time.perf_counter()
            findings = detect(doc, settings)
            t2 = time.perf_counter()
            plan = build_plan(doc, decide(findings, policy), policy.name)
            out = Path(tmp) / f.name
            _, drawn = write_pdf(plan, out)
            t3 = time.perf_counter()
            verify_pdf_output(out, plan, drawn)
            t4 = time.perf_counter()
            for k, v in zip(totals, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                totals[k] += v
            pages += doc.page_count
            print(f"{f.name:48s} {doc.page_count:4d} pages {t4 - t0:7.2f} s")
    total = sum(totals.values())
    print(f"\n{len(files)} documents, {pages} pages, {total:.1f} s, {pages / total:.2f} pages/s")
    for k, v in totals.items():
        print(f"  {k:8s} {v:7.2f} s  {100 * v / total:5.1f} %")


if __name__ == "__main__":
    main()
