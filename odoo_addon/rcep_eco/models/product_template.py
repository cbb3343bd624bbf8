import json
import re

from odoo import api, fields, models

from ..originlink_bridge import CRITERIA, HS_EDITIONS, assess, dec_str

# Fields of other modules read as soft prefills (never redefined here): Odoo's stock_delivery
# `hs_code`, OCA product_harmonized_system's `hs_code_id`.
_PREFILL_FIELDS = ("hs_code", "hs_code_id")
_MANAGER = "rcep_eco.group_rcep_manager"


class ProductTemplate(models.Model):
    _inherit = "product.template"

    rcep_hs_code = fields.Char(
        string="HS Code (6 digits)",
        compute="_compute_rcep_hs_code",
        store=True,
        readonly=False,
        help="Harmonized System subheading used on the certificate (Box 9). Prefilled from "
        "the product's HS code when another module provides one.",
    )
    rcep_hs_edition = fields.Selection(HS_EDITIONS, string="HS Edition", default="HS2022")
    rcep_criterion = fields.Selection(CRITERIA, string="Claimed Origin Criterion")
    rcep_wholly_obtained = fields.Boolean(string="Wholly Obtained (Art 3.3)")
    rcep_minimal_operations = fields.Boolean(
        string="Only Minimal Operations (Art 3.6)",
        help="Tick when the exporter only carried out the operations listed in Art 3.6.",
    )
    # Cost data: managers only.
    rcep_psr_override = fields.Char(string="Product Rule Override", groups=_MANAGER)
    rcep_fob_amount = fields.Float(
        string="FOB Value per Unit", digits="Product Price", groups=_MANAGER
    )
    rcep_cost_labour = fields.Float(string="Labour", digits="Product Price", groups=_MANAGER)
    rcep_cost_overhead = fields.Float(string="Overhead", digits="Product Price", groups=_MANAGER)
    rcep_cost_profit = fields.Float(string="Profit", digits="Product Price", groups=_MANAGER)
    rcep_cost_other = fields.Float(string="Other Costs", digits="Product Price", groups=_MANAGER)
    rcep_material_ids = fields.One2many(
        "rcep.product.material", "product_tmpl_id", string="Materials", groups=_MANAGER
    )
    # The core's assessment (computed as superuser so that users see the verdict, not the costs).
    rcep_assessment_json = fields.Text(
        compute="_compute_rcep_assessment", store=True, groups=_MANAGER
    )
    rcep_originating = fields.Boolean(
        string="Originating", compute="_compute_rcep_assessment", store=True
    )
    rcep_rule = fields.Char(string="Product Rule", compute="_compute_rcep_assessment", store=True)
    rcep_criteria_met = fields.Char(compute="_compute_rcep_assessment", store=True)
    # The full reasons quote values (FOB, VNM, RVC): managers only. Everyone else sees which
    # rules were applied and their articles.
    rcep_reasons = fields.Text(
        string="Qualification Reasons",
        compute="_compute_rcep_assessment",
        store=True,
        groups=_MANAGER,
    )
    rcep_reason_summary = fields.Text(
        string="Rules Applied", compute="_compute_rcep_assessment", store=True
    )
    rcep_missing = fields.Char(
        string="Missing for e-CO", compute="_compute_rcep_readiness", store=True
    )
    rcep_ready = fields.Boolean(
        string="Ready for e-CO", compute="_compute_rcep_readiness", store=True
    )

    @api.depends(lambda self: [f for f in _PREFILL_FIELDS if f in self._fields])
    def _compute_rcep_hs_code(self):
        for product in self:
            if product.rcep_hs_code:
                continue
            source = ""
            if "hs_code" in product._fields:
                source = product.hs_code or ""
            if not source and "hs_code_id" in product._fields and product.hs_code_id:
                source = product.hs_code_id.local_code or ""
            digits = re.sub(r"\D", "", source)
            product.rcep_hs_code = digits[:6] if len(digits) >= 6 else False

    def _rcep_assessment_input(self):
        """The core's assessment input (contract: architecture.md "Assessment")."""
        self.ensure_one()
        company = self.company_id or self.env.company
        currency = company.currency_id.name or "USD"
        return {
            "agreement": "RCEP",
            "hs_edition": self.rcep_hs_edition or "HS2022",
            "exporting_party": company._rcep_exporting_party(),
            "product": {"hs_code": self.rcep_hs_code or "", "description": self.name or ""},
            "fob": {"amount": dec_str(self.rcep_fob_amount), "currency": currency},
            "costs": {
                "labour": dec_str(self.rcep_cost_labour),
                "overhead": dec_str(self.rcep_cost_overhead),
                "profit": dec_str(self.rcep_cost_profit),
                "other": dec_str(self.rcep_cost_other),
            },
            "wholly_obtained": self.rcep_wholly_obtained,
            "operations": {"minimal_only": self.rcep_minimal_operations},
            "psr_override": self.rcep_psr_override or None,
            "materials": [
                {
                    "id": f"m{m.id}",
                    "description": m.name,
                    "hs_code": m.hs_code,
                    "value": dec_str(m.value),
                    "origin_country": m.origin_country_id.code or None,
                    "originating": m.originating,
                    "proof": m.proof or None,
                    "weight": dec_str(m.weight, 3) if m.weight else None,
                    "role": m.role,
                }
                for m in self.rcep_material_ids
            ],
        }

    @api.depends(
        "rcep_hs_code",
        "rcep_hs_edition",
        "rcep_wholly_obtained",
        "rcep_minimal_operations",
        "rcep_psr_override",
        "rcep_fob_amount",
        "rcep_cost_labour",
        "rcep_cost_overhead",
        "rcep_cost_profit",
        "rcep_cost_other",
        "rcep_material_ids",
        "rcep_material_ids.hs_code",
        "rcep_material_ids.value",
        "rcep_material_ids.origin_country_id",
        "rcep_material_ids.originating",
        "rcep_material_ids.proof",
        "rcep_material_ids.role",
        "rcep_material_ids.weight",
        "company_id",
    )
    def _compute_rcep_assessment(self):
        for product in self:
            if not product.rcep_hs_code:
                product.update(
                    {
                        "rcep_assessment_json": False,
                        "rcep_originating": False,
                        "rcep_rule": False,
                        "rcep_criteria_met": False,
                        "rcep_reasons": False,
                        "rcep_reason_summary": False,
                    }
                )
                continue
            result, problems = assess(product._rcep_assessment_input())
            if result is None:
                product.update(
                    {
                        "rcep_assessment_json": json.dumps({"problems": problems}),
                        "rcep_originating": False,
                        "rcep_rule": False,
                        "rcep_criteria_met": False,
                        "rcep_reasons": "\n".join(
                            f"[{p.get('article') or 'input'}] {p['path']}: {p['message']}"
                            for p in problems
                        ),
                        "rcep_reason_summary": "\n".join(
                            f"{p['code']} ({p.get('article') or p['path']})" for p in problems
                        ),
                    }
                )
                continue
            product.update(
                {
                    "rcep_assessment_json": json.dumps(result, sort_keys=True),
                    "rcep_originating": result["originating"],
                    "rcep_rule": result["rule"],
                    "rcep_criteria_met": ", ".join(result["criteria_met"]),
                    "rcep_reasons": "\n".join(
                        f"[{r['article']}] {r['text']}" for r in result["reasons"]
                    ),
                    "rcep_reason_summary": "\n".join(
                        f"{r['code']} ({r['article']})" for r in result["reasons"]
                    ),
                }
            )

    @api.depends("rcep_hs_code", "rcep_criterion", "rcep_criteria_met", "rcep_assessment_json")
    def _compute_rcep_readiness(self):
        for product in self:
            missing = []
            if not product.rcep_hs_code or not re.fullmatch(r"\d{6}", product.rcep_hs_code):
                missing.append(self.env._("HS code (6 digits)"))
            if not product.rcep_criterion:
                missing.append(self.env._("origin criterion"))
            assessment = json.loads(product.rcep_assessment_json or "{}")
            if product.rcep_criterion == "RVC" and assessment.get("problems"):
                missing.append(self.env._("value data for RVC (FOB, materials)"))
            elif product.rcep_hs_code and assessment.get("problems"):
                missing.append(self.env._("qualification data"))
            met = (product.rcep_criteria_met or "").split(", ")
            if (
                product.rcep_criterion
                and assessment
                and not assessment.get("problems")
                and product.rcep_criterion not in met
            ):
                missing.append(
                    self.env._(
                        "claimed criterion %(claimed)s not met per assessment",
                        claimed=product.rcep_criterion,
                    )
                )
            product.rcep_missing = ", ".join(missing)
            product.rcep_ready = not missing
