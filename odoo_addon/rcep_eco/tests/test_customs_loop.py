"""The whole loop against the real service and its customs simulator (`originlink serve
--simulator`), no mocks: Settings > Connect registers Odoo's webhook (the service rings it
once); a certificate sent from a sales order is endorsed by China's customs and accepted by
Viet Nam's, and Odoo learns it through the webhook (the hourly round is kept from running); a
declaration for goods of chapter 93 is rejected, and its rejection is an activity with the
customs' reasons (issue 9.6). The public verification page, opened in Chromium, shows what
happened and who vouches for what; a cancellation from Odoo flows the same way (issue 9.8)."""

import json
import time

import requests
from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import RcepData, RealService

# Runs in the page: checks each selector's text and attributes (see check_page_in_chromium) and
# says "test successful" (Odoo's browser_js signal) or names every difference.
PAGE_CHECK = """(expected) => {
    const failures = [];
    for (const [selector, wants] of Object.entries(expected)) {
        const el = document.querySelector(selector);
        if (!el) {
            failures.push(`${selector}: not on the page`);
            continue;
        }
        const text = el.textContent.replace(/\\s+/g, " ").trim();
        for (const want of wants) {
            if (want.startsWith("@")) {
                const [attr, value] = want.slice(1).split("=");
                const got = el.getAttribute(attr);
                if (got !== value) failures.push(`${selector} ${attr}=${got}, not ${value}`);
            } else if (want.startsWith("!")) {
                if (text.includes(want.slice(1))) failures.push(`${selector}: "${text}"`);
            } else if (!text.includes(want)) {
                failures.push(`${selector} lacks "${want}": "${text}"`);
            }
        }
    }
    if (failures.length) console.error("the verification page: " + failures.join(" | "));
    else console.log("test successful");
}"""


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

    def wait_for_webhook(self, service_id, state=None, timeout=30, event_type=None):
        """Let the service's calls in until it has rung Odoo about `state` (or about an event
        of `event_type`, for events that change no state), or give up."""
        self.env.flush_all()  # what the service's calls look up in Odoo
        deadline = time.monotonic() + timeout
        with self.allow_requests(all_requests=True):
            while time.monotonic() < deadline:
                rung = [
                    d
                    for d in self.deliveries()
                    if d.get("certificate_id") == service_id
                    and d["status"] == "delivered"
                    and (
                        (d.get("event") or {}).get("type") == event_type
                        if event_type
                        else (d.get("event") or {}).get("state") == state
                    )
                ]
                if rung:
                    self.env.invalidate_all()  # what the calls wrote
                    return rung
                time.sleep(0.3)
        self.fail(f"the service did not ring Odoo about {event_type or state} within {timeout} s")

    def check_page_in_chromium(self, url, ready, expected):
        """Open the service's public page in Chromium (another origin than Odoo's) and check
        what people read there: `expected` maps a CSS selector to the texts its element must
        contain ("!text": must not contain) and to `@attr=value` for its attributes."""
        code = f"({PAGE_CHECK})({json.dumps(expected)});"
        self.browser_js(url, code, ready=ready, timeout=60)

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

    def test_accepted_then_cancelled_through_the_webhook(self):
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

        # The printed link (its access code in the fragment) opens the full certificate. Each
        # statement is attributed to whoever makes it: the endorsement to the issuing body
        # (verified against its keys; here the simulator playing China's customs, and named
        # as such: never as the real GACC), the acceptance to Viet Nam's customs.
        body = "Simulated China customs (OriginLink's customs simulator, not GACC)"
        # (Upper case: the QR code's alphanumeric mode; the service answers it as it is.)
        self.assertTrue(cert.verify_url.lower().startswith(self.service_url), cert.verify_url)
        self.check_page_in_chromium(
            cert.verify_url,
            ready="document.readyState === 'complete' && !!document.getElementById('importer')",
            expected={
                "#verdict": ["@data-verdict=certified_valid", "Certified and valid", cert.name],
                "#check-legal": ["@data-code=endorsed"],
                "#legal-statement": [f"Endorsed electronically by {body}", "!Vietnam"],
                "#check-status": ["@data-code=valid", "Status: Valid"],
                "#customs-state": ["@data-code=accepted", "Accepted by the destination customs"],
                "#customs-channel": [
                    "@data-mode=direct",
                    "Exchanged electronically with the customs of Vietnam",
                    "!General Administration",
                ],
                "#importer": ["Saigon Home Living JSC"],
                # This service runs in its demo environment, and says so on every page.
                "#demo-band": ["DEMO", "nothing shown here is a real certificate"],
            },
        )

        # Cancelled in Odoo: the service records it and tells Viet Nam's customs, whose
        # receipt comes back to Odoo through the webhook; the page says it is not valid.
        reason = "Order withdrawn by the buyer"
        action = cert.action_cancel()
        wizard = (
            self.env[action["res_model"]]
            .with_context(**action["context"])
            .create({"reason": reason})
        )
        wizard.action_confirm()
        self.assertEqual(cert.state, "cancelled", cert.last_error)
        self.wait_for_webhook(cert.service_id, "cancelled")
        self.wait_for_webhook(cert.service_id, event_type="customs_cancellation_received")
        with self.allow_requests(all_requests=True):
            self.env["rcep.certificate"]._cron_pull_status()
        self.assertEqual(cert.state, "cancelled")
        told = [b for b in cert.message_ids.mapped("body") if "customs_cancellation_received" in b]
        self.assertTrue(told, "the customs' receipt of the cancellation is in the chatter")
        self.assertIn("by VN", told[0])
        self.check_page_in_chromium(
            cert.verify_url_public,
            ready="document.readyState === 'complete' && !!document.getElementById('check-status')",
            expected={
                "#verdict": ["@data-verdict=not_valid", "Not valid", "!Certified"],
                "#check-status": ["@data-code=cancelled", "Status: Cancelled"],
                "#status-reason": [reason],
            },
        )

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
