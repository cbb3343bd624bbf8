"""Nothing acknowledged is lost when the server is killed (issue 17.5: "nothing lost on
crash"). `kill -9` of every process of `originlink serve` while eight clients are issuing
certificates, twice; after each restart every certificate whose 201 a client received is
there, byte for byte, with its events' hash chain intact and its signature verifying, and a
retry of the same request replays the stored answer. A kill of the arbiter alone leaves no
orphaned worker serving (the port is free again)."""

from __future__ import annotations

import copy
import json
import os
import signal
import socket
import subprocess
import threading
import time

import pytest
import requests

from originlink.signing import verify_jws

from .conftest import RunningServer, auth

pytestmark = pytest.mark.http


class Issuers:
    """Eight clients issuing certificates until stopped; keeps what was acknowledged."""

    def __init__(self, server: RunningServer, certificate: dict, prefix: str):
        self.server, self.certificate, self.prefix = server, certificate, prefix
        self.acknowledged: dict[str, dict] = {}  # idempotency key -> 201 body
        self.sent: dict[str, dict] = {}
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(8)]

    def _run(self, worker: int) -> None:
        session = requests.Session()
        n = 0
        while not self.stop.is_set():
            n += 1
            key = f"{self.prefix}-{worker}-{n}"
            cert = copy.deepcopy(self.certificate)
            cert["number"] = key
            with self.lock:
                self.sent[key] = cert
            try:
                answer = session.post(
                    self.server.base + "/v1/certificates",
                    headers=auth(self.server.demo_key, key),
                    data=json.dumps(cert),
                    timeout=10,
                )
            except requests.RequestException:
                return  # the server is gone
            if answer.status_code == 201:
                with self.lock:
                    self.acknowledged[key] = answer.json()

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 120
        while len(self.acknowledged) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.acknowledged) >= count, "the server did not acknowledge enough"


def _kill_everything(server: RunningServer) -> None:
    os.killpg(server.proc.pid, signal.SIGKILL)
    server.proc.wait(timeout=30)
    server.proc = None


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _wait_port_free(port: int) -> None:
    deadline = time.monotonic() + 30
    while not _port_free(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _port_free(port), "something still answers on the port"


def _check(server: RunningServer, acknowledged: dict[str, dict], sent: dict[str, dict]) -> None:
    key = server.demo_key
    jwks = requests.get(server.base + "/.well-known/jwks.json", timeout=10).json()
    for idem, created in acknowledged.items():
        got = requests.get(server.base + created["links"]["self"], headers=auth(key), timeout=10)
        assert got.status_code == 200, idem
        assert got.json()["digest"] == created["digest"]
        assert got.json()["certificate"] == created["certificate"]
        assert verify_jws(created["signature"]["jws"], jwks)
        events = requests.get(
            server.base + created["links"]["events"], headers=auth(key), timeout=10
        ).json()
        assert events["chain_intact"] is True
        replay = requests.post(
            server.base + "/v1/certificates",
            headers=auth(key, idem),
            data=json.dumps(sent[idem]),
            timeout=10,
        )
        assert replay.status_code == 201 and replay.json() == created
        assert replay.headers.get("Idempotent-Replayed") == "true"


def test_kill_9_loses_nothing_acknowledged(tmp_path, certificate, monkeypatch):
    data = tmp_path / "data"
    acknowledged: dict[str, dict] = {}
    sent: dict[str, dict] = {}
    original_popen = subprocess.Popen

    def in_own_group(*args, **kwargs):  # so that killpg reaches the workers too
        return original_popen(*args, **{**kwargs, "start_new_session": True})

    monkeypatch.setattr(subprocess, "Popen", in_own_group)
    for round_ in range(2):
        server = RunningServer(data, workers=2, threads=4).start()
        port = server.port
        try:
            with Issuers(server, certificate, f"KILL{round_}") as issuers:
                issuers.wait_for(30)
                _kill_everything(server)
            acknowledged.update(issuers.acknowledged)
            sent.update(issuers.sent)
        finally:
            server.stop()
        _wait_port_free(port)
        restarted = RunningServer(data, workers=2, threads=4).start()
        try:
            _check(restarted, acknowledged, sent)
        finally:
            restarted.stop()
    assert len(acknowledged) >= 60


def test_killing_the_arbiter_leaves_no_worker_serving(tmp_path, monkeypatch):
    original_popen = subprocess.Popen
    monkeypatch.setattr(
        subprocess,
        "Popen",
        lambda *a, **k: original_popen(*a, **{**k, "start_new_session": True}),
    )
    server = RunningServer(tmp_path / "data", workers=2, threads=2).start()
    try:
        server.proc.send_signal(signal.SIGKILL)  # the arbiter only
        server.proc.wait(timeout=30)
        _wait_port_free(server.port)  # its workers noticed and left
    finally:
        try:
            os.killpg(server.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        server.proc = None
