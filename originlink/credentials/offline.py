"""Offline verification of what a verifier downloads — no network, only a JWKS file:

- a `vc+jwt` credential (compact JWS text, or an EnvelopedVerifiableCredential JSON),
- a certificate view as a compact SD-JWT (`dc+sd-jwt`), or the signed document from
  `/v1/verify/{id}/document/{hash}` that carries it: every shown field is covered, whatever
  the view (public, access code, full); labels beside it never change the verdict,
- a saved `/v1/verify/{id}` answer, through its signed `status_attestation`, which covers the
  whole answer (what the service said, and when) and whose certificate is its SD-JWT view.

Each check is reported apart with a stable code, like the public page. Status (cancelled,
replaced...) cannot be known offline; the report says so and names the URL to ask.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .credential import CREDENTIAL_TYPE, MEDIA_TYPE, STATEMENT_CREDENTIAL_TYPE

STATEMENT_DOCUMENT = "originlink.signed-origin-statement"  # a statement's downloaded document


@dataclass
class VerificationReport:
    kind: str  # credential | signed_certificate | signed_statement | verification_response
    # | unknown
    checks: list[dict] = field(default_factory=list)
    subject: dict | None = None
    view: str | None = None  # public | code | full, worked out from what is signed
    coverage: list[dict] | None = None  # per field group: shown and signed, or withheld
    ignored: list[str] = field(default_factory=list)  # unsigned fields beside the signature

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c["ok"] for c in self.checks if c["ok"] is not None)

    def add(self, name: str, ok: bool | None, code: str, message: str) -> None:
        self.checks.append({"check": name, "ok": ok, "code": code, "message": message})

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "kind": self.kind,
            "view": self.view,
            "checks": self.checks,
            "coverage": self.coverage,
            "ignored": self.ignored,
            "subject": self.subject,
        }


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
    if "VerifiableCredential" not in types or not {
        CREDENTIAL_TYPE,
        STATEMENT_CREDENTIAL_TYPE,
    } & set(types):
        report.add("format", False, "wrong_type", f"credential type is {types!r}")
    issuer = (payload.get("issuer") or {}).get("id")
    if did and issuer != did:
        report.add("issuer", False, "issuer_mismatch", f"key of {did} but issuer {issuer}")
    else:
        report.add("issuer", True, "known_key", f"issuer {issuer}")
    report.add(*_validity(payload, now))
    statuses = payload.get("credentialStatus") or []
    statuses = statuses if isinstance(statuses, list) else [statuses]
    status_url = ", ".join(str(s.get("id")) for s in statuses if isinstance(s, dict))
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


def _integrity_failure(report: VerificationReport, exc) -> VerificationReport:
    report.add("integrity", False, getattr(exc, "code", "signature_invalid"), str(exc))
    return report


# Wrapper fields of a downloaded document that only label it: never part of the verdict
# (the view is worked out from what the signature discloses, not from a label).
LABELS = {"type", "format", "view", "redacted", "jwks", "links", "kid"}


def verify_sd_jwt_certificate(text: str, jwks: dict, shown: dict | None = None):
    """A certificate view (`dc+sd-jwt`): the signature, every disclosure covered by it, the
    fields `shown` beside it (a downloaded file's `certificate`, `number`, ...) exactly the
    signed ones, and for a full view the recomputed RFC 8785 digest."""
    from . import sdjwt, views

    report = VerificationReport("signed_certificate")
    try:
        verified = sdjwt.verify(text, jwks, typ=views.TYPES)
    except sdjwt.SdJwtError as exc:
        return _integrity_failure(report, exc)
    claims = verified.claims
    if claims.get("vct") in views.STATEMENT_VCTS:
        return verify_statement(verified, shown)
    view = views.view_of(claims, verified.concealed)
    report.add(
        "integrity",
        True,
        "signature_valid",
        f"signed by key {verified.header.get('kid')} on behalf of "
        f"{(claims.get('submitted_by') or {}).get('name')!r}; every shown field is covered",
    )
    certificate = claims.get("certificate") or {}
    mismatch = [
        name
        for name, signed in (
            ("certificate", certificate),
            ("public_id", claims.get("public_id")),
            ("number", claims.get("number")),
            ("digest", claims.get("digest")),
            ("valid_until", claims.get("valid_until")),
        )
        if shown is not None and name in shown and shown[name] != signed
    ]
    if shown is not None and "statement" in shown:  # a statement shown beside a certificate
        mismatch.append("statement")
    if certificate.get("number") not in (None, claims.get("number")):
        mismatch.append("certificate.number")
    if mismatch:
        report.add(
            "document",
            False,
            "claims_mismatch",
            f"shown but not what is signed: {', '.join(mismatch)}",
        )
    elif view == "full":
        report.add(*_digest_check(certificate, claims.get("digest")))
    else:
        report.add(
            "document",
            True,
            "selectively_disclosed",
            f"{view} view: {len(verified.disclosed)} fields shown, each signed; "
            f"{verified.concealed} withheld (signed as salted digests)",
        )
    if claims.get("sandbox") or claims.get("vct") == views.SANDBOX_VCT:
        report.add(
            "sandbox",
            False,
            "sandbox",
            "SANDBOX — NOT A CERTIFICATE OF ORIGIN (signed with the sandbox key set)",
        )
    elif claims.get("vct") != views.VCT:
        report.add("format", False, "wrong_type", f"vct is {claims.get('vct')!r}")
    report.add(
        "status",
        None,
        "not_checked_offline",
        "cancellation or replacement is only known online: "
        + _status_url(claims.get("iss"), claims.get("public_id")),
    )
    ignored = sorted(set(shown or {}) - LABELS - {"sd_jwt", *claims})
    report.view = view
    report.coverage = views.coverage(verified.disclosed)
    report.ignored = ignored
    report.subject = claims
    return report


def verify_statement(verified, shown: dict | None = None, *, today=None):
    """An origin statement's SD-JWT, already verified (`sdjwt.Verified`): the fields `shown`
    beside it must be the signed ones, the statement must hash to its signed digest and read
    as a statement; it is reported for what it is — the exporter's own statement about a
    product, not a certificate of origin — and whether it stands today."""
    from originlink.statement import GROUPS, OriginStatement, statement_digest

    from . import views

    report = VerificationReport("signed_statement")
    claims = verified.claims
    report.add(
        "integrity",
        True,
        "signature_valid",
        f"signed by key {verified.header.get('kid')} on behalf of "
        f"{(claims.get('submitted_by') or {}).get('name')!r}; every shown field is covered",
    )
    statement = claims.get("statement") or {}
    mismatch = [
        name
        for name in ("statement", "public_id", "digest", "valid_from", "valid_until")
        if shown is not None
        and name in shown
        and shown[name] != (statement if name == "statement" else claims.get(name))
    ]
    mismatch += [
        f"statement.{name}"
        for name in ("valid_from", "valid_until")
        if statement.get(name) != claims.get(name)
    ]
    if shown is not None and "certificate" in shown:  # a certificate shown beside a statement
        mismatch.append("certificate")
    if mismatch:
        report.add(
            "document", False, "claims_mismatch", f"shown but not what is signed: {mismatch}"
        )
    elif verified.concealed:
        report.add("document", False, "fields_withheld", "a statement is shown whole")
    elif statement_digest(statement) != claims.get("digest"):
        report.add("document", False, "digest_mismatch", "the statement was altered")
    else:
        try:
            OriginStatement.model_validate(statement)
        except ValueError as exc:
            report.add("document", False, "invalid_document", f"not a statement: {exc}")
        else:
            report.add("document", True, "digest_match", f"hashes to {claims.get('digest')}")
    report.add(
        "kind",
        None,
        "exporters_statement",
        "the exporter's own statement about a product, signed on its behalf; not a "
        "certificate of origin for any shipment, and no issuing body examined it",
    )
    if claims.get("sandbox") or claims.get("vct") == views.SANDBOX_STATEMENT_VCT:
        report.add("sandbox", False, "sandbox", "SANDBOX — NOT AN ORIGIN STATEMENT")
    report.add(*_statement_validity(claims, today or datetime.now(UTC).date()))
    report.add(
        "status",
        None,
        "not_checked_offline",
        "withdrawal or renewal is only known online: "
        + _status_url(claims.get("iss"), claims.get("public_id")),
    )
    shown_fields = {path[1] for path in verified.disclosed if path[0] == "statement"}
    report.coverage = [
        {
            "group": group,
            "fields": list(fields),
            "covered": any(f in shown_fields for f in fields),
            "state": "shown_and_signed" if any(f in shown_fields for f in fields) else "withheld",
        }
        for group, fields in GROUPS.items()
    ]
    report.view = "public"
    report.ignored = sorted(set(shown or {}) - LABELS - {"sd_jwt", *claims})
    report.subject = claims
    return report


def _statement_validity(claims: dict, today) -> tuple:
    valid_from, valid_until = str(claims.get("valid_from")), str(claims.get("valid_until"))
    if today.isoformat() < valid_from:
        return ("validity", False, "not_yet_valid", f"stands from {valid_from}")
    if today.isoformat() > valid_until:
        return ("validity", False, "expired", f"stood until {valid_until}")
    return ("validity", True, "within_validity", f"stands {valid_from} to {valid_until}")


def _status_url(iss, public_id) -> str:
    from originlink.credentials.views import SANDBOX_PATH
    from originlink.links import absolute, verify_path

    origin = str(iss or "").removesuffix(SANDBOX_PATH)
    return absolute(origin, verify_path(str(public_id)))


def _digest_check(certificate: dict, signed_digest) -> tuple:
    from originlink.formats.canonical import digest
    from originlink.model import CertificateInvalid

    try:
        recomputed = digest(certificate)
    except CertificateInvalid as exc:
        return ("document", False, "invalid_document", f"not a certificate: {exc}")
    if recomputed != signed_digest:
        return ("document", False, "digest_mismatch", "the certificate was altered")
    return ("document", True, "digest_match", f"full view; hashes to {recomputed}")


def verify_signed_certificate(data: dict, jwks: dict):
    """A downloaded signed document. The current form carries the view's SD-JWT; the form
    issued before it (a JWS over the digest and number only) verifies only when the whole
    certificate is in the file and hashes to the signed digest — its `view`/`redacted`
    labels are not signed and are ignored."""
    if isinstance(data.get("sd_jwt"), str):
        return verify_sd_jwt_certificate(data["sd_jwt"], jwks, shown=data)
    if data.get("type") == STATEMENT_DOCUMENT:
        report = VerificationReport("signed_statement")
        report.add("integrity", False, "malformed", "a signed statement without its SD-JWT")
        return report
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
    check = _digest_check(data.get("certificate") or {}, claims["digest"])
    if not check[2] == "digest_match":
        check = (
            "document",
            False,
            "fields_not_signed",
            "this older download signs only the digest and number, and its certificate does "
            "not hash to that digest: its fields are not covered; download it again",
        )
    report.add(*check)
    report.subject = {"number": claims.get("number"), "digest": claims.get("digest")}
    return report


def answer_digest(answer: dict) -> str:
    """What a status attestation signs of the answer it came with: the RFC 8785 SHA-256 of
    the whole answer but the attestation itself, so no part of a saved answer can be edited."""
    import hashlib

    import rfc8785

    body = {k: v for k, v in answer.items() if k != "status_attestation"}
    return "sha256:" + hashlib.sha256(rfc8785.dumps(body)).hexdigest()


def _legal_offline(legal: dict, claims: dict, issuer_jwks: dict | None) -> tuple:
    """The legal certification of a saved answer, offline. Only an issuing body's endorsement
    can be verified here — against that body's own published keys (`issuer_jwks`); anything
    else is reported for what it is, never as verified."""
    from .certification import verify_endorsement

    code = legal.get("code")
    body = (legal.get("by") or {}).get("name") or (legal.get("by") or {}).get("id") or "?"
    token = legal.get("endorsement")
    if isinstance(token, str):
        if issuer_jwks is None:
            return (
                "legal",
                None,
                "not_checked_offline",
                f"the service says {code} by {body}; give --issuer-jwks (that body's published "
                "keys) to check its own signature offline",
            )
        check = verify_endorsement(
            token, jwks=issuer_jwks, digest=claims.get("digest"), number=claims.get("number")
        )
        return ("legal", check.ok, check.code, check.message)
    if code == "approved_exporter":
        auth = (legal.get("by") or {}).get("authorisation_code")
        return ("legal", None, code, f"a declaration by an approved exporter (code {auth})")
    if code == "recorded":
        where = legal.get("lookup_url") or "the issuing body"
        return (
            "legal",
            None,
            code,
            f"certificate number {legal.get('number')} recorded by the exporter, not verified: "
            f"check it with {body} ({where})",
        )
    return ("legal", None, code or "not_certified", "not certified by an issuing body")


def verify_status_attestation(data: dict, jwks: dict, issuer_jwks: dict | None = None):
    """A saved `/v1/verify/{id}` answer: its `status_attestation` JWS must verify and cover
    the whole answer (`answer` claim); the certificate in it must be its view's SD-JWT."""
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
    if claims.get("answer") != answer_digest(data) or claims.get("sub") != data.get("public_id"):
        report.add("integrity", False, "claims_mismatch", "the answer differs from what is signed")
        return report
    report.add("integrity", True, "signature_valid", f"answer signed by key {header.get('kid')}")
    if isinstance(data.get("sd_jwt"), str):
        what = "statement" if "statement" in data else "certificate"
        document = verify_sd_jwt_certificate(data["sd_jwt"], jwks, shown={what: data.get(what)})
        if (what == "statement") != (document.kind == "signed_statement"):
            document.add("document", False, "claims_mismatch", f"not the SD-JWT of a {what}")
        if (document.subject or {}).get("digest") not in (None, claims.get("digest")):
            document.add("document", False, "claims_mismatch", "status and document differ")
        report.checks += [c for c in document.checks if c["check"] != "status"]
        report.view, report.coverage = document.view, document.coverage
    elif data.get("certificate") is not None or data.get("statement") is not None:
        report.add("document", False, "fields_not_signed", "the document has no SD-JWT")
    legal = (data.get("checks") or {}).get("legal")
    if isinstance(legal, dict):
        report.add(*_legal_offline(legal, claims, issuer_jwks))
    report.add(
        "status",
        claims["status"] == "valid",
        claims["status"],
        f"status {claims['status']} as checked on {claims.get('checked_on')}"
        + (f" (since {claims['since']})" if claims.get("since") else ""),
    )
    report.subject = claims
    return report


def verify_file(content: str | bytes, jwks: dict, issuer_jwks: dict | None = None):
    """Work out what the file is and verify it. Never raises on bad input. `issuer_jwks`: an
    issuing body's published keys, to check its endorsement in a saved answer offline."""
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    text = text.strip()
    if not text.startswith("{") and "~" in text:
        return verify_sd_jwt_certificate(text, jwks)
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
        if data.get("type") in {"originlink.signed-certificate", STATEMENT_DOCUMENT}:
            return verify_signed_certificate(data, jwks)
        if "status_attestation" in data:
            return verify_status_attestation(data, jwks, issuer_jwks)
    report = VerificationReport("unknown")
    report.add("format", False, "unknown_format", "not a credential or signed certificate")
    return report
