import base64
import hashlib
import json
import logging

import requests
from odoo.tests import tagged

from .common import RcepCase, RealService

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install", "rcep_e2e")
class TestEndToEnd(RcepCase, RealService):
    """Against the real OriginLink service started here (`originlink serve`), no mocks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_real_service()

    def start_service(self):
        return self.service_url, self.service_key

    def test_issue_verify_pull_cancel(self):
        base, api_key = self.start_service()
        self.company.write({"rcep_service_url": base, "rcep_api_key": api_key})
        cert = self.create_certificate()
        cert.action_precheck()
        self.assertIn("Pre-check passed", cert.precheck_result)
        # With the origin evidence from the product's assessment, nothing needs a closer look.
        self.assertIn("Expected customs lane: green", cert.precheck_result)
        self.assertEqual(cert.state, "draft")
        cert.action_send()
        self.assertEqual(cert.state, "issued", cert.last_error)
        self.assertTrue(cert.verify_url.startswith(base.upper() + "/V/"))
        # Printed as the service says (links.print): the access code in the link's fragment.
        self.assertTrue(cert.verify_url.endswith("#" + cert.access_code.replace("-", "")))
        # The buyer's view: the QR link opens the public page, the JSON API agrees. Checked
        # whenever the service publishes those routes in its OpenAPI document (the public
        # verifier is a separate part of the service).
        paths = requests.get(base + "/v1/openapi.json", timeout=10).json()["paths"]
        if any(path.lower().startswith("/v/") for path in paths):
            page = requests.get(cert.verify_url, timeout=10)
            self.assertEqual(page.status_code, 200)
            self.assertIn("RCEP-2026-000001", page.text)
        else:
            _logger.warning("e2e: the service does not publish its /V/{code} page yet")
        if any(path.startswith("/v1/verify/{") for path in paths):
            verified = requests.get(f"{base}/v1/verify/{cert.public_id}", timeout=10).json()
            self.assertIn("RCEP-2026-000001", json.dumps(verified))
        else:
            _logger.warning("e2e: the service does not publish /v1/verify/{public_id} yet")
        # Sending again after a lost answer replays: same certificate, no duplicate.
        replay = cert._connector().create_certificate(
            json.loads(cert.sudo().payload_json), cert.idempotency_key
        )
        self.assertEqual(replay.status, 201)
        self.assertEqual(replay.body["id"], cert.service_id)
        cert._pull_status()
        self.assertFalse(cert.last_error)
        cert._do_cancel("order cancelled by the buyer")
        self.assertEqual(cert.state, "cancelled", cert.last_error)
        remote = requests.get(
            f"{base}/v1/certificates/{cert.service_id}",
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=10,
        ).json()
        self.assertEqual(remote["state"], "cancelled")

    def test_official_certificate_recorded(self):
        """Issue 9.5: the issuing body's own certificate, recorded against an issued one (the
        service's built-in configuration lists China's issuing bodies, none endorsing
        electronically): shown as recorded by the exporter, not verified."""
        base, api_key = self.start_service()
        self.company.write({"rcep_service_url": base, "rcep_api_key": api_key})
        self.company._rcep_refresh_destinations()
        self.assertIn("CN-GACC", self.company._rcep_issuing_bodies())
        cert = self.create_certificate(name="RCEP-2026-000077")
        cert.action_send()
        self.assertEqual(cert.state, "issued", cert.last_error)
        self.assertTrue(cert.can_record_official)
        pdf = b"%PDF-1.4\n% the issuing body's own certificate\n%%EOF\n"
        action = cert.action_record_official_certificate()
        wizard = (
            self.env[action["res_model"]]
            .with_context(action["context"])
            .create(
                {
                    "issuing_body": "CN-GACC",
                    "number": "CN-2026-GZ-000917",
                    "lookup_url": "https://origin.customs.example.cn/verify/CN-2026-GZ-000917",
                    "pdf": base64.b64encode(pdf),
                    "pdf_name": "official.pdf",
                }
            )
        )
        wizard.action_record()
        self.assertEqual(cert.certification_kind, "recorded")
        self.assertEqual(cert.official_number, "CN-2026-GZ-000917")
        self.assertEqual(cert.official_pdf_id.raw, pdf)
        # The service keeps it as the exporter's record, with the PDF's fingerprint.
        remote = requests.get(
            f"{base}/v1/certificates/{cert.service_id}",
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=10,
        ).json()["certification"]
        self.assertEqual(remote["kind"], "recorded")
        self.assertEqual(remote["number"], "CN-2026-GZ-000917")
        self.assertEqual(remote["pdf_sha256"], hashlib.sha256(pdf).hexdigest())
