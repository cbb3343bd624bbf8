from datetime import timedelta

from odoo import api, fields, models


class RcepWebhookMessage(models.Model):
    """The ids of the webhook calls already handled: a retried or replayed call (the same
    OriginLink-Message-Id inside the signed body) changes nothing twice. Kept a week."""

    _name = "rcep.webhook.message"
    _description = "RCEP e-CO webhook call handled"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    message_id = fields.Char(string="Message ID", required=True)
    received_at = fields.Datetime(required=True, default=fields.Datetime.now)

    _message_unique = models.Constraint(
        "UNIQUE(company_id, message_id)", "A webhook call is handled once."
    )

    def _first_time(self, company, message_id):
        """Record the call; False if it was handled before (concurrent twins included)."""
        self.env.cr.execute(
            """INSERT INTO rcep_webhook_message (company_id, message_id, received_at)
               VALUES (%s, %s, NOW() AT TIME ZONE 'UTC')
               ON CONFLICT (company_id, message_id) DO NOTHING""",
            [company.id, message_id],
        )
        return bool(self.env.cr.rowcount)

    @api.autovacuum
    def _gc_handled_calls(self):
        self.search([("received_at", "<", fields.Datetime.now() - timedelta(days=7))]).unlink()
