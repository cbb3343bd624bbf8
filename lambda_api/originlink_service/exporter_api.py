"""Exporter API v1 (Bearer API key): certificates (create, precheck, list, read, events,
cancel, replace, certified true copy) and origin statements (publish, list, read, events,
renew, withdraw). Routes only translate HTTP ⇄ `service` / `statements`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import NamedTuple

from chalice import Blueprint, Response

from . import lifecycle, service, statements
from .auth import authenticate_key
from .http import (
    canonical_json_body,
    idempotency_key,
    int_param,
    json_body,
    parse_model,
    query_param,
)
from .problems import ApiProblem, answers_domain_errors
from .schemas import (
    CancelRequest,
    CertifiedTrueCopyRequest,
    RenewStatementBody,
    ReplaceBody,
    WithdrawStatementRequest,
)
from .settings import context

api = Blueprint(__name__)


def route(path: str, **options):
    """`api.route` for a view whose domain errors (errors.py) answer as problem+json."""

    def register(view):
        return api.route(path, **options)(answers_domain_errors(view))

    return register


def _key():
    return authenticate_key(context().store, api.current_request.headers)


def _exporter() -> str:
    return _key().exporter_id


def _origin() -> str:
    return context().settings.origin


def _json(status: int, body: dict, headers: dict | None = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False),
        status_code=status,
        headers={
            "Content-Type": "application/json",
            "Cache-Control": "no-store",
            **(headers or {}),
        },
    )


def _answer(answer: service.Answer) -> Response:
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
    if answer.status == 201 and "links" in answer.body:
        headers["Location"] = answer.body["links"]["self"]
    return _json(answer.status, answer.body, headers)


def _idempotency(canonical: bytes) -> service.IdempotentRequest:
    """The Idempotency-Key and the hash of what the request asks (`canonical`: its body in
    RFC 8785 form)."""
    request = api.current_request
    # The route template and its parameters, not the raw path: on Lambda the path carries the
    # stage name, locally it does not; the same request must hash the same in both.
    target = request.context.get("resourcePath", "") + json.dumps(
        request.uri_params or {}, sort_keys=True
    )
    # A sandbox key's request is another request than the same one with a production key of
    # the same exporter: reusing its Idempotency-Key there is a 409, never a replay of the
    # other world's answer.
    if _key().sandbox:
        target += "#sandbox"
    return service.IdempotentRequest(
        key=idempotency_key(request),
        hash=service.canonical_request_hash(request.method, target, canonical),
    )


class Change(NamedTuple):
    """A request that changes something, read (`_change_request`)."""

    exporter_id: str
    sandbox: bool  # made with a sandbox key
    data: object  # the JSON body
    body: object  # the body parsed by the route's model (None without one)
    idempotency: service.IdempotentRequest


def _change_request(model=None) -> Change:
    """The Idempotency-Key is checked first (400 before anything else), then the body."""
    key = _key()
    idempotency_key(api.current_request)
    data, canonical = canonical_json_body(api.current_request)
    body = parse_model(model, data) if model is not None else None
    return Change(key.exporter_id, key.sandbox, data, body, _idempotency(canonical))


@route("/v1/certificates", methods=["POST"])
def create_certificate():
    change = _change_request()
    answer = service.create(
        context(),
        change.exporter_id,
        change.data,
        sandbox=change.sandbox,
        request=change.idempotency,
    )
    return _answer(answer)


@route("/v1/precheck", methods=["POST"])
def precheck():
    _exporter()
    return _json(200, service.precheck(json_body(api.current_request)))


@route("/v1/certificates", methods=["GET"])
def list_certificates():
    key = _key()
    limit = int_param(api.current_request, "limit", 50, 1, 200)
    after = query_param(api.current_request, "after")
    if after is not None and not service.LIST_CURSOR.fullmatch(after):
        raise ApiProblem(
            400,
            "invalid_query_parameter",
            "after: pass the `next` value of the previous page as it is",
            errors=[{"path": "after", "code": "invalid_cursor", "message": "after: not a cursor"}],
        )
    records, cursor = context().store.list_certificates(key.exporter_id, limit=limit, after=after)
    # A key sees the certificates of its own world (sandbox or production).
    items = [service.resource(r, _origin()) for r in records if r.sandbox == key.sandbox]
    return _json(200, {"items": items, "next": cursor})


def _cursor(pattern):
    after = query_param(api.current_request, "after")
    if after is not None and not pattern.fullmatch(after):
        raise ApiProblem(
            400,
            "invalid_query_parameter",
            "after: pass the `next` value of the previous page as it is",
            errors=[{"path": "after", "code": "invalid_cursor", "message": "after: not a cursor"}],
        )
    return after


@route("/v1/certificates/{certificate_id}", methods=["GET"])
def get_certificate(certificate_id):
    key = _key()
    record = service.load(context(), key.exporter_id, certificate_id, sandbox=key.sandbox)
    return _json(200, service.resource(record, _origin()))


@route("/v1/certificates/{certificate_id}/events", methods=["GET"])
def list_events(certificate_id):
    key = _key()
    record = service.load(context(), key.exporter_id, certificate_id, sandbox=key.sandbox)
    events = context().store.list_events(record.id)
    return _json(
        200,
        {
            "items": [e.to_dict() for e in events],
            "chain_intact": not lifecycle.verify_chain(events),
        },
    )


@route("/v1/certificates/{certificate_id}/cancel", methods=["POST"])
def cancel_certificate(certificate_id):
    change = _change_request(CancelRequest)
    answer = service.cancel(
        context(),
        change.exporter_id,
        certificate_id,
        change.body.reason,
        sandbox=change.sandbox,
        request=change.idempotency,
    )
    return _answer(answer)


@route("/v1/certificates/{certificate_id}/replace", methods=["POST"])
def replace_certificate(certificate_id):
    change = _change_request(ReplaceBody)
    answer = service.replace(
        context(),
        change.exporter_id,
        certificate_id,
        change.body.certificate,
        change.body.reason,
        sandbox=change.sandbox,
        request=change.idempotency,
    )
    return _answer(answer)


@route("/v1/certificates/{certificate_id}/certified-true-copy", methods=["POST"])
def certified_true_copy(certificate_id):
    change = _change_request(CertifiedTrueCopyRequest)
    today = datetime.now(UTC).date()
    answer = service.certified_true_copy(
        context(),
        change.exporter_id,
        certificate_id,
        change.body.reason,
        change.body.note,
        today,
        sandbox=change.sandbox,
        request=change.idempotency,
    )
    return _answer(answer)


# --- origin statements --------------------------------------------------------------------


@route("/v1/origin-statements", methods=["POST"])
def publish_statement():
    change = _change_request()
    answer = statements.publish(
        context(),
        change.exporter_id,
        change.data,
        sandbox=change.sandbox,
        request=change.idempotency,
    )
    return _answer(answer)


@route("/v1/origin-statements", methods=["GET"])
def list_statements():
    key = _key()
    limit = int_param(api.current_request, "limit", 50, 1, 200)
    after = _cursor(statements.LIST_CURSOR)
    records, cursor = context().store.list_statements(key.exporter_id, limit=limit, after=after)
    items = [statements.resource(r, _origin()) for r in records if r.sandbox == key.sandbox]
    return _json(200, {"items": items, "next": cursor})


@route("/v1/origin-statements/{statement_id}", methods=["GET"])
def get_statement(statement_id):
    key = _key()
    record = statements.load(context(), key.exporter_id, statement_id, sandbox=key.sandbox)
    return _json(200, statements.resource(record, _origin()))


@route("/v1/origin-statements/{statement_id}/events", methods=["GET"])
def list_statement_events(statement_id):
    key = _key()
    record = statements.load(context(), key.exporter_id, statement_id, sandbox=key.sandbox)
    events = context().store.list_statement_events(record.id)
    return _json(
        200,
        {
            "items": [e.to_dict() for e in events],
            "chain_intact": not lifecycle.verify_chain(events),
        },
    )


@route("/v1/origin-statements/{statement_id}/renew", methods=["POST"])
def renew_statement(statement_id):
    change = _change_request(RenewStatementBody)
    answer = statements.renew(
        context(),
        change.exporter_id,
        statement_id,
        change.body.statement,
        change.body.reason,
        sandbox=change.sandbox,
        request=change.idempotency,
    )
    return _answer(answer)


@route("/v1/origin-statements/{statement_id}/withdraw", methods=["POST"])
def withdraw_statement(statement_id):
    change = _change_request(WithdrawStatementRequest)
    answer = statements.withdraw(
        context(),
        change.exporter_id,
        statement_id,
        change.body.reason,
        sandbox=change.sandbox,
        request=change.idempotency,
    )
    return _answer(answer)
