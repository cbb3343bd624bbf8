"""The checks of a certificate, kept apart (as TradeTrust does), each with a stable reason
code, and what each audience may see:

integrity: signature_valid | signature_invalid | unknown_key | digest_mismatch — the service's
           SD-JWT over the exact data the exporter submitted (its key and key status); the
           same check for an origin statement (verification/statement.py)
legal:     originlink.credentials.legal — who legally certified it, and whether that was
           verified (the issuing body's own signature) or only recorded by the exporter
status:    valid | cancelled | replaced | expired | rejected   (+ customs state, date, reason)

Results are cached per certificate version and day (a record's version changes with every
event, and expiry moves with the date), so a repeat verification costs one indexed read.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import OrderedDict
from datetime import date

import rfc8785

from originlink.links import page_path, verify_path
from originlink.links.access import access_code_is_valid
from originlink.states import VERIFIES_AS_VALID

from .. import lifecycle

SIGNATURE_VALID = "signature_valid"


class LruCache:
    """A small thread-safe LRU map (results are cheap to rebuild; memory stays bounded)."""

    def __init__(self, size: int = 4096):
        self.size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class JwksCache:
    """A key ring's JWKS, re-read at most every `ttl` seconds (the local key ring reads every
    key file on each call). Keys are never removed, only added, so a stale copy can only lack a
    key: asking for a key id it lacks re-reads the ring at once, so a rotation by another
    worker is never answered "unknown key". (The key ids asked for come from stored records,
    never from requests, so a miss cannot be provoked at will.)"""

    def __init__(self, ttl: float = 30.0, miss_interval: float = 0.0):
        self.ttl, self.miss_interval = ttl, miss_interval
        self._values: dict[int, tuple[float, object, dict]] = {}
        self._lock = threading.Lock()

    def get(self, keyring, kid: str | None = None) -> dict:
        now = time.monotonic()
        cached = self._values.get(id(keyring))
        fresh = cached is not None and cached[1] is keyring and now - cached[0] <= self.ttl
        if fresh and (kid is None or kid in cached[2]["status"]):
            return cached[2]
        if fresh and now - cached[0] < self.miss_interval:
            return cached[2]  # just re-read: the key is really not there (yet)
        keys = keyring.keys()
        jwks = {"keys": [{k: v for k, v in j.items() if k != "status"} for j in keys]}
        status = {j["kid"]: j.get("status", "active") for j in keys}
        value = {"jwks": jwks, "status": status}
        with self._lock:
            self._values[id(keyring)] = (now, keyring, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


def document_digest(document: dict) -> str:
    """SHA-256 of the RFC 8785 form of the stored document. The service stores
    `cert.model_dump(mode="json")`, so this equals `originlink.formats.canonical.digest`."""
    return "sha256:" + hashlib.sha256(rfc8785.dumps(document)).hexdigest()


ATTESTS = (
    "this exact data was submitted by the authenticated exporter named here and has not "
    "changed since; it is not, by itself, a legal certification of origin"
)


def check_integrity(record, info: dict, signed_by: str) -> tuple[dict, dict | None, object]:
    """The service's signature over the whole certificate, and that the stored document is
    exactly what was signed: the issuer-signed JWT verifies, and the disclosures rebuilt from
    the stored document hash to exactly the digests it signed (each disclosure carries its
    children's digests, so equal top-level digests mean an equal document). Returns the check,
    the signed claims and the rebuilt issuance (None, None when it does not verify)."""
    from originlink.credentials import views
    from originlink.signing import JwsError, verify_jws
    from originlink.signing.jws import decode_unverified

    result = {
        "ok": False,
        "digest": record.digest,
        "alg": "ES256",
        "format": views.TYP,
        "kid": record.kid,
        "key_status": info["status"].get(record.kid),
        "signed_by": signed_by,
        "attests": ATTESTS,
    }
    if not record.sd_seed:
        result.update(code="signature_invalid", detail="no SD-JWT issuance")
        return result, None, None
    try:
        if decode_unverified(record.jws)[0].get("typ") not in views.TYPES:
            raise JwsError("not an SD-JWT issuance")
        claims = verify_jws(record.jws, info["jwks"])
    except JwsError as exc:
        unknown = "unknown key" in str(exc)
        result.update(code="unknown_key" if unknown else "signature_invalid", detail=str(exc))
        return result, None, None
    issued = issuance(record)
    signed = (claims.get(concealed_under(record)) or {}).get("_sd")
    rebuilt = [d.digest for d in issued.disclosures if len(d.path) == 2]
    if not isinstance(signed, list) or sorted(signed) != sorted(rebuilt):
        result.update(
            code="digest_mismatch",
            detail="the stored document is not what was signed (its disclosures differ)",
        )
        return result, None, None
    if not (
        claims.get("digest") == record.digest == document_digest(record.document)
        and claims.get("public_id") == record.public_id
        and claims.get("number") == getattr(record, "number", None)
        and bool(claims.get("sandbox")) == bool(record.sandbox)
    ):
        result.update(
            code="digest_mismatch",
            detail="the stored document does not hash to the signed digest",
        )
        return result, None, None
    result.update(
        ok=True,
        code=SIGNATURE_VALID,
        signed_at=claims.get("iat"),
        submitted_by=(claims.get("submitted_by") or {}).get("name"),
    )
    return result, claims, issued


def is_statement(record) -> bool:
    """An origin statement's record (else a certificate's)."""
    from ..storage import StatementRecord

    return isinstance(record, StatementRecord)


def concealed_under(record) -> str:
    """The claim its document is concealed under in the SD-JWT."""
    return "statement" if is_statement(record) else "certificate"


def issuance(record):
    """The record's SD-JWT issuance (JWT + every disclosure), rebuilt from what is stored."""
    import base64

    from originlink.credentials import views

    seed = base64.urlsafe_b64decode(record.sd_seed + "=" * (-len(record.sd_seed) % 4))
    rebuild = views.statement_issuance if is_statement(record) else views.issuance
    return rebuild(record.jws, record.document, seed)


def legacy_integrity(record, jwks: dict) -> bool:
    """A record signed before SD-JWT (a JWS over digest, id and number): whether that
    signature holds and the stored document hashes to its digest."""
    from originlink.signing import JwsError, verify_jws

    try:
        claims = verify_jws(record.jws, jwks)
    except JwsError:
        return False
    return (
        claims.get("digest") == record.digest == document_digest(record.document)
        and claims.get("public_id") == record.public_id
        and claims.get("number") == record.number
    )


def _last_event(events, state: str):
    """The event that brought the certificate into `state` (its date, reason). Events that
    change no state (a customs receipt of the cancellation, ...) keep the state but carry none
    of that."""
    entered, previous = None, None
    for event in events:
        if event.state == state and previous != state:
            entered = event
        previous = event.state
    return entered


def customs_channel(record) -> dict | None:
    """How the destination customs learn of the certificate (the customs exchange's routing):
    `direct` or `manual-review` (sent electronically) or `paper-parallel` (not sent: customs
    check the paper or PDF, which stays verifiable here)."""
    customs = record.customs if isinstance(record.customs, dict) else None
    if not customs or not customs.get("destination"):
        return None
    return {"destination": customs["destination"], "mode": customs.get("mode")}


def check_status(record, events, valid_until: date, today: date, replacement) -> dict:
    """`replacement` is the replacing record (or None)."""
    status = _status(record, events, valid_until, today, replacement)
    status["channel"] = customs_channel(record)
    return status


def _status(record, events, valid_until: date, today: date, replacement) -> dict:
    customs = record.state if record.state not in {lifecycle.ISSUED} else None
    if record.state == lifecycle.CANCELLED:
        event = _last_event(events, lifecycle.CANCELLED)
        return {
            "ok": False,
            "code": "cancelled",
            "since": event.at if event else record.updated_at,
            "reason": (event.detail or {}).get("reason") if event else None,
        }
    if record.state == lifecycle.REPLACED:
        event = _last_event(events, lifecycle.REPLACED)
        out = {
            "ok": False,
            "code": "replaced",
            "since": event.at if event else record.updated_at,
            "reason": (event.detail or {}).get("reason") if event else None,
            "article": "Art 3.17.5",
            "replaced_by": None,
        }
        if replacement is not None:
            out["replaced_by"] = {
                "public_id": replacement.public_id,
                "number": replacement.number,
                "verify": verify_path(replacement.public_id),
                "page": page_path(replacement.public_id),
            }
        return out
    if record.state == lifecycle.REJECTED:
        event = _last_event(events, lifecycle.REJECTED)
        detail = (event.detail or {}) if event else {}
        return {
            "ok": False,
            "code": "rejected",
            "since": event.at if event else record.updated_at,
            "reason": detail.get("reason") or detail.get("message"),
            "customs": customs,
        }
    if today > valid_until:
        return {
            "ok": False,
            "code": "expired",
            "since": valid_until.isoformat(),
            "reason": None,
            "article": "Art 3.16",
            "customs": customs,
        }
    if record.state in VERIFIES_AS_VALID:
        return {
            "ok": True,
            "code": "valid",
            "valid_until": valid_until.isoformat(),
            "customs": customs,
        }
    # received (not signed yet) or a state this verifier does not know: never "valid".
    return {"ok": False, "code": "not_issued", "since": record.updated_at, "reason": None}


def access_code_matches(record, code: str | None) -> bool:
    """Check character first (no comparison for a mistyped code), then constant-time compare."""
    if not code:
        return False
    if not access_code_is_valid(code):
        return False
    typed = code.replace(" ", "").replace("-", "").upper()
    return hmac.compare_digest(typed.encode(), record.access_code.encode())
