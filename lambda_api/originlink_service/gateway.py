"""One request in, one answer out: what the HTTP servers hand the Chalice app and get back.

Each request becomes the API Gateway proxy event Lambda would receive — built by Chalice's own
`LocalGateway`, the piece `chalice local` and `chalice.test.Client` use — and the app's answer
becomes status, headers and bytes. The ASGI adapter (`asgi.py`, what `originlink serve` runs)
and the WSGI adapter (`wsgi.py`, for any WSGI server) differ only in how they read and write.

The path is checked here, before any routing: an encoded `/`, `?` or `#` (or a control
character, or a `;`) in it would otherwise become a delimiter once decoded —
`/v1/certificates/%3Flimit=1` would reach the list — so it is refused with 400 `invalid_path`,
as the app's middleware refuses the same characters in a path parameter on Lambda (API
Gateway decodes before us).
"""

from __future__ import annotations

import base64
import json
import re
import threading
from http import HTTPStatus
from typing import NamedTuple
from urllib.parse import parse_qs, unquote_to_bytes, urlparse

from chalice.config import Config
from chalice.local import (
    LambdaContext,
    LambdaEventConverter,
    LocalGateway,
    LocalGatewayException,
    MatchResult,
    RouteMatcher,
)

from .http import invalid_path
from .problems import CONTENT_TYPE, ApiProblem

# %2F %3F %23: delimiters; %00-%1F and %7F: control characters.
_ENCODED_FORBIDDEN = re.compile(rb"%(?:2[fF]|3[fF]|23|[01][0-9a-fA-F]|7[fF])")
# After decoding: control characters and ';' (see request_path).
_NOT_IN_A_PATH = re.compile(r"[\x00-\x1f\x7f;]")


class Answer(NamedTuple):
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def request_path(raw_path: bytes) -> str:
    """The request path as text, decoded once; `invalid_path` (400) for what must not be in
    it. `raw_path` is the path as sent (percent-encoded, without the query)."""
    if _ENCODED_FORBIDDEN.search(raw_path):
        raise invalid_path()
    try:
        path = unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError:
        raise invalid_path() from None
    # After decoding: no control character, and no ';' — Chalice's local router would cut the
    # path there (`urlparse` takes it for the old "params" part): /v1/certificates/;x would
    # reach the list.
    if _NOT_IN_A_PATH.search(path):
        raise invalid_path()
    return path or "/"


def problem_answer(problem: ApiProblem, instance: str | None, **headers: str) -> Answer:
    body = json.dumps(problem.body(instance), ensure_ascii=False).encode("utf-8")
    out = [("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(body)))]
    out += [(k, str(v)) for k, v in problem.headers.items()]
    out += [(k.replace("_", "-"), v) for k, v in headers.items()]
    return Answer(problem.status, out, body)


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class _RouteIndex(RouteMatcher):
    """Chalice's route matcher, which splits every route again on every request (a sixth of a
    cached verification's time), with the routes split once and grouped by their number of
    segments. Same routes tried in the same (sorted) order, so the same route matches; each
    route's captures start empty (Chalice's carry those of routes that failed half-way)."""

    def __init__(self, route_urls):
        super().__init__(route_urls)
        self._by_length: dict[int, list] = {}
        for route in self.route_urls:
            parts = [
                (p[1:-1], None) if p.startswith("{") and p.endswith("}") else (None, p)
                for p in route.split("/")
            ]
            self._by_length.setdefault(len(parts), []).append((route, parts))

    def match_route(self, url: str) -> MatchResult:
        parsed = urlparse(url)
        query = parse_qs(parsed.query, keep_blank_values=True)
        path = parsed.path
        if path != "/" and path.endswith("/"):  # as API Gateway (and Chalice) do
            path = path[:-1]
        parts = path.split("/")
        for route, pattern in self._by_length.get(len(parts), ()):
            captured = {}
            for given, (name, literal) in zip(parts, pattern, strict=True):
                if name is not None:
                    captured[name] = given
                elif given != literal:
                    break
            else:
                return MatchResult(route, captured, query)
        raise ValueError(f"No matching route found for: {url}")


class _LocalGateway(LocalGateway):
    """LocalGateway names every client 127.0.0.1; here the event carries the peer's address
    (`requestContext.identity.sourceIp`, as API Gateway sets it), which the rate limits key on.
    Routes are matched by `_RouteIndex`, and the Lambda context's settings are read from the
    configuration once rather than on every request."""

    def __init__(self, app):
        super().__init__(app, Config.create(app_name=app.app_name))
        self.client = threading.local()
        self.event_converter = LambdaEventConverter(
            _RouteIndex(list(app.routes)), app.api.binary_types
        )
        timeout = self._config.lambda_timeout
        if timeout is None:
            timeout = self.MAX_LAMBDA_EXECUTION_TIME
        self._context_args = {
            "function_name": self._config.function_name,
            "memory_size": self._config.lambda_memory_size,
            "max_runtime_ms": timeout * 1000,
        }

    def _generate_lambda_context(self) -> LambdaContext:
        return LambdaContext(**self._context_args)

    def _generate_lambda_event(self, method, path, headers, body):
        event = super()._generate_lambda_event(method, path, headers, body)
        ip = getattr(self.client, "ip", None)
        if ip:
            event["requestContext"]["identity"]["sourceIp"] = ip
        return event


class Gateway:
    def __init__(self, app):
        self.local = _LocalGateway(app)

    def handle(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict,
        body: bytes,
        client_ip: str | None = None,
    ) -> Answer:
        """The app's answer. `headers`: lowercase names; `path`: from `request_path`;
        `client_ip`: the peer's address (behind a trusted proxy, the one it forwarded)."""
        if body:
            headers["content-length"] = str(len(body))
        self.local.client.ip = client_ip
        try:
            response = self.local.handle_request(
                method, path + ("?" + query if query else ""), headers, body
            )
        except (LocalGatewayException, UnicodeEncodeError):
            # No such route. (API Gateway says 403 "Missing Authentication Token"; we say 404.)
            # LocalGateway builds that error with the Authorization header encoded as ASCII,
            # so a non-ASCII header raises UnicodeEncodeError instead; the view functions'
            # own errors never get here (Chalice turns them into responses).
            return problem_answer(ApiProblem(404, "not_found", "no such resource"), path)
        out_headers = [(k, str(v)) for k, v in (response.get("headers") or {}).items()]
        for key, values in (response.get("multiValueHeaders") or {}).items():
            out_headers += [(key, str(v)) for v in values]
        payload = response.get("body") or b""
        if response.get("isBase64Encoded"):
            payload = base64.b64decode(payload)
        elif isinstance(payload, str):
            payload = payload.encode("utf-8")
        if not any(k.lower() == "content-length" for k, _ in out_headers):
            out_headers.append(("Content-Length", str(len(payload))))
        return Answer(int(response["statusCode"]), out_headers, payload)
