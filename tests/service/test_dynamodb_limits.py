"""The DynamoDB adapter at each of DynamoDB's limits, at and beyond it: 400 KB per item,
100 items and 4 MB per transaction, 1 MB per query page; strongly consistent reads where
uniqueness and idempotency depend on them; key revocation without a scan; transactions that
meet another one in flight (TransactionConflict, which moto cannot produce: injected here).

On the moto server under `make test-aws`, in-process moto otherwise. The same behaviour seen
through the API, on both backends: test_large.py."""

from __future__ import annotations

import json
import random
import string
import threading

import boto3
import pytest
import storage_backend

from originlink_service import service
from originlink_service import settings as settings_module
from originlink_service.auth import create_api_key, hash_key
from originlink_service.storage import StoreError, VersionConflict, WriteBatch
from originlink_service.storage import dynamodb as adapter
from originlink_service.storage.dynamodb import DynamoStore, item_size, table_definition

from .test_storage_contract import create, idem, make_record

ITEM_LIMIT = 400 * 1024  # DynamoDB's, attribute names and values together


class Spy:
    """The boto3 client, recording every call; `hooks[name](real, **kwargs)` may replace one."""

    def __init__(self, client):
        self._client = client
        self.exceptions, self.meta = client.exceptions, client.meta
        self.calls: list[tuple[str, dict]] = []
        self.hooks: dict = {}

    def __getattr__(self, name):
        real = getattr(self._client, name)

        def call(**kwargs):
            self.calls.append((name, kwargs))
            hook = self.hooks.get(name)
            return hook(real, **kwargs) if hook else real(**kwargs)

        return call

    def named(self, name: str) -> list[dict]:
        return [kwargs for called, kwargs in self.calls if called == name]


@pytest.fixture
def db(request, tmp_path):
    backend = storage_backend.current()
    if backend.name == "aws":
        env = backend.env(tmp_path / "data")
        yield Spy(backend.client("dynamodb")), env["ORIGINLINK_TABLE"]
        return
    request.getfixturevalue("aws_env")  # in-process moto
    client = boto3.client("dynamodb", region_name="ap-southeast-1")
    client.create_table(**table_definition("limits"))
    yield Spy(client), "limits"


@pytest.fixture
def store(db) -> DynamoStore:
    client, table = db
    return DynamoStore(table, client=client)


def random_text(length: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))


def document_of(compressed_bytes: int) -> dict:
    """A document whose compressed JSON is about `compressed_bytes` (random text compresses to
    about 3/4 of its length)."""
    return {
        "number": "CO-1",
        "importing_party": "VN",
        "blob": random_text(int(compressed_bytes * 1.34), compressed_bytes),
    }


def written_items(spy: Spy) -> list[dict]:
    items = []
    for call in spy.named("transact_write_items"):
        items += [next(iter(i.values()))["Item"] for i in call["TransactItems"]]
    return items + [call["Item"] for call in spy.named("put_item")]


# --- 400 KB per item ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size",
    [
        adapter.INLINE_BYTES - 2000,  # inline, at the inline threshold
        adapter.INLINE_BYTES + 2000,  # one part
        ITEM_LIMIT,  # at the item limit: two parts
        2 * ITEM_LIMIT,  # beyond it (about 800 KB compressed, a 1 MB certificate)
        int(3.5 * adapter.PART_BYTES),  # four parts
    ],
)
def test_documents_of_any_size_round_trip_and_no_item_exceeds_the_limit(store, size):
    record, events = make_record("crt_1")
    record.document = document_of(size)
    store.commit(WriteBatch(creates=[(record, events)], idempotency=idem("k1", "crt_1")))
    assert store.get_certificate("exp_a", "crt_1") == record
    assert store.get_by_public_id(record.public_id) == record
    items = written_items(store._db)
    assert all(item_size(item) < ITEM_LIMIT for item in items)
    meta = next(i for i in items if i["sk"]["S"] == "META" and i["pk"]["S"] == "CERT#crt_1")
    parts = [i for i in items if i["sk"]["S"].startswith("PART#doc#")]
    if size <= adapter.INLINE_BYTES - 1000:
        assert "doc" in meta and parts == []
    else:  # stored apart: META stays small whatever the document
        assert "doc" not in meta and int(meta["doc_parts"]["N"]) == len(parts) >= 1
        assert item_size(meta) < 4096
    # A state change rewrites META only: the parts are written once.
    store._db.calls.clear()
    from originlink_service import lifecycle
    from originlink_service.storage import RecordUpdate

    updated, event = lifecycle.advance(record, "cancelled", "cancelled", actor="exp_a")
    store.commit(WriteBatch(updates=[RecordUpdate(updated, record.version, [event])]))
    assert not any(i["sk"]["S"].startswith("PART#") for i in written_items(store._db))
    assert store.get_certificate("exp_a", "crt_1").document == record.document


def test_a_large_stored_answer_is_replayed_whole(store):
    record, events = make_record("crt_1")
    answer = idem("k1", "crt_1")
    answer.body = json.dumps({"id": "crt_1", "certificate": document_of(ITEM_LIMIT)})
    store.commit(WriteBatch(creates=[(record, events)], idempotency=answer))
    assert store.get_idempotency("exp_a", "k1") == answer
    assert all(item_size(i) < ITEM_LIMIT for i in written_items(store._db))


def test_missing_parts_are_an_error_not_a_wrong_document(store):
    record, events = make_record("crt_1")
    record.document = document_of(2 * ITEM_LIMIT)
    store.commit(WriteBatch(creates=[(record, events)]))
    store._db.delete_item(
        TableName=store.table, Key={"pk": {"S": "CERT#crt_1"}, "sk": {"S": "PART#doc#0001"}}
    )
    with pytest.raises(StoreError, match="parts found"):
        store.get_certificate("exp_a", "crt_1")


# --- 100 items and 4 MB per transaction ------------------------------------------------------


@pytest.mark.parametrize("invoices", [80, 81, 100, 1000])
def test_a_certificate_is_a_fixed_number_of_items_whatever_its_invoices(store, invoices):
    numbers = [f"INV-{i:04d}" for i in range(invoices)]
    create(store, "crt_1", key="k1", invoice_numbers=numbers, number="R-1")
    [call] = store._db.named("transact_write_items")
    # idem, meta, pub, number, lookup, two events, outbox
    assert len(call["TransactItems"]) == 8
    for invoice in (numbers[0], numbers[-1]):
        assert [r.id for r in store.find_by_number_invoice("R-1", invoice)] == ["crt_1"]
    assert store.find_by_number_invoice("R-1", "INV-none") == []


def test_invoice_numbers_too_many_for_the_lookup_item_are_checked_on_the_record(store):
    numbers = [random_text(100, i) for i in range(500)]  # 50 KB of invoice numbers
    create(store, "crt_1", invoice_numbers=numbers, number="R-1")
    lookup = next(i for i in written_items(store._db) if i["pk"]["S"] == "LOOKUP#R-1")
    assert "invoices" not in lookup
    assert [r.id for r in store.find_by_number_invoice("R-1", numbers[499])] == ["crt_1"]
    assert store.find_by_number_invoice("R-1", "INV-none") == []


def test_the_largest_request_stays_within_one_transaction(store):
    """A replacement of a certificate at the 1 MiB body limit: new document, its stored
    answer (the same again) and the original's update. Random text: no compression helps."""
    original = create(store, "crt_1")
    from originlink_service import lifecycle
    from originlink_service.storage import RecordUpdate

    new, new_events = make_record("crt_2", replaces="crt_1")
    new.document = {"blob": random_text(1024 * 1024, 7)}
    answer = idem("k-big", "crt_2")
    answer.body = json.dumps({"id": "crt_2", "certificate": new.document})
    updated, event = lifecycle.advance(original, "replaced", "replaced", actor="exp_a")
    store._db.calls.clear()
    store.commit(
        WriteBatch(
            creates=[(new, new_events)],
            updates=[RecordUpdate(updated, original.version, [event])],
            idempotency=answer,
        )
    )
    [call] = store._db.named("transact_write_items")
    items = [next(iter(i.values()))["Item"] for i in call["TransactItems"]]
    assert len(items) < adapter.TRANSACTION_ITEMS
    assert sum(item_size(i) for i in items) < adapter.TRANSACTION_BYTES
    assert store.get_certificate("exp_a", "crt_2").document == new.document


def test_a_transaction_over_the_limits_is_refused_before_anything_is_sent(store):
    put = store._put({"pk": {"S": "x"}, "sk": {"S": "y"}})
    with pytest.raises(StoreError, match="101 items"):
        store._transact([put] * 101, [None] * 101)
    big = store._put({"pk": {"S": "x"}, "sk": {"S": "y"}, "b": {"B": b"0" * 300_000}})
    with pytest.raises(StoreError, match="bytes"):
        store._transact([big] * 14, [None] * 14)
    assert store._db.named("transact_write_items") == []


# --- 1 MB per query page ------------------------------------------------------------------


def test_listing_follows_query_pages_until_the_page_is_full(store):
    """Twenty certificates just under the inline threshold: the index returns them over more
    than one 1 MB page, and one listing call gathers them all."""
    for i in range(20):
        record, events = make_record(f"crt_{i:02d}")
        record.document = document_of(adapter.INLINE_BYTES - 2000)
        store.commit(WriteBatch(creates=[(record, events)]))
    store._db.calls.clear()
    records, cursor = store.list_certificates("exp_a", limit=50)
    assert [r.id for r in records] == [f"crt_{i:02d}" for i in range(20)] and cursor is None
    queries = store._db.named("query")
    assert len(queries) >= 2 and "ExclusiveStartKey" in queries[1]
    first, cursor = store.list_certificates("exp_a", limit=15)
    rest, end = store.list_certificates("exp_a", limit=15, after=cursor)
    assert [r.id for r in first + rest] == [f"crt_{i:02d}" for i in range(20)]
    assert (len(first), len(rest), end) == (15, 5, None)


# --- strongly consistent reads; revocation without a scan -----------------------------------


def test_reads_behind_uniqueness_idempotency_and_keys_are_strongly_consistent(store):
    _, key, plain = create_api_key(store, "acme")
    create(store, "crt_1", key="k1", exporter_id=key.exporter_id, number="R-1")
    store._db.calls.clear()
    store.get_api_key_by_hash(hash_key(plain))
    store.get_exporter_by_name("acme")
    store.get_idempotency(key.exporter_id, "k1")
    store.get_certificate(key.exporter_id, "crt_1")
    store.get_by_public_id("pub-crt_1")
    store.get_version_by_public_id("pub-crt_1")
    store.find_by_number_invoice("R-1", "INV-1")
    store.list_events("crt_1")
    store.revoke_api_key(key.key_id, "2026-01-01T00:00:00Z")
    reads = store._db.named("get_item") + store._db.named("query")
    assert reads and all(r.get("ConsistentRead") is True for r in reads)
    assert not any("IndexName" in r for r in reads)


def test_revoking_a_key_the_index_does_not_show_yet(store):
    """The index is eventually consistent: a key created a moment ago may be missing from it.
    Revocation reads the key by id, never through the index and never with a scan."""
    _, key, plain = create_api_key(store, "acme")

    def index_lags(real, **kwargs):
        return {"Items": [], "Count": 0} if kwargs.get("IndexName") else real(**kwargs)

    store._db.hooks["query"] = index_lags
    store._db.calls.clear()
    assert store.revoke_api_key(key.key_id, "2026-01-01T00:00:00Z") is True
    assert store.get_api_key_by_hash(hash_key(plain)).revoked_at == "2026-01-01T00:00:00Z"
    assert {name for name, _ in store._db.calls} <= {"get_item", "put_item"}
    assert store.revoke_api_key("key_unknown", "2026-01-01T00:00:00Z") is False


# --- transactions that meet another one in flight -------------------------------------------


def conflict(client, items: list) -> Exception:
    reasons = [{"Code": "TransactionConflict"}] + [{"Code": "None"}] * (len(items) - 1)
    return client.exceptions.TransactionCanceledException(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
            "CancellationReasons": reasons,
        },
        "TransactWriteItems",
    )


def test_a_transaction_conflict_is_retried_then_reported(store, monkeypatch):
    monkeypatch.setattr(adapter.time, "sleep", lambda s: None)
    failures = {"left": 2}

    def conflicts_twice(real, **kwargs):
        if failures["left"]:
            failures["left"] -= 1
            raise conflict(store._db, kwargs["TransactItems"])
        return real(**kwargs)

    store._db.hooks["transact_write_items"] = conflicts_twice
    create(store, "crt_1", key="k1")
    assert store.get_certificate("exp_a", "crt_1") is not None
    tokens = [c["ClientRequestToken"] for c in store._db.named("transact_write_items")]
    assert len(tokens) == 3 == len(set(tokens))  # each attempt its own token

    store._db.hooks["transact_write_items"] = lambda real, **kw: (_ for _ in ()).throw(
        conflict(store._db, kw["TransactItems"])
    )
    with pytest.raises(VersionConflict):
        create(store, "crt_2", key="k2")
    assert store.get_certificate("exp_a", "crt_2") is None


def test_a_racing_duplicate_that_meets_the_winner_in_flight_gets_its_answer(
    store, tmp_path, monkeypatch, certificate
):
    """Request B checks its Idempotency-Key (not there yet), then commits while its duplicate
    A is still committing: DynamoDB cancels B with TransactionConflict. A commits a moment
    later. B must answer with A's stored answer, not 409 (what it once did)."""
    monkeypatch.setattr(adapter.time, "sleep", lambda s: None)
    ctx = settings_module.Context(settings_module.Settings(data_dir=tmp_path / "data"), store=store)
    _, key, _ = create_api_key(store, "acme")
    request = service.IdempotentRequest("dup", service.request_hash("POST", "/c", certificate))
    state = {"b_calls": 0, "a_answer": None}
    b_thread = threading.current_thread()

    def a_commits_while_b_retries(real, **kwargs):
        if threading.current_thread() is b_thread:
            state["b_calls"] += 1
            if state["b_calls"] == 1:  # A is in flight
                raise conflict(store._db, kwargs["TransactItems"])
            if state["b_calls"] == 2:  # A has committed by the time B retries
                a = threading.Thread(
                    target=lambda: state.update(
                        a_answer=service.create(ctx, key.exporter_id, certificate, request=request)
                    )
                )
                a.start()
                a.join()
        return real(**kwargs)

    store._db.hooks["transact_write_items"] = a_commits_while_b_retries
    b_answer = service.create(ctx, key.exporter_id, certificate, request=request)
    a_answer = state["a_answer"]
    assert not a_answer.replayed and a_answer.status == 201
    assert b_answer.replayed and b_answer.status == 201 and b_answer.body == a_answer.body
    assert len(store.list_certificates(key.exporter_id)[0]) == 1
