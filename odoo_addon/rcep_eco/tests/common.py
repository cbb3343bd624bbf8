import json
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

import requests
from odoo import fields
from odoo.tests import TransactionCase

HERE = Path(__file__).parent
SERVICE_URL = "https://eco.originlink.test"
API_KEY = "olk_test_key"
# The addon's one HTTP call site calls `requests.request` from this module.
CALL_SITE = "odoo.addons.rcep_eco.models.rcep_certificate.requests.request"


def load_exchange(name):
    return json.loads((HERE / "files" / f"{name}.json").read_text())


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
        self.test.assertEqual(json, fx["request"], f"request body differs from {entry}")
        response = requests.Response()
        response.status_code = fx["status"]
        response._content = _dumps(fx["response"])
        response.headers["Content-Type"] = "application/json"
        return response


def _dumps(body):
    return json.dumps(body).encode()


class RcepCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
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
                "rcep_webhook_token": "hook-secret-1234567890",
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
                "rcep_hs_code": "940360",
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
        cls.order = env["sale.order"].create(
            {
                "partner_id": cls.buyer.id,
                "order_line": [
                    fields.Command.create(
                        {
                            "product_id": cls.cabinet.id,
                            "name": "Wooden living-room cabinet PR-C120",
                            "product_uom_qty": 40,
                            "price_unit": 100.0,
                            "tax_ids": [fields.Command.clear()],
                        }
                    )
                ],
            }
        )
        cls.order.action_confirm()

    def create_certificate(self, **overrides):
        """The certificate of the recorded exchanges (tests/certificate_document.json)."""
        wizard = (
            self.env["rcep.certificate.wizard"]
            .with_context(default_sale_order_id=self.order.id)
            .create(
                {
                    "issue_date": "2026-11-20",
                    "departure_date": "2026-11-22",
                    "vessel_or_flight": "COSCO HARMONY V.026S",
                    "port_of_discharge": "Cat Lai, Ho Chi Minh City",
                    "invoice_number": "PRF-INV-2026-0917",
                    "invoice_date": "2026-11-18",
                }
            )
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

    def issued_certificate(self):
        cert = self.create_certificate()
        with self.service("create_201"):
            cert.action_send()
        self.assertEqual(cert.state, "issued")
        return cert

    def chatter(self, record):
        return record.message_ids.mapped("body")
