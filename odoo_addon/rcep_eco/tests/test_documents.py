from odoo.tests import HttpCase, tagged

from .common import RcepCase


@tagged("post_install", "-at_install")
class TestDocuments(RcepCase, HttpCase):
    def test_form_rcep_report(self):
        cert = self.issued_certificate()
        html, kind = self.env["ir.actions.report"]._render_qweb_html(
            "rcep_eco.action_report_rcep_certificate", cert.ids
        )
        html = html.decode()
        # Sent from the sandbox: marked so that nobody takes it for a real certificate.
        self.assertEqual(cert.environment, "sandbox")
        self.assertIn("SANDBOX - NOT A VALID CERTIFICATE OF ORIGIN", html)
        for box in range(1, 18):
            self.assertIn(f"{box}.", html)
        for text in (
            "1. Exporter's name, address and country",
            "10. Origin conferring criterion",
            "17.",
            "Back-to-back Certificate of Origin",
            "Third-party invoicing",
            "Issued retroactively",
            "RCEP-2026-000001",
            "940360",
            "Guangzhou Customs",
            cert.access_code,
            cert.short_code,
            cert.verify_url,
            "data:image/png;base64,",
        ):
            self.assertIn(text, html)

    def test_production_certificate_has_no_sandbox_mark(self):
        self.company.rcep_environment = "production"
        cert = self.issued_certificate()
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(
            "rcep_eco.action_report_rcep_certificate", cert.ids
        )
        self.assertNotIn("SANDBOX", html.decode())

    def test_certificates_attached_to_the_order_email(self):
        cert = self.issued_certificate()
        action = self.order.action_quotation_send()
        self.assertEqual(action["context"]["rcep_certificate_ids"], cert.ids)
        composer = self.env["mail.compose.message"].with_context(action["context"]).create({})
        names = composer.attachment_ids.mapped("name")
        self.assertIn("RCEP-2026-000001.pdf", names)

    def test_portal_order_page_lists_certificates(self):
        cert = self.issued_certificate()
        self.order._portal_ensure_token()
        url = f"/my/orders/{self.order.id}?access_token={self.order.access_token}"
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn("Certificates of Origin", page)
        self.assertIn(cert.name, page)
        self.assertIn(cert.verify_url, page)
        self.assertIn(cert.access_code, page)
        self.assertIn("data:image/png;base64,", page)
        self.assertIn(cert.short_code, page)
        # Another order of the same buyer shows none of them.
        other = self.order.copy()
        other.action_confirm()
        other._portal_ensure_token()
        page = self.url_open(f"/my/orders/{other.id}?access_token={other.access_token}").text
        self.assertNotIn(cert.name, page)
