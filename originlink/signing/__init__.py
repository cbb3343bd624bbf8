"""Signatures anyone can check: canonical JSON → SHA-256 → compact JWS (ES256).

One `Signer` interface with two implementations — a local P-256 key file (`LocalKeySigner`) and
AWS KMS (`KmsSigner`, ECC_NIST_P256 with MessageType RAW) — plus JWKS with RFC 7638 key ids and
`verify_jws(token, jwks)` for verifiers.

Import this package only where signing is needed: it requires `cryptography` (any version from
3.4.8, the one Odoo 19 pins), which the rest of the core does not.
"""

from .jwk import jwk_thumbprint, public_jwk
from .jws import JwsError, b64url_decode, b64url_encode, sign_jws, verify_jws
from .keyring import KmsKeyring, LocalKeyring
from .signers import KmsSigner, LocalKeySigner, Signer

__all__ = [
    "JwsError",
    "KmsKeyring",
    "KmsSigner",
    "LocalKeySigner",
    "LocalKeyring",
    "Signer",
    "b64url_decode",
    "b64url_encode",
    "jwk_thumbprint",
    "public_jwk",
    "sign_jws",
    "verify_jws",
]
