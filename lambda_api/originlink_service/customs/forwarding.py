"""What the outbox worker does with each kind of entry: decide (send, skip, or wait), build
the request, and — once the receiver answered 2xx — what to record, in the transaction that
finishes the entry.

- `forward`: the certificate to its destination's customs → `forwarded` (state issued →
  forwarded; an event only, if customs already answered or it was withdrawn meanwhile);
- `endorse`: the certificate to its issuing body → `sent_for_certification` (an event);
- `cancel`: a withdrawn certificate's cancellation to its destination → `customs_notified`;
  held back while the certificate's own message is in flight, dropped if that never left;
- `webhook`: a delivery to the exporter's URL (nothing to record on the certificate).
"""

from __future__ import annotations

from dataclasses import dataclass

from originlink.states import STANDING

from .. import lifecycle
from ..errors import InvalidInput
from ..storage import CertificateRecord, OutboxEntry, RecordUpdate
from . import adapters, webhooks
from .config import ConfigError

IN_FLIGHT_WAIT_SECONDS = 5.0


@dataclass(frozen=True)
class Step:
    action: str  # send | skip | wait
    request: adapters.Request | None = None
    timeout: float = 10.0
    reason: str | None = None
    wait_seconds: float = 0.0


def _skip(reason: str) -> Step:
    return Step("skip", reason=reason)


def _timeout(ctx, peer_id: str) -> float:
    peer = ctx.customs.peer(peer_id)
    return (peer and peer.timeout_seconds) or ctx.customs.forwarder.timeout_seconds


# --- deciding -------------------------------------------------------------------------------


def prepare(ctx, entry: OutboxEntry, record: CertificateRecord | None, at: str) -> Step:
    """What to do with a leased entry now. Raises ConfigError when the configuration does not
    let it be sent (counted as a failed attempt: fix the configuration, it is retried)."""
    if entry.kind == "webhook":
        hook = ctx.store.get_webhook(entry.exporter_id)
        if hook is None:
            return _skip("no webhook is registered any more")
        try:  # again at each delivery: a name may resolve elsewhere than when registered
            webhooks.check_url(hook.url, ctx.settings.webhook_networks)
        except InvalidInput as exc:
            return _skip(f"the webhook's URL is refused now: {exc.detail}")
        return Step("send", webhooks.request(hook, entry.payload), webhooks.TIMEOUT_SECONDS)
    if record is None:
        return _skip("the certificate does not exist")
    if entry.kind == "forward":
        if record.state in (lifecycle.CANCELLED, lifecycle.REPLACED) and entry.sends == 0:
            return _skip(f"the certificate was {record.state} before it was sent")
        function, purpose = "submit", "import"
    elif entry.kind == "endorse":
        if record.certification is not None:
            return _skip(f"already certified ({record.certification.get('kind')})")
        if record.state not in STANDING:
            return _skip(f"the certificate was {record.state} before it was sent")
        function, purpose = "submit", "certification"
    elif entry.kind == "cancel":
        forward = ctx.store.get_outbox((entry.payload or {}).get("forward", ""))
        if forward is None:
            return _skip("no message about this certificate was queued")
        if forward.status == "pending" and forward.lease_until and forward.lease_until > at:
            return Step(
                "wait", reason="its message is in flight", wait_seconds=IN_FLIGHT_WAIT_SECONDS
            )
        if forward.sends == 0:
            return _skip("customs never received it: nothing to cancel")
        function, purpose = "cancel", "import"
    else:
        return _skip(f"unknown outbox entry kind {entry.kind!r}")
    peer = ctx.customs.peer(entry.destination)
    if peer is None or not peer.pushed:
        return _skip(f"{entry.destination} is not connected any more (paper-parallel)")
    request = adapters.message_request(
        ctx, entry.destination, entry, record, function=function, purpose=purpose, sent_at=at
    )
    return Step("send", request, _timeout(ctx, entry.destination))


# --- recording --------------------------------------------------------------------------------


def delivered(
    entry: OutboxEntry, record: CertificateRecord | None, answer: adapters.Answer
) -> list[RecordUpdate]:
    """The certificate's change for a delivered entry (none for a webhook)."""
    if entry.kind == "webhook" or record is None:
        return []
    detail = {"destination": entry.destination, "message_id": entry.id}
    if answer.reference:
        detail["reference"] = answer.reference
    if entry.kind == "forward":
        customs = record.customs or {}
        if customs.get("forwarded") == entry.id:
            return []  # customs' answer arrived first and proved it: recorded then
        state = lifecycle.FORWARDED if record.state == lifecycle.ISSUED else None
        updated, event = lifecycle.advance(
            record, "forwarded", state, actor="forwarder", detail=detail
        )
        reference = customs.get("reference") or answer.reference
        updated.customs = {**customs, "forwarded": entry.id, "reference": reference}
    elif entry.kind == "endorse":
        updated, event = lifecycle.advance(
            record, "sent_for_certification", None, actor="forwarder", detail=detail
        )
    else:
        detail["function"] = "cancel"
        updated, event = lifecycle.advance(
            record, "customs_notified", None, actor="forwarder", detail=detail
        )
    return [RecordUpdate(updated, record.version, [event])]


__all__ = ["ConfigError", "Step", "delivered", "prepare"]
