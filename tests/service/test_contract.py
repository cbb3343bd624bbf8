"""Every answer matches the OpenAPI document (issue 17.3): schemathesis generates requests
for every operation of `/v1/openapi.json` — valid and invalid — and sends them to the app
through the WSGI adapter, in process. Its checks: no 5xx, every status, content type and
documented header as the document says, bodies valid against their schemas, schema-invalid
requests refused and schema-valid ones accepted.

"Accepted" includes 422 — the document's answer for a body that breaks a rule JSON Schema
cannot state (dates against today, Annex 3A, a webhook on a public address) — and, for JSON
bodies, 400 `unsupported_json`: JSON that is not I-JSON (RFC 7493: integers beyond ±2^53,
lone surrogates), which JSON Schema cannot state either. Bounded: CONTRACT_EXAMPLES examples
per operation (default 25), derandomized under CI.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import uuid
import zlib
from pathlib import Path

import pytest
import schemathesis
import storage_backend
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from originlink_service import settings as settings_module
from originlink_service.auth import hash_key, new_exporter
from originlink_service.storage import ApiKey
from originlink_service.verification import verifier

from .conftest import auth, load_example

EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "25"))
ACCEPTED = ["2XX", "3XX", "401", "403", "404", "409", "422", "429"]
# What refuses a schema-invalid request: schemathesis' list (without 5xx, which no answer may
# be) and 413 — a body generated over the 1 MiB limit is refused for its size first.
REFUSED = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
# A fixed key (stored by the World below), so that schemathesis itself sends it — and leaves
# it out when it tests what the API does without it.
CONTRACT_KEY = "olk_contract-test-key-not-secret-0123456789"
CONFIG = {
    "auth": {"openapi": {"apiKey": {"bearer": CONTRACT_KEY}}},
    "checks": {
        "positive_data_acceptance": {"expected-statuses": ACCEPTED},
        "negative_data_rejection": {"expected-statuses": REFUSED},
    },
    "operations": [
        {
            "include-method": "POST",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "400"]}},
        },
        {
            "include-method": "PUT",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "400"]}},
        },
    ],
}


class World:
    """One service for the whole module: an exporter, its key, one certificate whose ids the
    generated requests use half of the time (so that they reach more than the 404s)."""

    def __init__(self, data_dir: Path):
        verifier.clear_caches()
        backend = storage_backend.current().settings(data_dir)  # SQLite, or DynamoDB on moto
        self.ctx = settings_module.configure(
            dataclasses.replace(backend, public_url="http://localhost")
        )
        from chalice.test import Client

        from originlink_service.app import app
        from originlink_service.wsgi import ChaliceWSGI

        exporter = new_exporter(self.ctx.store, "contract")
        self.key = CONTRACT_KEY
        self.ctx.store.put_api_key(
            ApiKey(
                key_id="key_contract",
                key_hash=hash_key(CONTRACT_KEY),
                exporter_id=exporter.id,
                hint=CONTRACT_KEY[-4:],
                created_at="2026-11-29T00:00:00Z",
            )
        )
        with Client(app) as client:
            answer = client.http.post(
                "/v1/certificates",
                headers=auth(self.key, str(uuid.uuid4())),
                body=json.dumps(load_example()),
            )
        assert answer.status_code == 201, answer.body
        created = json.loads(answer.body)
        self.ids = {
            "certificate_id": created["id"],
            "public_id": created["public_id"],
            "digest_hex": created["digest"].removeprefix("sha256:"),
        }
        self.wsgi = ChaliceWSGI(app, self.ctx.settings.max_body_bytes)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = World(tmp_path_factory.mktemp("contract") / "data")
    CURRENT.app = world.wsgi
    yield world
    CURRENT.app = None
    settings_module.configure()


class _CurrentWorld:
    """The WSGI app schemathesis calls: the current module's World (set by its fixture)."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


def _schema():
    from originlink_service.app import app  # noqa: F401 - registers every route's paths
    from originlink_service.openapi import openapi_document

    loaded = schemathesis.openapi.from_dict(
        openapi_document(), config=SchemathesisConfig.from_dict(CONFIG)
    )
    loaded.app = CURRENT
    return loaded


CURRENT = _CurrentWorld()
schema = _schema()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_matches_the_document(case, world):
    parameters = case.path_parameters or {}
    for name, real in world.ids.items():
        value = parameters.get(name)
        if value is not None and zlib.crc32(value.encode()) % 2 and re.fullmatch(r"[\w*-]+", value):
            parameters[name] = real  # a valid id of the right kind: the real one
    case.call_and_validate()
