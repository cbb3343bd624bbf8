from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    rcep_certificate_ids = fields.One2many(
        "rcep.certificate", "sale_order_id", string="Certificates of Origin"
    )
    rcep_certificate_count = fields.Integer(compute="_compute_rcep_certificate_count")

    def _compute_rcep_certificate_count(self):
        for order in self:
            order.rcep_certificate_count = len(order.rcep_certificate_ids)

    def _rcep_portal_certificates(self):
        """Certificates the buyer may see: issued ones, with a verification link."""
        return self.rcep_certificate_ids.filtered(lambda c: c.verify_url)

    def action_rcep_open_wizard(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Issue Certificate of Origin"),
            "res_model": "rcep.certificate.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_sale_order_id": self.id},
        }

    def action_rcep_view_certificates(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("rcep_eco.action_rcep_certificate")
        action["domain"] = [("sale_order_id", "=", self.id)]
        action["context"] = {"default_sale_order_id": self.id}
        return action

    def action_quotation_send(self):
        """Attach the PDFs of the order's issued certificates to the order e-mail."""
        action = super().action_quotation_send()
        # A salesman without RCEP access may still send the order: without certificates
        # (reading them would raise AccessError and block the e-mail).
        if len(self) != 1 or not self.env["rcep.certificate"].has_access("read"):
            return action
        certificates = self.rcep_certificate_ids.filtered(lambda c: c.verify_url)
        if certificates:
            # Rendered by the composer (mail_compose_message.py), like the order's own PDF.
            action["context"] = dict(
                action.get("context") or {}, rcep_certificate_ids=certificates.ids
            )
        return action
