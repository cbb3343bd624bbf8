"""Slow and greedy clients against a real `originlink serve` on loopback (issue 17.1).

Every attack is bounded: a fixed number of connections on 127.0.0.1, each stopping at a fixed
end. Nothing asserts how long anything took; the assertions are about the answers received:
every health check answered, every slow connection answered 408 and closed by the server.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time

import pytest

from .conftest import RunningServer

pytestmark = pytest.mark.http

HEADER_TIMEOUT = 2.0
BODY_TIMEOUT = 2.0


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    running = RunningServer(
        tmp_path_factory.mktemp("slow") / "data",
        workers=2,
        threads=4,
        extra_args=(
            "--header-timeout",
            str(HEADER_TIMEOUT),
            "--body-timeout",
            str(BODY_TIMEOUT),
            "--max-idle-connections",
            "4",
        ),
    ).start()
    yield running
    running.stop()


async def _trickle(port: int, first: bytes, stop_at: float, interval: float) -> bytes | None:
    """Open a connection, send `first`, then one more byte every `interval` seconds until the
    server answers and closes (returns what it sent; b"" for a close without answer) or until
    `stop_at` (returns None: still open)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(first)
    read = asyncio.ensure_future(reader.read())
    try:
        while time.monotonic() < stop_at:
            done, _ = await asyncio.wait({read}, timeout=min(interval, stop_at - time.monotonic()))
            if done:
                try:
                    return read.result()
                except ConnectionError:
                    return b""
            try:
                writer.write(b"x")
                await writer.drain()
            except ConnectionError:
                pass
        return None
    finally:
        read.cancel()
        writer.close()


async def _health(port: int) -> int | None:
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port), timeout=5
        )
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answer = await asyncio.wait_for(reader.read(), timeout=5)
        writer.close()
        return int(answer.split(b" ", 2)[1])
    except (TimeoutError, ConnectionError, IndexError, ValueError):
        return None


SLOW_HEADER = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: "
SLOW_BODY = (
    b"POST /v1/precheck HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Authorization: Bearer olk_x\r\nContent-Length: 1000\r\n\r\n{"
)


async def _attack(port: int, duration: float, connections: int = 50):
    """`connections` slow-header and as many slow-body clients, each reconnecting when the
    server closes it, while a health check runs every 0.2 s. Returns (first wave's answers,
    every attack answer, health statuses)."""
    stop_at = time.monotonic() + duration

    async def attacker(first: bytes) -> list:
        answers = []
        while time.monotonic() < stop_at - 0.1:
            answers.append(await _trickle(port, first, stop_at, interval=1.0))
        return answers

    async def checker() -> list:
        statuses = []
        await asyncio.sleep(0.3)  # the attack is in place
        while time.monotonic() < stop_at - 0.5:
            statuses.append(await _health(port))
            await asyncio.sleep(0.2)
        return statuses

    tasks = [attacker(SLOW_HEADER) for _ in range(connections)]
    tasks += [attacker(SLOW_BODY) for _ in range(connections)]
    *attacks, health = await asyncio.gather(*tasks, checker())
    return [a[0] for a in attacks], [x for a in attacks for x in a], health


def test_health_answered_throughout_slow_header_and_body_attack(guarded):
    first_wave, answers, health = asyncio.run(_attack(guarded.port, 4 * HEADER_TIMEOUT))
    assert len(health) >= 10 and health == [200] * len(health)
    # The first hundred connections (opened at the start, four deadlines before the end) were
    # all closed by the server — headers and bodies alike — with a 408 problem+json (or a
    # reset, when the client's next byte crossed the server's close).
    assert len(first_wave) == 100 and None not in first_wave
    assert all(a == b"" or a.startswith(b"HTTP/1.1 408 ") for a in first_wave), first_wave
    headers_answer = next(a for a in first_wave[:50] if a)
    assert json.loads(headers_answer.split(b"\r\n\r\n", 1)[1])["code"] == "request_timeout"
    body_answer = next(a for a in first_wave[50:] if a)
    assert b"connection: close" in body_answer.lower()
    assert b"request_timeout" in body_answer
    # The attackers came back and were closed again.
    assert sum(1 for a in answers if a) > 100


def read_response(sock) -> bytes:
    """One whole response (headers and Content-Length body) from a kept-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.lower().split(b"\r\n")
                      if line.startswith(b"content-length:")))  # fmt: skip
    while len(body) < length:
        body += sock.recv(4096)
    return head + b"\r\n\r\n" + body


def test_idle_keep_alive_connections_are_capped(guarded):
    """Thirty kept-alive idle connections on a server that keeps four per process: the oldest
    are closed by the server, and a new client is still served."""
    socks = []
    for _ in range(30):
        sock = socket.create_connection(("127.0.0.1", guarded.port), timeout=5)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert read_response(sock).startswith(b"HTTP/1.1 200 ")
        socks.append(sock)
    closed = 0
    for sock in socks:
        sock.settimeout(0.5)
        try:
            closed += sock.recv(1) == b""  # EOF: the server closed it
        except TimeoutError:
            pass  # still open
        finally:
            sock.close()
    assert closed >= 30 - 2 * 4  # two processes keep at most four each
    assert asyncio.run(_health(guarded.port)) == 200


def test_oversized_body_is_refused_and_the_connection_closed(guarded):
    """A 413 says `Connection: close` and closes; what the client was still sending is read
    and dropped first, so the answer arrives intact."""
    sock = socket.create_connection(("127.0.0.1", guarded.port), timeout=10)
    size = 2 * 1024 * 1024
    sock.sendall(
        b"POST /v1/precheck HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {size}\r\n\r\n".encode()
    )
    sock.sendall(b"x" * size)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"connection: close" in head.lower()
    assert json.loads(body)["code"] == "body_too_large"


def test_oversized_headers_are_refused(guarded):
    sock = socket.create_connection(("127.0.0.1", guarded.port), timeout=10)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    try:
        for _ in range(100):
            sock.sendall(b"X-Pad: " + b"a" * 1000 + b"\r\n")
    except ConnectionError:
        pass  # closed while we were still sending
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionError:
        pass
    sock.close()
    assert data.startswith(b"HTTP/1.1 431 ") or data == b""
    assert asyncio.run(_health(guarded.port)) == 200


def test_connection_flood_sheds_the_oldest_silent_connections(tmp_path):
    """More silent connections than one process accepts: the oldest are closed to make room,
    and the health check that comes last is answered."""
    server = RunningServer(
        tmp_path / "data", workers=1, threads=2, extra_args=("--max-connections", "20")
    ).start()
    try:
        socks = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(60)]
        assert asyncio.run(_health(server.port)) == 200
        closed = 0
        for sock in socks[:30]:
            sock.settimeout(2)
            try:
                closed += sock.recv(1) == b""
            except (TimeoutError, ConnectionError):
                pass
        for sock in socks:
            sock.close()
        assert closed >= 20  # the oldest ones made room
    finally:
        server.stop()
