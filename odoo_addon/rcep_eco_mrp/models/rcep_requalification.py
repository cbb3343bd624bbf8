import logging
import time

from odoo import api, fields, models

from .. import originlink_bridge as core

_logger = logging.getLogger(__name__)
STATES = [
    ("queued", "Queued"),
    ("running", "Running"),
    ("done", "Done"),
    ("failed", "Failed"),
]
BATCH = 50


class RcepRequalification(models.Model):
    """A queued re-qualification: the products whose assessment may have changed because a
    purchase price, a supplier, a declaration's validity, a BOM or a rule changed. Changes made
    while one is queued join it (one run for many edits, never one per keystroke); the cron
    `ir_cron_rcep_requalify` works through it in batches, committing its progress."""

    _name = "rcep.requalification"
    _description = "RCEP Re-qualification Job"
    _order = "id desc"

    name = fields.Char(required=True, readonly=True, default=lambda s: s.env._("New"))
    company_id = fields.Many2one("res.company", required=True, default=lambda s: s.env.company)
    state = fields.Selection(STATES, required=True, default="queued", readonly=True, index=True)
    trigger = fields.Text(readonly=True, help="What changed (one line per change).")
    product_tmpl_ids = fields.Many2many(
        "product.template", string="Products to Re-assess", readonly=True
    )
    done_ids = fields.Many2many(
        "product.template",
        "rcep_requalification_done_rel",
        string="Re-assessed",
        readonly=True,
    )
    total = fields.Integer(compute="_compute_progress", store=True)
    done_count = fields.Integer(compute="_compute_progress", store=True)
    progress = fields.Float(compute="_compute_progress", store=True, aggregator=False)
    started_at = fields.Datetime(readonly=True)
    finished_at = fields.Datetime(readonly=True)
    duration = fields.Float(string="Duration (s)", readonly=True, aggregator=False)
    error = fields.Text(readonly=True)
    assessment_ids = fields.One2many(
        "rcep.origin.assessment", "requalification_id", string="New Assessments", readonly=True
    )
    changed_count = fields.Integer(compute="_compute_outcome")
    lost_count = fields.Integer(compute="_compute_outcome")

    @api.depends("product_tmpl_ids", "done_ids")
    def _compute_progress(self):
        for job in self:
            job.total = len(job.product_tmpl_ids)
            job.done_count = len(job.done_ids)
            job.progress = 100.0 * job.done_count / job.total if job.total else 100.0

    @api.depends("assessment_ids")
    def _compute_outcome(self):
        for job in self:
            job.changed_count = len(job.assessment_ids.filtered("verdict_changed"))
            job.lost_count = len(job.assessment_ids.filtered("origin_lost"))

    # --- queueing ---------------------------------------------------------------------------

    @api.model
    def _enqueue(self, products, why):
        """Queue the products made from `products` (product.product, any BOM level) and those
        of them under origin management; joins the company's queued job if there is one."""
        if not products or self.env.context.get("rcep_no_requalify"):
            # (a bulk import says so: it queues what it needs itself, once)
            return self.browse()
        Template = self.env["product.template"].sudo()
        templates = Template._rcep_where_used(products.sudo())._rcep_tracked()
        if not templates:
            return self.browse()
        jobs = self.browse()
        by_company = {}
        for template in templates:
            company = template.company_id or self.env.company
            by_company.setdefault(company, Template.browse())
            by_company[company] |= template
        for company, items in by_company.items():
            job = self.sudo().search(
                [("state", "=", "queued"), ("company_id", "=", company.id)], limit=1
            )
            line = f"{fields.Datetime.to_string(fields.Datetime.now())} {why}"
            if job:
                job.write(
                    {
                        "product_tmpl_ids": [fields.Command.link(t.id) for t in items],
                        "trigger": f"{job.trigger}\n{line}",
                    }
                )
            else:
                job = self.sudo().create(
                    {
                        "name": self.env["ir.sequence"].sudo().next_by_code("rcep.requalification")
                        or self.env._("New"),
                        "company_id": company.id,
                        "trigger": line,
                        "product_tmpl_ids": [fields.Command.set(items.ids)],
                    }
                )
            items.with_context(rcep_no_requalify=True).write({"rcep_requal_pending": True})
            jobs |= job
        cron = self.env.ref("rcep_eco_mrp.ir_cron_rcep_requalify", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()
        return jobs

    # --- running ----------------------------------------------------------------------------

    @api.model
    def _cron_requalify(self):
        """Work through the queued jobs, a batch at a time, committing after each batch so the
        progress is visible and a time-out loses at most one batch. (Called outside a cron
        run, it works the same without committing.)"""
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        while True:
            job = self.search([("state", "in", ("queued", "running"))], order="id", limit=1)
            if not job:
                return
            remaining = job._run(in_cron=in_cron)
            if remaining is None:  # out of time: the cron is called again
                return

    def action_run_now(self):
        """Run this job now, in this request (managers; the cron does it otherwise)."""
        for job in self.filtered(lambda j: j.state in ("queued", "running")):
            job._run(in_cron=False)
        return True

    def _run(self, in_cron):
        self.ensure_one()
        job = self.sudo()
        if job.state == "queued":
            job.write({"state": "running", "started_at": fields.Datetime.now()})
            # later changes open a new job: this one's list is fixed now
        table = core.psr_table()
        started = time.monotonic()
        try:
            while True:
                todo = job.product_tmpl_ids - job.done_ids
                if not todo:
                    break
                batch = todo[:BATCH]
                batch.with_company(job.company_id)._rcep_mrp_assess(
                    job.trigger, job=job, table=table
                )
                job.write({"done_ids": [fields.Command.link(t.id) for t in batch]})
                if in_cron:
                    left = self.env["ir.cron"]._commit_progress(
                        len(batch), remaining=len(todo) - len(batch)
                    )
                    if not left:
                        return None
        except Exception as exc:
            if not in_cron:
                raise
            self.env.cr.rollback()
            job.write({"state": "failed", "error": str(exc), "finished_at": fields.Datetime.now()})
            _logger.exception("re-qualification %s failed", job.name)
            self.env["ir.cron"]._commit_progress(0)
            return 0
        elapsed = time.monotonic() - started
        job.write(
            {
                "state": "done",
                "finished_at": fields.Datetime.now(),
                "duration": (job.duration or 0.0) + elapsed,
            }
        )
        _logger.info(
            "re-qualification %s: %d products in %.2f s (%d new assessments, %d lost origin)",
            job.name,
            job.total,
            elapsed,
            len(job.assessment_ids),
            job.lost_count,
        )
        return 0

    @api.model
    def _cron_requalify_all(self):
        """Nightly: every product under origin management is checked again (rules imported or
        overridden in the PSR directory are seen; products whose assessment is unchanged get no
        new record)."""
        templates = self.env["product.template"].sudo().search([("rcep_origin_source", "=", "bom")])
        templates = templates._rcep_tracked()
        if templates:
            self._enqueue(
                templates.product_variant_ids, self.env._("nightly check (rules, declarations)")
            )
