"""Exporters' webhooks: registered through the API, rung (HMAC-signed) for every status change,
retried with backoff, logged; a test ping. The receiver here stands for the exporter's ERP."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from originlink.exchange.signature import verify
from originlink_service import outbox
from originlink_service.auth import create_api_key

from .conftest import auth, create, load_example

SECRET = "erp-webhook-secret-0123456789abcdef"


class Receiver:
    """A webhook endpoint: keeps what it receives; fails the first `failures` requests."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.failures = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    failing = receiver.failures > 0
                    receiver.failures -= 1 if failing else 0
                    if not failing:
                        receiver.received.append((dict(self.headers), raw))
                self.send_response(500 if failing else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/rcep_eco/webhook"

    def bodies(self) -> list[dict]:
        with self.lock:
            return [json.loads(raw) for _, raw in self.received]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def register(client, key, url, secret=SECRET):
    body = {"url": url} if secret is None else {"url": url, "secret": secret}
    resp = client.http.put("/v1/webhook", headers=auth(key), body=json.dumps(body))
    return resp.status_code, json.loads(resp.body)


def test_registration_shows_the_secret_only_when_it_made_it(client, api_key, receiver):
    status, hook = register(client, api_key, receiver.url)
    assert status == 200 and hook["secret_hint"] == SECRET[-4:] and "secret" not in hook
    status, generated = register(client, api_key, receiver.url, secret=None)
    assert generated["secret"].startswith("whsec_") and len(generated["secret"]) > 40
    shown = json.loads(client.http.get("/v1/webhook", headers=auth(api_key)).body)
    assert "secret" not in shown and shown["secret_hint"] == generated["secret"][-4:]
    assert shown["created_at"] == hook["created_at"]  # changed, not re-created
    assert client.http.delete("/v1/webhook", headers=auth(api_key)).status_code == 204
    assert client.http.get("/v1/webhook", headers=auth(api_key)).status_code == 404


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://93.184.216.34/hook", "https:// is required"),
        ("https://127.0.0.1/hook", "non-public address"),
        ("https://10.1.2.3/hook", "non-public address"),
        ("https://169.254.169.254/latest/meta-data", "non-public address"),  # cloud metadata
        ("https://user:pw@93.184.216.34/hook", "no user or password"),
        ("ftp://93.184.216.34/hook", "http:// or https://"),
    ],
)
def test_public_deployments_refuse_webhooks_into_private_networks(
    ctx, client, api_key, url, reason
):
    ctx.settings.webhook_networks = "public"
    status, answer = register(client, api_key, url)
    assert status == 422 and reason in answer["detail"], answer
    assert answer["errors"][0]["path"] == "url"


def test_a_short_secret_is_refused(client, api_key, receiver):
    status, answer = register(client, api_key, receiver.url, secret="short")
    assert status == 422 and answer["errors"][0]["path"] == "secret"


def test_every_status_change_rings_the_webhook_signed(ctx, peer, client, api_key, receiver):
    register(client, api_key, receiver.url)
    created = create(client, api_key, load_example("certificate-declaration.json"), "wh-1")
    outbox.drain_once(ctx)
    assert peer.sim.wait_idle()
    outbox.drain_once(ctx)  # the deliveries the callbacks queued
    seen = [
        (b["data"]["event"]["type"], b["data"]["certificate"]["state"]) for b in receiver.bodies()
    ]
    assert {t for t, _ in seen} == {"issued", "forwarded", "customs_received", "customs_accepted"}
    assert ("customs_accepted", "accepted") in seen
    for headers, raw in receiver.received:
        assert verify(SECRET, headers, raw).ok  # what the addon will check
        body = json.loads(raw)
        assert headers["OriginLink-Message-Id"] == body["id"]
        assert headers["OriginLink-Event"] == "certificate.status_changed"
        assert body["data"]["certificate"]["id"] == created["id"]
    log = json.loads(client.http.get("/v1/webhook/deliveries", headers=auth(api_key)).body)
    assert {d["status"] for d in log["items"]} == {"delivered"}
    assert len(log["items"]) == len(receiver.received)


def test_a_failing_receiver_is_retried_with_backoff_and_logged(ctx, client, api_key, receiver):
    register(client, api_key, receiver.url)
    receiver.failures = 2
    create(client, api_key, load_example("certificate-declaration.json"), "wh-2")  # paper: 1 event
    now = datetime.now(UTC)
    assert outbox.drain_once(ctx, now=now) == 0
    [pending] = json.loads(client.http.get("/v1/webhook/deliveries", headers=auth(api_key)).body)[
        "items"
    ]
    assert pending["status"] == "pending" and pending["attempts"] == 1
    assert pending["history"][0]["status"] == 500 and pending["next_attempt_at"]
    assert outbox.drain_once(ctx, now=now + timedelta(seconds=1)) == 0  # not due yet
    assert outbox.drain_once(ctx, now=now + timedelta(seconds=700)) == 0  # fails again
    assert outbox.drain_once(ctx, now=now + timedelta(seconds=1400)) == 1
    [done] = json.loads(client.http.get("/v1/webhook/deliveries", headers=auth(api_key)).body)[
        "items"
    ]
    assert done["status"] == "delivered" and done["attempts"] == 2 and len(done["history"]) == 3
    assert [b["data"]["event"]["type"] for b in receiver.bodies()] == ["issued"]


def test_the_test_ping_says_what_came_back(client, api_key, receiver):
    assert client.http.post("/v1/webhook/test", headers=auth(api_key)).status_code == 404
    register(client, api_key, receiver.url)
    answer = json.loads(client.http.post("/v1/webhook/test", headers=auth(api_key)).body)
    assert answer["delivered"] is True and answer["status"] == 204
    [(headers, raw)] = receiver.received
    assert json.loads(raw)["type"] == "ping" and verify(SECRET, headers, raw).ok
    receiver.server.shutdown()
    receiver.server.server_close()
    down = json.loads(client.http.post("/v1/webhook/test", headers=auth(api_key)).body)
    assert down["delivered"] is False and down["error"]


def test_deliveries_stop_when_the_webhook_is_removed_and_are_per_exporter(
    ctx, client, api_key, receiver
):
    register(client, api_key, receiver.url)
    create(client, api_key, load_example("certificate-declaration.json"), "wh-3")
    client.http.delete("/v1/webhook", headers=auth(api_key))
    assert outbox.drain_once(ctx) == 0
    [skipped] = json.loads(client.http.get("/v1/webhook/deliveries", headers=auth(api_key)).body)[
        "items"
    ]
    assert skipped["status"] == "skipped" and receiver.received == []
    other = create_api_key(ctx.store, "globex")[2]
    log = json.loads(client.http.get("/v1/webhook/deliveries", headers=auth(other)).body)
    assert log == {"items": []}


def test_a_webhook_url_is_checked_again_at_each_delivery(ctx, client, api_key, receiver):
    """Registered while allowed; the policy (or what the name resolves to) changed since."""
    register(client, api_key, receiver.url)
    create(client, api_key, load_example("certificate-declaration.json"), "wh-4")
    ctx.settings.webhook_networks = "public"  # now http://127.0.0.1 is refused
    assert outbox.drain_once(ctx) == 0
    [skipped] = json.loads(client.http.get("/v1/webhook/deliveries", headers=auth(api_key)).body)[
        "items"
    ]
    assert skipped["status"] == "skipped" and receiver.received == []
    assert "refused now" in ctx.store.get_outbox(skipped["id"]).outcome["skipped"]
