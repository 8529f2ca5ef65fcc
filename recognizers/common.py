"""Helpers every recognizer module shares: the regular-expression time bound and the one way
to build a Presidio result. Lives below declared.py, personal.py and the layout-based modules,
so none of them imports another for these."""

from __future__ import annotations

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

# A time bound for every regular expression we run on document text, so that no pattern can
# hang a batch on a pathological input (the `regex` module supports timeouts).
REGEX_TIMEOUT = 2.0


def result(recognizer: EntityRecognizer, entity: str, start: int, end: int, score: float,
           why: str) -> RecognizerResult:
    """A Presidio result naming ``recognizer`` and saying why (``why`` never holds the value)."""
    return RecognizerResult(
        entity_type=entity, start=start, end=end, score=score,
        analysis_explanation=AnalysisExplanation(recognizer.name, score, textual_explanation=why),
        recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
                              RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id},
    )
