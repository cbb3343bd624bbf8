"""`originlink simulator run | secrets`: the customs simulator as a command (it joins the
`originlink` command through the `originlink.commands` entry points)."""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import sys
import threading
from pathlib import Path

DEFAULT_PEERS = ["VN", "TH", "MY", "SG", "ID", "CN-GACC"]


def write_secrets(path: Path, peers: list[str]) -> dict[str, str]:
    """A shared secret per peer in a JSON file (mode 0600), created once and then kept; peers
    missing from an existing file are added."""
    known = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    added = {p: secrets.token_urlsafe(32) for p in peers if p not in known}
    if added or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({**known, **added}, fh, indent=2, sort_keys=True)
    return {**known, **added}


def _run(args) -> int:
    from .peer import Simulator
    from .rules import load
    from .server import SimulatorServer, http_callbacks, http_jwks

    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO)
    secrets_by_peer = write_secrets(Path(args.secrets), DEFAULT_PEERS)
    service = args.service_url.rstrip("/")
    if args.service_jwks:  # the service's keys from a file (a service without HTTP: the bench)
        keys = json.loads(Path(args.service_jwks).read_text(encoding="utf-8"))

        def service_jwks(refresh: bool) -> dict:
            return keys
    else:
        service_jwks = http_jwks(service)
    simulator = Simulator(
        rules=load(args.rules),
        secrets_by_peer=secrets_by_peer,
        service_jwks=service_jwks,
        post_callback=http_callbacks(service),
        data_dir=Path(args.data_dir),
        issuing_bodies=[p for p in secrets_by_peer if "-" in p],
    )
    try:
        server = SimulatorServer((args.host, args.port), simulator)
    except OSError as exc:
        print(
            f"originlink simulator: cannot listen on {args.host}:{args.port}: {exc}",
            file=sys.stderr,
        )
        return 2
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    server.start()
    print(f"customs simulator listening on {server.base_url} (service {service})", flush=True)
    stop.wait()
    server.stop()
    return 0


def _secrets(args) -> int:
    values = write_secrets(Path(args.file), args.peers.split(","))
    print(json.dumps(sorted(values)))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("simulator", help="the customs simulator (a test peer)")
    sub = p.add_subparsers(dest="simulator_command", metavar="ACTION", required=True)
    run = sub.add_parser("run", help="serve the simulated customs and issuing bodies")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8001)
    run.add_argument("--service-url", default="http://127.0.0.1:8000", help="OriginLink's URL")
    run.add_argument("--secrets", default="var/customs-secrets.json", help="shared secrets (JSON)")
    run.add_argument("--data-dir", default="var/simulator", help="the issuing bodies' keys")
    run.add_argument("--rules", default=None, help="rules file (TOML; default: built in)")
    run.add_argument("--service-jwks", default=None, help="the service's JWKS from this file")
    run.add_argument("--quiet", action="store_true")
    run.set_defaults(func=_run)
    sec = sub.add_parser("secrets", help="create the shared secrets file (kept if it exists)")
    sec.add_argument("file")
    sec.add_argument("--peers", default=",".join(DEFAULT_PEERS))
    sec.set_defaults(func=_secrets)
