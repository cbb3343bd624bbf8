import base64
import json
import logging
import uuid
from datetime import timedelta

import requests
from odoo import api, fields, models, modules
from odoo.exceptions import UserError

from ..originlink_bridge import (
    check_certificate,
    events_problem,
    format_problems,
    printable_short_code,
    redact_cost_reasons,
    resource_problem,
    service_states,
    standing_states,
    states_still_changing,
    verification_link,
    withdrawable_states,
)

_logger = logging.getLogger(__name__)

# Seconds (connect and read each): the service answers in well under a second; a hung socket
# must not hold an Odoo worker. A single number, as Odoo's own HTTP clients use.
SERVICE_TIMEOUT = 20
# Minutes to wait before each retry of a send that failed for a transient reason.
RETRY_DELAYS = (1, 5, 15, 60, 240)
TRANSIENT_STATUSES = {408, 425, 429, 500, 502, 503, 504}

STATES = [
    ("draft", "Draft"),
    ("to_send", "Queued"),
    ("error", "Failed"),
    ("received", "Received"),
    ("issued", "Issued"),
    ("forwarded", "Forwarded to Customs"),
    ("accepted", "Accepted"),
    ("rejected", "Rejected"),
    ("query", "Customs Query"),
    ("utilised", "Utilised"),
    ("cancelled", "Cancelled"),
    ("replaced", "Replaced"),
]
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
# The service's states and their meanings come from the core (originlink.states, through the
# bridge): service_states(), states_still_changing(), withdrawable_states(), standing_states().


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
    state = fields.Selection(STATES, default="draft", required=True, readonly=True, copy=False)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    sale_order_id = fields.Many2one("sale.order", string="Sales Order", index=True, copy=True)
    document_type = fields.Selection(
        [
            ("certificate_of_origin", "Certificate of Origin"),
            ("declaration_of_origin", "Declaration of Origin"),
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
    last_event_seq = fields.Integer(copy=False, readonly=True)
    next_retry_at = fields.Datetime(copy=False, readonly=True)
    last_error = fields.Text(copy=False, readonly=True)
    precheck_result = fields.Text(string="Pre-check Result", copy=False, readonly=True)
    service_id = fields.Char(string="Service Id", copy=False, readonly=True, index=True)
    public_id = fields.Char(copy=False, readonly=True)
    access_code = fields.Char(copy=False, readonly=True)
    short_code = fields.Char(copy=False, readonly=True)
    digest = fields.Char(copy=False, readonly=True)
    verify_url = fields.Char(string="Verification Link", copy=False, readonly=True)
    qr_code = fields.Binary(string="QR Code", compute="_compute_qr_code")
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

    _service_id_unique = models.Constraint(
        "UNIQUE(company_id, service_id)",
        "A service certificate can be linked only once per company.",
    )

    # --- computes ------------------------------------------------------------------------

    @api.depends("importer_id")
    def _compute_importing_country_id(self):
        for cert in self:
            cert.importing_country_id = cert.importer_id.country_id

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
            "issued_retroactively": bool(
                self.departure_date and self.issue_date > self.departure_date
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
            "approved_exporter_code": None if is_co else (self.approved_exporter_code or None),
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
                    "Settings > Sales > RCEP e-CO first.",
                    company=company.name,
                )
            )

    # --- state ----------------------------------------------------------------------------

    def _set_state(self, state, note=None):
        """The only writer of `state`; every change is told in the chatter."""
        labels = dict(STATES)
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

    # --- the one HTTP call site -------------------------------------------------------------

    def _call_service(self, method, path, payload=None, idempotency_key=None, company=None):
        """Call the OriginLink service. Never raises for network or HTTP errors: returns
        {"status": int | None, "body": dict | None, "error": str | None}; error is text
        people can read (the problem's code, message and the fields it names)."""
        company = (company or self.company_id or self.env.company).sudo()
        base = (company.rcep_service_url or "").rstrip("/")
        if not base or not company.rcep_api_key:
            return {"status": None, "body": None, "error": "service URL or API key not set"}
        headers = {"Authorization": f"Bearer {company.rcep_api_key}", "Accept": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            response = requests.request(
                method, base + path, json=payload, headers=headers, timeout=SERVICE_TIMEOUT
            )
        except requests.exceptions.RequestException as exc:
            _logger.info("e-CO service %s %s failed: %s", method, path, exc)
            return {"status": None, "body": None, "error": f"{type(exc).__name__}: {exc}"}
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        if response.status_code >= 400:
            return {
                "status": response.status_code,
                "body": body,
                "error": self._format_service_error(response.status_code, body, response.text),
            }
        if not isinstance(body, dict):
            # A 2xx that is not our JSON (a proxy page, a wrong URL): never trusted as an answer.
            return {
                "status": response.status_code,
                "body": None,
                "error": self._format_service_error(response.status_code, None, response.text),
            }
        return {"status": response.status_code, "body": body, "error": None}

    @api.model
    def _format_service_error(self, status, body, text):
        if not isinstance(body, dict):
            return f"HTTP {status}: {(text or '').strip()[:500]}"
        lines = [f"HTTP {status} {body.get('code', '')}: {body.get('detail') or body.get('title')}"]
        if body.get("article"):
            lines[0] += f" ({body['article']})"
        lines += format_problems(body.get("errors") or []).splitlines()
        return "\n".join(lines)

    # --- sending ----------------------------------------------------------------------------

    def action_send(self):
        """Validate, save the Idempotency-Key, then send once now; transient failures are
        retried by the cron."""
        for cert in self:
            if cert.state not in ("draft", "error"):
                raise UserError(
                    self.env._("Only draft or failed certificates can be sent (%s).", cert.name)
                )
            if cert.replaces_id and not cert.replace_reason:
                raise UserError(self.env._("Say why %s replaces the original.", cert.name))
            cert._check_service_config()
            payload = json.dumps(cert._send_payload(cert._check_document()), sort_keys=True)
            if not cert.idempotency_key or cert.sudo().payload_json != payload:
                # A new document needs a new key; the same document keeps its key so that a
                # retry can never create a second certificate.
                cert.sudo().write({"idempotency_key": str(uuid.uuid4()), "payload_json": payload})
            cert.write(
                {
                    "send_attempts": 0,
                    "next_retry_at": fields.Datetime.now(),
                    "environment": cert.company_id.rcep_environment,
                }
            )
            cert._set_state("to_send")
        _commit_unless_testing(self.env)
        self._send()
        return True

    def _send_payload(self, document):
        if self.replaces_id:
            return {"certificate": document, "reason": self.replace_reason}
        return document

    def _send_path(self):
        if self.replaces_id:
            return f"/v1/certificates/{self.replaces_id.service_id}/replace"
        return "/v1/certificates"

    def _send(self):
        for cert in self.filtered(lambda c: c.state == "to_send"):
            result = cert._call_service(
                "POST",
                cert._send_path(),
                json.loads(cert.sudo().payload_json),
                idempotency_key=cert.idempotency_key,
            )
            attempts = cert.send_attempts + 1
            if result["error"] is None and resource_problem(result["body"]):
                # Retried with the same key: the service replays the answer it stored.
                result = {"status": None, "body": None, "error": resource_problem(result["body"])}
            if result["error"] is None:
                cert.write({"send_attempts": attempts, "next_retry_at": False, "last_error": False})
                cert._apply_resource(result["body"])
                if cert.replaces_id:
                    cert.replaces_id._set_state(
                        "replaced", self.env._("Replaced by %s (Art 3.17.5).", cert.name)
                    )
            elif result["status"] is None or result["status"] in TRANSIENT_STATUSES:
                cert._schedule_retry(attempts, result["error"])
            else:
                cert.write({"send_attempts": attempts, "last_error": result["error"]})
                cert._set_state("error", self.env._("The service refused it:\n%s", result["error"]))
            _commit_unless_testing(self.env)

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
        base = (self.company_id.sudo().rcep_service_url or "").rstrip("/")
        public_id = body.get("public_id")
        self.write(
            {
                "service_id": body["id"],
                "public_id": public_id,
                "access_code": body.get("access_code"),
                "short_code": body.get("short_code")
                or (printable_short_code(public_id) if public_id else False),
                "digest": body.get("digest"),
                # The service's version is the sequence number of its last event.
                "last_event_seq": body.get("version") or 0,
                "verify_url": verification_link(base, public_id) if public_id else False,
            }
        )
        state = body.get("state")
        if state in service_states():
            self._set_state(state)

    @api.model
    def _cron_send(self):
        due = self.search(
            [("state", "=", "to_send"), ("next_retry_at", "<=", fields.Datetime.now())]
        )
        due._send()

    # --- status pull (cron, rung by the webhook) --------------------------------------------

    def action_pull_status(self):
        self._pull_status()
        return True

    def _pull_status(self):
        for cert in self.filtered(lambda c: c.service_id):
            result = cert._call_service("GET", f"/v1/certificates/{cert.service_id}")
            if result["error"]:
                cert._pull_failed(result["error"])
                continue
            body = result["body"]
            if resource_problem(body):
                cert._pull_failed(resource_problem(body))
                continue
            cert.write({"last_error": False})
            if body["version"] > cert.last_event_seq:
                # Something happened at the service (or at customs): tell it in the chatter,
                # with the details the events carry (reasons, articles, customs answers).
                cert._pull_events()
            state = body.get("state")
            if state in service_states() and state != cert.state:
                cert._set_state(state, self.env._("Reported by the service."))
            _commit_unless_testing(self.env)

    def _pull_events(self):
        self.ensure_one()
        result = self._call_service("GET", f"/v1/certificates/{self.service_id}/events")
        error = result["error"] or events_problem(result["body"])
        if error:
            self._pull_failed(error)
            return
        events = [e for e in result["body"]["items"] if e["seq"] > self.last_event_seq]
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

    def _pull_failed(self, error):
        if self.last_error != error:
            self.write({"last_error": error})
            self.message_post(body=self.env._("Status pull failed: %s", error))

    @api.model
    def _cron_pull_status(self):
        domain = [("state", "in", list(states_still_changing())), ("service_id", "!=", False)]
        self.search(domain)._pull_status()

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
        if self.state in ("draft", "error"):
            # Never issued by the service: cancel locally.
            self._set_state("cancelled", self.env._("Cancelled before issue."))
            return True
        if self.state not in withdrawable_states():
            raise UserError(self.env._("A %s certificate cannot be cancelled.", self.state))
        return self._open_action_wizard("cancel")

    def action_certified_true_copy(self):
        self.ensure_one()
        if self.state not in standing_states():
            raise UserError(
                self.env._("A certified true copy needs an issued certificate (Art 3.17.9).")
            )
        return self._open_action_wizard("certified_true_copy")

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
        result = self._call_service(
            "POST",
            f"/v1/certificates/{self.service_id}/cancel",
            {"reason": reason},
            idempotency_key=self._service_action_key("cancel"),
        )
        state = result["body"].get("state") if result["error"] is None else None
        error = result["error"] or (
            None if state in service_states() else "the service's answer has no valid state"
        )
        if error:
            return self._report_action_error(self.env._("Cancellation failed"), error)
        self.write({"last_error": False})
        self._set_state(state, reason)
        return True

    def _do_certified_true_copy(self, reason, note):
        self.ensure_one()
        result = self._call_service(
            "POST",
            f"/v1/certificates/{self.service_id}/certified-true-copy",
            {"reason": reason, "note": note or None},
            idempotency_key=self._service_action_key("certified-true-copy"),
        )
        error = result["error"] or resource_problem(result["body"])
        if error:
            return self._report_action_error(self.env._("Certified true copy failed"), error)
        body = result["body"]
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
        """Ask the service's /v1/precheck about this (possibly unsaved) certificate."""
        self._check_service_config()
        result = self._call_service("POST", "/v1/precheck", self._build_document())
        if result["error"]:
            return self.env._("Pre-check could not run: %s", result["error"])
        body = result["body"]
        if body.get("valid"):
            text = self.env._("Pre-check passed: the service would accept this certificate.")
        else:
            text = self.env._(
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

    def _render_pdf_attachment(self, res_model=None, res_id=0):
        """The Form RCEP PDF as an attachment (by default of this certificate; the e-mail
        composer asks for a draft attachment that posting links to the order)."""
        self.ensure_one()
        content, _kind = self.env["ir.actions.report"]._render_qweb_pdf(
            "rcep_eco.action_report_rcep_certificate", self.ids
        )
        return self.env["ir.attachment"].create(
            {
                "name": f"{self._get_report_base_filename()}.pdf",
                "raw": content,
                "res_model": res_model or self._name,
                "res_id": res_id if res_model else self.id,
                "mimetype": "application/pdf",
            }
        )
