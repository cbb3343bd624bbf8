"""`originlink schema`: print the certificate's JSON Schema (draft 2020-12)."""

from __future__ import annotations

import json
import sys

from originlink.model import Certificate

SCHEMA_ID = "https://originlink.example/schemas/certificate-1.json"


def certificate_json_schema(mode: str = "validation") -> dict:
    schema = Certificate.model_json_schema(mode=mode)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }


def _run(args) -> int:
    sys.stdout.write(json.dumps(certificate_json_schema(args.mode), indent=2, sort_keys=True))
    sys.stdout.write("\n")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("schema", help="print the certificate JSON Schema")
    p.add_argument(
        "--mode",
        choices=["validation", "serialization"],
        default="validation",
        help="schema of what is accepted (default) or of what is written",
    )
    p.set_defaults(func=_run)
