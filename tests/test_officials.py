"""Officials acting in role (recognizers/officials.py) and the shipped US policy: kept with the
evidence in the report, withheld in law enforcement records, never when the same record gives
the person a private role."""

from __future__ import annotations

from pathlib import Path

import pytest

from redactor.detect import detect
from redactor.model import Action, Document, Page
from redactor.policy import decide


def decisions(text, settings, policy, relpath="records/x.txt"):
    doc = Document(Path("t.txt"), "text", [Page(1, text, [None] * len(text))], "0" * 64)
    findings = detect(doc, settings)
    return decide(findings, policy, relpath=relpath, pages=[text], fmt="text")


def decision_for(ds, value, entity="PERSON"):
    hits = [d for d in ds if d.finding.entity == entity and d.finding.text == value]
    assert hits, f"{value} not found"
    return hits


@pytest.mark.parametrize("text, name, evidence", [
    ("The case was reviewed by the Records Division Commander, Douglas Brooks.", "Douglas Brooks", "title"),
    ("Approved by Richard Rogers, Contracting Officer.", "Richard Rogers", "title"),
    ("Present  |  Title\n\nLaura Freeman  |  Mayor\n\nNancy Adkins  |  Council Member\n", "Laura Freeman", "title"),
    ("Ruth A. Kessler, Deputy Attorney General, Los Angeles, Cal.; on behalf of the Respondent.",
     "Ruth A. Kessler", "title"),
    ("Daniel Ferreira, Oakland, Cal.; on behalf of the Petitioner.", "Daniel Ferreira", "counsel"),
    ("The petition is denied.\n\nBryan, J.\n", "Bryan", "judge"),
    ("From: William Garcia <wgarcia@riverton.gov>\nTo: Michael Kemp <mkemp74@aol.com>\n\n"
     "The permit was issued today.\n\nWilliam Garcia\nCity Clerk\n", "William Garcia", "title"),
    ("Respectfully submitted,\n\nGwendolyn Oyelowo\nClerk of the Board\nLakeside Unified School District\n",
     "Gwendolyn Oyelowo", "title"),
])
def test_officials_are_kept_with_their_evidence(text, name, evidence, settings, policy):
    for d in decision_for(decisions(text, settings, policy), name):
        assert d.action is Action.KEEP and d.rule == "officials-in-role"
        assert d.finding.attributes["role"] == "official"
        assert evidence in d.finding.explanation


def test_official_is_withheld_in_law_enforcement_records(settings, policy):
    text = "S1 Justin Moore was identified. The case was reviewed by the Chief of Police, Gina Barber."
    for d in decision_for(decisions(text, settings, policy, relpath="police/incident.txt"), "Gina Barber"):
        assert d.action is Action.REDACT and d.exemptions == ["(b)(7)(C)"]


@pytest.mark.parametrize("text, name", [
    ("Cheryl Ortega, residing at 9743 Crystal Parkways, spoke in opposition to the rate increase.", "Cheryl Ortega"),
    ("Victim  |  Ricardo Howell  |  12/09/1991", "Ricardo Howell"),
    ("Applicant Nancy Sanders, Director of Sales at a private firm, filed the form.", "Nancy Sanders"),
    ("From: Michael Kemp <mkemp74@aol.com>\nTo: wgarcia@riverton.gov\n", "Michael Kemp"),
    ("Hollis Pemberton, a parent, asked about the bus schedule.", "Hollis Pemberton"),
])
def test_private_persons_are_not_officials(text, name, settings, policy):
    for d in decision_for(decisions(text, settings, policy), name):
        assert d.action is Action.REDACT
        assert d.finding.attributes.get("role") is None


@pytest.mark.parametrize("text, name", [
    ("From: William Garcia <wgarcia@riverton.gov>\nTo: Michael Kemp <mkemp74@aol.com>\n", "William Garcia"),
    ("From: Ray Ortiz <rortiz@agency.example.gov>\nTo: hr.desk4@agency.example.gov\n"
     "Subject: my leave request\n\nPlease find my medical certificate attached.\n", "Ray Ortiz"),
])
def test_a_government_email_address_alone_is_not_acting_in_office(text, name, settings, policy):
    """Every employee has an agency address, also when writing about their own leave or
    grievance: without a role in the message (a title, a signature block) the name is withheld."""
    ds = list(decision_for(decisions(text, settings, policy), name))
    assert ds
    for d in ds:
        assert d.action is Action.REDACT
        assert d.finding.attributes.get("role") is None


def test_private_role_anywhere_in_the_record_wins(settings, policy):
    text = ("Approved by Jordan Pike, Contracting Officer.\n\n"
            "Subject employee: Jordan Pike is on administrative leave pending the inquiry.")
    for d in decision_for(decisions(text, settings, policy), "Jordan Pike"):
        assert d.action is Action.REDACT


def test_an_officials_work_contacts_and_the_agency_letterhead(settings, policy):
    text = ("LAKESIDE UNIFIED SCHOOL DISTRICT\n1200 Harbor View Road, Lakeside, OR 97035  |  Main Office (503) 555-0100\n\n"
            "Dear Mr. Kemp,\n\nThank you for your message. Call me at my cell +1 738 786 6336 if needed.\n\n"
            "Laura Freeman\nMayor\nCity of Riverton\nlfreeman@riverton.gov | (976) 555-1766\n")
    ds = decisions(text, settings, policy)
    for value, entity in [("lfreeman@riverton.gov", "EMAIL_ADDRESS"), ("(976) 555-1766", "PHONE_NUMBER"),
                          ("(503) 555-0100", "PHONE_NUMBER")]:
        for d in decision_for(ds, value, entity):
            assert d.action is Action.KEEP, value
    for d in ds:
        if d.finding.entity in ("US_STREET_ADDRESS",) and "Harbor View" in d.finding.text:
            assert d.action is Action.KEEP and d.rule == "agency-contact"
        if d.finding.text == "+1 738 786 6336":
            assert d.action is Action.REDACT


def test_surname_of_an_official_follows_the_official(settings, policy):
    text = ("Superintendent: Dr. Priya Raghunathan\n\n"
            "2. Report of the Superintendent. Dr. Raghunathan presented the enrollment figures.")
    for d in decision_for(decisions(text, settings, policy), "Raghunathan"):
        assert d.action is Action.KEEP


def test_a_main_line_is_the_agencys_and_a_cell_phone_never_is(settings, policy):
    text = ("Respectfully submitted,\n\nHarriet Quon\nCity Attorney\nFor questions call the Main Office: (503) 555-0100 "
            "or my cell 503-555-8812.\n")
    ds = decisions(text, settings, policy)
    for d in decision_for(ds, "(503) 555-0100", "PHONE_NUMBER"):
        assert d.action is Action.KEEP
    for d in decision_for(ds, "503-555-8812", "PHONE_NUMBER"):
        assert d.action is Action.REDACT


def test_candidates_listed_under_a_public_office(settings, policy):
    text = ("LIEUTENANT GOVERNOR\nVOTER NOMINATED\nGAVIN NEWSOM\nRON NEHRING\n\n"
            "STATE BD EQUALIZATION D1\nVOTER NOMINATED\nCHRIS PARKER\n")
    ds = decisions(text, settings, policy)
    for d in decision_for(ds, "RON NEHRING"):
        assert d.action is Action.KEEP and "LIEUTENANT GOVERNOR" in d.finding.explanation
    # a heading that names no office does not make the names under it officials
    assert all("GOVERNOR" not in d.finding.explanation for d in ds if d.finding.text == "CHRIS PARKER")
