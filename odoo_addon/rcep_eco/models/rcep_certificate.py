import base64
import json
import logging
import uuid
from datetime import timedelta

from odoo import api, fields, models, modules
from odoo.exceptions import UserError
from odoo.tools import plaintext2html

from ..originlink_bridge import (
    check_certificate,
    events_problem,
    format_problems,
    print_link,
    redact_cost_reasons,
    resource_problem,
    service_state_list,
    service_states,
    standing_states,
    states_awaiting_the_exporter,
    states_still_changing,
    states_verifying_as_valid,
    withdrawable_states,
)
from ..tools import OriginLinkConnector

_logger = logging.getLogger(__name__)

# Minutes to wait before each retry of a send that failed for a transient reason.
RETRY_DELAYS = (1, 5, 15, 60, 240)

# The addon's own states (before the service holds the certificate), then the service's, in
# the core's lifecycle order (originlink.states, through the bridge). Labels are ours
# (translated); tests check that every state the core knows has one.
ADDON_STATES = [("draft", "Draft"), ("to_send", "Queued"), ("error", "Failed")]
SERVICE_STATE_LABELS = {
    "received": "Received",
    "issued": "Issued",
    "forwarded": "Forwarded to Customs",
    "acknowledged": "Acknowledged by Customs",
    "accepted": "Accepted",
    "rejected": "Rejected",
    "query": "Customs Query",
    "utilised": "Utilised",
    "cancelled": "Cancelled",
    "replaced": "Replaced",
}
STATES = ADDON_STATES + [(s, SERVICE_STATE_LABELS.get(s, s)) for s in service_state_list()]
# States in which the document may still be edited (never sent, or refused / given up).
EDITABLE_STATES = ("draft", "error")
# The fields that make the document sent to the service (and printed): frozen once sent, so
# that the PDF always shows what the service signed.
DOCUMENT_FIELDS = {
    "name", "company_id", "sale_order_id", "document_type", "issue_date", "exporter_id",
    "importer_id", "importing_country_id", "departure_date", "vessel_or_flight",
    "port_of_discharge", "invoice_number", "invoice_date", "remarks", "approved_exporter_code",
    "line_ids",
}  # fmt: skip
REPORT = "rcep_eco.action_report_rcep_certificate"


def _commit_unless_testing(env):
    """Persist what must survive a crash (the Idempotency-Key before a send); tests run in one
    transaction that is rolled back."""
    if not modules.module.current_test:
        env.cr.commit()


class RcepCertificate(models.Model):
    _name = "rcep.certificate"
    _description = "RCEP Certificate of Origin"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"

    name = fields.Char(
        string="Certificate Number",
        required=True,
        copy=False,
        default=lambda self: self.env._("New"),
        readonly=True,
    )
    state = fields.Selection(
        STATES,
        string="Status",
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        help="Draft, Queued and Failed are Odoo's; from Received on, the status is the one "
        "the e-CO service reports.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    sale_order_id = fields.Many2one("sale.order", string="Sales Order", index=True, copy=True)
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        help="Gets an activity when customs reject the certificate or ask about it.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        precompute=True,
        help="The currency of the FOB values (Box 12): the sales order's.",
    )
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
        tracking=True,
    )
    issue_date = fields.Date(default=fields.Date.context_today, required=True, tracking=True)
    exporter_id = fields.Many2one(
        "res.partner",
        string="Exporter (Box 1)",
        required=True,
        tracking=True,
        default=lambda self: self.env.company.partner_id,
    )
    importer_id = fields.Many2one(
        "res.partner", string="Importer (Box 2)", required=True, tracking=True
    )
    importing_country_id = fields.Many2one(
        "res.country",
        string="Importing Party",
        compute="_compute_importing_country_id",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
        tracking=True,
    )
    departure_date = fields.Date(string="Departure Date (Box 4)", tracking=True)
    vessel_or_flight = fields.Char(string="Vessel / Flight (Box 4)", tracking=True)
    port_of_discharge = fields.Char(string="Port of Discharge (Box 4)", tracking=True)
    invoice_number = fields.Char(string="Invoice Number (Box 13)", tracking=True)
    invoice_date = fields.Date(string="Invoice Date (Box 13)", tracking=True)
    remarks = fields.Text(string="Remarks (Box 14)", tracking=True)
    approved_exporter_code = fields.Char(help="Declaration of Origin only", tracking=True)
    line_ids = fields.One2many("rcep.certificate.line", "certificate_id", copy=True)
    # A manager may send a certificate for goods whose product is not ready; the reason is
    # tracked (who, when) and the products concerned are told in the chatter when it is sent.
    readiness_override_reason = fields.Char(
        string="Readiness Override",
        copy=False,
        tracking=True,
        groups="rcep_eco.group_rcep_manager",
        help="Why this certificate may be sent although a product is not ready for e-CO.",
    )
    # Exchange with the service.
    idempotency_key = fields.Char(copy=False, readonly=True)
    # The sent document carries origin evidence (costs): managers only.
    payload_json = fields.Text(
        string="Sent Document", copy=False, readonly=True, groups="rcep_eco.group_rcep_manager"
    )
    environment = fields.Selection(
        [("sandbox", "Sandbox"), ("production", "Production")],
        copy=False,
        readonly=True,
        help="The company's e-CO environment when the certificate was sent.",
    )
    send_attempts = fields.Integer(copy=False, readonly=True)
    status_pull_requested = fields.Boolean(
        string="Status Pull Requested", copy=False, readonly=True, index=True
    )
    # (rcep_eco_website restates these fields; their labels are shared with its .po.)
    last_event_seq = fields.Integer(string="Last Service Event", copy=False, readonly=True)
    next_retry_at = fields.Datetime(copy=False, readonly=True)
    last_error = fields.Text(copy=False, readonly=True)
    precheck_result = fields.Text(string="Pre-check Result", copy=False, readonly=True)
    service_id = fields.Char(string="Service ID", copy=False, readonly=True, index=True)
    public_id = fields.Char(string="Public ID", copy=False, readonly=True)
    access_code = fields.Char(copy=False, readonly=True)
    short_code = fields.Char(copy=False, readonly=True)
    digest = fields.Char(copy=False, readonly=True)
    verify_url = fields.Char(
        string="Verification Link",
        copy=False,
        readonly=True,
        help="Printed under the QR code: opens the full certificate (the access code is in it).",
    )
    verify_url_public = fields.Char(
        string="Public Verification Link",
        copy=False,
        readonly=True,
        help="The same link without the access code: shows only the public view.",
    )
    lookup_url = fields.Char(
        string="Lookup Page",
        copy=False,
        readonly=True,
        help="Where the short code can be typed in when there is no QR scanner.",
    )
    qr_code = fields.Binary(string="QR Code", compute="_compute_qr_code")
    pdf_attachment_id = fields.Many2one(
        "ir.attachment",
        string="Form RCEP PDF",
        copy=False,
        readonly=True,
        help="The PDF as it was when the service issued the certificate; printing returns it.",
    )
    # How the destination customs receive it (decided by the service when it issued it).
    customs_mode = fields.Selection(
        [
            ("direct", "Sent to customs electronically"),
            ("manual-review", "Sent to customs, checked by an officer"),
            ("paper-parallel", "Paper-parallel: customs check the printed certificate"),
        ],
        string="Customs Exchange",
        copy=False,
        readonly=True,
        help="Paper-parallel: the destination does not receive certificates electronically "
        "(yet); its customs check the printed certificate or its PDF, which stays verifiable "
        "online through its QR code.",
    )
    customs_note = fields.Char(string="Customs Status", copy=False, readonly=True)
    customs_reference = fields.Char(copy=False, readonly=True)
    # Who legally certified it: the issuing body's electronic endorsement (verified by the
    # service), its refusal, or an official certificate recorded by the exporter.
    certification_kind = fields.Selection(
        [
            ("endorsed", "Endorsed by the issuing body (verified)"),
            ("refused", "Refused by the issuing body"),
            ("recorded", "Official certificate recorded by the exporter (not verified)"),
        ],
        string="Certification",
        copy=False,
        readonly=True,
    )
    official_number = fields.Char(string="Official Certificate Number", copy=False, readonly=True)
    official_lookup_url = fields.Char(string="Official Lookup", copy=False, readonly=True)
    official_pdf_id = fields.Many2one(
        "ir.attachment", string="Official PDF", copy=False, readonly=True
    )
    can_record_official = fields.Boolean(
        string="Official Certificate Can Be Recorded", compute="_compute_abilities"
    )
    # Lifecycle links.
    replaces_id = fields.Many2one("rcep.certificate", copy=False, readonly=True)
    replace_reason = fields.Char(copy=False, tracking=True)
    replaced_by_id = fields.Many2one(
        "rcep.certificate", compute="_compute_replaced_by_id", string="Replaced By"
    )
    copy_of_id = fields.Many2one(
        "rcep.certificate", string="Certified True Copy Of", copy=False, readonly=True
    )
    certified_on = fields.Date(copy=False, readonly=True)
    # What the buttons may do, from the core's named state sets (never lists in the views).
    can_send = fields.Boolean(string="Can Be Sent", compute="_compute_abilities")
    can_refresh = fields.Boolean(string="Status Can Change", compute="_compute_abilities")
    can_withdraw = fields.Boolean(
        string="Can Be Cancelled or Replaced", compute="_compute_abilities"
    )
    can_copy = fields.Boolean(string="Can Have a Certified Copy", compute="_compute_abilities")
    can_cancel = fields.Boolean(string="Can Be Cancelled", compute="_compute_abilities")
    # Search helpers (filters on the certificate list and the sales orders).
    in_force = fields.Boolean(
        string="In Force", compute="_compute_abilities", search="_search_in_force"
    )
    needs_attention = fields.Boolean(
        string="Needs Attention", compute="_compute_abilities", search="_search_needs_attention"
    )

    _service_id_unique = models.Constraint(
        "UNIQUE(company_id, service_id)",
        "A service certificate can be linked only once per company.",
    )

    # --- computes ------------------------------------------------------------------------

    @api.depends("importer_id", "importer_id.country_id")
    def _compute_importing_country_id(self):
        # Follows a corrected customer until the certificate is sent (then it is frozen).
        for cert in self:
            if cert.state in EDITABLE_STATES or not cert.state:
                cert.importing_country_id = cert.importer_id.country_id

    @api.depends("sale_order_id.currency_id", "company_id.currency_id")
    def _compute_currency_id(self):
        for cert in self:
            if cert.state in EDITABLE_STATES or not cert.currency_id:
                cert.currency_id = cert.sale_order_id.currency_id or cert.company_id.currency_id

    def _compute_replaced_by_id(self):
        for cert in self:
            cert.replaced_by_id = self.search([("replaces_id", "=", cert.id)], limit=1)

    @api.depends("verify_url")
    def _compute_qr_code(self):
        report = self.env["ir.actions.report"]
        for cert in self:
            cert.qr_code = (
                base64.b64encode(report.barcode("QR", cert.verify_url, width=300, height=300))
                if cert.verify_url
                else False
            )

    @api.depends("state", "service_id", "document_type", "certification_kind")
    def _compute_abilities(self):
        for cert in self:
            state = cert.state
            cert.can_send = state in EDITABLE_STATES
            cert.can_refresh = bool(cert.service_id) and state in states_still_changing()
            cert.can_withdraw = state in withdrawable_states()
            cert.can_copy = state in standing_states()
            cert.can_cancel = state in EDITABLE_STATES or state in withdrawable_states()
            cert.can_record_official = (
                cert.document_type == "certificate_of_origin"
                and state in standing_states()
                and cert.certification_kind not in ("endorsed", "refused")
            )
            cert.in_force = state in states_verifying_as_valid()
            cert.needs_attention = state == "error" or state in states_awaiting_the_exporter()

    def _search_in_force(self, operator, value):
        return self._state_domain(states_verifying_as_valid(), operator, value)

    def _search_needs_attention(self, operator, value):
        return self._state_domain({"error"} | states_awaiting_the_exporter(), operator, value)

    @api.model
    def _state_domain(self, states, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("Unsupported search on %s.", operator))
        positive = (operator == "=") == bool(value)
        return [("state", "in" if positive else "not in", sorted(states))]

    # --- the document ---------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("state", "draft") != "draft":
                raise UserError(self.env._("A certificate is created as a draft (field state)."))
            if vals.get("name", self.env._("New")) == self.env._("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code("rcep.certificate") or "/"
        return super().create(vals_list)

    def write(self, vals):
        # Access rights first: who may not write at all gets the AccessError, not our checks.
        self.check_access("write")
        # `state` is read-only: only `_set_state` (which tells every change in the chatter)
        # may change it, never a form or an RPC write.
        if "state" in vals and not self.env.context.get("rcep_set_state"):
            raise UserError(
                self.env._(
                    "The status (field state) of a certificate changes only through its "
                    "actions (Send, Refresh Status, Cancel, Replace)."
                )
            )
        self._check_editable(vals)
        return super().write(vals)

    def _check_editable(self, field_names):
        frozen = sorted(DOCUMENT_FIELDS.intersection(field_names))
        sent = self.filtered(lambda c: c.state not in EDITABLE_STATES)
        if frozen and sent:
            raise UserError(
                self.env._(
                    "%(name)s was sent to the service: its %(fields)s can no longer change "
                    "(field state: %(state)s). Replace it instead (Art 3.17.5).",
                    name=sent[0].name,
                    fields=", ".join(frozen),
                    state=sent[0].state,
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_never_sent_only(self):
        for cert in self:
            if cert.service_id or cert.state not in ("draft", "error", "cancelled"):
                raise UserError(
                    self.env._(
                        "%(name)s was sent to the service (field state: %(state)s): cancel it "
                        "instead of deleting it.",
                        name=cert.name,
                        state=cert.state,
                    )
                )

    def _build_document(self):
        """The certificate as the core's model reads it (contract: docs/model.md)."""
        self.ensure_one()
        company = self.company_id
        exporting = company._rcep_exporting_party()
        importing = self.importing_country_id.code or ""
        place = company.partner_id.city or ""
        is_co = self.document_type == "certificate_of_origin"
        doc = {
            "schema_version": "1",
            "agreement": "RCEP",
            "document_type": self.document_type,
            "number": self.name,
            "issue_date": fields.Date.to_string(self.issue_date),
            "exporting_party": exporting,
            "importing_party": importing,
            "exporter": self.exporter_id._rcep_party_dict(),
            "producer": {"kind": "party", "party": self.exporter_id._rcep_party_dict()},
            "importer": self.importer_id._rcep_party_dict(),
            "transport": {
                "departure_date": fields.Date.to_string(self.departure_date)
                if self.departure_date
                else None,
                "vessel_or_flight": self.vessel_or_flight or None,
                "port_of_discharge": self.port_of_discharge or None,
            },
            "goods_items": [line._build_goods_item(i) for i, line in enumerate(self.line_ids, 1)],
            "invoices": [
                {
                    "number": self.invoice_number,
                    "date": fields.Date.to_string(self.invoice_date),
                }
            ]
            if self.invoice_number and self.invoice_date
            else [],
            "remarks": self.remarks or None,
            "back_to_back": None,
            "third_party_invoicing": None,
            # Art 3.17.8 is a rule for certificates an issuing body issues: a declaration
            # carries the date it was completed (Art 3.18) and is never "retroactive".
            "issued_retroactively": bool(
                is_co and self.departure_date and self.issue_date > self.departure_date
            ),
            "certified_true_copy": None,
            "exporter_declaration": {
                "importing_country": importing,
                "place": place,
                "date": fields.Date.to_string(self.issue_date),
                "signatory": company.rcep_signatory or "",
            },
            "certification": {
                "issuing_body": company.rcep_issuing_body or "",
                "place": place,
                "date": fields.Date.to_string(self.issue_date),
                "signatory": company.rcep_signatory or "",
            }
            if is_co
            else None,
            "approved_exporter_code": (self.approved_exporter_code or None)
            if self.document_type == "declaration_of_origin"
            else None,
            "official_use": None,
        }
        return doc

    def _check_document(self):
        """Validate with the core before anything leaves Odoo; every problem at once."""
        self.ensure_one()
        document = self._build_document()
        ok, problems = check_certificate(document)
        if not ok:
            raise UserError(
                self.env._(
                    "Certificate %(name)s is not complete:\n%(problems)s",
                    name=self.name,
                    problems=format_problems(problems),
                )
            )
        return document

    def _check_service_config(self):
        company = self.company_id.sudo()
        if not company.rcep_service_url or not company.rcep_api_key:
            raise UserError(
                self.env._(
                    "Set the e-CO service URL and API key of %(company)s in "
                    "Settings > Sales > RCEP e-Certificates of Origin first.",
                    company=company.name,
                )
            )

    # --- what Odoo itself refuses to send ---------------------------------------------------

    def _blocking_problems(self, sending=True):
        """Why Odoo will not send this certificate (each a sentence naming what to do): goods
        not ready for e-CO (unless a manager overrode it), goods already certified, and when
        `sending`, an invoice the destination requires. Works on unsaved certificates too (the
        wizard's preview)."""
        self.ensure_one()
        problems = []
        if not self.sudo().readiness_override_reason:
            for line in self.line_ids:
                template = line.product_id.product_tmpl_id
                if not template.rcep_ready:
                    problems.append(
                        self.env._(
                            "%(product)s is not ready for e-CO: %(missing)s. Complete its RCEP "
                            "Origin tab (or a manager overrides, giving the reason).",
                            product=line.product_id.display_name,
                            missing=template.rcep_missing or self.env._("no origin qualification"),
                        )
                    )
        problems += self.line_ids._double_certification_problems()
        country = self.importing_country_id
        missing_invoice = not (self.invoice_number and self.invoice_date)
        if sending and country.rcep_invoice_required and missing_invoice:
            problems.append(
                self.env._(
                    "The customs of %(country)s require the invoice number and date (Box 13). "
                    "Post the order's invoice, or enter its number and date.",
                    country=country.name,
                )
            )
        return problems

    def _check_sendable(self, sending=True):
        problems = self._blocking_problems(sending=sending)
        if problems:
            # One not saved yet (the dialog's, the bulk issue's) has no number of its own.
            saved = isinstance(self.id, int)
            name = (
                self.name
                if saved
                else self.env._("The certificate for %s", self.sale_order_id.name)
            )
            raise UserError(
                self.env._(
                    "%(name)s cannot be sent yet:\n%(problems)s",
                    name=name,
                    problems="\n".join(f"- {p}" for p in problems),
                )
            )

    # --- state ----------------------------------------------------------------------------

    def _state_label(self, state):
        """A state as people read it, in the user's language."""
        return dict(self._fields["state"]._description_selection(self.env)).get(state, state)

    def _set_state(self, state, note=None):
        """The only writer of `state`; every change is told in the chatter."""
        labels = dict(self._fields["state"]._description_selection(self.env))
        for cert in self:
            old = cert.state
            if old == state:
                continue
            cert.sudo().with_context(rcep_set_state=True).write({"state": state})
            body = self.env._(
                "Status: %(old)s → %(new)s", old=labels.get(old, old), new=labels[state]
            )
            if note:
                body = f"{body}. {note}"
            cert.message_post(body=body)

    def _connector(self):
        return OriginLinkConnector(self.company_id or self.env.company)

    # --- sending ----------------------------------------------------------------------------

    def action_send(self):
        """Validate, save the Idempotency-Key, then send once now; transient failures are
        retried by the cron."""
        for cert in self:
            if cert.state not in EDITABLE_STATES:
                raise UserError(
                    self.env._("Only draft or failed certificates can be sent (%s).", cert.name)
                )
            if cert.replaces_id and not cert.replace_reason:
                raise UserError(self.env._("Say why %s replaces the original.", cert.name))
            cert._check_service_config()
            # Goods lines are locked while this transaction runs: two certificates for the
            # same delivered quantities cannot both pass the check below.
            cert.line_ids._lock_order_lines()
            cert._check_sendable()
            payload = json.dumps(cert._check_document(), sort_keys=True)
            if not cert.idempotency_key or cert.sudo().payload_json != payload:
                # A new document needs a new key; the same document keeps its key so that a
                # retry can never create a second certificate.
                cert.sudo().write({"idempotency_key": str(uuid.uuid4()), "payload_json": payload})
            cert._log_readiness_override()
            cert.write(
                {
                    "send_attempts": 0,
                    "next_retry_at": fields.Datetime.now(),
                    "environment": cert.company_id.rcep_environment,
                    "precheck_result": False,
                }
            )
            cert._set_state("to_send")
        _commit_unless_testing(self.env)
        self._send()
        return True

    def _log_readiness_override(self):
        reason = self.sudo().readiness_override_reason
        not_ready = self.line_ids.product_id.product_tmpl_id.filtered(lambda t: not t.rcep_ready)
        if reason and not_ready:
            self.message_post(
                body=self.env._(
                    "Sent although not ready for e-CO (override: %(reason)s): %(products)s",
                    reason=reason,
                    products="; ".join(f"{t.display_name}: {t.rcep_missing}" for t in not_ready),
                )
            )

    def _post_to_service(self):
        document = json.loads(self.sudo().payload_json)
        if self.replaces_id:
            return self._connector().replace_certificate(
                self.replaces_id.service_id, document, self.replace_reason, self.idempotency_key
            )
        return self._connector().create_certificate(document, self.idempotency_key)

    def _send(self):
        for cert in self.filtered(lambda c: c.state == "to_send"):
            answer = cert._post_to_service()
            attempts = cert.send_attempts + 1
            malformed = answer.ok and resource_problem(answer.body)
            if answer.ok and not malformed:
                cert.write({"send_attempts": attempts, "next_retry_at": False, "last_error": False})
                cert._apply_resource(answer.body)
                if cert.replaces_id:
                    cert.replaces_id._set_state(
                        "replaced", self.env._("Replaced by %s (Art 3.17.5).", cert.name)
                    )
                cert._store_pdf()
            elif malformed:
                # Retried with the same key: the service replays the answer it stored.
                cert._schedule_retry(attempts, cert._malformed_answer(malformed))
            elif answer.transient:
                cert._schedule_retry(attempts, answer.error)
            else:
                cert.write({"send_attempts": attempts, "last_error": answer.error})
                cert._set_state("error", self.env._("The service refused it:\n%s", answer.error))
            _commit_unless_testing(self.env)

    def _malformed_answer(self, problem):
        return self.env._(
            "The e-CO service's answer could not be used (%(problem)s). Odoo asks again "
            "automatically; if this keeps happening, tell the service's operator.",
            problem=problem,
        )

    def _schedule_retry(self, attempts, error):
        if attempts > len(RETRY_DELAYS):
            self.write({"send_attempts": attempts, "last_error": error, "next_retry_at": False})
            self._set_state(
                "error",
                self.env._("Gave up after %(n)s attempts: %(error)s", n=attempts, error=error),
            )
            return
        at = fields.Datetime.now() + timedelta(minutes=RETRY_DELAYS[attempts - 1])
        self.write({"send_attempts": attempts, "last_error": error, "next_retry_at": at})
        self.message_post(
            body=self.env._(
                "Sending failed (attempt %(n)s): %(error)s. Next attempt at %(at)s UTC.",
                n=attempts,
                error=error,
                at=fields.Datetime.to_string(at),
            )
        )
        self.env.ref("rcep_eco.ir_cron_rcep_send")._trigger(at=at)

    def _apply_resource(self, body):
        """Store what the service answered about a certificate and follow its state."""
        self.ensure_one()
        vals = {
            "service_id": body["id"],
            "public_id": body.get("public_id"),
            "digest": body.get("digest"),
            # The service's version is the sequence number of its last event.
            "last_event_seq": body.get("version") or 0,
        }
        if body.get("public_id"):
            base = (self.company_id.sudo().rcep_service_url or "").rstrip("/")
            printed = print_link(body, base)
            vals.update(
                {
                    "verify_url": printed["url"],
                    "verify_url_public": printed.get("url_public"),
                    "short_code": printed.get("short_code"),
                    "access_code": printed.get("access_code") or body.get("access_code"),
                    "lookup_url": printed.get("lookup"),
                }
            )
            if "sandbox" in printed:
                vals["environment"] = "sandbox" if printed["sandbox"] else "production"
        self.write(vals)
        self._apply_customs(body)
        state = body.get("state")
        if state in service_states():
            self._set_state(state)

    def _apply_customs(self, body):
        """The destination's exchange mode and the certification, as the service reports them
        (absent from answers of a service without the customs exchange)."""
        customs = body.get("customs") if isinstance(body.get("customs"), dict) else None
        certification = body.get("certification")
        vals = {}
        if customs:
            mode = customs.get("mode")
            modes = dict(self._fields["customs_mode"].selection)
            vals.update(
                {
                    "customs_mode": mode if mode in modes else False,
                    "customs_note": customs.get("note") or False,
                    "customs_reference": customs.get("reference") or False,
                }
            )
        if isinstance(certification, dict):
            kind = certification.get("kind")
            kinds = dict(self._fields["certification_kind"].selection)
            vals.update(
                {
                    "certification_kind": kind if kind in kinds else False,
                    "official_number": certification.get("number") or False,
                    "official_lookup_url": certification.get("lookup_url") or False,
                }
            )
        if vals:
            self.write(vals)

    @api.model
    def _cron_send(self):
        due = self.search(
            [("state", "=", "to_send"), ("next_retry_at", "<=", fields.Datetime.now())]
        )
        due._send()

    def _action_bulk_send(self):
        """Send the selected drafts and failed ones; each refusal is named, the rest go on."""
        sent, refused = self.filtered("can_send")._send_each()
        skipped = self.filtered(lambda c: not c.can_send)
        refused += [
            self.env._(
                "%(name)s: already sent (%(state)s)", name=c.name, state=c._state_label(c.state)
            )
            for c in skipped
        ]
        return self.env["sale.order"]._rcep_bulk_notification(
            self.env._("Certificates sent"), sent, refused
        )

    def _send_each(self):
        """Send these certificates one by one: (those sent, a sentence per refusal). No
        savepoint around a send: `action_send` refuses before writing anything, and it commits
        (no savepoint survives that)."""
        sent, refused = self.browse(), []
        for cert in self:
            try:
                cert.action_send()
                sent |= cert
            except UserError as exc:
                refused.append(exc.args[0])
        return sent, refused

    def _action_bulk_refresh(self):
        certificates = self.filtered("can_refresh")
        certificates._pull_status()
        return self.env["sale.order"]._rcep_bulk_notification(
            self.env._("Certificate status refreshed"), certificates, []
        )

    # --- status pull (cron, rung by the webhook) --------------------------------------------

    def action_pull_status(self):
        self._pull_status()
        return True

    def _pull_status(self):
        for cert in self.filtered(lambda c: c.service_id):
            if cert.status_pull_requested:
                cert.status_pull_requested = False
            answer = cert._connector().get_certificate(cert.service_id)
            problem = answer.error or resource_problem(answer.body)
            if problem:
                cert._pull_failed(problem if answer.error else cert._malformed_answer(problem))
                continue
            body = answer.body
            cert.write({"last_error": False})
            cert._apply_customs(body)
            events = []
            if body["version"] > cert.last_event_seq:
                # Something happened at the service (or at customs): tell it in the chatter,
                # with the details the events carry (reasons, articles, customs answers).
                events = cert._pull_events()
            state = body.get("state")
            if state in service_states() and state != cert.state:
                cert._set_state(state, self.env._("Reported by the service."))
                if state in states_awaiting_the_exporter():
                    cert._ask_the_responsible(state, events)
            _commit_unless_testing(self.env)

    def _ask_the_responsible(self, state, events):
        """Customs rejected the certificate or asked a question: an activity for the person
        responsible for it, with the reasons or the question as customs gave them."""
        self.ensure_one()
        lines = []
        for event in events:
            detail = event.get("detail") or {}
            for reason in detail.get("reasons") or []:
                if isinstance(reason, dict):
                    code = f"{reason.get('code')}: " if reason.get("code") else ""
                    lines.append(f"{code}{reason.get('text') or ''}")
                else:
                    lines.append(str(reason))
            if detail.get("question"):
                lines.append(str(detail["question"]))
        importing = self.importing_country_id.name or ""
        summary = (
            self.env._(
                "Customs of %(country)s rejected %(name)s", country=importing, name=self.name
            )
            if state == "rejected"
            else self.env._(
                "Customs of %(country)s ask about %(name)s", country=importing, name=self.name
            )
        )
        note = "\n".join(lines) or self.env._("No reason was given; see the chatter.")
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=summary,
            note=plaintext2html(note),
            user_id=self._responsible_user().id,
        )

    def _responsible_user(self):
        self.ensure_one()
        user = self.user_id or self.sale_order_id.user_id or self.env.ref("base.user_admin")
        return user if user.active else self.env.ref("base.user_admin")

    @api.model
    def _status_pull_requested(self, company, service_id):
        """The webhook rang for `service_id`: pull that certificate's status at once."""
        certificates = (
            self.search([("company_id", "=", company.id), ("service_id", "=", service_id)])
            if service_id
            else self.browse()
        )
        if certificates:
            certificates.write({"status_pull_requested": True})
            self.env.ref("rcep_eco.ir_cron_rcep_status")._trigger()
        return certificates

    def _pull_events(self):
        self.ensure_one()
        answer = self._connector().certificate_events(self.service_id)
        error = answer.error or (
            events_problem(answer.body) and self._malformed_answer(events_problem(answer.body))
        )
        if error:
            self._pull_failed(error)
            return []
        events = [e for e in answer.body["items"] if e["seq"] > self.last_event_seq]
        for event in events:
            detail = "; ".join(
                f"{key}: {value}"
                for key, value in (event.get("detail") or {}).items()
                if value not in (None, "", [], {})
            )
            self.message_post(
                body=self.env._(
                    "Service event %(seq)s: %(type)s by %(actor)s at %(at)s%(detail)s",
                    seq=event["seq"],
                    type=event["type"],
                    actor=event["actor"],
                    at=event["at"],
                    detail=f" ({detail})" if detail else "",
                )
            )
        if events:
            self.write({"last_event_seq": max(e["seq"] for e in events)})
        return events

    def _pull_failed(self, error):
        if self.last_error != error:
            self.write({"last_error": error})
            self.message_post(body=self.env._("Status pull failed: %s", error))

    @api.model
    def _cron_pull_status(self):
        """Rung by the webhook: the certificates it named, at once. Every hour (and whenever
        the last full round is an hour old) also every certificate whose status may still
        change, and the destinations the service knows: the safety net for a lost webhook."""
        self.search([("status_pull_requested", "=", True)])._pull_status()
        params = self.env["ir.config_parameter"].sudo()
        last = params.get_param("rcep_eco.last_full_status_pull")
        now = fields.Datetime.now()
        if last and fields.Datetime.to_datetime(last) > now - timedelta(minutes=55):
            return
        params.set_param("rcep_eco.last_full_status_pull", fields.Datetime.to_string(now))
        domain = [("state", "in", list(states_still_changing())), ("service_id", "!=", False)]
        self.search(domain)._pull_status()
        for company in self.env["res.company"].search(
            [("rcep_connection_state", "=", "connected")]
        ):
            company._rcep_refresh_destinations()

    # --- lifecycle actions ------------------------------------------------------------------

    def _open_action_wizard(self, action):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "rcep.certificate.action.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_certificate_id": self.id, "default_action": action},
        }

    def action_cancel(self):
        self.ensure_one()
        if self.state == "to_send":
            # A send in flight may have reached the service: let it finish or fail first.
            raise UserError(
                self.env._("%s is being sent; cancel it once it is issued or failed.", self.name)
            )
        if self.state in EDITABLE_STATES:
            # Never issued by the service: cancel locally.
            self._set_state("cancelled", self.env._("Cancelled before issue."))
            return True
        if self.state not in withdrawable_states():
            raise UserError(
                self.env._(
                    "%(name)s cannot be cancelled any more (status: %(state)s).",
                    name=self.name,
                    state=self._state_label(self.state),
                )
            )
        return self._open_action_wizard("cancel")

    def action_certified_true_copy(self):
        self.ensure_one()
        if self.state not in standing_states():
            raise UserError(
                self.env._("A certified true copy needs an issued certificate (Art 3.17.9).")
            )
        return self._open_action_wizard("certified_true_copy")

    def action_record_official_certificate(self):
        """The issuing body's own certificate number, lookup link and PDF (issue 9.5)."""
        self.ensure_one()
        if not self.can_record_official:
            raise UserError(
                self.env._(
                    "An official certificate is recorded against an issued Certificate of "
                    "Origin that its issuing body has not endorsed or refused electronically."
                )
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Record Official Certificate"),
            "res_model": "rcep.official.certificate.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_certificate_id": self.id},
        }

    def action_replace(self):
        """Art 3.17.5: prepare a corrected draft; sending it replaces this certificate."""
        self.ensure_one()
        if self.state not in withdrawable_states():
            raise UserError(self.env._("Only an issued certificate can be replaced (Art 3.17.5)."))
        new = self.copy({"replaces_id": self.id})
        self.message_post(body=self.env._("Replacement %s prepared.", new.name))
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": new.id,
            "view_mode": "form",
        }

    def _service_action_key(self, action):
        # One key per (certificate, action): a retried click replays, never repeats.
        return f"{self.idempotency_key or self.service_id}:{action}"

    def _do_cancel(self, reason):
        self.ensure_one()
        answer = self._connector().cancel_certificate(
            self.service_id, reason, self._service_action_key("cancel")
        )
        state = answer.body.get("state") if answer.ok else None
        error = answer.error or (
            None
            if state in service_states()
            else self._malformed_answer(self.env._("no valid state"))
        )
        if error:
            return self._report_action_error(self.env._("Cancellation failed"), error)
        self.write({"last_error": False})
        self._set_state(state, reason)
        return True

    def _do_certified_true_copy(self, reason, note):
        self.ensure_one()
        answer = self._connector().certified_true_copy(
            self.service_id, reason, note, self._service_action_key("certified-true-copy")
        )
        error = answer.error or (
            resource_problem(answer.body) and self._malformed_answer(resource_problem(answer.body))
        )
        if error:
            return self._report_action_error(self.env._("Certified true copy failed"), error)
        body = answer.body
        copy = self.copy(
            {
                "name": body.get("number") or self.name,
                "copy_of_id": self.id,
                "certified_on": (
                    (body.get("certificate") or {}).get("certified_true_copy") or {}
                ).get("certified_on"),
            }
        )
        copy._apply_resource(body)
        copy._store_pdf()
        self.message_post(
            body=self.env._("Certified true copy issued (%(reason)s, Art 3.17.9).", reason=reason)
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": copy.id,
            "view_mode": "form",
        }

    def _report_action_error(self, title, error):
        self.write({"last_error": error})
        self.message_post(body=f"{title}: {error}")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"title": title, "message": error, "type": "danger", "sticky": True},
        }

    # --- pre-check --------------------------------------------------------------------------

    def action_precheck(self):
        """Dry run at the service (/v1/precheck): nothing is stored there."""
        self.ensure_one()
        text = self._precheck_text()
        self.write({"precheck_result": text})
        self.message_post(body=text)
        return True

    def _precheck_text(self):
        """What Odoo itself would refuse, then the service's /v1/precheck answer about this
        (possibly unsaved) certificate."""
        self._check_service_config()
        blocking = self._blocking_problems()
        text = ""
        if blocking:
            text = (
                self.env._(
                    "Odoo will not send this certificate yet:\n%s",
                    "\n".join(f"- {p}" for p in blocking),
                )
                + "\n"
            )
        answer = self._connector().precheck(self._build_document())
        if answer.error:
            return text + self.env._("Pre-check could not run: %s", answer.error)
        body = answer.body
        if body.get("valid"):
            text += self.env._("Pre-check passed: the service would accept this certificate.")
        else:
            text += self.env._(
                "Pre-check found problems:\n%s", format_problems(body.get("errors") or [])
            )
        if body.get("warnings"):
            text += "\n" + self.env._("Warnings:\n%s", format_problems(body["warnings"]))
        lane = (body.get("classification") or {}).get("lane")
        if lane:
            text += "\n" + self.env._(
                "Expected customs lane: %(lane)s (%(why)s)",
                lane=lane,
                why="; ".join(
                    redact_cost_reasons(
                        body["classification"].get("reasons") or [], body.get("warnings") or []
                    )
                ),
            )
        return text

    # --- documents --------------------------------------------------------------------------

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.name.replace("/", "-")

    def _pdf_attachment_name(self):
        """The stored PDF's name once the service issued the certificate (the report then
        saves it and returns it on every print); drafts are rendered each time."""
        self.ensure_one()
        if not self.service_id or self.state in EDITABLE_STATES + ("to_send",):
            return False
        return f"{self._get_report_base_filename()}.pdf"

    def _store_pdf(self):
        """Ask for the Form RCEP PDF of these newly issued certificates to be rendered and kept
        (a few seconds later, by the cron: a slow or failing renderer never holds up or undoes
        an issue). Printing first stores it just the same (the report's attachment)."""
        self.env.ref("rcep_eco.ir_cron_rcep_store_pdf")._trigger()

    @api.model
    def _cron_store_pdfs(self):
        pending = self.search(
            [("service_id", "!=", False), ("pdf_attachment_id", "=", False)]
        ).filtered(lambda c: c._pdf_attachment_name())
        for cert in pending:
            cert._render_and_store_pdf()
            _commit_unless_testing(self.env)

    def _render_and_store_pdf(self):
        """Render the Form RCEP PDF once, as issued, and keep it (the report's attachment)."""
        self.ensure_one()
        report = self.env["ir.actions.report"]
        try:
            _content, kind = report._render_qweb_pdf(REPORT, self.ids)
        except Exception as exc:  # noqa: BLE001 - wkhtmltopdf missing or failing
            _logger.warning("Form RCEP PDF of %s not stored: %s", self.name, exc)
            return
        if kind == "pdf":
            # (In test mode Odoo renders HTML unless asked: then nothing is stored.)
            attachment = report._get_report(REPORT).retrieve_attachment(self)
            self.sudo().pdf_attachment_id = attachment

    def _stored_pdf_content(self):
        """The issued PDF's bytes: the stored one, stored now if it is missing (an issue
        whose rendering failed)."""
        self.ensure_one()
        if not self.pdf_attachment_id:
            self.sudo()._render_and_store_pdf()
        if self.pdf_attachment_id:
            return self.pdf_attachment_id.sudo().raw
        content, _kind = self.env["ir.actions.report"].sudo()._render_qweb_pdf(REPORT, self.ids)
        return content

    def _render_pdf_attachment(self, res_model=None, res_id=0):
        """The Form RCEP PDF as an attachment (by default of this certificate; the e-mail
        composer asks for a draft attachment that posting links to the order). An issued
        certificate gives its stored PDF, never a new rendering."""
        self.ensure_one()
        content, _kind = self.env["ir.actions.report"]._render_qweb_pdf(REPORT, self.ids)
        return self.env["ir.attachment"].create(
            {
                "name": f"{self._get_report_base_filename()}.pdf",
                "raw": content,
                "res_model": res_model or self._name,
                "res_id": res_id if res_model else self.id,
                "mimetype": "application/pdf",
            }
        )
