"""originlink.credentials.certification: an issuing body's endorsement verifies against its own
keys and only for the certificate it names."""

from __future__ import annotations

import rfc8785
from cryptography.hazmat.primitives.asymmetric import ec

from originlink.credentials.certification import (
    ENDORSEMENT_TYP,
    endorsement_claims,
    verify_endorsement,
)
from originlink.signing import LocalKeySigner, sign_jws

DIGEST = "sha256:" + "ab" * 32
NUMBER = "CN-RCEP-2026-000123"


def _body():
    return LocalKeySigner(ec.generate_private_key(ec.SECP256R1()))


def _endorse(signer, **overrides):
    claims = endorsement_claims(
        issuing_body="CN-GACC",
        decision="endorsed",
        digest=DIGEST,
        number=NUMBER,
        at="2026-11-29T10:00:00Z",
        certificate_number="E26-4401-000123",
    )
    claims.update(overrides)
    return sign_jws(rfc8785.dumps(claims), signer, typ=ENDORSEMENT_TYP)


def test_endorsement_verifies_against_the_issuing_bodys_keys():
    body = _body()
    check = verify_endorsement(
        _endorse(body), jwks={"keys": [body.public_jwk]}, digest=DIGEST, number=NUMBER
    )
    assert check.ok and check.code == "endorsed"
    assert check.claims["certificate_number"] == "E26-4401-000123"


def test_another_key_or_another_certificate_fails():
    body, impostor = _body(), _body()
    token = _endorse(impostor)
    check = verify_endorsement(
        token, jwks={"keys": [body.public_jwk]}, digest=DIGEST, number=NUMBER
    )
    assert (check.ok, check.code) == (False, "unknown_key")
    jwks = {"keys": [body.public_jwk]}
    other = verify_endorsement(
        _endorse(body), jwks=jwks, digest="sha256:" + "cd" * 32, number=NUMBER
    )
    assert (other.ok, other.code) == (False, "not_this_certificate")
    renumbered = verify_endorsement(_endorse(body), jwks=jwks, digest=DIGEST, number="X-1")
    assert renumbered.code == "not_this_certificate"


def test_a_tampered_token_and_garbage_fail_without_raising():
    body = _body()
    jwks = {"keys": [body.public_jwk]}
    head, payload, sig = _endorse(body).split(".")
    forged = _endorse(body, decision="endorsed", number="CN-RCEP-2026-999999").split(".")[1]
    assert verify_endorsement(
        f"{head}.{forged}.{sig}", jwks=jwks, digest=DIGEST, number=NUMBER
    ).code == ("signature_invalid")
    for junk in ("", "a.b", "x.y.z", None, 42):
        assert verify_endorsement(junk, jwks=jwks, digest=DIGEST, number=NUMBER).ok is False


def test_a_refusal_is_signed_too_and_never_ok():
    body = _body()
    token = _endorse(body, decision="refused", reasons=["Box 10: criterion not supported"])
    check = verify_endorsement(
        token, jwks={"keys": [body.public_jwk]}, digest=DIGEST, number=NUMBER
    )
    assert (check.ok, check.code) == (False, "refused")
    assert "Box 10" in check.message


def test_a_declaration_by_any_exporter_or_producer_is_said_plainly_never_green():
    """Art 3.16.1(c): the exporter or producer is the author; no issuing body, no approval."""
    from originlink.credentials.legal import headline, legal_certification

    legal = legal_certification(
        "declaration_of_origin_by_exporter_or_producer",
        None,
        issuing_body=None,
        digest=DIGEST,
        number=NUMBER,
    )
    assert legal == {
        "code": "exporter_or_producer",
        "verified": False,
        "by": {"kind": "exporter_or_producer"},
        "article": "Art 3.16.1(c)",
    }
    assert headline(integrity_ok=True, status_ok=True, legal=legal) == "declared_valid"
    assert headline(integrity_ok=False, status_ok=True, legal=legal) == "not_valid"
    approved = legal_certification(
        "declaration_of_origin", None, issuing_body=None, digest=DIGEST, number=NUMBER
    )
    assert headline(integrity_ok=True, status_ok=True, legal=approved) == "certified_valid"
