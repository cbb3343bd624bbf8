from odoo import fields, models

from ..originlink_bridge import MATERIAL_ROLES


class RcepProductMaterial(models.Model):
    """A material in the product's bill of materials, as the origin rules need it: HS code,
    value per unit of product, origin and proof. Cost data: managers only (see ACLs)."""

    _name = "rcep.product.material"
    _description = "RCEP Product Material"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    product_tmpl_id = fields.Many2one(
        "product.template", string="Product", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="product_tmpl_id.company_id", store=True)
    name = fields.Char(string="Material", required=True)
    hs_code = fields.Char(string="HS Code", required=True, help="4 or 6 digits")
    value = fields.Float(string="Value per Unit", digits="Product Price", required=True)
    origin_country_id = fields.Many2one("res.country", string="Origin")
    originating = fields.Boolean(help="Originating under RCEP (needs a proof when cumulated)")
    proof = fields.Char(help="Reference of the supplier's origin declaration or certificate")
    role = fields.Selection(MATERIAL_ROLES, default="component", required=True)
    weight = fields.Float(string="Weight (kg)", digits="Stock Weight")
