"""Request and response bodies of the exporter API as pydantic models. The OpenAPI document
(`openapi.py`) is generated from these and from the core's `Certificate`; the routes build
their answers through them, so the published schema is what is actually sent."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from originlink.model import Certificate, Problem
from originlink.model.types import Reference, text
from originlink.statement import OriginStatement

from .lifecycle import State


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProblemDetail(BaseModel):
    """RFC 9457 problem details, plus a stable `code`, the article and per-field `errors`."""

    type: str
    title: str
    status: int
    code: str = Field(description="stable machine-readable code")
    detail: str
    instance: str | None = None
    article: str | None = None
    errors: list[Problem] | None = None


class Signature(BaseModel):
    alg: Literal["ES256"]
    kid: str = Field(description="RFC 7638 thumbprint of the key in /.well-known/jwks.json")
    jws: str = Field(description="compact JWS over the attestation claims (incl. the digest)")


class PrintLink(BaseModel):
    """What to print on the certificate: built by `originlink.links.print_link` from the
    service's configured public origin."""

    url: str = Field(
        description="the QR link, access code in its fragment: encode it in the QR code and "
        "print it under it"
    )
    url_public: str = Field(description="the same link without the access code")
    short_code: str = Field(description="short code grouped by four, to type at `lookup`")
    access_code: str | None = Field(description="access code grouped by four")
    lookup: str = Field(description="the typed-in lookup page")
    sandbox: bool = Field(description="print SANDBOX — NOT A CERTIFICATE OF ORIGIN when true")


class Links(BaseModel):
    self: str
    events: str
    verify: str
    page: str
    print: PrintLink


class CustomsStatus(BaseModel):
    """Where the certificate goes and how (docs/customs.md), decided when it was issued."""

    destination: str = Field(description="the importing Party")
    mode: Literal["direct", "manual-review", "paper-parallel"] = Field(
        description="paper-parallel: not sent electronically; customs check the paper or PDF"
    )
    format: str | None = Field(description="message format/version, e.g. json/1.1, ubl/2.1")
    why: str | None = Field(description="why it is paper-parallel")
    reference: str | None = Field(description="the destination's own reference, once it has one")
    issuing_body: str | None = Field(description="the issuing body of a Certificate of Origin")
    waiting_for: Literal["endorsement"] | None = Field(
        description="sent on to customs once the issuing body endorsed it"
    )
    note: str = Field(description="one sentence saying all of this")


class Certification(BaseModel):
    """Who legally certified it (originlink.credentials.certification): `endorsed` (the
    issuing body's own signature, verified), `refused` (by it, with reasons) or `recorded`
    (an official certificate number the exporter recorded: not verified electronically)."""

    kind: Literal["endorsed", "refused", "recorded"]
    issuing_body: str
    number: str | None = None
    jws: str | None = Field(None, description="the issuing body's signed decision")
    reasons: list[str] | None = None
    lookup_url: str | None = Field(None, description="the issuing body's official lookup")
    pdf_sha256: str | None = Field(None, description="SHA-256 of the official PDF")
    recorded_by: str | None = None
    at: str


class OfficialCertificateRequest(_In):
    """The official certificate an issuing body issued outside OriginLink, recorded by the
    exporter (shown as recorded by the exporter, not verified electronically)."""

    issuing_body: str = Field(
        pattern=r"^[A-Z]{2}-[A-Z0-9]{2,16}$",
        description="a configured issuing body (GET /v1/customs/destinations), e.g. CN-GACC",
    )
    number: Reference = Field(description="its certificate number (shown on the page)")
    lookup_url: str = Field(
        min_length=8, max_length=2000, description="its official lookup link (https)"
    )
    pdf_base64: str | None = Field(
        None, max_length=1_000_000, description="the official PDF (its hash is kept)"
    )
    pdf_sha256: str | None = Field(
        None, pattern=r"^[0-9a-f]{64}$", description="or the SHA-256 of the official PDF"
    )


class WebhookRequest(_In):
    url: str = Field(min_length=8, max_length=2000)
    secret: str | None = Field(
        None,
        min_length=32,
        max_length=200,
        description="shared secret for the HMAC signature; generated and shown once if absent",
    )


class WebhookOut(BaseModel):
    url: str
    secret_hint: str = Field(description="the secret's last four characters")
    secret: str | None = Field(None, description="only when generated by this request")
    events: list[str]
    created_at: str
    updated_at: str


class CertificateResource(BaseModel):
    id: str
    public_id: str = Field(description="public identifier (>= 128 random bits) for verification")
    access_code: str = Field(description="lets the holder of the link see the full certificate")
    state: State
    version: int
    number: str
    document_type: str
    importing_party: str
    digest: str = Field(description="sha256 of the RFC 8785 canonical JSON of `certificate`")
    signature: Signature
    created_at: str
    updated_at: str
    replaces: str | None = None
    replaced_by: str | None = None
    copy_of: str | None = None
    sandbox: bool = Field(
        False, description="issued with a sandbox API key and key set: not a certificate"
    )
    links: Links
    customs: CustomsStatus | None = Field(
        None, description="null for certificates issued before the customs exchange existed"
    )
    certification: Certification | None = Field(
        None, description="null: not certified by an issuing body (yet)"
    )
    certificate: Certificate


class CertificateList(BaseModel):
    items: list[CertificateResource]
    next: str | None = Field(None, description="cursor for the next page (`?after=`)")


class EventOut(BaseModel):
    certificate_id: str
    seq: int
    type: str
    state: str
    at: str
    actor: str
    detail: dict
    prev_hash: str | None
    hash: str


class EventList(BaseModel):
    items: list[EventOut]
    chain_intact: bool


class PrecheckClassification(BaseModel):
    """The lane of `originlink.classify` (docs/classification.md) and why."""

    lane: Literal["green", "amber", "red"]
    reasons: list[str]


class PrecheckResult(BaseModel):
    valid: bool
    errors: list[Problem]
    warnings: list[Problem] = Field(default_factory=list, description="see docs/classification.md")
    classification: PrecheckClassification | None = Field(
        default=None, description="null when the certificate is not valid"
    )
    digest: str | None = None
    valid_until: str | None = None


# Reasons and notes are shown on the public page: plain text, as every field of the model.
Reason = text(500)


class CancelRequest(_In):
    reason: Reason


class ReplaceRequest(_In):
    """Art 3.17.5: a new certificate that invalidates the original (the published schema)."""

    certificate: Certificate = Field(description="the corrected certificate")
    reason: Reason


class ReplaceBody(_In):
    """How a replace request is read: the same shape as `ReplaceRequest`, but the certificate
    is left to the core's `check_certificate`, which reports every problem with its article."""

    certificate: dict
    reason: Reason


class CertifiedTrueCopyRequest(_In):
    """Art 3.17.9: a copy of a lost, stolen or destroyed original."""

    reason: Literal["lost", "stolen", "destroyed"]
    note: Reason | None = None


class Jwk(BaseModel):
    kty: str
    crv: str
    x: str
    y: str
    kid: str
    alg: str
    use: str


class Jwks(BaseModel):
    keys: list[Jwk]


# --- origin statements --------------------------------------------------------------------

# Shown on the statement's public page: bounded, and no control characters (the core's text).
StatementReason = text(500)


class StatementLinks(BaseModel):
    self: str
    events: str
    verify: str = Field(description="the JSON verification (public)")
    page: str = Field(description="the verification page (public)")
    badge: str = Field(description="the badge (SVG) for any website")
    qr: str
    url: str = Field(description="the printed link (QR-compact), e.g. for the product sheet")
    short_code: str = Field(description="short code grouped by four, to type at the lookup")
    embed_html: str = Field(
        description="copy-and-paste HTML: the badge linking to the verification page"
    )


class StatementResource(BaseModel):
    """An origin statement as the exporter API answers it (statements.resource)."""

    id: str
    public_id: str = Field(description="public identifier (>= 128 random bits)")
    state: Literal["published", "withdrawn", "superseded"] = Field(
        description="published: public and standing between its dates (expiry is not a "
        "state); withdrawn by the exporter; superseded by its renewal"
    )
    version: int
    product_ref: str = Field(description="the product's reference: one statement at a time")
    digest: str = Field(description="sha256 of the RFC 8785 canonical JSON of `statement`")
    signature: Signature
    created_at: str
    updated_at: str
    supersedes: str | None = None
    superseded_by: str | None = None
    sandbox: bool = False
    links: StatementLinks
    statement: OriginStatement


class StatementList(BaseModel):
    items: list[StatementResource]
    next: str | None = Field(None, description="cursor for the next page (`?after=`)")


class RenewStatementRequest(_In):
    """A new statement about the same product (fresh assessment, new dates) that supersedes
    this one (the published schema)."""

    statement: OriginStatement
    reason: StatementReason | None = None


class RenewStatementBody(_In):
    """How a renewal is read: the statement is left to `originlink.statement.check_statement`,
    which reports every problem at once with its article."""

    statement: dict
    reason: StatementReason | None = None


class WithdrawStatementRequest(_In):
    reason: StatementReason
