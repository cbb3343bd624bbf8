"""The customer's order in the portal: its certificates of origin with status, QR, verification
link and PDF; and the same as JSON for a platform holding the order's access token — for
nobody else."""

from lxml import html
from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import ShopData

FORBIDDEN_KEYS = ("evidence", "materials", "payload", "rvc", "cost", "supplier", "precheck")


@tagged("post_install", "-at_install", "rcep_website")
class TestPortalCertificates(ShopData, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shop()
        cls.buyer = cls.env["res.partner"].create(
            {
                "name": "Saigon Home Living JSC",
                "street": "12 Nguyen Hue Boulevard",
                "city": "Ho Chi Minh City",
                "country_id": cls.vn.id,
                "email": "buyer@saigonhome.example",
            }
        )
        cls.buyer_user = new_test_user(
            cls.env, login="portal_buyer", groups="base.group_portal", partner_id=cls.buyer.id
        )
        cls.stranger = new_test_user(cls.env, login="portal_stranger", groups="base.group_portal")

    def setUp(self):
        super().setUp()
        self.require_service()
        product = self.origin_product().product_variant_id
        self.order = self.env["sale.order"].create(
            {
                "partner_id": self.buyer.id,
                "order_line": [
                    fields.Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": 40,
                            "price_unit": 100.0,
                            "tax_ids": [fields.Command.clear()],
                        }
                    )
                ],
            }
        )
        self.order.action_confirm()
        self.cert = self.issue_certificate(self.order)

    def issue_certificate(self, order):
        """Through rcep_eco's own flow (wizard, send) to the real service."""
        today = fields.Date.context_today(order)
        wizard = (
            self.env["rcep.certificate.wizard"]
            .with_context(default_sale_order_id=order.id)
            .create(
                {
                    "issue_date": today,
                    "departure_date": today,
                    "vessel_or_flight": "COSCO HARMONY V.026S",
                    "port_of_discharge": "Cat Lai, Ho Chi Minh City",
                    "invoice_number": f"INV-{order.id}",
                    "invoice_date": today,
                }
            )
        )
        wizard.line_ids.write({"packages_number": 40})
        cert = self.env["rcep.certificate"].browse(wizard.action_create()["res_id"])
        cert.action_send()
        self.assertEqual(cert.state, "issued", cert.sudo().last_error)
        return cert

    def json(self, token=None, order=None):
        order = order or self.order
        query = f"?access_token={token}" if token is not None else ""
        return self.url_open(f"/my/orders/{order.id}/certificates.json{query}")

    def test_portal_page_shows_status_qr_link_pdf_and_json(self):
        self.authenticate("portal_buyer", "portal_buyer")
        response = self.url_open(self.order.get_portal_url())
        self.assertEqual(response.status_code, 200)
        page = html.fromstring(response.content)
        section = page.xpath("//section[@id='rcep_certificates']")[0]
        row = section.xpath(".//tbody/tr")[0]
        text = " ".join(row.text_content().split())
        self.assertIn(self.cert.name, text)
        self.assertIn("Issued", text)
        self.assertEqual(row.xpath(".//a[@target='_blank']/@href")[0], self.cert.verify_url)
        self.assertTrue(row.xpath(".//img/@src")[0].startswith("data:image/png;base64,"))
        # One PDF link per certificate: this module's, or rcep_eco's once it serves it.
        [pdf_link] = row.xpath(
            ".//a[contains(@class, 'o_rcep_certificate_pdf') or contains(@class, 'o_rcep_pdf')]"
            "/@href"
        )
        pdf = self.url_open(pdf_link)
        self.assertEqual(pdf.status_code, 200)
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")
        self.assertIn(self.cert.name.encode(), pdf.content)  # (HTML in test mode: see docs)
        json_link = section.xpath(".//a[@id='rcep_certificates_json']/@href")[0]
        self.assertEqual(
            self.url_open(json_link).json()["certificates"][0]["number"], self.cert.name
        )

    def test_json_with_the_access_token(self):
        self.authenticate(None, None)
        token = self.order._portal_ensure_token()
        response = self.json(token)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        body = response.json()
        self.assertEqual(body["order"]["name"], self.order.name)
        [cert] = body["certificates"]
        self.assertEqual(
            {k: cert[k] for k in ("number", "state", "verify_url", "access_code", "short_code")},
            {
                "number": self.cert.name,
                "state": "issued",
                "verify_url": self.cert.verify_url,
                "access_code": self.cert.access_code,
                "short_code": self.cert.short_code,
            },
        )
        self.assertEqual(cert["state_label"], "Issued")
        base = self.service_url
        self.assertEqual(cert["verify_json"], f"{base}/v1/verify/{self.cert.public_id}")
        self.assertEqual(cert["qr_svg"], f"{base}/v1/qr/{self.cert.public_id}.svg")
        self.assertTrue(cert["pdf_url"].startswith(f"/my/orders/{self.order.id}/"))
        self.assertIn(f"certificates/{self.cert.id}/pdf", cert["pdf_url"])
        keys = set()

        def collect(value):
            if isinstance(value, dict):
                keys.update(k.lower() for k in value)
                for v in value.values():
                    collect(v)
            elif isinstance(value, list):
                for v in value:
                    collect(v)

        collect(body)
        self.assertFalse({k for k in keys if any(word in k for word in FORBIDDEN_KEYS)})
        # The links work: the service's JSON verification and the PDF with the same token.
        import requests

        verified = requests.get(cert["verify_json"], timeout=20).json()
        self.assertEqual(verified["certificate"]["number"], self.cert.name)
        self.assertEqual(self.url_open(cert["pdf_url"]).status_code, 200)

    def test_json_for_nobody_else(self):
        self.authenticate(None, None)
        for token in (None, "", "wrong-token"):
            response = self.json(token)
            self.assertEqual(response.status_code, 404, token)
            self.assertEqual(response.json()["error"], "not_found")
            self.assertNotIn(self.cert.name, response.text)
        other = self.env["sale.order"].create({"partner_id": self.stranger.partner_id.id})
        self.assertEqual(self.json(other._portal_ensure_token(), self.order).status_code, 404)
        self.assertEqual(self.url_open("/my/orders/999999/certificates.json").status_code, 404)
        # The customer, logged in, needs no token; another portal user gets nothing.
        self.authenticate("portal_buyer", "portal_buyer")
        self.assertEqual(self.json().status_code, 200)
        self.authenticate("portal_stranger", "portal_stranger")
        self.assertEqual(self.json().status_code, 404)
        pdf = f"/my/orders/{self.order.id}/rcep-certificates/{self.cert.id}/pdf"
        self.assertEqual(self.url_open(pdf).status_code, 404)
