from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    rcep_declaration_reminder_days = fields.Integer(
        string="Declaration Reminder (days)",
        default=30,
        help="Suppliers are asked to renew their origin declaration this many days before it "
        "expires.",
    )


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    rcep_declaration_reminder_days = fields.Integer(
        related="company_id.rcep_declaration_reminder_days", readonly=False
    )
