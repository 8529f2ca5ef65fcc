"""The speed choices of recognizers/names.py change no finding: a pattern whose needle is not
in a text has no match in it (the needle is what every match holds), a page's proper nouns
read from spaCy's columns are the ones its tokens give, the lexicon's answers kept for a word
are the answers computed afresh, and a page's lower-case words are the same whether or not
the page holds anything like an address."""

from __future__ import annotations

from hypothesis import given, settings as hsettings, strategies as st

from conftest import FIXTURES, RECORDS
from recognizers import names

# Pieces of prose that bring each pattern near a match, and near misses
_PIECES = [
    "Okonkwo v. Smith", "Okonkwo vs. Smith", "Okonkwo v Smith", "Okonkwo,\tv.\tDoe", "ſmith v.  Lee",
    "ANNA LEE, Petitioner", "Anna Lee, an individual, Respondents", "Anna Lee, petitioner", "Plaintiff",
    "Printed name: Ann Lee", "PRINT NAME\nAnn Lee", "Name of applicant: Ann Lee", "Signature of the tenant Ann Lee",
    "ſignature of the owner Ann Lee", "Full Name  ___ Ann Lee", "NAME (PRINTED): Ann Lee",
    "Ann Lee was arrested", "Ann Lee and Bo Chen were interviewed", "Ann has been injured", "was  evicted",
    "Ann Lee said", "Ann then told", "The Tenant confirmed", "said", "Ann  stated",
    "sent the form to Tomasz when he", "pass it to Ann", "returned to  Lee", "to\tAnn", "given to the Court",
    "Dear Ann,", "my name is Ann Lee", "/s/ Ann Lee", "In re Ann Lee", "Kind regards,\nAnn Lee",
    "ann.lee@example.com", "http://x.example/ann", "www.ann.example", "the", "and", "of", ",", ".", "\n", "\n\n",
    "(ann.lee@example.com)", "<Ann.Lee@example.org>", "ann@x", "@", "http://", "xhttp://lee", "https://a.b/c@d.e",
    "a.b@c.d,e", "mail:ann_lee+x@example.co.uk;", "Ann Lee ann.lee@example.com", "www.", "x@y.gov",
    "  ", "\t", "É", "Ñuñez", "Lee's", "LEE", "lee",
]


@st.composite
def prose(draw):
    return " ".join(draw(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=14)))


@hsettings(max_examples=400, deadline=None)
@given(prose())
def test_needles_skip_only_texts_without_a_match(text):
    for pattern in names._NEEDLES:
        assert [m.span() for m in names._finditer(pattern, text)] == [m.span() for m in pattern.finditer(text)]


def _texts():
    texts = [p.read_text(encoding="utf-8") for p in sorted(RECORDS.rglob("*.txt"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "eval").glob("*.txt"))]
    return texts


def test_needles_on_records():
    for text in _texts():
        for pattern in names._NEEDLES:
            assert [m.span() for m in names._finditer(pattern, text)] == [m.span() for m in pattern.finditer(text)]


def _lower_words_plain(text):
    text = names._ADDRESSES.sub(" ", text)
    return set(names._LOWER_WORD.findall(text))


@hsettings(max_examples=300, deadline=None)
@given(prose())
def test_lower_words_without_and_with_the_address_filter(text):
    assert names._lower_words(text) == _lower_words_plain(text)


def test_lower_words_on_records():
    for text in _texts():
        assert names._lower_words(text) == _lower_words_plain(text)


def _spelled_plain(text, toks, lower):
    """_spelled_by_mailbox as it was: every word of the page tested against each address."""
    spans = []
    for m in names.EMAIL.finditer(text):
        if names.GOV_EMAIL.search(m.group(0)):
            continue
        parts = {p for p in names.re.split(r"[._+-]|\d+", m.group("local").lower()) if len(p) >= 3}
        if len(parts) < 2:
            continue
        start = max(0, m.start() - 80, text.rfind("\n\n", 0, m.start()) + 1)
        run = [(a, b, w) for a, b, w in toks if start <= a and b <= m.start()]
        for k, (a, b, w) in enumerate(run):
            bare = names._bare(w)
            if (bare not in parts or bare in names.NOT_NAME_WORDS or bare in lower or not w[:1].isupper()
                    or not (names.is_given(w) or names.is_surname(w))):
                continue
            end = b
            if k + 1 < len(run) and names._bare(run[k + 1][2]) in parts and names._joined(
                    text, [run[k], run[k + 1]], newline=False):
                end = run[k + 1][1]
            spans.append((a, end))
    return spans


def _spelled_both(text):
    toks = [(m.start(), m.end(), m.group(0)) for m in names.TOKEN.finditer(text)]
    lower = names._lower_words(text)
    return names._spelled_by_mailbox(text, toks, lower), _spelled_plain(text, toks, lower)


@hsettings(max_examples=300, deadline=None)
@given(prose())
def test_names_spelled_by_a_mailbox_from_the_words_before_it(text):
    fast, plain = _spelled_both(text)
    assert fast == plain


def test_names_spelled_by_a_mailbox_on_records():
    found = 0
    for text in _texts() + ["Send it to Hiroshi at hiroshi.tanaka@outlook.jp today.",
                            "Ana Silva <ana.silva@example.pt>\n\nLars Berg lars.berg@example.se"]:
        fast, plain = _spelled_both(text)
        assert fast == plain
        found += len(plain)
    assert found


def _is_given_plain(word, international=True):
    lexicon = names._all("given") if international else names.given_names()
    return any(p in lexicon for p in names._parts(word))


@hsettings(max_examples=300, deadline=None)
@given(st.one_of(st.sampled_from(sorted(names.given_names())[:500] + sorted(names.surnames())[:500]),
                 st.text(st.sampled_from("AaBbEeLlNnOoRrSsTt'’-.,é"), min_size=1, max_size=12)),
       st.booleans())
def test_kept_lexicon_answers_are_fresh_answers(word, international):
    assert names.is_given(word, international=international) == _is_given_plain(word, international)
    assert names.is_given(word, international) == _is_given_plain(word, international)
    assert names.is_surname(word) == any(p in names._all("family") for p in names._parts(word))


def test_proper_nouns_from_spacys_columns_are_the_tokens(settings):
    from redactor.detect import analyzer, page_artifacts

    engine = analyzer(settings.model)
    texts = _texts()[:20] + ["", "   ", "Ann Lee met Bo Chen in Paris.", "Ñuñez 😀 Ann\u200bLee"]
    for text, artifacts in zip(texts, page_artifacts(engine, texts)):
        doc = artifacts.tokens
        assert names._propn_spans(artifacts) == [(t.idx, t.idx + len(t.text)) for t in doc if t.pos_ == "PROPN"]
