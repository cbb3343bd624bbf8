"""Exporter API keys.

A key is `olk_` + `secrets.token_urlsafe(32)` (256 random bits). It is shown once and stored
only as its SHA-256. A fast unsalted hash is enough here — unlike a password, a 256-bit random
key cannot be guessed or brute-forced from its hash, and lookups stay a single indexed read;
a slow KDF would only add latency to every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from .lifecycle import now_iso
from .problems import ApiProblem
from .storage import ApiKey, Conflict, Exporter, Store

KEY_PREFIX = "olk_"
SANDBOX_PREFIX = "olk_sandbox_"  # tells people (and log scanners) which world a key is for


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def new_exporter(store: Store, name: str) -> Exporter:
    exporter = Exporter(id="exp_" + secrets.token_hex(8), name=name, created_at=now_iso())
    store.create_exporter(exporter)
    return exporter


def create_api_key(
    store: Store, exporter_name: str, *, sandbox: bool = False
) -> tuple[Exporter, ApiKey, str]:
    """A new key for the exporter (created if it does not exist yet). Returns the plain key:
    the only time it exists outside the caller's hands. A sandbox key issues only sandbox
    certificates: signed with the sandbox key set, SANDBOX on every view."""
    exporter = store.get_exporter_by_name(exporter_name)
    if exporter is None:
        try:
            exporter = new_exporter(store, exporter_name)
        except Conflict:  # created by someone else meanwhile
            exporter = store.get_exporter_by_name(exporter_name)
    plain = (SANDBOX_PREFIX if sandbox else KEY_PREFIX) + secrets.token_urlsafe(32)
    key = ApiKey(
        key_id="key_" + secrets.token_hex(6),
        key_hash=hash_key(plain),
        exporter_id=exporter.id,
        hint=plain[-4:],
        created_at=now_iso(),
        sandbox=sandbox,
    )
    store.put_api_key(key)
    return exporter, key, plain


_UNAUTHORIZED = {"WWW-Authenticate": 'Bearer realm="originlink"'}


def authenticate(store: Store, headers) -> str:
    """The exporter id for the request's `Authorization: Bearer <key>`, or a 401 problem."""
    return authenticate_key(store, headers).exporter_id


def authenticate_key(store: Store, headers) -> ApiKey:
    """The request's API key (exporter and sandbox flag), or a 401 problem."""
    value = headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiProblem(
            401,
            "unauthenticated",
            "send the exporter API key as 'Authorization: Bearer <key>'",
            headers=_UNAUTHORIZED,
        )
    key = store.get_api_key_by_hash(hash_key(token))
    # compare_digest: the lookup is by hash already; this keeps the final check constant-time.
    if key is None or not hmac.compare_digest(key.key_hash, hash_key(token)):
        raise ApiProblem(401, "invalid_api_key", "the API key is not valid", headers=_UNAUTHORIZED)
    if key.revoked_at is not None:
        raise ApiProblem(401, "api_key_revoked", "the API key was revoked", headers=_UNAUTHORIZED)
    return key
