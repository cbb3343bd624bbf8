"""Precheck's warnings and classification, and the date rules (Art 3.16) on create: the service
checks against today's UTC date and records the lane on the "issued" event."""

from __future__ import annotations

import json

import pytest

from originlink_service.schemas import PrecheckResult

from .conftest import auth, shift_dates
from .test_api import assert_problem, body, post


@pytest.fixture(autouse=True)
def _shipped_psr_only(tmp_path, monkeypatch):
    monkeypatch.setenv("ORIGINLINK_PSR_DIR", str(tmp_path / "psr"))  # no imported rows


def precheck(client, key, doc) -> dict:
    resp = client.http.post("/v1/precheck", headers=auth(key), body=json.dumps(doc))
    assert resp.status_code == 200, resp.body
    answer = json.loads(resp.body)
    PrecheckResult.model_validate(answer)  # the published schema
    return answer


def test_precheck_of_a_valid_certificate_gives_lane_and_warnings(client, api_key, certificate):
    answer = precheck(client, api_key, certificate)
    assert answer["valid"] is True and answer["errors"] == []
    assert answer["classification"]["lane"] == "green"
    assert answer["classification"]["reasons"] == [
        "nothing of substance to flag; 2 informational notice(s)"
    ]
    # The shipped table holds Chapters 94 and 95 in HS 2012 only: reached by correlation.
    assert [w["code"] for w in answer["warnings"]] == ["psr_correlated", "psr_correlated"]
    assert all(w["article"] and w["path"] for w in answer["warnings"])


def test_precheck_amber_names_the_warning_and_its_article(client, api_key, certificate):
    certificate["goods_items"][0]["evidence"] = None
    answer = precheck(client, api_key, certificate)
    assert answer["valid"] is True
    assert answer["classification"]["lane"] == "amber"
    [warning] = [w for w in answer["warnings"] if w["code"] == "rvc_evidence_missing"]
    assert warning["path"] == "goods_items[0].evidence"
    assert warning["article"] == "Art 3.5; Art 3.2(c)"
    assert answer["classification"]["reasons"] == [f"{warning['message']} ({warning['article']})"]


def test_precheck_red_when_the_evidence_contradicts_the_claim(client, api_key, certificate):
    rvc = certificate["goods_items"][0]["evidence"]["rvc"]
    rvc.update(fob="100000", vnm="60005", percentage="40.00")  # really 39.995 %
    certificate["goods_items"][0]["evidence"]["materials"] = []
    answer = precheck(client, api_key, certificate)
    assert answer["valid"] is True and answer["classification"]["lane"] == "red"
    assert "rvc_recomputed_below_threshold" in [w["code"] for w in answer["warnings"]]


def test_precheck_checks_dates_against_today(client, api_key, certificate):
    expired = precheck(client, api_key, shift_dates(certificate, -400))
    assert expired["valid"] is False and expired["classification"] is None
    assert expired["digest"] is None
    [problem] = expired["errors"]
    assert problem["code"] == "expired" and problem["article"] == "Art 3.16"
    future = precheck(client, api_key, shift_dates(certificate, 10))
    assert [e["code"] for e in future["errors"]] == ["issue_date_in_future"]
    assert isinstance(future["warnings"], list)  # still listed for a readable document


def test_precheck_of_unreadable_input_has_no_classification(client, api_key):
    answer = precheck(client, api_key, ["not", "an", "object"])
    assert answer["valid"] is False and answer["warnings"] == []
    assert answer["classification"] is None


@pytest.mark.parametrize(("days", "code"), [(-400, "expired"), (10, "issue_date_in_future")])
def test_create_refuses_expired_or_future_dated(client, api_key, certificate, ctx, days, code):
    resp = post(client, "/v1/certificates", api_key, shift_dates(certificate, days), idem="d-1")
    doc = assert_problem(resp, 422, "invalid_certificate")
    assert doc["article"] == "Art 3.16"
    assert [e["code"] for e in doc["errors"]] == [code]
    exporter_id = ctx.store.list_api_keys()[0].exporter_id
    assert ctx.store.list_certificates(exporter_id)[0] == []


def test_create_records_the_lane_on_the_issued_event(client, api_key, certificate, ctx):
    certificate["goods_items"][0]["evidence"] = None
    resp = post(client, "/v1/certificates", api_key, certificate, idem="lane-1")
    assert resp.status_code == 201, resp.body
    created = body(resp)
    events = ctx.store.list_events(created["id"])
    assert [e.type for e in events] == ["received", "issued"]
    assert events[1].detail["classification"] == {
        "lane": "amber",
        "warnings": ["psr_correlated", "rvc_evidence_missing", "psr_correlated"],
    }


def test_openapi_publishes_the_precheck_classification(client):
    doc = json.loads(client.http.get("/v1/openapi.json").body)
    props = doc["components"]["schemas"]["PrecheckResult"]["properties"]
    assert {"warnings", "classification"} <= set(props)


def test_a_date_beyond_the_calendar_is_a_field_error_not_a_500(client, api_key, certificate):
    certificate["transport"]["departure_date"] = "9999-12-31"
    answer = precheck(client, api_key, certificate)
    assert answer["valid"] is False
    assert [e["path"] for e in answer["errors"]] == ["transport.departure_date"]
    resp = post(client, "/v1/certificates", api_key, certificate, idem="far-future")
    assert resp.status_code == 422, resp.body
