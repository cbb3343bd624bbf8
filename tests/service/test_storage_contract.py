"""One contract suite, run against both storage adapters (SQLite and DynamoDB under moto)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from originlink_service import lifecycle
from originlink_service.storage import (
    ApiKey,
    CertificateRecord,
    Conflict,
    DuplicateNumber,
    DuplicateProduct,
    Exporter,
    IdempotencyKeyTaken,
    IdempotencyRecord,
    InboundMessage,
    LeaseLost,
    MessageReplayed,
    OutboxEntry,
    ProductClaim,
    RecordUpdate,
    StatementRecord,
    VersionConflict,
    Webhook,
    WriteBatch,
    open_store,
)


def make_record(cid: str, exporter_id: str = "exp_a", **overrides) -> tuple:
    received = lifecycle.make_event(
        cid, 1, "received", "received", actor=exporter_id, prev_hash=None
    )
    issued = lifecycle.make_event(
        cid, 2, "issued", "issued", actor="service", prev_hash=received.hash
    )
    record = CertificateRecord(
        id=cid,
        exporter_id=exporter_id,
        public_id="pub-" + cid,
        access_code="ACCESS2345",
        state="issued",
        version=2,
        number=overrides.pop("number", "CO-" + cid),
        invoice_numbers=overrides.pop("invoice_numbers", ["INV-1", "INV-2"]),
        document={"number": "CO-1", "importing_party": "VN"},
        digest="sha256:" + "0" * 64,
        jws="a.b.c",
        kid="kid1",
        created_at=received.at,
        updated_at=issued.at,
        last_event_hash=issued.hash,
        **overrides,
    )
    return record, [received, issued]


def outbox_for(record, entry_id: str = "obx_1") -> OutboxEntry:
    return OutboxEntry(
        id=entry_id,
        certificate_id=record.id,
        exporter_id=record.exporter_id,
        kind="forward",
        destination="VN",
        status="pending",
        attempts=0,
        created_at=record.created_at,
        next_attempt_at="2026-01-01T00:00:00.000000Z",
    )


def idem(key: str, cid: str, exporter_id: str = "exp_a") -> IdempotencyRecord:
    return IdempotencyRecord(
        exporter_id=exporter_id,
        key=key,
        request_hash="h-" + key,
        status=201,
        body=json.dumps({"id": cid}),
        created_at="2026-01-01T00:00:00Z",
        certificate_id=cid,
    )


def create(store, cid: str, key: str | None = None, exporter_id: str = "exp_a", **kw):
    record, events = make_record(cid, exporter_id, **kw)
    store.commit(
        WriteBatch(
            creates=[(record, events)],
            idempotency=idem(key, cid, exporter_id) if key else None,
            outbox=[outbox_for(record, "obx_" + cid)],
        )
    )
    return record


def test_exporters_and_unique_names(store):
    store.create_exporter(Exporter("exp_a", "acme", "2026-01-01T00:00:00Z"))
    with pytest.raises(Conflict):
        store.create_exporter(Exporter("exp_b", "acme", "2026-01-01T00:00:01Z"))
    assert store.get_exporter("exp_a").name == "acme"
    assert store.get_exporter_by_name("acme").id == "exp_a"
    assert store.get_exporter_by_name("nobody") is None
    assert [e.name for e in store.list_exporters()] == ["acme"]


def test_api_keys_lookup_list_revoke(store):
    key = ApiKey("key_1", "f" * 64, "exp_a", "WXYZ", "2026-01-01T00:00:00Z")
    store.put_api_key(key)
    store.put_api_key(ApiKey("key_2", "e" * 64, "exp_b", "ABCD", "2026-01-01T00:00:01Z"))
    assert store.get_api_key_by_hash("f" * 64) == key
    assert store.get_api_key_by_hash("0" * 64) is None
    assert [k.key_id for k in store.list_api_keys("exp_a")] == ["key_1"]
    assert len(store.list_api_keys()) == 2
    assert store.revoke_api_key("key_1", "2026-02-01T00:00:00Z") is True
    assert store.get_api_key_by_hash("f" * 64).revoked_at == "2026-02-01T00:00:00Z"
    assert store.revoke_api_key("key_nope", "2026-02-01T00:00:00Z") is False


def test_create_writes_certificate_events_idempotency_and_outbox_together(store):
    record = create(store, "crt_1", key="k1")
    assert store.get_certificate("exp_a", "crt_1") == record
    assert [e.type for e in store.list_events("crt_1")] == ["received", "issued"]
    assert lifecycle.verify_chain(store.list_events("crt_1")) == []
    assert store.get_idempotency("exp_a", "k1").certificate_id == "crt_1"
    assert [e.certificate_id for e in store.list_outbox()] == ["crt_1"]


def test_certificates_are_scoped_to_their_exporter(store):
    create(store, "crt_1", exporter_id="exp_a")
    assert store.get_certificate("exp_b", "crt_1") is None
    assert store.list_certificates("exp_b") == ([], None)
    assert store.get_idempotency("exp_b", "k1") is None


def test_public_lookups(store):
    record = create(store, "crt_1", number="R-77", invoice_numbers=["INV-9", "INV-10"])
    assert store.get_by_public_id(record.public_id) == record
    assert store.get_by_public_id("pub-unknown") is None
    assert [r.id for r in store.find_by_number_invoice("R-77", "INV-10")] == ["crt_1"]
    assert store.find_by_number_invoice("R-77", "INV-1") == []
    assert store.find_by_number_invoice("R-7", "INV-10") == []


def test_version_by_public_id_follows_every_update(store):
    record = create(store, "crt_1")
    assert store.get_version_by_public_id(record.public_id) == ("crt_1", 2)
    assert store.get_version_by_public_id("pub-unknown") is None
    updated, event = lifecycle.advance(record, "cancelled", "cancelled", actor="exp_a")
    store.commit(WriteBatch(updates=[RecordUpdate(updated, record.version, [event])]))
    assert store.get_version_by_public_id(record.public_id) == ("crt_1", 3)
    # A failed update leaves the version as it was.
    stale, stale_event = lifecycle.advance(record, "forwarded", "forwarded", actor="forwarder")
    with pytest.raises(VersionConflict):
        store.commit(WriteBatch(updates=[RecordUpdate(stale, record.version, [stale_event])]))
    assert store.get_version_by_public_id(record.public_id) == ("crt_1", 3)


def test_taken_idempotency_key_writes_nothing(store):
    create(store, "crt_1", key="k1")
    with pytest.raises(IdempotencyKeyTaken):
        create(store, "crt_2", key="k1")
    assert store.get_certificate("exp_a", "crt_2") is None
    assert store.list_events("crt_2") == []
    assert [e.certificate_id for e in store.list_outbox()] == ["crt_1"]
    # The same key of another exporter is independent.
    create(store, "crt_3", key="k1", exporter_id="exp_b")
    assert store.get_certificate("exp_b", "crt_3") is not None


def test_numbers_are_unique_per_exporter_except_replacements_and_copies(store):
    create(store, "crt_1", number="R-1")
    with pytest.raises(DuplicateNumber):
        create(store, "crt_2", key="k2", number="R-1")
    assert store.get_certificate("exp_a", "crt_2") is None
    assert store.get_idempotency("exp_a", "k2") is None
    create(store, "crt_3", exporter_id="exp_b", number="R-1")  # another exporter's series
    copy, events = make_record("crt_4", number="R-1", copy_of="crt_1", reuses_number=True)
    store.commit(WriteBatch(creates=[(copy, events)]))
    assert store.get_certificate("exp_a", "crt_4").copy_of == "crt_1"
    # A replacement under a new number owns it like a first issue.
    other, events = make_record("crt_5", number="R-1", replaces="crt_1")
    with pytest.raises(DuplicateNumber):
        store.commit(WriteBatch(creates=[(other, events)]))
    assert store.get_certificate("exp_a", "crt_5") is None


def test_update_requires_the_version_that_was_read(store):
    record = create(store, "crt_1")
    updated, event = lifecycle.advance(record, "cancelled", "cancelled", actor="exp_a")
    store.commit(WriteBatch(updates=[RecordUpdate(updated, record.version, [event])]))
    assert store.get_certificate("exp_a", "crt_1").state == "cancelled"
    assert store.get_certificate("exp_a", "crt_1").version == 3

    # A writer that read version 2 loses, and nothing of its batch is written.
    stale, stale_event = lifecycle.advance(record, "forwarded", "forwarded", actor="forwarder")
    with pytest.raises(VersionConflict):
        store.commit(
            WriteBatch(
                updates=[RecordUpdate(stale, record.version, [stale_event])],
                idempotency=idem("k-stale", "crt_1"),
            )
        )
    assert store.get_certificate("exp_a", "crt_1").state == "cancelled"
    assert store.get_idempotency("exp_a", "k-stale") is None
    events = store.list_events("crt_1")
    assert [e.type for e in events] == ["received", "issued", "cancelled"]
    assert lifecycle.verify_chain(events) == []


def test_replace_is_one_transaction(store):
    original = create(store, "crt_1")
    new, new_events = make_record("crt_2", replaces="crt_1")
    updated, event = lifecycle.advance(original, "replaced", "replaced", actor="exp_a")
    updated.replaced_by = "crt_2"
    # The original moved on meanwhile: the new certificate must not appear either.
    moved, moved_event = lifecycle.advance(original, "forwarded", "forwarded", actor="forwarder")
    store.commit(WriteBatch(updates=[RecordUpdate(moved, original.version, [moved_event])]))
    with pytest.raises(VersionConflict):
        store.commit(
            WriteBatch(
                creates=[(new, new_events)],
                updates=[RecordUpdate(updated, original.version, [event])],
            )
        )
    assert store.get_certificate("exp_a", "crt_2") is None
    fresh = store.get_certificate("exp_a", "crt_1")
    updated, event = lifecycle.advance(fresh, "replaced", "replaced", actor="exp_a")
    updated.replaced_by = "crt_2"
    store.commit(
        WriteBatch(
            creates=[(new, new_events)], updates=[RecordUpdate(updated, fresh.version, [event])]
        )
    )
    assert store.get_certificate("exp_a", "crt_1").replaced_by == "crt_2"
    assert store.get_certificate("exp_a", "crt_2").replaces == "crt_1"


def test_list_certificates_pages_oldest_first(store):
    ids = [create(store, f"crt_{i}").id for i in range(5)]
    page1, cursor = store.list_certificates("exp_a", limit=2)
    page2, cursor2 = store.list_certificates("exp_a", limit=2, after=cursor)
    page3, cursor3 = store.list_certificates("exp_a", limit=2, after=cursor2)
    assert [r.id for r in page1 + page2 + page3] == ids
    assert cursor3 is None


def test_outbox_lease_and_finish(store):
    create(store, "crt_1")
    now, later = "2026-06-01T00:00:00.000000Z", "2026-06-01T00:01:00.000000Z"
    leased = store.lease_outbox(now, later)
    assert [e.certificate_id for e in leased] == ["crt_1"]
    assert store.lease_outbox(now, later) == []  # held by the first lease
    entry = dataclasses.replace(leased[0], status="done", lease_until=None)
    store.finish_outbox(entry)
    assert store.list_outbox("pending") == []
    assert [e.status for e in store.list_outbox("done")] == ["done"]


NOW = "2026-06-01T00:00:00.000000Z"
IN_A_MINUTE = "2026-06-01T00:01:00.000000Z"
IN_TWO_MINUTES = "2026-06-01T00:02:00.000000Z"


def test_a_finish_after_the_lease_was_taken_over_is_refused(store):
    """A worker slower than its lease must not overwrite what the next holder wrote."""
    create(store, "crt_1")
    [slow] = store.lease_outbox(NOW, IN_A_MINUTE)
    assert slow.lease_token and slow.lease_until == IN_A_MINUTE
    [fast] = store.lease_outbox(IN_A_MINUTE, IN_TWO_MINUTES)  # the first lease expired
    assert fast.lease_token != slow.lease_token
    store.finish_outbox(dataclasses.replace(fast, status="done", outcome={"receipt": "R1"}))
    with pytest.raises(LeaseLost):
        store.finish_outbox(dataclasses.replace(slow, status="done", outcome={"receipt": "R2"}))
    [done] = store.list_outbox("done")
    assert done.outcome == {"receipt": "R1"} and done.lease_token is None
    with pytest.raises(LeaseLost):  # released: nobody holds it any more
        store.finish_outbox(dataclasses.replace(fast, status="pending"))


def test_finishing_an_entry_commits_with_the_change_or_not_at_all(store):
    record = create(store, "crt_1")
    [entry] = store.lease_outbox(NOW, IN_A_MINUTE)
    updated, event = lifecycle.advance(record, "forwarded", "forwarded", actor="forwarder")
    stale = dataclasses.replace(entry, lease_token="not-the-holder", status="done")
    batch = WriteBatch(updates=[RecordUpdate(updated, record.version, [event])])
    batch.outbox_done = [stale]
    with pytest.raises(LeaseLost):
        store.commit(batch)
    assert store.get_certificate("exp_a", "crt_1").state == "issued"
    assert len(store.list_events("crt_1")) == 2
    batch.outbox_done = [dataclasses.replace(entry, status="done")]
    store.commit(batch)
    assert store.get_certificate("exp_a", "crt_1").state == "forwarded"
    assert [e.status for e in store.list_outbox()] == ["done"]


def test_lease_one_entry_by_id_only_when_due_and_free(store):
    create(store, "crt_1")
    entry_id = store.list_outbox()[0].id
    assert store.lease_outbox_entry(entry_id, "2025-01-01T00:00:00.000000Z", NOW) is None  # not due
    leased = store.lease_outbox_entry(entry_id, NOW, IN_A_MINUTE)
    assert leased is not None and leased.lease_token
    assert store.lease_outbox_entry(entry_id, NOW, IN_A_MINUTE) is None  # held
    assert store.lease_outbox_entry("obx_unknown", NOW, IN_A_MINUTE) is None
    assert store.get_outbox(entry_id).lease_token == leased.lease_token


def test_dead_entries_can_be_requeued_once(store):
    create(store, "crt_1")
    [entry] = store.lease_outbox(NOW, IN_A_MINUTE)
    store.finish_outbox(dataclasses.replace(entry, status="dead", attempts=8))
    dead = store.get_outbox(entry.id)
    again = dataclasses.replace(dead, status="pending", attempts=0, next_attempt_at=NOW)
    assert store.requeue_outbox(again) is True
    assert store.requeue_outbox(again) is False  # no longer dead
    assert [e.id for e in store.lease_outbox(NOW, IN_A_MINUTE)] == [entry.id]


def test_an_inbound_message_is_applied_once(store):
    record = create(store, "crt_1")
    updated, event = lifecycle.advance(record, "customs_received", None, actor="VN")
    message = InboundMessage("VN", "msg-1", NOW, "crt_1")
    store.commit(
        WriteBatch(updates=[RecordUpdate(updated, record.version, [event])], inbound=[message])
    )
    assert store.get_inbound("VN", "msg-1") == message
    assert store.get_inbound("TH", "msg-1") is None  # ids are per source
    again, event2 = lifecycle.advance(updated, "customs_received", None, actor="VN")
    with pytest.raises(MessageReplayed):
        store.commit(
            WriteBatch(updates=[RecordUpdate(again, updated.version, [event2])], inbound=[message])
        )
    assert len(store.list_events("crt_1")) == 3  # the replay wrote nothing
    store.commit(WriteBatch(inbound=[InboundMessage("TH", "msg-1", NOW)]))


def test_webhook_registration(store):
    assert store.get_webhook("exp_a") is None
    hook = Webhook("exp_a", "https://erp.example/hook", "s" * 32, NOW, NOW)
    store.put_webhook(hook)
    assert store.get_webhook("exp_a") == hook
    moved = dataclasses.replace(hook, url="https://erp.example/other", updated_at=IN_A_MINUTE)
    store.put_webhook(moved)
    assert store.get_webhook("exp_a") == moved
    assert store.get_webhook("exp_b") is None
    assert store.delete_webhook("exp_a") is True
    assert store.delete_webhook("exp_a") is False
    assert store.get_webhook("exp_a") is None


def _delivery(entry_id: str, exporter_id: str, created_at: str) -> OutboxEntry:
    return OutboxEntry(
        id=entry_id,
        certificate_id="crt_1",
        exporter_id=exporter_id,
        kind="webhook",
        destination="webhook",
        status="pending",
        attempts=0,
        created_at=created_at,
        next_attempt_at=created_at,
        payload={"type": "certificate.state_changed"},
    )


def test_delivery_log_lists_an_exporters_webhook_deliveries_newest_first(store):
    create(store, "crt_1")  # its forward entry is not a delivery
    store.commit(
        WriteBatch(
            outbox=[
                _delivery("obx_d1", "exp_a", "2026-06-01T00:00:01.000000Z"),
                _delivery("obx_d2", "exp_a", "2026-06-01T00:00:02.000000Z"),
                _delivery("obx_d3", "exp_b", "2026-06-01T00:00:03.000000Z"),
            ]
        )
    )
    assert [e.id for e in store.list_deliveries("exp_a")] == ["obx_d2", "obx_d1"]
    assert [e.id for e in store.list_deliveries("exp_a", limit=1)] == ["obx_d2"]
    leased = {e.id: e for e in store.lease_outbox(IN_A_MINUTE, IN_TWO_MINUTES, limit=10)}
    failed = dataclasses.replace(
        leased["obx_d1"], attempts=1, history=[{"at": IN_A_MINUTE, "status_code": 503}]
    )
    store.finish_outbox(failed)
    logged = {e.id: e for e in store.list_deliveries("exp_a")}
    assert logged["obx_d1"].attempts == 1 and logged["obx_d1"].history[0]["status_code"] == 503


def test_sqlite_is_durable_across_reopen(tmp_path):
    path = tmp_path / "durable.sqlite3"
    first = open_store("sqlite", path=path)
    record = create(first, "crt_1", key="k1")
    first.close()
    second = open_store("sqlite", path=path)
    assert second.get_certificate("exp_a", "crt_1") == record
    assert second.get_idempotency("exp_a", "k1") is not None
    assert len(second.list_events("crt_1")) == 2


def test_sqlite_events_are_append_only(tmp_path):
    store = open_store("sqlite", path=tmp_path / "s.sqlite3")
    create(store, "crt_1")
    conn = store._conn()
    with pytest.raises(Exception, match="append-only"):
        conn.execute("UPDATE events SET data = '{}' WHERE certificate_id = 'crt_1'")
    with pytest.raises(Exception, match="append-only"):
        conn.execute("DELETE FROM events")


def test_sqlite_failed_commit_rolls_back_and_the_connection_stays_usable(tmp_path):
    """A COMMIT that fails (disk full, I/O error) must not leave the thread's connection inside
    an open transaction: the next write would fail too ('cannot start a transaction within a
    transaction'), for as long as the server runs."""
    import sqlite3

    store = open_store("sqlite", path=tmp_path / "s.sqlite3")
    real = store._conn()

    class CommitFails:  # the real connection, whose next COMMIT fails as on a full disk
        def __init__(self):
            self.failed = False

        def __getattr__(self, name):
            return getattr(real, name)

        def execute(self, sql, *args):
            if sql == "COMMIT" and not self.failed:
                self.failed = True
                raise sqlite3.OperationalError("database or disk is full")
            return real.execute(sql, *args)

    store._local.conn = CommitFails()
    with pytest.raises(sqlite3.OperationalError):
        create(store, "crt_1", key="k1")
    assert store.get_certificate("exp_a", "crt_1") is None
    assert store.get_idempotency("exp_a", "k1") is None
    create(store, "crt_2", key="k2")  # the same connection takes the next transaction
    assert store.get_certificate("exp_a", "crt_2") is not None


# --- origin statements ----------------------------------------------------------------------


def make_statement(sid: str, exporter_id: str = "exp_a", ref: str = "TABLE-1", **overrides):
    event = lifecycle.make_event(
        sid, 1, "published", "published", actor=exporter_id, prev_hash=None
    )
    record = StatementRecord(
        id=sid,
        exporter_id=exporter_id,
        public_id="spub-" + sid,
        state="published",
        version=1,
        product_ref=ref,
        document={"product": {"reference": ref}},
        digest="sha256:" + "1" * 64,
        jws="a.b.c",
        kid="kid1",
        sd_seed="seed",
        created_at=event.at,
        updated_at=event.at,
        last_event_hash=event.hash,
        **overrides,
    )
    return record, [event]


def publish(store, sid: str, exporter_id: str = "exp_a", ref: str = "TABLE-1", **kw):
    sandbox = kw.get("sandbox", False)
    record, events = make_statement(sid, exporter_id, ref, **kw)
    store.commit(
        WriteBatch(
            statement_creates=[(record, events)],
            product_claims=[ProductClaim(exporter_id, sandbox, ref, sid)],
        )
    )
    return record


def statement_advance(record, state: str, **changes):
    event = lifecycle.make_event(
        record.id, record.version + 1, state, state, actor="exp_a", prev_hash=record.last_event_hash
    )
    updated = dataclasses.replace(
        record, state=state, version=event.seq, last_event_hash=event.hash, **changes
    )
    return updated, event


def test_statement_is_stored_with_its_event_and_public_lookups(store):
    record = publish(store, "ost_1")
    assert store.get_statement("exp_a", "ost_1") == record
    assert store.get_statement("exp_b", "ost_1") is None
    assert store.get_statement_by_public_id("spub-ost_1") == record
    assert store.get_statement_version_by_public_id("spub-ost_1") == ("ost_1", 1)
    assert store.get_statement_version_by_public_id("spub-nope") is None
    assert [e.type for e in store.list_statement_events("ost_1")] == ["published"]
    assert store.get_product_claim("exp_a", False, "TABLE-1") == "ost_1"
    # Apart from certificates: no certificate lookup finds it, nor lists it.
    assert store.get_by_public_id("spub-ost_1") is None
    assert store.get_version_by_public_id("spub-ost_1") is None
    assert store.list_certificates("exp_a") == ([], None)


def test_one_statement_per_product_per_exporter_and_world(store):
    publish(store, "ost_1")
    with pytest.raises(DuplicateProduct):
        publish(store, "ost_2")
    assert store.get_statement("exp_a", "ost_2") is None  # nothing of the batch written
    assert store.list_statement_events("ost_2") == []
    publish(store, "ost_3", ref="CHAIR-1")
    publish(store, "ost_4", exporter_id="exp_b")
    publish(store, "ost_5", sandbox=True)
    assert store.get_product_claim("exp_a", True, "TABLE-1") == "ost_5"
    assert store.get_product_claim("exp_a", False, "TABLE-1") == "ost_1"


def test_renewal_hands_the_claim_on_and_withdrawal_releases_it(store):
    old = publish(store, "ost_1")
    new, events = make_statement("ost_2", supersedes="ost_1")
    superseded, event = statement_advance(old, "superseded", superseded_by="ost_2")
    store.commit(
        WriteBatch(
            statement_creates=[(new, events)],
            statement_updates=[RecordUpdate(superseded, old.version, [event])],
            product_claims=[ProductClaim("exp_a", False, "TABLE-1", "ost_2", "ost_1")],
        )
    )
    assert store.get_product_claim("exp_a", False, "TABLE-1") == "ost_2"
    assert store.get_statement("exp_a", "ost_1").state == "superseded"
    assert store.get_statement_version_by_public_id("spub-ost_1") == ("ost_1", 2)
    assert lifecycle.verify_chain(store.list_statement_events("ost_1")) == []
    # A second renewal of the old one (it read the claim before) changes nothing.
    late, late_events = make_statement("ost_3", supersedes="ost_1")
    with pytest.raises(VersionConflict):
        store.commit(
            WriteBatch(
                statement_creates=[(late, late_events)],
                product_claims=[ProductClaim("exp_a", False, "TABLE-1", "ost_3", "ost_1")],
            )
        )
    assert store.get_statement("exp_a", "ost_3") is None
    # Withdrawal of the standing one releases the product.
    withdrawn, event = statement_advance(new, "withdrawn")
    store.commit(
        WriteBatch(
            statement_updates=[RecordUpdate(withdrawn, new.version, [event])],
            product_claims=[ProductClaim("exp_a", False, "TABLE-1", None, "ost_2")],
        )
    )
    assert store.get_product_claim("exp_a", False, "TABLE-1") is None
    with pytest.raises(VersionConflict):  # released already
        store.commit(
            WriteBatch(product_claims=[ProductClaim("exp_a", False, "TABLE-1", None, "ost_2")])
        )
    publish(store, "ost_4")  # the product is free


def test_statement_update_requires_the_version_read(store):
    record = publish(store, "ost_1")
    withdrawn, event = statement_advance(record, "withdrawn")
    store.commit(WriteBatch(statement_updates=[RecordUpdate(withdrawn, 1, [event])]))
    stale, stale_event = statement_advance(record, "superseded")
    with pytest.raises(VersionConflict):
        store.commit(
            WriteBatch(
                statement_updates=[RecordUpdate(stale, 1, [stale_event])],
                idempotency=idem("k9", "ost_1"),
            )
        )
    assert store.get_statement("exp_a", "ost_1").state == "withdrawn"
    assert store.get_idempotency("exp_a", "k9") is None


def test_statements_list_by_exporter_with_a_cursor(store):
    for i in range(3):
        publish(store, f"ost_{i}", ref=f"P-{i}")
    publish(store, "ost_x", exporter_id="exp_b", ref="P-0")
    first, cursor = store.list_statements("exp_a", limit=2)
    rest, end = store.list_statements("exp_a", limit=2, after=cursor)
    assert [r.id for r in first + rest] == ["ost_0", "ost_1", "ost_2"] and end is None
    assert [r.id for r in store.list_statements("exp_b")[0]] == ["ost_x"]
