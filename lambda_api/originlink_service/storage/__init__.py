"""Storage behind one interface (`Store`), two adapters: SQLite (embedded default) and DynamoDB.

Every write that changes a certificate goes through `Store.commit(WriteBatch)`: new certificates,
their events and — unless the record reuses its original's number (a certified true copy, or a
replacement keeping it) — their number, unique per exporter; updates of existing certificates
(only if the stored version is the one read: optimistic locking), the idempotency record and
outbox entries, the finishing of leased outbox entries (only while their lease holds) and the
ids of inbound messages applied (each once), origin statements and the product claims they
take, hand on or release (one statement per product) — all or nothing.
"""

from __future__ import annotations

from .records import (
    ApiKey,
    CertificateRecord,
    Event,
    Exporter,
    IdempotencyRecord,
    InboundMessage,
    OutboxEntry,
    ProductClaim,
    RecordUpdate,
    StatementRecord,
    Webhook,
    WriteBatch,
)
from .store import (
    Conflict,
    DuplicateNumber,
    DuplicateProduct,
    IdempotencyKeyTaken,
    LeaseLost,
    MessageReplayed,
    Store,
    StoreError,
    VersionConflict,
)

__all__ = [
    "ApiKey",
    "CertificateRecord",
    "Conflict",
    "DuplicateNumber",
    "DuplicateProduct",
    "Event",
    "Exporter",
    "IdempotencyKeyTaken",
    "IdempotencyRecord",
    "InboundMessage",
    "LeaseLost",
    "MessageReplayed",
    "OutboxEntry",
    "ProductClaim",
    "RecordUpdate",
    "StatementRecord",
    "Store",
    "StoreError",
    "VersionConflict",
    "Webhook",
    "WriteBatch",
    "open_store",
]


def open_store(kind: str, **options) -> Store:
    """`sqlite` (options: path) or `dynamodb` (options: table, client)."""
    if kind == "sqlite":
        from .sqlite import SqliteStore

        return SqliteStore(options["path"])
    if kind == "dynamodb":
        from .dynamodb import DynamoStore

        return DynamoStore(options["table"], client=options.get("client"))
    raise ValueError(f"unknown storage kind {kind!r} (sqlite | dynamodb)")
