"""Helpers every recognizer module shares: the regular-expression time bound and the one way
to build a Presidio result, and the words of official titles (officials.py reads a title with
them, names.py refuses them as names). Lives below declared.py, personal.py, names.py,
officials.py and the layout-based modules, so none of them imports another for these."""

from __future__ import annotations

import regex as re
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

# A time bound for every regular expression we run on document text, so that no pattern can
# hang a batch on a pathological input (the `regex` module supports timeouts).
REGEX_TIMEOUT = 2.0
# An address of a government's domain (an office's or an official's mailbox).
GOV_EMAIL = re.compile(r"(?i)@[\w.-]+\.(?:gov|mil|gov\.uk|gc\.ca|gov\.au|govt\.nz|europa\.eu|state\.[a-z]{2}\.us)\b")
# An email address, its local part and its domain.
EMAIL = re.compile(r"(?<![\w.+-])(?P<local>[\w.+-]+)@(?P<domain>[\w-]+(?:\.[\w-]+)+)")


def result(recognizer: EntityRecognizer, entity: str, start: int, end: int, score: float,
           why: str) -> RecognizerResult:
    """A Presidio result naming ``recognizer`` and saying why (``why`` never holds the value)."""
    return RecognizerResult(
        entity_type=entity, start=start, end=end, score=score,
        analysis_explanation=AnalysisExplanation(recognizer.name, score, textual_explanation=why),
        recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
                              RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id},
    )


# Words that make a phrase an official title (lower case). A title is a short run of
# capitalised words containing one of them ("Chief Procurement Officer", "Director of Public
# Works", "Council Member").
TITLE_WORDS = {
    "officer", "director", "commander", "chief", "manager", "clerk", "mayor", "engineer", "councilmember",
    "councillor", "councilor", "alderman", "commissioner", "supervisor", "superintendent", "secretary",
    "treasurer", "auditor", "administrator", "coordinator", "counsel", "attorney", "solicitor", "prosecutor",
    "judge", "justice", "magistrate", "sheriff", "marshal", "governor", "senator", "representative",
    "minister", "ambassador", "consul", "president", "vice-president", "chair", "chairman", "chairwoman",
    "chairperson", "vice-chair", "trustee", "inspector", "investigator", "analyst", "specialist", "lieutenant",
    "captain", "sergeant", "detective", "deputy", "assistant", "head", "dean", "registrar", "controller",
    "comptroller", "ombudsman", "spokesperson", "spokesman", "spokeswoman", "liaison", "adjudicator",
    "examiner", "assessor", "recorder", "planner", "architect", "ranger", "warden", "principal", "provost",
    "chancellor", "general", "colonel", "major", "admiral", "constable", "superintendant", "steward",
    "member", "board", "council", "poc",
    # a legislator's or an office's staff on its payroll
    "aide", "caseworker", "scheduler", "correspondent", "intern",
}
