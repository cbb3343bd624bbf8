from odoo import api, models

# What makes a purchase line's price paid (its value for Art 3.5).
_LINE_FIELDS = frozenset({"price_unit", "discount", "product_id", "product_uom_id", "product_qty"})
_ORDER_FIELDS = frozenset({"currency_id", "partner_id", "date_approve", "state"})
_SELLER_FIELDS = frozenset(
    {"partner_id", "price", "discount", "currency_id", "sequence", "product_id",
     "product_tmpl_id", "date_start", "date_end", "company_id", "product_uom_id", "min_qty"}
)  # fmt: skip


def _products(lines):
    return lines.filtered(lambda line: not line.display_type).product_id


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    def button_confirm(self):
        result = super().button_confirm()
        for order in self.filtered(lambda o: o.state == "purchase"):
            _products(order.order_line)._rcep_enqueue(
                self.env._("purchase order %s confirmed (prices paid)", order.name)
            )
        return result

    def button_cancel(self):
        confirmed = self.filtered(lambda o: o.state == "purchase")
        result = super().button_cancel()
        for order in confirmed:
            _products(order.order_line)._rcep_enqueue(
                self.env._("purchase order %s cancelled", order.name)
            )
        return result

    def write(self, vals):
        result = super().write(vals)
        if _ORDER_FIELDS & set(vals) - {"state"}:
            for order in self.filtered(lambda o: o.state == "purchase"):
                _products(order.order_line)._rcep_enqueue(
                    self.env._("purchase order %s changed", order.name)
                )
        return result


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

    def write(self, vals):
        confirmed = self.filtered(lambda line: line.order_id.state == "purchase")
        before = _products(confirmed)
        result = super().write(vals)
        if confirmed and _LINE_FIELDS & set(vals):
            (before | _products(confirmed))._rcep_enqueue(
                self.env._(
                    "purchase price changed: %s", ", ".join(confirmed.order_id.mapped("name"))
                )
            )
        return result

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        confirmed = lines.filtered(lambda line: line.order_id.state == "purchase")
        if confirmed:
            _products(confirmed)._rcep_enqueue(
                self.env._("purchase line added to a confirmed order")
            )
        return lines


class ProductSupplierinfo(models.Model):
    _inherit = "product.supplierinfo"

    def _rcep_products(self):
        return self.product_id | self.product_tmpl_id.product_variant_ids

    @api.model_create_multi
    def create(self, vals_list):
        infos = super().create(vals_list)
        infos._rcep_products()._rcep_enqueue(self.env._("vendor added"))
        return infos

    def write(self, vals):
        before = self._rcep_products()
        result = super().write(vals)
        if _SELLER_FIELDS & set(vals):
            (before | self._rcep_products())._rcep_enqueue(
                self.env._("vendor or vendor price changed")
            )
        return result

    @api.ondelete(at_uninstall=False)
    def _rcep_requalify_on_delete(self):
        self._rcep_products()._rcep_enqueue(self.env._("vendor removed"))
