"""The WSGI adapter in-process: what gunicorn hands it, what it hands back."""

from __future__ import annotations

import io
import json

import pytest

from originlink_service.wsgi import ChaliceWSGI

from .conftest import auth


@pytest.fixture
def wsgi(app):
    return ChaliceWSGI(app, max_body_bytes=1024)


def call(wsgi, method, path, body=b"", query="", headers=None, content_length=None, stream=None):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "wsgi.input": stream or io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)) if content_length is None else content_length,
    }
    for key, value in (headers or {}).items():
        if key.lower() == "content-type":
            environ["CONTENT_TYPE"] = value
        else:
            environ["HTTP_" + key.upper().replace("-", "_")] = value
    captured = {}

    def start_response(status, response_headers):
        captured["status"], captured["headers"] = status, dict(response_headers)

    payload = b"".join(wsgi(environ, start_response))
    return int(captured["status"].split()[0]), captured["headers"], payload


def test_get_with_query_and_headers(wsgi, api_key):
    status, headers, payload = call(
        wsgi, "GET", "/v1/certificates", query="limit=5", headers=auth(api_key)
    )
    assert status == 200 and json.loads(payload) == {"items": [], "next": None}
    assert headers["Content-Length"] == str(len(payload))


def test_oversized_body_refused_before_reading(wsgi, api_key):
    class Exploding(io.BytesIO):
        def read(self, *args):  # pragma: no cover - must not be called
            raise AssertionError("body was read")

    status, headers, payload = call(
        wsgi,
        "POST",
        "/v1/certificates",
        b"x" * 2048,
        headers=auth(api_key, "k"),
        stream=Exploding(),
    )
    assert status == 413 and headers["Content-Type"] == "application/problem+json"
    assert json.loads(payload)["code"] == "body_too_large"


def test_bad_content_length_and_unknown_route(wsgi):
    status, _, payload = call(wsgi, "POST", "/v1/precheck", b"{}", content_length="abc")
    assert status == 400 and json.loads(payload)["code"] == "bad_request"
    status, headers, payload = call(wsgi, "GET", "/v1/n\xc3\xa4")  # latin-1 view of UTF-8 "nä"
    assert status == 404 and json.loads(payload)["instance"] == "/v1/nä"


def test_head_is_a_problem_not_a_crash(wsgi):
    status, headers, payload = call(wsgi, "HEAD", "/healthz")
    assert status == 405 and payload == b""


def test_unknown_route_with_non_ascii_authorization_is_a_404(wsgi):
    """Chalice's LocalGateway builds its "no route" error with the Authorization header encoded
    as ASCII; a header byte outside ASCII (gunicorn hands headers over as latin-1) must still be
    a 404 problem, not a crash of the adapter."""
    status, headers, payload = call(
        wsgi, "GET", "/no-such-route", headers={"Authorization": "Bearer caf\xe9"}
    )
    assert status == 404 and headers["Content-Type"] == "application/problem+json"
    assert json.loads(payload)["code"] == "not_found"
