"""What a person sees: headless Chromium (Debian's `chromium`, driven by Playwright; never
`playwright install`) against a real `originlink serve` on loopback. Screenshots go to
test-artifacts/verification/ (gitignored; CI keeps them as artifacts)."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
import storage_backend
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
    yield running.base, running.demo_key, running.data_dir
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
    base, key, data_dir = server
    doc = json.loads((ROOT / "examples" / "certificate.json").read_text(encoding="utf-8"))

    def issue():
        d = copy.deepcopy(doc)
        d["number"] = "R2026-" + uuid.uuid4().hex[:8].upper()
        return _post(base, key, "/v1/certificates", d)

    valid, cancelled, original = issue(), issue(), issue()
    declaration = json.loads(
        (ROOT / "examples" / "certificate-declaration.json").read_text(encoding="utf-8")
    )
    declaration["number"] = "DO2026-" + uuid.uuid4().hex[:8].upper()
    declared = _post(base, key, "/v1/certificates", declaration)
    sandbox_key = json.loads(
        subprocess.run(
            [
                sys.executable,
                "-m",
                "originlink",
                "keys",
                "create",
                "--exporter",
                "demo",
                "--sandbox",
                "--data-dir",
                str(data_dir),
            ],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, **storage_backend.current().env(data_dir)},
        ).stdout
    )["api_key"]
    d = copy.deepcopy(doc)
    d["number"] = "SBX-" + uuid.uuid4().hex[:8].upper()
    sandbox = _post(base, sandbox_key, "/v1/certificates", d)
    _post(base, key, f"/v1/certificates/{cancelled['id']}/cancel", {"reason": "issued in error"})
    fixed = copy.deepcopy(original["certificate"])
    fixed["goods_items"][0]["description"] = "Wooden living-room cabinets, model PR-C121"
    replacement = _post(
        base,
        key,
        f"/v1/certificates/{original['id']}/replace",
        {"certificate": fixed, "reason": "wrong model number"},
    )
    return {
        "valid": valid,
        "cancelled": cancelled,
        "replaced": original,
        "new": replacement,
        "declaration": declared,
        "sandbox": sandbox,
    }


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
    base = server[0]
    cert = certificates["valid"]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    page.goto(verification_url(base, cert["public_id"]))  # the QR link, uppercase form
    assert page.locator("html").get_attribute("lang") == "vi"
    # A Certificate of Origin no issuing body has endorsed: intact and valid, not green.
    assert (
        page.locator("#verdict")
        .inner_text()
        .startswith("Dữ liệu đã được xác nhận — chưa được cơ quan cấp chứng nhận")
    )
    assert page.locator("#verdict").get_attribute("class") == "verdict info"
    assert page.locator("#check-integrity").get_attribute("data-code") == "signature_valid"
    assert page.locator("#check-legal").get_attribute("data-code") == "not_certified"
    assert page.locator("#demo-band").is_visible()
    assert page.locator("#check-status").get_attribute("data-code") == "valid"
    assert "4000.00" not in page.content()
    shot(page, "valid-vi")

    page.get_by_role("link", name="English").click()
    assert page.locator("#verdict").inner_text().startswith("Data confirmed")
    page.fill("#code", cert["access_code"].lower())
    page.get_by_role("button", name="Show full certificate").click()
    assert "Saigon Home Living JSC" in page.locator("#importer").inner_text()
    assert page.locator("#goods .fob").first.inner_text() == "4000.00 USD"
    assert page.locator("#unlock").count() == 0
    shot(page, "valid-full-en")
    context.close()


def test_qr_link_with_fragment_opens_full_view_and_hides_the_code(server, certificates, phone):
    base = server[0]
    cert = certificates["valid"]
    phone.goto(verification_url(base, cert["public_id"], cert["access_code"]))
    phone.wait_for_selector("#importer")
    assert "4000.00 USD" in phone.locator("#goods").inner_text()
    assert "#" not in phone.url  # the code left the address bar
    shot(phone, "valid-full-from-qr")


def test_works_without_javascript(server, certificates, browser):
    base = server[0]
    cert = certificates["valid"]
    context = browser.new_context(java_script_enabled=False, locale="th-TH")
    page = context.new_page()
    page.goto(f"{base}/v/{cert['public_id']}")
    assert "ข้อมูลได้รับการยืนยัน" in page.locator("#verdict").inner_text()
    page.fill("#code", cert["access_code"])
    page.locator("#unlock button").click()
    assert "4000.00 USD" in page.locator("#goods").inner_text()
    shot(page, "valid-full-th-nojs")
    context.close()


def test_wrong_code_message(server, certificates, phone):
    base = server[0]
    phone.goto(f"{base}/v/{certificates['valid']['public_id']}")
    phone.fill("#code", "ABCDEFGHJK2")
    phone.locator("#unlock button").click()
    assert phone.locator("#code-wrong").inner_text() == "This access code is not correct."
    assert "4000.00" not in phone.content()


def test_cancelled(server, certificates, phone):
    base = server[0]
    phone.goto(f"{base}/v/{certificates['cancelled']['public_id']}?lang=zh-Hans")
    assert phone.locator("#verdict").inner_text().startswith("无效")
    status = phone.locator("#check-status")
    assert status.get_attribute("data-code") == "cancelled"
    assert "已撤销" in status.inner_text() and "issued in error" in status.inner_text()
    shot(phone, "cancelled-zh")


def test_replaced_links_to_replacement(server, certificates, phone):
    base = server[0]
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
    base = server[0]
    response = phone.goto(f"{base}/v/{'A' * 22}?lang=id")
    assert response.status == 404
    assert phone.locator("#verdict").inner_text() == "Sertifikat tidak ditemukan"
    shot(phone, "unknown-id")


def test_typed_code_lookup(server, certificates, phone):
    from originlink.links import group, short_code_with_check

    base = server[0]
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
    base = server[0]
    phone.goto(f"{base}/v/{certificates['valid']['public_id']}")
    phone.emulate_media(media="print")
    assert not phone.locator("#unlock").is_visible()
    assert phone.locator("#certificate").is_visible()


def test_declaration_by_approved_exporter_is_green(server, certificates, phone):
    base = server[0]
    phone.goto(f"{base}/v/{certificates['declaration']['public_id']}?lang=en")
    assert phone.locator("#verdict").get_attribute("class") == "verdict ok"
    assert phone.locator("#verdict").inner_text().startswith("Certified and valid")
    legal = phone.locator("#check-legal")
    assert legal.get_attribute("data-code") == "approved_exporter"
    assert "approved exporter" in legal.inner_text()
    shot(phone, "declaration-en")


def test_sandbox_says_so_on_every_view(server, certificates, phone):
    base = server[0]
    cert = certificates["sandbox"]
    assert cert["sandbox"] is True
    phone.goto(verification_url(base, cert["public_id"], cert["access_code"]))
    phone.wait_for_selector("#importer")
    assert phone.locator("#sandbox-band").inner_text() == "SANDBOX — NOT A CERTIFICATE OF ORIGIN"
    assert phone.locator("#verdict").get_attribute("data-verdict") == "sandbox"
    shot(phone, "sandbox-full-en")


# --- the page on a phone and on a desktop: never wider than the screen (issue 18.4) ---------

VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 900}}
LANGS = ["en", "zh-Hans", "vi", "th", "id", "ms"]


def overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0: no horizontal scroll)."""
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_no_horizontal_scroll_in_any_language(server, certificates, browser, viewport):
    base = server[0]
    cert = certificates["valid"]
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    link = verification_url(base, cert["public_id"])
    for lang in LANGS:
        for full in (False, True):
            page.goto(f"{link}?lang={lang}")
            if full:  # the access code typed into the form, as a person without a QR would
                page.fill("#code", cert["access_code"])
                page.locator("#unlock button").click()
                page.wait_for_selector("#importer")
            assert page.locator("html").get_attribute("lang") == lang
            assert overflow(page) <= 0, (viewport, lang, full, overflow(page))
            shot(page, f"{viewport}-{lang}-{'full' if full else 'public'}")
    for path in ["/v?lang=th", f"/v/{'A' * 22}?lang=vi"]:
        page.goto(base + path)
        assert overflow(page) <= 0, (viewport, path)
    context.close()


@pytest.fixture(scope="module")
def statement(server):
    from service.conftest import statement_doc

    base, key, _ = server
    return _post(base, key, "/v1/origin-statements", statement_doc("BROWSER-1"))


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_statement_page_fits_in_every_language(server, statement, browser, viewport):
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    for lang in LANGS:
        page.goto(f"{statement['links']['url']}?lang={lang}")
        assert page.locator("#verdict").get_attribute("data-verdict") == "statement_valid"
        assert page.locator("#what-this-is").is_visible()
        assert overflow(page) <= 0, (viewport, lang, overflow(page))
        shot(page, f"statement-{viewport}-{lang}")
    context.close()


def test_badge_snippet_on_any_website(server, statement, browser, tmp_path):
    """The copy-and-paste HTML on a page of another site: the badge loads from the service and
    leads to the statement's verification page."""
    shop = tmp_path / "shop.html"
    shop.write_text(
        "<!doctype html><html><body><h1>Oak dining table</h1>"
        f"{statement['links']['embed_html']}</body></html>",
        encoding="utf-8",
    )
    context = browser.new_context(viewport={"width": 390, "height": 600})
    page = context.new_page()
    page.goto(shop.as_uri())
    image = page.locator("img")
    page.wait_for_function("document.querySelector('img').complete")
    assert page.evaluate("document.querySelector('img').naturalWidth") > 100
    assert image.get_attribute("alt").startswith("RCEP origin: China, criterion RVC")
    shot(page, "statement-badge-on-a-shop")
    with context.expect_page() as opened:
        image.click()
    target = opened.value
    target.wait_for_load_state()
    assert target.locator("#verdict").get_attribute("data-verdict") == "statement_valid"
    context.close()
