"""Classification and control markings, parsed into structure.

US intelligence-community grammar (ISOO / CAPCO style): categories separated by ``//``,
values within a category by ``/``, compartments by ``-``. Banner lines spell the level out
(``TOP SECRET//SI//NOFORN``); portion marks abbreviate it inside parentheses
(``(TS//SI//NF)``). Also CUI, legacy control markings and UK Government Security
Classifications.

``parse_marking`` turns a marking string into a ``Marking``; ``find_markings`` reads a whole
document (all pages) and emits banner lines, portion marks, the portions they govern, the
classification authority block and the CUI designation indicator.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import asdict, dataclass, field

LEVELS = {
    # spelled out, abbreviation -> canonical level, rank
    "TOP SECRET": ("TOP SECRET", 4), "TS": ("TOP SECRET", 4),
    "SECRET": ("SECRET", 3), "S": ("SECRET", 3),
    "CONFIDENTIAL": ("CONFIDENTIAL", 2), "C": ("CONFIDENTIAL", 2),
    "RESTRICTED": ("RESTRICTED", 1), "R": ("RESTRICTED", 1),
    "UNCLASSIFIED": ("UNCLASSIFIED", 0), "U": ("UNCLASSIFIED", 0),
}
SCI_CONTROLS = {"SI", "TK", "HCS", "G", "KDK", "RSV", "BUR", "COMINT", "KLONDIKE", "TALENT KEYHOLE",
                "GAMMA", "ECI", "EL", "HUMINT"}
AEA = {"RD", "FRD", "CNWDI", "SIGMA", "TFNI", "RESTRICTED DATA", "FORMERLY RESTRICTED DATA"}
DISSEM = {
    "NOFORN": "NOFORN", "NF": "NOFORN", "ORCON": "ORCON", "OC": "ORCON", "ORCON-USGOV": "ORCON-USGOV",
    "IMCON": "IMCON", "IMC": "IMCON", "PROPIN": "PROPIN", "PR": "PROPIN", "RELIDO": "RELIDO",
    "FISA": "FISA", "RSEN": "RSEN", "DSEN": "DSEN", "FOUO": "FOUO", "FOR OFFICIAL USE ONLY": "FOUO",
    "LES": "LES", "LAW ENFORCEMENT SENSITIVE": "LES", "LIMDIS": "LIMDIS", "EXDIS": "EXDIS",
    "NODIS": "NODIS", "SBU": "SBU", "SENSITIVE BUT UNCLASSIFIED": "SBU", "LOU": "LOU",
    "LIMITED OFFICIAL USE": "LOU", "DEA SENSITIVE": "DEA SENSITIVE", "EYES ONLY": "EYES ONLY",
    "SSI": "SSI", "FED ONLY": "FED ONLY", "FEDCON": "FEDCON", "NOCON": "NOCON", "DL ONLY": "DL ONLY",
    "REL TO": "REL TO", "DISPLAY ONLY": "DISPLAY ONLY", "WAIVED": "WAIVED",
}
LEGACY_CONTROLS = {"FOR OFFICIAL USE ONLY": "FOUO", "LIMITED OFFICIAL USE": "LOU",
                   "SENSITIVE BUT UNCLASSIFIED": "SBU", "LAW ENFORCEMENT SENSITIVE": "LES"}
UK_LEVELS = {"OFFICIAL": 1, "OFFICIAL-SENSITIVE": 2, "SECRET": 3, "TOP SECRET": 4,
             "RESTRICTED": 1, "PROTECT": 1, "CONFIDENTIAL": 2}
COUNTRY = re.compile(r"^[A-Z]{3}$")
TETRAGRAPHS = {"FVEY", "NATO", "ACGU", "ISAF", "KFOR", "EU"}


@dataclass
class Marking:
    """A parsed classification or control marking."""

    text: str
    system: str  # "US", "CUI", "UK", "NATO", "FGI", "JOINT", "LEGACY"
    level: str | None  # canonical level ("SECRET") or None for control-only markings
    rank: int  # 0 unclassified .. 4 top secret; CUI and legacy controls rank 0
    portion: bool  # written as a portion mark "(S//NF)"
    sci: list[str] = field(default_factory=list)  # e.g. ["SI-G", "TK"]
    sap: list[str] = field(default_factory=list)
    aea: list[str] = field(default_factory=list)
    dissem: list[str] = field(default_factory=list)  # canonical: NOFORN, ORCON ...
    rel_to: list[str] = field(default_factory=list)  # ["USA", "AUS", ...] or tetragraphs
    cui_categories: list[str] = field(default_factory=list)  # ["SP-PRVCY", "PRVCY"]
    countries: list[str] = field(default_factory=list)  # non-US / joint owners
    fgi: bool = False
    caveats: list[str] = field(default_factory=list)  # UK descriptors: PERSONAL, COMMERCIAL

    @property
    def classified(self) -> bool:
        """Classified national-security information (US CONFIDENTIAL and above; UK SECRET
        and above). CUI, OFFICIAL-SENSITIVE and legacy controls are not classified."""
        if self.system == "UK":
            return self.rank >= 3
        return self.rank >= 2

    def as_dict(self) -> dict:
        d = asdict(self)
        d["classified"] = self.classified
        return d


_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2011": "-", "\u2010": "-"})


def _norm(s: str) -> str:
    s = s.translate(_DASHES)
    s = re.sub(r"\s*//\s*", "//", s)
    s = re.sub(r"\s*/\s*", "/", s)
    return re.sub(r"[ \t]+", " ", s.strip())


def parse_marking(text: str) -> Marking | None:
    """Parse a banner marking or a portion mark; None if ``text`` is not a marking."""
    raw = text
    s = _norm(text)
    portion = False
    if s.startswith("(") and s.endswith(")"):
        portion = True
        s = s[1:-1].strip()
    if not s or s != s.upper():
        return None
    uk = _parse_uk(s, raw, portion)
    if uk is not None:
        return uk
    cats = s.split("//")
    head = cats[0]
    m: Marking | None = None
    if head in ("CUI", "CONTROLLED"):
        m = Marking(raw, "CUI", None, 0, portion)
        for cat in cats[1:]:
            for v in cat.split("/"):
                if v in DISSEM or v.startswith("REL TO"):
                    _add_dissem(m, v)
                elif re.fullmatch(r"(SP-)?[A-Z][A-Z0-9-]{1,15}", v):
                    m.cui_categories.append(v)
                else:
                    return None
        return m
    if head in LEGACY_CONTROLS:
        m = Marking(raw, "LEGACY", None, 0, portion, dissem=[LEGACY_CONTROLS[head]])
        return m if len(cats) == 1 else None
    if head == "" and len(cats) > 1:  # "//GBR SECRET", "//NATO SECRET", "//JOINT SECRET USA GBR"
        return _parse_foreign(cats[1:], raw, portion)
    if head not in LEVELS:
        return None
    abbreviated = head in ("TS", "S", "C", "U", "R")
    if portion != abbreviated:
        return None  # portion marks abbreviate the level; banners spell it out
    level, rank = LEVELS[head]
    m = Marking(raw, "US", level, rank, portion)
    for cat in cats[1:]:
        if not cat:
            return None
        if not _parse_category(m, cat):
            return None
    return m


def _add_dissem(m: Marking, v: str) -> None:
    if v.startswith("REL TO"):
        m.dissem.append("REL TO")
        rest = v[len("REL TO"):].strip().strip(",")
        m.rel_to.extend(c.strip() for c in rest.split(",") if c.strip())
    else:
        m.dissem.append(DISSEM[v])


def _parse_category(m: Marking, cat: str) -> bool:
    values = cat.split("/")
    # "REL TO USA, AUS" can only stand in the dissemination category; commas never elsewhere.
    if values[0].startswith("SAR-") or values[0].startswith("SPECIAL ACCESS REQUIRED-"):
        m.sap.extend(values)
        return True
    if values[0] == "FGI" or values[0].startswith("FGI "):
        m.fgi = True
        m.countries.extend(values[0][4:].split())
        return True
    ok_sci = all(v.split("-")[0] in SCI_CONTROLS for v in values)
    if ok_sci:
        m.sci.extend(values)
        return True
    if all(v in AEA for v in values):
        m.aea.extend(values)
        return True
    for v in values:
        if v in DISSEM or v.startswith("REL TO "):
            _add_dissem(m, v)
        else:
            return False
    for c in m.rel_to:
        if not (COUNTRY.match(c) or c in TETRAGRAPHS):
            return False
    return True


def _parse_foreign(cats: list[str], raw: str, portion: bool) -> Marking | None:
    head = cats[0]
    words = head.split()
    if words and words[0] == "JOINT":
        level = " ".join(w for w in words[1:] if not COUNTRY.match(w))
        countries = [w for w in words[1:] if COUNTRY.match(w)]
        system = "JOINT"
    elif words and (COUNTRY.match(words[0]) or words[0] == "NATO" or words[0] == "COSMIC"):
        level = " ".join(words[1:])
        countries = [words[0]]
        system = "NATO" if words[0] in ("NATO", "COSMIC") else "FGI"
    else:
        return None
    if level not in LEVELS and level != "TOP SECRET" and level not in ("S", "C", "TS", "R", "U"):
        return None
    lvl, rank = LEVELS[level]
    m = Marking(raw, system, lvl, rank, portion, countries=countries)
    for cat in cats[1:]:
        if not _parse_category(m, cat):
            return None
    return m


_UK = re.compile(r"^(?:UK EYES ONLY|(UK )?(OFFICIAL-SENSITIVE|OFFICIAL|SECRET|TOP SECRET|RESTRICTED|PROTECT)"
                 r"(?: (PERSONAL|COMMERCIAL|LOCSEN|UK EYES ONLY))?(?: (UK EYES ONLY))?)$")


def _parse_uk(s: str, raw: str, portion: bool) -> Marking | None:
    if s in ("SECRET", "TOP SECRET") or "//" in s:
        return None  # shared with the US grammar: read as US unless UK-only words appear
    m = _UK.match(s)
    if not m or portion:
        return None
    if m.group(2) is None:  # "UK EYES ONLY" alone
        return Marking(raw, "UK", None, 0, False, caveats=["UK EYES ONLY"])
    level = m.group(2)
    caveats = [c for c in (m.group(3), m.group(4)) if c]
    rank = UK_LEVELS[level]
    return Marking(raw, "UK", level, rank, False, caveats=caveats)


# ---------------------------------------------------------------------------------------
# Finding markings in a document
# ---------------------------------------------------------------------------------------

# A portion mark: parenthesised, level abbreviation first, no lowercase.
PORTION_MARK = re.compile(
    r"\((?:TS|S|C|U|R|CUI|//[A-Z]{3,4} [A-Z ]+)(?://?[A-Z0-9][A-Z0-9 ,\-]*)*\)")
AUTHORITY = re.compile(
    r"^[ \t]*(Classified\s+By|Derived\s+From|Declassify\s+On|Reason|Declassified\s+On|Downgrade\s+To"
    r"|Controlled\s+By|CUI\s+Categor(?:y|ies)|Limited\s+Dissemination\s+Control|POC)(?:\s*:|[ ]*\t).*$",
    re.IGNORECASE | re.MULTILINE)
_REASON_VALUE = re.compile(r"1\.[45]\s*\(?[a-h]\)?", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"^\s*(page\s+)?\d+(\s+of\s+\d+)?\s*$|^\s*-\s*\d+\s*-\s*$", re.IGNORECASE)


@dataclass
class MarkingFinding:
    page: int
    start: int
    end: int
    entity: str  # CLASSIFICATION_BANNER, PORTION_MARK, CLASSIFIED_PORTION, UNMARKED_PORTION,
    #              CLASSIFICATION_AUTHORITY, CUI_DESIGNATION
    score: float
    marking: Marking | None
    explanation: str
    fields: dict = field(default_factory=dict)  # parsed authority-block line


_DECLASS = re.compile(r"(?P<date>\d{8})|(?P<exempt>(?:25|50|75)X[1-9](?:-[A-Z]+)?)|(?P<event>[A-Za-z].*)")


def _authority_fields(key: str, line: str) -> dict:
    """{"field": "reason", "reasons": ["1.4(c)"]}, {"field": "declassify on", "date": "20371231"} ..."""
    # "Classified By: ..." on a line, or "Classified By<TAB>..." in a two-column table row
    sep = re.search(r"\s*:|[ ]*\t", line)
    value = line[sep.end():].strip() if sep else ""
    out: dict = {"field": key, "value": value}
    if key == "reason":
        out["reasons"] = [m.group(0).replace(" ", "") for m in re.finditer(r"1\.[45]\s*\(?[a-h]\)?", value)]
        # "1.4(b), (d)": later letters continue the same section
        for letter in re.findall(r",\s*\(([a-h])\)", value):
            out["reasons"].append(out["reasons"][-1][:3] + f"({letter})" if out["reasons"] else f"({letter})")
    elif key.startswith("declassify"):
        m = _DECLASS.match(value)
        if m and m.group("date"):
            out["date"] = m.group("date")
        elif m and m.group("exempt"):
            out["exemption"] = m.group("exempt")
        elif value:
            out["event"] = value
    return out


# What may stand before a portion mark at the start of a paragraph: bullets, paragraph numbers
# ("1.", "a.", "(2)"), and title labels ("SUBJECT:", "Title:").
_LEAD_IN = re.compile(r"[ \t]*(?:[\u2022\u25cf\u25aa*\u00b7-][ \t]*|(?:\d{1,3}|[a-z])[.)][ \t]+|\(\d{1,3}\)[ \t]+"
                      r"|(?:SUBJECT|Subject|SUBJ|Title|TITLE|RE|Re)[ \t]*:[ \t]*)*")


def _lead_in(line: str) -> int:
    return _LEAD_IN.match(line).end()


def _lines(text: str):
    pos = 0
    for line in text.split("\n"):
        yield pos, line
        pos += len(line) + 1


def _is_banner(line: str) -> Marking | None:
    s = line.strip()
    if not s or len(s) > 160:
        return None
    m = parse_marking(s)
    if m is None or m.portion:
        return None
    return m


def _ocr_repaired(mark: str) -> Marking | None:
    """A portion mark as OCR often reads one: a double slash read as one ("(S/ORCON/NF)" for
    "(S//ORCON/NF)", "(TS/SI/NF)" for "(TS//SI//NF)"). The single slashes are read as double,
    the fewest first, the level's first; the result must parse whole: "(S/N)" or "(C/O)"
    stays no mark."""
    if not re.fullmatch(r"\((?:TS|S|C|U|R)/[^()]+\)", mark):
        return None
    parts = re.split(r"(?<!/)/(?!/)", mark)  # around each single slash
    slashes = len(parts) - 1
    if slashes > 4:
        return None
    for k in range(1, slashes + 1):
        for chosen in itertools.combinations(range(slashes), k):
            text = parts[0] + "".join(("//" if i in chosen else "/") + parts[i + 1] for i in range(slashes))
            m = parse_marking(text)
            if m is not None:
                return m
    return None


def find_markings(pages: list[str], boxes: list | None = None, ocr: list[bool] | None = None) -> list[MarkingFinding]:
    """Markings and portions over all pages of one document (pages are 1-based). ``boxes``:
    each page's character boxes (or None), to read an authority block laid out as a form.
    ``ocr``: which pages were read by OCR (their portion marks may have lost a slash)."""
    found: list[MarkingFinding] = []
    # Pass 1: banners and candidate portion marks at the start of a line.
    banners: list[MarkingFinding] = []
    marks: list[tuple[int, int, int, Marking]] = []  # page, start, end, marking
    letters_seen: set[str] = set()
    for pno, text in enumerate(pages, start=1):
        for pos, line in _lines(text):
            m = _is_banner(line)
            if m is not None:
                lead = len(line) - len(line.lstrip())
                banners.append(MarkingFinding(pno, pos + lead, pos + len(line.rstrip()),
                                              "CLASSIFICATION_BANNER", 0.95, m,
                                              f"banner line parsed as {m.system} {m.level or '/'.join(m.dissem)}"))
                continue
            lead = _lead_in(line)
            stripped = line[lead:]
            pm = PORTION_MARK.match(stripped)
            if pm:
                mk = parse_marking(pm.group(0))
                if mk is None and ocr and ocr[pno - 1]:
                    mk = _ocr_repaired(pm.group(0))
                if mk is not None:
                    marks.append((pno, pos + lead, pos + lead + pm.end(), mk))
            lm = re.match(r"\(([A-H])\)", stripped)
            if lm:
                letters_seen.add(lm.group(1))
    # A bare (S) or (C) is a list letter in a document that also lists (A) and (B), and a bare
    # (C) followed by a year or a name is a copyright sign. Bare single letters need evidence
    # that the document is portion-marked: a banner, or a compound or other portion mark.
    compound = any("//" in mk.text or mk.level in ("TOP SECRET", "UNCLASSIFIED") for *_, mk in marks)
    evidence = bool(banners) or compound
    kept_marks = []
    for pno, start, end, mk in marks:
        bare = "//" not in mk.text
        if bare and mk.text.strip("() ") in ("S", "C", "R"):
            if not evidence or {"A", "B"} <= letters_seen:
                continue
            after = pages[pno - 1][end:end + 12]
            if mk.text.strip("() ") == "C" and re.match(r"\s*(19|20)\d\d\b", after):
                continue
        kept_marks.append((pno, start, end, mk))
    found.extend(banners)
    for pno, start, end, mk in kept_marks:
        repaired = "" if pages[pno - 1][start:end] == mk.text else f" (OCR read it with a slash missing: {mk.text})"
        found.append(MarkingFinding(pno, start, end, "PORTION_MARK", 0.95, mk,
                                    f"portion mark parsed as {mk.system} {mk.level or mk.text}{repaired}"))
    authority = _authority(pages)
    authority += _authority_form(pages, boxes, {(a.page, a.start) for a in authority})
    found.extend(authority)
    found.extend(_portions(pages, kept_marks, banners, authority))
    return found


_AUTHORITY_LABEL = re.compile(r"(Classified\s+By|Derived\s+From|Declassify\s+On|Declassified\s+On|Downgrade\s+To"
                              r"|Reason)\s*:?", re.IGNORECASE)


def _authority_form(pages: list[str], boxes: list | None, known: set) -> list[MarkingFinding]:
    """An authority block laid out as a form: "Classified By" in one cell, the value in the
    next cell of the same row, no colon. In a PDF the extractor reads the label column before
    the value column, so the lines are found by position (layout.py), not in text order."""
    from .layout import grid

    out = []
    for pno, text in enumerate(pages, start=1):
        page_boxes = boxes[pno - 1] if boxes and pno - 1 < len(boxes) else None
        if not _AUTHORITY_LABEL.search(text):
            continue
        for row in grid(text, page_boxes).rows:
            for label, value in zip(row.cells, row.cells[1:]):
                m = _AUTHORITY_LABEL.fullmatch(label.text.strip())
                if m is None or ":" in label.text or AUTHORITY.match(value.text) or (pno, label.start) in known:
                    continue  # not a label, or an authority line read already
                key = re.sub(r"\s+", " ", m.group(1)).lower()
                if key == "reason" and not _REASON_VALUE.search(value.text):
                    continue
                for cell in (label, value):
                    f = MarkingFinding(pno, cell.start, cell.end, "CLASSIFICATION_AUTHORITY", 0.9, None,
                                       f"'{m.group(1)}' in an authority block laid out as a form")
                    f.fields = _authority_fields(key, f"{m.group(1)}: {value.text}")
                    out.append(f)
    return out


def _authority(pages: list[str]) -> list[MarkingFinding]:
    out = []
    for pno, text in enumerate(pages, start=1):
        for m in AUTHORITY.finditer(text):
            key = re.sub(r"\s+", " ", m.group(1)).lower()
            if key == "reason" and not _REASON_VALUE.search(m.group(0)):
                continue  # "Reason:" in ordinary forms
            if key == "poc" and "CUI" not in text:
                continue
            entity = ("CUI_DESIGNATION" if key in ("controlled by", "cui category", "cui categories",
                                                   "limited dissemination control", "poc")
                      else "CLASSIFICATION_AUTHORITY")
            start = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
            finding = MarkingFinding(pno, start, m.end(), entity, 0.9, None, f"'{m.group(1)}:' line")
            finding.fields = _authority_fields(key, m.group(0))
            out.append(finding)
    return out


def _portions(pages, marks, banners, authority=()) -> list[MarkingFinding]:
    """Each portion runs from its mark to the next mark, banner, authority line or paragraph
    break. Unmarked paragraphs that follow a classified portion (also across a page break)
    become UNMARKED_PORTION findings governed by that portion's marking, for the policy to
    decide: in a portion-marked document they are the text a reader cannot place."""
    out: list[MarkingFinding] = []
    if not marks:
        return out
    stops: dict[int, list[int]] = {}
    for pno, start, end, _ in marks:
        # A portion ends where the next marked paragraph's line begins (its "2." included).
        stops.setdefault(pno, []).append(pages[pno - 1].rfind("\n", 0, start) + 1)
    for b in banners:
        stops.setdefault(b.page, []).append(b.start)
    for pno, text in enumerate(pages, start=1):
        for m in AUTHORITY.finditer(text):
            stops.setdefault(pno, []).append(m.start())
    for a in authority:  # authority lines (and values) found otherwise end a portion too
        stops.setdefault(a.page, []).append(a.start)
    for v in stops.values():
        v.sort()
    governing: Marking | None = None
    by_page: dict[int, list] = {}
    for mk in marks:
        by_page.setdefault(mk[0], []).append(mk)
    for pno, text in enumerate(pages, start=1):
        page_stops = stops.get(pno, [])
        page_marks = sorted(by_page.get(pno, []), key=lambda t: t[1])
        cursor = 0
        # Text at the top of the page before the first mark: unmarked continuation.
        for _, start, end, mk in page_marks + [(pno, len(text), len(text), None)]:
            if governing is not None and governing.classified:
                out.extend(_unmarked(pno, text, cursor, start, page_stops, governing))
            if mk is None:
                break
            body_end = _portion_end(text, end, page_stops)
            s, e = _trim(text, end, body_end)
            if e > s:
                out.append(MarkingFinding(pno, s, e, "CLASSIFIED_PORTION" if mk.classified else "PORTION",
                                          0.95, mk, f"text governed by portion mark {mk.text}"))
            governing = mk
            cursor = body_end
    return out


def _portion_end(text: str, start: int, stops: list[int]) -> int:
    para = text.find("\n\n", start)
    end = para if para != -1 else len(text)
    for s in stops:
        if start < s < end:
            end = s
            break
    return end


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _unmarked(pno, text, start, end, stops, governing) -> list[MarkingFinding]:
    """Unmarked paragraphs in text[start:end], skipping banners, authority lines and page numbers."""
    out = []
    pos = start
    for para in re.split(r"(\n\s*\n)", text[start:end]):
        pstart, pend = _trim(text, pos, pos + len(para))
        pos += len(para)
        if pend <= pstart:
            continue
        body = text[pstart:pend]
        lines = [ln for ln in body.split("\n") if ln.strip()]
        if all(_is_banner(ln) or _PAGE_NUMBER.match(ln) or AUTHORITY.match(ln) or _lead_in(ln) == len(ln)
               for ln in lines):
            continue
        if any(pstart <= s < pend for s in stops):
            continue
        out.append(MarkingFinding(pno, pstart, pend, "UNMARKED_PORTION", 0.6, governing,
                                  f"unmarked text after a portion marked {governing.text}"))
    return out
