"""Origin statements: an exporter's signed, product-level statement of origin
(`originlink.statement`), published, renewed and withdrawn through the exporter API, and
verified like a certificate (verification/statement.py).

Each operation computes its change and commits it at most once per Idempotency-Key
(`service.idempotent`, as for certificates). One statement stands for a product at a time:
publishing takes the product's claim, a renewal hands it to the new statement and marks the
old one superseded, a withdrawal releases it — in the same transaction as the records.
Refusals are domain errors (`errors.py`); only the HTTP edge maps them to statuses.
"""

from __future__ import annotations

import re
import secrets
import time
from datetime import date

from originlink.links import (
    badge_html,
    badge_path,
    group,
    page_path,
    qr_path,
    short_code_with_check,
    statement_path,
    verification_url,
    verify_path,
)
from originlink.statement import (
    PUBLISHED,
    SUPERSEDED,
    WITHDRAWN,
    OriginStatement,
    check_statement,
    statement_digest,
)

from . import lifecycle
from .errors import Conflict, InvalidInput, InvalidState, NotFound
from .service import Change, b64url, exporter_name, idempotent, new_public_id, today_utc
from .settings import Context, SandboxUnavailable
from .storage import Event, ProductClaim, RecordUpdate, StatementRecord, WriteBatch

STATEMENT_ID = re.compile(r"ost_[0-9a-f]{20}")
LIST_CURSOR = re.compile(r"\d{4}-\d{2}-\d{2}T[0-9:.]{8,15}Z\|ost_[0-9a-f]{20}")


# --- representation -----------------------------------------------------------------------


def resource(record: StatementRecord, origin: str) -> dict:
    """The API representation (schema: `schemas.StatementResource`); `origin` is the
    configured public origin (printed link, badge snippet)."""
    from .verification.badge import badge_alt

    base = statement_path(record.id)
    return {
        "id": record.id,
        "public_id": record.public_id,
        "state": record.state,
        "version": record.version,
        "product_ref": record.product_ref,
        "digest": record.digest,
        "signature": {"alg": "ES256", "kid": record.kid, "jws": record.jws},
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "supersedes": record.supersedes,
        "superseded_by": record.superseded_by,
        "sandbox": record.sandbox,
        "links": {
            "self": base,
            "events": base + "/events",
            "verify": verify_path(record.public_id),
            "page": page_path(record.public_id),
            "badge": badge_path(record.public_id),
            "qr": qr_path(record.public_id),
            "url": verification_url(origin, record.public_id),
            "short_code": group(short_code_with_check(record.public_id)),
            "embed_html": badge_html(
                origin, record.public_id, alt=badge_alt(record.document, "en")
            ),
        },
        "statement": record.document,
    }


# --- operations ---------------------------------------------------------------------------


def check(data: object, *, today: date, prefix: str = "") -> OriginStatement:
    statement, problems = check_statement(data, today=today)
    if problems:
        if prefix:
            problems = [
                p.model_copy(
                    update={"path": prefix + "." + p.path, "message": f"{prefix}.{p.message}"}
                )
                for p in problems
            ]
        raise InvalidInput.from_problems(problems, code="invalid_statement")
    return statement


def load(ctx: Context, exporter_id: str, statement_id: str, *, sandbox: bool) -> StatementRecord:
    """The exporter's statement of this world (a sandbox key never reaches a real one)."""
    record = None
    if STATEMENT_ID.fullmatch(statement_id):
        record = ctx.store.get_statement(exporter_id, statement_id)
    if record is None or record.sandbox != sandbox:
        raise NotFound("no origin statement with this id")
    return record


def _signed(ctx: Context, exporter_id: str, document: dict, public_id: str, sandbox: bool):
    from originlink.credentials.views import issue_statement  # lazy: needs cryptography

    try:
        signer = ctx.keyring_for(sandbox).active_signer()
    except SandboxUnavailable as exc:
        raise InvalidState(str(exc), state="sandbox") from exc
    seed = secrets.token_bytes(32)
    issued = issue_statement(
        document,
        signer,
        origin=ctx.settings.origin,
        public_id=public_id,
        digest=statement_digest(document),
        submitted_by=exporter_name(ctx, exporter_id),
        sandbox=sandbox,
        issued_at=int(time.time()),
        seed=seed,
    )
    return issued.jwt, b64url(seed), signer.kid


def _new_record(
    ctx: Context,
    exporter_id: str,
    statement: OriginStatement,
    *,
    sandbox: bool,
    supersedes: str | None = None,
    reason: str | None = None,
) -> tuple[StatementRecord, list[Event]]:
    sid = "ost_" + secrets.token_hex(10)
    public_id = new_public_id()
    document = statement.model_dump(mode="json")
    jwt, seed, kid = _signed(ctx, exporter_id, document, public_id, sandbox)
    digest = statement_digest(document)
    detail = {"digest": digest, "kid": kid, "sandbox": sandbox}
    if supersedes:
        detail.update(supersedes=supersedes, reason=reason)
    event = lifecycle.make_event(
        sid, 1, "published", PUBLISHED, actor=exporter_id, prev_hash=None, detail=detail
    )
    record = StatementRecord(
        id=sid,
        exporter_id=exporter_id,
        public_id=public_id,
        state=PUBLISHED,
        version=1,
        product_ref=statement.product.reference,
        document=document,
        digest=digest,
        jws=jwt,
        kid=kid,
        sd_seed=seed,
        created_at=event.at,
        updated_at=event.at,
        last_event_hash=event.hash,
        sandbox=sandbox,
        supersedes=supersedes,
    )
    return record, [event]


def advance(record: StatementRecord, type_: str, state: str, *, actor: str, detail: dict):
    """The record after one more event and that event, chained to its last one; the caller
    commits both with `expected_version=record.version`."""
    return lifecycle.chain_step(record, type_, state, actor=actor, detail=detail)


def _must_stand(record: StatementRecord, action: str) -> None:
    if record.state != PUBLISHED:
        raise InvalidState(
            f"a {record.state} statement cannot be {action}; publish a new statement for the "
            "product instead",
            state=record.state,
        )


@idempotent
def publish(ctx: Context, exporter_id: str, data: object, *, sandbox: bool = False) -> Change:
    statement = check(data, today=today_utc())
    ref = statement.product.reference
    standing = ctx.store.get_product_claim(exporter_id, sandbox, ref)
    if standing is not None:
        raise statement_exists(ref, standing)
    record, events = _new_record(ctx, exporter_id, statement, sandbox=sandbox)
    batch = WriteBatch(
        statement_creates=[(record, events)],
        product_claims=[ProductClaim(exporter_id, sandbox, ref, record.id)],
    )
    return Change(batch, resource(record, ctx.settings.origin), created=True)


def statement_exists(product_ref: str, standing: str) -> Conflict:
    return Conflict(
        f"statement.product.reference: your statement {standing} already stands for product "
        f"{product_ref!r}; renew it (POST /v1/origin-statements/{standing}/renew) or withdraw "
        "it first",
        code="statement_exists",
        statement_id=standing,
    )


@idempotent
def renew(
    ctx: Context,
    exporter_id: str,
    statement_id: str,
    data: object,
    reason: str | None,
    *,
    sandbox: bool = False,
) -> Change:
    """A new statement for the same product (a fresh assessment, new dates), which supersedes
    this one — in one transaction."""
    old = load(ctx, exporter_id, statement_id, sandbox=sandbox)
    _must_stand(old, "renewed")
    statement = check(data, today=today_utc(), prefix="statement")
    if statement.product.reference != old.product_ref:
        raise InvalidInput(
            f"statement.product.reference: a renewal is about the same product "
            f"({old.product_ref!r}); publish a new statement for another product",
            code="other_product",
            errors=[
                {
                    "path": "statement.product.reference",
                    "code": "other_product",
                    "message": f"statement.product.reference: must be {old.product_ref!r}",
                    "article": None,
                }
            ],
        )
    new, events = _new_record(
        ctx, exporter_id, statement, sandbox=sandbox, supersedes=old.id, reason=reason
    )
    updated, event = advance(
        old,
        "superseded",
        SUPERSEDED,
        actor=exporter_id,
        detail={"superseded_by": new.id, "reason": reason},
    )
    updated.superseded_by = new.id
    batch = WriteBatch(
        statement_creates=[(new, events)],
        statement_updates=[RecordUpdate(updated, old.version, [event])],
        product_claims=[ProductClaim(exporter_id, sandbox, old.product_ref, new.id, old.id)],
    )
    return Change(batch, resource(new, ctx.settings.origin), created=True)


@idempotent
def withdraw(
    ctx: Context, exporter_id: str, statement_id: str, reason: str, *, sandbox: bool = False
) -> Change:
    old = load(ctx, exporter_id, statement_id, sandbox=sandbox)
    _must_stand(old, "withdrawn")
    updated, event = advance(
        old, "withdrawn", WITHDRAWN, actor=exporter_id, detail={"reason": reason}
    )
    batch = WriteBatch(
        statement_updates=[RecordUpdate(updated, old.version, [event])],
        product_claims=[ProductClaim(exporter_id, sandbox, old.product_ref, None, old.id)],
    )
    return Change(batch, resource(updated, ctx.settings.origin))
