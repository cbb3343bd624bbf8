from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _rcep_departure_date(self):
        """Box 4: the day the goods left, i.e. the date done of the order's last delivery;
        before any delivery is done, the date the next one is scheduled."""
        self.ensure_one()
        outgoing = self.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")
        done = outgoing.filtered(lambda p: p.state == "done" and p.date_done)
        if done:
            return max(done.mapped("date_done")).date()
        pending = outgoing.filtered(lambda p: p.state not in ("done", "cancel"))
        if pending:
            return min(pending.mapped("scheduled_date")).date()
        return super()._rcep_departure_date()
