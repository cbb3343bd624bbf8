"""Hostile and malformed input to the engine and its commands: always a structured error naming
the field, its code and an article (exit 2 from the commands), never a traceback or a hang."""

from __future__ import annotations

import json

import pytest

from originlink.cli import main
from originlink.rules.assess import assess
from originlink.rules.models import AssessmentInputError
from originlink.rules.psr import PsrTable, import_schedule

from .helpers import good, mat


def problems(data) -> list[dict]:
    with pytest.raises(AssessmentInputError) as err:
        assess(data, table=PsrTable.shipped())
    found = [p.model_dump() for p in err.value.problems]
    assert found and all(p["article"] and p["message"] and p["code"] for p in found), found
    return found


def nested_bom(depth: int) -> dict:
    data = good("940360", "100", [])
    for i in range(depth):
        data = good("940360", "100", [{**mat(f"m{i}", "940360", "1"), "produced": data}])
    return data


@pytest.mark.parametrize(
    "change, path, code",
    [
        ({"materials": [1, None]}, "materials[0]", "model_type"),
        ({"product": "940360"}, "product", "model_type"),
        ({"operations": "none"}, "operations", "model_type"),
        ({"hs_edition": {}}, "hs_edition", "literal_error"),
        ({"fob": {"amount": [1]}}, "fob.amount", "decimal_type"),
        ({"fob": {"amount": "NaN"}}, "fob.amount", "finite_number"),
        ({"psr_override": ""}, "psr_override.rule", "string_too_short"),
        ({"psr_override": "CTH or " * 200 + "WO"}, "psr_override.rule", "string_too_long"),
        ({"psr_override": "(" * 20 + "CTH" + ")" * 20}, "psr_override.rule", "rule_syntax"),
        ({"psr_override": 5}, "psr_override", "model_type"),
        ({"materials": [mat("x" * 201, "4407", "1")]}, "materials[0].id", "string_too_long"),
        (
            {"materials": [mat("m", "4407", "1", description="d" * 2001)]},
            "materials[0].description",
            "string_too_long",
        ),
        (
            {"materials": [mat("m", "4407", "1", deductions=[{"kind": "bribe", "amount": "1"}])]},
            "materials[0].deductions[0].kind",
            "literal_error",
        ),
    ],
)
def test_malformed_fields_are_named(change, path, code):
    data = good("940360", "100", [])
    data.update(change)
    found = problems(data)
    assert (path, code) in {(p["path"], p["code"]) for p in found}, found


def test_a_bom_nested_thousands_deep_is_refused_as_too_deep():
    [p] = problems(nested_bom(3000))
    assert p["code"] == "bom_too_deep" and p["article"] == "Art 3.12"
    assert problems(nested_bom(70))[0]["code"] == "bom_too_deep"  # past MAX_BOM_DEPTH = 64
    assert assess(nested_bom(5), table=PsrTable.shipped()).originating is True


def test_assess_command_refuses_garbage_with_exit_2(tmp_path, capsys):
    src = tmp_path / "in.json"
    cases = {
        b"": "bad_json",
        b"[1, 2]": "bad_json",
        b'"a string"': "bad_json",
        b"[" * 100_000 + b"]" * 100_000: "bad_json",
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000: "bad_json",
        b"\xff\xfe\x00binary": "unreadable_input",
        json.dumps({"x": "a" * 5_000_000}).encode(): "invalid_assessment_input",
        json.dumps(good("940360", "100", [], weight="heavy", costs=5)).encode(): (
            "invalid_assessment_input"
        ),
    }
    for raw, error in cases.items():
        src.write_bytes(raw)
        assert main(["assess", str(src), "--psr-dir", str(tmp_path)]) == 2, raw[:40]
        out = json.loads(capsys.readouterr().out)
        assert out["error"] == error, (raw[:40], out)
        assert all(p["article"] for p in out["problems"])


def test_psr_import_refuses_hostile_files_and_keeps_the_store(tmp_path, capsys):
    good_row = "hs_code,hs_edition,rule,source\n9403,HS2022,CTH or RVC40,test\n"
    assert import_schedule(good_row, tmp_path) == (1, [])
    before = (tmp_path / "imported.csv").read_bytes()
    header = "hs_code,hs_edition,rule,source\n"
    for text in (
        header + "9403,HS2022," + "C" * 200_000 + ",x\n",  # above the csv field limit
        header + "9403,HS2022," + "(" * 3000 + "CTH" + ")" * 3000 + ",x\n",
        header + "9403,HS2022," + "(" * 11 + "CTH" + ")" * 11 + ",x\n",
    ):
        count, found = import_schedule(text, tmp_path)
        assert count == 0 and found and len(str(found[0])) < 400
        assert (tmp_path / "imported.csv").read_bytes() == before
    src = tmp_path / "bad.csv"
    src.write_text(header + "9403,HS2022," + "C" * 200_000 + ",x\n")
    assert main(["psr", "import", str(src), "--psr-dir", str(tmp_path)]) == 2
    assert json.loads(capsys.readouterr().out)["error"] == "invalid_psr_file"


def test_psr_commands_report_an_unusable_directory(tmp_path, capsys):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    src = tmp_path / "ok.csv"
    src.write_text("hs_code,hs_edition,rule,source\n9403,HS2022,CTH,test\n")
    assert main(["psr", "import", str(src), "--psr-dir", str(not_a_dir)]) == 2
    assert json.loads(capsys.readouterr().out)["error"] == "psr_dir_unusable"
    args = ["psr", "override", "9403", "CTH", "--edition", "HS2022", "--reason", "r"]
    assert main([*args, "--psr-dir", str(not_a_dir)]) == 2
    assert json.loads(capsys.readouterr().out)["error"] == "psr_dir_unusable"


def test_unreadable_psr_files_are_exit_2_for_every_command(tmp_path, capsys):
    (tmp_path / "overrides.csv").mkdir()  # a directory where the overrides file belongs
    src = tmp_path / "in.json"
    src.write_text(json.dumps(good("940360", "100", [mat("m", "4407", "1")])))
    for args in (
        ["assess", str(src)],
        ["psr", "show", "9403", "--edition", "HS2022"],
        ["psr", "coverage"],
        ["psr", "override", "9403", "--edition", "HS2022", "--remove"],
    ):
        assert main([*args, "--psr-dir", str(tmp_path)]) == 2, args
        out = json.loads(capsys.readouterr().out)
        assert out["error"] in {"psr_store_damaged", "psr_dir_unusable"}
        assert "overrides.csv" in out["message"]
