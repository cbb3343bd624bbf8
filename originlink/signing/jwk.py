"""Public keys as JWK (RFC 7517) and their RFC 7638 thumbprints, used as key ids."""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.hazmat.primitives.asymmetric import ec

_COORD_BYTES = 32  # P-256


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwk_thumbprint(jwk: dict) -> str:
    """RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace."""
    if jwk.get("kty") != "EC":
        raise ValueError("only EC keys are supported")
    required = {"crv": jwk["crv"], "kty": "EC", "x": jwk["x"], "y": jwk["y"]}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return _b64(hashlib.sha256(canonical).digest())


def public_jwk(key: ec.EllipticCurvePublicKey) -> dict:
    """JWK of a P-256 public key, with `kid` = its RFC 7638 thumbprint."""
    if not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("only P-256 keys are supported (ES256)")
    numbers = key.public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64(numbers.x.to_bytes(_COORD_BYTES, "big")),
        "y": _b64(numbers.y.to_bytes(_COORD_BYTES, "big")),
    }
    return {**jwk, "kid": jwk_thumbprint(jwk), "alg": "ES256", "use": "sig"}


def public_key_from_jwk(jwk: dict) -> ec.EllipticCurvePublicKey:
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise ValueError("only EC P-256 keys are supported")

    def coord(name: str) -> int:
        raw = base64.urlsafe_b64decode(jwk[name] + "=" * (-len(jwk[name]) % 4))
        if len(raw) != _COORD_BYTES:
            raise ValueError(f"bad {name} coordinate")
        return int.from_bytes(raw, "big")

    # `public_key()` without a backend argument works from cryptography 3.1 on.
    return ec.EllipticCurvePublicNumbers(coord("x"), coord("y"), ec.SECP256R1()).public_key()
