"""Public links to certificates: short codes with a check character, verification URLs, QR.

Pure Python except `qr_svg` (needs the `qrcode` package, a service dependency), so the Odoo
addon can import `verification_url` and print exactly the link the service prints.
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
from .urls import qr_payload_segments, verification_url


def qr_svg(url: str, *, box_size: int = 10) -> str:
    from .qr import qr_svg as _qr_svg

    return _qr_svg(url, box_size=box_size)


__all__ = [
    "InvalidCode",
    "check_character",
    "group",
    "has_valid_check",
    "normalize",
    "public_id",
    "qr_payload_segments",
    "qr_svg",
    "resolve",
    "short_code",
    "short_code_with_check",
    "verification_url",
]
