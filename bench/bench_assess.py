"""Benchmark: origin assessment of a five-level bill of materials.

    .venv/bin/python -m bench.bench_assess            # 1,000 / 10,000 / 100,000 lines
    .venv/bin/python -m bench.bench_assess --sizes 10000 --repeat 15

Each BOM is a tree five levels deep (every sub-assembly holds two self-produced
sub-assemblies, assessed first under Art 3.12) whose material lines mix originating,
non-originating and cumulated materials, retail packaging, accessories, indirect materials,
transport packing and evidenced deductions. For each size it reports the best of `--repeat`
runs (garbage collector paused while timing, as `timeit` does) of:

* `validate+assess`: `assess(dict)` — pydantic validation once, then the engine;
* `assess only`: the engine on already validated input;
* `to JSON`: dumping the result to a JSON-ready dict;
* `baseline`: a plain loop that parses and sums the same lines' values as `Decimal` —
  the least any assessment must do — measured in the same run, so ratios do not depend on
  the machine.

Growth is linear when time per line stays flat from 1,000 to 100,000 lines.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from decimal import Decimal

from originlink.rules.assess import assess, validate_input
from originlink.rules.psr import PsrTable

LEVELS = 5
BRANCHING = 2
TARGET_MS_10K = 50.0
_CODES = ["4407", "8302", "3208", "940391", "4411", "7318", "3901", "940360"]
_COUNTRIES = [("RU", False), ("CN", True), ("VN", True), ("DE", False), ("JP", True)]
_ROLES = ["component"] * 12 + ["retail_packaging", "accessory", "indirect", "transport_packing"]


def _line(n: int) -> dict:
    country, originating = _COUNTRIES[n % len(_COUNTRIES)]
    line = {
        "id": f"m{n}",
        "hs_code": _CODES[n % len(_CODES)],
        "value": f"{1 + n % 7}.{n % 100:02d}",
        "origin_country": country,
        "originating": originating,
        "proof": f"DECL-{n}" if originating else None,
        "role": _ROLES[n % len(_ROLES)],
    }
    if n % 11 == 0 and not originating:
        line["deductions"] = [{"kind": "freight", "amount": "0.10", "evidence": f"BL-{n}"}]
    return line


def build_bom(total_lines: int) -> tuple[dict, int]:
    """A five-level tree with about `total_lines` material lines in all; returns (input, lines)."""
    nodes = sum(BRANCHING**i for i in range(LEVELS))
    produced_lines = nodes - 1
    raw = max(total_lines - produced_lines, nodes)
    per_node, extra = divmod(raw, nodes)
    counter = iter(range(10**9))
    made = 0

    def node(level: int, hs_code: str) -> dict:
        nonlocal extra, made
        count = per_node + (1 if extra > 0 else 0)
        extra -= 1
        materials = [_line(next(counter)) for _ in range(count)]
        if level < LEVELS:
            for b in range(BRANCHING):
                sub = node(level + 1, "940391")
                value = f"{5 + b}.00"
                materials.append(
                    {
                        "id": f"sub{next(counter)}",
                        "hs_code": "940391",
                        "value": value,
                        "origin_country": "CN",
                        "produced": sub,
                    }
                )
        made += len(materials)
        fob = sum(Decimal(m["value"]) for m in materials) * Decimal("1.6")
        return {
            "agreement": "RCEP",
            "hs_edition": "HS2022",
            "exporting_party": "CN",
            "product": {"hs_code": hs_code, "description": f"level {level} assembly"},
            "fob": {"amount": str(fob.quantize(Decimal("0.01"))), "currency": "USD"},
            "costs": {"labour": "3", "overhead": "1", "profit": "1", "other": "0"},
            "materials": materials,
        }

    data = node(1, "940360")
    return data, made


def _all_values(data: dict) -> list[str]:
    out = []
    stack = [data]
    while stack:
        d = stack.pop()
        for m in d["materials"]:
            out.append(m["value"])
            if m.get("produced"):
                stack.append(m["produced"])
    return out


def _decimal_sum(values: list[str]) -> Decimal:
    total = Decimal(0)
    for v in values:
        total += Decimal(v)
    return total


def _best(repeat: int, fn, *args, **kwargs) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            fn(*args, **kwargs)
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best * 1000


def run(sizes: list[int], repeat: int) -> list[dict]:
    table = PsrTable.shipped()
    rows = []
    for size in sizes:
        data, lines = build_bom(size)
        values = _all_values(data)
        reps = repeat if size <= 10_000 else max(3, repeat // 3)
        validated = validate_input(data)
        result = assess(validated, table=table)  # warm caches (rule parse, correlation table)
        assert result.originating in (True, False)
        rows.append(
            {
                "lines": lines,
                "validate+assess": _best(reps, assess, data, table=table),
                "assess only": _best(reps, assess, validated, table=table),
                "to JSON": _best(reps, result.to_json_dict),
                "baseline": _best(reps, _decimal_sum, values),
                "originating": result.originating,
            }
        )
    return rows


def report(rows: list[dict], out=sys.stdout) -> None:
    cols = ["validate+assess", "assess only", "to JSON", "baseline"]
    head = f"{'lines':>8} | " + " | ".join(f"{c + ' ms':>17}" for c in cols)
    head += f" | {'us/line (v+a)':>13} | {'x baseline':>10} | {'x per line vs first':>19}"
    print(head, file=out)
    print("-" * len(head), file=out)
    first = rows[0]["validate+assess"] / rows[0]["lines"]
    for r in rows:
        per_line = r["validate+assess"] / r["lines"]
        cells = " | ".join(f"{r[c]:>17.2f}" for c in cols)
        ratio = r["validate+assess"] / r["baseline"]
        print(
            f"{r['lines']:>8} | {cells} | {per_line * 1000:>13.2f} | {ratio:>10.1f} | "
            f"{per_line / first:>19.2f}",
            file=out,
        )
    ten_k = next((r for r in rows if 9_000 <= r["lines"] <= 11_000), None)
    if ten_k:
        ok = "met" if ten_k["validate+assess"] <= TARGET_MS_10K else "NOT met"
        print(
            f"\ntarget: {ten_k['lines']} lines in <= {TARGET_MS_10K:.0f} ms (validate+assess): "
            f"{ok} ({ten_k['validate+assess']:.1f} ms; engine alone {ten_k['assess only']:.1f} ms)",
            file=out,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args(argv)
    print(f"five-level BOM assessment, best of {args.repeat} runs (3 for 100,000 lines)\n")
    report(run(args.sizes, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
