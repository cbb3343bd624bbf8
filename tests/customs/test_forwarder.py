"""The outbox worker against the simulator's faults: every certificate reaches customs exactly
once (the simulator counts what it took in, and what reached it more than once), whatever
customs answers; a message customs refuses goes to the dead letters and is redriven once the
cause is fixed; a worker slower than its lease changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from originlink_service import outbox
from originlink_service.customs import config
from originlink_simulator.peer import Faults

from .conftest import create, customs_file, events, get, retarget

N = 6


@pytest.fixture
def declarations(ctx, peer, client, api_key):
    """N certificates for TH (declarations of origin: no issuing body, forwarded at once)."""
    from .conftest import load_example

    ids = []
    for i in range(N):
        doc = load_example("certificate-declaration.json")
        doc["number"] = f"DOO-2026-{i:04d}"
        ids.append(create(client, api_key, doc, f"doo-{i}")["id"])
    return ids


def _at(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def _states(client, api_key, ids):
    return {get(client, api_key, cid)["state"] for cid in ids}


def test_customs_down_then_back_delivers_each_certificate_exactly_once(
    ctx, peer, client, api_key, declarations
):
    peer.sim.faults = Faults(status=503)  # down until cleared
    clock = 0.0
    for _ in range(4):  # four rounds of failures, each after the backoff elapsed
        assert outbox.drain_once(ctx, now=_at(clock)) == 0
        clock += 700  # past any backoff (capped at 600 s)
    entries = ctx.store.list_outbox()
    assert {(e.status, e.attempts) for e in entries} == {("pending", 4)}
    assert all(e.last_error.startswith("HTTP 503") for e in entries)
    assert peer.sim.stats().get("unique", 0) == 0

    peer.sim.faults = Faults()  # back
    assert outbox.drain_once(ctx, now=_at(clock)) == N
    assert peer.sim.wait_idle()
    assert _states(client, api_key, declarations) == {"accepted"}
    for cid in declarations:
        assert peer.count(cid, "TH/submit") == 1
    assert outbox.drain_once(ctx, now=_at(clock + 700)) == 0  # nothing left to send


@pytest.mark.parametrize(
    "fault",
    [
        Faults(status=500, count=N, after_processing=True),  # taken in, answer lost (5xx)
        Faults(drop_connection=True, count=N, after_processing=True),  # taken in, line cut
        Faults(drop_connection=True, count=N),  # cut before it was taken in
    ],
    ids=["5xx-after-processing", "dropped-after-processing", "dropped-before"],
)
def test_lost_answers_are_retried_with_the_same_message_id(
    ctx, peer, client, api_key, declarations, fault
):
    peer.sim.faults = fault
    assert outbox.drain_once(ctx, now=_at(0)) == 0
    assert outbox.drain_once(ctx, now=_at(700)) == N  # the fault ran out: delivered
    assert peer.sim.wait_idle()
    stats = peer.sim.stats()
    for cid in declarations:
        assert peer.count(cid, "TH/submit") == 1  # taken in once ...
    if fault.after_processing:
        assert stats["duplicates"] == N  # ... though it arrived twice
    assert _states(client, api_key, declarations) == {"accepted"}
    for cid in declarations:  # one forwarding recorded, however many attempts
        types = [e["type"] for e in events(client, api_key, cid)]
        assert types.count("forwarded") == 1


def test_a_timeout_is_retried_and_delivers_once(ctx, peer, client, api_key, tmp_path):
    from .conftest import load_example

    path = customs_file(
        tmp_path,
        peer.base,
        **{"[destinations.TH]\n": "[destinations.TH]\ntimeout_seconds = 0.5\n"},
    )
    ctx._customs = config.load(path)
    cid = create(client, api_key, load_example("certificate-declaration.json"), "slow-1")["id"]
    peer.sim.faults = Faults(delay_seconds=1.5, status=None, count=None)  # slower than 0.5 s
    assert outbox.drain_once(ctx, now=_at(0)) == 0
    [entry] = ctx.store.list_outbox()
    assert "ReadTimeoutError" in entry.last_error and entry.sends == 1
    peer.sim.faults = Faults()
    assert outbox.drain_once(ctx, now=_at(700)) == 1
    assert peer.sim.wait_idle()
    assert peer.count(cid, "TH/submit") == 1  # the slow first attempt arrived, the retry too
    assert get(client, api_key, cid)["state"] == "accepted"


def test_a_message_customs_refuses_is_dead_at_once_then_redriven_after_the_fix(
    ctx, peer, client, api_key, tmp_path
):
    """A poison message: TH takes only UBL 2.1 but OriginLink was configured to send JSON."""
    from originlink_simulator.rules import Rules

    from .conftest import FAST, load_example

    peer.sim.rules = Rules(**{**FAST.__dict__, "accepts": {"TH": ["ubl/2.1"]}})
    wrong = customs_file(
        tmp_path,
        peer.base,
        **{
            'adapter = "ubl"\nversion = "2.1"\nendpoint = "'
            + peer.base
            + "/customs/TH": 'adapter = "json"\nversion = "1.0"\nendpoint = "'
            + peer.base
            + "/customs/TH"
        },
    )
    ctx._customs = config.load(wrong)
    cid = create(client, api_key, load_example("certificate-declaration.json"), "poison-1")["id"]
    assert outbox.drain_once(ctx) == 0
    [entry] = ctx.store.list_outbox()
    assert entry.status == "dead" and entry.attempts == 1  # 4xx: no point retrying
    assert entry.last_error.startswith("HTTP 415") and "TH takes ubl/2.1" in entry.last_error
    assert get(client, api_key, cid)["state"] == "issued"

    ctx._customs = config.load(customs_file(tmp_path, peer.base))  # the fix: UBL for TH
    assert outbox.redrive(ctx) == [entry.id]
    assert outbox.redrive(ctx) == []  # nothing dead any more
    assert outbox.drain_once(ctx) == 1
    assert peer.sim.wait_idle()
    assert get(client, api_key, cid)["state"] == "accepted"
    [done] = ctx.store.list_outbox()
    assert done.status == "done" and any(h.get("redriven") for h in done.history)


def test_transient_failures_end_in_the_dead_letters_after_the_maximum(
    ctx, peer, client, api_key, tmp_path
):
    from .conftest import load_example

    path = customs_file(
        tmp_path,
        peer.base,
        **{"[destinations.VN]": "[forwarder]\nmax_attempts = 3\n\n[destinations.VN]"},
    )
    ctx._customs = config.load(path)
    create(client, api_key, load_example("certificate-declaration.json"), "max-1")
    peer.sim.faults = Faults(status=503)
    for round_ in range(3):
        outbox.drain_once(ctx, now=_at(700 * round_))
    [entry] = ctx.store.list_outbox()
    assert (entry.status, entry.attempts, len(entry.history)) == ("dead", 3, 3)


def test_a_worker_slower_than_its_lease_changes_nothing(ctx, peer, client, api_key):
    """Worker A leases the entry and stalls past its lease; worker B takes it over, sends and
    records. When A's answer finally comes back (the same message id: customs drops it), A's
    finishing write is refused — before the fix it put B's finished entry back to pending."""
    from .conftest import load_example

    cid = create(client, api_key, load_example("certificate-declaration.json"), "lease-1")["id"]
    t0 = datetime.now(UTC)
    [slow] = ctx.store.lease_outbox(outbox._iso(t0), outbox._iso(t0 + timedelta(seconds=60)))
    later = t0 + timedelta(seconds=61)
    [fast] = ctx.store.lease_outbox(outbox._iso(later), outbox._iso(later + timedelta(seconds=60)))
    assert fast.id == slow.id and fast.lease_token != slow.lease_token

    assert outbox.process(ctx, fast, later) is True
    assert outbox.process(ctx, slow, t0) is False  # sent again, but its lease was gone
    assert peer.sim.wait_idle()
    assert peer.sim.stats()["duplicates"] == 1 and peer.count(cid, "TH/submit") == 1
    [entry] = ctx.store.list_outbox()
    assert entry.status == "done" and entry.sends == 1  # B's write stands
    types = [e["type"] for e in events(client, api_key, cid)]
    assert types.count("forwarded") == 1


def test_no_request_outlives_its_lease(ctx, peer, client, api_key):
    """The request's timeout ends before the lease does, whatever the configured timeout."""
    from .conftest import load_example

    create(client, api_key, load_example("certificate-declaration.json"), "bound-1")
    now = datetime.now(UTC)
    lease_end = now + timedelta(seconds=outbox.LEASE_MARGIN_SECONDS + 0.5)
    [entry] = ctx.store.lease_outbox(outbox._iso(now), outbox._iso(lease_end))
    peer.sim.faults = Faults(delay_seconds=2.0)  # slower than the 0.5 s the lease leaves
    assert outbox.process(ctx, entry, now) is False
    [after] = ctx.store.list_outbox()
    assert "ReadTimeoutError" in after.last_error and after.status == "pending"


def test_backoff_grows_with_jitter_and_is_capped():
    for attempt in range(1, 30):
        ceiling = min(600.0, 2.0**attempt)
        delays = [outbox.backoff_seconds(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert len({outbox.backoff_seconds(5) for _ in range(20)}) > 1  # jittered


def test_other_destinations_keep_flowing_while_one_is_down(ctx, peer, client, api_key):
    from .conftest import load_example

    th = create(client, api_key, load_example("certificate-declaration.json"), "mix-th")["id"]
    vn_doc = retarget(load_example("certificate-declaration.json"), importing="VN")
    vn_doc["number"] = "DOO-VN-0001"
    vn = create(client, api_key, vn_doc, "mix-vn")["id"]
    peer.sim.faults = Faults(status=503, parties=["TH"])
    assert outbox.drain_once(ctx) == 1
    assert peer.sim.wait_idle()
    assert get(client, api_key, vn)["state"] == "accepted"
    assert get(client, api_key, th)["state"] == "issued"
    assert [e.destination for e in ctx.store.list_outbox("pending")] == ["TH"]
