"""What a certificate owes to whom, decided when it is issued, certified or withdrawn — and the
outbox entries that carry it out, written in the same transaction as the change.

A Certificate of Origin from a country whose issuing body endorses electronically goes to that
body first; the destination's customs gets it once it is certified (endorsed, or an official
certificate recorded by the exporter) — never a certificate the issuing body refused. Any
other certificate goes to its destination at once, if the destination is connected (`direct`
or `manual-review`) and receives its products; otherwise it is `paper-parallel`, and its status
says why.

The record keeps what was decided in `customs`:

    {"destination": "VN", "mode": "direct", "format": "json/1.1", "why": null,
     "message_id": "obx_…", "reference": null, "issuing_body": "CN-GACC",
     "endorsement_request": "obx_…", "waiting_for": "endorsement" | null, "blocked": null}
"""

from __future__ import annotations

import secrets

from originlink.model import Certificate

from ..storage import CertificateRecord, OutboxEntry

CERTIFICATE_OF_ORIGIN = "certificate_of_origin"


def new_entry(
    kind: str,
    record: CertificateRecord,
    destination: str,
    at: str,
    payload: dict | None = None,
) -> OutboxEntry:
    return OutboxEntry(
        id="obx_" + secrets.token_hex(10),
        certificate_id=record.id,
        exporter_id=record.exporter_id,
        kind=kind,
        destination=destination,
        status="pending",
        attempts=0,
        created_at=at,
        next_attempt_at=at,
        payload=payload,
    )


def _paper(why: str) -> dict:
    return {"mode": "paper-parallel", "format": None, "why": why}


def destination_plan(ctx, cert: Certificate, sandbox: bool) -> dict:
    party = cert.importing_party
    configured = ctx.customs.config.destinations.get(party)
    dest = ctx.customs.destination(party)
    if configured is None:
        plan = _paper(f"no electronic exchange with the customs of {party} is configured")
    elif not dest.pushed:
        plan = _paper(f"the customs of {party} receive certificates on paper or PDF")
    elif sandbox and not dest.accepts_sandbox:
        plan = _paper("a sandbox certificate is never sent to customs")
    elif code := dest.out_of_scope([g.hs_code for g in cert.goods_items]):
        plan = _paper(f"HS {code} is not among the products the customs of {party} receive")
    else:
        plan = {"mode": dest.mode, "format": f"{dest.adapter}/{dest.version}", "why": None}
    return {"destination": party, **plan}


def plan_new(ctx, record: CertificateRecord, cert: Certificate, at: str) -> list[OutboxEntry]:
    """Decide for a new record (sets `record.customs`) and return its outbox entries."""
    customs = {
        **destination_plan(ctx, cert, record.sandbox),
        "message_id": None,
        "reference": None,
        "issuing_body": None,
        "endorsement_request": None,
        "waiting_for": None,
        "blocked": None,
    }
    entries: list[OutboxEntry] = []
    if cert.document_type == CERTIFICATE_OF_ORIGIN:
        box16 = cert.certification.issuing_body if cert.certification else None
        found = ctx.customs.issuing_body_for(cert.exporting_party, box16)
        if found is not None:
            body_id, body = found
            customs["issuing_body"] = body_id
            if body.pushed and (body.accepts_sandbox or not record.sandbox):
                endorse = new_entry("endorse", record, body_id, at)
                customs["endorsement_request"] = endorse.id
                customs["waiting_for"] = "endorsement"
                entries.append(endorse)
    record.customs = customs
    if customs["mode"] != "paper-parallel" and customs["waiting_for"] is None:
        entries.append(_forward(record, at))
    return entries


def _forward(record: CertificateRecord, at: str) -> OutboxEntry:
    entry = new_entry("forward", record, record.customs["destination"], at)
    record.customs = {**record.customs, "message_id": entry.id, "waiting_for": None}
    return entry


def after_certification(record: CertificateRecord, at: str) -> list[OutboxEntry]:
    """The record was just certified (endorsed or recorded) or refused: forward it now if it
    waited for that (changes `record.customs`)."""
    customs = record.customs or {}
    if customs.get("waiting_for") != "endorsement":
        return []
    kind = (record.certification or {}).get("kind")
    if kind == "refused":
        body = record.certification.get("issuing_body")
        record.customs = {
            **customs,
            "waiting_for": None,
            "blocked": f"the issuing body {body} refused to certify it: not sent to customs",
        }
        return []
    return [_forward(record, at)]


def on_withdrawn(
    record: CertificateRecord, at: str, *, reason: str, replaced_by: str | None = None
) -> list[OutboxEntry]:
    """Cancelled or replaced: tell the destination, if a message about it may have gone
    there (the worker holds the notice back while that message is in flight)."""
    customs = record.customs or {}
    if not customs.get("message_id"):
        return []
    payload = {"reason": reason[:500], "replaced_by": replaced_by, "forward": customs["message_id"]}
    return [new_entry("cancel", record, customs["destination"], at, payload)]


VIEW_KEYS = ("destination", "mode", "format", "why", "reference", "issuing_body", "waiting_for")


def customs_view(record: CertificateRecord) -> dict | None:
    """What the API and the addon show: where it goes, how, and one sentence saying so."""
    if not record.customs:
        return None
    view = {k: record.customs.get(k) for k in VIEW_KEYS}
    view["note"] = status_note(record)
    return view


def status_note(record: CertificateRecord) -> str:
    """One sentence on where the certificate stands with customs (API, Odoo, the page)."""
    customs = record.customs
    dest = customs["destination"]
    if customs.get("blocked"):
        return customs["blocked"] + "."
    if customs["mode"] == "paper-parallel":
        return (
            f"Not sent electronically ({customs['why']}): the customs of {dest} will check the "
            "paper or PDF certificate, which stays verifiable through its QR code."
        )
    if customs.get("waiting_for") == "endorsement":
        return (
            f"Waiting for the issuing body {customs['issuing_body']} to endorse it; it is then "
            f"sent to the customs of {dest}."
        )
    review = ", for review by an officer" if customs["mode"] == "manual-review" else ""
    if record.state == "issued":
        return f"Queued for the customs of {dest} ({customs['format']}{review})."
    return f"Sent to the customs of {dest} electronically ({customs['format']}{review})."
