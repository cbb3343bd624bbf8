"""Which storage and signing the service tests run on: `sqlite` (the embedded default: SQLite
and a local key) or `aws` (DynamoDB, KMS and SQS, served by moto in server mode over real
HTTP, tests/moto_server.py). Chosen with `pytest --backend aws` (`make test-aws`); the service
is switched only by its settings — the same ORIGINLINK_* variables a deployment sets.

Each data directory gets its own world: on `aws`, its own table, signing key and queues, so
tests stay independent and two servers started on one data directory share one table."""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

AWS_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "ap-southeast-1",
}


class SqliteBackend:
    name = "sqlite"

    def env(self, data_dir: Path) -> dict[str, str]:
        return {"ORIGINLINK_STORAGE": "sqlite", "ORIGINLINK_SIGNER": "local"}

    def settings(self, data_dir: Path):
        from originlink_service.settings import Settings

        return Settings.from_env({**self.env(data_dir), "ORIGINLINK_DATA_DIR": str(data_dir)})


class AwsBackend(SqliteBackend):
    name = "aws"

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.endpoint: str | None = None
        self._worlds: dict[str, dict[str, str]] = {}

    def start(self) -> str:
        if self.proc is None:
            os.environ.update(AWS_TEST_ENV)  # this process and every server it starts
            self.proc = subprocess.Popen(
                [sys.executable, str(HERE / "moto_server.py"), "0"],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            line = self.proc.stdout.readline()
            if not line.startswith("port "):
                raise RuntimeError(f"moto server did not start: {line!r}")
            self.endpoint = f"http://127.0.0.1:{int(line.split()[1])}"
            atexit.register(self.stop)
        return self.endpoint

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None

    def client(self, service: str):
        import boto3

        return boto3.client(service, endpoint_url=self.start())

    def env(self, data_dir: Path) -> dict[str, str]:
        world = str(Path(data_dir).resolve())
        if world not in self._worlds:
            from originlink.signing import KmsKeyring
            from originlink_service.storage.dynamodb import table_definition

            endpoint = self.start()
            name = "originlink-" + hashlib.sha1(world.encode()).hexdigest()[:16]
            self.client("dynamodb").create_table(**table_definition(name))
            # The forwarder's queue, dead-lettering as infra/resources.yaml does.
            sqs = self.client("sqs")
            dlq = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
            dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])
            redrive = {"deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"]}
            queue = sqs.create_queue(
                QueueName=name,
                Attributes={"RedrivePolicy": json.dumps({**redrive, "maxReceiveCount": "5"})},
            )["QueueUrl"]
            self._worlds[world] = {
                "ORIGINLINK_STORAGE": "dynamodb",
                "ORIGINLINK_TABLE": name,
                "ORIGINLINK_SIGNER": "kms",
                "ORIGINLINK_KMS_KEY_ID": KmsKeyring.create_key(self.client("kms")),
                "ORIGINLINK_SANDBOX_KMS_KEY_ID": KmsKeyring.create_key(self.client("kms")),
                "ORIGINLINK_OUTBOX_QUEUE_URL": queue,
                "ORIGINLINK_DYNAMODB_ENDPOINT_URL": endpoint,
                "ORIGINLINK_KMS_ENDPOINT_URL": endpoint,
                "ORIGINLINK_SQS_ENDPOINT_URL": endpoint,
                **AWS_TEST_ENV,
            }
        return dict(self._worlds[world])

    def table_items(self, table: str) -> list[dict]:
        """Every stored item (tests that look at what is stored, whatever the adapter)."""
        db, items, start = self.client("dynamodb"), [], None
        while True:
            page = db.scan(TableName=table, **({"ExclusiveStartKey": start} if start else {}))
            items += page["Items"]
            start = page.get("LastEvaluatedKey")
            if not start:
                return items


BACKENDS = {"sqlite": SqliteBackend, "aws": AwsBackend}
_current: SqliteBackend = SqliteBackend()


def select(name: str) -> SqliteBackend:
    global _current
    _current = BACKENDS[name]()
    return _current


def current() -> SqliteBackend:
    return _current
