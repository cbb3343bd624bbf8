from odoo import fields, models

RCEP_USER = "rcep_eco.group_rcep_user"


class RcepCertificate(models.Model):
    """A customer may read its own certificates (portal); the exchange with the service and
    the pre-check's findings are the exporter's working data, not the customer's: they are
    kept for RCEP users (tests/test_field_security.py enumerates what a portal user reads)."""

    _inherit = "rcep.certificate"

    precheck_result = fields.Text(groups=RCEP_USER)
    last_error = fields.Text(groups=RCEP_USER)
    idempotency_key = fields.Char(groups=RCEP_USER)
    send_attempts = fields.Integer(groups=RCEP_USER)
    next_retry_at = fields.Datetime(groups=RCEP_USER)
    last_event_seq = fields.Integer(groups=RCEP_USER)
    service_id = fields.Char(groups=RCEP_USER)

    def _rcep_portal_pdf(self):
        """The Form RCEP PDF of the certificate: the one stored when it was sent when rcep_eco
        keeps it, else rendered now from its (frozen) fields."""
        self.ensure_one()
        stored = getattr(self, "_stored_pdf_content", None)
        if stored is not None:
            return stored()
        report = self.env.ref("rcep_eco.action_report_rcep_certificate")
        return self.env["ir.actions.report"]._render_qweb_pdf(report, self.ids)[0]
