"""`POST /v1/certificates/{id}/official-certificate`: the official certificate an issuing body
issued outside OriginLink, recorded by the exporter — shown as recorded, never as verified."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from originlink_service import outbox
from originlink_service.customs import config
from originlink_simulator.peer import Faults

from .conftest import auth, create, events, get, load_example

PDF = b"%PDF-1.7\n% the official certificate\n%%EOF\n"


def record(client, key, cid, idem, **body):
    payload = {
        "issuing_body": "CN-CCPIT",
        "number": "CCPIT-2026-0001",
        "lookup_url": "https://check.example.cn/co?no=CCPIT-2026-0001",
        **body,
    }
    resp = client.http.post(
        f"/v1/certificates/{cid}/official-certificate",
        headers=auth(key, idem),
        body=json.dumps(payload),
    )
    return resp.status_code, json.loads(resp.body)


@pytest.fixture
def paper_china(ctx, tmp_path):
    """China's issuing bodies certify outside OriginLink (the built-in configuration)."""
    ctx._customs = config.load(None)


def test_the_exporter_records_the_official_certificate(
    ctx, paper_china, client, api_key, certificate
):
    cid = create(client, api_key, certificate, "off-1")["id"]
    pdf = base64.b64encode(PDF).decode()
    status, answer = record(client, api_key, cid, "off-1r", pdf_base64=pdf)
    assert status == 200, answer
    assert answer["certification"] == {
        "kind": "recorded",
        "issuing_body": "CN-CCPIT",
        "number": "CCPIT-2026-0001",
        "lookup_url": "https://check.example.cn/co?no=CCPIT-2026-0001",
        "pdf_sha256": hashlib.sha256(PDF).hexdigest(),
        "recorded_by": ctx.store.list_api_keys()[0].exporter_id,
        "at": answer["certification"]["at"],
    }  # the shape originlink.credentials.certification documents
    last = events(client, api_key, cid)[-1]
    assert (last["type"], last["state"]) == ("official_certificate_recorded", "issued")
    replay = client.http.post(
        f"/v1/certificates/{cid}/official-certificate",
        headers=auth(api_key, "off-1r"),
        body=json.dumps(
            {
                "issuing_body": "CN-CCPIT",
                "number": "CCPIT-2026-0001",
                "lookup_url": "https://check.example.cn/co?no=CCPIT-2026-0001",
                "pdf_base64": pdf,
            }
        ),
    )
    assert replay.headers.get("Idempotent-Replayed") == "true"
    # A typo corrected: recorded again, the event says what it corrects.
    status, answer = record(client, api_key, cid, "off-1c", number="CCPIT-2026-0002")
    assert answer["certification"]["number"] == "CCPIT-2026-0002"
    assert events(client, api_key, cid)[-1]["detail"]["corrects"] == "CCPIT-2026-0001"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"issuing_body": "TH-DFT"}, "issuing_body"),  # not a body of China, or not known
        ({"lookup_url": "http://check.example.cn/x"}, "lookup_url"),  # not https
        ({"lookup_url": "javascript:alert(1)"}, "lookup_url"),
        ({"pdf_base64": base64.b64encode(b"GIF89a").decode()}, "pdf_base64"),
        ({"pdf_base64": "***"}, "pdf_base64"),
        ({"pdf_base64": base64.b64encode(PDF).decode(), "pdf_sha256": "0" * 64}, "pdf_sha256"),
        ({"number": "A\u0007B"}, "number"),
        ({"number": "CCPIT-\u202e1000"}, "number"),  # shown on the page: plain text only
    ],
)
def test_what_cannot_be_recorded_is_a_422_naming_the_field(
    paper_china, client, api_key, certificate, body, field
):
    cid = create(client, api_key, certificate, "off-bad")["id"]
    status, answer = record(client, api_key, cid, "off-bad-r", **body)
    assert status == 422, answer
    assert answer["errors"][0]["path"] == field
    assert get(client, api_key, cid)["certification"] is None


def test_lookup_links_must_point_at_the_issuing_bodys_own_site_when_it_is_known(
    ctx, client, api_key, certificate, tmp_path
):
    path = tmp_path / "c.toml"
    path.write_text(
        '[issuing_bodies.CN-CCPIT]\nname = "CCPIT"\ncountry = "CN"\nmode = "paper-parallel"\n'
        'lookup_hosts = ["ccpit.example.cn"]\n'
    )
    ctx._customs = config.load(path)
    cid = create(client, api_key, certificate, "host-1")["id"]
    status, answer = record(client, api_key, cid, "host-1a", lookup_url="https://phish.example/co")
    assert status == 422 and "ccpit.example.cn" in answer["detail"]
    good = "https://www.ccpit.example.cn/check?no=1"
    assert record(client, api_key, cid, "host-1b", lookup_url=good)[0] == 200


def test_a_declaration_of_origin_has_no_issuing_body(paper_china, client, api_key):
    cid = create(client, api_key, load_example("certificate-declaration.json"), "doo-off")["id"]
    status, answer = record(client, api_key, cid, "doo-off-r")
    assert status == 422 and answer["code"] == "not_a_certificate_of_origin"


def test_an_electronic_endorsement_is_never_overwritten(ctx, peer, client, api_key, certificate):
    cid = create(client, api_key, certificate, "end-1")["id"]
    outbox.drain_once(ctx)
    assert peer.sim.wait_idle()
    assert get(client, api_key, cid)["certification"]["kind"] == "endorsed"
    status, answer = record(client, api_key, cid, "end-1r", issuing_body="CN-GACC")
    assert status == 409 and answer["code"] == "already_certified"


def test_a_withdrawn_certificate_takes_no_record(paper_china, client, api_key, certificate):
    cid = create(client, api_key, certificate, "wd-1")["id"]
    client.http.post(
        f"/v1/certificates/{cid}/cancel",
        headers=auth(api_key, "wd-1c"),
        body=json.dumps({"reason": "x"}),
    )
    status, answer = record(client, api_key, cid, "wd-1r")
    assert status == 409 and answer["code"] == "invalid_state"


def test_recording_releases_a_certificate_waiting_for_its_endorsement(
    ctx, peer, client, api_key, certificate, tmp_path
):
    """China's customs are connected but never answer: the exporter got its certificate the
    paper way and records it; OriginLink then sends it on to VN."""
    peer.sim.faults = Faults(silent=True, parties=["CN-GACC"])
    created = create(client, api_key, certificate, "rel-1")
    assert created["customs"]["waiting_for"] == "endorsement"
    outbox.drain_once(ctx)
    status, answer = record(
        client,
        api_key,
        created["id"],
        "rel-1r",
        issuing_body="CN-GACC",
        lookup_url="http://127.0.0.1/co",  # listed for the simulated body: http allowed
    )
    assert status == 200, answer
    assert answer["customs"]["waiting_for"] is None
    assert outbox.drain_once(ctx) == 1
    assert peer.sim.wait_idle()
    assert get(client, api_key, created["id"])["state"] == "accepted"
