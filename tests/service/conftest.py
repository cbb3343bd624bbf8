"""Fixtures for the service tests: the app through chalice.test.Client, both storage adapters
(SQLite on disk, DynamoDB under moto), and a real `originlink serve` on a loopback port.

`ctx` and every server run on the backend `pytest --backend` chose (tests/storage_backend.py):
the same tests answer for SQLite + a local key and for DynamoDB + KMS + SQS on a moto server."""

from __future__ import annotations

import copy
import json
import os
import re
import socket
import subprocess
import sys
import time
import zlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import boto3
import pytest
import requests
import storage_backend
from moto import mock_aws

from originlink_service import settings as settings_module
from originlink_service.auth import create_api_key
from originlink_service.storage import open_store
from originlink_service.storage.dynamodb import table_definition

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

# The examples carry fixed dates; the service checks them against today (Art 3.16: expired or
# future-dated proofs are refused), so the tests move every date by the same number of days to
# keep the example as many days old as it was on this day.
EXAMPLES_WRITTEN_ON = date(2026, 11, 25)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def shift_dates(value, days: int):
    if isinstance(value, dict):
        return {k: shift_dates(v, days) for k, v in value.items()}
    if isinstance(value, list):
        return [shift_dates(v, days) for v in value]
    if isinstance(value, str) and _ISO_DATE.match(value):
        return (date.fromisoformat(value) + timedelta(days=days)).isoformat()
    return value


def load_example(name: str = "certificate.json") -> dict:
    doc = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return shift_dates(doc, (datetime.now(UTC).date() - EXAMPLES_WRITTEN_ON).days)


def statement_doc(reference: str = "TABLE-OAK-01", **changes) -> dict:
    """A valid origin statement (originlink.statement.EXAMPLE) assessed three days ago and
    standing for 300 days."""
    from originlink.statement import EXAMPLE

    today = datetime.now(UTC).date()
    doc = copy.deepcopy(EXAMPLE)
    doc["product"]["reference"] = reference
    doc.update(
        assessed_on=str(today - timedelta(days=3)),
        valid_from=str(today - timedelta(days=3)),
        valid_until=str(today + timedelta(days=300)),
    )
    doc.update(changes)
    return doc


@pytest.fixture
def certificate() -> dict:
    """A valid Certificate of Origin (two goods items, one under RVC)."""
    return copy.deepcopy(load_example())


@pytest.fixture
def aws_env(monkeypatch):
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request, tmp_path):
    """The same contract suite runs against both adapters."""
    if request.param == "sqlite":
        yield open_store("sqlite", path=tmp_path / "store.sqlite3")
        return
    backend = storage_backend.current()
    if backend.name == "aws":  # the moto server, over HTTP
        yield settings_module.Context(backend.settings(tmp_path / "data")).store
        return
    request.getfixturevalue("aws_env")
    client = boto3.client("dynamodb", region_name="ap-southeast-1")
    client.create_table(**table_definition("originlink-test"))
    yield open_store("dynamodb", table="originlink-test", client=client)


@pytest.fixture
def ctx(tmp_path):
    """A fresh service on the selected backend (SQLite and a local key in tmp_path, or a new
    table, KMS key and queue on the moto server) with empty result caches. The verification
    tests use these `ctx`, `app` and `client` fixtures too."""
    from originlink_service.verification import verifier

    verifier.clear_caches()
    settings = storage_backend.current().settings(tmp_path / "data")
    ctx = settings_module.configure(settings)
    yield ctx
    settings_module.configure()


@pytest.fixture
def app(ctx):
    from originlink_service.app import app as chalice_app

    return chalice_app


@pytest.fixture
def client(app):
    from chalice.test import Client

    with Client(app) as c:
        yield c


@pytest.fixture
def api_key(ctx) -> str:
    return create_api_key(ctx.store, "acme")[2]


@pytest.fixture
def other_key(ctx) -> str:
    return create_api_key(ctx.store, "globex")[2]


def stored_bytes(ctx) -> bytes:
    """Everything the store holds, as bytes (compressed values decompressed): the SQLite
    database with its write-ahead log, or every item of the DynamoDB table."""
    settings = ctx.settings
    if settings.storage == "sqlite":
        files = [settings.sqlite_path, settings.sqlite_path.with_name("originlink.sqlite3-wal")]
        return b"".join(f.read_bytes() for f in files if f.exists())
    out = []
    for item in storage_backend.current().table_items(settings.table):
        for value in item.values():
            [(kind, v)] = value.items()
            out += [v, zlib.decompressobj().decompress(v)] if kind == "B" else [str(v).encode()]
    return b"\n".join(out)


def write_behind_the_service(ctx, record) -> None:
    """Store a certificate record as it is, bypassing the service (no event, no version check):
    what someone editing the database by hand would do."""
    store = ctx.store
    if ctx.settings.storage == "sqlite":
        store._conn().execute(
            "UPDATE certificates SET data = ? WHERE id = ?",
            (json.dumps(record.to_dict()), record.id),
        )
        return
    meta, parts = store._cert_items(record)
    for item in [meta, *(p["Put"]["Item"] for p in parts)]:
        store._db.put_item(TableName=store.table, Item=item)


def auth(key: str, idempotency_key: str | None = None, content_type="application/json") -> dict:
    headers = {"Authorization": f"Bearer {key}"}
    if content_type:
        headers["Content-Type"] = content_type
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return headers


# --- a real server ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningServer:
    """`originlink serve` in a subprocess on a free loopback port (also used by the browser
    tests of tests/verification)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        workers: int = 2,
        threads: int = 8,
        env: dict | None = None,
        extra_args: tuple = (),
    ):
        self.data_dir = data_dir
        self.extra_env = env or {}  # settings this server needs whatever the backend
        self.workers, self.threads = workers, threads
        self.extra_args = list(extra_args)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.output = b""

    def start(self) -> RunningServer:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.update(storage_backend.current().env(self.data_dir))
        env.update(self.extra_env)
        env.pop("ORIGINLINK_PUBLIC_URL", None)  # links name the server's own host
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "originlink",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--quiet",
                *self.extra_args,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.proc.stdout.read().decode())
            try:
                if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:  # not listening yet, or still booting (slow)
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not start: " + self.output.decode())

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # gunicorn: graceful shutdown on SIGTERM
            try:
                self.output += self.proc.communicate(timeout=15)[0]
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.output += self.proc.communicate()[0]
        self.proc = None

    @property
    def demo_key(self) -> str:
        return (self.data_dir / "demo-api-key").read_text().strip()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = RunningServer(tmp_path_factory.mktemp("serve") / "data").start()
    yield running
    running.stop()
