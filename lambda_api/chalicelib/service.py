"""Certificate operations, thin over the core: validate (originlink.model), canonicalise and
digest (originlink.formats.canonical), sign (originlink.signing), then commit everything a
request changes in one storage transaction. Used by the routes and the outbox worker."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

import rfc8785

from originlink.classify import classify_certificate
from originlink.formats.canonical import digest as certificate_digest
from originlink.links.access import new_access_code
from originlink.model import Certificate, Problem, check_certificate

from . import lifecycle
from .lifecycle import TransitionNotAllowed
from .problems import ApiProblem, from_core_problems
from .schemas import CertificateResource
from .storage import (
    CertificateRecord,
    DuplicateNumber,
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
    status: int
    body: dict
    replayed: bool = False


# --- representation -----------------------------------------------------------------------


# Resource fields copied as they are from the stored record.
_RESOURCE_FIELDS = [
    name
    for name in CertificateResource.model_fields
    if name in CertificateRecord.__dataclass_fields__
]


def resource(record: CertificateRecord) -> dict:
    """The API representation (schema: `CertificateResource`; the tests validate every answer
    against it). Built directly rather than through the model: re-validating the stored
    certificate on every read would cost more than the rest of the request."""
    base = f"/v1/certificates/{record.id}"
    return {
        **{name: getattr(record, name) for name in _RESOURCE_FIELDS},
        "document_type": record.document.get("document_type"),
        "importing_party": record.document.get("importing_party"),
        "signature": {"alg": "ES256", "kid": record.kid, "jws": record.jws},
        "links": {
            "self": base,
            "events": base + "/events",
            "verify": f"/v1/verify/{record.public_id}",
            "page": f"/v/{record.public_id}",
        },
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
        raise from_core_problems(problems)
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
    ctx,
    exporter_id: str,
    cert: Certificate,
    *,
    actor: str,
    replaces: str | None = None,
    copy_of: str | None = None,
    reuses_number: bool = False,
    detail: dict | None = None,
    today: date,
) -> tuple[CertificateRecord, list[Event], OutboxEntry]:
    cid = "crt_" + secrets.token_hex(10)
    # The lane at issue goes on the "issued" event (codes only: no figures), not the record, so
    # neither storage adapter changes; a later reclassification would be a new event.
    classified = classify_certificate(cert, today=today)
    public_id = new_public_id()
    digest = certificate_digest(cert)
    signer = ctx.keyring.active_signer()
    claims = {
        "iss": ctx.settings.issuer,
        "sub": cid,
        "iat": int(time.time()),
        "exporter": exporter_id,
        "public_id": public_id,
        "number": cert.number,
        "document_type": cert.document_type,
        "digest": digest,
    }
    from originlink.signing import sign_jws  # lazy: needs cryptography

    jws = sign_jws(rfc8785.dumps(claims), signer)
    received = lifecycle.make_event(
        cid, 1, "received", lifecycle.RECEIVED, actor=actor, prev_hash=None, detail=detail
    )
    issued = lifecycle.make_event(
        cid,
        2,
        "issued",
        lifecycle.ISSUED,
        actor="service",
        prev_hash=received.hash,
        detail={
            "digest": digest,
            "kid": signer.kid,
            "classification": {
                "lane": classified.lane,
                "warnings": [w.code for w in classified.warnings],
            },
        },
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
        document=cert.model_dump(mode="json"),
        digest=digest,
        jws=jws,
        kid=signer.kid,
        created_at=received.at,
        updated_at=issued.at,
        last_event_hash=issued.hash,
        replaces=replaces,
        copy_of=copy_of,
        reuses_number=reuses_number,
    )
    outbox = OutboxEntry(
        id="obx_" + secrets.token_hex(10),
        certificate_id=cid,
        exporter_id=exporter_id,
        kind="forward",
        destination=cert.importing_party,
        status="pending",
        attempts=0,
        created_at=issued.at,
        next_attempt_at=issued.at,
    )
    return record, [received, issued], outbox


# --- idempotency --------------------------------------------------------------------------


def request_hash(method: str, path: str, body: object) -> str:
    """Same method, path and JSON content (whatever the whitespace or key order) → same hash."""
    canonical = rfc8785.dumps(body) if body is not None else b""
    return hashlib.sha256(f"{method} {path}\n".encode() + canonical).hexdigest()


def _replay(record: IdempotencyRecord, req_hash: str) -> Answer:
    if record.request_hash != req_hash:
        raise ApiProblem(
            409,
            "idempotency_key_reused",
            "this Idempotency-Key was already used with a different request; "
            "use a new key for a new request",
        )
    return Answer(record.status, json.loads(record.body), replayed=True)


def idempotent(ctx, exporter_id: str, key: str, req_hash: str, build) -> Answer:
    """Run `build() -> (WriteBatch, status, body)` at most once per (exporter, key). `build`
    validates too, so a replay answers from the record without re-checking anything.

    The idempotency record is written in the same transaction as the change it answers, so a
    replay after a crash sees either both or neither; when two requests race, the storage's
    uniqueness check lets exactly one commit and the other replays its answer."""
    store = ctx.store
    existing = store.get_idempotency(exporter_id, key)
    if existing is not None:
        return _replay(existing, req_hash)
    try:
        batch, status, body = build()
    except ApiProblem:
        # A duplicate of this request may have committed since the check above, changing
        # what `build` saw (a cancel finds the record cancelled): answer as its replay.
        winner = store.get_idempotency(exporter_id, key)
        if winner is not None:
            return _replay(winner, req_hash)
        raise
    batch.idempotency = IdempotencyRecord(
        exporter_id=exporter_id,
        key=key,
        request_hash=req_hash,
        status=status,
        # Key order kept: the replay is serialised exactly like the first answer.
        body=json.dumps(body, ensure_ascii=False),
        created_at=lifecycle.now_iso(),
        certificate_id=body.get("id"),
    )
    try:
        store.commit(batch)
    except IdempotencyKeyTaken:
        return _replay(store.get_idempotency(exporter_id, key), req_hash)
    except DuplicateNumber as exc:
        winner = store.get_idempotency(exporter_id, key)  # a racing duplicate of this request
        if winner is not None:
            return _replay(winner, req_hash)
        raise ApiProblem(
            409,
            "duplicate_number",
            f"number: you already have a certificate numbered {exc}; to correct it use "
            "POST /v1/certificates/{id}/replace",
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
    except VersionConflict as exc:
        # DynamoDB may report a racing duplicate as a transaction conflict: if the other
        # request has committed this key meanwhile, answer as a replay.
        winner = store.get_idempotency(exporter_id, key)
        if winner is not None:
            return _replay(winner, req_hash)
        raise ApiProblem(
            409,
            "version_conflict",
            "the certificate changed while this request was processed; read it again and retry",
        ) from exc
    return Answer(status, body)


# --- operations ---------------------------------------------------------------------------


def load(ctx, exporter_id: str, certificate_id: str) -> CertificateRecord:
    record = None
    if CERTIFICATE_ID.fullmatch(certificate_id):
        record = ctx.store.get_certificate(exporter_id, certificate_id)
    if record is None:
        # Same answer for "does not exist" and "belongs to another exporter".
        raise ApiProblem(404, "not_found", "no certificate with this id")
    return record


def _transition_problem(exc: TransitionNotAllowed, article: str | None = None) -> ApiProblem:
    return ApiProblem(
        409,
        "invalid_state",
        str(exc),
        article=article,
        state=exc.current,
    )


def create(ctx, exporter_id: str, data: object):
    def build():
        today = today_utc()
        cert = check(data, today=today)
        record, events, outbox = _new_record(ctx, exporter_id, cert, actor=exporter_id, today=today)
        return WriteBatch(creates=[(record, events)], outbox=[outbox]), 201, resource(record)

    return build


def cancel(ctx, exporter_id: str, certificate_id: str, reason: str):
    def build():
        record = load(ctx, exporter_id, certificate_id)
        try:
            updated, event = lifecycle.advance(
                record,
                "cancelled",
                lifecycle.CANCELLED,
                actor=exporter_id,
                detail={"reason": reason},
            )
        except TransitionNotAllowed as exc:
            raise _transition_problem(exc) from exc
        batch = WriteBatch(updates=[RecordUpdate(updated, record.version, [event])])
        return batch, 200, resource(updated)

    return build


def replace(ctx, exporter_id: str, certificate_id: str, data: dict, reason: str):
    """Art 3.17.5: issue a new certificate and invalidate the original, in one transaction."""

    def build():
        original = load(ctx, exporter_id, certificate_id)
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
        )
        try:
            updated, event = lifecycle.advance(
                original,
                "replaced",
                lifecycle.REPLACED,
                actor=exporter_id,
                detail={"replaced_by": new.id, "reason": reason, "article": "Art 3.17.5"},
            )
        except TransitionNotAllowed as exc:
            raise _transition_problem(exc, "Art 3.17.5") from exc
        updated.replaced_by = new.id
        batch = WriteBatch(
            creates=[(new, events)],
            updates=[RecordUpdate(updated, original.version, [event])],
            outbox=[outbox],
        )
        return batch, 201, resource(new)

    return build


def certified_true_copy(
    ctx, exporter_id: str, certificate_id: str, reason: str, note: str | None, today: date
):
    """Art 3.17.9: a copy marked CERTIFIED TRUE COPY, with the original's number and issue
    date, for a lost, stolen or destroyed original. The original stays valid; the copy is its
    own signed record pointing to it (`copy_of`)."""

    def build():
        original = load(ctx, exporter_id, certificate_id)
        if original.state not in lifecycle.COPYABLE:
            raise ApiProblem(
                409,
                "invalid_state",
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
            raise from_core_problems(problems, code="copy_not_allowed")
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
            outbox=[outbox],
        )
        return batch, 201, resource(copy)

    return build


def record_status(
    ctx, record: CertificateRecord, type_: str, new_state: str, *, actor: str, detail: dict
) -> CertificateRecord:
    """A status change without idempotency key (outbox worker, customs callbacks)."""
    updated, event = lifecycle.advance(record, type_, new_state, actor=actor, detail=detail)
    ctx.store.commit(WriteBatch(updates=[RecordUpdate(updated, record.version, [event])]))
    return updated
