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
    strong = re.compile(rf"(?i)\b(?:{_alt(data['strong_cues'])})\s+")
    context = re.compile(rf"(?i)\b(?:{_alt(data['context'])})\b")
    evidence = re.compile(rf"(?i)\b(?:{_alt(data['evidence'])})\b")
    return condition, cue, context, strong, evidence


# A sentence: up to . ! ? ; (not the point of "Dr." or "No.") or a blank line; it may wrap.
_SENTENCE = re.compile(r"(?:[^.!?;\n]|\n(?![ \t]*\n)|(?<=\b(?:Dr|Mr|Ms|Mrs|Mx|No|St|Jr|Sr|vs|Inc|Co))\.)+"
                       r"(?:[.!?;](?!\w)|$)?")
# Where a condition named after a cue ends: the end of its clause.
_PHRASE_END = re.compile(r"[.;:!?()\[\]]|,\s|\s(?:and|but|or)\s+(?:is|was|has|had|will|may|the|his|her|their|he|she|they|"
                         r"should|must|requires?|needs?)\b|\s(?:which|who|that|since|until|from|starting|beginning"
                         r"|effective|through|during|while)\b")
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
        condition, cue, context, strong, evidence = _patterns()
        out = []
        seen: set[tuple[int, int]] = set()
        # A cue or a health word in a sentence is one in the page (a sentence starts after a
        # character that is not a letter or a digit, so the patterns' \b read the same): a
        # page without either has nothing to find, and a page without one of them is not
        # searched for it sentence by sentence.
        any_cue = cue.search(text, timeout=REGEX_TIMEOUT) is not None
        any_context = context.search(text, timeout=REGEX_TIMEOUT) is not None
        if not any_cue and not any_context:
            return out
        for sent in _SENTENCE.finditer(text, timeout=REGEX_TIMEOUT):
            s_text = sent.group(0)
            base = sent.start()
            cues = list(cue.finditer(s_text, timeout=REGEX_TIMEOUT)) if any_cue else []
            for span, why in self._after_cues(s_text, cues, condition, strong, evidence) if cues else ():
                s, e = base + span[0], base + span[1]
                if (s, e) not in seen:
                    seen.add((s, e))
                    out.append(_result(self, self.ENTITY, s, e, 0.85, why))
            if not cues and not (any_context and context.search(s_text, timeout=REGEX_TIMEOUT)):
                continue
            for m in condition.finditer(s_text, timeout=REGEX_TIMEOUT):
                start, end = _trim(s_text, m.start(), m.end())
                if end <= start or any(a <= base + start and base + end <= b for a, b in seen):
                    continue
                after_cue = any(c.end() <= start and not s_text[c.end():start].strip(" \t") for c in cues)
                if not after_cue and not any(w.end() <= start or w.start() >= end
                                             for w in context.finditer(s_text, timeout=REGEX_TIMEOUT)):
                    continue  # the only health word is the term itself ("Serious Injury")
                seen.add((base + start, base + end))
                score = 0.85 if after_cue else 0.7
                why = "medical condition after a cue" if after_cue else "medical term in a sentence about health"
                out.append(_result(self, self.ENTITY, base + start, base + end, score, why))
        return out

    @staticmethod
    def _after_cues(s_text, cues, condition, strong, evidence):
        """The clause after a cue, named whatever way: after a strong cue ("diagnosed with"),
        or after another ("requires leave for") when it holds a lexicon term or the sentence
        speaks of medical care."""
        medical = evidence.search(s_text, timeout=REGEX_TIMEOUT) is not None
        for c in cues:
            rest = s_text[c.end():]
            end = _PHRASE_END.search(rest, timeout=REGEX_TIMEOUT)
            phrase = rest[:end.start()] if end else rest
            start, stop = _trim(phrase, 0, len(phrase.rstrip()))
            phrase = phrase[start:stop]
            words = phrase.split()
            if not words or len(words) > 10 or not phrase[0].isalnum():
                continue
            is_strong = strong.match(s_text, c.start(), timeout=REGEX_TIMEOUT) is not None
            named = condition.search(phrase, timeout=REGEX_TIMEOUT) is not None
            if is_strong or named or medical:
                yield (c.end() + start, c.end() + stop), f"condition after '{' '.join(c.group(0).split())}'"


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop function words a loose match took at its left edge ("the kidney disease")."""
    while True:
        word = re.match(r"[A-Za-z'-]+\s+", text[start:end])
        if word is None or word.group(0).strip().lower() not in _STOP_LEFT:
            break
        start += word.end()
    return start, end
