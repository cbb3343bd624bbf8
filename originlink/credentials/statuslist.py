"""W3C Bitstring Status List v1.0 for the certificate credentials (the status mechanism the UN
Transparency Protocol credential profile expects), next to the JSON status at /v1/verify.

Each certificate has its own list credential (`statusListIndex` 0 of a 131,072-bit list, the
minimum length the specification sets): bit 0 is 1 once the certificate is revoked —
cancelled or replaced (Art 3.17.5). A list per certificate needs no shared counter in the
store; it gives up the "herd privacy" of a shared list, which buys nothing here: the
certificate and its JSON status are public by design, and the list reveals nothing the
status does not (docs/verification.md).

`encodedList` is the Multibase base64url (prefix `u`) of the GZIP-compressed bitstring, the
first index being the most significant bit of the first byte.
"""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime, timedelta

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"  # as in credential.py (which imports this)

LIST_BITS = 131_072  # 16 KiB: the specification's minimum
LIST_TYPE = "BitstringStatusListCredential"
ENTRY_TYPE = "BitstringStatusListEntry"


def encode(revoked_indices: set[int], size: int = LIST_BITS) -> str:
    bits = bytearray(size // 8)
    for index in revoked_indices:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def bit(encoded_list: str, index: int) -> int:
    """The status bit at `index` of an `encodedList` (what a verifier reads)."""
    if not encoded_list.startswith("u"):
        raise ValueError("encodedList must be Multibase base64url (prefix 'u')")
    data = encoded_list[1:]
    raw = gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    return (raw[index // 8] >> (7 - index % 8)) & 1


def entry(list_url: str, index: int = 0) -> dict:
    """The `credentialStatus` entry a credential carries."""
    return {
        "id": f"{list_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def list_credential(
    list_url: str, *, issuer_did: str, revoked: bool, now: datetime | None = None, ttl_s: int = 300
) -> dict:
    """The status list credential (to be secured as `vc+jwt`), valid for `ttl_s` seconds: a
    verifier fetches it again after that."""
    now = now or datetime.now(UTC)
    return {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", LIST_TYPE],
        "issuer": issuer_did,
        "validFrom": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "validUntil": (now + timedelta(seconds=ttl_s)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode({0} if revoked else set()),
        },
        "iss": issuer_did,
        "iat": int(now.timestamp()),
    }
