import secrets

from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    rcep_service_url = fields.Char(
        string="e-CO Service URL",
        help="Base URL of the OriginLink service, e.g. https://eco.example.com",
    )
    # Credentials: system administrators only (and blanked by data/neutralize.sql).
    rcep_api_key = fields.Char(string="e-CO API Key", groups="base.group_system")
    rcep_webhook_token = fields.Char(
        string="e-CO Webhook Token",
        groups="base.group_system",
        copy=False,
        help="Secret the service sends to /rcep_eco/webhook to announce a status change.",
    )
    rcep_environment = fields.Selection(
        [("sandbox", "Sandbox"), ("production", "Production")],
        string="e-CO Environment",
        default="sandbox",
        required=True,
    )
    rcep_issuing_country_id = fields.Many2one(
        "res.country",
        string="e-CO Exporting Party",
        help="The RCEP Party the goods are exported from (defaults to the company's country).",
    )
    rcep_issuing_body = fields.Char(
        string="Issuing Body",
        help="Authority that certifies the CO (e.g. the customs office or CCPIT branch).",
    )
    rcep_signatory = fields.Char(string="e-CO Signatory", help="Name and title in Box 16.")
    rcep_show_fob = fields.Boolean(
        string="Show FOB on Every Goods Item",
        groups="base.group_user",
        help="The FOB value is printed where the RVC criterion was used, as Annex 3B requires. "
        "Tick to print it for every criterion (allowed; some exporters prefer not to).",
    )

    def _rcep_exporting_party(self):
        self.ensure_one()
        return (self.rcep_issuing_country_id or self.country_id).code or ""

    def _rcep_new_webhook_token(self):
        self.sudo().rcep_webhook_token = secrets.token_urlsafe(32)
