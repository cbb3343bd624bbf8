import json
import logging
import uuid

from odoo import api, fields, models, modules
from odoo.exceptions import AccessError, UserError

from ..originlink_bridge import check_statement, statement_valid_until
from ..tools import StatementConnector

_logger = logging.getLogger(__name__)
MANAGER = "rcep_eco.group_rcep_manager"
STATES = [
    ("draft", "Not published"),
    ("published", "Published"),
    ("withdrawn", "Withdrawn"),
    ("superseded", "Superseded by a renewal"),
]
SERVICE_STATES = ("published", "withdrawn", "superseded")


def _commit_unless_testing(env):
    """Persist what must survive a lost answer (the Idempotency-Key before a call); tests run
    in one transaction that is rolled back."""
    if not modules.module.current_test:
        env.cr.commit()


class RcepOriginStatement(models.Model):
    """One origin statement of a product as the OriginLink service signed it: the exporter's
    own statement that the product originates (never a certificate for a shipment). Every
    field here is public on the statement's verification page; nothing of how origin was
    worked out (costs, suppliers, materials) is in it."""

    _name = "rcep.origin.statement"
    _description = "RCEP Origin Statement"
    _order = "id desc"
    _rec_name = "product_name"

    product_tmpl_id = fields.Many2one(
        "product.template", string="Product", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda s: s.env.company)
    state = fields.Selection(STATES, default="draft", required=True, readonly=True)
    # What was signed (the statement's fields, as the service answered them).
    product_ref = fields.Char(string="Product Reference", readonly=True)
    product_name = fields.Char(readonly=True)
    hs_code = fields.Char(string="HS Code", readonly=True)
    hs_edition = fields.Char(string="HS Edition", readonly=True)
    agreement = fields.Char(readonly=True, default="RCEP")
    criterion = fields.Char(string="Origin Criterion", readonly=True)
    country_id = fields.Many2one("res.country", string="RCEP Country of Origin", readonly=True)
    assessed_on = fields.Date(string="Origin Assessed On", readonly=True)
    valid_from = fields.Date(readonly=True)
    valid_until = fields.Date(readonly=True)
    # The service's record and public links.
    service_id = fields.Char(string="Service Id", readonly=True, copy=False, index=True)
    public_id = fields.Char(readonly=True, copy=False)
    digest = fields.Char(readonly=True, copy=False)
    verify_url = fields.Char(string="Verification Link", readonly=True, copy=False)
    short_code = fields.Char(readonly=True, copy=False)
    embed_html = fields.Text(string="HTML for Other Websites", readonly=True, copy=False)
    sandbox = fields.Boolean(readonly=True, copy=False)
    supersedes_id = fields.Many2one("rcep.origin.statement", readonly=True, copy=False)
    withdraw_reason = fields.Char(readonly=True, copy=False)
    # The exchange with the service (a retry sends the same key and body).
    idempotency_key = fields.Char(readonly=True, copy=False)
    payload_json = fields.Text(readonly=True, copy=False)
    last_error = fields.Text(readonly=True, copy=False)

    _service_id_unique = models.Constraint(
        "UNIQUE(company_id, service_id)",
        "A service statement can be linked only once per company.",
    )

    # --- publishing -------------------------------------------------------------------------

    @api.model
    def _check_manager(self):
        if not (self.env.su or self.env.user.has_group(MANAGER)):
            raise AccessError(
                self.env._("Only an RCEP e-CO manager may publish or withdraw origin statements.")
            )

    @api.model
    def _document(self, product, previous=None):
        """The statement of `product` as its current assessment supports it; a UserError
        names what is missing when it does not."""
        product.ensure_one()
        problem = product._rcep_statement_blocker()
        if problem:
            raise UserError(problem)
        company = product.company_id or self.env.company
        today = fields.Date.context_today(self)
        assessed = product.rcep_assessed_on or today
        document = {
            "agreement": "RCEP",
            "exporter": {"name": company.name, "country": company.country_id.code or ""},
            "product": {
                # The reference stays the one the product was first published under, so that
                # a renewal is recognised as the same product.
                "reference": previous.product_ref if previous else product._rcep_reference(),
                "name": product.with_context(lang="en_US").name,
                "hs_code": product._rcep_statement_hs_code(),
                "hs_edition": product.rcep_hs_edition or "HS2022",
            },
            "origin_criterion": product.rcep_criterion,
            "country_of_origin": company._rcep_exporting_party(),
            "assessed_on": assessed.isoformat(),
            "valid_from": today.isoformat(),
            "valid_until": statement_valid_until(assessed).isoformat(),
        }
        ok, problems = check_statement(document, today)
        if not ok:
            raise UserError(
                self.env._(
                    "The origin statement of %(product)s cannot be published:\n%(problems)s",
                    product=product.display_name,
                    problems="\n".join(
                        f"- {p['message']}" + (f" ({p['article']})" if p.get("article") else "")
                        for p in problems
                    ),
                )
            )
        return document

    @api.model
    def _publish(self, product):
        """Publish (or renew) `product`'s statement through the service. Returns the statement
        record; on a refusal or a network failure, the error is kept on a draft and told to
        the user (the same click later sends the same request)."""
        self._check_manager()
        product = product.sudo()
        previous = product._rcep_live_statement()
        document = self._document(product, previous)
        payload = json.dumps(document, sort_keys=True)
        draft = self.search(
            [("product_tmpl_id", "=", product.id), ("state", "=", "draft")], limit=1
        )
        if draft and draft.payload_json != payload:
            draft.unlink()
            draft = self.browse()
        if not draft:
            draft = self.create(
                {
                    "product_tmpl_id": product.id,
                    "company_id": (product.company_id or self.env.company).id,
                    "idempotency_key": str(uuid.uuid4()),
                    "payload_json": payload,
                    "supersedes_id": previous.id,
                }
            )
            _commit_unless_testing(self.env)
        connector = StatementConnector(draft.company_id)
        if previous:
            reason = self.env._("renewed from Odoo with the product's current assessment")
            answer = connector.renew_statement(
                previous.service_id, document, reason, draft.idempotency_key
            )
        else:
            answer = connector.publish_statement(document, draft.idempotency_key)
        if answer.code == "statement_exists" and not previous:
            # The service holds a standing statement this database lost track of (a restore,
            # another database): take it back, then renew it.
            draft._adopt((answer.body or {}).get("statement_id"))
            draft.unlink()
            return self._publish(product)
        if not answer.ok:
            draft.last_error = answer.error
            return draft
        draft._apply(answer.body)
        if previous:
            previous.state = "superseded"
        product._rcep_sync_origin_tag()
        return draft

    def _adopt(self, service_id):
        """A standing statement of this product at the service, unknown here: read it and
        keep it as the product's published statement."""
        self.ensure_one()
        answer = StatementConnector(self.company_id).get_statement(service_id or "")
        if not answer.ok:
            raise UserError(answer.error)
        adopted = self.create(
            {"product_tmpl_id": self.product_tmpl_id.id, "company_id": self.company_id.id}
        )
        adopted._apply(answer.body)
        return adopted

    def _apply(self, body):
        """Keep what the service answered (its resource) and follow its state."""
        self.ensure_one()
        statement = body.get("statement") or {}
        product = statement.get("product") or {}
        links = body.get("links") or {}
        country = self.env["res.country"].search(
            [("code", "=", statement.get("country_of_origin"))], limit=1
        )
        self.write(
            {
                "state": body.get("state") if body.get("state") in SERVICE_STATES else "draft",
                "service_id": body.get("id"),
                "public_id": body.get("public_id"),
                "digest": body.get("digest"),
                "sandbox": bool(body.get("sandbox")),
                "verify_url": links.get("url"),
                "short_code": links.get("short_code"),
                "embed_html": links.get("embed_html"),
                "product_ref": product.get("reference"),
                "product_name": product.get("name"),
                "hs_code": product.get("hs_code"),
                "hs_edition": product.get("hs_edition"),
                "agreement": statement.get("agreement"),
                "criterion": statement.get("origin_criterion"),
                "country_id": country.id,
                "assessed_on": statement.get("assessed_on"),
                "valid_from": statement.get("valid_from"),
                "valid_until": statement.get("valid_until"),
                "last_error": False,
            }
        )

    def _withdraw(self, reason):
        self._check_manager()
        for statement in self.sudo():
            if statement.state != "published":
                raise UserError(
                    self.env._(
                        "Only a published statement can be withdrawn (%s).", statement.display_name
                    )
                )
            key = f"{statement.service_id}:withdraw"
            answer = StatementConnector(statement.company_id).withdraw_statement(
                statement.service_id, reason, key
            )
            if not answer.ok:
                statement.last_error = answer.error
                continue
            statement._apply(answer.body)
            statement.withdraw_reason = reason
            statement.product_tmpl_id._rcep_sync_origin_tag()
        return self

    def _refresh(self):
        """Follow the service: a statement withdrawn or renewed elsewhere shows so here."""
        for statement in self.sudo().filtered("service_id"):
            answer = StatementConnector(statement.company_id).get_statement(statement.service_id)
            if answer.ok:
                statement._apply(answer.body)
            elif not answer.transient:
                statement.last_error = answer.error
        self.product_tmpl_id._rcep_sync_origin_tag()

    @api.model
    def _cron_refresh(self):
        """Daily: the status of every published statement, and every product's origin tag
        (a statement expires with the date)."""
        self.search([("state", "=", "published")])._refresh()
        products = (
            self.env["product.template"]
            .sudo()
            .search(
                [
                    "|",
                    ("rcep_statement_ids", "!=", False),
                    ("product_tag_ids", "in", self._tag().ids),
                ]
            )
        )
        products._rcep_sync_origin_tag()

    @api.model
    def _tag(self):
        return (
            self.env.ref(
                "rcep_eco_website.product_tag_rcep_origin_statement", raise_if_not_found=False
            )
            or self.env["product.tag"]
        )

    # --- actions (form buttons) -------------------------------------------------------------

    def action_refresh(self):
        self._refresh()

    def action_open_withdraw(self):
        self.ensure_one()
        self._check_manager()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Withdraw Origin Statement"),
            "res_model": "rcep.statement.withdraw",
            "view_mode": "form",
            "target": "new",
            "context": {"default_statement_id": self.id},
        }
