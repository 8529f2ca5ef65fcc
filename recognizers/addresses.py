"""Street addresses beyond the US pattern of personal.py: every USPS street suffix, the
"City, ST 12345", Canadian "City, QC H3G 1P1" and Australian "Suburb NSW 2007" tails (which make an address whatever the
street is called), addresses wrapped over lines, European orders (number before a street
type, "33 avenue de Provence"; street then number, "Via Garibaldi 27", "Hauptstraße 12",
"Parmova 109, 1000 Ljubljana"), PO boxes abroad, and whatever follows "lives at" /
"residing at" / "home address" when it holds a number.

Findings are ``STREET_ADDRESS``; the US recognizer's ``US_STREET_ADDRESS`` stays as it was.
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import EntityRecognizer

from .common import REGEX_TIMEOUT
from .common import result as _result

# USPS Publication 28, appendix C1 (street suffixes), primary names and the common
# abbreviations that are not also everyday words; and the UK's usual street types.
_SUFFIXES = """
Alley Aly Annex Arcade Avenue Ave Av Bayou Beach Bend Bluff Bluffs Bottom Boulevard Blvd Branch Bridge
Brg Brook Brooks Burg Burgs Bypass Byp Camp Canyon Cyn Cape Causeway Cswy Center Ctr Centre Centers
Circle Cir Circles Cliff Cliffs Club Common Commons Corner Corners Course Court Ct Courts Cove Coves
Creek Crk Crescent Cres Crest Crossing Xing Crossroad Crossroads Curve Curv Dale Dam Divide Drive Dr
Drives Estate Estates Expressway Expy Extension Extensions Falls Ferry Field Fields Flat Flats Ford
Fords Forest Forge Forges Fork Forks Fort Freeway Fwy Garden Gardens Gdns Gateway Glen Glens Green
Greens Grove Groves Harbor Harbour Harbors Haven Heights Hts Highway Hwy Hill Hills Hollow Holw Inlet
Island Islands Isle Junction Jct Junctions Key Keys Knoll Knolls Lake Lakes Land Landing Lane Ln
Light Lights Loaf Lock Locks Lodge Loop Mall Manor Manors Meadow Meadows Mews Mill Mills Mission
Motorway Mount Mountain Mountains Mtn Neck Orchard Oval Overpass Park Parks Parkway Parkways Pkwy
Pass Passage Path Pike Pine Pines Place Pl Plain Plains Plaza Plz Point Points Port Ports Prairie
Radial Ramp Ranch Rapid Rapids Rest Ridge Ridges Rise River Road Rd Roads Route Rte Row Rue Run
Shoal Shoals Shore Shores Skyway Spring Springs Spur Spurs Square Sq Squares Station Stravenue
Stream Street St Streets Summit Terrace Ter Throughway Trace Track Trafficway Trail Trl Trailer
Tunnel Turnpike Tpke Underpass Union Unions Valley Valleys Vly Viaduct View Views Village Villages
Ville Vista Walk Walks Wall Way Ways Well Wells Close Parade Wharf Yard Gate Drove Chase
""".split()
SUFFIX = r"(?:" + "|".join(sorted(set(_SUFFIXES), key=len, reverse=True)) + r")\.?"

_W = r"[ \t]*(?:\n[ \t]*)?"  # a space that may be a line break (an address wrapped over lines)
_STATES = (r"(?:A[LKZRSAEP]|C[AOT]|D[EC]|F[LM]|G[AU]|HI|I[ADLN]|K[SY]|LA|M[ADEHINOPST]|N[CDEHJMVY]|O[HKR]"
           r"|P[ARW]|RI|S[CD]|T[NX]|UT|V[AIT]|W[AIVY])")
_PROVINCES = r"(?:AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT)"
_CITY = r"[A-ZÀ-Ý][\w.'’-]*(?:[ \t]+[A-ZÀ-Ý][\w.'’-]*){0,3}"
_AU_STATES = r"(?:NSW|VIC|QLD|SA|WA|TAS|NT|ACT)"
TAIL = (rf"(?:(?:,{_W}|[ \t]*\n[ \t]*){_CITY},?{_W}(?:{_STATES}\.?{_W}\d{{5}}(?:-\d{{4}})?"
        rf"|{_PROVINCES}\.?{_W}[A-Z]\d[A-Z][ ]?\d[A-Z]\d|{_AU_STATES}{_W}\d{{4}})(?![\w-]))")
_UNIT = rf"(?:,?{_W}(?:Apt|Apartment|Unit|Suite|Ste|Room|Rm|Bldg|Building|Fl|Floor|No|#)\.?[ \t]*#?[ \t]*[A-Z0-9-]{{1,6}})"
# a house number; Australian addresses write a unit before it ("4/27 Wattle Street")
_NUMBER = r"(?<![\w$.,/:-])(?:\d{1,5}[A-Z]?/)?\d{1,6}[A-Z]?(?:-\d{1,4})?"
_DIR = r"(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West|Ouest|Est|Nord|Sud)\.?"
_STREET_WORD = r"(?:[A-ZÀ-Ý][\w'’.-]*|\d{1,3}(?:st|nd|rd|th)|de|du|des|la|le|of|the)"

# 123 Any Words[ Suffix][ Unit], City, ST 12345  (the tail makes it an address)
WITH_TAIL = re.compile(rf"{_NUMBER}(?:[ \t]+{_DIR})?(?:{_W}{_STREET_WORD}){{1,6}}{_UNIT}?{TAIL}")
# 123 Any Words Suffix[ Dir][ Unit]  (no tail: the street type makes it)
WITH_SUFFIX = re.compile(
    rf"{_NUMBER}(?:[ \t]+{_DIR})?(?:[ \t]+(?:[A-Z][\w'’-]*|\d{{1,3}}(?:st|nd|rd|th))){{1,4}}[ \t]+{SUFFIX}"
    rf"(?![\w-])(?:[ \t]+{_DIR}(?![\w-]))?{_UNIT}?")

# European postcodes: 75001, 1000, 1017 GB, 00-238, 1000-001, D-10115 (not a year: "March 12, 2024 Council")
_POSTCODE = r"(?:[A-Z]{1,2}-)?(?:\d{4}[ ]?[A-Z]{2}(?![\w])|\d{2}-\d{3}|\d{4}-\d{3}|(?!(?:19|20)\d\d\b)\d{4,5})"
_POSTCODE_CITY = rf"(?:(?:,?[ \t]+|,?[ \t]*\n[ \t]*){_POSTCODE}[ \t]+[A-ZÀ-Ý][\w'’-]+(?:[ -][A-ZÀ-Ý][\w'’-]+){{0,2}})"
_FR_TYPES = (r"(?i:rue|avenue|av\.|boulevard|bd|chemin|place|allée|allee|impasse|quai|route|cours|passage"
             r"|square|rond-point|voie|sentier|faubourg|promenade)")
_LINK = r"(?:(?i:de la|de l'|de|du|des|d'|la|le|les|l')[ \t]*)"
# 33 avenue de Provence[, 13001 Marseille]
NUMBER_FIRST = re.compile(
    rf"(?<![\w$.,/:-])\d{{1,4}}(?:[ \t]?(?:bis|ter|[A-Za-z]))?,?[ \t]+{_FR_TYPES}[ \t]+{_LINK}?[A-ZÀ-Ý][\w'’-]+"
    rf"(?:[ \t-]+{_LINK}?[A-ZÀ-Ý][\w'’-]+){{0,3}}(?:{TAIL}|{_POSTCODE_CITY})?")
_LATIN_TYPES = (r"(?:C/|Via|Viale|Vicolo|Piazza|Piazzale|Corso|Largo|Calle|Avenida|Avda\.|Carrer|Rua|Travessa"
                r"|Praça|Plaza|Paseo|Camino|Ronda|Ulica|ul\.|Strada|Rruga|Calea|Bulevardul|Aleja|al\.)")
# Via Garibaldi 27[, 20121 Milano]
TYPE_FIRST = re.compile(
    rf"\b{_LATIN_TYPES}[ \t]+(?:(?i:de|del|della|dei|degli|delle|di|da|do|dos|das|la|le|los|las)[ \t]+)*"
    rf"[A-ZÀ-Ý][\w'’.-]+(?:[ \t]+[A-ZÀ-Ý][\w'’.-]+){{0,3}},?[ \t]+(?:n\.?[ \t]?º?[ \t]*)?\d{{1,4}}[a-zA-Z]?(?![\w])"
    rf"{_POSTCODE_CITY}?")
_COMPOUND = (r"(?:straße|strasse|str\.|weg|gasse|allee|platz|damm|ufer|chaussee|gracht|laan|straat|plein"
             r"|kade|singel|vej|gade|gatan|vägen|väg|veien|vegen|gata|katu|utca|ulica|cesta|ulice|iela|gatvė)")
# Hauptstraße 12[, 10115 Berlin]
COMPOUND = re.compile(rf"\b[A-ZÄÖÜÀ-Ý][\wäöüß-]{{2,}}{_COMPOUND}[ \t]+\d{{1,4}}[a-zA-Z]?(?![\w]){_POSTCODE_CITY}?")
_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
           "dec", "page", "section", "room", "item", "chapter", "article", "part", "line", "table", "figure",
           "exhibit", "attachment", "annex", "appendix", "rule", "step", "phase", "grade", "level", "no", "number"}
# Parmova 109, 1000 Ljubljana  (a street, a number, a postcode and a town)
STREET_NUMBER_POSTCODE = re.compile(
    rf"\b(?P<street>[A-ZÀ-Ý][\w'’.-]+(?:[ \t]+[\wÀ-ÿ'’.-]+){{0,3}})[ \t]+\d{{1,4}}[a-zA-Z]?(?:,[ \t]*|[ \t]*\n[ \t]*)"
    rf"{_POSTCODE}[ \t]+[A-ZÀ-Ý][\w'’-]+")
PO_BOX = re.compile(
    rf"\b(?:P\.?[ \t]?O\.?[ \t]?Box|Post[ \t]+Office[ \t]+Box|Postfach|Apartado(?:[ \t]+de[ \t]+Correos)?"
    rf"|Bo[iî]te[ \t]+postale|Casilla)[ \t]+\d{{1,7}}(?:{TAIL}|{_POSTCODE_CITY}|,{_W}{_CITY})?", re.IGNORECASE)
# US military mail: "USNS Brown, FPO AE 11622", "PSC 4115, Box 7815, APO AA 41945"
MILITARY = re.compile(
    r"\b(?:(?:USNS|USNV|USS|USCGC)[ \t]+[A-Z][\w'-]+|PSC[ \t]+\d{1,5},?[ \t]+Box[ \t]+\d{1,5}"
    r"|Unit[ \t]+\d{1,5},?[ \t]+Box[ \t]+\d{1,5})(?:,?[ \t]*\n?[ \t]*)(?:APO|FPO|DPO)[ \t]+A[AEP][ \t]+\d{5}\b")
_CUE = re.compile(
    r"\b(?:(?:I|we|he|she|they|who)[ \t]+(?:live|lives|lived|reside|resides|resided)[ \t]+(?:at|on)"
    r"|(?:living|residing|domiciled)[ \t]+at|lives[ \t]+at|resides[ \t]+at|home[ \t]+address(?:[ \t]+is)?,?"
    r"|(?:mailing|residential|home|street)[ \t]+address(?:[ \t]+is)?:?|moved[ \t]+to|address[ \t]+(?:is|as)"
    r"|(?:his|her|their|my)[ \t]+address(?:[ \t]+(?:is|as))?|wrote[ \t]+from)[ \t]*:?[ \t]*", re.IGNORECASE)
_CUE_END = re.compile(r"[.;!?)\]](?:\s|$)|\s+(?:and|or|but|where|since|for|from|to|on|until|with)\s"
                      r"|,\s+(?=[a-z])|\n[ \t]*\n|,\s+(?:who|which|spoke|asked|said)\b"
                      # the next line is another field ("Driver's License: ..."), or the line
                      # ends in a ZIP code or a postcode: the address is complete
                      r"|\n(?=[ \t]*[A-Z][\w'’ /#.-]{0,30}:)|(?<=\b\d{5}(?:-\d{4})?|[A-Z]\d[A-Z] ?\d[A-Z]\d)[ \t]*\n")


class AddressRecognizer(EntityRecognizer):
    """Addresses by structure, wherever they are written (see the module's docstring)."""

    ENTITY = "STREET_ADDRESS"

    def __init__(self):
        super().__init__(supported_entities=[self.ENTITY], name="AddressRecognizer", supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        out = []
        for pattern, score, why in ((WITH_TAIL, 0.85, "street with a city, state and ZIP (or postcode) or province and postcode"),
                                    (NUMBER_FIRST, 0.8, "house number, street type and name"),
                                    (TYPE_FIRST, 0.75, "street type, name and house number"),
                                    (COMPOUND, 0.75, "street name and house number"),
                                    (PO_BOX, 0.8, "post office box"),
                                    (MILITARY, 0.85, "military mail address (APO/FPO/DPO)")):
            for m in pattern.finditer(text, timeout=REGEX_TIMEOUT):
                out.append(_result(self, self.ENTITY, m.start(), m.end(), score, why))
        for m in STREET_NUMBER_POSTCODE.finditer(text, timeout=REGEX_TIMEOUT):
            if m.group("street").split()[0].lower().strip(".") in _MONTHS:
                continue
            out.append(_result(self, self.ENTITY, m.start(), m.end(), 0.75, "street, number, postcode and town"))
        for m in WITH_SUFFIX.finditer(text, timeout=REGEX_TIMEOUT):
            if _usaddress_ok(m.group(0)):
                out.append(_result(self, self.ENTITY, m.start(), m.end(), 0.75, "house number, street and street type"))
        out.extend(self._after_cue(text))
        return out

    def _after_cue(self, text):
        out = []
        for m in _CUE.finditer(text, timeout=REGEX_TIMEOUT):
            rest = text[m.end():m.end() + 160]
            end = _CUE_END.search(rest, timeout=REGEX_TIMEOUT)
            chunk = rest[:end.start()] if end else rest
            chunk = chunk.rstrip(" \t\n,:")
            if not chunk or not (chunk[0].isdigit() or chunk[0].isupper()) or len(chunk.split()) < 2:
                continue
            if not any(ch.isdigit() for ch in chunk) or len(chunk) > 140:
                continue
            out.append(_result(self, self.ENTITY, m.end(), m.end() + len(chunk), 0.8,
                               f"address after '{' '.join(m.group(0).split())}'"))
        return out


def _usaddress_ok(candidate: str) -> bool:
    import usaddress

    try:
        tagged, kind = usaddress.tag(" ".join(candidate.split()))
    except usaddress.RepeatedLabelError:
        return False
    labels = set(tagged)
    return kind == "Street Address" and {"AddressNumber", "StreetName"} <= labels and bool(
        {"StreetNamePostType", "StreetNamePreType"} & labels)
