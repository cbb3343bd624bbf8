"""Answers from a destination's customs or an issuing body: `POST
/v1/customs/{destination}/callbacks` (routes.py), signed with the peer's shared secret
(originlink.exchange.signature: HMAC-SHA256 over timestamp + body, five minutes' tolerance).

The body (version 1.0; unknown fields refused):

    {"message_id": "…",            unique per callback: a replayed id is refused
     "in_reply_to": "obx_…",       the id of the message it answers (ours, to this peer)
     "type": "received" | "accepted" | "rejected" | "query" | "utilised"
           | "cancellation_received"                          (a destination's customs)
           | "endorsed" | "refused"                           (an issuing body),
     "certificate": {"id": "crt_…", "public_id": "…", "number": "…", "digest": "sha256:…"},
     "at": "2026-…Z",              when the peer decided
     "reference": "…",             the peer's own reference (optional)
     "reasons": [{"code": "…", "text": "…"}],   rejected (required), refused
     "question": "…",              query (required)
     "endorsement": "<compact JWS>"  endorsed, refused: the issuing body's own signature}

Customs answers only move a certificate forward (originlink.states): acknowledged (rank 1) <
query (2) < accepted | rejected (3) < utilised (4). An answer ranked at or below the current
state is late or repeated and changes nothing — except a newer question while in `query`. An
answer contradicting a decision (accepted after rejected, utilised after rejected) is refused.
An answer about a withdrawn certificate is kept as an event, without changing its state.
Each change is one event in the certificate's hash chain; the callback's message id is stored
in the same transaction, so a message is applied at most once.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from originlink.credentials.certification import verify_endorsement
from originlink.exchange import signature
from originlink.exchange.fields import DIGEST_PATTERN, ID_PATTERN, JWS_PATTERN, TIME_PATTERN
from originlink.model.types import text
from originlink.states import (
    ACCEPTED,
    ACKNOWLEDGED,
    CANCELLED,
    FORWARDED,
    ISSUED,
    QUERY,
    REJECTED,
    REPLACED,
    STANDING,
    UTILISED,
    can_become,
)

from .. import changes, lifecycle
from ..errors import Conflict, InvalidInput, NotFound, Unauthenticated, Unavailable
from ..storage import (
    CertificateRecord,
    Event,
    InboundMessage,
    MessageReplayed,
    RecordUpdate,
    VersionConflict,
    WriteBatch,
)
from . import routing
from .config import ConfigError

CUSTOMS_ANSWERS = {
    "received": ACKNOWLEDGED,
    "query": QUERY,
    "accepted": ACCEPTED,
    "rejected": REJECTED,
    "utilised": UTILISED,
}
ISSUING_BODY_ANSWERS = {"endorsed", "refused"}
RANK = {ISSUED: 0, FORWARDED: 0, ACKNOWLEDGED: 1, QUERY: 2, ACCEPTED: 3, REJECTED: 3, UTILISED: 4}
ATTEMPTS = 5


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# What customs write that a person reads (the page, Odoo): plain text, like every free-text
# field (originlink.model.types.text).
PlainText100, PlainText1000, PlainText2000 = text(100), text(1000), text(2000)


class Reason(_Strict):
    code: str = Field(min_length=1, max_length=50)
    text: PlainText1000  # plain text (no control characters): shown on the page and in Odoo


class CertificateRef(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    public_id: str = Field(pattern=ID_PATTERN)
    number: str = Field(min_length=1, max_length=100)
    digest: str = Field(pattern=DIGEST_PATTERN)


class Callback(_Strict):
    message_id: str = Field(pattern=ID_PATTERN)
    in_reply_to: str = Field(pattern=ID_PATTERN)
    type: Literal[
        "received",
        "query",
        "accepted",
        "rejected",
        "utilised",
        "cancellation_received",
        "endorsed",
        "refused",
    ]
    certificate: CertificateRef
    at: str = Field(pattern=TIME_PATTERN)
    reference: PlainText100 | None = None
    reasons: list[Reason] | None = Field(None, max_length=50)
    question: PlainText2000 | None = None
    endorsement: str | None = Field(None, pattern=JWS_PATTERN, max_length=20_000)


def _invalid(path: str, message: str, code: str = "invalid_callback") -> InvalidInput:
    return InvalidInput(
        f"{path}: {message}" if path else message,
        code=code,
        errors=[{"path": path, "code": code, "message": f"{path}: {message}"}],
    )


def parse(raw: bytes) -> Callback:
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise _invalid("", f"the body is not JSON: {exc}") from exc
    try:
        callback = Callback.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in first["loc"])
        raise _invalid(path, first["msg"]) from exc
    if callback.type == "rejected" and not callback.reasons:
        raise _invalid("reasons", "a rejection gives its reasons")
    if callback.type == "query" and not callback.question:
        raise _invalid("question", "a query asks its question")
    if callback.type in ISSUING_BODY_ANSWERS and not callback.endorsement:
        raise _invalid("endorsement", "the issuing body's signed decision is required")
    return callback


# --- receiving --------------------------------------------------------------------------------


def receive(ctx, peer_id: str, headers, raw: bytes) -> dict:
    """Authenticate, read and apply one callback; the answer's body."""
    customs = ctx.customs
    peer = customs.peer(peer_id)
    try:
        secret = customs.secret(peer_id) if peer is not None else None
    except ConfigError:
        secret = None
    if secret is None:  # unknown, or not connected: the same answer
        raise NotFound(f"no customs destination or issuing body {peer_id!r} is connected")
    check = signature.verify(secret, headers, raw)
    if not check.ok:
        raise Unauthenticated(check.message, code=f"callback_{check.code}")
    callback = parse(raw)
    is_body = customs.issuing_body(peer_id) is not None
    allowed = ISSUING_BODY_ANSWERS if is_body else {*CUSTOMS_ANSWERS, "cancellation_received"}
    if callback.type not in allowed:
        who = "an issuing body" if is_body else "a destination's customs"
        raise _invalid("type", f"{callback.type!r} is not an answer {who} gives")
    if ctx.store.get_inbound(peer_id, callback.message_id) is not None:
        raise Conflict(
            f"message {callback.message_id} was received before: a replay changes nothing",
            code="message_replayed",
        )
    record = _addressed_record(ctx, peer_id, callback)
    for _ in range(ATTEMPTS):
        update, extra, note = _plan(ctx, peer_id, record, callback)
        batch = WriteBatch(
            updates=[update] if update else [],
            outbox=extra,
            inbound=[InboundMessage(peer_id, callback.message_id, lifecycle.now_iso(), record.id)],
        )
        try:
            changes.commit(ctx, batch)
        except VersionConflict:
            record = ctx.store.get_certificate(record.exporter_id, record.id)
            continue
        except MessageReplayed as exc:
            raise Conflict(
                f"message {callback.message_id} was received before: a replay changes nothing",
                code="message_replayed",
            ) from exc
        final = update.record if update else record
        return {
            "applied": update is not None,
            "certificate_id": record.id,
            "state": final.state,
            "events": [e.seq for e in update.events] if update else [],
            "note": note,
        }
    raise Conflict("the certificate kept changing; send the callback again", code="busy")


def _addressed_record(ctx, peer_id: str, callback: Callback) -> CertificateRecord:
    """The certificate the callback is about, if it answers a message we sent this peer (its
    id is random: knowing it proves the message arrived, even before we recorded sending it)."""
    ref = callback.certificate
    record = ctx.store.get_by_public_id(ref.public_id)
    answered = ctx.store.get_outbox(callback.in_reply_to)
    if (
        record is None
        or (record.id, record.number, record.digest) != (ref.id, ref.number, ref.digest)
        or answered is None
        or answered.certificate_id != record.id
        or answered.destination != peer_id
    ):
        # One answer for "unknown", "not yours" and "never sent to you".
        raise NotFound(
            "no certificate matches certificate.id, public_id, number and digest among the "
            "messages sent to you (in_reply_to)"
        )
    return record


# --- deciding what changes ---------------------------------------------------------------------


def _detail(peer_id: str, callback: Callback) -> dict:
    detail = {
        "message_id": callback.message_id,
        "in_reply_to": callback.in_reply_to,
        "at": callback.at,
        "destination": peer_id,
    }
    if callback.reference:
        detail["reference"] = callback.reference
    if callback.reasons:
        detail["reasons"] = [r.model_dump() for r in callback.reasons]
    if callback.question:
        detail["question"] = callback.question
    return detail


def _plan(ctx, peer_id: str, record: CertificateRecord, callback: Callback):
    """(the record's update or None, outbox entries it queues, a note for the peer)."""
    if callback.type in ISSUING_BODY_ANSWERS:
        return _certification(ctx, peer_id, record, callback)
    detail = _detail(peer_id, callback)
    if callback.type == "cancellation_received":
        updated, event = lifecycle.advance(
            record, "customs_cancellation_received", None, actor=peer_id, detail=detail
        )
        return RecordUpdate(updated, record.version, [event]), [], "recorded"
    target = CUSTOMS_ANSWERS[callback.type]
    kind = f"customs_{callback.type}"
    if record.state in (CANCELLED, REPLACED):
        updated, event = lifecycle.advance(record, kind, None, actor=peer_id, detail=detail)
        note = f"kept as an event: the certificate was {record.state} by its exporter"
        return RecordUpdate(updated, record.version, [event]), [], note
    events: list[Event] = []
    current = record
    if current.state == ISSUED:
        # It answers our message, so the message arrived before we recorded sending it.
        current, event = lifecycle.advance(
            current,
            "forwarded",
            FORWARDED,
            actor=peer_id,
            detail={
                "destination": peer_id,
                "message_id": callback.in_reply_to,
                "confirmed_by": callback.message_id,
            },
        )
        current.customs = {**(current.customs or {}), "forwarded": callback.in_reply_to}
        events.append(event)
    last = (current.customs or {}).get("last_answer") or {}
    if target == QUERY and current.state == QUERY:
        if callback.question == last.get("question") or callback.at <= last.get("at", ""):
            return _nothing(
                record, current, events, "the same or an older question: nothing changed"
            )
    elif RANK[target] <= RANK.get(current.state, 0):
        if {target, current.state} == {ACCEPTED, REJECTED}:
            raise Conflict(
                f"{callback.type} contradicts the decision already recorded ({current.state})",
                code="contradicts_decision",
                state=current.state,
            )
        return _nothing(
            record, current, events, f"late or repeated: the certificate is {current.state}"
        )
    elif not can_become(current.state, target):
        raise Conflict(
            f"{callback.type} contradicts the decision already recorded ({current.state})",
            code="contradicts_decision",
            state=current.state,
        )
    updated, event = lifecycle.advance(current, kind, target, actor=peer_id, detail=detail)
    answer = {"type": callback.type, "at": callback.at, "question": callback.question}
    updated.customs = {
        **(updated.customs or {}),
        "last_answer": {k: v for k, v in answer.items() if v is not None},
        "reference": (updated.customs or {}).get("reference") or callback.reference,
    }
    return RecordUpdate(updated, record.version, [*events, event]), [], "applied"


def _nothing(record: CertificateRecord, proved: CertificateRecord, events: list[Event], note):
    """Nothing to change, but for the forwarding the answer proved (if that is new)."""
    if not events:
        return None, [], note
    return RecordUpdate(proved, record.version, events), [], note


def _keys(ctx, body_id: str, *, refresh: bool = False) -> dict:
    """The body's published keys; when they cannot be read, a 503 the body sends again on
    (nothing recorded), never a 500."""
    try:
        return ctx.customs.jwks(body_id, refresh=refresh)
    except ConfigError as exc:
        raise Unavailable(
            f"the issuing body's published keys cannot be read now, so its endorsement cannot "
            f"be checked ({exc}); send the callback again later",
            code="issuing_body_keys_unavailable",
        ) from exc


def _certification(ctx, body_id: str, record: CertificateRecord, callback: Callback):
    """The issuing body's endorsement or refusal, checked against its own keys."""
    check = verify_endorsement(
        callback.endorsement, jwks=_keys(ctx, body_id), digest=record.digest, number=record.number
    )
    if check.code == "unknown_key":  # a key it published since we last fetched
        jwks = _keys(ctx, body_id, refresh=True)
        check = verify_endorsement(
            callback.endorsement, jwks=jwks, digest=record.digest, number=record.number
        )
    decision = (check.claims or {}).get("decision")
    if check.code not in ("endorsed", "refused") or decision != callback.type:
        raise _invalid("endorsement", check.message, code="endorsement_invalid")
    if (check.claims or {}).get("iss") != body_id:
        raise _invalid("endorsement", f"signed as {check.claims.get('iss')!r}, not {body_id!r}")
    held = record.certification or {}
    if held.get("jws") == callback.endorsement:
        return None, [], "already recorded"
    if held.get("kind") in ("endorsed", "refused"):
        raise Conflict(
            f"{body_id} already {held['kind']} this certificate",
            code="contradicts_decision",
        )
    claims = check.claims
    certification = {
        "kind": decision,
        "issuing_body": body_id,
        "jws": callback.endorsement,
        "at": claims.get("at") or callback.at,
    }
    if decision == "endorsed":
        certification["number"] = claims.get("certificate_number") or record.number
    else:
        certification["reasons"] = [str(r) for r in claims.get("reasons") or []]
    detail = _detail(body_id, callback)
    detail.update(issuing_body=body_id, number=certification.get("number"))
    kind = "endorsed" if decision == "endorsed" else "certification_refused"
    updated, event = lifecycle.advance(record, kind, None, actor=body_id, detail=detail)
    updated.certification = certification
    extra = routing.after_certification(updated, event.at) if record.state in STANDING else []
    return RecordUpdate(updated, record.version, [event]), extra, "applied"
