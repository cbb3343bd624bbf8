"""Key rotation never makes a freshly signed certificate unverifiable on any worker (issue
10.4): `originlink signing-keys rotate` runs while two `originlink serve` worker processes
issue and verify certificates; every verification of every certificate says signature_valid,
whichever worker answers and whatever it had cached."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid

import pytest
import requests
from service.conftest import ROOT, RunningServer, load_example

pytestmark = pytest.mark.http


# The local key ring, rotated under running workers. (A KMS key set is configuration: rotating
# it is a redeploy with the new ORIGINLINK_KMS_KEY_ID, docs/operations.md.)
LOCAL_KEYS = {"ORIGINLINK_STORAGE": "sqlite", "ORIGINLINK_SIGNER": "local"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = RunningServer(
        tmp_path_factory.mktemp("rotation") / "data", workers=2, threads=4, env=LOCAL_KEYS
    )
    running.start()
    yield running
    running.stop()


def rotate(data_dir) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "originlink", "signing-keys", "rotate", "--data-dir", str(data_dir)],
        env={**os.environ, **LOCAL_KEYS},
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout)["active"]


def issue(base: str, key: str) -> dict:
    doc = load_example()
    doc["number"] = "ROT-" + uuid.uuid4().hex[:10].upper()
    r = requests.post(
        base + "/v1/certificates",
        json=doc,
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_rotation_during_verifications_on_two_workers(server):
    base, key = server.base, server.demo_key
    failures, checked = [], []
    stop = threading.Event()
    issued: list[dict] = []
    lock = threading.Lock()

    def verifier():
        while not stop.is_set() or issued:
            with lock:
                cert = issued.pop(0) if issued else None
            if cert is None:
                continue
            for _ in range(4):  # new connection each time: both workers answer
                r = requests.get(
                    f"{base}/v1/verify/{cert['public_id']}",
                    headers={"Connection": "close"},
                    timeout=30,
                )
                body = r.json()
                code = body["checks"]["integrity"]["code"]
                checked.append(code)
                if code != "signature_valid":
                    failures.append((cert["signature"]["kid"], code))

    threads = [threading.Thread(target=verifier) for _ in range(3)]
    for t in threads:
        t.start()
    kids = set()
    try:
        for _ in range(4):
            kids.add(rotate(server.data_dir))
            for _ in range(5):
                cert = issue(base, key)  # signed at once with the new key, by either worker
                kids.add(cert["signature"]["kid"])
                with lock:
                    issued.append(cert)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=120)
    assert failures == []
    assert len(checked) == 4 * 5 * 4 and len(kids) >= 4
    jwks = requests.get(base + "/.well-known/jwks.json", timeout=10).json()
    assert kids <= {k["kid"] for k in jwks["keys"]}  # retired keys stay published
