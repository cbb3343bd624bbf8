"""The hardened protocol (connection_guard.py) writes each answer — head and body — to the
socket in one write at the event loop's next turn, where uvicorn writes them in two at once;
and what it holds is never lost: an answer that closes its connection, a 100 Continue, a
refusal all still reach the client.
A real uvicorn protocol on a real socket; the transport is watched, not replaced."""

from __future__ import annotations

import asyncio

import uvicorn
from uvicorn.server import ServerState

from originlink_service.connection_guard import ConnectionLimits, GuardedHttpToolsProtocol


async def _app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    answer = b'{"ok":true,"got":%d}' % len(body)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(answer))]
    if scope["path"] == "/close":
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer})


async def _serve(writes: list[bytes], limits: ConnectionLimits | None = None):
    protocol = GuardedHttpToolsProtocol.with_limits(limits or ConnectionLimits())

    class Watched:  # the real transport, each write it is given recorded
        def __init__(self, transport):
            self.transport = transport

        def write(self, data):
            writes.append(bytes(data))
            self.transport.write(data)

        def __getattr__(self, name):
            return getattr(self.transport, name)

    class WatchedProtocol(protocol):
        def connection_made(self, transport):
            super().connection_made(Watched(transport))

    config = uvicorn.Config(_app, lifespan="off", log_level="warning")
    config.load()
    state = ServerState()
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: WatchedProtocol(config, state, {}, loop), "127.0.0.1", 0
    )


async def _exchange(port: int, request: bytes, answers: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    received = b""
    while received.count(b"HTTP/1.1 ") < answers or not received.endswith(b"}"):
        chunk = await asyncio.wait_for(reader.read(65536), 10)
        if not chunk:
            break
        received += chunk
    writer.close()
    return received


def test_each_answer_is_one_write_and_a_closing_one_is_not_lost():
    async def run():
        writes: list[bytes] = []
        server = await _serve(writes)
        port = server.sockets[0].getsockname()[1]
        get = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
        received = await _exchange(port, get + get, 2)  # two kept-alive answers
        closing = await _exchange(port, b"GET /close HTTP/1.1\r\nHost: x\r\n\r\n", 1)
        server.close()
        await server.wait_closed()
        return writes, received, closing

    writes, received, closing = asyncio.run(run())
    assert received.count(b"HTTP/1.1 200 OK") == 2 and received.count(b'{"ok":true') == 2
    assert closing.startswith(b"HTTP/1.1 200 OK") and closing.endswith(b'{"ok":true,"got":0}')
    # One write per answer, each with its head and its body.
    assert len(writes) == 3
    assert all(w.startswith(b"HTTP/1.1 200 OK") and w.endswith(b"}") for w in writes)


def test_a_continue_and_a_refusal_still_reach_the_client():
    async def run():
        writes: list[bytes] = []
        server = await _serve(writes, ConnectionLimits(max_header_bytes=1024))
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
        )
        # The 100 Continue comes before the body is sent (held only until the loop's next turn).
        interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        writer.write(b"hello")
        final = b""
        while not final.endswith(b"}"):
            final += await asyncio.wait_for(reader.read(65536), 10)
        writer.close()
        # Headers still coming and already over the limit: refused, and the connection closed.
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /a HTTP/1.1\r\nHost: x\r\nX-Big: " + b"y" * 2048)
        refused = await asyncio.wait_for(reader.read(), 10)  # to the end: it closes
        writer.close()
        server.close()
        await server.wait_closed()
        return interim, final, refused

    interim, final, refused = asyncio.run(run())
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert final.startswith(b"HTTP/1.1 200 OK") and final.endswith(b'{"ok":true,"got":5}')
    assert refused.startswith(b"HTTP/1.1 431 ") and b"header_too_large" in refused
