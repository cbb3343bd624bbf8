"""The shipped Annex 3A schedule as data: every row readable, real and sourced; spot checks
against the treaty text; coverage computed from the rows, also as the docs and the CLI state it."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from importlib import resources
from pathlib import Path

import pytest

from originlink import hs
from originlink.cli import main
from originlink.rules.language import parse_rule
from originlink.rules.psr import PsrTable

FILES = {"HS2012": "rcep_psr.csv", "HS2022": "rcep_psr_hs2022.csv"}
ANNEX_COPY = "Agreement/RCEP Agreement (All Chapters).pdf @a4cd315983f7f8255a623e5a0ffcf4d8ad1f876c"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def lines(edition: str) -> list[dict]:
    """The file as written (csv module only), independent of the loader under test."""
    name = FILES[edition]
    text = resources.files("originlink").joinpath("data", "psr", name).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("edition", FILES)
def test_every_shipped_row_parses_and_its_code_exists_in_its_edition(edition):
    rows = lines(edition)
    assert rows
    for row in rows:
        parse_rule(row["rule"])  # raises on any row the rule language cannot read
        assert row["hs_edition"] == edition
        assert hs.exists(row["hs_code"], edition), f"{row['hs_code']} is not in {edition}"
        level = {2: "chapter", 4: "heading", 6: "subheading"}[len(row["hs_code"])]
        assert row["hs_level"] == level


def test_source_md_checksums_are_those_of_the_shipped_files():
    base = resources.files("originlink").joinpath("data", "psr")
    listed = dict(
        reversed(m.groups())
        for m in re.finditer(
            r"^([0-9a-f]{64})  (\S+\.csv)$", base.joinpath("SOURCE.md").read_text("utf-8"), re.M
        )
    )
    assert set(listed) == set(FILES.values())
    for name, digest in listed.items():
        assert hashlib.sha256(base.joinpath(name).read_bytes()).hexdigest() == digest, name


def test_every_hs2012_row_names_its_copy_of_the_treaty_and_page():
    for row in lines("HS2012"):
        assert ANNEX_COPY in row["source"]
        assert re.search(r"\[Annex 3A pp?\.3A-\d+", row["source"]), row["source"]
        assert row["confidence"] == "high"


@pytest.mark.parametrize(
    "code, rule, level, page",
    [
        ("940360", "CTH or RVC40", "chapter", "3A-157"),  # Ch 94, one rule for the chapter
        ("851712", "CTSH or RVC40", "subheading", "3A-137"),  # mobile phones
        ("070110", "WO", "heading", "3A-12"),  # 07.01 potatoes
        ("130219", "CC except from subheading 1211.20", "subheading", "3A-19"),
        ("610910", "CC", "chapter", "3A-84"),  # Ch 61, knitted apparel
        ("854140", "CTSH or RVC40", "subheading", "3A-142"),  # photovoltaic cells
        ("847130", "CTH or RVC40", "heading", "3A-125"),  # 84.71 computers
        ("290110", "CTH, RVC40, or CR", "heading", "3A-40"),  # 29.01: a listed choice
        ("721510", "CTH except from heading 72.13 or 72.14, or RVC40", "heading", "3A-91"),
        ("030492", "CC", "subheading", "3A-7"),
    ],
)
def test_spot_checks_against_the_treaty(code, rule, level, page):
    found = PsrTable.shipped().lookup("RCEP", "HS2012", code)
    assert found.status == "found"
    assert (found.row.rule, found.row.hs_level) == (rule, level)
    assert f"Annex 3A p.{page} " in found.row.source or f"pp.{page}–" in found.row.source


def test_a_rule_the_language_cannot_state_is_left_out_not_guessed():
    # 38.08 (insecticides ...): "CTSH provided that at least 50 % by weight of the active
    # ingredient or ingredients is originating, or RVC40" (Annex 3A p.3A-62).
    table = PsrTable.shipped()
    assert all(not r.hs_code.startswith("3808") for r in table.rows())
    assert table.lookup("RCEP", "HS2012", "380891").status == "unknown"


def _covered_by_rows(edition: str) -> dict[str, tuple[int, int]]:
    """Per chapter (covered, subheadings), from the file's codes with plain set logic."""
    codes = {row["hs_code"] for row in lines(edition)}
    out: dict[str, tuple[int, int]] = {}
    for sub in (c for c in hs.table(edition) if len(c) == 6):
        covered, total = out.get(sub[:2], (0, 0))
        hit = sub in codes or sub[:4] in codes or sub[:2] in codes
        out[sub[:2]] = (covered + hit, total + 1)
    return out


def test_coverage_is_what_the_rows_reach():
    cov = PsrTable.shipped().coverage()["HS2012"]
    expected = _covered_by_rows("HS2012")
    assert {ch: (c.covered, c.subheadings) for ch, c in cov.chapters.items()} == expected
    # Every HS 2012 subheading has a rule except those of heading 38.08 (left out above).
    uncovered = sum(t - c for c, t in expected.values())
    assert uncovered == sum(1 for c in hs.table("HS2012") if len(c) == 6 and c[:4] == "3808")
    rows_per_chapter = {ch: c.rows for ch, c in cov.chapters.items() if c.rows}
    counted: dict[str, int] = {}
    for row in lines("HS2012"):
        counted[row["hs_code"][:2]] = counted.get(row["hs_code"][:2], 0) + 1
    assert rows_per_chapter == counted


def test_hs2022_coverage_separates_own_rows_from_correlation():
    cov = PsrTable.shipped().coverage()["HS2022"]
    assert cov.total.covered == len(lines("HS2022"))
    # reached only through a single HS 2012 code: never counted as covered
    assert cov.total.correlated > 0
    assert cov.total.covered + cov.total.correlated <= cov.total.subheadings


def _docs_table() -> dict[str, tuple[int, int, int]]:
    """The per-chapter coverage table of docs/rules.md: chapter -> (rows, covered, total)."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("<!-- psr-coverage:start -->")[1].split("<!-- psr-coverage:end -->")[0]
    out = {}
    for m in re.finditer(r"^\|\s*(\d\d)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*/\s*(\d+)\s*\|", section, re.M):
        out[m.group(1)] = (int(m.group(2)), int(m.group(3)), int(m.group(4)))
    return out


def test_docs_state_the_coverage_the_data_has():
    coverage = PsrTable.shipped().coverage()
    cov = coverage["HS2012"]
    computed = {ch: (c.rows, c.covered, c.subheadings) for ch, c in cov.chapters.items()}
    assert _docs_table() == computed
    prose = " ".join(DOCS.read_text(encoding="utf-8").split())
    t, t22 = cov.total, coverage["HS2022"].total
    assert f"**{t.rows} rows**" in prose
    assert f"**{t.covered} of the {t.subheadings} HS 2012 subheadings**" in prose
    assert f"Its {t.subheadings - t.covered} subheadings have **no rule**" in prose
    assert f"Of the {t22.subheadings} HS 2022 subheadings, {t22.correlated} reach" in prose
    left = t22.subheadings - t22.correlated - t22.covered
    assert f"the other {left} have no rule" in prose


def test_cli_states_coverage_per_chapter(tmp_path, capsys):
    args = ["psr", "coverage", "--edition", "HS2012", "--psr-dir", str(tmp_path)]
    assert main([*args, "--format", "text"]) == 0
    text = capsys.readouterr().out
    cov = PsrTable.shipped().coverage()["HS2012"]
    for ch, c in cov.chapters.items():
        assert re.search(rf"^  {ch}\s+{c.rows}\s+{c.covered}/{c.subheadings}\s*$", text, re.M)
    t = cov.total
    assert f"{t.covered} of {t.subheadings} subheadings covered" in text
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert [e["hs_edition"] for e in out["editions"]] == ["HS2012"]
    assert out["editions"][0]["chapters"]["94"] == {
        "rows": cov.chapters["94"].rows,
        "subheadings": cov.chapters["94"].subheadings,
        "covered": cov.chapters["94"].covered,
        "correlated": 0,
    }


def test_imported_rows_count_in_the_coverage(tmp_path, capsys):
    src = tmp_path / "s.csv"
    src.write_text("hs_code,hs_edition,rule,source\n3808,HS2012,CTSH or RVC40,test p.1\n")
    assert main(["psr", "import", str(src), "--psr-dir", str(tmp_path)]) == 0
    capsys.readouterr()
    cov = PsrTable.load(tmp_path).coverage()["HS2012"]
    assert cov.chapters["38"].covered == cov.chapters["38"].subheadings
    assert cov.rows["imported heading"] == 1
