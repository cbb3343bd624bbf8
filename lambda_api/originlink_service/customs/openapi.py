"""The customs exchange's paths in the service's OpenAPI document (through `EXTRA_PATHS`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ..openapi import (
    _AUTH_ERRORS,
    _BODY_ERRORS,
    _CONFLICT,
    _ID,
    _IDEMPOTENCY,
    _NOT_FOUND,
    EXTRA_MODELS,
    EXTRA_PATHS,
    _body,
    _ok,
    _problem,
    _ref,
)
from ..schemas import CertificateResource, OfficialCertificateRequest, WebhookOut, WebhookRequest
from .callbacks import Callback


class CallbackAnswer(BaseModel):
    applied: bool = Field(description="false: late or repeated, nothing changed")
    certificate_id: str
    state: str
    events: list[int] = Field(description="sequence numbers of the events it added")
    note: str


class Delivery(BaseModel):
    id: str
    status: Literal["pending", "delivered", "skipped", "dead"]
    certificate_id: str | None
    event: dict
    attempts: int
    created_at: str
    delivered_at: str | None
    next_attempt_at: str | None
    last_error: str | None
    history: list[dict]


class DeliveryList(BaseModel):
    items: list[Delivery] = Field(description="newest first")


class WebhookTest(BaseModel):
    delivered: bool
    id: str
    status: int | None = None
    error: str | None = None
    duration_ms: float | None = None


class Destinations(BaseModel):
    destinations: dict[str, dict]
    default_mode: Literal["paper-parallel"]
    issuing_bodies: dict[str, dict]


EXTRA_MODELS += [
    Callback,
    CallbackAnswer,
    OfficialCertificateRequest,
    WebhookRequest,
    WebhookOut,
    WebhookTest,
    DeliveryList,
    Destinations,
]

_NO_WEBHOOK = {"404": _problem("no webhook is registered")}

EXTRA_PATHS.update(
    {
        "/v1/customs/{destination}/callbacks": {
            "post": {
                "operationId": "customsCallback",
                "summary": "An answer from a destination's customs or an issuing body",
                "description": "Signed: OriginLink-Timestamp and OriginLink-Signature "
                "(sha256=HMAC-SHA256 of '<timestamp>.' + body with the peer's shared secret); "
                "refused when more than five minutes old or when its message_id was seen.",
                "security": [],
                "parameters": [
                    {
                        "name": "destination",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                        "description": "an importing Party (VN) or an issuing body (CN-GACC)",
                    }
                ],
                "requestBody": _body(Callback),
                "responses": {
                    **_ok(CallbackAnswer, "applied, or late/repeated (nothing changed)"),
                    "401": _problem("signature missing, wrong, or more than five minutes old"),
                    "404": _problem("unknown destination, or no such message sent to it"),
                    "409": _problem("replayed message id, or it contradicts a decision"),
                    "422": _problem("not a valid callback"),
                    "503": _problem("the issuing body's published keys cannot be read now"),
                },
            }
        },
        "/v1/customs/destinations": {
            "get": {
                "operationId": "customsDestinations",
                "summary": "Connected destinations and issuing bodies (others: paper-parallel)",
                "responses": {**_ok(Destinations, "the configuration"), **_AUTH_ERRORS},
            }
        },
        "/v1/certificates/{certificate_id}/official-certificate": {
            "post": {
                "operationId": "recordOfficialCertificate",
                "summary": "Record the official certificate an issuing body issued outside "
                "OriginLink (shown as recorded by the exporter, not verified)",
                "parameters": [_ID, _IDEMPOTENCY],
                "requestBody": _body(OfficialCertificateRequest),
                "responses": {
                    **_ok(CertificateResource, "the certificate with its certification"),
                    **_AUTH_ERRORS,
                    **_BODY_ERRORS,
                    **_NOT_FOUND,
                    **_CONFLICT,
                },
            }
        },
        "/v1/webhook": {
            "put": {
                "operationId": "registerWebhook",
                "summary": "Register (or change) your webhook; every status change rings it",
                "requestBody": _body(WebhookRequest),
                "responses": {
                    **_ok(WebhookOut, "registered (the secret is shown only if generated)"),
                    **_AUTH_ERRORS,
                    "400": _problem("malformed JSON"),
                    "422": _problem("URL or secret refused"),
                },
            },
            "get": {
                "operationId": "getWebhook",
                "responses": {**_ok(WebhookOut, "your webhook"), **_AUTH_ERRORS, **_NO_WEBHOOK},
            },
            "delete": {
                "operationId": "deleteWebhook",
                "responses": {
                    "204": {"description": "removed"},
                    **_AUTH_ERRORS,
                    **_NO_WEBHOOK,
                },
            },
        },
        "/v1/webhook/test": {
            "post": {
                "operationId": "testWebhook",
                "summary": "Send a signed ping now and say what came back",
                "responses": {
                    **_ok(WebhookTest, "the ping's outcome"),
                    **_AUTH_ERRORS,
                    **_NO_WEBHOOK,
                },
            }
        },
        "/v1/webhook/deliveries": {
            "get": {
                "operationId": "listWebhookDeliveries",
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 200},
                    }
                ],
                "responses": {
                    **_ok(DeliveryList, "the delivery log, newest first"),
                    **_AUTH_ERRORS,
                    "400": _problem("bad query parameter"),
                },
            }
        },
    }
)

__all__ = ["_ref"]
