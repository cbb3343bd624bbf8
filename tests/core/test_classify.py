"""originlink.classify: each warning with a case that raises it and one that does not, the lane
rules, and `originlink classify`."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from originlink.classify import SEVERITY, Classification, allowed_criteria, classify_certificate
from originlink.cli import main
from originlink.model import check_certificate, parse_certificate, validate_certificate
from originlink.rules import parse_rule
from originlink.rules.psr import PsrRow, PsrTable

from .conftest import TODAY, load_example

# Rules held for the example's codes, so results do not depend on the shipped (partial) table.
TABLE = PsrTable(
    [
        PsrRow("RCEP", "HS2022", "94", "CTH or RVC40", "test"),
        PsrRow("RCEP", "HS2022", "95", "CTH or RVC40", "test"),
        PsrRow("RCEP", "HS2022", "0701", "WO", "test"),
        PsrRow("RCEP", "HS2017", "95", "CTH or RVC40", "test"),
    ]
)


def classify(doc: dict, *, today: date = TODAY, table=TABLE, valid: bool = True) -> Classification:
    cert = parse_certificate(doc)
    if valid:  # classification is meant for documents that pass validation
        found = validate_certificate(cert, today=today)
        assert found == [], [p.model_dump() for p in found]
    return classify_certificate(cert, today=today, table=table)


def codes(result: Classification) -> list[str]:
    return [w.code for w in result.warnings]


def only(result: Classification, code: str):
    hits = [w for w in result.warnings if w.code == code]
    assert len(hits) == 1, result.model_dump()
    return hits[0]


@pytest.fixture
def co() -> dict:
    return load_example("certificate.json")


def rvc_evidence(doc: dict) -> dict:
    return doc["goods_items"][0]["evidence"]["rvc"]


# --- the example and the lane rules ---------------------------------------------------------


def test_the_example_is_green_with_nothing_to_flag(co):
    result = classify(co)
    assert result.lane == "green" and result.warnings == []
    assert result.reasons == ["nothing of substance to flag"]


def test_every_warning_is_a_problem_with_code_path_and_article(co):
    co["issued_retroactively"] = True
    co["transport"]["departure_date"] = "2026-11-10"
    co["third_party_invoicing"] = {"company_name": "Pearl Trading Ltd", "country": "HK"}
    co["goods_items"][1]["hs_code"] = "070190"
    co["goods_items"][0]["evidence"] = None
    result = classify(co, table=PsrTable([PsrRow("RCEP", "HS2022", "0701", "WO", "t")]))
    assert len(result.warnings) >= 4
    for w in result.warnings:
        assert w.code in SEVERITY and w.article and w.path
        assert w.message.startswith(w.path + ":")


def test_info_notices_leave_the_lane_green(co):
    co["third_party_invoicing"] = {"company_name": "Pearl Trading Ltd", "country": "HK"}
    result = classify(co, table=PsrTable())  # no rule held: psr_unknown for both items
    assert set(codes(result)) == {"third_party_invoicing", "psr_unknown"}
    assert result.lane == "green"
    assert result.reasons == ["nothing of substance to flag; 3 informational notice(s)"]


def test_a_caution_makes_the_lane_amber_and_is_the_reason(co):
    co["goods_items"][0]["evidence"] = None
    result = classify(co)
    assert result.lane == "amber"
    [reason] = result.reasons
    assert "goods_items[0].evidence" in reason and reason.endswith("(Art 3.5; Art 3.2(c))")


def test_a_contradiction_makes_the_lane_red_whatever_else(co):
    rvc_evidence(co).update(fob="100000", vnm="60005", percentage="40.00")  # exact: 39.995 %
    co["third_party_invoicing"] = {"company_name": "Pearl Trading Ltd", "country": "HK"}
    co["goods_items"][1]["evidence"] = None
    co["goods_items"][1]["origin_criterion"] = "RVC"
    co["goods_items"][1]["fob_value"] = {"amount": "900.00", "currency": "USD"}
    result = classify(co)
    assert "rvc_evidence_missing" in codes(result)  # a caution is present too
    assert result.lane == "red"
    assert len(result.reasons) == 1 and "39.995" in result.reasons[0]


def test_classification_is_deterministic(co):
    co["goods_items"][0]["evidence"] = None
    assert classify(co) == classify(co)


# --- HS edition (Annex 3A, HS 2022 transposition) -----------------------------------------------


def test_hs2017_on_a_certificate_issued_in_2026_is_outdated(co):
    co["goods_items"][1]["hs_edition"] = "HS2017"
    w = only(classify(co), "hs_edition_outdated")
    assert w.path == "goods_items[1].hs_edition" and "Annex 3A" in w.article
    assert classify(co).lane == "amber"


def test_hs2017_before_2023_is_not_flagged(co):
    co["goods_items"][1]["hs_edition"] = "HS2017"
    for path in (("issue_date",), ("exporter_declaration", "date"), ("certification", "date")):
        target = co
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = "2022-12-20"
    co["transport"]["departure_date"] = "2022-12-22"
    co["invoices"][0]["date"] = "2022-12-18"
    assert "hs_edition_outdated" not in codes(classify(co, today=date(2022, 12, 21)))


# --- the claim against the product-specific rule (Annex 3A) ------------------------------------


def test_ctc_claim_on_a_wholly_obtained_rule_is_flagged(co):
    co["goods_items"][1]["hs_code"] = "070190"  # potatoes: rule WO
    w = only(classify(co), "psr_criterion_not_allowed")
    assert w.path == "goods_items[1].origin_criterion"
    assert "'WO'" in w.message and "Art 3.2(c)" in w.article
    assert classify(co).lane == "amber"


def test_claim_offered_by_the_rule_is_not_flagged(co):
    assert "psr_criterion_not_allowed" not in codes(classify(co))  # CTC and RVC on CTH or RVC40


def test_wholly_obtained_claim_is_never_checked_against_the_rule(co):
    co["goods_items"][1]["origin_criterion"] = "WO"  # Art 3.2(a) whatever the rule says
    assert codes(classify(co)) == []


@pytest.mark.parametrize(
    ("rule", "allowed"),
    [
        ("WO", {"WO", "PE"}),
        ("CC", {"WO", "PE", "CTC", "DMI", "ACU"}),
        ("RVC40", {"WO", "PE", "RVC", "ACU"}),
        ("CTH or RVC40", {"WO", "PE", "CTC", "DMI", "RVC", "ACU"}),
        ("CR or RVC40", {"WO", "PE", "CR", "RVC", "ACU"}),
    ],
)
def test_allowed_criteria_follow_the_rule(rule, allowed):
    assert allowed_criteria(parse_rule(rule)) == allowed


def test_de_minimis_claim_on_an_rvc_only_rule_is_flagged(co):
    co["goods_items"][1]["origin_criterion"] = "DMI"
    table = PsrTable([PsrRow("RCEP", "HS2022", "95", "RVC40", "t"), *TABLE.rows()[:1]])
    w = only(classify(co, table=table), "psr_criterion_not_allowed")
    assert "Art 3.7" in w.article
    assert "psr_criterion_not_allowed" not in codes(classify(co))  # fine under CTH or RVC40


def test_unknown_rule_is_an_informational_notice(co):
    table = PsrTable([PsrRow("RCEP", "HS2022", "94", "CTH or RVC40", "t")])
    w = only(classify(co, table=table), "psr_unknown")
    assert w.path == "goods_items[1].origin_criterion" and "could not be checked" in w.message
    assert SEVERITY["psr_unknown"] == "info"
    assert "psr_unknown" not in codes(classify(co))


def test_rule_reached_through_the_hs2012_correlation_is_noted(co):
    result = classify(co, table=PsrTable.shipped())  # shipped: Chapters 94, 95 in HS 2012 only
    assert codes(result) == ["psr_correlated", "psr_correlated"]
    assert "9403.60" in result.warnings[0].message and result.lane == "green"


# --- RVC evidence (Art 3.5) ---------------------------------------------------------------------


def test_rvc_without_evidence_is_flagged(co):
    co["goods_items"][0]["evidence"] = None
    assert only(classify(co), "rvc_evidence_missing").path == "goods_items[0].evidence"
    co["goods_items"][1]["evidence"] = None  # a CTC item without evidence is not
    assert codes(classify(co)) == ["rvc_evidence_missing"]


def test_rvc_evidence_without_a_working_is_flagged(co):
    co["goods_items"][0]["evidence"]["rvc"] = None
    assert only(classify(co), "rvc_evidence_missing").path == "goods_items[0].evidence.rvc"


def test_build_down_without_vnm_cannot_be_recomputed(co):
    rvc_evidence(co)["vnm"] = None
    w = only(classify(co), "rvc_figures_missing")
    assert w.path == "goods_items[0].evidence.rvc" and w.article == "Art 3.5"
    assert classify(co).lane == "amber"


def test_recomputed_rvc_just_below_the_threshold_is_red(co):
    # 39.995 % passes validation's 0.01 tolerance as "40.00", but Art 3.5 compares exactly.
    rvc_evidence(co).update(fob="100000", vnm="60005", percentage="40.00")
    co["goods_items"][0]["evidence"]["materials"] = []
    result = classify(co)
    w = only(result, "rvc_recomputed_below_threshold")
    assert w.path == "goods_items[0].evidence.rvc.percentage" and "39.995" in w.message
    assert result.lane == "red"


def test_rvc_exactly_at_the_threshold_is_not_flagged(co):
    rvc_evidence(co).update(fob="100000", vnm="60000", percentage="40.00")
    co["goods_items"][0]["evidence"]["materials"] = []
    assert codes(classify(co)) == []


def test_stated_percentage_disagreeing_with_the_figures_is_red(co):
    rvc_evidence(co)["percentage"] = "65.00"  # figures give 60.00 (validation refuses it too)
    result = classify(co, valid=False)
    assert "60.00" in only(result, "rvc_figures_disagree").message
    assert result.lane == "red"


def test_listed_materials_above_the_stated_vnm_are_flagged(co):
    co["goods_items"][0]["evidence"]["materials"].append(
        {"country": "MY", "originating": False, "value": "25.00", "hs_code": "830242"}
    )
    w = only(classify(co), "rvc_materials_exceed_vnm")
    assert "65.00" in w.message and "35.00 %" in w.message  # 40 + 25 listed; (100-65)/100
    assert classify(co).lane == "amber"


def test_originating_materials_do_not_count_towards_vnm(co):
    co["goods_items"][0]["evidence"]["materials"].append(
        {"country": "VN", "originating": True, "value": "25.00", "hs_code": "830242"}
    )
    assert "rvc_materials_exceed_vnm" not in codes(classify(co))


def test_build_up_is_noted_as_not_recomputable(co):
    rvc_evidence(co)["formula"] = "build_up"
    w = only(classify(co), "rvc_build_up_not_recomputable")
    assert "8.00 %" in w.message  # VOM 8 / FOB 100
    assert classify(co).lane == "green"
    rvc_evidence(co)["vom"] = None
    assert codes(classify(co)) == ["rvc_figures_missing"]


# --- validity (Art 3.16) ------------------------------------------------------------------------


def test_expiry_within_30_days_is_flagged():
    doc = load_example("certificate.json")
    until = parse_certificate(doc).valid_until  # 2027-11-20
    for days_left in (30, 0):
        w = only(classify(doc, today=until - timedelta(days=days_left)), "expires_soon")
        assert w.path == "issue_date" and w.article == "Art 3.16"
        assert f"{days_left} day(s)" in w.message
    assert "expires_soon" not in codes(classify(doc, today=until - timedelta(days=31)))


def test_back_to_back_expiry_cites_art_3_19():
    doc = load_example("certificate-back-to-back.json")
    until = parse_certificate(doc).valid_until  # the original's expiry
    w = only(classify(doc, today=until - timedelta(days=10)), "expires_soon")
    assert "Art 3.19" in w.article


# --- Section B special cases --------------------------------------------------------------------


def test_retroactive_issue_is_flagged(co):
    co["issued_retroactively"] = True
    co["transport"]["departure_date"] = "2026-11-10"
    w = only(classify(co), "issued_retroactively")
    assert "10 day(s) after" in w.message and "Art 3.17.8" in w.article
    assert classify(co).lane == "amber"


def test_back_to_back_is_flagged(co):
    doc = load_example("certificate-back-to-back.json")
    w = only(classify(doc), "back_to_back")
    assert "R2026-440100-000098" in w.message and "Art 3.19" in w.article
    assert "back_to_back" not in codes(classify(co))


def test_certified_true_copy_is_flagged(co):
    co["certified_true_copy"] = {"certified_on": "2026-11-24"}
    w = only(classify(co), "certified_true_copy")
    assert "Art 3.17.9" in w.article and classify(co).lane == "amber"


def test_third_party_invoicing_is_informational(co):
    doc = load_example("certificate-declaration.json")
    result = classify(doc)
    w = only(result, "third_party_invoicing")
    assert "Art 3.20" in w.article and "HK" in w.message
    assert codes(result) == ["third_party_invoicing"] and result.lane == "green"
    assert "third_party_invoicing" not in codes(classify(co))


# --- FOB shown where RVC was not used (Annex 3B; Box 12) — issue 14.1 ------------------------


def test_fob_shown_without_rvc_is_only_a_privacy_notice(co):
    co["goods_items"][1]["fob_value"] = {"amount": "1200.00", "currency": "USD"}  # a CTC item
    result = classify(co)  # valid: showing FOB is never an error
    w = only(result, "fob_shown_without_rvc")
    assert w.path == "goods_items[1].fob_value" and "(CTC)" in w.message
    assert "Annex 3B" in w.article and SEVERITY[w.code] == "info" and result.lane == "green"
    assert "fob_shown_without_rvc" not in codes(classify(load_example("certificate.json")))


def test_acu_through_rvc_with_fob_is_no_notice_and_its_basis_is_checked(co):
    item = co["goods_items"][1]
    item["origin_criterion"], item["criterion_basis"] = "ACU", "RVC"
    item["fob_value"] = {"amount": "1200.00", "currency": "USD"}
    assert codes(classify(co)) == []
    item["criterion_basis"] = "CTC"
    assert codes(classify(co)) == ["fob_shown_without_rvc"]
    only_rvc = PsrTable([*TABLE.rows(), PsrRow("RCEP", "HS2022", "95", "RVC40", "test")])
    w = only(classify(co, table=only_rvc), "psr_criterion_not_allowed")
    assert w.path == "goods_items[1].criterion_basis" and "ACU through CTC" in w.message


# --- low value (Art 3.22) -------------------------------------------------------------------------


def _single_rvc_item(co: dict, amount: str, currency: str = "USD") -> dict:
    co["goods_items"] = co["goods_items"][:1]
    co["goods_items"][0]["fob_value"] = {"amount": amount, "currency": currency}
    return co


def test_low_value_consignment_may_be_waived(co):
    w = only(classify(_single_rvc_item(co, "200.00")), "low_value_waiver_may_apply")
    assert w.article == "Art 3.22" and "USD 200.00" in w.message
    assert classify(co).lane == "green"


@pytest.mark.parametrize(("amount", "currency"), [("200.01", "USD"), ("150.00", "CNY")])
def test_low_value_not_flagged_above_limit_or_in_another_currency(co, amount, currency):
    assert "low_value_waiver_may_apply" not in codes(
        classify(_single_rvc_item(co, amount, currency))
    )


def test_low_value_not_flagged_when_an_item_has_no_fob(co):
    co["goods_items"][0]["fob_value"]["amount"] = "50.00"  # item 2 (CTC) carries no FOB
    assert "low_value_waiver_may_apply" not in codes(classify(co))


# --- originlink classify ------------------------------------------------------------------------


def _write(tmp_path, doc) -> str:
    path = tmp_path / "cert.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def test_cli_prints_the_classification(tmp_path, co, capsys, monkeypatch):
    monkeypatch.setenv("ORIGINLINK_PSR_DIR", str(tmp_path / "psr"))  # shipped rows only
    co["goods_items"][0]["evidence"] = None
    assert main(["classify", _write(tmp_path, co), "--today", TODAY.isoformat()]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["lane"] == "amber" and "rvc_evidence_missing" in [w["code"] for w in out["warnings"]]


def test_cli_exit_1_for_an_invalid_or_expired_document(tmp_path, co, capsys):
    assert main(["classify", _write(tmp_path, co), "--today", "2027-11-21"]) == 1
    problems = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert problems[0]["code"] == "expired" and problems[0]["article"] == "Art 3.16"


def test_cli_exit_2_for_unreadable_input_or_a_bad_date(tmp_path, co, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert main(["classify", str(bad)]) == 2
    assert main(["classify", str(tmp_path / "missing.json")]) == 2
    assert main(["classify", _write(tmp_path, co), "--today", "25/11/2026"]) == 2
    assert "--today" in capsys.readouterr().err


def test_a_date_at_the_end_of_the_calendar_is_refused_with_its_field(co):
    # 9999-12-31 + 1 year would overflow; the model refuses it before any arithmetic runs.
    co["issue_date"] = "9999-12-31"
    co["transport"]["departure_date"] = "9999-12-30"
    cert, problems = check_certificate(co)
    assert cert is None
    assert {p.path for p in problems} == {"issue_date", "transport.departure_date"}


def test_company_override_is_named_in_the_classification(co):
    override = PsrRow("RCEP", "HS2022", "9403", "CTSH or RVC40", "ruling 2026/17", "override")
    result = classify(co, table=PsrTable(TABLE.rows(), [override]))
    w = only(result, "psr_override")
    assert w.path == "goods_items[0].origin_criterion" and w.article == "Annex 3A"
    assert "company override" in w.message and "ruling 2026/17" in w.message
    assert "'CTH or RVC40'" in w.message  # the rule it replaces
    assert result.lane == "green" and SEVERITY["psr_override"] == "info"
    assert "psr_override" not in codes(classify(co))


def test_unreadable_psr_directory_is_exit_2_not_a_traceback(tmp_path, capsys):
    (tmp_path / "imported.csv").mkdir()  # a directory where the imported schedule belongs
    doc = _write(tmp_path, load_example("certificate.json"))
    assert main(["classify", doc, "--today", "2026-11-25", "--psr-dir", str(tmp_path)]) == 2
    assert "imported.csv" in json.loads(capsys.readouterr().err)["message"]


def test_preload_reads_the_shipped_tables_once():
    """What a server worker calls at start, so that no request pays for reading them."""
    from originlink import hs
    from originlink.classify import preload
    from originlink.rules import psr

    hs.table.cache_clear()
    hs.correlation.cache_clear()
    psr._shipped_index.cache_clear()
    preload()
    assert hs.table.cache_info().currsize == len(hs.EDITIONS)
    assert hs.correlation.cache_info().currsize == 1
    assert psr._shipped_index.cache_info().currsize == 1
    misses = psr._shipped_index.cache_info().misses
    psr.PsrTable.shipped().lookup("RCEP", "HS2012", "940360")
    assert psr._shipped_index.cache_info().misses == misses  # served from what was read
