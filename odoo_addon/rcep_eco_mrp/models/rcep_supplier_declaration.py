from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.rcep_eco.originlink_bridge import CRITERIA, rcep_parties
from odoo.exceptions import UserError, ValidationError

_MANAGER = "rcep_eco.group_rcep_manager"
STATES = [
    ("requested", "Requested"),
    ("received", "Received"),
    ("refused", "Refused"),
    ("cancelled", "Cancelled"),
]
VALIDITY = [
    ("pending", "Awaiting the supplier"),
    ("not_yet", "Not yet valid"),
    ("valid", "Valid"),
    ("expiring", "Expiring soon"),
    ("expired", "Expired"),
    ("void", "Not in force"),
]
KINDS = [
    ("supplier_declaration", "Supplier's declaration (long-term)"),
    ("certificate_of_origin", "Certificate of Origin (another Party)"),
    ("declaration_of_origin", "Declaration of Origin (another Party)"),
]
# Changes that can change an assessment: the products using what the declaration covers are
# re-qualified (issue 12.5).
_ASSESSED = frozenset(
    {"state", "partner_id", "product_tmpl_id", "categ_id", "originating", "country_id",
     "date_from", "date_to", "agreement"}
)  # fmt: skip


class RcepSupplierDeclaration(models.Model):
    """A supplier's statement of the origin of what it supplies — for one product or a whole
    product category, over a period (a long-term declaration), or a proof of origin of another
    Party for imported materials (Art 3.4). Without a valid one, a purchased material is of
    undetermined origin and counted as non-originating (Art 3.5)."""

    _name = "rcep.supplier.declaration"
    _description = "Supplier Origin Declaration"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date_to desc, id desc"

    name = fields.Char(
        string="Number", required=True, readonly=True, copy=False, default=lambda s: s.env._("New")
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda s: s.env.company, index=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Supplier",
        required=True,
        index=True,
        tracking=True,
        domain=[("is_company", "=", True)],
    )
    product_tmpl_id = fields.Many2one(
        "product.template",
        string="Product",
        index=True,
        tracking=True,
        help="The product the declaration covers; leave empty to cover a whole category.",
    )
    categ_id = fields.Many2one(
        "product.category",
        string="Product Category",
        tracking=True,
        help="Every product of this category (and its sub-categories) bought from the "
        "supplier, unless a declaration for the product itself says otherwise.",
    )
    agreement = fields.Selection([("RCEP", "RCEP")], required=True, default="RCEP")
    kind = fields.Selection(KINDS, required=True, default="supplier_declaration", tracking=True)
    originating = fields.Boolean(
        tracking=True, help="The supplier declares the goods originating under the agreement."
    )
    country_id = fields.Many2one(
        "res.country",
        string="Origin (Party)",
        tracking=True,
        help="The Party where the goods originate (Art 3.2); for goods declared not "
        "originating, the country of origin if known.",
    )
    criterion = fields.Selection(CRITERIA, string="Origin Criterion", tracking=True)
    date_from = fields.Date(string="Valid From", tracking=True)
    date_to = fields.Date(string="Valid To", tracking=True)
    reference = fields.Char(string="Supplier's Reference", tracking=True)
    document = fields.Binary(string="Signed Document", attachment=True, copy=False)
    document_name = fields.Char(copy=False)
    state = fields.Selection(STATES, required=True, default="requested", tracking=True, copy=False)
    validity = fields.Selection(VALIDITY, compute="_compute_validity", search="_search_validity")
    validity_seen = fields.Selection(VALIDITY, copy=False, readonly=True)
    requested_on = fields.Date(copy=False, readonly=True)
    reminded_on = fields.Date(string="Last Reminder", copy=False, readonly=True)
    provided_on = fields.Datetime(copy=False, readonly=True)
    provided_by = fields.Char(
        copy=False, readonly=True, help="Who provided it on the portal (name and e-mail given)."
    )
    previous_id = fields.Many2one(
        "rcep.supplier.declaration", string="Renews", copy=False, readonly=True, index=True
    )
    renewal_ids = fields.One2many("rcep.supplier.declaration", "previous_id", readonly=True)
    note = fields.Text(string="Supplier's Remarks")

    _scope = models.Constraint(
        "CHECK (product_tmpl_id IS NOT NULL OR categ_id IS NOT NULL)",
        "A declaration covers a product or a product category.",
    )
    _dates = models.Constraint(
        "CHECK (date_to IS NULL OR date_from IS NULL OR date_to >= date_from)",
        "A declaration cannot end before it starts.",
    )

    # --- validity ---------------------------------------------------------------------------

    def _reminder_days(self):
        return self.company_id.rcep_declaration_reminder_days or 30

    @api.depends("state", "date_from", "date_to", "company_id.rcep_declaration_reminder_days")
    @api.depends_context("rcep_today")
    def _compute_validity(self):
        today = self._today()
        for decl in self:
            decl.validity = decl._validity_on(today)

    def _today(self):
        return self.env.context.get("rcep_today") or fields.Date.context_today(self)

    def _validity_on(self, day):
        self.ensure_one()
        if self.state == "requested":
            return "pending"
        if self.state != "received":
            return "void"
        if self.date_from and day < self.date_from:
            return "not_yet"
        if self.date_to and day > self.date_to:
            return "expired"
        if self.date_to and day + timedelta(days=self._reminder_days()) > self.date_to:
            return "expiring"
        return "valid"

    def _search_validity(self, operator, value):
        if operator not in ("in", "="):
            return NotImplemented
        wanted = {value} if isinstance(value, str) else set(value)
        today = self._today()
        ids = [d.id for d in self.search([]) if d._validity_on(today) in wanted]
        return [("id", "in", ids)]

    def _valid_on(self, day):
        """Counts as evidence on `day` (Art 3.5: otherwise the material is of undetermined
        origin)."""
        return self._validity_on(day) in ("valid", "expiring")

    def _covers(self, template, category):
        """True when this declaration is about `template` (a product.template) of `category`."""
        if self.product_tmpl_id:
            return self.product_tmpl_id == template
        return bool(category) and (
            category == self.categ_id
            or (category.parent_path or "").startswith(self.categ_id.parent_path or "\0")
        )

    # --- checks -----------------------------------------------------------------------------

    @api.constrains("originating", "country_id", "state", "date_to")
    def _check_origin(self):
        parties = rcep_parties()
        for decl in self.filtered(lambda d: d.state == "received"):
            if decl.originating and not decl.country_id:
                raise ValidationError(
                    self.env._(
                        "%s: an originating declaration names the Party of origin.",
                        decl.display_name,
                    )
                )
            if decl.originating and decl.country_id.code not in parties:
                raise ValidationError(
                    self.env._(
                        "%(decl)s: %(country)s is not a Party to RCEP; goods originating there "
                        "cannot be declared RCEP-originating (Art 3.2, 3.4).",
                        decl=decl.display_name,
                        country=decl.country_id.name,
                    )
                )
            if not decl.date_to:
                raise ValidationError(
                    self.env._(
                        "%s: a received declaration needs its end of validity (Valid To).",
                        decl.display_name,
                    )
                )

    # --- life -------------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", self.env._("New")) == self.env._("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code(
                    "rcep.supplier.declaration"
                ) or self.env._("New")
            if vals.get("partner_id"):
                partner = self.env["res.partner"].browse(vals["partner_id"])
                vals["partner_id"] = partner.commercial_partner_id.id
        decls = super().create(vals_list)
        decls._requalify(self.env._("supplier declaration added"))
        return decls

    def write(self, vals):
        if vals.get("partner_id"):
            partner = self.env["res.partner"].browse(vals["partner_id"])
            vals["partner_id"] = partner.commercial_partner_id.id
        assessed = _ASSESSED & set(vals)
        before = self._affected_products() if assessed else None
        result = super().write(vals)
        if assessed:
            products = before | self._affected_products()
            self.env["rcep.requalification"]._enqueue(
                products,
                self.env._("supplier declaration changed: %s", ", ".join(self.mapped("name"))),
            )
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_requalify(self):
        self._requalify(self.env._("supplier declaration deleted"))

    def _affected_products(self):
        """The components this declaration covers (from its supplier)."""
        Product = self.env["product.product"].sudo()
        products = Product.browse()
        for decl in self:
            if decl.product_tmpl_id:
                products |= decl.product_tmpl_id.sudo().product_variant_ids
            elif decl.categ_id:
                products |= Product.search([("categ_id", "child_of", decl.categ_id.id)])
        return products

    def _requalify(self, why):
        products = self._affected_products()
        if products:
            self.env["rcep.requalification"]._enqueue(products, why)

    def _compute_access_url(self):
        super()._compute_access_url()
        for decl in self:
            decl.access_url = f"/my/origin-declarations/{decl.id}"

    def _get_report_base_filename(self):
        return self.name

    def _scope_label(self):
        self.ensure_one()
        if self.product_tmpl_id:
            return self.product_tmpl_id.display_name
        return self.env._("category %s", self.categ_id.display_name)

    # --- requests, renewals, reminders ------------------------------------------------------

    def action_request(self):
        """E-mail the supplier a link to provide the declaration on the portal."""
        template = self.env.ref("rcep_eco_mrp.mail_template_declaration_request")
        for decl in self:
            if decl.state != "requested":
                raise UserError(
                    self.env._(
                        "%s has been provided already; request a renewal instead.",
                        decl.display_name,
                    )
                )
            decl._send(template)
            decl.requested_on = fields.Date.context_today(self)
        return True

    def action_request_renewal(self):
        """A new declaration to be provided by the supplier (same scope), requested by e-mail;
        this one stays in force until its end."""
        renewals = self.env["rcep.supplier.declaration"]
        for decl in self:
            pending = decl.renewal_ids.filtered(lambda r: r.state == "requested")
            if pending:
                renewals |= pending
                continue
            renewals |= decl.copy(
                {
                    "previous_id": decl.id,
                    "state": "requested",
                    "date_from": decl.date_to and decl.date_to + timedelta(days=1),
                    "date_to": False,
                    "reference": False,
                    "note": False,
                }
            )
        renewals.action_request()
        return renewals

    def action_mark_refused(self):
        self.write({"state": "refused"})

    def action_cancel(self):
        self.write({"state": "cancelled"})

    def _send(self, template):
        self.ensure_one()
        if not self.partner_id.email and not self.partner_id.child_ids.filtered("email"):
            raise UserError(
                self.env._(
                    "%s has no e-mail address: add one to the supplier to send the request.",
                    self.partner_id.display_name,
                )
            )
        self._portal_ensure_token()
        self.message_post_with_source(
            template,
            subtype_xmlid="mail.mt_comment",
            email_layout_xmlid="mail.mail_notification_light",
        )

    @api.model
    def _cron_declarations(self):
        """Daily: remind suppliers before a declaration expires (a renewal is requested) and
        again while a request stays unanswered; re-qualify the products of declarations whose
        validity changed since the last run (one expired, one came into force)."""
        today = self._today()
        reminder = self.env.ref("rcep_eco_mrp.mail_template_declaration_reminder")
        received = self.search([("state", "=", "received")])
        counted = ("valid", "expiring")
        changed = received.filtered(
            lambda d: (d._validity_on(today) in counted) != (d.validity_seen in counted)
        )
        for decl in received.filtered(lambda d: d._validity_on(today) != d.validity_seen):
            decl.validity_seen = decl._validity_on(today)
        if changed:
            self.env["rcep.requalification"]._enqueue(
                changed._affected_products(),
                self.env._("declaration validity changed: %s", ", ".join(changed.mapped("name"))),
            )
        expiring = received.filtered(
            lambda d: (
                d._validity_on(today) in ("expiring", "expired")
                and not d.renewal_ids.filtered(lambda r: r.state in ("requested", "received"))
            )
        )
        for decl in expiring:
            if decl.partner_id.email:
                decl.action_request_renewal()
        week_ago = today - timedelta(days=7)
        waiting = self.search(
            [
                ("state", "=", "requested"),
                ("requested_on", "!=", False),
                ("requested_on", "<=", week_ago),
                "|",
                ("reminded_on", "=", False),
                ("reminded_on", "<=", week_ago),
            ]
        )
        for decl in waiting.filtered(lambda d: d.partner_id.email):
            decl._send(reminder)
            decl.reminded_on = today

    # --- the supplier's answer (portal) -----------------------------------------------------

    def _portal_provide(self, values, who):
        """What the supplier typed on the portal page: the declaration is received and counts
        from now on (the products using it are re-qualified)."""
        self.ensure_one()
        if self.state not in ("requested", "received"):
            raise UserError(self.env._("This declaration is no longer open."))
        vals = dict(values, state="received", provided_on=fields.Datetime.now(), provided_by=who)
        self.write(vals)
        self.message_post(
            body=self.env._("Declaration provided on the portal by %s.", who),
            subtype_xmlid="mail.mt_note",
        )
        return True
