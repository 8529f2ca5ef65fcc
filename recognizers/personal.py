"""Personal-data recognizers that need code: street addresses (validated by usaddress),
dates of birth in context, and person names signalled by honorifics, ranks and email headers.

Each is a Presidio ``EntityRecognizer`` so it runs in the same engine, with the same result
type and explanations, as Presidio's predefined recognizers.
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import EntityRecognizer

from .common import REGEX_TIMEOUT
from .common import result as _result
from .addresses import AddressRecognizer
from .declared import declared_recognizers
from .medical import MedicalConditionRecognizer
from .names import is_given

_STREET_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Court|Ct|Place|Pl|Way|Terrace|Ter"
    r"|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Trl|Plaza|Plz|Alley|Aly|Loop|Pike|Row|Run"
    r"|Crescent|Cres|Close|Path|Point|Pt|Ridge|Park|Landing|Crossing|Xing|Commons|Walk|Route|Rte)\.?"
)
_UNIT = r"(?:,?\s*(?:Apt|Apartment|Unit|Suite|Ste|Room|Rm|Bldg|Building|Fl|Floor|#)\.?\s*#?\s*[A-Z0-9-]{1,6})"
_STATE = (r"(?:A[LKZR]|C[AOT]|D[EC]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]"
          r"|T[NX]|UT|V[AT]|W[AIVY]|PR|GU|VI)")
_CITY_LINE = rf"(?:,?[ \t]*\n?[ \t]*[A-Z][A-Za-z.' -]{{1,30}},?[ \t]+{_STATE}\.?(?:[ \t]+\d{{5}}(?:-\d{{4}})?)?)"
US_ADDRESS = re.compile(
    rf"(?<![\w.,-])\d{{1,6}}[A-Z]?(?:[ \t]+(?:[NSEW]|North|South|East|West|NE|NW|SE|SW)\.?)?"
    rf"(?:[ \t]+(?:[A-Z][A-Za-z'-]*|\d{{1,3}}(?:st|nd|rd|th))){{1,4}}[ \t]+{_STREET_SUFFIX}(?![A-Za-z])"
    rf"(?:[ \t]+(?:[NSEW]|NE|NW|SE|SW|North|South|East|West)\b\.?)?{_UNIT}?{_CITY_LINE}?",
)
PO_BOX = re.compile(
    rf"\b(?:P\.?\s?O\.?\s?Box|Post\s+Office\s+Box)\s+\d{{1,7}}{_CITY_LINE}?", re.IGNORECASE)


class UsAddressRecognizer(EntityRecognizer):
    """US street addresses and PO boxes: a candidate pattern, validated by usaddress's
    probabilistic parser (it must label a house number, a street name and a street type)."""

    ENTITY = "US_STREET_ADDRESS"

    def __init__(self):
        super().__init__(supported_entities=[self.ENTITY], name="UsAddressRecognizer",
                         supported_language="en")

    def load(self) -> None:  # nothing to load
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        import usaddress

        results = []
        for m in US_ADDRESS.finditer(text, timeout=REGEX_TIMEOUT):
            candidate = m.group(0)
            try:
                tagged, kind = usaddress.tag(candidate.replace("\n", " "))
            except usaddress.RepeatedLabelError:
                continue
            labels = set(tagged)
            if kind != "Street Address" or not {"AddressNumber", "StreetName"} <= labels:
                continue
            if "StreetNamePostType" not in labels and "StreetNamePreType" not in labels:
                continue
            score = 0.85 if ("StateName" in labels or "ZipCode" in labels) else 0.7
            results.append(self._result(m.start(), m.end(), score,
                                        f"usaddress parsed {', '.join(sorted(labels))}"))
        for m in PO_BOX.finditer(text, timeout=REGEX_TIMEOUT):
            results.append(self._result(m.start(), m.end(), 0.8, "post office box"))
        return results

    def _result(self, start, end, score, why):
        return _result(self, self.ENTITY, start, end, score, why)


_UK_POSTCODE = r"(?:[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2})"
_UK_STREET = (r"(?:Road|Rd|Street|St|Lane|Avenue|Ave|Close|Drive|Way|Gardens|Crescent|Place|Terrace"
              r"|Grove|Hill|Square|Court|Mews|Row|Walk|Park|Green|Rise|View|Parade)\.?")
UK_ADDRESS = re.compile(
    rf"\b(?:(?:Flat|Apartment)\s+\d+[A-Z]?,?\s+)?\d{{1,4}}[A-Z]?\s+(?:[A-Z][a-z']+\s+){{1,3}}{_UK_STREET}"
    rf"(?:,?[ \t]*\n?[ \t]*[A-Z][A-Za-z' -]{{1,30}}){{0,3}},?[ \t]*\n?[ \t]*{_UK_POSTCODE}\b")


class UkAddressRecognizer(EntityRecognizer):
    """UK street addresses that end in a postcode (the postcode makes the address)."""

    ENTITY = "UK_ADDRESS"

    def __init__(self):
        super().__init__(supported_entities=[self.ENTITY], name="UkAddressRecognizer", supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        return [_result(self, self.ENTITY, m.start(), m.end(), 0.85, "street and UK postcode")
                for m in UK_ADDRESS.finditer(text, timeout=REGEX_TIMEOUT)]


_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
          r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
DATE = (rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})|\d{{4}}-\d{{2}}-\d{{2}}"
        rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}"
        rf"|\d{{1,2}}-{_MONTH}-\d{{2,4}})")
DOB = re.compile(
    rf"(?:\bD\.?O\.?B\.?|\bdate\s+of\s+birth|\bbirth\s*date|\bborn(?:\s+on)?|\bbirthday)"
    rf"\s*[:\-]?\s*(?:is\s+|was\s+)?(?P<date>{DATE})",
    re.IGNORECASE)


class DateOfBirthRecognizer(EntityRecognizer):
    """A date preceded by DOB / date of birth / born, or standing in a DOB column: a date of
    birth, unlike other dates, which FOI releases keep."""

    ENTITY = "DATE_OF_BIRTH"

    def _table_column(self, text):
        """Dates under a "DOB" column header in a table (rosters, logs), up to the next blank line."""
        out = []
        pos = 0
        lines = text.split("\n")
        header = None  # (col0, col1) of the header word
        for line in lines:
            if not line.strip():
                header = None
            elif header is None:
                h = _DOB_HEADER.search(line)
                # A header line names columns: it has two or more runs of spaces between fields.
                if h and len(re.findall(r"\S\s{2,}\S", line)) >= 2 and not any(c.isdigit() for c in line):
                    header = (h.start(), h.end())
            else:
                for d in _DATE_ONLY.finditer(line, timeout=REGEX_TIMEOUT):
                    if d.start() <= header[1] + 4 and header[0] - 4 <= d.end():
                        out.append(_result(self, self.ENTITY, pos + d.start(), pos + d.end(), 0.9,
                                           "date in a 'DOB' column"))
            pos += len(line) + 1
        return out

    def __init__(self):
        super().__init__(supported_entities=[self.ENTITY], name="DateOfBirthRecognizer",
                         supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        out = self._table_column(text)
        for m in DOB.finditer(text, timeout=REGEX_TIMEOUT):
            s, e = m.span("date")
            out.append(_result(self, self.ENTITY, s, e, 0.95,
                               f"date after '{m.group(0)[:s - m.start()].strip()}'"))
        return out


_HONORIFIC = (r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Det|Detective|Sgt|Sergeant|Lt|Lieutenant|Capt|Captain|Ofc|Ofcr|Ptl"
              r"|Patrolman|Patrolwoman"
              r"|Cpl|Corporal|Officer|Deputy|Agent|Special Agent|SA|Inspector|Insp|Cmdr|Commander|Col"
              r"|Colonel|Maj|Major|Gen|General|Rev|Hon|Judge|Justice|Senator|Sen|Rep|Trooper|Tpr|Chief"
              r"|Constable|PC|DC|DS|DI|Paramedic|EMT|Nurse|Firefighter|Warden|Counselor|Trustee|Trustees"
              r"|Commissioner|Councillor|Alderman|Resident|Parent|Neighbor|Neighbour|Witness|Complainant"
              r"|Victim|Suspect|Driver|Passenger|Employee|Traveler|Traveller|Applicant|Investigator"
              r"|Correctional Officer|Social worker|social worker|housing officer|inspector|teacher|officer"
              r"|Minister|Deputy Minister|Ambassador|Professor)")
_NAME_WORD = r"(?:[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?|[A-Z]\.|[A-Z][A-Z]+(?:[-'][A-Z]+)?)"
# English function words never part of a name ("de", "van", "la" are: they stay out of this).
_FUNCTION_WORDS = {"to", "and", "or", "the", "of", "for", "in", "on", "at", "by", "from", "with", "an",
                   "into", "via", "per", "than", "then", "is", "was", "are", "were", "has", "had"}
HONORIFIC_NAME = re.compile(
    rf"\b{_HONORIFIC}\.?[ \t]+(?P<name>{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,3}})")
HEADER_NAME = re.compile(
    r"^(?i:From|To|Cc|CC|Bcc|Sent by|Reply-To|Attn|Attention|Prepared by|Submitted by|Reporting Officer"
    r"|Complainant|Victim|Witness|Suspect|Employee|Name|Applicant|Requester|Arrestee|Defendant|Driver"
    r"|Passenger|Patient|Patient name|Traveler|Traveller|Statement of|Service user|Owner|Parent|Guardian"
    r"|Decedent|Offender|Inmate|Subject employee|Contact|Investigator|Signed|Interviewer|Interviewee"
    r"|Tenant|Landlord|Claimant|Beneficiary|Account holder|Cardholder|Prepared for)[ \t]*:[ \t]*"
    r"(?P<names>[^\n]+)$", re.MULTILINE)
_CAPS_NOT_NAMES = {"USA", "GBR", "AUS", "CAN", "NZL", "FVEY", "NATO", "CTI", "EXPT", "PRVCY", "MONDAY", "TUESDAY",
                   "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY", "JANUARY", "FEBRUARY", "MARCH",
                   "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER",
                   "CHANGES", "PAY", "INC", "LLC", "REL", "TO", "AND", "OR", "THE", "OF", "CITY", "COUNTY",
                   "STATE", "DEPARTMENT", "OFFICE", "REPORT", "MINUTES", "MEETING", "NOTICE", "DIVISION"}
CAPS_LAST_FIRST = re.compile(r"\b[A-Z][A-Z'-]+, [A-Z][A-Z'-]+(?: [A-Z]\.?)?(?![\w'])")
DISPLAY_NAME = re.compile(
    # (not the "PM" of "On ... at 4:12 PM Jane Roe <jane@...> wrote:")
    r"(?:\b(?:AM|PM|A\.M\.|P\.M\.)[ \t]+)?"
    r"(?P<name>[A-Z][A-Za-z'.-]+(?:,?[ \t]+[A-Z][A-Za-z'.-]+){1,3})[ \t]*<[^<>@\s]+@[^<>\s]+>")
_NOT_NAMES = {"Department", "Office", "Agency", "Bureau", "Division", "Section", "Unit", "Police",
              "County", "City", "State", "Federal", "National", "Service", "Services", "Team",
              "Committee", "Board", "Council", "Re", "Fwd", "RE", "FW", "Inc", "LLC", "Corp",
              "Center", "Centre", "Group", "Program", "Project", "Report", "Memo", "Memorandum",
              # Job titles: "Deputy Director" is an office, not a person.
              "Director", "Deputy", "Manager", "Coordinator", "Chief", "Officer", "Secretary",
              "Commissioner", "Chair", "Chairman", "Chairwoman", "Assistant", "Supervisor", "President",
              "Administrator", "Clerk", "Analyst", "Specialist", "Counsel", "Attorney", "Head", "Lead",
              "Superintendent", "Commander", "Sheriff", "Mayor", "Governor", "Treasurer", "Auditor",
              "Human", "Resources", "Operations", "Fleet", "Public", "Works", "Association", "Organization",
              "Company", "Corporation", "Street", "Avenue", "Road", "Lane", "Drive", "Court", "Boulevard",
              "Highway", "Route", "Minister", "Ambassador", "Embassy", "Ministry", "Hospital", "School",
              "University", "College", "Village", "Town", "Clerk", "Administrative", "Commission",
              "Systems", "Insurance", "Bank", "Church", "Union", "Trust", "Partners", "Consulting"}


SIGN_OFF = re.compile(
    r"^[ \t]*(?:Sincerely|Respectfully(?: submitted)?|Regards|Best regards|Kind regards|Yours truly"
    r"|Very truly yours|Cordially|Thank you|Thanks)[ \t]*,?[ \t]*\n(?:[ \t]*\n)?[ \t]*(?P<name>[^\n]{3,60})$",
    re.MULTILINE | re.IGNORECASE)


_DOB_HEADER = re.compile(r"\b(?:DOB|D\.O\.B\.|Date of Birth|Birth ?Date|Born)\b", re.IGNORECASE)
_DATE_ONLY = re.compile(DATE)


class PersonNameRecognizer(EntityRecognizer):
    """Names the small spaCy model misses: after an honorific or rank ("Det. Maria Lopez"),
    email display names, and the name fields of headers and forms ("From: DOE, JOHN")."""

    ENTITY = "PERSON"

    def __init__(self):
        super().__init__(supported_entities=[self.ENTITY], name="PersonNameRecognizer",
                         supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        out = []
        for m in HONORIFIC_NAME.finditer(text, timeout=REGEX_TIMEOUT):
            s, e = m.span("name")
            if not self._plausible(text[s:e]):
                continue
            out.append(self._result(s, e, 0.8, "name after an honorific or rank"))
        for m in DISPLAY_NAME.finditer(text, timeout=REGEX_TIMEOUT):
            s, e = m.span("name")
            if self._plausible(text[s:e]):
                out.append(self._result(s, e, 0.85, "email display name"))
        for m in CAPS_LAST_FIRST.finditer(text, timeout=REGEX_TIMEOUT):
            line_start = text.rfind("\n", 0, m.start()) + 1
            line = text[line_start:text.find("\n", m.end()) if "\n" in text[m.end():] else len(text)]
            tokens = re.findall(r"[A-Z'-]+", m.group(0))
            if "//" in line or any(t in _CAPS_NOT_NAMES or len(t) < 2 or not re.search("[AEIOUY]", t)
                                   for t in tokens[:2]):
                continue
            # the shape alone also fits lists in capitals ("ADMIN, EXECUTIVE", "CULTURE, VISION"):
            # FIRST must be a given name of the lexicon
            if not is_given(tokens[1]):
                continue
            if self._plausible(m.group(0).title()):
                out.append(self._result(m.start(), m.end(), 0.7, "LAST, FIRST name in capitals"))
        for m in SIGN_OFF.finditer(text, timeout=REGEX_TIMEOUT):
            line = m.group("name")
            name = re.split(r",|\s{2,}| - ", line)[0].strip()
            if self._plausible(name) and len(name.split()) >= 2:
                start = m.start("name") + line.find(name)
                out.append(self._result(start, start + len(name), 0.75, "name in a signature block"))
        for m in HEADER_NAME.finditer(text, timeout=REGEX_TIMEOUT):
            base = m.start("names")
            for part in re.finditer(r"[^;\n]+", m.group("names")):
                chunk = part.group(0)
                chunk_start = base + part.start()
                # "Doe, John" is one name; "John Doe, Jane Roe" are two.
                pieces = ([(0, len(chunk))] if re.fullmatch(r"\s*[A-Z][A-Za-z'-]+,\s*[A-Z][A-Za-z'. -]+\s*", chunk)
                          else [(p.start(), p.end()) for p in re.finditer(r"[^,]+", chunk)])
                for ps, pe in pieces:
                    piece = chunk[ps:pe]
                    piece_clean = re.sub(r"<[^>]*>|\S+@\S+|\([^)]*\)", "", piece).strip(" \t\"'")
                    if not piece_clean or not self._plausible(piece_clean):
                        continue
                    if len(piece_clean.split()) < 2 and "," not in piece_clean:
                        continue  # one word after "From:" is more often an office than a person
                    offset = chunk_start + ps + piece.find(piece_clean)
                    out.append(self._result(offset, offset + len(piece_clean), 0.75, "name in a header field"))
        return out

    @staticmethod
    def _plausible(name: str) -> bool:
        words = re.findall(r"[A-Za-z][A-Za-z'.-]*", name)
        if not words or len(words) > 5:
            return False
        if any(w.strip(".") in _NOT_NAMES or w.lower() in _FUNCTION_WORDS for w in words):
            return False  # "DC TO SPRINGFIELD AND RETURN" is a route, not Detective Constable To
        if any(ch.isdigit() or ch in "_:" for ch in name):
            return False  # a blank to fill in ("X ______") or a field's label ("Date:") is no name
        return all(w[0].isupper() for w in words) and len(name.replace(" ", "")) >= 3

    def _result(self, start, end, score, why):
        return _result(self, self.ENTITY, start, end, score, why)


def custom_recognizers() -> list[EntityRecognizer]:
    from .names import NameStructureRecognizer

    return [UsAddressRecognizer(), UkAddressRecognizer(), DateOfBirthRecognizer(), PersonNameRecognizer(),
            NameStructureRecognizer(), AddressRecognizer(), MedicalConditionRecognizer(), *declared_recognizers()]
