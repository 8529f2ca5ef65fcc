"""A PDF rendering of a verified DOCX release copy, by LibreOffice headless (Debian
``libreoffice-writer-nogui``), for policies that release PDFs.

LibreOffice runs with a throw-away profile inside the work folder (nothing is written outside
OUTDIR) and the copy it renders holds no external reference (the writer cut them), so it
fetches nothing. The rendering is checked on its own: every page's text (pdfium) and the
document information (pikepdf) must hold no withheld value.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ...errors import UnsupportedContentError
from ...model import Plan

RENDER_TIMEOUT = 180.0


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def render_pdf(docx: Path, pdf: Path, timeout: float = RENDER_TIMEOUT) -> None:
    """Render ``docx`` to ``pdf`` (both inside the run's work folder)."""
    exe = soffice()
    if exe is None:
        raise UnsupportedContentError("a PDF rendering needs LibreOffice (Debian libreoffice-writer-nogui)")
    with tempfile.TemporaryDirectory(dir=pdf.parent, prefix="render-") as td:
        work = Path(td)
        src = work / "copy.docx"
        shutil.copyfile(docx, src)
        env = {"HOME": str(work), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "SAL_USE_VCLPLUGIN": "svp"}
        cmd = [exe, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--nodefault", "--nologo", "--convert-to", "pdf", "--outdir", str(work), str(src)]
        try:
            subprocess.run(cmd, cwd=work, env=env, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise UnsupportedContentError(f"LibreOffice did not render the copy within {timeout:.0f} s") from None
        out = work / "copy.pdf"
        if not out.is_file() or out.stat().st_size == 0:
            raise UnsupportedContentError("LibreOffice could not render the copy as PDF")
        os.replace(out, pdf)


def verify_pdf_rendering(plan: Plan, pdf: Path) -> list[str]:
    """Problems of the rendering: withheld values in its page text or document information."""
    import pikepdf
    import pypdfium2 as pdfium

    from ...values import find_values, withheld_values

    values = withheld_values(plan)
    problems = []
    doc = pdfium.PdfDocument(str(pdf))
    try:
        for index in range(len(doc)):
            textpage = doc[index].get_textpage()
            text = textpage.get_text_range()
            if find_values(text, values):
                problems.append(f"PDF rendering page {index + 1}: a withheld value remains in its text")
    finally:
        doc.close()
    with pikepdf.open(pdf) as p:
        info = " ".join(str(v) for v in p.docinfo.values())
        meta = str(p.open_metadata()) if "/Metadata" in p.Root else ""
        if find_values(info + "\n" + meta, values):
            problems.append("PDF rendering: a withheld value remains in its document information")
    return problems
