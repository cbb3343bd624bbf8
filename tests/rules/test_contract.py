"""The output contract, combined rules, the benchmark's BOM generator and the coverage command."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

from originlink.cli import main
from originlink.rules import Assessment, PsrTable, assess

from .helpers import good, mat, run

# bench/ is a folder of scripts, not on the test path: load the generator from its file.
_spec = importlib.util.spec_from_file_location(
    "bench_assess", Path(__file__).parents[2] / "bench" / "bench_assess.py"
)
bench_assess = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_assess)

CONTRACT_KEYS = {
    "originating",
    "criterion",
    "criteria_met",
    "rule",
    "rule_source",
    "rvc",
    "ctc",
    "de_minimis",
    "rcep_country_of_origin",
    "reasons",
}


def test_output_has_the_contract_fields_and_validates_against_its_model():
    data = good(
        "940360", "100", [mat("m1", "440799", "35.00"), mat("m2", "320890", "8.00", "CN", True)]
    )
    data["materials"][0]["deductions"] = [
        {"kind": "freight", "amount": "0.80", "evidence": "BL-778"}
    ]
    data["costs"] = {"labour": "20", "overhead": "10", "profit": "12", "other": "10"}
    out = run(data)
    assert CONTRACT_KEYS <= set(out)
    assert set(out["rvc"]) == {"build_down", "build_up", "vnm", "vom"}
    assert set(out["ctc"][0]) >= {"material", "from", "to", "level", "met"}
    assert set(out["de_minimis"]) == {"value_ratio", "weight_ratio", "applied"}
    assert all(set(r) == {"code", "article", "text"} for r in out["reasons"])
    assert out["rvc"]["vnm"] == "34.20" and out["rvc"]["build_down"] == "65.80"
    assert Assessment.model_validate(out).to_json_dict() == out
    json.dumps(out)  # plain JSON types only


def test_combined_rule_needs_both_parts():
    data = good("940360", "100", [mat("m", "4407", "65")], psr_override="CTH and RVC40")
    r = run(data)
    assert r["originating"] is False and r["criteria_met"] == []
    data["materials"][0]["value"] = "60"
    assert run(data)["criteria_met"] == ["CTC"]


def test_build_up_alone_can_meet_the_rvc():
    # build-down (100 - 70) = 30 %; build-up (10 + 35) = 45 %
    data = good("940360", "100", [mat("m", "9403", "70"), mat("o", "9403", "10", "CN", True)])
    data["costs"] = {"labour": "20", "overhead": "5", "profit": "5", "other": "5"}
    r = run(data)
    assert r["rvc"]["build_down"] == "30.00" and r["rvc"]["build_up"] == "45.00"
    assert r["criteria_met"] == ["RVC"]


def test_benchmark_bom_is_five_levels_and_assesses_the_same_in_any_order():
    data, lines = bench_assess.build_bom(1_000)
    assert lines == 1_000

    def depth(d):
        subs = [m["produced"] for m in d["materials"] if m.get("produced")]
        return 1 + max((depth(s) for s in subs), default=0)

    assert depth(data) == bench_assess.LEVELS
    table = PsrTable.shipped()
    first = assess(data, table=table).to_json_dict()
    data["materials"].reverse()
    again = assess(data, table=table).to_json_dict()
    for key in ("originating", "criteria_met", "rvc", "de_minimis"):
        assert again[key] == first[key]
    assert len(first["intermediates"]) == 2

    def statuses(r):
        yield r["rule_status"]
        for sub in r["intermediates"]:
            yield from statuses(sub["assessment"])

    # every level has a rule, so the benchmark exercises the CTC and RVC paths everywhere
    assert set(statuses(first)) == {"correlated"}
    assert first["ctc"] and first["rvc"]["build_up"] is not None


def test_assess_reads_standard_input(monkeypatch, capsys, tmp_path):
    text = json.dumps(good("940360", "100", [mat("m", "4407", "10")]))
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    assert main(["assess", "-", "--compact", "--psr-dir", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out)["criterion"] == "CTC"


def test_coverage_command(tmp_path, capsys):
    assert main(["psr", "coverage", "--psr-dir", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    by_edition = {e["hs_edition"]: e for e in out["editions"]}
    assert by_edition["HS2022"]["rows"] == {"shipped subheading": 3}
    assert out["overrides"] == 0


def test_schema_of_the_contract(capsys):
    assert main(["assess", "--schema", "input"]) == 0
    schema = json.loads(capsys.readouterr().out)
    material = schema["$defs"]["Material"]["properties"]
    assert {"hs_code", "value", "origin_country", "originating", "proof", "role"} <= set(material)
    assert main(["assess", "--schema", "output"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "from" in out["$defs"]["CtcResult"]["properties"]
    assert main(["assess"]) == 2


def test_contract_schemas_accept_real_input_and_output(capsys):
    from jsonschema import Draft202012Validator

    schemas = {}
    for kind in ("input", "output"):
        assert main(["assess", "--schema", kind]) == 0
        schemas[kind] = json.loads(capsys.readouterr().out)
        Draft202012Validator.check_schema(schemas[kind])
    inputs = Draft202012Validator(schemas["input"])
    outputs = Draft202012Validator(schemas["output"])
    data = good("940360", "100", [mat("m", "4407", "30")], psr_override="CTH or RVC40")
    example = Path(__file__).resolve().parents[2] / "examples" / "assessment-cabinet.json"
    for doc in (data, json.loads(example.read_text(encoding="utf-8"))):
        assert list(inputs.iter_errors(doc)) == []
        assert list(outputs.iter_errors(run(doc))) == []
    data["materials"][0]["role"] = "packaging"
    assert [tuple(e.absolute_path) for e in inputs.iter_errors(data)] == [("materials", 0, "role")]
