"""Over real HTTP against `originlink serve` (gunicorn) on a loopback port."""

from __future__ import annotations

import copy
import http.client
import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import storage_backend

from originlink.signing import verify_jws

from .conftest import ROOT, RunningServer, auth

pytestmark = pytest.mark.http


def create(base, key, cert, idem, session=None):
    return (session or requests).post(
        base + "/v1/certificates", headers=auth(key, idem), data=json.dumps(cert), timeout=30
    )


def test_happy_path_over_http(server, certificate):
    resp = create(server.base, server.demo_key, certificate, "http-1")
    assert resp.status_code == 201, resp.text
    doc = resp.json()
    assert resp.headers["Location"] == f"/v1/certificates/{doc['id']}"
    jwks = requests.get(server.base + "/.well-known/jwks.json", timeout=10).json()
    assert verify_jws(doc["signature"]["jws"], jwks)["digest"] == doc["digest"]
    got = requests.get(
        server.base + doc["links"]["self"], headers=auth(server.demo_key), timeout=10
    )
    assert got.json() == doc


def test_keep_alive_connection_is_reused(server):
    """Twenty requests on one HTTP/1.1 connection (stock `chalice local` stalls here)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        conn.request("GET", "/healthz")
        first = conn.getresponse()
        first.read()
        sock = conn.sock
        for _ in range(19):
            conn.request("GET", "/.well-known/jwks.json")
            response = conn.getresponse()
            assert response.status == 200 and json.loads(response.read())["keys"]
            assert not response.will_close
            assert conn.sock is sock  # the same TCP connection
    finally:
        conn.close()


def test_concurrent_requests_each_see_their_own_request(server, certificate):
    """Thread safety of current_request: sixteen different bodies at once, each answer must
    carry its own certificate number."""

    def one(i):
        cert = copy.deepcopy(certificate)
        cert["number"] = f"R-PAR-{i:03d}"
        resp = create(server.base, server.demo_key, cert, f"par-{i}")
        return cert["number"], resp.status_code, resp.json().get("number")

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(one, range(16)))
    assert all(status == 201 for _, status, _ in results)
    assert all(sent == got for sent, _, got in results)


def test_concurrent_duplicates_over_http_create_exactly_one(server, certificate):
    cert = copy.deepcopy(certificate)
    cert["number"] = "R-DUP-001"
    barrier = threading.Barrier(8)

    def one(_):
        barrier.wait()
        return create(server.base, server.demo_key, cert, "dup-key")

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, range(8)))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") != "true" for a in answers) == 1
    listing = requests.get(
        server.base + "/v1/certificates?limit=200", headers=auth(server.demo_key), timeout=10
    ).json()
    assert sum(c["number"] == "R-DUP-001" for c in listing["items"]) == 1


def test_errors_over_http_are_problems(server):
    huge = b'{"remarks": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    resp = requests.post(
        server.base + "/v1/certificates",
        headers=auth(server.demo_key, "big"),
        data=huge,
        timeout=30,
    )
    assert resp.status_code == 413 and resp.json()["code"] == "body_too_large"
    resp = requests.get(server.base + "/no/such/route", timeout=10)
    assert resp.status_code == 404
    assert resp.headers["Content-Type"] == "application/problem+json"
    resp = requests.post(
        server.base + "/v1/certificates", headers=auth(server.demo_key, "m"), data="{", timeout=10
    )
    assert resp.status_code == 400 and resp.json()["code"] == "malformed_json"
    resp = requests.get(server.base + "/v1/certificates", timeout=10)
    assert resp.status_code == 401 and resp.json()["code"] == "unauthenticated"


def test_restart_loses_nothing(tmp_path, certificate):
    first = RunningServer(tmp_path / "data").start()
    try:
        key = first.demo_key
        created = create(first.base, key, certificate, "restart-1").json()
        cancel = requests.post(
            first.base + f"/v1/certificates/{created['id']}/cancel",
            headers=auth(key, "restart-c"),
            data=json.dumps({"reason": "test"}),
            timeout=10,
        )
        assert cancel.status_code == 200
        jwks_before = requests.get(first.base + "/.well-known/jwks.json", timeout=10).json()
    finally:
        first.stop()
    assert b"Demo exporter 'demo' API key: " + key.encode() in first.output

    second = RunningServer(tmp_path / "data").start()
    try:
        assert second.demo_key == key  # same demo exporter and key
        got = requests.get(
            second.base + f"/v1/certificates/{created['id']}", headers=auth(key), timeout=10
        ).json()
        assert got["state"] == "cancelled" and got["digest"] == created["digest"]
        events = requests.get(
            second.base + f"/v1/certificates/{created['id']}/events", headers=auth(key), timeout=10
        ).json()
        assert [e["type"] for e in events["items"]] == ["received", "issued", "cancelled"]
        assert events["chain_intact"] is True
        replay = create(second.base, key, certificate, "restart-1")
        assert replay.status_code == 201 and replay.json() == created
        jwks_after = requests.get(second.base + "/.well-known/jwks.json", timeout=10).json()
        assert jwks_after == jwks_before
        assert (
            verify_jws(created["signature"]["jws"], jwks_after)["public_id"] == created["public_id"]
        )
    finally:
        second.stop()
    outbox = subprocess.run(
        [
            sys.executable,
            "-m",
            "originlink",
            "outbox",
            "list",
            "--data-dir",
            str(tmp_path / "data"),
        ],
        cwd=ROOT,
        env={**os.environ, **storage_backend.current().env(tmp_path / "data")},
        capture_output=True,
        text=True,
        check=True,
    )
    # Nothing waits: VN is not connected in the default configuration (paper-parallel).
    assert json.loads(outbox.stdout) == []
