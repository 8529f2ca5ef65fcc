"""The reviewer's pages in a real browser: Debian's headless Chromium driven by Selenium
through /usr/bin/chromedriver (never a downloaded browser). Sockets stay blocked except to
127.0.0.1 (chromedriver's HTTP endpoint, and the review server), for these tests only."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from redactor.cli import app
from redactor.review_report import REVIEW_DIR_NAME, review_model, write_review

from conftest import RECORDS

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
pytestmark = [
    pytest.mark.slow,  # a pipeline run and a browser: tens of seconds
    pytest.mark.allow_hosts(["127.0.0.1"]),
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                       reason="Debian chromium and chromium-driver are not installed (.ci/run installs them)"),
]
EXPECTED = yaml.safe_load((RECORDS.parent / "expected.yaml").read_text())
runner = CliRunner()
STEMS = ["police/incident-report-2023-0417", "classified/memo-port-security"]


def embedded(html: str) -> dict:
    m = re.search(r"<script id='data' type='application/json'>(.*?)</script>", html, re.S)
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def chrome():
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never fetch a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="redactor-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
                "--window-size=1500,1000", "--hide-scrollbars", f"--user-data-dir={profile}"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        try:
            driver.quit()
        finally:
            shutil.rmtree(profile, ignore_errors=True)


def console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def keys(driver, text: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(text).perform()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    src = tmp_path_factory.mktemp("in")
    for stem in STEMS:
        for ext in (".pdf", ".txt"):
            (src / stem).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(RECORDS / f"{stem}{ext}", src / f"{stem}{ext}")
    out = tmp_path_factory.mktemp("out") / "release"
    result = runner.invoke(app, ["run", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out / REVIEW_DIR_NAME / "report.html"
    return out, page, embedded(page.read_text())


def open_report(driver, page: Path) -> None:
    driver.get(page.as_uri())
    driver.get_log("browser")  # start from a clean log for this page...
    driver.refresh()           # ...and load it again so its own messages are what we read
    for _ in range(100):
        if driver.execute_script("return document.querySelectorAll('#list .row').length") > 0:
            return
        time.sleep(0.05)


def test_report_opens_without_console_errors_and_lists_every_redaction(chrome, run):
    out, page, model = run
    open_report(chrome, page)
    assert console_errors(chrome) == []
    report = json.loads((out / "report.json").read_text())
    listed = set(chrome.execute_script("return [...document.querySelectorAll('#list .row')].map(r => r.dataset.key)"))
    doc_ids = {d["source"]: d["id"] for d in model["documents"]}
    expected = {f"{doc_ids[d['source']]}:{r['id']}" for d in report["documents"] for r in d["redactions"]}
    assert expected and expected <= listed
    # Kept findings are listed too: a reviewer sees what will be released.
    assert sum(len(d["kept"]) for d in report["documents"]) == len(listed - expected)
    # Every PDF redaction has a box on its original page.
    boxes = set(chrome.execute_script("return [...document.querySelectorAll('.box.redaction')].map(b => b.dataset.key)"))
    pdf_keys = {f"{doc_ids[d['source']]}:{r['id']}" for d in report["documents"] if d["format"] == "pdf"
                for r in d["redactions"]}
    assert pdf_keys <= boxes
    assert "CONTAINS WITHHELD INFORMATION" in chrome.find_element("id", "banner").text
    imgs = chrome.execute_script("return [...document.querySelectorAll('.sheet img')].map(i => i.loading)")
    assert imgs and set(imgs) == {"lazy"}


def test_keyboard_navigation_and_detail(chrome, run):
    _, page, model = run
    open_report(chrome, page)
    items = {f"{d['id']}:{it['id']}": it for d in model["documents"] for it in d["items"]}
    order = chrome.execute_script("return [...document.querySelectorAll('#list .row')].map(r => r.dataset.key)")
    chrome.find_element("tag name", "body").click()
    keys(chrome, "j")
    first = chrome.execute_script("return document.querySelector('#list .row.sel').dataset.key")
    assert first == order[0]
    assert chrome.find_element("id", "value").text == items[first]["value"].strip()
    keys(chrome, "jj")
    assert chrome.execute_script("return document.querySelector('#list .row.sel').dataset.key") == order[2]
    keys(chrome, "k")
    third = chrome.execute_script("return document.querySelector('#list .row.sel').dataset.key")
    assert third == order[1]
    detail = chrome.find_element("id", "detail").text
    it = items[third]
    for field in (it["rule"], it["reason"], f"{it['score']:.2f}"):
        assert field in detail
    assert console_errors(chrome) == []


def test_filters(chrome, run):
    _, page, model = run
    open_report(chrome, page)
    total = len(chrome.find_elements("css selector", "#list .row"))
    chrome.find_element("id", "f-kept").click()
    n_red = sum(1 for d in model["documents"] for it in d["items"] if it["kind"] == "redaction")
    assert len(chrome.find_elements("css selector", "#list .row")) == n_red < total
    chrome.find_element("id", "f-kept").click()
    from selenium.webdriver.support.ui import Select

    Select(chrome.find_element("id", "f-entity")).select_by_value("US_SSN")
    rows = chrome.execute_script("return [...document.querySelectorAll('#list .row')].map(r => r.dataset.key)")
    ssn = [f"{d['id']}:{it['id']}" for d in model["documents"] for it in d["items"] if it["entity"] == "US_SSN"]
    assert rows and sorted(rows) == sorted(ssn)
    assert console_errors(chrome) == []


def _colour_pixels(png: bytes, rgb: tuple[int, int, int], tol: int = 12) -> int:
    from PIL import Image

    data = Image.open(io.BytesIO(png)).convert("RGB").tobytes()
    r0, g0, b0 = rgb
    return sum(1 for i in range(0, len(data), 3)
               if abs(data[i] - r0) <= tol and abs(data[i + 1] - g0) <= tol and abs(data[i + 2] - b0) <= tol)


def test_screenshot_shows_the_boxes_in_their_colour(chrome, run):
    _, page, model = run
    open_report(chrome, page)
    d = next(d for d in model["documents"] if d["format"] == "pdf" and d["source"].endswith("incident-report-2023-0417.pdf"))
    code = next(it["exemptions"][0] for it in d["items"] if it["kind"] == "redaction" and it["page"] == 1)
    hexcol = model["colours"][code]
    rgb = tuple(int(hexcol[i:i + 2], 16) for i in (1, 3, 5))
    chrome.execute_script("document.getElementById(arguments[0]).scrollIntoView({block: 'start'})", f"{d['id']}-p1")
    time.sleep(0.5)
    # Wait until the page images in view have loaded (lazy loading).
    for _ in range(100):
        if chrome.execute_script("return [...document.querySelectorAll('.sheet img')].filter(i => {"
                                 "const r = i.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0})"
                                 ".every(i => i.complete && i.naturalWidth > 0)"):
            break
        time.sleep(0.05)
    with_boxes = _colour_pixels(chrome.get_screenshot_as_png(), rgb)
    # The box borders in view, in CSS pixels: at least their perimeters are in the colour.
    perimeter = chrome.execute_script(
        "const c = arguments[0]; let n = 0; for (const b of document.querySelectorAll('.box.redaction')) {"
        " const r = b.getBoundingClientRect(); if (r.bottom < 0 || r.top > innerHeight) continue;"
        " if (getComputedStyle(b).borderTopColor !== c) continue; n += 2 * (r.width + r.height); } return n;",
        f"rgb({rgb[0]}, {rgb[1]}, {rgb[2]})")
    assert perimeter > 100
    assert with_boxes >= 0.8 * perimeter, (with_boxes, perimeter)
    # Filtering that exemption out dims its boxes: the colour (nearly) disappears.
    toggle = chrome.find_element("css selector", f"input.f-ex[data-code='{code}']")
    chrome.execute_script("arguments[0].click()", toggle)  # the header is scrolled out of view
    time.sleep(0.2)
    without = _colour_pixels(chrome.get_screenshot_as_png(), rgb)
    assert without < 0.2 * with_boxes, (without, with_boxes)
    chrome.execute_script("arguments[0].click()", toggle)


def test_a_thousand_pages_open_lazily(chrome, run, tmp_path):
    """A 1,000-page set: the page opens and lists every finding, and only the page images in
    view are loaded (lazy loading is what keeps it fast; speed itself is not asserted here,
    a timed assertion fails on a loaded machine)."""
    out, _, model = run
    src = next(d for d in model["documents"] if d["format"] == "pdf")
    folder = tmp_path / "big"
    (folder / "pages").mkdir(parents=True)
    img = out / REVIEW_DIR_NAME / src["pages"][0]["orig"]
    pages, items = [], []
    for n in range(1, 1001):
        name = f"pages/p{n}.png"
        shutil.copy(img, folder / name)
        p = dict(src["pages"][0], n=n, orig=name, red=name)
        pages.append(p)
        for it in src["items"]:
            if it["page"] == 1:
                items.append(dict(it, id=f"{it['id']}-{n}", page=n))
    doc = dict(src, id="d1", pages=pages, items=items)
    write_review(review_model([doc], model["policy"]), folder)
    chrome.get((folder / "report.html").as_uri())
    for _ in range(1200):
        if chrome.execute_script("return document.querySelectorAll('#list .row').length") == len(items):
            break
        time.sleep(0.05)
    assert chrome.execute_script("return document.querySelectorAll('#list .row').length") == len(items)
    loaded = chrome.execute_script("return [...document.querySelectorAll('.sheet img')].filter(i => i.complete && "
                                   "i.naturalWidth > 0).length")
    assert loaded < 100, loaded  # not all 2,000 images
    assert console_errors(chrome) == []


# ---------------------------------------------------------------------------------------
# The review page served by `redactor review`: decisions made in the browser reach the plan
# ---------------------------------------------------------------------------------------

@pytest.fixture
def review_server(tmp_path_factory):
    import threading

    from redactor.review_server import ReviewServer

    src = tmp_path_factory.mktemp("rin")
    for ext in (".pdf", ".txt"):
        shutil.copy(RECORDS / f"police/incident-report-2023-0417{ext}", src)
    work = tmp_path_factory.mktemp("rwork") / "scan"
    r = runner.invoke(app, ["scan", str(src), "--out", str(work)])
    assert r.exit_code == 0, r.output
    srv = ReviewServer(work, reviewer="")
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _wait(pred, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


def test_reject_and_add_in_the_review_page_reach_the_plan_and_the_release(chrome, review_server, tmp_path):
    from redactor.planfile import load_plan

    srv = review_server
    chrome.get(srv.url)
    assert _wait(lambda: chrome.execute_script("return document.querySelectorAll('#list .row').length") > 0)
    chrome.get_log("browser")
    # Who is deciding.
    name = chrome.find_element("id", "reviewer")
    name.clear()
    name.send_keys("Rita Reviewer")
    chrome.find_element("tag name", "body").click()
    # Keyboard: j to the first finding, then on to the first PDF phone-number redaction.
    data = load_plan(srv.workdir)
    pdf = next(d for d in data["documents"] if d["format"] == "pdf")
    phone = next(it for it in pdf["redactions"] if it["entity"] == "PHONE_NUMBER")
    key = f"{pdf['id']}:{phone['id']}"
    order = chrome.execute_script("return [...document.querySelectorAll('#list .row')].map(r => r.dataset.key)")
    keys(chrome, "j")
    assert chrome.execute_script("return document.querySelector('#list .row.sel').dataset.key") == order[0]
    keys(chrome, "j" * order.index(key))
    assert chrome.execute_script("return document.querySelector('#list .row.sel').dataset.key") == key
    assert chrome.find_element("id", "value").text == phone["value"]
    keys(chrome, "x")  # reject
    assert _wait(lambda: any(it["status"] == "rejected" and it["id"] == phone["id"]
                             for it in next(d for d in load_plan(srv.workdir)["documents"]
                                            if d["id"] == pdf["id"])["redactions"]))
    after = load_plan(srv.workdir)
    rejected = next(it for it in next(d for d in after["documents"] if d["id"] == pdf["id"])["redactions"]
                    if it["id"] == phone["id"])
    assert rejected["decided_by"] == "Rita Reviewer"
    # "/" opens the add form; add by text search across the set.
    keys(chrome, "/")
    assert chrome.switch_to.active_element.get_attribute("id") == "add-query"
    from selenium.webdriver.support.ui import Select

    Select(chrome.find_element("id", "add-exemption")).select_by_value("(b)(7)(A)")
    chrome.find_element("id", "add-query").send_keys("Burglary\n")
    assert _wait(lambda: sum(1 for d in load_plan(srv.workdir)["documents"] for it in d["redactions"]
                             if it["status"] == "added") >= 2)
    assert _wait(lambda: "added" in chrome.find_element("id", "msg").text)
    added = [it for d in load_plan(srv.workdir)["documents"] for it in d["redactions"] if it["status"] == "added"]
    assert all(it["exemptions"] == ["(b)(7)(A)"] and it["decided_by"] == "Rita Reviewer" for it in added)
    # The page lists the new items.
    listed = chrome.execute_script("return [...document.querySelectorAll('#list .row.added')].length")
    assert listed == len(added)
    errors = console_errors(chrome)
    assert errors == [], errors[:3]
    # Apply: the release copies reflect exactly those decisions.
    out = tmp_path / "release"
    r = runner.invoke(app, ["apply", str(srv.workdir), "--out", str(out)])
    assert r.exit_code == 0, r.output
    from pdftools import all_texts

    for name, text in all_texts(out / "incident-report-2023-0417.pdf").items():
        flat = " ".join(text.split())
        assert phone["value"] in flat and "Burglary" not in flat, name
    txt = (out / "incident-report-2023-0417.txt").read_text()
    assert phone["value"] in txt and "Burglary" not in txt and "[WITHHELD (b)(7)(A)]" in txt
    log = (out / "withholding-log.csv").read_text()
    assert "(b)(7)(A)" in log and phone["value"] not in log and "Burglary" not in log


def test_review_page_change_exemption_with_keyboard(chrome, review_server):
    from redactor.planfile import load_plan
    from selenium.webdriver.support.ui import Select

    srv = review_server
    chrome.get(srv.url)
    assert _wait(lambda: chrome.execute_script("return document.querySelectorAll('#list .row').length") > 0)
    name = chrome.find_element("id", "reviewer")
    name.clear()
    name.send_keys("Sam")
    chrome.find_element("tag name", "body").click()
    keys(chrome, "j")
    key = chrome.execute_script("return document.querySelector('#list .row.sel').dataset.key")
    doc_id, item_id = key.split(":")
    if item_id.startswith("k"):  # move to the first redaction
        order = chrome.execute_script("return [...document.querySelectorAll('#list .row')].map(r => r.dataset.key)")
        first_red = next(k for k in order if k.split(":")[1].startswith("r"))
        keys(chrome, "j" * order.index(first_red))
        doc_id, item_id = first_red.split(":")
    current = next(it for d in load_plan(srv.workdir)["documents"] if d["id"] == doc_id
                   for it in d["redactions"] if it["id"] == item_id)["exemptions"]
    target = "(b)(7)(C)" if current != ["(b)(7)(C)"] else "(b)(6)"  # a change, whatever the policy chose
    keys(chrome, "e")
    assert chrome.switch_to.active_element.get_attribute("id") == "ex-select"
    Select(chrome.find_element("id", "ex-select")).select_by_value(target)
    assert _wait(lambda: next(it for d in load_plan(srv.workdir)["documents"] if d["id"] == doc_id
                              for it in d["redactions"] if it["id"] == item_id)["exemptions"] == [target]), \
        chrome.find_element("id", "msg").text
    item = next(it for d in load_plan(srv.workdir)["documents"] if d["id"] == doc_id
                for it in d["redactions"] if it["id"] == item_id)
    assert item["decided_by"] == "Sam" and item["rule"] == "reviewer" and target in item["reason"]
    assert console_errors(chrome) == []


def test_region_drawn_in_the_review_page_reaches_the_plan(chrome, review_server):
    """Key r, then drag across a kept date on the original page: the plan gets a region in
    the page's user space that covers that date."""
    from redactor.planfile import load_plan

    srv = review_server
    chrome.get(srv.url)
    assert _wait(lambda: chrome.execute_script("return document.querySelectorAll('#list .row').length") > 0)
    chrome.get_log("browser")
    name = chrome.find_element("id", "reviewer")
    name.clear()
    name.send_keys("Dora")
    data = load_plan(srv.workdir)
    pdf = next(d for d in data["documents"] if d["format"] == "pdf")
    kept = next(k for k in pdf["kept"] if k["entity"] == "DATE_TIME" and k["bbox"])
    target = chrome.find_element("css selector", f".sheet.orig .box[data-key='{pdf['id']}:{kept['id']}']")
    chrome.execute_script("arguments[0].scrollIntoView({block: 'center'})", target)
    assert _wait(lambda: chrome.execute_script(
        "const i = arguments[0].closest('.sheet').querySelector('img'); return i.complete && i.naturalWidth > 0",
        target))
    chrome.find_element("tag name", "body").click()
    keys(chrome, "r")
    rect = chrome.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.width, r.height]",
                                 target)
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    ab = ActionBuilder(chrome)
    ab.pointer_action.move_to_location(int(rect[0]) - 3, int(rect[1]) - 3).pointer_down() \
        .move_to_location(int(rect[0] + rect[2]) + 3, int(rect[1] + rect[3]) + 3).pointer_up()
    ab.perform()
    assert _wait(lambda: any(it.get("region") for d in load_plan(srv.workdir)["documents"] for it in d["redactions"])), \
        chrome.find_element("id", "msg").text
    region = next(it for d in load_plan(srv.workdir)["documents"] for it in d["redactions"] if it.get("region"))
    assert region["decided_by"] == "Dora" and region["page"] == kept["page"]
    rx0, ry0, rx1, ry1 = region["bbox"][0]
    kx0, ky0, kx1, ky1 = kept["bbox"][0]
    assert rx0 <= kx0 and ry0 <= ky0 and rx1 >= kx1 and ry1 >= ky1  # it covers the date...
    assert rx1 - rx0 < (kx1 - kx0) + 20 and ry1 - ry0 < (ky1 - ky0) + 20  # ...and not much more
    errors = console_errors(chrome)
    assert errors == [], errors[:3]
