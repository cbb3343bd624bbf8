"""Every public path and link of a certificate, built in one place (the service's routes,
answers and pages, and the Odoo addon through its bridge, all call these).

The printed link — `HTTPS://VERIFY.EXAMPLE.COM/V/<27-character short code>#<ACCESS CODE>` —
is built so that the QR code stays small: scheme and host are case-insensitive, so they are
written uppercase, and the path is `/V/` plus the short code, all of it in the QR alphanumeric
character set (5.5 bits per character instead of 8). The access code, when given, travels in
the fragment: browsers never send a fragment to the server, so it does not end up in access
logs or proxies (TradeTrust puts its key in the query).

The origin comes from configuration (the service's `ORIGINLINK_PUBLIC_URL`), never from a
request: `public_origin` checks it once.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from .codes import group, normalize, short_code_with_check

# Relative paths (the service answers on each; `/v/` and `/V/` both reach the page).
PAGE_PREFIX = "/V/"
LOOKUP_PATH = "/v"
JWKS_PATH = "/.well-known/jwks.json"
SANDBOX_JWKS_PATH = "/.well-known/sandbox/jwks.json"
DID_PATH = "/.well-known/did.json"
STATUS_LIST_PREFIX = "/v1/status-lists/"


@functools.lru_cache(maxsize=32)  # read on every request (Host check, links): parse once
def public_origin(url: str) -> str:
    """`scheme://host[:port]` of a configured public URL, lowercase, without a trailing slash.
    Raises ValueError for anything else: a path prefix (an API stage such as `/api`) would
    break the printed links and enlarge the QR, so it is refused here rather than printed.

    >>> public_origin("https://Verify.Example.com/")
    'https://verify.example.com'
    """
    parts = urlsplit((url or "").strip())
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"the public URL must be an absolute http(s) URL, not {url!r}")
    if parts.path.strip("/") or parts.query or parts.fragment or parts.username:
        raise ValueError(
            f"the public URL must be an origin (scheme://host[:port]) without a path, "
            f"query or user, not {url!r}"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise ValueError(f"the public URL has a malformed port: {url!r}") from exc
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


@functools.lru_cache(maxsize=32)
def host_of(origin: str) -> str:
    """`host[:port]` of an origin, as a client sends it in `Host`."""
    return urlsplit(origin).netloc.lower()


# --- relative paths ------------------------------------------------------------------------


def page_path(public_id: str) -> str:
    """The verification page: `/V/<short code with check character>`."""
    return PAGE_PREFIX + short_code_with_check(public_id)


def verify_path(public_id: str) -> str:
    return f"/v1/verify/{public_id}"


def document_path(public_id: str, digest: str) -> str:
    """Content-addressed: the path changes when (and only when) the signed content does."""
    return f"/v1/verify/{public_id}/document/{digest.split(':', 1)[-1]}"


def credential_path(public_id: str) -> str:
    return f"/v1/verify/{public_id}/credential"


def qr_path(public_id: str) -> str:
    return f"/v1/qr/{public_id}.svg"


def status_list_path(public_id: str) -> str:
    """The certificate's W3C Bitstring Status List credential."""
    return STATUS_LIST_PREFIX + public_id


def certificate_path(certificate_id: str) -> str:
    """The exporter API's resource (Bearer key)."""
    return f"/v1/certificates/{certificate_id}"


STATEMENTS_PATH = "/v1/origin-statements"  # the exporter API's origin statements (Bearer key)


def statement_path(statement_id: str) -> str:
    """The exporter API's origin statement resource (Bearer key)."""
    return f"{STATEMENTS_PATH}/{statement_id}"


def badge_path(public_id: str) -> str:
    """An origin statement's badge (SVG), for any website to show."""
    return f"/v1/badge/{public_id}.svg"


def public_links(public_id: str, digest: str, *, sandbox: bool = False) -> dict:
    """The `links` object of a verification answer (paths relative to the public origin)."""
    return {
        "page": page_path(public_id),
        "self": verify_path(public_id),
        "document": document_path(public_id, digest),
        "credential": credential_path(public_id),
        "qr": qr_path(public_id),
        "status_list": status_list_path(public_id),
        "jwks": SANDBOX_JWKS_PATH if sandbox else JWKS_PATH,
    }


def statement_links(public_id: str, digest: str, *, sandbox: bool = False) -> dict:
    """The `links` of an origin statement's verification answer: the same routes as a
    certificate's (one page, one JSON route, whatever the document), plus its badge."""
    return {**public_links(public_id, digest, sandbox=sandbox), "badge": badge_path(public_id)}


# --- absolute links ------------------------------------------------------------------------


def _printed_base(base_url: str) -> str:
    parts = urlsplit(base_url.strip())
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"base_url must be an absolute http(s) URL, not {base_url!r}")
    if parts.query or parts.fragment:
        raise ValueError("base_url must not carry a query or a fragment")
    # Only scheme and host are case-insensitive; a path prefix is kept as is.
    return f"{parts.scheme.upper()}://{parts.netloc.upper()}{parts.path.rstrip('/')}"


def absolute(origin: str, path: str) -> str:
    return origin.rstrip("/") + path


def verification_url(base_url: str, public_id: str, access_code: str | None = None) -> str:
    """The link printed on the certificate and encoded in its QR code.

    >>> verification_url("https://verify.example.com", "AAECAwQFBgcICQoLDA0ODw")
    'HTTPS://VERIFY.EXAMPLE.COM/V/00041061050R3GG28A1C60T3GF8'
    >>> verification_url("https://verify.example.com/", "AAECAwQFBgcICQoLDA0ODw", "ab cd-e")
    'HTTPS://VERIFY.EXAMPLE.COM/V/00041061050R3GG28A1C60T3GF8#ABCDE'
    """
    url = _printed_base(base_url) + page_path(public_id)
    if access_code:
        url += "#" + normalize(access_code)
    return url


def print_link(
    base_url: str, public_id: str, access_code: str | None, *, sandbox: bool = False
) -> dict:
    """What to print on the certificate (the `links.print` of the exporter's answers):

    - `url`: the QR link with the access code in its fragment (scanning it opens the full
      view; the code never reaches a server log),
    - `url_public`: the same link without the access code (for copies that should show only
      the public view),
    - `short_code`: the short code grouped by four, to type at `lookup` when there is no
      scanner,
    - `access_code`: grouped by four, printed beside it,
    - `lookup`: the typed-in lookup page,
    - `sandbox`: true when the certificate is a sandbox one (print it as SANDBOX — NOT A
      CERTIFICATE OF ORIGIN).

    >>> link = print_link("https://verify.example.com", "AAECAwQFBgcICQoLDA0ODw", "ABCDEFGHJK2")
    >>> link["url"]
    'HTTPS://VERIFY.EXAMPLE.COM/V/00041061050R3GG28A1C60T3GF8#ABCDEFGHJK2'
    >>> link["short_code"], link["access_code"]
    ('0004-1061-050R-3GG2-8A1C-60T3-GF8', 'ABCD-EFGH-JK2')
    """
    return {
        "url": verification_url(base_url, public_id, access_code),
        "url_public": verification_url(base_url, public_id),
        "short_code": group(short_code_with_check(public_id)),
        "access_code": group(normalize(access_code)) if access_code else None,
        "lookup": _printed_base(base_url).lower() + LOOKUP_PATH,
        "sandbox": sandbox,
    }


def qr_payload_segments(url: str) -> list[tuple[str, str]]:
    """The URL split into QR segments: (mode, text), mode "alphanumeric" or "byte". The
    fragment separator `#` is the only character outside the alphanumeric set, so a link with
    an access code is three segments; without one, a single alphanumeric segment."""
    from .qr import ALPHANUMERIC_CHARS

    segments: list[tuple[str, str]] = []
    for ch in url:
        mode = "alphanumeric" if ch in ALPHANUMERIC_CHARS else "byte"
        if segments and segments[-1][0] == mode:
            segments[-1] = (mode, segments[-1][1] + ch)
        else:
            segments.append((mode, ch))
    return segments


def badge_html(origin: str, public_id: str, *, alt: str, lang: str | None = None) -> str:
    """The copy-and-paste HTML of an origin statement's badge: the badge image (from the
    service, so it always shows the statement's current status) linking to its verification
    page. `alt` is the badge's words for people who cannot see it.

    >>> print(badge_html("https://verify.example.com", "AAECAwQFBgcICQoLDA0ODw", alt="RCEP & more"))
    <a href="HTTPS://VERIFY.EXAMPLE.COM/V/00041061050R3GG28A1C60T3GF8" target="_blank" \
rel="noopener"><img src="https://verify.example.com/v1/badge/AAECAwQFBgcICQoLDA0ODw.svg" \
alt="RCEP &amp; more" height="40" loading="lazy" referrerpolicy="no-referrer"></a>
    """
    from html import escape
    from urllib.parse import quote

    src = absolute(public_origin(origin), badge_path(public_id))
    if lang:
        src += "?lang=" + quote(lang)
    href = verification_url(origin, public_id)
    return (
        f'<a href="{escape(href)}" target="_blank" rel="noopener">'
        f'<img src="{escape(src)}" alt="{escape(alt)}" height="40" loading="lazy" '
        f'referrerpolicy="no-referrer"></a>'
    )
