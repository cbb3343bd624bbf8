"""SQLite adapter: the embedded default. WAL journal, one connection per thread, every write
in a `BEGIN IMMEDIATE` transaction, synchronous=FULL so a committed answer survives a crash or
restart.

Writers queue on a lock of their own before `BEGIN IMMEDIATE` — a thread lock inside the
process, `flock` on `<database>.writer` between processes — rather than on SQLite's busy
handler: that one sleeps and polls (1, 2, 5 … 100 ms), so a writer that meets another waits
for its next poll, not for the other to finish; under eight concurrent issuers that put a
few requests a second 100 ms and more behind (bench/bench_tail.py, docs/reliability.md).
A blocked `flock` wakes as soon as the lock is released.

Checkpoints (copying the WAL into the database file, with its own fsync) are not left to the
commit that happens to cross SQLite's threshold: that commit would pay tens to hundreds of
milliseconds while every writer queues behind it. Connections have `wal_autocheckpoint=0`;
every CHECKPOINT_EVERY commits a background thread runs a PASSIVE checkpoint, which neither
waits for nor blocks readers and writers. (The last connection to close checkpoints too.)"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import secrets
import sqlite3
import threading
from pathlib import Path

from .records import (
    ApiKey,
    CertificateRecord,
    Event,
    Exporter,
    IdempotencyRecord,
    InboundMessage,
    OutboxEntry,
    ProductClaim,
    StatementRecord,
    Webhook,
    WriteBatch,
    from_dict,
)
from .store import (
    Conflict,
    DuplicateNumber,
    DuplicateProduct,
    IdempotencyKeyTaken,
    LeaseLost,
    MessageReplayed,
    VersionConflict,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS exporters (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE, exporter_id TEXT NOT NULL,
    created_at TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS certificates (
    id TEXT PRIMARY KEY, exporter_id TEXT NOT NULL, public_id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL, created_at TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS certificates_by_exporter
    ON certificates (exporter_id, created_at, id);
CREATE TABLE IF NOT EXISTS certificate_numbers (
    exporter_id TEXT NOT NULL, number TEXT NOT NULL, certificate_id TEXT NOT NULL,
    PRIMARY KEY (exporter_id, number));
CREATE TABLE IF NOT EXISTS certificate_invoices (
    number TEXT NOT NULL, invoice_number TEXT NOT NULL, certificate_id TEXT NOT NULL,
    PRIMARY KEY (number, invoice_number, certificate_id));
CREATE TABLE IF NOT EXISTS events (
    certificate_id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (certificate_id, seq));
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TABLE IF NOT EXISTS idempotency (
    exporter_id TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (exporter_id, key));
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY, status TEXT NOT NULL, next_attempt_at TEXT NOT NULL,
    lease_until TEXT, created_at TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS outbox_deliveries
    ON outbox (json_extract(data, '$.exporter_id'), created_at)
    WHERE json_extract(data, '$.kind') = 'webhook';
CREATE TABLE IF NOT EXISTS inbound_messages (
    source TEXT NOT NULL, message_id TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (source, message_id));
CREATE TABLE IF NOT EXISTS webhooks (exporter_id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS statements (
    id TEXT PRIMARY KEY, exporter_id TEXT NOT NULL, public_id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL, created_at TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS statements_by_exporter ON statements (exporter_id, created_at, id);
CREATE TABLE IF NOT EXISTS statement_products (
    exporter_id TEXT NOT NULL, sandbox INTEGER NOT NULL, product_ref TEXT NOT NULL,
    statement_id TEXT NOT NULL, PRIMARY KEY (exporter_id, sandbox, product_ref));
"""
# A statement's events share the `events` table with certificates' (ids never collide:
# crt_… and ost_…), and its hash chain works the same.

CHECKPOINT_EVERY = 100  # commits between background checkpoints

# The finishing write of an outbox entry names the lease it holds.
_LEASE_HELD = "id = ? AND json_extract(data, '$.lease_token') IS ?"


def _dump(obj) -> str:
    return json.dumps(obj.to_dict() if hasattr(obj, "to_dict") else vars(obj), sort_keys=True)


class SqliteStore:
    def __init__(self, path: str | Path):
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        if not Path(self.path).exists():  # the database holds key hashes: owner-only
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        self._local = threading.local()
        self._writer_pid = None
        conn = self._conn()
        with self._writer():
            conn.executescript(SCHEMA)

    @contextlib.contextmanager
    def _writer(self):
        """One writer at a time, across the threads and the processes that share the file."""
        if self._writer_pid != os.getpid():  # first use, or a forked child: its own lock
            self._writer_thread_lock = threading.Lock()
            self._writer_fd = os.open(self.path + ".writer", os.O_RDWR | os.O_CREAT, 0o600)
            self._writer_pid = os.getpid()
            self._commits = 0
            self._checkpoint_wanted = threading.Event()
            self._checkpointer = None
        with self._writer_thread_lock:
            fcntl.flock(self._writer_fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._writer_fd, fcntl.LOCK_UN)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves.
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA wal_autocheckpoint=0")  # _checkpoint_soon does it
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _write(self, fn):
        conn = self._conn()
        with self._writer():
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
                conn.execute("COMMIT")
            except BaseException:
                # Also when COMMIT itself fails (disk full, I/O error): otherwise the
                # transaction stays open on this thread's connection and a later COMMIT
                # would write it.
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            self._commits += 1
        if self._commits % CHECKPOINT_EVERY == 0:
            self._checkpoint_soon()
        return result

    def _checkpoint_soon(self) -> None:
        """Wake this process's checkpoint thread (started on first use)."""
        if self._checkpointer is None:
            self._checkpointer = threading.Thread(
                target=self._checkpoints, name="sqlite-checkpoint", daemon=True
            )
            self._checkpointer.start()
        self._checkpoint_wanted.set()

    def _checkpoints(self) -> None:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        while True:
            self._checkpoint_wanted.wait()
            self._checkpoint_wanted.clear()
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:
                pass  # the next one will do; a failed checkpoint loses nothing

    # exporters and keys -------------------------------------------------------------------
    def create_exporter(self, exporter: Exporter) -> None:
        def do(conn):
            try:
                conn.execute(
                    "INSERT INTO exporters (id, name, created_at) VALUES (?, ?, ?)",
                    (exporter.id, exporter.name, exporter.created_at),
                )
            except sqlite3.IntegrityError as exc:
                raise Conflict(f"exporter {exporter.name!r} already exists") from exc

        self._write(do)

    def get_exporter(self, exporter_id: str) -> Exporter | None:
        row = (
            self._conn()
            .execute("SELECT id, name, created_at FROM exporters WHERE id = ?", (exporter_id,))
            .fetchone()
        )
        return Exporter(*row) if row else None

    def get_exporter_by_name(self, name: str) -> Exporter | None:
        row = (
            self._conn()
            .execute("SELECT id, name, created_at FROM exporters WHERE name = ?", (name,))
            .fetchone()
        )
        return Exporter(*row) if row else None

    def list_exporters(self) -> list[Exporter]:
        rows = self._conn().execute("SELECT id, name, created_at FROM exporters ORDER BY name")
        return [Exporter(*row) for row in rows]

    def put_api_key(self, key: ApiKey) -> None:
        def do(conn):
            try:
                conn.execute(
                    "INSERT INTO api_keys (key_id, key_hash, exporter_id, created_at, data)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (key.key_id, key.key_hash, key.exporter_id, key.created_at, _dump(key)),
                )
            except sqlite3.IntegrityError as exc:
                raise Conflict("API key already exists") from exc

        self._write(do)

    def get_api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        row = (
            self._conn()
            .execute("SELECT data FROM api_keys WHERE key_hash = ?", (key_hash,))
            .fetchone()
        )
        return from_dict(ApiKey, json.loads(row[0])) if row else None

    def list_api_keys(self, exporter_id: str | None = None) -> list[ApiKey]:
        sql, args = "SELECT data FROM api_keys", ()
        if exporter_id is not None:
            sql, args = sql + " WHERE exporter_id = ?", (exporter_id,)
        rows = self._conn().execute(sql + " ORDER BY created_at, key_id", args)
        return [from_dict(ApiKey, json.loads(r[0])) for r in rows]

    def revoke_api_key(self, key_id: str, at: str) -> bool:
        def do(conn):
            row = conn.execute("SELECT data FROM api_keys WHERE key_id = ?", (key_id,)).fetchone()
            if row is None:
                return False
            key = from_dict(ApiKey, json.loads(row[0]))
            if key.revoked_at is None:
                key.revoked_at = at
                conn.execute("UPDATE api_keys SET data = ? WHERE key_id = ?", (_dump(key), key_id))
            return True

        return self._write(do)

    # certificates -----------------------------------------------------------------------
    def commit(self, batch: WriteBatch) -> None:
        def do(conn):
            idem = batch.idempotency
            if idem is not None:
                try:
                    conn.execute(
                        "INSERT INTO idempotency (exporter_id, key, data) VALUES (?, ?, ?)",
                        (idem.exporter_id, idem.key, _dump(idem)),
                    )
                except sqlite3.IntegrityError as exc:
                    raise IdempotencyKeyTaken(idem.key) from exc
            for record, events in batch.creates:
                try:
                    conn.execute(
                        "INSERT INTO certificates (id, exporter_id, public_id, version,"
                        " created_at, data) VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            record.id,
                            record.exporter_id,
                            record.public_id,
                            record.version,
                            record.created_at,
                            _dump(record),
                        ),
                    )
                except sqlite3.IntegrityError as exc:
                    raise Conflict(f"certificate {record.id} already exists") from exc
                if record.claims_number:
                    try:
                        conn.execute(
                            "INSERT INTO certificate_numbers VALUES (?, ?, ?)",
                            (record.exporter_id, record.number, record.id),
                        )
                    except sqlite3.IntegrityError as exc:
                        raise DuplicateNumber(record.number) from exc
                conn.executemany(
                    "INSERT OR IGNORE INTO certificate_invoices VALUES (?, ?, ?)",
                    [(record.number, inv, record.id) for inv in record.invoice_numbers],
                )
                self._insert_events(conn, events)
            for update in batch.updates:
                cur = conn.execute(
                    "UPDATE certificates SET version = ?, data = ? WHERE id = ? AND version = ?",
                    (
                        update.record.version,
                        _dump(update.record),
                        update.record.id,
                        update.expected_version,
                    ),
                )
                if cur.rowcount != 1:
                    raise VersionConflict(update.record.id)
                self._insert_events(conn, update.events)
            for record, events in batch.statement_creates:
                try:
                    conn.execute(
                        "INSERT INTO statements (id, exporter_id, public_id, version,"
                        " created_at, data) VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            record.id,
                            record.exporter_id,
                            record.public_id,
                            record.version,
                            record.created_at,
                            _dump(record),
                        ),
                    )
                except sqlite3.IntegrityError as exc:
                    raise Conflict(f"statement {record.id} already exists") from exc
                self._insert_events(conn, events)
            for update in batch.statement_updates:
                cur = conn.execute(
                    "UPDATE statements SET version = ?, data = ? WHERE id = ? AND version = ?",
                    (
                        update.record.version,
                        _dump(update.record),
                        update.record.id,
                        update.expected_version,
                    ),
                )
                if cur.rowcount != 1:
                    raise VersionConflict(update.record.id)
                self._insert_events(conn, update.events)
            for claim in batch.product_claims:
                self._claim(conn, claim)
            for entry in batch.outbox:
                conn.execute(
                    "INSERT INTO outbox (id, status, next_attempt_at, lease_until, created_at,"
                    " data) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        entry.id,
                        entry.status,
                        entry.next_attempt_at,
                        entry.lease_until,
                        entry.created_at,
                        _dump(entry),
                    ),
                )
            for entry in batch.outbox_done:
                self._finish(conn, entry)
            for message in batch.inbound:
                try:
                    conn.execute(
                        "INSERT INTO inbound_messages (source, message_id, data) VALUES (?, ?, ?)",
                        (message.source, message.message_id, _dump(message)),
                    )
                except sqlite3.IntegrityError as exc:
                    raise MessageReplayed(message.message_id) from exc

        self._write(do)

    @staticmethod
    def _claim(conn, claim: ProductClaim) -> None:
        key = (claim.exporter_id, int(claim.sandbox), claim.product_ref)
        where = "exporter_id = ? AND sandbox = ? AND product_ref = ? AND statement_id = ?"
        if claim.previous is None:
            try:
                conn.execute(
                    "INSERT INTO statement_products VALUES (?, ?, ?, ?)", (*key, claim.statement_id)
                )
            except sqlite3.IntegrityError as exc:
                raise DuplicateProduct(claim.product_ref) from exc
            return
        if claim.statement_id is None:
            cur = conn.execute(
                f"DELETE FROM statement_products WHERE {where}", (*key, claim.previous)
            )
        else:
            cur = conn.execute(
                f"UPDATE statement_products SET statement_id = ? WHERE {where}",
                (claim.statement_id, *key, claim.previous),
            )
        if cur.rowcount != 1:
            raise VersionConflict(claim.previous)

    @staticmethod
    def _insert_events(conn, events: list[Event]) -> None:
        try:
            conn.executemany(
                "INSERT INTO events (certificate_id, seq, data) VALUES (?, ?, ?)",
                [(e.certificate_id, e.seq, _dump(e)) for e in events],
            )
        except sqlite3.IntegrityError as exc:
            raise VersionConflict(events[0].certificate_id if events else "") from exc

    def get_certificate(self, exporter_id: str, certificate_id: str) -> CertificateRecord | None:
        row = (
            self._conn()
            .execute(
                "SELECT data FROM certificates WHERE id = ? AND exporter_id = ?",
                (certificate_id, exporter_id),
            )
            .fetchone()
        )
        return from_dict(CertificateRecord, json.loads(row[0])) if row else None

    def list_certificates(
        self, exporter_id: str, *, limit: int = 50, after: str | None = None
    ) -> tuple[list[CertificateRecord], str | None]:
        return self._page("certificates", CertificateRecord, exporter_id, limit, after)

    def _page(self, table: str, cls, exporter_id: str, limit: int, after: str | None):
        """One page of an exporter's records in creation order, and the cursor to the next
        ("created_at|id" of the last one, None at the end). `table`: ours, never input."""
        created, last_id = after.split("|", 1) if after and "|" in after else ("", "")
        rows = (
            self._conn()
            .execute(
                f"SELECT data, created_at, id FROM {table} WHERE exporter_id = ?"
                " AND (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?",
                (exporter_id, created, last_id, limit + 1),
            )
            .fetchall()
        )
        records = [from_dict(cls, json.loads(r[0])) for r in rows[:limit]]
        cursor = f"{rows[limit - 1][1]}|{rows[limit - 1][2]}" if len(rows) > limit else None
        return records, cursor

    def list_events(self, certificate_id: str) -> list[Event]:
        rows = self._conn().execute(
            "SELECT data FROM events WHERE certificate_id = ? ORDER BY seq", (certificate_id,)
        )
        return [from_dict(Event, json.loads(r[0])) for r in rows]

    def get_idempotency(self, exporter_id: str, key: str) -> IdempotencyRecord | None:
        row = (
            self._conn()
            .execute(
                "SELECT data FROM idempotency WHERE exporter_id = ? AND key = ?",
                (exporter_id, key),
            )
            .fetchone()
        )
        return from_dict(IdempotencyRecord, json.loads(row[0])) if row else None

    def get_by_public_id(self, public_id: str) -> CertificateRecord | None:
        row = (
            self._conn()
            .execute("SELECT data FROM certificates WHERE public_id = ?", (public_id,))
            .fetchone()
        )
        return from_dict(CertificateRecord, json.loads(row[0])) if row else None

    def get_version_by_public_id(self, public_id: str) -> tuple[str, int] | None:
        row = (
            self._conn()
            .execute("SELECT id, version FROM certificates WHERE public_id = ?", (public_id,))
            .fetchone()
        )
        return (row[0], row[1]) if row else None

    def find_by_number_invoice(self, number: str, invoice_number: str) -> list[CertificateRecord]:
        rows = self._conn().execute(
            "SELECT c.data FROM certificate_invoices i JOIN certificates c"
            " ON c.id = i.certificate_id WHERE i.number = ? AND i.invoice_number = ?"
            " ORDER BY c.created_at, c.id",
            (number, invoice_number),
        )
        return [from_dict(CertificateRecord, json.loads(r[0])) for r in rows]

    # outbox -----------------------------------------------------------------------------
    def list_outbox(self, status: str | None = None, limit: int = 100) -> list[OutboxEntry]:
        sql, args = "SELECT data FROM outbox", ()
        if status:
            sql, args = sql + " WHERE status = ?", (status,)
        rows = self._conn().execute(sql + " ORDER BY created_at, id LIMIT ?", (*args, limit))
        return [from_dict(OutboxEntry, json.loads(r[0])) for r in rows]

    def get_outbox(self, entry_id: str) -> OutboxEntry | None:
        row = self._conn().execute("SELECT data FROM outbox WHERE id = ?", (entry_id,)).fetchone()
        return from_dict(OutboxEntry, json.loads(row[0])) if row else None

    @staticmethod
    def _take(conn, data: str, lease_until: str) -> OutboxEntry:
        entry = from_dict(OutboxEntry, json.loads(data))
        entry.lease_until, entry.lease_token = lease_until, secrets.token_hex(8)
        conn.execute(
            "UPDATE outbox SET lease_until = ?, data = ? WHERE id = ?",
            (lease_until, _dump(entry), entry.id),
        )
        return entry

    def lease_outbox(self, now: str, lease_until: str, limit: int = 10) -> list[OutboxEntry]:
        def do(conn):
            rows = conn.execute(
                "SELECT data FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?"
                " AND (lease_until IS NULL OR lease_until <= ?)"
                " ORDER BY next_attempt_at, id LIMIT ?",
                (now, now, limit),
            ).fetchall()
            return [self._take(conn, data, lease_until) for (data,) in rows]

        return self._write(do)

    def lease_outbox_entry(self, entry_id: str, now: str, lease_until: str) -> OutboxEntry | None:
        def do(conn):
            row = conn.execute(
                "SELECT data FROM outbox WHERE id = ? AND status = 'pending'"
                " AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)",
                (entry_id, now, now),
            ).fetchone()
            return self._take(conn, row[0], lease_until) if row else None

        return self._write(do)

    @staticmethod
    def _finish(conn, entry: OutboxEntry) -> None:
        released = dataclasses.replace(entry, lease_until=None, lease_token=None)
        cur = conn.execute(
            "UPDATE outbox SET status = ?, next_attempt_at = ?, lease_until = NULL, data = ?"
            " WHERE " + _LEASE_HELD,
            (entry.status, entry.next_attempt_at, _dump(released), entry.id, entry.lease_token),
        )
        if cur.rowcount != 1:
            raise LeaseLost(entry.id)

    def finish_outbox(self, entry: OutboxEntry) -> None:
        self._write(lambda conn: self._finish(conn, entry))

    def requeue_outbox(self, entry: OutboxEntry) -> bool:
        def do(conn):
            cur = conn.execute(
                "UPDATE outbox SET status = ?, next_attempt_at = ?, lease_until = NULL, data = ?"
                " WHERE id = ? AND status = 'dead'",
                (entry.status, entry.next_attempt_at, _dump(entry), entry.id),
            )
            return cur.rowcount == 1

        return self._write(do)

    def list_deliveries(self, exporter_id: str, limit: int = 50) -> list[OutboxEntry]:
        rows = self._conn().execute(
            "SELECT data FROM outbox WHERE json_extract(data, '$.kind') = 'webhook'"
            " AND json_extract(data, '$.exporter_id') = ? ORDER BY created_at DESC, id DESC"
            " LIMIT ?",
            (exporter_id, limit),
        )
        return [from_dict(OutboxEntry, json.loads(r[0])) for r in rows]

    # webhooks and inbound messages ------------------------------------------------------
    def put_webhook(self, webhook: Webhook) -> None:
        self._write(
            lambda conn: conn.execute(
                "INSERT OR REPLACE INTO webhooks (exporter_id, data) VALUES (?, ?)",
                (webhook.exporter_id, _dump(webhook)),
            )
        )

    def get_webhook(self, exporter_id: str) -> Webhook | None:
        row = (
            self._conn()
            .execute("SELECT data FROM webhooks WHERE exporter_id = ?", (exporter_id,))
            .fetchone()
        )
        return from_dict(Webhook, json.loads(row[0])) if row else None

    def delete_webhook(self, exporter_id: str) -> bool:
        def do(conn):
            cur = conn.execute("DELETE FROM webhooks WHERE exporter_id = ?", (exporter_id,))
            return cur.rowcount == 1

        return self._write(do)

    def get_inbound(self, source: str, message_id: str) -> InboundMessage | None:
        row = (
            self._conn()
            .execute(
                "SELECT data FROM inbound_messages WHERE source = ? AND message_id = ?",
                (source, message_id),
            )
            .fetchone()
        )
        return from_dict(InboundMessage, json.loads(row[0])) if row else None

    # origin statements -------------------------------------------------------------------
    def get_statement(self, exporter_id: str, statement_id: str) -> StatementRecord | None:
        row = (
            self._conn()
            .execute(
                "SELECT data FROM statements WHERE id = ? AND exporter_id = ?",
                (statement_id, exporter_id),
            )
            .fetchone()
        )
        return from_dict(StatementRecord, json.loads(row[0])) if row else None

    def list_statements(
        self, exporter_id: str, *, limit: int = 50, after: str | None = None
    ) -> tuple[list[StatementRecord], str | None]:
        return self._page("statements", StatementRecord, exporter_id, limit, after)

    def list_statement_events(self, statement_id: str) -> list[Event]:
        return self.list_events(statement_id)

    def get_statement_by_public_id(self, public_id: str) -> StatementRecord | None:
        row = (
            self._conn()
            .execute("SELECT data FROM statements WHERE public_id = ?", (public_id,))
            .fetchone()
        )
        return from_dict(StatementRecord, json.loads(row[0])) if row else None

    def get_statement_version_by_public_id(self, public_id: str) -> tuple[str, int] | None:
        row = (
            self._conn()
            .execute("SELECT id, version FROM statements WHERE public_id = ?", (public_id,))
            .fetchone()
        )
        return (row[0], row[1]) if row else None

    def get_product_claim(self, exporter_id: str, sandbox: bool, product_ref: str) -> str | None:
        row = (
            self._conn()
            .execute(
                "SELECT statement_id FROM statement_products WHERE exporter_id = ?"
                " AND sandbox = ? AND product_ref = ?",
                (exporter_id, int(sandbox), product_ref),
            )
            .fetchone()
        )
        return row[0] if row else None
