"""Officials acting in their role, and the agency's own contact details.

A person named in a record is an official acting in office when the record ties the name to an
official role: a title next to it ("Records Division Commander, Douglas Brooks", "Laura Freeman
| Mayor", "Vice Chair Samuel Ortiz", a signature block with a title under the name; a title
right before the name, never across a colon or comma, and never a title followed by another
person's name), a plural title over a list ("Commissioners Anita Das and Peter Lindgren"),
counsel of record ("...; on behalf of the Petitioner"), the judge form "Bryan, J.", a
classification authority ("Classified By:"), the sender and addressees in the header of a
record bearing a classification banner, a form field labelled with a role ("POC", "Approved
by"), a colleague an official copies on a reply to the public, or a motion made or seconded
in a meeting. A name
read across a line break is never an official (the other line's words would ride along). A government email address under the name is not
enough on its own (any employee has one, also when writing about their own personnel matter):
the sender of a message is an official when the message gives them a role, e.g. a signature
block with a title. Such findings get the attribute ``role: official`` and an explanation
naming the evidence; the policy decides what to do with them (the shipped US policy keeps them,
except in law enforcement records).

Privacy wins every tie: a name the same record also gives a private role (victim, applicant,
employee under review, a resident speaking at a meeting...) is not an official anywhere in it.

The work email of an official (same line as the name, or a mailbox made of the official's
name), and a phone number in an official's signature block, get ``role: official`` as well;
the address and main phone number in the agency's letterhead get ``role: agency``, and so does
the same number or address wherever the record repeats it. Every marked finding carries its
evidence as the attribute ``role_evidence``, which the policy's reason cites.
"""

from __future__ import annotations

import dataclasses

import regex as re

from . import mailboxes
from .common import GOV_EMAIL, REGEX_TIMEOUT, TITLE_WORDS

_PRIVATE_ROLES = (r"victim|witness|suspect|arrestee|applicant|complainant|claimant|requester|requestor|resident"
                  r"|residing|parent|guardian|student|patient|tenant|employee|subject|inmate|detainee|driver"
                  r"|passenger|owner|decedent|minor|juvenile|plaintiff|petitioner|respondent|defendant|debtor"
                  r"|speaker|member of the public|caller|reporting party|traveler|traveller|beneficiary")
PRIVATE_BEFORE = re.compile(rf"(?i)\b(?:{_PRIVATE_ROLES})\b[ \t]*(?:employee|name)?[ \t]*[:|,-]?[ \t]*"
                            r"(?:(?:Mr|Mrs|Ms|Mx|Miss|Dr)\.?[ \t]+)?$")
PRIVATE_AFTER = re.compile(rf"(?i)^[ \t]*(?:,[ \t]*(?:a|an|the)?[ \t]*|\(|[ \t]+(?:a|an)[ \t]+)?"
                           rf"(?:{_PRIVATE_ROLES})\b")
_TITLE_TOKEN = r"(?:[A-Z][A-Za-z.'-]*|of|for|and|the|&)"
TITLE_PHRASE = re.compile(rf"{_TITLE_TOKEN}(?:[ \t]+{_TITLE_TOKEN}){{0,6}}")
COUNSEL = re.compile(r"(?i)^[^\n]{0,200}?\b(?:on behalf of|for|counsel for|attorneys? for|appearing for)[ \t]+"
                     r"(?:the[ \t]+)?(?:petitioners?|respondents?|appellants?|appellees?|plaintiffs?|defendants?"
                     r"|the state|the people|the united states|the government|the city|the county|the board"
                     r"|the district|the agency|the department|amicus)\b")
# "On behalf of the respondent, <name>, ..." / "For the petitioner: <name>": the party's
# counsel, not the party, is named there (but "Counsel for Plaintiff <name>" names the party).
FOR_PARTY_BEFORE = re.compile(r"(?i)(?<!counsel[ \t])(?<!attorneys?[ \t])\b(?:on behalf of|for|appearing for)[ \t]+"
                              r"(?:the[ \t]+)?(?:petitioners?|respondents?|appellants?|appellees?|plaintiffs?"
                              r"|defendants?)\b[ \t]*[:,][ \t]*(?:(?:Mr|Mrs|Ms|Mx|Miss|Dr)\.?[ \t]+)?$")
JUDGE_AFTER = re.compile(r"^,?[ \t]*(?:C\.[ \t]?J\.|P\.[ \t]?J\.|JJ?\.|J\.[ \t]?P\.T\.)(?![A-Za-z])")
ROLE_BEFORE = re.compile(r"(?i)(?:classified by|approved by|authori[sz]ed by|reviewed by the[^\n,]{0,40},"
                         r"|point of contact|contracting officer|reviewing official|certifying official"
                         r"|motion by|moved by|seconded by|presiding|before|judge|justice|hon\.|honorable"
                         r"|commissioner|councillor|councilmember|council member|trustee|mayor|sheriff|chief"
                         r"|director|superintendent|secretary|chair|chairman|chairwoman|clerk)[ \t:]*"
                         r"(?:(?:Mr|Mrs|Ms|Mx|Dr|Hon)\.?[ \t]+)?$")


# Words that qualify a title before or after its title word ("Vice Chair", "Deputy City Clerk",
# "Senior Planner", "Board President").
MODIFIERS = {"vice", "deputy", "assistant", "associate", "senior", "chief", "acting", "interim", "executive",
             "principal", "lead", "presiding", "supervising", "managing", "special", "city",
             "county", "state", "district", "town", "village", "board", "council", "school", "general", "police",
             "fire", "records", "planning", "finance", "public", "court", "federal", "us", "u.s.", "united",
             "states", "attorney", "&"}
HONORIFIC = re.compile(r"(?:^|[ \t])(?:Mr|Mrs|Ms|Mx|Dr|Hon|Prof)\.?[ \t]*$")


_FUNCTION_WORDS = {"of", "for", "and", "the", "in", "at", "to", "on", "by", "with", "from", "&"}


def _is_title_word(w: str) -> bool:
    w = w.strip(".,;:").lower()
    return w in TITLE_WORDS or (len(w) > 3 and w.endswith("s") and w[:-1] in TITLE_WORDS)


def _title_shape(words: list[str]) -> bool:
    """A whole title: after its last title word, nothing or the office's object after "of" /
    "for" ("Chief Procurement Officer", "Chief of Police", "Clerk of the Board"), never another
    person's name ("Vice Chair Samuel Ortiz", "Council Member Nancy Adkins"), and not cut off
    ("Chief of the Cuban Embassy in")."""
    marks = [i for i, w in enumerate(words) if _is_title_word(w)]
    if not marks or words[-1].strip(".,;:").lower() in _FUNCTION_WORDS:
        return False
    rest = [w.strip(".,;:").lower() for w in words[marks[-1] + 1:]]
    return not rest or rest[0] in ("of", "for")


def _title_in(phrase: str) -> str | None:
    """The title in ``phrase`` if it reads as one ("Chief of Police", "City Clerk"), not a
    title followed by someone else's name."""
    phrase = phrase.strip(" \t,;:|")
    m = TITLE_PHRASE.match(phrase)
    if not m:
        return None
    words = m.group(0).split()
    if not words or not words[0][:1].isalpha():
        return None
    if _title_shape(words):
        return m.group(0).strip()
    return None


# A plural title over a list of names on one line: "Commissioners Anita Das and Peter Lindgren",
# "Council Members Adkins, Brown and Cole".
_LIST_NAME = r"(?:(?:Mr|Mrs|Ms|Dr)\.?[ \t]+)?(?:\p{Lu}[\p{L}.'-]*[ \t]+){0,3}\p{Lu}[\p{L}'-]+"
PLURAL_TITLE_LIST = re.compile(rf"(?P<t>(?:\p{{Lu}}[\p{{L}}-]+[ \t]+)?\p{{Lu}}[\p{{L}}-]+s)[ \t]+(?:{_LIST_NAME}"
                               r"(?:[ \t]*,[ \t]*(?:and[ \t]+)?|[ \t]+and[ \t]+))*$")


FORM_VALUE_AFTER = re.compile(r"^[ \t]*(?:[,|][ \t]*[\w.+-]+@[\w-]+(?:\.[\w-]+)+)?[ \t,|]*$")
_LABEL_MAX = 40


def _label_above(text: str, line_start: int, max_blank: int = 2) -> str | None:
    """The line above ``line_start`` (blank lines between skipped, up to ``max_blank``) when it
    is short enough to be a form's field label."""
    pos, blanks = line_start, 0
    while pos > 0:
        prev = text.rfind("\n", 0, pos - 1) + 1
        line = text[prev:pos - 1].strip()
        if line:
            return line if len(line) <= _LABEL_MAX else None
        blanks += 1
        if blanks > max_blank:
            return None
        pos = prev
    return None


def _block_lines(text: str, ls: int, le: int, n: int, stop_at=frozenset()) -> list[tuple[int, int]]:
    """Up to ``n`` lines of the block under the line at ``ls``-``le`` (a signature block), as
    (start, end): the lines right under it, up to a blank line; and, when the line is a
    paragraph of its own (a blank line above it, or none), short one-line paragraphs under it
    with one blank line between, as a Word document's paragraphs read ("Laura Freeman" /
    "Mayor" / "City of Riverton", one paragraph each). Two blank lines (an empty paragraph)
    end the block, and so does a message's header line ("From:", "Sent:"): it opens the next
    message; and a line that starts in ``stop_at`` (a line naming someone else: "cc: ...")."""
    paragraphs = ls == 0 or text[max(0, ls - 2):ls] == "\n\n"
    out: list[tuple[int, int]] = []
    end = le
    while len(out) < n and end < len(text):
        start = end + 1
        crossed = text.startswith("\n", start)
        if crossed:
            start += 1
            if not paragraphs or text.startswith("\n", start):
                break
        stop = text.find("\n", start)
        stop = len(text) if stop < 0 else stop
        line = text[start:stop]
        if not line.strip() or _HEADER.match(line) or _OTHER_HEADER.match(line) or start in stop_at:
            break
        if crossed and (len(line) > _PARAGRAPH_LINE_MAX or text[stop:stop + 2] not in ("", "\n", "\n\n")):
            break  # a paragraph of prose, not a block's line
        out.append((start, stop))
        end = stop
    return out


_PARAGRAPH_LINE_MAX = 80


def _line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    return ls, (len(text) if le < 0 else le)


# A classified record: a classification banner line ("TOP SECRET", "SECRET//NOFORN",
# "CONFIDENTIAL"). Its messages pass between cleared officials, so the sender and addressees
# in its header lines are officials acting in role; the subject of a message is not.
CLASSIFIED_BANNER = re.compile(r"(?m)^[^\w\n]{0,3}(?:TOP[ -]?SECRET|SECRET|CONFIDENTIAL)(?=$|[ \t/])")
HEADER_LABEL = re.compile(r"(?i)^[^\w\n]{0,3}(?P<l>from|fm|to|info|cc|originator|attn|attention|memorandum for"
                          r"|eyes[ \t]+only[ \t]+for)[ \t]*[:.]?[ \t]*(?:(?:mr|mrs|ms|dr|hon)\.?[ \t]+)?"
                          r"(?:\p{Lu}\p{L}{0,3}\.[ \t]*)*$")


def is_classified(pages: list[str]) -> bool:
    return any(CLASSIFIED_BANNER.search(t, timeout=REGEX_TIMEOUT) for t in pages)


def evidence(text: str, start: int, end: int, classified: bool = False,
             cell_label: str | None = None, cell_after=None) -> tuple[str | None, bool]:
    """(official evidence, private evidence) for the name at text[start:end] (``classified``:
    the record bears a classification banner; ``cell_label``: the text of the cell to the left
    of the name's cell on a form read by position, its field label; ``cell_after``: a function
    giving the text of the cell right of it in its row, for a table read by position)."""
    ls, le = _line_bounds(text, start, end)
    before = text[ls:start]
    after = text[end:le]
    # a form's field: its label on a line of its own above the value ("POC" / blank line /
    # "Michelle Spencer, mspencer@fbcs.gov"; "Applicant" / "Erin Alvarez")
    label = cell_label or (_label_above(text, ls) if not before.strip() and FORM_VALUE_AFTER.match(after) else None)
    for_party = bool(FOR_PARTY_BEFORE.search(before[-80:]))
    private = bool((PRIVATE_BEFORE.search(before[-60:]) and not for_party) or PRIVATE_AFTER.match(after)
                   or (label and PRIVATE_BEFORE.search(label)))
    if private:
        return None, True
    # the judge form "Bryan, J."
    if JUDGE_AFTER.match(after):
        return "judge (the ', J.' form)", False
    # "Name, Title" / "Name | Title" / "Name    Title" on the same line
    m = re.match(r"^[ \t]*(?:,|\||\t|[ \t]{2,}|[ \t]+-[ \t]+)[ \t]*(?P<rest>[^\n]*)", after)
    if m:
        # the title's own cell (a payroll row goes on with an amount), without the dates of
        # the post ("DISTRICT DIRECTOR FROM MAY 23")
        rest = _CELL_GAP.split(m.group("rest").strip(" \t"), maxsplit=1)[0]
        rest = _TENURE.sub("", rest)
        title = _title_in(rest)
        if title:
            return f"title '{title}' next to the name", False
    # "Name | Title" in a table read by position, the title in the next cell of the row (a
    # payroll or a staff roster)
    if not after.strip() and cell_after is not None:
        right = cell_after()
        title = _title_in(_TENURE.sub("", right)) if right else None
        if title:
            return f"title '{title}' in the next cell of the name's row", False
    # "Title, Name" / "Title: Name" / "Title Name" / "Title | Name" / "Title Dr. Name" on the
    # same line: the title stands right before the name (words separated by spaces only, so
    # never across a colon or comma: "...may it please the Court: Mr. Holloway" is no title)
    tail = before.rstrip(" \t")
    hon = HONORIFIC.search(tail)
    if hon:
        tail = tail[:hon.start()].rstrip(" \t")
    for sep in (",", ":", "|", ""):
        if sep and not tail.endswith(sep):
            continue
        chunk = (tail[:-1] if sep else tail).rstrip(" \t")
        if sep == "" and before and not before[-1].isspace():
            break  # the name is glued to the word before it
        run = re.search(rf"(?:{_TITLE_TOKEN}[ \t]+){{0,6}}{_TITLE_TOKEN}$", chunk[-100:])
        if not run:
            continue
        words = run.group(0).split()
        for k in range(1, len(words) + 1):
            cand = words[-k:]
            if cand[0][:1].isupper() and _title_in(" ".join(cand)) and _title_shape(cand):
                # widen to the modifiers before it ("Vice Chair", "Deputy City Clerk")
                while k < len(words) and (words[-k - 1].lower().strip(".,") in MODIFIERS
                                          or _is_title_word(words[-k - 1])):
                    k += 1
                return f"title '{' '.join(words[-k:])}' before the name", False
    m = PLURAL_TITLE_LIST.search(before[-160:])
    if m and _is_title_word(m.group("t").split()[-1]) and m.group("t").split()[-1].lower().endswith("s"):
        return f"listed after the title '{m.group('t')}'", False
    m = ROLE_BEFORE.search(before[-60:])
    if m:
        return f"named as '{m.group(0).strip(' :')}'", False
    # counsel of record: "..., Deputy Attorney General, Los Angeles, Cal.; on behalf of the Petitioner"
    if COUNSEL.match(text[end:end + 220].split("\n\n")[0]):
        return "counsel of record ('on behalf of' a party)", False
    # a name alone on its line, with a title on the next line (signature block, roster)
    if not before.strip() and not after.strip(" \t,"):
        below = _block_lines(text, ls, le, 1)
        nxt = text[below[0][0]:below[0][1]] if below else ""
        title = _title_in(nxt) if nxt.strip() else None
        line = nxt.strip(" \t,;:|")
        # the whole line, or the line's first words before a comma ("Lance T. Gant," /
        # "Director, Compliance & Airworthiness Division")
        if title and len(line) <= 70 and (line == title or (
                after.strip() == "," and line.startswith(title) and line[len(title):].startswith(","))):
            return f"title '{title}' on the line under the name", False
    if classified:
        head = HEADER_LABEL.match(before) or (label and HEADER_LABEL.match(label))
        if head:
            field = " ".join(head.group("l").split()).upper()
            return f"sender or addressee ('{field}') of a classified message", False
    if label:
        where = "beside" if cell_label else "above"
        title = _title_in(label)
        if title and title == label.strip(" \t,;:|"):
            return f"form field '{title}' {where} the name", False
        m = ROLE_BEFORE.fullmatch(label.strip(" \t|") + " ")
        if m:
            return f"form field '{label.strip(' :|')}' {where} the name", False
    # counsel's signature block: the name alone on its line, "Counsel for Plaintiff" (or
    # "Attorney for Debtor") a few lines under it, after the firm's address
    if not before.strip() and not after.strip(" \t,"):
        role = _counsel_under(text, le)
        if role:
            return f"counsel of record (signature block: '{role}')", False
    # a name in the attendance list of a meeting ("Present", "Members present"), or a
    # candidate under the office on a ballot or in election results ("145 MARSHALL TUCK")
    if (not before.strip() or VOTE_COUNT.match(before)) and not after.strip(" \t,|"):
        head = _list_heading(text, ls)
        if head:
            return f"listed under '{head}' (an attendance list, or a public office)", False
    # A display name with a government email address is not evidence by itself: every employee
    # has such an address, also when writing about their own personnel matter, leave or
    # grievance (not acting in office); the message has to tie the name to a role as above.
    return None, False


_TENURE = re.compile(r"(?i)[ \t]+(?:from|to|since|until|through|thru)[ \t]+(?:\p{L}{3,9}\.?[ \t]+)?\d[^\n]*$")
VOTE_COUNT = re.compile(r"^[ \t]*\d{1,7}[ \t]+$")
COUNSEL_LINE = re.compile(r"(?i)^[ \t]*(?P<r>(?:(?:lead|trial|local|appellate)[ \t]+)?(?:counsel|attorneys?|solicitors?)"
                          r"[ \t]+for[ \t]+(?:the[ \t]+)?(?:plaintiffs?|defendants?|petitioners?|respondents?|appellants?"
                          r"|appellees?|debtors?|creditors?|movants?|claimants?|intervenors?|amicus|the[ \t]+state"
                          r"|the[ \t]+people|the[ \t]+united[ \t]+states|the[ \t]+government|the[ \t]+city"
                          r"|the[ \t]+county|the[ \t]+district|the[ \t]+board|the[ \t]+agency))\b")
_COUNSEL_LINES = 7


def _counsel_under(text: str, line_end: int) -> str | None:
    """The "Counsel for ..." line of a signature block under a name (the lines between are the
    firm's address, phone and email; one blank line may stand before the role line)."""
    pos, blanks = line_end, 0
    for _ in range(_COUNSEL_LINES):
        if pos >= len(text):
            return None
        nxt = text.find("\n", pos + 1)
        line = text[pos + 1:(nxt if nxt >= 0 else len(text))]
        pos = nxt if nxt >= 0 else len(text)
        if not line.strip():
            blanks += 1
            if blanks > 1:
                return None
            continue
        m = COUNSEL_LINE.match(line)
        if m:
            return " ".join(m.group("r").split())
    return None


ATTENDANCE = re.compile(r"(?i)^[ \t]*(?:(?:members?|board|council|commissioners?|trustees?|directors?|staff"
                        r"|officials?|committee)[ \t]+)?(?:present|attending|in attendance|attendance|roll call)"
                        r"\b[^\n]{0,40}$")


# Offices whose holders and candidates are public figures: a heading naming one of them over a
# list of names ("LIEUTENANT GOVERNOR / VOTER NOMINATED / GAVIN NEWSOM / RON NEHRING").
PUBLIC_OFFICES = {"governor", "mayor", "senator", "representative", "congress", "congressional", "assembly",
                  "assemblymember", "treasurer", "controller", "comptroller", "commissioner", "commissioners",
                  "judge", "justice", "justices", "attorney", "sheriff", "assessor", "auditor", "secretary",
                  "superintendent", "supervisor", "supervisors", "trustee", "trustees", "councilmember",
                  "alderman", "aldermen", "president", "vice-president", "selectman", "selectmen", "coroner",
                  "prosecutor", "magistrate", "legislator", "delegate", "board", "bd", "council"}
BALLOT_LINE = re.compile(r"(?i)^(?:voter[ -]nominated|nonpartisan|non-partisan|party preference[^\n]*|vote for [^\n]{1,10}"
                         r"|candidates?|incumbent|write-in|\(?(?:rep|dem|ind|grn|lib)\)?)$")


def _office_heading(line: str) -> bool:
    """A short heading that names a public office ("GOVERNOR", "JUDGE-SUPERIOR COURT #61",
    "Board of Supervisors, District 3")."""
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", line)
    if not words or len(words) > 7 or re.search(r"[.!?]$|\b(?:is|are|was|were|the)\b", line):
        return False
    if not all(w[0].isupper() or w.lower() in ("of", "for", "and", "the") for w in words):
        return False
    return any(part.lower() in PUBLIC_OFFICES for w in words for part in w.split("-"))


def _list_heading(text: str, line_start: int, max_lines: int = 14) -> str | None:
    """The attendance heading above a list of names ending at ``line_start``, if any: the
    lines between are blank or single names (two to four capitalised words)."""
    pos = line_start
    for _ in range(max_lines):
        if pos <= 0:
            return None
        prev_start = text.rfind("\n", 0, pos - 1) + 1
        line = text[prev_start:pos - 1].strip()
        pos = prev_start
        if not line:
            continue
        m = ATTENDANCE.match(line)
        if m and not re.search(r"(?i)\b(?:also|public|absent|guests?|visitors?)\b", line):
            return line.split("|")[0].strip()
        if _office_heading(line):
            return line
        if BALLOT_LINE.match(line):
            continue
        line = re.sub(r"^\d{1,7}[ \t]+", "", line)  # a vote count before a candidate
        if not re.fullmatch(r"(?:[A-Z][^\W\d_'’.-]*[ \t]+){1,3}[A-Z][^\W\d_'’.-]*", line):
            return None
        from .names import is_given, is_surname

        words = line.split()
        if not (is_given(words[0]) or is_surname(words[-1])):
            return None  # a heading in capitals, not a name of the list
    return None


def _key(text: str) -> str:
    return " ".join(re.findall(r"[^\W\d_]+", text.lower()))


_HEADER = re.compile(r"(?im)^[ \t>]*(?P<f>from|to|cc)[ \t]*:[ \t]*(?P<v>[^\n]+)$")
_OTHER_HEADER = re.compile(r"(?i)^[ \t>]*(?:sent|date|subject|bcc|reply-to|importance|attachments?)[ \t]*:")
_ADDRESSEE = re.compile(r"(?:\"?(?P<n>[^\"<>,;\n]*?)\"?[ \t]*)?<?(?P<a>[\w.+-]+@(?P<d>[\w-]+(?:\.[\w-]+)+))>?")


def _copied_colleagues(pages: dict[int, str], official: dict[str, str], private: set[str]) -> dict[str, str]:
    """Colleagues an official copies on a reply to the public: a message From an official of
    the record (evidence above), To an address outside the sender's mail domain (a member of
    the public), with the sender's own domain on the To or Cc line: those colleagues act in
    role in it. A message between colleagues (an employee's leave, a grievance) has no
    outside recipient and gives no one a role."""
    out: dict[str, str] = {}
    for number, text in pages.items():
        # one message's header: a run of header lines (From, To, Cc, Date, Subject...) with no
        # other line between (a thread quotes earlier messages, each with a header of its own),
        # or one blank line between (a Word document's paragraphs, one per header line)
        blocks: list[dict[str, list[tuple[str, str]]]] = []
        in_header = blank = False
        for line in text.split("\n"):
            m = _HEADER.match(line)
            if m:
                if not in_header:
                    blocks.append({})
                in_header, blank = True, False
                entries = [(_key(a.group("n") or ""), a.group("d").lower())
                           for a in _ADDRESSEE.finditer(m.group("v"), timeout=REGEX_TIMEOUT)]
                blocks[-1].setdefault(m.group("f").lower(), []).extend(entries)
            elif in_header and not line.strip() and not blank:
                blank = True
            else:
                in_header, blank = bool(in_header and _OTHER_HEADER.match(line)), False
        for fields in blocks:
            senders = fields.get("from", [])
            if len(senders) != 1:
                continue
            sender, domain = senders[0]
            if not sender or sender not in official or sender in private:
                continue
            to = fields.get("to", [])
            if not any(d != domain for _, d in to):
                continue
            for name, d in to + fields.get("cc", []):
                if d == domain and name and len(name.split()) >= 2 and name != sender and name not in private:
                    out.setdefault(name, "copied by an official of the same office on a reply to the public, "
                                         f"page {number}")
    return out


def _parts_of_officials(findings, pages):
    """A name read within officials' names (the model's "ERIN S" of "BOLLINGER, ERIN S", or
    "ROBERT CLINTON\nGRUENDER" across two rows of a roster) is theirs: every letter of it lies
    in the span of a name marked official on the page."""
    spans: dict[int, list[tuple[int, int]]] = {}
    for f in findings:
        if f.entity == "PERSON" and f.attributes.get("role") == "official":
            spans.setdefault(f.page, []).append((f.start, f.end))
    if not spans:
        return findings
    out = []
    for f in findings:
        if f.entity == "PERSON" and "role" not in f.attributes and f.page in spans:
            text = pages.get(f.page, "")
            inside = [(s, e) for s, e in spans[f.page] if s < f.end and f.start < e]
            if inside and all(any(s <= i < e for s, e in inside) for i in range(f.start, f.end)
                              if text[i:i + 1].isalnum()):
                why = "within the name of an official acting in role on the same page"
                f = dataclasses.replace(f, attributes={**f.attributes, "role": "official", "role_evidence": why},
                                        explanation=f"{f.explanation}; {why}")
        out.append(f)
    return out


class _CellLabels:
    """The cell to the left of a value's cell on a PDF page read by position (a form whose
    labels and values a text reader puts in separate runs: "POC" ... "Michelle Spencer,
    mspencer@fbcs.gov"), when it is short enough to be a field label. Pages are laid out on
    first use."""

    def __init__(self, document):
        self._pages = {p.number: p for p in document.pages}
        self._grids: dict[int, object] = {}

    def _grid(self, page: int):
        p = self._pages.get(page)
        if p is None or not p.char_boxes:
            return None
        if page not in self._grids:
            from .layout import grid

            g = grid(p.text, p.char_boxes)
            self._grids[page] = g if g.geometric else None
        return self._grids[page]

    def _cell(self, page: int, start: int):
        """(the page's text, the row, the cell holding offset ``start``), or None (no table
        read by position on the page, or no cell there)."""
        g = self._grid(page)
        if g is None:
            return None
        for row in g.rows:
            cell = next((c for c in row.cells if c.start <= start < c.end), None)
            if cell is not None:
                return self._pages[page].text, row, cell
        return None

    def right_of(self, page: int, start: int, end: int) -> str | None:
        """The text of the cell right of the one that holds text[start:end] in its row (a
        payroll's "SMITH, ALVARO R" ... "LEGISLATIVE CORRESPONDENT"), when the name fills its
        cell."""
        found = self._cell(page, start)
        if found is None:
            return None
        text, row, cell = found
        if text[cell.start:start].strip() or text[end:cell.end].strip(" \t,"):
            return None
        right = [c for c in row.cells if c.u0 >= cell.u1]
        return min(right, key=lambda c: c.u0).text.strip() if right else None

    def __call__(self, page: int, start: int) -> str | None:
        found = self._cell(page, start)
        if found is None:
            return None
        text, row, cell = found
        if text[cell.start:start].strip():
            return None  # the name is not where its cell starts
        left = [c for c in row.cells if c.u1 <= cell.u0]
        if not left:
            return None
        label = max(left, key=lambda c: c.u1).text.strip()
        return label if 0 < len(label) <= _LABEL_MAX else None


def mark_officials(findings, document):
    """``findings`` with the officials of ``document`` (and their work contacts, and the
    agency's letterhead address and phone) marked; new Finding objects, never mutated."""
    pages = {p.number: p.text for p in document.pages}
    classified = is_classified(list(pages.values()))
    cell_labels = _CellLabels(document)
    official: dict[str, str] = {}
    private: set[str] = set()
    # A name read across a line break ("PRUITT" of a caption over "BRYAN, J.") is never an
    # official: the evidence of one line would carry the other line's words with it.
    persons = [f for f in findings if f.entity == "PERSON" and "\n" not in f.text]
    for f in persons:
        key = _key(f.text)
        if not key:
            continue
        why, priv = evidence(pages.get(f.page, ""), f.start, f.end, classified, cell_labels(f.page, f.start),
                             cell_after=lambda f=f: cell_labels.right_of(f.page, f.start, f.end))
        if priv:
            private.add(key)
        elif why and key not in official:
            official[key] = f"{why}, page {f.page}"
    for key, why in _copied_colleagues(pages, official, private).items():
        official.setdefault(key, why)
    for key in list(official):
        if key in private:
            del official[key]
    full = {k: v for k, v in official.items() if len(k.split()) >= 2}

    def official_for(key: str, surname: bool = False) -> str | None:
        if key in official and key not in private:
            return official[key]
        words = key.split()
        if len(words) == 1:
            # a surname alone ("Ms. Adkins", "Dr. Raghunathan"), not a given name alone: one
            # official of the record has it, and no private person does
            hits = [k for k in full if k.split()[-1] == words[0]]
        elif len(words) == 2 and surname:
            # a compound surname alone ("VELEZ-GREEN") of a name written surname first
            hits = [k for k in full if k.split()[:2] == words or k.split()[-2:] == words]
        else:
            return None
        if len(hits) == 1 and not any(w in p.split() for w in words for p in private):
            return full[hits[0]]
        return None

    out = []
    official_lines: dict[int, list[tuple[int, int]]] = {}
    for f in findings:
        if f.entity == "PERSON":
            # a name wrapped over two lines gives no evidence of its own (above) but is the
            # same official as the same name on one line ("Jose" / "Herrera will follow up")
            why = official_for(_key(f.text), surname=f.recognizer == "SurnameOfName")
            if why:
                f = dataclasses.replace(f, attributes={**f.attributes, "role": "official", "role_evidence": why},
                                        explanation=f"{f.explanation}; official acting in role: {why}")
                text = pages.get(f.page, "")
                ls, le = _line_bounds(text, f.start, f.end)
                if len(_key(f.text).split()) >= 2 and not text[ls:f.start].strip(" \t>-:|") \
                        and not text[f.end:le].strip(" \t,|"):
                    # a full name alone on its line: a signature block or a roster row
                    official_lines.setdefault(f.page, []).append((ls, le))
        out.append(f)
    out = _parts_of_officials(out, pages)
    result = []
    for f in out:
        if f.entity == "EMAIL_ADDRESS" and f.attributes.get("kind") != "personal" and "role" not in f.attributes:
            local = f.text.split("@")[0]
            owner = next((k for k in full if mailboxes.matches_name(local, k)), None)
            on_line = any(s <= f.start < e for s, e in official_lines.get(f.page, []))
            if owner or on_line:
                why = ("the mailbox of an official's name" if owner else "on the line of an official's name "
                       "in a signature block or roster")
                f = dataclasses.replace(f, attributes={**f.attributes, "role": "official", "role_evidence": why},
                                        explanation=f"{f.explanation}; work email of an official acting in role")
            elif GOV_EMAIL.search(f.text) and not mailboxes.could_be_personal(mailboxes.local_part(f.text)):
                f = dataclasses.replace(f, attributes={**f.attributes, "role": "agency",
                                                       "role_evidence": "a government office's mailbox"},
                                        explanation=f"{f.explanation}; an office's mailbox (a government domain, "
                                                    "no person's name in it)")
        result.append(f)
    return _agency_contacts(result, document, official_lines)


_SIGNATURE_LINES = 4
_AGENCY_LINE = re.compile(r"(?i)\b(?:city|county|state|town|village|district|department|dept|office|agency|bureau"
                          r"|division|board|commission|council|authority|ministry|court|police|sheriff|school"
                          r"|university|college|government|administration|service)\b")


_MAIN_LINE = re.compile(r"(?i)\b(?:main(?:[ \t]+(?:office|line|number|switchboard))?|switchboard|front desk|reception"
                        r"|general (?:line|information|inquiries)|information line)\b[ \t]*(?:phone|tel\.?|telephone)?"
                        r"[ \t]*(?:no\.?|number)?[ \t]*[:|-]?[ \t]*$")


_CELL_GAP = re.compile(r"\t|[ \t]{2,}|[ \t]*\|[ \t]*")


def _under_column_labels(text: str, line_start: int) -> bool:
    """Does a row of column labels ("Date   Visitor   Phone   Purpose") stand above the line at
    ``line_start``: the line is a table's row (a visitor log under the office's name), not the
    office's letterhead."""
    from .fields import lexicon

    lex = lexicon()
    for line in text[:line_start].split("\n"):
        cells = [c.strip() for c in _CELL_GAP.split(line.strip()) if c.strip()]
        if len(cells) >= 3 and sum(lex.is_label(c) for c in cells) >= 2:
            return True
    return False


def _agency_contacts(findings, document, official_lines):
    """Phone numbers in an official's signature block (up to four lines under the name,
    ``_block_lines``) and the address and phone of the agency's letterhead (the first lines
    of the first page, under a line naming an office) are the agency's, not a person's."""
    pages = {p.number: p.text for p in document.pages}
    others: dict[int, set[int]] = {}  # lines naming a person who is not an official
    for f in findings:
        if f.entity == "PERSON" and f.attributes.get("role") != "official":
            others.setdefault(f.page, set()).add(_line_bounds(pages.get(f.page, ""), f.start, f.end)[0])
    blocks: dict[int, list[tuple[int, int]]] = {}
    for page, lines in official_lines.items():
        text = pages[page]
        for s, e in lines:
            below = _block_lines(text, s, e, _SIGNATURE_LINES, others.get(page, set()))
            blocks.setdefault(page, []).append((s, below[-1][1] if below else e))
    first = document.pages[0].text if document.pages else ""
    head_end = 0
    seen_agency = False
    for n, line in enumerate(first.split("\n")[:8]):
        if n > 0 and not line.strip() and seen_agency:
            break
        if _AGENCY_LINE.search(line):
            seen_agency = True
        head_end += len(line) + 1
    person_lines: dict[int, set[int]] = {}
    for f in findings:
        if f.entity == "PERSON":
            person_lines.setdefault(f.page, set()).add(_line_bounds(pages.get(f.page, ""), f.start, f.end)[0])
    contact_paragraphs = _contact_paragraphs(findings, pages)
    counsel = _counsel_blocks(pages)
    orgs_by_page: dict[int, list] = {}
    persons_by_page: dict[int, list] = {}
    org_contacts: dict[int, list] = {}  # contacts found to be an organisation's, so far
    for f in findings:
        if f.entity == "ORGANIZATION":
            orgs_by_page.setdefault(f.page, []).append(f)
        elif f.entity == "PERSON":
            persons_by_page.setdefault(f.page, []).append(f)
    out = []
    for f in findings:
        if f.entity == "EMAIL_ADDRESS" and "role" not in f.attributes and f.attributes.get("kind") != "personal" \
                and any(s <= f.start < e for s, e in blocks.get(f.page, [])):
            f = dataclasses.replace(f, attributes={**f.attributes, "role": "official",
                                                   "role_evidence": "in the signature block of an official"},
                                    explanation=f"{f.explanation}; in the signature block of an official acting in "
                                                "role (the office's contact details)")
        elif f.entity in ("PHONE_NUMBER", "US_STREET_ADDRESS", "UK_ADDRESS", "STREET_ADDRESS") \
                and "role" not in f.attributes and f.attributes.get("kind") != "personal":
            text = pages.get(f.page, "")
            ls, _ = _line_bounds(text, f.start, f.end)
            if any(s <= f.start < e for s, e in blocks.get(f.page, [])):
                role = "official" if f.entity == "PHONE_NUMBER" else "agency"
                f = dataclasses.replace(f, attributes={**f.attributes, "role": role,
                                                       "role_evidence": "in the signature block of an official"},
                                        explanation=f"{f.explanation}; in the signature block of an official "
                                                    "acting in role (the office's contact details)")
            elif any(s <= f.start < e for s, e, _ in counsel.get(f.page, [])):
                role = next(r for s, e, r in counsel[f.page] if s <= f.start < e)
                f = dataclasses.replace(f, attributes={**f.attributes, "role": "agency",
                                                       "role_evidence": f"in a counsel of record's block ('{role}')"},
                                        explanation=f"{f.explanation}; the law office's address or phone in a "
                                                    f"counsel of record's block ('{role}' under it)")
            elif any(s <= f.start < e for s, e in contact_paragraphs.get(f.page, [])):
                f = dataclasses.replace(f, attributes={**f.attributes, "role": "agency",
                                                       "role_evidence": "in an office's contact paragraph"},
                                        explanation=f"{f.explanation}; an office's contact details (in a paragraph "
                                                    "with a government email address of the office or of an "
                                                    "official acting in role, and no other person named)")
            elif f.entity == "PHONE_NUMBER" and _MAIN_LINE.search(text[max(ls, f.start - 40):f.start]):
                f = dataclasses.replace(f, attributes={**f.attributes, "role": "agency",
                                                       "role_evidence": "labelled as an office's main line"},
                                        explanation=f"{f.explanation}; an office's main line ('main', "
                                                    "'switchboard', 'front desk')")
            elif f.entity != "PHONE_NUMBER" and _office_block(text, f, person_lines.get(f.page, set())):
                f = dataclasses.replace(f, attributes={**f.attributes, "role": "agency",
                                                       "role_evidence": "under the office's name, with its "
                                                                        "government email address"},
                                        explanation=f"{f.explanation}; an office's contact block (the office's "
                                                    "name above, its government email address under it)")
            elif (f.page == 1 and seen_agency and f.end <= head_end and ls > 0 and _AGENCY_LINE.search(text[:ls])
                  and not any(pl <= ls for pl in person_lines.get(1, set()))
                  and not _RESIDES.search(text[max(0, f.start - 40):f.start])
                  and not _under_column_labels(text, ls)):
                # a letterhead names no person above the address ("Witness ... lives at" /
                # "4127 Maple Avenue" under a heading is a person's address, not the agency's)
                f = dataclasses.replace(f, attributes={**f.attributes, "role": "agency",
                                                       "role_evidence": "in the agency's letterhead"},
                                        explanation=f"{f.explanation}; the agency's own address or phone in its "
                                                    "letterhead")
            elif _after_organisation(text, f, orgs_by_page.get(f.page, []), org_contacts.get(f.page, []),
                                     persons_by_page.get(f.page, [])):
                f = dataclasses.replace(f, attributes={**f.attributes, "role": "organisation",
                                                       "role_evidence": "right after an organisation's name"},
                                        explanation=f"{f.explanation}; an organisation's address or phone (right "
                                                    "after its name in the same sentence, no person named)")
        if f.attributes.get("role") == "organisation":
            org_contacts.setdefault(f.page, []).append(f)
        out.append(f)
    return _same_as_agency(out)


# Between an organisation's name and its address or phone only its units, capitalised, and
# these words: "contact Boeing Commercial Airplanes, Attention: Contractual & Data Services
# (C&DS), 2600 Westminster Blvd., ...; telephone 562-797-1717", "at the FAA, Airworthiness
# Products Section, Operational Safety Branch, 2200 South 216th St."
_CONNECTORS = {"of", "and", "the", "for", "at", "attention", "attn", "room", "suite", "floor", "building", "c/o",
               "telephone", "phone", "tel", "fax", "call", "mail", "mailing", "address", "stop", "mc", "&"}
_BETWEEN_WORD = re.compile(r"[^\s,;:()]+")


_TABLE_OR_FORM = {"TableColumnInContext", "FormFieldInContext"}
PRIVATE_OR_HOME = re.compile(rf"(?i)\b(?:{_PRIVATE_ROLES}|lives?|living|resides?|residence|home|moved)\b")
_ORG_SUFFIX = re.compile(r"(?i)\b(?:inc|llc|l\.l\.c|ltd|llp|plc|corp|corporation|company|co|gmbh|ag|s\.a|p\.c"
                         r"|airplanes|aircraft|bank|association|foundation|institute|university|laboratories)\b\.?")


def _organisation_shape(name: str) -> bool:
    """An organisation's name by its own words: a company suffix ("Pilatus Aircraft Ltd."),
    an office word ("Docket Operations" is not; "U.S. Department of Transportation" is), or an
    acronym of three or more capitals ("FAA"), but not one that names a field of personal data
    (the model reads the label "SSN" in "SSN 660-62-5827" as an organisation)."""
    return bool(_ORG_SUFFIX.search(name) or _AGENCY_LINE.search(name)
                or (re.fullmatch(r"(?:the[ \t]+)?[A-Z]{3,6}", name.strip())
                    and name.strip().split()[-1] not in _FIELD_ACRONYMS))


# Acronyms that label a field of a form or record, not an organisation.
_FIELD_ACRONYMS = {"SSN", "SSAN", "DOB", "ITIN", "TIN", "EIN", "FEIN", "MRN", "NPI", "VIN", "POC", "EDIPI"}


def _after_organisation(text: str, f, orgs, contacts, persons) -> bool:
    """Does a street address or phone follow an organisation's name (a model's or a label's
    ORGANIZATION finding) in its sentence with only the organisation's units and connecting
    words between? A person's home is never written so; a person named, a private role or a
    residence word between breaks it."""
    if f.entity not in ("PHONE_NUMBER", "US_STREET_ADDRESS", "UK_ADDRESS", "STREET_ADDRESS") \
            or f.recognizer in _TABLE_OR_FORM:
        return False
    # the nearest organisation before it, or a contact of the same organisation before it
    anchors = [o.end for o in orgs if o.end <= f.start and f.start - o.end <= 200 and _organisation_shape(o.text)]
    anchors += [c.end for c in contacts if c.end <= f.start and f.start - c.end <= 60]
    if not anchors:
        return False
    anchor = max(anchors)
    if any(anchor < p.end and p.start < f.start for p in persons):
        return False  # a person named between: the contact may be theirs
    between = text[anchor:f.start]
    if re.search(r"(?i)\b(?:owner|proprietor|home|personal|cell|mobile)\b", between):
        return False
    if re.search(r"[.!?][ \t]*\n?[ \t]*\p{Lu}", between) or "\n\n" in between:
        return False  # another sentence
    if re.search(r"\||\t|\S[ ]{2,}\S", between):
        return False  # cells of a table row: each column is its own
    sentence_start = max(text.rfind(". ", 0, f.start), text.rfind("\n\n", 0, f.start), 0)
    if PRIVATE_OR_HOME.search(text[sentence_start:f.start]):
        return False
    for w in _BETWEEN_WORD.findall(between):
        bare = w.strip(".'’\"-").lower()
        if not bare or w[:1].isupper() or bare in _CONNECTORS or any(ch.isdigit() for ch in bare) \
                or not any(ch.isalpha() for ch in bare):
            continue
        return False
    return True


def _counsel_blocks(pages) -> dict[int, list[tuple[int, int, str]]]:
    """Counsel of record's blocks: the lines (no blank line between, one allowed right above
    the role line) over a "Counsel for Plaintiff" / "Attorney for Debtor" line, up to seven:
    the attorney's name, firm, office address, phone and email, all of the law office."""
    out: dict[int, list[tuple[int, int, str]]] = {}
    for number, text in pages.items():
        for m in re.finditer(r"(?m)^[^\n]*$", text):
            role = COUNSEL_LINE.match(m.group(0))
            if not role:
                continue
            start, lines, blanks = m.start(), 0, 0
            while start > 0 and lines < _COUNSEL_LINES:
                above = text.rfind("\n", 0, start - 1) + 1
                line = text[above:start - 1]
                if not line.strip():
                    if lines or blanks:
                        break
                    blanks += 1
                else:
                    lines += 1
                start = above
            if lines:
                out.setdefault(number, []).append((start, m.start(), " ".join(role.group("r").split())))
    return out


def _contact_paragraphs(findings, pages) -> dict[int, list[tuple[int, int]]]:
    """Paragraphs (runs of lines without a blank line) holding the government email address
    of an official acting in role or of an office, and no person who is not an official in
    role: "FOR FURTHER INFORMATION CONTACT: Doug Rudolph, Aerospace Engineer, ... FAA, 2200
    South 216th St., Des Moines, WA 98198; phone: 206-231-3195; email: doug.rudolph@faa.gov"."""
    out: dict[int, list[tuple[int, int]]] = {}
    for f in findings:
        if not (f.entity == "EMAIL_ADDRESS" and f.attributes.get("role") in ("official", "agency")
                and GOV_EMAIL.search(f.text)):
            continue
        text = pages.get(f.page, "")
        a = max(text.rfind("\n\n", 0, f.start), -1) + 1
        b = text.find("\n\n", f.end)
        b = len(text) if b < 0 else b
        if any(p.page == f.page and p.entity == "PERSON" and a <= p.start < b and p.attributes.get("role") != "official"
               for p in findings):
            continue
        out.setdefault(f.page, []).append((a, b))
    return out


_RESIDES = re.compile(r"(?i)\b(?:lives?|living|resides?|residing|residence|home|moved)\b[^\n]{0,12}$")


def _office_block(text: str, f, person_lines: set[int]) -> bool:
    """An address in an office's contact block: the line above names an office (and no person
    is named there), and a government email address follows within four lines ("USDA Market
    News" / "210 Walnut Street, Room 767" / "Des Moines, Iowa 50309" / "Email: ...@usda.gov")."""
    ls, le = _line_bounds(text, f.start, f.end)
    pos, named = ls, False
    for _ in range(3):  # the office's name, maybe over a first address line
        if pos == 0:
            return False
        above_start = text.rfind("\n", 0, pos - 1) + 1
        above = text[above_start:pos - 1]
        if not above.strip() or above_start in person_lines:
            return False
        name_shape = re.fullmatch(r"[ \t]*(?:\p{Lu}[\p{L}.'-]*[ \t]+){1,3}\p{Lu}[\p{L}.'-]*[ \t]*", above)
        if _AGENCY_LINE.search(above) or (not name_shape and re.search(r"\b(?:U\.S\.|[A-Z]{3,6})\b", above)):
            named = True
            break
        pos = above_start
    if not named:
        return False
    pos = le
    for _ in range(5):
        nxt = text.find("\n", pos + 1)
        line = text[pos + 1:(nxt if nxt >= 0 else len(text))]
        if GOV_EMAIL.search(line):
            return True
        if nxt < 0:
            return False
        pos = nxt
    return False


def _contact_key(f) -> str:
    if f.entity == "PHONE_NUMBER":
        digits = re.sub(r"\D", "", f.text)
        return digits[-10:] if len(digits) >= 10 else ""
    return _key(f.text)


def _same_as_agency(findings):
    """The agency's own number or address (from its letterhead or a main line) wherever the
    record repeats it ("call the District Office at ..."): the same value is the agency's."""
    roles = {}
    for f in findings:
        if f.attributes.get("role") in ("agency", "organisation") and f.entity != "EMAIL_ADDRESS":
            key = (f.entity == "PHONE_NUMBER", _contact_key(f))
            if roles.get(key) != "agency":  # the agency's own, once it is that anywhere
                roles[key] = f.attributes["role"]
    agency = set(roles)
    agency.discard((True, ""))
    agency.discard((False, ""))
    if not agency:
        return findings
    out = []
    for f in findings:
        if f.entity in ("PHONE_NUMBER", "US_STREET_ADDRESS", "UK_ADDRESS", "STREET_ADDRESS") \
                and f.attributes.get("role") in (None, "organisation") and f.attributes.get("kind") != "personal" \
                and (f.entity == "PHONE_NUMBER", _contact_key(f)) in agency \
                and f.attributes.get("role") != roles[(f.entity == "PHONE_NUMBER", _contact_key(f))]:
            role = roles[(f.entity == "PHONE_NUMBER", _contact_key(f))]
            whose = "the agency's own" if role == "agency" else "an organisation's"
            f = dataclasses.replace(f, attributes={**f.attributes, "role": role,
                                                   "role_evidence": f"the same as {whose} in this record"},
                                    explanation=f"{f.explanation}; {whose} address or phone (the same value "
                                                "is one elsewhere in this record)")
        out.append(f)
    return out
