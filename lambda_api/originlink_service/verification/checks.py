"""The three checks of a certificate, kept apart (as TradeTrust does) and each with a stable
reason code — integrity, status, issuer — plus what each audience may see.

integrity: signature_valid | signature_invalid | unknown_key | digest_mismatch
status:    valid | cancelled | replaced | expired | rejected   (+ customs state, date, reason)
issuer:    the legal certifier the document names, and the service key that signed it

The verdict is `valid` only if every check passes. Results are cached per certificate version
and day (a record's version changes with every event, and expiry moves with the date), so a
repeat verification costs one indexed read.
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
from originlink.model import parse_certificate, public_view
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
    """The key ring's JWKS, re-read at most every `ttl` seconds (the local key ring reads every
    key file on each call). Keys are never removed, only added, so a short TTL is safe."""

    def __init__(self, ttl: float = 30.0):
        self.ttl = ttl
        self._value: tuple[float, object, dict] | None = None

    def get(self, keyring) -> dict:
        cached = self._value
        now = time.monotonic()
        if cached is None or cached[1] is not keyring or now - cached[0] > self.ttl:
            keys = keyring.keys()
            jwks = {"keys": [{k: v for k, v in j.items() if k != "status"} for j in keys]}
            status = {j["kid"]: j.get("status", "active") for j in keys}
            self._value = (now, keyring, {"jwks": jwks, "status": status})
            return self._value[2]
        return cached[2]


def document_digest(document: dict) -> str:
    """SHA-256 of the RFC 8785 form of the stored document. The service stores
    `cert.model_dump(mode="json")`, so this equals `originlink.formats.canonical.digest`."""
    return "sha256:" + hashlib.sha256(rfc8785.dumps(document)).hexdigest()


def check_integrity(record, jwks: dict) -> dict:
    from originlink.signing import JwsError, verify_jws

    result = {"ok": False, "digest": record.digest, "alg": "ES256", "kid": record.kid}
    try:
        claims = verify_jws(record.jws, jwks)
    except JwsError as exc:
        unknown = "unknown key" in str(exc)
        result.update(code="unknown_key" if unknown else "signature_invalid", detail=str(exc))
        return result
    recomputed = document_digest(record.document)
    if not (
        claims.get("digest") == record.digest == recomputed
        and claims.get("public_id") == record.public_id
        and claims.get("number") == record.number
    ):
        result.update(
            code="digest_mismatch",
            detail="the stored document does not hash to the signed digest",
        )
        return result
    result.update(ok=True, code=SIGNATURE_VALID, signed_at=claims.get("iat"))
    return result


def _last_event(events, state: str):
    return next((e for e in reversed(events) if e.state == state), None)


def check_status(record, events, valid_until: date, today: date, replacement) -> dict:
    """`replacement` is the replacing record (or None)."""
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


def check_issuer(public: dict, record, settings_issuer: str, key_status: dict) -> dict:
    return {
        "ok": record.kid in key_status,
        "code": "known_key" if record.kid in key_status else "unknown_key",
        "certifier": public["issuer"],
        "signed_by": settings_issuer,
        "kid": record.kid,
        "key_status": key_status.get(record.kid),
        "attests": "this exact data was submitted by the authenticated exporter and has not "
        "changed since",
    }


# --- what each audience sees -------------------------------------------------------------


def public_certificate(record) -> tuple[dict, date]:
    """The public view (originlink.model.public_view lists what is shown) with the document
    hash, and the validity end date (Art 3.16)."""
    cert = parse_certificate(record.document)
    view = public_view(cert)
    view["document_hash"] = record.digest
    return view, cert.valid_until


def full_certificate(record, *, include_evidence: bool) -> dict:
    """Everything the access code unlocks: quantities, values, invoices, addresses, producers.
    Origin evidence (supplier costs) stays with the exporter and customs unless
    `include_evidence` (the owning exporter's key)."""
    doc = dict(record.document)
    if not include_evidence:
        doc["goods_items"] = [
            {k: v for k, v in item.items() if k != "evidence"} for item in doc["goods_items"]
        ]
    return doc


def access_code_matches(record, code: str | None) -> bool:
    """Check character first (no comparison for a mistyped code), then constant-time compare."""
    if not code:
        return False
    if not access_code_is_valid(code):
        return False
    typed = code.replace(" ", "").replace("-", "").upper()
    return hmac.compare_digest(typed.encode(), record.access_code.encode())
