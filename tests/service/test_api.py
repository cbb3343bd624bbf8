"""Exporter API through chalice.test.Client: happy paths and every error path."""

from __future__ import annotations

import json
import threading

import pytest

from originlink.formats.canonical import digest
from originlink.links.access import ACCESS_ALPHABET, access_code_is_valid, new_access_code
from originlink.model import Certificate
from originlink.signing import verify_jws
from originlink_service import service
from originlink_service.auth import hash_key
from originlink_service.errors import Conflict
from originlink_service.lifecycle import verify_chain
from originlink_service.problems import from_service_error
from originlink_service.schemas import CertificateResource
from originlink_service.storage import Event

from .conftest import auth, stored_bytes


def post(client, path, key, body, idem="k-1", content_type="application/json", headers=None):
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.http.post(
        path, headers={**auth(key, idem, content_type), **(headers or {})}, body=raw
    )


def body(response) -> dict:
    doc = json.loads(response.body)
    # Every certificate in an answer matches the published schema (OpenAPI components).
    if response.status_code < 300 and "signature" in doc:
        CertificateResource.model_validate(doc)
    for item in doc.get("items", []) if isinstance(doc, dict) else []:
        if "signature" in item:
            CertificateResource.model_validate(item)
    return doc


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    doc = body(response)
    assert doc["status"] == status and doc["code"] == code
    assert doc["type"].endswith("/" + code) and doc["title"] and doc["detail"]
    return doc


@pytest.fixture
def created(client, api_key, certificate) -> dict:
    response = post(client, "/v1/certificates", api_key, certificate, idem="create-1")
    assert response.status_code == 201, response.body
    return body(response)


# --- creation -------------------------------------------------------------------------------


def test_create_signs_stores_and_queues(client, api_key, certificate, created, ctx):
    assert created["state"] == "issued" and created["version"] == 2
    assert created["number"] == certificate["number"]
    assert created["certificate"]["goods_items"][0]["fob_value"] == {
        "amount": "4000.00",
        "currency": "USD",
    }
    # The digest is the core's canonical digest of the stored certificate ...
    assert created["digest"] == digest(Certificate.model_validate(certificate))
    # ... and the signature covers it, verifiable with the published JWKS alone.
    jwks = body(client.http.get("/.well-known/jwks.json"))
    claims = verify_jws(created["signature"]["jws"], jwks)
    assert claims["digest"] == created["digest"]
    assert claims["public_id"] == created["public_id"] and claims["number"] == created["number"]
    # No internal ids in the public signature (issue 17): neither the record's nor the exporter's.
    assert created["id"] not in json.dumps(claims) and "exp_" not in json.dumps(claims)
    assert created["signature"]["kid"] in {k["kid"] for k in jwks["keys"]}
    # public id: >= 128 bits of randomness (22 base64url characters)
    assert len(created["public_id"]) >= 22
    # No destination is connected in the default configuration: nothing is queued, and the
    # certificate says it goes on paper (tests/customs: connected destinations).
    assert ctx.store.list_outbox() == []
    assert created["customs"]["mode"] == "paper-parallel"
    why = "no electronic exchange with the customs of VN is configured"
    assert created["customs"]["why"] == why
    assert created["certification"] is None


def test_get_list_and_events(client, api_key, created):
    got = client.http.get(f"/v1/certificates/{created['id']}", headers=auth(api_key))
    assert got.status_code == 200 and body(got) == created
    listing = body(client.http.get("/v1/certificates", headers=auth(api_key)))
    assert [c["id"] for c in listing["items"]] == [created["id"]] and listing["next"] is None
    events = body(
        client.http.get(f"/v1/certificates/{created['id']}/events", headers=auth(api_key))
    )
    assert [e["type"] for e in events["items"]] == ["received", "issued"]
    assert events["chain_intact"] is True
    assert events["items"][1]["prev_hash"] == events["items"][0]["hash"]


def test_list_pages_and_bad_limit(client, api_key, certificate):
    for i in range(3):
        certificate["number"] = f"R-{i}"
        assert (
            post(client, "/v1/certificates", api_key, certificate, idem=f"p{i}").status_code == 201
        )
    page = body(client.http.get("/v1/certificates?limit=2", headers=auth(api_key)))
    rest = body(
        client.http.get(f"/v1/certificates?limit=2&after={page['next']}", headers=auth(api_key))
    )
    assert [c["number"] for c in page["items"] + rest["items"]] == ["R-0", "R-1", "R-2"]
    for bad in ("0", "201", "x"):
        resp = client.http.get(f"/v1/certificates?limit={bad}", headers=auth(api_key))
        assert_problem(resp, 400, "invalid_query_parameter")
    for bad in ("x", "x" * 3000, page["next"] + "x", "|"):
        resp = client.http.get(f"/v1/certificates?after={bad}", headers=auth(api_key))
        doc = assert_problem(resp, 400, "invalid_query_parameter")
        assert doc["errors"][0]["path"] == "after"


def test_precheck_reports_without_storing(client, api_key, certificate, ctx):
    ok = client.http.post("/v1/precheck", headers=auth(api_key), body=json.dumps(certificate))
    assert ok.status_code == 200
    assert body(ok)["valid"] is True and body(ok)["digest"].startswith("sha256:")
    certificate["goods_items"][0]["hs_code"] = "94"
    certificate["surprise"] = 1
    bad = body(
        client.http.post("/v1/precheck", headers=auth(api_key), body=json.dumps(certificate))
    )
    assert bad["valid"] is False
    paths = {e["path"] for e in bad["errors"]}
    assert {"goods_items[0].hs_code", "surprise"} <= paths
    assert ctx.store.list_certificates(ctx.store.list_api_keys()[0].exporter_id)[0] == []


# --- idempotency ------------------------------------------------------------------------------


def test_replay_returns_the_same_answer(client, api_key, certificate, created):
    again = post(client, "/v1/certificates", api_key, certificate, idem="create-1")
    assert again.status_code == 201
    assert body(again) == created
    # Byte for byte, too.
    certificate["number"] = "R-BYTES-1"
    first = post(client, "/v1/certificates", api_key, certificate, idem="bytes-1")
    second = post(client, "/v1/certificates", api_key, certificate, idem="bytes-1")
    assert first.body == second.body and first.status_code == second.status_code == 201
    certificate["number"] = created["number"]
    assert again.headers["Idempotent-Replayed"] == "true"
    # Same JSON with other whitespace/key order is the same request.
    reordered = json.dumps(dict(reversed(list(certificate.items()))), indent=3)
    assert body(post(client, "/v1/certificates", api_key, reordered, idem="create-1")) == created
    listing = body(client.http.get("/v1/certificates", headers=auth(api_key)))
    assert len(listing["items"]) == 2


def test_same_number_with_a_new_key_is_409(client, api_key, certificate, created):
    resp = post(client, "/v1/certificates", api_key, certificate, idem="create-2")
    doc = assert_problem(resp, 409, "duplicate_number")
    assert doc["article"] == "Art 3.17" and doc["errors"][0]["path"] == "number"
    listing = body(client.http.get("/v1/certificates", headers=auth(api_key)))
    assert len(listing["items"]) == 1


def test_same_key_different_body_is_409(client, api_key, certificate, created):
    certificate["remarks"] = "changed"
    resp = post(client, "/v1/certificates", api_key, certificate, idem="create-1")
    assert_problem(resp, 409, "idempotency_key_reused")


def test_idempotency_key_is_required_and_checked(client, api_key, certificate):
    resp = post(client, "/v1/certificates", api_key, certificate, idem=None)
    assert_problem(resp, 400, "idempotency_key_required")
    resp = post(client, "/v1/certificates", api_key, certificate, idem="has space")
    assert_problem(resp, 400, "idempotency_key_invalid")
    resp = post(client, "/v1/certificates", api_key, certificate, idem="x" * 256)
    assert_problem(resp, 400, "idempotency_key_invalid")


def test_idempotency_keys_are_per_exporter(client, api_key, other_key, certificate, created):
    other = post(client, "/v1/certificates", other_key, certificate, idem="create-1")
    assert other.status_code == 201 and body(other)["id"] != created["id"]


def test_concurrent_duplicates_create_exactly_one(ctx, api_key, certificate, tmp_path):
    """Eight threads race with one key straight into the service over SQLite."""
    from originlink_service.customs import config

    connected = tmp_path / "customs.toml"  # VN connected, so that creating queues a message
    connected.write_text(
        '[destinations.VN]\nmode = "direct"\nendpoint = "http://127.0.0.1:9/never"\n'
        'credentials = "env:NOT_USED_HERE"\n'
    )
    ctx._customs = config.load(connected)
    exporter_id = ctx.store.list_api_keys()[0].exporter_id
    req_hash = service.request_hash("POST", "/v1/certificates{}", certificate)
    barrier, answers, errors = threading.Barrier(8), [], []

    def race():
        try:
            barrier.wait()
            request = service.IdempotentRequest("race", req_hash)
            answers.append(service.create(ctx, exporter_id, certificate, request=request))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=race) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert {a.status for a in answers} == {201}
    assert len({a.body["id"] for a in answers}) == 1
    assert sum(not a.replayed for a in answers) == 1
    assert len(ctx.store.list_certificates(exporter_id)[0]) == 1
    assert len(ctx.store.list_outbox()) == 1  # VN connected: one forward, not eight


def test_duplicate_of_a_lifecycle_action_that_commits_meanwhile_replays(ctx, created):
    """A retry of `cancel` that checked its key just before the first request committed must
    get the first answer, not 409 invalid_state from the record the first request changed."""
    exporter_id = ctx.store.list_api_keys()[0].exporter_id
    request = service.IdempotentRequest("dup", service.request_hash("POST", "/c", {"r": "x"}))
    # The undecorated operation: what this request computes once it has checked its key.
    late = service.cancel.__wrapped__

    def prepare_after_the_other_request_committed():
        first = service.cancel(ctx, exporter_id, created["id"], "x", request=request)
        assert first.status == 200 and not first.replayed
        return late(ctx, exporter_id, created["id"], "x")

    answer = service.run_once(ctx, exporter_id, request, prepare_after_the_other_request_committed)
    assert answer.replayed and answer.status == 200 and answer.body["state"] == "cancelled"
    assert [e.type for e in ctx.store.list_events(created["id"])][-1] == "cancelled"
    assert len(ctx.store.list_events(created["id"])) == 3


# --- authentication and scoping -----------------------------------------------------------


def test_missing_bad_and_revoked_keys(client, api_key, ctx):
    resp = client.http.get("/v1/certificates")
    doc = assert_problem(resp, 401, "unauthenticated")
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Bearer" in doc["detail"]
    resp = client.http.get("/v1/certificates", headers={"Authorization": "Basic abc"})
    assert_problem(resp, 401, "unauthenticated")
    assert_problem(
        client.http.get("/v1/certificates", headers=auth("olk_nope")), 401, "invalid_api_key"
    )
    key = ctx.store.list_api_keys()[0]
    ctx.store.revoke_api_key(key.key_id, "2026-01-01T00:00:00Z")
    assert_problem(
        client.http.get("/v1/certificates", headers=auth(api_key)), 401, "api_key_revoked"
    )


def test_api_keys_are_stored_only_as_hashes(ctx, api_key):
    raw = stored_bytes(ctx)
    assert hash_key(api_key).encode() in raw  # what is stored is there to be searched ...
    assert api_key.encode() not in raw  # ... and the key itself is not
    assert len(api_key) >= len("olk_") + 43  # 32 random bytes, base64url


def test_other_exporters_certificate_is_indistinguishable_from_unknown(
    client, api_key, other_key, created
):
    cid = created["id"]
    theirs = client.http.get(f"/v1/certificates/{cid}", headers=auth(other_key))
    unknown = client.http.get(f"/v1/certificates/{cid[:-4]}0000", headers=auth(other_key))
    for resp in (theirs, unknown):
        assert_problem(resp, 404, "not_found")

    def strip(resp):
        return {k: v for k, v in body(resp).items() if k != "instance"}, resp.headers

    assert strip(theirs) == strip(unknown)
    # An id of a shape this service never gives out: the same answer.
    odd = client.http.get("/v1/certificates/" + "x" * 3000, headers=auth(other_key))
    assert strip(odd) == strip(unknown)
    for suffix in ("/events",):
        resp = client.http.get(f"/v1/certificates/{cid}{suffix}", headers=auth(other_key))
        assert_problem(resp, 404, "not_found")
    resp = post(client, f"/v1/certificates/{cid}/cancel", other_key, {"reason": "x"}, idem="c")
    assert_problem(resp, 404, "not_found")
    assert not body(client.http.get("/v1/certificates", headers=auth(other_key)))["items"]


# --- bad input never a 500 ------------------------------------------------------------------


def test_malformed_json(client, api_key):
    assert_problem(post(client, "/v1/certificates", api_key, "{nope"), 400, "malformed_json")
    assert_problem(post(client, "/v1/certificates", api_key, b"\xff\xfe"), 400, "malformed_json")
    assert_problem(post(client, "/v1/certificates", api_key, ""), 400, "body_required")


def test_wrong_content_type(client, api_key, certificate):
    resp = post(client, "/v1/certificates", api_key, certificate, content_type="text/plain")
    assert_problem(resp, 415, "unsupported_media_type")


def test_unknown_fields_and_invalid_values_name_field_and_article(client, api_key, certificate):
    certificate["colour"] = "red"
    certificate["goods_items"][0]["fob_value"] = None  # RVC needs FOB
    doc = assert_problem(
        post(client, "/v1/certificates", api_key, certificate), 422, "invalid_certificate"
    )
    by_path = {e["path"]: e for e in doc["errors"]}
    assert by_path["colour"]["code"] == "unknown_field"
    assert "article" in doc and doc["article"]
    assert all({"path", "code", "message", "article"} <= set(e) for e in doc["errors"])


def test_cross_field_problem_cites_article(client, api_key, certificate):
    certificate["goods_items"][0]["fob_value"] = None
    doc = assert_problem(
        post(client, "/v1/certificates", api_key, certificate), 422, "invalid_certificate"
    )
    fob = [e for e in doc["errors"] if e["path"] == "goods_items[0].fob_value"]
    assert fob and "Art 3.5" in fob[0]["article"]


@pytest.mark.parametrize("payload", ["[]", "42", '"text"', "null", '{"goods_items": "x"}'])
def test_wrong_shapes_are_422_not_500(client, api_key, payload):
    resp = post(client, "/v1/certificates", api_key, payload)
    assert resp.status_code in (400, 422), resp.body
    assert resp.headers["Content-Type"] == "application/problem+json"


def test_body_size_limit(client, api_key, ctx):
    big = json.dumps({"remarks": "x" * (ctx.settings.max_body_bytes + 1)})
    assert_problem(post(client, "/v1/certificates", api_key, big), 413, "body_too_large")


def test_method_not_allowed_is_a_problem(client, api_key):
    resp = client.http.put("/v1/certificates", headers=auth(api_key), body="{}")
    assert_problem(resp, 405, "method_not_allowed")


# --- lifecycle ------------------------------------------------------------------------------


def test_cancel_appends_a_chained_event(client, api_key, created, ctx):
    path = f"/v1/certificates/{created['id']}/cancel"
    resp = post(client, path, api_key, {"reason": "order cancelled"}, idem="cancel-1")
    assert resp.status_code == 200 and body(resp)["state"] == "cancelled"
    assert body(resp)["version"] == 3
    replay = post(client, path, api_key, {"reason": "order cancelled"}, idem="cancel-1")
    assert body(replay) == body(resp) and replay.headers["Idempotent-Replayed"] == "true"
    again = post(client, path, api_key, {"reason": "again"}, idem="cancel-2")
    doc = assert_problem(again, 409, "invalid_state")
    assert doc["state"] == "cancelled"
    events = ctx.store.list_events(created["id"])
    assert [e.type for e in events] == ["received", "issued", "cancelled"]
    assert verify_chain(events) == []
    assert events[2].detail == {"reason": "order cancelled"}


def test_cancel_request_body_is_checked(client, api_key, created):
    path = f"/v1/certificates/{created['id']}/cancel"
    doc = assert_problem(
        post(client, path, api_key, {"why": "x"}, idem="c1"), 422, "invalid_request"
    )
    assert {e["path"] for e in doc["errors"]} == {"reason", "why"}
    assert_problem(
        post(client, path, api_key, {"reason": "x"}, idem=None), 400, "idempotency_key_required"
    )


def test_replace_invalidates_the_original_and_points_to_it(client, api_key, created, certificate):
    certificate["number"] = "R2026-440100-000124"
    certificate["remarks"] = "Replaces R2026-440100-000123 (error in Box 8)"
    path = f"/v1/certificates/{created['id']}/replace"
    resp = post(client, path, api_key, {"certificate": certificate, "reason": "typo"}, idem="r1")
    assert resp.status_code == 201, resp.body
    new = body(resp)
    assert new["replaces"] == created["id"] and new["state"] == "issued"
    assert new["public_id"] != created["public_id"]
    original = body(client.http.get(f"/v1/certificates/{created['id']}", headers=auth(api_key)))
    assert original["state"] == "replaced" and original["replaced_by"] == new["id"]
    events = body(
        client.http.get(f"/v1/certificates/{created['id']}/events", headers=auth(api_key))
    )
    assert events["items"][-1]["detail"]["article"] == "Art 3.17.5" and events["chain_intact"]
    # A replaced certificate cannot be replaced or cancelled again.
    again = post(client, path, api_key, {"certificate": certificate, "reason": "x"}, idem="r2")
    assert_problem(again, 409, "invalid_state")


def test_replacement_number_stays_unique(client, api_key, created, certificate):
    """Art 3.17: a replacement may keep its original's number; a new number is its own, so it
    can neither take another certificate's number nor be taken later by a first issue."""
    other = dict(certificate, number="R2026-440100-000200")
    assert post(client, "/v1/certificates", api_key, other, idem="c-200").status_code == 201
    path = f"/v1/certificates/{created['id']}/replace"
    taken = post(client, path, api_key, {"certificate": other, "reason": "x"}, idem="r-200")
    doc = assert_problem(taken, 409, "duplicate_number")
    assert doc["errors"][0]["path"] == "number"
    original = body(client.http.get(f"/v1/certificates/{created['id']}", headers=auth(api_key)))
    assert original["state"] == "issued"  # nothing written
    fresh = dict(certificate, number="R2026-440100-000201")
    resp = post(client, path, api_key, {"certificate": fresh, "reason": "x"}, idem="r-201")
    assert resp.status_code == 201, resp.body
    again = post(client, "/v1/certificates", api_key, fresh, idem="c-201")
    assert_problem(again, 409, "duplicate_number")


def test_replacement_may_keep_the_original_number(client, api_key, created, certificate):
    path = f"/v1/certificates/{created['id']}/replace"
    certificate["remarks"] = "corrected Box 8"
    resp = post(client, path, api_key, {"certificate": certificate, "reason": "x"}, idem="r-1")
    assert resp.status_code == 201 and body(resp)["number"] == created["number"]


def test_replace_with_invalid_certificate_names_nested_path(client, api_key, created, certificate):
    certificate["goods_items"][1]["hs_code"] = "95"
    path = f"/v1/certificates/{created['id']}/replace"
    doc = assert_problem(
        post(client, path, api_key, {"certificate": certificate, "reason": "x"}, idem="r1"),
        422,
        "invalid_certificate",
    )
    assert any(e["path"] == "certificate.goods_items[1].hs_code" for e in doc["errors"])
    original = body(client.http.get(f"/v1/certificates/{created['id']}", headers=auth(api_key)))
    assert original["state"] == "issued"


def test_certified_true_copy(client, api_key, created, ctx):
    path = f"/v1/certificates/{created['id']}/certified-true-copy"
    resp = post(client, path, api_key, {"reason": "lost"}, idem="ctc-1")
    assert resp.status_code == 201, resp.body
    copy = body(resp)
    assert copy["copy_of"] == created["id"]
    marked = copy["certificate"]["certified_true_copy"]
    assert marked["original_number"] == created["number"]
    assert marked["original_issue_date"] == created["certificate"]["issue_date"]
    assert copy["certificate"]["issue_date"] == created["certificate"]["issue_date"]
    original_events = ctx.store.list_events(created["id"])
    assert original_events[-1].type == "certified_true_copy_issued"
    assert original_events[-1].state == "issued"  # the original stands
    bad = post(client, path, api_key, {"reason": "eaten"}, idem="ctc-2")
    assert_problem(bad, 422, "invalid_request")


def test_no_copy_of_a_cancelled_certificate(client, api_key, created):
    base = f"/v1/certificates/{created['id']}"
    assert post(client, base + "/cancel", api_key, {"reason": "x"}, idem="c").status_code == 200
    resp = post(client, base + "/certified-true-copy", api_key, {"reason": "lost"}, idem="t")
    doc = assert_problem(resp, 409, "invalid_state")
    assert doc["article"] == "Art 3.17.9"


def test_stale_write_is_a_409_and_changes_nothing(ctx, client, api_key, created):
    exporter_id = ctx.store.list_api_keys()[0].exporter_id
    stale = ctx.store.get_certificate(exporter_id, created["id"])
    # Someone else changes the certificate after we read it ...
    service.record_status(ctx, stale, "forwarded", "forwarded", actor="forwarder", detail={})

    # ... so a change computed from the stale read is refused.
    def prepare():
        from originlink_service import lifecycle
        from originlink_service.storage import RecordUpdate, WriteBatch

        updated, event = lifecycle.advance(stale, "cancelled", "cancelled", actor=exporter_id)
        return service.Change(
            WriteBatch(updates=[RecordUpdate(updated, stale.version, [event])]), {}
        )

    with pytest.raises(Conflict) as info:
        service.run_once(ctx, exporter_id, service.IdempotentRequest("stale", "h"), prepare)
    assert info.value.code == "version_conflict"
    assert from_service_error(info.value).status == 409
    assert ctx.store.get_certificate(exporter_id, created["id"]).state == "forwarded"
    assert ctx.store.get_idempotency(exporter_id, "stale") is None
    assert all(isinstance(e, Event) for e in ctx.store.list_events(created["id"]))


# --- published documents --------------------------------------------------------------------


def test_openapi_is_generated_from_the_models(client):
    resp = client.http.get("/v1/openapi.json")
    doc = body(resp)
    assert doc["openapi"].startswith("3.1")
    for path in (
        "/v1/certificates",
        "/v1/precheck",
        "/v1/certificates/{certificate_id}",
        "/v1/certificates/{certificate_id}/events",
        "/v1/certificates/{certificate_id}/cancel",
        "/v1/certificates/{certificate_id}/replace",
        "/v1/certificates/{certificate_id}/certified-true-copy",
        "/.well-known/jwks.json",
    ):
        assert path in doc["paths"], path
    schemas = doc["components"]["schemas"]
    assert set(schemas["Certificate"]["properties"]) == set(Certificate.model_fields)
    assert set(schemas["ProblemDetail"]["properties"]) >= {"type", "code", "errors", "article"}
    post_op = doc["paths"]["/v1/certificates"]["post"]
    assert post_op["parameters"][0]["name"] == "Idempotency-Key"
    assert post_op["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Certificate"
    }
    # Every $ref resolves.
    text = json.dumps(doc)
    for name in {part.split('"')[0] for part in text.split('"#/components/schemas/')[1:]}:
        assert name in schemas, name


def test_jwks_is_public_and_has_thumbprint_kids(client):
    resp = client.http.get("/.well-known/jwks.json")
    assert resp.status_code == 200
    keys = body(resp)["keys"]
    assert keys and all(k["alg"] == "ES256" and "d" not in k for k in keys)


def test_replay_answers_from_the_record_without_revalidating(
    client, api_key, certificate, created, monkeypatch
):
    """A retry the next day (when e.g. a date rule would now object) still gets the answer
    that was given, not a new verdict."""

    def refuse(*args, **kwargs):  # pragma: no cover - must not be reached on a replay
        raise AssertionError("validated again")

    monkeypatch.setattr(service, "check_certificate", refuse)
    again = post(client, "/v1/certificates", api_key, certificate, idem="create-1")
    assert again.status_code == 201 and body(again) == created


def test_lifecycle_actions_on_unknown_or_foreign_ids_are_404(
    client, api_key, other_key, created, certificate
):
    cid = created["id"]
    for key, target in ((other_key, cid), (api_key, "crt_unknown")):
        for action, payload in (
            ("replace", {"certificate": certificate, "reason": "x"}),
            ("certified-true-copy", {"reason": "lost"}),
            ("cancel", {"reason": "x"}),
        ):
            resp = post(client, f"/v1/certificates/{target}/{action}", key, payload, idem="z")
            assert_problem(resp, 404, "not_found")


def test_access_codes_carry_a_check_character():
    codes = [new_access_code() for _ in range(200)]
    assert len(set(codes)) == 200
    assert all(len(c) == 11 and access_code_is_valid(c) for c in codes)
    assert access_code_is_valid(codes[0].lower()[:5] + " " + codes[0].lower()[5:])
    alphabet = ACCESS_ALPHABET
    for code in codes[:50]:
        for i in range(len(code)):  # every single-character typo is caught
            for ch in alphabet:
                if ch != code[i]:
                    assert not access_code_is_valid(code[:i] + ch + code[i + 1 :])
    assert not access_code_is_valid("O0I1" * 3)
