from odoo import fields, models

from ..originlink_bridge import hs_subheading


class RcepCertificateWizardLine(models.TransientModel):
    _name = "rcep.certificate.wizard.line"
    _description = "Order line to certify"

    wizard_id = fields.Many2one("rcep.certificate.wizard", required=True, ondelete="cascade")
    # Shown read-only in the dialog and saved with `force_save`: without it the web client
    # never sends it and the dialog could not be saved.
    sale_line_id = fields.Many2one("sale.order.line", string="Order Line", required=True)
    product_id = fields.Many2one(related="sale_line_id.product_id")
    include = fields.Boolean(string="Certify", default=True)
    quantity = fields.Float(string="Quantity to Certify", digits="Product Unit")
    uom_id = fields.Many2one(related="sale_line_id.product_uom_id", string="Unit")
    packages_number = fields.Integer(string="Packages")
    marks = fields.Char()
    hs_code = fields.Char(related="product_id.product_tmpl_id.hs_code")
    origin_criterion = fields.Selection(related="product_id.product_tmpl_id.rcep_criterion")
    rcep_ready = fields.Boolean(related="product_id.product_tmpl_id.rcep_ready")
    rcep_missing = fields.Char(related="product_id.product_tmpl_id.rcep_missing")

    def _problem(self):
        template = self.product_id.product_tmpl_id
        if not hs_subheading(template.hs_code) or not template.rcep_criterion:
            return self.env._(
                "- %(product)s: missing %(what)s",
                product=self.product_id.display_name,
                what=template.rcep_missing or self.env._("HS code or origin criterion"),
            )
        if self.quantity <= 0:
            return self.env._(
                "- %(product)s: the quantity to certify must be more than 0",
                product=self.product_id.display_name,
            )
        return ""

    def _certificate_line_vals(self, origin_country):
        sale_line = self.sale_line_id
        template = self.product_id.product_tmpl_id
        unit_price = sale_line.price_subtotal / sale_line.product_uom_qty
        return {
            "sale_line_id": sale_line.id,
            "product_id": self.product_id.id,
            "name": sale_line.name or self.product_id.display_name,
            "marks": self.marks,
            "packages_number": self.packages_number,
            "hs_code": hs_subheading(template.hs_code),
            "hs_edition": template.rcep_hs_edition or "HS2022",
            "origin_criterion": template.rcep_criterion,
            "criterion_basis": template._rcep_criterion_basis(),
            "country_of_origin_id": origin_country.id,
            "quantity": self.quantity,
            "uom_code": self.env["rcep.certificate.line"]._uom_code(sale_line.product_uom_id),
            "gross_weight": self.product_id.weight * self.quantity,
            # FOB of the goods item: the invoiced value of the certified quantity (whether it
            # is printed follows Box 12's rule: rcep.certificate.line.fob_shown).
            "fob_value": sale_line.currency_id.round(unit_price * self.quantity),
        }
