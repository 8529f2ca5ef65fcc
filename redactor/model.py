"""The data that flows between stages.

``Document`` (pages of text with character boxes) -> ``Finding`` (detect) -> ``Decision``
(policy) -> ``Plan`` (what will be withheld, with boxes) -> release copy + ``DocumentResult``.
Each stage takes the previous stage's objects and returns new ones: findings, decisions,
redactions and plans are frozen (change one with ``dataclasses.replace``; never edit the
lists or dicts they hold in place). A plan is plain data that can be written out, reviewed
and applied later.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .geometry import Box


class Status(str, enum.Enum):
    REDACTED = "redacted"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    NEEDS_REVIEW = "needs_review"
    WITHHELD = "withheld"  # withheld in full by policy: listed in the report, not written


class Action(str, enum.Enum):
    REDACT = "redact"  # withhold the span
    WITHHOLD_PORTION = "withhold_portion"  # withhold the portion the finding governs
    WITHHOLD_PAGE = "withhold_page"  # replace the page by a placeholder naming the exemption
    WITHHOLD_DOCUMENT = "withhold_document"  # release nothing of the document
    MASK = "mask"  # withhold all but the last few characters ("***-**-6789")
    PSEUDONYMISE = "pseudonymise"  # withhold, labelled with a consistent pseudonym ("Person 3")
    FLAG = "flag"  # release, but a reviewer must look at it
    KEEP = "keep"


WITHHOLDING_ACTIONS = {Action.REDACT, Action.WITHHOLD_PORTION, Action.WITHHOLD_PAGE,
                       Action.WITHHOLD_DOCUMENT, Action.MASK, Action.PSEUDONYMISE}


@dataclass(frozen=True, slots=True)
class OcrInfo:
    """How a page's text was read by OCR (see ocr.py)."""

    kind: str  # why: "no text layer", "OCR text layer" (replaced), "images" (pictures of text)
    dpi: float
    orientation: int  # degrees the text was turned in the picture (Tesseract OSD)
    confidence: float  # mean word confidence, 0-100
    char_confidence: tuple[float | None, ...]  # per character of Page.text (None: not OCR text)
    regions: tuple[Box, ...] = ()  # the image regions read, for kind "images"
    layer_removed: bool = False  # the page had an invisible OCR layer of its own
    # Pen strokes OCR read as nothing by a signature caption or on a signature line
    # (ocr.signature_ink): (region in user space, what it was found by, in words).
    signature_ink: tuple[tuple[Box, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Picture:
    """An image a page draws: where (PDF: its box in user space; DOCX: (0, 0, width, height)
    in points, the picture itself), its size in pixels, and the SHA-256 of its data (PDF: the
    image stream as pdfminer decodes it; DOCX: the image part's bytes), which verification
    looks for in the release copy when the picture is withheld."""

    box: Box
    pixels: tuple[int, int] = (0, 0)
    sha256: str = ""
    # Formats without positions (DOCX): the text round the picture where it is drawn -- its
    # own paragraph, and the nearest non-empty paragraphs before (nearest first) and after.
    own: str = ""
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()


@dataclass(slots=True)
class Page:
    """One page of extracted text.

    ``char_boxes[i]`` is the box of ``text[i]`` in PDF default user space, or ``None`` for
    characters the extractor inserted (line breaks, spaces between words). ``char_boxes`` is
    ``None`` for formats without positions (text, DOCX, email): their redactions have no boxes.
    """

    number: int  # 1-based
    text: str
    char_boxes: list[Box | None] | None = None
    width: float = 0.0
    height: float = 0.0
    rotation: int = 0
    has_text_layer: bool = True
    image_count: int = 0
    # Text offsets of characters drawn under an opaque dark box already in the input (an
    # earlier "redaction" that left the text in place), and those boxes.
    covered_spans: list[tuple[int, int]] = field(default_factory=list)
    dark_boxes: list[Box] = field(default_factory=list)
    # Where this text lives, in a reviewer's words, for formats whose units are not pages
    # ("body", "header 1", "comments", "From/To/Cc headers"); empty for PDF pages.
    label: str = ""
    ocr: OcrInfo | None = None  # set when (part of) the text was read by OCR
    # PDF pages: the images drawn on the page, and the thin horizontal rules (lines, thin
    # rectangles) it draws -- where signatures are looked for (recognizers/signatures.py).
    pictures: list[Picture] = field(default_factory=list)
    rules: list[Box] = field(default_factory=list)


@dataclass(slots=True)
class Document:
    source: Path
    format: str  # the name of its format in redactor.formats ("pdf", "text", ...)
    pages: list[Page]
    sha256: str
    metadata_values: list[str] = field(default_factory=list)  # Info/XMP strings, for detection
    # Documents inside this one (email attachments, nested messages, embedded files), each
    # read by its own format and treated as a document of its own by every stage.
    attachments: list["Document"] = field(default_factory=list)
    name: str = ""  # an attachment's (sanitised) name inside its parent
    # The engine that read a PDF's text ("pdfminer", the default, or "pdfium"): verification
    # reads the release copy with the other one (formats/pdf/verify.py).
    reader: str = ""

    @property
    def page_count(self) -> int:
        return len(self.pages)


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why Presidio scored a finding as it did, as Presidio's ``AnalysisExplanation`` gives
    it: which recognizer, which pattern, the score before and after context, the context word
    that raised it, and a checksum's verdict."""

    recognizer: str
    pattern_name: str | None = None
    pattern: str | None = None
    original_score: float | None = None
    score: float | None = None
    context_improvement: float = 0.0
    context_words: tuple[str, ...] = ()
    validation: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"recognizer": self.recognizer, "pattern_name": self.pattern_name, "pattern": self.pattern,
                "original_score": self.original_score, "score": self.score,
                "context_improvement": self.context_improvement, "context_words": list(self.context_words),
                "validation": self.validation}


@dataclass(frozen=True, slots=True)
class Finding:
    """Something a recognizer found: a span of one page's text, or a region of the page
    (``region``). ``explanation`` is the readable reason; ``analysis`` Presidio's structured
    explanation, when Presidio found it."""

    page: int
    start: int
    end: int
    text: str
    entity: str
    score: float
    recognizer: str
    explanation: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    analysis: Explanation | None = None
    # A place on the page rather than text (a signature's picture, pen strokes OCR read as
    # nothing): the rectangle in default user space that is withheld whatever lies in it. Such
    # a finding has no text span (``start == end == 0``, ``text`` empty); see ``is_region``.
    region: Box | None = None

    @property
    def is_region(self) -> bool:
        return self.region is not None


@dataclass(frozen=True, slots=True)
class Decision:
    """What the policy decided for one finding, and why."""

    finding: Finding
    action: Action
    rule: str
    exemptions: list[str]
    reason: str
    needs_review: bool = False
    propagated: bool = False  # found by propagating a value withheld elsewhere
    keep_last: int = 0  # MASK: characters left visible at the end
    pseudonym: str | None = None  # PSEUDONYMISE: the label shown instead of the value


@dataclass(frozen=True, slots=True)
class Redaction:
    """One withheld span of one page, with the boxes that cover it in the release copy."""

    page: int
    start: int
    end: int
    text: str
    boxes: list[Box]  # where the withheld text is in the source
    decision: Decision
    # Where the boxes are drawn in the release copy; they differ from ``boxes`` when the
    # glyph-position defence gave a box a standard width and moved the text after it.
    drawn: list[Box] | None = None

    @property
    def release_boxes(self) -> list[Box]:
        return self.drawn if self.drawn is not None else self.boxes

    @property
    def label(self) -> str:
        codes = "; ".join(self.decision.exemptions)
        return f"{self.decision.pseudonym} {codes}" if self.decision.pseudonym else codes


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything the release copy must withhold. The application stage does exactly this."""

    document: Document
    redactions: list[Redaction]
    kept: list[Decision]
    policy_name: str
    review_reasons: list[str] = field(default_factory=list)
    withheld_pages: dict[int, Decision] = field(default_factory=dict)  # page -> why
    withheld_document: Decision | None = None
    relpath: str = ""  # the document's path in the release set
    attachments: list["Plan"] = field(default_factory=list)  # plans of document.attachments, in order

    @property
    def needs_review(self) -> bool:
        return bool(self.review_reasons) or any(r.decision.needs_review for r in self.redactions)


@dataclass(slots=True)
class DocumentResult:
    source: Path
    output: Path | None
    status: Status
    format: str = ""
    pages: int = 0
    input_sha256: str = ""
    output_sha256: str = ""
    redactions: list[Redaction] = field(default_factory=list)
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    withheld_pages: list[int] = field(default_factory=list)
    withheld_by: Decision | None = None  # the decision that withheld the whole document
    # Results of the documents inside this one (email attachments...), all levels, in order;
    # the report lists each as a document of its own.
    attachments: list["DocumentResult"] = field(default_factory=list)
    kept: list[Decision] = field(default_factory=list)  # findings released, and why
    ocr_pages: list[dict] = field(default_factory=list)  # per OCR'd page: kind, dpi, confidence
    # Set when an earlier run's release of the same input, policy, settings and plan is kept
    # instead of written again: when that release was made.
    unchanged_since: str | None = None
    # The final plan's digest (manifest.plan_digest), when the run keeps a manifest.
    plan_sha256: str = ""
    # Seconds per stage and peak memory of the worker that produced it (pipeline.take_stats).
    stats: dict = field(default_factory=dict)
    # Where each page is, in words (Page.label: "body", "header 1"...), for formats whose
    # units are not pages; empty strings (or no entry) for PDF pages.
    page_labels: list[str] = field(default_factory=list)
    # Offsets of the line breaks of each page's text, so the report can say on which line a
    # span is without giving its character offsets (those would tell a withheld value's length).
    page_breaks: list[tuple[int, ...]] = field(default_factory=list)


def line_breaks(text: str) -> tuple[int, ...]:
    """The offsets of the line breaks of ``text`` (DocumentResult.page_breaks)."""
    return tuple(m.start() for m in re.finditer("\n", text))
