"""RFC 9457 problem details (application/problem+json) with a stable machine `code`.

Views raise `ApiProblem`; it subclasses `ChaliceUnhandledError` so Chalice lets it through to
our middleware (app.py), which turns it — and any error Chalice produces itself (405, 415,
500) — into a problem document. The service's domain errors (`errors.py`) get their status here
and nowhere else (`from_service_error`).
"""

from __future__ import annotations

import json
from functools import wraps

from chalice import Response
from chalice.app import ChaliceUnhandledError

from .errors import (
    Conflict,
    InvalidInput,
    InvalidState,
    NotFound,
    ServiceError,
    Unauthenticated,
    Unavailable,
)

PROBLEM_TYPE_BASE = "https://originlink.example/problems/"
CONTENT_TYPE = "application/problem+json"

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    421: "Misdirected Request",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class ApiProblem(ChaliceUnhandledError):
    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        errors: list[dict] | None = None,
        article: str | None = None,
        headers: dict | None = None,
        **extra,
    ):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.errors, self.article = errors, article
        self.headers = headers or {}
        self.extra = extra

    def body(self, instance: str | None = None) -> dict:
        doc = {
            "type": PROBLEM_TYPE_BASE + self.code,
            "title": TITLES.get(self.status, "Error"),
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
        }
        if instance:
            doc["instance"] = instance
        if self.article:
            doc["article"] = self.article
        if self.errors is not None:
            doc["errors"] = self.errors
        doc.update(self.extra)
        return doc

    def response(self, instance: str | None = None) -> Response:
        return problem_response(self.status, self.body(instance), self.headers)


def problem_response(status: int, body: dict, headers: dict | None = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": CONTENT_TYPE, "Cache-Control": "no-store", **(headers or {})},
    )


# Chalice's own error bodies look like {"Code": ..., "Message": ...}; give them stable codes.
_CHALICE_CODES = {
    405: "method_not_allowed",
    415: "unsupported_media_type",
    400: "bad_request",
    404: "not_found",
    500: "internal_error",
}


def from_chalice_error(response: Response, instance: str | None) -> Response:
    """Rewrite a Chalice-made error into problem+json (never leaking internals)."""
    status = response.status_code
    code = _CHALICE_CODES.get(status, "error")
    detail = "An internal error occurred; nothing was changed." if status >= 500 else None
    if detail is None and isinstance(response.body, dict):
        detail = str(response.body.get("Message", TITLES.get(status, "Error")))
    headers = {k: v for k, v in (response.headers or {}).items() if k.lower() == "allow"}
    problem = ApiProblem(status, code, detail or TITLES.get(status, "Error"), headers=headers)
    return problem.response(instance)


# The one place a domain error becomes an HTTP status.
_STATUS = {
    NotFound: 404,
    InvalidInput: 422,
    InvalidState: 409,
    Conflict: 409,
    Unauthenticated: 401,
    Unavailable: 503,
}


def from_service_error(error: ServiceError) -> ApiProblem:
    status = next((code for cls, code in _STATUS.items() if isinstance(error, cls)), 500)
    headers = {"Retry-After": "60"} if status == 503 else None  # what may come back in a minute
    return ApiProblem(
        status,
        error.code,
        error.detail,
        errors=error.errors,
        article=error.article,
        headers=headers,
        **error.extra,
    )


def answers_domain_errors(view):
    """A route whose domain errors come back as problem+json. (Chalice turns any exception
    but its own `ChaliceUnhandledError` into a bare 500 before the middleware sees it.)"""

    @wraps(view)
    def edge(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except ServiceError as error:
            raise from_service_error(error) from error

    return edge
