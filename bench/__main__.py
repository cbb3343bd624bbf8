"""Run every `bench/bench_*.py` module's `main()` in turn (`make bench`)."""

import importlib
import pkgutil
import sys

import bench

status = 0
for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda i: i.name):
    if info.name.startswith("bench_"):
        print(f"== {info.name} ==")
        status |= importlib.import_module(f"bench.{info.name}").main([]) or 0
        print()
sys.exit(status)
