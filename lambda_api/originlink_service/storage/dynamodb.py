"""DynamoDB adapter: one table (pk, sk) plus one index (gsi1pk, gsi1sk), the boto3 client,
conditional writes and TransactWriteItems.

Items (pk / sk):
  EXPORTER#<id> / META             gsi1: EXPORTERS / <name>
  EXPNAME#<name> / META            uniqueness of exporter names
  APIKEY#<sha256> / META           gsi1: APIKEYS / <created_at>#<key_id>
  KEYID#<key_id> / META            -> the key's hash: revocation by id is two reads, no scan
  CERT#<id> / META                 gsi1: EXP#<exporter_id> / <created_at>#<id>
  CERT#<id> / PART#doc#<n:04d>     the compressed document, when too large to sit in META
  CERT#<id> / EVENT#<seq:010d>     append-only (attribute_not_exists)
  PUB#<public_id> / META           -> certificate id
  LOOKUP#<number> / CERT#<id>      typed-in lookup by number (+ the invoice numbers, as a set)
  NUMBER#<exporter_id>␟<number> / META   uniqueness of a first issue's number
  IDEM#<exporter_id>␟<key> / META  (+ PART#idem#<n> when the stored answer is large)
  OUTBOX#<id> / META               gsi1: OUTBOX#<status> / <next_attempt_at>#<id>;
                                   `lease_token` attribute: the finishing write's condition
  WEBHOOKS#<exporter_id> / DELIVERY#<created_at>#<id>   copy of a webhook outbox entry, kept
                                   with it (the exporter's delivery log, newest first)
  WEBHOOK#<exporter_id> / META     the exporter's webhook registration
  INBOUND#<source>#<message_id> / META   an inbound message applied (replays refused)
  STMT#<id> / META                 an origin statement; gsi1: SEXP#<exporter_id> / <created_at>#<id>
  STMT#<id> / EVENT#<seq:010d>     its events, append-only
  SPUB#<public_id> / META          -> statement id
  SPRODUCT#<exporter_id>␟<P|S>␟<product_ref> / META   -> the statement that stands for the
                                   product (P production, S sandbox): taken, handed on by a
                                   renewal, released by a withdrawal, each conditionally

DynamoDB's limits, and how each is met (tests/service/test_dynamodb_limits.py tests each at and
beyond it):
- 400 KB per item: the certificate's document and an idempotency record's stored answer are
  zlib-compressed; up to INLINE_BYTES they stay in their item, above it they are cut into
  PART items of PART_BYTES written in the same transaction (docs/operations.md says why not S3).
  The document never changes after issue, so a state change rewrites META only.
- 100 items per transaction: a certificate is a fixed number of items whatever its number of
  invoices (one LOOKUP item holds them all as a string set), at most ~20 with its parts.
- 4 MB per transaction: checked before sending (`TRANSACTION_BYTES`); the 1 MiB request body
  limit keeps every request's transaction well under it.
- 1 MB per Query page: every query follows LastEvaluatedKey until it has what it needs.
- Reads that uniqueness, idempotency, authentication or revocation depend on are strongly
  consistent (GetItem/Query on the table with ConsistentRead); only listings use the index.
- A transaction that meets another one on the same item (TransactionConflict) is retried with
  jittered backoff before it is reported, so a racing duplicate finds the winner's answer; each
  attempt carries a ClientRequestToken, so the SDK's own retries never apply it twice.
"""

from __future__ import annotations

import dataclasses
import json
import random
import secrets
import time
import uuid
import zlib

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
    StoreError,
    VersionConflict,
)

SEP = "\x1f"  # unit separator: cannot appear in numbers typed by people
INLINE_BYTES = 64 * 1024  # compressed values up to this stay in their item
PART_BYTES = 350_000  # one PART item's payload: under 400 KB with its keys
TRANSACTION_ITEMS = 100
TRANSACTION_BYTES = 4_000_000
LOOKUP_INVOICE_BYTES = 32 * 1024  # invoice numbers kept on the LOOKUP item up to this size
CONFLICT_RETRIES = 5


def _s(value: str) -> dict:
    return {"S": value}


def _json(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")


def _blob(obj) -> dict:
    return {"B": zlib.compress(_json(obj.to_dict() if hasattr(obj, "to_dict") else vars(obj)))}


def _unblob(cls, attr: dict):
    return from_dict(cls, json.loads(zlib.decompress(attr["B"]).decode("utf-8")))


def item_size(item: dict) -> int:
    """An item's size as DynamoDB counts it (attribute names + values), closely enough to
    stay under its limits."""
    size = 0
    for name, value in item.items():
        size += len(name.encode("utf-8"))
        [(kind, v)] = value.items()
        if kind == "S":
            size += len(v.encode("utf-8"))
        elif kind == "B":
            size += len(v)
        elif kind == "N":
            size += len(v) // 2 + 1
        elif kind == "SS":
            size += sum(len(x.encode("utf-8")) for x in v)
        else:
            size += len(json.dumps(v))
    return size


def _written(operation: dict) -> dict:
    """The item a transaction operation writes (a Put's item, a Delete's key)."""
    op = next(iter(operation.values()))
    return op.get("Item") or op["Key"]


def table_definition(name: str) -> dict:
    """Arguments for `create_table` (used by tests and `infra/`)."""
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gsi1pk", "gsi1sk")
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "gsi1",
                "KeySchema": [
                    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    }


class DynamoStore:
    def __init__(self, table: str, client=None):
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.table = table
        self._db = client

    # helpers ----------------------------------------------------------------------------
    def _get(self, pk: str, sk: str = "META") -> dict | None:
        return self._db.get_item(
            TableName=self.table, Key={"pk": _s(pk), "sk": _s(sk)}, ConsistentRead=True
        ).get("Item")

    def _query(self, *, until: int | None = None, **kwargs) -> list[dict]:
        """Every item the query matches (or the first `until`), page after page: a page stops
        at 1 MB or at `Limit` items read, whatever is left to return."""
        items, start = [], None
        while True:
            args = {"TableName": self.table, **kwargs}
            if start:
                args["ExclusiveStartKey"] = start
            page = self._db.query(**args)
            items += page.get("Items", [])
            start = page.get("LastEvaluatedKey")
            if not start or (until is not None and len(items) >= until):
                return items if until is None else items[:until]

    def _put_new(self, item: dict) -> dict:
        return {
            "Put": {
                "TableName": self.table,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def _put(self, item: dict) -> dict:
        return {"Put": {"TableName": self.table, "Item": item}}

    def _pack(self, pk: str, name: str, data: dict) -> tuple[dict, list[dict]]:
        """`data` compressed: as the attribute `name` of its item when small, else as PART
        items (written in the same transaction) and the attribute `<name>_parts`."""
        packed = zlib.compress(_json(data))
        if len(packed) <= INLINE_BYTES:
            return {name: {"B": packed}}, []
        chunks = [packed[i : i + PART_BYTES] for i in range(0, len(packed), PART_BYTES)]
        parts = [
            self._put({"pk": _s(pk), "sk": _s(f"PART#{name}#{n:04d}"), "part": {"B": chunk}})
            for n, chunk in enumerate(chunks)
        ]
        return {f"{name}_parts": {"N": str(len(chunks))}}, parts

    def _unpack(self, item: dict, name: str) -> dict:
        if name in item:
            packed = item[name]["B"]
        else:
            expected = int(item[f"{name}_parts"]["N"])
            parts = self._query(
                KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
                ExpressionAttributeValues={":p": item["pk"], ":s": _s(f"PART#{name}#")},
                ConsistentRead=True,
            )
            if len(parts) != expected:
                raise StoreError(f"{item['pk']['S']}: {len(parts)} of {expected} parts found")
            packed = b"".join(p["part"]["B"] for p in parts)
        return json.loads(zlib.decompress(packed).decode("utf-8"))

    def _transact(self, items: list[dict], reasons: list) -> None:
        """Run one transaction; on a failed condition raise the error registered for the
        first item whose condition failed. A conflict with another transaction in flight is
        retried (its conditions are then evaluated against the winner's writes)."""
        if len(items) > TRANSACTION_ITEMS:
            raise StoreError(f"{len(items)} items: more than one transaction can hold")
        size = sum(item_size(_written(i)) for i in items)
        if size > TRANSACTION_BYTES:
            raise StoreError(f"{size} bytes: more than one transaction can hold")
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                self._db.transact_write_items(
                    TransactItems=items, ClientRequestToken=uuid.uuid4().hex
                )
                return
            except self._db.exceptions.TransactionCanceledException as exc:
                codes = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                for code, error in zip(codes, reasons, strict=False):
                    if code == "ConditionalCheckFailed":
                        raise (error() if error else StoreError(code)) from exc
                if "TransactionConflict" not in codes:
                    raise
                if attempt == CONFLICT_RETRIES:
                    # Still meeting other transactions: report it as a concurrent change.
                    raise VersionConflict("concurrent transaction") from exc
            time.sleep(random.uniform(0, 0.02 * 2**attempt))

    # exporters and keys -----------------------------------------------------------------
    def create_exporter(self, exporter: Exporter) -> None:
        items = [
            self._put_new(
                {"pk": _s(f"EXPNAME#{exporter.name}"), "sk": _s("META"), "id": _s(exporter.id)}
            ),
            self._put_new(
                {
                    "pk": _s(f"EXPORTER#{exporter.id}"),
                    "sk": _s("META"),
                    "gsi1pk": _s("EXPORTERS"),
                    "gsi1sk": _s(exporter.name),
                    "data": _blob(exporter),
                }
            ),
        ]

        def taken():
            return Conflict(f"exporter {exporter.name!r} already exists")

        self._transact(items, [taken, taken])

    def get_exporter(self, exporter_id: str) -> Exporter | None:
        item = self._get(f"EXPORTER#{exporter_id}")
        return _unblob(Exporter, item["data"]) if item else None

    def get_exporter_by_name(self, name: str) -> Exporter | None:
        item = self._get(f"EXPNAME#{name}")
        return self.get_exporter(item["id"]["S"]) if item else None

    def list_exporters(self) -> list[Exporter]:
        items = self._query(
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :p",
            ExpressionAttributeValues={":p": _s("EXPORTERS")},
        )
        return [_unblob(Exporter, i["data"]) for i in items]

    def _key_item(self, key: ApiKey) -> dict:
        return {
            "pk": _s(f"APIKEY#{key.key_hash}"),
            "sk": _s("META"),
            "gsi1pk": _s("APIKEYS"),
            "gsi1sk": _s(f"{key.created_at}#{key.key_id}"),
            "exporter_id": _s(key.exporter_id),
            "data": _blob(key),
        }

    def put_api_key(self, key: ApiKey) -> None:
        pointer = {"pk": _s(f"KEYID#{key.key_id}"), "sk": _s("META"), "hash": _s(key.key_hash)}

        def taken():
            return Conflict("API key already exists")

        self._transact([self._put_new(self._key_item(key)), self._put_new(pointer)], [taken] * 2)

    def get_api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        item = self._get(f"APIKEY#{key_hash}")
        return _unblob(ApiKey, item["data"]) if item else None

    def list_api_keys(self, exporter_id: str | None = None) -> list[ApiKey]:
        items = self._query(
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :p",
            ExpressionAttributeValues={":p": _s("APIKEYS")},
        )
        keys = [_unblob(ApiKey, i["data"]) for i in items]
        return [k for k in keys if exporter_id is None or k.exporter_id == exporter_id]

    def revoke_api_key(self, key_id: str, at: str) -> bool:
        # Two strongly consistent reads: a key created a moment ago is found (the index,
        # eventually consistent, might not list it yet).
        pointer = self._get(f"KEYID#{key_id}")
        key = self.get_api_key_by_hash(pointer["hash"]["S"]) if pointer else None
        if key is None:
            return False
        if key.revoked_at is None:
            key.revoked_at = at
            self._db.put_item(
                TableName=self.table,
                Item=self._key_item(key),
                ConditionExpression="attribute_exists(pk)",
            )
        return True

    # certificates -----------------------------------------------------------------------
    def _cert_items(self, record: CertificateRecord) -> tuple[dict, list[dict]]:
        """META (the record without its document, and the document inline or as parts) and
        the document's PART items (only written when the certificate is created)."""
        head = record.to_dict()
        document = head.pop("document")
        pk = f"CERT#{record.id}"
        doc_attrs, parts = self._pack(pk, "doc", document)
        meta = {
            "pk": _s(pk),
            "sk": _s("META"),
            "gsi1pk": _s(f"EXP#{record.exporter_id}"),
            "gsi1sk": _s(f"{record.created_at}#{record.id}"),
            "exporter_id": _s(record.exporter_id),
            "version": {"N": str(record.version)},
            "data": {"B": zlib.compress(_json(head))},
            **doc_attrs,
        }
        return meta, parts

    def _record(self, item: dict) -> CertificateRecord:
        head = json.loads(zlib.decompress(item["data"]["B"]).decode("utf-8"))
        if "document" not in head:  # stored apart from the head
            head["document"] = self._unpack(item, "doc")
        return from_dict(CertificateRecord, head)

    def _lookup_item(self, record: CertificateRecord) -> dict:
        item = {
            "pk": _s(f"LOOKUP#{record.number}"),
            "sk": _s(f"CERT#{record.id}"),
            "certificate_id": _s(record.id),
        }
        invoices = list(dict.fromkeys(n for n in record.invoice_numbers if n))
        if invoices and sum(len(n.encode("utf-8")) for n in invoices) <= LOOKUP_INVOICE_BYTES:
            item["invoices"] = {"SS": invoices}  # else found by number, checked on the record
        return item

    def _event_put(self, event: Event, prefix: str = "CERT#") -> dict:
        return self._put_new(
            {
                "pk": _s(f"{prefix}{event.certificate_id}"),
                "sk": _s(f"EVENT#{event.seq:010d}"),
                "data": _blob(event),
            }
        )

    def commit(self, batch: WriteBatch) -> None:
        items: list[dict] = []
        reasons: list = []

        def add(item: dict, reason) -> None:
            items.append(item)
            reasons.append(reason)

        idem = batch.idempotency
        if idem is not None:
            pk = f"IDEM#{idem.exporter_id}{SEP}{idem.key}"
            attrs, parts = self._pack(pk, "idem", vars(idem))
            taken = IdempotencyKeyTaken(idem.key)
            add(self._put_new({"pk": _s(pk), "sk": _s("META"), **attrs}), lambda: taken)
            for part in parts:
                add(part, None)
        for record, events in batch.creates:
            meta, parts = self._cert_items(record)
            add(self._put_new(meta), lambda r=record: Conflict(r.id))
            for part in parts:
                add(part, None)
            pub = {"pk": _s(f"PUB#{record.public_id}"), "sk": _s("META")}
            add(
                self._put_new({**pub, "certificate_id": _s(record.id)}),
                lambda r=record: Conflict(r.id),
            )
            if record.claims_number:
                number = {"pk": _s(f"NUMBER#{record.exporter_id}{SEP}{record.number}")}
                add(
                    self._put_new({**number, "sk": _s("META"), "certificate_id": _s(record.id)}),
                    lambda r=record: DuplicateNumber(r.number),
                )
            add(self._put(self._lookup_item(record)), None)
            for event in events:
                add(self._event_put(event), lambda r=record: VersionConflict(r.id))
        for update in batch.updates:
            meta, _ = self._cert_items(update.record)  # the document's parts stay as they are
            put = self._put(meta)
            put["Put"]["ConditionExpression"] = "version = :v"
            put["Put"]["ExpressionAttributeValues"] = {":v": {"N": str(update.expected_version)}}
            add(put, lambda u=update: VersionConflict(u.record.id))
            for event in update.events:
                add(self._event_put(event), lambda u=update: VersionConflict(u.record.id))
        for entry in batch.outbox:
            add(self._put_new(self._outbox_item(entry)), lambda e=entry: Conflict(e.id))
            for item in self._delivery_log(entry):
                add(item, None)
        for entry in batch.outbox_done:
            finish, *log = self._finish_items(entry)
            add(finish, lambda e=entry: LeaseLost(e.id))
            for item in log:
                add(item, None)
        for record, events in batch.statement_creates:
            add(self._put_new(self._statement_item(record)), lambda r=record: Conflict(r.id))
            pub = {"pk": _s(f"SPUB#{record.public_id}"), "sk": _s("META")}
            add(
                self._put_new({**pub, "statement_id": _s(record.id)}),
                lambda r=record: Conflict(r.id),
            )
            for event in events:
                add(self._event_put(event, "STMT#"), lambda r=record: VersionConflict(r.id))
        for update in batch.statement_updates:
            put = self._put(self._statement_item(update.record))
            put["Put"]["ConditionExpression"] = "version = :v"
            put["Put"]["ExpressionAttributeValues"] = {":v": {"N": str(update.expected_version)}}
            add(put, lambda u=update: VersionConflict(u.record.id))
            for event in update.events:
                add(self._event_put(event, "STMT#"), lambda u=update: VersionConflict(u.record.id))
        for claim in batch.product_claims:
            add(*self._claim_op(claim))
        for message in batch.inbound:
            inbound = {
                "pk": _s(f"INBOUND#{message.source}{SEP}{message.message_id}"),
                "sk": _s("META"),
                "data": _blob(message),
            }
            add(self._put_new(inbound), lambda m=message: MessageReplayed(m.message_id))
        self._transact(items, reasons)

    def _load_cert(self, certificate_id: str) -> CertificateRecord | None:
        item = self._get(f"CERT#{certificate_id}")
        return self._record(item) if item else None

    def get_certificate(self, exporter_id: str, certificate_id: str) -> CertificateRecord | None:
        record = self._load_cert(certificate_id)
        return record if record is not None and record.exporter_id == exporter_id else None

    def list_certificates(
        self, exporter_id: str, *, limit: int = 50, after: str | None = None
    ) -> tuple[list[CertificateRecord], str | None]:
        return self._page(f"EXP#{exporter_id}", self._record, limit, after)

    def _page(self, partition: str, read, limit: int, after: str | None):
        """One page of an exporter's records (index gsi1, in creation order), read by `read`,
        and the cursor to the next ("created_at|id" of the last one, None at the end)."""
        values = {":p": _s(partition)}
        condition = "gsi1pk = :p"
        if after:
            condition += " AND gsi1sk > :after"
            values[":after"] = _s(after.replace("|", "#"))
        items = self._query(
            until=limit + 1,
            IndexName="gsi1",
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            Limit=limit + 1,
        )
        records = [read(i) for i in items[:limit]]
        cursor = None
        if len(items) > limit:
            cursor = f"{records[-1].created_at}|{records[-1].id}"
        return records, cursor

    def list_events(self, certificate_id: str) -> list[Event]:
        items = self._query(
            KeyConditionExpression="pk = :p AND begins_with(sk, :e)",
            ExpressionAttributeValues={":p": _s(f"CERT#{certificate_id}"), ":e": _s("EVENT#")},
            ConsistentRead=True,
        )
        return [_unblob(Event, i["data"]) for i in items]

    def get_idempotency(self, exporter_id: str, key: str) -> IdempotencyRecord | None:
        item = self._get(f"IDEM#{exporter_id}{SEP}{key}")
        return from_dict(IdempotencyRecord, self._unpack(item, "idem")) if item else None

    def get_by_public_id(self, public_id: str) -> CertificateRecord | None:
        item = self._get(f"PUB#{public_id}")
        return self._load_cert(item["certificate_id"]["S"]) if item else None

    def get_version_by_public_id(self, public_id: str) -> tuple[str, int] | None:
        pointer = self._get(f"PUB#{public_id}")
        if pointer is None:
            return None
        cid = pointer["certificate_id"]["S"]
        item = self._db.get_item(
            TableName=self.table,
            Key={"pk": _s(f"CERT#{cid}"), "sk": _s("META")},
            ConsistentRead=True,
            ProjectionExpression="version",  # not the (compressed) document
        ).get("Item")
        return (cid, int(item["version"]["N"])) if item else None

    def find_by_number_invoice(self, number: str, invoice_number: str) -> list[CertificateRecord]:
        items = self._query(
            KeyConditionExpression="pk = :p",
            FilterExpression="attribute_not_exists(invoices) OR contains(invoices, :i)",
            ExpressionAttributeValues={":p": _s(f"LOOKUP#{number}"), ":i": _s(invoice_number)},
            ConsistentRead=True,
        )
        records = [self._load_cert(i["certificate_id"]["S"]) for i in items]
        found = [r for r in records if r and invoice_number in r.invoice_numbers]
        return sorted(found, key=lambda r: (r.created_at, r.id))

    # outbox -----------------------------------------------------------------------------
    def _outbox_item(self, entry: OutboxEntry) -> dict:
        return {
            "pk": _s(f"OUTBOX#{entry.id}"),
            "sk": _s("META"),
            "gsi1pk": _s(f"OUTBOX#{entry.status}"),
            "gsi1sk": _s(f"{entry.next_attempt_at}#{entry.id}"),
            "lease_until": _s(entry.lease_until or ""),
            "lease_token": _s(entry.lease_token or ""),
            "data": _blob(entry),
        }

    def _delivery_log(self, entry: OutboxEntry) -> list[dict]:
        """A webhook entry's copy in its exporter's delivery log (no copy for other kinds)."""
        if entry.kind != "webhook":
            return []
        item = {
            "pk": _s(f"WEBHOOKS#{entry.exporter_id}"),
            "sk": _s(f"DELIVERY#{entry.created_at}#{entry.id}"),
            "data": _blob(entry),
        }
        return [{"Put": {"TableName": self.table, "Item": item}}]

    def _finish_items(self, entry: OutboxEntry) -> list[dict]:
        released = dataclasses.replace(entry, lease_until=None, lease_token=None)
        put = {
            "Put": {
                "TableName": self.table,
                "Item": self._outbox_item(released),
                "ConditionExpression": "lease_token = :token",
                "ExpressionAttributeValues": {":token": _s(entry.lease_token or "")},
            }
        }
        return [put, *self._delivery_log(released)]

    def list_outbox(self, status: str | None = None, limit: int = 100) -> list[OutboxEntry]:
        statuses = [status] if status else ["pending", "done", "dead"]
        entries = []
        for st in statuses:
            items = self._query(
                IndexName="gsi1",
                KeyConditionExpression="gsi1pk = :p",
                ExpressionAttributeValues={":p": _s(f"OUTBOX#{st}")},
            )
            entries += [_unblob(OutboxEntry, i["data"]) for i in items]
        return sorted(entries, key=lambda e: (e.created_at, e.id))[:limit]

    def get_outbox(self, entry_id: str) -> OutboxEntry | None:
        item = self._get(f"OUTBOX#{entry_id}")
        return _unblob(OutboxEntry, item["data"]) if item else None

    def _take(self, entry: OutboxEntry, now: str, lease_until: str) -> OutboxEntry | None:
        entry.lease_until, entry.lease_token = lease_until, secrets.token_hex(8)
        try:
            # Conditional: two workers never hold the same entry, and an entry finished
            # since the (eventually consistent) index was read is not put back to pending.
            self._db.put_item(
                TableName=self.table,
                Item=self._outbox_item(entry),
                ConditionExpression=(
                    "gsi1pk = :pending AND (lease_until = :empty OR lease_until <= :now)"
                ),
                ExpressionAttributeValues={
                    ":pending": _s("OUTBOX#pending"),
                    ":empty": _s(""),
                    ":now": _s(now),
                },
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return None
        return entry

    def lease_outbox(self, now: str, lease_until: str, limit: int = 10) -> list[OutboxEntry]:
        items = self._db.query(
            TableName=self.table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :p AND gsi1sk <= :now",
            ExpressionAttributeValues={":p": _s("OUTBOX#pending"), ":now": _s(now + "#~")},
            Limit=limit,
        ).get("Items", [])
        leased = [self._take(_unblob(OutboxEntry, i["data"]), now, lease_until) for i in items]
        return [entry for entry in leased if entry is not None]

    def lease_outbox_entry(self, entry_id: str, now: str, lease_until: str) -> OutboxEntry | None:
        entry = self.get_outbox(entry_id)
        if entry is None or entry.status != "pending" or entry.next_attempt_at > now:
            return None
        return self._take(entry, now, lease_until)

    def finish_outbox(self, entry: OutboxEntry) -> None:
        self._transact(self._finish_items(entry), [lambda: LeaseLost(entry.id)])

    def requeue_outbox(self, entry: OutboxEntry) -> bool:
        items = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": self._outbox_item(entry),
                    "ConditionExpression": "gsi1pk = :dead",
                    "ExpressionAttributeValues": {":dead": _s("OUTBOX#dead")},
                }
            },
            *self._delivery_log(entry),
        ]
        try:
            self._transact(items, [lambda: LeaseLost(entry.id)])
        except LeaseLost:
            return False
        return True

    def list_deliveries(self, exporter_id: str, limit: int = 50) -> list[OutboxEntry]:
        items = self._db.query(
            TableName=self.table,
            KeyConditionExpression="pk = :p AND begins_with(sk, :d)",
            ExpressionAttributeValues={":p": _s(f"WEBHOOKS#{exporter_id}"), ":d": _s("DELIVERY#")},
            ScanIndexForward=False,
            Limit=limit,  # no filter: every item read is returned
            ConsistentRead=True,
        ).get("Items", [])
        return [_unblob(OutboxEntry, i["data"]) for i in items]

    # webhooks and inbound messages ------------------------------------------------------
    def put_webhook(self, webhook: Webhook) -> None:
        self._db.put_item(
            TableName=self.table,
            Item={
                "pk": _s(f"WEBHOOK#{webhook.exporter_id}"),
                "sk": _s("META"),
                "data": _blob(webhook),
            },
        )

    def get_webhook(self, exporter_id: str) -> Webhook | None:
        item = self._get(f"WEBHOOK#{exporter_id}")
        return _unblob(Webhook, item["data"]) if item else None

    def delete_webhook(self, exporter_id: str) -> bool:
        answer = self._db.delete_item(
            TableName=self.table,
            Key={"pk": _s(f"WEBHOOK#{exporter_id}"), "sk": _s("META")},
            ReturnValues="ALL_OLD",
        )
        return "Attributes" in answer

    def get_inbound(self, source: str, message_id: str) -> InboundMessage | None:
        item = self._get(f"INBOUND#{source}{SEP}{message_id}")
        return _unblob(InboundMessage, item["data"]) if item else None

    # origin statements -------------------------------------------------------------------
    def _statement_item(self, record: StatementRecord) -> dict:
        # A statement is small (bounded fields, no goods list): it always fits its item.
        return {
            "pk": _s(f"STMT#{record.id}"),
            "sk": _s("META"),
            "gsi1pk": _s(f"SEXP#{record.exporter_id}"),
            "gsi1sk": _s(f"{record.created_at}#{record.id}"),
            "exporter_id": _s(record.exporter_id),
            "version": {"N": str(record.version)},
            "data": _blob(record),
        }

    @staticmethod
    def _claim_key(exporter_id: str, sandbox: bool, product_ref: str) -> dict:
        world = "S" if sandbox else "P"
        return {"pk": _s(f"SPRODUCT#{exporter_id}{SEP}{world}{SEP}{product_ref}"), "sk": _s("META")}

    def _claim_op(self, claim: ProductClaim) -> tuple[dict, object]:
        key = self._claim_key(claim.exporter_id, claim.sandbox, claim.product_ref)
        if claim.previous is None:
            item = {**key, "statement_id": _s(claim.statement_id)}
            return self._put_new(item), lambda: DuplicateProduct(claim.product_ref)
        held = {
            "ConditionExpression": "statement_id = :previous",
            "ExpressionAttributeValues": {":previous": _s(claim.previous)},
        }
        if claim.statement_id is None:
            op = {"Delete": {"TableName": self.table, "Key": key, **held}}
        else:
            item = {**key, "statement_id": _s(claim.statement_id)}
            op = {"Put": {"TableName": self.table, "Item": item, **held}}
        return op, lambda: VersionConflict(claim.previous)

    def get_statement(self, exporter_id: str, statement_id: str) -> StatementRecord | None:
        item = self._get(f"STMT#{statement_id}")
        record = _unblob(StatementRecord, item["data"]) if item else None
        return record if record is not None and record.exporter_id == exporter_id else None

    def list_statements(
        self, exporter_id: str, *, limit: int = 50, after: str | None = None
    ) -> tuple[list[StatementRecord], str | None]:
        return self._page(
            f"SEXP#{exporter_id}", lambda i: _unblob(StatementRecord, i["data"]), limit, after
        )

    def list_statement_events(self, statement_id: str) -> list[Event]:
        items = self._query(
            KeyConditionExpression="pk = :p AND begins_with(sk, :e)",
            ExpressionAttributeValues={":p": _s(f"STMT#{statement_id}"), ":e": _s("EVENT#")},
            ConsistentRead=True,
        )
        return [_unblob(Event, i["data"]) for i in items]

    def get_statement_by_public_id(self, public_id: str) -> StatementRecord | None:
        pointer = self._get(f"SPUB#{public_id}")
        if pointer is None:
            return None
        item = self._get(f"STMT#{pointer['statement_id']['S']}")
        return _unblob(StatementRecord, item["data"]) if item else None

    def get_statement_version_by_public_id(self, public_id: str) -> tuple[str, int] | None:
        pointer = self._get(f"SPUB#{public_id}")
        if pointer is None:
            return None
        sid = pointer["statement_id"]["S"]
        item = self._db.get_item(
            TableName=self.table,
            Key={"pk": _s(f"STMT#{sid}"), "sk": _s("META")},
            ConsistentRead=True,
            ProjectionExpression="version",
        ).get("Item")
        return (sid, int(item["version"]["N"])) if item else None

    def get_product_claim(self, exporter_id: str, sandbox: bool, product_ref: str) -> str | None:
        key = self._claim_key(exporter_id, sandbox, product_ref)
        item = self._get(key["pk"]["S"])
        return item["statement_id"]["S"] if item else None
