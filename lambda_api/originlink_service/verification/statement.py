"""Verification of an origin statement (`originlink.statement`): the certificate's machinery
— the same SD-JWT integrity check, cached result, signed status attestation, page, QR,
credential and status list — with the statement's own second and third statements:

integrity: as for a certificate (checks.check_integrity)
statement: who vouches — the exporter alone (`exporters_statement`), or `sandbox`; never a
           certification: no issuing body examined it, and it covers no shipment
status:    valid | not_yet_valid | expired | withdrawn | superseded (link to the renewal)

The headline (`verdict`) is `statement_valid` when the data is intact and the statement
stands today, `not_valid` otherwise, `sandbox` for a sandbox one — never `certified_valid`.
"""

from __future__ import annotations

from datetime import date

from originlink.links import page_path, short_code_with_check, statement_links, verify_path
from originlink.statement import PUBLISHED, SUPERSEDED, WITHDRAWN
from originlink.statement import status as statement_status

from . import checks, verifier

VERDICTS = ("statement_valid", "not_valid", "sandbox")


def _last_event(events, state: str):
    return next((e for e in reversed(events) if e.state == state), None)


def check_status(record, events, valid_from: date, valid_until: date, day: date, renewal):
    """The statement's status today; `renewal` is the statement that superseded it (or None)."""
    code = statement_status(record.state, valid_from, valid_until, day)
    out = {
        "ok": code == "valid",
        "code": code,
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat(),
    }
    if code in (WITHDRAWN, SUPERSEDED):
        event = _last_event(events, record.state)
        out["since"] = event.at if event else record.updated_at
        out["reason"] = (event.detail or {}).get("reason") if event else None
    elif code == "expired":
        out["since"] = valid_until.isoformat()
    if code == SUPERSEDED:
        out["superseded_by"] = (
            {
                "public_id": renewal.public_id,
                "verify": verify_path(renewal.public_id),
                "page": page_path(renewal.public_id),
            }
            if renewal is not None
            else None
        )
    return out


def vouched_by(integrity: dict, sandbox: bool) -> dict:
    """Who stands behind it: the exporter, on its own responsibility. OriginLink's signature
    proves who submitted it and that it is unchanged; nobody has certified it."""
    if sandbox:
        return {"code": "sandbox", "verified": False, "by": None}
    return {
        "code": "exporters_statement",
        "verified": False,
        "by": {"kind": "exporter", "name": integrity.get("submitted_by")},
        "is_not": "a certificate of origin for a shipment; no issuing body examined it",
    }


def verify(ctx, record) -> verifier.Result:
    from originlink.credentials import sdjwt, views

    day = verifier.today()
    key = (record.id, record.version, day)
    cached = verifier._results.get(key)
    if cached is not None and cached.fresh():
        return cached
    info = verifier.jwks_info(ctx, record.sandbox, record.kid)
    integrity, claims, issued = checks.check_integrity(record, info, ctx.settings.issuer)
    if claims is not None:
        presentation = issued.present()
        statement = sdjwt.verify(presentation, info["jwks"], typ=views.TYPES).claims["statement"]
    else:  # nothing signed can be shown
        presentation, statement = None, {}
    # Dates for the status: the signed ones, else (not verified: the page says so) the record's.
    dated = statement or record.document
    valid_from = date.fromisoformat(dated["valid_from"])
    valid_until = date.fromisoformat(dated["valid_until"])
    renewal = (
        ctx.store.get_statement(record.exporter_id, record.superseded_by)
        if record.superseded_by
        else None
    )
    events = ctx.store.list_statement_events(record.id) if record.state != PUBLISHED else []
    status = check_status(record, events, valid_from, valid_until, day, renewal)
    sandbox = bool(record.sandbox)
    if sandbox:
        verdict = "sandbox"
    else:
        verdict = "statement_valid" if integrity["ok"] and status["ok"] else "not_valid"
    body = {
        "public_id": record.public_id,
        "code": short_code_with_check(record.public_id),
        "kind": "origin_statement",
        "verdict": verdict,
        "sandbox": sandbox,
        "checked_on": day.isoformat(),
        "checks": {
            "integrity": integrity,
            "statement": vouched_by(integrity, sandbox),
            "status": status,
        },
        "view": "public",
        "statement": statement,
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat(),
        "sd_jwt": presentation,
        "links": statement_links(record.public_id, record.digest, sandbox=sandbox),
    }
    body["status_attestation"] = verifier._attest(ctx, record, status, day, body)
    result = verifier.Result(body, record, valid_until, claims)
    result.issued = issued
    verifier._results.put(key, result)
    return result


def signed_document(result) -> dict:
    """What `originlink verify FILE` checks offline: the statement's SD-JWT (every field
    disclosed) and beside it the statement it discloses; labels never change the verdict."""
    from originlink.credentials import views
    from originlink.credentials.offline import STATEMENT_DOCUMENT

    record, body = result.record, result.body
    return {
        "type": STATEMENT_DOCUMENT,
        "format": views.TYP,
        "view": "public",
        "public_id": record.public_id,
        "digest": record.digest,
        "valid_from": body["valid_from"],
        "valid_until": body["valid_until"],
        "kid": record.kid,
        "jwks": body["links"]["jwks"],
        "sd_jwt": body["sd_jwt"],
        "statement": body["statement"],
    }
