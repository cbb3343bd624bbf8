"""`originlink serve`: run the certificate service on this machine (what `make run` calls).

Embedded defaults: SQLite and a local signing key under --data-dir, gunicorn on loopback,
an outbox worker. A demo exporter is created on first run; its API key is kept in
DATA_DIR/demo-api-key (mode 0600) and printed at every start — a development convenience:
real keys are shown once by `originlink keys create` and never stored in clear.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import socket
import sys
from pathlib import Path

# Imports of the service's modules stay inside the handlers: this module is loaded whenever
# the `originlink` command builds its parser, and `originlink assess` must not pay for Chalice.

DEMO_EXPORTER = "demo"


def load_service(data_dir: str | None = None, *, command: str | None = None):
    """The service context (`originlink_service.settings.Context`) configured from the
    environment and --data-dir.

    With `command` (the operator commands: keys, outbox, signing-keys), the embedded data
    directory must already exist — `originlink serve` creates it, or make it yourself — so a
    command run from the wrong folder never leaves an empty `./var` behind; the directory used
    is said on stderr."""
    from ..settings import Settings, configure

    try:
        settings = Settings.from_env()
    except ValueError as exc:  # a misconfigured environment: one sentence, no traceback
        raise SystemExit(f"originlink: {exc}") from None
    if data_dir is not None:
        settings.data_dir = Path(data_dir)
    if command is not None and settings.storage == "sqlite":
        where = settings.data_dir.resolve()
        if not settings.data_dir.is_dir():
            raise SystemExit(
                f"originlink {command}: no data directory {where}; give --data-dir (or "
                f"ORIGINLINK_DATA_DIR), or create it: originlink serve --data-dir "
                f"{settings.data_dir} (or mkdir)"
            )
        print(f"originlink {command}: data directory {where}", file=sys.stderr)
    return configure(settings)


def port_in_use_problem(host: str, port: int) -> str | None:
    """One sentence when the address cannot be listened on (checked before anything starts)."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return (
                f"originlink serve: port {port} on {host} is already in use (another server "
                f"is running); stop it or choose another port, e.g. make run PORT={port + 1}"
            )
        return f"originlink serve: cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


def ensure_demo_key(ctx) -> str:
    """The demo exporter's API key: created with the exporter on first run, then re-read."""
    from ..auth import create_api_key

    key_file = ctx.settings.data_dir / "demo-api-key"
    if key_file.exists():
        return key_file.read_text(encoding="ascii").strip()
    _, _, plain = create_api_key(ctx.store, DEMO_EXPORTER)
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(plain + "\n")
    return plain


def banner(base: str, api_key: str, data_dir: Path, environment: str) -> str:
    return "\n".join(
        [
            "",
            f"OriginLink certificate service is running ({environment})",
            f"  Public URL   {base} (links, QR codes and the issuer use it; ORIGINLINK_PUBLIC_URL)",
            f"  API          {base}/v1/certificates",
            f"  OpenAPI      {base}/v1/openapi.json",
            f"  JWKS         {base}/.well-known/jwks.json",
            f"  Health       {base}/healthz",
            f"  Data         {data_dir.resolve()} (SQLite + local signing key)",
            f"  Demo exporter '{DEMO_EXPORTER}' API key: {api_key}",
            f"    (dev convenience, kept in {data_dir / 'demo-api-key'} with mode 0600)",
            "  Try:",
            "    originlink redate examples/certificate.json > /tmp/certificate.json",
            f"    curl -s -X POST {base}/v1/certificates -H 'Authorization: Bearer {api_key}' \\",
            "      -H 'Content-Type: application/json' -H 'Idempotency-Key: first-try' \\",
            "      --data-binary @/tmp/certificate.json",
            "",
        ]
    )


def local_origin(host: str, port: int) -> str:
    """The public origin of a server started without ORIGINLINK_PUBLIC_URL: its own address
    (a wildcard bind is reached on loopback; set ORIGINLINK_PUBLIC_URL to serve other names)."""
    if host in {"0.0.0.0", "::", ""}:
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def simulated_customs(settings, host: str, port: int) -> list[str]:
    """Connect VN, TH, MY, SG, ID and China's customs to the simulator at host:port: the
    shared secrets (DATA_DIR/customs-secrets.json, 0600, kept) and the configuration
    (DATA_DIR/customs.toml, rewritten from the built-in template at each start). Returns the
    simulator's command line."""
    from ..customs.config import SIMULATED_FILE

    data = settings.data_dir
    base = local_origin(host, port)
    config = data / "customs.toml"
    config.write_text(
        SIMULATED_FILE.read_text(encoding="utf-8").replace("{simulator}", base), encoding="utf-8"
    )
    settings.customs_config = str(config)
    settings.webhook_networks = "any"  # one machine: the exporter's webhook may be local too
    return [
        sys.executable,
        "-m",
        "originlink_simulator",
        "run",
        "--host",
        host,
        "--port",
        str(port),
        "--service-url",
        settings.origin,
        "--secrets",
        str(data / "customs-secrets.json"),
        "--data-dir",
        str(data / "simulator"),
        "--quiet",
    ]


def start_simulator(command: list[str], base: str):
    """The simulator as a child process, once it answers (None and a sentence if it cannot).
    It creates the shared secrets' file on start, before the service first reads it."""
    import subprocess
    import time
    import urllib.request

    proc = subprocess.Popen(command)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return None, "originlink serve: the customs simulator stopped at start"
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1):
                return proc, None
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    return None, "originlink serve: the customs simulator did not answer in 15 s"


def _run(args) -> int:
    problem = port_in_use_problem(args.host, args.port)
    simulator_port = args.simulator_port or args.port + 1
    if not problem and args.simulator:
        problem = port_in_use_problem(args.host, simulator_port)
        if importlib.util.find_spec("originlink_simulator") is None:
            problem = (
                "originlink serve --simulator: the customs simulator is not installed "
                "(pip install -e ./simulator, or make install)"
            )
    if problem:
        print(problem, file=sys.stderr)
        return 2
    os.umask(0o077)  # data, keys and database readable by this user only
    ctx = load_service(args.data_dir)
    if not os.environ.get("ORIGINLINK_PUBLIC_URL"):
        ctx.settings.public_url = local_origin(args.host, args.port)
    if ctx.settings.storage == "sqlite":
        ctx.settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings = ctx.settings
    simulator_command = (
        simulated_customs(settings, args.host, simulator_port) if args.simulator else None
    )
    try:
        _ = ctx.customs  # a configuration that cannot be used stops the start, in one sentence
    except ValueError as exc:
        print(f"originlink serve: {exc}", file=sys.stderr)
        return 2
    ctx.keyring.active_signer()  # create the signing key before any worker starts
    api_key = ensure_demo_key(ctx)
    if hasattr(ctx.store, "close"):
        ctx.store.close()  # workers open their own connections after the fork
    text = banner(settings.origin, api_key, settings.data_dir, settings.environment)
    text += customs_banner(ctx, local_origin(args.host, simulator_port) if args.simulator else None)
    from ..server import OriginLinkServer

    def on_ready() -> None:
        print(text, flush=True)

    simulator = None
    if simulator_command is not None:
        base = local_origin(args.host, simulator_port)
        simulator, problem = start_simulator(simulator_command, base)
        if problem:
            print(problem, file=sys.stderr)
            return 2
    try:
        OriginLinkServer(
            settings,
            host=args.host,
            port=args.port,
            workers=args.workers,
            threads=args.threads,
            on_ready=on_ready,
            access_log=not args.quiet,
            **server_limits(args, settings.max_body_bytes),
        ).run()
    finally:
        if simulator is not None:
            simulator.terminate()
            simulator.wait(timeout=10)
    return 0


def customs_banner(ctx, simulator: str | None) -> str:
    """What the customs exchange does here, in the banner."""
    config = ctx.customs.config
    pushed = sorted(p for p, d in config.destinations.items() if d.pushed)
    bodies = sorted(i for i, b in config.issuing_bodies.items() if b.pushed)
    how = f"simulated at {simulator}" if simulator else "direct"
    lines = [
        "  Customs      "
        + (
            f"{', '.join(pushed)} connected ({how})"
            if pushed
            else "no destination connected: certificates are paper-parallel (docs/customs.md)"
        )
    ]
    if bodies:
        lines.append(f"               {', '.join(bodies)} endorses Certificates of Origin")
    if simulator:
        lines.append(
            "               a certificate goes issued → endorsed → forwarded → accepted in 2 s;"
        )
        lines.append(
            "               watch it: curl -s -H 'Authorization: Bearer <key>' "
            f"{ctx.settings.origin}/v1/certificates/<id>/events"
        )
    return "\n".join(lines) + "\n"


def server_limits(args, max_body_bytes: int) -> dict:
    """The slow-client limits of `originlink serve` (docs/reliability.md)."""
    from ..asgi import BodyLimits
    from ..connection_guard import ConnectionLimits

    return {
        "keepalive": args.keep_alive,
        "connection_limits": ConnectionLimits(
            header_timeout=args.header_timeout,
            max_idle=args.max_idle_connections,
            max_connections=args.max_connections,
        ),
        "body_limits": BodyLimits(max_bytes=max_body_bytes, timeout=args.body_timeout),
    }


def register(subparsers) -> None:
    p = subparsers.add_parser("serve", help="run the certificate service (HTTP)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--data-dir", default="var", help="SQLite database and signing keys")
    p.add_argument(
        "--workers",
        type=int,
        default=max(1, min(4, os.cpu_count() or 1)),
        help="processes (default: one per CPU, at most 4)",
    )
    p.add_argument("--threads", type=int, default=8, help="threads per process (default 8)")
    p.add_argument("--quiet", action="store_true", help="no access log")
    p.add_argument(
        "--simulator",
        action="store_true",
        help="start the customs simulator and connect VN, TH, MY, SG, ID and CN-GACC to it",
    )
    p.add_argument("--simulator-port", type=int, default=None, help="default: --port + 1")
    limits = p.add_argument_group("slow clients (per worker process)")
    limits.add_argument(
        "--header-timeout", type=float, default=10.0, help="seconds to send the headers (10)"
    )
    limits.add_argument(
        "--body-timeout",
        type=float,
        default=10.0,
        help="seconds to send a body, plus 1 s per 64 KiB announced (10)",
    )
    limits.add_argument(
        "--keep-alive", type=int, default=5, help="seconds an idle connection is kept (5)"
    )
    limits.add_argument(
        "--max-idle-connections", type=int, default=64, help="idle keep-alive connections (64)"
    )
    limits.add_argument(
        "--max-connections",
        type=int,
        default=1000,
        help="connections; above it the oldest idle or slowest one is closed (1000)",
    )
    p.set_defaults(func=_run)
