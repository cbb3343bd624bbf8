"""The credential export, signed once per certificate version and then cached (a KMS
signature per download would cost a round trip and money).

Its subject is the public view exactly as the certificate's SD-JWT discloses it, plus the
document hash and validity end; a sandbox certificate's credential is signed with the sandbox
key set under the issuer `did:web:<host>:sandbox`, so it never verifies as a real one."""

from __future__ import annotations

from originlink.credentials import credential_payload, did_web, issue_credential
from originlink.links import absolute, verification_url, verify_path
from originlink.links.urls import status_list_path

from . import checks

_tokens = checks.LruCache(4096)
_lists = checks.LruCache(4096)
LIST_TTL = 300  # seconds a status list credential is valid; re-signed each minute at most
# Status codes under which the credential is revoked: a certificate cancelled or replaced, an
# origin statement withdrawn or superseded (originlink.statement.REVOKED).
REVOKED = frozenset({"cancelled", "replaced", "withdrawn", "superseded"})


def status_list_for(ctx, result, base_url: str) -> str:
    """The certificate's Bitstring Status List credential (`vc+jwt`): bit 0 set once it is
    cancelled or replaced. Signed at most once a minute per certificate version."""
    import time

    from originlink.credentials.statuslist import list_credential

    record = result.record
    sandbox = bool(record.sandbox)
    did = did_web(base_url) + (":sandbox" if sandbox else "")
    key = (record.id, record.version, did, int(time.time() // 60))
    token = _lists.get(key)
    if token is not None:
        return token
    revoked = result.body["checks"]["status"]["code"] in REVOKED
    url = absolute(base_url, status_list_path(record.public_id))
    payload = list_credential(url, issuer_did=did, revoked=revoked, ttl_s=LIST_TTL)
    token = issue_credential(payload, ctx.keyring_for(sandbox).active_signer(), did)
    _lists.put(key, token)
    return token


def credential_for(ctx, result, base_url: str) -> str:
    record = result.record
    sandbox = bool(record.sandbox)
    did = did_web(base_url) + (":sandbox" if sandbox else "")
    key = (record.id, record.version, did)
    token = _tokens.get(key)
    if token is not None:
        return token
    statement = result.body.get("kind") == "origin_statement"
    subject = {
        **result.body["statement" if statement else "certificate"],
        "document_hash": record.digest,
        "valid_until": result.body["valid_until"],
        "sandbox": sandbox,
    }
    not_what = "AN ORIGIN STATEMENT" if statement else "A CERTIFICATE OF ORIGIN"
    payload = credential_payload(
        subject,
        issuer_did=did,
        issuer_name=ctx.settings.issuer + (f" — SANDBOX, NOT {not_what}" if sandbox else ""),
        public_id=record.public_id,
        page_url=verification_url(base_url, record.public_id),
        status_url=absolute(base_url, verify_path(record.public_id)),
        status_list_url=absolute(base_url, status_list_path(record.public_id)),
        statement=statement,
    )
    token = issue_credential(payload, ctx.keyring_for(sandbox).active_signer(), did)
    _tokens.put(key, token)
    return token
