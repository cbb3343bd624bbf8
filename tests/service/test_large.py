"""Certificates at the sizes DynamoDB limits bite at — many invoices, documents near the body
limit, listings of large certificates — through the API, on whichever backend the run uses
(`make test-py`: SQLite; `make test-aws`: DynamoDB on a moto server). The same requests must get
the same answers on both; the adapter-level checks of each limit are test_dynamodb_limits.py."""

from __future__ import annotations

import copy
import json
import random
import string

import pytest

from .conftest import auth

# Random text defeats compression: the stored size stays close to the size sent.
_ALPHABET = string.ascii_letters + string.digits + string.punctuation + " "


def noise(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(length)).strip() or "x"


def large_certificate(base: dict, target_bytes: int, seed: int = 0) -> dict:
    """`base` with goods items added until its JSON is about `target_bytes`; each has a
    random description (1,000 characters) and random evidence notes (2,000)."""
    rng = random.Random(seed)
    doc = copy.deepcopy(base)
    template = doc["goods_items"][0]
    items = []
    while len(json.dumps({**doc, "goods_items": items})) < target_bytes - 3000:
        item = copy.deepcopy(template)
        item["item_number"] = len(items) + 1
        item["description"] = noise(rng, 1000)
        item["evidence"]["notes"] = noise(rng, 2000)
        items.append(item)
    doc["goods_items"] = items
    return doc


def post(client, key, path, doc, idem):
    return client.http.post(path, headers=auth(key, idem), body=json.dumps(doc))


@pytest.mark.parametrize("invoices", [80, 81, 100])
def test_many_invoices_are_stored_and_each_finds_the_certificate(
    client, api_key, certificate, invoices
):
    """Once a certificate with 81 to 100 invoices was a 500 on DynamoDB (one transaction item
    per invoice, 100 at most); the model allows 100."""
    certificate["invoices"] = [
        {"number": f"INV-{i:03d}", "date": certificate["invoices"][0]["date"]}
        for i in range(invoices)
    ]
    resp = post(client, api_key, "/v1/certificates", certificate, f"inv-{invoices}")
    assert resp.status_code == 201, resp.body
    created = json.loads(resp.body)
    got = client.http.get(f"/v1/certificates/{created['id']}", headers=auth(api_key))
    assert json.loads(got.body) == created
    for i in (0, invoices - 1):
        found = client.http.get(f"/v1/verify?number={certificate['number']}&invoice=INV-{i:03d}")
        assert found.status_code == 200, found.body
        assert [r["public_id"] for r in json.loads(found.body)["results"]] == [created["public_id"]]
    miss = client.http.get(f"/v1/verify?number={certificate['number']}&invoice=INV-{invoices}")
    assert miss.status_code == 404


def test_more_invoices_than_the_model_allows_is_a_field_error(client, api_key, certificate):
    certificate["invoices"] = [
        {"number": f"INV-{i:03d}", "date": certificate["invoices"][0]["date"]} for i in range(101)
    ]
    resp = post(client, api_key, "/v1/certificates", certificate, "inv-101")
    assert resp.status_code == 422, resp.body
    assert json.loads(resp.body)["errors"][0]["path"] == "invoices"


@pytest.mark.parametrize("size", [800_000, 1_040_000])
def test_large_certificate_is_issued_replayed_replaced_and_verified(
    client, api_key, certificate, ctx, size
):
    """About 800 KB (once a 500 on DynamoDB: over its 400 KB item limit) and just under the
    1 MiB body limit, with a replacement as large: the largest transaction a request makes."""
    doc = large_certificate(certificate, size, seed=size)
    assert size - 3000 <= len(json.dumps(doc)) <= ctx.settings.max_body_bytes
    first = post(client, api_key, "/v1/certificates", doc, f"big-{size}")
    assert first.status_code == 201, first.body[:500]
    created = json.loads(first.body)
    replay = post(client, api_key, "/v1/certificates", doc, f"big-{size}")
    assert replay.status_code == 201 and replay.body == first.body  # byte for byte
    got = client.http.get(f"/v1/certificates/{created['id']}", headers=auth(api_key))
    assert json.loads(got.body) == created

    replacement = large_certificate(certificate, size - 40_000, seed=size + 1)
    replacement["number"] = certificate["number"]
    body = {"certificate": replacement, "reason": "corrected descriptions"}
    resp = post(client, api_key, f"/v1/certificates/{created['id']}/replace", body, f"rb-{size}")
    assert resp.status_code == 201, resp.body[:500]
    new = json.loads(resp.body)
    original = client.http.get(f"/v1/certificates/{created['id']}", headers=auth(api_key))
    assert json.loads(original.body)["replaced_by"] == new["id"]
    assert json.loads(original.body)["certificate"] == created["certificate"]
    verified = json.loads(client.http.get(f"/v1/verify/{new['public_id']}").body)
    assert verified["checks"]["integrity"]["ok"] is True
    events = json.loads(
        client.http.get(f"/v1/certificates/{created['id']}/events", headers=auth(api_key)).body
    )
    assert events["chain_intact"] is True
    assert [e["type"] for e in events["items"]] == ["received", "issued", "replaced"]


def test_listing_large_certificates_reaches_every_one(client, api_key, certificate):
    """Twenty certificates of about 100 KB: more than one DynamoDB query page (1 MB) holds.
    Once, listing stopped at the first page and said there was no next one."""
    ids = []
    for i in range(20):
        doc = large_certificate(certificate, 100_000, seed=i)
        doc["number"] = f"R-BIG-{i:02d}"
        resp = post(client, api_key, "/v1/certificates", doc, f"list-{i}")
        assert resp.status_code == 201, resp.body[:300]
        ids.append(json.loads(resp.body)["id"])
    listing = json.loads(client.http.get("/v1/certificates", headers=auth(api_key)).body)
    assert [c["id"] for c in listing["items"]] == ids and listing["next"] is None
    seen, after = [], None
    while True:
        path = "/v1/certificates?limit=6" + (f"&after={after}" if after else "")
        page = json.loads(client.http.get(path, headers=auth(api_key)).body)
        assert len(page["items"]) == (6 if page["next"] else len(ids) - len(seen))
        seen += [c["id"] for c in page["items"]]
        after = page["next"]
        if after is None:
            break
    assert seen == ids
