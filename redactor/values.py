"""One notion of "the same value", used by every stage that compares values.

A value is a run of letters-and-digits tokens (any script); case, spacing, line breaks and
punctuation between the tokens do not matter: "DOE,  John" is "doe john", and "512-43-7789"
is found as "512 43\\n7789". Allow, deny and requester lists compare ``normalize``d values;
propagation and the deny list find occurrences with ``value_pattern``; the writers scrub and
the verifiers search with ``find_values``, which finds exactly what ``value_pattern`` finds
(plus long numbers written without their separators), so every occurrence verification would
flag is one propagation has withheld.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import regex as re

if TYPE_CHECKING:  # pragma: no cover
    from .model import Plan

_TOKEN = re.compile(r"[^\W_]+")  # letters (any script) and digits
_SEPARATORS = re.compile(r"[\W_]+")

# Portions (classified or unmarked paragraphs) are withheld by position; so is text found under
# an earlier box, which is whatever fragment happened to be covered: neither is propagated nor
# searched for as a value.
PORTION_ENTITIES = frozenset({"CLASSIFIED_PORTION", "UNMARKED_PORTION", "PORTION"})
POSITION_ONLY = PORTION_ENTITIES | {"PRIOR_REDACTION"}

MIN_VALUE_ALNUM = 4  # shorter withheld values are checked by position only
MIN_PORTION_FRAGMENT = 24  # line fragments of withheld portions checked as text


def tokens(value: str) -> list[str]:
    """The letters-and-digits tokens of ``value``, lower case."""
    return _TOKEN.findall(value.lower())


def normalize(value: str) -> str:
    """How allow, deny and requester lists compare: case, spacing, line breaks and
    punctuation ignored ("DOE,  John" == "doe john")."""
    return " ".join(tokens(value))


def value_pattern(value: str) -> re.Pattern | None:
    """A pattern for ``value`` as whole words: any case, and any run of spaces, line breaks or
    punctuation between its tokens ("512-43-7789" also matches "512 43\\n7789")."""
    toks = _TOKEN.findall(value)
    if not toks:
        return None
    body = r"[\W_]+".join(re.escape(t) for t in toks)
    return re.compile(r"(?<![^\W_])" + body + r"(?![^\W_])", re.IGNORECASE)


def find_in(text: str, value: str, timeout: float = 5.0):
    """Every occurrence of ``value`` in ``text`` (regex match objects)."""
    pattern = value_pattern(value)
    return [] if pattern is None else list(pattern.finditer(text, timeout=timeout))


def _alnum(s: str) -> str:
    return _SEPARATORS.sub("", s.lower())


def find_values(text: str, values: list[str]) -> list[str]:
    """The ``values`` present in ``text`` as whole words, whatever the case, spacing, line
    breaks and punctuation between them; numbers of 7+ digits are also found with their
    separators dropped ("512437789")."""
    hits = []
    words = f" {normalize(text)} "
    digits_only = None
    for v in values:
        key = normalize(v)
        if key and f" {key} " in words:
            hits.append(v)
            continue
        d = _alnum(v)
        if len(d) >= 7 and d.isdigit():
            if digits_only is None:
                digits_only = re.sub(r"[\s\-./()]", "", text)
            if re.search(rf"(?<!\d){d}(?!\d)", digits_only):
                hits.append(v)
    return hits


def withheld_values(plan: "Plan") -> list[str]:
    """The strings that must not be found anywhere in the release copy."""
    values: set[str] = set()
    for r in plan.redactions:
        entity = r.decision.finding.entity
        if entity in POSITION_ONLY and entity not in PORTION_ENTITIES:
            continue  # checked by position: no character may remain inside its boxes
        if entity in PORTION_ENTITIES:
            for line in r.text.split("\n"):
                line = " ".join(line.split())
                if len(line) >= MIN_PORTION_FRAGMENT:
                    values.add(line)
        else:
            v = " ".join(r.text.split())
            if sum(ch.isalnum() for ch in v) >= MIN_VALUE_ALNUM:
                values.add(v)
    return sorted(values)
