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


def test_a_thousand_pages_open_in_seconds(chrome, run, tmp_path):
    """A 1,000-page set: the page opens and lists every finding in seconds, and only the page
    images in view are loaded (lazy loading)."""
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
    started = time.monotonic()
    chrome.get((folder / "report.html").as_uri())
    for _ in range(400):
        if chrome.execute_script("return document.querySelectorAll('#list .row').length") == len(items):
            break
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    assert chrome.execute_script("return document.querySelectorAll('#list .row').length") == len(items)
    assert elapsed < 10, elapsed
    loaded = chrome.execute_script("return [...document.querySelectorAll('.sheet img')].filter(i => i.complete && "
                                   "i.naturalWidth > 0).length")
    assert loaded < 100, loaded  # not all 2,000 images
    assert console_errors(chrome) == []
