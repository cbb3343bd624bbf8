"""Outbox worker: entries wait for a customs adapter; with one, the certificate is forwarded."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from originlink_service import outbox

from .conftest import auth


@pytest.fixture
def issued(client, api_key, certificate, ctx):
    resp = client.http.post(
        "/v1/certificates", headers=auth(api_key, "o-1"), body=json.dumps(certificate)
    )
    assert resp.status_code == 201
    return json.loads(resp.body)


def exporter(ctx):
    return ctx.store.list_api_keys()[0].exporter_id


def test_without_adapter_entries_stay_pending(ctx, issued):
    assert outbox.drain_once(ctx, adapters={}) == 0
    [entry] = ctx.store.list_outbox()
    assert entry.status == "pending" and entry.attempts == 0
    assert entry.last_error == "no customs adapter for VN yet"
    assert entry.next_attempt_at > issued["created_at"]
    assert ctx.store.get_certificate(exporter(ctx), issued["id"]).state == "issued"


def test_adapter_success_records_forwarded(ctx, issued):
    sent = []

    def adapter(record):
        sent.append(record.id)
        return {"reference": "VN-123"}

    assert outbox.drain_once(ctx, adapters={"VN": adapter}) == 1
    assert sent == [issued["id"]]
    record = ctx.store.get_certificate(exporter(ctx), issued["id"])
    assert record.state == "forwarded" and record.version == 3
    events = ctx.store.list_events(issued["id"])
    assert events[-1].detail == {"destination": "VN", "receipt": {"reference": "VN-123"}}
    assert [e.status for e in ctx.store.list_outbox()] == ["done"]
    assert outbox.drain_once(ctx, adapters={"VN": adapter}) == 0  # nothing left


def test_adapter_failure_retries_then_dead_letters(ctx, issued):
    def broken(record):
        raise ConnectionError("customs down")

    now = datetime.now(UTC)
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        outbox.drain_once(ctx, adapters={"VN": broken}, now=now)
        [entry] = ctx.store.list_outbox()
        assert entry.attempts == attempt
        assert entry.last_error == "ConnectionError: customs down"
        now += timedelta(seconds=400)  # past any backoff
    assert entry.status == "dead"
    assert ctx.store.get_certificate(exporter(ctx), issued["id"]).state == "issued"


def test_cancelled_before_forwarding_is_not_sent(client, api_key, ctx, issued):
    resp = client.http.post(
        f"/v1/certificates/{issued['id']}/cancel",
        headers=auth(api_key, "o-c"),
        body=json.dumps({"reason": "x"}),
    )
    assert resp.status_code == 200

    def adapter(record):  # pragma: no cover - must not be called
        raise AssertionError("a cancelled certificate was forwarded")

    assert outbox.drain_once(ctx, adapters={"VN": adapter}) == 0
    assert [e.status for e in ctx.store.list_outbox()] == ["done"]


def test_backoff_is_bounded():
    assert all(0 <= outbox.backoff_seconds(n) <= 300 for n in range(20))
