import json

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..originlink_bridge import (
    CRITERIA,
    HS_EDITIONS,
    assess,
    dec_str,
    hs_code_problem,
    hs_subheading,
)
from .rcep_labels import criterion_label, reason_label, rule_explained

_MANAGER = "rcep_eco.group_rcep_manager"
_USER = "rcep_eco.group_rcep_user"
# What a user of RCEP e-CO may change on a product without being allowed to change products
# (prices, names...): its origin data. The costs and materials stay managers' (groups=).
ORIGIN_FIELDS = frozenset(
    {
        "hs_code",
        "rcep_hs_edition",
        "rcep_criterion",
        "rcep_wholly_obtained",
        "rcep_minimal_operations",
    }
)
VERDICTS = [
    ("originating", "Originating"),
    ("not_originating", "Not originating"),
    ("undetermined", "Undetermined"),
]


class ProductTemplate(models.Model):
    _inherit = "product.template"

    # One HS code per product: the same field as stock_delivery's (declared here too, so the
    # module works without it; with it, both modules share the one column and the Inventory
    # and RCEP tabs show the same value).
    hs_code = fields.Char(
        string="HS Code",
        help="Standardized code for international shipping and goods declaration. Its first six "
        "digits are the subheading printed on certificates of origin (Box 9).",
    )
    rcep_hs_edition = fields.Selection(
        HS_EDITIONS,
        string="HS Edition",
        default="HS2022",
        help="The Harmonized System edition the HS code is read in.",
    )
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
        string="Assessment (JSON)", compute="_compute_rcep_assessment", store=True, groups=_MANAGER
    )
    rcep_verdict = fields.Selection(
        VERDICTS,
        string="Origin Verdict",
        compute="_compute_rcep_assessment",
        store=True,
        help="Undetermined: no product-specific rule is held for this HS code, so origin can "
        "be decided only for wholly obtained goods. Import the schedule, or a manager sets a "
        "product rule override.",
    )
    rcep_originating = fields.Boolean(
        string="Originating", compute="_compute_rcep_assessment", store=True
    )
    rcep_rule = fields.Char(string="Product Rule", compute="_compute_rcep_assessment", store=True)
    rcep_rule_explained = fields.Char(string="Product Rule Means", compute="_compute_rcep_labels")
    rcep_criteria_met = fields.Char(
        string="Criteria Met (codes)", compute="_compute_rcep_assessment", store=True
    )
    rcep_criteria_met_label = fields.Char(string="Criteria Met", compute="_compute_rcep_labels")
    # The full reasons quote values (FOB, VNM, RVC): managers only. Everyone else sees which
    # rules were applied and their articles, in words.
    rcep_reasons = fields.Text(
        string="Qualification Reasons",
        compute="_compute_rcep_assessment",
        store=True,
        groups=_MANAGER,
    )
    rcep_reason_codes = fields.Char(
        string="Reason Codes", compute="_compute_rcep_assessment", store=True
    )
    rcep_reason_summary = fields.Text(string="Rules Applied", compute="_compute_rcep_labels")
    rcep_missing = fields.Char(
        string="Missing for e-CO", compute="_compute_rcep_readiness", store=True
    )
    rcep_ready = fields.Boolean(
        string="Ready for e-CO", compute="_compute_rcep_readiness", store=True
    )

    # --- HS code ----------------------------------------------------------------------------

    @api.constrains("hs_code", "rcep_hs_edition")
    def _check_hs_code_in_edition(self):
        editions = dict(HS_EDITIONS)
        for product in self.filtered("hs_code"):
            edition = product.rcep_hs_edition or "HS2022"
            problem = hs_code_problem(product.hs_code, edition)
            if problem == "not_in_edition":
                raise ValidationError(
                    self.env._(
                        "HS code of %(product)s: %(code)s is not a subheading of %(edition)s. "
                        "Check the code, or the HS edition it is read in.",
                        product=product.display_name,
                        code=hs_subheading(product.hs_code),
                        edition=editions[edition],
                    )
                )
            if problem:
                raise ValidationError(
                    self.env._(
                        "HS code of %(product)s: %(code)s is not an HS code of six digits (a "
                        "national line of 8 or 10 digits may follow them); a certificate of "
                        "origin needs the 6-digit subheading (Box 9). Dots and spaces are "
                        "allowed.",
                        product=product.display_name,
                        code=product.hs_code,
                    )
                )

    # --- origin data editable by RCEP users -------------------------------------------------

    @api.model
    def _rcep_origin_editor_only(self):
        """True for an RCEP user whose only right to write products is ours: such a user may
        change the origin data and nothing else of a product."""
        user = self.env.user
        if self.env.su or not user.has_group(_USER):
            return False
        rcep_groups = self.env.ref(_USER) | self.env.ref(_MANAGER)
        others = (
            self.env["ir.model.access"]
            .sudo()
            .search_count(
                [
                    ("model_id.model", "=", self._name),
                    ("perm_write", "=", True),
                    ("active", "=", True),
                    "|",
                    ("group_id", "=", False),
                    ("group_id", "in", (user.all_group_ids - rcep_groups).ids),
                ]
            )
        )
        return not others

    def _rcep_check_origin_only(self, vals):
        if self._rcep_origin_editor_only():
            others = sorted(set(vals) - ORIGIN_FIELDS)
            if others:
                raise AccessError(
                    self.env._(
                        "As an RCEP e-CO user you may change a product's origin data only "
                        "(HS code, edition, criterion, wholly obtained, minimal operations), "
                        "not: %s.",
                        ", ".join(others),
                    )
                )

    def write(self, vals):
        self._rcep_check_origin_only(vals)
        return super().write(vals)

    @api.model
    def _get_view_cache_key(self, view_id=None, view_type="form", **options):
        key = super()._get_view_cache_key(view_id, view_type, **options)
        return (*key, self._rcep_origin_editor_only())

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        """For a user who may change only origin data, every other field of the form is
        shown read-only (the server refuses them anyway, see write)."""
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type == "form" and self._rcep_origin_editor_only():
            for node in arch.iter("field"):
                inside_origin = any(
                    parent.tag == "page" and parent.get("name") == "rcep_origin"
                    for parent in node.iterancestors()
                )
                top_level = not any(p.tag == "field" for p in node.iterancestors())
                if top_level and not (inside_origin and node.get("name") in ORIGIN_FIELDS):
                    node.set("readonly", "1")
        return arch, view

    # --- qualification by the core ----------------------------------------------------------

    def _rcep_criterion_basis(self):
        """For an ACU claim, the criterion cumulation helped meet, as the core's assessment
        says it (docs/model.md "FOB value"); False otherwise or when unknown."""
        self.ensure_one()
        if self.rcep_criterion != "ACU":
            return False
        assessment = json.loads(self.sudo().rcep_assessment_json or "{}")
        if assessment.get("criterion") != "ACU":
            return False
        return assessment.get("criterion_basis") or False

    def _rcep_assessment_input(self):
        """The core's assessment input (contract: architecture.md "Assessment")."""
        self.ensure_one()
        company = self.company_id or self.env.company
        currency = company.currency_id.name or "USD"
        return {
            "agreement": "RCEP",
            "hs_edition": self.rcep_hs_edition or "HS2022",
            "exporting_party": company._rcep_exporting_party(),
            "product": {
                "hs_code": hs_subheading(self.hs_code) or "",
                "description": self.name or "",
            },
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
        "hs_code",
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
        empty = {
            "rcep_assessment_json": False,
            "rcep_verdict": False,
            "rcep_originating": False,
            "rcep_rule": False,
            "rcep_criteria_met": False,
            "rcep_reasons": False,
            "rcep_reason_codes": False,
        }
        for product in self:
            if not hs_subheading(product.hs_code):
                product.update(empty)
                continue
            result, problems = assess(product._rcep_assessment_input())
            if result is None:
                product.update(
                    {
                        **empty,
                        "rcep_assessment_json": json.dumps({"problems": problems}),
                        "rcep_reasons": "\n".join(
                            f"[{p.get('article') or 'input'}] {p['path']}: {p['message']}"
                            for p in problems
                        ),
                    }
                )
                continue
            product.update(
                {
                    "rcep_assessment_json": json.dumps(result, sort_keys=True),
                    "rcep_verdict": _verdict(result),
                    "rcep_originating": result["originating"],
                    "rcep_rule": result["rule"],
                    "rcep_criteria_met": ", ".join(result["criteria_met"]),
                    "rcep_reasons": "\n".join(
                        f"[{r['article']}] {r['text']}" for r in result["reasons"]
                    ),
                    "rcep_reason_codes": json.dumps(
                        [[r["code"], r["article"]] for r in result["reasons"]]
                    ),
                }
            )

    @api.depends("rcep_rule", "rcep_criteria_met", "rcep_reason_codes", "rcep_verdict")
    @api.depends_context("lang")
    def _compute_rcep_labels(self):
        verdicts = dict(self._fields["rcep_verdict"]._description_selection(self.env))
        for product in self:
            product.rcep_rule_explained = rule_explained(self.env, product.rcep_rule)
            product.rcep_criteria_met_label = ", ".join(
                criterion_label(self.env, code)
                for code in (product.rcep_criteria_met or "").split(", ")
                if code
            )
            lines = []
            for code, article in json.loads(product.rcep_reason_codes or "[]"):
                label = (
                    verdicts.get(product.rcep_verdict, "")
                    if code == "VERDICT"
                    else reason_label(self.env, code)
                )
                lines.append(f"{label} ({article})")
            product.rcep_reason_summary = "\n".join(lines)

    @api.depends(
        "hs_code",
        "rcep_hs_edition",
        "rcep_criterion",
        "rcep_criteria_met",
        "rcep_assessment_json",
        "rcep_verdict",
    )
    def _compute_rcep_readiness(self):
        for product in self:
            missing = []
            assessment = json.loads(product.sudo().rcep_assessment_json or "{}")
            edition = product.rcep_hs_edition or "HS2022"
            if not hs_subheading(product.hs_code):
                missing.append(self.env._("HS code (6 digits)"))
            elif hs_code_problem(product.hs_code, edition):
                missing.append(
                    self.env._(
                        "HS code (not a subheading of %(edition)s)",
                        edition=dict(HS_EDITIONS)[edition],
                    )
                )
            if not product.rcep_criterion:
                missing.append(self.env._("origin criterion"))
            if product.rcep_criterion == "RVC" and assessment.get("problems"):
                missing.append(self.env._("value data for RVC (FOB, materials)"))
            elif hs_subheading(product.hs_code) and assessment.get("problems"):
                paths = {p.get("path", "").split(".")[0] for p in assessment["problems"]}
                missing.append(
                    self.env._("FOB value per unit (entered by an RCEP manager)")
                    if "fob" in paths
                    else self.env._("qualification data")
                )
            elif product.rcep_verdict == "undetermined":
                missing.append(
                    self.env._(
                        "origin undetermined: no product-specific rule is held for this HS "
                        "code (import the schedule, or a manager sets a rule override)"
                    )
                )
            elif product.rcep_verdict == "not_originating":
                missing.append(self.env._("not originating per assessment"))
            met = (product.rcep_criteria_met or "").split(", ")
            if (
                product.rcep_criterion
                and product.rcep_verdict == "originating"
                and product.rcep_criterion not in met
            ):
                missing.append(
                    self.env._(
                        "claimed criterion %(claimed)s not met per assessment",
                        claimed=criterion_label(self.env, product.rcep_criterion),
                    )
                )
            product.rcep_missing = ", ".join(missing)
            product.rcep_ready = not missing


def _verdict(result):
    """Originating, not originating, or undetermined: without a product-specific rule only
    wholly obtained goods can be decided (issue 14.5). The core says it where it can."""
    if result.get("verdict") in dict(VERDICTS):
        return result["verdict"]
    if result["originating"]:
        return "originating"
    if result.get("rule_status") == "unknown" and not result.get("rule"):
        return "undetermined"
    return "not_originating"
