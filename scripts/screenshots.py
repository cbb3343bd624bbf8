"""The README's screenshots, made from the real thing: the verification page of the example
certificate (desktop and phone, without and with its access code) and page 1 of the Form
RCEP PDF that the Odoo addon prints.

    .venv/bin/python scripts/screenshots.py                # starts its own service
    .venv/bin/python scripts/screenshots.py --base http://127.0.0.1:8000 --key "$KEY"
    .venv/bin/python scripts/screenshots.py --pdf test-artifacts/odoo/certificate.pdf

Without --base it runs `originlink serve --simulator` on free ports with a throw-away data
directory (nothing under var/), issues examples/certificate.json dated up to today, waits for
the simulated customs to accept it, then drives Debian's Chromium (/usr/bin/chromium, through
Playwright; never `playwright install`). The PDF comes from `scripts/test_odoo.sh`, which
leaves test-artifacts/odoo/certificate.pdf; it is rendered with poppler's `pdftoppm`, cropped
to what is printed. PNGs are written to docs/img/ (optipng squeezes them when installed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
CLI = [sys.executable, "-m", "originlink"]
CHROMIUM = os.environ.get("ORIGINLINK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
DEFAULT_PDF = ROOT / "test-artifacts" / "odoo" / "certificate.pdf"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def local_service():
    """`originlink serve --simulator` on free ports, in a throw-away data directory."""
    data = Path(tempfile.mkdtemp(prefix="originlink-screenshots-"))
    port, sim_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORIGINLINK_")}
    server = subprocess.Popen(
        [
            *CLI,
            "serve",
            "--host=127.0.0.1",
            f"--port={port}",
            f"--data-dir={data}",
            "--simulator",
            f"--simulator-port={sim_port}",
            "--workers=1",
            "--quiet",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                sys.exit(f"originlink serve stopped: {server.stderr.read().strip()}")
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit(f"originlink serve did not answer at {base} within 60 s")
                time.sleep(0.2)
        yield base, (data / "demo-api-key").read_text().strip()
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(data, ignore_errors=True)


def call(base: str, key: str, path: str, body: dict | None = None) -> dict:
    headers = {"Authorization": f"Bearer {key}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers |= {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
    request = urllib.request.Request(base + path, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def issue_example(base: str, key: str, *, renumber: bool = False) -> dict:
    """examples/certificate.json dated up to today, issued, then followed until customs
    answers (the simulator accepts it within about two seconds). `renumber`: a service that
    may hold the example already gets it under a new number (a number is issued once)."""
    dated = json.loads(
        subprocess.run(
            [*CLI, "redate", "examples/certificate.json"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    if renumber:
        dated["number"] = f"{dated['number'][:-6]}{uuid.uuid4().int % 10**6:06d}"
    try:
        created = call(base, key, "/v1/certificates", dated)
    except urllib.error.HTTPError as error:
        sys.exit(f"issuing the example: {error.code} {error.read().decode(errors='replace')}")
    deadline = time.monotonic() + 20
    while True:
        record = call(base, key, created["links"]["self"])
        if record["state"] in {"accepted", "rejected", "query"} or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    print(f"issued {record['number']}: {record['state']}")
    return created


def optimise(png: Path) -> None:
    if shutil.which("optipng"):
        subprocess.run(["optipng", "-quiet", "-o2", str(png)], check=True)
    print(f"{png.relative_to(ROOT)}: {png.stat().st_size // 1024} KB")


def page_shots(created: dict) -> None:
    from playwright.sync_api import sync_playwright

    links = created["links"]["print"]
    # The printed URL is upper case for the QR code's alphanumeric mode; any case works.
    public, with_code = links["url_public"], links["url"]  # url: ...#ACCESS-CODE
    shots = [
        ("page-1280.png", 1280, 900, public),
        ("page-390.png", 390, 844, public),
        ("page-390-access-code.png", 390, 844, with_code),
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, width, height, url in shots:
            context = browser.new_context(
                viewport={"width": width, "height": height}, locale="en-US"
            )
            page = context.new_page()
            page.goto(url)
            # With the code in the fragment the page submits it itself (it never reaches the
            # server's logs): wait for the full view.
            page.wait_for_load_state("networkidle")
            if url == with_code:
                page.get_by_text("FOB", exact=False).first.wait_for()
            path = OUT / name
            page.screenshot(path=str(path), full_page=True)
            context.close()
            optimise(path)
        browser.close()


def pdf_shot(pdf: Path) -> None:
    """Page 1 at 100 dpi, cropped just below the last printed word (the form fills the top of
    an A4 page)."""
    if not shutil.which("pdftoppm"):
        sys.exit("pdftoppm is missing: apt-get install -y poppler-utils")
    dpi = 100
    bbox = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-bbox", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', bbox)
    bottoms = [float(y) for y in re.findall(r'yMax="([\d.]+)"', bbox)]
    width, height = float(page.group(1)), float(page.group(2))
    bottom = min(height, max(bottoms) + 24) if bottoms else height
    path = OUT / "form-rcep-page1.png"
    subprocess.run(
        [
            "pdftoppm",
            *("-f", "1", "-l", "1", "-r", str(dpi), "-png", "-singlefile"),
            *("-x", "0", "-y", "0", "-W", str(round(width * dpi / 72))),
            *("-H", str(round(bottom * dpi / 72))),
            str(pdf),
            str(path.with_suffix("")),
        ],
        check=True,
    )
    optimise(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", help="a running service (default: start one)")
    parser.add_argument("--key", help="its exporter API key (with --base)")
    parser.add_argument("--pdf", type=Path, default=DEFAULT_PDF, help="the Form RCEP PDF")
    parser.add_argument("--no-page", action="store_true", help="only the PDF")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    if not args.no_page:
        if not Path(CHROMIUM).exists():
            sys.exit(f"{CHROMIUM} is missing: apt-get install -y chromium")
        if args.base:
            if not args.key:
                sys.exit("--base needs --key (the exporter API key)")
            page_shots(issue_example(args.base.rstrip("/"), args.key, renumber=True))
        else:
            with local_service() as (base, key):
                page_shots(issue_example(base, key))

    if args.pdf.exists():
        pdf_shot(args.pdf)
    else:
        print(
            f"{args.pdf} not found: run `ODOO_TEST_TAGS=/rcep_eco:TestDocuments "
            "scripts/test_odoo.sh` first (it leaves the PDF there)",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
