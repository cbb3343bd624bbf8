from odoo import models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    def _rcep_statement_blocker(self):
        """rcep_eco_website's reasons, and for a product qualified from its bill of materials:
        no origin statement (nor badge) unless its stored assessment is current — assessed, not
        queued for re-qualification, no unconfirmed loss of origin, no declaration it used
        expired."""
        blocker = super()._rcep_statement_blocker()
        if blocker or self.rcep_origin_source != "bom":
            return blocker
        why = self._rcep_mrp_missing()
        if not why and self.rcep_assessment_state == "expired":
            why = [self.env._("a supplier declaration it used has expired")]
        if not why:
            return False
        return self.env._(
            "The origin assessment of %(product)s is not current: %(why)s.",
            product=self.display_name,
            why="; ".join(why),
        )
