"""`originlink` command line: one module per command group, each with `register(subparsers)`.

Exit codes: 0 done, 1 the command ran and found a problem (e.g. invalid document),
2 unreadable input or bad usage.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Each name is a module in this package exposing `register(subparsers)`; the registered
# sub-command sets `func(args) -> int` as its handler.
COMMAND_MODULES: list[str] = [
    "schema",
    "document",
    "assess",
    "classify",
    "psr",
    "serve",
    "keys",
    "outbox",
    "signing_keys",
    "verify",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="originlink", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"originlink.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
