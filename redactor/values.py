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

import functools
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
# A page region a reviewer drew (planfile.add_region) withholds whatever lies under it: by
# position too.
POSITION_ONLY = PORTION_ENTITIES | {"PRIOR_REDACTION", "MANUAL_REGION"}

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


class ValueFinder:
    """One text's tokens, to find many values in it: ``find(v)`` gives the spans that
    ``value_pattern(v).finditer(text)`` matches, in order, without compiling a pattern per
    value (a compile costs a quarter of a millisecond, and a document withholds a hundred
    values). A match of that pattern is a run of whole tokens of the text (its lookarounds
    and separators see to that), each the same length as the value's token and equal to it
    character by character as the regex engine compares them case-insensitively: a text
    character matches a value character when it is one of the value character's cases
    (``regex``'s own case table; tests/test_set_values.py checks both against the pattern)."""

    def __init__(self, text: str):
        self.spans = [m.span() for m in _TOKEN.finditer(text)]
        self.tokens = [text[a:b] for a, b in self.spans]
        self.by_key: dict[str, list[int]] = {}
        for i, t in enumerate(self.tokens):
            self.by_key.setdefault(_case_key(t), []).append(i)

    def find(self, value: str) -> list[tuple[int, int]]:
        toks = _TOKEN.findall(value)
        if not toks:
            return []
        k, tokens, out = len(toks), self.tokens, []
        free = 0  # matches do not overlap: the next starts after the last one's end
        for i in self.by_key.get(_case_key(toks[0]), ()):
            if i < free or i + k > len(tokens):
                continue
            if all(_same_token(toks[j], tokens[i + j]) for j in range(k)):
                out.append((self.spans[i][0], self.spans[i + k - 1][1]))
                free = i + k
        return out


_CASE_CLASS: dict[str, str] = {}


@functools.lru_cache(maxsize=None)
def _cases(ch: str) -> frozenset[int]:
    """The characters the regex engine matches ``ch`` with, ignoring case (V0, Unicode)."""
    from regex import _regex, _regex_core

    return frozenset(_regex.get_all_cases(_regex_core.IGNORECASE | _regex_core.UNICODE, ord(ch))) | {ord(ch)}


def _case_class(ch: str) -> str:
    """The least character of the characters linked to ``ch`` by case (the engine's case
    relation, closed: "i", "I", dotted "İ" and dotless "ı" are one class)."""
    rep = _CASE_CLASS.get(ch)
    if rep is None:
        seen, todo = {ord(ch)}, [ord(ch)]
        while todo:
            for c in _cases(chr(todo.pop())):
                if c not in seen:
                    seen.add(c)
                    todo.append(c)
        rep = _CASE_CLASS[ch] = chr(min(seen))
    return rep


def _case_key(token: str) -> str:
    """Equal for two tokens that may match each other ignoring case (not only for them)."""
    if token.isascii():
        return token.upper()  # an ASCII letter's class is least in its capital
    return "".join(_case_class(ch) for ch in token)


def _same_token(value_token: str, text_token: str) -> bool:
    """Does ``value_token``, ignoring case, match all of ``text_token``?"""
    if len(value_token) != len(text_token):
        return False
    if value_token.isascii() and text_token.isascii():
        return value_token.lower() == text_token.lower()
    return all(a == b or ord(b) in _cases(a) for a, b in zip(value_token, text_token))


# Case folding that never misses what ``value_pattern`` matches: the regex engine's simple
# case folding matches "i" with the Turkish dotted and dotless i, which casefold() keeps apart.
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i"})


class FoldedText:
    """The tokens of some texts (a document's pages), case-folded, to tell cheaply which
    normalised values (``normalize``) cannot occur in them: a release set's values are
    thousands, a document holds a few of them, and a pattern per value per document is the
    cost of a large set."""

    def __init__(self, texts):
        pages = [[t.translate(_FOLD).casefold() for t in _TOKEN.findall(x)] for x in texts]
        self.vocabulary = {t for toks in pages for t in toks}
        self.words = " " + " \n ".join(" ".join(toks) for toks in pages) + " "  # never across pages
        # Neighbouring tokens of a page: a key of several tokens is searched for in ``words``
        # (a scan of the whole document) only when its first two are neighbours somewhere.
        self.pairs = {pair for toks in pages for pair in zip(toks, toks[1:])}

    def may_hold(self, key: str) -> bool:
        """False only when ``value_pattern(v)`` matches in none of the texts, for every ``v``
        whose ``normalize(v)`` is ``key``. ASCII keys are looked up (each character the
        pattern matches folds to the key's); any other key may occur."""
        if not key.isascii() or not key:
            return True
        first, _, rest = key.partition(" ")
        if first not in self.vocabulary:
            return False
        # " a b ... " stands in ``words`` only where tokens a and b are neighbours on a page
        return (not rest or (first, rest.partition(" ")[0]) in self.pairs) and f" {key} " in self.words


def find_in(text: str, value: str, timeout: float = 5.0):
    """Every occurrence of ``value`` in ``text`` (regex match objects)."""
    pattern = value_pattern(value)
    return [] if pattern is None else list(pattern.finditer(text, timeout=timeout))


class Withheld:
    """A value the release copy must not contain. ``str()``, ``repr()`` and ``format()`` say
    where it was withheld (page, redaction id, entity), never what: a withheld value can be
    passed to messages, logs and reports without leaking. ``reveal()`` gives the value to the
    code that must search for it.

    ``allowed`` is how many times its text may legitimately remain: a line of a withheld
    portion that also stands in the kept text elsewhere (an official named in a classified
    paragraph and again in the signature block) may remain that many times; values withheld
    for what they are (names, numbers) allow none."""

    __slots__ = ("_value", "where", "allowed", "_keys")

    def __init__(self, value: str, where: str, allowed: int = 0):
        self._value = value
        self.where = where
        self.allowed = allowed
        self._keys: tuple[str, str] | None = None

    def reveal(self) -> str:
        return self._value

    def search_keys(self) -> tuple[str, str]:
        """What ``find_values`` looks for, made once per value (a verifier searches every
        string of a file for every value): ``normalize(value)`` and ``_alnum(value)``."""
        keys = self._keys
        if keys is None:
            keys = self._keys = (normalize(self._value), _alnum(self._value))
        return keys

    def __str__(self) -> str:
        return f"<withheld: {self.where}>"

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __reduce__(self):  # pickles keep the value (plans and release sets travel to workers)
        return (Withheld, (self._value, self.where, self.allowed))


def reveal(value: "Withheld | str") -> str:
    return value.reveal() if isinstance(value, Withheld) else value


def _alnum(s: str) -> str:
    return _SEPARATORS.sub("", s.lower())


def _count(haystack: str, needle: str) -> int:
    """Occurrences of `` needle `` in `` haystack `` (both padded with spaces), overlaps too."""
    return len(re.findall(f"(?= {re.escape(needle)} )", haystack))


def find_values(text: str, values: list, strict: bool = False) -> list:
    """The ``values`` (strings or ``Withheld``) present in ``text`` as whole words, whatever
    the case, spacing, line breaks and punctuation between them; numbers of 7+ digits are
    also found with their separators dropped ("512437789"). A ``Withheld`` value counts as
    present only when it occurs more often than it is ``allowed`` to (never with ``strict``)."""
    hits = []
    words = f" {normalize(text)} "
    digits_only = None
    for v in values:
        if isinstance(v, Withheld):
            key, d = v.search_keys()
            allowed = 0 if strict else v.allowed
        else:
            key, d = normalize(v), _alnum(v)
            allowed = 0
        if key and f" {key} " in words and (allowed == 0 or _count(words, key) > allowed):
            hits.append(v)
            continue
        if len(d) >= 7 and d.isdigit():
            if digits_only is None:
                digits_only = re.sub(r"[\s\-./()]", "", text)
            if _count_number(digits_only, d) > allowed:
                hits.append(v)
    return hits


def _count_number(text: str, number: str) -> int:
    r"""How many times ``number`` stands in ``text`` with no decimal digit just before or after
    it: what ``re.findall(rf"(?<!\d){number}(?!\d)", text)`` counts (its matches do not
    overlap; ``\d`` is a decimal digit, ``str.isdecimal``), without compiling a pattern per
    number (the verifiers search every withheld number on every string of a copy)."""
    n, size, i = 0, len(number), text.find(number)
    while i >= 0:
        end = i + size
        if (i == 0 or not text[i - 1].isdecimal()) and (end == len(text) or not text[end].isdecimal()):
            n += 1
            i = text.find(number, end)
        else:
            i = text.find(number, i + 1)
    return n


def withheld_values(plan: "Plan") -> list[Withheld]:
    """The values that must not be found anywhere in the release copy, each saying where it
    was withheld (redaction ids are the report's: r1, r2... in plan order).

    Values withheld for what they are (names, numbers, deny-listed terms) are searched for
    everywhere, strictly. A withheld portion is verified by its position (the writer's boxes,
    or its span); its lines are searched for too, but may remain as often as the same line
    stands in the text the plan keeps (``Withheld.allowed``). Text under an earlier box is
    checked by position only."""
    found: dict[str, list] = {}
    kept = _kept_segments(plan)
    for i, r in enumerate(plan.redactions, start=1):
        entity = r.decision.finding.entity
        if entity in POSITION_ONLY and entity not in PORTION_ENTITIES:
            continue  # checked by position: no character may remain inside its boxes
        where = f"page {r.page}, redaction r{i} ({entity})"
        if entity in PORTION_ENTITIES:
            for line in r.text.split("\n"):
                line = " ".join(line.split())
                if len(line) >= MIN_PORTION_FRAGMENT:
                    found.setdefault(line, [where, True])
        else:
            v = " ".join(r.text.split())
            if sum(ch.isalnum() for ch in v) >= MIN_VALUE_ALNUM:
                entry = found.setdefault(v, [where, False])
                entry[1] = False  # also withheld as a value: strict
    out = []
    for v, (where, portion) in sorted(found.items()):
        allowed = 0
        if portion:
            key = normalize(v)
            allowed = sum(_count(f" {normalize(seg)} ", key) for seg in kept) if key else 0
        out.append(Withheld(v, where, allowed))
    return out


def _kept_segments(plan: "Plan") -> list[str]:
    """The text the plan keeps: each page's text outside its withheld spans, in pieces (a
    value never matches across a withheld span)."""
    by_page: dict[int, list[tuple[int, int]]] = {}
    for r in plan.redactions:
        by_page.setdefault(r.page, []).append((r.start, r.end))
    segments = []
    for page in plan.document.pages:
        if page.number in plan.withheld_pages:
            continue
        pos = 0
        for s, e in sorted(by_page.get(page.number, [])):
            if s > pos:
                segments.append(page.text[pos:s])
            pos = max(pos, e)
        segments.append(page.text[pos:])
    return segments
