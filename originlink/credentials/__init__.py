"""W3C Verifiable Credentials 2.0 for certificates (`vc+jwt`, VC-JOSE-COSE), the `did:web`
document of the service, and offline verification of downloaded files against a JWKS.

Needs `cryptography` (through `originlink.signing`) only to sign and verify.
"""

from .credential import (
    CREDENTIAL_TYPE,
    VC_CONTEXT,
    credential_payload,
    enveloped,
    issue_credential,
)
from .did import did_document, did_web
from .offline import VerificationReport, verify_credential, verify_file

__all__ = [
    "CREDENTIAL_TYPE",
    "VC_CONTEXT",
    "VerificationReport",
    "credential_payload",
    "did_document",
    "did_web",
    "enveloped",
    "issue_credential",
    "verify_credential",
    "verify_file",
]
