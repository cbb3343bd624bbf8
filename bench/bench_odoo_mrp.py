"""Benchmark (issue 12.8): origin roll-up and re-qualification inside Odoo, next to the engine
alone on the same inputs, measured in the same run.

    .venv/bin/python -m bench.bench_odoo_mrp          # needs Odoo (ODOO_PATH or /opt/odoo19)

It runs the module `rcep_eco_mrp`'s benchmark tests (tag `rcep_eco_mrp_bench`, outside the
standard suite) through `scripts/test_odoo.sh` on a fresh database, then reads the figures they
log (lines starting `rcep_mrp_bench`):

* **roll-up**: a five-level BOM (the top, 4, 16, 80 and 400 self-made assemblies, each bottom
  assembly with 5 purchased components: 2,000 component lines, 200 distinct materials bought
  on confirmed purchase orders, two in five with a supplier declaration, a work-centre
  operation on every BOM). `odoo total` is the whole `Assess now`: loading BOMs, prices,
  rates and declarations, building the engine's input, the engine, the margin of safety (its
  flip search bounded to 4 re-assessments at this size) and storing the record. `engine` is
  `originlink.rules.assess` alone on that same input. Target: odoo total <= 2 s.
* **re-qualification**: 1,000 products (8 BOM lines each) all using one material; a new
  purchase order for it at another price is confirmed (`queue`: the hooks find the 1,000
  products) and the queued job re-assesses them (`job`: roll-up, engine, margin, records —
  1,000 new assessments). `engine` is the engine alone on the 1,000 stored inputs.
  Target: job <= 60 s.

Best of 3 for each figure; tests never assert times, this script only reports them. The
ratio `odoo / engine` says what the Odoo side costs beyond the engine on the same input.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT / "test-artifacts" / "odoo" / "odoo-test.log"
LINE = re.compile(r"rcep_mrp_bench (rollup|requalify) (\{.*\})")


def odoo_found() -> bool:
    path = Path(os.environ.get("ODOO_PATH") or "/opt/odoo19")
    return (path / "odoo-bin").is_file()


def read_figures(text: str) -> dict:
    return {m.group(1): json.loads(m.group(2)) for m in LINE.finditer(text)}


def report(figures: dict) -> list[str]:
    out = []
    if "rollup" in figures:
        r = figures["rollup"]
        out += [
            f"roll-up of a {r['levels']}-level BOM with {r['components']} components "
            f"(verdict {r['verdict']}):",
            f"  odoo total  {r['odoo_total_s']:8.3f} s   (target <= 2 s)",
            f"  odoo build  {r['odoo_build_s']:8.3f} s   (BOMs, prices, declarations -> input)",
            f"  engine      {r['engine_s']:8.3f} s   (same input)",
            f"  margin      {r['margin_s']:8.3f} s   (flip search, 8 checks; 4 in the total)",
            f"  odoo total / engine = {r['odoo_total_s'] / r['engine_s']:.1f} x",
        ]
    if "requalify" in figures:
        q = figures["requalify"]
        out += [
            f"re-qualification of {q['products']} products after one price change "
            f"({q['new_assessments']} new assessments):",
            f"  queue       {q['odoo_queue_s']:8.3f} s   (PO confirmed, products queued)",
            f"  job         {q['odoo_job_s']:8.3f} s   (target <= 60 s)",
            f"  engine      {q['engine_s']:8.3f} s   (the {q['products']} inputs)",
            f"  job / engine = {q['odoo_job_s'] / q['engine_s']:.1f} x",
        ]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    if not odoo_found():
        print("bench_odoo_mrp SKIPPED: no Odoo (set ODOO_PATH; /opt/odoo19 not found)")
        return 0
    env = {**os.environ, "ODOO_TEST_TAGS": "rcep_eco_mrp_bench"}
    run = subprocess.run(
        [str(ROOT / "scripts" / "test_odoo.sh")], env=env, capture_output=True, text=True
    )
    print(run.stdout.strip().splitlines()[-1] if run.stdout.strip() else "")
    figures = read_figures(LOG.read_text(errors="replace") if LOG.exists() else "")
    if run.returncode != 0 or len(figures) != 2:
        print(run.stdout[-3000:], run.stderr[-2000:], sep="\n", file=sys.stderr)
        print("bench_odoo_mrp FAILED: the benchmark tests did not report both figures")
        return 1
    print("\n".join(report(figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
