"""OASIS UBL 2.1 `CertificateOfOrigin` XML: write and read back without loss.

Facts with a UBL element are written there and read back from there (a UBL-only consumer sees
the exporter, importer, goods, HS codes, criteria, FOB, transport, certification). RCEP facts
UBL has no element for go in one `ext:UBLExtension` whose content is an `ol:RCEPFacts` element in
the OriginLink namespace, written as plain nested elements named like the JSON fields. The full
mapping is in docs/formats.md.

Input is parsed safely: no DTD (any DOCTYPE is refused), no entity expansion, no network, no
huge-tree mode, bounded size. Every failure is a CertificateInvalid with structured problems.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from originlink.model import Certificate, CertificateInvalid, Problem, parse_certificate
from originlink.model.types import decimal_text

NS_DOC = "urn:oasis:names:specification:ubl:schema:xsd:CertificateOfOrigin-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS_EXT = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
NS_OL = "urn:originlink:names:specification:certificate-of-origin:1"
NSMAP = {None: NS_DOC, "cac": NS_CAC, "cbc": NS_CBC, "ext": NS_EXT, "ol": NS_OL}

EXTENSION_URI = "urn:originlink:rcep-facts:1"
CUSTOMIZATION_ID = "urn:originlink:certificate-of-origin:1"
HS_LIST_ID = "HS"
MAX_XML_BYTES = 4 * 1024 * 1024
ARTICLE = "Annex 3B"

# Box 17 / Box 14 marks also written as human-readable notes (informational; facts are in the
# extension).
MARK_RETRO = "ISSUED RETROACTIVELY"
MARK_COPY = "CERTIFIED TRUE COPY"
MARK_BTB = "BACK-TO-BACK"
MARK_TPI = "THIRD-PARTY INVOICING"


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _sub(parent, ns: str, tag: str, text: object = None, **attrs):
    el = etree.SubElement(parent, _q(ns, tag), {k: str(v) for k, v in attrs.items()})
    if text is not None:
        el.text = _text(text)
    return el


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return decimal_text(value)
    return str(value)


def _cbc(parent, tag, text=None, **attrs):
    return _sub(parent, NS_CBC, tag, text, **attrs)


def _cac(parent, tag):
    return _sub(parent, NS_CAC, tag)


# --- writing ----------------------------------------------------------------------------------


def _party(parent, tag: str, party, *, party_id: str | None = None, city: str | None = None):
    el = _cac(parent, tag)
    if party_id is not None:
        _cbc(_cac(el, "PartyIdentification"), "ID", party_id)
    _cbc(_cac(el, "PartyName"), "Name", party.name)
    addr = _cac(el, "PostalAddress")
    if city is not None:
        _cbc(addr, "CityName", city)
    _cbc(_cac(addr, "AddressLine"), "Line", party.address)
    _cbc(_cac(addr, "Country"), "IdentificationCode", party.country)
    return el


def _plain_party(parent, tag: str, name: str, city: str | None = None, party_id=None):
    el = _cac(parent, tag)
    if party_id is not None:
        _cbc(_cac(el, "PartyIdentification"), "ID", party_id)
    _cbc(_cac(el, "PartyName"), "Name", name)
    if city is not None:
        _cbc(_cac(el, "PostalAddress"), "CityName", city)
    return el


def _facts(parent, tag: str, value) -> None:
    """Generic JSON-like value -> OriginLink elements (None is omitted, lists are marked)."""
    if value is None:
        return
    el = _sub(parent, NS_OL, tag)
    if isinstance(value, dict):
        for key, sub in value.items():
            _facts(el, key, sub)
    elif isinstance(value, list):
        el.set("list", "true")
        for sub in value:
            if sub is None:
                _sub(el, NS_OL, "item").set("null", "true")
            else:
                _facts(el, "item", sub)
    else:
        el.text = _text(value)


def _extension_facts(cert: Certificate) -> dict:
    dumped = cert.model_dump(mode="json")
    facts = {
        "schema_version": dumped["schema_version"],
        "importing_party": dumped["importing_party"],
        "producer": dumped["producer"],
        "invoices": dumped["invoices"],
        "back_to_back": dumped["back_to_back"],
        "third_party_invoicing": dumped["third_party_invoicing"],
        "issued_retroactively": dumped["issued_retroactively"],
        "certified_true_copy": dumped["certified_true_copy"],
        "exporter_declaration": {
            k: v for k, v in dumped["exporter_declaration"].items() if k != "signatory"
        },
        "certification_date": (dumped["certification"] or {}).get("date"),
        "approved_exporter_code": dumped["approved_exporter_code"],
        "official_use": dumped["official_use"],
        "goods_items": [
            {
                "marks": g["marks"],
                "packages_kind": (g["packages"] or {}).get("kind"),
                "country_of_origin_marker": g["country_of_origin_marker"],
                "criterion_basis": g.get("criterion_basis"),
                "evidence": g["evidence"],
            }
            for g in dumped["goods_items"]
        ],
    }
    return facts


FACT_KEYS = {
    "schema_version",
    "importing_party",
    "producer",
    "invoices",
    "back_to_back",
    "third_party_invoicing",
    "issued_retroactively",
    "certified_true_copy",
    "exporter_declaration",
    "certification_date",
    "approved_exporter_code",
    "official_use",
    "goods_items",
}
GOODS_FACT_KEYS = {
    "marks",
    "packages_kind",
    "country_of_origin_marker",
    "criterion_basis",
    "evidence",
}


def _goods_item(shipment, item) -> None:
    g = _cac(shipment, "GoodsItem")
    _cbc(g, "ID", item.item_number)
    _cbc(g, "Description", item.description)
    if item.fob_value is not None:
        _cbc(g, "FreeOnBoardValueAmount", item.fob_value.amount, currencyID=item.fob_value.currency)
    if item.gross_weight is not None:
        _cbc(g, "GrossWeightMeasure", item.gross_weight.value, unitCode=item.gross_weight.unit)
    _cbc(g, "Quantity", item.quantity.value, unitCode=item.quantity.unit)
    _cbc(g, "PreferenceCriterionCode", item.origin_criterion)
    it = _cac(g, "Item")
    _cbc(it, "Description", item.description)
    _cbc(_cac(it, "OriginCountry"), "IdentificationCode", item.country_of_origin)
    _cbc(
        _cac(it, "CommodityClassification"),
        "ItemClassificationCode",
        item.hs_code,
        listID=HS_LIST_ID,
        listVersionID=item.hs_edition,
    )
    if item.producer is not None:
        _party(it, "ManufacturerParty", item.producer)
    if item.packages is not None:
        _cbc(_cac(g, "ContainingPackage"), "Quantity", item.packages.number)


def to_ubl_xml(cert: Certificate) -> bytes:
    """The certificate as a UBL 2.1 CertificateOfOrigin document (UTF-8 bytes)."""
    root = etree.Element(_q(NS_DOC, "CertificateOfOrigin"), nsmap=NSMAP)
    ext = _sub(_sub(root, NS_EXT, "UBLExtensions"), NS_EXT, "UBLExtension")
    _sub(ext, NS_EXT, "ExtensionURI", EXTENSION_URI)
    _facts(_sub(ext, NS_EXT, "ExtensionContent"), "RCEPFacts", _extension_facts(cert))

    _cbc(root, "UBLVersionID", "2.1")
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", cert.agreement)
    _cbc(root, "ID", cert.number)
    _cbc(root, "IssueDate", cert.issue_date)
    _cbc(root, "Description", cert.document_type)
    for flag, mark in (
        (cert.issued_retroactively, MARK_RETRO),
        (cert.certified_true_copy is not None, MARK_COPY),
        (cert.back_to_back is not None, MARK_BTB),
        (cert.third_party_invoicing is not None, MARK_TPI),
    ):
        if flag:
            _cbc(root, "Note", mark)
    _party(root, "ExporterParty", cert.exporter)
    _party(root, "ImporterParty", cert.importer)

    app = _cac(root, "CertificateOfOriginApplication")
    _cbc(app, "ReferenceID", cert.number)
    _cbc(app, "CertificateType", cert.document_type)
    _cbc(app, "OriginalJobID", cert.number)
    if cert.remarks is not None:
        _cbc(app, "Remarks", cert.remarks)
    shipment = _cac(app, "Shipment")
    _cbc(shipment, "ID", cert.number)
    for item in cert.goods_items:
        _goods_item(shipment, item)
    stage = _cac(shipment, "ShipmentStage")
    if cert.transport.vessel_or_flight is not None:
        _cbc(_cac(stage, "TransportMeans"), "JourneyID", cert.transport.vessel_or_flight)
    if cert.transport.port_of_discharge is not None:
        _cbc(_cac(stage, "UnloadingPortLocation"), "Name", cert.transport.port_of_discharge)
    _cbc(
        _cac(stage, "ActualDepartureTransportEvent"),
        "OccurrenceDate",
        cert.transport.departure_date,
    )

    decl = cert.exporter_declaration
    endorser = _cac(app, "EndorserParty")  # Box 15: the exporter's declaration
    _cbc(endorser, "RoleCode", "exporter")
    _cbc(endorser, "SequenceNumeric", 1)
    _plain_party(endorser, "Party", cert.exporter.name, city=decl.place)
    _cbc(_cac(endorser, "SignatoryContact"), "Name", decl.signatory)
    _plain_party(app, "PreparationParty", cert.exporter.name)
    issuer_name = cert.certification.issuing_body if cert.certification else cert.exporter.name
    _plain_party(app, "IssuerParty", issuer_name)
    _cbc(_cac(app, "IssuingCountry"), "IdentificationCode", cert.exporting_party)

    # Box 16: the issuing body's certification; for a Declaration of Origin the approved
    # exporter (or, Art 3.16.1(c), the exporter or producer) endorses it (UBL requires an
    # IssuerEndorsement).
    endorsement = _cac(root, "IssuerEndorsement")
    _cbc(endorsement, "DocumentID", cert.number)
    _cbc(endorsement, "ApprovalStatus", "certified" if cert.certification else "declared")
    cp = _cac(endorsement, "EndorserParty")
    if cert.certification is not None:
        _cbc(cp, "RoleCode", "issuing_body")
        _cbc(cp, "SequenceNumeric", 1)
        _plain_party(cp, "Party", cert.certification.issuing_body, city=cert.certification.place)
        _cbc(_cac(cp, "SignatoryContact"), "Name", cert.certification.signatory)
    else:
        by_approved = cert.document_type == "declaration_of_origin"
        _cbc(cp, "RoleCode", "approved_exporter" if by_approved else "exporter")
        _cbc(cp, "SequenceNumeric", 1)
        _plain_party(cp, "Party", cert.exporter.name, party_id=cert.approved_exporter_code)
        _cbc(_cac(cp, "SignatoryContact"), "Name", decl.signatory)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- reading ----------------------------------------------------------------------------------


def _problem(code: str, message: str, path: str = "") -> CertificateInvalid:
    return CertificateInvalid([Problem(path=path, code=code, message=message, article=ARTICLE)])


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
    )


def parse_xml_safely(data: bytes | str) -> etree._Element:
    """Parse XML refusing DTDs (hence entity bombs and XXE); raises CertificateInvalid."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_XML_BYTES:
        raise _problem("too_large", f"XML document is larger than {MAX_XML_BYTES} bytes")
    try:
        root = etree.fromstring(data, parser=_safe_parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise _problem("bad_xml", f"not well-formed XML: {str(exc)[:200]}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _problem("xml_forbidden", "DOCTYPE declarations are not accepted (entities, DTDs)")
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise _problem("xml_forbidden", "entity references are not accepted")
    return root


def _find(el, path: str):
    return None if el is None else el.find(path, NSMAP_FIND)


def _findtext(el, path: str) -> str | None:
    found = _find(el, path)
    if found is None:
        return None
    return found.text or ""


NSMAP_FIND = {"d": NS_DOC, "cac": NS_CAC, "cbc": NS_CBC, "ext": NS_EXT, "ol": NS_OL}


def _read_party(el) -> dict | None:
    if el is None:
        return None
    return _drop_none(
        {
            "name": _findtext(el, "cac:PartyName/cbc:Name"),
            "address": _findtext(el, "cac:PostalAddress/cac:AddressLine/cbc:Line"),
            "country": _findtext(el, "cac:PostalAddress/cac:Country/cbc:IdentificationCode"),
        }
    )


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def _read_facts(el):
    """Inverse of `_facts`."""
    if el.get("null") == "true":
        return None
    if el.get("list") == "true":
        return [_read_facts(child) for child in el if isinstance(child.tag, str)]
    children = [c for c in el if isinstance(c.tag, str)]
    if children:
        return {etree.QName(c).localname: _read_facts(c) for c in children}
    return el.text or ""


def _amount(el, attr: str, value_key: str, unit_key: str) -> dict | None:
    if el is None:
        return None
    return {value_key: (el.text or "").strip(), unit_key: el.get(attr)}


def _read_goods(g, facts: dict) -> dict:
    item = _find(g, "cac:Item")
    classification = _find(item, "cac:CommodityClassification/cbc:ItemClassificationCode")
    out = {
        "item_number": _findtext(g, "cbc:ID"),
        "description": _findtext(g, "cbc:Description"),
        "hs_code": classification.text if classification is not None else None,
        "hs_edition": classification.get("listVersionID") if classification is not None else None,
        "origin_criterion": _findtext(g, "cbc:PreferenceCriterionCode"),
        "country_of_origin": _findtext(item, "cac:OriginCountry/cbc:IdentificationCode"),
        "quantity": _amount(_find(g, "cbc:Quantity"), "unitCode", "value", "unit"),
        "gross_weight": _amount(_find(g, "cbc:GrossWeightMeasure"), "unitCode", "value", "unit"),
        "fob_value": _amount(
            _find(g, "cbc:FreeOnBoardValueAmount"), "currencyID", "amount", "currency"
        ),
        "producer": _read_party(_find(item, "cac:ManufacturerParty")),
        "marks": facts.get("marks"),
        "criterion_basis": facts.get("criterion_basis"),
        "evidence": facts.get("evidence"),
    }
    if "country_of_origin_marker" in facts:
        out["country_of_origin_marker"] = facts["country_of_origin_marker"]
    number = _findtext(g, "cac:ContainingPackage/cbc:Quantity")
    if number is not None or facts.get("packages_kind") is not None:
        out["packages"] = _drop_none({"number": number, "kind": facts.get("packages_kind")})
    return _drop_none(out)


def from_ubl_xml(data: bytes | str) -> Certificate:
    """Read a UBL 2.1 CertificateOfOrigin written by `to_ubl_xml` (or compatible);
    raises CertificateInvalid with structured problems."""
    root = parse_xml_safely(data)
    if root.tag != _q(NS_DOC, "CertificateOfOrigin"):
        raise _problem(
            "not_ubl_certificate",
            f"root element is {etree.QName(root).localname!r}, expected UBL CertificateOfOrigin",
        )
    facts_el = None
    for ext in root.iterfind("ext:UBLExtensions/ext:UBLExtension", NSMAP_FIND):
        if _findtext(ext, "ext:ExtensionURI") == EXTENSION_URI:
            facts_el = _find(ext, "ext:ExtensionContent/ol:RCEPFacts")
    if facts_el is None:
        raise _problem(
            "missing_rcep_facts",
            f"no UBLExtension {EXTENSION_URI} carrying the RCEP facts (Boxes 3, 13, 14, 15, 17)",
            "UBLExtensions",
        )
    facts = _read_facts(facts_el)
    if not isinstance(facts, dict):
        raise _problem("bad_rcep_facts", "RCEPFacts must hold elements", "UBLExtensions")
    unknown = sorted(set(facts) - FACT_KEYS) + sorted(
        {k for g in facts.get("goods_items") or [] if isinstance(g, dict) for k in g}
        - GOODS_FACT_KEYS
    )
    if unknown:
        raise _problem(
            "unknown_field",
            f"RCEPFacts: unknown element(s) {', '.join(unknown)}",
            "UBLExtensions",
        )
    app = _find(root, "cac:CertificateOfOriginApplication")
    stage = _find(app, "cac:Shipment/cac:ShipmentStage")
    goods_el = [] if app is None else app.findall("cac:Shipment/cac:GoodsItem", NSMAP_FIND)
    goods_facts = facts.get("goods_items") or []
    if (
        not isinstance(goods_facts, list)
        or len(goods_facts) != len(goods_el)
        or not all(isinstance(f, dict) for f in goods_facts)
    ):
        raise _problem(
            "goods_facts_mismatch",
            "RCEPFacts goods_items must hold one element group per GoodsItem, in order",
            "goods_items",
        )
    endorser = _find(app, "cac:EndorserParty")
    issuer = _find(root, "cac:IssuerEndorsement/cac:EndorserParty")
    certification = None
    if issuer is not None and _findtext(issuer, "cbc:RoleCode") == "issuing_body":
        certification = _drop_none(
            {
                "issuing_body": _findtext(issuer, "cac:Party/cac:PartyName/cbc:Name"),
                "place": _findtext(issuer, "cac:Party/cac:PostalAddress/cbc:CityName"),
                "signatory": _findtext(issuer, "cac:SignatoryContact/cbc:Name"),
                "date": facts.get("certification_date"),
            }
        )
    declaration = facts.get("exporter_declaration") or {}
    signatory = _findtext(endorser, "cac:SignatoryContact/cbc:Name")
    if isinstance(declaration, dict) and signatory is not None:
        declaration = declaration | {"signatory": signatory}
    doc = {
        "schema_version": facts.get("schema_version"),
        "agreement": _findtext(root, "cbc:ProfileID"),
        "document_type": _findtext(app, "cbc:CertificateType"),
        "number": _findtext(root, "cbc:ID"),
        "issue_date": _findtext(root, "cbc:IssueDate"),
        "exporting_party": _findtext(app, "cac:IssuingCountry/cbc:IdentificationCode"),
        "importing_party": facts.get("importing_party"),
        "exporter": _read_party(_find(root, "cac:ExporterParty")),
        "importer": _read_party(_find(root, "cac:ImporterParty")),
        "producer": facts.get("producer"),
        "transport": _drop_none(
            {
                "departure_date": _findtext(
                    stage, "cac:ActualDepartureTransportEvent/cbc:OccurrenceDate"
                ),
                "vessel_or_flight": _findtext(stage, "cac:TransportMeans/cbc:JourneyID"),
                "port_of_discharge": _findtext(stage, "cac:UnloadingPortLocation/cbc:Name"),
            }
        ),
        "goods_items": [_read_goods(g, f) for g, f in zip(goods_el, goods_facts, strict=True)],
        "invoices": facts.get("invoices", []),
        "remarks": _findtext(app, "cbc:Remarks"),
        "back_to_back": facts.get("back_to_back"),
        "third_party_invoicing": facts.get("third_party_invoicing"),
        "issued_retroactively": facts.get("issued_retroactively"),
        "certified_true_copy": facts.get("certified_true_copy"),
        "exporter_declaration": declaration,
        "certification": certification,
        "approved_exporter_code": facts.get("approved_exporter_code"),
        "official_use": facts.get("official_use"),
    }
    keep_none = {"remarks", "certification", "back_to_back", "third_party_invoicing"}
    doc = {k: v for k, v in doc.items() if v is not None or k in keep_none}
    return parse_certificate(doc)


__all__ = ["to_ubl_xml", "from_ubl_xml", "parse_xml_safely"]
