"""moto's server (DynamoDB, KMS, SQS, ...) on a loopback port, for the AWS parity run.

    python tests/moto_server.py [PORT]      # prints "port N" once it listens (0: any free port)

The same WSGI app and request handler as moto's own `moto_server`, with one difference: requests
are served one at a time. moto does not serialise TransactWriteItems (it checks and applies the
items of a transaction without a lock, and on a failed condition rolls back by restoring a
snapshot of the whole table, which would erase a concurrent request's writes); DynamoDB does
serialise them. Taking one request at a time makes each moto call atomic, as each DynamoDB
transaction is. What this cannot show — DynamoDB cancelling a transaction that meets another one
in flight (`TransactionConflict`) — is tested deterministically in test_dynamodb_limits.py.

One cost is cut: before each transaction moto deep-copies every table it touches, to roll back
on a failed condition, so a transaction costs as much as the whole table. A Put or Delete
replaces an item rather than changing it, so a copy of the table's item maps is the same
snapshot; a transaction with an Update (which changes items in place) keeps the deep copy.
"""

from __future__ import annotations

import copy
import sys
import threading
from collections import defaultdict

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server


def serialised(app):
    lock = threading.Lock()

    def one_at_a_time(environ, start_response):
        with lock:
            return list(app(environ, start_response))  # the whole body, inside the lock

    return one_at_a_time


def cheap_table_snapshots() -> None:
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    state = {"updates": True}

    class Snapshots:
        @staticmethod
        def deepcopy(obj, memo=None):
            if isinstance(obj, Table) and not state["updates"]:
                clone = copy.copy(obj)
                clone.items = defaultdict(
                    dict, {k: dict(v) if isinstance(v, dict) else v for k, v in obj.items.items()}
                )
                return clone
            return copy.deepcopy(obj, memo)

        def __getattr__(self, name):
            return getattr(copy, name)

    real = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        state["updates"] = any("Update" in item for item in transact_items)
        try:
            return real(self, transact_items)
        finally:
            state["updates"] = True

    models.copy = Snapshots()
    models.DynamoDBBackend.transact_write_items = transact_write_items


def main(argv: list[str]) -> None:
    port = int(argv[0]) if argv else 0
    cheap_table_snapshots()
    app = serialised(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
    print(f"port {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
