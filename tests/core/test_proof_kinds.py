"""The three proofs of origin of Art 3.16.1 and what the Agreement makes different between
them (issue 14.3, 14.7), and third-party invoicing (Art 3.20)."""

from __future__ import annotations

from datetime import date

import pytest

from originlink import reference
from originlink.formats.canonical import digest
from originlink.formats.ubl import from_ubl_xml, to_ubl_xml
from originlink.model import parse_certificate, public_view

from .conftest import TODAY
from .helpers import assert_problem, assert_valid, codes

SELF = "declaration_of_origin_by_exporter_or_producer"


@pytest.fixture(autouse=True)
def _no_configured_parties(monkeypatch):
    monkeypatch.delenv(reference.SELF_DECLARATION_ENV, raising=False)
    yield
    reference.set_self_declaration_parties("RCEP", [])


@pytest.fixture
def self_doo(doo) -> dict:
    """The example declaration, completed by the exporter itself (Art 3.16.1(c))."""
    doo["document_type"] = SELF
    doo["approved_exporter_code"] = None
    return doo


# --- Declaration of Origin dates (Art 3.18.2(d), not Art 3.17.8) — issue 14.3 ------------------


def test_a_declaration_completed_after_departure_needs_no_retroactive_mark(doo):
    doo["transport"]["departure_date"] = "2026-11-10"  # shipped ten days before completion
    assert_valid(doo)
    doo["transport"]["departure_date"] = "2025-06-01"  # even long before: no Art 3.17.8 limit
    assert_valid(doo)


def test_a_declaration_is_never_marked_issued_retroactively(doo):
    doo["issued_retroactively"] = True
    [p] = assert_problem(doo, "retroactive_mark_not_for_declaration", "issued_retroactively")
    assert "Art 3.17.8" in p.article and "Art 3.18.2(d)" in p.article
    assert "retroactive_mark_unexpected" not in codes(doo)


def test_a_declaration_bears_the_date_it_was_completed(doo):
    doo["exporter_declaration"]["date"] = "2026-11-19"
    [p] = assert_problem(doo, "declaration_date_mismatch", "exporter_declaration.date")
    assert "Art 3.18.2(d)" in p.article


def test_a_certificate_still_follows_art_3_17_8(co):
    co["transport"]["departure_date"] = "2026-11-19"
    assert_problem(co, "retroactive_mark_required", "issued_retroactively")


def test_only_certificates_have_certified_true_copies(doo):
    doo["certified_true_copy"] = {"certified_on": "2026-11-25"}
    [p] = assert_problem(doo, "certified_true_copy_not_for_declaration", "certified_true_copy")
    assert "Art 3.17.9" in p.article


# --- Declaration of Origin by an exporter or producer (Art 3.16.1(c)) — issue 14.7 -----------


def test_declaration_by_exporter_needs_both_parties_to_apply_it(self_doo):
    problems = [p for p in _problems(self_doo) if p.code == "self_declaration_not_applied"]
    assert [p.path for p in problems] == ["exporting_party", "importing_party"]
    assert "due by 2032-01-01" in problems[0].message  # CN: 10 years after 2022-01-01
    assert all("Art 3.16.1(c)" in p.article and "Art 3.16.2" in p.article for p in problems)
    reference.set_self_declaration_parties("RCEP", ["CN"])
    [p] = [p for p in _problems(self_doo) if p.code == "self_declaration_not_applied"]
    assert p.path == "importing_party"
    reference.set_self_declaration_parties("RCEP", ["CN", "TH"])
    assert_valid(self_doo)


def test_phase_in_is_twenty_years_for_cambodia_laos_myanmar():
    rcep = reference.agreement("RCEP")
    assert rcep.self_declaration_due("KH") == date(2042, 1, 1)
    assert rcep.self_declaration_due("MM") == date(2042, 5, 1)
    assert rcep.self_declaration_due("PH") == date(2033, 6, 2)
    assert rcep.self_declaration.extension_years_max == 10  # Art 3.16.3
    assert rcep.self_declaration.implemented_by == []  # unconfirmed: configuration


def test_the_parties_that_apply_it_can_be_configured_by_environment(self_doo, monkeypatch):
    monkeypatch.setenv(reference.SELF_DECLARATION_ENV, "RCEP:cn, th;OTHER:JP")
    assert_valid(self_doo)


def test_declaration_by_exporter_carries_no_authorisation_code(self_doo):
    reference.set_self_declaration_parties("RCEP", ["CN", "TH"])
    self_doo["approved_exporter_code"] = "CN-AE-4401000123"
    [p] = assert_problem(self_doo, "approved_exporter_code_not_allowed", "approved_exporter_code")
    assert "Annex 3B 2(e)" in p.article


def test_declaration_by_exporter_shares_the_declaration_rules(self_doo, co):
    reference.set_self_declaration_parties("RCEP", ["CN", "TH"])
    self_doo["certification"] = co["certification"]
    assert_problem(self_doo, "certification_not_allowed", "certification")
    del self_doo["certification"]
    self_doo["issued_retroactively"] = True
    assert_problem(self_doo, "retroactive_mark_not_for_declaration", "issued_retroactively")


def test_declaration_by_exporter_travels_as_json_ubl_and_public_view(self_doo):
    reference.set_self_declaration_parties("RCEP", ["CN", "TH"])
    cert = parse_certificate(self_doo)
    assert from_ubl_xml(to_ubl_xml(cert)) == cert
    assert b"<cbc:RoleCode>exporter</cbc:RoleCode>" in to_ubl_xml(cert)
    assert public_view(cert)["issuer"] == {
        "kind": "exporter_or_producer",
        "name": "Ningbo Bright Toys Manufacturing Co., Ltd.",
    }


# --- third-party invoicing (Art 3.20; Form RCEP Boxes 13, 14, 17) ------------------------------


def test_a_non_party_invoice_without_the_mark_is_caught(doo):
    assert doo["invoices"][0]["issuer"]["country"] == "HK"
    doo["third_party_invoicing"] = None
    [p] = assert_problem(doo, "third_party_invoicing_required", "third_party_invoicing")
    assert "Bright Toys (Hong Kong) Limited (HK, not a Party to RCEP)" in p.message
    assert p.article == "Art 3.20; Form RCEP Boxes 13, 14, 17"


def test_an_invoice_by_another_company_in_a_party_is_third_party_too(co):
    co["invoices"][0]["issuer"] = {"name": "Sino Trade Pte Ltd", "country": "SG"}
    [p] = assert_problem(co, "third_party_invoicing_required", "third_party_invoicing")
    assert "(SG)" in p.message


def test_invoices_by_the_exporter_or_producer_are_not(co, doo):
    exporter = co["exporter"]
    co["invoices"][0]["issuer"] = {"name": exporter["name"].upper(), "country": "CN"}
    assert_valid(co)
    producer = doo["goods_items"][1]["producer"]  # SEE BOX 8: each item's producer
    doo["invoices"][1]["issuer"] = {"name": producer["name"], "country": producer["country"]}
    assert_valid(doo)


def test_the_invoicing_company_named_in_box_14_must_be_the_issuer(doo):
    doo["third_party_invoicing"]["company_name"] = "Someone Else Ltd"
    [p] = assert_problem(doo, "third_party_invoicer_mismatch", "invoices[0].issuer")
    assert "Box 14 names Someone Else Ltd (HK)" in p.message


def test_recorded_issuers_survive_every_format(doo):
    cert = parse_certificate(doo)
    assert cert.invoices[0].issuer.country == "HK" and cert.invoices[1].issuer is None
    assert from_ubl_xml(to_ubl_xml(cert)) == cert


def test_documents_without_the_new_fields_keep_their_digest(co):
    # criterion_basis, invoices[].issuer and original_quantities[].country_of_origin are left
    # out of the canonical JSON while empty: documents signed before them hash the same.
    dumped = parse_certificate(co).model_dump(mode="json")
    assert "criterion_basis" not in dumped["goods_items"][0]
    assert "issuer" not in dumped["invoices"][0]
    before = digest(co)
    co["invoices"][0]["issuer"] = None
    co["goods_items"][0]["criterion_basis"] = None
    assert digest(co) == before


def _problems(doc):
    from originlink.model import check_certificate

    return check_certificate(doc, today=TODAY)[1]
