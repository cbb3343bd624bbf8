from odoo import api, models


class RcepProductMaterial(models.Model):
    """A change of a product's materials re-assesses it without writing the product: follow
    it with the shop's origin tag."""

    _inherit = "rcep.product.material"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records.product_tmpl_id._rcep_sync_origin_tag()
        return records

    def write(self, vals):
        products = self.product_tmpl_id
        result = super().write(vals)
        (products | self.product_tmpl_id)._rcep_sync_origin_tag()
        return result

    def unlink(self):
        products = self.product_tmpl_id
        result = super().unlink()
        products.exists()._rcep_sync_origin_tag()
        return result
