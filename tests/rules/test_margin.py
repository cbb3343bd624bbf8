"""Margin of safety (originlink.rules.margin): the break-even FOB of the RVC and the one material
whose origin or price flips the verdict, on the worked examples of the reference (§11)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from originlink.rules.margin import margin, rvc_break_even, rvc_threshold
from originlink.rules.psr import PsrTable

from .helpers import good, mat, run
from .test_intermediates import chair
from .test_worked_examples import example1, toy

SHIPPED = PsrTable.shipped()


def m(data, **kw):
    return margin(data, table=SHIPPED, **kw).to_json_dict()


def rvc_at(data: dict, fob: str) -> dict:
    return run({**data, "fob": {"amount": fob, "currency": "USD"}})


def test_rvc_break_even_is_the_lowest_cent_that_passes():
    assert rvc_break_even(Decimal(40), Decimal(40)) == Decimal("66.67")  # 40 / 0.6 = 66.666…
    assert rvc_break_even(Decimal(30), Decimal(40)) == Decimal("50.00")  # exact: 40.00 % passes
    assert rvc_break_even(Decimal(0), Decimal(40)) == Decimal("0.00")
    assert rvc_break_even(Decimal(1), Decimal(100)) is None  # no FOB reaches 100 % with VNM
    assert rvc_break_even(Decimal(0), Decimal(100)) == 0


def test_rvc_threshold_of_a_rule():
    assert rvc_threshold("CTH or RVC40") == Decimal(40)
    assert rvc_threshold("CTSH and RVC35 or RVC45") == Decimal(35)
    assert rvc_threshold("CTH") is None and rvc_threshold(None) is None


def test_furniture_break_even_checked_by_the_engine_on_both_sides():
    r = m(example1())
    assert (r["verdict"], r["criterion"]) == ("originating", "CTC")
    assert (r["vnm"], r["rvc_threshold"], r["break_even_fob"]) == ("40.00", "40", "66.67")
    assert r["vnm_headroom"] == "20.00"  # 100 x 60 % - 40
    # The engine agrees on the build-down: RVC met at 66.67, not at 66.66 (the CTC keeps it
    # originating). (With the example's costs, 88 of them, a FOB of 66.66 leaves no profit:
    # the build-up's fixed profit of 12 no longer describes that sale.)
    plain = {k: v for k, v in example1().items() if k != "costs"}
    assert "RVC" in rvc_at(plain, "66.67")["criteria_met"]
    assert "RVC" not in rvc_at(plain, "66.66")["criteria_met"]
    # Paint losing origin (VNM 48) or any price within the headroom: CTH still holds. No
    # single material flips it, and no price can (CTC does not depend on prices).
    assert r["flip"] is None
    assert r["checked"] == 1 and r["candidates"] == 1


def test_toy_on_the_boundary_flips_with_a_price_rise_of_its_failing_parts():
    r = m(toy("4", "26"))
    assert (r["verdict"], r["criterion"]) == ("originating", "DMI")
    assert (r["break_even_fob"], r["vnm_headroom"]) == ("50.00", "0.00")
    # The resin's price moves only the RVC (DMI still holds); the parts that fail the CTH
    # must pass de minimis' 10 % (5.00): a rise to 5.01 fails DMI and RVC together.
    flip = r["flip"]
    assert flip["material"] == "parts" and flip["change"] == "price_rise"
    assert (flip["value"], flip["new_value"]) == ("4.00", "5.01")
    assert flip["verdict"] == "not_originating"
    changed = run(toy("5.01", "26"))
    assert changed["originating"] is False
    assert run(toy("5.00", "26"))["originating"] is True  # one cent less still qualifies


def test_with_costs_the_profit_absorbs_a_price_rise():
    # The toy with a build-up (profit 20 = FOB 50 - materials 30): a dearer part lowers the
    # profit as much, so the build-up cannot hold the RVC up at the old profit.
    data = {**toy("4", "26"), "costs": {"labour": "0", "overhead": "0", "profit": "20"}}
    assert run(data)["rvc"]["build_up"] == "40.00"
    flip = m(data)["flip"]
    assert (flip["material"], flip["new_value"]) == ("parts", "5.01")
    after = {**toy("5.01", "26"), "costs": {"labour": "0", "overhead": "0", "profit": "18.99"}}
    assert run(after)["originating"] is False


def test_toy_variant_that_fails_names_the_cheapest_material_that_would_qualify_it():
    r = m(toy("12", "20"))
    assert r["verdict"] == "not_originating"
    assert r["vnm_headroom"] == "-2.00"  # VNM 32 against 30 allowed at FOB 50
    assert r["break_even_fob"] == "53.34"  # 32 / 0.6 = 53.333…
    flip = r["flip"]
    # Parts (12) originating: CTH met (no failing material), RVC 60 %. Cheaper than resin.
    assert (flip["material"], flip["change"], flip["verdict"]) == (
        "parts",
        "gains_origin",
        "originating",
    )
    assert flip["criterion"] == "CTC"


def test_flip_by_origin_loss_of_a_cumulated_or_domestic_material():
    # Handset-like good with RVC only (override), one originating material carrying it.
    data = good(
        "851713",
        "100",
        [
            mat("board", "8517.79", "30", "CN", True, proof="SD-1"),
            mat("case", "3926", "25", "RU"),
            mat("screen", "8524", "15", "VN", True, proof="VN-CO-7"),
        ],
        psr_override="RVC40",
    )
    r = m(data)
    assert r["verdict"] == "originating" and r["vnm_headroom"] == "35.00"
    # Losing the board (30) keeps VNM 55 <= 60; losing the screen (15) too. No origin flip;
    # a price rise of 35.01 on the case fails the RVC.
    assert r["flip"]["change"] == "price_rise" and r["flip"]["material"] == "case"
    assert r["flip"]["new_value"] == "60.01"
    data["materials"][0]["value"] = "40"  # now the board is worth more than the headroom
    r = m(data)
    assert r["flip"]["material"] == "board" and r["flip"]["change"] == "loses_origin"
    assert r["flip"]["verdict"] == "not_originating"


def test_a_material_inside_a_produced_intermediate_is_found_with_its_path():
    # The chair of the intermediates worked example (originating by RVC at 50 %, VNM 50).
    data = chair()
    r = m(data)
    assert r["verdict"] == "originating" and r["vnm_headroom"] == "10.00"
    # The frame's CN beech (5) losing origin: VNM 55 -> 45 % still passes; the fabric (15,
    # non-originating) price rise of 10.01 fails it.
    assert r["flip"]["change"] == "price_rise"
    # A beech worth 11 inside the frame: its loss of origin alone fails the chair.
    data = chair(wood="11", value="56")
    r = m(data)
    assert r["flip"]["material"] == "frame/beech" and r["flip"]["change"] == "loses_origin"


def test_a_price_change_inside_an_intermediate_is_carried_up():
    # Chair 9401.61 with RVC only; the frame worth 50 per chair is made of parts 35 (per
    # frame) + beech 5: the seat parts' rise of 10.01 reaches the chair as 10.01 too.
    data = chair()
    data["psr_override"] = "RVC40"
    data["materials"][1]["value"] = "0.01"  # the fabric is negligible
    r = m(data)
    assert r["vnm_headroom"] == "24.99"  # 60 - (35 + 0.01)
    flip = r["flip"]
    assert flip["material"] == "frame/seat_parts" and flip["change"] == "price_rise"
    assert flip["new_value"] == "60.00"  # 35 + 25.00: one cent above the headroom
    # Check by hand: parts at 60 make the frame worth 75 and the chair's VNM 60.01.
    data["materials"][0]["value"] = "75"
    data["materials"][0]["produced"]["fob"]["amount"] = "75"
    data["materials"][0]["produced"]["materials"][0]["value"] = "60"
    data["fob"]["amount"] = "100"
    assert run(data)["rvc"]["vnm"] == "60.01" and run(data)["originating"] is False


def test_no_rvc_in_the_rule_means_no_break_even():
    r = m(good("950300", "50", [mat("resin", "3901", "45")], psr_override="CTH"))
    assert r["break_even_fob"] is None and r["vnm_headroom"] is None
    assert r["verdict"] == "originating" and r["flip"] is None


def test_the_search_is_bounded_and_says_so():
    materials = [mat(f"m{i}", "4407", "1", "CN", True) for i in range(50)]
    data = good("940360", "100", materials)
    r = m(data, max_checks=5)
    assert r["checked"] == 5 and r["candidates"] == 50 and r["flip"] is None


@pytest.mark.parametrize("fob", ["66.67", "80", "1000"])
def test_break_even_agrees_with_the_engine(fob):
    data = good("940360", fob, [mat("wood", "4407", "40", "RU")], psr_override="RVC40")
    r = m(data)
    assert r["break_even_fob"] == "66.67"
    assert run(data)["originating"] is True
    below = {**data, "fob": {"amount": "66.66", "currency": "USD"}}
    assert run(below)["originating"] is False
