"""The service reads certificates exactly as the core does (issue 14.6, 14.9): the same HS code
however it is written, the same problems for the same file."""

from __future__ import annotations

import json

import pytest

from .conftest import auth


def post(client, key, body, idem):
    return client.http.post("/v1/certificates", headers=auth(key, idem), body=json.dumps(body))


@pytest.mark.parametrize("written", ["9403.60", "9403 60", "940360"])
def test_the_api_reads_an_hs_code_however_written(client, api_key, certificate, written):
    certificate["goods_items"][0]["hs_code"] = written
    response = post(client, api_key, certificate, "hs-" + written.replace(" ", "_"))
    assert response.status_code == 201, response.body
    stored = json.loads(response.body)["certificate"]["goods_items"][0]
    assert stored["hs_code"] == "940360"


def test_the_api_names_the_edition_of_an_unknown_code(client, api_key, certificate):
    certificate["goods_items"][0]["hs_code"] = "9403.90"
    response = post(client, api_key, certificate, "hs-unknown")
    assert response.status_code == 422, response.body
    [problem] = [p for p in json.loads(response.body)["errors"] if p["code"] == "hs_code_unknown"]
    assert problem["path"] == "goods_items[0].hs_code"
    assert problem["message"].endswith("9403.90 is not a subheading of HS 2022")


def test_the_published_schema_accepts_what_the_core_accepts(client, certificate):
    """The OpenAPI document stays a valid description of the request after the model grew
    (issue 14.1, 14.7, 14.9): every example, HS codes with dots or spaces, an ACU item with its
    criterion_basis and an invoice with its issuer validate against it."""
    from jsonschema import Draft202012Validator

    from .conftest import load_example

    doc = json.loads(client.http.get("/v1/openapi.json").body)
    schema = {"$ref": "#/components/schemas/Certificate", "components": doc["components"]}
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    for name in (
        "certificate.json",
        "certificate-declaration.json",
        "certificate-back-to-back.json",
    ):
        validator.validate(load_example(name))
    certificate["goods_items"][0]["hs_code"] = "9403 60"
    item = certificate["goods_items"][1]
    item["origin_criterion"], item["criterion_basis"] = "ACU", "CTC"
    certificate["invoices"][0]["issuer"] = {"name": "Sino Trade Ltd", "country": "HK"}
    validator.validate(certificate)
    item["criterion_basis"] = "WO"
    assert not validator.is_valid(certificate)
    kinds = doc["components"]["schemas"]["Certificate"]["properties"]["document_type"]
    assert "declaration_of_origin_by_exporter_or_producer" in json.dumps(kinds)
