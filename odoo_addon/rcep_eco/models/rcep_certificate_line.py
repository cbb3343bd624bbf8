import json
import re
from decimal import Decimal

from odoo import api, fields, models

from ..originlink_bridge import CRITERIA, HS_EDITIONS, dec_str

# RCEP's general RVC threshold (Art 3.5; Annex 3A rules read "RVC40").
_RVC_THRESHOLD = Decimal(40)

# Odoo units of measure → UN/ECE Recommendation 20 codes (the certificate's preferred units).
_UNECE = {"Units": "PCE", "Dozens": "DZN", "kg": "KGM", "g": "GRM", "t": "TNE", "L": "LTR",
          "m": "MTR", "m²": "MTK", "m³": "MTQ", "Pairs": "PR"}  # fmt: skip


# Fields of a goods item whose changes are told in the certificate's chatter.
_TRACKED = ("product_id", "name", "marks", "packages_number", "packages_kind", "hs_code",
            "hs_edition", "origin_criterion", "criterion_basis", "country_of_origin_id",
            "quantity", "uom_code", "gross_weight", "fob_value")  # fmt: skip


def _shown(value):
    return value.display_name if isinstance(value, models.BaseModel) else value


class RcepCertificateLine(models.Model):
    """One goods item (Boxes 6-12) of a certificate."""

    _name = "rcep.certificate.line"
    _description = "RCEP Certificate Goods Item"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    certificate_id = fields.Many2one(
        "rcep.certificate", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="certificate_id.company_id", store=True)
    sale_line_id = fields.Many2one("sale.order.line", string="Order Line", index="btree_not_null")
    product_id = fields.Many2one("product.product", required=True)
    name = fields.Text(string="Description of Goods (Box 8)", required=True)
    marks = fields.Char(string="Marks and Numbers (Box 7)")
    packages_number = fields.Integer(string="Packages (Box 8)")
    packages_kind = fields.Char(string="Kind of Packages", default="cartons")
    hs_code = fields.Char(string="HS Code (Box 9)", required=True)
    hs_edition = fields.Selection(HS_EDITIONS, string="HS Edition", required=True, default="HS2022")
    origin_criterion = fields.Selection(CRITERIA, string="Origin Criterion (Box 10)", required=True)
    criterion_basis = fields.Selection(
        [("CTC", "CTC"), ("RVC", "RVC"), ("DMI", "DMI")],
        string="ACU Basis",
        help="For an ACU claim: the criterion cumulation helped meet (from the product's "
        "assessment). ACU through RVC shows the FOB value.",
    )
    country_of_origin_id = fields.Many2one(
        "res.country", string="RCEP Country of Origin (Box 11)", required=True
    )
    quantity = fields.Float(digits="Product Unit", required=True)
    uom_code = fields.Char(string="Unit", default="PCE", required=True)
    gross_weight = fields.Float(string="Gross Weight (kg)", digits="Stock Weight")
    currency_id = fields.Many2one(related="certificate_id.currency_id")
    fob_value = fields.Monetary(string="FOB Value (Box 12)", currency_field="currency_id")
    fob_shown = fields.Boolean(
        string="FOB on Certificate",
        compute="_compute_fob_shown",
        help="The FOB value is required on the certificate where the RVC criterion was used "
        "to determine origin (Annex 3B, Box 12); otherwise it is shown only if the company "
        "chose to show it.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.certificate_id._check_editable(["line_ids"])
        return lines

    @api.ondelete(at_uninstall=False)
    def _unlink_if_editable(self):
        # (Lines of a draft cancelled before it was ever sent go with their certificate.)
        self.certificate_id.filtered(
            lambda c: c.state != "cancelled" or c.service_id
        )._check_editable(["line_ids"])

    def write(self, vals):
        # Goods items are frozen with their certificate once it is sent (access rights first).
        self.check_access("write")
        self.certificate_id._check_editable(["line_ids"])
        # The goods items are part of the certificate: every change is told in its chatter
        # (the header fields are tracked by mail.thread).
        changed = [name for name in vals if name in _TRACKED]
        before = {line: {name: line[name] for name in changed} for line in self}
        result = super().write(vals)
        for line, old in before.items():
            diffs = [
                f"{self._fields[name].string}: {_shown(value)} → {_shown(line[name])}"
                for name, value in old.items()
                if value != line[name]
            ]
            if diffs:
                line.certificate_id.message_post(
                    body=self.env._(
                        "Goods item %(item)s changed: %(diffs)s",
                        item=line.product_id.display_name,
                        diffs="; ".join(diffs),
                    )
                )
        return result

    @api.depends("origin_criterion", "criterion_basis", "certificate_id.company_id.rcep_show_fob")
    def _compute_fob_shown(self):
        for line in self:
            line.fob_shown = line._fob_required() or line.certificate_id.company_id.rcep_show_fob

    def _fob_required(self):
        """Annex 3B, Box 12: FOB is required where RVC was used to determine origin: every RVC
        item, and an ACU item whose cumulation met RVC — or that does not say which criterion
        it met (`criterion_basis`, docs/model.md "FOB value")."""
        self.ensure_one()
        if self.origin_criterion == "RVC":
            return True
        return self.origin_criterion == "ACU" and self.criterion_basis in (False, "RVC")

    # --- double certification ---------------------------------------------------------------

    def _lock_order_lines(self):
        """Lock the order lines these goods come from until the transaction ends, so that two
        certificates for the same goods cannot be checked at the same time."""
        ids = self.sale_line_id.ids
        if ids:
            self.env.cr.execute(
                "SELECT id FROM sale_order_line WHERE id = ANY(%s) FOR NO KEY UPDATE", [ids]
            )

    def _double_certification_problems(self):
        """Per order line, the quantities of every certificate still in force (draft ones
        too: they claim goods) add up; more than the line's ordered or delivered quantity is
        a second certificate for the same goods, named."""
        problems = []
        certificate = self.certificate_id[:1]
        # (Saved ones only: the wizard asks about a certificate not created yet.)
        exclude = (certificate | certificate.replaces_id)._origin
        for sale_line in self.sale_line_id:
            here = sum(line.quantity for line in self if line.sale_line_id == sale_line)
            others = sale_line._rcep_certified_lines(exclude=exclude)
            limit = sale_line._rcep_certifiable_qty()
            certified = sum(others.mapped("quantity"))
            rounding = sale_line.product_uom_id.rounding or 0.001
            if here - (limit - certified) > rounding / 2:
                problems.append(
                    self.env._(
                        "%(product)s (order %(order)s): %(qty)s %(uom)s already certified by "
                        "%(certificates)s; at most %(left)s %(uom)s of the %(limit)s %(uom)s "
                        "ordered or delivered can still be certified. Cancel or replace that "
                        "certificate to certify them again.",
                        product=sale_line.product_id.display_name,
                        order=sale_line.order_id.name,
                        qty=certified,
                        uom=sale_line.product_uom_id.name,
                        certificates=", ".join(
                            f"{c.name} ({c._state_label(c.state)})"
                            for c in others.certificate_id.sorted("id")
                        ),
                        left=max(limit - certified, 0),
                        limit=limit,
                    )
                    if others
                    else self.env._(
                        "%(product)s (order %(order)s): %(qty)s %(uom)s is more than the "
                        "%(limit)s %(uom)s ordered or delivered.",
                        product=sale_line.product_id.display_name,
                        order=sale_line.order_id.name,
                        qty=here,
                        uom=sale_line.product_uom_id.name,
                        limit=limit,
                    )
                )
        return problems

    def _build_goods_item(self, item_number):
        self.ensure_one()
        currency = self.currency_id.name or "USD"
        return {
            "item_number": item_number,
            "marks": self.marks or None,
            "packages": {"number": self.packages_number, "kind": self.packages_kind}
            if self.packages_number and self.packages_kind
            else None,
            "description": self.name,
            "hs_code": self.hs_code,
            "hs_edition": self.hs_edition,
            "origin_criterion": self.origin_criterion,
            "country_of_origin": self.country_of_origin_id.code or "",
            "country_of_origin_marker": "",
            "quantity": {"value": dec_str(self.quantity, 3), "unit": self.uom_code},
            "gross_weight": {"value": dec_str(self.gross_weight, 3), "unit": "KGM"}
            if self.gross_weight
            else None,
            "fob_value": {"amount": dec_str(self.fob_value), "currency": currency}
            if self.fob_shown
            else None,
            "producer": None,
            "evidence": self._evidence(),
            **({"criterion_basis": self.criterion_basis} if self._acu_basis() else {}),
        }

    def _acu_basis(self):
        return self.origin_criterion == "ACU" and self.criterion_basis

    def _evidence(self):
        """Origin evidence for customs (never shown publicly): the rule applied, the RVC
        working and the materials, per unit of product, from the product's assessment by the
        core. Read as superuser: it is cost data the clerk sending the certificate may not
        see, and it leaves Odoo only to the service."""
        template = self.product_id.product_tmpl_id.sudo()
        assessment = json.loads(template.rcep_assessment_json or "{}")
        if not assessment or assessment.get("problems"):
            return None
        rvc = None
        if self._fob_required() and assessment.get("rvc"):
            figures = assessment["rvc"]
            down, up = figures.get("build_down"), figures.get("build_up")
            # Build-down when it reaches the threshold: customs can recompute it from the
            # certificate; build-up (which needs the cost build-up) only when it is higher.
            use_down = down is not None and (
                up is None or Decimal(down) >= min(Decimal(up), _RVC_THRESHOLD)
            )
            rvc = {
                "formula": "build_down" if use_down else "build_up",
                "percentage": down if use_down else up,
                "fob": dec_str(template.rcep_fob_amount),
                "vnm": figures["vnm"],
                "vom": figures["vom"],
                # The product's costs are kept in the company's currency.
                "currency": self.company_id.currency_id.name or "USD",
            }
        materials = template.rcep_material_ids
        return {
            "criterion": self.origin_criterion,
            "rule": assessment.get("rule"),
            "rule_source": (assessment.get("rule_source") or "")[:2000] or None,
            "rvc": rvc,
            "materials": [
                {
                    "country": m.origin_country_id.code or None,
                    "originating": m.originating,
                    "value": dec_str(m.value),
                    "hs_code": _six_digits(m.hs_code),
                    "description": m.name,
                }
                for m in materials
            ],
            "supplier_declarations": sorted({m.proof for m in materials if m.proof}),
            "notes": "Per unit of product, from the exporter's bill of materials (Art 3.5).",
        }

    def _uom_code(self, uom):
        return _UNECE.get(uom.name, "PCE")


def _six_digits(code):
    digits = re.sub(r"\D", "", code or "")
    return digits if len(digits) == 6 else None
