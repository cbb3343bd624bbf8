"""What the tests share: the real OriginLink service (`originlink serve`, started per test
class, as rcep_eco's end-to-end test starts it), a company set up as a Chinese exporter, and
products whose assessment says they originate (or not)."""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import requests
from odoo import fields

DEFAULT_CLI = Path(__file__).resolve().parents[3] / ".venv" / "bin" / "originlink"
MANAGER = "rcep_eco.group_rcep_manager"
USER = "rcep_eco.group_rcep_user"


def start_real_service(test_class):
    """`originlink serve` on a free loopback port with a new exporter key, for one test class
    (Odoo's test framework ends child processes a class leaves behind): (base URL, API key),
    or None when no service CLI is found."""
    cli = os.environ.get("ORIGINLINK_CLI") or str(DEFAULT_CLI)
    if not os.access(cli, os.X_OK):
        return None
    data_dir = tempfile.mkdtemp(prefix="rcep_website_")
    test_class.addClassCleanup(shutil.rmtree, data_dir, ignore_errors=True)
    created = subprocess.run(
        [cli, "keys", "create", "--exporter", "Pearl River shop", "--data-dir", data_dir],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    port = free_port()
    proc = subprocess.Popen(
        [cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", data_dir,
         "--workers", "1", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip

    def stop():
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    test_class.addClassCleanup(stop)
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            if requests.get(base + "/healthz", timeout=10).ok:
                return base, json.loads(created.stdout)["api_key"]
        except requests.ConnectionError:
            time.sleep(0.25)
    raise RuntimeError("the OriginLink service did not start")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ShopData:
    """Mixin for a test class: `setup_shop()` in setUpClass."""

    @classmethod
    def setup_shop(cls):
        env = cls.env
        found = start_real_service(cls)
        if found is None:
            cls.service_url = cls.service_key = None
        else:
            cls.service_url, cls.service_key = found
        cls.cn = env.ref("base.cn")
        cls.vn = env.ref("base.vn")
        cls.company = env.company
        cls.company.write(
            {
                "name": "Guangzhou Pearl River Furniture Co., Ltd.",
                "street": "88 Huangpu East Road",
                "city": "Guangzhou",
                "country_id": cls.cn.id,
                "rcep_service_url": cls.service_url,
                "rcep_api_key": cls.service_key,
                "rcep_issuing_body": "Guangzhou Customs",
                "rcep_signatory": "Li Wei, Export Manager",
            }
        )
        cls.tag = env.ref("rcep_eco_website.product_tag_rcep_origin_statement")

    def require_service(self):
        if not self.service_url:
            self.skipTest("no OriginLink service CLI (set ORIGINLINK_CLI or run make install)")

    @classmethod
    def hs_field(cls):
        """rcep_eco's product HS code field (`rcep_hs_code`, becoming Odoo's `hs_code`)."""
        fields_ = cls.env["product.template"]._fields
        return "rcep_hs_code" if "rcep_hs_code" in fields_ else "hs_code"

    @classmethod
    def origin_product(cls, name="Oak dining table", originating=True, **vals):
        """A published-to-the-shop product whose assessment says it originates (RVC 65 %,
        CTH met) — or, with `originating=False`, does not (imported parts, RVC 10 %)."""
        env = cls.env
        # Not originating: a part of the same heading (no CTH) and little value added here
        # (RVC 10 % build-down, 20 % build-up).
        supplier_value = 35.0 if originating else 90.0
        costs = 20.0 if originating else 5.0
        return env["product.template"].create(
            {
                "name": name,
                "default_code": f"T-{uuid.uuid4().hex[:10].upper()}",
                "type": "consu",
                "list_price": 100.0,
                "is_published": True,
                "taxes_id": [fields.Command.clear()],
                cls.hs_field(): "940360",
                "rcep_hs_edition": "HS2022",
                "rcep_criterion": "RVC",
                "rcep_fob_amount": 100.0,
                "rcep_cost_labour": costs,
                "rcep_cost_overhead": costs / 2 if originating else costs,
                "rcep_cost_profit": costs * 0.6 if originating else costs,
                "rcep_cost_other": costs / 2 if originating else costs,
                "rcep_material_ids": [
                    fields.Command.create(
                        {
                            "name": "SECRET-SUPPLIER sawn oak",
                            "hs_code": "440799" if originating else "940399",
                            "value": supplier_value,
                            "origin_country_id": env.ref("base.ru").id,
                            "proof": "SUPDECL-SECRET-0917",
                        }
                    )
                ],
                **vals,
            }
        )

    def service_get(self, path):
        return requests.get(
            self.service_url + path,
            headers={"Authorization": f"Bearer {self.service_key}"},
            timeout=20,
        ).json()
