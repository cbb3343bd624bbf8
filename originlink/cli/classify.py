"""`originlink classify FILE [--today YYYY-MM-DD]`: the review lane of a certificate.

The document (JSON or UBL XML) is validated first, with the date rules checked against `--today`
(default: today's UTC date); a valid one is classified and its classification printed as JSON
{lane, warnings[], reasons[]} (docs/classification.md). Exit 0 when classified, whatever the
lane; 1 if the document is invalid (problems printed as JSON lines on standard error, as
`originlink validate` does); 2 if it cannot be read or the arguments are wrong.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime

from originlink.classify import classify_certificate
from originlink.model import validate_certificate

from .document import _exit_code, _print_problems, _read


def _usage(message: str) -> int:
    sys.stderr.write(json.dumps({"error": "usage", "message": message}) + "\n")
    return 2


def _classify(args) -> int:
    try:
        today = date.fromisoformat(args.today) if args.today else datetime.now(UTC).date()
    except ValueError:
        return _usage(f"--today: {args.today!r} is not a date in the form YYYY-MM-DD")
    try:
        from originlink.rules.psr import PsrTable

        table = PsrTable.load(args.psr_dir)
    except (ValueError, OSError) as exc:  # a damaged or unreadable PSR directory
        return _usage(str(exc))
    cert, problems = _read(args.file)
    if cert is None:
        _print_problems(problems)
        return _exit_code(problems)
    problems = validate_certificate(cert, today=today)
    if problems:
        _print_problems(problems)
        return 1
    result = classify_certificate(cert, today=today, table=table)
    sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "classify", help="validate a certificate, then print its review lane and warnings"
    )
    p.add_argument("file", help="path, or - for standard input (JSON or UBL XML)")
    p.add_argument("--today", help="date the date rules are checked against (default: UTC today)")
    p.add_argument("--psr-dir", help="PSR directory (imported schedule, overrides)")
    p.set_defaults(func=_classify)
