"""Odd input at the edges (issue 17.3): ids with encoded delimiters, control and bidirectional
characters in free text, names stored before the rule, internal ids in what the public sees."""

from __future__ import annotations

import base64
import copy
import json
import re

import pytest
import requests

from .conftest import auth, write_behind_the_service

INTERNAL_ID = re.compile(r"\b(?:crt|exp)_[0-9a-f]{6,}")


def create(client, key, cert, idem="edge-1"):
    return client.http.post("/v1/certificates", headers=auth(key, idem), body=json.dumps(cert))


def post(client, key, path, body, idem):
    return client.http.post(path, headers=auth(key, idem), body=json.dumps(body))


@pytest.mark.http
@pytest.mark.parametrize(
    "path",
    [
        "/v1/certificates/%3Flimit%3D1",  # would become /v1/certificates/?limit=1: the list
        "/v1/certificates/%3flimit=1",
        "/v1/certificates/crt_%2F..%2Fevents",
        "/v1/certificates/crt_1%23x",
        "/v1/certificates/crt_%00",
        "/v1/certificates/;limit=1",  # Chalice's local router would cut the path at ';'
        "/v1/certificates/%3Blimit=1",
        "/v/;x",
        "/v/%2F%2E%2E",
        "/v1/verify/A%3Fnumber%3D1",
    ],
)
def test_encoded_delimiters_in_ids_are_refused_before_routing(server, path):
    answer = requests.get(server.base + path, headers=auth(server.demo_key), timeout=10)
    assert answer.status_code == 400, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "invalid_path"
    assert "items" not in answer.json()


@pytest.mark.http
def test_other_encoded_characters_in_ids_still_work(server, certificate):
    created = requests.post(
        server.base + "/v1/certificates",
        headers=auth(server.demo_key, "edge-encoded"),
        data=json.dumps(certificate),
        timeout=30,
    ).json()
    encoded = created["id"].replace("_", "%5F")
    answer = requests.get(
        server.base + f"/v1/certificates/{encoded}", headers=auth(server.demo_key), timeout=10
    )
    assert answer.status_code == 200 and answer.json()["id"] == created["id"]


BAD_TEXT = {
    "NUL": "issued\x00in error",
    "ESC": "issued \x1b[31min error",
    "DEL": "issued\x7f",
    "C1": "issued\x9b31m",
    "RLO": "Good \u202eLIVE Co",
    "RLI": "Good \u2067LIVE\u2069 Co",
}


@pytest.mark.parametrize("kind", sorted(BAD_TEXT))
def test_control_characters_are_refused_in_reasons_and_notes(client, api_key, certificate, kind):
    created = json.loads(create(client, api_key, certificate).body)
    path = f"/v1/certificates/{created['id']}"
    bad = BAD_TEXT[kind]
    cancel = post(client, api_key, path + "/cancel", {"reason": bad}, f"c-{kind}")
    replacement = copy.deepcopy(certificate)
    replacement["number"] = "R-EDGE-REPLACEMENT"
    replace = post(
        client, api_key, path + "/replace", {"certificate": replacement, "reason": bad}, f"r-{kind}"
    )
    copy_ = post(
        client,
        api_key,
        path + "/certified-true-copy",
        {"reason": "lost", "note": bad},
        f"t-{kind}",
    )
    for answer, field in ((cancel, "reason"), (replace, "reason"), (copy_, "note")):
        assert answer.status_code == 422, answer.body
        problem = json.loads(answer.body)
        assert problem["errors"][0]["path"] == field
        assert "control character" in problem["detail"]
    # Nothing changed.
    got = json.loads(client.http.get(path, headers=auth(api_key)).body)
    assert got["state"] == "issued" and got["version"] == created["version"]


@pytest.mark.parametrize(
    "field, kind",
    [
        (("exporter", "name"), "RLO"),
        (("importer", "name"), "RLI"),
        (("goods_items", 0, "description"), "ESC"),
        (("exporter", "address"), "NUL"),
        (("remarks",), "C1"),
    ],
)
def test_control_characters_are_refused_in_the_certificate(
    client, api_key, certificate, field, kind
):
    cert = copy.deepcopy(certificate)
    target = cert
    for key in field[:-1]:
        target = target[key]
    target[field[-1]] = BAD_TEXT[kind]
    answer = create(client, api_key, cert, f"bad-{kind}")
    assert answer.status_code == 422, answer.body
    paths = [e["path"] for e in json.loads(answer.body)["errors"]]
    expected = ".".join(str(k) for k in field).replace(".0.", "[0].")
    assert expected in paths


def test_line_breaks_and_tabs_stay_allowed(client, api_key, certificate):
    cert = copy.deepcopy(certificate)
    cert["exporter"]["address"] = "88 Huangpu East Road\nGuangzhou\t510700"
    assert create(client, api_key, cert, "lines").status_code == 201


def test_a_name_stored_before_the_rule_cannot_reorder_the_page(
    client, api_key, certificate, monkeypatch
):
    """A certificate signed before bidirectional and C1 controls were refused keeps verifying,
    and its page shows the name without them (in the order it was stored)."""
    import originlink.model.types

    cert = copy.deepcopy(certificate)
    cert["exporter"]["name"] = "Good \u202eLIVE\u202c Co\x85"
    with monkeypatch.context() as before_the_rule:
        before_the_rule.setattr(originlink.model.types, "plain_text_problem", lambda value: None)
        created = json.loads(create(client, api_key, cert, "legacy").body)
    assert created["certificate"]["exporter"]["name"] == cert["exporter"]["name"]
    verified = json.loads(client.http.get(f"/v1/verify/{created['public_id']}").body)
    assert verified["checks"]["integrity"]["ok"] is True
    for path in (f"/v/{created['public_id']}", f"/v/{created['public_id']}?lang=th"):
        html = client.http.get(path).body.decode("utf-8")
        assert "Good LIVE Co" in html
        assert not re.search("[\u202a-\u202e\u2066-\u2069\x80-\x9f]", html)


def test_a_tampered_certificate_still_gets_its_page(ctx, client, api_key, certificate):
    """A document edited behind the service (its signature no longer matches) gets a page that
    says so — never a 500."""
    created = json.loads(create(client, api_key, certificate).body)
    record = ctx.store.get_by_public_id(created["public_id"])
    record.document["exporter"]["name"] = "Edited \u202eby hand"
    write_behind_the_service(ctx, record)
    from originlink_service.verification import verifier

    verifier.clear_caches()
    page = client.http.get(f"/v/{created['public_id']}")
    assert page.status_code == 200
    assert 'data-code="digest_mismatch"' in page.body.decode("utf-8")
    assert "Edited" not in page.body.decode("utf-8")  # nothing unsigned is shown


def _decoded(text: str) -> str:
    """`text` and every base64url segment of every JWS, JWT or SD-JWT (with its
    disclosures) found in it, decoded."""
    out = [text]
    for token in re.findall(r"eyJ[\w-]+(?:\.[\w-]*){1,2}(?:~[\w-]*)*", text):
        for part in re.split(r"[.~]", token):
            try:
                out.append(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode())
            except (ValueError, UnicodeDecodeError):
                pass
    return "\n".join(out)


def test_public_views_name_no_internal_id(client, api_key, certificate):
    """Nothing a member of the public can download — with or without the access code —
    carries the certificate's or the exporter's internal id, decoded signatures included."""
    created = json.loads(create(client, api_key, certificate).body)
    pid, code = created["public_id"], created["access_code"]
    assert INTERNAL_ID.search(created["id"]) and INTERNAL_ID.search(_decoded(json.dumps(created)))
    verified = json.loads(client.http.get(f"/v1/verify/{pid}").body)
    views = [
        (f"/v1/verify/{pid}", {}),
        (f"/v1/verify/{pid}", {"X-Access-Code": code}),
        (verified["links"]["document"], {}),
        (verified["links"]["document"], {"X-Access-Code": code}),
        (f"/v1/verify/{pid}/credential", {}),
        (f"/v1/verify/{pid}/credential", {"Accept": "application/vc+jwt"}),
        (f"/v1/verify/{pid}/credential", {"Accept": "application/dc+sd-jwt"}),
        (f"/v1/status-lists/{pid}", {}),
        (f"/v/{pid}", {}),
        (f"/v1/qr/{pid}.svg", {}),
    ]
    seen = 0
    for path, headers in views:
        answer = client.http.get(path, headers=headers)
        assert answer.status_code == 200, (path, answer.body)
        text = _decoded(answer.body.decode("utf-8"))
        seen += text.count("eyJ")
        assert not INTERNAL_ID.search(text), (path, headers, INTERNAL_ID.search(text))
    unlocked = client.http.post(
        f"/v/{pid}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=f"code={code}",
    )
    assert unlocked.status_code == 200
    assert not INTERNAL_ID.search(_decoded(unlocked.body.decode("utf-8")))
    assert seen >= 5  # signed tokens were there to decode


def test_every_page_template_drops_bidirectional_controls():
    """The certificate page, the lookup page, the not-found page and the origin statement's
    page all print through one renderer whose `finalize` drops them, in every language."""
    from originlink_service.verification import i18n, pages

    for lang in i18n.LANGUAGES:
        env = pages._envs[lang]
        assert env.finalize is pages._shown
        html = env.from_string("<p>{{ name }}</p>").render(name="Co \u202eLIVE\u2066\x1b")
        assert html == "<p>Co LIVE</p>"
