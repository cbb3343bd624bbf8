"""Fixtures for the verification tests: the service tests' app (chalice.test.Client) on a
fresh SQLite store and local key, with certificates issued through the exporter API and moved
through their lifecycle the way the service moves them."""

from __future__ import annotations

import copy
import json
import uuid

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric import ec
from service import conftest as service_conftest

# isort: split
from originlink.credentials.certification import ENDORSEMENT_TYP, endorsement_claims
from originlink.signing import LocalKeySigner, sign_jws
from originlink_service import lifecycle, service
from originlink_service.auth import create_api_key
from originlink_service.storage import RecordUpdate, WriteBatch

# The service tests' fixtures, one fresh app per test.
ctx, app, client = service_conftest.ctx, service_conftest.app, service_conftest.client
ROOT = service_conftest.ROOT


def example(name: str = "certificate.json") -> dict:
    return json.loads((ROOT / "examples" / name).read_text(encoding="utf-8"))


ISSUING_BODY = "CN-GACC"


class Fleet:
    """An exporter with its API keys (production and sandbox), an issuing body with its own
    key (what the customs-exchange work configures), and helpers to issue and change
    certificates."""

    def __init__(self, client, ctx):
        self.client, self.ctx = client, ctx
        _, _, self.key = create_api_key(ctx.store, "Guangzhou Pearl River Furniture")
        _, _, self.sandbox_key = create_api_key(
            ctx.store, "Guangzhou Pearl River Furniture", sandbox=True
        )
        _, _, self.other_key = create_api_key(ctx.store, "Another Exporter")
        self.body_signer = LocalKeySigner(ec.generate_private_key(ec.SECP256R1()))
        ctx.issuing_bodies = {
            ISSUING_BODY: {
                "id": ISSUING_BODY,
                "name": "General Administration of Customs of China (Guangzhou Customs)",
                "lookup_url": "https://check.customs.example.cn/co",
                "jwks": {"keys": [self.body_signer.public_jwk]},
            }
        }

    def auth(self, key: str | None = None) -> dict:
        return {"Authorization": f"Bearer {key or self.key}", "Content-Type": "application/json"}

    def _post(self, path: str, body: dict, key: str | None = None) -> dict:
        headers = {**self.auth(key), "Idempotency-Key": str(uuid.uuid4())}
        response = self.client.http.post(path, headers=headers, body=json.dumps(body))
        assert response.status_code in (200, 201), response.body
        return json.loads(response.body)

    def issue(
        self,
        number: str | None = None,
        *,
        sandbox: bool = False,
        name: str = "certificate.json",
        **changes,
    ) -> dict:
        doc = copy.deepcopy(example(name))
        doc["number"] = number or f"R2026-{uuid.uuid4().hex[:10].upper()}"
        doc.update(changes)
        return self._post("/v1/certificates", doc, self.sandbox_key if sandbox else None)

    def _set_certification(self, cert: dict, certification: dict) -> None:
        record = self.record(cert)
        updated, event = lifecycle.advance(
            record, "certification_recorded", None, actor="test", detail={}
        )
        updated.certification = certification
        self.ctx.store.commit(WriteBatch(updates=[RecordUpdate(updated, record.version, [event])]))

    def endorse(self, cert: dict, *, decision: str = "endorsed", signer=None, **claims) -> None:
        """The issuing body's own signature over the certificate (as customs exchange stores
        it on the record)."""
        payload = endorsement_claims(
            issuing_body=ISSUING_BODY,
            decision=decision,
            digest=cert["digest"],
            number=cert["number"],
            at="2026-11-29T10:00:00Z",
            certificate_number="E26-4401-000123" if decision == "endorsed" else None,
            reasons=["HS code does not match the goods"] if decision == "refused" else None,
        )
        payload.update(claims)
        token = sign_jws(rfc8785.dumps(payload), signer or self.body_signer, typ=ENDORSEMENT_TYP)
        self._set_certification(
            cert,
            {"kind": decision, "issuing_body": ISSUING_BODY, "jws": token, "at": payload["at"]},
        )

    def record_official(self, cert: dict, number: str = "E26-4401-000777") -> None:
        """The exporter recorded the official certificate issued outside OriginLink."""
        self._set_certification(
            cert,
            {
                "kind": "recorded",
                "issuing_body": ISSUING_BODY,
                "number": number,
                "lookup_url": "https://check.customs.example.cn/co?n=" + number,
                "pdf_sha256": None,
                "recorded_by": "exp",
                "at": "2026-11-29T10:00:00Z",
            },
        )

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
