from odoo import api, fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    rcep_certificate_ids = fields.One2many(
        "rcep.certificate", "picking_id", string="Certificates of Origin"
    )
    rcep_certificate_count = fields.Integer(
        string="Number of Certificates of Origin", compute="_compute_rcep_certificate_count"
    )
    rcep_can_certify = fields.Boolean(
        string="Certificate of Origin Can Be Issued", compute="_compute_rcep_can_certify"
    )

    @api.depends("rcep_certificate_ids")
    def _compute_rcep_certificate_count(self):
        for picking in self:
            picking.rcep_certificate_count = len(picking.rcep_certificate_ids)

    @api.depends("state", "picking_type_code", "sale_id.state")
    def _compute_rcep_can_certify(self):
        for picking in self:
            picking.rcep_can_certify = (
                picking.picking_type_code == "outgoing"
                and picking.state == "done"
                and picking.sale_id.state == "sale"
            )

    def action_rcep_open_wizard(self):
        """The order's one-step dialog, for the goods of this delivery."""
        self.ensure_one()
        action = self.sale_id.action_rcep_open_wizard()
        action["context"] = dict(action["context"], default_picking_id=self.id)
        return action

    def action_rcep_view_certificates(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("rcep_eco.action_rcep_certificate")
        action["domain"] = [("picking_id", "=", self.id)]
        return action
