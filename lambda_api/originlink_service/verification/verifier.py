"""Verification of one certificate: lookup by link/code or by number + invoice, the three
checks, and the cached result. Routes (routes.py) only translate HTTP."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from originlink.links import InvalidCode, public_links, resolve, short_code_with_check
from originlink.states import NOT_PUBLIC, VERIFIES_AS_VALID

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


# A record is not public (originlink.states.NOT_PUBLIC) only at version 1 (its `received`
# event; `issued` is event 2), which `find` uses to refuse it as cheaply as an unknown id.
FIRST_PUBLIC_VERSION = 2


def _public_id(text: str | None) -> str | None:
    """A malformed id or a wrong check character is refused here, before the store is asked."""
    try:
        return resolve(text or "")
    except InvalidCode:
        return None


def lookup(ctx, text: str | None):
    """The public record for a link id or typed short code, or None (unknown or hidden)."""
    public_id = _public_id(text)
    record = ctx.store.get_by_public_id(public_id) if public_id else None
    if record is None or record.state in NOT_PUBLIC:
        return None
    return record


def find(ctx, text: str | None) -> Result | None:
    """The verification for a link id or typed short code, or None (unknown or hidden). The
    hot path: one narrow read of the version finds a cached result without reading (and
    parsing) the stored document; only a new version or a new day reads the record."""
    public_id = _public_id(text)
    head = ctx.store.get_version_by_public_id(public_id) if public_id else None
    if head is None or head[1] < FIRST_PUBLIC_VERSION:
        return None
    cached = _results.get((*head, today()))
    if cached is not None:
        return cached
    record = lookup(ctx, public_id)
    return verify(ctx, record) if record is not None else None


# Certificate and invoice numbers are at most this long (originlink.model.types.Reference):
# a longer one matches nothing, and is not sent to the store (DynamoDB limits key sizes).
MAX_REFERENCE = 100


def lookup_number_invoice(ctx, number: str, invoice: str) -> list:
    """The public records with this certificate number and invoice number (oldest first)."""
    number, invoice = number.strip(), invoice.strip()
    if len(number) > MAX_REFERENCE or len(invoice) > MAX_REFERENCE:
        return []
    records = ctx.store.find_by_number_invoice(number, invoice)
    return [r for r in records if r.state not in NOT_PUBLIC]


class Result:
    """A cached verification: the JSON-ready body, its serialised bytes and ETag."""

    __slots__ = ("body", "json", "etag", "record", "valid_until", "pages")

    def __init__(self, body: dict, record, valid_until):
        self.body = body
        self.record = record
        self.valid_until = valid_until
        self.json = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        # ECDSA signatures differ at each signing, so the ETag covers everything but the
        # status attestation (whose claims are all in the body): every worker agrees on it.
        unsigned = {k: v for k, v in body.items() if k != "status_attestation"}
        digest = hashlib.sha256(json.dumps(unsigned, sort_keys=True).encode()).hexdigest()
        self.etag = '"' + digest[:32] + '"'
        self.pages: dict = {}  # rendered HTML per language (routes.py fills it)


def _replacement(ctx, record):
    if record.state != "replaced" or not record.replaced_by:
        return None
    return ctx.store.get_certificate(record.exporter_id, record.replaced_by)


def verify(ctx, record) -> Result:
    day = today()
    # Every change of a record is a new version (records.py), so (id, version, day) names
    # one result; `find` looks it up knowing only the id and version.
    key = (record.id, record.version, day)
    cached = _results.get(key)
    if cached is not None:
        return cached
    info = jwks_info(ctx)
    public, valid_until = checks.public_certificate(record)
    events = ctx.store.list_events(record.id) if record.state not in VERIFIES_AS_VALID else []
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
        "links": public_links(record.public_id, record.digest),
    }
    body["status_attestation"] = _attest(ctx, record, status, day)
    result = Result(body, record, valid_until)
    _results.put(key, result)
    return result


STATUS_TYP = "originlink-status+jwt"


def status_claims(issuer: str, record, status: dict, day) -> dict:
    """What the status attestation signs: which document (public id, number, digest), its
    status code with date, reason and replacement, the record version and the day checked."""
    replaced_by = (status.get("replaced_by") or {}).get("public_id")
    return {
        "iss": issuer,
        "sub": record.public_id,
        "number": record.number,
        "digest": record.digest,
        "status": status["code"],
        "since": status.get("since"),
        "reason": status.get("reason"),
        "replaced_by": replaced_by,
        "version": record.version,
        "checked_on": day.isoformat(),
    }


def _attest(ctx, record, status: dict, day) -> str:
    """A signed status (TradeTrust's status answers are unsigned): a platform can keep proof of
    what it was told, and check it offline with `originlink verify`. Signed once per
    certificate version and day (cached with the result)."""
    import rfc8785

    from originlink.signing import sign_jws

    claims = status_claims(ctx.settings.issuer, record, status, day)
    return sign_jws(rfc8785.dumps(claims), ctx.keyring.active_signer(), typ=STATUS_TYP)


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
