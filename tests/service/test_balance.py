"""Keep-alive connections spread evenly over the worker processes (balance.py): the rule, the
answer that sheds a connection, and a real two-worker `originlink serve` whose eight kept-alive
clients end up four and four, every request answered."""

from __future__ import annotations

import asyncio
import http.client
import os
from pathlib import Path

import pytest

from originlink_service.balance import ConnectionBalance

from .conftest import RunningServer


def test_a_worker_two_above_the_least_loaded_sheds_one_connection_at_a_time():
    balance = ConnectionBalance(3)
    assert balance.free_slot([]) == 0
    assert balance.free_slot([0, None, 2]) == 1
    assert balance.free_slot([0, 1, 2]) is None  # more workers than slots: not balanced
    balance.join(0)
    balance.counts[1], balance.counts[2] = 3, 2
    balance.holding(3)
    assert not balance.should_shed()  # 3 against 2: one above is fair
    balance.holding(4)
    assert balance.should_shed()  # 4 against 2
    balance.holding(5)  # a connection opened meanwhile
    assert not balance.should_shed()  # one shed at a time: the first is still open
    balance.holding(4)  # it closed
    assert balance.should_shed()
    balance.holding(3)
    assert not balance.should_shed()


def test_a_close_sent_to_a_connection_already_gone_does_not_stop_the_shedding():
    # The answer that was to close a connection went to one the client had already closed
    # (its count had dropped before): no connection closes after it. Measured before the
    # bound: eight clients stayed 6/2 for a whole run.
    now = [100.0]
    balance = ConnectionBalance(2, clock=lambda: now[0])
    balance.join(0)
    balance.counts[1] = 1
    balance.holding(3)
    assert balance.should_shed()  # 3 against 1; this answer's connection is already gone
    balance.holding(6)  # the next run's clients connect; none closes
    assert not balance.should_shed()  # waiting for the close
    now[0] += 0.5
    assert not balance.should_shed()
    now[0] += 0.6  # past SHED_WAIT: the close is not coming
    assert balance.should_shed()
    balance.holding(5)  # this one did close
    balance.counts[1] = 2
    assert balance.should_shed()  # 5 against 2: the next one, at once


def test_a_single_worker_or_no_slot_never_sheds():
    alone = ConnectionBalance(1)
    alone.join(0)
    alone.holding(500)
    assert not alone.should_shed()
    outside = ConnectionBalance(2)
    outside.join(None)
    outside.counts[1] = 0
    outside.holding(50)
    assert not outside.should_shed()


def test_the_answer_of_an_overloaded_worker_closes_its_connection(monkeypatch):
    from chalice import Chalice

    from originlink_service.asgi import ChaliceASGI

    app = Chalice(app_name="balance")
    app.route("/ping")(lambda: {"ok": True})
    balance = ConnectionBalance(2)
    balance.join(0)
    adapter = ChaliceASGI(app, inline_reads=True, balance=balance)

    async def answer() -> dict[bytes, bytes]:
        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http",
            "method": "GET",
            "path": "/ping",
            "raw_path": b"/ping",
            "query_string": b"",
            "headers": [(b"host", b"localhost")],
            "client": ("127.0.0.1", 1),
        }
        await adapter(scope, receive, send)
        assert sent[0]["status"] == 200
        return dict(sent[0]["headers"])

    balance.counts[1] = 1
    balance.holding(2)
    assert b"connection" not in asyncio.run(answer())
    balance.holding(4)
    assert asyncio.run(answer())[b"connection"] == b"close"
    assert b"connection" not in asyncio.run(answer())  # that one is still closing


# --- a real server ------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def _established_per_process(port: int, pids: list[int]) -> dict[int, int]:
    """How many established connections to `port` each process holds (from /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
                inodes.add(fields[9])
    counts = {}
    for pid in pids:
        held = 0
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                held += 1
        counts[pid] = held
    return counts


@pytest.mark.http
def test_eight_kept_alive_clients_end_up_four_and_four(tmp_path):
    server = RunningServer(tmp_path / "data", workers=2, threads=2).start()
    try:
        clients = [http.client.HTTPConnection("127.0.0.1", server.port) for _ in range(8)]
        shed = 0
        for _ in range(200):  # rounds, until one in which no answer closed its connection
            closed_this_round = 0
            for client in clients:
                client.request("GET", "/healthz")  # reconnects if the last answer closed
                response = client.getresponse()
                response.read()
                assert response.status == 200
                if response.getheader("Connection", "").lower() == "close":
                    closed_this_round += 1
                    client.close()
            shed += closed_this_round
            if not closed_this_round:
                break
        else:
            pytest.fail("the connections never settled")
        workers = _children(server.proc.pid)
        assert len(workers) == 2
        counts = _established_per_process(server.port, workers)
        assert sum(counts.values()) == 8, counts
        assert max(counts.values()) - min(counts.values()) <= 1, (counts, shed)
        for client in clients:
            client.close()
    finally:
        server.stop()
