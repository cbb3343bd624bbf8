"""Verification of one certificate: lookup by link/code or by number + invoice, the three
checks, and the cached result. Routes (routes.py) only translate HTTP."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from originlink.links import InvalidCode, resolve, short_code_with_check

from . import checks

_results = checks.LruCache(8192)
_jwks = checks.JwksCache()


def jwks_info(ctx) -> dict:
    keyring = ctx.keyring
    info = _jwks.get(keyring)
    if not info["jwks"]["keys"]:  # a fresh service: publish its key before first use
        keyring.active_signer()
        _jwks._value = None
        info = _jwks.get(keyring)
    return info


def today():
    return datetime.now(UTC).date()


def lookup(ctx, text: str | None):
    """The record for a link id or typed short code, or None. A malformed id or a wrong check
    character is refused here, before the store is asked."""
    try:
        public_id = resolve(text or "")
    except InvalidCode:
        return None
    return ctx.store.get_by_public_id(public_id)


def lookup_number_invoice(ctx, number: str, invoice: str) -> list:
    return ctx.store.find_by_number_invoice(number.strip(), invoice.strip())


class Result:
    """A cached verification: the JSON-ready body, its serialised bytes and ETag."""

    __slots__ = ("body", "json", "etag", "record", "valid_until", "pages")

    def __init__(self, body: dict, record, valid_until):
        self.body = body
        self.record = record
        self.valid_until = valid_until
        self.json = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        self.etag = '"' + hashlib.sha256(self.json.encode()).hexdigest()[:32] + '"'
        self.pages: dict = {}  # rendered HTML per language (routes.py fills it)


def _replacement(ctx, record):
    if record.state != "replaced" or not record.replaced_by:
        return None
    return ctx.store.get_certificate(record.exporter_id, record.replaced_by)


def verify(ctx, record) -> Result:
    day = today()
    key = (record.id, record.version, record.digest, day)
    cached = _results.get(key)
    if cached is not None:
        return cached
    info = jwks_info(ctx)
    public, valid_until = checks.public_certificate(record)
    events = ctx.store.list_events(record.id) if record.state not in checks.LIVE_STATES else []
    integrity = checks.check_integrity(record, info["jwks"])
    status = checks.check_status(record, events, valid_until, day, _replacement(ctx, record))
    issuer = checks.check_issuer(public, record, ctx.settings.issuer, info["status"])
    ok = integrity["ok"] and status["ok"] and issuer["ok"]
    code = short_code_with_check(record.public_id)
    body = {
        "public_id": record.public_id,
        "code": code,
        "verdict": "valid" if ok else "not_valid",
        "checked_on": day.isoformat(),
        "checks": {"integrity": integrity, "status": status, "issuer": issuer},
        "view": "public",
        "certificate": public,
        "links": {
            "page": f"/V/{code}",
            "self": f"/v1/verify/{record.public_id}",
            "document": document_path(record),
            "credential": f"/v1/verify/{record.public_id}/credential",
            "qr": f"/v1/qr/{record.public_id}.svg",
            "jwks": "/.well-known/jwks.json",
        },
    }
    result = Result(body, record, valid_until)
    _results.put(key, result)
    return result


def document_path(record) -> str:
    """Content-addressed: the URL changes when (and only when) the signed content does."""
    return f"/v1/verify/{record.public_id}/document/{record.digest.split(':', 1)[1]}"


def full_body(result: Result, *, include_evidence: bool) -> dict:
    """The verification with the full certificate (access code or owning exporter)."""
    body = dict(result.body)
    body["view"] = "full"
    body["certificate"] = {
        **checks.full_certificate(result.record, include_evidence=include_evidence),
        "document_hash": result.record.digest,
    }
    return body


def signed_document(record, *, full: bool, include_evidence: bool) -> dict:
    """What `originlink verify FILE` checks offline: the service's JWS and the document. The
    public form carries only the public view (the digest cannot be recomputed from it, but the
    signature over the digest, public id and number still verifies)."""
    if full:
        document = checks.full_certificate(record, include_evidence=include_evidence)
        redacted = [] if include_evidence else _redacted_paths(record.document)
    else:
        document, _ = checks.public_certificate(record)
        redacted = ["*"]
    return {
        "type": "originlink.signed-certificate",
        "public_id": record.public_id,
        "digest": record.digest,
        "jws": record.jws,
        "kid": record.kid,
        "view": "full" if full else "public",
        "redacted": redacted,
        "certificate": document,
    }


def _redacted_paths(document: dict) -> list[str]:
    return [
        f"goods_items[{i}].evidence"
        for i, item in enumerate(document.get("goods_items", []))
        if item.get("evidence") is not None
    ]


def clear_caches() -> None:
    _results.clear()
    _jwks._value = None
