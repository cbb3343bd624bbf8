"""Key rings: the active signing key plus every retired key, so old signatures keep verifying.

Local: one PEM file per key under a directory, named by its kid, and an `active` file naming the
current one. KMS: the active key id and the retired key ids come from configuration; rotating
means creating a new KMS key and moving the old id to the retired list (keys are never deleted).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from .signers import KmsSigner, LocalKeySigner


class LocalKeyring:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._loaded: dict[str, LocalKeySigner] = {}

    def _active_file(self) -> Path:
        return self.directory / "active"

    def _path(self, kid: str) -> Path:
        return self.directory / f"{kid}.pem"

    def _write_active(self, kid: str) -> None:
        tmp = self.directory / "active.tmp"
        tmp.write_text(kid + "\n", encoding="ascii")
        os.replace(tmp, self._active_file())  # atomic: readers see the old or the new kid

    def active_signer(self) -> LocalKeySigner:
        """The active key; created (mode 0600) on first use. The `active` file is re-read each
        time, so a rotation by the CLI takes effect in a running server at once."""
        with self._lock:
            if not self._active_file().exists():
                return self.rotate()
            kid = self._active_file().read_text(encoding="ascii").strip()
            if kid not in self._loaded:
                self._loaded[kid] = LocalKeySigner.load(self._path(kid))
            return self._loaded[kid]

    def rotate(self) -> LocalKeySigner:
        """Create a new key and make it active; the previous one stays (retired) in the JWKS."""
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        tmp = self.directory / "new.pem.tmp"
        tmp.unlink(missing_ok=True)
        signer = LocalKeySigner.generate(tmp)
        os.replace(tmp, self._path(signer.kid))
        self._write_active(signer.kid)
        return signer

    def keys(self) -> list[dict]:
        """Public JWKs of every key, active first, each with `status` active|retired."""
        if not self.directory.exists():
            return []
        active = (
            self._active_file().read_text(encoding="ascii").strip()
            if self._active_file().exists()
            else None
        )
        jwks = []
        for pem in sorted(self.directory.glob("*.pem")):
            jwk = LocalKeySigner.load(pem).public_jwk
            jwk["status"] = "active" if jwk["kid"] == active else "retired"
            jwks.append(jwk)
        return sorted(jwks, key=lambda k: k["status"] != "active")

    def jwks(self) -> dict:
        return {"keys": [{k: v for k, v in j.items() if k != "status"} for j in self.keys()]}


class KmsKeyring:
    def __init__(self, kms_client, active_key_id: str, retired_key_ids: list[str] | None = None):
        self._kms = kms_client
        self._active = KmsSigner(kms_client, active_key_id)
        self._retired = [KmsSigner(kms_client, k) for k in (retired_key_ids or []) if k]

    def active_signer(self) -> KmsSigner:
        return self._active

    def keys(self) -> list[dict]:
        out = [{**self._active.public_jwk, "status": "active"}]
        out += [{**s.public_jwk, "status": "retired"} for s in self._retired]
        return out

    def jwks(self) -> dict:
        return {"keys": [{k: v for k, v in j.items() if k != "status"} for j in self.keys()]}

    @staticmethod
    def create_key(kms_client, description: str = "OriginLink certificate signing") -> str:
        """A new ECC_NIST_P256 signing key in KMS; returns its KeyId."""
        meta = kms_client.create_key(
            KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY", Description=description
        )["KeyMetadata"]
        return meta["KeyId"]
