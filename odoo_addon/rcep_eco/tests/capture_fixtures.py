"""Regenerate tests/files/*.json from the real OriginLink service (not run by the tests).

    python capture_fixtures.py http://127.0.0.1:8765 olk_...   # a fresh `originlink serve`

Each file is one exchange: {"method", "path", "request", "status", "response"}. The tests
replay them at the addon's single HTTP call site, so the fixtures are real answers."""

import copy
import json
import sys
from pathlib import Path

import requests

HERE = Path(__file__).parent
FILES = HERE / "files"


def exchange(base, key, name, method, path, body=None, idem=None):
    headers = {"Authorization": f"Bearer {key}"}
    if idem:
        headers["Idempotency-Key"] = idem
    resp = requests.request(method, base + path, json=body, headers=headers, timeout=10)
    record = {
        "method": method,
        "path": path,
        "request": body,
        "status": resp.status_code,
        "response": resp.json(),
    }
    (FILES / f"{name}.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    print(name, resp.status_code)
    return record["response"]


def main(base, key):
    doc = json.loads((HERE / "certificate_document.json").read_text())
    # The dry run of the document about to be sent: valid, with its warnings and lane.
    exchange(base, key, "precheck_valid", "POST", "/v1/precheck", doc)
    created = exchange(base, key, "create_201", "POST", "/v1/certificates", doc, "k-create")
    bad = copy.deepcopy(doc)
    bad["number"] = "RCEP-2026-000009"
    bad["importer"]["country"] = "US"
    exchange(base, key, "create_422", "POST", "/v1/certificates", bad, "k-bad")
    exchange(base, key, "create_409_duplicate", "POST", "/v1/certificates", doc, "k-again")
    exchange(base, key, "precheck_invalid", "POST", "/v1/precheck", bad)
    orig = created["id"]
    corrected = copy.deepcopy(doc)
    corrected["number"] = "RCEP-2026-000002"
    corrected["goods_items"][0]["quantity"]["value"] = "30.000"
    corrected["goods_items"][0]["fob_value"]["amount"] = "3000.00"
    corrected["goods_items"][0]["gross_weight"]["value"] = "960.000"
    body = {"certificate": corrected, "reason": "quantity corrected to 30 units"}
    new = exchange(
        base, key, "replace_201", "POST", f"/v1/certificates/{orig}/replace", body, "k-r"
    )
    exchange(base, key, "status_replaced", "GET", f"/v1/certificates/{orig}")
    exchange(base, key, "events_replaced", "GET", f"/v1/certificates/{orig}/events")
    rid = new["id"]
    ctc = {"reason": "lost", "note": "original lost in transit"}
    path = f"/v1/certificates/{rid}/certified-true-copy"
    exchange(base, key, "certified_true_copy_201", "POST", path, ctc, "k-ctc")
    cancel = {"reason": "order cancelled by the buyer"}
    exchange(base, key, "cancel_200", "POST", f"/v1/certificates/{rid}/cancel", cancel, "k-c1")
    exchange(base, key, "status_cancelled", "GET", f"/v1/certificates/{rid}")
    exchange(base, key, "cancel_409", "POST", f"/v1/certificates/{rid}/cancel", cancel, "k-c2")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), sys.argv[2])
