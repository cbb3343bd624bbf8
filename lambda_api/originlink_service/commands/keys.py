"""`originlink keys create|list|revoke`: exporter API keys (shown once, stored hashed)."""

from __future__ import annotations

import json
import sys

from .serve import load_service


def _create(args) -> int:
    from ..auth import create_api_key

    ctx = load_service(args.data_dir, command="keys")
    exporter, key, plain = create_api_key(ctx.store, args.exporter, sandbox=args.sandbox)
    out = {
        "exporter": exporter.name,
        "exporter_id": exporter.id,
        "key_id": key.key_id,
        "sandbox": key.sandbox,
        "api_key": plain,
    }
    print(json.dumps(out, indent=2))
    print("Store this key now: it is not kept and cannot be shown again.", file=sys.stderr)
    return 0


def _list(args) -> int:
    ctx = load_service(args.data_dir, command="keys")
    store = ctx.store
    names = {e.id: e.name for e in store.list_exporters()}
    exporter_id = None
    if args.exporter:
        exporter = store.get_exporter_by_name(args.exporter)
        if exporter is None:
            print(f"originlink: no exporter named {args.exporter!r}", file=sys.stderr)
            return 2
        exporter_id = exporter.id
    rows = [
        {
            "key_id": k.key_id,
            "exporter": names.get(k.exporter_id, k.exporter_id),
            "ends_with": k.hint,
            "sandbox": k.sandbox,
            "created_at": k.created_at,
            "revoked_at": k.revoked_at,
        }
        for k in store.list_api_keys(exporter_id)
    ]
    print(json.dumps(rows, indent=2))
    return 0


def _revoke(args) -> int:
    from ..lifecycle import now_iso

    ctx = load_service(args.data_dir, command="keys")
    if not ctx.store.revoke_api_key(args.key_id, now_iso()):
        print(f"originlink: no API key {args.key_id!r}", file=sys.stderr)
        return 2
    print(json.dumps({"key_id": args.key_id, "revoked": True}))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("keys", help="exporter API keys: create, list, revoke")
    sub = p.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    create = sub.add_parser("create", help="new API key for an exporter (created if new)")
    create.add_argument("--exporter", required=True, help="exporter name")
    create.add_argument(
        "--sandbox",
        action="store_true",
        help="a sandbox key: its certificates are signed with the sandbox key set and marked "
        "SANDBOX — NOT A CERTIFICATE OF ORIGIN everywhere (Odoo's Sandbox setting)",
    )
    create.set_defaults(func=_create)
    listing = sub.add_parser("list", help="API keys (never the keys themselves)")
    listing.add_argument("--exporter", help="only this exporter's keys")
    listing.set_defaults(func=_list)
    revoke = sub.add_parser("revoke", help="revoke an API key by its key_id")
    revoke.add_argument("key_id")
    revoke.set_defaults(func=_revoke)
    for action in (create, listing, revoke):
        action.add_argument("--data-dir", default=None, help="data directory (default: var)")
