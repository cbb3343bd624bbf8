from decimal import Decimal

from odoo import api, fields, models
from odoo.addons.rcep_eco.originlink_bridge import to_decimal
from odoo.exceptions import UserError

from .. import originlink_bridge as core

ORIGIN_CHOICES = [
    ("unchanged", "Unchanged"),
    ("originating", "Originating (with a declaration)"),
    ("not_originating", "Not originating"),
]


class RcepWhatifWizard(models.TransientModel):
    """What if a component came from another supplier, had another origin or cost another
    price? The product is assessed again with those changes by the core engine — nothing is
    changed or stored — and both answers are shown side by side."""

    _name = "rcep.whatif.wizard"
    _description = "RCEP What-if"

    product_tmpl_id = fields.Many2one("product.template", required=True, readonly=True)
    currency_id = fields.Many2one(
        "res.currency", default=lambda s: s.env.company.currency_id, readonly=True
    )
    line_ids = fields.One2many("rcep.whatif.line", "wizard_id", string="Components")
    before_verdict = fields.Char(readonly=True)
    before_criteria = fields.Char(readonly=True)
    before_rvc = fields.Char(string="RVC Before (%)", readonly=True)
    before_break_even = fields.Monetary(readonly=True)
    after_verdict = fields.Char(readonly=True)
    after_criteria = fields.Char(readonly=True)
    after_rvc = fields.Char(string="RVC After (%)", readonly=True)
    after_break_even = fields.Monetary(readonly=True)
    after_reasons = fields.Text(readonly=True)
    simulated = fields.Boolean(readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        for wizard in wizards:
            wizard._fill()
        return wizards

    def _company(self):
        return self.product_tmpl_id.company_id or self.env.company

    def _fill(self):
        template = self.product_tmpl_id
        if template.rcep_origin_source != "bom":
            raise UserError(
                self.env._(
                    "%s is qualified from typed materials: change them on its RCEP Origin tab "
                    "to see the new verdict.",
                    template.display_name,
                )
            )
        built = template._rcep_mrp_build(self._company())[template.id]
        if built.input is None:
            raise UserError(
                self.env._(
                    "%(product)s cannot be assessed yet: %(problems)s",
                    product=template.display_name,
                    problems="; ".join(p["message"] for p in built.problems),
                )
            )
        seen = {}
        for ev in built.evidence:
            if ev.get("source") != "purchased" or ev["product"] in seen:
                continue
            seen[ev["product"]] = True
            self.env["rcep.whatif.line"].create(
                {
                    "wizard_id": self.id,
                    "product_id": ev["product"],
                    "supplier_id": ev.get("supplier_id") or False,
                    "unit_price": float(Decimal(ev["unit_price"])),
                    "originating": bool(ev.get("originating")),
                    "origin_status": ev.get("origin_status"),
                    "role": ev.get("role"),
                }
            )
        result, _ = core.assess(built.input, core.psr_table())
        before = result.to_json_dict() if result else {}
        self.write(self._summary("before", before, built.input))

    def _summary(self, side, result, data):
        if not result:
            return {f"{side}_verdict": self.env._("cannot be assessed")}
        threshold = core.rvc_threshold(result.get("rule"))
        break_even = (
            core.rvc_break_even(Decimal(result["rvc"]["vnm"]), threshold) if threshold else None
        )
        return {
            f"{side}_verdict": self._verdict_label(result["verdict"]),
            f"{side}_criteria": ", ".join(result["criteria_met"]) or "-",
            f"{side}_rvc": result["rvc"]["build_down"],
            f"{side}_break_even": float(break_even) if break_even is not None else 0.0,
        }

    def _verdict_label(self, verdict):
        """The verdict in the user's words (the product's own field says them)."""
        field = self.env["product.template"]._fields["rcep_verdict"]
        return dict(field._description_selection(self.env)).get(verdict, verdict)

    def _changes(self):
        changes = {}
        digits = self.env["decimal.precision"].precision_get("Product Price")
        for line in self.line_ids:
            change = {}
            if line.new_supplier_id and line.new_supplier_id != line.supplier_id:
                change["supplier"] = line.new_supplier_id
            if line.change_price:
                change["price"] = to_decimal(line.new_price, digits)
            if line.new_origin != "unchanged":
                country = line.new_country_id.code or self._company()._rcep_exporting_party()
                change["origin"] = (line.new_origin, country)
            if change:
                changes[line.product_id.id] = change
        return changes

    def action_simulate(self):
        self.ensure_one()
        changes = self._changes()
        template = self.product_tmpl_id
        built = template._rcep_mrp_build(self._company(), changes=changes)[template.id]
        if built.input is None:
            raise UserError("; ".join(p["message"] for p in built.problems))
        result, problems = core.assess(built.input, core.psr_table())
        if result is None:
            raise UserError("\n".join(p["message"] for p in problems))
        after = result.to_json_dict()
        vals = self._summary("after", after, built.input)
        vals["after_reasons"] = "\n".join(
            f"[{r['article']}] {r['text']}" for r in built.reasons + after["reasons"]
        )
        vals["simulated"] = True
        self.write(vals)
        return self._open()

    def _open(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("What if: %s", self.product_tmpl_id.display_name),
        }


class RcepWhatifLine(models.TransientModel):
    _name = "rcep.whatif.line"
    _description = "RCEP What-if Component"

    wizard_id = fields.Many2one("rcep.whatif.wizard", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    product_id = fields.Many2one("product.product", string="Component", readonly=True)
    role = fields.Char(readonly=True)
    supplier_id = fields.Many2one("res.partner", string="Supplier", readonly=True)
    unit_price = fields.Monetary(string="Unit Value", readonly=True)
    originating = fields.Boolean(readonly=True)
    origin_status = fields.Char(readonly=True)
    new_supplier_id = fields.Many2one(
        "res.partner",
        string="Other Supplier",
        help="Value and origin then come from this supplier's purchases, price list and "
        "declarations.",
    )
    change_price = fields.Boolean(string="Other Price")
    new_price = fields.Monetary(string="New Unit Value")
    new_origin = fields.Selection(ORIGIN_CHOICES, default="unchanged", required=True)
    new_country_id = fields.Many2one("res.country", string="Origin Country")
