"""Every call the addon makes to the OriginLink service: one method per endpoint of its
exporter API (as account_peppol's PeppolIAPConnector does for the Peppol proxy).

Methods never raise for network or HTTP errors: they return a `ServiceAnswer` whose `error` is
a sentence saying what happened and what to do (translated), followed by the service's own
problem (code, message, fields, articles) for whoever has to look closer. `transient` says
whether the same request may simply be tried again later.
"""

import logging
from dataclasses import dataclass

import requests

from ..originlink_bridge import format_problems

_logger = logging.getLogger(__name__)

# Seconds (connect and read each): the service answers in well under a second; a hung socket
# must not hold an Odoo worker. A single number, as Odoo's own HTTP clients use.
TIMEOUT = 20
# Answers that say "try again later" (the request itself was fine).
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


class OriginLinkConnector:
    """The OriginLink service as seen from one company (its URL and API key)."""

    def __init__(self, company):
        company = company.sudo()
        self.company = company
        self.env = company.env
        self.base_url = (company.rcep_service_url or "").rstrip("/")
        self.api_key = company.rcep_api_key or ""

    # --- the endpoints ----------------------------------------------------------------------

    def create_certificate(self, document, idempotency_key):
        return self._request("POST", "/v1/certificates", document, idempotency_key)

    def replace_certificate(self, service_id, document, reason, idempotency_key):
        body = {"certificate": document, "reason": reason}
        return self._request(
            "POST", f"/v1/certificates/{service_id}/replace", body, idempotency_key
        )

    def precheck(self, document):
        return self._request("POST", "/v1/precheck", document)

    def get_certificate(self, service_id):
        return self._request("GET", f"/v1/certificates/{service_id}")

    def certificate_events(self, service_id):
        return self._request("GET", f"/v1/certificates/{service_id}/events")

    def cancel_certificate(self, service_id, reason, idempotency_key):
        return self._request(
            "POST", f"/v1/certificates/{service_id}/cancel", {"reason": reason}, idempotency_key
        )

    def certified_true_copy(self, service_id, reason, note, idempotency_key):
        return self._request(
            "POST",
            f"/v1/certificates/{service_id}/certified-true-copy",
            {"reason": reason, "note": note or None},
            idempotency_key,
        )

    def record_official_certificate(self, service_id, official, idempotency_key):
        """The issuing body's certificate issued outside OriginLink: {issuing_body, number,
        lookup_url, pdf_sha256}; shown as recorded by the exporter, not verified."""
        return self._request(
            "POST",
            f"/v1/certificates/{service_id}/official-certificate",
            official,
            idempotency_key,
        )

    def destinations(self):
        """The destinations' exchange modes and the issuing bodies the service knows."""
        return self._request("GET", "/v1/customs/destinations")

    def register_webhook(self, url, secret):
        return self._request("PUT", "/v1/webhook", {"url": url, "secret": secret})

    def test_webhook(self):
        """The service rings the webhook now (a signed ping) and says what came back."""
        return self._request("POST", "/v1/webhook/test")

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
            return ServiceAnswer(None, None, self._network_error(exc), code=type(exc).__name__)
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        status = response.status_code
        if status >= 400 or not isinstance(body, dict):
            # (A 2xx that is not our JSON is a proxy page or a wrong URL: never trusted.)
            code = body.get("code") if isinstance(body, dict) else None
            return ServiceAnswer(
                status,
                body if isinstance(body, dict) else None,
                self._http_error(status, body, response.text),
                code=code,
            )
        return ServiceAnswer(status, body)

    # --- errors people can act on ---------------------------------------------------------

    def _network_error(self, exc):
        _ = self.env._
        if isinstance(exc, requests.exceptions.SSLError):
            sentence = _(
                "The e-CO service at %(url)s presented a certificate that could not be "
                "verified. Check the service URL in %(where)s; Odoo tries again automatically.",
                url=self.base_url,
                where=SETTINGS_PATH,
            )
        elif isinstance(exc, requests.exceptions.Timeout):
            sentence = _(
                "The e-CO service at %(url)s did not answer in time. Odoo tries again "
                "automatically; if this keeps happening, tell your administrator.",
                url=self.base_url,
            )
        elif isinstance(exc, requests.exceptions.ConnectionError):
            sentence = _(
                "The e-CO service at %(url)s cannot be reached. Check the internet connection "
                "and the service URL in %(where)s; Odoo tries again automatically.",
                url=self.base_url,
                where=SETTINGS_PATH,
            )
        else:
            sentence = _(
                "The request to the e-CO service at %(url)s could not be made. Check the "
                "service URL in %(where)s.",
                url=self.base_url,
                where=SETTINGS_PATH,
            )
        return f"{sentence}\n{_('Details:')} {type(exc).__name__}: {exc}"

    def _http_error(self, status, body, text):
        _ = self.env._
        if not isinstance(body, dict):
            sentence = _(
                "%(url)s answered, but not as the e-CO service does (HTTP %(status)s, no "
                "problem document). Check the service URL in %(where)s.",
                url=self.base_url,
                status=status,
                where=SETTINGS_PATH,
            )
            if status in TRANSIENT_STATUSES:
                sentence = self._busy_sentence(status)
            return f"{sentence}\n{_('Details:')} HTTP {status}: {(text or '').strip()[:500]}"
        code = body.get("code") or ""
        sentence = self._sentence_for(status, code, body)
        detail = body.get("detail") or body.get("title") or ""
        lines = [sentence, f"{_('Details:')} HTTP {status} {code}: {detail}"]
        if body.get("article"):
            lines[-1] += f" ({body['article']})"
        problems = format_problems(body.get("errors") or [])
        if problems:
            lines.append(problems)
        return "\n".join(lines)

    def _busy_sentence(self, status):
        _ = self.env._
        if status == 429:
            return _(
                "The e-CO service is busy and asked to slow down. Odoo tries again "
                "automatically; nothing needs to be done."
            )
        return _(
            "The e-CO service had a temporary problem (HTTP %(status)s). Odoo tries again "
            "automatically; if it persists, contact the service's operator.",
            status=status,
        )

    def _sentence_for(self, status, code, body):
        _ = self.env._
        if status in TRANSIENT_STATUSES:
            return self._busy_sentence(status)
        if status == 401 or code in ("unauthenticated", "invalid_api_key", "api_key_revoked"):
            return _(
                "The e-CO service did not accept the API key of %(company)s. Ask your "
                "administrator to enter a valid key in %(where)s.",
                company=self.company.name,
                where=SETTINGS_PATH,
            )
        if status == 403:
            return _(
                "The e-CO service does not allow this API key to do that. Ask the service's "
                "operator for the right access."
            )
        if status == 404:
            return _(
                "The e-CO service does not know this certificate. Check that the service URL in "
                "%(where)s is the service that issued it.",
                where=SETTINGS_PATH,
            )
        if code == "duplicate_number":
            return _(
                "The service already holds a certificate with this number. If this certificate "
                "was sent before, use Refresh Status; otherwise create a new certificate, which "
                "gets a new number."
            )
        if code.startswith("idempotency_key"):
            return _(
                "The service saw this request before with different content. Send the "
                "certificate again: Odoo uses a new request key for a changed document."
            )
        if status == 409:
            return _(
                "The service's copy of this certificate does not allow that now. Refresh its "
                "status, then try again."
            )
        if status == 413:
            return _("The certificate is too large for the service. Split it into several.")
        if status in (400, 422):
            return _(
                "The service found problems in the certificate. Correct them (listed below) "
                "and send it again."
            )
        return _(
            "The e-CO service refused the request (HTTP %(status)s). The details below say why.",
            status=status,
        )
