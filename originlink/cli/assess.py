"""`originlink assess FILE.json`: is this good originating under RCEP, and why.

Prints the assessment JSON (docs/rules.md): indented on a terminal or with `--pretty`, on one
line otherwise (a pipe, a file: what programs read, and much faster for big BOMs) or with
`--compact`. Exit 0 for a completed assessment whatever the verdict; 2 for unreadable or
invalid input, with a structured error naming the field.
"""

from __future__ import annotations

import gc
import json
import sys
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from originlink.rules.assess import assess, validate_input
from originlink.rules.models import Assessment, AssessmentInput, AssessmentInputError
from originlink.rules.psr import PsrTable


def register(subparsers) -> None:
    p = subparsers.add_parser("assess", help="assess the RCEP origin of a good from its BOM (JSON)")
    p.add_argument("file", nargs="?", help="assessment input JSON file, or - for standard input")
    p.add_argument("--psr-dir", help="directory of imported PSR rows and company overrides")
    layout = p.add_mutually_exclusive_group()
    layout.add_argument(
        "--pretty", action="store_true", help="indent the JSON (the default on a terminal)"
    )
    layout.add_argument(
        "--compact", action="store_true", help="JSON on one line (the default off a terminal)"
    )
    p.add_argument(
        "--schema", choices=("input", "output"), help="print the JSON Schema of the contract"
    )
    p.set_defaults(func=run)


def _error(code: str, message: str, problems: list[dict] | None = None) -> int:
    body = {"error": code, "message": message, "problems": problems or []}
    print(json.dumps(body, indent=2, ensure_ascii=False))
    print(f"originlink assess: {message}", file=sys.stderr)
    return 2


@contextmanager
def _no_cyclic_gc():
    """A 10,000-line BOM makes some 200,000 objects, none in a reference cycle: Python's cyclic
    collector would walk them over and over (about a fifth of the command's time) for nothing.
    Paused for the command only, so callers that run it in a long-lived process keep theirs."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run(args) -> int:
    with _no_cyclic_gc():
        return _run(args)


def _run(args) -> int:
    if args.schema:
        model = AssessmentInput if args.schema == "input" else Assessment
        print(json.dumps(model.model_json_schema(by_alias=True), indent=2))
        return 0
    if not args.file:
        return _error("usage", "give an input file (or - for standard input), or --schema")
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return _error("unreadable_input", f"cannot read {args.file}: {exc}")
    try:
        # Numbers become Decimal, never float: amounts stay exact.
        data = json.loads(text, parse_float=Decimal)
        del text  # each stage frees what the next no longer needs: the memory is reused
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        return _error("bad_json", f"{args.file} is not JSON ({exc.msg} at {where})")
    except RecursionError:
        return _error("bad_json", f"{args.file}: JSON nested too deeply to read")
    if not isinstance(data, dict):
        return _error("bad_json", f"{args.file}: the top level must be a JSON object")
    try:
        table = PsrTable.load(args.psr_dir)
    except (ValueError, OSError) as exc:
        return _error("psr_store_damaged", str(exc))
    try:
        validated = validate_input(data)
        del data
        result = assess(validated, table=table)
    except AssessmentInputError as exc:
        problems = [p.model_dump() for p in exc.problems]
        return _error("invalid_assessment_input", str(exc), problems)
    pretty = args.pretty or (not args.compact and sys.stdout.isatty())
    sys.stdout.write(result.to_json(indent=2 if pretty else None) + "\n")
    return 0
