"""Disclosure policy: a YAML file of rules that map findings to an action and exemptions.

Loading validates the file against ``schema/policy.schema.json`` and reports the first
problem with the file name and line. ``decide`` applies the rules (first match wins) to
every finding and returns one ``Decision`` per finding, each with its rule, exemptions and a
reason a requester could be shown.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import PolicyError
from .model import Action, Decision, Finding
from .values import normalize, value_pattern

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
    "PRIOR_REDACTION": "text under an earlier redaction box", "DENY_TERM": "deny-listed term",
    "UK_ADDRESS": "home or street address", "US_EIN": "employer identification number",
    "US_BANK_ROUTING": "bank routing number", "VIN": "vehicle identification number",
    "LICENSE_PLATE": "licence plate", "MEDICAL_RECORD_NUMBER": "medical record number",
    "HEALTH_PLAN_NUMBER": "health plan number", "INMATE_NUMBER": "inmate number",
    "EMPLOYEE_ID": "employee number", "PERSONAL_ID": "personal identification number", "STREET_ADDRESS": "home or street address",
    "MEDICAL_CONDITION": "medical condition or treatment", "BADGE_NUMBER": "badge number",
    "CASE_NUMBER": "case number",
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
    controls: list[str] = field(default_factory=list)  # any of these marking controls (NOFORN, SI...)
    attributes: dict[str, list] = field(default_factory=dict)  # e.g. {"kind": ["work"]}
    paths: list[str] = field(default_factory=list)  # glob patterns on the document's path
    # attributes of the whole document, e.g. {"record": ["law_enforcement"]}: a record
    # recognised as one by its content (recognizers/records.py)
    when: dict[str, list] = field(default_factory=dict)
    formats: list[str] = field(default_factory=list)  # document formats: pdf, text
    context: list[str] = field(default_factory=list)  # words that must appear just before
    context_window: int = 40
    review: bool = False
    review_below: float = 0.0
    keep_last: int = 0
    reason: str | None = None
    line: int = 0

    def matches(self, f: Finding, relpath: str = "", page_text: str = "", fmt: str = "",
                document: dict | None = None) -> bool:
        if self.entities and f.entity not in self.entities:
            return False
        if f.score < self.min_score:
            return False
        if self.classified is not None and bool(f.attributes.get("classified")) != self.classified:
            return False
        if self.levels and f.attributes.get("level") not in self.levels:
            return False
        if self.controls:
            present = {c for key in ("dissem", "sci", "sap", "aea") for c in f.attributes.get(key, [])}
            present |= {c.split("-")[0] for c in present}
            if not present & set(self.controls):
                return False
        for key, allowed in self.attributes.items():
            if f.attributes.get(key) not in allowed:
                return False
        if self.paths and not any(fnmatch.fnmatch(relpath, p) for p in self.paths):
            return False
        if self.when and not when_matches(self.when, document):
            return False
        if self.formats and fmt not in self.formats:
            return False
        if self.context:
            before = normalize(page_text[max(0, f.start - self.context_window):f.start])
            if not any(re.search(rf"(?<![^\W_]){re.escape(normalize(w))}(?![^\W_])", before)
                       for w in self.context):
                return False
        return True


def when_matches(when: dict[str, list], document: dict | None) -> bool:
    """Every attribute of ``when`` has one of its allowed values in the document's attributes."""
    document = document or {}
    return all(document.get(key) in allowed for key, allowed in when.items())


def when_evidence(when: dict[str, list], document: dict | None, label: bool = True) -> str:
    """Why the document has the attributes ``when`` tests, for a decision's reason: e.g.
    "law enforcement record recognised by its content (heading: incident report; ...)"
    (without ``label``: "recognised by its content (...)")."""
    document = document or {}
    parts = []
    for key in when:
        value = document.get(key)
        why = document.get(f"{key}_evidence")
        name = f"{str(value).replace('_', ' ')} {key}" if label else ""
        parts.append(f"{name} recognised by its content ({why})".strip() if why else name)
    return "; ".join(p for p in parts if p)


@dataclass
class ListEntry:
    """One allow- or deny-list entry: normalised values, and for deny lists the exemptions."""

    name: str
    values: list[str]
    exemptions: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    reason: str | None = None
    domains: list[str] = field(default_factory=list)  # "@agency.gov" entries of allow lists


@dataclass
class Override:
    """Exemption codes replaced for documents under some paths, or with some document
    attributes (``when``), e.g. personal privacy in law enforcement records: (b)(6) -> (b)(7)(C)."""

    paths: list[str]
    replace: dict[str, str]
    reason: str | None = None
    when: dict[str, list] = field(default_factory=dict)

    def applies(self, relpath: str, document: dict | None) -> bool:
        if self.paths and not any(fnmatch.fnmatch(relpath, p) for p in self.paths):
            return False
        if self.when and not when_matches(self.when, document):
            return False
        return bool(self.paths or self.when)


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
    allow: list[ListEntry] = field(default_factory=list)
    deny: list[ListEntry] = field(default_factory=list)
    requester: list[str] = field(default_factory=list)  # normalised names/values of the requester
    overrides: list[Override] = field(default_factory=list)

    def exemption(self, code: str) -> Exemption | None:
        return self.exemptions.get(code) or self.exemptions.get(code.split(":")[0].strip())

    def reason_for(self, rule: Rule, finding: Finding, codes: list[str] | None = None) -> str:
        codes = rule.exemptions if codes is None else codes
        if rule.reason and rule.action in (Action.KEEP, Action.FLAG):
            return rule.reason
        label = entity_label(finding.entity)
        label = label[0].upper() + label[1:]
        if rule.action is Action.KEEP:
            return f"{label} kept"
        if rule.action is Action.FLAG:
            return f"{label} released; flagged for review"
        why = "; ".join(e.reason for c in codes if (e := self.exemption(c)))
        text = f"{label} withheld under {'; '.join(codes)}" + (f": {why}" if why else "")
        if rule.reason:
            text += f" ({rule.reason})"
        return text

    def with_requester(self, names: list[str]) -> "Policy":
        return dataclasses.replace(self, requester=self.requester + [normalize(n) for n in names if normalize(n)])


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


def load_policy_spec(spec: "Path | str | None") -> Policy:
    """A policy given on the command line: a file, or the name of a shipped policy
    ("example-state"); None: the shipped US FOIA policy."""
    if spec is None:
        return load_policy()
    if not Path(spec).exists() and Path(spec).suffix == "" and "/" not in str(spec):
        return load_policy(name=str(spec))
    return load_policy(Path(spec))


def load_policy(path: Path | None = None, name: str = "us-foia", _depth: int = 0) -> Policy:
    doc, label = _read_yaml(path, name if path is None else None)
    _validate(doc, label)
    if "extends" in doc:
        if _depth > 8:
            raise PolicyError(f"{label}:{_line_of(doc, ['extends'])}: 'extends' chain too deep")
        parent_doc, _ = _read_yaml(None, doc["extends"])
        _validate(parent_doc, doc["extends"])
        doc = _merge(parent_doc, doc)
    base_dir = path.parent if path is not None else None
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
    allow = [_list_entry(e, label, exemptions, f"allow.{i}", base_dir, deny=False)
             for i, e in enumerate(doc.get("allow", []))]
    deny = [_list_entry(e, label, exemptions, f"deny.{i}", base_dir, deny=True)
            for i, e in enumerate(doc.get("deny", []))]
    req = doc.get("requester") or {}
    requester = [normalize(v) for v in [*req.get("names", []), *req.get("values", [])] if normalize(v)]
    overrides = []
    for i, o in enumerate(doc.get("overrides", [])):
        for old, new in o["replace"].items():
            if old in ("__line__", "__lines__"):
                continue
            for code in (old, new):
                if code.split(":")[0].strip() not in exemptions:
                    raise PolicyError(f"{label}:{o.get('__line__', 0)}: overrides.{i}: exemption '{code}' "
                                      f"is not in the catalogue")
        overrides.append(Override(list(o.get("paths", [])), {k: v for k, v in o["replace"].items()
                                                             if k not in ("__line__", "__lines__")}, o.get("reason"),
                                  when=_when(o)))
    return Policy(name=doc["policy"], title=doc.get("title", doc["policy"]), source=label, rules=rules,
                  default=default, min_score=float(doc.get("detection", {}).get("min_score", 0.0)),
                  exemptions=exemptions, allow=allow, deny=deny, requester=requester, overrides=overrides)


def _check_codes(codes, exemptions, label, line, where) -> None:
    for code in codes:
        base = code.split(":")[0].strip()
        if base not in exemptions:
            raise PolicyError(f"{label}:{line}: {where}: exemption '{code}' is not in the catalogue; "
                              f"known: {', '.join(exemptions)}")
        if code == base and exemptions[base].code == "(b)(3)":
            raise PolicyError(f"{label}:{line}: {where}: (b)(3) must name its statute, "
                              "e.g. '(b)(3): 50 U.S.C. 3024(i)'")


def _rule(r: dict, label: str, exemptions: dict[str, Exemption], where: str) -> Rule:
    action = Action(r["action"])
    codes = list(r.get("exemptions", []))
    line = r.get("__line__", 0)
    if action not in (Action.KEEP, Action.FLAG) and not codes:
        raise PolicyError(f"{label}:{line}: {where}: action '{action.value}' needs 'exemptions'")
    _check_codes(codes, exemptions, label, line, where)
    if action is Action.MASK and not r.get("keep_last"):
        raise PolicyError(f"{label}:{line}: {where}: action 'mask' needs 'keep_last' (characters left visible)")
    return Rule(id=r["id"], action=action, entities=list(r.get("entities", [])), exemptions=codes,
                min_score=float(r.get("min_score", 0.0)), classified=r.get("classified"),
                levels=list(r.get("levels", [])), paths=list(r.get("paths", [])), when=_when(r),
                controls=list(r.get("controls", [])), formats=list(r.get("formats", [])),
                attributes={k: (v if isinstance(v, list) else [v]) for k, v in (r.get("attributes") or {}).items()
                            if k not in ("__line__", "__lines__")},
                context=list(r.get("context", [])), context_window=int(r.get("context_window", 40)),
                review=bool(r.get("review", False)), review_below=float(r.get("review_below", 0.0)),
                keep_last=int(r.get("keep_last", 0)), reason=r.get("reason"), line=line)


def _when(r: dict) -> dict[str, list]:
    return {k: (v if isinstance(v, list) else [v]) for k, v in (r.get("when") or {}).items()
            if k not in ("__line__", "__lines__")}


def _list_entry(e: dict, label: str, exemptions, where: str, base_dir: Path | None, deny: bool) -> ListEntry:
    line = e.get("__line__", 0)
    raw = list(e.get("values", []))
    if "file" in e:
        f = Path(e["file"])
        if not f.is_absolute():
            if base_dir is None:
                raise PolicyError(f"{label}:{line}: {where}: a list file needs a policy file to be relative to")
            f = base_dir / f
        try:
            raw += [ln.strip() for ln in f.read_text(encoding="utf-8").splitlines()
                    if ln.strip() and not ln.lstrip().startswith("#")]
        except OSError as exc:
            raise PolicyError(f"{label}:{line}: {where}: cannot read list file {f}: {exc.strerror}") from None
    codes = list(e.get("exemptions", []))
    if deny and not codes:
        raise PolicyError(f"{label}:{line}: {where}: a deny list needs 'exemptions'")
    _check_codes(codes, exemptions, label, line, where)
    domains = [v.lower() for v in raw if v.startswith("@")]
    values = [normalize(v) for v in raw if not v.startswith("@") and normalize(v)]
    return ListEntry(name=e.get("name", where), values=values, exemptions=codes,
                     entities=list(e.get("entities", [])), reason=e.get("reason"), domains=domains)


def deny_findings(pages: list[str], policy: Policy) -> list[Finding]:
    """Every occurrence of a deny-listed term, whatever its case, spacing or line breaks."""
    out = []
    for entry in policy.deny:
        for value in entry.values:
            pattern = value_pattern(value)
            if pattern is None:
                continue
            for pno, text in enumerate(pages, start=1):
                for m in pattern.finditer(text):
                    out.append(Finding(page=pno, start=m.start(), end=m.end(), text=m.group(0),
                                       entity="DENY_TERM", score=1.0, recognizer="DenyList",
                                       explanation=f"term on deny list '{entry.name}'",
                                       attributes={"list": entry.name}))
    return out


def _is_requester(f: Finding, requester: list[str]) -> bool:
    """The requester's own data: a listed value, or a name all of whose words belong to the
    requester's name ("Lindqvist" or "Gregory Lindqvist" for "Gregory Lindqvist", not
    "Maria Lindqvist")."""
    text = normalize(f.text)
    if text in requester:
        return True
    if f.entity == "PERSON" and text:
        words = set(text.split())
        return any(words <= set(r.split()) for r in requester)
    return False


def _allowed(f: Finding, entries: list[ListEntry]) -> ListEntry | None:
    text = normalize(f.text)
    for e in entries:
        if e.entities and f.entity not in e.entities:
            continue
        if text in e.values:
            return e
        if e.domains and "@" in f.text and any(f.text.lower().rstrip(".").endswith(d) for d in e.domains):
            return e
    return None


def _allowed_around(f: Finding, entries: list[ListEntry], page_text: str) -> ListEntry | None:
    """The allow-list entry of a longer value this name is part of, where that value stands
    around it in the page ("Douglas" at the end of a line, "Brooks" on the next, for an allowed
    "Douglas Brooks"): recognizers may read a wrapped name as two."""
    if f.entity != "PERSON" or not page_text:
        return None
    words = normalize(f.text).split()
    if not words:
        return None
    for e in entries:
        if e.entities and f.entity not in e.entities:
            continue
        for v in e.values:
            vw = v.split()
            if len(vw) <= len(words) or not any(vw[i:i + len(words)] == words for i in range(len(vw))):
                continue
            pattern = value_pattern(v)
            if pattern is None:
                continue
            lo, hi = max(0, f.start - len(v) - 8), min(len(page_text), f.end + len(v) + 8)
            for m in pattern.finditer(page_text, lo, hi, timeout=2.0):
                if m.start() <= f.start and f.end <= m.end():
                    return e
    return None


def _override(codes: list[str], relpath: str, policy: Policy,
              document: dict | None = None) -> tuple[list[str], str | None]:
    for o in policy.overrides:
        if o.applies(relpath, document):
            new = [o.replace.get(c, c) for c in codes]
            if new != codes:
                why = o.reason
                if o.when:
                    evidence = when_evidence(o.when, document, label=not why)
                    why = f"{why}, {evidence}" if why else evidence
                return new, why
    return codes, None


def decide(findings: list[Finding], policy: Policy, relpath: str = "", pages: list[str] | None = None,
           fmt: str = "", document: dict | None = None) -> list[Decision]:
    """One decision per finding scored at or above the policy's detection floor.

    ``document``: the attributes of the whole document that rules' and overrides' ``when``
    test (``recognizers.records.document_attributes``: ``record: law_enforcement`` and its
    evidence).

    Precedence: deny list (always withheld) > the requester's own data (kept) > allow list
    (kept) > rules, first match wins > the policy default."""
    decisions = []
    pages = pages or []
    for f in findings:
        if f.score < policy.min_score:
            continue
        page_text = pages[f.page - 1] if 0 < f.page <= len(pages) else ""
        deny_rule = next((r for r in policy.rules if "DENY_TERM" in r.entities
                          and r.matches(f, relpath, page_text, fmt, document)), None) if f.entity == "DENY_TERM" else None
        if f.entity == "DENY_TERM" and deny_rule is None:
            entry = next((e for e in policy.deny if e.name == f.attributes.get("list")), None)
            codes = entry.exemptions if entry else policy.default.exemptions
            codes, _ = _override(codes, relpath, policy, document)
            rule = Rule(id=f"deny:{f.attributes.get('list')}", action=Action.REDACT, exemptions=codes,
                        reason=entry.reason if entry else None)
            decisions.append(Decision(f, Action.REDACT, rule.id, codes, policy.reason_for(rule, f, codes)))
            continue
        if policy.requester and _is_requester(f, policy.requester):
            decisions.append(Decision(f, Action.KEEP, "requester", [],
                                      "the requester's own information is released to the requester"))
            continue
        entry = _allowed(f, policy.allow) or _allowed_around(f, policy.allow, page_text)
        if entry is not None:
            decisions.append(Decision(f, Action.KEEP, f"allow:{entry.name}", [],
                                      entry.reason or "on the allow list"))
            continue
        rule = next((r for r in policy.rules if r.matches(f, relpath, page_text, fmt, document)), policy.default)
        codes = list(rule.exemptions) if rule.action not in (Action.KEEP, Action.FLAG) else []
        codes, why = _override(codes, relpath, policy, document)
        if rule.when and not why:
            why = when_evidence(rule.when, document)
        reason = policy.reason_for(rule, f, codes) + (f" ({why})" if why else "")
        evidence = f.attributes.get("role_evidence")
        if rule.action is Action.KEEP and rule.attributes and evidence:
            # the evidence of the attribute the rule kept it for (an official's title...)
            reason += f": {evidence}"
        review = rule.review or rule.action is Action.FLAG or (rule.review_below and f.score < rule.review_below)
        decisions.append(Decision(finding=f, action=rule.action, rule=rule.id, exemptions=codes,
                                  reason=reason, needs_review=bool(review), keep_last=rule.keep_last))
    return decisions


def describe(policy: Policy) -> list[dict[str, Any]]:
    """The rule table as a person reads it (for `redactor policy show`)."""
    rows = []
    for e in policy.deny:
        rows.append({"rule": f"deny:{e.name}", "when": f"{len(e.values)} listed term(s)", "action": "redact",
                     "exemptions": "; ".join(e.exemptions), "review": ""})
    if policy.requester:
        rows.append({"rule": "requester", "when": "the requester's own data", "action": "keep",
                     "exemptions": "", "review": ""})
    for e in policy.allow:
        rows.append({"rule": f"allow:{e.name}", "when": f"{len(e.values) + len(e.domains)} listed value(s)"
                     + (f" ({', '.join(e.entities)})" if e.entities else ""), "action": "keep",
                     "exemptions": "", "review": ""})
    for r in [*policy.rules, policy.default]:
        when = []
        if r.entities:
            when.append(", ".join(r.entities))
        if r.classified is not None:
            when.append("classified" if r.classified else "not classified")
        if r.levels:
            when.append("level " + "/".join(r.levels))
        if r.controls:
            when.append("control " + "/".join(r.controls))
        for key, values in r.attributes.items():
            when.append(f"{key} " + "/".join(map(str, values)))
        if r.min_score:
            when.append(f"score >= {r.min_score}")
        if r.paths:
            when.append("path " + " or ".join(r.paths))
        for key, values in r.when.items():
            when.append(f"document {key} " + "/".join(map(str, values)))
        if r.formats:
            when.append("format " + "/".join(r.formats))
        if r.context:
            when.append("after " + "/".join(r.context))
        review = "yes" if r.review else (f"below {r.review_below}" if r.review_below else "")
        rows.append({"rule": r.id, "when": "; ".join(when) or "anything", "action": r.action.value,
                     "exemptions": "; ".join(r.exemptions), "review": review})
    for o in policy.overrides:
        cond = (["path " + " or ".join(o.paths)] if o.paths else []) + [
            f"document {k} " + "/".join(map(str, v)) for k, v in o.when.items()]
        rows.append({"rule": "override", "when": "; ".join(cond), "action": "replace codes",
                     "exemptions": ", ".join(f"{k} -> {v}" for k, v in o.replace.items()), "review": ""})
    return rows
