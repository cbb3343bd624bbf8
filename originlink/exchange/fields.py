"""The shapes every party to the customs exchange agrees on, without importing the message
models (the service's callback route reads these at start-up; keep it cheap)."""

from __future__ import annotations

JSON_VERSIONS = ("1.0", "1.1")
UBL_VERSIONS = ("2.1",)
FORMATS: dict[str, tuple[str, ...]] = {"json": JSON_VERSIONS, "ubl": UBL_VERSIONS}

ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,100}$"
RECIPIENT_PATTERN = r"^[A-Z]{2}(-[A-Z0-9]{2,16})?$"
DIGEST_PATTERN = r"^sha256:[0-9a-f]{64}$"
JWS_PATTERN = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$"
