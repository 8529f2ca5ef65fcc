"""find_values takes a Withheld value's search keys made once per value (issue #14: a PDF
verifier searches every string of a copy for every value): it finds what the search that
makes them on every call finds, for withheld values and plain strings, strict or not,
called again and again with the same values."""

from __future__ import annotations

from hypothesis import given, settings as hsettings, strategies as st

from redactor.values import Withheld, _alnum, _count, _count_number, find_values, normalize, reveal

import regex as re

ALPHABET = "aAiIkKsS\u0130\u0131\u212a\u00df\u03c3\u03c2 -.,/()\n_0123456789"


def plain_find_values(text: str, values: list, strict: bool = False) -> list:
    """find_values as it was: every value's keys made on every call."""
    hits = []
    words = f" {normalize(text)} "
    digits_only = None
    for v in values:
        raw = reveal(v)
        key = normalize(raw)
        allowed = 0 if strict or not isinstance(v, Withheld) else v.allowed
        if key and f" {key} " in words and (allowed == 0 or _count(words, key) > allowed):
            hits.append(v)
            continue
        d = _alnum(raw)
        if len(d) >= 7 and d.isdigit():
            if digits_only is None:
                digits_only = re.sub(r"[\s\-./()]", "", text)
            if _count_number(digits_only, d) > allowed:
                hits.append(v)
    return hits


_value = st.text(alphabet=ALPHABET, max_size=14) | st.sampled_from(["512-43-7789", "5124377890", "Kim Lee"])


@hsettings(max_examples=400, deadline=None)
@given(texts=st.lists(st.text(alphabet=ALPHABET, max_size=60), min_size=1, max_size=4),
       values=st.lists(st.tuples(_value, st.integers(0, 2), st.booleans()), min_size=1, max_size=6),
       strict=st.booleans())
def test_search_keys_made_once_find_what_the_plain_search_finds(texts, values, strict):
    texts = texts + [" and ".join(v for v, _, _ in values)]  # texts that hold the values too
    withheld = [Withheld(v, f"r{i}", allowed) if w else v for i, (v, allowed, w) in enumerate(values)]
    for text in texts + texts:  # the keys are made by the first call and reused after
        assert [id(v) for v in find_values(text, withheld, strict)] == [
            id(v) for v in plain_find_values(text, withheld, strict)]
