"""ASGI adapter: what `originlink serve` runs (server.py). The event loop reads every request
in full — headers by the server, the body here, each against a deadline — and only then hands
it to a thread of a bounded pool that runs the Chalice app (`gateway.py`). A slow or stalled
client therefore holds a socket and a few bytes of buffer, never a thread: health checks and
honest clients keep being answered while fifty connections trickle a byte every few seconds.

Bodies over the limit are refused with 413 and `Connection: close`; what the client still sends
is read and dropped for a bounded while first (a "lingering close", as nginx does), so a client
that writes its whole body before reading sees the 413 instead of a reset connection.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .balance import ConnectionBalance
from .gateway import Answer, Gateway, problem_answer, request_path
from .problems import ApiProblem


@dataclass(frozen=True)
class BodyLimits:
    max_bytes: int = 1024 * 1024
    timeout: float = 10.0  # seconds for a body, plus one second per `min_rate` bytes announced
    min_rate: int = 64 * 1024
    linger_bytes: int = 4 * 1024 * 1024  # read and dropped after a 413, at most

    def deadline(self, length: int | None) -> float:
        return time.monotonic() + self.timeout + (length or self.max_bytes) / self.min_rate


class _BodyTimeout(Exception):
    pass


class _Disconnected(Exception):
    pass


def _too_large(limit: int) -> ApiProblem:
    return ApiProblem(413, "body_too_large", f"the request body is larger than {limit} bytes")


class ChaliceASGI:
    """`inline_reads`: answer GET and HEAD on the event loop itself, the rest in the pool.
    Right when reads are local and short (SQLite: a cached verification is tens of
    microseconds): no hand-over between threads and no contention for the GIL among the
    pool's threads, which is what gave the reads their tail at 64 connections
    (docs/reliability.md#tail-latency). Wrong when a read waits on the network (DynamoDB):
    the loop would stall, so the server turns it on for SQLite only. The one read that can
    need the network there, an issuing body's published keys, is fetched by a thread of its
    own when asked for on the loop (customs/config.py, `Configured.jwks`)."""

    def __init__(
        self,
        app,
        *,
        limits: BodyLimits | None = None,
        threads: int = 8,
        inline_reads: bool = False,
        balance: ConnectionBalance | None = None,
    ):
        self.gateway = Gateway(app)
        self.limits = limits or BodyLimits()
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="originlink")
        self.inline_reads = inline_reads
        self.balance = balance

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.pool.shutdown(wait=True)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope, receive, send) -> None:
        method = scope["method"]
        shown = scope.get("path") or "/"
        try:
            path = request_path(scope.get("raw_path") or shown.encode("utf-8"))
        except ApiProblem as problem:
            await _send(send, problem_answer(problem, shown), method)
            return
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            key, text = name.decode("latin-1"), value.decode("latin-1")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        length = headers.get("content-length")
        if length is not None and not length.isdigit():
            bad = ApiProblem(400, "bad_request", "Content-Length: not a number of bytes")
            await _send(send, problem_answer(bad, path, Connection="close"), method)
            return
        length = int(length) if length is not None else None
        limit = self.limits.max_bytes
        if length is not None and length > limit:
            await self._refuse_too_large(scope, receive, send, path, length)
            return
        try:
            has_body = length is not None or "transfer-encoding" in headers
            body = await self._read_body(receive, length) if has_body else b""
        except _Disconnected:
            return
        except _BodyTimeout:
            late = ApiProblem(
                408,
                "request_timeout",
                f"the request body did not arrive in time (at least {self.limits.min_rate} "
                "bytes a second are expected)",
            )
            await _send(send, problem_answer(late, path, Connection="close"), method)
            return
        if body is None:  # chunked, and more than the limit
            await _send(send, problem_answer(_too_large(limit), path, Connection="close"), method)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        client = (scope.get("client") or (None,))[0]
        if self.inline_reads and method in ("GET", "HEAD"):
            answer = self.gateway.handle(method, path, query, headers, body, client)
        else:
            loop = asyncio.get_running_loop()
            answer = await loop.run_in_executor(
                self.pool, self.gateway.handle, method, path, query, headers, body, client
            )
        if self.balance is not None and self.balance.should_shed():  # balance.py
            answer = answer._replace(headers=[*answer.headers, ("Connection", "close")])
        await _send(send, answer, method)

    async def _read_body(self, receive, length: int | None) -> bytes | None:
        """The whole body, or None once it exceeds the limit (chunked requests)."""
        if length == 0:
            return b""
        deadline = self.limits.deadline(length)
        chunks, size = [], 0
        while True:
            message = await _receive_before(receive, deadline)
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limits.max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _refuse_too_large(self, scope, receive, send, path: str, length: int) -> None:
        """413 at once, then read and drop what the client keeps sending (bounded in bytes
        and time) before the connection closes, so that it can read the answer."""
        answer = problem_answer(_too_large(self.limits.max_bytes), path, Connection="close")
        await send({"type": "http.response.start", "status": 413, "headers": _raw(answer)})
        await send({"type": "http.response.body", "body": answer.body, "more_body": True})
        expects_continue = any(
            n == b"expect" and v.lower() == b"100-continue" for n, v in scope["headers"]
        )
        if not expects_continue:  # such a client sends nothing after a final answer
            deadline = self.limits.deadline(min(length, self.limits.linger_bytes))
            dropped = 0
            try:
                while dropped < self.limits.linger_bytes:
                    message = await _receive_before(receive, deadline)
                    dropped += len(message.get("body", b""))
                    if message["type"] == "http.disconnect" or not message.get("more_body"):
                        break
            except _BodyTimeout:
                pass
        await send({"type": "http.response.body", "body": b""})


async def _receive_before(receive, deadline: float):
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _BodyTimeout
    try:
        return await asyncio.wait_for(receive(), remaining)
    except TimeoutError:
        raise _BodyTimeout from None


def _raw(answer: Answer) -> list[tuple[bytes, bytes]]:
    return [
        (k.lower().encode("latin-1"), v.encode("latin-1", "replace")) for k, v in answer.headers
    ]


async def _send(send, answer: Answer, method: str) -> None:
    await send({"type": "http.response.start", "status": answer.status, "headers": _raw(answer)})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else answer.body})
