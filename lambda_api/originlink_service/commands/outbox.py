"""`originlink outbox list|drain`: certificates waiting to be forwarded to customs."""

from __future__ import annotations

import json

from .serve import load_service


def _list(args) -> int:
    ctx = load_service(args.data_dir, command="outbox")
    entries = ctx.store.list_outbox(status=args.status, limit=args.limit)
    print(json.dumps([vars(e) for e in entries], indent=2))
    return 0


def _drain(args) -> int:
    from ..outbox import drain_once

    ctx = load_service(args.data_dir, command="outbox")

    print(json.dumps({"forwarded": drain_once(ctx)}))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("outbox", help="the forwarding outbox: list, drain once")
    sub = p.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="outbox entries, oldest first")
    listing.add_argument("--status", choices=["pending", "done", "dead"])
    listing.add_argument("--limit", type=int, default=100)
    listing.set_defaults(func=_list)
    drain = sub.add_parser("drain", help="process due entries once")
    drain.set_defaults(func=_drain)
    for action in (listing, drain):
        action.add_argument("--data-dir", default=None, help="data directory (default: var)")
