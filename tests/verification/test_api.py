"""The JSON verification API: the three checks, privacy, caching, bulk and typed lookup,
QR, credential and did:web."""

from __future__ import annotations

import base64
import json
from datetime import date

import pytest
from service.conftest import write_behind_the_service

from originlink.credentials import verify_credential
from originlink.links import short_code_with_check
from originlink_service.verification import verifier


def get(client, path, headers=None):
    return client.http.get(path, headers=headers or {})


def body(response) -> dict:
    return json.loads(response.body)


PRIVATE_TEXT = [
    "4000.00",  # FOB value of item 1
    "Saigon Home Living",  # importer / consignee
    "Nguyen Hue",  # consignee address
    "88 Huangpu East Road",  # exporter / producer address
    "INV-",  # invoice numbers
    "fob_value",
    "quantity",
    "evidence",
    "invoices",
]


def test_valid_certificate_three_statements(client, fleet):
    """Integrity, legal certification and status apart: a Certificate of Origin nobody has
    certified yet is intact and valid, but not certified — never the green headline."""
    cert = fleet.issue()
    r = get(client, f"/v1/verify/{cert['public_id']}")
    assert r.status_code == 200
    v = body(r)
    assert v["verdict"] == "not_certified"
    integrity = v["checks"]["integrity"]
    assert integrity["code"] == "signature_valid" and integrity["digest"] == cert["digest"]
    assert integrity["kid"] == cert["signature"]["kid"] and integrity["key_status"] == "active"
    assert integrity["submitted_by"] == "Guangzhou Pearl River Furniture"
    assert integrity["format"] == "dc+sd-jwt"
    assert v["checks"]["status"]["code"] == "valid"
    assert v["valid_until"] == cert["certificate"]["issue_date"].replace("2026", "2027")
    legal = v["checks"]["legal"]
    assert legal["code"] == "not_certified" and legal["verified"] is False
    # What the exporter typed in Box 16 is shown for what it is: named, not verified.
    assert legal["named_in_document"].startswith("General Administration of Customs")
    assert v["code"] == short_code_with_check(cert["public_id"])
    assert [g["hs_code"] for g in v["certificate"]["goods_items"]] == ["940360", "950300"]
    assert v["sd_jwt"].count("~") > 10 and v["sandbox"] is False


def test_endorsed_certificate_is_certified_valid(client, fleet):
    cert = fleet.issue()
    fleet.endorse(cert)
    v = body(get(client, f"/v1/verify/{cert['public_id']}"))
    assert v["verdict"] == "certified_valid"
    legal = v["checks"]["legal"]
    assert legal["code"] == "endorsed" and legal["verified"] is True
    assert legal["by"]["id"] == "CN-GACC" and legal["number"] == "E26-4401-000123"


def test_endorsement_by_another_key_or_for_another_certificate_is_not_valid(client, fleet):
    from cryptography.hazmat.primitives.asymmetric import ec

    from originlink.signing import LocalKeySigner

    forged = fleet.issue()
    fleet.endorse(forged, signer=LocalKeySigner(ec.generate_private_key(ec.SECP256R1())))
    v = body(get(client, f"/v1/verify/{forged['public_id']}"))
    assert v["verdict"] == "not_valid"
    assert v["checks"]["legal"] == {**v["checks"]["legal"], "code": "endorsement_invalid"}
    other = fleet.issue()
    fleet.endorse(other, digest="sha256:" + "00" * 32)
    assert (
        body(get(client, f"/v1/verify/{other['public_id']}"))["checks"]["legal"]["reason"]
        == "not_this_certificate"
    )


def test_recorded_and_refused_and_declaration(client, fleet):
    recorded = fleet.issue()
    fleet.record_official(recorded)
    v = body(get(client, f"/v1/verify/{recorded['public_id']}"))
    legal = v["checks"]["legal"]
    assert v["verdict"] == "recorded_valid"
    assert legal["code"] == "recorded" and legal["verified"] is False
    assert legal["number"] == "E26-4401-000777" and legal["lookup_url"].startswith("https://")
    refused = fleet.issue()
    fleet.endorse(refused, decision="refused")
    v = body(get(client, f"/v1/verify/{refused['public_id']}"))
    assert v["verdict"] == "not_valid" and v["checks"]["legal"]["code"] == "refused"
    assert v["checks"]["legal"]["reasons"] == ["HS code does not match the goods"]
    declaration = fleet.issue(name="certificate-declaration.json")
    v = body(get(client, f"/v1/verify/{declaration['public_id']}"))
    assert v["verdict"] == "certified_valid"
    assert v["checks"]["legal"]["code"] == "approved_exporter"
    assert v["checks"]["legal"]["by"]["authorisation_code"]


def test_public_view_hides_private_fields(client, fleet):
    cert = fleet.issue()
    invoice = cert["certificate"]["invoices"][0]["number"]
    text = get(client, f"/v1/verify/{cert['public_id']}").body.decode()
    for secret in [*PRIVATE_TEXT, invoice]:
        assert secret not in text, secret
    page = get(client, f"/v/{cert['public_id']}").body.decode()
    for secret in ["4000.00", "Saigon Home Living", "Nguyen Hue", invoice]:
        assert secret not in page, secret


def test_access_code_unlocks_full_view_but_not_evidence(client, fleet):
    cert = fleet.issue()
    code = fleet.access_code(cert)
    r = get(client, f"/v1/verify/{cert['public_id']}", {"X-Access-Code": code.lower()})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "private, no-store"
    v = body(r)
    assert v["view"] == "code"
    item = v["certificate"]["goods_items"][0]
    assert item["fob_value"] == {"amount": "4000.00", "currency": "USD"}
    assert item["quantity"]["value"] == "40"
    assert v["certificate"]["importer"]["name"] == "Saigon Home Living JSC"
    assert v["certificate"]["invoices"] == cert["certificate"]["invoices"]
    assert "evidence" not in item  # supplier costs stay with exporter and customs


def test_wrong_access_code_is_refused(client, fleet):
    cert = fleet.issue()
    code = fleet.access_code(cert)
    wrong_check = code[:-1] + ("A" if code[-1] != "A" else "B")
    for bad in [wrong_check, "NOTACODE", "ABCDEFGHJK2" if code != "ABCDEFGHJK2" else "X"]:
        r = get(client, f"/v1/verify/{cert['public_id']}", {"X-Access-Code": bad})
        assert r.status_code == 403, bad
        assert body(r)["code"] == "access_code_invalid"
        assert "4000.00" not in r.body.decode()


def test_owner_key_sees_everything_other_exporter_sees_public(client, fleet):
    cert = fleet.issue()
    own = body(get(client, f"/v1/verify/{cert['public_id']}", fleet.auth()))
    assert own["view"] == "full" and "evidence" in own["certificate"]["goods_items"][0]
    assert own["certificate"] == cert["certificate"]  # the owner's view is the whole document
    other = body(get(client, f"/v1/verify/{cert['public_id']}", fleet.auth(fleet.other_key)))
    assert other["view"] == "public" and "4000.00" not in json.dumps(other)
    bad = get(client, f"/v1/verify/{cert['public_id']}", {"Authorization": "Bearer olk_nope"})
    assert bad.status_code == 401


def test_unknown_malformed_and_mistyped_ids_look_the_same(client, fleet, ctx, monkeypatch):
    cert = fleet.issue()
    code = short_code_with_check(cert["public_id"])
    # Swap the first two neighbours that differ: MOD 37-2 catches every such swap.
    i = next(i for i in range(len(code) - 1) if code[i] != code[i + 1])
    mistyped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
    calls = []
    for name in ("get_by_public_id", "get_version_by_public_id"):
        real = getattr(ctx.store, name)
        monkeypatch.setattr(ctx.store, name, lambda pid, real=real: calls.append(pid) or real(pid))
    unknown = "A" * 22
    answers = {}
    for probe in [unknown, "not-an-id", mistyped, "x" * 300]:
        r = get(client, f"/v1/verify/{probe}")
        answers[probe] = (r.status_code, body(r)["code"], body(r)["detail"])
    assert set(answers.values()) == {(404, "not_found", "no certificate matches this id or code")}
    assert calls == [unknown]  # malformed ids and wrong check characters never reach storage
    pages = {get(client, f"/v/{p}?lang=en").body for p in answers}
    assert len(pages) == 1
    assert get(client, f"/v/{unknown}").status_code == 404


def test_repeat_verification_reads_only_the_version(client, fleet, ctx, monkeypatch):
    """A cached verification is found by (id, version, day): the stored document is read
    again only after a change, and the change shows at once."""
    cert = fleet.issue()
    path = f"/v1/verify/{cert['public_id']}"
    assert body(get(client, path))["checks"]["status"]["code"] == "valid"
    full_reads = []
    real = ctx.store.get_by_public_id
    monkeypatch.setattr(
        ctx.store, "get_by_public_id", lambda pid: full_reads.append(pid) or real(pid)
    )
    for _ in range(3):
        assert body(get(client, path))["checks"]["status"]["code"] == "valid"
        assert get(client, f"/v/{cert['public_id']}?lang=en").status_code == 200
    assert full_reads == []
    fleet.cancel(cert)
    assert body(get(client, path))["checks"]["status"]["code"] == "cancelled"
    assert full_reads == [cert["public_id"]]


def test_short_code_and_upper_case_path_resolve(client, fleet):
    cert = fleet.issue()
    code = short_code_with_check(cert["public_id"])
    assert body(get(client, f"/v1/verify/{code}"))["public_id"] == cert["public_id"]
    assert get(client, f"/V/{code}").status_code == 200
    assert get(client, f"/v/{code.lower()}").status_code == 200


def test_cancelled(client, fleet):
    cert = fleet.issue()
    fleet.cancel(cert, "duplicate shipment")
    v = body(get(client, f"/v1/verify/{cert['public_id']}"))
    assert v["verdict"] == "not_valid"
    status = v["checks"]["status"]
    assert status["code"] == "cancelled" and status["reason"] == "duplicate shipment"
    assert status["since"].startswith(date.today().isoformat()[:4])
    assert v["checks"]["integrity"]["code"] == "signature_valid"  # still genuine, not valid


def test_replaced_links_to_replacement(client, fleet):
    cert = fleet.issue()
    new = fleet.replace(cert, "wrong description")
    status = body(get(client, f"/v1/verify/{cert['public_id']}"))["checks"]["status"]
    assert status["code"] == "replaced" and status["article"] == "Art 3.17.5"
    assert status["replaced_by"]["public_id"] == new["public_id"]
    assert status["reason"] == "wrong description"
    followed = body(get(client, status["replaced_by"]["verify"]))
    assert followed["checks"]["status"]["code"] == "valid"


def test_rejected_by_customs(client, fleet):
    cert = fleet.issue()
    fleet.reject(cert, "origin criterion not supported by evidence")
    status = body(get(client, f"/v1/verify/{cert['public_id']}"))["checks"]["status"]
    assert status["code"] == "rejected"
    assert status["reason"] == "origin criterion not supported by evidence"


def test_expired_after_one_year(client, fleet, monkeypatch):
    cert = fleet.issue()
    monkeypatch.setattr(verifier, "today", lambda: date(2027, 11, 21))
    v = body(get(client, f"/v1/verify/{cert['public_id']}"))
    assert v["checks"]["status"]["code"] == "expired"
    assert v["checks"]["status"]["article"] == "Art 3.16"
    assert v["verdict"] == "not_valid"


def test_tampered_document_fails_integrity(client, fleet, ctx):
    cert = fleet.issue()
    record = ctx.store.get_by_public_id(cert["public_id"])
    record.document["goods_items"][0]["hs_code"] = "940370"  # edited behind the service
    write_behind_the_service(ctx, record)
    v = body(get(client, f"/v1/verify/{cert['public_id']}"))
    assert v["checks"]["integrity"]["code"] == "digest_mismatch"
    assert v["verdict"] == "not_valid"


def test_etag_revalidation_and_status_change(client, fleet):
    cert = fleet.issue()
    path = f"/v1/verify/{cert['public_id']}"
    first = get(client, path)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=0, must-revalidate"
    again = get(client, path, {"If-None-Match": etag})
    assert again.status_code == 304 and again.body == b""
    fleet.cancel(cert)
    changed = get(client, path, {"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_signed_document_is_content_addressed_and_immutable(client, fleet):
    cert = fleet.issue()
    link = body(get(client, f"/v1/verify/{cert['public_id']}"))["links"]["document"]
    assert link.endswith(cert["digest"].split(":")[1])
    r = get(client, link)
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    doc = body(r)
    assert doc["sd_jwt"].startswith(cert["signature"]["jws"] + "~") and doc["view"] == "public"
    assert "4000.00" not in r.body.decode()
    assert get(client, link).body == r.body  # immutable: the same bytes on every request
    wrong = link[:-4] + "0000"
    assert get(client, wrong).status_code == 404
    full = get(client, link, {"X-Access-Code": fleet.access_code(cert)})
    assert full.headers["Cache-Control"].startswith("private")
    assert body(full)["certificate"]["goods_items"][0]["fob_value"]["amount"] == "4000.00"


def test_bulk_each_item_answered_independently(client, fleet):
    good = fleet.issue()
    cancelled = fleet.issue()
    fleet.cancel(cancelled)
    inv = good["certificate"]["invoices"][0]["number"]
    items = [
        good["public_id"],
        {"id": short_code_with_check(cancelled["public_id"])},
        "B" * 22,
        {"number": good["number"], "invoice": inv},
        {"number": good["number"]},
        42,
    ]
    r = client.http.post(
        "/v1/verify",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"items": items}),
    )
    assert r.status_code == 200
    results = body(r)["results"]
    assert [x["status"] for x in results] == [200, 200, 404, 200, 400, 400]
    assert results[0]["result"]["checks"]["status"]["code"] == "valid"
    assert results[1]["result"]["checks"]["status"]["code"] == "cancelled"
    assert results[3]["results"][0]["public_id"] == good["public_id"]
    assert results[4]["error"]["path"] == "items[4]"


def test_bulk_limits(client):
    def post(payload):
        return client.http.post(
            "/v1/verify", headers={"Content-Type": "application/json"}, body=json.dumps(payload)
        )

    too_many = post({"items": ["A" * 22] * 101})
    assert too_many.status_code == 422 and body(too_many)["code"] == "too_many_items"
    assert post({"items": ["A" * 22] * 100}).status_code == 200
    assert post({"ids": []}).status_code == 422
    bad_json = client.http.post(
        "/v1/verify", headers={"Content-Type": "application/json"}, body="{"
    )
    assert bad_json.status_code == 400


def test_typed_lookup_by_number_and_invoice(client, fleet):
    cert = fleet.issue()
    inv = cert["certificate"]["invoices"][0]["number"]
    found = get(client, f"/v1/verify?number={cert['number']}&invoice={inv}")
    assert found.status_code == 200
    assert [x["public_id"] for x in body(found)["results"]] == [cert["public_id"]]
    miss = get(client, f"/v1/verify?number={cert['number']}&invoice=WRONG")
    assert miss.status_code == 404
    missing = get(client, f"/v1/verify?number={cert['number']}")
    assert missing.status_code == 400 and body(missing)["errors"][0]["path"] == "invoice"


def test_qr_svg(client, fleet, ctx):
    ctx.settings.public_url = "https://verify.originlink.example"
    cert = fleet.issue()
    r = get(client, f"/v1/qr/{cert['public_id']}.svg")
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/svg+xml"
    assert r.body.startswith(b"<?xml") or b"<svg" in r.body[:200]
    url = r.headers["X-Verification-Url"]
    assert url == "HTTPS://VERIFY.ORIGINLINK.EXAMPLE/V/" + short_code_with_check(cert["public_id"])
    from .qr_reader import read_svg

    assert read_svg(r.body.decode()) == [("alphanumeric", url)]  # the image encodes the link
    assert get(client, f"/v1/qr/{cert['public_id']}.png").status_code == 404
    assert get(client, f"/v1/qr/{cert['public_id']}.svg?with_code=1").status_code == 403
    own = get(client, f"/v1/qr/{cert['public_id']}.svg?with_code=1", fleet.auth())
    assert own.status_code == 200 and own.body != r.body
    decoded = "".join(text for _, text in read_svg(own.body.decode()))
    assert decoded == url + "#" + fleet.access_code(cert)


def test_credential_verifies_with_published_jwks(client, fleet):
    cert = fleet.issue()
    jwks = body(get(client, "/.well-known/jwks.json"))
    answer = body(get(client, f"/v1/verify/{cert['public_id']}/credential"))
    token = answer["credential"]
    assert answer["enveloped"]["type"] == "EnvelopedVerifiableCredential"
    report = verify_credential(token, jwks)
    assert report.ok, report.checks
    subject = report.subject
    assert subject["number"] == cert["number"] and subject["document_hash"] == cert["digest"]
    assert "fob_value" not in json.dumps(subject)
    raw = get(
        client, f"/v1/verify/{cert['public_id']}/credential", {"Accept": "application/vc+jwt"}
    )
    assert raw.headers["Content-Type"] == "application/vc+jwt" and raw.body.decode() == token


def test_did_web_document_lists_jwks_keys(client, fleet, ctx):
    ctx.settings.public_url = "https://verify.example.com"
    fleet.issue()
    jwks = body(get(client, "/.well-known/jwks.json"))
    did = body(get(client, "/.well-known/did.json", {"Host": "verify.example.com"}))
    assert did["id"] == "did:web:verify.example.com"
    kids = [k["kid"] for k in jwks["keys"]]
    assert [m["id"] for m in did["verificationMethod"]] == [f"{did['id']}#{k}" for k in kids]
    assert did["assertionMethod"] == [m["id"] for m in did["verificationMethod"]]


@pytest.mark.parametrize(
    "host", ["evil.example", "verify.example.com:8443", "evil.example?x=1", "a#b", "/", "a b"]
)
def test_host_never_chooses_the_issuer(client, fleet, ctx, host):
    """Links, the QR, the credential's issuer and status URL come from the configured origin;
    a request for another Host is refused (421), never signed for it."""
    ctx.settings.public_url = "https://verify.example.com"
    cert = fleet.issue()
    pid = cert["public_id"]
    for path in [
        f"/v1/qr/{pid}.svg",
        f"/v1/verify/{pid}/credential",
        "/.well-known/did.json",
        f"/v1/verify/{pid}",
        f"/v/{pid}",
    ]:
        r = get(client, path, {"Host": host})
        assert r.status_code == 421, (path, r.status_code)
        assert body(r)["code"] == "misdirected_request"
    assert get(client, "/healthz", {"Host": host}).status_code == 200  # load balancers


def test_links_come_from_the_configured_origin(client, fleet, ctx):
    ctx.settings.public_url = "https://verify.example.com"
    cert = fleet.issue()
    pid = cert["public_id"]
    headers = {"Host": "VERIFY.example.com:443", "X-Forwarded-Proto": "http"}
    r = get(client, f"/v1/qr/{pid}.svg", headers)
    assert r.status_code == 200
    assert r.headers["X-Verification-Url"].startswith("HTTPS://VERIFY.EXAMPLE.COM/V/")
    assert cert["links"]["print"]["url"].startswith("HTTPS://VERIFY.EXAMPLE.COM/V/")


@pytest.mark.parametrize("path", ["/v1/verify/", "/v1/qr/"])
def test_no_500_on_odd_paths(client, path):
    assert get(client, path + "%00").status_code in (400, 404)


def test_routes_are_in_the_openapi_document(client):
    paths = body(get(client, "/v1/openapi.json"))["paths"]
    for path in [
        "/v1/verify/{public_id}",
        "/v1/verify",
        "/v1/qr/{public_id}.svg",
        "/v/{public_id}",
    ]:
        assert path in paths, path
    assert "post" in paths["/v1/verify"] and "get" in paths["/v1/verify"]


def test_status_attestation_is_signed_and_etag_is_stable(client, fleet):
    from originlink.signing import verify_jws
    from originlink_service.verification import verifier as v

    cert = fleet.issue()
    path = f"/v1/verify/{cert['public_id']}"
    first = get(client, path)
    jwks = body(get(client, "/.well-known/jwks.json"))
    claims = verify_jws(body(first)["status_attestation"], jwks)
    assert claims["sub"] == cert["public_id"] and claims["status"] == "valid"
    assert claims["digest"] == cert["digest"]
    v.clear_caches()  # another worker process would sign again (new ECDSA signature)...
    second = get(client, path)
    assert body(second)["status_attestation"] != body(first)["status_attestation"]
    assert second.headers["ETag"] == first.headers["ETag"]  # ...and agree on the ETag


def test_bitstring_status_list(client, fleet):
    """W3C Bitstring Status List next to the JSON status: the credential points to the list,
    the list is a signed vc+jwt, and its bit flips when the certificate is cancelled."""
    from joserfc import jws
    from joserfc.jwk import KeySet

    from originlink.credentials.statuslist import LIST_BITS, bit

    cert = fleet.issue()
    pid = cert["public_id"]
    v = body(get(client, f"/v1/verify/{pid}"))
    token = body(get(client, f"/v1/verify/{pid}/credential"))["credential"]
    jwks = body(get(client, "/.well-known/jwks.json"))
    statuses = verify_credential(token, jwks)
    assert statuses.ok
    claims = json.loads(jws.extract_compact(token.encode()).payload)
    entry = next(s for s in claims["credentialStatus"] if s["type"] == "BitstringStatusListEntry")
    assert entry["statusListCredential"].endswith(v["links"]["status_list"])
    assert entry["statusPurpose"] == "revocation" and entry["statusListIndex"] == "0"

    def list_bit() -> int:
        raw = get(client, v["links"]["status_list"], {"Accept": "application/vc+jwt"})
        assert raw.headers["Content-Type"] == "application/vc+jwt"
        keys = KeySet.import_key_set(jwks)
        kid = json.loads(base64.urlsafe_b64decode(raw.body.split(b".")[0] + b"==="))["kid"]
        payload = json.loads(
            jws.deserialize_compact(raw.body, keys.get_by_kid(kid.rpartition("#")[2])).payload
        )
        assert payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
        subject = payload["credentialSubject"]
        assert subject["statusPurpose"] == "revocation"
        with pytest.raises(IndexError):
            bit(subject["encodedList"], LIST_BITS)  # exactly the minimum length
        return bit(subject["encodedList"], int(entry["statusListIndex"]))

    assert list_bit() == 0
    fleet.cancel(cert)
    assert list_bit() == 1
    assert get(client, "/v1/status-lists/" + "A" * 22).status_code == 404
