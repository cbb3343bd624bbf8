import hashlib
import json
from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.rcep_eco.originlink_bridge import CRITERIA
from odoo.exceptions import UserError

from ..tools.bom_rollup import to_json

VERDICTS = [
    ("originating", "Originating"),
    ("not_originating", "Not originating"),
    ("undetermined", "Undetermined"),
    ("invalid", "Cannot be assessed"),
]
SOURCES = [("bom", "Bill of materials"), ("manual", "Typed materials")]
# Art 3.27: records kept at least three years from the issue of a proof of origin.
KEEP_YEARS = 3
# Written once; only the confirmation and the "current" mark change afterwards.
_MUTABLE = frozenset({"is_current", "confirmed_by_id", "confirmed_on", "confirmation_note"})


def input_hash(data):
    """The fingerprint of an assessment input: equal inputs, equal hashes (key order and
    amounts written canonically)."""
    text = to_json(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class RcepOriginAssessment(models.Model):
    """One assessment of a product by the core engine, stored as it was made: the exact input
    (materials and their values, costs, FOB), the rule and the result with its reasons, the
    evidence of each material (price paid, supplier, declaration) and the date — the record
    behind a certificate, to be produced on request for at least three years (Art 3.27)."""

    _name = "rcep.origin.assessment"
    _description = "RCEP Origin Assessment"
    _order = "assessed_at desc, id desc"
    _rec_name = "display_name"

    product_tmpl_id = fields.Many2one(
        "product.template", required=True, index=True, ondelete="restrict", readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    source = fields.Selection(SOURCES, required=True, readonly=True)
    bom_id = fields.Many2one("mrp.bom", readonly=True, ondelete="set null")
    assessed_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    assessed_on = fields.Date(
        string="Assessed On", required=True, readonly=True, help="Prices, rates and "
        "declarations were read as on this date."
    )  # fmt: skip
    user_id = fields.Many2one("res.users", readonly=True, default=lambda s: s.env.user)
    trigger = fields.Text(readonly=True, help="Why it was (re-)assessed.")
    requalification_id = fields.Many2one("rcep.requalification", readonly=True, index=True)
    previous_id = fields.Many2one("rcep.origin.assessment", readonly=True)
    is_current = fields.Boolean(readonly=True, index=True)
    engine_version = fields.Char(readonly=True)
    input_json = fields.Text(string="Engine Input", readonly=True)
    input_sha256 = fields.Char(readonly=True, index=True)
    result_json = fields.Text(string="Engine Result", readonly=True)
    evidence_json = fields.Text(string="Evidence", readonly=True)
    reasons_json = fields.Text(string="Evidence Reasons", readonly=True)
    problems_json = fields.Text(readonly=True)
    margin_json = fields.Text(readonly=True)
    valuation_basis = fields.Text(readonly=True)
    verdict = fields.Selection(VERDICTS, readonly=True, index=True)
    criterion = fields.Selection(CRITERIA, string="Recommended Criterion", readonly=True)
    criteria_met = fields.Char(readonly=True)
    criterion_basis = fields.Char(readonly=True)
    rule = fields.Char(readonly=True)
    rule_source = fields.Text(readonly=True)
    rule_status = fields.Char(readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    fob = fields.Monetary(string="FOB per Unit", readonly=True)
    vnm = fields.Monetary(string="VNM per Unit", readonly=True)
    rvc_build_down = fields.Char(string="RVC Build-down (%)", readonly=True)
    rvc_build_up = fields.Char(string="RVC Build-up (%)", readonly=True)
    break_even_fob = fields.Monetary(
        string="Break-even FOB",
        readonly=True,
        help="Below this FOB per unit the regional value content of the rule fails (Art 3.5, "
        "build-down at this VNM).",
    )
    vnm_headroom = fields.Monetary(readonly=True)
    flip_summary = fields.Text(string="Material that Would Flip the Verdict", readonly=True)
    valid_until = fields.Date(
        readonly=True,
        help="The earliest end of validity of the supplier declarations used: after it the "
        "assessment is stale.",
    )
    declaration_ids = fields.Many2many(
        "rcep.supplier.declaration", string="Declarations Used", readonly=True
    )
    origin_lost = fields.Boolean(
        readonly=True, help="The product was originating in the previous assessment, not now."
    )
    verdict_changed = fields.Boolean(readonly=True)
    confirmed_by_id = fields.Many2one("res.users", readonly=True)
    confirmed_on = fields.Datetime(readonly=True)
    confirmation_note = fields.Text(readonly=True)
    certificate_line_ids = fields.One2many(
        "rcep.certificate.line", "rcep_assessment_id", string="Certificate Items", readonly=True
    )
    keep_until = fields.Date(compute="_compute_keep_until")

    @api.depends("product_tmpl_id", "assessed_at", "verdict")
    def _compute_display_name(self):
        labels = dict(VERDICTS)
        for rec in self:
            rec.display_name = self.env._(
                "%(product)s, %(when)s: %(verdict)s",
                product=rec.product_tmpl_id.display_name,
                when=fields.Datetime.to_string(rec.assessed_at)[:16] if rec.assessed_at else "",
                verdict=labels.get(rec.verdict, rec.verdict or ""),
            )

    @api.depends("assessed_on", "certificate_line_ids.certificate_id.issue_date")
    def _compute_keep_until(self):
        for rec in self:
            dates = [d for d in rec.certificate_line_ids.certificate_id.mapped("issue_date") if d]
            last = max(dates) if dates else rec.assessed_on
            rec.keep_until = last and last.replace(year=last.year + KEEP_YEARS) + timedelta(days=1)

    # --- a record, not a draft --------------------------------------------------------------

    def write(self, vals):
        frozen = set(vals) - _MUTABLE
        if frozen and not self.env.context.get("rcep_assessment_init"):
            raise UserError(
                self.env._(
                    "An origin assessment is a record of what was assessed and cannot be changed "
                    "(%s). Re-assess the product instead.",
                    ", ".join(sorted(frozen)),
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never_within_retention(self):
        today = fields.Date.context_today(self)
        for rec in self:
            if rec.certificate_line_ids or (rec.keep_until and rec.keep_until > today):
                raise UserError(
                    self.env._(
                        "%(rec)s is kept until %(date)s: records behind certificates of origin "
                        "are kept at least three years (Art 3.27).",
                        rec=rec.display_name,
                        date=rec.keep_until,
                    )
                )

    # --- reading ----------------------------------------------------------------------------

    def _result(self):
        self.ensure_one()
        return json.loads(self.result_json or "null")

    def _input(self):
        self.ensure_one()
        return json.loads(self.input_json or "null")

    def _evidence(self):
        self.ensure_one()
        return json.loads(self.evidence_json or "[]")

    def _reasons(self):
        """The module's reasons (declarations, suppliers), then the engine's."""
        self.ensure_one()
        own = json.loads(self.reasons_json or "[]")
        result = self._result() or {}
        return own + result.get("reasons", [])

    def _problems(self):
        self.ensure_one()
        return json.loads(self.problems_json or "[]")

    def _margin(self):
        self.ensure_one()
        return json.loads(self.margin_json or "null")

    def _rcep_product_values(self):
        """rcep_eco's qualification fields of the product, from this assessment (empty when
        there is none): what users see and what readiness and certificates read."""
        values = dict.fromkeys(
            ("rcep_assessment_json", "rcep_verdict", "rcep_rule", "rcep_criteria_met",
             "rcep_reasons", "rcep_reason_codes"),
            False,
        )  # fmt: skip
        values["rcep_originating"] = False
        if not self:
            return values
        result, problems = self._result(), self._problems()
        own = json.loads(self.reasons_json or "[]")
        if result is None or problems:
            values["rcep_assessment_json"] = json.dumps({"problems": problems})
            values["rcep_reasons"] = "\n".join(
                f"[{p.get('article') or 'input'}] {p.get('path')}: {p['message']}" for p in problems
            )
            return values
        reasons = own + result["reasons"]
        values.update(
            rcep_assessment_json=self.result_json,
            rcep_verdict=result["verdict"],
            rcep_originating=bool(result["originating"]),
            rcep_rule=result["rule"],
            rcep_criteria_met=", ".join(result["criteria_met"]),
            rcep_reasons="\n".join(f"[{r['article']}] {r['text']}" for r in reasons),
            rcep_reason_codes=json.dumps([[r["code"], r["article"]] for r in reasons]),
        )
        return values

    def _stale_reason(self, fresh_hash=None, today=None):
        """None when this assessment still describes the product, else why not, in words."""
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        if self.valid_until and today > self.valid_until:
            return self.env._("a supplier declaration it relied on expired on %s", self.valid_until)
        if fresh_hash is not None and fresh_hash != self.input_sha256:
            return self.env._(
                "its inputs have changed since %s (prices, suppliers, declarations, bill of "
                "materials or origin data)",
                self.assessed_on,
            )
        return None

    def action_confirm(self):
        """A manager has seen the loss of origin: new certificates are no longer blocked."""
        for rec in self:
            rec.write({"confirmed_by_id": self.env.user.id, "confirmed_on": fields.Datetime.now()})
            rec.product_tmpl_id.sudo().write({"rcep_origin_lost": False})
            activities = rec.product_tmpl_id.activity_ids.filtered(
                lambda a: (
                    a.activity_type_id
                    == self.env.ref(
                        "rcep_eco_mrp.mail_activity_origin_lost", raise_if_not_found=False
                    )
                )
            )
            activities.action_feedback(
                feedback=self.env._("Loss of origin confirmed by %s.", self.env.user.name)
            )
        return True

    def action_download_record(self):
        """The whole record as one JSON file (what was assessed, how, with what evidence)."""
        self.ensure_one()
        payload = {
            "product": self.product_tmpl_id.display_name,
            "assessed_at": fields.Datetime.to_string(self.assessed_at),
            "assessed_on": str(self.assessed_on),
            "engine_version": self.engine_version,
            "trigger": self.trigger,
            "valuation_basis": self.valuation_basis,
            "input": self._input(),
            "input_sha256": self.input_sha256,
            "result": self._result(),
            "evidence_reasons": json.loads(self.reasons_json or "[]"),
            "evidence": self._evidence(),
            "margin": self._margin(),
            "declarations": [
                {
                    "number": d.name,
                    "supplier": d.partner_id.display_name,
                    "reference": d.reference,
                    "originating": d.originating,
                    "country": d.country_id.code,
                    "valid_from": str(d.date_from or ""),
                    "valid_to": str(d.date_to or ""),
                }
                for d in self.declaration_ids
            ],
        }
        reference = self.product_tmpl_id.default_code or self.product_tmpl_id.id
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"origin-record-{reference}-{self.id}.json",
                "raw": json.dumps(payload, ensure_ascii=False, indent=2).encode(),
                "mimetype": "application/json",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true"}
