from odoo import api, fields, models


class RcepCertificateWizardLine(models.TransientModel):
    _name = "rcep.certificate.wizard.line"
    _description = "Order line to certify"

    wizard_id = fields.Many2one("rcep.certificate.wizard", required=True, ondelete="cascade")
    sale_line_id = fields.Many2one("sale.order.line", required=True)
    product_id = fields.Many2one(related="sale_line_id.product_id")
    include = fields.Boolean(default=True)
    quantity = fields.Float(
        digits="Product Unit", compute="_compute_quantity", store=True, readonly=False
    )
    packages_number = fields.Integer(string="Packages")
    marks = fields.Char()
    hs_code = fields.Char(related="product_id.product_tmpl_id.rcep_hs_code")
    origin_criterion = fields.Selection(related="product_id.product_tmpl_id.rcep_criterion")
    rcep_missing = fields.Char(related="product_id.product_tmpl_id.rcep_missing")

    @api.depends("sale_line_id")
    def _compute_quantity(self):
        for line in self:
            line.quantity = line.sale_line_id.product_uom_qty

    def _problem(self):
        template = self.product_id.product_tmpl_id
        if not template.rcep_hs_code or not template.rcep_criterion:
            return self.env._(
                "- %(product)s: missing %(what)s",
                product=self.product_id.display_name,
                what=template.rcep_missing or self.env._("HS code or origin criterion"),
            )
        if self.quantity <= 0 or self.quantity > self.sale_line_id.product_uom_qty:
            return self.env._(
                "- %(product)s: quantity must be between 0 and the ordered %(qty)s",
                product=self.product_id.display_name,
                qty=self.sale_line_id.product_uom_qty,
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
            "hs_code": template.rcep_hs_code,
            "hs_edition": template.rcep_hs_edition,
            "origin_criterion": template.rcep_criterion,
            "country_of_origin_id": origin_country.id,
            "quantity": self.quantity,
            "uom_code": self.env["rcep.certificate.line"]._uom_code(sale_line.product_uom_id),
            "gross_weight": self.product_id.weight * self.quantity,
            # FOB of the goods item: the invoiced value of the certified quantity.
            "fob_value": sale_line.currency_id.round(unit_price * self.quantity),
        }
