"""Who legally certified a Certificate of Origin, and how sure we are of it.

OriginLink's own signature proves only that an authenticated exporter submitted exactly this
data. The legal certification of a Certificate of Origin belongs to an issuing body (in China:
customs or CCPIT; Art 3.16, 3.17). A certificate record carries `certification`, one of:

- `endorsed`: the issuing body's own ES256 JWS (`typ` "originlink-endorsement+jwt") over the
  certificate's digest and number, checked against the issuing body's published keys. Verified.
- `refused`: the issuing body declined to certify, with its reasons (also signed by it).
- `recorded`: the exporter typed in the issuing body's certificate number, its official lookup
  link and (optionally) the official PDF's hash, for a certificate issued outside OriginLink.
  Shown for what it is: recorded by the exporter, not verified electronically.
- absent (None): not certified by an issuing body (a draft, a sandbox).

A Declaration of Origin has no issuing body: its approved exporter is the legal author
(Art 3.16.1(b), authorisation code); that is decided from the document, not from here.

The record's `certification` dict (stored as JSON by both storage adapters):

    {"kind": "endorsed", "issuing_body": "CN-GACC", "number": "…", "jws": "<compact JWS>",
     "at": "2026-11-29T10:00:00Z"}
    {"kind": "refused", "issuing_body": "CN-GACC", "jws": "<compact JWS>", "reasons": [...],
     "at": "…"}
    {"kind": "recorded", "issuing_body": "CN-GACC", "number": "…",
     "lookup_url": "https://…", "pdf_sha256": "…" | None, "recorded_by": "<exporter id>",
     "at": "…"}

Issuing bodies (id, name, country, published JWKS) are configuration of the service, next to
the customs destinations.
"""

from __future__ import annotations

from dataclasses import dataclass

ENDORSEMENT_TYP = "originlink-endorsement+jwt"
DECISIONS = ("endorsed", "refused")


def endorsement_claims(
    *,
    issuing_body: str,
    decision: str,
    digest: str,
    number: str,
    at: str,
    certificate_number: str | None = None,
    reasons: list[str] | None = None,
) -> dict:
    """What an issuing body signs: its decision about the certificate with this digest.
    `number` is the certificate's own number; `certificate_number` the issuing body's number
    for it when it gives one of its own."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
    claims = {
        "iss": issuing_body,
        "decision": decision,
        "digest": digest,
        "number": number,
        "at": at,
    }
    if certificate_number:
        claims["certificate_number"] = certificate_number
    if reasons:
        claims["reasons"] = list(reasons)
    return claims


@dataclass(frozen=True)
class EndorsementCheck:
    ok: bool  # the issuing body's signature holds and covers this certificate
    code: str  # endorsed | refused | signature_invalid | unknown_key | not_this_certificate
    message: str
    claims: dict | None = None


def verify_endorsement(token: str, *, jwks: dict, digest: str, number: str) -> EndorsementCheck:
    """Check an issuing body's endorsement (or refusal) against that body's JWKS and the
    certificate it must be about. Never raises on bad input."""
    from originlink.signing import JwsError, verify_jws
    from originlink.signing.jws import decode_unverified

    try:
        header, _ = decode_unverified(str(token))
        if header.get("typ") != ENDORSEMENT_TYP:
            return EndorsementCheck(False, "signature_invalid", f"typ is {header.get('typ')!r}")
        claims = verify_jws(str(token), jwks)
    except JwsError as exc:
        code = "unknown_key" if "unknown key" in str(exc) else "signature_invalid"
        return EndorsementCheck(False, code, f"the issuing body's signature: {exc}")
    if claims.get("digest") != digest or claims.get("number") != number:
        return EndorsementCheck(
            False,
            "not_this_certificate",
            "the issuing body signed another certificate (digest or number differ)",
            claims,
        )
    if claims.get("decision") == "endorsed":
        return EndorsementCheck(True, "endorsed", f"endorsed by {claims.get('iss')}", claims)
    if claims.get("decision") == "refused":
        reasons = "; ".join(map(str, claims.get("reasons") or [])) or "no reason given"
        return EndorsementCheck(
            False, "refused", f"refused by {claims.get('iss')}: {reasons}", claims
        )
    return EndorsementCheck(False, "signature_invalid", "no decision in the signed claims")
