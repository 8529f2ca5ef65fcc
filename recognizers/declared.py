"""Recognizers declared as data (patterns.yaml): a pattern, context words, a validator.

Every pattern is compiled with the `regex` module and run with a time limit, so a pattern a
site adds cannot hang a batch on a hostile input; a pattern that times out is skipped for
that text and the skip is logged."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import regex as re
import yaml
from presidio_analyzer import EntityRecognizer

from .common import REGEX_TIMEOUT
from .common import result as _result
from .validators import VALIDATORS

log = logging.getLogger(__name__)


@dataclass
class Declaration:
    name: str
    entity: str
    patterns: list[tuple[re.Pattern, float]]
    context: list[str] = field(default_factory=list)
    context_required: bool = False
    context_score: float = 0.9
    window: int = 30
    validate: str | None = None
    min_score: float = 0.0
    # Try every window: a match may start where another one ends or inside it, and one that
    # fails its validator is tried again shorter, ending at each earlier space or hyphen.
    any_window: bool = False


class DeclaredRecognizer(EntityRecognizer):
    def __init__(self, decl: Declaration):
        self.decl = decl
        super().__init__(supported_entities=[decl.entity], name=decl.name, supported_language="en")
        words = sorted(decl.context, key=len, reverse=True)
        self._context = (re.compile(r"(?<![A-Za-z])(?:" + "|".join(re.escape(w) for w in words) + r")(?![A-Za-z])",
                                    re.IGNORECASE) if words else None)
        # A text without the first word of any context word cannot give a recognizer that
        # requires context a match: its context is looked for in pieces of the text (the
        # sentence before, a header line above, the line before joined with a space), and the
        # first word of a context word, having no space, lies whole inside one such piece.
        firsts = sorted({w.split()[0] for w in words if w.split()}, key=len, reverse=True)
        self._trigger = (re.compile("|".join(re.escape(w) for w in firsts), re.IGNORECASE)
                         if decl.context_required and firsts else None)
        # The same in a few characters before a match: a context word found there holds its
        # first word. Compared in lower case when the words and the text are ASCII, where
        # that is what IGNORECASE compares (beyond ASCII, "ſ" matches "s"; the pattern decides).
        self._firsts = (tuple(w.lower() for w in firsts)
                        if words and all(w.split() for w in words) and all(w.isascii() for w in firsts) else None)

    def load(self) -> None:
        pass

    def _column_header(self, text: str, start: int, end: int, lines: dict | None = None):
        """Context from a table: a header line above, in the same block, with a context word
        over the same columns ("Booking No." above "2023-091801"). ``lines`` caches what each
        line of ``text`` says (by its start) across the matches of one text."""
        if lines is None:
            lines = {}
        line_start = text.rfind("\n", 0, start) + 1
        col0, col1 = start - line_start, end - line_start
        pos = line_start
        for _ in range(40):
            if pos <= 0:
                return None
            prev_start = text.rfind("\n", 0, pos - 1) + 1
            seen = lines.get(prev_start)
            if seen is None:
                line = text[prev_start:pos - 1]
                if not line.strip():
                    seen = lines[prev_start] = _BLANK
                elif len(_COLUMN_GAP.findall(line)) < 2 or any(ch.isdigit() for ch in line):
                    seen = lines[prev_start] = ()  # not a table header line (columns are set apart by spaces)
                else:
                    seen = lines[prev_start] = tuple(self._context.finditer(line, timeout=REGEX_TIMEOUT))
            if seen is _BLANK:
                return None
            for w in seen:
                if w.start() <= col1 + 3 and col0 - 3 <= w.end():
                    return w
            pos = prev_start
        return None

    def analyze(self, text, entities, nlp_artifacts=None):
        d = self.decl
        out = []
        seen: set[tuple[int, int]] = set()
        validator = VALIDATORS.get(d.validate) if d.validate else None
        if self._trigger is not None and self._trigger.search(text, timeout=REGEX_TIMEOUT) is None:
            return out  # no context word anywhere, and this recognizer requires one
        lines: dict = {}
        for pattern, score in d.patterns:
            try:
                matches = list(pattern.finditer(text, overlapped=d.any_window, timeout=REGEX_TIMEOUT))
            except TimeoutError:
                log.warning("pattern of %s timed out; skipped for this text", d.name)
                continue
            for m in matches:
                if d.any_window and validator is not None:
                    m = _valid_prefix(pattern, text, m, validator)
                    if m is None:
                        continue
                span = (m.start(), m.end())
                if span in seen or any(s <= span[0] and span[1] <= e for s, e in seen):
                    continue
                if not _whole_token(text, m.start(), m.end()):
                    continue
                before = _context_before(text, m.start(), d.window)
                # No time limit here: ``before`` is two windows long at most and the pattern is
                # escaped words between two lookarounds, which runs in linear time; setting up
                # the limit took twice as long as the search.
                if self._context is None or (self._firsts is not None and before.isascii()
                                             and not any(w in before.lower() for w in self._firsts)):
                    word = None
                else:
                    word = self._context.search(before)
                if word is None and self._context is not None:
                    word = self._column_header(text, m.start(), m.end(), lines)
                if d.context_required and word is None:
                    continue
                if validator is not None and not validator(m.group(0)):
                    continue
                final = max(score, d.context_score) if word is not None else score
                if final < d.min_score:
                    continue
                why = f"{d.name}: pattern" + (f", validated ({d.validate})" if validator else "") + (
                    f", context word '{word.group(0)}'" if word is not None else "")
                seen.add(span)
                out.append(_result(self, d.entity, m.start(), m.end(), final, why))
        return out


def _valid_prefix(pattern, text: str, m, validator):
    """``m``, or the longest match of ``pattern`` from the same start ending at an earlier
    space or hyphen inside it, that passes ``validator`` (None if none does)."""
    if validator(m.group(0)):
        return m
    for end in range(m.end() - 1, m.start(), -1):
        if text[end] in " -\n":
            shorter = pattern.fullmatch(text, m.start(), end)
            if shorter is not None and validator(shorter.group(0)):
                return shorter
    return None


_BLANK = ("blank line",)  # _column_header: a blank line ends the block
_COLUMN_GAP = re.compile(r"\S[ \t]{2,}\S")
_SENTENCE_END = re.compile(r"(?:\d|[A-Za-z]{4,})\.\s|;|\n[ \t]*\n")


def _whole_token(text: str, start: int, end: int) -> bool:
    """A match must not be a piece of a longer number or code ("601" of "601-22-7834")."""
    before = text[start - 1] if start > 0 else " "
    before2 = text[start - 2] if start > 1 else " "
    after = text[end] if end < len(text) else " "
    after2 = text[end + 1] if end + 1 < len(text) else " "
    if before.isalnum() or after.isalnum():
        return False
    if before in "-/." and before2.isalnum():
        return False
    if after in "-/" and after2.isalnum():
        return False
    return True


def _context_before(text: str, start: int, window: int) -> str:
    """Where context words count: the same sentence on the same line; or, for a value that
    opens its line, the end of the line before ("routing number" wrapped before "071000013")."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[max(line_start, start - window):start]
    # (the first line of a text has no line before it: text[:-1] would be all of the text)
    if line_start > 0 and len(text[line_start:start].strip(" \t:#.-")) <= 20:
        prev_start = text.rfind("\n", 0, max(0, line_start - 1)) + 1
        before = text[max(prev_start, line_start - 1 - window):line_start - 1] + " " + before
    return _current_sentence(before)


def _current_sentence(before: str) -> str:
    """The part of ``before`` after the last sentence or line end ("No." and "Lic." are not
    sentence ends)."""
    ends = list(_SENTENCE_END.finditer(before))
    return before[ends[-1].end():] if ends else before


def load_declarations(path: Path | None = None) -> list[Declaration]:
    text = path.read_text(encoding="utf-8") if path else resources.files(__package__).joinpath(
        "patterns.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    decls = []
    for item in data.get("recognizers", []):
        if item.get("validate") and item["validate"] not in VALIDATORS:
            raise ValueError(f"recognizer {item['name']}: unknown validator {item['validate']!r}; "
                             f"known: {', '.join(VALIDATORS)}")
        pats = [(re.compile(p["regex"]), float(p.get("score", 0.5))) for p in item["patterns"]]
        decls.append(Declaration(name=item["name"], entity=item["entity"], patterns=pats,
                                 context=list(item.get("context", [])),
                                 context_required=bool(item.get("context_required", False)),
                                 context_score=float(item.get("context_score", 0.9)),
                                 window=int(item.get("window", 30)), validate=item.get("validate"),
                                 min_score=float(item.get("min_score", 0.0)),
                                 any_window=bool(item.get("any_window", False))))
    return decls


def declared_recognizers(path: Path | None = None) -> list[DeclaredRecognizer]:
    return [DeclaredRecognizer(d) for d in load_declarations(path)]
