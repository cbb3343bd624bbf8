"""The server-rendered page: headers, languages, the three checks, the access-code form."""

from __future__ import annotations

import re

import pytest
from service.conftest import write_behind_the_service

from originlink.links import page_path, short_code_with_check
from originlink_service.verification import i18n


def page(client, path, headers=None):
    r = client.http.get(path, headers=headers or {})
    return r, r.body.decode("utf-8")


def unlock(client, path, code, lang="en"):
    r = client.http.post(
        path,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=f"code={code}&lang={lang}",
    )
    return r, r.body.decode("utf-8")


def test_page_headers_and_structure(client, fleet):
    cert = fleet.issue()
    r, html = page(client, f"/v/{cert['public_id']}")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["X-Robots-Tag"].startswith("noindex")
    assert '<meta name="robots" content="noindex' in html
    assert "script-src 'sha256-" in r.headers["Content-Security-Policy"]
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert '<meta name="viewport"' in html and "@media print" in html
    for check, code in [
        ("integrity", "signature_valid"),
        ("legal", "not_certified"),
        ("status", "valid"),
    ]:
        assert f'id="check-{check}" data-code="{code}"' in html
    # Not certified by an issuing body: the headline says what is true, not green.
    assert 'data-verdict="not_certified"' in html and 'class="verdict info"' in html
    assert "Data confirmed — not certified by an issuing body" in html
    assert "on behalf of the exporter Guangzhou Pearl River Furniture" in html
    assert cert["number"] in html and cert["digest"] in html
    assert "Wooden living-room cabinets" in html and "940360" in html
    # Country names in the page's language; the ISO codes only in `title`.
    assert '<span title="VN">Vietnam</span>' in html and ">VN<" not in html
    # No raw codes shown (they stay in the JSON and in data-code attributes).
    text = re.sub(r"<[^>]+>", " ", html)
    for raw in ["signature_valid", "not_certified", "known_key", "dc+sd-jwt"]:
        assert raw not in text, raw
    assert 'id="demo-band"' in html  # not configured for production
    # The form works without JavaScript: a plain POST to the page.
    assert re.search(r'<form id="unlock" method="post" action="/V/[^"]+"', html)


@pytest.mark.parametrize(
    "accept,lang,word",
    [
        ("vi-VN,vi;q=0.9,en;q=0.5", "vi", "Đã được chứng nhận và còn hiệu lực"),
        ("zh-CN,zh;q=0.9", "zh-Hans", "已认证且有效"),
        ("th-TH", "th", "ได้รับการรับรองและมีผลใช้บังคับ"),
        ("id-ID,id;q=0.8", "id", "Tersertifikasi dan berlaku"),
        ("ms-MY", "ms", "Diperakui dan sah"),
        ("fr-FR,de;q=0.5", "en", "Certified and valid"),
    ],
)
def test_language_from_accept_language(client, fleet, accept, lang, word):
    cert = fleet.issue()
    fleet.endorse(cert)
    r, html = page(client, f"/v/{cert['public_id']}", {"Accept-Language": accept})
    assert r.headers["Content-Language"] == lang
    assert f'<html lang="{lang}">' in html and word in html


def test_lang_query_overrides_header_and_switcher_lists_all(client, fleet):
    cert = fleet.issue()
    r, html = page(client, f"/v/{cert['public_id']}?lang=th", {"Accept-Language": "vi"})
    assert r.headers["Content-Language"] == "th"
    for code in i18n.LANGUAGES:
        assert f'href="?lang={code}"' in html
    assert 'aria-current="true">ไทย<' in html


def test_status_pages(client, fleet):
    cancelled = fleet.issue()
    fleet.cancel(cancelled, "issued in error")
    _, html = page(client, f"/v/{cancelled['public_id']}?lang=vi")
    assert 'data-code="cancelled"' in html and "Đã hủy" in html and "issued in error" in html
    original = fleet.issue()
    new = fleet.replace(original)
    _, html = page(client, f"/v/{original['public_id']}")
    assert f'<a id="replacement" href="{page_path(new["public_id"])}">' in html
    rejected = fleet.issue()
    fleet.reject(rejected, "HS code does not match")
    _, html = page(client, f"/v/{rejected['public_id']}?lang=id")
    assert "Ditolak oleh bea cukai" in html and "HS code does not match" in html


def test_access_code_form_unlocks_full_view(client, fleet):
    cert = fleet.issue()
    code = fleet.access_code(cert)
    path = f"/V/{short_code_with_check(cert['public_id'])}"
    r, html = unlock(client, path, code.lower(), lang="vi")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "private, no-store"
    assert "4000.00 USD" in html and "Saigon Home Living JSC" in html
    assert cert["certificate"]["invoices"][0]["number"] in html
    assert 'id="unlock"' not in html and '<html lang="vi">' in html


def test_wrong_access_code_shows_message_not_data(client, fleet):
    cert = fleet.issue()
    r, html = unlock(client, f"/v/{cert['public_id']}", "WRONGCODE99")
    assert r.status_code == 403 and 'id="code-wrong"' in html
    assert "4000.00" not in html


def test_odd_unlock_form_is_a_page_not_a_500(client, fleet):
    cert = fleet.issue()
    path = f"/v/{cert['public_id']}"
    for raw in [b"a=1&" * 20 + b"code=X", b"\xff\xfe", b""]:
        r = client.http.post(
            path, headers={"Content-Type": "application/x-www-form-urlencoded"}, body=raw
        )
        html = r.body.decode("utf-8")
        assert r.status_code in (400, 403) and 'id="unlock"' in html, raw
        assert "4000.00" not in html


def test_not_found_page_is_identical_and_noindex(client, fleet):
    fleet.issue()
    probes = ["A" * 22, "B" * 27, "short", "A" * 26 + "*"]
    answers = [page(client, f"/v/{p}?lang=en") for p in probes]
    assert {r.status_code for r, _ in answers} == {404}
    assert len({html for _, html in answers}) == 1
    assert len({tuple(sorted(r.headers.items())) for r, _ in answers}) == 1
    assert answers[0][0].headers["X-Robots-Tag"].startswith("noindex")
    assert "Certificate not found" in answers[0][1]
    r, _ = unlock(client, "/v/" + "A" * 22, "ABCDEFGHJK2")
    assert r.status_code == 404


def test_page_etag(client, fleet):
    cert = fleet.issue()
    r, _ = page(client, f"/v/{cert['public_id']}?lang=ms")
    again = client.http.get(
        f"/v/{cert['public_id']}?lang=ms", headers={"If-None-Match": r.headers["ETag"]}
    )
    assert again.status_code == 304
    other_lang = client.http.get(
        f"/v/{cert['public_id']}?lang=th", headers={"If-None-Match": r.headers["ETag"]}
    )
    assert other_lang.status_code == 200


@pytest.mark.parametrize(
    "lang, statement",
    [
        ("en", "Endorsed electronically by General Administration of Customs"),
        ("zh-Hans", "已由 General Administration of Customs"),
        ("vi", "Đã được General Administration of Customs"),
        ("th", "ได้รับการรับรองทางอิเล็กทรอนิกส์โดย General"),
        ("id", "Disahkan secara elektronik oleh General"),
        ("ms", "Diendorskan secara elektronik oleh General"),
    ],
)
def test_three_statements_in_every_language(client, fleet, lang, statement):
    endorsed = fleet.issue()
    fleet.endorse(endorsed)
    r, html = page(client, f"/v/{endorsed['public_id']}?lang={lang}")
    assert 'class="verdict ok"' in html and 'data-verdict="certified_valid"' in html
    assert statement in html
    recorded = fleet.issue()
    fleet.record_official(recorded)
    _, html = page(client, f"/v/{recorded['public_id']}?lang={lang}")
    assert 'data-verdict="recorded_valid"' in html and 'class="verdict info"' in html
    assert "E26-4401-000777" in html and 'id="official-lookup"' in html


def test_sandbox_certificate_is_never_green(client, fleet, ctx):
    ctx.settings.environment = "production"
    cert = fleet.issue(sandbox=True)
    assert cert["sandbox"] is True and cert["links"]["print"]["sandbox"] is True
    fleet.endorse(cert)  # even an endorsement does not make a sandbox certificate real
    for lang in i18n.LANGUAGES:
        _, html = page(client, f"/v/{cert['public_id']}?lang={lang}")
        assert 'id="sandbox-band"' in html and 'data-verdict="sandbox"' in html
        assert 'class="verdict ok"' not in html and 'id="demo-band"' not in html
    _, html = page(client, f"/v/{cert['public_id']}?lang=en")
    assert html.count("SANDBOX — NOT A CERTIFICATE OF ORIGIN") >= 2


def test_lookup_form_by_code_and_by_number(client, fleet, ctx, monkeypatch):
    cert = fleet.issue()
    r, html = page(client, "/v?lang=vi")
    assert r.status_code == 200 and "Mã xác minh" in html and 'id="by-number"' in html
    code = short_code_with_check(cert["public_id"])
    grouped = "-".join(code[i : i + 4] for i in range(0, 27, 4)).lower()
    found = client.http.get(f"/v?code={grouped}&lang=th")
    assert found.status_code == 303
    assert found.headers["Location"] == f"{page_path(cert['public_id'])}?lang=th"
    calls = []
    real = ctx.store.get_by_public_id
    monkeypatch.setattr(ctx.store, "get_by_public_id", lambda pid: calls.append(pid) or real(pid))
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    r, html = page(client, f"/v?code={typo}&lang=en")
    assert r.status_code == 400 and 'id="code-invalid"' in html and calls == []
    inv = cert["certificate"]["invoices"][0]["number"]
    by_number = client.http.get(f"/v?number={cert['number']}&invoice={inv}")
    assert by_number.status_code == 303
    assert by_number.headers["Location"].startswith(page_path(cert["public_id"]))
    r, html = page(client, f"/v?number={cert['number']}&invoice=NOPE&lang=en")
    assert r.status_code == 404 and "Certificate not found" in html


def test_lookup_lists_original_and_replacement(client, fleet):
    cert = fleet.issue()
    new = fleet.replace(cert)
    inv = cert["certificate"]["invoices"][0]["number"]
    r, html = page(client, f"/v?number={cert['number']}&invoice={inv}&lang=en")
    assert r.status_code == 200
    for c in (cert, new):
        assert f"{page_path(c['public_id'])}?lang=en" in html
    assert "Replaced by another certificate" in html


def test_a_certificate_not_issued_yet_looks_unknown(client, fleet, ctx):
    cert = fleet.issue()
    record = ctx.store.get_by_public_id(cert["public_id"])
    record.state = "received"  # e.g. stored but not signed yet: not public
    write_behind_the_service(ctx, record)
    hidden = client.http.get(f"/v/{cert['public_id']}?lang=en")
    unknown = client.http.get(f"/v/{'A' * 22}?lang=en")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.body == unknown.body and hidden.headers == unknown.headers
    api = client.http.get(f"/v1/verify/{cert['public_id']}")
    assert api.status_code == 404


def test_the_page_says_how_customs_learn_of_the_certificate(client, fleet):
    """Issue 9.1: with no electronic link configured for VN (the default), the status says the
    customs will check the paper or PDF, in the page's language — in the JSON too, signed with
    the rest of the answer."""
    cert = fleet.issue()
    body = client.http.get(f"/v1/verify/{cert['public_id']}").json_body
    assert body["checks"]["status"]["channel"] == {"destination": "VN", "mode": "paper-parallel"}
    _, html = page(client, f"/v/{cert['public_id']}")
    assert 'id="customs-channel" data-mode="paper-parallel"' in html
    assert (
        "Not sent electronically: the customs of Vietnam will check the paper or PDF "
        "certificate, which stays verifiable here." in html
    )
    _, zh = page(client, f"/v/{cert['public_id']}?lang=zh-Hans")
    assert "未以电子方式发送：越南海关将核查纸质或PDF证书" in zh
