from collections import defaultdict
from decimal import Decimal

from odoo import api, fields, models

from ..tools.bom_rollup import exact

_MANAGER = "rcep_eco.group_rcep_manager"
# The certificate's evidence lists at most this many materials (originlink.model MAX_LIST).
_MAX_MATERIALS = 100


class RcepCertificateLine(models.Model):
    _inherit = "rcep.certificate.line"

    rcep_assessment_id = fields.Many2one(
        "rcep.origin.assessment",
        string="Origin Assessment",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups=_MANAGER,
        help="The stored assessment this goods item was certified on (kept, Art 3.27).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._rcep_link_assessment()
        return lines

    def _rcep_link_assessment(self):
        """Each goods item keeps the assessment it was certified on. A product qualified from
        typed materials gets its assessment stored now (when it differs from the last one)."""
        for line in self.sudo():
            template = line.product_id.product_tmpl_id
            if template.rcep_origin_source != "bom":
                template._rcep_mrp_assess(
                    self.env._("certificate %s", line.certificate_id.name or "")
                )
            line.rcep_assessment_id = template.rcep_assessment_id

    def _rcep_assessment(self):
        self.ensure_one()
        return (
            self.sudo().rcep_assessment_id
            or self.product_id.product_tmpl_id.sudo().rcep_assessment_id
        )

    def _evidence(self):
        """From the stored assessment for products qualified from their BOM: its materials
        (by country and origin), the declarations it used and its FOB."""
        evidence = super()._evidence()
        template = self.product_id.product_tmpl_id.sudo()
        assessment = self._rcep_assessment()
        if evidence is None or template.rcep_origin_source != "bom" or not assessment:
            return evidence
        data = assessment._input() or {}
        if evidence.get("rvc"):
            evidence["rvc"]["fob"] = data.get("fob", {}).get("amount")
        evidence["materials"] = _materials(assessment)
        refs = [d.reference or d.name for d in assessment.declaration_ids]
        evidence["supplier_declarations"] = sorted(set(refs))[:_MAX_MATERIALS]
        evidence["notes"] = self.env._(
            "Assessed on %(date)s from the bill of materials (%(engine)s); record kept by the "
            "exporter (Art 3.27).",
            date=assessment.assessed_on,
            engine=assessment.engine_version or "",
        )[:2000]
        return evidence

    def _rcep_break_even_problem(self, assessment):
        """An RVC claim (or ACU through RVC) whose certified FOB per unit is below the break-even
        FOB of the assessment: the RVC does not hold for these goods (Art 3.5)."""
        self.ensure_one()
        if not self._fob_required() or not assessment.break_even_fob or not self.quantity:
            return None
        company = self.certificate_id.company_id or self.env.company
        currency = self.currency_id or company.currency_id
        unit = exact(self.fob_value) / exact(self.quantity)
        if currency != company.currency_id:
            rate = self.env["res.currency"]._get_conversion_rate(
                currency,
                company.currency_id,
                company,
                self.certificate_id.issue_date or fields.Date.today(),
            )
            unit *= exact(rate)
        if unit >= exact(assessment.break_even_fob):
            return None
        return self.env._(
            "%(product)s: the certified FOB value is %(unit)s %(currency)s per unit, below the "
            "break-even FOB %(break_even)s of its assessment: the regional value content "
            "(%(rule)s) is not met at this price (Art 3.5). Claim another criterion met, or "
            "correct the price.",
            product=self.product_id.display_name,
            unit=unit.quantize(Decimal("0.01")),
            currency=company.currency_id.name,
            break_even=exact(assessment.break_even_fob).quantize(Decimal("0.01")),
            rule=assessment.rule or "RVC",
        )


def _materials(assessment):
    """The product's materials as the certificate's evidence lists them: its own (top-level)
    materials, a self-made one counted as the engine counted it; the smallest beyond 99 are
    summed by country and origin."""
    data = assessment._input() or {}
    result = assessment._result() or {}
    intermediate = {
        i["material"]: i["assessment"].get("originating") is True
        for i in result.get("intermediates", [])
    }
    rows = []
    for m in data.get("materials", []):
        if m.get("role") == "transport_packing":
            continue
        produced = "produced" in m
        originating = intermediate.get(m["id"], False) if produced else bool(m.get("originating"))
        country = (
            assessment.company_id._rcep_exporting_party() if produced else m.get("origin_country")
        )
        rows.append(
            {
                "country": country,
                "originating": originating,
                "value": str(m["value"]),
                "hs_code": m["hs_code"][:6] if len(m["hs_code"]) >= 6 else None,
                "description": (m.get("description") or "")[:500],
            }
        )
    if len(rows) <= _MAX_MATERIALS:
        return rows
    rows.sort(key=lambda r: Decimal(r["value"]), reverse=True)
    kept, rest = rows[: _MAX_MATERIALS - 10], rows[_MAX_MATERIALS - 10 :]
    sums = defaultdict(Decimal)
    for r in rest:
        sums[(r["country"], r["originating"])] += Decimal(r["value"])
    for (country, originating), value in sorted(sums.items(), key=lambda kv: -kv[1])[:10]:
        kept.append(
            {
                "country": country,
                "originating": originating,
                "value": format(value, "f"),
                "hs_code": None,
                "description": "other materials",
            }
        )
    return kept


class RcepCertificate(models.Model):
    _inherit = "rcep.certificate"

    def _blocking_problems(self, sending=True):
        """rcep_eco's, and (issue 12.7) for goods qualified from their bill of materials: no
        certificate without a current stored assessment — missing, queued for re-qualification,
        stale or with an unconfirmed loss of origin — nor for an RVC claim priced below the
        assessment's break-even FOB. A manager's readiness override does not lift these."""
        problems = super()._blocking_problems(sending=sending)
        _ = self.env._
        for line in self.line_ids:
            template = line.product_id.product_tmpl_id.sudo()
            if template.rcep_origin_source != "bom":
                continue
            name = line.product_id.display_name
            current = template.rcep_assessment_id
            if not current:
                problems.append(
                    _(
                        "%s has no origin assessment from its bill of materials: an RCEP "
                        "manager assesses it (Assess now on its RCEP Origin tab).",
                        name,
                    )
                )
                continue
            if template.rcep_requal_pending:
                problems.append(
                    _(
                        "%s is queued for re-qualification (its prices, suppliers, "
                        "declarations or bill of materials changed): certify it once the "
                        "re-qualification has run.",
                        name,
                    )
                )
                continue
            if template.rcep_origin_lost:
                problems.append(
                    _(
                        "%(product)s lost its origin at the re-qualification of %(date)s: an "
                        "RCEP manager confirms the new assessment before new certificates.",
                        product=name,
                        date=current.assessed_on,
                    )
                )
                continue
            stale = template._rcep_mrp_stale_reason()
            if stale:
                problems.append(
                    _(
                        "%(product)s: its origin assessment of %(date)s is stale — %(why)s. "
                        "Re-assess it.",
                        product=name,
                        date=current.assessed_on,
                        why=stale,
                    )
                )
                continue
            problem = line._rcep_break_even_problem(current)
            if problem:
                problems.append(problem)
        return problems
