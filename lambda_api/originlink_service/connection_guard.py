"""Uvicorn's HTTP/1.1 protocol (httptools) with the limits a public server needs and uvicorn
leaves out: a deadline for the request headers, a cap on their size, a cap on idle keep-alive
connections and one on all connections of a worker process, shedding the oldest idle or
slowest connection first so that a new one — a health check, an honest client — gets in.

Uvicorn closes a keep-alive connection after `timeout_keep_alive`, but a connection that is
sending its headers has no deadline at all: one byte every few seconds holds it forever. Here
the headers must be complete within `header_timeout` of the connection (or of the first byte of
the next request on a kept-alive one), or the server answers 408 and closes. The body's
deadline is the ASGI adapter's (asgi.py), which reads it.

Uvicorn writes an answer's head and its body to the socket separately: two system calls, two
segments on the wire, and a client that wakes twice. Here what a connection is given to write
in one turn of the event loop goes out in one write, at the loop's next turn (or as the
connection closes): `_OneWrite`. Waiting for the next turn, rather than writing as each answer
completes, also lets the answers of one turn go out together, so the clients are not woken —
and the server preempted — between them: on two cores, at 64 connections, JSON verification
went from ~6,800 to 8,000–8,700 answers a second, the system time and the client's CPU time
halved (docs/reliability.md, "Tail latency").
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .balance import ConnectionBalance
from .problems import CONTENT_TYPE, PROBLEM_TYPE_BASE


@dataclass(frozen=True)
class ConnectionLimits:
    header_timeout: float = 10.0  # seconds for the request line and headers
    max_header_bytes: int = 64 * 1024
    max_idle: int = 64  # idle keep-alive connections kept per worker process
    max_connections: int = 1000  # per worker process


def _closing_problem(status: int, title: str, code: str, detail: str) -> bytes:
    body = json.dumps(
        {
            "type": PROBLEM_TYPE_BASE + code,
            "title": title,
            "status": status,
            "code": code,
            "detail": detail,
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status} {title}\r\ncontent-type: {CONTENT_TYPE}\r\n"
        f"content-length: {len(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class _OneWrite:
    """The connection's transport, with what is written kept until `flush`: at the event
    loop's next turn, or before closing."""

    __slots__ = ("transport", "loop", "pending", "scheduled")

    def __init__(self, transport, loop):
        self.transport = transport
        self.loop = loop
        self.pending: list[bytes] = []
        self.scheduled = False

    def write(self, data: bytes) -> None:
        self.pending.append(data)
        if not self.scheduled:
            self.scheduled = True
            self.loop.call_soon(self.flush)

    def flush(self) -> None:
        self.scheduled = False
        if self.pending:
            data = b"".join(self.pending)
            self.pending.clear()
            if not self.transport.is_closing():
                self.transport.write(data)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def __getattr__(self, name: str):  # is_closing, get_extra_info, pause_reading, ...
        return getattr(self.transport, name)


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    limits = ConnectionLimits()
    balance: ConnectionBalance | None = None  # the count of connections shared with the others
    # Per worker process (one server per process); insertion order = oldest first.
    _waiting: dict[GuardedHttpToolsProtocol, None] = {}
    _idle: dict[GuardedHttpToolsProtocol, None] = {}

    @classmethod
    def with_limits(
        cls, limits: ConnectionLimits, balance: ConnectionBalance | None = None
    ) -> type[GuardedHttpToolsProtocol]:
        return type(
            cls.__name__,
            (cls,),
            {"limits": limits, "balance": balance, "_waiting": {}, "_idle": {}},
        )

    # uvicorn's protocol interface ------------------------------------------------------
    def connection_made(self, transport) -> None:
        self._header_timer = None
        self._header_bytes = 0
        super().connection_made(_OneWrite(transport, self.loop))
        self._await_headers()
        if len(self.connections) > self.limits.max_connections:
            self._shed()
        if self.balance is not None:
            self.balance.holding(len(self.connections))

    def connection_lost(self, exc) -> None:
        self._headers_arrived()
        self._idle.pop(self, None)
        super().connection_lost(exc)
        if self.balance is not None:
            self.balance.holding(len(self.connections))

    def data_received(self, data: bytes) -> None:
        if self._header_timer is None and (self.cycle is None or self.cycle.response_complete):
            self._await_headers()  # the next request on a kept-alive connection begins
        waiting = self._header_timer
        super().data_received(data)
        if waiting is not None and self._header_timer is waiting:
            # Still the same request's headers: every byte of this chunk was part of them.
            self._header_bytes += len(data)
            if self._header_bytes > self.limits.max_header_bytes:
                self._refuse(
                    431,
                    "Request Header Fields Too Large",
                    "header_too_large",
                    f"the request line and headers exceed {self.limits.max_header_bytes} bytes",
                )

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._await_headers()  # pipelined requests: each has its own deadline

    def on_headers_complete(self) -> None:
        self._headers_arrived()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.timeout_keep_alive_task is not None:  # now idle, kept alive
            self._idle[self] = None
            if len(self._idle) > self.limits.max_idle:
                next(iter(self._idle))._close_quietly()

    # limits -----------------------------------------------------------------------------
    def _await_headers(self) -> None:
        self._idle.pop(self, None)
        if self._header_timer is None:
            self._header_bytes = 0
            self._header_timer = self.loop.call_later(
                self.limits.header_timeout, self._headers_too_slow
            )
            self._waiting[self] = None

    def _headers_arrived(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        self._waiting.pop(self, None)

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        self._refuse(
            408,
            "Request Timeout",
            "request_timeout",
            f"the request headers did not arrive within {self.limits.header_timeout:g} s",
        )

    def _refuse(self, status: int, title: str, code: str, detail: str) -> None:
        self._headers_arrived()
        if not self.transport.is_closing():
            self.transport.write(_closing_problem(status, title, code, detail))
            self.transport.close()

    def _close_quietly(self) -> None:
        self._headers_arrived()
        self._idle.pop(self, None)
        if not self.transport.is_closing():
            self.transport.close()

    def _shed(self) -> None:
        """Over the connection cap: close the oldest idle connection, else the one that has
        waited longest for its headers, else this new one (every other is being answered)."""
        for registry in (self._idle, self._waiting):
            for protocol in registry:
                if protocol is not self:
                    protocol._close_quietly()
                    return
        self._close_quietly()
