"""Benchmarks: runnable scripts that print tables (`make bench` runs every `bench_*.py`)."""
