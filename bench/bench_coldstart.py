"""Benchmark: Lambda cold start of the built bundle — how long `import app` takes from
`make package`'s deployment.zip, in a fresh interpreter each time, next to baselines measured
in the same run.

    .venv/bin/python -m bench.bench_coldstart               # builds build/lambda if missing
    .venv/bin/python -m bench.bench_coldstart --bundle build/lambda/deployment.zip --runs 15

Each run is a new `python -I -S -B` process with only the unpacked bundle on its path (no
site-packages, no checkout, no bytecode written: /var/task is read-only on Lambda), timing
`import app` inside the process. Reported (median and best of --runs):

* `interpreter start`: `python -I -S -B -c pass`, the floor every cold start pays;
* `import json + decimal`: a few standard modules, to see the machine's speed this run;
* `import app (bundle)`: the bundle as built (with its precompiled .pyc);
* `import app (source only)`: the same bundle without its .pyc, what Lambda would pay if the
  bundle shipped source only;
* `first request`: import plus one GET /healthz through the Lambda handler, as API Gateway
  would call it.

Budget (issue 16.5): `import app (bundle)` <= 300 ms on this machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_MS = 300.0

IMPORT_APP = """
import sys, time
sys.path.insert(0, sys.argv[1])
start = time.perf_counter()
import app
print((time.perf_counter() - start) * 1000)
"""

FIRST_REQUEST = """
import sys, time
sys.path.insert(0, sys.argv[1])
start = time.perf_counter()
import app
event = {"resource": "/healthz", "path": "/healthz", "httpMethod": "GET",
         "headers": {"Host": "verify.example.com"}, "multiValueHeaders": {},
         "queryStringParameters": None, "multiValueQueryStringParameters": None,
         "pathParameters": None, "stageVariables": None, "body": None, "isBase64Encoded": False,
         "requestContext": {"resourcePath": "/healthz", "httpMethod": "GET", "path": "/healthz",
                            "requestId": "bench", "stage": "api"}}
class Context:
    aws_request_id = "bench"
    function_name = "APIHandler"
    def get_remaining_time_in_millis(self):
        return 30000
answer = app.app(event, Context())
assert answer["statusCode"] == 200, answer
print((time.perf_counter() - start) * 1000)
"""

BASELINES = {
    "interpreter start": "import sys, time; print(0.0)",
    "import json + decimal": (
        "import sys, time; s = time.perf_counter(); import json, decimal;"
        "print((time.perf_counter() - s) * 1000)"
    ),
}


def timed(code: str, bundle: Path, runs: int, env: dict) -> tuple[list[float], list[float]]:
    """(in-process figures printed by the code, wall time of each process) in ms."""
    import time

    inside, wall = [], []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-I", "-S", "-B", "-c", code, str(bundle)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tempfile.gettempdir(),
            timeout=120,
        )
        wall.append((time.perf_counter() - start) * 1000)
        if result.returncode != 0:
            raise SystemExit(f"bench_coldstart: run failed:\n{result.stderr}")
        inside.append(float(result.stdout.strip().splitlines()[-1]))
    return inside, wall


def unpack(zip_path: Path, dest: Path, *, bytecode: bool) -> Path:
    with zipfile.ZipFile(zip_path) as zf:
        names = [n for n in zf.namelist() if bytecode or not n.endswith(".pyc")]
        zf.extractall(dest, members=names)
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "build" / "lambda" / "deployment.zip")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    if not args.bundle.exists():
        print(f"building {args.bundle.parent} (make package) ...", flush=True)
        subprocess.run(
            [sys.executable, ROOT / "scripts" / "package_lambda.py", "--out", args.bundle.parent],
            check=True,
        )
    env = {"PATH": "/usr/bin:/bin", "ORIGINLINK_PUBLIC_URL": "https://verify.example.com"}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        built = unpack(args.bundle, Path(tmp) / "bundle", bytecode=True)
        source = unpack(args.bundle, Path(tmp) / "source", bytecode=False)
        pycs = sum(1 for _ in built.rglob("*.pyc"))
        for name, code in BASELINES.items():
            inside, wall = timed(code, built, args.runs, env)
            rows.append((name, inside, wall))
        for name, code, folder in (
            ("import app (bundle)", IMPORT_APP, built),
            ("import app (source only)", IMPORT_APP, source),
            ("first request (bundle)", FIRST_REQUEST, built),
        ):
            inside, wall = timed(code, folder, args.runs, env)
            rows.append((name, inside, wall))
    size = args.bundle.stat().st_size / 1e6
    print(
        f"bundle {args.bundle} ({size:.1f} MB, {pycs} .pyc), {args.runs} runs each, Python "
        f"{sys.version.split()[0]}"
    )
    print(f"{'':28} {'in-process ms':>22} {'process wall ms':>22}")
    print(f"{'':28} {'median':>11}{'best':>11} {'median':>11}{'best':>11}")
    for name, inside, wall in rows:
        print(
            f"{name:28} {statistics.median(inside):11.1f}{min(inside):11.1f}"
            f" {statistics.median(wall):11.1f}{min(wall):11.1f}"
        )
    figures = {name: statistics.median(inside) for name, inside, _ in rows}
    start = statistics.median(rows[0][2])
    app_ms = figures["import app (bundle)"]
    print(
        f"import app (bundle): {app_ms:.0f} ms = {app_ms / start:.1f} x the interpreter start "
        f"({start:.0f} ms); source only {figures['import app (source only)'] / app_ms:.1f} x "
        f"slower; budget {BUDGET_MS:.0f} ms: {'within' if app_ms <= BUDGET_MS else 'OVER'}"
    )
    return 0 if app_ms <= BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
