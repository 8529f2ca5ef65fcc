"""The speed choices of detection change no finding that matters: the parser (disabled) sets
no tag, lemma or person; names in capitals are found from the lines around them as from the
whole page; pages go through nlp.pipe in batches with the same results as one by one."""

from __future__ import annotations

import functools
import re

import pytest
from hypothesis import given, settings as hsettings, strategies as st, target

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


_CAPS_LINES = ["REPORTING OFFICER: PATRICIA NGUYEN", "WITNESS: MARCUS DELGADO", "FIELD REPORT", "MUST BE APART",
               "APPROVED BY LIEUTENANT JAMES O'BRIEN", "NGUYEN, PATRICIA", "cc: JEAN-PAUL SMITH", "PROBE HEAT",
               "Patricia Nguyen met Marcus Delgado at the station.", "The tenant, John Smith, said so.",
               "From: MARIA GARCIA <m.garcia@example.com>", "TO: ROBERT HALE", "ENROLL IMMEDIATELY", "", "DEAR MS. OKAFOR,",
               "The investigator took a statement about the events.", "SMITH'S GARAGE", "V1 JOHN DOE", "ANNA LEE KIM",
               "Signed: JODI OKAFOR", "Officer Lee spoke with Ana Silva.", "P.M. CST", "LVL CHG",
               "The investigator met the complainant at the station and took a statement about the events."]


@hsettings(max_examples=60, deadline=None)
@given(lines=st.lists(st.sampled_from(_CAPS_LINES), min_size=1, max_size=14))
def test_names_in_capitals_same_with_the_model_only_prefilter(lines, settings):
    """_caps_names looks at a window's model-only results first and runs the full PERSON
    analysis only where one of them passes: the same names as running the full analysis on
    every window, on pages of names in capitals beside the same names in prose, labels,
    headings and sign-offs (which the other PERSON recognizers also read)."""
    from redactor import detect as D
    from redactor.model import Page

    engine = D.analyzer(settings.model)
    page = Page(number=1, text="\n".join(lines))
    fast = D._caps_names(engine, page)
    assert fast == D._caps_names(engine, page, prefilter=False)
    target(float(len(fast)))


def test_names_in_capitals_of_fixture_records_same_with_the_prefilter(texts, settings):
    from redactor import detect as D
    from redactor.model import Page

    engine = D.analyzer(settings.model)
    found = 0
    body = "The investigator met the complainant at the station and took a statement about the events.\n" * 6
    made = f"INCIDENT REPORT\nREPORTING OFFICER: PATRICIA NGUYEN\n{body}WITNESS: MARCUS DELGADO\n{body}"
    for text in texts + [made]:
        page = Page(number=1, text=text)
        fast = D._caps_names(engine, page)
        assert fast == D._caps_names(engine, page, prefilter=False)
        found += len(fast)
    assert found >= 2


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


@hsettings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("aZé\u0301\u00a0 \t\n.-@5'") + ["\U0001f44d", "\U0001f3fd", "\u2603",
                                                                              "\ufb01", "\u0130"]), max_size=60))
def test_token_ends_read_as_a_column_are_presidios(text):
    """The context enhancer's token ends, read from a spaCy Doc's length column, are each
    token's start plus its length as Presidio computes them (len of the token), on texts of
    accents, combining marks, emoji with modifiers, ligatures and every kind of space."""
    import spacy

    from redactor.detect import _token_ends

    doc = spacy.blank("en")(text)
    starts = [t.idx for t in doc]
    assert _token_ends(doc, starts) == [i + len(t) for i, t in zip(starts, doc)]


_CONTEXT_WORDS = sorted({w for d in __import__("recognizers.declared", fromlist=["x"]).load_declarations()
                         for w in d.context})
_VALUES = ["071000013", "548831207", "D123-4567-8901", "E-20417", "KX19 ABF", "2023-091801", "4417 2290 0031",
           "00482913", "20230918042", "36-4182951", "1HGCM82633A004352", "JG 10 37 45 B", "943 476 5919", "A1"]
_GLUE = ["", " ", ": ", " No. ", "  ", "   ", "\n", "\n\n", " - ", "#", " x ", "The ", " was ", "ing "]


@functools.lru_cache(maxsize=1)
def _declared():
    from recognizers.declared import declared_recognizers

    return declared_recognizers()


def _pick(draw_from, i):
    return draw_from[i % len(draw_from)]


@hsettings(max_examples=300, deadline=None)
@given(parts=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 40), st.integers(0, 40), st.booleans()),
                      min_size=1, max_size=12))
def test_declared_context_prefilter_never_drops_a_match(parts):
    """A recognizer that requires a context word skips a text without the first word of any
    of its context words: the same results as reading the text in full, on texts of context
    words (some in capitals, some cut to their first letters), identifiers, spaces, line
    breaks and table gaps in any order."""
    text = ""
    for word_i, glue_i, value_i, variant in parts:
        word = _pick(_CONTEXT_WORDS, word_i)
        word = word.upper() if variant and word_i % 2 else word[: max(1, len(word) - 2)] if variant else word
        text += word + _pick(_GLUE, glue_i) + _pick(_VALUES, value_i) + _pick(_GLUE, glue_i + value_i)
    found = 0
    for rec in _declared():
        if rec._trigger is None:
            continue
        fast = [(r.start, r.end, r.score) for r in rec.analyze(text, None)]
        trigger, rec._trigger = rec._trigger, None
        try:
            full = [(r.start, r.end, r.score) for r in rec.analyze(text, None)]
        finally:
            rec._trigger = trigger
        assert fast == full, rec.name
        found += len(full)
    target(float(found))  # steer towards texts with many matches


_GOLDEN_RECORDS = ["records/police/incident-report-2023-0417.txt", "records/emails/budget-thread.txt",
                   "records/hr/memo-personnel-action.txt", "records/minutes/board-minutes-2023-05.txt",
                   "records/classified/memo-port-security.txt", "eval/police-05-persons-table.txt",
                   "eval/jail-01-roster.txt", "eval/hr-03-benefits.txt", "eval/intl-01-addresses.txt",
                   "eval/procurement-02-travel.txt", "eval/email-03-hr-thread.txt", "eval/minutes-04-public-comment.txt"]


def test_findings_of_fixture_records_are_stable(settings):
    """Every finding (span, entity, score, recognizer, explanation, attributes) on a dozen
    fixture records is the golden one: speed work must change none. A change of what is
    found regenerates it with REDACTOR_UPDATE_GOLDEN=1 (and says why in its commit)."""
    import dataclasses
    import json
    import os
    from pathlib import Path

    from redactor.detect import detect
    from redactor.formats import for_file

    got = {}
    for rel in _GOLDEN_RECORDS:
        path = FIXTURES / rel
        found = detect(for_file(path).read(path, settings), settings)
        got[rel] = [{k: v for k, v in dataclasses.asdict(f).items()} for f in found]
    got = json.loads(json.dumps(got))  # tuples as lists, as read back
    golden = Path(__file__).parent / "golden" / "findings-fixtures.json"
    if os.environ.get("REDACTOR_UPDATE_GOLDEN"):
        golden.write_text("{\n" + ",\n".join(  # one finding a line, for readable diffs
            f"{json.dumps(rel)}: [\n" + ",\n".join(json.dumps(f, ensure_ascii=False, sort_keys=True) for f in got[rel])
            + "]" for rel in _GOLDEN_RECORDS) + "\n}\n", encoding="utf-8")
    expected = json.loads(golden.read_text(encoding="utf-8"))
    for rel in _GOLDEN_RECORDS:
        assert got[rel] == expected[rel], rel


_PHONE_BITS = ["+", "+1 ", "+44 ", "+49 ", "00", "011 ", "0", "1", "(", ")", "-", ".", " ", "/", "ext. ", "x",
               "555", "0123", "12", "4", "2021", "62704", "212", "800", "7946", "20 7946 0958", "30 901820",
               "98765 43210", "11 91234-5678", "03-1234567", "\n", "Tel ", "March 15, ", "$", "%", "a"]


@hsettings(max_examples=300, deadline=None)
@given(parts=st.lists(st.sampled_from(_PHONE_BITS), min_size=1, max_size=16))
def test_phone_matcher_finds_what_phonenumbers_finds(parts):
    """The phone matcher that skips candidates too short to be valid numbers finds exactly
    the numbers phonenumbers' own matcher finds, in every default region of Presidio's
    recognizer, on texts of digit groups, prefixes, separators and extensions."""
    import phonenumbers

    from redactor.detect import _phone_matcher

    text = "".join(parts)
    for region in ("US", "GB", "DE", "FR", "IL", "IN", "CA", "BR", "IM", "AR"):
        expected = [(m.start, m.end, m.number) for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=1)]
        assert [(m.start, m.end, m.number) for m in _phone_matcher()(text, region, leniency=1)] == expected


_PHONE_TEXT_BITS = _PHONE_BITS + ["(212) 555-0147", "212-555-0147", "879-515-3359", "+44 20 7946 0958", "030 901820",
                                   "2023-09-18", "03/15/2024", "15.03.2024", "123-45-6789", "00017-2023", "10:30",
                                   " pm", "pp. 12-15", "ID 4417 2290 0031", "$1,234.56", "b", "Z", "é", "#"]


@hsettings(max_examples=400, deadline=None)
@given(parts=st.lists(st.sampled_from(_PHONE_TEXT_BITS), min_size=1, max_size=20), regions=st.permutations(
    ["US", "GB", "DE", "FR", "IL", "IN", "CA", "BR"]))
def test_phone_recognizer_same_as_presidios_on_phone_like_texts(parts, regions, settings):
    """Presidio's phone recognizer, sped up (the candidates scanned once for all regions, the
    verdict on a candidate remembered across texts by candidate, region and the characters
    either side), gives Presidio's own results and explanations, in Presidio's order, on
    texts of phone numbers, dates, times, identifiers, amounts and letters next to digits,
    whatever the order of its regions (a verdict remembered from an earlier text or region
    must never leak into another)."""
    from redactor.detect import analyzer

    text = "".join(parts)
    rec = next(r for r in analyzer(settings.model).registry.recognizers if r.name == "PhoneRecognizer")
    kept = rec.supported_regions
    rec.supported_regions = tuple(regions)
    try:
        ours = [(r.start, r.end, r.score, r.analysis_explanation.textual_explanation)
                for r in rec.analyze(text, ["PHONE_NUMBER"], None)]
        theirs = [(r.start, r.end, r.score, r.analysis_explanation.textual_explanation)
                  for r in type(rec).analyze(rec, text, ["PHONE_NUMBER"], None)]
    finally:
        rec.supported_regions = kept
    assert ours == theirs, text
    target(float(len(theirs)))


_ADDRESS_BITS = ["www", "www2.", "http://", "https://", "ftp://", ".", "..", "-", "@", "@@", "_", "'", '"', "(", ")",
                 "<", ">", "/", "?x=1", "#", "gov", "com", "co.uk", "org", "example", "a", "J", "3", "e.g.",
                 "U.S.", "\u00e9", "\u00a0", "\u2003", " ", "  ", "\t", "\n", "\r", "\f", "\x1c", ",", ";", ":"]


@hsettings(max_examples=300, deadline=None)
@given(parts=st.lists(st.sampled_from(_ADDRESS_BITS), min_size=1, max_size=24))
def test_url_and_email_read_only_marked_words_same_as_presidios(parts, settings):
    """Presidio's URL and email recognizers, run only on the words that hold a dot before a
    letter or an @ (the rest turned into spaces), find exactly what they find on the whole
    text, on texts of address pieces, quotes, brackets and every kind of space."""
    from redactor.detect import analyzer

    text = "".join(parts)
    engine = analyzer(settings.model)
    for rec in engine.registry.recognizers:
        if rec.name in ("UrlRecognizer", "EmailRecognizer"):
            ours = [(r.start, r.end, r.score, r.analysis_explanation.textual_explanation,
                     r.analysis_explanation.pattern_name) for r in rec.analyze(text, ["URL", "EMAIL_ADDRESS"], None)]
            theirs = [(r.start, r.end, r.score, r.analysis_explanation.textual_explanation,
                       r.analysis_explanation.pattern_name)
                      for r in type(rec).analyze(rec, text, ["URL", "EMAIL_ADDRESS"], None)]
            assert ours == theirs, (rec.name, text)


def test_url_phone_and_email_recognizers_same_as_presidios(texts, settings):
    """Presidio's URL, phone and email recognizers, sped up, give Presidio's results on fixture
    records and on texts made for them."""
    from redactor.detect import analyzer

    engine = analyzer(settings.model)
    recs = [r for r in engine.registry.recognizers if r.name in ("UrlRecognizer", "PhoneRecognizer", "EmailRecognizer")]
    assert len(recs) == 3 and all("analyze" in vars(r) for r in recs)  # all three sped up
    made = ["See www.example.gov/foia or https://records.city.org/x?y=1 today.", "Call +44 20 7946 0958 or (212) 555-0147.",
            "No dots here at all", "Mail j.doe@example.com", "e.g.the end.", "U.S. Dept.", "Tel. 030 901820"]
    found = 0
    for text in texts + made:
        for rec in recs:
            ours = [(r.start, r.end, r.score, r.analysis_explanation.textual_explanation)
                    for r in rec.analyze(text, ["URL", "PHONE_NUMBER", "EMAIL_ADDRESS"], None)]
            theirs = [(r.start, r.end, r.score, r.analysis_explanation.textual_explanation)
                      for r in type(rec).analyze(rec, text, ["URL", "PHONE_NUMBER", "EMAIL_ADDRESS"], None)]
            assert ours == theirs, rec.name
            found += len(ours)
    assert found > 10


def test_fast_attribute_ruler_sets_what_spacys_sets(texts, settings):
    """The attribute ruler matched by look-up gives every token the part of speech,
    morphology, lemma, tag and dependency that spaCy's own Matcher-based ruler gives, on
    fixture records and on words its multi-token and regex patterns are about."""
    import spacy

    from redactor.detect import fast_attribute_ruler

    made = ["Y'all gonna see it, ain't it? Let's go, c'mon. Nothin' is there; I gotta tell you.",
            "There is a man. It is not what they do, does it? I'm here and you're there; we've done it."]
    theirs = spacy.load(settings.model, disable=["parser"])
    ours = spacy.load(settings.model, disable=["parser"])
    fast_attribute_ruler(ours.get_pipe("attribute_ruler"))
    attrs = lambda doc: [(t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_) for t in doc]  # noqa: E731
    for a, b in zip(theirs.pipe(texts + made), ours.pipe(texts + made)):
        assert attrs(a) == attrs(b)
    # its memory holds combinations of tag and the words its patterns name, not every word
    cache = ours.get_pipe("attribute_ruler")._redactor_cache
    size = len(cache)
    new_words = [f"Zorbanek{i} Quillfeather{i} filed form QX-{i * 7919} with Plimmox{i}." for i in range(50)]
    for a, b in zip(theirs.pipe(new_words), ours.pipe(new_words)):
        assert attrs(a) == attrs(b)
    assert len(cache) <= size + 5
    engine_nlp = __import__("redactor.detect", fromlist=["x"]).analyzer(settings.model).nlp_engine.nlp["en"]
    assert getattr(engine_nlp.get_pipe("attribute_ruler"), "_redactor_fast", False)


def test_models_on_numpys_blas_find_what_blis_finds(texts, settings):
    """The engine's spaCy models run their matrix products on numpy's BLAS, one thread per
    process, and find the same entities, tags and lemmas as spaCy's default (BLIS) ops."""
    import spacy
    from threadpoolctl import threadpool_info
    from thinc.api import NumpyOps

    from redactor.detect import analyzer

    nlp = analyzer(settings.model).nlp_engine.nlp["en"]
    for name in ("tok2vec", "ner"):
        ops = {type(node.ops) for node in nlp.get_pipe(name).model.walk()}
        assert ops == {NumpyOps} and not nlp.get_pipe(name).model.ops.use_blis, name
    assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")
    default = spacy.load(settings.model, disable=["parser"])
    assert default.get_pipe("ner").model.ops.use_blis
    read = lambda doc: ([(e.start_char, e.end_char, e.label_) for e in doc.ents],  # noqa: E731
                        [(t.tag_, t.lemma_) for t in doc])
    found = 0
    for a, b in zip(default.pipe(texts), nlp.pipe(texts)):
        assert read(a) == read(b)
        found += len(a.ents)
    assert found > 50


def test_artifacts_are_presidios(texts, settings):
    """Page artifacts read from arrays carry Presidio's own entities, scores, lemmas and
    token offsets."""
    from redactor.detect import analyzer, page_artifacts

    engine = analyzer(settings.model)
    theirs = [a for _, a in engine.nlp_engine.process_batch(texts, "en", batch_size=8)]
    ours = list(page_artifacts(engine, texts))
    assert len(ours) == len(theirs) == len(texts)
    for a, b in zip(ours, theirs):
        assert a.lemmas == b.lemmas and a.tokens_indices == b.tokens_indices
        assert [(e.start_char, e.end_char, e.label_) for e in a.entities] == [
            (e.start_char, e.end_char, e.label_) for e in b.entities]
        assert a.scores == b.scores and a.tokens.text == b.tokens.text
        assert a.keywords == b.keywords and a.nlp_engine is b.nlp_engine
    assert sum(len(a.entities) for a in ours) > 50


def test_fast_lemmatizer_sets_what_spacys_sets(texts, settings):
    """The lemmatizer that reads columns and remembers each (word, part of speech, morphology)
    gives every token spaCy's own lemma, on fixture records and on inflected words."""
    import spacy

    from redactor.detect import analyzer, fast_lemmatizer

    made = ["The officers were running; she had been seen. Children's toys, mice and geese went faster.",
            "He wrote, they write, it is written: better, best, worse. I'm going; we've gone; RUNNING MEN."]
    theirs = spacy.load(settings.model, disable=["parser"])
    ours = spacy.load(settings.model, disable=["parser"])
    fast_lemmatizer(ours.get_pipe("lemmatizer"))
    assert type(ours.get_pipe("lemmatizer")).__call__ is not type(theirs.get_pipe("lemmatizer")).__call__
    lemmas = lambda doc: [(t.text, t.lemma_) for t in doc]  # noqa: E731
    for _ in range(2):  # the second time from its memory
        for a, b in zip(theirs.pipe(texts + made), ours.pipe(texts + made)):
            assert lemmas(a) == lemmas(b)
    engine_nlp = analyzer(settings.model).nlp_engine.nlp["en"]
    assert getattr(engine_nlp.get_pipe("lemmatizer"), "_redactor_fast", False)


def test_detection_leaves_the_vocabulary_as_it_found_it(texts, settings, monkeypatch, tmp_path):
    """detect() runs in a spaCy memory zone: the strings and tokenizer entries a record adds
    (its names, numbers, addresses) are gone once its detection ends, so a worker's memory
    does not grow with the words of a batch; and the findings are those found without the
    zone, record after record (the rule lemmatizer's memory outlives the zone)."""
    import contextlib
    import dataclasses

    import redactor.detect as detect_module
    from redactor.formats import for_file

    engine = detect_module.analyzer(settings.model)
    nlp = engine.nlp_engine.nlp["en"]
    # new words in every made record: a batch's names and numbers are mostly seen once
    made = [f"Interview of Zorbanek Quillfeather-{i}, badge Q{i}X{i * 7919} (call 212-555-01{i:02d}).\n"
            f"Yvandra Plimmox{i} was present. Report RX-{i * 104729}." for i in range(20)]
    records = []
    for i, text in enumerate(texts[:10] + made):
        path = tmp_path / f"record-{i}.txt"
        path.write_text(text, encoding="utf-8")
        records.append(for_file(path).read(path, settings))

    def run():
        return [[dataclasses.astuple(f) for f in detect_module.detect(d, settings)] for d in records]

    detect_module.detect(records[0], settings)  # the pipeline's first-use words
    strings = len(nlp.vocab.strings)
    zoned = run()
    assert len(nlp.vocab.strings) == strings
    assert "Zorbanek" not in nlp.vocab.strings and "Q5X39595" not in nlp.vocab.strings
    zoned_again = run()  # lemmas remembered from the first pass, strings added again
    monkeypatch.setattr(detect_module, "_memory_zone", lambda engine: contextlib.nullcontext())
    plain = run()
    assert "Zorbanek" in nlp.vocab.strings  # without the zone the words stay
    assert zoned == zoned_again == plain
    assert all(zoned[10:])


def test_threads_detect_what_one_thread_detects(texts, settings, tmp_path):
    """Two threads of one process (a Dask worker with two threads) share the pipeline and its
    memory zone; detection holds a lock, so each finds what it finds alone."""
    import dataclasses
    from concurrent.futures import ThreadPoolExecutor

    from redactor.detect import detect
    from redactor.formats import for_file

    records = []
    for i, text in enumerate(texts[:6]):
        path = tmp_path / f"record-{i}.txt"
        path.write_text(text, encoding="utf-8")
        records.append(for_file(path).read(path, settings))
    alone = [[dataclasses.astuple(f) for f in detect(d, settings)] for d in records]
    with ThreadPoolExecutor(max_workers=2) as pool:
        together = list(pool.map(lambda d: [dataclasses.astuple(f) for f in detect(d, settings)], records * 2))
    assert together == alone * 2
