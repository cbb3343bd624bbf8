from odoo import fields, models


class RcepStatementWithdraw(models.TransientModel):
    _name = "rcep.statement.withdraw"
    _description = "Withdraw an Origin Statement"

    statement_id = fields.Many2one("rcep.origin.statement", required=True, readonly=True)
    reason = fields.Char(
        required=True, help="Shown on the statement's verification page, for everyone to read."
    )

    def action_withdraw(self):
        self.ensure_one()
        self.statement_id._withdraw(self.reason)
        if self.statement_id.state != "withdrawn":
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "danger",
                    "sticky": True,
                    "title": self.env._("Origin statement not withdrawn"),
                    "message": self.statement_id.last_error,
                },
            }
        return {"type": "ir.actions.act_window_close"}
