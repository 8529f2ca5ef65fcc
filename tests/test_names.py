"""Names the small spaCy model misses (recognizers/names.py): role codes, LAST, First forms,
the name lexicon, names of any script, greetings and sign-offs, case captions; surnames used
alone; and the near misses that must stay in the release (codes, states, platforms)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from redactor.detect import detect
from redactor.model import Document, Page
from recognizers import names


def persons(text, settings):
    doc = Document(Path("t.txt"), "text", [Page(1, text, [None] * len(text))], "0" * 64)
    return [f for f in detect(doc, settings) if f.entity == "PERSON"]


def covered(text, value, settings):
    """Is every occurrence of ``value`` inside some PERSON finding?"""
    found = persons(text, settings)
    start = text.find(value)
    assert start >= 0
    while start >= 0:
        if not any(f.start <= start and start + len(value) <= f.end for f in found):
            return False
        start = text.find(value, start + 1)
    return True


def test_lexicons_ship_with_the_package():
    assert len(names.given_names()) > 4000 and len(names.surnames()) > 20000
    assert names.is_given("Ricardo") and names.is_surname("HOWELL")
    assert names.is_surname("Duval-Arsenault") is names.is_surname("Arsenault")


@pytest.mark.parametrize("text, name", [
    ("V1 HOWELL, Ricardo stated that the vehicle was seen leaving.", "HOWELL, Ricardo"),
    ("W1 Chavez confirmed the description and provided a statement.", "Chavez"),
    ("RP Gutierrez met me in the lobby of the building.", "Gutierrez"),
    ("S1 Wisława Szczepańska struck him with a bottle.", "Wisława Szczepańska"),
    ("V2 NGUYEN-TRAN, Bao declined medical care at the scene.", "NGUYEN-TRAN, Bao"),
])
def test_role_codes_of_police_narratives(text, name, settings):
    assert covered(text, name, settings)
    assert not any(f.text.startswith(("V1", "W1", "RP", "S1", "V2")) for f in persons(text, settings))


@pytest.mark.parametrize("text, name", [
    ("Victim  |  Andrew\nStanley  |  07/20/1981", "Stanley"),
    ("MARIE-CLAIRE DUVAL-ARSENAULT, Petitioner,\nv.\nPACIFIC HARBOR LOGISTICS, LLC, Respondent.",
     "MARIE-CLAIRE DUVAL-ARSENAULT"),
    ("Okonkwo v. Alameda County Transit District is distinguished.", "Okonkwo"),
    ("Dear Teresa,\n\nPlease find the statement attached.", "Teresa"),
    ("Please find the statement attached.\n\nKind regards,\nSøren Åkesson\n", "Søren Åkesson"),
])
def test_names_by_structure(text, name, settings):
    assert covered(text, name, settings)


def test_surname_alone_after_the_full_name(settings):
    text = ("Applicant Nancy Sanders filed the form on 10/13/2024.\n"
            "The panel found the record complete. Applicant Sanders disclosed a prior citation.")
    assert covered(text, "Sanders", settings)


def test_surname_is_not_withheld_inside_a_street_name(settings):
    text = "Witness Kenneth Chavez lives nearby. The store on Chavez Street was closed."
    found = persons(text, settings)
    street = text.index("Chavez Street")
    assert not any(f.start <= street < f.end for f in found)


@pytest.mark.parametrize("text, word", [
    ("The board met in closed session (Ed. Code 35145.5) on personnel.", "Ed"),
    ("Counsel appeared from Los Angeles, Cal.; the hearing went ahead.", "Cal"),
    ("The petitioner posted about it on Facebook twice.", "Facebook"),
    ("Please contact the Department of Public Works about the claim.", "Public Works"),
])
def test_near_misses_are_not_names(text, word, settings):
    start = text.index(word)
    assert not any(f.start <= start < f.end for f in persons(text, settings))


def test_not_a_name_needs_evidence():
    """The abbreviation filter needs the period: 'Ed' alone may be a person."""
    doc = Document(Path("t.txt"), "text", [Page(1, "Ed called. Ed. Code 5.", [])], "0" * 64)
    from redactor.model import Finding

    ed = Finding(page=1, start=0, end=2, text="Ed", entity="PERSON", score=0.85, recognizer="x")
    code = Finding(page=1, start=11, end=13, text="Ed", entity="PERSON", score=0.85, recognizer="x")
    assert names.not_a_name(ed, doc) is None
    assert names.not_a_name(code, doc)


# Names of any script: letters beyond ASCII, with or without a lexicon entry.
_GIVEN = ["Wisława", "Søren", "Zoë", "Łukasz", "Jürgen", "Anaïs", "Ngozi", "Siobhán", "José", "Björn"]
_FAMILY = ["Szczepańska", "Åkesson", "Müller-Lüdenscheidt", "Øvergård", "Núñez", "Kowalczyk", "Okonjo-Iweala",
           "Ó Briain", "Ferreira", "Dvořák"]
_CODES = ["V1", "W2", "S1", "RP", "C3"]


@hsettings(max_examples=25, deadline=None)
@given(code=st.sampled_from(_CODES), first=st.sampled_from(_GIVEN), last=st.sampled_from(_FAMILY))
def test_names_of_any_script_after_a_role_code(settings, code, first, last):
    last = last.split()[-1]
    text = f"On arrival {code} {first} {last} stated that the door was already open."
    assert covered(text, f"{first} {last}", settings)


@hsettings(max_examples=20, deadline=None)
@given(first=st.sampled_from(["Ricardo", "Teresa", "Andrew", "Patricia", "Jodi", "Marcus"]),
       last=st.sampled_from(["Howell", "Warner", "Espinoza", "Delgado", "Nguyen", "Okafor"]),
       lead=st.sampled_from(["The form was signed by", "A statement from", "We spoke with"]))
def test_lexicon_names_in_sentences(settings, first, last, lead):
    text = f"{lead} {first} {last} on the second floor."
    assert covered(text, f"{first} {last}", settings)


@pytest.mark.parametrize("text, word", [
    ("Board members present: Scott McFarland, Anita Deshmukh, Robert Hale, Mia Thornton", "Hale, Mia"),
    ("Lodging: Hilton Garden Inn Ames, 1325 Dickinson Avenue, Ames, IA 50014", "Hilton Garden"),
])
def test_lists_and_businesses_are_not_names(text, word, settings):
    found = persons(text, settings)
    assert not any(f.text == word for f in found)


@pytest.mark.parametrize("text, part", [
    ("Ship to 1408 Grand Avenue, Waukegan, IL 60085 by Friday.", "Waukegan"),
    ("Paul Floyd (49949 Cook Summit, East Mark, FL 34666) supported the project.", "Cook Summit"),
    ("Laura Rocha, residing at 6403 Nancy Lodge Suite 022, Shermanport, WI 35010, spoke.", "Nancy Lodge"),
])
def test_parts_of_addresses_are_withheld_as_addresses_not_names(text, part, settings):
    doc = Document(Path("t.txt"), "text", [Page(1, text, [None] * len(text))], "0" * 64)
    found = detect(doc, settings)
    at = text.index(part)
    assert not any(f.entity == "PERSON" and f.start <= at < f.end for f in found)
    assert any(f.entity in ("US_STREET_ADDRESS", "ADDRESS") and f.start <= at < f.end for f in found)


@pytest.mark.parametrize("text", [
    "On 2/3/23 Officer Ramirez #5521 contacted the caller.",
    "On 2/3/23 Ofc. Ramirez #5521 contacted the caller.",
    "Det. Ramirez #5521 and Ptl. Okafor #612 responded.",
])
def test_a_name_after_a_rank_is_a_name_not_a_street(text, settings):
    """"#5521" after an officer's name is a badge number, not a unit after a street: the name
    is found as a person's, and "Ofc." and "Ptl." are ranks as "Officer" is."""
    doc = Document(Path("t.txt"), "text", [Page(1, text, [None] * len(text))], "0" * 64)
    found = detect(doc, settings)
    at = text.index("Ramirez")
    assert any(f.entity == "PERSON" and f.start <= at < f.end for f in found), found
    assert not any(f.entity in ("US_STREET_ADDRESS", "STREET_ADDRESS") for f in found), found


@pytest.mark.parametrize("text, name", [
    ("Printed Name: MARIA L. GONZALEZ-REYES          Date: 04/02/2024", "MARIA L. GONZALEZ-REYES"),
    ("Name of Debtor: Tobias Wentworth", "Tobias Wentworth"),
    ("Respectfully submitted,\n/s/ Harriet Quon\nAttorney for Plaintiff", "Harriet Quon"),
    ("Her son Tomasz Wróblewski was a minor at the time.", "Tomasz Wróblewski"),
])
def test_form_lines_signatories_and_full_names(text, name, settings):
    assert covered(text, name, settings)


@pytest.mark.parametrize("text, word", [
    ("The contract with Jackson Lewis LLP was renewed in May.", "Jackson Lewis"),
    ("Counsel came from Oakland, Cal. for the hearing.", "Oakland"),
])
def test_companies_and_places_by_what_follows(text, word, settings):
    start = text.index(word)
    assert not any(f.start <= start < f.end for f in persons(text, settings))


@pytest.mark.parametrize("text, word", [
    ("TRAVEL  SAINT LOUIS MO  AMARILLO TX  LODGING", "LOUIS MO"),
    ("TRAVEL  SAINT LOUIS MO  AMARILLO TX  LODGING", "AMARILLO TX"),
    ("1000 Remington Blvd, Suite 110\nMonee, IL 60449", "Suite"),
])
def test_places_with_their_state_are_not_names(text, word, settings):
    start = text.index(word)
    assert not any(f.start <= start < f.end for f in persons(text, settings))


def test_a_middle_initial_without_its_period(settings):
    text = "Debtor 2\n(Spouse, if filing)\n\nBeverly A Lewis\n\nUnited States Bankruptcy Court"
    assert covered(text, "Beverly A Lewis", settings)


@pytest.mark.parametrize("text", [
    "Signed: X ____________ Date: ______ (Lorraine Fitzpatrick-Oyelaran)",
    "Signed: ____________________  Date: 04/02/2024",
    "Witness: ______________ Title: Clerk",
])
def test_a_blank_to_fill_in_is_no_name(text, settings):
    """A form's blank and the next field's label after "Signed:" are not a name (they were
    withheld as one: "X ____________ Date: ______")."""
    found = persons(text, settings)
    assert not any("_" in f.text or ":" in f.text for f in found), [f.text for f in found]
    if "Lorraine" in text:
        assert any("Lorraine Fitzpatrick-Oyelaran" in f.text for f in found)


@pytest.mark.parametrize("text, name", [
    ('Thanks!\n--\nBartholomew "Bart" Oyelowo\nCell 310 555 0172', 'Bartholomew "Bart" Oyelowo'),
    ("Robert (Bobby) Kask was present.", "Robert (Bobby) Kask"),
    ("Signed by Margarethe ‘Greta’ Uusitalo.", "Margarethe ‘Greta’ Uusitalo"),
])
def test_a_nickname_between_given_name_and_surname(text, name, settings):
    found = persons(text, settings)
    at = text.index(name)
    assert any(f.start <= at and at + len(name) <= f.end for f in found), [f.text for f in found]


@pytest.mark.parametrize("text", ["The Grand 'Ole' Opry tour starts at noon.", "Main Street (Route 9) Bridge is closed."])
def test_quoted_words_between_capitals_are_not_nicknames(text, settings):
    assert not persons(text, settings)


def test_the_pm_of_a_reply_line_is_not_part_of_the_name(settings):
    text = "On Tue, Jan 3, 2023 at 4:12 PM Kwame Mensah-Bonsu <kmb1987@outlook.com> wrote:"
    found = persons(text, settings)
    assert any(f.text == "Kwame Mensah-Bonsu" for f in found)
    assert not any("PM" in f.text for f in found), [f.text for f in found]


@pytest.mark.parametrize("text, kept", [
    ("Bank: Wells Fargo  Acct: 1234567890  Routing: 121000248", "Wells Fargo"),
    ("Employer: Morgan Stanley\nStart date: 04/02/2019", "Morgan Stanley"),
    ("Insurance carrier: Liberty Mutual", "Liberty Mutual"),
])
def test_a_pair_after_an_organisations_label_is_the_organisation(text, kept, settings):
    """The lexicon pair ("Wells" a given name, "Fargo" a surname) does not make a person of
    what a form's label says is a bank, an employer or an insurer."""
    found = persons(text, settings)
    at = text.index(kept)
    assert not any(f.start <= at < f.end for f in found), [f.text for f in found]


@pytest.mark.parametrize("text, name", [
    ("CALL LOG 0412 HRS RP MARGUERITE BOUDREAUX-LEBLANC REPORTS SUSPICIOUS VEH", "MARGUERITE BOUDREAUX-LEBLANC"),
    ("1420 HRS W1 TOMASZ WRONA STATED HE SAW THE VEH", "TOMASZ WRONA"),
])
def test_a_call_logs_verb_after_a_name_in_capitals_stays(text, name, settings):
    found = persons(text, settings)
    assert any(f.text == name for f in found), [f.text for f in found]
    verb = text.split(name)[1].split()[0]
    assert not any(verb in f.text for f in found), [f.text for f in found]
