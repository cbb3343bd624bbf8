import json
from collections import defaultdict
from decimal import Decimal

from odoo import api, fields, models
from odoo.addons.rcep_eco.models import rcep_labels
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from .. import originlink_bridge as core
from ..tools.bom_rollup import BomRollup, to_json
from .rcep_origin_assessment import SOURCES, input_hash

_lt = LazyTranslate(__name__)
_MANAGER = "rcep_eco.group_rcep_manager"

# Words for this module's reason codes, next to the core's (rcep_eco's labels).
rcep_labels.REASON_LABELS.update(
    {
        "SUPPLIER_DECLARATION_MISSING": _lt(
            "No supplier origin declaration: material of undetermined origin"
        ),
        "SUPPLIER_DECLARATION_EXPIRED": _lt(
            "Supplier origin declaration expired: material of undetermined origin"
        ),
        "SUPPLIER_DECLARATION_REQUESTED": _lt(
            "Supplier origin declaration requested, not provided yet"
        ),
        "SUPPLIER_UNKNOWN": _lt("No supplier known: material of undetermined origin"),
    }
)
# Product data the assessment reads: a change re-qualifies the product and every product made
# from it (issue 12.5).
ASSESSED_FIELDS = frozenset(
    {"hs_code", "rcep_hs_edition", "rcep_psr_override", "rcep_fob_amount", "rcep_cost_profit",
     "rcep_cost_other", "rcep_wholly_obtained", "rcep_minimal_operations", "weight",
     "standard_price", "categ_id", "uom_id", "seller_ids"}
)  # fmt: skip
ASSESSMENT_STATES = [
    ("live", "Assessed from typed materials"),
    ("missing", "Not assessed yet"),
    ("pending", "Re-qualification queued"),
    ("lost", "Origin lost: to confirm"),
    ("expired", "Stale: a declaration expired"),
    ("current", "Current"),
]


class ProductTemplate(models.Model):
    _inherit = "product.template"

    rcep_origin_source = fields.Selection(
        SOURCES,
        string="Origin Assessed From",
        compute="_compute_rcep_origin_source",
        store=True,
        help="Bill of materials: the product is qualified from its manufacturing BOM (every "
        "level), purchase prices and suppliers' declarations. Typed materials: from the "
        "materials a manager typed on the RCEP Origin tab.",
    )
    rcep_assessment_id = fields.Many2one(
        "rcep.origin.assessment",
        string="Current Assessment",
        readonly=True,
        copy=False,
        groups=_MANAGER,
    )
    rcep_assessment_ids = fields.One2many(
        "rcep.origin.assessment", "product_tmpl_id", string="Assessments", groups=_MANAGER
    )
    rcep_assessed_at = fields.Datetime(string="Assessed At", readonly=True, copy=False)
    rcep_checked_at = fields.Datetime(
        string="Last Checked",
        readonly=True,
        copy=False,
        help="Last re-qualification; when nothing had changed, the assessment stays the one "
        "made at 'Assessed At'.",
    )
    rcep_requal_pending = fields.Boolean(
        string="Re-qualification Queued", readonly=True, copy=False
    )
    rcep_origin_lost = fields.Boolean(
        string="Origin Lost (to Confirm)",
        readonly=True,
        copy=False,
        help="The last re-qualification found the product no longer originating. New "
        "certificates are blocked until a manager confirms the new assessment.",
    )
    rcep_assessment_state = fields.Selection(
        ASSESSMENT_STATES, string="Assessment", compute="_compute_rcep_assessment_state"
    )
    rcep_break_even_fob = fields.Monetary(
        related="rcep_assessment_id.break_even_fob", groups=_MANAGER, currency_field="currency_id"
    )
    rcep_vnm_headroom = fields.Monetary(
        related="rcep_assessment_id.vnm_headroom", groups=_MANAGER, currency_field="currency_id"
    )
    rcep_flip_summary = fields.Text(related="rcep_assessment_id.flip_summary", groups=_MANAGER)
    rcep_valuation_basis = fields.Text(
        related="rcep_assessment_id.valuation_basis", groups=_MANAGER
    )

    # --- where the origin comes from --------------------------------------------------------

    @api.depends("bom_ids.type", "bom_ids.active")
    def _compute_rcep_origin_source(self):
        for product in self:
            boms = product.bom_ids.filtered(lambda b: b.type == "normal" and b.active)
            product.rcep_origin_source = "bom" if boms else "manual"

    @api.depends("rcep_origin_source", "rcep_requal_pending", "rcep_origin_lost")
    @api.depends_context("uid")
    def _compute_rcep_assessment_state(self):
        today = fields.Date.context_today(self)
        for product in self:
            current = product.sudo().rcep_assessment_id
            if product.rcep_origin_source != "bom":
                state = "live"
            elif not current:
                state = "missing"
            elif product.rcep_requal_pending:
                state = "pending"
            elif product.rcep_origin_lost:
                state = "lost"
            elif current.valid_until and today > current.valid_until:
                state = "expired"
            else:
                state = "current"
            product.rcep_assessment_state = state

    # --- rcep_eco's qualification, fed from the stored assessment ---------------------------

    @api.depends("rcep_origin_source", "rcep_assessment_id")
    def _compute_rcep_assessment(self):
        from_bom = self.filtered(lambda p: p.rcep_origin_source == "bom")
        super(ProductTemplate, self - from_bom)._compute_rcep_assessment()
        for product in from_bom:
            product.update(product.sudo().rcep_assessment_id._rcep_product_values())

    @api.depends(
        "rcep_origin_source", "rcep_assessment_id", "rcep_requal_pending", "rcep_origin_lost"
    )
    def _compute_rcep_readiness(self):
        super()._compute_rcep_readiness()
        for product in self.filtered(lambda p: p.rcep_origin_source == "bom"):
            extra = product._rcep_mrp_missing()
            if extra:
                product.rcep_missing = ", ".join(m for m in [product.rcep_missing, *extra] if m)
                product.rcep_ready = False

    def _rcep_mrp_missing(self):
        self.ensure_one()
        current = self.sudo().rcep_assessment_id
        if not current:
            return [
                self.env._(
                    "origin not assessed from the bill of materials yet (an RCEP manager runs "
                    "the assessment)"
                )
            ]
        missing = []
        if self.rcep_requal_pending:
            missing.append(
                self.env._(
                    "re-qualification queued (prices, suppliers, declarations or BOM changed)"
                )
            )
        if self.rcep_origin_lost:
            missing.append(
                self.env._(
                    "origin lost at the re-qualification of %s: an RCEP manager confirms the "
                    "new assessment",
                    fields.Datetime.to_string(current.assessed_at)[:16],
                )
            )
        return missing

    # --- re-qualification triggers ----------------------------------------------------------

    def write(self, vals):
        result = super().write(vals)
        if ASSESSED_FIELDS & set(vals) and not self.env.context.get("rcep_no_requalify"):
            self.env["rcep.requalification"]._enqueue(
                self.product_variant_ids,
                self.env._(
                    "product data changed: %s", ", ".join(sorted(ASSESSED_FIELDS & set(vals)))
                ),
            )
        return result

    @api.model
    def _rcep_where_used(self, products):
        """The templates of `products` and of every product made from them, at any level."""
        templates = products.product_tmpl_id
        todo, seen = products, set()
        Line = self.env["mrp.bom.line"].sudo()
        while todo:
            seen.update(todo.ids)
            boms = Line.search([("product_id", "in", todo.ids)]).bom_id.filtered("active")
            templates |= boms.product_tmpl_id
            parents = (
                boms.product_id
                | boms.filtered(lambda b: not b.product_id).product_tmpl_id.product_variant_ids
            )
            todo = parents.filtered(lambda p: p.id not in seen)
        return templates

    def _rcep_tracked(self):
        """Products under origin management: qualified from a BOM and with origin data (an HS
        code and a criterion, a FOB value or an assessment already)."""
        return self.filtered(
            lambda p: (
                p.rcep_origin_source == "bom"
                and p.hs_code
                and (p.rcep_criterion or p.sudo().rcep_fob_amount or p.sudo().rcep_assessment_id)
            )
        )

    # --- assessing --------------------------------------------------------------------------

    def _rcep_mrp_build(self, company, changes=None, date=None):
        """{template id: Built} for BOM products; the typed-materials input for the others."""
        rollup = BomRollup(self.env(su=True), company, date=date, changes=changes)
        built = rollup.build(self.sudo())
        return built

    def _rcep_mrp_assess(self, trigger, job=None, table=None):
        """Assess these products now with the core engine and store each result that differs
        from the current one (a new record; the previous one stays, Art 3.27). Returns the
        records created."""
        table = table or core.psr_table()
        created = self.env["rcep.origin.assessment"]
        by_company = defaultdict(lambda: self.browse())
        for product in self:
            by_company[product.company_id or self.env.company] |= product
        for company, products in by_company.items():
            built = products._rcep_mrp_build(company)
            for product in products.sudo():
                created |= product._rcep_mrp_store(built[product.id], company, trigger, job, table)
        return created

    def _rcep_mrp_store(self, built, company, trigger, job, table):
        self.ensure_one()
        Assessment = self.env["rcep.origin.assessment"].sudo()
        now = fields.Datetime.now()
        if built.input is None and not built.problems:
            data, source, evidence = self._rcep_assessment_input(), "manual", []
        else:
            data, source, evidence = built.input, "bom", built.evidence
        problems = list(built.problems)
        result = marg = result_text = None
        if data is not None:
            assessment, input_problems = core.assess(data, table)
            if assessment is not None:
                # pydantic writes the JSON (a 2,000-line BOM's answer holds 500 intermediate
                # assessments): several times faster than json.dumps of the dict
                result_text = assessment.to_json()
                result = json.loads(result_text)
                marg = core.margin(
                    data, table, assessment, max_checks=self._rcep_margin_checks(data)
                )
            else:
                problems += input_problems
        digest = input_hash(data) if data is not None else False
        current = self.rcep_assessment_id
        same = (
            current
            and current.input_sha256 == digest
            and current.rule == (result or {}).get("rule")
            and current.verdict == _verdict(result, problems)
            and json.loads(current.problems_json or "[]") == problems
        )
        self.with_context(rcep_no_requalify=True).write(
            {"rcep_checked_at": now, "rcep_requal_pending": False}
        )
        if same:
            return Assessment
        verdict = _verdict(result, problems)
        was_originating = current.verdict == "originating" if current else False
        vals = {
            "product_tmpl_id": self.id,
            "company_id": company.id,
            "source": source,
            "bom_id": built.bom.id or False,
            "assessed_at": now,
            "assessed_on": fields.Date.context_today(self),
            "trigger": trigger,
            "requalification_id": job.id if job else False,
            "previous_id": current.id or False,
            "is_current": True,
            "engine_version": core.engine_version(),
            "input_json": to_json(data) if data is not None else False,
            "input_sha256": digest,
            "result_json": result_text or False,
            "evidence_json": to_json(evidence),
            "reasons_json": json.dumps(built.reasons, ensure_ascii=False),
            "problems_json": json.dumps(problems, ensure_ascii=False),
            "margin_json": json.dumps(marg, ensure_ascii=False) if marg else False,
            "valuation_basis": _basis_text(self.env, built.bases, company)
            if source == "bom"
            else self.env._(
                "Values typed by an RCEP manager on the product (%s).", company.currency_id.name
            ),
            "verdict": verdict,
            "currency_id": company.currency_id.id,
            "valid_until": built.valid_until,
            "declaration_ids": [fields.Command.set(sorted(built.declarations))],
            "origin_lost": was_originating and verdict != "originating",
            "verdict_changed": bool(current) and current.verdict != verdict,
        }
        if result:
            vals.update(
                criterion=result["criterion"],
                criteria_met=", ".join(result["criteria_met"]),
                criterion_basis=result.get("criterion_basis"),
                rule=result["rule"],
                rule_source=result["rule_source"],
                rule_status=result["rule_status"],
                fob=float(data["fob"]["amount"]),
                vnm=float(Decimal(result["rvc"]["vnm"])),
                rvc_build_down=result["rvc"]["build_down"],
                rvc_build_up=result["rvc"]["build_up"],
            )
        if marg:
            vals.update(
                break_even_fob=float(Decimal(marg["break_even_fob"]))
                if marg["break_even_fob"]
                else 0.0,
                vnm_headroom=float(Decimal(marg["vnm_headroom"])) if marg["vnm_headroom"] else 0.0,
                flip_summary=_flip_text(self.env, marg, evidence),
            )
        record = Assessment.create(vals)
        current.is_current = False
        updates = {"rcep_assessment_id": record.id, "rcep_assessed_at": now}
        if vals["origin_lost"]:
            updates["rcep_origin_lost"] = True
        elif verdict == "originating" and self.rcep_origin_lost:
            updates["rcep_origin_lost"] = False
        self.with_context(rcep_no_requalify=True).write(updates)
        if vals["origin_lost"]:
            self._rcep_origin_lost_activity(record)
        if source == "manual":
            # rcep_eco's own fields follow the typed materials; recompute them with the table
            # of this run (a rule change in the PSR directory is seen here).
            self.env.add_to_compute(self._fields["rcep_verdict"], self)
        return record

    def _rcep_margin_checks(self, data):
        """Bound the what-flips search by the BOM's size: each check is a whole assessment
        (the what-if and the assessment record say how many were made)."""
        lines = _count_lines(data)
        return 32 if lines <= 200 else 8 if lines <= 1000 else 4

    def _rcep_origin_lost_activity(self, record):
        managers = self.env.ref(_MANAGER).user_ids.filtered(lambda u: not u.share and u.active)
        user = self.responsible_id if self.responsible_id in managers else managers[:1]
        previous = record.previous_id
        self.activity_schedule(
            "rcep_eco_mrp.mail_activity_origin_lost",
            user_id=(user or self.env.user).id,
            summary=self.env._("Origin lost: %s", self.display_name),
            note=self.env._(
                "Re-qualification (%(trigger)s) found %(product)s %(verdict)s; it was "
                "originating (%(criterion)s) on %(before)s. New certificates of origin are "
                "blocked until you confirm the new assessment.",
                trigger=record.trigger or "",
                product=self.display_name,
                verdict=dict(record._fields["verdict"]._description_selection(self.env)).get(
                    record.verdict
                ),
                criterion=previous.criterion or "",
                before=previous.assessed_on,
            ),
        )
        self.message_post(
            body=self.env._(
                "Origin lost at re-qualification (%s); new certificates are blocked until an "
                "RCEP manager confirms.",
                record.trigger or "",
            ),
            subtype_xmlid="mail.mt_note",
        )

    # --- staleness (certificates) -----------------------------------------------------------

    def _rcep_mrp_stale_reason(self):
        """None when the stored assessment still describes the product, else why not: the
        input rebuilt from today's data (prices, rates, suppliers, declarations, BOM, origin
        data) differs from the stored one, a declaration it used has expired, or the engine
        now reaches another result on the same input (a rule imported or overridden)."""
        self.ensure_one()
        current = self.sudo().rcep_assessment_id
        if not current:
            return self.env._("it has not been assessed")
        built = self._rcep_mrp_build(current.company_id)[self.id]
        if built.input is None and not built.problems:
            data = self.sudo()._rcep_assessment_input()
        else:
            data = built.input
        fresh = input_hash(data) if data is not None else False
        reason = current._stale_reason(fresh_hash=fresh)
        if reason or data is None or current.verdict == "invalid":
            return reason
        assessment, _problems = core.assess(data, core.psr_table())
        if assessment is None:
            return self.env._("its inputs can no longer be assessed")
        now = (assessment.rule, ", ".join(assessment.criteria_met))
        if now != (current.rule, current.criteria_met or ""):
            return self.env._(
                "the rule applied now gives another result (%(old_rule)s: %(old)s; now "
                "%(rule)s: %(new)s)",
                old_rule=current.rule or "-",
                old=current.criteria_met or "-",
                rule=now[0] or "-",
                new=now[1] or "-",
            )
        return None

    # --- buttons ----------------------------------------------------------------------------

    def action_rcep_assess_now(self):
        self.env["rcep.origin.assessment"].check_access("create")
        created = self._rcep_mrp_assess(self.env._("assessed by %s", self.env.user.name))
        if created:
            return True
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._("Nothing changed since the last assessment."),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_rcep_open_assessment(self):
        self.ensure_one()
        current = self.sudo().rcep_assessment_id
        if not current:
            raise UserError(self.env._("%s has not been assessed yet.", self.display_name))
        return {
            "type": "ir.actions.act_window",
            "res_model": "rcep.origin.assessment",
            "res_id": current.id,
            "view_mode": "form",
        }

    def action_rcep_confirm_origin(self):
        for product in self:
            product.sudo().rcep_assessment_id.action_confirm()
        return True

    def action_rcep_whatif(self):
        self.ensure_one()
        wizard = self.env["rcep.whatif.wizard"].create({"product_tmpl_id": self.id})
        return wizard._open()

    def action_rcep_request_declarations(self):
        """Ask each supplier whose declaration is missing or expired for the products of this
        BOM (one request per supplier and component)."""
        self.ensure_one()
        current = self.sudo().rcep_assessment_id
        if not current:
            raise UserError(self.env._("Assess %s first.", self.display_name))
        Decl = self.env["rcep.supplier.declaration"]
        requested = Decl
        seen = set()
        for ev in current._evidence():
            if ev.get("origin_status") not in ("missing", "expired") or not ev.get("supplier_id"):
                continue
            product = self.env["product.product"].browse(ev["product"])
            key = (ev["supplier_id"], product.product_tmpl_id.id)
            if key in seen:
                continue
            seen.add(key)
            previous = Decl.browse(ev.get("declaration_id") or [])
            if previous:
                requested |= previous.action_request_renewal()
            else:
                decl = Decl.create(
                    {
                        "partner_id": ev["supplier_id"],
                        "product_tmpl_id": product.product_tmpl_id.id,
                        "company_id": current.company_id.id,
                    }
                )
                decl.action_request()
                requested |= decl
        if not requested:
            raise UserError(self.env._("No declaration is missing or expired."))
        return {
            "type": "ir.actions.act_window",
            "res_model": "rcep.supplier.declaration",
            "domain": [("id", "in", requested.ids)],
            "view_mode": "list,form",
            "name": self.env._("Requested Declarations"),
        }


def _count_lines(data):
    return sum(
        1 + (_count_lines(m["produced"]) if "produced" in m else 0)
        for m in data.get("materials", ())
    )


def _verdict(result, problems):
    if result is None or problems:
        return "invalid"
    return result["verdict"]


def _basis_text(env, bases, company):
    words = {
        "purchase_order": env._("last confirmed purchase order price"),
        "landed_cost": env._("purchase price plus landed costs (stock_landed_costs)"),
        "vendor_pricelist": env._("vendor price list (no confirmed purchase order)"),
        "product_cost": env._("product cost (no purchase price known)"),
        "what_if": env._("what-if values"),
        "none": env._("no price known"),
        "profit_derived": env._("profit = FOB - materials - labour - overhead - other costs"),
    }
    used = [words[b] for b in ("purchase_order", "landed_cost", "vendor_pricelist", "product_cost",
                               "none", "what_if", "profit_derived") if b in bases]  # fmt: skip
    return env._(
        "Material values per unit of product in %(currency)s at Odoo's exchange rates, from: "
        "%(bases)s. Labour and overhead from the work centres' hourly costs and the operations' "
        "durations.",
        currency=company.currency_id.name,
        bases="; ".join(used) or env._("no purchased material"),
    )


def _flip_text(env, marg, evidence):
    flip = marg.get("flip")
    if not flip:
        if marg.get("checked", 0) < marg.get("candidates", 0):
            return env._(
                "No single material found within %(n)s checks (of %(m)s candidates).",
                n=marg["checked"],
                m=marg["candidates"],
            )
        return env._("No single material's origin or price changes the verdict.")
    names = {e["id"]: e.get("name") for e in evidence}
    path = flip["material"].split("/")
    name = " / ".join(names.get(p, p) for p in path)
    change = {
        "loses_origin": env._("loses its origin (e.g. its declaration expires)"),
        "gains_origin": env._("becomes originating (a declaration from an RCEP supplier)"),
        "price_rise": env._("costs %s per unit (price rise)", flip["new_value"]),
        "price_drop": env._("costs %s per unit (price cut)", flip["new_value"]),
    }[flip["change"]]
    return env._(
        "%(material)s (now %(value)s) %(change)s: the product becomes %(verdict)s.",
        material=name,
        value=flip["value"],
        change=change,
        verdict=dict(
            env["product.template"]._fields["rcep_verdict"]._description_selection(env)
        ).get(flip["verdict"], flip["verdict"]),
    )
