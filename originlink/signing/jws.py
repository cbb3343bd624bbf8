"""Compact JWS (RFC 7515) with ES256: the signature is the JOSE form r||s (RFC 7518 §3.4)."""

from __future__ import annotations

import base64
import binascii
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from .jwk import public_key_from_jwk

ALG = "ES256"


class JwsError(ValueError):
    """The token is malformed, its key is unknown, or its signature does not verify."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise JwsError("not base64url") from exc


def _json_segment(obj: dict) -> str:
    return b64url_encode(json.dumps(obj, separators=(",", ":"), sort_keys=True).encode("utf-8"))


def sign_jws(payload: bytes, signer, *, typ: str = "JWT", extra_header: dict | None = None) -> str:
    """`header.payload.signature`, signed by `signer` (see `signers.Signer`)."""
    header = {"alg": signer.alg, "kid": signer.kid, "typ": typ, **(extra_header or {})}
    signing_input = f"{_json_segment(header)}.{b64url_encode(payload)}"
    signature = signer.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


def decode_unverified(token: str) -> tuple[dict, bytes]:
    """(header, payload bytes) without checking anything — for display and key lookup only."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        raise JwsError("not a compact JWS (three dot-separated parts)")
    try:
        header = json.loads(b64url_decode(parts[0]))
    except ValueError as exc:
        raise JwsError("header is not JSON") from exc
    if not isinstance(header, dict):
        raise JwsError("header is not a JSON object")
    return header, b64url_decode(parts[1])


def verify_jws(token: str, jwks: dict | list) -> dict:
    """Check an ES256 compact JWS against a JWKS (`{"keys": [...]}` or a list of JWKs) and
    return its JSON payload. Raises `JwsError` saying why when it does not verify."""
    header, payload = decode_unverified(token)
    if header.get("alg") != ALG:
        raise JwsError(f"unsupported alg {header.get('alg')!r} (only {ALG})")
    keys = jwks.get("keys", []) if isinstance(jwks, dict) else list(jwks)
    jwk = next((k for k in keys if k.get("kid") == header.get("kid")), None)
    if jwk is None:
        raise JwsError(f"unknown key id {header.get('kid')!r}")
    signature = b64url_decode(token.rsplit(".", 1)[1])
    if len(signature) != 64:
        raise JwsError("ES256 signature must be 64 bytes (r||s)")
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    signing_input = token.rsplit(".", 1)[0].encode("ascii")
    try:
        public_key_from_jwk(jwk).verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError) as exc:
        raise JwsError("signature does not verify") from exc
    try:
        claims = json.loads(payload)
    except ValueError as exc:
        raise JwsError("payload is not JSON") from exc
    if not isinstance(claims, dict):
        raise JwsError("payload is not a JSON object")
    return claims
