"""OriginLink service internals: routes (blueprints), auth, errors, storage, lifecycle, outbox."""
