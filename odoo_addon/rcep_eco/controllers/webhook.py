import hmac

from odoo import http
from odoo.http import request


class RcepWebhookController(http.Controller):
    """The service rings this "doorbell" when a certificate's status changed. It carries no
    data we trust: a valid token only triggers the status pull cron, which asks the service."""

    @http.route(
        "/rcep_eco/webhook",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def rcep_webhook(self, **_kwargs):
        # The token only in a header: a query string is written to Odoo's (and every
        # proxy's) access log, which would leak the secret.
        token = request.httprequest.headers.get("X-OriginLink-Token")
        if not token or not self._token_matches(token):
            return request.make_response("", status=403)
        cron = request.env.ref("rcep_eco.ir_cron_rcep_status", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()
        return request.make_response("", status=204)

    def _token_matches(self, token):
        tokens = (
            request.env["res.company"]
            .sudo()
            .search([("rcep_webhook_token", "!=", False)])
            .mapped("rcep_webhook_token")
        )
        # Constant-time comparison against every company's token.
        return any(hmac.compare_digest(token.encode(), t.encode()) for t in tokens)
