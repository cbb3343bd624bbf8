"""The credential export, signed once per certificate and host and then cached (a KMS
signature per download would cost a round trip and money)."""

from __future__ import annotations

from originlink.credentials import credential_payload, did_web, issue_credential
from originlink.links import absolute, verification_url, verify_path

from . import checks

_tokens = checks.LruCache(4096)


def credential_for(ctx, record, base_url: str) -> str:
    did = did_web(base_url)
    key = (record.id, record.digest, did)
    token = _tokens.get(key)
    if token is not None:
        return token
    public, _ = checks.public_certificate(record)
    payload = credential_payload(
        public,
        issuer_did=did,
        issuer_name=ctx.settings.issuer,
        public_id=record.public_id,
        page_url=verification_url(base_url, record.public_id),
        status_url=absolute(base_url, verify_path(record.public_id)),
    )
    token = issue_credential(payload, ctx.keyring.active_signer(), did)
    _tokens.put(key, token)
    return token
