"""Benchmark: public verification, in-process and over HTTP on loopback, next to baselines
measured in the same run.

    .venv/bin/python -m bench.bench_verify                 # 200 certificates, 5 s per wrk run
    .venv/bin/python -m bench.bench_verify --duration 10 --connections 32 --threads 8
    .venv/bin/python -m bench.bench_verify --baseline 38b3910   # before/after, alternated

In-process (best of --repeat, GC paused while timing):
* `verify cold`: lookup + the three checks with an empty cache (pydantic parse of the stored
  document, ES256 verification, RFC 8785 digest) — what the first request for a certificate
  version costs;
* `verify warm`: cached result, found either after reading the whole stored record (the
  route path before the narrow lookup) or after reading only its version (`verifier.find`,
  what the routes do now);
* `JSON route` / `HTML page`: the whole Chalice app through `LocalGateway`, as the WSGI adapter
  calls it; `trivial Chalice route`: the same path for a route returning a fixed body.

Over HTTP (wrk, keep-alive, loopback only, bounded duration), random certificate per request:
* `originlink serve` (gunicorn gthread): GET /v1/verify/{id} and GET /v/{id};
* bare WSGI app returning a fixed body under the same gunicorn settings (ceiling of the server);
* stock `chalice local` (Chalice's own dev server) on the same app and routes.

wrk runs on the same machine and takes CPU from the servers: numbers are a floor.
Targets (issue 5, embedded store): >= 5,000 JSON/s, >= 2,000 pages/s, p99 <= 10 ms.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"json": (5000, 10.0), "html": (2000, 10.0)}


def bare_app(environ, start_response):
    """The ceiling: a WSGI app that does nothing but answer."""
    body = b'{"status":"ok"}'
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "15")])
    return [body]


# --- setup --------------------------------------------------------------------------------


def _service(data_dir: Path):
    from originlink_service import settings as settings_module

    # The in-process requests say `Host: 127.0.0.1`; `chalice local` gets its own origin.
    origin = os.environ.get("ORIGINLINK_PUBLIC_URL", "http://127.0.0.1")
    settings = settings_module.Settings(data_dir=data_dir, public_url=origin)
    return settings_module.configure(settings)


def populate(data_dir: Path, count: int) -> list[str]:
    """Issue `count` certificates through the exporter API; returns their public ids."""
    ctx = _service(data_dir)
    from chalice.test import Client

    from originlink_service.app import app
    from originlink_service.auth import create_api_key

    _, _, key = create_api_key(ctx.store, "bench exporter")
    doc = json.loads((ROOT / "examples" / "certificate.json").read_text(encoding="utf-8"))
    ids = []
    with Client(app) as client:
        for i in range(count):
            d = copy.deepcopy(doc)
            d["number"] = f"BENCH-{i:06d}"
            r = client.http.post(
                "/v1/certificates",
                headers={
                    "Authorization": f"Bearer {key}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": str(uuid.uuid4()),
                },
                body=json.dumps(d),
            )
            assert r.status_code == 201, r.body
            ids.append(json.loads(r.body)["public_id"])
    return ids


# --- in-process ---------------------------------------------------------------------------


def _best(fn, n: int, repeat: int) -> float:
    """Best seconds per call over `repeat` rounds of `n` calls."""
    best = float("inf")
    for _ in range(repeat):
        gc.disable()
        try:
            start = time.perf_counter()
            for i in range(n):
                fn(i)
            best = min(best, (time.perf_counter() - start) / n)
        finally:
            gc.enable()
    return best


def in_process(data_dir: Path, ids: list[str], repeat: int) -> list[tuple[str, float]]:
    ctx = _service(data_dir)
    from chalice import Chalice
    from chalice.config import Config
    from chalice.local import LocalGateway

    from originlink_service.app import app
    from originlink_service.verification import verifier

    n = len(ids)

    def cold(i):
        verifier.clear_caches()
        verifier.verify(ctx, verifier.lookup(ctx, ids[i % n]))

    def warm_full_read(i):
        verifier.verify(ctx, verifier.lookup(ctx, ids[i % n]))

    def warm(i):
        verifier.find(ctx, ids[i % n])

    gateway = LocalGateway(app, Config.create(app_name=app.app_name))
    headers = {"host": "127.0.0.1", "accept-language": "vi"}

    def json_route(i):
        r = gateway.handle_request("GET", f"/v1/verify/{ids[i % n]}", headers, b"")
        assert r["statusCode"] == 200

    def html_route(i):
        r = gateway.handle_request("GET", f"/v/{ids[i % n]}", headers, b"")
        assert r["statusCode"] == 200

    trivial = Chalice(app_name="trivial")
    trivial.route("/ping")(lambda: {"status": "ok"})
    trivial_gateway = LocalGateway(trivial, Config.create(app_name="trivial"))

    def trivial_route(i):
        trivial_gateway.handle_request("GET", "/ping", headers, b"")

    cold(0)
    for i in range(n):  # warm the caches once
        warm(i), html_route(i)
    return [
        ("verify cold (no cache)", _best(cold, min(n, 100), repeat)),
        ("verify warm, full record read + cache", _best(warm_full_read, 2000, repeat)),
        ("verify warm, version read + cache", _best(warm, 2000, repeat)),
        ("JSON route via Chalice", _best(json_route, 2000, repeat)),
        ("HTML page via Chalice", _best(html_route, 2000, repeat)),
        ("trivial Chalice route (baseline)", _best(trivial_route, 2000, repeat)),
    ]


# --- over HTTP ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(port: int, proc: subprocess.Popen, path: str = "/healthz", timeout: float = 30):
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stdout.read().decode()[-2000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1).read()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def _start(kind: str, data_dir: Path, workers: int, threads: int):
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "ORIGINLINK_DATA_DIR": str(data_dir)}
    env.pop("ORIGINLINK_STORAGE", None)
    if kind == "originlink serve":
        cmd = [sys.executable, "-m", "originlink", "serve", "--host", "127.0.0.1", "--port",
               str(port), "--data-dir", str(data_dir), "--workers", str(workers), "--threads",
               str(threads), "--quiet"]  # fmt: skip
        health = "/healthz"
    elif kind == "bare WSGI (gunicorn)":
        cmd = [sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", str(workers),
               "--threads", str(threads), "--keep-alive", "5", "-b", f"127.0.0.1:{port}",
               "--log-level", "warning", "bench.bench_verify:bare_app"]  # fmt: skip
        health = "/"
    else:  # stock chalice local
        cmd = [sys.executable, "-m", "bench.bench_verify", "--chalice-local", str(port)]
        env["ORIGINLINK_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
        health = "/healthz"
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    _wait(port, proc, health)
    return proc, port


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if m is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def wrk(url_base: str, paths: list[str], duration: int, connections: int, threads: int):
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    quoted = ",".join(json.dumps(p) for p in paths)
    script.write(
        f"local paths = {{{quoted}}}\n"
        "request = function()\n"
        '  return wrk.format("GET", paths[math.random(#paths)])\n'
        "end\n"
    )
    script.close()
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{duration}s",
                "--timeout",
                "2s",
                "--latency",
                "-s",
                script.name,
                url_base,
            ],  # fmt: skip
            capture_output=True,
            text=True,
            timeout=duration + 30,
        ).stdout
    finally:
        os.unlink(script.name)
    if "Requests/sec" not in out:
        raise RuntimeError(f"wrk failed: {out[-1000:]}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)$", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)$", out, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p50_ms": p50,
        "p99_ms": p99,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def over_http(data_dir: Path, ids: list[str], args) -> list[tuple[str, str, dict]]:
    rows = []
    plans = [
        ("bare WSGI (gunicorn)", [("fixed body", ["/"])]),
        (
            "originlink serve",
            [
                ("JSON /v1/verify/{id}", [f"/v1/verify/{i}" for i in ids]),
                ("HTML /v/{id}", [f"/v/{i}?lang=vi" for i in ids]),
            ],
        ),
        (
            "stock chalice local",
            [
                ("JSON /v1/verify/{id}", [f"/v1/verify/{i}" for i in ids]),
                ("HTML /v/{id}", [f"/v/{i}?lang=vi" for i in ids]),
            ],
        ),
    ]
    for server, routes in plans:
        for label, paths in routes:
            # A fresh server per route: stock `chalice local` can be left with stuck
            # keep-alive connections after a run, which would spoil the next one.
            proc, port = _start(server, data_dir, args.workers, args.threads)
            base = f"http://127.0.0.1:{port}"
            try:
                # Short warm-up so every certificate's result is cached in every worker.
                wrk(base, paths, 1, args.connections, args.wrk_threads)
                metrics = wrk(base, paths, args.duration, args.connections, args.wrk_threads)
            finally:
                _stop(proc)
            rows.append((server, label, metrics))
    return rows


def _chalice_local(port: int) -> None:
    """Serve the app with Chalice's own dev server (what `chalice local` runs)."""
    _service(Path(os.environ["ORIGINLINK_DATA_DIR"]))
    from chalice.config import Config
    from chalice.local import create_local_server

    from originlink_service.app import app

    create_local_server(
        app, Config.create(app_name=app.app_name), "127.0.0.1", port
    ).serve_forever()


# --- before / after -----------------------------------------------------------------------


def _run_tree(tree: Path, argv: list[str], out: Path) -> dict:
    """This benchmark as `tree` has it, importing `tree`'s code (PYTHONPATH comes before the
    editable install), servers included."""
    env = {**os.environ, "PYTHONPATH": f"{tree}{os.pathsep}{tree / 'lambda_api'}"}
    subprocess.run(
        [sys.executable, "-m", "bench.bench_verify", *argv, "--json", str(out)],
        cwd=tree,
        env=env,
        check=True,
    )
    return json.loads(out.read_text())


def compare(args, argv: list[str]) -> int:
    keep, skip = [], False
    for item in argv:  # the same options for both trees, without the comparison's own
        if skip:
            skip = False
        elif item in {"--baseline", "--rounds", "--json"}:
            skip = True
        elif not item.startswith(("--baseline=", "--rounds=", "--json=")):
            keep.append(item)
    work = Path(tempfile.mkdtemp(prefix="bench-verify-baseline-"))
    try:
        before = work / "tree"
        before.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.baseline],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(before)], input=archive, check=True)
        runs: list[tuple[str, dict]] = []
        for round_ in range(args.rounds):
            for label, tree in (("before", before), ("after", ROOT)):
                print(f"\n=== round {round_ + 1}: {label} ({tree}) ===", flush=True)
                runs.append((label, _run_tree(tree, keep, work / f"{label}-{round_}.json")))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nbefore = {args.baseline}, after = working tree; rounds alternated")
    names = list(runs[0][1]["in_process_us"])
    print(f"  {'in-process µs/op':<40} {'before':>16} {'after':>16} {'after/before':>13}")
    for name in names:
        b = [r["in_process_us"].get(name) for label, r in runs if label == "before"]
        a = [r["in_process_us"].get(name) for label, r in runs if label == "after"]
        ratio = min(a) / min(b) if all(a) and all(b) else float("nan")
        print(
            f"  {name:<40} {' / '.join(map(str, b)):>16} {' / '.join(map(str, a)):>16} "
            f"{ratio:>12.2f}x"
        )
    if "http" in runs[0][1]:
        print(f"  {'req/s (share of bare WSGI, same run)':<40} {'before':>16} {'after':>16}")
        for server, route in [(h["server"], h["route"]) for h in runs[0][1]["http"]]:
            if server.startswith("bare"):
                continue
            cells = {}
            for label in ("before", "after"):
                parts = []
                for lab, r in runs:
                    if lab != label:
                        continue
                    bare = next(h for h in r["http"] if h["server"].startswith("bare"))["rps"]
                    row = next(h for h in r["http"] if (h["server"], h["route"]) == (server, route))
                    parts.append(f"{row['rps']:,.0f} ({row['rps'] / bare:.0%})")
                cells[label] = " / ".join(parts)
            print(f"  {server + ' ' + route:<40} {cells['before']:>16} {cells['after']:>16}")
    return 0


# --- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=200)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run (max 30)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per process")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-http", action="store_true", help="in-process only")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--chalice-local", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--baseline",
        metavar="GIT_REF",
        help="before/after: run this benchmark from GIT_REF's tree and from the working tree, "
        "alternating (--rounds), and print after/before ratios",
    )
    parser.add_argument("--rounds", type=int, default=2, help="with --baseline")
    args = parser.parse_args(argv)
    if args.chalice_local:
        _chalice_local(args.chalice_local)
        return 0
    if args.baseline:
        return compare(args, argv or sys.argv[1:])
    args.duration = max(1, min(args.duration, 30))
    if not args.no_http and shutil.which("wrk") is None:
        print("wrk not found (apt-get install -y wrk); running in-process only")
        args.no_http = True

    load = os.getloadavg()
    print(f"cores: {os.cpu_count()}  load average before: {load[0]:.2f} {load[1]:.2f}")
    data_dir = Path(tempfile.mkdtemp(prefix="bench-verify-"))
    results: dict = {"cores": os.cpu_count(), "loadavg_before": load[0]}
    try:
        ids = populate(data_dir / "data", args.certificates)
        print(f"\nin-process ({args.certificates} certificates, best of {args.repeat})")
        rows = in_process(data_dir / "data", ids, args.repeat)
        results["in_process_us"] = {name: round(sec * 1e6, 1) for name, sec in rows}
        for name, sec in rows:
            print(f"  {name:<36} {sec * 1e6:9.1f} µs/op  {1 / sec:10,.0f} op/s")
        if not args.no_http:
            print(
                f"\nover HTTP on loopback (wrk -c{args.connections} -t{args.wrk_threads}, "
                f"{args.duration}s; servers: {args.workers} workers x {args.threads} threads)"
            )
            http_rows = over_http(data_dir / "data", ids, args)
            results["http"] = [{"server": s, "route": r, **m} for s, r, m in http_rows]
            print(f"  {'server':<22} {'route':<22} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
            for server, route, m in http_rows:
                flag = f"  non-2xx: {m['non_2xx']}" if m["non_2xx"] else ""
                flag += f"  socket errors: {m['socket_errors']}" if m["socket_errors"] else ""
                print(
                    f"  {server:<22} {route:<22} {m['rps']:>9,.0f} {m['p50_ms']:>8.2f} "
                    f"{m['p99_ms']:>8.2f}{flag}"
                )
            for kind, (rps_target, p99_target) in TARGETS.items():
                row = next(
                    m for s, r, m in http_rows if s == "originlink serve" and kind in r.lower()
                )
                bare = next(m for s, _, m in http_rows if s.startswith("bare"))
                ok = row["rps"] >= rps_target and row["p99_ms"] <= p99_target
                print(
                    f"  target {kind}: >= {rps_target}/s, p99 <= {p99_target} ms -> "
                    f"{'met' if ok else 'NOT met'} ({row['rps'] / bare['rps']:.0%} of bare WSGI)"
                )
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
