"""`originlink redate FILE`: the same document with every date moved by the same number of days,
so that its latest date is today (or `--to DATE`) and none is in the future.

The examples carry fixed dates, and a certificate is checked against the day it is submitted
(Art 3.16: one year's validity; nothing dated in the future), so they are redated before use:

    originlink redate examples/certificate.json > /tmp/certificate.json

Only values that are exactly an ISO date (YYYY-MM-DD) change; the intervals between them (issue
date, departure, invoice dates) stay as they were. Exit 2 for an unreadable file.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date, timedelta
from pathlib import Path

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _dates(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _dates(v)
    elif isinstance(value, list):
        for v in value:
            yield from _dates(v)
    elif isinstance(value, str) and _ISO_DATE.match(value):
        try:
            yield date.fromisoformat(value)
        except ValueError:
            return


def shift(value, days: int):
    """`value` with every ISO date string moved by `days`."""
    if isinstance(value, dict):
        return {k: shift(v, days) for k, v in value.items()}
    if isinstance(value, list):
        return [shift(v, days) for v in value]
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return (date.fromisoformat(value) + timedelta(days=days)).isoformat()
        except ValueError:
            return value
    return value


def redate(document, to: date):
    """The document shifted so that its latest date is `to`."""
    latest = max(_dates(document), default=None)
    return document if latest is None else shift(document, (to - latest).days)


def _run(args) -> int:
    try:
        text = Path(args.file).read_text(encoding="utf-8")
        document = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        print(f"originlink redate: {args.file}: {exc}", file=sys.stderr)
        return 2
    try:
        to = date.fromisoformat(args.to) if args.to else date.today()
    except ValueError:
        print(f"originlink redate: --to: {args.to!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2
    json.dump(redate(document, to), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "redate", help="move a document's dates so that its latest date is today"
    )
    p.add_argument("file", help="a JSON document (e.g. examples/certificate.json)")
    p.add_argument("--to", help="the date the latest date becomes (default: today)")
    p.set_defaults(func=_run)
