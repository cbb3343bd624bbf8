from odoo import api, fields, models


class RcepCertificateWizard(models.TransientModel):
    _inherit = "rcep.certificate.wizard"

    picking_id = fields.Many2one(
        "stock.picking",
        string="Delivery",
        readonly=True,
        domain="[('sale_id', '=', sale_order_id), ('picking_type_code', '=', 'outgoing')]",
    )

    @api.depends("sale_order_id", "picking_id")
    def _compute_departure_date(self):
        return super()._compute_departure_date()

    def _departure_date(self):
        if self.picking_id.date_done:
            return self.picking_id.date_done.date()
        return super()._departure_date()

    @api.depends("sale_order_id", "picking_id")
    def _compute_line_ids(self):
        return super()._compute_line_ids()

    def _default_line_vals(self):
        """From a delivery: its delivered goods, per order line (in the order line's unit),
        never more than is left to certify on that line."""
        if not self.picking_id:
            return super()._default_line_vals()
        result = []
        moves = self.picking_id.move_ids.filtered(lambda m: m.state == "done" and m.sale_line_id)
        for sale_line in moves.sale_line_id:
            if not sale_line._rcep_is_goods():
                continue
            delivered = sum(
                move.product_uom._compute_quantity(move.quantity, sale_line.product_uom_id)
                for move in moves.filtered(lambda m, line=sale_line: m.sale_line_id == line)
            )
            quantity = min(delivered, sale_line._rcep_remaining_qty())
            result.append(
                {"sale_line_id": sale_line.id, "quantity": quantity, "include": quantity > 0}
            )
        return result

    def _certificate_vals(self, lines):
        vals = super()._certificate_vals(lines)
        vals["picking_id"] = self.picking_id.id
        return vals
