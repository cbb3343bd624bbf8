"""Public verification: the page behind the QR code, the JSON API, QR images, credentials."""

from .routes import verification

__all__ = ["verification"]
