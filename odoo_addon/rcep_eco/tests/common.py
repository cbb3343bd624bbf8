import copy
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

import requests
from odoo import fields
from odoo.tests import TransactionCase

HERE = Path(__file__).parent
SERVICE_URL = "https://eco.originlink.test"
API_KEY = "olk_test_key"
WEBHOOK_SECRET = "whsec_test-secret-of-forty-eight-characters-0123"
# Every call to the service goes through the connector, which calls `requests.request`.
CALL_SITE = "odoo.addons.rcep_eco.tools.originlink_connector.requests.request"
# The project's main venv, next to the addon (scripts/test_odoo.sh sets ORIGINLINK_CLI).
# Export clerks see every order (not only their own) and issue certificates; managers also
# see the costs.
CLERK = "rcep_eco.group_rcep_user,sales_team.group_sale_salesman_all_leads"
MANAGER = "rcep_eco.group_rcep_manager,sales_team.group_sale_salesman_all_leads"
DEFAULT_CLI = Path(__file__).resolve().parents[3] / ".venv" / "bin" / "originlink"


def load_exchange(name):
    return json.loads((HERE / "files" / f"{name}.json").read_text())


def without_rule_source(document):
    """The document with each item's `evidence.rule_source` blanked: it names where the core's
    rule data comes from (it follows the shipped PSR tables, not the addon); the tests check it
    against the product's assessment separately."""
    document = copy.deepcopy(document)
    for container in (document, document.get("certificate")):
        for item in (container or {}).get("goods_items") or []:
            if item.get("evidence"):
                item["evidence"]["rule_source"] = "(the core's rule source)"
    return document


def created_exchange(sandbox=False):
    """The recorded creation (create_201), as a sandbox key gets it when `sandbox`."""
    exchange = load_exchange("create_201")
    if sandbox:
        exchange["response"]["sandbox"] = True
        exchange["response"]["links"]["print"]["sandbox"] = True
    return exchange


class ServiceReplay:
    """Replays recorded exchanges with the real service (tests/files, see capture_fixtures.py)
    at the call site: checks each request against the recording, answers with its response.
    An entry may also be an exception instance, raised as the network would."""

    def __init__(self, test, entries):
        self.test = test
        self.entries = list(entries)
        self.calls = []

    def __call__(self, method, url, json=None, headers=None, timeout=None, **_kw):
        self.calls.append({"method": method, "url": url, "json": json, "headers": headers})
        self.test.assertTrue(timeout, "every call to the service needs a timeout")
        self.test.assertEqual(headers["Authorization"], f"Bearer {API_KEY}")
        self.test.assertTrue(self.entries, f"unexpected call {method} {url}")
        entry = self.entries.pop(0)
        if isinstance(entry, Exception):
            raise entry
        fx = load_exchange(entry) if isinstance(entry, str) else entry
        self.test.assertEqual(method, fx["method"])
        self.test.assertEqual(url, SERVICE_URL + fx["path"])
        if isinstance(json, dict) and isinstance(fx["request"], dict):
            self.test.assertEqual(
                without_rule_source(json),
                without_rule_source(fx["request"]),
                f"request body differs from {entry}",
            )
        else:
            self.test.assertEqual(json, fx["request"], f"request body differs from {entry}")
        response = requests.Response()
        response.status_code = fx["status"]
        response._content = _dumps(fx["response"])
        response.headers["Content-Type"] = "application/json"
        return response


def _dumps(body):
    return json.dumps(body).encode()


class RcepData:
    """The exporter, its Vietnamese buyer, a cabinet qualified by RVC and a confirmed order
    (the data of the recorded exchanges)."""

    @classmethod
    def setup_rcep_data(cls):
        env = cls.env
        cls.cn = env.ref("base.cn")
        cls.vn = env.ref("base.vn")
        cls.company = env.company
        cls.company.write(
            {
                "name": "Guangzhou Pearl River Furniture Co., Ltd.",
                "street": "88 Huangpu East Road",
                "street2": False,
                "city": "Guangzhou",
                "zip": "510700",
                "state_id": False,
                "country_id": cls.cn.id,
                "rcep_service_url": SERVICE_URL,
                "rcep_api_key": API_KEY,
                "rcep_webhook_secret": WEBHOOK_SECRET,
                "rcep_issuing_body": "Guangzhou Customs",
                "rcep_signatory": "Li Wei, Export Manager",
            }
        )
        cls.buyer = env["res.partner"].create(
            {
                "name": "Saigon Home Living JSC",
                "street": "12 Nguyen Hue Boulevard",
                "city": "Ho Chi Minh City",
                "country_id": cls.vn.id,
            }
        )
        cls.cabinet = env["product.product"].create(
            {
                "name": "Wooden cabinet PR-C120",
                "type": "consu",
                "list_price": 100.0,
                "weight": 32.0,
                "taxes_id": [fields.Command.clear()],
                "hs_code": "940360",
                "rcep_hs_edition": "HS2022",
                "rcep_criterion": "RVC",
                "rcep_fob_amount": 100.0,
                "rcep_cost_labour": 20.0,
                "rcep_cost_overhead": 10.0,
                "rcep_cost_profit": 12.0,
                "rcep_cost_other": 10.0,
                "rcep_material_ids": [
                    fields.Command.create(
                        {
                            "name": "sawn wood",
                            "hs_code": "440799",
                            "value": 35.0,
                            "origin_country_id": env.ref("base.ru").id,
                        }
                    ),
                    fields.Command.create(
                        {
                            "name": "paint",
                            "hs_code": "320890",
                            "value": 8.0,
                            "origin_country_id": cls.cn.id,
                            "originating": True,
                            "proof": "SUPDECL-2026-11",
                        }
                    ),
                ],
            }
        )
        cls.order = cls.confirmed_order(cls.cabinet, 40, name="Wooden living-room cabinet PR-C120")

    @classmethod
    def confirmed_order(cls, product, qty, name=None, partner=None, price=100.0):
        order = cls.env["sale.order"].create(
            {
                "partner_id": (partner or cls.buyer).id,
                "order_line": [
                    fields.Command.create(
                        {
                            "product_id": product.id,
                            "name": name or product.name,
                            "product_uom_qty": qty,
                            "price_unit": price,
                            "tax_ids": [fields.Command.clear()],
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        return order


class RcepCase(RcepData, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_rcep_data()

    def wizard(self, order=None, user=None, **vals):
        model = self.env["rcep.certificate.wizard"]
        if user:
            model = model.with_user(user)
        return model.with_context(default_sale_order_id=(order or self.order).id).create(vals)

    def create_certificate(self, order=None, **overrides):
        """The certificate of the recorded exchanges (tests/certificate_document.json)."""
        wizard = self.wizard(
            order,
            issue_date="2026-11-20",
            departure_date="2026-11-22",
            vessel_or_flight="COSCO HARMONY V.026S",
            port_of_discharge="Cat Lai, Ho Chi Minh City",
            invoice_number="PRF-INV-2026-0917",
            invoice_date="2026-11-18",
        )
        wizard.line_ids.write({"packages_number": 40, "marks": "SHL/HCM/2611 C/NO. 1-40"})
        action = wizard.action_create()
        cert = self.env["rcep.certificate"].browse(action["res_id"])
        cert.write({"name": "RCEP-2026-000001", **overrides})
        return cert

    @contextmanager
    def service(self, *entries):
        replay = ServiceReplay(self, entries)
        with patch(CALL_SITE, side_effect=replay):
            yield replay
        self.assertFalse(replay.entries, f"expected calls not made: {replay.entries}")

    def issued_certificate(self, cert=None, sandbox=True):
        """Sent and issued. The company is in the sandbox: the service answers for a sandbox
        key (the recorded answer, with its sandbox flags set) unless `sandbox` is False."""
        cert = cert or self.create_certificate()
        with self.service(created_exchange(sandbox=sandbox)):
            cert.action_send()
        self.assertEqual(cert.state, "issued")
        return cert

    def chatter(self, record):
        return record.message_ids.mapped("body")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RealService:
    """The real OriginLink service (`originlink serve` on a free port, fresh data directory),
    started once per test class; no mocks. Skipped when no `originlink` CLI is found (the
    project's `make install` provides it; scripts/test_odoo.sh passes ORIGINLINK_CLI)."""

    @classmethod
    def start_real_service(cls, exporter="Pearl River e2e", extra_args=(), env=None):
        cli = os.environ.get("ORIGINLINK_CLI") or str(DEFAULT_CLI)
        if not os.access(cli, os.X_OK):
            raise unittest.SkipTest(
                f"OriginLink service CLI not found at {cli} (set ORIGINLINK_CLI)"
            )
        data_dir = tempfile.mkdtemp(prefix="rcep_eco_service_")
        cls.addClassCleanup(shutil.rmtree, data_dir, ignore_errors=True)
        created = subprocess.run(
            [cli, "keys", "create", "--exporter", exporter, "--data-dir", data_dir],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        api_key = json.loads(created.stdout)["api_key"]
        port = _free_port()
        if "--simulator" in extra_args:
            extra_args = [*extra_args, "--simulator-port", str(_free_port())]
        log = Path(data_dir, "serve.log").open("wb")
        cls.addClassCleanup(log.close)
        proc = subprocess.Popen(
            [cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", data_dir,
             "--workers", "1", "--threads", "4", "--quiet", *extra_args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )  # fmt: skip

        def stop():
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

        cls.addClassCleanup(stop)
        base = f"http://127.0.0.1:{port}"
        started = False
        for _ in range(240):
            if proc.poll() is not None:
                break
            try:
                if requests.get(base + "/v1/openapi.json", timeout=10).ok:
                    started = True
                    break
            except requests.ConnectionError:
                time.sleep(0.25)
        if not started:
            tail = Path(data_dir, "serve.log").read_text(errors="replace")[-2000:]
            raise AssertionError(f"the OriginLink service did not start:\n{tail}")
        cls.service_url, cls.service_key = base, api_key
        return base, api_key
