from odoo import api, fields, models

from ..originlink_bridge import rcep_parties


class ResPartner(models.Model):
    _inherit = "res.partner"

    rcep_importer_missing = fields.Char(
        string="Missing for e-CO",
        compute="_compute_rcep_importer_missing",
        store=True,
        help="What this customer lacks to be the importer (Box 2) of an RCEP certificate.",
    )

    @api.depends("country_id", "name", "street", "city")
    def _compute_rcep_importer_missing(self):
        parties = rcep_parties()
        for partner in self:
            missing = []
            if not partner.country_id:
                missing.append(self.env._("country"))
            elif partner.country_id.code not in parties:
                missing.append(
                    self.env._("%(country)s is not an RCEP Party", country=partner.country_id.code)
                )
            if not (partner.street or partner.city):
                missing.append(self.env._("address"))
            partner.rcep_importer_missing = ", ".join(missing)

    def _rcep_party_dict(self):
        """Box 1/2/3 party: name, one-line address, country."""
        self.ensure_one()
        address = ", ".join(
            part
            for part in (self.street, self.street2, self.city, self.zip, self.state_id.name)
            if part
        )
        return {"name": self.name or "", "address": address, "country": self.country_id.code or ""}
