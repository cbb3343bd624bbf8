"""The whole loop against the real service and its customs simulator (`originlink serve
--simulator`), no mocks: Settings > Connect registers Odoo's webhook (the service rings it
once); a certificate sent from a sales order is endorsed by China's customs and accepted by
Viet Nam's, and Odoo learns it through the webhook (the hourly round is kept from running); a
declaration for goods of chapter 93 is rejected, and its rejection is an activity with the
customs' reasons (issue 9.6)."""

import time

import requests
from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import RcepData, RealService


@tagged("post_install", "-at_install", "rcep_e2e")
class TestCustomsLoop(RcepData, RealService, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_rcep_data()
        # The simulator's peers and Odoo's test server are on this machine: the service may
        # ring a loopback URL here (never in production: docs/webhooks.md).
        cls.start_real_service(
            exporter="Pearl River customs", extra_args=["--simulator"],
            env={"ORIGINLINK_WEBHOOK_NETWORKS": "any"},
        )  # fmt: skip
        cls.company.write(
            {
                "rcep_service_url": cls.service_url,
                "rcep_api_key": cls.service_key,
                "rcep_webhook_secret": False,
                "rcep_environment": "sandbox",
            }
        )

    def setUp(self):
        super().setUp()
        # Only the webhook may bring news: the hourly round "just ran".
        self.env["ir.config_parameter"].sudo().set_param(
            "rcep_eco.last_full_status_pull", fields.Datetime.to_string(fields.Datetime.now())
        )
        with self.allow_requests(all_requests=True):
            action = self.company._rcep_connect()
        self.assertEqual(self.company.rcep_connection_state, "connected", action)

    def tearDown(self):
        # No call of this test may arrive once its transaction is gone: the service drops
        # the webhook (and the deliveries not made yet); one in flight lands now.
        with self.allow_requests(all_requests=True):
            requests.delete(
                f"{self.service_url}/v1/webhook",
                headers={"Authorization": f"Bearer {self.service_key}"},
                timeout=10,
            )
            time.sleep(0.5)
        super().tearDown()

    def deliveries(self):
        answer = requests.get(
            f"{self.service_url}/v1/webhook/deliveries?limit=200",
            headers={"Authorization": f"Bearer {self.service_key}"},
            timeout=10,
        )
        return answer.json()["items"]

    def wait_for_webhook(self, service_id, state, timeout=30):
        """Let the service's calls in until it has rung Odoo about `state` (or give up)."""
        self.env.flush_all()  # what the service's calls look up in Odoo
        deadline = time.monotonic() + timeout
        with self.allow_requests(all_requests=True):
            while time.monotonic() < deadline:
                rung = [
                    d
                    for d in self.deliveries()
                    if d.get("certificate_id") == service_id
                    and d["status"] == "delivered"
                    and (d.get("event") or {}).get("state") == state
                ]
                if rung:
                    self.env.invalidate_all()  # what the calls wrote
                    return rung
                time.sleep(0.3)
        self.fail(f"the service did not ring Odoo about {state} within {timeout} s")

    def issue(self, order, **vals):
        wizard = (
            self.env["rcep.certificate.wizard"]
            .with_context(default_sale_order_id=order.id)
            .create({"vessel_or_flight": "COSCO HARMONY", "port_of_discharge": "Cat Lai", **vals})
        )
        # (No calls into Odoo while this thread works: the service's first attempts are
        # refused and retried, within seconds, while wait_for_webhook lets them in.)
        cert = wizard._create_certificate(send=True)
        self.assertEqual(cert.state, "issued", cert.last_error)
        return cert

    def test_accepted_through_the_webhook(self):
        self.assertEqual(self.company._rcep_customs_mode("VN"), "direct")
        cert = self.issue(self.order)
        self.assertEqual(cert.customs_mode, "direct")
        self.wait_for_webhook(cert.service_id, "accepted")
        self.assertTrue(cert.status_pull_requested, "the webhook marked it")
        with self.allow_requests(all_requests=True):
            self.env["rcep.certificate"]._cron_pull_status()
        self.assertEqual(cert.state, "accepted")
        self.assertEqual(cert.certification_kind, "endorsed")
        self.assertTrue(cert.customs_reference)
        self.assertEqual(self.order.rcep_certificate_state, "accepted")

    def test_rejection_becomes_an_activity_with_the_reasons(self):
        sword = self.env["product.product"].create(
            {
                "name": "Ceremonial sword",
                "type": "consu",
                "list_price": 80.0,
                "weight": 2.0,
                "hs_code": "9307.00",
                "rcep_criterion": "WO",
                "rcep_wholly_obtained": True,
                "rcep_fob_amount": 80.0,
            }
        )
        self.assertTrue(sword.rcep_ready, sword.rcep_missing)
        order = self.confirmed_order(sword, 2)
        cert = self.issue(
            order, document_type="declaration_of_origin", approved_exporter_code="CN440100AE0917"
        )
        clerk = new_test_user(self.env, login="export_clerk", groups="rcep_eco.group_rcep_user")
        cert.user_id = clerk
        self.wait_for_webhook(cert.service_id, "rejected")
        with self.allow_requests(all_requests=True):
            self.env["rcep.certificate"]._cron_pull_status()
        self.assertEqual(cert.state, "rejected")
        activity = cert.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, clerk)
        self.assertIn("rejected", activity.summary)
        self.assertIn("LICENCE_REQUIRED", activity.note)
        self.assertIn(
            order, self.env["sale.order"].search([("rcep_certificate_attention", "=", True)])
        )
