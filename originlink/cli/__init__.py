"""`originlink` command line: one module per command group, each with `register(subparsers)`.

The core's own commands are listed below. Other distributions add theirs through the
`originlink.commands` entry-point group (as Flask's `flask.commands` does): the service adds
`serve`, `keys`, `outbox` and `signing-keys`, the customs simulator `simulator`. The core never
imports them; a command whose distribution is not installed answers in one line what to install.

Exit codes: 0 done, 1 the command ran and found a problem (e.g. invalid document),
2 unreadable input or bad usage, 141 the program reading the output closed it early (as in
`originlink psr coverage --format text | head`): stopped quietly, without a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import sys
from importlib.metadata import entry_points

# Each name is a module in this package exposing `register(subparsers)`; the registered
# sub-command sets `func(args) -> int` as its handler.
COMMAND_MODULES: list[str] = [
    "schema",
    "document",
    "assess",
    "classify",
    "psr",
    "verify",
    "redate",
]

ENTRY_POINT_GROUP = "originlink.commands"

# Commands other distributions provide: said plainly when that distribution is missing.
OPTIONAL_COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("originlink-service", "run the certificate service (HTTP)"),
    "keys": ("originlink-service", "exporter API keys: create, list, revoke"),
    "outbox": ("originlink-service", "the forwarding outbox"),
    "signing-keys": ("originlink-service", "service signing keys: list, rotate"),
    "simulator": ("originlink-simulator", "the customs simulator"),
}


def _not_installed(distribution: str, command: str):
    def run(args) -> int:
        print(
            f"originlink {command}: this command comes with the {distribution} distribution, "
            f"which is not installed (pip install {distribution})",
            file=sys.stderr,
        )
        return 2

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="originlink", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"originlink.cli.{name}").register(sub)
    added = set()
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        ep.load()(sub)
        added.add(ep.name)
    for command, (distribution, help_text) in OPTIONAL_COMMANDS.items():
        if command not in added:
            p = sub.add_parser(command, help=f"{help_text} [needs {distribution}]", add_help=False)
            p.add_argument("rest", nargs=argparse.REMAINDER)
            p.set_defaults(func=_not_installed(distribution, command))
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help(sys.stderr)
            return 2
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # here, not at exit, so a closed pipe is caught below
        return code
    except BrokenPipeError:
        return _reader_went_away()


EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what `cat`, `grep` ... exit with in the same place


def _reader_went_away() -> int:
    """The program reading our output stopped (`originlink psr show 9403 ... | head -3`): stop
    quietly, as Unix tools do, without a traceback. Standard output is pointed at /dev/null so
    that the interpreter's last flush at exit cannot fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # not a real file (tests capture it): nothing left to flush
    return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
