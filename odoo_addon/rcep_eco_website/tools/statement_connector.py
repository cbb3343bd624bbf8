"""The origin-statement endpoints of the OriginLink service's exporter API, on rcep_eco's one
connector class (issue 15.3): the same request, timeout and error mapping; only the sentences
that name what a statement request did differ.

Unlike a certificate, a statement request is not retried by a cron: a failed publication keeps
its draft (and its idempotency key) until the user clicks again, so the sentences say
"nothing was published or changed; try again" instead of "Odoo tries again automatically".
"""

from odoo.addons.rcep_eco.tools.originlink_connector import (
    SETTINGS_PATH,
    TRANSIENT_STATUSES,
    OriginLinkConnector,
    ServiceAnswer,
)

from ..originlink_bridge import statement_path

__all__ = ["ServiceAnswer", "StatementConnector"]


class StatementConnector(OriginLinkConnector):
    """The OriginLink service's origin-statement endpoints, as seen from one company."""

    # --- the endpoints ----------------------------------------------------------------------

    def publish_statement(self, statement, idempotency_key):
        return self._request("POST", statement_path(), statement, idempotency_key)

    def renew_statement(self, service_id, statement, reason, idempotency_key):
        body = {"statement": statement, "reason": reason or None}
        return self._request("POST", statement_path(service_id) + "/renew", body, idempotency_key)

    def withdraw_statement(self, service_id, reason, idempotency_key):
        path = statement_path(service_id) + "/withdraw"
        return self._request("POST", path, {"reason": reason}, idempotency_key)

    def get_statement(self, service_id):
        return self._request("GET", statement_path(service_id))

    # --- the sentences a statement request needs ---------------------------------------------

    def _network_error(self, exc):
        _ = self.env._
        sentence = _(
            "The e-CO service at %(url)s cannot be reached or did not answer in time. "
            "Nothing was published or changed; try again in a moment, and if it keeps "
            "happening check the service URL in %(where)s.",
            url=self.base_url,
            where=SETTINGS_PATH,
        )
        details = _("Details:")
        return f"{sentence}\n{details} {type(exc).__name__}: {exc}"

    def _busy_sentence(self, status):
        return self.env._(
            "The e-CO service had a temporary problem (HTTP %(status)s). Nothing was "
            "published or changed; try again in a moment.",
            status=status,
        )

    def _sentence_for(self, status, code, body):
        _ = self.env._
        if status in TRANSIENT_STATUSES:
            return self._busy_sentence(status)
        if status == 404:
            return _(
                "The e-CO service does not know this origin statement. Check that the service "
                "URL in %(where)s is the service that published it.",
                where=SETTINGS_PATH,
            )
        if code == "invalid_state":
            return _(
                "The statement was already withdrawn or renewed at the service. Refresh it to "
                "see its state."
            )
        if status in (400, 422):
            return _(
                "The service found problems in the product's origin data. Correct them (listed "
                "below) and publish again."
            )
        return super()._sentence_for(status, code, body)
