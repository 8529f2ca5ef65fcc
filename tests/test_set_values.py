"""Set-wide propagation looks only at the values that can occur in a document: the look-up
(values.FoldedText) never rules out a value its pattern matches, whatever the case, script or
separators, and a plan extended through the index is the plan extended value by value."""

from __future__ import annotations

import pickle

from hypothesis import given, settings as hsettings, strategies as st

import redactor.pipeline as pipeline
from redactor.ingest import discover
from redactor.plan import SetValues, extend_plan, set_values
from redactor.values import FoldedText, ValueFinder, normalize, value_pattern

from conftest import RECORDS

# Letters whose case folding differs between the regex engine and str.casefold (Turkish i,
# Kelvin sign, long s, sharp s, final sigma, ligatures), ASCII, digits and separators.
ALPHABET = "aAiIkKsStT\u0130\u0131\u212a\u017f\u00df\u1e9e\u03c3\u03c2\u03a3\ufb01\u0307 -.,'\n_\u20190123"


@hsettings(max_examples=400, deadline=None)
@given(pages=st.lists(st.text(alphabet=ALPHABET, max_size=40), min_size=1, max_size=3),
       value=st.text(alphabet=ALPHABET, min_size=1, max_size=12))
def test_fold_never_rules_out_a_value_its_pattern_finds(pages, value):
    pattern = value_pattern(value)
    if pattern is not None and any(pattern.search(p) for p in pages):
        assert FoldedText(pages).may_hold(normalize(value))


@hsettings(max_examples=300, deadline=None)
@given(pages=st.lists(st.text(alphabet="ab c\n", max_size=30), min_size=1, max_size=3),
       key=st.lists(st.sampled_from(["a", "b", "c", "ab", "ba"]), min_size=1, max_size=4))
def test_neighbour_pairs_answer_as_the_whole_scan(pages, key):
    """The neighbour-pair shortcut of ``may_hold`` rules out exactly the keys that the scan
    of the document's folded words alone rules out."""
    folded = FoldedText(pages)
    key = " ".join(key)
    assert folded.may_hold(key) == (key.split(" ", 1)[0] in folded.vocabulary and f" {key} " in folded.words)


@hsettings(max_examples=500, deadline=None)
@given(text=st.text(alphabet=ALPHABET, max_size=60), value=st.text(alphabet=ALPHABET, min_size=1, max_size=12))
def test_value_finder_finds_what_the_value_pattern_finds(text, value):
    """Propagation's token look-up finds exactly the spans of the value's pattern, whatever
    the case (Turkish i, Kelvin sign, long s, sharp s, sigma), separators and repeats."""
    pattern = value_pattern(value)
    expected = [] if pattern is None else [m.span() for m in pattern.finditer(text)]
    assert ValueFinder(text).find(value) == expected
    doubled = text + " " + text  # a value found again further on, and overlapping candidates
    expected = [] if pattern is None else [m.span() for m in pattern.finditer(doubled)]
    assert ValueFinder(doubled).find(value) == expected


def test_value_finder_reads_the_regex_case_table():
    """Every character the regex engine relates by case to a letter or digit: it matches the
    ignore-case pattern of that character exactly when the case table says so, and is a
    letter or digit itself (so a match is a run of whole tokens)."""
    import regex

    from redactor.values import _case_class, _cases, _same_token

    word = regex.compile(r"[^\W_]")
    for cp in range(0x110000):
        cases = _cases(chr(cp))
        if len(cases) < 2:
            continue
        p = chr(cp)
        single = regex.compile(regex.escape(p), regex.IGNORECASE)
        linked = {d for c in cases for d in _cases(chr(c))}
        for d in linked:
            assert bool(single.fullmatch(chr(d))) == (d in cases) == _same_token(p, chr(d)), (hex(cp), hex(d))
            assert _case_class(chr(d)) == _case_class(p)
        if word.match(p):
            assert all(word.match(chr(d)) for d in cases), hex(cp)


def test_examples():
    folded = FoldedText(["Report of MARCUS DELGADO, 12 Oak St.", "SMİTH and ſam"])
    assert folded.may_hold("marcus delgado")
    assert folded.may_hold("smith") and folded.may_hold("sam")  # the pattern matches both
    assert not folded.may_hold("delgado 12 oak street")
    assert not folded.may_hold("st smith")  # across two pages
    assert folded.may_hold("çelik")  # not ASCII: never ruled out


class _Everything(SetValues):
    def candidates(self, document):
        return list(range(len(self.values)))


def test_extend_plan_through_the_index_is_extend_plan_value_by_value(tmp_path, settings, policy):
    files = discover([RECORDS], tmp_path)[:8]
    plans = [pipeline.plan_document(f, settings, policy) for f in files if f.format]
    values = [(v, p.relpath, d) for p in plans for v, d in set_values(p)]
    assert len(values) > 10
    index = SetValues(values)
    assert any(len(index.candidates(p.document)) < len(values) for p in plans)
    for plan in plans:
        fast = extend_plan(plan, index, {})
        slow = extend_plan(plan, _Everything(values), {})
        assert pickle.dumps(fast.redactions) == pickle.dumps(slow.redactions)
        assert fast.review_reasons == slow.review_reasons
        assert pickle.dumps(fast.kept) == pickle.dumps(slow.kept)


def test_the_release_set_extends_plans_as_every_value_would(tmp_path, settings, policy):
    """The set the parent builds (one entry per normalised value, decisions cut to what
    propagation copies, every source kept) extends each plan exactly as the full list of
    (value, document, decision) does, and is smaller: it sits in every worker."""
    from redactor.attachments import tree_values

    from test_record_kind import COUNCIL_MINUTES, OFFENSE_REPORT

    src = tmp_path / "set"
    src.mkdir()
    # A chief withheld in two police reports, kept in the minutes where she acts in role; a
    # private person of the reports named in the minutes where no recognizer finds him.
    report = OFFENSE_REPORT.replace("Sgt. Paul Okafor approved this report.",
                                    "Chief of Police Gina Barber approved this report.").replace(
        "V1 Ebersole stated", "V1 Thomas Ebersole stated")
    (src / "offense-report.txt").write_text(report)
    (src / "offense-report-2.txt").write_text(report.replace("Thomas Ebersole", "Thomas Ebersole Jr"))
    (src / "minutes.txt").write_text(COUNCIL_MINUTES + "\nletter received from thomas ebersole about lighting.\n")
    files = discover([RECORDS, src], tmp_path / "out")
    plans = [pipeline.plan_document(f, settings, policy) for f in files if f.format]
    full = [entry for p in plans for entry in tree_values(p, set_values)]
    builder = pipeline.SetBuilder()
    for p in plans:
        builder.add(p.relpath, [(v, rel, pipeline.slim_decision(d)) for v, rel, d in tree_values(p, set_values)])
    built = pickle.loads(pickle.dumps(builder.build()))  # as a worker reads it
    assert len(built.values) < len(full) and any(len(s) > 1 for s in built.sources.values())
    assert len(pickle.dumps(built)) < len(pickle.dumps(full)) / 2
    propagated = carried = 0
    for plan in plans:
        fast = extend_plan(plan, SetValues(built.values, built.sources), built.pseudonyms)
        slow = extend_plan(plan, _Everything(full), built.pseudonyms)
        assert pickle.dumps(fast.redactions) == pickle.dumps(slow.redactions)
        assert fast.review_reasons == slow.review_reasons
        assert pickle.dumps(fast.kept) == pickle.dumps(slow.kept)
        propagated += sum(r.decision.propagated for r in fast.redactions) - sum(
            r.decision.propagated for r in plan.redactions)
        carried += sum("not carried over" in d.reason for d in fast.kept)
    assert propagated > 0 and carried > 0


@hsettings(max_examples=400, deadline=None)
@given(text=st.text(alphabet="0123456789 ab-\u0663\u00b2\u2075", max_size=40),
       number=st.text(alphabet="0123\u0663\u00b2", min_size=1, max_size=4))
def test_numbers_are_counted_as_the_pattern_counts_them(text, number):
    """find_values counts a withheld number where no decimal digit stands just before or after
    it, as the pattern (?<!\\d)NUMBER(?!\\d) counts its matches (not overlapping), without a
    pattern per number: on texts of ASCII and Arabic-Indic digits, superscripts and letters."""
    import re

    from redactor.values import _count_number

    assert _count_number(text, number) == len(re.findall(rf"(?<!\d){re.escape(number)}(?!\d)", text))


def test_the_release_set_is_the_same_whatever_order_workers_hand_documents_back(tmp_path, settings, policy):
    """Workers hand planned documents back in the order they finish, which varies from run to
    run. The set built from them must not: a value withheld in two documents under different
    rules is carried to a third with the rule, exemptions and source of the first of them in
    path order, and the set is the same byte for byte in every order."""
    import itertools

    from redactor.attachments import tree_values

    from test_record_kind import OFFENSE_REPORT

    src = tmp_path / "set"
    src.mkdir()
    report = OFFENSE_REPORT.replace("V1 Ebersole stated", "V1 Thomas Ebersole stated")
    (src / "a-offense-report.txt").write_text(report)
    (src / "b-letter.txt").write_text("Dear Sir,\n\nI write about the lighting on Elm Street. Thomas Ebersole, "
                                      "my neighbour, agrees.\n\nYours faithfully,\nThomas Ebersole\n")
    (src / "c-notes.txt").write_text("Case notes. A call from thomas ebersole about the lighting.\n")
    files = discover([src], tmp_path / "out")
    plans = [pipeline.plan_document(f, settings, policy) for f in files]
    entries = {p.relpath: [(v, rel, pipeline.slim_decision(d)) for v, rel, d in tree_values(p, set_values)]
               for p in plans}
    rules = {p.relpath: {tuple(d.exemptions) for v, _, d in entries[p.relpath] if "ebersole" in v.lower()}
             for p in plans}
    assert rules["a-offense-report.txt"] and rules["b-letter.txt"]
    assert rules["a-offense-report.txt"] != rules["b-letter.txt"]  # else the order could not show
    built = set()
    for order in itertools.permutations(plans):
        builder = pipeline.SetBuilder()
        for p in order:
            builder.add(p.relpath, entries[p.relpath])
        release_set = builder.build()
        built.add(pickle.dumps(release_set))
        (value, where, decision), = [e for e in release_set.values if e[0].lower() == "thomas ebersole"]
        assert where == "a-offense-report.txt" and tuple(decision.exemptions) in rules["a-offense-report.txt"]
    assert len(built) == 1
