"""MedicalConditionRecognizer reads a page sentence by sentence only for the patterns the
page holds at all (a cue, a health word): the same findings as reading every sentence for
both, on generated prose of cues, health words, terms, abbreviations and sentence ends in
any order, and on the records."""

from __future__ import annotations

from hypothesis import given, settings as hsettings, strategies as st, target

from conftest import FIXTURES, RECORDS
from recognizers.common import REGEX_TIMEOUT
from recognizers.medical import _SENTENCE, MedicalConditionRecognizer, _patterns, _trim

_REC = MedicalConditionRecognizer()


def _plain(text):
    """The recognizer as it was: every sentence searched for cues and health words."""
    condition, cue, context, strong, evidence = _patterns()
    out = []
    seen = set()
    for sent in _SENTENCE.finditer(text, timeout=REGEX_TIMEOUT):
        s_text = sent.group(0)
        base = sent.start()
        cues = list(cue.finditer(s_text, timeout=REGEX_TIMEOUT))
        for span, why in _REC._after_cues(s_text, cues, condition, strong, evidence):
            s, e = base + span[0], base + span[1]
            if (s, e) not in seen:
                seen.add((s, e))
                out.append((s, e, 0.85, why))
        if not cues and not context.search(s_text, timeout=REGEX_TIMEOUT):
            continue
        for m in condition.finditer(s_text, timeout=REGEX_TIMEOUT):
            start, end = _trim(s_text, m.start(), m.end())
            if end <= start or any(a <= base + start and base + end <= b for a, b in seen):
                continue
            after_cue = any(c.end() <= start and not s_text[c.end():start].strip(" \t") for c in cues)
            if not after_cue and not any(w.end() <= start or w.start() >= end
                                         for w in context.finditer(s_text, timeout=REGEX_TIMEOUT)):
                continue
            seen.add((base + start, base + end))
            score = 0.85 if after_cue else 0.7
            why = "medical condition after a cue" if after_cue else "medical term in a sentence about health"
            out.append((base + start, base + end, score, why))
    return out


def _fast(text):
    return [(r.start, r.end, r.score, r.analysis_explanation.textual_explanation) for r in _REC.analyze(text, None)]


_PIECES = ["diagnosed with", "treated for", "requires leave for", "a diagnosis of", "Diagnosed With", "physician",
           "FMLA", "Dr.", "hospital", "leave", "medical", "chronic", "severe", "kidney disease", "diabetes", "asthma",
           "Type 2 diabetes", "stage 3", "cancer", "anxiety disorder", "the", "his", "and", "was", "on", "John",
           "Serious Injury", "3.5", "No.", "x", "diagnosedwith", "predisposed", "treatments", "leaves", "ſevere",
           ".", ". ", "; ", "!", "?", ",", "\n", "\n\n", "  ", "-", "(", ")", "2024", "re:"]


@hsettings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=30))
def test_same_findings_as_reading_every_sentence(pieces):
    text = " ".join(pieces)
    want = _plain(text)
    assert _fast(text) == want
    target(float(len(want)))


def test_same_findings_on_records():
    texts = [p.read_text(encoding="utf-8") for p in sorted(RECORDS.rglob("*.txt"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "eval").glob("*.txt"))]
    found = 0
    for text in texts:
        want = _plain(text)
        assert _fast(text) == want
        found += len(want)
    assert found  # the records name conditions: the comparison is not of empty lists
