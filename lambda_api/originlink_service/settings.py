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
ORIGINLINK_ISSUER         the service's name in signatures and on pages (default "OriginLink")
ORIGINLINK_PUBLIC_URL     the one public origin (scheme://host[:port], no path): links, QR
                          codes, the credential's issuer and did:web, status URLs all use it;
                          a request's Host is only checked against it (default
                          http://127.0.0.1:8000; `originlink serve` uses its own --host/--port)
ORIGINLINK_ENVIRONMENT    production | demo (default demo: every page carries a DEMO band)
ORIGINLINK_RATE_LIMITS    on (default) | off: the limits on access codes, typed and bulk lookups
                          (ratelimits.py); off only for load tests of those routes
ORIGINLINK_SANDBOX_KMS_KEY_ID  the sandbox signing key on KMS (signer=kms); locally the sandbox
                          key ring lives in DATA_DIR/signing-keys-sandbox
ORIGINLINK_CUSTOMS_CONFIG customs destinations and issuing bodies (TOML or JSON file,
                          docs/customs.md; default: DATA_DIR/customs.toml if it exists, else
                          none connected: every certificate paper-parallel)
ORIGINLINK_WEBHOOK_NETWORKS  public (default: exporters' webhooks may not point at loopback,
                          private or link-local addresses) | any (one machine, e.g. make run)
"""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

ENVIRONMENTS = ("production", "demo")


class SandboxUnavailable(RuntimeError):
    """Sandbox signing is not configured on this deployment."""


@functools.lru_cache(maxsize=8)
def _origin_and_host(public_url: str | None) -> tuple[str, str]:
    """Parsed once per configured URL, not on every request (the Host check reads both)."""
    from originlink.links import public_origin
    from originlink.links.urls import host_of

    origin = public_origin(public_url)
    return origin, host_of(origin)


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
    issuer: str = "OriginLink"
    public_url: str = "http://127.0.0.1:8000"
    environment: str = "demo"
    sandbox_kms_key_id: str | None = None
    customs_config: str | None = None
    webhook_networks: str = "public"
    rate_limits: bool = True

    def __post_init__(self) -> None:
        from originlink.links import public_origin

        origin = public_origin(self.public_url)  # ValueError names the setting's value
        if self.environment not in ENVIRONMENTS:
            raise ValueError(
                f"ORIGINLINK_ENVIRONMENT must be one of {', '.join(ENVIRONMENTS)}, "
                f"not {self.environment!r}"
            )
        if self.production and not origin.startswith("https://"):
            raise ValueError("ORIGINLINK_PUBLIC_URL must be https:// in production")
        if self.webhook_networks not in ("public", "any"):
            raise ValueError(
                f"ORIGINLINK_WEBHOOK_NETWORKS must be public or any, not {self.webhook_networks!r}"
            )

    @property
    def origin(self) -> str:
        """The public origin, `scheme://host[:port]` (links, issuer, status URLs)."""
        return _origin_and_host(self.public_url)[0]

    @property
    def production(self) -> bool:
        """Configured for production: pages show no DEMO band (sandbox certificates still
        carry their SANDBOX band, whatever the environment)."""
        return self.environment == "production"

    @property
    def host(self) -> str:
        """`host[:port]` the public origin answers on (what Host must say)."""
        return _origin_and_host(self.public_url)[1]

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
            issuer=env.get("ORIGINLINK_ISSUER", "OriginLink"),
            public_url=env.get("ORIGINLINK_PUBLIC_URL") or "http://127.0.0.1:8000",
            environment=env.get("ORIGINLINK_ENVIRONMENT", "demo"),
            sandbox_kms_key_id=env.get("ORIGINLINK_SANDBOX_KMS_KEY_ID") or None,
            customs_config=env.get("ORIGINLINK_CUSTOMS_CONFIG") or None,
            webhook_networks=env.get("ORIGINLINK_WEBHOOK_NETWORKS", "public"),
            rate_limits=env.get("ORIGINLINK_RATE_LIMITS", "on").lower() not in ("off", "0"),
        )

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "originlink.sqlite3"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "signing-keys"

    @property
    def sandbox_keys_dir(self) -> Path:
        return self.data_dir / "signing-keys-sandbox"

    @property
    def customs_file(self) -> Path | None:
        """ORIGINLINK_CUSTOMS_CONFIG, else DATA_DIR/customs.toml if there is one (what
        `originlink serve --simulator` writes), else None: the built-in default."""
        if self.customs_config:
            return Path(self.customs_config)
        embedded = self.data_dir / "customs.toml"
        return embedded if self.storage == "sqlite" and embedded.is_file() else None

    @property
    def limits_path(self) -> Path:
        return self.data_dir / "limits.sqlite3"


class IssuingBodyKeys:
    """id -> {id, name, lookup_url, jwks} of a configured issuing body, its keys inline or
    fetched from its `jwks_url` (kept an hour by the customs configuration). `jwks` is None
    while its keys cannot be read: the endorsement is then not checked (never "not valid")."""

    def __init__(self, customs):
        self._customs = customs

    def get(self, body_id: str, *, refresh: bool = False) -> dict | None:
        from .customs.config import ConfigError

        body = self._customs.issuing_body(body_id)
        if body is None:
            return None
        try:
            jwks = (
                self._customs.jwks(body_id, refresh=refresh)
                if (body.jwks or body.jwks_url)
                else None
            )
        except ConfigError:
            jwks = None
        return {"id": body_id, "name": body.name, "lookup_url": None, "jwks": jwks}


class Context:
    """Holds the settings and builds the store and key ring on first use."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store=None,
        keyring=None,
        sandbox_keyring=None,
        customs=None,
    ):
        self._lock = threading.Lock()
        self._settings = settings
        self._store = store
        self._keyring = keyring
        self._sandbox_keyring = sandbox_keyring
        self._customs = customs
        self._limiter = None
        self._issuing_bodies = None

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

    @property
    def sandbox_keyring(self):
        """The sandbox key set: sandbox certificates are signed with it and never verify
        against the production JWKS (published apart, at /.well-known/sandbox/jwks.json)."""
        if self._sandbox_keyring is None:
            with self._lock:
                if self._sandbox_keyring is None:
                    from originlink.signing import KmsKeyring, LocalKeyring

                    s = self.settings
                    if s.signer == "kms":
                        if not s.sandbox_kms_key_id:
                            raise SandboxUnavailable(
                                "ORIGINLINK_SANDBOX_KMS_KEY_ID is not set: this deployment "
                                "signs no sandbox certificates"
                            )
                        self._sandbox_keyring = KmsKeyring(
                            self.aws_client("kms"), s.sandbox_kms_key_id, []
                        )
                    else:
                        self._sandbox_keyring = LocalKeyring(s.sandbox_keys_dir)
        return self._sandbox_keyring

    @property
    def limiter(self):
        """The rate limiter (ratelimits.py), its counters beside the store; None when
        ORIGINLINK_RATE_LIMITS=off."""
        if self._limiter is None and self.settings.rate_limits:
            with self._lock:
                if self._limiter is None:
                    from .ratelimits import RateLimiter
                    from .storage.limits import DynamoLimitStore, SqliteLimitStore

                    s = self.settings
                    if s.storage == "sqlite":
                        store = SqliteLimitStore(s.limits_path)
                    else:
                        store = DynamoLimitStore(s.table, self.aws_client("dynamodb"))
                    self._limiter = RateLimiter(store)
        return self._limiter

    def keyring_for(self, sandbox: bool):
        return self.sandbox_keyring if sandbox else self.keyring

    @property
    def customs(self):
        """The customs destinations and issuing bodies (`customs.config.Configured`), read
        once from ORIGINLINK_CUSTOMS_CONFIG (or the built-in default)."""
        if self._customs is None:
            with self._lock:
                if self._customs is None:
                    from .customs.config import load

                    self._customs = load(self.settings.customs_file)
        return self._customs

    @property
    def issuing_bodies(self):
        """The configured issuing bodies as the verifier reads them (verification/verifier.py):
        an endorsement on a page or in the JSON answer is checked against the body's own keys."""
        if self._issuing_bodies is not None:
            return self._issuing_bodies
        return IssuingBodyKeys(self.customs)

    @issuing_bodies.setter
    def issuing_bodies(self, bodies) -> None:
        self._issuing_bodies = bodies  # tests: id -> {id, name, lookup_url, jwks}

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


def configure(
    settings: Settings | None = None,
    *,
    store=None,
    keyring=None,
    sandbox_keyring=None,
    customs=None,
) -> Context:
    """Replace the process-wide context (tests, `originlink serve`)."""
    global _context
    _context = Context(
        settings, store=store, keyring=keyring, sandbox_keyring=sandbox_keyring, customs=customs
    )
    return _context
