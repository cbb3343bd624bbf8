"""DynamoDB adapter: one table (pk, sk) plus one index (gsi1pk, gsi1sk), the boto3 client,
conditional writes and TransactWriteItems.

Items (pk / sk):
  EXPORTER#<id> / META             gsi1: EXPORTERS / <name>
  EXPNAME#<name> / META            uniqueness of exporter names
  APIKEY#<sha256> / META           gsi1: APIKEYS / <created_at>#<key_id>
  CERT#<id> / META                 gsi1: EXP#<exporter_id> / <created_at>#<id>
  CERT#<id> / EVENT#<seq:010d>     append-only (attribute_not_exists)
  PUB#<public_id> / META           -> certificate id
  NUMINV#<number>#<invoice> / CERT#<id>
  NUMBER#<exporter_id>#<number> / META   uniqueness of a first issue's number
  IDEM#<exporter_id>#<key> / META
  OUTBOX#<id> / META               gsi1: OUTBOX#<status> / <next_attempt_at>#<id>;
                                   `lease_token` attribute: the finishing write's condition
  WEBHOOKS#<exporter_id> / DELIVERY#<created_at>#<id>   copy of a webhook outbox entry, kept
                                   with it (the exporter's delivery log, newest first)
  WEBHOOK#<exporter_id> / META     the exporter's webhook registration
  INBOUND#<source>#<message_id> / META   an inbound message applied (replays refused)

Large attributes (the certificate) are stored zlib-compressed to stay well under the 400 KB
item limit. A transaction holds at most 100 items, so a certificate may list at most
`MAX_INVOICES_PER_CERT` invoices here.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import zlib

from .records import (
    ApiKey,
    CertificateRecord,
    Event,
    Exporter,
    IdempotencyRecord,
    InboundMessage,
    OutboxEntry,
    Webhook,
    WriteBatch,
    from_dict,
)
from .store import (
    Conflict,
    DuplicateNumber,
    IdempotencyKeyTaken,
    LeaseLost,
    MessageReplayed,
    StoreError,
    VersionConflict,
)

MAX_INVOICES_PER_CERT = 80
SEP = "\x1f"  # unit separator: cannot appear in numbers typed by people


def _blob(obj) -> dict:
    raw = json.dumps(obj.to_dict() if hasattr(obj, "to_dict") else vars(obj), sort_keys=True)
    return {"B": zlib.compress(raw.encode("utf-8"))}


def _unblob(cls, attr: dict):
    return from_dict(cls, json.loads(zlib.decompress(attr["B"]).decode("utf-8")))


def _s(value: str) -> dict:
    return {"S": value}


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
        item = self._db.get_item(
            TableName=self.table, Key={"pk": _s(pk), "sk": _s(sk)}, ConsistentRead=True
        ).get("Item")
        return item

    def _query(self, **kwargs) -> list[dict]:
        items, start = [], None
        while True:
            args = {"TableName": self.table, **kwargs}
            if start:
                args["ExclusiveStartKey"] = start
            page = self._db.query(**args)
            items += page.get("Items", [])
            start = page.get("LastEvaluatedKey")
            if not start:
                return items

    def _put_new(self, item: dict) -> dict:
        return {
            "Put": {
                "TableName": self.table,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def _transact(self, items: list[dict], reasons: list[type[Exception]]) -> None:
        """Run one transaction; on a failed condition raise the error registered for the
        first item whose condition failed."""
        if len(items) > 100:
            raise StoreError("too many items for one transaction")
        try:
            self._db.transact_write_items(TransactItems=items)
        except self._db.exceptions.TransactionCanceledException as exc:
            codes = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            for code, error in zip(codes, reasons, strict=False):
                if code == "ConditionalCheckFailed":
                    raise error() from exc
            if "TransactionConflict" in codes:
                # Another transaction touched the same items at the same moment.
                raise VersionConflict("concurrent transaction") from exc
            raise

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
        try:
            self._db.put_item(
                TableName=self.table,
                Item=self._key_item(key),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._db.exceptions.ConditionalCheckFailedException as exc:
            raise Conflict("API key already exists") from exc

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
        key = next((k for k in self.list_api_keys() if k.key_id == key_id), None)
        if key is None:
            return False
        if key.revoked_at is None:
            key.revoked_at = at
            self._db.put_item(TableName=self.table, Item=self._key_item(key))
        return True

    # certificates -----------------------------------------------------------------------
    def _cert_item(self, record: CertificateRecord) -> dict:
        return {
            "pk": _s(f"CERT#{record.id}"),
            "sk": _s("META"),
            "gsi1pk": _s(f"EXP#{record.exporter_id}"),
            "gsi1sk": _s(f"{record.created_at}#{record.id}"),
            "exporter_id": _s(record.exporter_id),
            "version": {"N": str(record.version)},
            "data": _blob(record),
        }

    def _event_put(self, event: Event) -> dict:
        return self._put_new(
            {
                "pk": _s(f"CERT#{event.certificate_id}"),
                "sk": _s(f"EVENT#{event.seq:010d}"),
                "data": _blob(event),
            }
        )

    def commit(self, batch: WriteBatch) -> None:
        items: list[dict] = []
        reasons: list = []
        idem = batch.idempotency
        if idem is not None:
            items.append(
                self._put_new(
                    {
                        "pk": _s(f"IDEM#{idem.exporter_id}{SEP}{idem.key}"),
                        "sk": _s("META"),
                        "data": _blob(idem),
                    }
                )
            )
            reasons.append(lambda: IdempotencyKeyTaken(idem.key))
        for record, events in batch.creates:
            if len(record.invoice_numbers) > MAX_INVOICES_PER_CERT:
                raise StoreError(f"at most {MAX_INVOICES_PER_CERT} invoices per certificate")
            items.append(self._put_new(self._cert_item(record)))
            items.append(
                self._put_new(
                    {
                        "pk": _s(f"PUB#{record.public_id}"),
                        "sk": _s("META"),
                        "certificate_id": _s(record.id),
                    }
                )
            )
            reasons += [lambda r=record: Conflict(r.id)] * 2
            if record.claims_number:
                items.append(
                    self._put_new(
                        {
                            "pk": _s(f"NUMBER#{record.exporter_id}{SEP}{record.number}"),
                            "sk": _s("META"),
                            "certificate_id": _s(record.id),
                        }
                    )
                )
                reasons.append(lambda r=record: DuplicateNumber(r.number))
            for inv in dict.fromkeys(record.invoice_numbers):
                items.append(
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": {
                                "pk": _s(f"NUMINV#{record.number}{SEP}{inv}"),
                                "sk": _s(f"CERT#{record.id}"),
                                "certificate_id": _s(record.id),
                            },
                        }
                    }
                )
                reasons.append(None)
            for event in events:
                items.append(self._event_put(event))
                reasons.append(lambda r=record: VersionConflict(r.id))
        for update in batch.updates:
            items.append(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": self._cert_item(update.record),
                        "ConditionExpression": "version = :v",
                        "ExpressionAttributeValues": {":v": {"N": str(update.expected_version)}},
                    }
                }
            )
            reasons.append(lambda u=update: VersionConflict(u.record.id))
            for event in update.events:
                items.append(self._event_put(event))
                reasons.append(lambda u=update: VersionConflict(u.record.id))
        for entry in batch.outbox:
            items.append(self._put_new(self._outbox_item(entry)))
            reasons.append(lambda e=entry: Conflict(e.id))
            items += self._delivery_log(entry)
            reasons += [None] * (len(items) - len(reasons))
        for entry in batch.outbox_done:
            finish = self._finish_items(entry)
            items += finish
            reasons += [lambda e=entry: LeaseLost(e.id)] + [None] * (len(finish) - 1)
        for message in batch.inbound:
            items.append(
                self._put_new(
                    {
                        "pk": _s(f"INBOUND#{message.source}{SEP}{message.message_id}"),
                        "sk": _s("META"),
                        "data": _blob(message),
                    }
                )
            )
            reasons.append(lambda m=message: MessageReplayed(m.message_id))
        self._transact(items, [r or (lambda: StoreError("write failed")) for r in reasons])

    def _load_cert(self, certificate_id: str) -> CertificateRecord | None:
        item = self._get(f"CERT#{certificate_id}")
        return _unblob(CertificateRecord, item["data"]) if item else None

    def get_certificate(self, exporter_id: str, certificate_id: str) -> CertificateRecord | None:
        record = self._load_cert(certificate_id)
        return record if record is not None and record.exporter_id == exporter_id else None

    def list_certificates(
        self, exporter_id: str, *, limit: int = 50, after: str | None = None
    ) -> tuple[list[CertificateRecord], str | None]:
        values = {":p": _s(f"EXP#{exporter_id}")}
        condition = "gsi1pk = :p"
        if after:
            condition += " AND gsi1sk > :after"
            values[":after"] = _s(after.replace("|", "#"))
        args = {
            "TableName": self.table,
            "IndexName": "gsi1",
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "Limit": limit + 1,
        }
        items = self._db.query(**args).get("Items", [])
        records = [_unblob(CertificateRecord, i["data"]) for i in items[:limit]]
        cursor = None
        if len(items) > limit:
            last = records[-1]
            cursor = f"{last.created_at}|{last.id}"
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
        return _unblob(IdempotencyRecord, item["data"]) if item else None

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
            ExpressionAttributeValues={":p": _s(f"NUMINV#{number}{SEP}{invoice_number}")},
            ConsistentRead=True,
        )
        records = [self._load_cert(i["certificate_id"]["S"]) for i in items]
        return sorted((r for r in records if r), key=lambda r: (r.created_at, r.id))

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
