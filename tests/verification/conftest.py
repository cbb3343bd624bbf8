"""Fixtures for the verification tests: the service tests' app (chalice.test.Client) on a
fresh SQLite store and local key, with certificates issued through the exporter API and moved
through their lifecycle the way the service moves them."""

from __future__ import annotations

import copy
import json
import uuid

import pytest
from service import conftest as service_conftest

# isort: split
from originlink_service import lifecycle, service
from originlink_service.auth import create_api_key

# The service tests' fixtures, one fresh app per test.
ctx, app, client = service_conftest.ctx, service_conftest.app, service_conftest.client
ROOT = service_conftest.ROOT


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
def fleet(client, ctx) -> Fleet:
    return Fleet(client, ctx)
