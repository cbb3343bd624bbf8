"""Adapters: the signed message a destination or issuing body receives, in the format and
version it is configured for (originlink.exchange.messages), and its HTTP POST.

The request carries, besides the message (signed with the service's key as a whole):
`Content-Type`, `OriginLink-Message-Version` (`json/1.1`, `ubl/2.1`) and the HMAC headers of
originlink.exchange.signature made with the peer's shared secret — the same secret its
callbacks are signed with. The message id (the outbox entry's id) is the same on every attempt,
so the peer drops a repeated delivery and answers as before.

An answer is classified once, here: 2xx delivered (its `reference` kept), 408/425/429/5xx, a
timeout or a broken connection is worth retrying, any other 4xx means the message itself is
refused (a retry would get the same answer: it goes to the dead letters at once).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

from originlink.exchange.signature import signed_headers

from ..storage import CertificateRecord, OutboxEntry
from .config import ConfigError

RETRYABLE_STATUSES = {408, 425, 429, 500, 502, 503, 504}
MAX_ANSWER_BYTES = 64 * 1024

_pool = None
_pool_lock = threading.Lock()


def http_pool():
    """One urllib3 pool manager per process (keep-alive connections to each peer)."""
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                import urllib3

                _pool = urllib3.PoolManager(num_pools=32, maxsize=8, retries=False)
    return _pool


@dataclass(frozen=True)
class Request:
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Answer:
    """What came back: delivered, or why not and whether trying again could help."""

    delivered: bool
    retry: bool
    status: int | None = None
    reference: str | None = None
    error: str | None = None
    sent: bool = True  # the request left (False: refused before sending, e.g. bad config)
    duration_ms: float = 0.0

    def summary(self) -> dict:
        return {
            k: v
            for k, v in {
                "status": self.status,
                "reference": self.reference,
                "error": self.error,
                "duration_ms": round(self.duration_ms, 1),
            }.items()
            if v is not None
        }


def attestation(record: CertificateRecord):
    from originlink.exchange import messages  # lazy: the message models are costly to import

    return messages.Attestation(
        certificate_id=record.id,
        public_id=record.public_id,
        digest=record.digest,
        jws=record.jws,
    )


def message_request(
    ctx,
    peer_id: str,
    entry: OutboxEntry,
    record: CertificateRecord,
    *,
    function: str,
    purpose: str,
    sent_at: str,
) -> Request:
    """The signed message for `peer_id` (a destination or an issuing body) about `record`.
    Built at each attempt from the configuration of the moment, so a corrected configuration
    applies to a redriven message."""
    from originlink.exchange import messages  # lazy: the message models are costly to import

    customs = ctx.customs
    peer = customs.peer(peer_id)
    if peer is None or not peer.pushed:
        raise ConfigError(f"{peer_id} is not connected (mode paper-parallel or not configured)")
    payload = entry.payload or {}
    head = messages.header(
        id=entry.id,
        function=function,
        purpose=purpose,
        sender=ctx.settings.issuer,
        recipient=peer_id,
        sent_at=sent_at,
        review="manual" if peer.mode == "manual-review" else None,
        reason=payload.get("reason"),
        replaced_by=payload.get("replaced_by"),
    )
    message = messages.Message(head, attestation(record), record.document, record.certification)
    signer = ctx.keyring.active_signer()
    if peer.adapter == "json":
        body = messages.write_json(peer.version, message, signer, ctx.settings.issuer)
    else:
        body = messages.write_ubl(message, signer, ctx.settings.issuer)
    headers = {
        "Content-Type": messages.CONTENT_TYPES[peer.adapter],
        "OriginLink-Message-Version": f"{peer.adapter}/{peer.version}",
        "User-Agent": "OriginLink-Forwarder/1",
        **signed_headers(customs.secret(peer_id), body, message_id=entry.id),
    }
    return Request(peer.endpoint, body, headers)


def post(request: Request, timeout: float) -> Answer:
    """POST the request once. Never raises: every outcome is an Answer."""
    import urllib3

    started = time.perf_counter()

    def took() -> float:
        return (time.perf_counter() - started) * 1000

    try:
        response = http_pool().request(
            "POST",
            request.url,
            body=request.body,
            headers=request.headers,
            timeout=urllib3.Timeout(connect=min(3.0, timeout), read=timeout),
            retries=False,
            preload_content=False,
        )
        try:
            data = response.read(MAX_ANSWER_BYTES)
        finally:
            response.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        return Answer(False, True, error=f"{type(exc).__name__}: {exc}", duration_ms=took())
    status = response.status
    if 200 <= status < 300:
        return Answer(True, False, status, reference=_reference(data), duration_ms=took())
    text = data[:500].decode("utf-8", "replace").strip()
    return Answer(
        False,
        status in RETRYABLE_STATUSES,
        status,
        error=f"HTTP {status}: {text}" if text else f"HTTP {status}",
        duration_ms=took(),
    )


def _reference(data: bytes) -> str | None:
    """The peer's own reference for what it received (`reference` or `receipt` in its JSON
    answer), if it gives one."""
    try:
        answer = json.loads(data)
    except ValueError:
        return None
    if isinstance(answer, dict):
        value = answer.get("reference") or answer.get("receipt")
        return str(value)[:100] if value else None
    return None
