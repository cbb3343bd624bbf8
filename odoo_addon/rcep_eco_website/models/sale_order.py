from odoo import models

from ..originlink_bridge import public_links


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _rcep_portal_certificates_json(self):
        """The order's certificates as a platform reads them with the order's access token
        (controllers/portal.py): exactly what the customer's portal page shows — number,
        status, the verification link, its JSON and QR, the PDF, the access code — and
        nothing of the origin evidence."""
        self.ensure_one()
        certificates = []
        for cert in self._rcep_portal_certificates():
            links = public_links(cert.verify_url, cert.public_id)
            certificates.append(
                {
                    "number": cert.name,
                    "document_type": cert.document_type,
                    "issue_date": cert.issue_date and cert.issue_date.isoformat(),
                    "importing_party": cert.importing_country_id.code,
                    "state": cert.state,
                    "state_label": dict(cert._fields["state"]._description_selection(self.env))[
                        cert.state
                    ],
                    "sandbox": cert.environment == "sandbox",
                    "public_id": cert.public_id,
                    "short_code": cert.short_code,
                    "access_code": cert.access_code,
                    "verify_url": cert.verify_url,
                    "verify_json": links.get("json"),
                    "qr_svg": links.get("qr"),
                    "pdf_url": self._rcep_certificate_pdf_url(cert),
                    "replaced_by": cert.replaced_by_id.name or None,
                }
            )
        return {
            "order": {
                "name": self.name,
                "date": self.date_order and self.date_order.date().isoformat(),
                "state": self.state,
            },
            "certificates": certificates,
        }

    def _rcep_portal_pdf_builtin(self):
        """Whether rcep_eco serves the stored PDF on the portal itself (its own route and
        column, once it keeps the PDF it sent); until then this module does."""
        return hasattr(self.env["rcep.certificate"], "_stored_pdf_content")

    def _rcep_certificate_pdf_url(self, cert):
        """The portal's download link of a certificate's PDF, with the order's access token."""
        if self._rcep_portal_pdf_builtin():
            return self.get_portal_url(suffix=f"/certificates/{cert.id}/pdf")
        return (
            f"/my/orders/{self.id}/rcep-certificates/{cert.id}/pdf"
            f"?access_token={self._portal_ensure_token()}"
        )
