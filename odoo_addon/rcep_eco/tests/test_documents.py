import io
import os
import re
from pathlib import Path

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.pdf import PdfReader

from ..models.rcep_certificate import REPORT
from .common import RcepCase


def _one_line(text):
    """PDF text with every run of whitespace as one space (wkhtmltopdf wraps lines)."""
    return re.sub(r"\s+", " ", text)


def _images(reader):
    """The image XObjects drawn on the PDF's pages (the QR, a logo...)."""
    found = []
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject")
        xobjects = xobjects.get_object() if xobjects is not None else {}
        for name in xobjects:
            xobject = xobjects[name].get_object()
            if xobject.get("/Subtype") == "/Image":
                found.append((int(xobject["/Width"]), int(xobject["/Height"])))
    return found


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

    def test_form_rcep_real_pdf(self):
        """The real PDF, rendered by wkhtmltopdf (Odoo renders HTML in test mode unless asked
        with force_report_rendering; scripts/test_odoo.sh refuses to run without it), stored
        when the certificate is sent and never rendered again (issue 11.5)."""
        report = self.env["ir.actions.report"]
        self.assertEqual(
            report.get_wkhtmltopdf_state(),
            "ok",
            "wkhtmltopdf >= 0.12 is needed to render the Form RCEP PDF (apt install wkhtmltopdf)",
        )
        triggers = self.env["ir.cron.trigger"].sudo()
        cron = self.env.ref("rcep_eco.ir_cron_rcep_store_pdf")
        before = triggers.search([("cron_id", "=", cron.id)])
        cert = self.issued_certificate()
        # Sending asked the cron to render and keep it (a slow renderer never holds up an issue).
        self.assertTrue(triggers.search([("cron_id", "=", cron.id)]) - before)
        self.assertFalse(cert.pdf_attachment_id)
        self.env["rcep.certificate"].with_context(force_report_rendering=True)._cron_store_pdfs()
        stored = cert.pdf_attachment_id
        self.assertEqual((stored.res_model, stored.res_id), ("rcep.certificate", cert.id))
        self.assertEqual(stored.name, "RCEP-2026-000001.pdf")
        pdf = stored.raw
        self.assertTrue(pdf.startswith(b"%PDF-"), pdf[:40])
        self.assertEqual(stored.mimetype, "application/pdf")
        out = os.environ.get("RCEP_ECO_ARTIFACTS")
        if out:  # scripts/test_odoo.sh keeps it (and a PNG of page 1) for people to look at
            Path(out, "certificate.pdf").write_bytes(pdf)
        reader = PdfReader(io.BytesIO(pdf))
        self.assertEqual(len(reader.pages), 1, "Form RCEP fits on one page")
        text = _one_line(" ".join(page.extract_text() for page in reader.pages))
        for expected in (
            "SANDBOX - NOT A VALID CERTIFICATE OF ORIGIN",
            "Certificate No.: RCEP-2026-000001",
            "1. Exporter's name, address and country",
            "2. Importer's or consignee's name, address and country",
            "5. For official use",
            "9. HS code (6 digits)",
            "10. Origin conferring criterion",
            "15. Declaration by the exporter or producer",
            "16. Certification",
            "Back-to-back Certificate of Origin",
            "Third-party invoicing",
            "Issued retroactively",
            "Guangzhou Pearl River Furniture Co., Ltd.",
            "Saigon Home Living JSC",
            "940360",
            "Guangzhou Customs",
            f"Short code: {cert.short_code}",
            f"Access code: {cert.access_code}",
        ):
            self.assertIn(expected, text)
        self.assertIn("17.", text)
        # The verification link may be wrapped by wkhtmltopdf: compare it without spaces.
        self.assertIn(cert.verify_url, text.replace(" ", ""))
        # The QR is embedded as an image (square, as Odoo's barcode service draws it).
        self.assertTrue(
            any(w == h >= 100 for w, h in _images(reader)), f"no QR image in {_images(reader)}"
        )
        # The exporter moves: a new rendering would show the new street; the issued PDF does
        # not. Every print, the order e-mail and the portal give the stored bytes.
        self.company.street = "1 Pazhou Avenue"
        printed, kind = report.with_context(force_report_rendering=True)._render_qweb_pdf(
            REPORT, cert.ids
        )
        self.assertEqual((kind, printed), ("pdf", pdf))
        self.assertEqual(cert._stored_pdf_content(), pdf)
        mailed = cert.with_context(force_report_rendering=True)._render_pdf_attachment(
            res_model="mail.compose.message"
        )
        self.assertEqual(mailed.raw, pdf)
        self.order._portal_ensure_token()
        response = self.url_open(
            f"/my/orders/{self.order.id}/certificates/{cert.id}/pdf"
            f"?access_token={self.order.access_token}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertEqual(response.content, pdf)
        self.assertEqual(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", "rcep.certificate"), ("res_id", "=", cert.id)]
            ),
            1,
            "rendered once, stored once",
        )

    def test_production_certificate_has_no_sandbox_mark(self):
        self.company.rcep_environment = "production"
        cert = self.issued_certificate(sandbox=False)
        self.assertEqual(cert.environment, "production")
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

    def test_salesman_without_rcep_access_can_still_send_the_order(self):
        self.issued_certificate()
        salesman = new_test_user(
            self.env, login="plain_salesman", groups="sales_team.group_sale_salesman_all_leads"
        )
        action = self.order.with_user(salesman).action_quotation_send()
        self.assertNotIn("rcep_certificate_ids", action["context"])

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
