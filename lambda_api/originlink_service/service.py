"""Certificate operations, thin over the core: validate (originlink.model), canonicalise and
digest (originlink.formats.canonical), sign (originlink.signing), then commit everything a
request changes in one storage transaction. Used by the routes and the outbox worker.

Each operation does what it is named for: `create`, `cancel`, `replace` and
`certified_true_copy` compute their change and commit it, at most once per Idempotency-Key
(`@idempotent`). Refusals are domain errors (`errors.py`); only the HTTP edge maps them to
statuses."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import wraps

import rfc8785

from originlink.classify import classify_certificate
from originlink.formats.canonical import digest as certificate_digest
from originlink.links import certificate_path, page_path, print_link, verify_path
from originlink.links.access import new_access_code
from originlink.model import Certificate, Problem, check_certificate
from originlink.states import STANDING

from . import changes, lifecycle
from .customs import routing
from .errors import Conflict, InvalidInput, InvalidState, NotFound
from .lifecycle import TransitionNotAllowed
from .schemas import CertificateResource
from .settings import Context, SandboxUnavailable
from .storage import (
    CertificateRecord,
    DuplicateNumber,
    DuplicateProduct,
    Event,
    IdempotencyKeyTaken,
    IdempotencyRecord,
    OutboxEntry,
    RecordUpdate,
    VersionConflict,
    WriteBatch,
)

# public_id: 16 random bytes = 128 bits, URL-safe (short codes: originlink.links).


# Ids this service gives out. Anything else is answered "not found" without asking the store
# (DynamoDB refuses keys over 2,048 bytes with an error rather than a miss).
CERTIFICATE_ID = re.compile(r"crt_[0-9a-f]{20}")
# The cursor `list_certificates` hands out: "<created_at>|<certificate id>".
LIST_CURSOR = re.compile(r"\d{4}-\d{2}-\d{2}T[0-9:.]{8,15}Z\|crt_[0-9a-f]{20}")


def new_public_id() -> str:
    return secrets.token_urlsafe(16)


@dataclass
class Answer:
    """What an operation answers: the resource, whether it was created (else changed), and
    whether this is the replay of an earlier request's answer."""

    status: int  # 201 created, 200 changed: kept as sent, so a replay answers the same
    body: dict
    replayed: bool = False


@dataclass
class Change:
    """Everything one operation changes (committed in one transaction) and the resulting
    resource."""

    batch: WriteBatch
    body: dict
    created: bool = False


@dataclass(frozen=True)
class IdempotentRequest:
    """The request's Idempotency-Key and the hash of what it asks (`request_hash`)."""

    key: str
    hash: str


# --- representation -----------------------------------------------------------------------


# Resource fields copied as they are from the stored record.
_RESOURCE_FIELDS = [
    name
    for name in CertificateResource.model_fields
    if name in CertificateRecord.__dataclass_fields__
]


def resource(record: CertificateRecord, origin: str) -> dict:
    """The API representation (schema: `CertificateResource`; the tests validate every answer
    against it); `origin` is the configured public origin, for `links.print`. Built directly
    rather than through the model: re-validating the stored certificate on every read would
    cost more than the rest of the request."""
    base = certificate_path(record.id)
    return {
        **{name: getattr(record, name) for name in _RESOURCE_FIELDS},
        "document_type": record.document.get("document_type"),
        "importing_party": record.document.get("importing_party"),
        "signature": {"alg": "ES256", "kid": record.kid, "jws": record.jws},
        "links": {
            "self": base,
            "events": base + "/events",
            "verify": verify_path(record.public_id),
            "page": page_path(record.public_id),
            "print": print_link(
                origin, record.public_id, record.access_code, sandbox=record.sandbox
            ),
        },
        "customs": routing.customs_view(record),
        "certification": record.certification,
        "certificate": record.document,
    }


# --- validation ---------------------------------------------------------------------------


def _not_an_object(data) -> list[Problem]:
    """The core also reads str/bytes as JSON text; over HTTP the body is already parsed, so
    anything but an object is simply the wrong shape."""
    if isinstance(data, dict):
        return []
    message = f"the certificate must be a JSON object, not {type(data).__name__}"
    return [Problem(path="", code="bad_type", message=message, article="Annex 3B")]


def today_utc() -> date:
    """The date the date rules (issued in the future, expired: Art 3.16) are checked against."""
    return datetime.now(UTC).date()


def check(data, *, today: date, prefix: str = "") -> Certificate:
    cert, problems = (
        (None, _not_an_object(data))
        if _not_an_object(data)
        else check_certificate(data, today=today)
    )
    if problems:
        if prefix:
            problems = [
                p.model_copy(update={"path": prefix + (("." + p.path) if p.path else "")})
                for p in problems
            ]
        raise InvalidInput.from_problems(problems)
    return cert


def precheck(data) -> dict:
    """Dry run of create: the same checks (with today's date), plus the classification
    (originlink.classify). Warnings are given whenever the document could be read; the lane
    only for a valid document, since an invalid one would not be accepted at all."""
    today = today_utc()
    cert, problems = (
        (None, _not_an_object(data))
        if _not_an_object(data)
        else check_certificate(data, today=today)
    )
    classified = classify_certificate(cert, today=today) if cert is not None else None
    return {
        "valid": not problems,
        "errors": [p.model_dump() for p in problems],
        "warnings": [w.model_dump() for w in classified.warnings] if classified else [],
        "classification": (
            {"lane": classified.lane, "reasons": classified.reasons}
            if classified is not None and not problems
            else None
        ),
        "digest": certificate_digest(cert) if cert is not None and not problems else None,
        "valid_until": cert.valid_until.isoformat() if cert is not None else None,
    }


# --- building records ---------------------------------------------------------------------


def _new_record(
    ctx: Context,
    exporter_id: str,
    cert: Certificate,
    *,
    actor: str,
    replaces: str | None = None,
    copy_of: str | None = None,
    reuses_number: bool = False,
    detail: dict | None = None,
    today: date,
    sandbox: bool = False,
) -> tuple[CertificateRecord, list[Event], list[OutboxEntry]]:
    """A new signed record, its first two events, and the outbox entries that send it on
    (customs/routing.py decides where: issuing body, destination, or paper only)."""
    cid = "crt_" + secrets.token_hex(10)
    # The lane at issue goes on the "issued" event (codes only: no figures), not the record, so
    # neither storage adapter changes; a later reclassification would be a new event.
    classified = classify_certificate(cert, today=today)
    public_id = new_public_id()
    digest = certificate_digest(cert)
    document = cert.model_dump(mode="json")
    signed = sign_certificate(
        ctx,
        document,
        public_id=public_id,
        digest=digest,
        valid_until=cert.valid_until.isoformat(),
        submitted_by=exporter_name(ctx, exporter_id),
        sandbox=sandbox,
    )
    received = lifecycle.make_event(
        cid, 1, "received", lifecycle.RECEIVED, actor=actor, prev_hash=None, detail=detail
    )
    record = CertificateRecord(
        id=cid,
        exporter_id=exporter_id,
        public_id=public_id,
        access_code=new_access_code(),
        state=lifecycle.ISSUED,
        version=2,
        number=cert.number,
        invoice_numbers=[inv.number for inv in cert.invoices],
        document=document,
        digest=digest,
        jws=signed.jwt,
        kid=signed.kid,
        sandbox=sandbox,
        sd_seed=signed.seed,
        created_at=received.at,
        updated_at=received.at,
        last_event_hash=received.hash,
        replaces=replaces,
        copy_of=copy_of,
        reuses_number=reuses_number,
    )
    outbox = routing.plan_new(ctx, record, cert, received.at)
    plan = record.customs
    issued = lifecycle.make_event(
        cid,
        2,
        "issued",
        lifecycle.ISSUED,
        actor="service",
        prev_hash=received.hash,
        detail={
            "digest": digest,
            "kid": signed.kid,
            "sandbox": sandbox,
            "classification": {
                "lane": classified.lane,
                "warnings": [w.code for w in classified.warnings],
            },
            # Where it goes, as decided now (the configuration may change later).
            "customs": {k: plan[k] for k in ("destination", "mode", "format", "why")},
            "issuing_body": plan["issuing_body"],
        },
    )
    record.updated_at, record.last_event_hash = issued.at, issued.hash
    return record, [received, issued], outbox


@dataclass(frozen=True)
class Signed:
    jwt: str  # the issuer-signed JWT
    seed: str  # the salts' secret seed (base64url): with the document, every disclosure
    kid: str


def exporter_name(ctx: Context, exporter_id: str) -> str:
    """The exporter's account name (set by the operator with `keys create`): who the service
    signs on behalf of, which may differ from the name typed in the certificate."""
    exporter = ctx.store.get_exporter(exporter_id)
    return exporter.name if exporter is not None else exporter_id


def sign_certificate(
    ctx: Context,
    document: dict,
    *,
    public_id: str,
    digest: str,
    valid_until: str,
    submitted_by: str,
    sandbox: bool,
    issued_at: int | None = None,
    extra_claims: dict | None = None,
) -> Signed:
    """The certificate's one SD-JWT issuance (originlink.credentials.views), signed with the
    production or the sandbox key set."""
    from originlink.credentials.views import issue_certificate  # lazy: needs cryptography

    try:
        signer = ctx.keyring_for(sandbox).active_signer()
    except SandboxUnavailable as exc:
        raise InvalidState(str(exc), state="sandbox") from exc
    seed = secrets.token_bytes(32)
    issued = issue_certificate(
        document,
        signer,
        origin=ctx.settings.origin,
        public_id=public_id,
        digest=digest,
        valid_until=valid_until,
        submitted_by=submitted_by,
        sandbox=sandbox,
        issued_at=issued_at if issued_at is not None else int(time.time()),
        seed=seed,
        extra_claims=extra_claims,
    )
    return Signed(issued.jwt, b64url(seed), signer.kid)


def b64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# --- idempotency --------------------------------------------------------------------------


def request_hash(method: str, path: str, body: object) -> str:
    """Same method, path and JSON content (whatever the whitespace or key order) → same hash."""
    return canonical_request_hash(method, path, rfc8785.dumps(body) if body is not None else b"")


def canonical_request_hash(method: str, path: str, canonical: bytes) -> str:
    """`request_hash` of a body already in RFC 8785 form (`http.canonical_json_body`)."""
    return hashlib.sha256(f"{method} {path}\n".encode() + canonical).hexdigest()


def _replay(record: IdempotencyRecord, req_hash: str) -> Answer:
    if record.request_hash != req_hash:
        raise Conflict(
            "this Idempotency-Key was already used with a different request; "
            "use a new key for a new request",
            code="idempotency_key_reused",
        )
    return Answer(record.status, json.loads(record.body), replayed=True)


def run_once(
    ctx: Context, exporter_id: str, request: IdempotentRequest, prepare: Callable[[], Change]
) -> Answer:
    """Compute a change with `prepare()` and commit it, at most once per (exporter, key).
    `prepare` validates too, so a replay answers from the record without re-checking anything.

    The idempotency record is written in the same transaction as the change it answers, so a
    replay after a crash sees either both or neither; when two requests race, the storage's
    uniqueness check lets exactly one commit and the other replays its answer."""
    store = ctx.store
    existing = store.get_idempotency(exporter_id, request.key)
    if existing is not None:
        return _replay(existing, request.hash)
    try:
        change = prepare()
    except (NotFound, InvalidInput, InvalidState, Conflict):
        # A duplicate of this request may have committed since the check above, changing
        # what `prepare` saw (a cancel finds the record cancelled): answer as its replay.
        winner = store.get_idempotency(exporter_id, request.key)
        if winner is not None:
            return _replay(winner, request.hash)
        raise
    status = 201 if change.created else 200
    batch = change.batch
    batch.idempotency = IdempotencyRecord(
        exporter_id=exporter_id,
        key=request.key,
        request_hash=request.hash,
        status=status,
        # Key order kept: the replay is serialised exactly like the first answer.
        body=json.dumps(change.body, ensure_ascii=False),
        created_at=lifecycle.now_iso(),
        certificate_id=change.body.get("id"),
    )
    try:
        changes.commit(ctx, batch)
    except IdempotencyKeyTaken:
        return _replay(store.get_idempotency(exporter_id, request.key), request.hash)
    except DuplicateNumber as exc:
        winner = store.get_idempotency(exporter_id, request.key)  # a racing duplicate
        if winner is not None:
            return _replay(winner, request.hash)
        raise Conflict(
            f"number: you already have a certificate numbered {exc}; to correct it use "
            "POST /v1/certificates/{id}/replace",
            code="duplicate_number",
            article="Art 3.17",
            errors=[
                {
                    "path": "number",
                    "code": "duplicate_number",
                    "message": f"number: {exc} is already used by another of your certificates",
                    "article": "Art 3.17",
                }
            ],
        ) from exc
    except DuplicateProduct as exc:  # an origin statement published meanwhile
        winner = store.get_idempotency(exporter_id, request.key)
        if winner is not None:
            return _replay(winner, request.hash)
        raise Conflict(
            f"statement.product.reference: another of your statements already stands for "
            f"product {str(exc)!r}; renew or withdraw it first",
            code="statement_exists",
        ) from exc
    except VersionConflict as exc:
        # DynamoDB may report a racing duplicate as a transaction conflict: if the other
        # request has committed this key meanwhile, answer as a replay.
        winner = store.get_idempotency(exporter_id, request.key)
        if winner is not None:
            return _replay(winner, request.hash)
        raise Conflict(
            "the record changed while this request was processed; read it again and retry",
            code="version_conflict",
        ) from exc
    return Answer(status, change.body)


def idempotent(operation: Callable[..., Change]) -> Callable[..., Answer]:
    """`operation(ctx, exporter_id, ...) -> Change`, run and committed at most once per
    Idempotency-Key: the decorated function takes `request=IdempotentRequest(...)`."""

    @wraps(operation)
    def run(ctx: Context, exporter_id: str, *args, request: IdempotentRequest, **kwargs):
        return run_once(
            ctx, exporter_id, request, lambda: operation(ctx, exporter_id, *args, **kwargs)
        )

    return run


# --- operations ---------------------------------------------------------------------------


def load(
    ctx: Context, exporter_id: str, certificate_id: str, *, sandbox: bool | None = None
) -> CertificateRecord:
    """The exporter's certificate; with `sandbox` given, only one of that world (a sandbox
    key never reaches a real certificate, nor a production key a sandbox one)."""
    record = None
    if CERTIFICATE_ID.fullmatch(certificate_id):
        record = ctx.store.get_certificate(exporter_id, certificate_id)
    if record is not None and sandbox is not None and record.sandbox != sandbox:
        record = None
    if record is None:
        # Same answer for "does not exist" and "belongs to another exporter".
        raise NotFound("no certificate with this id")
    return record


def _advance(record: CertificateRecord, type_: str, new_state: str, *, article=None, **kwargs):
    try:
        return lifecycle.advance(record, type_, new_state, **kwargs)
    except TransitionNotAllowed as exc:
        raise InvalidState(str(exc), article=article, state=exc.current) from exc


@idempotent
def create(ctx: Context, exporter_id: str, data: object, *, sandbox: bool = False) -> Change:
    today = today_utc()
    cert = check(data, today=today)
    record, events, outbox = _new_record(
        ctx, exporter_id, cert, actor=exporter_id, today=today, sandbox=sandbox
    )
    return Change(
        WriteBatch(creates=[(record, events)], outbox=outbox),
        resource(record, ctx.settings.origin),
        True,
    )


@idempotent
def cancel(
    ctx: Context, exporter_id: str, certificate_id: str, reason: str, *, sandbox: bool = False
) -> Change:
    record = load(ctx, exporter_id, certificate_id, sandbox=sandbox)
    updated, event = _advance(
        record, "cancelled", lifecycle.CANCELLED, actor=exporter_id, detail={"reason": reason}
    )
    notice = routing.on_withdrawn(updated, event.at, reason=reason)
    return Change(
        WriteBatch(updates=[RecordUpdate(updated, record.version, [event])], outbox=notice),
        resource(updated, ctx.settings.origin),
    )


@idempotent
def replace(
    ctx: Context,
    exporter_id: str,
    certificate_id: str,
    data: dict,
    reason: str,
    *,
    sandbox: bool = False,
) -> Change:
    """Art 3.17.5: issue a new certificate and invalidate the original, in one transaction."""
    original = load(ctx, exporter_id, certificate_id, sandbox=sandbox)
    today = today_utc()
    cert = check(data, today=today, prefix="certificate")
    new, events, outbox = _new_record(
        ctx,
        exporter_id,
        cert,
        actor=exporter_id,
        replaces=original.id,
        # Keeping the original's number reuses it; a new number must be free (Art 3.17).
        reuses_number=cert.number == original.number,
        detail={"replaces": original.id, "reason": reason},
        today=today,
        sandbox=original.sandbox,
    )
    updated, event = _advance(
        original,
        "replaced",
        lifecycle.REPLACED,
        article="Art 3.17.5",
        actor=exporter_id,
        detail={"replaced_by": new.id, "reason": reason, "article": "Art 3.17.5"},
    )
    updated.replaced_by = new.id
    notice = routing.on_withdrawn(updated, event.at, reason=reason, replaced_by=new.number)
    batch = WriteBatch(
        creates=[(new, events)],
        updates=[RecordUpdate(updated, original.version, [event])],
        outbox=outbox + notice,
    )
    return Change(batch, resource(new, ctx.settings.origin), created=True)


@idempotent
def certified_true_copy(
    ctx: Context,
    exporter_id: str,
    certificate_id: str,
    reason: str,
    note: str | None,
    today: date,
    *,
    sandbox: bool = False,
) -> Change:
    """Art 3.17.9: a copy marked CERTIFIED TRUE COPY, with the original's number and issue
    date, for a lost, stolen or destroyed original. The original stays valid; the copy is its
    own signed record pointing to it (`copy_of`)."""
    original = load(ctx, exporter_id, certificate_id, sandbox=sandbox)
    if original.state not in STANDING:
        raise InvalidState(
            f"no certified true copy of a certificate in state {original.state!r}",
            article="Art 3.17.9",
            state=original.state,
        )
    doc = dict(original.document)
    doc["certified_true_copy"] = {
        "certified_on": today.isoformat(),
        "original_number": original.number,
        "original_issue_date": doc["issue_date"],
    }
    cert, problems = check_certificate(doc, today=today)
    if problems:
        raise InvalidInput.from_problems(problems, code="copy_not_allowed")
    detail = {"copy_of": original.id, "reason": reason, "note": note}
    copy, events, outbox = _new_record(
        ctx,
        exporter_id,
        cert,
        actor=exporter_id,
        copy_of=original.id,
        reuses_number=True,
        detail=detail,
        today=today,
        sandbox=original.sandbox,
    )
    updated, event = lifecycle.advance(
        original,
        "certified_true_copy_issued",
        None,
        actor=exporter_id,
        detail={"copy": copy.id, "reason": reason, "article": "Art 3.17.9"},
    )
    batch = WriteBatch(
        creates=[(copy, events)],
        updates=[RecordUpdate(updated, original.version, [event])],
        outbox=outbox,
    )
    return Change(batch, resource(copy, ctx.settings.origin), created=True)


def record_status(
    ctx: Context, record: CertificateRecord, type_: str, new_state: str, *, actor: str, detail: dict
) -> CertificateRecord:
    """A status change without idempotency key (outbox worker, customs callbacks)."""
    updated, event = lifecycle.advance(record, type_, new_state, actor=actor, detail=detail)
    changes.commit(ctx, WriteBatch(updates=[RecordUpdate(updated, record.version, [event])]))
    return updated
