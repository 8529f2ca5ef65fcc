"""OCR of scanned pages: page pictures -> words with boxes and confidences in PDF user space.

Pages are rendered with pdfium (so every image encoding pdfium reads -- CCITT, JBIG2, JPEG,
JPX, CMYK, masks -- is handled the same way, at the place and orientation the page draws it)
and read by Tesseract (Debian ``tesseract-ocr``, ``tesseract-ocr-eng``, ``tesseract-ocr-osd``)
with hOCR output, ``--psm 3`` (automatic layout, which also reads lines running up or down a
page scanned sideways): in this process through libtesseract's C API (ctypes, no Python
binding to install; each thread borrows an instance initialised once), or by the
``tesseract`` program, one process per call, where the library does not load. A page read
with low confidence (upside down, or sideways with little text) is asked again with
orientation detection (OSD) and read turned the way it says. Boxes come back in the picture's
own pixels, and each line says which way its text runs (``textangle``).

The pixel -> user space matrix comes from pdfium itself (``FPDF_DeviceToPage`` on the corners
of the rendered bitmap), so dpi, ``/Rotate``, the crop box and the image's own placement
(skewed, rotated, scaled) are all in it: a word box maps back to where the page shows it.

This module knows nothing of the removal engine; ``page_text`` turns an ``OcrPage`` into the
text and character boxes that the rest of redactor reads like any text layer.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import math
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .geometry import Box, Matrix, intersection_area, area

log = logging.getLogger(__name__)

MIN_DPI = 300  # Tesseract reads best at 300 dpi and more; lower scans are upsampled to it
MAX_DPI = 300  # finer scans are read at 300 dpi too: more pixels cost Tesseract time, not accuracy
MAX_PIXELS = 36_000_000  # a huge page is rendered at less than MIN_DPI rather than exhaust memory
TIMEOUT = 300.0  # seconds one page may take in tesseract
LOW_CONFIDENCE = 60.0  # a word read with less than this (0-100) is uncertain
IMAGE_WORD_CONFIDENCE = 50.0  # words in pictures on text pages read with less are dropped
# An image drawn on a text-layer page is read when it is at least this big (points): a
# pasted screenshot or a scanned attachment, not a logo or a rule.
MIN_IMAGE_SIDE = 72.0
MIN_IMAGE_AREA = 72.0 * 144.0


class OcrUnavailable(RuntimeError):
    """The tesseract program (or its English data) is not installed."""


@dataclass(frozen=True)
class OcrWord:
    text: str
    box: Box  # user space
    confidence: float  # 0-100, Tesseract's word confidence
    char_boxes: tuple[Box, ...]  # one per character of ``text``, user space
    line: int  # line number on the page (words of one line share it)
    block: int  # block (column, paragraph group) number
    angle: int  # 0, 90, 180, 270: which way the line runs in the picture (Tesseract's textangle)


@dataclass(frozen=True)
class OcrPage:
    """What OCR read on one page (or one image region of it)."""

    number: int  # 1-based page number
    dpi: float
    words: tuple[OcrWord, ...]
    orientation: int = 0  # the majority text angle Tesseract found, degrees
    region: Box | None = None  # the part of the page that was read (None: all of it)
    # pen strokes read as nothing by a signature caption or line (signature_ink)
    signature_ink: tuple[tuple[Box, str], ...] = ()

    @property
    def confidence(self) -> float:
        """Mean word confidence, weighted by word length (0 when nothing was read)."""
        n = sum(len(w.text) for w in self.words)
        return sum(w.confidence * len(w.text) for w in self.words) / n if n else 0.0


# ----------------------------------------------------------------------------- tesseract


@lru_cache(maxsize=1)
def tesseract_info() -> tuple[str, tuple[str, ...]]:
    """(version line, installed languages) of the tesseract program."""
    exe = shutil.which("tesseract")
    if exe is None:
        raise OcrUnavailable("tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-eng "
                             "tesseract-ocr-osd)")
    try:
        version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
        langs = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise OcrUnavailable(f"tesseract cannot run: {exc}") from None
    first = (version.stdout or version.stderr).splitlines()
    names = tuple(line.strip() for line in langs.stdout.splitlines()[1:] if line.strip())
    if "eng" not in names:
        raise OcrUnavailable("tesseract has no English data (apt-get install tesseract-ocr-eng)")
    return (first[0] if first else "tesseract"), names


def available() -> bool:
    try:
        tesseract_info()
    except OcrUnavailable:
        return False
    return True


def _env() -> dict[str, str]:
    # One thread per tesseract process: pages run in parallel instead, which is faster on
    # few cores than OpenMP inside one page (and does not fight the other workers).
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def _pnm(image) -> bytes:
    buf = io.BytesIO()
    # PNM: uncompressed, the cheapest format for both sides to write and read.
    (image if image.mode in ("1", "L", "RGB") else image.convert("RGB")).save(buf, format="PPM")
    return buf.getvalue()


def tesseract_hocr(image, dpi: float, psm: int = 3, timeout: float = TIMEOUT) -> str:
    """Run Tesseract on a PIL image; the hOCR it writes. In this process through
    libtesseract's C API when the library loads (no process, no language model loaded again
    per call, no image encoded), otherwise by the tesseract program."""
    _, langs = tesseract_info()
    if psm in (0, 1) and "osd" not in langs:
        psm = 3  # no orientation data: read the page as it is
    api = _Api.get()
    if api is not None:
        return api.hocr(image, psm, timeout)
    # No --dpi: Tesseract measures the resolution from the letters' size, as it does for a
    # picture that does not say; told the rendering's dpi it read ruled and shaded tables of
    # some scans much worse (a shaded header row, the rows under it).
    cmd = ["tesseract", "stdin", "stdout", "-l", "eng", "--psm", str(psm),
           "-c", "tessedit_do_invert=0", "-c", "hocr_char_boxes=1", "hocr"]
    try:
        done = subprocess.run(cmd, input=_pnm(image), capture_output=True, timeout=timeout, env=_env())
    except subprocess.TimeoutExpired:
        raise OcrUnavailable(f"tesseract took more than {timeout:.0f} s on one page") from None
    if done.returncode != 0:
        msg = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrUnavailable(f"tesseract failed: {msg[-1] if msg else done.returncode}")
    return done.stdout.decode("utf-8", "replace")


class _Api:
    """A TessBaseAPI of libtesseract (Debian ``libtesseract5``, Apache-2.0: the library the
    tesseract program is built on), called through its C API with ctypes. Each one is
    initialised for English once and reused page after page; a page in flight holds one, so
    threads read in parallel (ctypes lets go of the GIL during the call). Same engine, same
    settings as the program: the words are the same, without a process started, the
    language model loaded again and the picture written and parsed for every call.

    Not used (the program is) when the library does not load, when
    ``REDACTOR_TESSERACT=program``, or when OpenMP is already loaded in this process
    without a thread limit (Tesseract would then run threads of its own beside the pages
    read in parallel)."""

    _lib = None
    _loaded_in: int | None = None  # pid: a forked worker starts a pool of its own
    _free: dict[str, list["_Api"]] = {}  # language -> idle instances
    _lock = None

    def __init__(self, handle, lang: str) -> None:
        self.handle, self.lang = handle, lang

    @classmethod
    def _library(cls):
        import ctypes
        import ctypes.util
        import threading

        if cls._loaded_in == os.getpid():
            return cls._lib
        cls._loaded_in, cls._lib, cls._free, cls._lock = os.getpid(), None, {}, threading.Lock()
        if os.environ.get("REDACTOR_TESSERACT", "") == "program":
            return None
        if os.environ.get("OMP_THREAD_LIMIT") != "1":
            if _openmp_loaded():
                return None
            os.environ["OMP_THREAD_LIMIT"] = "1"  # read by libgomp when it loads, just below
        try:
            lib = ctypes.CDLL(ctypes.util.find_library("tesseract") or "libtesseract.so.5")
        except OSError:
            return None
        try:
            # Leptonica prints its own complaints ("Error in boxClipToRectangle: box outside
            # rectangle") on stderr, with nothing to tell which file: a cron job's mail is no
            # place for them. What OCR made of a page is in the report.
            lept = ctypes.CDLL(ctypes.util.find_library("lept") or "liblept.so.5")
            lept.setMsgSeverity.argtypes, lept.setMsgSeverity.restype = [ctypes.c_int], ctypes.c_int
            lept.setMsgSeverity(6)  # L_SEVERITY_NONE
        except (OSError, AttributeError):
            pass
        p, i, c, f = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_float
        for name, res, args in (
                ("TessBaseAPICreate", p, []),
                ("TessBaseAPIInit3", i, [p, c, c]),
                ("TessBaseAPISetVariable", i, [p, c, c]),
                ("TessBaseAPISetPageSegMode", None, [p, i]),
                ("TessBaseAPISetImage", None, [p, p, i, i, i, i]),
                ("TessBaseAPISetSourceResolution", None, [p, i]),
                ("TessBaseAPIRecognize", i, [p, p]),
                ("TessBaseAPIGetHOCRText", p, [p, i]),
                ("TessBaseAPIDetectOrientationScript", i, [p, ctypes.POINTER(i), ctypes.POINTER(f),
                                                           ctypes.POINTER(c), ctypes.POINTER(f)]),
                ("TessBaseAPIClear", None, [p]),
                ("TessBaseAPIDelete", None, [p]),
                ("TessDeleteText", None, [p]),
                ("TessMonitorCreate", p, []),
                ("TessMonitorSetDeadlineMSecs", None, [p, i]),
                ("TessMonitorDelete", None, [p])):
            try:
                fn = getattr(lib, name)
            except AttributeError:
                return None
            fn.restype, fn.argtypes = res, args
        cls._lib = lib
        return lib

    @classmethod
    def get(cls) -> "_ApiLease | None":
        return _ApiLease(cls) if cls._library() is not None else None

    @classmethod
    def _acquire(cls, lang: str) -> "_Api":
        """An idle instance for ``lang``: "eng" to read, "osd" to tell a page's orientation
        (OSD's own classifier, as the program loads it for ``--psm 0``)."""
        with cls._lock:  # type: ignore[union-attr]
            if cls._free.get(lang):
                return cls._free[lang].pop()
        lib = cls._lib
        handle = lib.TessBaseAPICreate()
        if lib.TessBaseAPIInit3(handle, None, lang.encode()) != 0:
            lib.TessBaseAPIDelete(handle)
            raise OcrUnavailable(f"libtesseract cannot load its data for {lang!r}")
        for name, value in ((b"tessedit_do_invert", b"0"), (b"hocr_char_boxes", b"1"), (b"hocr_font_info", b"0"),
                            (b"debug_file", os.devnull.encode())):  # no messages on this process's stderr
            lib.TessBaseAPISetVariable(handle, name, value)
        return cls(handle, lang)

    @classmethod
    def _release(cls, api: "_Api") -> None:
        with cls._lock:  # type: ignore[union-attr]
            cls._free.setdefault(api.lang, []).append(api)

    def _set_image(self, image, psm: int):
        import numpy as np

        if image.mode not in ("L", "RGB"):
            image = image.convert("L")
        a = np.ascontiguousarray(np.asarray(image), dtype=np.uint8)
        lib = self._lib
        lib.TessBaseAPIClear(self.handle)
        lib.TessBaseAPISetPageSegMode(self.handle, psm)
        depth = 1 if a.ndim == 2 else a.shape[2]
        lib.TessBaseAPISetImage(self.handle, a.ctypes.data, a.shape[1], a.shape[0], depth, a.strides[0])
        return a  # the pixels must live until Tesseract is done with them

    def hocr(self, image, psm: int, timeout: float) -> str:
        import ctypes

        lib = self._lib
        keep = self._set_image(image, psm)
        monitor = lib.TessMonitorCreate()
        try:
            lib.TessMonitorSetDeadlineMSecs(monitor, int(timeout * 1000))
            if lib.TessBaseAPIRecognize(self.handle, monitor) != 0:
                raise OcrUnavailable(f"tesseract took more than {timeout:.0f} s on one page, or failed")
            text = lib.TessBaseAPIGetHOCRText(self.handle, 0)
        finally:
            lib.TessMonitorDelete(monitor)
            del keep
        if not text:
            return "<div class='ocr_page'></div>"
        try:
            return ctypes.string_at(text).decode("utf-8", "replace")
        finally:
            lib.TessDeleteText(text)

    def osd(self, image, dpi: float) -> tuple[int, float] | None:
        """(degrees to turn the picture clockwise to stand it upright, confidence), or None
        when OSD cannot tell."""
        import ctypes

        lib = self._lib
        keep = self._set_image(image, 0)
        lib.TessBaseAPISetSourceResolution(self.handle, int(round(dpi)))
        deg, conf, sconf = ctypes.c_int(), ctypes.c_float(), ctypes.c_float()
        script = ctypes.c_char_p()
        ok = lib.TessBaseAPIDetectOrientationScript(self.handle, ctypes.byref(deg), ctypes.byref(conf),
                                                    ctypes.byref(script), ctypes.byref(sconf))
        del keep
        if not ok:
            return None
        # as the program's "Rotate:" line: the page's orientation, as a clockwise turn
        return {0: 0, 90: 270, 180: 180, 270: 90}.get(deg.value % 360, 0), conf.value


class _ApiLease:
    """``with _Api.get() as api``-free use: each call borrows a TessBaseAPI for its length."""

    def __init__(self, cls) -> None:
        self.cls = cls

    def hocr(self, image, psm: int, timeout: float) -> str:
        api = self.cls._acquire("eng")
        try:
            return api.hocr(image, psm, timeout)
        finally:
            self.cls._release(api)

    def osd(self, image, dpi: float) -> tuple[int, float] | None:
        api = self.cls._acquire("osd")
        try:
            return api.osd(image, dpi)
        finally:
            self.cls._release(api)


def _openmp_loaded() -> bool:
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as fh:
            return any("libgomp" in line or "libomp" in line for line in fh)
    except OSError:
        return True  # cannot tell: the program, with its thread limit, is safe


_TITLE = re.compile(r"(\w+) ([^;]*)")


def _title(el) -> dict[str, str]:
    return {k: v.strip() for k, v in _TITLE.findall(el.get("title", ""))}


def _bbox(value: str) -> tuple[int, int, int, int] | None:
    try:
        x0, y0, x1, y1 = (int(v) for v in value.split()[:4])
    except ValueError:
        return None
    return (x0, y0, x1, y1)


@dataclass(frozen=True)
class PixelWord:
    """A word as Tesseract gives it: pixel box (left, top, right, bottom; y down)."""

    text: str
    box: tuple[int, int, int, int]
    confidence: float
    char_boxes: tuple[tuple[int, int, int, int] | None, ...]
    line: int
    block: int
    angle: int
    # Upright lines: the line's extent at this word from its baseline and letter sizes (top,
    # bottom), so every letter of a line gets the same height, as a font's letters do, and
    # a label with descenders ("routing") sits on the same row as its value ("014767193").
    band: tuple[float, float] | None = None
    # and the line's baseline slope (pixels down per pixel along): a letter's band is the
    # line's at that letter, so a skewed scan's lines keep their slope letter by letter
    slope: float = 0.0


def parse_hocr(hocr: str) -> list[PixelWord]:
    """Words of a Tesseract hOCR page, in reading order."""
    root = ET.fromstring(hocr.encode("utf-8"))
    words: list[PixelWord] = []
    line_no = block_no = 0

    def walk(el, angle: int) -> None:
        nonlocal line_no, block_no
        for child in el:
            cls = child.get("class", "")
            if cls == "ocr_carea":
                block_no += 1
                walk(child, angle)
            elif cls in ("ocr_line", "ocr_header", "ocr_caption", "ocr_textfloat"):
                line_no += 1
                t = _title(child)
                try:
                    a = int(round(float(t.get("textangle", "0")))) % 360
                except ValueError:
                    a = 0
                first = len(words)
                walk(child, a)
                lb = _bbox(t.get("bbox", ""))
                if "textangle" not in t and lb and lb[3] - lb[1] > 2 * (lb[2] - lb[0]):
                    vertical.append((first, len(words)))
                elif a == 0 and lb and "baseline" in t:
                    _line_band(words, first, lb, t)
            elif cls == "ocrx_word":
                t = _title(child)
                box = _bbox(t.get("bbox", ""))
                chars: list[tuple[int, int, int, int] | None] = []
                letters: list[str] = []
                for c in child.iter():
                    if c.get("class") == "ocrx_cinfo":
                        s = c.text or ""
                        cb = _bbox(_title(c).get("x_bboxes", ""))
                        for ch in s:
                            letters.append(ch)
                            chars.append(cb if cb and cb[2] > cb[0] and cb[3] > cb[1] else None)
                text = "".join(letters) if letters else "".join(child.itertext())
                text = text.strip()
                if not letters:
                    chars = [None] * len(text)
                if not text or box is None or len(chars) != len(text):
                    continue
                try:
                    conf = float(t.get("x_wconf", "0"))
                except ValueError:
                    conf = 0.0
                words.append(PixelWord(text, box, conf, tuple(chars), line_no, block_no, angle))
            else:
                walk(child, angle)

    ns = re.compile(r"^\{[^}]*\}")
    for el in root.iter():  # drop the XHTML namespace from tags
        el.tag = ns.sub("", el.tag)
    body = root.find("body")
    vertical: list[tuple[int, int]] = []  # lines running up or down that hOCR gave no angle
    walk(body if body is not None else root, 0)
    return _vertical_angles(words, vertical)


def _line_band(words: list[PixelWord], first: int, lb: tuple[int, int, int, int], t: dict[str, str]) -> None:
    """Give the words of an upright line (``words[first:]``) the line's band at each word."""
    import dataclasses

    try:
        slope, offset = (float(v) for v in t["baseline"].split()[:2])
        size = float(t.get("x_size", lb[3] - lb[1]))
        desc = float(t.get("x_descenders", 0.25 * size))
    except (ValueError, KeyError):
        return
    if not (0 < size <= 4 * (lb[3] - lb[1]) + 1) or abs(slope) > 0.2:
        return
    for i in range(first, len(words)):
        w = words[i]
        base = lb[3] + offset + slope * ((w.box[0] + w.box[2]) / 2 - lb[0])
        words[i] = dataclasses.replace(w, band=(base - (size - desc), base + desc), slope=slope)


def _vertical_angles(words: list[PixelWord], lines: list[tuple[int, int]]) -> list[PixelWord]:
    """``--psm 3`` reads a sideways line without saying so: a line much taller than wide runs
    down (270) or up (90) the picture, as its words go; a one-word line as most such lines do."""
    import dataclasses

    votes = {90: 0, 270: 0}
    angle_of: dict[tuple[int, int], int | None] = {}
    for s, e in lines:
        ws = words[s:e]
        if len(ws) >= 2 and ws[0].box[1] != ws[-1].box[1]:
            a = 270 if ws[-1].box[1] > ws[0].box[1] else 90
            votes[a] += 1
            angle_of[(s, e)] = a
        else:
            angle_of[(s, e)] = None
    default = 90 if votes[90] > votes[270] else 270
    for (s, e), a in angle_of.items():
        for i in range(s, e):
            words[i] = dataclasses.replace(words[i], angle=default if a is None else a)
    return words


# ----------------------------------------------------------------------------- geometry


def _pixel_char_boxes(w: PixelWord) -> list[tuple[float, float, float, float]]:
    """A box per character in pixels: Tesseract's own where it gave them (upright text),
    otherwise the word box cut into equal parts along the way the line runs."""
    if w.band is not None:
        # The line's band, widened to the word's own ink where that reaches further.
        top, bottom = min(w.band[0], w.box[1]), max(w.band[1], w.box[3])
        mid = (w.box[0] + w.box[2]) / 2

        def at(x0: float, x1: float) -> tuple[float, float, float, float]:
            dy = w.slope * ((x0 + x1) / 2 - mid)
            return (x0, top + dy, x1, bottom + dy)

        if all(c is not None for c in w.char_boxes):
            return [at(float(c[0]), float(c[2])) for c in w.char_boxes]  # type: ignore[index]
        x0, x1, n = float(w.box[0]), float(w.box[2]), len(w.text)
        return [at(x0 + i / n * (x1 - x0), x0 + (i + 1) / n * (x1 - x0)) for i in range(n)]
    if all(c is not None for c in w.char_boxes):
        return [tuple(map(float, c)) for c in w.char_boxes]  # type: ignore[misc]
    x0, y0, x1, y1 = (float(v) for v in w.box)
    n = len(w.text)
    out = []
    for i in range(n):
        a, b = i / n, (i + 1) / n
        if w.angle == 90:  # runs bottom to top
            out.append((x0, y1 - b * (y1 - y0), x1, y1 - a * (y1 - y0)))
        elif w.angle == 270:  # top to bottom
            out.append((x0, y0 + a * (y1 - y0), x1, y0 + b * (y1 - y0)))
        elif w.angle == 180:  # right to left
            out.append((x1 - b * (x1 - x0), y0, x1 - a * (x1 - x0), y1))
        else:
            out.append((x0 + a * (x1 - x0), y0, x0 + b * (x1 - x0), y1))
    return out


def to_user(words: Iterable[PixelWord], pixel_to_user: Matrix) -> list[OcrWord]:
    """Map pixel words to user space (``pixel_to_user`` takes pixel edge coordinates, y down)."""
    out = []
    for w in words:
        box = pixel_to_user.transform_box(tuple(map(float, w.box)))  # type: ignore[arg-type]
        chars = tuple(pixel_to_user.transform_box(c) for c in _pixel_char_boxes(w))
        out.append(OcrWord(w.text, box, w.confidence, chars, w.line, w.block, w.angle))
    return out


def device_to_user(page, width: int, height: int) -> Matrix:
    """The matrix from pixels of ``page`` rendered as ``width`` x ``height`` (pdfium, no extra
    rotation) to PDF user space, from pdfium's own mapping of three corners."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    def at(dx: int, dy: int) -> tuple[float, float]:
        x, y = ctypes.c_double(), ctypes.c_double()
        pdfium_c.FPDF_DeviceToPage(page.raw, 0, 0, width, height, 0, dx, dy, ctypes.byref(x), ctypes.byref(y))
        return x.value, y.value

    ox, oy = at(0, 0)
    ax, ay = at(width, 0)
    bx, by = at(0, height)
    return Matrix((ax - ox) / width, (ay - oy) / width, (bx - ox) / height, (by - oy) / height, ox, oy)


@dataclass(frozen=True)
class PageImage:
    """An image drawn on a page: where (user space box), how many pixels, at what dpi."""

    box: Box
    pixels: tuple[int, int]
    dpi: float


@dataclass(frozen=True)
class PageSurvey:
    """What a page is made of, for deciding whether and how to read it with OCR."""

    number: int
    chars: int  # characters pdfium reads from the page's text
    invisible_chars: int  # of which drawn in text render mode 3 (invisible: an OCR layer)
    images: tuple[PageImage, ...]
    page_box: Box  # the crop box in user space

    @property
    def image_cover(self) -> float:
        """Fraction of the page the largest image covers."""
        pa = area(self.page_box) or 1.0
        return max((intersection_area(i.box, self.page_box) / pa for i in self.images), default=0.0)

    @property
    def kind(self) -> str | None:
        """Why the page needs OCR: "no text layer", "OCR text layer" (invisible text over a
        picture), "images" (pictures big enough to hold text on a text page), or None."""
        if not self.images:
            return None
        if self.chars == 0:
            return "no text layer"
        if self.invisible_chars >= 0.9 * self.chars and self.image_cover >= 0.5:
            return "OCR text layer"
        if self.text_images():
            return "images"
        return None

    def text_images(self) -> list[PageImage]:
        return [i for i in self.images
                if min(i.box[2] - i.box[0], i.box[3] - i.box[1]) >= MIN_IMAGE_SIDE / 4
                and max(i.box[2] - i.box[0], i.box[3] - i.box[1]) >= MIN_IMAGE_SIDE
                and area(i.box) >= MIN_IMAGE_AREA]

    @property
    def native_dpi(self) -> float:
        """The resolution of the page's main picture (0 when it has none)."""
        if not self.images:
            return 0.0
        return max(self.images, key=lambda i: area(i.box)).dpi


def survey_page(page, number: int) -> PageSurvey:
    """Characters, invisible characters and images of one pdfium page."""
    import pypdfium2.raw as pdfium_c

    images: list[PageImage] = []
    matrices: dict[int, Matrix] = {}  # form nesting level -> the form's matrix on the page
    for obj in page.get_objects(max_depth=8):
        level = getattr(obj, "level", 0)
        try:
            m = Matrix.of(obj.get_matrix().get())
        except Exception:  # noqa: BLE001 - an object pdfium cannot measure is not read
            continue
        parent = matrices.get(level - 1) if level > 0 else None
        full = m @ parent if parent is not None else m
        if obj.type == pdfium_c.FPDF_PAGEOBJ_FORM:
            matrices[level] = full
        elif obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            try:
                pw, ph = obj.get_px_size()
            except Exception:  # noqa: BLE001
                continue
            side_w, side_h = math.hypot(full.a, full.b), math.hypot(full.c, full.d)
            dpi = min(pw / side_w, ph / side_h) * 72.0 if side_w and side_h else 0.0
            images.append(PageImage(full.transform_box((0, 0, 1, 1)), (pw, ph), dpi))
    # Which characters are invisible matters only under a picture: skip the per-character
    # look-up on pages without one.
    chars, invisible = _count_chars(page) if images else (1, 0)
    crop = page.get_cropbox()
    return PageSurvey(number, chars, invisible, tuple(images), tuple(float(v) for v in crop))  # type: ignore[arg-type]


def _count_chars(page, limit: int = 20000) -> tuple[int, int]:
    """(characters, of which invisible) of the page's text, from pdfium's text page."""
    import pypdfium2.raw as pdfium_c

    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        chars = invisible = 0
        for i in range(min(n, limit)):
            code = pdfium_c.FPDFText_GetUnicode(textpage.raw, i)
            if code in (0, 0xFFFE) or chr(code).isspace():
                continue
            chars += 1
            obj = pdfium_c.FPDFText_GetTextObject(textpage.raw, i)
            if obj and pdfium_c.FPDFTextObj_GetTextRenderMode(obj) == pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE:
                invisible += 1
        return chars, invisible
    finally:
        textpage.close()


def choose_dpi(survey: PageSurvey) -> float:
    """Render at the scan's own resolution within MIN_DPI..MAX_DPI (a 200 dpi scan is
    upsampled to 300 for Tesseract; a 2400 dpi one is read at 300), and within MAX_PIXELS."""
    native = survey.native_dpi
    dpi = min(max(native, MIN_DPI), MAX_DPI)
    x0, y0, x1, y1 = survey.page_box
    inches = abs(x1 - x0) * abs(y1 - y0) / (72.0 * 72.0)
    if inches * dpi * dpi > MAX_PIXELS:
        dpi = math.sqrt(MAX_PIXELS / inches)
    return dpi


def render(page, dpi: float, region: Box | None = None, near: list[Box] | None = None,
           hlines: list | None = None):
    """(PIL grey image, pixel -> user matrix) of ``page`` (or of the part of it inside
    ``region``, user space) at ``dpi``. With ``near`` (user space boxes), rules are removed
    only round them: what is read there is the same, the rest of the page is left as drawn.
    ``hlines``: a list the horizontal rules removed from the whole page are added to (pixel
    boxes), for finding signature lines."""
    scale = dpi / 72.0
    bitmap = page.render(scale=scale, grayscale=True, may_draw_forms=True)
    image = bitmap.to_pil()
    m = device_to_user(page, image.width, image.height)
    if image.mode not in ("L", "1"):
        image = image.convert("L")
    if image.mode == "L":
        if near:
            # A rule is a run of RULE_LENGTH: one that reaches into the boxes lies within that
            # much of them, so a margin of it finds every such pixel as the whole page would.
            inv, margin = m.inverse(), int(dpi * RULE_LENGTH) + 2
            px = [inv.transform_box(b) for b in near]
            x0, y0 = max(0, int(min(b[0] for b in px)) - margin), max(0, int(min(b[1] for b in px)) - margin)
            x1 = min(image.width, int(math.ceil(max(b[2] for b in px))) + margin)
            y1 = min(image.height, int(math.ceil(max(b[3] for b in px))) + margin)
            if x1 > x0 and y1 > y0:
                image.paste(_without_rules(image.crop((x0, y0, x1, y1)), dpi), (x0, y0))
        else:
            image = _without_rules(image, dpi, hlines)
    return crop(image, m, region)


RULE_LENGTH = 0.5  # inches: a straight dark run this long is a table's or a form's rule, not a letter


def _without_rules(image, dpi: float, hlines: list | None = None):
    """``image`` with the long straight lines of tables and forms (rules, cell borders, fill-in
    lines) made paper. Tesseract reads text in ruled cells badly: whole rows of a table
    with a ruled, shaded header were lost ("DL#" read as "—sd=$L#", a plate and a VIN in
    ruled cells not read at all), and rules are read as letters ("|", "_")."""
    import numpy as np
    from PIL import Image

    a = np.asarray(image)
    dark = a < PAPER_GREY
    length = max(2, int(dpi * RULE_LENGTH))
    # a pixel's neighbours across the line count too, so a slightly skewed rule (a step every
    # sixty pixels) is still one run
    near = dark.copy()
    near[1:] |= dark[:-1]
    near[:-1] |= dark[1:]
    # A rule is thin: ink as thick as a letter's stem across it (a black box, a bar, a
    # photograph) is not one, and stays as it is.
    thick = max(2, int(dpi * 0.04))
    rules = _runs(near, length, 1) & ~_runs(dark, thick, 0)
    if hlines is not None:
        hlines.extend(_segments(rules & dark, gap=max(2, int(dpi * 0.1))))
    near = dark.copy()
    near[:, 1:] |= dark[:, :-1]
    near[:, :-1] |= dark[:, 1:]
    rules |= _runs(near, length, 0) & ~_runs(dark, thick, 1)
    rules &= dark
    if not rules.any():
        return image
    out = a.copy()
    out[rules] = 255
    return Image.fromarray(out)


def _segments(mask, gap: int) -> list[tuple[int, int, int, int]]:
    """The horizontal strokes of ``mask`` (pixel boxes x0, y0, x1, y1, exclusive ends): runs
    along each row, a gap of less than ``gap`` pixels bridged (pen strokes crossing a line
    break it), and runs of neighbouring rows that overlap joined into one stroke."""
    import numpy as np

    rows = np.flatnonzero(mask.any(axis=1))
    done: list[list[int]] = []
    open_: list[list[int]] = []
    for y in rows[:20000]:
        row = mask[y]
        edges = np.flatnonzero(np.diff(np.concatenate(([0], row.view(np.int8), [0]))))
        runs: list[list[int]] = []
        for x0, x1 in zip(edges[::2], edges[1::2]):
            if runs and x0 - runs[-1][1] < gap:
                runs[-1][1] = int(x1)
            else:
                runs.append([int(x0), int(x1)])
        still = []
        for seg in open_:
            if seg[3] < y - 1:
                done.append(seg)
            else:
                still.append(seg)
        open_ = still
        for x0, x1 in runs:
            for seg in open_:
                if seg[0] < x1 and x0 < seg[2]:
                    seg[0], seg[2], seg[3] = min(seg[0], x0), max(seg[2], x1), int(y)
                    break
            else:
                open_.append([x0, int(y), x1, int(y)])
    return [(x0, y0, x1, y1 + 1) for x0, y0, x1, y1 in done + open_]


def _runs(mask, length: int, axis: int):
    """The pixels of ``mask`` in a run of at least ``length`` along ``axis``: an opening by a
    straight line, its erosion and dilation each done in log2(length) shifted ANDs/ORs."""
    import numpy as np

    def cut(a, s, e):
        return a[:, s:e] if axis == 1 else a[s:e]

    if mask.shape[axis] < length:
        return np.zeros_like(mask)
    e, k = mask, 1
    while k < length:  # e[i]: mask[i:i + k] all set
        step = min(k, length - k)
        e = cut(e, 0, e.shape[axis] - step) & cut(e, step, None)
        k += step
    shape = list(mask.shape)
    shape[axis] = length - 1
    pad = np.zeros(shape, bool)
    d, k = np.concatenate([pad, e, pad], axis=axis), 1
    while k < length:  # d[j]: a full run ends within length of j
        step = min(k, length - k)
        d = cut(d, 0, d.shape[axis] - step) | cut(d, step, None)
        k += step
    return d


PAPER_GREY = 200  # lighter than this is paper (or a cell's shading), darker is ink (or a rule)


def crop(image, m: Matrix, region: Box | None):
    """(the part of a rendered page ``image`` inside ``region`` (user space), its pixel ->
    user matrix); (None, m) when that part is too small to read."""
    if region is not None:
        inv = m.inverse()
        px0, py0, px1, py1 = inv.transform_box(region)
        px0, py0 = max(0, int(math.floor(px0))), max(0, int(math.floor(py0)))
        px1, py1 = min(image.width, int(math.ceil(px1))), min(image.height, int(math.ceil(py1)))
        if px1 - px0 < 8 or py1 - py0 < 8:
            return None, m
        image = image.crop((px0, py0, px1, py1))
        m = Matrix(1, 0, 0, 1, px0, py0) @ m
    return image, m


# ----------------------------------------------------------------------------- pages


@dataclass
class _Job:
    number: int
    dpi: float
    image: object
    matrix: Matrix
    region: Box | None = None
    turned: int = 0  # degrees the picture was turned counter-clockwise from the page as drawn
    # the horizontal rules of the page (pixel boxes) when signatures are looked for on it
    hlines: list | None = None


@dataclass
class _Stack:
    """Several parts of one page (bands round redaction boxes, pictures on a text page) read
    by one Tesseract process: the parts set one under the other (one beside the other when
    they are taller than wide) on a white sheet, with a gap Tesseract does not read across.
    One process instead of one per part saves loading the language model again and again."""

    number: int
    dpi: float
    parts: list[_Job]
    # The confidence the page was read with before (None: not read before): a sheet that
    # reads about as well is taken as read, however low that is (a poor scan).
    expect: float | None = None


def _read_any(job: "_Job | _Stack") -> list[OcrPage]:
    return _read_stack(job) if isinstance(job, _Stack) else [_read(job)]


def _read_stack(stack: _Stack) -> list[OcrPage]:
    from PIL import Image

    parts = stack.parts
    tall = sum(p.image.height for p in parts) > sum(p.image.width for p in parts)  # type: ignore[attr-defined]
    gap = int(max(48, stack.dpi / 3))
    sizes = [p.image.size for p in parts]  # type: ignore[attr-defined]
    if tall:
        width, height = sum(w for w, _ in sizes) + gap * (len(parts) + 1), max(h for _, h in sizes) + 2 * gap
    else:
        width, height = max(w for w, _ in sizes) + 2 * gap, sum(h for _, h in sizes) + gap * (len(parts) + 1)
    sheet = Image.new("L", (width, height), 255)
    offsets = []
    at = gap
    for p, (w, h) in zip(parts, sizes):
        offset = (at, gap) if tall else (gap, at)
        sheet.paste(p.image.convert("L"), offset)  # type: ignore[attr-defined]
        offsets.append(offset)
        at += (w if tall else h) + gap
    words = parse_hocr(tesseract_hocr(sheet, stack.dpi))
    chars = sum(len(w.text) for w in words)
    conf = sum(w.confidence * len(w.text) for w in words) / chars if chars else 100.0
    poor = conf < LOW_CONFIDENCE and chars >= 20 and (stack.expect is None or conf < stack.expect - 15)
    if poor or not words:
        # maybe turned: each part asks OSD on its own; or the sheet as a whole was not read
        # (a skewed page's windows set together can read as nothing at all)
        return [_read(p) for p in parts]
    mine: list[list[PixelWord]] = [[] for _ in parts]
    for w in words:
        c = (w.box[0] + w.box[2]) / 2 if tall else (w.box[1] + w.box[3]) / 2
        for k, ((ox, oy), (pw, ph)) in enumerate(zip(offsets, sizes)):
            lo, n = (ox, pw) if tall else (oy, ph)
            if lo - gap / 2 <= c < lo + n + gap / 2:
                mine[k].append(_shifted(w, -ox, -oy))
                break
    return [_page_of(p.number, p.dpi, to_user(ws, p.matrix), p.region, p.turned) for p, ws in zip(parts, mine)]


def _shifted(w: PixelWord, dx: int, dy: int) -> PixelWord:
    import dataclasses

    def move(b):
        return None if b is None else (b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy)

    return dataclasses.replace(w, box=move(w.box), char_boxes=tuple(move(c) for c in w.char_boxes),
                               band=None if w.band is None else (w.band[0] + dy, w.band[1] + dy))


def _read(job: _Job) -> OcrPage:
    words = parse_hocr(tesseract_hocr(job.image, job.dpi))
    page = _page_of(job.number, job.dpi, to_user(words, job.matrix), job.region, job.turned)
    chars = sum(len(w.text) for w in page.words)
    if page.confidence < LOW_CONFIDENCE and chars >= 20:
        # Read badly: maybe upside down, or sideways with too little text for the layout
        # analysis to see it. OSD (--psm 0) is asked and the page read again turned the way
        # it says; the better reading is kept. When OSD finds it upright but is not sure, the
        # lines read are read again upside down first, and the page only if they read better.
        found = osd(job.image, job.dpi)
        turn, sure = found if found is not None else (0, 0.0)
        if turn == 0:
            if sure >= OSD_SURE or not _lines_read_better_turned(job, words, page.confidence):
                return page
            turn = 180
        image, matrix = _turned(job.image, job.matrix, turn)
        again = _read_image(job.number, job.dpi, image, matrix, job.region, (job.turned + turn) % 360, psm=3)
        if again.confidence > page.confidence + 10:
            return again
    return page


OSD_SURE = 5.0  # OSD's orientation confidence from which its "upright" is taken as it is


def _lines_read_better_turned(job: _Job, words: list[PixelWord], confidence: float) -> bool:
    """Do the lines of a page read badly read better upside down? The lines Tesseract found
    (each with a margin of half its height) are set one under the other on a white sheet,
    turned over, and read: a page scanned upside down reads there far better than it did,
    a poor scan (noise, faint type) of an upright page does not. Reading only the lines costs
    a fraction of reading the whole page again, most of all on a noisy scan."""
    from PIL import Image

    lines: dict[int, list[PixelWord]] = {}
    for w in words:
        lines.setdefault(w.line, []).append(w)
    boxes = []
    for ws in sorted(lines.values(), key=lambda ws: -sum(len(w.text) for w in ws))[:40]:
        x0, y0 = min(w.box[0] for w in ws), min(w.box[1] for w in ws)
        x1, y1 = max(w.box[2] for w in ws), max(w.box[3] for w in ws)
        pad = max(4, (y1 - y0) // 2)
        box = (max(0, x0 - pad), max(0, y0 - pad), min(job.image.width, x1 + pad), min(job.image.height, y1 + pad))
        if box[2] - box[0] >= 8 and box[3] - box[1] >= 8:
            boxes.append((box, ws))
    if not boxes:
        return False
    before = [w for _, ws in boxes for w in ws]
    n = sum(len(w.text) for w in before)
    was = sum(w.confidence * len(w.text) for w in before) / n if n else confidence
    gap = int(max(48, job.dpi / 3))
    width = max(b[2] - b[0] for b, _ in boxes) + 2 * gap
    height = sum(b[3] - b[1] for b, _ in boxes) + gap * (len(boxes) + 1)
    sheet = Image.new("L", (width, height), 255)
    at = gap
    for b, _ in boxes:
        sheet.paste(job.image.crop(b).convert("L").rotate(180), (gap, at))  # type: ignore[attr-defined]
        at += b[3] - b[1] + gap
    turned = parse_hocr(tesseract_hocr(sheet, job.dpi))
    m = sum(len(w.text) for w in turned)
    now = sum(w.confidence * len(w.text) for w in turned) / m if m else 0.0
    return m >= min(20, n) and now > was + 10


def osd(image, dpi: float) -> tuple[int, float] | None:
    """(degrees to turn the picture counter-clockwise to stand its text upright, OSD's
    confidence in that) by Tesseract's orientation detection; None when it cannot tell."""
    _, langs = tesseract_info()
    if "osd" not in langs:
        return None
    api = _Api.get()
    if api is not None:
        found = api.osd(image, dpi)
        return None if found is None else ((360 - found[0]) % 360, found[1])
    try:
        done = subprocess.run(["tesseract", "stdin", "stdout", "--psm", "0", "--dpi", str(int(round(dpi)))],
                              input=_pnm(image), capture_output=True, timeout=TIMEOUT, env=_env())
    except subprocess.TimeoutExpired:
        return None
    m = re.search(rb"Rotate: (\d+)", done.stdout)
    c = re.search(rb"Orientation confidence: ([\d.]+)", done.stdout)
    if not m:
        return None
    return (360 - int(m.group(1))) % 360, float(c.group(1)) if c else 0.0


def osd_turn(image, dpi: float) -> int:
    """Degrees (0, 90, 180, 270) to turn the picture counter-clockwise to stand its text
    upright, by Tesseract's orientation detection; 0 when it cannot tell."""
    found = osd(image, dpi)
    return found[0] if found is not None else 0


def _turned(image, matrix: Matrix, turn: int):
    """``image`` turned ``turn`` degrees counter-clockwise, and the matrix from its pixels to
    user space."""
    w, h = image.size
    back = {90: Matrix(0, 1, -1, 0, w, 0), 180: Matrix(-1, 0, 0, -1, w, h), 270: Matrix(0, -1, 1, 0, 0, h)}[turn]
    return image.rotate(turn, expand=True), back @ matrix


def _read_image(number: int, dpi: float, image, matrix: Matrix, region: Box | None, turned: int,
                psm: int = 3) -> OcrPage:
    words = to_user(parse_hocr(tesseract_hocr(image, dpi, psm=psm)), matrix)
    return _page_of(number, dpi, words, region, turned)


def _page_of(number: int, dpi: float, words: list[OcrWord], region: Box | None, turned: int) -> OcrPage:
    angles: dict[int, int] = {}
    for w in words:
        angles[w.angle] = angles.get(w.angle, 0) + len(w.text)
    # ``turned`` is what the picture was turned counter-clockwise before reading: its lines ran
    # at minus that angle in the picture as drawn.
    orientation = (max(angles, key=angles.get) if angles else 0) - turned
    return OcrPage(number, dpi, tuple(words), orientation % 360, region)


def ocr_pages(path: Path, numbers: Iterable[int] | None = None, password: str = "",
              dpi: float | None = None, threads: int | None = None,
              regions: dict[int, list[Box]] | None = None,
              known: dict[int, tuple[int, float]] | None = None,
              signatures: bool = False) -> dict[int, list[OcrPage]]:
    """OCR pages of the PDF at ``path`` (all pages, or ``numbers``): page number -> what was
    read (one OcrPage for a whole page, one per region when ``regions`` names parts of it).
    ``known`` gives pages read before (page -> (its orientation, the confidence it was read
    with)): their parts are turned upright before reading, all in one sheet, and taken as
    read when they read about as well as before (no orientation asked again).

    Pages are rendered one at a time (pdfium is not thread-safe) while up to ``threads``
    tesseract processes read the pages already rendered. With ``signatures``, each page read
    whole is also searched for pen strokes OCR read as nothing by a signature caption or line
    (``OcrPage.signature_ink``), in the picture OCR read."""
    import pypdfium2 as pdfium

    tesseract_info()
    threads = threads or max(1, min(2, os.cpu_count() or 1))
    out: dict[int, list[OcrPage]] = {}
    doc = pdfium.PdfDocument(str(path), password=password or None)
    try:
        wanted = list(numbers) if numbers is not None else list(range(1, len(doc) + 1))

        def jobs() -> Iterator[_Job | _Stack]:
            for number in wanted:
                page = doc[number - 1]
                try:
                    survey = survey_page(page, number)
                    d = dpi or choose_dpi(survey)
                    # The page is rendered once, whatever number of parts of it are read.
                    whole = signatures and not (regions or {}).get(number) and not known
                    hlines: list | None = [] if whole else None
                    full, m = render(page, d, near=[r for r in (regions or {}).get(number, []) if r is not None],
                                     hlines=hlines)
                    parts = []
                    before = (known or {}).get(number)
                    turn = (-before[0]) % 360 if before and before[0] % 90 == 0 else 0
                    for region in (regions or {}).get(number, [None]):  # type: ignore[list-item]
                        image, pm = crop(full, m, region)
                        if image is not None:
                            if turn:
                                image, pm = _turned(image, pm, turn)
                            parts.append(_Job(number, d, image, pm, region, turn, hlines=hlines))
                    if len(parts) > 1 or (parts and before):
                        yield _Stack(number, d, parts, before[1] if before else None)
                    elif parts:
                        yield parts[0]
                finally:
                    page.close()

        def collect(item) -> None:
            fut, job = item
            for done in fut.result():
                if isinstance(job, _Job) and job.hlines is not None and done.region is None:
                    done = dataclasses.replace(done, signature_ink=signature_ink(job, done))
                out.setdefault(done.number, []).append(done)

        with ThreadPoolExecutor(max_workers=threads) as pool:
            pending = []
            for job in jobs():
                pending.append((pool.submit(_read_any, job), job))
                while len(pending) > threads:  # bound memory: few rendered pages in flight
                    collect(pending.pop(0))
            for item in pending:
                collect(item)
    finally:
        doc.close()
    return out


def survey(path: Path, password: str = "") -> list[PageSurvey]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path), password=password or None)
    try:
        result = []
        for index in range(len(doc)):
            page = doc[index]
            try:
                result.append(survey_page(page, index + 1))
            finally:
                page.close()
        return result
    finally:
        doc.close()


# ----------------------------------------------------------------------------- text


@dataclass
class PageText:
    """OCR words laid out as page text: ``text[i]`` has box ``char_boxes[i]`` (None for the
    spaces and line breaks between words) and confidence ``confidence[i]``."""

    text: str
    char_boxes: list[Box | None] = field(default_factory=list)
    confidence: list[float | None] = field(default_factory=list)


def page_text(words: Iterable[OcrWord], keep: Callable[[OcrWord], bool] | None = None) -> PageText:
    """Words joined by spaces, lines by line breaks, blocks by a blank line. ``keep`` (word
    -> bool) drops words, e.g. those already in the page's text layer."""
    parts: list[str] = []
    boxes: list[Box | None] = []
    conf: list[float | None] = []
    last_line = last_block = None

    def gap(s: str) -> None:
        parts.append(s)
        boxes.extend([None] * len(s))
        conf.extend([None] * len(s))

    for w in words:
        if keep is not None and not keep(w):
            continue
        if not w.text.strip("|¦"):
            continue  # a table's ruling read as a letter: it would split or join cells wrongly
        if last_line is not None:
            gap("\n\n" if w.block != last_block else "\n" if w.line != last_line else " ")
        parts.append(w.text)
        boxes.extend(w.char_boxes)
        conf.extend([w.confidence] * len(w.text))
        last_line, last_block = w.line, w.block
    if parts:
        gap("\n")
    return PageText("".join(parts), boxes, conf)


def span_confidence(confidence: list[float | None], start: int, end: int) -> float | None:
    """The lowest word confidence over text[start:end] (None if no OCR character is in it)."""
    values = [c for c in confidence[start:end] if c is not None]
    return min(values) if values else None


# ----------------------------------------------------------------------------- documents


def read_document(document, path: Path, password: str = ""):
    """``document`` (read from its text layer) with OCR text where the text layer is missing,
    is only an OCR layer, or leaves pictures of text unread. Pages needing OCR are read once
    here; the text travels in the plan, so release and review never OCR again. Without
    tesseract the document comes back as it was (planning sends such pages to review)."""
    import dataclasses

    from .geometry import BoxIndex
    from .model import OcrInfo

    try:
        surveys = {s.number: s for s in survey(path, password)}
    except Exception:  # noqa: BLE001 - pdfium cannot open what pdfminer read: no OCR, pages stay as read
        return document
    need = {n: s for n, s in surveys.items() if s.kind and n <= len(document.pages)}
    if not need or not available():
        return document
    regions = {n: [i.box for i in s.text_images()] for n, s in need.items() if s.kind == "images"}
    try:
        read = ocr_pages(path, sorted(need), password, regions=regions, signatures=True)
    except OcrUnavailable as exc:
        # Tesseract failed or ran out of time on a page: the document is read as if there were
        # no OCR (pages without text go to review; an OCR layer is used as it is).
        log.warning("%s: OCR failed: %s", path.name, exc)
        return document
    pages = list(document.pages)
    for n, s in need.items():
        results = read.get(n, [])
        old = pages[n - 1]
        if s.kind == "images":
            index = BoxIndex((b, None) for b in old.char_boxes if b is not None)

            def new_text(w: OcrWord, index=index) -> bool:
                # A word the text layer already has (text drawn over the picture) is not read
                # twice; a word read with little confidence in a picture is mostly a photo's
                # texture, not text.
                if w.confidence < IMAGE_WORD_CONFIDENCE:
                    return False
                return not any(intersection_area(w.box, b) > 0.3 * area(w.box) for b, _ in index.near(w.box))

            words = [w for r in results for w in r.words]
            extra = page_text(words, keep=new_text)
            if not extra.text.strip():
                continue
            text = old.text + "\n\n" + extra.text
            boxes = list(old.char_boxes) + [None, None] + extra.char_boxes
            conf = [None] * (len(old.text) + 2) + extra.confidence
            covered, dark = old.covered_spans, old.dark_boxes
        else:
            words = [w for r in results for w in r.words]
            extra = page_text(words)
            text, boxes, conf = extra.text, extra.char_boxes, extra.confidence
            covered, dark = [], old.dark_boxes  # spans of the old text mean nothing now
        mean = OcrPage(n, 0, tuple(words)).confidence
        info = OcrInfo(kind=s.kind, dpi=round(results[0].dpi, 1) if results else 0.0,
                       orientation=results[0].orientation if results else 0, confidence=round(mean, 1),
                       char_confidence=tuple(conf), regions=tuple(r.region for r in results if r.region),
                       layer_removed=s.kind == "OCR text layer",
                       signature_ink=tuple(ink for r in results for ink in r.signature_ink))
        pages[n - 1] = dataclasses.replace(old, text=text, char_boxes=boxes, covered_spans=covered,
                                           dark_boxes=dark, ocr=info)
    return dataclasses.replace(document, pages=pages)


def uncertain_regions(page, threshold: float = LOW_CONFIDENCE) -> list[tuple[int, int, Box, float]]:
    """Runs of words on one line read with less than ``threshold`` confidence that could hold
    personal data (a capitalised word or one with digits: a name, a number; handwriting and
    stamps read this way): (start, end, box, lowest confidence)."""
    if page.ocr is None or page.ocr.kind == "images":
        return []  # pictures on text pages keep only words read with confidence
    conf = page.ocr.char_confidence
    text = page.text
    out: list[tuple[int, int, Box, float]] = []
    i, n = 0, len(text)
    run: list[tuple[int, int, float]] = []

    def flush() -> None:
        if run:
            s, e = run[0][0], run[-1][1]
            boxes = [b for b in page.char_boxes[s:e] if b is not None]
            if boxes:
                from .geometry import union

                out.append((s, e, union(boxes), min(c for _, _, c in run)))
        run.clear()

    while i < n:
        if i >= len(conf) or conf[i] is None or text[i].isspace():
            if text[i] == "\n":
                flush()
            i += 1
            continue
        j = i
        while j < n and j < len(conf) and conf[j] is not None and not text[j].isspace():
            j += 1
        word = text[i:j]
        c = conf[i]
        letters = sum(ch.isalpha() for ch in word)
        looks = any(ch.isdigit() for ch in word) and sum(ch.isdigit() for ch in word) >= 2 \
            or (letters >= 3 and word[:1].isupper())
        if c < threshold and looks:
            run.append((i, j, c))
        elif c >= threshold:
            flush()
        i = j
    flush()
    return out


def text_runs_along_x(page) -> bool:
    """Does the page's OCR text run along x in user space (False: up or down the page)?"""
    along_x = along_y = 0
    boxes = page.char_boxes
    for i in range(1, min(len(boxes), len(page.text))):
        a, b = boxes[i - 1], boxes[i]
        if a is None or b is None:
            continue
        dx, dy = abs((b[0] + b[2]) - (a[0] + a[2])), abs((b[1] + b[3]) - (a[1] + a[3]))
        if dx > dy:
            along_x += 1
        elif dy > dx:
            along_y += 1
    return along_x >= along_y


def bands(page, boxes: list[Box], lines: float = 1.0, reach: float = 72.0) -> list[Box]:
    """Windows of the page's text round each box, reaching ``lines`` text lines beyond it on
    either side and ``reach`` points (an inch) along its line before and after it, widened so
    that no line and no word is cut, merged where they meet: what a second reading of a page
    whose only change is these boxes needs to read (a withheld value still readable in the
    release copy can only be where its box was burned)."""
    chars = [b for b in page.char_boxes if b is not None]
    if not chars or not boxes:
        return []
    x0, y0, x1, y1 = (min(b[0] for b in chars) - 12, min(b[1] for b in chars) - 12,
                      max(b[2] for b in chars) + 12, max(b[3] for b in chars) + 12)
    horizontal = text_runs_along_x(page)
    c0, c1, a0, a1 = (1, 3, 0, 2) if horizontal else (0, 2, 1, 3)  # across the lines, along them
    windows: list[list[float]] = []
    for b in boxes:
        line = min(max(b[c1] - b[c0], 8.0), 30.0)  # a box over a whole portion is not one line
        lo, hi = b[c0] - lines * line, b[c1] + lines * line
        start, end = b[a0] - reach, b[a1] + reach
        for _ in range(2):
            near = [c for c in chars if c[c0] < hi and lo < c[c1] and c[a0] < end and start < c[a1]]
            # Never cut through a line of text: take in every character the window touches...
            for c in near:
                lo, hi = min(lo, c[c0]), max(hi, c[c1])
            # ...nor through a word: its letters follow each other closer than a space.
            row = sorted((c for c in chars if c[c0] < hi and lo < c[c1]), key=lambda c: c[a0])
            slack = 0.15 * line
            for c in row:
                if c[a0] < end + slack and c[a1] > end:
                    end = c[a1]
            for c in reversed(row):
                if c[a1] > start - slack and c[a0] < start:
                    start = c[a0]
        pad = 0.3 * line
        windows.append([start - pad, lo - pad, end + pad, hi + pad])
    merged = True
    while merged:  # windows that meet (or nearly) become one
        merged = False
        for i in range(len(windows)):
            for j in range(i + 1, len(windows)):
                p, q = windows[i], windows[j]
                if p[0] <= q[2] + 6 and q[0] <= p[2] + 6 and p[1] <= q[3] + 6 and q[1] <= p[3] + 6:
                    windows[i] = [min(p[0], q[0]), min(p[1], q[1]), max(p[2], q[2]), max(p[3], q[3])]
                    del windows[j]
                    merged = True
                    break
            if merged:
                break
    out = []
    for s_, lo, e, hi in sorted(windows, key=lambda w: (w[1], w[0])):
        box = (s_, lo, e, hi) if horizontal else (lo, s_, hi, e)
        box = (max(box[0], x0), max(box[1], y0), min(box[2], x1), min(box[3], y1))
        if box[2] > box[0] and box[3] > box[1]:
            out.append(box)
    return out


# ----------------------------------------------------------------------------- signatures

# The caption of a signature: "Signature", "Signed", "Sign here", "Signature of applicant",
# "/s/", "X" on a signature line.
_SIGNATURE_LABEL = re.compile(r"^(?:signature|signed|sign|signatory|signat[uv]re|/s/?)[:.,;)]*$", re.IGNORECASE)


def signature_spans(page, threshold: float = LOW_CONFIDENCE) -> list[tuple[int, int, float, str]]:
    """Handwriting by a signature caption on an OCR'd page: words read with less than
    ``threshold`` confidence (OCR reads a signature as a few doubtful marks) to the right of a
    "Signature"/"Signed" caption on its line (up to four inches), or on the line just above
    it (the signature line a caption sits under). (start, end, confidence, caption) of each
    such word; the policy decides (entity SIGNATURE) whether it is withheld as a region."""
    if page.ocr is None or not text_runs_along_x(page):
        return []
    conf = page.ocr.char_confidence
    words = []
    for m in re.finditer(r"\S+", page.text):
        s, e = m.span()
        boxes = [b for b in page.char_boxes[s:e] if b is not None]
        c = [v for v in conf[s:e] if v is not None] if s < len(conf) else []
        if boxes and c:
            words.append((s, e, (min(b[0] for b in boxes), min(b[1] for b in boxes),
                                 max(b[2] for b in boxes), max(b[3] for b in boxes)), min(c), m.group(0)))
    out: dict[tuple[int, int], tuple[int, int, float, str]] = {}
    for ls, le, lb, _, label in words:
        if not _SIGNATURE_LABEL.match(label):
            continue
        h = max(lb[3] - lb[1], 6.0)
        for s, e, b, c, text in words:
            if c >= threshold or s == ls or not any(ch.isalnum() for ch in text) and len(text) < 2:
                continue
            cy = (b[1] + b[3]) / 2
            same_line = lb[1] - 0.3 * h <= cy <= lb[3] + 0.3 * h and lb[2] <= b[0] <= lb[2] + 288
            above = lb[3] < cy <= lb[3] + 3 * h and lb[0] - 72 <= b[0] <= lb[2] + 288 and b[2] >= lb[0] - 36
            if same_line or above:
                out[(s, e)] = (s, e, c, label.rstrip(":.,"))
    return sorted(out.values())


INK_MIN_AREA = 0.004  # square inches of ink: less is a speck, a dot, a stray mark
INK_MIN_WIDTH, INK_MIN_HEIGHT = 0.3, 0.25  # inches: a signature is wider than a tick or a checkbox
INK_REACH = 0.75  # inches: strokes joined to those in a band are followed this far beyond it
INK_WORD_CONFIDENCE = 80.0  # a word read with less by a signature caption or line may be its strokes


def signature_ink(job: "_Job", page: OcrPage) -> tuple[tuple[Box, str], ...]:
    """Pen strokes by a signature caption or on a signature line that OCR read as nothing (or
    as a few marks read with little confidence), in the picture of a page OCR read whole:
    ``(region, what it was found by)``, user space. Where a signature would be comes from
    ``recognizers.signatures.ink_bands`` (right of and above a caption, above a signature
    line); in each band the dark pixels that are not in a word OCR read with confidence are
    the ink; the strokes they belong to are followed out of the band (a signature rises
    above its line). Pages read turned (sideways, upside down) or mapped to the page at an
    angle are not searched."""
    import numpy as np

    from recognizers.signatures import (CLOSING, MAX_CAPTION_WORDS, Anchor, ink_bands, signature_lines)

    m = job.matrix
    if page.orientation % 360 or abs(m.b) > 1e-9 or abs(m.c) > 1e-9 or job.region is not None:
        return ()
    words = [w for w in page.words if w.angle == 0]
    by_line: dict[tuple[int, int], list[OcrWord]] = {}
    for w in words:
        by_line.setdefault((w.block, w.line), []).append(w)
    anchors: list[Anchor] = []
    for ws in by_line.values():
        line_text = " ".join(w.text for w in ws)
        if CLOSING.match(line_text):
            anchors.append(Anchor((min(w.box[0] for w in ws), min(w.box[1] for w in ws),
                                   max(w.box[2] for w in ws), max(w.box[3] for w in ws)), "closing",
                                  f"the closing '{line_text.strip().rstrip(',:.')}'"))
        if len(ws) > MAX_CAPTION_WORDS:
            continue
        for w in ws:
            if _SIGNATURE_LABEL.match(w.text):
                anchors.append(Anchor(w.box, "caption", f"the caption '{w.text.rstrip(':.,;)')}'"))
    if not any(a.kind == "caption" for a in anchors) and not any(a.kind == "closing" for a in anchors):
        return ()
    image = job.image
    arr = np.asarray(image if image.mode == "L" else image.convert("L"))  # type: ignore[attr-defined]
    h_px, w_px = arr.shape
    rules = [m.transform_box((float(x0), float(y0), float(x1), float(y1))) for x0, y0, x1, y1 in (job.hlines or [])]
    lines = signature_lines(rules, anchors)
    page_box = m.transform_box((0.0, 0.0, float(w_px), float(h_px)))
    # Print by a signature reads with confidence; a signature's strokes read as a "word" at
    # times, but hardly ever with more than INK_WORD_CONFIDENCE ("SWAN," at 63 %).
    confident = [w.box for w in words if w.confidence >= INK_WORD_CONFIDENCE and any(ch.isalnum() for ch in w.text)]
    captions = [a for a in anchors if a.kind == "caption"]
    bands = ink_bands(captions + lines, confident, page_box)
    if not bands:
        return ()
    dpi = job.dpi
    inv = m.inverse()
    ink = arr < PAPER_GREY
    # letters OCR read with confidence (and the captions) are text, not a signature
    pad = max(1, int(dpi / 100))
    for b in confident + [a.box for a in captions]:
        x0, y0, x1, y1 = inv.transform_box(b)
        ink[max(0, int(y0) - pad):max(0, int(math.ceil(y1)) + pad), max(0, int(x0) - pad):max(0, int(math.ceil(x1)) + pad)] = False
    # a speck (scanner dust) has no dark neighbour; a stroke has several
    n = np.zeros(ink.shape, np.uint8)
    n[1:] += ink[:-1]
    n[:-1] += ink[1:]
    n[:, 1:] += ink[:, :-1]
    n[:, :-1] += ink[:, 1:]
    ink &= n >= 2
    min_px = INK_MIN_AREA * dpi * dpi
    reach = int(INK_REACH * dpi)
    found: list[tuple[Box, str]] = []
    for band, why in bands:
        bx0, by0, bx1, by1 = (int(v) for v in _clip_px(inv.transform_box(band), w_px, h_px))
        if bx1 <= bx0 or by1 <= by0 or ink[by0:by1, bx0:bx1].sum() < min_px:
            continue
        # follow the strokes out of the band, within reach of it
        wx0, wy0 = max(0, bx0 - reach), max(0, by0 - reach)
        wx1, wy1 = min(w_px, bx1 + reach), min(h_px, by1 + reach)
        window = ink[wy0:wy1, wx0:wx1]
        seed = np.zeros_like(window)
        seed[by0 - wy0:by1 - wy0, bx0 - wx0:bx1 - wx0] = window[by0 - wy0:by1 - wy0, bx0 - wx0:bx1 - wx0]
        for _ in range(4 * reach // 3 + 1):
            grown = seed.copy()
            for k in (1, 2, 3):
                grown[k:] |= seed[:-k]
                grown[:-k] |= seed[k:]
                grown[:, k:] |= seed[:, :-k]
                grown[:, :-k] |= seed[:, k:]
            grown &= window
            if np.array_equal(grown, seed):
                break
            seed = grown
        ys, xs = np.nonzero(seed)
        if len(xs) < min_px:
            continue
        x0, x1, y0, y1 = int(xs.min()), int(xs.max()) + 1, int(ys.min()) + wy0, int(ys.max()) + 1 + wy0
        x0, x1 = x0 + wx0, x1 + wx0
        if (x1 - x0) < INK_MIN_WIDTH * dpi and (y1 - y0) < INK_MIN_HEIGHT * dpi:
            continue
        margin = dpi * 0.04
        box = m.transform_box((max(0.0, x0 - margin), max(0.0, y0 - margin), min(float(w_px), x1 + margin),
                               min(float(h_px), y1 + margin)))
        found.append((box, why))
    # the bands of one signature (right of its caption, above its line) find it more than once
    merged: list[tuple[Box, str]] = []
    for box, why in found:
        for i, (other, first) in enumerate(merged):
            if box[0] <= other[2] and other[0] <= box[2] and box[1] <= other[3] and other[1] <= box[3]:
                merged[i] = ((min(box[0], other[0]), min(box[1], other[1]), max(box[2], other[2]),
                              max(box[3], other[3])), first)
                break
        else:
            merged.append((box, why))
    return tuple(merged)


def _clip_px(box, w: int, h: int) -> tuple[float, float, float, float]:
    return (max(0.0, math.floor(box[0])), max(0.0, math.floor(box[1])), min(float(w), math.ceil(box[2])),
            min(float(h), math.ceil(box[3])))
