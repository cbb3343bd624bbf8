import json
import secrets

from odoo import fields, models, modules

from ..tools import OriginLinkConnector

WEBHOOK_PATH = "/rcep_eco/webhook"


class ResCompany(models.Model):
    _inherit = "res.company"

    rcep_service_url = fields.Char(
        string="e-CO Service URL",
        help="Base URL of the OriginLink service, e.g. https://eco.example.com",
    )
    # Credentials: system administrators only (and blanked by data/neutralize.sql).
    rcep_api_key = fields.Char(string="e-CO API Key", groups="base.group_system")
    rcep_webhook_secret = fields.Char(
        string="e-CO Webhook Secret",
        groups="base.group_system",
        copy=False,
        help="Shared with the service by Connect: the service signs every call of "
        "/rcep_eco/webhook with it (HMAC-SHA256), and Odoo checks that signature.",
    )
    rcep_connection_state = fields.Selection(
        [("connected", "Connected"), ("failed", "Not connected")],
        string="e-CO Connection",
        copy=False,
        readonly=True,
    )
    rcep_connection_message = fields.Char(string="e-CO Connection Result", readonly=True)
    rcep_connected_at = fields.Datetime(string="e-CO Connected On", readonly=True, copy=False)
    # The service's destinations and issuing bodies (GET /v1/customs/destinations), kept at
    # Connect and by the hourly status pull: how each importing Party receives certificates.
    rcep_destinations_json = fields.Text(
        string="e-CO Destinations (JSON)", copy=False, readonly=True
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
    rcep_approved_exporter_code = fields.Char(
        string="Approved Exporter Code",
        help="The authorisation code a Declaration of Origin by an approved exporter carries "
        "(Art 3.18, 3.21).",
    )
    rcep_show_fob = fields.Boolean(
        string="Show FOB on Every Goods Item",
        groups="base.group_user",
        help="The FOB value is printed where the RVC criterion was used, as Annex 3B requires. "
        "Tick to print it for every criterion (allowed; some exporters prefer not to).",
    )

    def _rcep_exporting_party(self):
        self.ensure_one()
        return (self.rcep_issuing_country_id or self.country_id).code or ""

    # --- Connect (Settings) ----------------------------------------------------------------

    def _rcep_webhook_url(self):
        return self.get_base_url().rstrip("/") + WEBHOOK_PATH

    def _rcep_connect(self):
        """Register this database's webhook with the service (a new shared secret), have the
        service ring it once, and keep the destinations it knows. Proves the URL, the API key
        and that the service reaches Odoo; says which failed and what to do."""
        self.ensure_one()
        company = self.sudo()
        _ = self.env._
        if not company.rcep_service_url or not company.rcep_api_key:
            return company._rcep_connection_result(
                False,
                _("Enter the e-CO service URL and API key first, then Connect."),
            )
        url = company._rcep_webhook_url()
        secret = company.rcep_webhook_secret or secrets.token_urlsafe(48)
        # Committed before the service rings: the ping is checked by another request.
        company.rcep_webhook_secret = secret
        self.env.flush_all()
        if not modules.module.current_test:
            self.env.cr.commit()
        connector = OriginLinkConnector(company)
        answer = connector.register_webhook(url, secret)
        if not answer.ok:
            return company._rcep_connection_result(False, answer.error)
        ping = connector.test_webhook()
        if not ping.ok:
            return company._rcep_connection_result(False, ping.error)
        company._rcep_refresh_destinations(connector)
        if not ping.body.get("delivered"):
            return company._rcep_connection_result(
                False,
                _(
                    "The API key works, but the service could not reach Odoo at %(url)s "
                    "(%(error)s). The service must reach this address: check the database's "
                    "web.base.url and that the address is open to the service, then Connect "
                    "again. Until then, statuses are pulled every hour.",
                    url=url,
                    error=ping.body.get("error") or ping.body.get("status") or "?",
                ),
            )
        return company._rcep_connection_result(
            True,
            _(
                "Connected: the service reached Odoo at %(url)s (HTTP %(status)s in %(ms)s ms). "
                "Status changes now arrive within seconds.",
                url=url,
                status=ping.body.get("status"),
                ms=ping.body.get("duration_ms"),
            ),
        )

    def _rcep_connection_result(self, ok, message):
        self.write(
            {
                "rcep_connection_state": "connected" if ok else "failed",
                "rcep_connection_message": message,
                "rcep_connected_at": fields.Datetime.now() if ok else self.rcep_connected_at,
            }
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("RCEP e-CO service"),
                "message": message,
                "type": "success" if ok else "danger",
                "sticky": not ok,
                "next": {"type": "ir.actions.client", "tag": "reload"},
            },
        }

    def _rcep_refresh_destinations(self, connector=None):
        answer = (connector or OriginLinkConnector(self)).destinations()
        if answer.ok:
            self.sudo().rcep_destinations_json = json.dumps(answer.body, sort_keys=True)

    def _rcep_destinations(self):
        return json.loads(self.sudo().rcep_destinations_json or "{}")

    def _rcep_customs_mode(self, country_code):
        """How the customs of `country_code` receive certificates, as far as the service
        said: direct, manual-review or paper-parallel (the default of an unconfigured one);
        False when the destinations are not known yet."""
        known = self._rcep_destinations()
        if not known:
            return False
        destination = (known.get("destinations") or {}).get(country_code) or {}
        return destination.get("mode") or known.get("default_mode") or "paper-parallel"

    def _rcep_issuing_bodies(self):
        """The issuing bodies of this company's exporting Party the service knows."""
        party = self._rcep_exporting_party()
        bodies = self._rcep_destinations().get("issuing_bodies") or {}
        return {code: b for code, b in bodies.items() if b.get("country") == party}
