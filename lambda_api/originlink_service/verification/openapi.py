"""The public verification routes in the service's OpenAPI document (`/v1/openapi.json`),
added through its `EXTRA_PATHS` hook."""

from __future__ import annotations

from ..openapi import EXTRA_PATHS

_ID = {
    "name": "public_id",
    "in": "path",
    "required": True,
    "description": "the 27-character short code (checked before any lookup) or the stored id",
    "schema": {"type": "string"},
}
_CODE = {
    "name": "X-Access-Code",
    "in": "header",
    "required": False,
    "description": "the certificate's access code: unlocks quantities, values, invoices, "
    "addresses (never send it in the URL)",
    "schema": {"type": "string"},
}
_NOT_FOUND = {"description": "no such certificate (same answer for unknown, malformed, hidden)"}


def _json(description: str) -> dict:
    return {"description": description, "content": {"application/json": {}}}


PATHS = {
    "/v1/verify/{public_id}": {
        "get": {
            "operationId": "verify",
            "security": [{}, {"apiKey": []}],
            "summary": "integrity, status and issuer checks, then the certificate (or, for an "
            "origin statement's id, its checks — integrity, who states it, status — and the "
            "statement: `kind: origin_statement`)",
            "parameters": [_ID, _CODE],
            "responses": {
                "200": _json("verification; `view` is public or full"),
                "304": {"description": "unchanged since the ETag sent in If-None-Match"},
                "403": {"description": "the access code does not match"},
                "404": _NOT_FOUND,
            },
        }
    },
    "/v1/verify": {
        "get": {
            "operationId": "verifyByNumberAndInvoice",
            "security": [],
            "summary": "typed-in lookup by certificate number and invoice number",
            "parameters": [
                {
                    "name": n,
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "pattern": "\\S"},  # not blank
                }
                for n in ("number", "invoice")
            ],
            "responses": {"200": _json("{results: [...]}"), "404": _NOT_FOUND},
        },
        "post": {
            "operationId": "verifyBulk",
            "security": [],
            "summary": "up to 100 ids or number/invoice pairs, each answered on its own",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["items"],
                            "properties": {"items": {"type": "array", "maxItems": 100}},
                        }
                    }
                },
            },
            "responses": {
                "200": _json("{results: [{index, status, result|results|error}]}"),
                "422": {"description": "items missing or more than 100"},
            },
        },
    },
    "/v1/verify/{public_id}/document/{digest_hex}": {
        "get": {
            "operationId": "signedDocument",
            "security": [{}, {"apiKey": []}],
            "summary": "the signed document (content-addressed, immutable)",
            "parameters": [
                _ID,
                {
                    "name": "digest_hex",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                },
                _CODE,
            ],
            "responses": {"200": _json("JWS + certificate"), "404": _NOT_FOUND},
        }
    },
    "/v1/verify/{public_id}/credential": {
        "get": {
            "operationId": "credential",
            "security": [],
            "summary": "W3C VC 2.0 (vc+jwt); Accept: application/vc+jwt for the bare token, "
            "application/dc+sd-jwt for the SD-JWT VC of the public view",
            "parameters": [_ID],
            "responses": {"200": _json("{credential, enveloped, sd_jwt}"), "404": _NOT_FOUND},
        }
    },
    "/v1/status-lists/{public_id}": {
        "get": {
            "operationId": "statusList",
            "security": [],
            "summary": "W3C Bitstring Status List credential (vc+jwt) of the certificate",
            "parameters": [_ID],
            "responses": {"200": _json("{credential}"), "404": _NOT_FOUND},
        }
    },
    "/v1/qr/{public_id}.svg": {
        "get": {
            "operationId": "qrCode",
            "security": [{}, {"apiKey": []}],
            "summary": "QR code (SVG) of the verification link",
            "parameters": [_ID],
            "responses": {
                "200": {"description": "SVG", "content": {"image/svg+xml": {}}},
                "404": _NOT_FOUND,
            },
        }
    },
    "/v1/badge/{public_id}.svg": {
        "get": {
            "operationId": "originStatementBadge",
            "security": [],
            "summary": "an origin statement's badge (SVG; ?lang=): country, agreement, "
            "criterion while it stands, grey and saying why once it does not",
            "parameters": [
                _ID,
                {"name": "lang", "in": "query", "required": False, "schema": {"type": "string"}},
            ],
            "responses": {
                "200": {"description": "SVG", "content": {"image/svg+xml": {}}},
                "304": {"description": "unchanged since the ETag sent in If-None-Match"},
                "404": {"description": "no origin statement matches this id"},
            },
        }
    },
    "/v/{public_id}": {
        "get": {
            "operationId": "verificationPage",
            "security": [],
            "summary": "the verification page (HTML; ?lang= or Accept-Language)",
            "parameters": [_ID],
            "responses": {
                "200": {"description": "page", "content": {"text/html": {}}},
                "404": {"description": "the not-found page"},
            },
        },
        "post": {
            "operationId": "unlockVerificationPage",
            "security": [],
            "summary": "the page with the full certificate, for its access code (the page's form)",
            "parameters": [_ID],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "properties": {"code": {"type": "string"}, "lang": {"type": "string"}},
                        }
                    }
                },
            },
            "responses": {
                "200": {"description": "the full page", "content": {"text/html": {}}},
                "403": {"description": "the page, saying the code is not correct"},
                "404": {"description": "the not-found page"},
            },
        },
    },
    "/v": {
        "get": {
            "operationId": "lookupPage",
            "security": [],
            "summary": "typed-in lookup page: ?code= (short code) or ?number=&invoice=",
            "responses": {
                "200": {"description": "the form", "content": {"text/html": {}}},
                "303": {"description": "found: redirect to /v/{public_id}"},
                "400": {"description": "the code's check character does not match"},
                "404": {"description": "the not-found page"},
            },
        }
    },
    "/.well-known/did.json": {
        "get": {
            "operationId": "didDocument",
            "security": [],
            "responses": {"200": {"description": "did:web document"}},
        }
    },
    "/.well-known/sandbox/jwks.json": {
        "get": {
            "operationId": "sandboxJwks",
            "security": [],
            "summary": "the sandbox key set (sandbox certificates verify against it only)",
            "responses": {"200": {"description": "JWKS"}, "404": _NOT_FOUND},
        }
    },
    "/.well-known/jwt-vc-issuer": {
        "get": {
            "operationId": "jwtVcIssuer",
            "security": [],
            "summary": "SD-JWT VC issuer metadata {issuer, jwks_uri}",
            "responses": {"200": {"description": "issuer metadata"}},
        }
    },
    "/.well-known/jwt-vc-issuer/sandbox": {
        "get": {
            "operationId": "jwtVcIssuerSandbox",
            "security": [],
            "summary": "SD-JWT VC issuer metadata of the sandbox issuer",
            "responses": {"200": {"description": "issuer metadata"}},
        }
    },
}

EXTRA_PATHS.update(PATHS)
