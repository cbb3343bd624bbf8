"""The one way a change is committed: with the webhook deliveries it owes (in the same
transaction), then the outbox worker woken for what it queued."""

from __future__ import annotations

from .storage import WriteBatch


def commit(ctx, batch: WriteBatch) -> None:
    from .customs.webhooks import add_deliveries
    from .outbox import doorbell

    add_deliveries(ctx, batch)
    ctx.store.commit(batch)
    if batch.outbox:
        doorbell(ctx, [entry.id for entry in batch.outbox])
