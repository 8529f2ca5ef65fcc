"""Person names the small spaCy model misses, found by structure and by a name lexicon.

* role codes of police narratives: ``V1 HOWELL, Ricardo``, ``W1 Chavez``, ``RP Gutierrez``;
* ``LAST, First`` forms (``STANLEY, Andrew``);
* a given name from the lexicon followed by a surname (``Ricardo Howell``, ``MARIE-CLAIRE
  DUVAL-ARSENAULT``, a name wrapped over two lines of a table cell);
* names written in letters of any script (``Wisława Szczepańska``);
* a given name on its own where the tagger reads a proper noun (``Jodi``, ``Teresa``);
* greetings and sign-offs (``Dear Teresa,`` / ``Kind regards,`` + a name);
* parties in case captions (``Okonkwo v. ...``, ``NAME, Petitioner``, ``In re NAME``).

The lexicon (``data/given-names.txt``, ``data/surnames.txt``) is the US Census Bureau's 1990
name files (public domain) as shipped by the MIT-licensed PyPI package ``names``; see the
headers of the files. A lexicon word is evidence, not proof: the surname list holds "Street",
"Court" and "Brown", so surnames count only next to a given name, a role code or a comma form.

``propagate_surnames`` then withholds the surname of a withheld name wherever the same record
uses it alone ("W1 Chavez" after "Kenneth Chavez").
"""

from __future__ import annotations

import collections
import functools
from bisect import bisect_left, bisect_right
import unicodedata
from pathlib import Path

import regex as re
from presidio_analyzer import EntityRecognizer

from .addresses import SUFFIX as STREET_SUFFIX
from .common import EMAIL, GOV_EMAIL, REGEX_TIMEOUT, TITLE_WORDS
from .common import result as _result

DATA = Path(__file__).parent / "data"


@functools.lru_cache(maxsize=None)
def _lexicon(name: str) -> frozenset[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return frozenset(ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))


def given_names() -> frozenset[str]:
    return _lexicon("given-names.txt")


def surnames() -> frozenset[str]:
    return _lexicon("surnames.txt")


# Words of any script: a capital then letters (with combining marks and apostrophes), one
# hyphenated part at most beside it ("Solberg-Haugen", and "Ji-woo", whose second part is
# written in lower case); or the same in capitals.
_L = r"[\p{L}\p{M}'’]"
TITLE_WORD = rf"\p{{Lu}}{_L}*\p{{Ll}}{_L}*(?:-\p{{Lu}}?{_L}*\p{{Ll}}{_L}*)?"
CAPS_WORD = r"\p{Lu}[\p{Lu}\p{M}'’]+(?:-\p{Lu}[\p{Lu}\p{M}'’]+)?"
INITIAL = r"\p{Lu}\."
_WORD = rf"(?:{TITLE_WORD}|{CAPS_WORD})"

# Words that are never part of a person's name, whatever their case: offices, kinds of
# organisation and place, legal abbreviations, salutations to groups. Lower case.
NOT_NAME_WORDS = {
    "department", "dept", "office", "agency", "bureau", "division", "section", "unit", "police", "county",
    "city", "state", "federal", "national", "service", "services", "team", "committee", "board", "council",
    "commission", "authority", "court", "courts", "district", "school", "schools", "university", "college",
    "hospital", "center", "centre", "church", "bank", "inc", "llc", "llp", "ltd", "corp", "co", "company",
    "corporation", "group", "association", "foundation", "trust", "partners", "street", "st", "avenue", "ave",
    "road", "rd", "lane", "ln", "drive", "dr", "boulevard", "blvd", "highway", "hwy", "route", "way", "place",
    "square", "park", "parkway", "plaza", "bridge", "river", "lake", "creek", "harbor", "harbour", "port",
    "island", "bay", "beach", "mount", "valley", "north", "south", "east", "west", "code", "act", "section",
    "rule", "rules", "title", "chapter", "article", "ed", "educ", "gov", "govt", "cal", "civ", "pen", "proc",
    "app", "supp", "stat", "rev", "ann", "sir", "madam", "madame", "colleague", "colleagues", "all", "members",
    "member", "friends", "customer", "customers", "resident", "residents", "neighbor", "neighbors",
    "requester", "applicant", "commissioners", "trustees", "everyone", "team", "staff", "hiring", "manager",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "report", "minutes", "meeting", "agenda", "notice", "order", "motion", "memo", "memorandum", "summary",
    "page", "case", "re", "fw", "fwd", "subject", "date", "time", "phone", "email", "address", "name",
    "dob", "ssn", "vin", "plate", "description", "narrative", "vehicle", "persons", "role", "victim",
    "witness", "suspect", "officer", "sergeant", "detective", "deputy", "chief", "director", "mayor",
    "clerk", "president", "chair", "secretary", "treasurer", "judge", "justice", "counsel", "attorney",
    "general", "commander", "captain", "lieutenant", "sheriff", "superintendent", "governor", "senator",
    "minister", "ambassador", "the", "and", "of", "for", "to", "in", "on", "at", "by", "with", "from",
    "facebook", "twitter", "instagram", "linkedin", "youtube", "tiktok", "google", "microsoft", "amazon",
    "apple", "ford", "toyota", "honda", "chevrolet", "nissan", "tesla", "visa", "mastercard", "inn", "hotel",
    "motel", "suites", "resort", "recipient", "addressee", "tenant", "landlord", "sender", "consignee",
    "cardholder", "beneficiary", "caller", "attn", "attention", "patient", "passenger", "claimant",
    "complainant", "requestor", "signature", "signatures", "signed", "signatory", "sign",
    # verbs of call logs and narratives written in capitals ("RP JANE ROE REPORTS ...")
    "reports", "reported", "states", "stated", "advises", "advised", "requests", "requested", "complains",
    "complained",
}

# Given names that are also ordinary English words or places, too often capitalised for other
# reasons (a heading, a sentence start, a month) to count on their own.
AMBIGUOUS_GIVEN = {
    "will", "may", "june", "april", "august", "grant", "bill", "mark", "art", "hope", "faith", "joy", "dawn",
    "summer", "rose", "ray", "lane", "dale", "glen", "cliff", "wade", "chase", "page", "miles", "major",
    "king", "prince", "duke", "earl", "rich", "frank", "sterling", "price", "guy", "jack", "pat", "sue",
    "bob", "don", "van", "rod", "ward", "ben", "gene", "penny", "ruby", "pearl", "crystal", "amber", "jade",
    "iris", "ivy", "holly", "olive", "violet", "lily", "daisy", "heather", "stone", "rock", "young", "long",
    "white", "black", "green", "brown", "gray", "grey", "reed", "hall", "hill", "wood", "woods", "park",
    "austin", "dallas", "houston", "jordan", "georgia", "virginia", "carolina", "dakota", "florence",
    "chelsea", "sydney", "paris", "phoenix", "denver", "orlando", "troy", "lincoln", "madison", "jackson",
    "washington", "sharon", "eden", "harmony", "unique", "precious", "royal", "star", "sunny", "sky",
    "marshall", "christian", "ali", "see", "an", "son", "so", "le", "la", "de", "del", "al", "lee", "do",
    "in", "ok", "the", "us", "more", "love", "case", "court", "judge", "deputy", "officer", "major",
    "general", "colonel", "sergeant", "chief", "mayor", "commissioner", "director", "president", "lord",
    "dean", "bishop", "pope", "sheriff", "marshal", "warden", "norman", "german", "india", "asia",
    "america", "china", "israel", "kenya", "ireland", "wales", "english", "french", "spanish", "urban",
    "rural", "tuesday", "friday", "sunday", "easter", "christmas", "noel", "content", "line", "lines",
    "standard", "sale", "sales", "max", "early", "rusty", "carry", "else", "tom", "dusty", "randy",
    "ernest", "constance", "patience", "prudence", "temperance", "verity", "trinity", "angel", "cherry",
    "camellia", "melody", "an", "no", "non", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "jan",
    "feb", "mar", "apr", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "ed", "al", "will", "pa",
}

# Given names that begin the names of places, organisations and things ("Rose Garden", "Grant
# Park", "Art Museum") too often to pair with the next word on the lexicon's word alone.
PAIR_AMBIGUOUS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "art", "hope", "faith", "joy", "summer", "rose", "dawn", "page", "chase", "king", "prince", "grant",
    "rich", "young", "long", "white", "black", "green", "brown", "gray", "grey", "reed", "hall", "hill", "wood",
    "park", "stone", "rock", "christian", "english", "french", "german", "norman", "royal", "star", "sky",
    "crystal", "amber", "jade", "ruby", "pearl", "ivy", "holly", "lily", "iris", "violet", "olive", "heather",
    "major", "general", "chief", "judge", "justice", "deputy", "officer", "christmas", "easter", "noel",
    "angel", "trinity", "unique", "precious", "harmony", "eden", "sunny", "will", "mark", "bill", "price",
    "standard", "sale", "sales", "max", "early", "content", "line", "case", "court", "love", "more",
    # first words of place names ("Santa Clara", "San Marcos", "Fort Myers", "Palo Verde")
    "santa", "san", "santo", "los", "las", "el", "la", "del", "fort", "port", "mount", "saint", "st", "new",
    "palo", "costa", "vista", "villa", "lake", "glen", "rancho", "mission", "union", "city", "bay",
}

# Spanish words that begin a place's name ("Isla Mujeres", "Sierra Madre", "Loma Linda", "Vega
# Baja", "Marina del Rey", "Monte Cristi") and are given names too. A pair of the lexicon that
# begins with one is a place where a preposition of place stands right before it ("near",
# "at", "off", "out of"; not "from" or "to", which letters and people follow; "at Isla
# Campbell's house" is a person's) and the model reads it as a place or a body: the lexicon
# pair alone outweighs the model's tag (``_pair``), the three together do not.
PLACE_GIVEN = {"isla", "sierra", "loma", "vega", "marina", "monte"}
_LOCATIVE_BEFORE = re.compile(r"(?i)\b(?:near|at|off|around|outside|across|out of)[ \t]+(?:the[ \t]+)?$")

# Police narratives name people by role code: V1 victim, W2 witness, S1 suspect, RP reporting
# party, C1 complainant, P1 passenger, D1 driver, O1 owner.
_ROLE_CODE = r"(?<![\w/#.-])(?P<code>(?:[VWSCPDOR]\d{1,2}|RP|R/P|CW\d{0,2}|SUS\d{0,2}|VIC\d{0,2}|WIT\d{0,2}))"
ROLE_CODE_NAME = re.compile(
    _ROLE_CODE + rf"[ \t]+(?:-[ \t]+)?(?P<name>{CAPS_WORD},[ \t]*{_WORD}(?:[ \t]+(?:{INITIAL}|{_WORD}))?"
    rf"|{_WORD}(?:[ \t]+(?:{INITIAL}|{_WORD})){{0,2}})")
LAST_FIRST = re.compile(
    rf"(?<![\w,])(?P<last>{CAPS_WORD}|{TITLE_WORD}),[ \t]+(?P<first>{TITLE_WORD})"
    rf"(?P<middle>[ \t]+(?:{INITIAL}|\p{{Lu}}(?![\w])))?(?![\w'’-])(?![ \t]*\d)")
TOKEN = re.compile(rf"(?<![\w'’-])(?:{_WORD}|{INITIAL}|\p{{Lu}}(?=[ \t]+\p{{Lu}}))(?![\w'’-])")
_STATE_CODES = {"al", "ak", "az", "ar", "ca", "co", "ct", "de", "dc", "fl", "ga", "hi", "id", "il", "in", "ia", "ks",
                "ky", "la", "me", "md", "ma", "mi", "mn", "ms", "mo", "mt", "ne", "nv", "nh", "nj", "nm", "ny", "nc",
                "nd", "oh", "ok", "or", "pa", "ri", "sc", "sd", "tn", "tx", "ut", "vt", "va", "wa", "wv", "wi", "wy",
                "pr", "gu", "vi"}
GREETING = re.compile(
    rf"(?m)^[ \t]*(?:Dear|Hi|Hello|Hey|Good (?:morning|afternoon|evening))[ \t]+"
    rf"(?:(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof)\.?[ \t]+)?(?P<name>{_WORD}(?:[ \t]+{_WORD}){{0,2}})[ \t]*[,:!\n]")
SIGN_OFF = re.compile(
    r"(?im)^[ \t]*(?:Sincerely(?: yours)?|Respectfully(?: submitted)?|Regards|Best regards|Kind regards"
    r"|Warm regards|Best wishes|Best|Cheers|Yours truly|Yours sincerely|Yours faithfully|Very truly yours"
    r"|Cordially|Thank you|Thanks|Many thanks)[ \t]*[,.!]?[ \t]*\n(?:[ \t]*\n)?[ \t]*"
    rf"(?P<name>(?-i:{_WORD}(?:[ \t]+(?:{INITIAL}[ \t]+)?{_WORD}){{0,2}}))[ \t]*$")
_PARTY = (r"(?:Petitioners?|Respondents?|Plaintiffs?|Defendants?|Appellants?|Appellees?|Debtors?|Claimants?"
          r"|Movants?|Applicants?|Real Party in Interest|Cross-Complainants?|Intervenors?)")
CAPTION_PARTY = re.compile(
    rf"(?m)^[ \t]*(?P<name>{_WORD}(?:[ \t]+(?:{INITIAL}[ \t]+)?{_WORD}){{0,3}})[ \t]*,[ \t]*(?:an individual,[ \t]*)?"
    rf"{_PARTY}\b")
CAPTION_V = re.compile(
    rf"(?<![\w'’-])(?P<name>{_WORD}(?:[ \t]+(?:{INITIAL}[ \t]+)?{_WORD}){{0,3}}),?[ \t]+v(?:s)?\.[ \t]+(?=\p{{Lu}})")
FORM_NAME = re.compile(
    rf"(?im)(?:^|[ \t]{{2,}}|\|)[ \t]*(?:printed name|print name|name \(print(?:ed)?\)|full name|legal name|typed name"
    rf"|name of (?:debtor|applicant|claimant|petitioner|respondent|student|child|minor|parent|guardian|patient"
    rf"|employee|witness|complainant|requester|deceased|decedent|owner|tenant)|(?:debtor|applicant|claimant"
    rf"|student|child|minor|parent|guardian|patient|employee|witness)(?:'s)? (?:full )?name|signature of [a-z ]{{3,30}})"
    rf"[ \t]*[:_.]*[ \t]*\n?[ \t]*_*[ \t]*(?P<name>(?-i:{_WORD}(?:[ \t]+(?:{INITIAL}[ \t]+)?{_WORD}){{1,3}}))")
SLASH_S = re.compile(rf"/s/[ \t]*(?P<name>{_WORD}(?:[ \t]+(?:{INITIAL}[ \t]+)?{_WORD}){{1,3}})")
# A nickname in quotes or brackets between a given name and a surname ('Bartholomew "Bart"
# Oyelowo', "Robert (Bobby) Kask"): a person's name by its shape.
NICKNAME = re.compile(rf"(?P<first>{TITLE_WORD})[ \t]+(?P<nick>[\"“'‘(]{TITLE_WORD}[\"”'’)])[ \t]+"
                      rf"(?P<last>{TITLE_WORD})(?![\w'’-])")
# Whose name a text may give as "the girl's name is ..." (a project's or a ship's is no person's).
_NAMED_ONES = ("girl", "boy", "man", "woman", "lady", "child", "kid", "baby", "son", "daughter", "wife", "husband",
               "mother", "father", "brother", "sister", "friend", "neighbor", "neighbour", "boyfriend",
               "girlfriend", "partner", "caller", "victim", "suspect", "witness", "driver", "tenant", "person",
               "individual", "juvenile", "minor", "patient", "student", "complainant", "subject")
NAME_IS = re.compile(
    rf"(?i:\bmy name is|\bmy name's|\bI am called|\bnamed|\bcalled|\bknown as|\bsigned by|\bthis is"
    rf"|\b(?:identified|introduced)[ \t]+(?:him|her|them)sel(?:f|ves)[ \t]+as|\bgave[ \t]+(?:his|her|their)[ \t]+name[ \t]+as"
    rf"|(?:\b(?:his|her|their)|\b(?:{'|'.join(_NAMED_ONES)})['’]s)[ \t]+(?:(?:first|last|full|given)[ \t]+)?name"
    rf"[ \t]+(?:is|was))[ \t]+"
    rf"(?P<name>{_WORD}(?:[ \t]+(?:{INITIAL}[ \t]+)?{_WORD}){{0,2}})")
IN_RE = re.compile(rf"\bIn re:?[ \t]+(?P<name>{_WORD}(?:[ \t]+(?:{INITIAL}[ \t]+)?{_WORD}){{0,3}})")


# A person's slot in running prose (issue #10 point 3): the subject of a speech or cognition
# verb, the object of "spoke with" / "met with" / "called", the word after "According to" or a
# greeting, a name after a person role label ("Recipient", "Tenant"). The slot is the evidence
# for a name the lexicon does not hold; the word must still be a proper noun that the model's
# own vocabulary does not know (see ``set_known_words``), or a lexicon name.
_SPEECH = (r"(?:said|says|asked|asks|told|tells|stated|states|wrote|writes|confirmed|confirms|explained|replied"
           r"|noted|added|mentioned|claimed|agreed|insisted|denied|admitted|thought|believes|believed|recalled"
           r"|answered|complained|testified|reported)")
SUBJECT_SLOT = re.compile(
    rf"(?<![\w'’-])(?P<name>{TITLE_WORD}(?:[ \t]+{TITLE_WORD})?)[ \t]+(?:(?:had|has|then|later|also)[ \t]+)?{_SPEECH}\b")
OBJECT_SLOT = re.compile(
    rf"(?:\b(?:spoke|speak|speaking|spoken|talked|talking|talk|met|meet|meeting|corresponded|consulted|checked)"
    rf"[ \t]+(?:with|to)|\b(?:phoned|emailed|e-mailed|texted|contacted|visited|interviewed|thanked|informed"
    rf"|notified|called)|\b[Aa]ccording to|\b(?:Dear|Hi|Hello))[ \t]+(?P<name>{TITLE_WORD}(?:[ \t]+{TITLE_WORD})?)"
    rf"(?![\w'’-])")
# The person something is sent or handed to: "pass the lease to <name> when ...", "return the
# form to <name> at ...". A place follows "to" as often (the verb's object may travel), so the
# word must be a given name of some country's list that the model does not know as a place.
GIVE_SLOT = re.compile(
    rf"\b(?i:send|sends|sent|pass|passes|passed|give|gives|gave|given|forward|forwards|forwarded|hand|hands|handed"
    rf"|deliver|delivers|delivered|return|returns|returned|mail|mails|mailed|show|shows|showed|shown|introduce"
    rf"|introduced|refer|referred|lend|lent|pay|paid|explain|explained|report|reported|reply|replied)"
    rf"(?:[ \t]+[\p{{L}}'’-]+){{0,5}}?[ \t]+to[ \t]+(?P<name>{TITLE_WORD}(?:[ \t]+{TITLE_WORD})?)(?![\w'’-])")
# A person's pronoun later in the clause ("... to Tomasz when he drops by").
_PRONOUN_AFTER = re.compile(r"[^.;:!?\n]{0,60}?\b(?:he|she|him|his|hers|her)\b")
PERSON_LABELS = ("recipient", "addressee", "tenant", "landlord", "witness", "applicant", "claimant", "complainant",
                 "requester", "requestor", "sender", "consignee", "cardholder", "beneficiary", "caller", "attn",
                 "attention", "patient", "passenger")
LABEL_SLOT = re.compile(
    rf"(?<![\w'’-])(?P<label>(?i:{'|'.join(PERSON_LABELS)}))[ \t]*[:.-]?[ \t]+"
    rf"(?P<name>{TITLE_WORD}(?:[ \t]+{TITLE_WORD}){{0,2}})(?![\w'’-])")
# A name in apposition to a private person's noun ("his daughter, <name>,", "my neighbour
# <name>", "the claimant, <name>,"): family, household and the parties of a private matter.
# Offices are not here: "the officer, <name>," is an official's slot (officials.py).
HUMAN_NOUNS = ("daughter", "son", "wife", "husband", "spouse", "mother", "father", "brother", "sister", "child",
             "baby", "grandson", "granddaughter", "grandmother", "grandfather", "grandchild", "niece", "nephew",
             "cousin", "aunt", "uncle", "fiancé", "fiancée", "fiance", "fiancee", "boyfriend", "girlfriend",
             "stepson", "stepdaughter", "stepfather", "stepmother", "mom", "dad", "sibling",
             # nouns only a human being is (an organisation can be a tenant or an applicant)
             "neighbour", "neighbor", "friend", "roommate", "flatmate", "housemate", "classmate", "colleague",
             "coworker", "co-worker", "caregiver", "carer", "patient", "student", "pupil", "minor", "juvenile",
             "detainee", "inmate", "passenger", "witness", "victim", "suspect", "caller", "decedent", "informant",
             "homeowner", "employee", "cardholder")
PERSON_NOUNS = ("daughter", "son", "wife", "husband", "partner", "spouse", "mother", "father", "brother", "sister",
                "child", "baby", "grandson", "granddaughter", "grandmother", "grandfather", "grandchild", "niece",
                "nephew", "cousin", "aunt", "uncle", "fiancé", "fiancée", "fiance", "fiancee", "boyfriend",
                "girlfriend", "stepson", "stepdaughter", "stepfather", "stepmother", "mom", "dad", "sibling",
                "neighbour", "neighbor", "friend", "roommate", "flatmate", "housemate", "classmate", "colleague",
                "coworker", "co-worker", "caregiver", "carer", "tenant", "landlord", "landlady", "lodger",
                "claimant", "complainant", "applicant", "victim", "suspect", "witness", "caller", "resident",
                "patient", "client", "customer", "student", "pupil", "minor", "juvenile", "detainee", "inmate",
                "passenger", "driver", "owner", "homeowner", "employee", "requester", "requestor", "petitioner",
                "respondent", "plaintiff", "defendant", "decedent", "deceased", "ward", "guardian", "cardholder",
                "beneficiary", "informant", "reporting party")
APPOSITION_SLOT = re.compile(
    rf"(?i:\b(?:the|his|her|their|my|our|your|a|an|whose|\p{{L}}+['’]s)[ \t]+(?:(?:late|elder|older|younger|eldest|youngest"
    rf"|little|adult|minor|teenage|ex-|former|\d+-year-old)[ \t]*)?(?P<noun>{'|'.join(PERSON_NOUNS)}))"
    rf"(?:[ \t]*,[ \t]*|[ \t]+)(?P<name>{TITLE_WORD}(?:[ \t]+{TITLE_WORD}){{0,2}})(?![\w'’-])")
# People a record speaks of as the ones acted on: the subject of "was interviewed", "were
# arrested" (one name, or two joined by "and").
_DONE_TO = (r"(?:interviewed|arrested|questioned|detained|charged|cited|booked|transported|injured|notified"
            r"|treated|hospitali[sz]ed|evicted|hired|terminated|dismissed|fired|born|married|divorced|diagnosed"
            r"|assaulted|robbed|summoned|subpoenaed|deposed)")
PASSIVE_SLOT = re.compile(
    rf"(?<![\w'’-])(?P<name>{TITLE_WORD}(?:[ \t]+{TITLE_WORD}){{0,2}})"
    rf"(?:[ \t]+and[ \t]+(?P<other>{TITLE_WORD}(?:[ \t]+{TITLE_WORD}){{0,2}}))?"
    rf"[ \t]+(?:(?:was|were|had[ \t]+been|have[ \t]+been|has[ \t]+been)[ \t]+){_DONE_TO}\b")

# Words of prose that the slot patterns meet but that name groups, not people.
_SLOT_NOT_NAME = {"nobody", "everyone", "everybody", "someone", "somebody", "anyone", "anybody", "none", "each",
                  "both", "many", "most", "some", "several", "others", "they", "we", "he", "she", "it", "you", "i",
                  "according", *PERSON_LABELS, *PERSON_NOUNS}
_DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "our", "their", "his", "her", "its", "my",
                "your", "every", "each", "any", "no"}
_known_words: frozenset[str] | None = None


def set_known_words(words) -> None:
    """The words the spaCy pipeline's vocabulary held when it was loaded (lower case), before
    any record was processed: ordinary English words and well-known organisations and places.
    A capitalised word in a person's slot that is not among them is taken for a name."""
    global _known_words
    _known_words = frozenset(w.lower() for w in words)


def _known(tokens) -> bool:
    """Does the model's vocabulary know any of these words (True when it was not recorded)?"""
    return _known_words is None or any(_bare(t) in _known_words for t in tokens)


def _slot_name_ok(text, words, propn, ents, lower, strong: bool = False, kin: bool = False) -> bool:
    """Is each word of a slot candidate a plausible name: not a word the record also writes in
    lower case, not an office, group, day or place word, and either unknown to the model's
    vocabulary, or a proper noun in the name lexicon that the model does not read as a place
    or a body. In a ``strong`` slot (a person's noun in apposition, "spoke with", a person
    acted on) the slot is evidence enough for a given name of any country's list, and for a
    name whose given name the vocabulary does not know ("Haruto Sato"). After a noun only a
    human being is ("her daughter, ...", "the witness, ...") a proper noun is a name whatever the model's entity tag says (it
    tags unfamiliar given names as organisations or places as often as not)."""
    tokens = [text[a:b] for a, b in words]
    if not tokens:
        return False
    for t in tokens:
        b = _bare(t)
        if (b in NOT_NAME_WORDS or b in AMBIGUOUS_GIVEN or b in _SLOT_NOT_NAME or b in lower
                or b in _STATE_CODES or len(b) < 3):
            return False
    if not _known(tokens):
        return True  # the tagger reads an unknown word with diacritics as a noun as often as not
    if kin and _all_propn(propn, words):
        return True
    if strong:
        if len(tokens) == 1 and is_given(tokens[0], international=True) and _all_propn(propn, words):
            return True
        if len(tokens) > 1 and not _known(tokens[:1]) and (is_surname(tokens[-1]) or not _known(tokens[-1:])):
            return True
    # A word the vocabulary knows ("Madrid", "Dispatch") counts only as a US given name, or as
    # a given name and a surname together: the international lists and the surname list hold
    # too many places and ordinary words to stand alone.
    if not _all_propn(propn, words) or not is_given(tokens[0], international=len(tokens) > 1):
        return False
    if len(tokens) > 1 and not is_surname(tokens[-1]):
        return False
    return not _tagged_not_person(ents, words[0][0], words[-1][1])


def _bare(word: str) -> str:
    return word.strip(".,;:'’\"()").lower()


# Words after a name that make it an organisation's, a product's or a group's ("KORVEX LLC",
# "the KORVEX group", "KORVEX members"). Lower case.
_ORG_NOUNS = ("llc", "l.l.c", "inc", "corp", "co", "company", "corporation", "ltd", "llp", "group", "groups", "team",
              "community", "members", "member", "membership", "university", "app", "platform", "network",
              "handbook", "bible", "program", "programme", "foundation", "association", "club", "board",
              "boards", "account", "accounts", "website", "site", "feed", "page", "brand", "products")
_DETERMINER_BEFORE = r"(?i:\b(?:the|a|an|our|your|their|this|that|every|each|any|no))"


def used_as_organisation(word: str, text: str) -> bool:
    """Does ``text`` use ``word`` as the name of an organisation, a product or a group: before
    an organisation noun ("KORVEX LLC", "KORVEX members"), or as a modifier after a determiner
    ("the KORVEX handbook")? A person's name is rarely written either way; only asked of words
    outside the surname lexicon (a surname also names firms: "Smith & Sons")."""
    w = re.escape(word)
    org = "|".join(re.escape(n) for n in _ORG_NOUNS)
    return bool(re.search(rf"(?<![\w'’-]){w}(?:['’]s)?[ \t]+(?i:{org})\b", text, timeout=REGEX_TIMEOUT)
                or re.search(rf"{_DETERMINER_BEFORE}[ \t]+{w}[ \t]+\p{{L}}", text, timeout=REGEX_TIMEOUT))


_POSSESSIVE = re.compile(r"'s$")
_POSSESSIVE_END = re.compile(r"['’]s$")


def _parts(word: str) -> list[str]:
    """"Duval-Arsenault" -> ["duval", "arsenault", "duval-arsenault"]."""
    w = _POSSESSIVE.sub("", _bare(word).replace("’", "'"))  # "Jodi's" -> "jodi"
    return [p for p in {w, *w.split("-")} if p]


@functools.lru_cache(maxsize=None)
def _all(kind: str) -> frozenset[str]:
    if kind == "given":
        return given_names() | _lexicon("given-names-intl.txt")
    return surnames() | _lexicon("surnames-intl.txt")


# A record asks about the same few thousand words again and again: the answers are kept
# (bounded, so a long batch's memory stays flat).
_WORD_CACHE = 1 << 16


def is_given(word: str, international: bool = True) -> bool:
    """In the given-name lexicon: the US Census list, and (``international``) the names of
    other locales, which only count beside other evidence (a surname, a role code)."""
    return _is_given(word, bool(international))


@functools.lru_cache(maxsize=_WORD_CACHE)
def _is_given(word: str, international: bool) -> bool:
    names = _all("given") if international else given_names()
    return any(p in names for p in _parts(word))


@functools.lru_cache(maxsize=_WORD_CACHE)
def is_surname(word: str) -> bool:
    family = _all("family")
    return any(p in family for p in _parts(word))


def _non_ascii(word: str) -> bool:
    """A letter beyond ASCII in ``word`` (not a spacing accent a PDF's font put beside its
    letter: "Ageˆncia" holds U+02C6, a modifier letter)."""
    return any(ord(ch) > 127 and ch.isalpha() and unicodedata.category(ch) != "Lm" for ch in word)


# What a text must hold for a pattern to match in it, found faster than the pattern itself
# (it starts with a name, tried at every capital): a text without it is not searched.
_NEEDLES = {
    CAPTION_V: re.compile(r"[ \t]vs?\.[ \t]"),
    CAPTION_PARTY: re.compile(rf"{_PARTY}\b"),
    FORM_NAME: re.compile(r"(?i)name|signature of"),
    PASSIVE_SLOT: re.compile(rf"(?:was|were|been)[ \t]+{_DONE_TO}\b"),
    SUBJECT_SLOT: re.compile(rf"[ \t]{_SPEECH}\b"),
    GIVE_SLOT: re.compile(r"[ \t]to[ \t]+\p{Lu}"),
    NICKNAME: re.compile(r"[ \t][\"“'‘(]\p{Lu}"),
}


def _finditer(pattern, text: str) -> list:
    """``pattern``'s matches in ``text`` (none when its needle is not there)."""
    needle = _NEEDLES.get(pattern)
    if needle is not None and not needle.search(text, timeout=REGEX_TIMEOUT):
        return []
    return list(pattern.finditer(text, timeout=REGEX_TIMEOUT))


class NameStructureRecognizer(EntityRecognizer):
    """Person names by structure and lexicon (see the module docstring)."""

    ENTITY = "PERSON"

    def __init__(self):
        super().__init__(supported_entities=[self.ENTITY], name="NameStructureRecognizer",
                         supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        ents = _entity_spans(nlp_artifacts)
        propn = _propn_spans(nlp_artifacts)
        lower = _lower_words(text)
        out = []
        seen: set[tuple[int, int]] = set()

        def add(start, end, score, why):  # one result per span
            span = text[start:end]
            stripped = _POSSESSIVE_END.sub("", span.rstrip(" \t\n,.;:"))
            end = start + len(stripped)
            if end > start and (start, end) not in seen:
                seen.add((start, end))
                out.append(_result(self, self.ENTITY, start, end, score, why))

        self._add = add

        codes = list(ROLE_CODE_NAME.finditer(text, timeout=REGEX_TIMEOUT))
        many_codes = len({m.group("code")[0] for m in codes}) >= 2
        for m in codes:
            s, e = m.span("name")
            words = _trim_words(text, s, e)
            if not words:
                continue
            s, e = words[0][0], words[-1][1]
            tokens = [text[a:b] for a, b in words]
            comma = "," in text[s:e]
            known = any(is_given(t) or is_surname(t) for t in tokens)
            if not (comma or known or many_codes):
                continue
            if any(_bare(t) in lower and not (is_given(t) or is_surname(t)) for t in tokens):
                continue
            add(s, e, 0.8, f"name after the role code '{m.group('code')}' of a police narrative")

        for m in LAST_FIRST.finditer(text, timeout=REGEX_TIMEOUT):
            last, first = m.group("last"), m.group("first")
            if _bare(last) in NOT_NAME_WORDS or _bare(first) in NOT_NAME_WORDS:
                continue
            caps_last = last.isupper() and not first.isupper()
            if not (is_given(first) and (is_surname(last) or caps_last)):
                continue
            if caps_last and not is_surname(last) and used_as_organisation(last, text):
                continue  # "the founders of KORVEX, Janelle and ...": KORVEX is "the KORVEX group"
            if not caps_last and is_given(last, international=False) and not last.isupper():
                continue  # "Sam, Lena": two given names in a list
            if not caps_last and (_CAPITALISED_BEFORE.search(text[max(0, m.start() - 30):m.start()])
                                  or _CAPITALISED_AFTER.match(text[m.end():m.end() + 3])):
                continue  # "Robert Hale, Mia Thornton": a list of names, not "Hale, Mia"
            add(m.start(), m.end(), 0.8 if caps_last else 0.7, "LAST, First name (surname and given name lexicon)")

        toks = [(m.start(), m.end(), m.group(0)) for m in TOKEN.finditer(text, timeout=REGEX_TIMEOUT)]
        i = 0
        while i < len(toks):
            took = 0
            for n in (3, 2):
                run = toks[i:i + n]
                if len(run) < n or not _joined(text, run) or _initial(run[0][2]) \
                        or _initial(run[-1][2]) or any(_initial(t) for _, _, t in run[:-2]):
                    continue
                if n == 3 and "\n" in text[run[0][0]:run[-1][1]]:
                    continue
                if "\n" in text[run[0][0]:run[-1][1]] and (
                        (i > 0 and _joined(text, [toks[i - 1], run[0]], newline=False))
                        or (i + n < len(toks) and _joined(text, [run[-1], toks[i + n]], newline=False))):
                    continue  # "San Diego\nSan Francisco": two lines of a column, not one wrapped name
                if "\n" in text[run[0][0]:run[-1][1]] and in_column_list(text, run[0][0], run[-1][1]):
                    continue  # "Irvine\nBerkeley" in a column of cities
                if self._pair(text, run, ents, propn, lower):
                    took = n
                    break
            i += took or 1
        for k, (s, e, word) in enumerate(toks):
            if _initial(word) or "-" in word or word.isupper() or len(word) < 3 or _bare(word) in AMBIGUOUS_GIVEN or _bare(word) in NOT_NAME_WORDS:
                continue
            if not is_given(word, international=False) or _bare(word) in lower:
                continue
            if (k > 0 and _joined(text, [toks[k - 1], toks[k]], newline=False)
                    and not _SENTENCE_END.search(text[max(0, toks[k - 1][0] - 1):toks[k - 1][1]])) \
                    or (k + 1 < len(toks) and _joined(text, [toks[k], toks[k + 1]], newline=False)):
                continue  # part of a longer capitalised run: an organisation, a place, or handled above
            if not _all_propn(propn, [(s, e)]):
                continue
            if _tagged_not_person(ents, s, e):
                continue  # "Modesto" in a column of cities
            add(s, e, 0.6, "given name (name lexicon), tagged a proper noun")

        for pattern, why, score in ((GREETING, "name in a greeting", 0.75), (SIGN_OFF, "name after a sign-off", 0.75),
                                    (CAPTION_PARTY, "party named in a case caption", 0.8),
                                    (CAPTION_V, "party named in a case citation or caption ('v.')", 0.7),
                                    (IN_RE, "party named in an 'In re' caption", 0.75),
                                    (NAME_IS, "name introduced as one ('my name is', 'named')", 0.7),
                                    (FORM_NAME, "name on a form's name or signature line", 0.8),
                                    (SLASH_S, "name of a signatory ('/s/')", 0.85)):
            for m in _finditer(pattern, text):
                s, e = m.span("name")
                words = _trim_words(text, s, e)
                if not words:
                    continue
                tokens = [text[a:b] for a, b in words]
                if any(_bare(t) in NOT_NAME_WORDS for t in tokens):
                    continue
                if any(_bare(t) in lower and not (is_given(t) or is_surname(t)) for t in tokens):
                    continue
                if pattern is NAME_IS and not (any(is_given(t) or is_surname(t) for t in tokens)
                                               or (_all_propn(propn, words) and not _known(tokens))):
                    continue
                if pattern is CAPTION_V and len(tokens) > 1 and not (is_given(tokens[0]) or is_surname(tokens[-1])):
                    tokens, words = tokens[-1:], words[-1:]  # "See also Okonkwo v." -> "Okonkwo"
                add(words[0][0], words[-1][1], score, why)
        found = {}  # PASSIVE_SLOT's matches serve both of its groups
        for pattern, why in ((SUBJECT_SLOT, "name as the subject of a speech verb ('said', 'asked')"),
                             (OBJECT_SLOT, "name in a person's slot ('spoke with', 'According to', a greeting)"),
                             (LABEL_SLOT, "name after a person role label ('Recipient', 'Tenant')"),
                             (APPOSITION_SLOT, "name in apposition to a person ('his daughter, ...', 'the tenant, ...')"),
                             (PASSIVE_SLOT, "name of a person acted on ('... was interviewed', '... were arrested')"),
                             (PASSIVE_SLOT, "name of a person acted on ('... and ... were interviewed')")):
            group = "other" if "'... and ..." in why else "name"
            if pattern not in found:
                found[pattern] = _finditer(pattern, text)
            for m in found[pattern]:
                if m.group(group) is None:
                    continue
                s, e = m.span(group)
                words = _trim_words(text, s, e)
                if not words:
                    continue
                if pattern is PASSIVE_SLOT and group == "name" and s > 0 and text[s - 1:s] not in " \t\n(\"“":
                    continue
                before = text[max(0, words[0][0] - 20):words[0][0]].split()
                if pattern is SUBJECT_SLOT and before and _bare(before[-1]) in _DETERMINERS:
                    continue  # "The Tenant confirmed"
                if pattern is LABEL_SLOT and (len(words) < 2 and not m.group("label")[0].isupper()):
                    continue
                if pattern is PASSIVE_SLOT and group == "name" and before and _bare(before[-1]) in _DETERMINERS:
                    continue  # "The Applicant was notified"
                # A lone word acted on may be a place or a thing ("Boston was ..."): the slot
                # alone is not enough evidence for it.
                strong = pattern in (OBJECT_SLOT, APPOSITION_SLOT) or (pattern is PASSIVE_SLOT and len(words) > 1)
                kin = pattern is APPOSITION_SLOT and m.group("noun").lower() in HUMAN_NOUNS
                if not _slot_name_ok(text, words, propn, ents, lower, strong=strong, kin=kin):
                    continue
                add(words[0][0], words[-1][1], 0.65, why)
        for m in _finditer(GIVE_SLOT, text):
            words = _trim_words(text, *m.span("name"))
            tokens = [text[a:b] for a, b in words]
            if not words or not _all_propn(propn, words) or not is_given(tokens[0]):
                continue
            if any(_bare(t) in NOT_NAME_WORDS or _bare(t) in AMBIGUOUS_GIVEN or _bare(t) in lower
                   or _bare(t) in _SLOT_NOT_NAME or _bare(t) in _STATE_CODES for t in tokens):
                continue
            if len(tokens) > 1 and not (is_surname(tokens[-1]) or not _known(tokens[-1:])):
                continue
            if _overlaps(ents, words[0][0], words[-1][1],
                         {"LOCATION", "ORGANIZATION", "NRP", "DATE_TIME"}) \
                    and not _PRONOUN_AFTER.match(text, words[-1][1]):
                continue  # "sent to Victoria by rail", "reported to Congress"; not "to Tomasz when he ..."
            add(words[0][0], words[-1][1], 0.65, "name of the person something is sent or handed to ('... to <name>')")
        for m in _finditer(NICKNAME, text):
            first, nick, last = m.group("first"), m.group("nick"), m.group("last")
            if not is_given(first) or not is_given(nick.strip("\"“”'‘’()")):
                continue  # both the name and its nickname are given names of the lexicon
            if any(_bare(w) in NOT_NAME_WORDS or _bare(w) in lower for w in (first, last)):
                continue
            add(m.start(), m.end(), 0.75, "given name, nickname in quotes and surname")
        for s, e in _spelled_by_mailbox(text, toks, lower):
            add(s, e, 0.7, "name spelled by the email address after it (first.last@)")
        return out

    def _pair(self, text, run, ents, propn, lower) -> bool:
        tokens = [t for _, _, t in run]
        first, last = tokens[0], tokens[-1]
        start, end = run[0][0], run[-1][1]
        if first.isupper() != last.isupper():
            return False
        if any(_bare(t) in NOT_NAME_WORDS for t in tokens if not _initial(t)):
            return False
        if _bare(last) in _STATE_CODES or _STATE_AFTER.match(text, end):
            return False  # "SAINT LOUIS MO", "Jackson, Mississippi"
        after = text[end:end + 30]
        if _ORG_WORD_AFTER.match(after):
            return False  # "Douglas Brooks Associates", "Jackson Lewis LLP"
        if _ORG_LABEL_BEFORE.search(text, max(0, text.rfind("\n", 0, start) + 1, start - 40), start):
            return False  # "Bank: Wells Fargo", "Employer: Morgan Stanley": the label names an organisation
        caps = first.isupper()
        if caps and "\n" in text[start:end]:
            return False  # headings in capitals run over lines ("JAIL\nDAILY")
        lexicon = (is_given(first, international=not caps) and is_surname(last)
                   and (_bare(first) not in PAIR_AMBIGUOUS or _word_name_pair(run, lower)))
        foreign = (not first.isupper() and any(_non_ascii(t) for t in tokens)
                   and all(_bare(t) not in lower for t in tokens)
                   and (is_given(first) or is_surname(last) or _all_propn(propn, [(a, b) for a, b, _ in run])))
        if not (lexicon or foreign):
            return False
        if (_bare(first) in PLACE_GIVEN and _LOCATIVE_BEFORE.search(text, max(0, start - 12), start)
                and not _POSSESSIVE_END.search(last) and text[end:end + 1] not in ("'", "’")
                and _overlaps(ents, start, end, {"LOCATION", "ORGANIZATION"})):
            return False  # "near Isla Serrano", "outside Loma Linda": a place, as the model reads it
        if "\n" in text[start:end] and not lexicon:
            return False
        why = ("given name and surname (name lexicon)" if lexicon
               else "name in letters beyond ASCII, tagged a proper noun")
        self._add(start, end, 0.75 if lexicon else 0.6, why)
        return True


# Given names that are words too ("Precious", "Hope", "Sunday", "June") may still begin a
# pair when the surname after them is no word: in the lexicon of other locales' surnames only
# ("Precious Mahlangu", "Hope Dlamini", "Sunday Adebayo"). Place words ("San", "Fort") and
# ranks ("Major", "Judge") never begin one this way.
_WORD_NAME_FIRST = PAIR_AMBIGUOUS - {
    "santa", "san", "santo", "los", "las", "el", "la", "del", "fort", "port", "mount", "saint", "st", "new",
    "palo", "costa", "vista", "villa", "lake", "glen", "rancho", "mission", "union", "city", "bay",
    "major", "general", "chief", "judge", "justice", "deputy", "officer", "court", "case", "line", "content",
    "standard", "sale", "sales", "more", "love", "english", "french", "german", "christmas", "easter"}


def _word_name_pair(run, lower) -> bool:
    """``run`` (a word-like given name, then a surname) is a person's name: the surname is
    only in the international surname lexicon (not the US list, whose surnames are often
    words: "Hope Street", "Grant Park"), is no given name, and is not written in lower case
    in the text. The model's reading is not asked: it reads most such pairs as places
    ("Precious Aalto"), and the lexicon pair is the better evidence, as for other pairs."""
    first, last = run[0][2], run[-1][2]
    bare = _bare(last)
    if _bare(first) not in _WORD_NAME_FIRST or len(run) != 2 or last.isupper():
        return False
    return not (bare in surnames() or bare in lower or bare in _all("given")
                or bare not in _lexicon("surnames-intl.txt"))


_MAILBOX_PARTS = re.compile(r"[._+-]|\d+")


def _spelled_by_mailbox(text: str, toks, lower) -> list[tuple[int, int]]:
    """Names that a personal email address just after them spells: "send it to Hiroshi at
    hiroshi.tanaka@outlook.jp", "Ana Silva <ana.silva@example.pt>". The mailbox must have two
    parts of a person's name (first.last), the word one of them, in the name lexicon, and
    within 80 characters before the address in its paragraph. A government mailbox is an
    official's or an office's (officials.py decides about those)."""
    spans = []
    if "@" not in text:  # what every address holds
        return spans
    # the words in order, none inside another: those from ``start`` to an address are a slice
    starts = [a for a, _, _ in toks]
    ends = [b for _, b, _ in toks]
    for m in EMAIL.finditer(text, timeout=REGEX_TIMEOUT):
        if GOV_EMAIL.search(m.group(0)):
            continue
        parts = {p for p in _MAILBOX_PARTS.split(m.group("local").lower()) if len(p) >= 3}
        if len(parts) < 2:
            continue
        start = max(0, m.start() - 80, text.rfind("\n\n", 0, m.start()) + 1)
        run = toks[bisect_left(starts, start):bisect_right(ends, m.start())]
        for k, (a, b, w) in enumerate(run):
            bare = _bare(w)
            if (bare not in parts or bare in NOT_NAME_WORDS or bare in lower or not w[:1].isupper()
                    or not (is_given(w) or is_surname(w))):
                continue
            end = b
            if k + 1 < len(run) and _bare(run[k + 1][2]) in parts and _joined(text, [run[k], run[k + 1]], newline=False):
                end = run[k + 1][1]  # "Hiroshi Tanaka": both parts
            spans.append((a, end))
    return spans


_LONE = re.compile(r"[ \t]*\p{Lu}[\p{L}\p{M}'’.-]*(?:[ \t]\p{Lu}[\p{L}\p{M}'’.-]*){0,2}[ \t]*")


def _line_at(text: str, pos: int) -> tuple[int, int]:
    ls = text.rfind("\n", 0, pos) + 1
    le = text.find("\n", pos)
    return ls, (len(text) if le < 0 else le)


def in_column_list(text: str, start: int, end: int) -> bool:
    """Is text[start:end], which runs over a line break, lines of a list read one entry per
    line (a column of cities or companies): every line it touches holds one to three
    capitalised words and nothing else, and so do the lines right before and after it (or it
    touches three such lines)? A name wrapped in a table cell sits on lines with other cells
    or separators."""
    ls, _ = _line_at(text, start)
    _, le = _line_at(text, max(start, end - 1))
    lines = text[ls:le].split("\n")
    prev_end = ls - 1
    prev = text[text.rfind("\n", 0, prev_end) + 1:prev_end] if prev_end > 0 else ""
    nxt_end = text.find("\n", le + 1)
    nxt = text[le + 1:len(text) if nxt_end < 0 else nxt_end] if le < len(text) else ""
    if not all(_LONE.fullmatch(x) for x in lines):
        return False
    return len(lines) >= 3 or all(_LONE.fullmatch(x) for x in (prev, nxt))


def _initial(token: str) -> bool:
    return len(token.rstrip(".")) == 1


def _joined(text: str, run, newline: bool = True) -> bool:
    """Are the words of ``run`` next to each other: spaces, or one line break between?"""
    for (_, e, _), (s, _, _) in zip(run, run[1:]):
        gap = text[e:s]
        if gap.strip(" \t") == "" and gap:
            continue
        if newline and gap.strip(" \t") == "\n":
            continue
        return False
    return True


_ORG_AFTER = ["inn", "hotel", "motel", "suites", "resort", "restaurant", "cafe", "store", "stores", "shop", "market",
              "farm", "farms", "ranch", "garage", "services", "solutions", "consulting", "systems", "industries",
              "enterprises", "holdings", "labs", "studio", "studios", "construction", "plumbing", "electric",
              "landscaping", "removal", "realty", "properties", "auto", "insurance", "clinic", "pharmacy",
              "inc", "llc", "llp", "ltd", "corp", "corporation", "company", "co", "associates", "group",
              "partners", "foundation", "university", "college", "school", "hospital", "center", "centre",
              "county", "city", "street", "st", "avenue", "ave", "road", "rd", "boulevard", "blvd", "drive",
              "lane", "park", "memorial", "library", "institute", "building", "hall", "bridge", "elementary",
              "middle", "high", "law", "act", "award", "prize", "fund", "trust", "bank", "motors"]


_ORG_WORD_AFTER = re.compile(r"[ \t]*(?:" + "|".join(_ORG_AFTER) + r")\b", re.IGNORECASE)

# A form's label that names an organisation, right before a value on its line.
_ORG_LABEL_BEFORE = re.compile(
    r"(?i)(?<![\w'’-])(?:bank|employer|company|vendor|supplier|insurer|insurance[ \t]+(?:company|carrier)|carrier"
    r"|agency|organi[sz]ation|firm|business|lender|contractor|utility|institution)(?:[ \t]+name)?[ \t]*:[ \t]*$")
_ADDRESS_AFTER = re.compile(r"[ \t]*(?:,[ \t]*)?(?:Suite|Ste|Apt|Apartment|Unit|Fl|Floor|Room|Rm|#)\.?[ \t]*#?\w")
_HOUSE_BEFORE = re.compile(r"(?<![\w/.-])\d{1,6}[A-Za-z]?[ \t]+$")
_TRIM_WORD = re.compile(r"[^\s,]+(?:,(?=[ \t]))?")
_CAPITALISED_BEFORE = re.compile(r"\p{Lu}[\p{L}'’.-]*[ \t]+$")
_CAPITALISED_AFTER = re.compile(r"[ \t]+\p{Lu}\p{Ll}")
_SENTENCE_END = re.compile(r"[.!?:]\s*$")


def _in_address(text: str, start: int, end: int) -> bool:
    """Is text[start:end] the street name of an address: a house number right before it
    ("6403 Nancy Lodge"), or a unit right after it ("Nancy Lodge Suite 022")?"""
    return bool(_HOUSE_BEFORE.search(text[max(0, start - 12):start])
                or _ADDRESS_AFTER.match(text, end))


def _trim_words(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """The words of text[s:e] without role and function words at either end."""
    words = [(m.start() + s, m.end() + s) for m in _TRIM_WORD.finditer(text[s:e])]
    words = [(a, b - 1) if text[b - 1] == "," else (a, b) for a, b in words]
    while words and _bare(text[words[-1][0]:words[-1][1]]) in NOT_NAME_WORDS:
        words.pop()
    while words and _bare(text[words[0][0]:words[0][1]]) in NOT_NAME_WORDS:
        words.pop(0)
    return words


@functools.lru_cache(maxsize=64)
def _lower_words(text: str) -> frozenset[str]:
    """The words a record writes in lower case in its prose (an email address or a web
    address is not prose: "hiroshi.tanaka@..." does not make "Hiroshi" a common word). Kept
    for the pages read last: detection asks for a page's words from several places."""
    if "@" in text or "http" in text or "www." in text:  # what an address must hold
        # An address lies inside a run of characters other than spaces, and reads the same
        # there as in the page (what stands before the run is a space): only the runs that
        # may hold one are searched.
        pieces, last = [], 0
        for run in _MAY_HOLD_ADDRESS.finditer(text):
            pieces += [text[last:run.start()], _ADDRESSES.sub(" ", run.group(0))]
            last = run.end()
        text = "".join(pieces) + text[last:]
    return frozenset(_LOWER_WORD.findall(text))


_ADDRESSES = re.compile(rf"{EMAIL.pattern}|\b(?:https?://|www\.)\S+")
_MAY_HOLD_ADDRESS = re.compile(r"\S*(?:@|https?://|www\.)\S*")
_LOWER_WORD = re.compile(r"(?<![\w'’-])\p{Ll}[\p{Ll}\p{M}'’]+(?![\w'’-])")


def _entity_spans(nlp_artifacts) -> list[tuple[int, int, str]]:
    if nlp_artifacts is None or not getattr(nlp_artifacts, "entities", None):
        return []
    return [(e.start_char, e.end_char, e.label_) for e in nlp_artifacts.entities]


def _propn_spans(nlp_artifacts) -> list[tuple[int, int]]:
    tokens = getattr(nlp_artifacts, "tokens", None) if nlp_artifacts is not None else None
    if tokens is None:
        return []
    if hasattr(tokens, "to_array"):  # a spaCy Doc: its columns, without a Token object per word
        from spacy.attrs import IDX, LENGTH, POS
        from spacy.symbols import PROPN

        if not len(tokens):
            return []
        return [(i, i + n) for p, i, n in tokens.to_array([POS, IDX, LENGTH]).tolist() if p == PROPN]
    return [(t.idx, t.idx + len(t.text)) for t in tokens if t.pos_ == "PROPN"]


def _overlaps(ents, start: int, end: int, labels: set[str]) -> bool:
    return any(s < end and start < e and label in labels for s, e, label in ents)


# Presidio hands the model's entities over under the names of redactor's NER_MAPPING
# (redactor/detect.py: GPE, LOC and FAC become LOCATION, ORG ORGANIZATION, NORP NRP, DATE and
# TIME DATE_TIME) and drops the others (PRODUCT, EVENT, LAW...). Asked only of a single word
# or a name in a slot: the small model also tags a full name of the lexicon as a place or an
# organisation ("A statement from Jodi Okafor"), and the lexicon pair is better evidence than
# that.
_NOT_PERSON_KINDS = {"LOCATION", "NRP", "DATE_TIME"}


def _tagged_not_person(ents, start: int, end: int) -> bool:
    return _overlaps(ents, start, end, _NOT_PERSON_KINDS)


def _all_propn(propn, words) -> bool:
    return bool(propn) and all(any(s < b and a < e for s, e in propn) for a, b in words)


# Recognizers whose evidence is a label (a form field, a table column) or a role code: the
# surname of their names propagates even when the lexicon does not hold it. Names from a bare
# shape ("LAST, First", "LAST, FIRST" in capitals) propagate only with a lexicon surname: the
# shape alone also fits an organisation in capitals before a list ("KORVEX, Janelle and ...").
_LABELLED = {"FormFieldInContext", "TableColumnInContext"}


def _labelled(f) -> bool:
    return f.recognizer in _LABELLED or (f.recognizer == "NameStructureRecognizer"
                                         and "role code" in (f.explanation or ""))


# The model's readings that do not stop a surname from being withheld where they cover it
# ("the Hasketts" read as an organisation); a place does ("Francisco" of "San Francisco").
_NER_KINDS = {"ORGANIZATION", "NRP", "DATE_TIME"}


def propagate_surnames(findings, document, is_official=None):
    """New PERSON findings: the surname of each withheld two-word name, where the same record
    uses it alone in capitals or with a capital ("W1 Chavez", "Applicant Sanders"). Not where
    the record also writes it in lower case (a common word), nor before a street or
    organisation word ("Chavez Street")."""
    import dataclasses

    lower = {w for p in document.pages for w in _lower_words(p.text)}
    surnames_seen: dict[str, object] = {}
    for f in findings:
        if f.entity != "PERSON":
            continue
        words = re.findall(rf"{_WORD}", f.text)
        if len(words) < 2:
            continue
        if "," in f.text and any(_is_state(part) for part in f.text.split(",")):
            continue
        if "," in f.text:
            last = words[0]
        else:
            last = words[-1]
        if len(last) < 3 or _bare(last) in lower or _bare(last) in NOT_NAME_WORDS:
            continue
        if not (is_surname(last) or _non_ascii(last) or _labelled(f)):
            continue  # "Cornbelt Ethanol" read as a name by the model: "Ethanol" is no surname
        if not is_surname(last) and any(used_as_organisation(last, p.text) for p in document.pages):
            continue  # "KORVEX" of "KORVEX, Janelle" where the record has "KORVEX LLC"
        surnames_seen.setdefault(last.lower(), f)
    if not surnames_seen:
        return []
    covered: dict[int, list[tuple[int, int]]] = {}
    for f in findings:
        if f.entity not in _NER_KINDS:
            covered.setdefault(f.page, []).append((f.start, f.end))
    out = []
    for key, src in surnames_seen.items():
        # the surname alone, its possessive ("Haskett's": the 's stays), or the family in the
        # plural after "the" ("the Hasketts")
        pattern = re.compile(rf"(?<![\w'’-]){re.escape(key)}(?=['’]s\b|(?![\w'’-]))"
                             rf"|(?<=\b[Tt]he[ \t]+){re.escape(key)}e?s(?![\w'’-])", re.IGNORECASE)
        for page in document.pages:
            for m in pattern.finditer(page.text, timeout=REGEX_TIMEOUT):
                word = m.group(0)
                if not (word[0].isupper()):
                    continue
                if any(s <= m.start() and m.end() <= e for s, e in covered.get(page.number, [])):
                    continue
                after = page.text[m.end():m.end() + 30]
                if _ORG_WORD_AFTER.match(after):
                    continue
                covered.setdefault(page.number, []).append((m.start(), m.end()))
                out.append(dataclasses.replace(
                    src, page=page.number, start=m.start(), end=m.end(), text=word, recognizer="SurnameOfName",
                    score=min(src.score, 0.8),
                    explanation=f"surname of a name found on page {src.page} ({src.recognizer})",
                    attributes=dict(src.attributes)))
    return out


# Abbreviations of codes, reporters and US states that the name model takes for given names:
# "(Ed. Code 35145.5)", "Los Angeles, Cal.", "Cal. Gov. Code". Lower case, without the period.
LEGAL_ABBREVIATIONS = {
    "ed", "educ", "cal", "gov", "govt", "pen", "civ", "bus", "prof", "veh", "fam", "lab", "evid", "proc", "ins",
    "fin", "harb", "nav", "pub", "res", "util", "wel", "inst", "corp", "elec", "rev", "stat", "ann", "app",
    "supp", "rptr", "ala", "ariz", "ark", "colo", "conn", "del", "fla", "ga", "haw", "ida", "ill", "ind",
    "exh", "ex", "id", "ibid", "supra", "infra", "decl", "depo", "tr", "dkt", "doc", "no", "nos",
    "kan", "ky", "la", "md", "mass", "mich", "minn", "miss", "mo", "mont", "neb", "nev", "okla", "ore",
    "pa", "tenn", "tex", "vt", "va", "wash", "wis", "wyo", "calif", "penn", "cir", "dist", "sup", "ct",
}
# Platforms and companies the model takes for people when they stand alone.
PLATFORMS = {"facebook", "twitter", "instagram", "linkedin", "youtube", "tiktok", "snapchat", "whatsapp",
             "telegram", "reddit", "pinterest", "nextdoor", "craigslist", "venmo", "zelle", "paypal", "uber",
             "lyft", "airbnb", "google", "gmail", "yahoo", "outlook", "zoom", "skype", "teams", "webex"}


_COMPANY_AFTER = re.compile(r",?[ \t]+(?:&[ \t]+(?:Co|Sons|Associates)\b|(?:Inc|LLC|L\.L\.C|LLP|Ltd|Corp|Co|Company|Corporation"
                            r"|PLLC|P\.C|PC|LP|GmbH|S\.A|AG|plc|Pty)\b)")
_US_STATES = ("Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho"
              "|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota"
              "|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York"
              "|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina"
              "|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming")
_STATE_AFTER = re.compile(rf",[ \t]*(?:{_US_STATES}|(?:Ala|Ariz|Ark|Cal|Calif|Colo|Conn|Del|Fla|Ga|Ill|Ind|Kan|Ky|La|Md"
                          r"|Mass|Mich|Minn|Miss|Mo|Mont|Neb|Nev|Okla|Ore|Pa|Tenn|Tex|Va|Vt|Wash|Wis|Wyo)\.)"
                          r"(?![\w])")


PARTY_WORDS = {"debtor", "debtors", "creditor", "creditors", "plaintiff", "plaintiffs", "defendant", "defendants",
               "petitioner", "petitioners", "respondent", "respondents", "appellant", "appellants", "appellee",
               "appellees", "claimant", "claimants", "movant", "intervenor", "garnishee", "decedent", "grantor",
               "grantee", "lessor", "lessee", "licensee", "registrant", "applicant", "complainant", "victim",
               "witness", "suspect", "arrestee", "inmate"}
_ADDRESS_WORDS = {"suite", "ste", "apt", "apartment", "unit", "floor", "room", "building", "bldg", "street", "avenue",
                  "road", "boulevard", "drive", "lane", "highway", "parkway", "plaza", "box"}


def _is_state(part: str) -> bool:
    part = " ".join(part.split()).strip(" .").lower()
    return part in _STATE_CODES or part in {s.lower() for s in _US_STATES.split("|")}


_OFFICE_NOUNS = {"folder", "file", "files", "personnel", "records", "record", "desk", "mailbox", "inbox", "unit",
                 "division", "department", "office", "staff", "team", "committee", "board", "council", "section"}


# Roles inside an organisation that the model reads as names when written in capitals
# ("JR ADMIN", "ADMIN, EXECUTIVE"). Lower case.
_GROUP_ROLES = {"admin", "admins", "administrator", "administrators", "executive", "executives", "founder",
                "founders", "co-founder", "co-founders", "cofounder", "cofounders", "moderator", "moderators",
                "owner", "owners", "sponsor", "sponsors", "jr", "sr"}


# Kinds of papers and records, capitalised in their titles ("by Order of this Court",
# "Combined with Notice Thereof"), which the model reads as names. Lower case.
_PAPER_WORDS = {"order", "orders", "notice", "thereof", "hereof", "motion", "memorandum", "stipulation", "affidavit",
                "declaration", "complaint", "petition", "judgment", "judgement", "decree", "subpoena", "exhibit",
                "attachment", "schedule", "findings", "conclusions", "minutes", "agenda", "resolution",
                "ordinance", "indictment", "transcript", "docket", "plan", "disclosure", "statement",
                # divisions of a statute or a document cited ("Subtitle VII, Part A, Subpart III",
                # "[FR Doc. 2020-17221 ...]")
                "part", "subpart", "subtitle", "subchapter", "subsection", "section", "paragraph", "clause",
                "article", "appendix", "annex", "doc"}


def _head_noun(word: str, document) -> bool:
    """Does the record write ``word`` after three or more different capitalised words that are
    not given names ("Iowa Ethanol", "Nebraska Ethanol", "Cornbelt Ethanol")? Then it names a
    kind of thing. A surname follows given names ("Marta Kowalski", "Henryk Kowalski"); only
    asked of words outside the surname lexicon."""
    if is_surname(word) or _non_ascii(word) or len(word) < 3:
        return False
    pattern = re.compile(rf"(?<![\w'’-])(\p{{Lu}}[\p{{L}}'’-]+)[ \t]+{re.escape(word)}(?![\w'’-])")
    before = {m.group(1) for p in document.pages for m in pattern.finditer(p.text, timeout=REGEX_TIMEOUT)}
    return len({w for w in before if not is_given(w, international=False)}) >= 3


def not_a_name(f, document) -> str | None:
    """Evidence that a PERSON finding is not a name, or None. Only evidence drops a name: a
    company suffix after it ("Jackson Lewis LLP"), a state after a single word ("Oakland,
    Cal."), an abbreviation written with its period where codes, reporters and states are
    cited ("Ed. Code", "Cal."), a platform's name or a job title standing alone."""
    if f.entity != "PERSON":
        return None
    text = document.pages[f.page - 1].text
    if _COMPANY_AFTER.match(text, f.end):
        return "a company's name (a company suffix follows)"
    if "," in f.text and any(_is_state(part) for part in f.text.split(",")):
        return "a place and its state ('ST LOUIS, MO')"
    words = f.text.split()
    if len(words) > 1 and words[-1].isupper() and len(words[-1]) == 2 and _bare(words[-1]) in _STATE_CODES:
        return "a town and its state code ('AMARILLO TX')"
    if len(words) == 1 and _bare(words[0]) in _ADDRESS_WORDS:
        return "a word of an address"
    if len(words) > 1 and any(_bare(w) in _OFFICE_NOUNS for w in words):
        return "holds a word for an office or a file, never part of a name"
    if "\n" in f.text and in_column_list(text, f.start, f.end):
        return "lines of a list read one entry per line (a column of places or companies), not one name"
    if f.recognizer == "SpacyRecognizer" and len(words) > 1 and _head_noun(words[-1], document):
        return "its last word follows many other words that are not given names ('Iowa Ethanol', 'Nebraska Ethanol')"
    if any(_bare(w) in _PAPER_WORDS for w in words) and not any(is_given(w, international=False) for w in words
                                                                  if _bare(w) not in _PAPER_WORDS):
        return "the title of a court paper or a record ('Order', 'Notice Thereof'), no given name in it"
    if (len(words) > 1 and any(_bare(w) in _GROUP_ROLES for w in words)
            and not any(is_given(w, international=False) for w in words if _bare(w) not in _GROUP_ROLES)):
        return "a role in an organisation ('JR ADMIN', 'EXECUTIVE ADMIN'), no given name beside it"
    if len(words) != 1:
        return None
    word = _bare(words[0])
    if _STATE_AFTER.match(text, f.end):
        return "a place (a state follows it)"
    after = text[f.end:f.end + 20]
    if word in LEGAL_ABBREVIATIONS and after.startswith("."):
        return "an abbreviation in a legal citation or a state's name"
    if word in PLATFORMS:
        return "the name of a platform or company"
    if word in TITLE_WORDS and word not in given_names():
        return "a job title"
    if word in PARTY_WORDS:
        return "a party's role in a case, not a name"
    return None


def read_as_places(findings):
    """The findings without the PERSON findings whose text the model reads as a place at two
    or more places of the record and never as a person ("Beverly Hills"). Once is not enough:
    the small model also tags a person's full name as a place now and then."""
    import collections

    def key(text):
        return " ".join(text.split()).lower()

    places = collections.Counter(key(f.text) for f in findings if f.entity == "LOCATION")
    people = {key(f.text) for f in findings if f.entity == "PERSON" and f.recognizer == "SpacyRecognizer"}
    return [f for f in findings if not (f.entity == "PERSON" and places[key(f.text)] >= 2
                                        and key(f.text) not in people)]


def in_organisation_column(findings):
    """The findings without the PERSON findings read in the value of an organisation's or a
    town's column or field (a table's "Make", "Company", "Employer", "City"...
    recognizers/tables.py), and without the model's PERSON readings in a category column of
    a table (a status repeated on many rows) that hold no given name. A PERSON reaching over
    such cells (the model reading across two cells of a row: "Los Angeles | San Fernando")
    keeps only what lies outside them, or goes when nothing name-like does; an address read
    from a number in one cell into a company's name in the next goes. The category cells
    themselves are not findings and go too."""
    import dataclasses

    from .tables import CATEGORY

    orgs = [f for f in findings if f.recognizer in _LABELLED and (
        f.entity in ("ORGANIZATION", "LOCATION") or f.entity == CATEGORY)]
    if not orgs:
        return findings
    by_page = collections.defaultdict(list)
    for o in orgs:
        by_page[o.page].append(o)
    out = []
    for f in findings:
        if f.entity == CATEGORY:
            continue
        if f.entity.endswith("STREET_ADDRESS") and f.recognizer not in _LABELLED:
            # an address read from the end of one cell into a company's name in the next
            # ("02/01/2016 | Westin St. Francis"): what lies outside the company is no address
            inside = [o for o in by_page.get(f.page, ()) if o.entity == "ORGANIZATION"
                      and o.start < f.end and f.start < o.end and not (o.start <= f.start and f.end <= o.end)]
            if inside:
                outside = "".join(ch for i, ch in enumerate(f.text, f.start)
                                  if not any(o.start <= i < o.end for o in inside))
                if not any(ch.isalpha() for ch in outside):
                    continue
            out.append(f)
            continue
        cells = [o for o in by_page.get(f.page, ()) if o.start < f.end and f.start < o.end] if f.entity == "PERSON" else []
        if cells and any(o.entity == CATEGORY for o in cells) and (
                f.recognizer != "SpacyRecognizer" or any(is_given(w, international=False) for w in f.text.split())):
            cells = [o for o in cells if o.entity != CATEGORY]
        if not cells:
            out.append(f)
            continue
        # what of the name lies outside the cells, as one run of text
        keep = [True] * (f.end - f.start)
        for o in cells:
            for i in range(max(o.start, f.start), min(o.end, f.end)):
                keep[i - f.start] = False
        if not any(keep):
            continue  # all of it inside the cells
        if False in keep[keep.index(True):len(keep) - keep[::-1].index(True)]:
            out.append(f)  # a cell inside the name: no reading of it to trust, withheld as found
            continue
        a = keep.index(True)
        b = len(keep) - keep[::-1].index(True)
        rest = f.text[a:b]
        lead = len(rest) - len(rest.lstrip(" \t\n|,;:"))
        body = rest.strip(" \t\n|,;:")
        if not any(w[:1].isupper() and len(_bare(w)) > 1 for w in body.split()):
            continue
        start = f.start + a + lead
        out.append(dataclasses.replace(f, start=start, end=start + len(body), text=body))
    return out


def tidy(f, document=None):
    """A PERSON finding without the spaces, separators and line breaks the name model
    sometimes takes in at its ends ("John Gordon  |  "), and without a form's next label
    read in across a column gap ("Jayden Reyes      Grade" of "Grade: 10")."""
    if f.entity != "PERSON":
        return f
    import dataclasses

    if document is not None:
        f = _cut_label_across_gap(f, document.pages[f.page - 1].text)
    text = f.text
    # a line of office words read into the name ("William Garcia\nCity Clerk")
    lines = text.split("\n")
    while len(lines) > 1 and all(_bare(w) in NOT_NAME_WORDS or _bare(w) in TITLE_WORDS for w in lines[-1].split()):
        lines.pop()
    while len(lines) > 1 and all(_bare(w) in NOT_NAME_WORDS or _bare(w) in TITLE_WORDS for w in lines[0].split()):
        cut = len(lines.pop(0)) + 1
        f = dataclasses.replace(f, start=f.start + cut, text=text[cut:])
        text = f.text
    text = "\n".join(lines)
    lead = len(text) - len(text.lstrip(" \t\n|,;:"))
    body = text.strip(" \t\n|,;:")
    if not body or (lead == 0 and len(body) == len(f.text)):
        return f
    start = f.start + lead
    return dataclasses.replace(f, start=start, end=start + len(body), text=body)


_GAP = re.compile(r"\t|[ \t]{2,}")


def _cut_label_across_gap(f, page_text: str):
    """The words after a column gap in a one-line PERSON finding are cut off when they are a
    field's label, which the page shows by a colon right after them ("Student: Jayden Reyes
    Grade: 10"), or office and title words only. A part that may be a name is never cut (a
    first and a last name in two columns are both withheld)."""
    import dataclasses

    if "\n" in f.text or not _GAP.search(f.text):
        return f
    gaps = list(_GAP.finditer(f.text))
    last = f.text[gaps[-1].end():]
    words = last.split()
    colon = re.match(r"[ \t]*:", page_text[f.end:f.end + 3]) is not None
    if words and (colon or all(_bare(w) in NOT_NAME_WORDS or _bare(w) in TITLE_WORDS for w in words)):
        keep = f.text[:gaps[-1].start()]
        if keep.strip():
            return dataclasses.replace(f, end=f.start + len(keep), text=keep,
                                       explanation=f"{f.explanation}; cut before a field's label after a column gap")
    return f


# A street's type word at the end of a street name ("Nancy Lodge", "Cook Summit", "MAIN ST").
_STREET_TYPE_END = re.compile(rf"(?i)(?<![\w'’-])(?:{STREET_SUFFIX})$")
_TOWN_STATE_ZIP = re.compile(rf",[ \t]*(?:[A-Z]{{2}}|{_US_STATES})[ \t]+\d{{5}}(?:-\d{{4}})?\b")
_STREET_REST = re.compile(rf"(?:[ \t]+(?:{TITLE_WORD}|[NSEW]\.?))*\.?(?:{_ADDRESS_AFTER.pattern}[\w-]*)?")


# An honorific or a rank just before a name: a street name never follows one.
_RANK_BEFORE = re.compile(r"(?<![\w'’-])(?:Mr|Mrs|Ms|Miss|Mx|Dr|Det|Detective|Sgt|Sergeant|Lt|Lieutenant|Capt|Captain"
                          r"|Ofc|Ofcr|Officer|Ptl|Patrolman|Patrolwoman|Deputy|Trooper|Tpr|Cpl|Corporal|Agent"
                          r"|Inspector|Insp|Constable|PC|DC|DS)\.?[ \t]+$")


def address_part(f, document):
    """A PERSON finding that is part of an address, as an address finding, or None: the
    street name after a house number ("6403 Nancy Lodge Suite 022"), or a town before a state
    and ZIP code ("Waukegan, IL 60085"). Withheld as what it is, never propagated as a name
    (a street called "Nancy Lodge" must not withhold an official called Nancy elsewhere)."""
    if f.entity != "PERSON" or re.search(r"\d", f.text):
        return None
    import dataclasses

    text = document.pages[f.page - 1].text
    if _RANK_BEFORE.search(text[max(0, f.start - 24):f.start]):
        return None  # "Officer Ramirez #5521": a badge number after a name, not a unit after a street
    house = _HOUSE_BEFORE.search(text[max(0, f.start - 12):f.start])
    unit = _ADDRESS_AFTER.match(text, f.end)
    if house or unit:
        start = f.start - (len(house.group(0)) if house else 0)
        rest = _STREET_REST.match(text, f.end)
        end = rest.end() if rest else f.end
        if not unit and not (_STREET_TYPE_END.search(text[start:end].rstrip(" \t.,"))
                             or _TOWN_STATE_ZIP.search(text[end:end + 60].split("\n")[0])):
            return None  # "121 MARGARET L OSTROWSKI": a vote count or a quantity before a name
        why = "street name of an address (house number or unit next to it)"
    else:
        town = _TOWN_STATE_ZIP.match(text, f.end)
        if not town:
            return None
        start, end = f.start, town.end()
        why = "town of an address (state and ZIP code follow)"
    value = text[start:end].rstrip(" \t,.")
    return dataclasses.replace(f, start=start, end=start + len(value), text=value, entity="US_STREET_ADDRESS",
                               recognizer="AddressPartOfName", explanation=f"{why}; first read as a name by "
                               f"{f.recognizer}", attributes={})


_NEXT_WORD = re.compile(rf"[ \t]+(?P<word>{_WORD})(?![\w'’-])")


def extend_names(findings, document):
    """PERSON findings cut short by the name model ("Tomasz" of "Tomasz Kowalczyk"), extended
    over the next word when it reads as a surname: in the surname lexicon or written in letters
    beyond ASCII, never a word the record also writes in lower case, nor an office, place or
    organisation word, nor one before a company or street word."""
    import dataclasses

    lower = {w for p in document.pages for w in _lower_words(p.text)}
    out = []
    for f in findings:
        if f.entity == "PERSON" and 1 <= len(f.text.split()) <= 2 and "\n" not in f.text:
            text = document.pages[f.page - 1].text
            m = _NEXT_WORD.match(text, f.end)
            if m:
                word = m.group("word")
                ok = ((is_surname(word) or _non_ascii(word)) and _bare(word) not in lower
                      and _bare(word) not in NOT_NAME_WORDS and _bare(word) not in AMBIGUOUS_GIVEN
                      and word.isupper() == f.text.split()[-1].isupper()
                      and not _ORG_WORD_AFTER.match(text[m.end():m.end() + 20]))
                if ok:
                    f = dataclasses.replace(f, end=m.end(), text=text[f.start:m.end()],
                                            explanation=f"{f.explanation}; extended over the surname after it")
        out.append(f)
        shared = _shared_surname(f, document, lower)
        if shared is not None:
            out.append(shared)
    return out


_AND_BEFORE = re.compile(rf"(?<![\w'’-])(?P<word>{TITLE_WORD})[ \t]+(?:and|&)[ \t]+$")


def _shared_surname(f, document, lower):
    """The given name before "and" that shares a full name's surname: "Lars" of "Lars and
    Ingrid Johansson", "John & Mary Okafor". The word must be a given name of some country's
    list, not a word the record writes in lower case, nor an office or organisation word."""
    import dataclasses

    if f.entity != "PERSON" or "\n" in f.text or len(f.text.split()) < 2 or not is_given(f.text.split()[0]):
        return None
    text = document.pages[f.page - 1].text
    m = _AND_BEFORE.search(text[max(0, f.start - 40):f.start])
    if not m:
        return None
    word = m.group("word")
    if not is_given(word) or _bare(word) in lower or _bare(word) in NOT_NAME_WORDS or _bare(word) in AMBIGUOUS_GIVEN:
        return None
    start = max(0, f.start - 40) + m.start("word")
    return dataclasses.replace(f, start=start, end=start + len(word), text=word, score=min(f.score, 0.7),
                               explanation="given name joined by 'and' to a full name whose surname it shares")
