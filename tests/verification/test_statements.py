"""Origin statements verified like certificates: the JSON answer with its three statements
and signed status, the page in six languages (the exporter's statement, never a green
"certified" headline), QR, credential, Bitstring Status List, the badge — and forgery: an
edited statement fails `originlink verify` (exit 1), whatever is edited."""

from __future__ import annotations

import base64
import json
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from service.conftest import statement_doc

from originlink.cli import main
from originlink.credentials import sdjwt, verify_file
from originlink.credentials.statuslist import bit
from originlink.links import page_path, verification_url
from originlink_service.verification import i18n, verifier

from .test_forgery import edited, leaves, set_at, verdict

BASE = "/v1/origin-statements"


def get(client, path, headers=None, status=200):
    response = client.http.get(path, headers=headers or {})
    assert response.status_code == status, (path, response.body[:300])
    return response


def publish(fleet, reference="TABLE-OAK-01", *, sandbox=False, **changes) -> dict:
    return fleet._post(
        BASE, statement_doc(reference, **changes), fleet.sandbox_key if sandbox else None
    )


def verify(client, public_id: str) -> dict:
    return json.loads(get(client, f"/v1/verify/{public_id}").body)


def later(monkeypatch, days: int) -> None:
    """The service's clock `days` ahead (statuses follow the date)."""
    day = verifier.today() + timedelta(days=days)
    monkeypatch.setattr(verifier, "today", lambda: day)


# --- the JSON answer ----------------------------------------------------------------------


def test_a_statement_verifies_as_the_exporters_statement(client, fleet):
    stmt = publish(fleet)
    answer = verify(client, stmt["public_id"])
    assert answer["kind"] == "origin_statement" and answer["verdict"] == "statement_valid"
    checks = answer["checks"]
    assert checks["integrity"]["ok"] and checks["integrity"]["code"] == "signature_valid"
    assert checks["integrity"]["submitted_by"] == "Guangzhou Pearl River Furniture"
    assert checks["statement"]["code"] == "exporters_statement"
    assert checks["statement"]["verified"] is False  # nobody certified it
    assert checks["statement"]["by"] == {
        "kind": "exporter",
        "name": "Guangzhou Pearl River Furniture",
    }
    assert checks["status"] == {
        "ok": True,
        "code": "valid",
        "valid_from": stmt["statement"]["valid_from"],
        "valid_until": stmt["statement"]["valid_until"],
    }
    assert answer["statement"] == stmt["statement"]
    assert "certificate" not in answer and "legal" not in checks
    # The short code, the typed lookup and bulk verification find it like a certificate.
    assert get(client, page_path(stmt["public_id"])).status_code == 200
    code = answer["code"]
    found = client.http.get(f"/v?code={code}")
    assert found.status_code == 303 and found.headers["Location"].startswith(
        page_path(stmt["public_id"])
    )
    bulk = client.http.post(
        "/v1/verify",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"items": [stmt["public_id"]]}),
    )
    assert json.loads(bulk.body)["results"][0]["result"]["kind"] == "origin_statement"


def test_every_audience_sees_the_same_statement(client, fleet):
    stmt = publish(fleet)
    public = verify(client, stmt["public_id"])
    for headers in (fleet.auth(), {"X-Access-Code": "ABCD-EFGH-JK2"}):
        got = json.loads(get(client, f"/v1/verify/{stmt['public_id']}", headers).body)
        assert got["statement"] == public["statement"] and got["view"] == "public"


@pytest.mark.parametrize("action", ["withdraw", "renew", "expire", "not_yet"])
def test_status_follows_the_statement(client, fleet, monkeypatch, action):
    stmt = publish(fleet)
    if action == "withdraw":
        fleet._post(f"{BASE}/{stmt['id']}/withdraw", {"reason": "product discontinued"})
        want = {"code": "withdrawn", "reason": "product discontinued"}
    elif action == "renew":
        renewal = fleet._post(f"{BASE}/{stmt['id']}/renew", {"statement": statement_doc()})
        want = {"code": "superseded"}
    elif action == "expire":
        later(monkeypatch, 301)
        want = {"code": "expired", "since": stmt["statement"]["valid_until"]}
    else:
        stmt = publish(fleet, "LATER", valid_from=str(verifier.today() + timedelta(days=5)))
        want = {"code": "not_yet_valid"}
    answer = verify(client, stmt["public_id"])
    assert answer["verdict"] == "not_valid"
    status = answer["checks"]["status"]
    assert status["ok"] is False and {k: status[k] for k in want} == want
    if action == "renew":
        assert status["superseded_by"]["page"] == page_path(renewal["public_id"])
        assert verify(client, renewal["public_id"])["verdict"] == "statement_valid"
    # The signed status says the same, offline.
    claims = json.loads(
        base64.urlsafe_b64decode(answer["status_attestation"].split(".")[1] + "===")
    )
    assert claims["status"] == want["code"] and claims["sub"] == stmt["public_id"]


def test_sandbox_statement_says_so_everywhere(client, fleet):
    stmt = publish(fleet, sandbox=True)
    answer = verify(client, stmt["public_id"])
    assert answer["verdict"] == "sandbox" and answer["sandbox"] is True
    assert answer["checks"]["statement"]["code"] == "sandbox"
    page = get(client, page_path(stmt["public_id"])).body.decode()
    assert 'id="sandbox-band"' in page and "SANDBOX — NOT AN ORIGIN STATEMENT" in page
    badge = get(client, f"/v1/badge/{stmt['public_id']}.svg").body.decode()
    assert 'data-verdict="sandbox"' in badge and "SANDBOX" in badge
    sandbox_jwks = json.loads(get(client, "/.well-known/sandbox/jwks.json").body)
    report = verify_file(answer["sd_jwt"], sandbox_jwks)
    assert not report.ok and any(c["code"] == "sandbox" for c in report.checks)
    production_jwks = json.loads(get(client, "/.well-known/jwks.json").body)
    assert not verify_file(answer["sd_jwt"], production_jwks).ok


def test_a_statement_edited_behind_the_service_is_not_valid(client, fleet, ctx):
    stmt = publish(fleet)
    record = ctx.store.get_statement_by_public_id(stmt["public_id"])
    record.document["origin_criterion"] = "WO"
    store = ctx.store
    if ctx.settings.storage == "sqlite":  # what someone editing the database by hand does
        store._conn().execute(
            "UPDATE statements SET data = ? WHERE id = ?", (json.dumps(record.to_dict()), record.id)
        )
    else:
        store._db.put_item(TableName=store.table, Item=store._statement_item(record))
    verifier.clear_caches()
    answer = verify(client, stmt["public_id"])
    assert answer["verdict"] == "not_valid"
    assert answer["checks"]["integrity"]["code"] == "digest_mismatch"
    assert answer["statement"] == {}  # nothing unsigned is shown
    page = get(client, page_path(stmt["public_id"])).body.decode()
    assert 'data-verdict="not_valid"' in page and 'id="statement"' not in page


# --- the page -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", list(i18n.LANGUAGES))
def test_page_in_every_language_says_what_it_is(client, fleet, lang):
    stmt = publish(fleet)
    response = get(client, page_path(stmt["public_id"]) + f"?lang={lang}")
    html = response.body.decode()
    gettext = i18n.translations(lang).gettext
    assert response.headers["Content-Language"] == lang
    assert f'<html lang="{lang}">' in html
    # Plainly the exporter's statement, not a certificate for a shipment; never green.
    notice = gettext(
        "This is the exporter's own statement about this product. It is not a certificate of "
        "origin and covers no shipment: to claim a preferential tariff, the importer needs a "
        "proof of origin for each consignment."
    )
    assert notice in html.replace("&#39;", "'")
    assert 'class="verdict info"' in html and 'class="verdict ok"' not in html
    assert gettext("Certified and valid") not in html
    assert gettext("The exporter's origin statement — unchanged and standing") in html.replace(
        "&#39;", "'"
    )
    assert 'data-code="exporters_statement"' in html
    assert i18n.country_name("CN", lang) in html
    assert gettext("regional value content") in html
    if lang != "en":
        assert gettext("Origin statement verification") != "Origin statement verification"
    for field in ("product-name", "hs-code", "criterion", "country-of-origin", "assessed-on"):
        assert f'id="{field}"' in html


def test_page_of_a_superseded_statement_links_the_renewal(client, fleet):
    stmt = publish(fleet)
    renewal = fleet._post(f"{BASE}/{stmt['id']}/renew", {"statement": statement_doc()})
    html = get(client, page_path(stmt["public_id"]) + "?lang=zh-Hans").body.decode()
    assert 'data-code="superseded"' in html and 'class="verdict bad"' in html
    assert f'href="{page_path(renewal["public_id"])}"' in html
    assert i18n.translations("zh-Hans").gettext("See the renewed statement") in html
    # The access-code form is a certificate's: a statement's page has none, and a POST to it
    # shows the same page.
    assert 'id="unlock"' not in html
    posted = client.http.post(
        page_path(stmt["public_id"]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body="code=ABCD",
    )
    assert posted.status_code == 200 and b'data-code="superseded"' in posted.body


# --- QR, credential, status list ----------------------------------------------------------


def test_qr_encodes_the_link(client, fleet, ctx):
    from .qr_reader import read_svg

    stmt = publish(fleet)
    response = get(client, f"/v1/qr/{stmt['public_id']}.svg")
    url = verification_url(ctx.settings.origin, stmt["public_id"])
    assert response.headers["X-Verification-Url"] == url == stmt["links"]["url"]
    assert read_svg(response.body.decode()) == [("alphanumeric", url)]
    own = get(client, f"/v1/qr/{stmt['public_id']}.svg?with_code=1", fleet.auth())
    assert read_svg(own.body.decode()) == [("alphanumeric", url)]  # no access code to add


def test_credential_and_status_list(client, fleet, tmp_path, capsys):
    stmt = publish(fleet)
    jwks = json.loads(get(client, "/.well-known/jwks.json").body)
    token = get(
        client, f"/v1/verify/{stmt['public_id']}/credential", {"Accept": "application/vc+jwt"}
    ).body.decode()
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "==="))
    assert payload["type"] == ["VerifiableCredential", "RcepOriginStatementCredential"]
    subject = payload["credentialSubject"]
    assert (
        subject["type"] == "OriginStatement" and subject["product"] == stmt["statement"]["product"]
    )
    assert payload["validFrom"].startswith(stmt["statement"]["valid_from"])
    entry = payload["credentialStatus"][1]
    assert entry["type"] == "BitstringStatusListEntry"
    assert verdict(tmp_path, token, jwks) == 0
    sd = get(
        client, f"/v1/verify/{stmt['public_id']}/credential", {"Accept": "application/dc+sd-jwt"}
    ).body.decode()
    assert verdict(tmp_path, sd, jwks) == 0

    def revoked() -> int:
        path = entry["statusListCredential"].split("://", 1)[1].split("/", 1)[1]
        listed = get(client, "/" + path, {"Accept": "application/vc+jwt"}).body.decode()
        claims = json.loads(base64.urlsafe_b64decode(listed.split(".")[1] + "==="))
        return bit(claims["credentialSubject"]["encodedList"], 0)

    assert revoked() == 0
    fleet._post(f"{BASE}/{stmt['id']}/withdraw", {"reason": "discontinued"})
    assert revoked() == 1
    capsys.readouterr()


# --- the badge ----------------------------------------------------------------------------


def _badge(client, public_id, query="", status=200):
    response = get(client, f"/v1/badge/{public_id}.svg{query}", status=status)
    if status != 200:
        return response, None
    return response, ET.fromstring(response.body)


def _texts(svg) -> list[str]:
    return [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]


def test_badge_shows_country_agreement_criterion_and_nothing_more(client, fleet):
    stmt = publish(fleet)
    response, svg = _badge(client, stmt["public_id"])
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert _texts(svg) == ["RCEP origin: China", "criterion RVC · exporter's statement"]
    assert svg.get("data-verdict") == "statement_valid"
    text = response.body.decode()
    for secret in ("TABLE-OAK-01", "Oak dining table", "9403", "Guangzhou", "script", "href"):
        assert secret not in text, secret  # only the agreement, country and criterion
    assert "#1f8a3b" not in text and "#e3f5e8" not in text  # never the page's green
    _, zh = _badge(client, stmt["public_id"], "?lang=zh-Hans")
    assert _texts(zh) == ["RCEP原产地：中国", "原产地标准 RVC · 出口商声明"]
    assert float(zh.get("width")) > 100
    # Revalidated cheaply, like the JSON status.
    again = client.http.get(
        f"/v1/badge/{stmt['public_id']}.svg", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


@pytest.mark.parametrize("action", ["withdraw", "renew"])
def test_badge_turns_grey_and_says_why(client, fleet, action):
    stmt = publish(fleet)
    before = _badge(client, stmt["public_id"])[0].headers["ETag"]
    if action == "withdraw":
        fleet._post(f"{BASE}/{stmt['id']}/withdraw", {"reason": "discontinued"})
        want = "Withdrawn by the exporter"
    else:
        fleet._post(f"{BASE}/{stmt['id']}/renew", {"statement": statement_doc()})
        want = "Superseded by a renewed statement"
    response, svg = _badge(client, stmt["public_id"])
    assert response.headers["ETag"] != before
    assert svg.get("data-verdict") == "not_valid" and _texts(svg) == ["Origin statement", want]


def test_badge_only_for_statements(client, fleet):
    cert = fleet.issue()
    _badge(client, cert["public_id"], status=404)
    _badge(client, str(uuid.uuid4()), status=404)
    _badge(client, publish(fleet)["public_id"] + ".png", status=404)


def test_badge_text_is_escaped(client, fleet, ctx):
    """Whatever a statement holds reaches the SVG as text, never as markup."""
    from originlink_service.verification.badge import badge_svg

    body = verify(client, publish(fleet)["public_id"])
    body["statement"]["agreement"] = "<script>alert(1)</script>&"
    svg = badge_svg(body, "en")
    ET.fromstring(svg)  # still well-formed
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_embed_snippet_respects_the_public_origin(fleet, ctx):
    stmt = publish(fleet)
    html = stmt["links"]["embed_html"]
    origin = ctx.settings.origin
    assert f'src="{origin}/v1/badge/{stmt["public_id"]}.svg"' in html
    assert f'href="{verification_url(origin, stmt["public_id"])}"' in html
    assert re.search(r'alt="RCEP origin: China, criterion RVC', html)


# --- forgery: an edited statement fails `originlink verify` -----------------------------


@pytest.fixture
def downloads(client, fleet):
    stmt = publish(fleet)
    jwks = json.loads(get(client, "/.well-known/jwks.json").body)
    answer = verify(client, stmt["public_id"])
    document = json.loads(get(client, answer["links"]["document"]).body)
    return stmt, jwks, answer, document


def test_the_downloads_verify_as_they_are(downloads, tmp_path, capsys):
    _, jwks, answer, document = downloads
    assert document["type"] == "originlink.signed-origin-statement"
    for content in (document, document["sd_jwt"], answer):
        assert verdict(tmp_path, content, jwks) == 0
    out = capsys.readouterr().out
    assert "exporters_statement" in out and "VERIFIED" in out
    report = verify_file(json.dumps(document), jwks)
    assert report.kind == "signed_statement"
    assert {g["group"] for g in report.coverage if g["covered"]} == {
        "exporter",
        "product",
        "origin",
        "validity",
    }


def test_every_field_of_the_document_edited_fails(downloads, tmp_path, capsys):
    _, jwks, _, document = downloads
    labels = {"sd_jwt", "type", "format", "view", "jwks", "kid"}
    shown = [(p, v) for p, v in leaves(document) if p[0] not in labels]
    assert len(shown) >= 15
    for path, value in shown:
        assert verdict(tmp_path, set_at(document, path, edited(value)), jwks) == 1, path
    capsys.readouterr()


def test_every_disclosure_and_signed_claim_edited_fails(downloads, tmp_path, capsys):
    _, jwks, _, document = downloads
    jwt, disclosures = sdjwt.parse(document["sd_jwt"])
    for i, text in enumerate(disclosures):
        salt, *rest = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if isinstance(rest[-1], str):
            rest[-1] += "X"
            forged = base64.urlsafe_b64encode(json.dumps([salt, *rest]).encode()).decode()
            forged = forged.rstrip("=")
            text_ = "~".join([jwt, *disclosures[:i], forged, *disclosures[i + 1 :], ""])
            assert verdict(tmp_path, text_, jwks) == 1, rest
    header, payload, signature = jwt.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "==="))
    for name in ("valid_until", "valid_from", "public_id", "digest", "vct", "sandbox"):
        forged = dict(claims, **{name: edited(claims[name])})
        body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
        text_ = "~".join([f"{header}.{body}.{signature}", *disclosures, ""])
        assert verdict(tmp_path, text_, jwks) == 1, name
    # A statement with a field withheld is not the statement.
    assert verdict(tmp_path, "~".join([jwt, *disclosures[:-1], ""]), jwks) == 1
    capsys.readouterr()


def test_the_saved_answer_edited_fails(downloads, tmp_path, capsys):
    _, jwks, answer, _ = downloads
    for path, value in leaves(answer):
        if path[0] in {"sd_jwt", "status_attestation"}:
            continue
        assert verdict(tmp_path, set_at(answer, path, edited(value)), jwks) == 1, path
    capsys.readouterr()


def test_statement_and_certificate_cannot_pass_for_each_other(
    client, fleet, downloads, tmp_path, capsys
):
    _, jwks, answer, document = downloads
    cert = fleet.issue()
    cert_answer = verify(client, cert["public_id"])
    # A statement's SD-JWT under a certificate's label, and the other way round.
    assert verdict(tmp_path, {**cert_answer, "sd_jwt": document["sd_jwt"]}, jwks) == 1
    assert verdict(tmp_path, {**answer, "sd_jwt": cert_answer["sd_jwt"]}, jwks) == 1
    mislabelled = {**document, "type": "originlink.signed-certificate"}
    mislabelled["certificate"] = mislabelled.pop("statement")
    assert verdict(tmp_path, mislabelled, jwks) == 1
    report = verify_file(document["sd_jwt"], jwks)
    assert report.kind == "signed_statement"  # never reported as a certificate
    capsys.readouterr()


def test_reference_sd_jwt_implementation_reads_the_statement(downloads):
    from .test_forgery import _reference_verify

    _, jwks, answer, document = downloads
    claims = _reference_verify(document["sd_jwt"], jwks)
    assert claims["statement"] == answer["statement"]
    assert claims["vct"] == "urn:originlink:vct:rcep-origin-statement:1"


def test_cli_prints_what_it_is(downloads, tmp_path, capsys):
    _, jwks, _, document = downloads
    path, keys = tmp_path / "s.json", tmp_path / "jwks.json"
    path.write_text(json.dumps(document))
    keys.write_text(json.dumps(jwks))
    assert main(["verify", str(path), "--jwks", str(keys)]) == 0
    out = capsys.readouterr().out
    assert "not a certificate of origin" in out and "VERIFIED" in out
