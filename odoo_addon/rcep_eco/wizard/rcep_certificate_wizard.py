from odoo import api, fields, models
from odoo.exceptions import UserError


class RcepCertificateWizard(models.TransientModel):
    """Issue a certificate from a confirmed sales order: pick lines and quantities, the
    importing Party (from the customer), transport details and the invoice."""

    _name = "rcep.certificate.wizard"
    _description = "Issue RCEP Certificate from Sales Order"

    sale_order_id = fields.Many2one("sale.order", required=True, readonly=True)
    company_id = fields.Many2one(related="sale_order_id.company_id")
    document_type = fields.Selection(
        [
            ("certificate_of_origin", "Certificate of Origin"),
            ("declaration_of_origin", "Declaration of Origin"),
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
        compute="_compute_departure_date",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
    )
    issue_date = fields.Date(default=fields.Date.context_today, required=True)
    vessel_or_flight = fields.Char()
    port_of_discharge = fields.Char()
    invoice_number = fields.Char(
        compute="_compute_invoice", store=True, precompute=True, readonly=False
    )
    invoice_date = fields.Date(
        compute="_compute_invoice", store=True, precompute=True, readonly=False
    )
    precheck_result = fields.Text(string="Pre-check Result", readonly=True)
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
            order = wizard.sale_order_id
            wizard.departure_date = (order.commitment_date or order.date_order or False) and (
                (order.commitment_date or order.date_order).date()
            )

    @api.depends("sale_order_id")
    def _compute_invoice(self):
        for wizard in self:
            invoice = wizard.sale_order_id.invoice_ids.filtered(
                lambda m: m.state == "posted" and m.move_type == "out_invoice"
            )[:1]
            wizard.invoice_number = invoice.name or False
            wizard.invoice_date = invoice.invoice_date or False

    @api.depends("sale_order_id")
    def _compute_line_ids(self):
        for wizard in self:
            commands = [fields.Command.clear()]
            for line in wizard.sale_order_id.order_line:
                if line.display_type or not line.product_id or line.product_uom_qty <= 0:
                    continue
                commands.append(fields.Command.create({"sale_line_id": line.id}))
            wizard.line_ids = commands

    def _certificate_vals(self, lines):
        order = self.sale_order_id
        company = order.company_id
        origin = company.rcep_issuing_country_id or company.country_id
        return {
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
            "line_ids": [
                fields.Command.create(line._certificate_line_vals(origin)) for line in lines
            ],
        }

    def action_precheck(self):
        """Readiness dry run: the certificate these choices would give, checked by the
        service's /v1/precheck without creating anything, in Odoo or at the service."""
        self.ensure_one()
        lines = self.line_ids.filtered("include")
        if not lines:
            raise UserError(self.env._("Select at least one order line to certify."))
        draft = self.env["rcep.certificate"].new(self._certificate_vals(lines))
        draft.name = self._next_number()
        self.precheck_result = draft._precheck_text()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _next_number(self):
        """The number the certificate would get, without consuming it."""
        sequence = self.env["ir.sequence"].search([("code", "=", "rcep.certificate")], limit=1)
        return sequence.get_next_char(sequence.number_next_actual) if sequence else "/"

    def action_create(self):
        self.ensure_one()
        order = self.sale_order_id
        if order.state != "sale":
            raise UserError(
                self.env._("Confirm the sales order %s before issuing its certificate.", order.name)
            )
        lines = self.line_ids.filtered("include")
        if not lines:
            raise UserError(self.env._("Select at least one order line to certify."))
        problems = [line._problem() for line in lines if line._problem()]
        if problems:
            raise UserError(
                self.env._("These lines cannot be certified yet:\n%s", "\n".join(problems))
            )
        certificate = self.env["rcep.certificate"].create(self._certificate_vals(lines))
        certificate.message_post(body=self.env._("Created from sales order %s.", order.name))
        order.message_post(body=self.env._("Certificate of origin %s created.", certificate.name))
        return {
            "type": "ir.actions.act_window",
            "res_model": "rcep.certificate",
            "res_id": certificate.id,
            "view_mode": "form",
        }
