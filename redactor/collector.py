"""Python's cyclic garbage collector, held off while one page is read or written.

Reading a PDF page makes a few objects per character (pdfminer's characters, their boxes,
the lines holding them), and rewriting one a few per glyph (where each is drawn, its box),
all alive until the page is done: every collection their allocations set off walks all of
them and frees none. What does form cycles (the reader's nested functions, a content walk
and the glyph runs it keeps) is collected after the page, as the collector runs again
then. Nothing read or written depends on when garbage goes. (A worker's collector
thresholds are set once by ``pipeline.tune_gc``.)
"""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def collector_paused():
    """The collector off inside the block, on again after it (also when the block raises);
    left as it is when the caller already had it off."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
