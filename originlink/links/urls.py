"""Verification URLs, built so that the QR code printed on a certificate stays small.

`HTTPS://VERIFY.EXAMPLE.COM/V/<27-character short code>#<ACCESS CODE>`

Scheme and host are case-insensitive, so they are written uppercase; the path is `/V/` plus the
short code — all of it in the QR alphanumeric character set (5.5 bits per character instead of
8). The access code, when given, travels in the fragment: browsers never send a fragment to the
server, so it does not end up in access logs or proxies (TradeTrust puts its key in the query).

The Odoo addon calls `verification_url` too, so the service and the addon print identical links.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .codes import normalize, short_code_with_check

PAGE_PREFIX = "/V/"  # the service answers on /V/{code} and /v/{code}


def _base(base_url: str) -> str:
    parts = urlsplit(base_url.strip())
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"base_url must be an absolute http(s) URL, not {base_url!r}")
    if parts.query or parts.fragment:
        raise ValueError("base_url must not carry a query or a fragment")
    # Only scheme and host are case-insensitive; a path prefix (API stage) is kept as is.
    return f"{parts.scheme.upper()}://{parts.netloc.upper()}{parts.path.rstrip('/')}"


def verification_url(base_url: str, public_id: str, access_code: str | None = None) -> str:
    """The link printed on the certificate and encoded in its QR code.

    >>> verification_url("https://verify.example.com", "AAECAwQFBgcICQoLDA0ODw")
    'HTTPS://VERIFY.EXAMPLE.COM/V/00041061050R3GG28A1C60T3GF8'
    >>> verification_url("https://verify.example.com/", "AAECAwQFBgcICQoLDA0ODw", "ab cd-e")
    'HTTPS://VERIFY.EXAMPLE.COM/V/00041061050R3GG28A1C60T3GF8#ABCDE'
    """
    url = _base(base_url) + PAGE_PREFIX + short_code_with_check(public_id)
    if access_code:
        url += "#" + normalize(access_code)
    return url


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
