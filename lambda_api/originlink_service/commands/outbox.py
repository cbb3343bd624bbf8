"""`originlink outbox list|drain|redrive`: what waits to be delivered to customs, issuing
bodies and exporters' webhooks, and the dead letters."""

from __future__ import annotations

import json
import sys

from .serve import load_service

KINDS = ["forward", "endorse", "cancel", "webhook"]


def _list(args) -> int:
    ctx = load_service(args.data_dir, command="outbox")
    entries = ctx.store.list_outbox(status=args.status, limit=args.limit)
    if args.kind:
        entries = [e for e in entries if e.kind == args.kind]
    print(json.dumps([vars(e) for e in entries], indent=2))
    return 0


def _drain(args) -> int:
    from ..outbox import drain_once

    ctx = load_service(args.data_dir, command="outbox")
    print(json.dumps({"delivered": drain_once(ctx)}))
    return 0


def _redrive(args) -> int:
    """Dead entries back to pending (all, or those named), for the worker to try again."""
    from ..outbox import redrive

    ctx = load_service(args.data_dir, command="outbox")
    if not args.ids and not args.all:
        print("originlink outbox redrive: name entry ids, or --all", file=sys.stderr)
        return 2
    requeued = redrive(ctx, args.ids or None)
    print(json.dumps({"redriven": requeued}, indent=2))
    missing = sorted(set(args.ids) - set(requeued))
    if missing:
        print(
            f"originlink outbox redrive: not dead (or unknown): {', '.join(missing)}",
            file=sys.stderr,
        )
        return 1
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("outbox", help="the outbox: list, drain once, redrive dead letters")
    sub = p.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="outbox entries, oldest first")
    listing.add_argument("--status", choices=["pending", "done", "dead"])
    listing.add_argument("--kind", choices=KINDS)
    listing.add_argument("--limit", type=int, default=100)
    listing.set_defaults(func=_list)
    drain = sub.add_parser("drain", help="deliver what is due, once")
    drain.set_defaults(func=_drain)
    redrive = sub.add_parser("redrive", help="put dead entries back (after fixing the cause)")
    redrive.add_argument("ids", nargs="*", help="entry ids (obx_…)")
    redrive.add_argument("--all", action="store_true", help="every dead entry")
    redrive.set_defaults(func=_redrive)
    for action in (listing, drain, redrive):
        action.add_argument("--data-dir", default=None, help="data directory (default: var)")
