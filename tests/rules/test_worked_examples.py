"""The five worked examples of the RCEP reference (§11) and their variants, exactly."""

from __future__ import annotations

from decimal import Decimal

from .helpers import codes, good, mat, reason, run

COSTS = {"labour": "20", "overhead": "10", "profit": "12", "other": "10"}


def example1(**extra) -> dict:
    return good(
        "940360",
        "100.00",
        [
            mat("wood", "4407", "35.00", "RU"),
            mat("hinges", "8302", "5.00", "DE"),
            mat("paint", "3208", "8.00", "CN", True, proof="SUPDECL-2026-11"),
        ],
        costs=COSTS,
        **extra,
    )


def test_example1_furniture_both_rules_pass():
    r = run(example1())
    assert r["originating"] is True
    assert r["criteria_met"] == ["CTC", "RVC"]
    assert r["criterion"] == "CTC" and r["fob_required"] is False  # CTC: no FOB in Box 12
    assert r["criterion_basis"] is None
    assert r["rule"] == "CTH or RVC40"
    assert r["rvc"] == {"build_down": "60.00", "build_up": "60.00", "vnm": "40.00", "vom": "8.00"}
    assert [(c["material"], c["level"], c["met"]) for c in r["ctc"]] == [
        ("wood", "CTH", True),
        ("hinges", "CTH", True),
    ]
    assert r["rcep_country_of_origin"] == "CN"
    assert r["de_minimis"] == {"value_ratio": "0.00", "weight_ratio": None, "applied": False}
    # HS 2022 9403.60 has no HS 2022 row: the HS 2012 row is used and must be confirmed.
    assert r["rule_status"] == "correlated" and r["needs_confirmation"] is True
    assert "confirm" in reason(r, "PSR_CORRELATED")["text"]
    assert all(x["article"] for x in r["reasons"])


def test_example1_in_hs2012_needs_no_confirmation():
    r = run(example1(hs_edition="HS2012"))
    assert r["rule_status"] == "found" and r["needs_confirmation"] is False
    assert r["criteria_met"] == ["CTC", "RVC"]
    assert "PSR_CORRELATED" not in codes(r)


def toy(parts: str, resin: str) -> dict:
    return good("950300", "50", [mat("parts", "950300", parts), mat("resin", "3901", resin)])


def test_example2_boundary_40_percent_and_de_minimis():
    r = run(toy("4", "26"))
    assert r["originating"] is True
    assert r["criteria_met"] == ["DMI", "RVC"]
    assert r["criterion"] == "DMI"
    assert r["rvc"]["build_down"] == "40.00"
    assert r["rvc"]["vnm"] == "30.00"
    assert r["de_minimis"] == {"value_ratio": "8.00", "weight_ratio": None, "applied": True}
    assert [(c["material"], c["met"]) for c in r["ctc"]] == [("parts", False), ("resin", True)]
    assert "DE_MINIMIS_APPLIED" in codes(r) and "RVC_MET" in codes(r)


def test_example2_variant_neither_passes():
    r = run(toy("12", "20"))
    assert r["originating"] is False
    assert r["criterion"] is None and r["criteria_met"] == []
    assert r["de_minimis"]["value_ratio"] == "24.00" and r["de_minimis"]["applied"] is False
    assert r["rvc"]["build_down"] == "36.00"
    assert r["rcep_country_of_origin"] is None
    assert {"DE_MINIMIS_EXCEEDED", "RVC_NOT_MET", "CTC_NOT_MET"} <= set(codes(r))


def test_example2_just_below_40_fails_and_is_never_shown_as_40():
    r = run(toy("4", "26.0001"))
    assert r["rvc"]["build_down"] == "39.9998"
    assert "RVC" not in r["criteria_met"]
    r = run(good("950300", "3", [mat("resin", "3901", "1.80000001")], edition="HS2012"))
    assert r["criteria_met"] == ["CTC"]  # CTH passes; the RVC alone would fail
    assert Decimal(r["rvc"]["build_down"]) < 40 and r["rvc"]["build_down"] == "39.999999"


def handset(battery: str = "10") -> dict:
    return good(
        "851712",
        "200",
        [mat("parts", "851770", "150"), mat("battery", "850760", battery)],
        edition="HS2012",
    )


def test_example3_alternative_rule_wins():
    r = run(handset())
    assert r["rule"] == "CTSH or RVC40"
    assert r["rule_status"] == "found"
    assert r["originating"] is True
    assert r["criteria_met"] == ["CTC"] and r["criterion"] == "CTC"
    assert r["rvc"]["build_down"] == "20.00"
    assert all(c["level"] == "CTSH" and c["met"] for c in r["ctc"])
    assert "RVC_NOT_MET" in codes(r)


def test_example3_variant_same_subheading_part_fails_ctsh():
    data = handset()
    data["materials"].append(mat("board", "851712", "30"))
    r = run(data)
    assert r["originating"] is False  # 30/200 = 15 % > 10 % de minimis; RVC 5 %
    assert r["de_minimis"]["value_ratio"] == "15.00"


def chair(with_proof: bool = True) -> dict:
    vn = mat("vn_parts", "940190", "30", "VN", True, proof="RCEP-VN-0042" if with_proof else None)
    # §11 gives HS 2012 codes: 9401.90 is split into 9401.91/.99 in HS 2022
    return good("940161", "100", [vn, mat("parts", "940190", "35", "TW")], edition="HS2012")


def test_example4_cumulation():
    r = run(chair())
    assert r["originating"] is True
    assert r["criteria_met"] == ["ACU"] and r["criterion"] == "ACU"
    # ACU reached through RVC: Box 12 must show the FOB value (Annex 3B; issue 14.1)
    assert r["criterion_basis"] == "RVC" and r["fob_required"] is True
    assert r["rvc"]["build_down"] == "65.00"
    assert r["rvc"]["vnm"] == "35.00"
    assert r["de_minimis"]["value_ratio"] == "35.00"
    assert [(c["material"], c["met"]) for c in r["ctc"]] == [("parts", False)]
    assert "CUMULATION" in codes(r)
    assert (
        "without cumulation (Art 3.4) build-down would be 35.00 %" in reason(r, "RVC_MET")["text"]
    )


def test_example4_without_proof_is_undetermined_and_fails():
    r = run(chair(with_proof=False))
    assert r["originating"] is False
    assert r["rvc"]["vnm"] == "65.00" and r["rvc"]["build_down"] == "35.00"
    assert "CUMULATION_NO_PROOF" in codes(r)


def flat_pack_table() -> dict:
    return good(
        "940360",
        "80",
        [
            mat("mdf", "4411", "28"),
            mat("carton", "4819", "3", role="retail_packaging"),
            mat("allen_key", "8204", "1", role="accessory"),
            mat("screws", "7318", "2", "CN", True),
            mat("electricity", "2716", "1.50", "CN", role="indirect"),
            mat("pallet", "4415", "0.50", role="transport_packing"),
        ],
    )


def test_example5_packaging_accessories_indirect():
    r = run(flat_pack_table())
    assert r["originating"] is True
    assert r["criteria_met"] == ["CTC", "RVC"]
    assert r["rvc"]["vnm"] == "32.00"
    assert r["rvc"]["build_down"] == "60.00"  # not 65.00 (packaging left out), not 59.375
    assert r["rvc"]["vom"] == "3.50"  # screws + electricity (treated as originating)
    assert [c["material"] for c in r["ctc"]] == ["mdf"]  # carton and key ignored for CTC
    assert {"RETAIL_PACKAGING", "ACCESSORIES", "INDIRECT_MATERIALS"} <= set(codes(r))
    assert "pallet" in reason(r, "TRANSPORT_PACKING_IGNORED")["text"]


def test_example5_wrong_answers_are_reachable_only_by_the_wrong_roles():
    data = flat_pack_table()
    data["materials"][5]["role"] = "component"  # counting the pallet
    assert run(data)["rvc"]["build_down"] == "59.375"
    data = flat_pack_table()
    for i in (1, 2):  # leaving the carton and the key out of the RVC
        data["materials"][i]["role"] = "transport_packing"
    assert run(data)["rvc"]["build_down"] == "65.00"


def test_example5_carton_and_key_are_ignored_for_the_ctc_even_in_the_goods_heading():
    data = flat_pack_table()
    data["materials"][1]["hs_code"] = "940399"  # would fail the CTH as a component
    data["materials"][2]["hs_code"] = "940399"
    r = run(data)
    assert r["criteria_met"] == ["CTC", "RVC"] and [c["material"] for c in r["ctc"]] == ["mdf"]
    assert r["rvc"]["vnm"] == "32.00" and r["rvc"]["build_down"] == "60.00"
    data["materials"][1]["role"] = "component"  # 3/80 = 3.75 %: only de minimis saves the CTH
    r = run(data)
    assert r["criteria_met"] == ["DMI", "RVC"] and r["de_minimis"]["value_ratio"] == "3.75"
