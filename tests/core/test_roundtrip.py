"""Property-based round trips: model -> JSON -> model, model -> canonical JSON -> model,
model -> UBL XML (schema-valid) -> model. Certificates are generated across every optional
part (back-to-back, copies, evidence, producers, special characters)."""

import json
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from originlink.formats.canonical import canonical_bytes, digest
from originlink.formats.ubl import from_ubl_xml, to_ubl_xml
from originlink.model import Certificate, parse_certificate

from .test_ubl import assert_schema_valid

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

chars = st.characters(
    exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff"
) | st.sampled_from("\n\t <>&'\"")


def text(max_size=40):
    return st.text(chars, min_size=1, max_size=max_size)


def opt(strategy):
    return st.none() | strategy


country = st.sampled_from(["CN", "VN", "TH", "JP", "KR", "AU", "SG", "MY", "HK", "US"])
dates = st.dates(min_value=date(2022, 1, 1), max_value=date(2030, 12, 31)).map(str)
amount = st.one_of(
    st.decimals(min_value=0, max_value=10**12, places=2),
    st.decimals(min_value=0, max_value=1000, places=6),
    st.integers(0, 10**9),
).map(str)
unit = st.sampled_from(["KGM", "PCE", "SET", "kg", "pcs", "MTR"])
hs = st.sampled_from(["940360", "9403.60", "9503 00", "851713", "940161", "390110", "000000"])
party = st.fixed_dictionaries({"name": text(), "address": text(80), "country": country})
quantity = st.fixed_dictionaries({"value": amount, "unit": unit})
money = st.fixed_dictionaries({"amount": amount, "currency": st.sampled_from(["USD", "CNY"])})

evidence = st.fixed_dictionaries(
    {
        "criterion": st.sampled_from(["RVC", "CTC", "WO"]),
        "rule": opt(text()),
        "rule_source": opt(text()),
        "rvc": opt(
            st.fixed_dictionaries(
                {
                    "formula": st.sampled_from(["build_down", "build_up"]),
                    "percentage": st.one_of(
                        st.decimals(min_value=-100, max_value=100, places=2),
                        st.decimals(min_value=-1, max_value=1, places=10),
                    ).map(str),
                    "fob": opt(amount),
                    "vnm": opt(amount),
                    "vom": opt(amount),
                    "currency": opt(st.just("USD")),
                }
            )
        ),
        "materials": st.lists(
            st.fixed_dictionaries(
                {
                    "country": opt(country),
                    "originating": st.booleans(),
                    "value": amount,
                    "hs_code": opt(hs),
                    "description": opt(text()),
                }
            ),
            max_size=3,
        ),
        "supplier_declarations": st.lists(text(20), max_size=2),
        "notes": opt(text()),
    }
)


@st.composite
def goods_items(draw):
    n = draw(st.integers(1, 3))
    return [
        {
            "item_number": i + 1,
            "marks": draw(opt(text())),
            "packages": draw(
                opt(st.fixed_dictionaries({"number": st.integers(0, 10**6), "kind": text(20)}))
            ),
            "description": draw(text(200)),
            "hs_code": draw(hs),
            "hs_edition": draw(st.sampled_from(["HS2012", "HS2017", "HS2022"])),
            "origin_criterion": draw(
                st.sampled_from(["WO", "PE", "CTC", "RVC", "CR", "ACU", "DMI"])
            ),
            "country_of_origin": draw(country),
            "country_of_origin_marker": draw(st.sampled_from(["", "*", "**"])),
            "quantity": draw(quantity),
            "gross_weight": draw(opt(quantity)),
            "fob_value": draw(opt(money)),
            "criterion_basis": draw(opt(st.sampled_from(["CTC", "RVC", "DMI"]))),
            "producer": draw(opt(party)),
            "evidence": draw(opt(evidence)),
        }
        for i in range(n)
    ]


item_quantity = st.fixed_dictionaries(
    {"hs_code": hs, "quantity": quantity}, optional={"country_of_origin": opt(country)}
)

certificates = st.fixed_dictionaries(
    {
        "document_type": st.sampled_from(
            [
                "certificate_of_origin",
                "declaration_of_origin",
                "declaration_of_origin_by_exporter_or_producer",
            ]
        ),
        "number": text(30),
        "issue_date": dates,
        "exporting_party": country,
        "importing_party": country,
        "exporter": party,
        "producer": st.one_of(
            st.fixed_dictionaries({"kind": st.just("party"), "party": party}),
            st.fixed_dictionaries(
                {"kind": st.sampled_from(["SEE BOX 8", "CONFIDENTIAL", "NOT AVAILABLE"])}
            ),
        ),
        "importer": party,
        "transport": st.fixed_dictionaries(
            {
                "departure_date": dates,
                "vessel_or_flight": opt(text(30)),
                "port_of_discharge": opt(text(30)),
            }
        ),
        "goods_items": goods_items(),
        "invoices": st.lists(
            st.fixed_dictionaries(
                {"number": text(20), "date": dates},
                optional={
                    "issuer": opt(st.fixed_dictionaries({"name": text(), "country": country}))
                },
            ),
            max_size=3,
        ),
        "remarks": opt(text(300)),
        "back_to_back": opt(
            st.fixed_dictionaries(
                {
                    "original_number": text(20),
                    "original_issue_date": dates,
                    "original_expiry_date": dates,
                    "first_exporting_party": country,
                    "first_country_of_origin": country,
                    "approved_exporter_code": opt(text(20)),
                    "original_quantities": st.lists(item_quantity, max_size=2),
                    "previously_issued_quantities": st.lists(item_quantity, max_size=2),
                }
            )
        ),
        "third_party_invoicing": opt(
            st.fixed_dictionaries({"company_name": text(), "country": country})
        ),
        "issued_retroactively": st.booleans(),
        "certified_true_copy": opt(
            st.fixed_dictionaries(
                {
                    "certified_on": dates,
                    "original_number": opt(text(20)),
                    "original_issue_date": opt(dates),
                }
            )
        ),
        "exporter_declaration": st.fixed_dictionaries(
            {"importing_country": country, "place": text(30), "date": dates, "signatory": text()}
        ),
        "certification": opt(
            st.fixed_dictionaries(
                {"issuing_body": text(), "place": text(30), "date": dates, "signatory": text()}
            )
        ),
        "approved_exporter_code": opt(text(20)),
        "official_use": opt(
            st.fixed_dictionaries(
                {
                    "preference_given": st.booleans(),
                    "reason": opt(text()),
                    "customs_office": opt(text()),
                    "decided_on": opt(dates),
                }
            )
        ),
    }
).map(parse_certificate)


@SETTINGS
@given(certificates)
def test_json_round_trip(cert: Certificate):
    assert parse_certificate(cert.model_dump_json()) == cert
    assert parse_certificate(json.loads(cert.model_dump_json())) == cert


@SETTINGS
@given(certificates)
def test_canonical_round_trip_and_stable_digest(cert: Certificate):
    again = parse_certificate(canonical_bytes(cert))
    assert again == cert
    assert canonical_bytes(again) == canonical_bytes(cert)
    assert digest(again) == digest(cert)


@SETTINGS
@given(certificates)
def test_xml_round_trip(cert: Certificate):
    xml = to_ubl_xml(cert)
    assert_schema_valid(xml)
    assert from_ubl_xml(xml) == cert
