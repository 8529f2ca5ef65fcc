"""The interface every document format implements.

A format is one module or package under ``redactor/formats/`` with one subclass of
``DocumentFormat`` and one line in ``redactor/formats/__init__.py``'s ``REGISTRY``. The
pipeline never branches on a format: it asks the registry which format a file is (by its
bytes first, its name second) and calls the three operations below.

- ``read``: the document as pages of text (``model.Document``); each ``Page`` is one unit a
  reviewer can point to: a PDF page, a DOCX part (body, a header, footnotes...), an email's
  headers or one body part. ``Page.label`` says which in words. Character boxes are given
  where the format has positions (PDF, OCR), ``None`` elsewhere. Attachments and embedded
  documents come back as ``Document.attachments`` (documents of their own, each read by its
  own format), so detection, policy and set-wide consistency treat them like any document.
- ``write``: the release copy from a ``Plan`` (what to withhold, where, labelled how). It
  returns a ``WriteResult``: notes for the report and what the writer drew (e.g. label boxes),
  which the verifier may use to tell a label from leaked text. A format with attachments gets
  their plans in ``plan.attachments`` and writes them through ``write_attachment``.
- ``verify``: re-read the written copy with code independent of the reader and the writer
  (another extractor, another parser) and return problems. A problem says where (page or
  part, redaction id, entity), never what: withheld values must not reach messages.

Heavy libraries are imported inside the operations, so sniffing a file stays cheap.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Document, Plan
    from ..settings import Settings


@dataclass(frozen=True)
class WriteResult:
    """What a writer reports back: notes for the report, format-specific facts the verifier
    may check against (for PDF: the label boxes drawn on each page), and, when the writer
    placed boxes elsewhere than planned (the PDF glyph-position defence), the plan as written
    (a new plan whose redactions carry ``drawn`` boxes)."""

    notes: tuple[str, ...] = ()
    drawn: Mapping[Any, Any] = field(default_factory=dict)
    plan: "Plan | None" = None


class DocumentFormat(ABC):
    #: short identifier used in plans and reports ("pdf", "text", "docx", "email")
    name: ClassVar[str]
    #: how a person calls it, for messages ("PDF", "Word document (DOCX)")
    description: ClassVar[str]
    #: file name endings this format is usually seen with (a hint, never the only test)
    suffixes: ClassVar[tuple[str, ...]] = ()

    @classmethod
    @abstractmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        """True if the file whose first bytes are ``head`` is in this format."""

    @classmethod
    def mismatch(cls, head: bytes, path: Path) -> str | None:
        """Why a file named like this format (by its suffix) is not in it, or None when the
        name does not claim this format. Only asked after every format's ``sniff`` said no."""
        if path.suffix.lower() in cls.suffixes:
            return f"not {cls.description}: its content does not match its name"
        return None

    @abstractmethod
    def read(self, path: Path, settings: "Settings") -> "Document":
        """Read ``path`` into a Document. Raise ``errors.BadInputError`` with a one-line
        reason for a file that cannot be read."""

    @abstractmethod
    def write(self, plan: "Plan", out_path: Path, settings: "Settings") -> WriteResult:
        """Write the release copy of ``plan.document`` to ``out_path``."""

    @abstractmethod
    def verify(self, plan: "Plan", out_path: Path, written: WriteResult) -> list[str]:
        """Problems found by re-reading ``out_path`` independently; empty if it is clean."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
