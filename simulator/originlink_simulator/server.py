"""The simulator on HTTP (the standard library's threading server, HTTP/1.1 keep-alive).

POST /customs/{party}/messages        a destination's customs
POST /issuing/{body}/applications     an issuing body
GET  /.well-known/jwks.json           the issuing bodies' public keys
GET  /healthz
GET  /control/stats                   counters: requests, messages, unique, duplicates, …
GET  /control/messages                what was taken in, one line per message
POST /control/faults                  {"status": 503, "count": 3, "delay_seconds": 2,
                                       "drop_connection": false, "after_processing": false,
                                       "duplicate_callbacks": false, "out_of_order": false,
                                       "parties": ["VN"]}
DELETE /control/faults
POST /control/reset
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .peer import Faults, Refused, Simulator

log = logging.getLogger("originlink.simulator")
MAX_BODY = 8 * 1024 * 1024
ROUTES = {
    "customs": re.compile(r"^/customs/([A-Z]{2})/messages$"),
    "issuing": re.compile(r"^/issuing/([A-Z]{2}-[A-Z0-9]{2,16})/applications$"),
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "OriginLinkCustomsSimulator/1"
    # Headers and body leave in one segment, without Nagle: otherwise every keep-alive answer
    # waits for the client's delayed ACK (~40 ms).
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True
    simulator: Simulator  # set on the subclass the server builds

    def log_message(self, fmt, *args):  # quiet unless asked
        log.debug("%s " + fmt, self.address_string(), *args)

    def _answer(self, status: int, body: dict | list) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise Refused(413, "too_large", "message too large")
        return self.rfile.read(length) if length else b""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        sim = self.simulator
        if self.path == "/healthz":
            return self._answer(200, {"status": "ok"})
        if self.path == "/.well-known/jwks.json":
            return self._answer(200, sim.jwks())
        if self.path == "/control/stats":
            return self._answer(200, sim.stats())
        if self.path == "/control/messages":
            return self._answer(200, list(sim.log))
        return self._answer(404, {"error": "not_found"})

    def do_DELETE(self):  # noqa: N802
        if self.path == "/control/faults":
            self.simulator.faults = Faults()
            return self._answer(200, {"faults": None})
        return self._answer(404, {"error": "not_found"})

    def do_POST(self):  # noqa: N802
        sim = self.simulator
        try:
            body = self._body()
        except Refused as exc:
            self.close_connection = True
            return self._answer(exc.status, {"error": exc.code, "detail": exc.detail})
        if self.path == "/control/faults":
            sim.faults = Faults(**json.loads(body or b"{}"))
            return self._answer(200, {"faults": vars(sim.faults)})
        if self.path == "/control/reset":
            sim.reset()
            return self._answer(200, {"reset": True})
        for role, pattern in ROUTES.items():
            match = pattern.match(self.path)
            if match:
                return self._message(role, match.group(1), body)
        return self._answer(404, {"error": "not_found"})

    def _message(self, role: str, peer: str, body: bytes) -> None:
        sim = self.simulator
        faults = sim.faults if sim.faults.applies(peer) else Faults()
        if faults.delay_seconds:
            time.sleep(faults.delay_seconds)  # the fault asked for: a slow peer
        struck = faults.request_fault()
        if struck and not faults.after_processing:
            return self._fault(faults)
        try:
            status, answer = sim.receive(role, peer, self.headers, body)
        except Refused as exc:
            return self._answer(exc.status, {"error": exc.code, "detail": exc.detail})
        if struck:  # taken in, but the answer is lost
            return self._fault(faults)
        self._answer(status, answer)

    def _fault(self, faults: Faults) -> None:
        if faults.drop_connection:
            self.close_connection = True
            self.connection.shutdown(2)  # no answer at all
            return
        self._answer(faults.status or 503, {"error": "simulated_fault"})


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], simulator: Simulator):
        handler = type("BoundHandler", (Handler,), {"simulator": simulator})
        super().__init__(address, handler)
        self.simulator = simulator

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SimulatorServer:
        threading.Thread(target=self.serve_forever, name="simulator", daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.simulator.stop()


def http_jwks(service_url: str):
    """The service's published keys — its key set and, where it has one, its sandbox key set
    (a simulated peer also takes sandbox certificates) — fetched and kept, and fetched again
    when asked to refresh (a message signed with a key we do not know yet)."""
    lock = threading.Lock()
    cache: dict = {}

    def fetch(path: str) -> list:
        try:
            with urllib.request.urlopen(service_url + path, timeout=5) as answer:
                return json.loads(answer.read()).get("keys", [])
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return []
            raise

    def jwks(refresh: bool) -> dict:
        with lock:
            if refresh or "keys" not in cache:
                keys = fetch("/.well-known/jwks.json") + fetch("/.well-known/sandbox/jwks.json")
                cache.clear()
                cache["keys"] = keys
            return dict(cache)

    return jwks


def http_callbacks(service_url: str):
    """POST a callback to the service; (status, JSON answer)."""

    def post(peer: str, body: bytes, headers: dict) -> tuple[int, dict]:
        request = urllib.request.Request(
            f"{service_url}/v1/customs/{peer}/callbacks", data=body, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                return exc.code, json.loads(exc.read() or b"{}")
            except ValueError:
                return exc.code, {}

    return post
