from odoo import api, models


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    @api.depends("composition_mode", "model", "res_domain", "res_ids", "template_id")
    def _compute_attachment_ids(self):
        """The sales order e-mail also carries its certificates of origin (Form RCEP PDF)."""
        super()._compute_attachment_ids()
        cert_ids = self.env.context.get("rcep_certificate_ids")
        if not cert_ids:
            return
        certificates = self.env["rcep.certificate"].browse(cert_ids)
        for composer in self.filtered(lambda c: c.model == "sale.order"):
            for cert in certificates:
                composer.attachment_ids |= cert._render_pdf_attachment(
                    res_model="mail.compose.message"
                )
