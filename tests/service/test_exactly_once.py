"""Exactly once under load, over real HTTP against `originlink serve` with two worker
processes (eight threads each), on the backend of the run: SQLite, or DynamoDB + KMS + SQS on
the moto server (`make test-aws`).

- 200 concurrent submissions, 20 % of them duplicates of another's Idempotency-Key: one
  certificate per key, every duplicate answered with the first answer byte for byte.
- cancel and replace of the same certificate at the same moment: exactly one wins, the other
  is refused with nothing written, and no replacement is left without its original's link.

moto does not serialise transactions (tests/moto_server.py takes one request at a time so that
each call is atomic, as a DynamoDB transaction is); DynamoDB's cancellation of a transaction
that meets another in flight is injected deterministically in test_dynamodb_limits.py."""

from __future__ import annotations

import copy
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from originlink_service import lifecycle
from originlink_service import settings as settings_module

from .conftest import RunningServer, auth

pytestmark = pytest.mark.http


@pytest.fixture
def busy_server(tmp_path, monkeypatch):
    """A server of its own for each test (with its own table on the AWS backend). VN is a
    connected destination (never reached), so that each certificate queues one message."""
    connected = tmp_path / "customs.toml"
    connected.write_text(
        '[destinations.VN]\nmode = "direct"\nendpoint = "http://127.0.0.1:9/never"\n'
        'credentials = "env:NOT_USED_HERE"\n'
    )
    monkeypatch.setenv("ORIGINLINK_CUSTOMS_CONFIG", str(connected))
    running = RunningServer(tmp_path / "data", workers=2, threads=8)
    running.start()
    yield running
    running.stop()


def store_of(server: RunningServer):
    """The server's store, read from this process with the server's own settings."""
    import storage_backend

    return settings_module.Context(storage_backend.current().settings(server.data_dir)).store


def post(session, server, path, body, idem):
    response = session.post(
        server.base + path,
        headers=auth(server.demo_key, idem),
        data=json.dumps(body),
        timeout=60,
    )
    return response.status_code, response.headers.get("Idempotent-Replayed"), response.content


def test_200_concurrent_submissions_with_duplicated_keys(busy_server, certificate):
    server = busy_server
    requests_ = []
    for i in range(160):
        cert = copy.deepcopy(certificate)
        cert["number"] = f"R-EXO-{i:03d}"
        requests_.append((f"exo-{i}", cert))
    requests_ += [requests_[i * 4] for i in range(40)]  # 20 % duplicates, interleaved below
    order = [requests_[160 + i // 2] if i % 2 else requests_[i // 2] for i in range(80)]
    order += requests_[40:160]
    assert len(order) == 200
    barrier = threading.Barrier(32)
    local = threading.local()

    def send(item):
        key, cert = item
        if not hasattr(local, "session"):
            local.session = requests.Session()
            barrier.wait()  # the first wave starts together
        return key, post(local.session, server, "/v1/certificates", cert, key)

    with ThreadPoolExecutor(32) as pool:
        answers = list(pool.map(send, order))

    by_key: dict[str, list] = {}
    for key, answer in answers:
        by_key.setdefault(key, []).append(answer)
    assert len(by_key) == 160
    for key, got in by_key.items():
        assert {status for status, _, _ in got} == {201}, (key, got[0][2][:300])
        assert len({content for _, _, content in got}) == 1  # byte for byte the same answer
        assert sum(replayed != "true" for _, replayed, _ in got) == 1
    created = {json.loads(got[0][2])["id"] for got in by_key.values()}
    assert len(created) == 160

    store = store_of(server)
    exporter_id = store.get_exporter_by_name("demo").id
    listed, after = [], None
    while True:
        page, after = store.list_certificates(exporter_id, limit=200, after=after)
        listed += page
        if after is None:
            break
    ours = [r for r in listed if r.number.startswith("R-EXO-")]
    assert {r.id for r in ours} == created
    assert len({r.number for r in ours}) == 160
    outbox = [e for e in store.list_outbox(limit=10_000) if e.certificate_id in created]
    assert len([e for e in outbox if e.kind == "forward"]) == 160
    for record in ours[:10]:
        assert lifecycle.verify_chain(store.list_events(record.id)) == []


def test_cancel_and_replace_racing_on_the_same_certificate(busy_server, certificate):
    server = busy_server
    session = requests.Session()
    originals = []
    for i in range(24):
        cert = copy.deepcopy(certificate)
        cert["number"] = f"R-RACE-{i:03d}"
        status, _, content = post(session, server, "/v1/certificates", cert, f"race-{i}")
        assert status == 201, content[:300]
        originals.append(json.loads(content))

    def action(args):
        kind, original, barrier = args
        barrier.wait()
        if kind == "cancel":
            body = {"reason": "shipment cancelled"}
        else:
            doc = copy.deepcopy(original["certificate"])
            doc["goods_items"][0]["description"] += " (corrected)"
            body = {"certificate": doc, "reason": "wrong description"}
        path = f"/v1/certificates/{original['id']}/{kind}"
        return kind, original["id"], post(requests, server, path, body, f"{kind}-{original['id']}")

    jobs = []
    for original in originals:
        barrier = threading.Barrier(2)
        jobs += [("cancel", original, barrier), ("replace", original, barrier)]
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(action, jobs))

    store = store_of(server)
    exporter_id = store.get_exporter_by_name("demo").id
    outcome: dict[str, dict] = {}
    for kind, cid, (status, _, content) in results:
        outcome.setdefault(cid, {})[kind] = (status, json.loads(content))
    winners = {"cancel": 0, "replace": 0}
    for cid, got in outcome.items():
        (c_status, c_body), (r_status, r_body) = got["cancel"], got["replace"]
        won = [k for k, s in (("cancel", c_status), ("replace", r_status)) if s in (200, 201)]
        assert len(won) == 1, (cid, c_status, r_status)
        loser = r_body if won == ["cancel"] else c_body
        assert loser["status"] == 409 and loser["code"] in ("invalid_state", "version_conflict")
        winners[won[0]] += 1
        record = store.get_certificate(exporter_id, cid)
        events = store.list_events(cid)
        assert lifecycle.verify_chain(events) == []
        if won == ["cancel"]:
            assert record.state == "cancelled" and record.replaced_by is None
        else:
            assert record.state == "replaced" and record.replaced_by == r_body["id"]
            replacement = store.get_certificate(exporter_id, r_body["id"])
            assert replacement.replaces == cid
        assert [e.type for e in events][-1] == won[0] + ("led" if won[0] == "cancel" else "d")
    # No replacement was written for a certificate the cancel won.
    listed, after = [], None
    while True:
        page, after = store.list_certificates(exporter_id, limit=200, after=after)
        listed += page
        if after is None:
            break
    ids = {o["id"] for o in originals}
    replacements = [r for r in listed if r.replaces in ids]
    assert len(replacements) == winners["replace"]
    assert {r.replaces for r in replacements} == {
        cid for cid, got in outcome.items() if got["replace"][0] == 201
    }
