"""The `Signer` interface and its two implementations: a local key file and AWS KMS."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from .jwk import public_jwk


@runtime_checkable
class Signer(Protocol):
    """Signs JWS signing input; `sign` returns the JOSE signature (64 bytes r||s for ES256)."""

    alg: str

    @property
    def kid(self) -> str: ...

    @property
    def public_jwk(self) -> dict: ...

    def sign(self, data: bytes) -> bytes: ...


def der_to_jose(der: bytes) -> bytes:
    """ECDSA DER signature (what OpenSSL and KMS return) → JOSE r||s, 32 bytes each."""
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


class LocalKeySigner:
    """A P-256 private key in a PEM file (PKCS#8, mode 0600)."""

    alg = "ES256"

    def __init__(self, private_key: ec.EllipticCurvePrivateKey):
        self._key = private_key
        self._jwk = public_jwk(private_key.public_key())

    @classmethod
    def generate(cls, path: Path) -> LocalKeySigner:
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: never overwrite a key; 0600 from the start, no window with wider rights.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        return cls(key)

    @classmethod
    def load(cls, path: Path) -> LocalKeySigner:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{path}: not an EC private key")
        return cls(key)

    @property
    def kid(self) -> str:
        return self._jwk["kid"]

    @property
    def public_jwk(self) -> dict:
        return dict(self._jwk)

    def sign(self, data: bytes) -> bytes:
        return der_to_jose(self._key.sign(data, ec.ECDSA(hashes.SHA256())))


class KmsSigner:
    """An asymmetric KMS key (KeySpec ECC_NIST_P256, KeyUsage SIGN_VERIFY). KMS hashes the
    message itself (MessageType RAW, ECDSA_SHA_256); the private key never leaves KMS."""

    alg = "ES256"

    def __init__(self, kms_client, key_id: str):
        self._kms = kms_client
        self.key_id = key_id
        self._jwk: dict | None = None

    @property
    def public_jwk(self) -> dict:
        if self._jwk is None:
            der = self._kms.get_public_key(KeyId=self.key_id)["PublicKey"]
            key = serialization.load_der_public_key(der)
            if not isinstance(key, ec.EllipticCurvePublicKey):
                raise ValueError(f"KMS key {self.key_id} is not an EC key")
            self._jwk = public_jwk(key)
        return dict(self._jwk)

    @property
    def kid(self) -> str:
        return self.public_jwk["kid"]

    def sign(self, data: bytes) -> bytes:
        if len(data) > 4096:  # KMS limit for MessageType RAW
            raise ValueError("message too long for KMS RAW signing (max 4096 bytes)")
        response = self._kms.sign(
            KeyId=self.key_id,
            Message=data,
            MessageType="RAW",
            SigningAlgorithm="ECDSA_SHA_256",
        )
        return der_to_jose(response["Signature"])
