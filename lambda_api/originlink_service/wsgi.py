"""WSGI adapter: the Chalice app under any WSGI server. (`originlink serve` runs the ASGI
adapter, `asgi.py`, which reads slow clients without tying a thread; this one stays for
WSGI hosts and as the baseline of the server benchmark.) The request → event → answer work is
`gateway.py`'s; thread safety of `app.current_request` comes from `ThreadSafeChalice`.
"""

from __future__ import annotations

from urllib.parse import quote

from .gateway import Gateway, problem_answer, reason, request_path
from .problems import ApiProblem


def _raw_path(environ) -> bytes:
    """The path as the client sent it: gunicorn's RAW_URI, else PATH_INFO encoded again (so
    a decoded '?' or '#' is still seen)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return raw.split("?", 1)[0].encode("latin-1")
    return quote(environ.get("PATH_INFO", "/").encode("latin-1"), safe="/;=,~!$&'()*+:@").encode()


class ChaliceWSGI:
    def __init__(self, app, max_body_bytes: int):
        self.gateway = Gateway(app)
        self.max_body_bytes = max_body_bytes

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        answer = self._answer(method, environ)
        start_response(f"{answer.status} {reason(answer.status)}", answer.headers)
        return [answer.body] if method != "HEAD" else []

    def _answer(self, method: str, environ):
        # WSGI hands the path over as latin-1 decoded bytes; undo that to get UTF-8 text.
        shown = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
        try:
            path = request_path(_raw_path(environ))
        except ApiProblem as problem:
            return problem_answer(problem, shown)
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
            return problem_answer(ApiProblem(400, "bad_request", "bad Content-Length"), path)
        if length > self.max_body_bytes:
            # Refuse before reading: a huge body never reaches memory.
            too_large = ApiProblem(
                413,
                "body_too_large",
                f"the request body is larger than {self.max_body_bytes} bytes",
            )
            return problem_answer(too_large, path)
        body = environ["wsgi.input"].read(length) if length else b""
        query = environ.get("QUERY_STRING", "")
        return self.gateway.handle(method, path, query, headers, body, environ.get("REMOTE_ADDR"))
