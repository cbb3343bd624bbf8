"""Fixtures for the verification tests: the service app (chalice.test.Client) on a fresh
SQLite store and local key, with certificates issued through the exporter API and moved
through their lifecycle the way the service moves them."""

from __future__ import annotations

import copy
import json
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAMBDA_API = ROOT / "lambda_api"
if str(LAMBDA_API) not in sys.path:
    sys.path.insert(0, str(LAMBDA_API))

from chalice.test import Client  # noqa: E402
from chalicelib import lifecycle, service  # noqa: E402
from chalicelib import settings as settings_module  # noqa: E402
from chalicelib.auth import create_api_key  # noqa: E402
from chalicelib.verification import verifier  # noqa: E402


def example(name: str = "certificate.json") -> dict:
    return json.loads((ROOT / "examples" / name).read_text(encoding="utf-8"))


class Fleet:
    """An exporter with its API key and helpers to issue and change certificates."""

    def __init__(self, client, ctx):
        self.client, self.ctx = client, ctx
        _, _, self.key = create_api_key(ctx.store, "Guangzhou Pearl River Furniture")
        _, _, self.other_key = create_api_key(ctx.store, "Another Exporter")

    def auth(self, key: str | None = None) -> dict:
        return {"Authorization": f"Bearer {key or self.key}", "Content-Type": "application/json"}

    def _post(self, path: str, body: dict) -> dict:
        headers = {**self.auth(), "Idempotency-Key": str(uuid.uuid4())}
        response = self.client.http.post(path, headers=headers, body=json.dumps(body))
        assert response.status_code in (200, 201), response.body
        return json.loads(response.body)

    def issue(self, number: str | None = None, **changes) -> dict:
        doc = copy.deepcopy(example())
        doc["number"] = number or f"R2026-{uuid.uuid4().hex[:10].upper()}"
        doc.update(changes)
        return self._post("/v1/certificates", doc)

    def cancel(self, cert: dict, reason: str = "issued in error") -> dict:
        return self._post(f"/v1/certificates/{cert['id']}/cancel", {"reason": reason})

    def replace(self, cert: dict, reason: str = "wrong HS code") -> dict:
        doc = copy.deepcopy(cert["certificate"])
        doc["goods_items"][0]["description"] += " (corrected)"
        return self._post(
            f"/v1/certificates/{cert['id']}/replace", {"certificate": doc, "reason": reason}
        )

    def record(self, cert: dict):
        return self.ctx.store.get_by_public_id(cert["public_id"])

    def reject(self, cert: dict, reason: str = "HS code does not match the goods") -> None:
        record = service.record_status(
            self.ctx,
            self.record(cert),
            "forwarded",
            lifecycle.FORWARDED,
            actor="service",
            detail={"destination": "VN"},
        )
        service.record_status(
            self.ctx,
            record,
            "rejected",
            lifecycle.REJECTED,
            actor="customs:VN",
            detail={"reason": reason},
        )

    def access_code(self, cert: dict) -> str:
        return self.record(cert).access_code


@pytest.fixture
def ctx(tmp_path):
    verifier.clear_caches()
    ctx = settings_module.configure(settings_module.Settings(data_dir=tmp_path / "data"))
    yield ctx
    settings_module.configure()


@pytest.fixture
def app(ctx):
    from app import app as chalice_app

    return chalice_app


@pytest.fixture
def client(app):
    with Client(app) as c:
        yield c


@pytest.fixture
def fleet(client, ctx) -> Fleet:
    return Fleet(client, ctx)
