"""`redactor review DIR`: the review page of a scan, served on 127.0.0.1 only, for one
reviewer session.

- Binds to 127.0.0.1 (never another interface) on a free port; standard library only.
- A per-session token (random, 192 bits) is in the URL printed at start; every request must
  carry it (the page's query string for the page and its images, the X-Redactor-Token header
  for decisions). The Host header must name 127.0.0.1 or localhost at our port (no DNS
  rebinding), and a cross-site Origin is refused.
- Each decision is written back to DIR/plan.json at once, atomically (temp file + fsync +
  rename), under a lock, with who decided what and when (``planfile.decide``).
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from .errors import RedactorError
from .planfile import add_by_text, decide, load_plan, save_plan

HOST = "127.0.0.1"
MAX_BODY = 1 << 20
_PAGE_NAME = re.compile(r"^[A-Za-z0-9_.-]+\.png$")


class ReviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, workdir: Path, port: int = 0, reviewer: str = ""):
        self.workdir = workdir
        self.token = secrets.token_urlsafe(24)
        self.reviewer = reviewer
        self.lock = threading.Lock()
        load_plan(workdir)  # fail now, not on the first request
        super().__init__((HOST, port), _Handler)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/?token={self.token}"


class _Handler(BaseHTTPRequestHandler):
    server: ReviewServer
    server_version = "redactor-review"
    sys_version = ""

    def log_message(self, fmt, *args):  # no request log on the terminal (URLs carry the token)
        pass

    # ----------------------------------------------------------------- checks
    def _host_ok(self) -> bool:
        port = self.server.server_address[1]
        host = (self.headers.get("Host") or "").strip().lower()
        if host not in (f"127.0.0.1:{port}", f"localhost:{port}"):
            return False
        origin = self.headers.get("Origin")
        return origin in (None, "null", f"http://127.0.0.1:{port}", f"http://localhost:{port}")

    def _token_ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self.server.token.encode())

    def _send(self, status: int, body: bytes, ctype: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: dict) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

    def _deny(self, status=HTTPStatus.FORBIDDEN, why="forbidden") -> None:
        self._send(status, why.encode(), "text/plain; charset=utf-8")

    # ----------------------------------------------------------------- GET
    def do_GET(self) -> None:  # noqa: N802
        if not self._host_ok():
            return self._deny(why="wrong host")
        url = urlsplit(self.path)
        if url.path == "/favicon.ico":  # browsers ask for it without the token
            return self._send(HTTPStatus.NO_CONTENT, b"", "image/x-icon")
        token = (parse_qs(url.query).get("token") or [None])[0]
        if not self._token_ok(token):
            return self._deny(why="missing or wrong session token: use the URL printed by `redactor review`")
        if url.path in ("/", "/index.html"):
            from .planfile import ADDED_ENTITY  # noqa: F401 -- keeps the page and the plan in step
            from .review_flow import write_scan_review

            with self.server.lock:
                data = load_plan(self.server.workdir)
            html = write_scan_review(data, self.server.workdir, render=False, review={
                "token": self.server.token, "exemptions": sorted(data["exemptions"]),
                "reviewer": self.server.reviewer})
            return self._send(HTTPStatus.OK, html.encode("utf-8"), "text/html; charset=utf-8")
        if url.path.startswith("/pages/"):
            name = url.path[len("/pages/"):]
            path = self.server.workdir / "pages" / name
            if not _PAGE_NAME.match(name) or not path.is_file():
                return self._deny(HTTPStatus.NOT_FOUND, "no such page image")
            return self._send(HTTPStatus.OK, path.read_bytes(), "image/png")
        return self._deny(HTTPStatus.NOT_FOUND, "not found")

    # ----------------------------------------------------------------- POST
    def do_POST(self) -> None:  # noqa: N802
        if not self._host_ok():
            return self._deny(why="wrong host")
        if not self._token_ok(self.headers.get("X-Redactor-Token")):
            return self._json(HTTPStatus.FORBIDDEN, {"error": "missing or wrong session token"})
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            return self._json(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": "send JSON"})
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            n = -1
        if n < 0 or n > MAX_BODY:
            return self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "request too large"})
        try:
            body = json.loads(self.rfile.read(n) or b"{}")
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            return self._json(HTTPStatus.BAD_REQUEST, {"error": "not a JSON object"})
        reviewer = str(body.get("reviewer") or self.server.reviewer or "")
        path = urlsplit(self.path).path
        try:
            with self.server.lock:
                data = load_plan(self.server.workdir)
                if path == "/api/decide":
                    changed = decide(data, str(body.get("doc")), str(body.get("id")), str(body.get("action")),
                                     reviewer, body.get("exemptions"))
                    save_plan(self.server.workdir, data)
                    out = {"changed": [{"doc": e["id"], "item": _public(it)} for e, it in changed]}
                elif path == "/api/add":
                    added = add_by_text(data, str(body.get("query") or ""), body.get("exemptions") or [],
                                        reviewer, str(body.get("reason") or ""))
                    save_plan(self.server.workdir, data)
                    out = {"added": {k: [_public(it) for it in v] for k, v in added.items()},
                           "count": sum(len(v) for v in added.values())}
                elif path == "/api/region":
                    it = self._region(data, body, reviewer)
                    save_plan(self.server.workdir, data)
                    out = {"added": {str(body.get("doc")): [_public(it)]}, "count": 1}
                else:
                    return self._json(HTTPStatus.NOT_FOUND, {"error": "no such action"})
        except RedactorError as exc:
            return self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
        return self._json(HTTPStatus.OK, out)


    def _region(self, data: dict, body: dict, reviewer: str) -> dict:
        """A region drawn on the page image ([left, top, width, height] fractions of the
        displayed page) -> a box in the page's default user space -> the plan."""
        from .planfile import PlanFileError, add_region
        from .review_report import fraction_to_box

        doc, page, frac = str(body.get("doc")), body.get("page"), body.get("box")
        if not isinstance(page, int) or not isinstance(frac, list) or len(frac) != 4 or \
                not all(isinstance(v, (int, float)) and -0.01 <= v <= 1.01 for v in frac):
            raise PlanFileError("give the page and the region as four fractions of the page")
        try:
            index = json.loads((self.server.workdir / "pages" / "index.json").read_text(encoding="utf-8"))
            info = index[f"{doc}-orig"][page - 1]
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            raise PlanFileError("that page has no rendered image to draw on") from None
        box = fraction_to_box(frac, info["crop"], info["rotation"])
        return add_region(data, doc, page, box, body.get("exemptions") or [], reviewer, str(body.get("reason") or ""))


def _public(it: dict) -> dict:
    x = {k: v for k, v in it.items() if k != "finding"}
    x.setdefault("release_bbox", it.get("bbox", []))
    return x


def serve(workdir: Path, port: int = 0, reviewer: str = "", ready=None) -> None:
    """Serve until interrupted. ``ready(server)`` is called once listening (prints the URL)."""
    server = ReviewServer(workdir, port=port, reviewer=reviewer)
    try:
        if ready:
            ready(server)
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
