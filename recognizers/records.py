"""What kind of record a document is, from its content: a law enforcement record.

FOIA's (b)(7)(C) covers personal privacy in records compiled for law enforcement purposes, and
names of officers in such records are withheld like everyone else's. A record is recognised as
one by its own text, not only by the folder it was filed in: the evidence is the structure of
police paperwork, not a word that any record about the police may use.

Evidence, by kind (each kind counts once):

- ``heading``: a line that is the name of a police form ("INCIDENT REPORT", "Arrest Report",
  "SUPPLEMENTAL NARRATIVE", "Daily Booking Log", "General Offense Report", "Traffic Crash
  Report", "Use of Force Report", "Witness Statement"...), maybe with the agency or the report
  number on the same line;
- ``form labels``: field labels that open a line of a police form ("Case Number:", "Report No.",
  "Offense:", "Date of Occurrence", "Reporting Officer", "Arresting Deputy", "Badge",
  "Booking number", "Charges", "Arrestee", "Suspect"...), two different ones at least;
- ``role codes``: persons referred to by the role codes of police narratives (``V1``, ``S1``,
  ``W2``, ``RP``) followed by a name;
- ``marking``: "LAW ENFORCEMENT SENSITIVE";
- ``agency``: a law enforcement agency named in the first lines (letterhead, title);
- ``procedure``: Miranda warnings, booking, an arrest made, an officer's badge or star number.

A record is a law enforcement record when it shows structural evidence (a heading, form
labels, role codes or the marking) and the kinds found weigh 3 or more: a court opinion about
a Miranda warning, council minutes with the police chief's monthly report, or an HR memo about
an officer show words of the trade but not the paperwork, and are not. The evidence is kept as
a short list of kinds and labels (never a value of the record), for the report.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex as re

from .common import REGEX_TIMEOUT

LAW_ENFORCEMENT = "law_enforcement"

_FORM = (r"(?:incident|offen[cs]e|arrest|crime|police|supplement(?:al|ary)|(?:traffic[ \t]+)?(?:crash|collision)"
         r"|traffic[ \t]+accident|field[ \t]+interview|use[ \t]+of[ \t]+force|booking|missing[ \t]+person"
         r"|domestic[ \t]+violence|death[ \t]+investigation)")
# The name of a police form, alone on its line (a title may name the agency and the case before
# or after it: "Riverton Police Department - INCIDENT REPORT - Case RPD-...").
HEADING = re.compile(rf"(?im)^[ \t]*(?:[^\n]{{0,60}}[-|:][ \t]*)?(?:[A-Za-z]+[ \t]+){{0,2}}(?P<h>{_FORM}(?:[ \t]+(?:incident|offense|arrest))?"
                     r"[ \t]+(?:report|narrative|sheet|log|form)|witness[ \t]+statement)\b"
                     r"(?:[ \t]*[-|:#(][^\n]{0,60}|[ \t]{2,}[^\n]{0,60})?[ \t]*$")
SUPPLEMENT = re.compile(r"(?im)^[ \t]*(?P<h>supplement(?:al|ary)?[ \t]+narrative|narrative[ \t]+supplement"
                        r"|probable[ \t]+cause[ \t]+(?:affidavit|statement)|statement[ \t]+of[ \t]+probable[ \t]+cause)"
                        r"[ \t]*$")
_LABELS = {
    "case number": r"(?:case|incident|report|complaint|cad|event|occurrence|file|crime)[ \t]*(?:number|no\.?|nr\.?|#|num\.?)",
    "offense": r"offen[cs]es?|crimes?|charges?|violations?|nature[ \t]+of[ \t]+(?:call|incident)|incident[ \t]+type"
               r"|call[ \t]+type|ucr(?:[ \t]+code)?|statute",
    "date of occurrence": r"(?:date|time|location|place)(?:[ \t]*(?:/|and)[ \t]*time)?[ \t]+of[ \t]+(?:occurrence|offen[cs]e"
                          r"|incident|arrest)|occurred(?:[ \t]+on)?|date[ \t]+reported",
    "reporting officer": r"(?:reporting|arresting|investigating|assisting|responding|primary|assigned|approving|booking"
                         r"|supervising)[ \t]+(?:officer|deputy|detective|investigator|agent|trooper|unit)s?",
    "badge": r"badge(?:[ \t]*(?:number|no\.?|#))?|star[ \t]+(?:number|no\.?|#)|serial[ \t]+(?:number|no\.?|#)",
    "booking": r"booking(?:[ \t]+(?:number|no\.?|#))?|arrest[ \t]+(?:number|no\.?|#)",
    "disposition": r"disposition|case[ \t]+status|clearance|cleared[ \t]+by",
    "persons": r"arrestee|suspects?|victims?|witness(?:es)?|complainant|reporting[ \t]+party|involved[ \t]+persons?",
    "reporting unit": r"reporting[ \t]+(?:unit|district|beat|area)|beat|precinct|sector",
}
LABEL = re.compile(r"(?im)^[ \t]*(?:" + "|".join(f"(?P<l{i}>{p})" for i, p in enumerate(_LABELS.values()))
                   + r")[ \t]*(?::|#|\||[ \t]{2,}|\t)")
# A role code followed by a name: "V1 HOWELL, Ricardo", "S1 Dale Howard", "W2 Ms. Tran", "RP Lee".
ROLE_CODE = re.compile(r"(?<![\w/-])(?P<c>[VSW][0-9]{1,2}|RP|R/P)[ \t]*[:,-]?[ \t]+"
                       r"(?:(?:Mr|Mrs|Ms|Dr)\.?[ \t]+)?\p{Lu}[\p{L}'-]+")
MARKING = re.compile(r"(?i)\blaw[ \t]+enforcement[ \t]+sensitive\b|\(LES\)")
AGENCY = re.compile(r"(?i)\b(?:police[ \t]+(?:department|dept\.?|service|division|bureau)|sheriff'?s?[ \t]+"
                    r"(?:office|department|dept\.?)|state[ \t]+police|highway[ \t]+patrol|constabulary"
                    r"|marshals?[ \t]+service|bureau[ \t]+of[ \t]+investigation|drug[ \t]+enforcement"
                    r"|department[ \t]+of[ \t]+public[ \t]+safety|public[ \t]+safety[ \t]+department"
                    r"|(?:county|city|metropolitan|metro|transit|university|campus)[ \t]+police)\b"
                    r"|(?m:^[ \t]*(?:[A-Za-z]+[ \t]+){1,3}police[ \t]*$)")
PROCEDURE = re.compile(r"(?i)\bmiranda\b|\b(?:was|were)[ \t]+(?:placed[ \t]+under[ \t]+arrest|arrested|booked|"
                       r"transported[ \t]+to[ \t]+(?:the[ \t]+)?(?:[\w ]{0,30})?(?:jail|detention|station))"
                       r"|\b(?:badge|star)[ \t]*(?:number|no\.?|#)?[ \t]*#?[0-9]{2,6}\b"
                       r"|\b(?:officers?|deputies|deputy|detectives?|troopers?)[ \t]+(?:responded|arrived|were[ \t]+dispatched"
                       r"|was[ \t]+dispatched|observed|located|interviewed)\b")

WEIGHTS = {"heading": 2, "form labels": 2, "role codes": 2, "marking": 2, "agency": 1, "procedure": 1}
STRUCTURAL = {"heading", "form labels", "role codes", "marking"}
THRESHOLD = 3
_HEAD_CHARS = 600  # the letterhead and title of the first page


@dataclass(frozen=True)
class RecordKind:
    kind: str
    evidence: tuple[str, ...]  # kinds of evidence with the labels found, never a value

    def describe(self) -> str:
        return "; ".join(self.evidence)


def _norm(label: str) -> str:
    return " ".join(label.lower().replace(".", "").split())


def law_enforcement_evidence(pages: list[str]) -> dict[str, list[str]]:
    """The evidence of a law enforcement record in ``pages``, by kind (see the module)."""
    found: dict[str, list[str]] = {}

    def add(kind: str, what: str) -> None:
        items = found.setdefault(kind, [])
        if what not in items:
            items.append(what)

    for text in pages:
        for m in HEADING.finditer(text, timeout=REGEX_TIMEOUT):
            add("heading", _norm(m.group("h")))
        for m in SUPPLEMENT.finditer(text, timeout=REGEX_TIMEOUT):
            add("heading", _norm(m.group("h")))
        for m in LABEL.finditer(text, timeout=REGEX_TIMEOUT):
            name = next(name for i, name in enumerate(_LABELS) if m.group(f"l{i}"))
            add("form labels", name)
        for m in ROLE_CODE.finditer(text, timeout=REGEX_TIMEOUT):
            add("role codes", m.group("c").upper().replace("/", ""))
        if MARKING.search(text, timeout=REGEX_TIMEOUT):
            add("marking", "law enforcement sensitive")
        for m in PROCEDURE.finditer(text, timeout=REGEX_TIMEOUT):
            word = m.group(0).lower()
            add("procedure", "miranda" if "miranda" in word else "badge number" if ("badge" in word or "star" in word)
                else "arrest or booking" if re.search(r"arrest|booked|transported", word) else "officers' actions")
    if pages and AGENCY.search(pages[0][:_HEAD_CHARS], timeout=REGEX_TIMEOUT):
        add("agency", "a law enforcement agency in the title")
    # One form label is any form's; two different ones make a form of this trade.
    if len(found.get("form labels", [])) < 2:
        found.pop("form labels", None)
    # Role codes: one code may be a table's or a version's name ("S1"); two different ones, or
    # one with other structure, are a narrative's.
    if len(found.get("role codes", [])) < 2 and not (found.keys() & {"heading", "form labels", "marking"}):
        found.pop("role codes", None)
    return found


def classify(pages: list[str]) -> RecordKind | None:
    """``RecordKind('law_enforcement', evidence)`` when ``pages`` read as a law enforcement
    record, else None."""
    found = law_enforcement_evidence(pages)
    if not found.keys() & STRUCTURAL:
        return None
    if sum(WEIGHTS[k] for k in found) < THRESHOLD:
        return None
    order = ["heading", "form labels", "role codes", "marking", "agency", "procedure"]
    return RecordKind(LAW_ENFORCEMENT, tuple(f"{k}: {', '.join(found[k])}" for k in order if k in found))


def document_attributes(pages: list[str]) -> dict[str, str]:
    """The attributes of a document that a policy's ``when`` may test: ``record`` (the kind
    of record, ``law_enforcement``) and ``record_evidence`` (why, for the report)."""
    kind = classify(pages)
    if kind is None:
        return {}
    return {"record": kind.kind, "record_evidence": kind.describe()}
