"""A certificate's way to customs, in-process against the simulator: routing by configuration,
the issuing body's endorsement first, then forwarding, the answers, cancellation — each step an
event of the hash chain."""

from __future__ import annotations

import json

from originlink_service import outbox

from .conftest import auth, create, events, get, retarget


def _types(client, key, cid):
    return [(e["type"], e["state"]) for e in events(client, key, cid)]


def test_certificate_of_origin_is_endorsed_then_forwarded_then_accepted(
    ctx, peer, client, api_key, certificate
):
    created = create(client, api_key, certificate, "flow-1")
    assert created["customs"]["waiting_for"] == "endorsement"
    assert created["customs"]["issuing_body"] == "CN-GACC"
    assert "Waiting for the issuing body CN-GACC" in created["customs"]["note"]
    [entry] = ctx.store.list_outbox()
    assert (entry.kind, entry.destination) == ("endorse", "CN-GACC")

    assert outbox.drain_once(ctx) == 1  # to the issuing body
    assert peer.sim.wait_idle()  # its endorsement came back
    assert outbox.drain_once(ctx) == 1  # then to VN's customs
    assert peer.sim.wait_idle()  # received, accepted

    cid = created["id"]
    steps = _types(client, api_key, cid)
    # The peers answer at once here, so an answer may be recorded before the message's own
    # "sent" event (which then follows it without changing the state); states only advance.
    states = [s for i, (_, s) in enumerate(steps) if i == 0 or s != steps[i - 1][1]]
    assert states == ["received", "issued", "forwarded", "acknowledged", "accepted"]
    assert {t for t, _ in steps} == {
        "received",
        "issued",
        "sent_for_certification",
        "endorsed",
        "forwarded",
        "customs_received",
        "customs_accepted",
    }
    assert steps.index(("endorsed", "issued")) < [t for t, _ in steps].index("forwarded")
    final = get(client, api_key, cid)
    assert final["state"] == "accepted"
    assert final["certification"]["kind"] == "endorsed"
    assert final["certification"]["issuing_body"] == "CN-GACC"
    assert final["customs"]["reference"].startswith("VN-")
    assert peer.count(cid, "CN-GACC/submit") == 1 and peer.count(cid, "VN/submit") == 1

    # The public answer checks the endorsement against the body's published keys (its JWKS
    # URL, here the simulator's), as `make run` wires it: verified, attributed to the body.
    public = json.loads(client.http.get(created["links"]["verify"]).body)
    legal = public["checks"]["legal"]
    assert (legal["code"], legal["verified"]) == ("endorsed", True)
    # `make run`'s body is the simulator and says so: a demo never reads as the real GACC.
    assert legal["by"]["id"] == "CN-GACC" and "simulator, not GACC" in legal["by"]["name"]
    assert public["verdict"] != "not_valid"


def test_an_unconfigured_destination_is_paper_parallel_and_says_so(
    ctx, peer, client, api_key, certificate
):
    retarget(certificate, importing="JP")
    created = create(client, api_key, certificate, "paper-1")
    customs = created["customs"]
    assert customs["mode"] == "paper-parallel" and customs["format"] is None
    assert customs["why"] == "no electronic exchange with the customs of JP is configured"
    assert "will check the paper or PDF certificate" in customs["note"]
    # Still endorsed by the issuing body (China's customs is connected), never forwarded.
    assert [e.kind for e in ctx.store.list_outbox()] == ["endorse"]
    outbox.drain_once(ctx)
    assert peer.sim.wait_idle()
    assert outbox.drain_once(ctx) == 0
    assert get(client, api_key, created["id"])["state"] == "issued"


def test_a_declaration_of_origin_goes_straight_to_its_destination(ctx, peer, client, api_key):
    from .conftest import load_example

    declaration = load_example("certificate-declaration.json")  # CN -> TH, UBL 2.1
    created = create(client, api_key, declaration, "doo-1")
    assert created["customs"]["issuing_body"] is None
    assert created["customs"]["format"] == "ubl/2.1"
    assert outbox.drain_once(ctx) == 1
    assert peer.sim.wait_idle()
    assert get(client, api_key, created["id"])["state"] == "accepted"
    [line] = peer.sim.log
    assert (line["peer"], line["format"], line["function"]) == ("TH", "ubl/2.1", "submit")


def test_products_outside_the_categories_stay_on_paper(
    ctx, peer, client, api_key, certificate, tmp_path
):
    from originlink_service.customs import config

    from .conftest import customs_file

    scope = {"[destinations.VN]\n": '[destinations.VN]\ncategories = ["61", "62"]\n'}
    ctx._customs = config.load(customs_file(tmp_path, peer.base, **scope))
    created = create(client, api_key, certificate, "scope-1")
    assert created["customs"]["mode"] == "paper-parallel"
    why = "HS 940360 is not among the products the customs of VN receive"
    assert created["customs"]["why"] == why


def test_manual_review_is_flagged_in_the_message(ctx, peer, client, api_key, certificate, tmp_path):
    from originlink_service.customs import config

    from .conftest import customs_file

    path = customs_file(
        tmp_path,
        peer.base,
        **{'[destinations.VN]\nmode = "direct"': '[destinations.VN]\nmode = "manual-review"'},
    )
    ctx._customs = config.load(path)
    created = create(client, api_key, certificate, "review-1")
    assert created["customs"]["mode"] == "manual-review"
    outbox.drain_once(ctx)
    peer.sim.wait_idle()
    outbox.drain_once(ctx)
    peer.sim.wait_idle()
    vn = [line for line in peer.sim.log if line["peer"] == "VN"]
    assert [line["review"] for line in vn] == ["manual"]
    assert "for review by an officer" in get(client, api_key, created["id"])["customs"]["note"]


def test_cancellation_reaches_customs_after_the_certificate(
    ctx, peer, client, api_key, certificate
):
    created = create(client, api_key, certificate, "cancel-1")
    cid = created["id"]
    for _ in range(2):
        outbox.drain_once(ctx)
        peer.sim.wait_idle()
    resp = client.http.post(
        f"/v1/certificates/{cid}/cancel",
        headers=auth(api_key, "cancel-1c"),
        body=json.dumps({"reason": "shipment cancelled"}),
    )
    assert resp.status_code == 200
    assert outbox.drain_once(ctx) == 1
    assert peer.sim.wait_idle()
    types = _types(client, api_key, cid)
    assert types[-3] == ("cancelled", "cancelled")
    # (the simulator answers at once: its receipt may be recorded first)
    assert set(types[-2:]) == {
        ("customs_notified", "cancelled"),
        ("customs_cancellation_received", "cancelled"),
    }
    assert peer.count(cid, "VN/cancel") == 1


def test_a_certificate_cancelled_before_forwarding_is_never_sent(
    ctx, peer, client, api_key, certificate
):
    retarget(certificate, importing="TH", exporting="VN")  # no issuing body for VN exports
    resp = client.http.post(
        "/v1/certificates", headers=auth(api_key, "early-1"), body=json.dumps(certificate)
    )
    created = json.loads(resp.body)
    assert resp.status_code == 201, created
    client.http.post(
        f"/v1/certificates/{created['id']}/cancel",
        headers=auth(api_key, "early-1c"),
        body=json.dumps({"reason": "wrong buyer"}),
    )
    assert outbox.drain_once(ctx) == 0
    entries = {e.kind: e for e in ctx.store.list_outbox()}
    assert entries["forward"].outcome == {
        "skipped": "the certificate was cancelled before it was sent"
    }
    assert entries["cancel"].outcome == {"skipped": "customs never received it: nothing to cancel"}
    assert peer.sim.stats().get("messages", 0) == 0
