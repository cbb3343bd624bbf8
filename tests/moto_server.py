"""moto's server (DynamoDB, KMS, SQS, ...) on a loopback port, for the AWS parity run.

    python tests/moto_server.py [PORT]      # prints "port N" once it listens (0: any free port)

The same WSGI app and request handler as moto's own `moto_server`, with one difference: requests
are served one at a time. moto does not serialise TransactWriteItems (it checks and applies the
items of a transaction without a lock, and on a failed condition rolls back by restoring a
snapshot of the whole table, which would erase a concurrent request's writes); DynamoDB does
serialise them. Taking one request at a time makes each moto call atomic, as each DynamoDB
transaction is. What this cannot show — DynamoDB cancelling a transaction that meets another one
in flight (`TransactionConflict`) — is tested deterministically in test_dynamodb_limits.py.
"""

from __future__ import annotations

import sys
import threading

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


def main(argv: list[str]) -> None:
    port = int(argv[0]) if argv else 0
    app = serialised(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
    print(f"port {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
