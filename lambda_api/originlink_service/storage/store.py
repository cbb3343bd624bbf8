"""The storage interface both adapters implement (and one contract test suite checks)."""

from __future__ import annotations

from typing import Protocol

from .records import (
    ApiKey,
    CertificateRecord,
    Event,
    Exporter,
    IdempotencyRecord,
    InboundMessage,
    OutboxEntry,
    StatementRecord,
    Webhook,
    WriteBatch,
)


class StoreError(Exception):
    pass


class Conflict(StoreError):
    """A uniqueness rule would be broken (e.g. an exporter name already taken)."""


class IdempotencyKeyTaken(Conflict):
    """Another request with this Idempotency-Key committed first; nothing of this batch was
    written."""


class DuplicateNumber(Conflict):
    """The exporter already has a certificate with this number (Art 3.17: numbers are unique).
    Replacements and certified true copies may reuse their original's number."""


class DuplicateProduct(Conflict):
    """Another published statement of the exporter stands for this product (renew or withdraw
    it instead); nothing of the batch was written."""


class VersionConflict(Conflict):
    """The certificate changed since it was read; nothing of this batch was written."""


class LeaseLost(Conflict):
    """An outbox entry's lease was taken over by another worker (it outlived its lease): the
    write that would finish it was refused, and nothing of its batch was written."""


class MessageReplayed(Conflict):
    """An inbound message with this source and id was applied before; nothing was written."""


class Store(Protocol):
    # exporters and their API keys
    def create_exporter(self, exporter: Exporter) -> None: ...
    def get_exporter(self, exporter_id: str) -> Exporter | None: ...
    def get_exporter_by_name(self, name: str) -> Exporter | None: ...
    def list_exporters(self) -> list[Exporter]: ...
    def put_api_key(self, key: ApiKey) -> None: ...
    def get_api_key_by_hash(self, key_hash: str) -> ApiKey | None: ...
    def list_api_keys(self, exporter_id: str | None = None) -> list[ApiKey]: ...
    def revoke_api_key(self, key_id: str, at: str) -> bool: ...

    # certificates, events, idempotency, outbox: written together
    def commit(self, batch: WriteBatch) -> None: ...

    # reads; certificates are always scoped to their exporter
    def get_certificate(
        self, exporter_id: str, certificate_id: str
    ) -> CertificateRecord | None: ...

    def list_certificates(
        self, exporter_id: str, *, limit: int = 50, after: str | None = None
    ) -> tuple[list[CertificateRecord], str | None]: ...

    def list_events(self, certificate_id: str) -> list[Event]: ...
    def get_idempotency(self, exporter_id: str, key: str) -> IdempotencyRecord | None: ...

    # public verification lookups (no exporter scope: the verifier decides what to show)
    def get_by_public_id(self, public_id: str) -> CertificateRecord | None: ...
    def get_version_by_public_id(self, public_id: str) -> tuple[str, int] | None:
        """(certificate id, version) without reading the document: enough to find a cached
        verification, which stays right until the version changes."""
        ...

    def find_by_number_invoice(
        self, number: str, invoice_number: str
    ) -> list[CertificateRecord]: ...

    # outbox: messages to customs, issuing bodies and exporters' webhooks
    def list_outbox(self, status: str | None = None, limit: int = 100) -> list[OutboxEntry]: ...
    def get_outbox(self, entry_id: str) -> OutboxEntry | None: ...
    def lease_outbox(self, now: str, lease_until: str, limit: int = 10) -> list[OutboxEntry]:
        """Due pending entries, each leased to the caller until `lease_until` under a fresh
        `lease_token` (no other caller gets them before the lease expires)."""
        ...

    def lease_outbox_entry(self, entry_id: str, now: str, lease_until: str) -> OutboxEntry | None:
        """This entry, leased as by `lease_outbox`, if it is pending, due and not leased."""
        ...

    def finish_outbox(self, entry: OutboxEntry) -> None:
        """Write the entry's new status, only if its `lease_token` is still the stored one
        (else LeaseLost); the lease is released."""
        ...

    def requeue_outbox(self, entry: OutboxEntry) -> bool:
        """Write a dead entry back as given (pending), only if it is still dead."""
        ...

    def list_deliveries(self, exporter_id: str, limit: int = 50) -> list[OutboxEntry]:
        """The exporter's webhook deliveries, newest first (its delivery log)."""
        ...

    # exporters' webhooks
    def put_webhook(self, webhook: Webhook) -> None: ...
    def get_webhook(self, exporter_id: str) -> Webhook | None: ...
    def delete_webhook(self, exporter_id: str) -> bool: ...

    # inbound messages already applied (replay protection)
    def get_inbound(self, source: str, message_id: str) -> InboundMessage | None: ...

    # origin statements (written by `commit`); reads scoped to their exporter, but the public
    # lookups, as for certificates
    def get_statement(self, exporter_id: str, statement_id: str) -> StatementRecord | None: ...
    def list_statements(
        self, exporter_id: str, *, limit: int = 50, after: str | None = None
    ) -> tuple[list[StatementRecord], str | None]: ...

    def list_statement_events(self, statement_id: str) -> list[Event]: ...
    def get_statement_by_public_id(self, public_id: str) -> StatementRecord | None: ...
    def get_statement_version_by_public_id(self, public_id: str) -> tuple[str, int] | None: ...
    def get_product_claim(self, exporter_id: str, sandbox: bool, product_ref: str) -> str | None:
        """The id of the statement that stands for this product, if one does."""
        ...
