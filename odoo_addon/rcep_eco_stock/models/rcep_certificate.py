from odoo import fields, models


class RcepCertificate(models.Model):
    _inherit = "rcep.certificate"

    picking_id = fields.Many2one(
        "stock.picking",
        string="Delivery",
        index="btree_not_null",
        copy=True,
        help="The delivery these goods left with (its date done is the departure date, Box 4).",
    )
