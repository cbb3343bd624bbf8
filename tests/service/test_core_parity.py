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


def _cli_validate(path, capsys) -> tuple[int, set[tuple[str, str]]]:
    from originlink.cli import main

    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    return code, {(p["path"], p["code"]) for p in map(json.loads, err.splitlines()) if "path" in p}


def _variants(certificate: dict) -> dict[str, str]:
    from .conftest import shift_dates

    def text(doc: dict, old: str = "", new: str = "") -> str:
        return json.dumps(doc).replace(old, new) if old else json.dumps(doc)

    amount = '"amount": "4000.00"'
    hs_spaced = json.loads(json.dumps(certificate))
    hs_spaced["goods_items"][0]["hs_code"] = "9403 60"
    return {
        "valid": text(certificate),
        "hs code with a space": text(hs_spaced),
        "float amount": text(certificate, amount, '"amount": 4000.10'),
        "whole-number amount": text(certificate, amount, '"amount": 4000'),
        "expired": text(shift_dates(certificate, -800)),
        "issued in the future": text(shift_dates(certificate, 8)),  # issued 5 days ago
        "integer beyond 2^53": text(certificate, amount, '"amount": 9007199254740993'),
        "NaN": text(certificate, amount, '"amount": NaN'),
    }


def test_validate_reaches_the_services_verdict_on_the_same_file(
    client, api_key, certificate, tmp_path, capsys
):
    """Issue 14.6: `originlink validate` (no --today: today, as the service) and the service's
    dry run give the same verdict and the same problems for the same bytes."""
    seen = {}
    for name, text in _variants(certificate).items():
        answer = client.http.post("/v1/precheck", headers=auth(api_key), body=text)
        path = tmp_path / "doc.json"
        path.write_text(text)
        exit_code, cli_problems = _cli_validate(path, capsys)
        if answer.status_code == 400:  # not readable as a document at all
            assert exit_code == 2, name
            seen[name] = "unreadable"
            continue
        assert answer.status_code == 200, (name, answer.body)
        result = json.loads(answer.body)
        service_problems = {(p["path"], p["code"]) for p in result["errors"]}
        assert (exit_code == 0) == result["valid"], (name, exit_code, result["errors"])
        assert cli_problems == service_problems, name
        seen[name] = "valid" if result["valid"] else sorted(c for _, c in service_problems)
    assert seen == {
        "valid": "valid",
        "hs code with a space": "valid",
        "float amount": ["invalid_value"],
        "whole-number amount": "valid",
        "expired": ["expired"],
        "issued in the future": ["issue_date_in_future"],
        "integer beyond 2^53": "unreadable",
        "NaN": "unreadable",
    }
