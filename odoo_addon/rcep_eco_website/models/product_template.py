import re

from odoo import api, fields, models

MANAGER = "rcep_eco.group_rcep_manager"


def _country_name(country, lang):
    """A country's name in the visitor's language from CLDR (Babel, which Odoo uses): the
    same names as the statement's verification page, whatever translations are loaded."""
    from babel import Locale, UnknownLocaleError  # noqa: PLC0415

    try:
        return Locale.parse(lang or "en_US").territories.get(country.code) or country.name
    except (UnknownLocaleError, ValueError):
        return country.name


class ProductTemplate(models.Model):
    _inherit = "product.template"

    rcep_statement_ids = fields.One2many(
        "rcep.origin.statement", "product_tmpl_id", string="Origin Statements", groups=MANAGER
    )
    # When the core last assessed the product's origin (any change of its origin data or
    # costs re-assesses it): what a published statement's "assessed on" says.
    rcep_assessed_on = fields.Date(
        string="Origin Assessed On", compute="_compute_rcep_assessed_on", store=True
    )
    rcep_statement_state = fields.Selection(
        [
            ("none", "Not published"),
            ("current", "Published and current"),
            ("not_current", "Published, but not shown"),
        ],
        string="Origin Statement",
        compute="_compute_rcep_statement_state",
        help="Current: the statement stands today and the product's assessment still supports "
        "it, so the shop shows its origin badge.",
    )
    rcep_statement_note = fields.Char(
        string="Origin Statement Note", compute="_compute_rcep_statement_state"
    )

    @api.depends("rcep_assessment_json")
    def _compute_rcep_assessed_on(self):
        today = fields.Date.context_today(self)
        for product in self:
            product.rcep_assessed_on = today

    # --- what a statement may say ---------------------------------------------------------

    def _rcep_statement_hs_code(self):
        """The product's 6-digit HS subheading (rcep_eco keeps one HS code per product; its
        field is `rcep_hs_code`, becoming Odoo's `hs_code`)."""
        self.ensure_one()
        code = self.rcep_hs_code if "rcep_hs_code" in self._fields else self.hs_code
        digits = re.sub(r"\D", "", code or "")
        return digits[:6] if len(digits) >= 6 else ""

    def _rcep_reference(self):
        """The product's reference in its statements: its internal reference, else its id."""
        self.ensure_one()
        return self.default_code or f"odoo-product-{self.id}"

    def _rcep_statement_blocker(self):
        """Why the product's current assessment does not support an origin statement (a
        sentence), or False. Needs sudo: it reads the manager-only assessment."""
        self.ensure_one()
        if not self._rcep_statement_hs_code():
            return self.env._("%s has no 6-digit HS code.", self.display_name)
        if not self.rcep_criterion:
            return self.env._("%s has no claimed origin criterion.", self.display_name)
        if not self.rcep_originating:
            return self.env._(
                "%s does not originate according to its assessment: an origin statement "
                "cannot say it does.",
                self.display_name,
            )
        met = [c.strip() for c in (self.rcep_criteria_met or "").split(",")]
        if self.rcep_criterion not in met:
            return self.env._(
                "The claimed criterion %(criterion)s of %(product)s is not met according to its "
                "assessment (met: %(met)s).",
                criterion=self.rcep_criterion,
                product=self.display_name,
                met=", ".join(filter(None, met)) or "-",
            )
        return False

    def _rcep_live_statement(self):
        """The published statement of the product (at most one stands at a time), sudo."""
        self.ensure_one()
        return (
            self.env["rcep.origin.statement"]
            .sudo()
            .search([("product_tmpl_id", "=", self.id), ("state", "=", "published")], limit=1)
        )

    def _rcep_current_statement(self):
        """The published statement, if it stands today and the product's assessment still
        supports everything it says; else an empty recordset. (sudo)"""
        self.ensure_one()
        statement = self._rcep_live_statement()
        if not statement or self.sudo()._rcep_statement_gap(statement):
            return statement.browse()
        return statement

    def _rcep_statement_gap(self, statement):
        """Why `statement` is not shown for this product today (a sentence), or False."""
        today = fields.Date.context_today(self)
        if not statement.valid_from or not (statement.valid_from <= today <= statement.valid_until):
            return self.env._(
                "The statement does not stand today (valid %(start)s to %(end)s).",
                start=statement.valid_from,
                end=statement.valid_until,
            )
        blocker = self._rcep_statement_blocker()
        if blocker:
            return blocker
        company = self.company_id or self.env.company
        met = [c.strip() for c in (self.rcep_criteria_met or "").split(",")]
        if (
            statement.criterion not in met
            or statement.hs_code != self._rcep_statement_hs_code()
            or statement.hs_edition != (self.rcep_hs_edition or "HS2022")
            or statement.country_id.code != company._rcep_exporting_party()
        ):
            return self.env._(
                "The product's origin data changed since the statement was published (HS code, "
                "criterion or country): renew or withdraw it."
            )
        return False

    @api.depends(
        lambda self: [
            "rcep_hs_code" if "rcep_hs_code" in self._fields else "hs_code",
            "rcep_hs_edition",
            "rcep_criterion",
            "rcep_originating",
            "rcep_criteria_met",
            "rcep_statement_ids.state",
            "rcep_statement_ids.valid_until",
        ]
    )
    def _compute_rcep_statement_state(self):
        for product in self:
            statement = product._rcep_live_statement() if product.id else None
            if not statement:
                product.rcep_statement_state = "none"
                product.rcep_statement_note = False
                continue
            gap = product.sudo()._rcep_statement_gap(statement)
            product.rcep_statement_state = "not_current" if gap else "current"
            product.rcep_statement_note = gap or False

    # --- the shop ---------------------------------------------------------------------------

    def _rcep_origin_badge(self):
        """What the shop's product page shows: the current statement's country, agreement and
        criterion and its verification link — nothing else of it — or False."""
        self.ensure_one()
        statement = self._rcep_current_statement()
        if not statement:
            return False
        _ = self.env._
        country = _country_name(statement.country_id, self.env.lang)
        values = {"agreement": statement.agreement, "country": country}
        return {
            "url": statement.verify_url,
            "criterion": statement.criterion,
            "country_code": statement.country_id.code,
            "sandbox": statement.sandbox,
            "origin": _("%(agreement)s origin: %(country)s", **values),
            "criterion_text": _("· criterion %(criterion)s", criterion=statement.criterion),
            "verify_text": _("· exporter's statement — verify"),
            "title": _(
                "The exporter's own signed statement that this product originates in "
                "%(country)s under %(agreement)s (not a certificate of origin): select to "
                "verify it.",
                **values,
            ),
        }

    def _rcep_sync_origin_tag(self):
        """The shop's "RCEP origin statement" tag on exactly the products whose statement is
        current (shop filters use it)."""
        tag = self.env["rcep.origin.statement"]._tag()
        products = self.sudo().exists()
        if not tag or not products:
            return
        # Only products that have a published statement or carry the tag can change.
        published = (
            self.env["rcep.origin.statement"]
            .sudo()
            .search([("product_tmpl_id", "in", products.ids), ("state", "=", "published")])
        )
        candidates = published.product_tmpl_id | products.filtered(
            lambda p: tag in p.product_tag_ids
        )
        for product in candidates:
            current = bool(product._rcep_current_statement())
            if current != (tag in product.product_tag_ids):
                command = fields.Command.link if current else fields.Command.unlink
                product.with_context(rcep_tag_sync=True).write(
                    {"product_tag_ids": [command(tag.id)]}
                )

    def write(self, vals):
        result = super().write(vals)
        if not self.env.context.get("rcep_tag_sync"):
            self._rcep_sync_origin_tag()
        return result

    # --- form buttons (managers) ------------------------------------------------------------

    def action_rcep_publish_statement(self):
        self.ensure_one()
        statement = self.env["rcep.origin.statement"]._publish(self)
        if statement.state != "published":
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "danger",
                    "sticky": True,
                    "title": self.env._("Origin statement not published"),
                    "message": statement.last_error,
                },
            }
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Origin statement published"),
                "message": self.env._(
                    "The shop now shows the origin badge of %s, linked to its verification page.",
                    self.display_name,
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_rcep_withdraw_statement(self):
        self.ensure_one()
        statement = self._rcep_live_statement()
        if not statement:
            return False
        return statement.action_open_withdraw()
