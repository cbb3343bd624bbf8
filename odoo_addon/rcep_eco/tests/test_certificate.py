import copy
import json
from datetime import timedelta

import requests
from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from originlink.classify import classify_certificate
from originlink.links import resolve
from originlink.model import check_certificate

from .common import HERE, SERVICE_URL, RcepCase, load_exchange, without_rule_source


@tagged("post_install", "-at_install")
class TestCertificateFromOrder(RcepCase):
    def test_wizard_takes_lines_importer_and_invoice(self):
        cert = self.create_certificate()
        self.assertEqual(cert.state, "draft")
        self.assertEqual(cert.sale_order_id, self.order)
        self.assertEqual(cert.importer_id, self.buyer)
        self.assertEqual(cert.importing_country_id.code, "VN")
        line = cert.line_ids
        self.assertEqual(len(line), 1)
        self.assertEqual(line.hs_code, "940360")
        self.assertEqual(line.origin_criterion, "RVC")
        self.assertEqual(line.quantity, 40)
        self.assertEqual(line.uom_code, "PCE")
        self.assertEqual(line.fob_value, 4000.0)
        self.assertEqual(line.gross_weight, 1280.0)
        self.assertIn("Created from sales order", " ".join(self.chatter(cert)))
        self.assertEqual(self.order.rcep_certificate_count, 1)

    def test_wizard_needs_a_confirmed_order(self):
        quotation = self.order.copy()
        wizard = (
            self.env["rcep.certificate.wizard"]
            .with_context(default_sale_order_id=quotation.id)
            .create({"departure_date": "2026-11-22"})
        )
        with self.assertRaisesRegex(UserError, "Confirm the sales order"):
            wizard.action_create()

    def test_wizard_refuses_products_without_origin_data(self):
        self.cabinet.rcep_criterion = False
        wizard = (
            self.env["rcep.certificate.wizard"]
            .with_context(default_sale_order_id=self.order.id)
            .create({"departure_date": "2026-11-22"})
        )
        with self.assertRaisesRegex(UserError, "Wooden cabinet PR-C120: missing origin criterion"):
            wizard.action_create()

    def test_document_is_the_core_model(self):
        cert = self.create_certificate()
        expected = without_rule_source(json.loads((HERE / "certificate_document.json").read_text()))
        self.assertEqual(without_rule_source(cert._build_document()), expected)
        self.assertEqual(without_rule_source(cert._check_document()), expected)
        # The rule's source is the one the core's assessment of the product names.
        assessment = json.loads(self.cabinet.product_tmpl_id.rcep_assessment_json)
        evidence = cert._build_document()["goods_items"][0]["evidence"]
        self.assertEqual(evidence["rule_source"], assessment["rule_source"])

    def test_core_validation_before_sending_names_fields_and_articles(self):
        us = self.env["res.partner"].create(
            {"name": "Acme Inc", "street": "1 Main St", "country_id": self.env.ref("base.us").id}
        )
        cert = self.create_certificate()
        cert.write({"importer_id": us.id, "importing_country_id": self.vn.id})
        with self.service() as replay, self.assertRaises(UserError) as err:
            cert.action_send()
        message = str(err.exception)
        self.assertIn("importer.country: US is not the importing Party VN", message)
        self.assertIn("(Annex 3B; Form RCEP Box 2)", message)
        self.assertEqual(replay.calls, [], "nothing may leave Odoo before the core accepts it")
        self.assertEqual(cert.state, "draft")
        self.assertFalse(cert.idempotency_key)

    def test_send_stores_the_service_answer(self):
        cert = self.create_certificate()
        with self.service("create_201") as replay:
            cert.action_send()
        answer = load_exchange("create_201")["response"]
        key = replay.calls[0]["headers"]["Idempotency-Key"]
        self.assertEqual(key, cert.idempotency_key)
        self.assertEqual(cert.state, "issued")
        self.assertEqual(cert.service_id, answer["id"])
        self.assertEqual(cert.public_id, answer["public_id"])
        self.assertEqual(cert.digest, answer["digest"])
        # What to print is the service's links.print (issue 18.5): the QR link with the access
        # code in its fragment, the grouped codes, the lookup page.
        printed = answer["links"]["print"]
        self.assertEqual(cert.verify_url, printed["url"])
        self.assertEqual(cert.verify_url_public, printed["url_public"])
        self.assertEqual(cert.short_code, printed["short_code"])
        self.assertEqual(cert.access_code, printed["access_code"])
        self.assertEqual(cert.lookup_url, printed["lookup"])
        self.assertEqual(cert.environment, "production" if not printed["sandbox"] else "sandbox")
        code, _hash, access = cert.verify_url.rsplit("/", 1)[1].partition("#")
        self.assertEqual(resolve(code), answer["public_id"])
        self.assertEqual(access, answer["access_code"])
        # The destination's exchange mode, as the service decided it.
        self.assertEqual(cert.customs_mode, answer["customs"]["mode"])
        self.assertEqual(cert.customs_note, answer["customs"]["note"])
        self.assertFalse(cert.last_error)
        self.assertEqual(cert.send_attempts, 1)
        # QR code of the verification link, rendered by Odoo's own barcode service (PNG).
        self.assertTrue(cert.qr_code.startswith(b"iVBORw0KGgo"))
        chatter = " ".join(self.chatter(cert))
        self.assertIn("Draft → Queued", chatter)
        self.assertIn("Queued → Issued", chatter)

    def test_print_link_built_by_the_core_when_the_service_sends_none(self):
        """An older service without links.print: the core's own builder gives the same."""
        answer = load_exchange("create_201")["response"]
        printed = answer["links"]["print"]
        older = {k: v for k, v in answer.items() if k not in ("links", "customs")}
        cert = self.create_certificate()
        cert._apply_resource(older)
        self.assertEqual(cert.short_code, printed["short_code"])
        self.assertEqual(cert.access_code, printed["access_code"])
        self.assertTrue(cert.verify_url.startswith(SERVICE_URL.upper() + "/V/"))
        self.assertTrue(cert.verify_url.endswith(printed["url"].rsplit("/", 1)[1]))

    def test_refusal_is_stored_as_text(self):
        cert = self.create_certificate()
        with self.service("create_409_duplicate"):
            cert.action_send()
        self.assertEqual(cert.state, "error")
        self.assertIn("HTTP 409 duplicate_number", cert.last_error)
        self.assertIn("(Art 3.17)", cert.last_error)
        self.assertIn("number: RCEP-2026-000001 is already used", cert.last_error)
        self.assertIn("The service refused it", " ".join(self.chatter(cert)))

    def test_service_problems_name_every_field(self):
        exchange = load_exchange("create_422")
        cert = self.create_certificate()
        with self.service("create_422"):
            answer = cert._connector().create_certificate(exchange["request"], "k-bad")
        self.assertEqual(answer.status, 422)
        self.assertFalse(answer.transient)
        self.assertIn("The service found problems in the certificate", answer.error)
        self.assertIn("HTTP 422 invalid_certificate", answer.error)
        self.assertIn(
            "- importer.country: US is not the importing Party VN (Annex 3B; Form RCEP Box 2)",
            answer.error,
        )

    def test_transient_failure_is_retried_by_cron_with_the_same_key(self):
        cert = self.create_certificate()
        cron = self.env.ref("rcep_eco.ir_cron_rcep_send")
        with self.service(requests.ConnectionError("connection refused")) as first:
            cert.action_send()
        self.assertEqual(cert.state, "to_send")
        self.assertEqual(cert.send_attempts, 1)
        self.assertIn("cannot be reached", cert.last_error)
        self.assertIn("ConnectionError: connection refused", cert.last_error)
        self.assertTrue(cert.next_retry_at)
        trigger = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self.assertIn(cert.next_retry_at, trigger.mapped("call_at"))
        self.assertIn("Next attempt at", " ".join(self.chatter(cert)))
        # Not due yet: the cron leaves it alone.
        with self.service():
            self.env["rcep.certificate"]._cron_send()
        cert.write({"next_retry_at": fields.Datetime.now() - timedelta(seconds=1)})
        with self.service("create_201") as second:
            self.env["rcep.certificate"]._cron_send()
        self.assertEqual(cert.state, "issued")
        self.assertEqual(
            first.calls[0]["headers"]["Idempotency-Key"],
            second.calls[0]["headers"]["Idempotency-Key"],
        )
        self.assertEqual(cert.send_attempts, 2)

    def test_gives_up_after_the_last_retry(self):
        cert = self.create_certificate()
        outage = [requests.Timeout("read timed out") for _ in range(6)]
        with self.service(*outage[:1]):
            cert.action_send()
        for error in outage[1:]:
            cert.write({"next_retry_at": fields.Datetime.now() - timedelta(seconds=1)})
            with self.service(error):
                self.env["rcep.certificate"]._cron_send()
        self.assertEqual(cert.state, "error")
        self.assertEqual(cert.send_attempts, 6)
        self.assertIn("Gave up after 6 attempts", " ".join(self.chatter(cert)))

    def test_resend_after_fix_uses_a_new_key(self):
        cert = self.create_certificate()
        with self.service("create_409_duplicate"):
            cert.action_send()
        first_key = cert.idempotency_key
        cert.write({"remarks": "corrected"})
        replay_entry = load_exchange("create_201")
        replay_entry["request"] = dict(replay_entry["request"], remarks="corrected")
        with self.service(replay_entry):
            cert.action_send()
        self.assertNotEqual(cert.idempotency_key, first_key)
        self.assertEqual(cert.state, "issued")

    def test_precheck_dry_run(self):
        # The recorded dry run: the same buyer, but with an address outside the importing Party.
        us = self.env["res.partner"].create(
            {
                "name": self.buyer.name,
                "street": self.buyer.street,
                "city": self.buyer.city,
                "country_id": self.env.ref("base.us").id,
            }
        )
        cert = self.create_certificate()
        number = load_exchange("precheck_invalid")["request"]["number"]
        cert.write(
            {
                "name": number,
                "importer_id": us.id,
                "importing_country_id": self.vn.id,
            }
        )
        with self.service("precheck_invalid"):
            cert.action_precheck()
        self.assertIn("Pre-check found problems", cert.precheck_result)
        self.assertIn(
            "- importer.country: US is not the importing Party VN (Annex 3B; Form RCEP Box 2)",
            cert.precheck_result,
        )
        # Warnings come even for an invalid document; a lane only for a valid one.
        self.assertIn("Warnings:\n- goods_items[0].origin_criterion: RVC", cert.precheck_result)
        self.assertNotIn("Expected customs lane", cert.precheck_result)
        self.assertEqual(cert.state, "draft")

    def test_precheck_shows_warnings_and_lane(self):
        # The recorded dry run of the very document the certificate will send.
        answer = load_exchange("precheck_valid")["response"]
        cert = self.create_certificate()
        with self.service("precheck_valid"):
            cert.action_precheck()
        result = cert.precheck_result
        self.assertIn("Pre-check passed: the service would accept this certificate.", result)
        warning = answer["warnings"][0]
        self.assertIn(f"Warnings:\n- {warning['message']} ({warning['article']})", result)
        lane = answer["classification"]
        self.assertEqual(lane["lane"], "green")
        self.assertIn(f"Expected customs lane: green ({'; '.join(lane['reasons'])})", result)
        # Told in the chatter too, and nothing sent: still a draft, no key spent.
        self.assertIn("Expected customs lane: green", " ".join(self.chatter(cert)))
        self.assertEqual(cert.state, "draft")
        self.assertFalse(cert.idempotency_key)

    def test_precheck_withholds_cost_figures_from_the_chatter(self):
        """A warning about the origin evidence quotes supplier costs; the certificate's text
        and chatter (read by every certificate user) say which check fired, not the figures."""
        cert = self.create_certificate()
        sent = cert._build_document()
        # The service's answer for a document whose evidence contradicts its RVC claim,
        # computed by the real core (the same calls as the service's precheck).
        tampered = copy.deepcopy(sent)
        evidence = tampered["goods_items"][0]["evidence"]
        evidence["rvc"].update(fob="100000", vnm="60005", percentage="40.00")  # really 39.995
        evidence["materials"] = []
        doc, problems = check_certificate(tampered, today=cert.issue_date)
        self.assertEqual(problems, [])
        classified = classify_certificate(doc, today=cert.issue_date)
        self.assertEqual(classified.lane, "red")
        warnings = [w.model_dump() for w in classified.warnings]
        [cost] = [w for w in warnings if w["code"] == "rvc_recomputed_below_threshold"]
        self.assertIn("60005", cost["message"])
        answer = {
            "valid": True,
            "errors": [],
            "warnings": warnings,
            "classification": {"lane": "red", "reasons": classified.reasons},
        }
        exchange = {
            "method": "POST",
            "path": "/v1/precheck",
            "request": sent,
            "status": 200,
            "response": answer,
        }
        with self.service(exchange):
            cert.action_precheck()
        told = cert.precheck_result + " ".join(self.chatter(cert))
        self.assertNotIn("60005", told)
        self.assertIn(
            f"{cost['path']}: rvc_recomputed_below_threshold: cost figures withheld", told
        )
        self.assertIn("Expected customs lane: red", told)

    def test_wizard_dry_run_creates_nothing(self):
        us = self.env["res.partner"].create(
            {
                "name": self.buyer.name,
                "street": self.buyer.street,
                "city": self.buyer.city,
                "country_id": self.env.ref("base.us").id,
            }
        )
        wizard = (
            self.env["rcep.certificate.wizard"]
            .with_context(default_sale_order_id=self.order.id)
            .create(
                {
                    "issue_date": "2026-11-20",
                    "importer_id": us.id,
                    "importing_country_id": self.vn.id,
                    "departure_date": "2026-11-22",
                    "vessel_or_flight": "COSCO HARMONY V.026S",
                    "port_of_discharge": "Cat Lai, Ho Chi Minh City",
                    "invoice_number": "PRF-INV-2026-0917",
                    "invoice_date": "2026-11-18",
                }
            )
        )
        wizard.line_ids.write({"packages_number": 40, "marks": "SHL/HCM/2611 C/NO. 1-40"})
        # The recorded dry run, under the number this certificate would get.
        exchange = load_exchange("precheck_invalid")
        exchange["request"]["number"] = wizard._next_number()
        with self.service(exchange):
            wizard.action_precheck()
        self.assertIn("US is not the importing Party VN", wizard.precheck_result)
        self.assertIn("(Annex 3B; Form RCEP Box 2)", wizard.precheck_result)
        self.assertFalse(self.env["rcep.certificate"].search([]))

    def test_wizard_quantity_cannot_exceed_the_order(self):
        wizard = (
            self.env["rcep.certificate.wizard"]
            .with_context(default_sale_order_id=self.order.id)
            .create({"departure_date": "2026-11-22"})
        )
        wizard.line_ids.quantity = 41
        with self.assertRaisesRegex(UserError, "41.0 Units is more than the 40.0 Units ordered"):
            wizard.action_create()
        wizard.line_ids.quantity = 25
        cert = self.env["rcep.certificate"].browse(wizard.action_create()["res_id"])
        self.assertEqual(cert.line_ids.quantity, 25)
        self.assertEqual(cert.line_ids.fob_value, 2500.0)

    def test_settings_store_credentials_on_the_company(self):
        settings = self.env["res.config.settings"].create(
            {"rcep_api_key": "olk_new", "rcep_environment": "production"}
        )
        settings.execute()
        self.assertEqual(self.company.rcep_api_key, "olk_new")
        self.assertEqual(self.company.rcep_environment, "production")
        arch = self.env.ref("rcep_eco.res_config_settings_view_form_rcep").arch_db
        self.assertIn('<field name="rcep_api_key" password="True"/>', arch)

    def test_an_answer_that_is_not_json_is_an_error(self):
        cert = self.create_certificate()
        not_json = {
            "method": "POST",
            "path": "/v1/certificates",
            "request": cert._build_document(),
            "status": 200,
            "response": "<html>Welcome to nginx</html>",
        }
        with self.service(not_json):
            cert.action_send()
        self.assertEqual(cert.state, "error")
        self.assertIn("answered, but not as the e-CO service does", cert.last_error)
        self.assertIn("HTTP 200", cert.last_error)
        self.assertFalse(cert.service_id)
