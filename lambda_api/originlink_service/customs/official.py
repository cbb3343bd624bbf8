"""The official certificate an issuing body issued outside OriginLink, recorded by the exporter
(`POST /v1/certificates/{id}/official-certificate`): in China today the official Certificate of
Origin is often issued and self-printed on the issuing body's own system.

What is recorded is what the exporter says — the issuing body, its certificate number, its
official lookup link, the SHA-256 of the official PDF — and it is shown as exactly that:
recorded by the exporter, not verified electronically (`certification.kind` = `recorded`).
An issuing body's electronic endorsement or refusal, once received, is never overwritten. A
certificate waiting for an endorsement is sent on to its destination once its official
certificate is recorded.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from urllib.parse import urlsplit

from originlink.states import STANDING

from .. import lifecycle, service
from ..errors import Conflict, InvalidInput, InvalidState
from ..storage import RecordUpdate, WriteBatch
from . import routing

CERTIFICATE_OF_ORIGIN = "certificate_of_origin"


def _field(path: str, message: str, code: str = "invalid_official_certificate") -> InvalidInput:
    return InvalidInput(
        f"{path}: {message}",
        code=code,
        errors=[{"path": path, "code": code, "message": f"{path}: {message}"}],
    )


def _lookup_url(url: str, lookup_hosts: list[str]) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    listed = any(host == h or host.endswith("." + h) for h in lookup_hosts)
    if parts.scheme != "https" and not (parts.scheme == "http" and listed):
        raise _field("lookup_url", "the issuing body's official lookup link, https://")
    if not host or parts.username or parts.password:
        raise _field("lookup_url", "an absolute link with a host and no user name")
    if lookup_hosts and not listed:
        raise _field(
            "lookup_url",
            f"this issuing body's lookup is at {', '.join(lookup_hosts)}, not {host}",
        )
    return url


def _pdf_hash(pdf_base64: str | None, pdf_sha256: str | None) -> str | None:
    if pdf_base64 is None:
        return pdf_sha256
    try:
        pdf = base64.b64decode(pdf_base64, validate=True)
    except (binascii.Error, ValueError):
        raise _field("pdf_base64", "not base64") from None
    if not pdf.startswith(b"%PDF-"):
        raise _field("pdf_base64", "not a PDF (it does not start with %PDF-)")
    digest = hashlib.sha256(pdf).hexdigest()
    if pdf_sha256 is not None and pdf_sha256 != digest:
        raise _field("pdf_sha256", "is not the SHA-256 of pdf_base64")
    return digest


@service.idempotent
def record_official_certificate(ctx, exporter_id: str, certificate_id: str, body) -> service.Change:
    record = service.load(ctx, exporter_id, certificate_id)
    if record.document.get("document_type") != CERTIFICATE_OF_ORIGIN:
        raise _field(
            "certificate",
            "a Declaration of Origin has no issuing body: its approved exporter is its author",
            code="not_a_certificate_of_origin",
        )
    if record.state not in STANDING:
        raise InvalidState(
            f"the certificate is {record.state}: nothing can be recorded against it",
            state=record.state,
        )
    issuing_body = ctx.customs.issuing_body(body.issuing_body)
    exporting_party = record.document.get("exporting_party")
    if issuing_body is None or issuing_body.country != exporting_party:
        known = sorted(
            i for i, b in ctx.customs.config.issuing_bodies.items() if b.country == exporting_party
        )
        raise _field(
            "issuing_body",
            f"not an issuing body of {exporting_party} known to this service "
            f"(known: {', '.join(known) or 'none'})",
        )
    held = record.certification or {}
    if held.get("kind") in ("endorsed", "refused"):
        raise Conflict(
            f"{held['issuing_body']} already {held['kind']} this certificate electronically; "
            "that decision stands",
            code="already_certified",
        )
    if not body.number.isprintable():
        raise _field("number", "printable characters only")
    lookup_url = _lookup_url(body.lookup_url, issuing_body.lookup_hosts)
    pdf_sha256 = _pdf_hash(body.pdf_base64, body.pdf_sha256)
    at = lifecycle.now_iso()
    certification = {
        "kind": "recorded",
        "issuing_body": body.issuing_body,
        "number": body.number,
        "lookup_url": lookup_url,
        "pdf_sha256": pdf_sha256,
        "recorded_by": exporter_id,
        "at": at,
    }
    detail = {k: certification[k] for k in ("issuing_body", "number", "lookup_url", "pdf_sha256")}
    if held.get("kind") == "recorded":
        detail["corrects"] = held.get("number")
    updated, event = lifecycle.advance(
        record, "official_certificate_recorded", None, actor=exporter_id, detail=detail
    )
    updated.certification = certification
    outbox = routing.after_certification(updated, event.at)
    batch = WriteBatch(updates=[RecordUpdate(updated, record.version, [event])], outbox=outbox)
    return service.Change(batch, service.resource(updated, ctx.settings.origin))
