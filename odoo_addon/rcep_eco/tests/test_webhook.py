"""The webhook (issue 9.6): Settings > Connect registers it and has the service ring it; a call
counts only when signed with the shared secret, fresh and new; it marks the certificate and
triggers the status pull, which asks the service; a rejection or a query becomes an activity."""

import json
import time

from odoo.tests import HttpCase, new_test_user, tagged

from originlink.exchange.signature import signed_headers

from .common import WEBHOOK_SECRET, RcepCase, load_exchange


def event_body(message_id, service_id, state="accepted", **extra):
    """A webhook call's body as docs/webhooks.md defines it."""
    return json.dumps(
        {
            "id": message_id,
            "type": "certificate.status_changed",
            "created_at": "2026-11-29T10:00:01.2Z",
            "data": {
                "certificate": {"id": service_id, "state": state, "version": 3},
                "event": {"seq": 3, "type": f"customs_{state}", "state": state, **extra},
            },
        }
    ).encode()


@tagged("post_install", "-at_install")
class TestWebhook(RcepCase, HttpCase):
    def triggers(self):
        cron = self.env.ref("rcep_eco.ir_cron_rcep_status")
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])

    def ring(self, body, secret=WEBHOOK_SECRET, message_id=None, **header_overrides):
        headers = signed_headers(secret, body, message_id=message_id or json.loads(body)["id"])
        headers.update(header_overrides)
        headers["Content-Type"] = "application/json"
        return self.url_open("/rcep_eco/webhook", data=body, headers=headers)

    def test_signed_call_marks_the_certificate_and_rings_the_pull(self):
        cert = self.issued_certificate()
        other = self.create_certificate(self.confirmed_order(self.cabinet, 1))
        other.sudo().write({"service_id": "crt_another"})
        other._set_state("issued")
        before = self.triggers()
        response = self.ring(event_body("obx_1", cert.service_id))
        self.assertEqual(response.status_code, 204)
        self.assertEqual(self.triggers(), before + 1)
        self.assertTrue(cert.status_pull_requested)
        self.assertFalse(other.status_pull_requested)
        # Nothing was changed by the call itself: the pull asks the service.
        self.assertEqual(cert.state, "issued")
        # The same call again (a retry, or a replay within five minutes) changes nothing.
        cert.status_pull_requested = False
        self.assertEqual(self.ring(event_body("obx_1", cert.service_id)).status_code, 204)
        self.assertFalse(cert.status_pull_requested)
        self.assertEqual(self.triggers(), before + 1)

    def test_unsigned_forged_and_stale_calls_are_refused(self):
        cert = self.issued_certificate()
        body = event_body("obx_2", cert.service_id)
        before = self.triggers()
        cases = [
            self.url_open("/rcep_eco/webhook", data=body),  # no signature
            self.ring(body, secret="another-secret-of-at-least-thirty-two-chars"),
            self.ring(body, **{"OriginLink-Timestamp": str(int(time.time()) - 3600)}),
            # The old token header is no longer a key.
            self.url_open(
                "/rcep_eco/webhook",
                data=body,
                headers={"X-OriginLink-Token": WEBHOOK_SECRET},
            ),
        ]
        self.assertEqual([r.status_code for r in cases], [401, 401, 401, 401])
        self.assertEqual(self.triggers(), before)
        self.assertFalse(cert.status_pull_requested)

    def test_a_ping_is_answered(self):
        body = json.dumps({"id": "ping_1", "type": "ping", "data": {"exporter_id": "exp"}})
        self.assertEqual(self.ring(body.encode()).status_code, 204)

    def test_the_pull_asks_about_the_rung_certificates_first(self):
        cert = self.issued_certificate()
        self.env["ir.config_parameter"].sudo().set_param(
            "rcep_eco.last_full_status_pull", "2999-01-01 00:00:00"
        )
        # Not rung: the recent full round means nothing is asked.
        with self.service():
            self.env["rcep.certificate"]._cron_pull_status()
        cert.status_pull_requested = True
        with self.service("status_replaced", "events_replaced"):
            self.env["rcep.certificate"]._cron_pull_status()
        self.assertEqual(cert.state, "replaced")
        self.assertFalse(cert.status_pull_requested)


@tagged("post_install", "-at_install")
class TestCustomsAnswers(RcepCase):
    def pull_with(self, state, detail, responsible=None):
        cert = self.issued_certificate()
        if responsible:
            cert.user_id = responsible
        status = load_exchange("status_replaced")
        status["path"] = f"/v1/certificates/{cert.service_id}"
        status["response"].update({"id": cert.service_id, "state": state, "version": 3})
        events = load_exchange("events_replaced")
        events["path"] = f"/v1/certificates/{cert.service_id}/events"
        last = dict(events["response"]["items"][-1])
        last.update(
            {
                "seq": 3,
                "type": f"customs_{state}",
                "state": state,
                "actor": "VN",
                "detail": detail,
            }
        )
        events["response"]["items"] = [*events["response"]["items"][:2], last]
        with self.service(status, events):
            cert._pull_status()
        self.assertEqual(cert.state, state)
        return cert

    def test_a_rejection_is_an_activity_with_the_reasons(self):
        clerk = new_test_user(self.env, login="resp_clerk", groups="rcep_eco.group_rcep_user")
        reasons = [{"code": "LICENCE_REQUIRED", "text": "an import licence is needed"}]
        cert = self.pull_with("rejected", {"reasons": reasons, "destination": "VN"}, clerk)
        activity = cert.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, clerk)
        self.assertIn(f"Customs of Vietnam rejected {cert.name}", activity.summary)
        self.assertIn("LICENCE_REQUIRED: an import licence is needed", activity.note)

    def test_a_query_is_an_activity_with_the_question(self):
        question = "Please send the bill of materials and the RVC calculation."
        cert = self.pull_with("query", {"question": question, "destination": "VN"})
        self.assertIn(f"Customs of Vietnam ask about {cert.name}", cert.activity_ids.summary)
        self.assertIn(question, cert.activity_ids.note)

    def test_paper_parallel_is_said(self):
        cert = self.issued_certificate()
        self.assertEqual(cert.customs_mode, "paper-parallel")
        self.assertIn("will check the paper or PDF certificate", cert.customs_note)
        arch = self.env["rcep.certificate"].get_view(False, "form")["arch"]
        self.assertIn("o_rcep_paper_parallel", arch)
        self.company.rcep_destinations_json = json.dumps(
            {"destinations": {"TH": {"mode": "direct"}}, "default_mode": "paper-parallel"}
        )
        wizard = self.wizard(self.confirmed_order(self.cabinet, 1))
        self.assertIn("Vietnam: paper-parallel", wizard.destination_note)


@tagged("post_install", "-at_install")
class TestConnect(RcepCase):
    def test_connect_registers_tests_and_keeps_the_destinations(self):
        url = self.company._rcep_webhook_url()
        destinations = {
            "destinations": {"VN": {"mode": "direct"}},
            "default_mode": "paper-parallel",
            "issuing_bodies": {},
        }  # noqa: E501
        calls = [
            {"method": "PUT", "path": "/v1/webhook", "request": {"url": url, "secret": WEBHOOK_SECRET}, "status": 200,  # noqa: E501
             "response": {"url": url, "secret_hint": "0123", "events": ["certificate.status_changed"]}},  # noqa: E501
            {"method": "POST", "path": "/v1/webhook/test", "request": None, "status": 200,
             "response": {"delivered": True, "id": "ping_1", "status": 204, "duration_ms": 12.3}},  # noqa: E501
            {"method": "GET", "path": "/v1/customs/destinations", "request": None, "status": 200,
             "response": destinations},
        ]  # fmt: skip
        settings = self.env["res.config.settings"].create({})
        with self.service(*calls):
            action = settings.action_rcep_connect()
        self.assertEqual(self.company.rcep_connection_state, "connected")
        self.assertIn(f"the service reached Odoo at {url} (HTTP 204", action["params"]["message"])
        self.assertEqual(self.company._rcep_customs_mode("VN"), "direct")
        self.assertEqual(self.company._rcep_customs_mode("TH"), "paper-parallel")

    def test_connect_says_what_failed(self):
        url = self.company._rcep_webhook_url()
        refused = {
            "method": "PUT",
            "path": "/v1/webhook",
            "request": {"url": url, "secret": WEBHOOK_SECRET},
            "status": 401,  # noqa: E501
            "response": {
                "code": "invalid_api_key",
                "detail": "the API key is not valid",
                "status": 401,
            },
        }  # noqa: E501
        with self.service(refused):
            action = self.company._rcep_connect()
        self.assertEqual(self.company.rcep_connection_state, "failed")
        self.assertIn("did not accept the API key", action["params"]["message"])
        unreachable = [
            dict(refused, status=200, response={"url": url, "secret_hint": "0123", "events": []}),
            {"method": "POST", "path": "/v1/webhook/test", "request": None, "status": 200,
             "response": {"delivered": False, "id": "ping_2", "error": "connection refused"}},
            {"method": "GET", "path": "/v1/customs/destinations", "request": None, "status": 200,
             "response": {"destinations": {}, "default_mode": "paper-parallel"}},
        ]  # fmt: skip
        with self.service(*unreachable):
            action = self.company._rcep_connect()
        self.assertIn("could not reach Odoo", action["params"]["message"])
        self.assertIn("connection refused", action["params"]["message"])
        self.assertEqual(self.company.rcep_connection_state, "failed")
