"""Field labels of forms and table headers (fields.yaml): which label names which kind of
personal data, and what a value of that kind must look like to be taken.

A label is compared loosely (``label_key``): case, punctuation, spacing, a parenthesised
aside, "No."/"#"/"number" and one typing error in a long label are ignored, so
"Passport No.", "PASSPORT #", "Pasport number" and a header cell wrapped as "Addres"/"s"
all name their field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field as _attribute
from functools import lru_cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class Field:
    entity: str
    shape: str
    label: str  # the label as fields.yaml writes it (for explanations)


# Words that only say "this is a number/identifier of": dropped when comparing labels.
_NUMBER_WORDS = {"no", "nr", "nbr", "num", "number", "numbers", "n", "nº", "n°", "#"}
_ASIDE = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def label_words(text: str) -> list[str]:
    text = _ASIDE.sub(" ", text.lower().replace("’", "'"))
    words = re.findall(r"[^\W_]+(?:'[^\W_]+)?|#", text)
    return [w for w in words if w not in _NUMBER_WORDS]


def label_key(text: str) -> str:
    """"Passport No.:" -> "passport"; "DL #" -> "dl"; "Date of\\nBirth" -> "dateofbirth"."""
    return "".join(label_words(text)).replace("'", "")


# A page asks about the same cells and words again and again (header rows, labels, the words
# before every number): the answers are kept, at most this many per lexicon.
_MEMO = 1 << 14


@dataclass(frozen=True)
class Lexicon:
    fields: dict[str, Field]  # label key -> field
    neutral: frozenset[str]  # label keys of header words with no personal meaning
    longest: int  # words in the longest label
    _memo: dict = _attribute(default_factory=dict, compare=False, repr=False)  # text -> field(text)
    # keys of six letters or more by their first letter, in the order of ``fields``
    _by_initial: dict = _attribute(default_factory=dict, compare=False, repr=False)
    _neutral_memo: dict = _attribute(default_factory=dict, compare=False, repr=False)  # text -> a neutral word?

    def __post_init__(self):
        for k, f in self.fields.items():
            if len(k) >= 6:
                self._by_initial.setdefault(k[0], []).append((k, f))

    def field(self, text: str) -> Field | None:
        """The field ``text`` names, when the whole of it is a label (a trailing colon allowed)."""
        memo = self._memo
        if text in memo:
            return memo[text]
        if len(memo) >= _MEMO:
            memo.clear()
        hit = memo[text] = self._field(text)
        return hit

    def _field(self, text: str) -> Field | None:
        text = text.strip().rstrip(":").strip()
        if not text or len(text) > 48:
            return None
        key = label_key(text)
        if not key:
            return None
        hit = self.fields.get(key)
        if any(ch.isdigit() for ch in text):
            return hit  # "Debtor 1" is a label as written; a value with digits is never mistyped into one
        if hit is None and len(key) >= 6 and key not in self.neutral:
            # a typing error, never in the first letter ("President" is not "Resident")
            hit = next((f for k, f in self._by_initial.get(key[0], ()) if _one_edit(key, k)), None)
        return hit

    def is_label(self, text: str) -> bool:
        """A header word: a field's label or a neutral column name ("Role", "Qty")."""
        if self.field(text) is not None:
            return True
        memo = self._neutral_memo
        if text not in memo:
            if len(memo) >= _MEMO:
                memo.clear()
            key = label_key(text.strip().rstrip(":"))
            memo[text] = bool(key) and key in self.neutral
        return memo[text]


def _one_edit(a: str, b: str) -> bool:
    """Levenshtein distance of at most one, or two neighbours swapped ("adress", "pasport")."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


@lru_cache(maxsize=None)
def lexicon() -> Lexicon:
    data = yaml.safe_load(resources.files(__package__).joinpath("fields.yaml").read_text(encoding="utf-8"))
    fields: dict[str, Field] = {}
    longest = 1
    for item in data.get("fields", []):
        if item["shape"] not in SHAPES:
            raise ValueError(f"fields.yaml: unknown shape {item['shape']!r} for {item['entity']}")
        for label in item["labels"]:
            key = label_key(str(label))
            if key and key not in fields:
                fields[key] = Field(item["entity"], item["shape"], str(label))
                longest = max(longest, len(str(label).split()))
    neutral = frozenset(label_key(str(w)) for w in data.get("neutral", [])) - set(fields)
    return Lexicon(fields, neutral, longest)


PLACEHOLDERS = {"unknown", "unk", "n/a", "na", "none", "nil", "-", "--", "—", "–", "same", "same as above",
                "redacted", "withheld", "not provided", "declined", "refused", "tbd", "?", "x", "see attached",
                "see above", "on file", "pending", "not applicable", "not known", "no", "yes", "null", "blank",
                "vacant", "unoccupied", "empty", "anonymous", "unnamed", "tba", "to be determined", "self"}
_NAME_PARTICLES = {"de", "del", "della", "der", "den", "van", "von", "da", "das", "dos", "di", "du", "la", "le",
                   "bin", "ibn", "al", "el", "y", "st", "mac", "ter", "ten"}


def _digits(value: str) -> int:
    return sum(ch.isdigit() for ch in value)


def _person(value: str) -> bool:
    words = value.replace(",", " ").split()
    if not 1 <= len(words) <= 5 or _digits(value) or "@" in value or len(value) > 60:
        return False
    for w in words:
        w = w.strip(".'’-")
        if not w:
            continue
        if not w[0].isalpha():
            return False
        if not w[0].isupper() and w.lower() not in _NAME_PARTICLES:
            return False
    return True


def _date(value: str) -> bool:
    return 1 <= _digits(value) and len(value) <= 32 and len(value.split()) <= 5


# "$90217865", "S$90217865": a licence number whose letter S OCR read as a dollar sign (or
# as both) -- not an amount, which has fewer digits, a thousands comma or cents.
_OCR_DOLLAR_S = re.compile(r"^[A-Z]{0,2}\$\d{6,}[A-Z0-9]*$")


def _identifier(value: str) -> bool:
    return (_digits(value) >= 2 and len(value) <= 34 and len(value.split()) <= 5
            and ("$" not in value or bool(_OCR_DOLLAR_S.match(value))) and "@" not in value)


# A payment card's number, whole or masked ("4111 1111 1111 1111", "XXXX-XXXX-XXXX-1234",
# "****1234"): digits, separators and mask characters only. Not any value with digits: the
# card label "CC" is also a letter's carbon-copy line ("cc: Records Division, (503) 555-0100").
_CARD_CHARS = re.compile(r"^[\dXx*•·\s.-]+$")


def _card(value: str) -> bool:
    return 4 <= _digits(value) <= 19 and len(value) <= 30 and bool(_CARD_CHARS.match(value))


_PHONE_CHARS = re.compile(r"^[\d\s().+\-/]+(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?$", re.IGNORECASE)


def _phone(value: str) -> bool:
    return 7 <= _digits(value) <= 15 and bool(_PHONE_CHARS.match(value.strip()))


def _address(value: str) -> bool:
    words = value.split()
    return 2 <= len(words) <= 25 and len(value) <= 200 and (_digits(value) > 0 or len(words) >= 3)


def _text(value: str) -> bool:
    return 2 <= len(value) <= 160 and any(ch.isalpha() for ch in value)


SHAPES = {"person": _person, "date": _date, "identifier": _identifier, "card": _card, "phone": _phone,
          "address": _address, "text": _text}
IDENTIFIER_SHAPES = ("identifier", "card")


def fits(field: Field, value: str) -> bool:
    """Does ``value`` look like a value of ``field`` (and not like a placeholder)?"""
    value = " ".join(value.split())
    if not value or value.lower().strip(" .:;,") in PLACEHOLDERS:
        return False
    return SHAPES[field.shape](value)
