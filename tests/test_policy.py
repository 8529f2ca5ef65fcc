"""Policy loading, validation errors with line numbers, rule matching, and the docs example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from redactor.errors import PolicyError
from redactor.model import Action, Finding
from redactor.policy import decide, load_policy

DOCS = Path(__file__).resolve().parent.parent / "docs" / "policy.md"


def f(entity, score=0.9, **attrs):
    return Finding(1, 0, 5, "value", entity, score, "test", attributes=attrs)


def test_shipped_policy_decisions(policy):
    d = {x.finding.entity + ("+c" if x.finding.attributes.get("classified") else ""): x
         for x in decide([f("US_SSN"), f("DATE_TIME"), f("CLASSIFIED_PORTION", classified=True),
                          f("PORTION_MARK"), f("ORGANIZATION"), f("PERSON", 0.45), f("SOMETHING_NEW")], policy)}
    assert d["US_SSN"].action is Action.REDACT and d["US_SSN"].exemptions == ["(b)(6)"]
    assert "US Social Security number withheld under (b)(6): personal privacy" == d["US_SSN"].reason
    assert d["DATE_TIME"].action is Action.KEEP
    assert d["CLASSIFIED_PORTION+c"].action is Action.WITHHOLD_PORTION
    assert d["CLASSIFIED_PORTION+c"].exemptions == ["(b)(1)"]
    assert d["PORTION_MARK"].action is Action.KEEP and d["ORGANIZATION"].action is Action.KEEP
    assert d["PERSON"].needs_review and d["PERSON"].rule == "privacy-names-uncertain"
    assert d["SOMETHING_NEW"].rule == "default" and d["SOMETHING_NEW"].needs_review


def test_findings_below_floor_are_ignored(policy):
    assert decide([f("PHONE_NUMBER", 0.1)], policy) == []


@pytest.mark.parametrize("body, line, words", [
    ("policy: x\nrules:\n  - id: a\n    action: shred\n", 4, "shred"),
    ("policy: x\nrules:\n  - id: a\n    action: redact\n", 3, "needs 'exemptions'"),
    ("policy: x\ncatalogue: us-foia\nrules:\n  - id: a\n    action: redact\n    exemptions: ['(b)(99)']\n", 4,
     "(b)(99)"),
    ("policy: x\nrules:\n  - id: a\n    action: keep\n    colour: red\n", 3, "colour"),
    ("policy: x\nrules: [\n", 3, "not valid YAML"),
])
def test_malformed_policy_one_line_error_with_line(tmp_path, body, line, words):
    p = tmp_path / "p.yaml"
    p.write_text(body + ("default: {action: keep}\n" if "rules: [" not in body else ""))
    with pytest.raises(PolicyError) as exc:
        load_policy(p)
    msg = str(exc.value)
    assert "\n" not in msg
    assert msg.startswith(f"{p}:{line}:"), msg
    assert words in msg


def test_every_docs_example_is_a_valid_policy(tmp_path):
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(), re.S)
    assert len(blocks) >= 2
    for i, block in enumerate(blocks):
        p = tmp_path / f"example{i}.yaml"
        p.write_text(block)
        assert load_policy(p).rules


def test_docs_lists_example_behaves_as_documented(tmp_path):
    block = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(), re.S)[1]
    p = tmp_path / "lists.yaml"
    p.write_text(block)
    pol = load_policy(p)
    kept = decide([Finding(1, 0, 13, "ANGELA  BROOKS", "PERSON", 0.9, "t"),
                   Finding(1, 0, 22, "ab@transport.example.gov", "EMAIL_ADDRESS", 1.0, "t"),
                   Finding(1, 0, 3, "Doe", "PERSON", 0.9, "t")], pol)
    assert [d.action for d in kept] == [Action.KEEP] * 3
    assert [d.rule for d in kept] == ["allow:officials", "allow:officials", "requester"]
    other = decide([Finding(1, 0, 8, "John Doe", "PERSON", 0.9, "t")], pol)[0]
    assert other.action is Action.REDACT
    police = decide([Finding(1, 0, 8, "John Roe", "PERSON", 0.9, "t")], pol, relpath="police/r1.pdf")[0]
    assert police.exemptions == ["(b)(7)(C)"]


def test_docs_example_is_a_valid_policy(tmp_path, policy):
    block = re.search(r"```yaml\n(.*?)```", DOCS.read_text(), re.S).group(1)
    p = tmp_path / "example.yaml"
    p.write_text(block)
    pol = load_policy(p)
    ids = [r.id for r in pol.rules]
    assert ids[:2] == ["keep-dates", "personnel-ids"] and "classified-portions" in ids
    ssn = decide([f("US_SSN")], pol)[0]
    assert ssn.exemptions == ["(c)(2)"] and "county personnel records" in ssn.reason
    assert decide([f("DATE_TIME")], pol)[0].action is Action.KEEP


def test_formats_and_paths_restrict_rules(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text("policy: x\nextends: us-foia\nrules:\n"
                 "  - id: pdf-phones-kept\n    entities: [PHONE_NUMBER]\n    formats: [pdf]\n    action: keep\n"
                 "  - id: archive-names-kept\n    entities: [PERSON]\n    paths: ['archive/*']\n    action: keep\n")
    pol = load_policy(p)
    phone = f("PHONE_NUMBER")
    assert decide([phone], pol, fmt="pdf")[0].action is Action.KEEP
    assert decide([phone], pol, fmt="text")[0].action is Action.REDACT
    person = f("PERSON")
    assert decide([person], pol, relpath="archive/1950/a.pdf")[0].rule == "archive-names-kept"
    assert decide([person], pol, relpath="current/a.pdf")[0].action is Action.REDACT
