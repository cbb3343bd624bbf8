from odoo.tests import HttpCase, tagged

from .common import RcepCase


@tagged("post_install", "-at_install")
class TestWebhook(RcepCase, HttpCase):
    def triggers(self):
        cron = self.env.ref("rcep_eco.ir_cron_rcep_status")
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])

    def test_valid_token_only_rings_the_doorbell(self):
        cert = self.issued_certificate()
        before = self.triggers()
        response = self.url_open(
            "/rcep_eco/webhook",
            data={"event": "status_changed"},
            headers={"X-OriginLink-Token": "hook-secret-1234567890"},
        )
        self.assertEqual(response.status_code, 204)
        self.assertEqual(self.triggers(), before + 1)
        # Nothing was pulled or changed by the request itself: the cron does that.
        self.assertEqual(cert.state, "issued")

    def test_token_in_the_url_is_refused(self):
        # A query string lands in access logs: the secret is accepted in the header only.
        before = self.triggers()
        response = self.url_open(
            "/rcep_eco/webhook?token=hook-secret-1234567890", data={"event": "status_changed"}
        )
        self.assertEqual(response.status_code, 403)
        response = self.url_open("/rcep_eco/webhook", data={"token": "hook-secret-1234567890"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.triggers(), before)

    def test_bad_or_missing_token_is_refused(self):
        before = self.triggers()
        self.assertEqual(
            self.url_open(
                "/rcep_eco/webhook",
                data={"event": "status_changed"},
                headers={"X-OriginLink-Token": "nope"},
            ).status_code,
            403,
        )
        self.assertEqual(
            self.url_open("/rcep_eco/webhook", data={"event": "status_changed"}).status_code, 403
        )
        self.assertEqual(self.triggers(), before)
