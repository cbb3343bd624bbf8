from odoo import api, fields, models
from odoo.exceptions import UserError


class RcepCertificateWizard(models.TransientModel):
    """Issue a certificate from a confirmed sales order in one dialog: lines and quantities
    (what is not certified yet), the importing Party (from the customer), transport details,
    the invoice, what Odoo would refuse (shown live) and the service's pre-check; then
    "Issue and Send" or a draft."""

    _name = "rcep.certificate.wizard"
    _description = "Issue RCEP Certificate from Sales Order"

    sale_order_id = fields.Many2one(
        "sale.order", string="Sales Order", required=True, readonly=True
    )
    company_id = fields.Many2one(related="sale_order_id.company_id")
    document_type = fields.Selection(
        [
            ("certificate_of_origin", "Certificate of Origin"),
            ("declaration_of_origin", "Declaration of Origin (approved exporter)"),
            (
                "declaration_of_origin_by_exporter_or_producer",
                "Declaration of Origin (exporter or producer)",
            ),
        ],
        default="certificate_of_origin",
        required=True,
    )
    importer_id = fields.Many2one(
        "res.partner",
        string="Importer",
        compute="_compute_importer_id",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
    )
    importing_country_id = fields.Many2one(
        "res.country",
        string="Importing Party",
        compute="_compute_importing_country_id",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
    )
    departure_date = fields.Date(
        string="Departure Date (Box 4)",
        compute="_compute_departure_date",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
    )
    issue_date = fields.Date(default=fields.Date.context_today, required=True)
    approved_exporter_code = fields.Char(
        default=lambda self: self.env.company.rcep_approved_exporter_code,
        help="A Declaration of Origin by an approved exporter carries its authorisation code.",
    )
    vessel_or_flight = fields.Char(string="Vessel / Flight (Box 4)")
    port_of_discharge = fields.Char(string="Port of Discharge (Box 4)")
    invoice_number = fields.Char(
        string="Invoice Number (Box 13)",
        compute="_compute_invoice",
        store=True,
        precompute=True,
        readonly=False,
    )
    invoice_date = fields.Date(
        string="Invoice Date (Box 13)",
        compute="_compute_invoice",
        store=True,
        precompute=True,
        readonly=False,
    )
    readiness_override_reason = fields.Char(
        string="Readiness Override",
        groups="rcep_eco.group_rcep_manager",
        help="Managers only: send although a product is not ready for e-CO, for this reason "
        "(written in the certificate's history).",
    )
    blocking_problems = fields.Text(
        string="Odoo will not send this yet", compute="_compute_blocking_problems"
    )
    precheck_result = fields.Text(string="Pre-check Result", readonly=True)
    destination_note = fields.Char(compute="_compute_destination_note")
    line_ids = fields.One2many(
        "rcep.certificate.wizard.line",
        "wizard_id",
        compute="_compute_line_ids",
        store=True,
        precompute=True,
        readonly=False,
    )

    @api.depends("sale_order_id")
    def _compute_importer_id(self):
        for wizard in self:
            wizard.importer_id = wizard.sale_order_id.partner_shipping_id or (
                wizard.sale_order_id.partner_id
            )

    @api.depends("importer_id")
    def _compute_importing_country_id(self):
        for wizard in self:
            wizard.importing_country_id = wizard.importer_id.country_id

    @api.depends("sale_order_id")
    def _compute_departure_date(self):
        for wizard in self:
            wizard.departure_date = wizard._departure_date()

    def _departure_date(self):
        return self.sale_order_id._rcep_departure_date() if self.sale_order_id else False

    @api.depends("sale_order_id")
    def _compute_invoice(self):
        for wizard in self:
            invoice = wizard.sale_order_id._rcep_invoice()
            wizard.invoice_number = invoice.name or False
            wizard.invoice_date = invoice.invoice_date or False

    @api.depends("sale_order_id")
    def _compute_line_ids(self):
        for wizard in self:
            commands = [fields.Command.clear()]
            for vals in wizard._default_line_vals():
                commands.append(fields.Command.create(vals))
            wizard.line_ids = commands

    def _default_line_vals(self):
        """One line per order line with goods: what is not certified yet, ticked when there
        is something left."""
        result = []
        for line in self.sale_order_id.order_line:
            if not line._rcep_is_goods():
                continue
            remaining = line._rcep_remaining_qty()
            result.append(
                {"sale_line_id": line.id, "quantity": remaining, "include": remaining > 0}
            )
        return result

    @api.depends("importing_country_id", "company_id")
    def _compute_destination_note(self):
        """How the importing Party's customs will receive the certificate, as the service's
        destinations say (kept by Settings > Connect and the hourly status pull)."""
        for wizard in self:
            country = wizard.importing_country_id
            mode = wizard.company_id._rcep_customs_mode(country.code) if country else False
            if mode == "paper-parallel":
                wizard.destination_note = self.env._(
                    "%(country)s: paper-parallel. Its customs do not receive certificates "
                    "electronically yet: they check the printed certificate or its PDF, which "
                    "stays verifiable through its QR code.",
                    country=country.name,
                )
            elif mode == "manual-review":
                wizard.destination_note = self.env._(
                    "%(country)s: sent to its customs electronically and checked by an officer.",
                    country=country.name,
                )
            elif mode:
                wizard.destination_note = self.env._(
                    "%(country)s: sent to its customs electronically; their answer arrives here.",
                    country=country.name,
                )
            else:
                wizard.destination_note = False

    @api.depends(
        "line_ids.include",
        "line_ids.quantity",
        "importing_country_id",
        "invoice_number",
        "invoice_date",
        "readiness_override_reason",
    )
    def _compute_blocking_problems(self):
        for wizard in self:
            lines = wizard.line_ids.filtered("include")
            if not lines or not wizard.sale_order_id:
                wizard.blocking_problems = False
                continue
            draft = self.env["rcep.certificate"].new(wizard._certificate_vals(lines))
            problems = draft._blocking_problems()
            wizard.blocking_problems = "\n".join(f"- {p}" for p in problems) or False

    def _certificate_vals(self, lines):
        order = self.sale_order_id
        company = order.company_id
        origin = company.rcep_issuing_country_id or company.country_id
        vals = {
            "company_id": company.id,
            "sale_order_id": order.id,
            "document_type": self.document_type,
            "issue_date": self.issue_date,
            "exporter_id": company.partner_id.id,
            "importer_id": self.importer_id.id,
            "importing_country_id": self.importing_country_id.id,
            "departure_date": self.departure_date,
            "vessel_or_flight": self.vessel_or_flight,
            "port_of_discharge": self.port_of_discharge,
            "invoice_number": self.invoice_number,
            "invoice_date": self.invoice_date,
            "approved_exporter_code": self.approved_exporter_code
            if self.document_type == "declaration_of_origin"
            else False,
            "line_ids": [
                fields.Command.create(line._certificate_line_vals(origin)) for line in lines
            ],
        }
        override = self.sudo().readiness_override_reason
        if override:
            vals["readiness_override_reason"] = override
        return vals

    def _selected_lines(self):
        lines = self.line_ids.filtered("include")
        if not lines:
            raise UserError(self.env._("Select at least one order line to certify."))
        return lines

    # --- buttons ----------------------------------------------------------------------------

    def action_precheck(self):
        """Dry run in the same dialog: what Odoo would refuse, then the certificate these
        choices would give, checked by the service's /v1/precheck without creating anything,
        in Odoo or at the service."""
        self.ensure_one()
        draft = self.env["rcep.certificate"].new(self._certificate_vals(self._selected_lines()))
        draft.name = self._next_number()
        self.precheck_result = draft._precheck_text()
        return self._reopen()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Issue Certificate of Origin"),
        }

    def _next_number(self):
        """The number the certificate would get, without consuming it."""
        sequence = self.env["ir.sequence"].search([("code", "=", "rcep.certificate")], limit=1)
        return sequence.get_next_char(sequence.number_next_actual) if sequence else "/"

    def action_create(self):
        """A draft certificate, opened for review."""
        return self._open(self._create_certificate(send=False))

    def action_issue_and_send(self):
        """Create and send in one step; the certificate opens with the service's answer."""
        return self._open(self._create_certificate(send=True))

    def _open(self, certificate):
        return {
            "type": "ir.actions.act_window",
            "res_model": "rcep.certificate",
            "res_id": certificate.id,
            "view_mode": "form",
        }

    def _create_certificate(self, send, sending=None):
        """The certificate these choices give, refused (nothing created) if Odoo would refuse
        it; sent at once when `send`. `sending`: check it as for sending without sending it
        now (bulk issue sends after creating them all)."""
        self.ensure_one()
        sending = send if sending is None else sending
        order = self.sale_order_id
        if order.state != "sale":
            raise UserError(
                self.env._("Confirm the sales order %s before issuing its certificate.", order.name)
            )
        lines = self._selected_lines()
        problems = [line._problem() for line in lines if line._problem()]
        if problems:
            raise UserError(
                self.env._("These lines cannot be certified yet:\n%s", "\n".join(problems))
            )
        vals = self._certificate_vals(lines)
        # Nothing is created that Odoo would refuse to send: checked first, with the order
        # lines locked until the transaction ends.
        draft = self.env["rcep.certificate"].new(vals)
        draft.line_ids._lock_order_lines()
        draft.name = self._next_number()
        draft._check_sendable(sending=sending)
        certificate = self.env["rcep.certificate"].create(vals)
        certificate.message_post(body=self.env._("Created from sales order %s.", order.name))
        override = certificate.sudo().readiness_override_reason
        if override:
            certificate.message_post(
                body=self.env._(
                    "Readiness overridden by %(user)s: %(reason)s",
                    user=self.env.user.name,
                    reason=override,
                )
            )
        order.message_post(body=self.env._("Certificate of origin %s created.", certificate.name))
        if send:
            certificate.action_send()
        return certificate
