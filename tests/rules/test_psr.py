"""PSR table: shipped rows, most-specific lookup, HS 2022 fallback, import and overrides."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from importlib import resources

import pytest

from originlink.cli import main
from originlink.rules.psr import PsrRow, PsrTable, import_schedule, parse_csv, set_override

from .helpers import codes, good, mat, reason, run

HEADER = "hs_level,hs_code,hs_edition,rule,source\n"


def _shipped_csv(name: str) -> list[dict]:
    text = resources.files("originlink").joinpath("data", "psr", name).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_shipped_rows_all_parse_and_keep_their_source():
    table = PsrTable.shipped()
    rows = table.rows()
    files = {
        e: _shipped_csv(n)
        for e, n in (("HS2012", "rcep_psr.csv"), ("HS2022", "rcep_psr_hs2022.csv"))
    }
    assert len(rows) == sum(len(v) for v in files.values())  # every line of the files, no more
    assert all(r.source and r.node is not None for r in rows)
    for edition, lines in files.items():
        levels = Counter(f"shipped {line['hs_level']}" for line in lines)
        assert table.coverage()[edition].rows == dict(levels)


@pytest.mark.parametrize(
    "edition, code, status, rule, level",
    [
        ("HS2012", "130219", "found", "CC except from subheading 1211.20", "subheading"),
        ("HS2012", "050400", "found", "CC except from Chapter 01", "subheading"),
        ("HS2012", "050290", "found", "CC", "heading"),
        ("HS2012", "940360", "found", "CTH or RVC40", "chapter"),
        ("HS2012", "9403.60", "found", "CTH or RVC40", "chapter"),
        ("HS2022", "850980", "found", "CTSH or RVC40", "subheading"),
        ("HS2022", "940360", "correlated", "CTH or RVC40", "chapter"),  # 1:1
        ("HS2022", "851713", "correlated", "CTSH or RVC40", "subheading"),  # n:1 -> 851712
    ],
)
def test_lookup_most_specific(edition, code, status, rule, level):
    found = PsrTable.shipped().lookup("RCEP", edition, code)
    assert found.status == status
    assert found.row.rule == rule
    assert found.row.hs_level == level


def test_unknown_rule_is_never_guessed():
    table = PsrTable.shipped()
    # 38.08's rule has a condition ("provided that at least 50 % by weight of the active
    # ingredient ... is originating") the rule language cannot state: not shipped, so unknown.
    assert table.lookup("RCEP", "HS2012", "380891").status == "unknown"
    assert table.lookup("RCEP", "HS2017", "940360").status == "unknown"
    # HS 2022 0304.93 corresponds to two HS 2012 codes (n:n): no fallback, although the
    # HS 2012 code 0304.93 has a row.
    assert table.lookup("RCEP", "HS2012", "030493").status == "found"
    found = table.lookup("RCEP", "HS2022", "030493")
    assert found.status == "unknown" and len(found.candidates) == 2
    r = run(good("030493", "10", [mat("fish", "030199", "3")]))
    assert r["rule_status"] == "unknown" and "is not one code" in reason(r, "PSR_UNKNOWN")["text"]


def test_unknown_rule_in_an_assessment_says_so_and_accepts_an_override():
    data = good("380891", "100", [mat("m1", "2930", "30")], edition="HS2012")
    r = run(data)
    assert r["rule"] is None and r["rule_status"] == "unknown"
    assert r["originating"] is None and r["verdict"] == "undetermined"  # no rule is not a "no"
    assert "psr_override" in reason(r, "PSR_UNKNOWN")["text"]
    data["psr_override"] = {"rule": "CTH or RVC40", "reason": "checked against MOFCOM PDF p.93"}
    r = run(data)
    assert r["originating"] is True and r["verdict"] == "originating"
    assert r["rule"] == "CTH or RVC40"
    assert r["rule_status"] == "override"
    assert "checked against MOFCOM PDF p.93" in reason(r, "PSR_OVERRIDE")["text"]


def test_input_override_shows_the_table_rule_it_replaces():
    data = good("940360", "100", [mat("m1", "9403", "30")], psr_override="RVC40")
    r = run(data)
    text = reason(r, "PSR_OVERRIDE")["text"]
    assert "'RVC40'" in text and "CTH or RVC40" in text
    assert r["criteria_met"] == ["RVC"]


def test_company_override_wins_and_shows_in_every_explanation(tmp_path):
    row = PsrRow("RCEP", "HS2012", "94", "CTSH or RVC45", "legal review 2026-11 (ticket 42)")
    set_override(row, tmp_path)
    table = PsrTable.load(tmp_path)
    found = table.lookup("RCEP", "HS2012", "940360")
    assert found.status == "override" and found.replaced.rule == "CTH or RVC40"
    r = run(good("940360", "100", [mat("m1", "4407", "30")], edition="HS2012"), table)
    assert r["rule"] == "CTSH or RVC45" and r["rule_status"] == "override"
    assert r["rule_source"] == "company override: legal review 2026-11 (ticket 42)"
    text = reason(r, "PSR_OVERRIDE")["text"]
    assert "legal review 2026-11" in text and "CTH or RVC40" in text
    # The override also reaches HS 2022 codes that fall back to HS 2012.
    r = run(good("940360", "100", [mat("m1", "4407", "30")]), table)
    assert r["rule"] == "CTSH or RVC45" and "PSR_OVERRIDE" in codes(r)


def test_shipped_files_import_cleanly(tmp_path):
    base = resources.files("originlink").joinpath("data", "psr")
    text = base.joinpath("rcep_psr.csv").read_text(encoding="utf-8")
    count, problems = import_schedule(text, tmp_path)
    assert (count, problems) == (len(_shipped_csv("rcep_psr.csv")), [])
    rows = PsrTable.load(tmp_path).rows()
    assert {r.origin for r in rows if r.hs_edition == "HS2012"} == {"imported"}


def test_import_reports_every_bad_row_and_imports_nothing(tmp_path):
    good_first = HEADER + "chapter,84,HS2022,CTH or RVC40,official PDF p.1\n"
    assert import_schedule(good_first, tmp_path) == (1, [])
    before = (tmp_path / "imported.csv").read_bytes()
    bad = (
        HEADER
        + "heading,8471,HS2022,CTH or RVC40,official PDF p.2\n"  # line 2: fine
        + "heading,847,HS2022,CTH,p.3\n"  # line 3: code
        + "subheading,847130,HS2023,CTSH,p.4\n"  # line 4: edition
        + "subheading,847141,HS2022,CTSH or RVQ40,p.5\n"  # line 5: rule, position 9
        + "subheading,847149,HS2022,CTSH,\n"  # line 6: source
        + "chapter,8471,HS2022,CC,p.7\n"  # line 7: level
        + "heading,84.71,HS2022,CC,p.8\n"  # line 8: duplicate of line 2
    )
    count, problems = import_schedule(bad, tmp_path)
    assert count == 0
    assert [(p.line, p.column) for p in problems] == [
        (3, "hs_code"),
        (4, "hs_edition"),
        (5, "rule"),
        (6, "source"),
        (7, "hs_level"),
        (8, "hs_code"),
    ]
    assert "at character 9" in problems[2].message
    assert "line 2" in problems[5].message
    assert (tmp_path / "imported.csv").read_bytes() == before  # nothing half-imported


def test_import_replaces_only_the_editions_it_contains(tmp_path):
    import_schedule(HEADER + "chapter,84,HS2022,CTH,p.1\n", tmp_path)
    import_schedule(HEADER + "chapter,84,HS2012,CC,p.1\n", tmp_path)
    import_schedule(HEADER + "chapter,85,HS2022,CTSH,p.2\n", tmp_path)
    rows = {
        (r.hs_edition, r.hs_code) for r in PsrTable.load(tmp_path).rows() if r.origin != "shipped"
    }
    assert rows == {("HS2012", "84"), ("HS2022", "85")}


def test_header_problems():
    rows, problems = parse_csv("hs_code,rule\n94,CC\n", "imported")
    assert rows == [] and "hs_edition" in problems[0].message and problems[0].line == 1
    _, problems = parse_csv("hs_code,hs_edition,rule,source,price\n", "imported")
    assert "price" in problems[0].message
    _, problems = parse_csv(HEADER, "imported")
    assert "no rows" in problems[0].message


def test_cli_import_show_override(tmp_path, capsys):
    src = tmp_path / "schedule.csv"
    src.write_text(HEADER + "subheading,847130,HS2022,CTSH or RVC40,official PDF p.96\n")
    psr_dir = str(tmp_path / "store")
    assert main(["psr", "import", str(src), "--psr-dir", psr_dir]) == 0
    assert json.loads(capsys.readouterr().out)["imported"] == 1
    assert main(["psr", "show", "8471.30", "--edition", "HS2022", "--psr-dir", psr_dir]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "found" and shown["rule"] == "CTSH or RVC40"
    # no row, and its HS 2012 code (3808.91) has none either: unknown, exit 1
    assert main(["psr", "show", "380891", "--edition", "HS2022", "--psr-dir", psr_dir]) == 1
    capsys.readouterr()
    args = ["psr", "override", "847130", "CTH", "--edition", "HS2022", "--psr-dir", psr_dir]
    assert main(args) == 2  # no --reason
    capsys.readouterr()
    assert main([*args, "--reason", "customs ruling 2026/17"]) == 0
    capsys.readouterr()
    assert main(["psr", "show", "847130", "--edition", "HS2022", "--psr-dir", psr_dir]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "override" and "CTSH or RVC40" in shown["replaces"]
    bad = ["psr", "override", "847130", "CTH orr CC", "--edition", "HS2022", "--reason", "x"]
    assert main([*bad, "--psr-dir", psr_dir]) == 2
    assert json.loads(capsys.readouterr().out)["position"] == 4
    remove = ["psr", "override", "847130", "--remove", "--edition", "HS2022"]
    assert main([*remove, "--psr-dir", psr_dir]) == 0
    capsys.readouterr()


@pytest.mark.parametrize("written", ["9403.60", "9403 60", "940360"])
def test_cli_show_reads_a_code_however_written(tmp_path, capsys, written):
    assert main(["psr", "show", written, "--edition", "2022", "--psr-dir", str(tmp_path)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["hs_code"], shown["hs_edition"], shown["status"]) == (
        "940360",
        "HS2022",
        "correlated",
    )


def test_cli_a_code_not_in_the_edition_is_an_error_naming_it(tmp_path, capsys):
    args = ["psr", "show", "9403.90", "--edition", "HS2022", "--psr-dir", str(tmp_path)]
    assert main(args) == 2
    out = json.loads(capsys.readouterr().out)
    assert out == {"error": "hs_code_unknown", "message": "hs_code: 9403.90 is not in HS 2022"}
    override = ["psr", "override", "9403.90", "CTH", "--edition", "HS2022", "--reason", "x"]
    assert main([*override, "--psr-dir", str(tmp_path)]) == 2
    assert json.loads(capsys.readouterr().out)["error"] == "hs_code_unknown"
    with pytest.raises(SystemExit):  # argparse: unknown edition, exit 2
        main(["psr", "show", "940360", "--edition", "HS1996"])
    assert "unknown HS edition 'HS1996'" in capsys.readouterr().err


def test_import_refuses_a_code_not_in_its_edition(tmp_path):
    count, problems = import_schedule(HEADER + "subheading,940390,HS2022,CTH,p.1\n", tmp_path)
    assert count == 0 and [(p.line, p.column) for p in problems] == [(2, "hs_code")]
    assert "9403.90 is not in HS 2022" in problems[0].message


def test_cli_import_bad_file_exit_2(tmp_path, capsys):
    src = tmp_path / "bad.csv"
    src.write_text(HEADER + "heading,84x1,HS2022,CTH,p\nheading,8472,HS2022,CTX,p\n")
    psr_dir = tmp_path / "store"
    assert main(["psr", "import", str(src), "--psr-dir", str(psr_dir)]) == 2
    out = json.loads(capsys.readouterr().out)
    assert [p["line"] for p in out["problems"]] == [2, 3]
    assert not (psr_dir / "imported.csv").exists()
    assert main(["psr", "import", str(tmp_path / "missing.csv"), "--psr-dir", str(psr_dir)]) == 2


def test_env_variable_selects_the_store(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ORIGINLINK_PSR_DIR", str(tmp_path))
    src = tmp_path / "s.csv"
    src.write_text(HEADER + "chapter,84,HS2022,CTH or RVC40,p.1\n")
    assert main(["psr", "import", str(src)]) == 0
    capsys.readouterr()
    assert (tmp_path / "imported.csv").exists()
    assert PsrTable.load().lookup("RCEP", "HS2022", "847130").status == "found"


def test_company_override_shows_in_the_explanation_of_intermediate_materials(tmp_path):
    set_override(PsrRow("RCEP", "HS2012", "94", "CTSH or RVC45", "ruling 42"), tmp_path)
    table = PsrTable.load(tmp_path)
    frame = good("940390", "40", [mat("wood", "4407", "20")], edition="HS2012")
    top = good(
        "940161", "100", [{**mat("frame", "940390", "40", None), "produced": frame}], "HS2012"
    )
    r = run(top, table)
    inner = r["intermediates"][0]["assessment"]
    for result in (r, inner):
        assert result["rule"] == "CTSH or RVC45" and result["rule_status"] == "override"
        assert "ruling 42" in reason(result, "PSR_OVERRIDE")["text"]
        assert result["rule_source"] == "company override: ruling 42"
