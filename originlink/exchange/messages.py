"""Messages to a customs destination (purpose `import`) or an issuing body (purpose
`certification`): the certificate, what OriginLink attests about it, a header, and a signature
over the whole message with the service's key. Two formats, each versioned:

- JSON `1.0` and `1.1` (1.1 adds `certification`: the issuing body's endorsement or the
  official certificate the exporter recorded). The body on the wire is compact JSON;
  `signature` is a compact JWS (ES256, `typ` MESSAGE_TYP) whose claims carry the SHA-256 of the
  RFC 8785 canonical form of the message without `signature`. JSON Schemas:
  `schemas/customs-message-json-<v>.schema.json`.
- UBL `2.1`: the core's UBL 2.1 `CertificateOfOrigin` (formats/ubl.py) with two more
  `ext:UBLExtension`s: the header (`urn:originlink:customs-message:1`) and, last, the signature
  (`urn:originlink:message-signature:1`) whose JWS claims carry the SHA-256 of the exclusive
  XML canonicalisation (C14N 1.0, no comments) of the document without that last extension.

Both carry the same message id on every attempt: a receiver drops a repeated id (answering as
before), which is what makes delivery exactly-once where the network is not. Fields map to the
WCO Data Model where one exists (`WCO_MAPPING`, docs/customs-messages.md).
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import rfc8785
from lxml import etree
from pydantic import BaseModel, ConfigDict, Field

from originlink.formats import ubl
from originlink.model import Certificate, CertificateInvalid

from .fields import (  # noqa: F401  (part of this module's interface)
    DIGEST_PATTERN,
    FORMATS,
    ID_PATTERN,
    JSON_VERSIONS,
    JWS_PATTERN,
    RECIPIENT_PATTERN,
    TIME_PATTERN,
    UBL_VERSIONS,
)

FORMAT_NAME = "originlink.customs-message"
MESSAGE_TYP = "originlink-customs-message+jwt"
CONTENT_TYPES = {"json": "application/json", "ubl": "application/xml"}
# Message function codes of UN/EDIFACT 1225, as the WCO Data Model's item 017 uses them.
FUNCTION_CODES = {"submit": "9", "cancel": "1"}
PURPOSES = ("import", "certification")

HEADER_URI = "urn:originlink:customs-message:1"
SIGNATURE_URI = "urn:originlink:message-signature:1"
SCHEMAS = Path(__file__).with_name("schemas")


class MessageError(ValueError):
    """The message is not one this module can read, or its signature does not hold."""


# --- the header, the attestation, the certification: one definition for both formats -----


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Header(_Strict):
    """Who sends what to whom, and why. `id` is the message id (the same on every retry)."""

    id: str = Field(pattern=ID_PATTERN, description="message id, the same on every attempt")
    function: Literal["submit", "cancel"]
    function_code: Literal["9", "1"] = Field(description="UN/EDIFACT 1225 (WCO DM 017)")
    purpose: Literal["import", "certification"]
    sender: str = Field(min_length=1, max_length=200)
    recipient: str = Field(pattern=RECIPIENT_PATTERN)
    sent_at: str = Field(pattern=TIME_PATTERN)
    review: Literal["manual"] | None = Field(
        None, description="manual: the destination asked for an officer to review every one"
    )
    reason: str | None = Field(None, max_length=500, description="why it was cancelled")
    replaced_by: str | None = Field(
        None, max_length=100, description="number of the replacing certificate (Art 3.17.5)"
    )


class Attestation(_Strict):
    """What OriginLink signed when it issued the certificate: the digest of the certificate's
    RFC 8785 canonical JSON, under the service's JWS (its keys: /.well-known/jwks.json)."""

    certificate_id: str = Field(pattern=ID_PATTERN)
    public_id: str = Field(pattern=ID_PATTERN)
    digest: str = Field(pattern=DIGEST_PATTERN)
    jws: str = Field(pattern=JWS_PATTERN)


class CertificationBlock(_Strict):
    """The legal certification as the service holds it (originlink.credentials.certification)."""

    kind: Literal["endorsed", "refused", "recorded"]
    issuing_body: str = Field(min_length=1, max_length=100)
    number: str | None = Field(None, max_length=100)
    jws: str | None = Field(None, pattern=JWS_PATTERN)
    reasons: list[str] | None = None
    lookup_url: str | None = Field(None, max_length=2000)
    pdf_sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    recorded_by: str | None = Field(None, max_length=100)
    at: str = Field(pattern=TIME_PATTERN)


class JsonMessage10(_Strict):
    format: Literal["originlink.customs-message"]
    version: Literal["1.0"]
    header: Header
    attestation: Attestation
    certificate: Certificate
    signature: str = Field(pattern=JWS_PATTERN)


class JsonMessage11(_Strict):
    format: Literal["originlink.customs-message"]
    version: Literal["1.1"]
    header: Header
    attestation: Attestation
    certificate: Certificate
    certification: CertificationBlock | None = Field(
        description="null when no issuing body has certified it (yet)"
    )
    signature: str = Field(pattern=JWS_PATTERN)


JSON_MODELS = {"1.0": JsonMessage10, "1.1": JsonMessage11}


@dataclass(frozen=True)
class Message:
    """A message before it is written in a format."""

    header: Header
    attestation: Attestation
    certificate: dict  # the certificate in JSON mode, exactly as stored (its digest holds)
    certification: dict | None = None


def header(
    *,
    id: str,
    function: str,
    purpose: str,
    sender: str,
    recipient: str,
    sent_at: str,
    review: str | None = None,
    reason: str | None = None,
    replaced_by: str | None = None,
) -> Header:
    return Header(
        id=id,
        function=function,
        function_code=FUNCTION_CODES[function],
        purpose=purpose,
        sender=sender,
        recipient=recipient,
        sent_at=sent_at,
        review=review,
        reason=reason,
        replaced_by=replaced_by,
    )


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _sign(digest: str, message_id: str, signer, issuer: str) -> str:
    from originlink.signing import sign_jws  # lazy: needs cryptography

    claims = {"iss": issuer, "message_id": message_id, "digest": digest}
    return sign_jws(rfc8785.dumps(claims), signer, typ=MESSAGE_TYP)


def _check_signature(token: str, jwks, digest: str, message_id: str) -> dict:
    from originlink.signing import JwsError, verify_jws
    from originlink.signing.jws import decode_unverified

    try:
        head, _ = decode_unverified(token)
        if head.get("typ") != MESSAGE_TYP:
            raise MessageError(f"signature: typ is {head.get('typ')!r}, not {MESSAGE_TYP!r}")
        claims = verify_jws(token, jwks)
    except JwsError as exc:
        raise MessageError(f"signature: {exc}") from exc
    if claims.get("digest") != digest:
        raise MessageError("signature: it covers other content (digest differs)")
    if claims.get("message_id") != message_id:
        raise MessageError("signature: it names another message id")
    return claims


# --- JSON ----------------------------------------------------------------------------------


def json_unsigned(version: str, message: Message) -> dict:
    if version not in JSON_VERSIONS:
        raise MessageError(f"JSON message version {version!r} is not one of {JSON_VERSIONS}")
    body = {
        "format": FORMAT_NAME,
        "version": version,
        "header": message.header.model_dump(mode="json"),
        "attestation": message.attestation.model_dump(mode="json"),
        "certificate": message.certificate,
    }
    if version != "1.0":
        body["certification"] = message.certification
    return body


def write_json(version: str, message: Message, signer, issuer: str) -> bytes:
    """The signed message as compact JSON bytes (what goes on the wire). The signature covers
    the RFC 8785 form of the rest, which the receiver computes again from what it parsed, so
    the wire form itself needs no canonicalisation."""
    body = json_unsigned(version, message)
    body["signature"] = _sign(_digest(rfc8785.dumps(body)), message.header.id, signer, issuer)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def read_json(data: bytes, jwks) -> dict:
    """The message, after its signature is checked against `jwks` (the sender's keys). Shape
    is checked with the JSON Schema of its version (`json_schema`) by the receiver."""
    try:
        body = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise MessageError(f"not JSON: {exc}") from exc
    if not isinstance(body, dict) or not isinstance(body.get("signature"), str):
        raise MessageError("not a signed customs message (no signature)")
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    message_id = ((body.get("header") or {}) if isinstance(body.get("header"), dict) else {}).get(
        "id"
    )
    _check_signature(body["signature"], jwks, _digest(rfc8785.dumps(unsigned)), message_id)
    return body


@cache
def json_schema(version: str) -> dict:
    """The published JSON Schema of a JSON message version (a file kept in the package)."""
    if version not in JSON_VERSIONS:
        raise MessageError(f"JSON message version {version!r} is not one of {JSON_VERSIONS}")
    path = SCHEMAS / f"customs-message-json-{version}.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


def generate_json_schema(version: str) -> dict:
    """The schema as the models define it today, with the WCO Data Model ids of the mapped
    fields as `x-wco-id` (tests keep the published files equal to this)."""
    schema = JSON_MODELS[version].model_json_schema(mode="serialization")
    schema["$id"] = f"urn:originlink:customs-message:json:{version}"
    schema["title"] = f"OriginLink customs message, JSON {version}"
    for row in WCO_MAPPING:
        node = _schema_node(schema, row.json_path)
        if node is not None:
            node["x-wco-id"] = row.wco_id
            node["x-wco-name"] = row.wco_name
    return schema


def _schema_node(schema: dict, path: str) -> dict | None:
    """The schema object of a dotted path like `certificate.goods_items[].hs_code`."""
    node = schema
    for part in path.split("."):
        name = part.removesuffix("[]")
        node = _resolve(schema, node)
        props = node.get("properties") or {}
        if name not in props:
            return None
        node = props[name]
        if part.endswith("[]"):
            node = _resolve(schema, node).get("items", {})
    return node


def _resolve(schema: dict, node: dict) -> dict:
    while True:
        if "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
        elif "anyOf" in node:  # Optional[X]: the non-null branch
            node = next((n for n in node["anyOf"] if n.get("type") != "null"), node["anyOf"][0])
        else:
            return node


# --- UBL 2.1 -------------------------------------------------------------------------------


def _q(tag: str) -> str:
    prefix, name = tag.split(":")
    return f"{{{ubl.NSMAP[prefix]}}}{name}"


def _extensions(root):
    found = root.find(_q("ext:UBLExtensions"))
    if found is None:
        raise MessageError("not an OriginLink UBL document (no ext:UBLExtensions)")
    return found


def _add_extension(root, uri: str):
    ext = etree.SubElement(_extensions(root), _q("ext:UBLExtension"))
    etree.SubElement(ext, _q("ext:ExtensionURI")).text = uri
    return etree.SubElement(ext, _q("ext:ExtensionContent"))


def _ol(parent, name: str, value) -> None:
    if value is not None:
        etree.SubElement(parent, _q(f"ol:{name}")).text = str(value)


def _c14n(root) -> bytes:
    return etree.tostring(root, method="c14n", exclusive=True, with_comments=False)


def write_ubl(message: Message, signer, issuer: str) -> bytes:
    """The UBL 2.1 CertificateOfOrigin with the header and signature extensions."""
    cert = Certificate.model_validate(message.certificate)
    root = ubl.parse_xml_safely(ubl.to_ubl_xml(cert))
    content = _add_extension(root, HEADER_URI)
    head = etree.SubElement(content, _q("ol:CustomsMessage"))
    for name, value in message.header.model_dump().items():
        _ol(head, _camel(name), value)
    att = etree.SubElement(head, _q("ol:Attestation"))
    for name, value in message.attestation.model_dump().items():
        _ol(att, _camel(name), value)
    if message.certification:
        cert_el = etree.SubElement(head, _q("ol:Certification"))
        for name, value in message.certification.items():
            if isinstance(value, list):
                for item in value:
                    _ol(cert_el, _camel(name.rstrip("s")), item)
            else:
                _ol(cert_el, _camel(name), value)
    token = _sign(_digest(_c14n(root)), message.header.id, signer, issuer)
    _ol(_add_extension(root, SIGNATURE_URI), "JWS", token)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _camel(name: str) -> str:
    special = {"id": "ID", "public_id": "PublicID", "certificate_id": "CertificateID"}
    special |= {"jws": "JWS", "pdf_sha256": "PDFSHA256", "lookup_url": "LookupURL"}
    return special.get(name) or "".join(p.capitalize() for p in name.split("_"))


@dataclass(frozen=True)
class UblMessage:
    header: dict
    attestation: dict
    certification: dict | None
    certificate: Certificate
    document: etree._Element  # the signed document, parsed (for schema validation)


def read_ubl(data: bytes, jwks) -> UblMessage:
    """Parse safely (no DTD, no entities, no network), check the signature, read the header
    and the certificate. Schema validation against the UBL 2.1 XSD is the receiver's."""
    try:
        root = ubl.parse_xml_safely(data)
    except CertificateInvalid as exc:
        raise MessageError(f"XML: {exc.problems[0].message}") from exc
    signature_ext = head_el = None
    for ext in _extensions(root).findall(_q("ext:UBLExtension")):
        uri = ext.findtext(_q("ext:ExtensionURI"))
        if uri == SIGNATURE_URI:
            signature_ext = ext
        elif uri == HEADER_URI:
            head_el = ext.find(f"{_q('ext:ExtensionContent')}/{_q('ol:CustomsMessage')}")
    if signature_ext is None or head_el is None:
        raise MessageError("not a signed customs message (header or signature extension missing)")
    token = signature_ext.findtext(f"{_q('ext:ExtensionContent')}/{_q('ol:JWS')}") or ""
    signed = copy.deepcopy(root)
    for ext in _extensions(signed).findall(_q("ext:UBLExtension")):
        if ext.findtext(_q("ext:ExtensionURI")) == SIGNATURE_URI:
            ext.getparent().remove(ext)
    header_fields = _read_fields(head_el, Header)
    _check_signature(token, jwks, _digest(_c14n(signed)), header_fields.get("id"))
    att_el = head_el.find(_q("ol:Attestation"))
    attestation = _read_fields(att_el, Attestation) if att_el is not None else {}
    cert_el = head_el.find(_q("ol:Certification"))
    certification = _read_fields(cert_el, CertificationBlock) if cert_el is not None else None
    try:
        certificate = ubl.from_ubl_xml(etree.tostring(signed))
    except CertificateInvalid as exc:
        raise MessageError(f"certificate: {exc.problems[0].message}") from exc
    return UblMessage(header_fields, attestation, certification, certificate, root)


def _read_fields(el, model: type[BaseModel]) -> dict:
    out: dict = {}
    for name, field in model.model_fields.items():
        if name == "reasons":
            values = [c.text or "" for c in el.findall(_q("ol:Reason"))]
            if values:
                out[name] = values
            continue
        text = el.findtext(_q(f"ol:{_camel(name)}"))
        if text is not None or field.is_required():
            out[name] = text
    return out


# --- the mapping to the WCO Data Model --------------------------------------------------


@dataclass(frozen=True)
class WcoRow:
    json_path: str  # in the JSON message
    ubl_path: str  # where the UBL 2.1 writer puts it
    wco_id: str
    wco_name: str
    source: str  # where the id was read (docs/customs-messages.md lists the sources)


UBL_ANNOTATIONS = "UBL 2.1 schema annotation"
ICS2_HTI = "EU ICS2 HTI v2.02"
WCO_DATA_SET = "WCO Data Set v3"

WCO_MAPPING: tuple[WcoRow, ...] = (
    WcoRow(
        "header.function_code",
        "ol:CustomsMessage/ol:FunctionCode",
        "017",
        "Message function, coded",
        WCO_DATA_SET,
    ),
    WcoRow("certificate.issue_date", "cbc:IssueDate", "D011", "Document issuing date", ICS2_HTI),
    WcoRow(
        "certificate.exporting_party",
        "cac:CertificateOfOriginApplication/cac:IssuingCountry",
        "062",
        "Country of exportation",
        UBL_ANNOTATIONS,
    ),
    WcoRow("certificate.exporter", "cac:ExporterParty", "41, 42", "Exporter", UBL_ANNOTATIONS),
    WcoRow(
        "certificate.exporter.address",
        "cac:ExporterParty/cac:PostalAddress/cac:AddressLine/cbc:Line",
        "239",
        "Street and number/P.O. Box",
        ICS2_HTI,
    ),
    WcoRow(
        "certificate.exporter.country",
        "cac:ExporterParty/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
        "242",
        "Country, coded",
        ICS2_HTI,
    ),
    WcoRow("certificate.importer", "cac:ImporterParty", "39, 40", "Importer", UBL_ANNOTATIONS),
    WcoRow(
        "certificate.importer.address",
        "cac:ImporterParty/cac:PostalAddress/cac:AddressLine/cbc:Line",
        "239",
        "Street and number/P.O. Box",
        ICS2_HTI,
    ),
    WcoRow(
        "certificate.importer.country",
        "cac:ImporterParty/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
        "242",
        "Country, coded",
        ICS2_HTI,
    ),
    WcoRow(
        "certificate.transport.vessel_or_flight",
        "cac:TransportMeans/cbc:JourneyID",
        "205",
        "Voyage number, scheduled conveyance identifier, flight number",
        UBL_ANNOTATIONS,
    ),
    WcoRow(
        "certificate.goods_items[].item_number",
        "cac:GoodsItem/cbc:ID",
        "006",
        "Sequence number",
        ICS2_HTI,
    ),
    WcoRow(
        "certificate.goods_items[].description",
        "cac:GoodsItem/cbc:Description",
        "137",
        "Description of goods",
        UBL_ANNOTATIONS,
    ),
    WcoRow(
        "certificate.goods_items[].hs_code",
        "cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode",
        "145",
        "Tariff code number",
        UBL_ANNOTATIONS,
    ),
    WcoRow(
        "certificate.goods_items[].country_of_origin",
        "cac:Item/cac:OriginCountry/cbc:IdentificationCode",
        "063",
        "Country of origin, coded",
        ICS2_HTI,
    ),
    WcoRow(
        "certificate.goods_items[].gross_weight",
        "cac:GoodsItem/cbc:GrossWeightMeasure",
        "126",
        "Gross weight item level",
        ICS2_HTI,
    ),
    WcoRow(
        "certificate.goods_items[].packages.number",
        "cac:GoodsItem/cac:ContainingPackage/cbc:Quantity",
        "144",
        "Number of packages",
        ICS2_HTI,
    ),
)


def wco_rows() -> list[dict]:
    return [asdict(row) for row in WCO_MAPPING]
