"""The speed choices of recognizers/fields.py and recognizers/declared.py change no finding:
a label's field kept for its text is the field computed afresh (a mistyped label looked for
among the labels of its first letter finds what the scan of every label finds), and a
declared recognizer's context looked for first as the lower-case first words of its context
words in an ASCII window finds the context the pattern finds."""

from __future__ import annotations

import functools

from hypothesis import given, settings as hsettings, strategies as st, target

from conftest import FIXTURES, RECORDS
from recognizers import fields
from recognizers.fields import _one_edit, label_key

_LABELS = sorted({f.label for f in fields.lexicon().fields.values()})


def _field_plain(lex, text):
    """Lexicon.field as it was: nothing kept, every label scanned for a typing error."""
    text = text.strip().rstrip(":").strip()
    if not text or len(text) > 48:
        return None
    key = label_key(text)
    if not key:
        return None
    hit = lex.fields.get(key)
    if any(ch.isdigit() for ch in text):
        return hit
    if hit is None and len(key) >= 6 and key not in lex.neutral:
        hit = next((f for k, f in lex.fields.items() if len(k) >= 6 and k[0] == key[0] and _one_edit(key, k)), None)
    return hit


def _is_label_plain(lex, text):
    if _field_plain(lex, text) is not None:
        return True
    key = label_key(text.strip().rstrip(":"))
    return bool(key) and key in lex.neutral


@st.composite
def label_like(draw):
    label = draw(st.sampled_from(_LABELS))
    edit = draw(st.sampled_from(["none", "drop", "swap", "change", "insert", "case", "colon", "digit", "long"]))
    i = draw(st.integers(0, max(0, len(label) - 1)))
    letter = draw(st.sampled_from("aeiourstnx#."))
    if edit == "drop":
        label = label[:i] + label[i + 1:]
    elif edit == "swap" and i + 1 < len(label):
        label = label[:i] + label[i + 1] + label[i] + label[i + 2:]
    elif edit == "change":
        label = label[:i] + letter + label[i + 1:]
    elif edit == "insert":
        label = label[:i] + letter + label[i:]
    elif edit == "case":
        label = label.upper()
    elif edit == "colon":
        label = f"  {label} :"
    elif edit == "digit":
        label += " 2"
    elif edit == "long":
        label = (label + " ") * 6
    return label


@hsettings(max_examples=500, deadline=None)
@given(st.lists(label_like(), min_size=1, max_size=6))
def test_kept_fields_are_fresh_fields(texts):
    lex = fields.lexicon()
    for text in texts + texts:  # the second time from what was kept
        assert lex.field(text) == _field_plain(lex, text)
        assert lex.is_label(text) == _is_label_plain(lex, text)


def test_kept_fields_are_bounded_and_right_after_clearing(monkeypatch):
    lex = fields.Lexicon(dict(fields.lexicon().fields), fields.lexicon().neutral, fields.lexicon().longest)
    monkeypatch.setattr(fields, "_MEMO", 8)
    texts = [f"{label} " * (k % 3 + 1) for k, label in enumerate(_LABELS[:40])] + ["Adress", "Pasport No."]
    for text in texts * 2:
        assert lex.field(text) == _field_plain(lex, text)
        assert lex.is_label(text) == _is_label_plain(lex, text)
        assert len(lex._memo) <= 8 and len(lex._neutral_memo) <= 8


# ------------------------------------------------------------------------- declared recognizers

@functools.lru_cache(maxsize=1)
def _declared():
    from recognizers.declared import declared_recognizers

    return declared_recognizers()


def _both(rec, text):
    fast = [(r.start, r.end, r.score, r.analysis_explanation.textual_explanation) for r in rec.analyze(text, None)]
    firsts, rec._firsts = rec._firsts, None
    try:
        plain = [(r.start, r.end, r.score, r.analysis_explanation.textual_explanation)
                 for r in rec.analyze(text, None)]
    finally:
        rec._firsts = firsts
    return fast, plain


_CONTEXT = sorted({w for rec in _declared() for w in rec.decl.context})
_VALUES = ["071000013", "548831207", "D123-4567-8901", "E-20417", "KX19 ABF", "2023-091801", "4417 2290 0031",
           "00482913", "20230918042", "36-4182951", "1HGCM82633A004352", "JG 10 37 45 B", "943 476 5919", "A1",
           "123-45-6789", "4111 1111 1111 1111"]
_GLUE = ["", " ", ": ", " No. ", "  ", "   ", "\n", "\n\n", " - ", "#", " x ", "The ", " was ", "ing ", "ſ", "K",
         "é ", ". ", "; "]


@hsettings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_CONTEXT), st.sampled_from(["as is", "upper", "title", "cut", "none"]),
                          st.sampled_from(_GLUE), st.sampled_from(_VALUES), st.sampled_from(_GLUE)),
                min_size=1, max_size=10))
def test_context_first_words_find_what_the_pattern_finds(parts):
    text = ""
    for word, how, glue, value, glue2 in parts:
        word = {"as is": word, "upper": word.upper(), "title": word.title(), "cut": word[:-2], "none": ""}[how]
        text += word + glue + value + glue2
    found = 0
    for rec in _declared():
        fast, plain = _both(rec, text)
        assert fast == plain, rec.name
        found += len(plain)
    target(float(found))


def test_context_first_words_on_records():
    texts = [p.read_text(encoding="utf-8") for p in sorted(RECORDS.rglob("*.txt"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "eval").glob("*.txt"))]
    for text in texts:
        for rec in _declared():
            fast, plain = _both(rec, text)
            assert fast == plain, rec.name
