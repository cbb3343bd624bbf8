"""Properties of the assessment that must hold for any bill of materials."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from originlink.rules.assess import assess
from originlink.rules.psr import PsrTable

TABLE = PsrTable.shipped()
money = st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False)
roles = st.sampled_from(["component", "component", "retail_packaging", "accessory", "indirect"])


@st.composite
def materials(draw, min_size=0, max_size=8):
    n = draw(st.integers(min_size, max_size))
    out = []
    for i in range(n):
        out.append(
            {
                "id": f"m{i}",
                "hs_code": draw(st.sampled_from(["4407", "9403", "940360", "940399", "3901"])),
                "value": str(draw(money)),
                "origin_country": draw(st.sampled_from(["CN", "VN", "RU", "JP", "US", None])),
                "originating": draw(st.booleans()),
                "proof": draw(st.sampled_from([None, "PROOF-1"])),
                "role": draw(roles),
            }
        )
    return out


def run(mats, fob, override=None, costs=None) -> dict:
    data = {
        "agreement": "RCEP",
        "hs_edition": "HS2022",
        "exporting_party": "CN",
        "product": {"hs_code": "940360"},
        "fob": {"amount": str(fob)},
        "materials": mats,
        "psr_override": override,
        "costs": costs,
    }
    return assess(data, table=TABLE).to_json_dict()


@settings(max_examples=60, deadline=None)
@given(materials(), money, money, money, money)
def test_build_up_equals_build_down_when_fob_is_the_sum_of_its_parts(mats, lab, ovh, prof, oth):
    r0 = run(mats, Decimal(1))
    # Every material counts once, in VNM or in VOM (no transport packing or deductions here).
    parts = sum((Decimal(m["value"]) for m in mats), Decimal(0))
    assert Decimal(r0["rvc"]["vnm"]) + Decimal(r0["rvc"]["vom"]) == parts
    fob = parts + lab + ovh + prof + oth
    if fob <= 0:
        return
    costs = {"labour": str(lab), "overhead": str(ovh), "profit": str(prof), "other": str(oth)}
    r = run(mats, fob, costs=costs)
    assert r["rvc"]["build_up"] == r["rvc"]["build_down"]


@settings(max_examples=60, deadline=None)
@given(materials(), st.decimals(min_value=1, max_value=5000, places=2), money)
def test_adding_non_originating_value_never_raises_the_rvc(mats, fob, extra):
    before = run(mats, fob)
    more = [*mats, {"id": "added", "hs_code": "4407", "value": str(extra), "origin_country": "RU"}]
    after = run(more, fob)
    assert Decimal(after["rvc"]["vnm"]) == Decimal(before["rvc"]["vnm"]) + extra
    assert Decimal(after["rvc"]["build_down"]) <= Decimal(before["rvc"]["build_down"])
    if "RVC" not in before["criteria_met"]:
        assert "RVC" not in after["criteria_met"]


@settings(max_examples=60, deadline=None)
@given(materials(min_size=1), st.decimals(min_value=1, max_value=5000, places=2))
def test_de_minimis_never_rescues_an_rvc_only_rule(mats, fob):
    # one non-originating component that fails nothing, so PE cannot apply
    mats = [*mats, {"id": "nm", "hs_code": "4407", "value": "0.01", "origin_country": "RU"}]
    r = run(mats, fob, override="RVC40")
    assert "DMI" not in r["criteria_met"] and not r["de_minimis"]["applied"]
    vnm = Decimal(r["rvc"]["vnm"])
    rvc_passes = (fob - vnm) * 100 >= 40 * fob
    assert r["originating"] == rvc_passes


@settings(max_examples=60, deadline=None)
@given(materials(max_size=10), st.decimals(min_value=1, max_value=5000, places=2), st.randoms())
def test_swapping_material_order_never_changes_the_verdict(mats, fob, rnd):
    before = run(mats, fob)
    shuffled = list(mats)
    rnd.shuffle(shuffled)
    after = run(shuffled, fob)
    for key in ("originating", "criterion", "criteria_met", "rvc", "de_minimis"):
        assert after[key] == before[key], key
    assert after["rcep_country_of_origin"] == before["rcep_country_of_origin"]


@settings(max_examples=60, deadline=None)
@given(st.decimals(min_value=Decimal("0.05"), max_value=10**9, places=2))
def test_exactly_40_percent_passes_and_a_hair_less_fails(fob):
    vnm = fob * Decimal("0.6")  # exact: build-down is exactly 40 %
    at = run([{"id": "nm", "hs_code": "940360", "value": str(vnm), "origin_country": "RU"}], fob)
    assert at["rvc"]["build_down"] == "40.00" and at["criteria_met"] == ["RVC"]
    more = str(vnm + Decimal("0.0000000001"))
    below = run([{"id": "nm", "hs_code": "940360", "value": more, "origin_country": "RU"}], fob)
    assert below["originating"] is False
    assert Decimal(below["rvc"]["build_down"]) < 40


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=10), min_size=1, max_size=12),
    st.sampled_from(["RVC40", "CTH and RVC40"]),
)
def test_de_minimis_materials_still_count_in_the_rvc(percents, rule):
    # Non-originating parts of the good's own heading (FOB 100), so all fail the CTH: de minimis
    # may excuse them from the CTH when together they are at most 10 % of FOB, but the RVC
    # always counts them in full.
    mats = [
        {"id": f"p{i}", "hs_code": "940399", "value": str(pct), "origin_country": "RU"}
        for i, pct in enumerate(percents)
    ]
    r = run(mats, Decimal(100), override=rule)
    vnm = sum(percents)
    assert r["rvc"]["vnm"] == f"{vnm}.00"
    rvc_ok = 100 - vnm >= 40
    if rule == "RVC40":
        assert r["originating"] == rvc_ok and r["criteria_met"] == (["RVC"] if rvc_ok else [])
    else:
        assert r["originating"] == (vnm <= 10 and rvc_ok)
        assert r["de_minimis"]["applied"] == (vnm <= 10)


@settings(max_examples=60, deadline=None)
@given(materials(), st.decimals(min_value=1, max_value=5000, places=2), st.booleans())
def test_the_verdict_and_originating_always_agree(mats, fob, known_rule):
    # With a rule a verdict is a yes or a no; without one (an HS 2012 subheading of 38.08, not
    # shipped) it is "undetermined" unless WO or PE decides it (issue 14.5).
    data = {
        "hs_edition": "HS2022" if known_rule else "HS2012",
        "exporting_party": "CN",
        "product": {"hs_code": "940360" if known_rule else "380891"},
        "fob": {"amount": str(fob)},
        "materials": [m for m in mats if m["hs_code"] != "940399"],  # not an HS 2012 code
    }
    r = assess(data, table=TABLE).to_json_dict()
    expected = {"originating": True, "not_originating": False, "undetermined": None}
    assert r["originating"] is expected[r["verdict"]]
    assert (r["criterion"] is not None) == (r["verdict"] == "originating")
    if known_rule:
        assert r["verdict"] != "undetermined"
    elif r["verdict"] != "undetermined":
        assert r["criterion"] in ("WO", "PE")
