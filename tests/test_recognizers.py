"""Detection on short texts: our recognizers and the Presidio set as configured."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from redactor.detect import detect
from redactor.model import Document, Page


def found(text, settings):
    doc = Document(Path("t.txt"), "text", [Page(1, text, None)], "0" * 64)
    return [(f.entity, f.text) for f in detect(doc, settings)]


@pytest.mark.parametrize("text, value", [
    ("She lives at 1418 Oak Ridge Drive, Springfield, IL 62704 with her son.", "1418 Oak Ridge Drive, Springfield, IL 62704"),
    ("Send it to 77 Willow Creek Lane, Apt 4B please.", "77 Willow Creek Lane, Apt 4B"),
    ("Mail: P.O. Box 4410 only.", "P.O. Box 4410"),
])
def test_us_addresses(text, value, settings):
    assert ("US_STREET_ADDRESS", value) in found(text, settings)


def test_address_negatives(settings):
    hits = found("Section 4 Street lighting was discussed in 2021. Route planning continues.", settings)
    assert not [h for h in hits if h[0] == "US_STREET_ADDRESS"]


@pytest.mark.parametrize("text, value", [
    ("DOB: 11/23/1974", "11/23/1974"), ("Date of birth 1981-04-17.", "1981-04-17"),
    ("He was born on March 3, 1985 in Ohio.", "March 3, 1985"),
])
def test_dates_of_birth(text, value, settings):
    assert ("DATE_OF_BIRTH", value) in found(text, settings)


def test_other_dates_are_not_dates_of_birth(settings):
    hits = found("The meeting of March 3, 1985 approved the budget.", settings)
    assert not [h for h in hits if h[0] == "DATE_OF_BIRTH"]


@pytest.mark.parametrize("text, name", [
    ("Det. Sarah Okafor responded.", "Sarah Okafor"),
    ("From: Marcus Delgado <marcus@example.org>", "Marcus Delgado"),
    ("Complainant: NGUYEN, PATRICIA", "NGUYEN, PATRICIA"),
])
def test_person_names(text, name, settings):
    assert ("PERSON", name) in found(text, settings)


def test_agency_names_are_not_people(settings):
    hits = found("Please contact the Department of Public Works about the claim.", settings)
    assert not [h for h in hits if h[0] == "PERSON"]


@hsettings(max_examples=30, deadline=None)
@given(area=st.integers(100, 665).filter(lambda a: a != 666), group=st.integers(1, 99),
       serial=st.integers(1, 9999))
def test_generated_ssns_in_context(area, group, serial, settings):
    ssn = f"{area:03d}-{group:02d}-{serial:04d}"
    if ssn in ("123-45-6789",):
        return
    assert ("US_SSN", ssn) in found(f"Employee SSN: {ssn} on file.", settings)


@pytest.mark.parametrize("text, word, recognizer, dropped", [
    # The record also uses the word in lower case: a common word, not a name.
    ("Copy and send the form.\nI received a copy of the rules.", "Copy", "SpacyRecognizer", True),
    ("ENROLL IMMEDIATELY\nMembers must enroll immediately.", "ENROLL IMMEDIATELY", "CapsNameRecognizer", True),
    # Lower case only inside an e-mail address says nothing: still a name.
    ("Mr. Delgado,\nwrite to marcus.delgado78@gmail.com", "Delgado", "SpacyRecognizer", False),
    # A name of two words found by NER is never dropped this way.
    ("Rose Hill called.\nThe rose on the hill.", "Rose Hill", "SpacyRecognizer", False),
])
def test_words_the_record_writes_in_lower_case_are_not_names(text, word, recognizer, dropped):
    from redactor.detect import _not_a_person
    from redactor.model import Finding

    doc = Document(Path("t.txt"), "text", [Page(1, text, None)], "0" * 64)
    i = text.index(word)
    f = Finding(1, i, i + len(word), word, "PERSON", 0.85, recognizer)
    assert _not_a_person(f, doc) is dropped


def test_pages_not_in_the_models_language_go_to_review(settings):
    """An English name model on French prose tags ordinary words as people: the page is
    flagged for a person instead (English prose and tables of names are not)."""
    from redactor.detect import language_warnings

    french = ("La municipalité de Chelsea veut améliorer la sécurité des cyclistes et des piétons. "
              "Pour la santé de tous, les citoyens sont invités à donner leur avis sur le plan. "
              "Le conseil a adopté une résolution pour que les travaux commencent dans les "
              "prochaines semaines, avec le soutien des partenaires de la région et du comité. ") * 2
    english = ("The board met on Monday to review the road safety plan for cyclists and walkers. "
               "Members asked the staff to report on the cost of the works and on the schedule. ") * 3
    table = "\n".join(f"DHAS{n:05d} 03/0{n % 9 + 1}/2019 CITIBANK TRAVEL CBA CARD 1,425.00" for n in range(30))

    def warnings(text):
        return language_warnings(Document(Path("t.txt"), "text", [Page(1, text, None)], "0" * 64),
                                 settings)

    assert warnings(french) and "does not read as English" in warnings(french)[0]
    assert warnings(english) == [] and warnings(table) == []


def test_function_words_are_not_part_of_names(settings):
    """"DC" is an honorific in UK police records, and also Washington DC: the words after it
    in "WASHINGTON DC TO SPRINGFIELD AND RETURN" are a route, not a name."""
    hits = found("AIRFARE FOR STAFF WASHINGTON DC TO SPRINGFIELD AND RETURN\n", settings)
    assert not [h for h in hits if h[0] == "PERSON"], hits
    assert ("PERSON", "Sarah Moss") in found("Interviewed by DC Sarah Moss at the station.", settings)
