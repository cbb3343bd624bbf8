from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    rcep_service_url = fields.Char(related="company_id.rcep_service_url", readonly=False)
    rcep_api_key = fields.Char(related="company_id.rcep_api_key", readonly=False)
    rcep_connection_state = fields.Selection(related="company_id.rcep_connection_state")
    rcep_connection_message = fields.Char(related="company_id.rcep_connection_message")
    rcep_environment = fields.Selection(related="company_id.rcep_environment", readonly=False)
    rcep_issuing_country_id = fields.Many2one(
        related="company_id.rcep_issuing_country_id", readonly=False
    )
    rcep_issuing_body = fields.Char(related="company_id.rcep_issuing_body", readonly=False)
    rcep_signatory = fields.Char(related="company_id.rcep_signatory", readonly=False)
    rcep_show_fob = fields.Boolean(related="company_id.rcep_show_fob", readonly=False)
    rcep_approved_exporter_code = fields.Char(
        related="company_id.rcep_approved_exporter_code", readonly=False
    )

    def action_rcep_connect(self):
        """Save the settings, then Connect (register the webhook, test it and the key)."""
        self.execute()
        return self.company_id._rcep_connect()
