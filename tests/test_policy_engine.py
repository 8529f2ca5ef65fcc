"""Each rule type and action changes the release copy as docs/policy.md says: checked on
whole runs (both phases) over small text records."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pikepdf
import pytest
from typer.testing import CliRunner

from redactor.cli import app
from redactor.policy import load_policy

from pdftools import make_text_pdf, text_pdfium

runner = CliRunner()

MEMO = textwrap.dedent("""\
    MEMORANDUM

    Employee Gregory Lindqvist asked for a transfer. His SSN is 384-21-9076 and the last four of
    his SSN 384-21-9076 are on file. Contact Angela Brooks at (217) 782-2755 or
    abrooks@transport.example.gov. The informant BLUE HERON met Lindqvist twice.
    """)


def run(tmp_path, policy_text: str | None, files: dict[str, str], *extra) -> tuple[dict, Path, object]:
    src = tmp_path / "in"
    for rel, text in files.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(text)
    args = ["run", str(src), "--out", str(tmp_path / "out")]
    if policy_text is not None:
        pol = tmp_path / "policy.yaml"
        pol.write_text(textwrap.dedent(policy_text))
        args += ["--policy", str(pol)]
    result = runner.invoke(app, [*args, *extra])
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    return report, tmp_path / "out", result


def test_allow_list_keeps_officials_and_agency_contacts(tmp_path):
    policy = """\
        policy: test
        extends: us-foia
        allow:
          - name: officials
            values: ["ANGELA   brooks", "(217) 782-2755", "@transport.example.gov"]
            reason: official acting in office
        """
    report, out, _ = run(tmp_path, policy, {"memo.txt": MEMO})
    text = (out / "memo.txt").read_text()
    assert "Angela Brooks" in text and "(217) 782-2755" in text and "abrooks@transport.example.gov" in text
    assert "Gregory Lindqvist" not in text and "384-21-9076" not in text
    # Without the list, the same people are withheld.
    report2, out2, _ = run(tmp_path / "b", None, {"memo.txt": MEMO})
    assert "Angela Brooks" not in (out2 / "memo.txt").read_text()


def test_deny_list_from_file_withholds_every_occurrence(tmp_path):
    (tmp_path / "terms.txt").write_text("# informant code names\nblue heron\n")
    policy = """\
        policy: test
        extends: us-foia
        deny:
          - name: informants
            file: terms.txt
            exemptions: ["(b)(7)(D)"]
            reason: confidential source
        """
    text = MEMO + "Later, Blue\nHeron called again.\n"
    report, out, _ = run(tmp_path, policy, {"memo.txt": text})
    released = (out / "memo.txt").read_text()
    assert "BLUE HERON" not in released and "Blue\nHeron" not in released
    assert released.count("[WITHHELD (b)(7)(D)]") == 2
    rules = {r["rule"] for r in report["documents"][0]["redactions"]}
    assert "deny:informants" in rules


def test_requester_keeps_own_data(tmp_path):
    report, out, _ = run(tmp_path, None, {"memo.txt": MEMO}, "--requester", "Gregory Lindqvist")
    released = (out / "memo.txt").read_text()
    assert "Gregory Lindqvist" in released
    assert "Angela Brooks" not in released


def test_law_enforcement_folder_switches_to_b7c(tmp_path):
    report, out, _ = run(tmp_path, None, {"police/report.txt": MEMO, "hr/memo.txt": MEMO})
    by = {Path(d["source"]).parent.name: d for d in report["documents"]}
    assert "(b)(7)(C)" in by["police"]["counts_by_exemption"]
    assert "(b)(6)" not in by["police"]["counts_by_exemption"]
    assert "(b)(6)" in by["hr"]["counts_by_exemption"]
    assert "law enforcement record" in by["police"]["redactions"][0]["reason"]


def test_mask_keeps_last_four_in_context(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "memo.txt").write_text(MEMO)
    result = runner.invoke(app, ["run", str(src), "--out", str(tmp_path / "out"), "--policy", "example-state"])
    assert result.exit_code == 0, result.output
    released = (tmp_path / "out" / "memo.txt").read_text()
    assert "[WITHHELD 7(1)(b)]9076 are on file" in released.replace("\n", " ")
    assert "SSN is [WITHHELD 7(1)(b)] and" in released


def test_pseudonyms_are_consistent_across_the_release_set(tmp_path):
    policy = """\
        policy: test
        extends: us-foia
        rules:
          - id: names-as-pseudonyms
            entities: [PERSON]
            action: pseudonymise
            exemptions: ["(b)(6)"]
        """
    files = {"a.txt": "Patricia Nguyen called Robert Kowalski.\n",
             "b.txt": "Robert Kowalski wrote back to Patricia Nguyen.\n"}
    report, out, _ = run(tmp_path, policy, files)
    a, b = (out / "a.txt").read_text(), (out / "b.txt").read_text()
    assert a == "[Person 1 (b)(6)] called [Person 2 (b)(6)].\n"
    assert b == "[Person 2 (b)(6)] wrote back to [Person 1 (b)(6)].\n"


def test_value_withheld_in_one_record_is_withheld_in_all(tmp_path):
    files = {"a.txt": "Det. Maria Lopez interviewed the witness.\n",
             "b.txt": "The file was reviewed by maria lopez on Monday.\n"}
    report, out, _ = run(tmp_path, None, files)
    assert "maria lopez" not in (out / "b.txt").read_text().lower()
    doc_b = next(d for d in report["documents"] if d["source"].endswith("b.txt"))
    r = doc_b["redactions"][0]
    assert r["propagated"] and r["recognizer"] == "propagation" and "a.txt" in r["explanation"]


def test_withhold_page_and_document(tmp_path):
    policy = """\
        policy: test
        extends: us-foia
        rules:
          - id: top-secret-pages
            entities: [CLASSIFIED_PORTION]
            levels: [TOP SECRET]
            action: withhold_page
            exemptions: ["(b)(1)"]
          - id: grand-jury
            entities: [DENY_TERM]
            action: withhold_document
            exemptions: ["(b)(3): Fed. R. Crim. P. 6(e)"]
        deny:
          - name: grand-jury
            values: ["grand jury"]
            exemptions: ["(b)(3): Fed. R. Crim. P. 6(e)"]
        """
    src = tmp_path / "in"
    src.mkdir()
    make_text_pdf(src / "cable.pdf", [(72, 700, "TOP SECRET//SI//NOFORN"),
                                      (72, 660, "(TS//SI//NF) The station reported the meeting.")])
    (src / "gj.txt").write_text("Testimony before the grand jury on May 2.\n")
    pol = tmp_path / "p.yaml"
    pol.write_text(textwrap.dedent(policy))
    result = runner.invoke(app, ["run", str(src), "--out", str(tmp_path / "out"), "--policy", str(pol)])
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    by = {Path(d["source"]).name: d for d in report["documents"]}
    assert by["gj.txt"]["status"] == "withheld" and by["gj.txt"]["output"] is None
    assert not (tmp_path / "out" / "gj.txt").exists()
    assert by["cable.pdf"]["withheld_pages"] == [1]
    text = text_pdfium(tmp_path / "out" / "cable.pdf")
    assert "Page withheld in full under (b)(1)" in text and "station" not in text
    with pikepdf.open(tmp_path / "out" / "cable.pdf") as pdf:
        assert len(pdf.pages) == 1
    assert result.exit_code == 0, result.output


def test_review_below_and_strict(tmp_path):
    policy = """\
        policy: test
        extends: us-foia
        rules:
          - id: names
            entities: [PERSON]
            action: redact
            exemptions: ["(b)(6)"]
            review_below: 0.99
        """
    report, out, result = run(tmp_path, policy, {"memo.txt": MEMO}, "--strict")
    assert report["documents"][0]["status"] == "needs_review"
    assert any(r["needs_review"] for r in report["documents"][0]["redactions"])
    assert result.exit_code == 4


def test_context_words_rule(tmp_path):
    policy = """\
        policy: test
        extends: us-foia
        rules:
          - id: case-numbers-keep-in-court-context
            entities: [PHONE_NUMBER]
            context: [docket]
            context_window: 12
            action: keep
        """
    report, out, _ = run(tmp_path, policy, {"m.txt": "Docket (217) 782-2755 filed. Call (217) 789-2240 today.\n"})
    released = (out / "m.txt").read_text()
    assert "(217) 782-2755" in released and "(217) 789-2240" not in released


def test_b3_needs_its_statute(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text("policy: x\ncatalogue: us-foia\ndefault: {action: keep}\nrules:\n"
                 "  - id: a\n    action: redact\n    exemptions: ['(b)(3)']\n")
    with pytest.raises(Exception, match=r"p.yaml:5: .*\(b\)\(3\) must name its statute"):
        load_policy(p)


@pytest.mark.parametrize("name", ["us-foia", "uk-foia", "example-state"])
def test_shipped_policies_validate(name):
    pol = load_policy(name=name)
    assert pol.rules and pol.default


def test_several_codes_print_together(tmp_path):
    policy = """\
        policy: test
        extends: us-foia
        rules:
          - id: both
            entities: [US_SSN]
            action: redact
            exemptions: ["(b)(6)", "(b)(7)(C)"]
        """
    report, out, _ = run(tmp_path, policy, {"m.txt": "SSN 384-21-9076.\n"})
    assert "[WITHHELD (b)(6); (b)(7)(C)]" in (out / "m.txt").read_text()
    assert report["documents"][0]["redactions"][0]["label"] == "(b)(6); (b)(7)(C)"


def test_rule_paths_controls_attributes_and_flag(tmp_path):
    policy = """\
        policy: test
        extends: us-foia
        rules:
          - id: hr-folder-names-flagged
            entities: [PERSON]
            paths: ["hr/*"]
            action: flag
          - id: work-email-kept
            entities: [EMAIL_ADDRESS]
            attributes: {kind: work}
            action: keep
          - id: noforn-portions-whole-page
            entities: [CLASSIFIED_PORTION]
            controls: [NOFORN]
            action: withhold_portion
            exemptions: ["(b)(1)", "(b)(3): 50 U.S.C. 3024(i)"]
        """
    hr_memo = "From: Dana Whitlock <hr.desk4@agency.example.gov>\n"
    ops_memo = "From: Ray Ortiz <dwhitlock@agency.example.gov>\nCc: Lee Grant <lgrant77@gmail.com>\n"
    cable = "SECRET//NOFORN\n\n(S//NF) The source reported the plan.\n\n(S) Another secret line.\n"
    report, out, result = run(tmp_path, policy, {"hr/memo.txt": hr_memo, "ops/memo.txt": ops_memo,
                                                 "ops/cable.txt": cable})
    by = {d["source"].split("/in/")[-1]: d for d in report["documents"]}
    hr, ops = (out / "hr/memo.txt").read_text(), (out / "ops/memo.txt").read_text()
    assert "Dana Whitlock" in hr and by["hr/memo.txt"]["status"] == "needs_review"  # flagged, released
    assert "Ray Ortiz" not in ops  # names outside hr/ are withheld
    assert "dwhitlock@agency.example.gov" in ops and "lgrant77@gmail.com" not in ops
    c = (out / "ops/cable.txt").read_text()
    assert "[WITHHELD (b)(1); (b)(3): 50 U.S.C. 3024(i)]" in c  # the NOFORN portion
    assert "(S) [WITHHELD (b)(1)]" in c  # the plain SECRET portion: the shipped rule


def test_job_file_runs_unattended_with_requester_and_strict(tmp_path, monkeypatch):
    src = tmp_path / "records"
    src.mkdir()
    (src / "memo.txt").write_text(MEMO)
    (tmp_path / "nightly.yaml").write_text(textwrap.dedent("""\
        inputs: [records]
        out: release
        policy: us-foia
        requester: ["Gregory Lindqvist"]
        strict: true
        """))
    result = runner.invoke(app, ["run", "--job", str(tmp_path / "nightly.yaml")])
    released = (tmp_path / "release" / "memo.txt").read_text()
    assert "Gregory Lindqvist" in released and "Angela Brooks" not in released
    report = json.loads((tmp_path / "release" / "report.json").read_text())
    review = any(d["status"] == "needs_review" for d in report["documents"])
    assert result.exit_code == (4 if review else 0)


def test_bad_job_file_is_refused(tmp_path):
    (tmp_path / "bad.yaml").write_text("inputs: [x]\nout: y\npasword: oops\n")
    result = runner.invoke(app, ["run", "--job", str(tmp_path / "bad.yaml")])
    assert result.exit_code == 2 and "unknown key(s) pasword" in result.output
