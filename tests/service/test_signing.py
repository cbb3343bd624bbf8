"""Signer interface: local key and AWS KMS (under moto), JWS ES256, JWKS kids, rotation."""

from __future__ import annotations

import base64
import hashlib
import json
import stat

import boto3
import pytest

from originlink.signing import (
    JwsError,
    KmsKeyring,
    KmsSigner,
    LocalKeyring,
    LocalKeySigner,
    Signer,
    b64url_encode,
    jwk_thumbprint,
    sign_jws,
    verify_jws,
)

PAYLOAD = json.dumps({"digest": "sha256:" + "ab" * 32}).encode()


def test_local_signer_round_trip_and_key_file_mode(tmp_path):
    signer = LocalKeySigner.generate(tmp_path / "k.pem")
    assert isinstance(signer, Signer)
    assert stat.S_IMODE((tmp_path / "k.pem").stat().st_mode) == 0o600
    token = sign_jws(PAYLOAD, signer)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "ES256", "kid": signer.kid, "typ": "JWT"}
    assert verify_jws(token, {"keys": [signer.public_jwk]}) == json.loads(PAYLOAD)
    # Loading the file gives the same key.
    assert LocalKeySigner.load(tmp_path / "k.pem").kid == signer.kid


def test_kid_is_the_rfc7638_thumbprint(tmp_path):
    jwk = LocalKeySigner.generate(tmp_path / "k.pem").public_jwk
    members = '{"crv":"P-256","kty":"EC","x":"' + jwk["x"] + '","y":"' + jwk["y"] + '"}'
    expected = base64.urlsafe_b64encode(hashlib.sha256(members.encode()).digest()).rstrip(b"=")
    assert jwk["kid"] == expected.decode() == jwk_thumbprint(jwk)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"),  # signature
        lambda t: t.split(".")[0] + "." + b64url_encode(b'{"digest":"x"}') + "." + t.split(".")[2],
        lambda t: "not-a-token",
        lambda t: t.rsplit(".", 1)[0] + ".",
    ],
)
def test_tampered_tokens_do_not_verify(tmp_path, tamper):
    signer = LocalKeySigner.generate(tmp_path / "k.pem")
    token = sign_jws(PAYLOAD, signer)
    with pytest.raises(JwsError):
        verify_jws(tamper(token), {"keys": [signer.public_jwk]})


def test_unknown_kid_and_wrong_alg_are_refused(tmp_path):
    signer = LocalKeySigner.generate(tmp_path / "a.pem")
    other = LocalKeySigner.generate(tmp_path / "b.pem")
    token = sign_jws(PAYLOAD, signer)
    with pytest.raises(JwsError, match="unknown key id"):
        verify_jws(token, {"keys": [other.public_jwk]})
    none_header = b64url_encode(json.dumps({"alg": "none", "kid": signer.kid}).encode())
    with pytest.raises(JwsError, match="unsupported alg"):
        verify_jws(none_header + "." + token.split(".", 1)[1], [signer.public_jwk])


def test_rotation_keeps_retired_keys_verifying(tmp_path):
    ring = LocalKeyring(tmp_path / "keys")
    first = ring.active_signer()  # created on first use
    assert ring.active_signer().kid == first.kid  # and then reused
    old_token = sign_jws(PAYLOAD, first)
    second = ring.rotate()
    assert second.kid != first.kid
    assert ring.active_signer().kid == second.kid
    assert [(k["kid"], k["status"]) for k in ring.keys()] == [
        (second.kid, "active"),
        (first.kid, "retired"),
    ]
    jwks = ring.jwks()
    assert {k["kid"] for k in jwks["keys"]} == {first.kid, second.kid}
    assert all("d" not in k for k in jwks["keys"])  # never the private part
    assert verify_jws(old_token, jwks) == json.loads(PAYLOAD)
    assert verify_jws(sign_jws(PAYLOAD, ring.active_signer()), jwks) == json.loads(PAYLOAD)


@pytest.fixture
def kms(aws_env):
    return boto3.client("kms", region_name="ap-southeast-1")


def test_kms_signer_es256_raw_message(kms):
    key_id = KmsKeyring.create_key(kms)
    signer = KmsSigner(kms, key_id)
    assert isinstance(signer, Signer)
    token = sign_jws(PAYLOAD, signer)
    assert len(base64.urlsafe_b64decode(token.split(".")[2] + "==")) == 64  # JOSE r||s
    assert verify_jws(token, {"keys": [signer.public_jwk]}) == json.loads(PAYLOAD)
    # KMS itself agrees that the signature (converted back to DER) is its own.
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    sig = base64.urlsafe_b64decode(token.split(".")[2] + "==")
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    verdict = kms.verify(
        KeyId=key_id,
        Message=token.rsplit(".", 1)[0].encode(),
        MessageType="RAW",
        Signature=der,
        SigningAlgorithm="ECDSA_SHA_256",
    )
    assert verdict["SignatureValid"] is True


def test_kms_keyring_publishes_active_and_retired(kms):
    old_id, new_id = KmsKeyring.create_key(kms), KmsKeyring.create_key(kms)
    old_token = sign_jws(PAYLOAD, KmsSigner(kms, old_id))
    ring = KmsKeyring(kms, new_id, [old_id])
    assert [k["status"] for k in ring.keys()] == ["active", "retired"]
    assert verify_jws(old_token, ring.jwks()) == json.loads(PAYLOAD)
    assert ring.active_signer().kid == ring.jwks()["keys"][0]["kid"]
