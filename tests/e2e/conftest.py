"""End to end over real HTTP, in separate processes, as `make run` runs it: `originlink serve
--simulator` (the service and the customs simulator) and a scripted exporter — an ERP that
issues through the API and listens on its own webhook. The Odoo leg (a real Odoo receiving the
same webhook, the page checked in Chromium) is `rcep_eco`'s `TestCustomsLoop`, which `make e2e`
runs next when Odoo is found (docs/customs.md#end-to-end)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from service.conftest import free_port, load_example  # noqa: F401  (re-exported)

from originlink.exchange.signature import verify

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_SECRET = "scripted-exporter-webhook-secret-0123456789"


class Stack:
    """`originlink serve --simulator` on free loopback ports."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port, self.sim_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.simulator = f"http://127.0.0.1:{self.sim_port}"
        self.proc = None
        self.output = b""

    def start(self) -> Stack:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ORIGINLINK_")}
        env["PYTHONUNBUFFERED"] = "1"
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "originlink", "serve", "--simulator",
                "--host", "127.0.0.1", "--port", str(self.port),
                "--simulator-port", str(self.sim_port),
                "--data-dir", str(self.data_dir), "--workers", "2", "--quiet",
            ],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.proc.stdout.read().decode())
            try:
                if requests.get(self.base + "/healthz", timeout=1).ok:
                    return self
            except requests.RequestException:  # not listening yet, or still booting (slow)
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the stack did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.output += self.proc.communicate(timeout=20)[0]
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.output += self.proc.communicate()[0]

    @property
    def key(self) -> str:
        return (self.data_dir / "demo-api-key").read_text().strip()


class Exporter:
    """The scripted exporter: the API on one side, its webhook endpoint on the other. Every
    delivery's signature is checked the way the Odoo addon will check it."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {stack.key}"
        self.deliveries: list[dict] = []
        self.bad_signatures = 0
        self._changed = threading.Condition()
        exporter = self

        class Hook(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                ok = verify(WEBHOOK_SECRET, dict(self.headers), raw).ok
                with exporter._changed:
                    if ok:
                        exporter.deliveries.append(json.loads(raw))
                    else:
                        exporter.bad_signatures += 1
                    exporter._changed.notify_all()
                self.send_response(204 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.hook = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
        threading.Thread(target=self.hook.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{self.hook.server_address[1]}/rcep_eco/webhook"
        answer = self.session.put(
            stack.base + "/v1/webhook", json={"url": url, "secret": WEBHOOK_SECRET}, timeout=10
        )
        assert answer.status_code == 200, answer.text

    def call(self, method: str, path: str, body=None, *, idempotent: bool = False):
        headers = {"Idempotency-Key": str(uuid.uuid4())} if idempotent else {}
        return self.session.request(
            method, self.stack.base + path, json=body, headers=headers, timeout=15
        )

    def issue(self, document: dict) -> dict:
        answer = self.call("POST", "/v1/certificates", document, idempotent=True)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def wait_for(
        self,
        certificate_id: str,
        state: str | None = None,
        *,
        event: str | None = None,
        timeout: float = 30.0,
    ) -> dict:
        """Until a webhook says the certificate reached `state` (or had `event`): the doorbell
        rang; then the certificate as the API has it."""

        def reached():
            return any(
                d["data"]["certificate"]["id"] == certificate_id
                and (state is None or d["data"]["certificate"]["state"] == state)
                and (event is None or d["data"]["event"]["type"] == event)
                for d in self.deliveries
            )

        with self._changed:
            assert self._changed.wait_for(reached, timeout), (
                state,
                event,
                self.events(certificate_id),
            )
        return self.call("GET", f"/v1/certificates/{certificate_id}").json()

    def events(self, certificate_id: str) -> list[dict]:
        return self.call("GET", f"/v1/certificates/{certificate_id}/events").json()["items"]

    def close(self) -> None:
        self.hook.shutdown()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    running = Stack(tmp_path_factory.mktemp("e2e") / "data").start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def exporter(stack):
    erp = Exporter(stack)
    yield erp
    erp.close()
