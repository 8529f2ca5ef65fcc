"""Document formats and the registry the pipeline asks.

One line per format, in the order files are sniffed (most specific first). A new format is
one new module or package here plus one line in ``REGISTRY``.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from pathlib import Path

from .base import DocumentFormat, WriteResult

REGISTRY: tuple[str, ...] = (
    "redactor.formats.pdf:PdfFormat",
    "redactor.formats.email:EmailFormat",
    "redactor.formats.email:MboxFormat",
    "redactor.formats.text:TextFormat",
)


@lru_cache(maxsize=None)
def formats() -> tuple[DocumentFormat, ...]:
    out = []
    for spec in REGISTRY:
        module, _, cls = spec.partition(":")
        out.append(getattr(importlib.import_module(module), cls)())
    return tuple(out)


def by_name(name: str) -> DocumentFormat:
    for fmt in formats():
        if fmt.name == name:
            return fmt
    raise KeyError(name)


__all__ = ["DocumentFormat", "WriteResult", "REGISTRY", "formats", "by_name"]
