"""`POST /v1/customs/{destination}/callbacks` through the app: forged, stale and replayed
callbacks are refused with nothing changed; answers only move a certificate forward, late and
repeated ones change nothing, contradictions are refused; an issuing body's endorsement counts
only with its own signature over this certificate."""

from __future__ import annotations

import json
import secrets
import time

import pytest
import rfc8785

from originlink.credentials.certification import ENDORSEMENT_TYP, endorsement_claims
from originlink.exchange.signature import signed_headers
from originlink.signing import sign_jws
from originlink_service import outbox
from originlink_simulator.peer import Faults

from .conftest import auth, create, events, get, load_example


@pytest.fixture
def keys(secrets_file) -> dict:
    return json.loads(secrets_file.read_text())


@pytest.fixture
def sent(ctx, peer, client, api_key):
    """A declaration of origin forwarded to TH, whose customs have not answered yet."""
    peer.sim.faults = Faults(silent=True)
    created = create(client, api_key, load_example("certificate-declaration.json"), "cb-1")
    assert outbox.drain_once(ctx) == 1
    [entry] = ctx.store.list_outbox()
    return {**created, "message_id": entry.id}


def body(created: dict, type_: str, **extra) -> dict:
    return {
        "message_id": extra.pop("message_id", "cb_" + secrets.token_hex(8)),
        "in_reply_to": extra.pop("in_reply_to", created["message_id"]),
        "type": type_,
        "certificate": {
            "id": created["id"],
            "public_id": created["public_id"],
            "number": created["number"],
            "digest": created["digest"],
        },
        "at": extra.pop("at", "2026-11-29T10:00:00.000000Z"),
        **extra,
    }


def post(client, peer_id: str, data: dict, secret: str, *, now=None, raw: bytes | None = None):
    raw = raw if raw is not None else json.dumps(data).encode()
    headers = {
        "Content-Type": "application/json",
        **signed_headers(secret, raw, message_id=data.get("message_id", "x"), now=now),
    }
    resp = client.http.post(f"/v1/customs/{peer_id}/callbacks", headers=headers, body=raw)
    return resp.status_code, json.loads(resp.body or b"{}")


def _snapshot(client, api_key, cid):
    return get(client, api_key, cid)["state"], [e["seq"] for e in events(client, api_key, cid)]


def test_an_answer_applies_once_as_an_event(client, api_key, sent, keys):
    status, answer = post(client, "TH", body(sent, "accepted", reference="TH-77"), keys["TH"])
    assert status == 200 and answer["applied"] is True and answer["state"] == "accepted"
    last = events(client, api_key, sent["id"])[-1]
    assert (last["type"], last["state"], last["actor"]) == ("customs_accepted", "accepted", "TH")
    assert last["detail"]["reference"] == "TH-77"


@pytest.mark.parametrize(
    "forgery",
    ["wrong secret", "another destination's secret", "stale", "from the future", "no signature"],
)
def test_forged_and_stale_callbacks_are_refused_and_change_nothing(
    client, api_key, sent, keys, forgery
):
    data = body(sent, "rejected", reasons=[{"code": "X", "text": "forged"}])
    before = _snapshot(client, api_key, sent["id"])
    if forgery == "no signature":
        resp = client.http.post(
            "/v1/customs/TH/callbacks",
            headers={"Content-Type": "application/json"},
            body=json.dumps(data),
        )
        status, answer = resp.status_code, json.loads(resp.body)
    else:
        secret = {"wrong secret": "x" * 40, "another destination's secret": keys["VN"]}.get(
            forgery, keys["TH"]
        )
        now = {"stale": time.time() - 301, "from the future": time.time() + 301}.get(forgery)
        status, answer = post(client, "TH", data, secret, now=now)
    assert status == 401, answer
    expected = {"stale": "callback_stale", "from the future": "callback_stale"}
    expected["no signature"] = "callback_missing_signature"
    assert answer["code"] == expected.get(forgery, "callback_bad_signature")
    assert _snapshot(client, api_key, sent["id"]) == before
    # The refused message did not use up its id: the genuine one with that id applies.
    status, answer = post(client, "TH", data, keys["TH"])
    assert status == 200 and answer["state"] == "rejected"


def test_a_replayed_message_is_refused(client, api_key, sent, keys):
    data = body(sent, "received")
    raw = json.dumps(data).encode()
    headers = {
        "Content-Type": "application/json",
        **signed_headers(keys["TH"], raw, message_id=data["message_id"]),
    }
    first = client.http.post("/v1/customs/TH/callbacks", headers=headers, body=raw)
    assert first.status_code == 200
    before = _snapshot(client, api_key, sent["id"])
    again = client.http.post("/v1/customs/TH/callbacks", headers=headers, body=raw)  # as captured
    resigned = post(client, "TH", data, keys["TH"])  # the same id, freshly signed
    assert again.status_code == 409 and json.loads(again.body)["code"] == "message_replayed"
    assert resigned[0] == 409 and resigned[1]["code"] == "message_replayed"
    assert _snapshot(client, api_key, sent["id"]) == before


def test_callbacks_about_anything_but_our_own_message_to_that_peer_are_not_found(
    client, api_key, sent, keys
):
    before = _snapshot(client, api_key, sent["id"])
    cases = [
        ("JP", body(sent, "accepted"), "x" * 40),  # not connected
        ("TH", body(sent, "accepted", in_reply_to="obx_00000000000000000000"), keys["TH"]),
        ("VN", body(sent, "accepted"), keys["VN"]),  # our message went to TH, not VN
    ]
    other = body(sent, "accepted")
    other["certificate"]["digest"] = "sha256:" + "0" * 64
    cases.append(("TH", other, keys["TH"]))
    for peer_id, data, secret in cases:
        status, answer = post(client, peer_id, data, secret)
        assert status == 404, (peer_id, answer)
    assert _snapshot(client, api_key, sent["id"]) == before


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"type": "rejected"}, "invalid_callback"),  # no reasons
        ({"type": "query"}, "invalid_callback"),  # no question
        ({"type": "endorsed"}, "invalid_callback"),  # customs do not endorse
        ({"colour": "blue"}, "invalid_callback"),
        ({"at": "yesterday"}, "invalid_callback"),
        # What a person reads (page, Odoo) is plain text: no control or bidirectional characters.
        (
            {"type": "rejected", "reasons": [{"code": "hs", "text": "HS \u202eedoc"}]},
            "invalid_callback",
        ),
        ({"type": "query", "question": "Invoice?\x1b[2J"}, "invalid_callback"),
    ],
)
def test_malformed_callbacks_are_422_naming_the_field(client, sent, keys, change, code):
    data = {**body(sent, "accepted"), **change}
    status, answer = post(client, "TH", data, keys["TH"])
    assert status == 422 and answer["code"] == code, answer


def test_not_json_is_422(client, sent, keys):
    status, answer = post(client, "TH", {"message_id": "m1"}, keys["TH"], raw=b"{not json")
    assert status == 422 and "not JSON" in answer["detail"]


def test_answers_only_move_forward(client, api_key, sent, keys):
    def send(type_, **extra):
        return post(client, "TH", body(sent, type_, **extra), keys["TH"])[1]

    assert send("accepted")["applied"] is True  # before "received": out of order
    late = send("received")
    assert late["applied"] is False and late["state"] == "accepted"
    assert send("query", question="Send the BOM")["applied"] is False  # older than the decision
    assert send("accepted")["applied"] is False  # the same content with a new id
    status, answer = post(
        client, "TH", body(sent, "rejected", reasons=[{"code": "R", "text": "r"}]), keys["TH"]
    )
    assert status == 409 and answer["code"] == "contradicts_decision"
    assert send("utilised")["applied"] is True
    states = [e["state"] for e in events(client, api_key, sent["id"])]
    assert states == ["received", "issued", "forwarded", "accepted", "utilised"]


def test_questions_and_then_a_decision(client, api_key, sent, keys):
    def send(type_, **extra):
        return post(client, "TH", body(sent, type_, **extra), keys["TH"])[1]

    assert send("query", question="BOM?", at="2026-11-29T10:00:00.000000Z")["applied"]
    assert not send("query", question="BOM?", at="2026-11-29T10:00:01.000000Z")["applied"]
    assert not send("query", question="Older?", at="2026-11-29T09:00:00.000000Z")["applied"]
    assert send("query", question="Invoice?", at="2026-11-29T11:00:00.000000Z")["applied"]
    assert send("rejected", reasons=[{"code": "NO_ANSWER", "text": "no answer"}])["applied"]
    assert not send("received")["applied"]
    tail = [(e["type"], e["state"]) for e in events(client, api_key, sent["id"])][3:]
    assert tail == [
        ("customs_query", "query"),
        ("customs_query", "query"),
        ("customs_rejected", "rejected"),
    ]
    rejected = events(client, api_key, sent["id"])[-1]["detail"]
    assert rejected["reasons"] == [{"code": "NO_ANSWER", "text": "no answer"}]


def test_utilised_straight_away_then_a_late_acceptance(client, api_key, sent, keys):
    assert post(client, "TH", body(sent, "utilised"), keys["TH"])[1]["state"] == "utilised"
    assert post(client, "TH", body(sent, "accepted"), keys["TH"])[1]["applied"] is False


def test_an_answer_about_a_withdrawn_certificate_is_kept_but_changes_no_state(
    client, api_key, sent, keys
):
    cancel = client.http.post(
        f"/v1/certificates/{sent['id']}/cancel",
        headers=auth(api_key, "cb-cancel"),
        body=json.dumps({"reason": "order cancelled"}),
    )
    assert cancel.status_code == 200
    status, answer = post(client, "TH", body(sent, "accepted"), keys["TH"])
    assert status == 200 and answer["state"] == "cancelled"
    assert "cancelled by its exporter" in answer["note"]
    last = events(client, api_key, sent["id"])[-1]
    assert (last["type"], last["state"]) == ("customs_accepted", "cancelled")


def test_an_answer_before_the_forwarding_was_recorded_proves_it(ctx, peer, client, api_key, keys):
    """The message's id is known only to its recipient: its answer proves it arrived."""
    peer.sim.faults = Faults(silent=True)
    created = create(client, api_key, load_example("certificate-declaration.json"), "early")
    [entry] = ctx.store.list_outbox()
    status, answer = post(
        client, "TH", body({**created, "message_id": entry.id}, "received"), keys["TH"]
    )
    assert status == 200 and answer["state"] == "acknowledged"
    tail = [(e["type"], e["state"], e["actor"]) for e in events(client, api_key, created["id"])][2:]
    assert tail == [("forwarded", "forwarded", "TH"), ("customs_received", "acknowledged", "TH")]
    assert outbox.drain_once(ctx) == 1  # the forwarder's own success adds nothing more
    assert len(events(client, api_key, created["id"])) == 4


# --- the issuing body -----------------------------------------------------------------------


@pytest.fixture
def awaiting_endorsement(ctx, peer, client, api_key, certificate):
    peer.sim.faults = Faults(silent=True)
    created = create(client, api_key, certificate, "co-1")
    assert outbox.drain_once(ctx) == 1
    [entry] = ctx.store.list_outbox()
    assert entry.kind == "endorse"
    return {**created, "message_id": entry.id}


def _decision(signer, created, decision="endorsed", **overrides):
    claims = endorsement_claims(
        issuing_body="CN-GACC",
        decision=decision,
        digest=created["digest"],
        number=created["number"],
        at="2026-11-29T10:00:00Z",
        certificate_number="GACC-2026-1" if decision == "endorsed" else None,
        reasons=["no export licence"] if decision == "refused" else None,
    )
    claims.update(overrides)
    return sign_jws(rfc8785.dumps(claims), signer, typ=ENDORSEMENT_TYP)


def test_an_endorsement_signed_by_the_issuing_body_is_stored_and_the_certificate_goes_on(
    ctx, peer, client, api_key, keys, awaiting_endorsement
):
    created = awaiting_endorsement
    token = _decision(peer.sim.keys["CN-GACC"], created)
    status, answer = post(
        client, "CN-GACC", body(created, "endorsed", endorsement=token), keys["CN-GACC"]
    )
    assert status == 200, answer
    now = get(client, api_key, created["id"])
    assert now["certification"] == {
        "kind": "endorsed",
        "issuing_body": "CN-GACC",
        "number": "GACC-2026-1",
        "jws": token,
        "at": "2026-11-29T10:00:00Z",
    }  # the shape originlink.credentials.certification documents
    assert now["customs"]["waiting_for"] is None
    assert [e.kind for e in ctx.store.list_outbox("pending")] == ["forward"]
    again = post(client, "CN-GACC", body(created, "endorsed", endorsement=token), keys["CN-GACC"])
    assert again[1]["applied"] is False  # the same endorsement, a new message: nothing new


@pytest.mark.parametrize("forgery", ["another key", "another certificate", "says refused"])
def test_an_endorsement_that_does_not_verify_is_refused(
    ctx, peer, client, api_key, keys, awaiting_endorsement, forgery
):
    from cryptography.hazmat.primitives.asymmetric import ec

    from originlink.signing import LocalKeySigner

    created = awaiting_endorsement
    if forgery == "another key":
        token = _decision(LocalKeySigner(ec.generate_private_key(ec.SECP256R1())), created)
    elif forgery == "another certificate":
        token = _decision(peer.sim.keys["CN-GACC"], created, digest="sha256:" + "1" * 64)
    else:
        token = _decision(peer.sim.keys["CN-GACC"], created, decision="refused")
    before = _snapshot(client, api_key, created["id"])
    status, answer = post(
        client, "CN-GACC", body(created, "endorsed", endorsement=token), keys["CN-GACC"]
    )
    assert status == 422 and answer["code"] in ("endorsement_invalid", "invalid_callback"), answer
    assert _snapshot(client, api_key, created["id"]) == before
    assert get(client, api_key, created["id"])["certification"] is None


def test_a_refusal_blocks_forwarding_and_is_final(
    ctx, peer, client, api_key, keys, awaiting_endorsement
):
    created = awaiting_endorsement
    token = _decision(peer.sim.keys["CN-GACC"], created, decision="refused")
    data = body(created, "refused", endorsement=token, reasons=[{"code": "R", "text": "licence"}])
    assert post(client, "CN-GACC", data, keys["CN-GACC"])[0] == 200
    now = get(client, api_key, created["id"])
    assert now["certification"]["kind"] == "refused"
    assert now["certification"]["reasons"] == ["no export licence"]
    assert "refused to certify it: not sent to customs" in now["customs"]["note"]
    assert ctx.store.list_outbox("pending") == []
    endorsement = _decision(peer.sim.keys["CN-GACC"], created)
    status, answer = post(
        client, "CN-GACC", body(created, "endorsed", endorsement=endorsement), keys["CN-GACC"]
    )
    assert status == 409 and answer["code"] == "contradicts_decision"


def test_an_endorsement_whose_body_keys_cannot_be_read_is_503_and_sent_again_later(
    ctx, peer, client, api_key, keys, awaiting_endorsement, monkeypatch
):
    """Nothing is recorded while the issuing body's keys cannot be read; the same message,
    sent again once they can, is applied (not refused as a replay)."""
    from originlink_service.customs import config as customs_config

    created = awaiting_endorsement
    data = body(created, "endorsed", endorsement=_decision(peer.sim.keys["CN-GACC"], created))
    real = customs_config._fetch_jwks

    def down(url):
        raise customs_config.ConfigError(f"{url}: answered 503")

    monkeypatch.setattr(customs_config, "_fetch_jwks", down)
    ctx._customs = customs_config.load(ctx.customs.source)  # no keys fetched yet
    before = _snapshot(client, api_key, created["id"])
    status, answer = post(client, "CN-GACC", data, keys["CN-GACC"])
    assert status == 503, answer
    assert answer["code"] == "issuing_body_keys_unavailable"
    assert "send the callback again later" in answer["detail"]
    assert _snapshot(client, api_key, created["id"]) == before

    monkeypatch.setattr(customs_config, "_fetch_jwks", real)
    ctx._customs = customs_config.load(ctx.customs.source)
    status, answer = post(client, "CN-GACC", data, keys["CN-GACC"])
    assert status == 200 and answer["applied"] is True, answer
    assert get(client, api_key, created["id"])["certification"]["kind"] == "endorsed"
