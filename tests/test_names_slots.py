"""Names in the slots of prose that tie a word to a private person (recognizers/names.py):
apposition to a person's noun ("his niece, <name>,", "the tenant, <name>,"), and the subject
of a verb of something done to a person ("<name> was arrested", "<name> and <name> were
interviewed"). Names here come from several countries' lists and from none; the near misses
(offices, places, organisations in the same slots) must stay in the release.

Also identifiers after their label in a sentence (recognizers/tables.py ``_in_prose``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from redactor.detect import detect
from redactor.model import Document, Page


def found(text, settings, entity=None):
    doc = Document(Path("t.txt"), "text", [Page(1, text, [None] * len(text))], "0" * 64)
    return [f for f in detect(doc, settings) if entity is None or f.entity == entity]


def covered(fs, text, value):
    start = text.find(value)
    assert start >= 0
    return any(f.start <= start and start + len(value) <= f.end for f in fs)


@pytest.mark.parametrize("text, name", [
    ("The landlord said that his niece, Oyelaran, had moved out in May.", "Oyelaran"),
    ("We were told by the complainant, Radhika, that the gate was locked.", "Radhika"),
    ("Please note that my brother Tadeusz will collect the keys.", "Tadeusz"),
    ("The caller identified her son, Kofi Boateng, as the driver.", "Kofi Boateng"),
    ("Thuy-linh Vo was interviewed at the scene by deputies.", "Thuy-linh Vo"),
    ("Seo-yeon Kim and Takeshi Mori were arrested after the search.", "Seo-yeon Kim"),
    ("Seo-yeon Kim and Takeshi Mori were arrested after the search.", "Takeshi Mori"),
    ("The report says Ngozi was treated for a broken wrist.", "Ngozi"),
    ("I met with Anselm on Friday about the fence.", "Anselm"),
    # a possessive before the person's noun
    ("We spoke to the landlord's nephew, Svetozar, about the keys.", "Svetozar"),
    ("Maria's husband Dragan Petrović signed for the parcel.", "Dragan Petrović"),
])
def test_name_in_a_persons_slot(text, name, settings):
    assert covered(found(text, settings, "PERSON"), text, name), name


@pytest.mark.parametrize("text, kept", [
    ("The applicant, Northwind Logistics LLC, filed the permit.", "Northwind Logistics"),
    ("Her employer, the Department of Revenue, confirmed the dates.", "Department of Revenue"),
    ("The Planning Commission was notified on Tuesday.", "Planning Commission"),
    ("Boston was identified as the host city.", "Boston"),
    ("The Applicant was notified by letter.", "Applicant"),
    ("I met with Legal on Friday about the fence.", "Legal"),
    ("The tenant, Springfield Housing Authority, was served.", "Springfield Housing Authority"),
    ("The county's tenant, Riverside Feed Company, renewed its lease.", "Riverside Feed Company"),
])
def test_near_misses_stay(text, kept, settings):
    assert not covered(found(text, settings, "PERSON"), text, kept), kept


# Syllables that do not join into English words ("Mine", "Sane" would be words, not names).
_SYLL = st.sampled_from(["ka", "zu", "mi", "to", "ren", "yo", "lu", "dri", "ko", "vi", "ash", "qui", "zo"])


@st.composite
def made_up(draw):
    return "".join(draw(st.lists(_SYLL, min_size=2, max_size=4))).capitalize()


@hsettings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=made_up(), noun=st.sampled_from(["daughter", "neighbour", "tenant", "witness", "husband"]))
def test_any_made_up_name_in_apposition(name, noun, settings):
    text = f"According to the file, her {noun}, {name}, left the building before noon."
    assert covered(found(text, settings, "PERSON"), text, name), (noun, name)


@pytest.mark.parametrize("text, value, entity", [
    ("His driver licence S530-4127-8810 was suspended in 2021.", "S530-4127-8810", "US_DRIVER_LICENSE"),
    ("She gave passport number X7731902 at the desk.", "X7731902", "US_PASSPORT"),
    ("The badge no. 40417 was returned.", "40417", "BADGE_NUMBER"),
    ("Her alien registration number A204117789 appears on the notice.", "A204117789", "PERSONAL_ID"),
    ("The pupil's student number 55120934 was on the roster.", "55120934", "PERSONAL_ID"),
])
def test_identifier_after_its_label_in_a_sentence(text, value, entity, settings):
    assert covered(found(text, settings), text, value)
    assert any(f.entity == entity for f in found(text, settings) if f.start <= text.find(value) < f.end)


def test_label_words_in_a_sentence_without_a_value_take_nothing(settings):
    text = "The licence plate reader and the passport office open at 9; case 2023-0417 is pending."
    assert not any(f.recognizer == "FormFieldInContext" for f in found(text, settings))


# A name that a personal email address right after it spells (first.last@).
@pytest.mark.parametrize("text, name", [
    ("Could you forward the invoice to Matthias at matthias.brenner@posteo.de today?", "Matthias"),
    ("Questions go to Yuki Ishikawa (yuki.ishikawa@example.co.jp).", "Yuki Ishikawa"),
    ("Reply to Okafor via chinedu.okafor@gmail.com before Friday.", "Okafor"),
])
def test_name_spelled_by_its_mailbox(text, name, settings):
    assert covered(found(text, settings, "PERSON"), text, name), name


@pytest.mark.parametrize("text, kept", [
    # a government mailbox is an office's or an official's: officials.py decides about it
    ("Send comments to Jordan at jordan.lee@epa.gov by May 1.", "Jordan"),
    # the word is not a part of the mailbox
    ("Permits are issued by Records at sam.ortiz@cityhall.org.", "Records"),
    # a one-part mailbox says nothing of a person's name
    ("Write to Sales at sales@acme.com.", "Sales"),
])
def test_mailbox_near_misses(text, kept, settings):
    assert not any(f.recognizer == "NameStructureRecognizer" and "email address" in f.explanation
                   and f.start <= text.find(kept) < f.end for f in found(text, settings, "PERSON")), kept


def test_a_name_is_not_a_common_word_because_its_mailbox_is_lower_case(settings):
    from recognizers.names import _lower_words

    assert "tomasz" not in _lower_words("Tomasz wrote from tomasz.nowak@example.pl and www.tomasz.example")
    assert "records" in _lower_words("the records are at records@city.org")


@pytest.mark.parametrize("text, name", [
    # the person something is handed to
    ("Please hand the keys to Wojciech so that he can lock up.", "Wojciech"),
    ("I returned the deposit cheque to Radek on Monday.", "Radek"),
    # a given name sharing the full name's surname after "and"
    ("Kasper and Birgit Lindholm own the adjoining lot.", "Kasper"),
    ("The claim names Oscar & Amara Nwosu as joint owners.", "Oscar"),
])
def test_name_in_a_recipient_slot_or_sharing_a_surname(text, name, settings):
    assert covered(found(text, settings, "PERSON"), text, name), name


@pytest.mark.parametrize("text, kept", [
    ("The samples were sent to Austin, Texas, for testing.", "Austin"),
    ("The crates were sent to Victoria by rail.", "Victoria"),
    ("The findings were reported to Congress in May.", "Congress"),
    ("Forward the complaint to Legal for review.", "Legal"),
    ("Housing and Ana Ruiz of the tenants union spoke.", "Housing"),
])
def test_recipient_slot_near_misses(text, kept, settings):
    assert not covered(found(text, settings, "PERSON"), text, kept), kept


def test_a_forms_next_label_is_cut_from_a_name_across_a_column_gap(settings):
    text = "Student: Jayden Okonkwo-Reyes      Grade: 10      Student No: 4419023\n"
    persons = found(text, settings, "PERSON")
    assert covered(persons, text, "Jayden Okonkwo-Reyes")
    assert not any("Grade" in f.text for f in persons)
    # a part that may be a name stays: two columns of a first and a last name
    text = "First        Last\nMarisol      Quintero\n"
    assert covered(found(text, settings, "PERSON"), text, "Quintero") or covered(found(text, settings), text, "Quintero")
