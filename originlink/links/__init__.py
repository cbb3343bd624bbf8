"""Public links to certificates: short codes with a check character, every public path and
link (`urls`: the one place they are built), access codes, QR.

Pure Python except `qr_svg` (needs the `qrcode` package, a service dependency), so the Odoo
addon can import `verification_url` / `print_link` and print exactly what the service prints.
"""

from .codes import (
    InvalidCode,
    check_character,
    group,
    has_valid_check,
    normalize,
    public_id,
    resolve,
    short_code,
    short_code_with_check,
)
from .urls import (
    absolute,
    badge_html,
    badge_path,
    certificate_path,
    credential_path,
    document_path,
    page_path,
    print_link,
    public_links,
    public_origin,
    qr_path,
    qr_payload_segments,
    statement_links,
    statement_path,
    verification_url,
    verify_path,
)


def qr_svg(url: str, *, box_size: int = 10) -> str:
    from .qr import qr_svg as _qr_svg

    return _qr_svg(url, box_size=box_size)


__all__ = [
    "InvalidCode",
    "absolute",
    "badge_html",
    "badge_path",
    "certificate_path",
    "credential_path",
    "document_path",
    "page_path",
    "print_link",
    "public_links",
    "public_origin",
    "qr_path",
    "verify_path",
    "check_character",
    "group",
    "has_valid_check",
    "normalize",
    "public_id",
    "qr_payload_segments",
    "qr_svg",
    "resolve",
    "statement_links",
    "statement_path",
    "short_code",
    "short_code_with_check",
    "verification_url",
]
