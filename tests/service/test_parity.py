"""Parity: the same requests, sent to the service on SQLite + a local key and on DynamoDB +
KMS + SQS (a moto server over HTTP), get the same answers — status, headers and bodies equal
once the values that are random by design (ids, public ids, times, signatures, key ids, event
hashes) are named by order of first appearance, and byte for byte where the API promises it
(an idempotent replay repeats its first answer exactly, on each backend).

Runs in the plain run (`make test-py`), which starts a moto server for it; `make test-aws`
runs every service and verification test on the AWS backend as well."""

from __future__ import annotations

import copy
import json
import re

import pytest
import storage_backend
from chalice.test import Client

from originlink_service import settings as settings_module
from originlink_service.auth import create_api_key
from originlink_service.storage.dynamodb import DynamoStore
from originlink_service.storage.sqlite import SqliteStore

from .conftest import load_example

# Values that differ between any two runs, named in order of first appearance.
RANDOM = [
    ("crt", re.compile(r"crt_[0-9a-f]{20}")),
    ("jws", re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")),
    ("disclosure", re.compile(r"(?<=~)[\w-]{16,}(?=~)")),  # SD-JWT: salted, base64url
    ("hex", re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")),
    ("etag", re.compile(r"(?<=ETag\": \"\\\")[0-9a-f]{32}")),
    ("exp", re.compile(r"exp_[0-9a-f]{16}")),
    ("short", re.compile(r"\b[0-9A-Z]{24,32}[0-9A-Z*]")),  # its check character may be '*'
    ("code", re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}(?:-[0-9A-Z]{2,3}[0-9A-Z*])+")),  # printed
]

CLOCK = [
    ("<time>", re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")),
    ("0", re.compile(r"(?<=\"signed_at\": )\d{10}\b")),  # stays a JSON number
]


class Transcript:
    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.lines: list = []

    def name(self, value: str, kind: str) -> str:
        return self.names.setdefault(value, f"<{kind}-{len(self.names)}>")

    def normalise(self, text: str, known: dict[str, str]) -> str:
        for value, kind in known.items():  # public ids, access codes, key ids
            if value and value in text:
                text = text.replace(value, self.name(value, kind))
        for kind, pattern in RANDOM:
            text = pattern.sub(lambda m, k=kind: self.name(m.group(), k), text)
        for kind, pattern in CLOCK:  # equal or not by chance: not numbered
            text = pattern.sub(kind, text)
        return text


def scenario(client, ctx) -> list:
    """A working day of one exporter, through every kind of route; returns the transcript."""
    _, _, key = create_api_key(ctx.store, "Guangzhou Pearl River Furniture")
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    known: dict[str, str] = {}
    transcript = Transcript()
    replays = []

    def call(method, path, body=None, idem=None, raw=None):
        h = dict(headers, **({"Idempotency-Key": idem} if idem else {}))
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = getattr(client.http, method)(path, headers=h, body=data)
        text = response.body.decode("utf-8")
        try:
            doc = json.loads(text)
            if isinstance(doc, dict):
                found = {**doc, "kid": (doc.get("signature") or {}).get("kid")}
                for name in ("public_id", "access_code", "kid"):
                    if found.get(name):
                        known.setdefault(found[name], name)
        except ValueError:
            doc = None
        shown = {
            k: v
            for k, v in sorted(response.headers.items())
            if k.lower() not in ("date", "content-length")
        }
        transcript.lines.append(
            (
                method,
                transcript.normalise(path, known),
                response.status_code,
                transcript.normalise(json.dumps(shown, sort_keys=True), known),
                transcript.normalise(text, known),
            )
        )
        return response, doc

    cert = load_example()
    first, created = call("post", "/v1/certificates", cert, idem="day-1")
    again, _ = call("post", "/v1/certificates", cert, idem="day-1")
    replays.append((first.body, again.body))
    call("post", "/v1/certificates", {**cert, "remarks": "other"}, idem="day-1")  # key reused
    call("post", "/v1/certificates", cert, idem="day-2")  # same number, new key
    call("post", "/v1/certificates", raw="{", idem="day-3")
    bad = copy.deepcopy(cert)
    bad["goods_items"][0]["hs_code"] = "94"
    call("post", "/v1/certificates", bad, idem="day-4")
    cid = created["id"]
    call("get", f"/v1/certificates/{cid}")
    call("get", "/v1/certificates")
    call("get", f"/v1/certificates/{cid}/events")
    call("get", "/v1/certificates/crt_00000000000000000000")
    copy_, _ = call(
        "post",
        f"/v1/certificates/{cid}/certified-true-copy",
        {"reason": "original lost in transit"},
        idem="day-5",
    )
    replacement = copy.deepcopy(cert)
    replacement["goods_items"][0]["description"] += " (corrected)"
    r1, new = call(
        "post",
        f"/v1/certificates/{cid}/replace",
        {"certificate": replacement, "reason": "wrong description"},
        idem="day-6",
    )
    r2, _ = call(
        "post",
        f"/v1/certificates/{cid}/replace",
        {"certificate": replacement, "reason": "wrong description"},
        idem="day-6",
    )
    replays.append((r1.body, r2.body))
    call("post", f"/v1/certificates/{cid}/cancel", {"reason": "too late"}, idem="day-7")
    c1, _ = call(
        "post", f"/v1/certificates/{new['id']}/cancel", {"reason": "shipment off"}, idem="day-8"
    )
    c2, _ = call(
        "post", f"/v1/certificates/{new['id']}/cancel", {"reason": "shipment off"}, idem="day-8"
    )
    replays.append((c1.body, c2.body))
    call("get", "/v1/certificates?limit=1")
    # Public verification of each certificate, as a buyer or a customs officer would see it.
    for public_id in (created["public_id"], new["public_id"]):
        call("get", f"/v1/verify/{public_id}")
        call("get", f"/v/{public_id}?lang=en")
    invoice = cert["invoices"][0]["number"]
    call("get", f"/v1/verify?number={cert['number']}&invoice={invoice}")
    call("post", "/v1/verify", {"items": [created["public_id"], "A" * 22]})
    call("get", "/v1/verify/AAAAAAAAAAAAAAAAAAAAAA")
    call("get", "/healthz")
    return transcript.lines, replays


def json_or_text(text: str):
    """JSON compared as data (a difference then shows where it is), anything else as text."""
    try:
        return json.loads(text)
    except ValueError:
        return text.splitlines()


def run_on(backend, tmp_path):
    from originlink_service.app import app
    from originlink_service.verification import verifier

    verifier.clear_caches()
    ctx = settings_module.configure(backend.settings(tmp_path / backend.name))
    try:
        with Client(app) as client:
            lines, replays = scenario(client, ctx)
            store = ctx.store
    finally:
        settings_module.configure()
    return lines, replays, store


@pytest.fixture(scope="module")
def aws_backend():
    backend = storage_backend.current()
    if backend.name == "aws":
        yield backend
        return
    backend = storage_backend.AwsBackend()  # a moto server for this module only
    yield backend
    backend.stop()


def test_sqlite_and_aws_give_the_same_answers(tmp_path, aws_backend):
    sqlite_lines, sqlite_replays, sqlite_store = run_on(storage_backend.SqliteBackend(), tmp_path)
    aws_lines, aws_replays, aws_store = run_on(aws_backend, tmp_path)
    assert isinstance(sqlite_store, SqliteStore) and isinstance(aws_store, DynamoStore)
    assert len(aws_lines) == len(sqlite_lines) >= 25
    for sqlite_line, aws_line in zip(sqlite_lines, aws_lines, strict=True):
        assert aws_line[:3] == sqlite_line[:3]
        assert json_or_text(aws_line[3]) == json_or_text(sqlite_line[3]), aws_line[:2]
        assert json_or_text(aws_line[4]) == json_or_text(sqlite_line[4]), aws_line[:2]
    # Byte for byte where the API promises it: a replay repeats the first answer exactly.
    for first, again in sqlite_replays + aws_replays:
        assert first == again
    statuses = [line[2] for line in sqlite_lines]
    assert {200, 201, 400, 404, 409, 422} <= set(statuses)


def test_the_run_uses_the_backend_it_was_asked_for(ctx):
    backend = storage_backend.current()
    store = ctx.store
    if backend.name == "aws":
        assert isinstance(store, DynamoStore)
        assert store._db.meta.endpoint_url == backend.endpoint.rstrip("/")
        assert ctx.keyring.active_signer().__class__.__name__ == "KmsSigner"
    else:
        assert isinstance(store, SqliteStore)
