"""A generated corpus of text-layer PDFs for `make bench`: case files, memos and letters with
known personal data (names, addresses, phone numbers, SSNs, emails, dates of birth) among
agency text, 5 pages per document. Deterministic (seeded, reportlab invariant mode), built
once into build/bench-corpus/<pages>/ and reused."""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "bench-corpus"
PAGES_PER_DOC = 5
LINES_PER_PAGE = 40

FIRST = ["James", "Maria", "Robert", "Linda", "Michael", "Patricia", "David", "Jennifer", "William", "Elizabeth",
         "Thomas", "Susan", "Charles", "Jessica", "Daniel", "Sarah", "Matthew", "Karen", "Anthony", "Nancy",
         "Andrew", "Lisa", "Joshua", "Betty", "Kevin", "Sandra", "Brian", "Ashley", "George", "Dorothy"]
LAST = ["Whitaker", "Okafor", "Lindqvist", "Moreno", "Castellano", "Haverford", "Nguyen", "Brennan", "Kowalski",
        "Fitzgerald", "Delgado", "Ramirez", "Holloway", "Petrovic", "Abernathy", "Sorensen", "McAllister",
        "Yamamoto", "Osei", "Drummond", "Carrington", "Vasquez", "Tanaka", "Ellsworth", "Gallagher"]
STREETS = ["Maple Avenue", "Oak Street", "Cedar Lane", "Pine Road", "Elm Court", "Birch Drive", "Willow Way"]
CITIES = [("Springfield", "IL", "62704"), ("Columbus", "OH", "43215"), ("Madison", "WI", "53703"),
          ("Albany", "NY", "12207"), ("Austin", "TX", "78701"), ("Salem", "OR", "97301")]
AGENCIES = ["Department of Transportation", "Office of Inspector General", "Bureau of Land Management",
            "Department of Health and Human Services", "Environmental Protection Agency",
            "Federal Emergency Management Agency", "Department of Labor"]
TOPICS = ["the grant reconciliation for fiscal year 2021", "the bridge inspection backlog",
          "the disaster assistance application", "overtime reporting at the regional office",
          "the contract award protest", "the wetlands permit renewal", "the audit of travel vouchers"]
FILLER = [
    "The review was conducted in accordance with the agency's standard operating procedures.",
    "Staff confirmed that the documentation was complete and filed with the records office.",
    "No further action is required at this time pending the outcome of the quarterly review.",
    "The regional office will report progress at the next scheduled meeting of the committee.",
    "All figures below are drawn from the financial management system as of the reporting date.",
    "The program office concurred with the recommendation and provided a corrective action plan.",
    "Copies of the supporting records are maintained in the case file for the retention period.",
    "The committee noted that the deadline for public comment closed on March 15, 2022.",
    "Field staff visited the site twice during the period and documented their observations.",
    "The estimated cost of the remaining work is within the approved budget for the project.",
]


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _line_items(rng: random.Random) -> list[str]:
    name = _person(rng)
    first, last = name.split()
    num, street = rng.randint(100, 9999), rng.choice(STREETS)
    city, state, zipc = rng.choice(CITIES)
    kind = rng.randrange(6)
    if kind == 0:
        return [f"Complainant: {name}, {num} {street}, {city}, {state} {zipc}.",
                f"Telephone: ({rng.randint(201, 989)}) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}."]
    if kind == 1:
        return [f"The claimant, {name}, date of birth {rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/"
                f"{rng.randint(1940, 2000)}, provided SSN {rng.randint(100, 665)}-{rng.randint(10, 99)}-"
                f"{rng.randint(1000, 9999)} on the intake form."]
    if kind == 2:
        return [f"Please send the response to {first.lower()}.{last.lower()}@example.com or by mail to",
                f"{num} {street}, {city}, {state} {zipc}."]
    if kind == 3:
        return [f"Mr. {last} stated that he spoke with {_person(rng)} about {rng.choice(TOPICS)} on "
                f"{rng.choice(['January', 'April', 'June', 'October'])} {rng.randint(1, 28)}, 2021."]
    if kind == 4:
        return [f"Witness {name} can be reached at {rng.randint(201, 989)}-{rng.randint(200, 999)}-"
                f"{rng.randint(1000, 9999)} during business hours."]
    return [f"Interview of {name} regarding {rng.choice(TOPICS)}."]


def _page_lines(rng: random.Random, doc_no: int, page: int) -> list[str]:
    agency = AGENCIES[doc_no % len(AGENCIES)]
    lines = [agency.upper(), f"Case file {doc_no:05d}-{2021 + doc_no % 3}  --  page {page}", ""]
    if page == 1:
        lines += ["MEMORANDUM", f"SUBJECT: Review of {rng.choice(TOPICS)}", ""]
    while len(lines) < LINES_PER_PAGE:
        if rng.random() < 0.35:
            lines += _line_items(rng)
        else:
            lines.append(rng.choice(FILLER))
        if rng.random() < 0.15:
            lines.append("")
    return lines[:LINES_PER_PAGE]


def build(pages: int) -> Path:
    """build/bench-corpus/<pages>/ with ceil(pages / 5) documents of 5 pages."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    docs = -(-pages // PAGES_PER_DOC)
    folder = BUILD / str(docs * PAGES_PER_DOC)
    done = folder / ".complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for d in range(docs):
        rng = random.Random(d)
        path = folder / f"case-{d:05d}.pdf"
        c = canvas.Canvas(str(path), pagesize=letter, invariant=1)
        c.setTitle(f"case {d}")
        width, height = letter
        for p in range(1, PAGES_PER_DOC + 1):
            y = height - 60
            c.setFont("Helvetica", 10)
            for line in _page_lines(rng, d, p):
                for part in textwrap.wrap(line, 100) or [""]:
                    c.drawString(60, y, part)
                    y -= 13
            c.showPage()
        c.save()
    done.write_text("ok\n")
    return folder


if __name__ == "__main__":
    import sys

    print(build(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
