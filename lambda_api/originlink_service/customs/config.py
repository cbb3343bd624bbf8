"""Destinations and issuing bodies, from one TOML (or JSON) file: changed without code.

The file is named by ORIGINLINK_CUSTOMS_CONFIG (settings.py); without it the built-in
`default.toml` applies: no destination is connected (every certificate is `paper-parallel`,
and says so) and China's issuing bodies are known so that exporters can record their official
certificates. `originlink serve --simulator` (what `make run` does) writes and uses a file
connecting VN, TH, MY, SG and ID and China's customs to the simulator. The format is described
in docs/customs.md.

Credentials are references, never secrets in the file: `env:NAME` (an environment variable) or
`file:PATH` / `file:PATH#KEY` (a file, or a key of a JSON file; relative to the config file),
resolved when first used.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import threading
import time
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from originlink.exchange.fields import FORMATS
from originlink.exchange.signature import MIN_SECRET_LENGTH

DEFAULT_FILE = Path(__file__).with_name("default.toml")
SIMULATED_FILE = Path(__file__).with_name("simulated.toml")

Mode = Literal["direct", "manual-review", "paper-parallel"]
MODES: tuple[str, ...] = ("direct", "manual-review", "paper-parallel")
PUSHED = ("direct", "manual-review")  # the modes that send a message


class ConfigError(ValueError):
    """The customs configuration cannot be used; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Forwarder(_Strict):
    """How hard the outbox worker tries (defaults suit customs outages of a few hours)."""

    max_attempts: int = Field(16, ge=1, le=100)
    backoff_cap_seconds: float = Field(600, gt=0, le=86_400)
    timeout_seconds: float = Field(10, gt=0, le=50)


class _Peer(_Strict):
    """What destinations and issuing bodies have in common: how to reach them."""

    mode: Mode = "paper-parallel"
    adapter: Literal["json", "ubl"] = "json"
    version: str = "1.1"
    endpoint: str | None = None
    credentials: str | None = Field(
        None, description="env:NAME | file:PATH | file:PATH#KEY — the HMAC shared secret"
    )
    timeout_seconds: float | None = Field(None, gt=0, le=50)
    # A simulated peer may receive sandbox certificates; a real one never does.
    accepts_sandbox: bool = False

    @model_validator(mode="after")
    def _pushable(self):
        if self.version not in FORMATS[self.adapter]:
            raise ValueError(
                f"version {self.version!r} of adapter {self.adapter!r} does not exist "
                f"(known: {', '.join(FORMATS[self.adapter])})"
            )
        if self.mode in PUSHED:
            if not self.endpoint or not re.match(r"^https?://[^\s/]+", self.endpoint):
                raise ValueError(f"mode {self.mode!r} needs an http(s) endpoint")
            if not self.credentials:
                raise ValueError(f"mode {self.mode!r} needs credentials (env:… or file:…)")
        if self.credentials and not self.credentials.startswith(("env:", "file:")):
            raise ValueError("credentials must be a reference: env:NAME or file:PATH[#KEY]")
        return self

    @property
    def pushed(self) -> bool:
        return self.mode in PUSHED


class Destination(_Peer):
    """An importing Party's customs."""

    categories: list[str] = Field(
        default_factory=lambda: ["*"],
        description="HS prefixes received electronically (2, 4 or 6 digits), or '*' for all",
    )

    @field_validator("categories")
    @classmethod
    def _prefixes(cls, value: list[str]) -> list[str]:
        for prefix in value:
            if prefix != "*" and not re.fullmatch(r"\d{2}|\d{4}|\d{6}", prefix):
                raise ValueError(f"category {prefix!r}: an HS prefix of 2, 4 or 6 digits, or '*'")
        return value

    def out_of_scope(self, hs_codes: list[str]) -> str | None:
        """The first HS code this destination does not receive electronically, if any."""
        if "*" in self.categories:
            return None
        return next(
            (c for c in hs_codes if not any(c.startswith(p) for p in self.categories)), None
        )


class IssuingBody(_Peer):
    """A body that certifies Certificates of Origin in its country (in China: customs or
    CCPIT). `direct`: OriginLink asks it to endorse each new certificate; `paper-parallel`: it
    certifies outside OriginLink and exporters record its certificates."""

    name: str = Field(min_length=1, max_length=200)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    aliases: list[str] = Field(
        default_factory=list, description="how Box 16 may name it (case-insensitive, contained)"
    )
    default: bool = Field(False, description="used for its country when Box 16 names no body")
    jwks: dict | None = Field(None, description="its published keys, inline")
    jwks_url: str | None = Field(None, description="or where it publishes them")
    lookup_hosts: list[str] = Field(
        default_factory=list,
        description="hosts its official lookup links may point to (empty: any https host)",
    )

    @model_validator(mode="after")
    def _keys(self):
        if self.pushed and not (self.jwks or self.jwks_url):
            raise ValueError("an issuing body that endorses needs its keys: jwks or jwks_url")
        return self

    def named_in(self, box16: str | None) -> bool:
        text = (box16 or "").casefold()
        return bool(text) and any(a.casefold() in text for a in [self.name, *self.aliases])


class CustomsConfig(_Strict):
    forwarder: Forwarder = Field(default_factory=Forwarder)
    destinations: dict[str, Destination] = Field(default_factory=dict)
    issuing_bodies: dict[str, IssuingBody] = Field(default_factory=dict)

    @field_validator("destinations")
    @classmethod
    def _parties(cls, value: dict) -> dict:
        for party in value:
            if not re.fullmatch(r"[A-Z]{2}", party):
                raise ValueError(f"destination {party!r}: an ISO 3166-1 alpha-2 code")
        return value

    @field_validator("issuing_bodies")
    @classmethod
    def _body_ids(cls, value: dict) -> dict:
        for body_id, body in value.items():
            if not re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{2,16}", body_id):
                raise ValueError(f"issuing body {body_id!r}: an id like CN-GACC")
            if not body_id.startswith(body.country + "-"):
                raise ValueError(f"issuing body {body_id!r}: its id starts with its country")
        return value

    def destination(self, party: str) -> Destination:
        """The configured destination, or the `paper-parallel` default for any other Party."""
        return self.destinations.get(party) or Destination()

    def issuing_body_for(self, country: str, box16: str | None) -> tuple[str, IssuingBody] | None:
        """The issuing body of a Certificate of Origin from `country`: the one Box 16 names,
        else its country's default."""
        bodies = [(i, b) for i, b in self.issuing_bodies.items() if b.country == country]
        named = [(i, b) for i, b in bodies if b.named_in(box16)]
        return (named or [(i, b) for i, b in bodies if b.default] or [None])[0]

    def peer(self, peer_id: str) -> _Peer | None:
        """A destination (party code) or an issuing body (its id), if configured."""
        return self.destinations.get(peer_id) or self.issuing_bodies.get(peer_id)


class Configured:
    """A loaded configuration with the file it came from (credentials are relative to it)."""

    def __init__(self, config: CustomsConfig, source: Path):
        self.config = config
        self.source = source
        self._lock = threading.Lock()
        self._jwks: dict[str, tuple[float, dict]] = {}
        self._jwks_failed: dict[str, float] = {}  # body id -> when its keys last failed to come
        self._jwks_fetching: set[str] = set()  # body ids whose keys a thread is fetching

    @property
    def forwarder(self) -> Forwarder:
        return self.config.forwarder

    def destination(self, party: str) -> Destination:
        return self.config.destination(party)

    def issuing_body(self, body_id: str) -> IssuingBody | None:
        return self.config.issuing_bodies.get(body_id)

    def issuing_body_for(self, country: str, box16: str | None) -> tuple[str, IssuingBody] | None:
        return self.config.issuing_body_for(country, box16)

    def peer(self, peer_id: str) -> Destination | IssuingBody | None:
        return self.config.peer(peer_id)

    def secret(self, peer_id: str) -> str:
        """The shared secret of a destination or issuing body (ConfigError if unusable)."""
        peer = self.config.peer(peer_id)
        if peer is None or not peer.credentials:
            raise ConfigError(f"{peer_id}: no credentials configured")
        value = resolve_secret(peer.credentials, self.source.parent)
        if len(value) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"{peer_id}: the secret {peer.credentials} names is shorter than "
                f"{MIN_SECRET_LENGTH} characters"
            )
        return value

    def jwks(self, body_id: str, *, refresh: bool = False) -> dict:
        """An issuing body's published keys: inline, or fetched from `jwks_url` and kept for
        an hour (`refresh`: fetch again now, at most once a minute — a new key of theirs).
        When the fetch fails, keys fetched before are still used (their signatures do not
        stop holding because the URL is down); without any, a failure is remembered for a
        minute, so pages do not each wait on a dead URL.

        On an event loop's thread (`originlink serve` answers SQLite reads there, asgi.py) the
        keys are never waited for: that would stall every connection of the process for as
        long as the body's URL takes. They are fetched by a thread of their own instead, and
        meanwhile the keys held are used — or, with none, or when a new key of theirs is
        asked for, a ConfigError says they are being fetched (the endorsement is then "not
        checked right now", never "not valid")."""
        body = self.config.issuing_bodies.get(body_id)
        if body is None:
            raise ConfigError(f"{body_id}: not a configured issuing body")
        if body.jwks is not None:
            return body.jwks
        now = time.monotonic()
        with self._lock:
            fetched_at, keys = self._jwks.get(body_id, (0.0, None))
            fresh = keys is not None and now - fetched_at < 3600
            if fresh and not (refresh and now - fetched_at > 60):
                return keys
            if now - self._jwks_failed.get(body_id, -3600.0) < 60:
                if keys is not None:
                    return keys
                raise ConfigError(f"{body.jwks_url}: its keys could not be read a moment ago")
        if _on_event_loop():
            self.fetch_keys_in_background(body_id)
            if keys is None or refresh:
                raise ConfigError(f"{body.jwks_url}: its keys are being fetched")
            return keys
        return self._fetch(body_id, body.jwks_url, now, keys)

    def fetch_keys_in_background(self, *body_ids: str) -> None:
        """Fetch these bodies' keys (all with a `jwks_url` when none is named) in a thread,
        one at a time per body; what it gets is kept as `jwks` keeps it."""
        bodies = self.config.issuing_bodies
        for body_id in body_ids or [i for i, b in bodies.items() if b.jwks_url]:
            url = bodies[body_id].jwks_url
            with self._lock:
                if body_id in self._jwks_fetching:
                    continue
                self._jwks_fetching.add(body_id)
                keys = self._jwks.get(body_id, (0.0, None))[1]
            threading.Thread(
                target=self._fetch_then_done,
                args=(body_id, url, keys),
                name=f"originlink-jwks-{body_id}",
                daemon=True,
            ).start()

    def _fetch_then_done(self, body_id: str, url: str, keys: dict | None) -> None:
        try:
            self._fetch(body_id, url, time.monotonic(), keys)
        except ConfigError:
            pass  # remembered as a failure by _fetch
        finally:
            with self._lock:
                self._jwks_fetching.discard(body_id)

    def _fetch(self, body_id: str, url: str, now: float, keys: dict | None) -> dict:
        from urllib3.exceptions import HTTPError  # (the Lambda bundle takes it from boto3's)

        try:
            fetched = _fetch_jwks(url)
        except (ConfigError, HTTPError) as exc:
            with self._lock:
                self._jwks_failed[body_id] = now
            if keys is not None:
                return keys
            raise ConfigError(f"{url}: its keys could not be read ({exc})") from exc
        with self._lock:
            self._jwks[body_id] = (now, fetched)
            self._jwks_failed.pop(body_id, None)
        return fetched

    @cached_property
    def summary(self) -> dict:
        """What exporters may see: destinations and issuing bodies, no endpoints or secrets."""
        return {
            "destinations": {
                party: {
                    "mode": d.mode,
                    "adapter": d.adapter,
                    "version": d.version,
                    "categories": d.categories,
                }
                for party, d in sorted(self.config.destinations.items())
            },
            "default_mode": "paper-parallel",
            "issuing_bodies": {
                body_id: {
                    "name": b.name,
                    "country": b.country,
                    "mode": b.mode,
                    "endorses_electronically": b.pushed,
                    "lookup_hosts": b.lookup_hosts,
                }
                for body_id, b in sorted(self.config.issuing_bodies.items())
            },
        }


def _on_event_loop() -> bool:
    """Whether this thread runs an asyncio event loop (the request is answered inline)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _fetch_jwks(url: str) -> dict:
    from .adapters import http_pool

    response = http_pool().request("GET", url, timeout=5.0, retries=False)
    if response.status != 200:
        raise ConfigError(f"{url}: answered {response.status}")
    try:
        keys = json.loads(response.data)
    except ValueError as exc:
        raise ConfigError(f"{url}: not JSON") from exc
    if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
        raise ConfigError(f"{url}: not a JWKS")
    return keys


def resolve_secret(reference: str, base: Path) -> str:
    kind, _, rest = reference.partition(":")
    if kind == "env":
        value = os.environ.get(rest)
        if value is None:
            raise ConfigError(f"credentials {reference}: the environment variable is not set")
        return value.strip()
    path, _, key = rest.partition("#")
    file = Path(path) if Path(path).is_absolute() else base / path
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"credentials {reference}: {exc.strerror or exc}") from exc
    if not key:
        return text.strip()
    try:
        value = json.loads(text)[key]
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"credentials {reference}: no key {key!r} in that JSON file") from exc
    return str(value)


def load(path: Path | str | None) -> Configured:
    """The configuration in `path` (TOML or JSON), or the built-in default."""
    source = Path(path) if path else DEFAULT_FILE
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"customs configuration {source}: {exc.strerror or exc}") from exc
    try:
        data = json.loads(text) if source.suffix == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"customs configuration {source}: {exc}") from exc
    try:
        return Configured(CustomsConfig.model_validate(data), source)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"customs configuration {source}: {where}: {first['msg']}"
            + (f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else "")
        ) from exc
