"""No rule is not a "no" (issue 14.5): without an Annex 3A rule the verdict is undetermined,
with what to do; only WO and PE (Art 3.2(a), (b)) — and minimal operations (Art 3.6), which
rule out every Annex 3A criterion — can still decide it."""

from __future__ import annotations

import json

from originlink.cli import main

from .helpers import codes, good, mat, reason, run

NO_RULE = "380891"  # 38.08 is not shipped (its rule has a condition the language cannot state)


def test_no_rule_is_undetermined_and_says_what_to_do():
    r = run(good(NO_RULE, "100", [mat("m1", "2930", "30")], edition="HS2012"))
    assert (r["verdict"], r["originating"], r["criterion"], r["criteria_met"]) == (
        "undetermined",
        None,
        None,
        [],
    )
    assert r["rcep_country_of_origin"] is None and "VERDICT" not in codes(r)
    text = reason(r, "VERDICT_UNDETERMINED")["text"]
    assert (
        "RCEP HS2012 3808.91" in text and "not a finding that the good is not originating" in text
    )
    for step in ("originlink psr import", "originlink psr override", "psr_override"):
        assert step in text
    assert reason(r, "VERDICT_UNDETERMINED")["article"] == "Art 3.2; Annex 3A"


def test_no_rule_but_wholly_obtained_or_produced_exclusively_is_decided():
    wo = good(NO_RULE, "100", [], edition="HS2012", wholly_obtained=True)
    wo["materials"] = [mat("own", "2930", "30", "CN", True)]
    r = run(wo)
    assert (r["verdict"], r["originating"], r["criterion"]) == ("originating", True, "WO")
    pe = good(NO_RULE, "100", [mat("vn", "2930", "30", "VN", True, proof="VN-1")], "HS2012")
    r = run(pe)
    assert (r["verdict"], r["criterion"], r["rcep_country_of_origin"]) == (
        "originating",
        "PE",
        "CN",
    )


def test_no_rule_with_only_minimal_operations_is_not_originating():
    data = good(NO_RULE, "100", [mat("m1", "2930", "30")], edition="HS2012")
    data["operations"] = {"minimal_only": True}
    r = run(data)
    assert (r["verdict"], r["originating"]) == ("not_originating", False)
    assert "Art 3.6" in reason(r, "VERDICT")["text"]


def test_a_rule_that_is_not_met_is_a_no():
    r = run(good("940360", "100", [mat("top", "9403", "70")]))
    assert (r["verdict"], r["originating"]) == ("not_originating", False)


def _with_unknown_intermediate(wood_value: str) -> dict:
    # The intermediate (3808.91, no rule) cannot be decided; the good's own rule (Chapter 94:
    # CTH or RVC40) then decides only if it holds even with the intermediate non-originating.
    sub = good(NO_RULE, "20", [mat("active", "2930", "15")], edition="HS2012")
    part = {**mat("treatment", "380891", "20", "CN"), "produced": sub}
    return good("940360", "100", [part, mat("wood", "9403", wood_value)], edition="HS2012")


def test_an_undetermined_intermediate_leaves_a_failing_good_undetermined():
    r = run(_with_unknown_intermediate("50"))  # CTH fails (9403 -> 9403), RVC < 40 %
    assert r["intermediates"][0]["assessment"]["verdict"] == "undetermined"
    assert (r["verdict"], r["originating"]) == ("undetermined", None)
    assert "treatment" in reason(r, "VERDICT_UNDETERMINED")["text"]
    assert "treatment" in reason(r, "INTERMEDIATE_UNDETERMINED")["text"]


def test_a_good_that_qualifies_even_so_is_originating():
    r = run(_with_unknown_intermediate("30"))  # RVC holds with the intermediate non-originating
    assert (r["verdict"], r["originating"], r["criterion"]) == ("originating", True, "RVC")


def test_cli_prints_the_undetermined_verdict_and_exits_0(tmp_path, capsys):
    src = tmp_path / "in.json"
    src.write_text(json.dumps(good(NO_RULE, "100", [mat("m1", "2930", "30")], edition="2012")))
    assert main(["assess", str(src), "--psr-dir", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "undetermined" and out["originating"] is None
