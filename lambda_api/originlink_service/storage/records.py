"""What is stored. Plain dataclasses; adapters serialise them as JSON."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Exporter:
    id: str
    name: str
    created_at: str


@dataclass
class ApiKey:
    """An exporter's API key. Only the SHA-256 of the key is stored; `hint` is its last 4
    characters so people can tell keys apart in `keys list`."""

    key_id: str
    key_hash: str
    exporter_id: str
    hint: str
    created_at: str
    revoked_at: str | None = None
    # A sandbox key issues sandbox certificates only (sandbox key set, SANDBOX on every view).
    sandbox: bool = False


@dataclass
class CertificateRecord:
    id: str
    exporter_id: str
    public_id: str  # >= 128 random bits, used in public verification links
    access_code: str  # unlocks the full certificate on the public page
    state: str
    version: int  # = seq of the last event; optimistic-locking token
    number: str
    invoice_numbers: list[str]
    document: dict  # the certificate, JSON mode (decimals as strings)
    digest: str  # "sha256:<hex>" of the canonical JSON (RFC 8785)
    jws: str  # the SD-JWT's issuer-signed JWT (signed before SD-JWT: a JWS over the digest)
    kid: str
    created_at: str
    updated_at: str
    last_event_hash: str
    replaces: str | None = None
    replaced_by: str | None = None
    copy_of: str | None = None
    # True for a certified true copy and for a replacement that keeps its original's number:
    # the number is already the original's. Anything else owns its number (Art 3.17).
    reuses_number: bool = False
    # Issued with a sandbox API key: signed with the sandbox key set, never a real certificate.
    sandbox: bool = False
    # Who legally certified it (originlink.credentials.certification): an issuing body's
    # endorsement or refusal, or the official certificate the exporter recorded; None if nobody.
    certification: dict | None = None
    # Where the certificate goes and how (docs/customs.md): {"destination", "mode", ...},
    # decided at issue from the destinations' configuration.
    customs: dict | None = None
    # The secret seed of the SD-JWT issuance's salts (base64url; kept like the access code): with
    # `jws` and `document` it rebuilds every disclosure (originlink.credentials.views); each
    # view presents a subset. None: signed before SD-JWT.
    sd_seed: str | None = None

    def to_dict(self) -> dict:
        # Shallow on purpose: `dataclasses.asdict` deep-copies the whole document on every
        # read. Callers never mutate nested values in place.
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @property
    def claims_number(self) -> bool:
        """Whether creating this record takes its number (unique per exporter)."""
        return not self.reuses_number


@dataclass
class StatementRecord:
    """An exporter's origin statement about one product (originlink.statement), signed as one
    SD-JWT issuance like a certificate. Every field of it is public: no access code.

    States: `published` → `withdrawn` (by the exporter) or `superseded` (by its renewal);
    expiry is read from the statement's dates, never stored."""

    id: str
    exporter_id: str
    public_id: str  # >= 128 random bits, in the verification link (same space as certificates)
    state: str
    version: int  # = seq of the last event; optimistic-locking token
    product_ref: str  # the exporter's reference of the product (one live statement per product)
    document: dict  # the statement, JSON mode
    digest: str  # "sha256:<hex>" of its RFC 8785 form
    jws: str  # the SD-JWT's issuer-signed JWT
    kid: str
    sd_seed: str  # the secret seed of the disclosures' salts (base64url)
    created_at: str
    updated_at: str
    last_event_hash: str
    sandbox: bool = False
    supersedes: str | None = None
    superseded_by: str | None = None

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


@dataclass
class ProductClaim:
    """Which statement stands for a product of an exporter (in one world, sandbox or not):
    one at a time. Taken when a statement is published (`previous` None: refused with
    DuplicateProduct if another holds it), handed on by a renewal (`previous` → `statement_id`)
    and released by a withdrawal (`statement_id` None) — the last two only while `previous`
    still holds it (else VersionConflict)."""

    exporter_id: str
    sandbox: bool
    product_ref: str
    statement_id: str | None
    previous: str | None = None


@dataclass
class Event:
    """One append-only lifecycle event; `hash` covers every other field including `prev_hash`,
    so the events of a certificate (or of an origin statement: its id in `certificate_id`) form
    a hash chain."""

    certificate_id: str
    seq: int
    type: str
    state: str
    at: str
    actor: str
    detail: dict[str, Any]
    prev_hash: str | None
    hash: str

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class IdempotencyRecord:
    exporter_id: str
    key: str
    request_hash: str
    status: int
    body: str  # the exact response body, replayed as is
    created_at: str
    certificate_id: str | None = None


@dataclass
class OutboxEntry:
    """A message to send, written in the same transaction as the change it reports. Its id is
    the message id the receiver sees on every attempt (so a receiver can drop duplicates).

    A worker leases an entry (`lease_until`, `lease_token`) before sending; the write that
    finishes it is accepted only while `lease_token` is still the one it took."""

    id: str
    certificate_id: str | None
    exporter_id: str
    # forward: the certificate to the destination customs; endorse: to the issuing body;
    # cancel: tell the destination it was cancelled or replaced; webhook: the exporter's URL
    kind: str
    destination: str  # importing Party (ISO alpha-2), issuing body id, or "webhook"
    status: str  # pending | done | dead
    attempts: int  # failed attempts
    created_at: str
    next_attempt_at: str
    lease_until: str | None = None
    last_error: str | None = None
    lease_token: str | None = None
    payload: dict | None = None  # what to send when it is not read from the certificate
    sends: int = 0  # how many times it went on the wire (whatever the answer)
    history: list[dict] = field(default_factory=list)  # one line per attempt (delivery log)
    outcome: dict | None = None  # the receiver's answer when done (receipt, status code)
    done_at: str | None = None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class InboundMessage:
    """A signed message received from outside (a customs callback), kept so that the same
    message id from the same source is applied once: a replay is refused."""

    source: str  # destination or issuing body id
    message_id: str
    received_at: str
    certificate_id: str | None = None


@dataclass
class Webhook:
    """An exporter's webhook: every status change of its certificates is POSTed to `url`,
    signed with `secret` (HMAC-SHA256, docs/webhooks.md). The secret has to be stored as is:
    the service signs with it."""

    exporter_id: str
    url: str
    secret: str
    created_at: str
    updated_at: str


@dataclass
class RecordUpdate:
    """A certificate's (or statement's) new state, written only if its stored version is
    `expected_version`."""

    record: CertificateRecord | StatementRecord
    expected_version: int
    events: list[Event]


@dataclass
class WriteBatch:
    """Everything one request changes, committed in one transaction."""

    creates: list[tuple[CertificateRecord, list[Event]]] = field(default_factory=list)
    updates: list[RecordUpdate] = field(default_factory=list)
    idempotency: IdempotencyRecord | None = None
    outbox: list[OutboxEntry] = field(default_factory=list)
    # Leased outbox entries finished with this change, each only if its lease still holds.
    outbox_done: list[OutboxEntry] = field(default_factory=list)
    # Inbound messages this change applies: refused as a whole if one was seen before.
    inbound: list[InboundMessage] = field(default_factory=list)
    # Origin statements: new ones with their events, changed ones (version-checked), and the
    # product claims they take, hand on or release.
    statement_creates: list[tuple[StatementRecord, list[Event]]] = field(default_factory=list)
    statement_updates: list[RecordUpdate] = field(default_factory=list)
    product_claims: list[ProductClaim] = field(default_factory=list)


def from_dict(cls, data: dict):
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})
