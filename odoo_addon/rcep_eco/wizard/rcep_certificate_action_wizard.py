from odoo import fields, models
from odoo.exceptions import UserError


class RcepCertificateActionWizard(models.TransientModel):
    """Reason for a cancellation or a certified true copy (both are told to the service)."""

    _name = "rcep.certificate.action.wizard"
    _description = "RCEP Certificate Cancellation / Certified True Copy"

    certificate_id = fields.Many2one("rcep.certificate", required=True)
    action = fields.Selection(
        [("cancel", "Cancel"), ("certified_true_copy", "Certified True Copy")], required=True
    )
    reason = fields.Char(string="Cancellation Reason")
    copy_reason = fields.Selection(
        [("lost", "Lost"), ("stolen", "Stolen"), ("destroyed", "Destroyed")],
        string="The Original Was",
    )
    note = fields.Char()

    def action_confirm(self):
        self.ensure_one()
        if self.action == "cancel":
            if not self.reason:
                raise UserError(self.env._("Give the reason for the cancellation."))
            return self.certificate_id._do_cancel(self.reason)
        if not self.copy_reason:
            raise UserError(self.env._("Say whether the original was lost, stolen or destroyed."))
        return self.certificate_id._do_certified_true_copy(self.copy_reason, self.note)
