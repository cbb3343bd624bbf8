"""One request in, one answer out: what the HTTP servers hand the Chalice app and get back.

Each request becomes the API Gateway proxy event Lambda would receive — the event Chalice's own
`LocalGateway` (what `chalice local` and `chalice.test.Client` use) would build, key for key —
and the app's answer becomes status, headers and bytes. The ASGI adapter (`asgi.py`, what
`originlink serve` runs) and the WSGI adapter (`wsgi.py`, for any WSGI server) differ only in
how they read and write.

The path is checked here, before any routing: an encoded `/`, `?` or `#` (or a control
character, or a `;`) in it would otherwise become a delimiter once decoded —
`/v1/certificates/%3Flimit=1` would reach the list — so it is refused with 400 `invalid_path`,
as the app's middleware refuses the same characters in a path parameter on Lambda (API
Gateway decodes before us).
"""

from __future__ import annotations

import base64
import functools
import json
import re
import uuid
from http import HTTPStatus
from typing import NamedTuple
from urllib.parse import parse_qs, unquote_to_bytes, urlparse

from chalice.config import Config
from chalice.local import (
    Clock,
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
    """Chalice's route matcher, which splits every route again on every request and compares
    it segment by segment (a sixth of a cached verification's time), as one regular
    expression: the routes as alternatives in Chalice's (sorted) order, so the first that
    matches is the one Chalice would take; a `{parameter}` is one segment, possibly empty, as
    in Chalice. Each route's captures hold its own parameters only (Chalice's carry those of
    routes that failed half-way)."""

    def __init__(self, route_urls):
        super().__init__(route_urls)
        alternatives, self._by_group, group = [], {}, 1
        for route in self.route_urls:
            names, pattern = [], []
            for part in route.split("/"):
                if part.startswith("{") and part.endswith("}"):
                    names.append(part[1:-1])
                    pattern.append("([^/]*)")
                else:
                    pattern.append(re.escape(part))
            # The route's own group, then one group per parameter: `lastindex` (the last
            # group to close, here the route's own) says which route matched.
            self._by_group[group] = (route, names)
            group += 1 + len(names)
            alternatives.append("(" + "/".join(pattern) + ")")
        self._pattern = re.compile("|".join(alternatives))

    def match_route(self, url: str) -> MatchResult:
        parsed = urlparse(url)
        route, captured = self.match_path(parsed.path)
        return MatchResult(route, captured, parse_qs(parsed.query, keep_blank_values=True))

    def match_path(self, path: str) -> tuple[str, dict[str, str]]:
        """The route and its parameters for a path without its query; ValueError for none."""
        if path != "/" and path.endswith("/"):  # as API Gateway (and Chalice) do
            path = path[:-1]
        found = self._pattern.fullmatch(path)
        if found is None:
            raise ValueError(f"No matching route found for: {path}")
        group = found.lastindex
        route, names = self._by_group[group]
        return route, dict(zip(names, found.groups()[group : group + len(names)], strict=True))


class LocalContext(LambdaContext):
    """Chalice's local Lambda context with the same attributes, but its request id (a UUID4
    string, as Lambda's) made when first read rather than for every request: os.urandom and a
    UUID object were 4 % of a cached verification's time in the server, and the app never
    reads it."""

    def __init__(self, function_name: str, memory_size: int, max_runtime_ms: int):
        self._time_source = _CLOCK
        self._start_time = self._current_time_millis()
        self._max_runtime = max_runtime_ms
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = ""
        self.memory_limit_in_mb = memory_size
        self.log_group_name = ""
        self.log_stream_name = ""
        self.identity = None
        self.client_context = None

    @functools.cached_property
    def aws_request_id(self) -> str:
        return str(uuid.uuid4())


_CLOCK = Clock()


class Gateway:
    """What API Gateway does before and after the Lambda function, for one request: the
    proxy event Chalice's `LambdaEventConverter` would build (the same keys and values — a
    test compares them), with the peer's address as `requestContext.identity.sourceIp` (the
    rate limits key on it); Chalice's local authorizer and OPTIONS answer; then the app,
    called as Lambda calls it, and its answer as status, headers and bytes.

    The event is built here rather than by Chalice's `LocalGateway`, which parses the URL
    again, copies the headers and tries every route on every request: 9 % of a worker's time
    answering JSON verifications (py-spy), for nothing the app sees differently."""

    def __init__(self, app):
        self.app = app
        self.routes = _RouteIndex(list(app.routes))
        self.binary_types = app.api.binary_types
        config = Config.create(app_name=app.app_name)
        # For OPTIONS and authorizers, which it does as API Gateway would; never for routing.
        # (Its `_authorizer` and `_autogen_options_headers` are Chalice's private API: every
        # request in the tests asks the one, tests/service/test_gateway.py the other, so a
        # Chalice release that changes them fails there.)
        self.local = LocalGateway(app, config)
        timeout = config.lambda_timeout
        if timeout is None:
            timeout = LocalGateway.MAX_LAMBDA_EXECUTION_TIME
        self._context_args = {
            "function_name": config.function_name,
            "memory_size": config.lambda_memory_size,
            "max_runtime_ms": timeout * 1000,
        }

    def event(self, method: str, path: str, query: str, headers: dict, body: bytes, ip):
        """The proxy event; ValueError when no route has this path."""
        route, captured = self.routes.match_path(path)
        event = {
            "requestContext": {
                "httpMethod": method,
                "resourcePath": route,
                "identity": {"sourceIp": ip or LambdaEventConverter.LOCAL_SOURCE_IP},
                "path": path,
            },
            "headers": headers,
            "pathParameters": captured,
            "stageVariables": {},
            # API Gateway gives None, not {}, when there is no query.
            "multiValueQueryStringParameters": (
                parse_qs(query, keep_blank_values=True) or None if query else None
            ),
        }
        if body is not None and headers.get("content-type", "") in self.binary_types:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
        else:
            event["body"] = body
        return event

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
        try:
            event = self.event(method, path, query, headers, body, client_ip)
        except ValueError:
            # No such route. (API Gateway says 403 "Missing Authentication Token"; we say 404.)
            return problem_answer(ApiProblem(404, "not_found", "no such resource"), path)
        route = event["requestContext"]["resourcePath"]
        if method == "OPTIONS" and "OPTIONS" not in self.app.routes[route]:
            return _answer(
                {"statusCode": 200, "headers": self.local._autogen_options_headers(event)}
            )
        context = LocalContext(**self._context_args)
        try:
            event, context = self.local._authorizer.authorize(path, event, context)
        except LocalGatewayException as refused:
            return Answer(refused.CODE, list(refused.headers.items()), refused.body or b"")
        return _answer(self.app(event, context))


def _answer(response: dict) -> Answer:
    """Status, headers and bytes from the dict a Chalice app returns to Lambda."""
    headers = [(k, str(v)) for k, v in (response.get("headers") or {}).items()]
    for key, values in (response.get("multiValueHeaders") or {}).items():
        headers += [(key, str(v)) for v in values]
    payload = response.get("body") or b""
    if response.get("isBase64Encoded"):
        payload = base64.b64decode(payload)
    elif isinstance(payload, str):
        payload = payload.encode("utf-8")
    if not any(k.lower() == "content-length" for k, _ in headers):
        headers.append(("Content-Length", str(len(payload))))
    return Answer(int(response["statusCode"]), headers, payload)
