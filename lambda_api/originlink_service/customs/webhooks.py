"""Exporters' webhooks: each exporter may register one URL and secret; every status change of
its certificates (each lifecycle event but `received`) becomes a delivery in the outbox, written
in the transaction that made the change, and is POSTed there — signed, retried with backoff,
logged (`GET /v1/webhook/deliveries`).

The request (docs/webhooks.md):

    POST <url>
    Content-Type: application/json
    User-Agent: OriginLink-Webhooks/1
    OriginLink-Event: certificate.status_changed | ping
    OriginLink-Message-Id: <delivery id, the same on every retry>
    OriginLink-Timestamp: <Unix seconds>
    OriginLink-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>

    {"id": "obx_…", "type": "certificate.status_changed", "created_at": "…",
     "data": {"certificate": {"id", "public_id", "number", "state", "version"},
              "event": {"seq", "type", "state", "at", "actor", …},
              "certification": {"kind", "issuing_body"} | null, "customs": {…} | null}}

Any 2xx answer is a delivery; anything else is retried. A receiver should check the signature
(originlink.exchange.signature.verify), drop ids it has seen, and treat the body as a doorbell:
the certificate's current state is at GET /v1/certificates/{id}.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import socket
from urllib.parse import urlsplit

from originlink.exchange.signature import MIN_SECRET_LENGTH, signed_headers

from ..errors import InvalidInput
from ..lifecycle import now_iso
from ..storage import CertificateRecord, Event, OutboxEntry, Webhook, WriteBatch
from . import adapters

EVENT_TYPE = "certificate.status_changed"
PING_TYPE = "ping"
SECRET_PREFIX = "whsec_"
# Event details that travel with the doorbell (reasons, question, references; no figures).
DETAIL_KEYS = ("reasons", "question", "reference", "destination", "issuing_body", "reason")
TIMEOUT_SECONDS = 5.0


# --- registration ---------------------------------------------------------------------------


def _refuse(field: str, message: str) -> InvalidInput:
    return InvalidInput(
        f"{field}: {message}",
        code="invalid_webhook",
        errors=[{"path": field, "code": "invalid", "message": f"{field}: {message}"}],
    )


def check_url(url: str, networks: str) -> None:
    """An absolute http(s) URL; with networks='public' (the default), https only and no
    address that is loopback, private, link-local or otherwise not public (no requests into
    the service's own network, e.g. a cloud metadata endpoint)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refuse("url", "an absolute http:// or https:// URL")
    if parts.username or parts.password:
        raise _refuse("url", "no user or password in the URL; the signature authenticates")
    if networks == "any":
        return
    if parts.scheme != "https":
        raise _refuse("url", "https:// is required")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise _refuse("url", f"the host {parts.hostname!r} does not resolve") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise _refuse("url", f"{parts.hostname} resolves to a non-public address ({address})")


def register(ctx, exporter_id: str, url: str, secret: str | None) -> tuple[Webhook, str | None]:
    """Register (or change) the exporter's webhook. Returns it and the generated secret, if
    none was given (shown once)."""
    check_url(url, ctx.settings.webhook_networks)
    generated = None
    if secret is None:
        secret = generated = SECRET_PREFIX + secrets.token_urlsafe(32)
    elif len(secret) < MIN_SECRET_LENGTH or not secret.isprintable() or not secret.isascii():
        raise _refuse("secret", f"at least {MIN_SECRET_LENGTH} printable ASCII characters")
    existing = ctx.store.get_webhook(exporter_id)
    now = now_iso()
    hook = Webhook(exporter_id, url, secret, existing.created_at if existing else now, now)
    ctx.store.put_webhook(hook)
    return hook, generated


def describe(hook: Webhook, generated: str | None = None) -> dict:
    out = {
        "url": hook.url,
        "secret_hint": hook.secret[-4:],
        "events": [EVENT_TYPE],
        "created_at": hook.created_at,
        "updated_at": hook.updated_at,
    }
    if generated:
        out["secret"] = generated
    return out


# --- deliveries ------------------------------------------------------------------------------


def _payload(entry_id: str, record: CertificateRecord, event: Event) -> dict:
    detail = {k: event.detail[k] for k in DETAIL_KEYS if k in (event.detail or {})}
    return {
        "id": entry_id,
        "type": EVENT_TYPE,
        "created_at": event.at,
        "data": {
            "certificate": {
                "id": record.id,
                "public_id": record.public_id,
                "number": record.number,
                "state": record.state,
                "version": record.version,
            },
            "event": {
                "seq": event.seq,
                "type": event.type,
                "state": event.state,
                "at": event.at,
                "actor": event.actor,
                **detail,
            },
            "certification": (
                {k: record.certification.get(k) for k in ("kind", "issuing_body", "number")}
                if record.certification
                else None
            ),
            "customs": (
                {k: record.customs.get(k) for k in ("destination", "mode", "reference")}
                if record.customs
                else None
            ),
        },
    }


def add_deliveries(ctx, batch: WriteBatch) -> None:
    """Add a webhook delivery to `batch` for each of its events an exporter with a webhook
    should hear of (all but `received`), in the same transaction."""
    changes = [*batch.creates, *((u.record, u.events) for u in batch.updates)]
    hooks: dict[str, bool] = {}
    for record, events in changes:
        events = [e for e in events if e.type != "received"]
        if not events:
            continue
        if record.exporter_id not in hooks:
            hooks[record.exporter_id] = ctx.store.get_webhook(record.exporter_id) is not None
        if not hooks[record.exporter_id]:
            continue
        for event in events:
            entry_id = "obx_" + secrets.token_hex(10)
            batch.outbox.append(
                OutboxEntry(
                    id=entry_id,
                    certificate_id=record.id,
                    exporter_id=record.exporter_id,
                    kind="webhook",
                    destination="webhook",
                    status="pending",
                    attempts=0,
                    created_at=event.at,
                    next_attempt_at=event.at,
                    payload=_payload(entry_id, record, event),
                )
            )


def request(hook: Webhook, payload: dict) -> adapters.Request:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "OriginLink-Webhooks/1",
        "OriginLink-Event": payload["type"],
        **signed_headers(hook.secret, body, message_id=payload["id"]),
    }
    return adapters.Request(hook.url, body, headers)


def ping(ctx, exporter_id: str) -> dict:
    """Send a signed `ping` to the registered URL now and say what came back (the exporter's
    "test" button). Not retried, not logged as a delivery."""
    hook = ctx.store.get_webhook(exporter_id)
    if hook is None:
        return {}
    check_url(hook.url, ctx.settings.webhook_networks)
    payload = {
        "id": "ping_" + secrets.token_hex(10),
        "type": PING_TYPE,
        "created_at": now_iso(),
        "data": {"exporter_id": exporter_id},
    }
    answer = adapters.post(request(hook, payload), TIMEOUT_SECONDS)
    return {"delivered": answer.delivered, "id": payload["id"], **answer.summary()}


def delivery_view(entry: OutboxEntry) -> dict:
    """One line of the delivery log."""
    payload = entry.payload or {}
    event = (payload.get("data") or {}).get("event") or {}
    if entry.status == "done":
        status = "skipped" if (entry.outcome or {}).get("skipped") else "delivered"
    else:
        status = entry.status  # pending | dead
    return {
        "id": entry.id,
        "status": status,
        "certificate_id": entry.certificate_id,
        "event": {k: event.get(k) for k in ("seq", "type", "state", "at")},
        "attempts": entry.attempts,
        "created_at": entry.created_at,
        "delivered_at": entry.done_at if status == "delivered" else None,
        "next_attempt_at": entry.next_attempt_at if status == "pending" else None,
        "last_error": entry.last_error,
        "history": entry.history,
    }
