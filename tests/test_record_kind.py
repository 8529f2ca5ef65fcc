"""A law enforcement record recognised by its content (recognizers/records.py), not only by the
folder it is filed in, and what the shipped US policy does with it: (b)(7)(C) for everyone
named there, officers included, with the evidence in every reason; and records that only talk
about the police (a court opinion on a Miranda warning, council minutes with the chief's
report, an HR memo) are not law enforcement records: their officials acting in role are kept.

The records here were written for these tests (none is from the eval sets)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recognizers.records import LAW_ENFORCEMENT, classify, document_attributes
from redactor.cli import app
from redactor.detect import detect
from redactor.model import Action, Document, Page
from redactor.policy import decide, load_policy

from pdftools import all_texts, make_text_pdf

OFFENSE_REPORT = """LAKEVIEW POLICE DEPARTMENT
GENERAL OFFENSE REPORT                      Report # 24-031177

Offense: Burglary - Residential
Date/Time of Occurrence: 03/14/2024 2215
Reporting Officer: Ofc. Maria Delgado #4471

INVOLVED PERSONS
V1  EBERSOLE, Thomas     DOB 04/02/1961
W1  KOWALCZYK, Janine

NARRATIVE
On 03/14/2024 I was dispatched to a residential burglary. V1 Ebersole stated that the rear door
had been forced. W1 Kowalczyk saw a man leave through the alley at about 2200 hours.
Sgt. Paul Okafor approved this report.
"""

SUPPLEMENT = """Case No. 2024-00118

SUPPLEMENTAL NARRATIVE

On May 2, 2024 Det. Irene Castellanos re-interviewed W2 Brandon Feeney at the station. W2 Feeney
identified S1 Marcus Tolliver from a photo array. S1 Tolliver was later located at his residence
and was placed under arrest. Miranda warnings were read by Det. Castellanos.
"""

ARREST_REPORT_LINES = [
    "HARLAN COUNTY SHERIFF'S OFFICE",
    "ARREST REPORT",
    "",
    "Booking No. 2024-7781",
    "Arresting Deputy: Deputy Samuel Whitcombe",
    "Charges: Possession of a stolen vehicle",
    "Arrestee: Delphine Marchetti",
    "",
    "Deputy Whitcombe stopped the vehicle on Route 9. Delphine Marchetti was booked at the county jail.",
]

COURT_OPINION = """SUPREME COURT OF THE STATE OF NEVADA

STATE OF NEVADA v. ROLAND PIERCE

No. 78114

OPINION

The district court suppressed the defendant's statements because officers did not give Miranda
warnings before the interview. The officers responded to a report of a disturbance, and the
defendant was arrested at the scene. We reverse.

Hardesty, J.
"""

COUNCIL_MINUTES = """CITY OF RIVERTON
CITY COUNCIL - REGULAR MEETING MINUTES
June 4, 2024

Present: Mayor Laura Freeman, Council Member Nancy Adkins

5. Police Department monthly report. Chief of Police Gina Barber reported 312 calls for service
and 14 arrests in May, and introduced two new officers.
"""

HR_MEMO = """RIVERTON POLICE DEPARTMENT
MEMORANDUM

To: All sworn staff
From: Gina Barber, Chief of Police
Subject: Training schedule

The annual firearms qualification will be held on July 9 at the range.
"""


@pytest.mark.parametrize("text, must", [
    (OFFENSE_REPORT, ["heading", "role codes"]),
    (SUPPLEMENT, ["heading", "role codes"]),
    ("\n".join(ARREST_REPORT_LINES), ["heading", "form labels"]),
])
def test_law_enforcement_records_are_recognised_by_their_content(text, must):
    kind = classify([text])
    assert kind is not None and kind.kind == LAW_ENFORCEMENT
    kinds = [e.split(":")[0] for e in kind.evidence]
    for k in must:
        assert k in kinds


@pytest.mark.parametrize("text", [COURT_OPINION, COUNCIL_MINUTES, HR_MEMO])
def test_records_about_the_police_are_not_law_enforcement_records(text):
    assert classify([text]) is None
    assert document_attributes([text]) == {}


def test_the_evidence_names_labels_never_values():
    attrs = document_attributes([OFFENSE_REPORT])
    assert attrs["record"] == LAW_ENFORCEMENT
    for value in ("Ebersole", "Kowalczyk", "Delgado", "24-031177", "4471", "04/02/1961"):
        assert value.lower() not in attrs["record_evidence"].lower()


def _decisions(text, settings, policy, relpath):
    doc = Document(Path("t.txt"), "text", [Page(1, text, [None] * len(text))], "0" * 64)
    return decide(detect(doc, settings), policy, relpath=relpath, pages=[text], fmt="text",
                  document=document_attributes([text]))


def test_a_police_report_outside_a_police_folder_withholds_under_7c(settings, policy):
    ds = _decisions(OFFENSE_REPORT, settings, policy, "requests/2024-118/report.txt")
    persons = [d for d in ds if d.finding.entity == "PERSON"]
    assert persons
    for d in persons:
        assert d.action is Action.REDACT, d.finding.explanation
        assert d.exemptions == ["(b)(7)(C)"]
        assert "law enforcement record" in d.reason and "recognised by its content" in d.reason
        assert "heading" in d.reason
    officers = [d for d in persons if d.finding.text in ("Maria Delgado", "Paul Okafor")]
    assert officers
    assert all(d.rule == "officials-law-enforcement-record" for d in officers
               if d.finding.attributes.get("role") == "official")


def test_the_folder_rule_still_applies(settings, policy):
    """A record filed under police/ is a law enforcement record even when its content does not
    show it (a memo of the department)."""
    ds = _decisions(HR_MEMO, settings, policy, "police/memos/training.txt")
    chief = [d for d in ds if d.finding.entity == "PERSON" and d.finding.text == "Gina Barber"]
    assert chief
    for d in chief:
        assert d.action is Action.REDACT and d.exemptions == ["(b)(7)(C)"]
        assert d.rule == "officials-law-enforcement"


@pytest.mark.parametrize("text, name", [
    (COUNCIL_MINUTES, "Gina Barber"),
    (HR_MEMO, "Gina Barber"),
    (COURT_OPINION, "Hardesty"),
])
def test_officials_of_records_about_the_police_are_kept(text, name, settings, policy):
    ds = [d for d in _decisions(text, settings, policy, "records/x.txt")
          if d.finding.entity == "PERSON" and d.finding.text == name]
    assert ds
    for d in ds:
        assert d.action is Action.KEEP and d.rule == "officials-in-role"
        # the evidence of the role is in the reason the report gives
        assert "official acting in office" in d.reason and ("title" in d.reason or "judge" in d.reason)


def test_a_when_condition_in_a_policy_file(tmp_path):
    pol = tmp_path / "p.yaml"
    pol.write_text("policy: t\nextends: us-foia\nrules:\n  - id: le-dates\n    entities: [DATE_TIME]\n"
                   "    when: {record: [law_enforcement]}\n    action: redact\n    exemptions: [\"(b)(7)(A)\"]\n")
    p = load_policy(pol)
    from redactor.model import Finding

    f = Finding(1, 0, 10, "2024-05-02", "DATE_TIME", 0.9, "t")
    le = {"record": "law_enforcement", "record_evidence": "heading: arrest report"}
    (d,) = decide([f], p, document=le)
    assert d.rule == "le-dates" and d.exemptions == ["(b)(7)(A)"] and "arrest report" in d.reason
    (d,) = decide([f], p, document={})
    assert d.action is Action.KEEP
    bad = tmp_path / "bad.yaml"
    bad.write_text("policy: t\nextends: us-foia\nrules:\n  - id: x\n    when: {record: [court]}\n    action: keep\n")
    from redactor.errors import PolicyError

    with pytest.raises(PolicyError, match="bad.yaml:5"):
        load_policy(bad)


def test_run_alone_text_and_pdf(tmp_path):
    """`redactor run` on a police report (text) and an arrest report (PDF) in an ordinary
    folder: everyone named is withheld under (b)(7)(C), officers too, and the report says why."""
    src = tmp_path / "request-118"
    src.mkdir()
    (src / "offense-report.txt").write_text(OFFENSE_REPORT)
    make_text_pdf(src / "arrest.pdf", [(72, 720 - 16 * i, line) for i, line in enumerate(ARREST_REPORT_LINES)],
                  size=9)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    released = {Path(d["source"]).name: d for d in report["documents"]}
    text = (out / "offense-report.txt").read_text()
    pdf_text = "\n".join(all_texts(out / "arrest.pdf").values())
    for value in ("Ebersole", "Kowalczyk", "Maria Delgado", "Paul Okafor"):
        assert value not in text
    for value in ("Whitcombe", "Marchetti"):
        assert value not in pdf_text
    for name in ("offense-report.txt", "arrest.pdf"):
        reds = [r for r in released[name]["redactions"] if r["entity"] == "PERSON"]
        assert reds
        assert all(r["exemptions"] == ["(b)(7)(C)"] for r in reds)
        assert all("recognised by its content" in r["reason"] for r in reds)


def test_an_official_withheld_in_a_law_enforcement_record_stays_kept_where_acting_in_role(tmp_path):
    """Set-wide consistency carries a withheld value to the other records of the set, except
    where a record keeps that value as an official acting in role (with its own evidence): the
    chief named in a police report is withheld there under (b)(7)(C), and kept in the council
    minutes where she reports as Chief of Police; a private person of the police report is
    still withheld in the minutes, also where no recognizer would find the name."""
    src = tmp_path / "set"
    src.mkdir()
    (src / "offense-report.txt").write_text(OFFENSE_REPORT.replace(
        "Sgt. Paul Okafor approved this report.", "Chief of Police Gina Barber approved this report.").replace(
        "V1 Ebersole stated", "V1 Thomas Ebersole stated"))
    (src / "minutes.txt").write_text(COUNCIL_MINUTES + "\nletter received from thomas ebersole about street lighting.\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = {Path(d["source"]).name: d for d in json.loads((out / "report.json").read_text())["documents"]}
    assert "Gina Barber" not in (out / "offense-report.txt").read_text()
    minutes = (out / "minutes.txt").read_text()
    assert "Chief of Police Gina Barber reported" in minutes
    assert "ebersole" not in minutes.lower()
    kept = [k for k in report["minutes.txt"]["kept"] if k["rule"] == "officials-in-role" and k["entity"] == "PERSON"
            and "not carried over" in k["reason"]]
    assert kept and all("offense-report.txt" in k["reason"] for k in kept)
    assert any(r["propagated"] for r in report["minutes.txt"]["redactions"])
