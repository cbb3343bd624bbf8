"""Each article the engine applies, multi-level BOMs, input errors and the `assess` command."""

from __future__ import annotations

import json

import pytest

from originlink.cli import main
from originlink.rules.assess import assess, percent
from originlink.rules.models import AssessmentInputError
from originlink.rules.psr import PsrTable

from .helpers import codes, good, mat, reason, run


def errors(data) -> list[dict]:
    with pytest.raises(AssessmentInputError) as err:
        assess(data, table=PsrTable.shipped())
    return [p.model_dump() for p in err.value.problems]


# --- criteria --------------------------------------------------------------------------------


def test_wholly_obtained_vegetables():
    data = good("070190", "10", [mat("seed", "120991", "1", "CN", True)], edition="HS2012")
    data["wholly_obtained"] = True
    r = run(data)
    assert r["rule"] == "WO" and r["criteria_met"] == ["WO", "PE"] and r["criterion"] == "WO"
    assert "WO_MET" in codes(r) and reason(r, "WO_MET")["article"] == "Art 3.2(a); Art 3.3"


def test_wo_rule_not_met_by_non_originating_material():
    data = good("070190", "10", [mat("seed", "120991", "1", "NL")], edition="HS2012")
    data["wholly_obtained"] = True
    r = run(data)
    assert r["originating"] is False and {"WO_NOT_MET", "WO_RULE"} <= set(codes(r))


def test_pe_with_cumulated_materials_stays_pe():
    mats = [
        mat("a", "9403", "30", "CN", True, proof="D1"),
        mat("b", "9403", "20", "JP", True, proof="RCEP-JP-1"),
    ]
    r = run(good("940360", "100", mats))
    assert r["criteria_met"][0] == "PE" and r["criterion"] == "PE"
    assert r["rcep_country_of_origin"] == "CN"


def test_chemical_reaction_is_a_declared_fact():
    data = good("280110", "100", [mat("salt", "2501", "90")], edition="HS2012")
    data["psr_override"] = {"rule": "CR or RVC40", "reason": "test"}
    assert run(data)["originating"] is False
    data["operations"] = {"minimal_only": False, "chemical_reaction": True}
    r = run(data)
    assert r["criteria_met"] == ["CR"] and "CR_DECLARED" in codes(r)


def test_exclusion_blocks_the_change():
    data = good("130219", "100", [mat("root", "121120", "50")], edition="HS2012")
    r = run(data)
    assert r["rule"] == "CC except from subheading 1211.20"
    assert r["ctc"][0]["met"] is False and "1211.20" in r["ctc"][0]["note"]
    assert r["originating"] is False  # 50 % > de minimis; no RVC alternative
    data["materials"][0]["hs_code"] = "121190"
    assert run(data)["criteria_met"] == ["CTC"]


def test_4_digit_material_cannot_show_a_change_of_subheading():
    mats = [mat("parts", "8517", "150"), mat("battery", "850760", "10")]
    r = run(good("851712", "200", mats, edition="HS2012"))
    assert r["ctc"][0]["met"] is False and "too short" in r["ctc"][0]["note"]
    assert r["originating"] is False


def test_de_minimis_never_rescues_an_rvc_only_rule():
    data = good("940360", "100", [mat("m", "4407", "61")], psr_override="RVC40")
    r = run(data)
    assert r["originating"] is False
    assert r["de_minimis"] == {"value_ratio": None, "weight_ratio": None, "applied": False}


def test_de_minimis_by_weight_only_for_chapters_50_to_63():
    # A shirt (Ch 62) under an override rule: the failing fabric is 20 % of value
    # but 5 % of the weight.
    shirt = good(
        "620520",
        "100",
        [
            mat("fabric", "620520", "20", weight={"amount": "50", "unit": "g"}),
            mat("yarn", "5205", "10", weight="0.5"),
        ],
        edition="HS2012",
        weight={"amount": "1", "unit": "kg"},
        psr_override={"rule": "CTSH", "reason": "test rule"},
    )
    r = run(shirt)
    assert r["criteria_met"] == ["DMI"]
    assert r["de_minimis"] == {"value_ratio": "20.00", "weight_ratio": "5.00", "applied": True}
    shirt["materials"][0]["weight"] = None  # weight unknown: only the value test remains
    r = run(shirt)
    assert r["originating"] is False and r["de_minimis"]["weight_ratio"] is None
    # The same figures for a Chapter 94 good: the weight test does not exist.
    chair = dict(shirt, product={"hs_code": "940360"}, psr_override="CTSH")
    chair["materials"] = [mat("frame", "940360", "20", weight="0.05")]
    r = run(chair)
    assert r["originating"] is False and r["de_minimis"]["weight_ratio"] is None


def test_minimal_operations_override_ctc_and_rvc():
    data = good("940360", "100", [mat("m", "4407", "10")])
    assert run(data)["originating"] is True
    data["operations"] = {"minimal_only": True}
    r = run(data)
    assert r["originating"] is False and "MINIMAL_OPERATIONS" in codes(r)
    assert reason(r, "MINIMAL_OPERATIONS")["article"] == "Art 3.6"


def test_art_2_6_pe_with_minimal_operations_takes_the_highest_value_party():
    mats = [
        mat("jp", "9403", "40", "JP", True, proof="JP-1"),
        mat("vn", "9403", "25", "VN", True, proof="VN-1"),
        mat("cn", "4819", "5", "CN", True, role="retail_packaging"),
    ]
    data = good("940360", "100", mats, operations={"minimal_only": True})
    r = run(data)
    assert r["criteria_met"] == ["PE"] and r["rcep_country_of_origin"] == "JP"
    assert reason(r, "COUNTRY_OF_ORIGIN")["article"] == "Art 2.6"
    data["materials"][1]["value"] = "40"  # a tie: cannot be ascertained
    r = run(data)
    assert r["originating"] is True and r["rcep_country_of_origin"] is None
    assert "COUNTRY_OF_ORIGIN_UNDETERMINED" in codes(r)


def test_cumulation_needs_a_party_and_a_proof():
    mats = [mat("us", "9401", "50", "US", True, proof="X"), mat("nc", "9401", "10", None, True)]
    r = run(good("940161", "100", mats))
    assert r["rvc"]["vnm"] == "60.00"
    assert {"NOT_FROM_A_PARTY", "ORIGIN_UNDETERMINED"} <= set(codes(r))


def test_ctc_that_passes_only_by_cumulation_is_acu():
    vn = mat("vn_parts", "940199", "30", "VN", True, proof="VN-9")
    r = run(good("940161", "100", [vn, mat("wood", "4407", "50")], psr_override="CTH"))
    assert r["criteria_met"] == ["ACU"]
    assert r["criterion_basis"] == "CTC" and r["fob_required"] is False  # no FOB on the form
    assert "Art 3.4" in reason(r, "CTC_MET")["text"]


def test_deductions_only_with_evidence():
    m = mat("wood", "4407", "45.00")
    m["deductions"] = [
        {"kind": "freight", "amount": "3.00", "evidence": "BL-778"},
        {"kind": "insurance", "amount": "2.00", "evidence": None},
    ]
    r = run(good("940360", "100", [m]))
    assert r["rvc"]["vnm"] == "42.00" and r["rvc"]["build_down"] == "58.00"
    assert {"VNM_DEDUCTIONS", "DEDUCTION_WITHOUT_EVIDENCE"} <= set(codes(r))
    m["deductions"][1]["evidence"] = "INS-1"
    assert run(good("940360", "100", [m]))["rvc"]["vnm"] == "40.00"
    m["deductions"][0]["amount"] = "50"
    assert errors(good("940360", "100", [m]))[0]["path"] == "materials[0].deductions"


def test_de_minimis_values_failing_materials_at_cif_before_deductions():
    # Art 3.7.1(a): "determined pursuant to paragraph 3 of Article 3.5" (CIF or first
    # ascertainable price); the deductions of Art 3.5.5 belong to the RVC's VNM only (issue 14.4).
    parts = mat("parts", "9503", "5.50")  # fails the CTH of a toy (9503 -> 9503)
    parts["deductions"] = [{"kind": "freight", "amount": "1.00", "evidence": "BL-12"}]
    r = run(good("950300", "50", [parts, mat("resin", "3901", "10")]))
    assert r["de_minimis"] == {"value_ratio": "11.00", "weight_ratio": None, "applied": False}
    assert r["criteria_met"] == ["RVC"]  # 5.50 / 50 = 11 % > 10 %: the CTH stays failed
    # ... while the RVC takes the deduction: VNM 4.50 + 10 = 14.50, (50 - 14.50) / 50 = 71 %
    assert r["rvc"]["vnm"] == "14.50" and r["rvc"]["build_down"] == "71.00"
    text = reason(r, "DE_MINIMIS_EXCEEDED")
    assert "at CIF or first ascertainable price (Art 3.5.3, before deductions)" in text["text"]
    assert "11.00 % of FOB" in text["text"] and text["article"] == "Art 3.7"
    # at a CIF value of 5.00 (10 %) the parts are within the allowance: a DMI claim
    parts["value"] = "5.00"
    assert run(good("950300", "50", [parts, mat("resin", "3901", "10")]))["criteria_met"] == [
        "DMI",
        "RVC",
    ]


def test_build_up_and_build_down_differ_when_fob_is_not_the_sum():
    data = good("940360", "100", [mat("m", "4407", "70"), mat("o", "9403", "10", "CN", True)])
    data["costs"] = {"labour": "5"}
    r = run(data)
    assert r["rvc"] == {"build_down": "30.00", "build_up": "15.00", "vnm": "70.00", "vom": "10.00"}


def test_every_reason_names_an_article():
    data = good("940360", "100", [mat("m", "4407", "70")])
    for r in (run(data), run(dict(data, hs_edition="HS2012"))):
        assert all(x["code"] and x["article"] and x["text"] for x in r["reasons"])


def test_percent_display():
    from decimal import Decimal as D

    assert percent(D(60), D(100)) == "60.00"
    assert percent(D("59.375"), D(100)) == "59.375"
    assert percent(D(1), D(3)) == "33.333333"  # cut, not rounded
    assert percent(D(2), D(3)) == "66.666666"


# --- multi-level BOM (Art 3.12) --------------------------------------------------------------


def sub_assembly(wood_value: str) -> dict:
    return good("940399", "40", [mat("wood", "4407", wood_value)], psr_override="CTH or RVC40")


def test_originating_intermediate_counts_in_full():
    top = good(
        "940161",
        "100",
        [
            {**mat("frame", "940399", "40", None), "produced": sub_assembly("20")},
            mat("foam", "9404", "45"),
        ],
    )
    r = run(top)
    # Without roll-up the frame (9401.90 -> 9401.61 fails CTH) and RVC = 15 % would fail.
    assert r["originating"] is True and r["criteria_met"] == ["CTC", "RVC"]
    assert r["rvc"]["vom"] == "40.00" and r["rvc"]["vnm"] == "45.00"
    assert r["intermediates"][0]["material"] == "frame"
    assert r["intermediates"][0]["assessment"]["originating"] is True
    assert "INTERMEDIATE_ORIGINATING" in codes(r)


def test_non_originating_intermediate_brings_only_its_non_originating_materials():
    # (issue 12.4; worked examples in test_intermediates.py)
    sub = good("940399", "40", [mat("frame", "940399", "39")], psr_override="CTH")
    top = good("940161", "100", [{**mat("frame", "940399", "40", None), "produced": sub}])
    r = run(top)
    assert r["rvc"]["vnm"] == "39.00" and "INTERMEDIATE_NOT_ORIGINATING" in codes(r)


def test_cycle_is_an_error_not_a_hang():
    inner = good("940399", "40", [{**mat("chair", "940161", "30"), "produced": None}])
    middle = {**mat("frame", "940399", "40", None), "produced": inner}
    top = good(
        "940161",
        "100",
        [{**mat("chair", "940161", "40"), "produced": good("940161", "90", [middle])}],
    )
    inner["materials"][0]["produced"] = good("940161", "80", [mat("x", "4407", "1")])
    # chair -> frame -> chair: the id comes back along the path
    problems = errors(top)
    assert problems[0]["code"] == "bom_cycle"
    assert (
        problems[0]["path"] == "materials[0].produced.materials[0].produced.materials[0].produced"
    )
    assert "chair -> frame -> chair" in problems[0]["message"]


def test_a_python_object_cycle_is_reported_too():
    node = good("940161", "100", [])
    node["materials"].append({**mat("self", "940161", "1"), "produced": node})
    assert errors(node)[0]["code"] == "bom_cycle"


def test_intermediate_must_be_the_material_it_claims_to_be():
    top = good("940161", "100", [{**mat("frame", "940399", "40"), "produced": sub_assembly("1")}])
    top["materials"][0]["hs_code"] = "940320"
    assert errors(top)[0]["code"] == "hs_mismatch"


# --- input errors and the command ------------------------------------------------------------


def test_input_errors_name_every_field():
    data = good("94036", "0", [mat("a", "44x7", "-1", "china")], exporting_party="US")
    data["materials"].append(mat("a", "4407", "1"))
    data["materials"][1]["role"] = "packaging"
    paths = {p["path"]: p for p in errors(data)}
    assert set(paths) == {
        "product.hs_code",
        "exporting_party",
        "fob.amount",
        "materials[0].hs_code",
        "materials[0].value",
        "materials[0].origin_country",
        "materials[1].role",
    }
    assert "US is not a Party" in paths["exporting_party"]["message"]
    assert paths["fob.amount"]["article"] == "Art 3.5"


def test_duplicate_ids_and_bad_override_are_input_errors():
    data = good("940360", "100", [mat("a", "4407", "1"), mat("a", "4407", "2")])
    assert errors(data)[0]["path"] == "materials[1].id"
    data = good("940360", "100", [], psr_override={"rule": "CTH or RVX40"})
    problem = errors(data)[0]
    assert problem["path"] == "psr_override.rule" and "character 8" in problem["message"]


def test_cli_assess(tmp_path, capsys):
    src = tmp_path / "in.json"
    # JSON numbers are read as Decimal: 0.1 + 0.2 stays exact.
    src.write_text(json.dumps(good("940360", "100", [mat("a", "4407", "1")])).replace('"1"', "0.1"))
    assert main(["assess", str(src), "--psr-dir", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["originating"] is True and out["rvc"]["vnm"] == "0.10"
    # a completed assessment that finds the good non-originating still exits 0
    src.write_text(json.dumps(good("940360", "100", [mat("a", "9403", "70")])))
    assert main(["assess", str(src), "--psr-dir", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out)["originating"] is False
    for text in ("{not json", "[]", json.dumps({"hs_edition": "HS2022"})):
        src.write_text(text)
        assert main(["assess", str(src), "--psr-dir", str(tmp_path)]) == 2
        err = json.loads(capsys.readouterr().out)
        assert err["error"] in {"bad_json", "invalid_assessment_input"}
    assert main(["assess", str(tmp_path / "nope.json")]) == 2
    assert json.loads(capsys.readouterr().out)["error"] == "unreadable_input"


def test_amounts_stay_exact_and_are_bounded():
    # 0.1 added 3 times is exactly 0.3: no float anywhere
    mats = [mat(f"m{i}", "4407", "0.1") for i in range(3)]
    assert run(good("940360", "1", mats))["rvc"] == {
        "build_down": "70.00",
        "build_up": None,
        "vnm": "0.30",
        "vom": "0.00",
    }
    big = good("940360", "1" + "0" * 19, [mat("m", "4407", "0.0000000001")])
    assert run(big)["rvc"]["vnm"] == "0.0000000001"
    paths = [p["path"] for p in errors(good("940360", "1" + "0" * 30, [mat("m", "4407", "1e-11")]))]
    assert paths == ["fob.amount", "materials[0].value"]


def test_wholly_obtained_needs_wholly_obtained_intermediates():
    sub = good("940399", "40", [mat("wood", "4407", "5", "CN", True)])
    top = good("940360", "100", [{**mat("frame", "940399", "40", "CN"), "produced": sub}])
    top["wholly_obtained"] = True
    r = run(top)
    assert "WO" not in r["criteria_met"] and "WO_NOT_MET" in codes(r)
    sub["wholly_obtained"] = True
    assert run(top)["criterion"] == "WO"


def test_materials_without_ids_are_named_by_their_path_and_never_mistaken_for_a_cycle():
    raw = [{"hs_code": "4407", "value": "5", "origin_country": "RU"}]
    leaf = good("940390", "40", raw, edition="HS2012")
    mid = good("940390", "60", [{"hs_code": "940390", "value": "40", "produced": leaf}], "HS2012")
    top = good("940360", "100", [{"hs_code": "940390", "value": "60", "produced": mid}], "HS2012")
    r = run(top)
    assert r["originating"] is True
    inner = r["intermediates"][0]["assessment"]["intermediates"][0]["assessment"]
    assert inner["ctc"][0]["material"] == "materials[0].produced.materials[0].produced.materials[0]"


def test_cumulation_reason_names_the_proofs():
    vn = mat("vn_parts", "940199", "30", "VN", True, proof="RCEP-VN-0042")
    r = run(good("940161", "100", [vn]))
    assert "vn_parts (VN, proof RCEP-VN-0042)" in reason(r, "CUMULATION")["text"]


def test_edition_spellings():
    for spelling in ("HS2012", "hs2012", "HS 2012", "2012", 2012):
        data = good("940360", "100", [mat("m", "4407", "10")], edition=spelling)
        assert run(data)["rule_status"] == "found"
    assert errors(good("940360", "100", [], edition="HS2099"))[0]["path"] == "hs_edition"


# --- HS input (Issue 14.9) -------------------------------------------------------------------


@pytest.mark.parametrize("written", ["9403.60", "9403 60", "940360", "9403.60.10"])
def test_a_code_however_written_gives_the_same_assessment(written):
    expected = run(good("940360", "100", [mat("wood", "4407", "40")]))
    r = run(good(written, "100", [mat("wood", "44 07", "40")]))
    assert r == expected and r["hs_code"] == "940360"
    assert r["ctc"][0]["from"] == "4407"


def test_codes_not_in_the_edition_are_errors_naming_the_edition():
    [product] = errors(good("9403.90", "100", [mat("wood", "4407", "40")]))
    assert product == {
        "path": "product.hs_code",
        "code": "hs_code_unknown",
        "message": "product.hs_code: 9403.90 is not in HS 2022 (the input's hs_edition)",
        "article": "Annex 3A",
    }
    # the same code is a subheading of HS 2012
    assert run(good("9403.90", "100", [mat("wood", "4407", "40")], edition="2012"))
    bad = [mat("a", "9401.90", "1"), mat("b", "4407", "1"), mat("c", "7799", "1")]
    found = errors(good("940360", "100", bad))
    assert [(p["path"], p["code"]) for p in found] == [
        ("materials[0].hs_code", "hs_code_unknown"),
        ("materials[2].hs_code", "hs_code_unknown"),
    ]
    assert "77.99 is not in HS 2022" in found[1]["message"]
    # inside an intermediate, the path says where
    sub = good("940399", "40", [mat("x", "9401.90", "1")])
    top = good("940360", "100", [{**mat("frame", "940399", "40"), "produced": sub}])
    assert errors(top)[0]["path"] == "materials[0].produced.materials[0].hs_code"
