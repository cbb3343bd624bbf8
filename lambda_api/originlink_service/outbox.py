"""Outbox worker: drains entries written in the same transaction as the certificate and hands
each to the customs adapter of its destination, then records the `forwarded` event.

Customs adapters come in a later issue; until one is registered for a destination, its entries
stay `pending` (retried every `NO_ADAPTER_RETRY_SECONDS`) and are listed by
`originlink outbox list`. On AWS the same `drain_once` runs from a scheduled Lambda (or an SQS
relay); in `make run` it runs in a thread of each server worker. Leases make it safe for several
workers to drain at once.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from . import lifecycle, service
from .lifecycle import TransitionNotAllowed
from .storage import CertificateRecord, VersionConflict

log = logging.getLogger("originlink.outbox")

LEASE_SECONDS = 60
MAX_ATTEMPTS = 8
NO_ADAPTER_RETRY_SECONDS = 60

# destination Party (ISO alpha-2) -> callable(record) -> receipt dict. Filled by customs adapters.
ADAPTERS: dict[str, Callable[[CertificateRecord], dict]] = {}


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with full jitter: up to 2, 4, 8 ... 300 seconds."""
    return random.uniform(0, min(300, 2**attempts))


def drain_once(ctx, adapters: dict | None = None, now: datetime | None = None) -> int:
    """Process the entries that are due; returns how many were forwarded."""
    adapters = ADAPTERS if adapters is None else adapters
    now = now or datetime.now(UTC)
    store = ctx.store
    forwarded = 0
    for entry in store.lease_outbox(_iso(now), _iso(now + timedelta(seconds=LEASE_SECONDS))):
        entry.lease_until = None
        adapter = adapters.get(entry.destination)
        record = store.get_certificate(entry.exporter_id, entry.certificate_id)
        if record is None or record.state != lifecycle.ISSUED:
            entry.status, entry.last_error = "done", "nothing to forward (state changed)"
        elif adapter is None:
            entry.last_error = f"no customs adapter for {entry.destination} yet"
            entry.next_attempt_at = _iso(now + timedelta(seconds=NO_ADAPTER_RETRY_SECONDS))
        else:
            try:
                receipt = adapter(record)
                service.record_status(
                    ctx,
                    record,
                    "forwarded",
                    lifecycle.FORWARDED,
                    actor="forwarder",
                    detail={"destination": entry.destination, "receipt": receipt},
                )
                entry.status, entry.last_error = "done", None
                forwarded += 1
            except (TransitionNotAllowed, VersionConflict) as exc:
                # Changed meanwhile (e.g. cancelled): try again later with a fresh read.
                entry.last_error = str(exc)
                entry.next_attempt_at = _iso(now + timedelta(seconds=1))
            except Exception as exc:  # the adapter failed: retry with backoff, then dead-letter
                entry.attempts += 1
                entry.last_error = f"{type(exc).__name__}: {exc}"
                if entry.attempts >= MAX_ATTEMPTS:
                    entry.status = "dead"
                else:
                    delay = backoff_seconds(entry.attempts)
                    entry.next_attempt_at = _iso(now + timedelta(seconds=delay))
                log.warning("forwarding %s failed: %s", entry.certificate_id, entry.last_error)
        store.finish_outbox(entry)
    return forwarded


class OutboxWorker(threading.Thread):
    def __init__(self, ctx_factory, interval: float = 2.0):
        super().__init__(name="outbox-worker", daemon=True)
        self._ctx_factory = ctx_factory
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                drain_once(self._ctx_factory())
            except Exception:  # keep draining after a transient storage error
                log.exception("outbox drain failed")
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()
