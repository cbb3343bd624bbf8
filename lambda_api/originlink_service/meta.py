"""Public service metadata: signing keys (JWKS) and the OpenAPI document."""

from __future__ import annotations

import json

from chalice import Blueprint, Response

from .http import published_document
from .openapi import openapi_document
from .settings import context

meta = Blueprint(__name__)


@meta.route("/.well-known/jwks.json", methods=["GET"])
def jwks():
    keyring = context().keyring
    keyring.active_signer()  # a fresh service publishes its key before the first signature
    return published_document(keyring.jwks(), "application/jwk-set+json")


@meta.route("/v1/openapi.json", methods=["GET"])
def openapi():
    return Response(
        body=json.dumps(openapi_document()),
        status_code=200,
        headers={"Content-Type": "application/json", "Cache-Control": "public, max-age=300"},
    )


@meta.route("/healthz", methods=["GET"])
def healthz():
    return {"status": "ok"}
