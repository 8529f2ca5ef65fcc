"""Detection: Presidio (predefined recognizers + ours) on each page, plus the document-level
marking parser. Produces ``Finding``s; deciding what to do with them is policy.py's job.

One AnalyzerEngine per process, built on first use and reused for every document. Fully
offline: the spaCy pipeline comes from an installed package, and tldextract (used by
Presidio's email recognizer) is pinned to the public-suffix snapshot it ships.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from dataclasses import dataclass, replace

import regex

from .model import Document, Explanation, Finding
from .settings import Settings

log = logging.getLogger(__name__)

# Presidio recognizers left out: catch-all patterns that fire on ordinary codes and numbers in
# records ("H1", "D3", any 9 digits) -- issue #3 replaces them with context-bound ones.
EXCLUDED_RECOGNIZERS = {"UsLicenseRecognizer", "UsPassportRecognizer", "UsBankRecognizer",
                        "MedicalLicenseRecognizer", "NhsRecognizer"}

# spaCy label -> entity. ORG/NORP/GPE are detected so the policy can *keep* them explicitly.
NER_MAPPING = {"PERSON": "PERSON", "PER": "PERSON", "NORP": "NRP", "FAC": "LOCATION",
               "LOC": "LOCATION", "GPE": "LOCATION", "ORG": "ORGANIZATION", "DATE": "DATE_TIME",
               "TIME": "DATE_TIME"}

_engine = None
_engine_model: str | None = None
_lock = threading.Lock()


def _offline_tldextract() -> None:
    """Make tldextract use its bundled public-suffix snapshot: no download, no cache write."""
    import tldextract
    import tldextract.tldextract as tx

    tx.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None,
                                             fallback_to_snapshot=True)


analyzer_builds = 0  # how many times this process built the engine (once per worker: tests)


def analyzer_built(model: str) -> bool:
    """Is this process's AnalyzerEngine for ``model`` built already?"""
    return _engine is not None and _engine_model == model


def analyzer(model: str):
    """The process-wide AnalyzerEngine for ``model`` (built once)."""
    global _engine, _engine_model
    with _lock:
        if _engine is not None and _engine_model == model:
            return _engine
        _offline_tldextract()
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        from recognizers.personal import custom_recognizers

        logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
        _one_blas_thread()
        try:
            with _numpy_blas():
                nlp_engine = _nlp_engine(NlpEngineProvider, model)
        except OSError as exc:
            from .errors import UsageError

            raise UsageError(f"spaCy pipeline '{model}' is not installed ({exc}); "
                             "install it as a package or set --model / REDACTOR_MODEL") from None
        _disable_unused_components(nlp_engine)
        from recognizers.names import set_known_words

        for nlp in getattr(nlp_engine, "nlp", {}).values():
            set_known_words(nlp.vocab.strings)  # before any record adds its words
        registry = RecognizerRegistry(supported_languages=["en"])
        registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp_engine)
        for name in EXCLUDED_RECOGNIZERS:
            try:
                registry.remove_recognizer(name)
            except Exception:  # not present in this Presidio version
                pass
        _speed_up_predefined(registry)
        _model_names_without_verbs(registry)
        for rec in custom_recognizers():
            registry.add_recognizer(rec)
        _engine = _engine_class(AnalyzerEngine)(nlp_engine=nlp_engine, registry=registry, supported_languages=["en"],
                                                context_aware_enhancer=_context_enhancer())
        _engine_model = model
        global analyzer_builds
        analyzer_builds += 1
        return _engine


def _nlp_engine(NlpEngineProvider, model: str):
    """Presidio's spaCy engine for ``model``, with our entity mapping and ignored labels."""
    return NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": model}],
        "ner_model_configuration": {
            "model_to_presidio_entity_mapping": NER_MAPPING,
            "low_confidence_score_multiplier": 0.4,
            "low_score_entity_names": [],
            "labels_to_ignore": ["CARDINAL", "EVENT", "LANGUAGE", "LAW", "MONEY", "ORDINAL",
                                 "PERCENT", "PRODUCT", "QUANTITY", "WORK_OF_ART"],
        },
    }).create_engine()


def _numpy_blas():
    """Build spaCy's models on thinc's numpy ops without BLIS: their matrix products then go to
    numpy's BLAS (OpenBLAS). The BLIS that thinc bundles picks its generic C kernels on CPUs its
    build does not know (AMD Zen 3 and 4: this project's EPYC), where it runs 4 to 7 times
    slower than OpenBLAS; tok2vec took 8 CPU s of the bench's 300 pages, now 3, the NER 14, now
    10. The entities, tags and lemmas are the same (tests/test_detect_speed.py). The NER's
    greedy decoding, written in Cython, still calls BLIS for its small per-step products."""
    from thinc.api import use_ops

    return use_ops("numpy", use_blis=False)


def _one_blas_thread() -> None:
    """One BLAS thread per process: a worker is one core's work (`--jobs` sets how many), and
    OpenBLAS would otherwise start a thread per core in each worker."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def _engine_class(base):
    """Presidio's AnalyzerEngine, handing each recognizer its own results for its context
    step in one pass over the results: Presidio filters every result once per recognizer
    (forty of them), twice. The results come out in the same order (by recognizer)."""
    from presidio_analyzer import EntityRecognizer, RecognizerResult

    key = RecognizerResult.RECOGNIZER_IDENTIFIER_KEY

    class Engine(base):
        def _enhance_using_context(self, text, raw_results, nlp_artifacts, recognizers, context=None):
            own: dict = {}
            for r in raw_results:
                own.setdefault(r.recognition_metadata[key], []).append(r)
            results = []
            for recognizer in recognizers:
                mine = own.get(recognizer.id, [])
                if type(recognizer).enhance_using_context is not EntityRecognizer.enhance_using_context:
                    mine = recognizer.enhance_using_context(  # a recognizer with a context step of its own
                        text=text, raw_recognizer_results=mine,
                        other_raw_recognizer_results=[r for r in raw_results if r.recognition_metadata[key] != recognizer.id],
                        nlp_artifacts=nlp_artifacts, context=context)
                results.extend(mine)
            return self.context_aware_enhancer.enhance_using_context(
                text=text, raw_results=results, nlp_artifacts=nlp_artifacts, recognizers=recognizers, context=context)

    return Engine


class _Results(list):
    """One analysis' results, as Presidio's context enhancer copies them before raising
    scores: each result, its metadata and its explanation copied (an explanation two results
    share stays shared), instead of a deep copy of everything they reach (a tenth of the
    analysis). The results are the recognizers' own, made for this text."""

    def __deepcopy__(self, memo):
        import copy

        out = []
        for r in self:
            c = copy.copy(r)
            c.recognition_metadata = dict(r.recognition_metadata) if r.recognition_metadata is not None else None
            e = r.analysis_explanation
            if e is not None:
                if id(e) not in memo:
                    memo[id(e)] = copy.copy(e)
                c.analysis_explanation = memo[id(e)]
            out.append(c)
        return out


def _context_enhancer():
    """Presidio's context enhancer (its defaults), finding the token at a match's start by
    bisection over the page's token ends, computed once per page: Presidio walks the page's
    tokens from the first for every match, which made context a sixth of detection."""
    import bisect

    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

    class ContextEnhancer(LemmaContextAwareEnhancer):
        _ends: tuple = (None, [])  # (the page's tokens, the end offset of each token)

        def enhance_using_context(self, text, raw_results, nlp_artifacts, recognizers, context=None):
            return super().enhance_using_context(text, _Results(raw_results), nlp_artifacts, recognizers, context)

        def _find_index_of_match_token(self, word, start, tokens, tokens_indices):
            if self._ends[0] is not tokens:
                self._ends = (tokens, _token_ends(tokens, tokens_indices))
            ends = self._ends[1]
            # Presidio's answer: the first token that starts at ``start`` or ends after it.
            first = bisect.bisect_right(ends, start)
            for i in range(bisect.bisect_left(ends, start), first):
                if tokens_indices[i] == start:  # an empty token at ``start``
                    return i
            if first < len(ends):
                return first
            raise ValueError("Did not find word '" + word + "' in the list of tokens although it "
                             "is expected to be found")

    return ContextEnhancer()


def _token_ends(tokens, starts) -> list[int]:
    """The end offset of each token (its start plus its length): for a spaCy Doc, the
    lengths read as one column (a Token object made per word is a tenth of context)."""
    if hasattr(tokens, "to_array") and len(tokens):
        from spacy.attrs import LENGTH

        return [i + n for i, n in zip(starts, tokens.to_array(LENGTH).tolist())]
    return [i + len(t) for i, t in zip(starts, tokens)]


def _speed_up_predefined(registry) -> None:
    """Presidio's URL and phone recognizers, with the same results, faster: the URL patterns
    are not run on a text where no URL can match, and the phone matcher does not parse a
    candidate with too few digits to be a valid number (tests/test_detect_speed.py compares
    both with Presidio's own on generated and fixture texts)."""
    import types

    for rec in registry.recognizers:
        regexes = [p.regex for p in getattr(rec, "patterns", [])]
        if type(rec).__name__ == "UrlRecognizer" and regexes and all(
                _URL_TLD_AFTER_DOT in r for r in regexes):
            rec.analyze = types.MethodType(_url_analyze, rec)
        elif type(rec).__name__ == "EmailRecognizer" and regexes and all("[@]" in r for r in regexes):
            rec.analyze = types.MethodType(_email_analyze, rec)  # every match holds an @
        elif type(rec).__name__ == "PhoneRecognizer":
            rec.analyze = types.MethodType(_phone_analyze, rec)


def _model_names_without_verbs(registry) -> None:
    """The model's PERSON results without those that hold a verb, adverb or function word
    (``_function_words``), dropped inside its recognizer: Presidio's de-duplication, which
    runs after every recognizer, drops a result of another recognizer that lies inside a
    model result with a score as high. Dropped later, the model's "Recipient Zedær Badær"
    (its "Zedær" tagged a verb) took the name-structure recognizer's "Zedær Badær" with it."""
    import types

    for rec in registry.recognizers:
        if type(rec).__name__ == "SpacyRecognizer":
            rec.analyze = types.MethodType(_spacy_analyze, rec)


def _spacy_analyze(self, text, entities, nlp_artifacts=None):
    results = type(self).analyze(self, text, entities, nlp_artifacts)
    tokens = getattr(nlp_artifacts, "tokens", None)
    if tokens is None:
        return results
    return [r for r in results if not (r.entity_type == "PERSON" and _function_words(tokens, r.start, r.end))]


# Every match of Presidio's URL patterns holds a letter, digit, dot or hyphen, a dot, then the
# first letter of a top-level domain: a text without that sequence has no URL. (A letter
# matched case-insensitively is still a word character.)
_URL_DOT = re.compile(r"[\w.\-]\.\w")


_URL_TLD_AFTER_DOT = "[a-z0-9.\\-]{1,253}[.](?:(?:com)|"  # what _URL_DOT relies on in Presidio's patterns


_AT = re.compile("@")
_SEPARATORS = " \t\n\r"


def _only_words_with(text: str, mark: re.Pattern) -> str | None:
    """``text`` with every word (a run of characters other than space, tab and line breaks)
    in which ``mark`` is not found turned into spaces: same length, so offsets hold; None when
    no word is left. Presidio's URL and email patterns match no space, tab or line break and
    every match holds its mark, so they find the same matches in what is left, at the same
    offsets, without trying every position of the page (the URL pattern backtracks through
    each word)."""
    spans: list[tuple[int, int]] = []
    for m in mark.finditer(text):
        if spans and m.start() < spans[-1][1]:
            continue  # in the word already kept
        start = max(text.rfind(c, 0, m.start()) for c in _SEPARATORS) + 1
        ends = [e for e in (text.find(c, m.end()) for c in _SEPARATORS) if e >= 0]
        spans.append((start, min(ends) if ends else len(text)))
    if not spans:
        return None
    out = [" " * spans[0][0]]
    for i, (a, b) in enumerate(spans):
        out.append(text[a:b])
        out.append(" " * ((spans[i + 1][0] if i + 1 < len(spans) else len(text)) - b))
    return "".join(out)


def _email_analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
    words = _only_words_with(text, _AT) if "@" in text else None
    if words is None:
        return []
    return type(self).analyze(self, words, entities, nlp_artifacts, regex_flags)


def _url_analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
    words = _only_words_with(text, _URL_DOT)
    if words is None:
        return []
    return type(self).analyze(self, words, entities, nlp_artifacts, regex_flags)


def _phone_analyze(self, text, entities, nlp_artifacts=None):
    """Presidio's PhoneRecognizer.analyze (presidio-analyzer 2.2), with _PhoneMatcher."""
    import phonenumbers
    from phonenumbers.phonenumberutil import NumberParseException
    from presidio_analyzer import EntityRecognizer

    results = []
    searches: dict = {}  # the candidates' scan, shared by the regions (it does not depend on one)
    for region in self.supported_regions:
        for match in _phone_matcher()(text, region, leniency=self.leniency, searches=searches):
            try:
                parsed_number = phonenumbers.parse(text[match.start:match.end])
                region = phonenumbers.region_code_for_number(parsed_number)
                results += [self._get_recognizer_result(match, text, region, nlp_artifacts)]
            except NumberParseException:
                results += [self._get_recognizer_result(match, text, region, nlp_artifacts)]
    return EntityRecognizer.remove_duplicates(results)


_PHONE_MATCHER = None
_UNSEEN = object()
# phonenumbers' verdict on a candidate (the number it reads, or None), by (candidate, region,
# leniency, character before, character after): pages and documents repeat dates, years,
# amounts and form numbers. Emptied when it reaches _VERIFIED_MAX entries: a generated
# five-page record adds about 330, at about 230 bytes each, so 100,000 entries made a worker
# grow by 23 MB over a 3,000-page batch (tracemalloc); 10,000 hold a few dozen records.
_VERIFIED: dict = {}
_VERIFIED_MAX = 10_000


def _phone_matcher():
    """phonenumbers' PhoneNumberMatcher, refusing without parsing a candidate with fewer
    letters and digits than the shortest valid number it could be parsed to (9 in 10 of the
    candidates on a page: years, days, house numbers, amounts), remembering its verdict on a
    candidate (``_VERIFIED``), and scanning a text for candidates once for all the regions
    it is read in (``searches``: one dict per text)."""
    global _PHONE_MATCHER
    if _PHONE_MATCHER is not None:
        return _PHONE_MATCHER
    from phonenumbers import Leniency, PhoneMetadata, PhoneNumberMatch, PhoneNumberMatcher, country_code_for_region
    from phonenumbers.phonenumbermatcher import _PATTERN, _SECOND_NUMBER_START_PATTERN
    from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE, REGION_CODE_FOR_NON_GEO_ENTITY

    def metadata(cc, region):
        if region == REGION_CODE_FOR_NON_GEO_ENTITY:
            return PhoneMetadata.metadata_for_nongeo_region(cc)
        return PhoneMetadata.metadata_for_region(region)

    def shortest(md):  # the shortest national number valid in md's region (0: no bound)
        lengths = [n for n in md.general_desc.possible_length if n > 0] if md.general_desc else []
        return min(lengths) if lengths else 0

    def added(md):  # digits a national-prefix transform rule can add ("1624\1": 4)
        rule = md.national_prefix_transform_rule or ""
        return sum(ch.isdigit() for ch in re.sub(r"\\\d|\$\d", "", rule))

    # parse() strips and rewrites a national number with the metadata of the region it is read
    # in (the default region, or the first region of the number's country code when it comes
    # with + or an international prefix); it is valid only at a length its region allows.
    shortest_in = {cc: min(shortest(m) for m in (metadata(cc, r) for r in regions) if m is not None)
                   for cc, regions in COUNTRY_CODE_TO_REGION_CODE.items()}
    floor_any = min(shortest_in[cc] - added(metadata(cc, regions[0]))
                    for cc, regions in COUNTRY_CODE_TO_REGION_CODE.items())
    floors: dict[str, int] = {}

    def floor(region: str) -> int:
        if region not in floors:
            md = PhoneMetadata.metadata_for_region(region)
            cc = country_code_for_region(region)
            idd = str(md.international_prefix or "") if md is not None else ""
            floors[region] = (floor_any if md is None or cc not in shortest_in or (idd and idd[0] != "0")
                              else max(floor_any, shortest_in[cc] - added(md)))
        return floors[region]

    class _PhoneMatcher(PhoneNumberMatcher):
        def __init__(self, text, region, leniency=Leniency.VALID, max_tries=65535, min_candidate_length=1,
                     searches: dict | None = None):
            super().__init__(text, region, leniency, max_tries, min_candidate_length)
            self._searches = {} if searches is None else searches

        def _find(self, index):
            """phonenumbers' own, the pattern's search from an index looked up in
            ``searches`` (the same text's scan in another region) before it is run."""
            text, searches = self.text, self._searches
            match = searches.get(index, _UNSEEN)
            if match is _UNSEEN:
                m = _PATTERN.search(text, index)
                match = searches[index] = None if m is None else (m.start(), m.end())
            while self._max_tries > 0 and match is not None:
                start = match[0]
                candidate = self._trim_after_first_match(_SECOND_NUMBER_START_PATTERN, text[start:match[1]])
                candidate_len = len(candidate)
                if candidate_len >= self._min_candidate_length:
                    found = self._extract_match(candidate, start)
                    if found is not None:
                        return found
                    self._max_tries -= 1
                index = start + candidate_len
                match = searches.get(index, _UNSEEN)
                if match is _UNSEEN:
                    m = _PATTERN.search(text, index)
                    match = searches[index] = None if m is None else (m.start(), m.end())
            return None

        def _parse_and_verify(self, candidate, offset):
            """phonenumbers' own, its answer remembered: it depends only on the candidate,
            the region, the leniency and the characters either side of the candidate."""
            text = self.text
            after = offset + len(candidate)
            key = (candidate, self.preferred_region, self.leniency, text[offset - 1] if offset > 0 else None,
                   text[after] if after < len(text) else None)
            number = _VERIFIED.get(key, _UNSEEN)
            if number is _UNSEEN:
                number = None
                n = sum(ch.isalnum() for ch in candidate)
                first = next((ch for ch in candidate if ch.isalnum()), "0")
                # With + or a leading 0 (every international prefix of the default regions starts
                # with 0) the number may be of any country; otherwise it is of the default region's.
                international = "+" in candidate or "\uff0b" in candidate or first not in "123456789"
                if n >= (floor_any if international else floor(self.preferred_region)):
                    found = super()._parse_and_verify(candidate, offset)
                    number = None if found is None else found.number
                if len(_VERIFIED) >= _VERIFIED_MAX:
                    _VERIFIED.clear()
                _VERIFIED[key] = number
            return None if number is None else PhoneNumberMatch(offset, candidate, number)

    _PHONE_MATCHER = _PhoneMatcher
    return _PhoneMatcher


# spaCy components that neither Presidio (entities, lemmas for context words) nor our
# filters (part-of-speech tags) read. Measured on en_core_web_sm: the dependency parser is
# a fifth of the pipeline's time and changes no entity, tag or lemma (tests/test_detect_speed.py).
UNUSED_COMPONENTS = ("parser",)
# Pages analysed together through nlp.pipe: faster than one call per page, and memory stays
# bounded by the batch, not the document. A batch is also bounded in characters: spaCy's
# memory grows faster than a batch's size (16 dense pages of a Federal Register issue, 73,000
# characters, took 150 MB more than batches of 4; batches of 2 to 16 generated pages of
# 2,700 characters run at the same speed).
PIPE_BATCH = 16
PIPE_CHARS = 12_000


def _disable_unused_components(nlp_engine) -> None:
    for nlp in getattr(nlp_engine, "nlp", {}).values():
        for name in UNUSED_COMPONENTS:
            if name in nlp.pipe_names:
                nlp.disable_pipe(name)
        if "attribute_ruler" in nlp.pipe_names:
            fast_attribute_ruler(nlp.get_pipe("attribute_ruler"))
        if "lemmatizer" in nlp.pipe_names:
            fast_lemmatizer(nlp.get_pipe("lemmatizer"))


def fast_lemmatizer(lemmatizer) -> None:
    """spaCy's rule lemmatizer, reading a doc's words, parts of speech and morphologies as
    columns and remembering the lemma of each (word, part of speech, morphology): its rules
    read nothing else. spaCy caches by the same key but for base forms (most words), which it
    works out again for every token, through a Token object made per token (a lemmatizer's
    time on the bench's pages: 1.5 CPU s). Other modes (lookup tables) are left as they are."""
    if getattr(lemmatizer, "mode", None) != "rule" or getattr(lemmatizer, "_redactor_fast", False):
        return
    from spacy.attrs import LEMMA, MORPH, ORTH, POS

    base = type(lemmatizer)
    memo: dict = {}

    def __call__(self, doc):
        if not self._validated or self.lemmatize != self.rule_lemmatize:
            return base.__call__(self, doc)
        try:
            columns = doc.to_array([ORTH, POS, MORPH, LEMMA])
            lemmas = columns[:, 3].copy()
            strings = doc.vocab.strings
            for i, (orth, pos, morph, lemma) in enumerate(columns.tolist()):
                if self.overwrite or lemma == 0:
                    key = (orth, pos, morph)
                    found = memo.get(key)
                    if found is None:
                        if len(memo) >= _MEMO_MAX:
                            memo.clear()
                        found = memo[key] = self.lemmatize(doc[i])[0]
                    # added each time: a string first added inside a memory zone (detect) is
                    # gone from the string store once the zone ends
                    lemmas[i] = strings.add(found)
            doc.from_array([LEMMA], lemmas)
            return doc
        except Exception as e:
            self.get_error_handler()(self.name, self, [doc], e)

    lemmatizer.__class__ = type(base.__name__, (base,), {"__call__": __call__, "_redactor_fast": True,
                                                         "__module__": __name__})


# What a one-token pattern of the attribute ruler may test (the token's attributes read as
# one array per document).
_TOKEN_KEYS = ("TAG", "LOWER", "DEP", "IS_SPACE")


def _token_tests(pattern, strings):
    """A one-token Matcher pattern as tests (slot, values, wanted): the token's attribute in
    ``_TOKEN_KEYS`` is (or, for NOT_IN, is not) one of ``values``; None for any other pattern."""
    if not pattern or not pattern[0]:
        return None
    tests = []
    for k, v in pattern[0].items():
        if k not in _TOKEN_KEYS:
            return None
        if isinstance(v, dict) and len(v) == 1 and next(iter(v)) in ("IN", "NOT_IN"):
            op, values = next(iter(v.items()))
            if not all(isinstance(x, str) for x in values):
                return None
            tests.append((_TOKEN_KEYS.index(k), frozenset(strings.add(x) for x in values), op == "IN"))
        elif isinstance(v, (str, bool)):
            tests.append((_TOKEN_KEYS.index(k), frozenset([int(v) if isinstance(v, bool) else strings.add(v)]), True))
        else:
            return None
    return tuple(tests)


def _first_token_test(pattern, strings):
    """What the first token of a Matcher pattern without operators must be: (slot, values,
    regex) for one of its attributes in ``_TOKEN_KEYS`` (a value of ``values``, or a match of
    ``regex``); None when that cannot be said simply."""
    if not pattern or any("OP" in token for token in pattern):
        return None
    for k in ("LOWER", "DEP", "TAG"):  # the most telling first
        v = pattern[0].get(k)
        if isinstance(v, str):
            return (_TOKEN_KEYS.index(k), frozenset([strings.add(v)]), None)
        if isinstance(v, dict) and list(v) == ["IN"] and all(isinstance(x, str) for x in v["IN"]):
            return (_TOKEN_KEYS.index(k), frozenset(strings.add(x) for x in v["IN"]), None)
        if isinstance(v, dict) and list(v) == ["REGEX"] and isinstance(v["REGEX"], str):
            return (_TOKEN_KEYS.index(k), None, re.compile(v["REGEX"]))
    return None


def _may_match(firsts, rows, strings) -> bool:
    """Can any pattern whose first-token test is in ``firsts`` match a document whose tokens'
    (tag, lower, dep, is-space) are ``rows``?"""
    seen: dict[int, set] = {}
    for test in firsts:
        if test is None:
            return True
        slot, values, regex = test
        if slot not in seen:
            seen[slot] = {row[slot] for row in rows}
        if values is not None and not values.isdisjoint(seen[slot]):
            return True
        if regex is not None and any(regex.search(strings[h]) for h in seen[slot]):
            return True
    return False


def fast_attribute_ruler(ruler) -> None:
    """The attribute ruler's matches found without spaCy's Matcher for its one-token patterns
    (all but a few of en_core_web_sm's 179: a tag's part of speech and morphology, a word's
    lemma): they are looked up by the token's (tag, lower-case form, dependency, is-space),
    each such combination matched once per process; the other patterns still go through a
    Matcher of their own. Same matches in the same order, so the same parts of speech,
    morphology and lemmas (tests/test_detect_speed.py)."""
    from spacy.attrs import DEP, IS_SPACE, LOWER, TAG
    from spacy.matcher import Matcher
    from spacy.tokens._retokenize import set_token_attrs

    if getattr(ruler, "_redactor_fast", False):
        return
    strings = ruler.vocab.strings
    simple: list[tuple[int, int, tuple]] = []  # (attribute id, match key, ((slot, value), ...))
    rest = Matcher(ruler.vocab, validate=False)
    firsts: list = []  # for each pattern of ``rest``, what its first token must be (None: anything)
    for i in range(len(ruler.attrs)):
        key = strings.add(str(i))
        patterns = ruler.matcher.get(str(i))[1]
        plain = [tests for tests in (_token_tests(p, strings) if len(p) == 1 and ruler.indices[i] in (0, -1)
                                     else None for p in patterns) if tests is not None]
        if len(plain) == len(patterns):
            simple.extend((i, key, tests) for tests in plain)
        else:
            rest.add(key, patterns)
            firsts.extend(_first_token_test(p, strings) for p in patterns)
    # What a token's (tag, lower-case form, dependency, is-space) matches, per combination:
    # a lower-case form no pattern names is read as -1 (no hash), which every test treats as
    # it treats the form, so the cache holds a bounded number of combinations, not one per
    # word of the batch.
    cache: dict[tuple, tuple] = {}
    lowers = frozenset().union(*(values for _, _, tests in simple for slot, values, _ in tests if slot == 1))
    # the one-token patterns that can match a token with a given tag (most test the tag)
    by_tag: dict[int, list] = {}
    any_tag = []
    for a, k, tests in simple:
        tags = next((values for slot, values, wanted in tests if slot == 0 and wanted), None)
        if tags is None:
            any_tag.append((a, k, tests))
        else:
            for tag in tags:
                by_tag.setdefault(tag, []).append((a, k, tests))

    def match(doc):
        matches = []
        rows = doc.to_array([TAG, LOWER, DEP, IS_SPACE]).tolist()
        for i, (tag, lower, dep, space) in enumerate(rows):
            props = (tag, lower if lower in lowers else -1, dep, space)
            ids = cache.get(props)
            if ids is None:
                ids = cache[props] = tuple(sorted({(a, k) for a, k, tests in by_tag.get(props[0], []) + any_tag
                                                   if all((props[slot] in values) == wanted
                                                          for slot, values, wanted in tests)}))
            matches.extend((a, k, i, i + 1) for a, k in ids)
        if len(rest) and _may_match(firsts, rows, strings):
            matches.extend((int(strings[k]), k, s, e) for k, s, e in rest(doc, allow_missing=True, as_spans=False))
        return sorted(set(matches))

    original_set_annotations = ruler.set_annotations
    merged: dict[tuple, dict] = {}

    def set_annotations(doc, matches):
        """Each token's attributes set once, from the attributes of its matches in their
        order, later ones over earlier ones (as spaCy sets them one match after another)."""
        if any(e - s != 1 or ruler.indices[a] not in (0, -1) for a, _, s, e in matches):
            return original_set_annotations(doc, matches)
        ids: dict[int, list[int]] = {}
        for a, _, s, _ in matches:  # ordered by attribute id
            ids.setdefault(s, []).append(a)
        for i, these in ids.items():
            key = tuple(these)
            attrs = merged.get(key)
            if attrs is None:
                attrs = merged[key] = {}
                for a in these:
                    attrs.update(ruler.attrs[a])
            set_token_attrs(doc[i], attrs)

    ruler.match = match
    ruler.set_annotations = set_annotations
    ruler._redactor_fast = True
    ruler._redactor_cache = cache


def page_artifacts(engine, texts):
    """spaCy's analysis of each text (an iterable), in order, through nlp.pipe in batches of
    at most PIPE_BATCH texts and PIPE_CHARS characters (a longer text alone)."""
    batch: list[str] = []
    size = 0
    for text in texts:
        if batch and (len(batch) >= PIPE_BATCH or size + len(text) > PIPE_CHARS):
            yield from _batch_artifacts(engine.nlp_engine, batch)
            batch, size = [], 0
        batch.append(text)
        size += len(text)
    if batch:
        yield from _batch_artifacts(engine.nlp_engine, batch)


def _batch_artifacts(nlp_engine, batch: list[str]):
    """Presidio's NlpArtifacts of each text of ``batch`` (SpacyNlpEngine.process_batch, which
    also rebuilds each text from its tokens: we do not read it)."""
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    if type(nlp_engine)._doc_to_nlp_artifact is not SpacyNlpEngine._doc_to_nlp_artifact:
        for _, artifacts in nlp_engine.process_batch(batch, "en", batch_size=len(batch)):
            yield artifacts
        return
    for doc in nlp_engine.nlp["en"].pipe(batch, batch_size=len(batch)):
        yield _artifacts(nlp_engine, doc)


def _artifacts(nlp_engine, doc):
    """SpacyNlpEngine._doc_to_nlp_artifact, reading the lemmas and token offsets as one array
    of the doc instead of a Token object per token per list (the same lists:
    tests/test_detect_speed.py)."""
    from presidio_analyzer.nlp_engine import NlpArtifacts
    from spacy.attrs import IDX, LEMMA

    columns = doc.to_array([LEMMA, IDX])
    strings = doc.vocab.strings
    lemmas = [strings[h] for h in columns[:, 0].tolist()]
    entities, scores = nlp_engine._get_updated_entities(nlp_engine._get_entities(doc),
                                                        nlp_engine._get_scores_for_entities(doc))
    # Without the engine, NlpArtifacts skips its keywords (Presidio's set_keywords: a
    # vocabulary look-up per lemma per page); they are set here from the same rule, per word.
    artifacts = NlpArtifacts(entities=entities, tokens=doc, tokens_indices=columns[:, 1].tolist(),
                             lemmas=lemmas, nlp_engine=None, language="en", scores=scores)
    artifacts.nlp_engine = nlp_engine
    artifacts.keywords = _keywords(nlp_engine, lemmas)
    return artifacts


# Both memories are emptied when full: they hold the words of many records (names, numbers:
# most words of a batch are seen once), and a worker's memory must not grow with the batch.
_MEMO_MAX = 20_000


def _keywords(nlp_engine, lemmas: list[str]) -> list[str]:
    """NlpArtifacts.set_keywords(nlp_engine, lemmas, "en"): each lemma that is no stop word,
    no punctuation, not "-PRON-" nor "be", in lower case, split at colons. Whether a word is a
    stop word or punctuation is a property of its lexeme, so it is looked up once per word."""
    memo = nlp_engine.__dict__.setdefault("_redactor_keywords", {})  # lemma -> its keywords
    out: list[str] = []
    for k in lemmas:
        parts = memo.get(k)
        if parts is None:
            if len(memo) >= _MEMO_MAX:
                memo.clear()
            keep = (not nlp_engine.is_stopword(k, "en") and not nlp_engine.is_punct(k, "en")
                    and k != "-PRON-" and k != "be")
            parts = memo[k] = tuple(k.lower().split(":")) if keep else ()
        out.extend(parts)
    return out


@dataclass
class RecognizerInfo:
    name: str
    entities: list[str]
    kind: str


def list_recognizers(settings: Settings) -> list[RecognizerInfo]:
    engine = analyzer(settings.model)
    out = []
    from presidio_analyzer import PatternRecognizer

    for rec in engine.registry.get_recognizers(language="en", all_fields=True):
        decl = getattr(rec, "decl", None)
        if type(rec).__name__ == "SpacyRecognizer":
            kind = "NER"
        elif decl is not None:
            kind = ("validated" if decl.validate and decl.validate != "has_digit" else "pattern") + (
                " + context" if decl.context_required else "")
        elif isinstance(rec, PatternRecognizer):
            overrides = type(rec).validate_result is not PatternRecognizer.validate_result
            kind = "validated" if overrides else "pattern"
        else:
            kind = "validated"
        out.append(RecognizerInfo(rec.name, list(rec.supported_entities), kind))
    out.append(RecognizerInfo("MarkingParser", [
        "CLASSIFICATION_BANNER", "PORTION_MARK", "CLASSIFIED_PORTION", "PORTION", "UNMARKED_PORTION",
        "CLASSIFICATION_AUTHORITY", "CUI_DESIGNATION"], "marking parser"))
    out.append(RecognizerInfo("CapsNameRecognizer", ["PERSON"], "NER"))
    out.append(RecognizerInfo("PriorRedactionDetector", ["PRIOR_REDACTION"], "layout"))
    out.append(RecognizerInfo("SignatureByCaption", ["SIGNATURE"], "OCR confidence by a caption"))
    out.append(RecognizerInfo("SignatureInkByCaption", ["SIGNATURE"], "region: pen strokes by a caption or line"))
    out.append(RecognizerInfo("SignatureImage", ["SIGNATURE"], "region: a picture by a caption, line or block"))
    return out


_ORG_WORDS = {"works", "department", "office", "division", "bureau", "agency", "police", "county",
              "city", "council", "board", "committee", "services", "service", "administration",
              "commission", "authority", "court", "hospital", "university", "school", "district",
              "garage", "operations", "security", "intelligence", "analysis", "fleet", "resources",
              "llc", "inc", "company", "corp", "corporation", "complaints", "housing", "village", "clerk",
              "administrative", "janitorial", "officer", "ministry", "embassy"}
_ROLE_WORDS = {"driver", "witness", "suspect", "victim", "complainant", "officer", "employee", "applicant",
               "requester", "defendant", "plaintiff", "petitioner", "respondent", "director", "chair",
               "secretary", "deputy", "inmate", "patient", "subject", "informant", "source", "member",
               "traveler", "traveller", "minister", "general", "liaison", "det", "vin", "clerk", "trustee",
               "resident", "parent", "manager", "coordinator", "president", "ambassador", "passenger",
               "dob", "ssn", "phone", "address", "email", "tel", "cell", "mobile", "fax", "dear", "hello", "hi",
               "recipient", "addressee", "tenant", "landlord", "sender", "consignee", "cardholder", "beneficiary",
               "caller", "attn", "claimant"}
# Titles of an office before a name ("Senior Planner Oduya", "Commissioner Das"): not part of
# the name; the name is then an official's by recognizers/officials.py. Words that are also
# common given names or surnames (Dean, Major, Judge, Marshal...) are left alone.
_OFFICE_WORDS = {"planner", "engineer", "commissioner", "councilmember", "councillor", "councilor", "mayor",
                 "superintendent", "supervisor", "treasurer", "auditor", "administrator", "attorney", "counsel",
                 "solicitor", "prosecutor", "magistrate", "sheriff", "senator", "governor", "inspector",
                 "investigator", "analyst", "specialist", "lieutenant", "sergeant", "detective", "registrar",
                 "comptroller", "ombudsman", "spokesperson", "examiner", "assessor", "trooper", "chief",
                 "commander", "chairwoman", "chairman", "chairperson", "vice-chair", "alderman", "councilwoman",
                 "councilman", "assemblymember", "assemblyman", "assemblywoman", "congressman", "congresswoman"}
# Role codes of police narratives before a name ("V1", "W2", "RP"): not part of the name.
_ROLE_CODE = re.compile(r"(?:[VWSCPDOR]\d{1,2}|RP|R/P|CW\d{0,2})")
_ORG_LEAD = ("department of ", "office of ", "division of ", "bureau of ", "board of ", "city of ",
             "county of ", "state of ", "ministry of ", "secretary of ")


# Identifiers found by a context-bound or validated recognizer are more specific than the
# generic patterns that also match them (a bank account is not a phone number, an ITIN is not
# an SSN).
_GENERIC = {"PHONE_NUMBER", "US_SSN", "DATE_TIME", "US_BANK_NUMBER", "US_PASSPORT", "US_DRIVER_LICENSE",
            "UK_NHS", "IP_ADDRESS"}
_SPECIFIC_RECOGNIZERS = ("InContext", "Validated", "Luhn")


def _resolve_overlaps(findings: list[Finding]) -> list[Finding]:
    """Drop a generic pattern's finding where a specific recognizer found something else. Of
    two specific findings of different kinds on one value, the one scored higher stays ("SSN
    660-62-5827" on the line above "Passport No. 599263730": the SSN's checks and the
    passport's label both hold; dropping each for the other left the value unfound); at
    equal scores both go, as two readings of a form's cells that contradict each other."""
    specific = [f for f in findings if f.recognizer.endswith(_SPECIFIC_RECOGNIZERS) and f.score >= 0.5]
    specific_ids = {id(f) for f in specific}
    out = []
    for f in findings:
        drop = False
        if f.entity in _GENERIC:
            mine = id(f) in specific_ids
            for s in specific:
                if s is f or s.page != f.page or s.entity == f.entity:
                    continue
                if s.start < f.end and f.start < s.end and (not mine or s.score >= f.score):
                    drop = True
                    break
        if not drop:
            out.append(f)
    return out


_ORG_BEFORE = re.compile(r"\b(?:Inc|LLC|Ltd|Corp|Corporation|Company|Co|Inn|Hotel|Hospital|University|College"
                         r"|Department|Office|Center|Centre|Church|School|Bank|Systems|Services|Agency)\b\.?,?\s*$")


_ORG_ON_LINE = re.compile(r"\b(?:Inc|LLC|Ltd|Corp|Corporation|Company|Inn|Hotel|Motel|Hospital|University"
                          r"|College|Church|School|Bank|Embassy|Consulate|Ministry)\b")


def _lower_if_not_personal(f: Finding, document: Document) -> Finding:
    """Office mailboxes and the addresses of businesses are not personal data: keep the
    finding for the report but below the detection floor."""
    if f.entity == "EMAIL_ADDRESS":
        from recognizers.mailboxes import is_role_mailbox

        if is_role_mailbox(f.text):
            return replace(f, score=min(f.score, 0.3),
                           explanation=f.explanation + "; a role mailbox, not a person's address")
    elif f.entity in ("US_STREET_ADDRESS", "UK_ADDRESS", "STREET_ADDRESS"):
        text = document.pages[f.page - 1].text
        line_start = text.rfind("\n", 0, f.start) + 1
        before = text[max(line_start, f.start - 80):f.start]
        sentence = re.split(r"[.!?]\s", before)[-1]
        from recognizers.officials import PRIVATE_OR_HOME

        if PRIVATE_OR_HOME.search(sentence):
            return f  # "The witness, who works for Acme Widgets Inc., lives at ...": a home
        if _ORG_BEFORE.search(before) or _ORG_ON_LINE.search(sentence):
            return replace(f, score=min(f.score, 0.3), explanation=f.explanation + "; follows an organisation's name")
    return f


FREE_MAIL = {"gmail.com", "googlemail.com", "yahoo.com", "ymail.com", "hotmail.com", "outlook.com", "live.com",
             "msn.com", "aol.com", "icloud.com", "me.com", "mac.com", "protonmail.com", "proton.me",
             "gmx.com", "gmx.net", "mail.com", "zoho.com", "yandex.com", "comcast.net", "att.net",
             "verizon.net", "sbcglobal.net", "btinternet.com", "hotmail.co.uk", "yahoo.co.uk", "sky.com"}
_PERSONAL_PHONE = re.compile(r"\b(?:cell|cellular|mobile|home|personal|private)\b", re.IGNORECASE)
_WORK_PHONE = re.compile(r"\b(?:office|work|desk|main|fax|switchboard|extension|ext|department|my office)\b",
                         re.IGNORECASE)


def _personal_or_work(f: Finding, document: Document) -> Finding:
    """Tell personal from work contact details (attribute ``kind``), so a policy can keep the
    work email and phone of officials acting in office and withhold the rest."""
    if f.entity == "EMAIL_ADDRESS":
        domain = f.text.rsplit("@", 1)[-1].lower().rstrip(".")
        kind = "personal" if domain in FREE_MAIL else "work"
    elif f.entity == "PHONE_NUMBER":
        before = document.pages[f.page - 1].text[max(0, f.start - 40):f.start]
        if _PERSONAL_PHONE.search(before):
            kind = "personal"
        elif _WORK_PHONE.search(before):
            kind = "work"
        else:
            kind = "unknown"
    else:
        return f
    return replace(f, attributes={**f.attributes, "kind": kind})


# A time or a date-time group right after a run of digits: "1699 HOURS", "TOR: 0221212 DEC 94"
# (a cable's time of receipt).
_TIME_AFTER = re.compile(r"(?i)[ \t]*(?:hours|hrs|hr)\b|[ \t]*(?-i:(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)"
                         r"[A-Z]*)[ \t]+\d{2}(?:\d{2})?\b")


def _a_time_not_a_phone(f: Finding, document: Document) -> bool:
    """A bare run of digits that Presidio's phone recognizer reads as a number of some
    country's plan, followed by "HOURS" or by a month and a year in capitals: a time or a
    date-time group, not a phone ("AS OF 1699 HOURS", "TOR: 0221212 DEC 94")."""
    return (f.entity == "PHONE_NUMBER" and f.recognizer == "PhoneRecognizer" and f.text.isdigit()
            and bool(_TIME_AFTER.match(document.pages[f.page - 1].text, f.end)))


_STREET_WORDS = {"street", "st", "avenue", "ave", "road", "rd", "lane", "ln", "drive", "dr", "court", "boulevard",
                 "blvd", "highway", "route", "way", "place", "terrace", "parkway"}


_PO_BOX = re.compile(r"(?i)p\.?[ \t]*o\.?[ \t]*box")


def _not_a_person(f: Finding, document: Document, common: set[str] | None = None) -> bool:
    """Post-filter for NER PERSON hits that are organisations, places, codes or numbers.
    ``common``: the document's lower-case words (_lowercase_words), computed once by the caller."""
    if f.entity != "PERSON":
        return False
    f = _trim_roles(f)
    words = f.text.lower().split()
    if not words or any(ch.isdigit() for ch in f.text) or "@" in f.text or "/" in f.text:
        return True
    if any(w.strip(".,") in _STREET_WORDS for w in words) or _PO_BOX.fullmatch(f.text.strip()):
        return True
    if f.recognizer == "SpacyRecognizer" and len(words) == 1 and f.text.isupper():
        return True  # single capitalised words: codes, acronyms, headings (names in caps: _caps_names)
    if any(w.strip(".,") in _ORG_WORDS for w in words):
        return True
    if len(words) == 1 and words[0].strip(".,:") in _ROLE_WORDS:
        return True
    if _is_field_label(f.text):
        return True  # a form's or a table's label ("Name", "Witness", "Owner phone")
    # A word the same record also uses in lower case is a common word, not a name: "Copy and
    # send" (sentence start), "ENROLL IMMEDIATELY" (a heading in capitals). Only for a single
    # word found by NER, and for names read from capitals, whose every word is used so.
    if common is None:
        common = _lowercase_words(document)
    bare = [w.strip(".,:;'’") for w in words]
    if bare and all(len(w) > 1 and w in common for w in bare) and (
            (f.recognizer == "SpacyRecognizer" and len(bare) == 1)
            or f.recognizer == "CapsNameRecognizer"
            or f.explanation.startswith("LAST, FIRST name in capitals")):
        return True
    if _a_term_of_the_record(f, bare, common):
        return True
    if _a_place_before_its_kind(f, document, bare):
        return True
    before = document.pages[f.page - 1].text[max(0, f.start - 20):f.start].lower()
    before = " ".join(before.split()) + " "
    return any(before.endswith(lead) for lead in _ORG_LEAD)


def _a_term_of_the_record(f: Finding, bare: list[str], common: set[str]) -> bool:
    """A phrase read as a name by the model alone, though no word of it is a given name or a
    surname the lexicon knows, while the record writes one of its words in lower case
    ("Airspeed Unreliable" beside "unreliable airspeed", "AOA DISAGREE" beside "disagree");
    or a lone given name of the lexicon that the record also uses as a common word ("Angle"
    beside "angle of attack"): a term of the record, not a person. Names are not written in
    lower case in running text; both conditions must hold."""
    from recognizers.names import is_given, is_surname

    if f.recognizer in ("SpacyRecognizer", "CapsNameRecognizer") and len(bare) > 1:
        return any(w in common for w in bare) and not any(is_given(w) or is_surname(w) for w in bare)
    return (f.recognizer == "NameStructureRecognizer" and len(bare) == 1 and bare[0] in common
            and f.explanation.startswith("given name (name lexicon)"))


# Kinds of place and works written after a place's name, in lower case ("the Ostrava
# shipyards", "Nordhavn anchorage", "the Kirkuk oilfields").
_PLACE_KIND_AFTER = re.compile(
    r"[ \t]+(?:shipyards?|dockyards?|anchorages?|harbou?rs?|ports?|coast|coastline|archipelago|islands?|isles?"
    r"|straits?|peninsula|estuary|delta|lagoon|reefs?|shoals?|channel|basin|province|region|oblast|prefecture"
    r"|valley|plateau|mountains|highlands|lowlands|desert|oasis|oilfields?|gas ?fields?|refinery|refineries"
    r"|airfields?|airbases?|air base|naval base|garrison|border crossing|checkpoint|pipeline|dam|reservoir)\b")


def _a_place_before_its_kind(f: Finding, document: Document, bare: list[str]) -> bool:
    """A single word the model alone reads as a person, that no name list of the lexicon
    holds, written right before the kind of place it names in lower case ("near the Ostrava
    shipyards", "at Nordhavn anchorage"): the place's name. A word of the lexicon keeps its
    reading ("the Johnson shipyards" may be a family's)."""
    from recognizers.names import is_given, is_surname

    if f.recognizer != "SpacyRecognizer" or len(bare) != 1 or is_given(bare[0], international=True) \
            or is_surname(bare[0]):
        return False
    return bool(_PLACE_KIND_AFTER.match(document.pages[f.page - 1].text, f.end))


def _is_field_label(text: str) -> bool:
    from recognizers.fields import lexicon

    return lexicon().is_label(text)


_EDGE_PUNCT = "\"'()[]{}.,;:!?‘’“”"
def _lowercase_words(document: Document) -> set[str]:
    """Words the document writes in lower case somewhere. Whole running-text words only:
    "delgado" in marcus.delgado78@gmail.com says nothing."""
    return {t for p in document.pages for t in (tok.strip(_EDGE_PUNCT) for tok in p.text.split())
            if len(t) > 1 and t.isalpha() and t.islower()}


def _function_words(tokens, start: int, end: int) -> bool:
    """Does the span hold a verb, adverb or function word (by spaCy's tagger)? Names do not."""
    span = tokens.char_span(start, end, alignment_mode="expand")
    return span is not None and any(t.pos_ in _NOT_IN_NAMES for t in span if not t.is_space)


_NOT_IN_NAMES = {"VERB", "AUX", "ADV", "ADP", "DET", "PRON", "SCONJ", "CCONJ", "PART", "NUM"}
_CAPS_RUN = re.compile(r"\b[A-Z][A-Z'.-]+(?:[ \t]+[A-Z][A-Z'.-]*){1,3}\b")


# Lines of context on each side of a line with capitals that the second NER pass reads.
# spaCy's NER looks a few tokens either way; two or three lines changed no finding on 298
# pages of the shared corpus, eval set and fixtures, at a third of the cost of the whole page.
CAPS_CONTEXT_LINES = 3


def _windows(text: str, runs, lines: int = CAPS_CONTEXT_LINES) -> list[tuple[int, int]]:
    """Merged spans of ``text``: each run's line with ``lines`` lines before and after."""
    spans: list[tuple[int, int]] = []
    for m in runs:
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        for _ in range(lines):
            if start > 0:
                start = text.rfind("\n", 0, start - 1) + 1
            if end < len(text):
                nl = text.find("\n", end + 1)
                end = len(text) if nl < 0 else nl
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


_LEXICON_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _lexicon_word(span: str) -> bool:
    from recognizers.names import is_given, is_surname

    return any(is_given(w) or is_surname(w) for w in _LEXICON_WORD.findall(span) if len(w) > 1)


def _may_name(run: str) -> bool:
    """Can a name the model reads inside this run of capitals pass _caps_names' last test (a
    word of the name lexicon among its words)? A name's words are the run's words, except that
    its first and last may be cut where the model's tokens cut a word: at a hyphen or an
    apostrophe ("JEAN-PAUL", "O'BRIEN", "SMITH'S"), so each part between those is tried too.
    (The tokenizer also splits a few words between letters, "CANNOT"; a name cut there is not
    a name.)"""
    pieces = []
    for w in _LEXICON_WORD.findall(run):
        parts = re.split(r"['’-]", w)
        pieces.extend("".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1))
        pieces.append(w)
    return _lexicon_word(" ".join(pieces))


def _caps_names(engine, page, prefilter: bool = True) -> list[Finding]:
    """Names written in capitals ("PATRICIA NGUYEN", email headers, police forms), which the
    small spaCy model does not recognise: run NER once more on a copy of the page in which
    runs of capitalised words are title-cased (same length, so offsets carry over); only the
    lines around the runs that may hold a name of the lexicon are read again (the model is a
    third of detection: headings such as "FIELD REPORT" are not read twice). ``prefilter``:
    a window's model-only results are looked at first (the full analysis only where one of
    them passes; False: always the full analysis, for tests)."""
    runs = [m for m in _CAPS_RUN.finditer(page.text) if len(m.group(0).split()) <= 4]
    if not runs:
        return []
    chars = list(page.text)
    for m in runs:
        chars[m.start():m.end()] = list(m.group(0).title())
    titled = "".join(chars)
    runs = [m for m in runs if _may_name(m.group(0))]
    if not runs:
        return []
    windows = _windows(titled, runs)
    out = []
    for (ws, we), artifacts in zip(windows, page_artifacts(engine, (titled[a:b] for a, b in windows))):
        ask = dict(text=titled[ws:we], language="en", entities=["PERSON"], return_decision_process=True,
                   nlp_artifacts=artifacts)
        # Only the model's names are kept, and the model's alone keep a superset of them: a
        # window where none of those passes needs no other PERSON recognizer (_spacy_only).
        if prefilter and not any(_caps_finding(r, ws, page, runs) for r in _spacy_only(engine).analyze(**ask)):
            continue
        for r in engine.analyze(**ask):
            f = _caps_finding(r, ws, page, runs)
            if f is not None:
                out.append(f)
    return out


def _caps_finding(r, ws: int, page, runs) -> Finding | None:
    """The name in capitals the model's result ``r`` in the window at ``ws`` stands for, if
    it passes _caps_names' tests."""
    if r.recognition_metadata.get("recognizer_name") != "SpacyRecognizer":
        return None
    start, end = r.start + ws, r.end + ws
    span = page.text[start:end]
    inside = any(m.start() <= start and end <= m.end() for m in runs)
    # A title-cased heading is often tagged as a name; its verbs and function words give it
    # away ("Enroll Immediately", "Must Be Apart"): the model's recognizer drops those
    # (_model_names_without_verbs).
    # Capitals name procedures and parts as often as people ("PROBE HEAT", "LVL CHG",
    # "P.M. CST"): a word of the name lexicon must be among them.
    if inside and len(span.split()) >= 2 and span.isupper() and _lexicon_word(span):
        return Finding(page=page.number, start=start, end=end, text=span, entity="PERSON",
                       score=round(float(r.score) * 0.9, 4), recognizer="CapsNameRecognizer",
                       explanation="name in capitals, recognised by spaCy on a title-cased copy")
    return None


def _spacy_only(engine):
    """An engine like ``engine`` whose only recognizer is its SpacyRecognizer (same NLP
    engine, same context step): its PERSON results hold every SpacyRecognizer result that
    ``engine.analyze(entities=["PERSON"])`` returns, with the same span, score and
    explanation. The context step and the score floor treat each result on its own;
    Presidio's de-duplication then drops a result equal to an earlier one (kept in its place:
    another recognizer's, in the full engine) or inside a kept one of the same entity with a
    score as high; the model's entities never overlap one another, so alone it drops none of
    its own (tests/test_detect_speed.py compares _caps_names with and without it)."""
    alone = getattr(engine, "_redactor_spacy_only", None)
    if alone is None:
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

        spacy_rec = [r for r in engine.registry.recognizers if type(r).__name__ == "SpacyRecognizer"]
        alone = _engine_class(AnalyzerEngine)(
            nlp_engine=engine.nlp_engine, registry=RecognizerRegistry(recognizers=spacy_rec, supported_languages=["en"]),
            supported_languages=["en"], context_aware_enhancer=_context_enhancer(),
            default_score_threshold=engine.default_score_threshold)
        engine._redactor_spacy_only = alone
    return alone


def _analysis(expl, recognizer: str) -> Explanation | None:
    """Presidio's AnalysisExplanation as data (recognizer, pattern, scores, context, checksum)."""
    if expl is None:
        return None

    def num(v):
        return round(float(v), 4) if isinstance(v, (int, float)) else None

    word = getattr(expl, "supportive_context_word", "") or ""
    valid = getattr(expl, "validation_result", None)
    return Explanation(recognizer=getattr(expl, "recognizer", None) or recognizer,
                       pattern_name=getattr(expl, "pattern_name", None) or None,
                       pattern=getattr(expl, "pattern", None) or None,
                       original_score=num(getattr(expl, "original_score", None)),
                       score=num(getattr(expl, "score", None)),
                       context_improvement=num(getattr(expl, "score_context_improvement", 0)) or 0.0,
                       context_words=(word,) if word else (),
                       validation=valid if isinstance(valid, bool) else None)


def _trim_roles(f: Finding) -> Finding:
    """"Helen Cho   Employee" -> "Helen Cho"; "Informant Carlos Mendez" -> "Carlos Mendez":
    a role word next to a name is not part of it (and withholding it hides who the person was
    in the record, which is not exempt)."""
    if f.entity != "PERSON":
        return f
    text, start = f.text, f.start
    parts = text.split()
    while len(parts) > 1 and parts[-1].lower().strip(".,:") in _ROLE_WORDS:
        cut = text.rstrip().rfind(parts[-1])
        text = text[:cut].rstrip()
        parts = text.split()
    while len(parts) > 1 and (parts[0].lower().strip(".,:") in _ROLE_WORDS | _OFFICE_WORDS
                              or _ROLE_CODE.fullmatch(parts[0])):
        cut = text.find(parts[1], len(parts[0]))
        start += cut
        text = text[cut:]
        parts = text.split()
    if text == f.text:
        return f
    return replace(f, start=start, end=start + len(text), text=text)


# Function words of the languages most often met in records beside English. A page where they
# outnumber English function words is not English prose (tables and lists have neither).
_FOREIGN_FUNCTION_WORDS = {
    "de", "la", "le", "les", "des", "du", "et", "pour", "avec", "une", "est", "dans", "au", "aux",
    "qui", "que", "sur", "par", "ce", "cette", "sont", "nous", "vous", "il", "elle",  # French
    "el", "los", "las", "del", "y", "por", "con", "para", "una", "es", "como", "pero", "su",
    "al", "lo", "se", "sus", "muy", "este", "esta",  # Spanish
    "der", "die", "das", "und", "mit", "für", "nicht", "ist", "von", "zu", "den", "dem", "ein",
    "eine",  # German
}


def language_warnings(document: Document, settings: Settings) -> list[str]:
    """Pages that are not in English while the name model is: names there are not reliably
    found (an English model tags ordinary French or Spanish words as people), so a person
    must review the document, or a site runs it with a pipeline for that language."""
    return [f"page {n} does not read as English, the language of the name model "
            f"({settings.model}): names on it were not reliably detected"
            for n in sorted(_foreign_pages(document, settings))]


def _foreign_pages(document: Document, settings: Settings) -> set[int]:
    return _language_of_pages(document, settings)[0]


def _language_of_pages(document: Document, settings: Settings) -> tuple[set[int], int]:
    """(the pages that do not read as English, how many pages had enough words to judge)."""
    if not settings.model.lower().startswith("en"):
        return set(), 0
    from spacy.lang.en.stop_words import STOP_WORDS

    out, judged = set(), 0
    for page in document.pages:
        words = [w.lower() for w in re.findall(r"[^\W\d_]+", page.text)]
        if len(words) < 40:
            continue
        judged += 1
        foreign = sum(w in _FOREIGN_FUNCTION_WORDS for w in words)
        english = sum(w in STOP_WORDS and w not in _FOREIGN_FUNCTION_WORDS for w in words)
        if foreign >= 0.12 * len(words) and foreign > 2 * english:
            out.add(page.number)
    return out, judged


def _foreign_document(document: Document, settings: Settings) -> set[int]:
    """The pages to read as not English: those that do not read as English, and every page
    of a record most of whose pages (of those with enough words to judge) do not (its tables
    and short pages are in the same language)."""
    foreign, judged = _language_of_pages(document, settings)
    if foreign and len(foreign) * 2 >= judged:
        return {p.number for p in document.pages}
    return foreign


# "City of Chelsea", "Municipalité de Chelsea", "County of Kern", "Strait of Hormuz": what follows
# is a place.
_PLACE_OF = regex.compile(r"\b(?:City|Town|Township|Village|County|Borough|Parish|Municipality|Municipalité|Ville"
                       r"|Comté|Municipio|Ciudad|Condado|Gemeinde|Stadt|Province|State|Commonwealth"
                       r"|Strait|Straits|Gulf|Bay|Sea|Isle|Island|Islands|Cape|Port)[ \t]+"
                       r"(?:of|de|du|del|von)(?:[ \t]+|[ \t]*\n[ \t]*)(\p{Lu}[\p{L}'’-]+(?:[ \t]+\p{Lu}[\p{L}'’-]+)?)")
_WEAK_NAME_READERS = {"SpacyRecognizer", "CapsNameRecognizer", "NameStructureRecognizer"}


def _places_elsewhere(findings: list[Finding], markings) -> list[Finding]:
    """The findings without the model's (or a name shape's) PERSON readings inside a classified
    portion of words that the model reads as a place or an organisation elsewhere in the
    record, and never as a person outside the classified portions ("operating out of Isla
    Serrano" in a SECRET paragraph, "near Isla Serrano" read as a place in another). The
    portion is withheld under (b)(1) with every word in it; the reading would only carry the
    words as a withheld name into the paragraphs released, and into the other records of the
    release set."""
    portions: dict[int, list[tuple[int, int]]] = {}
    for m in markings:
        if m.entity == "CLASSIFIED_PORTION":
            portions.setdefault(m.page, []).append((m.start, m.end))
    if not portions:
        return findings

    def inside(f):
        return any(s <= f.start and f.end <= e for s, e in portions.get(f.page, ()))

    def key(f):
        return " ".join(f.text.split()).lower()

    places = {key(f) for f in findings if f.entity in ("LOCATION", "ORGANIZATION")
              and f.recognizer == "SpacyRecognizer"}
    people = {key(f) for f in findings if f.entity == "PERSON" and not inside(f)}
    return [f for f in findings if not (f.entity == "PERSON" and f.recognizer in _WEAK_NAME_READERS
                                        and key(f) in places and key(f) not in people and inside(f))]


def _named_places(document: Document) -> set[str]:
    """Names the record gives to a place by its kind ("City of Chelsea", "Municipalité de
    Chelsea"): read alone elsewhere by the model as a person, they are still the place."""
    return {" ".join(m.group(1).split()).lower() for p in document.pages for m in _PLACE_OF.finditer(p.text)}


def _foreign_phrase(f: Finding, places: set[str] = frozenset()) -> bool:
    """On a page in another language than the model's: a PERSON read by the model or by a
    name's shape that holds a function word of that language or a word in lower case ("de
    la", "la municipalité", "ont eu lieu"), or is one word in letters beyond ASCII
    ("Synthèse"), with no given name or surname of the lexicon in it. (A name with its
    particles, "Jean de la Fontaine", keeps its given name; the page goes to review anyway; a
    place the record names by its kind, ``places``, is no given name.)"""
    if f.entity != "PERSON" or f.recognizer not in ("SpacyRecognizer", "CapsNameRecognizer",
                                                     "NameStructureRecognizer"):
        return False
    from recognizers.names import is_given, is_surname

    words = [w for w in re.split(r"[\s’'-]+", f.text) if w]
    if any(is_given(w) or is_surname(w) for w in words
           if len(w) > 2 and w.lower() not in _FOREIGN_FUNCTION_WORDS and not w[:1].islower()
           and w.lower() not in places):
        return False
    return (any(w.lower() in _FOREIGN_FUNCTION_WORDS or w[:1].islower() for w in words)
            or (len(words) == 1 and any(ord(ch) > 127 and ch.isalpha() for ch in words[0])))


def _field_findings(document) -> list[Finding]:
    """Values of table columns and form fields, by their header or label, a table's header
    carried to its continuation on the next pages (recognizers/tables.py)."""
    from recognizers.tables import find_pages

    pages = document.pages
    per_page = find_pages([(p.text, p.char_boxes) for p in pages])
    return [Finding(page=page.number, start=s, end=e, text=page.text[s:e], entity=h.entity, score=h.score,
                    recognizer=h.recognizer, explanation=h.explanation)
            for page, hits in zip(pages, per_page) for h in hits for s, e in h.spans]


def _signature_findings(page) -> list[Finding]:
    """Signatures (entity SIGNATURE), withheld as regions or released for review as the policy
    says: handwriting OCR read with low confidence by a signature caption (ocr.signature_spans,
    a span of the OCR text); pen strokes OCR read as nothing by a caption or on a signature line
    (``OcrInfo.signature_ink``, a region); a picture of a signature's size by a caption, on a
    signature line or in a signature block of a text page (recognizers/signatures.py, a region:
    the picture's box)."""
    from recognizers.signatures import signature_pictures

    from .ocr import signature_spans

    regions: list[Finding] = []
    if page.ocr is not None:
        for box, why in page.ocr.signature_ink:
            regions.append(_region_finding(page, box, 0.6, "SignatureInkByCaption",
                                           f"pen strokes OCR read as nothing, {why}", {"kind": "ink"}))
    if page.pictures and page.char_boxes is not None:
        page_box = (0.0, 0.0, page.width, page.height)
        for i, why in signature_pictures(page_box, page.text, page.char_boxes, [p.box for p in page.pictures],
                                         page.rules):
            pic = page.pictures[i]
            w, h = (pic.box[2] - pic.box[0]) / 72.0, (pic.box[3] - pic.box[1]) / 72.0
            # a point beyond the picture on every side: every one of its pixels is under the box
            box = (pic.box[0] - 1.0, pic.box[1] - 1.0, pic.box[2] + 1.0, pic.box[3] + 1.0)
            regions.append(_region_finding(page, box, 0.7, "SignatureImage",
                                           f"an image of {w:.1f} x {h:.1f} in {why}",
                                           {"kind": "image", "image_sha256": pic.sha256, "pixels": list(pic.pixels)}))
    if page.pictures and page.char_boxes is None:  # a picture drawn in flowing text (DOCX)
        from recognizers.signatures import signature_picture_in_text

        for pic in page.pictures:
            w, h = pic.box[2] - pic.box[0], pic.box[3] - pic.box[1]
            why = signature_picture_in_text(w, h, pic.own, pic.before, pic.after)
            if why is not None:
                regions.append(_region_finding(page, pic.box, 0.7, "SignatureImage",
                                               f"an image of {w / 72:.1f} x {h / 72:.1f} in {why}",
                                               {"kind": "image", "image_sha256": pic.sha256,
                                                "pixels": list(pic.pixels)}))
                break  # the picture is withheld whole, wherever else it is drawn
    spans = []
    for s, e, c, label in signature_spans(page):
        box = _span_box(page, s, e)
        if any(_inside(box, r.region) for r in regions):
            continue  # the region round it withholds it (and says so)
        spans.append(Finding(page=page.number, start=s, end=e, text=page.text[s:e], entity="SIGNATURE", score=0.6,
                             recognizer="SignatureByCaption",
                             explanation=f"handwriting by the caption '{label}' (read by OCR with {c:.0f}% confidence)",
                             attributes={"ocr_confidence": round(c, 1), "bbox": box}))
    return spans + regions


def _same_pictures(document, regions: list[Finding]) -> list[Finding]:
    """The same picture as a signature found elsewhere in the document (the same image data:
    initials on every page, a signature stamp used twice) is a signature wherever it is drawn,
    as a withheld value is withheld wherever it occurs."""
    signed = {}
    for f in regions:
        digest = f.attributes.get("image_sha256")
        if digest:
            signed.setdefault(digest, f)
    if not signed:
        return []
    taken = {(f.page, f.region) for f in regions}
    out = []
    for page in document.pages:
        if page.char_boxes is None:
            continue  # a DOCX picture is one part, withheld whole wherever it is drawn
        for pic in page.pictures:
            first = signed.get(pic.sha256) if pic.sha256 else None
            box = (pic.box[0] - 1.0, pic.box[1] - 1.0, pic.box[2] + 1.0, pic.box[3] + 1.0)
            if first is None or (page.number, tuple(round(float(v), 2) for v in box)) in taken:
                continue
            out.append(_region_finding(page, box, first.score, first.recognizer,
                                       f"the same picture as the signature on page {first.page}",
                                       {k: v for k, v in first.attributes.items() if k != "bbox"}))
            taken.add((page.number, out[-1].region))
    return out


def _region_finding(page, box, score: float, recognizer: str, explanation: str, attributes: dict) -> Finding:
    """A finding that is a place on the page, not text (Finding.region)."""
    box = tuple(round(float(v), 2) for v in box)
    return Finding(page=page.number, start=0, end=0, text="", entity="SIGNATURE", score=score, recognizer=recognizer,
                   explanation=explanation, attributes={**attributes, "bbox": box}, region=box)


def _inside(inner, outer, tol: float = 2.0) -> bool:
    return (inner[0] >= outer[0] - tol and inner[1] >= outer[1] - tol and inner[2] <= outer[2] + tol
            and inner[3] <= outer[3] + tol)


def _span_box(page, start: int, end: int):
    boxes = [b for b in page.char_boxes[start:end] if b is not None]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def detect(document: Document, settings: Settings) -> list[Finding]:
    """All findings in ``document``, across pages.

    Inside a spaCy memory zone: the words, lexemes and tokenizer entries the record adds to
    the pipeline's vocabulary are freed when its detection ends (a worker's vocabulary would
    otherwise grow with every new name and number of a batch). Findings hold plain strings,
    so nothing read after the zone points into it. A zone is the pipeline's, not a thread's:
    threads of one process (a Dask worker run with --nthreads 2) detect one record at a time."""
    engine = analyzer(settings.model)
    with _detect_lock, _memory_zone(engine):
        return _detect(document, engine, settings)


_detect_lock = threading.Lock()


def _memory_zone(engine):
    nlp = getattr(engine.nlp_engine, "nlp", {}).get("en")
    zone = getattr(nlp, "memory_zone", None)  # spaCy >= 3.8
    return zone() if zone is not None else contextlib.nullcontext()


def _detect(document: Document, engine, settings: Settings) -> list[Finding]:
    from recognizers.markings import find_markings

    findings: list[Finding] = []
    pages = [p for p in document.pages if p.text.strip()]
    for page, artifacts in zip(pages, page_artifacts(engine, (p.text for p in pages))):
        for r in engine.analyze(text=page.text, language="en", return_decision_process=True,
                                nlp_artifacts=artifacts):
            if r.end <= r.start:
                continue
            expl = r.analysis_explanation
            recognizer = (r.recognition_metadata or {}).get("recognizer_name") or (
                expl.recognizer if expl else "unknown")
            why = ""
            if expl is not None:
                why = expl.textual_explanation or (f"pattern {expl.pattern_name}" if expl.pattern_name else "")
                if expl.supportive_context_word:
                    why = (why + f"; context word '{expl.supportive_context_word}'").strip("; ")
            findings.append(Finding(page=page.number, start=r.start, end=r.end,
                                    text=page.text[r.start:r.end], entity=r.entity_type,
                                    score=round(float(r.score), 4), recognizer=recognizer,
                                    explanation=why or f"{recognizer} match",
                                    analysis=_analysis(expl, recognizer)))
    regions: list[Finding] = []  # places, not text: kept out of the text filters below
    for page in document.pages:
        findings.extend(_caps_names(engine, page))
        for f in _signature_findings(page):
            (regions if f.is_region else findings).append(f)
    regions += _same_pictures(document, regions)
    findings.extend(_field_findings(document))
    common = _lowercase_words(document)
    from recognizers.names import address_part, in_organisation_column, not_a_name, read_as_places, tidy

    findings = [_trim_roles(address_part(f, document) or tidy(f, document)) for f in findings]
    findings = [f for f in findings if not _not_a_person(f, document, common) and not not_a_name(f, document)
                and not _a_time_not_a_phone(f, document)]
    places = _named_places(document)
    if places:
        findings = [f for f in findings if not (f.entity == "PERSON" and f.recognizer in _WEAK_NAME_READERS
                                                and " ".join(f.text.split()).lower() in places)]
    foreign = _foreign_document(document, settings)
    if foreign:
        findings = [f for f in findings if not (f.page in foreign and _foreign_phrase(f, places))]
    findings = read_as_places(in_organisation_column(findings))
    findings = _resolve_overlaps(findings)
    findings = [_personal_or_work(_lower_if_not_personal(f, document), document) for f in findings]
    # Names: the surname of a withheld name where the record uses it alone; then officials
    # acting in role, their work contacts and the agency's own (recognizers/officials.py).
    from recognizers.names import extend_names, propagate_surnames
    from recognizers.officials import mark_officials

    markings = find_markings([p.text for p in document.pages], [p.char_boxes for p in document.pages],
                             [p.ocr is not None for p in document.pages])
    findings = _places_elsewhere(findings, markings)
    findings = extend_names(findings, document)
    findings.extend(propagate_surnames(findings, document))
    findings = mark_officials(findings, document)
    for page in document.pages:
        for start, end in page.covered_spans:
            findings.append(Finding(page=page.number, start=start, end=end, text=page.text[start:end],
                                    entity="PRIOR_REDACTION", score=0.9, recognizer="PriorRedactionDetector",
                                    explanation="text under an opaque box already in the input (an earlier "
                                                "redaction that left the text in place)"))
    for mf in markings:
        text = document.pages[mf.page - 1].text
        findings.append(Finding(page=mf.page, start=mf.start, end=mf.end, text=text[mf.start:mf.end],
                                entity=mf.entity, score=mf.score, recognizer="MarkingParser",
                                explanation=mf.explanation,
                                attributes=mf.marking.as_dict() if mf.marking else dict(mf.fields)))
    findings.extend(regions)
    findings.sort(key=lambda f: (f.page, f.start, -f.end))
    return findings
