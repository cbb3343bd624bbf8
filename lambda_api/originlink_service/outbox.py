"""The outbox worker: delivers what changes queued (to customs, issuing bodies and exporters'
webhooks; customs/forwarding.py says what each kind means), exactly once as far as the
receiver can tell.

How an entry is delivered once:

- it is leased (a token) before anything is sent; no other worker takes it before the lease
  expires, and every request is given a timeout that ends before the lease does;
- the write that finishes it — with what the delivery changes on the certificate, in one
  transaction — is refused once its lease was taken over (a worker paused past its lease
  changes nothing: the new holder sends and records);
- every attempt carries the same message id, and receivers drop an id they have seen (the
  simulator counts both), so a retry after a lost answer delivers nothing twice.

Failures are retried with exponential backoff and full jitter (capped), up to a maximum number
of attempts; an answer that says the message itself is wrong (4xx) goes to the dead letters at
once. `originlink outbox redrive` puts dead entries back.

Where it runs: in `make run`, a thread in each server process, woken at once when a change
queues something (`doorbell`) and every `interval` seconds; on AWS, `drain_outbox` (scheduled,
every minute) leases what is due and puts it on the SQS queue, and `forward_outbox` (the SQS
event handler, partial batch responses) delivers it; changes ring the same doorbell by sending
their new entries' ids to the queue.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from . import changes
from .customs import forwarding
from .customs.adapters import Answer, post
from .customs.config import ConfigError
from .lifecycle import now_iso
from .storage import LeaseLost, OutboxEntry, StoreError, VersionConflict, WriteBatch

log = logging.getLogger("originlink.outbox")

LEASE_SECONDS = 60
# What stays of the lease after the longest request: the finishing write's margin.
LEASE_MARGIN_SECONDS = 15
BATCH = 20
RELAY_LEASE_SECONDS = 15 * 60  # an entry handed to SQS is held for its message (AWS)
SQS_MAX_DELAY = 900
RECORD_RETRIES = 5
GROUP_COMMIT = 10  # deliveries recorded per transaction (DynamoDB: at most 100 items in one)

_wake = threading.Event()


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def backoff_seconds(attempts: int, cap: float = 600.0) -> float:
    """Exponential backoff with ("equal") jitter: between half and all of 2, 4, 8 … seconds,
    at most `cap` — never near zero, so an outage is not burnt through in a few seconds."""
    ceiling = min(cap, 2.0**attempts)
    return ceiling / 2 + random.uniform(0, ceiling / 2)


# --- one entry ------------------------------------------------------------------------------


def process(ctx, entry: OutboxEntry, now: datetime) -> bool:
    """Deliver one leased entry, or schedule its retry; True when delivered."""
    sent = _attempt(ctx, entry, now)
    return sent is not None and _record_delivery(ctx, *sent, _iso(now))


def _attempt(ctx, entry: OutboxEntry, now: datetime):
    """Send one leased entry. Delivered: (entry, its certificate, the answer), still to be
    recorded; otherwise None, with the entry written back (skipped, waiting, or its retry)."""
    record = (
        ctx.store.get_certificate(entry.exporter_id, entry.certificate_id)
        if entry.certificate_id
        else None
    )
    at = _iso(now)
    try:
        step = forwarding.prepare(ctx, entry, record, at)
    except ConfigError as exc:
        return _failed(ctx, entry, now, Answer(False, True, error=str(exc), sent=False))
    if step.action == "skip":
        _finish(ctx, replace(entry, status="done", outcome={"skipped": step.reason}, done_at=at))
        return None
    if step.action == "wait":
        later = _iso(now + timedelta(seconds=step.wait_seconds))
        _finish(ctx, replace(entry, next_attempt_at=later, last_error=step.reason))
        return None
    # Never let a request outlive the lease: the finishing write must still hold it.
    left = (_parse(entry.lease_until) - now).total_seconds() - LEASE_MARGIN_SECONDS
    answer = post(step.request, max(0.5, min(step.timeout, left)))
    entry = replace(
        entry,
        sends=entry.sends + (1 if answer.sent else 0),
        history=[*entry.history, {"at": at, **answer.summary()}],
    )
    if not answer.delivered:
        return _failed(ctx, entry, now, answer)
    return entry, record, answer


def _done(entry: OutboxEntry, answer: Answer, at: str) -> OutboxEntry:
    return replace(entry, status="done", last_error=None, outcome=answer.summary(), done_at=at)


def _record_delivery(ctx, entry: OutboxEntry, record, answer: Answer, at: str) -> bool:
    done = _done(entry, answer, at)
    for _ in range(RECORD_RETRIES):
        batch = WriteBatch(updates=forwarding.delivered(entry, record, answer), outbox_done=[done])
        try:
            changes.commit(ctx, batch)
            return True
        except VersionConflict:
            # The certificate changed meanwhile (a callback): record on what it is now.
            record = ctx.store.get_certificate(entry.exporter_id, entry.certificate_id)
        except LeaseLost:
            log.warning("%s: lease taken over while sending; its new holder records it", entry.id)
            return False
    log.error("%s: delivered, but the certificate kept changing; retried later", entry.id)
    _finish(ctx, replace(entry, last_error="delivered; recording it conflicted"))
    return False


def _record_deliveries(ctx, sent: list, at: str) -> int:
    """Record several deliveries in one transaction (one disk sync instead of one each: the
    forwarder keeps up with issuance); if any of them cannot be (a lease lost, a certificate
    changed meanwhile), each is recorded on its own."""
    if len(sent) > 1:
        batch = WriteBatch()
        for entry, record, answer in sent:
            batch.updates += forwarding.delivered(entry, record, answer)
            batch.outbox_done.append(_done(entry, answer, at))
        try:
            changes.commit(ctx, batch)
            return len(sent)
        except (VersionConflict, LeaseLost, StoreError):
            pass
    return sum(_record_delivery(ctx, entry, record, answer, at) for entry, record, answer in sent)


def _failed(ctx, entry: OutboxEntry, now: datetime, answer: Answer) -> None:
    forwarder = ctx.customs.forwarder
    attempts = entry.attempts + 1
    failed = replace(entry, attempts=attempts, last_error=answer.error)
    if not answer.retry or attempts >= forwarder.max_attempts:
        failed = replace(failed, status="dead")
        log.error("%s (%s to %s) dead: %s", entry.id, entry.kind, entry.destination, answer.error)
    else:
        delay = backoff_seconds(attempts, forwarder.backoff_cap_seconds)
        failed = replace(failed, next_attempt_at=_iso(now + timedelta(seconds=delay)))
        log.warning("%s (%s to %s): %s", entry.id, entry.kind, entry.destination, answer.error)
    if _finish(ctx, failed) and failed.status == "pending":
        delay = (_parse(failed.next_attempt_at) - now).total_seconds()
        doorbell(ctx, [failed.id], delay=delay)
    return None


def _finish(ctx, entry: OutboxEntry) -> bool:
    """Write the entry back; False (and nothing written) if its lease was taken over."""
    try:
        ctx.store.finish_outbox(entry)
    except LeaseLost:
        log.warning("%s: lease taken over; its new holder finishes it", entry.id)
        return False
    return True


# --- draining ---------------------------------------------------------------------------------


def drain_once(ctx, now: datetime | None = None, *, workers: int = 1) -> int:
    """Deliver every entry that is due (in batches, `workers` at a time); returns how many
    were delivered."""
    delivered = 0
    pool = ThreadPoolExecutor(workers) if workers > 1 else None
    try:
        while True:
            moment = now or datetime.now(UTC)
            leased = ctx.store.lease_outbox(
                _iso(moment), _iso(moment + timedelta(seconds=LEASE_SECONDS)), limit=BATCH
            )
            if not leased:
                return delivered
            if pool is None:
                attempts = [_attempt(ctx, entry, moment) for entry in leased]
            else:
                attempts = list(pool.map(lambda e, m=moment: _attempt(ctx, e, m), leased))
            sent = [a for a in attempts if a is not None]
            for start in range(0, len(sent), GROUP_COMMIT):
                delivered += _record_deliveries(
                    ctx, sent[start : start + GROUP_COMMIT], _iso(moment)
                )
            if len(leased) < BATCH:  # all that was due has been tried once
                return delivered
    finally:
        if pool is not None:
            pool.shutdown()


def doorbell(ctx, entry_ids: list[str], delay: float = 0.0) -> None:
    """Tell the worker that entries are waiting: on AWS their ids go to the queue (delivered
    after `delay`); in one process, the worker thread wakes up."""
    if not ctx.settings.outbox_queue_url:
        if delay <= 0:
            _wake.set()
        return
    try:
        _send_to_queue(ctx, [{"outbox_id": i} for i in entry_ids], delay)
    except Exception:  # the scheduled relay sends whatever is due anyway
        log.exception("could not put outbox entries on the queue; the relay will")


def _send_to_queue(ctx, bodies: list[dict], delay: float) -> None:
    sqs = ctx.aws_client("sqs")
    seconds = int(min(SQS_MAX_DELAY, max(0, delay)))
    for start in range(0, len(bodies), 10):
        chunk = bodies[start : start + 10]
        sqs.send_message_batch(
            QueueUrl=ctx.settings.outbox_queue_url,
            Entries=[
                {"Id": str(i), "MessageBody": json.dumps(b), "DelaySeconds": seconds}
                for i, b in enumerate(chunk)
            ],
        )


# --- AWS: the scheduled relay and the SQS handler --------------------------------------------


def relay(ctx, now: datetime | None = None) -> int:
    """Lease what is due (held for its queue message) and put it on the queue."""
    moment = now or datetime.now(UTC)
    count = 0
    while True:
        leased = ctx.store.lease_outbox(
            _iso(moment), _iso(moment + timedelta(seconds=RELAY_LEASE_SECONDS)), limit=BATCH
        )
        if not leased:
            return count
        bodies = [{"outbox_id": e.id, "lease_token": e.lease_token} for e in leased]
        _send_to_queue(ctx, bodies, 0)
        count += len(leased)


def handle_queue_messages(ctx, messages: list[tuple[str, str]], now: datetime | None = None):
    """Deliver the entries named by SQS messages `(message id, body)`; returns the ids of the
    messages to retry (the handler's `batchItemFailures`). A message naming an entry that is
    not due, held by another worker or already finished is done: the table, not the queue,
    is the truth, and the relay sends whatever becomes due again."""
    moment = now or datetime.now(UTC)
    lease_until = _iso(moment + timedelta(seconds=LEASE_SECONDS))

    def one(message: tuple[str, str]) -> str | None:
        message_id, body = message
        try:
            data = json.loads(body)
            entry_id, token = data["outbox_id"], data.get("lease_token")
            entry = ctx.store.get_outbox(entry_id) if token else None
            held = entry is not None and entry.status == "pending" and entry.lease_token == token
            if not (held and entry.lease_until > _iso(moment + timedelta(seconds=LEASE_SECONDS))):
                # Not (or no longer long enough) held for this message: lease it afresh.
                entry = ctx.store.lease_outbox_entry(entry_id, _iso(moment), lease_until)
                if entry is None:
                    return None
            process(ctx, entry, moment)
            return None
        except Exception:
            log.exception("queue message %s failed", message_id)
            return message_id

    with ThreadPoolExecutor(max(1, min(10, len(messages)))) as pool:
        return [m for m in pool.map(one, messages) if m is not None]


# --- operators ---------------------------------------------------------------------------------


def redrive(ctx, entry_ids: list[str] | None = None) -> list[str]:
    """Put dead entries (all, or these) back to pending with a fresh count of attempts."""
    if entry_ids:
        dead = [e for e in (ctx.store.get_outbox(i) for i in entry_ids) if e and e.status == "dead"]
    else:
        dead = ctx.store.list_outbox("dead", limit=10_000)
    now = now_iso()
    requeued = []
    for entry in dead:
        again = replace(
            entry,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            history=[*entry.history, {"at": now, "redriven": True}],
        )
        if ctx.store.requeue_outbox(again):
            requeued.append(entry.id)
    if requeued:
        doorbell(ctx, requeued)
    return requeued


class OutboxWorker(threading.Thread):
    """The worker thread of one server process (`make run`)."""

    def __init__(self, ctx_factory, interval: float = 2.0, workers: int = 4):
        super().__init__(name="outbox-worker", daemon=True)
        self._ctx_factory = ctx_factory
        self.interval = interval
        self.workers = workers
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            _wake.clear()
            try:
                drain_once(self._ctx_factory(), workers=self.workers)
            except Exception:  # keep draining after a transient storage error
                log.exception("outbox drain failed")
            _wake.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()
        _wake.set()
