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
    rcep_in_party = fields.Boolean(
        string="In an RCEP Party",
        compute="_compute_rcep_importer_missing",
        store=True,
        help="The customer's country is a Party to RCEP: its goods may travel under an e-CO.",
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
                    self.env._("%(country)s is not an RCEP Party", country=partner.country_id.name)
                )
            if not (partner.street or partner.city):
                missing.append(self.env._("address"))
            partner.rcep_importer_missing = ", ".join(missing)
            partner.rcep_in_party = partner.country_id.code in parties

    def _rcep_party_dict(self):
        """Box 1/2/3 party: name, one-line address, country."""
        self.ensure_one()
        address = ", ".join(
            part
            for part in (self.street, self.street2, self.city, self.zip, self.state_id.name)
            if part
        )
        return {"name": self.name or "", "address": address, "country": self.country_id.code or ""}


class ResCountry(models.Model):
    _inherit = "res.country"

    rcep_invoice_required = fields.Boolean(
        string="e-CO: Invoice Required",
        help="The customs of this importing Party require the invoice number and date on "
        "certificates of origin (Box 13): Odoo does not send a certificate without them.",
    )
