"""`originlink serve`: run the certificate service on this machine (what `make run` calls).

Embedded defaults: SQLite and a local signing key under --data-dir, gunicorn on loopback,
an outbox worker. A demo exporter is created on first run; its API key is kept in
DATA_DIR/demo-api-key (mode 0600) and printed at every start — a development convenience:
real keys are shown once by `originlink keys create` and never stored in clear.
"""

from __future__ import annotations

import errno
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


def _run(args) -> int:
    problem = port_in_use_problem(args.host, args.port)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    os.umask(0o077)  # data, keys and database readable by this user only
    ctx = load_service(args.data_dir)
    if not os.environ.get("ORIGINLINK_PUBLIC_URL"):
        ctx.settings.public_url = local_origin(args.host, args.port)
    if ctx.settings.storage == "sqlite":
        ctx.settings.data_dir.mkdir(parents=True, exist_ok=True)
    ctx.keyring.active_signer()  # create the signing key before any worker starts
    api_key = ensure_demo_key(ctx)
    if hasattr(ctx.store, "close"):
        ctx.store.close()  # workers open their own connections after the fork
    settings = ctx.settings
    text = banner(settings.origin, api_key, settings.data_dir, settings.environment)
    from ..server import OriginLinkServer

    def on_ready() -> None:
        print(text, flush=True)

    OriginLinkServer(
        ctx.settings,
        host=args.host,
        port=args.port,
        workers=args.workers,
        threads=args.threads,
        on_ready=on_ready,
        access_log=not args.quiet,
    ).run()
    return 0


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
    p.set_defaults(func=_run)
