"""Every cross-field rule: one passing and one failing case, each failure citing its article."""

import re
from datetime import date

import pytest

from originlink import reference
from originlink.model import check_certificate, parse_certificate, validate_certificate

from .conftest import EXAMPLES, TODAY
from .helpers import assert_problem, assert_valid, codes


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("certificate*.json")), ids=lambda p: p.name)
def test_examples_are_valid(path):
    assert_valid(path.read_text(encoding="utf-8"))


def test_examples_cover_two_items_and_rvc(co):
    assert len(co["goods_items"]) == 2
    rvc = [g for g in co["goods_items"] if g["origin_criterion"] == "RVC"]
    assert rvc and rvc[0]["fob_value"]["amount"] == "4000.00"


# --- FOB where RVC was used (Annex 3B 1(k), 2(j); Form RCEP Box 12) — issue 14.1 ----------


def test_fob_required_when_rvc(co):
    co["goods_items"][0]["fob_value"] = None
    [p] = assert_problem(co, "fob_required_for_rvc", "goods_items[0].fob_value")
    assert "Art 3.5" in p.article and "Annex 3B 1(k), 2(j)" in p.article
    assert p.message.endswith("required because the origin criterion is RVC")


def test_fob_absent_without_rvc_passes(co):
    assert co["goods_items"][1]["fob_value"] is None
    assert_valid(co)


@pytest.mark.parametrize("criterion", ["WO", "PE", "CTC", "CR", "DMI"])
def test_fob_shown_without_rvc_is_never_an_error(co, criterion):
    co["goods_items"][1]["origin_criterion"] = criterion
    co["goods_items"][1]["fob_value"] = {"amount": "1200.00", "currency": "USD"}
    assert_valid(co)


def test_acu_reached_through_rvc_needs_fob(co):
    item = co["goods_items"][1]
    item["origin_criterion"], item["criterion_basis"] = "ACU", "RVC"
    [p] = assert_problem(co, "fob_required_for_rvc", "goods_items[1].fob_value")
    assert "the ACU claim was reached through RVC" in p.message
    item["fob_value"] = {"amount": "1200.00", "currency": "USD"}
    assert_valid(co)


@pytest.mark.parametrize("basis", ["CTC", "DMI"])
def test_acu_reached_through_ctc_does_not(co, basis):
    item = co["goods_items"][1]
    item["origin_criterion"], item["criterion_basis"] = "ACU", basis
    assert_valid(co)
    item["fob_value"] = {"amount": "1200.00", "currency": "USD"}  # shown anyway: allowed
    assert_valid(co)


def test_acu_that_does_not_say_its_basis_may_rest_on_rvc_so_needs_fob(co):
    co["goods_items"][1]["origin_criterion"] = "ACU"
    [p] = assert_problem(co, "fob_required_for_rvc", "goods_items[1].fob_value")
    assert "does not say which criterion cumulation met" in p.message


def test_criterion_basis_goes_only_with_acu(co):
    co["goods_items"][1]["criterion_basis"] = "CTC"
    [p] = assert_problem(co, "criterion_basis_only_for_acu", "goods_items[1].criterion_basis")
    assert "Box 10" in p.article
    co["goods_items"][1]["criterion_basis"] = "WO"
    assert_problem(co, "not_allowed_value", "goods_items[1].criterion_basis")


# --- HS code exists in its edition (Box 9) ----------------------------------------------


def test_hs_code_in_declared_edition(co):
    co["goods_items"][0]["hs_code"] = "940390"  # furniture parts: HS 2012 yes, HS 2022 split
    co["goods_items"][0]["hs_edition"] = "HS2012"
    assert "hs_code_unknown" not in codes(co)
    co["goods_items"][0]["hs_edition"] = "HS2022"
    assert_problem(co, "hs_code_unknown", "goods_items[0].hs_code")


@pytest.mark.parametrize("bad", ["94036", "9403.6", "94036A", "", "9403600", "9403-60"])
def test_hs_code_format(co, bad):
    co["goods_items"][0]["hs_code"] = bad
    assert_problem(co, "bad_format", "goods_items[0].hs_code")


@pytest.mark.parametrize("written", ["9403.60", "9403 60", "940360", " 9403.60 "])
def test_hs_code_written_with_dots_or_spaces_is_the_same_code(co, written):
    """Issue 14.9: one code however it is written; stored (and signed) as six digits."""
    co["goods_items"][0]["hs_code"] = written
    cert, found = check_certificate(co, today=TODAY)
    assert found == [] and cert.goods_items[0].hs_code == "940360"
    assert cert.model_dump(mode="json")["goods_items"][0]["hs_code"] == "940360"


def test_unknown_code_names_the_edition(co):
    co["goods_items"][0]["hs_code"] = "9403.90"
    [p] = assert_problem(co, "hs_code_unknown", "goods_items[0].hs_code")
    assert p.message == "goods_items[0].hs_code: 9403.90 is not a subheading of HS 2022"


# --- Parties (Boxes 1, 2, 15) -------------------------------------------------------------


def test_not_a_party(co):
    co["importing_party"] = co["importer"]["country"] = "US"
    co["exporter_declaration"]["importing_country"] = "US"
    [p] = assert_problem(co, "not_a_party", "importing_party")
    assert "RCEP" in p.message


def test_same_party(co):
    co["importing_party"] = co["importer"]["country"] = "CN"
    co["exporter_declaration"]["importing_country"] = "CN"
    assert_problem(co, "same_party", "importing_party")


# --- Agreement in force for both Parties (entry-into-force dates as data) -----------------


def _to(co, party, issue):
    co["importing_party"] = co["importer"]["country"] = party
    co["exporter_declaration"]["importing_country"] = party
    co["issue_date"] = issue
    co["certification"]["date"] = issue
    co["exporter_declaration"]["date"] = issue
    co["transport"]["departure_date"] = issue
    return co


def test_in_force_on_entry_date(co):
    assert_valid(_to(co, "ID", "2023-01-02"), today=date(2023, 1, 3))


def test_not_in_force_before_entry_date(co):
    [p] = assert_problem(
        _to(co, "ID", "2023-01-01"), "agreement_not_in_force", "importing_party", date(2023, 1, 3)
    )
    assert "2023-01-02" in p.message


def test_exporting_party_not_in_force(co):
    co = _to(co, "VN", "2021-12-31")
    assert_problem(co, "agreement_not_in_force", "exporting_party", date(2022, 1, 3))


def test_non_applying_pair_configured(co):
    co = _to(co, "MM", "2026-11-20")
    assert_valid(co)
    reference.set_non_applying_pairs("RCEP", [("MM", "CN")])
    [p] = assert_problem(co, "agreement_not_applied_between_parties", "importing_party")
    assert "Art 20.6" in p.article


def test_non_applying_pair_from_environment(co, monkeypatch):
    co = _to(co, "MM", "2026-11-20")
    monkeypatch.setenv(reference.NON_APPLYING_ENV, "RCEP:CN-MM")
    assert_problem(co, "agreement_not_applied_between_parties")
    monkeypatch.setenv(reference.NON_APPLYING_ENV, "RCEP:AU-MM")
    assert_valid(co)


# --- validity one year from issue (Art 3.16) ----------------------------------------------


def test_valid_until_one_year():
    cert = parse_certificate(_leap())
    assert cert.valid_until == date(2025, 2, 28)


def _leap():
    from .conftest import load_example

    d = load_example("certificate.json")
    d["issue_date"] = d["certification"]["date"] = "2024-02-29"
    d["exporter_declaration"]["date"] = "2024-02-29"
    d["transport"]["departure_date"] = "2024-03-01"
    return d


def test_valid_on_last_day(co):
    assert parse_certificate(co).valid_until == date(2027, 11, 20)
    assert_valid(co, today=date(2027, 11, 20))


def test_expired_after_one_year(co):
    [p] = assert_problem(co, "expired", "issue_date", today=date(2027, 11, 21))
    assert "Art 3.16" in p.article


def test_issue_date_in_future(co):
    assert_problem(co, "issue_date_in_future", "issue_date", today=date(2026, 11, 19))


def test_date_checks_skipped_without_today(co):
    cert = parse_certificate(co)
    assert validate_certificate(cert) == []
    assert validate_certificate(cert, today=date(2030, 1, 1))[0].code == "expired"


# --- retroactive issue (Art 3.17.8) ------------------------------------------------------


def test_issued_before_departure_not_marked(co):
    assert co["transport"]["departure_date"] > co["issue_date"]
    assert "retroactive_mark_required" not in codes(co)


def test_issued_after_departure_must_be_marked(co):
    co["transport"]["departure_date"] = "2026-11-19"
    [p] = assert_problem(co, "retroactive_mark_required", "issued_retroactively")
    assert "Art 3.17.8" in p.article
    co["issued_retroactively"] = True
    assert_valid(co)


def test_retroactive_within_one_year(co):
    co["transport"]["departure_date"] = "2025-11-20"  # exactly one year before issue
    co["issued_retroactively"] = True
    assert_valid(co)


def test_retroactive_more_than_one_year(co):
    co["transport"]["departure_date"] = "2025-11-19"
    co["issued_retroactively"] = True
    [p] = assert_problem(co, "retroactive_too_late", "issue_date")
    assert "Art 3.17.8" in p.article


# --- certified true copy (Art 3.17.9) ----------------------------------------------------


def test_certified_copy_within_one_year(co):
    co["certified_true_copy"] = {
        "certified_on": "2027-11-20",
        "original_number": co["number"],
        "original_issue_date": co["issue_date"],
    }
    assert_valid(co, today=date(2027, 11, 20))


def test_certified_copy_too_late(co):
    co["certified_true_copy"] = {"certified_on": "2027-11-21"}
    [p] = assert_problem(co, "copy_too_late", "certified_true_copy.certified_on")
    assert "Art 3.17.9" in p.article


def test_certified_copy_before_original(co):
    co["certified_true_copy"] = {"certified_on": "2026-11-19"}
    assert_problem(co, "copy_before_original")


def test_certified_copy_same_number_and_date(co):
    co["certified_true_copy"] = {
        "certified_on": "2026-12-01",
        "original_number": "R2026-OTHER",
        "original_issue_date": "2026-11-01",
    }
    found = codes(co)
    assert {"copy_number_mismatch", "copy_date_mismatch"} <= found


# --- back-to-back (Art 3.19) -------------------------------------------------------------


def _btb(co, expiry="2027-11-02", prev="0", original="700"):
    co["exporting_party"] = co["exporter"]["country"] = "SG"
    co["certification"]["issuing_body"] = "Singapore Customs"
    co["back_to_back"] = {
        "original_number": "CN-R2026-0001",
        "original_issue_date": "2026-11-02",
        "original_expiry_date": expiry,
        "first_exporting_party": "CN",
        "first_country_of_origin": "CN",
        "approved_exporter_code": None,
        "original_quantities": [
            {"hs_code": "940360", "quantity": {"value": "100", "unit": "PCE"}},
            {"hs_code": "950300", "quantity": {"value": original, "unit": "SET"}},
        ],
        "previously_issued_quantities": [
            {"hs_code": "950300", "quantity": {"value": prev, "unit": "SET"}}
        ],
    }
    return co


def test_back_to_back_valid(co):
    assert_valid(_btb(co))


def test_back_to_back_keeps_the_original_country_of_origin(co):
    """Issue 14.2 (Art 3.19.1(d); Annex 3B 1(m)): not processed in the intermediate Party, so
    Box 11 stays what the original proof says."""
    co = _btb(co)
    co["goods_items"][1]["country_of_origin"] = "SG"  # the intermediate Party
    [p] = assert_problem(co, "country_of_origin_changed", "goods_items[1].country_of_origin")
    assert "Art 3.19" in p.article and "original proof gives CN" in p.message
    co["goods_items"][1]["country_of_origin"] = "JP"  # another Party: changed all the same
    assert_problem(co, "country_of_origin_changed", "goods_items[1].country_of_origin")


def test_back_to_back_country_per_item_of_the_original(co):
    co = _btb(co)
    # the original gave its toys (9503.00) Japan as RCEP country of origin (Art 2.6)
    co["back_to_back"]["original_quantities"][1]["country_of_origin"] = "JP"
    assert_problem(co, "country_of_origin_changed", "goods_items[1].country_of_origin")
    co["goods_items"][1]["country_of_origin"] = "JP"
    assert_valid(co)
    assert parse_certificate(co).back_to_back.original_quantities[1].country_of_origin == "JP"


def test_back_to_back_validity_capped_at_original(co):
    cert = parse_certificate(_btb(co, expiry="2027-11-02"))
    assert cert.valid_until == date(2027, 11, 2)  # not issue date + 1 year (2027-11-20)
    assert_valid(_btb(co), today=date(2027, 11, 2))


def test_back_to_back_expired_with_original(co):
    [p] = assert_problem(_btb(co), "expired", "issue_date", today=date(2027, 11, 3))
    assert "Art 3.19" in p.article and "2027-11-02" in p.message


def test_back_to_back_original_validity_over_one_year(co):
    assert_problem(_btb(co, expiry="2027-11-03"), "original_validity_too_long")


def test_back_to_back_cumulative_quantity_at_limit(co):
    assert_valid(_btb(co, prev="100", original="700"))


def test_back_to_back_cumulative_quantity_above_original(co):
    [p] = assert_problem(
        _btb(co, prev="100.5", original="700"),
        "quantity_exceeds_original",
        "goods_items[1].quantity",
    )
    assert "700" in p.message and "700.5" in p.message


def test_back_to_back_goods_not_on_original(co):
    co = _btb(co)
    co["back_to_back"]["original_quantities"].pop(0)
    assert_problem(co, "not_on_original", "goods_items[0].quantity")


def test_back_to_back_needs_intermediate_party(co):
    co = _btb(co)
    co["back_to_back"]["first_exporting_party"] = "SG"
    assert_problem(co, "back_to_back_same_party")


def test_back_to_back_original_not_valid_at_issue(co):
    co = _btb(co)
    co["back_to_back"]["original_issue_date"] = "2026-11-21"
    assert_problem(co, "original_not_valid_at_issue", "issue_date")


# --- document kind (Art 3.16, 3.18; Annex 3B) --------------------------------------------


def test_declaration_has_no_certification(doo, co):
    doo["certification"] = co["certification"]
    assert_problem(doo, "certification_not_allowed", "certification")


def test_declaration_needs_approved_exporter_code(doo):
    doo["approved_exporter_code"] = None
    assert_problem(doo, "approved_exporter_code_required", "approved_exporter_code")


# --- producer, Box 3 / Box 8 --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["CONFIDENTIAL", "NOT AVAILABLE"])
def test_producer_special_values(co, kind):
    co["producer"] = {"kind": kind, "party": None}
    assert_valid(co)
    co["producer"]["party"] = co["exporter"]
    assert_problem(co, "producer_party_not_allowed")


def test_see_box_8_needs_item_producers(doo):
    doo["goods_items"][1]["producer"] = None
    assert_problem(doo, "item_producer_required", "goods_items[1].producer")


def test_item_producer_only_with_see_box_8(co):
    co["goods_items"][0]["producer"] = co["exporter"]
    assert_problem(co, "item_producer_not_allowed", "goods_items[0].producer")


# --- goods: criterion, country of origin, item numbers ------------------------------------


def test_all_rcep_criteria_accepted(co):
    for crit in ["WO", "PE", "CTC", "CR", "ACU", "DMI"]:
        co["goods_items"][1]["origin_criterion"] = crit
        co["goods_items"][1]["criterion_basis"] = "CTC" if crit == "ACU" else None
        assert_valid(co)


def test_country_of_origin_other_party_with_marker(co):
    co["goods_items"][1]["country_of_origin"] = "JP"
    co["goods_items"][1]["country_of_origin_marker"] = "*"
    assert_valid(co)


# --- origin evidence ----------------------------------------------------------------------


def test_evidence_rvc_at_threshold_passes(doo):
    assert doo["goods_items"][0]["evidence"]["rvc"]["percentage"] == "40.00"
    assert_valid(doo)


def test_evidence_rvc_below_threshold(doo):
    ev = doo["goods_items"][0]["evidence"]["rvc"]
    ev["percentage"], ev["vnm"] = "39.99", "30.005"
    [p] = assert_problem(doo, "rvc_below_threshold")
    assert p.article == "Art 3.5"


# --- all problems at once -----------------------------------------------------------------


def test_all_problems_reported_together(co):
    co["goods_items"][0]["fob_value"] = None
    co["goods_items"][1]["hs_code"] = "999999"
    co["importer"]["country"] = "TH"
    co["transport"]["departure_date"] = "2025-01-01"
    cert, found = check_certificate(co, today=date(2026, 11, 25))
    assert cert is not None
    assert {
        "fob_required_for_rvc",
        "hs_code_unknown",
        "importer_not_in_importing_party",
        "retroactive_mark_required",
        "retroactive_too_late",
    } <= {p.code for p in found}
    assert all(p.article for p in found)


# --- rules that only another agreement's data can trigger (agreement is data) ---------------


@pytest.fixture
def narrow_agreement(monkeypatch):
    """RCEP plus "NARROW": an agreement allowing only certificates, HS 2022 and no Box 11
    markers — the shape ACFTA or ATIGA data may take."""
    rcep = reference.agreement("RCEP")
    narrow = rcep.model_copy(
        update={
            "code": "NARROW",
            "document_types": ["certificate_of_origin"],
            "hs_editions": ["HS2022"],
            "country_of_origin_markers": [""],
        }
    )
    monkeypatch.setattr(reference, "_agreements", lambda: {"RCEP": rcep, "NARROW": narrow})
    return "NARROW"


def test_document_type_allowed_by_the_agreement(co, doo, narrow_agreement):
    co["agreement"] = narrow_agreement
    assert_valid(co)
    doo["agreement"] = narrow_agreement
    [p] = assert_problem(doo, "document_type_not_allowed", "document_type")
    assert "NARROW has no declaration_of_origin" in p.message


def test_hs_edition_allowed_by_the_agreement(co, narrow_agreement):
    co["agreement"] = narrow_agreement
    co["goods_items"][0]["hs_edition"] = "HS2017"
    assert "hs_edition_not_allowed" not in codes(dict(co, agreement="RCEP"))
    [p] = assert_problem(co, "hs_edition_not_allowed", "goods_items[0].hs_edition")
    assert "Box 9" in p.article


def test_country_of_origin_marker_allowed_by_the_agreement(co, narrow_agreement):
    co["goods_items"][1]["country_of_origin_marker"] = "**"
    assert_valid(co)  # RCEP has the * and ** markers of Art 2.6
    co["agreement"] = narrow_agreement
    [p] = assert_problem(co, "marker_not_allowed", "goods_items[1].country_of_origin_marker")
    assert "Art 2.6" in p.article


# --- back-to-back: the original's own dates and quantities (Art 3.19) ------------------------


def test_back_to_back_original_expiry_on_its_issue_date_is_allowed(co):
    co = _btb(co)
    co["back_to_back"]["original_expiry_date"] = co["back_to_back"]["original_issue_date"]
    assert "original_expiry_before_issue" not in codes(co)


def test_back_to_back_original_expiry_before_its_issue(co):
    co = _btb(co)
    co["back_to_back"]["original_expiry_date"] = "2026-11-01"
    [p] = assert_problem(co, "original_expiry_before_issue", "back_to_back.original_expiry_date")
    assert "Art 3.19" in p.article


def test_back_to_back_needs_the_original_quantities(co):
    co = _btb(co)
    co["back_to_back"]["original_quantities"] = []
    [p] = assert_problem(co, "original_quantities_required", "back_to_back.original_quantities")
    assert "Art 3.19" in p.article


# --- one field wrong: the rule that names it (the passing case is the valid example) --------

# (field set, its value, the problem's code[, the path it names when not the field itself])
ONE_WRONG_FIELD = [
    ("goods_items.1.hs_code", "999999", "hs_code_unknown"),
    ("goods_items.0.fob_value", None, "fob_required_for_rvc"),
    ("goods_items.1.criterion_basis", "RVC", "criterion_basis_only_for_acu"),
    ("exporter.country", "HK", "exporter_not_in_exporting_party"),
    ("importer.country", "TH", "importer_not_in_importing_party"),
    ("exporter_declaration.importing_country", "TH", "declaration_country_mismatch"),
    ("agreement", "NAFTA", "unknown_agreement"),
    ("issued_retroactively", True, "retroactive_mark_unexpected"),
    ("certification", None, "certification_required"),
    ("certification.date", "2026-11-21", "certification_date_mismatch"),
    ("exporter_declaration.date", "2026-11-21", "declaration_after_issue"),
    ("producer.party", None, "producer_party_required"),
    ("goods_items.1.origin_criterion", "XX", "unknown_origin_criterion"),
    ("goods_items.1.country_of_origin", "US", "country_of_origin_not_a_party"),
    ("goods_items.1.item_number", 1, "duplicate_item_number"),
    ("goods_items.0.evidence.criterion", "CTC", "evidence_criterion_mismatch"),
    (
        "goods_items.0.evidence.rvc.vnm",
        "45.00",
        "rvc_inconsistent",
        "goods_items[0].evidence.rvc.percentage",
    ),
]


@pytest.mark.parametrize("case", ONE_WRONG_FIELD, ids=lambda case: case[2])
def test_one_wrong_field(co, case):
    field, value, code, *named = case
    *parents, last = [int(k) if k.isdigit() else k for k in field.split(".")]
    target = co
    for key in parents:
        target = target[key]
    target[last] = value
    assert_problem(co, code, named[0] if named else re.sub(r"\.(\d+)", r"[\1]", field))


def test_back_to_back_first_exporting_party_must_be_a_party(co):
    co = _btb(co)
    co["back_to_back"]["first_exporting_party"] = "US"
    [p] = assert_problem(co, "not_a_party", "back_to_back.first_exporting_party")
    assert "Art 3.19" in p.article
