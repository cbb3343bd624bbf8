"""The legal certification statement of a certificate: who legally vouches for its origin, and
whether that was verified — what the page, the JSON answer and the PDF say, in one place.

OriginLink's own signature proves only that the exporter submitted exactly this data. The legal
certification of a Certificate of Origin belongs to its issuing body (Art 3.16, 3.17); of a
Declaration of Origin, to the approved exporter who makes it (Art 3.16.1(b)).

`legal_certification(...)` turns (document type, the record's `certification` — see
`certification.py` —, the issuing body's published keys) into one of these codes:

| code | verified | meaning |
|---|---|---|
| `endorsed` | yes | the issuing body's own signature over it checks against its keys |
| `approved_exporter` | yes | a Declaration of Origin: the approved exporter is the legal author |
| `exporter_or_producer` | no | a Declaration by any exporter or producer (Art 3.16.1(c)) |
| `recorded` | no | the exporter recorded the issuing body's certificate number: check it there |
| `not_certified` | no | no issuing body has certified it (a draft, or not yet endorsed) |
| `refused` | no | the issuing body refused to certify it (signed by that body) |
| `endorsement_invalid` | no | an endorsement is attached but does not check |
| `endorsement_unchecked` | no | an endorsement is attached; the body's keys cannot be read now |
| `sandbox` | no | a sandbox certificate: never a certificate of origin |
"""

from __future__ import annotations

from .certification import verify_endorsement

VERIFIED = frozenset({"endorsed", "approved_exporter"})


def _body(issuing_body: dict | None, body_id: str | None) -> dict:
    body = issuing_body or {}
    return {
        "id": body.get("id") or body_id,
        "name": body.get("name") or body_id,
        "lookup_url": body.get("lookup_url"),
    }


def legal_certification(
    document_type: str | None,
    certification: dict | None,
    *,
    issuing_body: dict | None,
    digest: str,
    number: str,
    approved_exporter_code: str | None = None,
    sandbox: bool = False,
) -> dict:
    """The statement (a JSON-ready dict with `code`, `verified` and who vouches) for a
    certificate. `certification` is the record's field (absent until an issuing body answers
    or the exporter records its number); `issuing_body` is that body's configuration, with its
    published key set as `jwks` (None when the service does not know the body). Never raises
    on malformed input: what cannot be checked is not verified."""
    if sandbox:
        return {"code": "sandbox", "verified": False, "by": None}
    if document_type == "declaration_of_origin":
        return {
            "code": "approved_exporter",
            "verified": True,
            "by": {"kind": "approved_exporter", "authorisation_code": approved_exporter_code},
            "article": "Art 3.16.1(b)",
        }
    if document_type == "declaration_of_origin_by_exporter_or_producer":
        # The author is whoever submitted it (OriginLink's signature attests that much); no
        # Party vetted them, so this is said plainly but not shown as certified.
        return {
            "code": "exporter_or_producer",
            "verified": False,
            "by": {"kind": "exporter_or_producer"},
            "article": "Art 3.16.1(c)",
        }
    cert = certification if isinstance(certification, dict) else {}
    kind = cert.get("kind")
    body_id = cert.get("issuing_body") if isinstance(cert.get("issuing_body"), str) else None
    by = {"kind": "issuing_body", **_body(issuing_body, body_id)}
    if kind in {"endorsed", "refused"}:
        jwks = (issuing_body or {}).get("jwks")
        if not isinstance(jwks, dict):
            # Not checked is not "not valid": the body's keys are unknown to this service or
            # cannot be fetched right now, which says nothing against the endorsement.
            return {
                "code": "endorsement_unchecked",
                "verified": False,
                "by": by,
                "reason": "unknown_issuing_body" if issuing_body is None else "keys_unavailable",
            }
        check = verify_endorsement(
            str(cert.get("jws", "")), jwks=jwks, digest=digest, number=number
        )
        if check.code == "endorsed" and kind == "endorsed":
            claims = check.claims or {}
            return {
                "code": "endorsed",
                "verified": True,
                "by": by,
                "number": claims.get("certificate_number") or number,
                "at": claims.get("at"),
                "article": "Art 3.16",
            }
        if check.code == "refused":
            return {
                "code": "refused",
                "verified": False,
                "by": by,
                "reasons": list((check.claims or {}).get("reasons") or []),
                "at": (check.claims or {}).get("at"),
            }
        return {"code": "endorsement_invalid", "verified": False, "by": by, "reason": check.code}
    if kind == "recorded":
        lookup = cert.get("lookup_url")
        return {
            "code": "recorded",
            "verified": False,
            "by": by,
            "number": cert.get("number") if isinstance(cert.get("number"), str) else None,
            "lookup_url": lookup
            if isinstance(lookup, str) and lookup.startswith("https://")
            else by["lookup_url"],
            "pdf_sha256": cert.get("pdf_sha256"),
            "recorded_at": cert.get("at"),
        }
    return {"code": "not_certified", "verified": False, "by": None}


def headline(*, integrity_ok: bool, status_ok: bool, legal: dict) -> str:
    """The page's headline, by what is true:

    - `certified_valid` (green): intact, valid, and the legal certification verified,
    - `recorded_valid`: intact and valid; the certificate number recorded by the exporter is
      to be checked with the issuing body (not alarming: a legitimate paper-issued CO),
    - `declared_valid`: intact and valid; a Declaration of Origin by the exporter or producer
      (Art 3.16.1(c)), which no issuing body or authorisation stands behind,
    - `not_certified`: intact and valid data, but no issuing body has certified it,
    - `endorsement_unchecked`: intact and valid data; the issuing body's endorsement could not
      be checked now (its keys unreadable) — neither green nor "not valid",
    - `sandbox`: never a certificate of origin,
    - `not_valid`: altered, cancelled, replaced, expired, rejected, refused or the attached
      endorsement does not check.
    """
    if legal["code"] == "sandbox":
        return "sandbox"
    if not (integrity_ok and status_ok) or legal["code"] in {"refused", "endorsement_invalid"}:
        return "not_valid"
    if legal["verified"]:
        return "certified_valid"
    if legal["code"] == "exporter_or_producer":
        return "declared_valid"
    if legal["code"] == "endorsement_unchecked":
        return "endorsement_unchecked"
    return "recorded_valid" if legal["code"] == "recorded" else "not_certified"
