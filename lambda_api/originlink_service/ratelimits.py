"""Rate limits on the public routes a guesser would use (issue 17.2), applied in one place: the
app's middleware (app.py) asks `before(event)` and reports the answer's status to what it
returns. The same code runs under `originlink serve` and on Lambda; on AWS the WAF rules of
infra/resources.yaml apply the same per-IP numbers at the edge, before a Lambda is paid for.

What is limited, per client IP address and per certificate (token buckets: `burst` at once,
refilled at `per_minute`):

- access-code attempts — the page's form (`POST /v/{id}`) and `X-Access-Code` on
  `GET /v1/verify/{id}` and its signed document: every attempt per IP, wrong codes per
  certificate; and after `lockout_after` wrong codes in a row for one certificate, it takes no
  code at all for a minute, then two, four … up to an hour (a right code resets the count). An
  attacker can keep a certificate locked this way; its public view and the owner's key are
  never locked;
- typed lookups (certificate number + invoice number: `GET /v1/verify?number=&invoice=`,
  `GET /v?number=&invoice=`, and each such item of a bulk request): per IP — numbers and
  invoice numbers are often sequential, so the pair can be guessed;
- bulk verification (`POST /v1/verify`): per IP, one token per item; and each answer is cut at
  `bulk_response_bytes` (routes.py answers the remaining items 413 `response_budget_exceeded`).

Over a limit: 429 problem+json with `Retry-After` (seconds). Public ids and short codes (128
random bits) are not limited here: they cannot be guessed, and the verification hot path stays
free of writes. The counters live where every process sees them (storage/limits.py).
"""

from __future__ import annotations

import ipaddress
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .problems import ApiProblem

CAS_TRIES = 10


@dataclass(frozen=True)
class Bucket:
    name: str
    per_minute: float
    burst: int

    @property
    def rate(self) -> float:
        return self.per_minute / 60.0


@dataclass(frozen=True)
class Policy:
    code_attempts_per_ip: Bucket = field(default_factory=lambda: Bucket("code-ip", 60, 60))
    # Wrong codes only: a right code proves its holder, and many may scan one certificate.
    wrong_codes_per_certificate: Bucket = field(
        default_factory=lambda: Bucket("wrong-code", 10, 10)
    )
    lockout_after: int = 5  # wrong codes in a row for one certificate
    lockout_first: float = 60.0  # seconds; doubled at each further wrong code
    lockout_max: float = 3600.0
    failures_forgotten_after: float = 3600.0
    typed_lookups_per_ip: Bucket = field(default_factory=lambda: Bucket("typed-ip", 30, 10))
    bulk_items_per_ip: Bucket = field(default_factory=lambda: Bucket("bulk-ip", 600, 200))
    bulk_response_bytes: int = 1024 * 1024


POLICY = Policy()


class RateLimiter:
    """Token buckets and lockouts over a compare-and-set store (storage/limits.py)."""

    def __init__(self, store, policy: Policy = POLICY, clock: Callable[[], float] = time.time):
        self.store, self.policy, self.clock = store, policy, clock

    def _update(self, key: str, change) -> object:
        """Read, `change(state, now) -> (result, new state | None, expires_at)`, write if
        unchanged meanwhile; retried when another process wrote first."""
        for _ in range(CAS_TRIES):
            now = self.clock()
            state, version = self.store.read(key, now)
            result, new, expires_at = change(state, now)
            if new is None or self.store.write(key, new, version, expires_at):
                return result
        return None

    def take(self, bucket: Bucket, who: str, cost: int = 1) -> float:
        """Take `cost` tokens (at most the burst): 0.0 when granted, else the seconds until
        they would be."""
        if cost > bucket.burst:
            raise ValueError(f"{bucket.name}: {cost} tokens asked, the bucket holds {bucket.burst}")

        def change(state, now):
            tokens = bucket.burst
            if state is not None:
                tokens = min(bucket.burst, state["t"] + (now - state["u"]) * bucket.rate)
            if tokens < cost:
                return (cost - tokens) / bucket.rate, None, 0
            left = tokens - cost
            return 0.0, {"t": left, "u": now}, now + (bucket.burst - left) / bucket.rate

        waited = self._update(f"{bucket.name}:{who}", change)
        return 1.0 if waited is None else waited

    def wait_for(self, bucket: Bucket, who: str, cost: int = 1) -> float:
        """Seconds until `cost` tokens are there (0.0: now), taking none."""
        now = self.clock()
        state, _ = self.store.read(f"{bucket.name}:{who}", now)
        if state is None:
            return 0.0
        tokens = min(bucket.burst, state["t"] + (now - state["u"]) * bucket.rate)
        return max(0.0, (cost - tokens) / bucket.rate)

    def charge(self, bucket: Bucket, who: str, cost: int = 1) -> None:
        """Take `cost` tokens after the fact, into debt if need be (the next request then
        waits the longer)."""

        def change(state, now):
            tokens = bucket.burst
            if state is not None:
                tokens = min(bucket.burst, state["t"] + (now - state["u"]) * bucket.rate)
            left = tokens - cost
            return None, {"t": left, "u": now}, now + (bucket.burst - left) / bucket.rate

        self._update(f"{bucket.name}:{who}", change)

    def locked_for(self, certificate: str) -> float:
        now = self.clock()
        state, _ = self.store.read(f"lock:{certificate}", now)
        return max(0.0, state["until"] - now) if state else 0.0

    def failed(self, certificate: str) -> None:
        p = self.policy

        def change(state, now):
            recent = state is not None and now - state["last"] < p.failures_forgotten_after
            failures = (state["failures"] if recent else 0) + 1
            until = 0.0
            if failures >= p.lockout_after:
                until = now + min(
                    p.lockout_max, p.lockout_first * 2 ** (failures - p.lockout_after)
                )
            new = {"failures": failures, "last": now, "until": until}
            return None, new, max(until, now + p.failures_forgotten_after)

        self._update(f"lock:{certificate}", change)

    def succeeded(self, certificate: str) -> None:
        def change(state, now):
            if state is None or state["failures"] == 0:
                return None, None, 0
            return None, {"failures": 0, "last": now, "until": 0.0}, now

        self._update(f"lock:{certificate}", change)


# --- the middleware's side -----------------------------------------------------------------


def too_many(wait: float, detail: str, code: str = "rate_limited") -> ApiProblem:
    seconds = max(1, math.ceil(wait))
    return ApiProblem(
        429,
        code,
        f"{detail}; try again in {seconds} s",
        headers={"Retry-After": str(seconds)},
        retry_after=seconds,
    )


_CODE_ROUTES = {
    ("POST", "/v/{public_id}"),
    ("POST", "/V/{public_id}"),
    ("GET", "/v1/verify/{public_id}"),
    ("GET", "/v1/verify/{public_id}/document/{digest_hex}"),
}


def _client(event) -> str:
    """Whom a per-IP bucket counts: the IPv4 address, or the /64 of an IPv6 one (a single
    subscriber usually holds a whole /64 and could otherwise take a new address per try)."""
    ip = ((event.context or {}).get("identity") or {}).get("sourceIp") or "unknown"
    if ":" in ip:
        try:
            return str(ipaddress.ip_network(f"{ip}/64", strict=False))
        except ValueError:
            return ip
    return ip


def _certificate(text: str) -> str | None:
    from originlink.links import InvalidCode, resolve

    try:
        return resolve(text)
    except InvalidCode:
        return None


def _bulk_cost(event) -> tuple[int, int]:
    """(items, number + invoice items) of a bulk request the route will answer; (0, 0) for
    one it refuses without a lookup (not JSON, no list, more than it takes)."""
    from .verification.routes import MAX_BULK

    try:
        items = json.loads(event.raw_body or b"").get("items")
    except (ValueError, AttributeError, RecursionError):
        return 0, 0
    if not isinstance(items, list) or len(items) > MAX_BULK:
        return 0, 0
    typed = sum(1 for i in items if isinstance(i, dict) and "number" in i)
    return len(items), typed


def before(limiter: RateLimiter, event) -> Callable[[int], None] | None:
    """Raise a 429 `ApiProblem` if this request is over a limit; otherwise return what to
    call with the answer's status (access-code attempts: count wrong codes), or None."""
    method, route = event.method, (event.context or {}).get("resourcePath")
    headers = event.headers or {}
    params = event.query_params or {}
    p, ip = limiter.policy, _client(event)
    if (method, route) in _CODE_ROUTES:
        if method == "GET" and (not headers.get("x-access-code") or headers.get("authorization")):
            return None  # not an attempt: public view, or the owner's key
        certificate = _certificate((event.uri_params or {}).get("public_id", ""))
        if certificate is not None:
            locked = limiter.locked_for(certificate)
            if locked:
                raise too_many(
                    locked,
                    "too many wrong access codes for this certificate: it takes none for now",
                    "access_code_locked",
                )
        wait = limiter.take(p.code_attempts_per_ip, ip)
        if wait:
            raise too_many(wait, "too many access-code attempts from this address")
        if certificate is None:
            return None
        wait = limiter.wait_for(p.wrong_codes_per_certificate, certificate)
        if wait:
            raise too_many(wait, "too many wrong access codes for this certificate")

        def record(status: int) -> None:
            if status == 403:
                limiter.charge(p.wrong_codes_per_certificate, certificate)
                limiter.failed(certificate)
            elif status == 200:
                limiter.succeeded(certificate)

        return record
    typed = 0
    if method == "GET" and route in ("/v1/verify", "/v"):
        both = all((params.get(k) or "").strip() for k in ("number", "invoice"))
        typed = 1 if both and not (route == "/v" and (params.get("code") or "").strip()) else 0
    elif method == "POST" and route == "/v1/verify":
        items, typed = _bulk_cost(event)
        wait = limiter.take(p.bulk_items_per_ip, ip, items) if items else 0.0
        if wait:
            raise too_many(wait, "too many bulk verification items from this address")
    if typed > p.typed_lookups_per_ip.burst:
        raise ApiProblem(
            422,
            "too_many_typed_items",
            f"items: at most {p.typed_lookups_per_ip.burst} certificate number + invoice pairs "
            f"per request (the typed-lookup limit), got {typed}",
            errors=[{"path": "items", "code": "too_many_typed_items", "message": f"{typed}"}],
        )
    if typed:
        wait = limiter.take(p.typed_lookups_per_ip, ip, typed)
        if wait:
            raise too_many(wait, "too many certificate number + invoice lookups from this address")
    return None
