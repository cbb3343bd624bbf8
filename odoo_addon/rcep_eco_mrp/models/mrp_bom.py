from odoo import api, fields, models
from odoo.addons.rcep_eco.originlink_bridge import MATERIAL_ROLES

_MANAGER = "rcep_eco.group_rcep_manager"
# BOM data the assessment reads.
_BOM_FIELDS = frozenset(
    {"product_tmpl_id", "product_id", "product_qty", "product_uom_id", "type", "active",
     "bom_line_ids", "operation_ids", "company_id"}
)  # fmt: skip
_LINE_FIELDS = frozenset(
    {"product_id", "product_qty", "product_uom_id", "rcep_role", "bom_id",
     "bom_product_template_attribute_value_ids"}
)  # fmt: skip
_OPERATION_FIELDS = frozenset(
    {"workcenter_id", "time_cycle_manual", "time_mode", "bom_id", "active",
     "bom_product_template_attribute_value_ids"}
)  # fmt: skip


class MrpBom(models.Model):
    _inherit = "mrp.bom"

    @api.model_create_multi
    def create(self, vals_list):
        boms = super().create(vals_list)
        boms._rcep_requalify(self.env._("bill of materials created"))
        return boms

    def write(self, vals):
        before = self._rcep_products() if _BOM_FIELDS & set(vals) else None
        result = super().write(vals)
        if before is not None:
            (before | self._rcep_products())._rcep_enqueue(
                self.env._("bill of materials changed: %s", ", ".join(self.mapped("display_name")))
            )
        return result

    @api.ondelete(at_uninstall=False)
    def _rcep_requalify_on_delete(self):
        self._rcep_requalify(self.env._("bill of materials deleted"))

    def _rcep_products(self):
        return self.product_id | self.product_tmpl_id.product_variant_ids

    def _rcep_requalify(self, why):
        self._rcep_products()._rcep_enqueue(why)


class MrpBomLine(models.Model):
    _inherit = "mrp.bom.line"

    rcep_role = fields.Selection(
        MATERIAL_ROLES,
        string="Origin Role",
        default="component",
        required=True,
        help="How the origin rules count this line: component; retail packaging (counted in "
        "the RVC, disregarded for the CTC, Art 3.8); packing for transport (disregarded, Art "
        "3.8); accessory, spare part or tool delivered with the good (Art 3.9); indirect "
        "material (treated as originating, Art 3.10).",
    )
    rcep_evidence = fields.Char(
        string="Origin Evidence",
        compute="_compute_rcep_evidence",
        groups=_MANAGER,
        help="Where the origin of this component comes from in the product's current assessment.",
    )

    @api.depends("product_id", "bom_id.product_tmpl_id")
    def _compute_rcep_evidence(self):
        labels = {
            "valid": self.env._("declaration %(ref)s (%(orig)s, valid to %(to)s)"),
            "expired": self.env._("declaration %(ref)s expired on %(to)s: undetermined"),
            "requested": self.env._("declaration requested, not provided: undetermined"),
            "missing": self.env._("no declaration from %(supplier)s: undetermined"),
            "no_supplier": self.env._("no supplier known: undetermined"),
            "not_needed": self.env._("not needed for its role"),
        }
        by_line = {}
        for template in self.bom_id.product_tmpl_id:
            current = template.sudo().rcep_assessment_id
            for ev in current._evidence() if current else ():
                if ev.get("bom_line"):
                    by_line.setdefault(ev["bom_line"], ev)
        for line in self:
            ev = by_line.get(line.id)
            if not ev:
                line.rcep_evidence = False
            elif ev.get("source") == "self_made":
                line.rcep_evidence = self.env._("self-made: assessed from its own BOM")
            else:
                status = ev.get("origin_status")
                line.rcep_evidence = labels.get(status, status or "") % {
                    "ref": ev.get("declaration") or "",
                    "orig": self.env._("originating %s", ev.get("origin_country") or "")
                    if ev.get("originating")
                    else self.env._("not originating"),
                    "to": ev.get("declaration_valid_to") or "",
                    "supplier": ev.get("supplier") or "",
                }

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.bom_id._rcep_requalify(self.env._("bill of materials line added"))
        return lines

    def write(self, vals):
        boms = self.bom_id if _LINE_FIELDS & set(vals) else None
        result = super().write(vals)
        if boms is not None:
            (boms | self.bom_id)._rcep_requalify(self.env._("bill of materials line changed"))
        return result

    @api.ondelete(at_uninstall=False)
    def _rcep_requalify_on_delete(self):
        self.bom_id._rcep_requalify(self.env._("bill of materials line removed"))


class MrpRoutingWorkcenter(models.Model):
    _inherit = "mrp.routing.workcenter"

    @api.model_create_multi
    def create(self, vals_list):
        ops = super().create(vals_list)
        ops.bom_id._rcep_requalify(self.env._("operation added"))
        return ops

    def write(self, vals):
        result = super().write(vals)
        if _OPERATION_FIELDS & set(vals):
            self.bom_id._rcep_requalify(self.env._("operation changed"))
        return result


class MrpWorkcenter(models.Model):
    _inherit = "mrp.workcenter"

    rcep_labour_share = fields.Float(
        string="Direct Labour Share (%)",
        default=100.0,
        help="Part of the hourly cost that is direct labour for the build-up formula of the "
        "regional value content (Art 3.5); the rest counts as direct overhead.",
    )

    _rcep_labour_share_range = models.Constraint(
        "CHECK (rcep_labour_share >= 0 AND rcep_labour_share <= 100)",
        "The direct labour share is a percentage between 0 and 100.",
    )

    def write(self, vals):
        result = super().write(vals)
        if {"costs_hour", "rcep_labour_share", "time_efficiency", "time_start", "time_stop"} & set(
            vals
        ):
            boms = (
                self.env["mrp.routing.workcenter"]
                .sudo()
                .search([("workcenter_id", "in", self.ids)])
                .bom_id
            )
            boms._rcep_requalify(
                self.env._("work centre cost changed: %s", ", ".join(self.mapped("name")))
            )
        return result


class ProductProduct(models.Model):
    _inherit = "product.product"

    def _rcep_enqueue(self, why):
        if self:
            self.env["rcep.requalification"]._enqueue(self, why)

    def write(self, vals):
        result = super().write(vals)
        # (Other product data is the template's, watched there.)
        if "standard_price" in vals and not self.env.context.get("rcep_no_requalify"):
            self._rcep_enqueue(self.env._("product data changed: standard_price"))
        return result
