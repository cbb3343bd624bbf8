"""QR code of a verification URL as SVG (the `qrcode` package; service-side only).

The data is added as explicit segments (`urls.qr_payload_segments`) so the URL goes in
alphanumeric mode; error correction M (15%) survives scuffed paper.
"""

from __future__ import annotations

ALPHANUMERIC_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def build_qr(url: str):
    """A `qrcode.QRCode` holding `url`, fitted to the smallest version."""
    import qrcode
    from qrcode.util import MODE_8BIT_BYTE, MODE_ALPHA_NUM, QRData

    from .urls import qr_payload_segments

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    for mode, text in qr_payload_segments(url):
        qr_mode = MODE_ALPHA_NUM if mode == "alphanumeric" else MODE_8BIT_BYTE
        qr.add_data(QRData(text.encode("utf-8"), mode=qr_mode, check_data=False))
    qr.make(fit=True)
    return qr


def qr_svg(url: str, *, box_size: int = 10) -> str:
    """Standalone SVG document (one path on a white background, scalable, prints sharply)."""
    import qrcode.image.svg

    qr = build_qr(url)
    qr.box_size = box_size
    image = qr.make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    return image.to_string(encoding="unicode")
