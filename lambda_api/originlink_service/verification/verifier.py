"""Verification of one certificate: lookup by link/code or by number + invoice, the checks
(integrity, legal certification, status), the views each audience may download — each signed
over exactly the fields it shows — and the cached results. Routes (routes.py) only translate
HTTP."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, date, datetime

from originlink.links import InvalidCode, public_links, resolve, short_code_with_check
from originlink.states import NOT_PUBLIC, VERIFIES_AS_VALID

from . import checks

_results = checks.LruCache(8192)
_jwks = checks.JwksCache()


def jwks_info(ctx, sandbox: bool = False, kid: str | None = None) -> dict:
    """The published keys of the production (or sandbox) key set, re-read at once when `kid`
    is not among them (a rotation on another worker)."""
    keyring = ctx.keyring_for(sandbox)
    info = _jwks.get(keyring, kid)
    if not info["jwks"]["keys"]:  # a fresh service: publish its key before first use
        keyring.active_signer()
        _jwks.clear()
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
    """The public record for a link id or typed short code — a certificate's or an origin
    statement's (one space of public ids, one page) — or None (unknown or hidden)."""
    public_id = _public_id(text)
    if not public_id:
        return None
    record = ctx.store.get_by_public_id(public_id)
    if record is None:
        return ctx.store.get_statement_by_public_id(public_id)  # public from its first version
    return None if record.state in NOT_PUBLIC else record


def find(ctx, text: str | None) -> Result | None:
    """The verification for a link id or typed short code, or None (unknown or hidden). The
    hot path: one narrow read of the version finds a cached result without reading (and
    parsing) the stored document; only a new version or a new day reads the record. An id
    that is no certificate's is looked up among origin statements (a second narrow read)."""
    public_id = _public_id(text)
    if not public_id:
        return None
    head = ctx.store.get_version_by_public_id(public_id)
    if head is None:
        head = ctx.store.get_statement_version_by_public_id(public_id)
    elif head[1] < FIRST_PUBLIC_VERSION:
        return None
    if head is None:
        return None
    cached = _results.get((*head, today()))
    if cached is not None and cached.fresh():
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


# A result that could not verify the signature's key is kept this long only: the key may be a
# new one (a rotation by another worker) that the next request finds.
UNKNOWN_KEY_TTL = 1.0
# An answer whose endorsement could not be checked (the issuing body's keys unreadable) is
# kept a minute, not the day: the customs configuration retries their keys each minute.
UNCHECKED_ENDORSEMENT_TTL = 60.0


class Result:
    """A cached verification: the JSON-ready body, its serialised bytes and ETag, the signed
    claims, and the answers of the other views (filled on first use)."""

    __slots__ = (
        "body",
        "json",
        "etag",
        "record",
        "valid_until",
        "pages",
        "claims",
        "views",
        "expires",
        "issued",
    )

    def __init__(self, body: dict, record, valid_until, claims: dict | None):
        self.body = body
        self.record = record
        self.valid_until = valid_until
        self.claims = claims
        self.json = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        # ECDSA signatures differ at each signing, so the ETag covers everything but the
        # status attestation (whose claims are all in the body): every worker agrees on it.
        unsigned = {k: v for k, v in body.items() if k != "status_attestation"}
        digest = hashlib.sha256(json.dumps(unsigned, sort_keys=True).encode()).hexdigest()
        self.etag = '"' + digest[:32] + '"'
        self.pages: dict = {}  # rendered HTML per language (routes.py fills it)
        self.views: dict = {}  # view -> (body, json) of the access-code and owner's answers
        unknown = body["checks"]["integrity"]["code"] == "unknown_key"
        legal = body["checks"].get("legal", {})
        # Not checked, or signed with a key the body may have published since: a minute.
        unchecked = legal.get("code") == "endorsement_unchecked" or legal.get("reason") == (
            "unknown_key"
        )
        if unknown:
            self.expires = time.monotonic() + UNKNOWN_KEY_TTL
        elif unchecked:  # the issuing body's keys may be readable again in a minute
            self.expires = time.monotonic() + UNCHECKED_ENDORSEMENT_TTL
        else:
            self.expires = None
        self.issued = None  # the rebuilt SD-JWT issuance (views present subsets of it)

    def fresh(self) -> bool:
        return self.expires is None or time.monotonic() < self.expires


def _replacement(ctx, record):
    if record.state != "replaced" or not record.replaced_by:
        return None
    return ctx.store.get_certificate(record.exporter_id, record.replaced_by)


def issuing_body(ctx, body_id: str | None, *, refresh: bool = False) -> dict | None:
    """The issuing body's configuration (id, name, lookup_url, jwks) from the service's
    destinations configuration (`ctx.issuing_bodies`: id -> dict), or None. `refresh`: its
    keys fetched again (a key it published since they were last fetched)."""
    if not body_id:
        return None
    from ..settings import IssuingBodyKeys

    bodies = getattr(ctx, "issuing_bodies", None)
    if callable(bodies):
        bodies = bodies()
    try:
        if bodies is None:
            found = None
        elif refresh and isinstance(bodies, IssuingBodyKeys):
            found = bodies.get(body_id, refresh=True)
        else:
            found = bodies.get(body_id)
    except AttributeError:
        return None
    if found is not None and not isinstance(found, dict):
        found = getattr(found, "__dict__", None)
    return found


def legal(ctx, record, certificate: dict) -> dict:
    from originlink.credentials.legal import legal_certification

    certification = getattr(record, "certification", None)
    body_id = certification.get("issuing_body") if isinstance(certification, dict) else None
    body_id = body_id if isinstance(body_id, str) else None

    def statement_with(body):
        return legal_certification(
            certificate.get("document_type"),
            certification,
            issuing_body=body,
            digest=record.digest,
            number=record.number,
            approved_exporter_code=certificate.get("approved_exporter_code"),
            sandbox=bool(record.sandbox),
        )

    statement = statement_with(issuing_body(ctx, body_id))
    if statement.get("reason") == "unknown_key":  # signed with a key newer than those held
        statement = statement_with(issuing_body(ctx, body_id, refresh=True))
    # The issuing body's own signed answer travels with the statement, so a saved answer can be
    # checked offline against that body's published keys (`originlink verify --issuer-jwks`).
    if statement["code"] in {"endorsed", "refused", "endorsement_invalid", "endorsement_unchecked"}:
        token = certification.get("jws")
        if isinstance(token, str):
            statement["endorsement"] = token
    # What the exporter typed in Box 16, shown for what it is: named in the document.
    named = (certificate.get("certification") or {}).get("issuing_body")
    if named:
        statement["named_in_document"] = named
    return statement


def verify(ctx, record) -> Result:
    from originlink.credentials import sdjwt, views
    from originlink.credentials.legal import headline

    if checks.is_statement(record):
        from . import statement

        return statement.verify(ctx, record)
    day = today()
    # Every change of a record is a new version (records.py), so (id, version, day) names
    # one result; `find` looks it up knowing only the id and version.
    key = (record.id, record.version, day)
    cached = _results.get(key)
    if cached is not None and cached.fresh():
        return cached
    record = upgrade_legacy(ctx, record)
    key = (record.id, record.version, day)
    info = jwks_info(ctx, record.sandbox, record.kid)
    integrity, claims, issued = checks.check_integrity(record, info, ctx.settings.issuer)
    if claims is not None:
        presentation = views.present(issued, "public")
        certificate = sdjwt.verify(presentation, info["jwks"], typ=views.TYPES).claims[
            "certificate"
        ]
        valid_until = date.fromisoformat(claims["valid_until"])
    else:  # nothing signed can be shown
        presentation, certificate = None, {"number": record.number}
        valid_until = _document_valid_until(record)
    events = ctx.store.list_events(record.id) if record.state not in VERIFIES_AS_VALID else []
    status = checks.check_status(record, events, valid_until, day, _replacement(ctx, record))
    statement = legal(ctx, record, certificate)
    verdict = headline(integrity_ok=integrity["ok"], status_ok=status["ok"], legal=statement)
    code = short_code_with_check(record.public_id)
    body = {
        "public_id": record.public_id,
        "code": code,
        "verdict": verdict,
        "sandbox": bool(record.sandbox),
        "checked_on": day.isoformat(),
        "checks": {"integrity": integrity, "legal": statement, "status": status},
        "view": "public",
        "certificate": certificate,
        "valid_until": valid_until.isoformat(),
        "sd_jwt": presentation,
        "links": public_links(record.public_id, record.digest, sandbox=bool(record.sandbox)),
    }
    body["status_attestation"] = _attest(ctx, record, status, day, body)
    result = Result(body, record, valid_until, claims)
    result.issued = issued
    _results.put(key, result)
    return result


def _document_valid_until(record) -> date:
    """Validity from the stored document, needed only when the signed claims cannot be read
    (integrity failed): the document may then be anything. One today's model refuses (stored
    under older rules — before control characters were refused in text — or edited behind
    the service) is valid a year from its issue date, or counts as expired without one."""
    from originlink.model import CertificateInvalid, parse_certificate
    from originlink.model.certificate import add_months

    try:
        return parse_certificate(record.document).valid_until
    except CertificateInvalid:
        try:
            return add_months(date.fromisoformat(record.document["issue_date"]), 12)
        except (KeyError, TypeError, ValueError):
            return date.min


STATUS_TYP = "originlink-status+jwt"


def status_claims(issuer: str, record, status: dict, day, answer: dict) -> dict:
    """What the status attestation signs: which document (public id, number, digest), its
    status code with date, reason and replacement, the record version, the day checked, and
    the digest of the whole answer it comes with (`answer`), so a saved answer cannot be
    edited in any part."""
    from originlink.credentials.offline import answer_digest

    replaced_by = (status.get("replaced_by") or status.get("superseded_by") or {}).get("public_id")
    return {
        "iss": issuer,
        "sub": record.public_id,
        # an origin statement has no number: its product reference stands in
        "number": getattr(record, "number", None) or getattr(record, "product_ref", None),
        "digest": record.digest,
        "status": status["code"],
        "since": status.get("since"),
        "reason": status.get("reason"),
        "replaced_by": replaced_by,
        "version": record.version,
        "checked_on": day.isoformat(),
        "answer": answer_digest(answer),
    }


def _attest(ctx, record, status: dict, day, answer: dict) -> str:
    """A signed status (TradeTrust's status answers are unsigned): a platform can keep proof of
    what it was told, and check it offline with `originlink verify`. Signed once per
    certificate version, day and view (cached with the result), with the key set of the
    certificate's world (sandbox or production)."""
    import rfc8785

    from originlink.signing import sign_jws

    claims = status_claims(ctx.settings.origin, record, status, day, answer)
    signer = ctx.keyring_for(bool(record.sandbox)).active_signer()
    return sign_jws(rfc8785.dumps(claims), signer, typ=STATUS_TYP)


def view_body(ctx, result: Result, view: str) -> tuple[dict, str]:
    """The answer of the access-code (`code`) or owner's (`full`) view: the same checks, the
    certificate as that view's SD-JWT discloses it, and its own status attestation. Built once
    per version, day and view."""
    from originlink.credentials import sdjwt, views

    cached = result.views.get(view)
    if cached is not None:
        return cached
    body = {k: v for k, v in result.body.items() if k != "status_attestation"}
    body["view"] = view
    if result.claims is not None:
        info = jwks_info(ctx, result.record.sandbox, result.record.kid)
        presentation = views.present(result.issued, view)
        body["sd_jwt"] = presentation
        body["certificate"] = sdjwt.verify(presentation, info["jwks"], typ=views.TYPES).claims[
            "certificate"
        ]
    day = date.fromisoformat(result.body["checked_on"])
    status = result.body["checks"]["status"]
    body["status_attestation"] = _attest(ctx, result.record, status, day, body)
    cached = (body, json.dumps(body, ensure_ascii=False))
    result.views[view] = cached
    return cached


def signed_document(ctx, result: Result, view: str) -> dict:
    """What `originlink verify FILE` checks offline: the view's SD-JWT, and beside it the
    fields it discloses (checked against it) and labels (never part of the verdict)."""
    from originlink.credentials import views

    if checks.is_statement(result.record):
        from . import statement

        return statement.signed_document(result)
    record = result.record
    presentation = views.present(result.issued, view) if result.claims is not None else None
    body = view_body(ctx, result, view)[0] if view != "public" else result.body
    return {
        "type": "originlink.signed-certificate",
        "format": views.TYP,
        "view": view,
        "public_id": record.public_id,
        "number": record.number,
        "digest": record.digest,
        "valid_until": result.body["valid_until"],
        "kid": record.kid,
        "jwks": result.body["links"]["jwks"],
        "sd_jwt": presentation,
        "certificate": body["certificate"],
    }


def upgrade_legacy(ctx, record):
    """A certificate signed before SD-JWT (a JWS over its digest and number only) gets its
    SD-JWT issuance at its first verification — only if the old signature holds and the stored
    document hashes to the signed digest — recorded as a `signature_upgraded` event in its
    hash chain (docs/verification.md, "Certificates signed before SD-JWT")."""
    if record.sd_seed or not record.jws:
        return record
    from originlink.signing import JwsError
    from originlink.signing.jws import decode_unverified

    from .. import lifecycle, service
    from ..storage import RecordUpdate, VersionConflict, WriteBatch

    info = jwks_info(ctx, record.sandbox, record.kid)
    if not checks.legacy_integrity(record, info["jwks"]):
        return record  # shown as not verified: nothing is re-signed that did not verify
    try:
        first = json.loads(decode_unverified(record.jws)[1]).get("iat")
    except (JwsError, ValueError):
        first = None
    signed = service.sign_certificate(
        ctx,
        record.document,
        public_id=record.public_id,
        digest=record.digest,
        valid_until=_document_valid_until(record).isoformat(),
        submitted_by=service.exporter_name(ctx, record.exporter_id),
        sandbox=bool(record.sandbox),
        extra_claims={"first_signed_at": first},
    )
    updated, event = lifecycle.advance(
        record,
        "signature_upgraded",
        None,
        actor="service",
        detail={"format": "dc+sd-jwt", "kid": signed.kid, "previous_kid": record.kid},
    )
    updated.sd_seed, updated.jws, updated.kid = signed.seed, signed.jwt, signed.kid
    try:
        ctx.store.commit(WriteBatch(updates=[RecordUpdate(updated, record.version, [event])]))
    except VersionConflict:  # another worker upgraded it (or it changed): read it again
        return ctx.store.get_by_public_id(record.public_id) or record
    return updated


def clear_caches() -> None:
    _results.clear()
    _jwks.clear()
