from decimal import Decimal

from odoo import api, fields, models

from ..tools.bom_rollup import ONE, exact

# The criteria whose verdict rests on the RVC (Art 3.5), so on the price.
_RVC_BASED = ("RVC",)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    rcep_break_even_warning = fields.Text(
        string="RCEP Break-even Warning", compute="_compute_rcep_break_even_warning"
    )

    @api.depends(
        "order_line.price_unit",
        "order_line.discount",
        "order_line.product_id",
        "order_line.product_uom_id",
        "currency_id",
        "date_order",
    )
    def _compute_rcep_break_even_warning(self):
        for order in self:
            lines = order._rcep_below_break_even()
            order.rcep_break_even_warning = "\n".join(text for _line, text in lines) or False

    def _rcep_below_break_even(self):
        """[(line, sentence)] for each line whose unit price (taken as the FOB value, in the
        company's currency) is below the product's break-even FOB, for products whose origin
        rests on the regional value content."""
        self.ensure_one()
        out = []
        company = self.company_id or self.env.company
        for line in self.order_line.filtered(lambda ln: ln.product_id and not ln.display_type):
            template = line.product_id.product_tmpl_id.sudo()
            current = template.rcep_assessment_id
            if not current or not current.break_even_fob or not _rests_on_rvc(template, current):
                continue
            price = line._rcep_unit_fob(company)
            threshold = exact(current.break_even_fob).quantize(Decimal("0.01"))
            if price >= threshold:
                continue
            incoterm = self.incoterm.code if "incoterm" in self._fields and self.incoterm else None
            out.append(
                (
                    line,
                    self.env._(
                        "%(product)s: priced %(price)s %(currency)s per unit, below its "
                        "break-even FOB %(break_even)s %(currency)s: the regional value content "
                        "(%(rule)s, Art 3.5) fails at this price, so the goods would not "
                        "qualify as originating under %(criterion)s.%(incoterm)s",
                        product=line.product_id.display_name,
                        price=price.quantize(Decimal("0.01")),
                        currency=company.currency_id.name,
                        break_even=threshold,
                        rule=current.rule or "",
                        criterion=template.rcep_criterion or current.criterion or "RVC",
                        incoterm=self.env._(" (The price is read as FOB; incoterm %s.)", incoterm)
                        if incoterm and incoterm != "FOB"
                        else "",
                    ),
                )
            )
        return out

    def action_confirm(self):
        below = {order: order._rcep_below_break_even() for order in self}
        result = super().action_confirm()
        warnings = []
        for order, lines in below.items():
            if not lines:
                continue
            text = "\n".join(t for _l, t in lines)
            order.message_post(
                body=self.env._("Confirmed below the RCEP break-even price:\n%s", text),
                subtype_xmlid="mail.mt_note",
            )
            manager = self.env.ref("rcep_eco.group_rcep_manager").user_ids.filtered(
                lambda u: not u.share
            )[:1]
            order.activity_schedule(
                "mail.mail_activity_data_warning",
                user_id=(manager or self.env.user).id,
                summary=self.env._("Priced below the RCEP break-even"),
                note=text,
            )
            warnings.append(f"{order.name}: {text}")
        if warnings and result is True:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "warning",
                    "sticky": True,
                    "title": self.env._("Below the RCEP break-even price"),
                    "message": "\n".join(warnings),
                    "next": {"type": "ir.actions.client", "tag": "soft_reload"},
                },
            }
        return result


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def _rcep_unit_fob(self, company):
        """Unit price net of discount, per the product's unit, in the company's currency at
        Odoo's rate of the order date (Decimal)."""
        self.ensure_one()
        digits = self.env["decimal.precision"].precision_get("Product Price")
        from odoo.addons.rcep_eco.originlink_bridge import to_decimal  # noqa: PLC0415

        price = to_decimal(self.price_unit, digits) * (ONE - exact(self.discount) / 100)
        uom, product_uom = self.product_uom_id, self.product_id.uom_id
        if uom and product_uom and uom != product_uom:
            price = price * exact(product_uom.factor) / exact(uom.factor)
        currency = self.order_id.currency_id
        if currency and currency != company.currency_id:
            rate = self.env["res.currency"]._get_conversion_rate(
                currency,
                company.currency_id,
                company,
                self.order_id.date_order or fields.Date.today(),
            )
            price = price * exact(rate)
        return price


def _rests_on_rvc(template, assessment):
    """The origin claimed (or, without a claim, found) rests on the RVC."""
    claimed = template.rcep_criterion
    if claimed == "ACU":
        return (assessment.criterion_basis or "RVC") == "RVC"
    if claimed:
        return claimed in _RVC_BASED
    met = set((assessment.criteria_met or "").split(", ")) - {""}
    return bool(met) and met <= {"RVC", "ACU"}
