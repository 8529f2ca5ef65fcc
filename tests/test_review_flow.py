"""scan -> review -> apply: the plan holds every proposal, reviewer decisions change exactly
what is released, apply refuses changed inputs, and run == scan + apply with no edits."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from redactor.cli import app
from redactor.planfile import PlanFileError, add_by_text, decide, load_plan, plan_schema, save_plan
from redactor.report import report_schema

from conftest import RECORDS
from pdftools import all_texts

runner = CliRunner()
EXPECTED = yaml.safe_load((RECORDS.parent / "expected.yaml").read_text())
STEMS = ["police/incident-report-2023-0417", "hr/memo-personnel-action"]


def _copy_inputs(dst: Path) -> Path:
    for stem in STEMS:
        for ext in (".pdf", ".txt"):
            (dst / stem).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(RECORDS / f"{stem}{ext}", dst / f"{stem}{ext}")
    return dst


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    src = _copy_inputs(tmp_path_factory.mktemp("in") / "records")
    work = tmp_path_factory.mktemp("work") / "scan"
    r = runner.invoke(app, ["scan", str(src), "--out", str(work)])
    assert r.exit_code == 0, r.output
    return src, work


def _fresh(scanned, tmp_path) -> Path:
    _, work = scanned
    w = tmp_path / "scan"
    shutil.copytree(work, w)
    return w


def test_scan_writes_plan_and_review_page_but_no_copies(scanned):
    src, work = scanned
    data = json.loads((work / "plan.json").read_text())
    jsonschema.validate(data, plan_schema())
    assert data["plan_version"] == 1 and "CONTAINS WITHHELD INFORMATION" in data["warning"]
    assert {p.name for p in work.iterdir()} == {"plan.json", "report.html", "pages", "README.txt", "review-log.csv"}
    assert not list(work.rglob("*.pdf")) and not list(work.rglob("*.txt"))[1:]  # only README.txt
    for d in data["documents"]:
        assert d["sha256"] and d["status"] == "planned"
        for it in d["redactions"]:
            assert it["status"] == "proposed" and it["rule"] and it["exemptions"] and it["reason"]
            assert 0 <= it["score"] <= 1 and it["value"]
        for it in d["kept"]:
            assert it["status"] == "kept" and it["rule"] and it["reason"]
    # Every value the policy must withhold is proposed.
    for stem in STEMS:
        for ext in (".pdf", ".txt"):
            d = next(d for d in data["documents"] if d["relpath"] == f"{stem}{ext}")
            proposed = " ".join(" ".join(it["value"].split()) for it in d["redactions"])
            for value in EXPECTED[stem]["withhold"]:
                assert value in proposed, (stem, ext)
    html = (work / "report.html").read_text()
    assert "CONTAINS WITHHELD INFORMATION" in html


def test_run_equals_scan_plus_apply(scanned, tmp_path):
    src, work = scanned
    rel_a, rel_b = tmp_path / "run", tmp_path / "applied"
    assert runner.invoke(app, ["run", str(src), "--out", str(rel_a), "--no-review-report"]).exit_code == 0
    r = runner.invoke(app, ["apply", str(work), "--out", str(rel_b)])
    assert r.exit_code == 0, r.output
    copies = sorted(p.relative_to(rel_a) for p in rel_a.rglob("*") if p.suffix in (".pdf", ".txt"))
    assert len(copies) == 2 * len(STEMS)
    for p in copies:
        assert (rel_a / p).read_bytes() == (rel_b / p).read_bytes(), p
    a, b = (json.loads((x / "report.json").read_text()) for x in (rel_a, rel_b))
    jsonschema.validate(b, report_schema())
    for x, y in zip(a["documents"], b["documents"]):
        assert x == y
    assert (rel_a / "withholding-log.csv").read_text() == (rel_b / "withholding-log.csv").read_text()


def test_apply_takes_a_shipped_policy_by_name(scanned, tmp_path):
    """`apply --policy` names the policy as `run` and `scan` do: a file, or a shipped one."""
    _, work = scanned
    out = tmp_path / "applied"
    r = runner.invoke(app, ["apply", str(work), "--out", str(out), "--policy", "us-foia"])
    assert r.exit_code == 0, r.output
    assert json.loads((out / "report.json").read_text())["documents"]
    r = runner.invoke(app, ["apply", str(work), "--out", str(tmp_path / "x"), "--policy", "no-such-policy"])
    assert r.exit_code != 0 and "no-such-policy" in r.output


def test_reject_and_add_by_text_are_exactly_what_is_released(scanned, tmp_path):
    src, _ = scanned
    work = _fresh(scanned, tmp_path)
    data = load_plan(work)
    doc = next(d for d in data["documents"] if d["relpath"] == "police/incident-report-2023-0417.pdf")
    target = next(it for it in doc["redactions"] if it["entity"] == "PHONE_NUMBER")
    phone = target["value"]
    changed = decide(data, doc["id"], target["id"], "reject", "alice")
    # The same number is released everywhere in the set (pdf and txt).
    assert {e["relpath"] for e, _ in changed} >= {"police/incident-report-2023-0417.pdf",
                                                   "police/incident-report-2023-0417.txt"}
    added = add_by_text(data, "Burglary", ["(b)(7)(A)"], "bob", reason="ongoing case")
    assert sum(len(v) for v in added.values()) >= 2
    save_plan(work, data)
    data2 = load_plan(work)
    assert [h["by"] for h in data2["history"]].count("bob") == sum(len(v) for v in added.values())
    assert all(h["at"] for h in data2["history"])
    out = tmp_path / "release"
    r = runner.invoke(app, ["apply", str(work), "--out", str(out)])
    assert r.exit_code == 0, r.output
    for ext in (".pdf", ".txt"):
        path = out / f"police/incident-report-2023-0417{ext}"
        texts = all_texts(path) if ext == ".pdf" else {"file": path.read_text()}
        for name, text in texts.items():
            flat = " ".join(text.split())
            assert phone in flat, (name, "the rejected redaction must be released")
            assert "Burglary" not in flat and "burglary" not in flat.lower(), (name, "the added redaction")
            for value in EXPECTED["police/incident-report-2023-0417"]["withhold"]:
                if value != phone:
                    assert value not in flat, (name, "other redactions stay")
    report = json.loads((out / "report.json").read_text())
    police = [d for d in report["documents"] if d["output"].startswith("police/")]
    for d in police:
        assert not any(r["entity"] == "PHONE_NUMBER" for r in d["redactions"])
        assert any(r["exemptions"] == ["(b)(7)(A)"] and r["rule"] == "reviewer" for r in d["redactions"])
    rows = list(csv.DictReader((out / "withholding-log.csv").open(encoding="utf-8")))
    assert any(r["exemptions"] == "(b)(7)(A)" and r["statute"] == "5 U.S.C. 552(b)(7)(A)" for r in rows)
    log = (out / "withholding-log.csv").read_text()
    assert phone not in log and "Burglary" not in log
    # The internal review log says who decided what.
    review_rows = list(csv.DictReader((work / "review-log.csv").open(encoding="utf-8")))
    assert any(r["decided_by"] == "alice" and r["status"] == "rejected" for r in review_rows)
    assert any(r["decided_by"] == "bob" and r["status"] == "added" for r in review_rows)


def test_change_exemption_and_withhold_kept(scanned, tmp_path):
    work = _fresh(scanned, tmp_path)
    data = load_plan(work)
    doc = next(d for d in data["documents"] if d["relpath"] == "hr/memo-personnel-action.txt")
    it = doc["redactions"][0]
    decide(data, doc["id"], it["id"], "exemption", "carol", ["(b)(7)(C)"])
    assert it["exemptions"] == ["(b)(7)(C)"] and "(b)(7)(C)" in it["reason"] and it["decided_by"] == "carol"
    kept = next(k for k in doc["kept"] if k["entity"] == "DATE_TIME")
    decide(data, doc["id"], kept["id"], "withhold", "carol", ["(b)(6)"])
    with pytest.raises(PlanFileError):
        decide(data, doc["id"], it["id"], "exemption", "carol", ["(b)(99)"])
    with pytest.raises(PlanFileError):
        decide(data, doc["id"], it["id"], "accept", "")  # who decided must be known
    save_plan(work, data)
    out = tmp_path / "release"
    assert runner.invoke(app, ["apply", str(work), "--out", str(out)]).exit_code == 0
    released = (out / "hr/memo-personnel-action.txt").read_text()
    assert "[WITHHELD (b)(7)(C)]" in released
    assert kept["value"] not in released


def test_apply_refuses_when_an_input_changed(scanned, tmp_path):
    src, work = scanned
    src2 = _copy_inputs(tmp_path / "in2")
    w = _fresh(scanned, tmp_path)
    data = load_plan(w)
    for d in data["documents"]:
        d["source"] = str(src2 / d["relpath"])
    save_plan(w, data)
    with open(src2 / "police/incident-report-2023-0417.txt", "a") as fh:
        fh.write("\nNew line added after the scan.\n")
    out = tmp_path / "release"
    r = runner.invoke(app, ["apply", str(w), "--out", str(out)])
    assert r.exit_code == 2 and "changed since the scan" in r.output
    assert "police/incident-report-2023-0417.txt" in r.output
    assert not out.exists() or not any(out.rglob("*.pdf"))


def test_hand_edited_plan_is_checked(scanned, tmp_path):
    work = _fresh(scanned, tmp_path)
    data = json.loads((work / "plan.json").read_text())
    data["documents"][0]["redactions"][0]["status"] = "maybe"
    (work / "plan.json").write_text(json.dumps(data))
    r = runner.invoke(app, ["apply", str(work), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "status" in r.output
    # A rejection made by editing the file works like one made in the page...
    from redactor.values import normalize

    def key(it):
        return normalize(" ".join(it["value"].split()))

    data["documents"][0]["redactions"][0]["status"] = "proposed"
    target = next(it for d in data["documents"] for it in d["redactions"] if it["entity"] == "PHONE_NUMBER")
    same = [(d, it) for d in data["documents"] for it in d["redactions"] if key(it) == key(target)]
    assert len(same) >= 2  # the pdf and the txt
    for _, it in same:
        it["status"] = "rejected"
    (work / "plan.json").write_text(json.dumps(data))
    r = runner.invoke(app, ["apply", str(work), "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    for doc, _ in same:
        copy = tmp_path / "o" / doc["relpath"]
        text = " ".join((all_texts(copy)["pdftotext"] if copy.suffix == ".pdf" else copy.read_text()).split())
        assert " ".join(target["value"].split()) in text
    # ...but releasing one occurrence of a text still withheld elsewhere is refused, saying where.
    for _, it in same:
        it["status"] = "proposed"
    doc, dup = same[0]
    dup["status"] = "rejected"
    (work / "plan.json").write_text(json.dumps(data))
    r = runner.invoke(app, ["apply", str(work), "--out", str(tmp_path / "o2")])
    assert r.exit_code == 2 and "still withheld" in r.output and f"{doc['id']}:{dup['id']}" in r.output
    assert dup["value"] not in r.output


def test_item_offsets_must_match_the_text(scanned, tmp_path):
    work = _fresh(scanned, tmp_path)
    data = load_plan(work)
    doc = next(d for d in data["documents"] if d["format"] == "text")
    doc["redactions"][0]["start"] += 1
    save_plan(work, data)
    r = runner.invoke(app, ["apply", str(work), "--out", str(tmp_path / "o")])
    assert r.exit_code == 1  # that document fails, loudly, saying where
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    failed = [d for d in report["documents"] if d["status"] == "failed"]
    assert len(failed) == 1 and "does not match" in failed[0]["error"]
    assert doc["redactions"][0]["value"] not in failed[0]["error"]


def test_apply_out_inside_scan_folder_refused(scanned, tmp_path):
    work = _fresh(scanned, tmp_path)
    r = runner.invoke(app, ["apply", str(work), "--out", str(work / "release")])
    assert r.exit_code == 2


def test_add_needs_real_text(scanned, tmp_path):
    work = _fresh(scanned, tmp_path)
    data = load_plan(work)
    for bad in ("", " ", "-", "a"):
        with pytest.raises(PlanFileError):
            add_by_text(data, bad, ["(b)(6)"], "dave")
    assert add_by_text(data, "no such words anywhere zzqx", ["(b)(6)"], "dave") == {}


def test_email_with_attachment_run_equals_scan_plus_apply(tmp_path):
    """Plans are trees (an email and the documents attached to it): the plan file keeps the
    tree, and apply releases the same copy as run."""
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "Records Office <records@agency.gov>"
    msg["To"] = "clerk@agency.gov"
    msg["Subject"] = "Incident report attached"
    msg["Date"] = "Thu, 01 Jun 2023 10:00:00 +0000"
    msg.set_content("Please file the attached report. The complainant's phone is (217) 555-9034.\n")
    msg.add_attachment((RECORDS / "police/incident-report-2023-0417.pdf").read_bytes(), maintype="application",
                       subtype="pdf", filename="report.pdf")
    src = tmp_path / "in"
    src.mkdir()
    (src / "mail.eml").write_bytes(bytes(msg))
    work, a, b = tmp_path / "scan", tmp_path / "run", tmp_path / "applied"
    assert runner.invoke(app, ["scan", str(src), "--out", str(work)]).exit_code == 0
    data = load_plan(work)
    top = data["documents"][0]
    assert top["attachments"] and top["attachments"][0]["id"] == "d1.a1"
    assert top["attachments"][0]["redactions"], "the attachment's proposals are in the plan"
    ra = runner.invoke(app, ["run", str(src), "--out", str(a), "--no-review-report"])
    rb = runner.invoke(app, ["apply", str(work), "--out", str(b)])
    assert ra.exit_code == rb.exit_code, (ra.output, rb.output)
    import re

    def unbound(data: bytes) -> bytes:  # MIME boundaries are random on every write
        bounds = set(re.findall(rb'boundary="([^"]+)"', data))
        for x in bounds:
            data = data.replace(x, b"BOUNDARY")
        return data

    assert unbound((a / "mail.eml").read_bytes()) == unbound((b / "mail.eml").read_bytes())
    ja, jb = (json.loads((x / "report.json").read_text()) for x in (a, b))
    for x, y in zip(ja["documents"], jb["documents"], strict=True):
        x.pop("output_sha256"), y.pop("output_sha256")  # the boundaries again
        assert x == y


def test_region_drawn_by_a_reviewer_is_removed(scanned, tmp_path):
    """A region (here: around a date the policy keeps) is withheld whatever lies under it;
    the text elsewhere on the page stays."""
    from redactor.planfile import add_region

    work = _fresh(scanned, tmp_path)
    data = load_plan(work)
    doc = next(d for d in data["documents"] if d["relpath"] == "police/incident-report-2023-0417.pdf")
    kept = next(k for k in doc["kept"] if k["entity"] == "DATE_TIME" and k["bbox"] and "2023" in k["value"])
    x0, y0, x1, y1 = kept["bbox"][0]
    with pytest.raises(PlanFileError):
        add_region(data, doc["id"], kept["page"], [x0, y0, x0 + 0.5, y1], ["(b)(6)"], "gus")  # too thin
    it = add_region(data, doc["id"], kept["page"], [x0 - 1, y0 - 1, x1 + 1, y1 + 1], ["(b)(5)"], "gus",
                    reason="draft date")
    assert it["status"] == "added" and it["region"] and it["decided_by"] == "gus"
    save_plan(work, data)
    out = tmp_path / "release"
    r = runner.invoke(app, ["apply", str(work), "--out", str(out)])
    assert r.exit_code == 0, r.output
    before = all_texts(Path(doc["source"]))
    value = " ".join(kept["value"].split())
    for name, text in all_texts(out / "police/incident-report-2023-0417.pdf").items():
        flat = " ".join(text.split())
        assert flat.count(value) == " ".join(before[name].split()).count(value) - 1, name  # this one only
        assert "SPRINGFIELD POLICE DEPARTMENT" in flat
    report = json.loads((out / "report.json").read_text())
    d = next(d for d in report["documents"] if d["output"] == "police/incident-report-2023-0417.pdf")
    region = [x for x in d["redactions"] if x["entity"] == "MANUAL_REGION"]
    assert len(region) == 1 and region[0]["exemptions"] == ["(b)(5)"] and region[0]["rule"] == "reviewer"
    # As drawn: on the region's line, at least as wide (the glyph-position defence may give a
    # one-line box a standard width and re-lay the line).
    ((rx0, ry0, rx1, ry1),) = region[0]["release_bbox"]
    assert (ry0, ry1) == (round(y0 - 1, 2), round(y1 + 1, 2)) and rx1 - rx0 >= round(x1 - x0 + 2, 2) - 0.01


def test_bates_numbers_stamped_before_verification_and_logged(scanned, tmp_path):
    import pikepdf
    import pypdfium2 as pdfium

    _, work = scanned
    out = tmp_path / "release"
    r = runner.invoke(app, ["apply", str(work), "--out", str(out), "--bates", "AGY-000101"])
    assert r.exit_code == 0, r.output
    data = load_plan(work)
    pdfs = [d for d in data["documents"] if d["format"] == "pdf"]  # release order: relpath
    expected, n = {}, 101
    for d in pdfs:
        expected[d["relpath"]] = [f"AGY-{n + k:06d}" for k in range(len(d["pages"]))]
        n += len(d["pages"])
    report = json.loads((out / "report.json").read_text())
    jsonschema.validate(report, report_schema())
    for d in report["documents"]:
        if d["format"] != "pdf":
            assert "bates" not in d
            continue
        assert d["bates"] == expected[d["output"]]
        pdf = pdfium.PdfDocument(str(out / d["output"]))
        with pikepdf.open(out / d["output"]) as pk:
            for i, want in enumerate(d["bates"]):
                page = pdf[i]
                text = page.get_textpage().get_text_range()
                assert want in text, (d["output"], i + 1)  # one stamp per page, upright, extractable
                # The stamp sits in the page's corner, inside the page, off every redaction box.
                tp = page.get_textpage()
                at = text.index(want)
                l, b, rr, t = tp.get_charbox(at)
                w, h = page.get_size()
                assert 0 <= l and rr <= w and 0 <= b and t <= h
                for red in (x for x in d["redactions"] if x["page"] == i + 1):
                    for bx in red["release_bbox"]:
                        assert not (l < bx[2] and bx[0] < rr and b < bx[3] and bx[1] < t)
        pdf.close()
    rows = list(csv.DictReader((out / "withholding-log.csv").open(encoding="utf-8")))
    pdf_rows = [x for x in rows if x["document"].endswith(".pdf")]
    assert pdf_rows and all(x["bates"] == expected[x["document"]][int(x["page"]) - 1] for x in pdf_rows)
    assert all(x["bates"] == "" for x in rows if x["document"].endswith(".txt"))


def test_bates_on_rotated_pages_and_bad_label(scanned, tmp_path):
    import pikepdf
    import pypdfium2 as pdfium

    src = tmp_path / "in"
    src.mkdir()
    with pikepdf.open(RECORDS / "police/incident-report-2023-0417.pdf") as pdf:
        pdf.pages[0].obj["/Rotate"] = 90
        pdf.pages[1].obj["/Rotate"] = 270
        pdf.save(src / "rotated.pdf")
    work = tmp_path / "scan"
    assert runner.invoke(app, ["scan", str(src), "--out", str(work)]).exit_code == 0
    r = runner.invoke(app, ["apply", str(work), "--out", str(tmp_path / "bad"), "--bates", "no digits"])
    assert r.exit_code == 2 and "--bates" in r.output
    out = tmp_path / "release"
    r = runner.invoke(app, ["apply", str(work), "--out", str(out), "--bates", "X-01"])
    assert r.exit_code == 0, r.output
    pdf = pdfium.PdfDocument(str(out / "rotated.pdf"))
    for i, want in enumerate(["X-01", "X-02"]):
        text = pdf[i].get_textpage().get_text_range()
        assert want in text
    pdf.close()
