"""Every call this module makes to the OriginLink service: one method per origin-statement
endpoint of its exporter API.

rcep_eco is getting one connector class for all its calls (issue 15.3, on its own branch);
once it is on main these methods move onto it — they only use `_request`, which has the same
contract here: it never raises for network or HTTP errors, and returns a `ServiceAnswer` whose
`error` is a sentence saying what happened and what to do.
"""

import logging
from dataclasses import dataclass

import requests

from ..originlink_bridge import statement_path

_logger = logging.getLogger(__name__)

TIMEOUT = 20  # seconds, connect and read each: a hung socket must not hold an Odoo worker
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
SETTINGS_PATH = "Settings > Sales > RCEP e-Certificates of Origin"


@dataclass(frozen=True)
class ServiceAnswer:
    status: int | None
    body: dict | None
    error: str | None = None
    code: str | None = None

    @property
    def ok(self):
        return self.error is None

    @property
    def transient(self):
        return self.error is not None and (self.status is None or self.status in TRANSIENT_STATUSES)


class StatementConnector:
    """The OriginLink service's origin-statement endpoints, as seen from one company."""

    def __init__(self, company):
        company = company.sudo()
        self.company = company
        self.env = company.env
        self.base_url = (company.rcep_service_url or "").rstrip("/")
        self.api_key = company.rcep_api_key or ""

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

    # --- one request ------------------------------------------------------------------------

    def _request(self, method, path, payload=None, idempotency_key=None):
        _ = self.env._
        if not self.base_url or not self.api_key:
            return ServiceAnswer(
                None,
                None,
                _(
                    "The e-CO service URL or API key of %(company)s is not set. Ask your "
                    "administrator to fill them in %(where)s.",
                    company=self.company.name,
                    where=SETTINGS_PATH,
                ),
                code="not_configured",
            )
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            response = requests.request(
                method, self.base_url + path, json=payload, headers=headers, timeout=TIMEOUT
            )
        except requests.exceptions.RequestException as exc:
            _logger.info("e-CO service %s %s failed: %s", method, path, exc)
            sentence = _(
                "The e-CO service at %(url)s cannot be reached or did not answer in time. "
                "Nothing was published or changed; try again in a moment, and if it keeps "
                "happening check the service URL in %(where)s.",
                url=self.base_url,
                where=SETTINGS_PATH,
            )
            details = _("Details:")
            error = f"{sentence}\n{details} {type(exc).__name__}: {exc}"
            return ServiceAnswer(None, None, error, code=type(exc).__name__)
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        status = response.status_code
        if status >= 400 or not isinstance(body, dict):
            code = body.get("code") if isinstance(body, dict) else None
            body = body if isinstance(body, dict) else None
            return ServiceAnswer(status, body, self._error(status, code, body, response.text), code)
        return ServiceAnswer(status, body)

    def _error(self, status, code, body, text):
        _ = self.env._
        if status in TRANSIENT_STATUSES:
            sentence = _(
                "The e-CO service had a temporary problem (HTTP %(status)s). Nothing was "
                "published or changed; try again in a moment.",
                status=status,
            )
        elif status == 401:
            sentence = _(
                "The e-CO service did not accept the API key of %(company)s. Ask your "
                "administrator to enter a valid key in %(where)s.",
                company=self.company.name,
                where=SETTINGS_PATH,
            )
        elif status == 404:
            sentence = _(
                "The e-CO service does not know this origin statement. Check that the service "
                "URL in %(where)s is the service that published it.",
                where=SETTINGS_PATH,
            )
        elif code == "invalid_state":
            sentence = _(
                "The statement was already withdrawn or renewed at the service. Refresh it to "
                "see its state."
            )
        elif status in (400, 422):
            sentence = _(
                "The service found problems in the product's origin data. Correct them (listed "
                "below) and publish again."
            )
        elif body is None:
            sentence = _(
                "%(url)s answered, but not as the e-CO service does (HTTP %(status)s). Check "
                "the service URL in %(where)s.",
                url=self.base_url,
                status=status,
                where=SETTINGS_PATH,
            )
        else:
            sentence = _(
                "The e-CO service refused the request (HTTP %(status)s). The details below say "
                "why.",
                status=status,
            )
        details = _("Details:")
        if body is None:
            return f"{sentence}\n{details} HTTP {status}: {(text or '').strip()[:300]}"
        lines = [sentence, f"{details} HTTP {status} {code or ''}: {body.get('detail', '')}"]
        for problem in body.get("errors") or []:
            article = f" ({problem['article']})" if problem.get("article") else ""
            lines.append(f"- {problem.get('message') or problem.get('path')}{article}")
        return "\n".join(lines)
