"""OpenAPI 3.1 for the service, generated: component schemas come from the pydantic models
(`model_json_schema` via `models_json_schema`), paths from the route table below. There is no
hand-written copy of any schema."""

from __future__ import annotations

from functools import lru_cache

from pydantic.json_schema import models_json_schema

from originlink.model import Certificate
from originlink.statement import OriginStatement

from .schemas import (
    CancelRequest,
    CertificateList,
    CertificateResource,
    CertifiedTrueCopyRequest,
    EventList,
    Jwks,
    PrecheckResult,
    ProblemDetail,
    RenewStatementRequest,
    ReplaceRequest,
    StatementList,
    StatementResource,
    WithdrawStatementRequest,
)
from .service import CERTIFICATE_ID, LIST_CURSOR
from .statements import LIST_CURSOR as STATEMENT_CURSOR
from .statements import STATEMENT_ID

MODELS = [
    Certificate,
    CertificateResource,
    CertificateList,
    EventList,
    PrecheckResult,
    ProblemDetail,
    CancelRequest,
    ReplaceRequest,
    CertifiedTrueCopyRequest,
    Jwks,
    OriginStatement,
    StatementResource,
    StatementList,
    RenewStatementRequest,
    WithdrawStatementRequest,
]

REF = "#/components/schemas/{model}"


def _ref(model) -> dict:
    return {"$ref": REF.format(model=model.__name__)}


def _page_parameters(cursor) -> list[dict]:
    """`limit` and `after` of a listing that pages with `cursor` (a compiled pattern)."""
    return [
        {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 200},
        },
        {
            "name": "after",
            "in": "query",
            "description": "the `next` of the previous page, as it is",
            "schema": {"type": "string", "pattern": f"^{cursor.pattern}$"},
        },
    ]


def _problem(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": _ref(ProblemDetail)}},
    }


def _ok(model, description: str, status: str = "200") -> dict:
    return {
        status: {
            "description": description,
            "content": {"application/json": {"schema": _ref(model)}},
        }
    }


_AUTH_ERRORS = {"401": _problem("missing, unknown or revoked API key")}
_BODY_ERRORS = {
    "400": _problem("malformed JSON, missing Idempotency-Key"),
    "413": _problem("body larger than the limit"),
    "415": _problem("body is not application/json"),
    "422": _problem("the document is not valid; `errors[]` names each field and article"),
}
_IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "description": "unique per intended change; a retry with the same key and body replays "
    "the first answer, the same key with another body is a 409",
    "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},  # printable ASCII, no spaces
}
_ID = {"name": "certificate_id", "in": "path", "required": True, "schema": {"type": "string"}}
_NOT_FOUND = {"404": _problem("no such certificate (or not yours: same answer)")}
_CONFLICT = {
    "409": _problem(
        "Idempotency-Key reused with another body, invalid state, or "
        "the certificate changed meanwhile"
    )
}


def _body(model) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(model)}}}


def _paths() -> dict:
    return {
        "/v1/certificates": {
            "post": {
                "operationId": "createCertificate",
                "summary": "Validate, sign, store and queue a certificate for customs",
                "parameters": [_IDEMPOTENCY],
                "requestBody": _body(Certificate),
                "responses": {
                    **_ok(CertificateResource, "created (or replay of the first answer)", "201"),
                    **_AUTH_ERRORS,
                    **_BODY_ERRORS,
                    **_CONFLICT,
                },
            },
            "get": {
                "operationId": "listCertificates",
                "parameters": _page_parameters(LIST_CURSOR),
                "responses": {
                    **_ok(CertificateList, "your certificates, oldest first"),
                    **_AUTH_ERRORS,
                    "400": _problem("bad query parameter"),
                },
            },
        },
        "/v1/precheck": {
            "post": {
                "operationId": "precheckCertificate",
                "summary": "Dry run: every problem at once, nothing stored",
                # Any JSON value: what is not a valid certificate is answered 200 with its
                # problems listed, as POST /v1/certificates would refuse it.
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"description": "a certificate (`Certificate`), or not"}
                        }
                    },
                },
                "responses": {
                    **_ok(PrecheckResult, "the check's result"),
                    **_AUTH_ERRORS,
                    "400": _problem("malformed JSON"),
                },
            }
        },
        "/v1/certificates/{certificate_id}": {
            "get": {
                "operationId": "getCertificate",
                "parameters": [_ID],
                "responses": {
                    **_ok(CertificateResource, "the certificate"),
                    **_AUTH_ERRORS,
                    **_NOT_FOUND,
                },
            }
        },
        "/v1/certificates/{certificate_id}/events": {
            "get": {
                "operationId": "listCertificateEvents",
                "parameters": [_ID],
                "responses": {
                    **_ok(EventList, "append-only, hash-chained events"),
                    **_AUTH_ERRORS,
                    **_NOT_FOUND,
                },
            }
        },
        "/v1/certificates/{certificate_id}/cancel": {
            "post": {
                "operationId": "cancelCertificate",
                "parameters": [_ID, _IDEMPOTENCY],
                "requestBody": _body(CancelRequest),
                "responses": {
                    **_ok(CertificateResource, "cancelled"),
                    **_AUTH_ERRORS,
                    **_BODY_ERRORS,
                    **_NOT_FOUND,
                    **_CONFLICT,
                },
            }
        },
        "/v1/certificates/{certificate_id}/replace": {
            "post": {
                "operationId": "replaceCertificate",
                "summary": "Art 3.17.5: issue a new certificate that invalidates this one",
                "parameters": [_ID, _IDEMPOTENCY],
                "requestBody": _body(ReplaceRequest),
                "responses": {
                    **_ok(CertificateResource, "the new certificate", "201"),
                    **_AUTH_ERRORS,
                    **_BODY_ERRORS,
                    **_NOT_FOUND,
                    **_CONFLICT,
                },
            }
        },
        "/v1/certificates/{certificate_id}/certified-true-copy": {
            "post": {
                "operationId": "certifiedTrueCopy",
                "summary": "Art 3.17.9: a certified true copy of a lost/stolen/destroyed original",
                "parameters": [_ID, _IDEMPOTENCY],
                "requestBody": _body(CertifiedTrueCopyRequest),
                "responses": {
                    **_ok(CertificateResource, "the copy", "201"),
                    **_AUTH_ERRORS,
                    **_BODY_ERRORS,
                    **_NOT_FOUND,
                    **_CONFLICT,
                },
            }
        },
        **_statement_paths(),
        "/.well-known/jwks.json": {
            "get": {
                "operationId": "jwks",
                "security": [],
                "responses": {
                    "200": {
                        "description": "signing keys, active and retired (kid = RFC 7638)",
                        "content": {"application/jwk-set+json": {"schema": _ref(Jwks)}},
                    }
                },
            }
        },
        "/v1/openapi.json": {
            "get": {
                "operationId": "openapi",
                "security": [],
                "responses": {"200": {"description": "this document"}},
            }
        },
    }


_STATEMENT_ID = {
    "name": "statement_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
}
_NO_STATEMENT = {"404": _problem("no such origin statement (or not yours: same answer)")}


def _statement_paths() -> dict:
    """Origin statements: the exporter's signed, product-level statement of origin
    (docs/statements.md). Changes are idempotent like certificates'."""
    base = "/v1/origin-statements"
    changed = {**_AUTH_ERRORS, **_BODY_ERRORS, **_CONFLICT}
    return {
        base: {
            "post": {
                "operationId": "publishOriginStatement",
                "summary": "Check, sign and publish an origin statement about one product "
                "(409 statement_exists while another stands for the product)",
                "parameters": [_IDEMPOTENCY],
                "requestBody": _body(OriginStatement),
                "responses": {
                    **_ok(StatementResource, "published (or replay of the first answer)", "201"),
                    **changed,
                },
            },
            "get": {
                "operationId": "listOriginStatements",
                "parameters": _page_parameters(STATEMENT_CURSOR),
                "responses": {
                    **_ok(StatementList, "your origin statements, oldest first"),
                    **_AUTH_ERRORS,
                    "400": _problem("bad query parameter"),
                },
            },
        },
        base + "/{statement_id}": {
            "get": {
                "operationId": "getOriginStatement",
                "parameters": [_STATEMENT_ID],
                "responses": {
                    **_ok(StatementResource, "the statement"),
                    **_AUTH_ERRORS,
                    **_NO_STATEMENT,
                },
            }
        },
        base + "/{statement_id}/events": {
            "get": {
                "operationId": "listOriginStatementEvents",
                "parameters": [_STATEMENT_ID],
                "responses": {
                    **_ok(EventList, "append-only, hash-chained events"),
                    **_AUTH_ERRORS,
                    **_NO_STATEMENT,
                },
            }
        },
        base + "/{statement_id}/renew": {
            "post": {
                "operationId": "renewOriginStatement",
                "summary": "A new statement about the same product that supersedes this one",
                "parameters": [_STATEMENT_ID, _IDEMPOTENCY],
                "requestBody": _body(RenewStatementRequest),
                "responses": {
                    **_ok(StatementResource, "the new statement", "201"),
                    **changed,
                    **_NO_STATEMENT,
                },
            }
        },
        base + "/{statement_id}/withdraw": {
            "post": {
                "operationId": "withdrawOriginStatement",
                "parameters": [_STATEMENT_ID, _IDEMPOTENCY],
                "requestBody": _body(WithdrawStatementRequest),
                "responses": {
                    **_ok(StatementResource, "withdrawn"),
                    **changed,
                    **_NO_STATEMENT,
                },
            }
        },
    }


# Other route modules (e.g. public verification) add their paths here at import time.
EXTRA_PATHS: dict[str, dict] = {}
EXTRA_MODELS: list = []

# What the edges answer whatever the route (gateway.py, app.py's middleware, ratelimits.py),
# added to every operation so that the document lists every status the service sends.
_PATH_PATTERNS = {
    "certificate_id": f"^{CERTIFICATE_ID.pattern}$",
    "statement_id": f"^{STATEMENT_ID.pattern}$",
    "public_id": "^[A-Za-z0-9_*-]{1,64}$",  # stored id (base64url) or short code
    "digest_hex": "^[0-9a-f]{64}$",
    "destination": "^[A-Z]{2}(-[A-Z0-9]+)*$",  # VN, CN-GACC
}
_EDGE = {
    "400": _problem(
        "not a request this operation reads: an encoded '/', '?' or '#' or a control "
        "character in the path (`invalid_path`), a malformed header, query or body"
    ),
    "421": _problem("the Host header names another origin than ORIGINLINK_PUBLIC_URL"),
}
_WITH_BODY = {
    "413": _problem("body larger than the limit (the connection is closed)"),
    "415": _problem("body of another media type than the one documented"),
}
_RATE_LIMITED_ANSWER = {
    "description": "over a rate limit (docs/reliability.md#rate-limits)",
    "headers": {
        "Retry-After": {
            "required": True,
            "description": "seconds to wait",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
    "content": {"application/problem+json": {"schema": _ref(ProblemDetail)}},
}
_RATE_LIMITED = {  # ratelimits.py: access codes, typed lookups, bulk verification
    ("/v1/verify/{public_id}", "get"),
    ("/v1/verify/{public_id}/document/{digest_hex}", "get"),
    ("/v1/verify", "get"),
    ("/v1/verify", "post"),
    ("/v", "get"),
    ("/v/{public_id}", "post"),
}


def _with_edges(paths: dict) -> dict:
    out = {}
    for path, operations in paths.items():
        out[path] = {}
        for method, operation in operations.items():
            operation = {**operation, "responses": dict(operation["responses"])}
            responses = operation["responses"]
            for status, answer in _EDGE.items():
                responses.setdefault(status, answer)
            if "requestBody" in operation:
                for status, answer in _WITH_BODY.items():
                    responses.setdefault(status, answer)
                if "application/json" in operation["requestBody"].get("content", {}):
                    responses.setdefault("422", _problem("the body breaks a rule; see errors[]"))
            if (path, method) in _RATE_LIMITED:
                responses["429"] = _RATE_LIMITED_ANSWER
            operation["parameters"] = [
                {**p, "schema": {**p["schema"], "pattern": _PATH_PATTERNS[p["name"]]}}
                if p.get("in") == "path" and p["name"] in _PATH_PATTERNS
                else p
                for p in operation.get("parameters", [])
            ]
            out[path][method] = operation
    return out


@lru_cache(maxsize=1)
def _document() -> dict:
    models = MODELS + [m for m in EXTRA_MODELS if m not in MODELS]
    _, defs = models_json_schema([(m, "validation") for m in models], ref_template=REF)
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "OriginLink certificate service",
            "version": "1",
            "description": "Electronic RCEP certificates of origin: issue, sign, track, verify.",
        },
        "servers": [{"url": "/"}],
        "security": [{"apiKey": []}],
        "paths": _with_edges({**_paths(), **EXTRA_PATHS}),
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "description": "exporter API key"}
            },
        },
    }


def openapi_document() -> dict:
    return _document()
