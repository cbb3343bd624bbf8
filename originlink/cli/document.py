"""`originlink validate FILE` and `originlink convert FILE --to json|canonical|xml`.

Input is JSON or UBL 2.1 XML (detected from the first non-blank character), read as the service
reads it; `validate` checks the date rules against `--today`, by default today's UTC date as the
service does, so both give one verdict. Problems are printed as JSON lines {path, code, message,
article}. Exit 0 valid, 1 problems found, 2 unreadable.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from originlink.model import Certificate, CertificateInvalid, Problem, validate_certificate

MAX_FILE_BYTES = 4 * 1024 * 1024
# Problems meaning "could not be read as a document at all" (exit 2), not "read, but wrong" (1).
UNREADABLE = {
    "unreadable_file",
    "bad_json",
    "duplicate_key",  # ambiguous: parsers disagree on which value wins
    "too_large",
    "too_deep",
    "bad_xml",
    "xml_forbidden",
    "not_ubl_certificate",
    "unsupported_json",  # JSON, but not I-JSON: the service refuses it as unreadable too (400)
}


def _unreadable(p: Problem) -> bool:
    # bad_type at the top level: JSON, but not an object (an array, a string): not a document
    return p.code in UNREADABLE or (p.code == "bad_type" and p.path == "")


def _exit_code(problems: list[Problem]) -> int:
    return 2 if any(_unreadable(p) for p in problems) else 1


def _read(path: str) -> tuple[Certificate | None, list[Problem]]:
    try:
        raw = sys.stdin.buffer.read(MAX_FILE_BYTES + 1) if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        message = f"{path}: {exc.strerror}"
        return None, [Problem(path="", code="unreadable_file", message=message, article="Annex 3B")]
    try:
        if raw.lstrip()[:1] == b"<":
            from originlink.formats.ubl import from_ubl_xml

            return from_ubl_xml(raw), []
        from originlink.model import parse_certificate

        return parse_certificate(raw), []
    except CertificateInvalid as exc:
        return None, exc.problems


def _print_problems(problems: list[Problem]) -> None:
    for p in problems:
        sys.stderr.write(json.dumps(p.model_dump(), ensure_ascii=False) + "\n")


def _today(text: str | None) -> date | None:
    """The date the date rules are checked against: today's UTC date unless given, as the
    service does, so a file gets the same verdict from both. None: not a date."""
    if text is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _validate(args) -> int:
    today = _today(args.today)
    if today is None:
        message = f"--today: {args.today!r} is not a date in the form YYYY-MM-DD"
        sys.stderr.write(json.dumps({"error": "usage", "message": message}) + "\n")
        return 2
    cert, problems = _read(args.file)
    if cert is None:
        _print_problems(problems)
        return _exit_code(problems)
    problems = validate_certificate(cert, today=today)
    _print_problems(problems)
    if not problems:
        sys.stdout.write(f"valid: {cert.number}\n")
    return 1 if problems else 0


def _convert(args) -> int:
    cert, problems = _read(args.file)
    if cert is None:
        _print_problems(problems)
        return _exit_code(problems)
    if args.to == "xml":
        from originlink.formats.ubl import to_ubl_xml

        sys.stdout.buffer.write(to_ubl_xml(cert))
    elif args.to == "canonical":
        from originlink.formats.canonical import canonical_bytes

        sys.stdout.buffer.write(canonical_bytes(cert))
    else:
        sys.stdout.write(cert.model_dump_json(indent=2))
    sys.stdout.write("\n")
    return 0


def _digest(args) -> int:
    cert, problems = _read(args.file)
    if cert is None:
        _print_problems(problems)
        return _exit_code(problems)
    from originlink.formats.canonical import digest

    sys.stdout.write(digest(cert) + "\n")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("validate", help="check a certificate (JSON or UBL XML)")
    p.add_argument("file", help="path, or - for standard input")
    p.add_argument(
        "--today",
        help="the date expiry and future dates are checked against (default: UTC today, as the "
        "service does)",
    )
    p.set_defaults(func=_validate)

    p = subparsers.add_parser("convert", help="convert a certificate between JSON and UBL XML")
    p.add_argument("file", help="path, or - for standard input")
    p.add_argument("--to", choices=["json", "canonical", "xml"], default="json")
    p.set_defaults(func=_convert)

    p = subparsers.add_parser("digest", help="print the sha256 digest of the canonical JSON")
    p.add_argument("file", help="path, or - for standard input")
    p.set_defaults(func=_digest)
