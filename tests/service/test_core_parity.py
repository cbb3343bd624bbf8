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
