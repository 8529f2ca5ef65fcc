"""Medical conditions and treatment of private persons (medical.yaml): a condition after a
cue ("diagnosed with", "requires leave for", "treated for"), or a term of the lexicon in a
sentence about someone's health. Findings are ``MEDICAL_CONDITION``.

The span is the condition as the record names it, with its modifiers ("chronic kidney
disease stage 3", "Type 2 diabetes with neuropathy"), not the sentence around it."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import regex as re
import yaml
from presidio_analyzer import EntityRecognizer

from .common import REGEX_TIMEOUT
from .common import result as _result


def _alt(words) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=None)
def _patterns():
    data = yaml.safe_load(resources.files(__package__).joinpath("medical.yaml").read_text(encoding="utf-8"))
    mods = rf"(?:(?:{_alt(data['modifiers'])})\s+)*"
    qualifier = r"(?:\s+(?:stage|type|grade|class)\s+(?:[0-9]{1,2}[a-c]?|[IV]{1,4})\b)?"
    head = rf"(?:[A-Za-z'-]+\s+)?[A-Za-z'-]+\s+(?:{_alt(data['heads'])})\b"
    term = rf"(?:{_alt(data['terms'])})\b"
    base = rf"(?:{head}|{term})"
    condition = re.compile(
        rf"(?i)(?<![\w-]){mods}(?:(?:type|stage)\s+(?:[0-9]|[IV]{{1,3}})\s+)?{base}{qualifier}"
        rf"(?:\s+(?:with|and)\s+{mods}{base}{qualifier})?")
    cue = re.compile(rf"(?i)\b(?:{_alt(data['cues'])})\s+")
    context = re.compile(rf"(?i)\b(?:{_alt(data['context'])})\b")
    return condition, cue, context


_SENTENCE = re.compile(r"(?:[^.!?;\n]|\n(?![ \t]*\n))+(?:[.!?;](?!\w)|$)?")
_STOP_LEFT = {"the", "a", "an", "his", "her", "their", "its", "of", "with", "from", "for", "and", "or", "to", "in",
              "on", "by", "is", "was", "has", "had", "have", "reported", "complained", "requires", "needs", "this",
              "that", "no", "any", "leave", "possible", "suspected"}


class MedicalConditionRecognizer(EntityRecognizer):
    ENTITY = "MEDICAL_CONDITION"

    def __init__(self):
        super().__init__(supported_entities=[self.ENTITY], name="MedicalConditionRecognizer",
                         supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        condition, cue, context = _patterns()
        out = []
        seen: set[tuple[int, int]] = set()
        for sent in _SENTENCE.finditer(text, timeout=REGEX_TIMEOUT):
            s_text = sent.group(0)
            base = sent.start()
            cues = list(cue.finditer(s_text, timeout=REGEX_TIMEOUT))
            if not cues and not context.search(s_text, timeout=REGEX_TIMEOUT):
                continue
            for m in condition.finditer(s_text, timeout=REGEX_TIMEOUT):
                start, end = _trim(s_text, m.start(), m.end())
                if end <= start or (base + start, base + end) in seen:
                    continue
                after_cue = any(c.end() <= start and not s_text[c.end():start].strip(" \t") for c in cues)
                seen.add((base + start, base + end))
                score = 0.85 if after_cue else 0.7
                why = "medical condition after a cue" if after_cue else "medical term in a sentence about health"
                out.append(_result(self, self.ENTITY, base + start, base + end, score, why))
        return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop function words a loose match took at its left edge ("the kidney disease")."""
    while True:
        word = re.match(r"[A-Za-z'-]+\s+", text[start:end])
        if word is None or word.group(0).strip().lower() not in _STOP_LEFT:
            break
        start += word.end()
    return start, end
