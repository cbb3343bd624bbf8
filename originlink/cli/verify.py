"""`originlink verify FILE --jwks JWKS.json`: check a downloaded certificate or credential
offline — no network; the JWKS is the file saved from `/.well-known/jwks.json`.

Exit 0: every check that can run offline passed; 1: a check failed; 2: unreadable input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="check a downloaded signed certificate or vc+jwt credential against a JWKS",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument(
        "file",
        help="signed certificate or origin statement (dc+sd-jwt text or the JSON document), "
        "saved /v1/verify answer, or credential (vc+jwt text or JSON)",
    )
    parser.add_argument("--jwks", required=True, help="JWKS file (/.well-known/jwks.json)")
    parser.add_argument(
        "--issuer-jwks",
        help="an issuing body's published keys (JWKS file): check its endorsement in a saved "
        "/v1/verify answer offline",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=handle)


def _read(path: str, what: str) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: {what} {path}: {exc}", file=sys.stderr)
        return None


def handle(args) -> int:
    from originlink.credentials import verify_file

    content = _read(args.file, "cannot read")
    jwks_text = _read(args.jwks, "cannot read JWKS")
    if content is None or jwks_text is None:
        return 2
    try:
        jwks = json.loads(jwks_text)
    except ValueError as exc:
        print(f"error: --jwks {args.jwks}: not JSON ({exc})", file=sys.stderr)
        return 2
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        print(f'error: --jwks {args.jwks}: expected {{"keys": [...]}}', file=sys.stderr)
        return 2
    issuer_jwks = None
    if args.issuer_jwks:
        issuer_text = _read(args.issuer_jwks, "cannot read issuer JWKS")
        try:
            issuer_jwks = json.loads(issuer_text) if issuer_text is not None else None
        except ValueError:
            issuer_jwks = None
        if not isinstance(issuer_jwks, dict) or not isinstance(issuer_jwks.get("keys"), list):
            print(
                f'error: --issuer-jwks {args.issuer_jwks}: expected {{"keys": [...]}}',
                file=sys.stderr,
            )
            return 2
    report = verify_file(content, jwks, issuer_jwks)
    if report.kind == "unknown":
        print(f"error: {args.file}: {report.checks[0]['message']}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        for check in report.checks:
            mark = {True: "ok  ", False: "FAIL", None: "n/a "}[check["ok"]]
            print(f"{mark} {check['check']:<10} {check['code']:<20} {check['message']}")
        if report.coverage:
            print(f"view: {report.view}; what the signature covers, per field group:")
            for group in report.coverage:
                state = "shown, signed" if group["covered"] else "withheld"
                print(f"     {group['group']:<22} {state}")
        if report.ignored:
            print(f"not signed, ignored: {', '.join(report.ignored)}")
        sandbox = any(c["code"] == "sandbox" for c in report.checks)
        if sandbox:
            statement = report.kind == "signed_statement"
            print(
                f"SANDBOX — NOT {'AN ORIGIN STATEMENT' if statement else 'A CERTIFICATE OF ORIGIN'}"
            )
        print("VERIFIED" if report.ok else "NOT VERIFIED")
    return 0 if report.ok else 1
