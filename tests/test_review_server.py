"""`redactor review`: the local review server. 127.0.0.1 only, a per-session token on every
request, no other Host or Origin, decisions written atomically to plan.json with who and when."""

from __future__ import annotations

import http.client
import json
import shutil
import threading

import pytest
from typer.testing import CliRunner

from redactor.cli import app
from redactor.planfile import load_plan
from redactor.review_server import ReviewServer

from conftest import RECORDS

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])
runner = CliRunner()


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    src = tmp_path_factory.mktemp("in")
    shutil.copy(RECORDS / "police" / "incident-report-2023-0417.txt", src)
    shutil.copy(RECORDS / "minutes" / "board-minutes-2023-05.pdf", src)
    work = tmp_path_factory.mktemp("work") / "scan"
    r = runner.invoke(app, ["scan", str(src), "--out", str(work)])
    assert r.exit_code == 0, r.output
    return work


@pytest.fixture
def server(scanned, tmp_path):
    work = tmp_path / "scan"
    shutil.copytree(scanned, work)
    srv = ReviewServer(work, reviewer="tester")
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def request(srv, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=10)
    h = {"Host": f"127.0.0.1:{srv.server_address[1]}"}
    h.update(headers or {})
    data = json.dumps(body).encode() if body is not None else None
    if data is not None:
        h.setdefault("Content-Type", "application/json")
    conn.request(method, path, body=data, headers=h)
    res = conn.getresponse()
    out = res.status, res.read()
    conn.close()
    return out


def test_listens_on_loopback_only(server):
    assert server.server_address[0] == "127.0.0.1"
    assert server.url.startswith("http://127.0.0.1:") and f"token={server.token}" in server.url
    assert len(server.token) >= 32


def test_token_required(server):
    assert request(server, "GET", "/")[0] == 403
    assert request(server, "GET", "/?token=wrong")[0] == 403
    status, body = request(server, "GET", f"/?token={server.token}")
    assert status == 200 and b"CONTAINS WITHHELD INFORMATION" in body
    assert server.token.encode() in body  # the page sends it back with each decision
    status, _ = request(server, "POST", "/api/decide", {"doc": "d1", "id": "r1", "action": "reject"})
    assert status == 403


def test_other_host_or_origin_refused(server):
    ok = {"X-Redactor-Token": server.token}
    assert request(server, "GET", f"/?token={server.token}", headers={"Host": "evil.example"})[0] == 403
    status, _ = request(server, "POST", "/api/decide", {"doc": "d1", "id": "r1", "action": "reject"},
                        headers={**ok, "Origin": "http://evil.example"})
    assert status == 403
    status, _ = request(server, "POST", "/api/decide", {"doc": "d1", "id": "r1", "action": "reject"},
                        headers={**ok, "Content-Type": "text/plain"})
    assert status == 415


def test_page_images_only_from_pages_folder(server):
    data = load_plan(server.workdir)
    pdf = next(d for d in data["documents"] if d["format"] == "pdf")
    assert request(server, "GET", f"/pages/{pdf['id']}-orig-p1.png?token={server.token}")[0] == 200
    assert request(server, "GET", f"/pages/{pdf['id']}-orig-p1.png")[0] == 403
    for bad in ("/pages/../plan.json", "/pages/%2e%2e/plan.json", "/plan.json", "/pages/x.json"):
        assert request(server, "GET", f"{bad}?token={server.token}")[0] in (403, 404)


def test_decisions_written_to_plan_with_who_and_when(server):
    data = load_plan(server.workdir)
    doc = next(d for d in data["documents"] if d["format"] == "text")
    it = doc["redactions"][0]
    hdr = {"X-Redactor-Token": server.token}
    status, body = request(server, "POST", "/api/decide",
                           {"doc": doc["id"], "id": it["id"], "action": "reject", "reviewer": "erin"}, hdr)
    assert status == 200, body
    changed = json.loads(body)["changed"]
    assert any(c["item"]["id"] == it["id"] and c["item"]["status"] == "rejected" for c in changed)
    after = load_plan(server.workdir)
    it2 = next(x for x in next(d for d in after["documents"] if d["id"] == doc["id"])["redactions"]
               if x["id"] == it["id"])
    assert it2["status"] == "rejected" and it2["decided_by"] == "erin" and it2["decided_at"]
    assert after["history"][-1]["by"] == "erin" and after["history"][-1]["action"] == "reject"
    # Add by text search.
    status, body = request(server, "POST", "/api/add", {"query": "Investigations Division", "exemptions": ["(b)(7)(E)"]},
                           hdr)
    assert status == 200, body
    assert json.loads(body)["count"] >= 1
    assert any(x["status"] == "added" and x["decided_by"] == "tester"  # the server's default reviewer
               for d in load_plan(server.workdir)["documents"] for x in d["redactions"])
    # Bad requests: clear errors, plan unchanged.
    before = (server.workdir / "plan.json").read_bytes()
    status, body = request(server, "POST", "/api/decide", {"doc": "d1", "id": "r1", "action": "exemption",
                                                           "exemptions": ["(z)"]}, hdr)
    assert status == 400 and "catalogue" in json.loads(body)["error"]
    assert (server.workdir / "plan.json").read_bytes() == before
    assert not list(server.workdir.glob(".plan-*"))  # no temp file left behind


def test_review_refuses_a_folder_without_plan(tmp_path):
    r = runner.invoke(app, ["review", str(tmp_path)])
    assert r.exit_code == 2 and "redactor scan" in r.output
