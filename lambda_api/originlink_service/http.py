"""Small request helpers shared by the route modules: JSON bodies, request models,
the Idempotency-Key header, query parameters, the Host check; and the answer for published
documents."""

from __future__ import annotations

import functools
import json
import re

import rfc8785
from chalice import Response
from pydantic import BaseModel, ValidationError

from originlink.problems import format_path

from .problems import ApiProblem

_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")


def json_body(request) -> object:
    """The body as JSON, or a 400 problem (`canonical_json_body`)."""
    return canonical_json_body(request)[0]


def canonical_json_body(request) -> tuple[object, bytes]:
    """The body as JSON and its RFC 8785 canonical bytes (what idempotency hashes), or a 400
    problem. Only I-JSON (RFC 7493) is accepted — finite numbers, integers within ±2^53, valid
    Unicode — which is what RFC 8785 can canonicalise and what every JSON parser reads the
    same way."""
    raw = request.raw_body or b""
    if not raw.strip():
        raise ApiProblem(400, "body_required", "the request needs a JSON body")
    try:
        data = json.loads(raw, parse_constant=_no_constants)
    except RecursionError as exc:
        raise ApiProblem(400, "malformed_json", "the body is nested too deeply") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiProblem(400, "malformed_json", f"the body is not valid JSON: {exc}") from exc
    try:
        canonical = rfc8785.dumps(data)
    except RecursionError as exc:
        raise ApiProblem(400, "malformed_json", "the body is nested too deeply") from exc
    except rfc8785.CanonicalizationError as exc:
        raise ApiProblem(
            400,
            "unsupported_json",
            f"the body is JSON but not I-JSON (RFC 7493): {exc}; send amounts as decimal strings",
        ) from exc
    return data, canonical


def parse_model(model: type[BaseModel], data: object):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [
            {
                "path": format_path(tuple(e["loc"])),
                "code": "unknown_field" if e["type"] == "extra_forbidden" else e["type"],
                "message": f"{format_path(tuple(e['loc'])) or 'body'}: {e['msg']}",
                "article": None,
            }
            for e in exc.errors(include_url=False, include_input=False)
        ]
        raise ApiProblem(422, "invalid_request", errors[0]["message"], errors=errors) from exc


def idempotency_key(request) -> str:
    key = request.headers.get("idempotency-key")
    if key is None:
        raise ApiProblem(
            400,
            "idempotency_key_required",
            "send an Idempotency-Key header (e.g. a UUID) so that a retry cannot create a "
            "second certificate",
        )
    if not _IDEMPOTENCY_KEY.match(key):
        raise ApiProblem(
            400,
            "idempotency_key_invalid",
            "Idempotency-Key must be 1-255 printable ASCII characters without spaces",
        )
    return key


def query_param(request, name: str) -> str | None:
    params = request.query_params or {}
    return params.get(name)


def int_param(request, name: str, default: int, low: int, high: int) -> int:
    raw = query_param(request, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ApiProblem(
            400,
            "invalid_query_parameter",
            f"{name} must be an integer from {low} to {high}",
            errors=[{"path": name, "code": "out_of_range", "message": f"{name}: {raw!r}"}],
        )
    return value


def published_document(doc: dict, content_type: str) -> Response:
    """A public document anyone may fetch and cache for a while, from any origin (keys: JWKS,
    did:web)."""
    return Response(
        body=json.dumps(doc),
        status_code=200,
        headers={
            "Content-Type": content_type,
            "Cache-Control": "public, max-age=300",
            "Access-Control-Allow-Origin": "*",
        },
    )


_LOOPBACK = {"localhost", "127.0.0.1", "[::1]"}


def _split_host(host: str) -> tuple[str, str]:
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit() and not name.endswith(":"):  # "[::1]:8000", "a.example:443"
        return name, port
    return host, ""


@functools.lru_cache(maxsize=256)  # a pure function of what clients send, asked per request
def host_is_ours(host: str | None, configured: str, scheme: str) -> bool:
    """Whether a request's Host names the configured public origin (`configured` is its
    `host[:port]`). Nothing is built from Host: links, issuer and status URLs come from the
    configuration; a Host for another name is refused. Without Host (HTTP/1.0, test clients)
    there is nothing to check. A loopback origin accepts any loopback name on its port."""
    if not host:
        return True
    default = "443" if scheme == "https" else "80"
    name, port = _split_host(host.strip().lower())
    want_name, want_port = _split_host(configured)
    if (port or default) != (want_port or default):
        return False
    return name == want_name or (name in _LOOPBACK and want_name in _LOOPBACK)


def misdirected(configured: str) -> ApiProblem:
    return ApiProblem(
        421,
        "misdirected_request",
        f"Host: this service answers for {configured} only (ORIGINLINK_PUBLIC_URL)",
    )


def invalid_path() -> ApiProblem:
    return ApiProblem(
        400,
        "invalid_path",
        "the path has a ';', an encoded '/', '?' or '#', a control character or bytes that "
        "are not UTF-8; ids never contain them",
    )


_NOT_IN_A_PARAMETER = re.compile(r"[/?#;\x00-\x1f\x7f]")


def path_parameter_ok(value: str) -> bool:
    """No '/', '?', '#', ';' or control character in a decoded path parameter (what reaches
    the app on Lambda, where API Gateway decodes the path)."""
    return _NOT_IN_A_PARAMETER.search(value) is None
