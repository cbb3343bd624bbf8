import json
import logging

from odoo import http
from odoo.http import request

from ..originlink_bridge import verify_webhook_signature

_logger = logging.getLogger(__name__)


class RcepWebhookController(http.Controller):
    """The service rings this "doorbell" when a certificate's status changed (and once with a
    `ping` when Settings > Connect tests it). A request counts only if it is signed with the
    secret Connect shared (HMAC-SHA256 over timestamp and body, at most five minutes old) and
    was not seen before; it then marks the certificate for the status pull and triggers it.
    Nothing in the body is trusted beyond naming the certificate: the pull asks the service."""

    @http.route(
        "/rcep_eco/webhook",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def rcep_webhook(self, **_kwargs):
        raw = request.httprequest.get_data()
        headers = request.httprequest.headers
        companies = request.env["res.company"].sudo().search([("rcep_webhook_secret", "!=", False)])
        company, why = None, "no company is connected"
        for candidate in companies:
            check = verify_webhook_signature(candidate.rcep_webhook_secret, headers, raw)
            if check.ok:
                company = candidate
                break
            why = check.code
        if company is None:
            _logger.info("e-CO webhook refused: %s", why)
            return request.make_json_response({"error": why}, status=401)
        try:
            payload = json.loads(raw)
            message_id = str(payload["id"])
        except (ValueError, KeyError, TypeError):
            return request.make_json_response({"error": "not an OriginLink event"}, status=400)
        if not request.env["rcep.webhook.message"].sudo()._first_time(company, message_id):
            return request.make_response("", status=204)  # a retry of what was handled
        if payload.get("type") == "certificate.status_changed":
            service_id = ((payload.get("data") or {}).get("certificate") or {}).get("id")
            request.env["rcep.certificate"].sudo()._status_pull_requested(company, service_id)
        return request.make_response("", status=204)
