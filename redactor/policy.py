"""Disclosure policy: a YAML file of rules that map findings to an action and exemptions.

Loading validates the file against ``schema/policy.schema.json`` and reports the first
problem with the file name and line. ``decide`` applies the rules (first match wins) to
every finding and returns one ``Decision`` per finding, each with its rule, exemptions and a
reason a requester could be shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import PolicyError
from .model import Action, Decision, Finding

ENTITY_LABELS = {
    "US_SSN": "US Social Security number", "US_ITIN": "US taxpayer identification number",
    "CREDIT_CARD": "credit card number", "IBAN_CODE": "bank account number (IBAN)",
    "US_BANK_NUMBER": "bank account number", "US_PASSPORT": "passport number",
    "US_DRIVER_LICENSE": "driver's licence number", "DATE_OF_BIRTH": "date of birth",
    "US_STREET_ADDRESS": "home or street address", "PHONE_NUMBER": "telephone number",
    "EMAIL_ADDRESS": "email address", "IP_ADDRESS": "IP address", "PERSON": "name of a person",
    "CLASSIFIED_PORTION": "classified portion", "UNMARKED_PORTION": "unmarked portion",
    "PORTION": "portion", "CLASSIFICATION_BANNER": "classification banner",
    "PORTION_MARK": "portion mark", "CLASSIFICATION_AUTHORITY": "classification authority block",
    "CUI_DESIGNATION": "CUI designation indicator", "DATE_TIME": "date", "LOCATION": "place",
    "ORGANIZATION": "organisation", "NRP": "nationality or group", "URL": "web address",
    "CRYPTO": "cryptocurrency wallet", "MEDICAL_LICENSE": "medical licence number",
    "UK_NHS": "NHS number", "UK_NINO": "National Insurance number",
}


def entity_label(entity: str) -> str:
    return ENTITY_LABELS.get(entity, entity.replace("_", " ").lower())


@dataclass
class Rule:
    id: str
    action: Action
    entities: list[str] = field(default_factory=list)  # empty: any entity
    exemptions: list[str] = field(default_factory=list)
    min_score: float = 0.0
    classified: bool | None = None  # match on the parsed marking of a portion
    levels: list[str] = field(default_factory=list)
    review: bool = False
    reason: str | None = None
    line: int = 0

    def matches(self, f: Finding) -> bool:
        if self.entities and f.entity not in self.entities:
            return False
        if f.score < self.min_score:
            return False
        if self.classified is not None and bool(f.attributes.get("classified")) != self.classified:
            return False
        if self.levels and f.attributes.get("level") not in self.levels:
            return False
        return True


@dataclass
class Exemption:
    code: str
    title: str
    citation: str
    reason: str


@dataclass
class Policy:
    name: str
    title: str
    source: str
    rules: list[Rule]
    default: Rule
    min_score: float
    exemptions: dict[str, Exemption]

    def reason_for(self, rule: Rule, finding: Finding) -> str:
        if rule.reason and rule.action is Action.KEEP:
            return rule.reason
        label = entity_label(finding.entity)
        label = label[0].upper() + label[1:]
        if rule.action is Action.KEEP:
            return f"{label} kept"
        codes = "; ".join(rule.exemptions)
        why = "; ".join(self.exemptions[c].reason for c in rule.exemptions if c in self.exemptions)
        text = f"{label} withheld under {codes}" + (f": {why}" if why else "")
        if rule.reason:
            text += f" ({rule.reason})"
        return text


def _schema() -> dict:
    return json.loads(resources.files("redactor").joinpath("schema/policy.schema.json").read_text())


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping and sequence item."""


def _construct_mapping(loader, node, deep=False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    lines = {}
    for key_node, value_node in node.value:
        lines[key_node.value] = value_node.start_mark.line + 1
    mapping["__lines__"] = lines
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip(obj):
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k not in ("__line__", "__lines__")}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def _line_of(doc, path) -> int:
    node, line = doc, doc.get("__line__", 1) if isinstance(doc, dict) else 1
    for part in path:
        if isinstance(node, dict):
            line = node.get("__lines__", {}).get(part, line)
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            if isinstance(node, dict):
                line = node.get("__line__", line)
        else:
            break
    return line


def _read_yaml(path: Path | None, name: str | None = None):
    if path is None:
        ref = resources.files("redactor").joinpath(f"policies/{name}.yaml")
        if not ref.is_file():
            raise PolicyError(f"no shipped policy named '{name}'")
        text, label = ref.read_text(encoding="utf-8"), f"{name} (shipped)"
    else:
        try:
            text, label = path.read_text(encoding="utf-8"), str(path)
        except OSError as exc:
            raise PolicyError(f"{path}: cannot read policy: {exc.strerror}") from None
    try:
        doc = yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise PolicyError(f"{label}:{line}: not valid YAML: {exc.problem}") from None
    if not isinstance(doc, dict):
        raise PolicyError(f"{label}:1: a policy is a mapping with 'policy' and 'rules' keys")
    return doc, label


def _validate(doc, label: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(_strip(doc)), key=lambda e: (list(e.absolute_path), e.message))
    if errors:
        err = jsonschema.exceptions.best_match(errors)
        path = list(err.absolute_path)
        where = ".".join(str(p) for p in path) or "(top level)"
        raise PolicyError(f"{label}:{_line_of(doc, path)}: {where}: {_humanize(err)}")


def _humanize(err) -> str:
    if err.validator == "enum":
        return f"{err.instance!r} is not allowed; use one of: {', '.join(map(str, err.validator_value))}"
    if err.validator == "additionalProperties":
        allowed = ", ".join(sorted(err.schema.get("properties", {})))
        return f"{err.message}; allowed keys: {allowed}"
    return err.message


def load_catalogue(name: str) -> dict[str, Exemption]:
    ref = resources.files("redactor").joinpath(f"exemptions/{name}.yaml")
    if not ref.is_file():
        raise PolicyError(f"no exemption catalogue named '{name}'")
    data = yaml.safe_load(ref.read_text(encoding="utf-8"))
    return {code: Exemption(code, e["title"], e.get("citation", ""), e.get("reason", e["title"]))
            for code, e in data["exemptions"].items()}


def _merge(parent: dict, child: dict) -> dict:
    """Child keys override the parent's; child rules replace parent rules of the same id and
    otherwise come first (first match wins)."""
    merged = {**parent, **{k: v for k, v in child.items() if k not in ("rules", "extends")}}
    child_rules = child.get("rules", [])
    ids = {r.get("id") for r in child_rules if isinstance(r, dict)}
    merged["rules"] = list(child_rules) + [r for r in parent.get("rules", []) if r.get("id") not in ids]
    return merged


def load_policy(path: Path | None = None, name: str = "us-foia", _depth: int = 0) -> Policy:
    doc, label = _read_yaml(path, name if path is None else None)
    _validate(doc, label)
    if "extends" in doc:
        if _depth > 8:
            raise PolicyError(f"{label}:{_line_of(doc, ['extends'])}: 'extends' chain too deep")
        parent_doc, _ = _read_yaml(None, doc["extends"])
        _validate(parent_doc, doc["extends"])
        doc = _merge(parent_doc, doc)
    exemptions: dict[str, Exemption] = {}
    catalogues = doc.get("catalogue", [])
    for cat in [catalogues] if isinstance(catalogues, str) else catalogues:
        exemptions.update(load_catalogue(cat))
    for code, e in (doc.get("exemptions") or {}).items():
        if code in ("__line__", "__lines__"):
            continue
        exemptions[code] = Exemption(code, e["title"], e.get("citation", ""), e.get("reason", e["title"]))
    rules = []
    seen: set[str] = set()
    for i, r in enumerate(doc.get("rules", [])):
        line = r.get("__line__", 0)
        if r["id"] in seen:
            raise PolicyError(f"{label}:{line}: rules.{i}.id: duplicate rule id '{r['id']}'")
        seen.add(r["id"])
        rules.append(_rule(r, label, exemptions, f"rules.{i}"))
    default = _rule({"id": "default", **doc["default"]}, label, exemptions, "default")
    return Policy(name=doc["policy"], title=doc.get("title", doc["policy"]), source=label, rules=rules,
                  default=default, min_score=float(doc.get("detection", {}).get("min_score", 0.0)),
                  exemptions=exemptions)


def _rule(r: dict, label: str, exemptions: dict[str, Exemption], where: str) -> Rule:
    action = Action(r["action"])
    codes = list(r.get("exemptions", []))
    line = r.get("__line__", 0)
    if action is not Action.KEEP and not codes:
        raise PolicyError(f"{label}:{line}: {where}: action '{action.value}' needs 'exemptions'")
    for code in codes:
        base = code.split(":")[0].strip()
        if base not in exemptions:
            raise PolicyError(f"{label}:{line}: {where}: exemption '{code}' is not in the catalogue; "
                              f"known: {', '.join(exemptions)}")
    return Rule(id=r["id"], action=action, entities=list(r.get("entities", [])), exemptions=codes,
                min_score=float(r.get("min_score", 0.0)), classified=r.get("classified"),
                levels=list(r.get("levels", [])), review=bool(r.get("review", False)),
                reason=r.get("reason"), line=line)


def decide(findings: list[Finding], policy: Policy) -> list[Decision]:
    """One decision per finding scored at or above the policy's detection floor."""
    decisions = []
    for f in findings:
        if f.score < policy.min_score:
            continue
        rule = next((r for r in policy.rules if r.matches(f)), policy.default)
        decisions.append(Decision(finding=f, action=rule.action, rule=rule.id,
                                  exemptions=list(rule.exemptions) if rule.action is not Action.KEEP else [],
                                  reason=policy.reason_for(rule, f), needs_review=rule.review))
    return decisions


def describe(policy: Policy) -> list[dict[str, Any]]:
    """The rule table as a person reads it (for `redactor policy show`)."""
    rows = []
    for r in [*policy.rules, policy.default]:
        when = []
        if r.entities:
            when.append(", ".join(r.entities))
        if r.classified is not None:
            when.append("classified" if r.classified else "not classified")
        if r.levels:
            when.append("level " + "/".join(r.levels))
        if r.min_score:
            when.append(f"score >= {r.min_score}")
        rows.append({"rule": r.id, "when": "; ".join(when) or "anything", "action": r.action.value,
                     "exemptions": "; ".join(r.exemptions), "review": "yes" if r.review else ""})
    return rows
