"""HMAC-SHA256 signatures of HTTP messages between OriginLink and its peers: callbacks from a
customs destination or issuing body, and the webhooks the service rings for an exporter.

The sender signs the timestamp and the exact body bytes with the secret both sides hold:

    OriginLink-Timestamp: 1764410400                       (Unix seconds, UTC)
    OriginLink-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>
    OriginLink-Message-Id: <the message id, also in the body>

The receiver recomputes the HMAC over the raw body (before any JSON parsing), compares in
constant time, and refuses a timestamp more than five minutes away from its clock. The message
id is inside the signed body, so a receiver that remembers the ids it applied also refuses
replays within the window. During a secret rotation the signature header may carry several
`sha256=` values separated by commas; one match is enough. Only the standard library is used,
so any receiver (the Odoo addon included) can check it in a few lines.

>>> body = b'{"id":"msg_1"}'
>>> headers = signed_headers("a-shared-secret-of-at-least-32-chars", body, message_id="msg_1",
...                          now=1764410400)
>>> headers["OriginLink-Signature"]
'sha256=5f8a504fb5b0bab1bdebd143c62ff51be09d87fbf79d7ebbaeb2f1a56cbb96ab'
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass

TIMESTAMP_HEADER = "OriginLink-Timestamp"
SIGNATURE_HEADER = "OriginLink-Signature"
MESSAGE_ID_HEADER = "OriginLink-Message-Id"
TOLERANCE_SECONDS = 300  # five minutes, either way
MIN_SECRET_LENGTH = 32
SCHEME = "sha256="


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    """`sha256=<hex>` over "<timestamp>." + body."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return SCHEME + mac.hexdigest()


def signed_headers(
    secret: str, body: bytes, *, message_id: str, now: float | None = None
) -> dict[str, str]:
    """The three headers a sender adds to a POST of `body`."""
    timestamp = int(time.time() if now is None else now)
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        MESSAGE_ID_HEADER: message_id,
    }


@dataclass(frozen=True)
class SignatureCheck:
    ok: bool
    # ok | missing_signature | bad_timestamp | stale | bad_signature
    code: str
    message: str
    timestamp: int | None = None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    if value is None:  # a mapping that is neither exact nor lower-cased
        wanted = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == wanted), None)
    return value


def verify(
    secrets: str | list[str],
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> SignatureCheck:
    """Check the headers against the raw body with the shared secret (or any of several, while
    a secret is rotated). Never raises on bad input."""
    stamp, signed = _header(headers, TIMESTAMP_HEADER), _header(headers, SIGNATURE_HEADER)
    if not stamp or not signed:
        return SignatureCheck(
            False,
            "missing_signature",
            f"send the {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers",
        )
    stamp = stamp.strip()
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        return SignatureCheck(False, "bad_timestamp", f"{TIMESTAMP_HEADER}: not Unix seconds")
    timestamp = int(stamp)
    clock = time.time() if now is None else now
    if abs(clock - timestamp) > tolerance:
        return SignatureCheck(
            False,
            "stale",
            f"{TIMESTAMP_HEADER} is more than {tolerance} seconds away from this server's clock",
            timestamp,
        )
    candidates = [s.strip() for s in signed.split(",") if s.strip().startswith(SCHEME)]
    keys = [secrets] if isinstance(secrets, str) else list(secrets)
    for secret in keys:
        expected = signature(secret, timestamp, body)
        if any(
            hmac.compare_digest(expected.encode(), c.encode("utf-8", "replace")) for c in candidates
        ):
            return SignatureCheck(True, "ok", "signature verified", timestamp)
    return SignatureCheck(
        False, "bad_signature", f"{SIGNATURE_HEADER} does not match the body and timestamp"
    )
