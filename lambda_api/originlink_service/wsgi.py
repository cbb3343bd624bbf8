"""WSGI adapter: serves the Chalice app from any WSGI server (gunicorn in `make run`).

Each WSGI request becomes the API Gateway proxy event Lambda would receive — built by Chalice's
own `LocalGateway`, the piece `chalice local` and `chalice.test.Client` use — and the app's
answer becomes the WSGI response. Only the HTTP server differs from `chalice local` (whose
single-threaded BaseHTTPServer stalls on keep-alive connections); thread safety of
`app.current_request` comes from `ThreadSafeChalice`.
"""

from __future__ import annotations

import base64
import json

from chalice.config import Config
from chalice.local import LocalGateway, LocalGatewayException

from .problems import CONTENT_TYPE, ApiProblem


def _problem(start_response, problem: ApiProblem, path: str) -> list[bytes]:
    body = json.dumps(problem.body(path)).encode("utf-8")
    start_response(
        f"{problem.status} {problem.body()['title']}",
        [("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(body)))],
    )
    return [body]


class ChaliceWSGI:
    def __init__(self, app, max_body_bytes: int):
        self.gateway = LocalGateway(app, Config.create(app_name=app.app_name))
        self.max_body_bytes = max_body_bytes

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        # WSGI hands the path over as latin-1 decoded bytes; undo that to get UTF-8 text.
        path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace") or "/"
        query = environ.get("QUERY_STRING", "")
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0:
            return _problem(
                start_response, ApiProblem(400, "bad_request", "bad Content-Length"), path
            )
        if length > self.max_body_bytes:
            # Refuse before reading: a huge body never reaches memory.
            too_large = ApiProblem(
                413,
                "body_too_large",
                f"the request body is larger than {self.max_body_bytes} bytes",
            )
            return _problem(start_response, too_large, path)
        body = environ["wsgi.input"].read(length) if length else b""
        if body:
            headers["content-length"] = str(len(body))
        try:
            response = self.gateway.handle_request(
                method, path + ("?" + query if query else ""), headers, body
            )
        except (LocalGatewayException, UnicodeEncodeError):
            # No such route. (API Gateway says 403 "Missing Authentication Token"; we say 404.)
            # LocalGateway builds that error with the Authorization header encoded as ASCII,
            # so a non-ASCII header raises UnicodeEncodeError instead; the view functions'
            # own errors never get here (Chalice turns them into responses).
            return _problem(start_response, ApiProblem(404, "not_found", "no such resource"), path)
        status = int(response["statusCode"])
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
        start_response(f"{status} {_reason(status)}", out_headers)
        return [payload] if method != "HEAD" else []


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
