"""Fixtures for the customs exchange: the service in-process (SQLite, local key) wired to the
customs simulator — a real HTTP peer on a loopback port — as `make run` wires them.

The simulator calls the service back in-process (its callbacks go through
`customs.callbacks.receive`, the function behind the callback route); the routes themselves,
signatures included, are tested through the Chalice test client, and everything together over
real HTTP in tests/e2e."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from service.conftest import auth, aws_env, load_example  # noqa: F401  (re-exported)

# isort: split
from originlink_service import settings as settings_module
from originlink_service.auth import create_api_key
from originlink_service.customs import config as customs_config
from originlink_service.errors import ServiceError
from originlink_service.problems import from_service_error
from originlink_simulator.command import DEFAULT_PEERS, write_secrets
from originlink_simulator.peer import Simulator
from originlink_simulator.rules import Rule, Rules
from originlink_simulator.server import SimulatorServer

# No waiting between receipt and answers: tests await the simulator going idle instead.
FAST = Rules(
    received_after=0.0,
    decision_after=0.0,
    customs=(
        Rule(
            "rejected", {"hs_chapter": ["93"]}, [{"code": "LICENCE_REQUIRED", "text": "no licence"}]
        ),
        Rule("accepted"),
    ),
    issuing=(
        Rule("refused", {"hs_chapter": ["93"]}, ["export licence required"]),
        Rule("endorsed"),
    ),
)


def customs_file(tmp_path: Path, base: str, **changes: str) -> Path:
    """The `make run` configuration pointed at a simulator; `changes` replace text in it."""
    text = customs_config.SIMULATED_FILE.read_text(encoding="utf-8").replace("{simulator}", base)
    for old, new in changes.items():
        text = text.replace(old, new)
    path = tmp_path / "customs.toml"
    path.write_text(text, encoding="utf-8")
    return path


class Peer:
    """The simulator and what the tests need of it."""

    def __init__(self, simulator: Simulator, server: SimulatorServer):
        self.sim, self.server = simulator, server

    @property
    def base(self) -> str:
        return self.server.base_url

    def count(self, certificate_id: str, key: str) -> int:
        return self.sim.stats()["certificates"].get(certificate_id, {}).get(key, 0)


@pytest.fixture
def secrets_file(tmp_path) -> Path:
    path = tmp_path / "customs-secrets.json"
    write_secrets(path, DEFAULT_PEERS)
    return path


@pytest.fixture
def ctx(tmp_path, secrets_file):
    """A fresh service whose customs are the simulator (started by `peer`), on the backend
    `pytest --backend` chose (tests/storage_backend.py)."""
    from originlink_service.verification import verifier

    verifier.clear_caches()
    import storage_backend

    # SQLite and a local key, or (pytest --backend aws) DynamoDB, KMS and SQS on a moto server.
    settings = storage_backend.current().settings(tmp_path / "data")
    settings.webhook_networks = "any"
    ctx = settings_module.configure(settings)
    yield ctx
    settings_module.configure()


def _in_process_callback(ctx):
    from originlink_service.customs import callbacks

    def post(peer: str, body: bytes, headers: dict) -> tuple[int, dict]:
        try:
            return 200, callbacks.receive(ctx, peer, headers, body)
        except ServiceError as error:
            problem = from_service_error(error)
            return problem.status, problem.body()

    return post


@pytest.fixture
def peer(ctx, tmp_path, secrets_file):
    simulator = Simulator(
        rules=FAST,
        secrets_by_peer=json.loads(secrets_file.read_text()),
        service_jwks=lambda refresh: ctx.keyring.jwks(),
        post_callback=_in_process_callback(ctx),
        data_dir=tmp_path / "simulator",
    )
    server = SimulatorServer(("127.0.0.1", 0), simulator).start()
    ctx._customs = customs_config.load(customs_file(tmp_path, server.base_url))
    yield Peer(simulator, server)
    server.stop()


@pytest.fixture
def app(ctx):
    from originlink_service.app import app as chalice_app

    return chalice_app


@pytest.fixture
def client(app):
    from chalice.test import Client

    with Client(app) as c:
        yield c


@pytest.fixture
def api_key(ctx) -> str:
    return create_api_key(ctx.store, "acme")[2]


@pytest.fixture
def certificate() -> dict:
    return load_example()


def create(client, key: str, body: dict, idem: str) -> dict:
    resp = client.http.post("/v1/certificates", headers=auth(key, idem), body=json.dumps(body))
    assert resp.status_code == 201, resp.body
    return json.loads(resp.body)


def get(client, key: str, certificate_id: str) -> dict:
    resp = client.http.get(f"/v1/certificates/{certificate_id}", headers=auth(key))
    assert resp.status_code == 200, resp.body
    return json.loads(resp.body)


def events(client, key: str, certificate_id: str) -> list[dict]:
    resp = client.http.get(f"/v1/certificates/{certificate_id}/events", headers=auth(key))
    body = json.loads(resp.body)
    assert body["chain_intact"] is True
    return body["items"]


def retarget(certificate: dict, *, importing: str | None = None, exporting: str | None = None):
    """The same goods between other Parties (every field naming them agrees)."""
    if importing:
        certificate["importing_party"] = importing
        certificate["exporter_declaration"]["importing_country"] = importing
        certificate["importer"]["country"] = importing
    if exporting:
        certificate["exporting_party"] = exporting
        certificate["exporter"]["country"] = exporting
        for item in certificate["goods_items"]:
            item["country_of_origin"] = exporting
        producer = certificate.get("producer") or {}
        if producer.get("party"):
            producer["party"]["country"] = exporting
    return certificate
