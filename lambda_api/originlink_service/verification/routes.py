"""Public verification routes (no login): the page people reach from the QR code, the JSON API
for machines, the QR image, the credential export and the did:web document.

Privacy: a miss, a malformed id, a wrong check character and a certificate that is not public
(not issued yet) all get the same answer. The access code travels in a header (JSON) or a
POST form (page), never in a URL that ends up in logs; the QR link carries it in the fragment.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from chalice import Blueprint, Response

from originlink.links import page_path, verification_url

from .. import ratelimits
from ..auth import authenticate
from ..http import json_body, published_document
from ..problems import ApiProblem
from ..settings import context
from . import i18n, pages, verifier
from .checks import access_code_matches, is_statement

verification = Blueprint(__name__)

MAX_BULK = 100
VIEW_OF = {"owner": "full", "code": "code", "public": "public"}  # who asks -> what they see
JSON_STATUS_CACHE = "public, max-age=0, must-revalidate"  # always revalidated: cheap 304s
IMMUTABLE = "public, max-age=31536000, immutable"
PRIVATE = "private, no-store"


def _request():
    return verification.current_request


def _headers():
    return _request().headers or {}


def base_url() -> str:
    """The public origin for links, QR codes, the issuer and status URLs: configured
    (ORIGINLINK_PUBLIC_URL), never taken from the request (app.py refuses another Host)."""
    return context().settings.origin


def _lookup(text: str):
    return verifier.lookup(context(), text)


def _not_found_problem() -> ApiProblem:
    return ApiProblem(404, "not_found", "no certificate matches this id or code")


def _viewer_is_owner(record) -> bool:
    """True for the owning exporter's API key; a bad key is a 401 (the caller meant to log in);
    another exporter's valid key is treated as public (nothing tells it the owner)."""
    if not _headers().get("authorization"):
        return False
    return authenticate(context().store, _headers()) == record.exporter_id


def _json(body: str, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        body=body,
        status_code=status,
        headers={
            "Content-Type": "application/json",
            "Access-Control-Allow-Origin": "*",
            "X-Robots-Tag": "noindex",
            **(headers or {}),
        },
    )


def _etag_matches(etag: str) -> bool:
    sent = _headers().get("if-none-match")
    if not sent:
        return False
    return sent.strip() == "*" or etag in [t.strip().removeprefix("W/") for t in sent.split(",")]


# --- JSON API ----------------------------------------------------------------------------


def _access(record) -> str:
    """Who is asking: `owner` (the exporter's own key), `code` (the right access code),
    `denied` (a code that unlocks nothing) or `public`."""
    if is_statement(record):  # all of an origin statement is public: one view for everyone
        return "public"
    code = _headers().get("x-access-code")
    if _viewer_is_owner(record):
        return "owner"
    if code:
        return "code" if access_code_matches(record, code) else "denied"
    return "public"


@verification.route("/v1/verify/{public_id}", methods=["GET"])
def verify_one(public_id):
    result = verifier.find(context(), public_id)
    if result is None:
        raise _not_found_problem()
    access = _access(result.record)
    if access in {"owner", "code"}:
        _, text = verifier.view_body(context(), result, VIEW_OF[access])
        return _json(text, headers={"Cache-Control": PRIVATE})
    if access == "denied":
        raise ApiProblem(
            403,
            "access_code_invalid",
            "X-Access-Code: this access code does not unlock the certificate",
        )
    headers = {
        "Cache-Control": JSON_STATUS_CACHE,
        "ETag": result.etag,
        "Vary": "Authorization, X-Access-Code",
    }
    if _etag_matches(result.etag):
        return Response(body="", status_code=304, headers=headers)
    return _json(result.json, headers=headers)


def _typed_lookup(number: str, invoice: str) -> list[dict]:
    records = verifier.lookup_number_invoice(context(), number, invoice)
    return [verifier.verify(context(), r).body for r in records]


@verification.route("/v1/verify", methods=["GET"])
def verify_by_number():
    params = _request().query_params or {}
    missing = [name for name in ("number", "invoice") if not (params.get(name) or "").strip()]
    if missing:
        raise ApiProblem(
            400,
            "missing_query_parameter",
            f"{missing[0]}: give both the certificate number and an invoice number "
            "(/v1/verify?number=...&invoice=...)",
            errors=[{"path": m, "code": "required", "message": f"{m}: required"} for m in missing],
        )
    results = _typed_lookup(params["number"], params["invoice"])
    if not results:
        raise _not_found_problem()
    return _json(
        json.dumps({"results": results}, ensure_ascii=False),
        headers={"Cache-Control": JSON_STATUS_CACHE},
    )


def _bulk_item(index: int, item) -> dict:
    if isinstance(item, str):
        result = verifier.find(context(), item)
        if result is None:
            return {"index": index, "status": 404, "error": {"code": "not_found"}}
        return {"index": index, "status": 200, "result": result.body}
    if isinstance(item, dict) and set(item) == {"id"} and isinstance(item["id"], str):
        return _bulk_item(index, item["id"])
    if (
        isinstance(item, dict)
        and set(item) == {"number", "invoice"}
        and all(isinstance(item[k], str) and item[k].strip() for k in item)
    ):
        results = _typed_lookup(item["number"], item["invoice"])
        if not results:
            return {"index": index, "status": 404, "error": {"code": "not_found"}}
        return {"index": index, "status": 200, "results": results}
    return {
        "index": index,
        "status": 400,
        "error": {
            "code": "invalid_item",
            "path": f"items[{index}]",
            "message": f'items[{index}]: give an id string, {{"id": ...}} or '
            '{"number": ..., "invoice": ...}',
        },
    }


def _within_budget(items: list, budget: int) -> list[dict]:
    """Each item's answer while the response stays within `budget` bytes; the items after
    that are not looked up (413 `response_budget_exceeded`: ask for them again)."""
    answers, used = [], 0
    for index, item in enumerate(items):
        answer = None if used > budget else _bulk_item(index, item)
        size = len(json.dumps(answer, ensure_ascii=False)) if answer else 0
        if answer is None or (answers and used + size > budget):
            used = budget + 1
            answer = {
                "index": index,
                "status": 413,
                "error": {
                    "code": "response_budget_exceeded",
                    "path": f"items[{index}]",
                    "message": f"items[{index}]: not looked up: the answer reached its "
                    f"{budget}-byte budget; send this item again in another request",
                },
            }
        else:
            used += size
        answers.append(answer)
    return answers


@verification.route("/v1/verify", methods=["POST"])
def verify_bulk():
    data = json_body(_request())
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ApiProblem(
            422,
            "invalid_request",
            'items: send {"items": [...]} with up to 100 ids or number/invoice pairs',
            errors=[{"path": "items", "code": "required", "message": "items: a list"}],
        )
    if len(items) > MAX_BULK:
        raise ApiProblem(
            422,
            "too_many_items",
            f"items: at most {MAX_BULK} per call, got {len(items)}",
            errors=[{"path": "items", "code": "too_long", "message": f"max {MAX_BULK}"}],
        )
    limiter = context().limiter
    policy = limiter.policy if limiter is not None else ratelimits.POLICY
    answers = _within_budget(items, policy.bulk_response_bytes)
    return _json(
        json.dumps({"results": answers}, ensure_ascii=False), headers={"Cache-Control": "no-store"}
    )


@verification.route("/v1/verify/{public_id}/document/{digest_hex}", methods=["GET"])
def signed_document(public_id, digest_hex):
    """Content-addressed signed document: the view's SD-JWT and what it discloses, immutable
    (public view). With the access code or the owner's key: that view, private."""
    result = verifier.find(context(), public_id)
    if result is None or result.record.digest != f"sha256:{digest_hex}":
        raise _not_found_problem()
    access = _access(result.record)
    if access == "denied":
        raise ApiProblem(403, "access_code_invalid", "X-Access-Code: this code does not match")
    body = verifier.signed_document(context(), result, VIEW_OF[access])
    cache = IMMUTABLE if access == "public" else "private, max-age=31536000, immutable"
    return _json(
        json.dumps(body, ensure_ascii=False),
        headers={"Cache-Control": cache, "Vary": "Authorization, X-Access-Code"},
    )


SD_JWT_MEDIA = "application/dc+sd-jwt"


@verification.route("/v1/verify/{public_id}/credential", methods=["GET"])
def credential(public_id):
    """The certificate's public view as a credential: a W3C VC 2.0 (`vc+jwt`, default), or
    with `Accept: application/dc+sd-jwt` the SD-JWT VC of the public view."""
    from . import vc

    result = verifier.find(context(), public_id)
    if result is None:
        raise _not_found_problem()
    accept = _headers().get("accept", "")
    if SD_JWT_MEDIA in accept and result.body["sd_jwt"]:
        return Response(
            body=result.body["sd_jwt"],
            status_code=200,
            headers={"Content-Type": SD_JWT_MEDIA, "Cache-Control": "no-cache"},
        )
    token = vc.credential_for(context(), result, base_url())
    if "application/vc+jwt" in accept:
        return Response(
            body=token,
            status_code=200,
            headers={"Content-Type": "application/vc+jwt", "Cache-Control": "no-cache"},
        )
    from originlink.credentials import enveloped

    return _json(
        json.dumps(
            {"credential": token, "enveloped": enveloped(token), "sd_jwt": result.body["sd_jwt"]}
        ),
        headers={"Cache-Control": "no-cache"},
    )


@verification.route("/v1/status-lists/{public_id}", methods=["GET"])
def status_list(public_id):
    """The certificate's W3C Bitstring Status List credential (`vc+jwt`), next to the JSON
    status; `Accept: application/vc+jwt` gives the token alone."""
    from . import vc

    result = verifier.find(context(), public_id)
    if result is None:
        raise _not_found_problem()
    token = vc.status_list_for(context(), result, base_url())
    cache = f"public, max-age={60}"
    if "application/vc+jwt" in _headers().get("accept", ""):
        return Response(
            body=token,
            status_code=200,
            headers={"Content-Type": "application/vc+jwt", "Cache-Control": cache},
        )
    return _json(json.dumps({"credential": token}), headers={"Cache-Control": cache})


@verification.route("/.well-known/did.json", methods=["GET"])
def did_json():
    from originlink.credentials import did_document, did_web

    info = verifier.jwks_info(context())
    doc = did_document(did_web(base_url()), info["jwks"])
    return published_document(doc, "application/did+json")


@verification.route("/.well-known/sandbox/jwks.json", methods=["GET"])
def sandbox_jwks():
    """The sandbox key set: sandbox certificates verify against it, never against the
    production JWKS."""
    from ..settings import SandboxUnavailable

    try:
        info = verifier.jwks_info(context(), sandbox=True)
    except SandboxUnavailable as exc:
        raise ApiProblem(404, "not_found", str(exc)) from exc
    return published_document(info["jwks"], "application/jwk-set+json")


def _issuer_metadata(sandbox: bool):
    """SD-JWT VC issuer metadata: where the keys of an `iss` are published."""
    from originlink.credentials.views import SANDBOX_PATH
    from originlink.links.urls import JWKS_PATH, SANDBOX_JWKS_PATH, absolute

    origin = base_url()
    doc = {
        "issuer": origin + (SANDBOX_PATH if sandbox else ""),
        "jwks_uri": absolute(origin, SANDBOX_JWKS_PATH if sandbox else JWKS_PATH),
    }
    return published_document(doc, "application/json")


@verification.route("/.well-known/jwt-vc-issuer", methods=["GET"])
def jwt_vc_issuer():
    return _issuer_metadata(False)


@verification.route("/.well-known/jwt-vc-issuer/sandbox", methods=["GET"])
def jwt_vc_issuer_sandbox():
    return _issuer_metadata(True)


@verification.route("/v1/qr/{name}", methods=["GET"])
def qr(name):
    """`/v1/qr/{public_id}.svg`: the QR of the verification link. The owner may ask
    `?with_code=1` for the link with the access code in its fragment (to print)."""
    from originlink.links import qr_svg

    if not name.endswith(".svg"):
        raise _not_found_problem()
    record = _lookup(name[: -len(".svg")])
    if record is None:
        raise _not_found_problem()
    with_code = (_request().query_params or {}).get("with_code") in {"1", "true"}
    if with_code and not _viewer_is_owner(record):
        raise ApiProblem(403, "forbidden", "with_code: only the owning exporter's key may ask")
    # (an origin statement has no access code: its link is the same for everyone)
    code = getattr(record, "access_code", None) if with_code else None
    url = verification_url(base_url(), record.public_id, code)
    return Response(
        body=pages.qr_cache(url, qr_svg),
        status_code=200,
        headers={
            "Content-Type": "image/svg+xml",
            "Cache-Control": PRIVATE if with_code else "public, max-age=86400",
            "X-Verification-Url": url if not with_code else url.split("#")[0],
        },
    )


@verification.route("/v1/badge/{name}", methods=["GET"])
def badge(name):
    """`/v1/badge/{public_id}.svg`: an origin statement's badge for any website (country,
    agreement, criterion; grey and saying why once it no longer stands). Nothing but what the
    statement shows; revalidated like the JSON status. `?lang=` chooses its words."""
    from . import badge as badges

    result = verifier.find(context(), name[: -len(".svg")]) if name.endswith(".svg") else None
    if result is None or result.body.get("kind") != "origin_statement":
        raise ApiProblem(404, "not_found", "no origin statement matches this id")
    lang = _lang()
    etag = result.etag[:-1] + "-badge-" + lang + '"'
    headers = {
        "Cache-Control": "public, max-age=300",
        "ETag": etag,
        "Vary": "Accept-Language",
        "Access-Control-Allow-Origin": "*",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        "X-Robots-Tag": "noindex",
    }
    if _etag_matches(etag):
        return Response(body="", status_code=304, headers=headers)
    svg = result.pages.get(("badge", lang))
    if svg is None:
        svg = result.pages[("badge", lang)] = badges.badge_svg(result.body, lang)
    return Response(body=svg, status_code=200, headers={"Content-Type": "image/svg+xml", **headers})


# --- the page ----------------------------------------------------------------------------


def _lang() -> str:
    params = _request().query_params or {}
    return i18n.choose(params.get("lang"), _headers().get("accept-language"))


def _page_response(html: str, status: int, lang: str, extra: dict | None = None) -> Response:
    return Response(
        body=html,
        status_code=status,
        headers={**pages.PAGE_HEADERS, "Content-Language": lang, **(extra or {})},
    )


def _not_found_page(lang: str) -> Response:
    return _page_response(pages.not_found(lang), 404, lang, {"Cache-Control": "no-store"})


def _show(public_id: str):
    lang = _lang()
    result = verifier.find(context(), public_id)
    if result is None:
        return _not_found_page(lang)
    etag = result.etag[:-1] + "-" + lang + '"'
    headers = {"Cache-Control": "public, max-age=0, must-revalidate", "ETag": etag}
    if _etag_matches(etag):
        return Response(body="", status_code=304, headers=headers)
    return _page_response(pages.public_page(result, lang), 200, lang, headers)


def _unlock(public_id: str):
    lang = _lang()
    result = verifier.find(context(), public_id)
    if result is None:
        return _not_found_page(lang)
    record = result.record
    from .checks import is_statement

    if is_statement(record):  # no access code: the page shows everything already
        return _page_response(pages.public_page(result, _lang()), 200, _lang())
    raw = _request().raw_body or b""
    try:
        form = parse_qs(raw.decode("utf-8", "replace"), max_num_fields=5)
    except ValueError:  # more fields than the form has: not our form, so no code
        form = {}
    code = (form.get("code") or [""])[0]
    params = _request().query_params or {}
    lang = i18n.choose(
        (form.get("lang") or [None])[0] or params.get("lang"), _headers().get("accept-language")
    )
    from .checks import access_code_matches

    if not access_code_matches(record, code):
        html = pages.render_page(result, lang, full=None, code_wrong=True)
        return _page_response(html, 403, lang, {"Cache-Control": PRIVATE})
    full, _ = verifier.view_body(context(), result, "code")
    html = pages.render_page(result, lang, full=full["certificate"], code_wrong=False)
    return _page_response(html, 200, lang, {"Cache-Control": PRIVATE})


@verification.route("/v", methods=["GET"])
def lookup_page():
    """Typed-in lookup for people: the short code printed under the QR (its check character
    is checked before any lookup), or certificate number + invoice number."""
    lang = _lang()
    params = _request().query_params or {}
    code = (params.get("code") or "").strip()
    number, invoice = (params.get("number") or "").strip(), (params.get("invoice") or "").strip()
    if code:
        from originlink.links import InvalidCode, resolve

        try:
            public_id = resolve(code)
        except InvalidCode:
            html = pages.lookup_page(lang, code=code, code_invalid=True)
            return _page_response(html, 400, lang, {"Cache-Control": "no-store"})
        return _found([_lookup(public_id)], lang)
    if number and invoice:
        records = verifier.lookup_number_invoice(context(), number, invoice)
        return _found(records, lang)
    html = pages.lookup_page(lang, number=number, invoice=invoice)
    return _page_response(html, 200, lang, {"Cache-Control": "public, max-age=300"})


def _found(records: list, lang: str) -> Response:
    records = [r for r in records if r is not None]
    if not records:
        return _not_found_page(lang)
    if len(records) == 1:
        location = f"{page_path(records[0].public_id)}?lang={lang}"
        return Response(
            body="",
            status_code=303,
            headers={"Location": location, "Cache-Control": "no-store", "X-Robots-Tag": "noindex"},
        )
    matches = [verifier.verify(context(), r).body for r in records]
    html = pages.lookup_page(lang, matches=matches)
    return _page_response(html, 200, lang, {"Cache-Control": "no-store"})


@verification.route("/v/{public_id}", methods=["GET"])
def page(public_id):
    return _show(public_id)


@verification.route("/V/{public_id}", methods=["GET"])
def page_upper(public_id):  # the QR link's uppercase form (alphanumeric mode)
    return _show(public_id)


_FORM = ["application/x-www-form-urlencoded"]


@verification.route("/v/{public_id}", methods=["POST"], content_types=_FORM)
def page_unlock(public_id):
    return _unlock(public_id)


@verification.route("/V/{public_id}", methods=["POST"], content_types=_FORM)
def page_unlock_upper(public_id):
    return _unlock(public_id)
