"""Certificate lifecycle: states, allowed transitions, and hash-chained events.

received → issued → forwarded [→ acknowledged] → accepted | rejected | query → utilised;
cancelled (by the exporter) and replaced (Art 3.17.5) end a certificate's life. Issuing a
certified true copy (Art 3.17.9) is an event on the original that does not change its state.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import rfc8785

# The states and their meanings live in the core, shared with the verifier and the Odoo addon;
# re-exported here because the service's modules speak of `lifecycle.ISSUED` etc.
from originlink.states import (  # noqa: F401
    ACCEPTED,
    ACKNOWLEDGED,
    CANCELLED,
    FORWARDED,
    ISSUED,
    QUERY,
    RECEIVED,
    REJECTED,
    REPLACED,
    STATES,
    UTILISED,
    State,
    can_become,
)

from .storage import CertificateRecord, Event


class TransitionNotAllowed(Exception):
    def __init__(self, current: str, wanted: str):
        super().__init__(f"a certificate in state {current!r} cannot become {wanted!r}")
        self.current, self.wanted = current, wanted


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def event_hash(fields: dict) -> str:
    """SHA-256 of the RFC 8785 canonical JSON of the event without its own hash."""
    body = {k: v for k, v in fields.items() if k != "hash"}
    return "sha256:" + hashlib.sha256(rfc8785.dumps(body)).hexdigest()


def make_event(
    certificate_id: str,
    seq: int,
    type_: str,
    state: str,
    *,
    actor: str,
    prev_hash: str | None,
    detail: dict | None = None,
    at: str | None = None,
) -> Event:
    fields = {
        "certificate_id": certificate_id,
        "seq": seq,
        "type": type_,
        "state": state,
        "at": at or now_iso(),
        "actor": actor,
        "detail": detail or {},
        "prev_hash": prev_hash,
    }
    return Event(**fields, hash=event_hash(fields))


def advance(
    record: CertificateRecord,
    type_: str,
    new_state: str | None,
    *,
    actor: str,
    detail: dict | None = None,
) -> tuple[CertificateRecord, Event]:
    """The record after one more event (state unchanged when `new_state` is None) and that
    event, chained to the record's last one. The caller commits both with
    `expected_version=record.version`."""
    state = record.state if new_state is None else new_state
    if new_state is not None and not can_become(record.state, new_state):
        raise TransitionNotAllowed(record.state, new_state)
    return chain_step(record, type_, state, actor=actor, detail=detail)


def chain_step(record, type_: str, state: str, *, actor: str, detail: dict | None = None):
    """A copy of the record (a certificate's or a statement's) in `state`, one version on, and
    the event that says so, chained to the record's last one."""
    event = make_event(
        record.id,
        record.version + 1,
        type_,
        state,
        actor=actor,
        prev_hash=record.last_event_hash,
        detail=detail,
    )
    updated = type(record)(**record.to_dict())
    updated.state, updated.version = state, event.seq
    updated.last_event_hash, updated.updated_at = event.hash, event.at
    return updated, event


def verify_chain(events: list[Event]) -> list[str]:
    """Problems with an event list (empty = intact): each hash recomputes, each event points
    to the previous one, sequence numbers run 1, 2, 3..."""
    problems, prev = [], None
    for i, event in enumerate(events, start=1):
        data = event.to_dict()
        if event.seq != i:
            problems.append(f"event {i}: sequence number is {event.seq}")
        if event.prev_hash != prev:
            problems.append(f"event {i}: prev_hash does not match event {i - 1}")
        if event_hash(data) != event.hash:
            problems.append(f"event {i}: hash does not match its content")
        prev = event.hash
    return problems
