"""UBL 2.1 CertificateOfOrigin: valid against the official XSD, lossless, parsed safely."""

import copy
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from originlink.formats.ubl import NS_CBC, from_ubl_xml, to_ubl_xml
from originlink.model import CertificateInvalid, parse_certificate

from .conftest import load_example

# The official schema ships with the customs simulator, which validates what it receives.
XSD = (
    Path(__file__).resolve().parents[2]
    / "simulator/originlink_simulator/schemas/ubl-2.1/xsd/maindoc/UBL-CertificateOfOrigin-2.1.xsd"
)


@lru_cache(maxsize=1)
def ubl_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def assert_schema_valid(xml: bytes) -> None:
    schema = ubl_schema()
    ok = schema.validate(etree.fromstring(xml))
    assert ok, str(schema.error_log)


def test_schema_rejects_non_ubl():
    bad = (
        b'<CertificateOfOrigin xmlns="urn:oasis:names:specification:ubl:schema:xsd:'
        b'CertificateOfOrigin-2"/>'
    )
    assert not ubl_schema().validate(etree.fromstring(bad))


@pytest.mark.parametrize("fixture", ["co", "doo"])
def test_examples_valid_and_lossless(fixture, request):
    cert = parse_certificate(request.getfixturevalue(fixture))
    xml = to_ubl_xml(cert)
    assert_schema_valid(xml)
    assert from_ubl_xml(xml) == cert


def test_ubl_elements_carry_box_facts(co):
    xml = to_ubl_xml(parse_certificate(co))
    root = etree.fromstring(xml)
    ns = {
        "cbc": NS_CBC,
        "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    }
    assert root.findtext("cbc:ID", namespaces=ns) == co["number"]
    codes = root.findall(
        ".//cac:GoodsItem/cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode", ns
    )
    assert [(c.text, c.get("listVersionID")) for c in codes] == [
        ("940360", "HS2022"),
        ("950300", "HS2022"),
    ]
    fob = root.find(".//cac:GoodsItem/cbc:FreeOnBoardValueAmount", ns)
    assert (fob.text, fob.get("currencyID")) == ("4000.00", "USD")
    assert [e.text for e in root.findall(".//cbc:PreferenceCriterionCode", ns)] == ["RVC", "CTC"]


def test_back_to_back_copy_and_retroactive_round_trip(co):
    co["issued_retroactively"] = True
    co["transport"]["departure_date"] = "2026-06-01"
    co["transport"]["vessel_or_flight"] = None
    co["remarks"] = "Line one\nLine two with <angle> & ampersand"
    co["certified_true_copy"] = {"certified_on": "2027-01-05", "original_number": co["number"]}
    co["exporting_party"] = co["exporter"]["country"] = "SG"
    co["back_to_back"] = {
        "original_number": "CN-1",
        "original_issue_date": "2026-05-30",
        "original_expiry_date": "2027-05-30",
        "first_exporting_party": "CN",
        "first_country_of_origin": "CN",
        "approved_exporter_code": "AE-1",
        "original_quantities": [
            {"hs_code": "950300", "quantity": {"value": "1000", "unit": "SET"}}
        ],
        "previously_issued_quantities": [],
    }
    co["third_party_invoicing"] = {"company_name": "Trading HK Ltd", "country": "HK"}
    co["goods_items"][1]["country_of_origin_marker"] = "**"
    cert = parse_certificate(co)
    xml = to_ubl_xml(cert)
    assert_schema_valid(xml)
    assert from_ubl_xml(xml) == cert
    assert b"ISSUED RETROACTIVELY" in xml and b"CERTIFIED TRUE COPY" in xml


def test_missing_ubl_element_is_structured(co):
    xml = to_ubl_xml(parse_certificate(co))
    root = etree.fromstring(xml)
    issue = root.find(f"{{{NS_CBC}}}IssueDate")
    root.remove(issue)
    with pytest.raises(CertificateInvalid) as info:
        from_ubl_xml(etree.tostring(root))
    assert [(p.path, p.code) for p in info.value.problems] == [("issue_date", "required")]


def test_bad_value_in_xml_is_structured(co):
    xml = to_ubl_xml(parse_certificate(co)).replace(b">940360<", b">94036X<")
    with pytest.raises(CertificateInvalid) as info:
        from_ubl_xml(xml)
    assert [(p.path, p.code) for p in info.value.problems] == [
        ("goods_items[0].hs_code", "bad_format")
    ]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<CertificateOfOrigin xmlns="urn:oasis:names:specification:ubl:schema:xsd:CertificateOfOrigin-2">
<ID xmlns="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">&lol9;</ID>
</CertificateOfOrigin>"""

XXE_FILE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<CertificateOfOrigin xmlns="urn:oasis:names:specification:ubl:schema:xsd:CertificateOfOrigin-2">
<ID xmlns="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">&xxe;</ID>
</CertificateOfOrigin>"""

XXE_NETWORK = b"""<?xml version="1.0"?>
<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">
<CertificateOfOrigin xmlns="urn:oasis:names:specification:ubl:schema:xsd:CertificateOfOrigin-2"/>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>
<r/>"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, XXE_FILE, XXE_NETWORK, PARAMETER_ENTITY])
def test_hostile_xml_refused(payload):
    with pytest.raises(CertificateInvalid) as info:
        from_ubl_xml(payload)
    [p] = info.value.problems
    assert p.code in {"xml_forbidden", "bad_xml"}
    assert "root:" not in p.message  # nothing from /etc/passwd leaks into the message


@pytest.mark.parametrize(
    "payload, code",
    [
        (b"<not closed", "bad_xml"),
        (b"", "bad_xml"),
        (b"<Invoice xmlns='urn:x'/>", "not_ubl_certificate"),
        (
            b"<CertificateOfOrigin xmlns='urn:oasis:names:specification:ubl:schema:xsd:"
            b"CertificateOfOrigin-2'/>",
            "missing_rcep_facts",
        ),
        (b"<a>" + b"x" * (5 * 1024 * 1024) + b"</a>", "too_large"),
    ],
)
def test_malformed_xml(payload, code):
    with pytest.raises(CertificateInvalid) as info:
        from_ubl_xml(payload)
    assert [p.code for p in info.value.problems] == [code]
    assert info.value.problems[0].article


def test_unknown_extension_fact_refused(co):
    xml = to_ubl_xml(parse_certificate(co)).replace(
        b"<ol:schema_version>", b"<ol:price>1</ol:price><ol:schema_version>"
    )
    with pytest.raises(CertificateInvalid) as info:
        from_ubl_xml(xml)
    [p] = info.value.problems
    assert p.code == "unknown_field" and "price" in p.message


def test_deeply_nested_xml_refused():
    deep = b"<a>" * 100_000 + b"</a>" * 100_000
    with pytest.raises(CertificateInvalid) as info:
        from_ubl_xml(deep)
    assert info.value.problems[0].code == "bad_xml"


def test_extension_facts_match_goods_items(co):
    cert = parse_certificate(co)
    xml = to_ubl_xml(cert)
    root = etree.fromstring(xml)
    ns = {"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}
    shipment = root.find(".//cac:Shipment", ns)
    shipment.remove(shipment.find("cac:GoodsItem", ns))
    with pytest.raises(CertificateInvalid) as info:
        from_ubl_xml(etree.tostring(root))
    assert info.value.problems[0].code == "goods_facts_mismatch"


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_any_xml_mutation_gives_problems_not_exceptions(data):
    root = etree.fromstring(to_ubl_xml(parse_certificate(load_example("certificate.json"))))
    elements = list(root.iter())
    target = data.draw(st.sampled_from(elements[1:]))
    action = data.draw(st.sampled_from(["text", "remove", "attr", "duplicate"]))
    if action == "text":
        target.text = data.draw(
            st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
        )
    elif action == "remove":
        target.getparent().remove(target)
    elif action == "duplicate":
        target.getparent().append(copy.deepcopy(target))
    else:
        target.set(data.draw(st.sampled_from(["unitCode", "currencyID", "list", "null"])), "true")
    try:
        cert = from_ubl_xml(etree.tostring(root))
    except CertificateInvalid as exc:
        assert exc.problems and all(p.code and p.message for p in exc.problems)
    else:
        assert cert.number
