"""A certificate as a W3C VC 2.0 secured with JOSE (VC-JOSE-COSE): a compact JWS whose payload
is the credential itself, header `typ: vc+jwt`, `cty: vc`, `kid` = DID URL of the key.

The credential subject is the certificate's *public* view plus its document hash (the digest
the service signed over the full document), so anyone may hold it; status is not frozen into
it but referenced (`credentialStatus`) — cancellation or replacement shows at once there.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from .statuslist import entry

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
CREDENTIAL_TYPE = "RcepCertificateOfOriginCredential"
# An exporter's origin statement about a product (originlink.statement): never a certificate.
STATEMENT_CREDENTIAL_TYPE = "RcepOriginStatementCredential"
MEDIA_TYPE = "application/vc+jwt"


def credential_payload(
    public: dict,
    *,
    issuer_did: str,
    issuer_name: str,
    public_id: str,
    page_url: str,
    status_url: str,
    status_list_url: str | None = None,
    issued_at: int | None = None,
    statement: bool = False,
) -> dict:
    """The credential (JSON-LD, VC Data Model 2.0). `public` is the public view with
    `document_hash`; terms outside the VC context fall under its issuer-dependent @vocab.
    With `statement`, `public` is an origin statement: its own credential and subject types
    (an exporter's statement about a product, never a certificate of origin)."""
    issued = issued_at if issued_at is not None else int(datetime.now(UTC).timestamp())
    start = public["valid_from"] if statement else public["issue_date"]
    return {
        "@context": [VC_CONTEXT],
        "id": page_url,
        "type": [
            "VerifiableCredential",
            STATEMENT_CREDENTIAL_TYPE if statement else CREDENTIAL_TYPE,
        ],
        "issuer": {"id": issuer_did, "name": issuer_name},
        "validFrom": f"{start}T00:00:00Z",
        "validUntil": f"{public['valid_until']}T23:59:59Z",
        "credentialSubject": {
            "id": f"urn:originlink:{'statement' if statement else 'certificate'}:{public_id}",
            "type": "OriginStatement" if statement else "CertificateOfOrigin",
            **public,
        },
        # The JSON status (what the page and platforms read) and, with a list URL, the W3C
        # Bitstring Status List entry (what generic VC verifiers read).
        "credentialStatus": [
            {
                "id": status_url,
                "type": "OriginLinkVerificationStatus",
                "statusPurpose": "revocation",
            },
            *([entry(status_list_url)] if status_list_url else []),
        ],
        "iss": issuer_did,
        "iat": issued,
        "jti": page_url,
    }


def issue_credential(payload: dict, signer, issuer_did: str) -> str:
    """Sign the credential with the service key (`originlink.signing.Signer`)."""
    from originlink.signing import sign_jws

    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return sign_jws(
        body,
        signer,
        typ="vc+jwt",
        extra_header={"cty": "vc", "kid": f"{issuer_did}#{signer.kid}"},
    )


def enveloped(token: str) -> dict:
    """The same credential as an EnvelopedVerifiableCredential (for embedding in JSON-LD)."""
    return {
        "@context": [VC_CONTEXT],
        "id": f"data:{MEDIA_TYPE},{token}",
        "type": "EnvelopedVerifiableCredential",
    }
