"""`make bench-ocr`: scanned pages per second through `redactor run`, beside Tesseract alone
on the same pages (poppler renders each page at 300 dpi grey, `tesseract --psm 3`, one thread
per process, as many processes as redactor has workers). Prints figures; asserts nothing.

``ocr_section(files, jobs)`` returns the figures, for tests/bench.py to print beside the rest.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import CORPUS  # noqa: E402


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _tesseract_alone(files: list[Path], jobs: int, tmp: Path) -> tuple[int, float, float]:
    """(pages, wall seconds, CPU seconds) of Tesseract alone on every page of ``files``."""
    pngs: list[Path] = []
    for i, f in enumerate(files):
        subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", str(f), str(tmp / f"d{i}")], check=True)
        pngs += sorted(tmp.glob(f"d{i}-*.png"))
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(png: Path) -> None:
        subprocess.run(["tesseract", str(png), "-", "--psm", "3"], capture_output=True, env=env, check=True)

    cpu, t = _children_cpu(), time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, pngs))
    return len(pngs), time.perf_counter() - t, _children_cpu() - cpu


def _redactor(files: list[Path], jobs: int, tmp: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of `redactor run` on ``files``."""
    src = tmp / "in"
    src.mkdir()
    for f in files:
        (src / f.name).symlink_to(f)
    cpu, t = _children_cpu(), time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "redactor"), "run", str(src), "--out", str(tmp / "out"),
                    "--jobs", str(jobs)], capture_output=True)
    return time.perf_counter() - t, _children_cpu() - cpu


def ocr_section(files: list[Path], jobs: int = 2) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        pages, t_wall, t_cpu = _tesseract_alone(files, jobs, Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        r_wall, r_cpu = _redactor(files, jobs, Path(tmp))
    return {"pages": pages, "tesseract_pages_per_s": pages / t_wall, "redactor_pages_per_s": pages / r_wall,
            "tesseract_cpu_per_page": t_cpu / pages, "redactor_cpu_per_page": r_cpu / pages,
            "ratio_wall": r_wall / t_wall, "ratio_cpu": r_cpu / t_cpu}


def print_section(figures: dict[str, float]) -> None:
    f = figures
    print(f"OCR: {f['pages']:.0f} scanned pages")
    print(f"  tesseract alone  {f['tesseract_pages_per_s']:6.3f} pages/s  {f['tesseract_cpu_per_page']:6.2f} s CPU/page")
    print(f"  redactor run     {f['redactor_pages_per_s']:6.3f} pages/s  {f['redactor_cpu_per_page']:6.2f} s CPU/page")
    print(f"  redactor / tesseract: {f['ratio_wall']:.2f}x wall time, {f['ratio_cpu']:.2f}x CPU "
          "(end to end: OCR, detection, removal, verification with a second OCR of pages that carry boxes)")


def main() -> None:
    files = sorted((CORPUS / "scanned").glob("*.pdf")) if len(sys.argv) < 2 else [Path(a) for a in sys.argv[1:]]
    if not files:
        print(f"no scanned PDFs found (looked in {CORPUS / 'scanned'})")
        return
    print_section(ocr_section(files))


if __name__ == "__main__":
    main()
