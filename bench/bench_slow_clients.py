"""Slow clients against three servers of the same app, in one run (issue 17.1).

Servers (2 worker processes each, the same Chalice app and SQLite data):
* `gthread`: gunicorn's threaded worker with the WSGI adapter — what `originlink serve` ran
  before (8 threads per process);
* `uvicorn`: gunicorn + uvicorn's stock worker with the ASGI adapter (no connection guard);
* `originlink serve`: gunicorn + uvicorn with the guarded protocol (connection_guard.py).

Attack (loopback only, bounded): 50 connections sending a header byte every 4 s and 50 sending
a 1,000-byte body one byte every 4 s, each reconnecting when closed, for `--duration` seconds,
while a health check (`GET /healthz`, new connection, 5 s to answer) runs every 0.5 s. Reported:
health checks answered, attack connections the server closed, and — without attack, to show
what the protection costs — `/healthz` throughput and p99 with wrk at 64 connections.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_verify import ROOT, _free_port, _stop, _wait, wrk

SLOW_HEADER = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: "
SLOW_BODY = (
    b"POST /v1/precheck HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: 1000\r\n\r\n{"
)


def wsgi_app():
    """`gunicorn 'bench.bench_slow_clients:wsgi_app()'`: the app through the WSGI adapter."""
    from originlink_service.app import app
    from originlink_service.settings import Settings, configure
    from originlink_service.wsgi import ChaliceWSGI

    settings = Settings.from_env()
    configure(settings)
    return ChaliceWSGI(app, settings.max_body_bytes)


def asgi_app():
    from originlink_service.app import app
    from originlink_service.asgi import ChaliceASGI
    from originlink_service.settings import Settings, configure

    configure(Settings.from_env())
    return ChaliceASGI(app, threads=8)


def _start(kind: str, data_dir: Path):
    port = _free_port()
    env = {**os.environ, "ORIGINLINK_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    env["ORIGINLINK_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    env.pop("ORIGINLINK_STORAGE", None)
    gunicorn = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                "--keep-alive", "5", "--log-level", "error"]  # fmt: skip
    if kind == "gthread":
        cmd = [*gunicorn, "-k", "gthread", "--threads", "8", "bench.bench_slow_clients:wsgi_app()"]
    elif kind == "uvicorn":
        cmd = [*gunicorn, "-k", "uvicorn_worker.UvicornWorker",
               "bench.bench_slow_clients:asgi_app()"]  # fmt: skip
    else:
        cmd = [sys.executable, "-m", "originlink", "serve", "--port", str(port), "--data-dir",
               str(data_dir), "--workers", "2", "--quiet"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)  # fmt: skip
    _wait(port, proc)
    return proc, port


async def _trickle(port: int, first: bytes, stop_at: float, interval: float) -> bool:
    """One slow connection; True if the server closed it before `stop_at`."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        await asyncio.sleep(interval)
        return False
    writer.write(first)
    read = asyncio.ensure_future(reader.read())
    try:
        while time.monotonic() < stop_at:
            done, _ = await asyncio.wait({read}, timeout=min(interval, stop_at - time.monotonic()))
            if done:
                return True
            try:
                writer.write(b"x")
                await writer.drain()
            except ConnectionError:
                return True
        return False
    finally:
        read.cancel()
        writer.close()


async def _health(port: int) -> bool:
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port), timeout=5
        )
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answer = await asyncio.wait_for(reader.read(), timeout=5)
        writer.close()
        return answer.startswith(b"HTTP/1.1 200 ")
    except (TimeoutError, OSError):
        return False


async def attack(port: int, duration: float, connections: int, interval: float) -> dict:
    stop_at = time.monotonic() + duration
    closed = 0

    async def attacker(first: bytes) -> None:
        nonlocal closed
        while time.monotonic() < stop_at - 0.1:
            was_closed = await _trickle(port, first, stop_at, interval)
            closed += was_closed  # (not `closed += await …`: that reads `closed` before)

    async def checker() -> list[bool]:
        await asyncio.sleep(1.0)  # the attack is in place
        answers = []
        while time.monotonic() < stop_at - 1.0:
            answers.append(await _health(port))
            await asyncio.sleep(0.5)
        return answers

    tasks = [attacker(SLOW_HEADER) for _ in range(connections)]
    tasks += [attacker(SLOW_BODY) for _ in range(connections)]
    *_, health = await asyncio.gather(*tasks, checker())
    return {"health_answered": sum(health), "health_checks": len(health), "closed": closed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of attack (<= 60)")
    parser.add_argument("--connections", type=int, default=50, help="of each kind (<= 200)")
    parser.add_argument("--interval", type=float, default=4.0, help="seconds between bytes")
    parser.add_argument("--wrk-duration", type=int, default=5)
    parser.add_argument("--servers", default="gthread,uvicorn,originlink serve")
    args = parser.parse_args(argv)
    duration = max(5.0, min(args.duration, 60.0))
    connections = max(1, min(args.connections, 200))
    load = os.getloadavg()
    print(f"cores: {os.cpu_count()}  load average before: {load[0]:.2f} {load[1]:.2f}")
    print(
        f"attack: {connections} slow-header + {connections} slow-body connections, a byte "
        f"every {args.interval:g} s, {duration:g} s; health check every 0.5 s (5 s to answer)"
    )
    has_wrk = shutil.which("wrk") is not None
    data_dir = Path(tempfile.mkdtemp(prefix="bench-slow-")) / "data"
    rows = []
    try:
        for kind in args.servers.split(","):
            proc, port = _start(kind, data_dir)
            try:
                result = asyncio.run(attack(port, duration, connections, args.interval))
                if has_wrk:
                    time.sleep(1)
                    result["wrk"] = wrk(
                        f"http://127.0.0.1:{port}", ["/healthz"], args.wrk_duration, 64, 2
                    )
            finally:
                _stop(proc)
            rows.append((kind, result))
    finally:
        shutil.rmtree(data_dir.parent, ignore_errors=True)
    print(
        f"\n  {'server':<18} {'health answered':>16} {'slow conns closed':>18} "
        f"{'healthz req/s c64':>18} {'p99 ms':>8}"
    )
    for kind, r in rows:
        w = r.get("wrk") or {}
        print(
            f"  {kind:<18} {r['health_answered']:>7} of {r['health_checks']:<6} "
            f"{r['closed']:>18} {w.get('rps', float('nan')):>18,.0f} "
            f"{w.get('p99_ms', float('nan')):>8.2f}"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
