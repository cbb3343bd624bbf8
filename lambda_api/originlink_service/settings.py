"""Configuration from environment variables, and the lazily created store and key ring
(the Chalice todo-app pattern: nothing is built at import time, so Lambda cold starts and
tests stay cheap and tests can point the app elsewhere with `configure()`).

ORIGINLINK_STORAGE        sqlite (default) | dynamodb
ORIGINLINK_DATA_DIR       embedded data directory (default ./var): originlink.sqlite3, keys
ORIGINLINK_TABLE          DynamoDB table name (storage=dynamodb)
ORIGINLINK_SIGNER         local (default) | kms
ORIGINLINK_KMS_KEY_ID     active KMS key (signer=kms)
ORIGINLINK_KMS_RETIRED_KEY_IDS  comma-separated retired KMS keys (still published in the JWKS)
ORIGINLINK_DYNAMODB_ENDPOINT_URL, ORIGINLINK_KMS_ENDPOINT_URL, ORIGINLINK_SQS_ENDPOINT_URL
                          another endpoint for that AWS service (default: the region's own;
                          the parity run points all three at a moto server)
ORIGINLINK_OUTBOX_QUEUE_URL  the SQS queue the customs forwarder reads (AWS)
ORIGINLINK_MAX_BODY_BYTES request body limit (default 1 MiB)
ORIGINLINK_ISSUER         `iss` of signatures (default "originlink")
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Settings:
    storage: str = "sqlite"
    data_dir: Path = Path("var")
    table: str = "originlink"
    signer: str = "local"
    kms_key_id: str | None = None
    kms_retired_key_ids: list[str] = field(default_factory=list)
    dynamodb_endpoint_url: str | None = None
    kms_endpoint_url: str | None = None
    sqs_endpoint_url: str | None = None
    outbox_queue_url: str | None = None
    max_body_bytes: int = 1024 * 1024
    issuer: str = "originlink"

    @classmethod
    def from_env(cls, env=None) -> Settings:
        env = os.environ if env is None else env
        retired = env.get("ORIGINLINK_KMS_RETIRED_KEY_IDS", "")
        return cls(
            storage=env.get("ORIGINLINK_STORAGE", "sqlite"),
            data_dir=Path(env.get("ORIGINLINK_DATA_DIR", "var")),
            table=env.get("ORIGINLINK_TABLE", "originlink"),
            signer=env.get("ORIGINLINK_SIGNER", "local"),
            kms_key_id=env.get("ORIGINLINK_KMS_KEY_ID"),
            kms_retired_key_ids=[k.strip() for k in retired.split(",") if k.strip()],
            dynamodb_endpoint_url=env.get("ORIGINLINK_DYNAMODB_ENDPOINT_URL") or None,
            kms_endpoint_url=env.get("ORIGINLINK_KMS_ENDPOINT_URL") or None,
            sqs_endpoint_url=env.get("ORIGINLINK_SQS_ENDPOINT_URL") or None,
            outbox_queue_url=env.get("ORIGINLINK_OUTBOX_QUEUE_URL") or None,
            max_body_bytes=int(env.get("ORIGINLINK_MAX_BODY_BYTES", 1024 * 1024)),
            issuer=env.get("ORIGINLINK_ISSUER", "originlink"),
        )

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "originlink.sqlite3"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "signing-keys"


class Context:
    """Holds the settings and builds the store and key ring on first use."""

    def __init__(self, settings: Settings | None = None, *, store=None, keyring=None):
        self._lock = threading.Lock()
        self._settings = settings
        self._store = store
        self._keyring = keyring

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.from_env()
        return self._settings

    @property
    def store(self):
        if self._store is None:
            with self._lock:
                if self._store is None:
                    from .storage import open_store

                    s = self.settings
                    if s.storage == "sqlite":
                        self._store = open_store("sqlite", path=s.sqlite_path)
                    else:
                        self._store = open_store(
                            "dynamodb", table=s.table, client=self.aws_client("dynamodb")
                        )
        return self._store

    @property
    def keyring(self):
        if self._keyring is None:
            with self._lock:
                if self._keyring is None:
                    from originlink.signing import KmsKeyring, LocalKeyring

                    s = self.settings
                    if s.signer == "kms":
                        if not s.kms_key_id:
                            raise RuntimeError("ORIGINLINK_KMS_KEY_ID is required with kms")
                        self._keyring = KmsKeyring(
                            self.aws_client("kms"), s.kms_key_id, s.kms_retired_key_ids
                        )
                    else:
                        self._keyring = LocalKeyring(s.keys_dir)
        return self._keyring

    def aws_client(self, service: str):
        """A boto3 client for `dynamodb`, `kms` or `sqs`, at the endpoint the settings name
        (None: the region's own). The only place the service builds AWS clients."""
        import boto3
        from botocore.config import Config

        endpoint = getattr(self.settings, f"{service}_endpoint_url")
        # Standard retry mode: throttling and transient 5xx are retried with backoff; a
        # retried TransactWriteItems stays idempotent through its ClientRequestToken.
        config = Config(retries={"mode": "standard", "max_attempts": 4})
        return boto3.client(service, endpoint_url=endpoint, config=config)


_context = Context()


def context() -> Context:
    return _context


def configure(settings: Settings | None = None, *, store=None, keyring=None) -> Context:
    """Replace the process-wide context (tests, `originlink serve`)."""
    global _context
    _context = Context(settings, store=store, keyring=keyring)
    return _context
