"""Public verification: the page behind the QR code, the JSON API, QR images, credentials."""

from . import openapi as _openapi  # noqa: F401  (adds the routes to /v1/openapi.json)
from .routes import verification

__all__ = ["verification"]
