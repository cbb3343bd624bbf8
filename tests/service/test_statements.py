"""Origin statements through the exporter API (chalice.test.Client): publish, read, list,
renew, withdraw — idempotent like certificates, one statement per product at a time, every
answer as the OpenAPI document says, every refusal a precise problem."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from originlink.statement import OriginStatement, statement_digest
from originlink_service import service, statements
from originlink_service.lifecycle import verify_chain
from originlink_service.schemas import StatementList, StatementResource

from .conftest import auth, statement_doc, stored_bytes

BASE = "/v1/origin-statements"


def post(client, path, key, body, idem="k-1"):
    return client.http.post(path, headers=auth(key, idem), body=json.dumps(body))


def answer(response, status: int) -> dict:
    assert response.status_code == status, response.body
    doc = json.loads(response.body)
    if "signature" in doc:
        StatementResource.model_validate(doc)  # what the OpenAPI document publishes
    if "items" in doc and "chain_intact" not in doc:
        StatementList.model_validate(doc)
    return doc


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    doc = json.loads(response.body)
    assert doc["code"] == code and doc["detail"]
    return doc


@pytest.fixture
def published(client, api_key) -> dict:
    return answer(post(client, BASE, api_key, statement_doc(), "pub-1"), 201)


def test_publish_signs_and_stores_the_statement_only(client, api_key, published, ctx):
    assert published["state"] == "published" and published["version"] == 1
    assert published["product_ref"] == "TABLE-OAK-01"
    assert published["statement"] == OriginStatement.model_validate(statement_doc()).model_dump(
        mode="json"
    )
    assert published["digest"] == statement_digest(published["statement"])
    links = published["links"]
    assert links["self"] == f"{BASE}/{published['id']}"
    assert links["badge"] == f"/v1/badge/{published['public_id']}.svg"
    assert links["url"].startswith("HTTP://127.0.0.1") and "/V/" in links["url"]
    assert links["badge"] in links["embed_html"] and links["url"] in links["embed_html"]
    # Read back, listed, one chained event.
    got = answer(client.http.get(links["self"], headers=auth(api_key)), 200)
    assert got == published
    listed = answer(client.http.get(BASE, headers=auth(api_key)), 200)
    assert [s["id"] for s in listed["items"]] == [published["id"]] and listed["next"] is None
    events = answer(client.http.get(links["events"], headers=auth(api_key)), 200)
    assert [e["type"] for e in events["items"]] == ["published"]
    assert events["chain_intact"] is True


def test_no_costs_suppliers_or_materials_can_enter_a_statement(client, api_key, ctx):
    for path, value in (
        (("product", "cost"), "12.50"),
        (("supplier",), "Foshan Timber"),
        (("materials",), [{"hs_code": "440791", "value": "3.20"}]),
        (("fob",), {"amount": "80", "currency": "USD"}),
    ):
        doc = statement_doc()
        node = doc
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
        found = problem(post(client, BASE, api_key, doc, "x-" + path[-1]), 422, "invalid_statement")
        assert found["errors"][0]["code"] == "unknown_field"
        assert found["errors"][0]["path"] == ".".join(path)
    assert b"Foshan Timber" not in stored_bytes(ctx)
    # What a statement may hold, and nothing else.
    assert set(OriginStatement.model_fields) == {
        "schema_version",
        "agreement",
        "exporter",
        "product",
        "origin_criterion",
        "country_of_origin",
        "assessed_on",
        "valid_from",
        "valid_until",
    }


@pytest.mark.parametrize(
    ("change", "path", "code"),
    [
        ({"origin_criterion": "XX"}, "origin_criterion", "unknown_criterion"),
        ({"country_of_origin": "US"}, "country_of_origin", "not_a_party"),
        ({"valid_until": "2000-01-01"}, "valid_until", "before_valid_from"),
        ({"assessed_on": "2199-01-01"}, "assessed_on", "in_future"),
        ({"agreement": "CPTPP"}, "agreement", "unknown_agreement"),
    ],
)
def test_refusals_name_the_field_and_article(client, api_key, change, path, code):
    found = problem(post(client, BASE, api_key, statement_doc(**change)), 422, "invalid_statement")
    assert any(e["path"] == path and e["code"] == code for e in found["errors"]), found
    assert all(e["article"] for e in found["errors"])


def test_validity_is_bounded_by_the_assessment(client, api_key):
    doc = statement_doc()
    doc["valid_until"] = str(datetime.now(UTC).date() + timedelta(days=400))
    found = problem(post(client, BASE, api_key, doc), 422, "invalid_statement")
    assert found["errors"][0]["code"] == "too_long" and "Art 3.16" in found["errors"][0]["article"]
    doc = statement_doc(product={**statement_doc()["product"], "hs_code": "9401.30"})
    found = problem(post(client, BASE, api_key, doc, "k2"), 422, "invalid_statement")
    assert found["errors"][0]["path"] == "product.hs_code"
    assert "HS 2022" in found["errors"][0]["message"]


def test_publish_is_idempotent(client, api_key, published):
    replay = post(client, BASE, api_key, statement_doc(), "pub-1")
    assert answer(replay, 201) == published
    assert replay.headers["Idempotent-Replayed"] == "true"
    problem(
        post(client, BASE, api_key, statement_doc("OTHER"), "pub-1"), 409, "idempotency_key_reused"
    )
    problem(
        client.http.post(BASE, headers=auth(api_key), body=json.dumps(statement_doc())),
        400,
        "idempotency_key_required",
    )


def test_one_statement_stands_for_a_product(client, api_key, other_key, published):
    found = problem(post(client, BASE, api_key, statement_doc(), "pub-2"), 409, "statement_exists")
    assert found["statement_id"] == published["id"]
    assert f"{BASE}/{published['id']}/renew" in found["detail"]
    # Another product, or another exporter's same reference, is independent.
    answer(post(client, BASE, api_key, statement_doc("CHAIR-1"), "pub-3"), 201)
    answer(post(client, BASE, other_key, statement_doc(), "pub-1"), 201)


def test_racing_publications_of_one_product_publish_once(ctx, api_key):
    exporter_id = ctx.store.list_api_keys()[0].exporter_id
    barrier, answers, errors = threading.Barrier(6), [], []

    def race(i: int):
        request = service.IdempotentRequest(f"race-{i}", f"hash-{i}")
        barrier.wait()
        try:
            answers.append(statements.publish(ctx, exporter_id, statement_doc(), request=request))
        except service.Conflict as exc:
            errors.append(exc.code)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 1 and errors == ["statement_exists"] * 5
    assert len(ctx.store.list_statements(exporter_id)[0]) == 1


def test_renew_supersedes_in_one_step(client, api_key, published, ctx):
    doc = statement_doc(origin_criterion="CTC")
    response = post(
        client,
        f"{BASE}/{published['id']}/renew",
        api_key,
        {"statement": doc, "reason": "new supplier"},
        "renew-1",
    )
    renewed = answer(response, 201)
    assert renewed["supersedes"] == published["id"] and renewed["statement"]["origin_criterion"]
    assert response.headers["Location"] == renewed["links"]["self"]
    old = answer(client.http.get(published["links"]["self"], headers=auth(api_key)), 200)
    assert old["state"] == "superseded" and old["superseded_by"] == renewed["id"]
    assert old["version"] == 2
    events = ctx.store.list_statement_events(published["id"])
    assert [e.type for e in events] == ["published", "superseded"] and not verify_chain(events)
    assert events[-1].detail == {"superseded_by": renewed["id"], "reason": "new supplier"}
    # The product's claim moved: the renewal can be renewed, the old one cannot.
    problem(
        post(client, f"{BASE}/{published['id']}/renew", api_key, {"statement": doc}, "renew-2"),
        409,
        "invalid_state",
    )
    problem(post(client, BASE, api_key, statement_doc(), "pub-9"), 409, "statement_exists")
    # Replayed with its key: the same answer, nothing new.
    again = post(
        client,
        f"{BASE}/{published['id']}/renew",
        api_key,
        {"statement": doc, "reason": "new supplier"},
        "renew-1",
    )
    assert answer(again, 201) == renewed
    assert len(ctx.store.list_statements(ctx.store.list_api_keys()[0].exporter_id)[0]) == 2


def test_renew_is_for_the_same_product(client, api_key, published):
    found = problem(
        post(
            client,
            f"{BASE}/{published['id']}/renew",
            api_key,
            {"statement": statement_doc("CHAIR-1")},
        ),
        422,
        "other_product",
    )
    assert found["errors"][0]["path"] == "statement.product.reference"
    found = problem(
        post(
            client,
            f"{BASE}/{published['id']}/renew",
            api_key,
            {"statement": statement_doc(origin_criterion="XX")},
            "k2",
        ),
        422,
        "invalid_statement",
    )
    assert found["errors"][0]["path"] == "statement.origin_criterion"


def test_withdraw_releases_the_product(client, api_key, published, ctx):
    withdrawn = answer(
        post(
            client,
            f"{BASE}/{published['id']}/withdraw",
            api_key,
            {"reason": "product discontinued"},
            "w-1",
        ),
        200,
    )
    assert withdrawn["state"] == "withdrawn" and withdrawn["version"] == 2
    assert ctx.store.list_statement_events(published["id"])[-1].detail == {
        "reason": "product discontinued"
    }
    problem(
        post(client, f"{BASE}/{published['id']}/withdraw", api_key, {"reason": "again"}, "w-2"),
        409,
        "invalid_state",
    )
    # The product is free again: a new statement may be published for it.
    answer(post(client, BASE, api_key, statement_doc(), "pub-2"), 201)
    problem(
        post(client, f"{BASE}/{published['id']}/withdraw", api_key, {}, "w-3"),
        422,
        "invalid_request",
    )


def test_statements_are_scoped_to_their_exporter_and_world(
    client, api_key, other_key, published, ctx
):
    from originlink_service.auth import create_api_key

    for key in (other_key, create_api_key(ctx.store, "acme", sandbox=True)[2]):
        problem(client.http.get(published["links"]["self"], headers=auth(key)), 404, "not_found")
        problem(
            post(client, f"{BASE}/{published['id']}/withdraw", key, {"reason": "x"}),
            404,
            "not_found",
        )
        assert answer(client.http.get(BASE, headers=auth(key)), 200)["items"] == []
    problem(client.http.get(f"{BASE}/crt_nope", headers=auth(api_key)), 404, "not_found")
    problem(client.http.get(BASE), 401, "unauthenticated")


def test_sandbox_statements_are_a_world_apart(client, ctx):
    from originlink_service.auth import create_api_key

    sandbox_key = create_api_key(ctx.store, "acme", sandbox=True)[2]
    real_key = create_api_key(ctx.store, "acme")[2]
    sandboxed = answer(post(client, BASE, sandbox_key, statement_doc(), "s-1"), 201)
    assert sandboxed["sandbox"] is True
    # The same product in the real world is not blocked by the sandbox one; the sandbox
    # request's key is not replayed to the production key (nor a certificate's).
    problem(post(client, BASE, real_key, statement_doc(), "s-1"), 409, "idempotency_key_reused")
    assert answer(post(client, BASE, real_key, statement_doc(), "s-2"), 201)["sandbox"] is False
    assert answer(post(client, BASE, sandbox_key, statement_doc(), "s-1"), 201)["sandbox"]


def test_list_pages_with_a_cursor(client, api_key):
    for i in range(3):
        answer(post(client, BASE, api_key, statement_doc(f"P-{i}"), f"p-{i}"), 201)
    first = answer(client.http.get(BASE + "?limit=2", headers=auth(api_key)), 200)
    assert len(first["items"]) == 2 and first["next"]
    rest = answer(
        client.http.get(f"{BASE}?limit=2&after={first['next']}", headers=auth(api_key)), 200
    )
    assert [s["product_ref"] for s in first["items"] + rest["items"]] == ["P-0", "P-1", "P-2"]
    problem(
        client.http.get(BASE + "?after=nope", headers=auth(api_key)), 400, "invalid_query_parameter"
    )


def test_openapi_documents_the_statement_routes(client):
    doc = json.loads(client.http.get("/v1/openapi.json").body)
    for path, method in (
        (BASE, "post"),
        (BASE, "get"),
        (BASE + "/{statement_id}", "get"),
        (BASE + "/{statement_id}/events", "get"),
        (BASE + "/{statement_id}/renew", "post"),
        (BASE + "/{statement_id}/withdraw", "post"),
        ("/v1/badge/{public_id}.svg", "get"),
    ):
        assert method in doc["paths"][path], (path, method)
    schemas = doc["components"]["schemas"]
    assert set(schemas["OriginStatement"]["properties"]) == set(OriginStatement.model_fields)
    assert schemas["StatementResource"]["properties"]["state"]["enum"] == [
        "published",
        "withdrawn",
        "superseded",
    ]
    publish = doc["paths"][BASE]["post"]
    assert publish["parameters"][0]["name"] == "Idempotency-Key"
    assert "409" in publish["responses"] and "422" in publish["responses"]


def test_reasons_shown_on_the_public_page_refuse_control_characters(client, api_key, published):
    found = problem(
        post(client, f"{BASE}/{published['id']}/withdraw", api_key, {"reason": "bad\x1b[31m"}),
        422,
        "invalid_request",
    )
    assert found["errors"][0]["path"] == "reason"
    assert "U+001B" in found["detail"]
