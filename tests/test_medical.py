"""Medical conditions of private persons (recognizers/medical.py) and their place in the
default policy: withheld under (b)(6); the names of laws, programmes and health topics stay."""

from __future__ import annotations

import pytest

from recognizers.medical import MedicalConditionRecognizer

REC = MedicalConditionRecognizer()


def spans(text: str) -> set[str]:
    return {" ".join(text[r.start:r.end].split()) for r in REC.analyze(text, None)}


@pytest.mark.parametrize("text,value", [
    ("The certification states that the employee requires leave for chronic kidney disease stage 3. Mail it.",
     "chronic kidney disease stage 3"),
    ("states that the employee requires leave for Type 2\ndiabetes with neuropathy. Correspondence follows.",
     "Type 2 diabetes with neuropathy"),
    ("She was diagnosed with major depressive disorder and is being treated for generalized anxiety; fine.",
     "major depressive disorder"),
    ("She was diagnosed with major depressive disorder and is being treated for generalized anxiety; fine.",
     "generalized anxiety"),
    ("The patient complained of chest pain and was taken to the hospital.", "chest pain"),
    ("Inmate reported diabetes at the medical screening.", "diabetes"),
    ("He has been recovering from a fractured wrist since March.", "fractured wrist"),
    # after a cue, a condition is named however the record names it
    ("The certification from Dr. Amy Lee states that the employee requires leave for lumbar disc herniation. Mail.",
     "lumbar disc herniation"),
    ("He was diagnosed with bipolar I disorder, and the leave was approved.", "bipolar I disorder"),
    # missing work is about someone's health when a treatment is its reason
    ("Ms. Alvarado takes metformin; she missed work due to chemotherapy.", "chemotherapy"),
    ("He has been out of work since his dialysis began.", "dialysis"),
])
def test_conditions_found(text, value):
    assert value in spans(text)


@pytest.mark.parametrize("text", [
    "Approval of Family and Medical Leave Act request",
    "The Family and Medical Leave Act allows 12 weeks of protected leave.",
    "The wellness program on heart health will run in the fall.",
    "Crews will take leave for the holidays.",
    "Crews will take leave for Denver on Monday.",
    "The employee requested leave for the birth of a child.",
    "The committee reviewed the quarterly maintenance schedule for the north reservoir pumps.",
    "The stroke of midnight ended the meeting.",
    # airworthiness directives and incident statistics (real Federal Register and WARN pages)
    "This AD was prompted by reports of an AOA sensor failure. We are issuing this AD to address the unsafe condition.",
    "Serious Injury",
    "The school nurse position was posted in the spring; the pharmacy opens at nine.",
    "The county's time off policy covers dialysis centers' staff.",
    "The report on dialysis funding is attached.",
])
def test_near_misses_stay(text):
    assert spans(text) == set()


def test_default_policy_withholds_medical_conditions(policy):
    from redactor.model import Action, Finding
    from redactor.policy import decide

    f = Finding(page=1, start=0, end=8, text="diabetes", entity="MEDICAL_CONDITION", score=0.85,
                recognizer="MedicalConditionRecognizer", explanation="medical condition after a cue")
    (d,) = decide([f], policy, relpath="hr/memo.txt", pages=["diabetes"], fmt="text")
    assert d.action is Action.REDACT and d.exemptions == ["(b)(6)"]
