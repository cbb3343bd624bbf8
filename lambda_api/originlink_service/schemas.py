"""Request and response bodies of the exporter API as pydantic models. The OpenAPI document
(`openapi.py`) is generated from these and from the core's `Certificate`; the routes build
their answers through them, so the published schema is what is actually sent."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from originlink.model import Certificate, Problem

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


class CancelRequest(_In):
    reason: str = Field(min_length=1, max_length=500)


class ReplaceRequest(_In):
    """Art 3.17.5: a new certificate that invalidates the original (the published schema)."""

    certificate: Certificate = Field(description="the corrected certificate")
    reason: str = Field(min_length=1, max_length=500)


class ReplaceBody(_In):
    """How a replace request is read: the same shape as `ReplaceRequest`, but the certificate
    is left to the core's `check_certificate`, which reports every problem with its article."""

    certificate: dict
    reason: str = Field(min_length=1, max_length=500)


class CertifiedTrueCopyRequest(_In):
    """Art 3.17.9: a copy of a lost, stolen or destroyed original."""

    reason: Literal["lost", "stolen", "destroyed"]
    note: str | None = Field(None, max_length=500)


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
