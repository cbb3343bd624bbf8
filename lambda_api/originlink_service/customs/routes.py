"""HTTP routes of the customs exchange. Two audiences:

- customs and issuing bodies: `POST /v1/customs/{destination}/callbacks` (HMAC-signed, no API
  key);
- exporters (API key): the destinations (`GET /v1/customs/destinations`), the official
  certificate recorded against a certificate, and their webhook (register, test, delivery log).

Routes only translate HTTP; the work is in callbacks.py, official.py and webhooks.py."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..errors import NotFound
from ..exporter_api import _answer, _change_request, _exporter, _json
from ..http import int_param, json_body, parse_model
from ..problems import answers_domain_errors
from ..schemas import OfficialCertificateRequest, WebhookRequest
from ..settings import context
from . import callbacks, official, webhooks
from . import openapi as _openapi  # noqa: F401  (adds the paths to the OpenAPI document)

customs_api = Blueprint(__name__)


def route(path: str, **options):
    def register(view):
        return customs_api.route(path, **options)(answers_domain_errors(view))

    return register


@route("/v1/customs/{destination}/callbacks", methods=["POST"])
def customs_callback(destination):
    request = customs_api.current_request
    answer = callbacks.receive(context(), destination, request.headers, request.raw_body or b"")
    return _json(200, answer)


@route("/v1/customs/destinations", methods=["GET"])
def destinations():
    _exporter()
    return _json(200, context().customs.summary)


@route("/v1/certificates/{certificate_id}/official-certificate", methods=["POST"])
def record_official_certificate(certificate_id):
    change = _change_request(OfficialCertificateRequest)
    answer = official.record_official_certificate(
        context(), change.exporter_id, certificate_id, change.body, request=change.idempotency
    )
    return _answer(answer)


@route("/v1/webhook", methods=["PUT"])
def put_webhook():
    exporter_id = _exporter()
    body = parse_model(WebhookRequest, json_body(customs_api.current_request))
    hook, generated = webhooks.register(context(), exporter_id, body.url, body.secret)
    return _json(200, webhooks.describe(hook, generated))


@route("/v1/webhook", methods=["GET"])
def get_webhook():
    hook = context().store.get_webhook(_exporter())
    if hook is None:
        raise NotFound("no webhook is registered; PUT /v1/webhook registers one")
    return _json(200, webhooks.describe(hook))


@route("/v1/webhook", methods=["DELETE"])
def delete_webhook():
    if not context().store.delete_webhook(_exporter()):
        raise NotFound("no webhook is registered")
    return Response(body="", status_code=204, headers={"Cache-Control": "no-store"})


@route("/v1/webhook/test", methods=["POST"])
def test_webhook():
    result = webhooks.ping(context(), _exporter())
    if not result:
        raise NotFound("no webhook is registered; PUT /v1/webhook registers one")
    return _json(200, result)


@route("/v1/webhook/deliveries", methods=["GET"])
def webhook_deliveries():
    exporter_id = _exporter()
    limit = int_param(customs_api.current_request, "limit", 50, 1, 200)
    entries = context().store.list_deliveries(exporter_id, limit)
    return _json(200, {"items": [webhooks.delivery_view(e) for e in entries]})
