"""The speed choices of detection change no finding that matters: the parser (disabled) sets
no tag, lemma or person; names in capitals are found from the lines around them as from the
whole page; pages go through nlp.pipe in batches with the same results as one by one."""

from __future__ import annotations

import re

import pytest

from conftest import FIXTURES, RECORDS


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(RECORDS.rglob("*.txt"))] + [
        p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "eval").glob("*.txt"))[:12]]


def test_parser_sets_nothing_detection_reads(texts, settings):
    import spacy

    from redactor.detect import _NOT_IN_NAMES, UNUSED_COMPONENTS

    nlp = spacy.load(settings.model)
    full = list(nlp.pipe(texts))
    with nlp.select_pipes(disable=list(UNUSED_COMPONENTS)):
        fast = list(nlp.pipe(texts))
    for a, b in zip(full, fast):
        # Tags and lemmas (Presidio's context words) are the same. A few parts of speech that
        # the attribute ruler refines with dependency labels differ (SCONJ/ADP, VERB/AUX),
        # never across the line the name filter draws.
        assert [(t.tag_, t.lemma_, t.pos_ in _NOT_IN_NAMES) for t in a] == [
            (t.tag_, t.lemma_, t.pos_ in _NOT_IN_NAMES) for t in b]
        people = lambda d: [(e.start_char, e.end_char) for e in d.ents if e.label_ == "PERSON"]  # noqa: E731
        assert people(a) == people(b)


def test_engine_runs_without_the_parser(settings):
    from redactor.detect import UNUSED_COMPONENTS, analyzer

    nlp = analyzer(settings.model).nlp_engine.nlp["en"]
    assert not set(UNUSED_COMPONENTS) & set(nlp.pipe_names)
    assert {"ner", "tagger", "attribute_ruler", "lemmatizer"} <= set(nlp.pipe_names)


def test_windows_cover_each_run_with_context_and_merge():
    from redactor.detect import _windows

    text = "\n".join(f"line {i}" for i in range(20))
    runs = [m for m in re.finditer(r"line (3|5|15)\b", text)]
    spans = _windows(text, runs, lines=1)
    assert [text[a:b].split("\n") for a, b in spans] == [
        ["line 2", "line 3", "line 4", "line 5", "line 6"], ["line 14", "line 15", "line 16"]]
    first = [m for m in re.finditer(r"line 0\b", text)]
    assert text[slice(*_windows(text, first, lines=2)[0])].split("\n") == ["line 0", "line 1", "line 2"]
    last = [m for m in re.finditer(r"line 19\b", text)]
    assert text[slice(*_windows(text, last, lines=2)[0])].split("\n") == ["line 17", "line 18", "line 19"]


def test_names_in_capitals_same_from_windows_as_from_the_page(settings):
    from redactor import detect as D
    from redactor.model import Page

    engine = D.analyzer(settings.model)
    body = ("The investigator met the complainant at the station and took a statement about the events.\n" * 6)
    page_text = (f"INCIDENT REPORT\nREPORTING OFFICER: PATRICIA NGUYEN\n{body}"
                 f"WITNESS: MARCUS DELGADO\n{body}APPROVED BY LIEUTENANT JAMES O'BRIEN\n")
    page = Page(number=1, text=page_text)
    found = D._caps_names(engine, page)
    whole = D._windows(page_text, list(D._CAPS_RUN.finditer(page_text)), lines=10_000)
    assert whole == [(0, len(page_text))]
    names = {f.text for f in found}
    assert {"PATRICIA NGUYEN", "MARCUS DELGADO"} <= names
    for f in found:
        assert page_text[f.start:f.end] == f.text


def test_context_token_lookup_is_presidios(texts, settings):
    """The context enhancer finds a match's token by bisection: the same token as Presidio's
    walk from the page's first token, for every offset of every text (or the same error)."""
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

    from redactor.detect import _context_enhancer, analyzer

    nlp = analyzer(settings.model).nlp_engine.nlp["en"]
    ours = _context_enhancer()
    assert isinstance(ours, LemmaContextAwareEnhancer)
    for doc in nlp.pipe(texts[:6]):
        indices = [t.idx for t in doc]
        for start in range(0, len(doc.text) + 2, 3):
            try:
                expected = LemmaContextAwareEnhancer._find_index_of_match_token("w", start, doc, indices)
            except ValueError:
                with pytest.raises(ValueError):
                    ours._find_index_of_match_token("w", start, doc, indices)
                continue
            assert ours._find_index_of_match_token("w", start, doc, indices) == expected
