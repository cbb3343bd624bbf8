"""What a person sees: headless Chromium (Debian's `chromium`, driven by Playwright; never
`playwright install`) against a real `originlink serve` on loopback. Screenshots go to
test-artifacts/verification/ (gitignored; CI keeps them as artifacts)."""

from __future__ import annotations

import copy
import json
import os
import uuid
from pathlib import Path

import pytest
import requests
from service.conftest import ROOT, RunningServer

from originlink.links import verification_url

ARTIFACTS = ROOT / "test-artifacts" / "verification"
CHROMIUM = os.environ.get("ORIGINLINK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = RunningServer(tmp_path_factory.mktemp("browser") / "data", workers=1, threads=4)
    running.start()
    yield running.base, running.demo_key
    running.stop()


def _post(base, key, path, body) -> dict:
    r = requests.post(
        base + path,
        json=body,
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())},
        timeout=10,
    )
    assert r.status_code in (200, 201), r.text
    return r.json()


@pytest.fixture(scope="module")
def certificates(server):
    base, key = server
    doc = json.loads((ROOT / "examples" / "certificate.json").read_text(encoding="utf-8"))

    def issue():
        d = copy.deepcopy(doc)
        d["number"] = "R2026-" + uuid.uuid4().hex[:8].upper()
        return _post(base, key, "/v1/certificates", d)

    valid, cancelled, original = issue(), issue(), issue()
    _post(base, key, f"/v1/certificates/{cancelled['id']}/cancel", {"reason": "issued in error"})
    fixed = copy.deepcopy(original["certificate"])
    fixed["goods_items"][0]["description"] = "Wooden living-room cabinets, model PR-C121"
    replacement = _post(
        base,
        key,
        f"/v1/certificates/{original['id']}/replace",
        {"certificate": fixed, "reason": "wrong model number"},
    )
    return {"valid": valid, "cancelled": cancelled, "replaced": original, "new": replacement}


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-US", java_script_enabled=True
    )
    yield context.new_page()
    context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_valid_certificate_in_vietnamese_then_full_view(server, certificates, browser):
    base, _ = server
    cert = certificates["valid"]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    page.goto(verification_url(base, cert["public_id"]))  # the QR link, uppercase form
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("#verdict").inner_text().startswith("Chính xác và còn hiệu lực")
    assert page.locator("#check-integrity").get_attribute("data-code") == "signature_valid"
    assert page.locator("#check-status").get_attribute("data-code") == "valid"
    assert "4000.00" not in page.content()
    shot(page, "valid-vi")

    page.get_by_role("link", name="English").click()
    assert page.locator("#verdict").inner_text().startswith("Genuine and valid")
    page.fill("#code", cert["access_code"].lower())
    page.get_by_role("button", name="Show full certificate").click()
    assert "Saigon Home Living JSC" in page.locator("#importer").inner_text()
    assert page.locator("#goods td.fob").first.inner_text() == "4000.00 USD"
    assert page.locator("#unlock").count() == 0
    shot(page, "valid-full-en")
    context.close()


def test_qr_link_with_fragment_opens_full_view_and_hides_the_code(server, certificates, phone):
    base, _ = server
    cert = certificates["valid"]
    phone.goto(verification_url(base, cert["public_id"], cert["access_code"]))
    phone.wait_for_selector("#importer")
    assert "4000.00 USD" in phone.locator("#goods").inner_text()
    assert "#" not in phone.url  # the code left the address bar
    shot(phone, "valid-full-from-qr")


def test_works_without_javascript(server, certificates, browser):
    base, _ = server
    cert = certificates["valid"]
    context = browser.new_context(java_script_enabled=False, locale="th-TH")
    page = context.new_page()
    page.goto(f"{base}/v/{cert['public_id']}")
    assert "ถูกต้องและมีผลใช้บังคับ" in page.locator("#verdict").inner_text()
    page.fill("#code", cert["access_code"])
    page.locator("#unlock button").click()
    assert "4000.00 USD" in page.locator("#goods").inner_text()
    shot(page, "valid-full-th-nojs")
    context.close()


def test_wrong_code_message(server, certificates, phone):
    base, _ = server
    phone.goto(f"{base}/v/{certificates['valid']['public_id']}")
    phone.fill("#code", "ABCDEFGHJK2")
    phone.locator("#unlock button").click()
    assert phone.locator("#code-wrong").inner_text() == "This access code is not correct."
    assert "4000.00" not in phone.content()


def test_cancelled(server, certificates, phone):
    base, _ = server
    phone.goto(f"{base}/v/{certificates['cancelled']['public_id']}?lang=zh-Hans")
    assert phone.locator("#verdict").inner_text().startswith("无效")
    status = phone.locator("#check-status")
    assert status.get_attribute("data-code") == "cancelled"
    assert "已撤销" in status.inner_text() and "issued in error" in status.inner_text()
    shot(phone, "cancelled-zh")


def test_replaced_links_to_replacement(server, certificates, phone):
    base, _ = server
    phone.goto(f"{base}/v/{certificates['replaced']['public_id']}?lang=ms")
    status = phone.locator("#check-status")
    assert status.get_attribute("data-code") == "replaced"
    assert "Digantikan oleh sijil lain" in status.inner_text()
    shot(phone, "replaced-ms")
    phone.locator("#replacement").click()
    assert phone.locator("#check-status").get_attribute("data-code") == "valid"
    assert "PR-C121" in phone.locator("#goods").inner_text()
    shot(phone, "replacement-ms")


def test_unknown(server, phone):
    base, _ = server
    response = phone.goto(f"{base}/v/{'A' * 22}?lang=id")
    assert response.status == 404
    assert phone.locator("#verdict").inner_text() == "Sertifikat tidak ditemukan"
    shot(phone, "unknown-id")


def test_typed_code_lookup(server, certificates, phone):
    from originlink.links import group, short_code_with_check

    base, _ = server
    cert = certificates["valid"]
    phone.goto(f"{base}/v?lang=en")
    code = short_code_with_check(cert["public_id"])
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    phone.fill("#code", group(wrong).lower())
    phone.locator("#by-code button").click()
    assert "check character" in phone.locator("#code-invalid").inner_text()
    phone.fill("#code", group(code).lower())
    phone.locator("#by-code button").click()
    assert phone.locator("#check-status").get_attribute("data-code") == "valid"
    assert cert["number"] in phone.locator("#certificate").inner_text()
    shot(phone, "lookup-by-code")


def test_print_layout_hides_controls(server, certificates, phone):
    base, _ = server
    phone.goto(f"{base}/v/{certificates['valid']['public_id']}")
    phone.emulate_media(media="print")
    assert not phone.locator("#unlock").is_visible()
    assert phone.locator("#certificate").is_visible()
