"""gateway.py against what it stands in for: Chalice's LocalGateway (the event, the route, the
Lambda context) and API Gateway's answers around the app."""

from __future__ import annotations

import uuid

import pytest
from chalice.local import LambdaContext, LambdaEventConverter, RouteMatcher

from originlink_service.app import app
from originlink_service.gateway import Gateway, LocalContext, _RouteIndex

ROUTES = list(app.routes)


def test_the_route_index_matches_as_chalice_does():
    """gateway._RouteIndex (the routes as one regular expression) against Chalice's own
    matcher: for paths made from every route of the app, with and without a trailing slash and
    a query, the same route and the same parameters; an unknown path is refused by both."""
    routes = ROUTES
    ours, chalice = _RouteIndex(routes), RouteMatcher(routes)
    # A parameter may also be empty, or spelled like another route's literal segment (where
    # the order the routes are tried in decides).
    literals = sorted({p for r in routes for p in r.split("/") if p and not p.startswith("{")})
    for route in routes:
        parts = route.split("/")
        concrete = "/".join(f"x{i}" if p.startswith("{") else p for i, p in enumerate(parts))
        urls = [concrete, concrete + "/", concrete + "?a=1&b=&a=2"]
        for value in ["", *literals]:
            urls.append("/".join(value if p.startswith("{") else p for p in parts))
        for url in urls:
            try:
                want = chalice.match_route(url)
            except ValueError:  # an empty last parameter is cut off as a trailing slash
                with pytest.raises(ValueError):
                    ours.match_route(url)
                continue
            got = ours.match_route(url)
            assert got.route == want.route, url
            # Chalice's captures carry stray ones from routes that failed half-way; the
            # route's own parameters are what reach the view.
            assert got.captured == {k: want.captured[k] for k in got.captured}, url
            assert set(got.captured) == {p[1:-1] for p in want.route.split("/") if "{" in p}
            assert got.query_params == want.query_params, url
    for url in ("/no/such/route/here/at/all", "/v1/certificates/a/b/c/d/e"):
        with pytest.raises(ValueError):
            chalice.match_route(url)
        with pytest.raises(ValueError):
            ours.match_route(url)


@pytest.mark.parametrize(
    "method, path, query, headers, body",
    [
        ("GET", "/v1/verify/AAAAAAAAAAAAAAAAAAAAAA", "", {"host": "h"}, b""),
        ("GET", "/v1/verify", "number=A1&invoice=&number=B2", {"accept": "*/*"}, b""),
        ("GET", "/v1/certificates/", "limit=1", {"authorization": "Bearer k"}, b""),
        ("POST", "/v1/certificates", "", {"content-type": "application/json"}, b'{"a": 1}'),
        ("POST", "/v1/verify", "", {"content-type": "application/octet-stream"}, b"\x00"),
        ("DELETE", "/v1/webhook", "", {}, None),
        ("POST", "/v1/customs/sg-v1/callbacks", "a=%20b", {"content-type": "text/xml"}, b"<x/>"),
    ],
)
def test_the_event_is_the_one_chalice_builds(method, path, query, headers, body):
    """Key for key, the proxy event Chalice's LambdaEventConverter (under `chalice local` and
    its test client) builds for the same request, with the peer's address as the source IP
    and the route's own parameters only."""
    converter = LambdaEventConverter(RouteMatcher(ROUTES), ["application/octet-stream"])
    gateway = Gateway(app)
    gateway.binary_types = ["application/octet-stream"]
    url = path + ("?" + query if query else "")
    want = converter.create_lambda_event(method, url, dict(headers), body)
    got = gateway.event(method, path, query, dict(headers), body, "203.0.113.9")
    assert got["requestContext"]["identity"] == {"sourceIp": "203.0.113.9"}
    want["requestContext"]["identity"]["sourceIp"] = "203.0.113.9"
    own = {p[1:-1] for p in want["requestContext"]["resourcePath"].split("/") if "{" in p}
    want["pathParameters"] = {k: v for k, v in want["pathParameters"].items() if k in own}
    assert got == want
    # Without a peer address (a test client), Chalice's own default.
    anonymous = gateway.event(method, path, query, dict(headers), body, None)
    assert anonymous["requestContext"]["identity"] == {
        "sourceIp": LambdaEventConverter.LOCAL_SOURCE_IP
    }


def test_no_route_is_a_404_problem_and_options_is_answered_as_before():
    gateway = Gateway(app)
    missing = gateway.handle("GET", "/no/such/thing", "", {}, b"", "198.51.100.1")
    assert missing.status == 404
    assert ("Content-Type", "application/problem+json") in missing.headers
    options = gateway.handle("OPTIONS", "/v1/verify/AAAAAAAAAAAAAAAAAAAAAA", "", {}, b"", None)
    assert (options.status, options.body) == (200, b"")
    assert ("Access-Control-Allow-Methods", "OPTIONS") in options.headers


def test_the_lambda_context_has_what_chalice_s_has():
    """Every attribute and method of Chalice's local context, with the same values; the
    request id a UUID4 string, made when first read, the same on each read and different for
    each request."""
    theirs = LambdaContext("originlink", 128, max_runtime_ms=3000)
    ours = LocalContext("originlink", 128, max_runtime_ms=3000)
    public = lambda ctx: {k: v for k, v in vars(ctx).items() if not k.startswith("_")}  # noqa: E731
    assert public(ours) == {k: v for k, v in public(theirs).items() if k != "aws_request_id"}
    request_id = ours.aws_request_id
    assert uuid.UUID(request_id).version == 4 and ours.aws_request_id == request_id
    assert LocalContext("originlink", 128, 3000).aws_request_id != request_id
    assert 0 < ours.get_remaining_time_in_millis() <= 3000
