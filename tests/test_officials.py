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
    ("For the appellee, Mr. Tobias Brennan, Senior Assistant City Solicitor, argued the appeal.",
     "Tobias Brennan", "title"),
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
    ("The respondent, Tobias Brennan, a welder, appeared without counsel.", "Tobias Brennan"),
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


TRANSCRIPT = """APPEARANCES:

MARGARET E. OKONJO, ESQ., San Francisco, Cal.; on behalf of the Petitioner.
DANIEL T. FERRIS, Deputy Attorney General, Los Angeles, Cal.; on behalf of the Respondent.

P R O C E E D I N G S
CHIEF JUSTICE ROBERTS: We'll hear argument next in Case 21-1043, Holloway versus California.
MS. OKONJO: Mr. Chief Justice, and may it please the Court: Mr. Holloway was sentenced without a jury.
JUSTICE KAGAN: Ms. Okonjo, what is the remedy you seek?
MR. FERRIS: Mr. Chief Justice, and may it please the Court: the error was harmless.
"""


def test_transcript_counsel_kept_and_the_party_is_not_an_official(settings, policy):
    """Counsel of record and their speaker labels are kept; a party named after a salutation
    to the Court ("...please the Court: Mr. Holloway") is no official: a title is only evidence
    when it stands right before the name, not across a colon or a comma."""
    ds = decisions(TRANSCRIPT, settings, policy)
    for name in ("MARGARET E. OKONJO", "DANIEL T. FERRIS"):
        for d in decision_for(ds, name):
            assert d.action is Action.KEEP
    for d in decision_for(ds, "Holloway"):
        assert d.action is Action.REDACT and d.finding.attributes.get("role") is None


def test_a_name_read_across_a_line_break_is_not_an_official(settings, policy):
    """The caption's party over the judge's line ("STATE v. PRUITT" / "BRYAN, J. - ..."): a
    span of two lines is never kept as an official, so the party's name cannot ride along."""
    text = "STATE v. PRUITT\nBRYAN, J. - The defendant appeals his conviction. Pruitt argues the court erred.\n"
    ds = decisions(text, settings, policy)
    for d in ds:
        if d.finding.entity == "PERSON" and "pruitt" in d.finding.text.lower():
            assert d.action is Action.REDACT, d.finding.text


def test_commission_roll_and_motions(settings, policy):
    text = ("CITY OF MAPLETON\nPLANNING COMMISSION MINUTES\nMarch 9, 2023\n\n"
            "Commissioners present: Chair Roberta Klein, Vice Chair Samuel Ortiz, Commissioners Anita Das and "
            "Peter Lindgren\nStaff present: Janet Moore, Planning Director; Kevin Oduya, Senior Planner\n\n"
            "Item 1. Senior Planner Oduya presented the staff report.\n"
            "Public hearing: Edward Tan, a resident of Birch Lane, spoke against the variance.\n"
            "Commissioner Lindgren moved to approve; seconded by Commissioner Das. Motion carried 4-0.\n")
    ds = decisions(text, settings, policy)
    expected = {"Roberta Klein": "Chair", "Samuel Ortiz": "Vice Chair", "Anita Das": "Commissioners",
                "Peter Lindgren": "Commissioners", "Janet Moore": "Planning Director"}
    for name, title in expected.items():
        for d in decision_for(ds, name):
            assert d.action is Action.KEEP and d.rule == "officials-in-role", name
            assert f"'{title}'" in d.reason, (name, d.reason)
    for d in ds:
        if d.finding.entity == "PERSON" and "Oduya" in d.finding.text:
            assert d.action is Action.KEEP, d.finding.text
    for d in decision_for(ds, "Edward Tan"):
        assert d.action is Action.REDACT


def test_the_agencys_number_is_kept_wherever_the_record_repeats_it(settings, policy):
    text = ("LAKESIDE UNIFIED SCHOOL DISTRICT\nBOARD OF EDUCATION\n"
            "1200 Harbor View Road, Lakeside, OR 97035 - (503) 555-0100\n\nREGULAR MEETING AGENDA\n\n"
            "1. CALL TO ORDER - Board President Maria Delacroix\n"
            "5. CONSENT CALENDAR (Vice-President Henry Osei)\n\n"
            "For information call the District Office at (503) 555-0100 or write to 1200 Harbor View Road, "
            "Lakeside, OR 97035.\nParent contact for the field trip: Dana Whitfield, (503) 555-7788.\n")
    ds = decisions(text, settings, policy)
    for d in decision_for(ds, "(503) 555-0100", "PHONE_NUMBER"):
        assert d.action is Action.KEEP and d.rule == "agency-contact"
    for d in decision_for(ds, "(503) 555-7788", "PHONE_NUMBER"):
        assert d.action is Action.REDACT
    for name in ("Maria Delacroix", "Henry Osei"):
        for d in decision_for(ds, name):
            assert d.action is Action.KEEP


def test_an_allowed_name_wrapped_over_two_lines_is_kept(tmp_path, settings):
    """An allow-listed official whose name wraps ("...Commander, Douglas" / "Brooks.") is kept
    even when a recognizer reads the first line's part alone, also in a law enforcement record
    where officials not on the list are withheld."""
    from recognizers.records import document_attributes
    from redactor.policy import load_policy

    pol = tmp_path / "p.yaml"
    pol.write_text("policy: t\nextends: us-foia\nallow:\n  - name: officials\n    values: [Douglas Brooks]\n")
    p = load_policy(pol)
    text = ("RIVERTON POLICE DEPARTMENT\nINCIDENT REPORT\n\nCase Number: 24-1187\nOffense: Theft\n\n"
            "V1 Ricardo Hale stated the bicycle was taken. The case was reviewed by the Records Division Commander, Douglas\n"
            "Brooks.\n")
    doc = Document(Path("t.txt"), "text", [Page(1, text, [None] * len(text))], "0" * 64)
    from redactor.model import Finding

    first = Finding(1, text.index("Douglas"), text.index("Douglas") + 7, "Douglas", "PERSON", 0.85, "t")
    ds = decide(detect(doc, settings) + [first], p, relpath="x.txt", pages=[text], fmt="text",
                document=document_attributes([text]))
    for d in ds:
        if d.finding.entity == "PERSON" and d.finding.text in ("Douglas", "Brooks", "Douglas\nBrooks"):
            assert d.action is Action.KEEP and d.rule == "allow:officials"
        if d.finding.entity == "PERSON" and "Hale" in d.finding.text:
            assert d.action is Action.REDACT and d.exemptions == ["(b)(7)(C)"]


def test_form_fields_label_above_the_value(settings, policy):
    """A form read cell by cell: the field's label on its own line above the value. A role
    label ("POC", "Approved by") makes the name an official's, a private one ("Applicant",
    "Witness") a private person's."""
    text = ("Federal Records Service - Adjudication Summary\n\nPOC\n\nNadia Okafor, nokafor@frs.gov\n\n"
            "Applicant\n\nPeter Vance\n\nApproved by\n\nLionel Grant\n\nWitness\nSara Blum\n")
    ds = decisions(text, settings, policy)
    for name, label in (("Nadia Okafor", "POC"), ("Lionel Grant", "Approved by")):
        for d in decision_for(ds, name):
            assert d.action is Action.KEEP and f"form field '{label}'" in d.reason
    for d in decision_for(ds, "nokafor@frs.gov", "EMAIL_ADDRESS"):
        assert d.action is Action.KEEP
    for name in ("Peter Vance", "Sara Blum"):
        for d in decision_for(ds, name):
            assert d.action is Action.REDACT and d.finding.attributes.get("role") is None


def test_a_title_after_the_name_on_a_wrapped_line(settings, policy):
    text = ("The vendor was paid by ACH. Payment approved\nby Elena Marsh, Chief Financial Officer.\n")
    for d in decision_for(decisions(text, settings, policy), "Elena Marsh"):
        assert d.action is Action.KEEP and "Chief Financial Officer" in d.reason


@pytest.mark.parametrize("text", [
    "ALL BINT MEMBERS FIRST NAME, MIDDLE INITIAL AND LAST NAME MUST BE USED.\n",
    "THE CHIEF OF THE CUBAN EMBASSY IN MONTEVIDEO, TELEPHONED THE POLICE.\n",
])
def test_a_cut_off_title_or_a_title_running_into_words_is_no_evidence(text, settings, policy):
    doc = Document(Path("t.txt"), "text", [Page(1, text, [None] * len(text))], "0" * 64)
    assert not [f for f in detect(doc, settings) if f.attributes.get("role") == "official"]


CABLE = """SECRET//NOFORN

FROM: Dr. Ada Brennan
TO: SECSTATE WASHDC
INFO: Warren Hollis

SUBJECT: Visa fraud inquiry concerning Tomas Rehak

1. (S) Hollis asked the consular section to review the file. Rehak applied for a visa in May.

SECRET//NOFORN
"""


def test_sender_and_addressees_of_a_classified_message(settings, policy):
    """A classified message passes between cleared officials: its sender and addressees are
    officials acting in role (and their surnames in the text follow them); the person the
    message is about is not. Without a classification banner a From/To line proves nothing."""
    ds = decisions(CABLE, settings, policy)
    for name in ("Ada Brennan", "Warren Hollis", "Hollis"):
        for d in decision_for(ds, name):
            assert d.action is Action.KEEP and "classified message" in d.reason, name
    for d in ds:
        if d.finding.entity == "PERSON" and "Rehak" in d.finding.text:
            assert d.action is Action.REDACT
    plain = CABLE.replace("SECRET//NOFORN", "MEMORANDUM")
    for d in decisions(plain, settings, policy):
        if d.finding.entity == "PERSON" and d.finding.text in ("Ada Brennan", "Warren Hollis"):
            assert d.action is Action.REDACT


COUNSEL_BLOCK = """Respectfully submitted,

Nathaniel Brightwater
40 Commerce Street, Suite 210
Hartford, Connecticut 06103
Tel: 860-555-0142
nb@brightwaterlaw.com

Counsel for Plaintiff Maura Keane

Maura Keane
18 Elm Row
Hartford, Connecticut 06105
"""


def test_counsel_signature_block_with_the_role_under_the_address(settings, policy):
    """Counsel's name over the firm's address, phone and email, "Counsel for Plaintiff" under
    them: counsel and the firm's contacts are kept; the plaintiff and her address are not."""
    ds = decisions(COUNSEL_BLOCK, settings, policy)
    for d in decision_for(ds, "Nathaniel Brightwater"):
        assert d.action is Action.KEEP and "Counsel for Plaintiff" in d.reason
    for value, entity in (("860-555-0142", "PHONE_NUMBER"), ("nb@brightwaterlaw.com", "EMAIL_ADDRESS")):
        for d in decision_for(ds, value, entity):
            assert d.action is Action.KEEP
    for d in ds:
        if "Keane" in d.finding.text or "Elm Row" in d.finding.text:
            assert d.action is Action.REDACT, d.finding.text


def test_candidates_listed_with_their_vote_counts():
    """Election results put the vote count before each candidate under the office."""
    from recognizers.officials import evidence

    text = "PRECINCT 0042\n\nHARBOR VIEW WATER BD\n\n131 ELENA M VOSS\n98 GRANT HOLLOWELL\n\nCONTROLLER\n\n204 PATRICIA QUILL\n"
    for name, office in (("GRANT HOLLOWELL", "HARBOR VIEW WATER BD"), ("PATRICIA QUILL", "CONTROLLER")):
        start = text.index(name)
        why, private = evidence(text, start, start + len(name))
        assert not private and why and office in why
    start = text.index("PRECINCT")
    assert evidence(text, start, start + 8)[0] is None


def test_an_offices_contact_block_anywhere_in_the_record(settings, policy):
    """The office's name, its street address, and its government email address under them
    (a newsletter's or a notice's contact block, not the letterhead) are the office's; a
    person's address over a work email is not."""
    text = ("Weekly grain prices were steady.\n\nUSDA Livestock, Poultry & Grain Market News\n"
            "210 Walnut Street, Room 767\nDes Moines, Iowa 50309\n\nEmail: desm.lpgmn@ams.usda.gov\n\n"
            "Leave request\n\nHarold Pinsky\n77 Larch Court\nAmes, Iowa 50010\nhpinsky@usda.gov\n")
    ds = decisions(text, settings, policy)
    addresses = ("US_STREET_ADDRESS", "STREET_ADDRESS")
    walnut = [d for d in ds if "Walnut" in d.finding.text and d.finding.entity in addresses]
    assert walnut and all(d.action is Action.KEEP and d.rule == "agency-contact" for d in walnut)
    larch = [d for d in ds if "Larch" in d.finding.text and d.finding.entity in addresses]
    assert larch and all(d.action is Action.REDACT for d in larch)


REPLY = """From: Helen Brooks <hbrooks@lakeview.gov>
To: Oscar Beltran <obeltran71@gmail.com>
Cc: Dwight Amari <damari@lakeview.gov>

Dear Mr. Beltran,

Thank you for your request. Dwight Amari in our Records Unit will follow up with you directly.

Helen Brooks
City Clerk

-----Original Message-----
From: Oscar Beltran <obeltran71@gmail.com>
To: Records Desk <records@lakeview.gov>

I would like copies of the permits for my street.
"""


def test_colleagues_copied_on_an_officials_reply_to_the_public(settings, policy):
    """An official (a title under the signature) replies to a member of the public and copies
    a colleague of the same office: the colleague acts in role there (the quoted request under
    it has a header of its own). Between colleagues (no
    outside recipient: a leave request) nobody is copied in role."""
    ds = decisions(REPLY.replace("Dwight Amari in our", "Dwight\nAmari in our"), settings, policy)
    for d in decision_for(ds, "Dwight Amari"):
        assert d.action is Action.KEEP and "copied by an official" in d.reason
    for d in ds:  # the name wrapped over two lines in the body is the same official
        if d.finding.entity == "PERSON" and d.finding.text == "Dwight\nAmari":
            assert d.action is Action.KEEP
    for d in decision_for(ds, "damari@lakeview.gov", "EMAIL_ADDRESS"):
        assert d.action is Action.KEEP
    for d in decision_for(ds, "Oscar Beltran"):
        assert d.action is Action.REDACT
    internal = REPLY.replace("Oscar Beltran <obeltran71@gmail.com>", "Priya Sethi <psethi@lakeview.gov>").replace(
        "Thank you for your request.", "Your leave request is approved.")
    for d in decision_for(decisions(internal, settings, policy), "Dwight Amari"):
        assert d.action is Action.REDACT


def test_a_pdf_forms_label_cell_beside_the_name(tmp_path, settings, policy):
    """A form drawn as two columns (labels left, values right) that a text reader may put in
    separate runs: the label cell on the name's row is the field's label."""
    from redactor.formats import by_name

    from pdftools import make_text_pdf

    rows = [("Federal Records Service - Adjudication Summary", ""), ("Controlled by", "Federal Records Service"),
            ("POC", "Nadia Okafor, nokafor@frs.gov"), ("Applicant", "Peter Vance"),
            ("Reviewing Official", "Lionel Grant"), ("Date of Birth", "1961-04-02")]
    lines = []
    for i, (label, value) in enumerate(rows):
        lines.append((72, 720 - 22 * i, label))
        if value:
            lines.append((260, 720 - 22 * i, value))
    pdf = make_text_pdf(tmp_path / "form.pdf", lines)
    doc = by_name("pdf").read(pdf, settings)
    ds = decide(detect(doc, settings), policy, relpath="x.pdf", pages=[p.text for p in doc.pages], fmt="pdf")
    for name, label in (("Nadia Okafor", "POC"), ("Lionel Grant", "Reviewing Official")):
        hits = [d for d in ds if d.finding.entity == "PERSON" and d.finding.text == name]
        assert hits and all(d.action is Action.KEEP and f"form field '{label}'" in d.reason for d in hits), name
    vance = [d for d in ds if d.finding.entity == "PERSON" and "Vance" in d.finding.text]
    assert vance and all(d.action is Action.REDACT for d in vance)


def test_a_persons_address_at_the_top_of_a_record_is_not_the_letterhead(settings, policy):
    """A record's first lines name the agency, then a witness and where she lives (a scanned
    report read without blank lines): that address is hers, not the agency's."""
    text = ("Incident report 2024-0117, Springfield Police Department\n"
            "Witness Margaret Okonkwo, SSN 512-43-7789, lives at\n"
            "4127 Maple Avenue, Springfield, IL 62704.\n"
            "She called the department on March 3, 2024 about the vehicle.\n")
    ds = [d for d in decisions(text, settings, policy) if "Maple" in d.finding.text and "ADDRESS" in d.finding.entity]
    assert ds and all(d.action is Action.REDACT for d in ds)
    assert all(d.finding.attributes.get("role") != "agency" for d in ds)


@pytest.mark.parametrize("mailbox, kept", [
    ("ANM-Seattle-ACO-AMOC-Requests@faa.gov", True),   # an office's mailbox
    ("foia.requests@ams.usda.gov", True),
    ("jgordon@riverton.gov", False),                    # initial + surname: a person's
    ("nancy.adkins@riverton.gov", False),
])
def test_a_government_office_mailbox_is_the_agencys(mailbox, kept, settings, policy):
    text = f"Send requests for an alternative method of compliance to {mailbox} before the deadline.\n"
    for d in decision_for(decisions(text, settings, policy), mailbox, "EMAIL_ADDRESS"):
        assert (d.action is Action.KEEP) is kept, d.rule
        if kept:
            assert d.rule == "agency-contact" and "mailbox" in d.finding.explanation


def test_an_organisations_address_and_phone_after_its_name(settings, policy):
    text = ("For service information identified in this notice, contact Boeing Commercial Airplanes, Attention: "
            "Contractual & Data Services (C&DS), 2600 Westminster Blvd., MC 110-SK57, Seal Beach, CA 90740-5600; "
            "telephone 562-797-1717.\n")
    ds = decisions(text, settings, policy)
    kept = [d for d in ds if d.finding.entity in ("STREET_ADDRESS", "US_STREET_ADDRESS", "PHONE_NUMBER")]
    assert kept and all(d.action is Action.KEEP and d.rule == "organisation-contact" for d in kept)


@pytest.mark.parametrize("text, value", [
    # a person named between the company and the address: the address may be theirs
    ("The claim names Acme Widgets Inc. and its owner Harold Murillo, 15699 Lee Parkways Apt. 309, "
     "Carolfort, CO 56763.", "15699 Lee Parkways Apt. 309"),
    # a private role in the sentence
    ("The witness, who works for Acme Widgets Inc., lives at 4127 Maple Avenue, Fairview, OR 97024.",
     "4127 Maple Avenue"),
    # a table row: each cell is its own column's
    ("Company  |  Contact  |  Address\n\nAcme Widgets Inc.  |  Ana Lee  |  88 Orchard Bend, Fairview, OR 97024\n",
     "88 Orchard Bend"),
    # an owner's phone on a vendor form
    ("Vendor: Acme Widgets LLC\nOwner phone: (852) 801-2552\n", "(852) 801-2552"),
])
def test_a_persons_contact_near_an_organisation_is_still_withheld(text, value, settings, policy):
    ds = [d for d in decisions(text, settings, policy) if value in d.finding.text]
    assert ds and any(d.action is Action.REDACT for d in ds), value
    assert not any(d.rule == "organisation-contact" for d in ds)


def test_a_title_on_the_line_under_a_signature_with_its_office(settings, policy):
    text = ("Issued on August 3, 2020.\nLance T. Gant,\nDirector, Compliance & Airworthiness\n"
            "Division, Aircraft Certification Service.\n")
    for d in decision_for(decisions(text, settings, policy), "Lance T. Gant"):
        assert d.action is Action.KEEP and "title 'Director' on the line under the name" in d.reason


# A reply to the public as a Word document reads it: one paragraph per line, set apart by a
# blank line (redactor/formats/docx/stories.py), an empty paragraph as two.
WORD_REPLY = "\n\n".join([
    "Subject: RE: Pothole on Elm Street",
    "From: Helen Brooks <hbrooks@lakeview.gov>", "To: Oscar Beltran <obeltran71@gmail.com>",
    "Cc: Dwight Amari <damari@lakeview.gov>",
    "Dear Mr. Beltran,",
    "Thank you for your request. Dwight Amari in our Records Unit will follow up with you directly.",
    "Helen Brooks", "City Clerk", "City of Lakeview", "hbrooks@lakeview.gov | (541) 555-0143",
    "-----Original Message-----",
    "From: Oscar Beltran <obeltran71@gmail.com>", "To: hbrooks@lakeview.gov",
    "Please call me on my cell at 541-555-8812.", "Oscar Beltran"])


def test_a_word_documents_signature_block_and_header_one_paragraph_per_line(settings, policy):
    """The title under the name, the phone in the signature block and the colleague copied
    on the header read as they do in a text record when each line is a paragraph."""
    ds = decisions(WORD_REPLY, settings, policy)
    for d in decision_for(ds, "Helen Brooks"):
        assert d.action is Action.KEEP and "title 'City Clerk' on the line under the name" in d.reason
    for d in decision_for(ds, "(541) 555-0143", "PHONE_NUMBER"):
        assert d.action is Action.KEEP and "signature block" in d.reason
    for d in decision_for(ds, "Dwight Amari"):
        assert d.action is Action.KEEP and "copied by an official" in d.reason
    for value, entity in [("Oscar Beltran", "PERSON"), ("541-555-8812", "PHONE_NUMBER"),
                          ("obeltran71@gmail.com", "EMAIL_ADDRESS")]:
        for d in decision_for(ds, value, entity):
            assert d.action is Action.REDACT, value


@pytest.mark.parametrize("after", [
    # a paragraph of prose under the block
    "\n\nMy neighbour asked me to pass on her number, 541-555-8812, as she could not reach the office.\n",
    # an empty paragraph ends the block
    "\n\n\n\n541-555-8812\n",
    # a line naming someone else ends it, in a Word document and in a text record
    "\n\nRequester: Oscar Beltran\n\n541-555-8812\n",
    "\n\nCopy to Oscar Beltran at 541-555-8812\n",
    "\nCopy to Oscar Beltran at 541-555-8812\n",
])
def test_a_signature_block_ends_before_someone_elses_number(after, settings, policy):
    sep = "\n" if after.startswith("\nCopy") else "\n\n"
    text = f"The permit was issued.\n\nHelen Brooks{sep}City Clerk{after}"
    ds = decisions(text, settings, policy)
    for d in decision_for(ds, "Helen Brooks"):
        assert d.action is Action.KEEP
    for d in decision_for(ds, "541-555-8812", "PHONE_NUMBER"):
        assert d.action is Action.REDACT


def test_a_counsel_of_records_office_address_and_phone(settings, policy):
    """The pleading block over "Attorney for Debtor": the law office's address and phone are
    released with the attorney; a party's home address in the body is not."""
    text = ("David H. Bundy\nDAVID H. BUNDY, P.C.\n310 K Street, Suite 200\nAnchorage, AK 99501\n(907) 248-8431\n"
            "Attorney for Debtor\n\n\nUNITED STATES BANKRUPTCY COURT\n\n"
            "The debtor's principal, Mr. Choy, resides at 4127 Maple Avenue, Fairview, OR 97024.\n")
    ds = decisions(text, settings, policy)
    for d in decision_for(ds, "(907) 248-8431", "PHONE_NUMBER"):
        assert d.action is Action.KEEP and "counsel of record" in d.finding.attributes["role_evidence"]
    office = [d for d in ds if "ADDRESS" in d.finding.entity and "310 K Street" in d.finding.text]
    assert office and all(d.action is Action.KEEP for d in office)
    home = [d for d in ds if "ADDRESS" in d.finding.entity and "Maple" in d.finding.text]
    assert home and all(d.action is Action.REDACT for d in home)


def test_a_log_under_the_offices_name_is_not_its_letterhead(settings, policy):
    """A visitor log whose title names the office: the phones in its rows are the visitors',
    also on a row where the model finds no name (the column labels above say it is a table)."""
    text = ("SIGN-IN SHEET - COUNTY CLERK'S OFFICE, ROOM 110\n"
            "Date        Visitor              Phone            Purpose\n"
            "05/13/2024  Ottilie Braithwaite  (503) 555-0177   Marriage licence\n"
            "05/13/2024  Kenji Abernathy      503.555.0121     Records request\n")
    for value in ("(503) 555-0177", "503.555.0121"):
        ds = decision_for(decisions(text, settings, policy), value, "PHONE_NUMBER")
        assert ds and all(d.action is Action.REDACT for d in ds), value
        assert all(d.finding.attributes.get("role") != "agency" for d in ds), value


def _columns_pdf(tmp_path, rows):
    """A page whose table a text reader reads column by column (each column one text run):
    the name and the cell beside it are tied only by their positions."""
    from test_pdf_removal import _raw_pdf

    parts = []
    for col, x in ((0, 72), (1, 260)):
        parts.append(f"BT /F1 9 Tf {x} 700 Td 12 TL".encode())
        for row in rows:
            parts.append(b"(" + row[col].encode() + b") Tj T*")
        parts.append(b"ET")
    return _raw_pdf(tmp_path, b"\n".join(parts))


def test_a_payroll_rows_title_in_the_next_cell_makes_the_name_an_officials(tmp_path, settings, policy):
    from redactor.formats.pdf.read import read_pdf

    rows = [("OKAFOR, CHINEDU A", "LEGISLATIVE AIDE FROM MAY 2"), ("LINDQVIST, BRITTA M", "STAFF ASSISTANT"),
            ("HOLLOWAY, GRANT T", "INTERN FROM SEP. 10")]
    doc = read_pdf(_columns_pdf(tmp_path, rows), ocr=False)
    assert "OKAFOR, CHINEDU A\n" in doc.pages[0].text  # read column by column
    ds = decide(detect(doc, settings), policy, relpath="x.pdf", pages=[p.text for p in doc.pages], fmt="pdf")
    for name, _ in rows:
        hits = [d for d in ds if d.finding.entity == "PERSON" and name.split(",")[0] in d.finding.text]
        assert hits and all(d.action is Action.KEEP for d in hits), name
        assert any("in the next cell of the name's row" in d.finding.explanation for d in hits), name


def test_a_rows_next_cell_that_is_no_title_says_nothing(tmp_path, settings, policy):
    from redactor.formats.pdf.read import read_pdf

    rows = [("OKAFOR, CHINEDU A", "VICTIM"), ("LINDQVIST, BRITTA M", "WITNESS"), ("HOLLOWAY, GRANT T", "2211 ELM ST")]
    doc = read_pdf(_columns_pdf(tmp_path, rows), ocr=False)
    ds = decide(detect(doc, settings), policy, relpath="x.pdf", pages=[p.text for p in doc.pages], fmt="pdf")
    for name, _ in rows:
        hits = [d for d in ds if d.finding.entity == "PERSON" and name.split(",")[0] in d.finding.text]
        assert hits and all(d.action is Action.REDACT for d in hits), name
