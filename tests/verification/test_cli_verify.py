"""`originlink verify FILE --jwks JWKS.json`: offline checks of downloaded files."""

from __future__ import annotations

import json

from originlink.cli import main
from originlink.signing import b64url_decode, b64url_encode


def download(client, path, headers=None) -> str:
    r = client.http.get(path, headers=headers or {})
    assert r.status_code == 200, r.body
    return r.body.decode()


def files(tmp_path, client, fleet):
    cert = fleet.issue()
    pid = cert["public_id"]
    jwks = tmp_path / "jwks.json"
    jwks.write_text(download(client, "/.well-known/jwks.json"))
    vc = tmp_path / "credential.jwt"
    vc.write_text(
        download(client, f"/v1/verify/{pid}/credential", {"Accept": "application/vc+jwt"})
    )
    link = json.loads(download(client, f"/v1/verify/{pid}"))["links"]["document"]
    public_doc = tmp_path / "public.json"
    public_doc.write_text(download(client, link))
    full_doc = tmp_path / "full.json"
    full_doc.write_text(download(client, link, fleet.auth()))
    return cert, jwks, vc, public_doc, full_doc


def test_verifies_credential_and_documents(tmp_path, client, fleet, capsys):
    cert, jwks, vc, public_doc, full_doc = files(tmp_path, client, fleet)
    assert main(["verify", str(vc), "--jwks", str(jwks)]) == 0
    out = capsys.readouterr().out
    assert "signature_valid" in out and "not_checked_offline" in out and "VERIFIED" in out
    assert main(["verify", str(public_doc), "--jwks", str(jwks), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["kind"] == "signed_certificate"
    assert {c["code"] for c in report["checks"]} >= {"signature_valid", "selectively_disclosed"}
    assert report["view"] == "public"
    groups = {g["group"]: g["state"] for g in report["coverage"]}
    assert groups["goods"] == "shown_and_signed" and groups["importer"] == "withheld"
    assert main(["verify", str(full_doc), "--jwks", str(jwks), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "digest_match" in {c["code"] for c in report["checks"]}


def test_tampering_is_detected(tmp_path, client, fleet, capsys):
    _, jwks, vc, _, full_doc = files(tmp_path, client, fleet)
    header, payload, sig = vc.read_text().strip().split(".")
    claims = json.loads(b64url_decode(payload))
    claims["credentialSubject"]["goods_items"][0]["hs_code"] = "940370"
    forged = tmp_path / "forged.jwt"
    forged.write_text(".".join([header, b64url_encode(json.dumps(claims).encode()), sig]))
    assert main(["verify", str(forged), "--jwks", str(jwks)]) == 1
    assert "signature_invalid" in capsys.readouterr().out

    doc = json.loads(full_doc.read_text())
    doc["certificate"]["goods_items"][0]["fob_value"]["amount"] = "400.00"
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(doc))
    assert main(["verify", str(altered), "--jwks", str(jwks)]) == 1
    assert "claims_mismatch" in capsys.readouterr().out


def test_unknown_key_and_bad_input(tmp_path, client, fleet, capsys):
    _, jwks, vc, _, _ = files(tmp_path, client, fleet)
    empty = tmp_path / "empty-jwks.json"
    empty.write_text('{"keys": []}')
    assert main(["verify", str(vc), "--jwks", str(empty)]) == 1
    assert "unknown_key" in capsys.readouterr().out
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("hello")
    assert main(["verify", str(garbage), "--jwks", str(jwks)]) == 2
    assert main(["verify", str(tmp_path / "missing"), "--jwks", str(jwks)]) == 2
    assert main(["verify", str(vc), "--jwks", str(garbage)]) == 2
    assert "not JSON" in capsys.readouterr().err


def test_saved_verification_answer_has_a_signed_status(tmp_path, client, fleet, capsys):
    _, jwks, _, _, _ = files(tmp_path, client, fleet)
    cert = fleet.issue()
    fleet.cancel(cert, "duplicate")
    answer = tmp_path / "answer.json"
    answer.write_text(download(client, f"/v1/verify/{cert['public_id']}"))
    # Cancelled: the signature holds, the status check fails -> exit 1, saying why.
    assert main(["verify", str(answer), "--jwks", str(jwks), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["kind"] == "verification_response"
    codes = {c["check"]: c["code"] for c in report["checks"]}
    assert codes == {
        "integrity": "signature_valid",
        "document": "selectively_disclosed",
        "legal": "not_certified",
        "status": "cancelled",
    }
    assert report["subject"]["reason"] == "duplicate"
    # Editing the answer to claim "valid" is caught.
    data = json.loads(answer.read_text())
    data["checks"]["status"]["code"] = "valid"
    answer.write_text(json.dumps(data))
    assert main(["verify", str(answer), "--jwks", str(jwks)]) == 1
    assert "claims_mismatch" in capsys.readouterr().out


def test_an_endorsement_in_a_saved_answer_is_checked_offline_against_the_issuing_body(
    tmp_path, client, fleet, capsys
):
    """The issuing body's own signature travels in the answer: with that body's published
    keys it verifies offline; without them it is reported as not checked, never as verified;
    with another body's keys it fails."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from originlink.signing import LocalKeySigner

    _, jwks, _, _, _ = files(tmp_path, client, fleet)
    cert = fleet.issue()
    fleet.endorse(cert)
    answer = tmp_path / "endorsed.json"
    answer.write_text(download(client, f"/v1/verify/{cert['public_id']}"))
    body_keys = tmp_path / "gacc-jwks.json"
    body_keys.write_text(json.dumps({"keys": [fleet.body_signer.public_jwk]}))

    assert main(["verify", str(answer), "--jwks", str(jwks), "--json"]) == 0
    legal = next(c for c in json.loads(capsys.readouterr().out)["checks"] if c["check"] == "legal")
    assert (legal["ok"], legal["code"]) == (None, "not_checked_offline")

    args = ["verify", str(answer), "--jwks", str(jwks), "--issuer-jwks", str(body_keys)]
    assert main([*args, "--json"]) == 0
    legal = next(c for c in json.loads(capsys.readouterr().out)["checks"] if c["check"] == "legal")
    assert (legal["ok"], legal["code"]) == (True, "endorsed")

    other = tmp_path / "other-jwks.json"
    impostor = LocalKeySigner(ec.generate_private_key(ec.SECP256R1()))
    other.write_text(json.dumps({"keys": [impostor.public_jwk]}))
    assert main(["verify", str(answer), "--jwks", str(jwks), "--issuer-jwks", str(other)]) == 1
    assert "unknown_key" in capsys.readouterr().out
    # The endorsement cannot be swapped for another certificate's: the answer is signed whole.
    data = json.loads(answer.read_text())
    data["checks"]["legal"]["endorsement"] = data["checks"]["legal"]["endorsement"][::-1]
    answer.write_text(json.dumps(data))
    assert main([*args]) == 1
    assert "claims_mismatch" in capsys.readouterr().out
