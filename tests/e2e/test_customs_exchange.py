"""The whole customs exchange, end to end over real HTTP: the service, the simulator playing
China's customs (issuing body) and the destinations' customs, and a scripted exporter that
follows its certificates through its webhook."""

from __future__ import annotations

import copy

import pytest
import requests

from originlink.credentials.certification import verify_endorsement

from .conftest import load_example

pytestmark = [pytest.mark.e2e, pytest.mark.http]


def _types(exporter, cid):
    return [e["type"] for e in exporter.events(cid)]


def test_issued_endorsed_forwarded_accepted(stack, exporter):
    created = exporter.issue(load_example())  # a Certificate of Origin, CN -> VN
    cid = created["id"]
    final = exporter.wait_for(cid, "accepted")
    assert final["customs"]["reference"].startswith("VN-")
    assert final["customs"]["note"] == "Sent to the customs of VN electronically (json/1.1)."
    # The issuing body's own signature, checked here against its own published keys.
    certification = final["certification"]
    assert certification["kind"] == "endorsed" and certification["issuing_body"] == "CN-GACC"
    jwks = requests.get(stack.simulator + "/.well-known/jwks.json", timeout=10).json()
    check = verify_endorsement(
        certification["jws"], jwks=jwks, digest=final["digest"], number=final["number"]
    )
    assert check.ok, check.message
    types = _types(exporter, cid)
    assert types.index("endorsed") < types.index("forwarded") < types.index("customs_accepted")
    events = exporter.call("GET", f"/v1/certificates/{cid}/events").json()
    assert events["chain_intact"] is True
    stats = requests.get(stack.simulator + "/control/stats", timeout=10).json()
    assert stats["certificates"][cid] == {"attempts": 2, "CN-GACC/submit": 1, "VN/submit": 1}
    assert exporter.bad_signatures == 0
    # The public verification sees the outcome too.
    verified = requests.get(stack.base + final["links"]["verify"], timeout=10).json()
    assert verified["checks"]["status"]["ok"] is True
    # ... and checks the endorsement against the issuing body's keys as the service's customs
    # configuration publishes them (here: fetched from the simulator's JWKS).
    legal = verified["checks"]["legal"]
    assert (legal["code"], legal["verified"], legal["by"]["id"]) == ("endorsed", True, "CN-GACC")
    # (named as the simulator it is: a demo's endorsement never reads as the real GACC's)
    assert legal["by"]["name"].startswith("Simulated China customs")
    assert verified["verdict"] == "certified_valid"


def test_a_cancellation_flows_the_same_way(stack, exporter):
    doc = load_example()
    doc["number"] = "R2026-440100-000124"
    created = exporter.issue(doc)
    exporter.wait_for(created["id"], "accepted")
    cancel = exporter.call(
        "POST", f"/v1/certificates/{created['id']}/cancel", {"reason": "order withdrawn"},
        idempotent=True,
    )  # fmt: skip
    assert cancel.status_code == 200
    exporter.wait_for(created["id"], "cancelled")
    # Customs is told, and confirms it (events that change no state; the webhook rings too).
    exporter.wait_for(created["id"], event="customs_notified")
    exporter.wait_for(created["id"], event="customs_cancellation_received")
    stats = requests.get(stack.simulator + "/control/stats", timeout=10).json()
    assert stats["certificates"][created["id"]]["VN/cancel"] == 1
    # The public check still says when and why it was cancelled (not the customs' receipt).
    status = requests.get(stack.base + created["links"]["verify"], timeout=10).json()["checks"][
        "status"
    ]
    assert (status["code"], status["reason"]) == ("cancelled", "order withdrawn")


def test_a_rejection_comes_back_with_its_reasons(stack, exporter):
    doc = load_example("certificate-declaration.json")  # CN -> TH, UBL 2.1
    doc["goods_items"][0]["hs_code"] = "930400"  # chapter 93: the simulator's rule rejects
    doc["goods_items"][0]["description"] = "Air rifles"
    created = exporter.issue(doc)
    final = exporter.wait_for(created["id"], "rejected")
    rejected = [d for d in exporter.deliveries if d["data"]["certificate"]["id"] == created["id"]]
    reasons = rejected[-1]["data"]["event"]["reasons"]
    assert reasons[0]["code"] == "LICENCE_REQUIRED"
    assert final["customs"]["format"] == "ubl/2.1"


def test_a_destination_not_connected_is_paper_parallel(stack, exporter):
    doc = copy.deepcopy(load_example())
    doc["number"] = "R2026-440100-000125"
    for path in (
        ("importing_party",),
        ("exporter_declaration", "importing_country"),
        ("importer", "country"),
    ):
        node = doc
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = "JP"
    created = exporter.issue(doc)
    assert created["customs"]["mode"] == "paper-parallel"
    assert "the customs of JP will check the paper or PDF certificate" in created["customs"]["note"]
