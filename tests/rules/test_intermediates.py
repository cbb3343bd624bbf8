"""Self-produced materials (Art 3.12) that fail their own rule (issue 12.4): they bring into the
final product's VNM only the non-originating materials they contain (Art 3.5: VNM is the value
of non-originating *materials*), never their whole value; roll-up in full is for those that
qualify. Worked examples with exact figures (USD, HS 2022, Chapter 94 rule "CTH or RVC40")."""

from __future__ import annotations

from .helpers import codes, good, mat, reason, run


def frame(parts: str = "35", wood: str = "5", value: str = "50") -> dict:
    """A chair frame (9401.91) the exporter makes in CN: imported seat parts 9401.99 (same
    heading: fail the CTH) and CN-originating wood; its ex-works value is its FOB."""
    return good(
        "940191",
        value,
        [mat("seat_parts", "940199", parts, "TW"), mat("beech", "4407", wood, "CN", True)],
    )


def chair(fabric: str = "15", **frame_args) -> dict:
    made = {**mat("frame", "940191", frame_args.get("value", "50"), "CN"), "produced": None}
    made["produced"] = frame(**frame_args)
    return good("940161", "100", [made, mat("fabric", "5407", fabric, "KR")])


def test_worked_example_a_failed_frame_brings_only_its_non_originating_parts():
    r = run(chair())
    inner = r["intermediates"][0]["assessment"]
    # The frame: CTH fails (9401.99 -> 9401.91), RVC (50 - 35) / 50 = 30 %, de minimis 70 %.
    assert inner["verdict"] == "not_originating"
    assert (inner["rvc"]["vnm"], inner["rvc"]["build_down"]) == ("35.00", "30.00")
    # The chair: VNM = 35 (the frame's imported parts) + 15 (fabric) = 50, not 50 + 15 = 65.
    assert r["rvc"] == {"build_down": "50.00", "build_up": None, "vnm": "50.00", "vom": "15.00"}
    assert (r["verdict"], r["criterion"], r["criteria_met"]) == ("originating", "RVC", ["RVC"])
    # CTH: the frame (9401.91 -> 9401.61, same heading) fails as one non-originating material;
    # de minimis counts its non-originating content: 35 % of FOB, above 10 %.
    assert [(c["material"], c["met"]) for c in r["ctc"]] == [("frame", False), ("fabric", True)]
    assert r["de_minimis"] == {"value_ratio": "35.00", "weight_ratio": None, "applied": False}
    text = reason(r, "INTERMEDIATE_NOT_ORIGINATING")
    assert text["article"] == "Art 3.5; Art 3.12"
    assert "frame (non-originating 35.00 of 50.00)" in text["text"]


def test_worked_example_the_old_reading_would_have_refused_it():
    # Counting the failed frame at its full value would give VNM 65, RVC 35 %: not originating.
    # Only the frame's own non-originating materials move the verdict: 36 of them leave 49 %.
    assert run(chair(parts="36"))["rvc"]["build_down"] == "49.00"
    # A frame that qualifies (parts 25: RVC 40 %) counts as originating in full (roll-up).
    r = run(chair(parts="25"))
    assert r["intermediates"][0]["assessment"]["verdict"] == "originating"
    assert r["rvc"] == {"build_down": "85.00", "build_up": None, "vnm": "15.00", "vom": "50.00"}
    assert "INTERMEDIATE_ORIGINATING" in codes(r)


def test_de_minimis_counts_a_failed_intermediates_non_originating_content():
    # Frame of value 12 with 8 of imported parts (RVC 33.33 %: fails). In the chair the frame
    # fails the CTH; its non-originating content is 8 % of FOB (its whole value would be 12 %).
    r = run(chair(parts="8", wood="1", value="12", fabric="15"))
    assert r["intermediates"][0]["assessment"]["verdict"] == "not_originating"
    assert r["de_minimis"] == {"value_ratio": "8.00", "weight_ratio": None, "applied": True}
    assert r["criteria_met"] == ["DMI", "RVC"] and r["rvc"]["vnm"] == "23.00"


def test_build_up_counts_the_rest_of_a_failed_intermediate_as_originating_content():
    data = chair()
    data["costs"] = {"labour": "20", "overhead": "10", "profit": "5", "other": "0"}
    r = run(data)
    # VOM 15 (= 50 - 35: the frame's wood and own production) + 35 costs = 50 % = build-down
    # when FOB is the sum of its parts (frame 50 + fabric 15 + 35 costs = 100).
    assert r["rvc"]["build_up"] == "50.00" == r["rvc"]["build_down"]


def test_nested_levels_each_bring_only_their_non_originating_materials():
    # seat (qualifies) -> frame (fails) -> chair: the seat's value is originating inside the
    # frame (RVC (50 - 31) / 50 = 38 %); the frame brings 31 (its imported parts) into the chair.
    seat = good("940199", "10", [mat("foam", "3901", "2")])  # CTH met: 39 -> 94
    made_seat = {**mat("seat", "940199", "10", "CN"), "produced": seat}
    inner = good("940191", "50", [mat("seat_parts", "940199", "31", "TW"), made_seat])
    made_frame = {**mat("frame", "940191", "50", "CN"), "produced": inner}
    r = run(good("940161", "100", [made_frame, mat("fabric", "5407", "15", "KR")]))
    frame_result = r["intermediates"][0]["assessment"]
    assert frame_result["intermediates"][0]["assessment"]["verdict"] == "originating"
    assert frame_result["rvc"]["vnm"] == "31.00" and frame_result["verdict"] == "not_originating"
    assert r["rvc"]["vnm"] == "46.00" and r["rvc"]["build_down"] == "54.00"


def test_other_parties_materials_in_a_failed_intermediate_still_need_cumulation():
    # The frame's seat parts come from VN with proof: originating under cumulation (Art 3.4).
    # The frame fails anyway (CTH, and RVC (50 - 35) / 50 with its imported TW parts ...).
    inner = good(
        "940191",
        "50",
        [
            mat("seat_parts", "940199", "35", "TW"),
            mat("vn_rails", "940199", "10", "VN", True, proof="VN-7"),
        ],
    )
    made = {**mat("frame", "940191", "50", "CN"), "produced": inner}
    r = run(good("940161", "100", [made, mat("fabric", "5407", "20", "KR")]))
    assert r["intermediates"][0]["assessment"]["verdict"] == "not_originating"
    # With cumulation: VNM 35 + 20 = 55 -> 45 %; without it the VN rails are non-originating
    # too: 65 -> 35 %. RVC40 is met only with cumulation: ACU.
    assert r["rvc"]["vnm"] == "55.00" and r["criteria_met"] == ["ACU"]
    assert (
        "without cumulation (Art 3.4) build-down would be 35.00 %" in reason(r, "RVC_MET")["text"]
    )


def test_deductions_on_a_self_produced_material_are_not_applied_twice():
    data = chair()
    data["materials"][0]["deductions"] = [{"kind": "freight", "amount": "5", "evidence": "BL-1"}]
    r = run(data)
    assert r["rvc"]["vnm"] == "50.00"
    assert "frame" in reason(r, "DEDUCTION_NOT_APPLICABLE")["text"]
