"""Offline verification of what a verifier downloads — no network, only a JWKS file:

- a `vc+jwt` credential (compact JWS text, or an EnvelopedVerifiableCredential JSON),
- a signed certificate document from `/v1/verify/{id}/document/{hash}` (the service's JWS
  over the digest, public id and number, plus the certificate),
- a saved `/v1/verify/{id}` answer, through its signed `status_attestation` (what the service
  said about the certificate's status, and when).

Each check is reported apart with a stable code, like the public page. Status (cancelled,
replaced...) cannot be known offline; the report says so and names the URL to ask.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .credential import CREDENTIAL_TYPE, MEDIA_TYPE


@dataclass
class VerificationReport:
    kind: str  # credential | signed_certificate | verification_response | unknown
    checks: list[dict] = field(default_factory=list)
    subject: dict | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c["ok"] for c in self.checks if c["ok"] is not None)

    def add(self, name: str, ok: bool | None, code: str, message: str) -> None:
        self.checks.append({"check": name, "ok": ok, "code": code, "message": message})

    def to_dict(self) -> dict:
        return {"ok": self.ok, "kind": self.kind, "checks": self.checks, "subject": self.subject}


def verify_credential(token: str, jwks: dict, *, now: datetime | None = None):
    from originlink.signing import JwsError, verify_jws
    from originlink.signing.jws import decode_unverified

    report = VerificationReport("credential")
    now = now or datetime.now(UTC)
    try:
        header, _ = decode_unverified(token.strip())
    except JwsError as exc:
        report.add("integrity", False, "malformed", f"not a compact JWS: {exc}")
        return report
    if header.get("typ") != "vc+jwt":
        report.add("format", False, "wrong_type", f"typ is {header.get('typ')!r}, not vc+jwt")
        return report
    kid = str(header.get("kid", ""))
    did, _, fragment = kid.rpartition("#")
    keys = [dict(k, kid=kid) for k in jwks.get("keys", []) if k.get("kid") == (fragment or kid)]
    try:
        payload = verify_jws(token.strip(), {"keys": keys})
    except JwsError as exc:
        code = "unknown_key" if "unknown key" in str(exc) else "signature_invalid"
        report.add("integrity", False, code, str(exc))
        return report
    report.add("integrity", True, "signature_valid", f"signed by key {fragment or kid}")
    types = payload.get("type") or []
    if "VerifiableCredential" not in types or CREDENTIAL_TYPE not in types:
        report.add("format", False, "wrong_type", f"credential type is {types!r}")
    issuer = (payload.get("issuer") or {}).get("id")
    if did and issuer != did:
        report.add("issuer", False, "issuer_mismatch", f"key of {did} but issuer {issuer}")
    else:
        report.add("issuer", True, "known_key", f"issuer {issuer}")
    report.add(*_validity(payload, now))
    status_url = (payload.get("credentialStatus") or {}).get("id")
    report.add(
        "status",
        None,
        "not_checked_offline",
        f"cancellation or replacement is only known online: {status_url}",
    )
    report.subject = payload.get("credentialSubject")
    return report


def _validity(payload: dict, now: datetime) -> tuple:
    def parse(value):
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None

    try:
        start, end = parse(payload.get("validFrom")), parse(payload.get("validUntil"))
    except ValueError:
        return ("validity", False, "malformed", "validFrom/validUntil are not dates")
    if start and now < start:
        return ("validity", False, "not_yet_valid", f"valid from {start.isoformat()}")
    if end and now > end:
        return ("validity", False, "expired", f"expired on {end.isoformat()} (Art 3.16)")
    return ("validity", True, "within_validity", f"valid until {end.isoformat() if end else '-'}")


def verify_signed_certificate(data: dict, jwks: dict):
    from originlink.signing import JwsError, verify_jws

    report = VerificationReport("signed_certificate")
    try:
        claims = verify_jws(str(data.get("jws", "")), jwks)
    except JwsError as exc:
        code = "unknown_key" if "unknown key" in str(exc) else "signature_invalid"
        report.add("integrity", False, code, str(exc))
        return report
    if claims.get("digest") != data.get("digest") or claims.get("public_id") != data.get(
        "public_id"
    ):
        report.add("integrity", False, "claims_mismatch", "the file's digest or id is not signed")
        return report
    report.add("integrity", True, "signature_valid", f"signed by key {data.get('kid')}")
    certificate = data.get("certificate") or {}
    if data.get("view") == "full" and not data.get("redacted"):
        from originlink.formats.canonical import digest
        from originlink.model import CertificateInvalid

        try:
            recomputed = digest(certificate)
        except CertificateInvalid as exc:
            report.add("document", False, "invalid_document", f"not a certificate: {exc}")
            return report
        if recomputed != claims["digest"]:
            report.add("document", False, "digest_mismatch", "the certificate was altered")
        else:
            report.add("document", True, "digest_match", f"hashes to {recomputed}")
    else:
        if certificate.get("number") != claims.get("number"):
            report.add("document", False, "number_mismatch", "the number is not the signed one")
        else:
            report.add(
                "document",
                None,
                "redacted",
                "parts are withheld, so the hash cannot be recomputed; the signed number "
                "and digest match",
            )
    report.add(
        "status",
        None,
        "not_checked_offline",
        f"cancellation or replacement is only known online: /v1/verify/{data.get('public_id')}",
    )
    report.subject = {"number": claims.get("number"), "digest": claims.get("digest")}
    return report


def verify_status_attestation(data: dict, jwks: dict):
    """A saved `/v1/verify/{id}` answer: its `status_attestation` JWS must verify and say
    what the answer says (status code, document digest, public id)."""
    from originlink.signing import JwsError, verify_jws
    from originlink.signing.jws import decode_unverified

    report = VerificationReport("verification_response")
    token = str(data.get("status_attestation", ""))
    try:
        header, _ = decode_unverified(token)
        claims = verify_jws(token, jwks)
    except JwsError as exc:
        code = "unknown_key" if "unknown key" in str(exc) else "signature_invalid"
        report.add("integrity", False, code, str(exc))
        return report
    if header.get("typ") != "originlink-status+jwt":
        report.add("format", False, "wrong_type", f"typ is {header.get('typ')!r}")
        return report
    status = ((data.get("checks") or {}).get("status") or {}).get("code")
    digest = ((data.get("checks") or {}).get("integrity") or {}).get("digest")
    if (claims.get("status"), claims.get("digest"), claims.get("sub")) != (
        status,
        digest,
        data.get("public_id"),
    ):
        report.add("integrity", False, "claims_mismatch", "the answer differs from what is signed")
        return report
    report.add("integrity", True, "signature_valid", f"status signed by key {header.get('kid')}")
    report.add(
        "status",
        claims["status"] == "valid",
        claims["status"],
        f"status {claims['status']} as checked on {claims.get('checked_on')}"
        + (f" (since {claims['since']})" if claims.get("since") else ""),
    )
    report.subject = claims
    return report


def verify_file(content: str | bytes, jwks: dict):
    """Work out what the file is and verify it. Never raises on bad input."""
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    text = text.strip()
    if text.count(".") == 2 and not text.startswith("{"):
        return verify_credential(text, jwks)
    try:
        data = json.loads(text)
    except ValueError:
        report = VerificationReport("unknown")
        report.add("format", False, "unreadable", "neither a vc+jwt token nor JSON")
        return report
    if isinstance(data, dict):
        ident = str(data.get("id", ""))
        if data.get("type") == "EnvelopedVerifiableCredential" and ident.startswith(
            f"data:{MEDIA_TYPE},"
        ):
            return verify_credential(ident.split(",", 1)[1], jwks)
        if isinstance(data.get("credential"), str):  # the service's /credential answer
            return verify_credential(data["credential"], jwks)
        if data.get("type") == "originlink.signed-certificate":
            return verify_signed_certificate(data, jwks)
        if "status_attestation" in data:
            return verify_status_attestation(data, jwks)
    report = VerificationReport("unknown")
    report.add("format", False, "unknown_format", "not a credential or signed certificate")
    return report
