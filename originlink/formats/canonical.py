"""Canonical JSON (RFC 8785, JCS) of a certificate and its SHA-256 digest.

The canonical form is built from `cert.model_dump(mode="json")`: amounts and quantities are
decimal strings, so no JSON number (and no float formatting) is involved and the bytes are
stable across Python versions and platforms. The digest is what gets signed.
"""

from __future__ import annotations

import hashlib

import rfc8785

from originlink.model import Certificate, parse_certificate


def _as_json_dict(doc: Certificate | dict) -> dict:
    if isinstance(doc, Certificate):
        return doc.model_dump(mode="json")
    # A dict is first read as a certificate so equal documents give equal bytes
    # (defaults filled in, decimals normalised); raises CertificateInvalid if it is not one.
    return parse_certificate(doc).model_dump(mode="json")


def canonical_bytes(doc: Certificate | dict) -> bytes:
    """RFC 8785 canonical JSON of the certificate (UTF-8 bytes)."""
    return rfc8785.dumps(_as_json_dict(doc))


def digest(doc: Certificate | dict) -> str:
    """ "sha256:<64 hex>" of the canonical bytes."""
    return "sha256:" + hashlib.sha256(canonical_bytes(doc)).hexdigest()
