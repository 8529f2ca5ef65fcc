"""Names in a person's slot of running prose (recognizers/names.py, ``PROSE_SLOTS``): the
subject of a speech or cognition verb, the object of "spoke with", "met with", "called", the
word after "According to" or a greeting, and the name after a person role label
("Recipient", "Tenant", "Witness"). The names are NOT in the lexicon: generated pronounceable
names in letters of several scripts, so the slot, not the word list, must find them. Near
misses (agencies, places, days, companies in the same slots) must stay in the release."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from redactor.detect import detect
from redactor.model import Document, Page
from recognizers import names


def persons(text, settings):
    doc = Document(Path("t.txt"), "text", [Page(1, text, [None] * len(text))], "0" * 64)
    return [f for f in detect(doc, settings) if f.entity == "PERSON"]


def covered(found, text, value):
    start = text.find(value)
    assert start >= 0
    return any(f.start <= start and start + len(value) <= f.end for f in found)


_ONSETS = ["b", "d", "g", "k", "l", "m", "n", "r", "s", "t", "v", "z", "br", "dr", "kv", "st", "sz", "ž", "ø",
           "č", "ł", "ś", "dž", "th"]
_VOWELS = ["a", "e", "i", "o", "u", "á", "é", "í", "ó", "ø", "æ", "ü", "ą", "ę", "å"]
_CODAS = ["", "", "n", "r", "k", "l", "m", "s", "nd", "rt"]


@st.composite
def foreign_name(draw):
    """A pronounceable word of 2-4 syllables, capitalised, that the lexicon does not hold."""
    sylls = draw(st.lists(st.tuples(st.sampled_from(_ONSETS), st.sampled_from(_VOWELS), st.sampled_from(_CODAS)),
                          min_size=2, max_size=4))
    word = "".join(o + v + c for o, v, c in sylls)
    word = word[0].upper() + word[1:]
    from hypothesis import assume

    assume(not names.is_given(word) and not names.is_surname(word))
    assume(len(word) >= 4)
    # The slot is evidence for a word the spaCy model's vocabulary does not know (a known word
    # needs the US lexicon too); a random word that happens to be in it ("Taba") is out of scope.
    from redactor.detect import analyzer
    from redactor.settings import Settings

    analyzer(Settings().model)
    assume(word.lower() not in names._known_words)
    return word


SINGLE_TEMPLATES = [
    "I spoke with {n} yesterday about the permit.",
    "The clerk met with {n} on the landing before the hearing.",
    "According to {n}, the meeting was postponed.",
    "The forms were late. {n} said the forms were signed.",
    "Last week {n} asked whether the card had been cancelled.",
    "The office called {n} twice about the refund.",
    "When we arrived, {n} told the officer that the door was open.",
]
FULL_TEMPLATES = [
    "Ship to: Calle Mayor 15, 28013 Madrid. Recipient {n} {m}.",
    "Tenant {n} {m} reported the leak on the second floor.",
    "Witness: {n} {m} confirmed the time of the incident.",
    "The parcel was returned. Addressee {n} {m} could not be reached.",
]


@hsettings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=foreign_name(), template=st.sampled_from(SINGLE_TEMPLATES))
def test_single_names_in_person_slots(name, template, settings):
    text = template.format(n=name)
    assert covered(persons(text, settings), text, name), text


@hsettings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(first=foreign_name(), last=foreign_name(), template=st.sampled_from(FULL_TEMPLATES))
def test_full_names_after_role_labels(first, last, template, settings):
    text = template.format(n=first, m=last)
    found = persons(text, settings)
    assert covered(found, text, f"{first} {last}"), text
    label = template.split("{n}")[0].rstrip(": ").split()[-1]
    assert not any(label in f.text for f in found)


@pytest.mark.parametrize("text, name", [
    ("I spoke with Kjærgaard yesterday; Mehmet said the forms were signed.", "Kjærgaard"),
    ("I spoke with Kjærgaard yesterday; Mehmet said the forms were signed.", "Mehmet"),
    ("I spoke with Halvorsen yesterday", "Halvorsen"),
    ("Olumide asked whether the card had been replaced.", "Olumide"),
    ("According to Bjørn, the meeting was postponed.", "Bjørn"),
    ("Ship to: Calle Mayor 15, 28013 Madrid. Recipient Giulia Halvorsen.", "Giulia Halvorsen"),
    # The model reads "Recipient Zedær Badær" as a name with "Zedær" a verb, and that result
    # is dropped: it must not take the label slot's "Zedær Badær" with it (a hypothesis draw).
    ("Ship to: Calle Mayor 15, 28013 Madrid. Recipient Zedær Badær.", "Zedær Badær"),
    ("Ship to: Madrid. Recipient Zedær Badær.", "Zedær Badær"),
])
def test_lead_examples(text, name, settings):
    assert covered(persons(text, settings), text, name)


@pytest.mark.parametrize("text, kept", [
    ("According to the Department, the meeting was postponed.", "Department"),
    ("According to Reuters, the meeting was postponed.", "Reuters"),
    ("According to Congress, the budget is final.", "Congress"),
    ("Congress said the budget was final.", "Congress"),
    ("Microsoft asked whether the licence could be renewed.", "Microsoft"),
    ("Monday said nothing about the schedule.", "Monday"),
    ("Staff said the office would reopen.", "Staff"),
    ("Police said the road was closed.", "Police"),
    ("I spoke with Madrid about the contract.", "Madrid"),
    ("We met with Parliament in March.", "Parliament"),
    ("The Council confirmed the vote. Management said the plan stands.", "Management"),
    ("Ship to: Calle Mayor 15, 28013 Madrid.", "Madrid"),
    ("Recipient Services will process the form.", "Services"),
    ("Witness Protection Program staff confirmed the move.", "Protection"),
    ("Everyone said the plan was good. Nobody asked why.", "Nobody"),
    ("The Tenant confirmed the leak.", "Tenant"),
    ("According to Section 5, the fee is waived.", "Section"),
    ("We called Dispatch at noon.", "Dispatch"),
    ("Hi All, the agenda is attached.", "All"),
    # word-like given names that do not begin a name here
    ("The Hope Street clinic is closed.", "Hope Street"),
    ("Deliveries go to the Rose Garden gate.", "Rose Garden"),
    ("The Hope Diamond is on loan.", "Hope Diamond"),
    ("Fort Nkosi was rebuilt in 1910.", "Fort Nkosi"),
    ("The grant programme pays hope dlamini-style stipends.", "hope dlamini"),
    ("The project's name is Apollo and its budget is final.", "Apollo"),
])
def test_near_misses_stay(text, kept, settings):
    found = persons(text, settings)
    assert not any(covered([f], text, kept) for f in found), (text, [f.text for f in found])


# Given names that are words too, before a surname that is no word (issue #14's measure on
# unseen records: "Precious Mahlangu", "Hope Dlamini" were released in full).
_WORD_GIVEN = ["Precious", "Hope", "Faith", "Joy", "Grant", "Rose", "Summer", "Angel", "Harmony", "Will"]
PAIR_TEMPLATES = [
    "Also present: {n} {m} and the clerk.",
    "The form was completed by {n} {m} on the second floor.",
    "Complaint filed. {n} {m}, 14 Acacia Road.",
]


def _foreign_surnames() -> list[str]:
    plain = names.surnames() | names._all("given")
    return sorted(w.capitalize() for w in names._lexicon("surnames-intl.txt")
                  if w.isalpha() and w.isascii() and len(w) >= 5 and w not in plain)


@hsettings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(first=st.sampled_from(_WORD_GIVEN), data=st.data(), template=st.sampled_from(PAIR_TEMPLATES))
def test_word_given_names_before_a_foreign_surname(first, data, template, settings):
    last = data.draw(st.sampled_from(_foreign_surnames()))
    text = template.format(n=first, m=last)
    assert covered(persons(text, settings), text, f"{first} {last}"), text


@pytest.mark.parametrize("text, name", [
    ("Caller identified herself as Precious Mahlangu.", "Precious Mahlangu"),
    ("Also present: Blessing Okonkwo and Hope Dlamini.", "Hope Dlamini"),
    ("The man introduced himself as Tomasz Wexley.", "Tomasz Wexley"),
    ("She gave her name as Olumide Bankole.", "Olumide Bankole"),
    ("Her daughter attends Ridgeview Middle School; the girl's name is Aaliyah.", "Aaliyah"),
])
def test_word_given_names_and_introductions(text, name, settings):
    assert covered(persons(text, settings), text, name), [f.text for f in persons(text, settings)]
